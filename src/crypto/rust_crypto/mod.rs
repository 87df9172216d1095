//! [`RustCryptoProvider`]: the default provider, in pure Rust, for all seven
//! cipher suites of RFC 9420 §17.1.
//!
//! | file | what | specification |
//! |---|---|---|
//! | `hash.rs` | SHA-2, HMAC, HKDF | RFC 9420 §5.1, RFC 5869 |
//! | `aead.rs` | AES-GCM, ChaCha20Poly1305 | RFC 9180 §7.3 |
//! | `kem.rs` | DHKEM over X25519, X448, P-256, P-384, P-521 | RFC 9180 §4.1, §7.1 |
//! | `hpke.rs` | HPKE base mode, single shot | RFC 9180 §5.1, §6.1 |
//! | `signature.rs` | Ed25519, Ed448, ECDSA | RFC 8032, RFC 6979, RFC 8446 §4.2.3 |
//!
//! The primitives come from the RustCrypto and dalek crates; HPKE and DHKEM
//! are implemented here on top of them. The provider holds no state: each
//! call parses its keys, works, and wipes what it derived.

mod aead;
mod batch;
mod hash;
mod hpke;
mod kem;
mod signature;

#[cfg(test)]
mod tests;

use rand_core::CryptoRng;

use self::aead::Aead;
use self::hash::Hash;
use self::hpke::Hpke;
use self::signature::SignatureAlg;
use super::{
    CipherSuite, CryptoError, CryptoProvider, FailedCheck, HpkeCiphertext, HpkePrivateKey,
    HpkePublicKey, HpkeRecipient, Secret, SignatureCheck, SignaturePrivateKey, SignaturePublicKey,
};

/// The pure-Rust crypto provider for all seven MLS cipher suites
/// (RFC 9420 §17.1).
///
/// Stateless and free to copy. See the module documentation for the
/// algorithms and the encodings of keys and signatures.
///
/// ```
/// use rfc9420::crypto::{CipherSuite, CryptoProvider, RustCryptoProvider};
///
/// let provider = RustCryptoProvider;
/// assert!(CipherSuite::ALL.iter().all(|s| provider.supports(*s)));
/// ```
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
// RFC 9420 §17.1, R-17.1-01
pub struct RustCryptoProvider;

/// The algorithms of one suite, as this provider implements them.
#[derive(Debug, Clone, Copy)]
struct Algorithms {
    hash: Hash,
    aead: Aead,
    hpke: Hpke,
    signature: SignatureAlg,
}

impl Algorithms {
    /// The algorithms of `suite`, or `None` if one of them is unsupported.
    const fn of(suite: CipherSuite) -> Option<Self> {
        let Some(params) = suite.params() else {
            return None;
        };
        let (Some(hash), Some(aead), Some(hpke), Some(signature)) = (
            Hash::from_kdf(params.kdf),
            Aead::from_id(params.aead),
            Hpke::new(&params),
            SignatureAlg::from_scheme(params.signature),
        ) else {
            return None;
        };
        Some(Self {
            hash,
            aead,
            hpke,
            signature,
        })
    }
}

/// The algorithms of `suite`, or [`CryptoError::UnsupportedCipherSuite`].
fn algorithms(suite: CipherSuite) -> Result<Algorithms, CryptoError> {
    Algorithms::of(suite).ok_or(CryptoError::UnsupportedCipherSuite(suite.0))
}

impl CryptoProvider for RustCryptoProvider {
    fn supports(&self, suite: CipherSuite) -> bool {
        Algorithms::of(suite).is_some()
    }

    fn hash(&self, suite: CipherSuite, data: &[u8]) -> Result<Vec<u8>, CryptoError> {
        Ok(algorithms(suite)?.hash.digest(data))
    }

    fn hash_to(&self, suite: CipherSuite, data: &[u8], out: &mut [u8]) -> Result<(), CryptoError> {
        algorithms(suite)?.hash.digest_to(data, out)
    }

    fn mac(&self, suite: CipherSuite, key: &[u8], data: &[u8]) -> Result<Vec<u8>, CryptoError> {
        algorithms(suite)?.hash.mac(key, data)
    }

    fn kdf_extract(
        &self,
        suite: CipherSuite,
        salt: &[u8],
        ikm: &[u8],
    ) -> Result<Secret, CryptoError> {
        algorithms(suite)?.hash.extract(salt, ikm)
    }

    fn kdf_expand(
        &self,
        suite: CipherSuite,
        prk: &[u8],
        info: &[u8],
        len: usize,
    ) -> Result<Secret, CryptoError> {
        algorithms(suite)?.hash.expand(prk, info, len)
    }

    fn aead_seal(
        &self,
        suite: CipherSuite,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        plaintext: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        algorithms(suite)?.aead.seal(key, nonce, aad, plaintext)
    }

    fn aead_open(
        &self,
        suite: CipherSuite,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        ciphertext: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        algorithms(suite)?.aead.open(key, nonce, aad, ciphertext)
    }

    fn kem_derive_key_pair(
        &self,
        suite: CipherSuite,
        ikm: &[u8],
    ) -> Result<(HpkePrivateKey, HpkePublicKey), CryptoError> {
        algorithms(suite)?.hpke.kem().derive_key_pair(ikm)
    }

