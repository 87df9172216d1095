//! Leaf node validation (RFC 9420 §7.3) and validation of a whole ratchet
//! tree as a joiner does it (§12.4.3.1), including the provider's check of
//! every HPKE public key that enters a tree or a KeyPackage (§5.1.1, RFC
//! 9180 §7.1.4) through [`check_hpke_public_key`].
//!
//! Everything here is linear or n log n in the tree size: key uniqueness
//! uses hash maps, credential-type support is checked against one set of
//! types in use, and parent hashes are verified bottom up
//! ([`verify_parent_hashes`](super::parent_hash)).

use std::collections::{BTreeSet, HashMap};

use super::error::{Capability, TreeError};
use super::parent_hash::verify_parent_hashes;
use super::ratchet_tree::{NodeRef, RatchetTree, TreeView};
use super::{LeafIndex, LeafNode, LeafNodeSource, NodeIndex};
use crate::codec::EncodeError;
use crate::crypto::{CryptoError, HpkePublicKey, SignaturePublicKey, SuiteCrypto};
use crate::error::Error;
use crate::types::{Credential, CredentialType, RequiredCapabilities};

/// Seconds since the Unix epoch, as the caller's clock reads them. The
/// crate never reads a clock itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(pub u64);

/// How LeafNode lifetimes are checked (RFC 9420 §7.2, §7.3).
///
/// RFC 9420 §7.2 requires the application to define a maximum total
/// lifetime and to reject longer ones; §7.3 requires the current time to
/// lie within the lifetime of what a member sends, and recommends it for
/// what it receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LifetimePolicy {
    /// The longest accepted `not_after - not_before`, in seconds; `None`
    /// accepts any range.
    pub max_range: Option<u64>,
    /// Whether `now` must lie within `not_before ..= not_after`.
    pub require_current: bool,
}

impl LifetimePolicy {
    /// 90 days: the default maximum range of lifetimes this member creates.
    pub const DEFAULT_SEND_MAX_RANGE: u64 = 90 * 24 * 60 * 60;
    /// 366 days: the default maximum range of lifetimes this member accepts,
    /// wide enough for the year-long KeyPackages other implementations and
    /// the official test vectors use.
    pub const DEFAULT_RECEIVE_MAX_RANGE: u64 = 366 * 24 * 60 * 60;

    /// The default for what this member sends: at most 90 days, current.
    pub const fn sending() -> Self {
        Self {
            max_range: Some(Self::DEFAULT_SEND_MAX_RANGE),
            require_current: true,
        }
    }

    /// The default for what this member receives: at most 366 days,
    /// current (the check RFC 9420 §7.3 recommends).
    pub const fn receiving() -> Self {
        Self {
            max_range: Some(Self::DEFAULT_RECEIVE_MAX_RANGE),
            require_current: true,
        }
    }

    /// A lenient receive policy (the default for received leaves): the
    /// range is still bounded, but the current time is not checked, so a
    /// group whose members joined with KeyPackages that have since expired
    /// can still be joined and followed. RFC 9420 §7.3 allows this for
    /// received leaves.
    pub const fn lenient() -> Self {
        Self {
            max_range: Some(Self::DEFAULT_RECEIVE_MAX_RANGE),
            require_current: false,
        }
    }

    /// Checks a lifetime against the policy at time `now`.
    // RFC 9420 §7.2, §7.3, R-7.2-05, R-7.3-06
    pub fn check(
        &self,
        leaf: LeafIndex,
        not_before: u64,
        not_after: u64,
        now: Timestamp,
    ) -> Result<(), TreeError> {
        let range = not_after.saturating_sub(not_before);
        if let Some(max) = self.max_range {
            if not_after < not_before || range > max {
                return Err(TreeError::LifetimeTooLong { leaf, range, max });
            }
        }
        if self.require_current && !(not_before..=not_after).contains(&now.0) {
            return Err(TreeError::LifetimeExpired {
                leaf,
                now: now.0,
                not_before,
                not_after,
            });
        }
        Ok(())
    }
}

