//! The Welcome message and the group secrets it carries (RFC 9420
//! §12.4.3.1).

use crate::crypto::{CipherSuite, HpkeCiphertext, Secret};
use crate::messages::{KeyPackageRef, PreSharedKeyId};

/// A path secret for a new member (RFC 9420 §12.4.3.1).
///
/// ```text
/// struct {
///   opaque path_secret<V>;
/// } PathSecret;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathSecret {
    /// The path secret of the lowest common ancestor of the committer and
    /// the new member.
    pub path_secret: Secret,
}

crate::codec_struct!(PathSecret { path_secret });

/// The secrets a new member needs to join, encrypted to its KeyPackage's
/// init key (RFC 9420 §12.4.3.1).
///
/// ```text
/// struct {
///   opaque joiner_secret<V>;
///   optional<PathSecret> path_secret;
///   PreSharedKeyID psks<V>;
/// } GroupSecrets;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupSecrets {
    /// The joiner secret of the new epoch.
    pub joiner_secret: Secret,
    /// A path secret, if the commit had a path.
    pub path_secret: Option<PathSecret>,
    /// The PSKs injected in the new epoch.
    pub psks: Vec<PreSharedKeyId>,
}

crate::codec_struct!(GroupSecrets {
    joiner_secret,
    path_secret,
    psks
});

/// The GroupSecrets for one new member (RFC 9420 §12.4.3.1).
///
/// ```text
/// struct {
///   KeyPackageRef new_member;
///   HPKECiphertext encrypted_group_secrets;
/// } EncryptedGroupSecrets;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncryptedGroupSecrets {
    /// The reference of the KeyPackage the secrets are encrypted to.
    pub new_member: KeyPackageRef,
    /// `EncryptWithLabel(init_key, "Welcome", encrypted_group_info,
    /// GroupSecrets)`.
    pub encrypted_group_secrets: HpkeCiphertext,
}

crate::codec_struct!(EncryptedGroupSecrets {
    new_member,
    encrypted_group_secrets
});

/// A Welcome message, inviting new members into a group (RFC 9420
/// §12.4.3.1).
///
/// ```text
/// struct {
///   CipherSuite cipher_suite;
///   EncryptedGroupSecrets secrets<V>;
///   opaque encrypted_group_info<V>;
/// } Welcome;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Welcome {
    /// The group's cipher suite.
    pub cipher_suite: CipherSuite,
    /// The group secrets, once per new member.
    pub secrets: Vec<EncryptedGroupSecrets>,
    /// The GroupInfo, encrypted with the welcome key and nonce.
    pub encrypted_group_info: Vec<u8>,
}

crate::codec_struct!(Welcome {
    cipher_suite,
    secrets,
    encrypted_group_info
});

impl Welcome {
    /// The label of the GroupSecrets encryption, `EncryptWithLabel(init_key,
    /// "Welcome", encrypted_group_info, group_secrets)` (RFC 9420
    /// §12.4.3.1).
    pub const LABEL: &'static str = "Welcome";

    /// The secrets addressed to the KeyPackage `reference`, if any.
    pub fn secrets_for(&self, reference: &KeyPackageRef) -> Option<&EncryptedGroupSecrets> {
        self.secrets.iter().find(|s| &s.new_member == reference)
    }
}
