//! `welcome.json`: decrypting a Welcome for a KeyPackage, verifying the
//! GroupInfo signature and its confirmation tag (RFC 9420 §12.4.3.1).

use rfc9420::codec::{Encode, decode_exact};
use rfc9420::crypto::{CipherSuite, CryptoProvider, SignaturePublicKey};
use rfc9420::framing::{MlsMessage, MlsMessageBody};
use rfc9420::group::welcome::{
    decrypt_group_info, decrypt_group_secrets, find_own_leaf, verify_group_info,
    verify_group_info_in_tree,
};
use rfc9420::key_schedule::{JoinerSecret, zero_psk_secret};
use rfc9420::messages::RatchetTreeExtension;
use rfc9420::tree::RatchetTree;
use serde::Deserialize;

use super::Outcome;
use super::common::{Hex, outcome, parse};

#[derive(Deserialize)]
struct Vector {
    cipher_suite: u16,
    init_priv: Hex,
    signer_pub: Hex,
    key_package: Hex,
    welcome: Hex,
}

/// Checks one vector.
pub fn check(v: &serde_json::Value) -> Outcome {
    outcome(parse::<Vector>(v).and_then(|v| run(&v)))
}

fn run(v: &Vector) -> Result<(), String> {
    let provider = &super::common::PROVIDER;
    let suite = CipherSuite(v.cipher_suite);
    let crypto = super::common::suite(v.cipher_suite)?;
    let key_package = match decode_exact::<MlsMessage>(&v.key_package)
        .map_err(|e| format!("key_package: {e}"))?
        .body
    {
        MlsMessageBody::KeyPackage(kp) => kp,
        other => return Err(format!("key_package is a {:?}", other.wire_format())),
    };
    let welcome = match decode_exact::<MlsMessage>(&v.welcome)
        .map_err(|e| format!("welcome: {e}"))?
        .body
    {
        MlsMessageBody::Welcome(w) => w,
        other => return Err(format!("welcome is a {:?}", other.wire_format())),
    };
    let init_private = provider
        .import_hpke_private_key(suite, &v.init_priv)
        .map_err(|e| format!("init_priv: {e}"))?;
    let init_public = provider
        .kem_public_key(suite, &init_private)
        .map_err(|e| e.to_string())?;
    if init_public != key_package.init_key {
        return Err("init_priv does not match the KeyPackage's init_key".into());
    }

    let secrets = decrypt_group_secrets(&crypto, &welcome, &key_package, &init_private)
        .map_err(|e| format!("group secrets: {e}"))?;
    if !secrets.psks.is_empty() {
        return Err(format!(
            "vector names {} PSKs; the format provides none",
            secrets.psks.len()
        ));
    }
    let joiner = JoinerSecret::from_secret(&crypto, secrets.joiner_secret.clone())
        .map_err(|e| e.to_string())?;
    let psk_secret = zero_psk_secret(&crypto);
    let welcome_secret = joiner
        .welcome_secret(&crypto, &psk_secret)
        .map_err(|e| e.to_string())?;
    let group_info = decrypt_group_info(&crypto, &welcome, &welcome_secret)
        .map_err(|e| format!("group info: {e}"))?;
    verify_group_info(
        &crypto,
        &group_info,
        &SignaturePublicKey(v.signer_pub.0.clone()),
    )
    .map_err(|e| format!("signature: {e}"))?;

    let context = group_info
        .group_context
        .to_bytes()
        .map_err(|e| e.to_string())?;
    let epoch = joiner
        .epoch_secrets(&crypto, &psk_secret, &context)
        .map_err(|e| e.to_string())?;
    epoch
        .verify_confirmation_tag(
            &crypto,
            &group_info.group_context.confirmed_transcript_hash,
            &group_info.confirmation_tag,
        )
        .map_err(|e| format!("confirmation tag: {e}"))?;

    // When the GroupInfo carries the tree, the signer and the joiner must be in it.
    if let Some(tree_ext) = group_info
        .extensions
        .get::<RatchetTreeExtension>()
        .map_err(|e| format!("ratchet_tree: {e}"))?
    {
        let tree =
            RatchetTree::from_nodes(&crypto, tree_ext.0).map_err(|e| format!("tree: {e}"))?;
        if tree.tree_hash() != group_info.group_context.tree_hash {
            return Err("ratchet_tree does not match the GroupContext's tree hash".into());
        }
        verify_group_info_in_tree(&crypto, &group_info, &tree)
            .map_err(|e| format!("signer in tree: {e}"))?;
        find_own_leaf(&tree, &key_package.leaf_node).map_err(|e| format!("own leaf: {e}"))?;
    }
    Ok(())
}
