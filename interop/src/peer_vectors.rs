//! Passive-client vectors whose every protocol message a peer made: a group
//! of OpenMLS (or mls-rs) members adds a passive client whose KeyPackage
//! this crate generated (so the vector can carry its private keys), then
//! runs epochs of adds, Updates and Removes by reference and by value,
//! external and resumption PSKs, external joins (a new client, a resync
//! removing the old leaf, and, if asked, a rejoin keeping it), and empty
//! commits. The Welcome, the tree,
//! every proposal and commit and every epoch authenticator come from the
//! peer. Replaying them through our crate checks that it follows a group
//! the peer runs, offline and in the official format.

use rand_core::UnwrapErr;
use rfc9420::codec::Encode;
use rfc9420::framing::MlsMessageBody;
use rfc9420::{
    CipherSuite, Credential, KeyPackageBundle, KeyPackageOptions, MlsMessage, RustCryptoProvider,
    SuiteCrypto, Timestamp,
};
use serde_json::{Value, json};

use crate::scenarios::CellSpec;
use crate::{
    CommitSpec, Context, Failure, Handshake, Joiner, Library, Outcome, PskRef, Session, ensure,
    now_seconds,
};

fn hex(bytes: &[u8]) -> Value {
    Value::String(hex::encode(bytes))
}

/// Records the epochs the passive client would see.
struct Recorder {
    epochs: Vec<Value>,
    proposals: Vec<Vec<u8>>,
}

impl Recorder {
    fn propose(&mut self, s: &mut Session, proposer: usize, message: Vec<u8>) -> Outcome<()> {
        s.deliver_proposal(proposer, &message)?;
        self.proposals.push(message);
        Ok(())
    }

    fn commit(
        &mut self,
        s: &mut Session,
        committer: usize,
        spec: CommitSpec,
        joiners: Vec<Box<dyn crate::Participant>>,
    ) -> Outcome<()> {
        s.commit(committer, spec, joiners)?;
        s.verify_authenticators()?;
        let out = s
            .last_commit
            .as_ref()
            .ok_or_else(|| Failure::Error("no commit".into()))?;
        let proposals: Vec<Value> = self.proposals.drain(..).map(|p| hex(&p)).collect();
        self.epochs.push(json!({
            "proposals": proposals,
            "commit": hex(&out.commit),
            "epoch_authenticator": hex(&s.members[0].epoch_authenticator()),
        }));
        Ok(())
    }

    /// An epoch started by an external commit (see
    /// [`Session::external_join`]).
    fn external(
        &mut self,
        s: &mut Session,
        exporter: usize,
        joiner: Joiner,
        tree_in_group_info: bool,
    ) -> Outcome<()> {
        ensure(self.proposals.is_empty(), || {
            "proposals pending before an external commit".into()
        })?;
        s.external_join(exporter, joiner, tree_in_group_info)?;
        s.verify_authenticators()?;
        let out = s
            .last_commit
            .as_ref()
            .ok_or_else(|| Failure::Error("no commit".into()))?;
        self.epochs.push(json!({
            "proposals": [],
            "commit": hex(&out.commit),
            "epoch_authenticator": hex(&s.members[0].epoch_authenticator()),
        }));
        Ok(())
    }
}

