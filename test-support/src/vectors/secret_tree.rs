//! `secret-tree.json`: sender data keys (RFC 9420 §6.3.2) and the
//! handshake and application ratchets of every leaf (§9, §9.1).

use rfc9420::crypto::Secret;
use rfc9420::key_schedule::sender_data_key_nonce;
use rfc9420::secret_tree::{RatchetType, SecretTree};
use rfc9420::tree::{LeafIndex, TreeSize};
use serde::Deserialize;

use super::Outcome;
use super::common::{Hex, check_eq, outcome, parse};

#[derive(Deserialize)]
struct Vector {
    cipher_suite: u16,
    sender_data: SenderData,
    encryption_secret: Hex,
    leaves: Vec<Vec<Generation>>,
}

#[derive(Deserialize)]
struct SenderData {
    sender_data_secret: Hex,
    ciphertext: Hex,
    key: Hex,
    nonce: Hex,
}

#[derive(Deserialize)]
struct Generation {
    generation: u32,
    handshake_key: Hex,
    handshake_nonce: Hex,
    application_key: Hex,
    application_nonce: Hex,
}

/// Checks one vector.
pub fn check(v: &serde_json::Value) -> Outcome {
    outcome(parse::<Vector>(v).and_then(|v| run(&v)))
}

fn run(v: &Vector) -> Result<(), String> {
    let suite = super::common::suite(v.cipher_suite)?;

    let sd = &v.sender_data;
    let kn = sender_data_key_nonce(
        &suite,
        &Secret::from_slice(&sd.sender_data_secret),
        &sd.ciphertext,
    )
    .map_err(|e| format!("sender data key: {e}"))?;
    check_eq("sender_data.key", kn.key().as_bytes(), &sd.key)?;
    check_eq("sender_data.nonce", kn.nonce().as_bytes(), &sd.nonce)?;

    let n = u32::try_from(v.leaves.len()).map_err(|_| "too many leaves".to_owned())?;
    let size = TreeSize::for_leaves(n)
        .filter(|s| s.leaf_count() == n)
        .ok_or(format!("{n} leaves is not a valid tree size"))?;
    let mut tree = SecretTree::new(Secret::from_slice(&v.encryption_secret), size);
    for (i, generations) in (0u32..).zip(&v.leaves) {
        for g in generations {
            let what = |name: &str| format!("leaf {i} generation {}: {name}", g.generation);
            for (ratchet, key, nonce, name) in [
                (
                    RatchetType::Handshake,
                    &g.handshake_key,
                    &g.handshake_nonce,
                    "handshake",
                ),
                (
                    RatchetType::Application,
                    &g.application_key,
                    &g.application_nonce,
                    "application",
                ),
            ] {
                let kn = tree
                    .decryption_key(&suite, LeafIndex(i), ratchet, g.generation)
                    .map_err(|e| format!("{}: {e}", what(name)))?;
                check_eq(&what(&format!("{name}_key")), kn.key().as_bytes(), key)?;
                check_eq(
                    &what(&format!("{name}_nonce")),
                    kn.nonce().as_bytes(),
                    nonce,
                )?;
            }
        }
    }
    Ok(())
}
