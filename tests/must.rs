//! The MUST-level gaps of issue 11 closed end to end: unauthorized joins,
//! application data while proposals are pending, one bad pending proposal
//! blocking every commit, and a member catching up on a backlog whose
//! KeyPackages expired. (Changed credentials and external senders' credentials:
//! tests/group_errors; public-key validation: the provider's tests.)

use std::sync::Arc;

use rfc9420::codec::Encode;
use rfc9420::framing::{
    AuthenticatedContent, FramedContent, FramedContentBody, MlsMessageBody, PublicMessage, Sender,
    SenderType,
};
use rfc9420::group::{
    CommitOptions, GroupConfig, KeyPackageBundle, MessageError, MessageSender, Processed,
    StateError, WireFormatPolicy,
};
use rfc9420::messages::{
    Add, PreSharedKey, PreSharedKeyId, Proposal, ProposalType, PskKind, WireFormat,
};
use rfc9420::tree::validate::{LifetimePolicy, Timestamp};
use rfc9420::{
    CipherSuite, Credential, Error, KeyPackageOptions, MlsMessage, RustCryptoProvider, SuiteCrypto,
};
use rfc9420_test_support::group_harness::{Harness, NOW};
use rfc9420_test_support::rng::TestRng;

const SUITE_1: CipherSuite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;

fn crypto() -> SuiteCrypto<'static> {
    SuiteCrypto::new(&RustCryptoProvider, SUITE_1).unwrap()
}

/// A client's self-signed `new_member_proposal` Add of its own KeyPackage
/// for `group`'s current epoch (RFC 9420 §12.1.8).
fn self_signed_add(h: &mut Harness, member: usize, kp: &KeyPackageBundle) -> Vec<u8> {
    let g = h.group(member);
    let content = FramedContent {
        group_id: g.group_id().to_vec(),
        epoch: g.epoch(),
        sender: Sender::NewMemberProposal,
        authenticated_data: Vec::new(),
        content: FramedContentBody::Proposal(Proposal::Add(Add {
            key_package: kp.key_package().clone(),
        })),
    };
    let signed = AuthenticatedContent::sign(
        &crypto(),
        kp.signature_private_key(),
        WireFormat::PUBLIC_MESSAGE,
        content,
        None,
    )
    .unwrap();
    let message = PublicMessage::protect_non_member(signed).unwrap();
    MlsMessage::new(MlsMessageBody::PublicMessage(message))
        .to_bytes()
        .unwrap()
}

#[test]
fn a_self_signed_add_is_not_committed_unless_the_policy_says_so() {
    let mut h = Harness::new(SUITE_1, GroupConfig::default(), 61);
    let joiners = h.new_key_packages(1);
    h.commit(0, CommitOptions::default(), joiners).unwrap();
    let intruder = h.new_key_packages(1).remove(0);
    let message = self_signed_add(&mut h, 0, &intruder);
    // The default refuses it, and nothing changes.
    let before = h.group(0).to_bytes().unwrap();
    assert_eq!(
        h.group(0).process_message(&message, NOW).unwrap_err(),
        Error::Message(MessageError::ProposalNotAuthorized {
            sender_type: SenderType::NewMemberProposal,
            proposal_type: ProposalType::ADD,
        })
    );
    assert_eq!(h.group(0).to_bytes().unwrap(), before);
    let created = h
        .group(0)
        .create_commit(CommitOptions::default(), NOW, &mut TestRng::new(610))
        .unwrap();
    assert!(created.staged.effects().added.is_empty());
    h.group(0).clear_pending_commit();
    // An application that lets known clients ask to join accepts it.
    let expected = intruder.key_package().leaf_node.credential.clone();
    let allow = move |_: &Proposal, sender: &MessageSender| sender.credential == expected;
    h.group(0).set_config(GroupConfig {
        proposals: Arc::new(allow),
        ..GroupConfig::default()
    });
    let Processed::Proposal(p) = h.group(0).process_message(&message, NOW).unwrap() else {
        panic!("not a proposal");
    };
    assert_eq!(p.sender, Sender::NewMemberProposal);
    let created = h
        .group(0)
        .create_commit(CommitOptions::default(), NOW, &mut TestRng::new(611))
        .unwrap();
    assert_eq!(created.staged.effects().added.len(), 1);
}

