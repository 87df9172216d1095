//! Hostile variants of received messages (RFC 9420 §6, §12.4.2, §14):
//! flipped bits, truncations, past epochs, foreign groups, replays and
//! messages from removed members. Every refused message must leave the
//! saved state byte-identical, and the untouched original must still
//! process afterwards. Sources: harness scenarios (PublicMessage and
//! PrivateMessage handshakes) and the official passive-client vectors.

use rfc9420_test_support::group_harness as harness;
use rfc9420_test_support::rng;
use rfc9420_test_support::vector_files;
use rfc9420_test_support::vectors::common;
use rfc9420_test_support::vectors::passive_client;

use harness::{Harness, NOW};
use rfc9420::Error;
use rfc9420::crypto::{CipherSuite, RustCryptoProvider};
use rfc9420::framing::FramingError;
use rfc9420::group::{CommitOptions, Group, GroupConfig, Processed, WireFormatPolicy};
use rfc9420::messages::{Proposal, Remove};
use rfc9420::tree::validate::Timestamp;

const SUITE_1: CipherSuite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;

/// What a hostile variant must fail with.
#[derive(Clone, Copy)]
enum Expect<'a> {
    /// Any typed error but `Internal`.
    AnyTyped,
    /// Exactly this error.
    Exact(&'a Error),
    /// Any `SecretTree` error.
    SecretTree,
}

/// Saved state of one receiver, restored afresh for each variant.
struct Receiver<'a> {
    config: &'a GroupConfig,
    saved: Vec<u8>,
    now: Timestamp,
    count: usize,
}

impl<'a> Receiver<'a> {
    fn new(group: &Group, config: &'a GroupConfig, now: Timestamp) -> Self {
        Self {
            config,
            saved: group.to_bytes().unwrap().to_vec(),
            now,
            count: 0,
        }
    }

    fn restore(&self) -> Group {
        Group::from_bytes(RustCryptoProvider, self.config.clone(), &self.saved).unwrap()
    }

    /// `hostile` is refused as `expect`, the state is unchanged, and then
    /// `original` (if any) processes.
    fn refuse(&mut self, what: &str, hostile: &[u8], expect: Expect<'_>, original: Option<&[u8]>) {
        let mut g = self.restore();
        let err = match g.process_message(hostile, self.now) {
            Ok(p) => panic!("{what}: hostile variant accepted: {p:?}"),
            Err(e) => e,
        };
        match expect {
            Expect::AnyTyped => assert!(!matches!(err, Error::Internal(_)), "{what}: {err:?}"),
            Expect::Exact(want) => assert_eq!(&err, want, "{what}"),
            Expect::SecretTree => assert!(matches!(err, Error::SecretTree(_)), "{what}: {err:?}"),
        }
        assert_eq!(*g.to_bytes().unwrap(), self.saved, "{what}: state changed");
        if let Some(original) = original {
            if let Err(e) = g.process_message(original, self.now) {
                panic!("{what}: original refused after the variant: {e:?}");
            }
        }
        self.count += 1;
    }

    /// Flipped bits and truncations of `msg`; `full` adds more positions.
    fn mangle(&mut self, what: &str, msg: &[u8], full: bool) {
        let n = msg.len();
        let mut flips = vec![0, 1, 3, n / 2, n - 1];
        let mut cuts = vec![0, 4, n / 2, n - 1];
        if full {
            flips.extend([2, 5, 8, 12, n / 4, 3 * n / 4, n - 2, n - 17]);
            cuts.extend([1, 12, n / 4, 3 * n / 4, n - 16]);
        }
        flips.sort_unstable();
        flips.dedup();
        cuts.sort_unstable();
        cuts.dedup();
        for (k, &pos) in flips.iter().enumerate() {
            let mut m = msg.to_vec();
            m[pos] ^= 1 << ((pos + k) % 8);
            self.refuse(
                &format!("{what}: bit flip at {pos}"),
                &m,
                Expect::AnyTyped,
                Some(msg),
            );
        }
        for &len in &cuts {
            self.refuse(
                &format!("{what}: truncated to {len}"),
                &msg[..len],
                Expect::AnyTyped,
                Some(msg),
            );
        }
    }
}

fn wrong_group() -> Error {
    Error::Framing(FramingError::WrongGroup)
}

