//! Creating a commit and its Welcome (RFC 9420 §12.4.1, §12.4.3), and the
//! key schedule step shared with received commits (§8, §12.4.2).

use std::collections::{BTreeMap, BTreeSet, HashSet};

use rand_core::CryptoRng;

use super::error::GroupError;
use super::proposals::{Checker, Resolved};
use super::staged::{CommitEffects, NextEpoch, StagedCommit};
use super::{Group, GroupState};
use crate::codec::Encode;
use crate::crypto::{CryptoProvider, Secret, SuiteCrypto};
use crate::error::Error;
use crate::framing::{AuthenticatedContent, FramedContent, FramedContentBody, Sender};
use crate::key_schedule::{
    ConfirmedTranscriptHashInput, confirmed_transcript_hash, interim_transcript_hash,
};
use crate::key_schedule::{
    EpochSecrets, GroupContext, JoinerSecret, WelcomeSecret, psk_secret, zero_psk_secret,
};
use crate::messages::{
    Commit, EncryptedGroupSecrets, Extensions, GroupInfo, GroupSecrets, KeyPackageRef, MlsMessage,
    MlsMessageBody, PathSecret, PreSharedKeyId, Proposal, ProposalOrRef, RatchetTreeExtension,
    Welcome,
};
use crate::tree::treekem::{self, PendingPath};
use crate::tree::validate::Timestamp;
use crate::tree::{LeafIndex, TreeDiff, TreeView};

/// The label of the group-secrets encryption (RFC 9420 §12.4.3.1).
const WELCOME_LABEL: &str = "Welcome";

/// How to build a commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitOptions {
    /// Proposals to include by value (RFC 9420 §12.4), after the pending
    /// proposals of the epoch.
    pub proposals: Vec<Proposal>,
    /// Whether to include the valid pending proposals received (or sent)
    /// by reference in this epoch. RFC 9420 §12.4 expects a committer to
    /// include every valid proposal it received; the default is `true`.
    pub include_pending: bool,
    /// Whether to include an UpdatePath when the proposals do not require
    /// one (RFC 9420 §12.4: required for an empty commit and for Update,
    /// Remove and GroupContextExtensions proposals). Default `true`: every
    /// commit then refreshes the committer's keys.
    pub update_path: bool,
    /// Whether the Welcome's GroupInfo carries the ratchet tree in a
    /// `ratchet_tree` extension (RFC 9420 §12.4.3.3). With `false`, the
    /// caller delivers the tree out of band ([`Group::tree`] after the
    /// merge, or [`CreatedCommit::ratchet_tree`]).
    pub ratchet_tree_in_welcome: bool,
    /// Whether to also return a signed GroupInfo of the new epoch.
    pub group_info: bool,
    /// Application data bound to the commit (RFC 9420 §6).
    pub authenticated_data: Vec<u8>,
}

impl Default for CommitOptions {
    fn default() -> Self {
        Self {
            proposals: Vec::new(),
            include_pending: true,
            update_path: true,
            ratchet_tree_in_welcome: true,
            group_info: false,
            authenticated_data: Vec::new(),
        }
    }
}

impl CommitOptions {
    /// Options committing `proposals` by value, with the defaults
    /// otherwise.
    pub fn with_proposals(proposals: Vec<Proposal>) -> Self {
        Self {
            proposals,
            ..Self::default()
        }
    }
}

/// A commit this member created: the messages to send and the staged
/// commit to merge once the delivery service has accepted the commit.
#[derive(Debug)]
pub struct CreatedCommit {
    /// The encoded MLSMessage carrying the commit.
    pub commit: Vec<u8>,
    /// The encoded MLSMessage carrying the Welcome, if members were added.
    pub welcome: Option<Vec<u8>>,
    /// The encoded MLSMessage carrying a signed GroupInfo of the new
    /// epoch, if [`CommitOptions::group_info`] asked for it.
    pub group_info: Option<Vec<u8>>,
    /// The ratchet tree of the new epoch, encoded as in the
    /// `ratchet_tree` extension, when the Welcome does not carry it.
    pub ratchet_tree: Option<Vec<u8>>,
    /// The commit, staged: merge it with [`Group::merge_staged_commit`].
    pub staged: StagedCommit,
    /// Pending proposals left out as invalid or superseded (RFC 9420
    /// §12.2).
    pub dropped: Vec<crate::messages::ProposalRef>,
}

