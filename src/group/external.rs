//! External joins (RFC 9420 §8.3, §12.4.3.2): exporting a GroupInfo that
//! lets a client join, joining by external commit from one, and a member
//! processing such a commit.
//!
//! A client holding a GroupInfo of the current epoch with the group's
//! `external_pub` sends a commit signed by itself (sender
//! `new_member_commit`) with an ExternalInit proposal: the KEM output of an
//! HPKE export to `external_pub`, from which it and every member derive the
//! next epoch's `init_secret`. The joiner takes the leftmost blank leaf
//! (after the commit's Remove, if it removes its own old leaf: a *resync*)
//! and its UpdatePath gives the commit secret.

use rand_core::CryptoRng;

use super::config::ExternalCommitPolicy;
use super::epoch::{
    CommitInputs, Confirmation, EpochBase, NextEpochInputs, context_after, hash_commit,
    key_schedule_step, stage_epoch, stage_removal,
};
use super::error::{CommitError, MessageError, ProposalError};
use super::join::{check_group_parameters, checked_tree, held_psk, open_mls10};
use super::key_package::{KeyPackageBundle, grease_extension};
use super::proposals::AppliedProposals;
use super::psk::PskStore;
use super::staged::StagedCommit;
use super::state::{EpochParts, GroupState};
use super::validate::{
    ProposalValidator, check_credential_support, check_leaf_meets_group, required_capabilities,
};
use super::{Group, GroupConfig};
use crate::codec::Encode;
use crate::crypto::HpkePublicKey;
use crate::crypto::{CryptoProvider, Secret, SuiteCrypto};
use crate::error::Error;
use crate::framing::{
    AuthenticatedContent, FramedContent, FramedContentBody, MlsMessage, MlsMessageBody,
    PublicMessage, Sender,
};
use crate::key_schedule::{GroupContext, interim_transcript_hash};
use crate::messages::{
    Commit, Extension, ExtensionType, Extensions, ExternalInit, ExternalPub, GroupInfo,
    PreSharedKey, PreSharedKeyId, Proposal, ProposalOrRef, Remove, WireFormat,
};
use crate::tree::treekem::{self, PendingPath};
use crate::tree::validate::{LeafRole, Timestamp};
use crate::tree::{
    LeafIndex, LeafNode, Node, RatchetTree, StagedTree, TreeDiff, TreeError, TreeView,
};

/// The exporter context of an external join's `init_secret` (RFC 9420
/// §8.3): `context.export("MLS 1.0 external init secret", KDF.Nh)`.
const EXTERNAL_INIT_LABEL: &[u8] = b"MLS 1.0 external init secret";

/// What a GroupInfo exported with [`Group::group_info`] carries besides
/// the GroupContext and confirmation tag (RFC 9420 §12.4.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GroupInfoOptions {
    /// The ratchet tree in a `ratchet_tree` extension (§12.4.3.3); without
    /// it the receiver needs the tree out of band ([`Group::tree`]).
    pub ratchet_tree: bool,
    /// The `external_pub` extension (§12.4.3.2), so that the receiver can
    /// join by external commit.
    pub external_pub: bool,
}

impl Default for GroupInfoOptions {
    /// Both the tree and `external_pub`: everything an external joiner
    /// needs in one message.
    fn default() -> Self {
        Self {
            ratchet_tree: true,
            external_pub: true,
        }
    }
}

/// How to join by external commit.
#[derive(Debug, Clone, Default)]
pub struct ExternalJoinOptions {
    /// The ratchet tree, when the GroupInfo does not carry it (RFC 9420
    /// §12.4.3.3). Ignored when the GroupInfo carries one.
    pub ratchet_tree: Option<Vec<Option<Node>>>,
    /// A *resync*: the joiner's own old leaf, removed by the same commit
    /// (RFC 9420 §12.4.3.2). Members accept it only if their policy allows
    /// resyncs and the new leaf is an acceptable successor of the old one.
    pub resync: Option<LeafIndex>,
    /// External PSKs to include, each as a PreSharedKey proposal
    /// (RFC 9420 §8.4); their secrets must be in `psks`.
    pub psk_ids: Vec<PreSharedKeyId>,
    /// The external PSKs the joiner holds; they stay available to the
    /// group afterwards.
    pub psks: PskStore,
    /// Application data bound to the commit (RFC 9420 §6).
    pub authenticated_data: Vec<u8>,
}

