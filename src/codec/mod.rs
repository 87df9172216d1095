//! Wire encoding of MLS structures (RFC 9420 §2.1).
//!
//! MLS uses the TLS presentation language with two additions: optional
//! values (§2.1.1) and vectors with variable-size length headers (§2.1.2).
//! [`Encode`] writes a value; [`Decode`] reads one from a [`Reader`].
//!
//! Untrusted bytes enter through [`decode_exact`], which rejects trailing
//! bytes. Decoding never panics and never allocates ahead of the input: a
//! vector's declared length is checked against the bytes that are actually
//! there before anything is read, and elements are pushed as they decode.
//!
//! The crate has its own codec rather than `tls_codec`'s decoders so that
//! every failure is a typed [`DecodeError`] with its facts, and so that no
//! debug assertion can fire on hostile input.

mod reader;
mod varint;

pub use reader::Reader;
pub use varint::{MAX_VARINT, write_varint};

/// Why bytes could not be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The input ended before the structure did.
    #[error("input truncated: needed {need} more bytes, {have} left")]
    Truncated {
        /// Bytes the decoder needed.
        need: usize,
        /// Bytes that were left.
        have: usize,
    },
    /// A vector's length header announces more bytes than the input holds
    /// (RFC 9420 §2.1.2).
    #[error("vector length {declared} exceeds the {available} bytes available")]
    LengthExceedsInput {
        /// The length the header declared.
        declared: usize,
        /// The bytes actually left in the enclosing input.
        available: usize,
    },
    /// A variable-length integer was not minimally encoded (RFC 9420 §2.1.2).
    #[error("variable-length integer {value} not minimally encoded")]
    NonMinimalVarint {
        /// The decoded value.
        value: u64,
    },
    /// A variable-length integer started with the reserved prefix `0b11`
    /// (RFC 9420 §2.1.2).
    #[error("variable-length integer with reserved prefix 0b11")]
    InvalidVarintPrefix,
    /// An `optional<T>` presence octet was neither 0 nor 1 (RFC 9420 §2.1.1).
    #[error("optional presence octet {0} is neither 0 nor 1")]
    InvalidOptional(u8),
    /// Bytes were left over after a complete structure.
    #[error("{0} trailing bytes after the structure")]
    TrailingBytes(usize),
    /// A `select` discriminant (content type, sender type, wire format, ...)
    /// names no case this structure knows.
    #[error("unknown {field:?} value {value}")]
    UnknownValue {
        /// The field that holds the discriminant.
        field: Field,
        /// The value that was read.
        value: u64,
    },
    /// A value decoded but breaks a structural rule of its type (for
    /// example a fixed-size field of the wrong length).
    #[error("invalid {0:?}")]
    Invalid(InvalidField),
    /// A vector element consumed no bytes, which would loop forever.
    #[error("vector element of zero size")]
    ZeroSizedElement,
    /// The padding of a PrivateMessageContent holds a non-zero byte
    /// (RFC 9420 §6.3.1).
    #[error("non-zero padding byte at padding offset {offset}")]
    NonZeroPadding {
        /// The offset of the first non-zero byte within the padding.
        offset: usize,
    },
}

/// A field of an RFC 9420 structure named by a codec error: a `select`
/// discriminant ([`DecodeError::UnknownValue`]) or an optional part whose
/// presence the discriminants fix ([`EncodeError::Inconsistent`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Field {
    /// `CredentialType credential_type` (§5.3).
    CredentialType,
    /// `ContentType content_type` (§6).
    ContentType,
    /// `SenderType sender_type` (§6).
    SenderType,
    /// `NodeType node_type` (§7.8).
    NodeType,
    /// `LeafNodeSource leaf_node_source` (§7.2).
    LeafNodeSource,
    /// `ProposalType proposal_type` (§12.1).
    ProposalType,
    /// `ProposalOrRefType type` (§12.4).
    ProposalOrRefType,
    /// `PSKType psktype` (§8.4).
    PskType,
    /// `ResumptionPSKUsage usage` (§8.6).
    ResumptionPskUsage,
    /// `WireFormat wire_format` (§6).
    WireFormat,
    /// The GroupContext a member's FramedContentTBS carries (§6.1).
    GroupContext,
    /// `MAC confirmation_tag` of a commit (§6.1).
    ConfirmationTag,
    /// `MAC membership_tag` of a member's PublicMessage (§6.2).
    MembershipTag,
}

