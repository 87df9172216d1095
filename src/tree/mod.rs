//! The ratchet tree (RFC 9420 §4, §7) and its array representation
//! (Appendix C).
//!
//! - [`math`]: array-based tree math (Appendix C).
//! - [`LeafNode`], [`ParentNode`], [`Node`]: the node contents (§7.1, §7.2).
//! - [`RatchetTree`]: the public tree of an epoch with cached tree hashes
//!   and key indexes; [`TreeView`] has the relations of §4.1.2.
//! - [`TreeDiff`]: staged changes (adds, removes, updates, paths) over a
//!   borrowed tree, frozen into a [`StagedTree`] and merged infallibly.
//! - [`tree_hash`], [`parent_hash`]: §7.8 and §7.9.
//! - [`validate`]: leaf validation (§7.3) and whole-tree validation for
//!   joiners (§12.4.3.1).
//! - [`treekem`]: creating and applying UpdatePaths (§7.4-§7.6).

pub mod diff;
pub mod error;
mod key_index;
pub mod leaf_node;
pub mod node;
pub mod parent_hash;
pub mod ratchet_tree;
pub mod tree_hash;
pub mod treekem;
pub mod update_path;
pub mod validate;

/// Tree math (RFC 9420 Appendix C), now the top-level [`tree_math`](crate::tree_math).
pub use crate::tree_math as math;
pub use crate::tree_math::{LeafIndex, NodeIndex, TreeSize};
pub use diff::{StagedTree, TreeDiff};
pub use error::{Capability, TreeError};
pub use leaf_node::{Capabilities, LeafNode, LeafNodeSource, LeafNodeSourceType, Lifetime};
pub use node::{Node, NodeType, ParentNode, RatchetTreeExtension};
pub use ratchet_tree::{NodeRef, RatchetTree, TreeView};
pub use update_path::{UpdatePath, UpdatePathNode};
