//! Large-group operations on this machine: builds one group of `--members`
//! and times the operations a member of a large group does, then prints a
//! table of medians.
//!
//! ```text
//! cargo run --release --example large_group -- [--members N] [--suite S]
//!     [--shape blank|full] [--threads T] [--reps R]
//! ```
//!
//! - `--members` (default 1,000): the group size, at least 2.
//! - `--suite` (default 1): the cipher suite, 1 to 7 (RFC 9420 §17.1).
//! - `--shape` (default `blank`): `blank` builds the group through the
//!   API, as one member adding everybody in one commit without a path
//!   (every parent blank: commits with a path encrypt to n - 1 members);
//!   `full` assembles a tree with every parent set, as in a group whose
//!   members have all committed (commits encrypt to log2 n nodes). `full`
//!   needs `--features test-fixtures`.
//! - `--threads` (default 1): worker threads, with `--features parallel`
//!   (without it everything runs on one thread).
//! - `--reps` (default 5): repetitions of each timed operation; the table
//!   gives their median and minimum.
//! - `--ops` (default all): the timed operations to run, comma-separated,
//!   among `create`, `process`, `add`, `join`, `app`, `state`, `floors`,
//!   `delta` (incremental saved state: the receiver writes a base, then a
//!   delta after an application message and after a commit; last, as it
//!   moves the group to the next epoch).
//! - `--pause`: sleep one second after building the group, which marks
//!   where the timed operations start in a profiler's timeline (for
//!   example `perf record` with `--ops join`).
//!
//! The committer is member 0 and the receiver the last member. Every
//! operation starts from and ends with encoded bytes, as an application
//! sees them.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use rfc9420::codec::Encode;
use rfc9420::{
    CipherSuite, CommitOptions, Credential, Extensions, Group, GroupConfig, JoinOptions,
    KeyPackageBundle, KeyPackageOptions, Processed, Proposal, RustCryptoProvider, SuiteCrypto,
    Timestamp,
};

use rfc9420_test_support::rng;
#[cfg(feature = "test-fixtures")]
use rfc9420_test_support::tree_fixture;

use rng::TestRng;

/// The time every operation is done at (the full-tree fixture's).
const NOW: Timestamp = Timestamp(1_800_000_000);

struct Args {
    members: u32,
    suite: CipherSuite,
    full: bool,
    threads: usize,
    reps: usize,
    ops: Vec<String>,
    pause: bool,
}

impl Args {
    fn runs(&self, op: &str) -> bool {
        self.ops.is_empty() || self.ops.iter().any(|o| o == op)
    }
}

const OPS: [&str; 8] = [
    "create", "process", "add", "join", "app", "state", "floors", "delta",
];

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        members: 1_000,
        suite: CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519,
        full: false,
        threads: 1,
        reps: 5,
        ops: Vec::new(),
        pause: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--members" => {
                args.members = value()?.parse().map_err(|e| format!("--members: {e}"))?;
            }
            "--suite" => {
                let s: u16 = value()?.parse().map_err(|e| format!("--suite: {e}"))?;
                args.suite = CipherSuite(s);
                if !CipherSuite::ALL.contains(&args.suite) {
                    return Err(format!("--suite {s}: not one of 1 to 7"));
                }
            }
            "--shape" => {
                args.full = match value()?.as_str() {
                    "blank" => false,
                    "full" => true,
                    other => return Err(format!("--shape {other}: blank or full")),
                }
            }
            "--threads" => {
                args.threads = value()?.parse().map_err(|e| format!("--threads: {e}"))?;
            }
            "--reps" => args.reps = value()?.parse().map_err(|e| format!("--reps: {e}"))?,
            "--ops" => {
                for op in value()?.split(',') {
                    if !OPS.contains(&op) {
                        return Err(format!("--ops {op}: one of {}", OPS.join(", ")));
                    }
                    args.ops.push(op.to_string());
                }
            }
            "--pause" => args.pause = true,
            "--help" | "-h" => return Err(String::new()),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if args.members < 2 {
        return Err("--members: at least 2".into());
    }
    if args.reps == 0 || args.threads == 0 {
        return Err("--reps and --threads: at least 1".into());
    }
    Ok(args)
}

