//! Processing received messages (RFC 9420 §6.2, §6.3, §12.1, §12.4.2).
//!
//! [`Group::process_message`] validates everything from `&self` first; the
//! only change it makes is at the very end, after every check passed:
//! deleting the message key it used (§9.2) and, for a proposal, storing
//! it. On any error the group is exactly as it was.
//!
//! A received commit goes from bytes to a [`StagedCommit`] in these steps:
//! [`Group::process_message`] decodes the MLSMessage;
//! `open_public` or `open_private` unprotect it (framing checks group and
//! epoch once) and verify the signature; `stage_commit` then resolves the
//! proposal list (`resolve_commit_proposals`), validates and applies it
//! (`apply_proposals`), checks the path's leaf
//! (`ProposalValidator::check_path_leaf`), merges and decrypts the path
//! (`receive_path`), and takes the step to the next epoch that created
//! commits take too (`stage_epoch`). [`Group::merge_staged_commit`] enters
//! that epoch (`GroupState::enter_epoch`).

use super::Group;
use super::epoch::{CommitInputs, Confirmation, hash_commit, stage_epoch, stage_removal};
use super::error::{CommitError, MessageError, ProposalError};
use super::proposals::{
    AppliedProposals, apply_proposals, member_committer, resolve_commit_proposals,
};
use super::staged::StagedCommit;
use super::state::{PendingCommit, PendingProposal};
use super::validate::ProposalValidator;
use crate::codec::{Encode, decode_exact};
use crate::crypto::{CryptoProvider, Secret, SignaturePublicKey, SuiteCrypto};
use crate::error::Error;
use crate::framing::{
    AuthenticatedContent, ContentType, FramedContentBody, FramingError, PrivateMessage,
    PublicMessage, Sender,
};
use crate::framing::{MlsMessage, MlsMessageBody};
use crate::messages::{
    Commit, Credential, ExtensionType, ExternalSenders, Proposal, ProposalRef, ProtocolVersion,
    UpdatePath, WireFormat,
};
use crate::secret_tree::StagedKey;
use crate::tree::treekem::{self, TreeKemPrivate};
use crate::tree::validate::Timestamp;
use crate::tree::{LeafIndex, LeafNode, TreeDiff, TreeView};

/// Who sent a message, as the group knew them in the epoch it was sent in
/// (RFC 9420 §6.1): a late message from a member removed since is still
/// attributed to that member, not to whoever took the leaf.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageSender {
    /// The sender as the message names it.
    pub sender: Sender,
    /// The sender's credential (RFC 9420 §5.3): its leaf's, its
    /// `external_senders` entry's, or its KeyPackage's.
    pub credential: Credential,
    /// The key the message's signature was verified with.
    pub signature_key: SignaturePublicKey,
}

/// Application data received in a PrivateMessage (RFC 9420 §6.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationMessage {
    /// The sender's leaf.
    pub sender: LeafIndex,
    /// The sender's credential and signature key in the message's epoch.
    pub sender_info: MessageSender,
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
    /// The proposer's credential and signature key.
    pub sender_info: MessageSender,
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

/// Where the keys of a commit's path come from.
enum PathKeys<'a> {
    /// Decrypted from the UpdatePath: another member's commit.
    Decrypt,
    /// Kept when this member created the commit.
    Own {
        private: &'a TreeKemPrivate,
        commit_secret: &'a Secret,
    },
}