/// The lifetime policies of a member (RFC 9420 §7.2, §7.3): one for what
/// it sends, one for what it receives.
///
/// RFC 9420 §7.3 requires the current time to lie within the lifetime of
/// every leaf in a message a client *sends*: its own KeyPackages and
/// leaves, and the KeyPackages of the Adds it commits, including those
/// proposed by others (a stale one is left out of the commit). For leaves
/// it *receives* the check is only recommended, and the default does not
/// make it: a member that comes back after days offline processes a
/// backlog of commits whose KeyPackages have expired since, and refusing
/// them would fork it from the group. The range of a received lifetime is
/// still bounded. An application that wants the recommended check sets
/// `receive` to [`LifetimePolicy::receiving`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LifetimeConfig {
    /// Applied to KeyPackages and leaves this member creates; its
    /// `require_current` also to the KeyPackages of the Adds it commits,
    /// whose range is bounded by `receive.max_range` (they are other
    /// clients' leaves).
    pub send: LifetimePolicy,
    /// Applied to leaves this member receives: in proposals, commits and
    /// the ratchet tree of a group it joins.
    pub receive: LifetimePolicy,
}

impl Default for LifetimeConfig {
    /// [`LifetimePolicy::sending`] and [`LifetimePolicy::lenient`].
    fn default() -> Self {
        Self {
            send: LifetimePolicy::sending(),
            receive: LifetimePolicy::lenient(),
        }
    }
}

/// The application's check of credentials (RFC 9420 §5.3.1): whether the
/// credential is acceptable and binds the signature key. MLS leaves this
/// to the application's Authentication Service.
pub trait CredentialValidator {
    /// Whether `credential`, presented with `signature_key`, is acceptable.
    fn validate(&self, credential: &Credential, signature_key: &SignaturePublicKey) -> bool;

    /// Whether a member may replace its credential `old` with `new`,
    /// presented with `signature_key`, in an Update or a commit's path
    /// (RFC 9420 §5.3.1: the new credential MUST be a valid successor of
    /// the old one, for example for the same identity). Called only when
    /// the credential changes, after [`validate`](Self::validate) accepted
    /// `new`. The default accepts what `validate` accepts.
    fn validate_successor(
        &self,
        old: &Credential,
        new: &Credential,
        signature_key: &SignaturePublicKey,
    ) -> bool {
        let _ = old;
        self.validate(new, signature_key)
    }

    /// Whether the credential `new` of a leaf in a new group identifies
    /// the same member as `old` in the group it comes from, for the
    /// membership checks of a ReInit's successor and of a branch subgroup
    /// (RFC 9420 §11.2, §11.3, §12.4.3.1: "according to the
    /// application"). Equal credentials always match without asking; this
    /// decides the others and should be an equivalence relation (for
    /// example: X.509 chains naming the same subject). The default matches
    /// only equal credentials, so signature keys may differ but the
    /// credential (type and content) may not.
    fn same_member(&self, old: &Credential, new: &Credential) -> bool {
        old == new
    }
}

impl<F: Fn(&Credential, &SignaturePublicKey) -> bool> CredentialValidator for F {
    fn validate(&self, credential: &Credential, signature_key: &SignaturePublicKey) -> bool {
        self(credential, signature_key)
    }
}

/// Where a LeafNode appears, which fixes its expected `leaf_node_source`
/// (RFC 9420 §7.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeafRole {
    /// In a KeyPackage: source `key_package`.
    KeyPackage,
    /// In an Update proposal: source `update`.
    Update,
    /// In a Commit's UpdatePath: source `commit`.
    Commit,
    /// In a ratchet tree: any source.
    InTree,
}

/// The group facts and policies a LeafNode is validated against.
#[derive(Clone, Copy)]
pub struct LeafContext<'a> {
    /// The group's ID, signed into `update` and `commit` leaves.
    pub group_id: &'a [u8],
    /// The group's `required_capabilities`, if any.
    pub required_capabilities: Option<&'a RequiredCapabilities>,
    /// The lifetime policy to apply.
    pub lifetime: LifetimePolicy,
    /// The current time.
    pub now: Timestamp,
    /// The application's credential check.
    pub credentials: &'a (dyn CredentialValidator + Sync),
}

impl core::fmt::Debug for LeafContext<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("LeafContext")
            .field("lifetime", &self.lifetime)
            .field("now", &self.now)
            .finish_non_exhaustive()
    }
}

