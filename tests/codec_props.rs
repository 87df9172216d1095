//! Property tests of the codec (RFC 9420 §2.1): no input panics a public
//! decoder, and every successful decode is canonical: re-encoding the
//! value gives back exactly the input bytes.
//!
//! Inputs are arbitrary bytes, arbitrary bytes behind a valid message
//! header, and mutations (byte flips, overwrites, insertions, deletions,
//! truncations) of the official `messages.json` vectors and of saved
//! state (secret tree, TreeKEM keys, epoch secrets).

use std::sync::OnceLock;

use proptest::prelude::*;
use proptest::sample::Index;
use rfc9420::RustCryptoProvider;
use rfc9420::codec::{Decode, Encode, decode_exact};
use rfc9420::crypto::{CipherSuite, Secret, SuiteCrypto};
use rfc9420::framing::MlsMessage;
use rfc9420::framing::{
    AuthenticatedContent, ContentType, FramedContent, PrivateMessage, PrivateMessageContent,
    PublicMessage, Sender, SenderData,
};
use rfc9420::key_schedule::{EpochSecrets, GroupContext};
use rfc9420::messages::{
    Add, Commit, Credential, Extensions, ExternalInit, ExternalSenders, GroupContextExtensions,
    GroupInfo, GroupSecrets, KeyPackage, PreSharedKey, PreSharedKeyId, Proposal, ProposalOrRef,
    RatchetTreeExtension, ReInit, Remove, RequiredCapabilities, Update, UpdatePath, Welcome,
};
use rfc9420::secret_tree::{RatchetType, SecretTree, SecretTreeConfig};
use rfc9420::tree::treekem::TreeKemPrivate;
use rfc9420::tree::{LeafIndex, LeafNode, Node, NodeIndex, ParentNode, TreeSize};

/// A decoder under test: decodes the whole input and, on success, checks
/// that re-encoding reproduces it.
type Check = fn(&[u8]) -> Result<(), TestCaseError>;

fn canonical<T: Decode + Encode + core::fmt::Debug>(bytes: &[u8]) -> Result<(), TestCaseError> {
    if let Ok(value) = decode_exact::<T>(bytes) {
        let again = value
            .to_bytes()
            .map_err(|e| TestCaseError::fail(format!("decoded {value:?} does not encode: {e}")))?;
        prop_assert_eq!(
            again,
            bytes,
            "{} re-encodes differently",
            std::any::type_name::<T>()
        );
    }
    Ok(())
}

fn private_content(content_type: ContentType, bytes: &[u8]) -> Result<(), TestCaseError> {
    if let Ok(value) = PrivateMessageContent::decode_for(content_type, bytes) {
        prop_assert_eq!(value.content.content_type(), content_type);
        let again = value
            .to_bytes()
            .map_err(|e| TestCaseError::fail(format!("{value:?} does not encode: {e}")))?;
        prop_assert_eq!(again, bytes, "PrivateMessageContent re-encodes differently");
    }
    Ok(())
}

