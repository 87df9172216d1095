//! Verifying many signatures at once (`CryptoProvider::verify_many`), as a
//! joiner does for every leaf of the tree (RFC 9420 §7.3, §12.4.3.1).
//!
//! Ed25519 signatures are checked in batches of [`BATCH`] with
//! ed25519-dalek's `verify_batch`: one multiscalar multiplication
//! `[-Σ z_i s_i]B + Σ [z_i]R_i + Σ [z_i k_i]A_i = 0` with 128-bit `z_i`
//! drawn from a transcript of all inputs. Before a batch, each signature
//! gets the checks single verification makes before its equation: the
//! public key has 32 bytes, decodes, and is not of small order; the
//! signature has 64 bytes; `R` is a canonical point encoding (single
//! verification compares `R` byte for byte with a computed point's
//! encoding, so it rejects the non-canonical ones, which `R`'s decoding
//! in the batch would accept); `s < L` (checked by the batch's decoding).
//! A batch that fails is verified again one signature at a time, which
//! names the first failure and its error exactly as single verification
//! would.
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
//! (`tests/batch.rs`).
//!
//! Other schemes verify one signature at a time. With the `parallel`
//! feature, batches and single verifications run on rayon's pool; results
//! are combined in order, so the outcome is the same.

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
        let chunks: Vec<&[SignatureCheck<'_>]> = checks.chunks(BATCH).collect();
        #[cfg(feature = "parallel")]
        let passed: Vec<bool> = {
            use rayon::prelude::*;
            chunks.par_iter().map(|c| ed25519_batch(c)).collect()
        };
        #[cfg(not(feature = "parallel"))]
        let passed: Vec<bool> = chunks.iter().map(|c| ed25519_batch(c)).collect();
        for (k, (chunk, ok)) in chunks.iter().zip(passed).enumerate() {
            if !ok {
                // A failed batch holds at least one signature that single
                // verification rejects (see the module documentation).
                self.verify_each(chunk, k.saturating_mul(BATCH))?;
            }
        }
        Ok(())
    }

    /// Single verification of each check; the first failure, in order,
    /// with its index shifted by `offset`.
    fn verify_each(self, checks: &[SignatureCheck<'_>], offset: usize) -> Result<(), FailedCheck> {
        let verify = |c: &SignatureCheck<'_>| self.verify(c.public_key, c.message, c.signature);
        #[cfg(feature = "parallel")]
        let results: Vec<Result<(), CryptoError>> = {
            use rayon::prelude::*;
            checks.par_iter().map(verify).collect()
        };
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

/// Whether every Ed25519 signature of `chunk` passes the pre-checks of
/// single verification and the batch equation.
fn ed25519_batch(chunk: &[SignatureCheck<'_>]) -> bool {
    let mut keys = Vec::with_capacity(chunk.len());
    let mut signatures = Vec::with_capacity(chunk.len());
    let mut messages = Vec::with_capacity(chunk.len());
    for c in chunk {
        let Ok(pk) = <[u8; 32]>::try_from(c.public_key.0.as_slice()) else {
            return false;
        };
        let Ok(key) = ed25519_dalek::VerifyingKey::from_bytes(&pk) else {
            return false;
        };
        if key.is_weak() {
            return false;
        }
        let Ok(sig) = <[u8; 64]>::try_from(c.signature) else {
            return false;
        };
        if !sig
            .first_chunk::<32>()
            .is_some_and(canonical_point_encoding)
        {
            return false;
        }
        keys.push(key);
        signatures.push(ed25519_dalek::Signature::from_bytes(&sig));
        messages.push(c.message);
    }
    ed25519_dalek::verify_batch(&messages, &signatures, &keys).is_ok()
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
