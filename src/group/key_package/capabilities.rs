//! What a KeyPackage advertises (RFC 9420 §7.2, §13.4), and choosing a
//! group's version and cipher suite from the invitees' KeyPackages
//! (§11: downgrade protection).

use super::{KeyPackageError, complete_capabilities};
use crate::crypto::{CipherSuite, SuiteCrypto};
use crate::error::Error;
use crate::messages::{
    Credential, ExtensionType, Extensions, KeyPackage, ProposalType, ProtocolVersion,
};
use crate::tree::Capabilities;
use crate::types::is_grease;

/// A value a KeyPackage's capabilities would advertise that this client
/// does not support, or that capabilities must not list (RFC 9420 §7.2,
/// §13.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UnsupportedCapability {
    /// A protocol version other than `mls10`.
    Version(ProtocolVersion),
    /// A cipher suite the crypto provider does not implement.
    CipherSuite(CipherSuite),
    /// A default proposal type (§7.2: "MUST NOT be listed").
    DefaultProposalType(ProposalType),
    /// A default extension type (§7.2: "MUST NOT be listed").
    DefaultExtensionType(ExtensionType),
}

/// The capabilities a KeyPackage generated with `capabilities` carries:
/// checked, then completed with what the KeyPackage uses (RFC 9420 §7.2,
/// §13.4).
///
/// Refused with [`KeyPackageError::UnsupportedCapability`]: a version
/// other than `mls10`, a suite the provider does not implement, and any
/// default proposal or extension type. GREASE values (§13.5) pass: they
/// advertise nothing. Credential types other than `basic` and `x509`,
/// and non-default proposal and extension types, are the application's
/// to support (it judges such credentials with its `CredentialValidator`
/// and handles such proposals and extensions, §5.3, §13); the crate
/// cannot check them.
pub(super) fn checked_capabilities(
    capabilities: &Capabilities,
    crypto: &SuiteCrypto<'_>,
    credential: &Credential,
    leaf_extensions: &Extensions,
    extensions: &Extensions,
) -> Result<Capabilities, Error> {
    // RFC 9420 R-7.2-01, R-13.4-01 (docs/rfc9420-requirements.md)
    let refuse = |what| Err(KeyPackageError::UnsupportedCapability(what).into());
    if let Some(v) = capabilities
        .versions
        .iter()
        .find(|v| **v != ProtocolVersion::MLS10)
    {
        return refuse(UnsupportedCapability::Version(*v));
    }
    let provider = crypto.provider();
    if let Some(s) = capabilities
        .cipher_suites
        .iter()
        .find(|s| !provider.supports(**s) && !is_grease(s.0))
    {
        return refuse(UnsupportedCapability::CipherSuite(*s));
    }
    if let Some(p) = capabilities.proposals.iter().find(|p| p.is_default()) {
        return refuse(UnsupportedCapability::DefaultProposalType(*p));
    }
    if let Some(e) = capabilities.extensions.iter().find(|e| e.is_default()) {
        return refuse(UnsupportedCapability::DefaultExtensionType(*e));
    }
    Ok(complete_capabilities(
        capabilities,
        crypto,
        credential,
        leaf_extensions,
        extensions,
    ))
}

/// The best cipher suite for a group of `own` and `invitees`
/// (RFC 9420 §11): the first suite of `own.cipher_suites` (the creator's
/// preference, best first) that every invitee lists too, with `mls10` in
/// every version list. `None` if there is none.
///
/// A creator fetches KeyPackages of this suite for its invitees, then
/// checks them with [`check_invitees`] before creating the group.
pub fn best_common_cipher_suite<'a>(
    own: &Capabilities,
    invitees: impl IntoIterator<Item = &'a Capabilities> + Clone,
) -> Option<CipherSuite> {
    // RFC 9420 R-11-01 (docs/rfc9420-requirements.md)
    let mls10 = |c: &Capabilities| c.versions.contains(&ProtocolVersion::MLS10);
    if !mls10(own) || !invitees.clone().into_iter().all(mls10) {
        return None;
    }
    own.cipher_suites.iter().copied().find(|suite| {
        invitees
            .clone()
            .into_iter()
            .all(|c| c.cipher_suites.contains(suite))
    })
}

/// Checks, before a group is created with the KeyPackage `own` and the
/// members of `invitees` are added, that the group's version and cipher
/// suite are the best option all of them support (RFC 9420 §11: "To
/// protect against downgrade attacks, the creator MUST use the
/// capabilities information in these KeyPackages to verify that the chosen
/// version and cipher suite is the best option supported by all members").
///
/// The group takes `own`'s suite and `mls10`. Fails with
/// [`KeyPackageError::UnsupportedVersion`] for an invitee KeyPackage that
/// is not `mls10`, [`KeyPackageError::CipherSuiteMismatch`] for one of
/// another suite (no mix), and [`KeyPackageError::Downgrade`] when a suite
/// `own`'s capabilities rank higher is supported by every KeyPackage
/// (fetch the invitees' KeyPackages of that suite instead; a delivery
/// service that offers only weaker ones is the attack) or when some
/// KeyPackage does not list the group's suite or version at all.
pub fn check_invitees(own: &KeyPackage, invitees: &[KeyPackage]) -> Result<(), Error> {
    // RFC 9420 R-11-01 (docs/rfc9420-requirements.md)
    let chosen = own.cipher_suite;
    for kp in invitees {
        if kp.version != ProtocolVersion::MLS10 {
            return Err(KeyPackageError::UnsupportedVersion {
                version: kp.version,
            }
            .into());
        }
        if kp.cipher_suite != chosen {
            return Err(KeyPackageError::CipherSuiteMismatch {
                key_package: kp.cipher_suite,
                group: chosen,
            }
            .into());
        }
    }
    let best = best_common_cipher_suite(
        &own.leaf_node.capabilities,
        invitees.iter().map(|kp| &kp.leaf_node.capabilities),
    );
    if best == Some(chosen) {
        Ok(())
    } else {
        Err(KeyPackageError::Downgrade { chosen, best }.into())
    }
}