/// A message whose protection and signature were checked.
struct Opened {
    content: AuthenticatedContent,
    key: Option<KeyToMerge>,
    sender: MessageSender,
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
        // RFC 9420 R-6-03, R-12.1-01 (docs/rfc9420-requirements.md)
        self.ensure_active()?;
        if let Some(pending) = self.state.pending_commit() {
            if pending.message == message {
                // This member's own commit, echoed by the delivery service.
                let crypto = self.crypto()?;
                let staged = self.stage_own_commit(&crypto, pending)?;
                return Ok(Processed::Commit(Box::new(staged)));
            }
        }
        let message: MlsMessage = decode_exact(message)?;
        if message.version != ProtocolVersion::MLS10 {
            return Err(MessageError::UnsupportedVersion(message.version).into());
        }
        let crypto = self.crypto()?;
        let Opened {
            content,
            key,
            sender,
        } = match message.body {
            MlsMessageBody::PublicMessage(m) => self.open_public(&crypto, m)?,
            MlsMessageBody::PrivateMessage(m) => self.open_private(&crypto, &m)?,
            other => return Err(MessageError::UnexpectedWireFormat(other.wire_format()).into()),
        };
        let outcome = match &content.content.content {
            FramedContentBody::Application(data) => Processed::Application(ApplicationMessage {
                sender: match content.content.sender {
                    Sender::Member(leaf) => leaf,
                    _ => return Err(Error::Internal("application data from a non-member")),
                },
                sender_info: sender,
                epoch: content.content.epoch,
                data: data.clone(),
                authenticated_data: content.content.authenticated_data.clone(),
            }),
            FramedContentBody::Proposal(proposal) => {
                let received = self.check_proposal(&crypto, &content, proposal, sender, now)?;
                Processed::Proposal(Box::new(received))
            }
            FramedContentBody::Commit(commit) => {
                let path = PathKeys::Decrypt;
                let staged = self.stage_commit(&crypto, &content, commit, now, path)?;
                Processed::Commit(Box::new(staged))
            }
        };

