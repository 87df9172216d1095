//! The vocabulary shared by the ratchet tree and the protocol messages
//! (RFC 9420 §5.3, §13, §17): the code points of the open registries
//! (protocol versions, proposal, extension, credential types and wire
//! formats, with GREASE, §13.5), credentials, and extensions with the
//! contents of those the RFC defines.
//!
//! It sits below the `tree` and `messages` modules, which both build on
//! it: a LeafNode carries credentials, capabilities
//! and extensions, and so do KeyPackages and GroupContexts. Open registries
//! are newtypes over their code point, so unknown and GREASE values survive
//! a decode and re-encode.

mod code_list;
pub mod credential;
pub mod extension;
mod registry;

pub use code_list::CodeList;
pub use credential::{Certificate, Credential, CredentialType};
pub use extension::{
    ApplicationId, Extension, ExtensionContent, ExtensionType, Extensions, ExternalPub,
    ExternalSender, ExternalSenders, RequiredCapabilities,
};
pub use registry::{ProposalType, ProtocolVersion, WireFormat, is_grease};

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
