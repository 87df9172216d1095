//! Tallies how the receiver answers structure-aware mutations: which
//! error kinds they die at, and how many are accepted. A check that the
//! mutations get past signature and MAC checks.
//!
//! ```text
//! cd fuzz && cargo run --release --example mutation_stats -- 3000
//! ```

use std::collections::BTreeMap;

use rfc9420_fuzz::fixtures::{self, NOW};
use rfc9420_fuzz::mutate::Malicious;
use rfc9420_fuzz::rng::FixedRng;
use rfc9420_fuzz::script::Script;

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1000);
    let mut tally: BTreeMap<String, usize> = BTreeMap::new();
    let mut rng = FixedRng::new(1);
    for f in fixtures::all() {
        let mut m = Malicious::new(f);
        for i in 0..n {
            let mut script = vec![0u8; 48];
            rand_core::Rng::fill_bytes(&mut rng, &mut script);
            let sample = &f.samples[i % f.samples.len()];
            let Some(input) = m.mutate(sample, &mut Script::new(&script)) else {
                *tally.entry("(not framed)".into()).or_default() += 1;
                continue;
            };
            let mut g = fixtures::restore(&f.config, &f.receiver);
            let key = match g.process_message(&input, NOW) {
                Ok(_) => "accepted".to_string(),
                Err(e) => kind(&e),
            };
            *tally.entry(key).or_default() += 1;
        }
    }
    print(tally);
    // GroupInfos mutated and re-signed by a member: where external joins
    // from them stop.
    let mut tally: BTreeMap<String, usize> = BTreeMap::new();
    for f in fixtures::all() {
        let mut m = Malicious::new(f);
        for i in 0..n {
            let mut script = vec![0u8; 48];
            rand_core::Rng::fill_bytes(&mut rng, &mut script);
            let Some(gi) = m.mutate_group_info(&mut Script::new(&script)) else {
                *tally.entry("(not framed)".into()).or_default() += 1;
                continue;
            };
            let key = match rfc9420::Group::join_external(
                rfc9420::RustCryptoProvider,
                f.config.clone(),
                &gi,
                &f.external_joiners[i % 2],
                rfc9420::ExternalJoinOptions {
                    resync: (i % 2 == 1).then_some(f.sender_leaf),
                    ..Default::default()
                },
                NOW,
                &mut FixedRng::new(i as u64),
            ) {
                Ok(j) => {
                    let mut g = fixtures::restore(&f.config, &f.receiver);
                    match g.process_message(&j.commit, NOW) {
                        Ok(_) => "joined, member accepts".to_string(),
                        Err(e) => format!("joined, member refuses: {}", kind(&e)),
                    }
                }
                Err(e) => kind(&e),
            };
            *tally.entry(key).or_default() += 1;
        }
    }
    println!("-- external joins from mutated GroupInfos");
    print(tally);
}

fn kind(e: &rfc9420::Error) -> String {
    let s = format!("{e:?}");
    let cut = s.find([' ', ',', '}']).unwrap_or(s.len());
    s[..cut].chars().take(70).collect()
}

fn print(tally: BTreeMap<String, usize>) {
    let mut v: Vec<_> = tally.into_iter().collect();
    v.sort_by_key(|b| std::cmp::Reverse(b.1));
    for (k, c) in v {
        println!("{c:7}  {k}");
    }
}