/// The result of joining by external commit: the joiner's group, already
/// in the epoch the commit starts, and the commit to send.
///
/// Send [`commit`](Self::commit) to the delivery service. If it accepts
/// it, every member enters the same epoch as [`group`](Self::group); if it
/// refuses it (another commit for that epoch came first), drop the group
/// and join again from a newer GroupInfo.
#[derive(Debug)]
pub struct ExternalJoin<P: CryptoProvider> {
    /// The joiner's group.
    pub group: Group<P>,
    /// The encoded MLSMessage carrying the external commit, a
    /// PublicMessage (RFC 9420 §12.4.3.2).
    pub commit: Vec<u8>,
}

impl<P: CryptoProvider> Group<P> {
    /// A signed GroupInfo of the current epoch (RFC 9420 §12.4.3), encoded
    /// as an MLSMessage: the GroupContext, the confirmation tag of the
    /// commit that started the epoch, and, as `options` asks, the ratchet
    /// tree and the `external_pub` key with which a client can join by
    /// external commit ([`Group::join_external`]).
    ///
    /// The GroupInfo is valid for one epoch: export it again after every
    /// commit. Its extensions also carry a random GREASE extension from
    /// `rng` (RFC 9420 §13.5), which receivers ignore.
    pub fn group_info(
        &self,
        options: &GroupInfoOptions,
        rng: &mut (impl CryptoRng + ?Sized),
    ) -> Result<Vec<u8>, Error> {
        // RFC 9420 R-12.4.3-04 (docs/rfc9420-requirements.md)
        self.ensure_active()?;
        let crypto = self.crypto()?;
        let mut extensions = Extensions::new();
        if options.ratchet_tree {
            // The tree's kept node encodings, copied rather than cloned.
            extensions.0.push(Extension {
                extension_type: ExtensionType::RATCHET_TREE,
                extension_data: self.state.tree().node_list_bytes()?,
            });
        }
        if options.external_pub {
            // §8: external_pub = KEM.DeriveKeyPair(external_secret).
            let (_, external_pub) = self.state.secrets().external_key_pair(&crypto)?;
            extensions.set(&ExternalPub { external_pub })?;
        }
        add_grease(&mut extensions, rng);
        let mut group_info = GroupInfo {
            group_context: self.state.context().clone(),
            extensions,
            confirmation_tag: self.state.confirmation_tag().to_vec(),
            signer: self.own_leaf(),
            signature: Vec::new(),
        };
        group_info.sign(&crypto, self.state.signer())?;
        Ok(MlsMessage::new(MlsMessageBody::GroupInfo(group_info)).to_bytes()?)
    }

