//! The public ratchet tree of an epoch (RFC 9420 §4, §7): storage, node
//! access, resolutions and filtered direct paths, import and export.
//!
//! Leaves and parents live in two arrays indexed by leaf index and by
//! `node / 2`. Every node's tree hash (§7.8) is cached: importing a tree
//! hashes every node once, and a merged [`StagedTree`] brings the hashes it
//! recomputed, so the cache is always complete and [`RatchetTree::tree_hash`]
//! is free. Encryption and signature keys are indexed for the uniqueness
//! checks of §7.3.

use super::key_index::KeyIndex;
use std::sync::OnceLock;

mod import;

use super::diff::StagedTree;
use super::error::TreeError;
use super::tree_hash::{Encoding, NodeHashes, TreeHasher};
use super::{LeafIndex, LeafNode, Node, NodeIndex, ParentNode, TreeSize};
use crate::codec::{Encode, EncodeError, vector_len, write_varint};
use crate::crypto::{HpkePublicKey, SignaturePublicKey, SuiteCrypto};
use crate::error::Error;

/// A borrowed node of the tree.
#[derive(Debug, Clone, Copy)]
pub enum NodeRef<'a> {
    /// A blank node.
    Blank,
    /// A leaf node.
    Leaf(&'a LeafNode),
    /// A parent node.
    Parent(&'a ParentNode),
}

impl<'a> NodeRef<'a> {
    /// Whether the node is blank.
    pub fn is_blank(self) -> bool {
        matches!(self, NodeRef::Blank)
    }

    /// The node's HPKE public key, if it is not blank.
    pub fn encryption_key(self) -> Option<&'a HpkePublicKey> {
        match self {
            NodeRef::Blank => None,
            NodeRef::Leaf(l) => Some(&l.encryption_key),
            NodeRef::Parent(p) => Some(&p.encryption_key),
        }
    }
}

/// Read access shared by the tree and its staged diffs, and the tree
/// relations of RFC 9420 §4.1.2 and §7.1 built on it.
pub trait TreeView {
    /// The tree size.
    fn size(&self) -> TreeSize;

    /// The leaf at `leaf`, if it exists and is not blank.
    fn leaf(&self, leaf: LeafIndex) -> Option<&LeafNode>;

    /// The parent node at `node`, if `node` is a non-blank parent.
    fn parent_node(&self, node: NodeIndex) -> Option<&ParentNode>;

    /// Which node holds `key` as its encryption key.
    fn find_encryption_key(&self, key: &HpkePublicKey) -> Option<NodeIndex>;

    /// Which leaf holds `key` as its signature key.
    fn find_signature_key(&self, key: &SignaturePublicKey) -> Option<LeafIndex>;

    /// The non-blank leaves with their indices, in order.
    fn members(&self) -> impl Iterator<Item = (LeafIndex, &LeafNode)> {
        (0..self.size().leaf_count())
            .map(LeafIndex)
            .filter_map(|l| Some((l, self.leaf(l)?)))
    }

