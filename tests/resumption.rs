//! Groups linked by resumption PSKs (RFC 9420 §8.6, §11.2, §11.3,
//! §12.4.3.1): a ReInit carried to its successor group (changing the
//! suite), a branch subgroup, an `application` resumption PSK in a
//! Welcome, and the checks on each, every refusal with its exact error and,
//! where there is a state, that state unchanged.

use rfc9420::codec::{Encode, decode_exact};
use rfc9420::crypto::{CipherSuite, Secret, SuiteCrypto};
use rfc9420::framing::{MlsMessage, MlsMessageBody};
use rfc9420::group::welcome::{decrypt_group_info, decrypt_group_secrets};
use rfc9420::group::{
    CommitOptions, Group, GroupConfig, JoinOptions, KeyPackageBundle, Processed, ProposalError,
    ResumptionError, StateError,
};
use rfc9420::key_schedule::{JoinerSecret, psk_secret};
use rfc9420::messages::{
    Add, CredentialType, EncryptedGroupSecrets, Extensions, GroupInfo, GroupSecrets, PreSharedKey,
    PreSharedKeyId, Proposal, ProtocolVersion, PskKind, ReInit, Remove, RequiredCapabilities,
    ResumptionPskUsage, Welcome,
};
use rfc9420::tree::LeafIndex;
use rfc9420::{Error, RustCryptoProvider};
use rfc9420_test_support::group_harness::{Harness, NOW, key_package};
use rfc9420_test_support::rng::TestRng;
use rfc9420_test_support::suites;

/// The suite a ReInit moves a group of `suite` to: 1 → 2 → 4 → 1.
fn next_suite(suite: CipherSuite) -> CipherSuite {
    match suite.0 {
        1 => CipherSuite(2),
        2 => CipherSuite(4),
        _ => CipherSuite(1),
    }
}

/// Extensions a successor takes from its ReInit.
fn successor_extensions() -> Extensions {
    let mut extensions = Extensions::default();
    extensions
        .set(&RequiredCapabilities {
            extension_types: vec![],
            proposal_types: vec![],
            credential_types: vec![CredentialType::BASIC],
        })
        .unwrap();
    extensions
}

/// A three-member group ("member-0" to "member-2") of `suite`.
fn three_members(suite: CipherSuite, seed: u64) -> Harness {
    let mut h = Harness::new(suite, GroupConfig::default(), seed);
    let joiners = h.new_key_packages(2);
    h.commit(0, CommitOptions::default(), joiners).unwrap();
    h
}

/// The harness's groups, taken out of it (the harness drops inactive
/// groups, and a re-initialized group is inactive but still needed).
fn take_groups(h: &mut Harness) -> Vec<Group> {
    h.members.iter_mut().map(|g| g.take().unwrap()).collect()
}

/// Member `committer` commits `proposal` by value; every other member
/// processes and merges the commit; the committer merges. Returns the
/// commit.
fn commit_all(
    groups: &mut [Group],
    committer: usize,
    proposal: Proposal,
    rng: &mut TestRng,
) -> Vec<u8> {
    let created = groups[committer]
        .create_commit(CommitOptions::with_proposals(vec![proposal]), NOW, rng)
        .unwrap();
    for (i, g) in groups.iter_mut().enumerate() {
        if i == committer {
            continue;
        }
        match g.process_message(&created.commit, NOW).unwrap() {
            Processed::Commit(staged) => g.merge_staged_commit(*staged).unwrap(),
            other => panic!("member {i} got {other:?}"),
        }
    }
    groups[committer]
        .merge_staged_commit(created.staged)
        .unwrap();
    created.commit
}

/// A three-member group of `suite` whose member 1 committed a ReInit to
/// `reinit`, merged by all: the (inactive) old groups.
fn reinitialized(suite: CipherSuite, reinit: &ReInit, seed: u64) -> (Vec<Group>, TestRng) {
    let mut h = three_members(suite, seed);
    let mut groups = take_groups(&mut h);
    let mut rng = TestRng::new(seed + 1000);
    commit_all(&mut groups, 1, Proposal::ReInit(reinit.clone()), &mut rng);
    (groups, rng)
}

