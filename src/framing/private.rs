//! PrivateMessage: signed and encrypted framing (RFC 9420 §6.3), with the
//! plaintext it encrypts (§6.3.1) and its sender data (§6.3.2).

use crate::codec::{DecodeError, Encode, EncodeError, Reader};
use crate::framing::content::{ContentType, FramedContentAuthData, FramedContentBody};
use crate::tree::LeafIndex;

/// A message whose content and sender are encrypted (RFC 9420 §6.3).
///
/// ```text
/// struct {
///     opaque group_id<V>;
///     uint64 epoch;
///     ContentType content_type;
///     opaque authenticated_data<V>;
///     opaque encrypted_sender_data<V>;
///     opaque ciphertext<V>;
/// } PrivateMessage;
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PrivateMessage {
    /// The group the message belongs to.
    pub group_id: Vec<u8>,
    /// The epoch it was sent in.
    pub epoch: u64,
    /// The type of the encrypted content.
    pub content_type: ContentType,
    /// Application data authenticated but not encrypted.
    pub authenticated_data: Vec<u8>,
    /// The [`SenderData`], encrypted with the sender data key and nonce.
    pub encrypted_sender_data: Vec<u8>,
    /// The [`PrivateMessageContent`], encrypted with a key and nonce of the
    /// sender's ratchet.
    pub ciphertext: Vec<u8>,
}

crate::codec_struct!(PrivateMessage {
    group_id,
    epoch,
    content_type,
    authenticated_data,
    encrypted_sender_data,
    ciphertext
});

impl PrivateMessage {
    /// The additional data of the sender data encryption (RFC 9420 §6.3.2).
    pub fn sender_data_aad(&self) -> SenderDataAad {
        SenderDataAad {
            group_id: self.group_id.clone(),
            epoch: self.epoch,
            content_type: self.content_type,
        }
    }

    /// The additional data of the content encryption (RFC 9420 §6.3.1).
    pub fn content_aad(&self) -> PrivateContentAad {
        PrivateContentAad {
            group_id: self.group_id.clone(),
            epoch: self.epoch,
            content_type: self.content_type,
            authenticated_data: self.authenticated_data.clone(),
        }
    }
}

/// The plaintext of a PrivateMessage's `ciphertext` (RFC 9420 §6.3.1).
///
/// ```text
/// struct {
///     select (PrivateMessage.content_type) {
///         case application:
///           opaque application_data<V>;
///
///         case proposal:
///           Proposal proposal;
///
///         case commit:
///           Commit commit;
///     };
///
///     FramedContentAuthData auth;
///     opaque padding[length_of_padding];
/// } PrivateMessageContent;
/// ```
///
/// The content type is the PrivateMessage's, so decoding needs it:
/// [`PrivateMessageContent::decode_for`]. The padding is whatever follows
/// `auth` and MUST be all zero bytes (§6.3.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrivateMessageContent {
    /// The content; its type must match the PrivateMessage's.
    pub content: FramedContentBody,
    /// Its signature and, for commits, confirmation tag.
    pub auth: FramedContentAuthData,
    /// The number of zero bytes of padding.
    pub padding: usize,
}

impl PrivateMessageContent {
    /// Decodes a whole decrypted plaintext for a PrivateMessage of type
    /// `content_type`: the content, the authentication data, then padding
    /// up to the end.
    ///
    /// Fails with [`DecodeError::NonZeroPadding`] if the padding holds a
    /// non-zero byte (RFC 9420 §6.3.1).
    pub fn decode_for(content_type: ContentType, plaintext: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(plaintext);
        let content = FramedContentBody::decode_for(content_type, &mut r)?;
        let auth = FramedContentAuthData::decode_for(content_type, &mut r)?;
        let padding = r.rest();
        if let Some(offset) = padding.iter().position(|&b| b != 0) {
            return Err(DecodeError::NonZeroPadding { offset });
        }
        Ok(Self {
            content,
            auth,
            padding: padding.len(),
        })
    }
}