    /// The node at `node`.
    fn node(&self, node: NodeIndex) -> NodeRef<'_> {
        match node.leaf() {
            Some(leaf) => self.leaf(leaf).map_or(NodeRef::Blank, NodeRef::Leaf),
            None => self
                .parent_node(node)
                .map_or(NodeRef::Blank, NodeRef::Parent),
        }
    }

    /// Whether `node` is blank (or outside the tree).
    fn is_blank(&self, node: NodeIndex) -> bool {
        self.node(node).is_blank()
    }

    /// Whether any node in the subtree under `node` is non-blank, i.e.
    /// whether its resolution is non-empty.
    fn subtree_has_content(&self, node: NodeIndex) -> bool {
        if !self.is_blank(node) {
            return true;
        }
        match (node.left(), node.right()) {
            (Some(l), Some(r)) => self.subtree_has_content(l) || self.subtree_has_content(r),
            _ => false,
        }
    }

    /// The resolution of `node` (RFC 9420 §4.1.2): the node itself and its
    /// unmerged leaves if it is not blank, nothing for a blank leaf, the
    /// resolutions of the children for a blank parent. Leaves for which
    /// `exclude` holds are left out (new members, RFC 9420 §12.4.2).
    // RFC 9420 §7.5, R-7.5-02
    fn resolution_excluding(
        &self,
        node: NodeIndex,
        exclude: &dyn Fn(LeafIndex) -> bool,
        out: &mut Vec<NodeIndex>,
    ) {
        match self.node(node) {
            NodeRef::Leaf(_) => {
                if !node.leaf().is_some_and(exclude) {
                    out.push(node);
                }
            }
            NodeRef::Parent(p) => {
                out.push(node);
                out.extend(
                    p.unmerged_leaves
                        .iter()
                        .filter(|l| !exclude(**l))
                        .filter_map(|l| l.node()),
                );
            }
            NodeRef::Blank => {
                if let (Some(l), Some(r)) = (node.left(), node.right()) {
                    self.resolution_excluding(l, exclude, out);
                    self.resolution_excluding(r, exclude, out);
                }
            }
        }
    }

    /// The length of [`resolution_excluding`](Self::resolution_excluding)
    /// of `node`, counted without building it: what a receiver checks
    /// against the ciphertext count of each UpdatePath node it does not
    /// decrypt (RFC 9420 §7.6). In a tree of blank parents those
    /// resolutions together hold every leaf.
    fn resolution_len_excluding(
        &self,
        node: NodeIndex,
        exclude: &dyn Fn(LeafIndex) -> bool,
    ) -> usize {
        match self.node(node) {
            NodeRef::Leaf(_) => usize::from(!node.leaf().is_some_and(exclude)),
            NodeRef::Parent(p) => {
                1 + p
                    .unmerged_leaves
                    .iter()
                    .filter(|l| !exclude(**l) && l.node().is_some())
                    .count()
            }
            NodeRef::Blank => match (node.left(), node.right()) {
                (Some(l), Some(r)) => {
                    self.resolution_len_excluding(l, exclude)
                        + self.resolution_len_excluding(r, exclude)
                }
                _ => 0,
            },
        }
    }

    /// The resolution of `node` (RFC 9420 §4.1.2).
    fn resolution(&self, node: NodeIndex) -> Vec<NodeIndex> {
        let mut out = Vec::new();
        self.resolution_excluding(node, &|_| false, &mut out);
        out
    }

    /// The filtered direct path of `leaf` with the matching copath nodes
    /// (RFC 9420 §4.1.2): each direct-path node whose child on the copath
    /// has a non-empty resolution, paired with that child, leaf to root.
    fn filtered_direct_path(&self, leaf: LeafIndex) -> Vec<(NodeIndex, NodeIndex)> {
        let size = self.size();
        let Some(start) = leaf.node().filter(|n| size.contains(*n)) else {
            return Vec::new();
        };
        core::iter::once(start)
            .chain(size.direct_path(start))
            .zip(size.direct_path(start))
            .filter_map(|(child, parent)| {
                let copath = size.sibling(child)?;
                self.subtree_has_content(copath).then_some((parent, copath))
            })
            .collect()
    }

    /// The leftmost blank leaf at or after `from`, if any.
    fn leftmost_blank_leaf_from(&self, from: u32) -> Option<LeafIndex> {
        (from..self.size().leaf_count())
            .map(LeafIndex)
            .find(|l| self.leaf(*l).is_none())
    }

    /// The number of non-blank leaves.
    fn member_count(&self) -> usize {
        (0..self.size().leaf_count())
            .filter(|l| self.leaf(LeafIndex(*l)).is_some())
            .count()
    }

    /// Appends `node` encoded as `optional<Node>` (RFC 9420 §12.4.3.3).
    fn write_node(&self, node: NodeIndex, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        encode_node_ref(self.node(node), out)
    }

    /// The length of [`write_node`](Self::write_node)'s output.
    fn node_encoded_len(&self, node: NodeIndex) -> Result<usize, EncodeError> {
        node_ref_encoded_len(self.node(node))
    }

    /// The number of nodes in the `ratchet_tree` node list: up to the last
    /// non-blank node.
    fn node_list_len(&self) -> u32 {
        (0..self.size().node_count())
            .rev()
            .find(|i| !self.is_blank(NodeIndex(*i)))
            .map_or(0, |i| i + 1)
    }

    /// Appends the node list as carried in a `ratchet_tree` extension,
    /// `optional<Node> ratchet_tree<V>` (RFC 9420 §12.4.3.3), without
    /// building it: nodes a tree has cached encodings for are copied.
    // RFC 9420 §12.4.3.3, R-12.4.3.3-01
    fn encode_node_list(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let end = self.node_list_len();
        let body = (0..end).try_fold(0usize, |sum, i| {
            Ok::<_, EncodeError>(sum.saturating_add(self.node_encoded_len(NodeIndex(i))?))
        })?;
        out.reserve(vector_len(body)?);
        write_varint(body, out)?;
        (0..end).try_for_each(|i| self.write_node(NodeIndex(i), out))
    }

    /// [`encode_node_list`](Self::encode_node_list) into a new buffer: the
    /// `ratchet_tree` extension's data, or the tree delivered out of band.
    fn node_list_bytes(&self) -> Result<Vec<u8>, EncodeError> {
        let mut out = Vec::new();
        self.encode_node_list(&mut out)?;
        Ok(out)
    }

    /// The node list as carried in a `ratchet_tree` extension: every node in
    /// array order, without trailing blanks (RFC 9420 §12.4.3.3).
    // RFC 9420 §12.4.3.3, R-12.4.3.3-01
    fn to_nodes(&self) -> Vec<Option<Node>> {
        let mut nodes: Vec<Option<Node>> = (0..self.size().node_count())
            .map(|i| match self.node(NodeIndex(i)) {
                NodeRef::Blank => None,
                NodeRef::Leaf(l) => Some(Node::leaf(l.clone())),
                NodeRef::Parent(p) => Some(Node::parent(p.clone())),
            })
            .collect();
        while nodes.last().is_some_and(Option::is_none) {
            nodes.pop();
        }
        nodes
    }
}

