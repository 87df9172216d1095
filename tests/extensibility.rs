//! External senders (RFC 9420 §12.1.8, §12.1.8.1), application-defined
//! proposal types (§13, §12.2), credentials of any type (§5.3, §13.3) and
//! GREASE (§13.5), end to end between in-process members. Every negative
//! test asserts the exact error and that the refusing member's saved state
//! is unchanged.

use std::sync::Arc;

use rfc9420::codec::Encode;
use rfc9420::crypto::SignaturePrivateKey;
use rfc9420::framing::{
    AuthenticatedContent, FramedContent, FramedContentAuthData, FramedContentBody, FramingError,
    MlsMessageBody, PublicMessage, Sender, SenderType,
};
use rfc9420::group::{
    CommitOptions, CustomProposalPolicy, ExternalProposer, GreaseField, Group, GroupConfig,
    JoinOptions, KeyPackageBundle, KeyPackageError, MessageError, MessageSender, Processed,
    ProposalError, new_member_proposal,
};
use rfc9420::messages::{
    Add, CustomProposal, ExternalSender, ExternalSenders, GroupContextExtensions, Proposal,
    ProposalType, Remove, Update,
};
use rfc9420::tree::TreeError;
use rfc9420::tree::validate::CredentialValidator;
use rfc9420::{
    CipherSuite, Credential, CredentialType, Error, Extension, ExtensionType, Extensions,
    KeyPackageOptions, LeafIndex, MlsMessage, RustCryptoProvider, SuiteCrypto, WireFormat,
};
use rfc9420_test_support::group_harness::{Harness, NOW};
use rfc9420_test_support::rng::TestRng;
use rfc9420_test_support::suites;

const SUITE_1: CipherSuite = CipherSuite(1);
/// The application-defined proposal type of these tests (private use).
const CUSTOM: ProposalType = ProposalType(0xf0f0);
/// The application-defined credential type of these tests.
const OTHER_CREDENTIAL: CredentialType = CredentialType(0xf001);

fn crypto(suite: CipherSuite) -> SuiteCrypto<'static> {
    SuiteCrypto::new(&RustCryptoProvider, suite).unwrap()
}

/// A configuration that accepts every proposal from a non-member.
fn accepting() -> GroupConfig {
    GroupConfig {
        proposals: Arc::new(|_: &Proposal, _: &MessageSender| true),
        ..GroupConfig::default()
    }
}

/// An external sender's key pair and its `external_senders` entry.
fn external_sender(
    suite: CipherSuite,
    name: &str,
    rng: &mut TestRng,
) -> (SignaturePrivateKey, ExternalSender) {
    let (signer, signature_key) = crypto(suite).generate_signature_key_pair(rng).unwrap();
    let entry = ExternalSender {
        signature_key,
        credential: Credential::basic(name.as_bytes().to_vec()),
    };
    (signer, entry)
}

fn with_external_senders(senders: Vec<ExternalSender>) -> Extensions {
    let mut extensions = Extensions::new();
    extensions.set(&ExternalSenders(senders)).unwrap();
    extensions
}

/// A harness whose group was created with `extensions` and `config`,
/// grown to `members` members, and the creator's KeyPackage options.
fn harness_with(
    suite: CipherSuite,
    config: GroupConfig,
    extensions: Extensions,
    options: &KeyPackageOptions,
    members: usize,
    seed: u64,
) -> Harness {
    let mut h = Harness::new(suite, config.clone(), seed);
    let creator = bundle(suite, "creator", options, &mut h.rng);
    let group = Group::create(
        RustCryptoProvider,
        config,
        &creator,
        format!("extensibility {seed}").into_bytes(),
        extensions,
        NOW,
        &mut h.rng,
    )
    .unwrap();
    h.members[0] = Some(group);
    let joiners = (1..members)
        .map(|i| bundle(suite, &format!("member-{i}"), options, &mut h.rng))
        .collect();
    h.commit(0, CommitOptions::default(), joiners).unwrap();
    h
}

fn bundle(
    suite: CipherSuite,
    name: &str,
    options: &KeyPackageOptions,
    rng: &mut TestRng,
) -> KeyPackageBundle {
    KeyPackageBundle::generate_with_new_signature_key(
        &crypto(suite),
        Credential::basic(name.as_bytes().to_vec()),
        options,
        NOW,
        rng,
    )
    .unwrap()
}

