//! Joining a group from a Welcome message (RFC 9420 §12.4.3.1): the
//! decryption of the group secrets and the GroupInfo, the GroupInfo
//! signature, and locating the joiner in the ratchet tree.
//!
//! Building a Welcome for a commit (§12.4.3, §12.4.3.1) lives here too,
//! beside the steps that undo it.
//!
//! The joining steps are public functions for tools and tests that check a
//! Welcome step by step; [`Group::join`](super::Group::join) runs them all.
//! Each returns a typed error and changes nothing.

use rand_core::CryptoRng;

use super::epoch::EpochStep;
use super::error::ProposalError;
use crate::codec::{Encode, decode_exact};
use crate::crypto::{
    CipherSuite, HpkePrivateKey, HpkeRecipient, Secret, SignaturePrivateKey, SignaturePublicKey,
    SuiteCrypto,
};
use crate::error::Error;
use crate::framing::{MlsMessage, MlsMessageBody};
use crate::key_schedule::WelcomeSecret;
use crate::messages::{
    EncryptedGroupSecrets, Extension, ExtensionType, Extensions, ExternalPub, GroupInfo,
    GroupSecrets, KeyPackage, KeyPackageRef, PathSecret, ProtocolVersion, Welcome,
};
use crate::tree::treekem::PendingPath;
use crate::tree::treekem::TreeKemPrivate;
use crate::tree::{LeafIndex, LeafNode, RatchetTree, TreeView};

/// Why a Welcome could not be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WelcomeError {
    /// The Welcome's cipher suite is not the KeyPackage's.
    #[error("Welcome cipher suite {welcome:?}, KeyPackage cipher suite {key_package:?}")]
    CipherSuiteMismatch {
        /// The Welcome's suite.
        welcome: CipherSuite,
        /// The KeyPackage's suite.
        key_package: CipherSuite,
    },
    /// The group's protocol version is not the KeyPackage's, or not
    /// `mls10` (RFC 9420 §12.4.3.1).
    #[error("group version {group:?}, KeyPackage version {key_package:?}")]
    VersionMismatch {
        /// The GroupContext's version.
        group: ProtocolVersion,
        /// The KeyPackage's version.
        key_package: ProtocolVersion,
    },
    /// The group's ID is one of the joiner's groups already (RFC 9420
    /// §12.4.3.1), as reported to [`Group::join_unique`](super::Group::join_unique).
    #[error("the joiner is already in a group with this group_id")]
    GroupIdInUse,
    /// No ratchet tree was given and the GroupInfo carries none (RFC 9420
    /// §12.4.3.1).
    #[error("no ratchet tree: pass one or use a Welcome that carries it")]
    MissingRatchetTree,
    /// No entry of the Welcome names this KeyPackage.
    #[error("the Welcome holds no secrets for this KeyPackage")]
    NotForThisKeyPackage,
    /// The GroupInfo's cipher suite is not the Welcome's.
    #[error("GroupInfo cipher suite {group_info:?}, Welcome cipher suite {welcome:?}")]
    GroupInfoCipherSuiteMismatch {
        /// The GroupInfo's suite.
        group_info: CipherSuite,
        /// The Welcome's suite.
        welcome: CipherSuite,
    },
    /// The GroupInfo signature does not verify with the signer's key.
    #[error("GroupInfo signature invalid")]
    InvalidGroupInfoSignature,
    /// The GroupInfo's signer is blank or outside the tree.
    #[error("GroupInfo signer {signer:?} is not a member")]
    SignerNotInTree {
        /// The `signer` field.
        signer: LeafIndex,
    },
    /// No leaf of the tree is identical to the KeyPackage's leaf node.
    #[error("the joiner's leaf is not in the tree")]
    OwnLeafNotFound,
}