/// The public state of the ratchet tree, with every node's tree hash and
/// encoding cached.
#[derive(Clone)]
pub struct RatchetTree {
    pub(super) size: TreeSize,
    /// `leaves[i]` is leaf `i`; `len == size.leaf_count()`.
    pub(super) leaves: Vec<Option<LeafNode>>,
    /// `parents[k]` is node `2k + 1`; `len == size.leaf_count() - 1`.
    pub(super) parents: Vec<Option<ParentNode>>,
    /// The tree hash of each node; `size.node_count()` of them.
    pub(super) hashes: NodeHashes,
    /// Which node holds each HPKE key in the tree.
    pub(super) encryption_keys: KeyIndex,
    /// Which leaf holds each signature key.
    pub(super) signature_keys: KeyIndex,
    /// `encoded[x]` is node `x` encoded as `optional<Node>` if it is not
    /// blank; empty for a blank node (or one not cached, which is encoded
    /// when needed). Lets a commit write the tree for a Welcome or a saved
    /// state by copying instead of cloning and encoding every node. Built
    /// the first time the tree is written (so importing a tree, as a
    /// joiner or a restore does, costs nothing more), then kept up to date
    /// by merges.
    pub(super) encoded: OnceLock<Vec<Vec<u8>>>,
}

/// Trees are equal when their nodes are; the caches follow from them.
impl PartialEq for RatchetTree {
    fn eq(&self, other: &Self) -> bool {
        self.size == other.size
            && self.leaves == other.leaves
            && self.parents == other.parents
            && self.hashes == other.hashes
    }
}

impl Eq for RatchetTree {}

impl core::fmt::Debug for RatchetTree {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RatchetTree")
            .field("leaves", &self.size.leaf_count())
            .field("members", &self.member_count())
            .finish_non_exhaustive()
    }
}

/// The largest number of nodes accepted in an imported tree: 2^31 - 1
/// nodes, 2^30 leaves.
pub const MAX_IMPORT_NODES: usize = (1 << 31) - 1;

