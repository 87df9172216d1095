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
/// decodes and round-trips; a [`Credential`] of any other type is carried
/// as [`Credential::Other`].
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
///
///         // any other type (RFC 9420 §5.3, §13.3)
///             opaque data<V>;
///     };
/// } Credential;
/// ```
///
/// RFC 9420 §5.3 lets applications define credential types of their own
/// (§13.3: introduced through the members' capabilities). The RFC gives
/// their content no shape, so this crate, like the other MLS
/// implementations, carries it as one variable-length vector, which is
/// also how `basic` and `x509` contents are framed. A credential of
/// another type decodes to [`Credential::Other`]; the application's
/// `CredentialValidator` decides whether it authenticates the leaf
/// (§5.3.1), and the capability rules of §7.2 and §7.3 apply to its type
/// as to any other.
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
    /// A credential of any type other than `basic` and `x509` (RFC 9420
    /// §5.3, §13.3): the content as opaque bytes, with its code point.
    /// Encoding one whose type is `basic` or `x509` fails with
    /// [`EncodeError::Inconsistent`]: those have their own variants.
    Other {
        /// The credential type; never `basic` or `x509`.
        credential_type: CredentialType,
        /// The content, which the application interprets.
        data: Vec<u8>,
    },
}

impl Credential {
    /// A basic credential for `identity`.
    pub fn basic(identity: impl Into<Vec<u8>>) -> Self {
        Self::Basic {
            identity: identity.into(),
        }
    }

    /// A credential of an application-defined type (RFC 9420 §5.3) with
    /// content `data`. A `basic` or `x509` type gives the same credential
    /// as the wire would: a basic one, or the chain `data` decodes to
    /// (fails if it does not decode exactly).
    pub fn other(credential_type: CredentialType, data: Vec<u8>) -> Result<Self, DecodeError> {
        match credential_type {
            CredentialType::BASIC => Ok(Self::Basic { identity: data }),
            CredentialType::X509 => Ok(Self::X509 {
                certificates: crate::codec::decode_exact(&data)?,
            }),
            _ => Ok(Self::Other {
                credential_type,
                data,
            }),
        }
    }

    /// The identity of a basic credential; `None` for an X.509 chain,
    /// whose identity the application's certificate policy extracts, and
    /// for other types, which the application interprets.
    pub fn identity(&self) -> Option<&[u8]> {
        match self {
            Self::Basic { identity } => Some(identity),
            Self::X509 { .. } | Self::Other { .. } => None,
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
            Self::Other {
                credential_type, ..
            } => *credential_type,
        }
    }
}

impl Encode for Credential {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        self.credential_type().encode(out)?;
        match self {
            Self::Basic { identity } => identity.encode(out),
            Self::X509 { certificates } => certificates.encode(out),
            // A known type in `Other` would decode as its own variant.
            Self::Other {
                credential_type: CredentialType::BASIC | CredentialType::X509,
                ..
            } => Err(EncodeError::Inconsistent {
                field: crate::codec::Field::CredentialType,
            }),
            Self::Other { data, .. } => data.encode(out),
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
            // RFC 9420 §5.3, §13.3, R-13.3-01: any other type is opaque
            // to this crate and goes to the application's validator.
            credential_type => Ok(Self::Other {
                credential_type,
                data: Decode::decode(r)?,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::decode_exact;

    #[test]
    fn other_credential_types_round_trip() {
        // RFC 9420 §5.3: type 0xf001, content `opaque<V>`.
        let bytes = [0xf0, 0x01, 3, b'a', b'b', b'c'];
        let c = decode_exact::<Credential>(&bytes).unwrap();
        assert_eq!(
            c,
            Credential::Other {
                credential_type: CredentialType(0xf001),
                data: b"abc".to_vec()
            }
        );
        assert_eq!(c.credential_type(), CredentialType(0xf001));
        assert_eq!(c.identity(), None);
        assert_eq!(c.to_bytes().unwrap(), bytes);
        // `other` with a known type gives the known variant, as decoding.
        assert_eq!(
            Credential::other(CredentialType::BASIC, b"id".to_vec()),
            Ok(Credential::basic(b"id".to_vec()))
        );
        let chain = vec![Certificate {
            cert_data: vec![1, 2],
        }];
        let x509 = Credential::other(CredentialType::X509, chain.to_bytes().unwrap()).unwrap();
        assert_eq!(
            x509,
            Credential::X509 {
                certificates: chain
            }
        );
        assert!(Credential::other(CredentialType::X509, vec![9]).is_err());
        // `Other` with a known type would not round-trip: refused.
        let wrong = Credential::Other {
            credential_type: CredentialType::BASIC,
            data: vec![],
        };
        assert_eq!(
            wrong.to_bytes(),
            Err(EncodeError::Inconsistent {
                field: crate::codec::Field::CredentialType
            })
        );
    }
}
