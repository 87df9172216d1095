//! Key packages (RFC 9420 §10), the protocol version registry (§6) and
//! KeyPackage references (§5.2).

use crate::codec::{Decode, DecodeError, Encode, EncodeError, Reader};
use crate::crypto::{CipherSuite, HpkePublicKey};
use crate::tree::LeafNode;
use crate::types::{ExtensionType, Extensions, ProtocolVersion};

/// A KeyPackage: a signed, pre-published bundle that lets others add its
/// owner to a group (RFC 9420 §10).
///
/// ```text
/// struct {
///     ProtocolVersion version;
///     CipherSuite cipher_suite;
///     HPKEPublicKey init_key;
///     LeafNode leaf_node;
///     Extension extensions<V>;
///     /* SignWithLabel(., "KeyPackageTBS", KeyPackageTBS) */
///     opaque signature<V>;
/// } KeyPackage;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyPackage {
    /// The protocol version.
    pub version: ProtocolVersion,
    /// The cipher suite of the package's keys.
    pub cipher_suite: CipherSuite,
    /// The HPKE key a Welcome encrypts the group secrets to.
    pub init_key: HpkePublicKey,
    /// The leaf the owner occupies once added; its source is `key_package`.
    pub leaf_node: LeafNode,
    /// KeyPackage extensions.
    pub extensions: Extensions,
    /// `SignWithLabel(., "KeyPackageTBS", KeyPackageTBS)` by the leaf's
    /// signature key.
    pub signature: Vec<u8>,
}

impl KeyPackage {
    pub(crate) fn encode_tbs(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        self.version.encode(out)?;
        self.cipher_suite.encode(out)?;
        self.init_key.encode(out)?;
        self.leaf_node.encode(out)?;
        self.extensions.encode(out)
    }

    /// The encoded KeyPackageTBS, the content the signature covers
    /// (RFC 9420 §10): every field but the signature.
    ///
    /// ```text
    /// struct {
    ///     ProtocolVersion version;
    ///     CipherSuite cipher_suite;
    ///     HPKEPublicKey init_key;
    ///     LeafNode leaf_node;
    ///     Extension extensions<V>;
    /// } KeyPackageTBS;
    /// ```
    pub fn tbs_bytes(&self) -> Result<Vec<u8>, EncodeError> {
        let mut out = Vec::new();
        self.encode_tbs(&mut out)?;
        Ok(out)
    }

    /// Whether the KeyPackage carries the `last_resort` extension
    /// ([`ExtensionType::LAST_RESORT`]): its owner allows it to be used more
    /// than once (RFC 9420 §16.8). Other KeyPackages SHOULD be used only
    /// once (RFC 9420 §10).
    pub fn is_last_resort(&self) -> bool {
        self.extensions.contains(ExtensionType::LAST_RESORT)
    }
}

impl Encode for KeyPackage {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        self.encode_tbs(out)?;
        self.signature.encode(out)
    }
}

impl Decode for KeyPackage {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            version: Decode::decode(r)?,
            cipher_suite: Decode::decode(r)?,
            init_key: Decode::decode(r)?,
            leaf_node: Decode::decode(r)?,
            extensions: Decode::decode(r)?,
            signature: Decode::decode(r)?,
        })
    }
}

/// A reference to a KeyPackage: `RefHash("MLS 1.0 KeyPackage Reference",
/// KeyPackage)` (RFC 9420 §5.2).
///
/// ```text
/// opaque HashReference<V>;
/// HashReference KeyPackageRef;
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct KeyPackageRef(pub Vec<u8>);

crate::codec_newtype!(KeyPackageRef);

impl AsRef<[u8]> for KeyPackageRef {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}
