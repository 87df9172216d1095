//! ProposalError: single proposals and proposal lists (RFC 9420 §12.1, §12.2).

use super::*;

#[test]
fn unknown_proposal_ref() {
    let mut h = group_of(3, GroupConfig::default(), 11);
    let unknown = ProposalRef(vec![7; 32]);
    let message = forge_commit(h.group(1), vec![ProposalOrRef::Reference(unknown.clone())]);
    refuse(
        h.group(0),
        &message,
        ProposalError::UnknownProposalRef(unknown).into(),
    );
}

#[test]
fn duplicate_proposal_ref() {
    let mut h = group_of(3, GroupConfig::default(), 12);
    h.propose(1, remove(2)).unwrap();
    let (reference, _, _) = h.group(0).pending_proposals().next().unwrap();
    let reference = reference.clone();
    let list = vec![
        ProposalOrRef::Reference(reference.clone()),
        ProposalOrRef::Reference(reference.clone()),
    ];
    let message = forge_commit(h.group(1), list);
    refuse(
        h.group(0),
        &message,
        ProposalError::DuplicateProposalRef(reference).into(),
    );
}

#[test]
fn committer_update() {
    let mut h = group_of(3, GroupConfig::default(), 13);
    let leaf_node = h.group(1).own_leaf_node().unwrap().clone();
    let update = Proposal::Update(Update { leaf_node });
    let message = forge_commit(h.group(1), by_value(vec![update]));
    refuse(
        h.group(0),
        &message,
        ProposalError::CommitterUpdate(LeafIndex(1)).into(),
    );
}

#[test]
fn committer_removed() {
    let mut h = group_of(3, GroupConfig::default(), 27);
    let message = forge_commit(h.group(1), by_value(vec![remove(1)]));
    refuse(
        h.group(0),
        &message,
        ProposalError::CommitterRemoved(LeafIndex(1)).into(),
    );
}

#[test]
fn duplicate_add() {
    let mut h = group_of(2, GroupConfig::default(), 28);
    // A client that is a member: a new KeyPackage of member 1, with the
    // signature key of leaf 1.
    let member = h.group(1).own_leaf_node().unwrap().clone();
    let again = KeyPackageBundle::generate(
        &crypto(),
        member.credential.clone(),
        &Saved::of(h.group(1)).signer(),
        member.signature_key.clone(),
        &rfc9420::group::KeyPackageOptions::default(),
        NOW,
        &mut TestRng::new(280),
    )
    .unwrap();
    let add = |kp: &KeyPackageBundle| {
        Proposal::Add(Add {
            key_package: kp.key_package().clone(),
        })
    };
    let message = forge_commit(h.group(1), by_value(vec![add(&again)]));
    let want = ProposalError::DuplicateAdd {
        existing: LeafIndex(1),
    };
    refuse(h.group(0), &message, invalid_add(0, &again, want.into()));
    // The same new client twice in one commit: the first Add took leaf 2.
    let kp = h.new_key_packages(1).remove(0);
    let message = forge_commit(h.group(1), by_value(vec![add(&kp), add(&kp)]));
    let want = ProposalError::DuplicateAdd {
        existing: LeafIndex(2),
    };
    refuse(h.group(0), &message, invalid_add(1, &kp, want.into()));
}

#[test]
fn unknown_psk() {
    let mut h = group_of(2, GroupConfig::default(), 29);
    // Member 0 does not hold the external PSK the commit names.
    let psk = Proposal::PreSharedKey(PreSharedKey {
        psk: external_psk(32),
    });
    let message = forge_commit(h.group(1), by_value(vec![psk]));
    let want = ProposalError::UnknownPsk(Box::new(external_psk(32)));
    refuse(h.group(0), &message, want.into());
}

#[test]
fn unsupported_group_extension() {
    let mut h = group_of(2, GroupConfig::default(), 30);
    let ext = Extension {
        extension_type: ExtensionType(0xff00),
        extension_data: Vec::new(),
    };
    let message = forge_proposal(h.group(1), group_context_extensions(vec![ext]));
    let want = ProposalError::UnsupportedGroupExtension {
        leaf: Some(LeafIndex(0)),
        extension_type: ExtensionType(0xff00),
    };
    refuse(h.group(0), &message, want.into());
}

