//! The step from one epoch to the next (RFC 9420 §8, §8.2, §12.4.1,
//! §12.4.2), shared by the commits this member creates and those it
//! receives: once the proposals are applied, the path (if any) merged,
//! the tree hashed and the confirmed transcript hash computed
//! ([`hash_commit`], or beside the signature of a commit this member
//! creates), [`stage_epoch`] runs the key schedule (with the PSKs),
//! creates or verifies the confirmation tag and the interim transcript
//! hash, and returns the [`StagedCommit`].

use super::error::CommitError;
use super::proposals::AppliedProposals;
use super::staged::{NextEpoch, StagedCommit};
use super::state::GroupState;
use crate::codec::Encode;
use crate::crypto::{Secret, SuiteCrypto};
use crate::error::Error;
use crate::framing::{AuthenticatedContent, Sender};
use crate::key_schedule::{
    EpochSecrets, GroupContext, JoinerSecret, WelcomeSecret, interim_transcript_hash, psk_secret,
};
use crate::messages::{Credential, Extensions, PreSharedKeyId};
use crate::tree::treekem::TreeKemPrivate;
use crate::tree::{LeafNode, StagedTree, TreeDiff};

/// The next epoch's number (RFC 9420 §8: epochs are uint64).
pub(crate) fn next_epoch_number(state: &GroupState) -> Result<u64, Error> {
    epoch_after(state.context())
}

/// The number of the epoch after `context`'s.
fn epoch_after(context: &GroupContext) -> Result<u64, Error> {
    context
        .epoch
        .checked_add(1)
        .ok_or_else(|| CommitError::EpochExhausted.into())
}

/// The GroupContext of the next epoch with `tree_hash`, `extensions` and
/// `confirmed_transcript_hash` (the old one for the provisional context
/// that UpdatePath encryption uses, §12.4.1).
pub(crate) fn next_context(
    state: &GroupState,
    tree_hash: Vec<u8>,
    extensions: Extensions,
    confirmed_transcript_hash: Vec<u8>,
) -> Result<GroupContext, Error> {
    context_after(
        state.context(),
        tree_hash,
        extensions,
        confirmed_transcript_hash,
    )
}

/// The GroupContext of the epoch after `old`, as [`next_context`].
pub(crate) fn context_after(
    old: &GroupContext,
    tree_hash: Vec<u8>,
    extensions: Extensions,
    confirmed_transcript_hash: Vec<u8>,
) -> Result<GroupContext, Error> {
    // RFC 9420 R-8.1-01 (docs/rfc9420-requirements.md)
    Ok(GroupContext {
        version: old.version,
        cipher_suite: old.cipher_suite,
        group_id: old.group_id.clone(),
        epoch: epoch_after(old)?,
        tree_hash,
        confirmed_transcript_hash,
        extensions,
    })
}

/// The provisional GroupContext of a commit with a path (RFC 9420
/// §12.4.1): new epoch, tree hash and extensions, old confirmed transcript
/// hash.
pub(crate) fn provisional_context(
    state: &GroupState,
    tree_hash: Vec<u8>,
    extensions: Extensions,
) -> Result<GroupContext, Error> {
    // RFC 9420 R-7.6-01 (docs/rfc9420-requirements.md)
    let confirmed = state.context().confirmed_transcript_hash.clone();
    next_context(state, tree_hash, extensions, confirmed)
}

/// The confirmation tag of a commit: verified for a received one, made
/// for one this member creates (RFC 9420 §6.1, §8.1).
pub(crate) enum Confirmation<'a> {
    /// Verify the received tag.
    Received(&'a [u8]),
    /// Compute the tag for a commit being created.
    Create,
}

/// What a commit brings to the next epoch besides its proposals.
pub(crate) struct CommitInputs<'a> {
    /// The signed commit.
    pub(crate) content: &'a AuthenticatedContent,
    /// The commit's confirmed transcript hash (§8.2), from
    /// [`hash_commit`] or computed beside the tree's hashes.
    pub(crate) confirmed_transcript_hash: Vec<u8>,
    /// The tree with the proposals applied and the path merged, hashed.
    pub(crate) tree: StagedTree,
    /// The applied proposals.
    pub(crate) applied: AppliedProposals,
    /// The commit secret: from the path, or zero without one (§8).
    pub(crate) commit_secret: Secret,
    /// This member's private keys in the new epoch.
    pub(crate) private: TreeKemPrivate,
    /// The committer's new leaf, if the commit has a path.
    pub(crate) path_leaf: Option<LeafNode>,
    /// The committer's credential in the current epoch.
    pub(crate) committer_credential: Credential,
    /// The `init_secret` an external commit's ExternalInit brings
    /// (RFC 9420 §8.3), in place of the current epoch's.
    pub(crate) external_init_secret: Option<Secret>,
}

