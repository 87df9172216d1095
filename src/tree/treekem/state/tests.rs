use super::*;
use crate::codec::decode_exact;
use crate::crypto::{CipherSuite, RustCryptoProvider, Secret, SuiteCrypto};

fn pair(byte: u8) -> (HpkePublicKey, HpkePrivateKey) {
    (
        HpkePublicKey(vec![byte; 32]),
        HpkePrivateKey::from_secret(Secret::new(vec![byte; 32])),
    )
}

/// Keys of `own_leaf` at `nodes`, invariants unchecked.
fn raw(own_leaf: u32, nodes: &[u32]) -> TreeKemPrivate {
    TreeKemPrivate {
        own_leaf: LeafIndex(own_leaf),
        keys: nodes.iter().map(|n| (NodeIndex(*n), pair(1))).collect(),
    }
}

fn decode(bytes: &[u8]) -> Result<TreeKemPrivate, DecodeError> {
    decode_exact::<TreeKemPrivate>(bytes)
}

fn rejection(keys: &TreeKemPrivate) -> DecodeError {
    decode(&keys.to_bytes().unwrap()).unwrap_err()
}

/// A member at leaf 5 of 8 holding derived keys on its whole path.
fn member(suite: &SuiteCrypto<'_>) -> TreeKemPrivate {
    let leaf = suite
        .derive_key_pair(&[5; 32])
        .map(|(private, public)| (public, private))
        .unwrap();
    let mut keys = TreeKemPrivate::new(LeafIndex(5), leaf.0, leaf.1).unwrap();
    for node in [9, 11, 7] {
        let secret = Secret::new(vec![u8::try_from(node).unwrap(); suite.hash_len()]);
        keys.set_path_secret(suite, NodeIndex(node), &secret)
            .unwrap();
    }
    keys
}

#[test]
fn keys_round_trip() {
    for cs in CipherSuite::ALL {
        let suite = SuiteCrypto::new(&RustCryptoProvider, cs).unwrap();
        let keys = member(&suite);
        let bytes = keys.to_bytes().unwrap();
        let back = decode(&bytes).unwrap();
        assert_eq!(back, keys);
        assert_eq!(back.own_leaf(), LeafIndex(5));
        assert_eq!(
            back.nodes().map(|n| n.0).collect::<Vec<_>>(),
            [7, 9, 10, 11]
        );
        assert_eq!(back.to_bytes().unwrap(), bytes);
    }
    // A key above the root of a small tree: on the path in a larger one.
    let wide = raw(0, &[0, 1, 3, 7, 15, (1u32 << 31) - 1]);
    assert_eq!(decode(&wide.to_bytes().unwrap()).unwrap(), wide);
    let last = raw((1 << 31) - 1, &[u32::MAX - 1, u32::MAX - 2, (1 << 31) - 1]);
    assert_eq!(decode(&last.to_bytes().unwrap()).unwrap(), last);
}

#[test]
fn every_truncation_fails() {
    let suite = SuiteCrypto::new(
        &RustCryptoProvider,
        CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519,
    )
    .unwrap();
    let bytes = member(&suite).to_bytes().unwrap();
    for len in 0..bytes.len() {
        let e = decode(&bytes[..len]).unwrap_err();
        assert!(
            matches!(
                e,
                DecodeError::Truncated { .. } | DecodeError::LengthExceedsInput { .. }
            ),
            "prefix of {len} bytes: {e:?}"
        );
    }
    let mut longer = bytes;
    longer.push(0);
    assert_eq!(decode(&longer), Err(DecodeError::TrailingBytes(1)));
}

#[test]
fn an_own_leaf_past_the_largest_tree_is_rejected() {
    let mut bytes = raw(0, &[0]).to_bytes().unwrap();
    bytes[..4].copy_from_slice(&(1u32 << 31).to_be_bytes());
    assert_eq!(decode(&bytes), Err(OWN_LEAF));
}

#[test]
fn keys_off_the_direct_path_are_rejected() {
    // Leaf 2 is node 4; its direct path is 5, 3, 7, 15, ...
    assert!(decode(&raw(2, &[3, 4, 5, 7]).to_bytes().unwrap()).is_ok());
    assert_eq!(rejection(&raw(2, &[1, 4])), KEY_NODE); // beside the path
    assert_eq!(rejection(&raw(2, &[4, 6])), KEY_NODE); // a sibling leaf
    assert_eq!(rejection(&raw(2, &[4, 11])), KEY_NODE); // another subtree
    assert_eq!(rejection(&raw(2, &[4, u32::MAX])), KEY_NODE); // no node
}

#[test]
fn a_missing_leaf_key_is_rejected() {
    assert_eq!(rejection(&raw(2, &[5, 7])), LEAF_KEY);
    // No key at all: a removed member's wiped keys.
    let wiped = raw(2, &[]);
    assert_eq!(decode(&wiped.to_bytes().unwrap()).unwrap(), wiped);
}

#[test]
fn keys_out_of_order_are_rejected() {
    let entry = |node: u32| {
        let mut out = Vec::new();
        NodeIndex(node).encode(&mut out).unwrap();
        let (public, private) = pair(1);
        public.encode(&mut out).unwrap();
        private.encode(&mut out).unwrap();
        out
    };
    let state = |entries: &[u32]| {
        let mut out = Vec::new();
        LeafIndex(2).encode(&mut out).unwrap();
        let body: Vec<u8> = entries.iter().flat_map(|n| entry(*n)).collect();
        encode_vector(&mut out, |out| {
            out.extend_from_slice(&body);
            Ok(())
        })
        .unwrap();
        out
    };
    assert!(decode(&state(&[4, 5])).is_ok());
    assert_eq!(decode(&state(&[5, 4])), Err(KEY_ORDER));
    assert_eq!(decode(&state(&[4, 4])), Err(KEY_ORDER));
}

#[test]
fn keys_of_inconsistent_length_are_rejected() {
    let mut keys = raw(2, &[4, 5]);
    keys.keys
        .insert(NodeIndex(5), (HpkePublicKey(vec![1; 65]), pair(1).1));
    assert_eq!(
        rejection(&keys),
        DecodeError::Invalid(InvalidField::HpkePublicKeyLength)
    );
    keys.keys
        .insert(NodeIndex(5), (HpkePublicKey(Vec::new()), pair(1).1));
    assert_eq!(
        rejection(&keys),
        DecodeError::Invalid(InvalidField::HpkePublicKeyLength)
    );
    let short = HpkePrivateKey::from_secret(Secret::new(vec![1; 31]));
    keys.keys.insert(NodeIndex(5), (pair(1).0, short));
    assert_eq!(
        rejection(&keys),
        DecodeError::Invalid(InvalidField::HpkePrivateKeyLength)
    );
}
