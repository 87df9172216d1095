//! The sender data key and nonce (RFC 9420 §6.3.2).

use crate::crypto::KeyNonce;
use crate::crypto::{Secret, SuiteCrypto};
use crate::error::Error;

/// The key and nonce that encrypt a PrivateMessage's SenderData
/// (RFC 9420 §6.3.2), from the epoch's `sender_data_secret` and the
/// message's (content) `ciphertext`:
///
/// ```text
/// ciphertext_sample = ciphertext[0..KDF.Nh-1]
///
/// sender_data_key = ExpandWithLabel(sender_data_secret, "key",
///                       ciphertext_sample, AEAD.Nk)
/// sender_data_nonce = ExpandWithLabel(sender_data_secret, "nonce",
///                       ciphertext_sample, AEAD.Nn)
/// ```
///
/// The sample is the first `KDF.Nh` bytes of the ciphertext, or all of it
/// when it is shorter.
// RFC 9420 §6.3.2, R-6.3.2-02
pub fn sender_data_key_nonce(
    suite: &SuiteCrypto<'_>,
    sender_data_secret: &Secret,
    ciphertext: &[u8],
) -> Result<KeyNonce, Error> {
    let sample = ciphertext.get(..suite.hash_len()).unwrap_or(ciphertext);
    let params = suite.params();
    let nk = u16::try_from(params.aead_key_len())
        .map_err(|_| Error::Internal("AEAD key length does not fit a uint16"))?;
    let nn = u16::try_from(params.aead_nonce_len())
        .map_err(|_| Error::Internal("AEAD nonce length does not fit a uint16"))?;
    let key = suite.expand_with_label(sender_data_secret.as_bytes(), "key", sample, nk)?;
    let nonce = suite.expand_with_label(sender_data_secret.as_bytes(), "nonce", sample, nn)?;
    Ok(KeyNonce::new(key, nonce))
}
