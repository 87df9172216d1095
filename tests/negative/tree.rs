//! Hostile ratchet trees (RFC 9420 §7, §12.4.3.1): each defect is rejected
//! with its own error variant, without panicking.

use rfc9420::codec::{DecodeError, Encode, decode_exact};
use rfc9420::crypto::{CipherSuite, RustCryptoProvider, SuiteCrypto};
use rfc9420::error::Error;
use rfc9420::messages::{Extension, ExtensionType};
use rfc9420::tree::validate::validate_tree;
use rfc9420::tree::{LeafIndex, Node, NodeIndex, RatchetTree, TreeError, TreeView};
use std::sync::OnceLock;

use rfc9420_test_support::tree_fixture;

use super::rng;
use tree_fixture::{Fixture, full_tree, leaf_context, sign_leaf};

const SUITE: CipherSuite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
static PROVIDER: RustCryptoProvider = RustCryptoProvider;

/// Suite 1 and a valid full tree of eight members, built once.
fn setup() -> (SuiteCrypto<'static>, &'static Fixture) {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    let crypto = SuiteCrypto::new(&PROVIDER, SUITE).unwrap();
    let f = FIXTURE.get_or_init(|| full_tree(&crypto, 8, &mut rng::TestRng::new(7)));
    (crypto, f)
}

fn validate(crypto: &SuiteCrypto<'_>, f: &Fixture, nodes: Vec<Option<Node>>) -> Result<(), Error> {
    let tree = RatchetTree::from_nodes(crypto, nodes)?;
    let hash = tree.tree_hash().to_vec();
    validate_tree(crypto, &tree, &hash, &leaf_context(&f.group_id))
}

fn leaf_mut(nodes: &mut [Option<Node>], leaf: u32) -> &mut rfc9420::tree::LeafNode {
    match &mut nodes[2 * leaf as usize] {
        Some(Node::Leaf(l)) => l,
        _ => panic!("fixture leaf {leaf} missing"),
    }
}

fn parent_mut(nodes: &mut [Option<Node>], node: u32) -> &mut rfc9420::tree::ParentNode {
    match &mut nodes[node as usize] {
        Some(Node::Parent(p)) => p,
        _ => panic!("fixture parent {node} missing"),
    }
}

#[test]
fn the_fixture_is_valid() {
    let (crypto, f) = setup();
    validate(&crypto, f, f.nodes.clone()).unwrap();
}

#[test]
fn wrong_parent_hash() {
    let (crypto, f) = setup();
    let mut nodes = f.nodes.clone();
    // Node 1 links leaf 0's chain to node 3. Changing its parent hash
    // breaks both links: leaf 0 -> 1 (node 1's content changed) and 1 -> 3.
    parent_mut(&mut nodes, 1).parent_hash[0] ^= 1;
    let e = validate(&crypto, f, nodes).unwrap_err();
    assert_eq!(
        e,
        Error::Tree(TreeError::ParentHashMismatch { node: NodeIndex(1) })
    );
}

#[test]
fn wrong_tree_hash() {
    let (crypto, f) = setup();
    let tree = RatchetTree::from_nodes(&crypto, f.nodes.clone()).unwrap();
    let mut hash = tree.tree_hash().to_vec();
    hash[0] ^= 1;
    let e = validate_tree(&crypto, &tree, &hash, &leaf_context(&f.group_id)).unwrap_err();
    assert_eq!(e, Error::Tree(TreeError::TreeHashMismatch));
}

#[test]
fn duplicate_encryption_key() {
    let (crypto, f) = setup();
    let mut nodes = f.nodes.clone();
    let key = leaf_mut(&mut nodes, 0).encryption_key.clone();
    let leaf = leaf_mut(&mut nodes, 3);
    leaf.encryption_key = key;
    sign_leaf(&crypto, leaf, &f.signers[3], &f.group_id, LeafIndex(3));
    let e = validate(&crypto, f, nodes).unwrap_err();
    assert_eq!(
        e,
        Error::Tree(TreeError::DuplicateEncryptionKey {
            first: NodeIndex(0),
            second: NodeIndex(6)
        })
    );
}

/// A point of order 8 on Curve25519 (RFC 7748).
fn low_order_key() -> rfc9420::crypto::HpkePublicKey {
    let u = "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157";
    rfc9420::crypto::HpkePublicKey(hex::decode(u).unwrap())
}

