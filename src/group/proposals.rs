//! Validating proposals (RFC 9420 §12.1, §12.2) and applying a commit's
//! proposal list to a staged tree (§12.3).
//!
//! The same [`Checker`] serves every path: a proposal received by
//! reference, a proposal this member sends, the list of a received commit,
//! and the list of a commit this member creates. Nothing here changes the
//! group: tree edits go into a [`TreeDiff`].

use std::collections::{BTreeMap, BTreeSet, HashSet};

use super::GroupState;
use super::config::GroupConfig;
use super::error::GroupError;
use super::key_package::validate_key_package;
use crate::crypto::{SignaturePublicKey, SuiteCrypto};
use crate::error::Error;
use crate::framing::Sender;
use crate::messages::{
    ExtensionType, Extensions, ExternalSenders, KeyPackage, PreSharedKeyId, Proposal, ProposalRef,
    ProposalType, PskKind, ReInit, RequiredCapabilities, ResumptionPskUsage,
};
use crate::tree::validate::{
    LeafContext, LeafRole, Timestamp, check_supports_credentials, credential_types_in_use,
    validate_leaf_node,
};
use crate::tree::{LeafIndex, LeafNode, TreeDiff, TreeError, TreeView};

/// The group's `required_capabilities` extension, if present (RFC 9420
/// §11.1).
pub(crate) fn required_capabilities(
    extensions: &Extensions,
) -> Result<Option<RequiredCapabilities>, Error> {
    extensions
        .get::<RequiredCapabilities>()
        .map_err(|_| GroupError::MalformedExtension(ExtensionType::REQUIRED_CAPABILITIES).into())
}

/// GroupContext extensions are unique by type, and those this crate knows
/// decode (RFC 9420 §13.4).
pub(crate) fn check_extensions_wellformed(extensions: &Extensions) -> Result<(), Error> {
    if let Some(t) = extensions.first_duplicate() {
        return Err(GroupError::DuplicateExtension(t).into());
    }
    required_capabilities(extensions)?;
    extensions
        .get::<ExternalSenders>()
        .map_err(|_| GroupError::MalformedExtension(ExtensionType::EXTERNAL_SENDERS))?;
    Ok(())
}

/// `leaf` supports every non-default extension type of the GroupContext
/// (RFC 9420 §12.1.7, §13.4: members MUST support the group's
/// extensions).
pub(crate) fn check_leaf_supports_extensions(
    leaf: &LeafNode,
    extensions: &Extensions,
) -> Result<(), Error> {
    match extensions
        .iter()
        .map(|e| e.extension_type)
        .find(|t| !t.is_default() && !leaf.capabilities.extensions.contains(t))
    {
        Some(t) => Err(GroupError::UnsupportedGroupExtension(t).into()),
        None => Ok(()),
    }
}

/// A proposal of a commit, resolved from its value or reference, with
/// its sender.
#[derive(Debug, Clone)]
pub(crate) struct Resolved {
    pub(crate) proposal: Proposal,
    pub(crate) sender: Sender,
    pub(crate) reference: Option<ProposalRef>,
}

/// What applying a proposal list did.
#[derive(Debug, Clone, Default)]
pub(crate) struct Applied {
    pub(crate) added: Vec<(LeafIndex, KeyPackage)>,
    pub(crate) removed: Vec<(LeafIndex, LeafNode)>,
    pub(crate) updated: Vec<(LeafIndex, LeafNode)>,
    pub(crate) psks: Vec<PreSharedKeyId>,
    pub(crate) extensions: Option<Extensions>,
    pub(crate) reinit: Option<ReInit>,
    /// Whether the commit must carry an UpdatePath (RFC 9420 §12.4).
    pub(crate) path_required: bool,
    /// The old signature key of every leaf the list changed.
    pub(crate) changed_leaves: BTreeMap<LeafIndex, Option<SignaturePublicKey>>,
}

/// Validates proposals against a group state (RFC 9420 §12.1).
pub(crate) struct Checker<'a> {
    crypto: &'a SuiteCrypto<'a>,
    state: &'a GroupState,
    config: &'a GroupConfig,
    now: Timestamp,
    required: Option<RequiredCapabilities>,
}

impl<'a> Checker<'a> {
    /// A checker for the current epoch of `state`.
    pub(crate) fn new(
        crypto: &'a SuiteCrypto<'a>,
        state: &'a GroupState,
        config: &'a GroupConfig,
        now: Timestamp,
    ) -> Result<Self, Error> {
        Ok(Self {
            crypto,
            state,
            config,
            now,
            required: required_capabilities(&state.context.extensions)?,
        })
    }

