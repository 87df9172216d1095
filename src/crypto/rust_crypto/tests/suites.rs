//! Round trips and rejections, one named test per suite.

use super::*;

all_suites!(signature_round_trip);
fn signature_round_trip(suite: CipherSuite) {
    let mut rng = TestRng::new(1);
    let (sk, pk) = P.signature_key_pair(suite, &mut rng).unwrap();
    assert_eq!(P.signature_public_key(suite, &sk).unwrap(), pk);
    assert_eq!(
        P.import_signature_private_key(suite, sk.as_bytes())
            .unwrap(),
        sk
    );
    let message = [0x5a; 1024];
    let signature = P.sign(suite, &sk, &message).unwrap();
    P.verify(suite, &pk, &message, &signature).unwrap();
    P.verify(suite, &pk, &[], &P.sign(suite, &sk, &[]).unwrap())
        .unwrap();
    if !is_nist(suite) {
        // EdDSA is deterministic; ECDSA (RFC 6979) is too, but peers'
        // signatures need not be, so only EdDSA is compared.
        assert_eq!(P.sign(suite, &sk, &message).unwrap(), signature);
    }
}

all_suites!(signature_rejections);
fn signature_rejections(suite: CipherSuite) {
    let mut rng = TestRng::new(2);
    let (sk, pk) = P.signature_key_pair(suite, &mut rng).unwrap();
    let (_, other_pk) = P.signature_key_pair(suite, &mut rng).unwrap();
    let message = b"the message";
    let signature = P.sign(suite, &sk, message).unwrap();
    let bad = |pk: &SignaturePublicKey, m: &[u8], s: &[u8]| P.verify(suite, pk, m, s).unwrap_err();

    assert_eq!(
        bad(&pk, b"the messagf", &signature),
        CryptoError::InvalidSignature
    );
    assert_eq!(
        bad(&other_pk, message, &signature),
        CryptoError::InvalidSignature
    );
    for i in [0, signature.len() / 2, signature.len() - 1] {
        let mut tampered = signature.clone();
        tampered[i] ^= 0x01;
        assert_eq!(bad(&pk, message, &tampered), CryptoError::InvalidSignature);
    }
    assert_eq!(bad(&pk, message, &[]), CryptoError::InvalidSignature);
    assert_eq!(
        bad(&pk, message, &signature[..signature.len() - 1]),
        CryptoError::InvalidSignature
    );
    let mut longer = signature.clone();
    longer.push(0);
    assert_eq!(bad(&pk, message, &longer), CryptoError::InvalidSignature);
}

all_suites!(malformed_signature_keys);
fn malformed_signature_keys(suite: CipherSuite) {
    let mut rng = TestRng::new(3);
    let (sk, pk) = P.signature_key_pair(suite, &mut rng).unwrap();
    let signature = P.sign(suite, &sk, b"m").unwrap();
    let verify = |pk: Vec<u8>| P.verify(suite, &SignaturePublicKey(pk), b"m", &signature);

    assert_eq!(verify(vec![]), Err(CryptoError::InvalidPublicKey));
    assert_eq!(
        verify(pk.0[1..].to_vec()),
        Err(CryptoError::InvalidPublicKey)
    );
    let mut longer = pk.0.clone();
    longer.push(0);
    assert_eq!(verify(longer), Err(CryptoError::InvalidPublicKey));
    if is_nist(suite) {
        // Off the curve: change the last byte of y.
        let mut off = pk.0.clone();
        *off.last_mut().unwrap() ^= 0x01;
        assert_eq!(verify(off), Err(CryptoError::InvalidPublicKey));
        // Compressed and identity encodings are not uncompressed points.
        let mut compressed = pk.0[..1 + pk.0.len() / 2].to_vec();
        compressed[0] = 0x02;
        assert_eq!(verify(compressed), Err(CryptoError::InvalidPublicKey));
        let mut tagged = pk.0.clone();
        tagged[0] = 0x06;
        assert_eq!(verify(tagged), Err(CryptoError::InvalidPublicKey));
    } else {
        // About half of all byte strings are not point encodings: some of
        // these must be rejected as keys, and none may panic.
        let rejected = (0..=255u8)
            .filter(|i| verify(vec![*i; pk.0.len()]) == Err(CryptoError::InvalidPublicKey))
            .count();
        assert!(rejected > 0);
    }
    let short_sk = &sk.as_bytes()[1..];
    if suite.0 != 5 {
        assert_eq!(
            P.import_signature_private_key(suite, short_sk),
            Err(CryptoError::InvalidPrivateKey)
        );
    }
    assert_eq!(
        P.import_signature_private_key(suite, &[]),
        Err(CryptoError::InvalidPrivateKey)
    );
}

