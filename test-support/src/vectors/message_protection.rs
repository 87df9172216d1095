//! `message-protection.json`: PublicMessage signatures and membership tags
//! (RFC 9420 §6.1, §6.2) and PrivateMessage content and sender data
//! encryption (§6.3), following the Verification steps of
//! test-vectors.md: for each of proposal, commit and application, the
//! `pub` message unprotects (application has none), protecting the raw
//! value as a PublicMessage round-trips (application must fail), the
//! `priv` message decrypts with a two-member secret tree and sender leaf 1,
//! and protecting the raw value as a PrivateMessage round-trips.

use rfc9420::codec::{Encode, decode_exact};
use rfc9420::crypto::{CipherSuite, Secret, SignaturePrivateKey, SignaturePublicKey, SuiteCrypto};
use rfc9420::error::Error;
use rfc9420::framing::{
    AuthenticatedContent, FramedContent, FramedContentBody, FramingError, Padding, PrivateMessage,
    PublicMessage, Sender, VerifiedContent,
};
use rfc9420::framing::{MlsMessage, MlsMessageBody};
use rfc9420::key_schedule::GroupContext;
use rfc9420::messages::{Commit, Extensions, Proposal, ProtocolVersion, WireFormat};
use rfc9420::secret_tree::SecretTree;
use rfc9420::tree::{LeafIndex, TreeSize};
use serde::Deserialize;

use super::Outcome;
use super::common::{Hex, TestRng, check_eq, outcome, parse};

#[derive(Deserialize)]
struct Vector {
    cipher_suite: u16,
    group_id: Hex,
    epoch: u64,
    tree_hash: Hex,
    confirmed_transcript_hash: Hex,
    signature_priv: Hex,
    signature_pub: Hex,
    encryption_secret: Hex,
    sender_data_secret: Hex,
    membership_key: Hex,
    proposal: Hex,
    proposal_pub: Hex,
    proposal_priv: Hex,
    commit: Hex,
    commit_pub: Hex,
    commit_priv: Hex,
    application: Hex,
    application_priv: Hex,
}

/// The sender of every message in the vectors.
const SENDER: LeafIndex = LeafIndex(1);

/// Checks one vector.
pub fn check(v: &serde_json::Value) -> Outcome {
    outcome(parse::<Vector>(v).and_then(|v| run(&v)))
}

/// Everything the checks of one vector share.
struct Fixture<'a> {
    suite: SuiteCrypto<'a>,
    context: GroupContext,
    signer: SignaturePrivateKey,
    verifier: SignaturePublicKey,
    membership_key: Secret,
    encryption_secret: Secret,
    sender_data_secret: Secret,
    two_members: TreeSize,
}

