//! DHKEM (RFC 9180 §4.1) over X25519 and X448 (RFC 7748) and over the NIST
//! curves P-256, P-384 and P-521 (SEC 1), with `DeriveKeyPair` as RFC 9180
//! §7.1.3 defines it and the key encodings of §7.1.1 and §7.1.2.
//!
//! | KEM | `Nsk` | `Npk` | `Ndh` | `Nsecret` | KDF |
//! |---|---|---|---|---|---|
//! | DHKEM(X25519, HKDF-SHA256) | 32 | 32 | 32 | 32 | HKDF-SHA256 |
//! | DHKEM(X448, HKDF-SHA512) | 56 | 56 | 56 | 64 | HKDF-SHA512 |
//! | DHKEM(P-256, HKDF-SHA256) | 32 | 65 | 32 | 32 | HKDF-SHA256 |
//! | DHKEM(P-384, HKDF-SHA384) | 48 | 97 | 48 | 48 | HKDF-SHA384 |
//! | DHKEM(P-521, HKDF-SHA512) | 66 | 133 | 66 | 64 | HKDF-SHA512 |
//!
//! Public keys of the NIST curves are uncompressed SEC1 points; anything
//! else (compressed points, the identity, points off the curve, coordinates
//! not below the field prime) is [`CryptoError::InvalidPublicKey`]. X25519
//! and X448 public keys of low order are refused by
//! `Kem::validate_public_key` (RFC 9180 §7.1.4).

use p256::elliptic_curve::ff::PrimeField;
use p256::elliptic_curve::sec1::{FromSec1Point, ModulusSize, ToSec1Point};
use p256::elliptic_curve::{
    AffinePoint, CurveArithmetic, FieldBytes, FieldBytesSize, NonZeroScalar, PublicKey, ecdh,
};
use subtle::{Choice, ConstantTimeEq};
use zeroize::Zeroizing;

use super::hash::Hash;
use super::hpke::{labeled_expand_into, labeled_extract};
use crate::crypto::{CryptoError, HpkePrivateKey, HpkePublicKey, KemId, Secret};

/// The largest `Nsk` and `Ndh`, those of P-521.
const MAX_SCALAR_LEN: usize = 66;

/// The little-endian `u` (top bit clear) of every X25519 public key of low
/// order, on Curve25519 or on its twist (RFC 7748 §5): `0` (order 2), `1`
/// and `p - 1` (order 4, one on the curve, one on the twist), the two `u`
/// of the points of order 8, and the non-canonical `p` and `p + 1` (which
/// X25519 reduces to 0 and 1). The curve's torsion is `Z/8` and the
/// twist's `Z/4`, so these are all the `u` with `[8]P` the point at
/// infinity; clamped scalars are multiples of 8 below `8q`, so these are
/// exactly the keys whose Diffie-Hellman is all zero. (The same list as
/// libsodium's `has_small_order`.)
const X25519_LOW_ORDER: [[u8; 32]; 7] = {
    let mut p_minus_1 = [0xff; 32];
    p_minus_1[0] = 0xec;
    p_minus_1[31] = 0x7f;
    let mut p = p_minus_1;
    p[0] = 0xed;
    let mut p_plus_1 = p_minus_1;
    p_plus_1[0] = 0xee;
    let mut one = [0; 32];
    one[0] = 1;
    [
        [0; 32],
        one,
        [
            0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f,
            0xc4, 0x6a, 0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16,
            0x5f, 0x49, 0xb8, 0x00,
        ],
        [
            0x5f, 0x9c, 0x95, 0xbc, 0xa3, 0x50, 0x8c, 0x24, 0xb1, 0xd0, 0xb1, 0x55, 0x9c, 0x83,
            0xef, 0x5b, 0x04, 0x44, 0x5c, 0xc4, 0x58, 0x1c, 0x8e, 0x86, 0xd8, 0x22, 0x4e, 0xdd,
            0xd0, 0x9f, 0x11, 0x57,
        ],
        p_minus_1,
        p,
        p_plus_1,
    ]
};