/// A parent of an imported tree with a low-order key is refused naming the
/// node (RFC 9180 §7.1.4, RFC 9420 §12.4.3.1), before its parent hash is
/// checked.
#[test]
fn low_order_parent_key() {
    let (crypto, f) = setup();
    let mut nodes = f.nodes.clone();
    parent_mut(&mut nodes, 3).encryption_key = low_order_key();
    let e = validate(&crypto, f, nodes).unwrap_err();
    assert_eq!(
        e,
        Error::Tree(TreeError::InvalidEncryptionKey { node: NodeIndex(3) })
    );
}

/// A leaf of an imported tree with a low-order key, correctly signed, is
/// refused naming the leaf's node (RFC 9420 §7.3). The fixture's parent
/// hashes chain through left children, so leaf 0's tree hash is never a
/// sibling's and its parent hashes stay valid.
#[test]
fn low_order_leaf_key() {
    let (crypto, f) = setup();
    let mut nodes = f.nodes.clone();
    let leaf = leaf_mut(&mut nodes, 0);
    leaf.encryption_key = low_order_key();
    sign_leaf(&crypto, leaf, &f.signers[0], &f.group_id, LeafIndex(0));
    let e = validate(&crypto, f, nodes).unwrap_err();
    assert_eq!(
        e,
        Error::Tree(TreeError::InvalidEncryptionKey { node: NodeIndex(0) })
    );
}

#[test]
fn duplicate_signature_key() {
    let (crypto, f) = setup();
    let mut nodes = f.nodes.clone();
    let key = leaf_mut(&mut nodes, 1).signature_key.clone();
    let leaf = leaf_mut(&mut nodes, 0);
    leaf.signature_key = key;
    sign_leaf(&crypto, leaf, &f.signers[1], &f.group_id, LeafIndex(0));
    let e = validate(&crypto, f, nodes).unwrap_err();
    assert_eq!(
        e,
        Error::Tree(TreeError::DuplicateSignatureKey {
            first: LeafIndex(0),
            second: LeafIndex(1)
        })
    );
}

#[test]
fn bad_leaf_signature() {
    let (crypto, f) = setup();
    let mut nodes = f.nodes.clone();
    leaf_mut(&mut nodes, 0).signature[10] ^= 1;
    let e = validate(&crypto, f, nodes).unwrap_err();
    assert_eq!(
        e,
        Error::Tree(TreeError::InvalidLeafSignature { leaf: LeafIndex(0) })
    );
}

#[test]
fn extension_not_in_capabilities() {
    let (crypto, f) = setup();
    let mut nodes = f.nodes.clone();
    // Leaf 0 is on the left spine: its content is in no sibling subtree, so
    // only its own validation can notice the change.
    let leaf = leaf_mut(&mut nodes, 0);
    leaf.extensions.0.push(Extension {
        extension_type: ExtensionType(0xff00),
        extension_data: vec![1, 2, 3],
    });
    sign_leaf(&crypto, leaf, &f.signers[0], &f.group_id, LeafIndex(0));
    let e = validate(&crypto, f, nodes).unwrap_err();
    assert_eq!(
        e,
        Error::Tree(TreeError::ExtensionNotInCapabilities {
            leaf: LeafIndex(0),
            extension_type: rfc9420::messages::ExtensionType(0xff00)
        })
    );
}

/// RFC 9420 §13.4 (R-13.4-02): a leaf of an imported tree lists each
/// extension type once.
#[test]
fn duplicate_leaf_extension() {
    let (crypto, f) = setup();
    let mut nodes = f.nodes.clone();
    let leaf = leaf_mut(&mut nodes, 0);
    let ext = Extension {
        extension_type: ExtensionType::APPLICATION_ID,
        extension_data: vec![1, 2, 3],
    };
    leaf.extensions.0.extend([ext.clone(), ext]);
    sign_leaf(&crypto, leaf, &f.signers[0], &f.group_id, LeafIndex(0));
    let e = validate(&crypto, f, nodes).unwrap_err();
    assert_eq!(
        e,
        Error::Tree(TreeError::DuplicateLeafExtension {
            leaf: LeafIndex(0),
            extension_type: ExtensionType::APPLICATION_ID,
        })
    );
}