    fn kem_public_key(
        &self,
        suite: CipherSuite,
        private_key: &HpkePrivateKey,
    ) -> Result<HpkePublicKey, CryptoError> {
        algorithms(suite)?.hpke.kem().public_key(private_key)
    }

    fn import_hpke_private_key(
        &self,
        suite: CipherSuite,
        bytes: &[u8],
    ) -> Result<HpkePrivateKey, CryptoError> {
        algorithms(suite)?.hpke.kem().import_private_key(bytes)
    }

    fn validate_hpke_public_key(
        &self,
        suite: CipherSuite,
        public_key: &HpkePublicKey,
    ) -> Result<(), CryptoError> {
        algorithms(suite)?
            .hpke
            .kem()
            .validate_public_key(&public_key.0)
    }

    fn hpke_seal(
        &self,
        suite: CipherSuite,
        public_key: &HpkePublicKey,
        info: &[u8],
        aad: &[u8],
        plaintext: &[u8],
        ikm_e: &[u8],
    ) -> Result<HpkeCiphertext, CryptoError> {
        algorithms(suite)?
            .hpke
            .seal(public_key, info, aad, plaintext, ikm_e)
    }

    /// Hashes `info` once for all recipients (RFC 9180 §5.1: the
    /// key-schedule context depends on `info`, not on the recipient).
    fn hpke_seal_many(
        &self,
        suite: CipherSuite,
        info: &[u8],
        aad: &[u8],
        recipients: &[HpkeRecipient<'_>],
    ) -> Result<Vec<HpkeCiphertext>, CryptoError> {
        let hpke = algorithms(suite)?.hpke;
        let context = hpke.key_schedule_context(info)?;
        let seal =
            |r: &HpkeRecipient<'_>| hpke.seal_in(&context, r.public_key, aad, r.plaintext, r.ikm_e);
        // With `parallel`, the seals run on rayon's pool; the results are
        // collected in order, and the first error in order is returned, so
        // the output is the same.
        crate::par::map(recipients, seal).into_iter().collect()
    }

    fn hpke_open(
        &self,
        suite: CipherSuite,
        private_key: &HpkePrivateKey,
        kem_output: &[u8],
        info: &[u8],
        aad: &[u8],
        ciphertext: &[u8],
    ) -> Result<Secret, CryptoError> {
        algorithms(suite)?
            .hpke
            .open(private_key, kem_output, info, aad, ciphertext)
    }

    fn hpke_export_sender(
        &self,
        suite: CipherSuite,
        public_key: &HpkePublicKey,
        info: &[u8],
        exporter_context: &[u8],
        length: usize,
        ikm_e: &[u8],
    ) -> Result<(Vec<u8>, Secret), CryptoError> {
        algorithms(suite)?.hpke.setup_sender_export(
            public_key,
            info,
            exporter_context,
            length,
            ikm_e,
        )
    }

    fn hpke_export_receiver(
        &self,
        suite: CipherSuite,
        private_key: &HpkePrivateKey,
        kem_output: &[u8],
        info: &[u8],
        exporter_context: &[u8],
        length: usize,
    ) -> Result<Secret, CryptoError> {
        algorithms(suite)?.hpke.setup_receiver_export(
            kem_output,
            private_key,
            info,
            exporter_context,
            length,
        )
    }

    fn signature_key_pair(
        &self,
        suite: CipherSuite,
        rng: &mut dyn CryptoRng,
    ) -> Result<(SignaturePrivateKey, SignaturePublicKey), CryptoError> {
        algorithms(suite)?.signature.generate(rng)
    }

    fn signature_public_key(
        &self,
        suite: CipherSuite,
        private_key: &SignaturePrivateKey,
    ) -> Result<SignaturePublicKey, CryptoError> {
        algorithms(suite)?.signature.public_key(private_key)
    }

    fn import_signature_private_key(
        &self,
        suite: CipherSuite,
        bytes: &[u8],
    ) -> Result<SignaturePrivateKey, CryptoError> {
        algorithms(suite)?.signature.import_private_key(bytes)
    }

    fn sign(
        &self,
        suite: CipherSuite,
        private_key: &SignaturePrivateKey,
        message: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        algorithms(suite)?.signature.sign(private_key, message)
    }

    fn verify(
        &self,
        suite: CipherSuite,
        public_key: &SignaturePublicKey,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), CryptoError> {
        algorithms(suite)?
            .signature
            .verify(public_key, message, signature)
    }

    /// Ed25519 signatures are verified in batches of 256
    /// (ed25519-dalek's `verify_batch`, after the checks single
    /// verification makes before its equation, `R`'s canonical encoding
    /// included); a batch that fails is verified again one signature at a
    /// time, which finds the first failure. A batch accepts what single
    /// verification accepts, and beyond it only a signature whose error
    /// term is a nonzero point of small order that the batch's random
    /// weights cancel, which only the signing key's holder can make (see
    /// `src/crypto/rust_crypto/batch.rs`). Other schemes verify one at a time. With `parallel`,
    /// batches and single verifications run on rayon's pool, with the same
    /// result.
    fn verify_many(
        &self,
        suite: CipherSuite,
        checks: &[SignatureCheck<'_>],
    ) -> Result<(), FailedCheck> {
        if checks.is_empty() {
            return Ok(());
        }
        algorithms(suite)
            .map_err(|error| FailedCheck { index: 0, error })?
            .signature
            .verify_many(checks)
    }
}
