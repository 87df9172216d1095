//! Ratchet tree and TreeKEM costs by tree size, suite 1 (RFC 9420 §7).
//!
//! Trees of 128 to 16,384 leaves, *full* (every parent node set) and
//! *blank* (every parent blank, as after many adds without a path):
//! UpdatePath generation (prepare, tree hash, encrypt), UpdatePath
//! application by a member (merge, tree hash, decrypt, stage), the
//! tree-hash update after one path changes, and import plus full
//! validation of the tree as a joiner does it.

use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use rfc9420::codec::{Encode, decode_exact};
use rfc9420::crypto::{CipherSuite, RustCryptoProvider, SuiteCrypto};
use rfc9420::tree::treekem::{
    decrypt_update_path, encrypt_update_path, merge_update_path, prepare_update_path,
};
use rfc9420::tree::validate::validate_tree;
use rfc9420::tree::{
    LeafIndex, LeafNodeSource, Node, NodeIndex, ParentNode, RatchetTree, TreeDiff, TreeView,
};

use rfc9420_test_support::rng;
use rfc9420_test_support::tree_fixture;

use rng::TestRng;
use tree_fixture::{Fixture, blank_tree, full_tree, leaf_context};

const SUITE: CipherSuite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
const SIZES: [u32; 4] = [128, 1024, 4096, 16384];
/// A provisional GroupContext stand-in of realistic length.
const CONTEXT: [u8; 120] = [7; 120];

fn fixtures(crypto: &SuiteCrypto<'_>) -> Vec<(&'static str, u32, Fixture)> {
    let mut rng = TestRng::new(2026);
    let mut out = Vec::new();
    for &n in &SIZES {
        out.push(("full", n, full_tree(crypto, n, &mut rng)));
        out.push(("blank", n, blank_tree(crypto, n, &mut rng)));
    }
    out
}

fn benches(c: &mut Criterion) {
    let provider = RustCryptoProvider;
    let crypto = SuiteCrypto::new(&provider, SUITE).unwrap();
    let fixtures = fixtures(&crypto);
    let none = |_: LeafIndex| false;
    let sender = LeafIndex(0);
    let receiver = LeafIndex(1);

    let mut group = c.benchmark_group("tree");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    for (shape, n, f) in &fixtures {
        let tree = RatchetTree::from_nodes(&crypto, f.nodes.clone()).unwrap();
        let signer = &f.signers[0];
        let template = tree.leaf(sender).unwrap().clone();

        // Everything a committer does: stage a fresh path, hash the staged
        // tree, encrypt the path secrets.
        let generate = |rng: &mut TestRng| {
            let mut diff = TreeDiff::new(&tree);
            let pending = prepare_update_path(
                &crypto,
                &mut diff,
                sender,
                template.clone(),
                signer,
                &f.group_id,
                rng,
            )
            .unwrap();
            diff.tree_hash(&crypto).unwrap();
            encrypt_update_path(&crypto, &diff, &pending, &CONTEXT, &none, rng).unwrap()
        };
        group.bench_function(
            BenchmarkId::new(format!("update_path_generate/{shape}"), n),
            |b| {
                let mut rng = TestRng::new(1);
                b.iter(|| generate(&mut rng))
            },
        );

        // One path from leaf 0, applied by leaf 1 (the longest derivation).
        let path = generate(&mut TestRng::new(2));
        let own = f.private_state(receiver);
        group.bench_function(
            BenchmarkId::new(format!("update_path_apply/{shape}"), n),
            |b| {
                b.iter(|| {
                    let mut diff = TreeDiff::new(&tree);
                    merge_update_path(&crypto, &mut diff, sender, &path).unwrap();
                    diff.tree_hash(&crypto).unwrap();
                    let received =
                        decrypt_update_path(&crypto, &diff, sender, &path, &own, &CONTEXT, &none)
                            .unwrap();
                    (received, diff.into_staged(&crypto).unwrap())
                })
            },
        );

        // A path change: the leaf in the middle and every parent above it
        // get new contents, as a merged UpdatePath gives them.
        let changed_leaf = LeafIndex(n / 2);
        let mut leaf = tree.leaf(changed_leaf).unwrap().clone();
        leaf.leaf_node_source = LeafNodeSource::Update;
        let leaf_node = changed_leaf.node().unwrap();
        let path: Vec<(NodeIndex, ParentNode)> = tree
            .size()
            .direct_path(leaf_node)
            .map(|p| {
                let encryption_key = f.keys[&leaf_node].0.clone();
                (
                    p,
                    ParentNode {
                        encryption_key,
                        parent_hash: vec![p.0 as u8; 32],
                        unmerged_leaves: vec![],
                    },
                )
            })
            .collect();
        group.bench_function(
            BenchmarkId::new(format!("tree_hash_update/{shape}"), n),
            |b| {
                b.iter(|| {
                    let mut diff = TreeDiff::new(&tree);
                    diff.set_leaf(changed_leaf, Some(leaf.clone())).unwrap();
                    for (node, parent) in &path {
                        diff.set_parent(*node, Some(parent.clone())).unwrap();
                    }
                    diff.tree_hash(&crypto).unwrap()
                })
            },
        );

        let bytes = tree.to_bytes().unwrap();
        let expected = tree.tree_hash().to_vec();
        let ctx = leaf_context(&f.group_id);
        group.bench_function(
            BenchmarkId::new(format!("import_validate/{shape}"), n),
            |b| {
                b.iter(|| {
                    let nodes: Vec<Option<Node>> = decode_exact(&bytes).unwrap();
                    let imported = RatchetTree::from_nodes(&crypto, nodes).unwrap();
                    validate_tree(&crypto, &imported, &expected, &ctx).unwrap();
                    imported
                })
            },
        );
    }
    group.finish();
}

criterion_group!(tree_benches, benches);
criterion_main!(tree_benches);
