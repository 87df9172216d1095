use super::*;
use crate::codec::decode_exact;
use crate::crypto::{CipherSuite, RustCryptoProvider, SuiteCrypto};
use crate::error::Error;
use crate::secret_tree::{RatchetType, SecretTreeError};

use RatchetType::{Application, Handshake};

fn suite_of(suite: CipherSuite) -> SuiteCrypto<'static> {
    SuiteCrypto::new(&RustCryptoProvider, suite).unwrap()
}

fn size(leaves: u32) -> TreeSize {
    TreeSize::for_leaves(leaves).unwrap()
}

fn secret(byte: u8, len: usize) -> Secret {
    Secret::new(vec![byte; len])
}

fn key_nonce(byte: u8) -> KeyNonce {
    KeyNonce::new(secret(byte, 16), secret(byte, 12))
}

/// A ratchet at `head` (exhausted if `None`) retaining `retained`.
fn ratchet(head: Option<u32>, retained: &[u32]) -> HashRatchet {
    HashRatchet {
        head: head.map(|generation| RatchetHead {
            generation,
            secret: secret(9, 32),
        }),
        retained: retained.iter().map(|g| (*g, key_nonce(3))).collect(),
    }
}

fn fresh_ratchets() -> LeafRatchets {
    LeafRatchets {
        handshake: ratchet(Some(0), &[]),
        application: ratchet(Some(0), &[]),
    }
}

/// A tree built field by field, invariants unchecked.
fn raw(leaves: u32, nodes: &[u32], ratchets: Vec<(u32, LeafRatchets)>) -> SecretTree {
    SecretTree {
        size: size(leaves),
        config: SecretTreeConfig::DEFAULT,
        nodes: nodes
            .iter()
            .map(|n| (NodeIndex(*n), secret(7, 32)))
            .collect(),
        leaves: ratchets
            .into_iter()
            .map(|(l, r)| (LeafIndex(l), r))
            .collect(),
    }
}

fn decode(bytes: &[u8]) -> Result<SecretTree, DecodeError> {
    decode_exact::<SecretTree>(bytes)
}

/// The error decoding the encoding of `tree` fails with.
fn rejection(tree: &SecretTree) -> DecodeError {
    decode(&tree.to_bytes().unwrap()).unwrap_err()
}

/// The outcome of one key lookup, comparable across trees.
fn outcome(r: Result<KeyNonce, Error>) -> Result<KeyNonce, SecretTreeError> {
    r.map_err(|e| match e {
        Error::SecretTree(e) => e,
        other => panic!("unexpected error {other:?}"),
    })
}

/// A tree of 8 leaves in use: its own leaf 3 has sent, leaf 5 has
/// delivered out of order (leaving retained keys), leaf 0 once.
fn tree_in_use(suite: &SuiteCrypto<'_>) -> SecretTree {
    let nh = suite.hash_len();
    let config = SecretTreeConfig {
        max_forward_distance: 50,
        max_retained_keys: 4,
    };
    let mut t = SecretTree::with_config(secret(0x42, nh), size(8), config);
    for _ in 0..3 {
        t.next_encryption_key(suite, LeafIndex(3), Application)
            .unwrap();
    }
    t.next_encryption_key(suite, LeafIndex(3), Handshake)
        .unwrap();
    for generation in [6, 2, 4] {
        t.decryption_key(suite, LeafIndex(5), Application, generation)
            .unwrap();
    }
    t.decryption_key(suite, LeafIndex(0), Handshake, 0).unwrap();
    t
}

#[test]
fn fresh_trees_round_trip() {
    for leaves in [1, 2, 8, 1 << 20] {
        let t = SecretTree::new(secret(1, 32), size(leaves));
        let bytes = t.to_bytes().unwrap();
        let back = decode(&bytes).unwrap();
        assert_eq!(back, t);
        assert_eq!(back.to_bytes().unwrap(), bytes);
    }
}

