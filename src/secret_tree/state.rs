//! Export of a [`SecretTree`] for the caller's own storage.
//!
//! This is not a wire format of RFC 9420: it exists so that a member can
//! save its group state and restore it later. It is written in the TLS
//! presentation language like every other structure of the crate:
//!
//! ```text
//! struct {
//!     uint32 generation;
//!     opaque secret<V>;              // ratchet_secret_[N]_[generation]
//! } RatchetHead;
//!
//! struct {
//!     uint32 generation;
//!     opaque key<V>;
//!     opaque nonce<V>;
//! } RetainedKey;
//!
//! struct {
//!     optional<RatchetHead> head;    // absent once exhausted
//!     RetainedKey retained<V>;       // ascending generations
//! } HashRatchet;
//!
//! struct {
//!     uint32 node;
//!     opaque secret<V>;              // tree_node_[node]_secret
//! } NodeSecret;
//!
//! struct {
//!     uint32 leaf;
//!     HashRatchet handshake;
//!     HashRatchet application;
//! } LeafRatchets;
//!
//! struct {
//!     uint32 leaf_count;
//!     uint32 max_forward_distance;
//!     uint32 max_retained_keys;
//!     NodeSecret nodes<V>;           // ascending node indices
//!     LeafRatchets leaves<V>;        // ascending leaf indices
//! } SecretTreeState;
//! ```
//!
//! Decoding takes untrusted bytes and accepts only a tree this module
//! could have produced (see [`SecretTree`]'s `Decode`); every rejection
//! is a [`DecodeError`].

use std::collections::BTreeMap;

use super::ratchet::{HashRatchet, RatchetHead};
use super::{LeafRatchets, SecretTree, SecretTreeConfig};
use crate::codec::{
    Decode, DecodeError, Encode, EncodeError, InvalidField, Reader, encode_vector, vector_len,
};
use crate::crypto::KeyNonce;
use crate::crypto::{MAX_STATE_SECRET_LEN, Secret, UniformLength};
use crate::tree_math::{LeafIndex, NodeIndex, TreeSize};

/// A stored node index outside the tree.
const NODE_INDEX: DecodeError = DecodeError::Invalid(InvalidField::SecretTreeNodeIndex);
/// Stored node indices not strictly ascending.
const NODE_ORDER: DecodeError = DecodeError::Invalid(InvalidField::SecretTreeNodeOrder);
/// A stored leaf index outside the tree.
const LEAF_INDEX: DecodeError = DecodeError::Invalid(InvalidField::SecretTreeLeafIndex);
/// Stored leaf indices not strictly ascending.
const LEAF_ORDER: DecodeError = DecodeError::Invalid(InvalidField::SecretTreeLeafOrder);
/// Two stored secrets on one root-to-leaf path.
const OVERLAP: DecodeError = DecodeError::Invalid(InvalidField::SecretTreeOverlap);
/// A leaf with neither ratchets nor a stored secret above it.
const GAP: DecodeError = DecodeError::Invalid(InvalidField::SecretTreeGap);
/// More retained keys than `max_retained_keys`.
const RETAINED_COUNT: DecodeError = DecodeError::Invalid(InvalidField::RetainedKeyCount);
/// Retained generations not strictly ascending.
const RETAINED_ORDER: DecodeError = DecodeError::Invalid(InvalidField::RetainedKeyOrder);
/// A retained generation at or above the ratchet's head.
const RETAINED_GENERATION: DecodeError = DecodeError::Invalid(InvalidField::RetainedKeyGeneration);

/// The expected lengths of one tree's secrets: tree and ratchet secrets
/// (`KDF.Nh`), AEAD keys (`AEAD.Nk`) and AEAD nonces (`AEAD.Nn`).
struct Lengths {
    secret: UniformLength,
    key: UniformLength,
    nonce: UniformLength,
}

impl Lengths {
    const fn new() -> Self {
        Self {
            secret: UniformLength::new(InvalidField::SecretTreeSecretLength, MAX_STATE_SECRET_LEN),
            key: UniformLength::new(InvalidField::RatchetKeyLength, MAX_STATE_SECRET_LEN),
            nonce: UniformLength::new(InvalidField::RatchetNonceLength, MAX_STATE_SECRET_LEN),
        }
    }
}

