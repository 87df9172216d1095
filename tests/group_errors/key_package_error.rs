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

/// A commit of several Adds verifies their KeyPackages' signatures
/// together; the refusal is the one checking each Add in turn gives: the
/// first bad Add, whatever is wrong with it and with later ones, in a
/// commit this member creates and in a received one.
#[test]
fn first_bad_add_is_named_among_many() {
    let crypto = crypto();
    let mut h = group_of(2, GroupConfig::default(), 64);
    let bundles = h.new_key_packages(5);
    let kps: Vec<KeyPackage> = bundles.iter().map(|b| b.key_package().clone()).collect();
    let reference = |kp: &KeyPackage| {
        Some(KeyPackageRef(
            crypto.key_package_ref(&kp.to_bytes().unwrap()).unwrap(),
        ))
    };
    let check = |h: &mut Harness, kps: &[KeyPackage], index: usize, error: Error| {
        let adds: Vec<Proposal> = kps
            .iter()
            .map(|kp| {
                Proposal::Add(Add {
                    key_package: kp.clone(),
                })
            })
            .collect();
        let want: Error = ProposalError::InvalidAdd {
            index,
            key_package: reference(&kps[index]),
            error: Box::new(error),
        }
        .into();
        let before = h.group(0).to_bytes().unwrap();
        let e = h
            .group(0)
            .create_commit(
                CommitOptions::with_proposals(adds.clone()),
                NOW,
                &mut TestRng::new(640),
            )
            .unwrap_err();
        assert_eq!(e, want, "created, Add {index}");
        assert_eq!(*h.group(0).to_bytes().unwrap(), *before);
        let message = forge_commit(h.group(1), by_value(adds));
        refuse(h.group(0), &message, want);
    };
    let bad_leaf_signature = |kp: &mut KeyPackage| kp.leaf_node.signature[3] ^= 1;
    let bad_signature = |kp: &mut KeyPackage| kp.signature[3] ^= 1;
    let leaf_error: Error = TreeError::InvalidLeafSignature { leaf: LeafIndex(0) }.into();
    let kp_error: Error = KeyPackageError::InvalidSignature.into();

    // One bad KeyPackage signature among five.
    let mut list = kps.clone();
    bad_signature(&mut list[3]);
    check(&mut h, &list, 3, kp_error.clone());
    // A bad leaf signature before it is named first.
    bad_leaf_signature(&mut list[1]);
    check(&mut h, &list, 1, leaf_error);
    // A field error (the init key equal to the leaf key, correctly
    // signed) before a bad signature, and with every signature valid.
    let mut list = kps.clone();
    list[2].init_key = list[2].leaf_node.encryption_key.clone();
    list[2].signature = crypto
        .sign_with_label(
            bundles[2].signature_private_key(),
            "KeyPackageTBS",
            &list[2].tbs_bytes().unwrap(),
        )
        .unwrap();
    let field_error: Error = KeyPackageError::InitKeyEqualsEncryptionKey.into();
    check(&mut h, &list, 2, field_error.clone());
    bad_signature(&mut list[4]);
    check(&mut h, &list, 2, field_error);
    // An error that depends on the Adds before it (the same client twice,
    // found while the leaves are being added beside the batch
    // verification) before a bad signature, and after one.
    let mut list = kps.clone();
    list[3] = list[0].clone();
    let duplicate: Error = ProposalError::DuplicateAdd {
        existing: LeafIndex(2),
    }
    .into();
    check(&mut h, &list, 3, duplicate.clone());
    bad_signature(&mut list[4]);
    check(&mut h, &list, 3, duplicate);
    bad_signature(&mut list[1]);
    check(&mut h, &list, 1, kp_error);
    // All five valid: the commit adds them.
    h.commit(0, CommitOptions::default(), bundles).unwrap();
    h.assert_agree();
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

fn generate_with(
    suite: CipherSuite,
    options: &rfc9420::group::KeyPackageOptions,
) -> Result<KeyPackageBundle, Error> {
    let crypto = SuiteCrypto::new(&PROVIDER, suite).unwrap();
    KeyPackageBundle::generate_with_new_signature_key(
        &crypto,
        Credential::basic(b"caps".to_vec()),
        options,
        NOW,
        &mut TestRng::new(62),
    )
}

/// RFC 9420 §7.2, §13.4 (R-7.2-01, R-13.4-01): the capabilities of a
/// generated KeyPackage advertise only what this client supports, and no
/// default type; what the KeyPackage uses is added.
#[test]
fn unsupported_capability() {
    use rfc9420::group::UnsupportedCapability as U;
    type Edit = fn(&mut rfc9420::tree::Capabilities);
    let cases: Vec<(Edit, U)> = vec![
        (
            |c| c.versions.push(ProtocolVersion(2)),
            U::Version(ProtocolVersion(2)),
        ),
        (
            |c| c.cipher_suites.push(CipherSuite(0x0042)),
            U::CipherSuite(CipherSuite(0x0042)),
        ),
        (
            |c| c.proposals.push(ProposalType::ADD),
            U::DefaultProposalType(ProposalType::ADD),
        ),
        (
            |c| c.extensions.push(ExtensionType::EXTERNAL_SENDERS),
            U::DefaultExtensionType(ExtensionType::EXTERNAL_SENDERS),
        ),
    ];
    for (edit, what) in cases {
        let mut options = rfc9420::group::KeyPackageOptions::default();
        edit(&mut options.capabilities);
        let e = generate_with(SUITE, &options).unwrap_err();
        assert_eq!(e, KeyPackageError::UnsupportedCapability(what).into());
    }
    // GREASE values advertise nothing and pass, as do application-defined
    // credential types (RFC 9420 §5.3: the application judges them); what
    // the KeyPackage uses is added after what the application lists (no
    // GREASE of the crate's own here, to see the lists exactly).
    let mut options = rfc9420::group::KeyPackageOptions {
        grease: false,
        ..rfc9420::group::KeyPackageOptions::default()
    };
    let other = CipherSuite::MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_ED25519;
    options.capabilities.cipher_suites = [other, CipherSuite(0x0a0a)].into();
    options.capabilities.credentials = [
        rfc9420::CredentialType(0x1a1a),
        rfc9420::CredentialType(0xf001),
    ]
    .into();
    options.capabilities.versions = Default::default();
    let kp = generate_with(SUITE, &options).unwrap();
    let caps = &kp.key_package().leaf_node.capabilities;
    assert_eq!(caps.versions, [ProtocolVersion::MLS10]);
    assert_eq!(caps.cipher_suites, [other, CipherSuite(0x0a0a), SUITE]);
    assert_eq!(
        caps.credentials,
        [
            rfc9420::CredentialType(0x1a1a),
            rfc9420::CredentialType(0xf001),
            rfc9420::CredentialType::BASIC
        ]
    );
}

/// RFC 9420 §11 (R-11-01): the group's suite is the best one the creator
/// and every invitee support; a mix of suites, or a weaker suite while a
/// better one is common to all, is refused.
#[test]
fn downgrade() {
    use rfc9420::group::{best_common_cipher_suite, check_invitees};
    let better = CipherSuite::MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_ED25519;
    let with_suites = |suite: CipherSuite, suites: Vec<CipherSuite>| {
        let mut options = rfc9420::group::KeyPackageOptions::default();
        options.capabilities.cipher_suites = suites.into();
        generate_with(suite, &options)
            .unwrap()
            .key_package()
            .clone()
    };
    let invitees = vec![
        with_suites(SUITE, vec![SUITE, better]),
        with_suites(SUITE, vec![better, SUITE]),
    ];
    // The creator prefers SUITE: its KeyPackage of SUITE is the best option.
    let creator = with_suites(SUITE, vec![SUITE, better]);
    check_invitees(&creator, &invitees).unwrap();
    // The creator prefers `better`, which every invitee supports: creating
    // the group with SUITE KeyPackages would be a downgrade.
    let creator = with_suites(SUITE, vec![better, SUITE]);
    let caps = invitees.iter().map(|kp| &kp.leaf_node.capabilities);
    assert_eq!(
        best_common_cipher_suite(&creator.leaf_node.capabilities, caps),
        Some(better)
    );
    let want = KeyPackageError::Downgrade {
        chosen: SUITE,
        best: Some(better),
    };
    assert_eq!(
        check_invitees(&creator, &invitees).unwrap_err(),
        want.into()
    );
    // Unless one invitee lacks it.
    let mut fewer = invitees.clone();
    fewer.push(with_suites(SUITE, vec![SUITE]));
    check_invitees(&creator, &fewer).unwrap();
    // A mix of suites.
    let mut mixed = invitees.clone();
    mixed.push(with_suites(better, vec![better, SUITE]));
    let want = KeyPackageError::CipherSuiteMismatch {
        key_package: better,
        group: SUITE,
    };
    assert_eq!(check_invitees(&creator, &mixed).unwrap_err(), want.into());
    // Another version.
    let mut other = invitees.clone();
    other[0].version = ProtocolVersion(2);
    let want = KeyPackageError::UnsupportedVersion {
        version: ProtocolVersion(2),
    };
    assert_eq!(check_invitees(&creator, &other).unwrap_err(), want.into());
    // An invitee that does not list the group's suite at all.
    let mut unlisted = invitees;
    unlisted[1].leaf_node.capabilities.cipher_suites = [better].into();
    let creator = with_suites(SUITE, vec![SUITE]);
    let want = KeyPackageError::Downgrade {
        chosen: SUITE,
        best: None,
    };
    assert_eq!(
        check_invitees(&creator, &unlisted).unwrap_err(),
        want.into()
    );
}

/// RFC 9420 §7.2 (R-7.2-02): a client can advertise every suite its
/// provider implements, the KeyPackage's own among them.
#[test]
fn advertising_every_suite_of_the_provider() {
    let options = rfc9420::group::KeyPackageOptions::advertising_suites_of(&PROVIDER);
    let other = CipherSuite::MLS_256_DHKEMP521_AES256GCM_SHA512_P521;
    let kp = generate_with(other, &options).unwrap();
    let caps = &kp.key_package().leaf_node.capabilities;
    // After them, one GREASE value (RFC 9420 §13.5, on by default).
    let (grease, real): (Vec<CipherSuite>, Vec<CipherSuite>) = caps
        .cipher_suites
        .iter()
        .partition(|s| rfc9420::types::is_grease(s.0));
    assert_eq!(real, CipherSuite::ALL);
    assert_eq!(grease.len(), 1);
}
