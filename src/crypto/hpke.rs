//! Labeled public-key encryption (RFC 9420 §5.1.3).

use rand_core::CryptoRng;

use super::kdf::labeled_content;
use super::{CryptoError, HpkeCiphertext, HpkePrivateKey, HpkePublicKey, Secret, SuiteCrypto};

impl SuiteCrypto<'_> {
    /// `EncryptWithLabel(public_key, label, context, plaintext)` (RFC 9420
    /// §5.1.3): HPKE `SealBase` with `info` set to
    ///
    /// ```text
    /// struct {
    ///   opaque label<V>;   // "MLS 1.0 " + Label
    ///   opaque context<V>;
    /// } EncryptContext;
    /// ```
    ///
    /// and an empty `aad`. The ephemeral key comes from `rng`.
    // RFC 9420 §5.1.3, R-5.1.2-02
    pub fn encrypt_with_label(
        &self,
        public_key: &HpkePublicKey,
        label: &str,
        context: &[u8],
        plaintext: &[u8],
        rng: &mut (impl CryptoRng + ?Sized),
    ) -> Result<HpkeCiphertext, CryptoError> {
        let ikm_e = self.random_secret(self.params.kem.private_key_len(), rng);
        self.encrypt_with_label_seeded(public_key, label, context, plaintext, &ikm_e)
    }

    /// [`encrypt_with_label`](Self::encrypt_with_label) with the ephemeral
    /// seed given: the ephemeral key pair is `DeriveKeyPair(ikm_e)`. Lets a
    /// caller draw all randomness first and encrypt in any order (or in
    /// parallel) with the same result.
    pub fn encrypt_with_label_seeded(
        &self,
        public_key: &HpkePublicKey,
        label: &str,
        context: &[u8],
        plaintext: &[u8],
        ikm_e: &Secret,
    ) -> Result<HpkeCiphertext, CryptoError> {
        let info = encrypt_context(label, context)?;
        self.provider.hpke_seal(
            self.suite,
            public_key,
            &info,
            &[],
            plaintext,
            ikm_e.as_bytes(),
        )
    }

    /// `DecryptWithLabel(private_key, label, context, kem_output,
    /// ciphertext)` (RFC 9420 §5.1.3).
    // RFC 9420 §5.1.3, R-5.1.2-02
    pub fn decrypt_with_label(
        &self,
        private_key: &HpkePrivateKey,
        label: &str,
        context: &[u8],
        kem_output: &[u8],
        ciphertext: &[u8],
    ) -> Result<Secret, CryptoError> {
        let info = encrypt_context(label, context)?;
        self.provider
            .hpke_open(self.suite, private_key, kem_output, &info, &[], ciphertext)
    }
}

fn encrypt_context(label: &str, context: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let mut info = Vec::with_capacity(label.len() + context.len() + 16);
    labeled_content(label.as_bytes(), context, &mut info)?;
    Ok(info)
}
