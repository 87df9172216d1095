//! A member's state in one epoch and its transitions (RFC 9420 §8, §9,
//! §12.4.2): the constructors for a new, joined and restored group, entering
//! the next epoch, trimming the history of past epochs, and the lookups
//! that reach into that history (PSKs, late senders' keys).
//!
//! The fields are private to this module: every change to a member's state
//! goes through a method here, so the invariants (the secret tree matches
//! the tree, the encryption secret is wiped once used, history is bounded
//! by the configuration) hold in one place.

pub(crate) mod delta;
mod saved;

use std::collections::{BTreeMap, VecDeque};

use rand_core::CryptoRng;

use super::config::GroupConfig;
use super::error::ProposalError;
use super::past::PastEpoch;
use super::psk::PskStore;
use super::staged::NextEpoch;
use crate::crypto::{HpkePrivateKey, HpkePublicKey, Secret, SignaturePrivateKey, SuiteCrypto};
use crate::error::Error;
use crate::framing::{AuthenticatedContent, PrivateMessage, Sender};
use crate::key_schedule::{EpochSecrets, GroupContext};
use crate::messages::{PreSharedKeyId, Proposal, ProposalRef, PskKind, ReInit};
use crate::secret_tree::{SecretTree, StagedKey};
use crate::tree::treekem::TreeKemPrivate;
use crate::tree::validate::Timestamp;
use crate::tree::{LeafIndex, LeafNode, RatchetTree, TreeView};

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

/// The parts of a member's state at the start of an epoch: what creating,
/// joining and (for fixtures) assembling a group produce.
#[derive(Debug, Clone)]
pub struct EpochParts {
    /// The epoch's GroupContext (RFC 9420 §8.1).
    pub context: GroupContext,
    /// The ratchet tree; its tree hash is the context's.
    pub tree: RatchetTree,
    /// This member's private TreeKEM keys, consistent with `tree`.
    pub private: TreeKemPrivate,
    /// This member's signature key.
    pub signer: SignaturePrivateKey,
    /// The epoch's secrets (RFC 9420 §8).
    pub secrets: EpochSecrets,
    /// The interim transcript hash (RFC 9420 §8.2).
    pub interim_transcript_hash: Vec<u8>,
    /// The confirmation tag of the commit that started the epoch.
    pub confirmation_tag: Vec<u8>,
}

/// A commit this member created and sent, kept until it is merged, cleared,
/// or superseded by another member's commit for the epoch: what is needed to
/// recognise it when the delivery service echoes it back and to stage it
/// again after a restore (RFC 9420 §12.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PendingCommit {
    /// The MLSMessage as sent.
    pub(crate) message: Vec<u8>,
    /// The signed commit with its confirmation tag.
    pub(crate) content: AuthenticatedContent,
    /// This member's private TreeKEM keys in the new epoch.
    pub(crate) private: TreeKemPrivate,
    /// The commit secret (from the path, or zero without one).
    pub(crate) commit_secret: Secret,
    /// The time the proposals were validated at.
    pub(crate) now: Timestamp,
}

/// A kept resumption PSK of a past epoch (RFC 9420 §8.6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ResumptionPsk {
    pub(crate) epoch: u64,
    pub(crate) psk: Secret,
}

crate::codec_struct!(ResumptionPsk { epoch, psk });

/// The resumption PSK of another group that links a new group to it: the
/// `reinit` PSK of a ReInit's successor or the `branch` PSK of a subgroup
/// (RFC 9420 §11.2, §11.3), usable only by the new group's first commit
/// (at epoch 0) and dropped when that commit is merged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LinkPsk {
    pub(crate) id: PreSharedKeyId,
    pub(crate) psk: Secret,
}

/// The private key of a leaf this member proposed in an Update
/// (RFC 9420 §12.1.2), kept until a commit applies it or the epoch ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UpdateKey {
    pub(crate) public: HpkePublicKey,
    pub(crate) private: HpkePrivateKey,
}

crate::codec_struct!(UpdateKey { public, private });

