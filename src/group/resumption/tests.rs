//! The joiner's checks of a linked group (RFC 9420 §11.2, §11.3,
//! §12.4.3.1) against successors and subgroups that the public creation
//! functions refuse to build: built here with [`create_linked`], which
//! checks nothing, as a faulty or malicious creator would.

use super::*;
use crate::RustCryptoProvider;
use crate::crypto::SignaturePublicKey;
use crate::group::{JoinOptions, KeyPackageOptions, Processed};

use rfc9420_test_support::rng::TestRng;

const NOW: Timestamp = Timestamp(1_800_000_000);
const SUITE_1: CipherSuite = CipherSuite(1);
const SUITE_2: CipherSuite = CipherSuite(2);

fn kp(suite: CipherSuite, name: &str, rng: &mut TestRng) -> KeyPackageBundle {
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

fn join(welcome: &[u8], bundle: &KeyPackageBundle, options: JoinOptions) -> Result<Group, Error> {
    Group::join(
        RustCryptoProvider,
        GroupConfig::default(),
        welcome,
        bundle,
        options,
        NOW,
    )
}

/// Members "m0", "m1", "m2" of a group of `suite` with `config`.
fn three(suite: CipherSuite, config: &GroupConfig, rng: &mut TestRng) -> Vec<Group> {
    let own = kp(suite, "m0", rng);
    let mut creator = Group::create(
        RustCryptoProvider,
        config.clone(),
        &own,
        b"old group".to_vec(),
        Extensions::default(),
        NOW,
        rng,
    )
    .unwrap();
    let others = [kp(suite, "m1", rng), kp(suite, "m2", rng)];
    let adds = others
        .iter()
        .map(|b| {
            Proposal::Add(Add {
                key_package: b.key_package().clone(),
            })
        })
        .collect();
    let created = creator
        .create_commit(CommitOptions::with_proposals(adds), NOW, rng)
        .unwrap();
    creator.merge_staged_commit(created.staged).unwrap();
    let welcome = created.welcome.unwrap();
    let mut groups = vec![creator];
    for b in &others {
        let g = Group::join(
            RustCryptoProvider,
            config.clone(),
            &welcome,
            b,
            JoinOptions::default(),
            NOW,
        )
        .unwrap();
        groups.push(g);
    }
    groups
}

/// Member 0 commits `reinit`; all merge.
fn reinit_all(groups: &mut [Group], reinit: &ReInit, rng: &mut TestRng) {
    let created = groups[0]
        .create_commit(
            CommitOptions::with_proposals(vec![Proposal::ReInit(reinit.clone())]),
            NOW,
            rng,
        )
        .unwrap();
    for g in groups.iter_mut().skip(1) {
        match g.process_message(&created.commit, NOW).unwrap() {
            Processed::Commit(staged) => g.merge_staged_commit(*staged).unwrap(),
            other => panic!("{other:?}"),
        }
    }
    groups[0].merge_staged_commit(created.staged).unwrap();
}

fn reinit(suite: CipherSuite, version: ProtocolVersion) -> ReInit {
    ReInit {
        group_id: b"successor".to_vec(),
        version,
        cipher_suite: suite,
        extensions: Extensions::default(),
    }
}

/// The link PSK of `old` with `usage`, as `create_linked` takes it.
fn link(old: &Group, usage: ResumptionPskUsage) -> (PskKind, Secret) {
    (
        PskKind::Resumption {
            usage,
            psk_group_id: old.group_id().to_vec(),
            psk_epoch: old.epoch(),
        },
        old.state.secrets().resumption_psk.clone(),
    )
}

/// A successor of `old` (by `creator`'s KeyPackage `own`) with
/// `key_packages`, unchecked: its Welcome.
fn unchecked_successor(
    old: &Group,
    own: &KeyPackageBundle,
    group_id: &[u8],
    usage: ResumptionPskUsage,
    key_packages: &[&KeyPackageBundle],
    rng: &mut TestRng,
) -> Vec<u8> {
    let (_, welcome) = create_linked(
        RustCryptoProvider,
        GroupConfig::default(),
        own,
        group_id.to_vec(),
        Extensions::default(),
        key_packages
            .iter()
            .map(|b| b.key_package().clone())
            .collect(),
        link(old, usage),
        NOW,
        rng,
    )
    .unwrap();
    welcome.unwrap()
}

/// §11.2, §12.4.3.1: the joiner refuses a successor whose members are
/// not exactly the old group's.
#[test]
fn joiner_refuses_a_successor_with_other_members() {
    let mut rng = TestRng::new(1);
    let mut old = three(SUITE_1, &GroupConfig::default(), &mut rng);
    reinit_all(&mut old, &reinit(SUITE_2, ProtocolVersion::MLS10), &mut rng);
    let m0 = kp(SUITE_2, "m0", &mut rng);
    let m1 = kp(SUITE_2, "m1", &mut rng);
    let stranger = kp(SUITE_2, "stranger", &mut rng);
    let reinit_usage = ResumptionPskUsage::Reinit;

    let welcome = unchecked_successor(&old[0], &m0, b"successor", reinit_usage, &[&m1], &mut rng);
    let e = join(
        &welcome,
        &m1,
        JoinOptions::default().resumption_from(&old[1]),
    )
    .unwrap_err();
    assert_eq!(
        e,
        ResumptionError::OldMemberMissing { leaf: LeafIndex(2) }.into()
    );

    let welcome = unchecked_successor(
        &old[0],
        &m0,
        b"successor",
        reinit_usage,
        &[&m1, &stranger],
        &mut rng,
    );
    let e = join(
        &welcome,
        &m1,
        JoinOptions::default().resumption_from(&old[1]),
    )
    .unwrap_err();
    assert_eq!(
        e,
        ResumptionError::MemberNotInOldGroup { leaf: LeafIndex(2) }.into()
    );
}

/// §11.2, §12.4.3.1: the joiner refuses a successor in another suite or
/// version than the ReInit's.
#[test]
fn joiner_refuses_a_successor_of_other_parameters() {
    let mut rng = TestRng::new(2);
    let mut old = three(SUITE_1, &GroupConfig::default(), &mut rng);
    reinit_all(&mut old, &reinit(SUITE_2, ProtocolVersion::MLS10), &mut rng);
    // Built in suite 1, though the ReInit said suite 2.
    let m0 = kp(SUITE_1, "m0", &mut rng);
    let m1 = kp(SUITE_1, "m1", &mut rng);
    let m2 = kp(SUITE_1, "m2", &mut rng);
    let usage = ResumptionPskUsage::Reinit;
    let welcome = unchecked_successor(&old[0], &m0, b"successor", usage, &[&m1, &m2], &mut rng);
    let e = join(
        &welcome,
        &m1,
        JoinOptions::default().resumption_from(&old[1]),
    )
    .unwrap_err();
    assert_eq!(
        e,
        ResumptionError::CipherSuiteMismatch {
            expected: SUITE_2,
            found: SUITE_1
        }
        .into()
    );

    let mut old = three(SUITE_1, &GroupConfig::default(), &mut rng);
    reinit_all(&mut old, &reinit(SUITE_1, ProtocolVersion(2)), &mut rng);
    let welcome = unchecked_successor(&old[0], &m0, b"successor", usage, &[&m1, &m2], &mut rng);
    let e = join(
        &welcome,
        &m2,
        JoinOptions::default().resumption_from(&old[2]),
    )
    .unwrap_err();
    assert_eq!(
        e,
        ResumptionError::VersionMismatch {
            expected: ProtocolVersion(2),
            found: ProtocolVersion::MLS10
        }
        .into()
    );
}

/// §11.3, §12.4.3.1: the joiner refuses a subgroup with a member that is
/// not in the parent, or of another suite than the parent's.
#[test]
fn joiner_refuses_a_branch_with_a_stranger_or_another_suite() {
    let mut rng = TestRng::new(3);
    let parent = three(SUITE_1, &GroupConfig::default(), &mut rng);
    let m0 = kp(SUITE_1, "m0", &mut rng);
    let m1 = kp(SUITE_1, "m1", &mut rng);
    let stranger = kp(SUITE_1, "stranger", &mut rng);
    let usage = ResumptionPskUsage::Branch;
    let welcome = unchecked_successor(&parent[0], &m0, b"sub", usage, &[&m1, &stranger], &mut rng);
    let e = join(
        &welcome,
        &m1,
        JoinOptions::default().resumption_from(&parent[1]),
    )
    .unwrap_err();
    assert_eq!(
        e,
        ResumptionError::MemberNotInOldGroup { leaf: LeafIndex(2) }.into()
    );

    let m0 = kp(SUITE_2, "m0", &mut rng);
    let m1 = kp(SUITE_2, "m1", &mut rng);
    let welcome = unchecked_successor(&parent[0], &m0, b"sub", usage, &[&m1], &mut rng);
    let e = join(
        &welcome,
        &m1,
        JoinOptions::default().resumption_from(&parent[1]),
    )
    .unwrap_err();
    assert_eq!(
        e,
        ResumptionError::CipherSuiteMismatch {
            expected: SUITE_1,
            found: SUITE_2
        }
        .into()
    );
}

/// The application decides which credentials are the same member
/// (§12.4.3.1: "according to the application"): here a device's
/// credential `name/device` is the member `name`.
struct SameUser;

impl CredentialValidator for SameUser {
    fn validate(&self, _: &Credential, _: &SignaturePublicKey) -> bool {
        true
    }

    fn same_member(&self, old: &Credential, new: &Credential) -> bool {
        let user = |c: &Credential| {
            c.identity()
                .map(|i| i.split(|b| *b == b'/').next().unwrap_or(i).to_vec())
        };
        user(old).is_some() && user(old) == user(new)
    }
}

/// With the default validator a member whose credential changed is not
/// the same member; with the application's `same_member` it is, on both
/// the creator's and the joiner's side.
#[test]
fn same_member_is_the_applications_decision() {
    let mut rng = TestRng::new(4);
    let config = GroupConfig {
        credentials: std::sync::Arc::new(SameUser),
        ..GroupConfig::default()
    };
    let mut old = three(SUITE_1, &config, &mut rng);
    reinit_all(&mut old, &reinit(SUITE_1, ProtocolVersion::MLS10), &mut rng);
    let m0 = kp(SUITE_1, "m0", &mut rng);
    let m1 = kp(SUITE_1, "m1/laptop", &mut rng);
    let m2 = kp(SUITE_1, "m2", &mut rng);
    let others = vec![m1.key_package().clone(), m2.key_package().clone()];

    let mut strict = Group::from_bytes(
        RustCryptoProvider,
        GroupConfig::default(),
        &old[0].to_bytes().unwrap(),
    )
    .unwrap();
    let e = strict
        .reinit_successor(
            RustCryptoProvider,
            GroupConfig::default(),
            &m0,
            others.clone(),
            NOW,
            &mut rng,
        )
        .map(|_| ())
        .unwrap_err();
    assert_eq!(
        e,
        ResumptionError::MemberNotInOldGroup { leaf: LeafIndex(1) }.into()
    );
    strict.set_config(config.clone());

    let (successor, welcome) = strict
        .reinit_successor(
            RustCryptoProvider,
            config.clone(),
            &m0,
            others,
            NOW,
            &mut rng,
        )
        .unwrap();
    let welcome = welcome.unwrap();
    let options = || JoinOptions::default().resumption_from(&old[1]);
    let e = join(&welcome, &m1, options()).unwrap_err();
    assert_eq!(
        e,
        ResumptionError::MemberNotInOldGroup { leaf: LeafIndex(1) }.into()
    );
    let joined = Group::join(RustCryptoProvider, config, &welcome, &m1, options(), NOW).unwrap();
    assert_eq!(
        joined.epoch_authenticator(),
        successor.epoch_authenticator()
    );
}
