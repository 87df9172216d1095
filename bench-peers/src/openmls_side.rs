//! OpenMLS 0.9 with its pure-Rust crypto provider
//! (`openmls_rust_crypto`): handshake messages as PublicMessage
//! (`PURE_PLAINTEXT_WIRE_FORMAT_POLICY`), the ratchet tree in the Welcome,
//! commits of Adds without a path (`force_self_update(false)`).
//!
//! KeyPackages reach the committer as decoded `KeyPackageIn` and are
//! validated (`KeyPackageIn::validate`: both signatures) inside the timed
//! commit, as rfc9420's `create_commit` and mls-rs's `add_member` validate
//! theirs.
//!
//! OpenMLS keeps a member's state in its provider's storage and writes it
//! on every operation; that writing is part of every timed operation, as
//! it is of the library's API.

use std::collections::HashMap;
use std::time::Instant;

use openmls::prelude::tls_codec::{DeserializeBytes, Serialize};
use openmls::prelude::*;
use openmls_basic_credential::SignatureKeyPair;
use openmls_rust_crypto::OpenMlsRustCrypto;

use crate::{BuildReport, Side};

const SUITE: Ciphersuite = Ciphersuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519;

/// A member: its provider (crypto and storage) and signature key.
struct Member {
    provider: OpenMlsRustCrypto,
    signer: SignatureKeyPair,
    credential: CredentialWithKey,
}

impl Member {
    fn new(name: &str) -> Self {
        let signer = SignatureKeyPair::new(SUITE.signature_algorithm()).expect("signature key");
        let credential = CredentialWithKey {
            credential: BasicCredential::new(name.as_bytes().to_vec()).into(),
            signature_key: signer.public().into(),
        };
        Self {
            provider: OpenMlsRustCrypto::default(),
            signer,
            credential,
        }
    }

    fn key_package(&self) -> KeyPackage {
        KeyPackage::builder()
            .build(SUITE, &self.provider, &self.signer, self.credential.clone())
            .expect("key package")
            .key_package()
            .clone()
    }
}

fn snapshot(provider: &OpenMlsRustCrypto) -> HashMap<Vec<u8>, Vec<u8>> {
    provider.storage().values.read().expect("lock").clone()
}

fn provider_with(values: &HashMap<Vec<u8>, Vec<u8>>) -> OpenMlsRustCrypto {
    let provider = OpenMlsRustCrypto::default();
    provider
        .storage()
        .values
        .write()
        .expect("lock")
        .extend(values.iter().map(|(k, v)| (k.clone(), v.clone())));
    provider
}

fn join_config() -> MlsGroupJoinConfig {
    MlsGroupJoinConfig::builder()
        .use_ratchet_tree_extension(true)
        .wire_format_policy(PURE_PLAINTEXT_WIRE_FORMAT_POLICY)
        .build()
}

/// The KeyPackage as a receiver holds it before validation.
fn key_package_in(key_package: &KeyPackage) -> KeyPackageIn {
    let bytes = key_package.tls_serialize_detached().expect("encode");
    KeyPackageIn::tls_deserialize_exact_bytes(&bytes).expect("decode")
}

fn validate(key_package: KeyPackageIn, provider: &OpenMlsRustCrypto) -> KeyPackage {
    key_package
        .validate(provider.crypto(), ProtocolVersion::Mls10)
        .expect("valid KeyPackage")
}

fn decode(bytes: &[u8]) -> MlsMessageIn {
    MlsMessageIn::tls_deserialize_exact_bytes(bytes).expect("decode")
}

fn join_from(provider: &OpenMlsRustCrypto, welcome: &[u8]) -> MlsGroup {
    let MlsMessageBodyIn::Welcome(welcome) = decode(welcome).extract() else {
        panic!("expected a Welcome");
    };
    StagedWelcome::new_from_welcome(provider, &join_config(), welcome, None)
        .expect("welcome")
        .into_group(provider)
        .expect("join")
}

