//! Incremental saved state (`Group::to_bytes_checkpoint`,
//! `Group::to_bytes_delta`, `Group::from_bytes_with_deltas`): a base and
//! the deltas written after every change restore, at every epoch, to a
//! state whose `to_bytes` is byte for byte the live member's, which goes
//! on working in the group; deltas carry only what changed; a delta
//! applied to the wrong base, out of order or twice is refused with a
//! typed error.

use rfc9420_test_support::group_harness as harness;

use harness::Harness;
use rfc9420::crypto::CipherSuite;
use rfc9420::group::{CommitOptions, Group, GroupConfig, StateCheckpoint, StateError};
use rfc9420::messages::{Proposal, Remove};
use rfc9420::tree::{LeafIndex, TreeError};
use rfc9420::{Error, RustCryptoProvider};
use rfc9420_test_support::all_suites;

/// What a member has written so far: its base and deltas, and the
/// checkpoint of the last.
struct Saved {
    base: Vec<u8>,
    deltas: Vec<Vec<u8>>,
    checkpoint: StateCheckpoint,
}

impl Saved {
    fn new(group: &Group) -> Self {
        let (base, checkpoint) = group.to_bytes_checkpoint().unwrap();
        Self {
            base: base.to_vec(),
            deltas: Vec::new(),
            checkpoint,
        }
    }

    /// Writes a delta; returns its length.
    fn write(&mut self, group: &Group) -> usize {
        let (delta, checkpoint) = group.to_bytes_delta(&self.checkpoint).unwrap();
        self.deltas.push(delta.to_vec());
        self.checkpoint = checkpoint;
        delta.len()
    }

    fn restore(&self, config: &GroupConfig) -> Result<(Group, StateCheckpoint), Error> {
        Group::from_bytes_with_deltas(
            RustCryptoProvider,
            config.clone(),
            &self.base,
            self.deltas.iter().map(Vec::as_slice),
        )
    }

    /// Restores and checks the restored state against `live`: the same
    /// bytes, and the checkpoint of the last delta.
    fn check(&self, live: &Group, config: &GroupConfig, what: &str) -> Group {
        let (restored, checkpoint) = self.restore(config).unwrap();
        assert_eq!(
            restored.to_bytes().unwrap(),
            live.to_bytes().unwrap(),
            "{what}: base + {} deltas restore the live state",
            self.deltas.len()
        );
        assert_eq!(checkpoint, self.checkpoint, "{what}: restored checkpoint");
        restored
    }
}

/// Epochs of adds (with and without a path, the tree growing), an
/// Update, removes (the tree shrinking), and application messages; after
/// each step two members write a delta, and base + deltas restore their
/// state exactly. Every few steps a member is replaced by its restored
/// state, which must keep agreeing with the group.
fn deltas_restore_every_epoch(suite: CipherSuite) {
    restore_every_step(suite, 7);
}

/// `steps` steps of [`deltas_restore_every_epoch`].
fn restore_every_step(suite: CipherSuite, steps: usize) {
    let config = GroupConfig::default();
    let mut h = Harness::new(suite, config.clone(), 1000 + u64::from(suite.0));
    let joiners = h.new_key_packages(2);
    h.commit(0, CommitOptions::default(), joiners).unwrap();
    // Member 0 and member 1 (a joiner) save incrementally from here.
    let tracked = [0usize, 1];
    let mut saved: Vec<Saved> = tracked.iter().map(|&i| Saved::new(h.group(i))).collect();
    let no_path = || CommitOptions {
        update_path: false,
        ..CommitOptions::default()
    };
    for step in 0..steps {
        match step % 7 {
            0 => {
                let joiners = h.new_key_packages(3);
                h.commit(1, CommitOptions::default(), joiners).unwrap();
            }
            1 => h.exchange_messages(),
            2 => {
                let joiners = h.new_key_packages(2);
                h.commit(0, no_path(), joiners).unwrap();
            }
            3 => {
                let active = h.active();
                let last = *active.last().unwrap();
                h.propose_update(last).unwrap();
                h.commit(0, CommitOptions::default(), Vec::new()).unwrap();
            }
            4 => {
                let active = h.active();
                let victim = h.group(*active.last().unwrap()).own_leaf();
                let remove = Proposal::Remove(Remove { removed: victim });
                h.commit(1, CommitOptions::with_proposals(vec![remove]), Vec::new())
                    .unwrap();
            }
            5 => {
                // A pending commit is part of the state too.
                let mut rng =
                    std::mem::replace(&mut h.rng, rfc9420_test_support::rng::TestRng::new(0));
                h.group(0)
                    .create_commit(CommitOptions::default(), harness::NOW, &mut rng)
                    .unwrap();
                h.rng = rng;
            }
            _ => {
                h.group(0).clear_pending_commit();
                h.commit(0, CommitOptions::default(), Vec::new()).unwrap();
                h.exchange_messages();
            }
        }
        h.assert_agree();
        for (s, &i) in saved.iter_mut().zip(&tracked) {
            s.write(h.group(i));
            let restored = s.check(h.group(i), &config, &format!("step {step}, member {i}"));
            if step % 3 == 2 {
                h.members[i] = Some(restored);
            }
        }
    }
    h.exchange_messages();
    h.commit(1, CommitOptions::default(), Vec::new()).unwrap();
    h.assert_agree();
}

all_suites!(deltas_restore_every_epoch);

/// Four rounds of the steps in suite 1: a base and 28 deltas over about 25
/// epochs, restored after each.
#[test]
fn deltas_restore_over_many_epochs() {
    restore_every_step(
        CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519,
        28,
    );
}

