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
//! - **Saved:** [`Group::to_bytes`] and [`Group::from_bytes`]; or a base
//!   and deltas that carry only what changed
//!   ([`Group::to_bytes_checkpoint`], [`Group::to_bytes_delta`],
//!   [`Group::from_bytes_with_deltas`]).
//! - **From outside** (§12.1.8): an [`ExternalProposer`] named by the
//!   group's `external_senders` extension proposes to a group it is not
//!   in; [`new_member_proposal`] asks to join.
//! - **Linked groups** (RFC 9420 §11.2, §11.3): after a merged ReInit,
//!   [`Group::reinit_successor`] creates the new group; [`Group::branch`]
//!   creates a subgroup; joiners pass the old group to
//!   [`JoinOptions::resumption_from`].
//!
//! Submodules:
//! - [`key_package`]: KeyPackage generation and validation (§10).
//! - [`welcome`]: the cryptographic steps of joining from a Welcome
//!   (§12.4.3.1).

mod buffer;
mod commit;
mod config;
mod epoch;
mod error;
mod external;
mod external_sender;
mod group_id;
mod join;
pub mod key_package;
mod key_package_store;
mod past;
mod process;
mod proposals;
mod psk;
mod resumption;
mod staged;
mod state;
mod validate;
pub mod welcome;

use rand_core::CryptoRng;

pub use buffer::MessageBuffer;
pub use commit::{CommitOptions, CreatedCommit};
pub use config::{
    AcceptAllCredentials, CustomProposalPolicy, ExternalCommitPolicy, GroupConfig, HandshakeFormat,
    ProposalPolicy, RefuseCustomProposals, RefuseNonMemberProposals, WireFormatPolicy,
};
pub use error::{CommitError, GreaseField, MessageError, ProposalError, StateError};
pub use external::{ExternalJoin, ExternalJoinOptions, GroupInfoOptions};
pub use external_sender::{ExternalProposer, new_member_proposal};
pub use group_id::random_group_id;
pub use join::JoinOptions;
pub use key_package::{
    KeyPackageBundle, KeyPackageError, KeyPackageKey, KeyPackageOptions, UnsupportedCapability,
    best_common_cipher_suite, check_invitees, key_package_from_message, validate_key_package,
};
pub use key_package_store::KeyPackageStore;
pub use process::{ApplicationMessage, MessageSender, Processed, ReceivedProposal};
pub use psk::PskStore;
pub use resumption::{ResumptionError, ResumptionSource};
pub use staged::{CommitEffects, StagedCommit};
pub use state::EpochParts;
pub use state::delta::StateCheckpoint;
pub use welcome::WelcomeError;

use crate::RustCryptoProvider;
use crate::codec::Encode;
use crate::crypto::{CipherSuite, CryptoProvider, Secret, SuiteCrypto};
use crate::error::Error;
use crate::framing::{
    AuthenticatedContent, FramedContent, FramedContentBody, PublicMessage, Sender,
};
use crate::framing::{MlsMessage, MlsMessageBody};
use crate::key_schedule::{EpochSecrets, GroupContext, TranscriptHashes};
use crate::messages::{
    Extensions, Proposal, ProposalRef, ProposalType, ProtocolVersion, Update, WireFormat,
};
use crate::tree::treekem::TreeKemPrivate;
use crate::tree::validate::{LeafContext, LeafRole, Timestamp, validate_leaf_node};
use crate::tree::{LeafIndex, LeafNode, LeafNodeSource, RatchetTree, TreeView};