fn run(v: &Vector) -> Result<(), String> {
    let cipher_suite = CipherSuite(v.cipher_suite);
    let suite = super::common::suite(v.cipher_suite)?;
    let f = Fixture {
        suite,
        context: GroupContext {
            version: ProtocolVersion::MLS10,
            cipher_suite,
            group_id: v.group_id.0.clone(),
            epoch: v.epoch,
            tree_hash: v.tree_hash.0.clone(),
            confirmed_transcript_hash: v.confirmed_transcript_hash.0.clone(),
            extensions: Extensions::new(),
        },
        signer: SignaturePrivateKey::from_secret(Secret::from_slice(&v.signature_priv)),
        verifier: SignaturePublicKey(v.signature_pub.0.clone()),
        membership_key: Secret::from_slice(&v.membership_key),
        encryption_secret: Secret::from_slice(&v.encryption_secret),
        sender_data_secret: Secret::from_slice(&v.sender_data_secret),
        two_members: TreeSize::for_leaves(2).ok_or("no tree of 2 leaves")?,
    };
    let mut rng = TestRng::new(u64::from(v.cipher_suite));

    let proposal: Proposal =
        decode_exact(&v.proposal).map_err(|e| format!("proposal does not decode: {e}"))?;
    let commit: Commit =
        decode_exact(&v.commit).map_err(|e| format!("commit does not decode: {e}"))?;

    // The commit's confirmation tag is not covered by the vector's checks;
    // protecting reuses the one of commit_pub.
    let commit_pub = public_message(&v.commit_pub).map_err(|e| format!("commit_pub: {e}"))?;
    let confirmation_tag = commit_pub
        .auth
        .confirmation_tag
        .clone()
        .ok_or("commit_pub has no confirmation tag")?;

    let cases = [
        (
            "proposal",
            FramedContentBody::Proposal(proposal),
            &v.proposal,
            Some(&v.proposal_pub),
            &v.proposal_priv,
        ),
        (
            "commit",
            FramedContentBody::Commit(commit),
            &v.commit,
            Some(&v.commit_pub),
            &v.commit_priv,
        ),
        (
            "application",
            FramedContentBody::Application(v.application.0.clone()),
            &v.application,
            None,
            &v.application_priv,
        ),
    ];
    for (name, body, raw, public, private) in cases {
        let tag = matches!(body, FramedContentBody::Commit(_)).then(|| confirmation_tag.clone());
        (|| {
            if let Some(public) = public {
                let content = unprotect_public(&f, public_message(public)?)?;
                check_body(&content, raw)?;
            }
            protect_public_round_trip(&f, &body, tag.clone(), raw)?;
            let content = decrypt_private(&f, private_message(private)?)?;
            check_body(&content, raw)?;
            protect_private_round_trip(&f, &body, tag, raw, &mut rng)
        })()
        .map_err(|e| format!("{name}: {e}"))?;
    }
    Ok(())
}

fn public_message(bytes: &[u8]) -> Result<PublicMessage, String> {
    match decode_exact::<MlsMessage>(bytes).map(|m| m.body) {
        Ok(MlsMessageBody::PublicMessage(m)) => Ok(m),
        Ok(other) => Err(format!("not a PublicMessage: {:?}", other.wire_format())),
        Err(e) => Err(format!("does not decode: {e}")),
    }
}

fn private_message(bytes: &[u8]) -> Result<PrivateMessage, String> {
    match decode_exact::<MlsMessage>(bytes).map(|m| m.body) {
        Ok(MlsMessageBody::PrivateMessage(m)) => Ok(m),
        Ok(other) => Err(format!("not a PrivateMessage: {:?}", other.wire_format())),
        Err(e) => Err(format!("does not decode: {e}")),
    }
}

/// Fails unless the authenticated content came from leaf 1 and its body
/// encodes to `raw` (a Proposal, a Commit, or the application data
/// itself).
fn check_body(content: &VerifiedContent, raw: &[u8]) -> Result<(), String> {
    if content.sender() != Sender::Member(SENDER) {
        return Err(format!("sender {:?}, want leaf 1", content.sender()));
    }
    let got = match content.body() {
        FramedContentBody::Application(data) => data.clone(),
        FramedContentBody::Proposal(p) => p.to_bytes().map_err(|e| e.to_string())?,
        FramedContentBody::Commit(c) => c.to_bytes().map_err(|e| e.to_string())?,
    };
    check_eq("content", &got, raw)
}

/// Membership tag, then signature (RFC 9420 §6.2).
fn unprotect_public(f: &Fixture<'_>, m: PublicMessage) -> Result<VerifiedContent, String> {
    m.unprotect(&f.suite, &f.context, &f.membership_key)
        .map_err(|e| format!("public unprotect: {e}"))?
        .verify(&f.suite, &f.verifier)
        .map_err(|e| format!("public signature: {e}"))
}

/// Sender data, content decryption with a fresh two-member secret tree,
/// then signature (RFC 9420 §6.3); the used key is merged.
fn decrypt_private(f: &Fixture<'_>, m: PrivateMessage) -> Result<VerifiedContent, String> {
    let mut tree = SecretTree::new(f.encryption_secret.clone(), f.two_members);
    let size = f.two_members;
    m.decrypt(&f.suite, &f.context, &tree, &f.sender_data_secret, |leaf| {
        size.contains_leaf(leaf)
    })
    .map_err(|e| format!("private decrypt: {e}"))?
    .verify_and_merge(&f.suite, &f.verifier, &mut tree)
    .map_err(|e| format!("private signature: {e}"))
}

