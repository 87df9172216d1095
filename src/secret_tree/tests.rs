use super::ratchet::RatchetHead;
use super::*;
use crate::crypto::{CipherSuite, RustCryptoProvider};

fn suite() -> SuiteCrypto<'static> {
    SuiteCrypto::new(
        &RustCryptoProvider,
        CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519,
    )
    .unwrap()
}

fn size(leaves: u32) -> TreeSize {
    TreeSize::for_leaves(leaves).unwrap()
}

fn root_secret() -> Secret {
    Secret::from_slice(&[7u8; 32])
}

fn tree(leaves: u32) -> SecretTree {
    SecretTree::new(root_secret(), size(leaves))
}

fn tree_with(leaves: u32, max_forward_distance: u32, max_retained_keys: u32) -> SecretTree {
    SecretTree::with_config(
        root_secret(),
        size(leaves),
        SecretTreeConfig {
            max_forward_distance,
            max_retained_keys,
        },
    )
}

/// The key of (leaf, ratchet, generation) derived the naive way: down from
/// the root, then `generation` ratchet steps.
fn reference_key(leaves: u32, leaf: u32, ratchet: RatchetType, generation: u32) -> KeyNonce {
    let s = suite();
    let size = size(leaves);
    let target = LeafIndex(leaf).node().unwrap();
    let mut node = size.root();
    let mut secret = root_secret();
    while node != target {
        let (label, next) = if target < node {
            ("left", node.left().unwrap())
        } else {
            ("right", node.right().unwrap())
        };
        secret = s
            .expand_with_label(secret.as_bytes(), "tree", label.as_bytes(), 32)
            .unwrap();
        node = next;
    }
    let mut secret = s
        .expand_with_label(secret.as_bytes(), ratchet.label(), &[], 32)
        .unwrap();
    for j in 0..generation {
        secret = s
            .derive_tree_secret(secret.as_bytes(), "secret", j, 32)
            .unwrap();
    }
    KeyNonce::new(
        s.derive_tree_secret(secret.as_bytes(), "key", generation, 16)
            .unwrap(),
        s.derive_tree_secret(secret.as_bytes(), "nonce", generation, 12)
            .unwrap(),
    )
}

fn err_of<T: core::fmt::Debug>(r: Result<T, Error>) -> SecretTreeError {
    match r {
        Err(Error::SecretTree(e)) => e,
        other => panic!("expected a secret tree error, got {other:?}"),
    }
}

use RatchetType::{Application, Handshake};

#[test]
fn keys_match_the_naive_derivation() {
    let s = suite();
    for leaves in [1, 2, 8] {
        let mut t = tree(leaves);
        for leaf in 0..leaves {
            for (ratchet, generation) in [(Handshake, 0), (Application, 0), (Application, 3)] {
                let got = t
                    .decryption_key(&s, LeafIndex(leaf), ratchet, generation)
                    .unwrap();
                assert_eq!(got, reference_key(leaves, leaf, ratchet, generation));
            }
        }
    }
}

#[test]
fn creation_derives_nothing_and_caches_only_the_root() {
    let t = tree(1 << 20);
    assert_eq!(t.nodes.len(), 1);
    assert!(t.nodes.contains_key(&NodeIndex((1 << 20) - 1)));
    assert!(t.leaves.is_empty());
}

#[test]
fn deriving_a_leaf_deletes_its_path_and_keeps_the_copath() {
    let s = suite();
    let mut t = tree(8);
    t.decryption_key(&s, LeafIndex(0), Application, 0).unwrap();
    let cached: Vec<u32> = t.nodes.keys().map(|n| n.0).collect();
    assert_eq!(cached, [2, 5, 11], "only the copath of leaf 0 remains");
    // Leaf 1 (node 2) consumes its own cached secret and nothing else.
    t.decryption_key(&s, LeafIndex(1), Handshake, 0).unwrap();
    let cached: Vec<u32> = t.nodes.keys().map(|n| n.0).collect();
    assert_eq!(cached, [5, 11]);
    for leaf in 2..8 {
        t.decryption_key(&s, LeafIndex(leaf), Handshake, 0).unwrap();
    }
    assert!(t.nodes.is_empty(), "every tree secret is consumed");
    assert_eq!(t.leaves.len(), 8);
}

#[test]
fn a_used_key_cannot_be_fetched_again() {
    let s = suite();
    let mut t = tree(4);
    t.decryption_key(&s, LeafIndex(2), Application, 0).unwrap();
    let before = t.clone();
    let e = err_of(t.decryption_key(&s, LeafIndex(2), Application, 0));
    assert_eq!(e, SecretTreeError::GenerationConsumed { generation: 0 });
    assert_eq!(t, before);
    // The other ratchet of the same leaf is independent.
    t.decryption_key(&s, LeafIndex(2), Handshake, 0).unwrap();
}

