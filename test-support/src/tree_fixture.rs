//! Builds valid ratchet trees of any size with known private keys, for
//! tests and benchmarks.
//!
//! A *full* tree has every parent node set whose subtree holds a member,
//! and is parent-hash valid: each parent's chain runs through its left
//! child, so every left-child leaf is `commit`-sourced and every
//! right-child leaf came from a KeyPackage. With a member count that is
//! not a power of two, the members fill the leftmost leaves and the
//! subtrees right of them are blank, as after adds that never left a gap.
//! A *blank* tree has every leaf set and every parent blank, as after a
//! run of commits that added members without a path.

use std::collections::BTreeMap;

use rand_core::CryptoRng;
use rfc9420::crypto::{
    CipherSuite, HpkePrivateKey, HpkePublicKey, SignaturePrivateKey, SignaturePublicKey,
    SuiteCrypto,
};
use rfc9420::messages::{Credential, CredentialType, Extensions, ProtocolVersion};
use rfc9420::tree::parent_hash::parent_hash;
use rfc9420::tree::tree_hash::{leaf_tree_hash, parent_tree_hash};
use rfc9420::tree::treekem::TreeKemPrivate;
use rfc9420::tree::validate::{LeafContext, LifetimePolicy, Timestamp};
use rfc9420::tree::{
    Capabilities, LeafIndex, LeafNode, LeafNodeSource, Lifetime, Node, NodeIndex, ParentNode,
    TreeSize,
};

/// The time the fixture's KeyPackage lifetimes are centred on.
pub const NOW: u64 = 1_800_000_000;

/// A credential check that accepts every credential, for trees whose
/// identities are not the point of the test.
pub fn accept_all(_: &Credential, _: &SignaturePublicKey) -> bool {
    true
}

/// Validation context for a fixture tree: its group, the default receive
/// lifetime policy at [`NOW`], every credential accepted.
pub fn leaf_context(group_id: &[u8]) -> LeafContext<'_> {
    LeafContext {
        group_id,
        required_capabilities: None,
        lifetime: LifetimePolicy::receiving(),
        now: Timestamp(NOW),
        credentials: &accept_all,
    }
}

/// A tree with every private key.
pub struct Fixture {
    /// The suite.
    pub suite: CipherSuite,
    /// The group ID leaves are signed for.
    pub group_id: Vec<u8>,
    /// The node list, as a `ratchet_tree` extension carries it.
    pub nodes: Vec<Option<Node>>,
    /// Each leaf's signature key.
    pub signers: Vec<SignaturePrivateKey>,
    /// Every non-blank node's HPKE key pair.
    pub keys: BTreeMap<NodeIndex, (HpkePublicKey, HpkePrivateKey)>,
}

impl Fixture {
    /// The private TreeKEM state of the member at `leaf`: its leaf key and
    /// the keys of the non-blank nodes on its direct path.
    pub fn private_state(&self, leaf: LeafIndex) -> TreeKemPrivate {
        let size = TreeSize::for_leaves(self.signers.len() as u32).unwrap();
        let node = leaf.node().unwrap();
        let (public, private) = self.keys[&node].clone();
        let mut state = TreeKemPrivate::new(leaf, public, private).unwrap();
        for p in size.direct_path(node) {
            if let Some((public, private)) = self.keys.get(&p) {
                state.insert(p, public.clone(), private.clone());
            }
        }
        state
    }
}

/// The capabilities every fixture leaf has.
pub fn capabilities(suite: CipherSuite) -> Capabilities {
    Capabilities {
        versions: [ProtocolVersion::MLS10].into(),
        cipher_suites: [suite].into(),
        extensions: Default::default(),
        proposals: Default::default(),
        credentials: [CredentialType::BASIC].into(),
    }
}

/// A signed leaf with fresh keys; `parent_hash` makes it `commit`-sourced,
/// otherwise it comes from a KeyPackage valid around [`NOW`].
pub fn make_leaf(
    crypto: &SuiteCrypto<'_>,
    group_id: &[u8],
    index: LeafIndex,
    parent_hash: Option<Vec<u8>>,
    rng: &mut impl CryptoRng,
) -> (LeafNode, SignaturePrivateKey, HpkePrivateKey) {
    let (signer, signature_key) = crypto.generate_signature_key_pair(rng).unwrap();
    let (hpke_private, encryption_key) = crypto.generate_hpke_key_pair(rng).unwrap();
    let leaf_node_source = match parent_hash {
        Some(ph) => LeafNodeSource::Commit(ph),
        None => LeafNodeSource::KeyPackage(Lifetime {
            not_before: NOW - 86_400,
            not_after: NOW + 30 * 86_400,
        }),
    };
    let mut leaf = LeafNode {
        encryption_key,
        signature_key,
        credential: Credential::basic(format!("member {}", index.0).into_bytes()),
        capabilities: capabilities(crypto.suite()),
        leaf_node_source,
        extensions: Extensions::default(),
        signature: Vec::new(),
    };
    sign_leaf(crypto, &mut leaf, &signer, group_id, index);
    (leaf, signer, hpke_private)
}

/// Re-signs `leaf` after a change.
pub fn sign_leaf(
    crypto: &SuiteCrypto<'_>,
    leaf: &mut LeafNode,
    signer: &SignaturePrivateKey,
    group_id: &[u8],
    index: LeafIndex,
) {
    let tbs = leaf.tbs_bytes(group_id, index).unwrap();
    leaf.signature = crypto.sign_with_label(signer, "LeafNodeTBS", &tbs).unwrap();
}

