//! Framed content and its authentication (RFC 9420 §6, §6.1): content
//! types, senders, FramedContent, FramedContentTBS, FramedContentAuthData
//! and AuthenticatedContent.

use super::FramingError;
use crate::codec::{Decode, DecodeError, Encode, EncodeError, Reader, encode_opaque};
use crate::crypto::SuiteCrypto;
use crate::error::Error;
use crate::key_schedule::GroupContext;
use crate::key_schedule::{TranscriptHashes, interim_transcript_hash};
use crate::messages::{Commit, Proposal, ProtocolVersion, WireFormat};
use crate::tree::LeafIndex;

/// The kind of content a message carries (RFC 9420 §6).
///
/// ```text
/// enum {
///     reserved(0),
///     application(1),
///     proposal(2),
///     commit(3),
///     (255)
/// } ContentType;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum ContentType {
    /// `application(1)`: application data.
    Application = 1,
    /// `proposal(2)`: a Proposal.
    Proposal = 2,
    /// `commit(3)`: a Commit.
    Commit = 3,
}

crate::codec_enum!(ContentType: u8, ContentType { Application, Proposal, Commit });

/// The kind of a message's sender (RFC 9420 §6).
///
/// ```text
/// enum {
///     reserved(0),
///     member(1),
///     external(2),
///     new_member_proposal(3),
///     new_member_commit(4),
///     (255)
/// } SenderType;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum SenderType {
    /// `member(1)`.
    Member = 1,
    /// `external(2)`.
    External = 2,
    /// `new_member_proposal(3)`.
    NewMemberProposal = 3,
    /// `new_member_commit(4)`.
    NewMemberCommit = 4,
}

crate::codec_enum!(SenderType: u8, SenderType {
    Member,
    External,
    NewMemberProposal,
    NewMemberCommit
});

/// Who sent a message (RFC 9420 §6).
///
/// ```text
/// struct {
///     SenderType sender_type;
///     select (Sender.sender_type) {
///         case member:
///             uint32 leaf_index;
///         case external:
///             uint32 sender_index;
///         case new_member_commit:
///         case new_member_proposal:
///             struct{};
///     };
/// } Sender;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sender {
    /// `member`: the member at this leaf.
    Member(LeafIndex),
    /// `external`: the entry at this index of the group's external_senders
    /// extension (§12.1.8.1).
    External(u32),
    /// `new_member_proposal`: a non-member proposing to join (§12.1.8).
    NewMemberProposal,
    /// `new_member_commit`: a non-member joining by external commit
    /// (§12.4.3.2).
    NewMemberCommit,
}

impl Sender {
    /// The `sender_type` discriminant.
    pub const fn sender_type(&self) -> SenderType {
        match self {
            Self::Member(_) => SenderType::Member,
            Self::External(_) => SenderType::External,
            Self::NewMemberProposal => SenderType::NewMemberProposal,
            Self::NewMemberCommit => SenderType::NewMemberCommit,
        }
    }

    /// Whether the FramedContentTBS of this sender's messages includes the
    /// GroupContext: for `member` and `new_member_commit` (RFC 9420 §6.1).
    pub const fn signs_group_context(&self) -> bool {
        matches!(self, Self::Member(_) | Self::NewMemberCommit)
    }
}

impl Encode for Sender {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        self.sender_type().encode(out)?;
        match self {
            Self::Member(leaf_index) => leaf_index.encode(out),
            Self::External(sender_index) => sender_index.encode(out),
            Self::NewMemberProposal | Self::NewMemberCommit => Ok(()),
        }
    }
}

impl Decode for Sender {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(match SenderType::decode(r)? {
            SenderType::Member => Self::Member(Decode::decode(r)?),
            SenderType::External => Self::External(Decode::decode(r)?),
            SenderType::NewMemberProposal => Self::NewMemberProposal,
            SenderType::NewMemberCommit => Self::NewMemberCommit,
        })
    }
}

