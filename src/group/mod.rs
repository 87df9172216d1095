//! The group state machine (RFC 9420 §11, §12): one [`Group`] per member
//! and group, created, joined from a Welcome, or restored from saved bytes.
//!
//! Every operation follows the same rule: validate fully from `&self`,
//! then change the state in one step that cannot fail.
//!
//! - **In:** [`Group::process_message`] takes an `MLSMessage`'s bytes and
//!   returns a [`Processed`] value: application data, a proposal (checked
//!   and stored for the epoch), or a [`StagedCommit`] to inspect and then
//!   merge with [`Group::merge_staged_commit`] or drop. On error the group
//!   is exactly as before.
//! - **Out:** [`Group::create_message`] encrypts application data;
//!   `Group::propose_*` send proposals by reference;
//!   [`Group::create_commit`] builds a commit (and Welcome) whose
//!   [`StagedCommit`] is merged through the same
//!   [`Group::merge_staged_commit`] once the delivery service accepts it.
//! - **Saved:** [`Group::to_bytes`] and [`Group::from_bytes`].
//!
//! Submodules:
//! - [`key_package`]: KeyPackage generation and validation (§10).
//! - [`welcome`]: the cryptographic steps of joining from a Welcome
//!   (§12.4.3.1).

mod commit;
mod config;
mod error;
mod join;
pub mod key_package;
mod past;
mod process;
mod proposals;
mod psk;
mod staged;
mod state;
pub mod welcome;

use std::collections::VecDeque;

use rand_core::CryptoRng;

pub use commit::{CommitOptions, CreatedCommit};
pub use config::{AcceptAllCredentials, GroupConfig, HandshakeFormat, WireFormatPolicy};
pub use error::GroupError;
pub use join::JoinOptions;
pub use key_package::{KeyPackageBundle, KeyPackageError, KeyPackageOptions, validate_key_package};
pub use process::{ApplicationMessage, Processed, ReceivedProposal};
pub use psk::PskStore;
pub use staged::{CommitEffects, StagedCommit};
pub use welcome::WelcomeError;

use crate::RustCryptoProvider;
use crate::codec::Encode;
use crate::crypto::{
    CipherSuite, CryptoProvider, HpkePrivateKey, HpkePublicKey, Secret, SignaturePrivateKey,
    SuiteCrypto,
};
use crate::error::Error;
use crate::framing::{
    AuthenticatedContent, FramedContent, FramedContentBody, PrivateMessage, PublicMessage, Sender,
};
use crate::key_schedule::{EpochSecrets, GroupContext, TranscriptHashes};
use crate::messages::{
    Extensions, MlsMessage, MlsMessageBody, Proposal, ProposalRef, ProtocolVersion, WireFormat,
};
use crate::secret_tree::SecretTree;
use crate::tree::treekem::TreeKemPrivate;
use crate::tree::validate::{LeafContext, LeafRole, Timestamp, validate_leaf_node};
use crate::tree::{LeafIndex, LeafNode, LeafNodeSource, RatchetTree, TreeView};

use past::PastEpoch;

/// A proposal received (or sent) by reference in the current epoch, kept
/// until the next commit (RFC 9420 §12.1, §12.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PendingProposal {
    /// `ProposalRef` of the AuthenticatedContent that carried it (§5.2).
    pub(crate) reference: ProposalRef,
    /// The proposal.
    pub(crate) proposal: Proposal,
    /// Who sent it.
    pub(crate) sender: Sender,
}

/// Everything a member holds about a group in one epoch. Cloning it is
/// O(n) in the tree; nothing in the processing paths does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GroupState {
    pub(crate) context: GroupContext,
    pub(crate) tree: RatchetTree,
    pub(crate) private: TreeKemPrivate,
    pub(crate) signer: SignaturePrivateKey,
    /// The epoch's secrets; `encryption_secret` is overwritten with zeros once the secret
    /// tree is built from it (§9.2).
    pub(crate) secrets: EpochSecrets,
    pub(crate) secret_tree: SecretTree,
    pub(crate) interim_transcript_hash: Vec<u8>,
    /// The confirmation tag of the commit that started the epoch (for
    /// GroupInfo, §12.4.3).
    pub(crate) confirmation_tag: Vec<u8>,
    pub(crate) proposals: Vec<PendingProposal>,
    /// Oldest first.
    pub(crate) past_epochs: VecDeque<PastEpoch>,
    /// `(epoch, resumption_psk)` of past epochs, oldest first (§8.6).
    pub(crate) resumption_psks: VecDeque<(u64, Secret)>,
    pub(crate) psks: PskStore,
    /// Private keys of the leaves this member proposed in Update
    /// proposals this epoch, by public key (RFC 9420 §12.1.2).
    pub(crate) pending_update_keys: Vec<(HpkePublicKey, HpkePrivateKey)>,
    /// Whether this member is still in the group.
    pub(crate) active: bool,
}

