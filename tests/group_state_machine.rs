//! Random operation sequences over 3 to 12 in-process members (RFC 9420
//! §12): adds, updates and removes by value and by reference, commits with
//! and without a path, as PublicMessages or PrivateMessages, external joins
//! and resyncs (§12.4.3.2), external PSKs (§8.4) and GroupContextExtensions
//! (§12.1.7). After every step all members agree and exchange application
//! messages.

use rfc9420_test_support::group_harness as harness;

use harness::Harness;
use proptest::prelude::*;
use rfc9420::crypto::CipherSuite;
use rfc9420::crypto::Secret;
use rfc9420::group::{
    CommitOptions, ExternalJoinOptions, GroupConfig, GroupInfoOptions, WireFormatPolicy,
};
use rfc9420::messages::{
    Add, CredentialType, Extensions, GroupContextExtensions, PreSharedKey, PreSharedKeyId,
    Proposal, PskKind, Remove, RequiredCapabilities,
};

const SUITE_1: CipherSuite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
const MIN: usize = 3;
const MAX: usize = 12;

/// One step; member numbers are taken modulo the current member count.
#[derive(Debug, Clone)]
enum Op {
    /// `committer` adds `n` members by value, with or without a path.
    AddByValue { committer: u8, n: u8, path: bool },
    /// `proposer` proposes an Add; `committer` commits it.
    AddByRef {
        proposer: u8,
        committer: u8,
        path: bool,
    },
    /// `who` proposes an Update; `committer` (another member) commits it.
    UpdateByRef { who: u8, committer: u8 },
    /// `committer` commits nothing, refreshing its path.
    EmptyCommit { committer: u8 },
    /// `committer` removes `target` by value.
    RemoveByValue { committer: u8, target: u8 },
    /// `proposer` proposes removing `target`; `committer` commits it.
    RemoveByRef {
        proposer: u8,
        committer: u8,
        target: u8,
    },
    /// A new client joins by external commit from `exporter`'s GroupInfo
    /// (with the tree in it or out of band).
    ExternalJoin { exporter: u8, tree_in_info: bool },
    /// `target` loses its state and comes back by external commit that
    /// removes its old leaf (a resync).
    Resync { exporter: u8, target: u8 },
    /// Every member gets a fresh external PSK; `committer` injects it.
    Psk { committer: u8 },
    /// `committer` replaces the GroupContext extensions (alternating
    /// between none and a `required_capabilities`).
    Extensions { committer: u8, required: bool },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (any::<u8>(), 1..=3u8, any::<bool>()).prop_map(|(committer, n, path)| Op::AddByValue {
            committer,
            n,
            path
        }),
        (any::<u8>(), any::<u8>(), any::<bool>()).prop_map(|(proposer, committer, path)| {
            Op::AddByRef {
                proposer,
                committer,
                path,
            }
        }),
        (any::<u8>(), any::<u8>()).prop_map(|(who, committer)| Op::UpdateByRef { who, committer }),
        any::<u8>().prop_map(|committer| Op::EmptyCommit { committer }),
        (any::<u8>(), any::<u8>())
            .prop_map(|(committer, target)| Op::RemoveByValue { committer, target }),
        (any::<u8>(), any::<u8>(), any::<u8>()).prop_map(|(proposer, committer, target)| {
            Op::RemoveByRef {
                proposer,
                committer,
                target,
            }
        }),
        (any::<u8>(), any::<bool>()).prop_map(|(exporter, tree_in_info)| Op::ExternalJoin {
            exporter,
            tree_in_info
        }),
        (any::<u8>(), any::<u8>()).prop_map(|(exporter, target)| Op::Resync { exporter, target }),
        any::<u8>().prop_map(|committer| Op::Psk { committer }),
        (any::<u8>(), any::<bool>()).prop_map(|(committer, required)| Op::Extensions {
            committer,
            required
        }),
    ]
}