/// The content of a message with its type: the `content_type` field and the
/// `select` that follows it in FramedContent (RFC 9420 §6).
///
/// ```text
/// ContentType content_type;
/// select (FramedContent.content_type) {
///     case application:
///       opaque application_data<V>;
///     case proposal:
///       Proposal proposal;
///     case commit:
///       Commit commit;
/// };
/// ```
///
/// [`Encode`] and [`Decode`] include the `content_type`; PrivateMessageContent
/// carries the body alone ([`FramedContentBody::encode_body`],
/// [`FramedContentBody::decode_for`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FramedContentBody {
    /// `application`: application data.
    Application(Vec<u8>),
    /// `proposal`.
    Proposal(Proposal),
    /// `commit`.
    Commit(Commit),
}

impl FramedContentBody {
    /// The content type.
    pub const fn content_type(&self) -> ContentType {
        match self {
            Self::Application(_) => ContentType::Application,
            Self::Proposal(_) => ContentType::Proposal,
            Self::Commit(_) => ContentType::Commit,
        }
    }

    /// Writes the content without its type.
    pub fn encode_body(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        match self {
            Self::Application(data) => data.encode(out),
            Self::Proposal(proposal) => proposal.encode(out),
            Self::Commit(commit) => commit.encode(out),
        }
    }

    /// Reads content of type `content_type`, whose type field is elsewhere.
    pub fn decode_for(content_type: ContentType, r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(match content_type {
            ContentType::Application => Self::Application(Decode::decode(r)?),
            ContentType::Proposal => Self::Proposal(Decode::decode(r)?),
            ContentType::Commit => Self::Commit(Decode::decode(r)?),
        })
    }
}

impl Encode for FramedContentBody {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        self.content_type().encode(out)?;
        self.encode_body(out)
    }
}

impl Decode for FramedContentBody {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let content_type = ContentType::decode(r)?;
        Self::decode_for(content_type, r)
    }
}

/// The content of a message and where it comes from (RFC 9420 §6).
///
/// ```text
/// struct {
///     opaque group_id<V>;
///     uint64 epoch;
///     Sender sender;
///     opaque authenticated_data<V>;
///
///     ContentType content_type;
///     select (FramedContent.content_type) {
///         case application:
///           opaque application_data<V>;
///         case proposal:
///           Proposal proposal;
///         case commit:
///           Commit commit;
///     };
/// } FramedContent;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FramedContent {
    /// The group the message belongs to.
    pub group_id: Vec<u8>,
    /// The epoch it was sent in.
    pub epoch: u64,
    /// Who sent it.
    pub sender: Sender,
    /// Application data authenticated but not encrypted.
    pub authenticated_data: Vec<u8>,
    /// The content, with its type.
    pub content: FramedContentBody,
}

crate::codec_struct!(FramedContent {
    group_id,
    epoch,
    sender,
    authenticated_data,
    content
});

impl FramedContent {
    /// The content type.
    pub const fn content_type(&self) -> ContentType {
        self.content.content_type()
    }

    /// Appends the encoded FramedContentTBS (RFC 9420 §6.1) to `out`.
    // RFC 9420 §6.1, R-6.1-05
    fn encode_tbs(
        &self,
        wire_format: WireFormat,
        context: Option<&GroupContext>,
        out: &mut Vec<u8>,
    ) -> Result<(), EncodeError> {
        ProtocolVersion::MLS10.encode(out)?;
        wire_format.encode(out)?;
        self.encode(out)?;
        if self.sender.signs_group_context() {
            context
                .ok_or(EncodeError::Inconsistent {
                    field: crate::codec::Field::GroupContext,
                })?
                .encode(out)?;
        }
        Ok(())
    }

