//! The PSK secret (RFC 9420 §8.4).
//!
//! ```text
//! struct {
//!     PreSharedKeyID id;
//!     uint16 index;
//!     uint16 count;
//! } PSKLabel;
//!
//! psk_extracted_[i] = KDF.Extract(0, psk_[i])
//! psk_input_[i] = ExpandWithLabel(psk_extracted_[i], "derived psk",
//!                   PSKLabel, KDF.Nh)
//!
//! psk_secret_[0] = 0
//! psk_secret_[i] = KDF.Extract(psk_input_[i-1], psk_secret_[i-1])
//! psk_secret     = psk_secret_[n]
//! ```

use super::KeyScheduleError;
use crate::codec::Encode;
use crate::crypto::{Secret, SuiteCrypto};
use crate::error::Error;
use crate::messages::PreSharedKeyId;

/// The `psk_secret` when no PSK is injected: `KDF.Nh` zero bytes
/// (RFC 9420 §8.4).
pub fn zero_psk_secret(suite: &SuiteCrypto<'_>) -> Secret {
    Secret::zero(suite.hash_len())
}

/// The `psk_secret` of a list of PSKs, each given as its PreSharedKeyID
/// and its secret value (for a resumption PSK, the `resumption_psk` of the
/// epoch it names), in the order of the Commit's PreSharedKey proposals or
/// of `GroupSecrets.psks` (RFC 9420 §8.4). With no PSKs it is
/// [`zero_psk_secret`].
///
/// Fails with [`KeyScheduleError::TooManyPsks`] for more than 65535 PSKs,
/// before any derivation.
// RFC 9420 §8.4, R-8.4-03
pub fn psk_secret<'a, I>(suite: &SuiteCrypto<'_>, psks: I) -> Result<Secret, Error>
where
    I: IntoIterator<Item = (&'a PreSharedKeyId, &'a Secret)>,
{
    let mut psks = psks.into_iter();
    let mut encoded: Vec<(Vec<u8>, &Secret)> = Vec::new();
    while let Some((id, psk)) = psks.next() {
        if encoded.len() >= usize::from(u16::MAX) {
            let total = encoded.len().saturating_add(1).saturating_add(psks.count());
            return Err(KeyScheduleError::TooManyPsks(total).into());
        }
        encoded.push((id.to_bytes()?, psk));
    }
    let refs: Vec<(&[u8], &Secret)> = encoded
        .iter()
        .map(|(id, psk)| (id.as_slice(), *psk))
        .collect();
    psk_secret_from_encoded(suite, &refs)
}

/// [`psk_secret`] with each PreSharedKeyID given in its encoded form.
pub(crate) fn psk_secret_from_encoded(
    suite: &SuiteCrypto<'_>,
    psks: &[(&[u8], &Secret)],
) -> Result<Secret, Error> {
    let count = u16::try_from(psks.len()).map_err(|_| KeyScheduleError::TooManyPsks(psks.len()))?;
    let nh = suite.hash_len_u16()?;
    let zero = zero_psk_secret(suite);
    let mut psk_secret = zero_psk_secret(suite);
    let mut label = Vec::new();
    for (index, (id, psk)) in (0..count).zip(psks) {
        let extracted = suite.extract(zero.as_bytes(), psk.as_bytes())?;
        label.clear();
        label.extend_from_slice(id);
        label.extend_from_slice(&index.to_be_bytes());
        label.extend_from_slice(&count.to_be_bytes());
        let input = suite.expand_with_label(extracted.as_bytes(), "derived psk", &label, nh)?;
        // KDF.Extract(salt = psk_input_[i-1], ikm = psk_secret_[i-1]), as
        // the pseudocode and the official vectors have it; the figure of
        // §8.4 draws the chain the other way round.
        psk_secret = suite.extract(input.as_bytes(), psk_secret.as_bytes())?;
    }
    Ok(psk_secret)
}
