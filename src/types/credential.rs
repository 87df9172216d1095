//! Credentials (RFC 9420 §5.3).

use crate::codec::{Decode, DecodeError, Encode, EncodeError, Reader};

/// A credential type code point (RFC 9420 §5.3, §17.5).
///
/// ```text
/// // See the "MLS Credential Types" IANA registry for values
/// uint16 CredentialType;
/// ```
///
/// Capabilities list credential types, GREASE included, so any value
/// decodes and round-trips. A [`Credential`] of an unknown type cannot be
/// parsed, since the RFC gives its contents no length prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CredentialType(pub u16);

impl CredentialType {
    /// `basic(1)`: an opaque identity.
    pub const BASIC: Self = Self(0x0001);
    /// `x509(2)`: a chain of X.509 certificates.
    pub const X509: Self = Self(0x0002);

    /// Whether this is a GREASE value (RFC 9420 §13.5).
    pub const fn is_grease(self) -> bool {
        super::is_grease(self.0)
    }
}

crate::codec_newtype!(CredentialType);

/// One DER-encoded X.509 certificate (RFC 9420 §5.3).
///
/// ```text
/// struct {
///     opaque cert_data<V>;
/// } Certificate;
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Certificate {
    /// The DER encoding of the certificate.
    pub cert_data: Vec<u8>,
}

crate::codec_struct!(Certificate { cert_data });

/// A credential binding an identity to a signature key (RFC 9420 §5.3).
///
/// ```text
/// struct {
///     CredentialType credential_type;
///     select (Credential.credential_type) {
///         case basic:
///             opaque identity<V>;
///
///         case x509:
///             Certificate certificates<V>;
///     };
/// } Credential;
/// ```
///
/// Decoding an unknown credential type fails with
/// [`DecodeError::UnknownValue`]: its contents cannot be delimited.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Credential {
    /// `basic`: an identity the application interprets.
    Basic {
        /// The identity.
        identity: Vec<u8>,
    },
    /// `x509`: a certificate chain, end-entity certificate first.
    X509 {
        /// The chain, each certificate signed by the next.
        certificates: Vec<Certificate>,
    },
}

impl Credential {
    /// A basic credential for `identity`.
    pub fn basic(identity: impl Into<Vec<u8>>) -> Self {
        Self::Basic {
            identity: identity.into(),
        }
    }

    /// The identity of a basic credential; `None` for an X.509 chain,
    /// whose identity the application's certificate policy extracts.
    pub fn identity(&self) -> Option<&[u8]> {
        match self {
            Self::Basic { identity } => Some(identity),
            Self::X509 { .. } => None,
        }
    }

    /// Whether this is a basic credential for `identity`.
    pub fn has_identity(&self, identity: &[u8]) -> bool {
        self.identity() == Some(identity)
    }

    /// The credential's type.
    pub const fn credential_type(&self) -> CredentialType {
        match self {
            Self::Basic { .. } => CredentialType::BASIC,
            Self::X509 { .. } => CredentialType::X509,
        }
    }
}

impl Encode for Credential {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        self.credential_type().encode(out)?;
        match self {
            Self::Basic { identity } => identity.encode(out),
            Self::X509 { certificates } => certificates.encode(out),
        }
    }
}

impl Decode for Credential {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        match CredentialType::decode(r)? {
            CredentialType::BASIC => Ok(Self::Basic {
                identity: Decode::decode(r)?,
            }),
            CredentialType::X509 => Ok(Self::X509 {
                certificates: Decode::decode(r)?,
            }),
            // RFC 9420 §13.3, §13.5, R-13.3-01, R-13.5-02
            CredentialType(other) => Err(DecodeError::UnknownValue {
                field: crate::codec::Field::CredentialType,
                value: u64::from(other),
            }),
        }
    }
}
