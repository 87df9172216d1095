//! The signature schemes of the MLS cipher suites (RFC 9420 §5.1, §17.1),
//! with the key and signature encodings of TLS 1.3 (RFC 8446 §4.2.3):
//!
//! | scheme | private key | public key | signature |
//! |---|---|---|---|
//! | Ed25519 (RFC 8032 §5.1) | 32-byte seed | 32 bytes | 64 bytes |
//! | Ed448 (RFC 8032 §5.2) | 57-byte seed | 57 bytes | 114 bytes |
//! | ECDSA P-256 / SHA-256 | 32-byte scalar | 65-byte SEC1 point | DER |
//! | ECDSA P-384 / SHA-384 | 48-byte scalar | 97-byte SEC1 point | DER |
//! | ECDSA P-521 / SHA-512 | 66-byte scalar | 133-byte SEC1 point | DER |
//!
//! ECDSA scalars are big-endian; a P-521 scalar may come with 65 bytes (its
//! leading zero dropped) and is stored with 66. ECDSA public keys are
//! uncompressed points. ECDSA signing is deterministic (RFC 6979 §3.2).
//!
//! What verification accepts:
//! - Ed25519: RFC 8032 §5.1.7 with `s < L`, a canonical `R`, and the
//!   cofactorless equation `[s]B = R + [k]A` (which §5.1.7 allows), and
//!   the public key must not be of small order
//!   ([`CryptoError::InvalidPublicKey`]): with such a key anyone could
//!   forge, by trying a few messages. This rejects what ed25519-dalek's
//!   `verify_strict` rejects for every key that is not of small order,
//!   without its second point decompression (a fifth of the verify time):
//!   with `A` not of small order, a small-order `R` can satisfy the
//!   equation only if the signer knows the discrete log of `A`'s
//!   prime-order part, and then it is the signer's own signature.
//! - Ed448: RFC 8032 §5.2.7 with `s < L`.
//! - ECDSA: any `ECDSA-Sig-Value` in strict DER (RFC 8446 §4.2.3,
//!   X.690) with `1 <= r, s < n`, so both the low and the high form of `s`.
//!   Neither RFC 8446 nor RFC 9420 asks for low `s`, RFC 6979 signers
//!   (ours included) emit either form, and rejecting high `s` would reject
//!   valid signatures of other implementations. BER forms (long-form
//!   lengths where short ones fit, integers with superfluous leading zero
//!   bytes, negative integers) and trailing bytes are rejected.

use ed25519_dalek::hazmat::{ExpandedSecretKey, raw_sign};
use rand_core::CryptoRng;
use signature::{Signer, Verifier};
use zeroize::Zeroizing;

use super::kem::{nist_point, nist_public_key, nist_scalar};
use crate::crypto::{
    CryptoError, Secret, SignaturePrivateKey, SignaturePublicKey, SignatureScheme,
};

/// How many times key generation draws a candidate ECDSA scalar before it
/// gives up: a working RNG fails 256 times with probability below 2^-256.
const KEYGEN_ATTEMPTS: usize = 256;

/// A signature scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SignatureAlg {
    /// Ed25519 (0x0807).
    Ed25519,
    /// Ed448 (0x0808).
    Ed448,
    /// ECDSA with P-256 and SHA-256 (0x0403).
    EcdsaP256,
    /// ECDSA with P-384 and SHA-384 (0x0503).
    EcdsaP384,
    /// ECDSA with P-521 and SHA-512 (0x0603).
    EcdsaP521,
}

impl SignatureAlg {
    /// The scheme with TLS code point `scheme`, if supported.
    pub(super) const fn from_scheme(scheme: SignatureScheme) -> Option<Self> {
        match scheme {
            SignatureScheme::ED25519 => Some(Self::Ed25519),
            SignatureScheme::ED448 => Some(Self::Ed448),
            SignatureScheme::ECDSA_SECP256R1_SHA256 => Some(Self::EcdsaP256),
            SignatureScheme::ECDSA_SECP384R1_SHA384 => Some(Self::EcdsaP384),
            SignatureScheme::ECDSA_SECP521R1_SHA512 => Some(Self::EcdsaP521),
            _ => None,
        }
    }

    /// The length of a normalized private key.
    pub(super) const fn private_key_len(self) -> usize {
        match self {
            Self::Ed25519 | Self::EcdsaP256 => 32,
            Self::Ed448 => 57,
            Self::EcdsaP384 => 48,
            Self::EcdsaP521 => 66,
        }
    }

    /// The length of a public key.
    const fn public_key_len(self) -> usize {
        match self {
            Self::Ed25519 => 32,
            Self::Ed448 => 57,
            Self::EcdsaP256 => 65,
            Self::EcdsaP384 => 97,
            Self::EcdsaP521 => 133,
        }
    }

