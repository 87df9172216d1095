//! The secret tree: per-sender encryption keys for handshake and
//! application messages (RFC 9420 §9, §9.1), deleted on use (§9.2).
//!
//! A [`SecretTree`] starts from the epoch's `encryption_secret` at the
//! root. Creating it costs nothing: node secrets are derived only when a
//! sender's key is first needed, along that sender's direct path, so the
//! first key of a sender costs `O(log n)` derivations in a tree of `n`
//! leaves, and later keys of the same sender cost one ratchet step each.
//!
//! # Deletion (RFC 9420 §9.2)
//!
//! - Deriving a node's two children deletes the node's secret. The tree
//!   therefore holds at most one secret on any path from the root to a
//!   leaf: the frontier of nodes not yet derived.
//! - Initializing a leaf's two ratchets deletes the leaf's tree secret.
//! - A ratchet keeps only its current secret; the secret, key and nonce of a
//!   generation are deleted when it is used.
//! - Keys of generations skipped by out-of-order delivery are kept, at most
//!   [`SecretTreeConfig::max_retained_keys`] per ratchet, and deleted when
//!   used or when newer skipped keys push them out.
//!
//! # Receiving
//!
//! [`SecretTree::stage_decryption_key`] computes a key without changing the
//! tree; after the message has been decrypted and verified,
//! [`SecretTree::merge_staged_key`] deletes it. A message that fails to
//! decrypt therefore costs no key. [`SecretTree::decryption_key`] does both
//! at once. Reusing a generation fails with
//! [`SecretTreeError::GenerationConsumed`].
//!
//! # Sending
//!
//! [`SecretTree::next_encryption_key`] returns the next generation of the
//! member's own ratchet and deletes it.
//!
//! # Storage
//!
//! [`SecretTree`] implements [`Encode`](crate::codec::Encode) and
//! [`Decode`](crate::codec::Decode) so that a member can save its group
//! state and restore it: an encoding of the secrets the tree still holds,
//! not a wire format of the RFC. Decoding rejects any tree this module
//! could not have produced.

mod ratchet;
mod state;

use std::collections::BTreeMap;

pub use crate::crypto::KeyNonce;
pub use ratchet::RatchetType;
use ratchet::{HashRatchet, RatchetStep, len_u16};

use crate::crypto::{Secret, SuiteCrypto};
use crate::error::Error;
use crate::tree_math::{LeafIndex, NodeIndex, TreeSize};

/// Why the secret tree could not produce a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SecretTreeError {
    /// The sender's leaf index is outside the tree.
    #[error("leaf {leaf:?} outside a tree of {leaves} leaves")]
    LeafOutOfRange {
        /// The requested leaf.
        leaf: LeafIndex,
        /// The number of leaves in the tree.
        leaves: u32,
    },
    /// The key for this generation was already used or deleted
    /// (RFC 9420 §9.2).
    #[error("key for generation {generation} already used or deleted")]
    GenerationConsumed {
        /// The requested generation.
        generation: u32,
    },
    /// The generation is further ahead of the ratchet than the configured
    /// tolerance allows.
    #[error("generation {generation} too far ahead of {current} (max {max_forward})")]
    GenerationTooFarAhead {
        /// The requested generation.
        generation: u32,
        /// The ratchet's current generation.
        current: u32,
        /// The allowed distance.
        max_forward: u32,
    },
    /// The ratchet cannot advance past generation 2^32 - 1.
    #[error("ratchet generation exhausted")]
    GenerationExhausted,
}

/// Limits on out-of-order delivery (RFC 9420 §15.3), per ratchet.
///
/// The defaults, [`SecretTreeConfig::DEFAULT`], accept a message up to 1000
/// generations ahead of the next expected one from its sender and keep the
/// keys of the 32 most recent skipped generations.
///
/// Both limits bound what a member can cost the others: a message makes a
/// receiver derive at most `max_forward_distance + 1` ratchet steps, and a
/// ratchet holds at most `max_retained_keys` keys (about 150 bytes each
/// with their allocations). In a group of `n` members where every sender
/// skips ahead on both ratchets, the retained keys take at most
/// `2 · n · max_retained_keys` such entries: about 96 MB for 10,000
/// members at the default of 32, and nothing when messages arrive in
/// order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
// RFC 9420 §9.2, §15.3, R-9.2-02
pub struct SecretTreeConfig {
    /// How many generations a received message may be ahead of the
    /// ratchet: a message of generation `g` is accepted when `g - next <=
    /// max_forward_distance`, where `next` is the ratchet's next unused
    /// generation. Default 1000.
    pub max_forward_distance: u32,
    /// How many keys of skipped generations a ratchet keeps for messages
    /// that arrive late; the oldest are deleted first. Zero accepts
    /// messages only in order (gaps allowed, late ones rejected). Default
    /// 32.
    pub max_retained_keys: u32,
}

