//! In-process groups for tests: members with deterministic randomness,
//! a delivery step that hands a message to every other member, and
//! agreement checks.

use rfc9420::crypto::{CipherSuite, SuiteCrypto};
use rfc9420::group::{
    CommitOptions, CreatedCommit, ExternalJoinOptions, Group, GroupConfig, GroupInfoOptions,
    JoinOptions, KeyPackageBundle, KeyPackageOptions, Processed,
};
use rfc9420::messages::{Add, Credential, Extensions, Proposal};
use rfc9420::tree::validate::Timestamp;
use rfc9420::{Error, RustCryptoProvider};

use crate::rng::TestRng;

/// The time every harness operation uses.
pub const NOW: Timestamp = Timestamp(1_800_000_000);

/// A fresh KeyPackage bundle for `name`.
pub fn key_package(suite: CipherSuite, name: &str, rng: &mut TestRng) -> KeyPackageBundle {
    let crypto = SuiteCrypto::new(&RustCryptoProvider, suite).unwrap();
    KeyPackageBundle::generate_with_new_signature_key(
        &crypto,
        Credential::basic(name.as_bytes().to_vec()),
        &KeyPackageOptions::default(),
        NOW,
        rng,
    )
    .unwrap()
}

/// A set of members of one group, indexed by position in `members`
/// (`None` once removed).
pub struct Harness {
    pub suite: CipherSuite,
    pub config: GroupConfig,
    pub members: Vec<Option<Group>>,
    pub rng: TestRng,
    next_name: usize,
}

impl Harness {
    /// A one-member group.
    pub fn new(suite: CipherSuite, config: GroupConfig, seed: u64) -> Self {
        let mut rng = TestRng::new(seed);
        let kp = key_package(suite, "member-0", &mut rng);
        let group = Group::create(
            RustCryptoProvider,
            config.clone(),
            &kp,
            format!("harness group {seed}").into_bytes(),
            Extensions::default(),
            NOW,
            &mut rng,
        )
        .unwrap();
        Self {
            suite,
            config,
            members: vec![Some(group)],
            rng,
            next_name: 1,
        }
    }

    /// The positions of the current members.
    pub fn active(&self) -> Vec<usize> {
        (0..self.members.len())
            .filter(|i| self.members[*i].as_ref().is_some_and(|g| g.is_active()))
            .collect()
    }

    /// Member `i`.
    pub fn group(&mut self, i: usize) -> &mut Group {
        self.members[i].as_mut().expect("an active member")
    }

    /// Fresh KeyPackages for `n` new members.
    pub fn new_key_packages(&mut self, n: usize) -> Vec<KeyPackageBundle> {
        (0..n)
            .map(|_| {
                let name = format!("member-{}", self.next_name);
                self.next_name += 1;
                key_package(self.suite, &name, &mut self.rng)
            })
            .collect()
    }

    /// Member `committer` commits `options`; every other member processes
    /// and merges the commit; the committer merges; new members join
    /// from the Welcome. Returns the created commit's messages.
    pub fn commit(
        &mut self,
        committer: usize,
        mut options: CommitOptions,
        joiners: Vec<KeyPackageBundle>,
    ) -> Result<(Vec<u8>, Option<Vec<u8>>), Error> {
        for kp in &joiners {
            options.proposals.push(Proposal::Add(Add {
                key_package: kp.key_package().clone(),
            }));
        }
        let mut rng = std::mem::replace(&mut self.rng, TestRng::new(0));
        let created = self.group(committer).create_commit(options, NOW, &mut rng);
        self.rng = rng;
        let CreatedCommit {
            commit,
            welcome,
            ratchet_tree,
            staged,
            ..
        } = created?;
        for i in self.active() {
            if i == committer {
                continue;
            }
            match self.group(i).process_message(&commit, NOW)? {
                Processed::Commit(staged) => self.group(i).merge_staged_commit(*staged)?,
                other => panic!("member {i} got {other:?} for a commit"),
            }
        }
        self.group(committer).merge_staged_commit(staged)?;
        for i in 0..self.members.len() {
            if self.members[i].as_ref().is_some_and(|g| !g.is_active()) {
                self.members[i] = None;
            }
        }
        if let Some(welcome) = &welcome {
            for kp in &joiners {
                let options = match &ratchet_tree {
                    Some(tree) => JoinOptions::with_tree_bytes(tree)?,
                    None => JoinOptions::default(),
                };
                let g = Group::join(
                    RustCryptoProvider,
                    self.config.clone(),
                    welcome,
                    kp,
                    options,
                    NOW,
                )?;
                self.members.push(Some(g));
            }
        }
        Ok((commit, welcome))
    }

    /// A fresh KeyPackage bundle for the client named `name` (same basic
    /// credential as an earlier one of that name, new keys).
    pub fn key_package_named(&mut self, name: &str) -> KeyPackageBundle {
        key_package(self.suite, name, &mut self.rng)
    }

