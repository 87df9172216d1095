//! UpdatePath (RFC 9420 §7.6): the committer's new leaf and the encrypted
//! path secrets of its filtered direct path, which TreeKEM produces and
//! consumes ([`treekem`](super::treekem)).

use super::LeafNode;
use crate::crypto::{HpkeCiphertext, HpkePublicKey};

/// One node of an UpdatePath: the new public key of a node on the
/// committer's filtered direct path and its path secret, encrypted to each
/// node of the copath child's resolution (RFC 9420 §7.6).
///
/// ```text
/// struct {
///     HPKEPublicKey encryption_key;
///     HPKECiphertext encrypted_path_secret<V>;
/// } UpdatePathNode;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdatePathNode {
    /// The node's new HPKE public key.
    pub encryption_key: HpkePublicKey,
    /// The path secret, once per node of the resolution, in order.
    pub encrypted_path_secret: Vec<HpkeCiphertext>,
}

crate::codec_struct!(UpdatePathNode {
    encryption_key,
    encrypted_path_secret
});

/// The committer's new leaf and the new keys of its filtered direct path
/// (RFC 9420 §7.6).
///
/// ```text
/// struct {
///     LeafNode leaf_node;
///     UpdatePathNode nodes<V>;
/// } UpdatePath;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdatePath {
    /// The committer's new leaf; its source is `commit`.
    pub leaf_node: LeafNode,
    /// One entry per node of the filtered direct path, leaf to root.
    pub nodes: Vec<UpdatePathNode>,
}

crate::codec_struct!(UpdatePath { leaf_node, nodes });