#[test]
fn conflicting_leaf_changes() {
    let mut h = group_of(3, GroupConfig::default(), 14);
    let message = forge_commit(h.group(1), by_value(vec![remove(2), remove(2)]));
    refuse(
        h.group(0),
        &message,
        ProposalError::ConflictingLeafChanges(LeafIndex(2)).into(),
    );
}

#[test]
fn duplicate_extension() {
    let mut h = group_of(2, GroupConfig::default(), 15);
    let ext = Extension {
        extension_type: ExtensionType(0xff00),
        extension_data: vec![1],
    };
    let proposal = group_context_extensions(vec![ext.clone(), ext]);
    let message = forge_proposal(h.group(1), proposal);
    refuse(
        h.group(0),
        &message,
        ProposalError::DuplicateExtension(ExtensionType(0xff00)).into(),
    );
}

#[test]
fn duplicate_psk() {
    let mut h = group_of(2, GroupConfig::default(), 16);
    // The receiver holds the PSK: only its repetition is wrong.
    h.group(0)
        .psks_mut()
        .insert(b"psk".to_vec(), rfc9420::crypto::Secret::new(vec![9; 32]));
    let psk = Proposal::PreSharedKey(PreSharedKey {
        psk: external_psk(32),
    });
    let message = forge_commit(h.group(1), by_value(vec![psk.clone(), psk]));
    refuse(
        h.group(0),
        &message,
        ProposalError::DuplicatePsk(Box::new(external_psk(32))).into(),
    );
}

#[test]
fn invalid_psk_nonce() {
    let mut h = group_of(2, GroupConfig::default(), 17);
    let psk = Proposal::PreSharedKey(PreSharedKey {
        psk: external_psk(5),
    });
    let message = forge_proposal(h.group(1), psk);
    let want = ProposalError::InvalidPskNonce {
        len: 5,
        expected: 32,
    };
    refuse(h.group(0), &message, want.into());
}

#[test]
fn invalid_psk_usage() {
    let mut h = group_of(2, GroupConfig::default(), 18);
    for usage in [ResumptionPskUsage::Reinit, ResumptionPskUsage::Branch] {
        let psk = PreSharedKeyId {
            psk: PskKind::Resumption {
                usage,
                psk_group_id: h.group(1).group_id().to_vec(),
                psk_epoch: 0,
            },
            psk_nonce: vec![1; 32],
        };
        let proposal = Proposal::PreSharedKey(PreSharedKey { psk });
        let want = ProposalError::InvalidPskUsage(usage);
        // By reference, and by value in a commit.
        let message = forge_proposal(h.group(1), proposal.clone());
        refuse(h.group(0), &message, want.clone().into());
        let message = forge_commit(h.group(1), by_value(vec![proposal]));
        refuse(h.group(0), &message, want.into());
    }
}

#[test]
fn malformed_extension() {
    let mut h = group_of(2, GroupConfig::default(), 19);
    for extension_type in [
        ExtensionType::EXTERNAL_SENDERS,
        ExtensionType::REQUIRED_CAPABILITIES,
    ] {
        // A vector header announcing more bytes than follow.
        let ext = Extension {
            extension_type,
            extension_data: vec![0x05, 1],
        };
        let message = forge_proposal(h.group(1), group_context_extensions(vec![ext]));
        refuse(
            h.group(0),
            &message,
            ProposalError::MalformedExtension(extension_type).into(),
        );
    }
}