/// Every active member processes `message` as a proposal and stores it;
/// returns the proposals as received by the first.
fn deliver_proposal(h: &mut Harness, message: &[u8]) -> Vec<MessageSender> {
    let mut senders = Vec::new();
    for i in h.active() {
        match h.group(i).process_message(message, NOW).unwrap() {
            Processed::Proposal(p) => senders.push(p.sender_info.clone()),
            other => panic!("member {i} got {other:?}"),
        }
    }
    senders
}

/// Member `committer` commits the pending proposals (and `options`);
/// the others process and merge; `joiners` join from the Welcome.
/// Returns the commit's effects as the committer saw them.
fn commit_pending(
    h: &mut Harness,
    committer: usize,
    options: CommitOptions,
    joiners: &[KeyPackageBundle],
) -> rfc9420::CommitEffects {
    let mut rng = std::mem::replace(&mut h.rng, TestRng::new(0));
    let created = h.group(committer).create_commit(options, NOW, &mut rng);
    h.rng = rng;
    let created = created.unwrap();
    let effects = created.staged.effects().clone();
    for i in h.active() {
        if i == committer {
            continue;
        }
        match h.group(i).process_message(&created.commit, NOW).unwrap() {
            Processed::Commit(staged) => {
                assert_eq!(staged.effects().custom_proposals, effects.custom_proposals);
                h.group(i).merge_staged_commit(*staged).unwrap();
            }
            other => panic!("member {i} got {other:?}"),
        }
    }
    h.group(committer)
        .merge_staged_commit(created.staged)
        .unwrap();
    for i in 0..h.members.len() {
        if h.members[i].as_ref().is_some_and(|g| !g.is_active()) {
            h.members[i] = None;
        }
    }
    if let Some(welcome) = &created.welcome {
        for kp in joiners {
            let g = Group::join(
                RustCryptoProvider,
                h.config.clone(),
                welcome,
                kp,
                JoinOptions::default(),
                NOW,
            )
            .unwrap();
            h.members.push(Some(g));
        }
    }
    effects
}

// ---------------------------------------------------------------------
// External senders (RFC 9420 §12.1.8, §12.1.8.1)
// ---------------------------------------------------------------------

/// RFC 9420 §12.1.8.1: an external sender set at creation proposes an Add,
/// one added by a GroupContextExtensions commit proposes a Remove; members
/// commit both by reference and agree.
fn external_senders_add_and_remove(suite: CipherSuite) {
    let mut rng = TestRng::new(1000 + u64::from(suite.0));
    let (signer_a, entry_a) = external_sender(suite, "server-a", &mut rng);
    let (signer_b, entry_b) = external_sender(suite, "server-b", &mut rng);
    let extensions = with_external_senders(vec![entry_a.clone()]);
    let options = KeyPackageOptions::default();
    let mut h = harness_with(suite, accepting(), extensions, &options, 3, 100);
    let server_a = ExternalProposer::new(RustCryptoProvider, suite, 0, signer_a);
    assert_eq!(server_a.sender_index(), 0);

    // Server A proposes adding a new client.
    let joiner = bundle(suite, "joiner", &options, &mut rng);
    let (group_id, epoch) = (h.group(0).group_id().to_vec(), h.group(0).epoch());
    let add = Proposal::Add(Add {
        key_package: joiner.key_package().clone(),
    });
    let message = server_a.propose(&group_id, epoch, add, b"ad").unwrap();
    let senders = deliver_proposal(&mut h, &message);
    for s in &senders {
        assert_eq!(s.sender, Sender::External(0));
        assert_eq!(s.credential, entry_a.credential);
        assert_eq!(s.signature_key, entry_a.signature_key);
    }
    let effects = commit_pending(&mut h, 1, CommitOptions::default(), &[joiner]);
    assert_eq!(effects.added.len(), 1);
    h.assert_agree();
    h.exchange_messages();

    // A GroupContextExtensions commit adds server B at index 1.
    let both = with_external_senders(vec![entry_a, entry_b.clone()]);
    let gce = Proposal::GroupContextExtensions(GroupContextExtensions { extensions: both });
    h.commit(2, CommitOptions::with_proposals(vec![gce]), vec![])
        .unwrap();
    let server_b = ExternalProposer::new(RustCryptoProvider, suite, 1, signer_b);
    let removed = h.group(3).own_leaf();
    let epoch = h.group(0).epoch();
    let remove = Proposal::Remove(Remove { removed });
    let message = server_b.propose(&group_id, epoch, remove, b"").unwrap();
    let senders = deliver_proposal(&mut h, &message);
    assert!(senders.iter().all(|s| s.credential == entry_b.credential));
    let effects = commit_pending(&mut h, 0, CommitOptions::default(), &[]);
    assert_eq!(effects.removed.len(), 1);
    assert_eq!(effects.removed[0].0, removed);
    assert_eq!(h.active(), vec![0, 1, 2]);
    h.assert_agree();
    h.exchange_messages();
}

