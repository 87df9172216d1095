//! Content authentication (RFC 9420 §6.1): signing FramedContent, the
//! checks on who may send what (§6, §6.1, §12.1.8), and the types that make
//! signature verification unskippable.
//!
//! Received content starts as an [`UnverifiedContent`], built only by
//! [`PublicMessage::unprotect`](super::PublicMessage::unprotect) (after the
//! membership tag) or [`PrivateMessage::decrypt`](super::PrivateMessage::decrypt)
//! (after decryption). Its one way to a [`VerifiedContent`] is
//! [`UnverifiedContent::verify`] with the sender's signature key.

use crate::crypto::{CryptoError, SignaturePrivateKey, SignaturePublicKey, SuiteCrypto};
use crate::error::Error;
use crate::framing::FramingError;
use crate::framing::content::{
    AuthenticatedContent, FramedContent, FramedContentAuthData, FramedContentBody, Sender,
};
use crate::key_schedule::GroupContext;
use crate::messages::{Proposal, ProposalType, WireFormat};

/// The label of content signatures (RFC 9420 §6.1).
pub(crate) const TBS_LABEL: &str = "FramedContentTBS";

/// Fails unless the content belongs to the group and epoch of `context`
/// (RFC 9420 §6.3.2, §12.4.2): [`FramingError::WrongGroup`], then
/// [`FramingError::EpochNotYet`] for a later epoch (a message that arrived
/// before the commit that starts its epoch) or
/// [`FramingError::WrongEpoch`] for an earlier one.
pub(crate) fn check_group_epoch(
    group_id: &[u8],
    epoch: u64,
    context: &GroupContext,
) -> Result<(), FramingError> {
    if group_id != context.group_id.as_slice() {
        return Err(FramingError::WrongGroup);
    }
    // RFC 9420 §12.1, §12.4.2, R-12.1-01, R-12.4.2-01
    if epoch > context.epoch {
        return Err(FramingError::EpochNotYet {
            got: epoch,
            current: context.epoch,
        });
    }
    if epoch != context.epoch {
        return Err(FramingError::WrongEpoch {
            got: epoch,
            current: context.epoch,
        });
    }
    Ok(())
}

/// Fails unless `sender` may send `body` as `wire_format`
/// (RFC 9420 §6, §6.1, §6.3.2, §12.1.8):
///
/// - the wire format is `mls_public_message` or `mls_private_message`;
/// - application data goes in PrivateMessages only;
/// - only members send PrivateMessages;
/// - `external` senders send proposals of the types allowed for them
///   (`add`, `remove`, `psk`, `reinit`, `group_context_extensions`), or of
///   an application-defined type (§13), which the group's policy for that
///   type accepts or refuses from external senders;
/// - `new_member_proposal` senders send `add` proposals;
/// - `new_member_commit` senders send commits.
///
/// Members may send any content type; which proposals and commits a member
/// may send is checked when they are processed (§12.2).
pub fn check_sender_content(
    wire_format: WireFormat,
    sender: &Sender,
    body: &FramedContentBody,
) -> Result<(), FramingError> {
    let sender_type = sender.sender_type();
    let content_type = body.content_type();
    match wire_format {
        WireFormat::PUBLIC_MESSAGE => {
            if matches!(body, FramedContentBody::Application(_)) {
                // RFC 9420 §6, R-6-01
                return Err(FramingError::ApplicationInPublicMessage);
            }
        }
        WireFormat::PRIVATE_MESSAGE => {
            if !matches!(sender, Sender::Member(_)) {
                // RFC 9420 §6.3.2, §12.1.8, R-6.3.2-01, R-12.1.8-01
                return Err(FramingError::NonMemberPrivateMessage { sender_type });
            }
        }
        wire_format => return Err(FramingError::NotAFramingWireFormat { wire_format }),
    }
    match (sender, body) {
        // RFC 9420 §6.1, R-6.1-02: a new_member_commit sender sends commits only.
        (Sender::Member(_), _) | (Sender::NewMemberCommit, FramedContentBody::Commit(_)) => Ok(()),
        // RFC 9420 §6.1, R-6.1-01
        // RFC 9420 §12.1.8: a new proposal type defines whether external
        // senders may send it; the application's policy for it decides.
        (Sender::External(_), FramedContentBody::Proposal(p))
            if matches!(p, Proposal::Custom(_))
                || matches!(
                    p.proposal_type(),
                    ProposalType::ADD
                        | ProposalType::REMOVE
                        | ProposalType::PSK
                        | ProposalType::REINIT
                        | ProposalType::GROUP_CONTEXT_EXTENSIONS
                ) =>
        {
            Ok(())
        }
        // RFC 9420 §6.1, R-6.1-03
        (Sender::NewMemberProposal, FramedContentBody::Proposal(p))
            if p.proposal_type() == ProposalType::ADD =>
        {
            Ok(())
        }
        (Sender::External(_) | Sender::NewMemberProposal, FramedContentBody::Proposal(p)) => {
            // RFC 9420 §12.1.8, R-12.1.8-02
            Err(FramingError::ProposalTypeNotAllowed {
                sender_type,
                proposal_type: p.proposal_type(),
            })
        }
        // RFC 9420 §6.1, R-6.1-01, R-6.1-02, R-6.1-03
        _ => Err(FramingError::ContentTypeNotAllowed {
            sender_type,
            content_type,
        }),
    }
}

