//! A member of mls-rs 0.57 (`mls-rs-crypto-rustcrypto` provider, basic
//! credentials, in-memory storage).

use mls_rs::client_builder::MlsConfig;
use mls_rs::group::{CommitEffect, ReceivedMessage, ReinitClient};
use mls_rs::identity::SigningIdentity;
use mls_rs::identity::basic::{BasicCredential, BasicIdentityProvider};
use mls_rs::mls_rules::{CommitOptions, DefaultMlsRules, EncryptionOptions};
use mls_rs::psk::{ExternalPskId, PreSharedKey};
use mls_rs::storage_provider::in_memory::InMemoryPreSharedKeyStorage;
use mls_rs::{
    CipherSuite, CipherSuiteProvider, Client, CryptoProvider, ExtensionList, MlsMessage,
    ProtocolVersion,
};
use mls_rs_crypto_rustcrypto::RustCryptoProvider;

use crate::{
    CommitOut, CommitSpec, Context, Failure, Handshake, Library, Outcome, Participant, PskRef,
    Received, Settings,
};

/// Why an mls-rs client cannot join a group again while its old leaf
/// stays: a client has one signing identity, so its new leaf would repeat
/// the old one's signature key (RFC 9420 §7.3 requires unique keys).
pub const MLSRS_REJOIN: &str = "mls-rs: a client has one signing identity, so it cannot rejoin while its old leaf (same signature key) stays";

/// Why mls-rs members refuse a rejoin that keeps the old leaf: mls-rs
/// refuses two leaves whose credentials carry the same identity
/// (`DuplicateLeafData`, `tree_kem/tree_index.rs`, with its
/// `BasicIdentityProvider`), where RFC 9420 §7.3 requires only unique
/// signature and encryption keys and §5.3 notes that credentials need not
/// identify clients uniquely: an mls-rs policy, not a protocol rule.
pub const MLSRS_SAME_IDENTITY: &str = "mls-rs: members refuse two leaves with one identity (DuplicateLeafData), a policy stricter than RFC 9420 §7.3";

/// A member of mls-rs; `C` is the client configuration the builder makes.
pub struct MlsRsMember<C: MlsConfig> {
    name: String,
    client: Client<C>,
    psks: InMemoryPreSharedKeyStorage,
    group: Option<mls_rs::Group<C>>,
    /// After a merged ReInit: the client that creates or joins the
    /// successor (the old group is consumed by it).
    reinit: Option<ReinitClient<C>>,
}

/// Makes an mls-rs member named `name` with `settings`.
pub fn new_member(name: &str, settings: Settings) -> Outcome<Box<dyn Participant>> {
    let suite = CipherSuite::new(settings.suite);
    let crypto = RustCryptoProvider::default();
    let provider = crypto
        .cipher_suite_provider(suite)
        .ok_or_else(|| Failure::Error(format!("mls-rs lacks suite {}", settings.suite)))?;
    let (secret, public) = provider
        .signature_key_generate()
        .ctx("mls-rs signature key")?;
    let identity = SigningIdentity::new(
        BasicCredential::new(name.as_bytes().to_vec()).into_credential(),
        public,
    );
    // mls-rs frames handshakes by its encryption option; it accepts both
    // framings on receipt. The tree goes in the Welcome unless asked
    // otherwise; commits carry a path only when the proposals need one.
    let rules = DefaultMlsRules::new()
        .with_commit_options(
            CommitOptions::new().with_ratchet_tree_extension(settings.tree_in_welcome),
        )
        .with_encryption_options(EncryptionOptions::new(
            settings.handshake == Handshake::Private,
            mls_rs::client_builder::PaddingMode::None,
        ));
    let psks = InMemoryPreSharedKeyStorage::default();
    let client = Client::builder()
        .psk_store(psks.clone())
        .identity_provider(BasicIdentityProvider)
        .crypto_provider(crypto)
        .mls_rules(rules)
        .signing_identity(identity, secret, suite)
        .build();
    Ok(Box::new(MlsRsMember {
        name: name.to_string(),
        client,
        psks,
        group: None,
        reinit: None,
    }))
}

impl<C: MlsConfig> MlsRsMember<C> {
    fn group_mut(&mut self) -> Outcome<&mut mls_rs::Group<C>> {
        self.group
            .as_mut()
            .ok_or_else(|| Failure::Error("no group".into()))
    }

    fn take_reinit(&mut self) -> Outcome<ReinitClient<C>> {
        self.reinit
            .take()
            .ok_or_else(|| Failure::Error("no ReInit client".into()))
    }
}

fn decode(bytes: &[u8]) -> Outcome<MlsMessage> {
    MlsMessage::from_bytes(bytes).ctx("mls-rs decode")
}

fn encode(message: &MlsMessage) -> Outcome<Vec<u8>> {
    message.to_bytes().ctx("mls-rs encode")
}

