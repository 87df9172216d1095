//! Joining a group from a Welcome message (RFC 9420 §12.4.3.1).

use super::error::GroupError;
use super::key_package::KeyPackageBundle;
use super::proposals::{
    check_extensions_wellformed, check_leaf_supports_extensions, required_capabilities,
};
use super::psk::PskStore;
use super::welcome::{
    decrypt_group_info, decrypt_group_secrets, find_own_leaf, joiner_private_state,
    verify_group_info_in_tree,
};
use super::{Group, GroupConfig, GroupState};
use crate::codec::{Encode, decode_exact};
use crate::crypto::{CryptoProvider, Secret, SuiteCrypto};
use crate::error::Error;
use crate::key_schedule::interim_transcript_hash;
use crate::key_schedule::{JoinerSecret, psk_secret, zero_psk_secret};
use crate::messages::{MlsMessage, MlsMessageBody, ProtocolVersion, PskKind, RatchetTreeExtension};
use crate::tree::validate::{LeafContext, Timestamp, validate_tree};
use crate::tree::{Node, RatchetTree};

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
}

impl JoinOptions {
    /// Options with the ratchet tree given out of band as the encoded
    /// `ratchet_tree` extension content (`optional<Node> ratchet_tree<V>`).
    pub fn with_tree_bytes(tree: &[u8]) -> Result<Self, Error> {
        let tree: RatchetTreeExtension = decode_exact(tree)?;
        Ok(Self {
            ratchet_tree: Some(tree.0),
            psks: PskStore::new(),
        })
    }
}

impl<P: CryptoProvider> Group<P> {
    /// Joins a group from an encoded `MLSMessage` carrying a Welcome
    /// (RFC 9420 §12.4.3.1), with the KeyPackage bundle it was addressed
    /// to:
    ///
    /// 1. decrypts the GroupSecrets for the KeyPackage and the PSKs they
    ///    name ([`GroupError::UnknownPsk`] if one is missing);
    /// 2. decrypts the GroupInfo, checks the group's version and cipher
    ///    suite against the KeyPackage;
    /// 3. takes the ratchet tree from the GroupInfo or `options`, checks
    ///    the GroupInfo signature by its signer's leaf, and validates the
    ///    whole tree (§12.4.3.1: tree hash, parent hashes, every leaf,
    ///    unique keys) with `now` for leaf lifetimes;
    /// 4. locates its own leaf, derives its path keys from the path
    ///    secret, runs the key schedule and checks the confirmation tag.
    pub fn join(
        provider: P,
        config: GroupConfig,
        welcome: &[u8],
        own: &KeyPackageBundle,
        options: JoinOptions,
        now: Timestamp,
    ) -> Result<Self, Error> {
        let message: MlsMessage = decode_exact(welcome)?;
        if message.version != ProtocolVersion::MLS10 {
            return Err(GroupError::UnsupportedVersion(message.version.0).into());
        }
        let welcome = match message.body {
            MlsMessageBody::Welcome(w) => w,
            other => return Err(GroupError::NotAGroupMessage(other.wire_format()).into()),
        };
        let key_package = own.key_package();
        let crypto = SuiteCrypto::new(&provider, key_package.cipher_suite)?;
        let group_secrets =
            decrypt_group_secrets(&crypto, &welcome, key_package, own.init_private_key())?;

        let psk = if group_secrets.psks.is_empty() {
            zero_psk_secret(&crypto)
        } else {
            let mut resolved: Vec<(&crate::messages::PreSharedKeyId, &Secret)> = Vec::new();
            for id in &group_secrets.psks {
                let secret = match &id.psk {
                    PskKind::External { psk_id } => options.psks.get(psk_id),
                    PskKind::Resumption { .. } => None,
                }
                .ok_or(GroupError::UnknownPsk)?;
                resolved.push((id, secret));
            }
            psk_secret(&crypto, resolved)?
        };
        let joiner = JoinerSecret::from_secret(&crypto, group_secrets.joiner_secret.clone())?;
        let welcome_secret = joiner.welcome_secret(&crypto, &psk)?;
        let group_info = decrypt_group_info(&crypto, &welcome, &welcome_secret)?;
        let context = group_info.group_context.clone();
        if context.version != ProtocolVersion::MLS10
            || context.version != key_package.version
            || context.cipher_suite != key_package.cipher_suite
        {
            return Err(GroupError::JoinParametersMismatch.into());
        }
        check_extensions_wellformed(&context.extensions)?;

        let nodes = match group_info
            .extensions
            .get::<RatchetTreeExtension>()
            .map_err(|_| {
                GroupError::MalformedExtension(crate::messages::ExtensionType::RATCHET_TREE)
            })? {
            Some(tree) => tree.0,
            None => options.ratchet_tree.ok_or(GroupError::MissingRatchetTree)?,
        };
        let tree = RatchetTree::from_nodes_with_max(&crypto, nodes, config.max_tree_leaves)?;
        verify_group_info_in_tree(&crypto, &group_info, &tree)?;
        let required = required_capabilities(&context.extensions)?;
        let ctx = LeafContext {
            group_id: &context.group_id,
            required_capabilities: required.as_ref(),
            lifetime: config.lifetime.receive,
            now,
            credentials: config.credentials.as_ref(),
        };
        validate_tree(&crypto, &tree, &context.tree_hash, &ctx)?;
        let own_leaf = find_own_leaf(&tree, &key_package.leaf_node)?;
        // §12.4.3: the joiner supports the group's extensions.
        check_leaf_supports_extensions(&key_package.leaf_node, &context.extensions)?;
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
        let mut state = GroupState::new_epoch(
            context,
            tree,
            private,
            own.signature_private_key().clone(),
            secrets,
            interim,
            group_info.confirmation_tag,
            &config,
        );
        state.psks = options.psks;
        Ok(Self {
            provider,
            config,
            state,
        })
    }
}
