//! Generates `welcome` and `tree-validation` vectors in the official
//! format from groups this crate runs.
//!
//! - `welcome`: a creator adds one member (no PSKs); the vector holds the
//!   joiner's KeyPackage and init private key, the creator's signature
//!   public key and the Welcome.
//! - `tree-validation`: the trees the official file describes
//!   (`get_tree(n)`: leaf `i` commits adding leaf `i + 1`; then blanks,
//!   trailing blanks, skipped blanks in parent-hash links and unmerged
//!   leaves), with every node's resolution and tree hash.

use rand_core::UnwrapErr;
use rfc9420::codec::Encode;
use rfc9420::messages::{Add, MlsMessageBody, RatchetTreeExtension, Remove};
use rfc9420::tree::{NodeIndex, TreeView};
use rfc9420::{
    CipherSuite, CommitOptions, Credential, Extensions, Group, GroupConfig, JoinOptions,
    KeyPackageBundle, KeyPackageOptions, LeafIndex, MlsMessage, Processed, Proposal,
    RustCryptoProvider, SuiteCrypto, Timestamp,
};
use serde_json::{Value, json};

fn err(what: &str, e: impl std::fmt::Display) -> String {
    format!("{what}: {e}")
}

fn now() -> Timestamp {
    Timestamp(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
    )
}

fn hex(bytes: &[u8]) -> Value {
    Value::String(hex::encode(bytes))
}

fn key_package(suite: u16, name: &str) -> Result<KeyPackageBundle, String> {
    let crypto =
        SuiteCrypto::new(&RustCryptoProvider, CipherSuite(suite)).map_err(|e| err("suite", e))?;
    KeyPackageBundle::generate_with_new_signature_key(
        &crypto,
        Credential::basic(name.as_bytes().to_vec()),
        &KeyPackageOptions::default(),
        now(),
        &mut UnwrapErr(getrandom::SysRng),
    )
    .map_err(|e| err("KeyPackage", e))
}

fn add(kp: &KeyPackageBundle) -> Proposal {
    Proposal::Add(Add {
        key_package: kp.key_package().clone(),
    })
}

/// `welcome` vectors: one per suite, tree in the Welcome and out of band.
pub fn welcome(suites: &[u16]) -> Result<Value, String> {
    let mut out = Vec::new();
    for &suite in suites {
        for tree_in_welcome in [true, false] {
            let creator = key_package(suite, "creator")?;
            let joiner = key_package(suite, "joiner")?;
            let mut group = Group::create(
                RustCryptoProvider,
                GroupConfig::default(),
                &creator,
                b"generated welcome group".to_vec(),
                Extensions::default(),
                now(),
                &mut UnwrapErr(getrandom::SysRng),
            )
            .map_err(|e| err("create", e))?;
            let options = CommitOptions {
                proposals: vec![add(&joiner)],
                ratchet_tree_in_welcome: tree_in_welcome,
                ..CommitOptions::default()
            };
            let created = group
                .create_commit(options, now(), &mut UnwrapErr(getrandom::SysRng))
                .map_err(|e| err("commit", e))?;
            let welcome = created.welcome.ok_or("no Welcome")?;
            let key_package =
                MlsMessage::new(MlsMessageBody::KeyPackage(joiner.key_package().clone()))
                    .to_bytes()
                    .map_err(|e| err("encode", e))?;
            out.push(json!({
                "cipher_suite": suite,
                "init_priv": hex(joiner.init_private_key().as_bytes()),
                "signer_pub": hex(&creator.key_package().leaf_node.signature_key.0),
                "key_package": hex(&key_package),
                "welcome": hex(&welcome),
            }));
        }
    }
    Ok(Value::Array(out))
}

/// A group whose every member this generator holds.
struct Members {
    groups: Vec<Group>,
    suite: u16,
    names: usize,
}

impl Members {
    fn new(suite: u16) -> Result<Self, String> {
        let kp = key_package(suite, "member 0")?;
        let g = Group::create(
            RustCryptoProvider,
            GroupConfig::default(),
            &kp,
            b"generated tree-validation group".to_vec(),
            Extensions::default(),
            now(),
            &mut UnwrapErr(getrandom::SysRng),
        )
        .map_err(|e| err("create", e))?;
        Ok(Self {
            groups: vec![g],
            suite,
            names: 0,
        })
    }

