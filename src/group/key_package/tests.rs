//! KeyPackage generation and validation (RFC 9420 §10, §10.1): a generated
//! KeyPackage validates in every suite, the bundle round-trips, and each
//! violation of §10.1 fails with its own error.

use super::*;
use crate::codec::{DecodeError, decode_exact};
use crate::crypto::{CipherSuite, RustCryptoProvider};
use crate::messages::RequiredCapabilities;
use crate::tree::TreeError;

use rfc9420_test_support::rng;
use rng::TestRng;

const SUITE: CipherSuite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
const NOW: Timestamp = Timestamp(1_800_000_000);
const DAY: u64 = 24 * 60 * 60;

fn crypto(suite: CipherSuite) -> SuiteCrypto<'static> {
    SuiteCrypto::new(&RustCryptoProvider, suite).unwrap()
}

fn accept(_: &Credential, _: &SignaturePublicKey) -> bool {
    true
}

fn reject(_: &Credential, _: &SignaturePublicKey) -> bool {
    false
}

fn ctx(lifetime: LifetimePolicy, now: Timestamp) -> LeafContext<'static> {
    LeafContext {
        group_id: b"some group",
        required_capabilities: None,
        lifetime,
        now,
        credentials: &accept,
    }
}

/// Validates as a receiver at `NOW` with the default receive policy.
fn validate(crypto: &SuiteCrypto<'_>, kp: &KeyPackage) -> Result<(), Error> {
    validate_key_package(crypto, kp, &ctx(LifetimePolicy::receiving(), NOW))
}

/// The default options without GREASE, so that the lists these tests
/// check are exactly what generation completes (GREASE is checked in
/// tests/extensibility.rs).
fn plain() -> KeyPackageOptions {
    KeyPackageOptions {
        grease: false,
        ..KeyPackageOptions::default()
    }
}

fn generate_with(suite: CipherSuite, seed: u64, options: &KeyPackageOptions) -> KeyPackageBundle {
    let crypto = crypto(suite);
    let mut rng = TestRng::new(seed);
    KeyPackageBundle::generate_with_new_signature_key(
        &crypto,
        Credential::basic(b"alice".to_vec()),
        options,
        NOW,
        &mut rng,
    )
    .unwrap()
}

fn generate(suite: CipherSuite) -> KeyPackageBundle {
    generate_with(suite, u64::from(suite.0), &plain())
}

/// Re-signs the KeyPackage after a change to its fields.
fn resign(crypto: &SuiteCrypto<'_>, kp: &mut KeyPackage, signer: &SignaturePrivateKey) {
    kp.signature = crypto
        .sign_with_label(signer, KEY_PACKAGE_LABEL, &kp.tbs_bytes().unwrap())
        .unwrap();
}

/// Re-signs the leaf, then the KeyPackage, after a change to the leaf.
fn resign_leaf(crypto: &SuiteCrypto<'_>, kp: &mut KeyPackage, signer: &SignaturePrivateKey) {
    let tbs = kp.leaf_node.tbs_bytes(&[], LeafIndex(0)).unwrap();
    kp.leaf_node.signature = crypto
        .sign_with_label(signer, LeafNode::TBS_LABEL, &tbs)
        .unwrap();
    resign(crypto, kp, signer);
}

/// A KeyPackage of `SUITE` after `change` and re-signing, validated as a
/// receiver would.
fn validate_changed(change: impl FnOnce(&mut KeyPackage)) -> Result<(), Error> {
    let crypto = crypto(SUITE);
    let bundle = generate(SUITE);
    let mut kp = bundle.key_package().clone();
    change(&mut kp);
    resign_leaf(&crypto, &mut kp, bundle.signature_private_key());
    validate(&crypto, &kp)
}

fn ext(extension_type: u16, data: &[u8]) -> Extension {
    Extension {
        extension_type: ExtensionType(extension_type),
        extension_data: data.to_vec(),
    }
}

