//! Group scenarios through the public API (RFC 9420 §11, §12): members
//! created, added, updated and removed by value and by reference, with
//! and without paths, as PublicMessages and PrivateMessages, in every
//! suite; PSKs, GroupContextExtensions, late and replayed messages.

use rfc9420_test_support::group_harness as harness;
use rfc9420_test_support::rng;

use harness::{Harness, NOW};
use rfc9420::Error;
use rfc9420::crypto::{CipherSuite, Secret};
use rfc9420::framing::{ContentType, FramingError};
use rfc9420::group::{
    CommitOptions, GroupConfig, HandshakeFormat, MessageError, Processed, ProposalError,
    WireFormatPolicy,
};
use rfc9420::messages::{
    Extension, ExtensionType, Extensions, GroupContextExtensions, PreSharedKey, PreSharedKeyId,
    Proposal, PskKind, Remove, RequiredCapabilities, ResumptionPskUsage,
};
use rfc9420::secret_tree::SecretTreeError;
use rfc9420::tree::LeafIndex;
use rfc9420_test_support::all_suites;

const SUITE_1: CipherSuite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;

fn lifecycle(suite: CipherSuite, config: GroupConfig) {
    let mut h = Harness::new(suite, config, u64::from(suite.0));
    // Add three by value, with a path.
    let joiners = h.new_key_packages(3);
    h.commit(0, CommitOptions::default(), joiners).unwrap();
    h.assert_agree();
    h.exchange_messages();
    // Add one without a path, from another member.
    let joiners = h.new_key_packages(1);
    let options = CommitOptions {
        update_path: false,
        ..CommitOptions::default()
    };
    h.commit(2, options, joiners).unwrap();
    h.assert_agree();
    // Updates by reference, committed by a third member.
    h.propose_update(1).unwrap();
    h.propose_update(3).unwrap();
    h.commit(4, CommitOptions::default(), vec![]).unwrap();
    h.assert_agree();
    h.exchange_messages();
    // A Remove by reference and one by value.
    let leaf_1 = h.group(1).own_leaf();
    let leaf_3 = h.group(3).own_leaf();
    h.propose(2, Proposal::Remove(Remove { removed: leaf_1 }))
        .unwrap();
    let options = CommitOptions::with_proposals(vec![Proposal::Remove(Remove { removed: leaf_3 })]);
    h.commit(0, options, vec![]).unwrap();
    assert!(h.members[1].is_none() && h.members[3].is_none());
    h.assert_agree();
    h.exchange_messages();
    // An empty commit refreshes the committer's path.
    h.commit(4, CommitOptions::default(), vec![]).unwrap();
    h.assert_agree();
    h.exchange_messages();
}

all_suites!(public_handshake, |suite| lifecycle(
    suite,
    GroupConfig::default()
));
all_suites!(private_handshake, |suite| lifecycle(
    suite,
    GroupConfig {
        wire_format: WireFormatPolicy::PURE_PRIVATE,
        ..GroupConfig::default()
    }
));

#[test]
fn tree_out_of_band() {
    let mut h = Harness::new(SUITE_1, GroupConfig::default(), 7);
    let joiners = h.new_key_packages(2);
    let options = CommitOptions {
        ratchet_tree_in_welcome: false,
        ..CommitOptions::default()
    };
    h.commit(0, options, joiners).unwrap();
    h.assert_agree();
    h.exchange_messages();
}

#[test]
fn remove_wins_over_update_of_the_same_leaf() {
    let mut h = Harness::new(SUITE_1, GroupConfig::default(), 8);
    let joiners = h.new_key_packages(3);
    h.commit(0, CommitOptions::default(), joiners).unwrap();
    h.propose_update(2).unwrap();
    let leaf_2 = h.group(2).own_leaf();
    h.propose(1, Proposal::Remove(Remove { removed: leaf_2 }))
        .unwrap();
    let mut rng = rng::TestRng::new(80);
    let created = h
        .group(0)
        .create_commit(CommitOptions::default(), NOW, &mut rng)
        .unwrap();
    assert_eq!(created.dropped.len(), 1, "the Update is dropped");
    assert_eq!(created.staged.effects().removed.len(), 1);
    assert!(created.staged.effects().updated.is_empty());
}

