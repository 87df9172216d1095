//! A validated commit waiting to be merged (RFC 9420 §12.4.2), received
//! or created by this member.

use std::collections::BTreeMap;

use super::error::GroupError;
use super::past::PastEpoch;
use super::{Group, GroupState};
use crate::crypto::{CryptoProvider, Secret, SignaturePublicKey};
use crate::error::Error;
use crate::framing::Sender;
use crate::key_schedule::{EpochSecrets, GroupContext};
use crate::messages::{Extensions, KeyPackage, PreSharedKeyId, ReInit};
use crate::tree::TreeView;
use crate::tree::treekem::TreeKemPrivate;
use crate::tree::{LeafIndex, LeafNode, StagedTree};

/// What a commit changes, for the application to inspect before merging
/// (RFC 9420 §12.4.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitEffects {
    /// Who committed.
    pub committer: Sender,
    /// The epoch the commit starts.
    pub new_epoch: u64,
    /// Members added, with the leaf each takes and its KeyPackage.
    pub added: Vec<(LeafIndex, KeyPackage)>,
    /// Members removed, with the leaf node they had.
    pub removed: Vec<(LeafIndex, LeafNode)>,
    /// Members whose leaf an Update proposal replaced, with the new leaf.
    pub updated: Vec<(LeafIndex, LeafNode)>,
    /// The committer's new leaf, if the commit carries an UpdatePath.
    pub path_leaf: Option<LeafNode>,
    /// The PSKs the new epoch's key schedule takes in, in order.
    pub psks: Vec<PreSharedKeyId>,
    /// The new GroupContext extensions, if a GroupContextExtensions
    /// proposal replaced them.
    pub extensions: Option<Extensions>,
    /// A ReInit proposal's parameters: after merging, the group can no
    /// longer send (RFC 9420 §11.2, §12.4.2).
    pub reinit: Option<ReInit>,
    /// Whether the commit removes this member.
    pub removes_self: bool,
}

/// The state of the next epoch.
#[derive(Debug)]
pub(crate) struct NextEpoch {
    pub(crate) context: GroupContext,
    pub(crate) tree: StagedTree,
    pub(crate) private: TreeKemPrivate,
    pub(crate) secrets: EpochSecrets,
    pub(crate) interim_transcript_hash: Vec<u8>,
    pub(crate) confirmation_tag: Vec<u8>,
}

/// A commit that passed every check of RFC 9420 §12.4.2, with the next
/// epoch computed but not entered. Inspect [`effects`](Self::effects),
/// then merge it with [`Group::merge_staged_commit`] or drop it, which
/// leaves the group in its current epoch.
#[derive(Debug)]
pub struct StagedCommit {
    /// The epoch and tree hash the commit was staged on.
    pub(crate) base_epoch: u64,
    pub(crate) base_tree_hash: Vec<u8>,
    pub(crate) effects: CommitEffects,
    /// `None` when the commit removes this member.
    pub(crate) next: Option<NextEpoch>,
    /// The old signature key of every leaf the commit changed.
    pub(crate) changed_leaves: BTreeMap<LeafIndex, Option<SignaturePublicKey>>,
}

impl StagedCommit {
    /// What the commit changes.
    pub fn effects(&self) -> &CommitEffects {
        &self.effects
    }

    /// The epoch authenticator of the new epoch (RFC 9420 §8.7), `None`
    /// if the commit removes this member.
    pub fn epoch_authenticator(&self) -> Option<&Secret> {
        self.next.as_ref().map(|n| &n.secrets.epoch_authenticator)
    }

    /// The GroupContext of the new epoch, `None` if the commit removes
    /// this member.
    pub fn new_context(&self) -> Option<&GroupContext> {
        self.next.as_ref().map(|n| &n.context)
    }
}

impl<P: CryptoProvider> Group<P> {
    /// Enters the epoch a staged commit starts (RFC 9420 §12.4.2): the
    /// tree, private keys, GroupContext, transcript hashes and key
    /// schedule of the new epoch replace the old; the proposals of the
    /// old epoch are dropped; the old epoch's message keys are kept for
    /// late application messages if the configuration keeps past epochs.
    ///
    /// A commit that removes this member leaves the group inactive
    /// ([`Group::is_active`]). Fails only with
    /// [`GroupError::StaleStagedCommit`] if the commit was staged on
    /// another epoch or state, and then changes nothing.
    pub fn merge_staged_commit(&mut self, staged: StagedCommit) -> Result<(), Error> {
        if staged.base_epoch != self.state.context.epoch
            || staged.base_tree_hash != self.state.context.tree_hash
            || !self.state.active
        {
            return Err(GroupError::StaleStagedCommit.into());
        }
        let StagedCommit {
            effects,
            next,
            changed_leaves,
            ..
        } = staged;
        let Some(next) = next else {
            self.state.active = false;
            self.state.proposals.clear();
            self.state.pending_update_keys.clear();
            return Ok(());
        };
        let state = &mut self.state;

        // Keep what late application messages of this epoch need.
        let keep_past = self.config.max_past_epochs;
        let new_secret_tree = next
            .secrets
            .secret_tree(next.tree.size(), self.config.secret_tree);
        let mut secrets = next.secrets;
        secrets.encryption_secret = Secret::zero(secrets.encryption_secret.len());
        let old_secrets = core::mem::replace(&mut state.secrets, secrets);
        let old_secret_tree = core::mem::replace(&mut state.secret_tree, new_secret_tree);
        let old_context = core::mem::replace(&mut state.context, next.context);
        if keep_past > 0 {
            state.past_epochs.push_back(PastEpoch {
                context: old_context.clone(),
                sender_data_secret: old_secrets.sender_data_secret,
                secret_tree: old_secret_tree,
                changed_leaves,
            });
        }
        while state.past_epochs.len() > keep_past {
            state.past_epochs.pop_front();
        }
        if self.config.max_resumption_psks > 0 {
            state
                .resumption_psks
                .push_back((old_context.epoch, old_secrets.resumption_psk));
        }
        while state.resumption_psks.len() > self.config.max_resumption_psks {
            state.resumption_psks.pop_front();
        }

        state.tree.merge(next.tree);
        state.private = next.private;
        state.private.prune(&state.tree);
        state.interim_transcript_hash = next.interim_transcript_hash;
        state.confirmation_tag = next.confirmation_tag;
        state.proposals.clear();
        state.pending_update_keys.clear();
        if effects.reinit.is_some() {
            // §12.4.2: after a ReInit the group is not used to send.
            state.active = false;
        }
        Ok(())
    }
}

impl GroupState {
    /// The signature key `leaf` had in the epoch at position `index` of
    /// the past epochs, or `None` if it was blank.
    pub(crate) fn past_signature_key(
        &self,
        index: usize,
        leaf: LeafIndex,
    ) -> Option<&SignaturePublicKey> {
        for past in self.past_epochs.iter().skip(index) {
            if let Some(key) = past.changed_leaves.get(&leaf) {
                return key.as_ref();
            }
        }
        self.tree.leaf(leaf).map(|l| &l.signature_key)
    }
}