/// Encodes the tree as `SecretTreeState` (see the module documentation):
/// every secret it still holds, for the caller's own storage.
///
/// The output holds key material: keep it as confidential as the group
/// state itself, and wipe it when done. Growing `out` may leave copies of
/// what was written before in freed memory; see [`Secret`]'s `Encode`.
impl Encode for SecretTree {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        self.size.encode(out)?;
        self.config.max_forward_distance.encode(out)?;
        self.config.max_retained_keys.encode(out)?;
        encode_vector(out, |out| {
            self.nodes.iter().try_for_each(|(node, secret)| {
                node.encode(out)?;
                secret.encode(out)
            })
        })?;
        encode_vector(out, |out| {
            self.leaves.iter().try_for_each(|(leaf, ratchets)| {
                leaf.encode(out)?;
                encode_ratchet(&ratchets.handshake, out)?;
                encode_ratchet(&ratchets.application, out)
            })
        })
    }

    fn encoded_len(&self) -> Result<usize, EncodeError> {
        let nodes = self.nodes.iter().try_fold(0usize, |sum, (node, secret)| {
            Ok::<_, EncodeError>(sum.saturating_add(node.encoded_len()? + secret.encoded_len()?))
        })?;
        let leaves = self
            .leaves
            .iter()
            .try_fold(0usize, |sum, (leaf, ratchets)| {
                let entry = leaf.encoded_len()?
                    + ratchet_len(&ratchets.handshake)?
                    + ratchet_len(&ratchets.application)?;
                Ok::<_, EncodeError>(sum.saturating_add(entry))
            })?;
        Ok(self.size.encoded_len()?
            + self.config.max_forward_distance.encoded_len()?
            + self.config.max_retained_keys.encoded_len()?
            + vector_len(nodes)?
            + vector_len(leaves)?)
    }
}

/// The length of [`encode_ratchet`]'s output.
fn ratchet_len(ratchet: &HashRatchet) -> Result<usize, EncodeError> {
    let head = match &ratchet.head {
        None => 1,
        Some(head) => 1 + head.generation.encoded_len()? + head.secret.encoded_len()?,
    };
    let retained = ratchet
        .retained
        .iter()
        .try_fold(0usize, |sum, (generation, key)| {
            let entry =
                generation.encoded_len()? + key.key().encoded_len()? + key.nonce().encoded_len()?;
            Ok::<_, EncodeError>(sum.saturating_add(entry))
        })?;
    Ok(head + vector_len(retained)?)
}

/// Decodes a `SecretTreeState` (see the module documentation). A decoded
/// tree behaves exactly as the tree that was encoded.
///
/// Fails with a [`DecodeError`] on malformed bytes and with
/// [`DecodeError::Invalid`] on a tree this crate could not have produced:
///
/// - a node or leaf index outside the tree, or indices not strictly
///   ascending;
/// - stored node secrets and initialized leaves that are not an exact
///   frontier: two of them on one root-to-leaf path (a secret that should
///   have been deleted, RFC 9420 §9.2), or a leaf that has neither (whose
///   keys could never be derived);
/// - a ratchet with more retained keys than
///   [`SecretTreeConfig::max_retained_keys`], retained generations not
///   strictly ascending, or one at or above the ratchet's current
///   generation;
/// - secrets of one kind (tree and ratchet secrets, keys, nonces) of
///   different lengths, empty, or longer than 255 bytes.
impl Decode for SecretTree {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let size = TreeSize::decode(r)?;
        let config = SecretTreeConfig {
            max_forward_distance: r.read_u32()?,
            max_retained_keys: r.read_u32()?,
        };
        let mut lengths = Lengths::new();

        let mut nodes = BTreeMap::new();
        let mut body = r.read_vector()?;
        while !body.is_empty() {
            let node = NodeIndex::decode(&mut body)?;
            let secret = Secret::decode(&mut body)?;
            if !size.contains(node) {
                return Err(NODE_INDEX);
            }
            if nodes
                .last_key_value()
                .is_some_and(|(last, _)| *last >= node)
            {
                return Err(NODE_ORDER);
            }
            lengths.secret.check(secret.len())?;
            nodes.insert(node, secret);
        }

        let mut leaves = BTreeMap::new();
        let mut body = r.read_vector()?;
        while !body.is_empty() {
            let leaf = LeafIndex::decode(&mut body)?;
            let handshake = decode_ratchet(&mut body, &config, &mut lengths)?;
            let application = decode_ratchet(&mut body, &config, &mut lengths)?;
            if !size.contains_leaf(leaf) {
                return Err(LEAF_INDEX);
            }
            if leaves
                .last_key_value()
                .is_some_and(|(last, _)| *last >= leaf)
            {
                return Err(LEAF_ORDER);
            }
            leaves.insert(
                leaf,
                LeafRatchets {
                    handshake,
                    application,
                },
            );
        }

