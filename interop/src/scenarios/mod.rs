//! The interop scenarios (`test-scenarios.md`, issue 13) as functions of a
//! cell: which library leads (creates the group and commits), which
//! follows (joins and processes, and proposes where the scenario says so),
//! the suite and the handshake framing.
//!
//! Adding a scenario is one function and one line in [`SCENARIOS`]; a
//! scenario one side cannot run returns [`Failure::Unsupported`] naming
//! that side, and is counted as skipped.

mod external;

use external::{
    external_join_tree_in_group_info, external_join_tree_out_of_band, external_join_with_psk,
    external_rejoin_keeping_old_leaf, external_resync,
};

use crate::{
    CommitSpec, Failure, Handshake, Library, Outcome, Participant, PskRef, Session, Settings,
    participant,
};

/// One cell's parameters.
#[derive(Debug, Clone, Copy)]
pub struct CellSpec {
    /// Creates the group and commits.
    pub lead: Library,
    /// Joins, processes, and proposes by reference.
    pub follow: Library,
    /// The cipher suite.
    pub suite: u16,
    /// Handshake framing of every member.
    pub handshake: Handshake,
}

impl CellSpec {
    /// A member of `library` named `name`, with the tree in Welcomes.
    pub fn member(&self, library: Library, name: &str) -> Outcome<Box<dyn Participant>> {
        self.member_with_tree(library, name, true)
    }

    /// A member of `library` named `name`; `tree_in_welcome` says
    /// whether its Welcomes carry the ratchet tree.
    pub fn member_with_tree(
        &self,
        library: Library,
        name: &str,
        tree_in_welcome: bool,
    ) -> Outcome<Box<dyn Participant>> {
        participant(
            library,
            &format!("{name}-{library}"),
            Settings {
                suite: self.suite,
                handshake: self.handshake,
                tree_in_welcome,
            },
        )
    }
}

/// A scenario: its name and how it runs. It returns its session so that
/// the caller can count the application messages checked.
pub struct Scenario {
    /// The name in tables.
    pub name: &'static str,
    /// Runs the scenario.
    pub run: fn(&CellSpec) -> Outcome<Session>,
}

/// Every two-library scenario, in table order.
pub const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "1:1 join",
        run: one_to_one,
    },
    Scenario {
        name: "3-party join",
        run: three_party,
    },
    Scenario {
        name: "multiple joins at once",
        run: multiple_joins,
    },
    Scenario {
        name: "join, tree out of band",
        run: tree_out_of_band,
    },
    Scenario {
        name: "update",
        run: update,
    },
    Scenario {
        name: "remove",
        run: remove,
    },
    Scenario {
        name: "external PSK",
        run: external_psk,
    },
    Scenario {
        name: "resumption PSK",
        run: resumption_psk,
    },
    Scenario {
        name: "proposals by reference",
        run: proposals_by_reference,
    },
    Scenario {
        name: "proposal racing a commit",
        run: proposal_racing_commit,
    },
    Scenario {
        name: "external join, tree in GroupInfo",
        run: external_join_tree_in_group_info,
    },
    Scenario {
        name: "external join, tree out of band",
        run: external_join_tree_out_of_band,
    },
    Scenario {
        name: "external join with an external PSK",
        run: external_join_with_psk,
    },
    Scenario {
        name: "external rejoin removing the old leaf (resync)",
        run: external_resync,
    },
    Scenario {
        name: "external rejoin keeping the old leaf",
        run: external_rejoin_keeping_old_leaf,
    },
    Scenario {
        name: "ReInit",
        run: reinit,
    },
    Scenario {
        name: "branch",
        run: branch,
    },
];

const GROUP_ID: &[u8] = b"interop group";

/// A creates the group and adds B: the 1:1 join.
fn pair(c: &CellSpec) -> Outcome<Session> {
    let mut s = Session::create(c.member(c.lead, "A")?, GROUP_ID)?;
    let mut b = c.member(c.follow, "B")?;
    let kp = b.key_package()?;
    s.commit(
        0,
        CommitSpec {
            adds: vec![kp],
            ..CommitSpec::default()
        },
        vec![b],
    )?;
    s.verify()?;
    Ok(s)
}