#[test]
fn unmerged_leaf_not_a_descendant() {
    let (crypto, f) = setup();
    let mut nodes = f.nodes.clone();
    // Node 1 covers leaves 0 and 1; leaf 5 is elsewhere.
    parent_mut(&mut nodes, 1).unmerged_leaves.push(LeafIndex(5));
    let e = validate(&crypto, f, nodes).unwrap_err();
    assert_eq!(
        e,
        Error::Tree(TreeError::UnmergedLeafNotDescendant {
            parent: NodeIndex(1),
            leaf: LeafIndex(5)
        })
    );
}

#[test]
fn unmerged_leaves_not_sorted() {
    let (crypto, f) = setup();
    let mut nodes = f.nodes.clone();
    parent_mut(&mut nodes, 1).unmerged_leaves = vec![LeafIndex(1), LeafIndex(0)];
    let e = validate(&crypto, f, nodes).unwrap_err();
    assert_eq!(
        e,
        Error::Tree(TreeError::UnmergedLeavesNotSorted {
            parent: NodeIndex(1)
        })
    );
}

#[test]
fn unmerged_leaf_blank() {
    let (crypto, f) = setup();
    let mut nodes = f.nodes.clone();
    // Leaf 2 (node 4) is blank, yet node 5 lists it as unmerged.
    nodes[4] = None;
    parent_mut(&mut nodes, 5).unmerged_leaves.push(LeafIndex(2));
    let e = validate(&crypto, f, nodes).unwrap_err();
    assert_eq!(
        e,
        Error::Tree(TreeError::UnmergedLeafBlank {
            parent: NodeIndex(5),
            leaf: LeafIndex(2)
        })
    );
}

#[test]
fn unmerged_leaf_not_in_intermediate() {
    let (crypto, f) = setup();
    let mut nodes = f.nodes.clone();
    // Node 3 lists leaf 0 as unmerged, but node 1 between them does not.
    parent_mut(&mut nodes, 3).unmerged_leaves.push(LeafIndex(0));
    let e = validate(&crypto, f, nodes).unwrap_err();
    assert_eq!(
        e,
        Error::Tree(TreeError::UnmergedLeafNotInIntermediate {
            parent: NodeIndex(3),
            intermediate: NodeIndex(1),
            leaf: LeafIndex(0)
        })
    );
}

#[test]
fn invalid_signature_key() {
    let (crypto, f) = setup();
    let mut nodes = f.nodes.clone();
    // Leaf 0 is on the left spine (see above): an Ed25519 key of five
    // bytes is noticed only when its signature is checked.
    leaf_mut(&mut nodes, 0).signature_key = rfc9420::crypto::SignaturePublicKey(vec![1; 5]);
    let e = validate(&crypto, f, nodes).unwrap_err();
    assert_eq!(
        e,
        Error::Tree(TreeError::InvalidSignatureKey { leaf: LeafIndex(0) })
    );
}

#[test]
fn credential_type_not_supported() {
    let (crypto, f) = setup();
    let mut nodes = f.nodes.clone();
    // Leaf 0 brings an x509 credential, which it supports and leaf 1 does
    // not (RFC 9420 §7.3: every member supports every credential type in
    // use).
    let x509 = rfc9420::messages::CredentialType::X509;
    let leaf = leaf_mut(&mut nodes, 0);
    leaf.credential = rfc9420::messages::Credential::X509 {
        certificates: vec![rfc9420::messages::Certificate {
            cert_data: vec![1, 2, 3],
        }],
    };
    leaf.capabilities.credentials.push(x509);
    sign_leaf(&crypto, leaf, &f.signers[0], &f.group_id, LeafIndex(0));
    let e = validate(&crypto, f, nodes).unwrap_err();
    assert_eq!(
        e,
        Error::Tree(TreeError::CredentialTypeNotSupported {
            leaf: LeafIndex(1),
            credential_type: x509
        })
    );
}