    /// The encoded FramedContentTBS, the content the sender's signature
    /// covers (RFC 9420 §6.1).
    ///
    /// ```text
    /// struct {
    ///     ProtocolVersion version = mls10;
    ///     WireFormat wire_format;
    ///     FramedContent content;
    ///     select (FramedContentTBS.content.sender.sender_type) {
    ///         case member:
    ///         case new_member_commit:
    ///             GroupContext context;
    ///         case external:
    ///         case new_member_proposal:
    ///             struct{};
    ///     };
    /// } FramedContentTBS;
    /// ```
    ///
    /// `context` is written only for `member` and `new_member_commit`
    /// senders, and ignored for the others; for those two it is required,
    /// and its absence is [`EncodeError::Inconsistent`].
    pub fn tbs_bytes(
        &self,
        wire_format: WireFormat,
        context: Option<&GroupContext>,
    ) -> Result<Vec<u8>, EncodeError> {
        let mut out = Vec::new();
        self.encode_tbs(wire_format, context, &mut out)?;
        Ok(out)
    }
}

/// The signature over a message's content and, for commits, the
/// confirmation tag (RFC 9420 §6.1).
///
/// ```text
/// struct {
///     /* SignWithLabel(., "FramedContentTBS", FramedContentTBS) */
///     opaque signature<V>;
///     select (FramedContent.content_type) {
///         case commit:
///             /*
///               MAC(confirmation_key,
///                   GroupContext.confirmed_transcript_hash)
///             */
///             MAC confirmation_tag;
///         case application:
///         case proposal:
///             struct{};
///     };
/// } FramedContentAuthData;
/// ```
///
/// Its encoding depends on the content type, which is stored elsewhere:
/// it has [`FramedContentAuthData::encode_for`] and
/// [`FramedContentAuthData::decode_for`] instead of [`Encode`] and
/// [`Decode`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct FramedContentAuthData {
    /// `SignWithLabel(., "FramedContentTBS", FramedContentTBS)`.
    pub signature: Vec<u8>,
    /// The confirmation tag (`opaque MAC<V>`): present exactly when the
    /// content is a commit.
    pub confirmation_tag: Option<Vec<u8>>,
}

impl FramedContentAuthData {
    /// Writes the authentication data of content of type `content_type`.
    ///
    /// Fails with [`EncodeError::Inconsistent`] unless the confirmation tag
    /// is present exactly when `content_type` is `commit`.
    // RFC 9420 §6.1, R-6.1-06
    pub fn encode_for(
        &self,
        content_type: ContentType,
        out: &mut Vec<u8>,
    ) -> Result<(), EncodeError> {
        self.signature.encode(out)?;
        match (content_type, &self.confirmation_tag) {
            (ContentType::Commit, Some(tag)) => tag.encode(out),
            (ContentType::Application | ContentType::Proposal, None) => Ok(()),
            _ => Err(EncodeError::Inconsistent {
                field: crate::codec::Field::ConfirmationTag,
            }),
        }
    }

    /// Reads the authentication data of content of type `content_type`.
    // RFC 9420 §6.1, R-6.1-06
    pub fn decode_for(content_type: ContentType, r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let signature = Decode::decode(r)?;
        let confirmation_tag = match content_type {
            ContentType::Commit => Some(Decode::decode(r)?),
            ContentType::Application | ContentType::Proposal => None,
        };
        Ok(Self {
            signature,
            confirmation_tag,
        })
    }
}

/// Content with its authentication, independent of how it was sent
/// (RFC 9420 §6).
///
/// ```text
/// struct {
///     WireFormat wire_format;
///     FramedContent content;
///     FramedContentAuthData auth;
/// } AuthenticatedContent;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthenticatedContent {
    /// How the content was (or will be) sent.
    pub wire_format: WireFormat,
    /// The content.
    pub content: FramedContent,
    /// Its signature and, for commits, confirmation tag.
    pub auth: FramedContentAuthData,
}

impl AuthenticatedContent {
    /// The encoded FramedContentTBS of this content (RFC 9420 §6.1); see
    /// [`FramedContent::tbs_bytes`].
    pub fn tbs_bytes(&self, context: Option<&GroupContext>) -> Result<Vec<u8>, EncodeError> {
        self.content.tbs_bytes(self.wire_format, context)
    }
}

impl Encode for AuthenticatedContent {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        self.wire_format.encode(out)?;
        self.content.encode(out)?;
        self.auth.encode_for(self.content.content_type(), out)
    }
}