    fn leaf_context(&self) -> LeafContext<'_> {
        LeafContext {
            group_id: &self.state.context.group_id,
            required_capabilities: self.required.as_ref(),
            lifetime: self.config.lifetime.receive,
            now: self.now,
            credentials: self.config.credentials.as_ref(),
        }
    }

    /// Checks one proposal on its own against the current epoch
    /// (RFC 9420 §12.1.1-§12.1.7), as a receiver of a proposal message
    /// does.
    pub(crate) fn check_single(&self, proposal: &Proposal, sender: Sender) -> Result<(), Error> {
        match proposal {
            Proposal::Add(add) => {
                self.check_key_package(&add.key_package)?;
                check_leaf_supports_extensions(
                    &add.key_package.leaf_node,
                    &self.state.context.extensions,
                )
            }
            Proposal::Update(update) => {
                let Sender::Member(leaf) = sender else {
                    return Err(GroupError::UpdateFromNonMember.into());
                };
                self.check_update(&self.state.tree, leaf, &update.leaf_node)
            }
            Proposal::Remove(remove) => {
                // §12.1.3: the removed leaf MUST be a member.
                if self.state.tree.leaf(remove.removed).is_none() {
                    return Err(GroupError::RemoveNonMember(remove.removed).into());
                }
                Ok(())
            }
            Proposal::PreSharedKey(psk) => self.check_psk(&psk.psk),
            Proposal::ReInit(reinit) => {
                // §12.1.5: no downgrade of the protocol version.
                if reinit.version < self.state.context.version {
                    return Err(GroupError::ReInitDowngrade.into());
                }
                Ok(())
            }
            Proposal::ExternalInit(_) => {
                Err(GroupError::ProposalNotAllowed(ProposalType::EXTERNAL_INIT).into())
            }
            Proposal::GroupContextExtensions(gce) => {
                check_extensions_wellformed(&gce.extensions)?;
                let required = required_capabilities(&gce.extensions)?;
                // §12.1.7: every member supports the new extensions and
                // meets the new required capabilities.
                for (index, leaf) in self.state.tree.members() {
                    check_leaf_supports_extensions(leaf, &gce.extensions)?;
                    if let Some(required) = &required {
                        check_required_capabilities(leaf, required, index)?;
                    }
                }
                Ok(())
            }
        }
    }

    /// §12.1.1, §10.1: a valid KeyPackage of the group's version and suite
    /// whose leaf meets the group's required capabilities.
    fn check_key_package(&self, key_package: &KeyPackage) -> Result<(), Error> {
        let ctx = self.leaf_context();
        validate_key_package(self.crypto, key_package, &ctx)
    }

    /// §12.1.2: an Update's leaf is valid for `leaf` (source `update`,
    /// signed for this group and leaf), has a new encryption key, and its
    /// keys are not used by another node of `tree`.
    fn check_update(
        &self,
        tree: &impl KeyLookup,
        leaf: LeafIndex,
        leaf_node: &LeafNode,
    ) -> Result<(), Error> {
        let current = self
            .state
            .tree
            .leaf(leaf)
            .ok_or(GroupError::SenderNotMember(leaf))?;
        validate_leaf_node(
            self.crypto,
            leaf_node,
            leaf,
            LeafRole::Update,
            &self.leaf_context(),
        )?;
        if leaf_node.encryption_key == current.encryption_key {
            return Err(GroupError::UpdateKeepsEncryptionKey(leaf).into());
        }
        check_leaf_supports_extensions(leaf_node, &self.state.context.extensions)?;
        check_fresh_leaf_keys(tree, leaf, leaf_node)
    }

    /// §12.1.4, §8.4: a PSK proposal names an external or resumption PSK
    /// (usage `application`) with a nonce of `KDF.Nh` bytes.
    fn check_psk(&self, id: &PreSharedKeyId) -> Result<(), Error> {
        if id.psk_nonce.len() != self.crypto.hash_len() {
            return Err(GroupError::InvalidPskNonce(id.psk_nonce.len()).into());
        }
        if let PskKind::Resumption { usage, .. } = &id.psk {
            if *usage != ResumptionPskUsage::Application {
                return Err(GroupError::InvalidPskUsage.into());
            }
        }
        Ok(())
    }

    /// Validates a regular commit's proposal list (RFC 9420 §12.2) from
    /// `committer` and applies it to `diff` in the order of §12.3:
    /// GroupContextExtensions, Updates, Removes, Adds (in list order), PSKs
    /// (in list order).
    pub(crate) fn apply_list(
        &mut self,
        committer: LeafIndex,
        list: &[Resolved],
        diff: &mut TreeDiff<'_>,
    ) -> Result<Applied, Error> {
        let mut applied = Applied {
            path_required: list.is_empty(),
            ..Applied::default()
        };
        // Classify, with the list-level rules that need no tree.
        let mut gce = None;
        let mut updates = Vec::new();
        let mut removes = Vec::new();
        let mut adds = Vec::new();
        let mut psks = Vec::new();
        for r in list {
            match &r.proposal {
                Proposal::Add(add) => adds.push(&add.key_package),
                Proposal::Update(update) => {
                    applied.path_required = true;
                    let Sender::Member(leaf) = r.sender else {
                        return Err(GroupError::UpdateFromNonMember.into());
                    };
                    if leaf == committer {
                        return Err(GroupError::CommitterUpdate.into());
                    }
                    updates.push((leaf, &update.leaf_node));
                }
                Proposal::Remove(remove) => {
                    applied.path_required = true;
                    if remove.removed == committer {
                        return Err(GroupError::CommitterRemoved.into());
                    }
                    removes.push(remove.removed);
                }
                Proposal::PreSharedKey(psk) => psks.push(&psk.psk),
                Proposal::ReInit(reinit) => {
                    if list.len() != 1 {
                        return Err(GroupError::ReInitWithOthers.into());
                    }
                    self.check_single(&r.proposal, r.sender)?;
                    applied.reinit = Some(reinit.clone());
                }
                Proposal::ExternalInit(_) => {
                    return Err(GroupError::ExternalInitInMemberCommit.into());
                }
                Proposal::GroupContextExtensions(g) => {
                    applied.path_required = true;
                    if gce.replace(&g.extensions).is_some() {
                        return Err(GroupError::MultipleGroupContextExtensions.into());
                    }
                }
            }
        }

        // GroupContextExtensions first: the new extensions govern the rest.
        if let Some(extensions) = gce {
            check_extensions_wellformed(extensions)?;
            self.required = required_capabilities(extensions)?;
            applied.extensions = Some(extensions.clone());
        }
        let extensions = applied
            .extensions
            .as_ref()
            .unwrap_or(&self.state.context.extensions)
            .clone();

        let mut touched = BTreeSet::new();
        for (leaf, leaf_node) in updates {
            if !touched.insert(leaf) {
                return Err(GroupError::ConflictingLeafChanges(leaf).into());
            }
            self.check_update(diff, leaf, leaf_node)?;
            check_leaf_supports_extensions(leaf_node, &extensions)?;
            let old = self.state.tree.leaf(leaf).map(|l| l.signature_key.clone());
            applied.changed_leaves.insert(leaf, old);
            diff.update_leaf(leaf, leaf_node.clone())?;
            applied.updated.push((leaf, leaf_node.clone()));
        }
        for leaf in removes {
            if !touched.insert(leaf) {
                return Err(GroupError::ConflictingLeafChanges(leaf).into());
            }
            let old = self
                .state
                .tree
                .leaf(leaf)
                .ok_or(GroupError::RemoveNonMember(leaf))?;
            applied
                .changed_leaves
                .insert(leaf, Some(old.signature_key.clone()));
            applied.removed.push((leaf, old.clone()));
            diff.remove_leaf(leaf)?;
        }
        for key_package in adds {
            self.check_key_package(key_package)?;
            let leaf_node = &key_package.leaf_node;
            check_leaf_supports_extensions(leaf_node, &extensions)?;
            // §12.2: no client twice, no current member unless removed
            // (identical signature keys identify a client).
            if diff.find_signature_key(&leaf_node.signature_key).is_some() {
                return Err(GroupError::DuplicateAdd.into());
            }
            if diff
                .find_encryption_key(&leaf_node.encryption_key)
                .is_some()
            {
                return Err(GroupError::DuplicateEncryptionKey.into());
            }
            let leaf = diff.add_leaf(leaf_node.clone())?;
            applied.changed_leaves.entry(leaf).or_insert(None);
            applied.added.push((leaf, key_package.clone()));
        }
        let mut seen_psks = HashSet::new();
        for id in psks {
            self.check_psk(id)?;
            if !seen_psks.insert(id) {
                return Err(GroupError::DuplicatePsk.into());
            }
            self.state.resolve_psk(id)?;
            applied.psks.push(id.clone());
        }

        // §7.3: every credential type in use is supported by every member.
        if !applied.added.is_empty() || !applied.updated.is_empty() {
            check_credential_support(diff, &applied)?;
        }
        // §12.1.7: after a GroupContextExtensions proposal every member,
        // old or new, supports the new extensions and requirements.
        if applied.extensions.is_some() {
            for leaf in 0..diff.size().leaf_count() {
                let index = LeafIndex(leaf);
                if let Some(node) = diff.leaf(index) {
                    check_leaf_supports_extensions(node, &extensions)?;
                    if let Some(required) = &self.required {
                        check_required_capabilities(node, required, index)?;
                    }
                }
            }
        }
        Ok(applied)
    }
}

