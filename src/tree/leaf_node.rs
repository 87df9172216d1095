//! Leaf nodes of the ratchet tree (RFC 9420 §7.2).

use crate::codec::{Decode, DecodeError, Encode, EncodeError, Reader};
use crate::crypto::{
    CipherSuite, CryptoError, HpkePublicKey, SignaturePrivateKey, SignaturePublicKey, SuiteCrypto,
};
use crate::error::Error;
use crate::tree::LeafIndex;
use crate::tree::TreeError;
use crate::types::ProtocolVersion;
use crate::types::{CodeList, Credential, CredentialType, ExtensionType, Extensions, ProposalType};

/// What a client supports (RFC 9420 §7.2).
///
/// ```text
/// struct {
///     ProtocolVersion versions<V>;
///     CipherSuite cipher_suites<V>;
///     ExtensionType extensions<V>;
///     ProposalType proposals<V>;
///     CredentialType credentials<V>;
/// } Capabilities;
/// ```
///
/// Unknown values, GREASE included, are kept as received (§13.5).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
// RFC 9420 §7.2, §13.4, R-7.2-04
pub struct Capabilities {
    /// Supported protocol versions.
    pub versions: CodeList<ProtocolVersion>,
    /// Supported cipher suites.
    pub cipher_suites: CodeList<CipherSuite>,
    /// Supported non-default extension types.
    pub extensions: CodeList<ExtensionType>,
    /// Supported non-default proposal types.
    pub proposals: CodeList<ProposalType>,
    /// Supported credential types.
    pub credentials: CodeList<CredentialType>,
}

crate::codec_struct!(Capabilities {
    versions,
    cipher_suites,
    extensions,
    proposals,
    credentials
});

/// The validity period of a KeyPackage's leaf, in seconds since the Unix
/// epoch (RFC 9420 §7.2).
///
/// ```text
/// struct {
///     uint64 not_before;
///     uint64 not_after;
/// } Lifetime;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Lifetime {
    /// The first second of validity.
    pub not_before: u64,
    /// The last second of validity.
    pub not_after: u64,
}

crate::codec_struct!(Lifetime {
    not_before,
    not_after
});

/// The `leaf_node_source` discriminant of a LeafNode (RFC 9420 §7.2).
///
/// ```text
/// enum {
///     reserved(0),
///     key_package(1),
///     update(2),
///     commit(3),
///     (255)
/// } LeafNodeSource;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum LeafNodeSourceType {
    /// `key_package(1)`: the leaf came in a KeyPackage.
    KeyPackage = 1,
    /// `update(2)`: the leaf came in an Update proposal.
    Update = 2,
    /// `commit(3)`: the leaf came in a Commit's UpdatePath.
    Commit = 3,
}

crate::codec_enum!(LeafNodeSourceType: u8, LeafNodeSource { KeyPackage, Update, Commit });

/// How a leaf came to be in the tree, with the field each source carries:
/// the `select` on `leaf_node_source` (RFC 9420 §7.2).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum LeafNodeSource {
    /// `key_package`: with the KeyPackage's lifetime.
    KeyPackage(Lifetime),
    /// `update`: no extra field.
    Update,
    /// `commit`: with the leaf's `parent_hash` (§7.9).
    Commit(Vec<u8>),
}

impl LeafNodeSource {
    /// The `leaf_node_source` discriminant.
    pub const fn source_type(&self) -> LeafNodeSourceType {
        match self {
            Self::KeyPackage(_) => LeafNodeSourceType::KeyPackage,
            Self::Update => LeafNodeSourceType::Update,
            Self::Commit(_) => LeafNodeSourceType::Commit,
        }
    }
}

impl Encode for LeafNodeSource {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        self.source_type().encode(out)?;
        match self {
            Self::KeyPackage(lifetime) => lifetime.encode(out),
            Self::Update => Ok(()),
            Self::Commit(parent_hash) => parent_hash.encode(out),
        }
    }
}