/// The next epoch's GroupContext and secrets from a signed commit
/// (RFC 9420 §8, §8.2).
pub(crate) struct KeyScheduleStep {
    pub(crate) context: GroupContext,
    pub(crate) joiner_secret: JoinerSecret,
    pub(crate) welcome_secret: WelcomeSecret,
    pub(crate) secrets: EpochSecrets,
}

/// Runs the key schedule from the current epoch to the next for the
/// signed commit `content`: the confirmed transcript hash, the new
/// GroupContext, the PSK secret, then the joiner, welcome and epoch
/// secrets (RFC 9420 §8, §8.2, §8.4).
pub(crate) fn key_schedule_step(
    crypto: &SuiteCrypto<'_>,
    state: &GroupState,
    content: &AuthenticatedContent,
    tree_hash: Vec<u8>,
    extensions: Extensions,
    commit_secret: &Secret,
    psks: &[PreSharedKeyId],
) -> Result<KeyScheduleStep, Error> {
    let input = ConfirmedTranscriptHashInput::from_authenticated_content(content)?;
    let confirmed = confirmed_transcript_hash(crypto, &state.interim_transcript_hash, &input)?;
    let epoch = state
        .context
        .epoch
        .checked_add(1)
        .ok_or(GroupError::EpochExhausted)?;
    let context = GroupContext {
        version: state.context.version,
        cipher_suite: state.context.cipher_suite,
        group_id: state.context.group_id.clone(),
        epoch,
        tree_hash,
        confirmed_transcript_hash: confirmed,
        extensions,
    };
    let context_bytes = context.to_bytes()?;
    let joiner_secret = JoinerSecret::derive(
        crypto,
        &state.secrets.init_secret,
        commit_secret,
        &context_bytes,
    )?;
    let psk = if psks.is_empty() {
        zero_psk_secret(crypto)
    } else {
        let resolved = psks
            .iter()
            .map(|id| state.resolve_psk(id).map(|s| (id, s)))
            .collect::<Result<Vec<_>, Error>>()?;
        psk_secret(crypto, resolved)?
    };
    let (welcome_secret, secrets) = joiner_secret.derive_epoch(crypto, &psk, &context_bytes)?;
    Ok(KeyScheduleStep {
        context,
        joiner_secret,
        welcome_secret,
        secrets,
    })
}

/// The provisional GroupContext of a commit with a path (RFC 9420
/// §12.4.1): the new epoch, tree hash and extensions, the old confirmed
/// transcript hash.
pub(crate) fn provisional_context(
    state: &GroupState,
    tree_hash: Vec<u8>,
    extensions: Extensions,
) -> Result<GroupContext, Error> {
    Ok(GroupContext {
        version: state.context.version,
        cipher_suite: state.context.cipher_suite,
        group_id: state.context.group_id.clone(),
        epoch: state
            .context
            .epoch
            .checked_add(1)
            .ok_or(GroupError::EpochExhausted)?,
        tree_hash,
        confirmed_transcript_hash: state.context.confirmed_transcript_hash.clone(),
        extensions,
    })
}

