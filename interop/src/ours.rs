//! A member of this crate's [`Group`].

use rand_core::{Rng, UnwrapErr};
use rfc9420::codec::{Encode, decode_exact};
use rfc9420::crypto::Secret;
use rfc9420::framing::MlsMessageBody;
use rfc9420::group::{HandshakeFormat, PskStore, WireFormatPolicy};
use rfc9420::messages::{
    Add, KeyPackage, PreSharedKey, PreSharedKeyId, ProtocolVersion, PskKind, RatchetTreeExtension,
    ReInit, Remove, ResumptionPskUsage,
};
use rfc9420::{
    CipherSuite, CommitOptions, Credential, Extensions, ExternalJoinOptions, Group, GroupConfig,
    GroupInfoOptions, JoinOptions, KeyPackageBundle, KeyPackageOptions, LeafIndex, MlsMessage,
    Processed, Proposal, RustCryptoProvider, SuiteCrypto, Timestamp,
};

use crate::{
    CommitOut, CommitSpec, Context, Failure, Library, Outcome, Participant, PskRef, Received,
    Settings, now_seconds,
};

type Rand = UnwrapErr<getrandom::SysRng>;

/// A member of this crate.
pub struct OurMember {
    name: String,
    settings: Settings,
    rng: Rand,
    bundle: Option<KeyPackageBundle>,
    group: Option<Group>,
    psks: PskStore,
}

impl OurMember {
    /// A member named `name` with `settings`, not yet in a group.
    pub fn new(name: &str, settings: Settings) -> Outcome<Self> {
        Ok(Self {
            name: name.to_string(),
            settings,
            rng: UnwrapErr(getrandom::SysRng),
            bundle: None,
            group: None,
            psks: PskStore::new(),
        })
    }

    fn suite(&self) -> CipherSuite {
        CipherSuite(self.settings.suite)
    }

    fn config(&self) -> GroupConfig {
        GroupConfig {
            wire_format: WireFormatPolicy {
                outgoing: match self.settings.handshake {
                    crate::Handshake::Public => HandshakeFormat::Public,
                    crate::Handshake::Private => HandshakeFormat::Private,
                },
                accept_public: true,
                accept_private: true,
            },
            ..GroupConfig::default()
        }
    }

    fn now() -> Timestamp {
        Timestamp(now_seconds())
    }

    fn group(&self) -> Outcome<&Group> {
        self.group
            .as_ref()
            .ok_or_else(|| Failure::Error(format!("{} has no group", self.name)))
    }

    fn group_mut(&mut self) -> Outcome<&mut Group> {
        self.group
            .as_mut()
            .ok_or_else(|| Failure::Error("no group".into()))
    }

    /// The group, for tests that look inside.
    pub fn inner(&self) -> Option<&Group> {
        self.group.as_ref()
    }

    fn decode_key_package(bytes: &[u8]) -> Outcome<Proposal> {
        Ok(Proposal::Add(Add {
            key_package: Self::key_package_of(bytes)?,
        }))
    }

    fn key_package_of(bytes: &[u8]) -> Outcome<KeyPackage> {
        let message: MlsMessage = decode_exact(bytes).ctx("decode KeyPackage message")?;
        match message.body {
            MlsMessageBody::KeyPackage(key_package) => Ok(key_package),
            other => Err(Failure::Error(format!(
                "expected a KeyPackage, got {:?}",
                other.wire_format()
            ))),
        }
    }

    /// Joins a group linked to its current one (a ReInit's successor or a
    /// subgroup) with its latest KeyPackage, the current group as the
    /// source of the linking resumption PSK.
    fn join_linked(&mut self, welcome: &[u8]) -> Outcome<()> {
        let bundle = self
            .bundle
            .take()
            .ok_or_else(|| Failure::Error("join without a KeyPackage".into()))?;
        let mut options = JoinOptions::default().resumption_from(self.group()?);
        options.psks = self.psks.clone();
        let group = Group::join(
            RustCryptoProvider,
            self.config(),
            welcome,
            &bundle,
            options,
            Self::now(),
        )
        .ctx("join linked group")?;
        self.group = Some(group);
        Ok(())
    }

