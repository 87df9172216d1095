//! A pure-Rust, sans-IO implementation of the Messaging Layer Security
//! protocol, [RFC 9420].
//!
//! The crate does no I/O: bytes, randomness and time go in as arguments;
//! bytes and values come out. The caller owns transport, storage and
//! clocks. Every decoder and every processing step returns a typed
//! [`Error`] on bad input and leaves the caller's state as it was; secrets
//! are zeroized on drop and never printed.
//!
//! # Layers
//!
//! The modules follow the RFC:
//!
//! | module | RFC 9420 |
//! |---|---|
//! | [`codec`] | §2.1 wire encoding of every structure |
//! | [`crypto`] | §5 cipher suites 1-7, labeled KDF, signatures and HPKE; [`RustCryptoProvider`] |
//! | [`tree`] | §4, §7 ratchet tree, tree and parent hashes, validation, TreeKEM |
//! | [`key_schedule`] | §8 epoch secrets, transcript hashes, PSKs, exporter |
//! | [`secret_tree`] | §9 per-sender message keys |
//! | [`framing`] | §6 PublicMessage and PrivateMessage protection |
//! | [`messages`] | §10-§13 KeyPackage, proposals, Commit, Welcome, GroupInfo |
//! | [`group`] | §12.4.3.1 joining from a Welcome |
//!
//! The group state machine that ties these into proposals, commits and
//! joins behind one type is not built yet; the example below uses the
//! layers directly.
//!
//! # Example: two members
//!
//! Alice and Bob share a two-leaf ratchet tree and the secrets of epoch 0
//! (as after Bob joined). Alice commits a fresh UpdatePath, Bob processes
//! it, both enter epoch 1 with the same secrets, and Alice sends Bob an
//! encrypted application message.
//!
//! ```
//! use rfc9420::codec::Encode;
//! use rfc9420::crypto::{CipherSuite, HpkePrivateKey, SignaturePrivateKey, SuiteCrypto};
//! use rfc9420::framing::{
//!     AuthenticatedContent, FramedContent, FramedContentBody, Padding, PrivateMessage, Sender,
//! };
//! use rfc9420::key_schedule::{EpochSecrets, GroupContext, JoinerSecret, zero_psk_secret};
//! use rfc9420::messages::{Credential, CredentialType, Extensions, ProtocolVersion, WireFormat};
//! use rfc9420::secret_tree::SecretTreeConfig;
//! use rfc9420::tree::treekem::{self, TreeKemPrivate};
//! use rfc9420::tree::validate::{LeafContext, LifetimePolicy, Timestamp, validate_tree};
//! use rfc9420::tree::{
//!     Capabilities, LeafIndex, LeafNode, LeafNodeSource, Lifetime, Node, RatchetTree, TreeDiff,
//!     TreeView,
//! };
//! use rfc9420::{Error, RustCryptoProvider};
//!
//! # fn main() -> Result<(), Error> {
//! let provider = RustCryptoProvider;
//! let suite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
//! let crypto = SuiteCrypto::new(&provider, suite)?;
//! // Randomness is always the caller's: here the operating system's.
//! let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
//! let now = Timestamp(1_800_000_000);
//! let group_id = b"example group".to_vec();
//!
//! // A member: signature and HPKE keys, and a signed leaf (RFC 9420 §7.2).
//! let mut member = |name: &str| -> Result<(LeafNode, SignaturePrivateKey, HpkePrivateKey), Error> {
//!     let (signer, signature_key) = crypto.generate_signature_key_pair(&mut rng)?;
//!     let (hpke_private, encryption_key) = crypto.generate_hpke_key_pair(&mut rng)?;
//!     let mut leaf = LeafNode {
//!         encryption_key,
//!         signature_key,
//!         credential: Credential::basic(name.as_bytes().to_vec()),
//!         capabilities: Capabilities {
//!             versions: vec![ProtocolVersion::MLS10],
//!             cipher_suites: vec![suite],
//!             credentials: vec![CredentialType::BASIC],
//!             ..Capabilities::default()
//!         },
//!         leaf_node_source: LeafNodeSource::KeyPackage(Lifetime {
//!             not_before: now.0 - 3600,
//!             not_after: now.0 + 30 * 86_400,
//!         }),
//!         extensions: Extensions::default(),
//!         signature: Vec::new(),
//!     };
//!     let tbs = leaf.tbs_bytes(&[], LeafIndex(0))?;
//!     leaf.signature = crypto.sign_with_label(&signer, "LeafNodeTBS", &tbs)?;
//!     Ok((leaf, signer, hpke_private))
//! };
//! let (alice_leaf, alice_signer, alice_hpke) = member("alice")?;
//! let (bob_leaf, _bob_signer, bob_hpke) = member("bob")?;
//! let (alice, bob) = (LeafIndex(0), LeafIndex(1));
//!
//! // The tree both hold, validated as a joiner validates it (§12.4.3.1).
//! let nodes = vec![Some(Node::leaf(alice_leaf.clone())), None, Some(Node::leaf(bob_leaf.clone()))];
//! let mut alice_tree = RatchetTree::from_nodes(&crypto, nodes)?;
//! let accept_all = |_: &_, _: &_| true; // the application's credential check (§5.3.1)
//! let policy = LeafContext {
//!     group_id: &group_id,
//!     required_capabilities: None,
//!     lifetime: LifetimePolicy::receiving(),
//!     now,
//!     credentials: &accept_all,
//! };
//! let tree_hash = alice_tree.tree_hash().to_vec();
//! validate_tree(&crypto, &alice_tree, &tree_hash, &policy)?;
//! let mut bob_tree = alice_tree.clone();
//! let epoch0 = EpochSecrets::for_new_group(&crypto, &mut rng)?;
//!
//! // Alice stages a commit with a fresh path, then encrypts the path
//! // secrets under the provisional GroupContext of epoch 1 (§7.5, §7.6).
//! let mut alice_diff = TreeDiff::new(&alice_tree);
//! let pending = treekem::prepare_update_path(
//!     &crypto, &mut alice_diff, alice, alice_leaf, &alice_signer, &group_id, &mut rng,
//! )?;
//! let context = GroupContext {
//!     version: ProtocolVersion::MLS10,
//!     cipher_suite: suite,
//!     group_id: group_id.clone(),
//!     epoch: 1,
//!     tree_hash: alice_diff.tree_hash(&crypto)?,
//!     confirmed_transcript_hash: Vec::new(),
//!     extensions: Extensions::default(),
//! };
//! let context_bytes = context.to_bytes()?;
//! let no_new_members = |_: LeafIndex| false;
//! let path = treekem::encrypt_update_path(
//!     &crypto, &alice_diff, &pending, &context_bytes, &no_new_members, &mut rng,
//! )?;
//! let alice_staged = alice_diff.into_staged(&crypto)?;
//!
//! // Bob merges the path into his own staged tree and decrypts his secret.
//! let bob_private = TreeKemPrivate::new(bob, bob_leaf.encryption_key.clone(), bob_hpke)?;
//! let mut bob_diff = TreeDiff::new(&bob_tree);
//! treekem::merge_update_path(&crypto, &mut bob_diff, alice, &path)?;
//! let received = treekem::decrypt_update_path(
//!     &crypto, &bob_diff, alice, &path, &bob_private, &context_bytes, &no_new_members,
//! )?;
//! assert_eq!(received.commit_secret, pending.commit_secret);
//! let bob_staged = bob_diff.into_staged(&crypto)?;
//! assert_eq!(bob_staged.tree_hash(), alice_staged.tree_hash());
//!
//! // Both enter epoch 1: the trees merge, the key schedule runs (§8).
//! alice_tree.merge(alice_staged);
//! bob_tree.merge(bob_staged);
//! let epoch1 = |commit_secret| -> Result<EpochSecrets, Error> {
//!     JoinerSecret::derive(&crypto, &epoch0.init_secret, commit_secret, &context_bytes)?
//!         .epoch_secrets(&crypto, &zero_psk_secret(&crypto), &context_bytes)
//! };
//! let (alice_epoch, bob_epoch) = (epoch1(&pending.commit_secret)?, epoch1(&received.commit_secret)?);
//! assert_eq!(alice_epoch.epoch_authenticator, bob_epoch.epoch_authenticator);
//!
//! // Alice encrypts an application message (§6.3) ...
//! let mut alice_keys = alice_epoch.secret_tree(alice_tree.size(), SecretTreeConfig::DEFAULT);
//! let content = FramedContent {
//!     group_id: group_id.clone(),
//!     epoch: 1,
//!     sender: Sender::Member(alice),
//!     authenticated_data: Vec::new(),
//!     content: FramedContentBody::Application(b"hello, Bob".to_vec()),
//! };
//! let signed = AuthenticatedContent::sign(
//!     &crypto, &alice_signer, WireFormat::PRIVATE_MESSAGE, content, Some(&context),
//! )?;
//! let message = PrivateMessage::protect(
//!     &crypto, &signed, &mut alice_keys, &alice_epoch.sender_data_secret, Padding::DEFAULT, &mut rng,
//! )?;
//!
//! // ... and Bob decrypts it and checks Alice's signature from his tree.
//! let mut bob_keys = bob_epoch.secret_tree(bob_tree.size(), SecretTreeConfig::DEFAULT);
//! let decrypted = message.decrypt(
//!     &crypto, &context, &bob_keys, &bob_epoch.sender_data_secret,
//!     |leaf| bob_tree.leaf(leaf).is_some(),
//! )?;
//! let sender_key = &bob_tree.leaf(decrypted.sender_leaf()).expect("a member").signature_key;
//! let verified = decrypted.verify_and_merge(&crypto, sender_key, &mut bob_keys)?;
//! assert_eq!(verified.body(), &FramedContentBody::Application(b"hello, Bob".to_vec()));
//! # Ok(())
//! # }
//! ```
//!
//! [RFC 9420]: https://www.rfc-editor.org/rfc/rfc9420
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

pub mod codec;
pub mod crypto;
pub mod error;
pub mod framing;
pub mod group;
pub mod key_schedule;
pub mod messages;
pub mod secret_tree;
pub mod tree;

pub use crate::crypto::{CipherSuite, CryptoProvider, RustCryptoProvider};
pub use crate::error::{Error, Result};
