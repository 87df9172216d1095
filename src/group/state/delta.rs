//! Incremental saved state: a base snapshot, then deltas that carry only
//! what changed.
//!
//! [`Group::to_bytes`] writes the whole state, most of it the ratchet tree
//! (about 1.8 MB for 10,000 members). An application that saves after
//! every commit or message can instead write the whole state once
//! ([`Group::to_bytes_checkpoint`]) and then, after each change, a delta
//! ([`Group::to_bytes_delta`]): the tree nodes that differ from the state
//! last written, and the rest of the state (keys, secrets, secret tree,
//! history, pending proposals and commit), which does not grow with the
//! group. [`Group::from_bytes_with_deltas`] restores the base with its
//! deltas applied in order, to a state whose [`Group::to_bytes`] is
//! byte for byte the one the member had when it wrote the last delta.
//!
//! Each written state has an identifier: the suite's hash of the bytes
//! that produced it (the base, or the delta). A delta names the state it
//! applies to, so a delta applied to another base, out of order or twice
//! is refused with [`StateError::DeltaBaseMismatch`] before anything is
//! restored. A [`StateCheckpoint`] holds the identifier of the state last
//! written and the tree hashes of its nodes: a node whose tree hash
//! (RFC 9420 §7.8, which covers the node's content) is unchanged is left
//! out of the next delta.
//!
//! The delta format, in the TLS presentation language of RFC 9420 §2.1:
//!
//! ```text
//! struct {
//!     uint32 index;            /* node index */
//!     optional<Node> node;
//! } ChangedNode;
//!
//! struct {
//!     opaque magic[8] = "MLSDELTA";
//!     uint16 format_version = 1;
//!     opaque base<V>;          /* identifier of the state it applies to */
//!     uint32 node_count;       /* length of the tree's node list after */
//!     ChangedNode nodes<V>;    /* increasing indices below node_count */
//!     opaque state<V>;         /* the saved state with an empty tree */
//! } SavedDelta;
//! ```
//!
//! `state` is the saved group (see the saved format) with
//! `optional<Node> ratchet_tree<V>` left out. A delta holds secrets:
//! store it as carefully as the base.

use zeroize::Zeroizing;

use super::GroupState;
use crate::codec::{Decode, Encode, Reader, vector_len, write_varint};
use crate::crypto::{CryptoProvider, SuiteCrypto};
use crate::error::Error;
use crate::group::error::StateError;
use crate::group::{Group, GroupConfig};
use crate::key_schedule::GroupContext;
use crate::tree::ratchet_tree::MAX_IMPORT_NODES;
use crate::tree::{Node, NodeIndex, TreeError, TreeView};

const DELTA_MAGIC: &[u8; 8] = b"MLSDELTA";
const DELTA_VERSION: u16 = 1;
const SAVED_MAGIC: &[u8; 8] = b"MLSGROUP";

/// What a member last wrote of its state: the identifier of that state and
/// the tree hash of each of its tree's nodes, from which
/// [`Group::to_bytes_delta`] writes the next delta.
///
/// It holds no secret (tree hashes of public nodes and a hash of the
/// written bytes), `Nh` bytes per tree node: about 640 kB for 10,000
/// members in suite 1.
#[derive(Clone, PartialEq, Eq)]
pub struct StateCheckpoint {
    /// The suite's hash of the bytes that produced the state.
    id: Vec<u8>,
    /// The group's identifier, to refuse a checkpoint of another group.
    group_id: Vec<u8>,
    /// The tree hashes of the state's tree, node by node, `hash_len` each.
    node_hashes: Vec<u8>,
    hash_len: usize,
}

impl core::fmt::Debug for StateCheckpoint {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("StateCheckpoint")
            .field("nodes", &self.node_count())
            .finish_non_exhaustive()
    }
}

impl StateCheckpoint {
    /// The identifier of the written state: the suite's hash of the base
    /// or of the last delta.
    pub fn id(&self) -> &[u8] {
        &self.id
    }

    /// The checkpoint of `state`, written as bytes with identifier `id`.
    fn of(state: &GroupState, id: Vec<u8>, hash_len: usize) -> Self {
        let tree = state.tree();
        let count = tree.size().node_count();
        let mut node_hashes = Vec::with_capacity((count as usize).saturating_mul(hash_len));
        for x in 0..count {
            node_hashes.extend_from_slice(tree.node_hash(NodeIndex(x)).unwrap_or_default());
        }
        Self {
            id,
            group_id: state.context().group_id.clone(),
            node_hashes,
            hash_len,
        }
    }

    fn node_count(&self) -> usize {
        self.node_hashes
            .len()
            .checked_div(self.hash_len)
            .unwrap_or_default()
    }

    /// The tree hash node `x` had, if the tree had that node.
    fn node_hash(&self, x: u32) -> Option<&[u8]> {
        let start = (x as usize).checked_mul(self.hash_len)?;
        self.node_hashes
            .get(start..start.checked_add(self.hash_len)?)
    }
}