/// Validates an HPKE public key that enters a tree or a KeyPackage with
/// the provider (RFC 9180 §7.1.4): a key the provider refuses becomes
/// `invalid`, the error naming where the key was; any other provider
/// failure (an unsupported suite) is returned as it is.
// RFC 9420 §5.1.1, §7.3, §10.1, R-5.1.1-01, R-10-02
pub fn check_hpke_public_key(
    crypto: &SuiteCrypto<'_>,
    key: &HpkePublicKey,
    invalid: impl Into<Error>,
) -> Result<(), Error> {
    match crypto.validate_hpke_public_key(key) {
        Ok(()) => Ok(()),
        Err(CryptoError::InvalidPublicKey) => Err(invalid.into()),
        Err(e) => Err(e.into()),
    }
}

/// Validates the `encryption_key` of every non-blank parent node
/// (RFC 9180 §7.1.4), as a joiner must for an imported tree; leaves are
/// checked by [`validate_leaf_node`].
// RFC 9420 §5.1.1, §12.4.3.1, R-10-02
pub fn check_parent_keys(crypto: &SuiteCrypto<'_>, tree: &impl TreeView) -> Result<(), Error> {
    let size = tree.size();
    for k in 0..size.leaf_count().saturating_sub(1) {
        let node = NodeIndex(2 * k + 1);
        if let Some(parent) = tree.parent_node(node) {
            check_hpke_public_key(
                crypto,
                &parent.encryption_key,
                TreeError::InvalidEncryptionKey { node },
            )?;
        }
    }
    Ok(())
}

/// Validates one LeafNode on its own (RFC 9420 §7.3): credential,
/// signature, required capabilities, lifetime, extensions listed in its
/// capabilities, credential type in its capabilities, source, and the
/// `encryption_key` as a public key of the suite (RFC 9180 §7.1.4). The
/// checks that need the whole group (key uniqueness, credential support
/// by every member) are made by the caller, or by [`validate_tree`].
pub fn validate_leaf_node(
    crypto: &SuiteCrypto<'_>,
    leaf: &LeafNode,
    index: LeafIndex,
    role: LeafRole,
    ctx: &LeafContext<'_>,
) -> Result<(), Error> {
    check_leaf_node_fields(crypto, leaf, index, role, ctx)?;
    verify_leaf_signature(crypto, leaf, index, ctx.group_id)
}

/// The checks of [`validate_leaf_node`] other than the signature, in the
/// same order: for a leaf this member has just signed itself, and for
/// callers that verify the signatures of many leaves together.
pub(crate) fn check_leaf_node_fields(
    crypto: &SuiteCrypto<'_>,
    leaf: &LeafNode,
    index: LeafIndex,
    role: LeafRole,
    ctx: &LeafContext<'_>,
) -> Result<(), Error> {
    let source_ok = matches!(
        (role, &leaf.leaf_node_source),
        (LeafRole::InTree, _)
            | (LeafRole::KeyPackage, LeafNodeSource::KeyPackage(_))
            | (LeafRole::Update, LeafNodeSource::Update)
            | (LeafRole::Commit, LeafNodeSource::Commit(_))
    );
    if !source_ok {
        // RFC 9420 §7.3, §10, R-7.3-07, R-10-05
        return Err(TreeError::WrongLeafNodeSource { leaf: index }.into());
    }
    let node = index
        .node()
        .ok_or(TreeError::LeafOutOfRange { leaf: index })?;
    // RFC 9420 §5.1.1, §7.3, R-10-02
    check_hpke_public_key(
        crypto,
        &leaf.encryption_key,
        TreeError::InvalidEncryptionKey { node },
    )?;
    if !ctx
        .credentials
        .validate(&leaf.credential, &leaf.signature_key)
    {
        // RFC 9420 §5.3.1, §7.3, R-5.3.1-01, R-7.3-01
        return Err(TreeError::InvalidCredential { leaf: index }.into());
    }
    let caps = &leaf.capabilities;
    let credential_type = leaf.credential.credential_type();
    // RFC 9420 §7.2, R-7.2-03
    if !caps.credentials.contains(&credential_type) {
        return Err(TreeError::CredentialNotInCapabilities {
            leaf: index,
            credential_type,
        }
        .into());
    }
    // RFC 9420 §7.2, §10, R-7.2-03, R-10-06
    if let Some(ext) = leaf
        .extensions
        .iter()
        .map(|e| e.extension_type)
        .find(|t| !t.is_default() && !caps.extensions.contains(t))
    {
        return Err(TreeError::ExtensionNotInCapabilities {
            leaf: index,
            extension_type: ext,
        }
        .into());
    }
    if let Some(extension_type) = leaf.extensions.first_duplicate() {
        // RFC 9420 §13.4, R-13.4-02 (docs/rfc9420-requirements.md)
        return Err(TreeError::DuplicateLeafExtension {
            leaf: index,
            extension_type,
        }
        .into());
    }
    if let Some(required) = ctx.required_capabilities {
        // RFC 9420 §7.3, R-7.3-03
        check_required(index, leaf, required)?;
    }
    if let LeafNodeSource::KeyPackage(lifetime) = &leaf.leaf_node_source {
        ctx.lifetime
            .check(index, lifetime.not_before, lifetime.not_after, ctx.now)?;
    }
    Ok(())
}

