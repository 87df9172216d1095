//! Joining a group from a Welcome message (RFC 9420 §12.4.3.1).

use super::error::{MessageError, ProposalError};
use super::key_package::KeyPackageBundle;
use super::psk::PskStore;
use super::resumption::{ResumptionSource, find_link, resolve_resumption};
use super::state::{EpochParts, GroupState};
use super::validate::{
    check_extensions_wellformed, check_leaf_supports_extensions, required_capabilities,
};
use super::welcome::{
    WelcomeError, decrypt_group_info, decrypt_group_secrets, find_own_leaf, joiner_private_state,
    verify_group_info_in_tree,
};
use super::{Group, GroupConfig};
use crate::codec::{Encode, decode_exact};
use crate::crypto::{CryptoProvider, Secret, SuiteCrypto};
use crate::error::Error;
use crate::framing::{MlsMessage, MlsMessageBody};
use crate::key_schedule::{GroupContext, JoinerSecret, interim_transcript_hash, psk_secret};
use crate::messages::{
    ExtensionType, GroupInfo, KeyPackage, PreSharedKeyId, ProtocolVersion, PskKind,
    RatchetTreeExtension, Welcome,
};
use crate::tree::validate::{
    LeafContext, Timestamp, first_bad_leaf, first_bad_signature, first_leaf_error, signed_leaves,
    validate_tree_nodes,
};
use crate::tree::{LeafIndex, Node, RatchetTree};

/// What a joiner needs besides the Welcome and its KeyPackage.
#[derive(Debug, Clone, Default)]
pub struct JoinOptions {
    /// The ratchet tree, when the Welcome's GroupInfo does not carry it
    /// (RFC 9420 §12.4.3.3: delivered out of band). Ignored when the
    /// GroupInfo carries one.
    pub ratchet_tree: Option<Vec<Option<Node>>>,
    /// External PSKs the Welcome may name (RFC 9420 §8.4); they stay
    /// available to the group afterwards.
    pub psks: PskStore,
    /// Groups this member holds whose resumption PSKs the Welcome may name
    /// (RFC 9420 §8.6, §12.4.3.1): the old group of a ReInit, the parent of
    /// a branch, or any group for an `application` resumption PSK. Add them
    /// with [`resumption_from`](Self::resumption_from).
    pub resumption: Vec<ResumptionSource>,
}

impl JoinOptions {
    /// Options with the ratchet tree given out of band as the encoded
    /// `ratchet_tree` extension content (`optional<Node> ratchet_tree<V>`).
    pub fn with_tree_bytes(tree: &[u8]) -> Result<Self, Error> {
        let tree: RatchetTreeExtension = decode_exact(tree)?;
        Ok(Self {
            ratchet_tree: Some(tree.0),
            ..Self::default()
        })
    }

    /// These options with `group` as a source of resumption PSKs
    /// (RFC 9420 §8.6, §12.4.3.1): a Welcome naming a resumption PSK of
    /// `group` resolves it from the epochs `group` keeps (or fails with
    /// [`ProposalError::ResumptionPskNotKept`]), and a `reinit` or `branch`
    /// PSK of `group` makes [`Group::join`] check the new group against it.
    /// `group` may be inactive (the old group after a ReInit).
    pub fn resumption_from<Q: CryptoProvider>(mut self, group: &Group<Q>) -> Self {
        self.resumption.push(group.resumption_source());
        self
    }
}

