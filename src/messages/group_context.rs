//! The group context (RFC 9420 §8.1).

use crate::crypto::CipherSuite;
use crate::messages::{Extensions, ProtocolVersion};

/// The state every member of a group agrees on in an epoch (RFC 9420 §8.1).
///
/// ```text
/// struct {
///     ProtocolVersion version = mls10;
///     CipherSuite cipher_suite;
///     opaque group_id<V>;
///     uint64 epoch;
///     opaque tree_hash<V>;
///     opaque confirmed_transcript_hash<V>;
///     Extension extensions<V>;
/// } GroupContext;
/// ```
///
/// Decoding keeps whatever version the bytes carry; checking that it is
/// `mls10` is for the receiver.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GroupContext {
    /// The protocol version, `mls10`.
    pub version: ProtocolVersion,
    /// The group's cipher suite.
    pub cipher_suite: CipherSuite,
    /// The group's ID.
    pub group_id: Vec<u8>,
    /// The epoch number.
    pub epoch: u64,
    /// The tree hash of the ratchet tree's root (§7.8).
    pub tree_hash: Vec<u8>,
    /// The confirmed transcript hash (§8.2).
    pub confirmed_transcript_hash: Vec<u8>,
    /// GroupContext extensions.
    pub extensions: Extensions,
}

crate::codec_struct!(GroupContext {
    version,
    cipher_suite,
    group_id,
    epoch,
    tree_hash,
    confirmed_transcript_hash,
    extensions
});