    /// Checks a private key and returns it normalized (P-521 scalars of 65
    /// bytes padded to 66).
    pub(super) fn import_private_key(
        self,
        bytes: &[u8],
    ) -> Result<SignaturePrivateKey, CryptoError> {
        let secret = match self {
            Self::Ed25519 => Secret::from_slice(ed25519_seed(bytes)?.as_slice()),
            Self::Ed448 => Secret::from_slice(ed448_seed(bytes)?.as_slice()),
            Self::EcdsaP256 => ecdsa_repr::<p256::NistP256>(bytes)?,
            Self::EcdsaP384 => ecdsa_repr::<p384::NistP384>(bytes)?,
            Self::EcdsaP521 => ecdsa_repr::<p521::NistP521>(bytes)?,
        };
        Ok(SignaturePrivateKey::from_secret(secret))
    }

    /// The public key of a private key.
    pub(super) fn public_key(
        self,
        sk: &SignaturePrivateKey,
    ) -> Result<SignaturePublicKey, CryptoError> {
        let pk = match self {
            Self::Ed25519 => ed25519_public(sk)?.to_vec(),
            Self::Ed448 => ed448_goldilocks::SigningKey::from(&*ed448_seed(sk.as_bytes())?)
                .verifying_key()
                .to_bytes()
                .to_vec(),
            Self::EcdsaP256 => nist_public_key(&*nist_scalar::<p256::NistP256>(sk.as_bytes())?),
            Self::EcdsaP384 => nist_public_key(&*nist_scalar::<p384::NistP384>(sk.as_bytes())?),
            Self::EcdsaP521 => nist_public_key(&*nist_scalar::<p521::NistP521>(sk.as_bytes())?),
        };
        Ok(SignaturePublicKey(pk))
    }

