//! Errors of the ratchet tree and TreeKEM (RFC 9420 §4, §7, §12.4.3.1).

use super::{LeafIndex, NodeIndex};
use crate::types::{CredentialType, ExtensionType, ProposalType};

/// Why a ratchet tree, a leaf node or an UpdatePath was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TreeError {
    // --- Shape of an imported node list (RFC 9420 §12.4.3.3) ---
    /// The node list is empty.
    #[error("empty ratchet tree")]
    EmptyTree,
    /// The last node of the list is blank; senders MUST NOT include
    /// trailing blank nodes (RFC 9420 §12.4.3.3).
    #[error("ratchet tree ends with a blank node")]
    TrailingBlankNode,
    /// The node list is longer than the largest tree this crate accepts.
    #[error("ratchet tree of {count} nodes exceeds the maximum of {max}")]
    TooManyNodes {
        /// Nodes in the list.
        count: usize,
        /// The largest accepted count.
        max: usize,
    },
    /// A staged tree merged into another tree than the one it was staged
    /// on, or into the same tree after it changed.
    #[error("staged tree does not belong to this tree")]
    StagedOnOtherTree,
    /// Adds would grow the tree past the most leaves the application
    /// allows (`GroupConfig::max_tree_leaves`).
    #[error("tree of {count} leaves exceeds the maximum of {max}")]
    TooManyLeaves {
        /// Leaves the tree would have.
        count: u32,
        /// The largest accepted count.
        max: u32,
    },
    /// A parent node sits at a leaf position or a leaf at a parent position.
    #[error("node {node:?} has the wrong type for its position")]
    WrongNodeType {
        /// The misplaced node.
        node: NodeIndex,
    },

    // --- Hashes (RFC 9420 §7.8, §7.9) ---
    /// The tree hash does not match the GroupContext (RFC 9420 §12.4.3.1).
    #[error("tree hash does not match the group context")]
    TreeHashMismatch,
    /// A non-blank parent node is not parent-hash valid: no descendant, or
    /// more than one, chains to it (RFC 9420 §7.9.2).
    #[error("parent node {node:?} is not parent-hash valid")]
    ParentHashMismatch {
        /// The parent node.
        node: NodeIndex,
    },
    /// A committer's leaf does not carry the parent hash of its path
    /// (RFC 9420 §7.5).
    #[error("leaf {leaf:?} parent hash does not match its path")]
    LeafParentHashMismatch {
        /// The committer's leaf.
        leaf: LeafIndex,
    },

    // --- Unmerged leaves (RFC 9420 §7.1, §12.4.3.1) ---
    /// An unmerged leaf of a parent node is not in its subtree.
    #[error("unmerged leaf {leaf:?} of {parent:?} is not a descendant")]
    UnmergedLeafNotDescendant {
        /// The parent node listing the leaf.
        parent: NodeIndex,
        /// The listed leaf.
        leaf: LeafIndex,
    },
    /// An unmerged leaf of a parent node is blank.
    #[error("unmerged leaf {leaf:?} of {parent:?} is blank")]
    UnmergedLeafBlank {
        /// The parent node listing the leaf.
        parent: NodeIndex,
        /// The listed leaf.
        leaf: LeafIndex,
    },
    /// A non-blank node between an unmerged leaf and the parent listing it
    /// does not list the leaf too.
    #[error("{intermediate:?} between {leaf:?} and {parent:?} does not list it as unmerged")]
    UnmergedLeafNotInIntermediate {
        /// The parent node listing the leaf.
        parent: NodeIndex,
        /// The non-blank node in between.
        intermediate: NodeIndex,
        /// The listed leaf.
        leaf: LeafIndex,
    },
    /// A parent's unmerged leaves are not strictly increasing (RFC 9420 §7.1).
    #[error("unmerged leaves of {parent:?} are not sorted and unique")]
    UnmergedLeavesNotSorted {
        /// The parent node.
        parent: NodeIndex,
    },

    // --- Uniqueness (RFC 9420 §7.3, §12.4.3.1) ---
    /// Two nodes carry the same HPKE encryption key.
    #[error("encryption key of {second:?} already used by {first:?}")]
    DuplicateEncryptionKey {
        /// The node seen first.
        first: NodeIndex,
        /// The node with the repeated key.
        second: NodeIndex,
    },
    /// Two leaves carry the same signature key.
    #[error("signature key of {second:?} already used by {first:?}")]
    DuplicateSignatureKey {
        /// The leaf seen first.
        first: LeafIndex,
        /// The leaf with the repeated key.
        second: LeafIndex,
    },

    // --- Leaf node validation (RFC 9420 §7.3) ---
    /// The LeafNode signature does not verify.
    #[error("leaf {leaf:?} signature invalid")]
    InvalidLeafSignature {
        /// The leaf, or the position it would take.
        leaf: LeafIndex,
    },
    /// The leaf carries an extension its capabilities do not list.
    #[error("leaf {leaf:?} extension {extension_type:?} not in its capabilities")]
    ExtensionNotInCapabilities {
        /// The leaf.
        leaf: LeafIndex,
        /// The unlisted extension type.
        extension_type: ExtensionType,
    },
    /// An extension type appears twice in the leaf's `extensions`
    /// (RFC 9420 §13.4).
    #[error("leaf {leaf:?} extension {extension_type:?} appears twice")]
    DuplicateLeafExtension {
        /// The leaf.
        leaf: LeafIndex,
        /// The repeated extension type.
        extension_type: ExtensionType,
    },
    /// The leaf's credential type is not in its own capabilities.
    #[error("leaf {leaf:?} credential type {credential_type:?} not in its capabilities")]
    CredentialNotInCapabilities {
        /// The leaf.
        leaf: LeafIndex,
        /// The credential type.
        credential_type: CredentialType,
    },
    /// The leaf lacks a capability the group requires
    /// (`required_capabilities`, RFC 9420 §11.1).
    #[error("leaf {leaf:?} lacks required capability {capability:?}")]
    MissingRequiredCapability {
        /// The leaf.
        leaf: LeafIndex,
        /// The missing capability.
        capability: Capability,
    },
    /// A credential type in use is not supported by every member
    /// (RFC 9420 §7.3).
    #[error("credential type {credential_type:?} of {leaf:?} not supported by all members")]
    CredentialTypeNotSupported {
        /// A leaf concerned.
        leaf: LeafIndex,
        /// The credential type.
        credential_type: CredentialType,
    },
    /// The HPKE `encryption_key` of a node (a leaf's, or a parent's in an
    /// imported tree or an UpdatePath) is not a valid public key of the
    /// suite's KEM: off the curve, the identity, or a low-order X25519 or
    /// X448 point (RFC 9180 §7.1.4, RFC 9420 §5.1.1). A leaf `L` is node
    /// `2L`.
    #[error("encryption key of node {node:?} is not a valid public key of the suite")]
    InvalidEncryptionKey {
        /// The node carrying the key.
        node: NodeIndex,
    },
    /// The leaf's signature key is not a valid key for the suite.
    #[error("leaf {leaf:?} signature key invalid")]
    InvalidSignatureKey {
        /// The leaf.
        leaf: LeafIndex,
    },
    /// The leaf's credential was rejected by the credential validator.
    #[error("leaf {leaf:?} credential rejected")]
    InvalidCredential {
        /// The leaf.
        leaf: LeafIndex,
    },
    /// The leaf's lifetime is longer than the policy allows (RFC 9420 §7.2).
    #[error("leaf {leaf:?} lifetime range {range}s exceeds the maximum {max}s")]
    LifetimeTooLong {
        /// The leaf.
        leaf: LeafIndex,
        /// `not_after - not_before`.
        range: u64,
        /// The maximum allowed.
        max: u64,
    },
    /// The current time is outside the leaf's lifetime (RFC 9420 §7.3).
    #[error("leaf {leaf:?} not valid at {now}: lifetime {not_before}..={not_after}")]
    LifetimeExpired {
        /// The leaf.
        leaf: LeafIndex,
        /// The time checked.
        now: u64,
        /// Start of the lifetime.
        not_before: u64,
        /// End of the lifetime.
        not_after: u64,
    },
    /// The leaf node source does not fit where the leaf appears
    /// (RFC 9420 §7.3).
    #[error("leaf {leaf:?} has the wrong leaf_node_source")]
    WrongLeafNodeSource {
        /// The leaf.
        leaf: LeafIndex,
    },

    // --- Addressing ---
    /// A leaf index is outside the tree.
    #[error("leaf {leaf:?} outside the tree")]
    LeafOutOfRange {
        /// The leaf.
        leaf: LeafIndex,
    },
    /// The leaf is blank where a member was expected.
    #[error("leaf {leaf:?} is blank")]
    BlankLeaf {
        /// The leaf.
        leaf: LeafIndex,
    },
    /// The tree cannot grow beyond 2^31 leaves.
    #[error("tree is full")]
    TreeFull,

    // --- UpdatePath (RFC 9420 §7.5, §7.6) ---
    /// The UpdatePath has a node count other than the sender's filtered
    /// direct path length.
    #[error("UpdatePath has {got} nodes, filtered direct path has {expected}")]
    WrongPathLength {
        /// Filtered direct path length.
        expected: usize,
        /// Nodes in the UpdatePath.
        got: usize,
    },
    /// An UpdatePath node has a ciphertext count other than the size of
    /// the copath node's resolution (RFC 9420 §7.6).
    #[error("UpdatePath node {node:?} has {got} ciphertexts for a resolution of {expected}")]
    WrongCiphertextCount {
        /// The direct path node.
        node: NodeIndex,
        /// Resolution size.
        expected: usize,
        /// Ciphertexts given.
        got: usize,
    },
    /// No ciphertext of the UpdatePath is addressed to a node whose private
    /// key this member holds.
    #[error("no path secret in the UpdatePath is encrypted to this member")]
    NoDecryptablePathSecret,
    /// A public key derived from a path secret differs from the one in the
    /// UpdatePath or the tree.
    #[error("derived public key for {node:?} does not match")]
    PathKeyMismatch {
        /// The node.
        node: NodeIndex,
    },
}

/// A capability a leaf can list (RFC 9420 §7.2): the subject of
/// [`TreeError::MissingRequiredCapability`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Capability {
    /// An extension type.
    Extension(ExtensionType),
    /// A proposal type.
    Proposal(ProposalType),
    /// A credential type.
    Credential(CredentialType),
}
