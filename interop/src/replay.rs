//! Replays passive-client vectors (the official JSON format) through each
//! library: import the passive client's KeyPackage and private keys, join
//! from the Welcome (with the out-of-band tree and external PSKs if
//! given), process every proposal and commit, compare every epoch
//! authenticator.
//!
//! Neither peer has a public API to import a KeyPackage's private keys:
//! OpenMLS gets its `KeyPackageBundle` through the bundle's serde form (the
//! form its storage provider writes), mls-rs gets a `KeyPackageData` in an
//! in-memory KeyPackage repository.

use serde_json::Value;

use crate::{Context, Failure, Library, Outcome, ensure};

/// One passive-client vector.
#[derive(Debug, Clone)]
pub struct PassiveVector {
    /// The suite.
    pub cipher_suite: u16,
    /// `(psk_id, psk)` pairs.
    pub external_psks: Vec<(Vec<u8>, Vec<u8>)>,
    /// The KeyPackage as an MLSMessage.
    pub key_package: Vec<u8>,
    /// The signature private key.
    pub signature_priv: Vec<u8>,
    /// The leaf's HPKE private key.
    pub encryption_priv: Vec<u8>,
    /// The init key's HPKE private key.
    pub init_priv: Vec<u8>,
    /// The Welcome as an MLSMessage.
    pub welcome: Vec<u8>,
    /// The out-of-band tree, if the Welcome does not carry it.
    pub ratchet_tree: Option<Vec<u8>>,
    /// The epoch authenticator after joining.
    pub initial_epoch_authenticator: Vec<u8>,
    /// The epochs after the join.
    pub epochs: Vec<Epoch>,
}

/// One epoch of a passive-client vector.
#[derive(Debug, Clone)]
pub struct Epoch {
    /// Proposals by reference (MLSMessages), processed before the commit.
    pub proposals: Vec<Vec<u8>>,
    /// The commit (MLSMessage).
    pub commit: Vec<u8>,
    /// The epoch authenticator after the commit.
    pub epoch_authenticator: Vec<u8>,
}

fn field_hex(v: &Value, name: &str) -> Outcome<Vec<u8>> {
    let s = v
        .get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| Failure::Error(format!("vector lacks {name}")))?;
    hex::decode(s).ctx(name)
}

impl PassiveVector {
    /// Parses one vector.
    pub fn parse(v: &Value) -> Outcome<Self> {
        let cipher_suite = v
            .get("cipher_suite")
            .and_then(Value::as_u64)
            .and_then(|s| u16::try_from(s).ok())
            .ok_or_else(|| Failure::Error("cipher_suite".into()))?;
        let mut external_psks = Vec::new();
        for p in v
            .get("external_psks")
            .and_then(Value::as_array)
            .ok_or_else(|| Failure::Error("external_psks".into()))?
        {
            external_psks.push((field_hex(p, "psk_id")?, field_hex(p, "psk")?));
        }
        let ratchet_tree = match v.get("ratchet_tree") {
            None | Some(Value::Null) => None,
            Some(_) => Some(field_hex(v, "ratchet_tree")?),
        };
        let mut epochs = Vec::new();
        for e in v
            .get("epochs")
            .and_then(Value::as_array)
            .ok_or_else(|| Failure::Error("epochs".into()))?
        {
            let mut proposals = Vec::new();
            for p in e
                .get("proposals")
                .and_then(Value::as_array)
                .ok_or_else(|| Failure::Error("proposals".into()))?
            {
                let s = p
                    .as_str()
                    .ok_or_else(|| Failure::Error("proposal".into()))?;
                proposals.push(hex::decode(s).ctx("proposal")?);
            }
            epochs.push(Epoch {
                proposals,
                commit: field_hex(e, "commit")?,
                epoch_authenticator: field_hex(e, "epoch_authenticator")?,
            });
        }
        Ok(Self {
            cipher_suite,
            external_psks,
            key_package: field_hex(v, "key_package")?,
            signature_priv: field_hex(v, "signature_priv")?,
            encryption_priv: field_hex(v, "encryption_priv")?,
            init_priv: field_hex(v, "init_priv")?,
            welcome: field_hex(v, "welcome")?,
            ratchet_tree,
            initial_epoch_authenticator: field_hex(v, "initial_epoch_authenticator")?,
            epochs,
        })
    }

