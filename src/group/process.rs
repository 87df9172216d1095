//! Processing received messages (RFC 9420 §6.2, §6.3, §12.1, §12.4.2).
//!
//! [`Group::process_message`] validates everything from `&self` first; the
//! only change it makes is at the very end, after every check passed:
//! deleting the message key it used (§9.2) and, for a proposal, storing
//! it. On any error the group is exactly as it was.

use std::collections::HashSet;

use super::commit::{key_schedule_step, provisional_context};
use super::error::GroupError;
use super::proposals::{Checker, Resolved, check_leaf_supports_extensions, required_capabilities};
use super::staged::{CommitEffects, NextEpoch, StagedCommit};
use super::{Group, PendingProposal};
use crate::codec::{Encode, decode_exact};
use crate::crypto::{CryptoProvider, SignaturePublicKey, SuiteCrypto};
use crate::error::Error;
use crate::framing::{
    AuthenticatedContent, ContentType, FramedContentBody, PrivateMessage, PublicMessage, Sender,
    VerifiedContent,
};
use crate::key_schedule::interim_transcript_hash;
use crate::key_schedule::zero_psk_secret;
use crate::messages::{
    Commit, ExternalSenders, MlsMessage, MlsMessageBody, Proposal, ProposalOrRef, ProposalRef,
    ProtocolVersion,
};
use crate::secret_tree::StagedKey;
use crate::tree::treekem;
use crate::tree::validate::{
    LeafContext, LeafRole, Timestamp, check_supports_credentials, validate_leaf_node,
};
use crate::tree::{LeafIndex, TreeDiff, TreeView};

/// Application data received in a PrivateMessage (RFC 9420 §6.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationMessage {
    /// The sender's leaf.
    pub sender: LeafIndex,
    /// The epoch the message was sent in (the current one or a kept past
    /// epoch).
    pub epoch: u64,
    /// The application data.
    pub data: Vec<u8>,
    /// The sender's authenticated additional data.
    pub authenticated_data: Vec<u8>,
}

/// A proposal received by reference, checked and stored for the epoch
/// (RFC 9420 §12.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedProposal {
    /// Its reference, by which a commit includes it (RFC 9420 §5.2).
    pub reference: ProposalRef,
    /// The proposal.
    pub proposal: Proposal,
    /// Who proposed it.
    pub sender: Sender,
    /// The sender's authenticated additional data.
    pub authenticated_data: Vec<u8>,
}

/// What a received message turned out to be.
#[derive(Debug)]
pub enum Processed {
    /// Application data; its key is deleted (RFC 9420 §9.2).
    Application(ApplicationMessage),
    /// A proposal, now pending until the next commit.
    Proposal(Box<ReceivedProposal>),
    /// A commit, checked and staged: inspect it, then merge it with
    /// [`Group::merge_staged_commit`] or drop it.
    Commit(Box<StagedCommit>),
}

/// A PrivateMessage's staged key, with the past epoch it belongs to.
struct KeyToMerge {
    past_index: Option<usize>,
    key: StagedKey,
}

