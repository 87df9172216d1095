//! Generates passive-client vectors (`passive-client-welcome`,
//! `passive-client-handling-commit`, `passive-client-random`) in the
//! official format from groups this crate runs: every member is a
//! [`Group`]; one of them, the passive client, joins from
//! a Welcome and then only processes. Every epoch authenticator written is
//! the committer's, and the generator checks that every member (the
//! passive client included) computed the same one.
//!
//! Among the commits are external ones (RFC 9420 §12.4.3.2): a new client
//! joining from a member's GroupInfo (tree in it or out of band), a member
//! that lost its state rejoining with a commit that removes its old leaf
//! (a resync), and one rejoining while its old leaf stays, which a later
//! commit removes.

use rand_core::{Rng, UnwrapErr};
use rfc9420::codec::Encode;
use rfc9420::crypto::Secret;
use rfc9420::framing::MlsMessageBody;
use rfc9420::group::{HandshakeFormat, PskStore, WireFormatPolicy};
use rfc9420::messages::{Add, PreSharedKey, PreSharedKeyId, PskKind, Remove, ResumptionPskUsage};
use rfc9420::tree::TreeView;
use rfc9420::{
    CipherSuite, CommitOptions, Credential, Extensions, ExternalJoinOptions, Group, GroupConfig,
    GroupInfoOptions, JoinOptions, KeyPackageBundle, KeyPackageOptions, LeafIndex, MlsMessage,
    Processed, Proposal, RustCryptoProvider, SuiteCrypto, Timestamp,
};
use serde_json::{Value, json};

use super::{err, hex};

/// The three passive-client formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Joins only: trees in and out of the Welcome, PSKs in the Welcome,
    /// groups of several sizes, both handshake framings.
    Welcome,
    /// One epoch per kind of commit: adds, removes and updates by value
    /// and by reference, external and resumption PSKs, empty commits,
    /// commits without a path, an external join and a resync; and a
    /// vector of rejoins that keep the old leaf.
    HandlingCommit,
    /// Random adds, removes, updates and PSKs by random members.
    Random,
}

impl Kind {
    /// The kind named by its official file stem.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "passive-client-welcome" => Some(Self::Welcome),
            "passive-client-handling-commit" => Some(Self::HandlingCommit),
            "passive-client-random" => Some(Self::Random),
            _ => None,
        }
    }
}

type Rand = UnwrapErr<getrandom::SysRng>;

/// A small deterministic generator for the choice of operations.
struct Choice(u64);

impl Choice {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % n.max(1)
    }
}

/// The simulated group: every member is one of ours.
struct Sim {
    suite: CipherSuite,
    now: Timestamp,
    rng: Rand,
    config: GroupConfig,
    members: Vec<Group>,
    /// Index of the passive client in `members`, once it joined.
    passive: Option<usize>,
    psks: Vec<(Vec<u8>, Vec<u8>)>,
    next_name: usize,
    /// Leaves of members that rejoined by external commit without
    /// removing them; a later commit removes them.
    stale: Vec<LeafIndex>,
}

/// Who joins by external commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum External {
    /// A new client.
    Join,
    /// Member `.0` lost its state and rejoins; the commit removes its old
    /// leaf (a resync).
    Resync(usize),
    /// Member `.0` lost its state and rejoins; its old leaf stays.
    Rejoin(usize),
}

/// What a commit sends: the commit, the Welcome, the out-of-band tree.
type Sent = (Vec<u8>, Option<Vec<u8>>, Option<Vec<u8>>);

/// The vector being written.
struct Vector {
    json: serde_json::Map<String, Value>,
    epochs: Vec<Value>,
    pending_proposals: Vec<Vec<u8>>,
}

