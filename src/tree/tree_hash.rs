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
use super::{LeafIndex, LeafNode, NodeIndex, ParentNode};
use crate::codec::{Encode, encode_opaque, encode_vector};
use crate::crypto::SuiteCrypto;
use crate::error::Error;

const NODE_TYPE_LEAF: u8 = 1;
const NODE_TYPE_PARENT: u8 = 2;

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
        self.buf.clear();
        self.buf.push(NODE_TYPE_LEAF);
        index.encode(&mut self.buf)?;
        leaf.encode(&mut self.buf)?;
        Ok(self.crypto.hash(&self.buf)?)
    }

    /// The tree hash of a parent position holding `node` (or blank) over
    /// children with tree hashes `left` and `right`.
    pub(crate) fn parent(
        &mut self,
        node: Option<&ParentNode>,
        left: &[u8],
        right: &[u8],
    ) -> Result<Vec<u8>, Error> {
        self.buf.clear();
        self.buf.push(NODE_TYPE_PARENT);
        node.encode(&mut self.buf)?;
        encode_opaque(left, &mut self.buf)?;
        encode_opaque(right, &mut self.buf)?;
        Ok(self.crypto.hash(&self.buf)?)
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

    /// Hashes every node of `tree`, bottom up: `n` leaf hashes and `n - 1`
    /// parent hashes. Returns the hashes indexed by node.
    pub(crate) fn hash_all(&mut self, tree: &impl TreeView) -> Result<Vec<Vec<u8>>, Error> {
        let size = tree.size();
        let mut hashes = vec![Vec::new(); size.node_count() as usize];
        for i in 0..size.leaf_count() {
            let leaf = LeafIndex(i);
            let hash = self.leaf(leaf, tree.leaf(leaf))?;
            let slot = leaf.node().and_then(|n| hashes.get_mut(n.as_usize()));
            *slot.ok_or(Error::Internal("leaf outside tree"))? = hash;
        }
        // Parents level by level: at level k they sit at 2^k - 1 + j * 2^(k+1).
        let mut level = 1u32;
        while let Some(first) = 1u32.checked_shl(level).map(|p| p - 1) {
            if first >= size.node_count() {
                break;
            }
            let step = 1u32 << (level + 1);
            let mut x = first;
            while x < size.node_count() {
                let node = NodeIndex(x);
                let (Some(l), Some(r)) = (node.left(), node.right()) else {
                    return Err(Error::Internal("parent without children"));
                };
                let (Some(lh), Some(rh)) = (hashes.get(l.as_usize()), hashes.get(r.as_usize()))
                else {
                    return Err(Error::Internal("child hash missing"));
                };
                let hash = self.parent(tree.parent_node(node), lh, rh)?;
                *hashes
                    .get_mut(x as usize)
                    .ok_or(Error::Internal("parent outside tree"))? = hash;
                x = match x.checked_add(step) {
                    Some(next) => next,
                    None => break,
                };
            }
            level += 1;
        }
        Ok(hashes)
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
