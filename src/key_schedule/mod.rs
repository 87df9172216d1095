//! The key schedule (RFC 9420 §8): group context, epoch secrets, transcript
//! hashes, pre-shared keys, exporters and epoch authenticators.

pub mod group_context;
pub use group_context::GroupContext;

/// Why the key schedule could not proceed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyScheduleError {
    /// More PSKs than the `uint16 count` of PSKLabel allows (RFC 9420 §8.4).
    #[error("{0} PSKs, more than 65535")]
    TooManyPsks(usize),
}