/// One member's view of one group (RFC 9420 §8, §12).
///
/// `P` is the crypto provider; the default, [`RustCryptoProvider`],
/// implements all seven cipher suites.
pub struct Group<P: CryptoProvider = RustCryptoProvider> {
    provider: P,
    config: GroupConfig,
    state: GroupState,
}

impl<P: CryptoProvider> core::fmt::Debug for Group<P> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Group")
            .field("group_id", &self.state.context.group_id)
            .field("epoch", &self.state.context.epoch)
            .field("cipher_suite", &self.state.context.cipher_suite)
            .field("own_leaf", &self.state.private.own_leaf())
            .field("members", &self.state.tree.member_count())
            .finish_non_exhaustive()
    }
}

/// A member of the group as seen from the ratchet tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Member<'a> {
    /// The member's leaf.
    pub leaf: LeafIndex,
    /// Its leaf node: credential, signature key, capabilities.
    pub leaf_node: &'a LeafNode,
}

impl<P: CryptoProvider> Group<P> {
    /// Creates a one-member group at epoch 0 (RFC 9420 §11): the creator's
    /// leaf is the leaf node of its own `key_package` bundle, the
    /// GroupContext carries `extensions`, and the epoch secret is fresh
    /// randomness. The confirmed transcript hash is empty and the interim
    /// transcript hash is computed from the epoch-0 confirmation tag.
    pub fn create(
        provider: P,
        config: GroupConfig,
        own: &KeyPackageBundle,
        group_id: Vec<u8>,
        extensions: Extensions,
        now: Timestamp,
        rng: &mut (impl CryptoRng + ?Sized),
    ) -> Result<Self, Error> {
        let key_package = own.key_package();
        let suite = key_package.cipher_suite;
        let crypto = SuiteCrypto::new(&provider, suite)?;
        let leaf_node = key_package.leaf_node.clone();
        // The creator's own leaf must satisfy the group's requirements
        // (RFC 9420 §11: "the creator MUST verify that its own leaf node
        // supports the group's required capabilities").
        let required = proposals::required_capabilities(&extensions)?;
        proposals::check_extensions_wellformed(&extensions)?;
        let ctx = LeafContext {
            group_id: &group_id,
            required_capabilities: required.as_ref(),
            lifetime: config.lifetime.send,
            now,
            credentials: config.credentials.as_ref(),
        };
        validate_leaf_node(
            &crypto,
            &leaf_node,
            LeafIndex(0),
            LeafRole::KeyPackage,
            &ctx,
        )?;
        proposals::check_leaf_supports_extensions(&leaf_node, &extensions)?;

        let tree = RatchetTree::new(&crypto, leaf_node.clone())?;
        let private = TreeKemPrivate::new(
            LeafIndex(0),
            leaf_node.encryption_key.clone(),
            own.encryption_private_key().clone(),
        )?;
        let context = GroupContext {
            version: ProtocolVersion::MLS10,
            cipher_suite: suite,
            group_id,
            epoch: 0,
            tree_hash: tree.tree_hash().to_vec(),
            confirmed_transcript_hash: Vec::new(),
            extensions,
        };
        let secrets = EpochSecrets::for_new_group(&crypto, rng)?;
        let confirmation_tag = secrets.confirmation_tag(&crypto, &[])?;
        let transcript = TranscriptHashes::new(&crypto, &[], &confirmation_tag)?;
        let state = GroupState::new_epoch(
            context,
            tree,
            private,
            own.signature_private_key().clone(),
            secrets,
            transcript.interim,
            confirmation_tag,
            &config,
        );
        Ok(Self {
            provider,
            config,
            state,
        })
    }

