//! What an application needs around MLS (issue 12): the pending commit in
//! saved state, own messages recognised, the senders of late messages,
//! the KeyPackage store, message peeking and the next-epoch buffer.

use rfc9420::framing::{ContentType, FramingError, Sender};
use rfc9420::group::{
    CommitOptions, Group, GroupConfig, JoinOptions, KeyPackageStore, MessageBuffer, MessageError,
    Processed, StateError, WireFormatPolicy,
};
use rfc9420::messages::{Proposal, Remove, WireFormat};
use rfc9420::{CipherSuite, Error, MlsMessage, RustCryptoProvider};
use rfc9420_test_support::group_harness::{Harness, NOW, key_package};
use rfc9420_test_support::rng::TestRng;

const SUITE_1: CipherSuite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;

fn config(private: bool) -> GroupConfig {
    GroupConfig {
        wire_format: if private {
            WireFormatPolicy::PURE_PRIVATE
        } else {
            WireFormatPolicy::PURE_PUBLIC
        },
        ..GroupConfig::default()
    }
}

/// Member 0 commits, saves its state before the delivery service accepts
/// the commit, "crashes", restores, and then sees its own commit come
/// back: it merges it and agrees with the others.
fn crash_after_sending_a_commit(private: bool) {
    let mut h = Harness::new(SUITE_1, config(private), 31);
    let joiners = h.new_key_packages(2);
    h.commit(0, CommitOptions::default(), joiners).unwrap();
    let mut rng = TestRng::new(310);
    let created = h
        .group(0)
        .create_commit(CommitOptions::default(), NOW, &mut rng)
        .unwrap();
    assert!(h.group(0).has_pending_commit());
    let saved = h.group(0).to_bytes().unwrap();
    // The process dies; the commit is in flight.
    h.members[0] = None;
    let mut restored = Group::from_bytes(RustCryptoProvider, h.config.clone(), &saved).unwrap();
    assert!(restored.has_pending_commit());
    // The delivery service accepted it and echoes it to everyone.
    let Processed::Commit(own) = restored.process_message(&created.commit, NOW).unwrap() else {
        panic!("own commit not recognised");
    };
    assert_eq!(own.effects().committer, Sender::Member(restored.own_leaf()));
    restored.merge_staged_commit(*own).unwrap();
    assert!(!restored.has_pending_commit());
    for i in [1, 2] {
        let Processed::Commit(staged) = h.group(i).process_message(&created.commit, NOW).unwrap()
        else {
            panic!("not a commit");
        };
        h.group(i).merge_staged_commit(*staged).unwrap();
    }
    h.members[0] = Some(restored);
    h.assert_agree();
    h.exchange_messages();
}

#[test]
fn a_commit_survives_a_crash_before_it_is_accepted_public() {
    crash_after_sending_a_commit(false);
}

#[test]
fn a_commit_survives_a_crash_before_it_is_accepted_private() {
    crash_after_sending_a_commit(true);
}

#[test]
fn merge_pending_commit_after_restore_and_clear() {
    let mut h = Harness::new(SUITE_1, config(true), 32);
    let joiners = h.new_key_packages(1);
    h.commit(0, CommitOptions::default(), joiners).unwrap();
    let mut rng = TestRng::new(320);
    assert_eq!(
        h.group(0).merge_pending_commit().unwrap_err(),
        Error::State(StateError::NoPendingCommit)
    );
    let created = h
        .group(0)
        .create_commit(CommitOptions::default(), NOW, &mut rng)
        .unwrap();
    let saved = h.group(0).to_bytes().unwrap();
    let mut restored = Group::from_bytes(RustCryptoProvider, h.config.clone(), &saved).unwrap();
    let effects = restored.merge_pending_commit().unwrap();
    assert_eq!(effects.new_epoch, 2);
    let Processed::Commit(staged) = h.group(1).process_message(&created.commit, NOW).unwrap()
    else {
        panic!("not a commit");
    };
    h.group(1).merge_staged_commit(*staged).unwrap();
    h.members[0] = Some(restored);
    h.assert_agree();
    // A cleared pending commit is gone and the epoch stays.
    h.group(0)
        .create_commit(CommitOptions::default(), NOW, &mut rng)
        .unwrap();
    h.group(0).clear_pending_commit();
    assert!(!h.group(0).has_pending_commit());
    assert_eq!(h.group(0).epoch(), 2);
}

#[test]
fn another_members_commit_discards_the_pending_one() {
    let mut h = Harness::new(SUITE_1, config(false), 33);
    let joiners = h.new_key_packages(1);
    h.commit(0, CommitOptions::default(), joiners).unwrap();
    let mut rng = TestRng::new(330);
    // Both commit at once; the delivery service takes member 1's first.
    h.group(0)
        .create_commit(CommitOptions::default(), NOW, &mut rng)
        .unwrap();
    let theirs = h
        .group(1)
        .create_commit(CommitOptions::default(), NOW, &mut rng)
        .unwrap();
    let Processed::Commit(staged) = h.group(0).process_message(&theirs.commit, NOW).unwrap() else {
        panic!("not a commit");
    };
    assert!(staged.effects().discards_pending_commit);
    h.group(0).merge_staged_commit(*staged).unwrap();
    assert!(!h.group(0).has_pending_commit());
    h.group(1).merge_pending_commit().unwrap();
    h.assert_agree();
}

