//! A small messaging app on rfc9420, end to end: a delivery service with a
//! totally ordered log per group, a KeyPackage directory, a five-member
//! group with an offline member catching up, a removal, key updates, a
//! commit race, a crash between sending a commit and its acceptance, a
//! member who lost her device rejoining by external commit, and a
//! 200-member group. Every client keeps its state only as bytes between
//! steps (saved after every step, restored before the next), as an app that
//! may be killed at any time does.
//!
//! ```text
//! cargo run --release --example chat
//! ```

use std::collections::BTreeMap;

use rfc9420::framing::ContentType;
use rfc9420::group::{KeyPackageStore, MessageBuffer};
use rfc9420::messages::{Add, Proposal, Remove};
use rfc9420::rand_core::UnwrapErr;
use rfc9420::{
    CipherSuite, CommitOptions, Credential, Error, ExternalJoinOptions, Group, GroupConfig,
    GroupInfoOptions, JoinOptions, KeyPackageBundle, KeyPackageOptions, LeafIndex, MlsMessage,
    Processed, RustCryptoProvider, SuiteCrypto, Timestamp,
};

const SUITE: CipherSuite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
type Rng = UnwrapErr<getrandom::SysRng>;

/// The delivery service: one ordered log per group, a KeyPackage directory
/// and Welcome mailboxes. It reads only public headers (`MlsMessage::peek`)
/// and accepts one commit per epoch: the first to arrive wins.
#[derive(Default)]
struct DeliveryService {
    log: Vec<Vec<u8>>,
    committed_epochs: Vec<u64>,
    directory: BTreeMap<String, Vec<u8>>,
    welcomes: BTreeMap<String, Vec<u8>>,
    /// The latest GroupInfo a committer published, for external joins.
    group_info: Option<Vec<u8>>,
}

impl DeliveryService {
    fn submit(&mut self, message: &[u8]) -> bool {
        let header = MlsMessage::peek(message).expect("well-formed message");
        if header.content_type == Some(ContentType::Commit) {
            let epoch = header.epoch.unwrap_or_default();
            if self.committed_epochs.contains(&epoch) {
                return false;
            }
            self.committed_epochs.push(epoch);
        }
        self.log.push(message.to_vec());
        true
    }
}

/// A client: its KeyPackages, its group state as bytes, how far it has
/// read the log, and messages held for a later epoch.
struct Client {
    name: String,
    store: KeyPackageStore,
    state: Option<Vec<u8>>,
    cursor: usize,
    early: MessageBuffer,
}

fn now() -> Timestamp {
    Timestamp(1_800_000_000)
}

impl Client {
    fn new(name: &str, ds: &mut DeliveryService, rng: &mut Rng) -> Result<Self, Error> {
        let crypto = SuiteCrypto::new(&RustCryptoProvider, SUITE)?;
        let credential = Credential::basic(name.as_bytes().to_vec());
        let options = KeyPackageOptions::default();
        let bundle = KeyPackageBundle::generate_with_new_signature_key(
            &crypto,
            credential,
            &options,
            now(),
            rng,
        )?;
        let published = MlsMessage::new(rfc9420::framing::MlsMessageBody::KeyPackage(
            bundle.key_package().clone(),
        ));
        ds.directory.insert(
            name.to_string(),
            rfc9420::codec::Encode::to_bytes(&published)?,
        );
        let mut store = KeyPackageStore::new();
        store.insert(&RustCryptoProvider, bundle)?;
        Ok(Self {
            name: name.to_string(),
            store,
            state: None,
            cursor: 0,
            early: MessageBuffer::new(64),
        })
    }

    /// Creates a group with its own (only) KeyPackage bundle.
    fn create_group(&mut self, group_id: &[u8], rng: &mut Rng) -> Result<(), Error> {
        let reference = self.store.references().next().cloned().expect("a bundle");
        let bundle = self.store.remove(&reference).expect("a bundle");
        let group = Group::create(
            RustCryptoProvider,
            GroupConfig::default(),
            &bundle,
            group_id.to_vec(),
            Default::default(),
            now(),
            rng,
        )?;
        self.save(&group)
    }