#[test]
fn no_application_data_while_proposals_are_pending() {
    let mut h = Harness::new(SUITE_1, GroupConfig::default(), 62);
    let joiners = h.new_key_packages(1);
    h.commit(0, CommitOptions::default(), joiners).unwrap();
    let mut rng = TestRng::new(620);
    let update = h.propose_update(1).unwrap();
    let _ = update;
    let before = h.group(0).to_bytes().unwrap();
    assert_eq!(
        h.group(0).create_message(b"hi", b"", &mut rng).unwrap_err(),
        Error::State(StateError::ProposalsPending { count: 1 })
    );
    assert_eq!(h.group(0).to_bytes().unwrap(), before);
    // Committing the proposal lets it send again.
    h.commit(0, CommitOptions::default(), vec![]).unwrap();
    h.group(0).create_message(b"hi", b"", &mut rng).unwrap();
}

#[test]
fn a_bad_pending_psk_is_dropped_and_the_commit_goes_through() {
    let mut h = Harness::new(SUITE_1, GroupConfig::default(), 63);
    let joiners = h.new_key_packages(1);
    h.commit(0, CommitOptions::default(), joiners).unwrap();
    // Member 1 proposes a PSK that member 0 does not hold.
    let psk = PreSharedKeyId {
        psk: PskKind::External {
            psk_id: b"only member 1 has it".to_vec(),
        },
        psk_nonce: vec![3; crypto().hash_len()],
    };
    let proposal = Proposal::PreSharedKey(PreSharedKey { psk });
    h.propose(1, proposal).unwrap();
    let update = h.propose_update(1).unwrap();
    let _ = update;
    let pending: Vec<_> = h
        .group(0)
        .pending_proposals()
        .map(|p| p.0.clone())
        .collect();
    assert_eq!(pending.len(), 2);
    let created = h
        .group(0)
        .create_commit(CommitOptions::default(), NOW, &mut TestRng::new(630))
        .unwrap();
    assert_eq!(created.dropped, vec![pending[0].clone()]);
    assert_eq!(created.staged.effects().updated.len(), 1);
    assert!(created.staged.effects().psks.is_empty());
}

/// Member 2 is offline while member 0 adds a client whose KeyPackage
/// expires soon after; it comes back after the expiry, processes the
/// backlog, and ends in the same epoch as the others.
#[test]
fn a_member_back_after_the_backlogs_key_packages_expired_catches_up() {
    let mut h = Harness::new(SUITE_1, GroupConfig::default(), 64);
    let joiners = h.new_key_packages(2);
    h.commit(0, CommitOptions::default(), joiners).unwrap();
    let mut rng = TestRng::new(640);
    // A KeyPackage valid from NOW - 10 s to NOW + 60 s.
    let options = KeyPackageOptions {
        backdate: 10,
        validity: 60,
        ..KeyPackageOptions::default()
    };
    let short = KeyPackageBundle::generate_with_new_signature_key(
        &crypto(),
        Credential::basic(b"short-lived".to_vec()),
        &options,
        NOW,
        &mut rng,
    )
    .unwrap();
    let add = Proposal::Add(Add {
        key_package: short.key_package().clone(),
    });
    let created = h
        .group(0)
        .create_commit(CommitOptions::with_proposals(vec![add]), NOW, &mut rng)
        .unwrap();
    h.group(0).merge_pending_commit().unwrap();
    let Processed::Commit(staged) = h.group(1).process_message(&created.commit, NOW).unwrap()
    else {
        panic!("not a commit");
    };
    h.group(1).merge_staged_commit(*staged).unwrap();
    // Member 2, a day later.
    let later = Timestamp(NOW.0 + 86_400);
    let strict = GroupConfig {
        lifetime: rfc9420::tree::validate::LifetimeConfig {
            receive: LifetimePolicy::receiving(),
            ..Default::default()
        },
        ..GroupConfig::default()
    };
    let default = h.group(2).config().clone();
    h.group(2).set_config(strict);
    let refused = h
        .group(2)
        .process_message(&created.commit, later)
        .unwrap_err();
    assert!(
        matches!(refused, Error::Proposal(_) | Error::Tree(_)),
        "{refused:?}"
    );
    h.group(2).set_config(default);
    let Processed::Commit(staged) = h.group(2).process_message(&created.commit, later).unwrap()
    else {
        panic!("not a commit");
    };
    h.group(2).merge_staged_commit(*staged).unwrap();
    let authenticator = h.group(0).epoch_authenticator().clone();
    assert_eq!(h.group(2).epoch_authenticator(), &authenticator);
    // The committer itself checks the current time (the send policy).
    let expired = KeyPackageBundle::generate_with_new_signature_key(
        &crypto(),
        Credential::basic(b"expired".to_vec()),
        &options,
        NOW,
        &mut rng,
    )
    .unwrap();
    let add = Proposal::Add(Add {
        key_package: expired.key_package().clone(),
    });
    let err = h
        .group(1)
        .create_commit(CommitOptions::with_proposals(vec![add]), later, &mut rng)
        .unwrap_err();
    assert!(matches!(err, Error::Proposal(_)), "{err:?}");
    let _ = WireFormatPolicy::default();
}

