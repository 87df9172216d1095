//! Live interop of `rfc9420` with OpenMLS 0.9 and mls-rs 0.57 members in
//! one group (issue 13).
//!
//! A member of any library is a [`Participant`]: it makes KeyPackages,
//! creates or joins a group, commits, proposes, processes messages,
//! encrypts application data and reports its epoch authenticator. A
//! [`Session`] plays the delivery service for a group of participants of
//! mixed libraries and checks the common state after every step (the
//! "verify group state" subroutine of the interop scenarios: equal epoch
//! authenticators, and an application message from every member decrypts
//! at every other member).
//!
//! [`scenarios`] runs the scenarios as cells (scenario x peer x suite x
//! direction x handshake framing); [`tally`] counts them. The crate is
//! `publish = false`: the peers never enter the library's dependency tree.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::fmt;

pub mod mlsrs;
pub mod openmls_peer;
pub mod ours;
pub mod peer_vectors;
pub mod replay;
pub mod scenarios;
pub mod tally;

/// The implementation behind a participant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Library {
    /// This crate.
    Ours,
    /// OpenMLS 0.9 with `openmls_rust_crypto`.
    OpenMls,
    /// mls-rs 0.57 with `mls-rs-crypto-rustcrypto`.
    MlsRs,
}

impl Library {
    /// The suites this library offers with a pure-Rust provider.
    pub fn suites(self) -> &'static [u16] {
        match self {
            Self::Ours => &[1, 2, 3, 4, 5, 6, 7],
            Self::OpenMls => &[1, 2, 3],
            Self::MlsRs => &[1, 2, 3, 7],
        }
    }

    /// A short name for tables and logs.
    pub fn name(self) -> &'static str {
        match self {
            Self::Ours => "rfc9420",
            Self::OpenMls => "openmls",
            Self::MlsRs => "mls-rs",
        }
    }
}

impl fmt::Display for Library {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How handshake messages (proposals, commits) are framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Handshake {
    /// PublicMessage (RFC 9420 §6.2).
    Public,
    /// PrivateMessage (RFC 9420 §6.3).
    Private,
}

impl fmt::Display for Handshake {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Public => "public",
            Self::Private => "private",
        })
    }
}

/// The per-member settings of a cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// The cipher suite, as its RFC 9420 code point.
    pub suite: u16,
    /// How this member frames the handshake messages it sends. Every
    /// member accepts both framings.
    pub handshake: Handshake,
    /// Whether the Welcomes this member creates carry the ratchet tree
    /// (RFC 9420 §12.4.3.3); otherwise the tree goes out of band.
    pub tree_in_welcome: bool,
}

/// Why a step failed, or that a library lacks a feature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The step is not supported: which side lacks it and why.
    Unsupported(String),
    /// A real failure.
    Error(String),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unsupported(why) => write!(f, "not supported: {why}"),
            Self::Error(e) => f.write_str(e),
        }
    }
}

/// The result of one step.
pub type Outcome<T> = Result<T, Failure>;

/// Wraps any error as a [`Failure::Error`] with context.
pub trait Context<T> {
    /// Attaches `what` to the error.
    fn ctx(self, what: &str) -> Outcome<T>;
}

impl<T, E: fmt::Debug> Context<T> for Result<T, E> {
    fn ctx(self, what: &str) -> Outcome<T> {
        self.map_err(|e| Failure::Error(format!("{what}: {e:?}")))
    }
}

/// A failure unless `cond` holds.
pub fn ensure(cond: bool, what: impl FnOnce() -> String) -> Outcome<()> {
    if cond {
        Ok(())
    } else {
        Err(Failure::Error(what()))
    }
}

/// A PSK that a commit injects into the key schedule (RFC 9420 §8.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PskRef {
    /// An external PSK by its ID; every member was given the secret.
    External(Vec<u8>),
    /// The resumption PSK of an earlier epoch of this group, usage
    /// `application` (RFC 9420 §8.6).
    Resumption(u64),
}

/// What a commit does, in terms every library can express.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommitSpec {
    /// KeyPackages (encoded `MLSMessage`s) to add.
    pub adds: Vec<Vec<u8>>,
    /// Leaves to remove.
    pub removes: Vec<u32>,
    /// PSKs to inject, by value.
    pub psks: Vec<PskRef>,
}

