//! Why a group operation or a received message was refused.

use crate::framing::{ContentType, SenderType};
use crate::messages::{ExtensionType, ProposalType, WireFormat};
use crate::tree::LeafIndex;

/// A group-level rule a message or an operation broke (RFC 9420 §6, §12).
/// Each variant names the rule's section.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GroupError {
    /// The message's protocol version is not `mls10` (RFC 9420 §6).
    #[error("protocol version {0:#06x} is not mls10")]
    UnsupportedVersion(u16),
    /// The message is of a wire format `process_message` does not take
    /// (a Welcome, GroupInfo or KeyPackage).
    #[error("wire format {0:?} is not a group message")]
    NotAGroupMessage(WireFormat),
    /// A handshake message in a wire format the policy refuses.
    #[error("handshake message as {0:?} refused by the wire format policy")]
    WireFormatRefused(WireFormat),
    /// The message is for another group.
    #[error("message for another group")]
    WrongGroup,
    /// The message's epoch is neither the current one nor, for application
    /// messages, a kept past epoch (RFC 9420 §6.3, §14).
    #[error("message from epoch {got}, group at epoch {current}")]
    WrongEpoch {
        /// The message's epoch.
        got: u64,
        /// The group's epoch.
        current: u64,
    },
    /// A handshake message from a past epoch (RFC 9420 §12.4.2: commits and
    /// proposals are processed only in their own epoch).
    #[error("handshake message from past epoch {0}")]
    HandshakeFromPastEpoch(u64),
    /// The sender's leaf is blank or outside the tree (RFC 9420 §6.1).
    #[error("sender leaf {0:?} is not a member")]
    SenderNotMember(LeafIndex),
    /// An `external` sender index with no entry in the group's
    /// `external_senders` extension (RFC 9420 §12.1.8.1).
    #[error("external sender {0} is unknown")]
    UnknownExternalSender(u32),
    /// A sender type this crate does not accept for this content yet.
    #[error("{sender_type:?} sender with {content_type:?} content is not supported")]
    UnsupportedSender {
        /// The sender's type.
        sender_type: SenderType,
        /// The content type.
        content_type: ContentType,
    },
    /// A commit or proposal from this member itself arrived as a received
    /// message; own commits are merged from the result of creating them.
    #[error("message sent by this member")]
    OwnMessage,
    /// The member was removed; the group can no longer be used.
    #[error("this member is no longer in the group")]
    NotAMember,
    /// A commit references a proposal that was not received in this epoch
    /// (RFC 9420 §12.4.2).
    #[error("commit references an unknown proposal")]
    UnknownProposalRef,
    /// A proposal reference appears twice in one commit (RFC 9420 §12.4).
    #[error("proposal referenced twice in one commit")]
    DuplicateProposalRef,
    /// An Update proposal from the committer itself (RFC 9420 §12.2).
    #[error("commit holds an Update from the committer")]
    CommitterUpdate,
    /// A Remove of the committer (RFC 9420 §12.2).
    #[error("commit removes the committer")]
    CommitterRemoved,
    /// Two Updates or Removes for one leaf (RFC 9420 §12.2).
    #[error("several Updates or Removes for leaf {0:?}")]
    ConflictingLeafChanges(LeafIndex),
    /// An Update proposal from a sender that is not a member (RFC 9420
    /// §12.1.2).
    #[error("Update proposal from a non-member")]
    UpdateFromNonMember,
    /// An Update proposal's leaf keeps the current encryption key
    /// (RFC 9420 §12.1.2).
    #[error("Update for leaf {0:?} keeps its encryption key")]
    UpdateKeepsEncryptionKey(LeafIndex),
    /// A commit applies an Update of this member's leaf that this member
    /// did not propose in this epoch (RFC 9420 §12.1.2).
    #[error("commit applies an Update of this member's leaf it does not know")]
    UnknownOwnUpdate,
    /// A Remove of a blank leaf or a leaf outside the tree (RFC 9420
    /// §12.1.3).
    #[error("Remove of leaf {0:?}, which is not a member")]
    RemoveNonMember(LeafIndex),
    /// Two Adds of the same client, or an Add of a current member that is
    /// not also removed (RFC 9420 §12.2: identical signature keys).
    #[error("Add of a client already in the group or added twice")]
    DuplicateAdd,
    /// An Add whose KeyPackage's encryption key is already in the tree
    /// (RFC 9420 §7.3: encryption keys are unique).
    #[error("Add with an encryption key already in the tree")]
    DuplicateEncryptionKey,
    /// Two PreSharedKey proposals for the same PreSharedKeyID (RFC 9420
    /// §12.2).
    #[error("PSK proposed twice in one commit")]
    DuplicatePsk,
    /// A PSK proposal whose nonce is not `KDF.Nh` bytes (RFC 9420 §8.4).
    #[error("PSK nonce of {0} bytes")]
    InvalidPskNonce(usize),
    /// A resumption PSK proposal with a usage other than `application`
    /// (RFC 9420 §12.1.4).
    #[error("resumption PSK proposal with usage other than application")]
    InvalidPskUsage,
    /// A PSK the group does not hold (RFC 9420 §12.4.2: "Verify that all
    /// PreSharedKey proposals in the proposals vector are available").
    #[error("PSK not available")]
    UnknownPsk,
    /// More than one GroupContextExtensions proposal (RFC 9420 §12.2).
    #[error("several GroupContextExtensions proposals")]
    MultipleGroupContextExtensions,
    /// A GroupContextExtensions proposal with an extension type some member
    /// does not support (RFC 9420 §12.1.7).
    #[error("extension {0:?} not supported by every member")]
    UnsupportedGroupExtension(ExtensionType),
    /// Duplicate extension types in one extension list (RFC 9420 §13.4).
    #[error("extension {0:?} appears twice")]
    DuplicateExtension(ExtensionType),
    /// An extension's content does not decode (RFC 9420 §13).
    #[error("extension {0:?} is malformed")]
    MalformedExtension(ExtensionType),
    /// A ReInit proposal together with other proposals (RFC 9420 §12.2).
    #[error("ReInit combined with other proposals")]
    ReInitWithOthers,
    /// A ReInit proposal to an older protocol version (RFC 9420 §12.1.5).
    #[error("ReInit to an older protocol version")]
    ReInitDowngrade,
    /// An ExternalInit proposal in a member's commit (RFC 9420 §12.2).
    #[error("ExternalInit in a member commit")]
    ExternalInitInMemberCommit,
    /// A proposal type some member does not support (RFC 9420 §12.2).
    #[error("proposal type {0:?} not supported by every member")]
    UnsupportedProposalType(ProposalType),
    /// A proposal of a type this member cannot send or receive by value or
    /// reference in this position (RFC 9420 §12.1.8).
    #[error("proposal type {0:?} not allowed here")]
    ProposalNotAllowed(ProposalType),
    /// A commit without an UpdatePath whose proposals require one
    /// (RFC 9420 §12.4).
    #[error("commit lacks a required UpdatePath")]
    PathRequired,
    /// A commit's UpdatePath leaf keeps the committer's encryption key
    /// (RFC 9420 §12.4.2).
    #[error("UpdatePath leaf keeps the committer's encryption key")]
    PathKeepsEncryptionKey,
    /// A commit message without its confirmation tag (RFC 9420 §6.1).
    #[error("commit without confirmation tag")]
    MissingConfirmationTag,
    /// The GroupContext of a Welcome does not match the joiner's KeyPackage
    /// (RFC 9420 §12.4.3.1: version and cipher suite).
    #[error("the group's version or cipher suite differs from the KeyPackage's")]
    JoinParametersMismatch,
    /// No ratchet tree was given and the GroupInfo carries none (RFC 9420
    /// §12.4.3.1).
    #[error("no ratchet tree: pass one or use a Welcome that carries it")]
    MissingRatchetTree,
    /// The GroupContext's tree hash does not match the ratchet tree
    /// (RFC 9420 §12.4.3.1).
    #[error("ratchet tree does not match the GroupContext")]
    TreeHashMismatch,
    /// A member asked to add or remove itself, or to remove a leaf that is
    /// not a member.
    #[error("invalid operation for leaf {0:?}")]
    InvalidTarget(LeafIndex),
    /// A staged commit built for another epoch or group state.
    #[error("staged commit does not belong to the group's current state")]
    StaleStagedCommit,
    /// Saved state in an unknown format version.
    #[error("saved state of format version {0} is not supported")]
    UnsupportedStateVersion(u16),
    /// Saved state whose parts do not fit together.
    #[error("saved state is inconsistent: {0}")]
    InconsistentState(&'static str),
    /// An epoch counter at its maximum (RFC 9420 §8: epochs are uint64).
    #[error("epoch counter exhausted")]
    EpochExhausted,
}