/// Everything a member holds about a group in one epoch. Cloning it is
/// O(n) in the tree; nothing in the processing paths does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GroupState {
    context: GroupContext,
    tree: RatchetTree,
    private: TreeKemPrivate,
    signer: SignaturePrivateKey,
    /// The epoch's secrets; `encryption_secret` is overwritten with zeros
    /// once the secret tree is built from it (§9.2).
    secrets: EpochSecrets,
    secret_tree: SecretTree,
    interim_transcript_hash: Vec<u8>,
    /// The confirmation tag of the commit that started the epoch (for
    /// GroupInfo, §12.4.3).
    confirmation_tag: Vec<u8>,
    proposals: Vec<PendingProposal>,
    /// Oldest first.
    past_epochs: VecDeque<PastEpoch>,
    /// Resumption PSKs of past epochs, oldest first (§8.6).
    resumption_psks: VecDeque<ResumptionPsk>,
    psks: PskStore,
    /// Private keys of the leaves this member proposed in Update
    /// proposals this epoch (RFC 9420 §12.1.2).
    pending_update_keys: Vec<UpdateKey>,
    /// The commit this member sent in this epoch and has not merged.
    pending_commit: Option<PendingCommit>,
    /// Whether this member is still in the group.
    active: bool,
    /// The ReInit of the last merged commit: the group is then inactive
    /// and keeps what its successor needs (RFC 9420 §11.2).
    reinit: Option<ReInit>,
    /// The PSK linking this new group to its predecessor or parent, until
    /// its first commit is merged (RFC 9420 §11.2, §11.3); never saved
    /// (the creating function merges that commit before returning).
    link_psk: Option<LinkPsk>,
}

