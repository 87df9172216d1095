//! Hostile or mismatched Welcome messages (RFC 9420 §12.4.3.1), built
//! from the suite-1 vector of `welcome.json`: each is rejected with its
//! own error variant.

use rfc9420::codec::decode_exact;
use rfc9420::crypto::{
    CipherSuite, CryptoError, CryptoProvider, HpkePrivateKey, RustCryptoProvider,
    SignaturePublicKey, SuiteCrypto,
};
use rfc9420::error::Error;
use rfc9420::framing::{MlsMessage, MlsMessageBody};
use rfc9420::group::WelcomeError;
use rfc9420::group::welcome::{decrypt_group_info, decrypt_group_secrets, verify_group_info};
use rfc9420::key_schedule::{JoinerSecret, WelcomeSecret, zero_psk_secret};
use rfc9420::messages::{KeyPackage, Welcome};

use super::load;

struct Case {
    welcome: Welcome,
    key_package: KeyPackage,
    init_private: HpkePrivateKey,
    signer: SignaturePublicKey,
}

fn case() -> Case {
    let vectors = load("welcome.json");
    let v = &vectors[0];
    assert_eq!(v["cipher_suite"], 1);
    let field = |name: &str| hex::decode(v[name].as_str().unwrap()).unwrap();
    let MlsMessageBody::Welcome(welcome) =
        decode_exact::<MlsMessage>(&field("welcome")).unwrap().body
    else {
        panic!("not a Welcome")
    };
    let MlsMessageBody::KeyPackage(key_package) = decode_exact::<MlsMessage>(&field("key_package"))
        .unwrap()
        .body
    else {
        panic!("not a KeyPackage")
    };
    let init_private = RustCryptoProvider
        .import_hpke_private_key(CipherSuite(1), &field("init_priv"))
        .unwrap();
    Case {
        welcome,
        key_package,
        init_private,
        signer: SignaturePublicKey(field("signer_pub")),
    }
}

fn crypto(provider: &RustCryptoProvider) -> SuiteCrypto<'_> {
    SuiteCrypto::new(provider, CipherSuite(1)).unwrap()
}

/// The welcome secret of the intact Welcome, from its group secrets.
fn welcome_secret(crypto: &SuiteCrypto<'_>, c: &Case) -> WelcomeSecret {
    let secrets =
        decrypt_group_secrets(crypto, &c.welcome, &c.key_package, &c.init_private).unwrap();
    let joiner = JoinerSecret::from_secret(crypto, secrets.joiner_secret).unwrap();
    joiner
        .welcome_secret(crypto, &zero_psk_secret(crypto))
        .unwrap()
}

#[test]
fn the_unmodified_welcome_is_accepted() {
    let provider = RustCryptoProvider;
    let crypto = crypto(&provider);
    let c = case();
    let welcome_secret = welcome_secret(&crypto, &c);
    let info = decrypt_group_info(&crypto, &c.welcome, &welcome_secret).unwrap();
    verify_group_info(&crypto, &info, &c.signer).unwrap();
}

#[test]
fn welcome_for_another_key_package() {
    let provider = RustCryptoProvider;
    let crypto = crypto(&provider);
    let mut c = case();
    c.key_package.extensions.0.clear();
    c.key_package.signature[0] ^= 1;
    let e =
        decrypt_group_secrets(&crypto, &c.welcome, &c.key_package, &c.init_private).unwrap_err();
    assert_eq!(e, Error::Welcome(WelcomeError::NotForThisKeyPackage));
}

#[test]
fn cipher_suite_mismatch() {
    let provider = RustCryptoProvider;
    let crypto = crypto(&provider);
    let mut c = case();
    c.welcome.cipher_suite = CipherSuite(3);
    let e =
        decrypt_group_secrets(&crypto, &c.welcome, &c.key_package, &c.init_private).unwrap_err();
    assert_eq!(
        e,
        Error::Welcome(WelcomeError::CipherSuiteMismatch {
            welcome: rfc9420::CipherSuite(3),
            key_package: rfc9420::CipherSuite(1)
        })
    );
}

#[test]
fn wrong_init_key() {
    let provider = RustCryptoProvider;
    let crypto = crypto(&provider);
    let c = case();
    let other = provider
        .import_hpke_private_key(CipherSuite(1), &[7; 32])
        .unwrap();
    let e = decrypt_group_secrets(&crypto, &c.welcome, &c.key_package, &other).unwrap_err();
    assert_eq!(e, Error::Crypto(CryptoError::DecryptionFailed));
}

#[test]
fn tampered_group_info_ciphertext() {
    let provider = RustCryptoProvider;
    let crypto = crypto(&provider);
    let c = case();
    // The group secrets are bound to the encrypted GroupInfo as context, so
    // take them from the intact Welcome, then tamper with the GroupInfo.
    let welcome_secret = welcome_secret(&crypto, &c);
    let mut welcome = c.welcome.clone();
    let last = welcome.encrypted_group_info.len() - 1;
    welcome.encrypted_group_info[last] ^= 1;
    let e = decrypt_group_info(&crypto, &welcome, &welcome_secret).unwrap_err();
    assert_eq!(e, Error::Crypto(CryptoError::DecryptionFailed));
    // And the group secrets no longer open against the altered context.
    let e = decrypt_group_secrets(&crypto, &welcome, &c.key_package, &c.init_private).unwrap_err();
    assert_eq!(e, Error::Crypto(CryptoError::DecryptionFailed));
}

#[test]
fn bad_group_info_signature() {
    let provider = RustCryptoProvider;
    let crypto = crypto(&provider);
    let c = case();
    let welcome_secret = welcome_secret(&crypto, &c);
    let mut info = decrypt_group_info(&crypto, &c.welcome, &welcome_secret).unwrap();
    info.signature[5] ^= 1;
    let e = verify_group_info(&crypto, &info, &c.signer).unwrap_err();
    assert_eq!(e, Error::Welcome(WelcomeError::InvalidGroupInfoSignature));
    // A valid signature over changed contents fails too.
    let mut info = decrypt_group_info(&crypto, &c.welcome, &welcome_secret).unwrap();
    info.group_context.epoch += 1;
    let e = verify_group_info(&crypto, &info, &c.signer).unwrap_err();
    assert_eq!(e, Error::Welcome(WelcomeError::InvalidGroupInfoSignature));
}
