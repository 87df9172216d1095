//! Tree hashes (RFC 9420 §7.8).
//!
//! ```text
//! struct {
//!   NodeType node_type;
//!   select (TreeHashInput.node_type) {
//!     case leaf:   LeafNodeHashInput leaf_node;
//!     case parent: ParentNodeHashInput parent_node;
//!   };
//! } TreeHashInput;
//!
//! struct {
//!     uint32 leaf_index;
//!     optional<LeafNode> leaf_node;
//! } LeafNodeHashInput;
//!
//! struct {
//!     optional<ParentNode> parent_node;
//!     opaque left_hash<V>;
//!     opaque right_hash<V>;
//! } ParentNodeHashInput;
//! ```

use super::ratchet_tree::TreeView;
use super::{LeafIndex, LeafNode, NodeIndex, ParentNode, TreeSize};
use crate::codec::{Encode, encode_opaque, encode_vector};
use crate::crypto::SuiteCrypto;
use crate::error::Error;

const NODE_TYPE_LEAF: u8 = 1;
const NODE_TYPE_PARENT: u8 = 2;

/// The level from which a subtree's two halves are hashed with
/// [`par::join`](crate::par::join): subtrees of 1,024 leaves or more, few
/// enough splits that each is worth a task.
pub(crate) const SPLIT_LEVEL: u32 = 10;

/// Computes tree hashes, reusing one encoding buffer.
pub(crate) struct TreeHasher<'a> {
    crypto: SuiteCrypto<'a>,
    buf: Vec<u8>,
}

impl<'a> TreeHasher<'a> {
    pub(crate) fn new(crypto: &SuiteCrypto<'a>) -> Self {
        Self {
            crypto: *crypto,
            buf: Vec::with_capacity(512),
        }
    }

    /// The tree hash of a leaf position holding `leaf` (or blank).
    pub(crate) fn leaf(
        &mut self,
        index: LeafIndex,
        leaf: Option<&LeafNode>,
    ) -> Result<Vec<u8>, Error> {
        self.leaf_input(index, |out| Ok(leaf.encode(out)?))?;
        Ok(self.crypto.hash(&self.buf)?)
    }

    /// Sets the buffer to the hash input of leaf position `index`, whose
    /// `optional<LeafNode>` `write` appends.
    fn leaf_input(
        &mut self,
        index: LeafIndex,
        write: impl FnOnce(&mut Vec<u8>) -> Result<(), Error>,
    ) -> Result<(), Error> {
        self.buf.clear();
        self.buf.push(NODE_TYPE_LEAF);
        index.encode(&mut self.buf)?;
        write(&mut self.buf)
    }

    /// The tree hash of a parent position holding `node` (or blank) over
    /// children with tree hashes `left` and `right`.
    pub(crate) fn parent(
        &mut self,
        node: Option<&ParentNode>,
        left: &[u8],
        right: &[u8],
    ) -> Result<Vec<u8>, Error> {
        self.parent_input(|out| Ok(node.encode(out)?), left, right)?;
        Ok(self.crypto.hash(&self.buf)?)
    }

    /// Sets the buffer to the hash input of a parent position whose
    /// `optional<ParentNode>` `write` appends, over children with tree
    /// hashes `left` and `right`.
    fn parent_input(
        &mut self,
        write: impl FnOnce(&mut Vec<u8>) -> Result<(), Error>,
        left: &[u8],
        right: &[u8],
    ) -> Result<(), Error> {
        self.buf.clear();
        self.buf.push(NODE_TYPE_PARENT);
        write(&mut self.buf)?;
        encode_opaque(left, &mut self.buf)?;
        encode_opaque(right, &mut self.buf)?;
        Ok(())
    }

    /// The tree hash of a parent position holding `node` with the leaves
    /// for which `removed` holds taken out of its unmerged leaves (for
    /// original sibling tree hashes, RFC 9420 §7.9).
    pub(crate) fn parent_without(
        &mut self,
        node: &ParentNode,
        removed: &dyn Fn(LeafIndex) -> bool,
        left: &[u8],
        right: &[u8],
    ) -> Result<Vec<u8>, Error> {
        self.buf.clear();
        self.buf.extend_from_slice(&[NODE_TYPE_PARENT, 1]);
        node.encryption_key.encode(&mut self.buf)?;
        encode_opaque(&node.parent_hash, &mut self.buf)?;
        encode_vector(&mut self.buf, |out| {
            node.unmerged_leaves
                .iter()
                .filter(|l| !removed(**l))
                .try_for_each(|l| l.encode(out))
        })?;
        encode_opaque(left, &mut self.buf)?;
        encode_opaque(right, &mut self.buf)?;
        Ok(self.crypto.hash(&self.buf)?)
    }

    /// A hasher with this one's suite and a buffer of its own, for a
    /// subtree hashed on another thread.
    pub(crate) fn fork(&self) -> Self {
        Self::new(&self.crypto)
    }

    /// Hashes every node of `tree`, bottom up: `n` leaf hashes and `n - 1`
    /// parent hashes. Subtrees of [`SPLIT_LEVEL`] or more are hashed as
    /// two halves with [`par::join`](crate::par::join); the hashes do not
    /// depend on the order.
    pub(crate) fn hash_all(&mut self, tree: &impl NodeEncodings) -> Result<NodeHashes, Error> {
        let mut hashes = NodeHashes::new(self.crypto.hash_len(), tree.size().node_count());
        let len = hashes.len;
        self.hash_subtree(tree, tree.size().root(), &mut hashes.bytes, len)?;
        Ok(hashes)
    }