#[test]
fn a_tree_in_use_round_trips_and_behaves_the_same() {
    for cs in CipherSuite::ALL {
        let s = suite_of(cs);
        let mut original = tree_in_use(&s);
        assert_eq!(original.leaves[&LeafIndex(5)].application.retained.len(), 2);
        let bytes = original.to_bytes().unwrap();
        let mut restored = decode(&bytes).unwrap();
        assert_eq!(restored, original);
        assert_eq!(restored.config(), original.config());
        assert_eq!(restored.to_bytes().unwrap(), bytes);

        let lookups = [
            (5, Application, 3),   // retained
            (5, Application, 3),   // replay
            (5, Application, 6),   // replay of the last in-order key
            (5, Application, 2),   // used before the export
            (5, Application, 5),   // retained
            (5, Application, 7),   // next
            (5, Application, 100), // too far ahead
            (0, Handshake, 0),     // used before the export
            (6, Handshake, 0),     // from a cached sibling secret
            (6, Handshake, 0),     // replay
            (9, Handshake, 0),     // outside the tree
        ];
        for (leaf, ratchet, generation) in lookups {
            let a = outcome(original.decryption_key(&s, LeafIndex(leaf), ratchet, generation));
            let b = outcome(restored.decryption_key(&s, LeafIndex(leaf), ratchet, generation));
            assert_eq!(
                a, b,
                "{cs:?} leaf {leaf} {ratchet:?} generation {generation}"
            );
        }
        let sent = original
            .next_encryption_key(&s, LeafIndex(3), Application)
            .unwrap();
        assert_eq!(sent.0, 3);
        let restored_sent = restored
            .next_encryption_key(&s, LeafIndex(3), Application)
            .unwrap();
        assert_eq!(restored_sent, sent);
        assert_eq!(restored, original);
    }
}

#[test]
fn the_outcomes_above_are_the_expected_ones() {
    let s = suite_of(CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519);
    let mut t = decode(&tree_in_use(&s).to_bytes().unwrap()).unwrap();
    assert!(t.decryption_key(&s, LeafIndex(5), Application, 3).is_ok());
    let replay = outcome(t.decryption_key(&s, LeafIndex(5), Application, 3));
    assert_eq!(
        replay,
        Err(SecretTreeError::GenerationConsumed { generation: 3 })
    );
    let ahead = outcome(t.decryption_key(&s, LeafIndex(5), Application, 100));
    assert_eq!(
        ahead,
        Err(SecretTreeError::GenerationTooFarAhead {
            generation: 100,
            current: 7,
            max_forward: 50
        })
    );
}

#[test]
fn exhausted_ratchets_round_trip() {
    let t = raw(
        1,
        &[],
        vec![(
            0,
            LeafRatchets {
                handshake: ratchet(None, &[5, u32::MAX - 1]),
                application: ratchet(Some(u32::MAX), &[0]),
            },
        )],
    );
    assert_eq!(decode(&t.to_bytes().unwrap()).unwrap(), t);
}

