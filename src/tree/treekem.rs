//! TreeKEM (RFC 9420 §7.4-§7.6): creating an UpdatePath as a committer,
//! and merging and decrypting another member's UpdatePath.
//!
//! Both sides work on a [`TreeDiff`]: the member's tree is untouched until
//! the caller merges the staged result, and untouched after any error. A
//! path is handled in two steps because the encryption context is the
//! provisional GroupContext, whose tree hash covers the new path:
//!
//! - committer: [`prepare_update_path`] puts the new keys, parent hashes and
//!   signed leaf into the diff; the caller computes the new tree hash and
//!   GroupContext; [`encrypt_update_path`] encrypts the path secrets.
//! - receiver: [`merge_update_path`] puts the sender's keys into the diff and
//!   checks the leaf's parent hash; the caller computes the GroupContext;
//!   [`decrypt_update_path`] recovers the path secret and commit secret.
//!
//! [`TreeKemPrivate`] implements [`Encode`](crate::codec::Encode) and
//! [`Decode`](crate::codec::Decode) for the caller's own storage of its
//! group state; that encoding is not a wire format of the RFC.

mod state;

use std::collections::BTreeMap;

use rand_core::CryptoRng;

use super::diff::TreeDiff;
use super::error::TreeError;
use super::parent_hash::set_path_parent_hashes;
use super::ratchet_tree::TreeView;
use super::validate::check_hpke_public_key;
use super::{LeafIndex, LeafNode, LeafNodeSource, NodeIndex, ParentNode};
use super::{UpdatePath, UpdatePathNode};
use crate::crypto::{HpkePrivateKey, HpkePublicKey, Secret, SignaturePrivateKey, SuiteCrypto};
use crate::error::Error;

/// The label of path-secret encryption (RFC 9420 §7.6).
const UPDATE_PATH_LABEL: &str = "UpdatePathNode";

/// `node_secret = DeriveSecret(path_secret, "node")` and the key pair
/// `DeriveKeyPair(node_secret)` (RFC 9420 §7.4).
// RFC 9420 §7.4, R-7.4-01
pub fn derive_node_key_pair(
    crypto: &SuiteCrypto<'_>,
    path_secret: &Secret,
) -> Result<(HpkePrivateKey, HpkePublicKey), Error> {
    let node_secret = crypto.derive_secret(path_secret.as_bytes(), "node")?;
    Ok(crypto.derive_key_pair(node_secret.as_bytes())?)
}

/// `path_secret[n+1] = DeriveSecret(path_secret[n], "path")` (RFC 9420 §7.4).
// RFC 9420 §7.4, R-7.4-01
pub fn next_path_secret(crypto: &SuiteCrypto<'_>, path_secret: &Secret) -> Result<Secret, Error> {
    Ok(crypto.derive_secret(path_secret.as_bytes(), "path")?)
}

/// The private keys a member holds in the ratchet tree: its leaf's and
/// those of the parent nodes above it that it knows (RFC 9420 §4.2). Each
/// key is stored with its public key, so a key whose node has since
/// changed is never used.
#[derive(Clone, PartialEq, Eq)]
pub struct TreeKemPrivate {
    own_leaf: LeafIndex,
    keys: BTreeMap<NodeIndex, (HpkePublicKey, HpkePrivateKey)>,
}