impl SecretTreeConfig {
    /// 1000 generations forward, 32 retained keys per ratchet.
    pub const DEFAULT: Self = Self {
        max_forward_distance: 1000,
        max_retained_keys: 32,
    };
}

impl Default for SecretTreeConfig {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// The two ratchets of one leaf (RFC 9420 §9).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LeafRatchets {
    pub(crate) handshake: HashRatchet,
    pub(crate) application: HashRatchet,
}

impl LeafRatchets {
    fn get(&self, kind: RatchetType) -> &HashRatchet {
        match kind {
            RatchetType::Handshake => &self.handshake,
            RatchetType::Application => &self.application,
        }
    }

    fn get_mut(&mut self, kind: RatchetType) -> &mut HashRatchet {
        match kind {
            RatchetType::Handshake => &mut self.handshake,
            RatchetType::Application => &mut self.application,
        }
    }
}

/// The secret tree of one epoch (RFC 9420 §9).
///
/// ```text
/// tree_node_[N]_secret
///         |
///         +--> ExpandWithLabel(., "tree", "left", KDF.Nh)
///         |    = tree_node_[left(N)]_secret
///         |
///         +--> ExpandWithLabel(., "tree", "right", KDF.Nh)
///              = tree_node_[right(N)]_secret
///
/// tree_node_[N]_secret (N a leaf)
///         |
///         +--> ExpandWithLabel(., "handshake", "", KDF.Nh)
///         |    = handshake_ratchet_secret_[N]_[0]
///         |
///         +--> ExpandWithLabel(., "application", "", KDF.Nh)
///              = application_ratchet_secret_[N]_[0]
/// ```
///
/// Every lookup checks its inputs and returns an error for a leaf outside
/// the tree or an unusable generation; a failed lookup leaves the tree
/// unchanged. Equality compares secrets in constant time.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretTree {
    size: TreeSize,
    config: SecretTreeConfig,
    /// Secrets of nodes not yet derived: the frontier below which no node
    /// has been derived. At most one node per root-to-leaf path.
    nodes: BTreeMap<NodeIndex, Secret>,
    /// The ratchets of leaves whose keys have been asked for.
    leaves: BTreeMap<LeafIndex, LeafRatchets>,
}

impl core::fmt::Debug for SecretTree {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SecretTree")
            .field("leaves", &self.size.leaf_count())
            .field("config", &self.config)
            .field("cached_nodes", &self.nodes.len())
            .field("initialized_leaves", &self.leaves.len())
            .finish_non_exhaustive()
    }
}

/// A key looked up by [`SecretTree::stage_decryption_key`], and the change
/// to the tree that using it makes.
///
/// Pass it to [`SecretTree::merge_staged_key`] of the same tree once the
/// message it decrypts has been accepted; drop it to leave the tree as it
/// was.
#[derive(Debug)]
pub struct StagedKey {
    leaf: LeafIndex,
    ratchet: RatchetType,
    generation: u32,
    key: KeyNonce,
    /// Set when the leaf's ratchets did not exist yet.
    init: Option<LeafInit>,
    step: RatchetStep,
}

impl StagedKey {
    /// The sender's leaf.
    pub fn leaf(&self) -> LeafIndex {
        self.leaf
    }

    /// The ratchet the key comes from.
    pub fn ratchet(&self) -> RatchetType {
        self.ratchet
    }

    /// The generation of the key.
    pub fn generation(&self) -> u32 {
        self.generation
    }

    /// The key and nonce (without reuse guard).
    pub fn key_nonce(&self) -> &KeyNonce {
        &self.key
    }
}

/// The derivations that initialize a leaf's ratchets.
#[derive(Debug)]
struct LeafInit {
    /// Every child secret derived on the way from the cached ancestor down
    /// to the leaf, both children of each step, top-down.
    derived: Vec<(NodeIndex, Secret)>,
    /// The leaf's fresh ratchets.
    ratchets: LeafRatchets,
}

impl SecretTree {
    /// The secret tree of an epoch with `encryption_secret` and a ratchet
    /// tree of `size`, with the default [`SecretTreeConfig`]. Costs no
    /// derivation.
    pub fn new(encryption_secret: Secret, size: TreeSize) -> Self {
        Self::with_config(encryption_secret, size, SecretTreeConfig::DEFAULT)
    }

