//! Exported secrets (RFC 9420 §8.5).

use super::KeyScheduleError;
use crate::crypto::{Secret, SuiteCrypto};
use crate::error::Error;

/// `MLS-Exporter(label, context, length)` (RFC 9420 §8.5):
///
/// ```text
/// MLS-Exporter(Label, Context, Length) =
///        ExpandWithLabel(DeriveSecret(exporter_secret, Label),
///                          "exported", Hash(Context), Length)
/// ```
///
/// `label` is the application's label (RFC 9420 §17.8) without the
/// `"MLS 1.0 "` prefix, which is added as for every label. Fails with
/// [`KeyScheduleError::ExportTooLong`] when `length` does not fit the
/// `uint16` length of KDFLabel, before any derivation, and with
/// [`CryptoError::KdfOutputTooLong`] when it exceeds what the KDF can
/// produce (255 · `KDF.Nh` bytes for HKDF).
///
/// [`CryptoError::KdfOutputTooLong`]: crate::crypto::CryptoError::KdfOutputTooLong
// RFC 9420 §8.5, R-8.5-01
pub fn export(
    suite: &SuiteCrypto<'_>,
    exporter_secret: &Secret,
    label: &str,
    context: &[u8],
    length: usize,
) -> Result<Secret, Error> {
    let length = u16::try_from(length).map_err(|_| KeyScheduleError::ExportTooLong(length))?;
    let derived = suite.derive_secret(exporter_secret.as_bytes(), label)?;
    let context_hash = suite.hash(context)?;
    Ok(suite.expand_with_label(derived.as_bytes(), "exported", &context_hash, length)?)
}
