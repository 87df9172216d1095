//! Public key validation (RFC 9180 §7.1.4): valid keys of every suite pass;
//! low-order X25519 and X448 points, and NIST encodings that are not an
//! uncompressed point on the curve, are [`CryptoError::InvalidPublicKey`].

use rand_core::Rng;

use super::*;
use crate::crypto::SuiteCrypto;

fn validate(suite: CipherSuite, key: &[u8]) -> Result<(), CryptoError> {
    P.validate_hpke_public_key(suite, &HpkePublicKey(key.to_vec()))
}

all_suites!(valid_keys_pass_and_wrong_lengths_fail);
fn valid_keys_pass_and_wrong_lengths_fail(suite: CipherSuite) {
    let mut rng = TestRng::new(7);
    let crypto = SuiteCrypto::new(&P, suite).unwrap();
    for _ in 0..16 {
        let (_, pk) = crypto.generate_hpke_key_pair(&mut rng).unwrap();
        assert_eq!(crypto.validate_hpke_public_key(&pk), Ok(()));
        let mut short = pk.0.clone();
        short.pop();
        assert_eq!(validate(suite, &short), Err(CryptoError::InvalidPublicKey));
        let mut long = pk.0.clone();
        long.push(0);
        assert_eq!(validate(suite, &long), Err(CryptoError::InvalidPublicKey));
    }
    assert_eq!(validate(suite, &[]), Err(CryptoError::InvalidPublicKey));
    assert_eq!(
        P.validate_hpke_public_key(CipherSuite(0x0a0a), &HpkePublicKey(vec![9; 32])),
        Err(CryptoError::UnsupportedCipherSuite(0x0a0a))
    );
}

/// Little-endian `u` of every X25519 encoding of a point of order 1, 2, 4
/// or 8 on the curve or its twist, with bit 255 clear: 0, 1, the two
/// points of order 8, p - 1, and the non-canonical p and p + 1.
const X25519_LOW_ORDER: [&str; 7] = [
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0100000000000000000000000000000000000000000000000000000000000000",
    "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
    "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
];

#[test]
fn x25519_low_order_points_are_refused() {
    let secret = x25519_dalek::StaticSecret::from([0x42; 32]);
    for suite in [1u16, 3].map(CipherSuite) {
        for u in X25519_LOW_ORDER {
            let mut point = hex(u);
            for top_bit in [0u8, 0x80] {
                point[31] |= top_bit;
                // Each is low order: a full Diffie-Hellman is all zero.
                let pk = x25519_dalek::PublicKey::from(<[u8; 32]>::try_from(&point[..]).unwrap());
                assert!(!secret.diffie_hellman(&pk).was_contributory(), "{u}");
                assert_eq!(
                    validate(suite, &point),
                    Err(CryptoError::InvalidPublicKey),
                    "suite {} u {u} top bit {top_bit}",
                    suite.0
                );
            }
        }
    }
}

/// The list check agrees with the definition (a Diffie-Hellman is
/// contributory) on arbitrary 32-byte strings, points of the curve and of
/// its twist alike, and on the neighbours of each listed encoding.
#[test]
fn x25519_check_agrees_with_a_full_diffie_hellman() {
    let mut rng = TestRng::new(11);
    let secret = x25519_dalek::StaticSecret::from([0x17; 32]);
    let mut points = Vec::new();
    for _ in 0..256 {
        let mut point = [0u8; 32];
        rng.fill_bytes(&mut point);
        points.push(point);
    }
    for u in X25519_LOW_ORDER {
        let point = <[u8; 32]>::try_from(hex(u)).unwrap();
        for delta in [1u8, 0xff] {
            let mut near = point;
            near[0] = near[0].wrapping_add(delta);
            points.push(near);
        }
    }
    for point in points {
        let contributory = secret
            .diffie_hellman(&x25519_dalek::PublicKey::from(point))
            .was_contributory();
        let valid = validate(CipherSuite(1), &point).is_ok();
        assert_eq!(valid, contributory, "{}", hex::encode(point));
    }
}

