//! The interface between the protocol and the cryptographic primitives.

use rand_core::CryptoRng;

use super::{
    CipherSuite, CryptoError, HpkeCiphertext, HpkePrivateKey, HpkePublicKey, Secret,
    SignaturePrivateKey, SignaturePublicKey,
};

/// The primitives a cipher suite names (RFC 9420 §5.1), for every suite the
/// provider supports.
///
/// Every method takes the suite it works for. All methods are deterministic
/// except [`CryptoProvider::signature_key_pair`], which draws from the RNG it
/// is given: randomness for HPKE encryption comes in as the ephemeral seed
/// `ikm_e`, drawn by the caller, so the protocol code decides where
/// randomness comes from and a run can be replayed.
///
/// [`RustCryptoProvider`](super::RustCryptoProvider) implements it in pure
/// Rust for all seven suites.
pub trait CryptoProvider: Send + Sync {
    /// Whether this provider implements `suite`.
    fn supports(&self, suite: CipherSuite) -> bool;

    /// `Hash(data)` with the suite's hash function.
    fn hash(&self, suite: CipherSuite, data: &[u8]) -> Result<Vec<u8>, CryptoError>;

    /// `Hash(data)` written to `out`, which must be as long as the hash
    /// ([`CryptoError::InvalidLength`] if not): for the tree hashes of
    /// every node of a tree, without a vector each. The default copies
    /// [`hash`](Self::hash)'s output.
    fn hash_to(&self, suite: CipherSuite, data: &[u8], out: &mut [u8]) -> Result<(), CryptoError> {
        let hash = self.hash(suite, data)?;
        if hash.len() != out.len() {
            return Err(CryptoError::InvalidLength {
                what: super::LengthOf::HashOutput,
                expected: hash.len(),
                got: out.len(),
            });
        }
        out.copy_from_slice(&hash);
        Ok(())
    }

    /// `MAC(key, data)`: HMAC with the suite's hash (RFC 9420 §5.1).
    fn mac(&self, suite: CipherSuite, key: &[u8], data: &[u8]) -> Result<Vec<u8>, CryptoError>;

    /// `KDF.Extract(salt, ikm)` (RFC 5869 §2.2).
    fn kdf_extract(
        &self,
        suite: CipherSuite,
        salt: &[u8],
        ikm: &[u8],
    ) -> Result<Secret, CryptoError>;

    /// `KDF.Expand(prk, info, len)` (RFC 5869 §2.3).
    fn kdf_expand(
        &self,
        suite: CipherSuite,
        prk: &[u8],
        info: &[u8],
        len: usize,
    ) -> Result<Secret, CryptoError>;

    /// AEAD encryption; the result is the ciphertext followed by the tag.
    fn aead_seal(
        &self,
        suite: CipherSuite,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        plaintext: &[u8],
    ) -> Result<Vec<u8>, CryptoError>;

    /// AEAD decryption of ciphertext-with-tag.
    fn aead_open(
        &self,
        suite: CipherSuite,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        ciphertext: &[u8],
    ) -> Result<Vec<u8>, CryptoError>;

    /// `DeriveKeyPair(ikm)` for the suite's KEM (RFC 9180 §7.1.3).
    fn kem_derive_key_pair(
        &self,
        suite: CipherSuite,
        ikm: &[u8],
    ) -> Result<(HpkePrivateKey, HpkePublicKey), CryptoError>;

    /// The public key of an HPKE private key.
    fn kem_public_key(
        &self,
        suite: CipherSuite,
        private_key: &HpkePrivateKey,
    ) -> Result<HpkePublicKey, CryptoError>;

    /// Checks and normalizes an HPKE private key given in its serialized
    /// form. Providers accept P-521 keys of 65 bytes (leading zero dropped)
    /// and return them as 66 bytes.
    fn import_hpke_private_key(
        &self,
        suite: CipherSuite,
        bytes: &[u8],
    ) -> Result<HpkePrivateKey, CryptoError>;

