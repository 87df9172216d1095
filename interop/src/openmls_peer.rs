//! A member of OpenMLS 0.9 (`openmls_rust_crypto` provider, basic
//! credentials, in-memory storage).

use openmls::prelude::tls_codec::{Deserialize as _, Serialize as _};
use openmls::prelude::*;
use openmls::schedule::psk::{ResumptionPsk, ResumptionPskUsage};
use openmls::schedule::{ExternalPsk, PreSharedKeyId, Psk};
use openmls_basic_credential::SignatureKeyPair;
use openmls_rust_crypto::OpenMlsRustCrypto;

use crate::{
    CommitOut, CommitSpec, Context, Failure, Handshake, Library, Outcome, Participant, PskRef,
    Received, Settings, ensure,
};

/// How many past epochs' resumption PSKs a member keeps (OpenMLS keeps
/// none by default).
const RESUMPTION_PSKS: usize = 8;

/// A member of OpenMLS.
pub struct OpenMlsMember {
    name: String,
    settings: Settings,
    suite: Ciphersuite,
    provider: OpenMlsRustCrypto,
    signer: SignatureKeyPair,
    credential: CredentialWithKey,
    group: Option<MlsGroup>,
}

impl OpenMlsMember {
    /// A member named `name` with `settings`, not yet in a group.
    pub fn new(name: &str, settings: Settings) -> Outcome<Self> {
        let suite = Ciphersuite::try_from(settings.suite).ctx("OpenMLS suite")?;
        let provider = OpenMlsRustCrypto::default();
        let signer = SignatureKeyPair::new(suite.signature_algorithm()).ctx("signature key")?;
        signer.store(provider.storage()).ctx("store signer")?;
        let credential = CredentialWithKey {
            credential: BasicCredential::new(name.as_bytes().to_vec()).into(),
            signature_key: signer.public().into(),
        };
        Ok(Self {
            name: name.to_string(),
            settings,
            suite,
            provider,
            signer,
            credential,
            group: None,
        })
    }

    fn wire_format_policy(&self) -> WireFormatPolicy {
        match self.settings.handshake {
            Handshake::Public => MIXED_PLAINTEXT_WIRE_FORMAT_POLICY,
            Handshake::Private => MIXED_CIPHERTEXT_WIRE_FORMAT_POLICY,
        }
    }

    fn decode_key_package(&self, bytes: &[u8]) -> Outcome<KeyPackage> {
        let message = MlsMessageIn::tls_deserialize_exact(bytes).ctx("decode KeyPackage")?;
        match message.extract() {
            MlsMessageBodyIn::KeyPackage(kp) => kp
                .validate(self.provider.crypto(), ProtocolVersion::Mls10)
                .ctx("validate KeyPackage"),
            _ => Err(Failure::Error("not a KeyPackage".into())),
        }
    }

    fn serialize(message: &MlsMessageOut) -> Outcome<Vec<u8>> {
        message.tls_serialize_detached().ctx("encode")
    }
}

