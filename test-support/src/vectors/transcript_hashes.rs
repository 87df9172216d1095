//! `transcript-hashes.json`: the confirmed and interim transcript hashes
//! after a commit (RFC 9420 §8.2) and its confirmation tag (§6.1).

use rfc9420::codec::decode_exact;
use rfc9420::crypto::Secret;
use rfc9420::framing::{AuthenticatedContent, ContentType};
use rfc9420::key_schedule::verify_confirmation_tag;
use serde::Deserialize;

use super::Outcome;
use super::common::{Hex, check_eq, outcome, parse};

#[derive(Deserialize)]
struct Vector {
    cipher_suite: u16,
    confirmation_key: Hex,
    authenticated_content: Hex,
    interim_transcript_hash_before: Hex,
    confirmed_transcript_hash_after: Hex,
    interim_transcript_hash_after: Hex,
}

/// Checks one vector.
pub fn check(v: &serde_json::Value) -> Outcome {
    outcome(parse::<Vector>(v).and_then(|v| run(&v)))
}

fn run(v: &Vector) -> Result<(), String> {
    let suite = super::common::suite(v.cipher_suite)?;
    let content: AuthenticatedContent = decode_exact(&v.authenticated_content)
        .map_err(|e| format!("authenticated_content does not decode: {e}"))?;
    if content.content.content_type() != ContentType::Commit {
        return Err(format!(
            "authenticated_content carries {:?}, not a commit",
            content.content.content_type()
        ));
    }
    let tag = content
        .auth
        .confirmation_tag
        .as_deref()
        .ok_or("commit without confirmation tag")?;
    verify_confirmation_tag(
        &suite,
        &Secret::from_slice(&v.confirmation_key),
        &v.confirmed_transcript_hash_after,
        tag,
    )
    .map_err(|e| format!("confirmation tag: {e}"))?;

    let hashes = content
        .transcript_hashes(&suite, &v.interim_transcript_hash_before)
        .map_err(|e| format!("transcript hashes: {e}"))?;
    check_eq(
        "confirmed_transcript_hash_after",
        &hashes.confirmed,
        &v.confirmed_transcript_hash_after,
    )?;
    check_eq(
        "interim_transcript_hash_after",
        &hashes.interim,
        &v.interim_transcript_hash_after,
    )
}
