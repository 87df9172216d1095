//! A commit's proposals (RFC 9420 §12.2-§12.4): resolving a received
//! commit's list, choosing the pending proposals a new commit includes, and
//! validating and applying a list to a staged tree, one §12.3 phase at a
//! time (GroupContextExtensions, Updates, Removes, Adds, PSKs).
//!
//! Nothing here changes the group: tree edits go into a [`TreeDiff`].

use std::collections::{BTreeMap, BTreeSet, HashSet};

use super::error::ProposalError;
use super::staged::CommitEffects;
use super::state::{GroupState, PendingProposal};
use super::validate::{ProposalValidator, check_credential_support, check_leaf_meets_group};
use crate::codec::Encode;
use crate::error::Error;
use crate::framing::Sender;
use crate::messages::{
    Credential, CustomProposal, Extensions, KeyPackage, KeyPackageRef, PreSharedKeyId, Proposal,
    ProposalOrRef, ProposalRef, ProposalType, ReInit,
};
use crate::tree::{LeafIndex, LeafNode, TreeDiff, TreeError, TreeView};

/// A proposal of a commit, resolved from its value or reference, with its
/// sender.
#[derive(Debug, Clone)]
pub(crate) struct ResolvedProposal {
    pub(crate) proposal: Proposal,
    pub(crate) sender: Sender,
    pub(crate) reference: Option<ProposalRef>,
}

impl ResolvedProposal {
    /// A proposal `sender` includes by value.
    pub(crate) fn by_value(proposal: Proposal, sender: Sender) -> Self {
        Self {
            proposal,
            sender,
            reference: None,
        }
    }

    fn by_reference(pending: &PendingProposal) -> Self {
        Self {
            proposal: pending.proposal.clone(),
            sender: pending.sender,
            reference: Some(pending.reference.clone()),
        }
    }

    /// The entry of the Commit's `proposals` vector.
    pub(crate) fn into_proposal_or_ref(self) -> ProposalOrRef {
        match self.reference {
            Some(reference) => ProposalOrRef::Reference(reference),
            None => ProposalOrRef::Proposal(Box::new(self.proposal)),
        }
    }
}

/// Resolves a received commit's proposal list (RFC 9420 §12.4.2): values
/// are the committer's; each reference names a proposal received in this
/// epoch, at most once.
pub(crate) fn resolve_commit_proposals(
    state: &GroupState,
    committer: Sender,
    list: &[ProposalOrRef],
) -> Result<Vec<ResolvedProposal>, Error> {
    let mut seen = HashSet::new();
    list.iter()
        .map(|item| match item {
            ProposalOrRef::Proposal(p) => Ok(ResolvedProposal::by_value((**p).clone(), committer)),
            ProposalOrRef::Reference(r) => {
                if !seen.insert(r) {
                    return Err(ProposalError::DuplicateProposalRef(r.clone()).into());
                }
                state
                    .proposals()
                    .iter()
                    .find(|p| p.reference == *r)
                    .map(ResolvedProposal::by_reference)
                    .ok_or_else(|| ProposalError::UnknownProposalRef(r.clone()).into())
            }
        })
        .collect()
}