impl Sim {
    fn new(suite: u16, handshake: HandshakeFormat) -> Self {
        let config = GroupConfig {
            wire_format: WireFormatPolicy {
                outgoing: handshake,
                accept_public: true,
                accept_private: true,
            },
            ..GroupConfig::default()
        };
        Self {
            suite: CipherSuite(suite),
            now: Timestamp(
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs()),
            ),
            rng: UnwrapErr(getrandom::SysRng),
            config,
            members: Vec::new(),
            passive: None,
            psks: Vec::new(),
            next_name: 0,
            stale: Vec::new(),
        }
    }

    fn key_package(&mut self) -> Result<KeyPackageBundle, String> {
        self.next_name += 1;
        let credential = Credential::basic(format!("member {}", self.next_name).into_bytes());
        self.key_package_for(credential)
    }

    fn key_package_for(&mut self, credential: Credential) -> Result<KeyPackageBundle, String> {
        let crypto =
            SuiteCrypto::new(&RustCryptoProvider, self.suite).map_err(|e| err("suite", e))?;
        KeyPackageBundle::generate_with_new_signature_key(
            &crypto,
            credential,
            &KeyPackageOptions::default(),
            self.now,
            &mut self.rng,
        )
        .map_err(|e| err("KeyPackage", e))
    }

    /// A client joins by external commit (RFC 9420 §12.4.3.2) from a
    /// GroupInfo that member `exporter` exports, with the tree in it or
    /// out of band; every other member processes the commit and must
    /// reach the joiner's epoch authenticator. Returns the commit.
    fn external(
        &mut self,
        exporter: usize,
        tree_in_group_info: bool,
        who: External,
    ) -> Result<Vec<u8>, String> {
        let (now, mut rng) = (self.now, UnwrapErr(getrandom::SysRng));
        let g = &self.members[exporter];
        let group_info = g
            .group_info(
                &GroupInfoOptions {
                    ratchet_tree: tree_in_group_info,
                    external_pub: true,
                },
                &mut rng,
            )
            .map_err(|e| err("GroupInfo", e))?;
        let ratchet_tree = (!tree_in_group_info).then(|| g.tree().to_nodes());
        let (kp, resync) = match who {
            External::Join => (self.key_package()?, None),
            External::Resync(m) | External::Rejoin(m) => {
                if Some(m) == self.passive || m == exporter {
                    return Err("the passive client or the exporter cannot rejoin".into());
                }
                let old = self.members[m].own_leaf();
                let credential = self.members[m]
                    .tree()
                    .leaf(old)
                    .ok_or("the rejoining member's leaf is blank")?
                    .credential
                    .clone();
                let kp = self.key_package_for(credential)?;
                // The member lost its state.
                self.members.remove(m);
                if let Some(p) = self.passive.filter(|&p| p > m) {
                    self.passive = Some(p - 1);
                }
                if matches!(who, External::Rejoin(_)) {
                    self.stale.push(old);
                }
                (kp, matches!(who, External::Resync(_)).then_some(old))
            }
        };
        let options = ExternalJoinOptions {
            ratchet_tree,
            resync,
            psks: self.psk_store(),
            ..ExternalJoinOptions::default()
        };
        let joined = Group::join_external(
            RustCryptoProvider,
            self.config.clone(),
            &group_info,
            &kp,
            options,
            now,
            &mut rng,
        )
        .map_err(|e| err("external join", e))?;
        let auth = joined.group.epoch_authenticator().as_bytes().to_vec();
        for m in &mut self.members {
            let staged = match m.process_message(&joined.commit, now) {
                Ok(Processed::Commit(s)) => s,
                Ok(other) => return Err(format!("external commit processed as {other:?}")),
                Err(e) => return Err(err("process external commit", e)),
            };
            if staged.effects().removes_self {
                return Err("an external commit removed a member with its state".into());
            }
            m.merge_staged_commit(*staged)
                .map_err(|e| err("merge", e))?;
            if m.epoch_authenticator().as_bytes() != auth.as_slice() {
                return Err("a member disagrees with the external joiner".into());
            }
        }
        self.members.push(joined.group);
        Ok(joined.commit)
    }

    fn create(&mut self) -> Result<(), String> {
        let kp = self.key_package()?;
        let mut g = Group::create(
            RustCryptoProvider,
            self.config.clone(),
            &kp,
            b"generated passive-client group".to_vec(),
            Extensions::default(),
            self.now,
            &mut self.rng,
        )
        .map_err(|e| err("create", e))?;
        for (id, psk) in &self.psks {
            g.psks_mut().insert(id.clone(), Secret::from_slice(psk));
        }
        self.members.push(g);
        Ok(())
    }

    fn add_psk(&mut self, id: &[u8]) {
        let mut psk = vec![0; 32];
        self.rng.fill_bytes(&mut psk);
        for g in &mut self.members {
            g.psks_mut().insert(id.to_vec(), Secret::from_slice(&psk));
        }
        self.psks.push((id.to_vec(), psk));
    }

    fn psk_store(&self) -> PskStore {
        let mut store = PskStore::new();
        for (id, psk) in &self.psks {
            store.insert(id.clone(), Secret::from_slice(psk));
        }
        store
    }

    fn psk_proposal(&mut self, kind: PskKind) -> Result<Proposal, String> {
        let crypto =
            SuiteCrypto::new(&RustCryptoProvider, self.suite).map_err(|e| err("suite", e))?;
        let mut nonce = vec![0; crypto.hash_len()];
        self.rng.fill_bytes(&mut nonce);
        Ok(Proposal::PreSharedKey(PreSharedKey {
            psk: PreSharedKeyId {
                psk: kind,
                psk_nonce: nonce,
            },
        }))
    }

    fn external_psk(&mut self, i: usize) -> Result<Proposal, String> {
        let id = self.psks[i % self.psks.len()].0.clone();
        self.psk_proposal(PskKind::External { psk_id: id })
    }

    fn resumption_psk(&mut self) -> Result<Proposal, String> {
        let g = &self.members[0];
        let kind = PskKind::Resumption {
            usage: ResumptionPskUsage::Application,
            psk_group_id: g.group_id().to_vec(),
            psk_epoch: g.epoch(),
        };
        self.psk_proposal(kind)
    }

    /// Member `proposer` sends `proposal` by reference (or an Update of
    /// its own leaf if `None`); every other member stores it.
    fn propose(&mut self, proposer: usize, proposal: Option<Proposal>) -> Result<Vec<u8>, String> {
        let (now, mut rng) = (self.now, UnwrapErr(getrandom::SysRng));
        let g = &mut self.members[proposer];
        let (bytes, _) = match proposal {
            Some(p) => g.propose(p, b"", now, &mut rng),
            None => g.propose_update(b"", now, &mut rng),
        }
        .map_err(|e| err("propose", e))?;
        for (i, m) in self.members.iter_mut().enumerate() {
            if i == proposer {
                continue;
            }
            match m.process_message(&bytes, now) {
                Ok(Processed::Proposal(_)) => {}
                Ok(other) => return Err(format!("proposal processed as {other:?}")),
                Err(e) => return Err(err("process proposal", e)),
            }
        }
        Ok(bytes)
    }

    /// Member `committer` commits with `options`; every other member
    /// processes it, removed members leave, `joiners` join (the first of
    /// them being the passive client if `passive_joins`). Returns the
    /// commit, the Welcome and the out-of-band tree.
    fn commit(
        &mut self,
        committer: usize,
        options: CommitOptions,
        joiners: Vec<KeyPackageBundle>,
        passive_joins: bool,
    ) -> Result<Sent, String> {
        let (now, mut rng) = (self.now, UnwrapErr(getrandom::SysRng));
        let out = self.members[committer]
            .create_commit(options, now, &mut rng)
            .map_err(|e| err("create commit", e))?;
        let auth = out
            .staged
            .epoch_authenticator()
            .map(|a| a.as_bytes().to_vec())
            .ok_or("the committer removed itself")?;
        self.members[committer]
            .merge_staged_commit(out.staged)
            .map_err(|e| err("merge own", e))?;
        let mut removed = Vec::new();
        for (i, m) in self.members.iter_mut().enumerate() {
            if i == committer {
                continue;
            }
            let staged = match m.process_message(&out.commit, now) {
                Ok(Processed::Commit(s)) => s,
                Ok(other) => return Err(format!("commit processed as {other:?}")),
                Err(e) => return Err(err("process commit", e)),
            };
            if staged.effects().removes_self {
                removed.push(i);
            }
            m.merge_staged_commit(*staged)
                .map_err(|e| err("merge", e))?;
            if m.is_active() && m.epoch_authenticator().as_bytes() != auth.as_slice() {
                return Err("members disagree on the epoch authenticator".into());
            }
        }
        if let Some(p) = self.passive {
            if removed.contains(&p) {
                return Err("the passive client was removed".into());
            }
            let shift = removed.iter().filter(|&&r| r < p).count();
            self.passive = Some(p - shift);
        }
        for i in removed.into_iter().rev() {
            self.members.remove(i);
        }
        for (j, kp) in joiners.iter().enumerate() {
            let welcome = out.welcome.as_ref().ok_or("adds without a Welcome")?;
            let mut options = match &out.ratchet_tree {
                Some(tree) => JoinOptions::with_tree_bytes(tree).map_err(|e| err("tree", e))?,
                None => JoinOptions::default(),
            };
            options.psks = self.psk_store();
            let g = Group::join(
                RustCryptoProvider,
                self.config.clone(),
                welcome,
                kp,
                options,
                now,
            )
            .map_err(|e| err("join", e))?;
            if g.epoch_authenticator().as_bytes() != auth.as_slice() {
                return Err("a joiner disagrees on the epoch authenticator".into());
            }
            if passive_joins && j == 0 {
                self.passive = Some(self.members.len());
            }
            self.members.push(g);
        }
        Ok((out.commit, out.welcome, out.ratchet_tree))
    }

    /// A member other than the passive client (and than `not`), at random.
    fn active_member(&self, choice: &mut Choice, not: Option<usize>) -> Option<usize> {
        let candidates: Vec<usize> = (0..self.members.len())
            .filter(|&i| Some(i) != self.passive && Some(i) != not)
            .collect();
        if candidates.is_empty() {
            None
        } else {
            Some(candidates[choice.below(candidates.len())])
        }
    }
}

