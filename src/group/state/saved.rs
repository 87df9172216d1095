//! Saving a group as bytes and restoring it.
//!
//! The format is this crate's own, versioned, in the TLS presentation
//! language of RFC 9420 §2.1:
//!
//! ```text
//! struct {
//!     opaque magic[8] = "MLSGROUP";
//!     uint16 format_version = 3;
//!     GroupContext context;
//!     optional<Node> ratchet_tree<V>;
//!     TreeKemPrivate private;
//!     opaque signature_private_key<V>;
//!     EpochSecrets secrets;
//!     SecretTree secret_tree;
//!     opaque interim_transcript_hash<V>;
//!     opaque confirmation_tag<V>;
//!     PendingProposal proposals<V>;
//!     PastEpoch past_epochs<V>;
//!     ResumptionPsk resumption_psks<V>;
//!     ExternalPsk external_psks<V>;
//!     UpdateKey pending_update_keys<V>;
//!     optional<PendingCommit> pending_commit;
//!     uint8 active;
//!     optional<ReInit> reinit;              /* since version 3 */
//! } SavedGroup;
//! ```
//!
//! `format_version` is 3; version 2, the same without `reinit`, is still
//! read. `reinit` is the ReInit of the last merged commit (RFC 9420 §11.2:
//! the group is then inactive and keeps it for its successor). The PSK that
//! links a new successor or subgroup to its old group lives only while
//! `Group::reinit_successor` or `Group::branch` builds and merges the new
//! group's first commit, so it is never saved.
//!
//! The bytes hold every secret of the member's state: store them as
//! carefully as the keys themselves. Restoring checks that the parts fit
//! together (tree hash, private keys against the tree, secret tree size)
//! and fails with a typed error otherwise; it never panics.

use std::collections::BTreeMap;

use super::{GroupState, PendingCommit, PendingProposal, ResumptionPsk, UpdateKey};
use crate::codec::{Decode, DecodeError, Encode, EncodeError, InvalidField, Reader, vector_len};
use crate::crypto::{Secret, SignaturePrivateKey, SuiteCrypto};
use crate::error::Error;
use crate::framing::AuthenticatedContent;
use crate::framing::Sender;
use crate::group::config::GroupConfig;
use crate::group::error::StateError;
use crate::group::past::PastEpoch;
use crate::group::psk::PskStore;
use crate::key_schedule::{EpochSecrets, GroupContext};
use crate::messages::{Proposal, ProposalRef, ReInit};
use crate::secret_tree::SecretTree;
use crate::tree::treekem::TreeKemPrivate;
use crate::tree::validate::Timestamp;
use crate::tree::{LeafIndex, LeafNode, RatchetTree, TreeView};

const MAGIC: &[u8; 8] = b"MLSGROUP";
const FORMAT_VERSION: u16 = 3;
/// The format before `reinit` was saved, still read.
const FORMAT_VERSION_2: u16 = 2;

impl Encode for PendingProposal {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        self.reference.encode(out)?;
        self.proposal.encode(out)?;
        self.sender.encode(out)
    }
}

impl Decode for PendingProposal {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            reference: ProposalRef::decode(r)?,
            proposal: Proposal::decode(r)?,
            sender: Sender::decode(r)?,
        })
    }
}

/// One entry of a past epoch's previous leaves.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ChangedLeaf {
    leaf: LeafIndex,
    leaf_node: Option<LeafNode>,
}

crate::codec_struct!(ChangedLeaf { leaf, leaf_node });

impl Encode for PastEpoch {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        self.context.encode(out)?;
        self.sender_data_secret.encode(out)?;
        self.secret_tree.encode(out)?;
        crate::codec::encode_vector(out, |out| {
            self.previous_leaves.iter().try_for_each(|(leaf, key)| {
                leaf.encode(out)?;
                key.encode(out)
            })
        })
    }

    fn encoded_len(&self) -> Result<usize, EncodeError> {
        let keys = self
            .previous_leaves
            .iter()
            .try_fold(0usize, |sum, (leaf, key)| {
                Ok::<_, EncodeError>(sum.saturating_add(leaf.encoded_len()? + key.encoded_len()?))
            })?;
        Ok(self.context.encoded_len()?
            + self.sender_data_secret.encoded_len()?
            + self.secret_tree.encoded_len()?
            + vector_len(keys)?)
    }
}