    /// Replays the vector through `library`; returns the number of epochs
    /// checked after the join.
    pub fn replay(&self, library: Library) -> Outcome<usize> {
        if !library.suites().contains(&self.cipher_suite) {
            return Err(Failure::Unsupported(format!(
                "{library}: no pure-Rust provider for suite {}",
                self.cipher_suite
            )));
        }
        let mut member: Box<dyn Follower> = match library {
            Library::Ours => Box::new(ours::join(self)?),
            Library::OpenMls => Box::new(openmls::join(self)?),
            Library::MlsRs => mlsrs::join(self)?,
        };
        ensure(
            member.epoch_authenticator() == self.initial_epoch_authenticator,
            || "initial epoch authenticator differs".into(),
        )?;
        for (i, epoch) in self.epochs.iter().enumerate() {
            for (j, p) in epoch.proposals.iter().enumerate() {
                member
                    .process(p, false)
                    .map_err(|e| crate::prefix(&format!("epoch {i} proposal {j}"), e))?;
            }
            member
                .process(&epoch.commit, true)
                .map_err(|e| crate::prefix(&format!("epoch {i} commit"), e))?;
            ensure(
                member.epoch_authenticator() == epoch.epoch_authenticator,
                || format!("epoch {i}: epoch authenticator differs"),
            )?;
        }
        Ok(self.epochs.len())
    }
}

/// A passive client of some library.
trait Follower {
    /// Processes a proposal (stored) or a commit (merged).
    fn process(&mut self, message: &[u8], commit: bool) -> Outcome<()>;
    fn epoch_authenticator(&self) -> Vec<u8>;
}

mod ours {
    use rfc9420::codec::decode_exact;
    use rfc9420::crypto::{CryptoProvider, Secret};
    use rfc9420::group::{PskStore, WireFormatPolicy};
    use rfc9420::tree::validate::LifetimePolicy;
    use rfc9420::{
        CipherSuite, Group, GroupConfig, JoinOptions, KeyPackageBundle, MlsMessage, Processed,
        RustCryptoProvider, SuiteCrypto, Timestamp,
    };

    use super::{Follower, PassiveVector};
    use crate::{Context, Failure, Outcome, now_seconds};

    pub struct Ours(Group);

    pub fn join(v: &PassiveVector) -> Outcome<Ours> {
        let suite = CipherSuite(v.cipher_suite);
        let crypto = SuiteCrypto::new(&RustCryptoProvider, suite).ctx("suite")?;
        let message: MlsMessage = decode_exact(&v.key_package).ctx("key_package")?;
        let rfc9420::framing::MlsMessageBody::KeyPackage(kp) = message.body else {
            return Err(Failure::Error("key_package is not a KeyPackage".into()));
        };
        let p = RustCryptoProvider;
        let bundle = KeyPackageBundle::from_parts(
            &crypto,
            kp,
            p.import_hpke_private_key(suite, &v.init_priv)
                .ctx("init_priv")?,
            p.import_hpke_private_key(suite, &v.encryption_priv)
                .ctx("encryption_priv")?,
            p.import_signature_private_key(suite, &v.signature_priv)
                .ctx("signature_priv")?,
        )
        .ctx("key pairs")?;
        let mut psks = PskStore::new();
        for (id, psk) in &v.external_psks {
            psks.insert(id.clone(), Secret::from_slice(psk));
        }
        let mut options = match &v.ratchet_tree {
            Some(t) => JoinOptions::with_tree_bytes(t).ctx("ratchet_tree")?,
            None => JoinOptions::default(),
        };
        options.psks = psks;
        let mut config = GroupConfig {
            wire_format: WireFormatPolicy::MIXED_PUBLIC,
            ..GroupConfig::default()
        };
        // Generated vectors are fresh, but the official ones expired.
        config.lifetime.receive = LifetimePolicy {
            max_range: None,
            require_current: false,
        };
        let g = Group::join(
            RustCryptoProvider,
            config,
            &v.welcome,
            &bundle,
            options,
            Timestamp(now_seconds()),
        )
        .ctx("join")?;
        Ok(Ours(g))
    }

    impl Follower for Ours {
        fn process(&mut self, message: &[u8], commit: bool) -> Outcome<()> {
            match (
                self.0
                    .process_message(message, Timestamp(now_seconds()))
                    .ctx("process")?,
                commit,
            ) {
                (Processed::Proposal(_), false) => Ok(()),
                (Processed::Commit(staged), true) => {
                    self.0.merge_staged_commit(*staged).ctx("merge")
                }
                (other, _) => Err(Failure::Error(format!("unexpected {other:?}"))),
            }
        }