/// Decrypts the GroupSecrets addressed to `key_package` (RFC 9420
/// §12.4.3.1): finds the entry whose `new_member` is the KeyPackage's
/// reference and opens it with `init_private`, the private key of the
/// KeyPackage's `init_key`, with the encrypted GroupInfo as context.
pub fn decrypt_group_secrets(
    crypto: &SuiteCrypto<'_>,
    welcome: &Welcome,
    key_package: &KeyPackage,
    init_private: &HpkePrivateKey,
) -> Result<GroupSecrets, Error> {
    // RFC 9420 R-12.4.3.1-02, R-12.4.3.1-03, R-5.2-01 (docs/rfc9420-requirements.md)
    if welcome.cipher_suite != key_package.cipher_suite {
        return Err(WelcomeError::CipherSuiteMismatch {
            welcome: welcome.cipher_suite,
            key_package: key_package.cipher_suite,
        }
        .into());
    }
    let reference = KeyPackageRef(crypto.key_package_ref(&key_package.to_bytes()?)?);
    let entry = welcome
        .secrets_for(&reference)
        .ok_or(WelcomeError::NotForThisKeyPackage)?;
    let ct = &entry.encrypted_group_secrets;
    let plaintext = crypto.decrypt_with_label(
        init_private,
        Welcome::LABEL,
        &welcome.encrypted_group_info,
        &ct.kem_output,
        &ct.ciphertext,
    )?;
    Ok(decode_exact(plaintext.as_bytes())?)
}

/// Decrypts the GroupInfo with the welcome key and nonce (RFC 9420
/// §12.4.3.1) and checks that it names the Welcome's cipher suite.
pub fn decrypt_group_info(
    crypto: &SuiteCrypto<'_>,
    welcome: &Welcome,
    welcome_secret: &WelcomeSecret,
) -> Result<GroupInfo, Error> {
    // RFC 9420 R-12.4.3.1-05, R-12.4.3.1-06 (docs/rfc9420-requirements.md)
    let key_nonce = welcome_secret.key_nonce(crypto)?;
    let plaintext = crypto.aead_open(
        key_nonce.key().as_bytes(),
        key_nonce.nonce().as_bytes(),
        &[],
        &welcome.encrypted_group_info,
    )?;
    let group_info: GroupInfo = decode_exact(&plaintext)?;
    if group_info.group_context.cipher_suite != welcome.cipher_suite {
        return Err(WelcomeError::GroupInfoCipherSuiteMismatch {
            group_info: group_info.group_context.cipher_suite,
            welcome: welcome.cipher_suite,
        }
        .into());
    }
    // RFC 9420 §13.4, R-13.4-02 (docs/rfc9420-requirements.md): no
    // extension type twice in the GroupInfo's list.
    if let Some(t) = group_info.extensions.first_duplicate() {
        return Err(ProposalError::DuplicateExtension(t).into());
    }
    Ok(group_info)
}

/// Verifies the GroupInfo signature, `SignWithLabel(., "GroupInfoTBS",
/// GroupInfoTBS)`, with the signer's key (RFC 9420 §12.4.3).
pub fn verify_group_info(
    crypto: &SuiteCrypto<'_>,
    group_info: &GroupInfo,
    signer_key: &SignaturePublicKey,
) -> Result<(), Error> {
    // RFC 9420 R-12.4.3-04 (docs/rfc9420-requirements.md)
    crypto.verify_with_label_or(
        signer_key,
        crate::messages::group_info::TBS_LABEL,
        &group_info.tbs_bytes()?,
        &group_info.signature,
        WelcomeError::InvalidGroupInfoSignature,
    )
}

/// Verifies the GroupInfo signature with the key of its `signer` leaf in
/// `tree` (RFC 9420 §12.4.3.1: "If the node is blank or if signature
/// verification fails, return an error").
pub fn verify_group_info_in_tree(
    crypto: &SuiteCrypto<'_>,
    group_info: &GroupInfo,
    tree: &RatchetTree,
) -> Result<(), Error> {
    // RFC 9420 R-12.4.3-04 (docs/rfc9420-requirements.md)
    let signer = group_info.signer;
    let leaf = tree
        .leaf(signer)
        .ok_or(WelcomeError::SignerNotInTree { signer })?;
    verify_group_info(crypto, group_info, &leaf.signature_key)
}