    /// Joins a group by external commit (RFC 9420 §12.4.3.2) from an
    /// encoded `MLSMessage` carrying its GroupInfo, which must have the
    /// `external_pub` extension.
    ///
    /// Checks the GroupInfo as a Welcome's is checked (§12.4.3.1): its
    /// version and suite against `own`'s KeyPackage, the ratchet tree
    /// (from the GroupInfo or `options`) whole, the GroupInfo signature by
    /// its signer's leaf. Then builds the commit: an ExternalInit whose
    /// `init_secret` is exported to `external_pub` (§8.3), the Remove of
    /// `options.resync`, the PSK proposals, and an UpdatePath from the
    /// joiner's new leaf, the leftmost blank one. The new leaf takes the
    /// credential, signature key, capabilities and extensions of `own`'s
    /// KeyPackage leaf; its encryption key is fresh. `own`'s KeyPackage
    /// itself is not sent.
    pub fn join_external(
        provider: P,
        config: GroupConfig,
        group_info: &[u8],
        own: &KeyPackageBundle,
        options: ExternalJoinOptions,
        now: Timestamp,
        rng: &mut (impl CryptoRng + ?Sized),
    ) -> Result<ExternalJoin<P>, Error> {
        // RFC 9420 R-12.4.3.2-01 (docs/rfc9420-requirements.md)
        let key_package = own.key_package();
        let crypto = SuiteCrypto::new(&provider, key_package.cipher_suite)?;
        let target = JoinTarget::check(
            &crypto,
            &config,
            open_group_info(group_info)?,
            own,
            options.ratchet_tree.clone(),
            now,
        )?;
        let psks = joiner_psks(&crypto, &options)?;

        // §8.3: kem_output, context = SetupBaseS(external_pub, "").
        let (kem_output, init_secret) = crypto.hpke_export_to(
            &target.external_pub,
            &[],
            EXTERNAL_INIT_LABEL,
            crypto.hash_len(),
            rng,
        )?;
        let JoinTarget {
            group_info,
            mut tree,
            ..
        } = target;
        let context = group_info.group_context.clone();
        let (pending, mut signed, tree_hash, staged_tree) =
            build_external_commit(&crypto, &context, &tree, own, &options, kem_output, rng)?;
        tree.merge(staged_tree)?;

        let interim = interim_transcript_hash(
            &crypto,
            &context.confirmed_transcript_hash,
            &group_info.confirmation_tag,
        )?;
        let base = EpochBase {
            context: &context,
            init_secret: &init_secret,
        };
        let resolved = psks.iter().map(|(id, s)| (*id, *s)).collect();
        let next = NextEpochInputs {
            tree_hash,
            confirmed_transcript_hash: signed.confirmed_transcript_hash(&crypto, &interim)?,
            extensions: context.extensions.clone(),
            commit_secret: &pending.commit_secret,
            psks: resolved,
        };
        let step = key_schedule_step(&crypto, &base, next, Confirmation::Create)?;
        signed.auth.confirmation_tag = Some(step.confirmation_tag.clone());
        let message = MlsMessage::new(MlsMessageBody::PublicMessage(
            PublicMessage::protect_non_member(signed)?,
        ))
        .to_bytes()?;

        let mut private = pending.private;
        private.prune(&tree);
        let parts = EpochParts {
            context: step.context,
            tree,
            private,
            signer: own.signature_private_key().clone(),
            secrets: step.secrets,
            interim_transcript_hash: step.interim_transcript_hash,
            confirmation_tag: step.confirmation_tag,
        };
        let state = GroupState::initial(parts, options.psks, &config);
        Ok(ExternalJoin {
            group: Self {
                provider,
                config,
                state,
            },
            commit: message,
        })
    }

