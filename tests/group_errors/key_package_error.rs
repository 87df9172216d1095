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

/// A point of order 8 on Curve25519 (RFC 7748): every X25519 with it is
/// all zero, so no one could encrypt a Welcome to it.
const LOW_ORDER_X25519: &str = "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800";

/// Issue 11, gap 4: a KeyPackage whose `init_key` is a low-order point,
/// correctly signed by its owner, is refused wherever it enters a group
/// (RFC 9180 §7.1.4, RFC 9420 §10.1): by the KeyPackage validator, in a
/// commit this member creates (state unchanged), and in a received commit
/// and Add proposal (saved bytes unchanged).
#[test]
fn low_order_init_key() {
    let crypto = crypto();
    let mut h = group_of(2, GroupConfig::default(), 62);
    let joiner = h.new_key_packages(1).remove(0);
    let mut kp = joiner.key_package().clone();
    kp.init_key = HpkePublicKey(hex::decode(LOW_ORDER_X25519).unwrap());
    kp.signature = crypto
        .sign_with_label(
            joiner.signature_private_key(),
            "KeyPackageTBS",
            &kp.tbs_bytes().unwrap(),
        )
        .unwrap();
    let refused = KeyPackageError::InvalidPublicKey {
        key: KeyPackageKey::InitKey,
    };
    // The validator on its own.
    let ctx = LeafContext {
        group_id: b"",
        required_capabilities: None,
        lifetime: LifetimePolicy::receiving(),
        now: NOW,
        credentials: &AcceptAllCredentials,
    };
    assert_eq!(
        validate_key_package(&crypto, &kp, &ctx),
        Err(refused.into())
    );
    // In a commit this member creates.
    let reference = KeyPackageRef(crypto.key_package_ref(&kp.to_bytes().unwrap()).unwrap());
    let want: Error = ProposalError::InvalidAdd {
        index: 0,
        key_package: Some(reference),
        error: Box::new(refused.into()),
    }
    .into();
    let add = Proposal::Add(Add { key_package: kp });
    let before = h.group(0).to_bytes().unwrap();
    let e = h
        .group(0)
        .create_commit(
            CommitOptions::with_proposals(vec![add.clone()]),
            NOW,
            &mut TestRng::new(620),
        )
        .unwrap_err();
    assert_eq!(e, want);
    assert_eq!(*h.group(0).to_bytes().unwrap(), *before);
    // In a received commit, and as a received proposal.
    let message = forge_commit(h.group(1), by_value(vec![add.clone()]));
    refuse(h.group(0), &message, want);
    let message = forge_proposal(h.group(1), add);
    refuse(h.group(0), &message, refused.into());
}

/// The leaf's `encryption_key` of a KeyPackage is checked too: the
/// all-zero X25519 point (order 2) is refused naming that key.
#[test]
fn low_order_leaf_encryption_key() {
    let crypto = crypto();
    let mut rng = TestRng::new(63);
    let bundle = key_package(SUITE, "b", &mut rng);
    let signer = bundle.signature_private_key();
    let mut kp = bundle.key_package().clone();
    kp.leaf_node.encryption_key = HpkePublicKey(vec![0; 32]);
    kp.leaf_node
        .sign(&crypto, signer, &[], LeafIndex(0))
        .unwrap();
    kp.signature = crypto
        .sign_with_label(signer, "KeyPackageTBS", &kp.tbs_bytes().unwrap())
        .unwrap();
    let ctx = LeafContext {
        group_id: b"",
        required_capabilities: None,
        lifetime: LifetimePolicy::receiving(),
        now: NOW,
        credentials: &AcceptAllCredentials,
    };
    let want = KeyPackageError::InvalidPublicKey {
        key: KeyPackageKey::EncryptionKey,
    };
    assert_eq!(validate_key_package(&crypto, &kp, &ctx), Err(want.into()));
}

/// RFC 9420 §10 (R-10-04): a KeyPackage is taken out of an MLSMessage of
/// its own version only.
#[test]
fn key_package_from_message() {
    use rfc9420::group::key_package_from_message;
    let kp = key_package(SUITE, "published", &mut TestRng::new(60));
    let bytes = kp.to_message().unwrap();
    assert_eq!(&key_package_from_message(&bytes).unwrap(), kp.key_package());
    // A KeyPackage of another version inside an mls10 message.
    let mut other = kp.key_package().clone();
    other.version = ProtocolVersion(2);
    let message = MlsMessage::new(MlsMessageBody::KeyPackage(other))
        .to_bytes()
        .unwrap();
    let want = KeyPackageError::VersionMismatch {
        message: ProtocolVersion::MLS10,
        key_package: ProtocolVersion(2),
    };
    assert_eq!(key_package_from_message(&message).unwrap_err(), want.into());
    // A message of another version.
    let mut message = bytes.clone();
    message[..2].copy_from_slice(&2u16.to_be_bytes());
    let want = MessageError::UnsupportedVersion(ProtocolVersion(2));
    assert_eq!(key_package_from_message(&message).unwrap_err(), want.into());
    // Something else than a KeyPackage.
    let (welcome, _) = welcome_for_one(61, CommitOptions::default());
    let want = MessageError::UnexpectedWireFormat(WireFormat::WELCOME);
    assert_eq!(key_package_from_message(&welcome).unwrap_err(), want.into());
}