    /// The provider bound to the group's cipher suite.
    pub(crate) fn crypto(&self) -> Result<SuiteCrypto<'_>, Error> {
        Ok(SuiteCrypto::new(
            &self.provider,
            self.state.context.cipher_suite,
        )?)
    }

    /// The group's ID.
    pub fn group_id(&self) -> &[u8] {
        &self.state.context.group_id
    }

    /// The current epoch.
    pub fn epoch(&self) -> u64 {
        self.state.context.epoch
    }

    /// The group's cipher suite.
    pub fn cipher_suite(&self) -> CipherSuite {
        self.state.context.cipher_suite
    }

    /// The GroupContext of the current epoch (RFC 9420 §8.1).
    pub fn context(&self) -> &GroupContext {
        &self.state.context
    }

    /// The GroupContext extensions (RFC 9420 §13).
    pub fn extensions(&self) -> &Extensions {
        &self.state.context.extensions
    }

    /// The ratchet tree of the current epoch (RFC 9420 §7).
    pub fn tree(&self) -> &RatchetTree {
        &self.state.tree
    }

    /// This member's leaf.
    pub fn own_leaf(&self) -> LeafIndex {
        self.state.private.own_leaf()
    }

    /// This member's leaf node.
    pub fn own_leaf_node(&self) -> Option<&LeafNode> {
        self.state.tree.leaf(self.own_leaf())
    }

    /// The members, in leaf order.
    pub fn members(&self) -> impl Iterator<Item = Member<'_>> {
        self.state
            .tree
            .members()
            .map(|(leaf, leaf_node)| Member { leaf, leaf_node })
    }

    /// The member at `leaf`, if that leaf is not blank.
    pub fn member(&self, leaf: LeafIndex) -> Option<Member<'_>> {
        self.state
            .tree
            .leaf(leaf)
            .map(|leaf_node| Member { leaf, leaf_node })
    }

    /// Whether this member is still in the group: false once a commit
    /// removing it was merged (RFC 9420 §12.4.2).
    pub fn is_active(&self) -> bool {
        self.state.active
    }

    /// The caller's policies.
    pub fn config(&self) -> &GroupConfig {
        &self.config
    }

    /// Replaces the caller's policies; the group state is unchanged.
    pub fn set_config(&mut self, config: GroupConfig) {
        self.config = config;
        let keep = self.config.max_past_epochs;
        while self.state.past_epochs.len() > keep {
            self.state.past_epochs.pop_front();
        }
    }

    /// The epoch authenticator (RFC 9420 §8.7): equal for every member
    /// that shares this epoch's view of the group.
    pub fn epoch_authenticator(&self) -> &Secret {
        &self.state.secrets.epoch_authenticator
    }

    /// `MLS-Exporter(label, context, length)` of the current epoch
    /// (RFC 9420 §8.5).
    pub fn export_secret(
        &self,
        label: &str,
        context: &[u8],
        length: usize,
    ) -> Result<Secret, Error> {
        let crypto = self.crypto()?;
        self.state.secrets.export(&crypto, label, context, length)
    }

    /// The confirmation tag of the commit that started this epoch.
    pub fn confirmation_tag(&self) -> &[u8] {
        &self.state.confirmation_tag
    }

    /// The external PSKs this member holds (RFC 9420 §8.4).
    pub fn psks(&self) -> &PskStore {
        &self.state.psks
    }

    /// The external PSKs, to add or remove keys.
    pub fn psks_mut(&mut self) -> &mut PskStore {
        &mut self.state.psks
    }

    /// The proposals received or sent by reference in this epoch, in
    /// arrival order, with their references and senders.
    pub fn pending_proposals(&self) -> impl Iterator<Item = (&ProposalRef, &Proposal, Sender)> {
        self.state
            .proposals
            .iter()
            .map(|p| (&p.reference, &p.proposal, p.sender))
    }

    /// Forgets the proposals received by reference in this epoch.
    pub fn clear_pending_proposals(&mut self) {
        self.state.proposals.clear();
    }

    fn ensure_active(&self) -> Result<(), Error> {
        if self.state.active {
            Ok(())
        } else {
            Err(GroupError::NotAMember.into())
        }
    }

    /// Encrypts application data as a PrivateMessage of the current epoch
    /// (RFC 9420 §6.3), signed by this member, and returns the encoded
    /// `MLSMessage`. The key used is deleted (§9.2).
    pub fn create_message(
        &mut self,
        data: &[u8],
        authenticated_data: &[u8],
        rng: &mut (impl CryptoRng + ?Sized),
    ) -> Result<Vec<u8>, Error> {
        self.send_content(
            FramedContentBody::Application(data.to_vec()),
            authenticated_data,
            WireFormat::PRIVATE_MESSAGE,
            rng,
        )
        .map(|(bytes, _)| bytes)
    }

    /// Signs `body` as this member, frames it as `wire_format`, and returns
    /// the encoded MLSMessage with its AuthenticatedContent.
    fn send_content(
        &mut self,
        body: FramedContentBody,
        authenticated_data: &[u8],
        wire_format: WireFormat,
        rng: &mut (impl CryptoRng + ?Sized),
    ) -> Result<(Vec<u8>, AuthenticatedContent), Error> {
        self.ensure_active()?;
        let content = FramedContent {
            group_id: self.state.context.group_id.clone(),
            epoch: self.state.context.epoch,
            sender: Sender::Member(self.own_leaf()),
            authenticated_data: authenticated_data.to_vec(),
            content: body,
        };
        let crypto = SuiteCrypto::new(&self.provider, self.state.context.cipher_suite)?;
        let signed = AuthenticatedContent::sign(
            &crypto,
            &self.state.signer,
            wire_format,
            content,
            Some(&self.state.context),
        )?;
        let bytes = self.protect_signed(signed.clone(), rng)?;
        Ok((bytes, signed))
    }

    /// Frames signed content of the current epoch as the PrivateMessage
    /// or PublicMessage its wire format names (RFC 9420 §6.2, §6.3) and
    /// encodes the MLSMessage. A PrivateMessage takes the next key of the
    /// sender's ratchet, which is deleted (§9.2).
    pub(crate) fn protect_signed(
        &mut self,
        signed: AuthenticatedContent,
        rng: &mut (impl CryptoRng + ?Sized),
    ) -> Result<Vec<u8>, Error> {
        let crypto = SuiteCrypto::new(&self.provider, self.state.context.cipher_suite)?;
        let body = if signed.wire_format == WireFormat::PRIVATE_MESSAGE {
            MlsMessageBody::PrivateMessage(PrivateMessage::protect(
                &crypto,
                &signed,
                &mut self.state.secret_tree,
                &self.state.secrets.sender_data_secret,
                self.config.padding,
                rng,
            )?)
        } else {
            MlsMessageBody::PublicMessage(PublicMessage::protect_member(
                &crypto,
                signed,
                &self.state.context,
                &self.state.secrets.membership_key,
            )?)
        };
        Ok(MlsMessage::new(body).to_bytes()?)
    }

    /// Proposes `proposal` by reference (RFC 9420 §12.1): signs and frames
    /// it in the configured handshake wire format, stores it as a pending
    /// proposal of this epoch (so this member's next commit includes it),
    /// and returns the encoded MLSMessage to send.
    ///
    /// The proposal is checked as a receiver would check it first. This
    /// member cannot propose ExternalInit (§12.1.6), and proposes Updates
    /// of its leaf with [`propose_update`](Self::propose_update), which
    /// keeps the new private key.
    pub fn propose(
        &mut self,
        proposal: Proposal,
        authenticated_data: &[u8],
        now: Timestamp,
        rng: &mut (impl CryptoRng + ?Sized),
    ) -> Result<(Vec<u8>, ProposalRef), Error> {
        if matches!(proposal, Proposal::Update(_)) {
            return Err(
                GroupError::ProposalNotAllowed(crate::messages::ProposalType::UPDATE).into(),
            );
        }
        self.propose_checked(proposal, authenticated_data, now, rng)
    }

    /// [`propose`](Self::propose) without the Update restriction.
    fn propose_checked(
        &mut self,
        proposal: Proposal,
        authenticated_data: &[u8],
        now: Timestamp,
        rng: &mut (impl CryptoRng + ?Sized),
    ) -> Result<(Vec<u8>, ProposalRef), Error> {
        self.ensure_active()?;
        let sender = Sender::Member(self.own_leaf());
        {
            let crypto = self.crypto()?;
            let checker = proposals::Checker::new(&crypto, &self.state, &self.config, now)?;
            checker.check_single(&proposal, sender)?;
        }
        let wire_format = self.config.wire_format.outgoing.wire_format();
        let (bytes, signed) = self.send_content(
            FramedContentBody::Proposal(proposal.clone()),
            authenticated_data,
            wire_format,
            rng,
        )?;
        let crypto = self.crypto()?;
        let reference = ProposalRef(crypto.proposal_ref(&signed.to_bytes()?)?);
        self.state.proposals.push(PendingProposal {
            reference: reference.clone(),
            proposal,
            sender,
        });
        Ok((bytes, reference))
    }

    /// Proposes an Update of this member's leaf (RFC 9420 §12.1.2): a
    /// fresh encryption key, the leaf's credential, capabilities and
    /// extensions, source `update`, signed for this group and leaf. The
    /// new private key is kept until a commit applies the Update or the
    /// epoch ends. Returns the encoded message and the proposal's
    /// reference.
    pub fn propose_update(
        &mut self,
        authenticated_data: &[u8],
        now: Timestamp,
        rng: &mut (impl CryptoRng + ?Sized),
    ) -> Result<(Vec<u8>, ProposalRef), Error> {
        self.ensure_active()?;
        let own = self.own_leaf();
        let crypto = self.crypto()?;
        let mut leaf_node = self
            .state
            .tree
            .leaf(own)
            .ok_or(GroupError::NotAMember)?
            .clone();
        let (private, public) = crypto.generate_hpke_key_pair(rng)?;
        leaf_node.encryption_key = public.clone();
        leaf_node.leaf_node_source = LeafNodeSource::Update;
        let tbs = leaf_node.tbs_bytes(&self.state.context.group_id, own)?;
        leaf_node.signature = crypto.sign_with_label(&self.state.signer, "LeafNodeTBS", &tbs)?;
        let proposal = Proposal::Update(crate::messages::Update { leaf_node });
        let sent = self.propose_checked(proposal, authenticated_data, now, rng)?;
        self.state.pending_update_keys.push((public, private));
        Ok(sent)
    }
}

