//! Labeled public-key encryption (RFC 9420 §5.1.3).

use rand_core::CryptoRng;

use super::kdf::labeled_content;
use super::{
    CryptoError, HpkeCiphertext, HpkePrivateKey, HpkePublicKey, HpkeRecipient, Secret, SuiteCrypto,
};

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

    /// `EncryptWithLabel(public_key, label, context, plaintext)` (RFC 9420
    /// §5.1.3) for each `(public_key, plaintext)` of `recipients`, all
    /// under one `label` and `context`: the `info` is built once and the
    /// provider's [`hpke_seal_many`](super::CryptoProvider::hpke_seal_many)
    /// hashes it once, where one
    /// [`encrypt_with_label`](Self::encrypt_with_label) per recipient would
    /// hash it per recipient. The Welcome (§12.4.3.1) seals every new
    /// member's GroupSecrets under the encrypted GroupInfo, which carries
    /// the tree: O(n) bytes per seal.
    ///
    /// The ephemeral seeds are drawn from `rng` in the order of
    /// `recipients`, before any encryption, so the ciphertexts are
    /// byte-identical to those of `encrypt_with_label` called once per
    /// recipient in that order with the same `rng`.
    pub fn encrypt_with_label_many(
        &self,
        recipients: &[(&HpkePublicKey, &[u8])],
        label: &str,
        context: &[u8],
        rng: &mut (impl CryptoRng + ?Sized),
    ) -> Result<Vec<HpkeCiphertext>, CryptoError> {
        let seed_len = self.params.kem.private_key_len();
        let seeds: Vec<Secret> = recipients
            .iter()
            .map(|_| self.random_secret(seed_len, rng))
            .collect();
        let sealed: Vec<HpkeRecipient<'_>> = recipients
            .iter()
            .zip(&seeds)
            .map(|((public_key, plaintext), seed)| HpkeRecipient {
                public_key,
                plaintext,
                ikm_e: seed.as_bytes(),
            })
            .collect();
        self.encrypt_with_label_seeded_many(&sealed, label, context)
    }

    /// [`encrypt_with_label_many`](Self::encrypt_with_label_many) with each
    /// recipient's ephemeral seed given (as
    /// [`encrypt_with_label_seeded`](Self::encrypt_with_label_seeded)).
    pub fn encrypt_with_label_seeded_many(
        &self,
        recipients: &[HpkeRecipient<'_>],
        label: &str,
        context: &[u8],
    ) -> Result<Vec<HpkeCiphertext>, CryptoError> {
        let info = encrypt_context(label, context)?;
        self.provider
            .hpke_seal_many(self.suite, &info, &[], recipients)
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

impl SuiteCrypto<'_> {
    /// HPKE `SetupBaseS(public_key, info)` then `Export(exporter_context,
    /// length)` (RFC 9180 §5.1.1, §5.3), the ephemeral key from `rng`:
    /// returns the KEM output and the exported secret (RFC 9420 §8.3).
    pub fn hpke_export_to(
        &self,
        public_key: &HpkePublicKey,
        info: &[u8],
        exporter_context: &[u8],
        length: usize,
        rng: &mut (impl CryptoRng + ?Sized),
    ) -> Result<(Vec<u8>, Secret), CryptoError> {
        let ikm_e = self.random_secret(self.params.kem.private_key_len(), rng);
        self.provider.hpke_export_sender(
            self.suite,
            public_key,
            info,
            exporter_context,
            length,
            ikm_e.as_bytes(),
        )
    }

    /// HPKE `SetupBaseR(kem_output, private_key, info)` then
    /// `Export(exporter_context, length)` (RFC 9180 §5.1.1, §5.3): the
    /// secret [`hpke_export_to`](Self::hpke_export_to) exported
    /// (RFC 9420 §8.3).
    pub fn hpke_export_from(
        &self,
        private_key: &HpkePrivateKey,
        kem_output: &[u8],
        info: &[u8],
        exporter_context: &[u8],
        length: usize,
    ) -> Result<Secret, CryptoError> {
        self.provider.hpke_export_receiver(
            self.suite,
            private_key,
            kem_output,
            info,
            exporter_context,
            length,
        )
    }
}

fn encrypt_context(label: &str, context: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let mut info = Vec::with_capacity(label.len() + context.len() + 16);
    labeled_content(label.as_bytes(), context, &mut info)?;
    Ok(info)
}