    /// Validates an HPKE public key of the suite's KEM as RFC 9180 §7.1.4
    /// requires before it is used (RFC 9420 §5.1.1, §7.3, §10.1):
    ///
    /// - P-256, P-384, P-521: an uncompressed SEC1 point of `Npk` bytes,
    ///   with coordinates below the field prime, on the curve and not the
    ///   point at infinity;
    /// - X25519, X448: `Npk` bytes that are not a low-order point, i.e. a
    ///   Diffie-Hellman with any (clamped) private key gives a non-zero,
    ///   contributory result.
    ///
    /// A key that fails is [`CryptoError::InvalidPublicKey`]; an unknown
    /// suite is [`CryptoError::UnsupportedCipherSuite`].
    fn validate_hpke_public_key(
        &self,
        suite: CipherSuite,
        public_key: &HpkePublicKey,
    ) -> Result<(), CryptoError>;

    /// HPKE `SealBase(pk_r, info, aad, plaintext)` (RFC 9180 §6.1), with
    /// the ephemeral key pair derived as `DeriveKeyPair(ikm_e)`. `ikm_e` must
    /// be fresh randomness of the KEM's `Nsk` bytes.
    fn hpke_seal(
        &self,
        suite: CipherSuite,
        public_key: &HpkePublicKey,
        info: &[u8],
        aad: &[u8],
        plaintext: &[u8],
        ikm_e: &[u8],
    ) -> Result<HpkeCiphertext, CryptoError>;

