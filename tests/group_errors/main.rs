//! Every group-layer error, triggered through the public API (RFC 9420
//! §6, §11, §12): one test per rule, grouped by error enum, each asserting
//! the exact variant with its facts. Entries that take input from outside
//! (`process_message`, `merge_staged_commit`, `from_bytes`) must leave the
//! group's saved bytes unchanged when they refuse it.
//!
//! Hostile messages are built the way a malicious member would: content
//! signed with a member's own signature key and framed with its membership
//! key, both read from that member's saved state. Rules no honest member's
//! API call can break are reached through saved state edited field by
//! field (the format is written in `group::state`'s module doc).
//!
//! One file per error enum; the helpers that build hostile input are here.

mod commit_error;
mod key_package_error;
mod message_error;
mod proposal_error;
mod state_error;
mod tree_error;
mod welcome_error;

use rfc9420::Error;
use rfc9420::codec::{Decode, Encode, Reader, decode_exact};
use rfc9420::crypto::{
    CipherSuite, HpkePublicKey, RustCryptoProvider, SignaturePrivateKey, SuiteCrypto,
};
use rfc9420::framing::{
    AuthenticatedContent, ContentType, FramedContent, FramedContentBody, MlsMessage,
    MlsMessageBody, PublicMessage, Sender,
};
use rfc9420::group::welcome::{decrypt_group_info, decrypt_group_secrets};
use rfc9420::group::{
    AcceptAllCredentials, CommitError, CommitOptions, Group, GroupConfig, JoinOptions,
    KeyPackageBundle, KeyPackageError, KeyPackageKey, MessageError, Processed, ProposalError,
    StateError, WelcomeError, WireFormatPolicy, validate_key_package,
};
use rfc9420::key_schedule::{EpochSecrets, GroupContext, JoinerSecret, zero_psk_secret};
use rfc9420::messages::{
    Add, Commit, Credential, EncryptedGroupSecrets, Extension, ExtensionType, Extensions,
    ExternalInit, GroupContextExtensions, GroupInfo, KeyPackage, KeyPackageRef, PreSharedKey,
    PreSharedKeyId, Proposal, ProposalOrRef, ProposalRef, ProposalType, ProtocolVersion, PskKind,
    ReInit, Remove, ResumptionPskUsage, Update, Welcome, WireFormat,
};
use rfc9420::secret_tree::SecretTree;
use rfc9420::tree::treekem::TreeKemPrivate;
use rfc9420::tree::validate::{LeafContext, LifetimePolicy};
use rfc9420::tree::{LeafIndex, LeafNodeSource, NodeIndex, RatchetTreeExtension, TreeError};
use rfc9420_test_support::group_harness::{Harness, NOW, key_package};
use rfc9420_test_support::rng::TestRng;

const SUITE: CipherSuite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
static PROVIDER: RustCryptoProvider = RustCryptoProvider;

fn crypto() -> SuiteCrypto<'static> {
    SuiteCrypto::new(&PROVIDER, SUITE).unwrap()
}

/// A group of `n` members (harness positions 0..n at leaves 0..n).
/// A group of `n` members; handshake messages are PublicMessages unless
/// `config` says otherwise, so tests can read and re-sign them.
fn group_of(n: usize, config: GroupConfig, seed: u64) -> Harness {
    let config = if config.wire_format == rfc9420::group::WireFormatPolicy::default() {
        GroupConfig {
            wire_format: rfc9420::group::WireFormatPolicy::MIXED_PUBLIC,
            ..config
        }
    } else {
        config
    };
    let mut h = Harness::new(SUITE, config, seed);
    if n > 1 {
        let joiners = h.new_key_packages(n - 1);
        h.commit(0, CommitOptions::default(), joiners).unwrap();
    }
    h
}

/// `g.process_message(message)` fails with exactly `want`, and the
/// group's saved bytes are unchanged.
fn refuse(g: &mut Group, message: &[u8], want: Error) {
    let before = g.to_bytes().unwrap();
    let got = g.process_message(message, NOW).unwrap_err();
    assert_eq!(got, want);
    assert_eq!(*g.to_bytes().unwrap(), *before, "state changed");
}