fn reinit_to(suite: CipherSuite) -> ReInit {
    ReInit {
        group_id: b"the successor".to_vec(),
        version: ProtocolVersion::MLS10,
        cipher_suite: suite,
        extensions: successor_extensions(),
    }
}

/// Fresh KeyPackages of `suite` for the members named.
fn key_packages(suite: CipherSuite, names: &[&str], rng: &mut TestRng) -> Vec<KeyPackageBundle> {
    names.iter().map(|n| key_package(suite, n, rng)).collect()
}

fn public(bundles: &[KeyPackageBundle]) -> Vec<rfc9420::messages::KeyPackage> {
    bundles.iter().map(|b| b.key_package().clone()).collect()
}

/// `group`'s members in a harness of `suite`, to check agreement and
/// exchange messages.
fn harness_of(suite: CipherSuite, groups: Vec<Group>) -> Harness {
    let mut h = Harness::new(suite, GroupConfig::default(), 77);
    h.members = groups.into_iter().map(Some).collect();
    h
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

/// §11.2 end to end: a ReInit to another suite, merged by all; member 0
/// creates the successor; the others join it from the Welcome, resolving
/// the `reinit` PSK from their old groups; all agree and exchange
/// messages; the old groups refuse everything.
fn reinit_end_to_end(suite: CipherSuite) {
    let new_suite = next_suite(suite);
    let reinit = reinit_to(new_suite);
    let (groups, mut rng) = reinitialized(suite, &reinit, u64::from(suite.0));
    let last_epoch = groups[0].epoch();
    for g in &groups {
        assert!(!g.is_active());
        assert_eq!(g.reinit(), Some(&reinit));
        assert_eq!(g.epoch(), last_epoch);
    }
    // The ReInit and its epoch's resumption PSK survive a save and restore.
    let groups: Vec<Group> = groups
        .iter()
        .map(|g| {
            let bytes = g.to_bytes().unwrap();
            let restored =
                Group::from_bytes(RustCryptoProvider, GroupConfig::default(), &bytes).unwrap();
            assert_eq!(*restored.to_bytes().unwrap(), *bytes);
            assert_eq!(restored.reinit(), Some(&reinit));
            restored
        })
        .collect();

    let bundles = key_packages(new_suite, &["member-0", "member-1", "member-2"], &mut rng);
    let (successor, welcome) = groups[0]
        .reinit_successor(
            RustCryptoProvider,
            GroupConfig::default(),
            &bundles[0],
            public(&bundles[1..]),
            NOW,
            &mut rng,
        )
        .unwrap();
    let welcome = welcome.unwrap();
    assert_eq!(successor.epoch(), 1);
    assert_eq!(successor.cipher_suite(), new_suite);
    assert_eq!(successor.group_id(), reinit.group_id.as_slice());
    assert_eq!(successor.extensions(), &reinit.extensions);

    let mut new_groups = vec![successor];
    for i in 1..3 {
        let options = JoinOptions::default().resumption_from(&groups[i]);
        new_groups.push(join(&welcome, &bundles[i], options).unwrap());
    }
    let mut h = harness_of(new_suite, new_groups);
    h.assert_agree();
    h.exchange_messages();

    // §11.2: the old group is used no more.
    let mut old = groups.into_iter().next().unwrap();
    let before = old.to_bytes().unwrap();
    let refused = StateError::ReInitialized { epoch: last_epoch }.into();
    let e = old
        .create_commit(CommitOptions::default(), NOW, &mut rng)
        .unwrap_err();
    assert_eq!(e, refused);
    let e = old.create_message(b"late", b"", &mut rng).unwrap_err();
    assert_eq!(e, refused);
    let e = old
        .propose(
            Proposal::Remove(Remove {
                removed: LeafIndex(2),
            }),
            b"",
            NOW,
            &mut rng,
        )
        .unwrap_err();
    assert_eq!(e, refused);
    assert_eq!(*old.to_bytes().unwrap(), *before);
}

suites!(reinit_changes_suite, reinit_end_to_end; 1 => suite_1, 2 => suite_2, 4 => suite_4);

/// §11.2: a member of the old group processing anything after the ReInit
/// (here another member's commit of the same epoch, sent late) is refused
/// with its state unchanged.
#[test]
fn old_group_refuses_a_commit_after_the_reinit() {
    let suite = CipherSuite(1);
    let mut h = three_members(suite, 11);
    let mut groups = take_groups(&mut h);
    let mut rng = TestRng::new(12);
    // Member 2 commits in the same epoch, but member 1's ReInit wins.
    let late = groups[2]
        .create_commit(CommitOptions::default(), NOW, &mut rng)
        .unwrap()
        .commit;
    commit_all(&mut groups, 1, Proposal::ReInit(reinit_to(suite)), &mut rng);
    let epoch = groups[0].epoch();
    let before = groups[0].to_bytes().unwrap();
    let e = groups[0].process_message(&late, NOW).unwrap_err();
    assert_eq!(e, StateError::ReInitialized { epoch }.into());
    assert_eq!(*groups[0].to_bytes().unwrap(), *before);
}

/// §11.2, §11.3: a PreSharedKey proposal with usage `reinit` or `branch`
/// is invalid, by reference and by value.
#[test]
fn reinit_and_branch_psk_proposals_are_invalid() {
    let mut h = three_members(CipherSuite(1), 13);
    let group_id = h.group(0).group_id().to_vec();
    let epoch = h.group(0).epoch();
    for usage in [ResumptionPskUsage::Reinit, ResumptionPskUsage::Branch] {
        let psk = PreSharedKeyId {
            psk: PskKind::Resumption {
                usage,
                psk_group_id: group_id.clone(),
                psk_epoch: epoch,
            },
            psk_nonce: vec![9; 32],
        };
        let proposal = Proposal::PreSharedKey(PreSharedKey { psk });
        let before = h.group(0).to_bytes().unwrap();
        let mut rng = TestRng::new(14);
        let e = h
            .group(0)
            .propose(proposal.clone(), b"", NOW, &mut rng)
            .unwrap_err();
        assert_eq!(e, ProposalError::InvalidPskUsage(usage).into());
        let e = h
            .group(0)
            .create_commit(CommitOptions::with_proposals(vec![proposal]), NOW, &mut rng)
            .unwrap_err();
        assert_eq!(e, ProposalError::InvalidPskUsage(usage).into());
        assert_eq!(*h.group(0).to_bytes().unwrap(), *before);
    }
}

/// §11.2: the successor is created only from a re-initialized group, with
/// KeyPackages of the ReInit's suite and version, for exactly the old
/// group's members; each refusal leaves the old group unchanged.
#[test]
fn successor_must_match_the_reinit() {
    let suite = CipherSuite(1);
    let new_suite = CipherSuite(2);
    let reinit = reinit_to(new_suite);
    let (groups, mut rng) = reinitialized(suite, &reinit, 15);
    let old = &groups[0];
    let before = old.to_bytes().unwrap();
    let create = |own: &KeyPackageBundle, others: &[KeyPackageBundle], rng: &mut TestRng| {
        old.reinit_successor(
            RustCryptoProvider,
            GroupConfig::default(),
            own,
            public(others),
            NOW,
            rng,
        )
        .map(|_| ())
        .unwrap_err()
    };
    let bundles = key_packages(new_suite, &["member-0", "member-1", "member-2"], &mut rng);

    // A member missing: member-2 (leaf 2 of the old group).
    let e = create(&bundles[0], &bundles[1..2], &mut rng);
    assert_eq!(
        e,
        ResumptionError::OldMemberMissing { leaf: LeafIndex(2) }.into()
    );
    // A stranger instead of member-2: the new leaf 2.
    let stranger = key_packages(new_suite, &["stranger"], &mut rng);
    let others = [bundles[1].clone(), stranger[0].clone()];
    let e = create(&bundles[0], &others, &mut rng);
    assert_eq!(
        e,
        ResumptionError::MemberNotInOldGroup { leaf: LeafIndex(2) }.into()
    );
    // A stranger besides everyone.
    let others = [bundles[1].clone(), bundles[2].clone(), stranger[0].clone()];
    let e = create(&bundles[0], &others, &mut rng);
    assert_eq!(
        e,
        ResumptionError::MemberNotInOldGroup { leaf: LeafIndex(3) }.into()
    );
    // A KeyPackage of the old suite rather than the ReInit's.
    let old_suite = key_packages(suite, &["member-2"], &mut rng);
    let others = [bundles[1].clone(), old_suite[0].clone()];
    let e = create(&bundles[0], &others, &mut rng);
    assert_eq!(
        e,
        ResumptionError::CipherSuiteMismatch {
            expected: new_suite,
            found: suite
        }
        .into()
    );
    assert_eq!(*old.to_bytes().unwrap(), *before);

    // A ReInit to a version this member's KeyPackages are not of.
    let future = ReInit {
        version: ProtocolVersion(2),
        ..reinit_to(new_suite)
    };
    let (groups, mut rng) = reinitialized(suite, &future, 16);
    let e = groups[0]
        .reinit_successor(
            RustCryptoProvider,
            GroupConfig::default(),
            &bundles[0],
            public(&bundles[1..]),
            NOW,
            &mut rng,
        )
        .map(|_| ())
        .unwrap_err();
    assert_eq!(
        e,
        ResumptionError::VersionMismatch {
            expected: ProtocolVersion(2),
            found: ProtocolVersion::MLS10
        }
        .into()
    );

    // A group that was not re-initialized has no successor.
    let h = three_members(suite, 17);
    let active = h.members[0].as_ref().unwrap();
    let e = active
        .reinit_successor(
            RustCryptoProvider,
            GroupConfig::default(),
            &bundles[0],
            public(&bundles[1..]),
            NOW,
            &mut rng,
        )
        .map(|_| ())
        .unwrap_err();
    assert_eq!(e, ResumptionError::NotReInitialized.into());
}

/// §11.3 end to end: member 2 branches a subgroup with member 0; member
/// 0 joins, resolving the `branch` PSK from the parent; both agree and
/// exchange messages; the parent goes on.
fn branch_end_to_end(suite: CipherSuite) {
    let mut h = three_members(suite, 20 + u64::from(suite.0));
    let mut rng = TestRng::new(21);
    let bundles = key_packages(suite, &["member-2", "member-0"], &mut rng);
    let parent_epoch = h.group(2).epoch();
    let (subgroup, welcome) = h
        .group(2)
        .branch(
            RustCryptoProvider,
            GroupConfig::default(),
            &bundles[0],
            b"a subgroup".to_vec(),
            Extensions::default(),
            public(&bundles[1..]),
            NOW,
            &mut rng,
        )
        .unwrap();
    assert_eq!(subgroup.epoch(), 1);
    let options = JoinOptions::default().resumption_from(h.group(0));
    let joined = join(&welcome.unwrap(), &bundles[1], options).unwrap();
    let mut sub = harness_of(suite, vec![subgroup, joined]);
    sub.assert_agree();
    sub.exchange_messages();
    // The parent is unaffected.
    assert_eq!(h.group(0).epoch(), parent_epoch);
    h.exchange_messages();
    h.commit(1, CommitOptions::default(), vec![]).unwrap();
    h.assert_agree();
}

suites!(branch_subgroup, branch_end_to_end; 1 => suite_1, 2 => suite_2, 4 => suite_4);

/// §11.3: a subgroup member must be a parent member, and the KeyPackages
/// must be of the parent's suite.
#[test]
fn branch_with_a_stranger_is_refused() {
    let suite = CipherSuite(1);
    let mut h = three_members(suite, 22);
    let mut rng = TestRng::new(23);
    let bundles = key_packages(suite, &["member-2", "member-0", "stranger"], &mut rng);
    let before = h.group(2).to_bytes().unwrap();
    let branch =
        |g: &Group, others: &[KeyPackageBundle], own: &KeyPackageBundle, rng: &mut TestRng| {
            g.branch(
                RustCryptoProvider,
                GroupConfig::default(),
                own,
                b"a subgroup".to_vec(),
                Extensions::default(),
                public(others),
                NOW,
                rng,
            )
            .map(|_| ())
            .unwrap_err()
        };
    let e = branch(h.group(2), &bundles[1..], &bundles[0], &mut rng);
    assert_eq!(
        e,
        ResumptionError::MemberNotInOldGroup { leaf: LeafIndex(2) }.into()
    );
    // The same member twice is one member too many.
    let twice = key_packages(suite, &["member-0"], &mut rng);
    let others = [bundles[1].clone(), twice[0].clone()];
    let e = branch(h.group(2), &others, &bundles[0], &mut rng);
    assert_eq!(
        e,
        ResumptionError::MemberNotInOldGroup { leaf: LeafIndex(2) }.into()
    );
    let other_suite = key_packages(CipherSuite(2), &["member-0"], &mut rng);
    let e = branch(h.group(2), &other_suite, &bundles[0], &mut rng);
    assert_eq!(
        e,
        ResumptionError::CipherSuiteMismatch {
            expected: suite,
            found: CipherSuite(2)
        }
        .into()
    );
    assert_eq!(*h.group(2).to_bytes().unwrap(), *before);
}

/// §8.6, §12.4.3.1: a branch Welcome naming a parent epoch the joiner no
/// longer keeps fails with the group and epoch named.
#[test]
fn branch_welcome_of_an_epoch_not_kept() {
    let suite = CipherSuite(1);
    let config = GroupConfig {
        max_resumption_psks: 0,
        ..GroupConfig::default()
    };
    let mut h = Harness::new(suite, config.clone(), 24);
    let joiners = h.new_key_packages(2);
    h.commit(0, CommitOptions::default(), joiners).unwrap();
    let mut rng = TestRng::new(25);
    let bundles = key_packages(suite, &["member-2", "member-0"], &mut rng);
    let parent_id = h.group(2).group_id().to_vec();
    let parent_epoch = h.group(2).epoch();
    let (_, welcome) = h
        .group(2)
        .branch(
            RustCryptoProvider,
            config,
            &bundles[0],
            b"a subgroup".to_vec(),
            Extensions::default(),
            public(&bundles[1..]),
            NOW,
            &mut rng,
        )
        .unwrap();
    // The parent moves on; with `max_resumption_psks` 0 the branch's epoch
    // is gone.
    h.commit(1, CommitOptions::default(), vec![]).unwrap();
    let options = JoinOptions::default().resumption_from(h.group(0));
    let e = join(&welcome.unwrap(), &bundles[1], options).unwrap_err();
    assert_eq!(
        e,
        ProposalError::ResumptionPskNotKept {
            group_id: parent_id,
            epoch: parent_epoch
        }
        .into()
    );
}

/// §8.6: a commit's `application` resumption PSK of an epoch this group
/// no longer keeps fails with the group and epoch named; the state is
/// unchanged.
#[test]
fn commit_with_a_resumption_psk_not_kept() {
    let config = GroupConfig {
        max_resumption_psks: 1,
        ..GroupConfig::default()
    };
    let mut h = Harness::new(CipherSuite(1), config, 26);
    let joiners = h.new_key_packages(1);
    h.commit(0, CommitOptions::default(), joiners).unwrap();
    h.commit(1, CommitOptions::default(), vec![]).unwrap();
    h.commit(0, CommitOptions::default(), vec![]).unwrap();
    let group_id = h.group(0).group_id().to_vec();
    let psk = |epoch| {
        Proposal::PreSharedKey(PreSharedKey {
            psk: PreSharedKeyId {
                psk: PskKind::Resumption {
                    usage: ResumptionPskUsage::Application,
                    psk_group_id: group_id.clone(),
                    psk_epoch: epoch,
                },
                psk_nonce: vec![3; 32],
            },
        })
    };
    let current = h.group(0).epoch();
    // The previous epoch is kept, the one before is not.
    h.commit(
        0,
        CommitOptions::with_proposals(vec![psk(current - 1)]),
        vec![],
    )
    .unwrap();
    let before = h.group(0).to_bytes().unwrap();
    let mut rng = TestRng::new(27);
    let e = h
        .group(0)
        .create_commit(
            CommitOptions::with_proposals(vec![psk(current - 1)]),
            NOW,
            &mut rng,
        )
        .unwrap_err();
    assert_eq!(
        e,
        ProposalError::ResumptionPskNotKept {
            group_id: group_id.clone(),
            epoch: current - 1
        }
        .into()
    );
    assert_eq!(*h.group(0).to_bytes().unwrap(), *before);
}

/// §8.6: a Welcome naming an `application` resumption PSK of a group the
/// joiner holds: a member removed while offline (it never processes its
/// removal, which would wipe its secrets, §12.4.2) is added back with a
/// PSK of an epoch it shared, which it resolves from its old group;
/// without that group it cannot join.
fn application_psk_in_welcome(suite: CipherSuite) {
    let mut h = three_members(suite, 30 + u64::from(suite.0));
    let shared_epoch = h.group(2).epoch();
    let group_id = h.group(2).group_id().to_vec();
    let old = h.members[2].take().unwrap();
    h.commit(
        0,
        CommitOptions::with_proposals(vec![Proposal::Remove(Remove {
            removed: LeafIndex(2),
        })]),
        vec![],
    )
    .unwrap();
    // A seed no harness uses, so no key repeats.
    let mut rng = TestRng::new(3_100 + u64::from(suite.0));
    let back = key_package(suite, "member-2", &mut rng);
    let psk = PreSharedKeyId {
        psk: PskKind::Resumption {
            usage: ResumptionPskUsage::Application,
            psk_group_id: group_id,
            psk_epoch: shared_epoch,
        },
        psk_nonce: vec![
            5;
            SuiteCrypto::new(&RustCryptoProvider, suite)
                .unwrap()
                .hash_len()
        ],
    };
    let created = h
        .group(1)
        .create_commit(
            CommitOptions::with_proposals(vec![
                Proposal::Add(Add {
                    key_package: back.key_package().clone(),
                }),
                Proposal::PreSharedKey(PreSharedKey { psk: psk.clone() }),
            ]),
            NOW,
            &mut rng,
        )
        .unwrap();
    match h.group(0).process_message(&created.commit, NOW).unwrap() {
        Processed::Commit(staged) => h.group(0).merge_staged_commit(*staged).unwrap(),
        other => panic!("{other:?}"),
    }
    h.group(1).merge_staged_commit(created.staged).unwrap();
    let welcome = created.welcome.unwrap();
    let e = join(&welcome, &back, JoinOptions::default()).unwrap_err();
    assert_eq!(e, ProposalError::UnknownPsk(Box::new(psk)).into());
    let joined = join(
        &welcome,
        &back,
        JoinOptions::default().resumption_from(&old),
    )
    .unwrap();
    h.members.push(Some(joined));
    h.assert_agree();
    h.exchange_messages();
}

suites!(application_psk_welcome, application_psk_in_welcome; 1 => suite_1, 2 => suite_2, 4 => suite_4);

/// Re-encrypts a Welcome for `bundle` after `edit` changed its
/// GroupSecrets or GroupInfo, as a malicious committer holding the
/// linked group's PSK could; `psk_of` gives the secret of each PSK.
fn rewrap(
    welcome: &[u8],
    bundle: &KeyPackageBundle,
    psk_of: &dyn Fn(&PreSharedKeyId) -> Secret,
    edit: impl FnOnce(&mut GroupSecrets, &mut GroupInfo),
) -> Vec<u8> {
    let message: MlsMessage = decode_exact(welcome).unwrap();
    let MlsMessageBody::Welcome(w) = message.body else {
        panic!("not a Welcome")
    };
    let crypto = SuiteCrypto::new(&RustCryptoProvider, w.cipher_suite).unwrap();
    let welcome_secret = |secrets: &GroupSecrets| {
        let psks: Vec<(PreSharedKeyId, Secret)> = secrets
            .psks
            .iter()
            .map(|id| (id.clone(), psk_of(id)))
            .collect();
        let psk = psk_secret(&crypto, psks.iter().map(|(id, s)| (id, s))).unwrap();
        JoinerSecret::from_secret(&crypto, secrets.joiner_secret.clone())
            .unwrap()
            .welcome_secret(&crypto, &psk)
            .unwrap()
    };
    let mut secrets =
        decrypt_group_secrets(&crypto, &w, bundle.key_package(), bundle.init_private_key())
            .unwrap();
    let mut group_info = decrypt_group_info(&crypto, &w, &welcome_secret(&secrets)).unwrap();
    edit(&mut secrets, &mut group_info);
    let key_nonce = welcome_secret(&secrets).key_nonce(&crypto).unwrap();
    let encrypted_group_info = crypto
        .aead_seal(
            key_nonce.key().as_bytes(),
            key_nonce.nonce().as_bytes(),
            &[],
            &group_info.to_bytes().unwrap(),
        )
        .unwrap();
    let mut rng = TestRng::new(99);
    let encrypted_group_secrets = crypto
        .encrypt_with_label(
            &bundle.key_package().init_key,
            Welcome::LABEL,
            &encrypted_group_info,
            &secrets.to_bytes().unwrap(),
            &mut rng,
        )
        .unwrap();
    let entry = w
        .secrets
        .iter()
        .find(|e| {
            e.new_member.0
                == crypto
                    .key_package_ref(&bundle.key_package().to_bytes().unwrap())
                    .unwrap()
        })
        .unwrap();
    let rewrapped = Welcome {
        cipher_suite: w.cipher_suite,
        secrets: vec![EncryptedGroupSecrets {
            new_member: entry.new_member.clone(),
            encrypted_group_secrets,
        }],
        encrypted_group_info,
    };
    MlsMessage::new(MlsMessageBody::Welcome(rewrapped))
        .to_bytes()
        .unwrap()
}

/// A ReInit successor of a three-member group of suite 1 (to suite 2),
/// with what joining it takes: the Welcome, member 1's KeyPackage bundle
/// and old group.
fn successor_welcome(seed: u64) -> (Vec<u8>, KeyPackageBundle, Group) {
    let new_suite = CipherSuite(2);
    let (groups, mut rng) = reinitialized(CipherSuite(1), &reinit_to(new_suite), seed);
    let bundles = key_packages(new_suite, &["member-0", "member-1", "member-2"], &mut rng);
    let (_, welcome) = groups[0]
        .reinit_successor(
            RustCryptoProvider,
            GroupConfig::default(),
            &bundles[0],
            public(&bundles[1..]),
            NOW,
            &mut rng,
        )
        .unwrap();
    let old = groups.into_iter().nth(1).unwrap();
    (welcome.unwrap(), bundles[1].clone(), old)
}

/// The secret of a resumption PSK of `source`'s group.
fn psk_from(group: &Group) -> impl Fn(&PreSharedKeyId) -> Secret + '_ {
    let source = group.resumption_source();
    move |id| match &id.psk {
        PskKind::Resumption { psk_epoch, .. } => source.resumption_psk(*psk_epoch).unwrap().clone(),
        PskKind::External { .. } => panic!("no external PSK here"),
    }
}

