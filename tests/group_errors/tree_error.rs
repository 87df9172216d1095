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
