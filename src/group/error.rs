//! Why a group operation or a received message was refused, by what went
//! wrong: the message ([`MessageError`]), a proposal or proposal list
//! ([`ProposalError`]), a commit ([`CommitError`]), or the group's state
//! ([`StateError`]). Each variant names its rule's section and carries the
//! facts a caller needs.

use crate::framing::{ContentType, SenderType};
use crate::messages::{
    ExtensionType, KeyPackageRef, PreSharedKeyId, ProposalRef, ProposalType, ProtocolVersion,
    ResumptionPskUsage, WireFormat,
};
use crate::tree::LeafIndex;

/// A received message the group cannot take, whatever its content
/// (RFC 9420 §6, §12.4.2).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MessageError {
    /// The message's protocol version is not `mls10` (RFC 9420 §6).
    #[error("protocol version {0:?} is not mls10")]
    UnsupportedVersion(ProtocolVersion),
    /// The message is of a wire format this entry point does not take (for
    /// example a Welcome given to `process_message`).
    #[error("wire format {0:?} is not taken here")]
    UnexpectedWireFormat(WireFormat),
    /// A handshake message in a wire format the policy refuses.
    #[error("handshake message as {0:?} refused by the wire format policy")]
    WireFormatRefused(WireFormat),
    /// The sender's leaf is blank or outside the tree (RFC 9420 §6.1).
    #[error("sender leaf {0:?} is not a member")]
    SenderNotMember(LeafIndex),
    /// An `external` sender index with no entry in the group's
    /// `external_senders` extension (RFC 9420 §12.1.8.1).
    #[error("external sender {0} is unknown")]
    UnknownExternalSender(u32),
    /// A proposal from a non-member (an external sender or a new member)
    /// that the application's `ProposalPolicy` did not accept (RFC 9420
    /// §12.1.8).
    #[error("{sender_type:?} proposal of type {proposal_type:?} not accepted by the policy")]
    ProposalNotAuthorized {
        /// The sender's type.
        sender_type: SenderType,
        /// The proposal's type.
        proposal_type: ProposalType,
    },
    /// A handshake message sent by this member itself came back.
    #[error("{content_type:?} message sent by this member")]
    OwnMessage {
        /// The content type.
        content_type: ContentType,
    },
}