/// RFC 9420 §12.2: a committer removing a member by value while that
/// member's Update is pending leaves the Update out (found by the interop
/// tests).
#[test]
fn a_pending_update_of_a_member_removed_by_value_is_dropped() {
    let mut h = Harness::new(SUITE_1, GroupConfig::default(), 65);
    let joiners = h.new_key_packages(2);
    h.commit(0, CommitOptions::default(), joiners).unwrap();
    h.propose_update(2).unwrap();
    let update: Vec<_> = h
        .group(0)
        .pending_proposals()
        .map(|p| p.0.clone())
        .collect();
    let removed = h.group(2).own_leaf();
    let remove = Proposal::Remove(rfc9420::messages::Remove { removed });
    let created = h
        .group(0)
        .create_commit(
            CommitOptions::with_proposals(vec![remove]),
            NOW,
            &mut TestRng::new(650),
        )
        .unwrap();
    assert_eq!(created.dropped, update);
    assert_eq!(created.staged.effects().removed.len(), 1);
    assert!(created.staged.effects().updated.is_empty());
}

/// An external PSK `id` with a nonce of `KDF.Nh` bytes.
fn external_psk(id: &[u8], nonce: u8) -> PreSharedKeyId {
    PreSharedKeyId {
        psk: PskKind::External {
            psk_id: id.to_vec(),
        },
        psk_nonce: vec![nonce; crypto().hash_len()],
    }
}

/// RFC 9420 §8.4 (R-8.4-01): the Welcome's GroupSecrets name the commit's
/// PSKs in the commit's order, and the joiner derives the same epoch.
#[test]
fn the_welcome_names_the_commits_psks_in_order() {
    use rfc9420::group::JoinOptions;
    use rfc9420::group::welcome::decrypt_group_secrets;
    let mut h = Harness::new(SUITE_1, GroupConfig::default(), 66);
    let joiner = h.new_key_packages(1).remove(0);
    let mut options = JoinOptions::default();
    for id in [b"psk a".as_slice(), b"psk b"] {
        let secret = rfc9420::crypto::Secret::new(id.repeat(4));
        h.group(0).psks_mut().insert(id.to_vec(), secret.clone());
        options.psks.insert(id.to_vec(), secret);
    }
    // Not in alphabetical order, to catch a sorted copy.
    let ids = vec![external_psk(b"psk b", 1), external_psk(b"psk a", 2)];
    let mut proposals: Vec<Proposal> = ids
        .iter()
        .map(|psk| Proposal::PreSharedKey(PreSharedKey { psk: psk.clone() }))
        .collect();
    proposals.push(Proposal::Add(Add {
        key_package: joiner.key_package().clone(),
    }));
    let created = h
        .group(0)
        .create_commit(
            CommitOptions::with_proposals(proposals),
            NOW,
            &mut TestRng::new(660),
        )
        .unwrap();
    assert_eq!(created.staged.effects().psks, ids);
    let welcome = created.welcome.unwrap();
    let MlsMessageBody::Welcome(w) = rfc9420::codec::decode_exact::<MlsMessage>(&welcome)
        .unwrap()
        .body
    else {
        panic!("not a Welcome");
    };
    let secrets = decrypt_group_secrets(
        &crypto(),
        &w,
        joiner.key_package(),
        joiner.init_private_key(),
    )
    .unwrap();
    assert_eq!(secrets.psks, ids);
    h.group(0).merge_pending_commit().unwrap();
    let joined = rfc9420::group::Group::join(
        rfc9420::RustCryptoProvider,
        GroupConfig::default(),
        &welcome,
        &joiner,
        options,
        NOW,
    )
    .unwrap();
    assert_eq!(
        joined.epoch_authenticator(),
        h.group(0).epoch_authenticator()
    );
}

