//! The body of every fuzz target, as a plain function of the input bytes,
//! so libFuzzer binaries, the seed replay test and the regression replay
//! all run the same code. Every function panics exactly when its oracle
//! fails.

use std::cell::RefCell;
use std::fmt::Debug;

use rfc9420::codec::{Decode, Encode, decode_exact};
use rfc9420::group::ProposalError;
use rfc9420::messages::{Commit, GroupInfo, KeyPackage, RatchetTreeExtension, Welcome};
use rfc9420::{
    CommitOptions, Error, Group, GroupConfig, JoinOptions, LeafNode, MlsMessage, Processed,
    Proposal, RustCryptoProvider,
};

use crate::fixtures::{self, Fixture, NOW, Sample};
use crate::mutate::Malicious;
use crate::rng::FixedRng;
use crate::script::Script;

/// A target's body.
pub type Target = fn(&[u8]);

/// Every target by name, for the replay harness and the seed generator.
pub const TARGETS: &[(&str, Target)] = &[
    ("decode_mls_message", decode_mls_message),
    ("decode_key_package", decode_key_package),
    ("decode_welcome", decode_welcome),
    ("decode_group_info", decode_group_info),
    ("decode_ratchet_tree", decode_ratchet_tree),
    ("decode_proposal", decode_proposal),
    ("decode_commit", decode_commit),
    ("decode_leaf_node", decode_leaf_node),
    ("decode_group_state", decode_group_state),
    ("process_message", process_message),
    ("process_mutated", process_mutated),
    ("join_welcome", join_welcome),
    ("restore_state", restore_state),
    ("create_commit", create_commit),
];

/// A decoder never panics; what it accepts re-encodes to the same bytes
/// (the codec accepts only canonical encodings: minimal varints, no
/// trailing bytes).
fn roundtrip<T: Decode + Encode + PartialEq + Debug>(data: &[u8]) {
    if let Ok(value) = decode_exact::<T>(data) {
        let bytes = value.to_bytes().expect("a decoded value encodes");
        assert_eq!(bytes, data, "re-encoding differs from the accepted input");
    }
}

/// `MLSMessage`, every wire format.
pub fn decode_mls_message(data: &[u8]) {
    roundtrip::<MlsMessage>(data)
}

/// `KeyPackage`.
pub fn decode_key_package(data: &[u8]) {
    roundtrip::<KeyPackage>(data)
}

/// `Welcome`.
pub fn decode_welcome(data: &[u8]) {
    roundtrip::<Welcome>(data)
}

/// `GroupInfo`.
pub fn decode_group_info(data: &[u8]) {
    roundtrip::<GroupInfo>(data)
}

/// `optional<Node> ratchet_tree<V>` (the ratchet tree node list).
pub fn decode_ratchet_tree(data: &[u8]) {
    roundtrip::<RatchetTreeExtension>(data)
}

/// `Proposal`.
pub fn decode_proposal(data: &[u8]) {
    roundtrip::<Proposal>(data)
}

/// `Commit`.
pub fn decode_commit(data: &[u8]) {
    roundtrip::<Commit>(data)
}

/// `LeafNode`.
pub fn decode_leaf_node(data: &[u8]) {
    roundtrip::<LeafNode>(data)
}

/// The saved group state: `Group::from_bytes` never panics and fails
/// only with a typed error; what it accepts saves and restores to the
/// same bytes.
pub fn decode_group_state(data: &[u8]) {
    match Group::from_bytes(RustCryptoProvider, GroupConfig::default(), data) {
        Err(e) => assert_typed(&e),
        Ok(g) => {
            let saved = g.to_bytes().expect("a restored group saves");
            let again = Group::from_bytes(RustCryptoProvider, GroupConfig::default(), &saved)
                .expect("saved bytes restore");
            assert_eq!(again.to_bytes().expect("save"), saved, "save is not stable");
        }
    }
}

fn assert_typed(e: &Error) {
    assert!(
        !matches!(e, Error::Internal(_)),
        "internal error on hostile input: {e:?}"
    );
}

