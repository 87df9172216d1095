//! Export of a [`TreeKemPrivate`] for the caller's own storage.
//!
//! This is not a wire format of RFC 9420: it exists so that a member can
//! save its group state and restore it later. It is written in the TLS
//! presentation language like every other structure of the crate:
//!
//! ```text
//! struct {
//!     uint32 node;
//!     HPKEPublicKey encryption_key;
//!     opaque private_key<V>;
//! } NodeKeyPair;
//!
//! struct {
//!     uint32 own_leaf;
//!     NodeKeyPair keys<V>;           // ascending node indices
//! } TreeKemPrivateState;
//! ```

use std::collections::BTreeMap;

use super::TreeKemPrivate;
use crate::codec::{
    Decode, DecodeError, Encode, EncodeError, InvalidField, Reader, encode_vector, vector_len,
};
use crate::crypto::{HpkePrivateKey, HpkePublicKey, UniformLength};
use crate::tree::{LeafIndex, NodeIndex, TreeSize};

/// An own leaf index past the largest tree.
const OWN_LEAF: DecodeError = DecodeError::Invalid(InvalidField::TreeKemOwnLeaf);
/// Key nodes not strictly ascending.
const KEY_ORDER: DecodeError = DecodeError::Invalid(InvalidField::TreeKemKeyOrder);
/// A key for a node that is neither the own leaf nor on its direct path.
const KEY_NODE: DecodeError = DecodeError::Invalid(InvalidField::TreeKemKeyNode);
/// No key for the own leaf.
const LEAF_KEY: DecodeError = DecodeError::Invalid(InvalidField::TreeKemLeafKey);

/// Encodes the keys as `TreeKemPrivateState` (see the module
/// documentation), private keys included, for the caller's own storage.
///
/// The output holds key material: keep it as confidential as the group
/// state itself, and wipe it when done. Growing `out` may leave copies of
/// what was written before in freed memory; see
/// [`Secret`](crate::crypto::Secret)'s `Encode`.
impl Encode for TreeKemPrivate {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        self.own_leaf.encode(out)?;
        encode_vector(out, |out| {
            self.keys.iter().try_for_each(|(node, (public, private))| {
                node.encode(out)?;
                public.encode(out)?;
                private.encode(out)
            })
        })
    }

    fn encoded_len(&self) -> Result<usize, EncodeError> {
        let keys = self
            .keys
            .iter()
            .try_fold(0usize, |sum, (node, (public, private))| {
                let entry = node.encoded_len()? + public.encoded_len()? + private.encoded_len()?;
                Ok::<_, EncodeError>(sum.saturating_add(entry))
            })?;
        Ok(self.own_leaf.encoded_len()? + vector_len(keys)?)
    }
}

/// Decodes a `TreeKemPrivateState` (see the module documentation).
///
/// Fails with a [`DecodeError`] on malformed bytes and with
/// [`DecodeError::Invalid`] on keys this crate could not have produced:
///
/// - an own leaf index past the largest tree (2^31 leaves);
/// - node indices not strictly ascending;
/// - a key for a node that is neither the own leaf nor one of its
///   ancestors: a member only learns the keys of its direct path
///   (RFC 9420 §4.2, §7.4, §12.4.3.1). The check does not depend on the
///   tree's size, which this state does not record: a node's ancestors
///   are the same in every tree that contains it (RFC 9420 Appendix C);
/// - keys, but none for the own leaf (no key at all is the state of a
///   removed member, [`TreeKemPrivate::clear`]);
/// - public keys, or private keys, of different lengths, or empty.
///
/// Whether the keys match the ratchet tree is for the caller to check once
/// the tree is restored ([`TreeKemPrivate::check_consistent`]).
impl Decode for TreeKemPrivate {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let own_leaf = LeafIndex::decode(r)?;
        let leaf_node = own_leaf.node().ok_or(OWN_LEAF)?;
        let mut public_len = UniformLength::new(InvalidField::HpkePublicKeyLength, usize::MAX);
        let mut private_len = UniformLength::new(InvalidField::HpkePrivateKeyLength, usize::MAX);
        let mut keys = BTreeMap::new();
        let mut body = r.read_vector()?;
        while !body.is_empty() {
            let node = NodeIndex::decode(&mut body)?;
            let public = HpkePublicKey::decode(&mut body)?;
            let private = HpkePrivateKey::decode(&mut body)?;
            if keys.last_key_value().is_some_and(|(last, _)| *last >= node) {
                return Err(KEY_ORDER);
            }
            if !TreeSize::MAX.contains(node)
                || TreeSize::MAX.common_ancestor(node, leaf_node) != node
            {
                return Err(KEY_NODE);
            }
            public_len.check(public.0.len())?;
            private_len.check(private.as_bytes().len())?;
            keys.insert(node, (public, private));
        }
        // No key at all: a member removed from the group, whose keys were
        // wiped (RFC 9420 §12.4.2, `TreeKemPrivate::clear`).
        if !keys.is_empty() && !keys.contains_key(&leaf_node) {
            return Err(LEAF_KEY);
        }
        Ok(Self { own_leaf, keys })
    }
}

#[cfg(test)]
mod tests;
