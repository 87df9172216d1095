//! `tree-validation.json`: resolutions and tree hashes of every node,
//! parent-hash validity and leaf signatures of imported trees
//! (RFC 9420 §4.1.2, §7.8, §7.9.2, §7.3).

use rfc9420::codec::decode_exact;
use rfc9420::tree::validate::{LeafContext, LifetimePolicy, Timestamp, validate_tree};
use rfc9420::tree::{Node, NodeIndex, RatchetTree, TreeView};
use serde::Deserialize;

use super::Outcome;
use super::common::{Hex, check_eq, outcome, parse};

#[derive(Deserialize)]
struct Vector {
    cipher_suite: u16,
    tree: Hex,
    group_id: Hex,
    resolutions: Vec<Vec<u32>>,
    tree_hashes: Vec<Hex>,
}

/// Checks one vector.
pub fn check(v: &serde_json::Value) -> Outcome {
    outcome(parse::<Vector>(v).and_then(|v| run(&v)))
}

fn run(v: &Vector) -> Result<(), String> {
    let crypto = super::common::suite(v.cipher_suite)?;
    let nodes: Vec<Option<Node>> = decode_exact(&v.tree).map_err(|e| format!("tree: {e}"))?;
    let tree = RatchetTree::from_nodes(&crypto, nodes).map_err(|e| format!("import: {e}"))?;

    let count = tree.size().node_count() as usize;
    if v.resolutions.len() != count || v.tree_hashes.len() != count {
        return Err(format!(
            "tree has {count} nodes, vector lists {} resolutions and {} hashes",
            v.resolutions.len(),
            v.tree_hashes.len()
        ));
    }
    for (i, want) in v.resolutions.iter().enumerate() {
        let got: Vec<u32> = tree
            .resolution(NodeIndex(i as u32))
            .iter()
            .map(|n| n.0)
            .collect();
        if got != *want {
            return Err(format!(
                "resolution of node {i}: got {got:?}, want {want:?}"
            ));
        }
    }
    for (i, want) in v.tree_hashes.iter().enumerate() {
        let got = tree.node_hash(NodeIndex(i as u32)).unwrap_or_default();
        check_eq(&format!("tree hash of node {i}"), got, want)?;
    }
    // The vector's leaves were made in 2023 with year-long lifetimes: check
    // signatures, parent hashes, keys and unmerged leaves, not the clock.
    let accept_all = |_: &_, _: &_| true;
    let ctx = LeafContext {
        group_id: &v.group_id,
        required_capabilities: None,
        lifetime: LifetimePolicy {
            max_range: None,
            require_current: false,
        },
        now: Timestamp(0),
        credentials: &accept_all,
    };
    let root_hash = tree.tree_hash().to_vec();
    validate_tree(&crypto, &tree, &root_hash, &ctx).map_err(|e| format!("validation: {e}"))
}