impl<P: CryptoProvider> Group<P> {
    /// Joins a group from an encoded `MLSMessage` carrying a Welcome
    /// (RFC 9420 §12.4.3.1), with the KeyPackage bundle it was addressed
    /// to:
    ///
    /// 1. decrypts the GroupSecrets for the KeyPackage and the PSKs they
    ///    name ([`ProposalError::UnknownPsk`] if one is missing);
    /// 2. decrypts the GroupInfo, checks the group's version and cipher
    ///    suite against the KeyPackage;
    /// 3. takes the ratchet tree from the GroupInfo or `options`, checks
    ///    the GroupInfo signature by its signer's leaf, and validates the
    ///    whole tree (§12.4.3.1: tree hash, parent hashes, every leaf,
    ///    unique keys) with `now` for leaf lifetimes;
    /// 4. locates its own leaf, derives its path keys from the path
    ///    secret, runs the key schedule and checks the confirmation tag.
    ///
    /// Resumption PSKs are resolved from the groups in
    /// [`JoinOptions::resumption`]. With a `reinit` or `branch` PSK (at most
    /// one, [`ResumptionError::MultipleLinkPsks`](super::ResumptionError::MultipleLinkPsks)),
    /// the new group must be at epoch 1 and match the group the PSK names
    /// (RFC 9420 §12.4.3.1): its ReInit's parameters and exactly its
    /// members for `reinit`, its version, suite and a subset of its members
    /// for `branch` (see `Group::reinit_successor` and `Group::branch`).
    pub fn join(
        provider: P,
        config: GroupConfig,
        welcome: &[u8],
        own: &KeyPackageBundle,
        options: JoinOptions,
        now: Timestamp,
    ) -> Result<Self, Error> {
        // RFC 9420 R-12.4.3-02, R-13.4-04, R-12.4.3.1-10, R-13.5-04 (docs/rfc9420-requirements.md)
        let welcome = open_welcome(welcome)?;
        let key_package = own.key_package();
        let crypto = SuiteCrypto::new(&provider, key_package.cipher_suite)?;
        let group_secrets =
            decrypt_group_secrets(&crypto, &welcome, key_package, own.init_private_key())?;
        let link = find_link(&group_secrets.psks, &options.resumption)?;
        let psk = joiner_psk_secret(
            &crypto,
            &group_secrets.psks,
            &options.psks,
            &options.resumption,
        )?;
        let joiner = JoinerSecret::from_secret(&crypto, group_secrets.joiner_secret.clone())?;
        let welcome_secret = joiner.welcome_secret(&crypto, &psk)?;
        let group_info = decrypt_group_info(&crypto, &welcome, &welcome_secret)?;
        let context = group_info.group_context.clone();
        check_group_parameters(&context, key_package)?;
        if let Some(link) = &link {
            // RFC 9420 §11.2, §11.3, §12.4.3.1: epoch 1 and the parameters
            // of the ReInit or of the parent group.
            link.check_context(&context)?;
        }

        let tree = checked_tree(&crypto, &config, &group_info, options.ratchet_tree, now)?;
        if let Some(link) = &link {
            // RFC 9420 §11.2, §11.3, §12.4.3.1: the members of the old group.
            link.check_members(&tree, config.credentials.as_ref())?;
        }
        let own_leaf = find_own_leaf(&tree, &key_package.leaf_node)?;
        // §12.4.3: the joiner supports the group's extensions.
        check_leaf_supports_extensions(
            Some(own_leaf),
            &key_package.leaf_node,
            &context.extensions,
        )?;
        let private = joiner_private_state(
            &crypto,
            &tree,
            own_leaf,
            own.encryption_private_key().clone(),
            group_info.signer,
            &group_secrets,
        )?;

        let secrets = joiner.epoch_secrets(&crypto, &psk, &context.to_bytes()?)?;
        secrets.verify_confirmation_tag(
            &crypto,
            &context.confirmed_transcript_hash,
            &group_info.confirmation_tag,
        )?;
        let interim = interim_transcript_hash(
            &crypto,
            &context.confirmed_transcript_hash,
            &group_info.confirmation_tag,
        )?;
        let parts = EpochParts {
            context,
            tree,
            private,
            signer: own.signature_private_key().clone(),
            secrets,
            interim_transcript_hash: interim,
            confirmation_tag: group_info.confirmation_tag,
        };
        let state = GroupState::initial(parts, options.psks, &config);
        Ok(Self {
            provider,
            config,
            state,
        })
    }
}

/// The ratchet tree of a group joined from `group_info` (RFC 9420
/// §12.4.3.1, §12.4.3.2), from its `ratchet_tree` extension or
/// `out_of_band`: within `config.max_tree_leaves`, holding the GroupInfo's
/// signer, whose signature it verifies, and valid as a whole (tree hash,
/// parent hashes, every leaf with `now` for lifetimes, unique keys).
pub(crate) fn checked_tree(
    crypto: &SuiteCrypto<'_>,
    config: &GroupConfig,
    group_info: &GroupInfo,
    out_of_band: Option<Vec<Option<Node>>>,
    now: Timestamp,
) -> Result<RatchetTree, Error> {
    // RFC 9420 R-12.4.3-04, R-12.4.3.1-07 (docs/rfc9420-requirements.md)
    let context = &group_info.group_context;
    let nodes = ratchet_tree_from(group_info, out_of_band)?;
    RatchetTree::check_node_count(nodes.len(), config.max_tree_leaves)?;
    // What the leaves' signatures need, taken from the nodes so that they
    // are verified while the tree is built and checked: `validate_tree`
    // (after the GroupInfo's signature) as if in that order.
    let members = nodes.iter().zip(0u32..).filter_map(|(node, x)| match node {
        Some(Node::Leaf(leaf)) if x.is_multiple_of(2) => Some((LeafIndex(x / 2), &**leaf)),
        _ => None,
    });
    let signed = signed_leaves(&context.group_id, members);
    let ((tree, first_bad), signatures) = crate::par::check_then(
        signed.len() >= crate::par::MIN_ITEMS,
        || {
            let tree = RatchetTree::from_nodes_with_max(crypto, nodes, config.max_tree_leaves)?;
            verify_group_info_in_tree(crypto, group_info, &tree)?;
            let required = required_capabilities(&context.extensions)?;
            let ctx = LeafContext {
                group_id: &context.group_id,
                required_capabilities: required.as_ref(),
                lifetime: config.lifetime.receive,
                now,
                credentials: config.credentials.as_ref(),
            };
            validate_tree_nodes(crypto, &tree, &context.tree_hash)?;
            let first_bad = first_bad_leaf(crypto, &tree, &ctx);
            Ok::<_, Error>((tree, first_bad))
        },
        || first_bad_signature(crypto, &signed),
    )?;
    first_leaf_error(first_bad, signatures)?;
    Ok(tree)
}