impl<P: CryptoProvider> Group<P> {
    /// Creates a commit (RFC 9420 §12.4.1) of the valid pending proposals
    /// and `options.proposals`, with an UpdatePath when required or asked
    /// for, and a Welcome for the members it adds (§12.4.3).
    ///
    /// The group stays in its epoch: send [`CreatedCommit::commit`], and
    /// merge [`CreatedCommit::staged`] with [`Group::merge_staged_commit`]
    /// once the delivery service has accepted it; drop it otherwise. The
    /// only change made now is the handshake key used when commits are
    /// sent as PrivateMessages (§9.2: a key is never used twice).
    ///
    /// Pending proposals that are invalid, or lose to another under the
    /// preferences of §12.2 (a Remove over an Update of the same leaf, the
    /// latest Update of a leaf), are left out and listed in
    /// [`CreatedCommit::dropped`]. The proposals given by value must be
    /// valid: any problem with them is an error.
    pub fn create_commit(
        &mut self,
        options: CommitOptions,
        now: Timestamp,
        rng: &mut (impl CryptoRng + ?Sized),
    ) -> Result<CreatedCommit, Error> {
        self.ensure_active()?;
        let crypto = SuiteCrypto::new(&self.provider, self.state.context.cipher_suite)?;
        let state = &self.state;
        let own = state.private.own_leaf();
        let committer = Sender::Member(own);

        let (mut list, dropped) = if options.include_pending {
            select_pending(&crypto, state, &self.config, own, now)?
        } else {
            (Vec::new(), Vec::new())
        };
        list.extend(options.proposals.iter().map(|p| Resolved {
            proposal: p.clone(),
            sender: committer,
            reference: None,
        }));

        let mut checker = Checker::new(&crypto, state, &self.config, now)?;
        let mut diff = TreeDiff::new(&state.tree);
        let applied = checker.apply_list(own, &list, &mut diff)?;
        let extensions = applied
            .extensions
            .clone()
            .unwrap_or_else(|| state.context.extensions.clone());
        let mut changed_leaves = applied.changed_leaves.clone();
        let added: HashSet<LeafIndex> = applied.added.iter().map(|(l, _)| *l).collect();

        let with_path = applied.path_required || options.update_path;
        let (path, pending_path) = if with_path {
            let template = state.tree.leaf(own).ok_or(GroupError::NotAMember)?.clone();
            changed_leaves
                .entry(own)
                .or_insert_with(|| Some(template.signature_key.clone()));
            let pending = treekem::prepare_update_path(
                &crypto,
                &mut diff,
                own,
                template,
                &state.signer,
                &state.context.group_id,
                rng,
            )?;
            let provisional =
                provisional_context(state, diff.tree_hash(&crypto)?, extensions.clone())?;
            let exclude = |l: LeafIndex| added.contains(&l);
            let path = treekem::encrypt_update_path(
                &crypto,
                &diff,
                &pending,
                &provisional.to_bytes()?,
                &exclude,
                rng,
            )?;
            (Some(path), Some(pending))
        } else {
            (None, None)
        };
        let commit_secret = pending_path
            .as_ref()
            .map(|p| p.commit_secret.clone())
            .unwrap_or_else(|| zero_psk_secret(&crypto));

        let commit = Commit {
            proposals: list
                .iter()
                .map(|r| match &r.reference {
                    Some(reference) => ProposalOrRef::Reference(reference.clone()),
                    None => ProposalOrRef::Proposal(Box::new(r.proposal.clone())),
                })
                .collect(),
            path,
        };
        let wire_format = self.config.wire_format.outgoing.wire_format();
        let content = FramedContent {
            group_id: state.context.group_id.clone(),
            epoch: state.context.epoch,
            sender: committer,
            authenticated_data: options.authenticated_data.clone(),
            content: FramedContentBody::Commit(commit),
        };
        let mut signed = AuthenticatedContent::sign(
            &crypto,
            &state.signer,
            wire_format,
            content,
            Some(&state.context),
        )?;

        let tree_hash = diff.tree_hash(&crypto)?;
        let step = key_schedule_step(
            &crypto,
            state,
            &signed,
            tree_hash,
            extensions,
            &commit_secret,
            &applied.psks,
        )?;
        let confirmation_tag = step
            .secrets
            .confirmation_tag(&crypto, &step.context.confirmed_transcript_hash)?;
        signed.auth.confirmation_tag = Some(confirmation_tag.clone());
        let interim = interim_transcript_hash(
            &crypto,
            &step.context.confirmed_transcript_hash,
            &confirmation_tag,
        )?;

        // The GroupInfo and Welcome (§12.4.3).
        let need_group_info = !applied.added.is_empty() || options.group_info;
        let tree_bytes = if !applied.added.is_empty() && !options.ratchet_tree_in_welcome {
            Some(RatchetTreeExtension(diff.to_nodes()).to_bytes()?)
        } else {
            None
        };
        let group_info = if need_group_info {
            let mut gi_extensions = Extensions::new();
            if options.ratchet_tree_in_welcome {
                gi_extensions.set(&RatchetTreeExtension(diff.to_nodes()))?;
            }
            let mut group_info = GroupInfo {
                group_context: step.context.clone(),
                extensions: gi_extensions,
                confirmation_tag: confirmation_tag.clone(),
                signer: own,
                signature: Vec::new(),
            };
            group_info.signature =
                crypto.sign_with_label(&state.signer, "GroupInfoTBS", &group_info.tbs_bytes()?)?;
            Some(group_info)
        } else {
            None
        };
        let welcome = match (&group_info, applied.added.is_empty()) {
            (Some(group_info), false) => Some(build_welcome(
                &crypto,
                &step,
                group_info,
                &applied,
                pending_path.as_ref(),
                diff.size(),
                rng,
            )?),
            _ => None,
        };
        let group_info_message = match (&group_info, options.group_info) {
            (Some(gi), true) => {
                Some(MlsMessage::new(MlsMessageBody::GroupInfo(gi.clone())).to_bytes()?)
            }
            _ => None,
        };

        let private = match &pending_path {
            Some(p) => p.private.clone(),
            None => state.private.clone(),
        };
        let effects = CommitEffects {
            committer,
            new_epoch: step.context.epoch,
            added: applied.added.clone(),
            removed: applied.removed.clone(),
            updated: applied.updated.clone(),
            path_leaf: pending_path.as_ref().map(|p| p.leaf_node.clone()),
            psks: applied.psks.clone(),
            extensions: applied.extensions.clone(),
            reinit: applied.reinit.clone(),
            removes_self: false,
        };
        let staged_tree = diff.into_staged(&crypto)?;
        let base_epoch = state.context.epoch;
        let base_tree_hash = state.context.tree_hash.clone();

        // Protect last: for a PrivateMessage this takes a handshake key.
        let commit_bytes = self.protect_signed(signed, rng)?;

        Ok(CreatedCommit {
            commit: commit_bytes,
            welcome,
            group_info: group_info_message,
            ratchet_tree: tree_bytes,
            staged: StagedCommit {
                base_epoch,
                base_tree_hash,
                effects,
                next: Some(NextEpoch {
                    context: step.context,
                    tree: staged_tree,
                    private,
                    secrets: step.secrets,
                    interim_transcript_hash: interim,
                    confirmation_tag,
                }),
                changed_leaves,
            },
            dropped,
        })
    }
}