/// Member `committer` adds new members of `library` named `names`.
fn add(
    s: &mut Session,
    c: &CellSpec,
    committer: usize,
    library: Library,
    names: &[&str],
) -> Outcome<()> {
    let mut joiners = Vec::new();
    let mut adds = Vec::new();
    for name in names {
        let mut m = c.member(library, name)?;
        adds.push(m.key_package()?);
        joiners.push(m);
    }
    s.commit(
        committer,
        CommitSpec {
            adds,
            ..CommitSpec::default()
        },
        joiners,
    )
}

/// A->B Welcome.
fn one_to_one(c: &CellSpec) -> Outcome<Session> {
    pair(c)
}

/// A adds B, then C; B processes the second commit.
fn three_party(c: &CellSpec) -> Outcome<Session> {
    let mut s = pair(c)?;
    add(&mut s, c, 0, c.follow, &["C"])?;
    s.verify()?;
    Ok(s)
}

/// A adds B and C in one commit.
fn multiple_joins(c: &CellSpec) -> Outcome<Session> {
    let mut s = Session::create(c.member(c.lead, "A")?, GROUP_ID)?;
    add(&mut s, c, 0, c.follow, &["B", "C"])?;
    s.verify()?;
    Ok(s)
}

/// Like the 3-party join, but the committer's Welcomes leave the ratchet
/// tree out; joiners get it out of band (RFC 9420 §12.4.3.3).
fn tree_out_of_band(c: &CellSpec) -> Outcome<Session> {
    let mut s = Session::create(c.member_with_tree(c.lead, "A", false)?, GROUP_ID)?;
    add(&mut s, c, 0, c.follow, &["B"])?;
    crate::ensure(s.last_tree_out_of_band, || {
        "the tree was not out of band".into()
    })?;
    s.verify()?;
    add(&mut s, c, 0, c.follow, &["C", "D"])?;
    crate::ensure(s.last_tree_out_of_band, || {
        "the tree was not out of band".into()
    })?;
    s.verify()?;
    Ok(s)
}

/// B proposes an Update that A commits; then A commits an empty commit
/// (a full-path self-update).
fn update(c: &CellSpec) -> Outcome<Session> {
    let mut s = pair(c)?;
    let p = s.members[1].propose_update()?;
    s.deliver_proposal(1, &p)?;
    s.commit(0, CommitSpec::default(), Vec::new())?;
    s.verify()?;
    s.commit(0, CommitSpec::default(), Vec::new())?;
    s.verify()?;
    Ok(s)
}

/// A adds B and C, then removes B; B sees its removal.
fn remove(c: &CellSpec) -> Outcome<Session> {
    let mut s = Session::create(c.member(c.lead, "A")?, GROUP_ID)?;
    add(&mut s, c, 0, c.follow, &["B", "C"])?;
    s.verify()?;
    let b = s.members[1].own_leaf();
    s.commit(
        0,
        CommitSpec {
            removes: vec![b],
            ..CommitSpec::default()
        },
        Vec::new(),
    )?;
    crate::ensure(s.members.len() == 2, || {
        format!("{} members after the remove", s.members.len())
    })?;
    s.verify()?;
    Ok(s)
}

/// Every member holds an external PSK; A commits a PSK proposal for it.
fn external_psk(c: &CellSpec) -> Outcome<Session> {
    let mut s = pair(c)?;
    let (id, secret) = (b"interop psk".to_vec(), vec![0x42; 32]);
    for m in &mut s.members {
        m.add_external_psk(&id, &secret)?;
    }
    s.commit(
        0,
        CommitSpec {
            psks: vec![PskRef::External(id)],
            ..CommitSpec::default()
        },
        Vec::new(),
    )?;
    s.verify()?;
    Ok(s)
}

/// A commits a resumption PSK (usage application) of the previous epoch.
fn resumption_psk(c: &CellSpec) -> Outcome<Session> {
    let mut s = pair(c)?;
    s.commit(0, CommitSpec::default(), Vec::new())?;
    s.verify()?;
    let epoch = s.members[0].epoch() - 1;
    s.commit(
        0,
        CommitSpec {
            psks: vec![PskRef::Resumption(epoch)],
            ..CommitSpec::default()
        },
        Vec::new(),
    )?;
    s.verify()?;
    Ok(s)
}