use state::{GroupState, PendingProposal};
use validate::{ProposalValidator, check_extensions_wellformed, check_leaf_supports_extensions};

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
        let context = self.state.context();
        f.debug_struct("Group")
            .field("group_id", &context.group_id)
            .field("epoch", &context.epoch)
            .field("cipher_suite", &context.cipher_suite)
            .field("own_leaf", &self.state.own_leaf())
            .field("members", &self.state.tree().member_count())
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
    ///
    /// The group takes the version and cipher suite of `own`. A creator
    /// about to add members first checks their KeyPackages with
    /// [`check_invitees`] (RFC 9420 §11: the suite must be the best one all
    /// support, against downgrade), having chosen the suite with
    /// [`best_common_cipher_suite`]. The group ID is the application's to
    /// make unique: [`random_group_id`] draws `KDF.Nh` random bytes (§11).
    pub fn create(
        provider: P,
        config: GroupConfig,
        own: &KeyPackageBundle,
        group_id: Vec<u8>,
        extensions: Extensions,
        now: Timestamp,
        rng: &mut (impl CryptoRng + ?Sized),
    ) -> Result<Self, Error> {
        // RFC 9420 R-11-03, R-7.3-05 (docs/rfc9420-requirements.md)
        let key_package = own.key_package();
        let suite = key_package.cipher_suite;
        let crypto = SuiteCrypto::new(&provider, suite)?;
        let leaf_node = key_package.leaf_node.clone();
        // RFC 9420 §11: "the creator MUST verify that its own leaf node
        // supports the group's required capabilities" (and extensions).
        check_extensions_wellformed(&extensions)?;
        // RFC 9420 §13.5: no GREASE in GroupContext.extensions.
        validate::check_no_grease_extensions(&extensions)?;
        validate::check_external_senders(&config, &extensions)?;
        let required = validate::required_capabilities(&extensions)?;
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
        check_leaf_supports_extensions(Some(LeafIndex(0)), &leaf_node, &extensions)?;

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
        let parts = EpochParts {
            context,
            tree,
            private,
            signer: own.signature_private_key().clone(),
            secrets,
            interim_transcript_hash: transcript.interim,
            confirmation_tag,
        };
        let state = GroupState::initial(parts, PskStore::new(), &config);
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
            self.state.context().cipher_suite,
        )?)
    }

    /// The group's ID.
    pub fn group_id(&self) -> &[u8] {
        &self.state.context().group_id
    }

    /// The current epoch.
    pub fn epoch(&self) -> u64 {
        self.state.context().epoch
    }

    /// The group's cipher suite.
    pub fn cipher_suite(&self) -> CipherSuite {
        self.state.context().cipher_suite
    }

    /// The GroupContext of the current epoch (RFC 9420 §8.1).
    pub fn context(&self) -> &GroupContext {
        self.state.context()
    }

    /// The GroupContext extensions (RFC 9420 §13).
    pub fn extensions(&self) -> &Extensions {
        &self.state.context().extensions
    }

    /// The ratchet tree of the current epoch (RFC 9420 §7).
    pub fn tree(&self) -> &RatchetTree {
        self.state.tree()
    }

    /// This member's leaf.
    pub fn own_leaf(&self) -> LeafIndex {
        self.state.own_leaf()
    }

    /// This member's leaf node.
    pub fn own_leaf_node(&self) -> Option<&LeafNode> {
        self.state.tree().leaf(self.own_leaf())
    }

    /// The members, in leaf order.
    pub fn members(&self) -> impl Iterator<Item = Member<'_>> {
        self.state
            .tree()
            .members()
            .map(|(leaf, leaf_node)| Member { leaf, leaf_node })
    }

    /// The member at `leaf`, if that leaf is not blank.
    pub fn member(&self, leaf: LeafIndex) -> Option<Member<'_>> {
        self.state
            .tree()
            .leaf(leaf)
            .map(|leaf_node| Member { leaf, leaf_node })
    }

    /// The members whose basic credential has `identity`, in leaf order
    /// (one client per leaf; a user with several devices has several).
    pub fn members_with_identity<'a>(
        &'a self,
        identity: &'a [u8],
    ) -> impl Iterator<Item = Member<'a>> + 'a {
        self.members()
            .filter(move |m| m.leaf_node.credential.has_identity(identity))
    }

    /// Whether this member can still use the group: false once a commit
    /// removing it, or a ReInit, was merged (RFC 9420 §11.2, §12.4.2).
    pub fn is_active(&self) -> bool {
        self.state.is_active()
    }

    /// The caller's policies.
    pub fn config(&self) -> &GroupConfig {
        &self.config
    }

    /// Replaces the caller's policies. The state is kept, except that past
    /// epochs and resumption PSKs beyond the new `max_past_epochs` and
    /// `max_resumption_psks` are deleted at once (oldest first), with the
    /// message keys of those epochs.
    pub fn set_config(&mut self, config: GroupConfig) {
        self.config = config;
        self.state.trim_history(&self.config);
    }

    /// The epoch authenticator (RFC 9420 §8.7): equal for every member
    /// that shares this epoch's view of the group. All zeros once this
    /// member merged its own removal (its secrets are wiped, §12.4.2).
    pub fn epoch_authenticator(&self) -> &Secret {
        // RFC 9420 R-8.7-01 (docs/rfc9420-requirements.md)
        &self.state.secrets().epoch_authenticator
    }

    /// `MLS-Exporter(label, context, length)` of the current epoch
    /// (RFC 9420 §8.5). Fails with [`StateError::Inactive`] once the group
    /// is inactive: a removed member's secrets are wiped (§12.4.2).
    pub fn export_secret(
        &self,
        label: &str,
        context: &[u8],
        length: usize,
    ) -> Result<Secret, Error> {
        // RFC 9420 R-8.5-01 (docs/rfc9420-requirements.md)
        self.ensure_active()?;
        let crypto = self.crypto()?;
        self.state.secrets().export(&crypto, label, context, length)
    }

    /// The confirmation tag of the commit that started this epoch.
    pub fn confirmation_tag(&self) -> &[u8] {
        self.state.confirmation_tag()
    }

    /// The external PSKs this member holds (RFC 9420 §8.4).
    pub fn psks(&self) -> &PskStore {
        self.state.psks()
    }

    /// The external PSKs, to add or remove keys.
    pub fn psks_mut(&mut self) -> &mut PskStore {
        self.state.psks_mut()
    }

    /// The proposals received or sent by reference in this epoch, in
    /// arrival order, with their references and senders.
    pub fn pending_proposals(&self) -> impl Iterator<Item = (&ProposalRef, &Proposal, Sender)> {
        self.state
            .proposals()
            .iter()
            .map(|p| (&p.reference, &p.proposal, p.sender))
    }

    /// Drops one pending proposal of this epoch, for example one the
    /// application will not commit; returns whether it was pending.
    pub fn remove_pending_proposal(&mut self, reference: &ProposalRef) -> bool {
        self.state.remove_proposal(reference)
    }

    /// Forgets the proposals received or sent by reference in this epoch,
    /// for example when the application decides not to commit them. The
    /// private keys of this member's own proposed Updates are kept until
    /// the epoch ends, so a commit by another member that includes one of
    /// them can still be followed.
    pub fn clear_pending_proposals(&mut self) {
        self.state.clear_proposals();
    }

    /// Whether this member created a commit in this epoch that it has not
    /// merged yet (RFC 9420 §12.4).
    pub fn has_pending_commit(&self) -> bool {
        self.state.pending_commit().is_some()
    }

    /// Enters the epoch this member's pending commit starts, once the
    /// delivery service has accepted it, and returns its effects. Works
    /// after a restore too: the commit is staged again from what the saved
    /// state keeps. Fails with [`StateError::NoPendingCommit`] if there is
    /// none, and then changes nothing.
    pub fn merge_pending_commit(&mut self) -> Result<CommitEffects, Error> {
        let pending = self
            .state
            .pending_commit()
            .ok_or(StateError::NoPendingCommit)?;
        let crypto = self.crypto()?;
        let staged = self.stage_own_commit(&crypto, pending)?;
        let effects = staged.effects().clone();
        self.merge_staged_commit(staged)?;
        Ok(effects)
    }

    /// Forgets this member's pending commit, for example when the delivery
    /// service refused it. The epoch does not change.
    pub fn clear_pending_commit(&mut self) {
        self.state.clear_pending_commit();
    }

    /// The whole group state as bytes, in a versioned format (see
    /// `group::state`'s saved format). The bytes contain every secret of
    /// this member: keep them as safe as its keys.
    ///
    /// The buffer is sized exactly before anything is written, so no
    /// unwiped copy of a secret is left behind by a reallocation, and it is
    /// wiped when dropped.
    pub fn to_bytes(&self) -> Result<zeroize::Zeroizing<Vec<u8>>, Error> {
        // RFC 9420 R-6.3.1-02 (docs/rfc9420-requirements.md)
        let tree = self.state.encoded_tree()?;
        let len = self.state.saved_len(tree.len())?;
        let mut out = zeroize::Zeroizing::new(Vec::with_capacity(len));
        let capacity = out.capacity();
        self.state.encode_saved(&mut out, &tree)?;
        if out.len() != len || out.capacity() != capacity {
            return Err(Error::Internal(
                "saved state length differs from its computed length",
            ));
        }
        Ok(out)
    }

    /// Restores a group saved by [`to_bytes`](Self::to_bytes), with the
    /// caller's provider and policies (which are not part of the state).
    /// The saved tree must fit `config.max_tree_leaves`.
    ///
    /// Fails with a [`StateError`] for another format version or parts
    /// that do not fit together, a decoding error for malformed bytes, and
    /// [`TreeError::TooManyNodes`](crate::tree::TreeError::TooManyNodes)
    /// for a tree over the limit. It never panics.
    pub fn from_bytes(provider: P, config: GroupConfig, bytes: &[u8]) -> Result<Self, Error> {
        // RFC 9420 R-6.3.1-02 (docs/rfc9420-requirements.md)
        let state = GroupState::decode_saved(&provider, &config, bytes)?;
        Ok(Self {
            provider,
            config,
            state,
        })
    }

    fn ensure_active(&self) -> Result<(), Error> {
        if self.state.reinit().is_some() {
            // RFC 9420 §11.2: the old group is not used after a ReInit.
            Err(StateError::ReInitialized {
                epoch: self.state.context().epoch,
            }
            .into())
        } else if self.state.is_active() {
            Ok(())
        } else {
            Err(StateError::Inactive.into())
        }
    }

    /// Encrypts application data as a PrivateMessage of the current epoch
    /// (RFC 9420 §6.3), signed by this member, and returns the encoded
    /// `MLSMessage`. The key used is deleted (§9.2).
    ///
    /// Refused with [`StateError::ProposalsPending`] while proposals of this
    /// epoch are pending (§12.4): commit them first, or drop those the
    /// application does not want with
    /// [`remove_pending_proposal`](Self::remove_pending_proposal).
    pub fn create_message(
        &mut self,
        data: &[u8],
        authenticated_data: &[u8],
        rng: &mut (impl CryptoRng + ?Sized),
    ) -> Result<Vec<u8>, Error> {
        // RFC 9420 R-6-01, R-15.2-01 (docs/rfc9420-requirements.md)
        // §12.4: no application data while proposals are pending.
        let count = self.state.proposals().len();
        if count > 0 {
            return Err(StateError::ProposalsPending { count }.into());
        }
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
        let context = self.state.context();
        let content = FramedContent {
            group_id: context.group_id.clone(),
            epoch: context.epoch,
            sender: Sender::Member(self.own_leaf()),
            authenticated_data: authenticated_data.to_vec(),
            content: body,
        };
        let crypto = SuiteCrypto::new(&self.provider, context.cipher_suite)?;
        let signed = AuthenticatedContent::sign(
            &crypto,
            self.state.signer(),
            wire_format,
            content,
            Some(context),
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
        let crypto = SuiteCrypto::new(&self.provider, self.state.context().cipher_suite)?;
        if signed.wire_format != WireFormat::PRIVATE_MESSAGE {
            return protect_public(&crypto, &self.state, signed);
        }
        let message = self.state.encrypt(&crypto, &signed, &self.config, rng)?;
        Ok(MlsMessage::new(MlsMessageBody::PrivateMessage(message)).to_bytes()?)
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
            return Err(ProposalError::ProposalNotAllowed(ProposalType::UPDATE).into());
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
        // RFC 9420 R-5.2-01 (docs/rfc9420-requirements.md)
        self.ensure_active()?;
        let sender = Sender::Member(self.own_leaf());
        {
            let crypto = self.crypto()?;
            let validator =
                ProposalValidator::for_sending(&crypto, &self.state, &self.config, now)?;
            validator.check_proposal(&proposal, sender)?;
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
        self.state.store_proposal(PendingProposal {
            reference: reference.clone(),
            proposal,
            sender,
        });
        Ok((bytes, reference))
    }

    /// Proposes this member's own removal (RFC 9420 §12.1.3): a member
    /// cannot commit its own Remove, so another member commits it. Returns
    /// the encoded message and the proposal's reference; this member's
    /// group becomes inactive when it processes that commit.
    pub fn leave(
        &mut self,
        authenticated_data: &[u8],
        now: Timestamp,
        rng: &mut (impl CryptoRng + ?Sized),
    ) -> Result<(Vec<u8>, ProposalRef), Error> {
        let removed = self.own_leaf();
        let proposal = Proposal::Remove(crate::messages::Remove { removed });
        self.propose_checked(proposal, authenticated_data, now, rng)
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
        // RFC 9420 R-7.2-07 (docs/rfc9420-requirements.md)
        self.ensure_active()?;
        let own = self.own_leaf();
        let crypto = self.crypto()?;
        let mut leaf_node = self
            .state
            .tree()
            .leaf(own)
            .ok_or(StateError::Inactive)?
            .clone();
        let (private, public) = crypto.generate_hpke_key_pair(rng)?;
        leaf_node.encryption_key = public.clone();
        leaf_node.leaf_node_source = LeafNodeSource::Update;
        leaf_node.sign(
            &crypto,
            self.state.signer(),
            &self.state.context().group_id,
            own,
        )?;
        let proposal = Proposal::Update(Update { leaf_node });
        let sent = self.propose_checked(proposal, authenticated_data, now, rng)?;
        self.state.keep_update_key(public, private);
        Ok(sent)
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
    /// and the private keys match the tree.
    #[doc(hidden)]
    pub fn from_fixture_parts(
        provider: P,
        config: GroupConfig,
        parts: EpochParts,
    ) -> Result<Self, Error> {
        if parts.tree.tree_hash() != parts.context.tree_hash.as_slice() {
            return Err(StateError::TreeHashMismatch.into());
        }
        parts.private.check_consistent(&parts.tree)?;
        let state = GroupState::initial(parts, PskStore::new(), &config);
        Ok(Self {
            provider,
            config,
            state,
        })
    }
}

/// `signed` framed as a member's PublicMessage of `state`'s epoch, with its
/// membership tag (RFC 9420 §6.2), and encoded. Changes nothing, unlike a
/// PrivateMessage, which takes a key from the secret tree.
pub(crate) fn protect_public(
    crypto: &SuiteCrypto<'_>,
    state: &GroupState,
    signed: AuthenticatedContent,
) -> Result<Vec<u8>, Error> {
    let message = PublicMessage::protect_member(
        crypto,
        signed,
        state.context(),
        &state.secrets().membership_key,
    )?;
    Ok(MlsMessage::new(MlsMessageBody::PublicMessage(message)).to_bytes()?)
}