fn generate_and_validate(suite: CipherSuite) {
    let crypto = crypto(suite);
    let bundle = generate(suite);
    let kp = bundle.key_package();
    validate(&crypto, kp).unwrap();
    validate_key_package(&crypto, kp, &ctx(LifetimePolicy::sending(), NOW)).unwrap();

    assert_eq!(kp.version, ProtocolVersion::MLS10);
    assert_eq!(kp.cipher_suite, suite);
    assert_ne!(kp.init_key, kp.leaf_node.encryption_key);
    assert!(!bundle.is_last_resort());
    let caps = &kp.leaf_node.capabilities;
    assert_eq!(caps.versions, [ProtocolVersion::MLS10]);
    assert_eq!(caps.cipher_suites, [suite]);
    assert_eq!(caps.credentials, [CredentialType::BASIC]);
    assert!(caps.extensions.is_empty());
    assert_eq!(
        kp.leaf_node.leaf_node_source,
        LeafNodeSource::KeyPackage(Lifetime {
            not_before: NOW.0 - 3600,
            not_after: NOW.0 + 90 * DAY - 3600,
        })
    );

    // The bundle's private keys are those of the KeyPackage's public keys.
    let p = crypto.provider();
    let init_public = p.kem_public_key(suite, bundle.init_private_key()).unwrap();
    assert_eq!(init_public, kp.init_key);
    let leaf_public = p
        .kem_public_key(suite, bundle.encryption_private_key())
        .unwrap();
    assert_eq!(leaf_public, kp.leaf_node.encryption_key);
    let signer = bundle.signature_private_key();
    assert!(
        crypto
            .signature_keys_match(signer, &kp.leaf_node.signature_key)
            .unwrap()
    );

    // The bundle round-trips through its encoding, reference included.
    let bytes = bundle.to_bytes().unwrap();
    let decoded: KeyPackageBundle = decode_exact(&bytes).unwrap();
    assert_eq!(decoded, bundle);
    let reference = bundle.key_package_ref(&crypto).unwrap();
    assert_eq!(reference.0.len(), crypto.hash_len());
    assert_eq!(decoded.key_package_ref(&crypto).unwrap(), reference);
    assert_eq!(
        reference.0,
        crypto.key_package_ref(&kp.to_bytes().unwrap()).unwrap()
    );
    // So does the published KeyPackage alone.
    let kp_bytes = kp.to_bytes().unwrap();
    assert_eq!(decode_exact::<KeyPackage>(&kp_bytes).as_ref(), Ok(kp));
}
all_suites!(generate_and_validate);

fn wrong_suite_is_rejected(suite: CipherSuite) {
    let bundle = generate(suite);
    for other in CipherSuite::ALL.into_iter().filter(|s| *s != suite) {
        let e = validate(&crypto(other), bundle.key_package()).unwrap_err();
        assert_eq!(
            e,
            Error::KeyPackage(KeyPackageError::CipherSuiteMismatch {
                key_package: suite,
                group: other,
            })
        );
        assert_eq!(
            bundle.key_package_ref(&crypto(other)).unwrap_err(),
            e,
            "a reference is computed with the KeyPackage's own suite"
        );
    }
}
all_suites!(wrong_suite_is_rejected);

#[test]
fn every_key_is_fresh() {
    let a = generate_with(SUITE, 1, &plain());
    let b = generate_with(SUITE, 2, &plain());
    let (a, b) = (a.key_package(), b.key_package());
    assert_ne!(a.init_key, b.init_key);
    assert_ne!(a.leaf_node.encryption_key, b.leaf_node.encryption_key);
    assert_ne!(a.leaf_node.signature_key, b.leaf_node.signature_key);
}

#[test]
fn generate_with_given_signature_key() {
    let crypto = crypto(SUITE);
    let mut rng = TestRng::new(5);
    let (signer, public) = crypto.generate_signature_key_pair(&mut rng).unwrap();
    let options = plain();
    let credential = Credential::basic(b"bob".to_vec());
    let one = KeyPackageBundle::generate(
        &crypto,
        credential.clone(),
        &signer,
        public.clone(),
        &options,
        NOW,
        &mut rng,
    )
    .unwrap();
    let two = KeyPackageBundle::generate(
        &crypto,
        credential.clone(),
        &signer,
        public.clone(),
        &options,
        NOW,
        &mut rng,
    )
    .unwrap();
    assert_eq!(one.key_package().leaf_node.signature_key, public);
    assert_eq!(one.signature_private_key(), &signer);
    assert_ne!(one.key_package().init_key, two.key_package().init_key);

    // A private key that is not the public key's is refused up front.
    let (other_signer, _) = crypto.generate_signature_key_pair(&mut rng).unwrap();
    let e = KeyPackageBundle::generate(
        &crypto,
        credential,
        &other_signer,
        public,
        &options,
        NOW,
        &mut rng,
    )
    .unwrap_err();
    assert_eq!(e, Error::KeyPackage(KeyPackageError::SignatureKeyMismatch));
}

