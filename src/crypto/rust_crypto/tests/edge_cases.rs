//! Known answers and edge cases of key import, DH and signature encoding.

use super::*;

#[test]
fn unsupported_suite() {
    let grease = CipherSuite(0x0a0a);
    let err = Err(CryptoError::UnsupportedCipherSuite(0x0a0a));
    assert!(!P.supports(grease));
    assert!(CipherSuite::ALL.iter().all(|s| P.supports(*s)));
    assert_eq!(P.hash(grease, b"").map(|_| ()), err);
    let sealed = P.hpke_seal(grease, &HpkePublicKey(vec![]), b"", b"", b"", b"");
    assert_eq!(sealed.map(|_| ()), err);
    assert_eq!(P.verify(grease, &SignaturePublicKey(vec![]), b"", b""), err);
}

/// `hash_to` writes `hash`'s output into a buffer of exactly `Nh` bytes,
/// for every suite, and refuses any other length without writing.
#[test]
fn hash_to_writes_the_hash_in_place() {
    for suite in CipherSuite::ALL {
        let want = P.hash(suite, b"tree hash input").unwrap();
        let mut out = vec![0xaa; want.len()];
        P.hash_to(suite, b"tree hash input", &mut out).unwrap();
        assert_eq!(out, want);
        for len in [0, want.len() - 1, want.len() + 1] {
            let mut wrong = vec![0xaa; len];
            assert_eq!(
                P.hash_to(suite, b"tree hash input", &mut wrong),
                Err(CryptoError::InvalidLength {
                    what: crate::crypto::LengthOf::HashOutput,
                    expected: want.len(),
                    got: len,
                })
            );
            assert!(wrong.iter().all(|b| *b == 0xaa));
        }
    }
    let mut out = [0; 32];
    assert_eq!(
        P.hash_to(CipherSuite(0x0a0a), b"", &mut out),
        Err(CryptoError::UnsupportedCipherSuite(0x0a0a))
    );
}

/// RFC 9180 Appendix A.1.1: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256,
/// AES-128-GCM, base mode, the first encryption (sequence number 0). These
/// are the algorithms of MLS suite 1.
#[test]
fn rfc9180_a_1_1_base_mode() {
    let suite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
    let ikm_e = hex("7268600d403fce431561aef583ee1613527cff655c1343f29812e66706df3234");
    let ikm_r = hex("6db9df30aa07dd42ee5e8181afdb977e538f5e1fec8a06223f33f7013e525037");
    let (sk_e, pk_e) = P.kem_derive_key_pair(suite, &ikm_e).unwrap();
    assert_eq!(
        sk_e.as_bytes(),
        hex("52c4a758a802cd8b936eceea314432798d5baf2d7e9235dc084ab1b9cfa2f736")
    );
    assert_eq!(
        pk_e.0,
        hex("37fda3567bdbd628e88668c3c8d7e97d1d1253b6d4ea6d44c150f741f1bf4431")
    );
    let (sk_r, pk_r) = P.kem_derive_key_pair(suite, &ikm_r).unwrap();
    assert_eq!(
        sk_r.as_bytes(),
        hex("4612c550263fc8ad58375df3f557aac531d26850903e55a9f23f21d8534e8ac8")
    );
    assert_eq!(
        pk_r.0,
        hex("3948cfe0ad1ddb695d780e59077195da6c56506b027329794ab02bca80815c4d")
    );

    let info = hex("4f6465206f6e2061204772656369616e2055726e");
    let aad = hex("436f756e742d30");
    let pt = hex("4265617574792069732074727574682c20747275746820626561757479");
    let ct = P.hpke_seal(suite, &pk_r, &info, &aad, &pt, &ikm_e).unwrap();
    assert_eq!(ct.kem_output, pk_e.0);
    assert_eq!(
        ct.ciphertext,
        hex(
            "f938558b5d72f1a23810b4be2ab4f84331acc02fc97babc53a52ae8218a355a96d8770ac83d07bea87e13c512a"
        )
    );
    let opened = P
        .hpke_open(suite, &sk_r, &ct.kem_output, &info, &aad, &ct.ciphertext)
        .unwrap();
    assert_eq!(opened.as_bytes(), pt);
}