/// §12.4.3.1: the rewrapped Welcome without edits still joins (so the
/// refusals below are the edits' doing).
#[test]
fn rewrapped_successor_welcome_joins() {
    let (welcome, bundle, old) = successor_welcome(40);
    let welcome = rewrap(&welcome, &bundle, &psk_from(&old), |_, _| {});
    join(
        &welcome,
        &bundle,
        JoinOptions::default().resumption_from(&old),
    )
    .unwrap();
}

/// §12.4.3.1: "verify that it is the only such PSK".
#[test]
fn welcome_with_two_link_psks() {
    let (welcome, bundle, old) = successor_welcome(41);
    let welcome = rewrap(&welcome, &bundle, &psk_from(&old), |secrets, _| {
        let mut second = secrets.psks[0].clone();
        second.psk_nonce[0] ^= 1;
        if let PskKind::Resumption { usage, .. } = &mut second.psk {
            *usage = ResumptionPskUsage::Branch;
        }
        secrets.psks.push(second);
    });
    let e = join(
        &welcome,
        &bundle,
        JoinOptions::default().resumption_from(&old),
    )
    .unwrap_err();
    assert_eq!(e, ResumptionError::MultipleLinkPsks { count: 2 }.into());
}

/// §11.2, §12.4.3.1: the GroupInfo of a linked group is of epoch 1.
#[test]
fn linked_group_info_of_epoch_two() {
    let (welcome, bundle, old) = successor_welcome(42);
    let welcome = rewrap(&welcome, &bundle, &psk_from(&old), |_, info| {
        info.group_context.epoch = 2;
    });
    let e = join(
        &welcome,
        &bundle,
        JoinOptions::default().resumption_from(&old),
    )
    .unwrap_err();
    assert_eq!(e, ResumptionError::EpochNotOne { epoch: 2 }.into());
}