/// Sets the worker threads; returns the number in use.
#[cfg(feature = "parallel")]
fn set_threads(threads: usize) -> usize {
    match rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global()
    {
        Ok(()) => threads,
        Err(e) => {
            eprintln!("could not set {threads} threads: {e}");
            rayon::current_num_threads()
        }
    }
}

#[cfg(not(feature = "parallel"))]
fn set_threads(threads: usize) -> usize {
    if threads > 1 {
        eprintln!("built without the `parallel` feature: running on one thread");
    }
    1
}

fn key_package(crypto: &SuiteCrypto<'_>, name: String, rng: &mut TestRng) -> KeyPackageBundle {
    KeyPackageBundle::generate_with_new_signature_key(
        crypto,
        Credential::basic(name.into_bytes()),
        &KeyPackageOptions::default(),
        NOW,
        rng,
    )
    .expect("KeyPackage generation")
}

fn add(bundle: &KeyPackageBundle) -> Proposal {
    Proposal::Add(rfc9420::messages::Add {
        key_package: bundle.key_package().clone(),
    })
}

fn no_path(proposals: Vec<Proposal>) -> CommitOptions {
    CommitOptions {
        update_path: false,
        ..CommitOptions::with_proposals(proposals)
    }
}

fn spinner(message: &'static str) -> ProgressBar {
    let bar = ProgressBar::new_spinner().with_message(message);
    bar.enable_steady_tick(Duration::from_millis(100));
    bar
}

/// The committer and the receiver of a group of n, and the one-shot build
/// steps with their times.
struct Built {
    committer: Group,
    receiver: Group,
    steps: Vec<(String, Duration)>,
}

fn build_blank(crypto: &SuiteCrypto<'_>, n: u32, rng: &mut TestRng) -> Built {
    let bar = ProgressBar::new(u64::from(n)).with_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({eta} left)")
            .expect("template")
            .progress_chars("=> "),
    );
    bar.set_message("KeyPackages");
    let start = Instant::now();
    let bundles: Vec<KeyPackageBundle> = (0..n)
        .map(|i| {
            bar.inc(1);
            key_package(crypto, format!("member {i}"), rng)
        })
        .collect();
    bar.finish_and_clear();
    let mut steps = vec![(format!("{n} KeyPackages"), start.elapsed())];

    let (creator, others) = bundles.split_first().expect("n >= 2");
    let mut committer = Group::create(
        RustCryptoProvider,
        public_config(),
        creator,
        b"large group".to_vec(),
        Extensions::default(),
        NOW,
        rng,
    )
    .expect("create");
    let bar = spinner("committing the Adds");
    let start = Instant::now();
    let created = committer
        .create_commit(no_path(others.iter().map(add).collect()), NOW, rng)
        .expect("commit of the Adds");
    committer
        .merge_staged_commit(created.staged)
        .expect("merge");
    steps.push((
        format!("one commit of {} Adds, create + merge", n - 1),
        start.elapsed(),
    ));
    bar.finish_and_clear();

    let welcome = created.welcome.expect("a Welcome");
    let bar = spinner("the last member joins");
    let start = Instant::now();
    let receiver = Group::join(
        RustCryptoProvider,
        public_config(),
        &welcome,
        others.last().expect("n >= 2"),
        JoinOptions::default(),
        NOW,
    )
    .expect("join");
    steps.push(("the last member joins from it".into(), start.elapsed()));
    bar.finish_and_clear();
    Built {
        committer,
        receiver,
        steps,
    }
}