/// Followers propose by reference (an Add, an Update, then a Remove) and
/// the leader commits them.
fn proposals_by_reference(c: &CellSpec) -> Outcome<Session> {
    let mut s = Session::create(c.member(c.lead, "A")?, GROUP_ID)?;
    add(&mut s, c, 0, c.follow, &["B", "C"])?;
    s.verify()?;
    // B proposes adding D (of the leading library), C proposes an Update.
    let mut d = c.member(c.lead, "D")?;
    let kp = d.key_package()?;
    let p = s.members[1].propose_add(&kp)?;
    s.deliver_proposal(1, &p)?;
    let p = s.members[2].propose_update()?;
    s.deliver_proposal(2, &p)?;
    s.commit(0, CommitSpec::default(), vec![d])?;
    crate::ensure(s.members.len() == 4, || {
        format!("{} members after the add", s.members.len())
    })?;
    s.verify()?;
    // B proposes removing C.
    let leaf = s.members[2].own_leaf();
    let p = s.members[1].propose_remove(leaf)?;
    s.deliver_proposal(1, &p)?;
    s.commit(0, CommitSpec::default(), Vec::new())?;
    crate::ensure(s.members.len() == 3, || {
        format!("{} members after the remove", s.members.len())
    })?;
    s.verify()?;
    Ok(s)
}

/// B proposes an Update while A commits without it: the others store the
/// proposal, then the commit starts a new epoch in which the proposal is
/// void; A receives the proposal late and must refuse it (RFC 9420
/// §12.1, §6: wrong epoch), the group carries on.
fn proposal_racing_commit(c: &CellSpec) -> Outcome<Session> {
    let mut s = Session::create(c.member(c.lead, "A")?, GROUP_ID)?;
    add(&mut s, c, 0, c.follow, &["B", "C"])?;
    s.verify()?;
    let p = s.members[1].propose_update()?;
    let out = s.members[0].commit(&CommitSpec::default())?;
    // C gets the proposal before the commit, B sent it.
    let got = s.members[2].process(&p)?;
    crate::ensure(got == crate::Received::Proposal, || {
        format!("C processed the proposal as {got:?}")
    })?;
    for i in [1, 2] {
        let got = s.members[i].process(&out.commit)?;
        crate::ensure(got == crate::Received::Commit { removed: false }, || {
            format!("commit processed as {got:?}")
        })?;
    }
    match s.members[0].process(&p) {
        Err(Failure::Error(_)) => {}
        other => {
            return Err(Failure::Error(format!(
                "A accepted a proposal of the previous epoch: {other:?}"
            )));
        }
    }
    s.verify()?;
    // The next commits (from A, then a path from B's side too) carry on.
    s.commit(0, CommitSpec::default(), Vec::new())?;
    s.verify()?;
    Ok(s)
}

/// The suite a ReInit moves a group of `suite` to, among those both
/// pure-Rust peers of ours and mls-rs have (1, 2, 3, 7).
fn next_suite(suite: u16) -> u16 {
    match suite {
        1 => 2,
        2 => 3,
        3 => 7,
        _ => 1,
    }
}

/// A (lead), B (follow) and C (lead) in one group.
fn three_members(c: &CellSpec) -> Outcome<Session> {
    let mut s = Session::create(c.member(c.lead, "A")?, GROUP_ID)?;
    add(&mut s, c, 0, c.follow, &["B"])?;
    add(&mut s, c, 1, c.lead, &["C"])?;
    s.verify()?;
    Ok(s)
}