impl Vector {
    /// Adds the passive client to `sim` by a commit of `committer` that
    /// also adds `others` new members and carries `psk` (external PSK
    /// index) if given; records the join.
    fn join(
        sim: &mut Sim,
        committer: usize,
        others: usize,
        tree_in_welcome: bool,
        psk: Option<usize>,
    ) -> Result<Self, String> {
        let passive = sim.key_package()?;
        let mut joiners = vec![passive.clone()];
        let mut proposals = vec![Proposal::Add(Add {
            key_package: passive.key_package().clone(),
        })];
        for _ in 0..others {
            let kp = sim.key_package()?;
            proposals.push(Proposal::Add(Add {
                key_package: kp.key_package().clone(),
            }));
            joiners.push(kp);
        }
        if let Some(i) = psk {
            proposals.push(sim.external_psk(i)?);
        }
        let options = CommitOptions {
            proposals,
            ratchet_tree_in_welcome: tree_in_welcome,
            ..CommitOptions::default()
        };
        let (_, welcome, tree) = sim.commit(committer, options, joiners, true)?;
        let welcome = welcome.ok_or("no Welcome")?;
        let key_package =
            MlsMessage::new(MlsMessageBody::KeyPackage(passive.key_package().clone()))
                .to_bytes()
                .map_err(|e| err("encode", e))?;
        let p = sim.passive.ok_or("no passive client")?;
        let mut json = serde_json::Map::new();
        json.insert("cipher_suite".into(), json!(sim.suite.0));
        json.insert(
            "external_psks".into(),
            Value::Array(
                sim.psks
                    .iter()
                    .map(|(id, psk)| json!({"psk_id": hex(id), "psk": hex(psk)}))
                    .collect(),
            ),
        );
        json.insert("key_package".into(), hex(&key_package));
        json.insert(
            "signature_priv".into(),
            hex(passive.signature_private_key().as_bytes()),
        );
        json.insert(
            "encryption_priv".into(),
            hex(passive.encryption_private_key().as_bytes()),
        );
        json.insert(
            "init_priv".into(),
            hex(passive.init_private_key().as_bytes()),
        );
        json.insert("welcome".into(), hex(&welcome));
        json.insert(
            "ratchet_tree".into(),
            tree.as_deref().map_or(Value::Null, hex),
        );
        json.insert(
            "initial_epoch_authenticator".into(),
            hex(sim.members[p].epoch_authenticator().as_bytes()),
        );
        Ok(Self {
            json,
            epochs: Vec::new(),
            pending_proposals: Vec::new(),
        })
    }

