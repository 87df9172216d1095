//! Pre-shared key identifiers (RFC 9420 §8.4).

use rand_core::CryptoRng;

use crate::codec::{Decode, DecodeError, Encode, EncodeError, Reader};
use crate::crypto::SuiteCrypto;

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
    /// A fresh random nonce of `KDF.Nh` bytes, new each time the PSK is
    /// used: [`external`](Self::external) and
    /// [`resumption`](Self::resumption) draw it from the caller's RNG.
    pub psk_nonce: Vec<u8>,
}

impl PreSharedKeyId {
    /// The ID of the external PSK `psk_id` with a fresh nonce: `KDF.Nh`
    /// bytes of the suite drawn from `rng` (RFC 9420 §8.4: "a fresh random
    /// value of length KDF.Nh" each time a PSK is used).
    pub fn external(
        crypto: &SuiteCrypto<'_>,
        psk_id: Vec<u8>,
        rng: &mut (impl CryptoRng + ?Sized),
    ) -> Self {
        // RFC 9420 R-8.4-02 (docs/rfc9420-requirements.md)
        Self {
            psk: PskKind::External { psk_id },
            psk_nonce: fresh_nonce(crypto, rng),
        }
    }

    /// The ID of the resumption PSK of `psk_group_id`'s epoch `psk_epoch`,
    /// usage `application` (the only one a PreSharedKey proposal may
    /// carry, §12.1.4), with a fresh nonce of `KDF.Nh` bytes from `rng`
    /// (RFC 9420 §8.4).
    pub fn resumption(
        crypto: &SuiteCrypto<'_>,
        psk_group_id: Vec<u8>,
        psk_epoch: u64,
        rng: &mut (impl CryptoRng + ?Sized),
    ) -> Self {
        // RFC 9420 R-8.4-02 (docs/rfc9420-requirements.md)
        Self {
            psk: PskKind::Resumption {
                usage: ResumptionPskUsage::Application,
                psk_group_id,
                psk_epoch,
            },
            psk_nonce: fresh_nonce(crypto, rng),
        }
    }
}

/// `KDF.Nh` random bytes (RFC 9420 §8.4).
fn fresh_nonce(crypto: &SuiteCrypto<'_>, rng: &mut (impl CryptoRng + ?Sized)) -> Vec<u8> {
    let mut nonce = vec![0u8; crypto.hash_len()];
    rng.fill_bytes(&mut nonce);
    nonce
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
