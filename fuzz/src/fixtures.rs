//! Live groups the processing targets run against, built the same way in
//! every process from a fixed seed.
//!
//! Each [`Fixture`] is one group at some epoch seen by three members:
//!
//! - the *receiver*, whose saved state every processing target restores
//!   and feeds input to;
//! - the *witness*, another member that must agree with the receiver on
//!   every input the receiver accepts (absent in two-member groups);
//! - the *sender*, who produced the [`Sample`] messages (commits with and
//!   without path, by reference and by value, proposals, application
//!   data of this and the previous epoch). Its signature key, and every
//!   other member's, is kept so that structure-aware mutation can re-sign
//!   content as a malicious member would.
//!
//! Building a fixture uses only the public API (create, commit, propose,
//! process, merge, join) and deterministic randomness.

use std::sync::OnceLock;

use rfc9420::codec::{Decode, Reader, decode_exact};
use rfc9420::crypto::{SignaturePrivateKey, SignaturePublicKey};
use rfc9420::framing::MlsMessageBody;
use rfc9420::framing::{AuthenticatedContent, PrivateMessage};
use rfc9420::group::WireFormatPolicy;
use rfc9420::key_schedule::{EpochSecrets, GroupContext};
use rfc9420::messages::{RatchetTreeExtension, Remove};
use rfc9420::secret_tree::SecretTree;
use rfc9420::tree::treekem::TreeKemPrivate;
use rfc9420::{
    CipherSuite, CommitOptions, Credential, Extensions, ExternalJoinOptions, Group, GroupConfig,
    GroupInfoOptions, JoinOptions, KeyPackageBundle, KeyPackageOptions, LeafIndex, LeafNode,
    MlsMessage, Processed, Proposal, RustCryptoProvider, SuiteCrypto, Timestamp,
};

use crate::rng::FixedRng;

/// The time every fixture and every target uses.
pub const NOW: Timestamp = Timestamp(1_800_000_000);

/// What one fixture looks like.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    /// Its name in reports.
    pub name: &'static str,
    /// The cipher suite.
    pub suite: CipherSuite,
    /// Members after the first commit.
    pub members: usize,
    /// Empty commits after the first one (each moves one epoch on).
    pub extra_epochs: usize,
    /// Whether one member is removed and another added before the last
    /// epoch, leaving a blank leaf and unmerged leaves.
    pub churn: bool,
    /// How handshakes are sent and accepted.
    pub policy: WireFormatPolicy,
}

/// The fixtures every processing target chooses from: several sizes,
/// epochs and suites, public and private handshakes.
pub const SPECS: [Spec; 6] = [
    Spec {
        name: "s1-4m-public",
        suite: CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519,
        members: 4,
        extra_epochs: 1,
        churn: false,
        policy: WireFormatPolicy::MIXED_PUBLIC,
    },
    Spec {
        name: "s1-7m-private-churn",
        suite: CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519,
        members: 7,
        extra_epochs: 3,
        churn: true,
        policy: WireFormatPolicy::MIXED_PRIVATE,
    },
    Spec {
        name: "s2-3m-public",
        suite: CipherSuite::MLS_128_DHKEMP256_AES128GCM_SHA256_P256,
        members: 3,
        extra_epochs: 1,
        churn: false,
        policy: WireFormatPolicy::PURE_PUBLIC,
    },
    Spec {
        name: "s3-5m-private-churn",
        suite: CipherSuite::MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_ED25519,
        members: 5,
        extra_epochs: 2,
        churn: true,
        policy: WireFormatPolicy::PURE_PRIVATE,
    },
    Spec {
        name: "s7-3m-private",
        suite: CipherSuite::MLS_256_DHKEMP384_AES256GCM_SHA384_P384,
        members: 3,
        extra_epochs: 1,
        churn: false,
        policy: WireFormatPolicy::MIXED_PRIVATE,
    },
    Spec {
        name: "s6-2m-public",
        suite: CipherSuite::MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_ED448,
        members: 2,
        extra_epochs: 1,
        churn: false,
        policy: WireFormatPolicy::MIXED_PUBLIC,
    },
];