fn pick(active: &[usize], k: u8) -> usize {
    active[usize::from(k) % active.len()]
}

/// `k` among `active` other than `not`.
fn pick_other(active: &[usize], k: u8, not: usize) -> usize {
    let others: Vec<usize> = active.iter().copied().filter(|&i| i != not).collect();
    pick(&others, k)
}

fn no_path() -> CommitOptions {
    CommitOptions {
        update_path: false,
        ..CommitOptions::default()
    }
}

/// Applies `op`; returns false when it was skipped to keep the size in
/// bounds.
fn apply(h: &mut Harness, op: &Op) -> bool {
    let active = h.active();
    let size = active.len();
    match *op {
        Op::AddByValue { committer, n, path } => {
            let n = usize::from(n);
            if size + n > MAX {
                return false;
            }
            let joiners = h.new_key_packages(n);
            let options = if path {
                CommitOptions::default()
            } else {
                no_path()
            };
            h.commit(pick(&active, committer), options, joiners)
                .unwrap();
        }
        Op::AddByRef {
            proposer,
            committer,
            path,
        } => {
            if size + 1 > MAX {
                return false;
            }
            let kp = h.new_key_packages(1).pop().unwrap();
            let add = Proposal::Add(Add {
                key_package: kp.key_package().clone(),
            });
            h.propose(pick(&active, proposer), add).unwrap();
            let options = if path {
                CommitOptions::default()
            } else {
                no_path()
            };
            // The joiner is passed for the Welcome; its Add is already
            // pending, so the harness must not add it again by value.
            commit_with_joiner(h, pick(&active, committer), options, kp);
        }
        Op::UpdateByRef { who, committer } => {
            let who = pick(&active, who);
            h.propose_update(who).unwrap();
            let committer = pick_other(&active, committer, who);
            h.commit(committer, CommitOptions::default(), vec![])
                .unwrap();
        }
        Op::EmptyCommit { committer } => {
            h.commit(pick(&active, committer), CommitOptions::default(), vec![])
                .unwrap();
        }
        Op::RemoveByValue { committer, target } => {
            if size - 1 < MIN {
                return false;
            }
            let committer = pick(&active, committer);
            let target = pick_other(&active, target, committer);
            let removed = h.group(target).own_leaf();
            let options = CommitOptions::with_proposals(vec![Proposal::Remove(Remove { removed })]);
            h.commit(committer, options, vec![]).unwrap();
        }
        Op::RemoveByRef {
            proposer,
            committer,
            target,
        } => {
            if size - 1 < MIN {
                return false;
            }
            let committer = pick(&active, committer);
            let target = pick_other(&active, target, committer);
            let removed = h.group(target).own_leaf();
            h.propose(
                pick(&active, proposer),
                Proposal::Remove(Remove { removed }),
            )
            .unwrap();
            h.commit(committer, CommitOptions::default(), vec![])
                .unwrap();
        }
        Op::ExternalJoin {
            exporter,
            tree_in_info,
        } => {
            if size + 1 > MAX {
                return false;
            }
            let joiner = h.new_key_packages(1).pop().unwrap();
            let info = GroupInfoOptions {
                ratchet_tree: tree_in_info,
                external_pub: true,
            };
            h.external_join(
                pick(&active, exporter),
                info,
                &joiner,
                ExternalJoinOptions::default(),
            )
            .unwrap();
        }
        Op::Resync { exporter, target } => {
            let exporter = pick(&active, exporter);
            let target = pick_other(&active, target, exporter);
            let leaf = h.group(target).own_leaf_node().unwrap();
            let name = match &leaf.credential {
                rfc9420::Credential::Basic { identity } => String::from_utf8(identity.clone()),
                other => panic!("harness credentials are basic: {other:?}"),
            }
            .unwrap();
            let old_leaf = h.group(target).own_leaf();
            h.members[target] = None; // its state is lost
            let again = h.key_package_named(&name);
            let options = ExternalJoinOptions {
                resync: Some(old_leaf),
                ..ExternalJoinOptions::default()
            };
            h.external_join(exporter, GroupInfoOptions::default(), &again, options)
                .unwrap();
        }
        Op::Psk { committer } => {
            let id = format!("psk of epoch {}", h.group(active[0]).epoch()).into_bytes();
            let secret = Secret::new(id.iter().rev().copied().chain([1; 16]).collect());
            for &i in &active {
                h.group(i).psks_mut().insert(id.clone(), secret.clone());
            }
            let committer = pick(&active, committer);
            let nonce = vec![u8::try_from(size).unwrap(); 32];
            let psk = Proposal::PreSharedKey(PreSharedKey {
                psk: PreSharedKeyId {
                    psk: PskKind::External { psk_id: id },
                    psk_nonce: nonce,
                },
            });
            h.commit(committer, CommitOptions::with_proposals(vec![psk]), vec![])
                .unwrap();
        }
        Op::Extensions {
            committer,
            required,
        } => {
            let mut extensions = Extensions::new();
            if required {
                extensions
                    .set(&RequiredCapabilities {
                        extension_types: Vec::new(),
                        proposal_types: Vec::new(),
                        credential_types: vec![CredentialType::BASIC],
                    })
                    .unwrap();
            }
            let gce = Proposal::GroupContextExtensions(GroupContextExtensions { extensions });
            h.commit(
                pick(&active, committer),
                CommitOptions::with_proposals(vec![gce]),
                vec![],
            )
            .unwrap();
        }
    }
    true
}

