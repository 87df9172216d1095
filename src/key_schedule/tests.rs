use super::*;
use crate::codec::Encode;
use crate::crypto::{CipherSuite, CryptoError, RustCryptoProvider, Secret, SuiteCrypto};
use crate::error::Error;
use crate::framing::{
    AuthenticatedContent, ConfirmedTranscriptHashInput, ContentType, FramedContent,
    FramedContentAuthData, FramedContentBody, FramingError, Sender,
};
use crate::messages::{Commit, PreSharedKeyId, PskKind, ResumptionPskUsage, WireFormat};
use crate::tree::LeafIndex;

fn suite_of(suite: CipherSuite) -> SuiteCrypto<'static> {
    SuiteCrypto::new(&RustCryptoProvider, suite).unwrap()
}

fn suite() -> SuiteCrypto<'static> {
    suite_of(CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519)
}

fn ks_err<T: core::fmt::Debug>(r: Result<T, Error>) -> KeyScheduleError {
    match r {
        Err(Error::KeySchedule(e)) => e,
        other => panic!("expected a key schedule error, got {other:?}"),
    }
}

fn secret(byte: u8, len: usize) -> Secret {
    Secret::new(vec![byte; len])
}

fn external(id: &[u8], nonce_byte: u8) -> PreSharedKeyId {
    PreSharedKeyId {
        psk: PskKind::External {
            psk_id: id.to_vec(),
        },
        psk_nonce: vec![nonce_byte; 32],
    }
}

/// The §8.4 chain written out for one PSK.
fn one_psk_by_hand(s: &SuiteCrypto<'_>, id: &PreSharedKeyId, psk: &Secret) -> Secret {
    let zero = [0u8; 32];
    let extracted = s.extract(&zero, psk.as_bytes()).unwrap();
    // PSKLabel { id, index = 0, count = 1 }
    let mut label = vec![1]; // psktype external
    label.push(u8::try_from(id_bytes(id).len()).unwrap());
    label.extend_from_slice(id_bytes(id));
    label.push(32);
    label.extend_from_slice(&id.psk_nonce);
    label.extend_from_slice(&[0, 0, 0, 1]);
    let input = s
        .expand_with_label(extracted.as_bytes(), "derived psk", &label, 32)
        .unwrap();
    // psk_secret_[1] = KDF.Extract(psk_input_[0], psk_secret_[0] = 0)
    s.extract(input.as_bytes(), &zero).unwrap()
}

fn id_bytes(id: &PreSharedKeyId) -> &[u8] {
    match &id.psk {
        PskKind::External { psk_id } => psk_id,
        PskKind::Resumption { .. } => unreachable!(),
    }
}

#[test]
fn psk_secret_without_psks_is_all_zero() {
    for cs in CipherSuite::ALL {
        let s = suite_of(cs);
        let got = psk_secret(&s, []).unwrap();
        assert_eq!(got, Secret::zero(s.hash_len()));
        assert_eq!(got, zero_psk_secret(&s));
    }
}

#[test]
fn psk_secret_with_one_psk() {
    let s = suite();
    let psk = secret(0x11, 32);
    let id = external(b"abc", 7);
    let got = psk_secret(&s, [(&id, &psk)]).unwrap();
    assert_eq!(got, one_psk_by_hand(&s, &id, &psk));
    assert_ne!(got, zero_psk_secret(&s));
}

#[test]
fn psk_secret_with_several_psks_depends_on_order_and_count() {
    let s = suite();
    let (a, b, c) = (secret(1, 32), secret(2, 16), secret(3, 64));
    let (ia, ib) = (external(b"id-a", 1), external(b"id-b", 2));
    let ic = PreSharedKeyId {
        psk: PskKind::Resumption {
            usage: ResumptionPskUsage::Application,
            psk_group_id: b"group".to_vec(),
            psk_epoch: 3,
        },
        psk_nonce: vec![3; 32],
    };
    let abc = psk_secret(&s, [(&ia, &a), (&ib, &b), (&ic, &c)]).unwrap();
    let bac = psk_secret(&s, [(&ib, &b), (&ia, &a), (&ic, &c)]).unwrap();
    let ab = psk_secret(&s, [(&ia, &a), (&ib, &b)]).unwrap();
    assert_ne!(abc, bac);
    assert_ne!(abc, ab);
    assert_eq!(abc.len(), 32);
    // The same key under another nonce gives another secret.
    let ia2 = external(b"id-a", 9);
    assert_ne!(
        psk_secret(&s, [(&ia, &a)]).unwrap(),
        psk_secret(&s, [(&ia2, &a)]).unwrap()
    );
    // The first link alone differs from the two-link chain's: PSKLabel
    // carries the count.
    let a_only = psk_secret(&s, [(&ia, &a)]).unwrap();
    assert_eq!(a_only, one_psk_by_hand(&s, &ia, &a));
    assert_ne!(ab, a_only);
    // The typed and the encoded forms agree.
    let ea = ia.to_bytes().unwrap();
    let eb = ib.to_bytes().unwrap();
    assert_eq!(
        psk::psk_secret_from_encoded(&s, &[(&ea, &a), (&eb, &b)]).unwrap(),
        ab
    );
}