/// `Group::from_bytes(bytes)` fails with exactly `want`.
fn refuse_restore(bytes: &[u8], want: Error) {
    let got = Group::from_bytes(RustCryptoProvider, GroupConfig::default(), bytes).unwrap_err();
    assert_eq!(got, want);
}

/// A member's saved state split into its fields, in the order of the
/// saved format: magic, format version, context, tree, private keys,
/// signature key, epoch secrets, secret tree, interim transcript hash,
/// confirmation tag, proposals, past epochs, resumption PSKs, external
/// PSKs, pending update keys, and the rest (the active flag, and
/// whatever later format versions append).
struct Saved {
    fields: Vec<Vec<u8>>,
}

const CONTEXT: usize = 2;
const PRIVATE: usize = 4;
const SIGNER: usize = 5;
const SECRETS: usize = 6;
const SECRET_TREE: usize = 7;
const PAST_EPOCHS: usize = 11;
const UPDATE_KEYS: usize = 14;

/// The bytes `T` occupies at the reader's position.
fn field<T: Decode>(r: &mut Reader<'_>) -> Vec<u8> {
    let rest = r.rest();
    T::decode(r).unwrap();
    rest[..rest.len() - r.remaining()].to_vec()
}

impl Saved {
    fn of(g: &Group) -> Self {
        let bytes = g.to_bytes().unwrap();
        let mut r = Reader::new(&bytes);
        let mut fields = vec![r.take(8).unwrap().to_vec(), r.take(2).unwrap().to_vec()];
        fields.push(field::<GroupContext>(&mut r));
        fields.push(field::<RatchetTreeExtension>(&mut r));
        fields.push(field::<TreeKemPrivate>(&mut r));
        fields.push(field::<SignaturePrivateKey>(&mut r));
        fields.push(field::<EpochSecrets>(&mut r));
        fields.push(field::<SecretTree>(&mut r));
        // Transcript hash, tag, and five vectors, each `<V>`.
        for _ in 0..7 {
            fields.push(field::<Vec<u8>>(&mut r));
        }
        fields.push(r.rest().to_vec());
        Self { fields }
    }

    fn to_bytes(&self) -> Vec<u8> {
        self.fields.concat()
    }

    fn context(&self) -> GroupContext {
        decode_exact(&self.fields[CONTEXT]).unwrap()
    }

    fn set_context(&mut self, context: &GroupContext) {
        self.fields[CONTEXT] = context.to_bytes().unwrap();
    }

    fn signer(&self) -> SignaturePrivateKey {
        decode_exact(&self.fields[SIGNER]).unwrap()
    }

    fn secrets(&self) -> EpochSecrets {
        decode_exact(&self.fields[SECRETS]).unwrap()
    }
}

/// Signs `body` as `sender` with `from`'s signature key in `from`'s
/// current epoch and frames it as a PublicMessage: with `from`'s
/// membership tag for a member sender, without one otherwise. A commit
/// gets `confirmation_tag`.
fn forge(from: &Group, sender: Sender, body: FramedContentBody) -> Vec<u8> {
    let saved = Saved::of(from);
    let context = saved.context();
    let is_commit = matches!(body, FramedContentBody::Commit(_));
    let content = FramedContent {
        group_id: context.group_id.clone(),
        epoch: context.epoch,
        sender,
        authenticated_data: Vec::new(),
        content: body,
    };
    let crypto = crypto();
    let with_context = matches!(sender, Sender::Member(_) | Sender::NewMemberCommit);
    let mut signed = AuthenticatedContent::sign(
        &crypto,
        &saved.signer(),
        WireFormat::PUBLIC_MESSAGE,
        content,
        with_context.then_some(&context),
    )
    .unwrap();
    if is_commit {
        // Any tag: every rule tested here is checked before it.
        signed.auth.confirmation_tag = Some(vec![0; crypto.hash_len()]);
    }
    let message = match sender {
        Sender::Member(_) => PublicMessage::protect_member(
            &crypto,
            signed,
            &context,
            &saved.secrets().membership_key,
        ),
        _ => PublicMessage::protect_non_member(signed),
    }
    .unwrap();
    MlsMessage::new(MlsMessageBody::PublicMessage(message))
        .to_bytes()
        .unwrap()
}

/// A proposal by member `from`, sent by reference.
fn forge_proposal(from: &Group, proposal: Proposal) -> Vec<u8> {
    forge(
        from,
        Sender::Member(from.own_leaf()),
        FramedContentBody::Proposal(proposal),
    )
}