#[test]
fn tampered_signature_is_rejected() {
    let crypto = crypto(SUITE);
    let bundle = generate(SUITE);
    let want = || Err(Error::KeyPackage(KeyPackageError::InvalidSignature));

    let mut kp = bundle.key_package().clone();
    if let Some(byte) = kp.signature.first_mut() {
        *byte ^= 1;
    }
    assert_eq!(validate(&crypto, &kp), want());

    kp.signature.clear();
    assert_eq!(validate(&crypto, &kp), want());

    // A signed field changed without re-signing.
    let mut kp = bundle.key_package().clone();
    kp.extensions.0.push(ext(0x0a0a, b"grease"));
    assert_eq!(validate(&crypto, &kp), want());

    // Signed by another key than the leaf's.
    let mut rng = TestRng::new(99);
    let (other, _) = crypto.generate_signature_key_pair(&mut rng).unwrap();
    let mut kp = bundle.key_package().clone();
    resign(&crypto, &mut kp, &other);
    assert_eq!(validate(&crypto, &kp), want());
}

#[test]
fn tampered_leaf_signature_is_rejected() {
    let crypto = crypto(SUITE);
    let bundle = generate(SUITE);
    let mut kp = bundle.key_package().clone();
    if let Some(byte) = kp.leaf_node.signature.first_mut() {
        *byte ^= 1;
    }
    // The KeyPackage signature covers the leaf, so it is re-made.
    resign(&crypto, &mut kp, bundle.signature_private_key());
    assert_eq!(
        validate(&crypto, &kp),
        Err(Error::Tree(TreeError::InvalidLeafSignature {
            leaf: LeafIndex(0)
        }))
    );
}

#[test]
fn wrong_suite_field_is_rejected_even_if_signed() {
    let other = CipherSuite::MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_ED25519;
    assert_eq!(
        validate_changed(|kp| kp.cipher_suite = other),
        Err(Error::KeyPackage(KeyPackageError::CipherSuiteMismatch {
            key_package: other,
            group: SUITE,
        }))
    );
}

#[test]
fn wrong_version_is_rejected() {
    for version in [ProtocolVersion::RESERVED, ProtocolVersion(2)] {
        assert_eq!(
            validate_changed(|kp| kp.version = version),
            Err(Error::KeyPackage(KeyPackageError::UnsupportedVersion {
                version
            }))
        );
    }
}

#[test]
fn init_key_equal_to_encryption_key_is_rejected() {
    assert_eq!(
        validate_changed(|kp| kp.init_key = kp.leaf_node.encryption_key.clone()),
        Err(Error::KeyPackage(
            KeyPackageError::InitKeyEqualsEncryptionKey
        ))
    );
}

#[test]
fn keys_of_the_wrong_length_are_rejected() {
    assert_eq!(
        validate_changed(|kp| kp.init_key.0.push(0)),
        Err(Error::KeyPackage(KeyPackageError::InitKeyLength {
            expected: 32,
            got: 33
        }))
    );
    assert_eq!(
        validate_changed(|kp| kp.leaf_node.encryption_key.0.truncate(31)),
        Err(Error::KeyPackage(KeyPackageError::EncryptionKeyLength {
            expected: 32,
            got: 31
        }))
    );
}

#[test]
fn expired_lifetime_is_rejected_unless_lenient() {
    let crypto = crypto(SUITE);
    let bundle = generate(SUITE);
    let kp = bundle.key_package();
    let (not_before, not_after) = (NOW.0 - 3600, NOW.0 + 90 * DAY - 3600);
    for now in [Timestamp(not_after + 1), Timestamp(not_before - 1)] {
        assert_eq!(
            validate_key_package(&crypto, kp, &ctx(LifetimePolicy::receiving(), now)),
            Err(Error::Tree(TreeError::LifetimeExpired {
                leaf: LeafIndex(0),
                now: now.0,
                not_before,
                not_after,
            }))
        );
        validate_key_package(&crypto, kp, &ctx(LifetimePolicy::lenient(), now)).unwrap();
    }
    // The ends are inclusive.
    for now in [Timestamp(not_before), Timestamp(not_after)] {
        validate_key_package(&crypto, kp, &ctx(LifetimePolicy::receiving(), now)).unwrap();
    }
}