impl<P: CryptoProvider> Group<P> {
    /// Processes an encoded `MLSMessage` carrying a PublicMessage or a
    /// PrivateMessage (RFC 9420 §6): checks its group, epoch, wire format
    /// against the policy, membership tag or decryption, sender and
    /// signature, then its content:
    ///
    /// - application data (current epoch, or a kept past epoch) is
    ///   returned and its key deleted;
    /// - a proposal is validated on its own (§12.1) and stored for this
    ///   epoch;
    /// - a commit is validated completely (§12.2, §12.4.2: its proposal
    ///   list, path, parent hashes, path secrets, key schedule and
    ///   confirmation tag) and returned staged.
    ///
    /// `now` is the time against which leaf lifetimes are checked
    /// (§7.2). On error nothing changes.
    pub fn process_message(&mut self, message: &[u8], now: Timestamp) -> Result<Processed, Error> {
        self.ensure_active()?;
        let message: MlsMessage = decode_exact(message)?;
        if message.version != ProtocolVersion::MLS10 {
            return Err(GroupError::UnsupportedVersion(message.version.0).into());
        }
        let crypto = SuiteCrypto::new(&self.provider, self.state.context.cipher_suite)?;
        let (verified, key) = match message.body {
            MlsMessageBody::PublicMessage(m) => (self.open_public(&crypto, m)?, None),
            MlsMessageBody::PrivateMessage(m) => {
                let (verified, key) = self.open_private(&crypto, &m)?;
                (verified, Some(key))
            }
            other => return Err(GroupError::NotAGroupMessage(other.wire_format()).into()),
        };
        let content = verified.into_content();
        let outcome = match &content.content.content {
            FramedContentBody::Application(data) => Processed::Application(ApplicationMessage {
                sender: match content.content.sender {
                    Sender::Member(leaf) => leaf,
                    _ => return Err(Error::Internal("application data from a non-member")),
                },
                epoch: content.content.epoch,
                data: data.clone(),
                authenticated_data: content.content.authenticated_data.clone(),
            }),
            FramedContentBody::Proposal(proposal) => {
                let sender = content.content.sender;
                if sender == Sender::Member(self.own_leaf()) {
                    return Err(GroupError::OwnMessage.into());
                }
                let checker = Checker::new(&crypto, &self.state, &self.config, now)?;
                checker.check_single(proposal, sender)?;
                let reference = ProposalRef(crypto.proposal_ref(&content.to_bytes()?)?);
                Processed::Proposal(Box::new(ReceivedProposal {
                    reference,
                    proposal: proposal.clone(),
                    sender,
                    authenticated_data: content.content.authenticated_data.clone(),
                }))
            }
            FramedContentBody::Commit(commit) => {
                Processed::Commit(Box::new(self.stage_commit(&crypto, &content, commit, now)?))
            }
        };

        // Every check passed: delete the key used, store a proposal.
        if let Some(KeyToMerge { past_index, key }) = key {
            let tree = match past_index {
                None => &mut self.state.secret_tree,
                Some(i) => {
                    &mut self
                        .state
                        .past_epochs
                        .get_mut(i)
                        .ok_or(Error::Internal("past epoch vanished"))?
                        .secret_tree
                }
            };
            tree.merge_staged_key(key)?;
        }
        if let Processed::Proposal(p) = &outcome {
            if !self
                .state
                .proposals
                .iter()
                .any(|q| q.reference == p.reference)
            {
                self.state.proposals.push(PendingProposal {
                    reference: p.reference.clone(),
                    proposal: p.proposal.clone(),
                    sender: p.sender,
                });
            }
        }
        Ok(outcome)
    }

    /// Fails unless a handshake message of `wire_format` from `epoch` may
    /// be processed: the policy accepts the format, and the epoch is the
    /// current one (RFC 9420 §12.4.2).
    fn check_handshake(
        &self,
        wire_format: crate::messages::WireFormat,
        epoch: u64,
    ) -> Result<(), Error> {
        if !self.config.wire_format.accepts(wire_format) {
            return Err(GroupError::WireFormatRefused(wire_format).into());
        }
        let current = self.state.context.epoch;
        if epoch < current {
            return Err(GroupError::HandshakeFromPastEpoch(epoch).into());
        }
        if epoch != current {
            return Err(GroupError::WrongEpoch {
                got: epoch,
                current,
            }
            .into());
        }
        Ok(())
    }

