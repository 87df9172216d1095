//! Pre-shared key identifiers (RFC 9420 §8.4).

use crate::codec::{Decode, DecodeError, Encode, EncodeError, Reader};

/// The kind of a pre-shared key (RFC 9420 §8.4).
///
/// ```text
/// enum {
///   reserved(0),
///   external(1),
///   resumption(2),
///   (255)
/// } PSKType;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum PskType {
    /// `external(1)`: a key distributed outside MLS.
    External = 1,
    /// `resumption(2)`: a resumption secret of an earlier epoch.
    Resumption = 2,
}

crate::codec_enum!(PskType: u8, PskType { External, Resumption });

/// What a resumption PSK is used for (RFC 9420 §8.4).
///
/// ```text
/// enum {
///   reserved(0),
///   application(1),
///   reinit(2),
///   branch(3),
///   (255)
/// } ResumptionPSKUsage;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum ResumptionPskUsage {
    /// `application(1)`: injected by the application.
    Application = 1,
    /// `reinit(2)`: links a reinitialized group to the old one (§11.2).
    Reinit = 2,
    /// `branch(3)`: links a subgroup to its parent group (§11.3).
    Branch = 3,
}

crate::codec_enum!(ResumptionPskUsage: u8, ResumptionPskUsage { Application, Reinit, Branch });

/// Which pre-shared key a [`PreSharedKeyId`] names: the `select` on
/// `psktype` (RFC 9420 §8.4).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PskKind {
    /// `external`: a key known by its identifier.
    External {
        /// The identifier of the external PSK.
        psk_id: Vec<u8>,
    },
    /// `resumption`: the resumption PSK of a group's epoch.
    Resumption {
        /// Why the resumption PSK is used.
        usage: ResumptionPskUsage,
        /// The group the PSK comes from.
        psk_group_id: Vec<u8>,
        /// The epoch whose `resumption_psk` is used.
        psk_epoch: u64,
    },
}

impl PskKind {
    /// The `psktype` discriminant.
    pub const fn psk_type(&self) -> PskType {
        match self {
            Self::External { .. } => PskType::External,
            Self::Resumption { .. } => PskType::Resumption,
        }
    }
}

/// The identifier of a pre-shared key (RFC 9420 §8.4).
///
/// ```text
/// struct {
///   PSKType psktype;
///   select (PreSharedKeyID.psktype) {
///     case external:
///       opaque psk_id<V>;
///
///     case resumption:
///       ResumptionPSKUsage usage;
///       opaque psk_group_id<V>;
///       uint64 psk_epoch;
///   };
///   opaque psk_nonce<V>;
/// } PreSharedKeyID;
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PreSharedKeyId {
    /// The key named.
    pub psk: PskKind,
    /// A fresh random nonce of `KDF.Nh` bytes.
    pub psk_nonce: Vec<u8>,
}

impl Encode for PreSharedKeyId {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        self.psk.psk_type().encode(out)?;
        match &self.psk {
            PskKind::External { psk_id } => psk_id.encode(out)?,
            PskKind::Resumption {
                usage,
                psk_group_id,
                psk_epoch,
            } => {
                usage.encode(out)?;
                psk_group_id.encode(out)?;
                psk_epoch.encode(out)?;
            }
        }
        self.psk_nonce.encode(out)
    }
}

impl Decode for PreSharedKeyId {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let psk = match PskType::decode(r)? {
            PskType::External => PskKind::External {
                psk_id: Decode::decode(r)?,
            },
            PskType::Resumption => PskKind::Resumption {
                usage: Decode::decode(r)?,
                psk_group_id: Decode::decode(r)?,
                psk_epoch: Decode::decode(r)?,
            },
        };
        Ok(Self {
            psk,
            psk_nonce: Decode::decode(r)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::decode_exact;

    #[test]
    fn both_kinds_round_trip() {
        let external = PreSharedKeyId {
            psk: PskKind::External { psk_id: vec![1, 2] },
            psk_nonce: vec![9; 3],
        };
        let bytes = external.to_bytes().unwrap();
        assert_eq!(bytes, [1, 2, 1, 2, 3, 9, 9, 9]);
        assert_eq!(decode_exact::<PreSharedKeyId>(&bytes), Ok(external));

        let resumption = PreSharedKeyId {
            psk: PskKind::Resumption {
                usage: ResumptionPskUsage::Branch,
                psk_group_id: vec![7],
                psk_epoch: 5,
            },
            psk_nonce: vec![],
        };
        let bytes = resumption.to_bytes().unwrap();
        assert_eq!(bytes, [2, 3, 1, 7, 0, 0, 0, 0, 0, 0, 0, 5, 0]);
        assert_eq!(decode_exact::<PreSharedKeyId>(&bytes), Ok(resumption));
    }

    #[test]
    fn unknown_discriminants_are_rejected() {
        assert_eq!(
            decode_exact::<PreSharedKeyId>(&[0, 0, 0]),
            Err(DecodeError::UnknownValue {
                field: crate::codec::Field::PskType,
                value: 0
            })
        );
        assert_eq!(
            decode_exact::<PreSharedKeyId>(&[2, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
            Err(DecodeError::UnknownValue {
                field: crate::codec::Field::ResumptionPskUsage,
                value: 4
            })
        );
    }
}
