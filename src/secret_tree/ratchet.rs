//! Per-sender hash ratchets (RFC 9420 §9.1) and the keys they produce.

use std::collections::BTreeMap;

use super::{SecretTreeConfig, SecretTreeError};
use crate::crypto::{KeyNonce, Secret, SuiteCrypto};
use crate::error::Error;

/// Which of a sender's two hash ratchets a key comes from (RFC 9420 §9).
///
/// Handshake messages (proposals and commits) use the handshake ratchet,
/// application messages the application ratchet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RatchetType {
    /// `handshake_ratchet_secret_[N]_[j]`: proposals and commits.
    Handshake,
    /// `application_ratchet_secret_[N]_[j]`: application data.
    Application,
}

impl RatchetType {
    /// The label that derives the ratchet's root from the leaf's tree
    /// secret (RFC 9420 §9).
    pub(crate) const fn label(self) -> &'static str {
        match self {
            Self::Handshake => "handshake",
            Self::Application => "application",
        }
    }
}

/// The current position of a ratchet: `ratchet_secret_[N]_[generation]`,
/// from which the key and nonce of `generation` and every later secret
/// are derived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RatchetHead {
    pub(crate) generation: u32,
    pub(crate) secret: Secret,
}

/// A symmetric hash ratchet (RFC 9420 §9.1):
///
/// ```text
/// ratchet_secret_[N]_[j]
///       |
///       +--> DeriveTreeSecret(., "nonce", j, AEAD.Nn)
///       |    = ratchet_nonce_[N]_[j]
///       |
///       +--> DeriveTreeSecret(., "key", j,  AEAD.Nk)
///       |    = ratchet_key_[N]_[j]
///       |
///       V
/// DeriveTreeSecret(., "secret", j, KDF.Nh)
/// = ratchet_secret_[N]_[j+1]
/// ```
///
/// Only the head secret is kept: secrets of earlier generations are deleted
/// as soon as the next one is derived (§9.2). Keys of skipped generations
/// are kept in `retained`, at most [`SecretTreeConfig::max_retained_keys`]
/// of them, for out-of-order delivery (§15.3); each is deleted when used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HashRatchet {
    /// `None` once generation 2^32 - 1 has been used: the ratchet cannot
    /// produce another generation.
    pub(crate) head: Option<RatchetHead>,
    /// Keys of skipped generations, by generation.
    pub(crate) retained: BTreeMap<u32, KeyNonce>,
}

/// The change one key lookup makes to a ratchet, computed without
/// touching it.
#[derive(Debug)]
pub(crate) enum RatchetStep {
    /// The key of `generation` was taken from the retained keys.
    Retained {
        /// The generation used.
        generation: u32,
    },
    /// The ratchet moves past `generation`.
    Advance {
        /// The generation used.
        generation: u32,
        /// The new head: generation + 1, or `None` past 2^32 - 1.
        next: Option<RatchetHead>,
        /// Keys of the generations skipped on the way, ascending; only the
        /// last `max_retained_keys` are computed.
        skipped: Vec<(u32, KeyNonce)>,
    },
}

impl RatchetStep {
    fn generation(&self) -> u32 {
        match self {
            Self::Retained { generation } | Self::Advance { generation, .. } => *generation,
        }
    }
}

impl HashRatchet {
    /// A ratchet at generation 0 with root `secret`.
    pub(crate) fn new(secret: Secret) -> Self {
        Self {
            head: Some(RatchetHead {
                generation: 0,
                secret,
            }),
            retained: BTreeMap::new(),
        }
    }

    /// The generation the next sent message uses, or `None` when the
    /// ratchet is exhausted.
    pub(crate) fn next_generation(&self) -> Option<u32> {
        self.head.as_ref().map(|h| h.generation)
    }