/// One passive-client vector made by a group of `peer` members in `suite`
/// with handshakes framed as `handshake`; the Welcome carries the tree
/// unless `tree_in_welcome` is false. With `rejoin_keeping_old_leaf`, a
/// member also rejoins by external commit while its old leaf stays, which
/// a later commit removes (mls-rs can neither make nor replay that).
pub fn peer_vector(
    peer: Library,
    suite: u16,
    handshake: Handshake,
    tree_in_welcome: bool,
    rejoin_keeping_old_leaf: bool,
) -> Outcome<Value> {
    let c = CellSpec {
        lead: peer,
        follow: peer,
        suite,
        handshake,
    };
    let (psk_id, psk) = (b"peer vector psk".to_vec(), vec![0x5a; 32]);
    let mut s = Session::create(
        c.member_with_tree(peer, "A", tree_in_welcome)?,
        b"peer group",
    )?;
    s.members[0].add_external_psk(&psk_id, &psk)?;

    // The passive client: a KeyPackage of ours.
    let crypto = SuiteCrypto::new(&RustCryptoProvider, CipherSuite(suite)).ctx("suite")?;
    let passive = KeyPackageBundle::generate_with_new_signature_key(
        &crypto,
        Credential::basic(b"passive client".to_vec()),
        &KeyPackageOptions::default(),
        Timestamp(now_seconds()),
        &mut UnwrapErr(getrandom::SysRng),
    )
    .ctx("KeyPackage")?;
    let passive_kp = MlsMessage::new(MlsMessageBody::KeyPackage(passive.key_package().clone()))
        .to_bytes()
        .ctx("encode")?;

    // A adds B and C with the passive client.
    let mut b = c.member(peer, "B")?;
    let mut cc = c.member(peer, "C")?;
    let adds = vec![b.key_package()?, passive_kp, cc.key_package()?];
    b.add_external_psk(&psk_id, &psk)?;
    cc.add_external_psk(&psk_id, &psk)?;
    s.commit(
        0,
        CommitSpec {
            adds,
            ..CommitSpec::default()
        },
        vec![b, cc],
    )?;
    s.verify()?;
    let join = s
        .last_commit
        .clone()
        .ok_or_else(|| Failure::Error("no commit".into()))?;
    let welcome = join
        .welcome
        .ok_or_else(|| Failure::Error("no Welcome".into()))?;
    let initial = s.members[0].epoch_authenticator();

    let mut r = Recorder {
        epochs: Vec::new(),
        proposals: Vec::new(),
    };
    // 1. B proposes an Update, A commits it.
    let p = s.members[1].propose_update()?;
    r.propose(&mut s, 1, p)?;
    r.commit(&mut s, 0, CommitSpec::default(), Vec::new())?;
    // 2. C adds D by value.
    let mut d = c.member(peer, "D")?;
    let kp = d.key_package()?;
    d.add_external_psk(&psk_id, &psk)?;
    r.commit(
        &mut s,
        2,
        CommitSpec {
            adds: vec![kp],
            ..CommitSpec::default()
        },
        vec![d],
    )?;
    // 3. D proposes adding E, B commits it.
    let mut e = c.member(peer, "E")?;
    let kp = e.key_package()?;
    e.add_external_psk(&psk_id, &psk)?;
    let p = s.members[3].propose_add(&kp)?;
    r.propose(&mut s, 3, p)?;
    r.commit(&mut s, 1, CommitSpec::default(), vec![e])?;
    // 4. An external PSK, then a resumption PSK, committed by A.
    r.commit(
        &mut s,
        0,
        CommitSpec {
            psks: vec![PskRef::External(psk_id.clone())],
            ..CommitSpec::default()
        },
        Vec::new(),
    )?;
    let epoch = s.members[0].epoch();
    r.commit(
        &mut s,
        0,
        CommitSpec {
            psks: vec![PskRef::Resumption(epoch)],
            ..CommitSpec::default()
        },
        Vec::new(),
    )?;
    // 5. C proposes removing E; D removes B by value and commits both.
    let leaf_e = s.members[4].own_leaf();
    let p = s.members[2].propose_remove(leaf_e)?;
    r.propose(&mut s, 2, p)?;
    let leaf_b = s.members[1].own_leaf();
    r.commit(
        &mut s,
        3,
        CommitSpec {
            removes: vec![leaf_b],
            ..CommitSpec::default()
        },
        Vec::new(),
    )?;
    // 6. External commits (RFC 9420 §12.4.3.2); the members are A, C, D.
    // F joins from A's GroupInfo with the tree in it.
    let f = c.member(peer, "F")?;
    r.external(&mut s, 0, Joiner::New(f), true)?;
    // C lost its state and rejoins, removing its old leaf (a resync), from
    // D's GroupInfo with the tree out of band.
    let at_c = s.index_of(&format!("C-{peer}"))?;
    let at_d = s.index_of(&format!("D-{peer}"))?;
    r.external(
        &mut s,
        at_d,
        Joiner::Rejoin {
            member: at_c,
            remove_old: true,
        },
        false,
    )?;
    // D lost its state and rejoins keeping its old leaf, from F's
    // GroupInfo; A removes the old leaf.
    if rejoin_keeping_old_leaf {
        if peer == Library::MlsRs {
            return Err(Failure::Unsupported(crate::mlsrs::MLSRS_REJOIN.into()));
        }
        let at_d = s.index_of(&format!("D-{peer}"))?;
        let at_f = s.index_of(&format!("F-{peer}"))?;
        let old = s.members[at_d].own_leaf();
        r.external(
            &mut s,
            at_f,
            Joiner::Rejoin {
                member: at_d,
                remove_old: false,
            },
            true,
        )?;
        r.commit(
            &mut s,
            0,
            CommitSpec {
                removes: vec![old],
                ..CommitSpec::default()
            },
            Vec::new(),
        )?;
    }
    // 7. Empty commits by the remaining members.
    for committer in 0..s.members.len() {
        r.commit(&mut s, committer, CommitSpec::default(), Vec::new())?;
    }
    s.verify()?;

    Ok(json!({
        "cipher_suite": suite,
        "external_psks": [{"psk_id": hex(&psk_id), "psk": hex(&psk)}],
        "key_package": hex(
            &MlsMessage::new(MlsMessageBody::KeyPackage(passive.key_package().clone()))
                .to_bytes()
                .ctx("encode")?
        ),
        "signature_priv": hex(passive.signature_private_key().as_bytes()),
        "encryption_priv": hex(passive.encryption_private_key().as_bytes()),
        "init_priv": hex(passive.init_private_key().as_bytes()),
        "welcome": hex(&welcome),
        "ratchet_tree": join.tree.as_deref().map_or(Value::Null, hex),
        "initial_epoch_authenticator": hex(&initial),
        "epochs": r.epochs,
    }))
}
