//! Key types (RFC 9420 §5.1.1) and the HPKE ciphertext structure (§7.6).

use super::Secret;
use crate::codec::{Decode, DecodeError, Encode, EncodeError, Reader};

/// `opaque HPKEPublicKey<V>` (RFC 9420 §5.1.1): a serialized KEM public key
/// in the format RFC 9180 §4 defines for the suite's KEM.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct HpkePublicKey(pub Vec<u8>);

/// `opaque SignaturePublicKey<V>` (RFC 9420 §5.1.1): an RFC 8032 key for
/// EdDSA, an uncompressed SEC1 point for ECDSA.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct SignaturePublicKey(pub Vec<u8>);

crate::codec_newtype!(HpkePublicKey, SignaturePublicKey);

impl AsRef<[u8]> for HpkePublicKey {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl AsRef<[u8]> for SignaturePublicKey {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// An HPKE private key, serialized with the KEM's `SerializePrivateKey`
/// (RFC 9180 §7.1.2). Zeroized on drop; `Debug` is redacted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HpkePrivateKey(Secret);

/// A signature private key: the RFC 8032 seed for EdDSA, the big-endian
/// scalar for ECDSA. Zeroized on drop; `Debug` is redacted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignaturePrivateKey(Secret);

macro_rules! private_key {
    ($($t:ident),*) => {$(
        impl $t {
            /// Wraps already-normalized key bytes. Use the provider's
            /// `import_*` functions for keys from outside the crate: they
            /// check the length and the value.
            pub fn from_secret(secret: Secret) -> Self {
                Self(secret)
            }

            /// The serialized key.
            pub fn as_bytes(&self) -> &[u8] {
                self.0.as_bytes()
            }
        }

        impl Encode for $t {
            fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
                self.0.encode(out)
            }

            fn encoded_len(&self) -> Result<usize, EncodeError> {
                self.0.encoded_len()
            }
        }

        impl Decode for $t {
            fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
                Ok(Self(Secret::decode(r)?))
            }
        }
    )*};
}
private_key!(HpkePrivateKey, SignaturePrivateKey);

/// An HPKE ciphertext (RFC 9420 §7.6).
///
/// ```text
/// struct {
///     opaque kem_output<V>;
///     opaque ciphertext<V>;
/// } HPKECiphertext;
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HpkeCiphertext {
    /// The KEM encapsulation (`enc`).
    pub kem_output: Vec<u8>,
    /// The AEAD ciphertext, tag included.
    pub ciphertext: Vec<u8>,
}

crate::codec_struct!(HpkeCiphertext {
    kem_output,
    ciphertext
});
