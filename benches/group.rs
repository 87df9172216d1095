//! Group state machine costs by group size, suite 1 (RFC 9420 §11, §12),
//! through the public [`Group`] API.
//!
//! Groups of 2 to 10,000 members in two shapes:
//! - *blank*: every parent node blank, as right after one member added
//!   everybody in one commit without a path. Built through the API: the
//!   creator commits n - 1 Adds without a path and merges; the receiver
//!   (the last leaf) joins from that Welcome.
//! - *full*: every parent above a member set, as in a group whose members
//!   have all committed. Built from `tree_fixture::full_tree`, which holds
//!   every member's keys; leaf 0 (committer) and the last leaf (receiver)
//!   are assembled with `Group::from_fixture_parts` on one shared epoch.
//!
//! Per size and shape (ids `<operation>/<shape>/<members>`):
//! - `commit_create`: an empty commit with a path, `CommitOptions::default()`
//!   (not merged, so the committer stays in its epoch and repeats it);
//! - `commit_process`: the receiver's `process_message` of one such commit
//!   (decode, membership tag, signature, path merge and decryption, key
//!   schedule, confirmation tag), not merged;
//! - `commit_process_merge` (full only): the same plus
//!   `merge_staged_commit`, on a receiver rebuilt outside the timed part;
//! - `add_one`: a commit adding one member, without a path, with its
//!   Welcome (tree in the GroupInfo);
//! - `remove_one`: a commit removing the middle member (a path is
//!   required);
//! - `add_1000` (2, 1,000 and 10,000 members): a commit adding 1,000
//!   members, without a path, with its Welcome;
//! - `join_tree_in_welcome`, `join_tree_out_of_band`: `Group::join` from
//!   the Welcome of an `add_one` commit (so the joiner's tree has n + 1
//!   members), the tree in the GroupInfo or given as bytes;
//! - `app_protect`, `app_unprotect`: `create_message` of 1 KiB and the
//!   receiver's `process_message` of it (a fresh message per iteration).
//!
//! `key_package/generate`: one KeyPackage with a fresh signature key.
//!
//! Floors of the same run: one HPKE seal of 32 bytes (`encrypt_with_label`)
//! and one leaf-signature verification (`verify_with_label`), at the start
//! and the end of the run (group `floor`); and, next to each blank-tree
//! group, `floor_seals_n_minus_1` (n - 1 seals to the other members' leaf
//! keys) and `floor_verify_n` (the n members' leaf signatures verified).
//!
//! Run: `cargo bench --features test-fixtures --bench group`.

use std::time::{Duration, Instant};

use criterion::{
    BatchSize, BenchmarkGroup, BenchmarkId, Criterion, SamplingMode, criterion_group,
    criterion_main, measurement::WallTime,
};
use rfc9420::codec::Encode;
use rfc9420::crypto::{CipherSuite, RustCryptoProvider, SuiteCrypto};
use rfc9420::group::{
    CommitOptions, EpochParts, Group, GroupConfig, JoinOptions, KeyPackageBundle,
    KeyPackageOptions, Processed,
};
use rfc9420::key_schedule::{EpochSecrets, GroupContext, interim_transcript_hash};
use rfc9420::messages::{Add, Credential, Extensions, Proposal, ProtocolVersion, Remove};
use rfc9420::tree::validate::Timestamp;
use rfc9420::tree::{LeafIndex, RatchetTree};

use rfc9420_test_support::rng;
use rfc9420_test_support::tree_fixture;

use rng::TestRng;
use tree_fixture::{NOW, full_tree};

const SUITE: CipherSuite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
const SIZES: [u32; 4] = [2, 100, 1_000, 10_000];
/// Sizes at which `add_1000` runs.
const ADD_MANY_SIZES: [u32; 3] = [2, 1_000, 10_000];
const ADD_MANY: usize = 1_000;
const NOW_TS: Timestamp = Timestamp(NOW);

