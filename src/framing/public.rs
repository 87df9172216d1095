//! PublicMessage: signed, unencrypted framing (RFC 9420 §6.2).

use subtle::ConstantTimeEq;

use crate::codec::{Decode, DecodeError, Encode, EncodeError, Reader};
use crate::crypto::{Secret, SuiteCrypto};
use crate::error::Error;
use crate::framing::FramingError;
use crate::framing::auth::{
    UnverifiedContent, check_group_epoch, check_sender_content, check_wire_format,
};
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
    // RFC 9420 §6.2, R-6.2-01
    pub fn tbm_bytes(&self, context: &GroupContext) -> Result<Vec<u8>, EncodeError> {
        let mut out = self
            .content
            .tbs_bytes(WireFormat::PUBLIC_MESSAGE, Some(context))?;
        self.auth
            .encode_for(self.content.content_type(), &mut out)?;
        Ok(out)
    }

    /// Frames a member's signed content as a PublicMessage with its
    /// membership tag (RFC 9420 §6.2):
    ///
    /// ```text
    /// membership_tag = MAC(membership_key, AuthenticatedContentTBM)
    /// ```
    ///
    /// `content` comes from [`AuthenticatedContent::sign`] with wire format
    /// `mls_public_message` (a commit with its confirmation tag set);
    /// `context` and `membership_key` are those of the current epoch.
    ///
    /// Fails with [`FramingError::WrongSenderType`] for a non-member sender
    /// (see [`protect_non_member`](Self::protect_non_member)),
    /// [`FramingError::WrongWireFormat`] for content signed for a
    /// PrivateMessage, [`FramingError::ApplicationInPublicMessage`] for
    /// application data (§6), and [`FramingError::WrongGroup`] or
    /// [`FramingError::WrongEpoch`] if the content does not match `context`.
    // RFC 9420 §6.2, R-6.2-01
    pub fn protect_member(
        suite: &SuiteCrypto<'_>,
        content: AuthenticatedContent,
        context: &GroupContext,
        membership_key: &Secret,
    ) -> Result<Self, Error> {
        let sender = content.content.sender;
        if !matches!(sender, Sender::Member(_)) {
            return Err(FramingError::WrongSenderType {
                sender_type: sender.sender_type(),
            }
            .into());
        }
        check_public_framing(&content)?;
        check_group_epoch(&content.content.group_id, content.content.epoch, context)?;
        let mut message = Self {
            content: content.content,
            auth: content.auth,
            membership_tag: None,
        };
        let tbm = message.tbm_bytes(context)?;
        message.membership_tag = Some(suite.mac(membership_key.as_bytes(), &tbm)?);
        Ok(message)
    }

    /// Frames a non-member's signed content as a PublicMessage, which has
    /// no membership tag (RFC 9420 §6.2): an `external` sender's or a
    /// `new_member_proposal` sender's proposal (§12.1.8), or a
    /// `new_member_commit` sender's external commit (§12.4.3.2).
    ///
    /// Fails with [`FramingError::WrongSenderType`] for a member sender
    /// (see [`protect_member`](Self::protect_member)),
    /// [`FramingError::WrongWireFormat`] for content signed for a
    /// PrivateMessage, and [`FramingError::ContentTypeNotAllowed`] or
    /// [`FramingError::ProposalTypeNotAllowed`] for content the sender may
    /// not send (§6.1).
    pub fn protect_non_member(content: AuthenticatedContent) -> Result<Self, Error> {
        let sender = content.content.sender;
        if matches!(sender, Sender::Member(_)) {
            return Err(FramingError::WrongSenderType {
                sender_type: sender.sender_type(),
            }
            .into());
        }
        check_public_framing(&content)?;
        Ok(Self {
            content: content.content,
            auth: content.auth,
            membership_tag: None,
        })
    }

    /// Checks a received PublicMessage up to its signature (RFC 9420 §6.2):
    ///
    /// 1. its group ID and epoch are those of `context`
    ///    ([`FramingError::WrongGroup`], [`FramingError::WrongEpoch`]);
    /// 2. it does not carry application data
    ///    ([`FramingError::ApplicationInPublicMessage`], §6) and its sender
    ///    may send its content ([`FramingError::ContentTypeNotAllowed`],
    ///    [`FramingError::ProposalTypeNotAllowed`], §6.1, §12.1.8);
    /// 3. for a member sender, its membership tag equals
    ///    `MAC(membership_key, AuthenticatedContentTBM)`, compared in
    ///    constant time ([`FramingError::MembershipTagMismatch`]).
    ///
    /// The signature is checked next, by [`UnverifiedContent::verify`] with
    /// the sender's signature key.
    // RFC 9420 §6.2, R-6.2-02
    pub fn unprotect(
        self,
        suite: &SuiteCrypto<'_>,
        context: &GroupContext,
        membership_key: &Secret,
    ) -> Result<UnverifiedContent, Error> {
        check_group_epoch(&self.content.group_id, self.content.epoch, context)?;
        check_sender_content(
            WireFormat::PUBLIC_MESSAGE,
            &self.content.sender,
            &self.content.content,
        )?;
        let mut tbs = self
            .content
            .tbs_bytes(WireFormat::PUBLIC_MESSAGE, Some(context))?;
        match (&self.content.sender, &self.membership_tag) {
            (Sender::Member(_), Some(tag)) => {
                // AuthenticatedContentTBM is FramedContentTBS || auth: MAC it,
                // then cut the auth off again to keep the TBS.
                let tbs_len = tbs.len();
                self.auth
                    .encode_for(self.content.content_type(), &mut tbs)?;
                let expected = suite.mac(membership_key.as_bytes(), &tbs)?;
                tbs.truncate(tbs_len);
                if !bool::from(expected.as_slice().ct_eq(tag.as_slice())) {
                    return Err(FramingError::MembershipTagMismatch.into());
                }
            }
            (Sender::Member(_), None) => return Err(FramingError::MembershipTagMismatch.into()),
            (_, Some(_)) => {
                return Err(EncodeError::Inconsistent {
                    field: crate::codec::Field::MembershipTag,
                }
                .into());
            }
            (_, None) => {}
        }
        let content = AuthenticatedContent {
            wire_format: WireFormat::PUBLIC_MESSAGE,
            content: self.content,
            auth: self.auth,
        };
        Ok(UnverifiedContent::new(content, tbs))
    }
}

/// The checks common to both ways of protecting a PublicMessage: signed for
/// `mls_public_message`, by a sender allowed to send the content.
fn check_public_framing(content: &AuthenticatedContent) -> Result<(), FramingError> {
    check_wire_format(content, WireFormat::PUBLIC_MESSAGE)?;
    check_sender_content(
        WireFormat::PUBLIC_MESSAGE,
        &content.content.sender,
        &content.content.content,
    )
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
                field: crate::codec::Field::MembershipTag,
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
                field: crate::codec::Field::MembershipTag
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
                    field: crate::codec::Field::MembershipTag
                })
            );
        }
    }
}