impl GroupState {
    /// The state at the start of a group's first epoch for this member:
    /// after creating it (§11) or joining it (§12.4.3.1). Builds the secret
    /// tree and wipes the encryption secret it came from (§9.2).
    pub(crate) fn initial(parts: EpochParts, psks: PskStore, config: &GroupConfig) -> Self {
        let EpochParts {
            context,
            tree,
            private,
            signer,
            mut secrets,
            interim_transcript_hash,
            confirmation_tag,
        } = parts;
        let secret_tree = take_secret_tree(&mut secrets, &tree, config);
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
            psks,
            pending_update_keys: Vec::new(),
            pending_commit: None,
            active: true,
            reinit: None,
            link_psk: None,
        }
    }

    /// Enters the epoch a staged commit computed (RFC 9420 §12.4.2): the
    /// new tree, keys, context, transcript hash and secrets replace the old;
    /// the old epoch's proposals and Update keys are dropped; what late
    /// application messages and resumption PSKs need of the old epoch is
    /// kept as far as `config` allows. Fails, changing nothing, only if the
    /// staged tree does not belong to this state's tree, which the caller
    /// has already ruled out.
    pub(crate) fn enter_epoch(
        &mut self,
        next: NextEpoch,
        previous_leaves: BTreeMap<LeafIndex, Option<LeafNode>>,
        config: &GroupConfig,
    ) -> Result<(), Error> {
        // RFC 9420 R-7.5-05, R-9.2-01, R-15.2-01 (docs/rfc9420-requirements.md)
        let NextEpoch {
            context,
            tree,
            private,
            mut secrets,
            interim_transcript_hash,
            confirmation_tag,
        } = next;
        // First: the one step that can fail.
        self.tree.merge(tree)?;
        let secret_tree = take_secret_tree(&mut secrets, &self.tree, config);
        let old_secrets = core::mem::replace(&mut self.secrets, secrets);
        let old_secret_tree = core::mem::replace(&mut self.secret_tree, secret_tree);
        let old_context = core::mem::replace(&mut self.context, context);
        let old_epoch = old_context.epoch;
        if config.max_past_epochs > 0 {
            self.past_epochs.push_back(PastEpoch {
                context: old_context,
                sender_data_secret: old_secrets.sender_data_secret.clone(),
                secret_tree: old_secret_tree,
                previous_leaves,
            });
        }
        if config.max_resumption_psks > 0 {
            self.resumption_psks.push_back(ResumptionPsk {
                epoch: old_epoch,
                psk: old_secrets.resumption_psk.clone(),
            });
        }
        self.private = private;
        self.private.prune(&self.tree);
        self.interim_transcript_hash = interim_transcript_hash;
        self.confirmation_tag = confirmation_tag;
        self.proposals.clear();
        self.pending_update_keys.clear();
        self.pending_commit = None;
        self.link_psk = None;
        self.trim_history(config);
        Ok(())
    }

    /// Leaves the group after a merged commit that removed this member or
    /// a ReInit (RFC 9420 §11.2, §12.4.2): the group can no longer send;
    /// pending proposals and Update keys are dropped.
    pub(crate) fn deactivate(&mut self) {
        // RFC 9420 R-12.4.2-06, R-12.4.2-07 (docs/rfc9420-requirements.md)
        self.active = false;
        self.proposals.clear();
        self.pending_update_keys.clear();
        self.pending_commit = None;
    }

    /// Leaves the group after a merged commit with a ReInit (RFC 9420
    /// §11.2): the group is inactive, and keeps the ReInit and the current
    /// epoch (the one the commit started, whose `resumption_psk` links the
    /// successor) for [`Group::reinit_successor`](super::Group::reinit_successor).
    pub(crate) fn deactivate_for_reinit(&mut self, reinit: ReInit) {
        self.deactivate();
        self.reinit = Some(reinit);
    }

    /// The ReInit of the last merged commit, if any (RFC 9420 §11.2).
    pub(crate) fn reinit(&self) -> Option<&ReInit> {
        self.reinit.as_ref()
    }

    /// Sets the PSK that links this new group (at epoch 0) to another
    /// group, for its first commit (RFC 9420 §11.2, §11.3).
    pub(crate) fn set_link_psk(&mut self, link: LinkPsk) {
        self.link_psk = Some(link);
    }

    /// The ID of the PSK linking this group to another, while the group is
    /// at epoch 0 (RFC 9420 §11.2, §11.3).
    pub(crate) fn link_psk_id(&self) -> Option<&PreSharedKeyId> {
        self.link_psk
            .as_ref()
            .filter(|_| self.context.epoch == 0)
            .map(|l| &l.id)
    }

    /// Leaves the group after a merged commit that removed this member
    /// (RFC 9420 §12.4.2: "SHOULD delete the group state promptly"), as
    /// [`deactivate`](Self::deactivate) does, and wipes every secret of the
    /// group: the epoch secrets (overwritten with zeros), the secret tree
    /// (replaced by one grown from a zero root), the TreeKEM private keys,
    /// the kept past epochs and resumption PSKs.
    /// An inactive group processes no message, so nothing is kept for late
    /// ones. What remains is public (context, tree, transcript hash) or
    /// the application's own (signature key, external PSKs).
    pub(crate) fn wipe_after_removal(&mut self) {
        // RFC 9420 R-12.4.2-07 (docs/rfc9420-requirements.md)
        self.deactivate();
        let EpochSecrets {
            sender_data_secret,
            encryption_secret,
            exporter_secret,
            external_secret,
            confirmation_key,
            membership_key,
            resumption_psk,
            epoch_authenticator,
            init_secret,
        } = &mut self.secrets;
        for secret in [
            sender_data_secret,
            encryption_secret,
            exporter_secret,
            external_secret,
            confirmation_key,
            membership_key,
            resumption_psk,
            epoch_authenticator,
            init_secret,
        ] {
            *secret = Secret::zero(secret.len());
        }
        // A secret tree of the same size whose root is zeros: nothing
        // derived from the old one is left.
        let nh = self.secrets.init_secret.len();
        self.secret_tree = SecretTree::with_config(
            Secret::zero(nh),
            self.secret_tree.size(),
            self.secret_tree.config(),
        );
        self.private.clear();
        self.past_epochs.clear();
        self.resumption_psks.clear();
    }

    /// Keeps the commit this member just created as the epoch's pending
    /// commit, replacing any earlier one.
    pub(crate) fn set_pending_commit(&mut self, pending: PendingCommit) {
        self.pending_commit = Some(pending);
    }

    /// The commit this member sent in this epoch and has not merged.
    pub(crate) fn pending_commit(&self) -> Option<&PendingCommit> {
        self.pending_commit.as_ref()
    }

    /// Forgets the pending commit.
    pub(crate) fn clear_pending_commit(&mut self) {
        self.pending_commit = None;
    }

    /// Drops the oldest past epochs and resumption PSKs beyond what
    /// `config` keeps (`max_past_epochs`, `max_resumption_psks`).
    pub(crate) fn trim_history(&mut self, config: &GroupConfig) {
        // RFC 9420 R-8.6-01 (docs/rfc9420-requirements.md)
        let drop_past = self
            .past_epochs
            .len()
            .saturating_sub(config.max_past_epochs);
        self.past_epochs.drain(..drop_past);
        let drop_psks = self
            .resumption_psks
            .len()
            .saturating_sub(config.max_resumption_psks);
        self.resumption_psks.drain(..drop_psks);
    }

    /// The PSK `id` names: an external PSK from the store, the PSK linking
    /// this new group to its predecessor or parent (§11.2, §11.3), or the
    /// resumption PSK of this group's current or a kept past epoch
    /// (RFC 9420 §8.4, §8.6). A resumption PSK of an earlier epoch of this
    /// group that is no longer kept fails with
    /// [`ProposalError::ResumptionPskNotKept`].
    pub(crate) fn resolve_psk(&self, id: &PreSharedKeyId) -> Result<&Secret, Error> {
        // RFC 9420 R-8.6-02, R-12.4.2-02 (docs/rfc9420-requirements.md)
        if let Some(link) = self.link_psk.as_ref().filter(|l| l.id == *id) {
            if self.context.epoch == 0 {
                return Ok(&link.psk);
            }
        }
        match &id.psk {
            PskKind::External { psk_id } => self.psks.get(psk_id),
            PskKind::Resumption {
                psk_group_id,
                psk_epoch,
                ..
            } => {
                if *psk_group_id != self.context.group_id {
                    None
                } else if *psk_epoch == self.context.epoch {
                    Some(&self.secrets.resumption_psk)
                } else if let Some(p) = self.resumption_psks.iter().find(|p| p.epoch == *psk_epoch)
                {
                    Some(&p.psk)
                } else if *psk_epoch < self.context.epoch {
                    // RFC 9420 §8.6: only `max_resumption_psks` past
                    // epochs are kept.
                    return Err(ProposalError::ResumptionPskNotKept {
                        group_id: psk_group_id.clone(),
                        epoch: *psk_epoch,
                    }
                    .into());
                } else {
                    None
                }
            }
        }
        .ok_or_else(|| ProposalError::UnknownPsk(Box::new(id.clone())).into())
    }

    /// The resumption PSKs of the current and the kept past epochs, as
    /// `(epoch, psk)`, newest first (RFC 9420 §8.6).
    pub(crate) fn resumption_psks(&self) -> impl Iterator<Item = (u64, &Secret)> {
        core::iter::once((self.context.epoch, &self.secrets.resumption_psk))
            .chain(self.resumption_psks.iter().rev().map(|p| (p.epoch, &p.psk)))
    }

    /// The kept past epoch `epoch` and its position, oldest first.
    pub(crate) fn past_epoch(&self, epoch: u64) -> Option<(usize, &PastEpoch)> {
        self.past_epochs
            .iter()
            .enumerate()
            .find(|(_, p)| p.context.epoch == epoch)
    }

    /// The leaf `leaf` had in the past epoch at position `index`, or
    /// `None` if it was blank.
    pub(crate) fn past_leaf(&self, index: usize, leaf: LeafIndex) -> Option<&LeafNode> {
        for past in self.past_epochs.iter().skip(index) {
            if let Some(node) = past.previous_leaves.get(&leaf) {
                return node.as_ref();
            }
        }
        self.tree.leaf(leaf)
    }

    /// Deletes a message key used by an accepted PrivateMessage of the
    /// current epoch (`past_index: None`) or a kept past epoch (§9.2).
    pub(crate) fn consume_message_key(
        &mut self,
        past_index: Option<usize>,
        key: StagedKey,
    ) -> Result<(), Error> {
        let tree = match past_index {
            None => &mut self.secret_tree,
            Some(i) => {
                &mut self
                    .past_epochs
                    .get_mut(i)
                    .ok_or(Error::Internal("past epoch vanished"))?
                    .secret_tree
            }
        };
        tree.merge_staged_key(key)
    }

    /// Encrypts signed content of the current epoch as a PrivateMessage
    /// with the sender's next ratchet key, which is deleted (§6.3, §9.2).
    pub(crate) fn encrypt(
        &mut self,
        crypto: &SuiteCrypto<'_>,
        signed: &AuthenticatedContent,
        config: &GroupConfig,
        rng: &mut (impl CryptoRng + ?Sized),
    ) -> Result<PrivateMessage, Error> {
        PrivateMessage::protect(
            crypto,
            signed,
            &mut self.secret_tree,
            &self.secrets.sender_data_secret,
            config.padding,
            rng,
        )
    }

    /// Stores a proposal received or sent by reference, once.
    pub(crate) fn store_proposal(&mut self, proposal: PendingProposal) {
        // RFC 9420 R-12.1-01 (docs/rfc9420-requirements.md)
        if !self
            .proposals
            .iter()
            .any(|p| p.reference == proposal.reference)
        {
            self.proposals.push(proposal);
        }
    }

    /// Drops the pending proposal `reference`; whether it was there.
    pub(crate) fn remove_proposal(&mut self, reference: &ProposalRef) -> bool {
        let before = self.proposals.len();
        self.proposals.retain(|p| p.reference != *reference);
        self.proposals.len() != before
    }

    /// Forgets the pending proposals of the epoch.
    pub(crate) fn clear_proposals(&mut self) {
        self.proposals.clear();
    }

    /// Keeps the private key of a leaf this member proposed in an Update.
    pub(crate) fn keep_update_key(&mut self, public: HpkePublicKey, private: HpkePrivateKey) {
        self.pending_update_keys.push(UpdateKey { public, private });
    }

    /// The private key of the leaf with encryption key `public` that this
    /// member proposed in an Update this epoch.
    pub(crate) fn update_key(&self, public: &HpkePublicKey) -> Option<&HpkePrivateKey> {
        self.pending_update_keys
            .iter()
            .find(|k| k.public == *public)
            .map(|k| &k.private)
    }

    /// The epoch's GroupContext.
    pub(crate) fn context(&self) -> &GroupContext {
        &self.context
    }

    /// The ratchet tree.
    pub(crate) fn tree(&self) -> &RatchetTree {
        &self.tree
    }

    /// This member's private TreeKEM keys.
    pub(crate) fn private(&self) -> &TreeKemPrivate {
        &self.private
    }

    /// This member's leaf.
    pub(crate) fn own_leaf(&self) -> LeafIndex {
        self.private.own_leaf()
    }

    /// This member's signature key.
    pub(crate) fn signer(&self) -> &SignaturePrivateKey {
        &self.signer
    }

    /// The epoch's secrets (the encryption secret wiped).
    pub(crate) fn secrets(&self) -> &EpochSecrets {
        &self.secrets
    }

    /// The secret tree of the current epoch.
    pub(crate) fn secret_tree(&self) -> &SecretTree {
        &self.secret_tree
    }

    /// The interim transcript hash.
    pub(crate) fn interim_transcript_hash(&self) -> &[u8] {
        &self.interim_transcript_hash
    }

    /// The confirmation tag of the commit that started the epoch.
    pub(crate) fn confirmation_tag(&self) -> &[u8] {
        &self.confirmation_tag
    }

    /// The pending proposals of the epoch, in arrival order.
    pub(crate) fn proposals(&self) -> &[PendingProposal] {
        &self.proposals
    }

    /// The external PSKs.
    pub(crate) fn psks(&self) -> &PskStore {
        &self.psks
    }

    /// The external PSKs, to add or remove keys.
    pub(crate) fn psks_mut(&mut self) -> &mut PskStore {
        &mut self.psks
    }

    /// Whether this member is still in the group: false once removed or
    /// after a ReInit.
    pub(crate) fn is_active(&self) -> bool {
        self.active && self.reinit.is_none()
    }
}

/// Builds an epoch's secret tree for `tree` from its encryption secret and
/// wipes that secret (RFC 9420 §9.2: it is deleted once used).
fn take_secret_tree(
    secrets: &mut EpochSecrets,
    tree: &RatchetTree,
    config: &GroupConfig,
) -> SecretTree {
    // RFC 9420 R-9.2-01 (docs/rfc9420-requirements.md)
    let len = secrets.encryption_secret.len();
    let encryption_secret = core::mem::replace(&mut secrets.encryption_secret, Secret::zero(len));
    SecretTree::with_config(encryption_secret, tree.size(), config.secret_tree)
}