suites!(external_senders_add_and_remove, external_senders_add_and_remove;
    1 => suite_1, 2 => suite_2, 4 => suite_4);

/// RFC 9420 §12.1.8.1: a sender index past the `external_senders` list
/// names no one.
#[test]
fn external_sender_index_out_of_range() {
    let mut rng = TestRng::new(1100);
    let (_, entry) = external_sender(SUITE_1, "server", &mut rng);
    let (stranger, _) = external_sender(SUITE_1, "stranger", &mut rng);
    let extensions = with_external_senders(vec![entry]);
    let mut h = harness_with(
        SUITE_1,
        accepting(),
        extensions,
        &KeyPackageOptions::default(),
        2,
        110,
    );
    let proposer = ExternalProposer::new(RustCryptoProvider, SUITE_1, 5, stranger);
    let (group_id, epoch) = (h.group(0).group_id().to_vec(), h.group(0).epoch());
    let remove = Proposal::Remove(Remove {
        removed: LeafIndex(1),
    });
    let message = proposer.propose(&group_id, epoch, remove, b"").unwrap();
    let before = h.group(0).to_bytes().unwrap();
    assert_eq!(
        h.group(0).process_message(&message, NOW).unwrap_err(),
        Error::Message(MessageError::UnknownExternalSender(5))
    );
    assert_eq!(h.group(0).to_bytes().unwrap(), before);
}

/// RFC 9420 §12.1.8: an Update from an `external` sender is malformed;
/// the sender cannot make one, and a member refuses a hand-made one.
#[test]
fn update_from_an_external_sender_is_refused() {
    let mut rng = TestRng::new(1200);
    let (signer, entry) = external_sender(SUITE_1, "server", &mut rng);
    let extensions = with_external_senders(vec![entry]);
    let mut h = harness_with(
        SUITE_1,
        accepting(),
        extensions,
        &KeyPackageOptions::default(),
        2,
        120,
    );
    let (group_id, epoch) = (h.group(0).group_id().to_vec(), h.group(0).epoch());
    let leaf_node = h.group(1).own_leaf_node().unwrap().clone();
    let update = Proposal::Update(Update { leaf_node });
    let refused = Error::Framing(FramingError::ProposalTypeNotAllowed {
        sender_type: SenderType::External,
        proposal_type: ProposalType::UPDATE,
    });
    let proposer = ExternalProposer::new(RustCryptoProvider, SUITE_1, 0, signer.clone());
    assert_eq!(
        proposer
            .propose(&group_id, epoch, update.clone(), b"")
            .unwrap_err(),
        refused
    );
    // Signed by hand with the external sender's key, as a buggy or
    // hostile sender would.
    let content = FramedContent {
        group_id,
        epoch,
        sender: Sender::External(0),
        authenticated_data: Vec::new(),
        content: FramedContentBody::Proposal(update),
    };
    let tbs = content.tbs_bytes(WireFormat::PUBLIC_MESSAGE, None).unwrap();
    let signature = crypto(SUITE_1)
        .sign_with_label(&signer, "FramedContentTBS", &tbs)
        .unwrap();
    let message = MlsMessage::new(MlsMessageBody::PublicMessage(PublicMessage {
        content,
        auth: FramedContentAuthData {
            signature,
            confirmation_tag: None,
        },
        membership_tag: None,
    }))
    .to_bytes()
    .unwrap();
    let before = h.group(0).to_bytes().unwrap();
    assert_eq!(
        h.group(0).process_message(&message, NOW).unwrap_err(),
        refused
    );
    assert_eq!(h.group(0).to_bytes().unwrap(), before);
}

