//! Labeled signatures (RFC 9420 §5.1.2).

use super::kdf::{encode_label, labeled_content};
use super::{
    CryptoError, FailedCheck, SignatureCheck, SignaturePrivateKey, SignaturePublicKey, SuiteCrypto,
};
use crate::codec::{EncodeError, encode_vector};
use crate::error::Error;

impl SuiteCrypto<'_> {
    /// `SignWithLabel(key, label, content)` (RFC 9420 §5.1.2): signs
    ///
    /// ```text
    /// struct {
    ///     opaque label<V>;   // "MLS 1.0 " + Label
    ///     opaque content<V>;
    /// } SignContent;
    /// ```
    // RFC 9420 §5.1.2, R-5.1.2-02
    pub fn sign_with_label(
        &self,
        key: &SignaturePrivateKey,
        label: &str,
        content: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        let message = sign_content(label, content)?;
        self.provider.sign(self.suite, key, &message)
    }

    /// `VerifyWithLabel(key, label, content, signature)` (RFC 9420 §5.1.2).
    // RFC 9420 §5.1.2, R-5.1.2-02
    pub fn verify_with_label(
        &self,
        key: &SignaturePublicKey,
        label: &str,
        content: &[u8],
        signature: &[u8],
    ) -> Result<(), CryptoError> {
        let message = sign_content(label, content)?;
        self.provider.verify(self.suite, key, &message, signature)
    }

    /// [`verify_with_label`](Self::verify_with_label) with the crate's one
    /// mapping of a failed signature: a signature that does not verify is
    /// `invalid` (the caller's error naming what was signed); any other
    /// failure, such as an unusable key, stays the [`CryptoError`].
    pub fn verify_with_label_or(
        &self,
        key: &SignaturePublicKey,
        label: &str,
        content: &[u8],
        signature: &[u8],
        invalid: impl Into<Error>,
    ) -> Result<(), Error> {
        match self.verify_with_label(key, label, content, signature) {
            Ok(()) => Ok(()),
            Err(CryptoError::InvalidSignature) => Err(invalid.into()),
            Err(e) => Err(e.into()),
        }
    }

    /// `VerifyWithLabel(key, label, content, signature)` (RFC 9420 §5.1.2)
    /// of each `(key, content, signature)` of `items`, all under `label`,
    /// through the provider's
    /// [`verify_many`](super::CryptoProvider::verify_many): `Ok(())` if
    /// every signature verifies, otherwise the first item, in order, whose
    /// [`verify_with_label`](Self::verify_with_label) fails, with that
    /// call's error.
    pub fn verify_with_label_many(
        &self,
        label: &str,
        items: &[(&SignaturePublicKey, &[u8], &[u8])],
    ) -> Result<(), FailedCheck> {
        let mut messages = Vec::with_capacity(items.len());
        let mut encoding_failure = None;
        for (index, (_, content, _)) in items.iter().enumerate() {
            match sign_content(label, content) {
                Ok(message) => messages.push(message),
                Err(error) => {
                    encoding_failure = Some(FailedCheck { index, error });
                    break;
                }
            }
        }
        let checks: Vec<SignatureCheck<'_>> = items
            .iter()
            .zip(&messages)
            .map(|((public_key, _, signature), message)| SignatureCheck {
                public_key,
                message,
                signature,
            })
            .collect();
        self.provider.verify_many(self.suite, &checks)?;
        encoding_failure.map_or(Ok(()), Err)
    }

    /// The provider's [`verify_many`](super::CryptoProvider::verify_many)
    /// of signatures over messages already encoded as `SignContent` (see
    /// [`encode_sign_content`]).
    pub(crate) fn verify_many(&self, checks: &[SignatureCheck<'_>]) -> Result<(), FailedCheck> {
        self.provider.verify_many(self.suite, checks)
    }

    /// Checks that `private` and `public` form a key pair.
    pub fn signature_keys_match(
        &self,
        private: &SignaturePrivateKey,
        public: &SignaturePublicKey,
    ) -> Result<bool, CryptoError> {
        Ok(self.provider.signature_public_key(self.suite, private)? == *public)
    }
}

/// Appends `SignContent(label, content)` (RFC 9420 §5.1.2) to `out`, the
/// content written in place by `content`.
pub(crate) fn encode_sign_content(
    label: &str,
    out: &mut Vec<u8>,
    content: impl FnOnce(&mut Vec<u8>) -> Result<(), EncodeError>,
) -> Result<(), EncodeError> {
    encode_label(label.as_bytes(), out)?;
    encode_vector(out, content)
}

fn sign_content(label: &str, content: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let mut message = Vec::with_capacity(label.len() + content.len() + 16);
    labeled_content(label.as_bytes(), content, &mut message)?;
    Ok(message)
}
