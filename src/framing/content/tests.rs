use super::*;
use crate::codec::decode_exact;
use crate::crypto::CipherSuite;
use crate::messages::{Extensions, Remove};

fn content(sender: Sender, body: FramedContentBody) -> FramedContent {
    FramedContent {
        group_id: vec![0xaa],
        epoch: 2,
        sender,
        authenticated_data: vec![],
        content: body,
    }
}

fn context() -> GroupContext {
    GroupContext {
        version: ProtocolVersion::MLS10,
        cipher_suite: CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519,
        group_id: vec![0xaa],
        epoch: 2,
        tree_hash: vec![1],
        confirmed_transcript_hash: vec![2],
        extensions: Extensions::new(),
    }
}

#[test]
fn sender_variants_encode_as_specified() {
    let cases: [(Sender, &[u8]); 4] = [
        (Sender::Member(LeafIndex(0x0102_0304)), &[1, 1, 2, 3, 4]),
        (Sender::External(7), &[2, 0, 0, 0, 7]),
        (Sender::NewMemberProposal, &[3]),
        (Sender::NewMemberCommit, &[4]),
    ];
    for (sender, bytes) in cases {
        assert_eq!(sender.to_bytes().unwrap(), bytes);
        assert_eq!(decode_exact::<Sender>(bytes), Ok(sender));
    }
    for bad in [0u8, 5, 0xff] {
        assert_eq!(
            decode_exact::<Sender>(&[bad]),
            Err(DecodeError::UnknownValue {
                field: crate::codec::Field::SenderType,
                value: u64::from(bad)
            })
        );
    }
    // A member sender needs its four-byte leaf index.
    assert_eq!(
        decode_exact::<Sender>(&[1, 0, 0]),
        Err(DecodeError::Truncated { need: 4, have: 2 })
    );
}

#[test]
fn confirmation_tag_present_exactly_for_commits() {
    let with_tag = FramedContentAuthData {
        signature: vec![5],
        confirmation_tag: Some(vec![6, 6]),
    };
    let without = FramedContentAuthData {
        signature: vec![5],
        confirmation_tag: None,
    };
    let mut out = Vec::new();
    with_tag.encode_for(ContentType::Commit, &mut out).unwrap();
    assert_eq!(out, [1, 5, 2, 6, 6]);
    assert_eq!(
        FramedContentAuthData::decode_for(ContentType::Commit, &mut Reader::new(&out)),
        Ok(with_tag.clone())
    );
    for ct in [ContentType::Application, ContentType::Proposal] {
        let mut out = Vec::new();
        without.encode_for(ct, &mut out).unwrap();
        assert_eq!(out, [1, 5]);
        let mut r = Reader::new(&[1, 5, 2, 6, 6]);
        assert_eq!(
            FramedContentAuthData::decode_for(ct, &mut r),
            Ok(without.clone())
        );
        // The tag bytes are not consumed for non-commit content.
        assert_eq!(r.remaining(), 3);
        assert_eq!(
            with_tag.encode_for(ct, &mut Vec::new()),
            Err(EncodeError::Inconsistent {
                field: crate::codec::Field::ConfirmationTag
            })
        );
    }
    assert_eq!(
        without.encode_for(ContentType::Commit, &mut Vec::new()),
        Err(EncodeError::Inconsistent {
            field: crate::codec::Field::ConfirmationTag
        })
    );
}

#[test]
fn authenticated_content_round_trips_for_each_content_type() {
    let bodies = [
        FramedContentBody::Application(vec![1, 2, 3]),
        FramedContentBody::Proposal(Proposal::Remove(Remove {
            removed: LeafIndex(1),
        })),
        FramedContentBody::Commit(Commit::default()),
    ];
    for body in bodies {
        let is_commit = matches!(body, FramedContentBody::Commit(_));
        let ac = AuthenticatedContent {
            wire_format: WireFormat(0x1234),
            content: content(Sender::Member(LeafIndex(3)), body),
            auth: FramedContentAuthData {
                signature: vec![9; 4],
                confirmation_tag: is_commit.then(|| vec![8; 2]),
            },
        };
        let bytes = ac.to_bytes().unwrap();
        assert_eq!(decode_exact::<AuthenticatedContent>(&bytes), Ok(ac));
    }
}

#[test]
fn unknown_content_type_is_rejected() {
    // group_id, epoch, sender external 0, authenticated_data, content_type 4.
    let mut bytes = vec![0];
    bytes.extend_from_slice(&[0; 8]);
    bytes.extend_from_slice(&[2, 0, 0, 0, 0, 0, 4]);
    assert_eq!(
        decode_exact::<FramedContent>(&bytes),
        Err(DecodeError::UnknownValue {
            field: crate::codec::Field::ContentType,
            value: 4
        })
    );
}

#[test]
fn tbs_includes_group_context_for_member_and_new_member_commit() {
    let ctx = context();
    let ctx_bytes = ctx.to_bytes().unwrap();
    let app = || FramedContentBody::Application(vec![7]);
    for sender in [Sender::Member(LeafIndex(1)), Sender::NewMemberCommit] {
        let c = content(sender, app());
        let tbs = c.tbs_bytes(WireFormat::PUBLIC_MESSAGE, Some(&ctx)).unwrap();
        let mut want = vec![0, 1, 0, 1];
        want.extend(c.to_bytes().unwrap());
        want.extend(&ctx_bytes);
        assert_eq!(tbs, want);
        assert_eq!(
            c.tbs_bytes(WireFormat::PUBLIC_MESSAGE, None),
            Err(EncodeError::Inconsistent {
                field: crate::codec::Field::GroupContext
            })
        );
    }
    for sender in [Sender::External(0), Sender::NewMemberProposal] {
        let c = content(sender, app());
        let mut want = vec![0, 1, 0, 2];
        want.extend(c.to_bytes().unwrap());
        assert_eq!(
            c.tbs_bytes(WireFormat::PRIVATE_MESSAGE, Some(&ctx))
                .unwrap(),
            want
        );
        assert_eq!(
            c.tbs_bytes(WireFormat::PRIVATE_MESSAGE, None).unwrap(),
            want
        );
    }
}