/// The structural rule a decoded value broke ([`DecodeError::Invalid`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum InvalidField {
    /// A vector length that does not fit in memory on this platform.
    VectorLength,
    /// A tree size that is not a full binary tree of at most 2^31 leaves.
    TreeSize,
    /// Saved TreeKEM keys: an own leaf index past the largest tree.
    TreeKemOwnLeaf,
    /// Saved TreeKEM keys: node indices not strictly ascending.
    TreeKemKeyOrder,
    /// Saved TreeKEM keys: a key for a node off the own leaf's direct path.
    TreeKemKeyNode,
    /// Saved TreeKEM keys: no key for the own leaf.
    TreeKemLeafKey,
    /// Saved TreeKEM keys: HPKE public keys of different or zero lengths.
    HpkePublicKeyLength,
    /// Saved TreeKEM keys: HPKE private keys of different or zero lengths.
    HpkePrivateKeyLength,
    /// Saved epoch secrets of different lengths, or empty, or too long.
    EpochSecretLength,
    /// A saved secret tree's node index outside the tree.
    SecretTreeNodeIndex,
    /// A saved secret tree's node indices not strictly ascending.
    SecretTreeNodeOrder,
    /// A saved secret tree's leaf index outside the tree.
    SecretTreeLeafIndex,
    /// A saved secret tree's leaf indices not strictly ascending.
    SecretTreeLeafOrder,
    /// A saved secret tree with two secrets on one root-to-leaf path.
    SecretTreeOverlap,
    /// A saved secret tree with a leaf under no stored secret.
    SecretTreeGap,
    /// Saved secret tree secrets of different or zero lengths.
    SecretTreeSecretLength,
    /// A saved ratchet keeping more skipped keys than its configuration.
    RetainedKeyCount,
    /// A saved ratchet's skipped-key generations not strictly ascending.
    RetainedKeyOrder,
    /// A saved ratchet's skipped key at or past its next generation.
    RetainedKeyGeneration,
    /// Saved ratchet keys of different or zero lengths.
    RatchetKeyLength,
    /// Saved ratchet nonces of different or zero lengths.
    RatchetNonceLength,
    /// A saved past epoch listing one leaf twice.
    ChangedLeaves,
    /// A saved group's active flag that is neither 0 nor 1.
    ActiveFlag,
}

/// Why a value could not be encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// A vector is longer than the 2^30 - 1 bytes a variable-size length
    /// header can express (RFC 9420 §2.1.2).
    #[error("vector of {0} bytes is longer than 2^30 - 1")]
    VectorTooLong(usize),
    /// A field that the wire format makes present or absent depending on
    /// another field (a `select`) disagrees with it: for example a commit's
    /// authentication data without a confirmation tag (RFC 9420 §6.1), or a
    /// member's PublicMessage without a membership tag (§6.2).
    #[error("{field:?} is inconsistent with the structure's type fields")]
    Inconsistent {
        /// The field that is wrongly present or absent.
        field: Field,
    },
}

/// A value with an MLS wire encoding.
pub trait Encode {
    /// Appends the encoding of `self` to `out`.
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError>;

    /// The length of the encoding of `self`, without writing it anywhere
    /// the caller cannot wipe.
    ///
    /// The default encodes into a scratch vector. Types that hold secrets
    /// override it to compute the length from their parts, so that a
    /// buffer for secret-bearing state can be sized exactly before anything
    /// is written (a growing `Vec` frees its old buffers unwiped).
    fn encoded_len(&self) -> Result<usize, EncodeError> {
        let mut scratch = Vec::new();
        self.encode(&mut scratch)?;
        Ok(scratch.len())
    }

    /// The total encoded length of the elements of a vector `T<V>`,
    /// without its length header; the counterpart of
    /// [`encode_elements`](Self::encode_elements).
    #[doc(hidden)]
    fn elements_len(items: &[Self]) -> Result<usize, EncodeError>
    where
        Self: Sized,
    {
        items.iter().try_fold(0usize, |sum, item| {
            Ok(sum.saturating_add(item.encoded_len()?))
        })
    }