/// The same rule for a joiner: a GroupInfo's `ratchet_tree` and a
/// GroupContext's `external_senders` that do not decode.
#[test]
fn malformed_extension_in_a_welcome() {
    let (welcome, joiner) = welcome_for_one(56, CommitOptions::default());
    let garbage = |extension_type| Extension {
        extension_type,
        extension_data: vec![0x05, 1],
    };
    let tree = ExtensionType::RATCHET_TREE;
    let hostile = rewelcome(&welcome, &joiner, joiner.key_package(), |gi| {
        let ext = gi
            .extensions
            .0
            .iter_mut()
            .find(|e| e.extension_type == tree);
        *ext.expect("the Welcome carries the tree") = garbage(tree);
    });
    let e = join(&hostile, &joiner, JoinOptions::default()).unwrap_err();
    assert_eq!(e, ProposalError::MalformedExtension(tree).into());
    let senders = ExtensionType::EXTERNAL_SENDERS;
    let hostile = rewelcome(&welcome, &joiner, joiner.key_package(), |gi| {
        gi.group_context.extensions.0.push(garbage(senders));
    });
    let e = join(&hostile, &joiner, JoinOptions::default()).unwrap_err();
    assert_eq!(e, ProposalError::MalformedExtension(senders).into());
}

#[test]
fn multiple_group_context_extensions() {
    let mut h = group_of(2, GroupConfig::default(), 20);
    let gce = group_context_extensions(Vec::new());
    let message = forge_commit(h.group(1), by_value(vec![gce.clone(), gce]));
    refuse(
        h.group(0),
        &message,
        ProposalError::MultipleGroupContextExtensions.into(),
    );
}

#[test]
fn update_through_propose_not_allowed() {
    let mut h = group_of(2, GroupConfig::default(), 21);
    let leaf_node = h.group(0).own_leaf_node().unwrap().clone();
    let before = h.group(0).to_bytes().unwrap();
    let e = h
        .group(0)
        .propose(
            Proposal::Update(Update { leaf_node }),
            b"",
            NOW,
            &mut TestRng::new(210),
        )
        .unwrap_err();
    assert_eq!(
        e,
        ProposalError::ProposalNotAllowed(ProposalType::UPDATE).into()
    );
    assert_eq!(*h.group(0).to_bytes().unwrap(), *before);
}

#[test]
fn external_init_from_a_member_not_allowed() {
    let mut h = group_of(2, GroupConfig::default(), 22);
    let proposal = Proposal::ExternalInit(ExternalInit {
        kem_output: vec![1; 32],
    });
    // By reference.
    let message = forge_proposal(h.group(1), proposal.clone());
    let want = ProposalError::ProposalNotAllowed(ProposalType::EXTERNAL_INIT);
    refuse(h.group(0), &message, want.clone().into());
    // By value in a member's commit.
    let message = forge_commit(h.group(1), by_value(vec![proposal]));
    refuse(h.group(0), &message, want.into());
}

#[test]
fn reinit_downgrade() {
    let mut h = group_of(2, GroupConfig::default(), 23);
    let reinit = Proposal::ReInit(ReInit {
        group_id: b"next".to_vec(),
        version: ProtocolVersion(0),
        cipher_suite: SUITE,
        extensions: Extensions::new(),
    });
    let message = forge_proposal(h.group(1), reinit);
    let want = ProposalError::ReInitDowngrade {
        current: ProtocolVersion::MLS10,
        proposed: ProtocolVersion(0),
    };
    refuse(h.group(0), &message, want.into());
}

/// RFC 9420 §13.4 (R-13.4-02): a ReInit's extensions, the new group's
/// GroupContext extensions, hold each type once.
#[test]
fn reinit_with_a_duplicate_extension() {
    let mut h = group_of(2, GroupConfig::default(), 35);
    let ext = Extension {
        extension_type: ExtensionType(0xff00),
        extension_data: vec![1],
    };
    let reinit = Proposal::ReInit(ReInit {
        group_id: b"next".to_vec(),
        version: ProtocolVersion::MLS10,
        cipher_suite: SUITE,
        extensions: Extensions(vec![ext.clone(), ext]),
    });
    let message = forge_proposal(h.group(1), reinit);
    refuse(
        h.group(0),
        &message,
        ProposalError::DuplicateExtension(ExtensionType(0xff00)).into(),
    );
}

