//! Staged changes to a ratchet tree (RFC 9420 §7.4-§7.7, §12.1).
//!
//! A [`TreeDiff`] borrows the current tree and records only the nodes it
//! changes, so staging a commit costs O(changed nodes), never a copy of the
//! tree. Tree hashes of unchanged subtrees come from the base tree's cache;
//! changed nodes and their ancestors are rehashed once and memoized. When
//! the change is accepted, [`TreeDiff::into_staged`] freezes it into an
//! owned [`StagedTree`] (with the new hashes) that
//! [`RatchetTree::merge`] applies without failing. Dropping a diff leaves the
//! tree as it was.

use std::collections::{BTreeMap, HashMap};

use super::error::TreeError;
use super::ratchet_tree::{NodeRef, RatchetTree, TreeView, encode_node_ref, node_ref_encoded_len};
use super::tree_hash::{SPLIT_LEVEL, TreeHasher};
use super::{LeafIndex, LeafNode, NodeIndex, ParentNode, TreeSize};
use crate::codec::EncodeError;
use crate::crypto::{HpkePublicKey, SignaturePublicKey, SuiteCrypto};
use crate::error::Error;

/// An owned, hashed set of changes to a [`RatchetTree`], ready to merge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StagedTree {
    /// The tree hash of the tree it was staged on.
    pub(super) base_tree_hash: Vec<u8>,
    pub(super) size: TreeSize,
    /// The smallest size the tree had while staging: base nodes at or
    /// beyond it were dropped by a truncation and are blank if the tree
    /// grew again.
    pub(super) visible: TreeSize,
    pub(super) leaves: Vec<(LeafIndex, Option<LeafNode>)>,
    pub(super) parents: Vec<(NodeIndex, Option<ParentNode>)>,
    pub(super) hashes: Vec<(NodeIndex, Vec<u8>)>,
    pub(super) tree_hash: Vec<u8>,
}

impl StagedTree {
    /// The tree hash of the staged tree.
    pub fn tree_hash(&self) -> &[u8] {
        &self.tree_hash
    }

    /// The size of the staged tree.
    pub fn size(&self) -> TreeSize {
        self.size
    }
}

/// Changes to a tree, staged over a borrowed base.
#[derive(Clone)]
pub struct TreeDiff<'a> {
    base: &'a RatchetTree,
    size: TreeSize,
    visible: TreeSize,
    leaves: BTreeMap<LeafIndex, Option<LeafNode>>,
    parents: BTreeMap<NodeIndex, Option<ParentNode>>,
    memo: BTreeMap<NodeIndex, Vec<u8>>,
    new_encryption_keys: HashMap<HpkePublicKey, NodeIndex>,
    new_signature_keys: HashMap<SignaturePublicKey, LeafIndex>,
    /// No blank leaf lies below this index (a lower bound for the search of
    /// §12.1.1).
    blank_hint: u32,
}

impl core::fmt::Debug for TreeDiff<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TreeDiff")
            .field("size", &self.size)
            .field("changed_leaves", &self.leaves.len())
            .field("changed_parents", &self.parents.len())
            .finish_non_exhaustive()
    }
}

impl TreeView for TreeDiff<'_> {
    fn size(&self) -> TreeSize {
        self.size
    }

    fn leaf(&self, leaf: LeafIndex) -> Option<&LeafNode> {
        if !self.size.contains_leaf(leaf) {
            return None;
        }
        match self.leaves.get(&leaf) {
            Some(changed) => changed.as_ref(),
            None if self.visible.contains_leaf(leaf) => self.base.leaf(leaf),
            None => None,
        }
    }

    fn parent_node(&self, node: NodeIndex) -> Option<&ParentNode> {
        if node.is_leaf() || !self.size.contains(node) {
            return None;
        }
        match self.parents.get(&node) {
            Some(changed) => changed.as_ref(),
            None if self.visible.contains(node) => self.base.parent_node(node),
            None => None,
        }
    }

    /// Which node of the staged tree holds `key` as encryption key.
    fn find_encryption_key(&self, key: &HpkePublicKey) -> Option<NodeIndex> {
        let holds = |n: NodeIndex| self.node(n).encryption_key() == Some(key);
        self.new_encryption_keys
            .get(key)
            .copied()
            .filter(|n| holds(*n))
            .or_else(|| self.base.find_encryption_key(key).filter(|n| holds(*n)))
    }

    /// Which leaf of the staged tree holds `key` as signature key.
    fn find_signature_key(&self, key: &SignaturePublicKey) -> Option<LeafIndex> {
        let holds = |l: LeafIndex| self.leaf(l).is_some_and(|n| n.signature_key == *key);
        self.new_signature_keys
            .get(key)
            .copied()
            .filter(|l| holds(*l))
            .or_else(|| self.base.find_signature_key(key).filter(|l| holds(*l)))
    }

    /// Unchanged nodes are copied from the base tree's cached encodings.
    fn write_node(&self, node: NodeIndex, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        if self.node_changed(node) {
            encode_node_ref(self.node(node), out)
        } else {
            self.base.write_node(node, out)
        }
    }

    fn node_encoded_len(&self, node: NodeIndex) -> Result<usize, EncodeError> {
        if self.node_changed(node) {
            node_ref_encoded_len(self.node(node))
        } else {
            self.base.node_encoded_len(node)
        }
    }
}