/// What a committer sends after merging its own commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitOut {
    /// The commit (`MLSMessage`).
    pub commit: Vec<u8>,
    /// The Welcome (`MLSMessage`), if the commit adds members.
    pub welcome: Option<Vec<u8>>,
    /// The new epoch's ratchet tree (`optional<Node> ratchet_tree<V>`),
    /// for joiners, when the Welcome does not carry it (out of band).
    pub tree: Option<Vec<u8>>,
}

/// What a processed message turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received {
    /// Application data.
    Application(Vec<u8>),
    /// A proposal, stored for the next commit.
    Proposal,
    /// A commit, merged; `removed` if it removed this member.
    Commit {
        /// Whether the commit removed this member.
        removed: bool,
    },
}

/// A member of some library in one group.
///
/// A participant is created with its [`Settings`]; it then either creates
/// the group or joins from a Welcome made for its latest KeyPackage.
/// Commits are merged by the committer as soon as they are created (the
/// delivery service of [`Session`] accepts every commit).
pub trait Participant {
    /// The participant's library.
    fn library(&self) -> Library;
    /// The participant's name (its basic credential's identity).
    fn name(&self) -> &str;
    /// A fresh KeyPackage as an encoded `MLSMessage`; the participant
    /// keeps its private keys to join later.
    fn key_package(&mut self) -> Outcome<Vec<u8>>;
    /// Creates a one-member group.
    fn create_group(&mut self, group_id: &[u8]) -> Outcome<()>;
    /// Joins from a Welcome for its latest KeyPackage; `tree` is the
    /// ratchet tree when the Welcome does not carry it.
    fn join(&mut self, welcome: &[u8], tree: Option<&[u8]>) -> Outcome<()>;
    /// Commits `spec` by value plus every pending proposal, and merges.
    fn commit(&mut self, spec: &CommitSpec) -> Outcome<CommitOut>;
    /// Proposes an Update of its own leaf, by reference.
    fn propose_update(&mut self) -> Outcome<Vec<u8>>;
    /// Proposes adding the KeyPackage `key_package`, by reference.
    fn propose_add(&mut self, key_package: &[u8]) -> Outcome<Vec<u8>>;
    /// Proposes removing `leaf`, by reference.
    fn propose_remove(&mut self, leaf: u32) -> Outcome<Vec<u8>>;
    /// Processes a proposal, commit or application message of its group;
    /// commits are merged, proposals stored.
    fn process(&mut self, message: &[u8]) -> Outcome<Received>;
    /// Encrypts application data.
    fn app_message(&mut self, data: &[u8]) -> Outcome<Vec<u8>>;
    /// The current epoch.
    fn epoch(&self) -> u64;
    /// The epoch authenticator of the current epoch (RFC 9420 §8.7).
    fn epoch_authenticator(&self) -> Vec<u8>;
    /// Its leaf index.
    fn own_leaf(&self) -> u32;
    /// Registers an external PSK (RFC 9420 §8.4).
    fn add_external_psk(&mut self, id: &[u8], secret: &[u8]) -> Outcome<()>;
    /// Whether it supports resumption PSK proposals in a commit.
    fn supports_resumption_psk(&self) -> bool {
        true
    }
    /// Commits a ReInit to `group_id` in `suite` (version and extensions
    /// unchanged) by value, and merges (RFC 9420 §11.2).
    fn commit_reinit(&mut self, group_id: &[u8], suite: u16) -> Outcome<CommitOut> {
        let _ = (group_id, suite);
        Err(no_linked_groups(self.library()))
    }
    /// After a merged ReInit to `suite`: a KeyPackage of that suite for
    /// the successor group, with the same identity.
    fn successor_key_package(&mut self, suite: u16) -> Outcome<Vec<u8>> {
        let _ = suite;
        Err(no_linked_groups(self.library()))
    }
    /// Creates the successor of its re-initialized group, adding the
    /// others' successor KeyPackages (RFC 9420 §11.2); its group becomes
    /// the successor. Returns the Welcome.
    fn create_successor(&mut self, key_packages: &[Vec<u8>]) -> Outcome<Vec<u8>> {
        let _ = key_packages;
        Err(no_linked_groups(self.library()))
    }
    /// Joins the successor of its re-initialized group from `welcome`
    /// with its successor KeyPackage, resolving the `reinit` PSK from the
    /// old group.
    fn join_successor(&mut self, welcome: &[u8]) -> Outcome<()> {
        let _ = welcome;
        Err(no_linked_groups(self.library()))
    }
    /// Creates a subgroup `group_id` of its group with the members whose
    /// KeyPackages (from [`key_package`](Self::key_package)) are given
    /// (RFC 9420 §11.3); its group becomes the subgroup. Returns the
    /// Welcome.
    fn branch(&mut self, group_id: &[u8], key_packages: &[Vec<u8>]) -> Outcome<Vec<u8>> {
        let _ = (group_id, key_packages);
        Err(no_linked_groups(self.library()))
    }
    /// Joins a subgroup of its group from `welcome` with its latest
    /// KeyPackage, resolving the `branch` PSK from its group, which it then
    /// leaves for the subgroup.
    fn join_branch(&mut self, welcome: &[u8]) -> Outcome<()> {
        let _ = welcome;
        Err(no_linked_groups(self.library()))
    }
    /// A signed GroupInfo of the current epoch (RFC 9420 §12.4.3) as an
    /// encoded `MLSMessage`, with the `external_pub` extension
    /// (§12.4.3.2) and, if `with_tree`, the ratchet tree (§12.4.3.3).
    fn group_info(&mut self, with_tree: bool) -> Outcome<Vec<u8>>;
    /// The current ratchet tree (`optional<Node> ratchet_tree<V>`), for
    /// a joiner that gets it out of band.
    fn ratchet_tree(&self) -> Outcome<Vec<u8>>;
    /// Joins by external commit (RFC 9420 §12.4.3.2) from an encoded
    /// GroupInfo `MLSMessage`; `tree` is the ratchet tree when the
    /// GroupInfo does not carry it. Any group state the participant had
    /// is dropped, as by a client that lost it. With `resync`, the commit
    /// also removes that leaf, the participant's old one; without it, the
    /// new leaf gets a fresh signature key, so that an old leaf left in
    /// the group does not clash with it (§7.3: signature keys are
    /// unique). With `psk`, the commit also injects that external PSK
    /// (RFC 9420 §8.4), registered before with
    /// [`add_external_psk`](Self::add_external_psk). Returns the commit
    /// (`MLSMessage`), the joiner being in the new epoch.
    fn join_external(
        &mut self,
        group_info: &[u8],
        tree: Option<&[u8]>,
        resync: Option<u32>,
        psk: Option<&[u8]>,
    ) -> Outcome<Vec<u8>>;
}