    /// [`SecretTree::new`] with explicit out-of-order limits.
    pub fn with_config(
        encryption_secret: Secret,
        size: TreeSize,
        config: SecretTreeConfig,
    ) -> Self {
        let mut nodes = BTreeMap::new();
        nodes.insert(size.root(), encryption_secret);
        Self {
            size,
            config,
            nodes,
            leaves: BTreeMap::new(),
        }
    }

    /// The size of the tree.
    pub fn size(&self) -> TreeSize {
        self.size
    }

    /// The out-of-order limits.
    pub fn config(&self) -> SecretTreeConfig {
        self.config
    }

    /// Looks up the key and nonce of `generation` in `leaf`'s `ratchet`
    /// for decrypting a received message, without changing the tree.
    ///
    /// Fails with [`SecretTreeError::LeafOutOfRange`],
    /// [`SecretTreeError::GenerationConsumed`] (used, or deleted as too old)
    /// or [`SecretTreeError::GenerationTooFarAhead`].
    pub fn stage_decryption_key(
        &self,
        suite: &SuiteCrypto<'_>,
        leaf: LeafIndex,
        ratchet: RatchetType,
        generation: u32,
    ) -> Result<StagedKey, Error> {
        let node = self.leaf_node(leaf)?;
        let (key, init, step) = match self.leaves.get(&leaf) {
            Some(ratchets) => {
                let (key, step) = ratchets
                    .get(ratchet)
                    .stage(suite, generation, &self.config)?;
                (key, None, step)
            }
            None => {
                // Check the generation against a fresh ratchet before
                // paying for the path.
                if generation > self.config.max_forward_distance {
                    return Err(SecretTreeError::GenerationTooFarAhead {
                        generation,
                        current: 0,
                        max_forward: self.config.max_forward_distance,
                    }
                    .into());
                }
                let init = self.derive_leaf(suite, node)?;
                let (key, step) =
                    init.ratchets
                        .get(ratchet)
                        .stage(suite, generation, &self.config)?;
                (key, Some(init), step)
            }
        };
        Ok(StagedKey {
            leaf,
            ratchet,
            generation,
            key,
            init,
            step,
        })
    }

    /// Deletes the key of a [`StagedKey`] (RFC 9420 §9.2), with every
    /// secret consumed on the way to it.
    ///
    /// Keys staged earlier may be merged in any order. Fails, leaving the
    /// tree unchanged, with [`SecretTreeError::GenerationConsumed`] if the
    /// key has been used or deleted since it was staged (the same message
    /// processed twice), and with [`Error::Internal`] if the key was staged
    /// by another tree.
    // RFC 9420 §9.1, §9.2, R-9.1-01, R-9.2-01
    pub fn merge_staged_key(&mut self, staged: StagedKey) -> Result<(), Error> {
        let StagedKey {
            leaf,
            ratchet,
            init,
            step,
            ..
        } = staged;
        let node = self.leaf_node(leaf)?;
        if let Some(ratchets) = self.leaves.get_mut(&leaf) {
            return Ok(ratchets.get_mut(ratchet).apply(step, &self.config)?);
        }
        let init = init.ok_or(Error::Internal(
            "staged key expects ratchets this secret tree does not have",
        ))?;
        let (consumed, keep) = self.plan_path(node, init.derived)?;
        let mut ratchets = init.ratchets;
        // A fresh ratchet accepts any step staged against a fresh ratchet.
        ratchets.get_mut(ratchet).apply(step, &self.config)?;
        self.nodes.remove(&consumed);
        self.nodes.extend(keep);
        self.leaves.insert(leaf, ratchets);
        Ok(())
    }

    /// Looks up and deletes the key and nonce of `generation` in `leaf`'s
    /// `ratchet`: [`stage_decryption_key`](Self::stage_decryption_key)
    /// followed by [`merge_staged_key`](Self::merge_staged_key). On error
    /// the tree is unchanged.
    pub fn decryption_key(
        &mut self,
        suite: &SuiteCrypto<'_>,
        leaf: LeafIndex,
        ratchet: RatchetType,
        generation: u32,
    ) -> Result<KeyNonce, Error> {
        let staged = self.stage_decryption_key(suite, leaf, ratchet, generation)?;
        let key = staged.key.clone();
        self.merge_staged_key(staged)?;
        Ok(key)
    }