struct Builder<'a, 'c, R: CryptoRng> {
    crypto: &'a SuiteCrypto<'c>,
    group_id: Vec<u8>,
    /// Leaves `0..members` are set; the others are blank.
    members: u32,
    nodes: Vec<Option<Node>>,
    signers: Vec<Option<SignaturePrivateKey>>,
    keys: BTreeMap<NodeIndex, (HpkePublicKey, HpkePrivateKey)>,
    rng: &'a mut R,
}

impl<R: CryptoRng> Builder<'_, '_, R> {
    /// Fills the subtree under `x`, whose own parent-hash field is `ph`
    /// (`None` when `x` chains to nothing), and returns its tree hash.
    fn fill(&mut self, x: NodeIndex, ph: Option<Vec<u8>>) -> Vec<u8> {
        // Members fill a prefix of the leaves, so a subtree holds a member
        // exactly when its leftmost leaf is one; then its left child's
        // subtree holds one too, and every chain can run through the left.
        let mut leftmost = x;
        while let Some(left) = leftmost.left() {
            leftmost = left;
        }
        if leftmost.leaf().unwrap().0 >= self.members {
            return self.blank_hash(x);
        }
        if let Some(leaf) = x.leaf() {
            let (node, signer, private) =
                make_leaf(self.crypto, &self.group_id, leaf, ph, self.rng);
            self.keys.insert(x, (node.encryption_key.clone(), private));
            let hash = leaf_tree_hash(self.crypto, leaf, Some(&node)).unwrap();
            self.nodes[x.as_usize()] = Some(Node::Leaf(Box::new(node)));
            self.signers[leaf.as_usize()] = Some(signer);
            return hash;
        }
        let (private, public) = self.crypto.generate_hpke_key_pair(self.rng).unwrap();
        let parent = ParentNode {
            encryption_key: public.clone(),
            parent_hash: ph.unwrap_or_default(),
            unmerged_leaves: vec![],
        };
        self.keys.insert(x, (public, private));
        let right_hash = self.fill(
            x.right().unwrap(),
            Some(Vec::new()).filter(|_| !x.right().unwrap().is_leaf()),
        );
        let left_ph = parent_hash(
            self.crypto,
            &parent.encryption_key,
            &parent.parent_hash,
            &right_hash,
        )
        .unwrap();
        let left_hash = self.fill(x.left().unwrap(), Some(left_ph));
        let hash = parent_tree_hash(self.crypto, Some(&parent), &left_hash, &right_hash).unwrap();
        self.nodes[x.as_usize()] = Some(Node::Parent(Box::new(parent)));
        hash
    }

    /// The tree hash of the blank subtree under `x`.
    fn blank_hash(&self, x: NodeIndex) -> Vec<u8> {
        match x.leaf() {
            Some(leaf) => leaf_tree_hash(self.crypto, leaf, None).unwrap(),
            None => {
                let left = self.blank_hash(x.left().unwrap());
                let right = self.blank_hash(x.right().unwrap());
                parent_tree_hash(self.crypto, None, &left, &right).unwrap()
            }
        }
    }
}

/// A tree of `n_leaves` members (leaves `0..n_leaves`) with every parent
/// set above them: all parents when `n_leaves` is a power of two, and
/// otherwise each parent whose subtree holds a member.
pub fn full_tree(crypto: &SuiteCrypto<'_>, n_leaves: u32, rng: &mut impl CryptoRng) -> Fixture {
    assert!(n_leaves > 0, "a tree needs a member");
    let size = TreeSize::for_leaves(n_leaves).unwrap();
    let mut b = Builder {
        crypto,
        group_id: b"fixture group".to_vec(),
        members: n_leaves,
        nodes: vec![None; size.node_count() as usize],
        signers: (0..n_leaves).map(|_| None).collect(),
        keys: BTreeMap::new(),
        rng,
    };
    b.fill(size.root(), None);
    // The node list of a `ratchet_tree` extension ends with a non-blank
    // node (RFC 9420 §12.4.3.3).
    while b.nodes.last().is_some_and(Option::is_none) {
        b.nodes.pop();
    }
    Fixture {
        suite: crypto.suite(),
        group_id: b.group_id,
        nodes: b.nodes,
        signers: b.signers.into_iter().map(Option::unwrap).collect(),
        keys: b.keys,
    }
}

/// A tree of `n_leaves` members with every parent blank.
pub fn blank_tree(crypto: &SuiteCrypto<'_>, n_leaves: u32, rng: &mut impl CryptoRng) -> Fixture {
    let group_id = b"fixture group".to_vec();
    let mut nodes = Vec::new();
    let mut signers = Vec::new();
    let mut keys = BTreeMap::new();
    for i in 0..n_leaves {
        let leaf = LeafIndex(i);
        let (node, signer, private) = make_leaf(crypto, &group_id, leaf, None, rng);
        keys.insert(leaf.node().unwrap(), (node.encryption_key.clone(), private));
        if i > 0 {
            nodes.push(None);
        }
        nodes.push(Some(Node::Leaf(Box::new(node))));
        signers.push(signer);
    }
    Fixture {
        suite: crypto.suite(),
        group_id,
        nodes,
        signers,
        keys,
    }
}
