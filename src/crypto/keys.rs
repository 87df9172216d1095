//! Key types (RFC 9420 §5.1.1) and the HPKE ciphertext structure (§7.6).

use std::sync::OnceLock;

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
///
/// It also keeps the Ed25519 public key of its seed once the crate's
/// provider has derived it ([`RustCryptoProvider`](super::RustCryptoProvider)
/// signs with it instead of deriving it again, a scalar multiplication per
/// signature). That key follows from the seed: it is not part of the
/// value, its encoding or its equality.
#[derive(Clone)]
pub struct SignaturePrivateKey {
    secret: Secret,
    ed25519_public: OnceLock<[u8; 32]>,
}

impl SignaturePrivateKey {
    fn wrap(secret: Secret) -> Self {
        Self {
            secret,
            ed25519_public: OnceLock::new(),
        }
    }

    fn secret(&self) -> &Secret {
        &self.secret
    }

    /// The Ed25519 public key of this key's bytes as a seed, derived by
    /// `derive` the first time (RFC 8032 §5.1.5) and kept. Only the crate's
    /// provider calls it, with the derivation from these same bytes, so the
    /// key kept is always this seed's.
    pub(crate) fn ed25519_public<E>(
        &self,
        derive: impl FnOnce(&[u8]) -> Result<[u8; 32], E>,
    ) -> Result<[u8; 32], E> {
        if let Some(public) = self.ed25519_public.get() {
            return Ok(*public);
        }
        let public = derive(self.secret.as_bytes())?;
        Ok(*self.ed25519_public.get_or_init(|| public))
    }
}

impl core::fmt::Debug for SignaturePrivateKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_tuple("SignaturePrivateKey")
            .field(&self.secret)
            .finish()
    }
}

impl PartialEq for SignaturePrivateKey {
    fn eq(&self, other: &Self) -> bool {
        self.secret == other.secret
    }
}

impl Eq for SignaturePrivateKey {}

impl HpkePrivateKey {
    fn wrap(secret: Secret) -> Self {
        Self(secret)
    }

    fn secret(&self) -> &Secret {
        &self.0
    }
}

macro_rules! private_key {
    ($($t:ident),*) => {$(
        impl $t {
            /// Wraps already-normalized key bytes. Use the provider's
            /// `import_*` functions for keys from outside the crate: they
            /// check the length and the value.
            pub fn from_secret(secret: Secret) -> Self {
                Self::wrap(secret)
            }

            /// The serialized key.
            pub fn as_bytes(&self) -> &[u8] {
                self.secret().as_bytes()
            }
        }

        impl Encode for $t {
            fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
                self.secret().encode(out)
            }

            fn encoded_len(&self) -> Result<usize, EncodeError> {
                self.secret().encoded_len()
            }
        }

        impl Decode for $t {
            fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
                Ok(Self::wrap(Secret::decode(r)?))
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
