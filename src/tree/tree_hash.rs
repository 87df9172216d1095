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

    /// A hasher with this one's suite and a buffer of its own, for a
    /// subtree hashed on another thread.
    pub(crate) fn fork(&self) -> Self {
        Self::new(&self.crypto)
    }

    /// Hashes every node of `tree`, bottom up: `n` leaf hashes and `n - 1`
    /// parent hashes. Returns the hashes indexed by node. Subtrees of
    /// [`SPLIT_LEVEL`] or more are hashed as two halves with
    /// [`par::join`](crate::par::join); the hashes do not depend on the
    /// order.
    pub(crate) fn hash_all(
        &mut self,
        tree: &(impl TreeView + Sync),
    ) -> Result<Vec<Vec<u8>>, Error> {
        let size = tree.size();
        let mut hashes = vec![Vec::new(); size.node_count() as usize];
        self.hash_subtree(tree, size.root(), &mut hashes)?;
        Ok(hashes)
    }

    /// Hashes the subtree under `node` into `out`, which holds its nodes in
    /// order (a subtree is a contiguous run of node indices, `node` in its
    /// middle).
    fn hash_subtree(
        &mut self,
        tree: &(impl TreeView + Sync),
        node: NodeIndex,
        out: &mut [Vec<u8>],
    ) -> Result<(), Error> {
        let mid = out.len() / 2;
        let (left, rest) = out.split_at_mut(mid);
        let Some((this, right)) = rest.split_first_mut() else {
            return Err(Error::Internal("subtree outside tree"));
        };
        *this = match (node.leaf(), node.left(), node.right()) {
            (Some(leaf), _, _) => self.leaf(leaf, tree.leaf(leaf))?,
            (None, Some(l), Some(r)) => {
                if node.level() >= SPLIT_LEVEL {
                    let (mut a, mut b) = (self.fork(), self.fork());
                    let (left_done, right_done) = crate::par::join(
                        || a.hash_subtree(tree, l, left),
                        || b.hash_subtree(tree, r, right),
                    );
                    left_done?;
                    right_done?;
                } else {
                    self.hash_subtree(tree, l, left)?;
                    self.hash_subtree(tree, r, right)?;
                }
                let (Some(lh), Some(rh)) = (left.get(left.len() / 2), right.get(right.len() / 2))
                else {
                    return Err(Error::Internal("child hash missing"));
                };
                self.parent(tree.parent_node(node), lh, rh)?
            }
            _ => return Err(Error::Internal("parent without children")),
        };
        Ok(())
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
