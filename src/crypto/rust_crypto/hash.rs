//! SHA-2, HMAC and HKDF: the hash, MAC and KDF of every MLS cipher suite
//! (RFC 9420 §5.1) and the KDFs of HPKE (RFC 9180 §7.2, RFC 5869).
//!
//! [`Hash`] names one of SHA-256, SHA-384 and SHA-512. [`Prk`] is a keyed
//! HKDF-Expand state: built once from a pseudorandom key, it can expand
//! several outputs without keying HMAC again (the HPKE key schedule expands
//! `key` and `base_nonce` from the same `secret`).
//!
//! Inputs made of several parts (HPKE's labeled inputs, RFC 9180 §4) are
//! fed to HMAC part by part, never concatenated into a new buffer.

use hkdf::Hkdf;
use hmac::{EagerHash, Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256, Sha384, Sha512};
use zeroize::{Zeroize, Zeroizing};

use crate::crypto::{CryptoError, KdfId, LengthOf, Secret};

/// The largest hash output of the three, `Nh` of SHA-512.
pub(super) const MAX_HASH_LEN: usize = 64;

/// A SHA-2 hash function, with HMAC and HKDF over it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Hash {
    /// SHA-256 (HKDF-SHA256, KDF id 0x0001).
    Sha256,
    /// SHA-384 (HKDF-SHA384, KDF id 0x0002).
    Sha384,
    /// SHA-512 (HKDF-SHA512, KDF id 0x0003).
    Sha512,
}

impl Hash {
    /// The hash of an HPKE KDF (RFC 9180 §7.2), if it is one of the three.
    pub(super) const fn from_kdf(id: KdfId) -> Option<Self> {
        match id {
            KdfId::HKDF_SHA256 => Some(Self::Sha256),
            KdfId::HKDF_SHA384 => Some(Self::Sha384),
            KdfId::HKDF_SHA512 => Some(Self::Sha512),
            _ => None,
        }
    }

    /// `Nh`: the output length in bytes.
    pub(super) const fn len(self) -> usize {
        match self {
            Self::Sha256 => 32,
            Self::Sha384 => 48,
            Self::Sha512 => 64,
        }
    }

    /// `Hash(data)`.
    pub(super) fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            Self::Sha256 => Sha256::digest(data).to_vec(),
            Self::Sha384 => Sha384::digest(data).to_vec(),
            Self::Sha512 => Sha512::digest(data).to_vec(),
        }
    }

    /// `Hash(data)` written to `out`, which must be `Nh` bytes long.
    pub(super) fn digest_to(self, data: &[u8], out: &mut [u8]) -> Result<(), CryptoError> {
        if out.len() != self.len() {
            return Err(CryptoError::InvalidLength {
                what: LengthOf::HashOutput,
                expected: self.len(),
                got: out.len(),
            });
        }
        match self {
            Self::Sha256 => out.copy_from_slice(&Sha256::digest(data)),
            Self::Sha384 => out.copy_from_slice(&Sha384::digest(data)),
            Self::Sha512 => out.copy_from_slice(&Sha512::digest(data)),
        }
        Ok(())
    }

    /// `MAC(key, data)`: HMAC (RFC 2104) with this hash. Any key length is
    /// allowed.
    pub(super) fn mac(self, key: &[u8], data: &[u8]) -> Result<Vec<u8>, CryptoError> {
        fn run<H: EagerHash>(key: &[u8], data: &[u8]) -> Result<Vec<u8>, CryptoError> {
            let mut mac = hmac_with_key::<H>(key)?;
            mac.update(data);
            Ok(mac.finalize().into_bytes().to_vec())
        }
        match self {
            Self::Sha256 => run::<Sha256>(key, data),
            Self::Sha384 => run::<Sha384>(key, data),
            Self::Sha512 => run::<Sha512>(key, data),
        }
    }

    /// `HKDF-Extract(salt, ikm)` (RFC 5869 §2.2) into `out`, which must
    /// have `Nh` bytes, with `ikm` the concatenation of `ikm_parts`. An empty
    /// salt is the same HMAC key as `Nh` zero bytes, as §2.2 asks.
    pub(super) fn extract_into(
        self,
        salt: &[u8],
        ikm_parts: &[&[u8]],
        out: &mut [u8],
    ) -> Result<(), CryptoError> {
        fn run<H: EagerHash>(
            salt: &[u8],
            ikm_parts: &[&[u8]],
            out: &mut [u8],
        ) -> Result<(), CryptoError> {
            let mut mac = hmac_with_key::<H>(salt)?;
            for part in ikm_parts {
                mac.update(part);
            }
            let mut prk = mac.finalize().into_bytes();
            // Both have `Nh` bytes: the caller checked `out`.
            for (o, p) in out.iter_mut().zip(prk.iter()) {
                *o = *p;
            }
            prk.as_mut_slice().zeroize();
            Ok(())
        }
        if out.len() != self.len() {
            return Err(CryptoError::InvalidLength {
                what: crate::crypto::LengthOf::HkdfExtractOutput,
                expected: self.len(),
                got: out.len(),
            });
        }
        match self {
            Self::Sha256 => run::<Sha256>(salt, ikm_parts, out),
            Self::Sha384 => run::<Sha384>(salt, ikm_parts, out),
            Self::Sha512 => run::<Sha512>(salt, ikm_parts, out),
        }
    }

    /// `HKDF-Extract(salt, ikm)` (RFC 5869 §2.2) as a secret of `Nh` bytes.
    pub(super) fn extract(self, salt: &[u8], ikm: &[u8]) -> Result<Secret, CryptoError> {
        let mut prk = Secret::zero(self.len());
        self.extract_into(salt, &[ikm], prk.as_mut_bytes())?;
        Ok(prk)
    }

    /// `HKDF-Extract(salt, ikm)` with `ikm` given in parts, returned keyed
    /// for HKDF-Expand.
    pub(super) fn extract_prk(self, salt: &[u8], ikm_parts: &[&[u8]]) -> Result<Prk, CryptoError> {
        let mut prk = Zeroizing::new([0u8; MAX_HASH_LEN]);
        let prk = prk.get_mut(..self.len()).ok_or(CryptoError::Encoding)?;
        self.extract_into(salt, ikm_parts, prk)?;
        self.prk(prk)
    }

    /// Keys HKDF-Expand with `prk`, which must have at least `Nh` bytes
    /// (RFC 5869 §2.3).
    pub(super) fn prk(self, prk: &[u8]) -> Result<Prk, CryptoError> {
        let short = |_| CryptoError::InvalidLength {
            what: crate::crypto::LengthOf::Prk,
            expected: self.len(),
            got: prk.len(),
        };
        Ok(match self {
            Self::Sha256 => Prk::Sha256(Hkdf::from_prk(prk).map_err(short)?),
            Self::Sha384 => Prk::Sha384(Hkdf::from_prk(prk).map_err(short)?),
            Self::Sha512 => Prk::Sha512(Hkdf::from_prk(prk).map_err(short)?),
        })
    }

    /// `HKDF-Expand(prk, info, len)` (RFC 5869 §2.3) as a new secret.
    pub(super) fn expand(self, prk: &[u8], info: &[u8], len: usize) -> Result<Secret, CryptoError> {
        self.prk(prk)?.expand_secret(&[info], len)
    }
}