/// How often each fixture is picked, by index into [`SPECS`], out of the
/// 256 values of a selector byte: the suites with cheap primitives (1, 3)
/// get 253 picks, P-256, P-384 and Ed448 one each (selectors 253, 254,
/// 255). One handshake in the slow suites costs 0.5 to 9 ms against 0.04
/// to 0.3 ms in suites 1 and 3 (`examples/cost.rs`), so even at one pick
/// in 256 each they take about a quarter of a processing target's time;
/// their code paths differ from the fast suites' only in the primitives.
///
/// Selectors below 253 whose value modulo 64 is below 61 pick what they
/// picked under the earlier weighting (64 values, 61 fast), so committed
/// corpus inputs keep their fixture.
const WEIGHTS: [usize; 256] = {
    let mut w = [0; 256];
    let mut i = 0;
    while i < 256 {
        w[i] = match i {
            253 => 2,
            254 => 4,
            255 => 5,
            _ => match i % 64 {
                0..=20 => 0,
                21..=40 => 1,
                41..=60 => 3,
                61 => 0,
                62 => 1,
                _ => 3,
            },
        };
        i += 1;
    }
    w
};

/// The fixture a selector byte picks.
pub fn pick(selector: u8) -> usize {
    WEIGHTS[usize::from(selector)]
}

/// A selector byte that picks fixture `index`.
pub fn selector_for(index: usize) -> u8 {
    WEIGHTS
        .iter()
        .position(|&w| w == index)
        .expect("every fixture is picked") as u8
}

/// A message the sender sent that the receiver (and witness) accept from
/// their saved states.
#[derive(Debug, Clone)]
pub struct Sample {
    /// What it is.
    pub label: &'static str,
    /// The encoded MLSMessage.
    pub bytes: Vec<u8>,
    /// Its signed content as the receiver sees it (decrypted for a
    /// PrivateMessage of the current epoch); `None` for a message of a
    /// past epoch.
    pub content: Option<AuthenticatedContent>,
}

/// A Welcome for a joiner, with what the group's members hold after the
/// commit that made it.
#[derive(Debug)]
pub struct WelcomeSample {
    /// What it is.
    pub label: &'static str,
    /// The encoded MLSMessage carrying the Welcome.
    pub welcome: Vec<u8>,
    /// The ratchet tree delivered out of band, if the Welcome lacks it.
    pub tree: Option<Vec<u8>>,
    /// The KeyPackage bundle the Welcome is for.
    pub joiner: KeyPackageBundle,
    /// The new epoch's authenticator, as the committer computed it.
    pub epoch_authenticator: Vec<u8>,
}

/// The receiver's keys, read from its saved state, for re-protecting
/// mutated content.
#[derive(Debug, Clone)]
pub struct ReceiverKeys {
    /// The current GroupContext.
    pub context: GroupContext,
    /// The epoch secrets (membership key, sender data secret).
    pub secrets: EpochSecrets,
    /// The secret tree, which derives every member's message keys.
    pub secret_tree: SecretTree,
}

