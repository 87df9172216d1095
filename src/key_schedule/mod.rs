//! The key schedule (RFC 9420 §8): epoch secrets (§8), transcript hashes
//! (§8.2), pre-shared keys (§8.4), exporters (§8.5), resumption PSKs
//! (§8.6) and epoch authenticators (§8.7), with the sender data key and
//! nonce derivation of §6.3.2 and the Welcome key and nonce of §12.4.3.1.
//!
//! Every function takes the group's cipher suite as a [`SuiteCrypto`] and
//! returns secrets as [`Secret`]s. The GroupContext enters as its
//! serialized form (RFC 9420 §8.1), which is what every derivation uses.
//!
//! [`SuiteCrypto`]: crate::crypto::SuiteCrypto
//! [`Secret`]: crate::crypto::Secret

mod epoch;
mod exporter;
mod psk;
mod sender_data;
mod transcript;

pub use epoch::{EpochKeys, EpochSecrets, JoinerSecret, WelcomeSecret};
pub use exporter::export;
pub use psk::{psk_secret, zero_psk_secret};
pub use sender_data::sender_data_key_nonce;
pub use transcript::{
    TranscriptHashes, confirmation_tag, confirmed_transcript_hash, interim_transcript_hash,
    verify_confirmation_tag,
};

pub use crate::messages::GroupContext;

/// A key schedule secret a caller or peer provides, named by
/// [`KeyScheduleError::InvalidSecretLength`] (RFC 9420 §8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SecretKind {
    /// `joiner_secret`, from a Welcome.
    JoinerSecret,
    /// `psk_secret`.
    PskSecret,
    /// `epoch_secret`.
    EpochSecret,
}

/// Why the key schedule could not proceed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyScheduleError {
    /// More PSKs than the `uint16 count` of PSKLabel allows (RFC 9420 §8.4).
    #[error("{0} PSKs, more than 65535")]
    TooManyPsks(usize),
    /// An exporter was asked for more bytes than the `uint16 length` of
    /// KDFLabel can express (RFC 9420 §8, §8.5).
    #[error("exporter length {0} exceeds 65535")]
    ExportTooLong(usize),
    /// A confirmation tag does not match the one computed from the
    /// confirmation key and the confirmed transcript hash (RFC 9420 §6.1,
    /// §8.2).
    #[error("confirmation tag mismatch")]
    ConfirmationTagMismatch,
    /// A key schedule secret given by the caller or a peer does not have
    /// the suite's `KDF.Nh` length (RFC 9420 §8).
    #[error("{what:?} has {got} bytes, expected {expected}")]
    InvalidSecretLength {
        /// Which secret.
        what: SecretKind,
        /// `KDF.Nh`.
        expected: usize,
        /// The length given.
        got: usize,
    },
}

#[cfg(test)]
mod tests;
