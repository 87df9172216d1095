//! Hostile and misused messages against message protection (RFC 9420 §6):
//! each is rejected with its exact error, and a rejected PrivateMessage
//! leaves the secret tree exactly as it was (§9.2).
//!
//! The group is the suite-1 vector of `message-protection.json`: a
//! two-member secret tree, messages from leaf 1.

use std::sync::OnceLock;

use rfc9420::codec::{DecodeError, Encode, decode_exact};
use rfc9420::crypto::{
    CipherSuite, RustCryptoProvider, Secret, SignaturePrivateKey, SignaturePublicKey, SuiteCrypto,
};
use rfc9420::error::Error;
use rfc9420::framing::{
    AuthenticatedContent, ContentType, DecryptedMessage, FramedContent, FramedContentAuthData,
    FramedContentBody, FramingError, Padding, PrivateMessage, PrivateMessageContent, PublicMessage,
    Sender, SenderData, SenderType,
};
use rfc9420::framing::{MlsMessage, MlsMessageBody};
use rfc9420::key_schedule::GroupContext;
use rfc9420::messages::{
    Add, Commit, Extensions, Proposal, ProposalType, ProtocolVersion, Remove, Update, WireFormat,
};
use rfc9420::secret_tree::{RatchetType, SecretTree, SecretTreeConfig, SecretTreeError};
use rfc9420::tree::{LeafIndex, TreeSize};

use super::{load, message_field, rng};

static PROVIDER: RustCryptoProvider = RustCryptoProvider;

/// The sender of the vector's messages.
const SENDER: LeafIndex = LeafIndex(1);

/// The suite-1 group of `message-protection.json`.
struct Fixture {
    suite: SuiteCrypto<'static>,
    context: GroupContext,
    signer: SignaturePrivateKey,
    verifier: SignaturePublicKey,
    membership_key: Secret,
    encryption_secret: Secret,
    sender_data_secret: Secret,
    vector: serde_json::Value,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let vector = load("message-protection.json")
            .into_iter()
            .find(|v| v["cipher_suite"] == 1)
            .expect("a suite-1 vector");
        let hex = |name: &str| hex::decode(vector[name].as_str().unwrap()).unwrap();
        let suite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
        Fixture {
            suite: SuiteCrypto::new(&PROVIDER, suite).unwrap(),
            context: GroupContext {
                version: ProtocolVersion::MLS10,
                cipher_suite: suite,
                group_id: hex("group_id"),
                epoch: vector["epoch"].as_u64().unwrap(),
                tree_hash: hex("tree_hash"),
                confirmed_transcript_hash: hex("confirmed_transcript_hash"),
                extensions: Extensions::new(),
            },
            signer: SignaturePrivateKey::from_secret(Secret::new(hex("signature_priv"))),
            verifier: SignaturePublicKey(hex("signature_pub")),
            membership_key: Secret::new(hex("membership_key")),
            encryption_secret: Secret::new(hex("encryption_secret")),
            sender_data_secret: Secret::new(hex("sender_data_secret")),
            vector,
        }
    })
}

impl Fixture {
    fn hex(&self, name: &str) -> Vec<u8> {
        hex::decode(self.vector[name].as_str().unwrap()).unwrap()
    }

    fn mls_message(&self, name: &str) -> MlsMessageBody {
        decode_exact::<MlsMessage>(&self.hex(name)).unwrap().body
    }

    fn public(&self, name: &str) -> PublicMessage {
        match self.mls_message(name) {
            MlsMessageBody::PublicMessage(m) => m,
            other => panic!("{name} is {:?}", other.wire_format()),
        }
    }

    fn private(&self, name: &str) -> PrivateMessage {
        match self.mls_message(name) {
            MlsMessageBody::PrivateMessage(m) => m,
            other => panic!("{name} is {:?}", other.wire_format()),
        }
    }

    /// A fresh secret tree of the two-member group.
    fn tree(&self) -> SecretTree {
        SecretTree::new(self.encryption_secret.clone(), two_leaves())
    }

    fn decrypt(&self, m: &PrivateMessage, tree: &SecretTree) -> Result<DecryptedMessage, Error> {
        self.decrypt_in(m, tree, &self.context)
    }