#[test]
fn out_of_order_generations_are_served_once_each() {
    let s = suite();
    let mut t = tree(4);
    for generation in [5, 3, 4, 0, 2, 1, 6] {
        let got = t
            .decryption_key(&s, LeafIndex(1), Application, generation)
            .unwrap();
        assert_eq!(got, reference_key(4, 1, Application, generation));
    }
    for generation in 0..=6 {
        let e = err_of(t.decryption_key(&s, LeafIndex(1), Application, generation));
        assert_eq!(e, SecretTreeError::GenerationConsumed { generation });
    }
    let ratchet = &t.leaves[&LeafIndex(1)].application;
    assert!(ratchet.retained.is_empty());
    assert_eq!(ratchet.next_generation(), Some(7));
}

#[test]
fn forward_window_is_enforced_and_leaves_the_tree_unchanged() {
    let s = suite();
    let mut t = tree_with(4, 10, 4);
    let before = t.clone();
    let e = err_of(t.decryption_key(&s, LeafIndex(3), Handshake, 11));
    assert_eq!(
        e,
        SecretTreeError::GenerationTooFarAhead {
            generation: 11,
            current: 0,
            max_forward: 10
        }
    );
    assert_eq!(t, before, "a rejected first lookup derives nothing");
    t.decryption_key(&s, LeafIndex(3), Handshake, 10).unwrap();
    let before = t.clone();
    let e = err_of(t.decryption_key(&s, LeafIndex(3), Handshake, 22));
    assert_eq!(
        e,
        SecretTreeError::GenerationTooFarAhead {
            generation: 22,
            current: 11,
            max_forward: 10
        }
    );
    assert_eq!(t, before);
    t.decryption_key(&s, LeafIndex(3), Handshake, 21).unwrap();
    let e = err_of(t.decryption_key(&s, LeafIndex(3), Handshake, u32::MAX));
    assert!(matches!(
        e,
        SecretTreeError::GenerationTooFarAhead {
            generation: u32::MAX,
            current: 22,
            ..
        }
    ));
}

#[test]
fn retained_keys_are_bounded_oldest_first() {
    let s = suite();
    let mut t = tree_with(2, 100, 2);
    t.decryption_key(&s, LeafIndex(0), Application, 5).unwrap();
    let retained: Vec<u32> = t.leaves[&LeafIndex(0)]
        .application
        .retained
        .keys()
        .copied()
        .collect();
    assert_eq!(retained, [3, 4]);
    for generation in 0..3 {
        let before = t.clone();
        let e = err_of(t.decryption_key(&s, LeafIndex(0), Application, generation));
        assert_eq!(e, SecretTreeError::GenerationConsumed { generation });
        assert_eq!(t, before);
    }
    // A later jump pushes out the oldest retained key.
    t.decryption_key(&s, LeafIndex(0), Application, 7).unwrap();
    let retained: Vec<u32> = t.leaves[&LeafIndex(0)]
        .application
        .retained
        .keys()
        .copied()
        .collect();
    assert_eq!(retained, [4, 6]);
    assert_eq!(
        t.decryption_key(&s, LeafIndex(0), Application, 4).unwrap(),
        reference_key(2, 0, Application, 4)
    );
    assert_eq!(
        err_of(t.decryption_key(&s, LeafIndex(0), Application, 3)),
        SecretTreeError::GenerationConsumed { generation: 3 }
    );
}

#[test]
fn defaults_are_1000_forward_and_32_retained() {
    let s = suite();
    let mut t = tree(4);
    assert_eq!(t.config(), SecretTreeConfig::default());
    assert_eq!(
        err_of(t.decryption_key(&s, LeafIndex(0), Handshake, 1001)),
        SecretTreeError::GenerationTooFarAhead {
            generation: 1001,
            current: 0,
            max_forward: 1000
        }
    );
    t.decryption_key(&s, LeafIndex(0), Handshake, 1000).unwrap();
    let retained = &t.leaves[&LeafIndex(0)].handshake.retained;
    assert_eq!(retained.len(), 32);
    assert_eq!(retained.keys().next(), Some(&968));
}

