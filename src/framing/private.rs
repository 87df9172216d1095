//! PrivateMessage: signed and encrypted framing (RFC 9420 §6.3), with the
//! plaintext it encrypts and its padding (§6.3.1); its sender data
//! (§6.3.2) is in [`sender_data`](super::sender_data).

use rand_core::CryptoRng;
use zeroize::Zeroizing;

use crate::codec::{DecodeError, Encode, EncodeError, Reader};
use crate::crypto::{CryptoError, Secret, SignaturePublicKey, SuiteCrypto};
use crate::error::Error;
use crate::framing::FramingError;
use crate::framing::auth::{
    UnverifiedContent, VerifiedContent, check_group_epoch, check_wire_format,
};
use crate::framing::content::{
    AuthenticatedContent, ContentType, FramedContent, FramedContentAuthData, FramedContentBody,
    Sender,
};
use crate::framing::sender_data::{SenderData, SenderDataAad};
use crate::key_schedule::GroupContext;
use crate::messages::WireFormat;
use crate::secret_tree::{RatchetType, SecretTree, StagedKey};
use crate::tree::LeafIndex;

/// The longest `opaque<V>` the wire format can carry: 2^30 - 1 bytes
/// (RFC 9420 §2.1.2). The padded plaintext is kept below it.
const MAX_VECTOR_LEN: usize = (1 << 30) - 1;

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

    /// Encrypts a member's signed content as a PrivateMessage
    /// (RFC 9420 §6.3):
    ///
    /// 1. the PrivateMessageContent is the content without its type, the
    ///    FramedContentAuthData and the zero bytes `padding` asks for
    ///    (§6.3.1);
    /// 2. the key and nonce are the next generation of the sender's
    ///    application ratchet for application data, handshake ratchet for
    ///    proposals and commits, taken from `secret_tree` and deleted there
    ///    (§9.1, §9.2);
    /// 3. the nonce's first four bytes are XORed with a fresh reuse guard
    ///    drawn from `rng`, and the content is sealed with the
    ///    PrivateContentAAD (§6.3.1);
    /// 4. the SenderData (leaf, generation, reuse guard) is sealed under the
    ///    key and nonce derived from `sender_data_secret` and the
    ///    ciphertext's first `KDF.Nh` bytes, with the SenderDataAAD
    ///    (§6.3.2).
    ///
    /// `content` comes from [`AuthenticatedContent::sign`] with wire format
    /// `mls_private_message` (a commit with its confirmation tag set), and
    /// `secret_tree` and `sender_data_secret` are of the content's epoch.
    ///
    /// Fails with [`FramingError::NonMemberPrivateMessage`] for a sender
    /// that is not a member (§6.3.2), [`FramingError::WrongWireFormat`] for
    /// content signed for a PublicMessage, and
    /// [`FramingError::PlaintextTooLong`] if the padding makes the
    /// plaintext longer than a vector can be; these checks come before a
    /// key is taken. Secret tree errors (a leaf outside the tree, an
    /// exhausted ratchet) leave the tree unchanged; a failure after the key
    /// was taken (none is expected) leaves it deleted, so a key is never
    /// used twice.
    // RFC 9420 §6.3.1, §6.3.2, R-6.3.1-03, R-6.3.2-01
    pub fn protect(
        suite: &SuiteCrypto<'_>,
        content: &AuthenticatedContent,
        secret_tree: &mut SecretTree,
        sender_data_secret: &Secret,
        padding: Padding,
        rng: &mut (impl CryptoRng + ?Sized),
    ) -> Result<Self, Error> {
        let framed = &content.content;
        let Sender::Member(leaf) = framed.sender else {
            return Err(FramingError::NonMemberPrivateMessage {
                sender_type: framed.sender.sender_type(),
            }
            .into());
        };
        check_wire_format(content, WireFormat::PRIVATE_MESSAGE)?;
        // A member may send any content type in a PrivateMessage (§6.1).
        let content_type = framed.content_type();
        let plaintext = encode_plaintext(&framed.content, &content.auth, padding)?;
        let mut message = Self {
            group_id: framed.group_id.clone(),
            epoch: framed.epoch,
            content_type,
            authenticated_data: framed.authenticated_data.clone(),
            encrypted_sender_data: Vec::new(),
            ciphertext: Vec::new(),
        };
        let aad = message.content_aad().to_bytes()?;
        let sender_data_aad = message.sender_data_aad().to_bytes()?;

        let (generation, key_nonce) =
            secret_tree.next_encryption_key(suite, leaf, ratchet_for(content_type))?;
        let mut reuse_guard = [0u8; 4];
        rng.fill_bytes(&mut reuse_guard);
        let nonce = key_nonce.nonce_with_reuse_guard(reuse_guard);
        message.ciphertext = suite.aead_seal(
            key_nonce.key().as_bytes(),
            nonce.as_bytes(),
            &aad,
            &plaintext,
        )?;
        let sender_data = SenderData {
            leaf_index: leaf,
            generation,
            reuse_guard,
        };
        message.encrypted_sender_data = sender_data.encrypt(
            suite,
            sender_data_secret,
            &sender_data_aad,
            &message.ciphertext,
        )?;
        Ok(message)
    }

    /// Checks the message's group and epoch against `context` and
    /// decrypts its sender data (RFC 9420 §6.3.2): who sent it, at which
    /// generation. Changes nothing.
    pub fn sender_data(
        &self,
        suite: &SuiteCrypto<'_>,
        context: &GroupContext,
        sender_data_secret: &Secret,
    ) -> Result<SenderData, Error> {
        check_group_epoch(&self.group_id, self.epoch, context)?;
        SenderData::decrypt(
            suite,
            sender_data_secret,
            &self.sender_data_aad().to_bytes()?,
            &self.ciphertext,
            &self.encrypted_sender_data,
        )
    }

    /// Decrypts a received PrivateMessage up to its signature
    /// (RFC 9420 §6.3), without changing `secret_tree`:
    ///
    /// 1. its group ID and epoch are those of `context`
    ///    ([`FramingError::WrongGroup`], [`FramingError::WrongEpoch`]);
    ///    for a message of an earlier epoch, pass that epoch's context,
    ///    secret tree and sender data secret;
    /// 2. the SenderData decrypts ([`FramingError::SenderDataDecryptionFailed`],
    ///    §6.3.2) and names a leaf for which `is_member` holds, that is a
    ///    non-blank leaf of the ratchet tree ([`FramingError::SenderNotMember`]);
    /// 3. the key of that leaf and generation is staged from `secret_tree`
    ///    ([`SecretTreeError`](crate::secret_tree::SecretTreeError): a
    ///    generation already used, deleted, or too far ahead, §9.2);
    /// 4. the content decrypts ([`FramingError::ContentDecryptionFailed`])
    ///    and decodes, with all-zero padding
    ///    ([`DecodeError::NonZeroPadding`], §6.3.1).
    ///
    /// The result's [`DecryptedMessage::verify`] checks the signature and
    /// hands back the staged key, to merge into `secret_tree` once the
    /// message is accepted (§9.2). On any error nothing has changed.
    pub fn decrypt(
        &self,
        suite: &SuiteCrypto<'_>,
        context: &GroupContext,
        secret_tree: &SecretTree,
        sender_data_secret: &Secret,
        is_member: impl FnOnce(LeafIndex) -> bool,
    ) -> Result<DecryptedMessage, Error> {
        let sender_data = self.sender_data(suite, context, sender_data_secret)?;
        self.decrypt_from(suite, context, secret_tree, sender_data, is_member)
    }

    /// [`decrypt`](Self::decrypt) with the sender data already decrypted
    /// by [`sender_data`](Self::sender_data) against the same `context`.
    pub fn decrypt_from(
        &self,
        suite: &SuiteCrypto<'_>,
        context: &GroupContext,
        secret_tree: &SecretTree,
        sender_data: SenderData,
        is_member: impl FnOnce(LeafIndex) -> bool,
    ) -> Result<DecryptedMessage, Error> {
        check_group_epoch(&self.group_id, self.epoch, context)?;
        let leaf = sender_data.leaf_index;
        if !is_member(leaf) {
            // RFC 9420 §6.3.2, R-6.3.2-03
            return Err(FramingError::SenderNotMember { leaf }.into());
        }
        let staged_key = secret_tree.stage_decryption_key(
            suite,
            leaf,
            ratchet_for(self.content_type),
            sender_data.generation,
        )?;
        let nonce = staged_key
            .key_nonce()
            .nonce_with_reuse_guard(sender_data.reuse_guard);
        let plaintext = suite
            .aead_open(
                staged_key.key_nonce().key().as_bytes(),
                nonce.as_bytes(),
                &self.content_aad().to_bytes()?,
                &self.ciphertext,
            )
            .map_err(|e| match e {
                CryptoError::DecryptionFailed => {
                    Error::Framing(FramingError::ContentDecryptionFailed)
                }
                other => Error::Crypto(other),
            })?;
        let plaintext = Zeroizing::new(plaintext);
        let PrivateMessageContent { content, auth, .. } =
            PrivateMessageContent::decode_for(self.content_type, &plaintext)?;
        let framed = FramedContent {
            group_id: self.group_id.clone(),
            epoch: self.epoch,
            sender: Sender::Member(leaf),
            authenticated_data: self.authenticated_data.clone(),
            content,
        };
        let tbs = framed.tbs_bytes(WireFormat::PRIVATE_MESSAGE, Some(context))?;
        let content = AuthenticatedContent {
            wire_format: WireFormat::PRIVATE_MESSAGE,
            content: framed,
            auth,
        };
        Ok(DecryptedMessage {
            content: UnverifiedContent::new(content, tbs),
            sender_data,
            staged_key,
        })
    }
}