/// RFC 9420 §11.2: B (follow) commits a ReInit to another suite, merged by
/// all; A (lead) creates the successor from everyone's new KeyPackages;
/// B and C join it, resolving the `reinit` PSK from their old groups.
fn reinit(c: &CellSpec) -> Outcome<Session> {
    if c.lead == Library::OpenMls || c.follow == Library::OpenMls {
        return Err(Failure::Unsupported("OpenMLS 0.9 has no ReInit API".into()));
    }
    let mut s = three_members(c)?;
    let suite = next_suite(c.suite);
    let out = s.members[1].commit_reinit(b"interop successor", suite)?;
    s.deliver_commit(1, &out)?;
    s.members[0].successor_key_package(suite)?;
    let mut key_packages = Vec::new();
    for m in &mut s.members[1..] {
        key_packages.push(m.successor_key_package(suite)?);
    }
    let welcome = s.members[0].create_successor(&key_packages)?;
    for m in &mut s.members[1..] {
        let name = m.name().to_string();
        m.join_successor(&welcome)
            .map_err(|e| crate::prefix(&format!("{name} joins the successor"), e))?;
    }
    for m in &s.members {
        crate::ensure(m.epoch() == 1, || {
            format!("{} in the successor at epoch {}", m.name(), m.epoch())
        })?;
    }
    s.verify()?;
    Ok(s)
}

/// RFC 9420 §11.3: B (follow) branches a subgroup with A (lead); A joins
/// it, resolving the `branch` PSK from the parent group.
fn branch(c: &CellSpec) -> Outcome<Session> {
    if c.lead == Library::OpenMls || c.follow == Library::OpenMls {
        return Err(Failure::Unsupported("OpenMLS 0.9 has no branch API".into()));
    }
    let mut s = three_members(c)?;
    let key_package = s.members[0].key_package()?;
    let welcome = s.members[1].branch(b"interop subgroup", &[key_package])?;
    s.members[0]
        .join_branch(&welcome)
        .map_err(|e| crate::prefix("A joins the subgroup", e))?;
    // C stays in the parent only.
    s.members.truncate(2);
    for m in &s.members {
        crate::ensure(m.epoch() == 1, || {
            format!("{} in the subgroup at epoch {}", m.name(), m.epoch())
        })?;
    }
    s.verify()?;
    Ok(s)
}

/// One group with members of all three libraries; each library's member
/// commits in turn (adds, updates, removes, a proposal by reference).
pub fn three_libraries(suite: u16, handshake: Handshake) -> Outcome<Session> {
    let c = CellSpec {
        lead: Library::Ours,
        follow: Library::OpenMls,
        suite,
        handshake,
    };
    let mut s = Session::create(c.member(Library::Ours, "A")?, GROUP_ID)?;
    add(&mut s, &c, 0, Library::OpenMls, &["B"])?;
    s.verify()?;
    add(&mut s, &c, 1, Library::MlsRs, &["C"])?;
    s.verify()?;
    // Each library commits in turn: C adds D (ours), A updates, B adds E
    // (mls-rs) and F (OpenMLS).
    add(&mut s, &c, 2, Library::Ours, &["D"])?;
    s.verify()?;
    s.commit(0, CommitSpec::default(), Vec::new())?;
    s.verify()?;
    let mut e = c.member(Library::MlsRs, "E")?;
    let mut f = c.member(Library::OpenMls, "F")?;
    let adds = vec![e.key_package()?, f.key_package()?];
    s.commit(
        1,
        CommitSpec {
            adds,
            ..CommitSpec::default()
        },
        vec![e, f],
    )?;
    s.verify()?;
    // Proposals by reference across libraries: D (ours) and E (mls-rs)
    // propose Updates, F (OpenMLS) proposes removing B; C commits.
    for i in [3, 4] {
        let p = s.members[i].propose_update()?;
        s.deliver_proposal(i, &p)?;
    }
    let leaf_b = s.members[1].own_leaf();
    let p = s.members[5].propose_remove(leaf_b)?;
    s.deliver_proposal(5, &p)?;
    s.commit(2, CommitSpec::default(), Vec::new())?;
    crate::ensure(s.members.len() == 5, || {
        format!("{} members after the remove", s.members.len())
    })?;
    s.verify()?;
    // Then each remaining library commits once more, the last with a PSK.
    let (id, secret) = (b"three".to_vec(), vec![7; 32]);
    for m in &mut s.members {
        m.add_external_psk(&id, &secret)?;
    }
    for committer in 0..s.members.len() {
        let psks = if committer == s.members.len() - 1 {
            vec![PskRef::External(id.clone())]
        } else {
            Vec::new()
        };
        s.commit(
            committer,
            CommitSpec {
                psks,
                ..CommitSpec::default()
            },
            Vec::new(),
        )?;
        s.verify()?;
    }
    Ok(s)
}

