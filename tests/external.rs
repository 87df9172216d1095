//! External joins (RFC 9420 §8.3, §12.4.3.2), end to end between
//! in-process members in suites 1, 2 and 4, and every validation rule of
//! an external commit with its exact error and the members' saved state
//! unchanged.

use rfc9420::codec::{Encode, decode_exact};
use rfc9420::crypto::{Secret, SuiteCrypto};
use rfc9420::framing::{
    AuthenticatedContent, FramedContentBody, FramingError, MlsMessageBody, PublicMessage,
};
use rfc9420::group::{
    CommitError, CommitOptions, ExternalCommitPolicy, ExternalJoinOptions, Group, GroupConfig,
    GroupInfoOptions, KeyPackageBundle, Processed, ProposalError,
};
use rfc9420::key_schedule::KeyScheduleError;
use rfc9420::messages::{
    Commit, ExternalInit, PreSharedKeyId, Proposal, ProposalOrRef, ProposalType, PskKind, Remove,
    Update, WireFormat,
};
use rfc9420::{CipherSuite, Error, LeafIndex, MlsMessage, RustCryptoProvider};
use rfc9420_test_support::group_harness::{Harness, NOW};
use rfc9420_test_support::rng::TestRng;

const SUITE_1: CipherSuite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;

/// A group of three, every member in the same epoch.
fn three_members(suite: CipherSuite, config: GroupConfig, seed: u64) -> Harness {
    let mut h = Harness::new(suite, config, seed);
    let joiners = h.new_key_packages(2);
    h.commit(0, CommitOptions::default(), joiners).unwrap();
    h
}

rfc9420_test_support::suites!(external_join_end_to_end, external_join_end_to_end;
    1 => suite_1, 2 => suite_2, 4 => suite_4);
/// A client joins from a GroupInfo carrying the tree, another with the
/// tree out of band; after each, everyone agrees and exchanges messages;
/// the new member then commits like any other.
fn external_join_end_to_end(suite: CipherSuite) {
    let mut h = three_members(suite, GroupConfig::default(), 40);
    let outsider = h.key_package_named("outsider");
    let commit = h
        .external_join(
            1,
            GroupInfoOptions::default(),
            &outsider,
            ExternalJoinOptions::default(),
        )
        .unwrap();
    h.assert_agree();
    h.exchange_messages();
    assert_eq!(h.active().len(), 4);
    // The members saw who joined and where.
    let message = decode_exact::<MlsMessage>(&commit).unwrap();
    assert_eq!(message.wire_format(), WireFormat::PUBLIC_MESSAGE);

    let second = h.key_package_named("second outsider");
    let out_of_band = GroupInfoOptions {
        ratchet_tree: false,
        external_pub: true,
    };
    h.external_join(0, out_of_band, &second, ExternalJoinOptions::default())
        .unwrap();
    h.assert_agree();
    // The first external joiner commits (a path) and removes the second.
    let second_leaf = h.group(4).own_leaf();
    let options = CommitOptions::with_proposals(vec![Proposal::Remove(Remove {
        removed: second_leaf,
    })]);
    h.commit(3, options, Vec::new()).unwrap();
    h.assert_agree();
    h.exchange_messages();
    assert_eq!(h.active().len(), 5 - 1);
}

/// Members see an external commit's effects: the committer is the new
/// member, which took the leftmost blank leaf.
#[test]
fn external_commit_effects_name_the_new_leaf() {
    let mut h = three_members(SUITE_1, GroupConfig::default(), 41);
    // Leaf 1 becomes blank: the joiner takes it.
    let options = CommitOptions::with_proposals(vec![Proposal::Remove(Remove {
        removed: LeafIndex(1),
    })]);
    h.commit(0, options, Vec::new()).unwrap();
    let (joined, _) = join(&mut h, 0, "outsider", ExternalJoinOptions::default());
    let Processed::Commit(staged) = h.group(0).process_message(&joined.commit, NOW).unwrap() else {
        panic!("not a commit");
    };
    let effects = staged.effects();
    assert_eq!(effects.external_joiner, Some(LeafIndex(1)));
    assert_eq!(joined.group.own_leaf(), LeafIndex(1));
    assert_eq!(
        effects.path_leaf.as_ref().map(|l| &l.credential),
        Some(&rfc9420::Credential::basic(b"outsider".to_vec()))
    );
    assert_eq!(
        staged.epoch_authenticator().map(Secret::as_bytes),
        Some(joined.group.epoch_authenticator().as_bytes())
    );
}