#[test]
fn lifetime_longer_than_the_policy_is_rejected() {
    // Generation checks its own output with the sending policy: 90 days.
    let crypto = crypto(SUITE);
    let mut rng = TestRng::new(3);
    let options = KeyPackageOptions {
        validity: KeyPackageOptions::DEFAULT_VALIDITY + 1,
        ..plain()
    };
    let e = KeyPackageBundle::generate_with_new_signature_key(
        &crypto,
        Credential::basic(b"a".to_vec()),
        &options,
        NOW,
        &mut rng,
    )
    .unwrap_err();
    assert_eq!(
        e,
        Error::Tree(TreeError::LifetimeTooLong {
            leaf: LeafIndex(0),
            range: 90 * DAY + 1,
            max: 90 * DAY,
        })
    );

    // A receiver's policy bounds the range too.
    let lifetime = LifetimePolicy::DEFAULT_RECEIVE_MAX_RANGE + 1;
    assert_eq!(
        validate_changed(|kp| {
            kp.leaf_node.leaf_node_source = LeafNodeSource::KeyPackage(Lifetime {
                not_before: NOW.0 - 10,
                not_after: NOW.0 - 10 + lifetime,
            });
        }),
        Err(Error::Tree(TreeError::LifetimeTooLong {
            leaf: LeafIndex(0),
            range: lifetime,
            max: LifetimePolicy::DEFAULT_RECEIVE_MAX_RANGE,
        }))
    );

    let options = KeyPackageOptions {
        validity: u64::MAX - NOW.0 + 1,
        ..plain()
    };
    assert_eq!(
        options.lifetime(NOW),
        Err(KeyPackageError::LifetimeOverflow {
            now: NOW.0,
            validity: options.validity
        })
    );
}

#[test]
fn duplicate_extensions_are_rejected() {
    let options = KeyPackageOptions {
        last_resort: true,
        ..plain()
    };
    let crypto = crypto(SUITE);
    let bundle = generate_with(SUITE, 7, &options);
    let signer = bundle.signature_private_key();

    let mut kp = bundle.key_package().clone();
    kp.extensions.0.push(ext(0x000a, b""));
    resign(&crypto, &mut kp, signer);
    assert_eq!(
        validate(&crypto, &kp),
        Err(Error::KeyPackage(KeyPackageError::DuplicateExtension {
            extension_type: ExtensionType(0x000a)
        }))
    );

    let mut kp = bundle.key_package().clone();
    kp.leaf_node.extensions.0.push(ext(0x0001, b"\x01a"));
    kp.leaf_node.extensions.0.push(ext(0x0001, b"\x01b"));
    resign_leaf(&crypto, &mut kp, signer);
    assert_eq!(
        validate(&crypto, &kp),
        Err(Error::KeyPackage(KeyPackageError::DuplicateLeafExtension {
            extension_type: ExtensionType(0x0001)
        }))
    );
}

#[test]
fn extensions_must_be_in_the_capabilities() {
    // A non-default KeyPackage extension the leaf does not list (§10).
    assert_eq!(
        validate_changed(|kp| kp.extensions.0.push(ext(0xff00, b"x"))),
        Err(Error::KeyPackage(
            KeyPackageError::ExtensionNotInCapabilities {
                extension_type: ExtensionType(0xff00)
            }
        ))
    );
    // Default and GREASE KeyPackage extensions need not be listed.
    validate_changed(|kp| {
        kp.extensions.0.push(ext(0x0001, b"\x02id"));
        kp.extensions.0.push(ext(0x3a3a, b"grease"));
    })
    .unwrap();
    // A non-default leaf extension the leaf does not list (§7.3).
    assert_eq!(
        validate_changed(|kp| kp.leaf_node.extensions.0.push(ext(0xff00, b"x"))),
        Err(Error::Tree(TreeError::ExtensionNotInCapabilities {
            leaf: LeafIndex(0),
            extension_type: ExtensionType(0xff00)
        }))
    );
}

#[test]
fn generation_lists_the_extensions_it_includes() {
    let options = KeyPackageOptions {
        leaf_extensions: Extensions(vec![ext(0xff01, b"leaf"), ext(0x0001, b"\x02id")]),
        extensions: Extensions(vec![ext(0xff02, b"kp"), ext(0x4a4a, b"grease")]),
        ..plain()
    };
    let bundle = generate_with(SUITE, 8, &options);
    let kp = bundle.key_package();
    validate(&crypto(SUITE), kp).unwrap();
    assert_eq!(
        kp.leaf_node.capabilities.extensions,
        [
            ExtensionType(0xff01),
            ExtensionType(0xff02),
            ExtensionType(0x4a4a)
        ],
        "non-default types only, in order"
    );
    assert_eq!(kp.leaf_node.extensions, options.leaf_extensions);
    assert_eq!(kp.extensions, options.extensions);
}

