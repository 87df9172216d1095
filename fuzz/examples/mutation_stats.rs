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
                Err(e) => {
                    let s = format!("{e:?}");
                    let cut = s.find([' ', ',', '}']).unwrap_or(s.len());
                    let s2: String = s[..cut].chars().take(70).collect();
                    s2
                }
            };
            *tally.entry(key).or_default() += 1;
        }
    }
    let mut v: Vec<_> = tally.into_iter().collect();
    v.sort_by_key(|b| std::cmp::Reverse(b.1));
    for (k, c) in v {
        println!("{c:7}  {k}");
    }
}