#[test]
fn reinit_with_others() {
    let mut h = group_of(3, GroupConfig::default(), 24);
    let reinit = Proposal::ReInit(ReInit {
        group_id: b"next".to_vec(),
        version: ProtocolVersion::MLS10,
        cipher_suite: SUITE,
        extensions: Extensions::new(),
    });
    let message = forge_commit(h.group(1), by_value(vec![reinit, remove(2)]));
    refuse(
        h.group(0),
        &message,
        ProposalError::ReInitWithOthers { others: 1 }.into(),
    );
}

#[test]
fn remove_non_member() {
    let mut h = group_of(2, GroupConfig::default(), 25);
    // By reference: checked on its own.
    let message = forge_proposal(h.group(1), remove(9));
    let want = ProposalError::RemoveNonMember(LeafIndex(9));
    refuse(h.group(0), &message, want.clone().into());
    // By value in a commit.
    let message = forge_commit(h.group(1), by_value(vec![remove(9)]));
    refuse(h.group(0), &message, want.into());
}

#[test]
fn update_keeps_encryption_key() {
    let mut h = group_of(2, GroupConfig::default(), 26);
    let saved = Saved::of(h.group(1));
    let mut leaf_node = h.group(1).own_leaf_node().unwrap().clone();
    leaf_node.leaf_node_source = LeafNodeSource::Update;
    let group_id = h.group(1).group_id().to_vec();
    leaf_node
        .sign(&crypto(), &saved.signer(), &group_id, LeafIndex(1))
        .unwrap();
    let message = forge_proposal(h.group(1), Proposal::Update(Update { leaf_node }));
    refuse(
        h.group(0),
        &message,
        ProposalError::UpdateKeepsEncryptionKey(LeafIndex(1)).into(),
    );
}

/// The error a commit's list gives for its Add at `index` of `kp`.
fn invalid_add(index: usize, kp: &KeyPackageBundle, error: Error) -> Error {
    let reference = crypto()
        .key_package_ref(&kp.key_package().to_bytes().unwrap())
        .unwrap();
    ProposalError::InvalidAdd {
        index,
        key_package: Some(rfc9420::messages::KeyPackageRef(reference)),
        error: Box::new(error),
    }
    .into()
}

/// An Update that changes the member's credential is handed to the
/// validator with the old credential (RFC 9420 §5.3.1); this one refuses.
#[test]
fn credential_change_rejected() {
    use std::sync::{Arc, Mutex};
    struct SameIdentity(Mutex<Vec<(Credential, Credential)>>);
    impl rfc9420::tree::validate::CredentialValidator for SameIdentity {
        fn validate(&self, _: &Credential, _: &rfc9420::crypto::SignaturePublicKey) -> bool {
            true
        }
        fn validate_successor(
            &self,
            old: &Credential,
            new: &Credential,
            _: &rfc9420::crypto::SignaturePublicKey,
        ) -> bool {
            self.0.lock().unwrap().push((old.clone(), new.clone()));
            old.identity() == new.identity()
        }
    }
    let seen = Arc::new(SameIdentity(Mutex::new(Vec::new())));
    let mut h = group_of(2, GroupConfig::default(), 27);
    h.group(0).set_config(GroupConfig {
        credentials: seen.clone(),
        wire_format: rfc9420::group::WireFormatPolicy::MIXED_PUBLIC,
        ..GroupConfig::default()
    });
    let saved = Saved::of(h.group(1));
    let old = h.group(1).own_leaf_node().unwrap().credential.clone();
    let mut leaf_node = h.group(1).own_leaf_node().unwrap().clone();
    leaf_node.leaf_node_source = LeafNodeSource::Update;
    leaf_node.credential = Credential::basic(b"mallory".to_vec());
    let (_, public) = crypto()
        .generate_hpke_key_pair(&mut TestRng::new(270))
        .unwrap();
    leaf_node.encryption_key = public;
    let group_id = h.group(1).group_id().to_vec();
    leaf_node
        .sign(&crypto(), &saved.signer(), &group_id, LeafIndex(1))
        .unwrap();
    let message = forge_proposal(h.group(1), Proposal::Update(Update { leaf_node }));
    refuse(
        h.group(0),
        &message,
        ProposalError::CredentialChangeRejected(LeafIndex(1)).into(),
    );
    let calls = seen.0.lock().unwrap().clone();
    assert_eq!(calls, vec![(old, Credential::basic(b"mallory".to_vec()))]);
}

