//! Proposals (RFC 9420 §12.1) and proposal references (§5.2).

use crate::codec::{Decode, DecodeError, Encode, EncodeError, Reader};
use crate::crypto::CipherSuite;
use crate::messages::{Extensions, KeyPackage, PreSharedKeyId, ProtocolVersion};
use crate::tree::{LeafIndex, LeafNode};
use crate::types::ProposalType;

/// Add a member (RFC 9420 §12.1.1).
///
/// ```text
/// struct {
///     KeyPackage key_package;
/// } Add;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Add {
    /// The new member's KeyPackage.
    pub key_package: KeyPackage,
}

crate::codec_struct!(Add { key_package });

/// Replace the sender's leaf (RFC 9420 §12.1.2).
///
/// ```text
/// struct {
///     LeafNode leaf_node;
/// } Update;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Update {
    /// The sender's new leaf; its source is `update`.
    pub leaf_node: LeafNode,
}

crate::codec_struct!(Update { leaf_node });

/// Remove a member (RFC 9420 §12.1.3).
///
/// ```text
/// struct {
///     uint32 removed;
/// } Remove;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Remove {
    /// The leaf of the member to remove.
    pub removed: LeafIndex,
}

crate::codec_struct!(Remove { removed });

/// Inject a pre-shared key into the next epoch (RFC 9420 §12.1.4).
///
/// ```text
/// struct {
///     PreSharedKeyID psk;
/// } PreSharedKey;
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PreSharedKey {
    /// The PSK to inject.
    pub psk: PreSharedKeyId,
}

crate::codec_struct!(PreSharedKey { psk });

/// Close the group and restart it with new parameters (RFC 9420 §12.1.5).
///
/// ```text
/// struct {
///     opaque group_id<V>;
///     ProtocolVersion version;
///     CipherSuite cipher_suite;
///     Extension extensions<V>;
/// } ReInit;
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReInit {
    /// The new group's ID.
    pub group_id: Vec<u8>,
    /// The new group's protocol version.
    pub version: ProtocolVersion,
    /// The new group's cipher suite.
    pub cipher_suite: CipherSuite,
    /// The new group's GroupContext extensions.
    pub extensions: Extensions,
}

crate::codec_struct!(ReInit {
    group_id,
    version,
    cipher_suite,
    extensions
});

/// The KEM output an external joiner's init secret is encapsulated in
/// (RFC 9420 §12.1.6).
///
/// ```text
/// struct {
///   opaque kem_output<V>;
/// } ExternalInit;
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ExternalInit {
    /// The HPKE encapsulation to the group's `external_pub`.
    pub kem_output: Vec<u8>,
}

crate::codec_struct!(ExternalInit { kem_output });

/// Replace the GroupContext extensions (RFC 9420 §12.1.7).
///
/// ```text
/// struct {
///   Extension extensions<V>;
/// } GroupContextExtensions;
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GroupContextExtensions {
    /// The complete new list.
    pub extensions: Extensions,
}

crate::codec_struct!(GroupContextExtensions { extensions });

/// An application-defined proposal (RFC 9420 §13, §12.1): a proposal type
/// outside the seven of RFC 9420, with content the application defines.
///
/// The RFC gives such content no shape; as in the other MLS
/// implementations, it is carried as one variable-length vector:
///
/// ```text
/// opaque data<V>;
/// ```
///
/// A commit may carry it only if every member that processes the commit
/// lists its type in `capabilities.proposals` (§12.2, §13), and the
/// application's `CustomProposalPolicy` says whether it needs a path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CustomProposal {
    /// The proposal type; not one of the seven default types, and never a
    /// GREASE value when sent (§13.5).
    pub proposal_type: ProposalType,
    /// The content, which the application interprets.
    pub data: Vec<u8>,
}