/// Writes the content without its type, the authentication data, and
/// `padding` zero bytes.
impl Encode for PrivateMessageContent {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        self.content.encode_body(out)?;
        self.auth.encode_for(self.content.content_type(), out)?;
        let end = out
            .len()
            .checked_add(self.padding)
            .ok_or(EncodeError::VectorTooLong(self.padding))?;
        out.resize(end, 0);
        Ok(())
    }
}

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

/// The additional data of the content encryption (RFC 9420 §6.3.1).
///
/// ```text
/// struct {
///     opaque group_id<V>;
///     uint64 epoch;
///     ContentType content_type;
///     opaque authenticated_data<V>;
/// } PrivateContentAAD;
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PrivateContentAad {
    /// The PrivateMessage's group ID.
    pub group_id: Vec<u8>,
    /// Its epoch.
    pub epoch: u64,
    /// Its content type.
    pub content_type: ContentType,
    /// Its authenticated data.
    pub authenticated_data: Vec<u8>,
}

crate::codec_struct!(PrivateContentAad {
    group_id,
    epoch,
    content_type,
    authenticated_data
});

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messages::{Commit, Proposal, Remove};

    fn auth(content_type: ContentType) -> FramedContentAuthData {
        FramedContentAuthData {
            signature: vec![0xee],
            confirmation_tag: (content_type == ContentType::Commit).then(|| vec![0xcc]),
        }
    }

    #[test]
    fn padding_is_the_zero_tail_for_each_content_type() {
        let bodies = [
            FramedContentBody::Application(vec![1, 2]),
            FramedContentBody::Proposal(Proposal::Remove(Remove {
                removed: LeafIndex(4),
            })),
            FramedContentBody::Commit(Commit::default()),
        ];
        for body in bodies {
            let ct = body.content_type();
            for padding in [0, 1, 31] {
                let pmc = PrivateMessageContent {
                    content: body.clone(),
                    auth: auth(ct),
                    padding,
                };
                let bytes = pmc.to_bytes().unwrap();
                assert!(bytes.ends_with(&vec![0; padding]));
                assert_eq!(PrivateMessageContent::decode_for(ct, &bytes), Ok(pmc));
            }
        }
    }

    #[test]
    fn non_zero_padding_is_rejected() {
        let ct = ContentType::Application;
        let pmc = PrivateMessageContent {
            content: FramedContentBody::Application(vec![5]),
            auth: auth(ct),
            padding: 4,
        };
        let mut bytes = pmc.to_bytes().unwrap();
        assert_eq!(bytes, [1, 5, 1, 0xee, 0, 0, 0, 0]);
        bytes[6] = 0x80;
        assert_eq!(
            PrivateMessageContent::decode_for(ct, &bytes),
            Err(DecodeError::NonZeroPadding { offset: 2 })
        );
        // Read as a proposal, the same bytes are a Proposal of type 0x0105.
        assert_eq!(
            PrivateMessageContent::decode_for(ContentType::Proposal, &bytes),
            Err(DecodeError::UnknownValue {
                field: "proposal_type",
                value: 0x0105
            })
        );
    }

    #[test]
    fn aads_copy_the_message_fields() {
        let m = PrivateMessage {
            group_id: vec![1],
            epoch: 9,
            content_type: ContentType::Commit,
            authenticated_data: vec![2],
            encrypted_sender_data: vec![3],
            ciphertext: vec![4],
        };
        assert_eq!(
            m.sender_data_aad().to_bytes().unwrap(),
            [1, 1, 0, 0, 0, 0, 0, 0, 0, 9, 3]
        );
        assert_eq!(
            m.content_aad().to_bytes().unwrap(),
            [1, 1, 0, 0, 0, 0, 0, 0, 0, 9, 3, 1, 2]
        );
        let sd = SenderData {
            leaf_index: LeafIndex(1),
            generation: 2,
            reuse_guard: [3; 4],
        };
        assert_eq!(sd.to_bytes().unwrap(), [0, 0, 0, 1, 0, 0, 0, 2, 3, 3, 3, 3]);
    }
}