        // Every check passed: delete the key used, store a proposal.
        if let Some(KeyToMerge { past_index, key }) = key {
            self.state.consume_message_key(past_index, key)?;
        }
        if let Processed::Proposal(p) = &outcome {
            self.state.store_proposal(PendingProposal {
                reference: p.reference.clone(),
                proposal: p.proposal.clone(),
                sender: p.sender,
            });
        }
        Ok(outcome)
    }

    /// Fails unless the policy accepts handshake messages of `wire_format`.
    fn check_handshake_format(&self, wire_format: WireFormat) -> Result<(), Error> {
        if self.config.wire_format.accepts(wire_format) {
            Ok(())
        } else {
            Err(MessageError::WireFormatRefused(wire_format).into())
        }
    }

    /// Fails if `leaf` is this member's: its own handshake messages come
    /// back only as echoes.
    fn check_not_own(&self, leaf: LeafIndex, content_type: ContentType) -> Result<(), Error> {
        if leaf == self.own_leaf() {
            Err(MessageError::OwnMessage { content_type }.into())
        } else {
            Ok(())
        }
    }

    /// Unprotects and verifies a PublicMessage of the current epoch
    /// (RFC 9420 §6.2, §6.1).
    fn open_public(
        &self,
        crypto: &SuiteCrypto<'_>,
        message: PublicMessage,
    ) -> Result<Opened, Error> {
        // RFC 9420 R-6.2-02 (docs/rfc9420-requirements.md)
        // Non-members can only send PublicMessages (§6.3.2, §12.1.8,
        // §12.4.3.2): the policy on their proposals and commits is the
        // ProposalPolicy and the ExternalCommitPolicy, not the wire format.
        if matches!(message.content.sender, Sender::Member(_)) {
            self.check_handshake_format(WireFormat::PUBLIC_MESSAGE)?;
        }
        let unverified = message.unprotect(
            crypto,
            self.state.context(),
            &self.state.secrets().membership_key,
        )?;
        let content = &unverified.content().content;
        let sender = self.public_sender(&content.sender, &content.content)?;
        let content = unverified
            .verify(crypto, &sender.signature_key)?
            .into_content();
        Ok(Opened {
            content,
            key: None,
            sender,
        })
    }

    /// The credential and signature key of a PublicMessage's sender
    /// (RFC 9420 §6.1, §12.1.8).
    fn public_sender(
        &self,
        sender: &Sender,
        body: &FramedContentBody,
    ) -> Result<MessageSender, Error> {
        // RFC 9420 R-6.1-04, R-12.1.8-03, R-12.1.8-04 (docs/rfc9420-requirements.md)
        match (sender, body) {
            (Sender::Member(leaf), _) => {
                self.check_not_own(*leaf, body.content_type())?;
                let node = self
                    .state
                    .tree()
                    .leaf(*leaf)
                    .ok_or(MessageError::SenderNotMember(*leaf))?;
                Ok(member_sender(*leaf, node))
            }
            (Sender::External(index), _) => {
                // §12.1.8.1: the key is the external_senders entry.
                let senders = self
                    .state
                    .context()
                    .extensions
                    .get::<ExternalSenders>()
                    .map_err(|_| {
                        ProposalError::MalformedExtension(ExtensionType::EXTERNAL_SENDERS)
                    })?
                    .ok_or(MessageError::UnknownExternalSender(*index))?;
                usize::try_from(*index)
                    .ok()
                    .and_then(|i| senders.0.get(i))
                    .map(|s| MessageSender {
                        sender: *sender,
                        credential: s.credential.clone(),
                        signature_key: s.signature_key.clone(),
                    })
                    .ok_or_else(|| MessageError::UnknownExternalSender(*index).into())
            }
            // §12.4.3.2: signed by the key of the path's leaf.
            (Sender::NewMemberCommit, FramedContentBody::Commit(commit)) => {
                let leaf = &commit
                    .path
                    .as_ref()
                    .ok_or(CommitError::PathRequired)?
                    .leaf_node;
                Ok(MessageSender {
                    sender: *sender,
                    credential: leaf.credential.clone(),
                    signature_key: leaf.signature_key.clone(),
                })
            }
            // §12.1.8: signed by the key of the KeyPackage's leaf.
            (Sender::NewMemberProposal, FramedContentBody::Proposal(Proposal::Add(add))) => {
                let leaf = &add.key_package.leaf_node;
                Ok(MessageSender {
                    sender: *sender,
                    credential: leaf.credential.clone(),
                    signature_key: leaf.signature_key.clone(),
                })
            }
            // The framing refused every other sender and content (§6.1).
            _ => Err(Error::Internal("sender and content the framing refuses")),
        }
    }

    /// Decrypts and verifies a PrivateMessage of the current epoch, or an
    /// application message of a kept past epoch (RFC 9420 §6.3, §14).
    fn open_private(
        &self,
        crypto: &SuiteCrypto<'_>,
        message: &PrivateMessage,
    ) -> Result<Opened, Error> {
        // RFC 9420 R-6.1-04, R-6.3.1-04, R-6.3.2-03 (docs/rfc9420-requirements.md)
        let handshake = message.content_type != ContentType::Application;
        if handshake {
            self.check_handshake_format(WireFormat::PRIVATE_MESSAGE)?;
        }
        let state = &self.state;
        // Only application messages may come from a kept past epoch
        // (§12.4.2: handshakes are processed in their own epoch only).
        // Anything else is opened against the current epoch, whose
        // framing checks report a wrong group or epoch.
        let past = (message.epoch != state.context().epoch && !handshake)
            .then(|| state.past_epoch(message.epoch))
            .flatten();
        let Some((index, past)) = past else {
            let tree = state.tree();
            let context = state.context();
            let sender_data =
                message.sender_data(crypto, context, &state.secrets().sender_data_secret)?;
            // This member's own message, echoed back: its key is spent, so
            // it is recognised before any decryption is tried.
            self.check_not_own(sender_data.leaf_index, message.content_type)?;
            let decrypted = message.decrypt_from(
                crypto,
                context,
                state.secret_tree(),
                sender_data,
                |leaf| tree.leaf(leaf).is_some(),
            )?;
            let leaf = decrypted.sender_leaf();
            let node = tree.leaf(leaf).ok_or(MessageError::SenderNotMember(leaf))?;
            let (verified, key) = decrypted.verify(crypto, &node.signature_key)?;
            return Ok(Opened {
                content: verified.into_content(),
                key: Some(KeyToMerge {
                    past_index: None,
                    key,
                }),
                sender: member_sender(leaf, node),
            });
        };
        let sender_data = message.sender_data(crypto, &past.context, &past.sender_data_secret)?;
        self.check_not_own(sender_data.leaf_index, message.content_type)?;
        let decrypted = message.decrypt_from(
            crypto,
            &past.context,
            &past.secret_tree,
            sender_data,
            |leaf| state.past_leaf(index, leaf).is_some(),
        )?;
        let leaf = decrypted.sender_leaf();
        let node = state
            .past_leaf(index, leaf)
            .ok_or(MessageError::SenderNotMember(leaf))?;
        let (verified, key) = decrypted.verify(crypto, &node.signature_key)?;
        Ok(Opened {
            content: verified.into_content(),
            key: Some(KeyToMerge {
                past_index: Some(index),
                key,
            }),
            sender: member_sender(leaf, node),
        })
    }

    /// Checks a received proposal on its own (RFC 9420 §12.1) and computes
    /// its reference (§5.2).
    fn check_proposal(
        &self,
        crypto: &SuiteCrypto<'_>,
        content: &AuthenticatedContent,
        proposal: &Proposal,
        sender_info: MessageSender,
        now: Timestamp,
    ) -> Result<ReceivedProposal, Error> {
        // RFC 9420 R-12.1-01, R-5.2-01 (docs/rfc9420-requirements.md)
        let sender = content.content.sender;
        super::external_sender::check_external_sender_credential(&self.config, &sender_info)?;
        // §12.1.8: proposals from non-members only as the application
        // allows.
        if !matches!(sender, Sender::Member(_))
            && !self.config.proposals.accept(proposal, &sender_info)
        {
            return Err(MessageError::ProposalNotAuthorized {
                sender_type: sender.sender_type(),
                proposal_type: proposal.proposal_type(),
            }
            .into());
        }
        let validator = ProposalValidator::new(crypto, &self.state, &self.config, now)?;
        validator.check_proposal(proposal, sender)?;
        Ok(ReceivedProposal {
            reference: ProposalRef(crypto.proposal_ref(&content.to_bytes()?)?),
            proposal: proposal.clone(),
            sender,
            sender_info,
            authenticated_data: content.content.authenticated_data.clone(),
        })
    }

    /// Stages this member's pending commit again, as it would stage a
    /// received one but with the path keys it kept (RFC 9420 §12.4.2): for
    /// the echo from the delivery service and after a restore.
    pub(crate) fn stage_own_commit(
        &self,
        crypto: &SuiteCrypto<'_>,
        pending: &PendingCommit,
    ) -> Result<StagedCommit, Error> {
        let FramedContentBody::Commit(commit) = &pending.content.content.content else {
            return Err(Error::Internal("pending commit without a commit"));
        };
        let path = PathKeys::Own {
            private: &pending.private,
            commit_secret: &pending.commit_secret,
        };
        self.stage_commit(crypto, &pending.content, commit, pending.now, path)
    }

    /// Validates a commit completely and computes the next epoch
    /// (RFC 9420 §12.4.2).
    fn stage_commit(
        &self,
        crypto: &SuiteCrypto<'_>,
        content: &AuthenticatedContent,
        commit: &Commit,
        now: Timestamp,
        path_keys: PathKeys<'_>,
    ) -> Result<StagedCommit, Error> {
        // RFC 9420 R-12.2-01, R-12.4-04, R-6.1-06 (docs/rfc9420-requirements.md)
        let state = &self.state;
        let sender = content.content.sender;
        if sender == Sender::NewMemberCommit {
            return self.stage_external_commit(crypto, content, commit, now);
        }
        let committer = member_committer(sender)?;
        let own = matches!(path_keys, PathKeys::Own { .. });
        if !own {
            self.check_not_own(committer, ContentType::Commit)?;
        }
        let confirmation_tag = content
            .auth
            .confirmation_tag
            .as_deref()
            .ok_or(FramingError::MissingConfirmationTag)?;

        let list = resolve_commit_proposals(state, sender, &commit.proposals)?;
        let mut validator = ProposalValidator::new(crypto, state, &self.config, now)?;
        let mut diff = TreeDiff::new(state.tree());
        let max_leaves = self.config.max_tree_leaves;
        let mut applied = apply_proposals(&mut validator, committer, &list, &mut diff, max_leaves)?;
        if applied.path_required && commit.path.is_none() {
            return Err(CommitError::PathRequired.into());
        }
        let own_private = self.own_update_keys(&applied, &diff)?;
        if let Some(path) = &commit.path {
            validator.check_path_leaf(&diff, committer, &path.leaf_node)?;
            let previous = state.tree().leaf(committer).cloned();
            applied.previous_leaves.entry(committer).or_insert(previous);
            // §7.5, §12.4.2: merge the path (fresh keys, parent hashes).
            treekem::merge_update_path(crypto, &mut diff, committer, path)?;
        }
        let path_leaf = commit.path.as_ref().map(|p| p.leaf_node.clone());
        let discards_pending_commit = !own && state.pending_commit().is_some();
        let committer_credential = state
            .tree()
            .leaf(committer)
            .ok_or(MessageError::SenderNotMember(committer))?
            .credential
            .clone();
        if applied.removes(self.own_leaf()) {
            let credential = committer_credential;
            let mut staged = stage_removal(state, sender, credential, applied, path_leaf)?;
            staged.effects.discards_pending_commit = discards_pending_commit;
            return Ok(staged);
        }
        let (commit_secret, private) = match (&commit.path, path_keys) {
            (
                _,
                PathKeys::Own {
                    private,
                    commit_secret,
                },
            ) => (commit_secret.clone(), private.clone()),
            (Some(path), PathKeys::Decrypt) => {
                self.receive_path(crypto, &mut diff, &applied, committer, path, &own_private)?
            }
            (None, PathKeys::Decrypt) => (Secret::zero(crypto.hash_len()), own_private),
        };
        let (tree, confirmed_transcript_hash) =
            hash_commit(crypto, state, diff, content, applied.added.len())?;
        let inputs = CommitInputs {
            content,
            confirmed_transcript_hash,
            tree,
            applied,
            commit_secret,
            private,
            path_leaf,
            committer_credential,
            external_init_secret: None,
        };
        let received = Confirmation::Received(confirmation_tag);
        let mut staged = stage_epoch(crypto, state, inputs, received)?.staged;
        staged.effects.discards_pending_commit = discards_pending_commit;
        Ok(staged)
    }

    /// This member's private TreeKEM keys after the commit's proposals: the
    /// current ones, or, if the commit applies an Update this member
    /// proposed, the new leaf's key (RFC 9420 §12.1.2).
    fn own_update_keys(
        &self,
        applied: &AppliedProposals,
        diff: &TreeDiff<'_>,
    ) -> Result<TreeKemPrivate, Error> {
        let own = self.own_leaf();
        let Some((_, leaf_node)) = applied.updated.iter().find(|(l, _)| *l == own) else {
            return Ok(self.state.private().clone());
        };
        let private = self
            .state
            .update_key(&leaf_node.encryption_key)
            .ok_or(CommitError::UnknownOwnUpdate(own))?;
        let mut keys = TreeKemPrivate::new(own, leaf_node.encryption_key.clone(), private.clone())?;
        keys.prune(diff);
        Ok(keys)
    }

    /// Decrypts this member's path secret from a merged UpdatePath under
    /// the provisional GroupContext (RFC 9420 §12.4.2) and derives the
    /// commit secret and the new private keys.
    pub(crate) fn receive_path(
        &self,
        crypto: &SuiteCrypto<'_>,
        diff: &mut TreeDiff<'_>,
        applied: &AppliedProposals,
        committer: LeafIndex,
        path: &UpdatePath,
        own_private: &TreeKemPrivate,
    ) -> Result<(Secret, TreeKemPrivate), Error> {
        // RFC 9420 R-7.6-01, R-12.4.2-05 (docs/rfc9420-requirements.md)
        let extensions = applied
            .extensions
            .clone()
            .unwrap_or_else(|| self.state.context().extensions.clone());
        let provisional =
            super::epoch::provisional_context(&self.state, diff.tree_hash(crypto)?, extensions)?;
        let exclude = |l: LeafIndex| applied.adds(l);
        let received = treekem::decrypt_update_path(
            crypto,
            diff,
            committer,
            path,
            own_private,
            &provisional.to_bytes()?,
            &exclude,
        )?;
        Ok((received.commit_secret, received.private))
    }
}

/// A member sender as its leaf `node` names it.
fn member_sender(leaf: LeafIndex, node: &LeafNode) -> MessageSender {
    MessageSender {
        sender: Sender::Member(leaf),
        credential: node.credential.clone(),
        signature_key: node.signature_key.clone(),
    }
}
