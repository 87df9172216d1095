//! Creating a commit and its Welcome (RFC 9420 §12.4.1, §12.4.3): choose
//! the proposals, apply them, make the path, sign, and take the one step to
//! the next epoch that received commits take too ([`stage_epoch`]).

use rand_core::CryptoRng;

use super::Group;
use super::epoch::{CommitInputs, Confirmation, EpochStep, provisional_context, stage_epoch};
use super::error::StateError;
use super::proposals::{AppliedProposals, ResolvedProposal, apply_proposals, select_pending};
use super::protect_public;
use super::staged::StagedCommit;
use super::state::PendingCommit;
use super::validate::ProposalValidator;
use super::welcome::{WelcomePlan, unsigned_group_info};
use crate::codec::Encode;
use crate::crypto::{CryptoProvider, Secret, SignaturePrivateKey, SuiteCrypto};
use crate::error::Error;
use crate::framing::{AuthenticatedContent, FramedContent, FramedContentBody, Sender};
use crate::framing::{MlsMessage, MlsMessageBody};
use crate::messages::{Commit, GroupInfo, Proposal, ProposalRef, UpdatePath, WireFormat};
use crate::tree::treekem::{self, PendingPath};
use crate::tree::validate::Timestamp;
use crate::tree::{LeafIndex, StagedTree, TreeDiff, TreeView};

/// How to build a commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitOptions {
    /// Proposals to include by value (RFC 9420 §12.4), after the pending
    /// proposals of the epoch.
    pub proposals: Vec<Proposal>,
    /// Whether to include the valid pending proposals received (or sent)
    /// by reference in this epoch. RFC 9420 §12.4 expects a committer to
    /// include every valid proposal it received; the default is `true`.
    pub include_pending: bool,
    /// Whether to include an UpdatePath when the proposals do not require
    /// one (RFC 9420 §12.4: required for an empty commit and for Update,
    /// Remove and GroupContextExtensions proposals). Default `true`: every
    /// commit then refreshes the committer's keys.
    pub update_path: bool,
    /// Whether the Welcome's GroupInfo carries the ratchet tree in a
    /// `ratchet_tree` extension (RFC 9420 §12.4.3.3). With `false`, the
    /// caller delivers the tree out of band ([`Group::tree`] after the
    /// merge, or [`CreatedCommit::ratchet_tree`]).
    pub ratchet_tree_in_welcome: bool,
    /// Whether to also return a signed GroupInfo of the new epoch, with
    /// `external_pub` (RFC 9420 §12.4.3.2), for clients to join by
    /// external commit; it carries the tree if
    /// [`ratchet_tree_in_welcome`](Self::ratchet_tree_in_welcome).
    pub group_info: bool,
    /// Application data bound to the commit (RFC 9420 §6).
    pub authenticated_data: Vec<u8>,
}

impl Default for CommitOptions {
    fn default() -> Self {
        Self {
            proposals: Vec::new(),
            include_pending: true,
            update_path: true,
            ratchet_tree_in_welcome: true,
            group_info: false,
            authenticated_data: Vec::new(),
        }
    }
}

impl CommitOptions {
    /// Options committing `proposals` by value, with the defaults
    /// otherwise.
    pub fn with_proposals(proposals: Vec<Proposal>) -> Self {
        Self {
            proposals,
            ..Self::default()
        }
    }
}

/// A commit this member created: the messages to send and the staged
/// commit to merge once the delivery service has accepted the commit.
#[derive(Debug)]
pub struct CreatedCommit {
    /// The encoded MLSMessage carrying the commit.
    pub commit: Vec<u8>,
    /// The encoded MLSMessage carrying the Welcome, if members were added.
    pub welcome: Option<Vec<u8>>,
    /// The encoded MLSMessage carrying a signed GroupInfo of the new
    /// epoch with `external_pub`, if [`CommitOptions::group_info`] asked
    /// for it.
    pub group_info: Option<Vec<u8>>,
    /// The ratchet tree of the new epoch, encoded as in the
    /// `ratchet_tree` extension, when the Welcome does not carry it.
    pub ratchet_tree: Option<Vec<u8>>,
    /// The commit, staged: merge it with [`Group::merge_staged_commit`].
    pub staged: StagedCommit,
    /// Pending proposals left out as invalid or superseded (RFC 9420
    /// §12.2).
    pub dropped: Vec<ProposalRef>,
}