    fn decrypt_in(
        &self,
        m: &PrivateMessage,
        tree: &SecretTree,
        context: &GroupContext,
    ) -> Result<DecryptedMessage, Error> {
        m.decrypt(
            &self.suite,
            context,
            tree,
            &self.sender_data_secret,
            |leaf| two_leaves().contains_leaf(leaf),
        )
    }

    /// Decrypts, verifies and merges the key.
    fn receive(
        &self,
        m: &PrivateMessage,
        tree: &mut SecretTree,
    ) -> Result<FramedContentBody, Error> {
        let content = self
            .decrypt(m, tree)?
            .verify_and_merge(&self.suite, &self.verifier, tree)?;
        Ok(content.body().clone())
    }

    fn unprotect(&self, m: PublicMessage) -> Result<FramedContentBody, Error> {
        let content = m
            .unprotect(&self.suite, &self.context, &self.membership_key)?
            .verify(&self.suite, &self.verifier)?;
        Ok(content.body().clone())
    }

    fn framed(&self, sender: Sender, body: FramedContentBody) -> FramedContent {
        FramedContent {
            group_id: self.context.group_id.clone(),
            epoch: self.context.epoch,
            sender,
            authenticated_data: b"ad".to_vec(),
            content: body,
        }
    }

    fn sign(
        &self,
        wire_format: WireFormat,
        sender: Sender,
        body: FramedContentBody,
    ) -> Result<AuthenticatedContent, Error> {
        let mut signed = AuthenticatedContent::sign(
            &self.suite,
            &self.signer,
            wire_format,
            self.framed(sender, body),
            Some(&self.context),
        )?;
        if signed.content.content_type() == ContentType::Commit {
            signed.auth.confirmation_tag = Some(vec![0xc0; 32]);
        }
        Ok(signed)
    }

    /// A PrivateMessage from leaf 1, protected with `sender_tree`.
    fn protect(&self, body: FramedContentBody, sender_tree: &mut SecretTree) -> PrivateMessage {
        let signed = self
            .sign(WireFormat::PRIVATE_MESSAGE, Sender::Member(SENDER), body)
            .unwrap();
        self.protect_signed(&signed, sender_tree).unwrap()
    }

    fn protect_signed(
        &self,
        signed: &AuthenticatedContent,
        sender_tree: &mut SecretTree,
    ) -> Result<PrivateMessage, Error> {
        PrivateMessage::protect(
            &self.suite,
            signed,
            sender_tree,
            &self.sender_data_secret,
            Padding::DEFAULT,
            &mut rng::TestRng::new(1),
        )
    }

    /// A PrivateMessage of application data built by hand, with the
    /// authenticated data of [`Fixture::framed`]: `plaintext` sealed with
    /// the key of leaf 1's application ratchet at `sender_data.generation`,
    /// whatever leaf the sender data names.
    fn seal_raw(&self, plaintext: &[u8], sender_data: SenderData) -> PrivateMessage {
        let key = self
            .tree()
            .decryption_key(
                &self.suite,
                SENDER,
                RatchetType::Application,
                sender_data.generation,
            )
            .unwrap();
        let mut m = PrivateMessage {
            group_id: self.context.group_id.clone(),
            epoch: self.context.epoch,
            content_type: ContentType::Application,
            authenticated_data: b"ad".to_vec(),
            encrypted_sender_data: vec![],
            ciphertext: vec![],
        };
        let nonce = key.nonce_with_reuse_guard(sender_data.reuse_guard);
        m.ciphertext = self
            .suite
            .aead_seal(
                key.key().as_bytes(),
                nonce.as_bytes(),
                &m.content_aad().to_bytes().unwrap(),
                plaintext,
            )
            .unwrap();
        m.encrypted_sender_data = sender_data
            .encrypt(
                &self.suite,
                &self.sender_data_secret,
                &m.sender_data_aad().to_bytes().unwrap(),
                &m.ciphertext,
            )
            .unwrap();
        m
    }
}

fn two_leaves() -> TreeSize {
    TreeSize::for_leaves(2).unwrap()
}

fn application(data: &[u8]) -> FramedContentBody {
    FramedContentBody::Application(data.to_vec())
}

fn remove(leaf: u32) -> FramedContentBody {
    FramedContentBody::Proposal(Proposal::Remove(Remove {
        removed: LeafIndex(leaf),
    }))
}

fn framing(e: FramingError) -> Error {
    Error::Framing(e)
}