fn crypto() -> SuiteCrypto<'static> {
    SuiteCrypto::new(&RustCryptoProvider, SUITE).unwrap()
}

fn key_package(crypto: &SuiteCrypto<'_>, name: String, rng: &mut TestRng) -> KeyPackageBundle {
    KeyPackageBundle::generate_with_new_signature_key(
        crypto,
        Credential::basic(name.into_bytes()),
        &KeyPackageOptions::default(),
        NOW_TS,
        rng,
    )
    .unwrap()
}

fn add(bundle: &KeyPackageBundle) -> Proposal {
    Proposal::Add(Add {
        key_package: bundle.key_package().clone(),
    })
}

/// Commit options without a path.
fn no_path(proposals: Vec<Proposal>) -> CommitOptions {
    CommitOptions {
        update_path: false,
        ..CommitOptions::with_proposals(proposals)
    }
}

/// Rebuilds a member's `Group` from its fixture parts.
fn group_from(parts: &EpochParts) -> Group {
    Group::from_fixture_parts(RustCryptoProvider, public_config(), parts.clone()).unwrap()
}

/// Two members of one group of `n`.
struct Pair {
    shape: &'static str,
    n: u32,
    committer: Group,
    receiver: Group,
    /// The receiver's parts, for the full shape.
    receiver_parts: Option<EpochParts>,
}

/// The blank shape of `n` members through the API. Prints the one-shot
/// cost of the commit of n - 1 Adds and of the receiver's join.
fn blank_pair(n: u32, rng: &mut TestRng) -> Pair {
    let crypto = crypto();
    let config = public_config();
    let creator = key_package(&crypto, "member 0".into(), rng);
    let others: Vec<KeyPackageBundle> = (1..n)
        .map(|i| key_package(&crypto, format!("member {i}"), rng))
        .collect();
    let mut committer = Group::create(
        RustCryptoProvider,
        config.clone(),
        &creator,
        b"bench group".to_vec(),
        Extensions::default(),
        NOW_TS,
        rng,
    )
    .unwrap();
    let start = Instant::now();
    let created = committer
        .create_commit(no_path(others.iter().map(add).collect()), NOW_TS, rng)
        .unwrap();
    let commit_time = start.elapsed();
    committer.merge_staged_commit(created.staged).unwrap();
    let welcome = created.welcome.unwrap();
    let start = Instant::now();
    let receiver = Group::join(
        RustCryptoProvider,
        config,
        &welcome,
        others.last().unwrap(),
        JoinOptions::default(),
        NOW_TS,
    )
    .unwrap();
    let join_time = start.elapsed();
    assert_eq!(
        receiver.epoch_authenticator(),
        committer.epoch_authenticator()
    );
    assert_eq!(receiver.own_leaf(), LeafIndex(n - 1));
    eprintln!(
        "blank/{n}: one commit of {} Adds (no path) created in {:.3} s; \
         Welcome {} bytes; the last member joined from it in {:.3} s",
        n - 1,
        commit_time.as_secs_f64(),
        welcome.len(),
        join_time.as_secs_f64(),
    );
    Pair {
        shape: "blank",
        n,
        committer,
        receiver,
        receiver_parts: None,
    }
}

/// The full shape of `n` members from the fixture: leaf 0 and the last
/// leaf, on one epoch 0.
fn full_pair(n: u32, rng: &mut TestRng) -> Pair {
    let crypto = crypto();
    let f = full_tree(&crypto, n, rng);
    let tree = RatchetTree::from_nodes(&crypto, f.nodes.clone()).unwrap();
    let context = GroupContext {
        version: ProtocolVersion::MLS10,
        cipher_suite: SUITE,
        group_id: f.group_id.clone(),
        epoch: 0,
        tree_hash: tree.tree_hash().to_vec(),
        confirmed_transcript_hash: Vec::new(),
        extensions: Extensions::default(),
    };
    let secrets = EpochSecrets::for_new_group(&crypto, rng).unwrap();
    let tag = secrets.confirmation_tag(&crypto, &[]).unwrap();
    let interim = interim_transcript_hash(&crypto, &[], &tag).unwrap();
    let parts = |leaf: LeafIndex| EpochParts {
        context: context.clone(),
        tree: tree.clone(),
        private: f.private_state(leaf),
        signer: f.signers[leaf.0 as usize].clone(),
        secrets: secrets.clone(),
        interim_transcript_hash: interim.clone(),
        confirmation_tag: tag.clone(),
    };
    let committer = group_from(&parts(LeafIndex(0)));
    let receiver_parts = parts(LeafIndex(n - 1));
    let receiver = group_from(&receiver_parts);
    Pair {
        shape: "full",
        n,
        committer,
        receiver,
        receiver_parts: Some(receiver_parts),
    }
}