/// Encrypts the GroupInfo under the welcome secret and the GroupSecrets
/// to each new member's init key (RFC 9420 §12.4.3.1).
fn build_welcome(
    crypto: &SuiteCrypto<'_>,
    step: &KeyScheduleStep,
    group_info: &GroupInfo,
    applied: &super::proposals::Applied,
    pending_path: Option<&PendingPath>,
    size: crate::tree::TreeSize,
    rng: &mut (impl CryptoRng + ?Sized),
) -> Result<Vec<u8>, Error> {
    let key_nonce = step.welcome_secret.key_nonce(crypto)?;
    let encrypted_group_info = crypto.aead_seal(
        key_nonce.key().as_bytes(),
        key_nonce.nonce().as_bytes(),
        &[],
        &group_info.to_bytes()?,
    )?;
    let mut plaintexts = Vec::with_capacity(applied.added.len());
    for (leaf, _) in &applied.added {
        let path_secret = pending_path
            .and_then(|p| p.path_secret_for(size, *leaf))
            .map(|(_, s)| PathSecret {
                path_secret: s.clone(),
            });
        let group_secrets = GroupSecrets {
            joiner_secret: step.joiner_secret.as_secret().clone(),
            path_secret,
            psks: applied.psks.clone(),
        };
        plaintexts.push(zeroize::Zeroizing::new(group_secrets.to_bytes()?));
    }
    // One `info` (the encrypted GroupInfo, O(n) bytes) for every seal:
    // hashed once, not once per new member.
    let recipients: Vec<_> = applied
        .added
        .iter()
        .zip(&plaintexts)
        .map(|((_, key_package), plaintext)| (&key_package.init_key, plaintext.as_slice()))
        .collect();
    let encrypted =
        crypto.encrypt_with_label_many(&recipients, WELCOME_LABEL, &encrypted_group_info, rng)?;
    let mut secrets = Vec::with_capacity(applied.added.len());
    for ((_, key_package), encrypted) in applied.added.iter().zip(encrypted) {
        secrets.push(EncryptedGroupSecrets {
            new_member: KeyPackageRef(crypto.key_package_ref(&key_package.to_bytes()?)?),
            encrypted_group_secrets: encrypted,
        });
    }
    let welcome = Welcome {
        cipher_suite: crypto.suite(),
        secrets,
        encrypted_group_info,
    };
    Ok(MlsMessage::new(MlsMessageBody::Welcome(welcome)).to_bytes()?)
}

