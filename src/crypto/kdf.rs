//! Labeled key derivation and hash references (RFC 9420 §5.2, §8).

use super::{CryptoError, Secret, SuiteCrypto};
use crate::codec::{EncodeError, encode_opaque, write_varint};

/// The prefix of every MLS label (RFC 9420 §5.1.2, §8).
pub(crate) const LABEL_PREFIX: &[u8] = b"MLS 1.0 ";

/// Encodes `opaque label<V> = "MLS 1.0 " + label` followed by
/// `opaque content<V>`: the shape of `KDFLabel` (without its length),
/// `SignContent` and `EncryptContext`.
// RFC 9420 §5.1.2, R-5.1.2-02
pub(crate) fn labeled_content(
    label: &[u8],
    content: &[u8],
    out: &mut Vec<u8>,
) -> Result<(), CryptoError> {
    encode_label(label, out).map_err(|_| CryptoError::Encoding)?;
    encode_opaque(content, out).map_err(|_| CryptoError::Encoding)
}

/// Encodes `opaque label<V> = "MLS 1.0 " + label`, the first field of
/// every labeled structure.
pub(crate) fn encode_label(label: &[u8], out: &mut Vec<u8>) -> Result<(), EncodeError> {
    let label_len = LABEL_PREFIX.len().saturating_add(label.len());
    write_varint(label_len, out)?;
    out.extend_from_slice(LABEL_PREFIX);
    out.extend_from_slice(label);
    Ok(())
}

impl SuiteCrypto<'_> {
    /// `ExpandWithLabel(secret, label, context, length)` (RFC 9420 §8):
    ///
    /// ```text
    /// struct {
    ///     uint16 length;
    ///     opaque label<V>;   // "MLS 1.0 " + Label
    ///     opaque context<V>;
    /// } KDFLabel;
    /// ```
    pub fn expand_with_label(
        &self,
        secret: &[u8],
        label: &str,
        context: &[u8],
        length: u16,
    ) -> Result<Secret, CryptoError> {
        let mut info =
            Vec::with_capacity(2 + 1 + LABEL_PREFIX.len() + label.len() + 5 + context.len());
        info.extend_from_slice(&length.to_be_bytes());
        labeled_content(label.as_bytes(), context, &mut info)?;
        self.expand(secret, &info, usize::from(length))
    }

    /// `DeriveSecret(secret, label) = ExpandWithLabel(secret, label, "", Nh)`
    /// (RFC 9420 §8).
    pub fn derive_secret(&self, secret: &[u8], label: &str) -> Result<Secret, CryptoError> {
        self.expand_with_label(secret, label, &[], self.hash_len_u16()?)
    }

    /// `DeriveTreeSecret(secret, label, generation, length) =
    /// ExpandWithLabel(secret, label, generation, length)`, with the
    /// generation encoded as a `uint32` (RFC 9420 §9).
    pub fn derive_tree_secret(
        &self,
        secret: &[u8],
        label: &str,
        generation: u32,
        length: u16,
    ) -> Result<Secret, CryptoError> {
        self.expand_with_label(secret, label, &generation.to_be_bytes(), length)
    }

    /// `RefHash(label, value) = Hash(RefHashInput)` (RFC 9420 §5.2), where
    /// the label is used as given (no "MLS 1.0 " prefix is added):
    ///
    /// ```text
    /// struct {
    ///   opaque label<V>;
    ///   opaque value<V>;
    /// } RefHashInput;
    /// ```
    pub fn ref_hash(&self, label: &[u8], value: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let mut input = Vec::with_capacity(label.len() + value.len() + 8);
        encode_opaque(label, &mut input).map_err(|_| CryptoError::Encoding)?;
        encode_opaque(value, &mut input).map_err(|_| CryptoError::Encoding)?;
        self.hash(&input)
    }

    /// `MakeKeyPackageRef(value)` (RFC 9420 §5.2) over an encoded KeyPackage.
    // RFC 9420 §5.2, R-5.2-01
    pub fn key_package_ref(&self, encoded_key_package: &[u8]) -> Result<Vec<u8>, CryptoError> {
        self.ref_hash(b"MLS 1.0 KeyPackage Reference", encoded_key_package)
    }

    /// `MakeProposalRef(value)` (RFC 9420 §5.2) over an encoded
    /// AuthenticatedContent carrying a proposal.
    // RFC 9420 §5.2, R-5.2-01
    pub fn proposal_ref(
        &self,
        encoded_authenticated_content: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        self.ref_hash(b"MLS 1.0 Proposal Reference", encoded_authenticated_content)
    }

    /// `Nh` as the `uint16` length `ExpandWithLabel` takes.
    pub(crate) fn hash_len_u16(&self) -> Result<u16, CryptoError> {
        u16::try_from(self.hash_len()).map_err(|_| CryptoError::KdfOutputTooLong(self.hash_len()))
    }
}