impl core::fmt::Debug for TreeKemPrivate {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TreeKemPrivate")
            .field("own_leaf", &self.own_leaf)
            .field("nodes", &self.keys.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl TreeKemPrivate {
    /// The state of a member at `own_leaf` holding only its leaf key.
    pub fn new(
        own_leaf: LeafIndex,
        leaf_public: HpkePublicKey,
        leaf_private: HpkePrivateKey,
    ) -> Result<Self, TreeError> {
        let node = own_leaf
            .node()
            .ok_or(TreeError::LeafOutOfRange { leaf: own_leaf })?;
        let mut keys = BTreeMap::new();
        keys.insert(node, (leaf_public, leaf_private));
        Ok(Self { own_leaf, keys })
    }

    /// The member's leaf.
    pub fn own_leaf(&self) -> LeafIndex {
        self.own_leaf
    }

    /// The nodes whose private keys are held.
    pub fn nodes(&self) -> impl Iterator<Item = NodeIndex> + '_ {
        self.keys.keys().copied()
    }

    /// The private key for `node` if held and matching `public`.
    pub fn private_key(&self, node: NodeIndex, public: &HpkePublicKey) -> Option<&HpkePrivateKey> {
        self.keys
            .get(&node)
            .filter(|(p, _)| p == public)
            .map(|(_, k)| k)
    }

    /// Stores the key pair for `node`. Nothing is checked here: a key that
    /// does not match the tree makes later decryptions fail, so check the
    /// result with [`check_consistent`](Self::check_consistent) before
    /// using it.
    pub fn insert(&mut self, node: NodeIndex, public: HpkePublicKey, private: HpkePrivateKey) {
        self.keys.insert(node, (public, private));
    }

    /// Derives the key pair of `node` from `path_secret`, stores it, and
    /// returns its public key.
    pub fn set_path_secret(
        &mut self,
        crypto: &SuiteCrypto<'_>,
        node: NodeIndex,
        path_secret: &Secret,
    ) -> Result<HpkePublicKey, Error> {
        let (private, public) = derive_node_key_pair(crypto, path_secret)?;
        self.keys.insert(node, (public.clone(), private));
        Ok(public)
    }

    /// Takes the keys of a joiner (RFC 9420 §12.4.3.1): `path_secret` is
    /// the secret of `start` (the lowest common ancestor of the joiner and
    /// the committer); each non-blank node above it on the joiner's direct
    /// path gets the next secret of the chain. Every derived public key
    /// must match the tree.
    // RFC 9420 §12.4.3.1, R-12.4.3.1-09
    pub fn set_path_from(
        &mut self,
        crypto: &SuiteCrypto<'_>,
        tree: &impl TreeView,
        start: NodeIndex,
        path_secret: Secret,
    ) -> Result<(), Error> {
        let size = tree.size();
        let mut secret = path_secret;
        for node in core::iter::once(start).chain(size.direct_path(start)) {
            let Some(parent) = tree.parent_node(node) else {
                continue;
            };
            let (private, public) = derive_node_key_pair(crypto, &secret)?;
            if public != parent.encryption_key {
                return Err(TreeError::PathKeyMismatch { node }.into());
            }
            self.keys.insert(node, (public, private));
            secret = next_path_secret(crypto, &secret)?;
        }
        Ok(())
    }

    /// Checks that every held key belongs to a non-blank node of `tree`
    /// carrying the same public key.
    pub fn check_consistent(&self, tree: &impl TreeView) -> Result<(), TreeError> {
        for (node, (public, _)) in &self.keys {
            if tree.node(*node).encryption_key() != Some(public) {
                return Err(TreeError::PathKeyMismatch { node: *node });
            }
        }
        Ok(())
    }

    /// Deletes every private key held (they are wiped as they are
    /// dropped), for a member removed from the group (RFC 9420 §12.4.2).
    /// The state then no longer matches the tree, which
    /// [`check_consistent`](Self::check_consistent) reports.
    pub fn clear(&mut self) {
        self.keys.clear();
    }

    /// Deletes keys whose node is blank or carries another key now
    /// (RFC 9420 §7.5: outdated key pairs are deleted).
    // RFC 9420 §7.5, R-7.5-05
    pub fn prune(&mut self, tree: &impl TreeView) {
        self.keys
            .retain(|node, (public, _)| tree.node(*node).encryption_key() == Some(public));
    }
}

/// A path secret of the committer's filtered direct path.
#[derive(Debug, Clone)]
pub struct PathSecretEntry {
    /// The direct-path node.
    pub node: NodeIndex,
    /// Its child on the copath, whose resolution receives the secret.
    pub copath: NodeIndex,
    /// The path secret of `node`.
    pub path_secret: Secret,
}

/// A committer's new path, staged in a diff and waiting for the
/// provisional GroupContext to be encrypted.
#[derive(Debug, Clone)]
pub struct PendingPath {
    /// The committer's leaf.
    pub sender: LeafIndex,
    /// The new, signed leaf node.
    pub leaf_node: LeafNode,
    /// The path secrets, leaf to root along the filtered direct path.
    pub path: Vec<PathSecretEntry>,
    /// The commit secret derived from the root's path secret (RFC 9420 §8).
    pub commit_secret: Secret,
    /// The committer's private keys once the path is merged.
    pub private: TreeKemPrivate,
}

impl PendingPath {
    /// The path secret of `node`, for a joiner whose lowest common ancestor
    /// with the committer is `node` (RFC 9420 §12.4.3.1).
    pub fn path_secret(&self, node: NodeIndex) -> Option<&Secret> {
        self.path
            .iter()
            .find(|e| e.node == node)
            .map(|e| &e.path_secret)
    }

