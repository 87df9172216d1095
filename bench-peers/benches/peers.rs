//! Side by side: rfc9420, mls-rs 0.57 and OpenMLS 0.9 on the same
//! large-group operations, suite 1, blank groups of 100, 1,000 and 10,000
//! members (see `bench_peers::Side` for the shapes and boundaries).
//!
//! Benchmark IDs are `<operation>/<implementation>/<members>`:
//! - `commit_create`: an empty commit with a path, encoded;
//! - `commit_process_merge`: the receiver decodes, processes and merges
//!   it (receiver rebuilt before each iteration, untimed);
//! - `add_one`: a commit adding one member without a path, with its
//!   Welcome (tree in the Welcome), encoded;
//! - `join`: joining from that Welcome (decode included);
//! - `app_round_trip`: 1 KiB application message, encrypted and encoded
//!   by the committer, decoded and decrypted by the receiver;
//! - `restore`: the receiver restored from its saved state;
//! - `key_package/<implementation>`: one KeyPackage with a fresh
//!   signature key, encoded.
//!
//! One-shot costs, printed as `ONESHOT` lines while each group is built:
//! the n KeyPackages, the commit of n - 1 Adds (created, encoded, merged),
//! the last member's join from its Welcome, the Welcome's size, and the
//! receiver's saved-state size.
//!
//! Environment:
//! - `PEERS_SIZES` (default `100,1000,10000`): group sizes;
//! - `PEERS_IMPLS` (default all): a comma-separated subset of `rfc9420`,
//!   `mls-rs`, `openmls`;
//! - `PEERS_THREADS` (default 1): rayon's global pool size (mls-rs uses
//!   rayon by default; rfc9420 with its `parallel` feature).
//!
//! Run: `cargo bench -p bench-peers` (about 15 minutes with the 10,000
//! groups, most of it building them).

use std::time::{Duration, Instant};

use bench_peers::Side;
use bench_peers::mls_rs_side::MlsRs;
use bench_peers::openmls_side::OpenMls;
use bench_peers::ours::Ours;
use criterion::{
    BatchSize, BenchmarkGroup, BenchmarkId, Criterion, SamplingMode, criterion_group,
    criterion_main, measurement::WallTime,
};

fn env_list(name: &str, default: &str) -> Vec<String> {
    std::env::var(name)
        .unwrap_or_else(|_| default.to_string())
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

fn wanted(name: &str) -> bool {
    env_list("PEERS_IMPLS", "rfc9420,mls-rs,openmls")
        .iter()
        .any(|s| s == name)
}

fn id<S: Side>(op: &str, n: u32) -> BenchmarkId {
    BenchmarkId::new(format!("{op}/{}", S::NAME), n)
}

fn run<S: Side>(g: &mut BenchmarkGroup<'_, WallTime>, n: u32) {
    if !wanted(S::NAME) {
        return;
    }
    let start = Instant::now();
    let (mut side, report) = S::build(n);
    assert_eq!(side.members(), n as usize);
    let state = side.saved_state_len();
    eprintln!(
        "ONESHOT {} {n} key_packages_s={:.3} add_all_commit_s={:.3} add_all_join_s={:.3} \
         welcome_bytes={} saved_state_bytes={state} build_total_s={:.1}",
        S::NAME,
        report.key_packages.as_secs_f64(),
        report.add_all_commit.as_secs_f64(),
        report.add_all_join.as_secs_f64(),
        report.welcome_bytes,
        start.elapsed().as_secs_f64(),
    );

    g.bench_function(id::<S>("commit_create", n), |b| {
        b.iter(|| side.commit_create())
    });
    let commit = side.commit_for_receiver();
    g.bench_function(id::<S>("commit_process_merge", n), |b| {
        b.iter_batched_ref(
            || side.fresh_receiver(),
            |receiver| side.process_merge(receiver, &commit),
            BatchSize::PerIteration,
        )
    });
    g.bench_function(id::<S>("add_one", n), |b| b.iter(|| side.add_one()));
    let welcome = side.welcome_for_joiner();
    assert_eq!(side.join(side.fresh_joiner(), &welcome), n as usize + 1);
    g.bench_function(id::<S>("join", n), |b| {
        b.iter_batched(
            || side.fresh_joiner(),
            |joiner| side.join(joiner, &welcome),
            BatchSize::PerIteration,
        )
    });
    let data = [0x61u8; 1024];
    g.bench_function(id::<S>("app_round_trip", n), |b| {
        b.iter(|| side.app_round_trip(&data))
    });
    assert_eq!(side.restore(), n as usize);
    g.bench_function(id::<S>("restore", n), |b| b.iter(|| side.restore()));
}

fn key_packages<S: Side>(g: &mut BenchmarkGroup<'_, WallTime>) {
    if !wanted(S::NAME) {
        return;
    }
    let (mut side, _) = S::build(2);
    g.bench_function(S::NAME, |b| b.iter(|| side.key_package()));
}

fn benches(c: &mut Criterion) {
    let threads: usize = std::env::var("PEERS_THREADS")
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or(1);
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global()
        .expect("rayon pool");
    eprintln!("PEERS_THREADS={threads}");

    let mut g = c.benchmark_group("key_package");
    g.sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2));
    key_packages::<Ours>(&mut g);
    key_packages::<MlsRs>(&mut g);
    key_packages::<OpenMls>(&mut g);
    g.finish();

    let mut g = c.benchmark_group("peers");
    // Ten samples of at least one iteration each: the slowest operations
    // take seconds at 10,000 members.
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(200))
        .measurement_time(Duration::from_secs(2));
    for n in env_list("PEERS_SIZES", "100,1000,10000") {
        let n: u32 = n.parse().expect("PEERS_SIZES: numbers");
        run::<Ours>(&mut g, n);
        run::<MlsRs>(&mut g, n);
        run::<OpenMls>(&mut g, n);
    }
    g.finish();
}

criterion_group!(peers, benches);
criterion_main!(peers);
