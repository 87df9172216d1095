//! Array-based tree math (RFC 9420 Appendix C).
//!
//! A ratchet tree with `n` leaves is stored as an array of `2n - 1` nodes;
//! leaf `i` is node `2i`, parent nodes are at odd indices. MLS trees always
//! have a power-of-two number of leaves (RFC 9420 §7.7): they grow by
//! doubling and shrink by halving. [`TreeSize`] holds that invariant, so
//! every relation computed here stays inside the tree.

use crate::codec::{Decode, DecodeError, Encode, EncodeError, InvalidField, Reader};

/// The index of a leaf, counting leaves only (`uint32 leaf_index`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct LeafIndex(pub u32);

/// The index of a node in the array representation (Appendix C).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct NodeIndex(pub u32);

crate::codec_newtype!(LeafIndex, NodeIndex);

impl LeafIndex {
    /// The node of this leaf: `2 * leaf`. `None` past the largest tree.
    pub const fn node(self) -> Option<NodeIndex> {
        match self.0.checked_mul(2) {
            Some(n) => Some(NodeIndex(n)),
            None => None,
        }
    }

    /// The leaf index as a `usize`, for indexing per-leaf tables.
    pub const fn as_usize(self) -> usize {
        self.0 as usize
    }
}

impl NodeIndex {
    /// Whether the node is a leaf (even index).
    pub const fn is_leaf(self) -> bool {
        self.0 & 1 == 0
    }

    /// The leaf at this node, if it is one.
    pub const fn leaf(self) -> Option<LeafIndex> {
        if self.is_leaf() {
            Some(LeafIndex(self.0 >> 1))
        } else {
            None
        }
    }

    /// The level of the node: 0 for leaves, one more than its children for
    /// parents (Appendix C `level`).
    pub const fn level(self) -> u32 {
        self.0.trailing_ones()
    }

    /// The left child of a parent node; `None` for a leaf.
    pub const fn left(self) -> Option<NodeIndex> {
        let k = self.level();
        if k == 0 {
            None
        } else {
            Some(NodeIndex(self.0 ^ (1 << (k - 1))))
        }
    }

    /// The right child of a parent node; `None` for a leaf.
    pub const fn right(self) -> Option<NodeIndex> {
        let k = self.level();
        if k == 0 {
            None
        } else {
            Some(NodeIndex(self.0 ^ (3 << (k - 1))))
        }
    }

    /// The node index as a `usize`, for indexing node arrays.
    pub const fn as_usize(self) -> usize {
        self.0 as usize
    }
}

/// The size of a ratchet tree in leaves: always a power of two, at most
/// 2^31 so that every node index fits in a `u32`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TreeSize(u32);

impl TreeSize {
    /// The largest tree: 2^31 leaves, 2^32 - 1 nodes.
    pub const MAX: TreeSize = TreeSize(1 << 31);

    /// The smallest tree that holds `n_leaves` leaves (at least one).
    pub const fn for_leaves(n_leaves: u32) -> Option<TreeSize> {
        if n_leaves > Self::MAX.0 {
            return None;
        }
        match n_leaves.checked_next_power_of_two() {
            Some(0) | None => Some(TreeSize(1)),
            Some(n) => Some(TreeSize(n)),
        }
    }

    /// The tree whose array holds exactly `n_nodes` nodes, if that is a
    /// valid width (`2^k * 2 - 1`).
    pub const fn from_node_count(n_nodes: usize) -> Option<TreeSize> {
        let Some(leaves) = (n_nodes / 2).checked_add(1) else {
            return None;
        };
        if n_nodes.is_multiple_of(2) || !leaves.is_power_of_two() || leaves > Self::MAX.0 as usize {
            return None;
        }
        Some(TreeSize(leaves as u32))
    }

    /// The number of leaves.
    pub const fn leaf_count(self) -> u32 {
        self.0
    }

    /// The number of nodes in the array: `2n - 1` (Appendix C `node_width`).
    pub const fn node_count(self) -> u32 {
        // n <= 2^31, so 2n - 1 <= 2^32 - 1.
        (self.0 - 1) + self.0
    }

    /// The root: `n - 1` for a power-of-two `n` (Appendix C `root`).
    pub const fn root(self) -> NodeIndex {
        NodeIndex(self.0 - 1)
    }