/// Lookups of keys in a tree or staged tree.
pub(crate) trait KeyLookup {
    /// The node holding `key` as encryption key.
    fn encryption_key_holder(
        &self,
        key: &crate::crypto::HpkePublicKey,
    ) -> Option<crate::tree::NodeIndex>;
    /// The leaf holding `key` as signature key.
    fn signature_key_holder(&self, key: &SignaturePublicKey) -> Option<LeafIndex>;
}

impl KeyLookup for crate::tree::RatchetTree {
    fn encryption_key_holder(
        &self,
        key: &crate::crypto::HpkePublicKey,
    ) -> Option<crate::tree::NodeIndex> {
        self.find_encryption_key(key)
    }
    fn signature_key_holder(&self, key: &SignaturePublicKey) -> Option<LeafIndex> {
        self.find_signature_key(key)
    }
}

impl KeyLookup for TreeDiff<'_> {
    fn encryption_key_holder(
        &self,
        key: &crate::crypto::HpkePublicKey,
    ) -> Option<crate::tree::NodeIndex> {
        self.find_encryption_key(key)
    }
    fn signature_key_holder(&self, key: &SignaturePublicKey) -> Option<LeafIndex> {
        self.find_signature_key(key)
    }
}

/// §7.3: a new leaf at `leaf` brings an encryption key no node holds and
/// a signature key no other leaf holds.
pub(crate) fn check_fresh_leaf_keys(
    tree: &impl KeyLookup,
    leaf: LeafIndex,
    leaf_node: &LeafNode,
) -> Result<(), Error> {
    let node = leaf.node().ok_or(TreeError::LeafOutOfRange { leaf })?;
    if let Some(first) = tree.encryption_key_holder(&leaf_node.encryption_key) {
        return Err(TreeError::DuplicateEncryptionKey {
            first,
            second: node,
        }
        .into());
    }
    if let Some(first) = tree
        .signature_key_holder(&leaf_node.signature_key)
        .filter(|l| *l != leaf)
    {
        return Err(TreeError::DuplicateSignatureKey {
            first,
            second: leaf,
        }
        .into());
    }
    Ok(())
}

