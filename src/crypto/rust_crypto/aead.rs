//! The AEADs of the MLS cipher suites (RFC 9420 §5.1, RFC 9180 §7.3):
//! AES-128-GCM, AES-256-GCM and ChaCha20Poly1305, all with 12-byte nonces
//! and 16-byte tags appended to the ciphertext (RFC 5116 §5.1, RFC 8439
//! §2.8).
//!
//! Each call keys the cipher afresh (the provider is stateless) and
//! encrypts in one buffer allocated at its final size.

use aes_gcm::aead::array::Array;
use aes_gcm::aead::array::typenum::{U12, U16};
use aes_gcm::aead::{AeadInOut, KeyInit};
use aes_gcm::{Aes128Gcm, Aes256Gcm};
use chacha20poly1305::ChaCha20Poly1305;
use zeroize::Zeroizing;

use crate::crypto::{AeadId, CryptoError};

/// `Nn`, the nonce length of all three AEADs.
pub(super) const NONCE_LEN: usize = 12;
/// The tag length of all three AEADs.
pub(super) const TAG_LEN: usize = 16;

/// One of the three AEADs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Aead {
    /// AES-128-GCM (AEAD id 0x0001).
    Aes128Gcm,
    /// AES-256-GCM (AEAD id 0x0002).
    Aes256Gcm,
    /// ChaCha20Poly1305 (AEAD id 0x0003).
    ChaCha20Poly1305,
}

impl Aead {
    /// The AEAD with HPKE identifier `id` (RFC 9180 §7.3), if supported.
    pub(super) const fn from_id(id: AeadId) -> Option<Self> {
        match id {
            AeadId::AES_128_GCM => Some(Self::Aes128Gcm),
            AeadId::AES_256_GCM => Some(Self::Aes256Gcm),
            AeadId::CHACHA20_POLY1305 => Some(Self::ChaCha20Poly1305),
            _ => None,
        }
    }

    /// `Nk`: the key length.
    pub(super) const fn key_len(self) -> usize {
        match self {
            Self::Aes128Gcm => 16,
            Self::Aes256Gcm | Self::ChaCha20Poly1305 => 32,
        }
    }

    /// `Seal(key, nonce, aad, pt)`: the ciphertext with the tag appended.
    pub(super) fn seal(
        self,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        plaintext: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        match self {
            Self::Aes128Gcm => seal::<Aes128Gcm>(key, nonce, aad, plaintext),
            Self::Aes256Gcm => seal::<Aes256Gcm>(key, nonce, aad, plaintext),
            Self::ChaCha20Poly1305 => seal::<ChaCha20Poly1305>(key, nonce, aad, plaintext),
        }
    }

    /// `Open(key, nonce, aad, ct)` of a ciphertext with its tag appended.
    /// Any failure of authentication, a ciphertext shorter than the tag
    /// included, is [`CryptoError::DecryptionFailed`].
    pub(super) fn open(
        self,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        ciphertext: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        match self {
            Self::Aes128Gcm => open::<Aes128Gcm>(key, nonce, aad, ciphertext),
            Self::Aes256Gcm => open::<Aes256Gcm>(key, nonce, aad, ciphertext),
            Self::ChaCha20Poly1305 => open::<ChaCha20Poly1305>(key, nonce, aad, ciphertext),
        }
    }
}

/// Keys the cipher and checks the nonce length.
fn keyed<A: KeyInit>(key: &[u8], nonce: &[u8]) -> Result<(A, Array<u8, U12>), CryptoError> {
    let cipher = A::new_from_slice(key).map_err(|_| CryptoError::InvalidLength {
        what: crate::crypto::LengthOf::AeadKey,
        expected: A::key_size(),
        got: key.len(),
    })?;
    let nonce = <[u8; NONCE_LEN]>::try_from(nonce).map_err(|_| CryptoError::InvalidLength {
        what: crate::crypto::LengthOf::AeadNonce,
        expected: NONCE_LEN,
        got: nonce.len(),
    })?;
    Ok((cipher, Array::from(nonce)))
}

fn seal<A>(key: &[u8], nonce: &[u8], aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, CryptoError>
where
    A: KeyInit + AeadInOut<NonceSize = U12, TagSize = U16>,
{
    let (cipher, nonce) = keyed::<A>(key, nonce)?;
    let total = plaintext
        .len()
        .checked_add(TAG_LEN)
        .ok_or(CryptoError::EncryptionFailed)?;
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(plaintext);
    let tag = cipher
        .encrypt_inout_detached(&nonce, aad, out.as_mut_slice().into())
        .map_err(|_| CryptoError::EncryptionFailed)?;
    out.extend_from_slice(&tag);
    Ok(out)
}

fn open<A>(key: &[u8], nonce: &[u8], aad: &[u8], ciphertext: &[u8]) -> Result<Vec<u8>, CryptoError>
where
    A: KeyInit + AeadInOut<NonceSize = U12, TagSize = U16>,
{
    let (cipher, nonce) = keyed::<A>(key, nonce)?;
    let body_len = ciphertext
        .len()
        .checked_sub(TAG_LEN)
        .ok_or(CryptoError::DecryptionFailed)?;
    let (body, tag) = ciphertext
        .split_at_checked(body_len)
        .ok_or(CryptoError::DecryptionFailed)?;
    let tag = <&Array<u8, U16>>::try_from(tag).map_err(|_| CryptoError::DecryptionFailed)?;
    // Wiped if authentication fails, whatever the cipher left in it.
    let mut out = Zeroizing::new(body.to_vec());
    cipher
        .decrypt_inout_detached(&nonce, aad, out.as_mut_slice().into(), tag)
        .map_err(|_| CryptoError::DecryptionFailed)?;
    Ok(core::mem::take(&mut *out))
}