/// RFC 9420 §5.3.1: an external sender's credential goes to the
/// application's validator when its proposal arrives; one it no longer
/// accepts is refused.
#[test]
fn external_sender_credential_is_validated_at_receipt() {
    let mut rng = TestRng::new(1300);
    let (signer, entry) = external_sender(SUITE_1, "revoked", &mut rng);
    let extensions = with_external_senders(vec![entry]);
    let mut h = harness_with(
        SUITE_1,
        accepting(),
        extensions,
        &KeyPackageOptions::default(),
        2,
        130,
    );
    let proposer = ExternalProposer::new(RustCryptoProvider, SUITE_1, 0, signer);
    let (group_id, epoch) = (h.group(0).group_id().to_vec(), h.group(0).epoch());
    let remove = Proposal::Remove(Remove {
        removed: LeafIndex(1),
    });
    let message = proposer.propose(&group_id, epoch, remove, b"").unwrap();
    let revoked =
        |c: &Credential, _: &rfc9420::crypto::SignaturePublicKey| !c.has_identity(b"revoked");
    h.group(0).set_config(GroupConfig {
        credentials: Arc::new(revoked),
        ..accepting()
    });
    let before = h.group(0).to_bytes().unwrap();
    assert_eq!(
        h.group(0).process_message(&message, NOW).unwrap_err(),
        Error::Proposal(ProposalError::ExternalSenderRejected { index: 0 })
    );
    assert_eq!(h.group(0).to_bytes().unwrap(), before);
}

/// RFC 9420 §12.1.8: a client asks to join with a `new_member_proposal`;
/// a member whose policy accepts it commits it and the client joins.
fn new_member_proposal_joins(suite: CipherSuite) {
    let mut h = harness_with(
        suite,
        accepting(),
        Extensions::new(),
        &KeyPackageOptions::default(),
        2,
        140 + u64::from(suite.0),
    );
    let joiner = bundle(suite, "asks", &KeyPackageOptions::default(), &mut h.rng);
    let (group_id, epoch) = (h.group(0).group_id().to_vec(), h.group(0).epoch());
    let message = new_member_proposal(&RustCryptoProvider, &joiner, &group_id, epoch, b"").unwrap();
    let senders = deliver_proposal(&mut h, &message);
    assert!(senders.iter().all(|s| s.sender == Sender::NewMemberProposal
        && s.credential == joiner.key_package().leaf_node.credential));
    let effects = commit_pending(&mut h, 1, CommitOptions::default(), &[joiner]);
    assert_eq!(effects.added.len(), 1);
    h.assert_agree();
    h.exchange_messages();
}

suites!(new_member_proposal_joins, new_member_proposal_joins;
    1 => suite_1, 2 => suite_2, 4 => suite_4);

// ---------------------------------------------------------------------
// Application-defined proposals (RFC 9420 §13, §12.2)
// ---------------------------------------------------------------------

/// Accepts proposals of type [`CUSTOM`], from members and from external
/// senders, with or without a path as `path` says.
struct CustomPolicy {
    path: bool,
}

impl CustomProposalPolicy for CustomPolicy {
    fn requires_path(&self, proposal_type: ProposalType) -> bool {
        proposal_type != CUSTOM || self.path
    }

    fn validate(&self, proposal: &CustomProposal, _: &Sender) -> bool {
        proposal.proposal_type == CUSTOM
    }
}

fn custom_config(path: bool) -> GroupConfig {
    GroupConfig {
        custom_proposals: Arc::new(CustomPolicy { path }),
        ..accepting()
    }
}

fn supports_custom() -> KeyPackageOptions {
    let mut options = KeyPackageOptions::default();
    options.capabilities.proposals.push(CUSTOM);
    options
}

fn custom(data: &[u8]) -> Proposal {
    Proposal::Custom(CustomProposal {
        proposal_type: CUSTOM,
        data: data.to_vec(),
    })
}

