//! The body of every fuzz target, as a plain function of the input bytes,
//! so libFuzzer binaries, the seed replay test and the regression replay
//! all run the same code. Every function panics exactly when its oracle
//! fails.

use std::fmt::Debug;
use std::sync::OnceLock;

use rfc9420::codec::{Decode, Encode, decode_exact};
use rfc9420::group::{ApplicationMessage, ProposalError, ReceivedProposal};
use rfc9420::messages::{Commit, GroupInfo, KeyPackage, RatchetTreeExtension, Welcome};
use rfc9420::{
    CommitOptions, Error, ExternalJoinOptions, Group, GroupConfig, JoinOptions, KeyPackageBundle,
    KeyPackageStore, LeafNode, MlsMessage, Processed, Proposal, RustCryptoProvider,
};

use crate::fixtures::{self, Fixture, NOW};
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
    ("decode_key_package_store", decode_key_package_store),
    ("join_from_store", join_from_store),
    ("process_external", process_external),
    ("join_external", join_external),
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

/// What processing a message yields, compared between groups.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    /// Application data.
    Application(ApplicationMessage),
    /// A proposal by reference.
    Proposal(Box<ReceivedProposal>),
    /// A commit: its committer and next epoch's authenticator.
    Commit(rfc9420::framing::Sender, Option<Vec<u8>>),
}

/// Processes `bytes` at `g`, merging a commit; what it yielded.
fn process_and_merge(g: &mut Group, bytes: &[u8]) -> Result<Outcome, Error> {
    Ok(match g.process_message(bytes, NOW)? {
        Processed::Application(a) => Outcome::Application(a),
        Processed::Proposal(p) => Outcome::Proposal(p),
        Processed::Commit(staged) => {
            let auth = staged.epoch_authenticator().map(|a| a.as_bytes().to_vec());
            let committer = staged.effects().committer;
            g.merge_staged_commit(*staged)?;
            Outcome::Commit(committer, auth)
        }
    })
}

/// What the receiver of fixture `fi`, fresh from its saved state, gets
/// from each sample, and its saved state after (merging a commit):
/// computed once per process, the reference every rejection is checked
/// against.
fn expected(fi: usize, si: usize) -> &'static (Outcome, Vec<u8>) {
    type Table = Vec<Vec<(Outcome, Vec<u8>)>>;
    static EXPECTED: OnceLock<Table> = OnceLock::new();
    let table = EXPECTED.get_or_init(|| {
        fixtures::all()
            .iter()
            .map(|f| {
                f.samples
                    .iter()
                    .map(|sample| {
                        let mut g = fixtures::restore(&f.config, &f.receiver);
                        let outcome =
                            process_and_merge(&mut g, &sample.bytes).expect("a sample processes");
                        (outcome, g.to_bytes().expect("save").to_vec())
                    })
                    .collect()
            })
            .collect()
    });
    &table[fi][si]
}

/// The processing oracle. `input` goes to fixture `fi`'s receiver,
/// restored from its saved state (a few microseconds):
///
/// - rejected: a typed error (never `Internal`), the saved state
///   byte-identical to before, and then the original sample `si` still
///   processes at that same group object, with the same outcome and the
///   same saved state after as at a group fresh from the saved state;
/// - accepted: the receiver merges it, and the witness (another member)
///   accepts it too with the same result (same proposal reference, same
///   application data, same next-epoch authenticator).
///
/// The check of the original runs on every rejection, also of input
/// that does not decode: it costs one more processing of a valid
/// message (0.04 to 0.3 ms in suites 1 and 3).
fn check_processing(fi: usize, f: &Fixture, si: usize, input: &[u8]) {
    let mut g = fixtures::restore(&f.config, &f.receiver);
    match g.process_message(input, NOW) {
        Err(e) => check_rejected(fi, f, si, g, &e),
        Ok(p) => check_accepted(f, &mut g, input, p),
    }
}

