//! Malformed encodings of real messages (RFC 9420 §2.1, §6).

use rfc9420::codec::Encode;
use rfc9420::codec::{DecodeError, Reader, decode_exact};
use rfc9420::framing::{ContentType, PrivateMessageContent};
use rfc9420::framing::{MlsMessage, MlsMessageBody};
use rfc9420::messages::{Commit, Credential, CredentialType, GroupSecrets, KeyPackage, Welcome};

use super::{MLS_MESSAGE_FIELDS, message_field, messages};

/// The offset in `all` that the reader `r` over a suffix of `all` is at.
fn offset(all: &[u8], r: &Reader<'_>) -> usize {
    all.len() - r.remaining()
}

/// Skips `n` opaque vectors.
fn skip_opaque(r: &mut Reader<'_>, n: usize) {
    for _ in 0..n {
        r.read_opaque().unwrap();
    }
}

#[test]
fn non_minimal_one_byte_header_in_a_key_package() {
    // messages.json vector 0, mls_key_package: version, wire_format,
    // KeyPackage.version and cipher_suite, then the init_key header.
    let kp = message_field(0, "mls_key_package");
    let len = kp[8];
    assert!(len < 64, "init_key header is one byte");
    decode_exact::<MlsMessage>(&kp).unwrap();

    let mut bad = kp[..8].to_vec();
    bad.extend_from_slice(&[0x40, len]);
    bad.extend_from_slice(&kp[9..]);
    assert_eq!(
        decode_exact::<MlsMessage>(&bad),
        Err(DecodeError::NonMinimalVarint {
            value: u64::from(len)
        })
    );
}

#[test]
fn non_minimal_two_byte_header_in_a_welcome() {
    // messages.json vector 0, mls_welcome: version, wire_format,
    // cipher_suite, then the header of `secrets<V>`.
    let welcome = message_field(0, "mls_welcome");
    let header = &welcome[6..8];
    assert_eq!(header[0] >> 6, 1, "secrets header is two bytes");
    let len = u16::from_be_bytes([header[0] & 0x3f, header[1]]);

    let mut bad = welcome[..6].to_vec();
    bad.extend_from_slice(&[0x80, 0, header[0] & 0x3f, header[1]]);
    bad.extend_from_slice(&welcome[8..]);
    assert_eq!(
        decode_exact::<MlsMessage>(&bad),
        Err(DecodeError::NonMinimalVarint {
            value: u64::from(len)
        })
    );
    // The same bytes as a bare Welcome.
    assert_eq!(
        decode_exact::<Welcome>(&bad[4..]),
        Err(DecodeError::NonMinimalVarint {
            value: u64::from(len)
        })
    );
}

#[test]
fn every_strict_prefix_of_a_message_is_truncated() {
    for index in 0..messages().len() {
        for field in MLS_MESSAGE_FIELDS {
            let bytes = message_field(index, field);
            decode_exact::<MlsMessage>(&bytes).unwrap();
            for cut in 0..bytes.len() {
                let err = decode_exact::<MlsMessage>(&bytes[..cut]).unwrap_err();
                assert!(
                    matches!(
                        err,
                        DecodeError::Truncated { .. } | DecodeError::LengthExceedsInput { .. }
                    ),
                    "vector {index} {field}, prefix {cut}: {err:?}"
                );
            }
        }
    }
}

#[test]
fn truncation_errors_carry_the_exact_shortfall() {
    let gi = message_field(0, "mls_group_info");
    // Cut inside the two-byte wire format.
    assert_eq!(
        decode_exact::<MlsMessage>(&gi[..3]),
        Err(DecodeError::Truncated { need: 2, have: 1 })
    );
    // Without the last byte, the final vector (the signature) comes up one
    // byte short.
    let MlsMessageBody::GroupInfo(group_info) = decode_exact::<MlsMessage>(&gi).unwrap().body
    else {
        panic!("mls_group_info is not a GroupInfo");
    };
    let signature_len = group_info.signature.len();
    assert!(signature_len > 0);
    assert_eq!(
        decode_exact::<MlsMessage>(&gi[..gi.len() - 1]),
        Err(DecodeError::LengthExceedsInput {
            declared: signature_len,
            available: signature_len - 1
        })
    );
}