    /// Whether `node` lies inside the tree.
    pub const fn contains(self, node: NodeIndex) -> bool {
        node.0 < self.node_count()
    }

    /// Whether `leaf` lies inside the tree.
    pub const fn contains_leaf(self, leaf: LeafIndex) -> bool {
        leaf.0 < self.0
    }

    /// The tree with twice as many leaves (RFC 9420 §7.7), if not already
    /// the largest.
    pub const fn doubled(self) -> Option<TreeSize> {
        if self.0 >= Self::MAX.0 {
            None
        } else {
            Some(TreeSize(self.0 * 2))
        }
    }

    /// The tree with half as many leaves; `None` for a one-leaf tree.
    pub const fn halved(self) -> Option<TreeSize> {
        if self.0 <= 1 {
            None
        } else {
            Some(TreeSize(self.0 / 2))
        }
    }

    /// The parent of `node`; `None` for the root or a node outside the tree
    /// (Appendix C `parent`).
    pub const fn parent(self, node: NodeIndex) -> Option<NodeIndex> {
        if node.0 == self.root().0 || !self.contains(node) {
            return None;
        }
        let k = node.level();
        let b = (node.0 >> (k + 1)) & 1;
        Some(NodeIndex((node.0 | (1 << k)) ^ (b << (k + 1))))
    }

    /// The other child of `node`'s parent; `None` for the root or a node
    /// outside the tree (Appendix C `sibling`).
    pub const fn sibling(self, node: NodeIndex) -> Option<NodeIndex> {
        match self.parent(node) {
            None => None,
            Some(p) if node.0 < p.0 => p.right(),
            Some(p) => p.left(),
        }
    }

    /// The direct path of `node`, from its parent up to the root
    /// (RFC 9420 §4.1.2). Empty for the root or a node outside the tree.
    pub fn direct_path(self, node: NodeIndex) -> DirectPath {
        DirectPath { size: self, node }
    }

    /// The copath of `node`: the sibling of each node on the path from
    /// `node` up to (not including) the root (RFC 9420 §4.1.2).
    pub fn copath(self, node: NodeIndex) -> impl Iterator<Item = NodeIndex> {
        core::iter::once(node)
            .chain(self.direct_path(node))
            .map_while(move |n| self.sibling(n))
    }

    /// The lowest node that is on the direct paths (or is one) of both
    /// `a` and `b` (Appendix C `common_ancestor_direct`).
    pub const fn common_ancestor(self, a: NodeIndex, b: NodeIndex) -> NodeIndex {
        // In u64 so that no shift reaches the width, whatever the inputs.
        let (x, y) = (a.0 as u64, b.0 as u64);
        let (la, lb) = (a.level() + 1, b.level() + 1);
        if la <= lb && (x >> lb) == (y >> lb) {
            return b;
        }
        if lb <= la && (x >> la) == (y >> la) {
            return a;
        }
        let (mut x, mut y, mut k) = (x, y, 0u32);
        while x != y {
            x >>= 1;
            y >>= 1;
            k += 1;
        }
        // k >= 1 here because a != b in this branch, and k <= 32.
        let ancestor = (x << k) + (1 << (k - 1)) - 1;
        // A common ancestor of two u32 indices is itself below 2^32.
        NodeIndex(ancestor as u32)
    }
}

/// The nodes of a direct path, from the parent of the starting node up to
/// the root; yields nothing for the root.
#[derive(Debug, Clone)]
pub struct DirectPath {
    size: TreeSize,
    node: NodeIndex,
}

impl Iterator for DirectPath {
    type Item = NodeIndex;

    fn next(&mut self) -> Option<NodeIndex> {
        let parent = self.size.parent(self.node)?;
        self.node = parent;
        Some(parent)
    }
}

impl Encode for TreeSize {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        self.0.encode(out)
    }
}