    /// The member at `leaf` commits adding `adds` new members and
    /// removing `removes` leaves; every other member follows.
    fn commit(&mut self, leaf: u32, adds: usize, removes: &[u32]) -> Result<(), String> {
        let mut proposals = Vec::new();
        let mut joiners = Vec::new();
        for &r in removes {
            proposals.push(Proposal::Remove(Remove {
                removed: LeafIndex(r),
            }));
        }
        for _ in 0..adds {
            self.names += 1;
            let kp = key_package(self.suite, &format!("member {}", self.names))?;
            proposals.push(add(&kp));
            joiners.push(kp);
        }
        let i = self
            .groups
            .iter()
            .position(|g| g.own_leaf().0 == leaf)
            .ok_or("no member at that leaf")?;
        let created = self.groups[i]
            .create_commit(
                CommitOptions::with_proposals(proposals),
                now(),
                &mut UnwrapErr(getrandom::SysRng),
            )
            .map_err(|e| err("commit", e))?;
        self.groups[i]
            .merge_staged_commit(created.staged)
            .map_err(|e| err("merge", e))?;
        for (j, g) in self.groups.iter_mut().enumerate() {
            if j == i {
                continue;
            }
            match g.process_message(&created.commit, now()) {
                Ok(Processed::Commit(s)) => {
                    g.merge_staged_commit(*s).map_err(|e| err("merge", e))?
                }
                Ok(other) => return Err(format!("commit processed as {other:?}")),
                Err(e) => return Err(err("process", e)),
            }
        }
        // Only leaf 0 and the newest members ever commit next: the others
        // are dropped, which keeps generation linear in the tree size.
        self.groups
            .retain(|g| g.is_active() && (g.own_leaf().0 == 0 || g.own_leaf().0 == leaf));
        for kp in joiners {
            let welcome = created.welcome.as_ref().ok_or("no Welcome")?;
            let g = Group::join(
                RustCryptoProvider,
                GroupConfig::default(),
                welcome,
                &kp,
                JoinOptions::default(),
                now(),
            )
            .map_err(|e| err("join", e))?;
            self.groups.push(g);
        }
        Ok(())
    }

    /// `get_tree(n)`: leaf `i` commits adding leaf `i + 1`.
    fn get_tree(suite: u16, n: u32) -> Result<Self, String> {
        let mut m = Self::new(suite)?;
        for i in 0..n.saturating_sub(1) {
            m.commit(i, 1, &[])?;
        }
        Ok(m)
    }

    fn vector(&self) -> Result<Value, String> {
        let g = &self.groups[0];
        let tree = g.tree();
        let nodes = RatchetTreeExtension(tree.to_nodes())
            .to_bytes()
            .map_err(|e| err("encode tree", e))?;
        let count = tree.size().node_count();
        let mut resolutions = Vec::new();
        let mut hashes = Vec::new();
        for i in 0..count {
            let r: Vec<u32> = tree.resolution(NodeIndex(i)).iter().map(|n| n.0).collect();
            resolutions.push(json!(r));
            hashes.push(hex(tree.node_hash(NodeIndex(i)).unwrap_or_default()));
        }
        Ok(json!({
            "cipher_suite": self.suite,
            "tree": hex(&nodes),
            "group_id": hex(g.group_id()),
            "resolutions": resolutions,
            "tree_hashes": hashes,
        }))
    }
}

/// `tree-validation` vectors: the official file's list of trees, per suite.
pub fn tree_validation(suites: &[u16]) -> Result<Value, String> {
    let mut out = Vec::new();
    for &suite in suites {
        // Full trees and trailing blanks.
        for n in [2, 3, 4, 5, 7, 8, 9, 32, 33, 34] {
            out.push(Members::get_tree(suite, n)?.vector()?);
        }
        // Internal blanks: get_tree(8), leaf 0 removes 2 and 3 and adds.
        let mut m = Members::get_tree(suite, 8)?;
        m.commit(0, 1, &[2, 3])?;
        out.push(m.vector()?);
        // Skipped blanks in parent-hash links: leaf 0 removes 1, 2, 3.
        let mut m = Members::get_tree(suite, 8)?;
        m.commit(0, 0, &[1, 2, 3])?;
        out.push(m.vector()?);
        // Unmerged leaves: get_tree(7), leaf 0 adds a member.
        let mut m = Members::get_tree(suite, 7)?;
        m.commit(0, 1, &[])?;
        out.push(m.vector()?);
    }
    Ok(Value::Array(out))
}
