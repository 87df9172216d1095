//! Generating a KeyPackage with the private keys its owner keeps (RFC 9420
//! §10), and validating a KeyPackage received from someone else
//! (§10.1, as an Add proposal requires it, §12.1.1).
//!
//! - [`KeyPackageBundle::generate`] draws a fresh init key and a fresh leaf
//!   encryption key, signs the leaf (`"LeafNodeTBS"`, §7.2) and the
//!   KeyPackage (`"KeyPackageTBS"`, §10), and checks the result as a
//!   receiver would.
//! - [`validate_key_package`] makes every check of §10.1 and the rules of
//!   §10 and §13.4 a receiver can check on the KeyPackage alone. The checks
//!   that need the group's tree (credential types supported by every
//!   member, key uniqueness, §7.3) remain the caller's.

use rand_core::CryptoRng;

pub(crate) use grease::grease_extension;
use grease::{add_grease_capabilities, add_grease_extensions};

use crate::codec::{Encode, EncodeError};
use crate::crypto::{
    CipherSuite, HpkePrivateKey, SignaturePrivateKey, SignaturePublicKey, SuiteCrypto,
};
use crate::crypto::{SignatureCheck, encode_sign_content};
use crate::error::Error;
use crate::messages::{
    Credential, CredentialType, Extension, ExtensionType, Extensions, KeyPackage, KeyPackageRef,
    ProtocolVersion,
};
#[cfg(doc)]
use crate::tree::validate::validate_leaf_node;
use crate::tree::validate::{
    LeafContext, LeafRole, LifetimePolicy, Timestamp, check_hpke_public_key,
    check_leaf_node_fields, verify_leaf_signature,
};
use crate::tree::{Capabilities, LeafIndex, LeafNode, LeafNodeSource, Lifetime};

/// The label of the KeyPackage signature (RFC 9420 §10).
const KEY_PACKAGE_LABEL: &str = "KeyPackageTBS";
/// The leaf index [`validate_leaf_node`] is given for a KeyPackage's leaf:
/// a `key_package` leaf is signed without a group or a position (RFC 9420
/// §7.2), so the index only labels the [`TreeError`](crate::tree::TreeError)
/// values it returns.
const KEY_PACKAGE_LEAF: LeafIndex = LeafIndex(0);

/// A public key of a KeyPackage (RFC 9420 §10), named by
/// [`KeyPackageError::PrivateKeyMismatch`] and
/// [`KeyPackageError::InvalidPublicKey`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyPackageKey {
    /// `init_key`.
    InitKey,
    /// `leaf_node.encryption_key`.
    EncryptionKey,
}