/// A small deterministic generator (xorshift64*), so that a failing large
/// group can be replayed from its seed.
#[derive(Debug, Clone)]
pub struct Xorshift(u64);

impl Xorshift {
    /// A generator from a non-zero seed.
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    /// The next value below `n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % n
    }
}

/// The large-group lifecycle with two libraries: `c.lead` creates the
/// group and adds the first `first` members in one commit; random members
/// add one member each until there are `size`; then `epochs` random
/// epochs (an add, an update by commit, an Update proposal committed by
/// another member, a remove), new members alternating between the two
/// libraries. After every step the epoch authenticators are compared and
/// application messages from two members (the last committer and a random
/// one) are decrypted by every other member; every `app_every` steps and
/// after the last, messages from every member.
pub fn large_group(
    c: &CellSpec,
    size: usize,
    first: usize,
    epochs: usize,
    app_every: usize,
    seed: u64,
) -> Outcome<Session> {
    let mut rng = Xorshift::new(seed);
    let libs = [c.lead, c.follow];
    let mut next = 0usize;
    let mut fresh = |rng: &mut Xorshift| -> Outcome<Box<dyn Participant>> {
        next += 1;
        let lib = libs[rng.below(2)];
        c.member(lib, &format!("M{next}"))
    };
    let mut s = Session::create(c.member(c.lead, "M0")?, GROUP_ID)?;
    let mut joiners = Vec::new();
    let mut adds = Vec::new();
    for _ in 0..first {
        let mut m = fresh(&mut rng)?;
        adds.push(m.key_package()?);
        joiners.push(m);
    }
    s.commit(
        0,
        CommitSpec {
            adds,
            ..CommitSpec::default()
        },
        joiners,
    )?;
    s.verify()?;
    let mut step = 0usize;
    let verbose = std::env::var_os("INTEROP_VERBOSE").is_some();
    let started = std::time::Instant::now();
    let check = |s: &mut Session, step: &mut usize, committer: usize, rng: &mut Xorshift| {
        *step += 1;
        if verbose {
            eprintln!(
                "large group {:?}/{:?} suite {}: step {step}, {} members, epoch {}, {:.1} s",
                c.lead,
                c.follow,
                c.suite,
                s.members.len(),
                s.members[0].epoch(),
                started.elapsed().as_secs_f64()
            );
        }
        if (*step).is_multiple_of(app_every) {
            s.verify()
        } else {
            let n = s.members.len();
            let other = rng.below(n);
            s.verify_senders(&[committer.min(n - 1), other])
        }
    };
    while s.members.len() < size {
        let committer = rng.below(s.members.len());
        let mut m = fresh(&mut rng)?;
        let kp = m.key_package()?;
        s.commit(
            committer,
            CommitSpec {
                adds: vec![kp],
                ..CommitSpec::default()
            },
            vec![m],
        )?;
        check(&mut s, &mut step, committer, &mut rng)?;
    }
    for _ in 0..epochs {
        let n = s.members.len();
        let committer = rng.below(n);
        match rng.below(4) {
            0 => {
                let mut m = fresh(&mut rng)?;
                let kp = m.key_package()?;
                s.commit(
                    committer,
                    CommitSpec {
                        adds: vec![kp],
                        ..CommitSpec::default()
                    },
                    vec![m],
                )?;
            }
            1 => s.commit(committer, CommitSpec::default(), Vec::new())?,
            2 => {
                let proposer = (committer + 1 + rng.below(n - 1)) % n;
                let p = s.members[proposer].propose_update()?;
                s.deliver_proposal(proposer, &p)?;
                s.commit(committer, CommitSpec::default(), Vec::new())?;
            }
            _ => {
                let victim = (committer + 1 + rng.below(n - 1)) % n;
                let leaf = s.members[victim].own_leaf();
                s.commit(
                    committer,
                    CommitSpec {
                        removes: vec![leaf],
                        ..CommitSpec::default()
                    },
                    Vec::new(),
                )?;
            }
        }
        check(&mut s, &mut step, committer, &mut rng)?;
    }
    s.verify()?;
    Ok(s)
}