impl Decode for TreeSize {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let n = r.read_u32()?;
        if n == 0 || !n.is_power_of_two() || n > Self::MAX.0 {
            return Err(DecodeError::Invalid(InvalidField::TreeSize));
        }
        Ok(TreeSize(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Appendix C `parent` transcribed literally, for comparison.
    fn parent_reference(x: u32, n: u32) -> Option<u32> {
        let size = TreeSize::for_leaves(n).unwrap();
        if x == size.root().0 {
            return None;
        }
        let k = NodeIndex(x).level();
        let b = (x >> (k + 1)) & 1;
        Some((x | (1 << k)) ^ (b << (k + 1)))
    }

    #[test]
    fn eight_leaf_tree_matches_figure() {
        let s = TreeSize::for_leaves(8).unwrap();
        assert_eq!(s.node_count(), 15);
        assert_eq!(s.root(), NodeIndex(7));
        let dp: Vec<u32> = s.direct_path(NodeIndex(0)).map(|n| n.0).collect();
        assert_eq!(dp, [1, 3, 7]);
        let cp: Vec<u32> = s.copath(NodeIndex(0)).map(|n| n.0).collect();
        assert_eq!(cp, [2, 5, 11]);
        assert_eq!(s.direct_path(s.root()).count(), 0);
        assert_eq!(s.copath(s.root()).count(), 0);
        assert_eq!(s.common_ancestor(NodeIndex(0), NodeIndex(6)), NodeIndex(3));
        assert_eq!(s.common_ancestor(NodeIndex(4), NodeIndex(8)), NodeIndex(7));
        assert_eq!(s.common_ancestor(NodeIndex(5), NodeIndex(4)), NodeIndex(5));
    }

    #[test]
    fn common_ancestor_in_the_largest_tree() {
        let s = TreeSize::MAX;
        let root = s.root();
        assert_eq!(s.common_ancestor(root, NodeIndex(0)), root);
        assert_eq!(
            s.common_ancestor(NodeIndex(0), NodeIndex(u32::MAX - 1)),
            root
        );
        // u32::MAX is no node of any tree: the answer means nothing, but it must not panic.
        let _ = s.common_ancestor(NodeIndex(u32::MAX), NodeIndex(0));
    }

    #[test]
    fn sizes() {
        assert_eq!(TreeSize::for_leaves(0).unwrap().leaf_count(), 1);
        assert_eq!(TreeSize::for_leaves(5).unwrap().leaf_count(), 8);
        assert_eq!(
            TreeSize::for_leaves(1 << 31).unwrap().node_count(),
            u32::MAX
        );
        assert!(TreeSize::for_leaves((1 << 31) + 1).is_none());
        assert_eq!(TreeSize::from_node_count(7).unwrap().leaf_count(), 4);
        assert!(TreeSize::from_node_count(6).is_none());
        assert!(TreeSize::from_node_count(9).is_none());
        assert!(TreeSize::from_node_count(0).is_none());
        assert_eq!(TreeSize::MAX.doubled(), None);
        assert_eq!(TreeSize::for_leaves(1).unwrap().halved(), None);
    }

    #[test]
    fn largest_tree_relations_do_not_overflow() {
        let s = TreeSize::MAX;
        let last = NodeIndex(u32::MAX - 1);
        assert_eq!(s.direct_path(last).count(), 31);
        assert_eq!(s.direct_path(last).last(), Some(s.root()));
        assert_eq!(s.parent(NodeIndex(u32::MAX)), None);
        assert_eq!(LeafIndex(u32::MAX).node(), None);
    }

    proptest::proptest! {
        #[test]
        fn relations_are_consistent(log in 0u32..20, x in proptest::num::u32::ANY) {
            let s = TreeSize::for_leaves(1 << log).unwrap();
            let x = NodeIndex(x % s.node_count());
            prop_assert_relations(s, x);
        }
    }

    fn prop_assert_relations(s: TreeSize, x: NodeIndex) {
        assert_eq!(
            s.parent(x).map(|p| p.0),
            parent_reference(x.0, s.leaf_count())
        );
        if let Some(p) = s.parent(x) {
            assert!(s.contains(p));
            assert_eq!(p.level(), x.level() + 1);
            assert!(p.left() == Some(x) || p.right() == Some(x));
            let sib = s.sibling(x).unwrap();
            assert_eq!(s.parent(sib), Some(p));
            assert_ne!(sib, x);
        }
        assert_eq!(s.direct_path(x).last().unwrap_or(x), s.root());
        assert_eq!(s.copath(x).count(), s.direct_path(x).count());
    }
}