#[test]
fn length_prefix_larger_than_the_input() {
    // messages.json vector 0, mls_group_info: the GroupContext's group_id
    // header (after version, wire_format, GroupContext.version and
    // cipher_suite) set to the largest length, 2^30 - 1.
    let gi = message_field(0, "mls_group_info");
    let len = usize::from(gi[8]);
    assert!(len < 64);
    let mut bad = gi[..8].to_vec();
    bad.extend_from_slice(&[0xbf, 0xff, 0xff, 0xff]);
    bad.extend_from_slice(&gi[9..]);
    assert_eq!(
        decode_exact::<MlsMessage>(&bad),
        Err(DecodeError::LengthExceedsInput {
            declared: (1 << 30) - 1,
            available: gi.len() - 9
        })
    );
}

#[test]
fn length_prefix_larger_than_the_enclosing_vector() {
    // messages.json vector 0, mls_welcome: the first EncryptedGroupSecrets'
    // new_member header (one byte) is replaced by a two-byte header that
    // claims the whole `secrets<V>` body. The body is delimited by its own
    // unchanged header, so only body_len - 2 bytes follow the new header,
    // although the whole message would hold the claimed length.
    let welcome = message_field(0, "mls_welcome");
    let mut r = Reader::new(&welcome[6..]);
    let body_len = r.read_vector().unwrap().remaining();
    let at = welcome.len() - r.remaining() - body_len;
    assert_eq!(welcome[at] >> 6, 0, "new_member header is one byte");
    let declared = body_len;
    let declared_header = u16::try_from(declared).unwrap();
    assert!((64..16384).contains(&declared));
    assert!(welcome.len() - at - 2 >= declared);

    let mut bad = welcome[..at].to_vec();
    bad.extend_from_slice(&(0x4000 | declared_header).to_be_bytes());
    bad.extend_from_slice(&welcome[at + 1..]);
    assert_eq!(
        decode_exact::<MlsMessage>(&bad),
        Err(DecodeError::LengthExceedsInput {
            declared,
            available: body_len - 2,
        })
    );
}

#[test]
fn optional_presence_octet_of_two() {
    // messages.json vector 0, group_secrets: joiner_secret<V>, then the
    // presence octet of optional<PathSecret>.
    let gs = message_field(0, "group_secrets");
    let mut r = Reader::new(&gs);
    skip_opaque(&mut r, 1);
    let at = offset(&gs, &r);
    assert!(gs[at] <= 1);
    let mut bad = gs.clone();
    bad[at] = 2;
    assert_eq!(
        decode_exact::<GroupSecrets>(&bad),
        Err(DecodeError::InvalidOptional(2))
    );

    // messages.json vector 0, commit: proposals<V>, then the presence octet
    // of optional<UpdatePath>.
    let commit = message_field(0, "commit");
    let mut r = Reader::new(&commit);
    skip_opaque(&mut r, 1);
    let at = offset(&commit, &r);
    let mut bad = commit.clone();
    bad[at] = 2;
    assert_eq!(
        decode_exact::<Commit>(&bad),
        Err(DecodeError::InvalidOptional(2))
    );
}

#[test]
fn unknown_wire_format() {
    for wire_format in [0u16, 6, 0x0a0a, 0xffff] {
        for field in MLS_MESSAGE_FIELDS {
            let mut bad = message_field(0, field);
            bad[2..4].copy_from_slice(&wire_format.to_be_bytes());
            assert_eq!(
                decode_exact::<MlsMessage>(&bad),
                Err(DecodeError::UnknownValue {
                    field: rfc9420::codec::Field::WireFormat,
                    value: u64::from(wire_format)
                }),
                "{field}"
            );
        }
    }
}

