//! `tree-operations.json`: applying an Add, Update or Remove proposal to a
//! tree (RFC 9420 §12.1.1-§12.1.3, §7.7) and the tree hashes before and
//! after (§7.8).

use rfc9420::codec::{Encode, decode_exact};
use rfc9420::messages::Proposal;
use rfc9420::tree::{LeafIndex, Node, RatchetTree, TreeDiff};
use serde::Deserialize;

use super::Outcome;
use super::common::{Hex, check_eq, outcome, parse};

#[derive(Deserialize)]
struct Vector {
    cipher_suite: u16,
    tree_before: Hex,
    proposal: Hex,
    proposal_sender: u32,
    tree_hash_before: Hex,
    tree_after: Hex,
    tree_hash_after: Hex,
}

/// Checks one vector.
pub fn check(v: &serde_json::Value) -> Outcome {
    outcome(parse::<Vector>(v).and_then(|v| run(&v)))
}

fn run(v: &Vector) -> Result<(), String> {
    let crypto = super::common::suite(v.cipher_suite)?;
    let nodes: Vec<Option<Node>> =
        decode_exact(&v.tree_before).map_err(|e| format!("tree_before: {e}"))?;
    let mut tree = RatchetTree::from_nodes(&crypto, nodes).map_err(|e| format!("import: {e}"))?;
    check_eq("tree_hash_before", tree.tree_hash(), &v.tree_hash_before)?;

    let proposal: Proposal = decode_exact(&v.proposal).map_err(|e| format!("proposal: {e}"))?;
    let mut diff = TreeDiff::new(&tree);
    let sender = LeafIndex(v.proposal_sender);
    match proposal {
        Proposal::Add(add) => diff.add_leaf(add.key_package.leaf_node).map(drop),
        Proposal::Update(update) => diff.update_leaf(sender, update.leaf_node),
        Proposal::Remove(remove) => diff.remove_leaf(remove.removed),
        other => {
            return Err(format!(
                "unexpected proposal type {:?}",
                other.proposal_type()
            ));
        }
    }
    .map_err(|e| format!("apply: {e}"))?;
    let staged = diff
        .into_staged(&crypto)
        .map_err(|e| format!("stage: {e}"))?;
    check_eq("staged tree hash", staged.tree_hash(), &v.tree_hash_after)?;
    tree.merge(staged).map_err(|e| format!("merge: {e}"))?;

    check_eq(
        "tree_after",
        &tree.to_bytes().map_err(|e| e.to_string())?,
        &v.tree_after,
    )?;
    check_eq("tree_hash_after", tree.tree_hash(), &v.tree_hash_after)?;
    // The merged cache must equal a fresh import of the same tree.
    let nodes: Vec<Option<Node>> =
        decode_exact(&v.tree_after).map_err(|e| format!("tree_after: {e}"))?;
    let fresh =
        RatchetTree::from_nodes(&crypto, nodes).map_err(|e| format!("import after: {e}"))?;
    if fresh != tree {
        return Err(
            "merged tree differs from a fresh import of tree_after (cache or index)".into(),
        );
    }
    Ok(())
}
