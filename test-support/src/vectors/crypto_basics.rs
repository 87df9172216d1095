//! Checker for `crypto-basics.json`: the labeled constructions of RFC 9420
//! §5.1.2, §5.1.3, §5.2 and §8 over each suite's primitives, with the
//! crate's default provider.
//!
//! Per vector (test-vectors.md, "Crypto Basics"):
//! - `ref_hash`: `out == RefHash(label, value)`
//! - `expand_with_label`: `out == ExpandWithLabel(secret, label, context, length)`
//! - `derive_secret`: `out == DeriveSecret(secret, label)`
//! - `derive_tree_secret`: `out == DeriveTreeSecret(secret, label, generation, length)`
//! - `sign_with_label`: `VerifyWithLabel(pub, label, content, signature)`, and
//!   `VerifyWithLabel` of a fresh `SignWithLabel(priv, label, content)`;
//!   also that `pub` is the public key of `priv`.
//! - `encrypt_with_label`: `DecryptWithLabel(priv, label, context, kem_output,
//!   ciphertext) == plaintext`, and the same for a fresh
//!   `EncryptWithLabel(pub, label, context, plaintext)`.

use rfc9420::crypto::{CipherSuite, RustCryptoProvider, SuiteCrypto};
use serde::Deserialize;

use super::Outcome;
use super::common::{Hex, check_eq, outcome, parse};

#[derive(Deserialize)]
struct Vector {
    cipher_suite: u16,
    ref_hash: RefHash,
    expand_with_label: ExpandWithLabel,
    derive_secret: DeriveSecret,
    derive_tree_secret: DeriveTreeSecret,
    sign_with_label: SignWithLabel,
    encrypt_with_label: EncryptWithLabel,
}

#[derive(Deserialize)]
struct RefHash {
    label: String,
    value: Hex,
    out: Hex,
}

#[derive(Deserialize)]
struct ExpandWithLabel {
    secret: Hex,
    label: String,
    context: Hex,
    length: u16,
    out: Hex,
}

#[derive(Deserialize)]
struct DeriveSecret {
    secret: Hex,
    label: String,
    out: Hex,
}

#[derive(Deserialize)]
struct DeriveTreeSecret {
    secret: Hex,
    label: String,
    generation: u32,
    length: u16,
    out: Hex,
}

#[derive(Deserialize)]
struct SignWithLabel {
    #[serde(rename = "priv")]
    private: Hex,
    #[serde(rename = "pub")]
    public: Hex,
    content: Hex,
    label: String,
    signature: Hex,
}

#[derive(Deserialize)]
struct EncryptWithLabel {
    #[serde(rename = "priv")]
    private: Hex,
    #[serde(rename = "pub")]
    public: Hex,
    label: String,
    context: Hex,
    plaintext: Hex,
    kem_output: Hex,
    ciphertext: Hex,
}

/// Checks one `crypto-basics` vector.
pub fn check(value: &serde_json::Value) -> Outcome {
    let vector: Vector = match parse(value) {
        Ok(v) => v,
        Err(e) => return Outcome::Fail(e),
    };
    let provider = RustCryptoProvider;
    let suite = CipherSuite(vector.cipher_suite);
    let Ok(crypto) = SuiteCrypto::new(&provider, suite) else {
        return Outcome::Skip(format!(
            "cipher suite {} not supported",
            vector.cipher_suite
        ));
    };
    outcome(run(&crypto, &vector))
}

fn run(crypto: &SuiteCrypto<'_>, v: &Vector) -> Result<(), String> {
    let r = &v.ref_hash;
    let got = crypto
        .ref_hash(r.label.as_bytes(), &r.value)
        .map_err(|e| format!("ref_hash: {e}"))?;
    check_eq("ref_hash", &got, &r.out)?;

    let e = &v.expand_with_label;
    let got = crypto
        .expand_with_label(&e.secret, &e.label, &e.context, e.length)
        .map_err(|err| format!("expand_with_label: {err}"))?;
    check_eq("expand_with_label", got.as_bytes(), &e.out)?;

    let d = &v.derive_secret;
    let got = crypto
        .derive_secret(&d.secret, &d.label)
        .map_err(|e| format!("derive_secret: {e}"))?;
    check_eq("derive_secret", got.as_bytes(), &d.out)?;

    let t = &v.derive_tree_secret;
    let got = crypto
        .derive_tree_secret(&t.secret, &t.label, t.generation, t.length)
        .map_err(|e| format!("derive_tree_secret: {e}"))?;
    check_eq("derive_tree_secret", got.as_bytes(), &t.out)?;

    sign_with_label(crypto, &v.sign_with_label)?;
    encrypt_with_label(crypto, &v.encrypt_with_label)
}

fn sign_with_label(crypto: &SuiteCrypto<'_>, s: &SignWithLabel) -> Result<(), String> {
    let provider = crypto.provider();
    let suite = crypto.suite();
    let public = rfc9420::crypto::SignaturePublicKey(s.public.0.clone());
    crypto
        .verify_with_label(&public, &s.label, &s.content, &s.signature)
        .map_err(|e| format!("sign_with_label: the vector's signature: {e}"))?;
    let private = provider
        .import_signature_private_key(suite, &s.private)
        .map_err(|e| format!("sign_with_label: importing priv: {e}"))?;
    let derived = provider
        .signature_public_key(suite, &private)
        .map_err(|e| format!("sign_with_label: public key of priv: {e}"))?;
    check_eq("sign_with_label: public key of priv", &derived.0, &s.public)?;
    let signature = crypto
        .sign_with_label(&private, &s.label, &s.content)
        .map_err(|e| format!("sign_with_label: signing: {e}"))?;
    crypto
        .verify_with_label(&public, &s.label, &s.content, &signature)
        .map_err(|e| format!("sign_with_label: our signature: {e}"))
}

fn encrypt_with_label(crypto: &SuiteCrypto<'_>, x: &EncryptWithLabel) -> Result<(), String> {
    let provider = crypto.provider();
    let suite = crypto.suite();
    let private = provider
        .import_hpke_private_key(suite, &x.private)
        .map_err(|e| format!("encrypt_with_label: importing priv: {e}"))?;
    let derived = provider
        .kem_public_key(suite, &private)
        .map_err(|e| format!("encrypt_with_label: public key of priv: {e}"))?;
    check_eq(
        "encrypt_with_label: public key of priv",
        &derived.0,
        &x.public,
    )?;
    let plaintext = crypto
        .decrypt_with_label(&private, &x.label, &x.context, &x.kem_output, &x.ciphertext)
        .map_err(|e| format!("encrypt_with_label: decrypting the vector's ciphertext: {e}"))?;
    check_eq(
        "encrypt_with_label: decrypted",
        plaintext.as_bytes(),
        &x.plaintext,
    )?;

    let public = rfc9420::crypto::HpkePublicKey(x.public.0.clone());
    let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
    let fresh = crypto
        .encrypt_with_label(&public, &x.label, &x.context, &x.plaintext, &mut rng)
        .map_err(|e| format!("encrypt_with_label: encrypting: {e}"))?;
    let plaintext = crypto
        .decrypt_with_label(
            &private,
            &x.label,
            &x.context,
            &fresh.kem_output,
            &fresh.ciphertext,
        )
        .map_err(|e| format!("encrypt_with_label: decrypting our ciphertext: {e}"))?;
    check_eq(
        "encrypt_with_label: round trip",
        plaintext.as_bytes(),
        &x.plaintext,
    )
}