/// Why a KeyPackage could not be generated or was rejected (RFC 9420 §10,
/// §10.1). Problems with its leaf node are reported as
/// [`TreeError`](crate::tree::TreeError) values by
/// [`validate_leaf_node`], with leaf index 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyPackageError {
    /// The KeyPackage's version is not the group's, `mls10`, the only
    /// version this crate speaks (RFC 9420 §10.1).
    #[error("KeyPackage version {version:?}, group version is mls10")]
    UnsupportedVersion {
        /// The KeyPackage's `version`.
        version: ProtocolVersion,
    },
    /// A KeyPackage carried in an MLSMessage of another version
    /// (RFC 9420 §10).
    #[error("KeyPackage version {key_package:?} in an MLSMessage of version {message:?}")]
    VersionMismatch {
        /// The MLSMessage's `version`.
        message: ProtocolVersion,
        /// The KeyPackage's `version`.
        key_package: ProtocolVersion,
    },
    /// The capabilities given to generate a KeyPackage advertise what this
    /// client does not support, or a default type (RFC 9420 §7.2, §13.4).
    #[error("capabilities advertise {0:?}")]
    UnsupportedCapability(UnsupportedCapability),
    /// The group's cipher suite is not the best one the creator and every
    /// invitee support, or not supported by all (RFC 9420 §11).
    #[error("group cipher suite {chosen:?}, best common one {best:?}")]
    Downgrade {
        /// The suite of the creator's KeyPackage.
        chosen: CipherSuite,
        /// The best suite all list, if any.
        best: Option<CipherSuite>,
    },
    /// The KeyPackage's cipher suite is not the group's (RFC 9420 §10.1).
    #[error("KeyPackage cipher suite {key_package:?}, group cipher suite {group:?}")]
    CipherSuiteMismatch {
        /// The KeyPackage's `cipher_suite`.
        key_package: CipherSuite,
        /// The group's cipher suite.
        group: CipherSuite,
    },
    /// The `init_key` is not a public key of the suite's KEM: its length is
    /// not the KEM's `Npk` (RFC 9420 §10).
    #[error("init_key has {got} bytes, the suite's KEM uses {expected}")]
    InitKeyLength {
        /// `Npk` of the suite's KEM.
        expected: usize,
        /// The length of `init_key`.
        got: usize,
    },
    /// The leaf's `encryption_key` is not a public key of the suite's KEM:
    /// its length is not the KEM's `Npk` (RFC 9420 §10).
    #[error("leaf encryption_key has {got} bytes, the suite's KEM uses {expected}")]
    EncryptionKeyLength {
        /// `Npk` of the suite's KEM.
        expected: usize,
        /// The length of `leaf_node.encryption_key`.
        got: usize,
    },
    /// `init_key` or the leaf's `encryption_key` is not a valid public key
    /// of the suite's KEM: off the curve, the identity, or a low-order
    /// X25519 or X448 point (RFC 9180 §7.1.4, RFC 9420 §10).
    #[error("the KeyPackage's {key:?} is not a valid public key of the suite")]
    InvalidPublicKey {
        /// Which key.
        key: KeyPackageKey,
    },
    /// `init_key` equals `leaf_node.encryption_key` (RFC 9420 §10.1).
    #[error("init_key equals the leaf's encryption_key")]
    InitKeyEqualsEncryptionKey,
    /// An extension type appears twice in the KeyPackage's `extensions`
    /// (RFC 9420 §13.4).
    #[error("extension type {extension_type:?} appears twice in the KeyPackage")]
    DuplicateExtension {
        /// The repeated type.
        extension_type: ExtensionType,
    },
    /// An extension type appears twice in the leaf's `extensions`
    /// (RFC 9420 §13.4).
    #[error("extension type {extension_type:?} appears twice in the leaf node")]
    DuplicateLeafExtension {
        /// The repeated type.
        extension_type: ExtensionType,
    },
    /// A non-default extension of the KeyPackage's `extensions` is not
    /// listed in `leaf_node.capabilities.extensions` (RFC 9420 §10).
    #[error("KeyPackage extension {extension_type:?} is not in the leaf's capabilities")]
    ExtensionNotInCapabilities {
        /// The unlisted type.
        extension_type: ExtensionType,
    },
    /// The KeyPackage signature does not verify with the leaf's
    /// `signature_key` (RFC 9420 §10, §10.1).
    #[error("KeyPackage signature invalid")]
    InvalidSignature,
    /// Generation: the signature private key given is not the private key
    /// of the signature public key given.
    #[error("the signature private key does not match the signature public key")]
    SignatureKeyMismatch,
    /// An HPKE private key given to
    /// [`KeyPackageBundle::from_parts`] does not belong to the
    /// KeyPackage's public key.
    #[error("private key does not match the KeyPackage's {key:?}")]
    PrivateKeyMismatch {
        /// Which key.
        key: KeyPackageKey,
    },
    /// Generation: the credential's type is a GREASE value, which RFC 9420
    /// §13.5 forbids in `Credential.credential_type`.
    #[error("credential type {credential_type:?} is a GREASE value")]
    GreaseCredentialType {
        /// The credential's type.
        credential_type: CredentialType,
    },
    /// Generation: `now` plus the validity does not fit in a `uint64`
    /// `not_after` (RFC 9420 §7.2).
    #[error("lifetime end {now} + {validity} overflows")]
    LifetimeOverflow {
        /// The current time given.
        now: u64,
        /// The validity asked for, in seconds.
        validity: u64,
    },
}

