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
//! For each size the three groups are built first, then each operation
//! runs on the three back to back (the machine's load drifts less between
//! the numbers a ratio compares). One-shot costs, printed as `ONESHOT`
//! lines while each group is built:
//! the n KeyPackages, the commit of n - 1 Adds (created, encoded, merged),
//! the last member's join from its Welcome, the Welcome's size, and the
//! receiver's saved-state size.
//!
//! Environment:
//! - `PEERS_SIZES` (default `100,1000,10000`): group sizes;
//! - `PEERS_IMPLS` (default all): a comma-separated subset of `rfc9420`,
//!   `mls-rs`, `openmls`;
//! - `PEERS_THREADS` (default 1): rayon's global pool size (mls-rs uses
//!   rayon by default; rfc9420 with its `parallel` feature, which
//!   `--features parallel` of this package turns on).
//!
//! Run: `cargo bench -p bench-peers --bench peers` (about 10 minutes with
//! the 10,000 groups on a loaded 2-core machine, most of it building
//! them); two threads: `PEERS_THREADS=2 cargo bench -p bench-peers --bench
//! peers --features parallel`.

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

/// One implementation's group of `n` with the messages its benches
/// replay.
struct Prepared<S: Side> {
    side: S,
    commit: Vec<u8>,
    welcome: Vec<u8>,
}

/// Builds the group of `n` (if the implementation is wanted), prints the
/// one-shot costs and prepares the replayed messages.
fn prepare<S: Side>(n: u32) -> Option<Prepared<S>> {
    if !wanted(S::NAME) {
        return None;
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
    let commit = side.commit_for_receiver();
    let welcome = side.welcome_for_joiner();
    assert_eq!(side.join(side.fresh_joiner(), &welcome), n as usize + 1);
    assert_eq!(side.restore(), n as usize);
    Some(Prepared {
        side,
        commit,
        welcome,
    })
}

type G<'a> = BenchmarkGroup<'a, WallTime>;

fn commit_create<S: Side>(g: &mut G<'_>, n: u32, p: &mut Option<Prepared<S>>) {
    if let Some(p) = p {
        g.bench_function(id::<S>("commit_create", n), |b| {
            b.iter(|| p.side.commit_create())
        });
    }
}

fn process_merge<S: Side>(g: &mut G<'_>, n: u32, p: &mut Option<Prepared<S>>) {
    if let Some(p) = p {
        g.bench_function(id::<S>("commit_process_merge", n), |b| {
            b.iter_batched_ref(
                || p.side.fresh_receiver(),
                |receiver| p.side.process_merge(receiver, &p.commit),
                BatchSize::PerIteration,
            )
        });
    }
}

fn add_one<S: Side>(g: &mut G<'_>, n: u32, p: &mut Option<Prepared<S>>) {
    if let Some(p) = p {
        g.bench_function(id::<S>("add_one", n), |b| b.iter(|| p.side.add_one()));
    }
}

fn join<S: Side>(g: &mut G<'_>, n: u32, p: &mut Option<Prepared<S>>) {
    if let Some(p) = p {
        g.bench_function(id::<S>("join", n), |b| {
            b.iter_batched(
                || p.side.fresh_joiner(),
                |joiner| p.side.join(joiner, &p.welcome),
                BatchSize::PerIteration,
            )
        });
    }
}

fn app_round_trip<S: Side>(g: &mut G<'_>, n: u32, p: &mut Option<Prepared<S>>) {
    if let Some(p) = p {
        let data = [0x61u8; 1024];
        g.bench_function(id::<S>("app_round_trip", n), |b| {
            b.iter(|| p.side.app_round_trip(&data))
        });
    }
}

fn restore<S: Side>(g: &mut G<'_>, n: u32, p: &mut Option<Prepared<S>>) {
    if let Some(p) = p {
        g.bench_function(id::<S>("restore", n), |b| b.iter(|| p.side.restore()));
    }
}

/// The three groups of `n` are built first; then each operation runs on
/// the three back to back, so that the machine's load drifts as little
/// as possible between the numbers a ratio compares.
fn run(g: &mut G<'_>, n: u32) {
    let mut ours = prepare::<Ours>(n);
    let mut mls = prepare::<MlsRs>(n);
    let mut open = prepare::<OpenMls>(n);
    commit_create(g, n, &mut ours);
    commit_create(g, n, &mut mls);
    commit_create(g, n, &mut open);
    process_merge(g, n, &mut ours);
    process_merge(g, n, &mut mls);
    process_merge(g, n, &mut open);
    add_one(g, n, &mut ours);
    add_one(g, n, &mut mls);
    add_one(g, n, &mut open);
    join(g, n, &mut ours);
    join(g, n, &mut mls);
    join(g, n, &mut open);
    app_round_trip(g, n, &mut ours);
    app_round_trip(g, n, &mut mls);
    app_round_trip(g, n, &mut open);
    restore(g, n, &mut ours);
    restore(g, n, &mut mls);
    restore(g, n, &mut open);
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
        run(&mut g, n);
    }
    g.finish();
}

criterion_group!(peers, benches);
criterion_main!(peers);