impl<P: CryptoProvider> Group<P> {
    /// Creates a commit (RFC 9420 §12.4.1) of the valid pending proposals
    /// and `options.proposals`, with an UpdatePath when required or asked
    /// for, and a Welcome for the members it adds (§12.4.3).
    ///
    /// The group stays in its epoch and keeps the commit as its pending
    /// commit (saved with [`Group::to_bytes`]): send
    /// [`CreatedCommit::commit`]; once the delivery service has accepted it,
    /// merge it with [`Group::merge_pending_commit`] (or
    /// [`Group::merge_staged_commit`] with [`CreatedCommit::staged`], or by
    /// processing the commit when the delivery service echoes it back:
    /// [`Group::process_message`] recognises it). If the delivery service
    /// accepted another member's commit first, processing and merging that
    /// one discards this one. Besides the pending commit, the only change
    /// made now is the handshake key used when commits are sent as
    /// PrivateMessages (§9.2: a key is never used twice).
    ///
    /// Pending proposals that are invalid, or lose to another under the
    /// preferences of §12.2 (a Remove over an Update of the same leaf, the
    /// latest Update of a leaf), are left out and listed in
    /// [`CreatedCommit::dropped`]. The proposals given by value must be
    /// valid: any problem with them is an error.
    pub fn create_commit(
        &mut self,
        mut options: CommitOptions,
        now: Timestamp,
        rng: &mut (impl CryptoRng + ?Sized),
    ) -> Result<CreatedCommit, Error> {
        // RFC 9420 R-12.2-01, R-12.4-04, R-12.4.1-01, R-14-01 (docs/rfc9420-requirements.md)
        self.ensure_active()?;
        let crypto = SuiteCrypto::new(&self.provider, self.state.context().cipher_suite)?;
        let state = &self.state;
        let own = state.own_leaf();
        let committer = Sender::Member(own);

        // 1. The proposals (§12.2) and the tree they make (§12.3).
        let by_value: Vec<ResolvedProposal> = core::mem::take(&mut options.proposals)
            .into_iter()
            .map(|p| ResolvedProposal::by_value(p, committer))
            .collect();
        let (list, dropped, mut applied, mut diff) =
            self.choose_proposals(&crypto, options.include_pending, by_value, now)?;

        // 2. The path (§12.4.1), if required or asked for.
        let pending = if applied.path_required || options.update_path {
            let template = state.tree().leaf(own).ok_or(StateError::Inactive)?;
            applied
                .previous_leaves
                .entry(own)
                .or_insert_with(|| Some(template.clone()));
            Some(self.prepare_path(&crypto, &mut diff, &applied, rng)?)
        } else {
            None
        };

        // 3. The signed commit and the next epoch (§8, §12.4.1).
        let commit = Commit {
            proposals: list
                .into_iter()
                .map(ResolvedProposal::into_proposal_or_ref)
                .collect(),
            path: pending.as_ref().map(|(path, _)| path.clone()),
        };
        let need_tree = !applied.added.is_empty() || options.group_info;
        let split = applied.added.len() >= crate::par::MIN_ITEMS;
        let ((mut signed, confirmed_transcript_hash), (tree_bytes, tree)) =
            self.sign_beside_tree(&crypto, commit, &options, diff, need_tree, split)?;
        let (commit_secret, private, path_leaf, pending_path) = match pending {
            Some((_, p)) => (
                p.commit_secret.clone(),
                p.private.clone(),
                Some(p.leaf_node.clone()),
                Some(p),
            ),
            None => (
                Secret::zero(crypto.hash_len()),
                state.private().clone(),
                None,
                None,
            ),
        };
        let committer_credential = state
            .tree()
            .leaf(own)
            .ok_or(StateError::Inactive)?
            .credential
            .clone();
        let kept_private = private.clone();
        let kept_secret = commit_secret.clone();
        let inputs = CommitInputs {
            content: &signed,
            confirmed_transcript_hash,
            tree,
            applied,
            commit_secret,
            private,
            path_leaf,
            committer_credential,
            external_init_secret: None,
        };
        let step = stage_epoch(&crypto, state, inputs, Confirmation::Create)?;
        let next = step
            .staged
            .next
            .as_ref()
            .ok_or(Error::Internal("own commit without next epoch"))?;
        signed.auth.confirmation_tag = Some(next.confirmation_tag.clone());

        // 4. The GroupInfo and Welcome (§12.4.3), and the commit's framing.
        let plan = Self::plan_messages(
            &crypto,
            &step,
            tree_bytes,
            pending_path.as_ref(),
            &options,
            rng,
        )?;
        let (out, commit) = self.build_and_protect(plan, &signed, rng)?;
        self.state.set_pending_commit(PendingCommit {
            message: commit.clone(),
            content: signed,
            private: kept_private,
            commit_secret: kept_secret,
            now,
        });
        Ok(CreatedCommit {
            commit,
            welcome: out.welcome,
            group_info: out.group_info,
            ratchet_tree: out.ratchet_tree,
            staged: step.staged,
            dropped,
        })
    }

