//! KeyPackages published as MLSMessages (RFC 9420 §6, §10).

use super::{KeyPackageBundle, KeyPackageError};
use crate::codec::{Encode, decode_exact};
use crate::error::Error;
use crate::framing::{MlsMessage, MlsMessageBody};
use crate::group::MessageError;
use crate::messages::{KeyPackage, ProtocolVersion};

impl KeyPackageBundle {
    /// The KeyPackage as an encoded `MLSMessage` of its own version
    /// (wire format `mls_key_package`, RFC 9420 §6), the form in which it
    /// is published for others to add this client.
    pub fn to_message(&self) -> Result<Vec<u8>, Error> {
        let key_package = self.key_package().clone();
        let message = MlsMessage {
            version: key_package.version,
            body: MlsMessageBody::KeyPackage(key_package),
        };
        Ok(message.to_bytes()?)
    }
}

/// The KeyPackage an encoded `MLSMessage` carries (RFC 9420 §6, §10).
///
/// Fails with [`MessageError::UnsupportedVersion`] for a message that is
/// not `mls10`, [`MessageError::UnexpectedWireFormat`] for a message that
/// carries something else, and [`KeyPackageError::VersionMismatch`] when
/// the KeyPackage's `version` is not the message's ("the version field of
/// the KeyPackage MUST match the version of the MLSMessage carrying it",
/// §10). The KeyPackage itself is checked by
/// [`validate_key_package`](super::validate_key_package), which a commit
/// adding it runs.
pub fn key_package_from_message(bytes: &[u8]) -> Result<KeyPackage, Error> {
    // RFC 9420 R-10-04 (docs/rfc9420-requirements.md)
    let message: MlsMessage = decode_exact(bytes)?;
    if message.version != ProtocolVersion::MLS10 {
        return Err(MessageError::UnsupportedVersion(message.version).into());
    }
    match message.body {
        MlsMessageBody::KeyPackage(key_package) if key_package.version == message.version => {
            Ok(key_package)
        }
        MlsMessageBody::KeyPackage(key_package) => Err(KeyPackageError::VersionMismatch {
            message: message.version,
            key_package: key_package.version,
        }
        .into()),
        other => Err(MessageError::UnexpectedWireFormat(other.wire_format()).into()),
    }
}
