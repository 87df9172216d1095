//! Which position of the tree holds a public key, without a copy of the
//! keys: a hash table of positions (node or leaf indices), each hashed by
//! the bytes of the key the tree holds there. Restoring or joining a group
//! of n members then indexes its 2n keys without 2n allocations.
//!
//! The table is only as right as the caller keeps it: a position is
//! inserted after its key is in the tree and removed before the key
//! changes, so the key found at a stored position is always the one it was
//! hashed by.
//!
//! Keys are hashed with hashbrown's default hasher (foldhash), seeded at
//! random for each index: members choose their keys, but cannot aim them
//! at one bucket without the seed, and hashing 2n keys costs a few
//! nanoseconds each instead of SipHash's tens (a tenth of a restore).

use std::hash::BuildHasher;

use hashbrown::DefaultHashBuilder;

use hashbrown::HashTable;
use hashbrown::hash_table::Entry;

/// Positions of keys, looked up by the key bytes (see the module
/// documentation).
#[derive(Clone, Default)]
pub(super) struct KeyIndex {
    table: HashTable<u32>,
    state: DefaultHashBuilder,
}

impl KeyIndex {
    /// An empty index with room for `capacity` keys.
    pub(super) fn with_capacity(capacity: usize) -> Self {
        Self {
            table: HashTable::with_capacity(capacity),
            state: DefaultHashBuilder::default(),
        }
    }

    /// The position holding `key`, where `key_at` gives the key the tree
    /// holds at a position.
    pub(super) fn get<'t>(
        &self,
        key: &[u8],
        key_at: impl Fn(u32) -> Option<&'t [u8]>,
    ) -> Option<u32> {
        self.table
            .find(self.state.hash_one(key), |&x| key_at(x) == Some(key))
            .copied()
    }

    /// Records that `at` holds `key`, unless another position already
    /// holds it (the first holder is kept; validation reports duplicates).
    pub(super) fn insert_first<'t>(
        &mut self,
        key: &[u8],
        at: u32,
        key_at: impl Fn(u32) -> Option<&'t [u8]>,
    ) {
        let state = &self.state;
        let entry = self.table.entry(
            state.hash_one(key),
            |&x| key_at(x) == Some(key),
            |&x| state.hash_one(key_at(x).unwrap_or_default()),
        );
        if let Entry::Vacant(vacant) = entry {
            vacant.insert(at);
        }
    }

    /// Forgets that `at` holds `key`, if it is the position recorded for
    /// it.
    pub(super) fn remove(&mut self, key: &[u8], at: u32) {
        if let Ok(entry) = self
            .table
            .find_entry(self.state.hash_one(key), |&x| x == at)
        {
            entry.remove();
        }
    }
}
