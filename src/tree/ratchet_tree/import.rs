//! Importing a tree from its encoding, hashing each node from the bytes
//! it was decoded from instead of encoding it again.
//!
//! A node's tree hash input (RFC 9420 §7.8) holds its `optional<LeafNode>`
//! or `optional<ParentNode>`, which is its `optional<Node>` in the
//! `ratchet_tree` list without the `node_type` byte. The codec is
//! canonical (minimal vector headers, `optional` presence 0 or 1, vectors
//! of whole elements, nothing skipped), so the bytes a node was decoded
//! from are exactly the bytes it encodes to: the `decode_ratchet_tree` and
//! `decode_leaf_node` fuzz targets assert it for every input they accept,
//! and the tests below compare the two ways of hashing.

use std::sync::OnceLock;

use super::{KeyIndex, MAX_IMPORT_NODES, RatchetTree};
use crate::codec::{Decode, DecodeError, Reader};
use crate::crypto::SuiteCrypto;
use crate::error::Error;
use crate::tree::node::NodeType;
use crate::tree::tree_hash::{NodeEncodings, NodeHashes, TreeHasher};
use crate::tree::{LeafNode, Node, NodeIndex, ParentNode, TreeError, TreeSize};

/// The nodes of a decoded `ratchet_tree` list as the bytes of each
/// `optional<Node>`; nodes past the list are blank.
struct DecodedNodes<'a> {
    size: TreeSize,
    encoded: Vec<&'a [u8]>,
}

impl NodeEncodings for DecodedNodes<'_> {
    fn size(&self) -> TreeSize {
        self.size
    }

    fn write(&self, node: NodeIndex, out: &mut Vec<u8>) -> Result<(), Error> {
        match self.encoded.get(node.as_usize()) {
            // Present: 1, the node type, then the node itself.
            Some([1, _, node @ ..]) => {
                out.push(1);
                out.extend_from_slice(node);
            }
            _ => out.push(0),
        }
        Ok(())
    }
}

/// A node list split into leaves and parents as it is read, checked
/// when it ends.
struct SplitNodes {
    leaves: Vec<Option<LeafNode>>,
    parents: Vec<Option<ParentNode>>,
    /// The number of nodes in the list.
    count: usize,
    last_blank: bool,
    /// The first leaf position holding a parent or the reverse.
    wrong_type: Option<NodeIndex>,
}

impl SplitNodes {
    fn with_capacity(nodes: usize) -> Self {
        Self {
            leaves: Vec::with_capacity(nodes / 2 + 1),
            parents: Vec::with_capacity(nodes / 2),
            count: 0,
            last_blank: false,
            wrong_type: None,
        }
    }

    /// Whether the next node is at a leaf position (even index).
    fn at_leaf(&self) -> bool {
        self.count.is_multiple_of(2)
    }

    fn push_blank(&mut self) {
        if self.at_leaf() {
            self.leaves.push(None);
        } else {
            self.parents.push(None);
        }
        self.count = self.count.saturating_add(1);
        self.last_blank = true;
    }

    fn push_leaf(&mut self, leaf: LeafNode) {
        if self.at_leaf() {
            self.leaves.push(Some(leaf));
        } else {
            self.wrong_type_here();
            self.parents.push(None);
        }
        self.count = self.count.saturating_add(1);
        self.last_blank = false;
    }

    fn push_parent(&mut self, parent: ParentNode) {
        if self.at_leaf() {
            self.wrong_type_here();
            self.leaves.push(None);
        } else {
            self.parents.push(Some(parent));
        }
        self.count = self.count.saturating_add(1);
        self.last_blank = false;
    }

    fn wrong_type_here(&mut self) {
        // A count past `u32::MAX` fails the node count check first.
        let index = NodeIndex(u32::try_from(self.count).unwrap_or(u32::MAX));
        self.wrong_type.get_or_insert(index);
    }