#[test]
fn leaf_out_of_range() {
    let (crypto, f) = setup();
    let tree = RatchetTree::from_nodes(&crypto, f.nodes.clone()).unwrap();
    let mut diff = rfc9420::tree::TreeDiff::new(&tree);
    // Leaf 8 is past the tree of eight; leaf 2^31 has no node index.
    for leaf in [LeafIndex(8), LeafIndex(1 << 31)] {
        assert_eq!(
            diff.set_leaf(leaf, None),
            Err(TreeError::LeafOutOfRange { leaf })
        );
    }
    let (private, public) = crypto
        .generate_hpke_key_pair(&mut rng::TestRng::new(97))
        .unwrap();
    let e = rfc9420::tree::treekem::TreeKemPrivate::new(LeafIndex(1 << 31), public, private)
        .unwrap_err();
    assert_eq!(
        e,
        TreeError::LeafOutOfRange {
            leaf: LeafIndex(1 << 31)
        }
    );
}

#[test]
fn truncated_node_list() {
    let (crypto, f) = setup();
    let bytes = f.nodes.to_bytes().unwrap();
    // Cut inside the last node: the vector header announces more than is there.
    let e = decode_exact::<Vec<Option<Node>>>(&bytes[..bytes.len() - 1]).unwrap_err();
    assert!(matches!(e, DecodeError::LengthExceedsInput { .. }), "{e:?}");
    // A list that ends in a blank node.
    let mut nodes = f.nodes.clone();
    nodes.truncate(13);
    nodes.push(None);
    let e = RatchetTree::from_nodes(&crypto, nodes).unwrap_err();
    assert_eq!(e, Error::Tree(TreeError::TrailingBlankNode));
    // An empty list.
    let e = RatchetTree::from_nodes(&crypto, vec![]).unwrap_err();
    assert_eq!(e, Error::Tree(TreeError::EmptyTree));
}

/// RFC 9420 §12.4.3.3 (R-12.4.3.3-02): a list of 2^k nodes ends in a
/// parent (the root of 2^k leaves); the receiver extends it to 2^(k+1) - 1
/// nodes and keeps that parent.
#[test]
fn node_list_of_a_power_of_two_ending_in_a_parent() {
    let (crypto, f) = setup();
    for len in [2usize, 4, 8] {
        let nodes: Vec<_> = f.nodes[..len].to_vec();
        assert!(matches!(nodes.last(), Some(Some(Node::Parent(_)))));
        let tree = RatchetTree::from_nodes(&crypto, nodes.clone()).unwrap();
        assert_eq!(tree.size().leaf_count() as usize, len, "{len} nodes");
        let last = NodeIndex(len as u32 - 1);
        let Some(Some(Node::Parent(expected))) = nodes.last() else {
            unreachable!()
        };
        assert_eq!(tree.parent_node(last), Some(&**expected));
        assert_eq!(tree.to_nodes(), nodes);
    }
}

#[test]
fn oversized_node_list() {
    let (crypto, f) = setup();
    // Eight leaves where the application allows four.
    let e = RatchetTree::from_nodes_with_max(&crypto, f.nodes.clone(), 4).unwrap_err();
    assert_eq!(
        e,
        Error::Tree(TreeError::TooManyNodes { count: 15, max: 7 })
    );
    // A header announcing far more nodes than the input holds.
    let mut bytes = f.nodes.to_bytes().unwrap();
    bytes[0] = 0xbf;
    let e = decode_exact::<Vec<Option<Node>>>(&bytes).unwrap_err();
    assert!(matches!(e, DecodeError::LengthExceedsInput { .. }), "{e:?}");
}

#[test]
fn node_of_the_wrong_type() {
    let (crypto, f) = setup();
    let mut nodes = f.nodes.clone();
    nodes.swap(0, 1);
    let e = RatchetTree::from_nodes(&crypto, nodes).unwrap_err();
    assert_eq!(
        e,
        Error::Tree(TreeError::WrongNodeType { node: NodeIndex(0) })
    );
}

mod update_path {
    use super::*;
    use rfc9420::crypto::CryptoError;
    use rfc9420::messages::UpdatePath;
    use rfc9420::tree::treekem::{
        decrypt_update_path, encrypt_update_path, merge_update_path, prepare_update_path,
    };
    use rfc9420::tree::{LeafNodeSource, TreeDiff, TreeView};

    const CONTEXT: &[u8] = b"provisional group context";