/// Chooses the pending proposals a commit by `committer` includes
/// (RFC 9420 §12.2): each must be valid on its own; then, in arrival order,
/// a Remove wins over Updates of the same leaf and the latest Update of a
/// leaf over earlier ones; the committer's own Updates and Removes of the
/// committer are left out (its UpdatePath replaces the former, and it
/// cannot commit the latter); one Add per client and per encryption key;
/// one proposal per PSK; the first GroupContextExtensions; every valid
/// application-defined proposal (§13); a ReInit only if nothing else is
/// chosen. Returns the chosen proposals in arrival order
/// and the references left out.
pub(crate) fn select_pending(
    validator: &ProposalValidator<'_>,
    committer: LeafIndex,
) -> (Vec<ResolvedProposal>, Vec<ProposalRef>) {
    // RFC 9420 R-12.2-11, R-12.4-02, R-12.1.8-04 (docs/rfc9420-requirements.md)
    let pending = validator.state().proposals();
    let valid: Vec<&PendingProposal> = pending
        .iter()
        .filter(|p| validator.check_proposal(&p.proposal, p.sender).is_ok())
        .collect();
    let removed = removed_leaves(&valid, committer);
    let mut chosen: BTreeSet<&ProposalRef> = BTreeSet::new();
    chosen.extend(valid.iter().filter_map(|p| match &p.proposal {
        Proposal::Remove(r) if removed.get(&r.removed) == Some(&&p.reference) => Some(&p.reference),
        _ => None,
    }));
    chosen.extend(latest_updates(&valid, committer, &removed));
    chosen.extend(first_per_psk(&valid));
    chosen.extend(first_group_context_extensions(&valid));
    chosen.extend(adds_that_fit(&valid, validator.state(), &removed));
    chosen.extend(
        valid
            .iter()
            .filter(|p| matches!(p.proposal, Proposal::Custom(_)))
            .map(|p| &p.reference),
    );
    if chosen.is_empty() {
        chosen.extend(first_reinit(&valid));
    }
    let mut kept = Vec::new();
    let mut dropped = Vec::new();
    for p in pending {
        if chosen.contains(&p.reference) {
            kept.push(ResolvedProposal::by_reference(p));
        } else {
            dropped.push(p.reference.clone());
        }
    }
    (kept, dropped)
}

/// The first Remove of each leaf other than the committer's.
fn removed_leaves<'p>(
    valid: &[&'p PendingProposal],
    committer: LeafIndex,
) -> BTreeMap<LeafIndex, &'p ProposalRef> {
    let mut removed = BTreeMap::new();
    for p in valid {
        if let Proposal::Remove(r) = &p.proposal {
            if r.removed != committer {
                removed.entry(r.removed).or_insert(&p.reference);
            }
        }
    }
    removed
}

/// The latest Update of each member other than the committer whose leaf
/// is not removed.
fn latest_updates<'p>(
    valid: &[&'p PendingProposal],
    committer: LeafIndex,
    removed: &BTreeMap<LeafIndex, &ProposalRef>,
) -> impl Iterator<Item = &'p ProposalRef> {
    let mut latest = BTreeMap::new();
    for p in valid {
        if let (Proposal::Update(_), Sender::Member(leaf)) = (&p.proposal, p.sender) {
            if leaf != committer && !removed.contains_key(&leaf) {
                latest.insert(leaf, &p.reference);
            }
        }
    }
    latest.into_values()
}

/// The first proposal of each PSK.
fn first_per_psk<'p>(valid: &[&'p PendingProposal]) -> Vec<&'p ProposalRef> {
    let mut seen = HashSet::new();
    valid
        .iter()
        .filter(|p| matches!(&p.proposal, Proposal::PreSharedKey(psk) if seen.insert(&psk.psk)))
        .map(|p| &p.reference)
        .collect()
}

/// The first GroupContextExtensions proposal.
fn first_group_context_extensions<'p>(valid: &[&'p PendingProposal]) -> Option<&'p ProposalRef> {
    valid
        .iter()
        .find(|p| matches!(p.proposal, Proposal::GroupContextExtensions(_)))
        .map(|p| &p.reference)
}

/// The first ReInit proposal.
fn first_reinit<'p>(valid: &[&'p PendingProposal]) -> Option<&'p ProposalRef> {
    valid
        .iter()
        .find(|p| matches!(p.proposal, Proposal::ReInit(_)))
        .map(|p| &p.reference)
}

/// The Adds of clients that are not members (or whose leaf is removed)
/// with fresh encryption keys, one per client and per key.
fn adds_that_fit<'p>(
    valid: &[&'p PendingProposal],
    state: &GroupState,
    removed: &BTreeMap<LeafIndex, &ProposalRef>,
) -> Vec<&'p ProposalRef> {
    let tree = state.tree();
    let mut signature_keys = HashSet::new();
    let mut encryption_keys = HashSet::new();
    valid
        .iter()
        .filter(|p| {
            let Proposal::Add(add) = &p.proposal else {
                return false;
            };
            let leaf = &add.key_package.leaf_node;
            tree.find_signature_key(&leaf.signature_key)
                .is_none_or(|m| removed.contains_key(&m))
                && tree.find_encryption_key(&leaf.encryption_key).is_none()
                && signature_keys.insert(&leaf.signature_key)
                && encryption_keys.insert(&leaf.encryption_key)
        })
        .map(|p| &p.reference)
        .collect()
}