#[test]
fn zero_retention_accepts_gaps_but_not_late_messages() {
    let s = suite();
    let mut t = tree_with(2, 100, 0);
    t.decryption_key(&s, LeafIndex(1), Application, 4).unwrap();
    assert!(t.leaves[&LeafIndex(1)].application.retained.is_empty());
    assert_eq!(
        err_of(t.decryption_key(&s, LeafIndex(1), Application, 3)),
        SecretTreeError::GenerationConsumed { generation: 3 }
    );
    t.decryption_key(&s, LeafIndex(1), Application, 5).unwrap();
}

#[test]
fn leaves_outside_the_tree_are_rejected() {
    let s = suite();
    let mut t = tree(8);
    let before = t.clone();
    for leaf in [8, 9, 1 << 31, u32::MAX] {
        let want = SecretTreeError::LeafOutOfRange {
            leaf: LeafIndex(leaf),
            leaves: 8,
        };
        assert_eq!(
            err_of(t.decryption_key(&s, LeafIndex(leaf), Application, 0)),
            want
        );
        assert_eq!(
            err_of(t.stage_decryption_key(&s, LeafIndex(leaf), Handshake, u32::MAX)),
            want
        );
        assert_eq!(
            err_of(t.next_encryption_key(&s, LeafIndex(leaf), Handshake)),
            want
        );
    }
    assert_eq!(t, before);
}

#[test]
fn sender_and_receiver_agree() {
    let s = suite();
    let mut sender = tree(16);
    let mut receiver = tree(16);
    for expected in 0..5 {
        let (generation, key) = sender
            .next_encryption_key(&s, LeafIndex(9), Application)
            .unwrap();
        assert_eq!(generation, expected);
        assert_eq!(
            receiver
                .decryption_key(&s, LeafIndex(9), Application, generation)
                .unwrap(),
            key
        );
    }
    let (generation, _) = sender
        .next_encryption_key(&s, LeafIndex(9), Handshake)
        .unwrap();
    assert_eq!(generation, 0);
}

#[test]
fn every_suite_yields_keys_of_its_aead_sizes() {
    for cs in CipherSuite::ALL {
        let s = SuiteCrypto::new(&RustCryptoProvider, cs).unwrap();
        let root = Secret::new(vec![3; s.hash_len()]);
        let mut sender = SecretTree::new(root.clone(), size(4));
        let mut receiver = SecretTree::new(root, size(4));
        let (generation, key) = sender
            .next_encryption_key(&s, LeafIndex(3), Handshake)
            .unwrap();
        assert_eq!(key.key().len(), s.params().aead_key_len(), "{cs:?}");
        assert_eq!(key.nonce().len(), s.params().aead_nonce_len(), "{cs:?}");
        assert_eq!(
            receiver
                .decryption_key(&s, LeafIndex(3), Handshake, generation)
                .unwrap(),
            key
        );
    }
}

#[test]
fn the_last_generation_exhausts_the_ratchet() {
    let s = suite();
    let mut t = tree(2);
    t.decryption_key(&s, LeafIndex(0), Application, 0).unwrap();
    let head = RatchetHead {
        generation: u32::MAX - 1,
        secret: Secret::from_slice(&[1u8; 32]),
    };
    t.leaves.get_mut(&LeafIndex(0)).unwrap().application.head = Some(head);
    let (g, _) = t
        .next_encryption_key(&s, LeafIndex(0), Application)
        .unwrap();
    assert_eq!(g, u32::MAX - 1);
    let (g, _) = t
        .next_encryption_key(&s, LeafIndex(0), Application)
        .unwrap();
    assert_eq!(g, u32::MAX);
    assert!(t.leaves[&LeafIndex(0)].application.head.is_none());
    let before = t.clone();
    assert_eq!(
        err_of(t.next_encryption_key(&s, LeafIndex(0), Application)),
        SecretTreeError::GenerationExhausted
    );
    assert_eq!(
        err_of(t.decryption_key(&s, LeafIndex(0), Application, u32::MAX)),
        SecretTreeError::GenerationConsumed {
            generation: u32::MAX
        }
    );
    assert_eq!(t, before);
}

#[test]
fn staging_changes_nothing_and_dropping_a_staged_key_is_free() {
    let s = suite();
    let t = tree(8);
    let before = t.clone();
    let staged = t
        .stage_decryption_key(&s, LeafIndex(5), Application, 3)
        .unwrap();
    assert_eq!(staged.leaf(), LeafIndex(5));
    assert_eq!(staged.ratchet(), Application);
    assert_eq!(staged.generation(), 3);
    assert_eq!(*staged.key_nonce(), reference_key(8, 5, Application, 3));
    drop(staged);
    assert_eq!(t, before);
}