#[test]
fn every_truncation_fails() {
    let s = suite_of(CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519);
    let bytes = tree_in_use(&s).to_bytes().unwrap();
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
fn indices_outside_the_tree_are_rejected() {
    // A tree of 4 leaves has nodes 0..=6.
    assert_eq!(rejection(&raw(4, &[7], vec![])), NODE_INDEX);
    assert_eq!(rejection(&raw(4, &[u32::MAX], vec![])), NODE_INDEX);
    let leaf4 = vec![(4, fresh_ratchets())];
    assert_eq!(rejection(&raw(4, &[3], leaf4)), LEAF_INDEX);
}

#[test]
fn secrets_on_one_path_are_rejected() {
    // The root and a node below it.
    assert_eq!(rejection(&raw(4, &[1, 3], vec![])), OVERLAP);
    assert_eq!(rejection(&raw(4, &[0, 2, 3], vec![])), OVERLAP);
    // An initialized leaf under a stored secret, or with its own.
    assert_eq!(
        rejection(&raw(4, &[3], vec![(0, fresh_ratchets())])),
        OVERLAP
    );
    assert_eq!(
        rejection(&raw(4, &[0, 2, 5], vec![(0, fresh_ratchets())])),
        OVERLAP
    );
}

#[test]
fn leaves_without_a_secret_are_rejected() {
    assert_eq!(rejection(&raw(4, &[], vec![])), GAP);
    assert_eq!(rejection(&raw(4, &[1], vec![])), GAP);
    // Leaf 0 (node 0) is neither initialized nor under node 2 or 5.
    assert_eq!(rejection(&raw(4, &[2, 5], vec![])), GAP);
    assert_eq!(rejection(&raw(4, &[5], vec![(1, fresh_ratchets())])), GAP);
    // The same frontier with leaf 0 is complete.
    let complete = raw(4, &[2, 5], vec![(0, fresh_ratchets())]);
    assert_eq!(decode(&complete.to_bytes().unwrap()).unwrap(), complete);
}

/// Encodes a tree of `leaves` leaves with the given entry bytes.
fn tree_bytes(leaves: u32, nodes: &[u8], ratchets: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    size(leaves).encode(&mut out).unwrap();
    SecretTreeConfig::DEFAULT
        .max_forward_distance
        .encode(&mut out)
        .unwrap();
    SecretTreeConfig::DEFAULT
        .max_retained_keys
        .encode(&mut out)
        .unwrap();
    encode_vector(&mut out, |out| {
        out.extend_from_slice(nodes);
        Ok(())
    })
    .unwrap();
    encode_vector(&mut out, |out| {
        out.extend_from_slice(ratchets);
        Ok(())
    })
    .unwrap();
    out
}

fn node_entry(node: u32) -> Vec<u8> {
    let mut out = Vec::new();
    NodeIndex(node).encode(&mut out).unwrap();
    secret(7, 32).encode(&mut out).unwrap();
    out
}

fn leaf_entry(leaf: u32, handshake: &HashRatchet) -> Vec<u8> {
    let mut out = Vec::new();
    LeafIndex(leaf).encode(&mut out).unwrap();
    encode_ratchet(handshake, &mut out).unwrap();
    encode_ratchet(&ratchet(Some(0), &[]), &mut out).unwrap();
    out
}

#[test]
fn entries_out_of_order_are_rejected() {
    let ascending = [node_entry(1), node_entry(5)].concat();
    assert!(decode(&tree_bytes(4, &ascending, &[])).is_ok());
    let descending = [node_entry(5), node_entry(1)].concat();
    assert_eq!(decode(&tree_bytes(4, &descending, &[])), Err(NODE_ORDER));
    let repeated = [node_entry(1), node_entry(1)].concat();
    assert_eq!(decode(&tree_bytes(4, &repeated, &[])), Err(NODE_ORDER));

    let fresh = ratchet(Some(0), &[]);
    let ascending = [leaf_entry(0, &fresh), leaf_entry(1, &fresh)].concat();
    assert!(decode(&tree_bytes(2, &[], &ascending)).is_ok());
    let descending = [leaf_entry(1, &fresh), leaf_entry(0, &fresh)].concat();
    assert_eq!(decode(&tree_bytes(2, &[], &descending)), Err(LEAF_ORDER));
}

#[test]
fn retained_keys_out_of_order_are_rejected() {
    let mut out = Vec::new();
    LeafIndex(0).encode(&mut out).unwrap();
    out.push(1);
    9u32.encode(&mut out).unwrap();
    secret(9, 32).encode(&mut out).unwrap();
    encode_vector(&mut out, |out| {
        for generation in [3u32, 2] {
            generation.encode(out)?;
            secret(3, 16).encode(out)?;
            secret(3, 12).encode(out)?;
        }
        Ok(())
    })
    .unwrap();
    encode_ratchet(&ratchet(Some(0), &[]), &mut out).unwrap();
    assert_eq!(decode(&tree_bytes(1, &[], &out)), Err(RETAINED_ORDER));
}

#[test]
fn too_many_retained_keys_are_rejected() {
    let within = raw(1, &[], vec![]);
    let with = |config: SecretTreeConfig, retained: &[u32]| SecretTree {
        config,
        leaves: [(
            LeafIndex(0),
            LeafRatchets {
                handshake: ratchet(Some(100), retained),
                application: ratchet(Some(0), &[]),
            },
        )]
        .into(),
        ..within.clone()
    };
    let two = SecretTreeConfig {
        max_forward_distance: 10,
        max_retained_keys: 2,
    };
    let t = with(two, &[1, 2]);
    assert_eq!(decode(&t.to_bytes().unwrap()).unwrap(), t);
    assert_eq!(rejection(&with(two, &[1, 2, 3])), RETAINED_COUNT);
    let none = SecretTreeConfig {
        max_retained_keys: 0,
        ..two
    };
    assert_eq!(rejection(&with(none, &[1])), RETAINED_COUNT);
}

#[test]
fn retained_keys_not_behind_the_head_are_rejected() {
    let leaf = |handshake| {
        vec![(
            0,
            LeafRatchets {
                handshake,
                application: ratchet(Some(0), &[]),
            },
        )]
    };
    assert_eq!(
        rejection(&raw(1, &[], leaf(ratchet(Some(5), &[5])))),
        RETAINED_GENERATION
    );
    assert_eq!(
        rejection(&raw(1, &[], leaf(ratchet(Some(5), &[1, 9])))),
        RETAINED_GENERATION
    );
    assert_eq!(
        rejection(&raw(1, &[], leaf(ratchet(None, &[u32::MAX])))),
        RETAINED_GENERATION
    );
}

#[test]
fn secrets_of_inconsistent_length_are_rejected() {
    let secret_len = DecodeError::Invalid(InvalidField::SecretTreeSecretLength);
    let mut t = raw(4, &[1, 5], vec![]);
    t.nodes.insert(NodeIndex(5), secret(7, 48));
    assert_eq!(rejection(&t), secret_len);
    t.nodes.insert(NodeIndex(5), Secret::new(Vec::new()));
    assert_eq!(rejection(&t), secret_len);
    let mut t = raw(1, &[0], vec![]);
    t.nodes
        .insert(NodeIndex(0), secret(7, MAX_STATE_SECRET_LEN + 1));
    assert_eq!(rejection(&t), secret_len);

    // A ratchet secret must match the tree secrets.
    let mut short_head = fresh_ratchets();
    if let Some(head) = short_head.application.head.as_mut() {
        head.secret = secret(9, 16);
    }
    assert_eq!(rejection(&raw(2, &[2], vec![(0, short_head)])), secret_len);

    // Keys and nonces must match each other across ratchets.
    let mut odd_key = fresh_ratchets();
    odd_key.handshake = ratchet(Some(4), &[1]);
    odd_key.application = ratchet(Some(4), &[2]);
    odd_key
        .application
        .retained
        .insert(3, KeyNonce::new(secret(3, 32), secret(3, 12)));
    assert_eq!(
        rejection(&raw(1, &[], vec![(0, odd_key)])),
        DecodeError::Invalid(InvalidField::RatchetKeyLength)
    );
    let mut odd_nonce = fresh_ratchets();
    odd_nonce.handshake = ratchet(Some(4), &[1]);
    odd_nonce
        .handshake
        .retained
        .insert(2, KeyNonce::new(secret(3, 16), secret(3, 24)));
    assert_eq!(
        rejection(&raw(1, &[], vec![(0, odd_nonce)])),
        DecodeError::Invalid(InvalidField::RatchetNonceLength)
    );
}

#[test]
fn malformed_headers_are_rejected() {
    let mut bytes = raw(4, &[3], vec![]).to_bytes().unwrap();
    bytes[3] = 3; // a leaf count that is not a power of two
    assert_eq!(
        decode(&bytes),
        Err(DecodeError::Invalid(InvalidField::TreeSize))
    );

    let mut bytes = raw(1, &[], vec![(0, fresh_ratchets())]).to_bytes().unwrap();
    // Each fresh ratchet takes 1 + 4 + 1 + 32 + 1 bytes; the handshake
    // ratchet's presence octet comes first.
    let handshake = bytes.len() - 2 * 39;
    bytes[handshake] = 2;
    assert_eq!(decode(&bytes), Err(DecodeError::InvalidOptional(2)));
}