    /// Validates a received external commit completely and computes the
    /// next epoch (RFC 9420 §12.2, §12.4.2, §12.4.3.2): the list holds
    /// exactly one ExternalInit, at most one Remove (a resync, whose new
    /// leaf must be an acceptable successor of the removed one), PSKs and
    /// nothing else, all by value; the path is present; the joiner's leaf
    /// is valid at the leftmost blank leaf; the `init_secret` comes from
    /// the ExternalInit (§8.3).
    pub(crate) fn stage_external_commit(
        &self,
        crypto: &SuiteCrypto<'_>,
        content: &AuthenticatedContent,
        commit: &Commit,
        now: Timestamp,
    ) -> Result<StagedCommit, Error> {
        // RFC 9420 R-12.2-10, R-12.4.3.2-02 (docs/rfc9420-requirements.md)
        let policy = self.config.external_commits;
        if policy == ExternalCommitPolicy::Refuse {
            return Err(CommitError::ExternalCommitRefused.into());
        }
        let confirmation_tag = content
            .auth
            .confirmation_tag
            .as_deref()
            .ok_or(crate::framing::FramingError::MissingConfirmationTag)?;
        let path = commit.path.as_ref().ok_or(CommitError::PathRequired)?;
        let list = ExternalList::classify(commit)?;
        let state = &self.state;
        let validator = ProposalValidator::new(crypto, state, &self.config, now)?;
        let mut diff = TreeDiff::new(state.tree());
        let mut applied = AppliedProposals {
            path_required: true,
            ..AppliedProposals::default()
        };
        if let Some(old) = list.removed {
            let old_leaf = state
                .tree()
                .leaf(old)
                .ok_or(ProposalError::RemoveNonMember(old))?;
            // §12.4.3.2: the new leaf meets the criteria of an Update of
            // the removed leaf: a credential acceptable for the removed
            // participant, as the policy says.
            match policy {
                ExternalCommitPolicy::JoinAndResync
                    if old_leaf.credential != path.leaf_node.credential =>
                {
                    return Err(ProposalError::CredentialChangeRejected(old).into());
                }
                ExternalCommitPolicy::JoinAndResyncBySuccessor => {
                    validator.check_successor(old, old_leaf, &path.leaf_node)?;
                }
                ExternalCommitPolicy::JoinAndResync => {}
                ExternalCommitPolicy::Refuse | ExternalCommitPolicy::JoinOnly => {
                    return Err(CommitError::ResyncRefused(old).into());
                }
            }
            applied.previous_leaves.insert(old, Some(old_leaf.clone()));
            applied.removed.push((old, old_leaf.clone()));
            diff.remove_leaf(old)?;
        }
        super::proposals::apply_psks(&validator, &list.psks, &mut applied)?;
        let joiner = self.add_external_joiner(&validator, &mut diff, &path.leaf_node)?;
        applied.previous_leaves.entry(joiner).or_insert(None);
        treekem::merge_update_path(crypto, &mut diff, joiner, path)?;

        let sender = content.content.sender;
        let credential = path.leaf_node.credential.clone();
        let path_leaf = Some(path.leaf_node.clone());
        let discards_pending_commit = state.pending_commit().is_some();
        if applied.removes(self.own_leaf()) {
            let mut staged = stage_removal(state, sender, credential, applied, path_leaf)?;
            staged.effects.discards_pending_commit = discards_pending_commit;
            staged.effects.external_joiner = Some(joiner);
            return Ok(staged);
        }
        // §8.3: context = SetupBaseR(kem_output, external_priv, "").
        let (external_priv, _) = state.secrets().external_key_pair(crypto)?;
        let init_secret = crypto.hpke_export_from(
            &external_priv,
            list.kem_output,
            &[],
            EXTERNAL_INIT_LABEL,
            crypto.hash_len(),
        )?;
        let (commit_secret, private) =
            self.receive_path(crypto, &mut diff, &applied, joiner, path, state.private())?;
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
            committer_credential: credential,
            external_init_secret: Some(init_secret),
        };
        let received = Confirmation::Received(confirmation_tag);
        let mut staged = stage_epoch(crypto, state, inputs, received)?.staged;
        staged.effects.discards_pending_commit = discards_pending_commit;
        staged.effects.external_joiner = Some(joiner);
        Ok(staged)
    }

    /// Checks the leaf of an external commit's path (RFC 9420 §7.3,
    /// §12.4.2, §12.4.3.2) for the leftmost blank leaf of `diff` and adds
    /// it there: a valid leaf with source `commit`, signed for this group
    /// and that leaf, meeting the group's extensions and required
    /// capabilities, with keys no other leaf holds and a credential type
    /// every member supports.
    fn add_external_joiner(
        &self,
        validator: &ProposalValidator<'_>,
        diff: &mut TreeDiff<'_>,
        leaf_node: &LeafNode,
    ) -> Result<LeafIndex, Error> {
        // RFC 9420 R-12.4.2-03, R-7.3-09 (docs/rfc9420-requirements.md)
        let signature_holder = diff.find_signature_key(&leaf_node.signature_key);
        let encryption_holder = diff.find_encryption_key(&leaf_node.encryption_key);
        let joiner = diff.add_leaf(leaf_node.clone())?;
        if let Some(first) = signature_holder {
            return Err(TreeError::DuplicateSignatureKey {
                first,
                second: joiner,
            }
            .into());
        }
        if let Some(first) = encryption_holder {
            let second = joiner
                .node()
                .ok_or(TreeError::LeafOutOfRange { leaf: joiner })?;
            return Err(TreeError::DuplicateEncryptionKey { first, second }.into());
        }
        validator.check_new_leaf(joiner, leaf_node, LeafRole::Commit)?;
        check_credential_support(diff, core::iter::once((joiner, leaf_node)))?;
        Ok(joiner)
    }
}

