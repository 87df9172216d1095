//! Saving a group as bytes and restoring it.
//!
//! The format is this crate's own, versioned, in the TLS presentation
//! language of RFC 9420 §2.1:
//!
//! ```text
//! struct {
//!     opaque magic[8] = "MLSGROUP";
//!     uint16 format_version = 1;
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
//!     uint8 active;
//! } SavedGroup;
//! ```
//!
//! The bytes hold every secret of the member's state: store them as
//! carefully as the keys themselves. Restoring checks that the parts fit
//! together (tree hash, private keys against the tree, secret tree size)
//! and fails with a typed error otherwise; it never panics.

use std::collections::{BTreeMap, VecDeque};

use super::error::GroupError;
use super::past::PastEpoch;
use super::psk::PskStore;
use super::{Group, GroupConfig, GroupState, PendingProposal};
use crate::codec::{Decode, DecodeError, Encode, EncodeError, Reader};
use crate::crypto::{
    CryptoProvider, HpkePrivateKey, HpkePublicKey, Secret, SignaturePrivateKey, SignaturePublicKey,
    SuiteCrypto,
};
use crate::error::Error;
use crate::framing::Sender;
use crate::key_schedule::{EpochSecrets, GroupContext};
use crate::messages::{Proposal, ProposalRef, RatchetTreeExtension};
use crate::secret_tree::SecretTree;
use crate::tree::treekem::TreeKemPrivate;
use crate::tree::{LeafIndex, RatchetTree, TreeView};

const MAGIC: &[u8; 8] = b"MLSGROUP";
const FORMAT_VERSION: u16 = 1;

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

/// One entry of a past epoch's changed leaves.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ChangedLeaf {
    leaf: LeafIndex,
    signature_key: Option<SignaturePublicKey>,
}

crate::codec_struct!(ChangedLeaf {
    leaf,
    signature_key
});

impl Encode for PastEpoch {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        self.context.encode(out)?;
        self.sender_data_secret.encode(out)?;
        self.secret_tree.encode(out)?;
        let changed: Vec<ChangedLeaf> = self
            .changed_leaves
            .iter()
            .map(|(leaf, key)| ChangedLeaf {
                leaf: *leaf,
                signature_key: key.clone(),
            })
            .collect();
        changed.encode(out)
    }
}

impl Decode for PastEpoch {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let context = GroupContext::decode(r)?;
        let sender_data_secret = Secret::decode(r)?;
        let secret_tree = SecretTree::decode(r)?;
        let changed = Vec::<ChangedLeaf>::decode(r)?;
        let mut changed_leaves = BTreeMap::new();
        for c in changed {
            if changed_leaves.insert(c.leaf, c.signature_key).is_some() {
                return Err(DecodeError::Invalid("duplicate leaf in changed_leaves"));
            }
        }
        Ok(Self {
            context,
            sender_data_secret,
            secret_tree,
            changed_leaves,
        })
    }
}

/// A kept resumption PSK.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ResumptionPsk {
    epoch: u64,
    psk: Secret,
}

crate::codec_struct!(ResumptionPsk { epoch, psk });

/// A stored external PSK.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ExternalPsk {
    psk_id: Vec<u8>,
    psk: Secret,
}

crate::codec_struct!(ExternalPsk { psk_id, psk });

/// The private key of a leaf this member proposed in an Update.
#[derive(Debug, Clone, PartialEq, Eq)]
struct UpdateKey {
    public: HpkePublicKey,
    private: HpkePrivateKey,
}

crate::codec_struct!(UpdateKey { public, private });

impl<P: CryptoProvider> Group<P> {
    /// The whole group state as bytes, in a versioned format (see the
    /// module documentation of `group::state`). The bytes contain every
    /// secret of this member: keep them as safe as its keys.
    pub fn to_bytes(&self) -> Result<Vec<u8>, Error> {
        let s = &self.state;
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        FORMAT_VERSION.encode(&mut out)?;
        s.context.encode(&mut out)?;
        RatchetTreeExtension(s.tree.to_nodes()).encode(&mut out)?;
        s.private.encode(&mut out)?;
        s.signer.encode(&mut out)?;
        s.secrets.encode(&mut out)?;
        s.secret_tree.encode(&mut out)?;
        s.interim_transcript_hash.encode(&mut out)?;
        s.confirmation_tag.encode(&mut out)?;
        s.proposals.encode(&mut out)?;
        crate::codec::encode_vector(&mut out, |out| {
            s.past_epochs.iter().try_for_each(|p| p.encode(out))
        })?;
        let resumption: Vec<ResumptionPsk> = s
            .resumption_psks
            .iter()
            .map(|(epoch, psk)| ResumptionPsk {
                epoch: *epoch,
                psk: psk.clone(),
            })
            .collect();
        resumption.encode(&mut out)?;
        let external: Vec<ExternalPsk> = s
            .psks
            .entries()
            .map(|(id, psk)| ExternalPsk {
                psk_id: id.clone(),
                psk: psk.clone(),
            })
            .collect();
        external.encode(&mut out)?;
        let update_keys: Vec<UpdateKey> = s
            .pending_update_keys
            .iter()
            .map(|(public, private)| UpdateKey {
                public: public.clone(),
                private: private.clone(),
            })
            .collect();
        update_keys.encode(&mut out)?;
        u8::from(s.active).encode(&mut out)?;
        Ok(out)
    }