/// RFC 9420 §13: members that all list a proposal type in their
/// capabilities exchange it by reference and by value (and from an
/// external sender); the commit's effects carry it for the application.
fn custom_proposals_end_to_end(suite: CipherSuite) {
    let mut rng = TestRng::new(1500 + u64::from(suite.0));
    let (signer, entry) = external_sender(suite, "server", &mut rng);
    let mut h = harness_with(
        suite,
        custom_config(false),
        with_external_senders(vec![entry]),
        &supports_custom(),
        3,
        150 + u64::from(suite.0),
    );
    let mut rng = TestRng::new(1501);
    let (by_ref, _) = h
        .group(1)
        .propose(custom(b"by reference"), b"", NOW, &mut rng)
        .unwrap();
    for i in [0, 2] {
        let Processed::Proposal(p) = h.group(i).process_message(&by_ref, NOW).unwrap() else {
            panic!("not a proposal");
        };
        assert_eq!(p.proposal, custom(b"by reference"));
    }
    let (group_id, epoch) = (h.group(0).group_id().to_vec(), h.group(0).epoch());
    let server = ExternalProposer::new(RustCryptoProvider, suite, 0, signer);
    let external = server
        .propose(&group_id, epoch, custom(b"external"), b"")
        .unwrap();
    deliver_proposal(&mut h, &external);
    // No path: the policy says this type needs none.
    let options = CommitOptions {
        proposals: vec![custom(b"by value")],
        update_path: false,
        ..CommitOptions::default()
    };
    let effects = commit_pending(&mut h, 0, options, &[]);
    let data: Vec<&[u8]> = effects
        .custom_proposals
        .iter()
        .map(|p| p.data.as_slice())
        .collect();
    assert_eq!(data, [&b"by reference"[..], b"external", b"by value"]);
    assert!(effects.path_leaf.is_none());
    h.assert_agree();
    h.exchange_messages();
}

suites!(custom_proposals_end_to_end, custom_proposals_end_to_end;
    1 => suite_1, 2 => suite_2, 4 => suite_4);

/// RFC 9420 §17.4 "Path Required": a type whose policy requires a path
/// gets one even when the committer asks for none.
#[test]
fn custom_proposal_that_requires_a_path_gets_one() {
    let mut h = harness_with(
        SUITE_1,
        custom_config(true),
        Extensions::new(),
        &supports_custom(),
        2,
        160,
    );
    let options = CommitOptions {
        proposals: vec![custom(b"x")],
        update_path: false,
        ..CommitOptions::default()
    };
    let effects = commit_pending(&mut h, 0, options, &[]);
    assert!(effects.path_leaf.is_some());
    h.assert_agree();
}

/// RFC 9420 §12.2, §13: a proposal type one member does not list is not
/// sent, by reference or in a commit.
#[test]
fn custom_proposal_not_supported_by_a_member_is_refused() {
    let mut h = harness_with(
        SUITE_1,
        custom_config(false),
        Extensions::new(),
        &supports_custom(),
        2,
        170,
    );
    // A third member who does not list the type.
    let lacking = bundle(SUITE_1, "old", &KeyPackageOptions::default(), &mut h.rng);
    h.commit(0, CommitOptions::default(), vec![lacking])
        .unwrap();
    let expected = Error::Proposal(ProposalError::UnsupportedProposalType {
        leaf: LeafIndex(2),
        proposal_type: CUSTOM,
    });
    let before = h.group(0).to_bytes().unwrap();
    let mut rng = TestRng::new(1700);
    assert_eq!(
        h.group(0)
            .propose(custom(b"x"), b"", NOW, &mut rng)
            .unwrap_err(),
        expected
    );
    let options = CommitOptions::with_proposals(vec![custom(b"x")]);
    assert_eq!(
        h.group(0)
            .create_commit(options, NOW, &mut rng)
            .unwrap_err(),
        expected
    );
    assert_eq!(h.group(0).to_bytes().unwrap(), before);
}

/// RFC 9420 §13: a receiver whose application refuses the proposal
/// refuses it, though every member lists the type.
#[test]
fn custom_proposal_refused_by_the_receivers_policy() {
    let mut h = harness_with(
        SUITE_1,
        custom_config(false),
        Extensions::new(),
        &supports_custom(),
        2,
        180,
    );
    let mut rng = TestRng::new(1800);
    let (message, _) = h
        .group(0)
        .propose(custom(b"x"), b"", NOW, &mut rng)
        .unwrap();
    h.group(1).set_config(accepting());
    let before = h.group(1).to_bytes().unwrap();
    assert_eq!(
        h.group(1).process_message(&message, NOW).unwrap_err(),
        Error::Proposal(ProposalError::CustomProposalRefused(CUSTOM))
    );
    assert_eq!(h.group(1).to_bytes().unwrap(), before);
}

// ---------------------------------------------------------------------
// Credentials of any type (RFC 9420 §5.3, §13.3)
// ---------------------------------------------------------------------

/// Accepts basic credentials and [`OTHER_CREDENTIAL`] ones whose content
/// is `trusted`.
#[derive(Clone, Copy)]
struct OtherValidator;