/// What [`KeyPackageBundle::generate`] puts into a KeyPackage besides its
/// keys and credential.
///
/// The lifetime (RFC 9420 §7.2) runs from `now - backdate` to
/// `now + validity`; the default spans 90 days in all, starting one hour
/// before `now` so that receivers whose clocks lag a little accept it.
///
/// Generation completes `capabilities` with what the KeyPackage itself
/// uses: the version `mls10`, the suite, the credential's type, the
/// non-default types of `leaf_extensions` and `extensions`, and
/// [`ExtensionType::LAST_RESORT`] if `last_resort` is set (§7.2, §10).
/// With `grease` (the default) and `grease_extensions`, it also adds
/// random GREASE values (RFC 9420 §13.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyPackageOptions {
    /// The leaf's capabilities before completion. Default: version
    /// `mls10` and credential type `basic`. RFC 9420 §7.2 asks a client to
    /// list everything it supports, and not the default proposal and
    /// extension types: generation refuses what the crate does not support
    /// and the default types ([`KeyPackageError::UnsupportedCapability`]),
    /// then adds what the KeyPackage uses (`mls10`, its suite, its
    /// credential type, its non-default extension types). Which further
    /// suites, credential types and extensions the application supports is
    /// its own knowledge; [`advertising_suites_of`](Self::advertising_suites_of)
    /// lists every suite of a provider.
    pub capabilities: Capabilities,
    /// Seconds before `now` at which the lifetime starts. Default: one
    /// hour.
    pub backdate: u64,
    /// Seconds after `now` at which the lifetime ends. Default: 90 days
    /// less one hour.
    pub validity: u64,
    /// The policy the generated leaf is checked against; its `max_range`
    /// is the application's maximum lifetime (RFC 9420 §7.2). Default:
    /// [`LifetimePolicy::sending`].
    pub lifetime_policy: LifetimePolicy,
    /// The leaf node's extensions.
    pub leaf_extensions: Extensions,
    /// The KeyPackage's extensions.
    pub extensions: Extensions,
    /// Whether to add the `last_resort` extension, marking a KeyPackage
    /// that may be used more than once (RFC 9420 §16.8).
    pub last_resort: bool,
    /// Whether to add random GREASE values to the capabilities, as
    /// RFC 9420 §13.5 recommends (default `true`): one each to the cipher
    /// suites, extensions, proposals and credentials (none to versions,
    /// which §13.5 does not list). The values come from the caller's `rng`.
    /// GREASE never goes where §13.5 forbids it.
    pub grease: bool,
    /// Whether to also add one GREASE extension, with up to 15 random
    /// bytes, to the leaf's extensions and one to the KeyPackage's, whose
    /// types the capabilities list (RFC 9420 §7.2, §10, §13.5). Default
    /// `false`: OpenMLS 0.9.2 refuses such a KeyPackage, and a group with
    /// such a leaf (`UnsupportedExtension`): it reads a GREASE type in an
    /// extension list as unknown but in the capabilities as GREASE, so the
    /// two never match. mls-rs 0.57 accepts them.
    pub grease_extensions: bool,
}

impl KeyPackageOptions {
    /// The default options, advertising every cipher suite `provider`
    /// implements, in `provider`'s registry order (RFC 9420 §7.2: a client
    /// lists every suite it supports). The order is the creator's
    /// preference in [`best_common_cipher_suite`]: reorder
    /// `capabilities.cipher_suites`, best first, to prefer others.
    pub fn advertising_suites_of(provider: &dyn crate::crypto::CryptoProvider) -> Self {
        // RFC 9420 R-7.2-02 (docs/rfc9420-requirements.md)
        let mut options = Self::default();
        options.capabilities.cipher_suites = CipherSuite::ALL
            .into_iter()
            .filter(|s| provider.supports(*s))
            .collect();
        options
    }

    /// One hour: the default [`backdate`](Self::backdate).
    pub const DEFAULT_BACKDATE: u64 = 60 * 60;
    /// 90 days less one hour: the default [`validity`](Self::validity), so
    /// that the default lifetime spans exactly
    /// [`LifetimePolicy::DEFAULT_SEND_MAX_RANGE`].
    pub const DEFAULT_VALIDITY: u64 =
        LifetimePolicy::DEFAULT_SEND_MAX_RANGE - Self::DEFAULT_BACKDATE;