impl TreeView for RatchetTree {
    fn size(&self) -> TreeSize {
        self.size
    }

    fn leaf(&self, leaf: LeafIndex) -> Option<&LeafNode> {
        self.leaves.get(leaf.as_usize())?.as_ref()
    }

    fn parent_node(&self, node: NodeIndex) -> Option<&ParentNode> {
        if node.is_leaf() {
            return None;
        }
        self.parents.get(node.as_usize() / 2)?.as_ref()
    }

    fn find_encryption_key(&self, key: &HpkePublicKey) -> Option<NodeIndex> {
        let key_at = |x| encryption_key_at(&self.leaves, &self.parents, x);
        self.encryption_keys.get(&key.0, key_at).map(NodeIndex)
    }

    fn find_signature_key(&self, key: &SignaturePublicKey) -> Option<LeafIndex> {
        let key_at = |i| signature_key_at(&self.leaves, i);
        self.signature_keys.get(&key.0, key_at).map(LeafIndex)
    }

    fn write_node(&self, node: NodeIndex, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        match self.cached_encoding(node) {
            Some(bytes) => out.extend_from_slice(bytes),
            None => encode_node_ref(self.node(node), out)?,
        }
        Ok(())
    }

    fn node_encoded_len(&self, node: NodeIndex) -> Result<usize, EncodeError> {
        match self.cached_encoding(node) {
            Some(bytes) => Ok(bytes.len()),
            None => node_ref_encoded_len(self.node(node)),
        }
    }

    fn node_list_len(&self) -> u32 {
        self.last_non_blank().map_or(0, |i| i + 1)
    }
}

/// Appends `node` encoded as `optional<Node>`.
pub(super) fn encode_node_ref(node: NodeRef<'_>, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    match node {
        NodeRef::Blank => out.push(0),
        NodeRef::Leaf(l) => {
            out.extend_from_slice(&[1, 1]);
            l.encode(out)?;
        }
        NodeRef::Parent(p) => {
            out.extend_from_slice(&[1, 2]);
            p.encode(out)?;
        }
    }
    Ok(())
}

/// The cached encoding of a node: empty for a blank node, and for one that
/// does not encode (a field over the vector limit), which is then encoded
/// again, and the error reported, when written.
fn encode_for_cache(node: NodeRef<'_>) -> Vec<u8> {
    let mut bytes = Vec::new();
    if node.is_blank() || encode_node_ref(node, &mut bytes).is_err() {
        bytes.clear();
    }
    bytes
}

/// The length of [`encode_node_ref`]'s output.
pub(super) fn node_ref_encoded_len(node: NodeRef<'_>) -> Result<usize, EncodeError> {
    Ok(match node {
        NodeRef::Blank => 1,
        NodeRef::Leaf(l) => 2usize.saturating_add(l.encoded_len()?),
        NodeRef::Parent(p) => 2usize.saturating_add(p.encoded_len()?),
    })
}

impl RatchetTree {
    /// A one-member tree: the creator's leaf at index 0 (RFC 9420 §11).
    pub fn new(crypto: &SuiteCrypto<'_>, creator: LeafNode) -> Result<Self, Error> {
        Self::from_nodes(crypto, vec![Some(Node::Leaf(Box::new(creator)))])
    }

    /// Builds a tree from the node list of a `ratchet_tree` extension or
    /// another source (RFC 9420 §12.4.3.3) and hashes every node once.
    ///
    /// Checks the shape only: non-empty, last node non-blank, leaves at
    /// even and parents at odd positions, not larger than
    /// [`MAX_IMPORT_NODES`]. The list is extended with blanks to a full
    /// tree. Validate the contents with
    /// [`validate_tree`](super::validate::validate_tree) before use.
    pub fn from_nodes(crypto: &SuiteCrypto<'_>, nodes: Vec<Option<Node>>) -> Result<Self, Error> {
        Self::from_nodes_with_max(crypto, nodes, TreeSize::MAX.leaf_count() / 2)
    }