/// A proposal (RFC 9420 §12.1).
///
/// ```text
/// struct {
///     ProposalType proposal_type;
///     select (Proposal.proposal_type) {
///         case add:                      Add;
///         case update:                   Update;
///         case remove:                   Remove;
///         case psk:                      PreSharedKey;
///         case reinit:                   ReInit;
///         case external_init:            ExternalInit;
///         case group_context_extensions: GroupContextExtensions;
///         // any other type (RFC 9420 §13)
///                                        opaque data<V>;
///     };
/// } Proposal;
/// ```
///
/// A proposal of any other type decodes to [`Proposal::Custom`]; encoding
/// a `Custom` proposal of a default type fails with
/// [`EncodeError::Inconsistent`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Proposal {
    /// `add`.
    Add(Add),
    /// `update`.
    Update(Update),
    /// `remove`.
    Remove(Remove),
    /// `psk`.
    PreSharedKey(PreSharedKey),
    /// `reinit`.
    ReInit(ReInit),
    /// `external_init`.
    ExternalInit(ExternalInit),
    /// `group_context_extensions`.
    GroupContextExtensions(GroupContextExtensions),
    /// Any other, application-defined type (RFC 9420 §13).
    Custom(CustomProposal),
}

impl Proposal {
    /// The proposal's type.
    pub const fn proposal_type(&self) -> ProposalType {
        match self {
            Self::Add(_) => ProposalType::ADD,
            Self::Update(_) => ProposalType::UPDATE,
            Self::Remove(_) => ProposalType::REMOVE,
            Self::PreSharedKey(_) => ProposalType::PSK,
            Self::ReInit(_) => ProposalType::REINIT,
            Self::ExternalInit(_) => ProposalType::EXTERNAL_INIT,
            Self::GroupContextExtensions(_) => ProposalType::GROUP_CONTEXT_EXTENSIONS,
            Self::Custom(p) => p.proposal_type,
        }
    }
}

impl Encode for Proposal {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        self.proposal_type().encode(out)?;
        match self {
            Self::Add(p) => p.encode(out),
            Self::Update(p) => p.encode(out),
            Self::Remove(p) => p.encode(out),
            Self::PreSharedKey(p) => p.encode(out),
            Self::ReInit(p) => p.encode(out),
            Self::ExternalInit(p) => p.encode(out),
            Self::GroupContextExtensions(p) => p.encode(out),
            // A default type in `Custom` would decode as its own variant.
            Self::Custom(p) if p.proposal_type.is_default() => Err(EncodeError::Inconsistent {
                field: crate::codec::Field::ProposalType,
            }),
            Self::Custom(p) => p.data.encode(out),
        }
    }
}

impl Decode for Proposal {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(match ProposalType::decode(r)? {
            ProposalType::ADD => Self::Add(Decode::decode(r)?),
            ProposalType::UPDATE => Self::Update(Decode::decode(r)?),
            ProposalType::REMOVE => Self::Remove(Decode::decode(r)?),
            ProposalType::PSK => Self::PreSharedKey(Decode::decode(r)?),
            ProposalType::REINIT => Self::ReInit(Decode::decode(r)?),
            ProposalType::EXTERNAL_INIT => Self::ExternalInit(Decode::decode(r)?),
            ProposalType::GROUP_CONTEXT_EXTENSIONS => {
                Self::GroupContextExtensions(Decode::decode(r)?)
            }
            // RFC 9420 §13: an application-defined type; whether the
            // group supports it is checked by the group (§12.2).
            proposal_type => Self::Custom(CustomProposal {
                proposal_type,
                data: Decode::decode(r)?,
            }),
        })
    }
}

/// A reference to a proposal: `RefHash("MLS 1.0 Proposal Reference",
/// AuthenticatedContent)` of the message that carried it (RFC 9420 §5.2).
///
/// ```text
/// opaque HashReference<V>;
/// HashReference ProposalRef;
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct ProposalRef(pub Vec<u8>);

crate::codec_newtype!(ProposalRef);