/// Checks that `m` fails with `expected` against a fresh tree, that the
/// tree is unchanged, and that the vector's application message still
/// decrypts with it afterwards.
fn rejected_without_trace(m: &PrivateMessage, expected: Error) {
    let f = fixture();
    let mut tree = f.tree();
    let before = tree.clone();
    let e = f.decrypt(m, &tree).map(|_| ()).unwrap_err();
    assert_eq!(e, expected);
    assert_eq!(tree, before);
    let good = f.private("application_priv");
    assert_eq!(
        f.receive(&good, &mut tree).unwrap(),
        application(&f.hex("application"))
    );
}

#[test]
fn the_vector_messages_are_accepted() {
    let f = fixture();
    for name in ["proposal_priv", "commit_priv", "application_priv"] {
        f.receive(&f.private(name), &mut f.tree()).unwrap();
    }
    for name in ["proposal_pub", "commit_pub"] {
        f.unprotect(f.public(name)).unwrap();
    }
}

#[test]
fn flipped_bit_in_the_content_tag() {
    let f = fixture();
    let mut m = f.private("application_priv");
    // The AEAD tag is the end of the ciphertext, outside the sample the
    // sender data key comes from.
    assert!(m.ciphertext.len() > f.suite.hash_len());
    *m.ciphertext.last_mut().unwrap() ^= 0x01;
    rejected_without_trace(&m, framing(FramingError::ContentDecryptionFailed));
}

#[test]
fn flipped_bit_in_the_ciphertext_sample() {
    let f = fixture();
    let mut m = f.private("application_priv");
    // The sample keys the sender data: its decryption fails first.
    m.ciphertext[0] ^= 0x80;
    rejected_without_trace(&m, framing(FramingError::SenderDataDecryptionFailed));
}

#[test]
fn flipped_bit_in_the_encrypted_sender_data() {
    let f = fixture();
    let mut m = f.private("application_priv");
    m.encrypted_sender_data[3] ^= 0x10;
    rejected_without_trace(&m, framing(FramingError::SenderDataDecryptionFailed));
}

#[test]
fn changed_authenticated_data_or_content_type() {
    let f = fixture();
    let mut m = f.private("application_priv");
    m.authenticated_data.push(0);
    // Only the content AAD covers the authenticated data.
    rejected_without_trace(&m, framing(FramingError::ContentDecryptionFailed));

    let mut m = f.private("application_priv");
    m.content_type = ContentType::Proposal;
    rejected_without_trace(&m, framing(FramingError::SenderDataDecryptionFailed));
}

#[test]
fn wrong_membership_tag() {
    let f = fixture();
    let good = f.public("proposal_pub");

    let mut m = good.clone();
    m.membership_tag.as_mut().unwrap()[0] ^= 0x01;
    assert_eq!(
        f.unprotect(m).unwrap_err(),
        framing(FramingError::MembershipTagMismatch)
    );

    let mut m = good.clone();
    m.membership_tag.as_mut().unwrap().pop();
    assert_eq!(
        f.unprotect(m).unwrap_err(),
        framing(FramingError::MembershipTagMismatch)
    );

    // A tag made with another epoch's membership key.
    let e = good
        .clone()
        .unprotect(&f.suite, &f.context, &Secret::new(vec![0; 32]))
        .unwrap_err();
    assert_eq!(e, framing(FramingError::MembershipTagMismatch));

    // Changing the content breaks the tag before the signature is looked at.
    let mut m = good.clone();
    m.content.authenticated_data.push(1);
    assert_eq!(
        f.unprotect(m).unwrap_err(),
        framing(FramingError::MembershipTagMismatch)
    );

    f.unprotect(good).unwrap();
}

#[test]
fn bad_signature_in_a_public_message() {
    let f = fixture();
    let mut signed = f
        .sign(
            WireFormat::PUBLIC_MESSAGE,
            Sender::Member(SENDER),
            remove(0),
        )
        .unwrap();
    signed.auth.signature[5] ^= 0x04;
    // The membership tag is computed over the bad signature, so it holds.
    let m = PublicMessage::protect_member(&f.suite, signed, &f.context, &f.membership_key).unwrap();
    let unverified = m
        .unprotect(&f.suite, &f.context, &f.membership_key)
        .unwrap();
    assert_eq!(
        unverified.verify(&f.suite, &f.verifier).unwrap_err(),
        framing(FramingError::InvalidSignature)
    );

    // A good signature checked against another member's key.
    let other = f
        .suite
        .generate_signature_key_pair(&mut rng::TestRng::new(9))
        .unwrap()
        .1;
    let e = f
        .public("commit_pub")
        .unprotect(&f.suite, &f.context, &f.membership_key)
        .unwrap()
        .verify(&f.suite, &other)
        .unwrap_err();
    assert_eq!(e, framing(FramingError::InvalidSignature));
}