    /// Hashes the subtree under `node` into `out`, which holds its nodes'
    /// hashes of `len` bytes in order (a subtree is a contiguous run of
    /// node indices, `node` in its middle).
    fn hash_subtree(
        &mut self,
        tree: &impl NodeEncodings,
        node: NodeIndex,
        out: &mut [u8],
        len: usize,
    ) -> Result<(), Error> {
        let mid = out.len().checked_div(len).unwrap_or(0) / 2;
        let (left, rest) = out.split_at_mut(mid.saturating_mul(len));
        let Some((this, right)) = rest.split_at_mut_checked(len) else {
            return Err(Error::Internal("subtree outside tree"));
        };
        match (node.leaf(), node.left(), node.right()) {
            (Some(leaf), _, _) => self.leaf_input(leaf, |out| tree.write(node, out))?,
            (None, Some(l), Some(r)) => {
                if node.level() >= SPLIT_LEVEL {
                    let (mut a, mut b) = (self.fork(), self.fork());
                    let (left_done, right_done) = crate::par::join(
                        || a.hash_subtree(tree, l, left, len),
                        || b.hash_subtree(tree, r, right, len),
                    );
                    left_done?;
                    right_done?;
                } else {
                    self.hash_subtree(tree, l, left, len)?;
                    self.hash_subtree(tree, r, right, len)?;
                }
                let (Some(lh), Some(rh)) = (middle_hash(left, len), middle_hash(right, len)) else {
                    return Err(Error::Internal("child hash missing"));
                };
                self.parent_input(|out| tree.write(node, out), lh, rh)?;
            }
            _ => return Err(Error::Internal("parent without children")),
        }
        // Written in place: no vector per node.
        Ok(self.crypto.hash_to(&self.buf, this)?)
    }
}

/// Where [`TreeHasher::hash_all`] takes the nodes' encodings from: a
/// tree's nodes encoded as they are hashed ([`Encoding`]), or the bytes an
/// imported tree was decoded from.
pub(crate) trait NodeEncodings: Sync {
    /// The size of the tree.
    fn size(&self) -> TreeSize;

    /// Appends node `node`'s `optional<LeafNode>` (at a leaf) or
    /// `optional<ParentNode>` (at a parent); blank if outside the tree.
    fn write(&self, node: NodeIndex, out: &mut Vec<u8>) -> Result<(), Error>;
}

/// A tree's nodes, encoded as they are hashed.
pub(crate) struct Encoding<'t, T>(pub(crate) &'t T);

impl<T: TreeView + Sync> NodeEncodings for Encoding<'_, T> {
    fn size(&self) -> TreeSize {
        self.0.size()
    }

    fn write(&self, node: NodeIndex, out: &mut Vec<u8>) -> Result<(), Error> {
        match node.leaf() {
            Some(leaf) => self.0.leaf(leaf).encode(out)?,
            None => self.0.parent_node(node).encode(out)?,
        }
        Ok(())
    }
}

/// The hash of the middle node of a subtree's run of hashes of `len` bytes
/// (the subtree's root).
fn middle_hash(hashes: &[u8], len: usize) -> Option<&[u8]> {
    let mid = hashes.len().checked_div(len)? / 2;
    hashes.get(mid.checked_mul(len)?..)?.get(..len)
}

/// Every node's tree hash in one buffer, node `x`'s at `x * len`: a tree
/// of n leaves keeps its 2n - 1 hashes without an allocation each.
#[derive(Clone, PartialEq, Eq, Default)]
pub(crate) struct NodeHashes {
    /// The hash length of the suite.
    len: usize,
    bytes: Vec<u8>,
}

impl NodeHashes {
    /// `count` hashes of `len` bytes, all zero until set.
    fn new(len: usize, count: u32) -> Self {
        Self {
            len,
            bytes: vec![0; len.saturating_mul(count as usize)],
        }
    }

    /// The hash of node `x`.
    pub(crate) fn get(&self, x: usize) -> Option<&[u8]> {
        let start = x.checked_mul(self.len)?;
        self.bytes.get(start..start.checked_add(self.len)?)
    }

    /// Sets the hash of node `x`; false (and nothing changed) if `x` is
    /// outside or `hash` has another length.
    pub(crate) fn set(&mut self, x: usize, hash: &[u8]) -> bool {
        let Some(start) = x.checked_mul(self.len) else {
            return false;
        };
        match start
            .checked_add(self.len)
            .and_then(|end| self.bytes.get_mut(start..end))
        {
            Some(slot) if slot.len() == hash.len() => {
                slot.copy_from_slice(hash);
                true
            }
            _ => false,
        }
    }

    /// Keeps (or extends with zeros to) `count` hashes.
    pub(crate) fn resize(&mut self, count: u32) {
        self.bytes
            .resize(self.len.saturating_mul(count as usize), 0);
    }
}

/// The tree hash of a leaf position `index` holding `leaf`, or blank
/// (RFC 9420 §7.8).
// RFC 9420 §7.8, R-7.8-01
pub fn leaf_tree_hash(
    crypto: &SuiteCrypto<'_>,
    index: LeafIndex,
    leaf: Option<&LeafNode>,
) -> Result<Vec<u8>, Error> {
    TreeHasher::new(crypto).leaf(index, leaf)
}

/// The tree hash of a parent position holding `node`, or blank, over
/// children with tree hashes `left` and `right` (RFC 9420 §7.8).
// RFC 9420 §7.8, R-7.8-01
pub fn parent_tree_hash(
    crypto: &SuiteCrypto<'_>,
    node: Option<&ParentNode>,
    left: &[u8],
    right: &[u8],
) -> Result<Vec<u8>, Error> {
    TreeHasher::new(crypto).parent(node, left, right)
}
