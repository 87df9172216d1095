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