/// One group as seen by its receiver, witness and sender.
pub struct Fixture {
    /// The spec it was built from.
    pub spec: Spec,
    /// The config every member uses.
    pub config: GroupConfig,
    /// The receiver's saved state.
    pub receiver: Vec<u8>,
    /// The receiver's keys.
    pub keys: ReceiverKeys,
    /// The witness's saved state and leaf, if the group has a third member.
    pub witness: Option<(Vec<u8>, LeafIndex)>,
    /// The receiver's leaf.
    pub receiver_leaf: LeafIndex,
    /// The sender's leaf.
    pub sender_leaf: LeafIndex,
    /// The sender's saved state before it sent the samples (the
    /// committer of the commit-creation target).
    pub sender_state: Vec<u8>,
    /// The signature keys of every current member, by leaf.
    pub signers: Vec<(LeafIndex, SignaturePublicKey, SignaturePrivateKey)>,
    /// The receiver's leaves.
    pub leaves: Vec<(LeafIndex, LeafNode)>,
    /// Messages the receiver accepts.
    pub samples: Vec<Sample>,
    /// Welcomes for new members.
    pub welcomes: Vec<WelcomeSample>,
    /// A GroupInfo of a later epoch (for decoder seeds).
    pub group_info: Vec<u8>,
    /// Fresh KeyPackage bundles of this suite, not yet in the group.
    pub fresh: Vec<KeyPackageBundle>,
    /// The receiver's GroupInfo with the tree and `external_pub`, from
    /// which the external-join samples were made.
    pub external_group_info: Vec<u8>,
    /// The bundles of the external joiners: a new client, and the one
    /// that resyncs the sender's leaf (with the sender's credential).
    pub external_joiners: Vec<KeyPackageBundle>,
}

/// Every fixture, built once per process.
pub fn all() -> &'static [Fixture] {
    static ALL: OnceLock<Vec<Fixture>> = OnceLock::new();
    ALL.get_or_init(|| {
        SPECS
            .iter()
            .enumerate()
            .map(|(i, s)| build(*s, 1000 + i as u64))
            .collect()
    })
}

/// A fresh KeyPackage bundle.
pub fn key_package(suite: CipherSuite, name: &str, rng: &mut FixedRng) -> KeyPackageBundle {
    let crypto = SuiteCrypto::new(&RustCryptoProvider, suite).expect("suite");
    KeyPackageBundle::generate_with_new_signature_key(
        &crypto,
        Credential::basic(name.as_bytes().to_vec()),
        &KeyPackageOptions::default(),
        NOW,
        rng,
    )
    .expect("key package")
}

/// The parts of a saved group state that re-protection needs, read with
/// the library's own decoders (the layout is documented in
/// `rfc9420::group` state docs).
pub fn saved_parts(saved: &[u8]) -> (ReceiverKeys, SignaturePrivateKey) {
    let mut r = Reader::new(saved.get(8..).expect("magic"));
    let _version = u16::decode(&mut r).expect("version");
    let context = GroupContext::decode(&mut r).expect("context");
    let _tree = RatchetTreeExtension::decode(&mut r).expect("tree");
    let _private = TreeKemPrivate::decode(&mut r).expect("private");
    let signer = SignaturePrivateKey::decode(&mut r).expect("signer");
    let secrets = EpochSecrets::decode(&mut r).expect("secrets");
    let secret_tree = SecretTree::decode(&mut r).expect("secret tree");
    (
        ReceiverKeys {
            context,
            secrets,
            secret_tree,
        },
        signer,
    )
}

/// Restores a saved group with the fixture's config.
pub fn restore(config: &GroupConfig, saved: &[u8]) -> Group {
    Group::from_bytes(RustCryptoProvider, config.clone(), saved).expect("restore a fixture")
}

struct Members {
    groups: Vec<Option<Group>>,
    config: GroupConfig,
}

impl Members {
    fn active(&self) -> Vec<usize> {
        (0..self.groups.len())
            .filter(|i| self.groups[*i].as_ref().is_some_and(|g| g.is_active()))
            .collect()
    }

    fn g(&mut self, i: usize) -> &mut Group {
        self.groups[i].as_mut().expect("member")
    }

