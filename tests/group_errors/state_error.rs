//! StateError: operations the state does not allow, and saved state that does not fit together.

use super::*;

#[test]
fn inactive_after_removal() {
    let mut h = group_of(3, GroupConfig::default(), 41);
    let mut removed = Group::from_bytes(
        RustCryptoProvider,
        GroupConfig::default(),
        &h.group(2).to_bytes().unwrap(),
    )
    .unwrap();
    let options = CommitOptions::with_proposals(vec![remove(2)]);
    let (commit, _) = h.commit(0, options, vec![]).unwrap();
    match removed.process_message(&commit, NOW).unwrap() {
        Processed::Commit(staged) => {
            assert!(staged.effects().removes_self);
            removed.merge_staged_commit(*staged).unwrap();
        }
        other => panic!("{other:?}"),
    }
    assert!(!removed.is_active());
    let mut rng = TestRng::new(410);
    let e = removed.create_message(b"hi", b"", &mut rng).unwrap_err();
    assert_eq!(e, StateError::Inactive.into());
    let message = h.group(1).create_message(b"hi", b"", &mut rng).unwrap();
    refuse(&mut removed, &message, StateError::Inactive.into());
    let e = removed
        .create_commit(CommitOptions::default(), NOW, &mut rng)
        .unwrap_err();
    assert_eq!(e, StateError::Inactive.into());
}

#[test]
fn stale_staged_commit() {
    let mut h = group_of(2, GroupConfig::default(), 42);
    let mut rng = TestRng::new(420);
    let own = h
        .group(0)
        .create_commit(CommitOptions::default(), NOW, &mut rng)
        .unwrap();
    // Member 1's commit wins the race.
    let theirs = h
        .group(1)
        .create_commit(CommitOptions::default(), NOW, &mut rng)
        .unwrap();
    let Processed::Commit(staged) = h.group(0).process_message(&theirs.commit, NOW).unwrap() else {
        panic!("not a commit");
    };
    h.group(0).merge_staged_commit(*staged).unwrap();
    let before = h.group(0).to_bytes().unwrap();
    let e = h.group(0).merge_staged_commit(own.staged).unwrap_err();
    assert_eq!(
        e,
        StateError::StaleStagedCommit {
            staged: 1,
            current: 2
        }
        .into()
    );
    assert_eq!(*h.group(0).to_bytes().unwrap(), *before);
}

#[test]
fn not_a_saved_group() {
    refuse_restore(b"MLSGRUOP\x00\x01", StateError::NotASavedGroup.into());
    refuse_restore(b"", StateError::NotASavedGroup.into());
}

#[test]
fn unsupported_version() {
    let mut h = group_of(1, GroupConfig::default(), 43);
    let mut saved = Saved::of(h.group(0));
    // The version after the one this crate writes.
    let version = u16::from_be_bytes([saved.fields[1][0], saved.fields[1][1]]) + 1;
    saved.fields[1] = version.to_be_bytes().to_vec();
    refuse_restore(
        &saved.to_bytes(),
        StateError::UnsupportedVersion(version).into(),
    );
}

#[test]
fn tree_hash_mismatch() {
    let mut h = group_of(2, GroupConfig::default(), 44);
    let mut saved = Saved::of(h.group(0));
    let mut context = saved.context();
    context.tree_hash[0] ^= 1;
    saved.set_context(&context);
    refuse_restore(&saved.to_bytes(), StateError::TreeHashMismatch.into());
}

#[test]
fn private_keys_mismatch() {
    let mut h = group_of(2, GroupConfig::default(), 45);
    let old = Saved::of(h.group(0));
    // A commit with a path gives member 0 a new leaf key.
    h.commit(0, CommitOptions::default(), vec![]).unwrap();
    let mut saved = Saved::of(h.group(0));
    saved.fields[PRIVATE] = old.fields[PRIVATE].clone();
    refuse_restore(&saved.to_bytes(), StateError::PrivateKeysMismatch.into());
}

#[test]
fn secret_tree_size() {
    let mut h = group_of(1, GroupConfig::default(), 46);
    let one_leaf = Saved::of(h.group(0));
    let joiners = h.new_key_packages(1);
    h.commit(0, CommitOptions::default(), joiners).unwrap();
    let mut saved = Saved::of(h.group(0));
    saved.fields[SECRET_TREE] = one_leaf.fields[SECRET_TREE].clone();
    let want = StateError::SecretTreeSize {
        secret_tree: 1,
        tree: 2,
    };
    refuse_restore(&saved.to_bytes(), want.into());
}

#[test]
fn past_epoch_out_of_order() {
    // The default configuration keeps one past epoch.
    let mut h = group_of(2, GroupConfig::default(), 47);
    h.commit(0, CommitOptions::default(), vec![]).unwrap();
    let mut saved = Saved::of(h.group(0));
    assert_ne!(saved.fields[PAST_EPOCHS], [0], "a past epoch is kept");
    // The past epoch 1 is not older than a current epoch 1.
    let mut context = saved.context();
    assert_eq!(context.epoch, 2);
    context.epoch = 1;
    saved.set_context(&context);
    let want = StateError::PastEpochOutOfOrder { epoch: 1 };
    refuse_restore(&saved.to_bytes(), want.into());
}