impl<P: CryptoProvider> Group<P> {
    /// The whole state, as [`to_bytes`](Self::to_bytes) writes it, and the
    /// checkpoint from which [`to_bytes_delta`](Self::to_bytes_delta)
    /// writes the changes that follow. Store the bytes as the base of
    /// [`from_bytes_with_deltas`](Self::from_bytes_with_deltas).
    pub fn to_bytes_checkpoint(&self) -> Result<(Zeroizing<Vec<u8>>, StateCheckpoint), Error> {
        let crypto = self.crypto()?;
        let bytes = self.to_bytes()?;
        let id = crypto.hash(&bytes)?;
        let checkpoint = StateCheckpoint::of(&self.state, id, crypto.hash_len());
        Ok((bytes, checkpoint))
    }

    /// The changes since the state `since` identifies, as a delta to store
    /// after it (see the module documentation of the format), and the
    /// checkpoint of the state now written. The delta carries the tree
    /// nodes whose tree hash changed and the rest of the state, whose size
    /// does not depend on the number of members: after an application
    /// message or a commit of a 10,000-member group it is a few kilobytes,
    /// not the megabytes of [`to_bytes`](Self::to_bytes).
    ///
    /// Fails with [`StateError::CheckpointOfOtherGroup`] for a checkpoint of
    /// another group or cipher suite.
    pub fn to_bytes_delta(
        &self,
        since: &StateCheckpoint,
    ) -> Result<(Zeroizing<Vec<u8>>, StateCheckpoint), Error> {
        let crypto = self.crypto()?;
        if since.group_id != self.state.context().group_id || since.hash_len != crypto.hash_len() {
            return Err(StateError::CheckpointOfOtherGroup.into());
        }
        let tree = self.state.tree();
        let node_count = tree.node_list_len();
        let mut nodes = Vec::new();
        for x in 0..node_count {
            let node = NodeIndex(x);
            if since
                .node_hash(x)
                .is_some_and(|h| tree.node_hash(node) == Some(h))
            {
                continue;
            }
            x.encode(&mut nodes)?;
            tree.write_node(node, &mut nodes)?;
        }
        // Sized exactly before a secret is written (see `Group::to_bytes`).
        let state_len = self.state.saved_len(vector_len(0)?)?;
        let len = [
            DELTA_MAGIC.len(),
            2,
            vector_len(since.id.len())?,
            4,
            vector_len(nodes.len())?,
            vector_len(state_len)?,
        ]
        .iter()
        .fold(0usize, |sum, n| sum.saturating_add(*n));
        let mut out = Zeroizing::new(Vec::with_capacity(len));
        let capacity = out.capacity();
        out.extend_from_slice(DELTA_MAGIC);
        DELTA_VERSION.encode(&mut out)?;
        since.id.encode(&mut out)?;
        node_count.encode(&mut out)?;
        nodes.encode(&mut out)?;
        write_varint(state_len, &mut out)?;
        self.state.encode_saved(&mut out, &[0])?;
        if out.len() != len || out.capacity() != capacity {
            return Err(Error::Internal(
                "saved delta length differs from its computed length",
            ));
        }
        let id = crypto.hash(&out)?;
        let checkpoint = StateCheckpoint::of(&self.state, id, crypto.hash_len());
        Ok((out, checkpoint))
    }

    /// Restores a group from a base written by
    /// [`to_bytes_checkpoint`](Self::to_bytes_checkpoint) (or
    /// [`to_bytes`](Self::to_bytes)) and the deltas written after it, in
    /// order, with the caller's provider and policies; returns the group
    /// and the checkpoint of its state, from which to write the next
    /// delta.
    ///
    /// A delta that does not apply to the state before it (another base,
    /// another order, a delta given twice) is refused with
    /// [`StateError::DeltaBaseMismatch`], a delta's node outside its tree
    /// with [`StateError::DeltaNodeOutOfRange`]; the restored state is then
    /// checked as [`from_bytes`](Self::from_bytes) checks a saved state.
    pub fn from_bytes_with_deltas<'d>(
        provider: P,
        config: GroupConfig,
        base: &[u8],
        deltas: impl IntoIterator<Item = &'d [u8]>,
    ) -> Result<(Self, StateCheckpoint), Error> {
        let mut saved = SavedParts::parse(base)?;
        let crypto = SuiteCrypto::new(&provider, saved.cipher_suite()?)?;
        let mut id = crypto.hash(base)?;
        let max_nodes = usize::try_from(config.max_tree_leaves)
            .unwrap_or(usize::MAX)
            .saturating_mul(2)
            .saturating_sub(1)
            .min(MAX_IMPORT_NODES);
        for delta in deltas {
            saved.apply(delta, &id, max_nodes)?;
            id = crypto.hash(delta)?;
        }
        let bytes = saved.assemble()?;
        let group = Self::from_bytes(provider, config, &bytes)?;
        let crypto = group.crypto()?;
        let checkpoint = StateCheckpoint::of(&group.state, id, crypto.hash_len());
        Ok((group, checkpoint))
    }
}