    /// The lifetime these options give a KeyPackage generated at `now`.
    pub fn lifetime(&self, now: Timestamp) -> Result<Lifetime, KeyPackageError> {
        let not_after =
            now.0
                .checked_add(self.validity)
                .ok_or(KeyPackageError::LifetimeOverflow {
                    now: now.0,
                    validity: self.validity,
                })?;
        Ok(Lifetime {
            not_before: now.0.saturating_sub(self.backdate),
            not_after,
        })
    }
}

impl Default for KeyPackageOptions {
    fn default() -> Self {
        Self {
            capabilities: Capabilities {
                versions: [ProtocolVersion::MLS10].into(),
                credentials: [CredentialType::BASIC].into(),
                ..Capabilities::default()
            },
            backdate: Self::DEFAULT_BACKDATE,
            validity: Self::DEFAULT_VALIDITY,
            lifetime_policy: LifetimePolicy::sending(),
            leaf_extensions: Extensions::new(),
            extensions: Extensions::new(),
            last_resort: false,
            grease: true,
            grease_extensions: false,
        }
    }
}

/// A KeyPackage and the private keys its owner keeps (RFC 9420 §10): the
/// private key of `init_key`, which opens the Welcome (§12.4.3.1), the
/// private key of the leaf's `encryption_key`, which the owner holds once
/// in the tree (§7.2), and the signature private key.
///
/// Publish [`key_package`](Self::key_package); store the bundle itself,
/// which encodes to bytes (secrets included, so store it as a secret) and
/// decodes back. `Debug` prints the KeyPackage only.
#[derive(Clone, PartialEq, Eq)]
pub struct KeyPackageBundle {
    key_package: KeyPackage,
    init_private_key: HpkePrivateKey,
    encryption_private_key: HpkePrivateKey,
    signature_private_key: SignaturePrivateKey,
}

crate::codec_struct!(KeyPackageBundle {
    key_package,
    init_private_key,
    encryption_private_key,
    signature_private_key
});

impl core::fmt::Debug for KeyPackageBundle {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("KeyPackageBundle")
            .field("key_package", &self.key_package)
            .field("init_private_key", &"<redacted>")
            .field("encryption_private_key", &"<redacted>")
            .field("signature_private_key", &"<redacted>")
            .finish()
    }
}

impl KeyPackageBundle {
    /// Generates a KeyPackage for `credential` signed by `signer`, whose
    /// public key is `signature_key` (RFC 9420 §10).
    ///
    /// The init key and the leaf's encryption key are fresh HPKE key pairs
    /// drawn from `rng`, so distinct (§10.1) and unique among this
    /// client's KeyPackages (§10). The leaf has source `key_package` and
    /// the lifetime of `options` at `now`; it is signed with
    /// `SignWithLabel(., "LeafNodeTBS", LeafNodeTBS)` (§7.2), the
    /// KeyPackage with `SignWithLabel(., "KeyPackageTBS", KeyPackageTBS)`
    /// (§10). `signer` must be the private key of `signature_key`
    /// ([`KeyPackageError::SignatureKeyMismatch`] otherwise). The result
    /// passes [`validate_key_package`] under `options.lifetime_policy` at
    /// `now`: its checks on what `credential` and `options` put in are
    /// made; the two signatures just made with the matching key are not
    /// verified again. The credential itself is the application's to check
    /// (§5.3.1).
    pub fn generate(
        crypto: &SuiteCrypto<'_>,
        credential: Credential,
        signer: &SignaturePrivateKey,
        signature_key: SignaturePublicKey,
        options: &KeyPackageOptions,
        now: Timestamp,
        rng: &mut (impl CryptoRng + ?Sized),
    ) -> Result<Self, Error> {
        // RFC 9420 R-7.3-05 (docs/rfc9420-requirements.md)
        if !crypto.signature_keys_match(signer, &signature_key)? {
            return Err(KeyPackageError::SignatureKeyMismatch.into());
        }
        Self::generate_with_matching_keys(
            crypto,
            credential,
            signer,
            signature_key,
            options,
            now,
            rng,
        )
    }