    /// A fresh key pair: a random seed for EdDSA (RFC 8032 §5.1.5,
    /// §5.2.5), a uniformly random scalar in `[1, n)` for ECDSA, drawn by
    /// rejection sampling.
    pub(super) fn generate(
        self,
        rng: &mut dyn CryptoRng,
    ) -> Result<(SignaturePrivateKey, SignaturePublicKey), CryptoError> {
        let mut seed = Zeroizing::new([0u8; 66]);
        let seed = seed
            .get_mut(..self.private_key_len())
            .ok_or(CryptoError::InvalidPrivateKey)?;
        // Only the leading bit of a P-521 scalar's first byte can be set.
        let mask = if self == Self::EcdsaP521 { 0x01 } else { 0xff };
        for _ in 0..KEYGEN_ATTEMPTS {
            rng.fill_bytes(seed);
            if let Some(first) = seed.first_mut() {
                *first &= mask;
            }
            match self.import_private_key(seed) {
                Ok(sk) => {
                    let pk = self.public_key(&sk)?;
                    return Ok((sk, pk));
                }
                Err(CryptoError::InvalidPrivateKey) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(CryptoError::DeriveKeyPairFailed)
    }

    /// `Signature.Sign(sk, message)`.
    pub(super) fn sign(
        self,
        sk: &SignaturePrivateKey,
        message: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        match self {
            Self::Ed25519 => {
                // RFC 8032 §5.1.6, as ed25519-dalek's `SigningKey::sign`
                // does it, with the public key kept with the private key
                // (derived from the same seed) instead of derived again.
                let public = ed25519_public(sk)?;
                let verifying = ed25519_dalek::VerifyingKey::from_bytes(&public)
                    .map_err(|_| CryptoError::InvalidPrivateKey)?;
                let expanded = ExpandedSecretKey::from(&*ed25519_seed(sk.as_bytes())?);
                Ok(raw_sign::<sha2::Sha512>(&expanded, message, &verifying)
                    .to_bytes()
                    .to_vec())
            }
            Self::Ed448 => {
                let key = ed448_goldilocks::SigningKey::from(&*ed448_seed(sk.as_bytes())?);
                Ok(key.sign_raw(message).to_bytes().to_vec())
            }
            Self::EcdsaP256 => ecdsa_p256::sign(sk.as_bytes(), message),
            Self::EcdsaP384 => ecdsa_p384::sign(sk.as_bytes(), message),
            Self::EcdsaP521 => ecdsa_p521::sign(sk.as_bytes(), message),
        }
    }

    /// `Signature.Verify(pk, message, signature)`: `Ok(())` only for a valid
    /// signature. A malformed public key is
    /// [`CryptoError::InvalidPublicKey`]; a malformed or wrong signature is
    /// [`CryptoError::InvalidSignature`].
    // RFC 9420 §5.1.1, R-5.1.1-01
    pub(super) fn verify(
        self,
        pk: &SignaturePublicKey,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), CryptoError> {
        let pk = pk.0.as_slice();
        if pk.len() != self.public_key_len() {
            return Err(CryptoError::InvalidPublicKey);
        }
        match self {
            Self::Ed25519 => {
                let pk = <[u8; 32]>::try_from(pk).map_err(|_| CryptoError::InvalidPublicKey)?;
                let key = ed25519_dalek::VerifyingKey::from_bytes(&pk)
                    .map_err(|_| CryptoError::InvalidPublicKey)?;
                if key.is_weak() {
                    return Err(CryptoError::InvalidPublicKey);
                }
                let sig =
                    <[u8; 64]>::try_from(signature).map_err(|_| CryptoError::InvalidSignature)?;
                key.verify(message, &ed25519_dalek::Signature::from_bytes(&sig))
                    .map_err(|_| CryptoError::InvalidSignature)
            }
            Self::Ed448 => {
                let pk = <[u8; 57]>::try_from(pk).map_err(|_| CryptoError::InvalidPublicKey)?;
                let key = ed448_goldilocks::VerifyingKey::from_bytes(&pk)
                    .map_err(|_| CryptoError::InvalidPublicKey)?;
                let sig = ed448_goldilocks::Signature::from_slice(signature)
                    .map_err(|_| CryptoError::InvalidSignature)?;
                key.verify_raw(&sig, message)
                    .map_err(|_| CryptoError::InvalidSignature)
            }
            Self::EcdsaP256 => ecdsa_p256::verify(pk, message, signature),
            Self::EcdsaP384 => ecdsa_p384::verify(pk, message, signature),
            Self::EcdsaP521 => ecdsa_p521::verify(pk, message, signature),
        }
    }
}

/// An Ed25519 seed: exactly 32 bytes (RFC 8032 §5.1.5).
/// The Ed25519 public key of `sk`'s seed (RFC 8032 §5.1.5): derived the
/// first time, then kept with the key.
fn ed25519_public(sk: &SignaturePrivateKey) -> Result<[u8; 32], CryptoError> {
    sk.ed25519_public(|seed| {
        Ok(ed25519_dalek::SigningKey::from_bytes(&*ed25519_seed(seed)?)
            .verifying_key()
            .to_bytes())
    })
}

fn ed25519_seed(bytes: &[u8]) -> Result<Zeroizing<[u8; 32]>, CryptoError> {
    <[u8; 32]>::try_from(bytes)
        .map(Zeroizing::new)
        .map_err(|_| CryptoError::InvalidPrivateKey)
}

/// An Ed448 seed: exactly 57 bytes (RFC 8032 §5.2.5).
fn ed448_seed(bytes: &[u8]) -> Result<Zeroizing<ed448_goldilocks::SecretKey>, CryptoError> {
    ed448_goldilocks::SecretKey::try_from(bytes)
        .map(Zeroizing::new)
        .map_err(|_| CryptoError::InvalidPrivateKey)
}

/// An ECDSA scalar in `[1, n)`, normalized to its full big-endian width.
fn ecdsa_repr<C: p256::elliptic_curve::CurveArithmetic>(
    bytes: &[u8],
) -> Result<Secret, CryptoError> {
    use p256::elliptic_curve::ff::PrimeField;
    let scalar = nist_scalar::<C>(bytes)?;
    Ok(Secret::from_slice(&Zeroizing::new(scalar.to_repr())))
}

/// ECDSA over one NIST curve with the hash RFC 8446 §4.2.3 pairs with it
/// (the curve crate's `DigestAlgorithm`).
macro_rules! ecdsa_scheme {
    ($module:ident, $curve:ident, $point_len:expr) => {
        mod $module {
            use super::*;
            use $curve::ecdsa::{Signature, SigningKey, VerifyingKey};

            /// Deterministic ECDSA (RFC 6979 §3.2), DER-encoded.
            pub(super) fn sign(sk: &[u8], message: &[u8]) -> Result<Vec<u8>, CryptoError> {
                let key = SigningKey::from(*nist_scalar(sk)?);
                let signature: Signature = key
                    .try_sign(message)
                    .map_err(|_| CryptoError::InvalidPrivateKey)?;
                Ok(signature.to_der().as_bytes().to_vec())
            }

            /// Verifies a DER-encoded signature against an uncompressed
            /// public key.
            pub(super) fn verify(
                pk: &[u8],
                message: &[u8],
                signature: &[u8],
            ) -> Result<(), CryptoError> {
                let key = VerifyingKey::from(nist_point(pk, $point_len)?);
                let signature =
                    Signature::from_der(signature).map_err(|_| CryptoError::InvalidSignature)?;
                key.verify(message, &signature)
                    .map_err(|_| CryptoError::InvalidSignature)
            }
        }
    };
}

ecdsa_scheme!(ecdsa_p256, p256, 65);
ecdsa_scheme!(ecdsa_p384, p384, 97);
ecdsa_scheme!(ecdsa_p521, p521, 133);
