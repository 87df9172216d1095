//! A validated commit waiting to be merged (RFC 9420 §12.4.2), received
//! or created by this member.

use std::collections::BTreeMap;

use super::Group;
use super::error::StateError;
use crate::crypto::{CryptoProvider, Secret};
use crate::error::Error;
use crate::framing::Sender;
use crate::key_schedule::{EpochSecrets, GroupContext};
use crate::messages::{Credential, CustomProposal, Extensions, KeyPackage, PreSharedKeyId, ReInit};
use crate::tree::treekem::TreeKemPrivate;
use crate::tree::{LeafIndex, LeafNode, StagedTree};

/// What a commit changes, for the application to inspect before merging
/// (RFC 9420 §12.4.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitEffects {
    /// Who committed.
    pub committer: Sender,
    /// The committer's credential in the epoch the commit was sent in.
    pub committer_credential: Credential,
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
    /// The application-defined proposals the commit carries, in list
    /// order, for the application to act on when it merges (RFC 9420 §13).
    pub custom_proposals: Vec<CustomProposal>,
    /// Whether the commit removes this member.
    pub removes_self: bool,
    /// Whether merging this commit, another member's, discards the commit
    /// this member sent in the same epoch and has not merged: the delivery
    /// service accepted the other one first, so this member's proposals by
    /// value and its path were not applied and must be sent again.
    pub discards_pending_commit: bool,
    /// For an external commit (RFC 9420 §12.4.3.2): the leaf the new
    /// member took; its leaf node is [`path_leaf`](Self::path_leaf).
    pub external_joiner: Option<LeafIndex>,
}

/// The state of the next epoch.
#[derive(Debug, Clone)]
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
#[derive(Debug, Clone)]
pub struct StagedCommit {
    /// The epoch, tree hash and member (leaf) the commit was staged for.
    pub(crate) base_epoch: u64,
    pub(crate) base_tree_hash: Vec<u8>,
    pub(crate) base_own_leaf: LeafIndex,
    pub(crate) effects: CommitEffects,
    /// `None` when the commit removes this member.
    pub(crate) next: Option<NextEpoch>,
    /// The signature key every leaf the commit changed had before.
    pub(crate) previous_leaves: BTreeMap<LeafIndex, Option<LeafNode>>,
}

impl StagedCommit {
    /// What the commit changes.
    pub fn effects(&self) -> &CommitEffects {
        &self.effects
    }

    /// The epoch authenticator of the new epoch (RFC 9420 §8.7), `None`
    /// if the commit removes this member.
    pub fn epoch_authenticator(&self) -> Option<&Secret> {
        // RFC 9420 R-8.7-01 (docs/rfc9420-requirements.md)
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
    /// A commit that removes this member, or a ReInit, leaves the group
    /// inactive ([`Group::is_active`]). A commit that removes this member
    /// also wipes the group's secrets (RFC 9420 §12.4.2): epoch secrets,
    /// secret tree, private TreeKEM keys, past epochs and resumption PSKs.
    /// An inactive group processes no message; to read application
    /// messages of the last epoch that arrive after the removing commit,
    /// keep the [`StagedCommit`] and process them before merging it. Fails only with
    /// [`StateError::StaleStagedCommit`] if the commit was staged on
    /// another epoch or state, or by another member (or
    /// [`StateError::Inactive`]), and then changes nothing.
    pub fn merge_staged_commit(&mut self, staged: StagedCommit) -> Result<(), Error> {
        // RFC 9420 R-12.1.5-02, R-12.4.2-06 (docs/rfc9420-requirements.md)
        self.ensure_active()?;
        let current = self.state.context();
        // A commit staged by another member of the group (same epoch and
        // tree) carries that member's private keys: refused too.
        if staged.base_epoch != current.epoch
            || staged.base_tree_hash != current.tree_hash
            || staged.base_own_leaf != self.own_leaf()
        {
            return Err(StateError::StaleStagedCommit {
                staged: staged.base_epoch,
                current: current.epoch,
            }
            .into());
        }
        let StagedCommit {
            effects,
            next,
            previous_leaves,
            ..
        } = staged;
        match next {
            Some(next) => {
                let CommitEffects { added, reinit, .. } = effects;
                // The added KeyPackages (thousands in a large batch of
                // Adds) are freed beside the entry into the new epoch.
                let (entered, ()) = crate::par::join_if(
                    added.len() >= crate::par::MIN_ITEMS,
                    || self.state.enter_epoch(next, previous_leaves, &self.config),
                    move || drop(added),
                );
                entered?;
                if let Some(reinit) = reinit {
                    // §11.2, §12.4.2: after a ReInit the group is not used
                    // to send; it keeps the ReInit and this epoch's
                    // resumption PSK for its successor.
                    self.state.deactivate_for_reinit(reinit);
                }
            }
            // §12.4.2: removed, its secrets are deleted at once.
            None => self.state.wipe_after_removal(),
        }
        Ok(())
    }
}