    fn propose(
        &mut self,
        sim: &mut Sim,
        proposer: usize,
        proposal: Option<Proposal>,
    ) -> Result<(), String> {
        let bytes = sim.propose(proposer, proposal)?;
        self.pending_proposals.push(bytes);
        Ok(())
    }

    fn commit(
        &mut self,
        sim: &mut Sim,
        committer: usize,
        options: CommitOptions,
        joiners: Vec<KeyPackageBundle>,
    ) -> Result<(), String> {
        let (commit, _, _) = sim.commit(committer, options, joiners, false)?;
        let p = sim.passive.ok_or("no passive client")?;
        let proposals: Vec<Value> = self.pending_proposals.drain(..).map(|b| hex(&b)).collect();
        self.epochs.push(json!({
            "proposals": proposals,
            "commit": hex(&commit),
            "epoch_authenticator": hex(sim.members[p].epoch_authenticator().as_bytes()),
        }));
        Ok(())
    }

    /// An epoch started by an external commit (see [`Sim::external`]); no
    /// proposal by reference can be pending (RFC 9420 §12.4.3.2).
    fn external(
        &mut self,
        sim: &mut Sim,
        exporter: usize,
        tree_in_group_info: bool,
        who: External,
    ) -> Result<(), String> {
        if !self.pending_proposals.is_empty() {
            return Err("an external commit cannot commit pending proposals".into());
        }
        let commit = sim.external(exporter, tree_in_group_info, who)?;
        let p = sim.passive.ok_or("no passive client")?;
        self.epochs.push(json!({
            "proposals": [],
            "commit": hex(&commit),
            "epoch_authenticator": hex(sim.members[p].epoch_authenticator().as_bytes()),
        }));
        Ok(())
    }