/// §11.2: the successor's group ID and extensions are the ReInit's.
#[test]
fn successor_group_id_and_extensions_must_be_the_reinits() {
    let (welcome, bundle, old) = successor_welcome(43);
    let other_id = rewrap(&welcome, &bundle, &psk_from(&old), |_, info| {
        info.group_context.group_id = b"another id".to_vec();
    });
    let e = join(
        &other_id,
        &bundle,
        JoinOptions::default().resumption_from(&old),
    )
    .unwrap_err();
    assert_eq!(e, ResumptionError::GroupIdMismatch.into());
    let other_extensions = rewrap(&welcome, &bundle, &psk_from(&old), |_, info| {
        info.group_context.extensions = Extensions::default();
    });
    let e = join(
        &other_extensions,
        &bundle,
        JoinOptions::default().resumption_from(&old),
    )
    .unwrap_err();
    assert_eq!(e, ResumptionError::ExtensionsMismatch.into());
}

/// §12.4.3.1: a `reinit` PSK of a group whose last commit held no ReInit
/// (here the parent of a branch, relabelled `reinit`) is refused.
#[test]
fn reinit_psk_of_a_group_not_reinitialized() {
    let suite = CipherSuite(1);
    let mut h = three_members(suite, 44);
    let mut rng = TestRng::new(45);
    let bundles = key_packages(suite, &["member-2", "member-0"], &mut rng);
    let (_, welcome) = h
        .group(2)
        .branch(
            RustCryptoProvider,
            GroupConfig::default(),
            &bundles[0],
            b"a subgroup".to_vec(),
            Extensions::default(),
            public(&bundles[1..]),
            NOW,
            &mut rng,
        )
        .unwrap();
    let parent = h.members[0].take().unwrap();
    let epoch = parent.epoch();
    let welcome = rewrap(
        &welcome.unwrap(),
        &bundles[1],
        &psk_from(&parent),
        |secrets, _| {
            if let PskKind::Resumption { usage, .. } = &mut secrets.psks[0].psk {
                *usage = ResumptionPskUsage::Reinit;
            }
        },
    );
    let options = JoinOptions::default().resumption_from(&parent);
    let e = join(&welcome, &bundles[1], options).unwrap_err();
    assert_eq!(e, ResumptionError::NoReInitAtEpoch { epoch }.into());
}