/// Every public decoder.
const ALL: &[(&str, Check)] = &[
    ("MlsMessage", canonical::<MlsMessage>),
    ("KeyPackage", canonical::<KeyPackage>),
    ("Welcome", canonical::<Welcome>),
    ("GroupInfo", canonical::<GroupInfo>),
    ("GroupSecrets", canonical::<GroupSecrets>),
    ("GroupContext", canonical::<GroupContext>),
    ("Proposal", canonical::<Proposal>),
    ("ProposalOrRef", canonical::<ProposalOrRef>),
    ("Add", canonical::<Add>),
    ("Update", canonical::<Update>),
    ("Remove", canonical::<Remove>),
    ("PreSharedKey", canonical::<PreSharedKey>),
    ("ReInit", canonical::<ReInit>),
    ("ExternalInit", canonical::<ExternalInit>),
    (
        "GroupContextExtensions",
        canonical::<GroupContextExtensions>,
    ),
    ("Commit", canonical::<Commit>),
    ("UpdatePath", canonical::<UpdatePath>),
    ("Vec<Option<Node>>", canonical::<Vec<Option<Node>>>),
    ("Node", canonical::<Node>),
    ("LeafNode", canonical::<LeafNode>),
    ("ParentNode", canonical::<ParentNode>),
    ("Credential", canonical::<Credential>),
    ("Extensions", canonical::<Extensions>),
    ("RatchetTreeExtension", canonical::<RatchetTreeExtension>),
    ("RequiredCapabilities", canonical::<RequiredCapabilities>),
    ("ExternalSenders", canonical::<ExternalSenders>),
    ("PreSharedKeyId", canonical::<PreSharedKeyId>),
    ("FramedContent", canonical::<FramedContent>),
    ("AuthenticatedContent", canonical::<AuthenticatedContent>),
    ("PublicMessage", canonical::<PublicMessage>),
    ("PrivateMessage", canonical::<PrivateMessage>),
    ("Sender", canonical::<Sender>),
    ("SenderData", canonical::<SenderData>),
    ("PrivateMessageContent(application)", |b| {
        private_content(ContentType::Application, b)
    }),
    ("PrivateMessageContent(proposal)", |b| {
        private_content(ContentType::Proposal, b)
    }),
    ("PrivateMessageContent(commit)", |b| {
        private_content(ContentType::Commit, b)
    }),
    ("SecretTree", canonical::<SecretTree>),
    ("TreeKemPrivate", canonical::<TreeKemPrivate>),
    ("EpochSecrets", canonical::<EpochSecrets>),
];

fn check_all(bytes: &[u8]) -> Result<(), TestCaseError> {
    for (_, check) in ALL {
        check(bytes)?;
    }
    Ok(())
}

/// The decoder for each field of `messages.json`.
const FIELDS: &[(&str, Check)] = &[
    ("mls_welcome", canonical::<MlsMessage>),
    ("mls_group_info", canonical::<MlsMessage>),
    ("mls_key_package", canonical::<MlsMessage>),
    ("ratchet_tree", canonical::<Vec<Option<Node>>>),
    ("group_secrets", canonical::<GroupSecrets>),
    ("add_proposal", canonical::<Add>),
    ("update_proposal", canonical::<Update>),
    ("remove_proposal", canonical::<Remove>),
    ("pre_shared_key_proposal", canonical::<PreSharedKey>),
    ("re_init_proposal", canonical::<ReInit>),
    ("external_init_proposal", canonical::<ExternalInit>),
    (
        "group_context_extensions_proposal",
        canonical::<GroupContextExtensions>,
    ),
    ("commit", canonical::<Commit>),
    ("public_message_application", canonical::<MlsMessage>),
    ("public_message_proposal", canonical::<MlsMessage>),
    ("public_message_commit", canonical::<MlsMessage>),
    ("private_message", canonical::<MlsMessage>),
];

/// The proposal fields of `messages.json` and their proposal types.
const PROPOSAL_FIELDS: &[(&str, u16)] = &[
    ("add_proposal", 1),
    ("update_proposal", 2),
    ("remove_proposal", 3),
    ("pre_shared_key_proposal", 4),
    ("re_init_proposal", 5),
    ("external_init_proposal", 6),
    ("group_context_extensions_proposal", 7),
];

use rfc9420_test_support::vector_files;

/// `messages.json`, each vector as its fields' bytes in the order of
/// [`FIELDS`].
fn vectors() -> &'static [Vec<Vec<u8>>] {
    static VECTORS: OnceLock<Vec<Vec<Vec<u8>>>> = OnceLock::new();
    VECTORS.get_or_init(|| {
        vector_files::load("messages.json")
            .iter()
            .map(|v| {
                FIELDS
                    .iter()
                    .map(|(name, _)| hex::decode(v[name].as_str().unwrap()).unwrap())
                    .collect()
            })
            .collect()
    })
}

fn field(vector: &[Vec<u8>], name: &str) -> Vec<u8> {
    let i = FIELDS.iter().position(|(n, _)| *n == name).unwrap();
    vector[i].clone()
}