#[test]
fn trailing_bytes_after_a_message() {
    for field in MLS_MESSAGE_FIELDS {
        for extra in [&[0u8][..], &[1, 2, 3]] {
            let mut bad = message_field(0, field);
            bad.extend_from_slice(extra);
            assert_eq!(
                decode_exact::<MlsMessage>(&bad),
                Err(DecodeError::TrailingBytes(extra.len())),
                "{field}"
            );
        }
    }
}

#[test]
fn unknown_content_and_sender_types_in_a_public_message() {
    // messages.json vector 0, public_message_commit: after version and
    // wire_format, FramedContent: group_id<V>, epoch, sender.
    let pm = message_field(0, "public_message_commit");
    let mut r = Reader::new(&pm[4..]);
    skip_opaque(&mut r, 1);
    r.take(8).unwrap();
    let sender_at = offset(&pm, &r);
    for bad_type in [0u8, 5] {
        let mut bad = pm.clone();
        bad[sender_at] = bad_type;
        assert_eq!(
            decode_exact::<MlsMessage>(&bad),
            Err(DecodeError::UnknownValue {
                field: rfc9420::codec::Field::SenderType,
                value: u64::from(bad_type)
            })
        );
    }
    let sender_len = match pm[sender_at] {
        1 | 2 => 5,
        _ => 1,
    };
    r.take(sender_len).unwrap();
    skip_opaque(&mut r, 1);
    let content_type_at = offset(&pm, &r);
    assert_eq!(pm[content_type_at], ContentType::Commit as u8);
    for bad_type in [0u8, 4] {
        let mut bad = pm.clone();
        bad[content_type_at] = bad_type;
        assert_eq!(
            decode_exact::<MlsMessage>(&bad),
            Err(DecodeError::UnknownValue {
                field: rfc9420::codec::Field::ContentType,
                value: u64::from(bad_type)
            })
        );
    }
}

#[test]
fn unknown_credential_type_decodes_as_other() {
    // messages.json vector 0, mls_key_package: after version, wire_format,
    // KeyPackage.version and cipher_suite: init_key, then the LeafNode's
    // encryption_key and signature_key, then the credential type. RFC 9420
    // §5.3, §13.3: a credential of another type is the application's to
    // judge; it decodes (content `opaque<V>`) and encodes back unchanged.
    let kp = message_field(0, "mls_key_package");
    let mut r = Reader::new(&kp[8..]);
    skip_opaque(&mut r, 3);
    let at = offset(&kp, &r);
    let mut other = kp.clone();
    other[at..at + 2].copy_from_slice(&[0xf0, 0x0f]);
    let decoded = decode_exact::<KeyPackage>(&other[4..]).unwrap();
    let credential = &decoded.leaf_node.credential;
    assert_eq!(credential.credential_type(), CredentialType(0xf00f));
    assert!(matches!(credential, Credential::Other { .. }));
    assert_eq!(decoded.to_bytes().unwrap(), other[4..]);
}

#[test]
fn non_zero_padding_in_private_message_content() {
    // A commit plaintext built from messages.json vector 0's commit:
    // the commit, a signature, a confirmation tag, then padding.
    let commit = message_field(0, "commit");
    let mut plaintext = commit.clone();
    plaintext.extend_from_slice(&[2, 0xaa, 0xbb, 1, 0xcc]);
    plaintext.extend_from_slice(&[0; 16]);
    let ok = PrivateMessageContent::decode_for(ContentType::Commit, &plaintext).unwrap();
    assert_eq!(ok.padding, 16);
    plaintext[commit.len() + 5 + 15] = 1;
    assert_eq!(
        PrivateMessageContent::decode_for(ContentType::Commit, &plaintext),
        Err(DecodeError::NonZeroPadding { offset: 15 })
    );
    // Read as application data, the same plaintext is malformed at once.
    assert!(PrivateMessageContent::decode_for(ContentType::Application, &plaintext).is_err());
}
