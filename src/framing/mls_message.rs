//! The MLSMessage envelope (RFC 9420 §6): one type over the framing
//! messages and the messages of §10-§12.

use super::{ContentType, PrivateMessage, PublicMessage, Sender};
use crate::codec::{Decode, DecodeError, Encode, EncodeError, Reader};
use crate::messages::{GroupInfo, KeyPackage, ProtocolVersion, Welcome, WireFormat};

/// The message inside an [`MlsMessage`]: the `select` on `wire_format`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MlsMessageBody {
    /// `mls_public_message`.
    PublicMessage(PublicMessage),
    /// `mls_private_message`.
    PrivateMessage(PrivateMessage),
    /// `mls_welcome`.
    Welcome(Welcome),
    /// `mls_group_info`.
    GroupInfo(GroupInfo),
    /// `mls_key_package`.
    KeyPackage(KeyPackage),
}

impl MlsMessageBody {
    /// The wire format of this body.
    pub const fn wire_format(&self) -> WireFormat {
        match self {
            Self::PublicMessage(_) => WireFormat::PUBLIC_MESSAGE,
            Self::PrivateMessage(_) => WireFormat::PRIVATE_MESSAGE,
            Self::Welcome(_) => WireFormat::WELCOME,
            Self::GroupInfo(_) => WireFormat::GROUP_INFO,
            Self::KeyPackage(_) => WireFormat::KEY_PACKAGE,
        }
    }
}

/// The envelope of every MLS message (RFC 9420 §6).
///
/// ```text
/// struct {
///     ProtocolVersion version = mls10;
///     WireFormat wire_format;
///     select (MLSMessage.wire_format) {
///         case mls_public_message:
///             PublicMessage public_message;
///         case mls_private_message:
///             PrivateMessage private_message;
///         case mls_welcome:
///             Welcome welcome;
///         case mls_group_info:
///             GroupInfo group_info;
///         case mls_key_package:
///             KeyPackage key_package;
///     };
/// } MLSMessage;
/// ```
///
/// Decoding keeps whatever version the bytes carry; checking that it is
/// `mls10` is for the receiver. An unknown wire format fails with
/// [`DecodeError::UnknownValue`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MlsMessage {
    /// The protocol version, `mls10`.
    pub version: ProtocolVersion,
    /// The message.
    pub body: MlsMessageBody,
}

impl MlsMessage {
    /// An `mls10` message carrying `body`.
    pub const fn new(body: MlsMessageBody) -> Self {
        Self {
            version: ProtocolVersion::MLS10,
            body,
        }
    }

    /// The message's wire format.
    pub const fn wire_format(&self) -> WireFormat {
        self.body.wire_format()
    }
}

impl Encode for MlsMessage {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        self.version.encode(out)?;
        self.wire_format().encode(out)?;
        match &self.body {
            MlsMessageBody::PublicMessage(m) => m.encode(out),
            MlsMessageBody::PrivateMessage(m) => m.encode(out),
            MlsMessageBody::Welcome(m) => m.encode(out),
            MlsMessageBody::GroupInfo(m) => m.encode(out),
            MlsMessageBody::KeyPackage(m) => m.encode(out),
        }
    }
}

impl Decode for MlsMessage {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let version = ProtocolVersion::decode(r)?;
        let body = match WireFormat::decode(r)? {
            WireFormat::PUBLIC_MESSAGE => MlsMessageBody::PublicMessage(Decode::decode(r)?),
            WireFormat::PRIVATE_MESSAGE => MlsMessageBody::PrivateMessage(Decode::decode(r)?),
            WireFormat::WELCOME => MlsMessageBody::Welcome(Decode::decode(r)?),
            WireFormat::GROUP_INFO => MlsMessageBody::GroupInfo(Decode::decode(r)?),
            WireFormat::KEY_PACKAGE => MlsMessageBody::KeyPackage(Decode::decode(r)?),
            WireFormat(other) => {
                return Err(DecodeError::UnknownValue {
                    field: crate::codec::Field::WireFormat,
                    value: u64::from(other),
                });
            }
        };
        Ok(Self { version, body })
    }
}
/// What anyone can read of an MLSMessage without the group's state
/// (RFC 9420 §6): for a delivery service routing messages, or an
/// application deciding which group a message is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageHeader {
    /// The protocol version.
    pub version: ProtocolVersion,
    /// The wire format.
    pub wire_format: WireFormat,
    /// The group, for PublicMessages, PrivateMessages and GroupInfos.
    pub group_id: Option<Vec<u8>>,
    /// The epoch, for PublicMessages, PrivateMessages and GroupInfos.
    pub epoch: Option<u64>,
    /// The content type, for PublicMessages and PrivateMessages.
    pub content_type: Option<ContentType>,
    /// The sender, for PublicMessages (a PrivateMessage encrypts it).
    pub sender: Option<Sender>,
}

impl MlsMessage {
    /// Reads the public header of an encoded MLSMessage (RFC 9420 §6)
    /// without any group state; the whole message must decode.
    pub fn peek(bytes: &[u8]) -> Result<MessageHeader, DecodeError> {
        let message: Self = crate::codec::decode_exact(bytes)?;
        let wire_format = message.body.wire_format();
        let mut header = MessageHeader {
            version: message.version,
            wire_format,
            group_id: None,
            epoch: None,
            content_type: None,
            sender: None,
        };
        match message.body {
            MlsMessageBody::PublicMessage(m) => {
                header.content_type = Some(m.content.content_type());
                header.sender = Some(m.content.sender);
                header.group_id = Some(m.content.group_id);
                header.epoch = Some(m.content.epoch);
            }
            MlsMessageBody::PrivateMessage(m) => {
                header.content_type = Some(m.content_type);
                header.group_id = Some(m.group_id);
                header.epoch = Some(m.epoch);
            }
            MlsMessageBody::GroupInfo(gi) => {
                header.epoch = Some(gi.group_context.epoch);
                header.group_id = Some(gi.group_context.group_id);
            }
            MlsMessageBody::Welcome(_) | MlsMessageBody::KeyPackage(_) => {}
        }
        Ok(header)
    }
}