    /// The key and nonce for the next message `leaf` (this member) sends
    /// with `ratchet`, with its generation; the key is deleted from the
    /// tree (RFC 9420 §9.1: each key is used for one message only).
    ///
    /// Fails with [`SecretTreeError::LeafOutOfRange`], or
    /// [`SecretTreeError::GenerationExhausted`] after generation 2^32 - 1.
    // RFC 9420 §9.1, R-9.1-01, R-6.3.1-05
    pub fn next_encryption_key(
        &mut self,
        suite: &SuiteCrypto<'_>,
        leaf: LeafIndex,
        ratchet: RatchetType,
    ) -> Result<(u32, KeyNonce), Error> {
        self.leaf_node(leaf)?;
        let generation = match self.leaves.get(&leaf) {
            Some(ratchets) => ratchets
                .get(ratchet)
                .next_generation()
                .ok_or(SecretTreeError::GenerationExhausted)?,
            None => 0,
        };
        let key = self.decryption_key(suite, leaf, ratchet, generation)?;
        Ok((generation, key))
    }

    /// The node of `leaf`, if the leaf is inside the tree.
    fn leaf_node(&self, leaf: LeafIndex) -> Result<NodeIndex, SecretTreeError> {
        let out_of_range = SecretTreeError::LeafOutOfRange {
            leaf,
            leaves: self.size.leaf_count(),
        };
        if !self.size.contains_leaf(leaf) {
            return Err(out_of_range);
        }
        leaf.node().ok_or(out_of_range)
    }

    /// The cached node on the path from the root to `node`, if any.
    fn cached_ancestor(&self, node: NodeIndex) -> Option<NodeIndex> {
        core::iter::once(node)
            .chain(self.size.direct_path(node))
            .find(|n| self.nodes.contains_key(n))
    }

    /// Derives the secrets from the cached ancestor of the leaf at `leaf`
    /// down to it, and the leaf's ratchets, without changing the tree.
    // RFC 9420 §9, §9.2, R-9-01, R-9.2-01
    fn derive_leaf(&self, suite: &SuiteCrypto<'_>, leaf: NodeIndex) -> Result<LeafInit, Error> {
        let top = self.cached_ancestor(leaf).ok_or(Error::Internal(
            "secret tree: no secret above an unused leaf",
        ))?;
        let mut secret = self
            .nodes
            .get(&top)
            .ok_or(Error::Internal("secret tree: cached node vanished"))?
            .clone();
        let nh = len_u16(suite.hash_len())?;
        let mut node = top;
        let mut derived: Vec<(NodeIndex, Secret)> = Vec::new();
        while node != leaf {
            let (Some(left), Some(right)) = (node.left(), node.right()) else {
                return Err(Error::Internal("secret tree: leaf below a leaf"));
            };
            let l = suite.expand_with_label(secret.as_bytes(), "tree", b"left", nh)?;
            let r = suite.expand_with_label(secret.as_bytes(), "tree", b"right", nh)?;
            (node, secret) = if leaf < node {
                (left, l.clone())
            } else {
                (right, r.clone())
            };
            derived.push((left, l));
            derived.push((right, r));
        }
        let ratchets = LeafRatchets {
            handshake: HashRatchet::new(suite.expand_with_label(
                secret.as_bytes(),
                RatchetType::Handshake.label(),
                &[],
                nh,
            )?),
            application: HashRatchet::new(suite.expand_with_label(
                secret.as_bytes(),
                RatchetType::Application.label(),
                &[],
                nh,
            )?),
        };
        Ok(LeafInit { derived, ratchets })
    }

    /// For a leaf about to be initialized from `derived` (staged against
    /// this tree or an earlier state of it): the cached node the
    /// initialization consumes and the sibling secrets it leaves behind.
    ///
    /// The frontier only moves down, so the current cached ancestor is at
    /// or below the one the derivation started from, and `derived` holds
    /// every secret below it.
    fn plan_path(
        &self,
        leaf: NodeIndex,
        derived: Vec<(NodeIndex, Secret)>,
    ) -> Result<(NodeIndex, Vec<(NodeIndex, Secret)>), Error> {
        let top = self.cached_ancestor(leaf).ok_or(Error::Internal(
            "secret tree: no secret above an unused leaf",
        ))?;
        // The siblings of the path from `top` down to the leaf.
        let mut wanted: Vec<NodeIndex> = Vec::new();
        let mut node = top;
        while node != leaf {
            let (Some(left), Some(right)) = (node.left(), node.right()) else {
                return Err(Error::Internal("secret tree: leaf below a leaf"));
            };
            let (next, sibling) = if leaf < node {
                (left, right)
            } else {
                (right, left)
            };
            wanted.push(sibling);
            node = next;
        }
        let mut derived: BTreeMap<NodeIndex, Secret> = derived.into_iter().collect();
        let keep = wanted
            .into_iter()
            .map(|n| {
                derived
                    .remove(&n)
                    .map(|s| (n, s))
                    .ok_or(Error::Internal("staged key from another secret tree"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok((top, keep))
    }
}

#[cfg(test)]
mod tests;
