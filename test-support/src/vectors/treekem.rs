//! `treekem.json`: processing UpdatePaths with every member's private state,
//! and creating new ones that every member can process (RFC 9420 §7.4-§7.6).

use rfc9420::codec::{Encode, decode_exact};
use rfc9420::crypto::{CipherSuite, CryptoProvider};
use rfc9420::key_schedule::GroupContext;
use rfc9420::messages::{Extensions, ProtocolVersion, UpdatePath};
use rfc9420::tree::treekem::{
    TreeKemPrivate, decrypt_update_path, encrypt_update_path, merge_update_path,
    prepare_update_path,
};
use rfc9420::tree::{LeafIndex, Node, NodeIndex, RatchetTree, TreeDiff, TreeView};
use serde::Deserialize;

use super::Outcome;
use super::common::{Hex, TestRng, check_eq, outcome, parse};

#[derive(Deserialize)]
struct PathSecret {
    node: u32,
    path_secret: Hex,
}

#[derive(Deserialize)]
struct LeafPrivate {
    index: u32,
    encryption_priv: Hex,
    signature_priv: Hex,
    path_secrets: Vec<PathSecret>,
}

#[derive(Deserialize)]
struct UpdatePathCase {
    sender: u32,
    update_path: Hex,
    path_secrets: Vec<Option<Hex>>,
    commit_secret: Hex,
    tree_hash_after: Hex,
}

#[derive(Deserialize)]
struct Vector {
    cipher_suite: u16,
    group_id: Hex,
    epoch: u64,
    confirmed_transcript_hash: Hex,
    ratchet_tree: Hex,
    leaves_private: Vec<LeafPrivate>,
    update_paths: Vec<UpdatePathCase>,
}

/// Checks one vector.
pub fn check(v: &serde_json::Value) -> Outcome {
    outcome(parse::<Vector>(v).and_then(|v| run(&v)))
}

fn context(v: &Vector, tree_hash: Vec<u8>) -> Result<Vec<u8>, String> {
    GroupContext {
        version: ProtocolVersion::MLS10,
        cipher_suite: CipherSuite(v.cipher_suite),
        group_id: v.group_id.0.clone(),
        epoch: v.epoch,
        tree_hash,
        confirmed_transcript_hash: v.confirmed_transcript_hash.0.clone(),
        extensions: Extensions::default(),
    }
    .to_bytes()
    .map_err(|e| e.to_string())
}