#[test]
fn own_messages_echoed_back_are_recognised_not_replays() {
    for private in [false, true] {
        let mut h = Harness::new(SUITE_1, config(private), 34);
        let joiners = h.new_key_packages(1);
        h.commit(0, CommitOptions::default(), joiners).unwrap();
        let mut rng = TestRng::new(340);
        let before = h.group(0).to_bytes().unwrap();
        let app = h.group(0).create_message(b"mine", b"", &mut rng).unwrap();
        let saved = h.group(0).to_bytes().unwrap();
        assert_ne!(before, saved);
        assert_eq!(
            h.group(0).process_message(&app, NOW).unwrap_err(),
            Error::Message(MessageError::OwnMessage {
                content_type: ContentType::Application
            })
        );
        assert_eq!(h.group(0).to_bytes().unwrap(), saved);
        let (proposal, _) = h.group(0).propose_update(b"", NOW, &mut rng).unwrap();
        let saved = h.group(0).to_bytes().unwrap();
        assert_eq!(
            h.group(0).process_message(&proposal, NOW).unwrap_err(),
            Error::Message(MessageError::OwnMessage {
                content_type: ContentType::Proposal
            })
        );
        assert_eq!(h.group(0).to_bytes().unwrap(), saved);
        // A replay at the receiver is a different error.
        let Processed::Application(_) = h.group(1).process_message(&app, NOW).unwrap() else {
            panic!("not application data");
        };
        let replay = h.group(1).process_message(&app, NOW).unwrap_err();
        assert!(matches!(replay, Error::SecretTree(_)), "{replay:?}");
    }
}

#[test]
fn a_removed_members_late_message_keeps_its_sender() {
    let config = GroupConfig {
        max_past_epochs: 2,
        ..config(false)
    };
    let mut h = Harness::new(SUITE_1, config, 35);
    let joiners = h.new_key_packages(2);
    h.commit(0, CommitOptions::default(), joiners).unwrap();
    let mut rng = TestRng::new(350);
    // Member 2 sends, then is removed before member 1 reads it; a new
    // member takes its leaf.
    let leaf = h.group(2).own_leaf();
    let credential = h.group(2).own_leaf_node().unwrap().credential.clone();
    let late = h.group(2).create_message(b"bye", b"", &mut rng).unwrap();
    let remove = Proposal::Remove(Remove { removed: leaf });
    let newcomer = h.new_key_packages(1);
    let mut options = CommitOptions::with_proposals(vec![remove]);
    options.update_path = true;
    h.commit(0, options, newcomer).unwrap();
    let newcomer_at = h.members.len() - 1;
    assert_eq!(h.group(newcomer_at).own_leaf(), leaf);
    let Processed::Application(m) = h.group(1).process_message(&late, NOW).unwrap() else {
        panic!("not application data");
    };
    assert_eq!(m.sender, leaf);
    assert_eq!(m.sender_info.credential, credential);
    assert_ne!(
        h.group(1).member(leaf).unwrap().leaf_node.credential,
        credential
    );
}

#[test]
fn join_from_store_picks_the_right_key_package() {
    let mut h = Harness::new(SUITE_1, config(false), 36);
    let mut rng = TestRng::new(360);
    let mut store = KeyPackageStore::new();
    let mut refs = Vec::new();
    for name in ["phone", "laptop", "tablet"] {
        let bundle = key_package(SUITE_1, name, &mut rng);
        refs.push(store.insert(&RustCryptoProvider, bundle).unwrap());
    }
    let laptop = store.get(&refs[1]).unwrap().key_package().clone();
    let add = Proposal::Add(rfc9420::messages::Add {
        key_package: laptop,
    });
    let created = h
        .group(0)
        .create_commit(CommitOptions::with_proposals(vec![add]), NOW, &mut rng)
        .unwrap();
    h.group(0).merge_pending_commit().unwrap();
    let welcome = created.welcome.unwrap();
    // A store saved and restored works the same.
    let saved = store.to_bytes().unwrap();
    let mut store = KeyPackageStore::from_bytes(&RustCryptoProvider, &saved).unwrap();
    let (joined, used) = Group::join_from_store(
        RustCryptoProvider,
        h.config.clone(),
        &welcome,
        &mut store,
        JoinOptions::default(),
        NOW,
    )
    .unwrap();
    assert_eq!(used, refs[1]);
    assert_eq!(store.len(), 2);
    assert!(store.get(&refs[1]).is_none());
    assert_eq!(
        joined.epoch_authenticator(),
        h.group(0).epoch_authenticator()
    );
    // The bundle is gone: the same Welcome cannot be joined again.
    let again = Group::join_from_store(
        RustCryptoProvider,
        h.config.clone(),
        &welcome,
        &mut store,
        JoinOptions::default(),
        NOW,
    )
    .unwrap_err();
    assert_eq!(again, Error::State(StateError::NoMatchingKeyPackage));
}