impl<C: MlsConfig> Participant for MlsRsMember<C> {
    fn library(&self) -> Library {
        Library::MlsRs
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn key_package(&mut self) -> Outcome<Vec<u8>> {
        let kp = self
            .client
            .generate_key_package_message(ExtensionList::default(), ExtensionList::default(), None)
            .ctx("mls-rs KeyPackage")?;
        encode(&kp)
    }

    fn create_group(&mut self, group_id: &[u8]) -> Outcome<()> {
        let group = self
            .client
            .create_group_with_id(
                group_id.to_vec(),
                ExtensionList::default(),
                ExtensionList::default(),
                None,
            )
            .ctx("mls-rs create group")?;
        self.group = Some(group);
        Ok(())
    }

    fn join(&mut self, welcome: &[u8], tree: Option<&[u8]>) -> Outcome<()> {
        let welcome = decode(welcome)?;
        let tree = match tree {
            Some(bytes) => {
                Some(mls_rs::group::ExportedTree::from_bytes(bytes).ctx("mls-rs decode tree")?)
            }
            None => None,
        };
        let (group, _) = self
            .client
            .join_group(tree, &welcome, None)
            .ctx("mls-rs join")?;
        self.group = Some(group);
        Ok(())
    }

    fn commit(&mut self, spec: &CommitSpec) -> Outcome<CommitOut> {
        let group = self.group_mut()?;
        let mut builder = group.commit_builder();
        for kp in &spec.adds {
            builder = builder.add_member(decode(kp)?).ctx("mls-rs add")?;
        }
        for &leaf in &spec.removes {
            builder = builder.remove_member(leaf).ctx("mls-rs remove")?;
        }
        for psk in &spec.psks {
            builder = match psk {
                PskRef::External(id) => builder
                    .add_external_psk(ExternalPskId::new(id.clone()))
                    .ctx("mls-rs external psk")?,
                PskRef::Resumption(epoch) => builder
                    .add_resumption_psk(*epoch)
                    .ctx("mls-rs resumption psk")?,
            };
        }
        let out = builder.build().ctx("mls-rs commit")?;
        group
            .apply_pending_commit()
            .ctx("mls-rs apply own commit")?;
        let welcome = out.welcome_messages().first().map(encode).transpose()?;
        let tree = match (welcome.is_some(), out.ratchet_tree()) {
            (true, Some(tree)) => Some(tree.to_bytes().ctx("mls-rs encode tree")?),
            _ => None,
        };
        Ok(CommitOut {
            commit: encode(out.commit_message())?,
            welcome,
            tree,
        })
    }

    fn propose_update(&mut self) -> Outcome<Vec<u8>> {
        let m = self
            .group_mut()?
            .propose_update(Vec::new())
            .ctx("mls-rs propose update")?;
        encode(&m)
    }

    fn propose_add(&mut self, key_package: &[u8]) -> Outcome<Vec<u8>> {
        let kp = decode(key_package)?;
        let m = self
            .group_mut()?
            .propose_add(kp, Vec::new())
            .ctx("mls-rs propose add")?;
        encode(&m)
    }

    fn propose_remove(&mut self, leaf: u32) -> Outcome<Vec<u8>> {
        let m = self
            .group_mut()?
            .propose_remove(leaf, Vec::new())
            .ctx("mls-rs propose remove")?;
        encode(&m)
    }

    fn process(&mut self, message: &[u8]) -> Outcome<Received> {
        let message = decode(message)?;
        match self
            .group_mut()?
            .process_incoming_message(message)
            .ctx("mls-rs process")?
        {
            ReceivedMessage::ApplicationMessage(m) => Ok(Received::Application(m.data().to_vec())),
            ReceivedMessage::Proposal(_) => Ok(Received::Proposal),
            ReceivedMessage::Commit(c) => Ok(Received::Commit {
                removed: matches!(c.effect, CommitEffect::Removed { .. }),
            }),
            other => Err(Failure::Error(format!("mls-rs: unexpected {other:?}"))),
        }
    }

    fn app_message(&mut self, data: &[u8]) -> Outcome<Vec<u8>> {
        let m = self
            .group_mut()?
            .encrypt_application_message(data, Vec::new())
            .ctx("mls-rs encrypt")?;
        encode(&m)
    }

    fn epoch(&self) -> u64 {
        self.group.as_ref().map_or(0, |g| g.current_epoch())
    }

    fn epoch_authenticator(&self) -> Vec<u8> {
        self.group
            .as_ref()
            .and_then(|g| g.epoch_authenticator().ok())
            .map_or_else(Vec::new, |s| s.as_ref().to_vec())
    }

    fn own_leaf(&self) -> u32 {
        self.group
            .as_ref()
            .map_or(u32::MAX, |g| g.current_member_index())
    }

    fn add_external_psk(&mut self, id: &[u8], secret: &[u8]) -> Outcome<()> {
        self.psks.insert(
            ExternalPskId::new(id.to_vec()),
            PreSharedKey::new(secret.to_vec()),
        );
        Ok(())
    }

    fn commit_reinit(&mut self, group_id: &[u8], suite: u16) -> Outcome<CommitOut> {
        let group = self.group_mut()?;
        let out = group
            .commit_builder()
            .reinit(
                Some(group_id.to_vec()),
                ProtocolVersion::MLS_10,
                CipherSuite::new(suite),
                ExtensionList::default(),
            )
            .ctx("mls-rs reinit")?
            .build()
            .ctx("mls-rs commit reinit")?;
        group
            .apply_pending_commit()
            .ctx("mls-rs apply own reinit")?;
        Ok(CommitOut {
            commit: encode(out.commit_message())?,
            welcome: None,
            tree: None,
        })
    }

    fn successor_key_package(&mut self, suite: u16) -> Outcome<Vec<u8>> {
        // A signature key of the new suite, with the same identity.
        let suite = CipherSuite::new(suite);
        let provider = RustCryptoProvider::default()
            .cipher_suite_provider(suite)
            .ok_or_else(|| Failure::Error(format!("mls-rs lacks suite {suite:?}")))?;
        let (secret, public) = provider
            .signature_key_generate()
            .ctx("mls-rs signature key")?;
        let identity = SigningIdentity::new(
            BasicCredential::new(self.name.as_bytes().to_vec()).into_credential(),
            public,
        );
        let group = self
            .group
            .take()
            .ok_or_else(|| Failure::Error("no group".into()))?;
        let client = group
            .get_reinit_client(Some(secret), Some(identity))
            .ctx("mls-rs reinit client")?;
        let kp = client
            .generate_key_package(None)
            .ctx("mls-rs successor KeyPackage")?;
        self.reinit = Some(client);
        encode(&kp)
    }

    fn create_successor(&mut self, key_packages: &[Vec<u8>]) -> Outcome<Vec<u8>> {
        let key_packages = key_packages
            .iter()
            .map(|kp| decode(kp))
            .collect::<Outcome<Vec<_>>>()?;
        let (group, welcomes) = self
            .take_reinit()?
            .commit(key_packages, ExtensionList::default(), None)
            .ctx("mls-rs create successor")?;
        self.group = Some(group);
        welcomes
            .first()
            .map(encode)
            .ok_or_else(|| Failure::Error("mls-rs successor without a Welcome".into()))?
    }

    fn join_successor(&mut self, welcome: &[u8]) -> Outcome<()> {
        let welcome = decode(welcome)?;
        let (group, _) = self
            .take_reinit()?
            .join(&welcome, None, None)
            .ctx("mls-rs join successor")?;
        self.group = Some(group);
        Ok(())
    }

    fn branch(&mut self, group_id: &[u8], key_packages: &[Vec<u8>]) -> Outcome<Vec<u8>> {
        let key_packages = key_packages
            .iter()
            .map(|kp| decode(kp))
            .collect::<Outcome<Vec<_>>>()?;
        let (subgroup, welcomes) = self
            .group_mut()?
            .branch(group_id.to_vec(), key_packages, None)
            .ctx("mls-rs branch")?;
        self.group = Some(subgroup);
        welcomes
            .first()
            .map(encode)
            .ok_or_else(|| Failure::Error("mls-rs subgroup without a Welcome".into()))?
    }

    fn join_branch(&mut self, welcome: &[u8]) -> Outcome<()> {
        let welcome = decode(welcome)?;
        let (subgroup, _) = self
            .group_mut()?
            .join_subgroup(&welcome, None, None)
            .ctx("mls-rs join subgroup")?;
        self.group = Some(subgroup);
        Ok(())
    }

    fn group_info(&mut self, with_tree: bool) -> Outcome<Vec<u8>> {
        let m = self
            .group_mut()?
            .group_info_message_allowing_ext_commit(with_tree)
            .ctx("mls-rs GroupInfo")?;
        encode(&m)
    }

    fn ratchet_tree(&self) -> Outcome<Vec<u8>> {
        self.group
            .as_ref()
            .ok_or_else(|| Failure::Error("no group".into()))?
            .export_tree()
            .to_bytes()
            .ctx("mls-rs encode tree")
    }

    fn join_external(
        &mut self,
        group_info: &[u8],
        tree: Option<&[u8]>,
        resync: Option<u32>,
        psk: Option<&[u8]>,
    ) -> Outcome<Vec<u8>> {
        if resync.is_none() && self.group.is_some() {
            return Err(Failure::Unsupported(MLSRS_REJOIN.into()));
        }
        self.group = None;
        let mut builder = self
            .client
            .external_commit_builder()
            .ctx("mls-rs external commit builder")?;
        if let Some(bytes) = tree {
            let tree = mls_rs::group::ExportedTree::from_bytes(bytes).ctx("mls-rs decode tree")?;
            builder = builder.with_tree_data(tree.into_owned());
        }
        if let Some(leaf) = resync {
            builder = builder.with_removal(leaf);
        }
        if let Some(id) = psk {
            builder = builder.with_external_psk(ExternalPskId::new(id.to_vec()));
        }
        let (group, commit) = builder
            .build(decode(group_info)?)
            .ctx("mls-rs external commit")?;
        self.group = Some(group);
        encode(&commit)
    }
}
