//! What one execution of a processing target costs, step by step, per
//! fixture: restoring a saved state, saving it, processing each sample,
//! creating a commit and having members process it and joiners join.
//! Medians of `N` repetitions (default 50), in microseconds.
//!
//! ```text
//! cd fuzz && cargo run --release --example cost -- 50
//! ```

use std::time::Instant;

use rfc9420::{CommitOptions, Group, JoinOptions, Processed, RustCryptoProvider};
use rfc9420_fuzz::fixtures::{self, NOW};
use rfc9420_fuzz::rng::FixedRng;

fn median(n: usize, mut f: impl FnMut()) -> f64 {
    let mut t: Vec<f64> = (0..n)
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    t.sort_by(f64::total_cmp);
    t[n / 2]
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(50);
    let s = Instant::now();
    let all = fixtures::all();
    println!(
        "fixtures built in {:.0} ms",
        s.elapsed().as_secs_f64() * 1e3
    );
    for f in all {
        println!("== {}", f.spec.name);
        let restore = median(n, || drop(fixtures::restore(&f.config, &f.receiver)));
        let g = fixtures::restore(&f.config, &f.receiver);
        let save = median(n, || drop(g.to_bytes().expect("save")));
        println!("  restore {restore:9.1}   to_bytes {save:9.1}");
        for sample in &f.samples {
            let t = median(n, || {
                let mut g = fixtures::restore(&f.config, &f.receiver);
                let _ = g.process_message(&sample.bytes, NOW);
            }) - restore;
            println!("  process {:24} {t:9.1}", sample.label);
        }
        let without_path = CommitOptions {
            update_path: false,
            ..CommitOptions::default()
        };
        for options in [CommitOptions::default(), without_path] {
            let path = options.update_path;
            let create = median(n, || {
                let mut g = fixtures::restore(&f.config, &f.sender_state);
                let mut rng = FixedRng::new(1);
                drop(g.create_commit(options.clone(), NOW, &mut rng));
            }) - restore;
            let mut g = fixtures::restore(&f.config, &f.sender_state);
            let mut rng = FixedRng::new(1);
            let created = g
                .create_commit(options.clone(), NOW, &mut rng)
                .expect("commit");
            let process = median(n, || {
                let mut g = fixtures::restore(&f.config, &f.receiver);
                match g.process_message(&created.commit, NOW) {
                    Ok(Processed::Commit(s)) => g.merge_staged_commit(*s).expect("merge"),
                    other => panic!("{other:?}"),
                }
            }) - restore;
            println!("  create_commit path={path:5}  {create:9.1}   process+merge {process:9.1}");
        }
        let mut o = CommitOptions::default();
        o.proposals
            .push(rfc9420::Proposal::Add(rfc9420::messages::Add {
                key_package: f.fresh[0].key_package().clone(),
            }));
        let mut g = fixtures::restore(&f.config, &f.sender_state);
        let mut rng = FixedRng::new(1);
        let created = g.create_commit(o, NOW, &mut rng).expect("commit");
        let welcome = created.welcome.expect("welcome");
        let join = median(n, || {
            drop(
                Group::join(
                    RustCryptoProvider,
                    f.config.clone(),
                    &welcome,
                    &f.fresh[0],
                    JoinOptions::default(),
                    NOW,
                )
                .expect("join"),
            )
        });
        println!("  join (tree in Welcome) {join:9.1}");
    }
}
