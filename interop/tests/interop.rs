//! Mixed groups of rfc9420, OpenMLS 0.9 and mls-rs 0.57 members: every
//! scenario, suite, direction and handshake framing (issue 13). Prints the
//! table of cells and the counts; fails if any cell fails.
//!
//! `INTEROP_FILTER=<text>` runs only the scenarios whose name contains it.

use std::process::ExitCode;
use std::thread;
use std::time::Instant;

use rfc9420_interop::scenarios::{CellSpec, SCENARIOS, large_group, three_libraries};
use rfc9420_interop::tally::Tally;
use rfc9420_interop::{Handshake, Library};

const HANDSHAKES: [Handshake; 2] = [Handshake::Public, Handshake::Private];

fn selected(name: &str) -> bool {
    std::env::var("INTEROP_FILTER").map_or(true, |f| name.contains(&f))
}

/// Every two-library cell with `peer`, both directions.
fn peer_cells(peer: Library) -> Tally {
    let mut tally = Tally::default();
    for scenario in SCENARIOS.iter().filter(|s| selected(s.name)) {
        for &suite in peer.suites() {
            for (lead, follow) in [(Library::Ours, peer), (peer, Library::Ours)] {
                for handshake in HANDSHAKES {
                    let spec = CellSpec {
                        lead,
                        follow,
                        suite,
                        handshake,
                    };
                    let outcome = (scenario.run)(&spec).map(|s| {
                        tally.app_messages += s.app_messages;
                    });
                    tally.record(
                        scenario.name,
                        peer.name(),
                        suite,
                        lead.name(),
                        &handshake.to_string(),
                        outcome,
                    );
                }
            }
        }
    }
    tally
}

/// One group with members of all three libraries, in every suite the
/// three share.
fn three_library_cells() -> Tally {
    let mut tally = Tally::default();
    if !selected("three libraries") {
        return tally;
    }
    for suite in [1, 2, 3] {
        for handshake in HANDSHAKES {
            let outcome = three_libraries(suite, handshake).map(|s| {
                tally.app_messages += s.app_messages;
            });
            tally.record(
                "three libraries, each commits",
                "openmls + mls-rs",
                suite,
                "each in turn",
                &handshake.to_string(),
                outcome,
            );
        }
    }
    tally
}

/// The large-group lifecycle with `peer`: 50 members, 20 random epochs.
fn large_group_cells(peer: Library) -> Tally {
    let mut tally = Tally::default();
    if !selected("large group") {
        return tally;
    }
    for &suite in peer.suites() {
        for (i, (lead, follow)) in [(Library::Ours, peer), (peer, Library::Ours)]
            .into_iter()
            .enumerate()
        {
            // One framing per direction keeps the run short: ours leads
            // with PublicMessages, the peer with PrivateMessages.
            let handshake = HANDSHAKES[i];
            let spec = CellSpec {
                lead,
                follow,
                suite,
                handshake,
            };
            let seed = 0x1337 + u64::from(suite) * 2 + i as u64;
            let (size, first, epochs) = large_params(suite);
            let outcome = large_group(&spec, size, first, epochs, APP_EVERY, seed).map(|s| {
                tally.app_messages += s.app_messages;
            });
            tally.record(
                &format!("large group, {size} members, {epochs} random epochs"),
                peer.name(),
                suite,
                lead.name(),
                &handshake.to_string(),
                outcome,
            );
        }
    }
    tally
}

/// Members, members added by the creator's first commit, and random
/// epochs of the large group in `suite`. The full lifecycle (50 members,
/// 20 random epochs) runs in the X25519 suites; the ECDSA suites (2: P-256,
/// 7: P-384) are several times slower in every library, so they run a
/// smaller loop to keep the debug test run short.
fn large_params(suite: u16) -> (usize, usize, usize) {
    match suite {
        1 | 3 => (50, 10, 20),
        _ => (20, 5, 10),
    }
}

/// Every this many steps, every member sends an application message that
/// every other member decrypts (otherwise two members do).
const APP_EVERY: usize = 10;

fn main() -> ExitCode {
    let start = Instant::now();
    let openmls = thread::spawn(|| {
        let mut t = peer_cells(Library::OpenMls);
        t.merge(large_group_cells(Library::OpenMls));
        t
    });
    let mlsrs = thread::spawn(|| {
        let mut t = peer_cells(Library::MlsRs);
        t.merge(three_library_cells());
        t.merge(large_group_cells(Library::MlsRs));
        t
    });
    let mut tally = Tally::default();
    for h in [openmls, mlsrs] {
        tally.merge(h.join().expect("cell thread"));
    }
    println!("{}", tally.table());
    let (run, passed, skipped, failed) = tally.counts();
    for f in tally.failures() {
        println!("FAILED: {f}");
    }
    println!(
        "interop cells: {run} run, {passed} passed, {skipped} skipped (not supported), {failed} failed; {} application messages checked; {:.1} s",
        tally.app_messages,
        start.elapsed().as_secs_f64()
    );
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