    /// Returns the encoding of `self` as a new vector.
    fn to_bytes(&self) -> Result<Vec<u8>, EncodeError> {
        let mut out = Vec::new();
        self.encode(&mut out)?;
        Ok(out)
    }

    /// The total encoded length of the elements of a vector `T<V>` when it
    /// costs nothing to compute (`u8`: the element count), so that the
    /// length header can be written before the body instead of inserted in
    /// front of it afterwards (a copy of the whole body).
    #[doc(hidden)]
    fn elements_len_hint(_items: &[Self]) -> Option<usize>
    where
        Self: Sized,
    {
        None
    }

    /// Appends the elements of a vector `T<V>`, without its length header.
    ///
    /// The default encodes each element in turn; `u8` overrides it with a
    /// single copy.
    #[doc(hidden)]
    fn encode_elements(items: &[Self], out: &mut Vec<u8>) -> Result<(), EncodeError>
    where
        Self: Sized,
    {
        items.iter().try_for_each(|item| item.encode(out))
    }
}

/// A value that can be read from its MLS wire encoding.
pub trait Decode: Sized {
    /// Reads one value from the front of `r`.
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError>;

    /// Reads every element of a vector body (the length header already
    /// consumed) until `r` is empty.
    ///
    /// The default decodes elements one by one and rejects elements that
    /// consume no bytes; `u8` overrides it with a single copy.
    #[doc(hidden)]
    fn decode_elements(r: &mut Reader<'_>) -> Result<Vec<Self>, DecodeError> {
        let mut items = Vec::new();
        decode_each(r, |item| items.push(item))?;
        Ok(items)
    }
}

/// Decodes `T`s one by one until `r` (a vector body) is empty, handing
/// each to `push`; an element that consumes no bytes is an error.
pub(crate) fn decode_each<T: Decode>(
    r: &mut Reader<'_>,
    mut push: impl FnMut(T),
) -> Result<(), DecodeError> {
    while !r.is_empty() {
        let before = r.remaining();
        push(T::decode(r)?);
        if r.remaining() == before {
            return Err(DecodeError::ZeroSizedElement);
        }
    }
    Ok(())
}

/// Decodes a whole `T` from `bytes`, rejecting trailing bytes.
///
/// This is the entry point for untrusted input.
pub fn decode_exact<T: Decode>(bytes: &[u8]) -> Result<T, DecodeError> {
    let mut r = Reader::new(bytes);
    let value = T::decode(&mut r)?;
    r.finish()?;
    Ok(value)
}

/// Writes `body` as a variable-size vector: a minimal length header
/// followed by the bytes that `body` appends (RFC 9420 §2.1.2).
///
/// The body is written in place first, after room for a one-byte header
/// (bodies under 64 bytes, the most common), so no length needs to be
/// computed in advance; a longer header is made room for afterwards.
pub fn encode_vector(
    out: &mut Vec<u8>,
    body: impl FnOnce(&mut Vec<u8>) -> Result<(), EncodeError>,
) -> Result<(), EncodeError> {
    let start = out.len();
    out.push(0);
    body(out)?;
    let len = out.len().saturating_sub(start).saturating_sub(1);
    let mut header = [0u8; 4];
    let header = varint::encode_varint(len, &mut header)?;
    match (header, out.get_mut(start)) {
        ([byte], Some(slot)) => *slot = *byte,
        _ => {
            out.splice(start..=start, header.iter().copied());
        }
    }
    Ok(())
}

/// The length of a vector whose body is `body_len` bytes: the minimal
/// variable-size header plus the body (RFC 9420 §2.1.2).
pub fn vector_len(body_len: usize) -> Result<usize, EncodeError> {
    let header = if body_len < (1 << 6) {
        1
    } else if body_len < (1 << 14) {
        2
    } else if body_len <= MAX_VARINT {
        4
    } else {
        // RFC 9420 §2.1.2, R-2.1.2-03
        return Err(EncodeError::VectorTooLong(body_len));
    };
    Ok(body_len.saturating_add(header))
}

