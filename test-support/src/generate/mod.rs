//! Writes test vectors in the official JSON formats (mlswg/mls-implementations)
//! from groups this crate runs, so that other implementations can check
//! themselves against it: the generator behind `conformance --generate`
//! (examples/conformance/), shared with the interop tests, which replay
//! the passive-client vectors through OpenMLS and mls-rs.
//!
//! - `passive-client-welcome`, `passive-client-handling-commit` and
//!   `passive-client-random`, with external joins and resyncs among the
//!   epochs, in [`passive_client`];
//! - `welcome`, `tree-validation` and `messages` in [`structures`];
//! - `treekem` in [`treekem`].

pub mod passive_client;
pub mod structures;
pub mod treekem;

use serde_json::Value;

/// The formats the generator writes.
pub const FORMATS: [&str; 7] = [
    "passive-client-welcome",
    "passive-client-handling-commit",
    "passive-client-random",
    "welcome",
    "tree-validation",
    "treekem",
    "messages",
];

/// The vectors of `format` for each of `suites`, as a JSON array; `None`
/// if the generator does not write `format`.
pub fn generate(format: &str, suites: &[u16]) -> Option<Result<Value, String>> {
    Some(match (passive_client::Kind::from_name(format), format) {
        (Some(kind), _) => passive_client::generate(kind, suites),
        (None, "welcome") => structures::welcome(suites),
        (None, "tree-validation") => structures::tree_validation(suites),
        (None, "treekem") => treekem::treekem(suites),
        (None, "messages") => structures::messages(suites),
        _ => return None,
    })
}

fn err(what: &str, e: impl std::fmt::Display) -> String {
    format!("{what}: {e}")
}

fn hex(bytes: &[u8]) -> Value {
    Value::String(hex::encode(bytes))
}