thread_local! {
    /// The receiver of each fixture, restored once and kept while inputs
    /// leave it unchanged (which the oracle checks on every rejection).
    static RECEIVERS: RefCell<Vec<Option<Group>>> = const { RefCell::new(Vec::new()) };
}

fn take_receiver(i: usize, f: &Fixture) -> Group {
    RECEIVERS
        .with(|r| r.borrow_mut().get_mut(i).and_then(Option::take))
        .unwrap_or_else(|| fixtures::restore(&f.config, &f.receiver))
}

fn keep_receiver(i: usize, g: Group) {
    RECEIVERS.with(|r| {
        let mut r = r.borrow_mut();
        if r.len() <= i {
            r.resize_with(i + 1, || None);
        }
        r[i] = Some(g);
    })
}

/// The processing oracle. `input` goes to fixture `fi`'s receiver:
///
/// - rejected: a typed error (never `Internal`), the saved state
///   byte-identical to before, and then `original` still processes;
/// - accepted: the receiver merges it, and the witness (another member)
///   accepts it too with the same result (same proposal reference, same
///   application data, same next-epoch authenticator).
fn check_processing(fi: usize, f: &Fixture, original: &Sample, input: &[u8]) {
    let mut g = take_receiver(fi, f);
    match g.process_message(input, NOW) {
        Err(e) => {
            assert_typed(&e);
            let after = g.to_bytes().expect("save");
            assert!(
                after.as_slice() == f.receiver.as_slice(),
                "rejected input changed the state: {e:?}"
            );
            // Input that does not even decode cannot reach the state; the
            // byte-identical check above covers it.
            //
            // Processing the original as well costs as much as the input
            // itself (and a restore after): it runs for one in four of the
            // rejected inputs that decode, picked by a hash of the input so
            // that a replay takes the same choice.
            if decode_exact::<MlsMessage>(input).is_err() || !sampled(input) {
                keep_receiver(fi, g);
                return;
            }
            if let Err(e2) = g.process_message(&original.bytes, NOW) {
                panic!(
                    "original {} refused after a rejected variant ({e:?}): {e2:?}",
                    original.label
                );
            }
        }
        Ok(p) => check_accepted(f, &mut g, input, p),
    }
}

/// One input in four, by a hash of its bytes (FNV-1a).
fn sampled(input: &[u8]) -> bool {
    let h = input.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    h.is_multiple_of(4)
}

/// What the receiver accepted, the witness accepts alike.
fn check_accepted(f: &Fixture, g: &mut Group, input: &[u8], p: Processed) {
    let witness = f.witness.as_ref().map(|(saved, leaf)| (saved, *leaf));
    match p {
        Processed::Commit(staged) => {
            let auth = staged.epoch_authenticator().map(|a| a.as_bytes().to_vec());
            let committer = staged.effects().committer;
            g.merge_staged_commit(*staged)
                .expect("an accepted commit merges");
            let Some((saved, leaf)) = witness else { return };
            if committer == rfc9420::framing::Sender::Member(leaf) {
                return;
            }
            let mut w = fixtures::restore(&f.config, saved);
            match w.process_message(input, NOW) {
                Ok(Processed::Commit(ws)) => {
                    let wauth = ws.epoch_authenticator().map(|a| a.as_bytes().to_vec());
                    if auth.is_some() && wauth.is_some() {
                        assert_eq!(auth, wauth, "receiver and witness disagree on the epoch");
                    }
                    w.merge_staged_commit(*ws).expect("witness merges");
                }
                other => panic!("receiver accepted a commit the witness did not: {other:?}"),
            }
        }
        Processed::Proposal(p) => {
            let Some((saved, leaf)) = witness else { return };
            if p.sender == rfc9420::framing::Sender::Member(leaf) {
                return;
            }
            let mut w = fixtures::restore(&f.config, saved);
            match w.process_message(input, NOW) {
                Ok(Processed::Proposal(q)) => assert_eq!(p.reference, q.reference),
                other => panic!("receiver accepted a proposal the witness did not: {other:?}"),
            }
        }
        Processed::Application(a) => {
            let Some((saved, leaf)) = witness else { return };
            if a.sender == leaf {
                return;
            }
            let mut w = fixtures::restore(&f.config, saved);
            match w.process_message(input, NOW) {
                Ok(Processed::Application(b)) => assert_eq!(a, b),
                other => panic!("receiver accepted data the witness did not: {other:?}"),
            }
        }
    }
}

