//! Unit tests of the pure-Rust provider: round trips and rejections for
//! every suite (`suites.rs`); known answers (RFC 9180 Appendix A.1.1,
//! RFC 5869 Appendix A.1), key import edge cases and the strictness of
//! signature parsing (`edge_cases.rs`); public key validation
//! (`public_keys.rs`); sealing to many recipients under one `info`
//! (`seal_many.rs`).

use core::convert::Infallible;

use rand_core::{TryCryptoRng, TryRng};
use sha2::{Digest, Sha256};

use super::RustCryptoProvider;
use crate::crypto::{
    CipherSuite, CryptoError, CryptoProvider, HpkePrivateKey, HpkePublicKey, Secret,
    SignaturePublicKey, SuiteParams,
};

const P: RustCryptoProvider = RustCryptoProvider;

/// A deterministic RNG for tests: SHA-256 in counter mode over a seed.
struct TestRng {
    seed: u64,
    counter: u64,
}

impl TestRng {
    fn new(seed: u64) -> Self {
        Self { seed, counter: 0 }
    }
}

impl TryRng for TestRng {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        let mut b = [0u8; 4];
        self.try_fill_bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let mut b = [0u8; 8];
        self.try_fill_bytes(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for chunk in dst.chunks_mut(32) {
            let block = Sha256::new()
                .chain_update(self.seed.to_be_bytes())
                .chain_update(self.counter.to_be_bytes())
                .finalize();
            self.counter += 1;
            chunk.copy_from_slice(&block[..chunk.len()]);
        }
        Ok(())
    }
}

impl TryCryptoRng for TestRng {}

fn params(suite: CipherSuite) -> SuiteParams {
    suite.params().unwrap()
}

fn nsk(suite: CipherSuite) -> usize {
    params(suite).kem.private_key_len()
}

fn npk(suite: CipherSuite) -> usize {
    params(suite).kem.public_key_len()
}

fn is_nist(suite: CipherSuite) -> bool {
    matches!(suite.0, 2 | 5 | 7)
}

fn hpke_key_pair(suite: CipherSuite, seed: u8) -> (HpkePrivateKey, HpkePublicKey) {
    P.kem_derive_key_pair(suite, &[seed; 32]).unwrap()
}

fn ikm_e(suite: CipherSuite, seed: u8) -> Vec<u8> {
    vec![seed; nsk(suite)]
}

fn hex(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

// Declared last: the tests use `all_suites!`, defined above.
mod edge_cases;
mod public_keys;
mod seal_many;
mod suites;