#[test]
fn external_and_resumption_psks() {
    let mut h = Harness::new(SUITE_1, GroupConfig::default(), 9);
    let joiners = h.new_key_packages(2);
    h.commit(0, CommitOptions::default(), joiners).unwrap();
    let psk_id = b"shared psk".to_vec();
    for i in h.active() {
        h.group(i)
            .psks_mut()
            .insert(psk_id.clone(), Secret::new(vec![7; 32]));
    }
    let nonce = |b: u8| vec![b; 32];
    let external = PreSharedKeyId {
        psk: PskKind::External {
            psk_id: psk_id.clone(),
        },
        psk_nonce: nonce(1),
    };
    let epoch = h.group(0).epoch();
    let resumption = PreSharedKeyId {
        psk: PskKind::Resumption {
            usage: ResumptionPskUsage::Application,
            psk_group_id: h.group(0).group_id().to_vec(),
            psk_epoch: epoch,
        },
        psk_nonce: nonce(2),
    };
    h.propose(1, Proposal::PreSharedKey(PreSharedKey { psk: external }))
        .unwrap();
    let options = CommitOptions::with_proposals(vec![Proposal::PreSharedKey(PreSharedKey {
        psk: resumption,
    })]);
    h.commit(2, options, vec![]).unwrap();
    h.assert_agree();

    // A member without the external PSK cannot follow a commit naming it.
    let unknown = PreSharedKeyId {
        psk: PskKind::External {
            psk_id: b"nobody has it".to_vec(),
        },
        psk_nonce: nonce(3),
    };
    let options =
        CommitOptions::with_proposals(vec![Proposal::PreSharedKey(PreSharedKey { psk: unknown })]);
    let mut rng = rng::TestRng::new(90);
    let err = h
        .group(0)
        .create_commit(options, NOW, &mut rng)
        .unwrap_err();
    assert!(
        matches!(&err, Error::Proposal(ProposalError::UnknownPsk(id)) if id.psk_nonce == nonce(3)),
        "{err:?}"
    );
}

#[test]
fn group_context_extensions() {
    let mut h = Harness::new(SUITE_1, GroupConfig::default(), 10);
    let joiners = h.new_key_packages(2);
    h.commit(0, CommitOptions::default(), joiners).unwrap();
    let mut extensions = Extensions::default();
    extensions
        .set(&RequiredCapabilities {
            extension_types: vec![],
            proposal_types: vec![],
            credential_types: vec![rfc9420::messages::CredentialType::BASIC],
        })
        .unwrap();
    h.propose(
        1,
        Proposal::GroupContextExtensions(GroupContextExtensions {
            extensions: extensions.clone(),
        }),
    )
    .unwrap();
    h.commit(2, CommitOptions::default(), vec![]).unwrap();
    h.assert_agree();
    assert_eq!(h.group(0).extensions(), &extensions);
    // An extension no member supports is refused.
    let unsupported = Extensions::from(vec![Extension {
        extension_type: ExtensionType(0xff00),
        extension_data: vec![],
    }]);
    let mut rng = rng::TestRng::new(100);
    let err = h
        .group(0)
        .propose(
            Proposal::GroupContextExtensions(GroupContextExtensions {
                extensions: unsupported,
            }),
            b"",
            NOW,
            &mut rng,
        )
        .unwrap_err();
    assert_eq!(
        err,
        Error::Proposal(ProposalError::UnsupportedGroupExtension {
            leaf: Some(LeafIndex(0)),
            extension_type: ExtensionType(0xff00)
        })
    );
}

#[test]
fn late_and_replayed_application_messages() {
    let mut h = Harness::new(SUITE_1, GroupConfig::default(), 11);
    let joiners = h.new_key_packages(1);
    h.commit(0, CommitOptions::default(), joiners).unwrap();
    let mut rng = rng::TestRng::new(110);
    let m: Vec<Vec<u8>> = (0..4)
        .map(|i| h.group(0).create_message(&[i], b"", &mut rng).unwrap())
        .collect();
    // Out of order within the epoch.
    for i in [2usize, 0, 3] {
        match h.group(1).process_message(&m[i], NOW).unwrap() {
            Processed::Application(a) => assert_eq!(a.data, vec![i as u8]),
            other => panic!("{other:?}"),
        }
    }
    // A replay is refused, and changes nothing.
    let err = h.group(1).process_message(&m[2], NOW).unwrap_err();
    assert!(matches!(err, Error::SecretTree(_)), "{err:?}");
    // A new epoch; the late message of the last epoch still decrypts
    // (one past epoch kept by default), once.
    h.commit(1, CommitOptions::default(), vec![]).unwrap();
    match h.group(1).process_message(&m[1], NOW).unwrap() {
        Processed::Application(a) => {
            assert_eq!(a.data, vec![1]);
            assert_eq!(a.epoch, 1);
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        h.group(1).process_message(&m[1], NOW),
        Err(Error::SecretTree(
            SecretTreeError::GenerationConsumed { .. }
        )) | Err(Error::SecretTree(_))
    ));
    // Two epochs later it is gone.
    h.commit(0, CommitOptions::default(), vec![]).unwrap();
    let err = h.group(1).process_message(&m[3], NOW).unwrap_err();
    assert!(
        matches!(err, Error::Framing(FramingError::WrongEpoch { got: 1, .. })),
        "{err:?}"
    );
}