/// RFC 5869 Appendix A.1 (HKDF-SHA256, test case 1).
#[test]
fn rfc5869_test_case_1() {
    let suite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
    let prk = P
        .kdf_extract(suite, &hex("000102030405060708090a0b0c"), &[0x0b; 22])
        .unwrap();
    assert_eq!(
        prk.as_bytes(),
        hex("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5")
    );
    let okm = P
        .kdf_expand(suite, prk.as_bytes(), &hex("f0f1f2f3f4f5f6f7f8f9"), 42)
        .unwrap();
    assert_eq!(
        okm.as_bytes(),
        hex("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865")
    );
}

#[test]
fn x25519_and_x448_low_order_points_give_zero_shared_secret() {
    for suite in [1u16, 3, 4, 6].map(CipherSuite) {
        let (sk, _) = hpke_key_pair(suite, 1);
        // u = 0 and u = 1 have small order on both curves.
        for u in [0u8, 1] {
            let mut point = vec![0u8; npk(suite)];
            point[0] = u;
            let sealed = P.hpke_seal(
                suite,
                &HpkePublicKey(point.clone()),
                b"",
                b"",
                b"x",
                &ikm_e(suite, 1),
            );
            assert_eq!(
                sealed,
                Err(CryptoError::ZeroSharedSecret),
                "suite {}",
                suite.0
            );
            let opened = P.hpke_open(suite, &sk, &point, b"", b"", &[0; 17]);
            assert_eq!(
                opened,
                Err(CryptoError::ZeroSharedSecret),
                "suite {}",
                suite.0
            );
        }
    }
}

#[test]
fn p521_private_keys_of_65_bytes_are_padded() {
    let suite = CipherSuite::MLS_256_DHKEMP521_AES256GCM_SHA512_P521;
    // About half of all P-521 scalars have a zero leading byte.
    let (sk, pk) = (0..64u8)
        .map(|i| hpke_key_pair(suite, i))
        .find(|(sk, _)| sk.as_bytes()[0] == 0)
        .unwrap();
    let imported = P
        .import_hpke_private_key(suite, &sk.as_bytes()[1..])
        .unwrap();
    assert_eq!(imported, sk);
    assert_eq!(imported.as_bytes().len(), 66);
    assert_eq!(P.kem_public_key(suite, &imported).unwrap(), pk);
    let short = HpkePrivateKey::from_secret(Secret::from_slice(&sk.as_bytes()[1..]));
    assert_eq!(P.kem_public_key(suite, &short).unwrap(), pk);
    let ct = P
        .hpke_seal(suite, &pk, b"i", b"a", b"p", &ikm_e(suite, 5))
        .unwrap();
    assert_eq!(
        P.hpke_open(suite, &short, &ct.kem_output, b"i", b"a", &ct.ciphertext)
            .unwrap()
            .as_bytes(),
        b"p"
    );
    assert_eq!(
        P.import_hpke_private_key(suite, &sk.as_bytes()[2..]),
        Err(CryptoError::InvalidPrivateKey)
    );

    let mut rng = TestRng::new(7);
    let (sk, pk) = (0..64)
        .map(|_| P.signature_key_pair(suite, &mut rng).unwrap())
        .find(|(sk, _)| sk.as_bytes()[0] == 0)
        .unwrap();
    let imported = P
        .import_signature_private_key(suite, &sk.as_bytes()[1..])
        .unwrap();
    assert_eq!(imported, sk);
    assert_eq!(P.signature_public_key(suite, &imported).unwrap(), pk);
    P.verify(suite, &pk, b"m", &P.sign(suite, &imported, b"m").unwrap())
        .unwrap();
    assert_eq!(
        P.import_signature_private_key(suite, &sk.as_bytes()[2..]),
        Err(CryptoError::InvalidPrivateKey)
    );
}