/// A staged commit with what a Welcome for it needs.
pub(crate) struct EpochStep {
    pub(crate) staged: StagedCommit,
    pub(crate) joiner_secret: JoinerSecret,
    pub(crate) welcome_secret: WelcomeSecret,
}

/// The epoch a commit starts from, as the key schedule needs it
/// (RFC 9420 §8): its GroupContext and `init_secret`.
pub(crate) struct EpochBase<'a> {
    pub(crate) context: &'a GroupContext,
    pub(crate) init_secret: &'a Secret,
}

/// What the next epoch's key schedule takes besides the old epoch and the
/// commit (RFC 9420 §8): the new tree hash and GroupContext extensions, the
/// commit secret, and the PSKs with their secrets.
pub(crate) struct NextEpochInputs<'a> {
    pub(crate) tree_hash: Vec<u8>,
    pub(crate) confirmed_transcript_hash: Vec<u8>,
    pub(crate) extensions: Extensions,
    pub(crate) commit_secret: &'a Secret,
    pub(crate) psks: Vec<(&'a PreSharedKeyId, &'a Secret)>,
}

/// What the key schedule of a commit yields (RFC 9420 §8, §8.2).
pub(crate) struct KeyScheduleStep {
    pub(crate) context: GroupContext,
    pub(crate) joiner_secret: JoinerSecret,
    pub(crate) welcome_secret: WelcomeSecret,
    pub(crate) secrets: EpochSecrets,
    pub(crate) confirmation_tag: Vec<u8>,
    pub(crate) interim_transcript_hash: Vec<u8>,
}

/// The key schedule of a commit from `base` (RFC 9420 §8, §8.2, §8.4),
/// given its confirmed transcript hash
/// ([`AuthenticatedContent::confirmed_transcript_hash`]): the new
/// GroupContext with `tree_hash` and `extensions`, the joiner, welcome and
/// epoch secrets with the PSK secret of `psks`, the confirmation tag
/// (created or verified), and the interim transcript hash. Shared by
/// member commits and by external commits (§12.4.3.2), which bring their
/// own `init_secret`.
pub(crate) fn key_schedule_step(
    crypto: &SuiteCrypto<'_>,
    base: &EpochBase<'_>,
    next: NextEpochInputs<'_>,
    confirmation: Confirmation<'_>,
) -> Result<KeyScheduleStep, Error> {
    // RFC 9420 R-8.1-01, R-12.4.2-05, R-6.1-06 (docs/rfc9420-requirements.md)
    let NextEpochInputs {
        tree_hash,
        confirmed_transcript_hash: confirmed,
        extensions,
        commit_secret,
        psks,
    } = next;
    let context = context_after(base.context, tree_hash, extensions, confirmed)?;
    let context_bytes = context.to_bytes()?;
    let joiner_secret =
        JoinerSecret::derive(crypto, base.init_secret, commit_secret, &context_bytes)?;
    let psk = psk_secret(crypto, psks)?;
    let (welcome_secret, secrets) = joiner_secret.derive_epoch(crypto, &psk, &context_bytes)?;
    let confirmation_tag = match confirmation {
        Confirmation::Received(tag) => {
            // §12.4.2: the confirmation tag must match.
            secrets.verify_confirmation_tag(crypto, &context.confirmed_transcript_hash, tag)?;
            tag.to_vec()
        }
        Confirmation::Create => {
            secrets.confirmation_tag(crypto, &context.confirmed_transcript_hash)?
        }
    };
    let interim_transcript_hash = interim_transcript_hash(
        crypto,
        &context.confirmed_transcript_hash,
        &confirmation_tag,
    )?;
    Ok(KeyScheduleStep {
        context,
        joiner_secret,
        welcome_secret,
        secrets,
        confirmation_tag,
        interim_transcript_hash,
    })
}

