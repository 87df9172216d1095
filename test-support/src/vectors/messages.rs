//! `messages.json`: every wire structure decodes with the structure its
//! field names and re-encodes to the same bytes (RFC 9420 §6-§12).

use rfc9420::codec::{Decode, Encode, decode_exact};
use rfc9420::framing::{ContentType, FramedContentBody};
use rfc9420::framing::{MlsMessage, MlsMessageBody};
use rfc9420::messages::{
    Add, Commit, ExternalInit, GroupContextExtensions, GroupSecrets, PreSharedKey, ReInit, Remove,
    Update, WireFormat,
};
use rfc9420::tree::Node;
use serde::Deserialize;

use super::Outcome;
use super::common::{Hex, check_eq, outcome, parse};

#[derive(Deserialize)]
struct Vector {
    mls_welcome: Hex,
    mls_group_info: Hex,
    mls_key_package: Hex,
    ratchet_tree: Hex,
    group_secrets: Hex,
    add_proposal: Hex,
    update_proposal: Hex,
    remove_proposal: Hex,
    pre_shared_key_proposal: Hex,
    re_init_proposal: Hex,
    external_init_proposal: Hex,
    group_context_extensions_proposal: Hex,
    commit: Hex,
    public_message_application: Hex,
    public_message_proposal: Hex,
    public_message_commit: Hex,
    private_message: Hex,
}

/// Checks one vector.
pub fn check(v: &serde_json::Value) -> Outcome {
    outcome(parse::<Vector>(v).and_then(|v| run(&v)))
}

/// Decodes `bytes` as a whole `T` and checks that it re-encodes to them.
fn round_trip<T: Decode + Encode>(what: &str, bytes: &[u8]) -> Result<T, String> {
    let value = decode_exact::<T>(bytes).map_err(|e| format!("{what}: does not decode: {e}"))?;
    let again = value
        .to_bytes()
        .map_err(|e| format!("{what}: does not re-encode: {e}"))?;
    check_eq(what, &again, bytes)?;
    Ok(value)
}

/// Decodes an MLSMessage and checks its wire format.
fn message(what: &str, bytes: &[u8], want: WireFormat) -> Result<MlsMessageBody, String> {
    let m: MlsMessage = round_trip(what, bytes)?;
    if m.wire_format() != want {
        return Err(format!(
            "{what}: wire format {:?}, want {want:?}",
            m.wire_format()
        ));
    }
    Ok(m.body)
}

/// Decodes a PublicMessage MLSMessage and checks its content type.
fn public(what: &str, bytes: &[u8], want: ContentType) -> Result<(), String> {
    let MlsMessageBody::PublicMessage(pm) = message(what, bytes, WireFormat::PUBLIC_MESSAGE)?
    else {
        return Err(format!("{what}: not a PublicMessage"));
    };
    let got = pm.content.content_type();
    if got != want {
        return Err(format!("{what}: content type {got:?}, want {want:?}"));
    }
    let consistent = matches!(
        (&pm.content.content, want),
        (FramedContentBody::Application(_), ContentType::Application)
            | (FramedContentBody::Proposal(_), ContentType::Proposal)
            | (FramedContentBody::Commit(_), ContentType::Commit)
    );
    consistent
        .then_some(())
        .ok_or_else(|| format!("{what}: body does not match its content type"))
}

fn run(v: &Vector) -> Result<(), String> {
    message("mls_welcome", &v.mls_welcome, WireFormat::WELCOME)?;
    message("mls_group_info", &v.mls_group_info, WireFormat::GROUP_INFO)?;
    message(
        "mls_key_package",
        &v.mls_key_package,
        WireFormat::KEY_PACKAGE,
    )?;
    round_trip::<Vec<Option<Node>>>("ratchet_tree", &v.ratchet_tree)?;
    round_trip::<GroupSecrets>("group_secrets", &v.group_secrets)?;
    round_trip::<Add>("add_proposal", &v.add_proposal)?;
    round_trip::<Update>("update_proposal", &v.update_proposal)?;
    round_trip::<Remove>("remove_proposal", &v.remove_proposal)?;
    round_trip::<PreSharedKey>("pre_shared_key_proposal", &v.pre_shared_key_proposal)?;
    round_trip::<ReInit>("re_init_proposal", &v.re_init_proposal)?;
    round_trip::<ExternalInit>("external_init_proposal", &v.external_init_proposal)?;
    round_trip::<GroupContextExtensions>(
        "group_context_extensions_proposal",
        &v.group_context_extensions_proposal,
    )?;
    round_trip::<Commit>("commit", &v.commit)?;
    public(
        "public_message_application",
        &v.public_message_application,
        ContentType::Application,
    )?;
    public(
        "public_message_proposal",
        &v.public_message_proposal,
        ContentType::Proposal,
    )?;
    public(
        "public_message_commit",
        &v.public_message_commit,
        ContentType::Commit,
    )?;
    message(
        "private_message",
        &v.private_message,
        WireFormat::PRIVATE_MESSAGE,
    )?;
    Ok(())
}