    /// The messages of `plan` and the commit `signed`, framed in its wire
    /// format: a PublicMessage beside the Welcome's seals (it changes
    /// nothing), a PrivateMessage after them (it takes a handshake key).
    fn build_and_protect(
        &mut self,
        plan: MessagesPlan<'_>,
        signed: &AuthenticatedContent,
        rng: &mut (impl CryptoRng + ?Sized),
    ) -> Result<(WelcomeMessages, Vec<u8>), Error> {
        let crypto = SuiteCrypto::new(&self.provider, self.state.context().cipher_suite)?;
        if signed.wire_format == WireFormat::PRIVATE_MESSAGE {
            let out = plan.build(&crypto, self.state.signer())?;
            return Ok((out, self.protect_signed(signed.clone(), rng)?));
        }
        let state = &self.state;
        let (out, commit) = crate::par::join(
            || plan.build(&crypto, state.signer()),
            || protect_public(&crypto, state, signed.clone()),
        );
        Ok((out?, commit?))
    }

    /// The proposal list of a new commit (RFC 9420 §12.2, §12.4): the
    /// valid pending proposals chosen by the preferences of §12.2, then
    /// `by_value`, applied to a staged tree. If the list as a whole is
    /// invalid (a pending PSK that is not available, a KeyPackage whose
    /// lifetime ended, an Update that does not support new extensions...),
    /// the pending proposals are taken one at a time and those that break
    /// it are left out, so that one bad proposal cannot block every
    /// commit; the proposals given by value must be valid. Returns the
    /// list, the references left out, and the applied list with its tree.
    #[allow(clippy::type_complexity, reason = "a private step's four results")]
    fn choose_proposals<'s>(
        &'s self,
        crypto: &SuiteCrypto<'_>,
        include_pending: bool,
        by_value: Vec<ResolvedProposal>,
        now: Timestamp,
    ) -> Result<
        (
            Vec<ResolvedProposal>,
            Vec<ProposalRef>,
            AppliedProposals,
            TreeDiff<'s>,
        ),
        Error,
    > {
        let state = &self.state;
        let own = state.own_leaf();
        let max_leaves = self.config.max_tree_leaves;
        let apply = |list: &[ResolvedProposal]| {
            let mut validator = ProposalValidator::for_sending(crypto, state, &self.config, now)?;
            let mut diff = TreeDiff::new(state.tree());
            let applied = apply_proposals(&mut validator, own, list, &mut diff, max_leaves)?;
            Ok::<_, Error>((applied, diff))
        };
        let (pending, mut dropped) = if include_pending {
            let validator = ProposalValidator::for_sending(crypto, state, &self.config, now)?;
            select_pending(&validator, own)
        } else {
            (Vec::new(), Vec::new())
        };
        if pending.is_empty() {
            let (applied, diff) = apply(&by_value)?;
            return Ok((by_value, dropped, applied, diff));
        }
        let whole: Vec<ResolvedProposal> = pending.iter().chain(&by_value).cloned().collect();
        let first_error = match apply(&whole) {
            Ok((applied, diff)) => return Ok((whole, dropped, applied, diff)),
            Err(e) => e,
        };
        // Some pending proposal breaks the list: keep those that fit.
        let mut kept: Vec<ResolvedProposal> = Vec::new();
        for candidate in pending {
            let trial: Vec<ResolvedProposal> = kept
                .iter()
                .chain(core::iter::once(&candidate))
                .chain(&by_value)
                .cloned()
                .collect();
            match (apply(&trial), &candidate.reference) {
                (Ok(_), _) => kept.push(candidate),
                (Err(_), Some(reference)) => dropped.push(reference.clone()),
                (Err(_), None) => return Err(first_error),
            }
        }
        let list: Vec<ResolvedProposal> = kept.into_iter().chain(by_value).collect();
        let (applied, diff) = apply(&list)?;
        Ok((list, dropped, applied, diff))
    }

    /// Makes this member's new leaf and path secrets on `diff` and
    /// encrypts them to the copath under the provisional GroupContext
    /// (RFC 9420 §7.4-§7.6, §12.4.1); the joiners of this commit are left
    /// out of the resolutions.
    fn prepare_path(
        &self,
        crypto: &SuiteCrypto<'_>,
        diff: &mut TreeDiff<'_>,
        applied: &AppliedProposals,
        rng: &mut (impl CryptoRng + ?Sized),
    ) -> Result<(UpdatePath, PendingPath), Error> {
        // RFC 9420 R-12.4.1-01, R-7.6-01 (docs/rfc9420-requirements.md)
        let state = &self.state;
        let own = state.own_leaf();
        let template = state.tree().leaf(own).ok_or(StateError::Inactive)?.clone();
        let pending = treekem::prepare_update_path(
            crypto,
            diff,
            own,
            template,
            state.signer(),
            &state.context().group_id,
            rng,
        )?;
        let extensions = applied
            .extensions
            .clone()
            .unwrap_or_else(|| state.context().extensions.clone());
        let provisional = provisional_context(state, diff.tree_hash(crypto)?, extensions)?;
        let exclude = |l: LeafIndex| applied.adds(l);
        let path = treekem::encrypt_update_path(
            crypto,
            diff,
            &pending,
            &provisional.to_bytes()?,
            &exclude,
            rng,
        )?;
        Ok((path, pending))
    }

    /// The commit signed ([`sign_commit`](Self::sign_commit)) with its
    /// confirmed transcript hash (§8.2), and the staged tree frozen with
    /// its hashes and, if `need_tree` (for the GroupInfo or out of band),
    /// encoded straight from the staged view (unchanged nodes are copied
    /// from the tree's cache). Side by side if `split` (a commit adding
    /// enough members for both to be large); the tree is encoded first, as
    /// its hashes split and the thread that signed can help with them.
    /// Errors are reported in that order.
    #[allow(clippy::type_complexity, reason = "a private step's two pairs")]
    fn sign_beside_tree(
        &self,
        crypto: &SuiteCrypto<'_>,
        commit: Commit,
        options: &CommitOptions,
        diff: TreeDiff<'_>,
        need_tree: bool,
        split: bool,
    ) -> Result<
        (
            (AuthenticatedContent, Vec<u8>),
            (Option<Vec<u8>>, StagedTree),
        ),
        Error,
    > {
        let interim = self.state.interim_transcript_hash();
        let (signed, tree) = crate::par::join_if(
            split,
            || {
                let signed = self.sign_commit(crypto, commit, &options.authenticated_data)?;
                let confirmed = signed.confirmed_transcript_hash(crypto, interim)?;
                Ok::<_, Error>((signed, confirmed))
            },
            || {
                let bytes = need_tree.then(|| diff.node_list_bytes()).transpose()?;
                Ok::<_, Error>((bytes, diff.into_staged(crypto)?))
            },
        );
        Ok((signed?, tree?))
    }

    /// Signs `commit` as this member in the configured handshake wire
    /// format (RFC 9420 §6.1); the confirmation tag is added later.
    fn sign_commit(
        &self,
        crypto: &SuiteCrypto<'_>,
        commit: Commit,
        authenticated_data: &[u8],
    ) -> Result<AuthenticatedContent, Error> {
        // RFC 9420 R-12.4.1-01 (docs/rfc9420-requirements.md)
        let context = self.state.context();
        let content = FramedContent {
            group_id: context.group_id.clone(),
            epoch: context.epoch,
            sender: Sender::Member(self.state.own_leaf()),
            authenticated_data: authenticated_data.to_vec(),
            content: FramedContentBody::Commit(commit),
        };
        let wire_format = self.config.wire_format.outgoing.wire_format();
        AuthenticatedContent::sign(
            crypto,
            self.state.signer(),
            wire_format,
            content,
            Some(context),
        )
    }

    /// The GroupInfo, Welcome and out-of-band tree a created commit comes
    /// with (RFC 9420 §12.4.3), their randomness drawn from `rng`; built
    /// with [`MessagesPlan::build`].
    fn plan_messages<'a>(
        crypto: &SuiteCrypto<'_>,
        step: &'a EpochStep,
        tree_bytes: Option<Vec<u8>>,
        pending_path: Option<&'a PendingPath>,
        options: &CommitOptions,
        rng: &mut (impl CryptoRng + ?Sized),
    ) -> Result<MessagesPlan<'a>, Error> {
        let mut plan = MessagesPlan::default();
        let Some(nodes) = tree_bytes else {
            return Ok(plan);
        };
        let added = &step.staged.effects.added;
        // The tree goes in the GroupInfo or out of band, never both.
        let (in_group_info, out_of_band) = if options.ratchet_tree_in_welcome {
            (Some(nodes), None)
        } else {
            (None, Some(nodes))
        };
        if options.group_info {
            // The GroupInfo for external joiners carries external_pub
            // (§12.4.3.2); the Welcome's does not need it.
            plan.group_info = Some(unsigned_group_info(
                crypto,
                step,
                in_group_info.clone(),
                true,
                rng,
            )?);
        }
        if !added.is_empty() {
            let group_info = unsigned_group_info(crypto, step, in_group_info, false, rng)?;
            plan.ratchet_tree = out_of_band;
            plan.welcome = Some(WelcomePlan::new(
                crypto,
                step,
                group_info,
                pending_path,
                rng,
            ));
        }
        Ok(plan)
    }
}

