//! Helpers shared by the vector checkers.

use rfc9420::crypto::{CipherSuite, RustCryptoProvider, SuiteCrypto};
use serde::Deserialize;

/// The provider every checker runs.
pub static PROVIDER: RustCryptoProvider = RustCryptoProvider;

/// The provider bound to the vector's `cipher_suite`.
pub fn suite(cipher_suite: u16) -> Result<SuiteCrypto<'static>, String> {
    SuiteCrypto::new(&PROVIDER, CipherSuite(cipher_suite))
        .map_err(|e| format!("suite {cipher_suite}: {e}"))
}

/// Hex-encoded bytes in a vector file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hex(pub Vec<u8>);

impl<'de> Deserialize<'de> for Hex {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        hex::decode(&s).map(Hex).map_err(serde::de::Error::custom)
    }
}

impl std::ops::Deref for Hex {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

/// Parses a vector element into its typed form.
pub fn parse<T: serde::de::DeserializeOwned>(v: &serde_json::Value) -> Result<T, String> {
    T::deserialize(v).map_err(|e| format!("vector does not parse: {e}"))
}

/// Fails with `what` and both values in hex unless `got == want`.
pub fn check_eq(what: &str, got: &[u8], want: &[u8]) -> Result<(), String> {
    if got == want {
        Ok(())
    } else {
        Err(format!(
            "{what}: got {}, want {}",
            hex::encode(got),
            hex::encode(want)
        ))
    }
}

/// Turns a checker body into an [`Outcome`](super::Outcome).
pub fn outcome(r: Result<(), String>) -> super::Outcome {
    match r {
        Ok(()) => super::Outcome::Pass,
        Err(e) => super::Outcome::Fail(e),
    }
}

pub use crate::rng::TestRng;