/// The failure of a library without ReInit or branch support.
fn no_linked_groups(library: Library) -> Failure {
    Failure::Unsupported(format!("{library} has no ReInit or branch API"))
}

/// Whether an encoded `MLSMessage` is a PublicMessage: its wire format
/// (after the 2-byte version) is `mls_public_message` (1, RFC 9420 §6).
pub fn is_public_message(message: &[u8]) -> bool {
    message.get(2..4) == Some(&[0, 1])
}

/// Makes a participant of `library` named `name` with `settings`.
pub fn participant(
    library: Library,
    name: &str,
    settings: Settings,
) -> Outcome<Box<dyn Participant>> {
    let suites = library.suites();
    if !suites.contains(&settings.suite) {
        return Err(Failure::Unsupported(format!(
            "{library}: suite {} has no pure-Rust provider",
            settings.suite
        )));
    }
    Ok(match library {
        Library::Ours => Box::new(ours::OurMember::new(name, settings)?),
        Library::OpenMls => Box::new(openmls_peer::OpenMlsMember::new(name, settings)?),
        Library::MlsRs => mlsrs::new_member(name, settings)?,
    })
}

/// Who joins by external commit.
pub enum Joiner {
    /// A new client.
    New(Box<dyn Participant>),
    /// The member at this index of [`Session::members`], which lost its
    /// state and joins again; `remove_old`: the commit removes its old
    /// leaf (a resync), otherwise the old leaf stays until a member
    /// removes it.
    Rejoin {
        /// The member's index in the session.
        member: usize,
        /// Whether the external commit removes the old leaf.
        remove_old: bool,
    },
}

/// The delivery service for one group: every message from one member goes
/// to every other member, and the group state is verified on demand.
pub struct Session {
    /// The members, in the order they joined; removed ones are dropped.
    pub members: Vec<Box<dyn Participant>>,
    /// Application messages checked so far.
    pub app_messages: usize,
    /// Whether the last commit's joiners got the ratchet tree out of
    /// band rather than in the Welcome.
    pub last_tree_out_of_band: bool,
    /// The last commit sent, with its Welcome and out-of-band tree.
    pub last_commit: Option<CommitOut>,
    counter: u64,
}

