//! Group IDs (RFC 9420 §11, §12.4.3): fresh random IDs for creators, and a
//! join that refuses an ID the client already uses.

use rand_core::CryptoRng;

use super::join::JoinOptions;
use super::key_package::KeyPackageBundle;
use super::welcome::WelcomeError;
use super::{Group, GroupConfig};
use crate::crypto::{CryptoProvider, SuiteCrypto};
use crate::error::Error;
use crate::tree::validate::Timestamp;

/// A fresh group ID of `KDF.Nh` random bytes from `rng`, as RFC 9420 §11
/// suggests ("a freshly generated random value of size KDF.Nh"), so that
/// honest creators practically never pick the same ID.
pub fn random_group_id(crypto: &SuiteCrypto<'_>, rng: &mut (impl CryptoRng + ?Sized)) -> Vec<u8> {
    // RFC 9420 R-12.4.3-03 (docs/rfc9420-requirements.md)
    let mut id = vec![0u8; crypto.hash_len()];
    rng.fill_bytes(&mut id);
    id
}

impl<P: CryptoProvider> Group<P> {
    /// [`join`](Self::join), refusing the group if `in_use` says the
    /// client already participates in a group with its ID (RFC 9420
    /// §12.4.3, §12.4.3.1: "Verify that the group_id is unique among the
    /// groups that the client is currently participating in"). The crate
    /// keeps no list of the client's groups: `in_use` asks the
    /// application's. Fails with [`WelcomeError::GroupIdInUse`]; the
    /// joined state is dropped (and its secrets wiped) before returning.
    pub fn join_unique(
        provider: P,
        config: GroupConfig,
        welcome: &[u8],
        own: &KeyPackageBundle,
        options: JoinOptions,
        now: Timestamp,
        in_use: impl FnOnce(&[u8]) -> bool,
    ) -> Result<Self, Error> {
        // RFC 9420 R-12.4.3-03 (docs/rfc9420-requirements.md)
        let group = Self::join(provider, config, welcome, own, options, now)?;
        if in_use(group.group_id()) {
            return Err(WelcomeError::GroupIdInUse.into());
        }
        Ok(group)
    }
}
