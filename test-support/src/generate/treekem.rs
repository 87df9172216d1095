//! Generates `treekem` vectors in the official format (RFC 9420 §7.4-§7.6):
//! a ratchet tree built by UpdatePaths from several members, then an add
//! (a leaf unmerged at the parents above it) and removals (blank leaves
//! and parents);
//! every member's private state (leaf key, signature key, the path secrets
//! it learned); and, for each member as sender, a fresh UpdatePath with the
//! path secret each other member decrypts, the commit secret and the tree
//! hash after merging it.

use std::collections::BTreeMap;

use rand_core::{Rng, UnwrapErr};
use rfc9420::codec::Encode;
use rfc9420::crypto::{CipherSuite, RustCryptoProvider, Secret, SuiteCrypto};
use rfc9420::key_schedule::GroupContext;
use rfc9420::messages::{Extensions, ProtocolVersion, RatchetTreeExtension};
use rfc9420::tree::treekem::{derive_node_key_pair, encrypt_update_path, prepare_update_path};
use rfc9420::tree::{LeafIndex, NodeIndex, RatchetTree, TreeDiff, TreeView};
use serde_json::{Value, json};

use crate::tree_fixture::{blank_tree, make_leaf};

use super::{err, hex};

type Rand = UnwrapErr<getrandom::SysRng>;

/// One member's private state: its leaf key, its signature key, and the
/// path secrets of the nodes above it that it learned.
struct Member {
    encryption_priv: Vec<u8>,
    signature_priv: Vec<u8>,
    signer: rfc9420::crypto::SignaturePrivateKey,
    path_secrets: BTreeMap<NodeIndex, Secret>,
}

/// The tree being built and every member's state.
struct Build<'c> {
    crypto: SuiteCrypto<'c>,
    group_id: Vec<u8>,
    tree: RatchetTree,
    members: BTreeMap<LeafIndex, Member>,
    rng: Rand,
}

/// The shape of one vector: the leaves, the senders of the paths that
/// fill the parents, how many members are added after those (unmerged at
/// the parents above them), and the leaves removed last.
struct Shape {
    leaves: u32,
    paths: &'static [u32],
    removes: &'static [u32],
    adds: usize,
}

const SHAPES: [Shape; 4] = [
    // Every parent set, no blanks.
    Shape {
        leaves: 4,
        paths: &[0, 3],
        removes: &[],
        adds: 0,
    },
    // Full tree of eight after four paths.
    Shape {
        leaves: 8,
        paths: &[0, 5, 3, 6],
        removes: &[],
        adds: 0,
    },
    // An unmerged leaf (7, at node 11), a blank leaf and blank parents.
    Shape {
        leaves: 7,
        paths: &[1, 6, 4],
        removes: &[2],
        adds: 1,
    },
    // Parents never set (no path under them), an unmerged leaf (11, at
    // node 19), blank leaves and parents.
    Shape {
        leaves: 11,
        paths: &[9, 0],
        removes: &[3, 4],
        adds: 1,
    },
];

impl<'c> Build<'c> {
    fn new(crypto: SuiteCrypto<'c>, leaves: u32) -> Result<Self, String> {
        let mut rng = UnwrapErr(getrandom::SysRng);
        let fixture = blank_tree(&crypto, leaves, &mut rng);
        let tree =
            RatchetTree::from_nodes(&crypto, fixture.nodes.clone()).map_err(|e| err("tree", e))?;
        let mut members = BTreeMap::new();
        for (i, signer) in fixture.signers.into_iter().enumerate() {
            let leaf = LeafIndex(i as u32);
            let node = leaf.node().ok_or("leaf out of range")?;
            let (_, private) = fixture.keys.get(&node).ok_or("no leaf key")?;
            members.insert(
                leaf,
                Member {
                    encryption_priv: private.as_bytes().to_vec(),
                    signature_priv: signer.as_bytes().to_vec(),
                    signer,
                    path_secrets: BTreeMap::new(),
                },
            );
        }
        Ok(Self {
            crypto,
            group_id: fixture.group_id,
            tree,
            members,
            rng,
        })
    }

