//! The floor under every protocol operation: the primitives of the default
//! provider, per cipher suite.
//!
//! ```text
//! cargo bench --bench primitives            # all suites, a few minutes
//! cargo bench --bench primitives -- suite_1 # one suite
//! ```
//!
//! Per suite (group `suite_N`):
//! - `hpke_seal_32`, `hpke_open_32`: HPKE base mode of a 32-byte plaintext
//!   (a path secret, RFC 9420 §7.6) with `EncryptWithLabel`-sized info;
//! - `validate_public_key`: public key validation (RFC 9180 §7.1.4), made
//!   once for every HPKE key entering a tree or a KeyPackage;
//! - `derive_key_pair`: DHKEM `DeriveKeyPair` from an `Nh`-byte secret
//!   (a node secret, RFC 9420 §7.4);
//! - `sign_1k`, `verify_1k`: a 1 KiB message;
//! - `aead_seal_1k`, `aead_open_1k`: 1 KiB with 32 bytes of aad.
//!
//! Fixtures are built outside the timed loops. Samples are few and short
//! so the whole file runs in minutes on a small shared machine; medians go
//! to `BENCHMARKS.md`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use rfc9420::crypto::{CipherSuite, CryptoProvider, HpkePublicKey, RustCryptoProvider};

const P: RustCryptoProvider = RustCryptoProvider;

fn primitives(c: &mut Criterion) {
    let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
    for suite in CipherSuite::ALL {
        let params = suite.params().expect("a known suite");
        let nsk = params.kem.private_key_len();
        let nh = params.hash_len();
        let mut group = c.benchmark_group(format!("suite_{}", suite.0));
        group
            .sample_size(20)
            .warm_up_time(Duration::from_millis(300))
            .measurement_time(Duration::from_secs(1));

        // HPKE: info shaped like an EncryptContext, no aad (RFC 9420 §5.1.3).
        let (sk, pk) = P
            .kem_derive_key_pair(suite, &vec![7; nh])
            .expect("key pair");
        let pk: HpkePublicKey = pk;
        let info = [0x42u8; 60];
        let path_secret = [0x5au8; 32];
        let ikm_e = vec![9u8; nsk];
        let ct = P
            .hpke_seal(suite, &pk, &info, &[], &path_secret, &ikm_e)
            .expect("seal");
        group.bench_function("hpke_seal_32", |b| {
            b.iter(|| P.hpke_seal(suite, &pk, black_box(&info), &[], &path_secret, &ikm_e))
        });
        group.bench_function("hpke_open_32", |b| {
            b.iter(|| {
                P.hpke_open(
                    suite,
                    &sk,
                    &ct.kem_output,
                    black_box(&info),
                    &[],
                    &ct.ciphertext,
                )
            })
        });
        // RFC 9180 §7.1.4: once per HPKE key entering a tree or KeyPackage.
        group.bench_function("validate_public_key", |b| {
            b.iter(|| P.validate_hpke_public_key(suite, black_box(&pk)))
        });
        let node_secret = vec![3u8; nh];
        group.bench_function("derive_key_pair", |b| {
            b.iter(|| P.kem_derive_key_pair(suite, black_box(&node_secret)))
        });

        let (ssk, spk) = P
            .signature_key_pair(suite, &mut rng)
            .expect("signature keys");
        let message = [0xa5u8; 1024];
        let signature = P.sign(suite, &ssk, &message).expect("sign");
        group.bench_function("sign_1k", |b| {
            b.iter(|| P.sign(suite, &ssk, black_box(&message)))
        });
        group.bench_function("verify_1k", |b| {
            b.iter(|| P.verify(suite, &spk, black_box(&message), &signature))
        });

        let key = vec![0x11u8; params.aead_key_len()];
        let nonce = [0x22u8; 12];
        let aad = [0x33u8; 32];
        let sealed = P
            .aead_seal(suite, &key, &nonce, &aad, &message)
            .expect("aead seal");
        group.bench_function("aead_seal_1k", |b| {
            b.iter(|| P.aead_seal(suite, &key, &nonce, &aad, black_box(&message)))
        });
        group.bench_function("aead_open_1k", |b| {
            b.iter(|| P.aead_open(suite, &key, &nonce, &aad, black_box(&sealed)))
        });
        group.finish();
    }
}

/// The raw dependency calls under the hottest primitives, measured in the
/// same run so that the overhead of our layer can be read off despite the
/// noise of a shared machine: X25519 (one variable-base scalar
/// multiplication) and Ed25519 verification with the key already parsed.
fn reference(c: &mut Criterion) {
    use ed25519_dalek::{Signer, Verifier};
    let mut group = c.benchmark_group("reference");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1));
    let sk = x25519_dalek::StaticSecret::from([7u8; 32]);
    let pk = x25519_dalek::PublicKey::from(&x25519_dalek::StaticSecret::from([8u8; 32]));
    group.bench_function("x25519_dh", |b| {
        b.iter(|| black_box(&sk).diffie_hellman(&pk).to_bytes())
    });
    let signing = ed25519_dalek::SigningKey::from_bytes(&[3u8; 32]);
    let message = [0xa5u8; 1024];
    let signature = signing.sign(&message);
    let verifying = signing.verifying_key();
    group.bench_function("ed25519_verify_1k", |b| {
        b.iter(|| verifying.verify(black_box(&message), &signature))
    });
    group.finish();
}

criterion_group!(benches, primitives, reference);
criterion_main!(benches);
