//! Verifying many signatures at once (`CryptoProvider::verify_many`), as a
//! joiner does for every leaf of the tree (RFC 9420 §7.3, §12.4.3.1).
//!
//! Ed25519 signatures are checked in batches of [`BATCH`]: one
//! multiscalar multiplication (curve25519-dalek's)
//! `[-Σ z_i s_i]B + Σ [z_i]R_i + Σ [z_i k_i]A_i = 0`, cofactorless like
//! single verification, with `k_i = SHA-512(R_i || A_i || M_i)` and
//! 128-bit `z_i` derived from a SHA-512 hash of every `k_i` and `s_i` of
//! the batch (deterministic, as ed25519-dalek's `verify_batch` derives
//! them from a transcript: a forger would have to choose signatures
//! before knowing the `z_i` they determine). Each signature first gets
//! the checks single verification makes before its equation: the public
//! key has 32 bytes, decodes, and is not of small order; the signature
//! has 64 bytes; `R` is a canonical point encoding (single verification
//! compares `R` byte for byte with a computed point's encoding, so it
//! rejects the non-canonical ones, which `R`'s decoding in the batch
//! would accept) and decodes; `s < L`. A batch that fails is verified
//! again one signature at a time, which names the first failure and its
//! error exactly as single verification would.
//!
//! The work is in two steps so that two threads share it evenly: each
//! signature's terms (two point decodings and its hash, about 60 % of the
//! time) one signature at a time, then each batch's sum. With the
//! `parallel` feature both run on rayon's pool; results are combined in
//! order, so the outcome is the same.
//!
//! What a batch accepts: every set of signatures that single verification
//! accepts (each term is then zero). A set with a signature that single
//! verification rejects is rejected unless that signature's error term
//! `R + [k]A - [s]B` is a nonzero point of small order (2, 4 or 8) that
//! the `z_i` cancel. Only the holder of the signing key (or of a key with
//! a small-order component) can make such a signature: an honest signer's
//! signatures verify both ways, and nobody else can produce a signature
//! with any nonzero error term that cancels. Every signature in the tests
//! and vectors is accepted or rejected identically both ways
//! (`tests/batch_verify.rs`).
//!
//! Other schemes verify one signature at a time, on rayon's pool with
//! `parallel`.

use curve25519_dalek::constants::ED25519_BASEPOINT_POINT;
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{IsIdentity, VartimeMultiscalarMul};
use sha2::{Digest, Sha512};

use super::signature::SignatureAlg;
use crate::crypto::{CryptoError, FailedCheck, SignatureCheck};

/// Signatures per batch: large enough for the multiscalar multiplication
/// to amortize (ed25519-dalek switches to Pippenger's method above 190
/// points, and uses its widest window, 8 bits, from 800 points: a batch
/// of 1,024 signatures is 2,049 points, about 20 % fewer point additions
/// per signature than batches of 256), small enough to spread over
/// threads (10 batches for 10,000 leaves). Fixed, so a run with and
/// without `parallel` forms the same batches.
pub(super) const BATCH: usize = 1024;

/// `p = 2^255 - 19`, little-endian.
const P: [u8; 32] = {
    let mut p = [0xff; 32];
    p[0] = 0xed;
    p[31] = 0x7f;
    p
};

/// `p - 1`, the y coordinate of the point of order 2, little-endian.
const P_MINUS_ONE: [u8; 32] = {
    let mut p = P;
    p[0] = 0xec;
    p
};

/// `1`, the y coordinate of the identity, little-endian.
const ONE: [u8; 32] = {
    let mut one = [0; 32];
    one[0] = 1;
    one
};