    /// Member `sender` commits a fresh path; every member below a path
    /// node learns its secret (RFC 9420 §7.4), the sender all of them.
    fn path(&mut self, sender: u32) -> Result<(), String> {
        let sender = LeafIndex(sender);
        let template = self.tree.leaf(sender).ok_or("blank sender")?.clone();
        let member = self.members.get(&sender).ok_or("no such member")?;
        let mut diff = TreeDiff::new(&self.tree);
        let pending = prepare_update_path(
            &self.crypto,
            &mut diff,
            sender,
            template,
            &member.signer,
            &self.group_id,
            &mut self.rng,
        )
        .map_err(|e| err("prepare path", e))?;
        let staged = diff
            .into_staged(&self.crypto)
            .map_err(|e| err("stage", e))?;
        self.tree.merge(staged).map_err(|e| err("merge", e))?;
        let size = self.tree.size();
        let own_node = sender.node().ok_or("leaf out of range")?;
        for (leaf, m) in &mut self.members {
            let node = leaf.node().ok_or("leaf out of range")?;
            for entry in &pending.path {
                if size.common_ancestor(entry.node, node) == entry.node {
                    m.path_secrets.insert(entry.node, entry.path_secret.clone());
                }
            }
            if *leaf == sender {
                let public = &self.tree.leaf(sender).ok_or("blank leaf")?.encryption_key;
                m.encryption_priv = pending
                    .private
                    .private_key(own_node, public)
                    .ok_or("no new leaf key")?
                    .as_bytes()
                    .to_vec();
            }
        }
        Ok(())
    }

    /// Removes `leaf` (blanking its direct path) or adds a new member at
    /// the leftmost blank leaf (unmerged at the parents above it).
    fn remove(&mut self, leaf: u32) -> Result<(), String> {
        let mut diff = TreeDiff::new(&self.tree);
        diff.remove_leaf(LeafIndex(leaf))
            .map_err(|e| err("remove", e))?;
        diff.truncate();
        let staged = diff
            .into_staged(&self.crypto)
            .map_err(|e| err("stage", e))?;
        self.tree.merge(staged).map_err(|e| err("merge", e))?;
        self.members.remove(&LeafIndex(leaf));
        Ok(())
    }

    fn add(&mut self) -> Result<(), String> {
        let mut diff = TreeDiff::new(&self.tree);
        let at = (0..)
            .map(LeafIndex)
            .find(|&l| !self.tree.size().contains_leaf(l) || self.tree.leaf(l).is_none())
            .ok_or("no free leaf")?;
        let (node, signer, private) =
            make_leaf(&self.crypto, &self.group_id, at, None, &mut self.rng);
        let got = diff.add_leaf(node).map_err(|e| err("add", e))?;
        if got != at {
            return Err(format!("the new leaf went to {}, not {}", got.0, at.0));
        }
        let staged = diff
            .into_staged(&self.crypto)
            .map_err(|e| err("stage", e))?;
        self.tree.merge(staged).map_err(|e| err("merge", e))?;
        self.members.insert(
            at,
            Member {
                encryption_priv: private.as_bytes().to_vec(),
                signature_priv: signer.as_bytes().to_vec(),
                signer,
                path_secrets: BTreeMap::new(),
            },
        );
        Ok(())
    }

    /// Every member's path secrets that still match the tree (later paths
    /// replace them, removals blank their nodes).
    fn current_secrets(&self, m: &Member) -> Result<Vec<Value>, String> {
        let mut out = Vec::new();
        for (node, secret) in &m.path_secrets {
            let (_, public) =
                derive_node_key_pair(&self.crypto, secret).map_err(|e| err("derive", e))?;
            if self.tree.node(*node).encryption_key() == Some(&public) {
                out.push(json!({"node": node.0, "path_secret": hex(secret.as_bytes())}));
            }
        }
        Ok(out)
    }

    fn context(&self, epoch: u64, cth: &[u8], tree_hash: Vec<u8>) -> Result<Vec<u8>, String> {
        GroupContext {
            version: ProtocolVersion::MLS10,
            cipher_suite: self.crypto.suite(),
            group_id: self.group_id.clone(),
            epoch,
            tree_hash,
            confirmed_transcript_hash: cth.to_vec(),
            extensions: Extensions::default(),
        }
        .to_bytes()
        .map_err(|e| err("context", e))
    }