#[test]
fn unsupported_credential_is_rejected() {
    let crypto = crypto(SUITE);
    let bundle = generate(SUITE);
    let kp = bundle.key_package();

    // The application's credential check refuses it (§5.3.1, §7.3).
    let refusing = LeafContext {
        credentials: &reject,
        ..ctx(LifetimePolicy::receiving(), NOW)
    };
    assert_eq!(
        validate_key_package(&crypto, kp, &refusing),
        Err(Error::Tree(TreeError::InvalidCredential {
            leaf: LeafIndex(0)
        }))
    );

    // The leaf's own capabilities do not list its credential type (§7.2).
    assert_eq!(
        validate_changed(|kp| kp.leaf_node.capabilities.credentials = [CredentialType::X509].into()),
        Err(Error::Tree(TreeError::CredentialNotInCapabilities {
            leaf: LeafIndex(0),
            credential_type: CredentialType::BASIC
        }))
    );

    // The group requires a credential type the leaf does not support.
    let required = RequiredCapabilities {
        credential_types: vec![CredentialType::X509],
        ..RequiredCapabilities::default()
    };
    let group = LeafContext {
        required_capabilities: Some(&required),
        ..ctx(LifetimePolicy::receiving(), NOW)
    };
    assert_eq!(
        validate_key_package(&crypto, kp, &group),
        Err(Error::Tree(TreeError::MissingRequiredCapability {
            leaf: LeafIndex(0),
            capability: crate::tree::Capability::Credential(CredentialType::X509)
        }))
    );
}

#[test]
fn leaf_source_must_be_key_package() {
    let crypto = crypto(SUITE);
    let bundle = generate(SUITE);
    let mut kp = bundle.key_package().clone();
    kp.leaf_node.leaf_node_source = LeafNodeSource::Update;
    let signer = bundle.signature_private_key();
    let tbs = kp.leaf_node.tbs_bytes(b"some group", LeafIndex(0)).unwrap();
    kp.leaf_node.signature = crypto
        .sign_with_label(signer, LeafNode::TBS_LABEL, &tbs)
        .unwrap();
    resign(&crypto, &mut kp, signer);
    assert_eq!(
        validate(&crypto, &kp),
        Err(Error::Tree(TreeError::WrongLeafNodeSource {
            leaf: LeafIndex(0)
        }))
    );
}

#[test]
fn last_resort_round_trips() {
    let crypto = crypto(SUITE);
    let options = KeyPackageOptions {
        last_resort: true,
        ..plain()
    };
    let bundle = generate_with(SUITE, 9, &options);
    let kp = bundle.key_package();
    assert!(bundle.is_last_resort());
    assert_eq!(kp.extensions.0, [ext(0x000a, b"")]);
    assert_eq!(
        kp.leaf_node.capabilities.extensions,
        [ExtensionType::LAST_RESORT]
    );
    validate(&crypto, kp).unwrap();

    let decoded: KeyPackage = decode_exact(&kp.to_bytes().unwrap()).unwrap();
    assert!(decoded.is_last_resort());
    let decoded: KeyPackageBundle = decode_exact(&bundle.to_bytes().unwrap()).unwrap();
    assert!(decoded.is_last_resort());

    // Asking twice adds the extension once.
    let options = KeyPackageOptions {
        extensions: Extensions(vec![ext(0x000a, b"")]),
        ..options
    };
    let bundle = generate_with(SUITE, 10, &options);
    assert_eq!(bundle.key_package().extensions.len(), 1);
    assert!(!generate(SUITE).is_last_resort());
}

#[test]
fn debug_redacts_private_keys() {
    let bundle = generate(SUITE);
    let printed = format!("{bundle:?}");
    assert!(printed.contains("<redacted>"));
    for secret in [
        bundle.init_private_key().as_bytes(),
        bundle.encryption_private_key().as_bytes(),
        bundle.signature_private_key().as_bytes(),
    ] {
        assert!(!printed.contains(&format!("{secret:?}")));
        assert!(!printed.contains(&hex::encode(secret)));
    }
}

#[test]
fn truncated_bundle_does_not_decode() {
    let bytes = generate(SUITE).to_bytes().unwrap();
    for len in [0, 1, bytes.len() / 2, bytes.len() - 1] {
        assert!(decode_exact::<KeyPackageBundle>(&bytes[..len]).is_err());
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert_eq!(
        decode_exact::<KeyPackageBundle>(&longer),
        Err(DecodeError::TrailingBytes(1))
    );
}
