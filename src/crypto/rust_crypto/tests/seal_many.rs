//! Sealing to many recipients under one `info` (`hpke_seal_many`,
//! `encrypt_with_label_many`): byte-identical to one seal per recipient,
//! and the RFC 9180 Appendix A.1.1 known answer.

use super::*;
use crate::crypto::{HpkeCiphertext, HpkeRecipient, SuiteCrypto};

/// An `info` of the size of an encrypted GroupInfo with a small tree.
fn long_info() -> Vec<u8> {
    (0..20_000u32).map(|i| (i % 251) as u8).collect()
}

all_suites!(seal_many_matches_seal);
fn seal_many_matches_seal(suite: CipherSuite) {
    let keys: Vec<_> = (0..5u8).map(|i| hpke_key_pair(suite, 0x40 + i)).collect();
    let plaintexts: Vec<Vec<u8>> = (0..5usize).map(|i| vec![i as u8; 16 * i]).collect();
    let seeds: Vec<Vec<u8>> = (0..5u8).map(|i| ikm_e(suite, 0x80 + i)).collect();
    let recipients: Vec<HpkeRecipient<'_>> = keys
        .iter()
        .zip(&plaintexts)
        .zip(&seeds)
        .map(|(((_, pk), pt), seed)| HpkeRecipient {
            public_key: pk,
            plaintext: pt,
            ikm_e: seed,
        })
        .collect();
    for info in [Vec::new(), b"short info".to_vec(), long_info()] {
        let aad = b"associated data";
        let many = P.hpke_seal_many(suite, &info, aad, &recipients).unwrap();
        let one_by_one: Vec<HpkeCiphertext> = recipients
            .iter()
            .map(|r| {
                P.hpke_seal(suite, r.public_key, &info, aad, r.plaintext, r.ikm_e)
                    .unwrap()
            })
            .collect();
        assert_eq!(many, one_by_one);
        for ((sk, _), (ct, pt)) in keys.iter().zip(many.iter().zip(&plaintexts)) {
            let opened = P
                .hpke_open(suite, sk, &ct.kem_output, &info, aad, &ct.ciphertext)
                .unwrap();
            assert_eq!(opened.as_bytes(), &pt[..]);
        }
    }
    assert_eq!(P.hpke_seal_many(suite, b"info", b"", &[]).unwrap(), vec![]);

    // A malformed key fails the whole call with the error of its own seal.
    let bad = HpkePublicKey(vec![0x01; 3]);
    let mut with_bad = recipients.clone();
    with_bad[2].public_key = &bad;
    let expected = P
        .hpke_seal(suite, &bad, b"info", b"", b"x", &seeds[2])
        .unwrap_err();
    assert_eq!(
        P.hpke_seal_many(suite, b"info", b"", &with_bad),
        Err(expected)
    );
}

/// RFC 9180 Appendix A.1.1 (the algorithms of suite 1): the vector's
/// recipient, sealed to among others under the vector's `info` and `aad`,
/// gets the vector's `enc` and ciphertext.
#[test]
fn rfc9180_a_1_1_seal_many() {
    let suite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
    let ikm_e_vector = hex("7268600d403fce431561aef583ee1613527cff655c1343f29812e66706df3234");
    let ikm_r = hex("6db9df30aa07dd42ee5e8181afdb977e538f5e1fec8a06223f33f7013e525037");
    let (_, pk_r) = P.kem_derive_key_pair(suite, &ikm_r).unwrap();
    let info = hex("4f6465206f6e2061204772656369616e2055726e");
    let aad = hex("436f756e742d30");
    let pt = hex("4265617574792069732074727574682c20747275746820626561757479");
    let (_, other) = hpke_key_pair(suite, 0x11);
    let other_seed = ikm_e(suite, 0x22);
    let recipients = [
        HpkeRecipient {
            public_key: &other,
            plaintext: b"first",
            ikm_e: &other_seed,
        },
        HpkeRecipient {
            public_key: &pk_r,
            plaintext: &pt,
            ikm_e: &ikm_e_vector,
        },
        HpkeRecipient {
            public_key: &other,
            plaintext: b"third",
            ikm_e: &other_seed,
        },
    ];
    let sealed = P.hpke_seal_many(suite, &info, &aad, &recipients).unwrap();
    assert_eq!(
        sealed[1].kem_output,
        hex("37fda3567bdbd628e88668c3c8d7e97d1d1253b6d4ea6d44c150f741f1bf4431")
    );
    assert_eq!(
        sealed[1].ciphertext,
        hex(
            "f938558b5d72f1a23810b4be2ab4f84331acc02fc97babc53a52ae8218a355a96d8770ac83d07bea87e13c512a"
        )
    );
    // Same seed and key, different plaintexts: same `enc`, different
    // ciphertexts (the key schedule is per recipient, only `info_hash` is
    // shared).
    assert_eq!(sealed[0].kem_output, sealed[2].kem_output);
    assert_ne!(sealed[0].ciphertext, sealed[2].ciphertext);
}

all_suites!(encrypt_with_label_many_matches);
fn encrypt_with_label_many_matches(suite: CipherSuite) {
    let crypto = SuiteCrypto::new(&P, suite).unwrap();
    let keys: Vec<_> = (0..4u8).map(|i| hpke_key_pair(suite, 0x60 + i)).collect();
    let plaintexts: Vec<Vec<u8>> = (0..4u8).map(|i| vec![i; 40]).collect();
    let recipients: Vec<(&HpkePublicKey, &[u8])> = keys
        .iter()
        .zip(&plaintexts)
        .map(|((_, pk), pt)| (pk, &pt[..]))
        .collect();
    let context = long_info();
    let many = crypto
        .encrypt_with_label_many(&recipients, "Welcome", &context, &mut TestRng::new(9))
        .unwrap();
    let mut rng = TestRng::new(9);
    let one_by_one: Vec<HpkeCiphertext> = recipients
        .iter()
        .map(|(pk, pt)| {
            crypto
                .encrypt_with_label(pk, "Welcome", &context, pt, &mut rng)
                .unwrap()
        })
        .collect();
    assert_eq!(many, one_by_one);
    for ((sk, _), (ct, pt)) in keys.iter().zip(many.iter().zip(&plaintexts)) {
        let opened = crypto
            .decrypt_with_label(sk, "Welcome", &context, &ct.kem_output, &ct.ciphertext)
            .unwrap();
        assert_eq!(opened.as_bytes(), &pt[..]);
    }
}