        fn epoch_authenticator(&self) -> Vec<u8> {
            self.0.epoch_authenticator().as_bytes().to_vec()
        }
    }
}

mod openmls {
    use openmls::prelude::tls_codec::Deserialize as _;
    use openmls::prelude::*;
    use openmls::schedule::PreSharedKeyId;
    use openmls_rust_crypto::OpenMlsRustCrypto;
    use openmls_traits::storage::StorageProvider as _;
    use openmls_traits::types::HpkePrivateKey;

    use super::{Follower, PassiveVector};
    use crate::{Context, Failure, Outcome};

    pub struct OpenMls {
        provider: OpenMlsRustCrypto,
        group: MlsGroup,
    }

    pub fn join(v: &PassiveVector) -> Outcome<OpenMls> {
        let provider = OpenMlsRustCrypto::default();
        let message = MlsMessageIn::tls_deserialize_exact(&v.key_package).ctx("key_package")?;
        let MlsMessageBodyIn::KeyPackage(kp) = message.extract() else {
            return Err(Failure::Error("key_package is not a KeyPackage".into()));
        };
        let kp = kp
            .validate(provider.crypto(), ProtocolVersion::Mls10)
            .ctx("OpenMLS validates the KeyPackage")?;
        // The bundle in the serde form OpenMLS's storage uses.
        let bundle = serde_json::json!({
            "key_package": serde_json::to_value(&kp).ctx("KeyPackage to serde")?,
            "private_init_key": serde_json::to_value(HpkePrivateKey::from(v.init_priv.clone()))
                .ctx("init key to serde")?,
            "private_encryption_key": {
                "key": serde_json::to_value(HpkePrivateKey::from(v.encryption_priv.clone()))
                    .ctx("encryption key to serde")?,
            },
        });
        let bundle: KeyPackageBundle = serde_json::from_value(bundle).ctx("KeyPackageBundle")?;
        let hash_ref = kp.hash_ref(provider.crypto()).ctx("KeyPackageRef")?;
        provider
            .storage()
            .write_key_package(&hash_ref, &bundle)
            .ctx("store KeyPackageBundle")?;
        for (id, psk) in &v.external_psks {
            PreSharedKeyId::external(id.clone(), Vec::new())
                .store(&provider, psk)
                .ctx("store PSK")?;
        }
        let message = MlsMessageIn::tls_deserialize_exact(&v.welcome).ctx("welcome")?;
        let MlsMessageBodyIn::Welcome(welcome) = message.extract() else {
            return Err(Failure::Error("welcome is not a Welcome".into()));
        };
        let tree = match &v.ratchet_tree {
            Some(t) => Some(RatchetTreeIn::tls_deserialize_exact(t).ctx("ratchet_tree")?),
            None => None,
        };
        let config = MlsGroupJoinConfig::builder()
            .wire_format_policy(MIXED_PLAINTEXT_WIRE_FORMAT_POLICY)
            .number_of_resumption_psks(16)
            .build();
        let group = StagedWelcome::new_from_welcome(&provider, &config, welcome, tree)
            .ctx("OpenMLS stage Welcome")?
            .into_group(&provider)
            .ctx("OpenMLS join")?;
        Ok(OpenMls { provider, group })
    }

    impl Follower for OpenMls {
        fn process(&mut self, message: &[u8], commit: bool) -> Outcome<()> {
            let message = MlsMessageIn::tls_deserialize_exact(message).ctx("decode")?;
            let message = message
                .try_into_protocol_message()
                .ctx("protocol message")?;
            let processed = self
                .group
                .process_message(&self.provider, message)
                .ctx("OpenMLS process")?;
            match (processed.into_content(), commit) {
                (ProcessedMessageContent::ProposalMessage(p), false) => self
                    .group
                    .store_pending_proposal(self.provider.storage(), *p)
                    .ctx("store proposal"),
                (ProcessedMessageContent::StagedCommitMessage(s), true) => self
                    .group
                    .merge_staged_commit(&self.provider, *s)
                    .ctx("OpenMLS merge"),
                (other, _) => Err(Failure::Error(format!("OpenMLS: unexpected {other:?}"))),
            }
        }