#[test]
fn a_message_ahead_of_its_commit_waits_in_the_buffer() {
    let mut h = Harness::new(SUITE_1, config(true), 37);
    let joiners = h.new_key_packages(2);
    h.commit(0, CommitOptions::default(), joiners).unwrap();
    let mut rng = TestRng::new(370);
    let created = h
        .group(0)
        .create_commit(CommitOptions::default(), NOW, &mut rng)
        .unwrap();
    h.group(0).merge_pending_commit().unwrap();
    // Member 0 writes in the new epoch; member 1 sees it before the commit.
    let early = h.group(0).create_message(b"early", b"", &mut rng).unwrap();
    let saved = h.group(1).to_bytes().unwrap();
    let err = h.group(1).process_message(&early, NOW).unwrap_err();
    assert_eq!(
        err,
        Error::Framing(FramingError::EpochNotYet { got: 2, current: 1 })
    );
    assert_eq!(h.group(1).to_bytes().unwrap(), saved);
    let mut buffer = MessageBuffer::new(8);
    assert!(buffer.hold_if_early(&early, &err));
    assert!(!buffer.hold_if_early(&early, &Error::Internal("other")));
    let Processed::Commit(staged) = h.group(1).process_message(&created.commit, NOW).unwrap()
    else {
        panic!("not a commit");
    };
    h.group(1).merge_staged_commit(*staged).unwrap();
    let ready = buffer.release(h.group(1).epoch());
    assert_eq!(ready.len(), 1);
    assert!(buffer.is_empty());
    let Processed::Application(m) = h.group(1).process_message(&ready[0], NOW).unwrap() else {
        panic!("not application data");
    };
    assert_eq!(m.data, b"early");
}

#[test]
fn peek_reads_the_public_header() {
    let mut h = Harness::new(SUITE_1, config(false), 38);
    let joiners = h.new_key_packages(1);
    let (commit, welcome) = h.commit(0, CommitOptions::default(), joiners).unwrap();
    let header = MlsMessage::peek(&commit).unwrap();
    assert_eq!(header.wire_format, WireFormat::PUBLIC_MESSAGE);
    assert_eq!(header.epoch, Some(0));
    let group_id = h.group(0).group_id().to_vec();
    assert_eq!(header.group_id, Some(group_id));
    assert_eq!(header.content_type, Some(ContentType::Commit));
    let own = h.group(0).own_leaf();
    assert_eq!(header.sender, Some(Sender::Member(own)));
    let mut rng = TestRng::new(380);
    let app = h.group(1).create_message(b"x", b"", &mut rng).unwrap();
    let header = MlsMessage::peek(&app).unwrap();
    assert_eq!(header.wire_format, WireFormat::PRIVATE_MESSAGE);
    assert_eq!(header.epoch, Some(1));
    assert_eq!(header.content_type, Some(ContentType::Application));
    assert_eq!(header.sender, None);
    let header = MlsMessage::peek(&welcome.unwrap()).unwrap();
    assert_eq!(header.wire_format, WireFormat::WELCOME);
    assert_eq!(header.group_id, None);
    assert!(MlsMessage::peek(&commit[..commit.len() - 1]).is_err());
}

#[test]
fn leave_proposes_the_members_own_removal() {
    let mut h = Harness::new(SUITE_1, config(false), 39);
    let joiners = h.new_key_packages(2);
    h.commit(0, CommitOptions::default(), joiners).unwrap();
    let mut rng = TestRng::new(390);
    let leaf = h.group(2).own_leaf();
    let (proposal, _) = h.group(2).leave(b"", NOW, &mut rng).unwrap();
    for i in [0, 1] {
        let Processed::Proposal(p) = h.group(i).process_message(&proposal, NOW).unwrap() else {
            panic!("not a proposal");
        };
        assert_eq!(p.proposal, Proposal::Remove(Remove { removed: leaf }));
        assert_eq!(p.sender, Sender::Member(leaf));
    }
    h.commit(0, CommitOptions::default(), vec![]).unwrap();
    assert!(h.members[2].is_none());
    assert_eq!(h.group(0).members().count(), 2);
    // Lookups by identity.
    let me = h.group(0).own_leaf_node().unwrap().credential.clone();
    let identity = me.identity().unwrap().to_vec();
    let own = h.group(0).own_leaf();
    let found: Vec<_> = h
        .group(1)
        .members_with_identity(&identity)
        .map(|m| m.leaf)
        .collect();
    assert_eq!(found, vec![own]);
}