rfc9420_test_support::suites!(resync_replaces_the_old_leaf, resync_replaces_the_old_leaf;
    1 => suite_1, 2 => suite_2, 4 => suite_4);
/// A member that lost its state comes back by external commit with a new
/// KeyPackage of the same identity and removes its old leaf in the same
/// commit (a resync, RFC 9420 §12.4.3.2).
fn resync_replaces_the_old_leaf(suite: CipherSuite) {
    let mut h = three_members(suite, GroupConfig::default(), 42);
    let old_leaf = h.group(2).own_leaf();
    h.members[2] = None; // state lost
    let again = h.key_package_named("member-2");
    let options = ExternalJoinOptions {
        resync: Some(old_leaf),
        ..ExternalJoinOptions::default()
    };
    h.external_join(0, GroupInfoOptions::default(), &again, options)
        .unwrap();
    h.assert_agree();
    h.exchange_messages();
    let rejoined = h.members.len() - 1;
    assert_eq!(h.group(rejoined).own_leaf(), old_leaf);
    assert_eq!(h.group(0).members().count(), 3);
}

rfc9420_test_support::suites!(external_join_with_a_psk, external_join_with_a_psk;
    1 => suite_1, 2 => suite_2, 4 => suite_4);
/// An external commit that injects an external PSK every member holds.
fn external_join_with_a_psk(suite: CipherSuite) {
    let mut h = three_members(suite, GroupConfig::default(), 43);
    let crypto = SuiteCrypto::new(&RustCryptoProvider, suite).unwrap();
    let psk = Secret::new(vec![7; 32]);
    for i in h.active() {
        h.group(i)
            .psks_mut()
            .insert(b"shared".to_vec(), psk.clone());
    }
    let mut options = ExternalJoinOptions::default();
    options.psks.insert(b"shared".to_vec(), psk);
    options.psk_ids.push(PreSharedKeyId {
        psk: PskKind::External {
            psk_id: b"shared".to_vec(),
        },
        psk_nonce: vec![9; crypto.hash_len()],
    });
    let outsider = h.key_package_named("outsider");
    h.external_join(2, GroupInfoOptions::default(), &outsider, options)
        .unwrap();
    h.assert_agree();
    h.exchange_messages();
}

/// The joiner's group survives a save and restore, and a member that
/// lacks the PSK an external commit names refuses it.
#[test]
fn external_joiner_state_round_trips() {
    let mut h = three_members(SUITE_1, GroupConfig::default(), 44);
    let outsider = h.key_package_named("outsider");
    h.external_join(
        1,
        GroupInfoOptions::default(),
        &outsider,
        ExternalJoinOptions::default(),
    )
    .unwrap();
    let saved = h.group(3).to_bytes().unwrap();
    let restored = Group::from_bytes(RustCryptoProvider, h.config.clone(), &saved).unwrap();
    assert_eq!(restored.to_bytes().unwrap(), saved);
    h.members[3] = Some(restored);
    h.commit(3, CommitOptions::default(), Vec::new()).unwrap();
    h.assert_agree();
}

// ---------------------------------------------------------------------
// Negative tests: each asserts the exact error and unchanged state.
// ---------------------------------------------------------------------

/// `name` joins from member `exporter`'s GroupInfo; the commit is not
/// delivered.
fn join(
    h: &mut Harness,
    exporter: usize,
    name: &str,
    options: ExternalJoinOptions,
) -> (rfc9420::ExternalJoin<RustCryptoProvider>, KeyPackageBundle) {
    let bundle = h.key_package_named(name);
    let info = h
        .group(exporter)
        .group_info(&GroupInfoOptions::default())
        .unwrap();
    let seed = name.bytes().fold(4_400u64, |s, b| {
        s.wrapping_mul(31).wrapping_add(u64::from(b))
    });
    let mut rng = TestRng::new(seed);
    let joined = Group::join_external(
        RustCryptoProvider,
        h.config.clone(),
        &info,
        &bundle,
        options,
        NOW,
        &mut rng,
    )
    .unwrap();
    (joined, bundle)
}