all_suites!(hpke_round_trip);
fn hpke_round_trip(suite: CipherSuite) {
    let (sk, pk) = hpke_key_pair(suite, 1);
    let info = b"info for the context";
    let aad = b"associated data";
    for (i, len) in [0usize, 1, 32, 33, 1000].into_iter().enumerate() {
        let plaintext = vec![0xa5; len];
        let ct = P
            .hpke_seal(suite, &pk, info, aad, &plaintext, &ikm_e(suite, i as u8))
            .unwrap();
        assert_eq!(ct.kem_output.len(), npk(suite));
        assert_eq!(ct.ciphertext.len(), len + 16);
        let opened = P
            .hpke_open(suite, &sk, &ct.kem_output, info, aad, &ct.ciphertext)
            .unwrap();
        assert_eq!(opened.as_bytes(), &plaintext[..]);
        // The same seed gives the same ciphertext.
        let again = P
            .hpke_seal(suite, &pk, info, aad, &plaintext, &ikm_e(suite, i as u8))
            .unwrap();
        assert_eq!(again, ct);
    }
}

all_suites!(hpke_rejections);
fn hpke_rejections(suite: CipherSuite) {
    let (sk, pk) = hpke_key_pair(suite, 1);
    let (other_sk, _) = hpke_key_pair(suite, 2);
    let (info, aad, pt) = (&b"info"[..], &b"aad"[..], &[7u8; 32][..]);
    let ct = P
        .hpke_seal(suite, &pk, info, aad, pt, &ikm_e(suite, 9))
        .unwrap();
    let open = |sk: &HpkePrivateKey, enc: &[u8], info: &[u8], aad: &[u8], c: &[u8]| {
        P.hpke_open(suite, sk, enc, info, aad, c).unwrap_err()
    };
    let (enc, c) = (&ct.kem_output[..], &ct.ciphertext[..]);

    assert_eq!(
        open(&other_sk, enc, info, aad, c),
        CryptoError::DecryptionFailed
    );
    assert_eq!(
        open(&sk, enc, b"infp", aad, c),
        CryptoError::DecryptionFailed
    );
    assert_eq!(
        open(&sk, enc, info, b"aae", c),
        CryptoError::DecryptionFailed
    );
    for i in [0, c.len() - 1] {
        let mut tampered = c.to_vec();
        tampered[i] ^= 0x80;
        assert_eq!(
            open(&sk, enc, info, aad, &tampered),
            CryptoError::DecryptionFailed
        );
    }
    assert_eq!(
        open(&sk, enc, info, aad, &c[..15]),
        CryptoError::DecryptionFailed
    );
    assert_eq!(
        open(&sk, enc, info, aad, &[]),
        CryptoError::DecryptionFailed
    );
    assert_eq!(
        open(&sk, &enc[1..], info, aad, c),
        CryptoError::InvalidPublicKey
    );
    assert_eq!(open(&sk, &[], info, aad, c), CryptoError::InvalidPublicKey);
    let mut tampered_enc = enc.to_vec();
    *tampered_enc.last_mut().unwrap() ^= 0x01;
    let expected = if is_nist(suite) {
        CryptoError::InvalidPublicKey // off the curve
    } else {
        CryptoError::DecryptionFailed // another valid key, another secret
    };
    assert_eq!(open(&sk, &tampered_enc, info, aad, c), expected);
    let bad_sk = HpkePrivateKey::from_secret(Secret::zero(nsk(suite) + 1));
    assert_eq!(
        open(&bad_sk, enc, info, aad, c),
        CryptoError::InvalidPrivateKey
    );
}

all_suites!(hpke_ikm_e_length);
fn hpke_ikm_e_length(suite: CipherSuite) {
    let (_, pk) = hpke_key_pair(suite, 1);
    for len in [0, 1, nsk(suite) - 1, nsk(suite) + 1, 2 * nsk(suite)] {
        assert_eq!(
            P.hpke_seal(suite, &pk, b"", b"", b"pt", &vec![1; len]),
            Err(CryptoError::InvalidLength {
                what: crate::crypto::LengthOf::KemIkm,
                expected: nsk(suite),
                got: len
            })
        );
    }
}