fn wrong_epoch(got: u64, current: u64) -> Error {
    Error::Framing(FramingError::WrongEpoch { got, current })
}

/// Runs the harness scenario in `config`; returns the number of variants.
fn scenario(config: GroupConfig, seed: u64) -> usize {
    let mut count = 0;
    let mut h = Harness::new(SUITE_1, config.clone(), seed);
    let mut other = Harness::new(SUITE_1, config.clone(), seed + 1000);
    let joiners = h.new_key_packages(4);
    h.commit(0, CommitOptions::default(), joiners).unwrap();
    // The other group reaches the same epoch, so only the group id differs.
    let joiners = other.new_key_packages(1);
    other.commit(0, CommitOptions::default(), joiners).unwrap();
    let mut rng = rng::TestRng::new(seed + 7);
    let mut old_handshakes: Vec<(u64, Vec<u8>)> = Vec::new();
    let mut old_apps: Vec<(u64, Vec<u8>)> = Vec::new();

    for round in 0..3u64 {
        let epoch = h.group(1).epoch();
        // Application messages: mangled, replayed, foreign.
        let app = h
            .group(0)
            .create_message(b"hello", b"aad", &mut rng)
            .unwrap();
        let mut r = Receiver::new(h.group(1), &config, NOW);
        r.mangle("application", &app, round == 0);
        let foreign = other.group(0).create_message(b"x", b"", &mut rng).unwrap();
        r.refuse(
            "foreign application",
            &foreign,
            Expect::Exact(&wrong_group()),
            Some(&app),
        );
        for (e, old) in &old_apps {
            if *e + 1 < epoch {
                let want = wrong_epoch(*e, epoch);
                r.refuse(
                    "application of a dropped epoch",
                    old,
                    Expect::Exact(&want),
                    Some(&app),
                );
            }
        }
        count += r.count;
        assert!(matches!(
            h.group(1).process_message(&app, NOW).unwrap(),
            Processed::Application(_)
        ));
        let mut r = Receiver::new(h.group(1), &config, NOW);
        r.refuse("replayed application", &app, Expect::SecretTree, None);
        count += r.count;
        old_apps.push((epoch, app));

        // Proposals by reference: an Update and a Remove of the last member.
        let pre = Receiver::new(h.group(2), &config, NOW);
        let upd = h.propose_update(1).unwrap();
        let mut r = pre;
        r.mangle("update proposal", &upd, round == 0);
        let foreign = other.group(0).propose_update(b"", NOW, &mut rng).unwrap().0;
        other.group(0).clear_pending_proposals();
        r.refuse(
            "foreign proposal",
            &foreign,
            Expect::Exact(&wrong_group()),
            Some(&upd),
        );
        for (e, old) in &old_handshakes {
            let want = wrong_epoch(*e, epoch);
            r.refuse(
                "past-epoch handshake",
                old,
                Expect::Exact(&want),
                Some(&upd),
            );
        }
        count += r.count;
        old_handshakes.push((epoch, upd));

        let last = *h.active().last().unwrap();
        let removed_leaf = h.group(last).own_leaf();
        let pre = Receiver::new(h.group(2), &config, NOW);
        let rem = h
            .propose(
                1,
                Proposal::Remove(Remove {
                    removed: removed_leaf,
                }),
            )
            .unwrap();
        let mut r = pre;
        r.mangle("remove proposal", &rem, false);
        count += r.count;

        // The commit (with a path), by member 0; the removed member saves
        // its stale state first.
        let stale = h.group(last).to_bytes().unwrap();
        let pre = Receiver::new(h.group(3), &config, NOW);
        let (commit, _) = h.commit(0, CommitOptions::default(), vec![]).unwrap();
        assert!(h.members[last].is_none());
        let mut r = pre;
        r.mangle("commit", &commit, round == 0);
        count += r.count;
        old_handshakes.push((epoch, commit));

        // The removed member sends with its stale state.
        let mut ghost = Group::from_bytes(RustCryptoProvider, config.clone(), &stale).unwrap();
        let ghost_prop = ghost.propose_update(b"", NOW, &mut rng).unwrap().0;
        ghost.clear_pending_proposals();
        let ghost_commit = ghost
            .create_commit(CommitOptions::default(), NOW, &mut rng)
            .unwrap()
            .commit;
        let ghost_app = ghost.create_message(b"ghost", b"", &mut rng).unwrap();
        let fresh = h.group(0).create_message(b"fresh", b"", &mut rng).unwrap();
        let mut r = Receiver::new(h.group(1), &config, NOW);
        let want = wrong_epoch(epoch, epoch + 1);
        r.refuse(
            "removed member's proposal",
            &ghost_prop,
            Expect::Exact(&want),
            Some(&fresh),
        );
        r.refuse(
            "removed member's commit",
            &ghost_commit,
            Expect::Exact(&want),
            Some(&fresh),
        );
        count += r.count;
        // Its application message is a late message of the kept past
        // epoch until one more commit drops that epoch.
        let joiners = h.new_key_packages(2);
        let options = CommitOptions {
            update_path: false,
            ..CommitOptions::default()
        };
        let pre = Receiver::new(h.group(2), &config, NOW);
        let (add_commit, _) = h.commit(1, options, joiners).unwrap();
        let mut r = pre;
        r.mangle("add commit without path", &add_commit, false);
        count += r.count;
        old_handshakes.push((epoch + 1, add_commit));
        let fresh = h.group(0).create_message(b"fresh", b"", &mut rng).unwrap();
        let mut r = Receiver::new(h.group(1), &config, NOW);
        let want = wrong_epoch(epoch, epoch + 2);
        r.refuse(
            "removed member's application",
            &ghost_app,
            Expect::Exact(&want),
            Some(&fresh),
        );
        count += r.count;
        h.assert_agree();
        h.exchange_messages();
        // Keep the other group's epoch in step (irrelevant to the checks).
        other.commit(0, CommitOptions::default(), vec![]).unwrap();
    }
    count
}

