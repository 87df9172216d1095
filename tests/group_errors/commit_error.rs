//! CommitError: commits that break §12.4 or cannot be followed.

use super::*;

#[test]
fn path_required() {
    let mut h = group_of(3, GroupConfig::default(), 31);
    let message = forge_commit(h.group(1), by_value(vec![remove(2)]));
    refuse(h.group(0), &message, CommitError::PathRequired.into());
    // An empty commit needs a path too.
    let message = forge_commit(h.group(1), Vec::new());
    refuse(h.group(0), &message, CommitError::PathRequired.into());
}

#[test]
fn path_keeps_encryption_key() {
    let mut h = group_of(2, GroupConfig::default(), 32);
    let created = h
        .group(1)
        .create_commit(CommitOptions::default(), NOW, &mut TestRng::new(320))
        .unwrap();
    let MlsMessageBody::PublicMessage(public) =
        decode_exact::<MlsMessage>(&created.commit).unwrap().body
    else {
        panic!("the harness sends PublicMessages");
    };
    let FramedContentBody::Commit(mut commit) = public.content.content else {
        panic!("not a commit");
    };
    let path = commit.path.as_mut().unwrap();
    let old_key = h.group(1).own_leaf_node().unwrap().encryption_key.clone();
    path.leaf_node.encryption_key = old_key;
    let group_id = h.group(1).group_id().to_vec();
    let signer = Saved::of(h.group(1)).signer();
    path.leaf_node
        .sign(&crypto(), &signer, &group_id, LeafIndex(1))
        .unwrap();
    let message = forge(
        h.group(1),
        Sender::Member(LeafIndex(1)),
        FramedContentBody::Commit(commit),
    );
    refuse(
        h.group(0),
        &message,
        CommitError::PathKeepsEncryptionKey(LeafIndex(1)).into(),
    );
}

/// Reached only through edited state: `propose_update` keeps the new
/// leaf's private key for as long as its proposal is pending, so the
/// saved pending update keys are emptied.
#[test]
fn unknown_own_update() {
    let mut h = group_of(3, GroupConfig::default(), 33);
    h.propose_update(0).unwrap();
    let mut saved = Saved::of(h.group(0));
    assert_ne!(saved.fields[UPDATE_KEYS], [0], "an update key is kept");
    saved.fields[UPDATE_KEYS] = vec![0];
    let mut g = Group::from_bytes(
        RustCryptoProvider,
        GroupConfig::default(),
        &saved.to_bytes(),
    )
    .unwrap();
    let created = h
        .group(1)
        .create_commit(CommitOptions::default(), NOW, &mut TestRng::new(330))
        .unwrap();
    assert_eq!(created.staged.effects().updated.len(), 1);
    refuse(
        &mut g,
        &created.commit,
        CommitError::UnknownOwnUpdate(LeafIndex(0)).into(),
    );
}

/// Reached only through edited state: 2^64 - 1 epochs cannot be run.
#[test]
fn epoch_exhausted() {
    let mut h = group_of(2, GroupConfig::default(), 34);
    let mut saved = Saved::of(h.group(0));
    let mut context = saved.context();
    context.epoch = u64::MAX;
    saved.set_context(&context);
    let mut g = Group::from_bytes(
        RustCryptoProvider,
        GroupConfig::default(),
        &saved.to_bytes(),
    )
    .unwrap();
    assert_eq!(g.epoch(), u64::MAX);
    let before = g.to_bytes().unwrap();
    let joiner = h.new_key_packages(1).remove(0);
    for update_path in [true, false] {
        // An Add needs no path: without one, the epoch step itself
        // finds no next epoch; with one, the path's context does.
        let options = CommitOptions {
            proposals: vec![Proposal::Add(Add {
                key_package: joiner.key_package().clone(),
            })],
            update_path,
            ..CommitOptions::default()
        };
        let e = g
            .create_commit(options, NOW, &mut TestRng::new(340))
            .unwrap_err();
        assert_eq!(e, CommitError::EpochExhausted.into(), "path {update_path}");
        assert_eq!(*g.to_bytes().unwrap(), *before);
    }
}