/// OpenMLS with a blank group of n.
pub struct OpenMls {
    committer: Member,
    committer_group: MlsGroup,
    receiver: Member,
    receiver_group: MlsGroup,
    /// The receiver's storage right after its join.
    receiver_storage: HashMap<Vec<u8>, Vec<u8>>,
    /// The joiner's storage, holding its KeyPackage.
    joiner_storage: HashMap<Vec<u8>, Vec<u8>>,
    joiner_key_package: KeyPackageIn,
    scratch: Member,
}

impl OpenMls {
    fn add_one_bundle(&mut self) -> CommitMessageBundle {
        let provider = &self.committer.provider;
        self.committer_group
            .commit_builder()
            .propose_adds([validate(self.joiner_key_package.clone(), provider)])
            .force_self_update(false)
            .load_psks(provider.storage())
            .expect("psks")
            .build(
                provider.rand(),
                provider.crypto(),
                &self.committer.signer,
                |_| true,
            )
            .expect("add one")
            .stage_commit(provider)
            .expect("stage")
    }
}

impl Side for OpenMls {
    type Receiver = (OpenMlsRustCrypto, MlsGroup);
    type Joiner = OpenMlsRustCrypto;
    const NAME: &'static str = "openmls";

    fn build(n: u32) -> (Self, BuildReport) {
        let start = Instant::now();
        let members: Vec<Member> = (0..n)
            .map(|i| Member::new(&format!("member {i}")))
            .collect();
        let key_packages: Vec<KeyPackage> = members[1..].iter().map(Member::key_package).collect();
        let key_packages_time = start.elapsed();
        let key_packages: Vec<KeyPackageIn> = key_packages.iter().map(key_package_in).collect();
        let mut members = members.into_iter();
        let committer = members.next().expect("n >= 1");
        let receiver = members.last().expect("n >= 2");
        let config = MlsGroupCreateConfig::builder()
            .ciphersuite(SUITE)
            .use_ratchet_tree_extension(true)
            .wire_format_policy(PURE_PLAINTEXT_WIRE_FORMAT_POLICY)
            .build();
        let mut committer_group = MlsGroup::new(
            &committer.provider,
            &committer.signer,
            &config,
            committer.credential.clone(),
        )
        .expect("create");
        let start = Instant::now();
        let provider = &committer.provider;
        let key_packages: Vec<KeyPackage> = key_packages
            .into_iter()
            .map(|kp| validate(kp, provider))
            .collect();
        let bundle = committer_group
            .commit_builder()
            .propose_adds(key_packages)
            .force_self_update(false)
            .load_psks(provider.storage())
            .expect("psks")
            .build(
                provider.rand(),
                provider.crypto(),
                &committer.signer,
                |_| true,
            )
            .expect("commit of n - 1 adds")
            .stage_commit(provider)
            .expect("stage");
        let (_, welcome, _) = bundle.into_messages();
        let welcome = welcome
            .expect("welcome")
            .tls_serialize_detached()
            .expect("encode");
        committer_group
            .merge_pending_commit(provider)
            .expect("merge");
        let add_all_commit = start.elapsed();
        let start = Instant::now();
        let receiver_group = join_from(&receiver.provider, &welcome);
        let add_all_join = start.elapsed();
        assert_eq!(
            receiver_group.epoch_authenticator().as_slice(),
            committer_group.epoch_authenticator().as_slice()
        );
        let receiver_storage = snapshot(&receiver.provider);
        let joiner = Member::new("joiner");
        let joiner_key_package = key_package_in(&joiner.key_package());
        let joiner_storage = snapshot(&joiner.provider);
        let report = BuildReport {
            key_packages: key_packages_time,
            add_all_commit,
            add_all_join,
            welcome_bytes: welcome.len(),
        };
        let side = Self {
            committer,
            committer_group,
            receiver,
            receiver_group,
            receiver_storage,
            joiner_storage,
            joiner_key_package,
            scratch: Member::new("scratch"),
        };
        (side, report)
    }

    fn commit_create(&mut self) -> usize {
        self.commit_for_receiver().len()
    }

    fn commit_for_receiver(&mut self) -> Vec<u8> {
        let provider = &self.committer.provider;
        let bundle = self
            .committer_group
            .self_update(
                provider,
                &self.committer.signer,
                LeafNodeParameters::default(),
            )
            .expect("commit");
        let bytes = bundle.commit().tls_serialize_detached().expect("encode");
        self.committer_group
            .clear_pending_commit(provider.storage())
            .expect("clear");
        bytes
    }