/// The little-endian `u` of every X448 public key of low order (RFC 7748
/// §5): `0` (order 2), `1` and `p - 1` (order 4), and the non-canonical `p`
/// and `p + 1`. Curve448's torsion is `Z/4` and its twist's `Z/4` too, with
/// the single point of order 2 at `u = 0` and the points of order 4 at
/// `u = ±1`; clamped scalars are multiples of 4 below `4q`.
const X448_LOW_ORDER: [[u8; 56]; 5] = {
    // p = 2^448 - 2^224 - 1: bytes 0..28 are 0xff, byte 28 is 0xfe, the
    // rest 0xff.
    let mut p = [0xff; 56];
    p[28] = 0xfe;
    let mut p_minus_1 = p;
    p_minus_1[0] = 0xfe;
    // p + 1 = 2^448 - 2^224.
    let p_plus_1 = [
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    ];
    let mut one = [0; 56];
    one[0] = 1;
    [[0; 56], one, p_minus_1, p, p_plus_1]
};

/// A DHKEM.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kem {
    /// DHKEM(X25519, HKDF-SHA256), KEM id 0x0020.
    X25519,
    /// DHKEM(X448, HKDF-SHA512), KEM id 0x0021.
    X448,
    /// DHKEM(P-256, HKDF-SHA256), KEM id 0x0010.
    P256,
    /// DHKEM(P-384, HKDF-SHA384), KEM id 0x0011.
    P384,
    /// DHKEM(P-521, HKDF-SHA512), KEM id 0x0012.
    P521,
}

impl Kem {
    /// The KEM with HPKE identifier `id` (RFC 9180 §7.1), if supported.
    pub(super) const fn from_id(id: KemId) -> Option<Self> {
        match id {
            KemId::DHKEM_X25519_SHA256 => Some(Self::X25519),
            KemId::DHKEM_X448_SHA512 => Some(Self::X448),
            KemId::DHKEM_P256_SHA256 => Some(Self::P256),
            KemId::DHKEM_P384_SHA384 => Some(Self::P384),
            KemId::DHKEM_P521_SHA512 => Some(Self::P521),
            _ => None,
        }
    }

    /// The HPKE identifier.
    pub(super) const fn id(self) -> KemId {
        match self {
            Self::X25519 => KemId::DHKEM_X25519_SHA256,
            Self::X448 => KemId::DHKEM_X448_SHA512,
            Self::P256 => KemId::DHKEM_P256_SHA256,
            Self::P384 => KemId::DHKEM_P384_SHA384,
            Self::P521 => KemId::DHKEM_P521_SHA512,
        }
    }

    /// `Nsk`: the length of a serialized private key and of the seed for
    /// an ephemeral key pair.
    pub(super) const fn private_key_len(self) -> usize {
        self.id().private_key_len()
    }

    /// `Npk`: the length of a serialized public key, which is also `Nenc`.
    pub(super) const fn public_key_len(self) -> usize {
        self.id().public_key_len()
    }

    /// The KDF the KEM uses internally.
    const fn hash(self) -> Hash {
        match self {
            Self::X25519 | Self::P256 => Hash::Sha256,
            Self::P384 => Hash::Sha384,
            Self::X448 | Self::P521 => Hash::Sha512,
        }
    }

    /// `suite_id = concat("KEM", I2OSP(kem_id, 2))` (RFC 9180 §4.1).
    const fn suite_id(self) -> [u8; 5] {
        let id = self.id().0.to_be_bytes();
        [b'K', b'E', b'M', id[0], id[1]]
    }

    /// `DeriveKeyPair(ikm)` (RFC 9180 §7.1.3), serialized. `ikm` may have
    /// any length; MLS derives keys from secrets of `Nh` bytes, which for
    /// P-521 is less than `Nsk`.
    pub(super) fn derive_key_pair(
        self,
        ikm: &[u8],
    ) -> Result<(HpkePrivateKey, HpkePublicKey), CryptoError> {
        let sk = self.derive(ikm)?;
        Ok((sk.serialize(), HpkePublicKey(sk.public_key())))
    }

