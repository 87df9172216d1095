//! The crate's one public error type.
//!
//! Every fallible operation returns [`Error`]. Each variant wraps the error
//! enum of the module that detected the problem; those enums carry the facts
//! (indices, lengths, epochs) rather than strings.

use crate::codec::{DecodeError, EncodeError};
use crate::crypto::CryptoError;
use crate::framing::FramingError;
use crate::group::{
    CommitError, KeyPackageError, MessageError, ProposalError, ResumptionError, StateError,
    WelcomeError,
};
use crate::key_schedule::KeyScheduleError;
use crate::secret_tree::SecretTreeError;
use crate::tree::TreeError;

/// Every error this crate returns.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Input bytes are not a valid encoding of the expected structure
    /// (RFC 9420 §2.1).
    #[error("malformed input: {0}")]
    Decode(#[from] DecodeError),
    /// A value could not be encoded (a vector longer than the encoding allows).
    #[error("cannot encode: {0}")]
    Encode(#[from] EncodeError),
    /// A cryptographic operation failed or its inputs were unusable (RFC 9420 §5).
    #[error("crypto: {0}")]
    Crypto(#[from] CryptoError),
    /// A key schedule input was unusable (RFC 9420 §8).
    #[error("key schedule: {0}")]
    KeySchedule(#[from] KeyScheduleError),
    /// The secret tree could not produce the requested key (RFC 9420 §9).
    #[error("secret tree: {0}")]
    SecretTree(#[from] SecretTreeError),
    /// A message failed protection or unprotection (RFC 9420 §6).
    #[error("message framing: {0}")]
    Framing(#[from] FramingError),
    /// A ratchet tree, leaf node or UpdatePath was rejected (RFC 9420 §7,
    /// §12.4.3.1).
    #[error("ratchet tree: {0}")]
    Tree(#[from] TreeError),
    /// A KeyPackage could not be generated or was rejected (RFC 9420 §10,
    /// §10.1).
    #[error("key package: {0}")]
    KeyPackage(#[from] KeyPackageError),
    /// A Welcome could not be used to join (RFC 9420 §12.4.3.1).
    #[error("welcome: {0}")]
    Welcome(#[from] WelcomeError),
    /// A received message cannot be taken by the group, whatever its
    /// content (RFC 9420 §6, §12.4.2).
    #[error("message: {0}")]
    Message(#[from] MessageError),
    /// A proposal or a commit's proposal list broke a rule (RFC 9420
    /// §12.1, §12.2, §13).
    #[error("proposal: {0}")]
    Proposal(#[from] ProposalError),
    /// A commit broke a rule of RFC 9420 §12.4, or cannot be followed.
    #[error("commit: {0}")]
    Commit(#[from] CommitError),
    /// The group's state does not allow the operation, or saved state
    /// could not be restored.
    #[error("state: {0}")]
    State(#[from] StateError),
    /// A ReInit's successor or a branch subgroup does not match the group
    /// it comes from (RFC 9420 §11.2, §11.3, §12.4.3.1).
    #[error("resumption: {0}")]
    Resumption(#[from] ResumptionError),
    /// An internal invariant did not hold. This is a bug in the crate, never
    /// the caller's fault; it is returned instead of panicking.
    #[error("internal error: {0}")]
    Internal(&'static str),
}

/// Shorthand for results carrying [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;
