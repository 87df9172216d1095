//! Transcript hashes (RFC 9420 §8.2) and confirmation tags (§6.1).
//!
//! ```text
//! struct {
//!     WireFormat wire_format;
//!     FramedContent content; /* with content_type == commit */
//!     opaque signature<V>;
//! } ConfirmedTranscriptHashInput;
//!
//! struct {
//!     MAC confirmation_tag;
//! } InterimTranscriptHashInput;
//!
//! confirmed_transcript_hash_[0] = ""; /* zero-length octet string */
//! interim_transcript_hash_[0] = ""; /* zero-length octet string */
//!
//! confirmed_transcript_hash_[epoch] =
//!     Hash(interim_transcript_hash_[epoch - 1] ||
//!         ConfirmedTranscriptHashInput_[epoch]);
//!
//! interim_transcript_hash_[epoch] =
//!     Hash(confirmed_transcript_hash_[epoch] ||
//!         InterimTranscriptHashInput_[epoch]);
//! ```

use subtle::ConstantTimeEq;

use super::KeyScheduleError;
use crate::codec::encode_opaque;
use crate::crypto::{Secret, SuiteCrypto};
use crate::error::Error;

/// `Hash(interim_transcript_hash_before || ConfirmedTranscriptHashInput)`
/// (RFC 9420 §8.2): the confirmed transcript hash of the epoch a commit
/// starts.
///
/// `input` is the encoded `ConfirmedTranscriptHashInput`, which the framing
/// layer builds from the commit (`framing::ConfirmedTranscriptHashInput`).
// RFC 9420 §8.2, R-8.2-01
pub fn confirmed_transcript_hash(
    suite: &SuiteCrypto<'_>,
    interim_transcript_hash_before: &[u8],
    input: &[u8],
) -> Result<Vec<u8>, Error> {
    let mut data = Vec::with_capacity(interim_transcript_hash_before.len() + input.len());
    data.extend_from_slice(interim_transcript_hash_before);
    data.extend_from_slice(input);
    Ok(suite.hash(&data)?)
}

/// Both transcript hashes of an epoch (RFC 9420 §8.2).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TranscriptHashes {
    /// `confirmed_transcript_hash_[epoch]`: goes into the GroupContext.
    pub confirmed: Vec<u8>,
    /// `interim_transcript_hash_[epoch]`: the input of the next commit's
    /// confirmed transcript hash.
    pub interim: Vec<u8>,
}

impl TranscriptHashes {
    /// The transcript hashes from a confirmed transcript hash and the
    /// confirmation tag that goes with it: for a new member, those of the
    /// GroupInfo (RFC 9420 §12.4.3.1); for a new group's creator, the empty
    /// hash and the tag computed over it (§11).
    pub fn new(
        suite: &SuiteCrypto<'_>,
        confirmed_transcript_hash: &[u8],
        confirmation_tag: &[u8],
    ) -> Result<Self, Error> {
        Ok(Self {
            confirmed: confirmed_transcript_hash.to_vec(),
            interim: interim_transcript_hash(suite, confirmed_transcript_hash, confirmation_tag)?,
        })
    }

    /// The transcript hashes after a commit (RFC 9420 §8.2), from the
    /// interim transcript hash of the epoch it was sent in, its encoded
    /// `ConfirmedTranscriptHashInput` and its confirmation tag. The tag
    /// itself is checked with [`verify_confirmation_tag`] against the new
    /// epoch's confirmation key and [`TranscriptHashes::confirmed`].
    pub fn after_commit(
        suite: &SuiteCrypto<'_>,
        interim_transcript_hash_before: &[u8],
        input: &[u8],
        confirmation_tag: &[u8],
    ) -> Result<Self, Error> {
        let confirmed = confirmed_transcript_hash(suite, interim_transcript_hash_before, input)?;
        let interim = interim_transcript_hash(suite, &confirmed, confirmation_tag)?;
        Ok(Self { confirmed, interim })
    }
}

/// `Hash(confirmed_transcript_hash || InterimTranscriptHashInput)`
/// (RFC 9420 §8.2), where `InterimTranscriptHashInput` is the confirmation
/// tag as `opaque MAC<V>`.
///
/// A new group's creator computes the first interim transcript hash with
/// an empty `confirmed_transcript_hash` (RFC 9420 §11); a new member with
/// the confirmation tag of the GroupInfo (§12.4.3.1).
// RFC 9420 §8.2, R-8.2-01
pub fn interim_transcript_hash(
    suite: &SuiteCrypto<'_>,
    confirmed_transcript_hash: &[u8],
    confirmation_tag: &[u8],
) -> Result<Vec<u8>, Error> {
    let mut input = Vec::with_capacity(
        confirmed_transcript_hash
            .len()
            .saturating_add(confirmation_tag.len())
            .saturating_add(4),
    );
    input.extend_from_slice(confirmed_transcript_hash);
    encode_opaque(confirmation_tag, &mut input)?;
    Ok(suite.hash(&input)?)
}

/// `confirmation_tag = MAC(confirmation_key,
/// GroupContext.confirmed_transcript_hash)` (RFC 9420 §6.1).
pub fn confirmation_tag(
    suite: &SuiteCrypto<'_>,
    confirmation_key: &Secret,
    confirmed_transcript_hash: &[u8],
) -> Result<Vec<u8>, Error> {
    Ok(suite.mac(confirmation_key.as_bytes(), confirmed_transcript_hash)?)
}

/// Checks `tag` against [`confirmation_tag`] in constant time; fails with
/// [`KeyScheduleError::ConfirmationTagMismatch`] (RFC 9420 §6.1, §12.4.2).
pub fn verify_confirmation_tag(
    suite: &SuiteCrypto<'_>,
    confirmation_key: &Secret,
    confirmed_transcript_hash: &[u8],
    tag: &[u8],
) -> Result<(), Error> {
    let expected = confirmation_tag(suite, confirmation_key, confirmed_transcript_hash)?;
    if bool::from(expected.as_slice().ct_eq(tag)) {
        Ok(())
    } else {
        Err(KeyScheduleError::ConfirmationTagMismatch.into())
    }
}