    /// The public key of a serialized private key.
    pub(super) fn public_key(self, sk: &HpkePrivateKey) -> Result<HpkePublicKey, CryptoError> {
        Ok(HpkePublicKey(
            DhSecret::load(self, sk.as_bytes())?.public_key(),
        ))
    }

    /// `DeserializePrivateKey` (RFC 9180 §7.1.2) with the length and range
    /// checks, returning the normalized serialization. P-521 scalars of 65
    /// bytes (the leading zero byte dropped) are accepted and padded.
    pub(super) fn import_private_key(self, bytes: &[u8]) -> Result<HpkePrivateKey, CryptoError> {
        Ok(DhSecret::load(self, bytes)?.serialize())
    }

    /// Public key validation (RFC 9180 §7.1.4), as every HPKE key entering
    /// a tree or a KeyPackage needs it (RFC 9420 §5.1.1):
    ///
    /// - NIST curves: `DeserializePublicKey` succeeds, see [`nist_point`]
    ///   (one point decoding and curve-equation check);
    /// - X25519 and X448: `Npk` bytes that are not the encoding of a
    ///   low-order point, i.e. a Diffie-Hellman with the key is contributory
    ///   (not all zero) for every private key. See [`X25519_LOW_ORDER`] and
    ///   [`X448_LOW_ORDER`] for why the lists are complete; the unit tests
    ///   check each entry against a full Diffie-Hellman. A comparison with
    ///   a few constants costs nanoseconds, where a Diffie-Hellman per key
    ///   would cost about as much as the leaf's signature verification on
    ///   every join. The key is public, so the comparison need not be
    ///   constant-time.
    // RFC 9420 §5.1.1, R-5.1.1-01
    pub(super) fn validate_public_key(self, pk: &[u8]) -> Result<(), CryptoError> {
        let low_order = match self {
            Self::X25519 => {
                let mut u = <[u8; 32]>::try_from(pk).map_err(|_| CryptoError::InvalidPublicKey)?;
                // X25519 ignores the top bit of the encoding (RFC 7748 §5).
                if let Some(last) = u.last_mut() {
                    *last &= 0x7f;
                }
                X25519_LOW_ORDER.contains(&u)
            }
            Self::X448 => {
                let u = <[u8; 56]>::try_from(pk).map_err(|_| CryptoError::InvalidPublicKey)?;
                X448_LOW_ORDER.contains(&u)
            }
            Self::P256 => {
                nist_point::<p256::NistP256>(pk, self.public_key_len())?;
                false
            }
            Self::P384 => {
                nist_point::<p384::NistP384>(pk, self.public_key_len())?;
                false
            }
            Self::P521 => {
                nist_point::<p521::NistP521>(pk, self.public_key_len())?;
                false
            }
        };
        if low_order {
            return Err(CryptoError::InvalidPublicKey);
        }
        Ok(())
    }

    /// `Encap(pkR)` (RFC 9180 §4.1) with the ephemeral key pair
    /// `DeriveKeyPair(ikm_e)`: returns `(shared_secret, enc)`. `ikm_e` must
    /// have exactly `Nsk` bytes.
    pub(super) fn encap(self, pk_r: &[u8], ikm_e: &[u8]) -> Result<(Secret, Vec<u8>), CryptoError> {
        if ikm_e.len() != self.private_key_len() {
            return Err(CryptoError::InvalidLength {
                what: crate::crypto::LengthOf::KemIkm,
                expected: self.private_key_len(),
                got: ikm_e.len(),
            });
        }
        let sk_e = self.derive(ikm_e)?;
        let dh = sk_e.diffie_hellman(pk_r)?;
        let enc = sk_e.public_key();
        let shared_secret = self.extract_and_expand(dh.as_bytes(), &enc, pk_r)?;
        Ok((shared_secret, enc))
    }

