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
//! The modules follow the RFC and form a directed acyclic graph: each one
//! uses only those listed above it (the one [`Error`] type aside).
//!
//! | module | RFC 9420 | uses |
//! |---|---|---|
//! | [`codec`] | §2.1 wire encoding of every structure | |
//! | [`crypto`] | §5 cipher suites 1-7, labeled KDF, signatures and HPKE; [`RustCryptoProvider`] | codec |
//! | [`tree_math`] | Appendix C array tree math | codec |
//! | [`types`] | §5.3, §13, §17 registries and code points, credentials, extensions | codec, crypto |
//! | [`tree`] | §4, §7 ratchet tree, tree and parent hashes, validation, TreeKEM, UpdatePath | codec, crypto, tree_math, types |
//! | [`messages`] | §8.1, §10-§12 GroupContext, KeyPackage, proposals, Commit, Welcome, GroupInfo | codec, crypto, types, tree |
//! | [`key_schedule`] | §8 epoch secrets, transcript hashes, PSKs, exporter | codec, crypto, messages |
//! | [`secret_tree`] | §9 per-sender message keys | codec, crypto, tree_math |
//! | [`framing`] | §6 PublicMessage, PrivateMessage and the MLSMessage envelope | all of the above |
//! | [`group`] | §10-§13 the [`Group`] state machine: KeyPackages (with GREASE), create, proposals (application-defined ones too), commits, Welcome joins, external joins, ReInit successors and branches (§11.2, §11.3), message processing, saved state; proposals from external senders | all of the above |
//!
//! A private module, `par`, runs two independent pieces of one step at once
//! with the `parallel` feature (and one after the other without it); it
//! uses nothing, and [`crypto`] (batch verification), [`tree`] (tree
//! hashes, a tree's leaf signatures beside its other checks) and
//! [`group`] use it.
//!
//! Most applications need only [`group`] and the re-exports at the crate
//! root; the lower layers are public for tests, tools and other state
//! machines.
//!
//! # Example: two members
//!
//! Alice creates a group and adds Bob, who joins from the Welcome; they
//! exchange messages both ways; Bob updates his keys by proposing an
//! Update that Alice commits; Alice removes Bob.
//!
//! ```
//! use rfc9420::crypto::{CipherSuite, SuiteCrypto};
//! use rfc9420::group::{
//!     CommitOptions, Group, GroupConfig, JoinOptions, KeyPackageBundle, KeyPackageOptions,
//!     Processed,
//! };
//! use rfc9420::messages::{Credential, Extensions, Proposal, Remove};
//! use rfc9420::tree::validate::Timestamp;
//! use rfc9420::{Error, RustCryptoProvider};
//!
//! # fn main() -> Result<(), Error> {
//! let suite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
//! let crypto = SuiteCrypto::new(&RustCryptoProvider, suite)?;
//! // Randomness and time are always the caller's.
//! let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
//! let now = Timestamp(1_800_000_000);
//! let key_package = |name: &str, rng: &mut _| {
//!     let credential = Credential::basic(name.as_bytes().to_vec());
//!     let options = KeyPackageOptions::default();
//!     KeyPackageBundle::generate_with_new_signature_key(&crypto, credential, &options, now, rng)
//! };
//! let alice_kp = key_package("alice", &mut rng)?;
//! let bob_kp = key_package("bob", &mut rng)?;
//!
//! // Alice creates the group and adds Bob (RFC 9420 §11, §12.1.1).
//! let config = GroupConfig::default();
//! let mut alice = Group::create(
//!     RustCryptoProvider, config.clone(), &alice_kp, b"group".to_vec(),
//!     Extensions::default(), now, &mut rng,
//! )?;
//! let add = Proposal::Add(rfc9420::messages::Add { key_package: bob_kp.key_package().clone() });
//! let out = alice.create_commit(CommitOptions::with_proposals(vec![add]), now, &mut rng)?;
//! // The commit stays pending (and in Alice's saved bytes) until the
//! // delivery service accepts it; then Alice enters epoch 1.
//! assert!(alice.has_pending_commit());
//! alice.merge_pending_commit()?;
//!
//! // Bob joins from the Welcome, which carries the ratchet tree.
//! let welcome = out.welcome.expect("a Welcome for Bob");
//! let mut bob = Group::join(
//!     RustCryptoProvider, config, &welcome, &bob_kp, JoinOptions::default(), now,
//! )?;
//! assert_eq!(bob.epoch_authenticator(), alice.epoch_authenticator());
//!
//! // Messages both ways (PrivateMessages, §6.3).
//! let hello = alice.create_message(b"hello, Bob", b"", &mut rng)?;
//! match bob.process_message(&hello, now)? {
//!     Processed::Application(m) => assert_eq!(m.data, b"hello, Bob"),
//!     other => panic!("unexpected {other:?}"),
//! }
//! let reply = bob.create_message(b"hi, Alice", b"", &mut rng)?;
//! match alice.process_message(&reply, now)? {
//!     Processed::Application(m) => assert_eq!(m.data, b"hi, Alice"),
//!     other => panic!("unexpected {other:?}"),
//! }
//!
//! // Bob proposes an Update of his leaf (§12.1.2); Alice commits it.
//! let (proposal, _reference) = bob.propose_update(b"", now, &mut rng)?;
//! let Processed::Proposal(_) = alice.process_message(&proposal, now)? else { panic!() };
//! let out = alice.create_commit(CommitOptions::default(), now, &mut rng)?;
//! alice.merge_staged_commit(out.staged)?;
//! let Processed::Commit(staged) = bob.process_message(&out.commit, now)? else { panic!() };
//! assert_eq!(staged.effects().updated.len(), 1);
//! bob.merge_staged_commit(*staged)?;
//! assert_eq!(bob.epoch_authenticator(), alice.epoch_authenticator());
//!
//! // Alice removes Bob (§12.1.3); Bob sees that the commit removes him.
//! let remove = Proposal::Remove(Remove { removed: bob.own_leaf() });
//! let out = alice.create_commit(CommitOptions::with_proposals(vec![remove]), now, &mut rng)?;
//! alice.merge_staged_commit(out.staged)?;
//! let Processed::Commit(staged) = bob.process_message(&out.commit, now)? else { panic!() };
//! assert!(staged.effects().removes_self);
//! bob.merge_staged_commit(*staged)?;
//! assert!(!bob.is_active());
//! assert_eq!(alice.members().count(), 1);
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