impl GroupState {
    /// The state at the start of an epoch with the given secrets.
    #[allow(
        clippy::too_many_arguments,
        reason = "each argument is a separate part of the epoch's state"
    )]
    pub(crate) fn new_epoch(
        context: GroupContext,
        tree: RatchetTree,
        private: TreeKemPrivate,
        signer: SignaturePrivateKey,
        mut secrets: EpochSecrets,
        interim_transcript_hash: Vec<u8>,
        confirmation_tag: Vec<u8>,
        config: &GroupConfig,
    ) -> Self {
        let secret_tree = secrets.secret_tree(tree.size(), config.secret_tree);
        secrets.encryption_secret = Secret::zero(secrets.encryption_secret.len());
        Self {
            context,
            tree,
            private,
            signer,
            secrets,
            secret_tree,
            interim_transcript_hash,
            confirmation_tag,
            proposals: Vec::new(),
            past_epochs: VecDeque::new(),
            resumption_psks: VecDeque::new(),
            psks: PskStore::new(),
            pending_update_keys: Vec::new(),
            active: true,
        }
    }
}

#[cfg(feature = "test-fixtures")]
impl<P: CryptoProvider> Group<P> {
    /// Assembles a member's state from parts, for benchmark and test
    /// fixtures that build large groups directly (for example a full tree
    /// whose every member's keys the fixture holds) instead of through
    /// thousands of commits. Only with the `test-fixtures` feature; never
    /// for production use.
    ///
    /// Checks that the parts fit together: the tree hash is the context's,
    /// and `private` matches the tree.
    #[doc(hidden)]
    #[allow(
        clippy::too_many_arguments,
        reason = "a fixture constructor takes each part of the state"
    )]
    pub fn from_fixture_parts(
        provider: P,
        config: GroupConfig,
        context: GroupContext,
        tree: RatchetTree,
        private: TreeKemPrivate,
        signer: SignaturePrivateKey,
        secrets: EpochSecrets,
        interim_transcript_hash: Vec<u8>,
        confirmation_tag: Vec<u8>,
    ) -> Result<Self, Error> {
        if tree.tree_hash() != context.tree_hash.as_slice() {
            return Err(GroupError::InconsistentState("tree hash").into());
        }
        private.check_consistent(&tree)?;
        let state = GroupState::new_epoch(
            context,
            tree,
            private,
            signer,
            secrets,
            interim_transcript_hash,
            confirmation_tag,
            &config,
        );
        Ok(Self {
            provider,
            config,
            state,
        })
    }
}