/// Saved state in use, each encoding with its decoder: a secret tree
/// after sending and out-of-order receiving, a member's TreeKEM keys on
/// its whole direct path, and the secrets of an epoch.
fn states() -> &'static [(Vec<u8>, Check)] {
    static STATES: OnceLock<Vec<(Vec<u8>, Check)>> = OnceLock::new();
    STATES.get_or_init(|| {
        let suite = SuiteCrypto::new(
            &RustCryptoProvider,
            CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519,
        )
        .unwrap();
        let config = SecretTreeConfig {
            max_forward_distance: 20,
            max_retained_keys: 3,
        };
        let size = TreeSize::for_leaves(4).unwrap();
        let mut tree = SecretTree::with_config(Secret::new(vec![1; 32]), size, config);
        tree.next_encryption_key(&suite, LeafIndex(0), RatchetType::Application)
            .unwrap();
        for generation in [5, 3] {
            tree.decryption_key(&suite, LeafIndex(3), RatchetType::Handshake, generation)
                .unwrap();
        }

        let (leaf_private, leaf_public) = suite.derive_key_pair(&[2; 32]).unwrap();
        let mut keys = TreeKemPrivate::new(LeafIndex(2), leaf_public, leaf_private).unwrap();
        for node in [5, 3] {
            keys.set_path_secret(&suite, NodeIndex(node), &Secret::new(vec![3; 32]))
                .unwrap();
        }

        let epoch = EpochSecrets::from_epoch_secret(&suite, &Secret::new(vec![4; 32])).unwrap();
        vec![
            (tree.to_bytes().unwrap(), canonical::<SecretTree> as Check),
            (keys.to_bytes().unwrap(), canonical::<TreeKemPrivate>),
            (epoch.to_bytes().unwrap(), canonical::<EpochSecrets>),
        ]
    })
}

/// Bytes that sit on the boundaries of the encoding: small lengths and
/// discriminants, varint prefixes, optional markers.
fn interesting_byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        any::<u8>(),
        proptest::sample::select(
            &[
                0u8, 1, 2, 3, 4, 5, 7, 0x3f, 0x40, 0x41, 0x7f, 0x80, 0xbf, 0xc0, 0xff
            ][..]
        ),
    ]
}

/// One change to a byte string.
#[derive(Debug, Clone)]
enum Mutation {
    Flip(Index, u8),
    Overwrite(Index, u8),
    Insert(Index, u8),
    Delete(Index, usize),
    Truncate(Index),
    /// Rewrites the byte at the index, read as a one- or two-byte varint
    /// header, in the next longer (non-minimal) form.
    Lengthen(Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        3 => (any::<Index>(), 1..=255u8).prop_map(|(i, x)| Mutation::Flip(i, x)),
        2 => (any::<Index>(), interesting_byte()).prop_map(|(i, b)| Mutation::Overwrite(i, b)),
        2 => (any::<Index>(), interesting_byte()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        1 => (any::<Index>(), 1..8usize).prop_map(|(i, n)| Mutation::Delete(i, n)),
        1 => any::<Index>().prop_map(Mutation::Truncate),
        2 => any::<Index>().prop_map(Mutation::Lengthen),
    ]
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    let len = bytes.len();
    match *m {
        _ if len == 0 => bytes.push(0),
        Mutation::Flip(ref i, x) => bytes[i.index(len)] ^= x,
        Mutation::Overwrite(ref i, b) => bytes[i.index(len)] = b,
        Mutation::Insert(ref i, b) => bytes.insert(i.index(len + 1), b),
        Mutation::Delete(ref i, n) => {
            let at = i.index(len);
            bytes.drain(at..(at + n).min(len));
        }
        Mutation::Truncate(ref i) => bytes.truncate(i.index(len)),
        Mutation::Lengthen(ref i) => {
            let at = i.index(len);
            let b = bytes[at];
            let longer = match b >> 6 {
                0 => vec![0x40, b],
                1 => vec![0x80, 0, b & 0x3f],
                _ => vec![b],
            };
            bytes.splice(at..=at, longer);
        }
    }
}

/// Valid MLSMessage headers, to get arbitrary bytes past the envelope.
fn header() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![(1..=5u8).prop_map(|wf| vec![0, 1, 0, wf]), Just(vec![]),]
}

