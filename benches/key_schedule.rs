//! Key schedule and secret tree costs, suite 1 (RFC 9420 §8, §9).
//!
//! - `secret_tree/first_key/N`: the first key of a sender in a fresh tree
//!   of N leaves (derivation down the sender's direct path, O(log N)).
//! - `secret_tree/ratchet_step`: one in-order key of an initialized
//!   ratchet, deleted after use.
//! - `key_schedule/epoch`: one epoch transition (joiner, welcome, epoch and
//!   all nine epoch-derived secrets) from init, commit and PSK secrets and
//!   a GroupContext.
//! - `key_schedule/external_key_pair`: DeriveKeyPair(external_secret).

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use rfc9420::crypto::{CipherSuite, RustCryptoProvider, Secret, SuiteCrypto};
use rfc9420::key_schedule::{EpochKeys, zero_psk_secret};
use rfc9420::secret_tree::{RatchetType, SecretTree};
use rfc9420::tree::{LeafIndex, TreeSize};

fn suite() -> SuiteCrypto<'static> {
    SuiteCrypto::new(
        &RustCryptoProvider,
        CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519,
    )
    .expect("suite 1 is supported")
}

fn secret_tree(c: &mut Criterion) {
    let s = suite();
    let mut g = c.benchmark_group("secret_tree");
    g.sample_size(20);
    for log in 7..=14u32 {
        let leaves = 1u32 << log;
        let size = TreeSize::for_leaves(leaves).expect("valid size");
        let tree = SecretTree::new(Secret::from_slice(&[1; 32]), size);
        // A leaf in the middle: a full-length direct path.
        let leaf = LeafIndex(leaves / 2 + 1);
        g.bench_with_input(BenchmarkId::new("first_key", leaves), &tree, |b, tree| {
            b.iter(|| {
                tree.stage_decryption_key(&s, black_box(leaf), RatchetType::Application, 0)
                    .expect("key")
            })
        });
    }
    let size = TreeSize::for_leaves(1 << 14).expect("valid size");
    let mut tree = SecretTree::new(Secret::from_slice(&[1; 32]), size);
    g.bench_function("ratchet_step", |b| {
        b.iter(|| {
            tree.next_encryption_key(&s, LeafIndex(3), RatchetType::Application)
                .expect("key")
        })
    });
    g.finish();
}

fn key_schedule(c: &mut Criterion) {
    let s = suite();
    let mut g = c.benchmark_group("key_schedule");
    g.sample_size(20);
    let init = Secret::from_slice(&[1; 32]);
    let commit = Secret::from_slice(&[2; 32]);
    let psk = zero_psk_secret(&s);
    // A GroupContext of a realistic size: 32-byte group id, tree hash and
    // transcript hash, no extensions.
    let group_context = vec![0x5a; 2 + 2 + 33 + 8 + 33 + 33 + 1];
    g.bench_function("epoch", |b| {
        b.iter(|| {
            EpochKeys::derive(&s, &init, &commit, &psk, black_box(&group_context)).expect("epoch")
        })
    });
    let keys = EpochKeys::derive(&s, &init, &commit, &psk, &group_context).expect("epoch");
    g.bench_function("external_key_pair", |b| {
        b.iter(|| keys.secrets.external_key_pair(&s).expect("key pair"))
    });
    g.finish();
}

criterion_group!(benches, secret_tree, key_schedule);
criterion_main!(benches);