#[test]
fn psk_count_must_fit_a_uint16() {
    let s = suite();
    let psk = secret(0, 32);
    let id = external(b"x", 0);
    for n in [65_536, 70_000] {
        let many = core::iter::repeat_n((&id, &psk), n);
        assert_eq!(
            ks_err(psk_secret(&s, many)),
            KeyScheduleError::TooManyPsks(n)
        );
    }
}

#[test]
fn exporter_rejects_lengths_beyond_uint16() {
    let s = suite();
    let exporter_secret = secret(9, 32);
    for length in [65_536, usize::MAX] {
        assert_eq!(
            ks_err(export(&s, &exporter_secret, "label", b"ctx", length)),
            KeyScheduleError::ExportTooLong(length)
        );
    }
    // Fits the uint16 but not HKDF-SHA256 (255 * 32 bytes).
    assert!(matches!(
        export(&s, &exporter_secret, "label", b"ctx", 65_535),
        Err(Error::Crypto(CryptoError::KdfOutputTooLong(_)))
    ));
    let out = export(&s, &exporter_secret, "label", b"ctx", 255 * 32).unwrap();
    assert_eq!(out.len(), 255 * 32);
}

#[test]
fn exporter_matches_its_definition() {
    let s = suite();
    let exporter_secret = secret(9, 32);
    let got = export(&s, &exporter_secret, "my label", b"context", 40).unwrap();
    let derived = s
        .expand_with_label(exporter_secret.as_bytes(), "my label", &[], 32)
        .unwrap();
    let want = s
        .expand_with_label(
            derived.as_bytes(),
            "exported",
            &s.hash(b"context").unwrap(),
            40,
        )
        .unwrap();
    assert_eq!(got, want);
    assert_ne!(
        got,
        export(&s, &exporter_secret, "other", b"context", 40).unwrap()
    );
}

#[test]
fn confirmation_tags_verify_and_mismatches_are_reported() {
    let s = suite();
    let key = secret(5, 32);
    let cth = s.hash(b"transcript").unwrap();
    let tag = confirmation_tag(&s, &key, &cth).unwrap();
    verify_confirmation_tag(&s, &key, &cth, &tag).unwrap();
    let mut bad = tag.clone();
    bad[0] ^= 1;
    for wrong in [&bad[..], &tag[..31], &[][..]] {
        assert_eq!(
            ks_err(verify_confirmation_tag(&s, &key, &cth, wrong)),
            KeyScheduleError::ConfirmationTagMismatch
        );
    }
}

fn framed(body: FramedContentBody) -> FramedContent {
    FramedContent {
        group_id: b"group".to_vec(),
        epoch: 4,
        sender: Sender::Member(LeafIndex(2)),
        authenticated_data: vec![],
        content: body,
    }
}

fn empty_commit() -> FramedContentBody {
    FramedContentBody::Commit(Commit {
        proposals: vec![],
        path: None,
    })
}

#[test]
fn transcript_hashes_follow_their_definition() {
    let s = suite();
    let content = framed(empty_commit());
    let signature = [0x51; 64];
    let tag = vec![0xAA; 32];
    let input = ConfirmedTranscriptHashInput::new(WireFormat::PUBLIC_MESSAGE, &content, &signature)
        .unwrap()
        .to_bytes()
        .unwrap();
    // ConfirmedTranscriptHashInput = wire_format || FramedContent || signature<V>
    let mut encoded = vec![0, 1];
    content.encode(&mut encoded).unwrap();
    encoded.extend_from_slice(&[0x40, 0x40]); // varint 64
    encoded.extend_from_slice(&signature);
    assert_eq!(input, encoded);

    let interim_before = s.hash(b"before").unwrap();
    let mut data = interim_before.clone();
    data.extend_from_slice(&encoded);
    let confirmed = confirmed_transcript_hash(&s, &interim_before, &input).unwrap();
    assert_eq!(confirmed, s.hash(&data).unwrap());

    // InterimTranscriptHashInput = confirmation_tag<V>
    let mut data = confirmed.clone();
    data.push(32);
    data.extend_from_slice(&tag);
    let interim = interim_transcript_hash(&s, &confirmed, &tag).unwrap();
    assert_eq!(interim, s.hash(&data).unwrap());

    let whole = AuthenticatedContent {
        wire_format: WireFormat::PUBLIC_MESSAGE,
        content: content.clone(),
        auth: FramedContentAuthData {
            signature: signature.to_vec(),
            confirmation_tag: Some(tag),
        },
    };
    let hashes = whole.transcript_hashes(&s, &interim_before).unwrap();
    assert_eq!(
        hashes,
        TranscriptHashes {
            confirmed: confirmed.clone(),
            interim
        }
    );
    // A joiner gets the same from the GroupInfo's hash and tag.
    let tag = whole.auth.confirmation_tag.as_deref().unwrap();
    assert_eq!(TranscriptHashes::new(&s, &confirmed, tag).unwrap(), hashes);
}