all_suites!(malformed_hpke_public_keys);
fn malformed_hpke_public_keys(suite: CipherSuite) {
    let (_, pk) = hpke_key_pair(suite, 1);
    let seal =
        |pk: Vec<u8>| P.hpke_seal(suite, &HpkePublicKey(pk), b"", b"", b"x", &ikm_e(suite, 1));
    assert_eq!(seal(vec![]), Err(CryptoError::InvalidPublicKey));
    assert_eq!(seal(pk.0[1..].to_vec()), Err(CryptoError::InvalidPublicKey));
    let mut longer = pk.0.clone();
    longer.push(0);
    assert_eq!(seal(longer), Err(CryptoError::InvalidPublicKey));
    if is_nist(suite) {
        let mut off = pk.0.clone();
        *off.last_mut().unwrap() ^= 0x01;
        assert_eq!(seal(off), Err(CryptoError::InvalidPublicKey));
        let mut compressed = pk.0[..1 + pk.0.len() / 2].to_vec();
        compressed[0] = 0x03;
        assert_eq!(seal(compressed), Err(CryptoError::InvalidPublicKey));
        assert_eq!(seal(vec![0x00]), Err(CryptoError::InvalidPublicKey));
        assert_eq!(
            seal(vec![0x04; pk.0.len()]),
            Err(CryptoError::InvalidPublicKey)
        );
    }
}

all_suites!(derive_key_pair);
fn derive_key_pair(suite: CipherSuite) {
    let (sk, pk) = hpke_key_pair(suite, 1);
    assert_eq!(sk.as_bytes().len(), nsk(suite));
    assert_eq!(pk.0.len(), npk(suite));
    assert_eq!(hpke_key_pair(suite, 1), (sk.clone(), pk.clone()));
    assert_ne!(hpke_key_pair(suite, 2).1, pk);
    assert_eq!(P.kem_public_key(suite, &sk).unwrap(), pk);
    assert_eq!(P.import_hpke_private_key(suite, sk.as_bytes()).unwrap(), sk);
    // Any ikm length works: MLS uses Nh-byte secrets, shorter than Nsk for P-521.
    for len in [0, 1, 64, 200] {
        let (sk, pk) = P.kem_derive_key_pair(suite, &vec![3; len]).unwrap();
        assert_eq!(P.kem_public_key(suite, &sk).unwrap(), pk);
    }
    // Wrong lengths and, on NIST curves, out-of-range scalars are refused.
    let import = |bytes: &[u8]| P.import_hpke_private_key(suite, bytes);
    assert_eq!(import(&[]), Err(CryptoError::InvalidPrivateKey));
    assert_eq!(
        import(&vec![1; nsk(suite) + 1]),
        Err(CryptoError::InvalidPrivateKey)
    );
    if suite.0 != 5 {
        assert_eq!(
            import(&vec![1; nsk(suite) - 1]),
            Err(CryptoError::InvalidPrivateKey)
        );
    }
    if is_nist(suite) {
        assert_eq!(
            import(&vec![0; nsk(suite)]),
            Err(CryptoError::InvalidPrivateKey)
        );
        assert_eq!(
            import(&vec![0xff; nsk(suite)]),
            Err(CryptoError::InvalidPrivateKey)
        );
    }
}