/// A proposal, or a commit's list of proposals, broke a rule of RFC 9420
/// §12.1, §12.2 or §13.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProposalError {
    /// A commit references a proposal that was not received in this epoch
    /// (RFC 9420 §12.4.2).
    #[error("commit references unknown proposal {0:?}")]
    UnknownProposalRef(ProposalRef),
    /// A proposal reference appears twice in one commit (RFC 9420 §12.4).
    #[error("proposal {0:?} referenced twice in one commit")]
    DuplicateProposalRef(ProposalRef),
    /// An Update proposal from the committer itself (RFC 9420 §12.2).
    #[error("commit holds an Update from its committer, leaf {0:?}")]
    CommitterUpdate(LeafIndex),
    /// A Remove of the committer (RFC 9420 §12.2).
    #[error("commit removes its committer, leaf {0:?}")]
    CommitterRemoved(LeafIndex),
    /// Two Updates or Removes for one leaf (RFC 9420 §12.2).
    #[error("several Updates or Removes for leaf {0:?}")]
    ConflictingLeafChanges(LeafIndex),
    /// An Update proposal from a sender that is not a member (RFC 9420
    /// §12.1.2).
    #[error("Update proposal from a {0:?} sender")]
    UpdateFromNonMember(SenderType),
    /// A member's new credential (in an Update or a commit's path) is not
    /// a valid successor of its old one, as the application's
    /// `CredentialValidator::validate_successor` decided (RFC 9420 §5.3.1).
    #[error("leaf {0:?} changed its credential to one the application refuses")]
    CredentialChangeRejected(LeafIndex),
    /// An entry of an `external_senders` extension carries a credential the
    /// application's validator refuses (RFC 9420 §5.3.1, §12.1.8.1).
    #[error("external sender {index} has a credential the application refuses")]
    ExternalSenderRejected {
        /// The entry's position in the extension.
        index: usize,
    },
    /// An Update proposal's leaf keeps the current encryption key
    /// (RFC 9420 §12.1.2).
    #[error("Update for leaf {0:?} keeps its encryption key")]
    UpdateKeepsEncryptionKey(LeafIndex),
    /// A Remove of a blank leaf or a leaf outside the tree (RFC 9420
    /// §12.1.3).
    #[error("Remove of leaf {0:?}, which is not a member")]
    RemoveNonMember(LeafIndex),
    /// An Add of a client that is already a member (and not removed by the
    /// same commit) or is added twice (RFC 9420 §12.2: identical signature
    /// keys identify a client).
    #[error("Add of a client already at leaf {existing:?}")]
    DuplicateAdd {
        /// The leaf that already holds the client's signature key.
        existing: LeafIndex,
    },
    /// An Add of a commit's proposal list was refused: `error` says why
    /// (an invalid KeyPackage, a client already in the group, a reused
    /// encryption key). Names the Add's position in the list and its
    /// KeyPackage's reference, so a caller adding many members can drop
    /// that one and try again.
    #[error("Add at position {index} ({key_package:?}) refused: {error}")]
    InvalidAdd {
        /// The Add's position in the commit's proposal list.
        index: usize,
        /// The reference of its KeyPackage (`None` if it cannot be
        /// computed).
        key_package: Option<KeyPackageRef>,
        /// Why it was refused.
        error: Box<crate::error::Error>,
    },
    /// Two PreSharedKey proposals for the same PreSharedKeyID (RFC 9420
    /// §12.2).
    #[error("PSK {0:?} proposed twice in one commit")]
    DuplicatePsk(Box<PreSharedKeyId>),
    /// A PSK whose nonce is not `KDF.Nh` bytes (RFC 9420 §8.4).
    #[error("PSK nonce of {len} bytes, the suite needs {expected}")]
    InvalidPskNonce {
        /// The nonce's length.
        len: usize,
        /// `KDF.Nh`.
        expected: usize,
    },
    /// A resumption PSK proposal with a usage other than `application`
    /// (RFC 9420 §12.1.4).
    #[error("resumption PSK proposal with usage {0:?}")]
    InvalidPskUsage(ResumptionPskUsage),
    /// A PSK the group does not hold (RFC 9420 §12.4.2: "Verify that all
    /// PreSharedKey proposals in the proposals vector are available"), or,
    /// for a resumption PSK, an epoch that is not kept.
    #[error("PSK {0:?} not available")]
    UnknownPsk(Box<PreSharedKeyId>),
    /// More than one GroupContextExtensions proposal (RFC 9420 §12.2).
    #[error("several GroupContextExtensions proposals")]
    MultipleGroupContextExtensions,
    /// A leaf does not support a non-default extension of the group
    /// (RFC 9420 §12.1.7, §13.4: members support the group's extensions).
    #[error("leaf {leaf:?} does not support group extension {extension_type:?}")]
    UnsupportedGroupExtension {
        /// The leaf; `None` for the leaf of a KeyPackage not yet in the
        /// tree.
        leaf: Option<LeafIndex>,
        /// The extension.
        extension_type: ExtensionType,
    },
    /// Duplicate extension types in one extension list (RFC 9420 §13.4).
    #[error("extension {0:?} appears twice")]
    DuplicateExtension(ExtensionType),
    /// An extension's content does not decode (RFC 9420 §13).
    #[error("extension {0:?} is malformed")]
    MalformedExtension(ExtensionType),
    /// A ReInit proposal together with other proposals (RFC 9420 §12.2).
    #[error("ReInit combined with {others} other proposals")]
    ReInitWithOthers {
        /// How many other proposals the list holds.
        others: usize,
    },
    /// A ReInit proposal to an older protocol version (RFC 9420 §12.1.5).
    #[error("ReInit from {current:?} to older {proposed:?}")]
    ReInitDowngrade {
        /// The group's version.
        current: ProtocolVersion,
        /// The ReInit's version.
        proposed: ProtocolVersion,
    },
    /// A proposal of a type this member cannot send or receive in this
    /// position: an ExternalInit in a member's commit or by reference
    /// (RFC 9420 §12.1.6, §12.2), or an Update through `propose` instead of
    /// `propose_update`.
    #[error("proposal type {0:?} not allowed here")]
    ProposalNotAllowed(ProposalType),
}