    /// [`generate`](Self::generate) with `signer` known to be the private
    /// key of `signature_key`.
    fn generate_with_matching_keys(
        crypto: &SuiteCrypto<'_>,
        credential: Credential,
        signer: &SignaturePrivateKey,
        signature_key: SignaturePublicKey,
        options: &KeyPackageOptions,
        now: Timestamp,
        rng: &mut (impl CryptoRng + ?Sized),
    ) -> Result<Self, Error> {
        let lifetime = options.lifetime(now)?;
        // RFC 9420 §13.5: no GREASE in `Credential.credential_type`.
        let credential_type = credential.credential_type();
        if credential_type.is_grease() {
            return Err(KeyPackageError::GreaseCredentialType { credential_type }.into());
        }
        let (init_private_key, init_key) = crypto.generate_hpke_key_pair(rng)?;
        let (encryption_private_key, encryption_key) = crypto.generate_hpke_key_pair(rng)?;

        let mut extensions = options.extensions.clone();
        if options.last_resort && !extensions.contains(ExtensionType::LAST_RESORT) {
            extensions.0.push(Extension {
                extension_type: ExtensionType::LAST_RESORT,
                extension_data: Vec::new(),
            });
        }
        let mut leaf_extensions = options.leaf_extensions.clone();
        let mut capabilities = options.capabilities.clone();
        if options.grease {
            add_grease_capabilities(&mut capabilities, rng);
        }
        if options.grease_extensions {
            add_grease_extensions(&mut leaf_extensions, &mut extensions, rng);
        }
        let capabilities = capabilities::checked_capabilities(
            &capabilities,
            crypto,
            &credential,
            &leaf_extensions,
            &extensions,
        )?;

        let mut leaf_node = LeafNode {
            encryption_key,
            signature_key,
            credential,
            capabilities,
            leaf_node_source: LeafNodeSource::KeyPackage(lifetime),
            extensions: leaf_extensions,
            signature: Vec::new(),
        };
        // A key_package leaf signs no group and no position (§7.2).
        leaf_node.sign(crypto, signer, &[], KEY_PACKAGE_LEAF)?;

        let mut key_package = KeyPackage {
            version: ProtocolVersion::MLS10,
            cipher_suite: crypto.suite(),
            init_key,
            leaf_node,
            extensions,
            signature: Vec::new(),
        };
        key_package.signature =
            crypto.sign_with_label(signer, KEY_PACKAGE_LABEL, &key_package.tbs_bytes()?)?;

        let own_credential = |_: &Credential, _: &SignaturePublicKey| true;
        let ctx = LeafContext {
            group_id: &[],
            required_capabilities: None,
            lifetime: options.lifetime_policy,
            now,
            credentials: &own_credential,
        };
        // The two signatures were made just above with a key pair known to
        // match, so they are not verified again: only the checks on what
        // `credential` and `options` put in (RFC 9420 §7.3, §10.1).
        check_key_package_fields(crypto, &key_package, &ctx)?;

        Ok(Self {
            key_package,
            init_private_key,
            encryption_private_key,
            signature_private_key: signer.clone(),
        })
    }

    /// Generates a fresh signature key pair for the suite, then a
    /// KeyPackage signed with it, as [`generate`](Self::generate) does.
    /// The public key is the leaf's `signature_key`; the private key is in
    /// the bundle.
    pub fn generate_with_new_signature_key(
        crypto: &SuiteCrypto<'_>,
        credential: Credential,
        options: &KeyPackageOptions,
        now: Timestamp,
        rng: &mut impl CryptoRng,
    ) -> Result<Self, Error> {
        // A pair the provider has just generated: not checked again.
        let (signer, signature_key) = crypto.generate_signature_key_pair(rng)?;
        Self::generate_with_matching_keys(
            crypto,
            credential,
            &signer,
            signature_key,
            options,
            now,
            rng,
        )
    }

