//! The ratchet tree (RFC 9420 §4, §7) and its array representation
//! (Appendix C).
pub mod leaf_node;
pub mod math;
pub mod node;

pub use leaf_node::{Capabilities, LeafNode, LeafNodeSource, LeafNodeSourceType, Lifetime};
pub use math::{LeafIndex, NodeIndex, TreeSize};
pub use node::{Node, NodeType, ParentNode};