    /// HPKE `SealBase` of each recipient's plaintext to its public key,
    /// all under one `info` and `aad` (RFC 9180 §6.1): the results, in the
    /// order of `recipients`, are those of one
    /// [`hpke_seal`](Self::hpke_seal) per recipient with its `ikm_e`.
    ///
    /// MLS seals to many recipients under one `info`: the GroupSecrets of a
    /// Welcome under the encrypted GroupInfo (RFC 9420 §12.4.3.1), which
    /// carries the whole tree, and the path secrets of an UpdatePath under
    /// the GroupContext (§7.6). A provider can compute the part of the HPKE
    /// key schedule that depends on `info` alone (`info_hash`, RFC 9180
    /// §5.1) once for all of them; this default calls `hpke_seal` for each.
    fn hpke_seal_many(
        &self,
        suite: CipherSuite,
        info: &[u8],
        aad: &[u8],
        recipients: &[HpkeRecipient<'_>],
    ) -> Result<Vec<HpkeCiphertext>, CryptoError> {
        recipients
            .iter()
            .map(|r| self.hpke_seal(suite, r.public_key, info, aad, r.plaintext, r.ikm_e))
            .collect()
    }

    /// HPKE `OpenBase(enc, sk_r, info, aad, ciphertext)` (RFC 9180 §6.1).
    fn hpke_open(
        &self,
        suite: CipherSuite,
        private_key: &HpkePrivateKey,
        kem_output: &[u8],
        info: &[u8],
        aad: &[u8],
        ciphertext: &[u8],
    ) -> Result<Secret, CryptoError>;

    /// HPKE `SetupBaseS(pk_r, info)` and `context.Export(exporter_context,
    /// length)` (RFC 9180 §5.1.1, §5.3), with the ephemeral key pair
    /// derived as `DeriveKeyPair(ikm_e)`: returns the KEM output `enc` and
    /// the exported secret. External joins derive their `init_secret` this
    /// way from the group's `external_pub` (RFC 9420 §8.3).
    fn hpke_export_sender(
        &self,
        suite: CipherSuite,
        public_key: &HpkePublicKey,
        info: &[u8],
        exporter_context: &[u8],
        length: usize,
        ikm_e: &[u8],
    ) -> Result<(Vec<u8>, Secret), CryptoError>;

    /// HPKE `SetupBaseR(enc, sk_r, info)` and
    /// `context.Export(exporter_context, length)` (RFC 9180 §5.1.1,
    /// §5.3): the secret [`hpke_export_sender`](Self::hpke_export_sender)
    /// exported, recovered with the recipient's private key (RFC 9420
    /// §8.3).
    fn hpke_export_receiver(
        &self,
        suite: CipherSuite,
        private_key: &HpkePrivateKey,
        kem_output: &[u8],
        info: &[u8],
        exporter_context: &[u8],
        length: usize,
    ) -> Result<Secret, CryptoError>;

    /// `Signature.Verify` of each check (RFC 9420 §5.1.2): `Ok(())` if
    /// every signature verifies; otherwise the first check, in order, whose
    /// [`verify`](Self::verify) fails, with that call's error. The result is
    /// the one of calling `verify` on each check in order and stopping at
    /// the first failure, which this default does. A provider may verify
    /// many signatures together (Ed25519 batch verification), as long as
    /// it reports the same first failure.
    fn verify_many(
        &self,
        suite: CipherSuite,
        checks: &[SignatureCheck<'_>],
    ) -> Result<(), FailedCheck> {
        checks.iter().enumerate().try_for_each(|(index, c)| {
            self.verify(suite, c.public_key, c.message, c.signature)
                .map_err(|error| FailedCheck { index, error })
        })
    }

    /// Generates a fresh signature key pair from `rng`.
    fn signature_key_pair(
        &self,
        suite: CipherSuite,
        rng: &mut dyn CryptoRng,
    ) -> Result<(SignaturePrivateKey, SignaturePublicKey), CryptoError>;

    /// The public key of a signature private key.
    fn signature_public_key(
        &self,
        suite: CipherSuite,
        private_key: &SignaturePrivateKey,
    ) -> Result<SignaturePublicKey, CryptoError>;

    /// Checks and normalizes a signature private key given in the formats
    /// of the MLS test vectors (RFC 8032 seed, or big-endian ECDSA scalar;
    /// P-521 scalars of 65 bytes are left-padded to 66).
    fn import_signature_private_key(
        &self,
        suite: CipherSuite,
        bytes: &[u8],
    ) -> Result<SignaturePrivateKey, CryptoError>;

    /// `Signature.Sign(key, message)`: Ed25519/Ed448 as RFC 8032, ECDSA
    /// deterministic (RFC 6979) and DER-encoded.
    fn sign(
        &self,
        suite: CipherSuite,
        private_key: &SignaturePrivateKey,
        message: &[u8],
    ) -> Result<Vec<u8>, CryptoError>;

    /// `Signature.Verify(key, message, signature)`; `Ok(())` only for a
    /// valid signature.
    fn verify(
        &self,
        suite: CipherSuite,
        public_key: &SignaturePublicKey,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), CryptoError>;
}

/// One recipient of [`CryptoProvider::hpke_seal_many`]: its public key,
/// the plaintext sealed to it, and the ephemeral seed `ikm_e` of its seal
/// (fresh randomness of the KEM's `Nsk` bytes, one per recipient).
#[derive(Debug, Clone, Copy)]
pub struct HpkeRecipient<'a> {
    /// The recipient's public key `pk_r`.
    pub public_key: &'a HpkePublicKey,
    /// The plaintext sealed to it.
    pub plaintext: &'a [u8],
    /// The seed of the ephemeral key pair, `DeriveKeyPair(ikm_e)`.
    pub ikm_e: &'a [u8],
}

/// One signature of [`CryptoProvider::verify_many`].
#[derive(Debug, Clone, Copy)]
pub struct SignatureCheck<'a> {
    /// The signer's public key.
    pub public_key: &'a SignaturePublicKey,
    /// The signed message (for MLS, the encoded `SignContent`).
    pub message: &'a [u8],
    /// The signature.
    pub signature: &'a [u8],
}

/// The first check of a [`CryptoProvider::verify_many`] call that failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailedCheck {
    /// Its position among the checks.
    pub index: usize,
    /// The error its own verification gives.
    pub error: CryptoError,
}
