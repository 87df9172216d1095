//! `deserialization.json`: variable-length vector headers decode to the
//! given lengths (RFC 9420 §2.1.2).

use rfc9420::codec::{Reader, write_varint};
use serde::Deserialize;

use super::Outcome;
use super::common::{Hex, check_eq, outcome, parse};

#[derive(Deserialize)]
struct Vector {
    vlbytes_header: Hex,
    length: usize,
}

/// Checks one vector.
pub fn check(v: &serde_json::Value) -> Outcome {
    outcome(parse::<Vector>(v).and_then(|v| run(&v)))
}

fn run(v: &Vector) -> Result<(), String> {
    let mut r = Reader::new(&v.vlbytes_header);
    let got = r
        .read_varint()
        .map_err(|e| format!("header does not decode: {e}"))?;
    if !r.is_empty() {
        return Err(format!("{} bytes after the header", r.remaining()));
    }
    if got != v.length {
        return Err(format!("length: got {got}, want {}", v.length));
    }
    // The header is the minimal encoding, so it is also what we write.
    let mut out = Vec::new();
    write_varint(v.length, &mut out).map_err(|e| format!("length does not encode: {e}"))?;
    check_eq("re-encoded header", &out, &v.vlbytes_header)
}