fn id(op: &str, pair: &Pair) -> BenchmarkId {
    BenchmarkId::new(format!("{op}/{}", pair.shape), pair.n)
}

fn bench_pair(
    g: &mut BenchmarkGroup<'_, WallTime>,
    pair: &mut Pair,
    joiner: &KeyPackageBundle,
    many: &[Proposal],
) {
    let mut rng = TestRng::new(u64::from(pair.n));
    let config = public_config();
    let n = pair.n;

    // 1. An empty commit with a path.
    g.bench_function(id("commit_create", pair), |b| {
        b.iter(|| {
            pair.committer
                .create_commit(CommitOptions::default(), NOW_TS, &mut rng)
                .unwrap()
        })
    });

    // The floors of the blank-tree bars, next to the operations they
    // bound: n - 1 HPKE seals to the other members' leaf keys (what a path
    // from leaf 0 encrypts to in a blank tree), and n verifications of the
    // members' leaf signatures (what a joiner checks).
    if pair.shape == "blank" {
        let crypto = crypto();
        let context = pair.committer.context().to_bytes().unwrap();
        let own = pair.committer.own_leaf();
        let keys: Vec<_> = pair
            .committer
            .members()
            .filter(|m| m.leaf != own)
            .map(|m| m.leaf_node.encryption_key.clone())
            .collect();
        let secret = [0x11u8; 32];
        g.bench_function(id("floor_seals_n_minus_1", pair), |b| {
            b.iter(|| {
                keys.iter()
                    .map(|key| {
                        crypto
                            .encrypt_with_label(key, "UpdatePathNode", &context, &secret, &mut rng)
                            .unwrap()
                    })
                    .count()
            })
        });
        let group_id = pair.committer.group_id().to_vec();
        let leaves: Vec<_> = pair
            .committer
            .members()
            .map(|m| {
                let tbs = m.leaf_node.tbs_bytes(&group_id, m.leaf).unwrap();
                (m.leaf_node, tbs)
            })
            .collect();
        g.bench_function(id("floor_verify_n", pair), |b| {
            b.iter(|| {
                for (leaf, tbs) in &leaves {
                    crypto
                        .verify_with_label(&leaf.signature_key, "LeafNodeTBS", tbs, &leaf.signature)
                        .unwrap();
                }
            })
        });
    }

    // 2. Its processing at the receiver.
    let created = pair
        .committer
        .create_commit(CommitOptions::default(), NOW_TS, &mut rng)
        .unwrap();
    let commit = created.commit;
    let expected = created.staged.epoch_authenticator().unwrap().clone();
    match pair.receiver.process_message(&commit, NOW_TS).unwrap() {
        Processed::Commit(staged) => assert_eq!(staged.epoch_authenticator(), Some(&expected)),
        other => panic!("expected a commit, got {other:?}"),
    }
    g.bench_function(id("commit_process", pair), |b| {
        b.iter(|| pair.receiver.process_message(&commit, NOW_TS).unwrap())
    });
    if let Some(parts) = &pair.receiver_parts {
        g.bench_function(id("commit_process_merge", pair), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let mut receiver = group_from(parts);
                    let start = Instant::now();
                    let Processed::Commit(staged) =
                        receiver.process_message(&commit, NOW_TS).unwrap()
                    else {
                        unreachable!()
                    };
                    receiver.merge_staged_commit(*staged).unwrap();
                    total += start.elapsed();
                    drop(receiver);
                }
                total
            })
        });
    }

    // 4. Add one member, no path; its Welcome also serves the joins.
    let add_one = || no_path(vec![add(joiner)]);
    g.bench_function(id("add_one", pair), |b| {
        b.iter(|| {
            pair.committer
                .create_commit(add_one(), NOW_TS, &mut rng)
                .unwrap()
        })
    });

    // 3. Joins from that Welcome: tree in the GroupInfo, tree out of band.
    let welcome_in = pair
        .committer
        .create_commit(add_one(), NOW_TS, &mut rng)
        .unwrap()
        .welcome
        .unwrap();
    let out_of_band = pair
        .committer
        .create_commit(
            CommitOptions {
                ratchet_tree_in_welcome: false,
                ..add_one()
            },
            NOW_TS,
            &mut rng,
        )
        .unwrap();
    let welcome_out = out_of_band.welcome.unwrap();
    let tree_bytes = out_of_band.ratchet_tree.unwrap();
    let joined = Group::join(
        RustCryptoProvider,
        config.clone(),
        &welcome_in,
        joiner,
        JoinOptions::default(),
        NOW_TS,
    )
    .unwrap();
    assert_eq!(joined.members().count(), n as usize + 1);
    drop(joined);
    g.bench_function(id("join_tree_in_welcome", pair), |b| {
        b.iter_with_large_drop(|| {
            Group::join(
                RustCryptoProvider,
                config.clone(),
                &welcome_in,
                joiner,
                JoinOptions::default(),
                NOW_TS,
            )
            .unwrap()
        })
    });
    g.bench_function(id("join_tree_out_of_band", pair), |b| {
        b.iter_with_large_drop(|| {
            Group::join(
                RustCryptoProvider,
                config.clone(),
                &welcome_out,
                joiner,
                JoinOptions::with_tree_bytes(&tree_bytes).unwrap(),
                NOW_TS,
            )
            .unwrap()
        })
    });

    // 5. Remove the middle member (a path is required).
    let remove = Proposal::Remove(Remove {
        removed: LeafIndex(n / 2),
    });
    g.bench_function(id("remove_one", pair), |b| {
        b.iter(|| {
            pair.committer
                .create_commit(
                    CommitOptions::with_proposals(vec![remove.clone()]),
                    NOW_TS,
                    &mut rng,
                )
                .unwrap()
        })
    });

    // 6. Add 1,000 members, no path.
    if ADD_MANY_SIZES.contains(&n) {
        g.bench_function(id("add_1000", pair), |b| {
            b.iter(|| {
                pair.committer
                    .create_commit(no_path(many.to_vec()), NOW_TS, &mut rng)
                    .unwrap()
            })
        });
    }

    // 7. Application messages, 1 KiB. Unprotect first: the receiver
    // then sees the sender's generations in order from the start.
    let data = [0x61u8; 1024];
    let unprotect_id = id("app_unprotect", pair);
    let protect_id = id("app_protect", pair);
    let Pair {
        committer,
        receiver,
        ..
    } = pair;
    g.bench_function(unprotect_id, |b| {
        b.iter_batched(
            || committer.create_message(&data, b"", &mut rng).unwrap(),
            |message| receiver.process_message(&message, NOW_TS).unwrap(),
            BatchSize::SmallInput,
        )
    });
    g.bench_function(protect_id, |b| {
        b.iter(|| committer.create_message(&data, b"", &mut rng).unwrap())
    });
}