impl Participant for OpenMlsMember {
    fn library(&self) -> Library {
        Library::OpenMls
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn key_package(&mut self) -> Outcome<Vec<u8>> {
        let bundle = KeyPackage::builder()
            .build(
                self.suite,
                &self.provider,
                &self.signer,
                self.credential.clone(),
            )
            .ctx("OpenMLS KeyPackage")?;
        Self::serialize(&MlsMessageOut::from(bundle.key_package().clone()))
    }

    fn create_group(&mut self, group_id: &[u8]) -> Outcome<()> {
        let config = MlsGroupCreateConfig::builder()
            .ciphersuite(self.suite)
            .use_ratchet_tree_extension(self.settings.tree_in_welcome)
            .wire_format_policy(self.wire_format_policy())
            .number_of_resumption_psks(RESUMPTION_PSKS)
            .build();
        let group = MlsGroup::new_with_group_id(
            &self.provider,
            &self.signer,
            &config,
            GroupId::from_slice(group_id),
            self.credential.clone(),
        )
        .ctx("OpenMLS create group")?;
        self.group = Some(group);
        Ok(())
    }

    fn join(&mut self, welcome: &[u8], tree: Option<&[u8]>) -> Outcome<()> {
        let message = MlsMessageIn::tls_deserialize_exact(welcome).ctx("decode Welcome")?;
        let MlsMessageBodyIn::Welcome(welcome) = message.extract() else {
            return Err(Failure::Error("not a Welcome".into()));
        };
        let tree = match tree {
            Some(bytes) => Some(RatchetTreeIn::tls_deserialize_exact(bytes).ctx("decode tree")?),
            None => None,
        };
        let config = MlsGroupJoinConfig::builder()
            .use_ratchet_tree_extension(self.settings.tree_in_welcome)
            .wire_format_policy(self.wire_format_policy())
            .number_of_resumption_psks(RESUMPTION_PSKS)
            .build();
        let group = StagedWelcome::new_from_welcome(&self.provider, &config, welcome, tree)
            .ctx("OpenMLS stage Welcome")?
            .into_group(&self.provider)
            .ctx("OpenMLS join")?;
        self.group = Some(group);
        Ok(())
    }

    fn commit(&mut self, spec: &CommitSpec) -> Outcome<CommitOut> {
        let adds = spec
            .adds
            .iter()
            .map(|kp| self.decode_key_package(kp))
            .collect::<Outcome<Vec<_>>>()?;
        let mut psks = Vec::new();
        for psk in &spec.psks {
            let kind = match psk {
                PskRef::External(id) => Psk::External(ExternalPsk::new(id.clone())),
                PskRef::Resumption(epoch) => Psk::Resumption(ResumptionPsk::new(
                    ResumptionPskUsage::Application,
                    self.group
                        .as_ref()
                        .ok_or_else(|| Failure::Error("no group".into()))?
                        .group_id()
                        .clone(),
                    GroupEpoch::from(*epoch),
                )),
            };
            let id = PreSharedKeyId::new(self.suite, self.provider.rand(), kind).ctx("psk id")?;
            psks.push(Proposal::PreSharedKey(Box::new(PreSharedKeyProposal::new(
                id,
            ))));
        }
        let removes: Vec<_> = spec
            .removes
            .iter()
            .map(|&l| LeafNodeIndex::new(l))
            .collect();
        let provider = &self.provider;
        let signer = &self.signer;
        let group = self
            .group
            .as_mut()
            .ok_or_else(|| Failure::Error("no group".into()))?;
        let bundle = group
            .commit_builder()
            .propose_adds(adds)
            .propose_removals(removes)
            .add_proposals(psks)
            .force_self_update(true)
            .load_psks(provider.storage())
            .ctx("OpenMLS load PSKs")?
            .build(provider.rand(), provider.crypto(), signer, |_| true)
            .ctx("OpenMLS build commit")?
            .stage_commit(provider)
            .ctx("OpenMLS stage commit")?;
        let (commit, welcome, _) = bundle.into_messages();
        group
            .merge_pending_commit(provider)
            .ctx("OpenMLS merge own commit")?;
        let tree = if welcome.is_some() && !self.settings.tree_in_welcome {
            Some(
                group
                    .export_ratchet_tree()
                    .tls_serialize_detached()
                    .ctx("encode tree")?,
            )
        } else {
            None
        };
        Ok(CommitOut {
            commit: Self::serialize(&commit)?,
            welcome: welcome.as_ref().map(Self::serialize).transpose()?,
            tree,
        })
    }

    fn propose_update(&mut self) -> Outcome<Vec<u8>> {
        let provider = &self.provider;
        let signer = &self.signer;
        let group = self
            .group
            .as_mut()
            .ok_or_else(|| Failure::Error("no group".into()))?;
        let (msg, _) = group
            .propose_self_update(provider, signer, LeafNodeParameters::default())
            .ctx("OpenMLS propose update")?;
        Self::serialize(&msg)
    }

    fn propose_add(&mut self, key_package: &[u8]) -> Outcome<Vec<u8>> {
        let kp = self.decode_key_package(key_package)?;
        let provider = &self.provider;
        let signer = &self.signer;
        let group = self
            .group
            .as_mut()
            .ok_or_else(|| Failure::Error("no group".into()))?;
        let (msg, _) = group
            .propose_add_member(provider, signer, &kp)
            .ctx("OpenMLS propose add")?;
        Self::serialize(&msg)
    }

    fn propose_remove(&mut self, leaf: u32) -> Outcome<Vec<u8>> {
        let provider = &self.provider;
        let signer = &self.signer;
        let group = self
            .group
            .as_mut()
            .ok_or_else(|| Failure::Error("no group".into()))?;
        let (msg, _) = group
            .propose_remove_member(provider, signer, LeafNodeIndex::new(leaf))
            .ctx("OpenMLS propose remove")?;
        Self::serialize(&msg)
    }

    fn process(&mut self, message: &[u8]) -> Outcome<Received> {
        let message = MlsMessageIn::tls_deserialize_exact(message).ctx("decode message")?;
        let message = message
            .try_into_protocol_message()
            .ctx("not a protocol message")?;
        let provider = &self.provider;
        let group = self
            .group
            .as_mut()
            .ok_or_else(|| Failure::Error("no group".into()))?;
        let processed = group
            .process_message(provider, message)
            .ctx("OpenMLS process")?;
        match processed.into_content() {
            ProcessedMessageContent::ApplicationMessage(m) => {
                Ok(Received::Application(m.into_bytes()))
            }
            ProcessedMessageContent::ProposalMessage(p) => {
                group
                    .store_pending_proposal(provider.storage(), *p)
                    .ctx("store proposal")?;
                Ok(Received::Proposal)
            }
            ProcessedMessageContent::StagedCommitMessage(staged) => {
                let removed = staged.self_removed();
                group
                    .merge_staged_commit(provider, *staged)
                    .ctx("OpenMLS merge")?;
                Ok(Received::Commit { removed })
            }
            other => Err(Failure::Error(format!("OpenMLS: unexpected {other:?}"))),
        }
    }

    fn app_message(&mut self, data: &[u8]) -> Outcome<Vec<u8>> {
        let provider = &self.provider;
        let signer = &self.signer;
        let group = self
            .group
            .as_mut()
            .ok_or_else(|| Failure::Error("no group".into()))?;
        let msg = group
            .create_message(provider, signer, data)
            .ctx("OpenMLS encrypt")?;
        Self::serialize(&msg)
    }

    fn epoch(&self) -> u64 {
        self.group.as_ref().map_or(0, |g| g.epoch().as_u64())
    }

    fn epoch_authenticator(&self) -> Vec<u8> {
        self.group
            .as_ref()
            .map_or_else(Vec::new, |g| g.epoch_authenticator().as_slice().to_vec())
    }

    fn own_leaf(&self) -> u32 {
        self.group
            .as_ref()
            .map_or(u32::MAX, |g| g.own_leaf_index().u32())
    }

    fn add_external_psk(&mut self, id: &[u8], secret: &[u8]) -> Outcome<()> {
        PreSharedKeyId::external(id.to_vec(), Vec::new())
            .store(&self.provider, secret)
            .ctx("OpenMLS store PSK")
    }

    fn group_info(&mut self, with_tree: bool) -> Outcome<Vec<u8>> {
        let group = self
            .group
            .as_ref()
            .ok_or_else(|| Failure::Error("no group".into()))?;
        let m = group
            .export_group_info(self.provider.crypto(), &self.signer, with_tree)
            .ctx("OpenMLS GroupInfo")?;
        Self::serialize(&m)
    }

    fn ratchet_tree(&self) -> Outcome<Vec<u8>> {
        self.group
            .as_ref()
            .ok_or_else(|| Failure::Error("no group".into()))?
            .export_ratchet_tree()
            .tls_serialize_detached()
            .ctx("encode tree")
    }

    fn join_external(
        &mut self,
        group_info: &[u8],
        tree: Option<&[u8]>,
        resync: Option<u32>,
        psk: Option<&[u8]>,
    ) -> Outcome<Vec<u8>> {
        let psk_proposals = match psk {
            Some(id) => vec![PreSharedKeyProposal::new(
                PreSharedKeyId::new(
                    self.suite,
                    self.provider.rand(),
                    Psk::External(ExternalPsk::new(id.to_vec())),
                )
                .ctx("psk id")?,
            )],
            None => Vec::new(),
        };
        // OpenMLS removes, in an external commit, the member whose
        // signature key is the joiner's: a resync keeps the key, a rejoin
        // that leaves the old leaf needs a new one.
        match (resync, self.group.take()) {
            (Some(leaf), Some(old)) => ensure(old.own_leaf_index().u32() == leaf, || {
                format!(
                    "OpenMLS resyncs leaf {}, not {leaf}",
                    old.own_leaf_index().u32()
                )
            })?,
            (Some(_), None) => return Err(Failure::Error("resync without an old leaf".into())),
            (None, Some(_)) => {
                self.signer =
                    SignatureKeyPair::new(self.suite.signature_algorithm()).ctx("signature key")?;
                self.signer
                    .store(self.provider.storage())
                    .ctx("store signer")?;
                self.credential.signature_key = self.signer.public().into();
            }
            (None, None) => {}
        }
        let message = MlsMessageIn::tls_deserialize_exact(group_info).ctx("decode GroupInfo")?;
        let MlsMessageBodyIn::GroupInfo(group_info) = message.extract() else {
            return Err(Failure::Error("not a GroupInfo".into()));
        };
        let config = MlsGroupJoinConfig::builder()
            .use_ratchet_tree_extension(self.settings.tree_in_welcome)
            .wire_format_policy(self.wire_format_policy())
            .number_of_resumption_psks(RESUMPTION_PSKS)
            .build();
        let mut builder = MlsGroup::external_commit_builder().with_config(config);
        if let Some(bytes) = tree {
            builder = builder
                .with_ratchet_tree(RatchetTreeIn::tls_deserialize_exact(bytes).ctx("decode tree")?);
        }
        let provider = &self.provider;
        let (group, bundle) = builder
            .build_group(provider, group_info, self.credential.clone())
            .ctx("OpenMLS external commit builder")?
            .add_psk_proposals(psk_proposals)
            .load_psks(provider.storage())
            .ctx("OpenMLS load PSKs")?
            .build(provider.rand(), provider.crypto(), &self.signer, |_| true)
            .ctx("OpenMLS build external commit")?
            .finalize(provider)
            .ctx("OpenMLS finalize external commit")?;
        let (commit, _, _) = bundle.into_messages();
        self.group = Some(group);
        Self::serialize(&commit)
    }
}