#[test]
fn wire_format_policy_is_enforced() {
    let public = GroupConfig {
        wire_format: WireFormatPolicy::MIXED_PUBLIC,
        ..GroupConfig::default()
    };
    let mut h = Harness::new(SUITE_1, public, 12);
    let joiners = h.new_key_packages(1);
    h.commit(0, CommitOptions::default(), joiners).unwrap();
    let private_only = GroupConfig {
        wire_format: WireFormatPolicy {
            outgoing: HandshakeFormat::Private,
            accept_public: false,
            accept_private: true,
        },
        ..GroupConfig::default()
    };
    h.group(1).set_config(private_only);
    let mut rng = rng::TestRng::new(120);
    let created = h
        .group(0)
        .create_commit(CommitOptions::default(), NOW, &mut rng)
        .unwrap();
    let err = h
        .group(1)
        .process_message(&created.commit, NOW)
        .unwrap_err();
    assert_eq!(
        err,
        Error::Message(MessageError::WireFormatRefused(
            rfc9420::messages::WireFormat::PUBLIC_MESSAGE
        ))
    );
}

#[test]
fn own_and_foreign_messages_are_recognised() {
    let mut h = Harness::new(SUITE_1, GroupConfig::default(), 13);
    let joiners = h.new_key_packages(1);
    h.commit(0, CommitOptions::default(), joiners).unwrap();
    let mut rng = rng::TestRng::new(130);
    let created = h
        .group(0)
        .create_commit(CommitOptions::default(), NOW, &mut rng)
        .unwrap();
    // The own commit, echoed back, is staged as this member's.
    let own = h.group(0).own_leaf();
    let Processed::Commit(staged) = h.group(0).process_message(&created.commit, NOW).unwrap()
    else {
        panic!("own commit not staged");
    };
    assert_eq!(
        staged.effects().committer,
        rfc9420::framing::Sender::Member(own)
    );
    // An own proposal echoed back is reported as own.
    let (proposal, _) = h.group(0).propose_update(b"", NOW, &mut rng).unwrap();
    assert_eq!(
        h.group(0).process_message(&proposal, NOW).unwrap_err(),
        Error::Message(MessageError::OwnMessage {
            content_type: ContentType::Proposal
        })
    );
    // A message of another group.
    let mut other = Harness::new(SUITE_1, GroupConfig::default(), 14);
    let msg = other.group(0).create_message(b"x", b"", &mut rng).unwrap();
    assert_eq!(
        h.group(1).process_message(&msg, NOW).unwrap_err(),
        Error::Framing(FramingError::WrongGroup)
    );
    // Adding the same client twice in one commit.
    let kp = h.new_key_packages(1).pop().unwrap();
    let add = Proposal::Add(rfc9420::messages::Add {
        key_package: kp.key_package().clone(),
    });
    let err = h
        .group(0)
        .create_commit(
            CommitOptions::with_proposals(vec![add.clone(), add]),
            NOW,
            &mut rng,
        )
        .unwrap_err();
    // The error names the second Add and its KeyPackage.
    let Error::Proposal(ProposalError::InvalidAdd {
        index,
        key_package: Some(reference),
        error,
    }) = err
    else {
        panic!("{err:?}");
    };
    assert_eq!(index, 1);
    let crypto = rfc9420::SuiteCrypto::new(&rfc9420::RustCryptoProvider, SUITE_1).unwrap();
    let kp_bytes = rfc9420::codec::Encode::to_bytes(kp.key_package()).unwrap();
    assert_eq!(reference.0, crypto.key_package_ref(&kp_bytes).unwrap());
    assert!(
        matches!(*error, Error::Proposal(ProposalError::DuplicateAdd { .. })),
        "{error:?}"
    );
    // Removing oneself by value.
    let own = h.group(0).own_leaf();
    let err = h
        .group(0)
        .create_commit(
            CommitOptions::with_proposals(vec![Proposal::Remove(Remove { removed: own })]),
            NOW,
            &mut rng,
        )
        .unwrap_err();
    assert_eq!(err, Error::Proposal(ProposalError::CommitterRemoved(own)));
    let _ = LeafIndex(0);
}