/// The ratchet a content type is encrypted with (RFC 9420 §6.3.1, §9):
/// application data with the application ratchet, proposals and commits
/// with the handshake ratchet.
const fn ratchet_for(content_type: ContentType) -> RatchetType {
    match content_type {
        ContentType::Application => RatchetType::Application,
        ContentType::Proposal | ContentType::Commit => RatchetType::Handshake,
    }
}

/// Encodes a PrivateMessageContent with the padding `padding` asks for,
/// in a buffer wiped on drop (RFC 9420 §6.3.1).
// RFC 9420 §6.3.1, R-6.3.1-01, R-6.3.1-05
fn encode_plaintext(
    body: &FramedContentBody,
    auth: &FramedContentAuthData,
    padding: Padding,
) -> Result<Zeroizing<Vec<u8>>, Error> {
    // Reserve enough for application data so that the buffer holding it is
    // not reallocated (and a copy left behind) while it is written.
    let estimate = match body {
        FramedContentBody::Application(data) => data
            .len()
            .saturating_add(auth.signature.len())
            .saturating_add(16),
        FramedContentBody::Proposal(_) | FramedContentBody::Commit(_) => 0,
    };
    let mut plaintext = Zeroizing::new(Vec::with_capacity(estimate));
    encode_unpadded(body, auth, &mut plaintext)?;
    let unpadded = plaintext.len();
    let padded = padding.padded_len(unpadded);
    let len =
        padded
            .filter(|&len| len <= MAX_VECTOR_LEN)
            .ok_or(FramingError::PlaintextTooLong {
                len: padded.unwrap_or(usize::MAX),
            })?;
    if len > plaintext.capacity() {
        let mut bigger = Zeroizing::new(Vec::with_capacity(len));
        bigger.extend_from_slice(&plaintext);
        plaintext = bigger;
    }
    plaintext.resize(len, 0);
    Ok(plaintext)
}

