//! Sender data and its encryption (RFC 9420 §6.3.2).

use crate::codec::{Encode, decode_exact};
use crate::crypto::{CryptoError, Secret, SuiteCrypto};
use crate::error::Error;
use crate::framing::FramingError;
use crate::framing::content::ContentType;
use crate::key_schedule::sender_data_key_nonce;
use crate::tree::LeafIndex;

/// Who sent a PrivateMessage, and with which key (RFC 9420 §6.3.2).
///
/// ```text
/// struct {
///     uint32 leaf_index;
///     uint32 generation;
///     opaque reuse_guard[4];
/// } SenderData;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SenderData {
    /// The sender's leaf.
    pub leaf_index: LeafIndex,
    /// The generation of the key in the sender's ratchet.
    pub generation: u32,
    /// Random bytes XORed into the first four bytes of the nonce.
    pub reuse_guard: [u8; 4],
}

crate::codec_struct!(SenderData {
    leaf_index,
    generation,
    reuse_guard
});

/// The additional data of the sender data encryption (RFC 9420 §6.3.2).
///
/// ```text
/// struct {
///     opaque group_id<V>;
///     uint64 epoch;
///     ContentType content_type;
/// } SenderDataAAD;
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SenderDataAad {
    /// The PrivateMessage's group ID.
    pub group_id: Vec<u8>,
    /// Its epoch.
    pub epoch: u64,
    /// Its content type.
    pub content_type: ContentType,
}

crate::codec_struct!(SenderDataAad {
    group_id,
    epoch,
    content_type
});

impl SenderData {
    /// Encrypts the sender data of a PrivateMessage whose (content)
    /// `ciphertext` is already computed (RFC 9420 §6.3.2): AEAD under the
    /// `sender_data_key` and `sender_data_nonce` derived from
    /// `sender_data_secret` and the ciphertext sample
    /// ([`sender_data_key_nonce`]), with `aad` the encoded SenderDataAAD.
    // RFC 9420 §6.3.2, §15.2, R-6.3.1-05
    pub fn encrypt(
        &self,
        suite: &SuiteCrypto<'_>,
        sender_data_secret: &Secret,
        aad: &[u8],
        ciphertext: &[u8],
    ) -> Result<Vec<u8>, Error> {
        let key_nonce = sender_data_key_nonce(suite, sender_data_secret, ciphertext)?;
        let plaintext = self.to_bytes()?;
        Ok(suite.aead_seal(
            key_nonce.key().as_bytes(),
            key_nonce.nonce().as_bytes(),
            aad,
            &plaintext,
        )?)
    }

    /// Decrypts and decodes `encrypted_sender_data`, the reverse of
    /// [`SenderData::encrypt`] (RFC 9420 §6.3.2).
    ///
    /// Fails with [`FramingError::SenderDataDecryptionFailed`] if the AEAD
    /// rejects it (a changed sender data, ciphertext sample or SenderDataAAD,
    /// or another epoch's secret), and with a
    /// [`DecodeError`](crate::codec::DecodeError) if the plaintext is not
    /// exactly a SenderData. Whether the leaf is a member is for the caller.
    pub fn decrypt(
        suite: &SuiteCrypto<'_>,
        sender_data_secret: &Secret,
        aad: &[u8],
        ciphertext: &[u8],
        encrypted_sender_data: &[u8],
    ) -> Result<Self, Error> {
        let key_nonce = sender_data_key_nonce(suite, sender_data_secret, ciphertext)?;
        let plaintext = suite
            .aead_open(
                key_nonce.key().as_bytes(),
                key_nonce.nonce().as_bytes(),
                aad,
                encrypted_sender_data,
            )
            .map_err(|e| match e {
                CryptoError::DecryptionFailed => {
                    Error::Framing(FramingError::SenderDataDecryptionFailed)
                }
                other => Error::Crypto(other),
            })?;
        Ok(decode_exact(&plaintext)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::{CipherSuite, RustCryptoProvider};

    #[test]
    fn encoding_and_round_trip() {
        let sd = SenderData {
            leaf_index: LeafIndex(1),
            generation: 2,
            reuse_guard: [3; 4],
        };
        assert_eq!(sd.to_bytes().unwrap(), [0, 0, 0, 1, 0, 0, 0, 2, 3, 3, 3, 3]);

        let provider = RustCryptoProvider;
        let suite = SuiteCrypto::new(
            &provider,
            CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519,
        )
        .unwrap();
        let secret = Secret::from_slice(&[7; 32]);
        let enc = sd.encrypt(&suite, &secret, b"aad", b"ct").unwrap();
        assert_eq!(enc.len(), 12 + 16);
        assert_eq!(
            SenderData::decrypt(&suite, &secret, b"aad", b"ct", &enc),
            Ok(sd)
        );
        // The key depends on the ciphertext sample.
        assert_eq!(
            SenderData::decrypt(&suite, &secret, b"aad", b"cu", &enc),
            Err(Error::Framing(FramingError::SenderDataDecryptionFailed))
        );
        assert_eq!(
            SenderData::decrypt(&suite, &secret, b"aae", b"ct", &enc),
            Err(Error::Framing(FramingError::SenderDataDecryptionFailed))
        );
    }
}
