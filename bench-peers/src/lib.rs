//! The same large-group operations on three MLS implementations, for the
//! side-by-side benchmark in `benches/peers.rs`: rfc9420 (this
//! repository), mls-rs 0.57 with `mls-rs-crypto-rustcrypto`, and OpenMLS
//! 0.9 with `openmls_rust_crypto`. Not part of the library.
//!
//! Every implementation runs suite 1
//! (`MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519`), handshake messages as
//! PublicMessage, the ratchet tree in the Welcome, basic credentials.
//!
//! The group shape is *blank*: member 0 creates the group and adds the
//! n - 1 others in one commit without a path; the receiver (the last
//! member) joins from that Welcome. Every parent node is blank.
//!
//! Measured boundaries, the same for the three: **encoding and decoding
//! are included everywhere**. Outgoing messages are encoded to bytes inside
//! the timed part (rfc9420 returns bytes; the peers' message objects are
//! serialized), and incoming ones are decoded from bytes inside it. The
//! untimed parts (rebuilding a receiver or a joiner before each iteration)
//! are named with each operation in [`Side`].

use std::time::Duration;

pub mod mls_rs_side;
pub mod openmls_side;
pub mod ours;
pub use rfc9420_test_support::rng::TestRng;

/// One-shot costs of building a group of `n`, measured once while the
/// fixture is built.
#[derive(Debug, Clone, Copy)]
pub struct BuildReport {
    /// Generating the n KeyPackages (each with a fresh signature key).
    pub key_packages: Duration,
    /// The commit of n - 1 Adds without a path, with its Welcome (created,
    /// encoded, and merged by the committer).
    pub add_all_commit: Duration,
    /// The last member's join from that Welcome.
    pub add_all_join: Duration,
    /// The size of the Welcome, in bytes.
    pub welcome_bytes: usize,
}

/// One implementation with a group of `n` built (blank shape).
///
/// The committer is member 0, the receiver the last member.
pub trait Side: Sized {
    /// A receiver state ready to process one commit.
    type Receiver;
    /// What a new member needs to join from a Welcome, fresh.
    type Joiner;

    /// The implementation's name in benchmark IDs.
    const NAME: &'static str;

    /// Builds the group of `n` (n ≥ 2) and reports the one-shot costs.
    fn build(n: u32) -> (Self, BuildReport);

    /// An empty commit with a path (committer), encoded; the commit is
    /// then discarded so the committer stays in its epoch. Returns the
    /// encoded size.
    fn commit_create(&mut self) -> usize;

    /// One encoded commit with a path, for [`Side::process_merge`]; the
    /// committer stays in its epoch.
    fn commit_for_receiver(&mut self) -> Vec<u8>;

    /// A fresh copy of the receiver before the commit (untimed).
    fn fresh_receiver(&self) -> Self::Receiver;

    /// The receiver decodes, processes and merges `commit`.
    fn process_merge(&self, receiver: &mut Self::Receiver, commit: &[u8]);

    /// A commit adding one new member without a path, with its Welcome
    /// (tree in the Welcome), encoded; then discarded. Returns the encoded
    /// size of the Welcome.
    fn add_one(&mut self) -> usize;

    /// The encoded Welcome of one such commit, for [`Side::join`].
    fn welcome_for_joiner(&mut self) -> Vec<u8>;

    /// A fresh joiner for that Welcome (untimed).
    fn fresh_joiner(&self) -> Self::Joiner;

    /// The joiner decodes the Welcome and joins (tree in the Welcome);
    /// returns the number of members it sees.
    fn join(&self, joiner: Self::Joiner, welcome: &[u8]) -> usize;

    /// The committer encrypts `data` as an application message, encoded,
    /// and the receiver decodes and decrypts it.
    fn app_round_trip(&mut self, data: &[u8]);

    /// The receiver's saved state: what the application stores, in bytes.
    fn saved_state_len(&mut self) -> usize;

    /// Restores the receiver from its saved state (`from_bytes` or the
    /// peer's load from its storage); returns the member count.
    fn restore(&self) -> usize;

    /// Generates one KeyPackage with a fresh signature key pair, encoded.
    fn key_package(&mut self) -> usize;

    /// The number of members the committer sees.
    fn members(&self) -> usize;
}