    fn psk_proposal(&mut self, psk: &PskRef) -> Outcome<Proposal> {
        let hash_len = SuiteCrypto::new(&RustCryptoProvider, self.suite())
            .ctx("suite")?
            .hash_len();
        let mut nonce = vec![0; hash_len];
        self.rng.fill_bytes(&mut nonce);
        let kind = match psk {
            PskRef::External(id) => PskKind::External { psk_id: id.clone() },
            PskRef::Resumption(epoch) => PskKind::Resumption {
                usage: ResumptionPskUsage::Application,
                psk_group_id: self.group()?.group_id().to_vec(),
                psk_epoch: *epoch,
            },
        };
        Ok(Proposal::PreSharedKey(PreSharedKey {
            psk: PreSharedKeyId {
                psk: kind,
                psk_nonce: nonce,
            },
        }))
    }
}

impl Participant for OurMember {
    fn library(&self) -> Library {
        Library::Ours
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn key_package(&mut self) -> Outcome<Vec<u8>> {
        let crypto = SuiteCrypto::new(&RustCryptoProvider, self.suite()).ctx("suite")?;
        let bundle = KeyPackageBundle::generate_with_new_signature_key(
            &crypto,
            Credential::basic(self.name.as_bytes().to_vec()),
            &KeyPackageOptions::default(),
            Self::now(),
            &mut self.rng,
        )
        .ctx("generate KeyPackage")?;
        let bytes = MlsMessage::new(MlsMessageBody::KeyPackage(bundle.key_package().clone()))
            .to_bytes()
            .ctx("encode KeyPackage")?;
        self.bundle = Some(bundle);
        Ok(bytes)
    }

    fn create_group(&mut self, group_id: &[u8]) -> Outcome<()> {
        if self.bundle.is_none() {
            self.key_package()?;
        }
        let bundle = self
            .bundle
            .take()
            .ok_or_else(|| Failure::Error("no bundle".into()))?;
        let mut group = Group::create(
            RustCryptoProvider,
            self.config(),
            &bundle,
            group_id.to_vec(),
            Extensions::default(),
            Self::now(),
            &mut self.rng,
        )
        .ctx("create group")?;
        *group.psks_mut() = self.psks.clone();
        self.group = Some(group);
        Ok(())
    }

    fn join(&mut self, welcome: &[u8], tree: Option<&[u8]>) -> Outcome<()> {
        let bundle = self
            .bundle
            .take()
            .ok_or_else(|| Failure::Error("join without a KeyPackage".into()))?;
        let mut options = match tree {
            Some(tree) => JoinOptions::with_tree_bytes(tree).ctx("decode tree")?,
            None => JoinOptions::default(),
        };
        options.psks = self.psks.clone();
        let group = Group::join(
            RustCryptoProvider,
            self.config(),
            welcome,
            &bundle,
            options,
            Self::now(),
        )
        .ctx("join")?;
        self.group = Some(group);
        Ok(())
    }

    fn commit(&mut self, spec: &CommitSpec) -> Outcome<CommitOut> {
        let mut proposals = Vec::new();
        for kp in &spec.adds {
            proposals.push(Self::decode_key_package(kp)?);
        }
        for &leaf in &spec.removes {
            proposals.push(Proposal::Remove(Remove {
                removed: LeafIndex(leaf),
            }));
        }
        for psk in &spec.psks {
            let p = self.psk_proposal(psk)?;
            proposals.push(p);
        }
        let options = CommitOptions {
            proposals,
            ratchet_tree_in_welcome: self.settings.tree_in_welcome,
            ..CommitOptions::default()
        };
        let mut rng = UnwrapErr(getrandom::SysRng);
        let group = self.group_mut()?;
        let out = group
            .create_commit(options, Self::now(), &mut rng)
            .ctx("create commit")?;
        group
            .merge_staged_commit(out.staged)
            .ctx("merge own commit")?;
        Ok(CommitOut {
            commit: out.commit,
            tree: if out.welcome.is_some() {
                out.ratchet_tree
            } else {
                None
            },
            welcome: out.welcome,
        })
    }

    fn propose_update(&mut self) -> Outcome<Vec<u8>> {
        let mut rng = UnwrapErr(getrandom::SysRng);
        let (bytes, _) = self
            .group_mut()?
            .propose_update(b"", Self::now(), &mut rng)
            .ctx("propose update")?;
        Ok(bytes)
    }

    fn propose_add(&mut self, key_package: &[u8]) -> Outcome<Vec<u8>> {
        let proposal = Self::decode_key_package(key_package)?;
        let mut rng = UnwrapErr(getrandom::SysRng);
        let (bytes, _) = self
            .group_mut()?
            .propose(proposal, b"", Self::now(), &mut rng)
            .ctx("propose add")?;
        Ok(bytes)
    }

    fn propose_remove(&mut self, leaf: u32) -> Outcome<Vec<u8>> {
        let proposal = Proposal::Remove(Remove {
            removed: LeafIndex(leaf),
        });
        let mut rng = UnwrapErr(getrandom::SysRng);
        let (bytes, _) = self
            .group_mut()?
            .propose(proposal, b"", Self::now(), &mut rng)
            .ctx("propose remove")?;
        Ok(bytes)
    }

    fn process(&mut self, message: &[u8]) -> Outcome<Received> {
        let group = self.group_mut()?;
        match group.process_message(message, Self::now()).ctx("process")? {
            Processed::Application(m) => Ok(Received::Application(m.data)),
            Processed::Proposal(_) => Ok(Received::Proposal),
            Processed::Commit(staged) => {
                let removed = staged.effects().removes_self;
                group.merge_staged_commit(*staged).ctx("merge commit")?;
                Ok(Received::Commit { removed })
            }
        }
    }

    fn app_message(&mut self, data: &[u8]) -> Outcome<Vec<u8>> {
        let mut rng = UnwrapErr(getrandom::SysRng);
        self.group_mut()?
            .create_message(data, b"", &mut rng)
            .ctx("encrypt")
    }

    fn epoch(&self) -> u64 {
        self.group.as_ref().map_or(0, |g| g.epoch())
    }

    fn epoch_authenticator(&self) -> Vec<u8> {
        self.group
            .as_ref()
            .map_or_else(Vec::new, |g| g.epoch_authenticator().as_bytes().to_vec())
    }

    fn own_leaf(&self) -> u32 {
        self.group.as_ref().map_or(u32::MAX, |g| g.own_leaf().0)
    }

    fn add_external_psk(&mut self, id: &[u8], secret: &[u8]) -> Outcome<()> {
        self.psks.insert(id.to_vec(), Secret::from_slice(secret));
        if let Some(g) = self.group.as_mut() {
            g.psks_mut().insert(id.to_vec(), Secret::from_slice(secret));
        }
        Ok(())
    }

    fn commit_reinit(&mut self, group_id: &[u8], suite: u16) -> Outcome<CommitOut> {
        let reinit = ReInit {
            group_id: group_id.to_vec(),
            version: ProtocolVersion::MLS10,
            cipher_suite: CipherSuite(suite),
            extensions: self.group()?.extensions().clone(),
        };
        let mut rng = UnwrapErr(getrandom::SysRng);
        let group = self.group_mut()?;
        let out = group
            .create_commit(
                CommitOptions::with_proposals(vec![Proposal::ReInit(reinit)]),
                Self::now(),
                &mut rng,
            )
            .ctx("commit ReInit")?;
        group
            .merge_staged_commit(out.staged)
            .ctx("merge own ReInit")?;
        Ok(CommitOut {
            commit: out.commit,
            welcome: None,
            tree: None,
        })
    }

    fn successor_key_package(&mut self, suite: u16) -> Outcome<Vec<u8>> {
        self.settings.suite = suite;
        self.key_package()
    }

    fn create_successor(&mut self, key_packages: &[Vec<u8>]) -> Outcome<Vec<u8>> {
        let bundle = self
            .bundle
            .take()
            .ok_or_else(|| Failure::Error("no successor KeyPackage".into()))?;
        let key_packages = key_packages
            .iter()
            .map(|kp| Self::key_package_of(kp))
            .collect::<Outcome<Vec<_>>>()?;
        let (group, welcome) = self
            .group()?
            .reinit_successor(
                RustCryptoProvider,
                self.config(),
                &bundle,
                key_packages,
                Self::now(),
                &mut UnwrapErr(getrandom::SysRng),
            )
            .ctx("create successor")?;
        self.group = Some(group);
        welcome.ok_or_else(|| Failure::Error("successor without a Welcome".into()))
    }

    fn join_successor(&mut self, welcome: &[u8]) -> Outcome<()> {
        self.join_linked(welcome)
    }

    fn branch(&mut self, group_id: &[u8], key_packages: &[Vec<u8>]) -> Outcome<Vec<u8>> {
        self.key_package()?;
        let bundle = self
            .bundle
            .take()
            .ok_or_else(|| Failure::Error("no KeyPackage".into()))?;
        let key_packages = key_packages
            .iter()
            .map(|kp| Self::key_package_of(kp))
            .collect::<Outcome<Vec<_>>>()?;
        let parent = self.group()?;
        let (group, welcome) = parent
            .branch(
                RustCryptoProvider,
                self.config(),
                &bundle,
                group_id.to_vec(),
                parent.extensions().clone(),
                key_packages,
                Self::now(),
                &mut UnwrapErr(getrandom::SysRng),
            )
            .ctx("branch")?;
        self.group = Some(group);
        welcome.ok_or_else(|| Failure::Error("subgroup without a Welcome".into()))
    }

    fn join_branch(&mut self, welcome: &[u8]) -> Outcome<()> {
        self.join_linked(welcome)
    }

    fn group_info(&mut self, with_tree: bool) -> Outcome<Vec<u8>> {
        let options = GroupInfoOptions {
            ratchet_tree: with_tree,
            external_pub: true,
        };
        let group = self
            .group
            .as_ref()
            .ok_or_else(|| Failure::Error("no group".into()))?;
        group
            .group_info(&options, &mut self.rng)
            .ctx("export GroupInfo")
    }

    fn ratchet_tree(&self) -> Outcome<Vec<u8>> {
        RatchetTreeExtension(self.group()?.tree().to_nodes())
            .to_bytes()
            .ctx("encode tree")
    }

    fn join_external(
        &mut self,
        group_info: &[u8],
        tree: Option<&[u8]>,
        resync: Option<u32>,
        psk: Option<&[u8]>,
    ) -> Outcome<Vec<u8>> {
        self.group = None;
        // A fresh KeyPackage bundle: its leaf's credential (the same name),
        // a new signature key and capabilities become the new leaf's.
        self.key_package()?;
        let bundle = self
            .bundle
            .take()
            .ok_or_else(|| Failure::Error("no bundle".into()))?;
        let ratchet_tree = match tree {
            Some(bytes) => Some(
                decode_exact::<RatchetTreeExtension>(bytes)
                    .ctx("decode tree")?
                    .0,
            ),
            None => None,
        };
        let crypto = SuiteCrypto::new(&RustCryptoProvider, self.suite()).ctx("suite")?;
        let psk_ids = psk
            .map(|id| PreSharedKeyId::external(&crypto, id.to_vec(), &mut self.rng))
            .into_iter()
            .collect();
        let options = ExternalJoinOptions {
            ratchet_tree,
            resync: resync.map(LeafIndex),
            psk_ids,
            psks: self.psks.clone(),
            ..ExternalJoinOptions::default()
        };
        let joined = Group::join_external(
            RustCryptoProvider,
            self.config(),
            group_info,
            &bundle,
            options,
            Self::now(),
            &mut self.rng,
        )
        .ctx("join by external commit")?;
        self.group = Some(joined.group);
        Ok(joined.commit)
    }
}