    fn finish(mut self) -> Value {
        self.json.insert("epochs".into(), Value::Array(self.epochs));
        Value::Object(self.json)
    }
}

fn adds(sim: &mut Sim, n: usize) -> Result<(Vec<Proposal>, Vec<KeyPackageBundle>), String> {
    let mut proposals = Vec::new();
    let mut joiners = Vec::new();
    for _ in 0..n {
        let kp = sim.key_package()?;
        proposals.push(Proposal::Add(Add {
            key_package: kp.key_package().clone(),
        }));
        joiners.push(kp);
    }
    Ok((proposals, joiners))
}

/// A group of `size` members created by member 0 (one commit).
fn group_of(sim: &mut Sim, size: usize) -> Result<(), String> {
    sim.create()?;
    if size > 1 {
        let (proposals, joiners) = adds(sim, size - 1)?;
        sim.commit(0, CommitOptions::with_proposals(proposals), joiners, false)?;
    }
    Ok(())
}

fn welcome_vectors(suite: u16) -> Result<Vec<Value>, String> {
    let mut out = Vec::new();
    // (existing members, other joiners, tree in Welcome, PSK, framing)
    let cases = [
        (1, 0, true, false, HandshakeFormat::Public),
        (1, 0, false, false, HandshakeFormat::Private),
        (3, 2, true, true, HandshakeFormat::Public),
        (5, 1, false, true, HandshakeFormat::Private),
        (8, 3, true, false, HandshakeFormat::Public),
    ];
    for (size, others, tree_in_welcome, psk, framing) in cases {
        let mut sim = Sim::new(suite, framing);
        if psk {
            sim.add_psk(b"external psk 1");
        }
        group_of(&mut sim, size)?;
        let committer = size - 1;
        let v = Vector::join(
            &mut sim,
            committer,
            others,
            tree_in_welcome,
            psk.then_some(0),
        )?;
        out.push(v.finish());
    }
    Ok(out)
}

