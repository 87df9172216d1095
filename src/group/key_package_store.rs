//! A member's unused KeyPackage bundles, by reference (RFC 9420 §10,
//! §12.4.3.1): a value the application keeps and saves, from which
//! [`Group::join_from_store`] takes the bundle a Welcome was encrypted to.

use std::collections::BTreeMap;

use super::error::StateError;
use super::key_package::KeyPackageBundle;
use super::{Group, GroupConfig, JoinOptions};
use crate::codec::{Encode, decode_exact};
use crate::crypto::{CryptoProvider, SuiteCrypto};
use crate::error::Error;
use crate::framing::{MlsMessage, MlsMessageBody};
use crate::messages::KeyPackageRef;
use crate::tree::validate::Timestamp;

/// KeyPackage bundles by their `KeyPackageRef` (RFC 9420 §5.2).
///
/// Publish each bundle's KeyPackage and [`insert`](Self::insert) the bundle
/// here; [`Group::join_from_store`] finds the one a Welcome names and
/// removes it once used, unless it is a last-resort KeyPackage. The store
/// encodes to bytes with [`to_bytes`](Self::to_bytes), secrets included:
/// keep those bytes as safe as the keys.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct KeyPackageStore {
    bundles: BTreeMap<KeyPackageRef, KeyPackageBundle>,
}

impl core::fmt::Debug for KeyPackageStore {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("KeyPackageStore")
            .field("references", &self.bundles.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl KeyPackageStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `bundle` under its KeyPackage's reference, computed with its
    /// suite, and returns the reference.
    pub fn insert(
        &mut self,
        provider: &dyn CryptoProvider,
        bundle: KeyPackageBundle,
    ) -> Result<KeyPackageRef, Error> {
        let key_package = bundle.key_package();
        let crypto = SuiteCrypto::new(provider, key_package.cipher_suite)?;
        let reference = KeyPackageRef(crypto.key_package_ref(&key_package.to_bytes()?)?);
        self.bundles.insert(reference.clone(), bundle);
        Ok(reference)
    }

    /// The bundle with reference `reference`.
    pub fn get(&self, reference: &KeyPackageRef) -> Option<&KeyPackageBundle> {
        self.bundles.get(reference)
    }

    /// Removes and returns the bundle with reference `reference`.
    pub fn remove(&mut self, reference: &KeyPackageRef) -> Option<KeyPackageBundle> {
        self.bundles.remove(reference)
    }

    /// The references of the stored bundles.
    pub fn references(&self) -> impl Iterator<Item = &KeyPackageRef> {
        self.bundles.keys()
    }

    /// How many bundles are stored.
    pub fn len(&self) -> usize {
        self.bundles.len()
    }

    /// Whether the store is empty.
    pub fn is_empty(&self) -> bool {
        self.bundles.is_empty()
    }

    /// The store as bytes: `KeyPackageBundle bundles<V>`.
    pub fn to_bytes(&self) -> Result<zeroize::Zeroizing<Vec<u8>>, Error> {
        let bundles: Vec<&KeyPackageBundle> = self.bundles.values().collect();
        let len = bundles.encoded_len()?;
        let mut out = zeroize::Zeroizing::new(Vec::with_capacity(len));
        bundles.encode(&mut out)?;
        Ok(out)
    }

    /// Restores a store saved by [`to_bytes`](Self::to_bytes), computing
    /// each reference again with `provider`.
    pub fn from_bytes(provider: &dyn CryptoProvider, bytes: &[u8]) -> Result<Self, Error> {
        let bundles: Vec<KeyPackageBundle> = decode_exact(bytes)?;
        let mut store = Self::new();
        for bundle in bundles {
            store.insert(provider, bundle)?;
        }
        Ok(store)
    }
}

impl<P: CryptoProvider> Group<P> {
    /// Joins a group from a Welcome (see [`Group::join`]) with the bundle of
    /// `store` that the Welcome is encrypted to, and returns the group and
    /// that bundle's reference. The bundle is removed from the store once
    /// the join succeeded, unless it is a last-resort KeyPackage; on any
    /// error the store is unchanged.
    pub fn join_from_store(
        provider: P,
        config: GroupConfig,
        welcome: &[u8],
        store: &mut KeyPackageStore,
        options: JoinOptions,
        now: Timestamp,
    ) -> Result<(Self, KeyPackageRef), Error> {
        let message: MlsMessage = decode_exact(welcome)?;
        let MlsMessageBody::Welcome(parsed) = &message.body else {
            return Err(
                super::MessageError::UnexpectedWireFormat(message.body.wire_format()).into(),
            );
        };
        let reference = parsed
            .secrets
            .iter()
            .map(|s| &s.new_member)
            .find(|r| store.bundles.contains_key(*r))
            .cloned()
            .ok_or(StateError::NoMatchingKeyPackage)?;
        let bundle = store
            .bundles
            .get(&reference)
            .ok_or(Error::Internal("store lost a bundle"))?;
        let group = Self::join(provider, config, welcome, bundle, options, now)?;
        if !bundle.is_last_resort() {
            store.bundles.remove(&reference);
        }
        Ok((group, reference))
    }
}