/// A saved state taken apart without decoding its secrets: the part up to
/// and including the GroupContext, the encoding of each tree node, and
/// the part after the tree, all borrowed from the base or a delta.
struct SavedParts<'a> {
    /// `magic || format_version || GroupContext`.
    head: &'a [u8],
    /// `optional<Node>` of each node of the node list.
    nodes: Vec<&'a [u8]>,
    /// Everything after the tree.
    tail: &'a [u8],
}

impl<'a> SavedParts<'a> {
    /// Splits a saved state (the saved format) around its tree. The parts
    /// are checked when the assembled state is restored.
    fn parse(bytes: &'a [u8]) -> Result<Self, Error> {
        let (head, rest) = split_head(bytes)?;
        let mut r = Reader::new(rest);
        let mut list = r.read_vector()?;
        let mut nodes = Vec::new();
        while !list.is_empty() {
            nodes.push(node_bytes(&mut list)?);
        }
        Ok(Self {
            head,
            nodes,
            tail: r.rest(),
        })
    }

    /// The cipher suite of the saved GroupContext.
    fn cipher_suite(&self) -> Result<crate::crypto::CipherSuite, Error> {
        let context = self.head.get(SAVED_MAGIC.len() + 2..).unwrap_or_default();
        Ok(GroupContext::decode(&mut Reader::new(context))?.cipher_suite)
    }

    /// Applies `delta`, which must name the state `id` as its base, to a
    /// tree of at most `max_nodes` nodes.
    fn apply(&mut self, delta: &'a [u8], id: &[u8], max_nodes: usize) -> Result<(), Error> {
        let rest = delta
            .strip_prefix(DELTA_MAGIC.as_slice())
            .ok_or(StateError::NotAStateDelta)?;
        let mut r = Reader::new(rest);
        let version = u16::decode(&mut r)?;
        if version != DELTA_VERSION {
            return Err(StateError::UnsupportedVersion(version).into());
        }
        if r.read_opaque()? != id {
            return Err(StateError::DeltaBaseMismatch.into());
        }
        let node_count = u32::decode(&mut r)?;
        let mut changed = r.read_vector()?;
        let state = r.read_opaque()?;
        r.finish()?;
        let (head, rest) = split_head(state)?;
        // The saved state of a delta has an empty node list.
        let tail = rest
            .strip_prefix(&[0][..])
            .ok_or(StateError::NotAStateDelta)?;

        let count = node_count as usize;
        if count > max_nodes {
            return Err(TreeError::TooManyNodes {
                count,
                max: max_nodes,
            }
            .into());
        }
        self.nodes.resize(count, &[0]);
        let mut last = None;
        while !changed.is_empty() {
            let index = u32::decode(&mut changed)?;
            let node = node_bytes(&mut changed)?;
            let slot = self
                .nodes
                .get_mut(index as usize)
                .filter(|_| last.is_none_or(|l| l < index))
                .ok_or(StateError::DeltaNodeOutOfRange { index, node_count })?;
            *slot = node;
            last = Some(index);
        }
        self.head = head;
        self.tail = tail;
        Ok(())
    }

    /// The saved state the parts make.
    fn assemble(&self) -> Result<Zeroizing<Vec<u8>>, Error> {
        let body = self
            .nodes
            .iter()
            .fold(0usize, |sum, n| sum.saturating_add(n.len()));
        let len = self
            .head
            .len()
            .saturating_add(vector_len(body)?)
            .saturating_add(self.tail.len());
        let mut out = Zeroizing::new(Vec::with_capacity(len));
        out.extend_from_slice(self.head);
        write_varint(body, &mut out)?;
        for node in &self.nodes {
            out.extend_from_slice(node);
        }
        out.extend_from_slice(self.tail);
        Ok(out)
    }
}

/// Splits saved state after its GroupContext: `(magic || version ||
/// GroupContext, rest)`.
fn split_head(bytes: &[u8]) -> Result<(&[u8], &[u8]), Error> {
    let rest = bytes
        .strip_prefix(SAVED_MAGIC.as_slice())
        .ok_or(StateError::NotASavedGroup)?;
    let mut r = Reader::new(rest);
    let _version = u16::decode(&mut r)?;
    GroupContext::decode(&mut r)?;
    let head_len = bytes.len().saturating_sub(r.remaining());
    bytes
        .split_at_checked(head_len)
        .ok_or(Error::Internal("head"))
}

/// The encoding of the next `optional<Node>` of `r`, checked to decode.
fn node_bytes<'a>(r: &mut Reader<'a>) -> Result<&'a [u8], Error> {
    let before = r.rest();
    Option::<Node>::decode(r)?;
    let len = before.len().saturating_sub(r.remaining());
    before.get(..len).ok_or(Error::Internal("node bytes"))
}