    /// The vector: the tree, the private states, and one UpdatePath from
    /// each member.
    fn vector(mut self) -> Result<Value, String> {
        let epoch = u64::from(self.rng.next_u32());
        let mut cth = vec![0; self.crypto.hash_len()];
        self.rng.fill_bytes(&mut cth);
        let mut leaves_private = Vec::new();
        for (leaf, m) in &self.members {
            leaves_private.push(json!({
                "index": leaf.0,
                "encryption_priv": hex(&m.encryption_priv),
                "signature_priv": hex(&m.signature_priv),
                "path_secrets": self.current_secrets(m)?,
            }));
        }
        let size = self.tree.size();
        let none = |_: LeafIndex| false;
        let mut update_paths = Vec::new();
        for (&sender, m) in &self.members {
            let template = self.tree.leaf(sender).ok_or("blank sender")?.clone();
            let mut diff = TreeDiff::new(&self.tree);
            let pending = prepare_update_path(
                &self.crypto,
                &mut diff,
                sender,
                template,
                &m.signer,
                &self.group_id,
                &mut self.rng,
            )
            .map_err(|e| err("prepare path", e))?;
            let tree_hash = diff.tree_hash(&self.crypto).map_err(|e| err("hash", e))?;
            let context = self.context(epoch, &cth, tree_hash.clone())?;
            let path = encrypt_update_path(
                &self.crypto,
                &diff,
                &pending,
                &context,
                &none,
                &mut self.rng,
            )
            .map_err(|e| err("encrypt path", e))?;
            let path_secrets: Vec<Value> = (0..size.leaf_count())
                .map(LeafIndex)
                .map(|j| {
                    if j == sender || !self.members.contains_key(&j) {
                        Value::Null
                    } else {
                        pending
                            .path_secret_for(size, j)
                            .map_or(Value::Null, |(_, s)| hex(s.as_bytes()))
                    }
                })
                .collect();
            update_paths.push(json!({
                "sender": sender.0,
                "update_path": hex(&path.to_bytes().map_err(|e| err("encode", e))?),
                "path_secrets": path_secrets,
                "commit_secret": hex(pending.commit_secret.as_bytes()),
                "tree_hash_after": hex(&tree_hash),
            }));
        }
        let nodes = self.tree.to_nodes();
        Ok(json!({
            "cipher_suite": self.crypto.suite().0,
            "group_id": hex(&self.group_id),
            "epoch": epoch,
            "confirmed_transcript_hash": hex(&cth),
            "ratchet_tree": hex(&RatchetTreeExtension(nodes).to_bytes().map_err(|e| err("encode tree", e))?),
            "leaves_private": leaves_private,
            "update_paths": update_paths,
        }))
    }
}

/// `treekem` vectors: four tree shapes per suite.
pub fn treekem(suites: &[u16]) -> Result<Value, String> {
    let mut out = Vec::new();
    for &suite in suites {
        for shape in &SHAPES {
            let crypto = SuiteCrypto::new(&RustCryptoProvider, CipherSuite(suite))
                .map_err(|e| err("suite", e))?;
            let mut b = Build::new(crypto, shape.leaves)?;
            for &sender in shape.paths {
                b.path(sender)?;
            }
            for _ in 0..shape.adds {
                b.add()?;
            }
            for &leaf in shape.removes {
                b.remove(leaf)?;
            }
            out.push(b.vector()?);
        }
    }
    Ok(Value::Array(out))
}

#[cfg(test)]
mod tests {
    use rfc9420::codec::decode_exact;
    use rfc9420::messages::RatchetTreeExtension;
    use rfc9420::tree::Node;

    use crate::vectors::{Outcome, treekem::check};

    /// The generated vectors pass our checker, and the last two shapes
    /// really have an unmerged leaf and blank leaves.
    #[test]
    fn generated_vectors_check_and_have_their_shapes() {
        let vectors = super::treekem(&[1]).unwrap();
        let vectors = vectors.as_array().unwrap();
        assert_eq!(vectors.len(), super::SHAPES.len());
        for (i, v) in vectors.iter().enumerate() {
            assert_eq!(check(v), Outcome::Pass, "vector {i}");
            let tree = hex::decode(v["ratchet_tree"].as_str().unwrap()).unwrap();
            let nodes = decode_exact::<RatchetTreeExtension>(&tree).unwrap().0;
            let unmerged = nodes
                .iter()
                .any(|n| matches!(n, Some(Node::Parent(p)) if !p.unmerged_leaves.is_empty()));
            let blank_leaf = nodes.iter().step_by(2).any(Option::is_none);
            assert_eq!(unmerged, i >= 2, "vector {i}: unmerged leaves");
            assert_eq!(blank_leaf, i >= 2, "vector {i}: blank leaves");
        }
    }
}