    /// The tree of eight and a fresh path from leaf 0.
    fn path_setup() -> (
        SuiteCrypto<'static>,
        &'static Fixture,
        RatchetTree,
        UpdatePath,
    ) {
        let (crypto, f) = setup();
        let crypto = &crypto;
        let tree = RatchetTree::from_nodes(crypto, f.nodes.clone()).unwrap();
        let mut rng = rng::TestRng::new(11);
        let template = tree.leaf(LeafIndex(0)).unwrap().clone();
        let mut diff = TreeDiff::new(&tree);
        let pending = prepare_update_path(
            crypto,
            &mut diff,
            LeafIndex(0),
            template,
            &f.signers[0],
            &f.group_id,
            &mut rng,
        )
        .unwrap();
        let path =
            encrypt_update_path(crypto, &diff, &pending, CONTEXT, &|_| false, &mut rng).unwrap();
        (*crypto, f, tree, path)
    }

    /// Leaf 5 processes `path`; the tree it holds must be unchanged.
    fn process(
        crypto: &SuiteCrypto<'_>,
        f: &Fixture,
        tree: &RatchetTree,
        path: &UpdatePath,
    ) -> Result<(), Error> {
        let before = tree.clone();
        let own = f.private_state(LeafIndex(5));
        let result = (|| {
            let mut diff = TreeDiff::new(tree);
            merge_update_path(crypto, &mut diff, LeafIndex(0), path)?;
            decrypt_update_path(crypto, &diff, LeafIndex(0), path, &own, CONTEXT, &|_| false)
                .map(drop)
        })();
        assert!(*tree == before, "the member's tree changed");
        result
    }

    #[test]
    fn a_valid_path_is_accepted() {
        let (crypto, f, tree, path) = path_setup();
        process(&crypto, f, &tree, &path).unwrap();
    }

    #[test]
    fn wrong_path_length() {
        let (crypto, f, tree, mut path) = path_setup();
        path.nodes.pop();
        let e = process(&crypto, f, &tree, &path).unwrap_err();
        assert_eq!(
            e,
            Error::Tree(TreeError::WrongPathLength {
                expected: 3,
                got: 2
            })
        );
    }

    #[test]
    fn leaf_parent_hash_mismatch() {
        let (crypto, f, tree, mut path) = path_setup();
        path.leaf_node.leaf_node_source = LeafNodeSource::Commit(vec![0; 32]);
        let e = process(&crypto, f, &tree, &path).unwrap_err();
        assert_eq!(
            e,
            Error::Tree(TreeError::LeafParentHashMismatch { leaf: LeafIndex(0) })
        );
    }

    #[test]
    fn duplicate_key_in_path() {
        let (crypto, f, tree, mut path) = path_setup();
        // Node 3 of the path reuses leaf 7's key.
        path.nodes[1].encryption_key = tree.leaf(LeafIndex(7)).unwrap().encryption_key.clone();
        let e = process(&crypto, f, &tree, &path).unwrap_err();
        assert_eq!(
            e,
            Error::Tree(TreeError::DuplicateEncryptionKey {
                first: NodeIndex(14),
                second: NodeIndex(3)
            })
        );
    }

    #[test]
    fn wrong_ciphertext_count() {
        let (crypto, f, tree, mut path) = path_setup();
        let extra = path.nodes[2].encrypted_path_secret[0].clone();
        path.nodes[2].encrypted_path_secret.push(extra);
        let e = process(&crypto, f, &tree, &path).unwrap_err();
        assert_eq!(
            e,
            Error::Tree(TreeError::WrongCiphertextCount {
                node: NodeIndex(7),
                expected: 1,
                got: 2
            })
        );
    }

    #[test]
    fn tampered_ciphertext() {
        let (crypto, f, tree, mut path) = path_setup();
        // Leaf 5 decrypts at the root, with the key of node 11.
        path.nodes[2].encrypted_path_secret[0].ciphertext[0] ^= 1;
        let e = process(&crypto, f, &tree, &path).unwrap_err();
        assert_eq!(e, Error::Crypto(CryptoError::DecryptionFailed));
    }