/// Little-endian `u` of the X448 encodings of low-order points: 0 (order
/// 2), 1 and p - 1 (order 4), and the non-canonical p and p + 1.
fn x448_low_order() -> Vec<Vec<u8>> {
    let mut p = vec![0xff; 56];
    p[28] = 0xfe;
    let mut p_minus_1 = p.clone();
    p_minus_1[0] = 0xfe;
    let mut p_plus_1 = vec![0u8; 28];
    p_plus_1.extend([0xff; 28]);
    let mut one = vec![0u8; 56];
    one[0] = 1;
    vec![vec![0u8; 56], one, p_minus_1, p, p_plus_1]
}

#[test]
fn x448_low_order_points_are_refused() {
    for suite in [4u16, 6].map(CipherSuite) {
        let (sk, _) = hpke_key_pair(suite, 3);
        for point in x448_low_order() {
            // Each is low order: decapsulation against it is all zero.
            assert_eq!(
                P.hpke_open(suite, &sk, &point, b"", b"", &[0; 17]),
                Err(CryptoError::ZeroSharedSecret)
            );
            assert_eq!(
                validate(suite, &point),
                Err(CryptoError::InvalidPublicKey),
                "suite {} u {}",
                suite.0,
                hex::encode(&point)
            );
        }
        // On the neighbours of each listed encoding (some listed too), the
        // check agrees with a Diffie-Hellman.
        for point in x448_low_order() {
            for delta in [1u8, 0xff] {
                let mut near = point.clone();
                near[0] = near[0].wrapping_add(delta);
                let shared = x448::x448_unchecked([0x33; 56], near.clone().try_into().unwrap());
                let contributory = shared != [0u8; 56];
                let valid = validate(suite, &near).is_ok();
                assert_eq!(valid, contributory, "{}", hex::encode(&near));
            }
        }
        // Arbitrary strings are points of the curve or of its twist, of
        // large order: they pass.
        let mut rng = TestRng::new(12);
        for _ in 0..32 {
            let mut point = [0u8; 56];
            rng.fill_bytes(&mut point);
            assert_eq!(validate(suite, &point), Ok(()));
        }
    }
}

#[test]
fn nist_encodings_other_than_an_uncompressed_curve_point_are_refused() {
    for suite in [2u16, 5, 7].map(CipherSuite) {
        let npk = npk(suite);
        let coordinate = (npk - 1) / 2;
        let (_, pk) = hpke_key_pair(suite, 5);
        assert_eq!(validate(suite, &pk.0), Ok(()));
        let refused = |key: &[u8], what: &str| {
            assert_eq!(
                validate(suite, key),
                Err(CryptoError::InvalidPublicKey),
                "suite {} {what}",
                suite.0
            );
        };
        // The identity: its SEC1 encoding, and all zeros of the right length.
        refused(&[0x00], "identity");
        refused(&vec![0u8; npk], "zeros");
        let mut origin = vec![0u8; npk];
        origin[0] = 0x04;
        refused(&origin, "(0, 0)");
        // Off the curve: y + 1.
        let mut off = pk.0.clone();
        *off.last_mut().unwrap() ^= 1;
        refused(&off, "off the curve");
        // Another tag on the right length: compressed and hybrid forms.
        for tag in [0x02, 0x03, 0x06, 0x07] {
            let mut other = pk.0.clone();
            other[0] = tag;
            refused(&other, "tag");
        }
        // The compressed encoding of a valid point.
        let mut compressed = vec![0x02 | (pk.0[npk - 1] & 1)];
        compressed.extend(&pk.0[1..=coordinate]);
        refused(&compressed, "compressed");
        // An x coordinate not below the field prime.
        let mut big_x = pk.0.clone();
        big_x[1..=coordinate].fill(0xff);
        refused(&big_x, "x >= p");
    }
}