#[cfg(feature = "test-fixtures")]
fn build_full(crypto: &SuiteCrypto<'_>, n: u32, rng: &mut TestRng) -> Built {
    use rfc9420::LeafIndex;
    use rfc9420::key_schedule::{EpochSecrets, GroupContext, interim_transcript_hash};
    use rfc9420::messages::ProtocolVersion;
    use rfc9420::tree::RatchetTree;

    let bar = spinner("building the full tree");
    let start = Instant::now();
    let f = tree_fixture::full_tree(crypto, n, rng);
    let tree = RatchetTree::from_nodes(crypto, f.nodes.clone()).expect("fixture tree");
    let context = GroupContext {
        version: ProtocolVersion::MLS10,
        cipher_suite: crypto.suite(),
        group_id: f.group_id.clone(),
        epoch: 0,
        tree_hash: tree.tree_hash().to_vec(),
        confirmed_transcript_hash: Vec::new(),
        extensions: Extensions::default(),
    };
    let secrets = EpochSecrets::for_new_group(crypto, rng).expect("secrets");
    let tag = secrets.confirmation_tag(crypto, &[]).expect("tag");
    let interim = interim_transcript_hash(crypto, &[], &tag).expect("interim");
    let group = |leaf: u32| {
        let parts = rfc9420::group::EpochParts {
            context: context.clone(),
            tree: tree.clone(),
            private: f.private_state(LeafIndex(leaf)),
            signer: f.signers[leaf as usize].clone(),
            secrets: secrets.clone(),
            interim_transcript_hash: interim.clone(),
            confirmation_tag: tag.clone(),
        };
        Group::from_fixture_parts(RustCryptoProvider, public_config(), parts)
            .expect("fixture group")
    };
    let committer = group(0);
    let receiver = group(n - 1);
    bar.finish_and_clear();
    Built {
        committer,
        receiver,
        steps: vec![(format!("full tree of {n} (fixture)"), start.elapsed())],
    }
}

#[cfg(not(feature = "test-fixtures"))]
fn build_full(_: &SuiteCrypto<'_>, _: u32, _: &mut TestRng) -> Built {
    eprintln!("--shape full needs --features test-fixtures");
    std::process::exit(2)
}

/// Runs `f` `reps` times; `setup` (untimed) makes its input.
fn time<I, O>(
    reps: usize,
    mut setup: impl FnMut() -> I,
    mut f: impl FnMut(I) -> O,
) -> Vec<Duration> {
    (0..reps)
        .map(|_| {
            let input = setup();
            let start = Instant::now();
            let out = f(input);
            let elapsed = start.elapsed();
            drop(out);
            elapsed
        })
        .collect()
}

