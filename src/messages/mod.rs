//! Protocol messages (RFC 9420 §8.1, §10-§13): the GroupContext, key
//! packages, proposals, commits, Welcome and GroupInfo. The registries,
//! credentials and extensions they share with the tree live in
//! the `types` module and are re-exported here; the MLSMessage envelope
//! lives with the framing it wraps (`framing::MlsMessage`).
//!
//! Every structure here has the wire encoding the RFC gives it. Decoding
//! checks syntax only (lengths, discriminants, optional markers); the
//! semantic checks of §7.3, §10.1, §12.2 and the like belong to the group
//! logic. Open registries (§17) are newtypes over their code point, so
//! unknown and GREASE values (§13.5) survive a decode and re-encode.

pub mod commit;
pub mod group_context;
pub mod group_info;
pub mod key_package;
pub mod proposal;
pub mod psk;
pub mod welcome;

pub use crate::tree::{RatchetTreeExtension, UpdatePath, UpdatePathNode};
pub use crate::types::{
    ApplicationId, Certificate, CodeList, Credential, CredentialType, Extension, ExtensionContent,
    ExtensionType, Extensions, ExternalPub, ExternalSender, ExternalSenders, ProposalType,
    ProtocolVersion, RequiredCapabilities, WireFormat, credential, extension, is_grease,
};
pub use commit::Commit;
pub use group_context::GroupContext;
pub use group_info::GroupInfo;
pub use key_package::{KeyPackage, KeyPackageRef};
pub use proposal::{
    Add, CustomProposal, ExternalInit, GroupContextExtensions, PreSharedKey, Proposal,
    ProposalOrRef, ProposalOrRefType, ProposalRef, ReInit, Remove, Update,
};
pub use psk::{PreSharedKeyId, PskKind, PskType, ResumptionPskUsage};
pub use welcome::{EncryptedGroupSecrets, GroupSecrets, PathSecret, Welcome};