    /// Unprotects and verifies a PublicMessage (RFC 9420 §6.2, §6.1).
    fn open_public(
        &self,
        crypto: &SuiteCrypto<'_>,
        message: PublicMessage,
    ) -> Result<VerifiedContent, Error> {
        if message.content.group_id != self.state.context.group_id {
            return Err(GroupError::WrongGroup.into());
        }
        self.check_handshake(
            crate::messages::WireFormat::PUBLIC_MESSAGE,
            message.content.epoch,
        )?;
        let unverified = message.unprotect(
            crypto,
            &self.state.context,
            &self.state.secrets.membership_key,
        )?;
        let content = unverified.content();
        let key: SignaturePublicKey = match (&content.content.sender, &content.content.content) {
            (Sender::Member(leaf), _) => {
                if *leaf == self.own_leaf() {
                    return Err(GroupError::OwnMessage.into());
                }
                self.state
                    .tree
                    .leaf(*leaf)
                    .ok_or(GroupError::SenderNotMember(*leaf))?
                    .signature_key
                    .clone()
            }
            (Sender::External(index), _) => {
                // §12.1.8.1: the key is the external_senders entry.
                let senders = self
                    .state
                    .context
                    .extensions
                    .get::<ExternalSenders>()
                    .map_err(|_| {
                        GroupError::MalformedExtension(
                            crate::messages::ExtensionType::EXTERNAL_SENDERS,
                        )
                    })?
                    .ok_or(GroupError::UnknownExternalSender(*index))?;
                usize::try_from(*index)
                    .ok()
                    .and_then(|i| senders.0.get(i))
                    .ok_or(GroupError::UnknownExternalSender(*index))?
                    .signature_key
                    .clone()
            }
            (Sender::NewMemberProposal, FramedContentBody::Proposal(p)) => match p {
                // §12.1.8: signed by the key of the KeyPackage's leaf.
                Proposal::Add(add) => add.key_package.leaf_node.signature_key.clone(),
                _ => {
                    return Err(GroupError::UnsupportedSender {
                        sender_type: content.content.sender.sender_type(),
                        content_type: content.content.content_type(),
                    }
                    .into());
                }
            },
            (sender, body) => {
                return Err(GroupError::UnsupportedSender {
                    sender_type: sender.sender_type(),
                    content_type: body.content_type(),
                }
                .into());
            }
        };
        unverified.verify(crypto, &key)
    }

    /// Decrypts and verifies a PrivateMessage of the current epoch, or an
    /// application message of a kept past epoch (RFC 9420 §6.3).
    fn open_private(
        &self,
        crypto: &SuiteCrypto<'_>,
        message: &PrivateMessage,
    ) -> Result<(VerifiedContent, KeyToMerge), Error> {
        if message.group_id != self.state.context.group_id {
            return Err(GroupError::WrongGroup.into());
        }
        let current = self.state.context.epoch;
        if message.content_type != ContentType::Application {
            self.check_handshake(crate::messages::WireFormat::PRIVATE_MESSAGE, message.epoch)?;
        }
        if message.epoch == current {
            let tree = &self.state.tree;
            let decrypted = message.decrypt(
                crypto,
                &self.state.context,
                &self.state.secret_tree,
                &self.state.secrets.sender_data_secret,
                |leaf| tree.leaf(leaf).is_some(),
            )?;
            let leaf = decrypted.sender_leaf();
            if leaf == self.own_leaf() {
                return Err(GroupError::OwnMessage.into());
            }
            let key = &tree
                .leaf(leaf)
                .ok_or(GroupError::SenderNotMember(leaf))?
                .signature_key;
            let (verified, staged) = decrypted.verify(crypto, key)?;
            return Ok((
                verified,
                KeyToMerge {
                    past_index: None,
                    key: staged,
                },
            ));
        }
        let index = self
            .state
            .past_epochs
            .iter()
            .position(|p| p.context.epoch == message.epoch)
            .ok_or(GroupError::WrongEpoch {
                got: message.epoch,
                current,
            })?;
        let past = self
            .state
            .past_epochs
            .get(index)
            .ok_or(Error::Internal("past epoch index"))?;
        let decrypted = message.decrypt(
            crypto,
            &past.context,
            &past.secret_tree,
            &past.sender_data_secret,
            |leaf| self.state.past_signature_key(index, leaf).is_some(),
        )?;
        let leaf = decrypted.sender_leaf();
        let key = self
            .state
            .past_signature_key(index, leaf)
            .ok_or(GroupError::SenderNotMember(leaf))?;
        let (verified, staged) = decrypted.verify(crypto, key)?;
        Ok((
            verified,
            KeyToMerge {
                past_index: Some(index),
                key: staged,
            },
        ))
    }

