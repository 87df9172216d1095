use super::*;
use crate::messages::{Commit, Proposal, Remove};

fn auth(content_type: ContentType) -> FramedContentAuthData {
    FramedContentAuthData {
        signature: vec![0xee],
        confirmation_tag: (content_type == ContentType::Commit).then(|| vec![0xcc]),
    }
}

#[test]
fn padding_is_the_zero_tail_for_each_content_type() {
    let bodies = [
        FramedContentBody::Application(vec![1, 2]),
        FramedContentBody::Proposal(Proposal::Remove(Remove {
            removed: LeafIndex(4),
        })),
        FramedContentBody::Commit(Commit::default()),
    ];
    for body in bodies {
        let ct = body.content_type();
        for padding in [0, 1, 31] {
            let pmc = PrivateMessageContent {
                content: body.clone(),
                auth: auth(ct),
                padding,
            };
            let bytes = pmc.to_bytes().unwrap();
            assert!(bytes.ends_with(&vec![0; padding]));
            assert_eq!(PrivateMessageContent::decode_for(ct, &bytes), Ok(pmc));
        }
    }
}

#[test]
fn non_zero_padding_is_rejected() {
    let ct = ContentType::Application;
    let pmc = PrivateMessageContent {
        content: FramedContentBody::Application(vec![5]),
        auth: auth(ct),
        padding: 4,
    };
    let mut bytes = pmc.to_bytes().unwrap();
    assert_eq!(bytes, [1, 5, 1, 0xee, 0, 0, 0, 0]);
    bytes[6] = 0x80;
    assert_eq!(
        PrivateMessageContent::decode_for(ct, &bytes),
        Err(DecodeError::NonZeroPadding { offset: 2 })
    );
    // Read as a proposal, the same bytes are an application-defined
    // Proposal of type 0x0105 with content [0xee], an empty signature,
    // and padding that is not zero.
    assert_eq!(
        PrivateMessageContent::decode_for(ContentType::Proposal, &bytes),
        Err(DecodeError::NonZeroPadding { offset: 1 })
    );
}

#[test]
fn aads_copy_the_message_fields() {
    let m = PrivateMessage {
        group_id: vec![1],
        epoch: 9,
        content_type: ContentType::Commit,
        authenticated_data: vec![2],
        encrypted_sender_data: vec![3],
        ciphertext: vec![4],
    };
    assert_eq!(
        m.sender_data_aad().to_bytes().unwrap(),
        [1, 1, 0, 0, 0, 0, 0, 0, 0, 9, 3]
    );
    assert_eq!(
        m.content_aad().to_bytes().unwrap(),
        [1, 1, 0, 0, 0, 0, 0, 0, 0, 9, 3, 1, 2]
    );
    let sd = SenderData {
        leaf_index: LeafIndex(1),
        generation: 2,
        reuse_guard: [3; 4],
    };
    assert_eq!(sd.to_bytes().unwrap(), [0, 0, 0, 1, 0, 0, 0, 2, 3, 3, 3, 3]);
}

#[test]
fn padding_policies() {
    assert_eq!(Padding::default(), Padding::MultipleOf(32));
    assert_eq!(Padding::DEFAULT.padded_len(0), Some(0));
    assert_eq!(Padding::DEFAULT.padded_len(1), Some(32));
    assert_eq!(Padding::DEFAULT.padded_len(32), Some(32));
    assert_eq!(Padding::DEFAULT.padded_len(33), Some(64));
    assert_eq!(Padding::NONE.padded_len(33), Some(33));
    assert_eq!(Padding::MultipleOf(0).padded_len(5), Some(5));
    assert_eq!(Padding::MultipleOf(1).padded_len(5), Some(5));
    assert_eq!(Padding::Bytes(7).padded_len(5), Some(12));
    assert_eq!(Padding::Bytes(usize::MAX).padded_len(5), None);
    assert_eq!(Padding::MultipleOf(2).padded_len(usize::MAX), None);
}

#[test]
fn plaintext_is_padded_and_bounded() {
    let body = FramedContentBody::Application(vec![9; 3]);
    let auth = auth(ContentType::Application);
    let p = encode_plaintext(&body, &auth, Padding::DEFAULT).unwrap();
    assert_eq!(p.as_slice()[..6], [3, 9, 9, 9, 1, 0xee]);
    assert_eq!(p.len(), 32);
    assert!(p[6..].iter().all(|&b| b == 0));
    assert_eq!(
        PrivateMessageContent::decode_for(ContentType::Application, &p)
            .unwrap()
            .padding,
        26
    );
    assert_eq!(
        encode_plaintext(&body, &auth, Padding::Bytes(MAX_VECTOR_LEN)),
        Err(Error::Framing(FramingError::PlaintextTooLong {
            len: MAX_VECTOR_LEN + 6
        }))
    );
    assert_eq!(
        encode_plaintext(&body, &auth, Padding::Bytes(usize::MAX)),
        Err(Error::Framing(FramingError::PlaintextTooLong {
            len: usize::MAX
        }))
    );
}