/// `VerifyWithLabel(signature_key, "LeafNodeTBS", LeafNodeTBS, signature)`
/// of the leaf at `index` (RFC 9420 §7.2, §7.3).
pub(crate) fn verify_leaf_signature(
    crypto: &SuiteCrypto<'_>,
    leaf: &LeafNode,
    index: LeafIndex,
    group_id: &[u8],
) -> Result<(), Error> {
    // RFC 9420 §7.3, R-7.3-02
    leaf.verify_signature(crypto, group_id, index)
}

/// The error of a failed leaf-signature verification.
fn leaf_signature_error(e: CryptoError, index: LeafIndex) -> TreeError {
    match e {
        CryptoError::InvalidPublicKey => TreeError::InvalidSignatureKey { leaf: index },
        _ => TreeError::InvalidLeafSignature { leaf: index },
    }
}

/// Checks that `leaf` lists every non-default type the group requires
/// (RFC 9420 §11.1).
pub(crate) fn check_required(
    index: LeafIndex,
    leaf: &LeafNode,
    required: &RequiredCapabilities,
) -> Result<(), TreeError> {
    let caps = &leaf.capabilities;
    let missing = |capability| TreeError::MissingRequiredCapability {
        leaf: index,
        capability,
    };
    if let Some(t) = required
        .extension_types
        .iter()
        .find(|t| !t.is_default() && !caps.extensions.contains(t))
    {
        return Err(missing(Capability::Extension(*t)));
    }
    if let Some(t) = required
        .proposal_types
        .iter()
        .find(|t| !t.is_default() && !caps.proposals.contains(t))
    {
        return Err(missing(Capability::Proposal(*t)));
    }
    if let Some(t) = required
        .credential_types
        .iter()
        .find(|t| !caps.credentials.contains(t))
    {
        return Err(missing(Capability::Credential(*t)));
    }
    Ok(())
}

/// Checks every parent's unmerged leaves (RFC 9420 §7.1, §12.4.3.1): sorted
/// and unique, each a non-blank leaf under the parent, and listed as
/// unmerged by every non-blank node in between.
pub fn check_unmerged_leaves(tree: &impl TreeView) -> Result<(), TreeError> {
    let size = tree.size();
    for k in 0..size.leaf_count().saturating_sub(1) {
        let parent = NodeIndex(2 * k + 1);
        let Some(p) = tree.parent_node(parent) else {
            continue;
        };
        if p.unmerged_leaves
            .windows(2)
            .any(|w| matches!(w, [a, b] if a >= b))
        {
            // RFC 9420 §7.1, R-7.1-01
            return Err(TreeError::UnmergedLeavesNotSorted { parent });
        }
        let span = (1u32 << parent.level()) - 1;
        let (lo, hi) = ((parent.0 - span) / 2, (parent.0 + span) / 2);
        for &leaf in &p.unmerged_leaves {
            if !(lo..=hi).contains(&leaf.0) {
                return Err(TreeError::UnmergedLeafNotDescendant { parent, leaf });
            }
            if tree.leaf(leaf).is_none() {
                return Err(TreeError::UnmergedLeafBlank { parent, leaf });
            }
            let start = leaf
                .node()
                .ok_or(TreeError::UnmergedLeafNotDescendant { parent, leaf })?;
            for between in size.direct_path(start).take_while(|n| *n != parent) {
                if let Some(q) = tree.parent_node(between) {
                    if q.unmerged_leaves.binary_search(&leaf).is_err() {
                        return Err(TreeError::UnmergedLeafNotInIntermediate {
                            parent,
                            intermediate: between,
                            leaf,
                        });
                    }
                }
            }
        }
    }
    Ok(())
}

