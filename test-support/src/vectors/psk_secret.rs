//! `psk_secret.json`: the PSK secret of zero or more external PSKs
//! (RFC 9420 §8.4).

use rfc9420::crypto::Secret;
use rfc9420::key_schedule::psk_secret;
use rfc9420::messages::{PreSharedKeyId, PskKind};
use serde::Deserialize;

use super::Outcome;
use super::common::{Hex, check_eq, outcome, parse};

#[derive(Deserialize)]
struct Vector {
    cipher_suite: u16,
    psks: Vec<Psk>,
    psk_secret: Hex,
}

#[derive(Deserialize)]
struct Psk {
    psk_id: Hex,
    psk: Hex,
    psk_nonce: Hex,
}

/// Checks one vector.
pub fn check(v: &serde_json::Value) -> Outcome {
    outcome(parse::<Vector>(v).and_then(|v| run(&v)))
}

fn run(v: &Vector) -> Result<(), String> {
    let suite = super::common::suite(v.cipher_suite)?;
    let psks: Vec<(PreSharedKeyId, Secret)> = v
        .psks
        .iter()
        .map(|p| {
            (
                PreSharedKeyId {
                    psk: PskKind::External {
                        psk_id: p.psk_id.to_vec(),
                    },
                    psk_nonce: p.psk_nonce.to_vec(),
                },
                Secret::from_slice(&p.psk),
            )
        })
        .collect();
    let got = psk_secret(&suite, psks.iter().map(|(id, psk)| (id, psk)))
        .map_err(|e| format!("psk_secret: {e}"))?;
    check_eq(
        &format!("psk_secret of {} PSKs", psks.len()),
        got.as_bytes(),
        &v.psk_secret,
    )
}
