//! Secret byte strings: zeroized on drop, redacted in `Debug`, compared in
//! constant time.

use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::codec::{
    Decode, DecodeError, Encode, EncodeError, InvalidField, Reader, encode_opaque, vector_len,
};

/// Secret key material.
///
/// The bytes are wiped when the value is dropped, `Debug` prints only the
/// length, and equality is constant-time.
#[derive(Clone, Default)]
// RFC 9420 §7.5, §9.2: zeroized on drop, R-7.5-05
pub struct Secret(Zeroizing<Vec<u8>>);

impl Secret {
    /// Takes ownership of `bytes` as a secret.
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// Copies `bytes` into a new secret, allocated once at its exact size.
    pub fn from_slice(bytes: &[u8]) -> Self {
        Self(Zeroizing::new(bytes.to_vec()))
    }

    /// A secret of `len` zero bytes (RFC 9420 §8 uses these as defaults).
    pub fn zero(len: usize) -> Self {
        Self(Zeroizing::new(vec![0u8; len]))
    }

    /// The secret bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The secret bytes, for writing a freshly derived value in place.
    pub(crate) fn as_mut_bytes(&mut self) -> &mut [u8] {
        &mut self.0
    }

    /// The length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the secret is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl core::fmt::Debug for Secret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Secret({} bytes, redacted)", self.0.len())
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_slice().ct_eq(other.0.as_slice()).into()
    }
}

impl Eq for Secret {}

impl AsRef<[u8]> for Secret {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// Encoded as `opaque<V>`, for structures that carry secrets on the wire
/// inside encryption (GroupSecrets, RFC 9420 §12.4.3.1) and for state export.
///
/// The bytes are copied into `out`, a plain `Vec<u8>` that the caller owns
/// and should wipe (for example by building it as a
/// `zeroize::Zeroizing<Vec<u8>>`). If `out` has to grow while it is being
/// written, its old buffer is freed without being wiped and keeps a copy
/// of what was written so far: reserve enough capacity first when encoding
/// secret-bearing state.
impl Encode for Secret {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        encode_opaque(&self.0, out)
    }

    fn encoded_len(&self) -> Result<usize, EncodeError> {
        vector_len(self.0.len())
    }
}

impl Decode for Secret {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self::from_slice(r.read_opaque()?))
    }
}

/// An AEAD key and nonce: one step of a hash ratchet (RFC 9420 §9.1), the
/// sender data key and nonce (§6.3.2), or the Welcome key and nonce
/// (§12.4.3.1).
///
/// Both are zeroized on drop and redacted in `Debug`. The nonce is the one
/// the key schedule produced; for PrivateMessage content it still has to be
/// combined with the reuse guard ([`KeyNonce::nonce_with_reuse_guard`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyNonce {
    key: Secret,
    nonce: Secret,
}

impl KeyNonce {
    /// Pairs a key with a nonce.
    pub fn new(key: Secret, nonce: Secret) -> Self {
        Self { key, nonce }
    }

    /// The AEAD key (`AEAD.Nk` bytes).
    pub fn key(&self) -> &Secret {
        &self.key
    }

    /// The AEAD nonce (`AEAD.Nn` bytes).
    pub fn nonce(&self) -> &Secret {
        &self.nonce
    }

    /// The nonce with its first four bytes XORed with `reuse_guard`, as
    /// PrivateMessage content encryption uses it (RFC 9420 §6.3.1).
    // RFC 9420 §6.3.1, R-6.3.1-03
    pub fn nonce_with_reuse_guard(&self, reuse_guard: [u8; 4]) -> Secret {
        let mut nonce = self.nonce.as_bytes().to_vec();
        for (n, g) in nonce.iter_mut().zip(reuse_guard) {
            *n ^= g;
        }
        Secret::new(nonce)
    }
}

/// The longest symmetric secret that decoding exported state accepts.
///
/// Every hash output, AEAD key and AEAD nonce of the RFC 9420 suites is at
/// most 64 bytes; the bound leaves room for others and still rejects a
/// corrupted length long before it costs anything.
pub(crate) const MAX_STATE_SECRET_LEN: usize = 255;

/// Checks, while decoding exported state, that the values of one kind (the
/// secrets of one tree, the HPKE private keys of one member, ...) all have
/// the same length, which is non-zero and at most a maximum.
///
/// Exported state is not a wire format of RFC 9420; one group uses one
/// cipher suite, so values of one kind that differ in length are corrupt.
#[derive(Debug)]
pub(crate) struct UniformLength {
    what: InvalidField,
    max: usize,
    len: Option<usize>,
}

impl UniformLength {
    /// Lengths of `what`, which names the kind in
    /// [`DecodeError::Invalid`], from 1 to `max` bytes.
    pub(crate) const fn new(what: InvalidField, max: usize) -> Self {
        Self {
            what,
            max,
            len: None,
        }
    }

    /// Accepts `len` if it is in range and equal to every earlier one.
    pub(crate) fn check(&mut self, len: usize) -> Result<(), DecodeError> {
        let first = *self.len.get_or_insert(len);
        if len == 0 || len > self.max || len != first {
            return Err(DecodeError::Invalid(self.what));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_bytes() {
        let s = Secret::from_slice(&[0xAB; 4]);
        let shown = format!("{s:?}");
        assert_eq!(shown, "Secret(4 bytes, redacted)");
        assert!(!shown.to_lowercase().contains("ab"));
    }

    #[test]
    fn equality_compares_contents() {
        assert_eq!(Secret::from_slice(b"abc"), Secret::from_slice(b"abc"));
        assert_ne!(Secret::from_slice(b"abc"), Secret::from_slice(b"abd"));
        assert_ne!(Secret::from_slice(b"abc"), Secret::from_slice(b"ab"));
    }

    #[test]
    fn uniform_length_rejects_empty_long_and_differing() {
        let x = InvalidField::EpochSecretLength;
        let bad = Err(DecodeError::Invalid(x));
        assert_eq!(UniformLength::new(x, 4).check(0), bad);
        assert_eq!(UniformLength::new(x, 4).check(5), bad);
        let mut lengths = UniformLength::new(x, 4);
        assert_eq!(lengths.check(3), Ok(()));
        assert_eq!(lengths.check(3), Ok(()));
        assert_eq!(lengths.check(2), bad);
        assert_eq!(lengths.check(4), bad);
    }
}
