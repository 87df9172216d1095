//! Message framing and protection (RFC 9420 §6): content, senders,
//! PublicMessage with signatures and membership tags, PrivateMessage with
//! content and sender-data encryption.

pub mod content;
pub mod private;
pub mod public;

pub use content::{
    AuthenticatedContent, ContentType, FramedContent, FramedContentAuthData, FramedContentBody,
    Sender, SenderType,
};
pub use private::{
    PrivateContentAad, PrivateMessage, PrivateMessageContent, SenderData, SenderDataAad,
};
pub use public::PublicMessage;

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
