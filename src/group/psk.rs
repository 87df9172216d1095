//! Pre-shared keys a group can draw on (RFC 9420 §8.4, §8.6).

use std::collections::BTreeMap;

use rand_core::CryptoRng;

use super::Group;
use crate::crypto::{CryptoProvider, Secret};
use crate::error::Error;
use crate::messages::{PreSharedKey, PreSharedKeyId, Proposal, ProposalRef};
use crate::tree::validate::Timestamp;

/// External PSKs, by their `psk_id` (RFC 9420 §8.4). The application
/// distributes them out of band and puts them here; a commit or Welcome
/// naming a PSK that is not here is refused (§12.4.2, §12.4.3.1).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct PskStore {
    external: BTreeMap<Vec<u8>, Secret>,
}

impl core::fmt::Debug for PskStore {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PskStore")
            .field("external_psks", &self.external.len())
            .finish()
    }
}

impl PskStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Stores the external PSK `psk` under `psk_id`, replacing any
    /// earlier one.
    pub fn insert(&mut self, psk_id: Vec<u8>, psk: Secret) {
        self.external.insert(psk_id, psk);
    }

    /// Removes the external PSK `psk_id`.
    pub fn remove(&mut self, psk_id: &[u8]) -> Option<Secret> {
        self.external.remove(psk_id)
    }

    /// The external PSK `psk_id`.
    pub fn get(&self, psk_id: &[u8]) -> Option<&Secret> {
        self.external.get(psk_id)
    }

    /// The stored PSK IDs.
    pub fn ids(&self) -> impl Iterator<Item = &[u8]> {
        self.external.keys().map(Vec::as_slice)
    }

    /// How many PSKs are stored.
    pub fn len(&self) -> usize {
        self.external.len()
    }

    /// Whether the store is empty.
    pub fn is_empty(&self) -> bool {
        self.external.is_empty()
    }

    pub(crate) fn entries(&self) -> impl Iterator<Item = (&Vec<u8>, &Secret)> {
        self.external.iter()
    }
}

impl<P: CryptoProvider> Group<P> {
    /// Proposes injecting the external PSK `psk_id` into the next epoch
    /// (RFC 9420 §8.4, §12.1.4), with a fresh nonce of `KDF.Nh` bytes
    /// drawn from `rng` ([`PreSharedKeyId::external`]); sent and stored as
    /// [`propose`](Self::propose) does. Returns the encoded message, the
    /// proposal's reference and the PSK ID (to give the same PSK to
    /// joiners). The PSK must be in [`psks`](Self::psks) when the commit
    /// is created.
    pub fn propose_external_psk(
        &mut self,
        psk_id: Vec<u8>,
        authenticated_data: &[u8],
        now: Timestamp,
        rng: &mut (impl CryptoRng + ?Sized),
    ) -> Result<(Vec<u8>, ProposalRef, PreSharedKeyId), Error> {
        // RFC 9420 R-8.4-02 (docs/rfc9420-requirements.md)
        let id = PreSharedKeyId::external(&self.crypto()?, psk_id, rng);
        self.propose_psk(id, authenticated_data, now, rng)
    }

    /// Proposes injecting the resumption PSK of this group's epoch `epoch`
    /// (the current one or one of the last
    /// [`max_resumption_psks`](super::GroupConfig::max_resumption_psks))
    /// into the next epoch (RFC 9420 §8.4, §8.6), usage `application`,
    /// with a fresh nonce of `KDF.Nh` bytes drawn from `rng`
    /// ([`PreSharedKeyId::resumption`]).
    pub fn propose_resumption_psk(
        &mut self,
        epoch: u64,
        authenticated_data: &[u8],
        now: Timestamp,
        rng: &mut (impl CryptoRng + ?Sized),
    ) -> Result<(Vec<u8>, ProposalRef, PreSharedKeyId), Error> {
        // RFC 9420 R-8.4-02 (docs/rfc9420-requirements.md)
        let group_id = self.group_id().to_vec();
        let id = PreSharedKeyId::resumption(&self.crypto()?, group_id, epoch, rng);
        self.propose_psk(id, authenticated_data, now, rng)
    }

    fn propose_psk(
        &mut self,
        id: PreSharedKeyId,
        authenticated_data: &[u8],
        now: Timestamp,
        rng: &mut (impl CryptoRng + ?Sized),
    ) -> Result<(Vec<u8>, ProposalRef, PreSharedKeyId), Error> {
        // The PSK must be one this member can use now (§12.2).
        self.state.resolve_psk(&id)?;
        let proposal = Proposal::PreSharedKey(PreSharedKey { psk: id.clone() });
        let (bytes, reference) = self.propose(proposal, authenticated_data, now, rng)?;
        Ok((bytes, reference, id))
    }
}
