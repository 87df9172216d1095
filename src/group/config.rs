//! The caller's policies for a group: wire formats, padding, how far back
//! and ahead messages are accepted, lifetimes and credentials.
//!
//! None of this is group state: [`GroupConfig`] is given again when a saved
//! group is restored, and two members with different configurations still
//! interoperate.

use std::sync::Arc;

use super::process::MessageSender;
use crate::crypto::SignaturePublicKey;
use crate::framing::Padding;
use crate::messages::{Credential, Proposal, WireFormat};
use crate::secret_tree::SecretTreeConfig;
use crate::tree::validate::{CredentialValidator, LifetimeConfig};

/// How handshake messages (proposals and commits) are framed (RFC 9420
/// §6): signed in the clear with a membership tag, or encrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HandshakeFormat {
    /// `mls_public_message` (§6.2): the delivery service can read and
    /// check handshake messages.
    Public,
    /// `mls_private_message` (§6.3): handshake messages are encrypted.
    Private,
}

impl HandshakeFormat {
    /// The wire format of this framing.
    pub const fn wire_format(self) -> WireFormat {
        match self {
            Self::Public => WireFormat::PUBLIC_MESSAGE,
            Self::Private => WireFormat::PRIVATE_MESSAGE,
        }
    }
}

/// Which wire formats a member sends and accepts for handshake messages
/// of members. Application messages are always PrivateMessages (RFC 9420
/// §6). Non-members can only send PublicMessages (§6.3.2): whether their
/// proposals and external commits are accepted is decided by
/// [`ProposalPolicy`] and [`ExternalCommitPolicy`], whatever this policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WireFormatPolicy {
    /// The framing of the handshake messages this member creates.
    pub outgoing: HandshakeFormat,
    /// Whether received handshake PublicMessages are accepted.
    pub accept_public: bool,
    /// Whether received handshake PrivateMessages are accepted.
    pub accept_private: bool,
}

impl WireFormatPolicy {
    /// Sends PublicMessages, accepts both: for a delivery service that
    /// reads handshake messages (to order commits or enforce policy).
    pub const MIXED_PUBLIC: Self = Self {
        outgoing: HandshakeFormat::Public,
        accept_public: true,
        accept_private: true,
    };
    /// Sends and accepts only PublicMessages.
    pub const PURE_PUBLIC: Self = Self {
        outgoing: HandshakeFormat::Public,
        accept_public: true,
        accept_private: false,
    };
    /// Sends PrivateMessages, accepts both (the default: RFC 9420 §6
    /// recommends encrypted handshake messages).
    pub const MIXED_PRIVATE: Self = Self {
        outgoing: HandshakeFormat::Private,
        accept_public: true,
        accept_private: true,
    };
    /// Sends and accepts only PrivateMessages.
    pub const PURE_PRIVATE: Self = Self {
        outgoing: HandshakeFormat::Private,
        accept_public: false,
        accept_private: true,
    };

    /// Whether a received handshake message of `wire_format` is accepted.
    pub fn accepts(&self, wire_format: WireFormat) -> bool {
        match wire_format {
            WireFormat::PUBLIC_MESSAGE => self.accept_public,
            WireFormat::PRIVATE_MESSAGE => self.accept_private,
            _ => false,
        }
    }
}

impl Default for WireFormatPolicy {
    /// [`WireFormatPolicy::MIXED_PRIVATE`].
    fn default() -> Self {
        Self::MIXED_PRIVATE
    }
}

/// The application's decision on proposals from senders that are not
/// members (RFC 9420 §12.1.8): an `external` sender of the group's
/// `external_senders` extension, or a client proposing its own Add
/// (`new_member_proposal`). Such a proposal is stored, and so committed by
/// this member's next commit, only if the policy accepts it; otherwise
/// processing it fails with
/// [`MessageError::ProposalNotAuthorized`](super::MessageError::ProposalNotAuthorized).
pub trait ProposalPolicy {
    /// Whether to accept `proposal` from the non-member `sender`.
    fn accept(&self, proposal: &Proposal, sender: &MessageSender) -> bool;
}

/// The default [`ProposalPolicy`]: refuses every proposal from a
/// non-member, so nobody joins or changes the group without a member
/// committing it by value.
#[derive(Debug, Clone, Copy, Default)]
pub struct RefuseNonMemberProposals;

impl ProposalPolicy for RefuseNonMemberProposals {
    fn accept(&self, _: &Proposal, _: &MessageSender) -> bool {
        false
    }
}

impl<F: Fn(&Proposal, &MessageSender) -> bool> ProposalPolicy for F {
    fn accept(&self, proposal: &Proposal, sender: &MessageSender) -> bool {
        self(proposal, sender)
    }
}