#[test]
fn transcript_hashes_need_a_commit_with_a_tag() {
    let s = suite();
    let application = framed(FramedContentBody::Application(b"hi".to_vec()));
    assert_eq!(
        ConfirmedTranscriptHashInput::new(WireFormat::PRIVATE_MESSAGE, &application, &[]),
        Err(FramingError::NotACommit {
            content_type: ContentType::Application
        })
    );
    let mut whole = AuthenticatedContent {
        wire_format: WireFormat::PUBLIC_MESSAGE,
        content: application,
        auth: FramedContentAuthData::default(),
    };
    assert_eq!(
        whole.transcript_hashes(&s, &[]).unwrap_err(),
        Error::Framing(FramingError::NotACommit {
            content_type: ContentType::Application
        })
    );
    whole.content = framed(empty_commit());
    assert_eq!(
        whole.transcript_hashes(&s, &[]).unwrap_err(),
        Error::Framing(FramingError::MissingConfirmationTag)
    );
}

#[test]
fn epoch_keys_agree_with_the_joiner_path() {
    let s = suite();
    let (init, commit, psk) = (secret(1, 32), secret(2, 32), zero_psk_secret(&s));
    let gc = b"serialized group context";
    let keys = EpochKeys::derive(&s, &init, &commit, &psk, gc).unwrap();
    // A new member gets only the joiner secret.
    let joiner = JoinerSecret::from_secret(&s, keys.joiner_secret.as_secret().clone()).unwrap();
    assert_eq!(
        joiner.welcome_secret(&s, &psk).unwrap(),
        keys.welcome_secret
    );
    assert_eq!(joiner.epoch_secrets(&s, &psk, gc).unwrap(), keys.secrets);
    // Every derived secret is distinct and Nh long.
    let e = &keys.secrets;
    let all = [
        &e.sender_data_secret,
        &e.encryption_secret,
        &e.exporter_secret,
        &e.external_secret,
        &e.confirmation_key,
        &e.membership_key,
        &e.resumption_psk,
        &e.epoch_authenticator,
        &e.init_secret,
    ];
    for (i, a) in all.iter().enumerate() {
        assert_eq!(a.len(), 32);
        for b in &all[i + 1..] {
            assert_ne!(a, b);
        }
    }
    // The group context is bound in.
    let other = EpochKeys::derive(&s, &init, &commit, &psk, b"other context").unwrap();
    assert_ne!(other.joiner_secret, keys.joiner_secret);
    assert_ne!(other.secrets, keys.secrets);
    let kn = keys.welcome_secret.key_nonce(&s).unwrap();
    assert_eq!((kn.key().len(), kn.nonce().len()), (16, 12));
}

#[test]
fn wrong_length_secrets_are_rejected() {
    let s = suite();
    assert_eq!(
        ks_err(JoinerSecret::from_secret(&s, secret(1, 31))),
        KeyScheduleError::InvalidSecretLength {
            what: SecretKind::JoinerSecret,
            expected: 32,
            got: 31
        }
    );
    assert_eq!(
        ks_err(EpochSecrets::from_epoch_secret(&s, &secret(1, 64))),
        KeyScheduleError::InvalidSecretLength {
            what: SecretKind::EpochSecret,
            expected: 32,
            got: 64
        }
    );
    let joiner = JoinerSecret::from_secret(&s, secret(1, 32)).unwrap();
    assert_eq!(
        ks_err(joiner.welcome_secret(&s, &secret(0, 0))),
        KeyScheduleError::InvalidSecretLength {
            what: SecretKind::PskSecret,
            expected: 32,
            got: 0
        }
    );
}

#[test]
fn new_group_secrets_are_random_and_complete() {
    let s = suite();
    let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
    let a = EpochSecrets::for_new_group(&s, &mut rng).unwrap();
    let b = EpochSecrets::for_new_group(&s, &mut rng).unwrap();
    assert_ne!(a, b);
    let (_, public) = a.external_key_pair(&s).unwrap();
    assert_eq!(public.0.len(), 32);
}

#[test]
fn sender_data_sample_is_the_first_nh_bytes() {
    let s = suite();
    let sds = secret(3, 32);
    let mut ciphertext = vec![0x42u8; 40];
    let a = sender_data_key_nonce(&s, &sds, &ciphertext).unwrap();
    ciphertext[32] ^= 0xFF; // beyond the sample
    assert_eq!(sender_data_key_nonce(&s, &sds, &ciphertext).unwrap(), a);
    ciphertext[31] ^= 0xFF; // inside it
    assert_ne!(sender_data_key_nonce(&s, &sds, &ciphertext).unwrap(), a);
    // Short ciphertexts are used whole.
    let short = sender_data_key_nonce(&s, &sds, &[0x42; 5]).unwrap();
    let by_hand = s
        .expand_with_label(sds.as_bytes(), "key", &[0x42; 5], 16)
        .unwrap();
    assert_eq!(*short.key(), by_hand);
    assert_eq!(short.nonce().len(), 12);
    sender_data_key_nonce(&s, &sds, &[]).unwrap();
}