        check_frontier(size, &nodes, &leaves)?;
        Ok(Self {
            size,
            config,
            nodes,
            leaves,
        })
    }
}

/// Checks that the stored node secrets and the initialized leaves form an
/// exact frontier: every leaf of the tree is under exactly one of them.
///
/// This is the invariant the tree keeps (RFC 9420 §9.2: deriving a node's
/// children deletes the node; initializing a leaf's ratchets deletes the
/// leaf's secret) and the one key lookups rely on: an uninitialized leaf
/// finds exactly one secret above it. Each node's subtree is a contiguous
/// range of node indices (RFC 9420 Appendix C), so the check sorts the
/// nodes, requires their ranges to be disjoint, and requires the leaves
/// they cover to add up to the tree's.
fn check_frontier(
    size: TreeSize,
    nodes: &BTreeMap<NodeIndex, Secret>,
    leaves: &BTreeMap<LeafIndex, LeafRatchets>,
) -> Result<(), DecodeError> {
    let mut tops: Vec<NodeIndex> = nodes.keys().copied().collect();
    for leaf in leaves.keys() {
        tops.push(leaf.node().ok_or(LEAF_INDEX)?);
    }
    tops.sort_unstable();
    // In u64: a subtree of the largest tree spans 2^32 - 1 nodes.
    let mut next_free: u64 = 0;
    let mut covered: u64 = 0;
    for node in tops {
        // The subtree of a node at level k has 2^k leaves and 2^(k+1) - 1
        // nodes, centred on the node; k <= 32 for a u32 index.
        let leaf_count = 1u64 << node.level();
        let half = leaf_count.saturating_sub(1);
        let first = u64::from(node.0).checked_sub(half).ok_or(NODE_INDEX)?;
        if first < next_free {
            return Err(OVERLAP);
        }
        next_free = u64::from(node.0).saturating_add(half).saturating_add(1);
        covered = covered.saturating_add(leaf_count);
    }
    if covered == u64::from(size.leaf_count()) {
        Ok(())
    } else {
        Err(GAP)
    }
}

/// Writes a `HashRatchet` (see the module documentation).
fn encode_ratchet(ratchet: &HashRatchet, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    match &ratchet.head {
        None => out.push(0),
        Some(head) => {
            out.push(1);
            head.generation.encode(out)?;
            head.secret.encode(out)?;
        }
    }
    encode_vector(out, |out| {
        ratchet.retained.iter().try_for_each(|(generation, key)| {
            generation.encode(out)?;
            key.key().encode(out)?;
            key.nonce().encode(out)
        })
    })
}

/// Reads a `HashRatchet` (see the module documentation) of a tree with
/// `config`.
fn decode_ratchet(
    r: &mut Reader<'_>,
    config: &SecretTreeConfig,
    lengths: &mut Lengths,
) -> Result<HashRatchet, DecodeError> {
    let head = match r.read_u8()? {
        0 => None,
        1 => {
            let generation = r.read_u32()?;
            let secret = Secret::decode(r)?;
            lengths.secret.check(secret.len())?;
            Some(RatchetHead { generation, secret })
        }
        other => return Err(DecodeError::InvalidOptional(other)),
    };
    // An exhausted ratchet has used generation 2^32 - 1 itself.
    let limit = head.as_ref().map_or(u32::MAX, |h| h.generation);
    let max = usize::try_from(config.max_retained_keys).unwrap_or(usize::MAX);
    let mut retained = BTreeMap::new();
    let mut body = r.read_vector()?;
    while !body.is_empty() {
        let generation = body.read_u32()?;
        let key = Secret::decode(&mut body)?;
        let nonce = Secret::decode(&mut body)?;
        if retained.len() >= max {
            return Err(RETAINED_COUNT);
        }
        if retained
            .last_key_value()
            .is_some_and(|(last, _)| *last >= generation)
        {
            return Err(RETAINED_ORDER);
        }
        if generation >= limit {
            return Err(RETAINED_GENERATION);
        }
        lengths.key.check(key.len())?;
        lengths.nonce.check(nonce.len())?;
        retained.insert(generation, KeyNonce::new(key, nonce));
    }
    Ok(HashRatchet { head, retained })
}

#[cfg(test)]
mod tests;