/// One vector with an epoch of each kind of commit.
fn handling_commit_vector(suite: u16, framing: HandshakeFormat) -> Result<Value, String> {
    let mut sim = Sim::new(suite, framing);
    sim.add_psk(b"external psk 1");
    sim.add_psk(b"external psk 2");
    group_of(&mut sim, 4)?;
    let mut v = Vector::join(&mut sim, 1, 0, true, None)?;
    // The passive client is member 4; members 0-3 act.
    // 1. Add by value, with a path.
    let (proposals, joiners) = adds(&mut sim, 1)?;
    v.commit(
        &mut sim,
        0,
        CommitOptions::with_proposals(proposals),
        joiners,
    )?;
    // 2. Adds by value without a path.
    let (proposals, joiners) = adds(&mut sim, 2)?;
    let options = CommitOptions {
        proposals,
        update_path: false,
        ..CommitOptions::default()
    };
    v.commit(&mut sim, 2, options, joiners)?;
    // 3. Add by reference from member 1, committed by member 3.
    let kp = sim.key_package()?;
    let add = Proposal::Add(Add {
        key_package: kp.key_package().clone(),
    });
    v.propose(&mut sim, 1, Some(add))?;
    v.commit(&mut sim, 3, CommitOptions::default(), vec![kp])?;
    // 4. Updates by reference from members 0 and 2, committed by member 1.
    v.propose(&mut sim, 0, None)?;
    v.propose(&mut sim, 2, None)?;
    v.commit(&mut sim, 1, CommitOptions::default(), Vec::new())?;
    // 5. An empty commit (a full path).
    v.commit(&mut sim, 0, CommitOptions::default(), Vec::new())?;
    // 6. Remove by value (the last member).
    let last = sim.members.len() - 1;
    let removed = LeafIndex(sim.members[last].own_leaf().0);
    let options = CommitOptions::with_proposals(vec![Proposal::Remove(Remove { removed })]);
    v.commit(&mut sim, 0, options, Vec::new())?;
    // 7. Remove by reference from member 2 of member 3, committed by 1.
    let removed = sim.members[3].own_leaf();
    v.propose(&mut sim, 2, Some(Proposal::Remove(Remove { removed })))?;
    v.commit(&mut sim, 1, CommitOptions::default(), Vec::new())?;
    // 8. External PSK by value, then by reference.
    let psk = sim.external_psk(0)?;
    v.commit(
        &mut sim,
        0,
        CommitOptions::with_proposals(vec![psk]),
        Vec::new(),
    )?;
    let psk = sim.external_psk(1)?;
    v.propose(&mut sim, 1, Some(psk))?;
    v.commit(&mut sim, 2, CommitOptions::default(), Vec::new())?;
    // 9. Resumption PSK of the current epoch.
    let psk = sim.resumption_psk()?;
    v.commit(
        &mut sim,
        0,
        CommitOptions::with_proposals(vec![psk]),
        Vec::new(),
    )?;
    // 10. Mixed: an add, an update and a remove by reference, an external
    // PSK by value.
    let kp = sim.key_package()?;
    let add = Proposal::Add(Add {
        key_package: kp.key_package().clone(),
    });
    v.propose(&mut sim, 0, Some(add))?;
    v.propose(&mut sim, 1, None)?;
    let removed = sim.members[0].own_leaf();
    v.propose(&mut sim, 1, Some(Proposal::Remove(Remove { removed })))?;
    let psk = sim.external_psk(0)?;
    v.commit(
        &mut sim,
        2,
        CommitOptions::with_proposals(vec![psk]),
        vec![kp],
    )?;
    // 11. External joins (RFC 9420 §12.4.3.2): a new client from member
    // 0's GroupInfo with the tree in it, then a member rejoins with a
    // commit removing its old leaf (a resync), the tree out of band; the
    // new member commits.
    v.external(&mut sim, 0, true, External::Join)?;
    let m = sim
        .active_member(&mut Choice(1), Some(0))
        .ok_or("no member")?;
    v.external(&mut sim, 0, false, External::Resync(m))?;
    let last = sim.members.len() - 1;
    v.commit(&mut sim, last, CommitOptions::default(), Vec::new())?;
    Ok(v.finish())
}

/// Members who lost their state rejoin by external commit while their old
/// leaves stay in the tree (RFC 9420 §12.4.3.2 allows it; the two leaves
/// share a credential), and later commits remove the old leaves: once
/// with the tree in the GroupInfo, once out of band. A library that
/// refuses two leaves with one identity cannot replay these (mls-rs).
fn rejoin_vector(suite: u16, framing: HandshakeFormat) -> Result<Value, String> {
    let mut sim = Sim::new(suite, framing);
    group_of(&mut sim, 4)?;
    let mut v = Vector::join(&mut sim, 3, 0, true, None)?;
    for (rejoining, exporter, tree_in_group_info) in [(1, 0, true), (0, 1, false)] {
        v.external(
            &mut sim,
            exporter,
            tree_in_group_info,
            External::Rejoin(rejoining),
        )?;
        // The rejoined member removes its old leaf.
        let stale = sim.stale.pop().ok_or("no old leaf")?;
        let options =
            CommitOptions::with_proposals(vec![Proposal::Remove(Remove { removed: stale })]);
        let committer = sim.members.len() - 1;
        v.commit(&mut sim, committer, options, Vec::new())?;
    }
    v.commit(&mut sim, 0, CommitOptions::default(), Vec::new())?;
    Ok(v.finish())
}

/// The random vectors' groups stay below this many members (adds turn
/// into removes), which keeps generation quick.
const MAX_RANDOM_MEMBERS: usize = 10;