    /// The checks of [`RatchetTree::from_nodes_with_max`] in its order
    /// (node count, empty, trailing blank, node types), then the list
    /// extended with blanks to a full tree (RFC 9420 §12.4.3.3).
    fn into_tree(mut self, max_leaves: u32) -> Result<RatchetTree, Error> {
        RatchetTree::check_node_count(self.count, max_leaves)?;
        if self.count == 0 {
            return Err(TreeError::EmptyTree.into());
        }
        if self.last_blank {
            // RFC 9420 §12.4.3.3, R-12.4.3.3-02 (docs/rfc9420-requirements.md)
            return Err(TreeError::TrailingBlankNode.into());
        }
        if let Some(node) = self.wrong_type {
            return Err(TreeError::WrongNodeType { node }.into());
        }
        // The smallest 2^(d+1) - 1 nodes that hold the list: `count / 2 +
        // 1` leaves give at least `count + 1` nodes for an even count (a
        // list ending in a parent, for example 2^k nodes ending in the
        // root of 2^k leaves) and exactly `count` for an odd one;
        // `for_leaves` rounds up to a power of two.
        let too_many = TreeError::TooManyNodes {
            count: self.count,
            max: MAX_IMPORT_NODES,
        };
        let n_leaves = u32::try_from(self.count / 2 + 1).map_err(|_| too_many)?;
        let size = TreeSize::for_leaves(n_leaves).ok_or(too_many)?;
        let leaves = size.leaf_count() as usize;
        self.leaves.resize(leaves, None);
        self.parents.resize(leaves.saturating_sub(1), None);
        Ok(RatchetTree {
            size,
            leaves: self.leaves,
            parents: self.parents,
            hashes: NodeHashes::default(),
            encryption_keys: KeyIndex::default(),
            signature_keys: KeyIndex::default(),
            encoded: OnceLock::new(),
        })
    }
}

/// Decodes `optional<Node> ratchet_tree<V>` from `r` into leaves and
/// parents (no box per node), with the bytes each `optional<Node>` was
/// decoded from. The errors are those of decoding the list as
/// [`RatchetTreeExtension`](crate::tree::RatchetTreeExtension).
fn decode_nodes<'a>(r: &mut Reader<'a>) -> Result<(SplitNodes, Vec<&'a [u8]>), Error> {
    let mut list = r.read_vector()?;
    let mut nodes = SplitNodes::with_capacity(0);
    let mut encoded = Vec::new();
    while !list.is_empty() {
        let rest = list.rest();
        match list.read_u8()? {
            0 => nodes.push_blank(),
            1 => match NodeType::decode(&mut list)? {
                NodeType::Leaf => nodes.push_leaf(LeafNode::decode(&mut list)?),
                NodeType::Parent => nodes.push_parent(ParentNode::decode(&mut list)?),
            },
            // RFC 9420 §2.1.1, R-2.1.1-01
            other => return Err(DecodeError::InvalidOptional(other).into()),
        }
        let used = rest
            .len()
            .checked_sub(list.remaining())
            .and_then(|n| rest.get(..n))
            .ok_or(Error::Internal("node read past its list"))?;
        encoded.push(used);
    }
    Ok((nodes, encoded))
}

impl RatchetTree {
    /// The tree of [`from_nodes_with_max`](Self::from_nodes_with_max)
    /// after its shape checks, before its nodes are hashed and its keys
    /// indexed.
    pub(super) fn unhashed(nodes: Vec<Option<Node>>, max_leaves: u32) -> Result<Self, Error> {
        Self::check_node_count(nodes.len(), max_leaves)?;
        let mut split = SplitNodes::with_capacity(nodes.len());
        for node in nodes {
            match node {
                None => split.push_blank(),
                Some(Node::Leaf(leaf)) => split.push_leaf(*leaf),
                Some(Node::Parent(parent)) => split.push_parent(*parent),
            }
        }
        split.into_tree(max_leaves)
    }