    /// Whether a node list of `count` nodes may be imported into a group
    /// of at most `max_leaves` leaves ([`TreeError::TooManyNodes`] if
    /// not), the first check of
    /// [`from_nodes_with_max`](Self::from_nodes_with_max).
    pub(crate) fn check_node_count(count: usize, max_leaves: u32) -> Result<(), TreeError> {
        let max = (usize::try_from(max_leaves)
            .unwrap_or(usize::MAX)
            .saturating_mul(2))
        .saturating_sub(1)
        .min(MAX_IMPORT_NODES);
        if count > max {
            return Err(TreeError::TooManyNodes { count, max });
        }
        Ok(())
    }

    /// [`from_nodes`](Self::from_nodes) for an application that allows
    /// groups of at most `max_leaves` leaves: longer node lists are rejected
    /// before anything is hashed.
    pub fn from_nodes_with_max(
        crypto: &SuiteCrypto<'_>,
        nodes: Vec<Option<Node>>,
        max_leaves: u32,
    ) -> Result<Self, Error> {
        let mut tree = Self::unhashed(nodes, max_leaves)?;
        tree.hashes = TreeHasher::new(crypto).hash_all(&Encoding(&tree))?;
        tree.rebuild_key_indexes();
        Ok(tree)
    }

    /// The tree hash of the root (RFC 9420 §7.8).
    pub fn tree_hash(&self) -> &[u8] {
        self.node_hash(self.size.root()).unwrap_or(&[])
    }

    /// The cached tree hash of `node`.
    pub fn node_hash(&self, node: NodeIndex) -> Option<&[u8]> {
        self.hashes.get(node.as_usize())
    }

    /// The node list as carried in a `ratchet_tree` extension
    /// ([`TreeView::to_nodes`], callable without the trait in scope).
    pub fn to_nodes(&self) -> Vec<Option<Node>> {
        <Self as TreeView>::to_nodes(self)
    }

    /// The cached encoding of `node`, if it is non-blank and cached.
    fn cached_encoding(&self, node: NodeIndex) -> Option<&[u8]> {
        self.encoded
            .get_or_init(|| {
                (0..self.size.node_count())
                    .map(|x| encode_for_cache(self.node(NodeIndex(x))))
                    .collect()
            })
            .get(node.as_usize())
            .map(Vec::as_slice)
            .filter(|b| !b.is_empty())
    }

    /// The index of the last non-blank node, if any.
    fn last_non_blank(&self) -> Option<u32> {
        (0..self.size.node_count())
            .rev()
            .find(|i| !self.is_blank(NodeIndex(*i)))
    }

    /// The non-blank leaves with their indices, in order.
    pub fn members(&self) -> impl Iterator<Item = (LeafIndex, &LeafNode)> {
        self.leaves
            .iter()
            .zip(0u32..)
            .filter_map(|(l, i)| Some((LeafIndex(i), l.as_ref()?)))
    }

    /// Rebuilds the key indexes from the nodes. Duplicate keys keep their
    /// first holder; validation reports duplicates.
    fn rebuild_key_indexes(&mut self) {
        let members = self.member_count();
        let (leaves, parents) = (&self.leaves, &self.parents);
        let mut encryption = KeyIndex::with_capacity(members.saturating_mul(2));
        for x in 0..self.size.node_count() {
            if let Some(key) = encryption_key_at(leaves, parents, x) {
                encryption.insert_first(key, x, |y| encryption_key_at(leaves, parents, y));
            }
        }
        let mut signature = KeyIndex::with_capacity(members);
        for (leaf, i) in leaves.iter().zip(0u32..) {
            if let Some(leaf) = leaf {
                signature.insert_first(&leaf.signature_key.0, i, |j| signature_key_at(leaves, j));
            }
        }
        self.encryption_keys = encryption;
        self.signature_keys = signature;
    }