    /// A bundle from a KeyPackage and private keys held elsewhere (for
    /// example imported from another implementation), after checking that
    /// each private key belongs to the KeyPackage's public key:
    /// [`KeyPackageError::SignatureKeyMismatch`] or
    /// [`KeyPackageError::PrivateKeyMismatch`] otherwise.
    pub fn from_parts(
        crypto: &SuiteCrypto<'_>,
        key_package: KeyPackage,
        init_private_key: HpkePrivateKey,
        encryption_private_key: HpkePrivateKey,
        signature_private_key: SignaturePrivateKey,
    ) -> Result<Self, Error> {
        check_suite(crypto, &key_package)?;
        let provider = crypto.provider();
        let suite = crypto.suite();
        if provider.kem_public_key(suite, &init_private_key)? != key_package.init_key {
            return Err(KeyPackageError::PrivateKeyMismatch {
                key: KeyPackageKey::InitKey,
            }
            .into());
        }
        if provider.kem_public_key(suite, &encryption_private_key)?
            != key_package.leaf_node.encryption_key
        {
            return Err(KeyPackageError::PrivateKeyMismatch {
                key: KeyPackageKey::EncryptionKey,
            }
            .into());
        }
        if !crypto
            .signature_keys_match(&signature_private_key, &key_package.leaf_node.signature_key)?
        {
            return Err(KeyPackageError::SignatureKeyMismatch.into());
        }
        Ok(Self {
            key_package,
            init_private_key,
            encryption_private_key,
            signature_private_key,
        })
    }

    /// The KeyPackage, to publish.
    pub fn key_package(&self) -> &KeyPackage {
        &self.key_package
    }

    /// The private key of `init_key`: opens the GroupSecrets of a Welcome
    /// (RFC 9420 §12.4.3.1).
    pub fn init_private_key(&self) -> &HpkePrivateKey {
        &self.init_private_key
    }

    /// The private key of the leaf's `encryption_key` (RFC 9420 §7.2).
    pub fn encryption_private_key(&self) -> &HpkePrivateKey {
        &self.encryption_private_key
    }

    /// The private key of the leaf's `signature_key`.
    pub fn signature_private_key(&self) -> &SignaturePrivateKey {
        &self.signature_private_key
    }

    /// Whether the KeyPackage is a last-resort one (RFC 9420 §16.8).
    pub fn is_last_resort(&self) -> bool {
        self.key_package.is_last_resort()
    }

    /// The KeyPackage's reference, `MakeKeyPackageRef` (RFC 9420 §5.2),
    /// computed with `crypto`, which must be bound to the KeyPackage's
    /// suite.
    pub fn key_package_ref(&self, crypto: &SuiteCrypto<'_>) -> Result<KeyPackageRef, Error> {
        check_suite(crypto, &self.key_package)?;
        Ok(KeyPackageRef(
            crypto.key_package_ref(&self.key_package.to_bytes()?)?,
        ))
    }
}

/// `capabilities` with what a KeyPackage generated with them uses added,
/// each value once and in the order first met: `mls10`, the suite, the
/// credential type and the non-default extension types (RFC 9420 §7.2,
/// §10).
fn complete_capabilities(
    capabilities: &Capabilities,
    crypto: &SuiteCrypto<'_>,
    credential: &Credential,
    leaf_extensions: &Extensions,
    extensions: &Extensions,
) -> Capabilities {
    // RFC 9420 R-7.2-01, R-7.2-02, R-7.2-03, R-13.4-01 (docs/rfc9420-requirements.md)
    fn add<T: Copy + PartialEq>(list: &mut crate::types::CodeList<T>, value: T) {
        if !list.contains(&value) {
            list.push(value);
        }
    }
    let mut caps = capabilities.clone();
    add(&mut caps.versions, ProtocolVersion::MLS10);
    add(&mut caps.cipher_suites, crypto.suite());
    add(&mut caps.credentials, credential.credential_type());
    for t in leaf_extensions
        .iter()
        .chain(extensions)
        .map(|e| e.extension_type)
    {
        if !t.is_default() {
            add(&mut caps.extensions, t);
        }
    }
    caps
}

fn check_suite(crypto: &SuiteCrypto<'_>, key_package: &KeyPackage) -> Result<(), KeyPackageError> {
    // RFC 9420 R-10.1-01, R-5.1.2-01 (docs/rfc9420-requirements.md)
    if key_package.cipher_suite == crypto.suite() {
        Ok(())
    } else {
        Err(KeyPackageError::CipherSuiteMismatch {
            key_package: key_package.cipher_suite,
            group: crypto.suite(),
        })
    }
}

