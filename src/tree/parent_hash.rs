//! Parent hashes (RFC 9420 §7.9): computing them along an UpdatePath and
//! verifying that every parent node of an imported tree is parent-hash
//! valid (§7.9.2).
//!
//! ```text
//! struct {
//!     HPKEPublicKey encryption_key;
//!     opaque parent_hash<V>;
//!     opaque original_sibling_tree_hash<V>;
//! } ParentHashInput;
//! ```

use std::collections::HashMap;

use super::error::TreeError;
use super::ratchet_tree::{NodeRef, RatchetTree, TreeView};
use super::tree_hash::TreeHasher;
use super::{LeafIndex, LeafNodeSource, NodeIndex, ParentNode, TreeSize};
use crate::codec::{Encode, encode_opaque};
use crate::crypto::{HpkePublicKey, SuiteCrypto};
use crate::error::Error;

/// The parent hash of a node with `encryption_key` and `parent_hash`
/// whose copath child has `original_sibling_tree_hash`:
/// `Hash(ParentHashInput)` (RFC 9420 §7.9).
// RFC 9420 §7.9, R-7.9-01
pub fn parent_hash(
    crypto: &SuiteCrypto<'_>,
    encryption_key: &HpkePublicKey,
    parent_hash: &[u8],
    original_sibling_tree_hash: &[u8],
) -> Result<Vec<u8>, Error> {
    let mut input = Vec::with_capacity(
        encryption_key.0.len() + parent_hash.len() + original_sibling_tree_hash.len() + 12,
    );
    encryption_key.encode(&mut input)?;
    encode_opaque(parent_hash, &mut input)?;
    encode_opaque(original_sibling_tree_hash, &mut input)?;
    Ok(crypto.hash(&input)?)
}

/// The leaves of the subtree under `node`, as a half-open range.
fn leaf_range(node: NodeIndex) -> (u32, u32) {
    let span = (1u32 << node.level()) - 1;
    let lo = (node.0 - span) / 2;
    (lo, (node.0 + span) / 2 + 1)
}

/// The entries of a sorted leaf list that lie under `node`.
fn under(sorted: &[LeafIndex], node: NodeIndex) -> &[LeafIndex] {
    let (lo, hi) = leaf_range(node);
    let start = sorted.partition_point(|l| l.0 < lo);
    let end = sorted.partition_point(|l| l.0 < hi);
    sorted.get(start..end).unwrap_or(&[])
}

/// The tree hash of `node` after blanking the leaves in `removed` (sorted)
/// and dropping them from every unmerged list: the original sibling tree
/// hash of RFC 9420 §7.9. Subtrees that contain none of them keep their
/// cached hash, so the cost is O(|removed| · log n) hashes.
fn hash_without(
    tree: &RatchetTree,
    hasher: &mut TreeHasher<'_>,
    node: NodeIndex,
    removed: &[LeafIndex],
) -> Result<Vec<u8>, Error> {
    let here = under(removed, node);
    if here.is_empty() {
        return tree
            .node_hash(node)
            .map(<[u8]>::to_vec)
            .ok_or(Error::Internal("hash missing"));
    }
    match (node.leaf(), node.left(), node.right()) {
        // The only leaf under a leaf is itself, and it is removed.
        (Some(leaf), _, _) => hasher.leaf(leaf, None),
        (None, Some(l), Some(r)) => {
            let lh = hash_without(tree, hasher, l, here)?;
            let rh = hash_without(tree, hasher, r, here)?;
            match tree.parent_node(node) {
                Some(p) => hasher.parent_without(p, &|x| here.binary_search(&x).is_ok(), &lh, &rh),
                None => hasher.parent(None, &lh, &rh),
            }
        }
        _ => Err(Error::Internal("parent without children")),
    }
}

/// The number of nodes in the resolution of every node (RFC 9420 §4.1.2),
/// indexed by node. Assumes unmerged lists already checked.
fn resolution_sizes(tree: &RatchetTree) -> Vec<u64> {
    let size = tree.size();
    let mut sizes = vec![0u64; size.node_count() as usize];
    for level in 0..=size.root().level() {
        let first = (1u32 << level) - 1;
        let step = 1u64 << (level + 1);
        let mut x = u64::from(first);
        while x < u64::from(size.node_count()) {
            let node = NodeIndex(x as u32);
            let value = match tree.node(node) {
                NodeRef::Leaf(_) => 1,
                NodeRef::Parent(p) => 1 + p.unmerged_leaves.len() as u64,
                NodeRef::Blank => match (node.left(), node.right()) {
                    (Some(l), Some(r)) => {
                        sizes.get(l.as_usize()).copied().unwrap_or(0)
                            + sizes.get(r.as_usize()).copied().unwrap_or(0)
                    }
                    _ => 0,
                },
            };
            if let Some(slot) = sizes.get_mut(node.as_usize()) {
                *slot = value;
            }
            x += step;
        }
    }
    sizes
}