    /// Restores a group saved by [`to_bytes`](Self::to_bytes), with the
    /// caller's provider and policies (which are not part of the state).
    ///
    /// Fails with [`GroupError::UnsupportedStateVersion`] for another
    /// format version, a [`DecodeError`] for malformed bytes, and
    /// [`GroupError::InconsistentState`] when the parts do not fit
    /// together.
    pub fn from_bytes(provider: P, config: GroupConfig, bytes: &[u8]) -> Result<Self, Error> {
        let rest = bytes
            .strip_prefix(MAGIC.as_slice())
            .ok_or(GroupError::InconsistentState("not a saved group"))?;
        let mut r = Reader::new(rest);
        let version = u16::decode(&mut r)?;
        if version != FORMAT_VERSION {
            return Err(GroupError::UnsupportedStateVersion(version).into());
        }
        let context = GroupContext::decode(&mut r)?;
        let nodes = RatchetTreeExtension::decode(&mut r)?;
        let private = TreeKemPrivate::decode(&mut r)?;
        let signer = SignaturePrivateKey::decode(&mut r)?;
        let secrets = EpochSecrets::decode(&mut r)?;
        let secret_tree = SecretTree::decode(&mut r)?;
        let interim_transcript_hash = Vec::<u8>::decode(&mut r)?;
        let confirmation_tag = Vec::<u8>::decode(&mut r)?;
        let proposals = Vec::<PendingProposal>::decode(&mut r)?;
        let past_epochs = Vec::<PastEpoch>::decode(&mut r)?;
        let resumption = Vec::<ResumptionPsk>::decode(&mut r)?;
        let external = Vec::<ExternalPsk>::decode(&mut r)?;
        let update_keys = Vec::<UpdateKey>::decode(&mut r)?;
        let active = match u8::decode(&mut r)? {
            0 => false,
            1 => true,
            _ => return Err(DecodeError::Invalid("active flag").into()),
        };
        r.finish()?;

        let crypto = SuiteCrypto::new(&provider, context.cipher_suite)?;
        let max = config.max_tree_leaves.max(1 << 20);
        let tree = RatchetTree::from_nodes_with_max(&crypto, nodes.0, max)?;
        if tree.tree_hash() != context.tree_hash.as_slice() {
            return Err(GroupError::InconsistentState("tree hash").into());
        }
        if active {
            private
                .check_consistent(&tree)
                .map_err(|_| GroupError::InconsistentState("private keys do not match the tree"))?;
        }
        if secret_tree.size() != tree.size() {
            return Err(GroupError::InconsistentState("secret tree size").into());
        }
        let mut last_epoch = None;
        for past in &past_epochs {
            if past.context.group_id != context.group_id
                || past.context.epoch >= context.epoch
                || last_epoch.is_some_and(|e| e >= past.context.epoch)
            {
                return Err(GroupError::InconsistentState("past epochs").into());
            }
            last_epoch = Some(past.context.epoch);
        }
        let mut psks = PskStore::new();
        for e in external {
            psks.insert(e.psk_id, e.psk);
        }
        let state = GroupState {
            context,
            tree,
            private,
            signer,
            secrets,
            secret_tree,
            interim_transcript_hash,
            confirmation_tag,
            proposals,
            past_epochs: VecDeque::from(past_epochs),
            resumption_psks: resumption.into_iter().map(|p| (p.epoch, p.psk)).collect(),
            psks,
            pending_update_keys: update_keys
                .into_iter()
                .map(|k| (k.public, k.private))
                .collect(),
            active,
        };
        Ok(Self {
            provider,
            config,
            state,
        })
    }
}