#[test]
fn staged_keys_merge_in_any_order_to_the_same_state() {
    let s = suite();
    let lookups = [
        (LeafIndex(0), Application, 2),
        (LeafIndex(1), Application, 0),
        (LeafIndex(0), Application, 0),
        (LeafIndex(6), Handshake, 1),
        (LeafIndex(0), Application, 3),
    ];
    let mut sequential = tree(8);
    for (leaf, ratchet, generation) in lookups {
        sequential
            .decryption_key(&s, leaf, ratchet, generation)
            .unwrap();
    }
    // Stage everything against the fresh tree, then merge in both orders.
    for reverse in [false, true] {
        let mut t = tree(8);
        let mut staged: Vec<StagedKey> = lookups
            .iter()
            .map(|&(leaf, ratchet, generation)| {
                t.stage_decryption_key(&s, leaf, ratchet, generation)
                    .unwrap()
            })
            .collect();
        if reverse {
            staged.reverse();
        }
        for k in staged {
            t.merge_staged_key(k).unwrap();
        }
        assert_eq!(t, sequential, "reverse = {reverse}");
    }
}

#[test]
fn merging_the_same_key_twice_fails_without_change() {
    let s = suite();
    let mut t = tree(4);
    let first = t
        .stage_decryption_key(&s, LeafIndex(2), Handshake, 1)
        .unwrap();
    let second = t
        .stage_decryption_key(&s, LeafIndex(2), Handshake, 1)
        .unwrap();
    t.merge_staged_key(first).unwrap();
    let before = t.clone();
    assert_eq!(
        err_of(t.merge_staged_key(second)),
        SecretTreeError::GenerationConsumed { generation: 1 }
    );
    assert_eq!(t, before);
}

#[test]
fn a_key_staged_by_another_tree_is_refused() {
    let s = suite();
    let mut a = tree(4);
    a.decryption_key(&s, LeafIndex(0), Handshake, 0).unwrap();
    let staged = a
        .stage_decryption_key(&s, LeafIndex(0), Handshake, 1)
        .unwrap();
    let mut b = tree(4);
    let before = b.clone();
    assert!(matches!(
        b.merge_staged_key(staged),
        Err(Error::Internal(_))
    ));
    assert_eq!(b, before);
    // A key staged in a bigger tree names a leaf outside a smaller one.
    let big = tree(16);
    let staged = big
        .stage_decryption_key(&s, LeafIndex(12), Handshake, 0)
        .unwrap();
    assert_eq!(
        err_of(b.merge_staged_key(staged)),
        SecretTreeError::LeafOutOfRange {
            leaf: LeafIndex(12),
            leaves: 4
        }
    );
    assert_eq!(b, before);
}

#[test]
fn debug_is_redacted() {
    let s = suite();
    let mut t = tree(4);
    let key = t.decryption_key(&s, LeafIndex(1), Handshake, 0).unwrap();
    let shown = format!("{t:?} {key:?}");
    assert!(!shown.contains(&hex::encode(key.key().as_bytes())));
    assert!(!shown.contains(&hex::encode(key.nonce().as_bytes())));
    assert!(!shown.contains("7, 7, 7"));
    assert!(shown.contains("redacted"));
}

#[test]
fn reuse_guard_xors_the_first_four_bytes() {
    let kn = KeyNonce::new(
        Secret::from_slice(&[0; 16]),
        Secret::from_slice(&[0xF0; 12]),
    );
    let n = kn.nonce_with_reuse_guard([1, 2, 3, 4]);
    assert_eq!(
        n.as_bytes(),
        [
            0xF1, 0xF2, 0xF3, 0xF4, 0xF0, 0xF0, 0xF0, 0xF0, 0xF0, 0xF0, 0xF0, 0xF0
        ]
    );
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    /// Any sequence of lookups: each success returns the naive key, each
    /// failure leaves the tree unchanged, and no key is served twice.
    #[test]
    fn lookups_never_misbehave(
        ops in proptest::collection::vec((0u32..5, proptest::bool::ANY, 0u32..40), 1..40)
    ) {
        let s = suite();
        let mut t = tree_with(4, 16, 4);
        let mut served = std::collections::BTreeSet::new();
        for (leaf, handshake, generation) in ops {
            let ratchet = if handshake { Handshake } else { Application };
            let before = t.clone();
            match t.decryption_key(&s, LeafIndex(leaf), ratchet, generation) {
                Ok(key) => {
                    proptest::prop_assert!(served.insert((leaf, handshake, generation)));
                    proptest::prop_assert_eq!(key, reference_key(4, leaf, ratchet, generation));
                }
                Err(_) => proptest::prop_assert_eq!(&t, &before),
            }
        }
    }
}