    /// Validates a received commit completely and computes the next epoch
    /// (RFC 9420 §12.4.2).
    fn stage_commit(
        &self,
        crypto: &SuiteCrypto<'_>,
        content: &AuthenticatedContent,
        commit: &Commit,
        now: Timestamp,
    ) -> Result<StagedCommit, Error> {
        let state = &self.state;
        let committer = match content.content.sender {
            Sender::Member(leaf) => leaf,
            sender => {
                return Err(GroupError::UnsupportedSender {
                    sender_type: sender.sender_type(),
                    content_type: ContentType::Commit,
                }
                .into());
            }
        };
        if committer == self.own_leaf() {
            return Err(GroupError::OwnMessage.into());
        }
        let confirmation_tag = content
            .auth
            .confirmation_tag
            .as_ref()
            .ok_or(GroupError::MissingConfirmationTag)?;

        // Resolve the proposal list (§12.4.2).
        let mut list = Vec::with_capacity(commit.proposals.len());
        let mut seen = HashSet::new();
        for item in &commit.proposals {
            match item {
                ProposalOrRef::Proposal(p) => list.push(Resolved {
                    proposal: (**p).clone(),
                    sender: Sender::Member(committer),
                    reference: None,
                }),
                ProposalOrRef::Reference(r) => {
                    if !seen.insert(r) {
                        return Err(GroupError::DuplicateProposalRef.into());
                    }
                    let pending = state
                        .proposals
                        .iter()
                        .find(|p| p.reference == *r)
                        .ok_or(GroupError::UnknownProposalRef)?;
                    list.push(Resolved {
                        proposal: pending.proposal.clone(),
                        sender: pending.sender,
                        reference: Some(r.clone()),
                    });
                }
            }
        }
        let mut checker = Checker::new(crypto, state, &self.config, now)?;
        let mut diff = TreeDiff::new(&state.tree);
        let applied = checker.apply_list(committer, &list, &mut diff)?;
        if applied.path_required && commit.path.is_none() {
            return Err(GroupError::PathRequired.into());
        }
        let own = self.own_leaf();
        let removes_self = applied.removed.iter().any(|(l, _)| *l == own);
        let extensions = applied
            .extensions
            .clone()
            .unwrap_or_else(|| state.context.extensions.clone());
        let mut changed_leaves = applied.changed_leaves.clone();
        let added: HashSet<LeafIndex> = applied.added.iter().map(|(l, _)| *l).collect();

        // An Update of this member's own leaf, proposed by it: switch to
        // the new leaf's private key (RFC 9420 §12.1.2).
        let mut own_private = None;
        if let Some((_, leaf_node)) = applied.updated.iter().find(|(l, _)| *l == own) {
            let (public, private) = state
                .pending_update_keys
                .iter()
                .find(|(public, _)| *public == leaf_node.encryption_key)
                .ok_or(GroupError::UnknownOwnUpdate)?;
            let mut keys =
                crate::tree::treekem::TreeKemPrivate::new(own, public.clone(), private.clone())?;
            keys.prune(&diff);
            own_private = Some(keys);
        }
        let own_private = own_private.as_ref().unwrap_or(&state.private);
        let mut path_leaf = None;
        let mut received = None;
        if let Some(path) = &commit.path {
            let current = state
                .tree
                .leaf(committer)
                .ok_or(GroupError::SenderNotMember(committer))?;
            // §12.4.2: the path's leaf is valid with source `commit`, and
            // its encryption key is new.
            let required = required_capabilities(&extensions)?;
            let ctx = LeafContext {
                group_id: &state.context.group_id,
                required_capabilities: required.as_ref(),
                lifetime: self.config.lifetime.receive,
                now,
                credentials: self.config.credentials.as_ref(),
            };
            validate_leaf_node(crypto, &path.leaf_node, committer, LeafRole::Commit, &ctx)?;
            check_leaf_supports_extensions(&path.leaf_node, &extensions)?;
            if path.leaf_node.encryption_key == current.encryption_key {
                return Err(GroupError::PathKeepsEncryptionKey.into());
            }
            if let Some(first) = diff
                .find_signature_key(&path.leaf_node.signature_key)
                .filter(|l| *l != committer)
            {
                return Err(crate::tree::TreeError::DuplicateSignatureKey {
                    first,
                    second: committer,
                }
                .into());
            }
            if path.leaf_node.credential.credential_type() != current.credential.credential_type()
                || path.leaf_node.capabilities.credentials != current.capabilities.credentials
            {
                check_path_credentials(&diff, committer, &path.leaf_node)?;
            }
            changed_leaves
                .entry(committer)
                .or_insert_with(|| Some(current.signature_key.clone()));
            // §7.5, §12.4.2: merge the path (fresh keys, parent hashes).
            treekem::merge_update_path(crypto, &mut diff, committer, path)?;
            if !removes_self {
                let provisional =
                    provisional_context(state, diff.tree_hash(crypto)?, extensions.clone())?;
                let exclude = |l: LeafIndex| added.contains(&l);
                received = Some(treekem::decrypt_update_path(
                    crypto,
                    &diff,
                    committer,
                    path,
                    own_private,
                    &provisional.to_bytes()?,
                    &exclude,
                )?);
            }
            path_leaf = Some(path.leaf_node.clone());
        }

        let effects = CommitEffects {
            committer: Sender::Member(committer),
            new_epoch: state
                .context
                .epoch
                .checked_add(1)
                .ok_or(GroupError::EpochExhausted)?,
            added: applied.added.clone(),
            removed: applied.removed.clone(),
            updated: applied.updated.clone(),
            path_leaf,
            psks: applied.psks.clone(),
            extensions: applied.extensions.clone(),
            reinit: applied.reinit.clone(),
            removes_self,
        };
        let base_epoch = state.context.epoch;
        let base_tree_hash = state.context.tree_hash.clone();
        if removes_self {
            // This member cannot follow into the new epoch (§12.4.2); the
            // commit is authenticated by its signature and membership tag
            // or decryption.
            return Ok(StagedCommit {
                base_epoch,
                base_tree_hash,
                effects,
                next: None,
                changed_leaves,
            });
        }

        let (commit_secret, private) = match received {
            Some(r) => (r.commit_secret, r.private),
            None => (zero_psk_secret(crypto), own_private.clone()),
        };
        let tree_hash = diff.tree_hash(crypto)?;
        let step = key_schedule_step(
            crypto,
            state,
            content,
            tree_hash,
            extensions,
            &commit_secret,
            &applied.psks,
        )?;
        // §12.4.2: the confirmation tag must match.
        step.secrets.verify_confirmation_tag(
            crypto,
            &step.context.confirmed_transcript_hash,
            confirmation_tag,
        )?;
        let interim = interim_transcript_hash(
            crypto,
            &step.context.confirmed_transcript_hash,
            confirmation_tag,
        )?;
        Ok(StagedCommit {
            base_epoch,
            base_tree_hash,
            effects,
            next: Some(NextEpoch {
                context: step.context,
                tree: diff.into_staged(crypto)?,
                private,
                secrets: step.secrets,
                interim_transcript_hash: interim,
                confirmation_tag: confirmation_tag.clone(),
            }),
            changed_leaves,
        })
    }
}

/// §7.3 for a committer whose new leaf changes its credential type or
/// supported credential types: every credential type in use must stay
/// supported by every member.
fn check_path_credentials(
    diff: &TreeDiff<'_>,
    committer: LeafIndex,
    leaf_node: &crate::tree::LeafNode,
) -> Result<(), Error> {
    let new_type = leaf_node.credential.credential_type();
    for leaf in 0..diff.size().leaf_count() {
        let index = LeafIndex(leaf);
        if index == committer {
            continue;
        }
        if let Some(node) = diff.leaf(index) {
            check_supports_credentials(index, node, [&new_type])?;
            check_supports_credentials(committer, leaf_node, [&node.credential.credential_type()])?;
        }
    }
    Ok(())
}
