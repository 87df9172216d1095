//! KeyPackageError: private keys that do not belong to a KeyPackage.

use super::*;

#[test]
fn private_key_mismatch() {
    let crypto = crypto();
    let mut rng = TestRng::new(60);
    let a = key_package(SUITE, "a", &mut rng);
    let b = key_package(SUITE, "b", &mut rng);
    let parts = |init: &KeyPackageBundle, encryption: &KeyPackageBundle| {
        KeyPackageBundle::from_parts(
            &crypto,
            a.key_package().clone(),
            init.init_private_key().clone(),
            encryption.encryption_private_key().clone(),
            a.signature_private_key().clone(),
        )
    };
    assert!(parts(&a, &a).is_ok());
    let want = |key| Error::KeyPackage(KeyPackageError::PrivateKeyMismatch { key });
    assert_eq!(parts(&b, &a).unwrap_err(), want(KeyPackageKey::InitKey));
    assert_eq!(
        parts(&a, &b).unwrap_err(),
        want(KeyPackageKey::EncryptionKey)
    );
}
