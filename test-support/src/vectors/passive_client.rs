//! `passive-client-*.json`: a client joins from a Welcome and follows the
//! group through its epochs, checking each epoch authenticator
//! (RFC 9420 §12.4.3.1, §12.4.2, §8.7), using only the public API.
//!
//! The vectors' leaves have lifetimes that ended in 2024, and some have
//! the unbounded lifetime `0..=2^64-1`; the replay uses a receive lifetime
//! policy that checks neither the current time nor the range (RFC 9420
//! §7.3 only recommends the former, and leaves the latter's bound to the
//! application), which the runner prints with its results. Every other
//! check of the library is on.

use rfc9420::codec::decode_exact;
use rfc9420::crypto::{CipherSuite, CryptoProvider, Secret};
use rfc9420::framing::{MlsMessage, MlsMessageBody};
use rfc9420::group::{
    Group, GroupConfig, JoinOptions, KeyPackageBundle, Processed, PskStore, WireFormatPolicy,
};
use rfc9420::messages::RatchetTreeExtension;
use rfc9420::tree::validate::{LifetimePolicy, Timestamp};
use serde::Deserialize;

use super::Outcome;
use super::common::{Hex, check_eq, outcome, parse};

/// How the replay treats lifetimes; printed by the runner.
pub const LIFETIME_NOTE: &str = "passive-client replays accept any leaf lifetime on receipt: \
     the vectors' leaves expired in 2024 and some have the range 0..=2^64-1";

#[derive(Deserialize)]
struct ExternalPsk {
    psk_id: Hex,
    psk: Hex,
}

/// One epoch of a vector: the proposals and commit that lead to it.
#[derive(Deserialize)]
pub struct Epoch {
    /// Proposals by reference, as MlsMessages.
    pub proposals: Vec<Hex>,
    /// The commit, as an MlsMessage.
    pub commit: Hex,
    /// The epoch authenticator after the commit.
    pub epoch_authenticator: Hex,
}

/// One passive-client vector.
#[derive(Deserialize)]
pub struct Vector {
    /// The group's cipher suite.
    pub cipher_suite: u16,
    external_psks: Vec<ExternalPsk>,
    key_package: Hex,
    signature_priv: Hex,
    encryption_priv: Hex,
    init_priv: Hex,
    welcome: Hex,
    ratchet_tree: Option<Hex>,
    initial_epoch_authenticator: Hex,
    /// The epochs after joining.
    pub epochs: Vec<Epoch>,
}

/// Checks one vector.
pub fn check(v: &serde_json::Value) -> Outcome {
    outcome(parse::<Vector>(v).and_then(|v| run(&v)))
}

/// The configuration of the replay: both handshake wire formats, the
/// lenient receive lifetime policy.
pub fn config() -> GroupConfig {
    let mut config = GroupConfig {
        wire_format: WireFormatPolicy::MIXED_PUBLIC,
        ..GroupConfig::default()
    };
    config.lifetime.receive = LifetimePolicy {
        max_range: None,
        require_current: false,
    };
    config
}

/// The passive client joined from the vector's Welcome, checked against
/// the initial epoch authenticator, and the time to process with.
pub fn join(v: &Vector) -> Result<(Group, Timestamp), String> {
    let provider = super::common::PROVIDER;
    let suite = CipherSuite(v.cipher_suite);
    let crypto = super::common::suite(v.cipher_suite)?;
    let key_package = match decode_exact::<MlsMessage>(&v.key_package)
        .map_err(|e| format!("key_package: {e}"))?
        .body
    {
        MlsMessageBody::KeyPackage(kp) => kp,
        other => return Err(format!("key_package is a {:?}", other.wire_format())),
    };
    let import = |what: &str, bytes: &[u8]| {
        provider
            .import_hpke_private_key(suite, bytes)
            .map_err(|e| format!("{what}: {e}"))
    };
    let init_private = import("init_priv", &v.init_priv)?;
    let encryption_private = import("encryption_priv", &v.encryption_priv)?;
    let signature_private = provider
        .import_signature_private_key(suite, &v.signature_priv)
        .map_err(|e| format!("signature_priv: {e}"))?;
    // Checks that each private key belongs to the KeyPackage's public key.
    let bundle = KeyPackageBundle::from_parts(
        &crypto,
        key_package,
        init_private,
        encryption_private,
        signature_private,
    )
    .map_err(|e| format!("key pairs: {e}"))?;

    let mut psks = PskStore::new();
    for p in &v.external_psks {
        psks.insert(p.psk_id.0.clone(), Secret::from_slice(&p.psk));
    }
    let ratchet_tree = match &v.ratchet_tree {
        Some(bytes) => Some(
            decode_exact::<RatchetTreeExtension>(bytes)
                .map_err(|e| format!("ratchet_tree: {e}"))?
                .0,
        ),
        None => None,
    };
    let options = JoinOptions {
        ratchet_tree,
        psks,
        ..JoinOptions::default()
    };
    // Any time works under the lenient policy; this one is in 2026.
    let now = Timestamp(1_790_000_000);
    let group = Group::join(provider, config(), &v.welcome, &bundle, options, now)
        .map_err(|e| format!("join: {e}"))?;
    check_eq(
        "initial epoch_authenticator",
        group.epoch_authenticator().as_bytes(),
        &v.initial_epoch_authenticator,
    )?;
    Ok((group, now))
}

fn run(v: &Vector) -> Result<(), String> {
    let (mut group, now) = join(v)?;
    for (i, epoch) in v.epochs.iter().enumerate() {
        for (j, proposal) in epoch.proposals.iter().enumerate() {
            match group.process_message(proposal, now) {
                Ok(Processed::Proposal(_)) => {}
                Ok(other) => return Err(format!("epoch {i} proposal {j}: got {other:?}")),
                Err(e) => return Err(format!("epoch {i} proposal {j}: {e}")),
            }
        }
        let staged = match group.process_message(&epoch.commit, now) {
            Ok(Processed::Commit(staged)) => staged,
            Ok(other) => return Err(format!("epoch {i} commit: got {other:?}")),
            Err(e) => return Err(format!("epoch {i} commit: {e}")),
        };
        group
            .merge_staged_commit(*staged)
            .map_err(|e| format!("epoch {i} merge: {e}"))?;
        check_eq(
            &format!("epoch {i} epoch_authenticator"),
            group.epoch_authenticator().as_bytes(),
            &epoch.epoch_authenticator,
        )?;
    }
    Ok(())
}
