//! The secret tree: per-sender encryption keys for handshake and
//! application messages (RFC 9420 §9).

/// Why the secret tree could not produce a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SecretTreeError {
    /// The sender's leaf index is outside the tree.
    #[error("leaf {leaf} outside a tree of {leaves} leaves")]
    LeafOutOfRange {
        /// The requested leaf.
        leaf: u32,
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