/// What applying a proposal list did.
#[derive(Debug, Clone, Default)]
pub(crate) struct AppliedProposals {
    pub(crate) added: Vec<(LeafIndex, KeyPackage)>,
    pub(crate) removed: Vec<(LeafIndex, LeafNode)>,
    pub(crate) updated: Vec<(LeafIndex, LeafNode)>,
    pub(crate) psks: Vec<PreSharedKeyId>,
    pub(crate) extensions: Option<Extensions>,
    pub(crate) reinit: Option<ReInit>,
    /// The application-defined proposals, in list order (RFC 9420 §13).
    pub(crate) custom: Vec<CustomProposal>,
    /// Whether the commit must carry an UpdatePath (RFC 9420 §12.4).
    pub(crate) path_required: bool,
    /// The leaf each leaf the list changed had before (`None`: blank), for
    /// the senders of late messages of this epoch.
    pub(crate) previous_leaves: BTreeMap<LeafIndex, Option<LeafNode>>,
}

impl AppliedProposals {
    /// The effects of a commit from `committer` starting `new_epoch` with
    /// this list, as seen by the member at `own`, and the leaves the list
    /// replaced.
    pub(crate) fn into_effects(
        self,
        committer: Sender,
        committer_credential: Credential,
        new_epoch: u64,
        path_leaf: Option<LeafNode>,
        own: LeafIndex,
    ) -> (CommitEffects, BTreeMap<LeafIndex, Option<LeafNode>>) {
        let removes_self = self.removes(own);
        let effects = CommitEffects {
            committer,
            committer_credential,
            new_epoch,
            added: self.added,
            removed: self.removed,
            updated: self.updated,
            path_leaf,
            psks: self.psks,
            extensions: self.extensions,
            reinit: self.reinit,
            custom_proposals: self.custom,
            removes_self,
            discards_pending_commit: false,
            external_joiner: None,
        };
        (effects, self.previous_leaves)
    }

    /// Whether the list removes `leaf`.
    pub(crate) fn removes(&self, leaf: LeafIndex) -> bool {
        self.removed.iter().any(|(l, _)| *l == leaf)
    }

    /// Whether the list adds `leaf`.
    pub(crate) fn adds(&self, leaf: LeafIndex) -> bool {
        self.added.iter().any(|(l, _)| *l == leaf)
    }
}

