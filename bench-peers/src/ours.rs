//! rfc9420 through its public API.

use std::time::Instant;

use rfc9420::{
    CipherSuite, CommitOptions, Credential, Extensions, Group, GroupConfig, JoinOptions,
    KeyPackageBundle, KeyPackageOptions, Processed, Proposal, RustCryptoProvider, SuiteCrypto,
    Timestamp,
};

use crate::{BuildReport, Side, TestRng};

const SUITE: CipherSuite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
/// The time every operation is done at (2026-09-21).
pub const NOW: Timestamp = Timestamp(1_790_000_000);

fn crypto() -> SuiteCrypto<'static> {
    SuiteCrypto::new(&RustCryptoProvider, SUITE).expect("suite 1")
}

fn key_package(name: &str, rng: &mut TestRng) -> KeyPackageBundle {
    KeyPackageBundle::generate_with_new_signature_key(
        &crypto(),
        Credential::basic(name.as_bytes().to_vec()),
        &KeyPackageOptions::default(),
        NOW,
        rng,
    )
    .expect("key package")
}

fn add(bundle: &KeyPackageBundle) -> Proposal {
    Proposal::Add(rfc9420::messages::Add {
        key_package: bundle.key_package().clone(),
    })
}

fn no_path(proposals: Vec<Proposal>) -> CommitOptions {
    CommitOptions {
        update_path: false,
        ..CommitOptions::with_proposals(proposals)
    }
}

/// rfc9420 with a blank group of n.
pub struct Ours {
    committer: Group,
    receiver: Group,
    receiver_state: Vec<u8>,
    joiner: KeyPackageBundle,
    rng: TestRng,
}

impl Side for Ours {
    type Receiver = Group;
    type Joiner = ();
    const NAME: &'static str = "rfc9420";

    fn build(n: u32) -> (Self, BuildReport) {
        let mut rng = TestRng::new(u64::from(n));
        let start = Instant::now();
        let bundles: Vec<KeyPackageBundle> = (0..n)
            .map(|i| key_package(&format!("member {i}"), &mut rng))
            .collect();
        let key_packages = start.elapsed();
        let (creator, others) = bundles.split_first().expect("n >= 1");
        let mut committer = Group::create(
            RustCryptoProvider,
            public_config(),
            creator,
            b"bench group".to_vec(),
            Extensions::default(),
            NOW,
            &mut rng,
        )
        .expect("create");
        let start = Instant::now();
        let created = committer
            .create_commit(no_path(others.iter().map(add).collect()), NOW, &mut rng)
            .expect("commit of n - 1 adds");
        committer
            .merge_staged_commit(created.staged)
            .expect("merge");
        let add_all_commit = start.elapsed();
        let welcome = created.welcome.expect("welcome");
        let start = Instant::now();
        let receiver = Group::join(
            RustCryptoProvider,
            public_config(),
            &welcome,
            others.last().expect("n >= 2"),
            JoinOptions::default(),
            NOW,
        )
        .expect("join");
        let add_all_join = start.elapsed();
        assert_eq!(
            receiver.epoch_authenticator(),
            committer.epoch_authenticator()
        );
        let receiver_state = receiver.to_bytes().expect("save").to_vec();
        let joiner = key_package("joiner", &mut rng);
        let report = BuildReport {
            key_packages,
            add_all_commit,
            add_all_join,
            welcome_bytes: welcome.len(),
        };
        let side = Self {
            committer,
            receiver,
            receiver_state,
            joiner,
            rng,
        };
        (side, report)
    }

    fn commit_create(&mut self) -> usize {
        self.committer
            .create_commit(CommitOptions::default(), NOW, &mut self.rng)
            .expect("commit")
            .commit
            .len()
    }

    fn commit_for_receiver(&mut self) -> Vec<u8> {
        self.committer
            .create_commit(CommitOptions::default(), NOW, &mut self.rng)
            .expect("commit")
            .commit
    }

    /// Untimed: `from_bytes` of the receiver's saved state.
    fn fresh_receiver(&self) -> Group {
        Group::from_bytes(RustCryptoProvider, public_config(), &self.receiver_state)
            .expect("restore")
    }

    fn process_merge(&self, receiver: &mut Group, commit: &[u8]) {
        match receiver.process_message(commit, NOW).expect("process") {
            Processed::Commit(staged) => receiver.merge_staged_commit(*staged).expect("merge"),
            other => panic!("expected a commit, got {other:?}"),
        }
    }

    fn add_one(&mut self) -> usize {
        let created = self
            .committer
            .create_commit(no_path(vec![add(&self.joiner)]), NOW, &mut self.rng)
            .expect("add one");
        created.commit.len() + created.welcome.map_or(0, |w| w.len())
    }

    fn welcome_for_joiner(&mut self) -> Vec<u8> {
        self.committer
            .create_commit(no_path(vec![add(&self.joiner)]), NOW, &mut self.rng)
            .expect("add one")
            .welcome
            .expect("welcome")
    }

    fn fresh_joiner(&self) {}

    fn join(&self, (): (), welcome: &[u8]) -> usize {
        Group::join(
            RustCryptoProvider,
            public_config(),
            welcome,
            &self.joiner,
            JoinOptions::default(),
            NOW,
        )
        .expect("join")
        .members()
        .count()
    }

    fn app_round_trip(&mut self, data: &[u8]) {
        let message = self
            .committer
            .create_message(data, b"", &mut self.rng)
            .expect("protect");
        match self
            .receiver
            .process_message(&message, NOW)
            .expect("unprotect")
        {
            Processed::Application(_) => {}
            other => panic!("expected application data, got {other:?}"),
        }
    }

    fn saved_state_len(&mut self) -> usize {
        self.receiver.to_bytes().expect("save").len()
    }

    fn restore(&self) -> usize {
        self.fresh_receiver().members().count()
    }

    fn key_package(&mut self) -> usize {
        use rfc9420::codec::Encode;
        key_package("new member", &mut self.rng)
            .key_package()
            .to_bytes()
            .expect("encode")
            .len()
    }

    fn members(&self) -> usize {
        self.committer.members().count()
    }
}

/// The configuration the measurements use: handshakes as PublicMessages
/// (as the peers are measured), so a commit can be processed again and
/// again without spending a message key.
fn public_config() -> GroupConfig {
    GroupConfig {
        wire_format: rfc9420::group::WireFormatPolicy::MIXED_PUBLIC,
        ..GroupConfig::default()
    }
}