/// Chooses the pending proposals a commit includes (RFC 9420 §12.2): each
/// must be valid on its own; a Remove wins over Updates of the same leaf
/// and the latest Update of a leaf over earlier ones; the committer's own
/// Updates and Removes of the committer are left out (its UpdatePath
/// replaces the former, and it cannot commit the latter); one Add per
/// client and per encryption key; one proposal per PSK; the first
/// GroupContextExtensions; a ReInit only if nothing else is pending.
/// Returns the chosen proposals in arrival order and the references left
/// out.
fn select_pending(
    crypto: &SuiteCrypto<'_>,
    state: &GroupState,
    config: &super::GroupConfig,
    own: LeafIndex,
    now: Timestamp,
) -> Result<(Vec<Resolved>, Vec<crate::messages::ProposalRef>), Error> {
    let checker = Checker::new(crypto, state, config, now)?;
    let mut keep = vec![false; state.proposals.len()];
    let mut removed = BTreeSet::new();
    let mut latest_update: BTreeMap<LeafIndex, usize> = BTreeMap::new();
    let mut add_signature_keys = HashSet::new();
    let mut add_encryption_keys = HashSet::new();
    let mut valid = vec![false; state.proposals.len()];
    let mut psks = HashSet::new();
    let mut have_gce = false;
    let mut reinit = None;
    let mut others = false;
    for (i, p) in state.proposals.iter().enumerate() {
        if checker.check_single(&p.proposal, p.sender).is_err() {
            continue;
        }
        if let Some(v) = valid.get_mut(i) {
            *v = true;
        }
        let slot = keep.get_mut(i).ok_or(Error::Internal("proposal index"))?;
        match &p.proposal {
            Proposal::Remove(r) if r.removed != own && removed.insert(r.removed) => {
                *slot = true;
                others = true;
            }
            Proposal::Update(_) => {
                if let Sender::Member(leaf) = p.sender {
                    if leaf != own {
                        latest_update.insert(leaf, i);
                    }
                }
            }
            Proposal::PreSharedKey(psk) if psks.insert(&psk.psk) => {
                *slot = true;
                others = true;
            }
            Proposal::GroupContextExtensions(_) if !have_gce => {
                have_gce = true;
                *slot = true;
                others = true;
            }
            Proposal::ReInit(_) if reinit.is_none() => reinit = Some(i),
            _ => {}
        }
    }
    for (leaf, i) in &latest_update {
        if !removed.contains(leaf) {
            if let Some(slot) = keep.get_mut(*i) {
                *slot = true;
                others = true;
            }
        }
    }
    // Adds last: a client already in the group may be added only if it
    // is removed in the same commit.
    for (i, p) in state.proposals.iter().enumerate() {
        let Proposal::Add(add) = &p.proposal else {
            continue;
        };
        let leaf = &add.key_package.leaf_node;
        let member = state.tree.find_signature_key(&leaf.signature_key);
        let replaces_member = member.is_none_or(|m| removed.contains(&m));
        let fresh_key = state
            .tree
            .find_encryption_key(&leaf.encryption_key)
            .is_none();
        if replaces_member
            && fresh_key
            && valid.get(i).copied().unwrap_or(false)
            && add_signature_keys.insert(&leaf.signature_key)
            && add_encryption_keys.insert(&leaf.encryption_key)
        {
            if let Some(slot) = keep.get_mut(i) {
                *slot = true;
                others = true;
            }
        }
    }
    if let (Some(i), false) = (reinit, others) {
        if let Some(slot) = keep.get_mut(i) {
            *slot = true;
        }
    }
    let mut chosen = Vec::new();
    let mut dropped = Vec::new();
    for (p, k) in state.proposals.iter().zip(keep) {
        if k {
            chosen.push(Resolved {
                proposal: p.proposal.clone(),
                sender: p.sender,
                reference: Some(p.reference.clone()),
            });
        } else {
            dropped.push(p.reference.clone());
        }
    }
    Ok((chosen, dropped))
}