    fn load(&self) -> Result<Group, Error> {
        let bytes = self.state.as_deref().expect("in a group");
        Group::from_bytes(RustCryptoProvider, GroupConfig::default(), bytes)
    }

    fn save(&mut self, group: &Group) -> Result<(), Error> {
        self.state = Some(group.to_bytes()?.to_vec());
        Ok(())
    }

    fn join(&mut self, ds: &DeliveryService) -> Result<(), Error> {
        let welcome = &ds.welcomes[&self.name];
        let (group, _used) = Group::join_from_store(
            RustCryptoProvider,
            GroupConfig::default(),
            welcome,
            &mut self.store,
            JoinOptions::default(),
            now(),
        )?;
        self.cursor = ds.log.len();
        self.save(&group)
    }

    /// Reads the log from where it stopped: merges commits (its own too),
    /// shows messages, holds early ones, and saves its state.
    fn catch_up(&mut self, ds: &DeliveryService) -> Result<(), Error> {
        let mut group = self.load()?;
        while self.cursor < ds.log.len() && group.is_active() {
            let message = ds.log[self.cursor].clone();
            self.cursor += 1;
            self.handle(&mut group, &message)?;
            for held in self.early.release(group.epoch()) {
                self.handle(&mut group, &held)?;
            }
        }
        self.save(&group)
    }

    fn handle(&mut self, group: &mut Group, message: &[u8]) -> Result<(), Error> {
        match group.process_message(message, now()) {
            Ok(Processed::Application(m)) => {
                let from = String::from_utf8_lossy(
                    m.sender_info.credential.identity().unwrap_or_default(),
                );
                println!(
                    "  {} reads {from}: {}",
                    self.name,
                    String::from_utf8_lossy(&m.data)
                );
            }
            Ok(Processed::Proposal(_)) => {}
            Ok(Processed::Commit(staged)) => {
                if staged.effects().removes_self {
                    println!("  {} was removed", self.name);
                }
                group.merge_staged_commit(*staged)?;
            }
            Err(Error::Message(rfc9420::group::MessageError::OwnMessage { .. })) => {}
            Err(e) if self.early.hold_if_early(message, &e) => {}
            Err(e) => return Err(e),
        }
        Ok(())
    }

    /// Joins by external commit from the delivery service's GroupInfo,
    /// removing `old_leaf`, this client's leaf from a lost device (a
    /// resync); the commit must be accepted, or the join is retried.
    fn rejoin(
        &mut self,
        ds: &mut DeliveryService,
        old_leaf: LeafIndex,
        rng: &mut Rng,
    ) -> Result<bool, Error> {
        let reference = self.store.references().next().cloned().expect("a bundle");
        let bundle = self.store.remove(&reference).expect("a bundle");
        let options = ExternalJoinOptions {
            resync: Some(old_leaf),
            ..ExternalJoinOptions::default()
        };
        let info = ds.group_info.clone().expect("a published GroupInfo");
        let joined = Group::join_external(
            RustCryptoProvider,
            GroupConfig::default(),
            &info,
            &bundle,
            options,
            now(),
            rng,
        )?;
        if !ds.submit(&joined.commit) {
            return Ok(false);
        }
        self.cursor = ds.log.len(); // its own commit is already applied
        ds.group_info = Some(joined.group.group_info(&GroupInfoOptions::default())?);
        self.save(&joined.group)?;
        Ok(true)
    }

    fn send(&mut self, ds: &mut DeliveryService, text: &str, rng: &mut Rng) -> Result<(), Error> {
        self.catch_up(ds)?;
        let mut group = self.load()?;
        let message = group.create_message(text.as_bytes(), b"", rng)?;
        self.save(&group)?;
        ds.submit(&message);
        Ok(())
    }