/// The external commit `commit` with its Commit changed by `edit` and
/// signed again by the joiner, as a malicious joiner would send it; the
/// confirmation tag is the original's.
fn tampered(
    h: &mut Harness,
    commit: &[u8],
    bundle: &KeyPackageBundle,
    edit: impl FnOnce(&mut Commit),
) -> Vec<u8> {
    let message = decode_exact::<MlsMessage>(commit).unwrap();
    let MlsMessageBody::PublicMessage(public) = message.body else {
        panic!("external commits are PublicMessages");
    };
    let mut content = public.content.clone();
    let FramedContentBody::Commit(c) = &mut content.content else {
        panic!("not a commit");
    };
    edit(c);
    let context = h.group(0).context().clone();
    let crypto = SuiteCrypto::new(&RustCryptoProvider, context.cipher_suite).unwrap();
    let mut signed = AuthenticatedContent::sign(
        &crypto,
        bundle.signature_private_key(),
        WireFormat::PUBLIC_MESSAGE,
        content,
        Some(&context),
    )
    .unwrap();
    signed.auth.confirmation_tag = public.auth.confirmation_tag.clone();
    let public = PublicMessage::protect_non_member(signed).unwrap();
    MlsMessage::new(MlsMessageBody::PublicMessage(public))
        .to_bytes()
        .unwrap()
}

/// Every member refuses `message` with an error `check` accepts, and its
/// saved state is unchanged.
fn refused_by_all(h: &mut Harness, message: &[u8], check: impl Fn(&Error) -> bool) {
    for i in h.active() {
        let before = h.group(i).to_bytes().unwrap();
        let error = h.group(i).process_message(message, NOW).unwrap_err();
        assert!(check(&error), "member {i}: unexpected {error:?}");
        assert_eq!(h.group(i).to_bytes().unwrap(), before, "member {i} changed");
    }
}

#[test]
fn two_external_inits_are_refused() {
    let mut h = three_members(SUITE_1, GroupConfig::default(), 45);
    let (joined, bundle) = join(&mut h, 0, "outsider", ExternalJoinOptions::default());
    let bad = tampered(&mut h, &joined.commit, &bundle, |c| {
        let first = c.proposals[0].clone();
        c.proposals.push(first);
    });
    refused_by_all(&mut h, &bad, |e| {
        matches!(
            e,
            Error::Commit(CommitError::ExternalInitCount { count: 2 })
        )
    });
    // The original still goes through.
    h.deliver_commit(&joined.commit).unwrap();
}

#[test]
fn missing_external_init_is_refused() {
    let mut h = three_members(SUITE_1, GroupConfig::default(), 46);
    let (joined, bundle) = join(&mut h, 0, "outsider", ExternalJoinOptions::default());
    let bad = tampered(&mut h, &joined.commit, &bundle, |c| c.proposals.clear());
    refused_by_all(&mut h, &bad, |e| {
        matches!(
            e,
            Error::Commit(CommitError::ExternalInitCount { count: 0 })
        )
    });
}

#[test]
fn an_update_in_an_external_commit_is_refused() {
    let mut h = three_members(SUITE_1, GroupConfig::default(), 47);
    let (joined, bundle) = join(&mut h, 0, "outsider", ExternalJoinOptions::default());
    let leaf = h.group(1).own_leaf_node().unwrap().clone();
    let bad = tampered(&mut h, &joined.commit, &bundle, |c| {
        c.proposals
            .push(ProposalOrRef::Proposal(Box::new(Proposal::Update(
                Update { leaf_node: leaf },
            ))));
    });
    refused_by_all(&mut h, &bad, |e| {
        matches!(
            e,
            Error::Proposal(ProposalError::ProposalNotAllowed(ProposalType::UPDATE))
        )
    });
}

#[test]
fn an_external_commit_without_path_is_refused() {
    let mut h = three_members(SUITE_1, GroupConfig::default(), 48);
    let (joined, bundle) = join(&mut h, 0, "outsider", ExternalJoinOptions::default());
    let bad = tampered(&mut h, &joined.commit, &bundle, |c| c.path = None);
    refused_by_all(&mut h, &bad, |e| {
        matches!(e, Error::Commit(CommitError::PathRequired))
    });
}

#[test]
fn a_proposal_by_reference_in_an_external_commit_is_refused() {
    let mut h = three_members(SUITE_1, GroupConfig::default(), 49);
    let (joined, bundle) = join(&mut h, 0, "outsider", ExternalJoinOptions::default());
    let bad = tampered(&mut h, &joined.commit, &bundle, |c| {
        c.proposals
            .push(ProposalOrRef::Reference(rfc9420::messages::ProposalRef(
                vec![1; 32],
            )));
    });
    refused_by_all(&mut h, &bad, |e| {
        matches!(e, Error::Commit(CommitError::ExternalProposalByReference))
    });
}