impl CredentialValidator for OtherValidator {
    fn validate(&self, credential: &Credential, _: &rfc9420::crypto::SignaturePublicKey) -> bool {
        match credential {
            Credential::Basic { .. } => true,
            Credential::Other {
                credential_type,
                data,
            } => *credential_type == OTHER_CREDENTIAL && data == b"trusted",
            _ => false,
        }
    }
}

/// RFC 9420 §5.3, §13.3: a member with an application-defined credential
/// type joins a group whose members all support the type; the
/// application's validator judges the credential, and the capability
/// rules of §7.3 still apply.
#[test]
fn other_credential_type_end_to_end() {
    let mut options = KeyPackageOptions::default();
    options.capabilities.credentials.push(OTHER_CREDENTIAL);
    let config = GroupConfig {
        credentials: Arc::new(OtherValidator),
        ..GroupConfig::default()
    };
    let mut h = harness_with(SUITE_1, config, Extensions::new(), &options, 2, 190);
    let other = |data: &[u8]| Credential::other(OTHER_CREDENTIAL, data.to_vec()).unwrap();
    let new = |credential: Credential, options: &KeyPackageOptions, rng: &mut TestRng| {
        KeyPackageBundle::generate_with_new_signature_key(
            &crypto(SUITE_1),
            credential,
            options,
            NOW,
            rng,
        )
        .unwrap()
    };
    let trusted = new(other(b"trusted"), &options, &mut h.rng);
    assert_eq!(
        trusted.key_package().leaf_node.credential.credential_type(),
        OTHER_CREDENTIAL
    );
    h.commit(0, CommitOptions::default(), vec![trusted])
        .unwrap();
    h.assert_agree();
    h.exchange_messages();
    assert!(
        h.group(1)
            .members()
            .any(|m| m.leaf_node.credential == other(b"trusted"))
    );

    // The validator refuses other content of that type.
    let untrusted = new(other(b"forged"), &options, &mut h.rng);
    let before = h.group(0).to_bytes().unwrap();
    let add = Proposal::Add(Add {
        key_package: untrusted.key_package().clone(),
    });
    let mut rng = TestRng::new(1900);
    let e = h
        .group(0)
        .create_commit(CommitOptions::with_proposals(vec![add]), NOW, &mut rng)
        .unwrap_err();
    assert!(
        matches!(&e, Error::Proposal(ProposalError::InvalidAdd { error, .. })
            if **error == Error::Tree(TreeError::InvalidCredential { leaf: LeafIndex(0) })),
        "{e:?}"
    );
    // A basic member that does not support the type cannot be added
    // while it is in use (§7.3).
    let basic_only = new(
        Credential::basic(b"basic".to_vec()),
        &KeyPackageOptions::default(),
        &mut h.rng,
    );
    let add = Proposal::Add(Add {
        key_package: basic_only.key_package().clone(),
    });
    assert_eq!(
        h.group(0)
            .create_commit(CommitOptions::with_proposals(vec![add]), NOW, &mut rng)
            .unwrap_err(),
        Error::Tree(TreeError::CredentialTypeNotSupported {
            leaf: LeafIndex(3),
            credential_type: OTHER_CREDENTIAL
        })
    );
    assert_eq!(h.group(0).to_bytes().unwrap(), before);
}

// ---------------------------------------------------------------------
// GREASE (RFC 9420 §13.5)
// ---------------------------------------------------------------------

fn is_grease(v: u16) -> bool {
    rfc9420::types::is_grease(v)
}