#[test]
fn bad_signature_in_a_private_message() {
    let f = fixture();
    let mut signed = f
        .sign(
            WireFormat::PRIVATE_MESSAGE,
            Sender::Member(SENDER),
            application(b"hi"),
        )
        .unwrap();
    signed.auth.signature[0] ^= 0x01;
    let m = f.protect_signed(&signed, &mut f.tree()).unwrap();

    let mut tree = f.tree();
    let before = tree.clone();
    let decrypted = f.decrypt(&m, &tree).unwrap();
    assert_eq!(
        decrypted
            .verify_and_merge(&f.suite, &f.verifier, &mut tree)
            .unwrap_err(),
        framing(FramingError::InvalidSignature)
    );
    assert_eq!(tree, before);
    // The key was not consumed: the message still decrypts (and fails the
    // same way), and a good message of that generation is accepted.
    assert_eq!(
        f.decrypt(&m, &tree)
            .unwrap()
            .verify(&f.suite, &f.verifier)
            .unwrap_err(),
        framing(FramingError::InvalidSignature)
    );
    let good = f.protect(application(b"hi"), &mut f.tree());
    assert_eq!(f.receive(&good, &mut tree).unwrap(), application(b"hi"));
}

#[test]
fn replayed_private_message() {
    let f = fixture();
    let m = f.private("application_priv");
    let generation = {
        let tree = f.tree();
        f.decrypt(&m, &tree).unwrap().sender_data().generation
    };
    let mut tree = f.tree();
    f.receive(&m, &mut tree).unwrap();
    let after_first = tree.clone();
    assert_eq!(
        f.receive(&m, &mut tree).unwrap_err(),
        Error::SecretTree(SecretTreeError::GenerationConsumed { generation })
    );
    assert_eq!(tree, after_first);

    // Both copies decrypted before either is merged: the second merge is
    // the replay.
    let mut tree = f.tree();
    let first = f.decrypt(&m, &tree).unwrap();
    let second = f.decrypt(&m, &tree).unwrap();
    first
        .verify_and_merge(&f.suite, &f.verifier, &mut tree)
        .unwrap();
    let after_first = tree.clone();
    assert_eq!(
        second
            .verify_and_merge(&f.suite, &f.verifier, &mut tree)
            .unwrap_err(),
        Error::SecretTree(SecretTreeError::GenerationConsumed { generation })
    );
    assert_eq!(tree, after_first);
}

#[test]
fn generation_too_far_ahead() {
    let f = fixture();
    let mut sender_tree = f.tree();
    let max = SecretTreeConfig::DEFAULT.max_forward_distance;
    for _ in 0..=max {
        sender_tree
            .next_encryption_key(&f.suite, SENDER, RatchetType::Application)
            .unwrap();
    }
    let m = f.protect(application(b"late"), &mut sender_tree);
    let generation = max + 1;
    rejected_without_trace(
        &m,
        Error::SecretTree(SecretTreeError::GenerationTooFarAhead {
            generation,
            current: 0,
            max_forward: max,
        }),
    );
    // One step closer is accepted.
    let mut tree = f.tree();
    tree.next_encryption_key(&f.suite, SENDER, RatchetType::Application)
        .unwrap();
    assert_eq!(f.receive(&m, &mut tree).unwrap(), application(b"late"));
}

