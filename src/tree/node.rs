//! Ratchet tree nodes (RFC 9420 §7.1, §12.4.3.3).

use crate::codec::{Decode, DecodeError, Encode, EncodeError, Reader};
use crate::crypto::HpkePublicKey;
use crate::tree::{LeafIndex, LeafNode};
use crate::types::{ExtensionContent, ExtensionType};

/// A parent node's contents (RFC 9420 §7.1).
///
/// ```text
/// struct {
///     HPKEPublicKey encryption_key;
///     opaque parent_hash<V>;
///     uint32 unmerged_leaves<V>;
/// } ParentNode;
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct ParentNode {
    /// The node's HPKE public key.
    pub encryption_key: HpkePublicKey,
    /// The parent hash of the node's parent (§7.9).
    pub parent_hash: Vec<u8>,
    /// Leaves below this node that do not know its private key, in
    /// increasing order (§7.1).
    pub unmerged_leaves: Vec<LeafIndex>,
}

crate::codec_struct!(ParentNode {
    encryption_key,
    parent_hash,
    unmerged_leaves
});

/// The kind of a tree node (RFC 9420 §7.8).
///
/// ```text
/// enum {
///     reserved(0),
///     leaf(1),
///     parent(2),
///     (255)
/// } NodeType;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum NodeType {
    /// `leaf(1)`.
    Leaf = 1,
    /// `parent(2)`.
    Parent = 2,
}

crate::codec_enum!(NodeType: u8, NodeType { Leaf, Parent });

/// A non-blank node of the ratchet tree (RFC 9420 §12.4.3.3).
///
/// ```text
/// struct {
///     NodeType node_type;
///     select (Node.node_type) {
///         case leaf:   LeafNode leaf_node;
///         case parent: ParentNode parent_node;
///     };
/// } Node;
/// ```
///
/// Decoding checks only the syntax: whether a leaf sits at an even index
/// and a parent at an odd one is for the tree to check (§12.4.3.3).
///
/// Both variants are boxed so that `Option<Node>` is 16 bytes: a hostile
/// `ratchet_tree` of blank nodes, one byte each on the wire, then costs at
/// most 16 bytes of memory per input byte, like the crate's other vectors.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Node {
    /// A leaf.
    Leaf(Box<LeafNode>),
    /// A parent.
    Parent(Box<ParentNode>),
}

impl Node {
    /// A leaf node.
    pub fn leaf(leaf: LeafNode) -> Self {
        Self::Leaf(Box::new(leaf))
    }

    /// A parent node.
    pub fn parent(parent: ParentNode) -> Self {
        Self::Parent(Box::new(parent))
    }

    /// The node's type.
    pub const fn node_type(&self) -> NodeType {
        match self {
            Self::Leaf(_) => NodeType::Leaf,
            Self::Parent(_) => NodeType::Parent,
        }
    }

    /// The leaf, if this is one.
    pub fn as_leaf(&self) -> Option<&LeafNode> {
        match self {
            Self::Leaf(leaf) => Some(leaf),
            Self::Parent(_) => None,
        }
    }

    /// The parent, if this is one.
    pub fn as_parent(&self) -> Option<&ParentNode> {
        match self {
            Self::Parent(parent) => Some(parent),
            Self::Leaf(_) => None,
        }
    }

    /// The node's HPKE public key.
    pub fn encryption_key(&self) -> &HpkePublicKey {
        match self {
            Self::Leaf(leaf) => &leaf.encryption_key,
            Self::Parent(parent) => &parent.encryption_key,
        }
    }
}

impl Encode for Node {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        self.node_type().encode(out)?;
        match self {
            Self::Leaf(leaf) => leaf.encode(out),
            Self::Parent(parent) => parent.encode(out),
        }
    }
}

impl Decode for Node {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(match NodeType::decode(r)? {
            NodeType::Leaf => Self::leaf(Decode::decode(r)?),
            NodeType::Parent => Self::parent(Decode::decode(r)?),
        })
    }
}

/// The ratchet_tree extension (RFC 9420 §12.4.3.3): the tree in its array
/// representation, blank nodes as `None`.
///
/// ```text
/// optional<Node> ratchet_tree<V>;
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RatchetTreeExtension(pub Vec<Option<Node>>);

crate::codec_newtype!(RatchetTreeExtension);

impl ExtensionContent for RatchetTreeExtension {
    const TYPE: ExtensionType = ExtensionType::RATCHET_TREE;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::decode_exact;

    #[test]
    fn parent_round_trip_and_unknown_type() {
        assert!(core::mem::size_of::<Option<Node>>() <= 2 * core::mem::size_of::<usize>());
        let node = Node::parent(ParentNode {
            encryption_key: HpkePublicKey(vec![1]),
            parent_hash: vec![],
            unmerged_leaves: vec![LeafIndex(3), LeafIndex(0x0102_0304)],
        });
        let bytes = node.to_bytes().unwrap();
        assert_eq!(bytes, [2, 1, 1, 0, 8, 0, 0, 0, 3, 1, 2, 3, 4]);
        assert_eq!(decode_exact::<Node>(&bytes), Ok(node));
        assert_eq!(
            decode_exact::<Node>(&[3]),
            Err(DecodeError::UnknownValue {
                field: crate::codec::Field::NodeType,
                value: 3
            })
        );
        // Blank nodes are `optional<Node>` absent.
        assert_eq!(
            decode_exact::<Vec<Option<Node>>>(&[2, 0, 0]),
            Ok(vec![None, None])
        );
    }
}