/// An external commit's proposal list, sorted and checked by the rules of
/// RFC 9420 §12.2 that need no tree.
struct ExternalList<'c> {
    kem_output: &'c [u8],
    removed: Option<LeafIndex>,
    psks: Vec<&'c PreSharedKeyId>,
}

impl<'c> ExternalList<'c> {
    fn classify(commit: &'c Commit) -> Result<Self, Error> {
        // RFC 9420 R-12.2-10 (docs/rfc9420-requirements.md)
        let mut kem_outputs = Vec::new();
        let mut removes = Vec::new();
        let mut psks = Vec::new();
        for item in &commit.proposals {
            // §12.4.3.2: no proposals by reference.
            let ProposalOrRef::Proposal(proposal) = item else {
                return Err(CommitError::ExternalProposalByReference.into());
            };
            match proposal.as_ref() {
                Proposal::ExternalInit(init) => kem_outputs.push(init.kem_output.as_slice()),
                Proposal::Remove(remove) => removes.push(remove.removed),
                Proposal::PreSharedKey(psk) => psks.push(&psk.psk),
                other => {
                    return Err(ProposalError::ProposalNotAllowed(other.proposal_type()).into());
                }
            }
        }
        let [kem_output] = kem_outputs.as_slice() else {
            return Err(CommitError::ExternalInitCount {
                count: kem_outputs.len(),
            }
            .into());
        };
        if removes.len() > 1 {
            return Err(CommitError::ExternalCommitRemoves {
                count: removes.len(),
            }
            .into());
        }
        Ok(Self {
            kem_output,
            removed: removes.first().copied(),
            psks,
        })
    }
}

/// A GroupInfo checked for an external join (RFC 9420 §12.4.3.1,
/// §12.4.3.2), with its tree and `external_pub`.
struct JoinTarget {
    group_info: GroupInfo,
    tree: RatchetTree,
    external_pub: HpkePublicKey,
}

impl JoinTarget {
    /// Checks `group_info` as a Welcome's is checked (§12.4.3.1): version
    /// and suite against `own`'s KeyPackage, the whole ratchet tree (from
    /// the GroupInfo or `out_of_band`), the signature by the signer's
    /// leaf; and that it carries `external_pub` (§12.4.3.2) and `own`'s
    /// leaf could join.
    fn check(
        crypto: &SuiteCrypto<'_>,
        config: &GroupConfig,
        group_info: GroupInfo,
        own: &KeyPackageBundle,
        out_of_band: Option<Vec<Option<Node>>>,
        now: Timestamp,
    ) -> Result<Self, Error> {
        // RFC 9420 R-12.4.3.2-01, R-12.4.3-04 (docs/rfc9420-requirements.md)
        let context = &group_info.group_context;
        check_group_parameters(context, own.key_package())?;
        let external_pub = group_info
            .extensions
            .get::<ExternalPub>()
            .map_err(|_| ProposalError::MalformedExtension(ExtensionType::EXTERNAL_PUB))?
            .ok_or(CommitError::MissingExternalPub)?
            .external_pub;
        let tree = checked_tree(crypto, config, &group_info, out_of_band, now)?;
        Ok(Self {
            group_info,
            tree,
            external_pub,
        })
    }
}