        fn epoch_authenticator(&self) -> Vec<u8> {
            self.group.epoch_authenticator().as_slice().to_vec()
        }
    }
}

mod mlsrs {
    use mls_rs::client_builder::MlsConfig;
    use mls_rs::crypto::{HpkeSecretKey, SignatureSecretKey};
    use mls_rs::group::ReceivedMessage;
    use mls_rs::identity::basic::BasicIdentityProvider;
    use mls_rs::mls_rs_codec::MlsEncode;
    use mls_rs::psk::{ExternalPskId, PreSharedKey};
    use mls_rs::storage_provider::KeyPackageData;
    use mls_rs::storage_provider::in_memory::{
        InMemoryKeyPackageStorage, InMemoryPreSharedKeyStorage,
    };
    use mls_rs::{CipherSuite, Client, CryptoProvider, MlsMessage};
    use mls_rs_crypto_rustcrypto::RustCryptoProvider;

    use super::{Follower, PassiveVector};
    use crate::{Context, Failure, Outcome};

    pub struct MlsRs<C: MlsConfig>(mls_rs::Group<C>);

    pub fn join(v: &PassiveVector) -> Outcome<Box<dyn Follower>> {
        let suite = CipherSuite::new(v.cipher_suite);
        let crypto = RustCryptoProvider::default();
        let cs = crypto
            .cipher_suite_provider(suite)
            .ok_or_else(|| Failure::Error("mls-rs suite".into()))?;
        let kp = MlsMessage::from_bytes(&v.key_package)
            .ctx("key_package")?
            .into_key_package()
            .ok_or_else(|| Failure::Error("key_package is not a KeyPackage".into()))?;
        let reference = kp.to_reference(&cs).ctx("KeyPackageRef")?;
        let repo = InMemoryKeyPackageStorage::new();
        repo.insert(
            reference.to_vec(),
            KeyPackageData::new(
                kp.mls_encode_to_vec().ctx("encode KeyPackage")?,
                HpkeSecretKey::from(v.init_priv.clone()),
                HpkeSecretKey::from(v.encryption_priv.clone()),
                u64::MAX,
            ),
        );
        let mut psks = InMemoryPreSharedKeyStorage::default();
        for (id, psk) in &v.external_psks {
            psks.insert(
                ExternalPskId::new(id.clone()),
                PreSharedKey::new(psk.clone()),
            );
        }
        let client = Client::builder()
            .key_package_repo(repo)
            .psk_store(psks)
            .identity_provider(BasicIdentityProvider)
            .crypto_provider(crypto)
            .signing_identity(
                kp.signing_identity().clone(),
                SignatureSecretKey::from(v.signature_priv.clone()),
                suite,
            )
            .build();
        let tree = match &v.ratchet_tree {
            Some(t) => Some(mls_rs::group::ExportedTree::from_bytes(t).ctx("ratchet_tree")?),
            None => None,
        };
        let welcome = MlsMessage::from_bytes(&v.welcome).ctx("welcome")?;
        let (group, _) = client.join_group(tree, &welcome, None).ctx("mls-rs join")?;
        Ok(Box::new(MlsRs(group)))
    }

    impl<C: MlsConfig> Follower for MlsRs<C> {
        fn process(&mut self, message: &[u8], commit: bool) -> Outcome<()> {
            let message = MlsMessage::from_bytes(message).ctx("decode")?;
            let processed = match self.0.process_incoming_message(message) {
                Ok(p) => p,
                // A rejoin that keeps the old leaf gives the same identity
                // two leaves, which mls-rs refuses.
                Err(e @ mls_rs::error::MlsError::DuplicateLeafData(_)) if commit => {
                    return Err(Failure::Unsupported(format!(
                        "{} ({e:?} at a commit)",
                        crate::mlsrs::MLSRS_SAME_IDENTITY
                    )));
                }
                Err(e) => return Err(Failure::Error(format!("mls-rs process: {e:?}"))),
            };
            match (processed, commit) {
                (ReceivedMessage::Proposal(_), false) | (ReceivedMessage::Commit(_), true) => {
                    Ok(())
                }
                (other, _) => Err(Failure::Error(format!("mls-rs: unexpected {other:?}"))),
            }
        }

        fn epoch_authenticator(&self) -> Vec<u8> {
            self.0
                .epoch_authenticator()
                .map(|s| s.as_ref().to_vec())
                .unwrap_or_default()
        }
    }
}