    /// [`from_nodes_with_max`](Self::from_nodes_with_max) of the
    /// `ratchet_tree` list encoded at `r`, which is read past it: the same
    /// checks and the same tree, each node hashed from the bytes it was
    /// decoded from.
    pub(crate) fn decode_with_max(
        crypto: &SuiteCrypto<'_>,
        r: &mut Reader<'_>,
        max_leaves: u32,
    ) -> Result<Self, Error> {
        let (nodes, encoded) = decode_nodes(r)?;
        let mut tree = nodes.into_tree(max_leaves)?;
        let decoded = DecodedNodes {
            size: tree.size,
            encoded,
        };
        tree.hashes = TreeHasher::new(crypto).hash_all(&decoded)?;
        tree.rebuild_key_indexes();
        Ok(tree)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::{Encode, decode_exact};
    use crate::crypto::{CipherSuite, HpkePublicKey, RustCryptoProvider, SignaturePublicKey};
    use crate::messages::{Credential, Extensions};
    use crate::tree::{
        Capabilities, LeafIndex, LeafNode, LeafNodeSource, Lifetime, ParentNode,
        RatchetTreeExtension, TreeError, TreeView,
    };
    use crate::types::Certificate;
    use crate::types::{CredentialType, Extension, ExtensionType, ProposalType, ProtocolVersion};

    fn decoded(crypto: &SuiteCrypto<'_>, bytes: &[u8]) -> Result<RatchetTree, Error> {
        let mut r = Reader::new(bytes);
        let tree = RatchetTree::decode_with_max(crypto, &mut r, u32::MAX)?;
        r.finish()?;
        Ok(tree)
    }

    /// Both imports give the same tree: nodes, size, every node's hash.
    fn assert_same(crypto: &SuiteCrypto<'_>, nodes: Vec<Option<Node>>) -> RatchetTree {
        let bytes = RatchetTreeExtension(nodes.clone()).to_bytes().unwrap();
        let from_bytes = decoded(crypto, &bytes).unwrap();
        let from_nodes = RatchetTree::from_nodes(crypto, nodes).unwrap();
        assert_eq!(from_bytes.size(), from_nodes.size());
        assert_eq!(from_bytes.to_nodes(), from_nodes.to_nodes());
        for x in 0..from_nodes.size().node_count() {
            let x = NodeIndex(x);
            assert_eq!(
                from_bytes.node_hash(x),
                from_nodes.node_hash(x),
                "node {x:?}"
            );
        }
        assert_eq!(from_bytes, from_nodes);
        from_bytes
    }

    fn leaf(i: u8, source: LeafNodeSource, credential: Credential) -> Option<Node> {
        Some(Node::leaf(LeafNode {
            encryption_key: HpkePublicKey(vec![i; 32]),
            signature_key: SignaturePublicKey(vec![i.wrapping_add(100); 32]),
            credential,
            capabilities: Capabilities {
                versions: [ProtocolVersion::MLS10].into(),
                cipher_suites: [CipherSuite(1), CipherSuite(0x0a0a)].into(),
                extensions: [ExtensionType(0xff00)].into(),
                proposals: [ProposalType(0x1a1a)].into(),
                credentials: [CredentialType::BASIC, CredentialType::X509].into(),
            },
            leaf_node_source: source,
            extensions: Extensions(vec![Extension {
                extension_type: ExtensionType(0xff00),
                extension_data: vec![i; usize::from(i) * 30],
            }]),
            signature: vec![i; 64],
        }))
    }

    fn parent(i: u8, unmerged: &[u32]) -> Option<Node> {
        Some(Node::parent(ParentNode {
            encryption_key: HpkePublicKey(vec![i; 32]),
            parent_hash: vec![i; 32],
            unmerged_leaves: unmerged.iter().map(|l| LeafIndex(*l)).collect(),
        }))
    }

    #[test]
    fn hashes_from_the_decoded_bytes_equal_hashes_of_the_nodes() {
        let sources = [
            LeafNodeSource::KeyPackage(Lifetime {
                not_before: 1,
                not_after: u64::MAX,
            }),
            LeafNodeSource::Update,
            LeafNodeSource::Commit(vec![9; 48]),
        ];
        let credentials = [
            Credential::basic(b"alice".to_vec()),
            Credential::X509 {
                certificates: [vec![1; 70], vec![2; 3]]
                    .map(|cert_data| Certificate { cert_data })
                    .to_vec(),
            },
            Credential::other(CredentialType(0xf001), vec![5; 9]).unwrap(),
        ];
        for suite in [1, 3, 7] {
            let crypto = SuiteCrypto::new(&RustCryptoProvider, CipherSuite(suite)).unwrap();
            // One leaf; leaves with a blank between them and a list
            // ending in a parent; a long list ending in a leaf, extended
            // to a full tree of 16 leaves.
            assert_same(
                &crypto,
                vec![leaf(1, sources[0].clone(), credentials[0].clone())],
            );
            let two = vec![
                leaf(1, sources[2].clone(), credentials[1].clone()),
                parent(2, &[0, 1]),
                None,
                None,
                leaf(3, sources[1].clone(), credentials[2].clone()),
                parent(4, &[]),
            ];
            assert_same(&crypto, two);
            let many: Vec<_> = (0u8..21)
                .map(|x| match x % 6 {
                    _ if x % 2 == 1 && x % 4 == 3 => None,
                    _ if x % 2 == 1 => parent(x, &[u32::from(x) / 2 + 1]),
                    0 => None,
                    k => leaf(
                        x,
                        sources[usize::from(k) % 3].clone(),
                        credentials[usize::from(k / 2) % 3].clone(),
                    ),
                })
                .collect();
            let tree = assert_same(&crypto, many);
            assert_eq!(tree.size().leaf_count(), 16);
        }
    }

    #[test]
    fn bad_lists_fail_as_the_node_import_does() {
        let crypto = SuiteCrypto::new(&RustCryptoProvider, CipherSuite(1)).unwrap();
        let one = leaf(1, LeafNodeSource::Update, Credential::basic(b"a".to_vec()));
        let cases = [
            (vec![], TreeError::EmptyTree),
            (vec![one.clone(), None], TreeError::TrailingBlankNode),
            (
                vec![one.clone(), one.clone()],
                TreeError::WrongNodeType { node: NodeIndex(1) },
            ),
            (
                vec![one.clone(), None, parent(2, &[]), one.clone(), one.clone()],
                TreeError::WrongNodeType { node: NodeIndex(2) },
            ),
            // The checks come in the node import's order.
            (
                vec![one.clone(), one.clone(), None],
                TreeError::TrailingBlankNode,
            ),
        ];
        for (nodes, want) in cases {
            let bytes = RatchetTreeExtension(nodes.clone()).to_bytes().unwrap();
            assert_eq!(decoded(&crypto, &bytes), Err(want.into()));
            assert_eq!(RatchetTree::from_nodes(&crypto, nodes), Err(want.into()));
        }
        // Too many nodes for the application's limit, before any hashing.
        let bytes = RatchetTreeExtension(vec![one.clone(), None, one])
            .to_bytes()
            .unwrap();
        let mut r = Reader::new(&bytes);
        assert_eq!(
            RatchetTree::decode_with_max(&crypto, &mut r, 1),
            Err(TreeError::TooManyNodes { count: 3, max: 1 }.into())
        );
        // A node cut short is a decoding error.
        let cut = &bytes[..bytes.len() - 1];
        assert!(matches!(decoded(&crypto, cut), Err(Error::Decode(_))));
        assert!(decode_exact::<RatchetTreeExtension>(cut).is_err());
    }

    /// The trees of the official tree-validation vectors: every node's
    /// hash as the vector gives it.
    #[test]
    fn vector_trees_hash_as_the_vectors_say() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/test-vectors/tree-validation.json"
        );
        let vectors: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let hex = |v: &serde_json::Value| hex::decode(v.as_str().unwrap()).unwrap();
        let mut checked = 0;
        for v in vectors.as_array().unwrap() {
            let suite = CipherSuite(u16::try_from(v["cipher_suite"].as_u64().unwrap()).unwrap());
            let Ok(crypto) = SuiteCrypto::new(&RustCryptoProvider, suite) else {
                continue;
            };
            let bytes = hex(&v["tree"]);
            let tree = decoded(&crypto, &bytes).unwrap();
            let nodes = decode_exact::<RatchetTreeExtension>(&bytes).unwrap().0;
            assert_eq!(tree, assert_same(&crypto, nodes));
            for (x, want) in (0u32..).zip(v["tree_hashes"].as_array().unwrap()) {
                assert_eq!(tree.node_hash(NodeIndex(x)), Some(hex(want).as_slice()));
            }
            checked += 1;
        }
        assert_eq!(checked, 98);
    }
}