    /// The path secret a new member at `joiner` receives in its Welcome,
    /// with the node it belongs to: that of the lowest node on the
    /// committer's filtered direct path above the joiner, which is their
    /// lowest common ancestor (RFC 9420 §12.4.3.1).
    // RFC 9420 §12.4.1, R-12.4.1-02
    pub fn path_secret_for(
        &self,
        size: super::TreeSize,
        joiner: LeafIndex,
    ) -> Option<(NodeIndex, &Secret)> {
        let (Some(s), Some(j)) = (self.sender.node(), joiner.node()) else {
            return None;
        };
        let ancestor = size.common_ancestor(s, j);
        self.path
            .iter()
            .find(|e| size.common_ancestor(e.node, ancestor) == e.node)
            .map(|e| (e.node, &e.path_secret))
    }
}

/// Generates a fresh path for the committer at `sender` (RFC 9420 §7.4,
/// §7.5) and stages it in `diff`, which already holds the commit's
/// proposals: blanks the direct path, sets a new key on every node of the
/// filtered direct path, sets the parent hashes, and puts the new leaf,
/// built from `template` with a fresh encryption key, source `commit` and
/// the leaf's parent hash, signed with `signer` for `group_id`.
pub fn prepare_update_path(
    crypto: &SuiteCrypto<'_>,
    diff: &mut TreeDiff<'_>,
    sender: LeafIndex,
    template: LeafNode,
    signer: &SignaturePrivateKey,
    group_id: &[u8],
    rng: &mut (impl CryptoRng + ?Sized),
) -> Result<PendingPath, Error> {
    if diff.leaf(sender).is_none() {
        return Err(TreeError::BlankLeaf { leaf: sender }.into());
    }
    diff.blank_direct_path(sender)?;
    let path = diff.filtered_direct_path(sender);

    let leaf_secret = crypto.random_secret(crypto.hash_len(), rng);
    let (leaf_private, leaf_public) = derive_node_key_pair(crypto, &leaf_secret)?;
    let mut private = TreeKemPrivate::new(sender, leaf_public.clone(), leaf_private)?;

    let mut secret = next_path_secret(crypto, &leaf_secret)?;
    let mut entries = Vec::with_capacity(path.len());
    for (node, copath) in &path {
        let public = private.set_path_secret(crypto, *node, &secret)?;
        let parent = ParentNode {
            encryption_key: public,
            parent_hash: Vec::new(),
            unmerged_leaves: Vec::new(),
        };
        diff.set_parent(*node, Some(parent))?;
        let next = next_path_secret(crypto, &secret)?;
        entries.push(PathSecretEntry {
            node: *node,
            copath: *copath,
            path_secret: secret,
        });
        secret = next;
    }
    let commit_secret = secret;

    let leaf_parent_hash = set_path_parent_hashes(crypto, diff, &path)?;
    let mut leaf_node = template;
    leaf_node.encryption_key = leaf_public;
    leaf_node.leaf_node_source = LeafNodeSource::Commit(leaf_parent_hash);
    // RFC 9420 §7.2, §7.5, R-7.2-07, R-7.5-01 (the creator's leaf is not validated again)
    leaf_node.sign(crypto, signer, group_id, sender)?;
    diff.set_leaf(sender, Some(leaf_node.clone()))?;

    Ok(PendingPath {
        sender,
        leaf_node,
        path: entries,
        commit_secret,
        private,
    })
}

/// Encrypts each path secret of `pending` to the resolution of its copath
/// node in `tree` (the staged tree), leaving out new members for which
/// `exclude` holds (RFC 9420 §7.6, §12.4.2). `group_context` is the
/// encoded provisional GroupContext.
// RFC 9420 §7.5, §7.6, R-7.5-02, R-7.6-01
pub fn encrypt_update_path(
    crypto: &SuiteCrypto<'_>,
    tree: &impl TreeView,
    pending: &PendingPath,
    group_context: &[u8],
    exclude: &dyn Fn(LeafIndex) -> bool,
    rng: &mut (impl CryptoRng + ?Sized),
) -> Result<UpdatePath, Error> {
    // Every path secret is sealed under the same `info` (the label and
    // the GroupContext): one provider call for all of them. Seeds are drawn
    // in path order, resolution order, as one seal after another would.
    let mut counts = Vec::with_capacity(pending.path.len());
    let mut targets = Vec::new();
    let mut resolution = Vec::new();
    for entry in &pending.path {
        resolution.clear();
        tree.resolution_excluding(entry.copath, exclude, &mut resolution);
        counts.push(resolution.len());
        for r in &resolution {
            let key = tree
                .node(*r)
                .encryption_key()
                .ok_or(Error::Internal("blank node in a resolution"))?;
            targets.push((key, entry.path_secret.as_bytes()));
        }
    }
    let mut sealed = crypto
        .encrypt_with_label_many(&targets, UPDATE_PATH_LABEL, group_context, rng)?
        .into_iter();
    let mut nodes = Vec::with_capacity(pending.path.len());
    for (entry, count) in pending.path.iter().zip(counts) {
        let ciphertexts: Vec<_> = sealed.by_ref().take(count).collect();
        if ciphertexts.len() != count {
            return Err(Error::Internal("fewer ciphertexts than recipients"));
        }
        let encryption_key = tree
            .parent_node(entry.node)
            .map(|p| p.encryption_key.clone())
            .ok_or(Error::Internal("path node blank after prepare"))?;
        nodes.push(UpdatePathNode {
            encryption_key,
            encrypted_path_secret: ciphertexts,
        });
    }
    Ok(UpdatePath {
        leaf_node: pending.leaf_node.clone(),
        nodes,
    })
}

/// Merges the public part of `sender`'s UpdatePath into `diff` (RFC 9420
/// §7.5): blanks the sender's direct path, sets the path's keys on its
/// filtered direct path with empty unmerged lists, recomputes the parent
/// hashes and checks the leaf's, and sets the sender's new leaf. Each path
/// node's key must be a valid public key of the suite
/// ([`TreeError::InvalidEncryptionKey`]). The leaf node itself must be
/// validated by the caller (§7.3).
// RFC 9420 §7.5, R-7.5-03
pub fn merge_update_path(
    crypto: &SuiteCrypto<'_>,
    diff: &mut TreeDiff<'_>,
    sender: LeafIndex,
    update_path: &UpdatePath,
) -> Result<(), Error> {
    if diff.leaf(sender).is_none() {
        return Err(TreeError::BlankLeaf { leaf: sender }.into());
    }
    diff.blank_direct_path(sender)?;
    let path = diff.filtered_direct_path(sender);
    if path.len() != update_path.nodes.len() {
        return Err(TreeError::WrongPathLength {
            expected: path.len(),
            got: update_path.nodes.len(),
        }
        .into());
    }
    // Every new parent key is a valid public key of the suite (RFC 9180
    // §7.1.4); the leaf's is checked with the leaf (§7.3).
    // RFC 9420 §5.1.1, R-10-02
    for ((node, _), path_node) in path.iter().zip(&update_path.nodes) {
        check_hpke_public_key(
            crypto,
            &path_node.encryption_key,
            TreeError::InvalidEncryptionKey { node: *node },
        )?;
    }
    // Every new key must be fresh: not elsewhere in the tree, not repeated
    // in the path (RFC 9420 §7.3, §12.4.3.1).
    let leaf_node = sender
        .node()
        .ok_or(TreeError::LeafOutOfRange { leaf: sender })?;
    let new_keys = path
        .iter()
        .map(|(n, _)| *n)
        .zip(update_path.nodes.iter().map(|p| &p.encryption_key))
        .chain(core::iter::once((
            leaf_node,
            &update_path.leaf_node.encryption_key,
        )));
    let mut seen = std::collections::HashMap::new();
    for (node, key) in new_keys {
        let holder = diff.find_encryption_key(key).filter(|h| *h != node);
        if let Some(first) = holder.or_else(|| seen.insert(key, node)) {
            // RFC 9420 §7.3, §12.4.2, R-7.3-09, R-12.4.2-04
            return Err(TreeError::DuplicateEncryptionKey {
                first,
                second: node,
            }
            .into());
        }
    }
    for ((node, _), path_node) in path.iter().zip(&update_path.nodes) {
        let parent = ParentNode {
            encryption_key: path_node.encryption_key.clone(),
            parent_hash: Vec::new(),
            unmerged_leaves: Vec::new(),
        };
        diff.set_parent(*node, Some(parent))?;
    }
    let expected = set_path_parent_hashes(crypto, diff, &path)?;
    match &update_path.leaf_node.leaf_node_source {
        LeafNodeSource::Commit(ph) if *ph == expected => {}
        // RFC 9420 §7.9.2, R-7.9.2-02
        _ => return Err(TreeError::LeafParentHashMismatch { leaf: sender }.into()),
    }
    diff.set_leaf(sender, Some(update_path.leaf_node.clone()))?;
    Ok(())
}

/// What a receiver learns from another member's UpdatePath.
#[derive(Debug, Clone)]
pub struct ReceivedPath {
    /// The path secret this member decrypted.
    pub path_secret: Secret,
    /// The node whose path secret it is.
    pub node: NodeIndex,
    /// The commit secret (RFC 9420 §8).
    pub commit_secret: Secret,
    /// This member's private keys once the path is merged.
    pub private: TreeKemPrivate,
}

/// Decrypts the path secret addressed to this member in `sender`'s
/// UpdatePath, derives the path above it and the commit secret, and checks
/// every derived public key against the path (RFC 9420 §7.5). `tree` is
/// the staged tree after [`merge_update_path`]; `group_context` the encoded
/// provisional GroupContext; `exclude` holds for the commit's new members.
// RFC 9420 §7.5, §7.6, R-7.5-02, R-7.6-01
pub fn decrypt_update_path(
    crypto: &SuiteCrypto<'_>,
    tree: &impl TreeView,
    sender: LeafIndex,
    update_path: &UpdatePath,
    own: &TreeKemPrivate,
    group_context: &[u8],
    exclude: &dyn Fn(LeafIndex) -> bool,
) -> Result<ReceivedPath, Error> {
    let size = tree.size();
    let path = tree.filtered_direct_path(sender);
    if path.len() != update_path.nodes.len() {
        return Err(TreeError::WrongPathLength {
            expected: path.len(),
            got: update_path.nodes.len(),
        }
        .into());
    }
    let (Some(sender_node), Some(own_node)) = (sender.node(), own.own_leaf().node()) else {
        return Err(TreeError::LeafOutOfRange { leaf: sender }.into());
    };
    if sender == own.own_leaf() {
        return Err(TreeError::NoDecryptablePathSecret.into());
    }
    let ancestor = size.common_ancestor(sender_node, own_node);

    let mut found = None;
    let mut resolution = Vec::new();
    for (i, ((node, copath), path_node)) in path.iter().zip(&update_path.nodes).enumerate() {
        // Only the common ancestor's resolution is needed as a list (to
        // find this member's key in it); the others are only counted.
        let decrypt_here = *node == ancestor && found.is_none();
        let expected = if decrypt_here {
            resolution.clear();
            tree.resolution_excluding(*copath, exclude, &mut resolution);
            resolution.len()
        } else {
            tree.resolution_len_excluding(*copath, exclude)
        };
        if expected != path_node.encrypted_path_secret.len() {
            // RFC 9420 §7.6, R-7.5-02
            return Err(TreeError::WrongCiphertextCount {
                node: *node,
                expected,
                got: path_node.encrypted_path_secret.len(),
            }
            .into());
        }
        if !decrypt_here {
            continue;
        }
        let hit = resolution
            .iter()
            .zip(&path_node.encrypted_path_secret)
            .find_map(|(r, ct)| {
                let public = tree.node(*r).encryption_key()?;
                Some((own.private_key(*r, public)?, ct))
            });
        let (key, ct) = hit.ok_or(TreeError::NoDecryptablePathSecret)?;
        let secret = crypto.decrypt_with_label(
            key,
            UPDATE_PATH_LABEL,
            group_context,
            &ct.kem_output,
            &ct.ciphertext,
        )?;
        found = Some((i, secret));
    }
    let (start, path_secret) = found.ok_or(TreeError::NoDecryptablePathSecret)?;

    let mut private = own.clone();
    for node in size.direct_path(sender_node) {
        private.keys.remove(&node);
    }
    let mut secret = path_secret.clone();
    for ((node, _), path_node) in path.iter().zip(&update_path.nodes).skip(start) {
        let (node_private, node_public) = derive_node_key_pair(crypto, &secret)?;
        if node_public != path_node.encryption_key {
            // RFC 9420 §7.5, R-7.5-04
            return Err(TreeError::PathKeyMismatch { node: *node }.into());
        }
        private.insert(*node, node_public, node_private);
        secret = next_path_secret(crypto, &secret)?;
    }
    let node = path
        .get(start)
        .map(|(n, _)| *n)
        .ok_or(Error::Internal("decrypted node vanished"))?;
    Ok(ReceivedPath {
        path_secret,
        node,
        commit_secret: secret,
        private,
    })
}