    /// Computes the key of `generation` and the change that using it makes,
    /// without changing the ratchet.
    pub(crate) fn stage(
        &self,
        suite: &SuiteCrypto<'_>,
        generation: u32,
        config: &SecretTreeConfig,
    ) -> Result<(KeyNonce, RatchetStep), Error> {
        let head = match &self.head {
            Some(head) if generation >= head.generation => head,
            _ => {
                let key = self
                    .retained
                    .get(&generation)
                    .ok_or(SecretTreeError::GenerationConsumed { generation })?;
                return Ok((key.clone(), RatchetStep::Retained { generation }));
            }
        };
        let distance = generation.saturating_sub(head.generation);
        if distance > config.max_forward_distance {
            // RFC 9420 §9.2, §15.3, R-9.2-02
            return Err(SecretTreeError::GenerationTooFarAhead {
                generation,
                current: head.generation,
                max_forward: config.max_forward_distance,
            }
            .into());
        }
        // Skipped generations below `keep_from` would be evicted at once, so
        // their keys are never derived.
        let keep_from = generation.saturating_sub(config.max_retained_keys);
        let mut skipped = Vec::new();
        let mut secret: Option<Secret> = None;
        for j in head.generation..generation {
            let current = secret.as_ref().unwrap_or(&head.secret);
            if j >= keep_from {
                skipped.push((j, key_nonce(suite, current, j)?));
            }
            secret = Some(next_secret(suite, current, j)?);
        }
        let current = secret.as_ref().unwrap_or(&head.secret);
        let key = key_nonce(suite, current, generation)?;
        let next = match generation.checked_add(1) {
            Some(n) => Some(RatchetHead {
                generation: n,
                secret: next_secret(suite, current, generation)?,
            }),
            None => None,
        };
        Ok((
            key,
            RatchetStep::Advance {
                generation,
                next,
                skipped,
            },
        ))
    }

    /// Applies a staged step. Fails, leaving the ratchet unchanged, if the
    /// key of the step's generation has been used or deleted since it was
    /// staged.
    ///
    /// The step may have been staged against an earlier state of this
    /// ratchet: the ratchet only moves forward and every value it holds is
    /// determined by the root secret, so the step's values are still right.
    pub(crate) fn apply(
        &mut self,
        step: RatchetStep,
        config: &SecretTreeConfig,
    ) -> Result<(), SecretTreeError> {
        let generation = step.generation();
        let behind = match &self.head {
            Some(head) => generation < head.generation,
            None => true,
        };
        if behind {
            // Used, evicted, or skipped by a step applied since staging.
            return match self.retained.remove(&generation) {
                Some(_) => Ok(()),
                None => Err(SecretTreeError::GenerationConsumed { generation }),
            };
        }
        let RatchetStep::Advance { next, skipped, .. } = step else {
            // A retained key is always behind the head it was staged
            // against, and heads never move back.
            return Err(SecretTreeError::GenerationConsumed { generation });
        };
        let from = self.head.as_ref().map_or(0, |h| h.generation);
        self.head = next;
        self.retained
            .extend(skipped.into_iter().filter(|(j, _)| *j >= from));
        let max = usize::try_from(config.max_retained_keys).unwrap_or(usize::MAX);
        while self.retained.len() > max {
            self.retained.pop_first();
        }
        Ok(())
    }
}

/// `ratchet_key_[N]_[j]` and `ratchet_nonce_[N]_[j]` from
/// `ratchet_secret_[N]_[j]` (RFC 9420 §9.1).
fn key_nonce(suite: &SuiteCrypto<'_>, secret: &Secret, generation: u32) -> Result<KeyNonce, Error> {
    let params = suite.params();
    let key = suite.derive_tree_secret(
        secret.as_bytes(),
        "key",
        generation,
        len_u16(params.aead_key_len())?,
    )?;
    let nonce = suite.derive_tree_secret(
        secret.as_bytes(),
        "nonce",
        generation,
        len_u16(params.aead_nonce_len())?,
    )?;
    Ok(KeyNonce::new(key, nonce))
}

/// `ratchet_secret_[N]_[j+1]` from `ratchet_secret_[N]_[j]`
/// (RFC 9420 §9.1).
fn next_secret(suite: &SuiteCrypto<'_>, secret: &Secret, generation: u32) -> Result<Secret, Error> {
    let nh = len_u16(suite.hash_len())?;
    Ok(suite.derive_tree_secret(secret.as_bytes(), "secret", generation, nh)?)
}

/// A suite's key, nonce or hash length as the `uint16` of KDFLabel.
pub(crate) fn len_u16(len: usize) -> Result<u16, Error> {
    u16::try_from(len).map_err(|_| Error::Internal("suite length does not fit a uint16"))
}
