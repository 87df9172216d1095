//! Negative tests: hostile or malformed input is rejected with the exact
//! error, never a panic.
//!
//! Inputs are built from the official vectors (read from
//! `$MLS_TEST_VECTORS`, default `test-vectors/`, as the vector runner
//! does) by changing a few bytes.

mod codec;
mod protection;
mod tree;
mod welcome;

use rfc9420_test_support::rng;
use rfc9420_test_support::vector_files;

use std::sync::OnceLock;

use vector_files::load;

/// The vectors of `messages.json`.
fn messages() -> &'static [serde_json::Value] {
    static VECTORS: OnceLock<Vec<serde_json::Value>> = OnceLock::new();
    VECTORS.get_or_init(|| load("messages.json"))
}

/// The bytes of field `name` of vector `index` of `messages.json`.
fn message_field(index: usize, name: &str) -> Vec<u8> {
    let hex = messages()[index][name]
        .as_str()
        .unwrap_or_else(|| panic!("vector {index} has no field {name}"));
    hex::decode(hex).expect("field is hex")
}

/// The fields of `messages.json` that hold a serialized MLSMessage.
const MLS_MESSAGE_FIELDS: [&str; 7] = [
    "mls_welcome",
    "mls_group_info",
    "mls_key_package",
    "public_message_application",
    "public_message_proposal",
    "public_message_commit",
    "private_message",
];