#[test]
fn harness_public_handshakes() {
    let n = scenario(GroupConfig::default(), 40);
    println!("public handshakes: {n} variants");
    assert!(n > 150, "{n}");
}

#[test]
fn harness_private_handshakes() {
    let config = GroupConfig {
        wire_format: WireFormatPolicy::PURE_PRIVATE,
        ..GroupConfig::default()
    };
    let n = scenario(config, 50);
    println!("private handshakes: {n} variants");
    assert!(n > 150, "{n}");
}

/// Before each real message of each epoch: mangled variants, unchanged
/// state, then the real message.
fn passive(file: &str, max_epochs: usize, full: bool) -> usize {
    let config = passive_client::config();
    let mut count = 0;
    for value in vector_files::load(file) {
        let v: passive_client::Vector = common::parse(&value).unwrap();
        let (mut group, now) = passive_client::join(&v).unwrap();
        for (i, epoch) in v.epochs.iter().take(max_epochs).enumerate() {
            for p in &epoch.proposals {
                let mut r = Receiver::new(&group, &config, now);
                r.mangle(&format!("{file} epoch {i} proposal"), p, full);
                count += r.count;
                assert!(matches!(
                    group.process_message(p, now).unwrap(),
                    Processed::Proposal(_)
                ));
            }
            let mut r = Receiver::new(&group, &config, now);
            r.mangle(&format!("{file} epoch {i} commit"), &epoch.commit, full);
            count += r.count;
            let Processed::Commit(staged) = group.process_message(&epoch.commit, now).unwrap()
            else {
                panic!("{file} epoch {i}: not a commit");
            };
            group.merge_staged_commit(*staged).unwrap();
            assert_eq!(
                group.epoch_authenticator().as_bytes(),
                &epoch.epoch_authenticator[..]
            );
            // The commit just merged, replayed: a past-epoch handshake.
            let want = wrong_epoch(group.epoch() - 1, group.epoch());
            let mut r = Receiver::new(&group, &config, now);
            r.refuse("replayed commit", &epoch.commit, Expect::Exact(&want), None);
            count += r.count;
        }
    }
    count
}

#[test]
fn passive_client_handling_commit() {
    let n = passive("passive-client-handling-commit.json", usize::MAX, false);
    println!("passive-client-handling-commit: {n} variants");
    assert!(n > 500, "{n}");
}

#[test]
fn passive_client_random() {
    let n = passive("passive-client-random.json", 20, false);
    println!("passive-client-random: {n} variants");
    assert!(n > 500, "{n}");
}