fn run(v: &Vector) -> Result<(), String> {
    let provider = &super::common::PROVIDER;
    let suite = CipherSuite(v.cipher_suite);
    let crypto = super::common::suite(v.cipher_suite)?;
    let nodes: Vec<Option<Node>> =
        decode_exact(&v.ratchet_tree).map_err(|e| format!("tree: {e}"))?;
    let tree = RatchetTree::from_nodes(&crypto, nodes).map_err(|e| format!("import: {e}"))?;

    // Private states, checked against the public tree.
    let mut privates = Vec::new();
    for lp in &v.leaves_private {
        let leaf = LeafIndex(lp.index);
        let public = tree
            .leaf(leaf)
            .ok_or(format!("leaves_private names blank leaf {}", lp.index))?
            .encryption_key
            .clone();
        let key = provider
            .import_hpke_private_key(suite, &lp.encryption_priv)
            .map_err(|e| format!("encryption_priv {}: {e}", lp.index))?;
        let mut state = TreeKemPrivate::new(leaf, public, key).map_err(|e| e.to_string())?;
        for ps in &lp.path_secrets {
            let secret = rfc9420::crypto::Secret::from_slice(&ps.path_secret);
            state
                .set_path_secret(&crypto, NodeIndex(ps.node), &secret)
                .map_err(|e| format!("path secret of node {}: {e}", ps.node))?;
        }
        state.check_consistent(&tree).map_err(|e| {
            format!(
                "private state of leaf {} inconsistent with the tree: {e}",
                lp.index
            )
        })?;
        let signer = provider
            .import_signature_private_key(suite, &lp.signature_priv)
            .map_err(|e| format!("signature_priv {}: {e}", lp.index))?;
        privates.push((state, signer));
    }
    let none = |_: LeafIndex| false;

    for (case_index, case) in v.update_paths.iter().enumerate() {
        let sender = LeafIndex(case.sender);
        let path: UpdatePath =
            decode_exact(&case.update_path).map_err(|e| format!("update_path: {e}"))?;
        let mut diff = TreeDiff::new(&tree);
        merge_update_path(&crypto, &mut diff, sender, &path)
            .map_err(|e| format!("path {case_index}: merge: {e}"))?;
        let tree_hash = diff.tree_hash(&crypto).map_err(|e| e.to_string())?;
        check_eq(
            &format!("path {case_index}: tree_hash_after"),
            &tree_hash,
            &case.tree_hash_after,
        )?;
        let ctx = context(v, tree_hash)?;
        for (state, _) in &privates {
            let j = state.own_leaf();
            if j == sender {
                continue;
            }
            let got = decrypt_update_path(&crypto, &diff, sender, &path, state, &ctx, &none)
                .map_err(|e| format!("path {case_index}: leaf {}: {e}", j.0))?;
            let want = case
                .path_secrets
                .get(j.as_usize())
                .and_then(Option::as_ref)
                .ok_or(format!(
                    "path {case_index}: no path secret listed for leaf {}",
                    j.0
                ))?;
            check_eq(
                &format!("path {case_index}: path secret of leaf {}", j.0),
                got.path_secret.as_bytes(),
                want,
            )?;
            check_eq(
                &format!("path {case_index}: commit secret at leaf {}", j.0),
                got.commit_secret.as_bytes(),
                &case.commit_secret,
            )?;
        }
        let members = tree.members().filter(|(l, _)| *l != sender).count();
        if members
            != privates.len() - usize::from(privates.iter().any(|(s, _)| s.own_leaf() == sender))
        {
            return Err(format!(
                "path {case_index}: {members} other members but private states for fewer"
            ));
        }

        // A fresh path from the same sender must be processable by everyone.
        let (_, signer) = privates
            .iter()
            .find(|(s, _)| s.own_leaf() == sender)
            .ok_or(format!("no private state for sender {}", sender.0))?;
        let template = tree.leaf(sender).ok_or("sender leaf blank")?.clone();
        let mut rng = TestRng::new(case_index as u64);
        let mut diff = TreeDiff::new(&tree);
        let pending = prepare_update_path(
            &crypto,
            &mut diff,
            sender,
            template,
            signer,
            &v.group_id,
            &mut rng,
        )
        .map_err(|e| format!("path {case_index}: prepare: {e}"))?;
        let new_hash = diff.tree_hash(&crypto).map_err(|e| e.to_string())?;
        let new_ctx = context(v, new_hash.clone())?;
        let new_path = encrypt_update_path(&crypto, &diff, &pending, &new_ctx, &none, &mut rng)
            .map_err(|e| format!("path {case_index}: encrypt: {e}"))?;
        for (state, _) in &privates {
            if state.own_leaf() == sender {
                continue;
            }
            let mut theirs = TreeDiff::new(&tree);
            merge_update_path(&crypto, &mut theirs, sender, &new_path)
                .map_err(|e| format!("path {case_index}: merging our path: {e}"))?;
            let hash = theirs.tree_hash(&crypto).map_err(|e| e.to_string())?;
            check_eq("tree hash after our path", &hash, &new_hash)?;
            let got =
                decrypt_update_path(&crypto, &theirs, sender, &new_path, state, &new_ctx, &none)
                    .map_err(|e| {
                        format!(
                            "path {case_index}: leaf {} on our path: {e}",
                            state.own_leaf().0
                        )
                    })?;
            check_eq(
                "commit secret of our path",
                got.commit_secret.as_bytes(),
                pending.commit_secret.as_bytes(),
            )?;
        }
    }
    Ok(())
}
