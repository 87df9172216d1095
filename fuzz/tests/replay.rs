//! Replays the committed seed corpus (`seeds/TARGET/`) and every crash
//! regression input (`regressions/TARGET/`) through the target functions,
//! with debug assertions and overflow checks on. This is what CI runs;
//! it needs neither cargo-fuzz nor libFuzzer.

use std::path::Path;

use rfc9420_fuzz::targets::TARGETS;

fn files(dir: &Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<_> = entries
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.is_file())
        .collect();
    out.sort();
    out
}

fn replay(kind: &str, must_exist: bool) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(kind);
    let mut total = 0;
    for (name, run) in TARGETS {
        let list = files(&root.join(name));
        assert!(
            !must_exist || !list.is_empty(),
            "{kind}/{name} is empty: run `cargo run --example gen_seeds`"
        );
        for path in &list {
            let data = std::fs::read(path).expect("read input");
            eprintln!("{}", path.display());
            run(&data);
        }
        println!("{kind}/{name}: {} inputs replayed", list.len());
        total += list.len();
    }
    println!("{kind}: {total} inputs replayed");
}

#[test]
fn seeds() {
    replay("seeds", true);
}

#[test]
fn regressions() {
    replay("regressions", false);
}