impl Decode for LeafNodeSource {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(match LeafNodeSourceType::decode(r)? {
            LeafNodeSourceType::KeyPackage => Self::KeyPackage(Decode::decode(r)?),
            LeafNodeSourceType::Update => Self::Update,
            LeafNodeSourceType::Commit => Self::Commit(Decode::decode(r)?),
        })
    }
}

/// A member's leaf in the ratchet tree (RFC 9420 §7.2).
///
/// ```text
/// struct {
///     HPKEPublicKey encryption_key;
///     SignaturePublicKey signature_key;
///     Credential credential;
///     Capabilities capabilities;
///
///     LeafNodeSource leaf_node_source;
///     select (LeafNode.leaf_node_source) {
///         case key_package:
///             Lifetime lifetime;
///
///         case update:
///             struct{};
///
///         case commit:
///             opaque parent_hash<V>;
///     };
///
///     Extension extensions<V>;
///     /* SignWithLabel(., "LeafNodeTBS", LeafNodeTBS) */
///     opaque signature<V>;
/// } LeafNode;
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LeafNode {
    /// The member's HPKE key for path secrets.
    pub encryption_key: HpkePublicKey,
    /// The member's signature key.
    pub signature_key: SignaturePublicKey,
    /// The member's credential, binding an identity to `signature_key`.
    pub credential: Credential,
    /// What the member's client supports.
    pub capabilities: Capabilities,
    /// How the leaf got here, with its lifetime or parent hash.
    pub leaf_node_source: LeafNodeSource,
    /// Leaf extensions.
    pub extensions: Extensions,
    /// `SignWithLabel(., "LeafNodeTBS", LeafNodeTBS)` by `signature_key`.
    pub signature: Vec<u8>,
}

impl LeafNode {
    /// The fields before the signature, shared by LeafNode and LeafNodeTBS.
    fn encode_content(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        self.encryption_key.encode(out)?;
        self.signature_key.encode(out)?;
        self.credential.encode(out)?;
        self.capabilities.encode(out)?;
        self.leaf_node_source.encode(out)?;
        self.extensions.encode(out)
    }

    /// The encoded LeafNodeTBS, the content the signature covers
    /// (RFC 9420 §7.2): every field but the signature, then, for leaves
    /// whose source is `update` or `commit`, the group and the leaf's
    /// position in it. For a `key_package` leaf, `group_id` and
    /// `leaf_index` are not used.
    ///
    /// ```text
    /// struct {
    ///     ... the LeafNode fields up to extensions ...
    ///     select (LeafNodeTBS.leaf_node_source) {
    ///         case key_package:
    ///             struct{};
    ///
    ///         case update:
    ///             opaque group_id<V>;
    ///             uint32 leaf_index;
    ///
    ///         case commit:
    ///             opaque group_id<V>;
    ///             uint32 leaf_index;
    ///     };
    /// } LeafNodeTBS;
    /// ```
    pub fn tbs_bytes(
        &self,
        group_id: &[u8],
        leaf_index: LeafIndex,
    ) -> Result<Vec<u8>, EncodeError> {
        let mut out = Vec::new();
        self.encode_tbs(group_id, leaf_index, &mut out)?;
        Ok(out)
    }

    /// Appends [`tbs_bytes`](Self::tbs_bytes) to `out`.
    pub(crate) fn encode_tbs(
        &self,
        group_id: &[u8],
        leaf_index: LeafIndex,
        out: &mut Vec<u8>,
    ) -> Result<(), EncodeError> {
        self.encode_content(out)?;
        match self.leaf_node_source {
            LeafNodeSource::KeyPackage(_) => {}
            LeafNodeSource::Update | LeafNodeSource::Commit(_) => {
                crate::codec::encode_opaque(group_id, out)?;
                leaf_index.encode(out)?;
            }
        }
        Ok(())
    }

    /// Signs the leaf for `group_id` and `leaf_index` (ignored for a
    /// `key_package` leaf): `signature = SignWithLabel(., "LeafNodeTBS",
    /// LeafNodeTBS)` (RFC 9420 §7.2).
    pub fn sign(
        &mut self,
        crypto: &SuiteCrypto<'_>,
        signer: &SignaturePrivateKey,
        group_id: &[u8],
        leaf_index: LeafIndex,
    ) -> Result<(), Error> {
        let tbs = self.tbs_bytes(group_id, leaf_index)?;
        self.signature = crypto.sign_with_label(signer, Self::TBS_LABEL, &tbs)?;
        Ok(())
    }