fn framed(f: &Fixture<'_>, body: &FramedContentBody) -> FramedContent {
    FramedContent {
        group_id: f.context.group_id.clone(),
        epoch: f.context.epoch,
        sender: Sender::Member(SENDER),
        authenticated_data: Vec::new(),
        content: body.clone(),
    }
}

fn sign(
    f: &Fixture<'_>,
    wire_format: WireFormat,
    body: &FramedContentBody,
    confirmation_tag: Option<Vec<u8>>,
) -> Result<AuthenticatedContent, Error> {
    let mut content = AuthenticatedContent::sign(
        &f.suite,
        &f.signer,
        wire_format,
        framed(f, body),
        Some(&f.context),
    )?;
    content.auth.confirmation_tag = confirmation_tag;
    Ok(content)
}

/// Protects as a PublicMessage, encodes and decodes it as an MLSMessage,
/// and unprotects it. Application data must fail to protect (RFC 9420 §6).
fn protect_public_round_trip(
    f: &Fixture<'_>,
    body: &FramedContentBody,
    confirmation_tag: Option<Vec<u8>>,
    raw: &[u8],
) -> Result<(), String> {
    let signed = sign(f, WireFormat::PUBLIC_MESSAGE, body, confirmation_tag);
    if matches!(body, FramedContentBody::Application(_)) {
        return match signed {
            Err(Error::Framing(FramingError::ApplicationInPublicMessage)) => {
                // Framing hand-made content must fail as well.
                let content = AuthenticatedContent {
                    wire_format: WireFormat::PUBLIC_MESSAGE,
                    content: framed(f, body),
                    auth: Default::default(),
                };
                match PublicMessage::protect_member(
                    &f.suite,
                    content,
                    &f.context,
                    &f.membership_key,
                ) {
                    Err(Error::Framing(FramingError::ApplicationInPublicMessage)) => Ok(()),
                    other => Err(format!("application protected as public: {other:?}")),
                }
            }
            other => Err(format!("application signed as public: {other:?}")),
        };
    }
    let signed = signed.map_err(|e| format!("sign: {e}"))?;
    let message = PublicMessage::protect_member(&f.suite, signed, &f.context, &f.membership_key)
        .map_err(|e| format!("public protect: {e}"))?;
    let bytes = MlsMessage::new(MlsMessageBody::PublicMessage(message))
        .to_bytes()
        .map_err(|e| format!("encode: {e}"))?;
    let content = unprotect_public(f, public_message(&bytes)?)?;
    check_body(&content, raw)
}

/// Protects as a PrivateMessage with a fresh sender's secret tree, encodes
/// and decodes it as an MLSMessage, and decrypts it with a fresh
/// receiver's tree.
fn protect_private_round_trip(
    f: &Fixture<'_>,
    body: &FramedContentBody,
    confirmation_tag: Option<Vec<u8>>,
    raw: &[u8],
    rng: &mut TestRng,
) -> Result<(), String> {
    let signed = sign(f, WireFormat::PRIVATE_MESSAGE, body, confirmation_tag)
        .map_err(|e| format!("sign: {e}"))?;
    let mut sender_tree = SecretTree::new(f.encryption_secret.clone(), f.two_members);
    let message = PrivateMessage::protect(
        &f.suite,
        &signed,
        &mut sender_tree,
        &f.sender_data_secret,
        Padding::DEFAULT,
        rng,
    )
    .map_err(|e| format!("private protect: {e}"))?;
    let bytes = MlsMessage::new(MlsMessageBody::PrivateMessage(message))
        .to_bytes()
        .map_err(|e| format!("encode: {e}"))?;
    let content = decrypt_private(f, private_message(&bytes)?)?;
    check_body(&content, raw)
}