/// Picks a fixture and one of its samples from two selector bytes.
fn select(s: &mut Script) -> (usize, &'static Fixture, &'static Sample) {
    let fi = fixtures::pick(s.u8());
    let f = &fixtures::all()[fi];
    let sample = &f.samples[s.below(f.samples.len())];
    (fi, f, sample)
}

/// `process_message` on raw bytes: `[fixture][sample][message bytes]`.
/// The sample names the original that must still process after a
/// rejection; the seeds are the samples themselves.
pub fn process_message(data: &[u8]) {
    let mut s = Script::new(data);
    let (fi, f, sample) = select(&mut s);
    check_processing(fi, f, sample, s.rest());
}

/// `process_message` on structure-aware mutations:
/// `[fixture][sample][mutation script]`, re-signed, re-tagged and
/// re-encrypted by a malicious member (see [`crate::mutate`]).
pub fn process_mutated(data: &[u8]) {
    let mut s = Script::new(data);
    let fi = fixtures::pick(s.u8());
    let f = &fixtures::all()[fi];
    // Only samples whose content the malicious member can read.
    let n = f.samples.iter().filter(|x| x.content.is_some()).count();
    let k = s.below(n);
    let Some(sample) = f.samples.iter().filter(|x| x.content.is_some()).nth(k) else {
        return;
    };
    let Some(input) = Malicious::new(f).mutate(sample, &mut s) else {
        return;
    };
    check_processing(fi, f, sample, &input);
}

/// `Group::join`: `[fixture][welcome][welcome length: u16][welcome][tree]`.
/// The first two bytes pick the fixture and which of its Welcomes (with
/// or without the tree) the KeyPackage bundle comes from; a non-empty tree is passed
/// as the out-of-band ratchet tree. A join that succeeds agrees with the
/// committer on the epoch authenticator; one that fails does so with a
/// typed error.
pub fn join_welcome(data: &[u8]) {
    let mut s = Script::new(data);
    let f = &fixtures::all()[fixtures::pick(s.u8())];
    let w = &f.welcomes[s.below(f.welcomes.len())];
    let len = usize::from(s.u16());
    let rest = s.rest();
    let (welcome, tree) = rest.split_at(len.min(rest.len()));
    let options = if tree.is_empty() {
        JoinOptions::default()
    } else {
        match JoinOptions::with_tree_bytes(tree) {
            Ok(o) => o,
            Err(e) => return assert_typed(&e),
        }
    };
    match Group::join(
        RustCryptoProvider,
        f.config.clone(),
        welcome,
        &w.joiner,
        options,
        NOW,
    ) {
        Err(e) => assert_typed(&e),
        Ok(g) => assert_eq!(
            g.epoch_authenticator().as_bytes(),
            w.epoch_authenticator,
            "a joiner disagrees with the committer"
        ),
    }
}

/// `Group::from_bytes` on mutated saved state, then use of the restored
/// group: `[fixture][sample][saved state]`. A restored group saves and
/// restores stably; processing the sample and sending a message never
/// panic, fail only with typed errors, and a rejection leaves the state
/// unchanged.
pub fn restore_state(data: &[u8]) {
    let mut s = Script::new(data);
    let (_, f, sample) = select(&mut s);
    let mut g = match Group::from_bytes(RustCryptoProvider, f.config.clone(), s.rest()) {
        Err(e) => return assert_typed(&e),
        Ok(g) => g,
    };
    let before = g.to_bytes().expect("a restored group saves");
    let again = Group::from_bytes(RustCryptoProvider, f.config.clone(), &before)
        .expect("saved bytes restore");
    assert_eq!(
        again.to_bytes().expect("save"),
        before,
        "save is not stable"
    );
    match g.process_message(&sample.bytes, NOW) {
        Err(e) => {
            assert_typed(&e);
            assert!(
                g.to_bytes().expect("save") == before,
                "rejection changed the state"
            );
        }
        Ok(Processed::Commit(staged)) => g.merge_staged_commit(*staged).expect("merge"),
        Ok(_) => {}
    }
    let mut rng = FixedRng::new(7);
    if let Err(e) = g.create_message(b"after restore", b"", &mut rng) {
        assert_typed(&e);
    }
}

