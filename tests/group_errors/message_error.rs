//! MessageError: messages a group cannot take, whatever their content (RFC 9420 §6, §12.1.8).

use super::*;

#[test]
fn unsupported_version() {
    let mut h = group_of(2, GroupConfig::default(), 1);
    let mut rng = TestRng::new(10);
    let mut message = h.group(1).create_message(b"hi", b"", &mut rng).unwrap();
    // MLSMessage.version is the first field.
    message[..2].copy_from_slice(&2u16.to_be_bytes());
    let want = MessageError::UnsupportedVersion(ProtocolVersion(2));
    refuse(h.group(0), &message, want.into());
}

#[test]
fn unsupported_version_of_a_welcome() {
    let mut h = group_of(1, GroupConfig::default(), 2);
    let joiner = h.new_key_packages(1).remove(0);
    let options = CommitOptions::with_proposals(vec![Proposal::Add(Add {
        key_package: joiner.key_package().clone(),
    })]);
    let created = h
        .group(0)
        .create_commit(options, NOW, &mut TestRng::new(20));
    let mut welcome = created.unwrap().welcome.unwrap();
    welcome[..2].copy_from_slice(&2u16.to_be_bytes());
    let e = join(&welcome, &joiner, JoinOptions::default()).unwrap_err();
    assert_eq!(
        e,
        MessageError::UnsupportedVersion(ProtocolVersion(2)).into()
    );
}

#[test]
fn unexpected_wire_format() {
    let mut h = group_of(1, GroupConfig::default(), 3);
    let joiner = h.new_key_packages(1).remove(0);
    let options = CommitOptions::with_proposals(vec![Proposal::Add(Add {
        key_package: joiner.key_package().clone(),
    })]);
    let created = h
        .group(0)
        .create_commit(options, NOW, &mut TestRng::new(30))
        .unwrap();
    let welcome = created.welcome.unwrap();
    // A Welcome given to a member.
    let want = MessageError::UnexpectedWireFormat(WireFormat::WELCOME);
    refuse(h.group(0), &welcome, want.into());
    // A commit given to a joiner.
    let e = join(&created.commit, &joiner, JoinOptions::default()).unwrap_err();
    assert_eq!(
        e,
        MessageError::UnexpectedWireFormat(WireFormat::PUBLIC_MESSAGE).into()
    );
}

#[test]
fn sender_not_member() {
    let mut h = group_of(2, GroupConfig::default(), 4);
    // Member 1 signs as leaf 5, outside the two-leaf tree.
    let message = forge(
        h.group(1),
        Sender::Member(LeafIndex(5)),
        FramedContentBody::Proposal(remove(1)),
    );
    let want = MessageError::SenderNotMember(LeafIndex(5));
    refuse(h.group(0), &message, want.into());
}

#[test]
fn unknown_external_sender() {
    let mut h = group_of(2, GroupConfig::default(), 5);
    // The group has no external_senders extension.
    let message = forge(
        h.group(1),
        Sender::External(0),
        FramedContentBody::Proposal(remove(1)),
    );
    let want = MessageError::UnknownExternalSender(0);
    refuse(h.group(0), &message, want.into());
}

/// External commits are not processed by member groups.
#[test]
fn wire_format_refused() {
    let mut h = group_of(2, GroupConfig::default(), 7);
    h.group(0).set_config(GroupConfig {
        wire_format: rfc9420::group::WireFormatPolicy::PURE_PRIVATE,
        ..GroupConfig::default()
    });
    let message = forge_proposal(h.group(1), remove(1));
    let want = MessageError::WireFormatRefused(WireFormat::PUBLIC_MESSAGE);
    refuse(h.group(0), &message, want.into());
}

/// A member's own handshake message coming back (the lead is changing how
/// own messages are recognized: this test stands alone).
#[test]
fn own_message() {
    let mut h = group_of(2, GroupConfig::default(), 8);
    let (proposal, _) = h
        .group(0)
        .propose(remove(1), b"", NOW, &mut TestRng::new(80))
        .unwrap();
    let want = MessageError::OwnMessage {
        content_type: ContentType::Proposal,
    };
    refuse(h.group(0), &proposal, want.into());
    // An own application message, echoed back, is recognised before its
    // spent key is looked up (sent once the proposal is dropped: §12.4).
    let pending: Vec<_> = h
        .group(0)
        .pending_proposals()
        .map(|p| p.0.clone())
        .collect();
    for reference in &pending {
        assert!(h.group(0).remove_pending_proposal(reference));
    }
    let app = h
        .group(0)
        .create_message(b"mine", b"", &mut TestRng::new(81))
        .unwrap();
    let want = MessageError::OwnMessage {
        content_type: ContentType::Application,
    };
    refuse(h.group(0), &app, want.into());
    // An own commit signed with this member's key but not the one it sent
    // (its pending commit is recognised and staged instead).
    let forged = forge_commit(h.group(0), by_value(vec![]));
    let want = MessageError::OwnMessage {
        content_type: ContentType::Commit,
    };
    refuse(h.group(0), &forged, want.into());
}