/// How many zero bytes of padding a sender adds to a PrivateMessageContent
/// (RFC 9420 §6.3.1: "It is up to the application to decide [...] how much
/// padding to add to a given message").
///
/// Padding hides the exact length of the content from everyone but the
/// group. Receivers accept any amount, as long as it is all zero bytes.
/// The default, [`Padding::DEFAULT`], pads the plaintext to a multiple of
/// 32 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Padding {
    /// This many zero bytes, whatever the content's length.
    Bytes(usize),
    /// Zero bytes up to the next multiple of this many bytes of
    /// PrivateMessageContent (content, auth and padding); 0 and 1 mean no
    /// padding.
    MultipleOf(usize),
}

impl Padding {
    /// No padding.
    pub const NONE: Self = Self::Bytes(0);

    /// The default: pad to a multiple of 32 bytes, so that up to 31 bytes
    /// of length difference are hidden at a cost of at most 31 bytes.
    pub const DEFAULT: Self = Self::MultipleOf(32);

    /// The padded length of a plaintext of `unpadded` bytes, or `None` if
    /// it overflows.
    pub fn padded_len(self, unpadded: usize) -> Option<usize> {
        match self {
            Self::Bytes(n) => unpadded.checked_add(n),
            Self::MultipleOf(0 | 1) => Some(unpadded),
            Self::MultipleOf(n) => unpadded.checked_next_multiple_of(n),
        }
    }
}

