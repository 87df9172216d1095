//! GroupInfo (RFC 9420 §12.4.3).

use crate::codec::{Decode, DecodeError, Encode, EncodeError, Reader};
use crate::crypto::{SignaturePrivateKey, SuiteCrypto};
use crate::error::Error;
use crate::messages::{Extensions, GroupContext};
use crate::tree::LeafIndex;

/// The signed description of a group's epoch that joiners need (RFC 9420
/// §12.4.3).
///
/// ```text
/// struct {
///     GroupContext group_context;
///     Extension extensions<V>;
///     MAC confirmation_tag;
///     uint32 signer;
///     /* SignWithLabel(., "GroupInfoTBS", GroupInfoTBS) */
///     opaque signature<V>;
/// } GroupInfo;
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GroupInfo {
    /// The group's context in this epoch.
    pub group_context: GroupContext,
    /// GroupInfo extensions (ratchet_tree, external_pub, ...).
    pub extensions: Extensions,
    /// The epoch's confirmation tag (`opaque MAC<V>`).
    pub confirmation_tag: Vec<u8>,
    /// The leaf of the member that signed.
    pub signer: LeafIndex,
    /// `SignWithLabel(., "GroupInfoTBS", GroupInfoTBS)` by the signer.
    pub signature: Vec<u8>,
}

impl GroupInfo {
    fn encode_tbs(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        self.group_context.encode(out)?;
        self.extensions.encode(out)?;
        self.confirmation_tag.encode(out)?;
        self.signer.encode(out)
    }

    /// The encoded GroupInfoTBS, the content the signature covers
    /// (RFC 9420 §12.4.3): every field but the signature.
    ///
    /// ```text
    /// struct {
    ///     GroupContext group_context;
    ///     Extension extensions<V>;
    ///     MAC confirmation_tag;
    ///     uint32 signer;
    /// } GroupInfoTBS;
    /// ```
    pub fn tbs_bytes(&self) -> Result<Vec<u8>, EncodeError> {
        let mut out = Vec::new();
        self.encode_tbs(&mut out)?;
        Ok(out)
    }

    /// Signs the GroupInfo as `signer`: `signature = SignWithLabel(.,
    /// "GroupInfoTBS", GroupInfoTBS)` (RFC 9420 §12.4.3).
    pub fn sign(
        &mut self,
        crypto: &SuiteCrypto<'_>,
        signer: &SignaturePrivateKey,
    ) -> Result<(), Error> {
        self.signature = crypto.sign_with_label(signer, TBS_LABEL, &self.tbs_bytes()?)?;
        Ok(())
    }
}

/// The label of GroupInfo signatures (RFC 9420 §12.4.3).
pub(crate) const TBS_LABEL: &str = "GroupInfoTBS";

impl Encode for GroupInfo {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        self.encode_tbs(out)?;
        self.signature.encode(out)
    }
}

impl Decode for GroupInfo {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            group_context: Decode::decode(r)?,
            extensions: Decode::decode(r)?,
            confirmation_tag: Decode::decode(r)?,
            signer: Decode::decode(r)?,
            signature: Decode::decode(r)?,
        })
    }
}