impl<'a> TreeDiff<'a> {
    /// An empty diff over `base`.
    pub fn new(base: &'a RatchetTree) -> Self {
        Self {
            base,
            size: base.size(),
            visible: base.size(),
            leaves: BTreeMap::new(),
            parents: BTreeMap::new(),
            memo: BTreeMap::new(),
            new_encryption_keys: HashMap::new(),
            new_signature_keys: HashMap::new(),
            blank_hint: 0,
        }
    }

    /// The tree the diff is staged over.
    pub fn base(&self) -> &'a RatchetTree {
        self.base
    }

    /// Sets leaf `leaf` (`None` blanks it).
    pub fn set_leaf(&mut self, leaf: LeafIndex, value: Option<LeafNode>) -> Result<(), TreeError> {
        let node = leaf
            .node()
            .filter(|n| self.size.contains(*n))
            .ok_or(TreeError::LeafOutOfRange { leaf })?;
        if let Some(l) = &value {
            self.new_encryption_keys
                .insert(l.encryption_key.clone(), node);
            self.new_signature_keys
                .insert(l.signature_key.clone(), leaf);
        } else {
            self.blank_hint = self.blank_hint.min(leaf.0);
        }
        self.leaves.insert(leaf, value);
        self.invalidate(node);
        Ok(())
    }

    /// Sets parent node `node` (`None` blanks it).
    pub fn set_parent(&mut self, node: NodeIndex, value: Option<ParentNode>) -> Result<(), Error> {
        if node.is_leaf() || !self.size.contains(node) {
            return Err(Error::Internal("set_parent on a leaf or outside the tree"));
        }
        if let Some(p) = &value {
            self.new_encryption_keys
                .insert(p.encryption_key.clone(), node);
        }
        self.parents.insert(node, value);
        self.invalidate(node);
        Ok(())
    }

    /// Blanks every node on the direct path of `leaf` (RFC 9420 §7.5,
    /// §12.1.2, §12.1.3).
    pub fn blank_direct_path(&mut self, leaf: LeafIndex) -> Result<(), Error> {
        let node = leaf.node().ok_or(TreeError::LeafOutOfRange { leaf })?;
        let path: Vec<NodeIndex> = self.size.direct_path(node).collect();
        for p in path {
            if !self.is_blank(p) {
                self.set_parent(p, None)?;
            }
        }
        Ok(())
    }

    /// Doubles the tree, adding a blank right subtree (RFC 9420 §7.7).
    // RFC 9420 §7.7, R-7.7-01
    pub fn extend(&mut self) -> Result<(), TreeError> {
        self.size = self.size.doubled().ok_or(TreeError::TreeFull)?;
        Ok(())
    }

    /// Halves the tree while its right half holds no non-blank leaf
    /// (RFC 9420 §7.7, §12.1.3).
    // RFC 9420 §7.7, §12.1.3, R-7.7-01, R-12.1.3-02
    pub fn truncate(&mut self) {
        while let Some(half) = self.size.halved() {
            let right_has_member = (half.leaf_count()..self.size.leaf_count())
                .rev()
                .any(|l| self.leaf(LeafIndex(l)).is_some());
            if right_has_member {
                break;
            }
            self.size = half;
            if half < self.visible {
                self.visible = half;
            }
            let count = half.node_count();
            self.leaves.retain(|l, _| half.contains_leaf(*l));
            self.parents.retain(|n, _| n.0 < count);
            self.memo.retain(|n, _| n.0 < count);
        }
    }

    /// Adds `leaf_node` at the leftmost blank leaf, extending the tree if
    /// there is none, and lists it as unmerged at every non-blank parent on
    /// its direct path (RFC 9420 §12.1.1). Returns the new leaf's index.
    // RFC 9420 §7.1, §12.1.1, R-7.1-01, R-12.1.1-02
    pub fn add_leaf(&mut self, leaf_node: LeafNode) -> Result<LeafIndex, Error> {
        let leaf = match self.leftmost_blank_leaf_from(self.blank_hint) {
            Some(leaf) => leaf,
            None => {
                let first_new = self.size.leaf_count();
                self.extend()?;
                LeafIndex(first_new)
            }
        };
        self.blank_hint = leaf.0.saturating_add(1);
        let node = leaf.node().ok_or(TreeError::LeafOutOfRange { leaf })?;
        let path: Vec<NodeIndex> = self.size.direct_path(node).collect();
        for p in path {
            if let Some(parent) = self.parent_node(p) {
                let mut parent = parent.clone();
                if let Err(pos) = parent.unmerged_leaves.binary_search(&leaf) {
                    parent.unmerged_leaves.insert(pos, leaf);
                }
                self.set_parent(p, Some(parent))?;
            }
        }
        self.set_leaf(leaf, Some(leaf_node))?;
        Ok(leaf)
    }

    /// Replaces `leaf`'s node and blanks its direct path (RFC 9420 §12.1.2).
    // RFC 9420 §12.1.2, R-12.1.2-02
    pub fn update_leaf(&mut self, leaf: LeafIndex, leaf_node: LeafNode) -> Result<(), Error> {
        if self.leaf(leaf).is_none() {
            return Err(TreeError::BlankLeaf { leaf }.into());
        }
        self.set_leaf(leaf, Some(leaf_node))?;
        self.blank_direct_path(leaf)
    }

    /// Blanks `leaf` and its direct path, then truncates the tree
    /// (RFC 9420 §12.1.3).
    // RFC 9420 §12.1.3, R-12.1.3-02
    pub fn remove_leaf(&mut self, leaf: LeafIndex) -> Result<(), Error> {
        if self.leaf(leaf).is_none() {
            return Err(TreeError::BlankLeaf { leaf }.into());
        }
        self.set_leaf(leaf, None)?;
        self.blank_direct_path(leaf)?;
        self.truncate();
        Ok(())
    }

    /// Forgets memoized hashes of `node` and its ancestors.
    fn invalidate(&mut self, node: NodeIndex) {
        self.memo.remove(&node);
        for p in self.size.direct_path(node) {
            self.memo.remove(&p);
        }
    }

    /// Whether `node` itself may differ from the base tree's node.
    fn node_changed(&self, node: NodeIndex) -> bool {
        !self.visible.contains(node)
            || match node.leaf() {
                Some(leaf) => self.leaves.contains_key(&leaf),
                None => self.parents.contains_key(&node),
            }
    }

    /// Whether the subtree under `node` may differ from the base tree.
    fn subtree_changed(&self, node: NodeIndex) -> bool {
        if !self.visible.contains(node) {
            return true;
        }
        // The subtree of a level-k node spans nodes x - (2^k - 1) ..= x + (2^k - 1).
        let span = (1u32 << node.level()) - 1;
        let (lo, hi) = (node.0 - span, node.0 + span);
        self.parents
            .range(NodeIndex(lo)..=NodeIndex(hi))
            .next()
            .is_some()
            || self
                .leaves
                .range(LeafIndex(lo / 2)..=LeafIndex(hi / 2))
                .next()
                .is_some()
    }

    /// The tree hash of `node` in the staged tree (RFC 9420 §7.8); the
    /// hashes it computes are memoized.
    pub(crate) fn node_hash(
        &mut self,
        hasher: &mut TreeHasher<'_>,
        node: NodeIndex,
    ) -> Result<Vec<u8>, Error> {
        let mut computed = Vec::new();
        let hash = self.compute_hash(hasher, node, &mut computed);
        if self.memo.is_empty() {
            // Built at once from the sorted list (a whole new tree's
            // hashes, after a large batch of Adds, are tens of thousands).
            computed.sort_unstable_by_key(|(n, _)| *n);
            self.memo = computed.into_iter().collect();
        } else {
            self.memo.extend(computed);
        }
        hash
    }

    /// The tree hash of `node`: the base tree's for an unchanged subtree,
    /// else memoized or computed (and pushed to `computed`). The two halves
    /// of a changed subtree of [`SPLIT_LEVEL`] or more are hashed with
    /// [`par::join`](crate::par::join); the hashes do not depend on the
    /// order.
    fn compute_hash(
        &self,
        hasher: &mut TreeHasher<'_>,
        node: NodeIndex,
        computed: &mut Vec<(NodeIndex, Vec<u8>)>,
    ) -> Result<Vec<u8>, Error> {
        if !self.subtree_changed(node) {
            return self
                .base
                .node_hash(node)
                .map(<[u8]>::to_vec)
                .ok_or(Error::Internal("base hash missing"));
        }
        if let Some(hash) = self.memo.get(&node) {
            return Ok(hash.clone());
        }
        let hash = match (node.leaf(), node.left(), node.right()) {
            (Some(leaf), _, _) => hasher.leaf(leaf, self.leaf(leaf))?,
            (None, Some(l), Some(r))
                if node.level() >= SPLIT_LEVEL
                    && self.subtree_changed(l)
                    && self.subtree_changed(r) =>
            {
                let (mut a, mut b) = (hasher.fork(), hasher.fork());
                let (mut left, mut right) = (Vec::new(), Vec::new());
                let (lh, rh) = crate::par::join(
                    || self.compute_hash(&mut a, l, &mut left),
                    || self.compute_hash(&mut b, r, &mut right),
                );
                computed.append(&mut left);
                computed.append(&mut right);
                hasher.parent(self.parent_node(node), &lh?, &rh?)?
            }
            (None, Some(l), Some(r)) => {
                let lh = self.compute_hash(hasher, l, computed)?;
                let rh = self.compute_hash(hasher, r, computed)?;
                hasher.parent(self.parent_node(node), &lh, &rh)?
            }
            _ => return Err(Error::Internal("parent without children")),
        };
        computed.push((node, hash.clone()));
        Ok(hash)
    }

    /// The tree hash of the subtree under `node` in the staged tree.
    pub fn subtree_hash(
        &mut self,
        crypto: &SuiteCrypto<'_>,
        node: NodeIndex,
    ) -> Result<Vec<u8>, Error> {
        let mut hasher = TreeHasher::new(crypto);
        self.node_hash(&mut hasher, node)
    }

    /// The tree hash of the staged tree's root.
    pub fn tree_hash(&mut self, crypto: &SuiteCrypto<'_>) -> Result<Vec<u8>, Error> {
        let mut hasher = TreeHasher::new(crypto);
        self.node_hash(&mut hasher, self.size.root())
    }

    /// Hashes what changed and freezes the diff into an owned
    /// [`StagedTree`].
    pub fn into_staged(mut self, crypto: &SuiteCrypto<'_>) -> Result<StagedTree, Error> {
        let tree_hash = self.tree_hash(crypto)?;
        let count = self.size.node_count();
        Ok(StagedTree {
            base_tree_hash: self.base.tree_hash().to_vec(),
            size: self.size,
            visible: self.visible,
            leaves: self.leaves.into_iter().collect(),
            parents: self.parents.into_iter().collect(),
            hashes: self.memo.into_iter().filter(|(n, _)| n.0 < count).collect(),
            tree_hash,
        })
    }

    /// The node at `node` in the staged tree.
    pub fn node_ref(&self, node: NodeIndex) -> NodeRef<'_> {
        self.node(node)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::{CipherSuite, RustCryptoProvider};
    use crate::messages::{Credential, Extensions};
    use crate::tree::{Capabilities, LeafNodeSource};

    /// A tree cannot grow past 2^31 leaves (RFC 9420 §7.7 with `uint32`
    /// leaf indices): a diff that has reached that size refuses to
    /// double. No real group gets there, so the diff's size is set
    /// directly.
    #[test]
    fn a_tree_of_the_largest_size_cannot_grow() {
        let crypto = SuiteCrypto::new(
            &RustCryptoProvider,
            CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519,
        )
        .unwrap();
        let leaf = LeafNode {
            encryption_key: HpkePublicKey(vec![1; 32]),
            signature_key: SignaturePublicKey(vec![2; 32]),
            credential: Credential::basic(b"a".to_vec()),
            capabilities: Capabilities::default(),
            leaf_node_source: LeafNodeSource::Update,
            extensions: Extensions::new(),
            signature: vec![3; 64],
        };
        let tree = RatchetTree::new(&crypto, leaf).unwrap();
        let mut diff = TreeDiff::new(&tree);
        diff.size = TreeSize::MAX.halved().unwrap();
        diff.extend().unwrap();
        assert_eq!(diff.size(), TreeSize::MAX);
        assert_eq!(diff.extend(), Err(TreeError::TreeFull));
        assert_eq!(diff.size(), TreeSize::MAX);
    }
}