impl Decode for PastEpoch {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let context = GroupContext::decode(r)?;
        let sender_data_secret = Secret::decode(r)?;
        let secret_tree = SecretTree::decode(r)?;
        let changed = Vec::<ChangedLeaf>::decode(r)?;
        let mut previous_leaves = BTreeMap::new();
        for c in changed {
            if previous_leaves.insert(c.leaf, c.leaf_node).is_some() {
                return Err(DecodeError::Invalid(InvalidField::ChangedLeaves));
            }
        }
        Ok(Self {
            context,
            sender_data_secret,
            secret_tree,
            previous_leaves,
        })
    }
}

impl Encode for PendingCommit {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        self.message.encode(out)?;
        self.content.encode(out)?;
        self.private.encode(out)?;
        self.commit_secret.encode(out)?;
        self.now.0.encode(out)
    }

    fn encoded_len(&self) -> Result<usize, EncodeError> {
        Ok(self.message.encoded_len()?
            + self.content.encoded_len()?
            + self.private.encoded_len()?
            + self.commit_secret.encoded_len()?
            + 8)
    }
}

impl Decode for PendingCommit {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Self {
            message: Vec::<u8>::decode(r)?,
            content: AuthenticatedContent::decode(r)?,
            private: TreeKemPrivate::decode(r)?,
            commit_secret: Secret::decode(r)?,
            now: Timestamp(u64::decode(r)?),
        })
    }
}

/// A stored external PSK.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ExternalPsk {
    psk_id: Vec<u8>,
    psk: Secret,
}

crate::codec_struct!(ExternalPsk { psk_id, psk });

impl GroupState {
    /// The length of [`encode_saved`](Self::encode_saved)'s output with
    /// the encoded tree of `tree_len` bytes, computed without copying a
    /// secret.
    pub(crate) fn saved_len(&self, tree_len: usize) -> Result<usize, EncodeError> {
        let past = self.past_epochs.iter().try_fold(0usize, |sum, p| {
            Ok::<_, EncodeError>(sum.saturating_add(p.encoded_len()?))
        })?;
        let resumption = self.resumption_psks.iter().try_fold(0usize, |sum, p| {
            Ok::<_, EncodeError>(sum.saturating_add(p.encoded_len()?))
        })?;
        let external = self.psks.entries().try_fold(0usize, |sum, (id, psk)| {
            Ok::<_, EncodeError>(sum.saturating_add(id.encoded_len()? + psk.encoded_len()?))
        })?;
        let parts = [
            MAGIC.len(),
            FORMAT_VERSION.encoded_len()?,
            self.context.encoded_len()?,
            tree_len,
            self.private.encoded_len()?,
            self.signer.encoded_len()?,
            self.secrets.encoded_len()?,
            self.secret_tree.encoded_len()?,
            self.interim_transcript_hash.encoded_len()?,
            self.confirmation_tag.encoded_len()?,
            self.proposals.encoded_len()?,
            vector_len(past)?,
            vector_len(resumption)?,
            vector_len(external)?,
            self.pending_update_keys.encoded_len()?,
            self.pending_commit.encoded_len()?,
            1,
            self.reinit.encoded_len()?,
        ];
        Ok(parts.iter().fold(0usize, |sum, n| sum.saturating_add(*n)))
    }

    /// The encoded ratchet tree, which holds no secret: encoded first, so
    /// that the buffer of the whole state can be sized exactly.
    pub(crate) fn encoded_tree(&self) -> Result<Vec<u8>, EncodeError> {
        self.tree.to_bytes()
    }

    /// Appends the saved form of the state (see the module documentation)
    /// to `out`, with the tree as encoded by
    /// [`encoded_tree`](Self::encoded_tree).
    pub(crate) fn encode_saved(&self, out: &mut Vec<u8>, tree: &[u8]) -> Result<(), EncodeError> {
        out.extend_from_slice(MAGIC);
        FORMAT_VERSION.encode(out)?;
        self.context.encode(out)?;
        out.extend_from_slice(tree);
        self.private.encode(out)?;
        self.signer.encode(out)?;
        self.secrets.encode(out)?;
        self.secret_tree.encode(out)?;
        self.interim_transcript_hash.encode(out)?;
        self.confirmation_tag.encode(out)?;
        self.proposals.encode(out)?;
        crate::codec::encode_vector(out, |out| {
            self.past_epochs.iter().try_for_each(|p| p.encode(out))
        })?;
        crate::codec::encode_vector(out, |out| {
            self.resumption_psks.iter().try_for_each(|p| p.encode(out))
        })?;
        crate::codec::encode_vector(out, |out| {
            self.psks.entries().try_for_each(|(psk_id, psk)| {
                psk_id.encode(out)?;
                psk.encode(out)
            })
        })?;
        self.pending_update_keys.encode(out)?;
        self.pending_commit.encode(out)?;
        u8::from(self.active).encode(out)?;
        self.reinit.encode(out)
    }