    /// Verifies the leaf's signature with its own signature key for
    /// `group_id` and `leaf_index` (RFC 9420 §7.2, §7.3). A signature
    /// that does not verify is [`TreeError::InvalidLeafSignature`]; a
    /// signature key the suite cannot use is
    /// [`TreeError::InvalidSignatureKey`].
    // RFC 9420 §5.1.2, §7.3, R-5.1.2-01, R-7.3-02
    pub fn verify_signature(
        &self,
        crypto: &SuiteCrypto<'_>,
        group_id: &[u8],
        leaf_index: LeafIndex,
    ) -> Result<(), Error> {
        let tbs = self.tbs_bytes(group_id, leaf_index)?;
        crypto
            .verify_with_label_or(
                &self.signature_key,
                Self::TBS_LABEL,
                &tbs,
                &self.signature,
                TreeError::InvalidLeafSignature { leaf: leaf_index },
            )
            .map_err(|e| match e {
                Error::Crypto(CryptoError::InvalidPublicKey) => {
                    TreeError::InvalidSignatureKey { leaf: leaf_index }.into()
                }
                e => e,
            })
    }

    /// The label of leaf signatures (RFC 9420 §7.2).
    pub const TBS_LABEL: &'static str = "LeafNodeTBS";
}

impl Encode for LeafNode {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        self.encode_content(out)?;
        self.signature.encode(out)
    }
}

impl Decode for LeafNode {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            encryption_key: Decode::decode(r)?,
            signature_key: Decode::decode(r)?,
            credential: Decode::decode(r)?,
            capabilities: Decode::decode(r)?,
            leaf_node_source: Decode::decode(r)?,
            extensions: Decode::decode(r)?,
            signature: Decode::decode(r)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::decode_exact;

    fn leaf(source: LeafNodeSource) -> LeafNode {
        LeafNode {
            encryption_key: HpkePublicKey(vec![1; 2]),
            signature_key: SignaturePublicKey(vec![2; 2]),
            credential: Credential::basic(b"a".to_vec()),
            capabilities: Capabilities::default(),
            leaf_node_source: source,
            extensions: Extensions::new(),
            signature: vec![3; 2],
        }
    }

    #[test]
    fn tbs_adds_group_context_for_update_and_commit_only() {
        let kp = leaf(LeafNodeSource::KeyPackage(Lifetime {
            not_before: 1,
            not_after: 2,
        }));
        let bytes = kp.to_bytes().unwrap();
        assert_eq!(decode_exact::<LeafNode>(&bytes).as_ref(), Ok(&kp));
        // KeyPackage source: the TBS is the node without its signature.
        let tbs = kp.tbs_bytes(b"group", LeafIndex(7)).unwrap();
        assert_eq!(tbs, bytes[..bytes.len() - 3]);

        for source in [LeafNodeSource::Update, LeafNodeSource::Commit(vec![4; 3])] {
            let node = leaf(source);
            let bytes = node.to_bytes().unwrap();
            assert_eq!(decode_exact::<LeafNode>(&bytes).as_ref(), Ok(&node));
            let tbs = node.tbs_bytes(b"group", LeafIndex(7)).unwrap();
            let mut want = bytes[..bytes.len() - 3].to_vec();
            want.extend_from_slice(b"\x05group\x00\x00\x00\x07");
            assert_eq!(tbs, want);
        }
    }

    #[test]
    fn unknown_source_is_rejected() {
        let mut bytes = leaf(LeafNodeSource::Update).to_bytes().unwrap();
        // 3 + 3 (keys) + 4 (basic credential) + 5 (empty capabilities).
        assert_eq!(bytes[15], 2);
        bytes[15] = 0;
        assert_eq!(
            decode_exact::<LeafNode>(&bytes),
            Err(DecodeError::UnknownValue {
                field: crate::codec::Field::LeafNodeSource,
                value: 0
            })
        );
    }
}