    /// Untimed: a provider holding a copy of the receiver's storage right
    /// after its join, and the group loaded from it.
    fn fresh_receiver(&self) -> (OpenMlsRustCrypto, MlsGroup) {
        let provider = provider_with(&self.receiver_storage);
        let group = MlsGroup::load(provider.storage(), self.receiver_group.group_id())
            .expect("load")
            .expect("stored group");
        (provider, group)
    }

    fn process_merge(&self, (provider, group): &mut (OpenMlsRustCrypto, MlsGroup), commit: &[u8]) {
        let message = decode(commit)
            .try_into_protocol_message()
            .expect("protocol message");
        let processed = group.process_message(provider, message).expect("process");
        match processed.into_content() {
            ProcessedMessageContent::StagedCommitMessage(staged) => {
                group.merge_staged_commit(provider, *staged).expect("merge")
            }
            _ => panic!("expected a commit"),
        }
    }

    fn add_one(&mut self) -> usize {
        let bundle = self.add_one_bundle();
        let commit = bundle.commit().tls_serialize_detached().expect("encode");
        let (_, welcome, _) = bundle.into_messages();
        let welcome = welcome
            .expect("welcome")
            .tls_serialize_detached()
            .expect("encode");
        self.committer_group
            .clear_pending_commit(self.committer.provider.storage())
            .expect("clear");
        commit.len() + welcome.len()
    }

    fn welcome_for_joiner(&mut self) -> Vec<u8> {
        let bundle = self.add_one_bundle();
        let (_, welcome, _) = bundle.into_messages();
        self.committer_group
            .clear_pending_commit(self.committer.provider.storage())
            .expect("clear");
        welcome
            .expect("welcome")
            .tls_serialize_detached()
            .expect("encode")
    }

    /// Untimed: a provider holding a copy of the joiner's storage (its
    /// KeyPackage, which a join consumes from that copy).
    fn fresh_joiner(&self) -> OpenMlsRustCrypto {
        provider_with(&self.joiner_storage)
    }

    fn join(&self, provider: OpenMlsRustCrypto, welcome: &[u8]) -> usize {
        join_from(&provider, welcome).members().count()
    }

    fn app_round_trip(&mut self, data: &[u8]) {
        let message = self
            .committer_group
            .create_message(&self.committer.provider, &self.committer.signer, data)
            .expect("protect")
            .tls_serialize_detached()
            .expect("encode");
        let message = decode(&message)
            .try_into_protocol_message()
            .expect("protocol message");
        let processed = self
            .receiver_group
            .process_message(&self.receiver.provider, message)
            .expect("unprotect");
        assert!(matches!(
            processed.into_content(),
            ProcessedMessageContent::ApplicationMessage(_)
        ));
    }

    /// Every key and value in the receiver's storage (OpenMLS's memory
    /// storage serializes values as JSON).
    fn saved_state_len(&mut self) -> usize {
        self.receiver
            .provider
            .storage()
            .values
            .read()
            .expect("lock")
            .iter()
            .map(|(k, v)| k.len() + v.len())
            .sum()
    }

    /// `MlsGroup::load` from the receiver's storage.
    fn restore(&self) -> usize {
        MlsGroup::load(
            self.receiver.provider.storage(),
            self.receiver_group.group_id(),
        )
        .expect("load")
        .expect("stored group")
        .members()
        .count()
    }

    fn key_package(&mut self) -> usize {
        let signer = SignatureKeyPair::new(SUITE.signature_algorithm()).expect("signature key");
        let credential = CredentialWithKey {
            credential: BasicCredential::new(b"new member".to_vec()).into(),
            signature_key: signer.public().into(),
        };
        KeyPackage::builder()
            .build(SUITE, &self.scratch.provider, &signer, credential)
            .expect("key package")
            .key_package()
            .tls_serialize_detached()
            .expect("encode")
            .len()
    }

    fn members(&self) -> usize {
        self.committer_group.members().count()
    }
}