#[test]
fn non_zero_padding_in_a_valid_ciphertext() {
    let f = fixture();
    let signed = f
        .sign(
            WireFormat::PRIVATE_MESSAGE,
            Sender::Member(SENDER),
            application(b"pad"),
        )
        .unwrap();
    let content = PrivateMessageContent {
        content: signed.content.content.clone(),
        auth: signed.auth.clone(),
        padding: 8,
    };
    let sender_data = SenderData {
        leaf_index: SENDER,
        generation: 0,
        reuse_guard: [1, 2, 3, 4],
    };
    let mut plaintext = content.to_bytes().unwrap();

    // Zero padding: accepted (the hand-made message is well formed).
    let good = f.seal_raw(&plaintext, sender_data);
    let (content, _) = f
        .decrypt(&good, &f.tree())
        .unwrap()
        .verify(&f.suite, &f.verifier)
        .unwrap();
    assert_eq!(content.body(), &application(b"pad"));

    *plaintext.last_mut().unwrap() = 0x01;
    let m = f.seal_raw(&plaintext, sender_data);
    rejected_without_trace(&m, Error::Decode(DecodeError::NonZeroPadding { offset: 7 }));
}

#[test]
fn sender_leaf_outside_the_tree() {
    let f = fixture();
    let sender_data = SenderData {
        leaf_index: LeafIndex(5),
        generation: 0,
        reuse_guard: [0; 4],
    };
    let m = f.seal_raw(b"whatever", sender_data);
    rejected_without_trace(
        &m,
        framing(FramingError::SenderNotMember { leaf: LeafIndex(5) }),
    );

    // With a membership check that lets it through, the secret tree still
    // refuses the leaf.
    let tree = f.tree();
    let e = m
        .decrypt(&f.suite, &f.context, &tree, &f.sender_data_secret, |_| true)
        .map(|_| ())
        .unwrap_err();
    assert_eq!(
        e,
        Error::SecretTree(SecretTreeError::LeafOutOfRange {
            leaf: LeafIndex(5),
            leaves: 2
        })
    );
    assert_eq!(tree, f.tree());

    // A blank leaf inside the tree.
    let tree = f.tree();
    let e = f
        .private("application_priv")
        .decrypt(&f.suite, &f.context, &tree, &f.sender_data_secret, |leaf| {
            leaf != SENDER
        })
        .map(|_| ())
        .unwrap_err();
    assert_eq!(e, framing(FramingError::SenderNotMember { leaf: SENDER }));
    assert_eq!(tree, f.tree());
}

#[test]
fn wrong_epoch_or_group() {
    let f = fixture();
    let epoch = f.context.epoch;
    let mut later = f.context.clone();
    later.epoch = epoch + 1;
    let mut other_group = f.context.clone();
    other_group.group_id.push(0);

    let wrong_epoch = framing(FramingError::WrongEpoch {
        got: epoch,
        current: epoch + 1,
    });
    let wrong_group = framing(FramingError::WrongGroup);

    let m = f.private("application_priv");
    for (context, expected) in [(&later, &wrong_epoch), (&other_group, &wrong_group)] {
        let tree = f.tree();
        let e = f.decrypt_in(&m, &tree, context).map(|_| ()).unwrap_err();
        assert_eq!(&e, expected);
        assert_eq!(tree, f.tree());

        let e = f
            .public("proposal_pub")
            .unprotect(&f.suite, context, &f.membership_key)
            .unwrap_err();
        assert_eq!(&e, expected);

        // Sending: content of this epoch signed or protected with another
        // epoch's context.
        let e = AuthenticatedContent::sign(
            &f.suite,
            &f.signer,
            WireFormat::PUBLIC_MESSAGE,
            f.framed(Sender::Member(SENDER), remove(0)),
            Some(context),
        )
        .unwrap_err();
        assert_eq!(&e, expected);
        let signed = f
            .sign(
                WireFormat::PUBLIC_MESSAGE,
                Sender::Member(SENDER),
                remove(0),
            )
            .unwrap();
        let e = PublicMessage::protect_member(&f.suite, signed, context, &f.membership_key)
            .unwrap_err();
        assert_eq!(&e, expected);
    }
}