impl Session {
    /// A session whose first member `creator` creates the group.
    pub fn create(mut creator: Box<dyn Participant>, group_id: &[u8]) -> Outcome<Self> {
        creator.create_group(group_id)?;
        Ok(Self {
            members: vec![creator],
            app_messages: 0,
            last_tree_out_of_band: false,
            last_commit: None,
            counter: 0,
        })
    }

    /// The index in [`members`](Self::members) of the member named `name`.
    pub fn index_of(&self, name: &str) -> Outcome<usize> {
        self.members
            .iter()
            .position(|m| m.name() == name)
            .ok_or_else(|| Failure::Error(format!("no member {name}")))
    }

    /// Member `committer` commits `spec` for `joiners` (who made the
    /// KeyPackages in `spec.adds`, in order); every other member
    /// processes the commit, removed members leave, joiners join.
    pub fn commit(
        &mut self,
        committer: usize,
        spec: CommitSpec,
        joiners: Vec<Box<dyn Participant>>,
    ) -> Outcome<()> {
        let out = self.members[committer].commit(&spec)?;
        let expected_epoch = self.members[committer].epoch();
        self.last_tree_out_of_band = out.tree.is_some();
        self.deliver_commit(committer, &out)?;
        for mut joiner in joiners {
            let name = joiner.name().to_string();
            let tree = out.tree.as_deref();
            let welcome = out
                .welcome
                .as_ref()
                .ok_or_else(|| Failure::Error("commit with adds has no Welcome".into()))?;
            joiner
                .join(welcome, tree)
                .map_err(|e| prefix(&format!("{name} joins"), e))?;
            ensure(joiner.epoch() == expected_epoch, || {
                format!("{name} joined at epoch {}", joiner.epoch())
            })?;
            self.members.push(joiner);
        }
        self.last_commit = Some(out);
        Ok(())
    }

    /// A client joins by external commit (RFC 9420 §12.4.3.2) from a
    /// GroupInfo that member `exporter` exports, with the ratchet tree in
    /// it or out of band; every member processes the commit, which must be
    /// a PublicMessage. `joiner` is a new participant or a member who lost
    /// its state ([`Joiner::Rejoin`]: it leaves the list before the
    /// commit, so nothing is delivered to its old state).
    pub fn external_join(
        &mut self,
        exporter: usize,
        joiner: Joiner,
        tree_in_group_info: bool,
    ) -> Outcome<()> {
        self.external_join_with_psk(exporter, joiner, tree_in_group_info, None)
    }

    /// [`external_join`](Self::external_join) whose commit also injects
    /// the external PSK `psk` (an ID every member and the joiner hold).
    pub fn external_join_with_psk(
        &mut self,
        exporter: usize,
        joiner: Joiner,
        tree_in_group_info: bool,
        psk: Option<&[u8]>,
    ) -> Outcome<()> {
        let group_info = self.members[exporter]
            .group_info(tree_in_group_info)
            .map_err(|e| prefix("export GroupInfo", e))?;
        let tree = if tree_in_group_info {
            None
        } else {
            Some(
                self.members[exporter]
                    .ratchet_tree()
                    .map_err(|e| prefix("export tree", e))?,
            )
        };
        let expected_epoch = self.members[exporter].epoch() + 1;
        let (mut j, resync) = match joiner {
            Joiner::New(j) => (j, None),
            Joiner::Rejoin { member, remove_old } => {
                let j = self.members.remove(member);
                let old = j.own_leaf();
                (j, remove_old.then_some(old))
            }
        };
        let name = j.name().to_string();
        let commit = j
            .join_external(&group_info, tree.as_deref(), resync, psk)
            .map_err(|e| prefix(&format!("{name} joins by external commit"), e))?;
        ensure(is_public_message(&commit), || {
            format!("{name}'s external commit is not a PublicMessage")
        })?;
        ensure(j.epoch() == expected_epoch, || {
            format!("{name} joined externally at epoch {}", j.epoch())
        })?;
        let out = CommitOut {
            commit,
            welcome: None,
            tree: None,
        };
        self.members.push(j);
        let joiner = self.members.len() - 1;
        self.deliver_commit(joiner, &out)?;
        self.last_tree_out_of_band = tree.is_some();
        self.last_commit = Some(out);
        Ok(())
    }