    /// Commits `proposals` (and its pending ones); if the delivery service
    /// takes another commit first, drops this one and catches up.
    fn commit(
        &mut self,
        ds: &mut DeliveryService,
        proposals: Vec<Proposal>,
        rng: &mut Rng,
    ) -> Result<bool, Error> {
        self.catch_up(ds)?;
        let mut group = self.load()?;
        let options = CommitOptions {
            group_info: true, // published for clients that join by external commit
            ..CommitOptions::with_proposals(proposals)
        };
        let created = group.create_commit(options, now(), rng)?;
        self.save(&group)?; // the pending commit is part of the saved state
        if !ds.submit(&created.commit) {
            println!(
                "  {}'s commit lost the race; retrying after catching up",
                self.name
            );
            group.clear_pending_commit();
            self.save(&group)?;
            return Ok(false);
        }
        ds.group_info = created.group_info;
        if let Some(welcome) = created.welcome {
            for (_, key_package) in &created.staged.effects().added {
                let name = String::from_utf8_lossy(
                    key_package
                        .leaf_node
                        .credential
                        .identity()
                        .unwrap_or_default(),
                );
                ds.welcomes.insert(name.to_string(), welcome.clone());
            }
        }
        self.catch_up(ds)?; // its own commit comes back and is merged
        Ok(true)
    }
}

fn add_proposals(ds: &DeliveryService, names: &[&str]) -> Result<Vec<Proposal>, Error> {
    names
        .iter()
        .map(|n| {
            let message: MlsMessage = rfc9420::codec::decode_exact(&ds.directory[*n])?;
            let rfc9420::framing::MlsMessageBody::KeyPackage(key_package) = message.body else {
                unreachable!("the directory holds KeyPackages");
            };
            Ok(Proposal::Add(Add { key_package }))
        })
        .collect()
}