/// RFC 9420 §8.6 (R-8.6-01): only `max_resumption_psks` past epochs'
/// resumption PSKs are kept; an older one is unknown.
#[test]
fn only_max_resumption_psks_past_epochs_are_kept() {
    let config = GroupConfig {
        max_resumption_psks: 2,
        ..GroupConfig::default()
    };
    let mut h = Harness::new(SUITE_1, config, 67);
    for _ in 0..4 {
        h.commit(0, CommitOptions::default(), vec![]).unwrap();
    }
    assert_eq!(h.group(0).epoch(), 4);
    let resumption = |epoch: u64, group_id: &[u8]| PreSharedKeyId {
        psk: PskKind::Resumption {
            usage: rfc9420::messages::ResumptionPskUsage::Application,
            psk_group_id: group_id.to_vec(),
            psk_epoch: epoch,
        },
        psk_nonce: vec![5; crypto().hash_len()],
    };
    let group_id = h.group(0).group_id().to_vec();
    let mut rng = TestRng::new(670);
    // The current epoch and the two before it are available.
    for epoch in [4, 3, 2] {
        let psk = Proposal::PreSharedKey(PreSharedKey {
            psk: resumption(epoch, &group_id),
        });
        h.group(0)
            .create_commit(CommitOptions::with_proposals(vec![psk]), NOW, &mut rng)
            .unwrap();
        h.group(0).clear_pending_commit();
    }
    // The older ones are gone: the error names the group and epoch.
    for epoch in [1, 0] {
        let id = resumption(epoch, &group_id);
        let psk = Proposal::PreSharedKey(PreSharedKey { psk: id });
        let before = h.group(0).to_bytes().unwrap();
        let e = h
            .group(0)
            .create_commit(CommitOptions::with_proposals(vec![psk]), NOW, &mut rng)
            .unwrap_err();
        assert_eq!(
            e,
            rfc9420::group::ProposalError::ResumptionPskNotKept {
                group_id: group_id.clone(),
                epoch
            }
            .into()
        );
        assert_eq!(*h.group(0).to_bytes().unwrap(), *before);
    }
    // A future epoch is not "no longer kept" but unknown.
    let id = resumption(5, &group_id);
    let psk = Proposal::PreSharedKey(PreSharedKey { psk: id.clone() });
    let e = h
        .group(0)
        .create_commit(CommitOptions::with_proposals(vec![psk]), NOW, &mut rng)
        .unwrap_err();
    assert_eq!(
        e,
        rfc9420::group::ProposalError::UnknownPsk(Box::new(id)).into()
    );
}

/// RFC 9420 §12.4 (R-12.4-03): a commit that leaves out a valid pending
/// proposal is accepted; the receivers drop the proposal with the epoch.
#[test]
fn a_commit_may_leave_out_a_valid_pending_proposal() {
    let mut h = Harness::new(SUITE_1, GroupConfig::default(), 68);
    let joiners = h.new_key_packages(2);
    h.commit(0, CommitOptions::default(), joiners).unwrap();
    h.propose_update(1).unwrap();
    assert_eq!(h.group(0).pending_proposals().count(), 1);
    let options = CommitOptions {
        include_pending: false,
        ..CommitOptions::default()
    };
    h.commit(2, options, vec![]).unwrap();
    assert_eq!(h.group(0).epoch(), 2);
    assert_eq!(h.group(0).pending_proposals().count(), 0);
    h.assert_agree();
}

/// RFC 9420 §14 (R-14-01): creating a commit changes nothing but the
/// pending commit (with PublicMessage handshakes no key is used).
#[test]
fn creating_a_commit_changes_no_state() {
    let config = GroupConfig {
        wire_format: WireFormatPolicy::MIXED_PUBLIC,
        ..GroupConfig::default()
    };
    let mut h = Harness::new(SUITE_1, config, 69);
    let joiners = h.new_key_packages(2);
    h.commit(0, CommitOptions::default(), joiners).unwrap();
    h.propose_update(2).unwrap();
    let joiner = h.new_key_packages(1).remove(0);
    let before = h.group(0).to_bytes().unwrap();
    let add = Proposal::Add(Add {
        key_package: joiner.key_package().clone(),
    });
    let created = h
        .group(0)
        .create_commit(
            CommitOptions::with_proposals(vec![add]),
            NOW,
            &mut TestRng::new(690),
        )
        .unwrap();
    assert_eq!(created.staged.effects().updated.len(), 1);
    assert!(h.group(0).has_pending_commit());
    h.group(0).clear_pending_commit();
    assert_eq!(*h.group(0).to_bytes().unwrap(), *before);
    assert_eq!(h.group(0).epoch(), 1);
}

