//! GREASE (RFC 9420 §13.5): the random values a KeyPackage's capabilities
//! and extensions, and a GroupInfo's extensions, carry so that receivers
//! prove they ignore unknown values.

use rand_core::CryptoRng;

use crate::crypto::CipherSuite as Suite;
use crate::messages::{CredentialType, Extension, ExtensionType, Extensions, ProposalType};
use crate::tree::Capabilities;

/// The fifteen GREASE values of RFC 9420 §13.5: `0x0A0A`, `0x1A1A`, ...,
/// `0xEAEA`.
const GREASE_COUNT: u32 = 15;

/// A GREASE value drawn from `rng`, not one of `taken`.
fn grease_value(rng: &mut (impl CryptoRng + ?Sized), taken: &[u16]) -> Option<u16> {
    let free: Vec<u16> = (0..GREASE_COUNT)
        .filter_map(|i| u8::try_from(i).ok())
        .map(|i| {
            let byte = (i << 4) | 0x0a;
            u16::from_be_bytes([byte, byte])
        })
        .filter(|v| !taken.contains(v))
        .collect();
    let len = u32::try_from(free.len()).ok().filter(|l| *l > 0)?;
    let pick = usize::try_from(rng.next_u32() % len).ok()?;
    free.get(pick).copied()
}

/// A GREASE extension (RFC 9420 §13.5: "the `extension_data` for GREASE
/// extensions MAY have any contents"): a type not yet in `list`, and up to
/// 15 random bytes.
pub(crate) fn grease_extension(
    rng: &mut (impl CryptoRng + ?Sized),
    list: &Extensions,
) -> Option<Extension> {
    let taken: Vec<u16> = list.iter().map(|e| e.extension_type.0).collect();
    let extension_type = ExtensionType(grease_value(rng, &taken)?);
    let len = usize::try_from(rng.next_u32() % 16).unwrap_or(0);
    let mut extension_data = vec![0; len];
    rng.fill_bytes(&mut extension_data);
    Some(Extension {
        extension_type,
        extension_data,
    })
}

/// Adds one GREASE value to each of the capabilities' cipher suites,
/// extensions, proposals and credentials, as RFC 9420 §13.5 says a client
/// SHOULD (none to versions, which §13.5 does not list). Each value is new
/// to its list; a list already holding all fifteen gets none.
pub(super) fn add_grease_capabilities(
    capabilities: &mut Capabilities,
    rng: &mut (impl CryptoRng + ?Sized),
) {
    // RFC 9420 R-13.5-01 (docs/rfc9420-requirements.md)
    let taken: Vec<u16> = capabilities.cipher_suites.iter().map(|s| s.0).collect();
    if let Some(v) = grease_value(rng, &taken) {
        capabilities.cipher_suites.push(Suite(v));
    }
    let taken: Vec<u16> = capabilities.extensions.iter().map(|t| t.0).collect();
    if let Some(v) = grease_value(rng, &taken) {
        capabilities.extensions.push(ExtensionType(v));
    }
    let taken: Vec<u16> = capabilities.proposals.iter().map(|t| t.0).collect();
    if let Some(v) = grease_value(rng, &taken) {
        capabilities.proposals.push(ProposalType(v));
    }
    let taken: Vec<u16> = capabilities.credentials.iter().map(|t| t.0).collect();
    if let Some(v) = grease_value(rng, &taken) {
        capabilities.credentials.push(CredentialType(v));
    }
}

/// Adds one GREASE extension each to the leaf's and the KeyPackage's
/// extensions (RFC 9420 §13.5). Their types go into the capabilities
/// through `complete_capabilities`, as every non-default type does
/// (§7.2, §10, §13.5).
pub(super) fn add_grease_extensions(
    leaf_extensions: &mut Extensions,
    extensions: &mut Extensions,
    rng: &mut (impl CryptoRng + ?Sized),
) {
    // RFC 9420 R-13.5-01 (docs/rfc9420-requirements.md)
    if let Some(e) = grease_extension(rng, leaf_extensions) {
        leaf_extensions.0.push(e);
    }
    if let Some(e) = grease_extension(rng, extensions) {
        extensions.0.push(e);
    }
}