/// The leaf of `tree` identical to the KeyPackage's leaf node (RFC 9420
/// §12.4.3.1), found through the tree's key index.
pub fn find_own_leaf(tree: &RatchetTree, leaf_node: &LeafNode) -> Result<LeafIndex, Error> {
    // RFC 9420 R-12.4.3.1-08 (docs/rfc9420-requirements.md)
    tree.find_encryption_key(&leaf_node.encryption_key)
        .and_then(|node| node.leaf())
        .filter(|leaf| tree.leaf(*leaf) == Some(leaf_node))
        .ok_or_else(|| WelcomeError::OwnLeafNotFound.into())
}

/// The joiner's private TreeKEM state (RFC 9420 §12.4.3.1): its leaf key,
/// and, if the GroupSecrets carry a path secret, the keys of the lowest
/// common ancestor of the joiner and the signer and of every non-blank
/// node above it, each checked against the tree.
pub fn joiner_private_state(
    crypto: &SuiteCrypto<'_>,
    tree: &RatchetTree,
    own_leaf: LeafIndex,
    leaf_private: HpkePrivateKey,
    signer: LeafIndex,
    group_secrets: &GroupSecrets,
) -> Result<TreeKemPrivate, Error> {
    // RFC 9420 R-12.4.3.1-09 (docs/rfc9420-requirements.md)
    let leaf = tree.leaf(own_leaf).ok_or(WelcomeError::OwnLeafNotFound)?;
    let mut state = TreeKemPrivate::new(own_leaf, leaf.encryption_key.clone(), leaf_private)?;
    state.check_consistent(tree)?;
    if let Some(path_secret) = &group_secrets.path_secret {
        let (Some(own), Some(other)) = (own_leaf.node(), signer.node()) else {
            return Err(WelcomeError::SignerNotInTree { signer }.into());
        };
        if tree.leaf(signer).is_none() {
            return Err(WelcomeError::SignerNotInTree { signer }.into());
        }
        let ancestor = tree.size().common_ancestor(own, other);
        state.set_path_from(crypto, tree, ancestor, path_secret.path_secret.clone())?;
    }
    Ok(state)
}

/// The GroupInfo of the epoch `step` stages (RFC 9420 §12.4.3), with the
/// tree in it if given, `external_pub` if asked and a GREASE extension
/// (§13.5) drawn from `rng`; unsigned: [`GroupInfo::sign`] follows.
pub(crate) fn unsigned_group_info(
    crypto: &SuiteCrypto<'_>,
    step: &EpochStep,
    tree: Option<Vec<u8>>,
    external_pub: bool,
    rng: &mut (impl CryptoRng + ?Sized),
) -> Result<GroupInfo, Error> {
    // RFC 9420 R-12.4.1-02 (docs/rfc9420-requirements.md)
    let next = step
        .staged
        .next
        .as_ref()
        .ok_or(Error::Internal("GroupInfo of a commit without next epoch"))?;
    let mut extensions = Extensions::new();
    if let Some(tree) = tree {
        extensions.0.push(Extension {
            extension_type: ExtensionType::RATCHET_TREE,
            extension_data: tree,
        });
    }
    if external_pub {
        let (_, external_pub) = next.secrets.external_key_pair(crypto)?;
        extensions.set(&ExternalPub { external_pub })?;
    }
    super::external::add_grease(&mut extensions, rng);
    Ok(GroupInfo {
        group_context: next.context.clone(),
        extensions,
        confirmation_tag: next.confirmation_tag.clone(),
        signer: next.private.own_leaf(),
        signature: Vec::new(),
    })
}

/// A commit's Welcome with its randomness drawn (the GroupInfo's GREASE,
/// each new member's HPKE ephemeral seed), so that what is left, signing,
/// encrypting and sealing, needs no RNG and can run beside the commit's
/// own framing.
pub(crate) struct WelcomePlan<'a> {
    step: &'a EpochStep,
    group_info: GroupInfo,
    pending_path: Option<&'a PendingPath>,
    seeds: Vec<Secret>,
}