/// RFC 9420 §15.2 (R-15.2-01): after a commit, application messages use
/// the new epoch's keys; one sent before the merge is of the old epoch.
#[test]
fn application_messages_use_the_epoch_of_the_merged_commit() {
    let mut h = Harness::new(SUITE_1, GroupConfig::default(), 70);
    let joiners = h.new_key_packages(1);
    h.commit(0, CommitOptions::default(), joiners).unwrap();
    let mut rng = TestRng::new(700);
    let created = h
        .group(0)
        .create_commit(CommitOptions::default(), NOW, &mut rng)
        .unwrap();
    let early = h.group(0).create_message(b"early", b"", &mut rng).unwrap();
    h.group(0).merge_pending_commit().unwrap();
    let late = h.group(0).create_message(b"late", b"", &mut rng).unwrap();
    let epoch_of = |bytes: &[u8]| {
        let MlsMessageBody::PrivateMessage(m) = rfc9420::codec::decode_exact::<MlsMessage>(bytes)
            .unwrap()
            .body
        else {
            panic!("not a PrivateMessage");
        };
        m.epoch
    };
    assert_eq!(epoch_of(&early), 1);
    assert_eq!(epoch_of(&late), 2);
    let Processed::Commit(staged) = h.group(1).process_message(&created.commit, NOW).unwrap()
    else {
        panic!("not a commit");
    };
    h.group(1).merge_staged_commit(*staged).unwrap();
    for (message, epoch, text) in [(&late, 2, b"late".as_slice()), (&early, 1, b"early")] {
        let Processed::Application(m) = h.group(1).process_message(message, NOW).unwrap() else {
            panic!("not application data");
        };
        assert_eq!((m.epoch, m.data.as_slice()), (epoch, text));
    }
}

/// RFC 9420 §8.4 (R-8.4-02): the PSK helpers draw a fresh nonce of
/// `KDF.Nh` bytes from the caller's RNG for every PSK proposed.
#[test]
fn psk_ids_get_a_fresh_nonce_of_kdf_nh_bytes() {
    let mut rng = TestRng::new(710);
    for (suite, nh) in [
        (SUITE_1, 32),
        (CipherSuite::MLS_256_DHKEMP384_AES256GCM_SHA384_P384, 48),
        (CipherSuite::MLS_256_DHKEMX448_AES256GCM_SHA512_ED448, 64),
    ] {
        let crypto = SuiteCrypto::new(&RustCryptoProvider, suite).unwrap();
        let a = PreSharedKeyId::external(&crypto, b"k".to_vec(), &mut rng);
        let b = PreSharedKeyId::external(&crypto, b"k".to_vec(), &mut rng);
        let r = PreSharedKeyId::resumption(&crypto, b"g".to_vec(), 3, &mut rng);
        assert_eq!([a.psk_nonce.len(), r.psk_nonce.len()], [nh, nh]);
        assert_ne!(a.psk_nonce, b.psk_nonce);
        assert_eq!(
            r.psk,
            PskKind::Resumption {
                usage: rfc9420::messages::ResumptionPskUsage::Application,
                psk_group_id: b"g".to_vec(),
                psk_epoch: 3
            }
        );
    }
    let mut h = Harness::new(SUITE_1, GroupConfig::default(), 71);
    let joiners = h.new_key_packages(1);
    h.commit(0, CommitOptions::default(), joiners).unwrap();
    // A PSK this member does not hold is refused before anything is sent.
    let before = h.group(0).to_bytes().unwrap();
    let e = h
        .group(0)
        .propose_external_psk(b"absent".to_vec(), b"", NOW, &mut rng)
        .unwrap_err();
    assert!(
        matches!(&e, Error::Proposal(rfc9420::group::ProposalError::UnknownPsk(id))
            if id.psk == PskKind::External { psk_id: b"absent".to_vec() }),
        "{e:?}"
    );
    assert_eq!(*h.group(0).to_bytes().unwrap(), *before);
    for g in [0, 1] {
        let secret = rfc9420::crypto::Secret::new(vec![4; 32]);
        h.group(g).psks_mut().insert(b"shared".to_vec(), secret);
    }
    let (message, _, external) = h
        .group(0)
        .propose_external_psk(b"shared".to_vec(), b"", NOW, &mut rng)
        .unwrap();
    let (message2, _, resumption) = h
        .group(0)
        .propose_resumption_psk(1, b"", NOW, &mut rng)
        .unwrap();
    for m in [&message, &message2] {
        assert!(matches!(
            h.group(1).process_message(m, NOW).unwrap(),
            Processed::Proposal(_)
        ));
    }
    let created = h
        .group(1)
        .create_commit(CommitOptions::default(), NOW, &mut rng)
        .unwrap();
    assert_eq!(created.staged.effects().psks, vec![external, resumption]);
}
