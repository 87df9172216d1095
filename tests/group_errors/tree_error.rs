//! TreeError: tree rules a commit breaks (RFC 9420 §7.3, §7.8).

use super::*;

#[test]
fn too_many_leaves() {
    let config = GroupConfig {
        max_tree_leaves: 2,
        ..GroupConfig::default()
    };
    let mut h = group_of(2, config, 71);
    let joiner = h.new_key_packages(1).remove(0);
    let add = Proposal::Add(Add {
        key_package: joiner.key_package().clone(),
    });
    // By value in a commit this member creates.
    let before = h.group(0).to_bytes().unwrap();
    let e = h
        .group(0)
        .create_commit(
            CommitOptions::with_proposals(vec![add.clone()]),
            NOW,
            &mut TestRng::new(710),
        )
        .unwrap_err();
    // A third leaf doubles the tree to four.
    let want = TreeError::TooManyLeaves { count: 4, max: 2 };
    assert_eq!(e, want.into());
    assert_eq!(*h.group(0).to_bytes().unwrap(), *before);
    // By value in a received commit.
    let message = forge_commit(h.group(1), by_value(vec![add]));
    refuse(h.group(0), &message, want.into());
}

#[test]
fn credential_type_not_supported() {
    let mut h = group_of(2, GroupConfig::default(), 72);
    // A member whose leaf uses a credential type member 0 and 1 do not
    // list: an x509 credential, supported by the newcomer only.
    let crypto = crypto();
    let mut rng = TestRng::new(720);
    let mut options = rfc9420::group::KeyPackageOptions::default();
    options
        .capabilities
        .credentials
        .push(rfc9420::CredentialType::X509);
    let credential = rfc9420::Credential::X509 {
        certificates: vec![rfc9420::types::Certificate {
            cert_data: vec![1, 2, 3],
        }],
    };
    let kp = KeyPackageBundle::generate_with_new_signature_key(
        &crypto, credential, &options, NOW, &mut rng,
    )
    .unwrap();
    let add = Proposal::Add(Add {
        key_package: kp.key_package().clone(),
    });
    let message = forge_commit(h.group(1), by_value(vec![add]));
    let want = TreeError::CredentialTypeNotSupported {
        leaf: LeafIndex(0),
        credential_type: rfc9420::CredentialType::X509,
    };
    refuse(h.group(0), &message, want.into());
}

/// The all-zero X25519 point: order 2 (RFC 7748).
fn low_order_key() -> HpkePublicKey {
    HpkePublicKey(vec![0; 32])
}

/// Issue 11, gap 4: a received commit whose UpdatePath carries a low-order
/// key for a parent node is refused naming that node, before its parent
/// hashes are checked (RFC 9180 §7.1.4, RFC 9420 §7.5); the receiver's
/// saved bytes are unchanged.
#[test]
fn invalid_update_path_key() {
    let config = GroupConfig {
        wire_format: WireFormatPolicy::MIXED_PUBLIC,
        ..GroupConfig::default()
    };
    let mut h = group_of(2, config, 73);
    let options = CommitOptions {
        update_path: true,
        ..CommitOptions::default()
    };
    let created = h
        .group(1)
        .create_commit(options, NOW, &mut TestRng::new(730))
        .unwrap();
    let MlsMessageBody::PublicMessage(sent) =
        decode_exact::<MlsMessage>(&created.commit).unwrap().body
    else {
        panic!("not a PublicMessage");
    };
    let FramedContentBody::Commit(mut commit) = sent.content.content else {
        panic!("not a commit");
    };
    // Member 1's filtered direct path in a tree of two leaves: the root.
    let path = commit.path.as_mut().unwrap();
    assert_eq!(path.nodes.len(), 1);
    path.nodes[0].encryption_key = low_order_key();
    let message = forge(
        h.group(1),
        Sender::Member(LeafIndex(1)),
        FramedContentBody::Commit(commit),
    );
    let want = TreeError::InvalidEncryptionKey { node: NodeIndex(1) };
    refuse(h.group(0), &message, want.into());
}

/// A received Update whose new leaf carries a low-order encryption key is
/// refused naming the leaf's node (RFC 9420 §7.3, §12.1.2).
#[test]
fn invalid_update_leaf_key() {
    let mut h = group_of(2, GroupConfig::default(), 74);
    let saved = Saved::of(h.group(1));
    let mut leaf_node = h.group(1).own_leaf_node().unwrap().clone();
    leaf_node.leaf_node_source = LeafNodeSource::Update;
    leaf_node.encryption_key = low_order_key();
    let group_id = h.group(1).group_id().to_vec();
    leaf_node
        .sign(&crypto(), &saved.signer(), &group_id, LeafIndex(1))
        .unwrap();
    let message = forge_proposal(h.group(1), Proposal::Update(Update { leaf_node }));
    let want = TreeError::InvalidEncryptionKey { node: NodeIndex(2) };
    refuse(h.group(0), &message, want.into());
}

/// Two `application_id` extensions: the list of a leaf holds each type
/// once (RFC 9420 §13.4).
pub(crate) fn twice_application_id(leaf: &mut rfc9420::tree::LeafNode) {
    let ext = Extension {
        extension_type: ExtensionType::APPLICATION_ID,
        extension_data: vec![1, 2],
    };
    leaf.extensions = Extensions(vec![ext.clone(), ext]);
}

/// RFC 9420 §13.4 (R-13.4-02): in an Update's leaf.
#[test]
fn duplicate_leaf_extension_in_an_update() {
    let mut h = group_of(2, GroupConfig::default(), 75);
    let saved = Saved::of(h.group(1));
    let mut leaf_node = h.group(1).own_leaf_node().unwrap().clone();
    leaf_node.leaf_node_source = LeafNodeSource::Update;
    leaf_node.encryption_key = crypto()
        .generate_hpke_key_pair(&mut TestRng::new(750))
        .unwrap()
        .1;
    twice_application_id(&mut leaf_node);
    let group_id = h.group(1).group_id().to_vec();
    leaf_node
        .sign(&crypto(), &saved.signer(), &group_id, LeafIndex(1))
        .unwrap();
    let message = forge_proposal(h.group(1), Proposal::Update(Update { leaf_node }));
    let want = TreeError::DuplicateLeafExtension {
        leaf: LeafIndex(1),
        extension_type: ExtensionType::APPLICATION_ID,
    };
    refuse(h.group(0), &message, want.into());
}