impl<'a> WelcomePlan<'a> {
    /// Draws one ephemeral seed per new member of `step`, in the order of
    /// its Adds.
    pub(crate) fn new(
        crypto: &SuiteCrypto<'_>,
        step: &'a EpochStep,
        group_info: GroupInfo,
        pending_path: Option<&'a PendingPath>,
        rng: &mut (impl CryptoRng + ?Sized),
    ) -> Self {
        let seed_len = crypto.params().kem.private_key_len();
        let seeds = step
            .staged
            .effects
            .added
            .iter()
            .map(|_| crypto.random_secret(seed_len, rng))
            .collect();
        Self {
            step,
            group_info,
            pending_path,
            seeds,
        }
    }

    /// Signs the GroupInfo, encrypts it under the welcome secret and the
    /// GroupSecrets to each new member's init key (RFC 9420 §12.4.3.1),
    /// and encodes the Welcome as an MLSMessage. The GroupInfo is signed
    /// and encrypted beside the encoding of the GroupSecrets and the
    /// KeyPackageRefs ([`par::join`](crate::par::join)); errors are
    /// reported in that order.
    pub(crate) fn build(
        self,
        crypto: &SuiteCrypto<'_>,
        signer: &SignaturePrivateKey,
    ) -> Result<Vec<u8>, Error> {
        // RFC 9420 R-12.4.1-02, R-12.4.1-03, R-8.4-01 (docs/rfc9420-requirements.md)
        let WelcomePlan {
            step,
            mut group_info,
            pending_path,
            seeds,
        } = self;
        let next = step
            .staged
            .next
            .as_ref()
            .ok_or(Error::Internal("Welcome of a commit without next epoch"))?;
        let effects = &step.staged.effects;
        let split = effects.added.len() >= crate::par::MIN_ITEMS;
        let (encrypted_group_info, (plaintexts, refs)) = crate::par::join_if(
            split,
            || -> Result<Vec<u8>, Error> {
                group_info.sign(crypto, signer)?;
                let key_nonce = step.welcome_secret.key_nonce(crypto)?;
                Ok(crypto.aead_seal(
                    key_nonce.key().as_bytes(),
                    key_nonce.nonce().as_bytes(),
                    &[],
                    &group_info.to_bytes()?,
                )?)
            },
            || {
                let size = next.tree.size();
                let plaintexts = crate::par::map_if(split, &effects.added, |(leaf, _)| {
                    let path_secret = pending_path
                        .and_then(|p| p.path_secret_for(size, *leaf))
                        .map(|(_, s)| PathSecret {
                            path_secret: s.clone(),
                        });
                    let group_secrets = GroupSecrets {
                        joiner_secret: step.joiner_secret.as_secret().clone(),
                        path_secret,
                        psks: effects.psks.clone(),
                    };
                    group_secrets.to_bytes().map(zeroize::Zeroizing::new)
                });
                let refs = crate::par::map_if(split, &effects.added, |(_, key_package)| {
                    Ok::<_, Error>(KeyPackageRef(
                        crypto.key_package_ref(&key_package.to_bytes()?)?,
                    ))
                });
                (plaintexts, refs)
            },
        );
        let encrypted_group_info = encrypted_group_info?;
        let plaintexts = plaintexts.into_iter().collect::<Result<Vec<_>, _>>()?;
        // One `info` (the encrypted GroupInfo, O(n) bytes) for every seal:
        // hashed once, not once per new member.
        let recipients: Vec<HpkeRecipient<'_>> = effects
            .added
            .iter()
            .zip(&plaintexts)
            .zip(&seeds)
            .map(|(((_, key_package), plaintext), seed)| HpkeRecipient {
                public_key: &key_package.init_key,
                plaintext: plaintext.as_slice(),
                ikm_e: seed.as_bytes(),
            })
            .collect();
        let encrypted = crypto.encrypt_with_label_seeded_many(
            &recipients,
            Welcome::LABEL,
            &encrypted_group_info,
        )?;
        let mut secrets = Vec::with_capacity(effects.added.len());
        for (new_member, encrypted) in refs.into_iter().zip(encrypted) {
            secrets.push(EncryptedGroupSecrets {
                new_member: new_member?,
                encrypted_group_secrets: encrypted,
            });
        }
        let welcome = Welcome {
            cipher_suite: crypto.suite(),
            secrets,
            encrypted_group_info,
        };
        Ok(MlsMessage::new(MlsMessageBody::Welcome(welcome)).to_bytes()?)
    }
}