    /// `committer` commits `options`; everyone processes and merges;
    /// joiners join from the Welcome.
    fn commit(
        &mut self,
        committer: usize,
        options: CommitOptions,
        joiners: Vec<KeyPackageBundle>,
        rng: &mut FixedRng,
    ) {
        let created = self
            .g(committer)
            .create_commit(options, NOW, rng)
            .expect("commit");
        for i in self.active() {
            if i == committer {
                continue;
            }
            match self
                .g(i)
                .process_message(&created.commit, NOW)
                .expect("process")
            {
                Processed::Commit(staged) => self.g(i).merge_staged_commit(*staged).expect("merge"),
                other => panic!("commit processed as {other:?}"),
            }
        }
        self.g(committer)
            .merge_staged_commit(created.staged)
            .expect("merge own");
        for g in &mut self.groups {
            if g.as_ref().is_some_and(|g| !g.is_active()) {
                *g = None;
            }
        }
        if let Some(welcome) = created.welcome {
            for kp in joiners {
                let options = match &created.ratchet_tree {
                    Some(tree) => JoinOptions::with_tree_bytes(tree).expect("tree"),
                    None => JoinOptions::default(),
                };
                let g = Group::join(
                    RustCryptoProvider,
                    self.config.clone(),
                    &welcome,
                    &kp,
                    options,
                    NOW,
                )
                .expect("join");
                self.groups.push(Some(g));
            }
        }
    }
}

fn adds(kps: &[KeyPackageBundle]) -> Vec<Proposal> {
    kps.iter()
        .map(|kp| {
            Proposal::Add(rfc9420::messages::Add {
                key_package: kp.key_package().clone(),
            })
        })
        .collect()
}

/// The signed content of a sample as the receiver sees it.
fn content_of(
    bytes: &[u8],
    keys: &ReceiverKeys,
    suite: CipherSuite,
) -> Option<AuthenticatedContent> {
    let crypto = SuiteCrypto::new(&RustCryptoProvider, suite).expect("suite");
    let message: MlsMessage = decode_exact(bytes).expect("sample decodes");
    match message.body {
        MlsMessageBody::PublicMessage(m) => Some(m.to_authenticated_content()),
        MlsMessageBody::PrivateMessage(m) if m.epoch == keys.context.epoch => {
            let m: PrivateMessage = m;
            let d = m
                .decrypt(
                    &crypto,
                    &keys.context,
                    &keys.secret_tree,
                    &keys.secrets.sender_data_secret,
                    |_| true,
                )
                .expect("sample decrypts");
            Some(d.content().content().clone())
        }
        _ => None,
    }
}