impl SignatureAlg {
    /// See [`CryptoProvider::verify_many`](crate::crypto::CryptoProvider::verify_many).
    pub(super) fn verify_many(self, checks: &[SignatureCheck<'_>]) -> Result<(), FailedCheck> {
        if self != Self::Ed25519 {
            return self.verify_each(checks, 0);
        }
        let split = checks.len() >= crate::par::MIN_ITEMS;
        let terms = crate::par::map_if(split, checks, ed25519_terms);
        let chunks: Vec<&[Option<Terms>]> = terms.chunks(BATCH).collect();
        let passed = crate::par::map_if(chunks.len() > 1, &chunks, |chunk| batch_holds(chunk));
        for (k, ok) in passed.into_iter().enumerate() {
            if !ok {
                // A failed batch holds at least one signature that single
                // verification rejects (see the module documentation).
                let start = k.saturating_mul(BATCH);
                let chunk = checks
                    .get(start..)
                    .and_then(|rest| rest.get(..BATCH.min(rest.len())))
                    .unwrap_or_default();
                self.verify_each(chunk, start)?;
            }
        }
        Ok(())
    }

    /// Single verification of each check; the first failure, in order,
    /// with its index shifted by `offset`.
    fn verify_each(self, checks: &[SignatureCheck<'_>], offset: usize) -> Result<(), FailedCheck> {
        let verify = |c: &SignatureCheck<'_>| self.verify(c.public_key, c.message, c.signature);
        // In turn, verification stops at the first failure.
        #[cfg(feature = "parallel")]
        let results = crate::par::map(checks, verify);
        #[cfg(not(feature = "parallel"))]
        let results = checks.iter().map(verify);
        for (i, result) in results.into_iter().enumerate() {
            result.map_err(|error: CryptoError| FailedCheck {
                index: offset.saturating_add(i),
                error,
            })?;
        }
        Ok(())
    }
}

/// One Ed25519 signature's terms in the batch equation.
struct Terms {
    /// The public key `A`.
    a: EdwardsPoint,
    /// The signature's `R`.
    r: EdwardsPoint,
    /// The signature's `s`, below `L`.
    s: Scalar,
    /// `SHA-512(R || A || M)`, and as a scalar `k`.
    hram: [u8; 64],
    k: Scalar,
}

/// The terms of `check`, or `None` if it fails one of the checks single
/// verification makes before its equation (see the module documentation)
/// or its `R` does not decode.
fn ed25519_terms(check: &SignatureCheck<'_>) -> Option<Terms> {
    let pk = <[u8; 32]>::try_from(check.public_key.0.as_slice()).ok()?;
    let a = CompressedEdwardsY(pk).decompress()?;
    if a.is_small_order() {
        return None;
    }
    let (r_bytes, s_bytes) = <&[u8; 64]>::try_from(check.signature)
        .ok()?
        .split_first_chunk::<32>()?;
    let s_bytes = <[u8; 32]>::try_from(s_bytes).ok()?;
    if !canonical_point_encoding(r_bytes) {
        return None;
    }
    let r = CompressedEdwardsY(*r_bytes).decompress()?;
    let s = Option::from(Scalar::from_canonical_bytes(s_bytes))?;
    let hram: [u8; 64] = Sha512::new()
        .chain_update(r_bytes)
        .chain_update(pk)
        .chain_update(check.message)
        .finalize()
        .into();
    let k = Scalar::from_bytes_mod_order_wide(&hram);
    Some(Terms { a, r, s, hram, k })
}

/// Whether every signature of `chunk` has its terms and the batch
/// equation holds.
fn batch_holds(chunk: &[Option<Terms>]) -> bool {
    let Some(terms) = chunk
        .iter()
        .map(Option::as_ref)
        .collect::<Option<Vec<&Terms>>>()
    else {
        return false;
    };
    let z = coefficients(&terms);
    let b: Scalar = terms.iter().zip(&z).map(|(t, z)| z * t.s).sum();
    let scalars = core::iter::once(-b)
        .chain(z.iter().copied())
        .chain(terms.iter().zip(&z).map(|(t, z)| z * t.k));
    let points = core::iter::once(ED25519_BASEPOINT_POINT)
        .chain(terms.iter().map(|t| t.r))
        .chain(terms.iter().map(|t| t.a));
    EdwardsPoint::vartime_multiscalar_mul(scalars, points).is_identity()
}

/// The 128-bit `z_i` of a batch: from a seed hashing every signature's
/// `SHA-512(R || A || M)` and `s`, then four per SHA-512 of the seed and a
/// counter.
fn coefficients(terms: &[&Terms]) -> Vec<Scalar> {
    let mut seed = Sha512::new_with_prefix(b"rfc9420 Ed25519 batch verification");
    for t in terms {
        seed.update(t.hram);
        seed.update(t.s.as_bytes());
    }
    let seed = seed.finalize();
    let blocks = u64::try_from(terms.len().div_ceil(4)).unwrap_or(u64::MAX);
    let mut z: Vec<Scalar> = (0..blocks)
        .flat_map(|block| {
            let out = Sha512::new()
                .chain_update(seed)
                .chain_update(block.to_le_bytes())
                .finalize();
            let z: [u128; 4] = core::array::from_fn(|i| {
                let half = out.get(16 * i..16 * (i + 1)).unwrap_or_default();
                u128::from_le_bytes(half.try_into().unwrap_or_default())
            });
            z
        })
        .map(Scalar::from)
        .collect();
    z.truncate(terms.len());
    z
}

/// Whether `bytes` is the canonical encoding of an Edwards25519 point's
/// coordinates (RFC 8032 §5.1.2): `y < p`, and the sign bit of `x` clear
/// when `x = 0` (which holds exactly for `y = 1` and `y = p - 1`). Says
/// nothing about whether the point exists.
pub(super) fn canonical_point_encoding(bytes: &[u8; 32]) -> bool {
    let mut y = *bytes;
    let Some(top) = y.last_mut() else {
        return false;
    };
    let sign = *top >> 7;
    *top &= 0x7f;
    let below_p = y
        .iter()
        .rev()
        .zip(P.iter().rev())
        .find(|(a, b)| a != b)
        .is_some_and(|(a, b)| a < b);
    let x_is_zero = y == ONE || y == P_MINUS_ONE;
    below_p && !(x_is_zero && sign == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The encodings `canonical_point_encoding` refuses are exactly
    /// `y >= p` and `x = -0`.
    #[test]
    fn canonical_encodings() {
        let with_sign = |mut y: [u8; 32]| {
            y[31] |= 0x80;
            y
        };
        assert!(canonical_point_encoding(&ONE));
        assert!(!canonical_point_encoding(&with_sign(ONE)));
        assert!(canonical_point_encoding(&P_MINUS_ONE));
        assert!(!canonical_point_encoding(&with_sign(P_MINUS_ONE)));
        assert!(!canonical_point_encoding(&P));
        assert!(!canonical_point_encoding(&with_sign(P)));
        let mut above = P;
        for k in 1..19u8 {
            above[0] = 0xed + k;
            assert!(!canonical_point_encoding(&above), "p + {k}");
        }
        let mut two = [0u8; 32];
        two[0] = 2;
        assert!(canonical_point_encoding(&two));
        assert!(canonical_point_encoding(&with_sign(two)));
        // Every compressed point is canonical.
        let base = curve25519_dalek_compress_of_basepoint_multiples();
        assert!(base.iter().all(canonical_point_encoding));
    }

    /// The encodings of `[k]B` for a few `k`, from public keys.
    fn curve25519_dalek_compress_of_basepoint_multiples() -> Vec<[u8; 32]> {
        (1..=16u8)
            .map(|k| {
                ed25519_dalek::SigningKey::from_bytes(&[k; 32])
                    .verifying_key()
                    .to_bytes()
            })
            .collect()
    }
}
