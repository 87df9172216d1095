//! Protocol messages (RFC 9420 §10-§13): key packages, proposals, commits,
//! Welcome and GroupInfo, extensions and credentials, and the MLSMessage
//! envelope.
//!
//! Every structure here has the wire encoding the RFC gives it. Decoding
//! checks syntax only (lengths, discriminants, optional markers); the
//! semantic checks of §7.3, §10.1, §12.2 and the like belong to the group
//! logic. Open registries (§17) are newtypes over their code point, so
//! unknown and GREASE values (§13.5) survive a decode and re-encode.

pub mod commit;
pub mod credential;
pub mod extension;
pub mod group_info;
pub mod key_package;
pub mod mls_message;
pub mod proposal;
pub mod psk;
pub mod welcome;

pub use commit::{Commit, UpdatePath, UpdatePathNode};
pub use credential::{Certificate, Credential, CredentialType};
pub use extension::{
    ApplicationId, Extension, ExtensionContent, ExtensionType, Extensions, ExternalPub,
    ExternalSender, ExternalSenders, RatchetTreeExtension, RequiredCapabilities,
};
pub use group_info::GroupInfo;
pub use key_package::{KeyPackage, KeyPackageRef, ProtocolVersion};
pub use mls_message::{MlsMessage, MlsMessageBody, WireFormat};
pub use proposal::{
    Add, ExternalInit, GroupContextExtensions, PreSharedKey, Proposal, ProposalOrRef,
    ProposalOrRefType, ProposalRef, ProposalType, ReInit, Remove, Update,
};
pub use psk::{PreSharedKeyId, PskKind, PskType, ResumptionPskUsage};
pub use welcome::{EncryptedGroupSecrets, GroupSecrets, PathSecret, Welcome};

/// Whether `value` is one of the GREASE code points that RFC 9420 §13.5
/// reserves in the cipher suite, extension type, proposal type and
/// credential type registries: `0x0A0A`, `0x1A1A`, ..., `0xEAEA`.
pub const fn is_grease(value: u16) -> bool {
    let [high, low] = value.to_be_bytes();
    high == low && low & 0x0f == 0x0a && high < 0xf0
}

#[cfg(test)]
mod tests {
    use super::is_grease;

    #[test]
    fn grease_values_are_the_fifteen_of_section_13_5() {
        let grease: Vec<u16> = (0..=u16::MAX).filter(|&v| is_grease(v)).collect();
        let expected: Vec<u16> = (0..15u16).map(|i| 0x0a0a + 0x1010 * i).collect();
        assert_eq!(grease, expected);
        assert_eq!(grease.last(), Some(&0xeaea));
    }
}
