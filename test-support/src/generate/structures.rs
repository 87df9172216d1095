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
use rfc9420::framing::MlsMessageBody;
use rfc9420::messages::{Add, RatchetTreeExtension, Remove};
use rfc9420::tree::{NodeIndex, TreeView};
use rfc9420::{
    CipherSuite, CommitOptions, Credential, Extensions, Group, GroupConfig, JoinOptions,
    KeyPackageBundle, KeyPackageOptions, LeafIndex, MlsMessage, Processed, Proposal,
    RustCryptoProvider, SuiteCrypto, Timestamp,
};
use serde_json::{Value, json};

use super::{err, hex};

fn now() -> Timestamp {
    Timestamp(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
    )
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
                public_config(),
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
            public_config(),
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
                public_config(),
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

/// Re-encodes `value` or fails with `what`.
fn encode(what: &str, value: &impl Encode) -> Result<Value, String> {
    value.to_bytes().map(|b| hex(&b)).map_err(|e| err(what, e))
}

/// The body of a PublicMessage in an encoded MLSMessage.
fn public_body(what: &str, bytes: &[u8]) -> Result<rfc9420::framing::PublicMessage, String> {
    let m: MlsMessage = rfc9420::codec::decode_exact(bytes).map_err(|e| err(what, e))?;
    match m.body {
        MlsMessageBody::PublicMessage(pm) => Ok(pm),
        other => Err(format!("{what}: a {:?}", other.wire_format())),
    }
}

/// `messages` vectors: one per suite, every structure taken from a group
/// this crate runs with PublicMessage handshakes. `public_message_application`
/// is the proposal's PublicMessage with its body replaced by application
/// data (the format asks for syntax only; this crate never sends
/// application data as a PublicMessage, RFC 9420 §6.2), so its signature
/// and membership tag do not verify.
pub fn messages(suites: &[u16]) -> Result<Value, String> {
    use rfc9420::framing::FramedContentBody;
    use rfc9420::messages::{
        ExternalInit, GroupContextExtensions, PreSharedKey, PreSharedKeyId, ProtocolVersion,
        PskKind, ReInit,
    };
    let mut out = Vec::new();
    for &suite in suites {
        let crypto = SuiteCrypto::new(&RustCryptoProvider, CipherSuite(suite))
            .map_err(|e| err("suite", e))?;
        let mut rng = UnwrapErr(getrandom::SysRng);
        let alice_kp = key_package(suite, "alice")?;
        let bob_kp = key_package(suite, "bob")?;
        let mut alice = Group::create(
            RustCryptoProvider,
            public_config(),
            &alice_kp,
            b"generated messages group".to_vec(),
            Extensions::default(),
            now(),
            &mut rng,
        )
        .map_err(|e| err("create", e))?;
        let options = CommitOptions {
            proposals: vec![add(&bob_kp)],
            group_info: true,
            ..CommitOptions::default()
        };
        let created = alice
            .create_commit(options, now(), &mut rng)
            .map_err(|e| err("commit", e))?;
        alice
            .merge_staged_commit(created.staged)
            .map_err(|e| err("merge", e))?;
        let welcome = created.welcome.ok_or("no Welcome")?;
        let group_info = created.group_info.ok_or("no GroupInfo")?;
        let mut bob = Group::join(
            RustCryptoProvider,
            public_config(),
            &welcome,
            &bob_kp,
            JoinOptions::default(),
            now(),
        )
        .map_err(|e| err("join", e))?;
        let welcome_msg: MlsMessage =
            rfc9420::codec::decode_exact(&welcome).map_err(|e| err("welcome", e))?;
        let MlsMessageBody::Welcome(welcome_body) = welcome_msg.body else {
            return Err("not a Welcome".into());
        };
        let group_secrets = rfc9420::group::welcome::decrypt_group_secrets(
            &crypto,
            &welcome_body,
            bob_kp.key_package(),
            bob_kp.init_private_key(),
        )
        .map_err(|e| err("group secrets", e))?;
        let key_package = MlsMessage::new(MlsMessageBody::KeyPackage(bob_kp.key_package().clone()))
            .to_bytes()
            .map_err(|e| err("encode", e))?;

        // Bob proposes an Update (a PublicMessage proposal); Alice commits
        // it (a PublicMessage commit); Bob sends application data.
        let (proposal_msg, _) = bob
            .propose_update(b"", now(), &mut rng)
            .map_err(|e| err("propose", e))?;
        let proposal_pm = public_body("proposal", &proposal_msg)?;
        let FramedContentBody::Proposal(Proposal::Update(update)) = &proposal_pm.content.content
        else {
            return Err("not an Update".into());
        };
        match alice.process_message(&proposal_msg, now()) {
            Ok(Processed::Proposal(_)) => {}
            other => return Err(format!("proposal processed as {other:?}")),
        }
        let created = alice
            .create_commit(CommitOptions::default(), now(), &mut rng)
            .map_err(|e| err("commit", e))?;
        let commit_pm = public_body("commit", &created.commit)?;
        let FramedContentBody::Commit(commit) = &commit_pm.content.content else {
            return Err("not a Commit".into());
        };
        // Bob follows the commit, which covers his proposal, before he
        // sends application data (RFC 9420 §12.4).
        match bob.process_message(&created.commit, now()) {
            Ok(Processed::Commit(staged)) => bob
                .merge_staged_commit(*staged)
                .map_err(|e| err("merge", e))?,
            other => return Err(format!("commit processed as {other:?}")),
        }
        let private_message = bob
            .create_message(b"generated application data", b"", &mut rng)
            .map_err(|e| err("message", e))?;
        let mut application = proposal_pm.clone();
        application.content.content =
            FramedContentBody::Application(b"generated application data".to_vec());
        let application = MlsMessage::new(MlsMessageBody::PublicMessage(application));

        let mut nonce = vec![0; crypto.hash_len()];
        rand_core::Rng::fill_bytes(&mut rng, &mut nonce);
        let psk = PreSharedKey {
            psk: PreSharedKeyId {
                psk: PskKind::External {
                    psk_id: b"psk".to_vec(),
                },
                psk_nonce: nonce,
            },
        };
        let reinit = ReInit {
            group_id: b"reinitialized group".to_vec(),
            version: ProtocolVersion::MLS10,
            cipher_suite: CipherSuite(suite),
            extensions: Extensions::default(),
        };
        // A syntactically valid ExternalInit: a KEM output of the suite's
        // length, as an external joiner would send (RFC 9420 §12.1.6).
        let (_, kem_public) = crypto
            .generate_hpke_key_pair(&mut rng)
            .map_err(|e| err("key pair", e))?;
        let external_init = ExternalInit {
            kem_output: kem_public.as_ref().to_vec(),
        };
        let gce = GroupContextExtensions {
            extensions: Extensions::default(),
        };
        out.push(json!({
            "cipher_suite": suite,
            "mls_welcome": hex(&welcome),
            "mls_group_info": hex(&group_info),
            "mls_key_package": hex(&key_package),
            "ratchet_tree": encode("tree", &RatchetTreeExtension(alice.tree().to_nodes()))?,
            "group_secrets": encode("group secrets", &group_secrets)?,
            "add_proposal": encode("add", &Add { key_package: bob_kp.key_package().clone() })?,
            "update_proposal": encode("update", update)?,
            "remove_proposal": encode("remove", &Remove { removed: bob.own_leaf() })?,
            "pre_shared_key_proposal": encode("psk", &psk)?,
            "re_init_proposal": encode("reinit", &reinit)?,
            "external_init_proposal": encode("external init", &external_init)?,
            "group_context_extensions_proposal": encode("gce", &gce)?,
            "commit": encode("commit", commit)?,
            "public_message_application": encode("application", &application)?,
            "public_message_proposal": hex(&proposal_msg),
            "public_message_commit": hex(&created.commit),
            "private_message": hex(&private_message),
        }));
    }
    Ok(Value::Array(out))
}

/// The configuration of the generating groups: handshakes as
/// PublicMessages, which the `messages` format records.
fn public_config() -> GroupConfig {
    GroupConfig {
        wire_format: rfc9420::group::WireFormatPolicy::MIXED_PUBLIC,
        ..GroupConfig::default()
    }
}