/// Encodes `SEQUENCE { INTEGER r, INTEGER s }` from the given content
/// bytes, as DER would if they are minimal.
fn der(r: &[u8], s: &[u8], long_length: bool) -> Vec<u8> {
    let mut body = vec![0x02, r.len() as u8];
    body.extend_from_slice(r);
    body.extend_from_slice(&[0x02, s.len() as u8]);
    body.extend_from_slice(s);
    let mut out = vec![0x30];
    if body.len() >= 0x80 || long_length {
        out.extend_from_slice(&[0x81, body.len() as u8]);
    } else {
        out.push(body.len() as u8);
    }
    out.extend_from_slice(&body);
    out
}

/// The minimal DER INTEGER content of an unsigned big-endian number.
fn der_uint(fixed: &[u8]) -> Vec<u8> {
    let start = fixed
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(fixed.len() - 1);
    let mut out = fixed[start..].to_vec();
    if out[0] & 0x80 != 0 {
        out.insert(0, 0);
    }
    out
}

macro_rules! ecdsa_encoding_test {
    ($name:ident, $curve:ident, $suite:expr) => {
        #[test]
        fn $name() {
            use p256::elliptic_curve::ff::PrimeField;
            let suite = $suite;
            let mut rng = TestRng::new(11);
            let (sk, pk) = P.signature_key_pair(suite, &mut rng).unwrap();
            let msg = b"message";
            let sig = P.sign(suite, &sk, msg).unwrap();
            let parsed = $curve::ecdsa::Signature::from_der(&sig).unwrap();
            let (r, s) = parsed.split_scalars();
            let (r, s_low) = (r.to_repr(), s.to_repr());
            let s_high = (-*s).to_repr();
            let (r, s_low, s_high) = (der_uint(&r), der_uint(&s_low), der_uint(&s_high));
            assert_eq!(der(&r, &s_low, false), sig);
            // Both s and n - s verify: no low-S rule.
            P.verify(suite, &pk, msg, &der(&r, &s_high, false)).unwrap();
            let invalid = Err(CryptoError::InvalidSignature);
            // BER, not DER: long-form length, padded integer, trailing byte.
            if sig[1] < 0x80 {
                assert_eq!(P.verify(suite, &pk, msg, &der(&r, &s_low, true)), invalid);
            }
            let mut padded = vec![0u8];
            padded.extend_from_slice(&r);
            assert_eq!(
                P.verify(suite, &pk, msg, &der(&padded, &s_low, false)),
                invalid
            );
            let mut trailing = sig.clone();
            trailing.push(0);
            assert_eq!(P.verify(suite, &pk, msg, &trailing), invalid);
            // r = 0, and the raw r || s form, are not signatures.
            assert_eq!(
                P.verify(suite, &pk, msg, &der(&[0], &s_low, false)),
                invalid
            );
            assert_eq!(P.verify(suite, &pk, msg, &parsed.to_bytes()), invalid);
        }
    };
}

ecdsa_encoding_test!(
    ecdsa_p256_encoding,
    p256,
    CipherSuite::MLS_128_DHKEMP256_AES128GCM_SHA256_P256
);
ecdsa_encoding_test!(
    ecdsa_p384_encoding,
    p384,
    CipherSuite::MLS_256_DHKEMP384_AES256GCM_SHA384_P384
);
ecdsa_encoding_test!(
    ecdsa_p521_encoding,
    p521,
    CipherSuite::MLS_256_DHKEMP521_AES256GCM_SHA512_P521
);

#[test]
fn ed25519_small_order_public_keys_are_refused() {
    let suite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
    // With A the identity (y = 1), R the identity and s = 0, the
    // cofactorless equation holds for every message.
    let mut identity = [0u8; 32];
    identity[0] = 1;
    let mut sig = [0u8; 64];
    sig[0] = 1;
    assert_eq!(
        P.verify(suite, &SignaturePublicKey(identity.to_vec()), b"any", &sig),
        Err(CryptoError::InvalidPublicKey)
    );
    // The point of order 2, (0, -1): y = p - 1.
    let mut order_2 = [0xffu8; 32];
    order_2[0] = 0xec;
    order_2[31] = 0x7f;
    assert_eq!(
        P.verify(suite, &SignaturePublicKey(order_2.to_vec()), b"any", &sig),
        Err(CryptoError::InvalidPublicKey)
    );
}

