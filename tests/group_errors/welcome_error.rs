//! WelcomeError: Welcomes a KeyPackage cannot join from (RFC 9420 §12.4.3.1).

use super::*;

#[test]
fn the_rewelcome_helper_keeps_a_welcome_valid() {
    let (welcome, joiner) = welcome_for_one(50, CommitOptions::default());
    let same = rewelcome(&welcome, &joiner, joiner.key_package(), |_| {});
    join(&same, &joiner, JoinOptions::default()).unwrap();
}

#[test]
fn version_mismatch() {
    let (welcome, joiner) = welcome_for_one(51, CommitOptions::default());
    let hostile = rewelcome(&welcome, &joiner, joiner.key_package(), |gi| {
        gi.group_context.version = ProtocolVersion(2);
    });
    let e = join(&hostile, &joiner, JoinOptions::default()).unwrap_err();
    let want = WelcomeError::VersionMismatch {
        group: ProtocolVersion(2),
        key_package: ProtocolVersion::MLS10,
    };
    assert_eq!(e, want.into());
}

#[test]
fn group_info_cipher_suite_mismatch() {
    let (welcome, joiner) = welcome_for_one(52, CommitOptions::default());
    let other = CipherSuite::MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_ED25519;
    let hostile = rewelcome(&welcome, &joiner, joiner.key_package(), |gi| {
        gi.group_context.cipher_suite = other;
    });
    let e = join(&hostile, &joiner, JoinOptions::default()).unwrap_err();
    let want = WelcomeError::GroupInfoCipherSuiteMismatch {
        group_info: other,
        welcome: SUITE,
    };
    assert_eq!(e, want.into());
}

#[test]
fn missing_ratchet_tree() {
    let options = CommitOptions {
        ratchet_tree_in_welcome: false,
        ..CommitOptions::default()
    };
    let (welcome, joiner) = welcome_for_one(53, options);
    let e = join(&welcome, &joiner, JoinOptions::default()).unwrap_err();
    assert_eq!(e, WelcomeError::MissingRatchetTree.into());
}

#[test]
fn signer_not_in_tree() {
    let (welcome, joiner) = welcome_for_one(54, CommitOptions::default());
    // Leaf 3 is blank in the tree of three members.
    for signer in [LeafIndex(3), LeafIndex(40)] {
        let hostile = rewelcome(&welcome, &joiner, joiner.key_package(), |gi| {
            gi.signer = signer;
        });
        let e = join(&hostile, &joiner, JoinOptions::default()).unwrap_err();
        assert_eq!(e, WelcomeError::SignerNotInTree { signer }.into());
    }
}

#[test]
fn own_leaf_not_found() {
    let (welcome, joiner) = welcome_for_one(55, CommitOptions::default());
    // The group secrets readdressed to a KeyPackage the commit did not
    // add.
    let stranger = key_package(SUITE, "stranger", &mut TestRng::new(550));
    let hostile = rewelcome(&welcome, &joiner, stranger.key_package(), |_| {});
    let e = join(&hostile, &stranger, JoinOptions::default()).unwrap_err();
    assert_eq!(e, WelcomeError::OwnLeafNotFound.into());
}

/// RFC 9420 §12.4.3 (R-12.4.3-01): a GroupInfo extension the joiner does
/// not know is ignored.
#[test]
fn unknown_group_info_extension_is_ignored() {
    let (welcome, joiner, signer) = welcome_and_signer(57, CommitOptions::default());
    let hostile = rewelcome(&welcome, &joiner, joiner.key_package(), |gi| {
        gi.extensions.0.push(Extension {
            extension_type: ExtensionType(0xff0a),
            extension_data: vec![1, 2, 3],
        });
        gi.sign(&crypto(), &signer).unwrap();
    });
    join(&hostile, &joiner, JoinOptions::default()).unwrap();
}