fn main() -> Result<(), Error> {
    let mut rng: Rng = UnwrapErr(getrandom::SysRng);
    let mut ds = DeliveryService::default();
    let names = ["alice", "bob", "carol", "dave", "erin"];
    let mut clients: BTreeMap<&str, Client> = BTreeMap::new();
    for name in names {
        clients.insert(name, Client::new(name, &mut ds, &mut rng)?);
    }

    println!("1. alice creates the group and adds four friends");
    let alice = clients.get_mut("alice").unwrap();
    alice.create_group(b"friends", &mut rng)?;
    let adds = add_proposals(&ds, &names[1..])?;
    alice.commit(&mut ds, adds, &mut rng)?;
    for name in &names[1..] {
        clients.get_mut(name).unwrap().join(&ds)?;
        println!("  {name} joined");
    }

    println!("2. messages; erin goes offline");
    clients
        .get_mut("bob")
        .unwrap()
        .send(&mut ds, "hello all", &mut rng)?;
    clients
        .get_mut("carol")
        .unwrap()
        .send(&mut ds, "hi bob", &mut rng)?;

    println!("3. key updates while erin is away: dave and carol commit at once (a race)");
    let mut dave = clients.remove("dave").unwrap();
    let mut carol = clients.remove("carol").unwrap();
    dave.catch_up(&ds)?;
    carol.catch_up(&ds)?;
    let won = dave.commit(&mut ds, vec![], &mut rng)?;
    let mut carol_group = carol.load()?; // carol committed from the same epoch
    let created = carol_group.create_commit(CommitOptions::default(), now(), &mut rng)?;
    carol.save(&carol_group)?;
    if !ds.submit(&created.commit) {
        println!("  carol's commit lost the race to dave's (dave won: {won})");
        carol.catch_up(&ds)?; // dave's commit discards carol's pending one
        carol.commit(&mut ds, vec![], &mut rng)?;
    }
    clients.insert("dave", dave);
    clients.insert("carol", carol);

    println!("4. bob crashes after sending a commit, before seeing it accepted");
    let bob = clients.get_mut("bob").unwrap();
    bob.catch_up(&ds)?;
    let mut group = bob.load()?;
    let created = group.create_commit(CommitOptions::default(), now(), &mut rng)?;
    bob.save(&group)?; // the pending commit is in the saved bytes
    drop(group); // the process dies here
    ds.submit(&created.commit);
    bob.catch_up(&ds)?; // restored from bytes, bob merges its own commit
    bob.send(&mut ds, "back after a crash", &mut rng)?;

    println!("5. alice removes dave; erin comes back and catches up");
    let dave_leaf = clients["dave"].load()?.own_leaf();
    clients.get_mut("alice").unwrap().commit(
        &mut ds,
        vec![Proposal::Remove(Remove { removed: dave_leaf })],
        &mut rng,
    )?;
    clients.get_mut("dave").unwrap().catch_up(&ds)?;
    clients.get_mut("erin").unwrap().catch_up(&ds)?;
    clients
        .get_mut("erin")
        .unwrap()
        .send(&mut ds, "what did I miss?", &mut rng)?;
    for name in ["alice", "bob", "carol", "erin"] {
        clients.get_mut(name).unwrap().catch_up(&ds)?;
    }
    let authenticators: Vec<_> = ["alice", "bob", "carol", "erin"]
        .iter()
        .map(|n| {
            clients[n]
                .load()
                .map(|g| (g.epoch(), g.epoch_authenticator().clone()))
        })
        .collect::<Result<_, _>>()?;
    assert!(
        authenticators.windows(2).all(|w| w[0] == w[1]),
        "members disagree"
    );
    println!("  the four members agree on epoch {}", authenticators[0].0);

    println!("6. erin loses her phone and rejoins by external commit, removing her old leaf");
    // The app's server tells her new device which leaf was hers.
    let old_leaf = clients["alice"]
        .load()?
        .members_with_identity(b"erin")
        .next()
        .expect("erin is a member")
        .leaf;
    let mut erin = Client::new("erin", &mut ds, &mut rng)?;
    assert!(erin.rejoin(&mut ds, old_leaf, &mut rng)?);
    erin.send(&mut ds, "new phone, same erin", &mut rng)?;
    clients.insert("erin", erin);
    for name in ["alice", "bob", "carol", "erin"] {
        clients.get_mut(name).unwrap().catch_up(&ds)?;
    }
    let groups: Vec<Group> = ["alice", "bob", "carol", "erin"]
        .iter()
        .map(|n| clients[n].load())
        .collect::<Result<_, _>>()?;
    assert!(
        groups
            .windows(2)
            .all(|w| w[0].epoch_authenticator() == w[1].epoch_authenticator()),
        "members disagree after the resync"
    );
    println!(
        "  {} members agree on epoch {}",
        groups[0].members().count(),
        groups[0].epoch()
    );

    println!("7. a 200-member group");
    let mut big = DeliveryService::default();
    let mut owner = Client::new("owner", &mut big, &mut rng)?;
    let others: Vec<String> = (1..200).map(|i| format!("member-{i}")).collect();
    let mut members: Vec<Client> = others
        .iter()
        .map(|n| Client::new(n, &mut big, &mut rng))
        .collect::<Result<_, _>>()?;
    owner.create_group(b"big", &mut rng)?;
    let refs: Vec<&str> = others.iter().map(String::as_str).collect();
    let adds = add_proposals(&big, &refs)?;
    owner.commit(&mut big, adds, &mut rng)?;
    for m in &mut members {
        m.join(&big)?;
    }
    println!("  199 members joined from one Welcome");
    members[41].send(&mut big, "hello, 199 others", &mut rng)?;
    owner.catch_up(&big)?;
    members[150].catch_up(&big)?;
    let size = owner.load()?.members().count();
    println!(
        "  {size} members; saved state of one member: {} bytes",
        owner.state.as_ref().map_or(0, Vec::len)
    );
    println!("done");
    Ok(())
}