/// Builds one fixture.
pub fn build(spec: Spec, seed: u64) -> Fixture {
    let mut rng = FixedRng::new(seed);
    let suite = spec.suite;
    let config = GroupConfig {
        wire_format: spec.policy,
        ..GroupConfig::default()
    };
    let mut names = 0usize;
    let mut fresh_kp = |rng: &mut FixedRng| {
        names += 1;
        key_package(suite, &format!("{}-member-{names}", spec.name), rng)
    };
    let creator_kp = fresh_kp(&mut rng);
    let creator = Group::create(
        RustCryptoProvider,
        config.clone(),
        &creator_kp,
        format!("fuzz group {}", spec.name).into_bytes(),
        Extensions::default(),
        NOW,
        &mut rng,
    )
    .expect("create");
    let mut m = Members {
        groups: vec![Some(creator)],
        config: config.clone(),
    };
    let joiners: Vec<_> = (1..spec.members).map(|_| fresh_kp(&mut rng)).collect();
    m.commit(
        0,
        CommitOptions::with_proposals(adds(&joiners)),
        joiners,
        &mut rng,
    );

    let mut past_application = None;
    for e in 0..spec.extra_epochs {
        let last = e + 1 == spec.extra_epochs;
        if last && spec.churn {
            // Remove the second member (a blank leaf in the middle) and
            // add a new one at the end (unmerged leaves).
            let removed = m.g(1).own_leaf();
            let joiner = fresh_kp(&mut rng);
            let mut options = CommitOptions::with_proposals(adds(std::slice::from_ref(&joiner)));
            options.proposals.push(Proposal::Remove(Remove { removed }));
            m.commit(0, options, vec![joiner], &mut rng);
        }
        if last {
            // An application message from the future sender, kept for
            // the past-epoch sample.
            let active = m.active();
            let s = *active.last().expect("members");
            past_application = Some(
                m.g(s)
                    .create_message(b"from the previous epoch", b"past", &mut rng)
                    .expect("message"),
            );
        }
        let active = m.active();
        let committer = active[e % active.len()];
        m.commit(committer, CommitOptions::default(), Vec::new(), &mut rng);
    }

    let active = m.active();
    let r = active[0];
    let s = *active.last().expect("sender");
    let a = (active.len() >= 3).then(|| active[1]);
    let w = if active.len() >= 4 {
        Some(active[2])
    } else {
        a
    };
    // Application data from the sender, written before any proposal is
    // pending (RFC 9420 §12.4: no application data may follow them).
    let application = m
        .g(s)
        .create_message(b"hello from the sender", b"aad", &mut rng)
        .expect("message");
    // A pending Update from the proposer, by reference.
    if let Some(a) = a {
        let (bytes, _) = m.g(a).propose_update(b"", NOW, &mut rng).expect("update");
        for i in m.active() {
            if i != a {
                m.g(i).process_message(&bytes, NOW).expect("pending update");
            }
        }
    }
    let receiver = m.g(r).to_bytes().expect("save").to_vec();
    let receiver_leaf = m.g(r).own_leaf();
    let witness = w.map(|w| (m.g(w).to_bytes().expect("save").to_vec(), m.g(w).own_leaf()));
    let sender_leaf = m.g(s).own_leaf();
    let sender_state = m.g(s).to_bytes().expect("save").to_vec();
    let signers = m
        .active()
        .into_iter()
        .map(|i| {
            let g = m.g(i);
            let public = g.own_leaf_node().expect("leaf").signature_key.clone();
            (
                g.own_leaf(),
                public,
                saved_parts(g.to_bytes().expect("save").as_ref()).1,
            )
        })
        .collect();
    let leaves = m
        .g(r)
        .members()
        .map(|x| (x.leaf, x.leaf_node.clone()))
        .collect();
    let (keys, _) = saved_parts(&receiver);

    let mut samples = Vec::new();
    let mut welcomes = Vec::new();
    let mut raw: Vec<(&'static str, Vec<u8>)> = Vec::new();
    // Commits from the sender, each valid on its own from the saved state.
    let sender = m.g(s);
    let out = sender
        .create_commit(CommitOptions::default(), NOW, &mut rng)
        .expect("commit a");
    raw.push(("commit-pending-path", out.commit));
    let joiner = fresh_kp(&mut rng);
    let mut options = CommitOptions::with_proposals(adds(std::slice::from_ref(&joiner)));
    options.group_info = true;
    let out = m
        .g(s)
        .create_commit(options, NOW, &mut rng)
        .expect("commit b");
    raw.push(("commit-add-path", out.commit));
    welcomes.push(WelcomeSample {
        label: "welcome-with-tree",
        welcome: out.welcome.expect("welcome"),
        tree: out.ratchet_tree,
        joiner,
        epoch_authenticator: out
            .staged
            .epoch_authenticator()
            .expect("next epoch")
            .as_bytes()
            .to_vec(),
    });
    let group_info = out.group_info.expect("group info");
    let joiner = fresh_kp(&mut rng);
    let mut options = CommitOptions::with_proposals(adds(std::slice::from_ref(&joiner)));
    options.update_path = false;
    options.include_pending = false;
    options.ratchet_tree_in_welcome = false;
    let out = m
        .g(s)
        .create_commit(options, NOW, &mut rng)
        .expect("commit c");
    raw.push(("commit-add-no-path", out.commit));
    welcomes.push(WelcomeSample {
        label: "welcome-without-tree",
        welcome: out.welcome.expect("welcome"),
        tree: Some(out.ratchet_tree.expect("tree out of band")),
        joiner,
        epoch_authenticator: out
            .staged
            .epoch_authenticator()
            .expect("next epoch")
            .as_bytes()
            .to_vec(),
    });
    let removed = m.g(r).own_leaf();
    let victim = a.map(|a| m.g(a).own_leaf()).unwrap_or(removed);
    let mut options =
        CommitOptions::with_proposals(vec![Proposal::Remove(Remove { removed: victim })]);
    options.include_pending = false;
    let out = m
        .g(s)
        .create_commit(options, NOW, &mut rng)
        .expect("commit d");
    raw.push(("commit-remove", out.commit));
    // The application data the sender wrote before the proposals.
    raw.push(("application", application));
    let (bytes, _) = m
        .g(s)
        .propose(
            Proposal::Remove(Remove { removed: victim }),
            b"by ref",
            NOW,
            &mut rng,
        )
        .expect("remove proposal");
    raw.push(("proposal-remove", bytes));
    let (bytes, _) = m.g(s).propose_update(b"", NOW, &mut rng).expect("update");
    raw.push(("proposal-update", bytes));
    if let Some(bytes) = past_application {
        raw.push(("application-past-epoch", bytes));
    }
    for (label, bytes) in raw {
        let content = content_of(&bytes, &keys, suite);
        samples.push(Sample {
            label,
            bytes,
            content,
        });
    }
    let fresh = (0..3).map(|_| fresh_kp(&mut rng)).collect();
    // A Welcome to a last-resort KeyPackage (RFC 9420 §16.8), which a
    // KeyPackage store keeps after a join. Made last, so the samples and
    // KeyPackages above do not depend on it.
    let joiner = {
        let crypto = SuiteCrypto::new(&RustCryptoProvider, suite).expect("suite");
        let options = KeyPackageOptions {
            last_resort: true,
            ..KeyPackageOptions::default()
        };
        KeyPackageBundle::generate_with_new_signature_key(
            &crypto,
            Credential::basic(format!("{}-last-resort", spec.name).into_bytes()),
            &options,
            NOW,
            &mut rng,
        )
        .expect("last-resort key package")
    };
    let mut options = CommitOptions::with_proposals(adds(std::slice::from_ref(&joiner)));
    options.include_pending = false;
    let out = m
        .g(s)
        .create_commit(options, NOW, &mut rng)
        .expect("commit e");
    welcomes.push(WelcomeSample {
        label: "welcome-last-resort",
        welcome: out.welcome.expect("welcome"),
        tree: out.ratchet_tree,
        joiner,
        epoch_authenticator: out
            .staged
            .epoch_authenticator()
            .expect("next epoch")
            .as_bytes()
            .to_vec(),
    });
    // External joins (RFC 9420 §12.4.3.2) from the receiver's GroupInfo:
    // a new client, and a resync of the sender's leaf by a client with the
    // sender's credential.
    let external_group_info = m
        .g(r)
        .group_info(&GroupInfoOptions::default(), &mut rng)
        .expect("group info");
    let external_joiner = fresh_kp(&mut rng);
    let resync_joiner = {
        let crypto = SuiteCrypto::new(&RustCryptoProvider, suite).expect("suite");
        let credential = m.g(s).own_leaf_node().expect("leaf").credential.clone();
        KeyPackageBundle::generate_with_new_signature_key(
            &crypto,
            credential,
            &KeyPackageOptions::default(),
            NOW,
            &mut rng,
        )
        .expect("resync key package")
    };
    for (label, bundle, resync) in [
        ("external-join", &external_joiner, None),
        ("external-resync", &resync_joiner, Some(sender_leaf)),
    ] {
        let options = ExternalJoinOptions {
            resync,
            ..ExternalJoinOptions::default()
        };
        let joined = Group::join_external(
            RustCryptoProvider,
            config.clone(),
            &external_group_info,
            bundle,
            options,
            NOW,
            &mut rng,
        )
        .expect("external join");
        let content = content_of(&joined.commit, &keys, suite);
        samples.push(Sample {
            label,
            bytes: joined.commit,
            content,
        });
    }
    Fixture {
        spec,
        config,
        external_group_info,
        external_joiners: vec![external_joiner, resync_joiner],
        receiver,
        keys,
        witness,
        receiver_leaf,
        sender_leaf,
        sender_state,
        signers,
        leaves,
        samples,
        welcomes,
        group_info,
        fresh,
    }
}