all_suites!(aead_round_trip);
fn aead_round_trip(suite: CipherSuite) {
    let nk = params(suite).aead_key_len();
    let (key, nonce, aad) = (vec![0x11; nk], [0x22; 12], b"aad");
    let plaintext = vec![0x33; 1024];
    let ct = P.aead_seal(suite, &key, &nonce, aad, &plaintext).unwrap();
    assert_eq!(ct.len(), plaintext.len() + 16);
    assert_eq!(
        P.aead_open(suite, &key, &nonce, aad, &ct).unwrap(),
        plaintext
    );
    let empty = P.aead_seal(suite, &key, &nonce, &[], &[]).unwrap();
    assert_eq!(
        P.aead_open(suite, &key, &nonce, &[], &empty).unwrap(),
        Vec::<u8>::new()
    );

    let fail = Err(CryptoError::DecryptionFailed);
    let mut tampered = ct.clone();
    tampered[0] ^= 1;
    assert_eq!(P.aead_open(suite, &key, &nonce, aad, &tampered), fail);
    assert_eq!(P.aead_open(suite, &key, &nonce, b"aae", &ct), fail);
    assert_eq!(P.aead_open(suite, &vec![0x12; nk], &nonce, aad, &ct), fail);
    assert_eq!(P.aead_open(suite, &key, &[0x23; 12], aad, &ct), fail);
    assert_eq!(P.aead_open(suite, &key, &nonce, aad, &ct[..15]), fail);

    let wrong_key = CryptoError::InvalidLength {
        what: crate::crypto::LengthOf::AeadKey,
        expected: nk,
        got: nk + 1,
    };
    assert_eq!(
        P.aead_seal(suite, &vec![0; nk + 1], &nonce, aad, b"x"),
        Err(wrong_key)
    );
    assert_eq!(
        P.aead_open(suite, &vec![0; nk + 1], &nonce, aad, &ct),
        Err(wrong_key)
    );
    let wrong_nonce = CryptoError::InvalidLength {
        what: crate::crypto::LengthOf::AeadNonce,
        expected: 12,
        got: 11,
    };
    assert_eq!(
        P.aead_seal(suite, &key, &[0; 11], aad, b"x"),
        Err(wrong_nonce)
    );
    assert_eq!(
        P.aead_open(suite, &key, &[0; 11], aad, &ct),
        Err(wrong_nonce)
    );
}

all_suites!(kdf_and_hash);
fn kdf_and_hash(suite: CipherSuite) {
    let nh = params(suite).hash_len();
    assert_eq!(P.hash(suite, b"abc").unwrap().len(), nh);
    assert_eq!(P.mac(suite, &[], b"abc").unwrap().len(), nh);
    assert_eq!(P.mac(suite, &[1; 300], b"abc").unwrap().len(), nh);
    let prk = P.kdf_extract(suite, &[], b"ikm").unwrap();
    assert_eq!(prk.len(), nh);
    assert_eq!(
        P.kdf_expand(suite, prk.as_bytes(), b"info", 255 * nh)
            .unwrap()
            .len(),
        255 * nh
    );
    assert_eq!(
        P.kdf_expand(suite, prk.as_bytes(), b"info", 255 * nh + 1),
        Err(CryptoError::KdfOutputTooLong(255 * nh + 1))
    );
    assert_eq!(
        P.kdf_expand(suite, prk.as_bytes(), b"info", usize::MAX),
        Err(CryptoError::KdfOutputTooLong(usize::MAX))
    );
    assert_eq!(
        P.kdf_expand(suite, &prk.as_bytes()[1..], b"info", 16),
        Err(CryptoError::InvalidLength {
            what: crate::crypto::LengthOf::Prk,
            expected: nh,
            got: nh - 1
        })
    );
    assert_eq!(
        P.kdf_expand(suite, prk.as_bytes(), b"", 0).unwrap().len(),
        0
    );
}

all_suites!(arbitrary_inputs_never_panic);
fn arbitrary_inputs_never_panic(suite: CipherSuite) {
    let mut rng = TestRng::new(u64::from(suite.0));
    let (sk, _) = hpke_key_pair(suite, 1);
    let (_, spk) = P.signature_key_pair(suite, &mut rng).unwrap();
    let mut bytes = |max: usize| {
        let len = (rng.try_next_u32().unwrap() as usize) % (max + 1);
        let mut b = vec![0u8; len];
        rng.try_fill_bytes(&mut b).unwrap();
        b
    };
    for _ in 0..64 {
        let (enc, ct, key, sig) = (bytes(140), bytes(80), bytes(70), bytes(150));
        let _ = P.hpke_open(suite, &sk, &enc, b"", b"", &ct);
        let _ = P.hpke_seal(suite, &HpkePublicKey(enc.clone()), b"", b"", &ct, &key);
        let _ = P.import_hpke_private_key(suite, &key);
        let _ = P.import_signature_private_key(suite, &key);
        let _ = P.kem_public_key(
            suite,
            &HpkePrivateKey::from_secret(Secret::new(key.clone())),
        );
        let _ = P.verify(suite, &SignaturePublicKey(enc.clone()), &ct, &sig);
        let _ = P.verify(suite, &spk, &ct, &sig);
        let _ = P.aead_open(suite, &key, &sig, &enc, &ct);
        let _ = P.kdf_expand(suite, &key, &ct, sig.len());
    }
}