/// Whether leaf `u` is in the resolution of `top` (an ancestor of `u`):
/// resolution stops at the first non-blank node on the way down, which
/// must be `u` itself or list `u` as unmerged.
fn in_resolution(tree: &RatchetTree, top: NodeIndex, u: LeafIndex) -> bool {
    let Some(target) = u.node() else { return false };
    let mut x = top;
    loop {
        match tree.node(x) {
            NodeRef::Leaf(_) => return x == target,
            NodeRef::Parent(p) => return p.unmerged_leaves.binary_search(&u).is_ok(),
            NodeRef::Blank => {}
        }
        let (Some(l), Some(r)) = (x.left(), x.right()) else {
            return false;
        };
        x = if target < x { l } else { r };
    }
}

/// Verifies that every non-blank parent node of `tree` is parent-hash
/// valid (RFC 9420 §7.9.2), bottom up: each non-blank node D (a parent, or
/// a leaf whose source is `commit`) can only chain to its nearest
/// non-blank ancestor P; the link holds if P's unmerged leaves under D's
/// side are exactly the resolution of that side without D, and D's
/// `parent_hash` is the parent hash of P with the original tree hash of the
/// other side. Every non-blank parent must be reached by exactly one link.
///
/// Expects the unmerged leaf lists to be valid already (sorted, unique,
/// descendants). Costs one parent hash per non-blank node, plus original
/// sibling tree hashes where unmerged leaves sit on the sibling side.
// RFC 9420 §7.9.2, R-7.9.2-01
pub fn verify_parent_hashes(crypto: &SuiteCrypto<'_>, tree: &RatchetTree) -> Result<(), Error> {
    let size: TreeSize = tree.size();
    let res_sizes = resolution_sizes(tree);
    let mut hasher = TreeHasher::new(crypto);
    // Links found per parent node, and the parent hash of each (P, sibling) pair.
    let mut links: HashMap<NodeIndex, u32> = HashMap::new();
    let mut expected: HashMap<(NodeIndex, NodeIndex), Vec<u8>> = HashMap::new();

    for x in 0..size.node_count() {
        let d = NodeIndex(x);
        let claimed: &[u8] = match tree.node(d) {
            NodeRef::Blank => continue,
            NodeRef::Parent(p) => {
                links.entry(d).or_insert(0);
                &p.parent_hash
            }
            NodeRef::Leaf(l) => match &l.leaf_node_source {
                LeafNodeSource::Commit(ph) => ph,
                _ => continue,
            },
        };
        // Nearest non-blank strict ancestor P, and P's child C on D's side.
        let mut c = d;
        let mut found = None;
        for p in size.direct_path(d) {
            if let Some(parent) = tree.parent_node(p) {
                found = Some((p, parent));
                break;
            }
            c = p;
        }
        let Some((p, parent)) = found else { continue };
        let Some(s) = size.sibling(c) else { continue };

        // P.unmerged ∩ subtree(C) == resolution(C) \ {D}.
        let unmerged_c = under(&parent.unmerged_leaves, c);
        let res_c = res_sizes.get(c.as_usize()).copied().unwrap_or(0);
        if res_c != unmerged_c.len() as u64 + 1
            || unmerged_c
                .iter()
                .any(|u| u.node() == Some(d) || !in_resolution(tree, c, *u))
        {
            continue;
        }

        let hash = match expected.get(&(p, s)) {
            Some(h) => h,
            None => {
                let removed = under(&parent.unmerged_leaves, s);
                let sibling_hash = hash_without(tree, &mut hasher, s, removed)?;
                let h = parent_hash(
                    crypto,
                    &parent.encryption_key,
                    &parent.parent_hash,
                    &sibling_hash,
                )?;
                expected.entry((p, s)).or_insert(h)
            }
        };
        if hash.as_slice() == claimed {
            *links.entry(p).or_insert(0) += 1;
        }
    }

    let mut bad: Vec<NodeIndex> = links
        .into_iter()
        .filter(|(_, n)| *n != 1)
        .map(|(p, _)| p)
        .collect();
    bad.sort_unstable();
    match bad.first() {
        Some(node) => Err(TreeError::ParentHashMismatch { node: *node }.into()),
        None => Ok(()),
    }
}

/// Sets the `parent_hash` of each node on a filtered direct path, from the
/// root down, and returns the parent hash the leaf must carry
/// (RFC 9420 §7.9). `path` pairs each filtered direct path node with its
/// copath child, leaf to root, as [`TreeView::filtered_direct_path`]
/// returns; the nodes must already hold their new keys with no unmerged
/// leaves, so each original sibling tree hash is the copath child's current
/// tree hash.
// RFC 9420 §7.9, R-7.9-01
pub(crate) fn set_path_parent_hashes(
    crypto: &SuiteCrypto<'_>,
    diff: &mut super::diff::TreeDiff<'_>,
    path: &[(NodeIndex, NodeIndex)],
) -> Result<Vec<u8>, Error> {
    let mut hasher = TreeHasher::new(crypto);
    let mut above: Vec<u8> = Vec::new();
    for (node, copath) in path.iter().rev() {
        let sibling_hash = diff.node_hash(&mut hasher, *copath)?;
        let mut parent: ParentNode = diff.parent_node(*node).cloned().ok_or(Error::Internal(
            "path node blank while setting parent hashes",
        ))?;
        parent.parent_hash = above;
        above = parent_hash(
            crypto,
            &parent.encryption_key,
            &parent.parent_hash,
            &sibling_hash,
        )?;
        diff.set_parent(*node, Some(parent))?;
    }
    Ok(above)
}
