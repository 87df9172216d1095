//! Cipher suites and the algorithms they name (RFC 9420 §5.1, §17.1).

use crate::codec::{Decode, DecodeError, Encode, EncodeError, Reader};

/// An MLS cipher suite code point (RFC 9420 §17.1).
///
/// Unknown values, GREASE included (§13.5), are representable and
/// round-trip through the codec; [`CipherSuite::params`] tells whether the
/// suite is one this crate implements.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
// RFC 9420 §17.1, R-17.1-01
pub struct CipherSuite(pub u16);

impl CipherSuite {
    /// Suite 1: DHKEM(X25519, HKDF-SHA256), AES-128-GCM, SHA-256, Ed25519.
    pub const MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519: Self = Self(0x0001);
    /// Suite 2: DHKEM(P-256, HKDF-SHA256), AES-128-GCM, SHA-256, ECDSA P-256.
    pub const MLS_128_DHKEMP256_AES128GCM_SHA256_P256: Self = Self(0x0002);
    /// Suite 3: DHKEM(X25519, HKDF-SHA256), ChaCha20Poly1305, SHA-256, Ed25519.
    pub const MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_ED25519: Self = Self(0x0003);
    /// Suite 4: DHKEM(X448, HKDF-SHA512), AES-256-GCM, SHA-512, Ed448.
    pub const MLS_256_DHKEMX448_AES256GCM_SHA512_ED448: Self = Self(0x0004);
    /// Suite 5: DHKEM(P-521, HKDF-SHA512), AES-256-GCM, SHA-512, ECDSA P-521.
    pub const MLS_256_DHKEMP521_AES256GCM_SHA512_P521: Self = Self(0x0005);
    /// Suite 6: DHKEM(X448, HKDF-SHA512), ChaCha20Poly1305, SHA-512, Ed448.
    pub const MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_ED448: Self = Self(0x0006);
    /// Suite 7: DHKEM(P-384, HKDF-SHA384), AES-256-GCM, SHA-384, ECDSA P-384.
    pub const MLS_256_DHKEMP384_AES256GCM_SHA384_P384: Self = Self(0x0007);

    /// The seven suites RFC 9420 defines, all implemented by this crate.
    pub const ALL: [Self; 7] = [
        Self::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519,
        Self::MLS_128_DHKEMP256_AES128GCM_SHA256_P256,
        Self::MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_ED25519,
        Self::MLS_256_DHKEMX448_AES256GCM_SHA512_ED448,
        Self::MLS_256_DHKEMP521_AES256GCM_SHA512_P521,
        Self::MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_ED448,
        Self::MLS_256_DHKEMP384_AES256GCM_SHA384_P384,
    ];

    /// The algorithms and sizes of this suite, or `None` for a suite this
    /// crate does not know.
    pub const fn params(self) -> Option<SuiteParams> {
        use AeadId as A;
        use KdfId as H;
        use KemId as K;
        use SignatureScheme as S;
        let (kem, kdf, aead, signature) = match self.0 {
            1 => (
                K::DHKEM_X25519_SHA256,
                H::HKDF_SHA256,
                A::AES_128_GCM,
                S::ED25519,
            ),
            2 => (
                K::DHKEM_P256_SHA256,
                H::HKDF_SHA256,
                A::AES_128_GCM,
                S::ECDSA_SECP256R1_SHA256,
            ),
            3 => (
                K::DHKEM_X25519_SHA256,
                H::HKDF_SHA256,
                A::CHACHA20_POLY1305,
                S::ED25519,
            ),
            4 => (
                K::DHKEM_X448_SHA512,
                H::HKDF_SHA512,
                A::AES_256_GCM,
                S::ED448,
            ),
            5 => (
                K::DHKEM_P521_SHA512,
                H::HKDF_SHA512,
                A::AES_256_GCM,
                S::ECDSA_SECP521R1_SHA512,
            ),
            6 => (
                K::DHKEM_X448_SHA512,
                H::HKDF_SHA512,
                A::CHACHA20_POLY1305,
                S::ED448,
            ),
            7 => (
                K::DHKEM_P384_SHA384,
                H::HKDF_SHA384,
                A::AES_256_GCM,
                S::ECDSA_SECP384R1_SHA384,
            ),
            _ => return None,
        };
        Some(SuiteParams {
            kem,
            kdf,
            aead,
            signature,
        })
    }
}

impl core::fmt::Debug for CipherSuite {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "CipherSuite({:#06x})", self.0)
    }
}

impl Encode for CipherSuite {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        self.0.encode(out)
    }
}

impl Decode for CipherSuite {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self(r.read_u16()?))
    }

    // `u16`'s vector decoding (sized once), wrapped in place.
    fn decode_elements(r: &mut Reader<'_>) -> Result<Vec<Self>, DecodeError> {
        Ok(u16::decode_elements(r)?.into_iter().map(Self).collect())
    }
}

