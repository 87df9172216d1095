//! Cryptographic objects and operations (RFC 9420 §5).
//!
//! [`CryptoProvider`] is the set of primitives a cipher suite names;
//! [`RustCryptoProvider`] implements it for all seven suites of RFC 9420
//! §17.1 in pure Rust. [`SuiteCrypto`] binds a provider to one suite and adds
//! the MLS constructions on top: `ExpandWithLabel`, `DeriveSecret`,
//! `DeriveTreeSecret` and `RefHash` (§5.2, §8), `SignWithLabel` and
//! `VerifyWithLabel` (§5.1.2), `EncryptWithLabel` and `DecryptWithLabel`
//! (§5.1.3).

mod hpke;
mod kdf;
mod keys;
mod provider;
mod rust_crypto;
mod secret;
mod signature;
pub(crate) use signature::encode_sign_content;
mod suite;

use rand_core::CryptoRng;

pub use keys::{
    HpkeCiphertext, HpkePrivateKey, HpkePublicKey, SignaturePrivateKey, SignaturePublicKey,
};
pub use provider::{CryptoProvider, FailedCheck, HpkeRecipient, SignatureCheck};
pub use rust_crypto::RustCryptoProvider;
pub use secret::{KeyNonce, Secret};
pub(crate) use secret::{MAX_STATE_SECRET_LEN, UniformLength};
pub use suite::{AeadId, CipherSuite, KdfId, KemId, SignatureScheme, SuiteParams};

/// An input of a cryptographic operation whose length can be wrong, named
/// by [`CryptoError::InvalidLength`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LengthOf {
    /// An AEAD key (`AEAD.Nk`).
    AeadKey,
    /// An AEAD nonce (`AEAD.Nn`).
    AeadNonce,
    /// The input keying material of `DeriveKeyPair` (RFC 9180 §7.1.3).
    KemIkm,
    /// The output of HKDF-Extract.
    HkdfExtractOutput,
    /// A pseudorandom key given to HKDF-Expand (`KDF.Nh`).
    Prk,
    /// An HMAC key.
    HmacKey,
    /// The buffer a hash is written to (`Nh`).
    HashOutput,
}

/// Why a cryptographic operation failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CryptoError {
    /// The cipher suite is unknown or not implemented by the provider.
    #[error("unsupported cipher suite {0:#06x}")]
    UnsupportedCipherSuite(u16),
    /// A public key is malformed or not a valid point for the suite.
    #[error("invalid public key")]
    InvalidPublicKey,
    /// A private key is malformed or out of range for the suite.
    #[error("invalid private key")]
    InvalidPrivateKey,
    /// A signature is malformed or does not verify.
    #[error("signature verification failed")]
    InvalidSignature,
    /// AEAD or HPKE decryption failed authentication.
    #[error("decryption failed")]
    DecryptionFailed,
    /// AEAD or HPKE encryption failed.
    #[error("encryption failed")]
    EncryptionFailed,
    /// A key, nonce or seed had the wrong length.
    #[error("{what:?} has {got} bytes, expected {expected}")]
    InvalidLength {
        /// What had the wrong length.
        what: LengthOf,
        /// The expected length.
        expected: usize,
        /// The length given.
        got: usize,
    },
    /// A KDF was asked for more output than it can produce.
    #[error("KDF output of {0} bytes requested, too long")]
    KdfOutputTooLong(usize),
    /// `DeriveKeyPair` found no valid key in its 256 candidates
    /// (RFC 9180 §7.1.3), or key generation drew 256 invalid candidates
    /// from its RNG (a broken RNG).
    #[error("DeriveKeyPair failed")]
    DeriveKeyPairFailed,
    /// A Diffie-Hellman result was all zero (a low-order public key).
    #[error("Diffie-Hellman produced an all-zero shared secret")]
    ZeroSharedSecret,
    /// A value could not be encoded as an input to a labeled function.
    #[error("could not encode a labeled input")]
    Encoding,
}

/// A provider bound to one cipher suite, with the MLS labeled constructions.
///
/// Cheap to copy; build it once per group or operation.
#[derive(Clone, Copy)]
pub struct SuiteCrypto<'a> {
    provider: &'a dyn CryptoProvider,
    suite: CipherSuite,
    params: SuiteParams,
}

impl core::fmt::Debug for SuiteCrypto<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SuiteCrypto")
            .field("suite", &self.suite)
            .finish_non_exhaustive()
    }
}