/// Checks that no HPKE key appears in two nodes and no signature key in
/// two leaves (RFC 9420 §7.3, §12.4.3.1).
// RFC 9420 §7.3, R-7.3-09
pub fn check_unique_keys(tree: &impl TreeView) -> Result<(), TreeError> {
    let size = tree.size();
    let mut encryption: HashMap<&[u8], NodeIndex> = HashMap::new();
    let mut signature: HashMap<&[u8], LeafIndex> = HashMap::new();
    for x in 0..size.node_count() {
        let node = NodeIndex(x);
        let Some(key) = tree.node(node).encryption_key() else {
            continue;
        };
        if let Some(first) = encryption.insert(&key.0, node) {
            return Err(TreeError::DuplicateEncryptionKey {
                first,
                second: node,
            });
        }
        if let NodeRef::Leaf(leaf) = tree.node(node) {
            let index = LeafIndex(x / 2);
            if let Some(first) = signature.insert(&leaf.signature_key.0, index) {
                return Err(TreeError::DuplicateSignatureKey {
                    first,
                    second: index,
                });
            }
        }
    }
    Ok(())
}

/// Validates every leaf of the tree (RFC 9420 §7.3) and that each
/// credential type in use is supported by every member.
///
/// The result, including which error is returned when several leaves are
/// invalid, is that of checking each leaf in order, all checks of a leaf
/// before the next. The signatures are verified together
/// ([`SuiteCrypto::verify_with_label_many`]: batch verification, one
/// verification per leaf when a batch fails), beside the other checks
/// (with the `parallel` feature), and the first failure in that order
/// is reported.
// RFC 9420 §7.3, R-7.3-04
pub fn validate_leaves(
    crypto: &SuiteCrypto<'_>,
    tree: &RatchetTree,
    ctx: &LeafContext<'_>,
) -> Result<(), Error> {
    validate_leaves_after(crypto, tree, ctx, || Ok(()))
}

/// `before()`, then [`validate_leaves`], as if in that order: the leaves'
/// signatures are verified beside both, and an error of `before` comes
/// first.
pub(crate) fn validate_leaves_after(
    crypto: &SuiteCrypto<'_>,
    tree: &RatchetTree,
    ctx: &LeafContext<'_>,
    before: impl FnOnce() -> Result<(), Error> + Send,
) -> Result<(), Error> {
    let signed = signed_leaves(ctx.group_id, tree.members());
    // The cheap checks first (alone, without `parallel`: the signatures
    // are then verified only if `before` passed).
    let (first_bad, signatures) = crate::par::check_then(
        signed.len() >= crate::par::MIN_ITEMS,
        || {
            before()?;
            Ok::<_, Error>(first_bad_leaf(crypto, tree, ctx))
        },
        || first_bad_signature(crypto, &signed),
    )?;
    first_leaf_error(first_bad, signatures)
}

/// The result of checking each leaf in order, all checks of a leaf before
/// the next, from the first leaf (by position among the members) that
/// fails a check other than its signature and the first whose signature
/// fails.
pub(crate) fn first_leaf_error(
    first_bad_leaf: Option<(usize, Error)>,
    first_bad_signature: Option<(usize, Error)>,
) -> Result<(), Error> {
    match (first_bad_signature, first_bad_leaf) {
        (Some((at, e)), Some((bad, _))) if at < bad => Err(e),
        (_, Some((_, e))) | (Some((_, e)), None) => Err(e),
        (None, None) => Ok(()),
    }
}

/// The position among the members and the error of the first leaf that
/// fails a check other than its signature (§7.3), if any.
pub(crate) fn first_bad_leaf(
    crypto: &SuiteCrypto<'_>,
    tree: &RatchetTree,
    ctx: &LeafContext<'_>,
) -> Option<(usize, Error)> {
    let in_use = credential_types_in_use(tree);
    tree.members().enumerate().find_map(|(at, (index, leaf))| {
        check_supports_credentials(index, leaf, &in_use)
            .map_err(Error::from)
            .and_then(|()| check_leaf_node_fields(crypto, leaf, index, LeafRole::InTree, ctx))
            .err()
            .map(|e| (at, e))
    })
}

/// What verifying a leaf's signature (§7.3) takes, owned so that it can
/// be checked while the tree is built from the same nodes.
pub(crate) struct SignedLeaf {
    index: LeafIndex,
    key: SignaturePublicKey,
    signature: Vec<u8>,
    /// The LeafNodeTBS, or why it does not encode.
    tbs: Result<Vec<u8>, EncodeError>,
}