/// Commits the pending Add of `kp` and lets `kp` join from the Welcome.
fn commit_with_joiner(
    h: &mut Harness,
    committer: usize,
    options: CommitOptions,
    kp: rfc9420::group::KeyPackageBundle,
) {
    use rfc9420::RustCryptoProvider;
    use rfc9420::group::{Group, JoinOptions};
    let before = h.members.len();
    let (_, welcome) = h.commit(committer, options, vec![]).unwrap();
    assert_eq!(h.members.len(), before, "no joiner passed to the harness");
    let welcome = welcome.expect("a Welcome for the pending Add");
    // A Welcome without the tree: take it from the committer.
    let tree = h.group(committer).tree().to_nodes();
    let g = Group::join(
        RustCryptoProvider,
        h.config.clone(),
        &welcome,
        &kp,
        JoinOptions {
            ratchet_tree: Some(tree),
            ..JoinOptions::default()
        },
        harness::NOW,
    )
    .unwrap();
    h.members.push(Some(g));
}

fn run(private: bool, initial: usize, ops: &[Op], seed: u64) {
    let config = GroupConfig {
        wire_format: if private {
            WireFormatPolicy::PURE_PRIVATE
        } else {
            WireFormatPolicy::PURE_PUBLIC
        },
        ..GroupConfig::default()
    };
    let mut h = Harness::new(SUITE_1, config, seed);
    let joiners = h.new_key_packages(initial - 1);
    h.commit(0, CommitOptions::default(), joiners).unwrap();
    h.assert_agree();
    for (step, op) in ops.iter().enumerate() {
        if !apply(&mut h, op) {
            // A size-bound add or remove: the step commits an empty commit
            // instead, so every step moves the group to a new epoch.
            let active = h.active();
            let committer = active[step % active.len()];
            h.commit(committer, CommitOptions::default(), vec![])
                .unwrap();
        }
        let size = h.active().len();
        assert!((MIN..=MAX).contains(&size), "{size} members after {op:?}");
        h.assert_agree();
        h.exchange_messages();
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(8))]

    #[test]
    fn random_operation_sequences(
        private in any::<bool>(),
        initial in MIN..=6usize,
        ops in prop::collection::vec(op(), 8..=15),
        seed in any::<u64>(),
    ) {
        run(private, initial, &ops, seed);
    }
}