impl Decode for AuthenticatedContent {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let wire_format = WireFormat::decode(r)?;
        let content = FramedContent::decode(r)?;
        let auth = FramedContentAuthData::decode_for(content.content_type(), r)?;
        Ok(Self {
            wire_format,
            content,
            auth,
        })
    }
}

/// The part of a commit's AuthenticatedContent that the confirmed
/// transcript hash covers: everything but the confirmation tag
/// (RFC 9420 §8.2).
///
/// ```text
/// struct {
///     WireFormat wire_format;
///     FramedContent content; /* with content_type == commit */
///     opaque signature<V>;
/// } ConfirmedTranscriptHashInput;
/// ```
///
/// The committer builds it before the confirmation tag exists
/// ([`ConfirmedTranscriptHashInput::new`]); a receiver takes it from the
/// whole message ([`ConfirmedTranscriptHashInput::from_authenticated_content`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConfirmedTranscriptHashInput<'a> {
    wire_format: WireFormat,
    content: &'a FramedContent,
    signature: &'a [u8],
}

impl<'a> ConfirmedTranscriptHashInput<'a> {
    /// The input for a commit sent as `wire_format` with `signature`.
    /// Fails with [`FramingError::NotACommit`] unless `content` is a
    /// commit.
    pub fn new(
        wire_format: WireFormat,
        content: &'a FramedContent,
        signature: &'a [u8],
    ) -> Result<Self, FramingError> {
        match content.content_type() {
            ContentType::Commit => Ok(Self {
                wire_format,
                content,
                signature,
            }),
            content_type => Err(FramingError::NotACommit { content_type }),
        }
    }

    /// The input of a received commit. Fails with
    /// [`FramingError::NotACommit`] unless it carries a commit.
    pub fn from_authenticated_content(
        content: &'a AuthenticatedContent,
    ) -> Result<Self, FramingError> {
        Self::new(
            content.wire_format,
            &content.content,
            &content.auth.signature,
        )
    }
}

impl Encode for ConfirmedTranscriptHashInput<'_> {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        self.wire_format.encode(out)?;
        self.content.encode(out)?;
        encode_opaque(self.signature, out)
    }
}

impl AuthenticatedContent {
    /// The confirmed transcript hash after this commit (RFC 9420 §8.2),
    /// from the interim transcript hash before it: its
    /// `ConfirmedTranscriptHashInput` encoded once, straight after that
    /// hash (a commit of thousands of Adds is megabytes). Fails with
    /// [`FramingError::NotACommit`] unless it carries a commit.
    // RFC 9420 §8.2, R-8.2-01
    pub(crate) fn confirmed_transcript_hash(
        &self,
        suite: &SuiteCrypto<'_>,
        interim_transcript_hash_before: &[u8],
    ) -> Result<Vec<u8>, Error> {
        let input = ConfirmedTranscriptHashInput::from_authenticated_content(self)?;
        let mut data = interim_transcript_hash_before.to_vec();
        input.encode(&mut data)?;
        Ok(suite.hash(&data)?)
    }

    /// The transcript hashes after this commit (RFC 9420 §8.2), from the
    /// interim transcript hash before it. Fails with
    /// [`FramingError::NotACommit`] unless it carries a commit, and with
    /// [`FramingError::MissingConfirmationTag`] without a tag.
    pub fn transcript_hashes(
        &self,
        suite: &SuiteCrypto<'_>,
        interim_transcript_hash_before: &[u8],
    ) -> Result<TranscriptHashes, Error> {
        let confirmed = self.confirmed_transcript_hash(suite, interim_transcript_hash_before)?;
        let tag = self
            .auth
            .confirmation_tag
            .as_deref()
            .ok_or(FramingError::MissingConfirmationTag)?;
        let interim = interim_transcript_hash(suite, &confirmed, tag)?;
        Ok(TranscriptHashes { confirmed, interim })
    }
}

#[cfg(test)]
mod tests;