/// One HPKE seal of 32 bytes and one leaf-signature verification, the
/// floors under commit creation and joins; `when` tells the run's start
/// from its end.
fn floors(c: &mut Criterion, when: &str, leaf_owner: &KeyPackageBundle) {
    let crypto = crypto();
    let mut rng = TestRng::new(7);
    let leaf = &leaf_owner.key_package().leaf_node;
    // A GroupContext of a realistic length as the encryption context.
    let context = GroupContext {
        version: ProtocolVersion::MLS10,
        cipher_suite: SUITE,
        group_id: b"bench group".to_vec(),
        epoch: 1,
        tree_hash: vec![0x5a; 32],
        confirmed_transcript_hash: vec![0xa5; 32],
        extensions: Extensions::default(),
    }
    .to_bytes()
    .unwrap();
    let path_secret = [0x11u8; 32];
    // A key_package leaf signs no group and no position (RFC 9420 §7.2).
    let tbs = leaf.tbs_bytes(&[], LeafIndex(0)).unwrap();
    crypto
        .verify_with_label(&leaf.signature_key, "LeafNodeTBS", &tbs, &leaf.signature)
        .unwrap();

    let mut g = c.benchmark_group("floor");
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    g.bench_function(format!("hpke_seal_32/{when}"), |b| {
        b.iter(|| {
            crypto
                .encrypt_with_label(
                    &leaf.encryption_key,
                    "UpdatePathNode",
                    &context,
                    &path_secret,
                    &mut rng,
                )
                .unwrap()
        })
    });
    g.bench_function(format!("verify_leaf/{when}"), |b| {
        b.iter(|| {
            crypto
                .verify_with_label(&leaf.signature_key, "LeafNodeTBS", &tbs, &leaf.signature)
                .unwrap()
        })
    });
    g.finish();
}