    /// Applies a staged change, which must have been staged on this tree
    /// as it is now: fails with [`TreeError::StagedOnOtherTree`] otherwise,
    /// and then changes nothing.
    pub fn merge(&mut self, staged: StagedTree) -> Result<(), TreeError> {
        if staged.base_tree_hash != self.tree_hash() {
            return Err(TreeError::StagedOnOtherTree);
        }
        let StagedTree {
            size,
            visible,
            leaves,
            parents,
            hashes,
            ..
        } = staged;
        // Drop what a truncation removed; it comes back blank if the tree grew again.
        if visible < self.size {
            for i in visible.leaf_count()..self.size.leaf_count() {
                self.unindex_leaf(LeafIndex(i));
            }
            for k in visible.leaf_count() - 1..self.size.leaf_count() - 1 {
                self.unindex_parent(NodeIndex(2 * k + 1));
            }
            self.leaves.truncate(visible.leaf_count() as usize);
            self.parents.truncate(visible.leaf_count() as usize - 1);
            self.hashes.resize(visible.node_count());
            if let Some(cache) = self.encoded.get_mut() {
                cache.truncate(visible.node_count() as usize);
            }
        }
        let changed_leaves: Vec<LeafIndex> = leaves.iter().map(|(l, _)| *l).collect();
        let changed_parents: Vec<NodeIndex> = parents.iter().map(|(n, _)| *n).collect();
        // The old nodes leave the key indexes (which find a key by the bytes
        // the tree holds) before the new ones take their place.
        for leaf in &changed_leaves {
            self.unindex_leaf(*leaf);
        }
        for node in &changed_parents {
            self.unindex_parent(*node);
        }
        self.size = size;
        self.leaves.resize(size.leaf_count() as usize, None);
        self.parents.resize(size.leaf_count() as usize - 1, None);
        self.hashes.resize(size.node_count());
        if let Some(cache) = self.encoded.get_mut() {
            cache.resize(size.node_count() as usize, Vec::new());
        }
        for (leaf, node) in leaves {
            if let Some(slot) = self.leaves.get_mut(leaf.as_usize()) {
                *slot = node;
            }
        }
        for (node, value) in parents {
            if let Some(slot) = self.parents.get_mut(node.as_usize() / 2) {
                *slot = value;
            }
        }
        // The new nodes' encodings for the cache (if the tree keeps one),
        // made beside indexing their keys and storing their hashes.
        let Self {
            leaves: tree_leaves,
            parents: tree_parents,
            hashes: tree_hashes,
            encryption_keys,
            signature_keys,
            encoded,
            ..
        } = self;
        let (tree_leaves, tree_parents) = (&*tree_leaves, &*tree_parents);
        let cached = encoded.get().is_some();
        let split =
            changed_leaves.len().saturating_add(changed_parents.len()) >= crate::par::MIN_ITEMS;
        let (encodings, ()) = crate::par::join_if(
            split,
            || {
                cached.then(|| {
                    let leaf_bytes = crate::par::map_if(split, &changed_leaves, |l| {
                        encode_for_cache(leaf_ref(tree_leaves, *l))
                    });
                    let parent_bytes = crate::par::map_if(split, &changed_parents, |n| {
                        encode_for_cache(parent_ref(tree_parents, *n))
                    });
                    (leaf_bytes, parent_bytes)
                })
            },
            || {
                let keys = KeyIndexes {
                    encryption: encryption_keys,
                    signature: signature_keys,
                };
                keys.index(tree_leaves, tree_parents, &changed_leaves, &changed_parents);
                for (node, hash) in hashes {
                    // Staged by this suite's hasher on this tree: of the
                    // suite's length, at a node of the new size.
                    tree_hashes.set(node.as_usize(), &hash);
                }
            },
        );
        if let (Some(cache), Some((leaf_bytes, parent_bytes))) = (encoded.get_mut(), encodings) {
            let leaf_nodes = changed_leaves
                .iter()
                .zip(leaf_bytes)
                .filter_map(|(l, bytes)| Some((l.node()?, bytes)));
            for (node, bytes) in leaf_nodes.chain(changed_parents.into_iter().zip(parent_bytes)) {
                if let Some(slot) = cache.get_mut(node.as_usize()) {
                    *slot = bytes;
                }
            }
        }
        Ok(())
    }