/// Validates a KeyPackage for use in the group whose cipher suite is
/// `crypto`'s (RFC 9420 §10.1), as a member does before adding its owner
/// and on receiving an Add proposal (§12.1.1). The checks, in order:
///
/// 1. `version` is `mls10`, the group's (§10.1);
/// 2. `cipher_suite` is the group's (§10.1);
/// 3. `init_key` and `leaf_node.encryption_key` have the length of a
///    public key of the suite's KEM and are valid public keys of it, as
///    the provider checks them (§5.1.1, §10, RFC 9180 §7.1.4: no low-order
///    X25519 or X448 point, NIST points on the curve);
/// 4. `init_key` differs from `leaf_node.encryption_key` (§10.1);
/// 5. no extension type appears twice in `extensions` or in
///    `leaf_node.extensions` (§13.4);
/// 6. every non-default extension type of `extensions` is listed in
///    `leaf_node.capabilities.extensions` (§10). GREASE types (§13.5) are
///    exempt: receivers ignore unknown KeyPackage extensions (§13.4), and
///    §13.5 requires GREASE to be reflected in the capabilities only for
///    leaf extensions (mls-rs, for one, does not list its GREASE
///    KeyPackage extension). This crate's own GREASE KeyPackage extension
///    is listed, so strict receivers accept it;
/// 7. `leaf_node` is valid for a KeyPackage (§7.3), by
///    [`validate_leaf_node`] with [`LeafRole::KeyPackage`] under `ctx`:
///    source `key_package`, credential accepted, credential type and leaf
///    extensions in the capabilities, the group's required capabilities,
///    the lifetime under `ctx.lifetime` at `ctx.now`, and the leaf
///    signature. A `key_package` leaf is signed without a group ID or leaf
///    index, so `ctx.group_id` is not used; errors name leaf index 0;
/// 8. the signature over KeyPackageTBS verifies with
///    `leaf_node.signature_key` (§10.1).
///
/// The group-wide checks of §7.3 (the credential type supported by every
/// member, the leaf supporting every credential type in use, unique
/// signature and encryption keys) need the tree and are the caller's. A
/// KeyPackage received as an MLSMessage is taken out of it with
/// [`key_package_from_message`], which checks that its version is the
/// message's (§10).
pub fn validate_key_package(
    crypto: &SuiteCrypto<'_>,
    key_package: &KeyPackage,
    ctx: &LeafContext<'_>,
) -> Result<(), Error> {
    // RFC 9420 R-10-02, R-10-03, R-10-04, R-10-05, R-10-06, R-10.1-01, R-10.1-02, R-10.1-03, R-13.4-02, R-13.5-03 (docs/rfc9420-requirements.md)
    check_key_package_fields(crypto, key_package, ctx)?;
    let leaf = &key_package.leaf_node;
    verify_leaf_signature(crypto, leaf, KEY_PACKAGE_LEAF, ctx.group_id)?;
    let tbs = key_package.tbs_bytes()?;
    crypto.verify_with_label_or(
        &leaf.signature_key,
        KEY_PACKAGE_LABEL,
        &tbs,
        &key_package.signature,
        KeyPackageError::InvalidSignature,
    )
}