/// §12.1.5: a ReInit to an older protocol version than the group's is
/// invalid (the reserved version 0 is older than `mls10`).
#[test]
fn reinit_downgrade_is_invalid() {
    let mut h = three_members(CipherSuite(1), 46);
    let proposal = Proposal::ReInit(ReInit {
        version: ProtocolVersion(0),
        ..reinit_to(CipherSuite(1))
    });
    let before = h.group(0).to_bytes().unwrap();
    let mut rng = TestRng::new(47);
    let e = h
        .group(0)
        .create_commit(CommitOptions::with_proposals(vec![proposal]), NOW, &mut rng)
        .unwrap_err();
    assert_eq!(
        e,
        ProposalError::ReInitDowngrade {
            current: ProtocolVersion::MLS10,
            proposed: ProtocolVersion(0)
        }
        .into()
    );
    assert_eq!(*h.group(0).to_bytes().unwrap(), *before);
}

/// Saved state of format version 2 (before the ReInit was saved) is still
/// restored, as a group without a ReInit, and saved again as version 3.
#[test]
fn saved_format_2_is_still_read() {
    let mut h = three_members(CipherSuite(1), 48);
    let v3 = h.group(1).to_bytes().unwrap();
    assert_eq!(&v3[8..10], &3u16.to_be_bytes());
    // Version 3 ends with `optional<ReInit> reinit`, absent here.
    assert_eq!(v3.last(), Some(&0));
    let mut v2 = v3[..v3.len() - 1].to_vec();
    v2[8..10].copy_from_slice(&2u16.to_be_bytes());
    let restored = Group::from_bytes(RustCryptoProvider, GroupConfig::default(), &v2).unwrap();
    assert_eq!(restored.reinit(), None);
    assert_eq!(*restored.to_bytes().unwrap(), *v3);
}
