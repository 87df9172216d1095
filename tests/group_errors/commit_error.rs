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

/// Member 1's commit with a path, its path leaf changed by `edit` and
/// signed again by member 1.
fn commit_with_edited_path_leaf(
    h: &mut Harness,
    seed: u64,
    edit: impl FnOnce(&mut rfc9420::tree::LeafNode),
) -> Vec<u8> {
    let created = h
        .group(1)
        .create_commit(CommitOptions::default(), NOW, &mut TestRng::new(seed))
        .unwrap();
    h.group(1).clear_pending_commit();
    let MlsMessageBody::PublicMessage(public) =
        decode_exact::<MlsMessage>(&created.commit).unwrap().body
    else {
        panic!("the harness sends PublicMessages");
    };
    let FramedContentBody::Commit(mut commit) = public.content.content else {
        panic!("not a commit");
    };
    let path = commit.path.as_mut().unwrap();
    edit(&mut path.leaf_node);
    let group_id = h.group(1).group_id().to_vec();
    let signer = Saved::of(h.group(1)).signer();
    path.leaf_node
        .sign(&crypto(), &signer, &group_id, LeafIndex(1))
        .unwrap();
    forge(
        h.group(1),
        Sender::Member(LeafIndex(1)),
        FramedContentBody::Commit(commit),
    )
}

#[test]
fn path_keeps_encryption_key() {
    let mut h = group_of(2, GroupConfig::default(), 32);
    let old_key = h.group(1).own_leaf_node().unwrap().encryption_key.clone();
    let message = commit_with_edited_path_leaf(&mut h, 320, |leaf| leaf.encryption_key = old_key);
    refuse(
        h.group(0),
        &message,
        CommitError::PathKeepsEncryptionKey(LeafIndex(1)).into(),
    );
}

/// RFC 9420 §7.5, §12.4.2: the path leaf has source `commit`.
#[test]
fn path_leaf_with_another_source() {
    let mut h = group_of(2, GroupConfig::default(), 35);
    let message = commit_with_edited_path_leaf(&mut h, 350, |leaf| {
        leaf.leaf_node_source = LeafNodeSource::Update;
    });
    refuse(
        h.group(0),
        &message,
        TreeError::WrongLeafNodeSource { leaf: LeafIndex(1) }.into(),
    );
}

/// RFC 9420 §13.4 (R-13.4-02): the path leaf's extensions hold each type
/// once.
#[test]
fn path_leaf_with_a_duplicate_extension() {
    let mut h = group_of(2, GroupConfig::default(), 36);
    let message =
        commit_with_edited_path_leaf(&mut h, 360, super::tree_error::twice_application_id);
    let want = TreeError::DuplicateLeafExtension {
        leaf: LeafIndex(1),
        extension_type: ExtensionType::APPLICATION_ID,
    };
    refuse(h.group(0), &message, want.into());
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