    /// Restores a state saved by [`encode_saved`](Self::encode_saved).
    /// Checks that its parts fit together: the tree (at most
    /// `config.max_tree_leaves` leaves) hashes to the context's tree hash,
    /// the private keys match the tree, the secret tree has the tree's
    /// size, and the past epochs are of this group, older than the current
    /// one and in order.
    pub(crate) fn decode_saved(
        provider: &dyn crate::crypto::CryptoProvider,
        config: &GroupConfig,
        bytes: &[u8],
    ) -> Result<Self, Error> {
        let rest = bytes
            .strip_prefix(MAGIC.as_slice())
            .ok_or(StateError::NotASavedGroup)?;
        let mut r = Reader::new(rest);
        let version = u16::decode(&mut r)?;
        if version != FORMAT_VERSION && version != FORMAT_VERSION_2 {
            return Err(StateError::UnsupportedVersion(version).into());
        }
        let context = GroupContext::decode(&mut r)?;
        // The tree, hashed from the bytes its nodes are decoded from; it
        // needs the suite, so the context is checked for a known one first.
        let crypto = SuiteCrypto::new(provider, context.cipher_suite)?;
        let tree = RatchetTree::decode_with_max(&crypto, &mut r, config.max_tree_leaves)?;
        let private = TreeKemPrivate::decode(&mut r)?;
        let signer = SignaturePrivateKey::decode(&mut r)?;
        let secrets = EpochSecrets::decode(&mut r)?;
        let secret_tree = SecretTree::decode(&mut r)?;
        let interim_transcript_hash = Vec::<u8>::decode(&mut r)?;
        let confirmation_tag = Vec::<u8>::decode(&mut r)?;
        let proposals = Vec::<PendingProposal>::decode(&mut r)?;
        let past_epochs = Vec::<PastEpoch>::decode(&mut r)?;
        let resumption_psks = Vec::<ResumptionPsk>::decode(&mut r)?;
        let external = Vec::<ExternalPsk>::decode(&mut r)?;
        let pending_update_keys = Vec::<UpdateKey>::decode(&mut r)?;
        let pending_commit = Option::<PendingCommit>::decode(&mut r)?;
        let active = match u8::decode(&mut r)? {
            0 => false,
            1 => true,
            _ => return Err(DecodeError::Invalid(InvalidField::ActiveFlag).into()),
        };
        let reinit = if version == FORMAT_VERSION_2 {
            None
        } else {
            Option::<ReInit>::decode(&mut r)?
        };
        r.finish()?;

        if tree.tree_hash() != context.tree_hash.as_slice() {
            return Err(StateError::TreeHashMismatch.into());
        }
        if active && private.check_consistent(&tree).is_err() {
            return Err(StateError::PrivateKeysMismatch.into());
        }
        if secret_tree.size() != tree.size() {
            return Err(StateError::SecretTreeSize {
                secret_tree: secret_tree.size().leaf_count(),
                tree: tree.size().leaf_count(),
            }
            .into());
        }
        check_past_epochs(&context, &past_epochs)?;
        if let Some(pending) = &pending_commit {
            let epoch = pending.content.content.epoch;
            if epoch != context.epoch {
                return Err(StateError::PendingCommitOutOfPlace { epoch }.into());
            }
        }
        let mut psks = PskStore::new();
        for e in external {
            psks.insert(e.psk_id, e.psk);
        }
        Ok(Self {
            context,
            tree,
            private,
            signer,
            secrets,
            secret_tree,
            interim_transcript_hash,
            confirmation_tag,
            proposals,
            past_epochs: past_epochs.into(),
            resumption_psks: resumption_psks.into(),
            psks,
            pending_update_keys,
            pending_commit,
            active,
            reinit,
            link_psk: None,
        })
    }
}

/// Past epochs are of the current group, older than the current epoch, and
/// oldest first.
fn check_past_epochs(context: &GroupContext, past_epochs: &[PastEpoch]) -> Result<(), Error> {
    let mut last_epoch = None;
    for past in past_epochs {
        let epoch = past.context.epoch;
        if past.context.group_id != context.group_id
            || epoch >= context.epoch
            || last_epoch.is_some_and(|e| e >= epoch)
        {
            return Err(StateError::PastEpochOutOfOrder { epoch }.into());
        }
        last_epoch = Some(epoch);
    }
    Ok(())
}