/// Random operations by random members: adds, removes, updates by
/// reference, empty commits, PSKs, external joins and rejoins.
fn random_vector(
    suite: u16,
    framing: HandshakeFormat,
    seed: u64,
    epochs: usize,
) -> Result<Value, String> {
    let mut choice = Choice(seed.max(1));
    let mut sim = Sim::new(suite, framing);
    sim.add_psk(b"random psk");
    group_of(&mut sim, 3)?;
    let mut v = Vector::join(&mut sim, 2, 1, choice.below(2) == 0, None)?;
    for _ in 0..epochs {
        // One epoch in five is an external commit (RFC 9420 §12.4.3.2): a
        // new client joins, or a member rejoins removing its old leaf.
        // (Rejoins that keep the old leaf are in `rejoin_vector`: mls-rs
        // cannot replay them.)
        if choice.below(5) == 0 {
            let exporter = sim
                .active_member(&mut choice, None)
                .ok_or("no active member")?;
            let tree_in_group_info = choice.below(2) == 0;
            let resync = choice.below(2) == 0 || sim.members.len() >= MAX_RANDOM_MEMBERS;
            let who = match sim.active_member(&mut choice, Some(exporter)) {
                Some(m) if resync => External::Resync(m),
                _ => External::Join,
            };
            v.external(&mut sim, exporter, tree_in_group_info, who)?;
            continue;
        }
        let committer = sim
            .active_member(&mut choice, None)
            .ok_or("no active member")?;
        let n = sim.members.len();
        let mut options = CommitOptions::default();
        let mut joiners = Vec::new();
        // A few proposals by reference from other members first.
        let mut proposers = Vec::new();
        for _ in 0..choice.below(3) {
            let Some(proposer) = sim.active_member(&mut choice, Some(committer)) else {
                break;
            };
            proposers.push(proposer);
            match choice.below(3) {
                0 => v.propose(&mut sim, proposer, None)?,
                1 if n < MAX_RANDOM_MEMBERS => {
                    let kp = sim.key_package()?;
                    let add = Proposal::Add(Add {
                        key_package: kp.key_package().clone(),
                    });
                    v.propose(&mut sim, proposer, Some(add))?;
                    joiners.push(kp);
                }
                _ => {
                    let psk = sim.external_psk(0)?;
                    v.propose(&mut sim, proposer, Some(psk))?;
                }
            }
        }
        let mut op = choice.below(4);
        if op == 0 && n >= MAX_RANDOM_MEMBERS {
            op = 1;
        }
        match op {
            0 => {
                let (proposals, mut kps) = adds(&mut sim, 1 + choice.below(2))?;
                options.proposals = proposals;
                options.update_path = choice.below(2) == 0;
                joiners.append(&mut kps);
            }
            1 if n > 4 => {
                // Remove a member other than the committer, the passive
                // client and this epoch's proposers (see README: a Remove by
                // value next to a pending Update of the same leaf is refused
                // by create_commit).
                if let Some(victim) = sim
                    .active_member(&mut choice, Some(committer))
                    .filter(|v| !proposers.contains(v))
                {
                    let removed = sim.members[victim].own_leaf();
                    options.proposals = vec![Proposal::Remove(Remove { removed })];
                }
            }
            // A joiner cannot hold the group's resumption PSK (RFC 9420
            // §8.6), so only commits without joiners carry one.
            2 if joiners.is_empty() => options.proposals = vec![sim.resumption_psk()?],
            _ => {}
        }
        v.commit(&mut sim, committer, options, joiners)?;
    }
    Ok(v.finish())
}

/// The vectors of `kind` for each of `suites`.
pub fn generate(kind: Kind, suites: &[u16]) -> Result<Value, String> {
    let mut all = Vec::new();
    for &suite in suites {
        match kind {
            Kind::Welcome => all.extend(welcome_vectors(suite)?),
            Kind::HandlingCommit => {
                all.push(handling_commit_vector(suite, HandshakeFormat::Public)?);
                all.push(handling_commit_vector(suite, HandshakeFormat::Private)?);
                all.push(rejoin_vector(suite, HandshakeFormat::Public)?);
            }
            Kind::Random => {
                let seed = 0x5eed_0000 + u64::from(suite);
                all.push(random_vector(suite, HandshakeFormat::Public, seed, 30)?);
                all.push(random_vector(
                    suite,
                    HandshakeFormat::Private,
                    seed + 100,
                    30,
                )?);
            }
        }
    }
    Ok(Value::Array(all))
}