/// `create_commit` with fuzzer-chosen proposals and options from the
/// fixture's sender: `[fixture][script]`. A commit the sender creates is
/// accepted by the receiver and the witness with the same next epoch,
/// and every fresh KeyPackage it adds joins from its Welcome into that
/// same epoch (or, when the commit injects PSKs, which fresh KeyPackages
/// cannot hold, fails with `UnknownPsk`); a commit it refuses is a typed
/// error that leaves its state unchanged.
pub fn create_commit(data: &[u8]) {
    let mut s = Script::new(data);
    let f = &fixtures::all()[fixtures::pick(s.u8())];
    let mut m = Malicious::new(f);
    let mut options = CommitOptions::default();
    let mut joiners = Vec::new();
    for _ in 0..s.below(4) {
        if s.below(3) == 0 {
            let i = s.below(f.fresh.len());
            joiners.push(i);
            options
                .proposals
                .push(Proposal::Add(rfc9420::messages::Add {
                    key_package: f.fresh[i].key_package().clone(),
                }));
        } else {
            options.proposals.push(m.gen_proposal(&mut s));
        }
    }
    options.include_pending = s.bool();
    options.update_path = !s.u8().is_multiple_of(4);
    options.ratchet_tree_in_welcome = s.bool();
    options.group_info = s.bool();
    options.authenticated_data = s.bytes(16);
    let mut sender = fixtures::restore(&f.config, &f.sender_state);
    let mut rng = FixedRng::new(u64::from(s.u8()));
    let created = match sender.create_commit(options, NOW, &mut rng) {
        Err(e) => {
            assert_typed(&e);
            assert!(
                sender.to_bytes().expect("save").as_slice() == f.sender_state.as_slice(),
                "a refused commit changed the committer's state"
            );
            return;
        }
        Ok(c) => c,
    };
    let auth = created
        .staged
        .epoch_authenticator()
        .map(|a| a.as_bytes().to_vec());
    let psks = created.staged.effects().psks.clone();
    let mut members = vec![(f.receiver.clone(), f.receiver_leaf)];
    if let Some(w) = &f.witness {
        members.push(w.clone());
    }
    for (saved, leaf) in members {
        let mut g = fixtures::restore(&f.config, &saved);
        match g.process_message(&created.commit, NOW) {
            Ok(Processed::Commit(staged)) => {
                let theirs = staged.epoch_authenticator().map(|a| a.as_bytes().to_vec());
                if theirs.is_some() {
                    assert_eq!(theirs, auth, "member {leaf:?} disagrees with the committer");
                }
                g.merge_staged_commit(*staged).expect("merge");
            }
            other => panic!("member {leaf:?} refused a commit its committer created: {other:?}"),
        }
    }
    if let Some(welcome) = &created.welcome {
        joiners.sort_unstable();
        joiners.dedup();
        for i in joiners {
            let options = match &created.ratchet_tree {
                Some(tree) => JoinOptions::with_tree_bytes(tree).expect("tree"),
                None => JoinOptions::default(),
            };
            let joined = Group::join(
                RustCryptoProvider,
                f.config.clone(),
                welcome,
                &f.fresh[i],
                options,
                NOW,
            );
            // A joiner needs every PSK the commit injects (RFC 9420 §8.4,
            // §12.4.3.1); the fresh KeyPackages hold none, and a resumption
            // PSK of this group's past epochs cannot be given to them.
            let g = match joined {
                Err(Error::Proposal(ProposalError::UnknownPsk(_))) if !psks.is_empty() => continue,
                Err(e) => panic!("an added member cannot join: {e:?}"),
                Ok(g) => g,
            };
            assert!(psks.is_empty(), "joined without the PSKs {psks:?}");
            assert_eq!(
                Some(g.epoch_authenticator().as_bytes().to_vec()),
                auth,
                "a joiner disagrees with the committer"
            );
        }
    }
}