impl<'a> SuiteCrypto<'a> {
    /// Binds `provider` to `suite`; fails if the suite is unknown or the
    /// provider does not implement it.
    pub fn new(provider: &'a dyn CryptoProvider, suite: CipherSuite) -> Result<Self, CryptoError> {
        let params = suite
            .params()
            .filter(|_| provider.supports(suite))
            .ok_or(CryptoError::UnsupportedCipherSuite(suite.0))?;
        Ok(Self {
            provider,
            suite,
            params,
        })
    }

    /// The bound suite.
    pub fn suite(&self) -> CipherSuite {
        self.suite
    }

    /// The algorithms of the bound suite.
    pub fn params(&self) -> SuiteParams {
        self.params
    }

    /// The underlying provider.
    pub fn provider(&self) -> &'a dyn CryptoProvider {
        self.provider
    }

    /// `Nh`: the suite's hash and KDF output length.
    pub fn hash_len(&self) -> usize {
        self.params.hash_len()
    }

    /// `Hash(data)`.
    pub fn hash(&self, data: &[u8]) -> Result<Vec<u8>, CryptoError> {
        self.provider.hash(self.suite, data)
    }

    /// `Hash(data)` written to `out`, which must be `Nh` bytes long.
    pub fn hash_to(&self, data: &[u8], out: &mut [u8]) -> Result<(), CryptoError> {
        self.provider.hash_to(self.suite, data, out)
    }

    /// `MAC(key, data)`.
    pub fn mac(&self, key: &[u8], data: &[u8]) -> Result<Vec<u8>, CryptoError> {
        self.provider.mac(self.suite, key, data)
    }

    /// `KDF.Extract(salt, ikm)`.
    pub fn extract(&self, salt: &[u8], ikm: &[u8]) -> Result<Secret, CryptoError> {
        self.provider.kdf_extract(self.suite, salt, ikm)
    }

    /// `KDF.Expand(prk, info, len)`.
    pub fn expand(&self, prk: &[u8], info: &[u8], len: usize) -> Result<Secret, CryptoError> {
        self.provider.kdf_expand(self.suite, prk, info, len)
    }

    /// AEAD encryption with the suite's AEAD.
    pub fn aead_seal(
        &self,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        plaintext: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        self.provider
            .aead_seal(self.suite, key, nonce, aad, plaintext)
    }

    /// AEAD decryption with the suite's AEAD.
    pub fn aead_open(
        &self,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        ciphertext: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        self.provider
            .aead_open(self.suite, key, nonce, aad, ciphertext)
    }

    /// `DeriveKeyPair(ikm)` for the suite's KEM.
    pub fn derive_key_pair(
        &self,
        ikm: &[u8],
    ) -> Result<(HpkePrivateKey, HpkePublicKey), CryptoError> {
        self.provider.kem_derive_key_pair(self.suite, ikm)
    }

    /// Validates an HPKE public key of the suite's KEM (RFC 9180 §7.1.4):
    /// see [`CryptoProvider::validate_hpke_public_key`]. Every HPKE key that
    /// enters a tree or a KeyPackage goes through it (RFC 9420 §5.1.1).
    pub fn validate_hpke_public_key(&self, public_key: &HpkePublicKey) -> Result<(), CryptoError> {
        self.provider
            .validate_hpke_public_key(self.suite, public_key)
    }

    /// Generates a fresh HPKE key pair: `DeriveKeyPair` over `Nsk` random
    /// bytes from `rng` (RFC 9180 §7.1.3).
    pub fn generate_hpke_key_pair(
        &self,
        rng: &mut (impl CryptoRng + ?Sized),
    ) -> Result<(HpkePrivateKey, HpkePublicKey), CryptoError> {
        let seed = self.random_secret(self.params.kem.private_key_len(), rng);
        self.derive_key_pair(seed.as_bytes())
    }

    /// Generates a fresh signature key pair.
    pub fn generate_signature_key_pair(
        &self,
        rng: &mut dyn CryptoRng,
    ) -> Result<(SignaturePrivateKey, SignaturePublicKey), CryptoError> {
        self.provider.signature_key_pair(self.suite, rng)
    }

    /// `len` fresh random bytes from `rng`, as a secret.
    pub fn random_secret(&self, len: usize, rng: &mut (impl CryptoRng + ?Sized)) -> Secret {
        let mut bytes = vec![0u8; len];
        rng.fill_bytes(&mut bytes);
        Secret::new(bytes)
    }
}