/// The joiner's external commit on `tree` (RFC 9420 §12.4.3.2), signed
/// and without its confirmation tag: the ExternalInit with `kem_output`,
/// the resync Remove and PSKs of `options`, and the path from the
/// leftmost blank leaf. Returns the path's secrets, the signed content,
/// and the new tree with its hash.
fn build_external_commit(
    crypto: &SuiteCrypto<'_>,
    context: &GroupContext,
    tree: &RatchetTree,
    own: &KeyPackageBundle,
    options: &ExternalJoinOptions,
    kem_output: Vec<u8>,
    rng: &mut (impl CryptoRng + ?Sized),
) -> Result<(PendingPath, AuthenticatedContent, Vec<u8>, StagedTree), Error> {
    // RFC 9420 R-12.4.3.2-02 (docs/rfc9420-requirements.md)
    let mut proposals = vec![Proposal::ExternalInit(ExternalInit { kem_output })];
    let mut diff = TreeDiff::new(tree);
    if let Some(old) = options.resync {
        diff.remove_leaf(old)
            .map_err(|_| ProposalError::RemoveNonMember(old))?;
        proposals.push(Proposal::Remove(Remove { removed: old }));
    }
    proposals.extend(
        options
            .psk_ids
            .iter()
            .map(|psk| Proposal::PreSharedKey(PreSharedKey { psk: psk.clone() })),
    );
    // §12.4.3.2: the joiner takes the leftmost blank leaf, as if added by
    // an Add, and its path starts there.
    let template = own.key_package().leaf_node.clone();
    let own_leaf = diff.add_leaf(template.clone())?;
    let required = required_capabilities(&context.extensions)?;
    check_leaf_meets_group(own_leaf, &template, &context.extensions, required.as_ref())?;
    check_credential_support(&diff, core::iter::once((own_leaf, &template)))?;
    let pending = treekem::prepare_update_path(
        crypto,
        &mut diff,
        own_leaf,
        template,
        own.signature_private_key(),
        &context.group_id,
        rng,
    )?;
    let provisional = context_after(
        context,
        diff.tree_hash(crypto)?,
        context.extensions.clone(),
        context.confirmed_transcript_hash.clone(),
    )?;
    let path = treekem::encrypt_update_path(
        crypto,
        &diff,
        &pending,
        &provisional.to_bytes()?,
        &|_| false,
        rng,
    )?;
    let commit = Commit {
        proposals: proposals
            .into_iter()
            .map(|p| ProposalOrRef::Proposal(Box::new(p)))
            .collect(),
        path: Some(path),
    };
    let content = FramedContent {
        group_id: context.group_id.clone(),
        epoch: context.epoch,
        sender: Sender::NewMemberCommit,
        authenticated_data: options.authenticated_data.clone(),
        content: FramedContentBody::Commit(commit),
    };
    // §12.4.3.2: signed by the new member, as a PublicMessage.
    let signed = AuthenticatedContent::sign(
        crypto,
        own.signature_private_key(),
        WireFormat::PUBLIC_MESSAGE,
        content,
        Some(context),
    )?;
    let tree_hash = diff.tree_hash(crypto)?;
    Ok((pending, signed, tree_hash, diff.into_staged(crypto)?))
}

/// Adds a random GREASE extension to a GroupInfo's `extensions`
/// (RFC 9420 §13.5: a client SHOULD include GREASE in GroupInfo
/// extensions; receivers ignore unknown GroupInfo extensions, §12.4.3).
pub(crate) fn add_grease(extensions: &mut Extensions, rng: &mut (impl CryptoRng + ?Sized)) {
    // RFC 9420 R-13.5-01 (docs/rfc9420-requirements.md)
    if let Some(grease) = grease_extension(rng, extensions) {
        extensions.0.push(grease);
    }
}

/// Decodes an MLSMessage that must carry a GroupInfo of MLS 1.0.
fn open_group_info(bytes: &[u8]) -> Result<GroupInfo, Error> {
    match open_mls10(bytes)? {
        MlsMessageBody::GroupInfo(g) => Ok(g),
        other => Err(MessageError::UnexpectedWireFormat(other.wire_format()).into()),
    }
}

/// The external PSKs an external commit includes, each with its secret
/// from the joiner's store and checked as a PSK proposal is (RFC 9420
/// §8.4, §12.1.4).
fn joiner_psks<'o>(
    crypto: &SuiteCrypto<'_>,
    options: &'o ExternalJoinOptions,
) -> Result<Vec<(&'o PreSharedKeyId, &'o Secret)>, Error> {
    let mut seen = std::collections::HashSet::new();
    options
        .psk_ids
        .iter()
        .map(|id| {
            if id.psk_nonce.len() != crypto.hash_len() {
                return Err(ProposalError::InvalidPskNonce {
                    len: id.psk_nonce.len(),
                    expected: crypto.hash_len(),
                }
                .into());
            }
            if !seen.insert(id) {
                return Err(ProposalError::DuplicatePsk(Box::new(id.clone())).into());
            }
            // The joiner holds external PSKs only: no group to resume.
            held_psk(id, &options.psks, &[]).map(|secret| (id, secret))
        })
        .collect()
}