    fn unindex_leaf(&mut self, leaf: LeafIndex) {
        let Some(Some(old)) = self.leaves.get(leaf.as_usize()) else {
            return;
        };
        if let Some(node) = leaf.node() {
            self.encryption_keys.remove(&old.encryption_key.0, node.0);
        }
        self.signature_keys.remove(&old.signature_key.0, leaf.0);
    }

    fn unindex_parent(&mut self, node: NodeIndex) {
        let Some(Some(old)) = self.parents.get(node.as_usize() / 2) else {
            return;
        };
        self.encryption_keys.remove(&old.encryption_key.0, node.0);
    }
}

/// The two key indexes of a tree, borrowed apart from its nodes.
struct KeyIndexes<'t> {
    encryption: &'t mut KeyIndex,
    signature: &'t mut KeyIndex,
}

impl KeyIndexes<'_> {
    /// Puts the keys of the nodes `changed_leaves` and `changed_parents`,
    /// as placed in `leaves` and `parents`, in the indexes.
    fn index(
        self,
        leaves: &[Option<LeafNode>],
        parents: &[Option<ParentNode>],
        changed_leaves: &[LeafIndex],
        changed_parents: &[NodeIndex],
    ) {
        let encryption_at = |y| encryption_key_at(leaves, parents, y);
        let signature_at = |j| signature_key_at(leaves, j);
        for leaf in changed_leaves {
            let Some(Some(new)) = leaves.get(leaf.as_usize()) else {
                continue;
            };
            if let Some(node) = leaf.node() {
                self.encryption
                    .insert_first(&new.encryption_key.0, node.0, encryption_at);
            }
            self.signature
                .insert_first(&new.signature_key.0, leaf.0, signature_at);
        }
        for node in changed_parents {
            if let Some(Some(new)) = parents.get(node.as_usize() / 2) {
                self.encryption
                    .insert_first(&new.encryption_key.0, node.0, encryption_at);
            }
        }
    }
}

/// Leaf `leaf` of a tree with these leaves.
fn leaf_ref(leaves: &[Option<LeafNode>], leaf: LeafIndex) -> NodeRef<'_> {
    leaves
        .get(leaf.as_usize())
        .and_then(Option::as_ref)
        .map_or(NodeRef::Blank, NodeRef::Leaf)
}

/// Parent node `node` of a tree with these parents.
fn parent_ref(parents: &[Option<ParentNode>], node: NodeIndex) -> NodeRef<'_> {
    parents
        .get(node.as_usize() / 2)
        .and_then(Option::as_ref)
        .map_or(NodeRef::Blank, NodeRef::Parent)
}

/// The HPKE key of node `x` of a tree with these leaves and parents.
fn encryption_key_at<'t>(
    leaves: &'t [Option<LeafNode>],
    parents: &'t [Option<ParentNode>],
    x: u32,
) -> Option<&'t [u8]> {
    let key = if NodeIndex(x).is_leaf() {
        &leaves.get(x as usize / 2)?.as_ref()?.encryption_key
    } else {
        &parents.get(x as usize / 2)?.as_ref()?.encryption_key
    };
    Some(&key.0)
}

/// The signature key of leaf `i` of a tree with these leaves.
fn signature_key_at(leaves: &[Option<LeafNode>], i: u32) -> Option<&[u8]> {
    Some(&leaves.get(i as usize)?.as_ref()?.signature_key.0)
}

/// Encodes as `optional<Node> ratchet_tree<V>` (RFC 9420 §12.4.3.3),
/// without trailing blanks and without cloning the nodes.
///
/// This is also how a tree is saved with the group state: decode the bytes
/// as `Vec<Option<Node>>` and restore with
/// [`RatchetTree::from_nodes`], which recomputes every tree hash (`O(n)`
/// hashes). The restored tree is the smallest full tree that holds the
/// last non-blank node; that is the original size for every tree whose
/// right half has a member, which truncation on removal keeps true
/// (RFC 9420 §12.1.3). Comparing the restored [`RatchetTree::tree_hash`]
/// with the saved GroupContext's `tree_hash` checks both the nodes and
/// the size.
impl Encode for RatchetTree {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        self.encode_node_list(out)
    }
}