/// Saves and restores every member (`Group::to_bytes`, `Group::from_bytes`).
fn save_and_restore_all(h: &mut Harness) {
    for i in h.active() {
        let g = h.members[i].take().unwrap();
        let bytes = g.to_bytes().unwrap();
        let restored = rfc9420::group::Group::from_bytes(
            rfc9420::RustCryptoProvider,
            h.config.clone(),
            &bytes,
        )
        .unwrap();
        assert_eq!(restored.to_bytes().unwrap(), bytes, "restore is lossless");
        h.members[i] = Some(restored);
    }
}

/// A 20-epoch scenario, run twice with the same randomness: once as is,
/// once saving and restoring every member after every step. Both runs
/// see the same epoch authenticators.
fn twenty_epochs(restore: bool) -> Vec<Vec<u8>> {
    let config = GroupConfig {
        wire_format: WireFormatPolicy::MIXED_PRIVATE,
        max_past_epochs: 2,
        ..GroupConfig::default()
    };
    let mut h = Harness::new(SUITE_1, config, 21);
    let mut authenticators = Vec::new();
    for step in 0..20usize {
        let active = h.active();
        let committer = active[step % active.len()];
        match step % 5 {
            0 | 1 => {
                let joiners = h.new_key_packages(2);
                h.commit(committer, CommitOptions::default(), joiners)
                    .unwrap();
            }
            2 => {
                let other = active[(step + 1) % active.len()];
                if other != committer {
                    h.propose_update(other).unwrap();
                }
                h.commit(committer, CommitOptions::default(), vec![])
                    .unwrap();
            }
            3 => {
                let victim = *active.iter().rev().find(|i| **i != committer).unwrap();
                let leaf = h.group(victim).own_leaf();
                h.propose(committer, Proposal::Remove(Remove { removed: leaf }))
                    .unwrap();
                let options = CommitOptions {
                    update_path: true,
                    ..CommitOptions::default()
                };
                h.commit(committer, options, vec![]).unwrap();
            }
            _ => {
                let options = CommitOptions {
                    update_path: false,
                    ..CommitOptions::default()
                };
                let joiners = h.new_key_packages(1);
                h.commit(committer, options, joiners).unwrap();
            }
        }
        if restore {
            save_and_restore_all(&mut h);
        }
        h.assert_agree();
        h.exchange_messages();
        if restore {
            save_and_restore_all(&mut h);
        }
        let first = h.active()[0];
        authenticators.push(h.group(first).epoch_authenticator().as_bytes().to_vec());
    }
    authenticators
}

#[test]
fn saved_and_restored_members_follow_the_same_epochs() {
    let plain = twenty_epochs(false);
    let restored = twenty_epochs(true);
    assert_eq!(plain.len(), 20);
    assert_eq!(plain, restored);
}

#[test]
fn restore_honours_the_callers_tree_limit() {
    let mut h = Harness::new(SUITE_1, GroupConfig::default(), 23);
    let joiners = h.new_key_packages(4);
    h.commit(0, CommitOptions::default(), joiners).unwrap();
    let bytes = h.group(0).to_bytes().unwrap();
    // Five members: a tree of eight leaves, fifteen nodes, the last one
    // non-blank at index 8.
    let small = GroupConfig {
        max_tree_leaves: 4,
        ..GroupConfig::default()
    };
    let before = bytes.to_vec();
    let err =
        rfc9420::group::Group::from_bytes(rfc9420::RustCryptoProvider, small, &bytes).unwrap_err();
    assert_eq!(
        err,
        Error::Tree(rfc9420::tree::TreeError::TooManyNodes { count: 9, max: 7 })
    );
    assert_eq!(*bytes, before);
    // With room for the tree it restores.
    let enough = GroupConfig {
        max_tree_leaves: 8,
        ..GroupConfig::default()
    };
    rfc9420::group::Group::from_bytes(rfc9420::RustCryptoProvider, enough, &bytes).unwrap();
}