/// A member commit's proposals sorted by type, with the list-level rules
/// that need no tree checked (RFC 9420 §12.2).
#[derive(Default)]
struct Classified<'l> {
    extensions: Option<&'l Extensions>,
    updates: Vec<(LeafIndex, &'l LeafNode)>,
    removes: Vec<LeafIndex>,
    adds: Vec<(usize, &'l KeyPackage)>,
    psks: Vec<&'l PreSharedKeyId>,
    reinit: Option<&'l ResolvedProposal>,
    customs: Vec<(Sender, &'l CustomProposal)>,
    path_required: bool,
}

fn classify(committer: LeafIndex, list: &[ResolvedProposal]) -> Result<Classified<'_>, Error> {
    // RFC 9420 R-12.2-02, R-12.2-03, R-12.2-07, R-12.2-08, R-12.2-09, R-12.4-04, R-12.1.6-01 (docs/rfc9420-requirements.md)
    let mut c = Classified {
        // §12.4: an empty commit needs a path.
        path_required: list.is_empty(),
        ..Classified::default()
    };
    for (index, r) in list.iter().enumerate() {
        match &r.proposal {
            Proposal::Add(add) => c.adds.push((index, &add.key_package)),
            Proposal::Update(update) => {
                c.path_required = true;
                let Sender::Member(leaf) = r.sender else {
                    return Err(ProposalError::UpdateFromNonMember(r.sender.sender_type()).into());
                };
                if leaf == committer {
                    return Err(ProposalError::CommitterUpdate(leaf).into());
                }
                c.updates.push((leaf, &update.leaf_node));
            }
            Proposal::Remove(remove) => {
                c.path_required = true;
                if remove.removed == committer {
                    return Err(ProposalError::CommitterRemoved(committer).into());
                }
                c.removes.push(remove.removed);
            }
            Proposal::PreSharedKey(psk) => c.psks.push(&psk.psk),
            Proposal::ReInit(_) => {
                if list.len() != 1 {
                    return Err(ProposalError::ReInitWithOthers {
                        others: list.len().saturating_sub(1),
                    }
                    .into());
                }
                c.reinit = Some(r);
            }
            Proposal::ExternalInit(_) => {
                return Err(ProposalError::ProposalNotAllowed(ProposalType::EXTERNAL_INIT).into());
            }
            Proposal::GroupContextExtensions(g) => {
                c.path_required = true;
                if c.extensions.replace(&g.extensions).is_some() {
                    return Err(ProposalError::MultipleGroupContextExtensions.into());
                }
            }
            Proposal::Custom(custom) => c.customs.push((r.sender, custom)),
        }
    }
    Ok(c)
}

/// Validates a member commit's proposal list (RFC 9420 §12.2) from
/// `committer` and applies it to `diff` in the order of §12.3.
pub(crate) fn apply_proposals(
    validator: &mut ProposalValidator<'_>,
    committer: LeafIndex,
    list: &[ResolvedProposal],
    diff: &mut TreeDiff<'_>,
    max_leaves: u32,
) -> Result<AppliedProposals, Error> {
    // RFC 9420 R-12.2-01, R-12.3-01 (docs/rfc9420-requirements.md)
    let c = classify(committer, list)?;
    let mut applied = AppliedProposals {
        path_required: c.path_required,
        ..AppliedProposals::default()
    };
    if let Some(reinit) = c.reinit {
        validator.check_proposal(&reinit.proposal, reinit.sender)?;
        if let Proposal::ReInit(r) = &reinit.proposal {
            applied.reinit = Some(r.clone());
        }
    }
    if let Some(extensions) = c.extensions {
        apply_group_context_extensions(validator, extensions, &mut applied)?;
    }
    let mut touched = BTreeSet::new();
    apply_updates(validator, &c.updates, &mut touched, diff, &mut applied)?;
    apply_removes(
        validator.state(),
        &c.removes,
        &mut touched,
        diff,
        &mut applied,
    )?;
    apply_adds(validator, &c.adds, diff, max_leaves, &mut applied)?;
    apply_psks(validator, &c.psks, &mut applied)?;
    apply_custom(validator, &c.customs, diff, &mut applied)?;
    check_post_conditions(validator, diff, &applied)?;
    Ok(applied)
}

/// The application-defined proposals (RFC 9420 §13), after the §12.3
/// phases: each is supported by every member that processes the commit
/// (§12.2: the members of the staged tree but those the commit adds) and
/// accepted by the application's policy, which also says whether the
/// commit needs a path (§17.4 "Path Required").
fn apply_custom(
    validator: &ProposalValidator<'_>,
    customs: &[(Sender, &CustomProposal)],
    diff: &TreeDiff<'_>,
    applied: &mut AppliedProposals,
) -> Result<(), Error> {
    // RFC 9420 R-12.2-10 (docs/rfc9420-requirements.md)
    let policy = &validator.config().custom_proposals;
    for (sender, custom) in customs {
        let processing = diff.members().filter(|(l, _)| !applied.adds(*l));
        validator.check_custom(processing, custom, *sender)?;
        if policy.requires_path(custom.proposal_type) {
            applied.path_required = true;
        }
        applied.custom.push((*custom).clone());
    }
    Ok(())
}

/// §12.3 phase 1: a GroupContextExtensions proposal replaces the
/// extensions, which govern the leaves the rest of the list brings.
fn apply_group_context_extensions(
    validator: &mut ProposalValidator<'_>,
    extensions: &Extensions,
    applied: &mut AppliedProposals,
) -> Result<(), Error> {
    // RFC 9420 R-12.1.7-01 (docs/rfc9420-requirements.md)
    validator.set_extensions(extensions)?;
    applied.extensions = Some(extensions.clone());
    Ok(())
}

/// §12.3 phase 2: each Update replaces its sender's leaf; one change per
/// leaf (§12.2).
fn apply_updates(
    validator: &ProposalValidator<'_>,
    updates: &[(LeafIndex, &LeafNode)],
    touched: &mut BTreeSet<LeafIndex>,
    diff: &mut TreeDiff<'_>,
    applied: &mut AppliedProposals,
) -> Result<(), Error> {
    // RFC 9420 R-12.2-04 (docs/rfc9420-requirements.md)
    for (leaf, leaf_node) in updates {
        if !touched.insert(*leaf) {
            return Err(ProposalError::ConflictingLeafChanges(*leaf).into());
        }
        validator.check_update(diff, *leaf, leaf_node)?;
        let old = validator.state().tree().leaf(*leaf).cloned();
        applied.previous_leaves.insert(*leaf, old);
        diff.update_leaf(*leaf, (*leaf_node).clone())?;
        applied.updated.push((*leaf, (*leaf_node).clone()));
    }
    Ok(())
}

/// §12.3 phase 3: each Remove blanks a member's leaf and direct path; one
/// change per leaf (§12.2).
fn apply_removes(
    state: &GroupState,
    removes: &[LeafIndex],
    touched: &mut BTreeSet<LeafIndex>,
    diff: &mut TreeDiff<'_>,
    applied: &mut AppliedProposals,
) -> Result<(), Error> {
    // RFC 9420 R-12.2-04, R-12.1.3-01 (docs/rfc9420-requirements.md)
    for leaf in removes {
        if !touched.insert(*leaf) {
            return Err(ProposalError::ConflictingLeafChanges(*leaf).into());
        }
        let old = state
            .tree()
            .leaf(*leaf)
            .ok_or(ProposalError::RemoveNonMember(*leaf))?;
        applied.previous_leaves.insert(*leaf, Some(old.clone()));
        applied.removed.push((*leaf, old.clone()));
        diff.remove_leaf(*leaf)?;
    }
    Ok(())
}

/// §12.3 phase 4: each Add takes the leftmost blank leaf, in list order.
/// §12.2: no client twice, no current member unless removed (identical
/// signature keys identify a client), and no encryption key twice (§7.3).
fn apply_adds(
    validator: &ProposalValidator<'_>,
    adds: &[(usize, &KeyPackage)],
    diff: &mut TreeDiff<'_>,
    max_leaves: u32,
    applied: &mut AppliedProposals,
) -> Result<(), Error> {
    // RFC 9420 R-12.2-05, R-7.3-09 (docs/rfc9420-requirements.md)
    // The signatures of every KeyPackage together (batch verification),
    // beside the rest of the checks and the new leaves, made on a copy of
    // the diff as if the signatures verified; if one fails, each Add is
    // checked in full in turn, which names the first failure.
    if adds.len() > 1 {
        let key_packages: Vec<&KeyPackage> = adds.iter().map(|(_, kp)| *kp).collect();
        let mut trial = diff.clone();
        let (signed, added) = crate::par::join(
            || validator.signatures_verify(&key_packages),
            || add_all(validator, adds, &mut trial, max_leaves, true),
        );
        if signed {
            *diff = trial;
            record_adds(added?, applied);
            return Ok(());
        }
    }
    let added = add_all(validator, adds, diff, max_leaves, false)?;
    record_adds(added, applied);
    Ok(())
}

/// Checks each Add (its signatures already verified if `signed`) and adds
/// its leaf to `diff`, in order; returns the new leaves with their
/// KeyPackages.
fn add_all(
    validator: &ProposalValidator<'_>,
    adds: &[(usize, &KeyPackage)],
    diff: &mut TreeDiff<'_>,
    max_leaves: u32,
    signed: bool,
) -> Result<Vec<(LeafIndex, KeyPackage)>, Error> {
    let mut added = Vec::with_capacity(adds.len());
    for (index, key_package) in adds {
        let leaf = add_one(validator, key_package, signed, diff)
            .map_err(|e| invalid_add(validator, *index, key_package, e))?;
        if diff.size().leaf_count() > max_leaves {
            return Err(TreeError::TooManyLeaves {
                count: diff.size().leaf_count(),
                max: max_leaves,
            }
            .into());
        }
        added.push((leaf, (*key_package).clone()));
    }
    Ok(added)
}

/// Records the leaves `added` in `applied`.
fn record_adds(added: Vec<(LeafIndex, KeyPackage)>, applied: &mut AppliedProposals) {
    for (leaf, _) in &added {
        applied.previous_leaves.entry(*leaf).or_insert(None);
    }
    applied.added.extend(added);
}

/// Checks one Add's KeyPackage (§12.1.1, §10.1; its signatures already
/// verified if `signed`) and that it brings a new client and a new
/// encryption key (§12.2, §7.3), and adds its leaf.
fn add_one(
    validator: &ProposalValidator<'_>,
    key_package: &KeyPackage,
    signed: bool,
    diff: &mut TreeDiff<'_>,
) -> Result<LeafIndex, Error> {
    if signed {
        validator.check_key_package_signed(key_package)?;
    } else {
        validator.check_key_package(key_package)?;
    }
    let leaf_node = &key_package.leaf_node;
    if let Some(existing) = diff.find_signature_key(&leaf_node.signature_key) {
        return Err(ProposalError::DuplicateAdd { existing }.into());
    }
    let holder = diff.find_encryption_key(&leaf_node.encryption_key);
    let leaf = diff.add_leaf(leaf_node.clone())?;
    if let Some(first) = holder {
        let second = leaf.node().ok_or(TreeError::LeafOutOfRange { leaf })?;
        return Err(TreeError::DuplicateEncryptionKey { first, second }.into());
    }
    Ok(leaf)
}

/// `error` about the Add at `index` of a commit's list, with the Add's
/// position and KeyPackage reference, so a caller adding many members
/// learns which one to drop.
fn invalid_add(
    validator: &ProposalValidator<'_>,
    index: usize,
    key_package: &KeyPackage,
    error: Error,
) -> Error {
    let reference = key_package
        .to_bytes()
        .ok()
        .and_then(|b| validator.crypto().key_package_ref(&b).ok())
        .map(KeyPackageRef);
    ProposalError::InvalidAdd {
        index,
        key_package: reference,
        error: Box::new(error),
    }
    .into()
}

/// §12.3 phase 5: the PSKs, in list order, each valid, once (§12.2), and
/// available (§12.4.2).
pub(crate) fn apply_psks(
    validator: &ProposalValidator<'_>,
    psks: &[&PreSharedKeyId],
    applied: &mut AppliedProposals,
) -> Result<(), Error> {
    // RFC 9420 R-12.2-06, R-12.4.2-02, R-8.4-03 (docs/rfc9420-requirements.md)
    let mut seen = HashSet::new();
    for id in psks {
        validator.check_psk(id)?;
        if !seen.insert(*id) {
            return Err(ProposalError::DuplicatePsk(Box::new((*id).clone())).into());
        }
        validator.state().resolve_psk(id)?;
        applied.psks.push((*id).clone());
    }
    Ok(())
}

/// The rules on the whole new tree: every credential type in use is
/// supported by every member (§7.3), and after a GroupContextExtensions
/// proposal every member, old or new, supports the new extensions and
/// requirements (§12.1.7).
fn check_post_conditions(
    validator: &ProposalValidator<'_>,
    diff: &TreeDiff<'_>,
    applied: &AppliedProposals,
) -> Result<(), Error> {
    // RFC 9420 R-7.3-04, R-11.1-01 (docs/rfc9420-requirements.md)
    if !applied.added.is_empty() || !applied.updated.is_empty() {
        let new_leaves = applied
            .added
            .iter()
            .map(|(l, kp)| (*l, &kp.leaf_node))
            .chain(applied.updated.iter().map(|(l, n)| (*l, n)));
        check_credential_support(diff, new_leaves)?;
    }
    if applied.extensions.is_some() {
        for (index, node) in diff.members() {
            check_leaf_meets_group(index, node, validator.extensions(), validator.required())?;
        }
    }
    Ok(())
}

/// The sender of a commit that is a member: the only senders a member
/// commit has (external commits are processed apart).
pub(crate) fn member_committer(sender: Sender) -> Result<LeafIndex, Error> {
    match sender {
        Sender::Member(leaf) => Ok(leaf),
        // The framing lets only members and new members commit (§6.1), and
        // external commits are staged apart.
        _ => Err(Error::Internal("commit from a sender that is not a member")),
    }
}

#[cfg(test)]
mod tests;