/// Writes `bytes` as `opaque data<V>`.
pub fn encode_opaque(bytes: &[u8], out: &mut Vec<u8>) -> Result<(), EncodeError> {
    write_varint(bytes.len(), out)?;
    out.extend_from_slice(bytes);
    Ok(())
}

macro_rules! impl_uint {
    ($($t:ty => $read:ident),*) => {$(
        impl Encode for $t {
            fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
                out.extend_from_slice(&self.to_be_bytes());
                Ok(())
            }

            fn encoded_len(&self) -> Result<usize, EncodeError> {
                Ok(core::mem::size_of::<$t>())
            }
        }
        impl Decode for $t {
            fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
                r.$read()
            }

            /// Sized once from the body's length (no regrowth); a body
            /// that is not a whole number of elements fails as before.
            fn decode_elements(r: &mut Reader<'_>) -> Result<Vec<Self>, DecodeError> {
                let mut items = Vec::with_capacity(r.remaining() / core::mem::size_of::<$t>());
                while !r.is_empty() {
                    items.push(r.$read()?);
                }
                Ok(items)
            }
        }
    )*};
}
impl_uint!(u16 => read_u16, u32 => read_u32, u64 => read_u64);

impl Encode for u8 {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        out.push(*self);
        Ok(())
    }

    fn encode_elements(items: &[Self], out: &mut Vec<u8>) -> Result<(), EncodeError> {
        out.extend_from_slice(items);
        Ok(())
    }

    fn encoded_len(&self) -> Result<usize, EncodeError> {
        Ok(1)
    }

    fn elements_len(items: &[Self]) -> Result<usize, EncodeError> {
        Ok(items.len())
    }

    fn elements_len_hint(items: &[Self]) -> Option<usize> {
        Some(items.len())
    }
}

impl Decode for u8 {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        r.read_u8()
    }

    fn decode_elements(r: &mut Reader<'_>) -> Result<Vec<Self>, DecodeError> {
        Ok(r.take(r.remaining())?.to_vec())
    }
}

impl<const N: usize> Encode for [u8; N] {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        out.extend_from_slice(self);
        Ok(())
    }
}

impl<const N: usize> Decode for [u8; N] {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let mut a = [0u8; N];
        a.copy_from_slice(r.take(N)?);
        Ok(a)
    }
}

impl<T: Encode + ?Sized> Encode for &T {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        (**self).encode(out)
    }

    fn encoded_len(&self) -> Result<usize, EncodeError> {
        (**self).encoded_len()
    }
}

/// Appends the vector `T<V>` holding `items`: its length header, then the
/// elements (the encoding of a `Vec<T>`, and of any list type like it).
pub(crate) fn encode_list<T: Encode>(items: &[T], out: &mut Vec<u8>) -> Result<(), EncodeError> {
    match T::elements_len_hint(items) {
        Some(len) => {
            write_varint(len, out)?;
            T::encode_elements(items, out)
        }
        None => encode_vector(out, |out| T::encode_elements(items, out)),
    }
}

/// `T v<V>`: a vector with a variable-size length header (RFC 9420 §2.1.2).
impl<T: Encode> Encode for Vec<T> {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        encode_list(self, out)
    }

    fn encoded_len(&self) -> Result<usize, EncodeError> {
        vector_len(T::elements_len(self)?)
    }
}

impl<T: Decode> Decode for Vec<T> {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let mut body = r.read_vector()?;
        T::decode_elements(&mut body)
    }
}

/// `optional<T>` (RFC 9420 §2.1.1).
impl<T: Encode> Encode for Option<T> {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        match self {
            None => {
                out.push(0);
                Ok(())
            }
            Some(v) => {
                out.push(1);
                v.encode(out)
            }
        }
    }

    fn encoded_len(&self) -> Result<usize, EncodeError> {
        match self {
            None => Ok(1),
            Some(v) => Ok(v.encoded_len()?.saturating_add(1)),
        }
    }
}

impl<T: Decode> Decode for Option<T> {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        match r.read_u8()? {
            0 => Ok(None),
            1 => Ok(Some(T::decode(r)?)),
            // RFC 9420 §2.1.1, R-2.1.1-01
            other => Err(DecodeError::InvalidOptional(other)),
        }
    }
}