/// Whether both signatures of every KeyPackage of `key_packages` verify:
/// its leaf's (§7.3, signed as a `key_package` leaf) and its own over
/// KeyPackageTBS (§10.1), all checked in one `verify_many` call (batch
/// verification where the provider has it). `false` says that some signature (or encoding)
/// fails, not which: [`validate_key_package`] of each, in order, names
/// it. With `true`, [`validate_key_package`] of each KeyPackage gives
/// what [`check_key_package_fields`] gives.
pub(crate) fn key_package_signatures_verify(
    crypto: &SuiteCrypto<'_>,
    key_packages: &[&KeyPackage],
    group_id: &[u8],
) -> bool {
    // Every KeyPackage's two SignContents, encoded on rayon's pool with
    // `parallel`, then verified in one call: the leaves' signatures, then
    // the KeyPackages'.
    let split = key_packages.len() >= crate::par::MIN_ITEMS;
    let encoded = crate::par::map_if(split, key_packages, |kp| {
        let mut leaf = Vec::with_capacity(SIGN_CONTENT_CAPACITY);
        encode_sign_content(LeafNode::TBS_LABEL, &mut leaf, |out| {
            kp.leaf_node.encode_tbs(group_id, KEY_PACKAGE_LEAF, out)
        })?;
        let mut package = Vec::with_capacity(SIGN_CONTENT_CAPACITY);
        encode_sign_content(KEY_PACKAGE_LABEL, &mut package, |out| kp.encode_tbs(out))?;
        Ok::<_, EncodeError>((leaf, package))
    });
    let Ok(encoded) = encoded.into_iter().collect::<Result<Vec<_>, _>>() else {
        return false;
    };
    let leaves = key_packages
        .iter()
        .zip(&encoded)
        .map(|(kp, (leaf, _))| SignatureCheck {
            public_key: &kp.leaf_node.signature_key,
            message: leaf,
            signature: &kp.leaf_node.signature,
        });
    let packages = key_packages
        .iter()
        .zip(&encoded)
        .map(|(kp, (_, package))| SignatureCheck {
            public_key: &kp.leaf_node.signature_key,
            message: package,
            signature: &kp.signature,
        });
    let checks: Vec<SignatureCheck<'_>> = leaves.chain(packages).collect();
    crypto.verify_many(&checks).is_ok()
}

/// Room for a typical KeyPackage's SignContent in one allocation (one with
/// a basic credential encodes in about 300 bytes).
const SIGN_CONTENT_CAPACITY: usize = 512;

/// Checks 1 to 7 of [`validate_key_package`] without the two signatures,
/// in the same order.
pub(crate) fn check_key_package_fields(
    crypto: &SuiteCrypto<'_>,
    key_package: &KeyPackage,
    ctx: &LeafContext<'_>,
) -> Result<(), Error> {
    if key_package.version != ProtocolVersion::MLS10 {
        return Err(KeyPackageError::UnsupportedVersion {
            version: key_package.version,
        }
        .into());
    }
    check_suite(crypto, key_package)?;
    let leaf = &key_package.leaf_node;
    let expected = crypto.params().kem.public_key_len();
    let got = key_package.init_key.0.len();
    if got != expected {
        return Err(KeyPackageError::InitKeyLength { expected, got }.into());
    }
    let got = leaf.encryption_key.0.len();
    if got != expected {
        return Err(KeyPackageError::EncryptionKeyLength { expected, got }.into());
    }
    // RFC 9420 §5.1.1, §10, R-5.1.1-01, R-10-02 (RFC 9180 §7.1.4)
    for (key, value) in [
        (KeyPackageKey::InitKey, &key_package.init_key),
        (KeyPackageKey::EncryptionKey, &leaf.encryption_key),
    ] {
        check_hpke_public_key(crypto, value, KeyPackageError::InvalidPublicKey { key })?;
    }
    if key_package.init_key == leaf.encryption_key {
        return Err(KeyPackageError::InitKeyEqualsEncryptionKey.into());
    }
    if let Some(t) = key_package.extensions.first_duplicate() {
        return Err(KeyPackageError::DuplicateExtension { extension_type: t }.into());
    }
    if let Some(t) = leaf.extensions.first_duplicate() {
        return Err(KeyPackageError::DuplicateLeafExtension { extension_type: t }.into());
    }
    if let Some(t) = key_package
        .extensions
        .iter()
        .map(|e| e.extension_type)
        .find(|t| !t.is_default() && !t.is_grease() && !leaf.capabilities.extensions.contains(t))
    {
        return Err(KeyPackageError::ExtensionNotInCapabilities { extension_type: t }.into());
    }
    check_leaf_node_fields(crypto, leaf, KEY_PACKAGE_LEAF, LeafRole::KeyPackage, ctx)
}

mod capabilities;
mod grease;
mod message;
pub use capabilities::{UnsupportedCapability, best_common_cipher_suite, check_invitees};
pub use message::key_package_from_message;

#[cfg(test)]
mod tests;
