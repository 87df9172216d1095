//! Message framing and protection (RFC 9420 §6): content, senders,
//! PublicMessage with signatures and membership tags, PrivateMessage with
//! content and sender-data encryption.

/// Why a message could not be protected or unprotected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FramingError {
    /// A PublicMessage's membership tag does not match (RFC 9420 §6.2).
    #[error("membership tag mismatch")]
    MembershipTagMismatch,
    /// The signature over the FramedContentTBS does not verify
    /// (RFC 9420 §6.1).
    #[error("content signature invalid")]
    InvalidSignature,
}
