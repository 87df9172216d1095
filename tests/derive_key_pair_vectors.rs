//! `DeriveKeyPair` (RFC 9180 §7.1.3) of the default provider against the
//! official `key-schedule.json` vectors, for all seven suites: each
//! epoch's `external_pub` is the public key of
//! `DeriveKeyPair(external_secret)` (RFC 9420 §8). This covers the KEMs the
//! hpke-rs cross-check cannot (X448, P-521) with independent values.
//!
//! The file is read from `$MLS_TEST_VECTORS` (default `test-vectors/`).

use std::path::PathBuf;

use rfc9420::crypto::{CipherSuite, CryptoProvider, RustCryptoProvider};

macro_rules! all_suites {
    ($f:ident) => {
        mod $f {
            use super::*;
            #[test]
            fn suite_1() {
                $f(CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519)
            }
            #[test]
            fn suite_2() {
                $f(CipherSuite::MLS_128_DHKEMP256_AES128GCM_SHA256_P256)
            }
            #[test]
            fn suite_3() {
                $f(CipherSuite::MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_ED25519)
            }
            #[test]
            fn suite_4() {
                $f(CipherSuite::MLS_256_DHKEMX448_AES256GCM_SHA512_ED448)
            }
            #[test]
            fn suite_5() {
                $f(CipherSuite::MLS_256_DHKEMP521_AES256GCM_SHA512_P521)
            }
            #[test]
            fn suite_6() {
                $f(CipherSuite::MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_ED448)
            }
            #[test]
            fn suite_7() {
                $f(CipherSuite::MLS_256_DHKEMP384_AES256GCM_SHA384_P384)
            }
        }
    };
}

fn vectors() -> Vec<serde_json::Value> {
    let dir = match std::env::var_os("MLS_TEST_VECTORS") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("test-vectors"),
    };
    let path = dir.join("key-schedule.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: cannot read: {e}", path.display()));
    serde_json::from_str(&text).expect("key-schedule.json is a JSON array")
}

fn hex_field(value: &serde_json::Value, name: &str) -> Vec<u8> {
    hex::decode(value[name].as_str().expect("a hex string")).expect("valid hex")
}

all_suites!(external_pub_is_derive_key_pair_of_external_secret);
fn external_pub_is_derive_key_pair_of_external_secret(suite: CipherSuite) {
    let provider = RustCryptoProvider;
    let vectors: Vec<_> = vectors()
        .into_iter()
        .filter(|v| v["cipher_suite"].as_u64() == Some(u64::from(suite.0)))
        .collect();
    assert!(
        !vectors.is_empty(),
        "no key-schedule vector for suite {}",
        suite.0
    );
    let mut checked = 0;
    for vector in &vectors {
        for (epoch, e) in vector["epochs"]
            .as_array()
            .expect("epochs")
            .iter()
            .enumerate()
        {
            let secret = hex_field(e, "external_secret");
            let (private, public) = provider
                .kem_derive_key_pair(suite, &secret)
                .expect("DeriveKeyPair");
            assert_eq!(public.0, hex_field(e, "external_pub"), "epoch {epoch}");
            assert_eq!(
                provider
                    .kem_public_key(suite, &private)
                    .expect("public key"),
                public
            );
            checked += 1;
        }
    }
    assert!(checked > 0);
}