/// After `g`, fixture `fi`'s receiver fresh from its saved state,
/// rejected an input with `e`: a typed error, the saved state unchanged,
/// and the original sample `si` still processes at `g` as at a fresh
/// receiver.
fn check_rejected(fi: usize, f: &Fixture, si: usize, mut g: Group, e: &Error) {
    let original = &f.samples[si];
    {
        {
            assert_typed(e);
            let after = g.to_bytes().expect("save");
            assert!(
                after.as_slice() == f.receiver.as_slice(),
                "rejected input changed the state: {e:?}"
            );
            let got = match process_and_merge(&mut g, &original.bytes) {
                Ok(o) => o,
                Err(e2) => panic!(
                    "original {} refused after a rejected variant ({e:?}): {e2:?}",
                    original.label
                ),
            };
            let (outcome, state) = expected(fi, si);
            assert_eq!(
                &got, outcome,
                "original {} processed differently after a rejected variant ({e:?})",
                original.label
            );
            assert!(
                g.to_bytes().expect("save").as_slice() == state.as_slice(),
                "original {} left a different state after a rejected variant ({e:?})",
                original.label
            );
        }
    }
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
fn select(s: &mut Script) -> (usize, &'static Fixture, usize) {
    let fi = fixtures::pick(s.u8());
    let f = &fixtures::all()[fi];
    (fi, f, s.below(f.samples.len()))
}

/// `process_message` on raw bytes: `[fixture][sample][message bytes]`.
/// The sample names the original that must still process after a
/// rejection; the seeds are the samples themselves.
pub fn process_message(data: &[u8]) {
    let mut s = Script::new(data);
    let (fi, f, si) = select(&mut s);
    check_processing(fi, f, si, s.rest());
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
    let Some((si, sample)) = f
        .samples
        .iter()
        .enumerate()
        .filter(|(_, x)| x.content.is_some())
        .nth(k)
    else {
        return;
    };
    let Some(input) = Malicious::new(f).mutate(sample, &mut s) else {
        return;
    };
    check_processing(fi, f, si, &input);
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
    let (_, f, si) = select(&mut s);
    let sample = &f.samples[si];
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
    let fi = fixtures::pick(s.u8());
    let f = &fixtures::all()[fi];
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
            // The same group object then still sends, byte for byte as a
            // sender fresh from the saved state does.
            let (again, _) = sender
                .propose(reference_proposal(f), b"", NOW, &mut FixedRng::new(0))
                .unwrap_or_else(|e2| panic!("no proposal after a refused commit ({e:?}): {e2:?}"));
            assert!(
                again == reference_message(fi),
                "a proposal after a refused commit ({e:?}) differs from a fresh sender's"
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

/// What a sender sends after refusing a commit: a proposal to remove
/// the receiver, signed (and for private handshakes encrypted) with the
/// sender's keys of the epoch: 0.03 ms in suites 1 and 3, where a
/// commit would cost ten times that.
fn reference_proposal(f: &Fixture) -> Proposal {
    Proposal::Remove(rfc9420::messages::Remove {
        removed: f.receiver_leaf,
    })
}

/// [`reference_proposal`] from fixture `fi`'s sender fresh from its
/// saved state, computed once per process.
fn reference_message(fi: usize) -> &'static [u8] {
    static MESSAGES: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    &MESSAGES.get_or_init(|| {
        fixtures::all()
            .iter()
            .map(|f| {
                fixtures::restore(&f.config, &f.sender_state)
                    .propose(reference_proposal(f), b"", NOW, &mut FixedRng::new(0))
                    .expect("reference proposal")
                    .0
            })
            .collect()
    })[fi]
}

/// `KeyPackageStore::from_bytes`: typed errors only; a store it accepts
/// saves, restores to an equal store and saves to the same bytes again,
/// and holds each bundle under its KeyPackage's reference.
pub fn decode_key_package_store(data: &[u8]) {
    let store = match KeyPackageStore::from_bytes(&RustCryptoProvider, data) {
        Err(e) => return assert_typed(&e),
        Ok(s) => s,
    };
    let saved = store.to_bytes().expect("a restored store saves");
    let again =
        KeyPackageStore::from_bytes(&RustCryptoProvider, &saved).expect("saved bytes restore");
    assert_eq!(again, store, "a saved store restores to another store");
    assert!(
        again.to_bytes().expect("save").as_slice() == saved.as_slice(),
        "saving a store is not stable"
    );
    for r in store.references() {
        let bundle = store.get(r).expect("a listed reference has its bundle");
        let mut one = KeyPackageStore::new();
        let computed = one
            .insert(&RustCryptoProvider, bundle.clone())
            .expect("a stored bundle inserts");
        assert_eq!(&computed, r, "a bundle is stored under another reference");
    }
}

/// The bundles a fixture's KeyPackage store can hold: the joiner of
/// each Welcome (one of them last-resort), then the fresh KeyPackages,
/// which no Welcome is for.
fn store_bundles(f: &Fixture) -> impl Iterator<Item = &KeyPackageBundle> {
    f.welcomes.iter().map(|w| &w.joiner).chain(&f.fresh)
}

/// `Group::join_from_store`: `[fixture][welcome][store mask][welcome
/// length: u16][welcome][store bytes]`. Without store bytes the store
/// holds the fixture's bundles picked by the mask's bits; with them, it
/// is `KeyPackageStore::from_bytes` of those bytes. The Welcome's
/// out-of-band tree, if it has one, is passed along.
///
/// A refused join is a typed error and leaves the store equal to before
/// (the store is the whole state here: there is no group yet). A join
/// that succeeds used a bundle that was in the store, whose init key is
/// a Welcome's joiner's, reaches that Welcome's epoch (the committer's
/// epoch authenticator), and removes the bundle from the store unless it
/// is last-resort; a last-resort bundle then joins from the same Welcome
/// again, into the same epoch.
pub fn join_from_store(data: &[u8]) {
    let mut s = Script::new(data);
    let f = &fixtures::all()[fixtures::pick(s.u8())];
    let w = &f.welcomes[s.below(f.welcomes.len())];
    let mask = s.u8();
    let len = usize::from(s.u16());
    let rest = s.rest();
    let (welcome, store_bytes) = rest.split_at(len.min(rest.len()));
    let mut store = if store_bytes.is_empty() {
        let mut store = KeyPackageStore::new();
        for (i, b) in store_bundles(f).enumerate() {
            if (mask >> i) & 1 == 1 {
                store
                    .insert(&RustCryptoProvider, b.clone())
                    .expect("a fixture bundle inserts");
            }
        }
        store
    } else {
        match KeyPackageStore::from_bytes(&RustCryptoProvider, store_bytes) {
            Err(e) => return assert_typed(&e),
            Ok(store) => store,
        }
    };
    let options = || match &w.tree {
        Some(tree) => JoinOptions::with_tree_bytes(tree).expect("a fixture tree"),
        None => JoinOptions::default(),
    };
    let before = store.clone();
    let joined = Group::join_from_store(
        RustCryptoProvider,
        f.config.clone(),
        welcome,
        &mut store,
        options(),
        NOW,
    );
    let (g, reference) = match joined {
        Err(e) => {
            assert_typed(&e);
            assert_eq!(store, before, "a refused join changed the store ({e:?})");
            return;
        }
        Ok(j) => j,
    };
    let bundle = before
        .get(&reference)
        .expect("the bundle joined with was in the store");
    let init_key = &bundle.key_package().init_key;
    let made_for = f
        .welcomes
        .iter()
        .find(|x| &x.joiner.key_package().init_key == init_key)
        .expect("joined with a bundle no Welcome was made for");
    assert_eq!(
        g.epoch_authenticator().as_bytes(),
        made_for.epoch_authenticator,
        "a joiner disagrees with the committer"
    );
    let mut expect = before.clone();
    if bundle.is_last_resort() {
        assert_eq!(store, before, "a last-resort bundle was not kept");
        let (again, r2) = Group::join_from_store(
            RustCryptoProvider,
            f.config.clone(),
            welcome,
            &mut store,
            options(),
            NOW,
        )
        .expect("a kept last-resort bundle joins again");
        assert_eq!(r2, reference);
        assert_eq!(
            again.epoch_authenticator().as_bytes(),
            made_for.epoch_authenticator
        );
    } else {
        expect.remove(&reference);
        assert_eq!(store, expect, "the store lost or kept the wrong bundles");
    }
}

/// The samples that are external commits: a join, a resync.
fn external_samples(f: &Fixture) -> Vec<usize> {
    (0..f.samples.len())
        .filter(|&i| f.samples[i].label.starts_with("external-"))
        .collect()
}

/// `process_message` on structure-aware mutations of external commits
/// (RFC 9420 §12.4.3.2): `[fixture][sample][mutation script]`, the
/// sample an external join or a resync of the sender's leaf, re-signed
/// with the joiner's key (see [`crate::mutate`]); the processing oracle.
pub fn process_external(data: &[u8]) {
    let mut s = Script::new(data);
    let fi = fixtures::pick(s.u8());
    let f = &fixtures::all()[fi];
    let external = external_samples(f);
    let si = external[s.below(external.len())];
    let Some(input) = Malicious::new(f).mutate(&f.samples[si], &mut s) else {
        return;
    };
    check_processing(fi, f, si, &input);
}

/// `Group::join_external` from a mutated GroupInfo:
/// `[fixture][mode][rng seed][mutation script or GroupInfo bytes]`.
/// Mode bit 0: the GroupInfo is the fixture's, mutated structure-aware
/// and signed again by a member ([`Malicious::mutate_group_info`]), or
/// the raw bytes that follow; bit 1: a plain join, or a resync of the
/// sender's leaf.
///
/// A refused join is a typed error. A join that succeeds gives a commit
/// that the receiver and the witness either accept into the joiner's
/// epoch (same epoch authenticator; always so when the GroupInfo is the
/// unmutated one) or reject as the processing oracle requires (typed
/// error, state unchanged, the unmutated external commit still
/// processing): a malicious member's GroupInfo can mislead a joiner, not
/// the group.
pub fn join_external(data: &[u8]) {
    let mut s = Script::new(data);
    let fi = fixtures::pick(s.u8());
    let f = &fixtures::all()[fi];
    let mode = s.u8();
    let mut rng = FixedRng::new(u64::from(s.u8()));
    let group_info = if mode & 1 == 0 {
        match Malicious::new(f).mutate_group_info(&mut s) {
            Some(g) => g,
            None => return,
        }
    } else {
        s.rest().to_vec()
    };
    let resync = mode & 2 != 0;
    let (own, label) = if resync {
        (&f.external_joiners[1], "external-resync")
    } else {
        (&f.external_joiners[0], "external-join")
    };
    let options = ExternalJoinOptions {
        resync: resync.then_some(f.sender_leaf),
        ..ExternalJoinOptions::default()
    };
    let joined = match Group::join_external(
        RustCryptoProvider,
        f.config.clone(),
        &group_info,
        own,
        options,
        NOW,
        &mut rng,
    ) {
        Err(e) => return assert_typed(&e),
        Ok(j) => j,
    };
    let unmutated = group_info == f.external_group_info;
    let si = f
        .samples
        .iter()
        .position(|x| x.label == label)
        .expect("an external sample");
    let auth = joined.group.epoch_authenticator().as_bytes().to_vec();
    let mut members = vec![(&f.receiver, f.receiver_leaf)];
    if let Some((saved, leaf)) = &f.witness {
        members.push((saved, *leaf));
    }
    for (i, (saved, leaf)) in members.into_iter().enumerate() {
        let mut g = fixtures::restore(&f.config, saved);
        match g.process_message(&joined.commit, NOW) {
            Ok(Processed::Commit(staged)) => {
                let theirs = staged.epoch_authenticator().map(|a| a.as_bytes().to_vec());
                assert_eq!(
                    theirs.as_deref(),
                    Some(auth.as_slice()),
                    "member {leaf:?} and the external joiner disagree on the epoch"
                );
                g.merge_staged_commit(*staged).expect("merge");
            }
            Ok(other) => panic!("an external commit processed as {other:?}"),
            Err(e) => {
                assert!(
                    !unmutated,
                    "member {leaf:?} refused an external commit from its own GroupInfo: {e:?}"
                );
                if i == 0 {
                    check_rejected(fi, f, si, g, &e);
                } else {
                    assert_typed(&e);
                }
            }
        }
    }
}
