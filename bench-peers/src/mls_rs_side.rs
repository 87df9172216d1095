//! mls-rs 0.57 with its pure-Rust crypto provider
//! (`mls-rs-crypto-rustcrypto`), default rules: PublicMessage handshakes,
//! the ratchet tree in the Welcome, no path unless required.

use std::time::Instant;

use mls_rs::client_builder::{BaseConfig, WithCryptoProvider, WithIdentityProvider};
use mls_rs::identity::SigningIdentity;
use mls_rs::identity::basic::{BasicCredential, BasicIdentityProvider};
use mls_rs::{
    CipherSuite, CipherSuiteProvider, Client, CryptoProvider, ExtensionList, Group,
    GroupStateStorage, MlsMessage,
};
use mls_rs_crypto_rustcrypto::RustCryptoProvider;

use crate::{BuildReport, Side};

const SUITE: CipherSuite = CipherSuite::CURVE25519_AES128;

type Config =
    WithIdentityProvider<BasicIdentityProvider, WithCryptoProvider<RustCryptoProvider, BaseConfig>>;

fn client(name: &str) -> Client<Config> {
    let crypto = RustCryptoProvider::default();
    let cs = crypto
        .cipher_suite_provider(SUITE)
        .expect("suite 1 provider");
    let (secret, public) = cs.signature_key_generate().expect("signature key");
    let credential = BasicCredential::new(name.as_bytes().to_vec()).into_credential();
    Client::builder()
        .identity_provider(BasicIdentityProvider)
        .crypto_provider(crypto)
        .signing_identity(SigningIdentity::new(credential, public), secret, SUITE)
        .build()
}

fn key_package(client: &Client<Config>) -> MlsMessage {
    client
        .generate_key_package_message(ExtensionList::default(), ExtensionList::default(), None)
        .expect("key package")
}

/// mls-rs with a blank group of n.
pub struct MlsRs {
    committer: Group<Config>,
    receiver: Group<Config>,
    receiver_client: Client<Config>,
    joiner_client: Client<Config>,
    joiner_key_package: MlsMessage,
}

impl Side for MlsRs {
    type Receiver = Group<Config>;
    type Joiner = ();
    const NAME: &'static str = "mls-rs";

    fn build(n: u32) -> (Self, BuildReport) {
        let start = Instant::now();
        let clients: Vec<Client<Config>> = (0..n).map(|i| client(&format!("member {i}"))).collect();
        let key_packages: Vec<MlsMessage> = clients[1..].iter().map(key_package).collect();
        let key_packages_time = start.elapsed();
        let mut committer = clients[0]
            .create_group(ExtensionList::default(), ExtensionList::default(), None)
            .expect("create");
        let start = Instant::now();
        let mut builder = committer.commit_builder();
        for kp in key_packages {
            builder = builder.add_member(kp).expect("add");
        }
        let output = builder.build().expect("commit of n - 1 adds");
        committer.apply_pending_commit().expect("apply");
        let welcome = output.welcome_messages[0].to_bytes().expect("encode");
        let add_all_commit = start.elapsed();
        let receiver_client = clients.into_iter().last().expect("n >= 2");
        let start = Instant::now();
        let (mut receiver, _) = receiver_client
            .join_group(
                None,
                &MlsMessage::from_bytes(&welcome).expect("decode"),
                None,
            )
            .expect("join");
        let add_all_join = start.elapsed();
        assert_eq!(
            receiver
                .epoch_authenticator()
                .expect("authenticator")
                .to_vec(),
            committer
                .epoch_authenticator()
                .expect("authenticator")
                .to_vec()
        );
        receiver.write_to_storage().expect("store");
        let joiner_client = client("joiner");
        let joiner_key_package = key_package(&joiner_client);
        let report = BuildReport {
            key_packages: key_packages_time,
            add_all_commit,
            add_all_join,
            welcome_bytes: welcome.len(),
        };
        let side = Self {
            committer,
            receiver,
            receiver_client,
            joiner_client,
            joiner_key_package,
        };
        (side, report)
    }

    fn commit_create(&mut self) -> usize {
        let bytes = self.commit_for_receiver();
        bytes.len()
    }

    fn commit_for_receiver(&mut self) -> Vec<u8> {
        let output = self.committer.commit(Vec::new()).expect("commit");
        let bytes = output.commit_message.to_bytes().expect("encode");
        self.committer.clear_pending_commit();
        bytes
    }

    /// Untimed: a clone of the receiver's group.
    fn fresh_receiver(&self) -> Group<Config> {
        self.receiver.clone()
    }

    /// mls-rs applies a received commit in `process_incoming_message`.
    fn process_merge(&self, receiver: &mut Group<Config>, commit: &[u8]) {
        let message = MlsMessage::from_bytes(commit).expect("decode");
        receiver.process_incoming_message(message).expect("process");
    }

    fn add_one(&mut self) -> usize {
        let output = self
            .committer
            .commit_builder()
            .add_member(self.joiner_key_package.clone())
            .expect("add")
            .build()
            .expect("add one");
        let commit = output.commit_message.to_bytes().expect("encode");
        let welcome = output.welcome_messages[0].to_bytes().expect("encode");
        self.committer.clear_pending_commit();
        commit.len() + welcome.len()
    }

    fn welcome_for_joiner(&mut self) -> Vec<u8> {
        let output = self
            .committer
            .commit_builder()
            .add_member(self.joiner_key_package.clone())
            .expect("add")
            .build()
            .expect("add one");
        self.committer.clear_pending_commit();
        output.welcome_messages[0].to_bytes().expect("encode")
    }

    /// The joiner's KeyPackage stays in its client's repository until a
    /// joined group is written to storage, which the benchmark never does.
    fn fresh_joiner(&self) {}

    fn join(&self, (): (), welcome: &[u8]) -> usize {
        let welcome = MlsMessage::from_bytes(welcome).expect("decode");
        let (group, _) = self
            .joiner_client
            .join_group(None, &welcome, None)
            .expect("join");
        group.roster().members_iter().count()
    }

    fn app_round_trip(&mut self, data: &[u8]) {
        let message = self
            .committer
            .encrypt_application_message(data, Vec::new())
            .expect("protect")
            .to_bytes()
            .expect("encode");
        self.receiver
            .process_incoming_message(MlsMessage::from_bytes(&message).expect("decode"))
            .expect("unprotect");
    }

    /// The group state and the current epoch's record as written to the
    /// client's group-state storage.
    fn saved_state_len(&mut self) -> usize {
        self.receiver.write_to_storage().expect("store");
        let storage = self.receiver_client.group_state_storage();
        let id = self.receiver.group_id().to_vec();
        let state = storage.state(&id).expect("read").map_or(0, |s| s.len());
        let epoch = storage
            .max_epoch_id(&id)
            .expect("read")
            .and_then(|e| storage.epoch(&id, e).expect("read"))
            .map_or(0, |e| e.len());
        state + epoch
    }

    /// `load_group` from the client's group-state storage.
    fn restore(&self) -> usize {
        self.receiver_client
            .load_group(self.receiver.group_id())
            .expect("load")
            .roster()
            .members_iter()
            .count()
    }

    fn key_package(&mut self) -> usize {
        key_package(&client("new member"))
            .to_bytes()
            .expect("encode")
            .len()
    }

    fn members(&self) -> usize {
        self.committer.roster().members_iter().count()
    }
}
