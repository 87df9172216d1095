//! `key-schedule.json`: a chain of epochs from an initial init secret
//! (RFC 9420 §8): the GroupContext encoding (§8.1), every epoch secret,
//! `external_pub` (§8) and one exported secret per epoch (§8.5).

use rfc9420::codec::Encode;
use rfc9420::crypto::{CipherSuite, Secret};
use rfc9420::key_schedule::{EpochKeys, GroupContext};
use rfc9420::messages::{Extensions, ProtocolVersion};
use serde::Deserialize;

use super::Outcome;
use super::common::{Hex, check_eq, outcome, parse};

#[derive(Deserialize)]
struct Vector {
    cipher_suite: u16,
    group_id: Hex,
    initial_init_secret: Hex,
    epochs: Vec<Epoch>,
}

#[derive(Deserialize)]
struct Epoch {
    tree_hash: Hex,
    commit_secret: Hex,
    psk_secret: Hex,
    confirmed_transcript_hash: Hex,
    group_context: Hex,
    joiner_secret: Hex,
    welcome_secret: Hex,
    init_secret: Hex,
    sender_data_secret: Hex,
    encryption_secret: Hex,
    exporter_secret: Hex,
    epoch_authenticator: Hex,
    external_secret: Hex,
    confirmation_key: Hex,
    membership_key: Hex,
    resumption_psk: Hex,
    external_pub: Hex,
    exporter: Exporter,
}

/// The exporter label is a string (test-vectors.md: `"label": /* string */`):
/// the generator's labels look like hex but are used as the text itself.
#[derive(Deserialize)]
struct Exporter {
    label: String,
    context: Hex,
    length: u32,
    secret: Hex,
}

/// Checks one vector.
pub fn check(v: &serde_json::Value) -> Outcome {
    outcome(parse::<Vector>(v).and_then(|v| run(&v)))
}

fn run(v: &Vector) -> Result<(), String> {
    let cipher_suite = CipherSuite(v.cipher_suite);
    let suite = super::common::suite(v.cipher_suite)?;
    let mut init_secret = Secret::from_slice(&v.initial_init_secret);
    for (n, e) in (0u64..).zip(&v.epochs) {
        let context = GroupContext {
            version: ProtocolVersion::MLS10,
            cipher_suite,
            group_id: v.group_id.to_vec(),
            epoch: n,
            tree_hash: e.tree_hash.to_vec(),
            confirmed_transcript_hash: e.confirmed_transcript_hash.to_vec(),
            extensions: Extensions::default(),
        };
        let encoded = context
            .to_bytes()
            .map_err(|err| format!("epoch {n}: group context: {err}"))?;
        let what = |name: &str| format!("epoch {n}: {name}");
        check_eq(&what("group_context"), &encoded, &e.group_context)?;

        let keys = EpochKeys::derive(
            &suite,
            &init_secret,
            &Secret::from_slice(&e.commit_secret),
            &Secret::from_slice(&e.psk_secret),
            &encoded,
        )
        .map_err(|err| format!("epoch {n}: key schedule: {err}"))?;
        let s = &keys.secrets;
        let secrets: [(&str, &Secret, &Hex); 11] = [
            (
                "joiner_secret",
                keys.joiner_secret.as_secret(),
                &e.joiner_secret,
            ),
            (
                "welcome_secret",
                keys.welcome_secret.as_secret(),
                &e.welcome_secret,
            ),
            ("init_secret", &s.init_secret, &e.init_secret),
            (
                "sender_data_secret",
                &s.sender_data_secret,
                &e.sender_data_secret,
            ),
            (
                "encryption_secret",
                &s.encryption_secret,
                &e.encryption_secret,
            ),
            ("exporter_secret", &s.exporter_secret, &e.exporter_secret),
            (
                "epoch_authenticator",
                &s.epoch_authenticator,
                &e.epoch_authenticator,
            ),
            ("external_secret", &s.external_secret, &e.external_secret),
            ("confirmation_key", &s.confirmation_key, &e.confirmation_key),
            ("membership_key", &s.membership_key, &e.membership_key),
            ("resumption_psk", &s.resumption_psk, &e.resumption_psk),
        ];
        for (name, got, want) in secrets {
            check_eq(&what(name), got.as_bytes(), want)?;
        }

        let (_, external_pub) = s
            .external_key_pair(&suite)
            .map_err(|err| format!("epoch {n}: external key pair: {err}"))?;
        check_eq(&what("external_pub"), &external_pub.0, &e.external_pub)?;

        let x = &e.exporter;
        let length = usize::try_from(x.length).map_err(|_| what("exporter length"))?;
        let exported = s
            .export(&suite, &x.label, &x.context, length)
            .map_err(|err| format!("epoch {n}: exporter: {err}"))?;
        check_eq(&what("exporter.secret"), exported.as_bytes(), &x.secret)?;

        init_secret = keys.secrets.init_secret;
    }
    Ok(())
}