impl AsRef<[u8]> for ProposalRef {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// The `type` discriminant of a ProposalOrRef (RFC 9420 §12.4).
///
/// ```text
/// enum {
///   reserved(0),
///   proposal(1),
///   reference(2),
///   (255)
/// } ProposalOrRefType;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum ProposalOrRefType {
    /// `proposal(1)`: the proposal inline.
    Proposal = 1,
    /// `reference(2)`: a reference to a proposal sent earlier.
    Reference = 2,
}

crate::codec_enum!(ProposalOrRefType: u8, ProposalOrRefType { Proposal, Reference });

/// A proposal covered by a Commit, inline or by reference (RFC 9420 §12.4).
///
/// ```text
/// struct {
///   ProposalOrRefType type;
///   select (ProposalOrRef.type) {
///     case proposal:  Proposal proposal;
///     case reference: ProposalRef reference;
///   };
/// } ProposalOrRef;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProposalOrRef {
    /// `proposal`: boxed, since proposals are far larger than references.
    Proposal(Box<Proposal>),
    /// `reference`.
    Reference(ProposalRef),
}

impl ProposalOrRef {
    /// The `type` discriminant.
    pub const fn proposal_or_ref_type(&self) -> ProposalOrRefType {
        match self {
            Self::Proposal(_) => ProposalOrRefType::Proposal,
            Self::Reference(_) => ProposalOrRefType::Reference,
        }
    }
}

impl Encode for ProposalOrRef {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        self.proposal_or_ref_type().encode(out)?;
        match self {
            Self::Proposal(p) => p.encode(out),
            Self::Reference(r) => r.encode(out),
        }
    }
}

impl Decode for ProposalOrRef {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(match ProposalOrRefType::decode(r)? {
            ProposalOrRefType::Proposal => Self::Proposal(Box::new(Decode::decode(r)?)),
            ProposalOrRefType::Reference => Self::Reference(Decode::decode(r)?),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::decode_exact;

    #[test]
    fn remove_and_reference_round_trip() {
        let p = ProposalOrRef::Proposal(Box::new(Proposal::Remove(Remove {
            removed: LeafIndex(5),
        })));
        let bytes = p.to_bytes().unwrap();
        assert_eq!(bytes, [1, 0, 3, 0, 0, 0, 5]);
        assert_eq!(decode_exact::<ProposalOrRef>(&bytes), Ok(p));
        let r = ProposalOrRef::Reference(ProposalRef(vec![0xaa; 2]));
        let bytes = r.to_bytes().unwrap();
        assert_eq!(bytes, [2, 2, 0xaa, 0xaa]);
        assert_eq!(decode_exact::<ProposalOrRef>(&bytes), Ok(r));
    }

    #[test]
    fn custom_types_round_trip_and_unknown_refs_are_rejected() {
        let custom = Proposal::Custom(CustomProposal {
            proposal_type: ProposalType(0xf00d),
            data: vec![7, 8],
        });
        assert_eq!(custom.proposal_type(), ProposalType(0xf00d));
        let bytes = custom.to_bytes().unwrap();
        assert_eq!(bytes, [0xf0, 0x0d, 2, 7, 8]);
        assert_eq!(decode_exact::<Proposal>(&bytes), Ok(custom));
        // A default type in `Custom` would not round-trip: refused.
        let wrong = Proposal::Custom(CustomProposal {
            proposal_type: ProposalType::REMOVE,
            data: vec![0, 0, 0, 5],
        });
        assert_eq!(
            wrong.to_bytes(),
            Err(EncodeError::Inconsistent {
                field: crate::codec::Field::ProposalType
            })
        );
        assert_eq!(
            decode_exact::<ProposalOrRef>(&[3, 0]),
            Err(DecodeError::UnknownValue {
                field: crate::codec::Field::ProposalOrRefType,
                value: 3
            })
        );
    }
}