    /// The client of `bundle` joins by external commit from a GroupInfo
    /// member `exporter` exports with `info`; every active member
    /// processes and merges the commit; the joiner becomes a member (and
    /// the member whose leaf a resync removed is dropped). Returns the
    /// commit.
    pub fn external_join(
        &mut self,
        exporter: usize,
        info: GroupInfoOptions,
        bundle: &KeyPackageBundle,
        mut options: ExternalJoinOptions,
    ) -> Result<Vec<u8>, Error> {
        let group_info = self.group(exporter).group_info(&info)?;
        if !info.ratchet_tree && options.ratchet_tree.is_none() {
            options.ratchet_tree = Some(self.group(exporter).tree().to_nodes());
        }
        let mut rng = std::mem::replace(&mut self.rng, TestRng::new(0));
        let joined = Group::join_external(
            RustCryptoProvider,
            self.config.clone(),
            &group_info,
            bundle,
            options,
            NOW,
            &mut rng,
        );
        self.rng = rng;
        let joined = joined?;
        self.deliver_commit(&joined.commit)?;
        self.members.push(Some(joined.group));
        Ok(joined.commit)
    }

    /// Every active member processes and merges `commit`; members it
    /// removed are dropped.
    pub fn deliver_commit(&mut self, commit: &[u8]) -> Result<(), Error> {
        for i in self.active() {
            match self.group(i).process_message(commit, NOW)? {
                Processed::Commit(staged) => self.group(i).merge_staged_commit(*staged)?,
                other => panic!("member {i} got {other:?} for a commit"),
            }
        }
        for i in 0..self.members.len() {
            if self.members[i].as_ref().is_some_and(|g| !g.is_active()) {
                self.members[i] = None;
            }
        }
        Ok(())
    }

    /// Member `sender` proposes `proposal` by reference; every other
    /// member processes it.
    pub fn propose(&mut self, sender: usize, proposal: Proposal) -> Result<Vec<u8>, Error> {
        let mut rng = std::mem::replace(&mut self.rng, TestRng::new(0));
        let sent = self.group(sender).propose(proposal, b"", NOW, &mut rng);
        self.rng = rng;
        let (bytes, _) = sent?;
        self.deliver_proposal(sender, &bytes)?;
        Ok(bytes)
    }

    /// Member `sender` proposes an Update of its own leaf.
    pub fn propose_update(&mut self, sender: usize) -> Result<Vec<u8>, Error> {
        let mut rng = std::mem::replace(&mut self.rng, TestRng::new(0));
        let sent = self.group(sender).propose_update(b"", NOW, &mut rng);
        self.rng = rng;
        let (bytes, _) = sent?;
        self.deliver_proposal(sender, &bytes)?;
        Ok(bytes)
    }

    fn deliver_proposal(&mut self, sender: usize, bytes: &[u8]) -> Result<(), Error> {
        for i in self.active() {
            if i != sender {
                match self.group(i).process_message(bytes, NOW)? {
                    Processed::Proposal(_) => {}
                    other => panic!("member {i} got {other:?} for a proposal"),
                }
            }
        }
        Ok(())
    }

    /// Asserts that every member is in the same epoch with the same
    /// epoch authenticator, tree hash and exporter output.
    pub fn assert_agree(&mut self) {
        let active = self.active();
        let first = self.group(active[0]);
        let epoch = first.epoch();
        let auth = first.epoch_authenticator().as_bytes().to_vec();
        let tree_hash = first.tree().tree_hash().to_vec();
        let export = first.export_secret("test", b"ctx", 32).unwrap();
        let members = first.members().count();
        assert_eq!(members, active.len(), "tree members vs harness members");
        for i in active {
            let g = self.group(i);
            assert_eq!(g.epoch(), epoch, "member {i} epoch");
            assert_eq!(
                g.epoch_authenticator().as_bytes(),
                auth,
                "member {i} authenticator"
            );
            assert_eq!(g.tree().tree_hash(), tree_hash, "member {i} tree hash");
            assert_eq!(
                g.export_secret("test", b"ctx", 32).unwrap(),
                export,
                "member {i} exporter"
            );
        }
    }

    /// Every member sends an application message that every other member
    /// decrypts.
    pub fn exchange_messages(&mut self) {
        let active = self.active();
        for &s in &active {
            let text = format!("from {s}");
            let mut rng = std::mem::replace(&mut self.rng, TestRng::new(0));
            let msg = self
                .group(s)
                .create_message(text.as_bytes(), b"aad", &mut rng);
            self.rng = rng;
            let msg = msg.unwrap();
            let sender_leaf = self.group(s).own_leaf();
            for &r in &active {
                if r == s {
                    continue;
                }
                match self.group(r).process_message(&msg, NOW).unwrap() {
                    Processed::Application(m) => {
                        assert_eq!(m.data, text.as_bytes());
                        assert_eq!(m.sender, sender_leaf);
                        assert_eq!(m.authenticated_data, b"aad");
                    }
                    other => panic!("member {r} got {other:?}"),
                }
            }
        }
    }
}