/// A commit broke a rule of RFC 9420 §12.4, or cannot be followed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CommitError {
    /// A commit without an UpdatePath whose proposals require one
    /// (RFC 9420 §12.4).
    #[error("commit lacks a required UpdatePath")]
    PathRequired,
    /// A commit's UpdatePath leaf keeps the committer's encryption key
    /// (RFC 9420 §12.4.2).
    #[error("UpdatePath leaf of {0:?} keeps the committer's encryption key")]
    PathKeepsEncryptionKey(LeafIndex),
    /// A commit applies an Update of this member's leaf that this member
    /// did not propose in this epoch (RFC 9420 §12.1.2).
    #[error("commit applies an Update of this member's leaf {0:?} it does not know")]
    UnknownOwnUpdate(LeafIndex),
    /// An epoch counter at its maximum (RFC 9420 §8: epochs are uint64).
    #[error("epoch counter exhausted")]
    EpochExhausted,
    /// A GroupInfo without the `external_pub` extension: the group cannot
    /// be joined by external commit from it (RFC 9420 §12.4.3.2).
    #[error("GroupInfo has no external_pub extension")]
    MissingExternalPub,
    /// An external commit without exactly one ExternalInit proposal
    /// (RFC 9420 §12.2).
    #[error("external commit with {count} ExternalInit proposals, not one")]
    ExternalInitCount {
        /// How many it has.
        count: usize,
    },
    /// An external commit with more than one Remove proposal (RFC 9420
    /// §12.2: at most one, of the joiner's old leaf).
    #[error("external commit with {count} Remove proposals")]
    ExternalCommitRemoves {
        /// How many it has.
        count: usize,
    },
    /// An external commit that includes a proposal by reference
    /// (RFC 9420 §12.4.3.2).
    #[error("external commit includes a proposal by reference")]
    ExternalProposalByReference,
    /// An external commit, refused by this member's
    /// [`ExternalCommitPolicy`](super::ExternalCommitPolicy).
    #[error("external commits are refused by policy")]
    ExternalCommitRefused,
    /// An external commit that removes a member (a resync, RFC 9420
    /// §12.4.3.2), refused by this member's
    /// [`ExternalCommitPolicy`](super::ExternalCommitPolicy).
    #[error("external commit removing {0:?} refused by policy")]
    ResyncRefused(LeafIndex),
}

/// The group's state does not allow the operation, or saved state could
/// not be restored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StateError {
    /// The member was removed, or the group was re-initialized
    /// (RFC 9420 §11.2, §12.4.2): it can no longer be used to send or
    /// receive.
    #[error("this member can no longer use the group")]
    Inactive,
    /// A staged commit built for another epoch or state of the group.
    #[error("staged commit for epoch {staged}, group at epoch {current}")]
    StaleStagedCommit {
        /// The epoch the commit was staged on.
        staged: u64,
        /// The group's epoch.
        current: u64,
    },
    /// No KeyPackage of the store is one the Welcome is encrypted to
    /// (RFC 9420 §12.4.3.1).
    #[error("the Welcome is for none of the stored KeyPackages")]
    NoMatchingKeyPackage,
    /// Application data while proposals of this epoch are not committed
    /// yet (RFC 9420 §12.4: "A group member that has observed one or more
    /// valid proposals within an epoch MUST send a Commit message before
    /// sending application data").
    #[error("{count} proposals pending: commit before sending application data")]
    ProposalsPending {
        /// How many proposals are pending.
        count: usize,
    },
    /// `merge_pending_commit` without a pending commit.
    #[error("no pending commit to merge")]
    NoPendingCommit,
    /// A saved pending commit of another epoch than the saved state's.
    #[error("saved pending commit of epoch {epoch} is out of place")]
    PendingCommitOutOfPlace {
        /// The pending commit's epoch.
        epoch: u64,
    },
    /// Bytes that do not start like saved group state.
    #[error("not saved group state")]
    NotASavedGroup,
    /// Saved state in an unknown format version.
    #[error("saved state of format version {0} is not supported")]
    UnsupportedVersion(u16),
    /// The saved tree does not hash to the saved GroupContext's tree hash.
    #[error("saved tree does not match the saved GroupContext")]
    TreeHashMismatch,
    /// The saved private keys do not match the saved tree.
    #[error("saved private keys do not match the saved tree")]
    PrivateKeysMismatch,
    /// The saved secret tree is not of the saved tree's size.
    #[error("saved secret tree of {secret_tree} leaves, tree of {tree}")]
    SecretTreeSize {
        /// The secret tree's leaf count.
        secret_tree: u32,
        /// The ratchet tree's leaf count.
        tree: u32,
    },
    /// A saved past epoch of another group, not older than the current
    /// epoch, or out of order.
    #[error("saved past epoch {epoch} is out of place")]
    PastEpochOutOfOrder {
        /// The past epoch's number.
        epoch: u64,
    },
}