/// RFC 9420 §13.5: KeyPackages carry GREASE values by default in the
/// capabilities' cipher suites, extensions, proposals and credentials,
/// none in the versions, and (when asked) a GREASE extension in both
/// extension lists, reflected in the capabilities; members accept such
/// KeyPackages (every harness KeyPackage has the default ones), and with
/// `grease: false` there are none.
fn grease_key_packages_are_accepted(suite: CipherSuite) {
    let mut rng = TestRng::new(2000 + u64::from(suite.0));
    let default = bundle(suite, "default", &KeyPackageOptions::default(), &mut rng);
    let greasy = KeyPackageOptions {
        grease_extensions: true,
        ..KeyPackageOptions::default()
    };
    let kp = bundle(suite, "greasy", &greasy, &mut rng);
    for (bundle, extensions) in [(&default, false), (&kp, true)] {
        let key_package = bundle.key_package();
        let leaf = &key_package.leaf_node;
        let caps = &leaf.capabilities;
        assert!(caps.cipher_suites.iter().any(|s| is_grease(s.0)));
        assert!(caps.extensions.iter().any(|t| is_grease(t.0)));
        assert!(caps.proposals.iter().any(|t| is_grease(t.0)));
        assert!(caps.credentials.iter().any(|t| is_grease(t.0)));
        assert!(!caps.versions.iter().any(|v| is_grease(v.0)));
        assert!(!is_grease(leaf.credential.credential_type().0));
        for list in [&leaf.extensions, &key_package.extensions] {
            let grease: Vec<ExtensionType> = list
                .iter()
                .map(|e| e.extension_type)
                .filter(|t| t.is_grease())
                .collect();
            assert_eq!(grease.len(), usize::from(extensions));
            assert!(grease.iter().all(|t| caps.extensions.contains(t)));
        }
    }

    let mut h = harness_with(
        suite,
        GroupConfig::default(),
        Extensions::new(),
        &KeyPackageOptions::default(),
        2,
        200 + u64::from(suite.0),
    );
    h.commit(1, CommitOptions::default(), vec![kp, default])
        .unwrap();
    h.assert_agree();
    h.exchange_messages();
    // The member with GREASE extensions commits with a path: its new leaf
    // keeps them.
    h.commit(2, CommitOptions::default(), vec![]).unwrap();
    h.assert_agree();
    let leaf = h.group(2).own_leaf_node().unwrap();
    assert!(leaf.extensions.iter().any(|e| e.extension_type.is_grease()));

    let plain = KeyPackageOptions {
        grease: false,
        ..KeyPackageOptions::default()
    };
    let kp = bundle(suite, "plain", &plain, &mut rng);
    let leaf = &kp.key_package().leaf_node;
    let caps = &leaf.capabilities;
    assert!(
        caps.cipher_suites
            .iter()
            .map(|s| s.0)
            .chain(caps.extensions.iter().map(|t| t.0))
            .chain(caps.proposals.iter().map(|t| t.0))
            .chain(caps.credentials.iter().map(|t| t.0))
            .chain(leaf.extensions.iter().map(|e| e.extension_type.0))
            .chain(
                kp.key_package()
                    .extensions
                    .iter()
                    .map(|e| e.extension_type.0)
            )
            .all(|v| !is_grease(v))
    );
}

suites!(grease_key_packages_are_accepted, grease_key_packages_are_accepted;
    1 => suite_1, 2 => suite_2, 4 => suite_4);

/// RFC 9420 §13.5: GREASE "MUST NOT be sent" in a proposal type, a
/// credential type, or GroupContext and GroupContextExtensions
/// extensions; this member refuses to send it there.
#[test]
fn grease_is_never_sent_where_forbidden() {
    let mut rng = TestRng::new(2100);
    let grease_ext = Extensions(vec![Extension {
        extension_type: ExtensionType(0x2a2a),
        extension_data: Vec::new(),
    }]);
    // Credential type.
    let e = KeyPackageBundle::generate_with_new_signature_key(
        &crypto(SUITE_1),
        Credential::other(CredentialType(0x1a1a), b"x".to_vec()).unwrap(),
        &KeyPackageOptions::default(),
        NOW,
        &mut rng,
    )
    .unwrap_err();
    assert_eq!(
        e,
        Error::KeyPackage(KeyPackageError::GreaseCredentialType {
            credential_type: CredentialType(0x1a1a)
        })
    );
    // GroupContext extensions of a new group.
    let kp = bundle(SUITE_1, "creator", &KeyPackageOptions::default(), &mut rng);
    let e = Group::create(
        RustCryptoProvider,
        GroupConfig::default(),
        &kp,
        b"g".to_vec(),
        grease_ext.clone(),
        NOW,
        &mut rng,
    )
    .unwrap_err();
    let grease_gc = Error::Proposal(ProposalError::GreaseNotAllowed {
        field: GreaseField::GroupContextExtensions,
        value: 0x2a2a,
    });
    assert_eq!(e, grease_gc);
    // Proposal type and GroupContextExtensions, by reference, by value and
    // from an external sender.
    let (signer, entry) = external_sender(SUITE_1, "server", &mut rng);
    let mut h = harness_with(
        SUITE_1,
        custom_config(false),
        with_external_senders(vec![entry]),
        &supports_custom(),
        2,
        210,
    );
    let grease_proposal = Proposal::Custom(CustomProposal {
        proposal_type: ProposalType(0x3a3a),
        data: Vec::new(),
    });
    let grease_type = Error::Proposal(ProposalError::GreaseNotAllowed {
        field: GreaseField::ProposalType,
        value: 0x3a3a,
    });
    let gce = Proposal::GroupContextExtensions(GroupContextExtensions {
        extensions: grease_ext,
    });
    let before = h.group(0).to_bytes().unwrap();
    let g = h.group(0);
    assert_eq!(
        g.propose(grease_proposal.clone(), b"", NOW, &mut rng)
            .unwrap_err(),
        grease_type
    );
    assert_eq!(
        g.propose(gce.clone(), b"", NOW, &mut rng).unwrap_err(),
        grease_gc
    );
    let options = CommitOptions::with_proposals(vec![grease_proposal.clone()]);
    assert_eq!(
        g.create_commit(options, NOW, &mut rng).unwrap_err(),
        grease_type
    );
    let options = CommitOptions::with_proposals(vec![gce.clone()]);
    assert_eq!(
        g.create_commit(options, NOW, &mut rng).unwrap_err(),
        grease_gc
    );
    assert_eq!(h.group(0).to_bytes().unwrap(), before);
    let (group_id, epoch) = (h.group(0).group_id().to_vec(), h.group(0).epoch());
    let server = ExternalProposer::new(RustCryptoProvider, SUITE_1, 0, signer);
    assert_eq!(
        server
            .propose(&group_id, epoch, grease_proposal, b"")
            .unwrap_err(),
        grease_type
    );
    assert_eq!(
        server.propose(&group_id, epoch, gce, b"").unwrap_err(),
        grease_gc
    );
}