// Unit tests take `all_suites!` (one test per cipher suite) from the
// shared test-support crate.
#[cfg(test)]
#[macro_use]
extern crate rfc9420_test_support;

pub mod codec;
pub mod crypto;
pub mod error;
pub mod framing;
pub mod group;
pub mod key_schedule;
pub mod messages;
mod par;
pub mod secret_tree;
pub mod tree;
pub mod tree_math;
pub mod types;

/// The `rand_core` this crate takes randomness through: pass any
/// `rand_core::CryptoRng`, for example `rand_core::UnwrapErr(getrandom::SysRng)`
/// with `getrandom` 0.4 and its `sys_rng` feature.
pub use rand_core;

pub use crate::crypto::{CipherSuite, CryptoProvider, RustCryptoProvider, SuiteCrypto};
pub use crate::error::{Error, Result};
pub use crate::framing::{MessageHeader, MlsMessage};
pub use crate::group::{
    CommitEffects, CommitOptions, CreatedCommit, ExternalJoin, ExternalJoinOptions, Group,
    GroupConfig, GroupInfoOptions, JoinOptions, KeyPackageBundle, KeyPackageOptions,
    KeyPackageStore, MessageBuffer, MessageSender, Processed, StagedCommit, StateCheckpoint,
};
pub use crate::messages::{
    Credential, CredentialType, Extension, ExtensionType, Extensions, KeyPackage, Proposal,
    WireFormat,
};
pub use crate::tree::validate::Timestamp;
pub use crate::tree::{LeafIndex, LeafNode};
