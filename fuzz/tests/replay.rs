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

/// The KeyPackage-store seeds reach both ends of `join_from_store`: with
/// every fixture bundle in the store each Welcome joins (the last-resort
/// bundle is kept, the others removed), and without its joiner it is
/// refused with `NoMatchingKeyPackage`.
#[test]
fn store_joins_and_refuses() {
    use rfc9420::group::StateError;
    use rfc9420::{Error, Group, JoinOptions, KeyPackageStore, RustCryptoProvider};
    use rfc9420_fuzz::fixtures::{self, NOW};
    let mut kept = 0;
    for f in fixtures::all() {
        for w in &f.welcomes {
            let options = || match &w.tree {
                Some(t) => JoinOptions::with_tree_bytes(t).expect("tree"),
                None => JoinOptions::default(),
            };
            let mut store = KeyPackageStore::new();
            for b in f.welcomes.iter().map(|x| &x.joiner).chain(&f.fresh) {
                store
                    .insert(&RustCryptoProvider, b.clone())
                    .expect("insert");
            }
            let full = store.len();
            let (g, r) = Group::join_from_store(
                RustCryptoProvider,
                f.config.clone(),
                &w.welcome,
                &mut store,
                options(),
                NOW,
            )
            .unwrap_or_else(|e| panic!("{} {}: {e:?}", f.spec.name, w.label));
            assert_eq!(g.epoch_authenticator().as_bytes(), w.epoch_authenticator);
            if w.joiner.is_last_resort() {
                kept += 1;
                assert_eq!(store.len(), full);
            } else {
                assert_eq!(store.len(), full - 1);
            }
            let e = Group::join_from_store(
                RustCryptoProvider,
                f.config.clone(),
                &w.welcome,
                &mut {
                    let mut s = store.clone();
                    s.remove(&r);
                    s
                },
                options(),
                NOW,
            )
            .expect_err("no bundle for the Welcome");
            assert!(
                matches!(e, Error::State(StateError::NoMatchingKeyPackage)),
                "{e:?}"
            );
        }
    }
    assert_eq!(
        kept,
        fixtures::all().len(),
        "one last-resort Welcome per fixture"
    );
}

/// The external-join seeds reach acceptance: from each fixture's
/// GroupInfo as it is, a join and a resync succeed and the receiver
/// accepts their commits into the joiner's epoch.
#[test]
fn external_joins_are_accepted() {
    use rfc9420::{ExternalJoinOptions, Group, Processed, RustCryptoProvider};
    use rfc9420_fuzz::fixtures::{self, NOW};
    use rfc9420_fuzz::rng::FixedRng;
    for f in fixtures::all() {
        for (own, resync) in [
            (&f.external_joiners[0], None),
            (&f.external_joiners[1], Some(f.sender_leaf)),
        ] {
            let joined = Group::join_external(
                RustCryptoProvider,
                f.config.clone(),
                &f.external_group_info,
                own,
                ExternalJoinOptions {
                    resync,
                    ..ExternalJoinOptions::default()
                },
                NOW,
                &mut FixedRng::new(3),
            )
            .unwrap_or_else(|e| panic!("{}: {e:?}", f.spec.name));
            let mut g = fixtures::restore(&f.config, &f.receiver);
            match g.process_message(&joined.commit, NOW) {
                Ok(Processed::Commit(staged)) => assert_eq!(
                    staged.epoch_authenticator().map(|a| a.as_bytes()),
                    Some(joined.group.epoch_authenticator().as_bytes())
                ),
                other => panic!("{}: {other:?}", f.spec.name),
            }
        }
    }
}