/// The sender-content rule of RFC 9420 §12.1.8 for an application-defined
/// type: framing lets an external sender send it (the type's policy
/// decides), and the AuthenticatedContent signs.
#[test]
fn external_sender_may_frame_a_custom_proposal() {
    let mut rng = TestRng::new(2200);
    let (signer, _) = external_sender(SUITE_1, "server", &mut rng);
    let content = FramedContent {
        group_id: b"g".to_vec(),
        epoch: 3,
        sender: Sender::External(0),
        authenticated_data: Vec::new(),
        content: FramedContentBody::Proposal(custom(b"x")),
    };
    let signed = AuthenticatedContent::sign(
        &crypto(SUITE_1),
        &signer,
        WireFormat::PUBLIC_MESSAGE,
        content,
        None,
    )
    .unwrap();
    assert!(PublicMessage::protect_non_member(signed).is_ok());
}

/// RFC 9420 §13.4: "A client adding a new member to a group MUST verify
/// that the LeafNode for the new member is compatible with the group's
/// extensions": a KeyPackage whose capabilities lack a GroupContext
/// extension is refused.
#[test]
fn added_member_must_support_the_group_extensions() {
    let app_ext = ExtensionType(0xff01);
    let mut options = KeyPackageOptions::default();
    options.capabilities.extensions.push(app_ext);
    let extensions = Extensions(vec![Extension {
        extension_type: app_ext,
        extension_data: b"policy".to_vec(),
    }]);
    let mut h = harness_with(
        SUITE_1,
        GroupConfig::default(),
        extensions,
        &options,
        2,
        230,
    );
    let lacking = bundle(
        SUITE_1,
        "lacking",
        &KeyPackageOptions::default(),
        &mut h.rng,
    );
    let add = Proposal::Add(Add {
        key_package: lacking.key_package().clone(),
    });
    let expected = Error::Proposal(ProposalError::UnsupportedGroupExtension {
        leaf: None,
        extension_type: app_ext,
    });
    let before = h.group(0).to_bytes().unwrap();
    let mut rng = TestRng::new(2300);
    assert_eq!(
        h.group(0)
            .propose(add.clone(), b"", NOW, &mut rng)
            .unwrap_err(),
        expected
    );
    let e = h
        .group(0)
        .create_commit(CommitOptions::with_proposals(vec![add]), NOW, &mut rng)
        .unwrap_err();
    assert!(
        matches!(&e, Error::Proposal(ProposalError::InvalidAdd { index: 0, error, .. })
            if **error == expected),
        "{e:?}"
    );
    assert_eq!(h.group(0).to_bytes().unwrap(), before);
}
