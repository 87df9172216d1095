//! Joining a group from a Welcome message (RFC 9420 §12.4.3.1): the
//! decryption of the group secrets and the GroupInfo, the GroupInfo
//! signature, and locating the joiner in the ratchet tree.
//!
//! The steps are separate functions so that a caller can fetch the ratchet
//! tree (when the GroupInfo does not carry one), validate it
//! ([`validate_tree`](crate::tree::validate::validate_tree)) and build its
//! group state in between; each returns a typed error and changes nothing.

use crate::codec::{Encode, decode_exact};
use crate::crypto::{HpkePrivateKey, SignaturePublicKey, SuiteCrypto};
use crate::error::Error;
use crate::key_schedule::WelcomeSecret;
use crate::messages::{GroupInfo, GroupSecrets, KeyPackage, KeyPackageRef, Welcome};
use crate::tree::treekem::TreeKemPrivate;
use crate::tree::{LeafIndex, LeafNode, RatchetTree, TreeView};

/// The label of the group-secrets encryption (RFC 9420 §12.4.3.1).
const WELCOME_LABEL: &str = "Welcome";

/// Why a Welcome could not be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WelcomeError {
    /// The Welcome's cipher suite is not the KeyPackage's.
    #[error("Welcome cipher suite {welcome:#06x}, KeyPackage cipher suite {key_package:#06x}")]
    CipherSuiteMismatch {
        /// The Welcome's suite.
        welcome: u16,
        /// The KeyPackage's suite.
        key_package: u16,
    },
    /// No entry of the Welcome names this KeyPackage.
    #[error("the Welcome holds no secrets for this KeyPackage")]
    NotForThisKeyPackage,
    /// The GroupInfo's cipher suite is not the Welcome's.
    #[error("GroupInfo cipher suite differs from the Welcome's")]
    GroupInfoCipherSuiteMismatch,
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
    if welcome.cipher_suite != key_package.cipher_suite {
        return Err(WelcomeError::CipherSuiteMismatch {
            welcome: welcome.cipher_suite.0,
            key_package: key_package.cipher_suite.0,
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
        WELCOME_LABEL,
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
    let key_nonce = welcome_secret.key_nonce(crypto)?;
    let plaintext = crypto.aead_open(
        key_nonce.key().as_bytes(),
        key_nonce.nonce().as_bytes(),
        &[],
        &welcome.encrypted_group_info,
    )?;
    let group_info: GroupInfo = decode_exact(&plaintext)?;
    if group_info.group_context.cipher_suite != welcome.cipher_suite {
        return Err(WelcomeError::GroupInfoCipherSuiteMismatch.into());
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
    let tbs = group_info.tbs_bytes()?;
    crypto
        .verify_with_label(signer_key, "GroupInfoTBS", &tbs, &group_info.signature)
        .map_err(|_| WelcomeError::InvalidGroupInfoSignature.into())
}

/// Verifies the GroupInfo signature with the key of its `signer` leaf in
/// `tree` (RFC 9420 §12.4.3.1: "If the node is blank or if signature
/// verification fails, return an error").
pub fn verify_group_info_in_tree(
    crypto: &SuiteCrypto<'_>,
    group_info: &GroupInfo,
    tree: &RatchetTree,
) -> Result<(), Error> {
    let signer = group_info.signer;
    let leaf = tree
        .leaf(signer)
        .ok_or(WelcomeError::SignerNotInTree { signer })?;
    verify_group_info(crypto, group_info, &leaf.signature_key)
}

/// The leaf of `tree` identical to the KeyPackage's leaf node (RFC 9420
/// §12.4.3.1), found through the tree's key index.
pub fn find_own_leaf(tree: &RatchetTree, leaf_node: &LeafNode) -> Result<LeafIndex, Error> {
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