/// `leaf` lists every capability of `required` (RFC 9420 §11.1).
fn check_required_capabilities(
    leaf: &LeafNode,
    required: &RequiredCapabilities,
    index: LeafIndex,
) -> Result<(), Error> {
    Ok(crate::tree::validate::check_required(
        index, leaf, required,
    )?)
}

/// §7.3: each credential type in use in the staged tree is supported by
/// every member. Only the leaves the list added or updated can break
/// this, so the full scan happens only when one of them brings a
/// credential type that was not in use, or lacks one that is.
fn check_credential_support(diff: &TreeDiff<'_>, applied: &Applied) -> Result<(), Error> {
    let in_use_before = credential_types_in_use(diff.base());
    let new_leaves = applied
        .added
        .iter()
        .map(|(l, kp)| (*l, &kp.leaf_node))
        .chain(applied.updated.iter().map(|(l, n)| (*l, n)));
    let mut new_types = BTreeSet::new();
    for (index, leaf) in new_leaves {
        check_supports_credentials(index, leaf, &in_use_before)?;
        let t = leaf.credential.credential_type();
        if !in_use_before.contains(&t) {
            new_types.insert(t);
        }
    }
    if new_types.is_empty() {
        return Ok(());
    }
    for leaf in 0..diff.size().leaf_count() {
        let index = LeafIndex(leaf);
        if let Some(node) = diff.leaf(index) {
            check_supports_credentials(index, node, &new_types)?;
        }
    }
    Ok(())
}