#[test]
fn two_removes_in_an_external_commit_are_refused() {
    let mut h = three_members(SUITE_1, GroupConfig::default(), 50);
    let (joined, bundle) = join(&mut h, 0, "outsider", ExternalJoinOptions::default());
    let bad = tampered(&mut h, &joined.commit, &bundle, |c| {
        for removed in [LeafIndex(1), LeafIndex(2)] {
            c.proposals
                .push(ProposalOrRef::Proposal(Box::new(Proposal::Remove(
                    Remove { removed },
                ))));
        }
    });
    refused_by_all(&mut h, &bad, |e| {
        matches!(
            e,
            Error::Commit(CommitError::ExternalCommitRemoves { count: 2 })
        )
    });
}

/// A resync may only remove the joiner's own old appearance: with the
/// default policy, a leaf with the very same credential.
#[test]
fn removing_someone_else_is_refused() {
    let mut h = three_members(SUITE_1, GroupConfig::default(), 51);
    let options = ExternalJoinOptions {
        resync: Some(LeafIndex(1)),
        ..ExternalJoinOptions::default()
    };
    let (joined, _) = join(&mut h, 0, "mallory", options);
    refused_by_all(&mut h, &joined.commit, |e| {
        matches!(
            e,
            Error::Proposal(ProposalError::CredentialChangeRejected(LeafIndex(1)))
        )
    });
}

/// The policies: no external commits at all, or joins without resync.
#[test]
fn policy_refuses_external_commits_and_resyncs() {
    let refuse = GroupConfig {
        external_commits: ExternalCommitPolicy::Refuse,
        ..GroupConfig::default()
    };
    let mut h = three_members(SUITE_1, refuse, 52);
    let (joined, _) = join(&mut h, 0, "outsider", ExternalJoinOptions::default());
    refused_by_all(&mut h, &joined.commit, |e| {
        matches!(e, Error::Commit(CommitError::ExternalCommitRefused))
    });

    let join_only = GroupConfig {
        external_commits: ExternalCommitPolicy::JoinOnly,
        ..GroupConfig::default()
    };
    let mut h = three_members(SUITE_1, join_only, 53);
    let old_leaf = h.group(2).own_leaf();
    h.members[2] = None;
    let options = ExternalJoinOptions {
        resync: Some(old_leaf),
        ..ExternalJoinOptions::default()
    };
    let (joined, _) = join(&mut h, 0, "member-2", options);
    refused_by_all(
        &mut h,
        &joined.commit,
        |e| matches!(e, Error::Commit(CommitError::ResyncRefused(l)) if *l == old_leaf),
    );
}

/// With `JoinAndResyncBySuccessor`, the application's validator decides
/// whether a different credential may replace the removed one.
#[test]
fn resync_by_successor_asks_the_validator() {
    struct SameIdentityPrefix;
    impl rfc9420::tree::validate::CredentialValidator for SameIdentityPrefix {
        fn validate(
            &self,
            _: &rfc9420::Credential,
            _: &rfc9420::crypto::SignaturePublicKey,
        ) -> bool {
            true
        }
        fn validate_successor(
            &self,
            old: &rfc9420::Credential,
            new: &rfc9420::Credential,
            _: &rfc9420::crypto::SignaturePublicKey,
        ) -> bool {
            // "member-2" may come back as "member-2/renewed".
            old.has_identity(b"member-2") && new.has_identity(b"member-2/renewed")
        }
    }
    let config = GroupConfig {
        external_commits: ExternalCommitPolicy::JoinAndResyncBySuccessor,
        credentials: std::sync::Arc::new(SameIdentityPrefix),
        ..GroupConfig::default()
    };
    let mut h = three_members(SUITE_1, config, 54);
    let old_leaf = h.group(2).own_leaf();
    // Someone else's leaf: refused by the validator.
    let options = ExternalJoinOptions {
        resync: Some(LeafIndex(1)),
        ..ExternalJoinOptions::default()
    };
    let (joined, _) = join(&mut h, 0, "member-2/renewed", options);
    refused_by_all(&mut h, &joined.commit, |e| {
        matches!(
            e,
            Error::Proposal(ProposalError::CredentialChangeRejected(LeafIndex(1)))
        )
    });
    // Its own: accepted.
    h.members[2] = None;
    let again = h.key_package_named("member-2/renewed");
    let options = ExternalJoinOptions {
        resync: Some(old_leaf),
        ..ExternalJoinOptions::default()
    };
    h.external_join(0, GroupInfoOptions::default(), &again, options)
        .unwrap();
    h.assert_agree();
}

