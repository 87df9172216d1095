//! Message framing and protection (RFC 9420 §6).
//!
//! - [`content`]: FramedContent, senders and AuthenticatedContent (§6).
//! - [`auth`]: signing and verifying content (§6.1), and which senders may
//!   send what (§6, §6.1, §12.1.8): [`AuthenticatedContent::sign`],
//!   [`UnverifiedContent`], [`VerifiedContent`].
//! - [`public`]: PublicMessage and its membership tag (§6.2).
//! - [`private`]: PrivateMessage and content encryption with padding
//!   (§6.3, §6.3.1).
//! - [`sender_data`]: SenderData and its encryption (§6.3.2).
//!
//! # Sending
//!
//! ```text
//! FramedContent --AuthenticatedContent::sign--> AuthenticatedContent
//!     --PublicMessage::protect_member / protect_non_member--> PublicMessage
//!     --PrivateMessage::protect--> PrivateMessage
//! ```
//!
//! # Receiving
//!
//! Nothing here yields content whose signature has not been checked:
//!
//! ```text
//! PublicMessage  --unprotect--> UnverifiedContent --verify--> VerifiedContent
//! PrivateMessage --decrypt----> DecryptedMessage  --verify--> VerifiedContent
//!                                                            + StagedKey
//! ```
//!
//! Decrypting a PrivateMessage reads the secret tree without changing it;
//! the key it used comes back as a [`StagedKey`] that the caller merges
//! into the tree once it accepts the message (RFC 9420 §9.2). A message
//! that fails any check therefore leaves the secret tree as it was.
//!
//! [`StagedKey`]: crate::secret_tree::StagedKey

pub mod auth;
pub mod content;
pub mod mls_message;
pub mod private;
pub mod public;
pub mod sender_data;

pub use auth::{UnverifiedContent, VerifiedContent};
pub use content::{
    AuthenticatedContent, ConfirmedTranscriptHashInput, ContentType, FramedContent,
    FramedContentAuthData, FramedContentBody, Sender, SenderType,
};
pub use mls_message::{MessageHeader, MlsMessage, MlsMessageBody};
pub use private::{
    DecryptedMessage, Padding, PrivateContentAad, PrivateMessage, PrivateMessageContent,
};
pub use public::PublicMessage;
pub use sender_data::{SenderData, SenderDataAad};

use crate::messages::{ProposalType, WireFormat};
use crate::tree::LeafIndex;

/// Why a message could not be protected or unprotected (RFC 9420 §6).
///
/// Failures of the secret tree (a used or too distant generation, §9.2)
/// are [`SecretTreeError`](crate::secret_tree::SecretTreeError)s and
/// malformed plaintexts (non-zero padding, §6.3.1) are
/// [`DecodeError`](crate::codec::DecodeError)s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FramingError {
    /// A transcript hash was asked for content that is not a commit
    /// (RFC 9420 §8.2).
    #[error("transcript hash input is {content_type:?}, not a commit")]
    NotACommit {
        /// The content type found.
        content_type: ContentType,
    },
    /// A commit without a confirmation tag (RFC 9420 §6.1).
    #[error("commit without confirmation tag")]
    MissingConfirmationTag,
    /// A PublicMessage's membership tag does not match (RFC 9420 §6.2).
    #[error("membership tag mismatch")]
    MembershipTagMismatch,
    /// The signature over the FramedContentTBS does not verify
    /// (RFC 9420 §6.1).
    #[error("content signature invalid")]
    InvalidSignature,
    /// The message belongs to another group than the GroupContext given.
    #[error("message for another group")]
    WrongGroup,
    /// The message was sent in a later epoch than the GroupContext's: it
    /// arrived before the commit that starts its epoch. Keep it and process
    /// it again after merging that commit (`group::MessageBuffer`).
    #[error("message from epoch {got}, ahead of the group context at epoch {current}")]
    EpochNotYet {
        /// The message's epoch.
        got: u64,
        /// The epoch of the GroupContext given.
        current: u64,
    },
    /// The message was sent in an earlier epoch than the GroupContext's
    /// (and, for application data, one no longer kept).
    #[error("message from epoch {got}, group context at epoch {current}")]
    WrongEpoch {
        /// The message's epoch.
        got: u64,
        /// The epoch of the GroupContext given.
        current: u64,
    },
    /// Application data sent, or about to be sent, as a PublicMessage
    /// (RFC 9420 §6: "Applications MUST use PrivateMessage to encrypt
    /// application messages").
    #[error("application data in a PublicMessage")]
    ApplicationInPublicMessage,
    /// A sender that is not a member sending, or about to send, a
    /// PrivateMessage (RFC 9420 §6.3.2: the sender type MUST be `member`).
    #[error("{sender_type:?} sender cannot use PrivateMessage")]
    NonMemberPrivateMessage {
        /// The sender's type.
        sender_type: SenderType,
    },
    /// A content type the sender may not send (RFC 9420 §6.1: `external`
    /// and `new_member_proposal` senders send proposals,
    /// `new_member_commit` senders commits).
    #[error("{sender_type:?} sender cannot send {content_type:?} content")]
    ContentTypeNotAllowed {
        /// The sender's type.
        sender_type: SenderType,
        /// The content type found.
        content_type: ContentType,
    },
    /// A proposal type the sender may not propose (RFC 9420 §6.1,
    /// §12.1.8: `new_member_proposal` senders propose `add` only,
    /// `external` senders `add`, `remove`, `psk`, `reinit` and
    /// `group_context_extensions`).
    #[error("{sender_type:?} sender cannot propose {proposal_type:?}")]
    ProposalTypeNotAllowed {
        /// The sender's type.
        sender_type: SenderType,
        /// The proposal type found.
        proposal_type: ProposalType,
    },
    /// Content signed for one wire format protected as the other
    /// (RFC 9420 §6.1: the signature covers the wire format).
    #[error("content has wire format {got:?}, expected {expected:?}")]
    WrongWireFormat {
        /// The wire format the operation needs.
        expected: WireFormat,
        /// The content's wire format.
        got: WireFormat,
    },
    /// Content framed with a wire format that is neither
    /// `mls_public_message` nor `mls_private_message` (RFC 9420 §6).
    #[error("wire format {wire_format:?} does not frame content")]
    NotAFramingWireFormat {
        /// The wire format found.
        wire_format: WireFormat,
    },
    /// The content's sender is a member where the operation expects a
    /// non-member, or the reverse.
    #[error("operation not available for a {sender_type:?} sender")]
    WrongSenderType {
        /// The sender's type.
        sender_type: SenderType,
    },
    /// A PrivateMessage's sender data does not decrypt under the key and
    /// nonce derived from the ciphertext sample (RFC 9420 §6.3.2).
    #[error("sender data decryption failed")]
    SenderDataDecryptionFailed,
    /// A PrivateMessage's content does not decrypt under the sender's
    /// ratchet key (RFC 9420 §6.3.1).
    #[error("content decryption failed")]
    ContentDecryptionFailed,
    /// A PrivateMessage's sender data names a leaf that is blank or outside
    /// the tree (RFC 9420 §6.3.2).
    #[error("sender leaf {leaf:?} is not a member")]
    SenderNotMember {
        /// The leaf named in the sender data.
        leaf: LeafIndex,
    },
    /// The chosen padding makes the PrivateMessageContent longer than the
    /// `uint32`-bounded vectors of the wire format allow (RFC 9420 §2.1.2,
    /// §6.3.1).
    #[error("padded plaintext of {len} bytes is too long")]
    PlaintextTooLong {
        /// The padded length.
        len: usize,
    },
}