/// Which external commits (RFC 9420 §12.4.3.2) this member accepts.
///
/// An external commit is only possible for a client that holds a
/// GroupInfo of the current epoch with the `external_pub` extension
/// ([`Group::group_info`](super::Group::group_info)): giving out GroupInfo
/// is how an application lets clients join this way. A *resync* external
/// commit also removes a member, the joiner's old appearance; its new leaf
/// must then meet the criteria of an Update of the removed leaf: a
/// credential acceptable for the removed participant (§12.4.3.2). Since
/// a resync lets whoever holds a GroupInfo remove a member, the default
/// accepts it only with the removed leaf's very credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ExternalCommitPolicy {
    /// Refuse every external commit.
    Refuse,
    /// Accept external commits that only add the joiner.
    JoinOnly,
    /// Accept joins, and resyncs whose new leaf has the removed leaf's
    /// credential (the default).
    #[default]
    JoinAndResync,
    /// Accept joins, and resyncs whose new leaf has the removed leaf's
    /// credential or one the application's
    /// [`CredentialValidator::validate_successor`] accepts as its successor
    /// (for example a renewed certificate for the same identity).
    JoinAndResyncBySuccessor,
}

/// A credential check that accepts every credential.
///
/// Basic credentials (RFC 9420 §5.3) carry no proof; an application with an
/// Authentication Service replaces this with its own
/// [`CredentialValidator`] (§5.3.1).
#[derive(Debug, Clone, Copy, Default)]
pub struct AcceptAllCredentials;

impl CredentialValidator for AcceptAllCredentials {
    fn validate(&self, _: &Credential, _: &SignaturePublicKey) -> bool {
        true
    }
}

/// The caller's policies for one group.
///
/// The configuration is not part of a group's saved state: it holds the
/// application's own checks (a [`CredentialValidator`] and a
/// [`ProposalPolicy`]), which are code, not data, and it is the
/// application's policy rather than the group's. [`Group::from_bytes`]
/// takes it again, so an application can also tighten or relax it between
/// runs; members with different configurations interoperate.
///
/// [`Group::from_bytes`]: super::Group::from_bytes
#[derive(Clone)]
pub struct GroupConfig {
    /// Handshake wire formats sent and accepted.
    pub wire_format: WireFormatPolicy,
    /// Padding of the PrivateMessages this member sends (RFC 9420 §6.3.1).
    pub padding: Padding,
    /// Out-of-order tolerance within an epoch: how far ahead a generation
    /// may be, and how many skipped keys are kept (RFC 9420 §9.2).
    pub secret_tree: SecretTreeConfig,
    /// How many past epochs' application messages can still be decrypted.
    /// Each kept epoch holds its sender-data secret and secret tree; zero
    /// deletes them at once (RFC 9420 §9.2, §14).
    pub max_past_epochs: usize,
    /// How many past epochs' resumption PSKs are kept for PSK proposals
    /// (RFC 9420 §8.6).
    pub max_resumption_psks: usize,
    /// Lifetime policies for leaves created and received (RFC 9420 §7.2).
    pub lifetime: LifetimeConfig,
    /// The most leaves a tree received in a Welcome may have.
    pub max_tree_leaves: u32,
    /// The application's check of credentials (RFC 9420 §5.3.1), applied
    /// to every leaf this member receives, to every change of a member's
    /// credential, and to the `external_senders` entries.
    pub credentials: Arc<dyn CredentialValidator + Send + Sync>,
    /// The application's decision on proposals from non-members
    /// (RFC 9420 §12.1.8); the default refuses them.
    pub proposals: Arc<dyn ProposalPolicy + Send + Sync>,
    /// Which external commits are accepted (RFC 9420 §12.4.3.2).
    pub external_commits: ExternalCommitPolicy,
}

impl core::fmt::Debug for GroupConfig {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("GroupConfig")
            .field("wire_format", &self.wire_format)
            .field("padding", &self.padding)
            .field("secret_tree", &self.secret_tree)
            .field("max_past_epochs", &self.max_past_epochs)
            .field("max_resumption_psks", &self.max_resumption_psks)
            .field("lifetime", &self.lifetime)
            .field("max_tree_leaves", &self.max_tree_leaves)
            .field("external_commits", &self.external_commits)
            .finish_non_exhaustive()
    }
}

impl Default for GroupConfig {
    /// Private handshake messages (public ones accepted), default padding
    /// and secret tree limits, one past epoch, eight resumption PSKs, the
    /// default lifetimes, trees of up to 2^20 leaves,
    /// [`AcceptAllCredentials`], [`RefuseNonMemberProposals`] and
    /// [`ExternalCommitPolicy::JoinAndResync`].
    fn default() -> Self {
        Self {
            wire_format: WireFormatPolicy::default(),
            padding: Padding::DEFAULT,
            secret_tree: SecretTreeConfig::DEFAULT,
            max_past_epochs: 1,
            max_resumption_psks: 8,
            lifetime: LifetimeConfig::default(),
            max_tree_leaves: 1 << 20,
            credentials: Arc::new(AcceptAllCredentials),
            proposals: Arc::new(RefuseNonMemberProposals),
            external_commits: ExternalCommitPolicy::default(),
        }
    }
}