/// A GroupContextExtensions proposal whose `external_senders` entry has a
/// credential the application refuses (RFC 9420 §5.3.1, §12.1.8.1).
#[test]
fn external_sender_rejected() {
    let refuse_mallory = |c: &Credential, _: &rfc9420::crypto::SignaturePublicKey| {
        c.identity() != Some(b"mallory".as_slice())
    };
    let config = GroupConfig {
        credentials: std::sync::Arc::new(refuse_mallory),
        wire_format: rfc9420::group::WireFormatPolicy::MIXED_PUBLIC,
        ..GroupConfig::default()
    };
    let mut h = group_of(2, config, 28);
    let saved = Saved::of(h.group(1));
    let sender = rfc9420::messages::ExternalSender {
        signature_key: h.group(1).own_leaf_node().unwrap().signature_key.clone(),
        credential: Credential::basic(b"mallory".to_vec()),
    };
    let _ = saved;
    let mut extensions = rfc9420::messages::Extensions::new();
    extensions
        .set(&rfc9420::messages::ExternalSenders(vec![sender]))
        .unwrap();
    let gce =
        Proposal::GroupContextExtensions(rfc9420::messages::GroupContextExtensions { extensions });
    let message = forge_proposal(h.group(1), gce);
    refuse(
        h.group(0),
        &message,
        ProposalError::ExternalSenderRejected { index: 0 }.into(),
    );
}

/// A two-member group whose GroupContext has extension 0xff00, which both
/// members list in their capabilities.
fn group_with_extension(seed: u64) -> (Harness, ExtensionType) {
    let extension_type = ExtensionType(0xff00);
    let mut options = rfc9420::group::KeyPackageOptions::default();
    options.capabilities.extensions.push(extension_type);
    let mut h = group_of(1, GroupConfig::default(), seed);
    let mut rng = TestRng::new(seed);
    let mut bundle = |name: &[u8]| {
        KeyPackageBundle::generate_with_new_signature_key(
            &crypto(),
            Credential::basic(name.to_vec()),
            &options,
            NOW,
            &mut rng,
        )
        .unwrap()
    };
    let (creator, second) = (bundle(b"creator"), bundle(b"second"));
    let extensions = Extensions(vec![Extension {
        extension_type,
        extension_data: Vec::new(),
    }]);
    let group = Group::create(
        RustCryptoProvider,
        h.config.clone(),
        &creator,
        b"a group with an extension".to_vec(),
        extensions,
        NOW,
        &mut TestRng::new(seed + 1),
    )
    .unwrap();
    h.members[0] = Some(group);
    h.commit(0, CommitOptions::default(), vec![second]).unwrap();
    (h, extension_type)
}

/// RFC 9420 §12.1.1, §13.4 (R-13.4-03): an Add of a KeyPackage that does
/// not list a GroupContext extension is invalid, created or received.
#[test]
fn add_lacking_a_group_extension() {
    let (mut h, extension_type) = group_with_extension(29);
    let kp = h.new_key_packages(1).remove(0);
    let add = Proposal::Add(Add {
        key_package: kp.key_package().clone(),
    });
    let unsupported = ProposalError::UnsupportedGroupExtension {
        leaf: None,
        extension_type,
    };
    let before = h.group(0).to_bytes().unwrap();
    let e = h
        .group(0)
        .create_commit(
            CommitOptions::with_proposals(vec![add.clone()]),
            NOW,
            &mut TestRng::new(290),
        )
        .unwrap_err();
    assert_eq!(e, invalid_add(0, &kp, unsupported.clone().into()));
    assert_eq!(*h.group(0).to_bytes().unwrap(), *before);
    let message = forge_commit(h.group(1), by_value(vec![add.clone()]));
    refuse(
        h.group(0),
        &message,
        invalid_add(0, &kp, unsupported.clone().into()),
    );
    // By reference: checked on its own.
    let message = forge_proposal(h.group(1), add);
    refuse(h.group(0), &message, unsupported.into());
}
