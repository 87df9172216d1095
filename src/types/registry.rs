//! The code points of the registries the protocol's structures name
//! (RFC 9420 §17): protocol versions, proposal types and wire formats, and
//! the GREASE values reserved in them (§13.5).

/// Whether `value` is one of the GREASE code points that RFC 9420 §13.5
/// reserves in the cipher suite, extension type, proposal type and
/// credential type registries: `0x0A0A`, `0x1A1A`, ..., `0xEAEA`.
pub const fn is_grease(value: u16) -> bool {
    let [high, low] = value.to_be_bytes();
    high == low && low & 0x0f == 0x0a && high < 0xf0
}

/// A protocol version (RFC 9420 §6).
///
/// ```text
/// enum {
///     reserved(0),
///     mls10(1),
///     (65535)
/// } ProtocolVersion;
/// ```
///
/// Capabilities list versions a client may not know, so any value decodes
/// and round-trips; [`ProtocolVersion::MLS10`] is the only one this crate
/// speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProtocolVersion(pub u16);

impl ProtocolVersion {
    /// `reserved(0)`.
    pub const RESERVED: Self = Self(0);
    /// `mls10(1)`: MLS 1.0, RFC 9420.
    pub const MLS10: Self = Self(1);
}

crate::codec_newtype!(ProtocolVersion);

/// A proposal type code point (RFC 9420 §12.1, §17.4).
///
/// ```text
/// // See the "MLS Proposal Types" IANA registry for values
/// uint16 ProposalType;
/// ```
///
/// Capabilities list proposal types, GREASE included, so any value decodes
/// and round-trips. A `Proposal` of an unknown type cannot be parsed,
/// since the RFC gives its contents no length prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProposalType(pub u16);

impl ProposalType {
    /// `add(1)`.
    pub const ADD: Self = Self(0x0001);
    /// `update(2)`.
    pub const UPDATE: Self = Self(0x0002);
    /// `remove(3)`.
    pub const REMOVE: Self = Self(0x0003);
    /// `psk(4)`.
    pub const PSK: Self = Self(0x0004);
    /// `reinit(5)`.
    pub const REINIT: Self = Self(0x0005);
    /// `external_init(6)`.
    pub const EXTERNAL_INIT: Self = Self(0x0006);
    /// `group_context_extensions(7)`.
    pub const GROUP_CONTEXT_EXTENSIONS: Self = Self(0x0007);

    /// Whether this is one of the seven proposal types RFC 9420 §7.2 calls
    /// default, which capabilities MUST NOT list.
    pub const fn is_default(self) -> bool {
        matches!(self.0, 0x0001..=0x0007)
    }

    /// Whether this is a GREASE value (RFC 9420 §13.5).
    pub const fn is_grease(self) -> bool {
        is_grease(self.0)
    }
}

crate::codec_newtype!(ProposalType);

/// A wire format code point (RFC 9420 §6, §17.2).
///
/// ```text
/// // See the "MLS Wire Formats" IANA registry for values
/// uint16 WireFormat;
/// ```
///
/// Any value round-trips where a wire format is a plain field
/// (AuthenticatedContent); an MLSMessage of an unknown wire format cannot
/// be parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WireFormat(pub u16);

impl WireFormat {
    /// `mls_public_message(1)`.
    pub const PUBLIC_MESSAGE: Self = Self(0x0001);
    /// `mls_private_message(2)`.
    pub const PRIVATE_MESSAGE: Self = Self(0x0002);
    /// `mls_welcome(3)`.
    pub const WELCOME: Self = Self(0x0003);
    /// `mls_group_info(4)`.
    pub const GROUP_INFO: Self = Self(0x0004);
    /// `mls_key_package(5)`.
    pub const KEY_PACKAGE: Self = Self(0x0005);
}

crate::codec_newtype!(WireFormat);