/// Fails unless `content` was signed for `expected`, the wire format it is
/// about to be sent as (RFC 9420 §6.1: the signature covers it).
pub(crate) fn check_wire_format(
    content: &AuthenticatedContent,
    expected: WireFormat,
) -> Result<(), FramingError> {
    if content.wire_format == expected {
        Ok(())
    } else {
        Err(FramingError::WrongWireFormat {
            expected,
            got: content.wire_format,
        })
    }
}

impl AuthenticatedContent {
    /// Signs `content` for sending as `wire_format` (RFC 9420 §6.1):
    ///
    /// ```text
    /// signature = SignWithLabel(signature_key, "FramedContentTBS",
    ///                           FramedContentTBS)
    /// ```
    ///
    /// `context` is the GroupContext of the current epoch; it is signed for
    /// `member` and `new_member_commit` senders, who must give it, and not
    /// needed by `external` and `new_member_proposal` senders. When given,
    /// the content's group ID and epoch must match it
    /// ([`FramingError::WrongGroup`], [`FramingError::WrongEpoch`]).
    ///
    /// Fails before signing if the sender may not send this content as
    /// `wire_format` ([`check_sender_content`]): in particular application
    /// data cannot be signed for a PublicMessage
    /// ([`FramingError::ApplicationInPublicMessage`]).
    ///
    /// The confirmation tag is left empty: for a commit it depends on this
    /// signature (through the confirmed transcript hash, §8.2), so the
    /// committer sets [`FramedContentAuthData::confirmation_tag`] afterwards.
    pub fn sign(
        suite: &SuiteCrypto<'_>,
        signature_key: &SignaturePrivateKey,
        wire_format: WireFormat,
        content: FramedContent,
        context: Option<&GroupContext>,
    ) -> Result<Self, Error> {
        check_sender_content(wire_format, &content.sender, &content.content)?;
        if let Some(context) = context {
            check_group_epoch(&content.group_id, content.epoch, context)?;
        }
        let tbs = content.tbs_bytes(wire_format, context)?;
        let signature = suite.sign_with_label(signature_key, TBS_LABEL, &tbs)?;
        Ok(Self {
            wire_format,
            content,
            auth: FramedContentAuthData {
                signature,
                confirmation_tag: None,
            },
        })
    }
}

/// Received content whose signature has not been checked yet
/// (RFC 9420 §6.1).
///
/// Built only by unprotecting a message: its membership tag (PublicMessage,
/// §6.2) or its decryption (PrivateMessage, §6.3) has been checked, as
/// have its group and epoch against the GroupContext given, and whether
/// its sender may send it. It holds the encoded FramedContentTBS, bound to
/// that GroupContext, so [`verify`](Self::verify) needs only the key.
///
/// Inspect it with [`content`](Self::content) to find the sender's
/// signature key (§6.1): the leaf's for a `member`, the `external_senders`
/// entry for an `external` sender, the path's LeafNode for a
/// `new_member_commit`, the KeyPackage's for a `new_member_proposal`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnverifiedContent {
    content: AuthenticatedContent,
    /// The encoded FramedContentTBS.
    tbs: Vec<u8>,
}

impl UnverifiedContent {
    /// Wraps content whose framing checks have passed, with its encoded
    /// FramedContentTBS.
    pub(crate) fn new(content: AuthenticatedContent, tbs: Vec<u8>) -> Self {
        Self { content, tbs }
    }

    /// The content, not yet authenticated.
    pub fn content(&self) -> &AuthenticatedContent {
        &self.content
    }

    /// The sender the content claims.
    pub fn sender(&self) -> Sender {
        self.content.content.sender
    }