#[test]
fn application_data_as_public_message() {
    let f = fixture();
    let expected = framing(FramingError::ApplicationInPublicMessage);
    assert_eq!(
        f.sign(
            WireFormat::PUBLIC_MESSAGE,
            Sender::Member(SENDER),
            application(b"x")
        )
        .unwrap_err(),
        expected
    );
    // Framed by hand: protecting refuses it.
    let content = AuthenticatedContent {
        wire_format: WireFormat::PUBLIC_MESSAGE,
        content: f.framed(Sender::Member(SENDER), application(b"x")),
        auth: FramedContentAuthData::default(),
    };
    assert_eq!(
        PublicMessage::protect_member(&f.suite, content, &f.context, &f.membership_key)
            .unwrap_err(),
        expected
    );

    // Received: the PublicMessage of application data in messages.json
    // decodes, and is refused before its tag is even checked.
    let m = match decode_exact::<MlsMessage>(&message_field(0, "public_message_application"))
        .unwrap()
        .body
    {
        MlsMessageBody::PublicMessage(m) => m,
        other => panic!("{:?}", other.wire_format()),
    };
    assert!(matches!(
        m.content.content,
        FramedContentBody::Application(_)
    ));
    let mut context = f.context.clone();
    context.group_id = m.content.group_id.clone();
    context.epoch = m.content.epoch;
    assert_eq!(
        m.unprotect(&f.suite, &context, &f.membership_key)
            .unwrap_err(),
        expected
    );
}

/// A non-member's PublicMessage as it arrives: encoded, decoded, then
/// unprotected and verified.
fn receive_non_member(f: &Fixture, content: AuthenticatedContent) -> Result<(), Error> {
    let m = PublicMessage {
        content: content.content,
        auth: content.auth,
        membership_tag: None,
    };
    let bytes = MlsMessage::new(MlsMessageBody::PublicMessage(m))
        .to_bytes()
        .unwrap();
    let m = match decode_exact::<MlsMessage>(&bytes).unwrap().body {
        MlsMessageBody::PublicMessage(m) => m,
        _ => unreachable!(),
    };
    m.unprotect(&f.suite, &f.context, &f.membership_key)?
        .verify(&f.suite, &f.verifier)?;
    Ok(())
}

#[test]
fn forbidden_sender_and_content_combinations() {
    let f = fixture();
    let add = FramedContentBody::Proposal(Proposal::Add(
        decode_exact::<Add>(&message_field(0, "add_proposal")).unwrap(),
    ));
    let update = FramedContentBody::Proposal(Proposal::Update(
        decode_exact::<Update>(&message_field(0, "update_proposal")).unwrap(),
    ));
    let commit = FramedContentBody::Commit(Commit::default());

    // What non-members may send goes through (RFC 9420 §6.1, §12.1.8).
    let allowed = [
        (Sender::External(0), remove(0)),
        (Sender::External(0), add.clone()),
        (Sender::NewMemberProposal, add.clone()),
        (Sender::NewMemberCommit, commit.clone()),
    ];
    for (sender, body) in allowed {
        let signed = f.sign(WireFormat::PUBLIC_MESSAGE, sender, body).unwrap();
        let m = PublicMessage::protect_non_member(signed.clone()).unwrap();
        assert_eq!(m.membership_tag, None);
        receive_non_member(f, signed).unwrap();
    }

    let forbidden = [
        (
            Sender::External(0),
            commit.clone(),
            FramingError::ContentTypeNotAllowed {
                sender_type: SenderType::External,
                content_type: ContentType::Commit,
            },
        ),
        (
            Sender::External(0),
            update.clone(),
            FramingError::ProposalTypeNotAllowed {
                sender_type: SenderType::External,
                proposal_type: ProposalType::UPDATE,
            },
        ),
        (
            Sender::External(0),
            application(b"x"),
            FramingError::ApplicationInPublicMessage,
        ),
        (
            Sender::NewMemberProposal,
            remove(0),
            FramingError::ProposalTypeNotAllowed {
                sender_type: SenderType::NewMemberProposal,
                proposal_type: ProposalType::REMOVE,
            },
        ),
        (
            Sender::NewMemberProposal,
            commit.clone(),
            FramingError::ContentTypeNotAllowed {
                sender_type: SenderType::NewMemberProposal,
                content_type: ContentType::Commit,
            },
        ),
        (
            Sender::NewMemberCommit,
            add.clone(),
            FramingError::ContentTypeNotAllowed {
                sender_type: SenderType::NewMemberCommit,
                content_type: ContentType::Proposal,
            },
        ),
    ];
    for (sender, body, expected) in forbidden {
        // Refused when signing...
        assert_eq!(
            f.sign(WireFormat::PUBLIC_MESSAGE, sender, body.clone())
                .unwrap_err(),
            framing(expected),
            "{sender:?} signing {body:?}"
        );
        // ...when protecting content framed by hand...
        let mut content = AuthenticatedContent {
            wire_format: WireFormat::PUBLIC_MESSAGE,
            content: f.framed(sender, body.clone()),
            auth: FramedContentAuthData::default(),
        };
        if body.content_type() == ContentType::Commit {
            content.auth.confirmation_tag = Some(vec![0; 32]);
        }
        assert_eq!(
            PublicMessage::protect_non_member(content.clone()).unwrap_err(),
            framing(expected)
        );
        // ...and when received.
        assert_eq!(
            receive_non_member(f, content).unwrap_err(),
            framing(expected)
        );
    }

    // Non-members cannot use PrivateMessage (RFC 9420 §6.3.2).
    for sender in [
        Sender::External(0),
        Sender::NewMemberProposal,
        Sender::NewMemberCommit,
    ] {
        let expected = framing(FramingError::NonMemberPrivateMessage {
            sender_type: sender.sender_type(),
        });
        assert_eq!(
            f.sign(WireFormat::PRIVATE_MESSAGE, sender, add.clone())
                .unwrap_err(),
            expected
        );
        let content = AuthenticatedContent {
            wire_format: WireFormat::PRIVATE_MESSAGE,
            content: f.framed(sender, add.clone()),
            auth: FramedContentAuthData::default(),
        };
        let mut tree = f.tree();
        assert_eq!(f.protect_signed(&content, &mut tree).unwrap_err(), expected);
        assert_eq!(tree, f.tree());
    }
}