/// Ed25519 signatures made with the public key kept beside the private key
/// are RFC 8032's: the known answer of RFC 8032 §7.1 (TEST 1), and for
/// other keys ed25519-dalek's `SigningKey::sign` byte for byte (Ed25519 is
/// deterministic), whether the key was generated (its public key kept at
/// once), imported or decoded (kept at its first use), or cloned, and at
/// its first and later signatures. The kept key is not part of the key's
/// equality or encoding.
#[test]
fn ed25519_signatures_with_the_kept_public_key_are_rfc8032s() {
    use crate::codec::{Encode, decode_exact};
    use crate::crypto::SignaturePrivateKey;
    use ed25519_dalek::Signer as _;

    let suite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
    let seed = hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
    let key = P.import_signature_private_key(suite, &seed).unwrap();
    let expected = hex(
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155\
         5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    );
    assert_eq!(P.sign(suite, &key, b"").unwrap(), expected);
    assert_eq!(P.sign(suite, &key, b"").unwrap(), expected);
    assert_eq!(
        P.signature_public_key(suite, &key).unwrap().0,
        hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
    );

    let mut rng = TestRng::new(23);
    for len in [0usize, 1, 63, 64, 65, 1000] {
        let message: Vec<u8> = (0..len).map(|i| (i * 7) as u8).collect();
        let (generated, public) = P.signature_key_pair(suite, &mut rng).unwrap();
        let seed: [u8; 32] = generated.as_bytes().try_into().unwrap();
        let expected = ed25519_dalek::SigningKey::from_bytes(&seed)
            .sign(&message)
            .to_bytes()
            .to_vec();
        let imported = P.import_signature_private_key(suite, &seed).unwrap();
        let bytes = generated.to_bytes().unwrap();
        let decoded: SignaturePrivateKey = decode_exact(&bytes).unwrap();
        assert_eq!(imported, generated);
        assert_eq!(decoded, generated);
        for key in [&generated, &imported, &decoded, &generated.clone()] {
            for _ in 0..2 {
                let signature = P.sign(suite, key, &message).unwrap();
                assert_eq!(signature, expected);
                P.verify(suite, &public, &message, &signature).unwrap();
            }
        }
        assert_eq!(imported, generated);
        assert_eq!(imported.to_bytes().unwrap(), bytes);
    }
}

#[test]
fn debug_output_hides_private_keys() {
    let suite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
    let sk = P.import_hpke_private_key(suite, &[0xab; 32]).unwrap();
    assert!(!format!("{sk:?}").to_lowercase().contains("ab, "));
    assert!(!format!("{sk:?}").to_lowercase().contains("abab"));
    assert_eq!(format!("{P:?}"), "RustCryptoProvider");
}

/// A broken RNG that returns only zero bytes.
struct ZeroRng;

impl TryRng for ZeroRng {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok(0)
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        Ok(0)
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        dst.fill(0);
        Ok(())
    }
}

impl TryCryptoRng for ZeroRng {}

#[test]
fn ecdsa_key_generation_with_a_broken_rng_fails() {
    // A zero scalar is out of range, so every candidate is rejected;
    // EdDSA seeds have no invalid values.
    for suite in CipherSuite::ALL {
        let result = P.signature_key_pair(suite, &mut ZeroRng).map(|_| ());
        if is_nist(suite) {
            assert_eq!(result, Err(CryptoError::DeriveKeyPairFailed), "{suite:?}");
        } else {
            assert_eq!(result, Ok(()), "{suite:?}");
        }
    }
}

#[test]
fn labeled_inputs_longer_than_a_vector_cannot_be_encoded() {
    let crypto = crate::crypto::SuiteCrypto::new(
        &P,
        CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519,
    )
    .unwrap();
    // 2^30 bytes is one more than a variable-length vector can hold
    // (RFC 9420 §2.1.2). The zeroed buffer is never written, so the
    // system does not back it with memory.
    let long = vec![0u8; 1 << 30];
    assert_eq!(crypto.ref_hash(b"label", &long), Err(CryptoError::Encoding));
    assert_eq!(
        crypto
            .expand_with_label(&[1; 32], "label", &long, 32)
            .map(|_| ()),
        Err(CryptoError::Encoding)
    );
}