    /// Checks the signature with the sender's `signature_key`
    /// (RFC 9420 §6.1): `VerifyWithLabel(signature_key,
    /// "FramedContentTBS", FramedContentTBS, signature)`.
    ///
    /// Fails with [`FramingError::InvalidSignature`] if it does not verify,
    /// or with [`CryptoError::InvalidPublicKey`] if the key is malformed.
    /// The confirmation tag of a commit is checked with the next epoch's
    /// keys, by the commit's processing (§8.2, §12.4.2).
    // RFC 9420 §6.1, R-6.1-04
    pub fn verify(
        self,
        suite: &SuiteCrypto<'_>,
        signature_key: &SignaturePublicKey,
    ) -> Result<VerifiedContent, Error> {
        suite
            .verify_with_label(
                signature_key,
                TBS_LABEL,
                &self.tbs,
                &self.content.auth.signature,
            )
            .map_err(|e| match e {
                CryptoError::InvalidSignature => Error::Framing(FramingError::InvalidSignature),
                other => Error::Crypto(other),
            })?;
        Ok(VerifiedContent(self.content))
    }
}

/// Received content whose membership tag or decryption and signature have
/// been checked (RFC 9420 §6.1, §6.2, §6.3).
///
/// Built only by [`UnverifiedContent::verify`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedContent(AuthenticatedContent);

impl VerifiedContent {
    /// The authenticated content.
    pub fn content(&self) -> &AuthenticatedContent {
        &self.0
    }

    /// The sender, authenticated.
    pub fn sender(&self) -> Sender {
        self.0.content.sender
    }

    /// The message body: application data, proposal or commit.
    pub fn body(&self) -> &FramedContentBody {
        &self.0.content.content
    }

    /// The authenticated content, by value.
    pub fn into_content(self) -> AuthenticatedContent {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framing::{ContentType, SenderType};
    use crate::messages::{Commit, ExternalInit, Proposal, Remove};
    use crate::tree::LeafIndex;

    const PUBLIC: WireFormat = WireFormat::PUBLIC_MESSAGE;
    const PRIVATE: WireFormat = WireFormat::PRIVATE_MESSAGE;

    fn remove() -> FramedContentBody {
        FramedContentBody::Proposal(Proposal::Remove(Remove {
            removed: LeafIndex(1),
        }))
    }

    fn external_init() -> FramedContentBody {
        FramedContentBody::Proposal(Proposal::ExternalInit(ExternalInit {
            kem_output: vec![1],
        }))
    }

    fn commit() -> FramedContentBody {
        FramedContentBody::Commit(Commit::default())
    }

    fn application() -> FramedContentBody {
        FramedContentBody::Application(vec![1])
    }

    #[test]
    fn members_send_anything_but_public_application_data() {
        let member = Sender::Member(LeafIndex(0));
        for body in [remove(), external_init(), commit(), application()] {
            assert_eq!(check_sender_content(PRIVATE, &member, &body), Ok(()));
        }
        for body in [remove(), external_init(), commit()] {
            assert_eq!(check_sender_content(PUBLIC, &member, &body), Ok(()));
        }
        assert_eq!(
            check_sender_content(PUBLIC, &member, &application()),
            Err(FramingError::ApplicationInPublicMessage)
        );
        assert_eq!(
            check_sender_content(WireFormat::WELCOME, &member, &remove()),
            Err(FramingError::NotAFramingWireFormat {
                wire_format: WireFormat::WELCOME
            })
        );
    }

    #[test]
    fn non_members_send_public_messages_of_their_kind_only() {
        let ok: [(Sender, FramedContentBody); 2] = [
            (Sender::External(0), remove()),
            (Sender::NewMemberCommit, commit()),
        ];
        for (sender, body) in ok {
            assert_eq!(check_sender_content(PUBLIC, &sender, &body), Ok(()));
            assert_eq!(
                check_sender_content(PRIVATE, &sender, &body),
                Err(FramingError::NonMemberPrivateMessage {
                    sender_type: sender.sender_type()
                })
            );
        }
        let wrong_type = [
            (Sender::External(0), commit()),
            (Sender::External(0), application()),
            (Sender::NewMemberProposal, commit()),
            (Sender::NewMemberCommit, remove()),
        ];
        for (sender, body) in wrong_type {
            let expected = if body.content_type() == ContentType::Application {
                FramingError::ApplicationInPublicMessage
            } else {
                FramingError::ContentTypeNotAllowed {
                    sender_type: sender.sender_type(),
                    content_type: body.content_type(),
                }
            };
            assert_eq!(check_sender_content(PUBLIC, &sender, &body), Err(expected));
        }
        assert_eq!(
            check_sender_content(PUBLIC, &Sender::External(3), &external_init()),
            Err(FramingError::ProposalTypeNotAllowed {
                sender_type: SenderType::External,
                proposal_type: ProposalType::EXTERNAL_INIT
            })
        );
        assert_eq!(
            check_sender_content(PUBLIC, &Sender::NewMemberProposal, &remove()),
            Err(FramingError::ProposalTypeNotAllowed {
                sender_type: SenderType::NewMemberProposal,
                proposal_type: ProposalType::REMOVE
            })
        );
    }
}
