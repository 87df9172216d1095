//! Extensions (RFC 9420 §13) and the contents of the five extensions the
//! RFC defines: application_id (§5.3.3), ratchet_tree (§12.4.3.3, its content
//! type lives with the tree), required_capabilities (§11.1), external_pub (§12.4.3.2) and
//! external_senders (§12.1.8.1).

use super::{Credential, CredentialType, ProposalType};
use crate::codec::{Decode, DecodeError, Encode, EncodeError, decode_exact};
use crate::crypto::{HpkePublicKey, SignaturePublicKey};

/// An extension type code point (RFC 9420 §13, §17.3).
///
/// ```text
/// uint16 ExtensionType;
/// ```
///
/// Unknown and GREASE values decode and round-trip; receivers ignore the
/// extensions they do not know (§13).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ExtensionType(pub u16);

impl ExtensionType {
    /// `application_id(1)`, in LeafNode (RFC 9420 §5.3.3).
    pub const APPLICATION_ID: Self = Self(0x0001);
    /// `ratchet_tree(2)`, in GroupInfo (RFC 9420 §12.4.3.3).
    pub const RATCHET_TREE: Self = Self(0x0002);
    /// `required_capabilities(3)`, in GroupContext (RFC 9420 §11.1).
    pub const REQUIRED_CAPABILITIES: Self = Self(0x0003);
    /// `external_pub(4)`, in GroupInfo (RFC 9420 §12.4.3.2).
    pub const EXTERNAL_PUB: Self = Self(0x0004);
    /// `external_senders(5)`, in GroupContext (RFC 9420 §12.1.8.1).
    pub const EXTERNAL_SENDERS: Self = Self(0x0005);
    /// `last_resort(10)`, in KeyPackage, with empty `extension_data`: marks
    /// a KeyPackage its owner allows to be used more than once (RFC 9420
    /// §16.8 "KeyPackage Reuse"). Not defined by RFC 9420 itself: the code
    /// point `0x000A` comes from the MLS extensions draft
    /// (draft-ietf-mls-extensions, "last_resort"). It is not a default
    /// extension, so a leaf's capabilities must list it.
    pub const LAST_RESORT: Self = Self(0x000A);

    /// Whether this is one of the five extension types RFC 9420 §7.2 calls
    /// default, which capabilities MUST NOT list.
    pub const fn is_default(self) -> bool {
        matches!(self.0, 0x0001..=0x0005)
    }

    /// Whether this is a GREASE value (RFC 9420 §13.5).
    pub const fn is_grease(self) -> bool {
        super::is_grease(self.0)
    }
}

crate::codec_newtype!(ExtensionType);

/// One extension (RFC 9420 §7.2).
///
/// ```text
/// struct {
///     ExtensionType extension_type;
///     opaque extension_data<V>;
/// } Extension;
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Extension {
    /// What the extension is.
    pub extension_type: ExtensionType,
    /// Its contents, encoded as the extension type prescribes.
    pub extension_data: Vec<u8>,
}

crate::codec_struct!(Extension {
    extension_type,
    extension_data
});

/// A list of extensions, `Extension extensions<V>`, kept exactly as
/// received: order and duplicates included.
///
/// Decoding does not reject duplicates; the rules that forbid them
/// (RFC 9420 §7.3, §10.1, §12.1.7) are checked by the caller with
/// [`Extensions::has_duplicates`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Extensions(pub Vec<Extension>);

crate::codec_newtype!(Extensions);

impl Extensions {
    /// An empty list.
    pub const fn new() -> Self {
        Self(Vec::new())
    }

    /// The extensions in order.
    pub fn iter(&self) -> core::slice::Iter<'_, Extension> {
        self.0.iter()
    }

    /// The number of extensions.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The first extension of type `extension_type`.
    pub fn find(&self, extension_type: ExtensionType) -> Option<&Extension> {
        self.0.iter().find(|e| e.extension_type == extension_type)
    }

    /// Whether an extension of type `extension_type` is present.
    pub fn contains(&self, extension_type: ExtensionType) -> bool {
        self.find(extension_type).is_some()
    }

    /// The smallest extension type that appears more than once.
    pub fn first_duplicate(&self) -> Option<ExtensionType> {
        let mut types: Vec<ExtensionType> = self.0.iter().map(|e| e.extension_type).collect();
        types.sort_unstable();
        types.windows(2).find_map(|w| match w {
            [a, b] if a == b => Some(*a),
            _ => None,
        })
    }

    /// Whether some extension type appears more than once.
    pub fn has_duplicates(&self) -> bool {
        self.first_duplicate().is_some()
    }

    /// The typed contents of the first extension of type `T::TYPE`:
    /// `Ok(None)` if there is none, an error if its data does not decode
    /// exactly as `T`.
    pub fn get<T: ExtensionContent>(&self) -> Result<Option<T>, DecodeError> {
        self.find(T::TYPE)
            .map(|e| decode_exact::<T>(&e.extension_data))
            .transpose()
    }

    /// Sets the extension of type `T::TYPE` to `value`: replaces the first
    /// one of that type, or appends it if there is none.
    pub fn set<T: ExtensionContent>(&mut self, value: &T) -> Result<(), EncodeError> {
        let extension = value.to_extension()?;
        match self.0.iter_mut().find(|e| e.extension_type == T::TYPE) {
            Some(slot) => *slot = extension,
            None => self.0.push(extension),
        }
        Ok(())
    }
}