    /// `Decap(enc, skR)` (RFC 9180 §4.1).
    pub(super) fn decap(self, enc: &[u8], sk_r: &HpkePrivateKey) -> Result<Secret, CryptoError> {
        let sk_r = DhSecret::load(self, sk_r.as_bytes())?;
        let dh = sk_r.diffie_hellman(enc)?;
        let pk_rm = sk_r.public_key();
        self.extract_and_expand(dh.as_bytes(), enc, &pk_rm)
    }

    /// `ExtractAndExpand(dh, kem_context)` with `kem_context = enc || pkRm`
    /// (RFC 9180 §4.1):
    ///
    /// ```text
    /// eae_prk = LabeledExtract("", "eae_prk", dh)
    /// shared_secret = LabeledExpand(eae_prk, "shared_secret",
    ///                               kem_context, Nsecret)
    /// ```
    fn extract_and_expand(
        self,
        dh: &[u8],
        enc: &[u8],
        pk_rm: &[u8],
    ) -> Result<Secret, CryptoError> {
        let suite_id = self.suite_id();
        let eae_prk = labeled_extract(self.hash(), &suite_id, &[], b"eae_prk", dh)?;
        let mut shared_secret = Secret::zero(self.hash().len());
        labeled_expand_into(
            &eae_prk,
            &suite_id,
            b"shared_secret",
            &[enc, pk_rm],
            shared_secret.as_mut_bytes(),
        )?;
        Ok(shared_secret)
    }