    #[test]
    fn path_key_not_derived_from_the_secret() {
        let (crypto, f, tree, mut path) = path_setup();
        // A fresh, unique key that the root's path secret does not derive.
        let (_, other) = crypto
            .generate_hpke_key_pair(&mut rng::TestRng::new(99))
            .unwrap();
        path.nodes[2].encryption_key = other;
        // Parent hashes cover the key: give the leaf the parent hash the
        // tampered path implies, and re-sign it, to get past that check.
        let mut diff = TreeDiff::new(&tree);
        diff.blank_direct_path(LeafIndex(0)).unwrap();
        let fdp = diff.filtered_direct_path(LeafIndex(0));
        let mut expected = Vec::new();
        for ((_, copath), node) in fdp.iter().zip(&path.nodes).rev() {
            let sibling = diff.subtree_hash(&crypto, *copath).unwrap();
            expected = rfc9420::tree::parent_hash::parent_hash(
                &crypto,
                &node.encryption_key,
                &expected,
                &sibling,
            )
            .unwrap();
        }
        path.leaf_node.leaf_node_source = LeafNodeSource::Commit(expected);
        sign_leaf(
            &crypto,
            &mut path.leaf_node,
            &f.signers[0],
            &f.group_id,
            LeafIndex(0),
        );
        let e = process(&crypto, f, &tree, &path).unwrap_err();
        assert_eq!(
            e,
            Error::Tree(TreeError::PathKeyMismatch { node: NodeIndex(7) })
        );
    }

    #[test]
    fn no_decryptable_path_secret() {
        let (crypto, f, tree, path) = path_setup();
        let mut diff = TreeDiff::new(&tree);
        merge_update_path(&crypto, &mut diff, LeafIndex(0), &path).unwrap();
        let decrypt = |own: &rfc9420::tree::treekem::TreeKemPrivate| {
            decrypt_update_path(&crypto, &diff, LeafIndex(0), &path, own, CONTEXT, &|_| {
                false
            })
            .map(drop)
            .unwrap_err()
        };
        // The sender's own path holds nothing for it.
        let e = decrypt(&f.private_state(LeafIndex(0)));
        assert_eq!(e, Error::Tree(TreeError::NoDecryptablePathSecret));
        // Leaf 5 with a key pair the tree does not hold: no ciphertext
        // at the common ancestor is for a key it has.
        let (private, public) = crypto
            .generate_hpke_key_pair(&mut rng::TestRng::new(98))
            .unwrap();
        let own =
            rfc9420::tree::treekem::TreeKemPrivate::new(LeafIndex(5), public, private).unwrap();
        let e = decrypt(&own);
        assert_eq!(e, Error::Tree(TreeError::NoDecryptablePathSecret));
    }

    #[test]
    fn sender_leaf_blank() {
        let (crypto, _, tree, path) = path_setup();
        let mut diff = TreeDiff::new(&tree);
        diff.remove_leaf(LeafIndex(0)).unwrap();
        let e = merge_update_path(&crypto, &mut diff, LeafIndex(0), &path).unwrap_err();
        assert_eq!(e, Error::Tree(TreeError::BlankLeaf { leaf: LeafIndex(0) }));
        let e = merge_update_path(&crypto, &mut TreeDiff::new(&tree), LeafIndex(40), &path)
            .unwrap_err();
        assert!(
            matches!(
                e,
                Error::Tree(TreeError::BlankLeaf { .. } | TreeError::LeafOutOfRange { .. })
            ),
            "{e:?}"
        );
    }
}

#[test]
fn a_staged_tree_merges_only_into_its_base() {
    let (crypto, f) = setup();
    let base = RatchetTree::from_nodes(&crypto, f.nodes.clone()).unwrap();
    // Stage removing the last member on the full tree.
    let mut diff = rfc9420::tree::TreeDiff::new(&base);
    diff.remove_leaf(LeafIndex(7)).unwrap();
    let staged = diff.into_staged(&crypto).unwrap();
    // Another tree (one leaf fewer) refuses it and stays as it was.
    let mut nodes = f.nodes.clone();
    nodes.truncate(13);
    let mut other = RatchetTree::from_nodes(&crypto, nodes).unwrap();
    let before = other.clone();
    assert_eq!(
        other.merge(staged.clone()),
        Err(TreeError::StagedOnOtherTree)
    );
    assert_eq!(other, before);
    // Its base takes it.
    let mut base = base;
    base.merge(staged).unwrap();
    assert!(base.leaf(LeafIndex(7)).is_none());
}
