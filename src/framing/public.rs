//! PublicMessage: signed, unencrypted framing (RFC 9420 §6.2).

use crate::codec::{Decode, DecodeError, Encode, EncodeError, Reader};
use crate::framing::content::{AuthenticatedContent, FramedContent, FramedContentAuthData, Sender};
use crate::key_schedule::GroupContext;
use crate::messages::WireFormat;

/// A message that is signed but not encrypted (RFC 9420 §6.2).
///
/// ```text
/// struct {
///     FramedContent content;
///     FramedContentAuthData auth;
///     select (PublicMessage.content.sender.sender_type) {
///         case member:
///             MAC membership_tag;
///         case external:
///         case new_member_commit:
///         case new_member_proposal:
///             struct{};
///     };
/// } PublicMessage;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicMessage {
    /// The content.
    pub content: FramedContent,
    /// Its signature and, for commits, confirmation tag.
    pub auth: FramedContentAuthData,
    /// `MAC(membership_key, AuthenticatedContentTBM)` (`opaque MAC<V>`):
    /// present exactly when the sender is a member.
    pub membership_tag: Option<Vec<u8>>,
}

impl PublicMessage {
    /// The message as AuthenticatedContent, with wire format
    /// `mls_public_message` (RFC 9420 §6).
    pub fn to_authenticated_content(&self) -> AuthenticatedContent {
        AuthenticatedContent {
            wire_format: WireFormat::PUBLIC_MESSAGE,
            content: self.content.clone(),
            auth: self.auth.clone(),
        }
    }

    /// The encoded AuthenticatedContentTBM, the input of the membership
    /// tag's MAC (RFC 9420 §6.2).
    ///
    /// ```text
    /// struct {
    ///   FramedContentTBS content_tbs;
    ///   FramedContentAuthData auth;
    /// } AuthenticatedContentTBM;
    /// ```
    ///
    /// The FramedContentTBS has wire format `mls_public_message` and, for
    /// the senders that sign it, the group context.
    pub fn tbm_bytes(&self, context: &GroupContext) -> Result<Vec<u8>, EncodeError> {
        let mut out = self
            .content
            .tbs_bytes(WireFormat::PUBLIC_MESSAGE, Some(context))?;
        self.auth
            .encode_for(self.content.content_type(), &mut out)?;
        Ok(out)
    }
}

impl Encode for PublicMessage {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        self.content.encode(out)?;
        self.auth.encode_for(self.content.content_type(), out)?;
        match (&self.content.sender, &self.membership_tag) {
            (Sender::Member(_), Some(tag)) => tag.encode(out),
            (Sender::External(_) | Sender::NewMemberProposal | Sender::NewMemberCommit, None) => {
                Ok(())
            }
            _ => Err(EncodeError::Inconsistent {
                field: "membership_tag",
            }),
        }
    }
}

impl Decode for PublicMessage {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let content = FramedContent::decode(r)?;
        let auth = FramedContentAuthData::decode_for(content.content_type(), r)?;
        let membership_tag = match content.sender {
            Sender::Member(_) => Some(Decode::decode(r)?),
            Sender::External(_) | Sender::NewMemberProposal | Sender::NewMemberCommit => None,
        };
        Ok(Self {
            content,
            auth,
            membership_tag,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::decode_exact;
    use crate::framing::FramedContentBody;
    use crate::tree::LeafIndex;

    fn message(sender: Sender, membership_tag: Option<Vec<u8>>) -> PublicMessage {
        PublicMessage {
            content: FramedContent {
                group_id: vec![1],
                epoch: 0,
                sender,
                authenticated_data: vec![],
                content: FramedContentBody::Application(vec![]),
            },
            auth: FramedContentAuthData {
                signature: vec![2],
                confirmation_tag: None,
            },
            membership_tag,
        }
    }

    #[test]
    fn membership_tag_present_exactly_for_members() {
        let member = message(Sender::Member(LeafIndex(0)), Some(vec![3, 3]));
        let bytes = member.to_bytes().unwrap();
        assert_eq!(bytes.get(bytes.len() - 3..), Some(&[2, 3, 3][..]));
        assert_eq!(decode_exact::<PublicMessage>(&bytes), Ok(member));
        // Without its tag, a member's message is truncated.
        assert_eq!(
            decode_exact::<PublicMessage>(&bytes[..bytes.len() - 3]),
            Err(DecodeError::Truncated { need: 1, have: 0 })
        );
        assert_eq!(
            message(Sender::Member(LeafIndex(0)), None).to_bytes(),
            Err(EncodeError::Inconsistent {
                field: "membership_tag"
            })
        );

        for sender in [
            Sender::External(1),
            Sender::NewMemberProposal,
            Sender::NewMemberCommit,
        ] {
            let m = message(sender, None);
            let bytes = m.to_bytes().unwrap();
            assert_eq!(decode_exact::<PublicMessage>(&bytes), Ok(m));
            // A tag after a non-member's message is trailing garbage.
            let mut with_tag = bytes.clone();
            with_tag.extend_from_slice(&[2, 3, 3]);
            assert_eq!(
                decode_exact::<PublicMessage>(&with_tag),
                Err(DecodeError::TrailingBytes(3))
            );
            assert_eq!(
                message(sender, Some(vec![3])).to_bytes(),
                Err(EncodeError::Inconsistent {
                    field: "membership_tag"
                })
            );
        }
    }
}