/// A PrivateMessageContent plaintext built from a vector's fields: the
/// content of `content_type`, authentication data and zero padding.
fn plaintext(
    vector: &[Vec<u8>],
    content_type: ContentType,
    proposal: usize,
    padding: usize,
) -> Vec<u8> {
    let mut out = match content_type {
        ContentType::Application => {
            let data = field(vector, "remove_proposal");
            let mut out = vec![u8::try_from(data.len()).unwrap()];
            out.extend(data);
            out
        }
        ContentType::Proposal => {
            let (name, t) = PROPOSAL_FIELDS[proposal % PROPOSAL_FIELDS.len()];
            let mut out = t.to_be_bytes().to_vec();
            out.extend(field(vector, name));
            out
        }
        ContentType::Commit => field(vector, "commit"),
    };
    out.extend_from_slice(&[2, 0x51, 0x52]);
    if content_type == ContentType::Commit {
        out.extend_from_slice(&[1, 0x7a]);
    }
    out.resize(out.len() + padding, 0);
    out
}

fn content_type() -> impl Strategy<Value = ContentType> {
    prop_oneof![
        Just(ContentType::Application),
        Just(ContentType::Proposal),
        Just(ContentType::Commit),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic_and_decode_canonically(
        bytes in proptest::collection::vec(any::<u8>(), 0..512),
    ) {
        check_all(&bytes)?;
    }

    #[test]
    fn short_inputs_of_boundary_bytes(
        bytes in proptest::collection::vec(interesting_byte(), 0..40),
    ) {
        check_all(&bytes)?;
    }

    #[test]
    fn arbitrary_bodies_behind_a_valid_header(
        head in header(),
        tail in proptest::collection::vec(any::<u8>(), 0..512),
    ) {
        let mut bytes = head;
        bytes.extend(tail);
        check_all(&bytes)?;
    }

    #[test]
    fn mutated_vector_fields(
        vector in any::<Index>(),
        which in any::<Index>(),
        mutations in proptest::collection::vec(mutation(), 1..4),
    ) {
        let vector: &Vec<Vec<u8>> = vector.get(vectors());
        let i = which.index(FIELDS.len());
        let (_, check) = FIELDS[i];
        let mut bytes = vector[i].clone();
        for m in &mutations {
            apply(&mut bytes, m);
        }
        check(&bytes)?;
        check_all(&bytes)?;
        // The message bodies on their own.
        if let Some(body) = bytes.get(4..) {
            check_all(body)?;
        }
    }

    #[test]
    fn mutated_state_encodings(
        which in any::<Index>(),
        mutations in proptest::collection::vec(mutation(), 1..4),
    ) {
        let (bytes, check) = which.get(states());
        let mut bytes = bytes.clone();
        for m in &mutations {
            apply(&mut bytes, m);
        }
        check(&bytes)?;
        check_all(&bytes)?;
    }

    #[test]
    fn mutated_private_message_plaintexts(
        vector in any::<Index>(),
        ct in content_type(),
        proposal in any::<usize>(),
        padding in 0..40usize,
        mutations in proptest::collection::vec(mutation(), 0..3),
    ) {
        let vector: &Vec<Vec<u8>> = vector.get(vectors());
        let mut bytes = plaintext(vector, ct, proposal, padding);
        if mutations.is_empty() {
            let decoded = PrivateMessageContent::decode_for(ct, &bytes);
            prop_assert!(decoded.is_ok(), "{:?}", decoded);
            prop_assert_eq!(decoded.unwrap().padding, padding);
        }
        for m in &mutations {
            apply(&mut bytes, m);
        }
        for ct in [ContentType::Application, ContentType::Proposal, ContentType::Commit] {
            private_content(ct, &bytes)?;
        }
    }
}

#[test]
fn saved_state_decodes_canonically() {
    for (bytes, check) in states() {
        check(bytes).unwrap();
    }
    let (tree, _) = &states()[0];
    let restored: SecretTree = decode_exact(tree).unwrap();
    assert_eq!(restored.to_bytes().unwrap(), *tree);
}

#[test]
fn every_vector_field_is_canonical() {
    for vector in vectors() {
        for ((name, check), bytes) in FIELDS.iter().zip(vector) {
            check(bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }
}