/// HKDF-Expand keyed with one pseudorandom key (RFC 5869 §2.3).
///
/// The HMAC state it holds is derived from the key; it is wiped on drop.
#[derive(Clone)]
pub(super) enum Prk {
    /// Over SHA-256.
    Sha256(Hkdf<Sha256>),
    /// Over SHA-384.
    Sha384(Hkdf<Sha384>),
    /// Over SHA-512.
    Sha512(Hkdf<Sha512>),
}

impl core::fmt::Debug for Prk {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Prk(..)")
    }
}

impl Prk {
    /// Fills `out` with `HKDF-Expand(prk, info, out.len())`, `info` being
    /// the concatenation of `info_parts`. At most `255 * Nh` bytes.
    pub(super) fn expand_into(
        &self,
        info_parts: &[&[u8]],
        out: &mut [u8],
    ) -> Result<(), CryptoError> {
        let len = out.len();
        match self {
            Self::Sha256(h) => h.expand_multi_info(info_parts, out),
            Self::Sha384(h) => h.expand_multi_info(info_parts, out),
            Self::Sha512(h) => h.expand_multi_info(info_parts, out),
        }
        .map_err(|_| CryptoError::KdfOutputTooLong(len))
    }

    /// `HKDF-Expand(prk, info, len)` as a new secret.
    pub(super) fn expand_secret(
        &self,
        info_parts: &[&[u8]],
        len: usize,
    ) -> Result<Secret, CryptoError> {
        let limit = match self {
            Self::Sha256(_) => 255 * 32,
            Self::Sha384(_) => 255 * 48,
            Self::Sha512(_) => 255 * 64,
        };
        // Checked before allocating, so a huge `len` costs nothing.
        if len > limit {
            return Err(CryptoError::KdfOutputTooLong(len));
        }
        let mut okm = Secret::new(vec![0u8; len]);
        self.expand_into(info_parts, okm.as_mut_bytes())?;
        Ok(okm)
    }
}

/// HMAC keyed with `key`. HMAC takes keys of any length (RFC 2104 §2), so
/// the error is unreachable; it is mapped rather than unwrapped.
fn hmac_with_key<H: EagerHash>(key: &[u8]) -> Result<Hmac<H>, CryptoError> {
    <Hmac<H> as KeyInit>::new_from_slice(key).map_err(|_| CryptoError::InvalidLength {
        what: crate::crypto::LengthOf::HmacKey,
        expected: key.len(),
        got: key.len(),
    })
}