/// Implements [`Encode`] and [`Decode`] for a struct whose wire form is its
/// fields in order.
///
/// ```text
/// codec_struct!(SignContent { label, content });
/// ```
#[macro_export]
#[doc(hidden)]
macro_rules! codec_struct {
    ($name:ident { $($field:ident),* $(,)? }) => {
        impl $crate::codec::Encode for $name {
            fn encode(&self, out: &mut Vec<u8>) -> Result<(), $crate::codec::EncodeError> {
                $( $crate::codec::Encode::encode(&self.$field, out)?; )*
                Ok(())
            }
            fn encoded_len(&self) -> Result<usize, $crate::codec::EncodeError> {
                let mut len = 0usize;
                $( len = len.saturating_add($crate::codec::Encode::encoded_len(&self.$field)?); )*
                Ok(len)
            }
        }
        impl $crate::codec::Decode for $name {
            fn decode(r: &mut $crate::codec::Reader<'_>) -> Result<Self, $crate::codec::DecodeError> {
                Ok(Self { $( $field: $crate::codec::Decode::decode(r)?, )* })
            }
        }
    };
}

/// Implements [`Encode`] and [`Decode`] for a newtype over one field
/// (`struct X(Inner)`), encoded as the inner value.
#[macro_export]
#[doc(hidden)]
macro_rules! codec_newtype {
    ($($name:ident),* $(,)?) => {$(
        impl $crate::codec::Encode for $name {
            fn encode(&self, out: &mut Vec<u8>) -> Result<(), $crate::codec::EncodeError> {
                $crate::codec::Encode::encode(&self.0, out)
            }
            fn encoded_len(&self) -> Result<usize, $crate::codec::EncodeError> {
                $crate::codec::Encode::encoded_len(&self.0)
            }
        }
        impl $crate::codec::Decode for $name {
            fn decode(r: &mut $crate::codec::Reader<'_>) -> Result<Self, $crate::codec::DecodeError> {
                Ok(Self($crate::codec::Decode::decode(r)?))
            }
            // The inner type's vector decoding (sized once for integers),
            // wrapped in place.
            fn decode_elements(
                r: &mut $crate::codec::Reader<'_>,
            ) -> Result<Vec<Self>, $crate::codec::DecodeError> {
                Ok($crate::codec::Decode::decode_elements(r)?
                    .into_iter()
                    .map(Self)
                    .collect())
            }
        }
    )*};
}

/// Implements [`Encode`] and [`Decode`] for a fieldless enum whose variants
/// have explicit discriminants: the closed `select` discriminants of the
/// RFC (content type, sender type, ...). Decoding a value that names no
/// variant fails with [`DecodeError::UnknownValue`].
///
/// ```text
/// codec_enum!(ContentType: u8, ContentType { Application, Proposal, Commit });
/// ```
#[macro_export]
#[doc(hidden)]
macro_rules! codec_enum {
    ($name:ident : $repr:ty, $field:ident { $($variant:ident),+ $(,)? }) => {
        impl $name {
            /// The value on the wire.
            pub const fn to_wire(self) -> $repr {
                self as $repr
            }

            /// The variant with wire value `value`, if there is one.
            pub const fn from_wire(value: $repr) -> Option<Self> {
                $(
                    if value == Self::$variant as $repr {
                        return Some(Self::$variant);
                    }
                )+
                None
            }
        }
        impl $crate::codec::Encode for $name {
            fn encode(&self, out: &mut Vec<u8>) -> Result<(), $crate::codec::EncodeError> {
                $crate::codec::Encode::encode(&self.to_wire(), out)
            }
        }
        impl $crate::codec::Decode for $name {
            fn decode(r: &mut $crate::codec::Reader<'_>) -> Result<Self, $crate::codec::DecodeError> {
                let value = <$repr as $crate::codec::Decode>::decode(r)?;
                Self::from_wire(value).ok_or($crate::codec::DecodeError::UnknownValue {
                    field: $crate::codec::Field::$field,
                    value: u64::from(value),
                })
            }
        }
    };
}

#[cfg(test)]
mod tests;