/// A staged commit of another member of the group, at the same epoch and
/// tree, holds that member's leaf and private keys.
#[test]
fn stale_staged_commit_of_another_member() {
    let mut h = group_of(2, GroupConfig::default(), 48);
    let theirs = h
        .group(1)
        .create_commit(CommitOptions::default(), NOW, &mut TestRng::new(480))
        .unwrap();
    let before = h.group(0).to_bytes().unwrap();
    let e = h.group(0).merge_staged_commit(theirs.staged).unwrap_err();
    assert_eq!(
        e,
        StateError::StaleStagedCommit {
            staged: 1,
            current: 1
        }
        .into()
    );
    assert_eq!(*h.group(0).to_bytes().unwrap(), *before);
    assert_eq!(h.group(0).own_leaf(), LeafIndex(0));
}

#[test]
fn pending_commit_out_of_place() {
    let mut h = group_of(2, GroupConfig::default(), 48);
    let mut rng = TestRng::new(480);
    h.group(0)
        .create_commit(CommitOptions::default(), NOW, &mut rng)
        .unwrap();
    assert!(h.group(0).has_pending_commit());
    let mut saved = Saved::of(h.group(0));
    // A pending commit of epoch 1 in a state at epoch 2.
    let mut context = saved.context();
    assert_eq!(context.epoch, 1);
    context.epoch = 2;
    saved.set_context(&context);
    let want = StateError::PendingCommitOutOfPlace { epoch: 1 };
    refuse_restore(&saved.to_bytes(), want.into());
}

#[test]
fn no_pending_commit() {
    let mut h = group_of(2, GroupConfig::default(), 49);
    let before = h.group(0).to_bytes().unwrap();
    assert_eq!(
        h.group(0).merge_pending_commit().unwrap_err(),
        Error::State(StateError::NoPendingCommit)
    );
    assert_eq!(h.group(0).to_bytes().unwrap(), before);
}

/// RFC 9420 §12.4.2 (R-12.4.2-07): a member that merges its own removal
/// keeps no secret of the group; a late message of the last epoch is read
/// by processing it before the merge.
#[test]
fn removal_wipes_the_group_secrets() {
    let config = GroupConfig {
        max_past_epochs: 2,
        ..GroupConfig::default()
    };
    let mut h = group_of(3, config.clone(), 42);
    h.commit(1, CommitOptions::default(), vec![]).unwrap();
    let mut rng = TestRng::new(420);
    let late = h.group(1).create_message(b"late", b"", &mut rng).unwrap();
    let options = CommitOptions::with_proposals(vec![remove(2)]);
    let created = h.group(0).create_commit(options, NOW, &mut rng).unwrap();
    let removed = h.group(2);
    let before = Saved::of(removed);
    assert!(!before.fields[PAST_EPOCHS].iter().all(|b| *b == 0));
    let Processed::Commit(staged) = removed.process_message(&created.commit, NOW).unwrap() else {
        panic!("not a commit");
    };
    assert!(staged.effects().removes_self);
    // Before the merge, the last epoch's messages are still readable.
    let Processed::Application(m) = removed.process_message(&late, NOW).unwrap() else {
        panic!("not application data");
    };
    assert_eq!(m.data, b"late");
    removed.merge_staged_commit(*staged).unwrap();
    assert!(!removed.is_active());
    let after = Saved::of(removed);
    let secrets = after.secrets();
    for s in [
        &secrets.sender_data_secret,
        &secrets.encryption_secret,
        &secrets.exporter_secret,
        &secrets.external_secret,
        &secrets.confirmation_key,
        &secrets.membership_key,
        &secrets.resumption_psk,
        &secrets.epoch_authenticator,
        &secrets.init_secret,
    ] {
        assert_eq!(s.len(), 32);
        assert!(s.as_bytes().iter().all(|b| *b == 0));
    }
    let tree: SecretTree = decode_exact(&after.fields[SECRET_TREE]).unwrap();
    let size = decode_exact::<SecretTree>(&before.fields[SECRET_TREE])
        .unwrap()
        .size();
    let zero = SecretTree::new(rfc9420::crypto::Secret::zero(32), size);
    assert_eq!(tree, zero);
    let private: TreeKemPrivate = decode_exact(&after.fields[PRIVATE]).unwrap();
    assert_eq!(private.nodes().count(), 0);
    // Past epochs and resumption PSKs: empty vectors.
    assert_eq!(after.fields[PAST_EPOCHS], [0]);
    assert_eq!(after.fields[PAST_EPOCHS + 1], [0]);
    // The public parts and the signature key stay; the state restores.
    assert_eq!(after.fields[CONTEXT], before.fields[CONTEXT]);
    assert_eq!(after.fields[SIGNER], before.fields[SIGNER]);
    let restored = Group::from_bytes(RustCryptoProvider, config, &after.to_bytes()).unwrap();
    assert!(!restored.is_active());
    // No exporter output from wiped secrets.
    let e = restored.export_secret("app", b"", 32).unwrap_err();
    assert_eq!(e, StateError::Inactive.into());
}
