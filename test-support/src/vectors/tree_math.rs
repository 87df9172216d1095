//! `tree-math.json`: node relations in trees of 1 to 512 leaves
//! (RFC 9420 Appendix C).

use rfc9420::tree::{NodeIndex, TreeSize};
use serde::Deserialize;

use super::Outcome;
use super::common::{outcome, parse};

#[derive(Deserialize)]
struct Vector {
    n_leaves: u32,
    n_nodes: u32,
    root: u32,
    left: Vec<Option<u32>>,
    right: Vec<Option<u32>>,
    parent: Vec<Option<u32>>,
    sibling: Vec<Option<u32>>,
}

/// Checks one vector.
pub fn check(v: &serde_json::Value) -> Outcome {
    outcome(parse::<Vector>(v).and_then(|v| run(&v)))
}

fn run(v: &Vector) -> Result<(), String> {
    let size = TreeSize::for_leaves(v.n_leaves)
        .filter(|s| s.leaf_count() == v.n_leaves)
        .ok_or(format!("{} leaves is not a valid tree size", v.n_leaves))?;
    if size.node_count() != v.n_nodes {
        return Err(format!(
            "n_nodes: got {}, want {}",
            size.node_count(),
            v.n_nodes
        ));
    }
    if size.root().0 != v.root {
        return Err(format!("root: got {}, want {}", size.root().0, v.root));
    }
    let tables = [
        ("left", &v.left),
        ("right", &v.right),
        ("parent", &v.parent),
        ("sibling", &v.sibling),
    ];
    for (name, table) in tables {
        if table.len() != v.n_nodes as usize {
            return Err(format!(
                "{name}: {} entries for {} nodes",
                table.len(),
                v.n_nodes
            ));
        }
        for (i, want) in table.iter().enumerate() {
            let x = NodeIndex(i as u32);
            let got = match name {
                "left" => x.left(),
                "right" => x.right(),
                "parent" => size.parent(x),
                _ => size.sibling(x),
            };
            if got.map(|n| n.0) != *want {
                return Err(format!("{name}[{i}]: got {got:?}, want {want:?}"));
            }
        }
    }
    Ok(())
}