/// A KEM output that does not come from the GroupInfo's `external_pub`
/// gives the members another `init_secret`: the confirmation tag fails.
#[test]
fn a_foreign_kem_output_fails_the_confirmation_tag() {
    let mut h = three_members(SUITE_1, GroupConfig::default(), 55);
    let (joined, bundle) = join(&mut h, 0, "outsider", ExternalJoinOptions::default());
    let (other, _) = join(&mut h, 1, "other", ExternalJoinOptions::default());
    let other_kem_output = {
        let message = decode_exact::<MlsMessage>(&other.commit).unwrap();
        let MlsMessageBody::PublicMessage(public) = message.body else {
            panic!("not public");
        };
        let FramedContentBody::Commit(c) = public.content.content else {
            panic!("not a commit");
        };
        let ProposalOrRef::Proposal(p) = &c.proposals[0] else {
            panic!("by reference");
        };
        let Proposal::ExternalInit(ExternalInit { kem_output }) = p.as_ref() else {
            panic!("not an ExternalInit");
        };
        kem_output.clone()
    };
    let bad = tampered(&mut h, &joined.commit, &bundle, |c| {
        c.proposals[0] = ProposalOrRef::Proposal(Box::new(Proposal::ExternalInit(ExternalInit {
            kem_output: other_kem_output,
        })));
    });
    refused_by_all(&mut h, &bad, |e| {
        matches!(
            e,
            Error::KeySchedule(KeyScheduleError::ConfirmationTagMismatch)
        )
    });
}

/// A GroupInfo of an epoch that has ended: the commit names the old epoch.
#[test]
fn a_commit_from_a_stale_group_info_is_refused() {
    let mut h = three_members(SUITE_1, GroupConfig::default(), 56);
    let (joined, _) = join(&mut h, 0, "outsider", ExternalJoinOptions::default());
    h.commit(1, CommitOptions::default(), Vec::new()).unwrap();
    refused_by_all(&mut h, &joined.commit, |e| {
        matches!(e, Error::Framing(FramingError::WrongEpoch { .. }))
    });
}

/// Without `external_pub`, a GroupInfo cannot be used to join.
#[test]
fn a_group_info_without_external_pub_cannot_be_joined() {
    let mut h = three_members(SUITE_1, GroupConfig::default(), 57);
    let info = h
        .group(0)
        .group_info(&GroupInfoOptions {
            ratchet_tree: true,
            external_pub: false,
        })
        .unwrap();
    let bundle = h.key_package_named("outsider");
    let error = Group::join_external(
        RustCryptoProvider,
        GroupConfig::default(),
        &info,
        &bundle,
        ExternalJoinOptions::default(),
        NOW,
        &mut TestRng::new(1),
    )
    .unwrap_err();
    assert!(matches!(
        error,
        Error::Commit(CommitError::MissingExternalPub)
    ));
}

/// The GroupInfo a commit returns ([`CommitOptions::group_info`]) carries
/// `external_pub`: a client joins from it once the commit is merged.
#[test]
fn the_group_info_of_a_commit_lets_a_client_join() {
    let mut h = three_members(SUITE_1, GroupConfig::default(), 58);
    let mut rng = TestRng::new(580);
    let options = CommitOptions {
        group_info: true,
        ..CommitOptions::default()
    };
    let created = h.group(0).create_commit(options, NOW, &mut rng).unwrap();
    h.group(0).merge_pending_commit().unwrap();
    for i in [1, 2] {
        let Processed::Commit(staged) = h.group(i).process_message(&created.commit, NOW).unwrap()
        else {
            panic!("not a commit");
        };
        h.group(i).merge_staged_commit(*staged).unwrap();
    }
    let bundle = h.key_package_named("outsider");
    let joined = Group::join_external(
        RustCryptoProvider,
        h.config.clone(),
        &created.group_info.unwrap(),
        &bundle,
        ExternalJoinOptions::default(),
        NOW,
        &mut rng,
    )
    .unwrap();
    h.deliver_commit(&joined.commit).unwrap();
    h.members.push(Some(joined.group));
    h.assert_agree();
    h.exchange_messages();
}