    /// `DeriveKeyPair(ikm)` (RFC 9180 §7.1.3) as a loaded private key.
    ///
    /// ```text
    /// dkp_prk = LabeledExtract("", "dkp_prk", ikm)
    /// X25519, X448: sk = LabeledExpand(dkp_prk, "sk", "", Nsk)
    /// P-256, P-384, P-521: for counter in 0..=255,
    ///     bytes = LabeledExpand(dkp_prk, "candidate", I2OSP(counter, 1), Nsk)
    ///     bytes[0] &= bitmask   // 0xff, or 0x01 for P-521
    ///     sk = OS2IP(bytes), the first with 0 < sk < order
    /// ```
    fn derive(self, ikm: &[u8]) -> Result<DhSecret, CryptoError> {
        let suite_id = self.suite_id();
        let dkp_prk = labeled_extract(self.hash(), &suite_id, &[], b"dkp_prk", ikm)?;
        let mut bytes = Zeroizing::new([0u8; MAX_SCALAR_LEN]);
        let candidate = bytes
            .get_mut(..self.private_key_len())
            .ok_or(CryptoError::DeriveKeyPairFailed)?;
        if matches!(self, Self::X25519 | Self::X448) {
            labeled_expand_into(&dkp_prk, &suite_id, b"sk", &[], candidate)?;
            return DhSecret::load(self, candidate);
        }
        let bitmask = if self == Self::P521 { 0x01 } else { 0xff };
        for counter in 0..=u8::MAX {
            labeled_expand_into(&dkp_prk, &suite_id, b"candidate", &[&[counter]], candidate)?;
            if let Some(first) = candidate.first_mut() {
                *first &= bitmask;
            }
            match DhSecret::load(self, candidate) {
                Ok(sk) => return Ok(sk),
                Err(CryptoError::InvalidPrivateKey) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(CryptoError::DeriveKeyPairFailed)
    }
}

/// A private key, parsed once and then used for both the public key and
/// Diffie-Hellman. Every variant wipes its secret on drop.
enum DhSecret {
    /// Unclamped, as serialized; clamping happens in the scalar
    /// multiplication (RFC 7748 §5).
    X25519(x25519_dalek::StaticSecret),
    /// Unclamped, as serialized.
    X448(Zeroizing<[u8; 56]>),
    P256(Zeroizing<NonZeroScalar<p256::NistP256>>),
    P384(Zeroizing<NonZeroScalar<p384::NistP384>>),
    P521(Zeroizing<NonZeroScalar<p521::NistP521>>),
}

impl DhSecret {
    /// `DeserializePrivateKey` (RFC 9180 §7.1.2): X25519 and X448 keys are
    /// any string of `Nsk` bytes; NIST keys are big-endian scalars in
    /// `[1, order)`, of `Nsk` bytes, or 65 for P-521.
    fn load(kem: Kem, bytes: &[u8]) -> Result<Self, CryptoError> {
        match kem {
            Kem::X25519 => {
                let sk = <[u8; 32]>::try_from(bytes).map_err(|_| CryptoError::InvalidPrivateKey)?;
                let sk = Zeroizing::new(sk);
                Ok(Self::X25519(x25519_dalek::StaticSecret::from(*sk)))
            }
            Kem::X448 => {
                let sk = <[u8; 56]>::try_from(bytes).map_err(|_| CryptoError::InvalidPrivateKey)?;
                Ok(Self::X448(Zeroizing::new(sk)))
            }
            Kem::P256 => Ok(Self::P256(nist_scalar(bytes)?)),
            Kem::P384 => Ok(Self::P384(nist_scalar(bytes)?)),
            Kem::P521 => Ok(Self::P521(nist_scalar(bytes)?)),
        }
    }

    /// `SerializePrivateKey` (RFC 9180 §7.1.2).
    fn serialize(&self) -> HpkePrivateKey {
        let secret = match self {
            Self::X25519(sk) => Secret::from_slice(sk.as_bytes()),
            Self::X448(sk) => Secret::from_slice(sk.as_slice()),
            Self::P256(sk) => Secret::from_slice(&Zeroizing::new(sk.to_repr())),
            Self::P384(sk) => Secret::from_slice(&Zeroizing::new(sk.to_repr())),
            Self::P521(sk) => Secret::from_slice(&Zeroizing::new(sk.to_repr())),
        };
        HpkePrivateKey::from_secret(secret)
    }

    /// `SerializePublicKey(pk(sk))` (RFC 9180 §7.1.1).
    fn public_key(&self) -> Vec<u8> {
        match self {
            Self::X25519(sk) => x25519_dalek::PublicKey::from(sk).as_bytes().to_vec(),
            Self::X448(sk) => {
                let sk = x448::StaticSecret::from(**sk);
                x448::PublicKey::from(&sk).as_bytes().to_vec()
            }
            Self::P256(sk) => nist_public_key(sk),
            Self::P384(sk) => nist_public_key(sk),
            Self::P521(sk) => nist_public_key(sk),
        }
    }

    /// `DH(sk, DeserializePublicKey(pk))` (RFC 9180 §4.1, §7.1.1). For
    /// X25519 and X448 an all-zero result is an error (§7.1.4); on the NIST
    /// curves the point checks of `DeserializePublicKey` suffice.
    fn diffie_hellman(&self, pk: &[u8]) -> Result<DhOutput, CryptoError> {
        let mut out = DhOutput::default();
        match self {
            Self::X25519(sk) => {
                let pk = <[u8; 32]>::try_from(pk).map_err(|_| CryptoError::InvalidPublicKey)?;
                let shared = sk.diffie_hellman(&x25519_dalek::PublicKey::from(pk));
                out.set(shared.as_bytes())?;
            }
            Self::X448(sk) => {
                let pk = x448::PublicKey::from_bytes_unchecked(pk)
                    .ok_or(CryptoError::InvalidPublicKey)?;
                let shared = x448::StaticSecret::from(**sk).diffie_hellman(&pk);
                out.set(shared.as_bytes())?;
            }
            Self::P256(sk) => nist_dh(sk, pk, Kem::P256, &mut out)?,
            Self::P384(sk) => nist_dh(sk, pk, Kem::P384, &mut out)?,
            Self::P521(sk) => nist_dh(sk, pk, Kem::P521, &mut out)?,
        }
        if is_all_zero(out.as_bytes()) {
            return Err(CryptoError::ZeroSharedSecret);
        }
        Ok(out)
    }
}

/// Whether every byte is zero, in time independent of the values.
fn is_all_zero(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .fold(Choice::from(1), |all, b| all & b.ct_eq(&0))
        .into()
}

/// A Diffie-Hellman result of at most 66 bytes, on the stack and wiped on
/// drop.
struct DhOutput {
    bytes: Zeroizing<[u8; MAX_SCALAR_LEN]>,
    len: usize,
}

impl Default for DhOutput {
    fn default() -> Self {
        Self {
            bytes: Zeroizing::new([0u8; MAX_SCALAR_LEN]),
            len: 0,
        }
    }
}

impl DhOutput {
    fn set(&mut self, value: &[u8]) -> Result<(), CryptoError> {
        let dst = self
            .bytes
            .get_mut(..value.len())
            .ok_or(CryptoError::ZeroSharedSecret)?;
        dst.copy_from_slice(value);
        self.len = value.len();
        Ok(())
    }

    fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or_default()
    }
}

/// A NIST private key: a big-endian scalar in `[1, order)`. A P-521 key may
/// come with 65 bytes, its leading zero byte dropped.
pub(super) fn nist_scalar<C: CurveArithmetic>(
    bytes: &[u8],
) -> Result<Zeroizing<NonZeroScalar<C>>, CryptoError> {
    let mut repr = Zeroizing::new(FieldBytes::<C>::default());
    let offset = repr
        .len()
        .checked_sub(bytes.len())
        .ok_or(CryptoError::InvalidPrivateKey)?;
    // Only P-521 (66-byte scalars) accepts one missing leading byte.
    if offset > usize::from(repr.len() == 66) {
        return Err(CryptoError::InvalidPrivateKey);
    }
    repr.get_mut(offset..)
        .ok_or(CryptoError::InvalidPrivateKey)?
        .copy_from_slice(bytes);
    NonZeroScalar::<C>::from_repr(*repr)
        .into_option()
        .map(Zeroizing::new)
        .ok_or(CryptoError::InvalidPrivateKey)
}

/// The uncompressed SEC1 encoding of `sk * G`.
pub(super) fn nist_public_key<C>(sk: &NonZeroScalar<C>) -> Vec<u8>
where
    C: CurveArithmetic,
    AffinePoint<C>: FromSec1Point<C> + ToSec1Point<C>,
    FieldBytesSize<C>: ModulusSize,
{
    PublicKey::<C>::from_secret_scalar(sk)
        .to_sec1_point(false)
        .as_bytes()
        .to_vec()
}

/// `DeserializePublicKey` for a NIST curve: exactly an uncompressed SEC1
/// point of `Npk` bytes, on the curve and not the identity.
// RFC 9420 §5.1.1, R-5.1.1-01
pub(super) fn nist_point<C>(bytes: &[u8], npk: usize) -> Result<PublicKey<C>, CryptoError>
where
    C: CurveArithmetic,
    AffinePoint<C>: FromSec1Point<C> + ToSec1Point<C>,
    FieldBytesSize<C>: ModulusSize,
{
    if bytes.len() != npk || bytes.first() != Some(&0x04) {
        return Err(CryptoError::InvalidPublicKey);
    }
    PublicKey::<C>::from_sec1_bytes(bytes).map_err(|_| CryptoError::InvalidPublicKey)
}

/// ECDH: the x-coordinate of `sk * pk`, `Ndh` bytes (RFC 9180 §7.1.1).
fn nist_dh<C>(
    sk: &NonZeroScalar<C>,
    pk: &[u8],
    kem: Kem,
    out: &mut DhOutput,
) -> Result<(), CryptoError>
where
    C: CurveArithmetic,
    AffinePoint<C>: FromSec1Point<C> + ToSec1Point<C>,
    FieldBytesSize<C>: ModulusSize,
{
    let pk = nist_point::<C>(pk, kem.public_key_len())?;
    let shared = ecdh::diffie_hellman(sk, pk.as_affine());
    out.set(shared.raw_secret_bytes())
}