/// The messages besides the commit, their randomness drawn.
#[derive(Default)]
struct MessagesPlan<'a> {
    /// The unsigned GroupInfo for external joiners.
    group_info: Option<GroupInfo>,
    welcome: Option<WelcomePlan<'a>>,
    ratchet_tree: Option<Vec<u8>>,
}

impl MessagesPlan<'_> {
    /// Signs the GroupInfos, encrypts and seals the Welcome, and encodes
    /// them.
    fn build(
        self,
        crypto: &SuiteCrypto<'_>,
        signer: &SignaturePrivateKey,
    ) -> Result<WelcomeMessages, Error> {
        let group_info = match self.group_info {
            Some(mut group_info) => {
                group_info.sign(crypto, signer)?;
                Some(MlsMessage::new(MlsMessageBody::GroupInfo(group_info)).to_bytes()?)
            }
            None => None,
        };
        let welcome = match self.welcome {
            Some(plan) => Some(plan.build(crypto, signer)?),
            None => None,
        };
        Ok(WelcomeMessages {
            welcome,
            group_info,
            ratchet_tree: self.ratchet_tree,
        })
    }
}

/// The messages besides the commit.
struct WelcomeMessages {
    welcome: Option<Vec<u8>>,
    group_info: Option<Vec<u8>>,
    ratchet_tree: Option<Vec<u8>>,
}