/// A 64-member group: a delta carries no tree node after application
/// messages, and after a commit only the committer's leaf and the parents
/// on its path (log2(64) = 6), besides the state outside the tree.
#[test]
fn deltas_carry_what_changed() {
    let suite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
    let config = GroupConfig::default();
    let mut h = Harness::new(suite, config.clone(), 77);
    let joiners = h.new_key_packages(63);
    h.commit(0, CommitOptions::default(), joiners).unwrap();
    let mut s = Saved::new(h.group(5));
    // The delta's bytes beyond the state without its tree: a header of
    // 52 bytes in suite 1 (magic, version, base identifier, node count,
    // two vector headers) and the changed nodes.
    let beyond_state = |g: &mut Group, delta: usize| {
        let state = g.to_bytes().unwrap().len();
        let tree = rfc9420::codec::Encode::to_bytes(g.tree()).unwrap().len();
        (delta + tree) - state
    };

    let unchanged = s.write(h.group(5));
    assert!(beyond_state(h.group(5), unchanged) <= 56, "unchanged");
    h.exchange_messages();
    let after_messages = s.write(h.group(5));
    assert!(beyond_state(h.group(5), after_messages) <= 56, "messages");
    h.commit(9, CommitOptions::default(), Vec::new()).unwrap();
    let after_commit = s.write(h.group(5));
    let nodes = beyond_state(h.group(5), after_commit) - 52;
    let tree = rfc9420::codec::Encode::to_bytes(h.group(5).tree()).unwrap();
    // 7 nodes of at most 400 bytes each, about a tenth of the tree.
    assert!(
        nodes < 7 * 400 && nodes < tree.len() / 4,
        "commit: {nodes} bytes of nodes, tree {}",
        tree.len()
    );
    s.check(h.group(5), &config, "64 members");
}

/// Deltas applied to another base, out of order, twice, or altered are
/// refused with typed errors, and a checkpoint of another group is
/// refused when writing.
#[test]
fn wrong_base_and_malformed_deltas_are_refused() {
    let suite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
    let config = GroupConfig::default();
    let mut h = Harness::new(suite, config.clone(), 78);
    let joiners = h.new_key_packages(3);
    h.commit(0, CommitOptions::default(), joiners).unwrap();
    let mut s = Saved::new(h.group(0));
    let joiners = h.new_key_packages(2);
    h.commit(1, CommitOptions::default(), joiners).unwrap();
    s.write(h.group(0));
    h.exchange_messages();
    s.write(h.group(0));
    s.check(h.group(0), &config, "before tampering");

    let restore = |base: &[u8], deltas: &[&[u8]]| {
        Group::from_bytes_with_deltas(
            RustCryptoProvider,
            config.clone(),
            base,
            deltas.iter().copied(),
        )
        .map(|_| ())
    };
    let state = |r: Result<(), Error>| match r {
        Err(Error::State(e)) => e,
        other => panic!("expected a state error, got {other:?}"),
    };
    let (d1, d2) = (s.deltas[0].as_slice(), s.deltas[1].as_slice());

    // Another base: member 1's state, or member 0's own current state.
    let other_base = h.group(1).to_bytes().unwrap();
    assert_eq!(
        state(restore(&other_base, &[d1, d2])),
        StateError::DeltaBaseMismatch
    );
    let current = h.group(0).to_bytes().unwrap();
    assert_eq!(
        state(restore(&current, &[d1])),
        StateError::DeltaBaseMismatch
    );
    // Out of order, and twice.
    assert_eq!(
        state(restore(&s.base, &[d2, d1])),
        StateError::DeltaBaseMismatch
    );
    assert_eq!(
        state(restore(&s.base, &[d1, d1, d2])),
        StateError::DeltaBaseMismatch
    );
    // A base that is not saved state, a delta that is not a delta.
    assert_eq!(state(restore(d1, &[])), StateError::NotASavedGroup);
    assert_eq!(
        state(restore(&s.base, &[&s.base])),
        StateError::NotAStateDelta
    );
    // magic(8) || version(2) || base<V>(1 + 32) || node_count(4) || ...
    let mut version = d1.to_vec();
    version[9] = 9;
    assert_eq!(
        state(restore(&s.base, &[&version])),
        StateError::UnsupportedVersion(9)
    );
    let mut shrunk = d1.to_vec();
    shrunk[43..47].copy_from_slice(&0u32.to_be_bytes());
    assert!(matches!(
        state(restore(&s.base, &[&shrunk])),
        StateError::DeltaNodeOutOfRange { node_count: 0, .. }
    ));
    let mut huge = d1.to_vec();
    huge[43..47].copy_from_slice(&u32::MAX.to_be_bytes());
    assert!(matches!(
        restore(&s.base, &[&huge]),
        Err(Error::Tree(TreeError::TooManyNodes { .. }))
    ));
    // Altering a delta changes its identifier: the next one no longer
    // applies.
    let mut altered = d1.to_vec();
    let last = altered.len() - 1;
    altered[last] ^= 1;
    assert!(restore(&s.base, &[&altered, d2]).is_err());

    // A checkpoint of another group.
    let other = Harness::new(suite, config.clone(), 79)
        .group(0)
        .to_bytes_checkpoint()
        .unwrap()
        .1;
    assert!(matches!(
        h.group(0).to_bytes_delta(&other),
        Err(Error::State(StateError::CheckpointOfOtherGroup))
    ));
    // The tracked chain still restores.
    let (restored, _) = s.restore(&config).unwrap();
    assert_eq!(restored.own_leaf(), LeafIndex(0));
}