fn fmt(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s >= 1.0 {
        format!("{s:.2} s")
    } else if s >= 1e-3 {
        format!("{:.2} ms", s * 1e3)
    } else {
        format!("{:.1} µs", s * 1e6)
    }
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("{e}");
            }
            eprintln!(
                "usage: large_group [--members N] [--suite 1-7] [--shape blank|full] \
                 [--threads T] [--reps R] [--ops LIST] [--pause]"
            );
            return ExitCode::from(2);
        }
    };
    let threads = set_threads(args.threads);
    let n = args.members;
    let crypto = SuiteCrypto::new(&RustCryptoProvider, args.suite).expect("supported suite");
    let mut rng = TestRng::new(u64::from(n));
    let shape = if args.full { "full" } else { "blank" };
    eprintln!(
        "{n} members, suite {}, {shape} tree, {threads} thread(s), {} repetitions",
        args.suite.0, args.reps
    );

    let Built {
        mut committer,
        mut receiver,
        steps,
    } = if args.full {
        build_full(&crypto, n, &mut rng)
    } else {
        build_blank(&crypto, n, &mut rng)
    };
    let joiner = key_package(&crypto, "joiner".into(), &mut rng);
    let saved = receiver.to_bytes().expect("save");
    let state_len = saved.len();
    let restore =
        || Group::from_bytes(RustCryptoProvider, public_config(), &saved).expect("restore");
    if args.pause {
        std::thread::sleep(Duration::from_secs(1));
    }
    let reps = args.reps;
    let mut rows: Vec<(String, Vec<Duration>)> = Vec::new();
    let mut sizes: Vec<(String, usize)> = Vec::new();
    let bar = ProgressBar::new(8).with_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len}")
            .expect("template")
            .progress_chars("=> "),
    );

    if args.runs("create") {
        bar.set_message("commit create");
        rows.push((
            "commit with path, create".into(),
            time(
                reps,
                || (),
                |()| {
                    committer
                        .create_commit(CommitOptions::default(), NOW, &mut rng)
                        .expect("commit")
                },
            ),
        ));
        bar.inc(1);
    }

    if args.runs("process") {
        bar.set_message("commit process");
        let commit = committer
            .create_commit(CommitOptions::default(), NOW, &mut rng)
            .expect("commit")
            .commit;
        rows.push((
            "commit with path, process + merge".into(),
            time(reps, restore, |mut r| {
                let Processed::Commit(staged) = r.process_message(&commit, NOW).expect("process")
                else {
                    panic!("expected a commit")
                };
                r.merge_staged_commit(*staged).expect("merge");
                r
            }),
        ));
        bar.inc(1);
    }

    if args.runs("add") {
        bar.set_message("add one member");
        rows.push((
            "add one member, no path, tree in the Welcome".into(),
            time(
                reps,
                || (),
                |()| {
                    committer
                        .create_commit(no_path(vec![add(&joiner)]), NOW, &mut rng)
                        .expect("add")
                },
            ),
        ));
        rows.push((
            "add one member, no path, tree out of band".into(),
            time(
                reps,
                || (),
                |()| {
                    committer
                        .create_commit(
                            CommitOptions {
                                ratchet_tree_in_welcome: false,
                                ..no_path(vec![add(&joiner)])
                            },
                            NOW,
                            &mut rng,
                        )
                        .expect("add")
                },
            ),
        ));
        bar.inc(1);
    }

    if args.runs("join") {
        bar.set_message("join");
        let welcome = committer
            .create_commit(no_path(vec![add(&joiner)]), NOW, &mut rng)
            .expect("add")
            .welcome
            .expect("a Welcome");
        rows.push((
            "join, tree in the Welcome".into(),
            time(
                reps,
                || (),
                |()| {
                    Group::join(
                        RustCryptoProvider,
                        public_config(),
                        &welcome,
                        &joiner,
                        JoinOptions::default(),
                        NOW,
                    )
                    .expect("join")
                },
            ),
        ));
        bar.inc(1);
    }

    if args.runs("app") {
        bar.set_message("application messages");
        let data = [0x61u8; 1024];
        rows.push((
            "application message 1 KiB, protect + unprotect".into(),
            time(
                reps,
                || (),
                |()| {
                    let message = committer
                        .create_message(&data, b"", &mut rng)
                        .expect("protect");
                    receiver.process_message(&message, NOW).expect("unprotect")
                },
            ),
        ));
        bar.inc(1);
    }

    if args.runs("state") {
        bar.set_message("save and restore");
        rows.push((
            "saved state, to_bytes".into(),
            time(reps, || (), |()| receiver.to_bytes().expect("save")),
        ));
        rows.push((
            "restore, from_bytes".into(),
            time(reps, || (), |()| restore()),
        ));
        bar.inc(1);
    }

    if args.runs("floors") {
        bar.set_message("floors");
        let own = committer.own_leaf();
        let keys: Vec<_> = committer
            .members()
            .filter(|m| m.leaf != own)
            .map(|m| m.leaf_node.encryption_key.clone())
            .collect();
        let context = committer.context().to_bytes().expect("context");
        let secret = [0x11u8; 32];
        rows.push((
            format!("floor: {} HPKE seals (32 B)", keys.len()),
            time(
                reps,
                || (),
                |()| {
                    for key in &keys {
                        crypto
                            .encrypt_with_label(key, "UpdatePathNode", &context, &secret, &mut rng)
                            .expect("seal");
                    }
                },
            ),
        ));
        let group_id = committer.group_id().to_vec();
        let leaves: Vec<_> = committer
            .members()
            .map(|m| {
                (
                    m.leaf_node,
                    m.leaf_node.tbs_bytes(&group_id, m.leaf).expect("tbs"),
                )
            })
            .collect();
        rows.push((
            format!("floor: {} leaf-signature verifications", leaves.len()),
            time(
                reps,
                || (),
                |()| {
                    for (leaf, tbs) in &leaves {
                        crypto
                            .verify_with_label(
                                &leaf.signature_key,
                                "LeafNodeTBS",
                                tbs,
                                &leaf.signature,
                            )
                            .expect("verify");
                    }
                },
            ),
        ));
        bar.inc(1);
    }
    bar.finish_and_clear();

    if args.runs("delta") {
        bar.set_message("incremental state");
        let (base, checkpoint) = receiver.to_bytes_checkpoint().expect("checkpoint");
        let data = [0x61u8; 1024];
        let message = committer
            .create_message(&data, b"", &mut rng)
            .expect("protect");
        receiver.process_message(&message, NOW).expect("unprotect");
        rows.push((
            "delta after an application message, to_bytes_delta".into(),
            time(
                reps,
                || (),
                |()| receiver.to_bytes_delta(&checkpoint).expect("delta"),
            ),
        ));
        let (message_delta, after_message) = receiver.to_bytes_delta(&checkpoint).expect("delta");
        let created = committer
            .create_commit(CommitOptions::default(), NOW, &mut rng)
            .expect("commit");
        committer.merge_pending_commit().expect("merge own commit");
        let Processed::Commit(staged) = receiver
            .process_message(&created.commit, NOW)
            .expect("process")
        else {
            panic!("expected a commit")
        };
        receiver.merge_staged_commit(*staged).expect("merge");
        rows.push((
            "delta after a commit with path, to_bytes_delta".into(),
            time(
                reps,
                || (),
                |()| receiver.to_bytes_delta(&after_message).expect("delta"),
            ),
        ));
        let (commit_delta, _) = receiver.to_bytes_delta(&after_message).expect("delta");
        rows.push((
            "restore, base + those 2 deltas".into(),
            time(
                reps,
                || (),
                |()| {
                    Group::from_bytes_with_deltas(
                        RustCryptoProvider,
                        public_config(),
                        &base,
                        [message_delta.as_slice(), commit_delta.as_slice()],
                    )
                    .expect("restore")
                },
            ),
        ));
        sizes.push(("base (to_bytes_checkpoint)".into(), base.len()));
        sizes.push((
            "delta after an application message".into(),
            message_delta.len(),
        ));
        sizes.push(("delta after a commit with path".into(), commit_delta.len()));
        sizes.push((
            "state after the commit, to_bytes".into(),
            receiver.to_bytes().expect("save").len(),
        ));
        bar.inc(1);
    }

    println!();
    println!("| build step (once) | time |");
    println!("|---|--:|");
    for (step, d) in &steps {
        println!("| {step} | {} |", fmt(*d));
    }
    println!();
    println!(
        "| operation, {n} members, suite {}, {shape}, {threads} thread(s) | median | min |",
        args.suite.0
    );
    println!("|---|--:|--:|");
    for (op, mut times) in rows {
        times.sort();
        println!(
            "| {op} | {} | {} |",
            fmt(times[times.len() / 2]),
            fmt(times[0])
        );
    }
    println!("| saved state of the receiver | {state_len} bytes | |");
    for (what, len) in sizes {
        println!("| {what} | {len} bytes | |");
    }
    ExitCode::SUCCESS
}

/// The configuration the measurements use: handshakes as PublicMessages
/// (as the peers are measured), so a commit can be processed again and
/// again without spending a message key.
fn public_config() -> GroupConfig {
    GroupConfig {
        wire_format: rfc9420::group::WireFormatPolicy::MIXED_PUBLIC,
        ..GroupConfig::default()
    }
}