/// The staged tree of a received commit, hashed (RFC 9420 §7.8), and the
/// commit's confirmed transcript hash (§8.2), for [`CommitInputs`]; side by
/// side ([`par::join_if`](crate::par::join_if)) when the commit adds
/// `added` members, [`par::MIN_ITEMS`](crate::par::MIN_ITEMS) or more
/// (then both are large). Errors are reported in that order.
pub(crate) fn hash_commit(
    crypto: &SuiteCrypto<'_>,
    state: &GroupState,
    diff: TreeDiff<'_>,
    content: &AuthenticatedContent,
    added: usize,
) -> Result<(StagedTree, Vec<u8>), Error> {
    let (tree, confirmed) = crate::par::join_if(
        added >= crate::par::MIN_ITEMS,
        || diff.into_staged(crypto),
        || content.confirmed_transcript_hash(crypto, state.interim_transcript_hash()),
    );
    Ok((tree?, confirmed?))
}

/// Computes the next epoch from `state` for a commit whose proposals are
/// applied and whose path is merged (RFC 9420 §8, §8.2, §8.4, §12.4.2):
/// resolves the PSKs and runs [`key_schedule_step`].
pub(crate) fn stage_epoch(
    crypto: &SuiteCrypto<'_>,
    state: &GroupState,
    mut inputs: CommitInputs<'_>,
    confirmation: Confirmation<'_>,
) -> Result<EpochStep, Error> {
    // RFC 9420 R-8.1-01, R-12.1.7-01, R-12.4.1-01, R-12.4.2-05, R-6.1-06 (docs/rfc9420-requirements.md)
    let applied = &inputs.applied;
    let extensions = applied
        .extensions
        .clone()
        .unwrap_or_else(|| state.context().extensions.clone());
    let psks = applied
        .psks
        .iter()
        .map(|id| state.resolve_psk(id).map(|s| (id, s)))
        .collect::<Result<Vec<_>, Error>>()?;
    let base = EpochBase {
        context: state.context(),
        init_secret: inputs
            .external_init_secret
            .as_ref()
            .unwrap_or(&state.secrets().init_secret),
    };
    let next = NextEpochInputs {
        tree_hash: inputs.tree.tree_hash().to_vec(),
        confirmed_transcript_hash: core::mem::take(&mut inputs.confirmed_transcript_hash),
        extensions,
        commit_secret: &inputs.commit_secret,
        psks,
    };
    let step = key_schedule_step(crypto, &base, next, confirmation)?;
    let committer = inputs.content.content.sender;
    let own = inputs.private.own_leaf();
    let path_leaf = inputs.path_leaf.take();
    let (effects, previous_leaves) = core::mem::take(&mut inputs.applied).into_effects(
        committer,
        inputs.committer_credential.clone(),
        step.context.epoch,
        path_leaf,
        own,
    );
    let staged = StagedCommit {
        base_epoch: state.context().epoch,
        base_tree_hash: state.context().tree_hash.clone(),
        base_own_leaf: state.own_leaf(),
        effects,
        next: Some(NextEpoch {
            context: step.context,
            tree: inputs.tree,
            private: inputs.private,
            secrets: step.secrets,
            interim_transcript_hash: step.interim_transcript_hash,
            confirmation_tag: step.confirmation_tag,
        }),
        previous_leaves,
    };
    Ok(EpochStep {
        staged,
        joiner_secret: step.joiner_secret,
        welcome_secret: step.welcome_secret,
    })
}

/// The staged commit of a received commit that removes this member: it
/// cannot follow into the new epoch (§12.4.2), so only the effects are
/// staged; the commit is authenticated by its signature and membership tag
/// or decryption.
pub(crate) fn stage_removal(
    state: &GroupState,
    committer: Sender,
    committer_credential: Credential,
    applied: AppliedProposals,
    path_leaf: Option<LeafNode>,
) -> Result<StagedCommit, Error> {
    let new_epoch = next_epoch_number(state)?;
    let own = state.own_leaf();
    let (effects, previous_leaves) =
        applied.into_effects(committer, committer_credential, new_epoch, path_leaf, own);
    Ok(StagedCommit {
        base_epoch: state.context().epoch,
        base_tree_hash: state.context().tree_hash.clone(),
        base_own_leaf: own,
        effects,
        next: None,
        previous_leaves,
    })
}