impl From<Vec<Extension>> for Extensions {
    fn from(v: Vec<Extension>) -> Self {
        Self(v)
    }
}

impl<'a> IntoIterator for &'a Extensions {
    type Item = &'a Extension;
    type IntoIter = core::slice::Iter<'a, Extension>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// The typed contents of an extension of a known type.
pub trait ExtensionContent: Encode + Decode {
    /// The extension type whose `extension_data` this is.
    const TYPE: ExtensionType;

    /// Wraps the encoded value in an [`Extension`] of type `Self::TYPE`.
    fn to_extension(&self) -> Result<Extension, EncodeError> {
        Ok(Extension {
            extension_type: Self::TYPE,
            extension_data: self.to_bytes()?,
        })
    }
}

/// The application_id extension (RFC 9420 §5.3.3): an application-chosen
/// identifier for a leaf, not authenticated by the Authentication Service.
///
/// ```text
/// opaque application_id<V>;
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct ApplicationId(pub Vec<u8>);

crate::codec_newtype!(ApplicationId);

impl ExtensionContent for ApplicationId {
    const TYPE: ExtensionType = ExtensionType::APPLICATION_ID;
}

/// The required_capabilities extension (RFC 9420 §11.1): what every member
/// of the group must support.
///
/// ```text
/// struct {
///     ExtensionType extension_types<V>;
///     ProposalType proposal_types<V>;
///     CredentialType credential_types<V>;
/// } RequiredCapabilities;
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct RequiredCapabilities {
    /// Extension types every member must support.
    pub extension_types: Vec<ExtensionType>,
    /// Proposal types every member must support.
    pub proposal_types: Vec<ProposalType>,
    /// Credential types every member must support.
    pub credential_types: Vec<CredentialType>,
}

crate::codec_struct!(RequiredCapabilities {
    extension_types,
    proposal_types,
    credential_types
});

impl ExtensionContent for RequiredCapabilities {
    const TYPE: ExtensionType = ExtensionType::REQUIRED_CAPABILITIES;
}

/// The external_pub extension (RFC 9420 §12.4.3.2): the key external
/// joiners encrypt their init secret to.
///
/// ```text
/// struct {
///     HPKEPublicKey external_pub;
/// } ExternalPub;
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct ExternalPub {
    /// The group's external HPKE public key for this epoch.
    pub external_pub: HpkePublicKey,
}

crate::codec_struct!(ExternalPub { external_pub });

impl ExtensionContent for ExternalPub {
    const TYPE: ExtensionType = ExtensionType::EXTERNAL_PUB;
}

/// A party outside the group allowed to send proposals (RFC 9420
/// §12.1.8.1).
///
/// ```text
/// struct {
///   SignaturePublicKey signature_key;
///   Credential credential;
/// } ExternalSender;
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ExternalSender {
    /// The key its proposals are signed with.
    pub signature_key: SignaturePublicKey,
    /// Its credential.
    pub credential: Credential,
}

crate::codec_struct!(ExternalSender {
    signature_key,
    credential
});

/// The external_senders extension (RFC 9420 §12.1.8.1); a Sender of type
/// `external` names an entry by index.
///
/// ```text
/// ExternalSender external_senders<V>;
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct ExternalSenders(pub Vec<ExternalSender>);

crate::codec_newtype!(ExternalSenders);

impl ExtensionContent for ExternalSenders {
    const TYPE: ExtensionType = ExtensionType::EXTERNAL_SENDERS;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ext(t: u16, data: &[u8]) -> Extension {
        Extension {
            extension_type: ExtensionType(t),
            extension_data: data.to_vec(),
        }
    }

    #[test]
    fn duplicates_and_lookup() {
        let list = Extensions(vec![
            ext(0x0a0a, b"x"),
            ext(1, b"a"),
            ext(9, b""),
            ext(1, b"b"),
        ]);
        assert_eq!(list.first_duplicate(), Some(ExtensionType(1)));
        assert!(list.has_duplicates());
        assert_eq!(list.find(ExtensionType(1)), Some(&ext(1, b"a")));
        assert!(!list.contains(ExtensionType(2)));
        assert!(!Extensions(vec![ext(1, b""), ext(2, b"")]).has_duplicates());
        // Order and duplicates survive a round trip.
        let bytes = list.to_bytes().unwrap();
        assert_eq!(decode_exact::<Extensions>(&bytes).unwrap(), list);
    }

    #[test]
    fn typed_contents() {
        let mut list = Extensions::new();
        assert_eq!(list.get::<ApplicationId>(), Ok(None));
        list.set(&ApplicationId(b"app".to_vec())).unwrap();
        list.set(&ApplicationId(b"id".to_vec())).unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(
            list.get::<ApplicationId>(),
            Ok(Some(ApplicationId(b"id".to_vec())))
        );
        // Extension data with trailing bytes does not decode as the type.
        list.0.push(ext(4, &[1, 7, 0]));
        assert_eq!(
            list.get::<ExternalPub>(),
            Err(DecodeError::TrailingBytes(1))
        );
        assert!(ExtensionType::EXTERNAL_SENDERS.is_default());
        assert!(!ExtensionType(6).is_default());
        assert!(ExtensionType(0x3a3a).is_grease());
    }
}