/// A commit by member `from` of `proposals` (by value or reference),
/// without a path.
fn forge_commit(from: &Group, proposals: Vec<ProposalOrRef>) -> Vec<u8> {
    let commit = Commit {
        proposals,
        path: None,
    };
    forge(
        from,
        Sender::Member(from.own_leaf()),
        FramedContentBody::Commit(commit),
    )
}

fn by_value(proposals: Vec<Proposal>) -> Vec<ProposalOrRef> {
    proposals
        .into_iter()
        .map(|p| ProposalOrRef::Proposal(Box::new(p)))
        .collect()
}

fn remove(leaf: u32) -> Proposal {
    Proposal::Remove(Remove {
        removed: LeafIndex(leaf),
    })
}

fn external_psk(nonce_len: usize) -> PreSharedKeyId {
    PreSharedKeyId {
        psk: PskKind::External {
            psk_id: b"psk".to_vec(),
        },
        psk_nonce: vec![7; nonce_len],
    }
}

fn group_context_extensions(extensions: Vec<Extension>) -> Proposal {
    Proposal::GroupContextExtensions(GroupContextExtensions {
        extensions: Extensions(extensions),
    })
}

/// `Group::join` with the harness's configuration and time.
fn join(welcome: &[u8], own: &KeyPackageBundle, options: JoinOptions) -> Result<Group, Error> {
    Group::join(
        RustCryptoProvider,
        GroupConfig::default(),
        welcome,
        own,
        options,
        NOW,
    )
}

/// A Welcome of member 0 adding a fresh member, and that member's bundle.
fn welcome_for_one(seed: u64, options: CommitOptions) -> (Vec<u8>, KeyPackageBundle) {
    let mut h = group_of(2, GroupConfig::default(), seed);
    let joiner = h.new_key_packages(1).remove(0);
    let mut options = options;
    options.proposals.push(Proposal::Add(Add {
        key_package: joiner.key_package().clone(),
    }));
    let created = h
        .group(0)
        .create_commit(options, NOW, &mut TestRng::new(seed))
        .unwrap();
    (created.welcome.unwrap(), joiner)
}

/// The Welcome `welcome` addressed to `from`, re-encrypted to `to` with
/// its GroupInfo changed by `edit` (a committer that knows the joiner
/// secret can do this; the GroupInfo signature is not renewed).
fn rewelcome(
    welcome: &[u8],
    from: &KeyPackageBundle,
    to: &KeyPackage,
    edit: impl FnOnce(&mut GroupInfo),
) -> Vec<u8> {
    let crypto = crypto();
    let MlsMessageBody::Welcome(mut w) = decode_exact::<MlsMessage>(welcome).unwrap().body else {
        panic!("not a Welcome");
    };
    let secrets =
        decrypt_group_secrets(&crypto, &w, from.key_package(), from.init_private_key()).unwrap();
    assert!(secrets.psks.is_empty());
    let joiner = JoinerSecret::from_secret(&crypto, secrets.joiner_secret.clone()).unwrap();
    let welcome_secret = joiner
        .welcome_secret(&crypto, &zero_psk_secret(&crypto))
        .unwrap();
    let mut group_info = decrypt_group_info(&crypto, &w, &welcome_secret).unwrap();
    edit(&mut group_info);
    let key_nonce = welcome_secret.key_nonce(&crypto).unwrap();
    w.encrypted_group_info = crypto
        .aead_seal(
            key_nonce.key().as_bytes(),
            key_nonce.nonce().as_bytes(),
            &[],
            &group_info.to_bytes().unwrap(),
        )
        .unwrap();
    let encrypted = crypto
        .encrypt_with_label(
            &to.init_key,
            Welcome::LABEL,
            &w.encrypted_group_info,
            &secrets.to_bytes().unwrap(),
            &mut TestRng::new(5),
        )
        .unwrap();
    w.secrets = vec![EncryptedGroupSecrets {
        new_member: KeyPackageRef(crypto.key_package_ref(&to.to_bytes().unwrap()).unwrap()),
        encrypted_group_secrets: encrypted,
    }];
    MlsMessage::new(MlsMessageBody::Welcome(w))
        .to_bytes()
        .unwrap()
}