/// The algorithms a cipher suite names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SuiteParams {
    /// The HPKE KEM.
    pub kem: KemId,
    /// The HPKE KDF, also MLS's KDF, hash and MAC (HMAC over the same hash).
    pub kdf: KdfId,
    /// The HPKE AEAD, also MLS's AEAD.
    pub aead: AeadId,
    /// The signature scheme.
    pub signature: SignatureScheme,
}

impl SuiteParams {
    /// `Nh`: the output length of the suite's hash and KDF.
    pub const fn hash_len(&self) -> usize {
        self.kdf.hash_len()
    }

    /// `Nk`: the AEAD key length.
    pub const fn aead_key_len(&self) -> usize {
        self.aead.key_len()
    }

    /// `Nn`: the AEAD nonce length.
    pub const fn aead_nonce_len(&self) -> usize {
        self.aead.nonce_len()
    }
}

/// An HPKE KEM identifier (RFC 9180 §7.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KemId(pub u16);

impl KemId {
    /// DHKEM(P-256, HKDF-SHA256).
    pub const DHKEM_P256_SHA256: Self = Self(0x0010);
    /// DHKEM(P-384, HKDF-SHA384).
    pub const DHKEM_P384_SHA384: Self = Self(0x0011);
    /// DHKEM(P-521, HKDF-SHA512).
    pub const DHKEM_P521_SHA512: Self = Self(0x0012);
    /// DHKEM(X25519, HKDF-SHA256).
    pub const DHKEM_X25519_SHA256: Self = Self(0x0020);
    /// DHKEM(X448, HKDF-SHA512).
    pub const DHKEM_X448_SHA512: Self = Self(0x0021);

    /// `Nsecret`: the length of the KEM shared secret.
    pub const fn shared_secret_len(self) -> usize {
        match self.0 {
            0x0011 => 48,
            0x0012 | 0x0021 => 64,
            _ => 32,
        }
    }

    /// `Nsk`: the length of a serialized private key, which is also the
    /// length of the seed used to generate an ephemeral key pair.
    pub const fn private_key_len(self) -> usize {
        match self.0 {
            0x0011 => 48,
            0x0012 => 66,
            0x0021 => 56,
            _ => 32,
        }
    }

    /// `Npk`: the length of a serialized public key.
    pub const fn public_key_len(self) -> usize {
        match self.0 {
            0x0010 => 65,
            0x0011 => 97,
            0x0012 => 133,
            0x0021 => 56,
            _ => 32,
        }
    }

    /// The KDF DHKEM uses internally.
    pub const fn kdf(self) -> KdfId {
        match self.0 {
            0x0011 => KdfId::HKDF_SHA384,
            0x0012 | 0x0021 => KdfId::HKDF_SHA512,
            _ => KdfId::HKDF_SHA256,
        }
    }
}

/// An HPKE KDF identifier (RFC 9180 §7.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KdfId(pub u16);

impl KdfId {
    /// HKDF-SHA256.
    pub const HKDF_SHA256: Self = Self(0x0001);
    /// HKDF-SHA384.
    pub const HKDF_SHA384: Self = Self(0x0002);
    /// HKDF-SHA512.
    pub const HKDF_SHA512: Self = Self(0x0003);

    /// `Nh`: the hash output length.
    pub const fn hash_len(self) -> usize {
        match self.0 {
            0x0002 => 48,
            0x0003 => 64,
            _ => 32,
        }
    }
}

/// An HPKE AEAD identifier (RFC 9180 §7.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AeadId(pub u16);

impl AeadId {
    /// AES-128-GCM.
    pub const AES_128_GCM: Self = Self(0x0001);
    /// AES-256-GCM.
    pub const AES_256_GCM: Self = Self(0x0002);
    /// ChaCha20Poly1305.
    pub const CHACHA20_POLY1305: Self = Self(0x0003);

    /// `Nk`: the key length.
    pub const fn key_len(self) -> usize {
        match self.0 {
            0x0001 => 16,
            _ => 32,
        }
    }

    /// `Nn`: the nonce length.
    pub const fn nonce_len(self) -> usize {
        12
    }

    /// The authentication tag length.
    pub const fn tag_len(self) -> usize {
        16
    }
}

/// A TLS signature scheme code point (RFC 8446 §4.2.3) as used by MLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SignatureScheme(pub u16);

impl SignatureScheme {
    /// ECDSA over P-256 with SHA-256.
    pub const ECDSA_SECP256R1_SHA256: Self = Self(0x0403);
    /// ECDSA over P-384 with SHA-384.
    pub const ECDSA_SECP384R1_SHA384: Self = Self(0x0503);
    /// ECDSA over P-521 with SHA-512.
    pub const ECDSA_SECP521R1_SHA512: Self = Self(0x0603);
    /// Ed25519.
    pub const ED25519: Self = Self(0x0807);
    /// Ed448.
    pub const ED448: Self = Self(0x0808);
}