/// The [`SignedLeaf`] of each of `members`, in order (encoded with
/// [`par::map`](crate::par::map)).
pub(crate) fn signed_leaves<'a>(
    group_id: &[u8],
    members: impl Iterator<Item = (LeafIndex, &'a LeafNode)>,
) -> Vec<SignedLeaf> {
    let members: Vec<_> = members.collect();
    let split = members.len() >= crate::par::MIN_ITEMS;
    crate::par::map_if(split, &members, |(index, leaf)| SignedLeaf {
        index: *index,
        key: leaf.signature_key.clone(),
        signature: leaf.signature.clone(),
        tbs: leaf.tbs_bytes(group_id, *index),
    })
}

/// The position and the error of the first of `signed` whose signature
/// does not verify or whose LeafNodeTBS does not encode, if any.
pub(crate) fn first_bad_signature(
    crypto: &SuiteCrypto<'_>,
    signed: &[SignedLeaf],
) -> Option<(usize, Error)> {
    let encoded = signed
        .iter()
        .position(|s| s.tbs.is_err())
        .unwrap_or(signed.len());
    let items: Vec<_> = signed
        .iter()
        .take(encoded)
        .filter_map(|s| {
            Some((
                &s.key,
                s.tbs.as_ref().ok()?.as_slice(),
                s.signature.as_slice(),
            ))
        })
        .collect();
    match crypto.verify_with_label_many("LeafNodeTBS", &items) {
        Ok(()) => signed.get(encoded).and_then(|s| match &s.tbs {
            Err(e) => Some((encoded, (*e).into())),
            Ok(_) => None,
        }),
        Err(failed) => Some(match signed.get(failed.index) {
            Some(s) => (
                failed.index,
                leaf_signature_error(failed.error, s.index).into(),
            ),
            None => (
                failed.index,
                Error::Internal("failed signature out of range"),
            ),
        }),
    }
}

/// The credential types of the members of `tree`.
pub(crate) fn credential_types_in_use(tree: &RatchetTree) -> BTreeSet<CredentialType> {
    tree.members()
        .map(|(_, l)| l.credential.credential_type())
        .collect()
}

/// §7.3: the leaf at `index` lists every credential type of `types` in
/// its capabilities.
pub(crate) fn check_supports_credentials<'a>(
    index: LeafIndex,
    leaf: &LeafNode,
    types: impl IntoIterator<Item = &'a CredentialType>,
) -> Result<(), TreeError> {
    match types
        .into_iter()
        .find(|t| !leaf.capabilities.credentials.contains(t))
    {
        Some(t) => Err(TreeError::CredentialTypeNotSupported {
            leaf: index,
            credential_type: *t,
        }),
        None => Ok(()),
    }
}

/// Validates a ratchet tree received by a joiner (RFC 9420 §12.4.3.1):
/// the tree hash matches `expected_tree_hash`, unmerged leaves are
/// consistent, keys are unique, every parent's key is a valid public key
/// of the suite, every non-blank parent is parent-hash valid, and every
/// leaf is valid.
// RFC 9420 §12.4.3.1, §12.4.3.3, R-12.4.3.1-07, R-12.4.3.3-03
pub fn validate_tree(
    crypto: &SuiteCrypto<'_>,
    tree: &RatchetTree,
    expected_tree_hash: &[u8],
    ctx: &LeafContext<'_>,
) -> Result<(), Error> {
    validate_leaves_after(crypto, tree, ctx, || {
        validate_tree_nodes(crypto, tree, expected_tree_hash)
    })
}

/// The checks of [`validate_tree`] before the leaves': tree hash,
/// unmerged leaves, unique keys, parent keys and parent hashes.
pub(crate) fn validate_tree_nodes(
    crypto: &SuiteCrypto<'_>,
    tree: &RatchetTree,
    expected_tree_hash: &[u8],
) -> Result<(), Error> {
    if tree.tree_hash() != expected_tree_hash {
        return Err(TreeError::TreeHashMismatch.into());
    }
    check_unmerged_leaves(tree)?;
    check_unique_keys(tree)?;
    check_parent_keys(crypto, tree)?;
    verify_parent_hashes(crypto, tree)
}