/// `KeyPackageBundle::generate_with_new_signature_key`: a signature key
/// pair, two HPKE key pairs, two signatures and the checks of the result.
fn key_package_generate(c: &mut Criterion) {
    let crypto = crypto();
    let mut rng = TestRng::new(11);
    let mut g = c.benchmark_group("key_package");
    g.sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    g.bench_function("generate", |b| {
        b.iter(|| key_package(&crypto, "member".into(), &mut rng))
    });
    g.finish();
}

/// The sizes to run: all, or those listed in `GROUP_BENCH_SIZES`
/// (comma-separated), for quick runs.
fn sizes() -> Vec<u32> {
    match std::env::var("GROUP_BENCH_SIZES") {
        Ok(list) => list
            .split(',')
            .map(|s| s.trim().parse().expect("GROUP_BENCH_SIZES: numbers"))
            .collect(),
        Err(_) => SIZES.to_vec(),
    }
}

fn benches(c: &mut Criterion) {
    let crypto = crypto();
    let mut rng = TestRng::new(2026);
    let joiner = key_package(&crypto, "joiner".into(), &mut rng);
    let many: Vec<Proposal> = (0..ADD_MANY)
        .map(|i| add(&key_package(&crypto, format!("new member {i}"), &mut rng)))
        .collect();

    floors(c, "start", &joiner);
    key_package_generate(c);
    let mut g = c.benchmark_group("group");
    // Flat sampling: the slowest operations take about a second, and
    // ten samples of one iteration each are enough for them.
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    for n in sizes() {
        for shape in ["blank", "full"] {
            let start = Instant::now();
            let mut pair = match shape {
                "blank" => blank_pair(n, &mut rng),
                _ => full_pair(n, &mut rng),
            };
            eprintln!(
                "{shape}/{n}: fixture built in {:.1} s",
                start.elapsed().as_secs_f64()
            );
            bench_pair(&mut g, &mut pair, &joiner, &many);
        }
    }
    g.finish();
    floors(c, "end", &joiner);
}

criterion_group!(group_benches, benches);
criterion_main!(group_benches);

/// The configuration the measurements use: handshakes as PublicMessages
/// (as the peers are measured), so a commit can be processed again and
/// again without spending a message key.
fn public_config() -> GroupConfig {
    GroupConfig {
        wire_format: rfc9420::group::WireFormatPolicy::MIXED_PUBLIC,
        ..GroupConfig::default()
    }
}