impl Default for Padding {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// A PrivateMessage decrypted but not yet authenticated: the result of
/// [`PrivateMessage::decrypt`] (RFC 9420 §6.3).
///
/// It holds the content, the SenderData, and the staged key of the
/// sender's ratchet, which [`verify`](Self::verify) hands back once the
/// signature holds. Dropping it leaves the secret tree as it was.
#[derive(Debug)]
#[must_use = "verify the signature, then merge the staged key (RFC 9420 §9.2)"]
pub struct DecryptedMessage {
    content: UnverifiedContent,
    sender_data: SenderData,
    staged_key: StagedKey,
}

impl DecryptedMessage {
    /// The decrypted SenderData: the sender's leaf, the generation and the
    /// reuse guard.
    pub fn sender_data(&self) -> SenderData {
        self.sender_data
    }

    /// The sender's leaf, whose signature key verifies the content.
    pub fn sender_leaf(&self) -> LeafIndex {
        self.sender_data.leaf_index
    }

    /// The content, not yet authenticated.
    pub fn content(&self) -> &UnverifiedContent {
        &self.content
    }

    /// Checks the signature with the key of the sender's leaf
    /// ([`UnverifiedContent::verify`], RFC 9420 §6.1) and returns the
    /// content with the staged key of the ratchet.
    ///
    /// Merge the key with [`SecretTree::merge_staged_key`] once the message
    /// is accepted, which deletes it (§9.2); until then the same message
    /// can be decrypted again.
    // RFC 9420 §6.3.1, R-6.3.1-04
    pub fn verify(
        self,
        suite: &SuiteCrypto<'_>,
        signature_key: &SignaturePublicKey,
    ) -> Result<(VerifiedContent, StagedKey), Error> {
        let content = self.content.verify(suite, signature_key)?;
        Ok((content, self.staged_key))
    }

    /// [`verify`](Self::verify), then merges the staged key into
    /// `secret_tree`, the tree the message was decrypted with (RFC 9420
    /// §9.2). On error the tree is unchanged; merging fails with
    /// [`SecretTreeError::GenerationConsumed`] if the key was used since
    /// the message was decrypted.
    ///
    /// [`SecretTreeError::GenerationConsumed`]: crate::secret_tree::SecretTreeError::GenerationConsumed
    pub fn verify_and_merge(
        self,
        suite: &SuiteCrypto<'_>,
        signature_key: &SignaturePublicKey,
        secret_tree: &mut SecretTree,
    ) -> Result<VerifiedContent, Error> {
        let (content, staged_key) = self.verify(suite, signature_key)?;
        secret_tree.merge_staged_key(staged_key)?;
        Ok(content)
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
            // RFC 9420 §6.3.1, R-6.3.1-01
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
        encode_unpadded(&self.content, &self.auth, out)?;
        let end = out
            .len()
            .checked_add(self.padding)
            .ok_or(EncodeError::VectorTooLong(self.padding))?;
        out.resize(end, 0);
        Ok(())
    }
}

/// Writes a PrivateMessageContent up to its padding: the content without
/// its type, then the authentication data (RFC 9420 §6.3.1).
fn encode_unpadded(
    body: &FramedContentBody,
    auth: &FramedContentAuthData,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    body.encode_body(out)?;
    auth.encode_for(body.content_type(), out)
}

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
mod tests;