    /// Delivers a created commit to every member but `committer`, drops
    /// the removed ones.
    fn deliver_commit(&mut self, committer: usize, out: &CommitOut) -> Outcome<()> {
        let mut removed = Vec::new();
        for (i, m) in self.members.iter_mut().enumerate() {
            if i == committer {
                continue;
            }
            let name = m.name().to_string();
            match m
                .process(&out.commit)
                .map_err(|e| prefix(&format!("{name} processes commit"), e))?
            {
                Received::Commit { removed: true } => removed.push(i),
                Received::Commit { removed: false } => {}
                other => {
                    return Err(Failure::Error(format!(
                        "{name}: commit processed as {other:?}"
                    )));
                }
            }
        }
        for i in removed.into_iter().rev() {
            self.members.remove(i);
        }
        Ok(())
    }

    /// Delivers a proposal from `sender` to every other member, which
    /// stores it.
    pub fn deliver_proposal(&mut self, sender: usize, proposal: &[u8]) -> Outcome<()> {
        for (i, m) in self.members.iter_mut().enumerate() {
            if i == sender {
                continue;
            }
            let name = m.name().to_string();
            let got = m
                .process(proposal)
                .map_err(|e| prefix(&format!("{name} processes proposal"), e))?;
            ensure(got == Received::Proposal, || {
                format!("{name}: proposal processed as {got:?}")
            })?;
        }
        Ok(())
    }

    /// The "verify group state" subroutine: every member is at the same
    /// epoch with the same epoch authenticator, and an application
    /// message from each member decrypts at every other member.
    pub fn verify(&mut self) -> Outcome<()> {
        let all: Vec<usize> = (0..self.members.len()).collect();
        self.verify_senders(&all)
    }

    /// Equal epochs and epoch authenticators, and an application message
    /// from each of `senders` decrypts at every other member.
    pub fn verify_senders(&mut self, senders: &[usize]) -> Outcome<()> {
        self.verify_authenticators()?;
        let n = self.members.len();
        for &sender in senders {
            self.counter += 1;
            let data = format!(
                "{} says {} in epoch {}",
                self.members[sender].name(),
                self.counter,
                self.members[sender].epoch()
            )
            .into_bytes();
            let sender_name = self.members[sender].name().to_string();
            let message = self.members[sender]
                .app_message(&data)
                .map_err(|e| prefix(&format!("{sender_name} encrypts"), e))?;
            for receiver in (0..n).filter(|&r| r != sender) {
                let m = &mut self.members[receiver];
                let name = m.name().to_string();
                let got = m
                    .process(&message)
                    .map_err(|e| prefix(&format!("{name} decrypts from {sender_name}"), e))?;
                ensure(got == Received::Application(data.clone()), || {
                    format!("{name}: message from {sender_name} processed as {got:?}")
                })?;
                self.app_messages += 1;
            }
        }
        Ok(())
    }

    /// Only the first half of [`verify`](Self::verify): equal epochs and
    /// epoch authenticators.
    pub fn verify_authenticators(&self) -> Outcome<()> {
        let first = self
            .members
            .first()
            .ok_or_else(|| Failure::Error("empty group".into()))?;
        let (epoch, auth) = (first.epoch(), first.epoch_authenticator());
        for m in &self.members[1..] {
            ensure(m.epoch() == epoch, || {
                format!(
                    "{} at epoch {}, {} at {epoch}",
                    m.name(),
                    m.epoch(),
                    first.name()
                )
            })?;
            ensure(m.epoch_authenticator() == auth, || {
                format!(
                    "epoch {epoch}: epoch authenticator of {} ({}) differs from {}'s",
                    m.name(),
                    m.library(),
                    first.name()
                )
            })?;
        }
        Ok(())
    }
}

/// Prefixes an error's message with `what`.
pub fn prefix(what: &str, f: Failure) -> Failure {
    match f {
        Failure::Error(e) => Failure::Error(format!("{what}: {e}")),
        u => u,
    }
}

/// Seconds since the Unix epoch: OpenMLS and mls-rs check lifetimes
/// against the system clock, so ours uses it too.
pub fn now_seconds() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
