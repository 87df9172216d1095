//! Pre-shared keys a group can draw on (RFC 9420 §8.4, §8.6).

use std::collections::BTreeMap;

use crate::crypto::Secret;

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