#[test]
fn protecting_with_the_wrong_function_or_wire_format() {
    let f = fixture();
    let member = Sender::Member(SENDER);

    // Member content without membership tag, non-member content with one.
    let signed = f
        .sign(WireFormat::PUBLIC_MESSAGE, member, remove(0))
        .unwrap();
    assert_eq!(
        PublicMessage::protect_non_member(signed).unwrap_err(),
        framing(FramingError::WrongSenderType {
            sender_type: SenderType::Member
        })
    );
    let signed = f
        .sign(WireFormat::PUBLIC_MESSAGE, Sender::External(0), remove(0))
        .unwrap();
    assert_eq!(
        PublicMessage::protect_member(&f.suite, signed, &f.context, &f.membership_key).unwrap_err(),
        framing(FramingError::WrongSenderType {
            sender_type: SenderType::External
        })
    );

    // Signed for one wire format, protected as the other.
    let for_private = f
        .sign(WireFormat::PRIVATE_MESSAGE, member, remove(0))
        .unwrap();
    assert_eq!(
        PublicMessage::protect_member(&f.suite, for_private, &f.context, &f.membership_key)
            .unwrap_err(),
        framing(FramingError::WrongWireFormat {
            expected: WireFormat::PUBLIC_MESSAGE,
            got: WireFormat::PRIVATE_MESSAGE
        })
    );
    let for_public = f
        .sign(WireFormat::PUBLIC_MESSAGE, member, remove(0))
        .unwrap();
    let mut tree = f.tree();
    assert_eq!(
        f.protect_signed(&for_public, &mut tree).unwrap_err(),
        framing(FramingError::WrongWireFormat {
            expected: WireFormat::PRIVATE_MESSAGE,
            got: WireFormat::PUBLIC_MESSAGE
        })
    );
    assert_eq!(tree, f.tree());

    // A sender leaf outside the sender's own secret tree.
    let outside = f
        .sign(
            WireFormat::PRIVATE_MESSAGE,
            Sender::Member(LeafIndex(2)),
            remove(0),
        )
        .unwrap();
    assert_eq!(
        f.protect_signed(&outside, &mut tree).unwrap_err(),
        Error::SecretTree(SecretTreeError::LeafOutOfRange {
            leaf: LeafIndex(2),
            leaves: 2
        })
    );
    assert_eq!(tree, f.tree());

    // Padding too long for a vector: refused before a key is taken.
    let app = f
        .sign(WireFormat::PRIVATE_MESSAGE, member, application(b"x"))
        .unwrap();
    let e = PrivateMessage::protect(
        &f.suite,
        &app,
        &mut tree,
        &f.sender_data_secret,
        Padding::Bytes(1 << 30),
        &mut rng::TestRng::new(1),
    )
    .unwrap_err();
    assert!(matches!(
        e,
        Error::Framing(FramingError::PlaintextTooLong { .. })
    ));
    assert_eq!(tree, f.tree());
}
