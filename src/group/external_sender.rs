//! Proposals from outside the group (RFC 9420 §12.1.8): an `external`
//! sender named by the group's `external_senders` extension
//! (§12.1.8.1), and a client asking to join with a `new_member_proposal`
//! Add of its own KeyPackage.
//!
//! Neither sender holds the group's secrets, so both send PublicMessages
//! without a membership tag (§6.2), signed over a FramedContentTBS that
//! carries no GroupContext (§6.1). Members receive them through
//! [`Group::process_message`](super::Group::process_message), which
//! verifies the signature with the sender's key (§6.1), passes an external
//! sender's credential to the application's `CredentialValidator`
//! (§5.3.1), and stores the proposal only if the application's
//! `ProposalPolicy` accepts it (§12.1.8).

use super::config::GroupConfig;
use super::error::{GreaseField, ProposalError};
use super::key_package::KeyPackageBundle;
use super::process::MessageSender;
use crate::RustCryptoProvider;
use crate::codec::Encode;
use crate::crypto::{CipherSuite, CryptoProvider, SignaturePrivateKey, SuiteCrypto};
use crate::error::Error;
use crate::framing::{
    AuthenticatedContent, FramedContent, FramedContentBody, MlsMessage, MlsMessageBody,
    PublicMessage, Sender,
};
use crate::messages::{Add, Proposal, WireFormat};

/// A party outside the group that may send proposals to it: the holder of
/// the signature key at `sender_index` of the group's `external_senders`
/// extension (RFC 9420 §12.1.8.1), for example a server that adds and
/// removes the members of a team.
///
/// It keeps no group state: the caller names the group and epoch each
/// proposal is for. It may propose Add, Remove, PreSharedKey, ReInit and
/// GroupContextExtensions (§12.1.8), and application-defined proposal
/// types (§13) whose policy allows external senders.
pub struct ExternalProposer<P: CryptoProvider = RustCryptoProvider> {
    provider: P,
    suite: CipherSuite,
    sender_index: u32,
    signer: SignaturePrivateKey,
}

impl<P: CryptoProvider> core::fmt::Debug for ExternalProposer<P> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ExternalProposer")
            .field("suite", &self.suite)
            .field("sender_index", &self.sender_index)
            .finish_non_exhaustive()
    }
}

impl<P: CryptoProvider> ExternalProposer<P> {
    /// An external sender of groups of cipher suite `suite`, signing with
    /// `signer`, whose public key is entry `sender_index` of the groups'
    /// `external_senders` extension.
    pub fn new(
        provider: P,
        suite: CipherSuite,
        sender_index: u32,
        signer: SignaturePrivateKey,
    ) -> Self {
        Self {
            provider,
            suite,
            sender_index,
            signer,
        }
    }

    /// The index of this sender in the `external_senders` extension.
    pub fn sender_index(&self) -> u32 {
        self.sender_index
    }

    /// Signs `proposal` for epoch `epoch` of group `group_id` as sender
    /// `external(sender_index)` and returns the encoded MLSMessage: a
    /// PublicMessage without membership tag (RFC 9420 §6.2, §12.1.8).
    ///
    /// Fails with
    /// [`FramingError::ProposalTypeNotAllowed`](crate::framing::FramingError::ProposalTypeNotAllowed)
    /// for a proposal type external senders may not send (Update,
    /// ExternalInit: §12.1.8), and with
    /// [`ProposalError::GreaseNotAllowed`] for a GREASE proposal type or
    /// GroupContextExtensions extension (§13.5).
    pub fn propose(
        &self,
        group_id: &[u8],
        epoch: u64,
        proposal: Proposal,
        authenticated_data: &[u8],
    ) -> Result<Vec<u8>, Error> {
        // RFC 9420 R-12.1.8-01, R-13.5-02 (docs/rfc9420-requirements.md)
        check_no_grease_proposal(&proposal)?;
        let crypto = SuiteCrypto::new(&self.provider, self.suite)?;
        let content = FramedContent {
            group_id: group_id.to_vec(),
            epoch,
            sender: Sender::External(self.sender_index),
            authenticated_data: authenticated_data.to_vec(),
            content: FramedContentBody::Proposal(proposal),
        };
        sign_public(&crypto, &self.signer, content)
    }
}

/// A `new_member_proposal` (RFC 9420 §12.1.8): the Add of `own`'s
/// KeyPackage, signed with its leaf's signature key, for epoch `epoch` of
/// group `group_id`; the encoded MLSMessage, a PublicMessage without
/// membership tag. The group's members commit it only if their
/// application's `ProposalPolicy` accepts it.
pub fn new_member_proposal<P: CryptoProvider>(
    provider: &P,
    own: &KeyPackageBundle,
    group_id: &[u8],
    epoch: u64,
    authenticated_data: &[u8],
) -> Result<Vec<u8>, Error> {
    // RFC 9420 R-6.1-03, R-12.1.8-01 (docs/rfc9420-requirements.md)
    let crypto = SuiteCrypto::new(provider, own.key_package().cipher_suite)?;
    let content = FramedContent {
        group_id: group_id.to_vec(),
        epoch,
        sender: Sender::NewMemberProposal,
        authenticated_data: authenticated_data.to_vec(),
        content: FramedContentBody::Proposal(Proposal::Add(Add {
            key_package: own.key_package().clone(),
        })),
    };
    sign_public(&crypto, own.signature_private_key(), content)
}

/// Signs `content` from a non-member (no GroupContext in the
/// FramedContentTBS, RFC 9420 §6.1) and frames it as a PublicMessage
/// without membership tag (§6.2).
fn sign_public(
    crypto: &SuiteCrypto<'_>,
    signer: &SignaturePrivateKey,
    content: FramedContent,
) -> Result<Vec<u8>, Error> {
    let signed =
        AuthenticatedContent::sign(crypto, signer, WireFormat::PUBLIC_MESSAGE, content, None)?;
    let message = PublicMessage::protect_non_member(signed)?;
    Ok(MlsMessage::new(MlsMessageBody::PublicMessage(message)).to_bytes()?)
}

/// RFC 9420 §13.5: no GREASE in `Proposal.proposal_type` or
/// `GroupContextExtensions.extensions` of a proposal sent.
fn check_no_grease_proposal(proposal: &Proposal) -> Result<(), Error> {
    match proposal {
        Proposal::Custom(custom) if custom.proposal_type.is_grease() => {
            Err(ProposalError::GreaseNotAllowed {
                field: GreaseField::ProposalType,
                value: custom.proposal_type.0,
            }
            .into())
        }
        Proposal::GroupContextExtensions(gce) => {
            super::validate::check_no_grease_extensions(&gce.extensions)
        }
        _ => Ok(()),
    }
}

/// RFC 9420 §5.3.1: an `external` sender's credential, from the group's
/// `external_senders` extension, is checked by the application's
/// validator when its proposal is received, not only when the extension
/// was set: the application may have revoked it since.
pub(crate) fn check_external_sender_credential(
    config: &GroupConfig,
    sender: &MessageSender,
) -> Result<(), Error> {
    // RFC 9420 R-5.3.1-01 (docs/rfc9420-requirements.md)
    let Sender::External(index) = sender.sender else {
        return Ok(());
    };
    if config
        .credentials
        .validate(&sender.credential, &sender.signature_key)
    {
        Ok(())
    } else {
        let index = usize::try_from(index).map_err(|_| Error::Internal("sender index"))?;
        Err(ProposalError::ExternalSenderRejected { index }.into())
    }
}