/// The body of an encoded MLSMessage of MLS 1.0 (RFC 9420 §6).
pub(crate) fn open_mls10(bytes: &[u8]) -> Result<MlsMessageBody, Error> {
    // RFC 9420 R-6-03 (docs/rfc9420-requirements.md)
    let message: MlsMessage = decode_exact(bytes)?;
    if message.version != ProtocolVersion::MLS10 {
        return Err(MessageError::UnsupportedVersion(message.version).into());
    }
    Ok(message.body)
}

/// Decodes an MLSMessage that must carry a Welcome of MLS 1.0.
fn open_welcome(bytes: &[u8]) -> Result<Welcome, Error> {
    match open_mls10(bytes)? {
        MlsMessageBody::Welcome(w) => Ok(w),
        other => Err(MessageError::UnexpectedWireFormat(other.wire_format()).into()),
    }
}

/// The PSK secret of the PSKs a Welcome names (RFC 9420 §8.4,
/// §12.4.3.1): external PSKs from the joiner's store, resumption PSKs from
/// the groups it holds (§8.6).
fn joiner_psk_secret(
    crypto: &SuiteCrypto<'_>,
    ids: &[PreSharedKeyId],
    psks: &PskStore,
    sources: &[ResumptionSource],
) -> Result<Secret, Error> {
    // RFC 9420 R-12.4.3.1-04, R-8.6-02 (docs/rfc9420-requirements.md)
    let resolved = ids
        .iter()
        .map(|id| held_psk(id, psks, sources).map(|secret| (id, secret)))
        .collect::<Result<Vec<_>, Error>>()?;
    psk_secret(crypto, resolved)
}

/// The secret of the PSK `id` names from what a client that is not yet a
/// member holds (RFC 9420 §8.4, §8.6): its external PSKs, and the
/// resumption PSKs of the groups in `sources`. A PSK it does not hold is
/// [`ProposalError::UnknownPsk`]; a resumption PSK of a held group's epoch
/// no longer kept is [`ProposalError::ResumptionPskNotKept`].
pub(crate) fn held_psk<'h>(
    id: &PreSharedKeyId,
    psks: &'h PskStore,
    sources: &'h [ResumptionSource],
) -> Result<&'h Secret, Error> {
    match &id.psk {
        PskKind::External { psk_id } => psks.get(psk_id),
        PskKind::Resumption {
            psk_group_id,
            psk_epoch,
            ..
        } => resolve_resumption(sources, psk_group_id, *psk_epoch)?,
    }
    .ok_or_else(|| ProposalError::UnknownPsk(Box::new(id.clone())).into())
}

/// The group's version and suite are the KeyPackage's, and the version is
/// MLS 1.0 (RFC 9420 §12.4.3.1); its extensions are well formed.
pub(crate) fn check_group_parameters(
    context: &GroupContext,
    key_package: &KeyPackage,
) -> Result<(), Error> {
    // RFC 9420 R-12.4.3.1-06 (docs/rfc9420-requirements.md)
    if context.version != ProtocolVersion::MLS10 || context.version != key_package.version {
        return Err(WelcomeError::VersionMismatch {
            group: context.version,
            key_package: key_package.version,
        }
        .into());
    }
    if context.cipher_suite != key_package.cipher_suite {
        return Err(WelcomeError::CipherSuiteMismatch {
            welcome: context.cipher_suite,
            key_package: key_package.cipher_suite,
        }
        .into());
    }
    check_extensions_wellformed(&context.extensions)
}

/// The ratchet tree from the GroupInfo's `ratchet_tree` extension, or the
/// one delivered out of band (RFC 9420 §12.4.3.3).
pub(crate) fn ratchet_tree_from(
    group_info: &GroupInfo,
    out_of_band: Option<Vec<Option<Node>>>,
) -> Result<Vec<Option<Node>>, Error> {
    // RFC 9420 R-12.4.3.1-01, R-12.4.3-01 (docs/rfc9420-requirements.md)
    match group_info
        .extensions
        .get::<RatchetTreeExtension>()
        .map_err(|_| ProposalError::MalformedExtension(ExtensionType::RATCHET_TREE))?
    {
        Some(tree) => Ok(tree.0),
        None => out_of_band.ok_or_else(|| WelcomeError::MissingRatchetTree.into()),
    }
}