/// RFC 9420 §12.4.3, §13.4 (R-12.4.3-02, R-13.4-04): a joiner that does
/// not support one of the GroupContext extensions treats the GroupInfo as
/// invalid (the GroupInfo is signed again by its signer, so only this rule
/// is broken before the key schedule).
#[test]
fn joiner_lacks_a_group_extension() {
    let (welcome, joiner, signer) = welcome_and_signer(58, CommitOptions::default());
    let unknown = ExtensionType(0xff0b);
    let hostile = rewelcome(&welcome, &joiner, joiner.key_package(), |gi| {
        gi.group_context.extensions.0.push(Extension {
            extension_type: unknown,
            extension_data: Vec::new(),
        });
        gi.sign(&crypto(), &signer).unwrap();
    });
    let e = join(&hostile, &joiner, JoinOptions::default()).unwrap_err();
    let want = ProposalError::UnsupportedGroupExtension {
        leaf: Some(LeafIndex(2)),
        extension_type: unknown,
    };
    assert_eq!(e, want.into());
}

/// RFC 9420 §13.4 (R-13.4-02): the GroupInfo's extension list holds each
/// type once (here the ratchet tree twice).
#[test]
fn duplicate_group_info_extension() {
    let (welcome, joiner, signer) = welcome_and_signer(59, CommitOptions::default());
    let hostile = rewelcome(&welcome, &joiner, joiner.key_package(), |gi| {
        let tree = gi.extensions.0[0].clone();
        assert_eq!(tree.extension_type, ExtensionType::RATCHET_TREE);
        gi.extensions.0.push(tree);
        gi.sign(&crypto(), &signer).unwrap();
    });
    let e = join(&hostile, &joiner, JoinOptions::default()).unwrap_err();
    let want = ProposalError::DuplicateExtension(ExtensionType::RATCHET_TREE);
    assert_eq!(e, want.into());
}

/// RFC 9420 §12.4.3 (R-12.4.3-03): a joiner refuses a group whose ID it
/// already uses; the application says which IDs those are.
#[test]
fn group_id_in_use() {
    let (welcome, joiner) = welcome_for_one(62, CommitOptions::default());
    let join_unique = |in_use: &dyn Fn(&[u8]) -> bool| {
        Group::join_unique(
            RustCryptoProvider,
            GroupConfig::default(),
            &welcome,
            &joiner,
            JoinOptions::default(),
            NOW,
            |id| in_use(id),
        )
    };
    let e = join_unique(&|id| id == b"harness group 62").unwrap_err();
    assert_eq!(e, WelcomeError::GroupIdInUse.into());
    let g = join_unique(&|id| id == b"another group").unwrap();
    assert_eq!(g.group_id(), b"harness group 62");
    // Creators draw IDs of KDF.Nh random bytes.
    let mut rng = TestRng::new(620);
    let a = rfc9420::group::random_group_id(&crypto(), &mut rng);
    let b = rfc9420::group::random_group_id(&crypto(), &mut rng);
    assert_eq!(a.len(), 32);
    assert_ne!(a, b);
}

/// RFC 9420 §12.4.3.1 (R-12.4.3.1-04): a Welcome naming an external PSK
/// the joiner does not hold is refused with that PSK's ID.
#[test]
fn joiner_lacks_a_psk() {
    let mut h = group_of(1, GroupConfig::default(), 63);
    let secret = rfc9420::crypto::Secret::new(vec![6; 32]);
    h.group(0).psks_mut().insert(b"psk".to_vec(), secret);
    let joiner = h.new_key_packages(1).remove(0);
    let psk = Proposal::PreSharedKey(PreSharedKey {
        psk: external_psk(32),
    });
    let add = Proposal::Add(Add {
        key_package: joiner.key_package().clone(),
    });
    let created = h
        .group(0)
        .create_commit(
            CommitOptions::with_proposals(vec![psk, add]),
            NOW,
            &mut TestRng::new(630),
        )
        .unwrap();
    let welcome = created.welcome.unwrap();
    let e = join(&welcome, &joiner, JoinOptions::default()).unwrap_err();
    let want = ProposalError::UnknownPsk(Box::new(external_psk(32)));
    assert_eq!(e, want.into());
}
