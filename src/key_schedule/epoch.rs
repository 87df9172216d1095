//! Epoch secrets (RFC 9420 §8), the Welcome key and nonce (§12.4.3.1) and
//! the first epoch of a new group (§11).

use rand_core::CryptoRng;

use super::exporter::export;
use super::transcript::{confirmation_tag, verify_confirmation_tag};
use super::{KeyScheduleError, SecretKind};
use crate::codec::{Decode, DecodeError, Encode, EncodeError, InvalidField, Reader};
use crate::crypto::{
    HpkePrivateKey, HpkePublicKey, KeyNonce, MAX_STATE_SECRET_LEN, Secret, SuiteCrypto,
    UniformLength,
};
use crate::error::Error;

/// `KDF.Nh` as the `uint16` length of ExpandWithLabel.
fn nh(suite: &SuiteCrypto<'_>) -> Result<u16, Error> {
    Ok(suite.hash_len_u16()?)
}

/// Fails unless `secret` has `KDF.Nh` bytes.
fn check_len(suite: &SuiteCrypto<'_>, what: SecretKind, secret: &Secret) -> Result<(), Error> {
    if secret.len() == suite.hash_len() {
        Ok(())
    } else {
        Err(KeyScheduleError::InvalidSecretLength {
            what,
            expected: suite.hash_len(),
            got: secret.len(),
        }
        .into())
    }
}

/// The `joiner_secret` of an epoch (RFC 9420 §8):
///
/// ```text
///                     init_secret_[n-1]
///                           |
///                           V
///     commit_secret --> KDF.Extract
///                           |
///                           V
///                   ExpandWithLabel(., "joiner", GroupContext_[n], KDF.Nh)
///                           |
///                           V
///                      joiner_secret
/// ```
///
/// Members derive it from the previous epoch; new members receive it in
/// the Welcome's GroupSecrets (§12.4.3.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinerSecret(Secret);

impl JoinerSecret {
    /// Derives the joiner secret from the previous epoch's `init_secret`,
    /// the commit's `commit_secret` (all zero for a commit without path)
    /// and the serialized GroupContext of the new epoch (RFC 9420 §8).
    // RFC 9420 §8, R-8-01
    pub fn derive(
        suite: &SuiteCrypto<'_>,
        init_secret: &Secret,
        commit_secret: &Secret,
        group_context: &[u8],
    ) -> Result<Self, Error> {
        let prk = suite.extract(init_secret.as_bytes(), commit_secret.as_bytes())?;
        let joiner =
            suite.expand_with_label(prk.as_bytes(), "joiner", group_context, nh(suite)?)?;
        Ok(Self(joiner))
    }

    /// A joiner secret received in GroupSecrets (RFC 9420 §12.4.3.1).
    /// Fails with [`KeyScheduleError::InvalidSecretLength`] unless it has
    /// `KDF.Nh` bytes.
    pub fn from_secret(suite: &SuiteCrypto<'_>, secret: Secret) -> Result<Self, Error> {
        check_len(suite, SecretKind::JoinerSecret, &secret)?;
        Ok(Self(secret))
    }

    /// The secret itself, to place in GroupSecrets.
    pub fn as_secret(&self) -> &Secret {
        &self.0
    }

    /// `KDF.Extract(joiner_secret, psk_secret)`: the secret both the
    /// welcome secret and the epoch secret come from.
    fn member_secret(&self, suite: &SuiteCrypto<'_>, psk_secret: &Secret) -> Result<Secret, Error> {
        check_len(suite, SecretKind::PskSecret, psk_secret)?;
        Ok(suite.extract(self.0.as_bytes(), psk_secret.as_bytes())?)
    }

    /// `welcome_secret = DeriveSecret(KDF.Extract(joiner_secret,
    /// psk_secret), "welcome")` (RFC 9420 §8). A new member needs it to
    /// decrypt the GroupInfo before it knows the GroupContext.
    pub fn welcome_secret(
        &self,
        suite: &SuiteCrypto<'_>,
        psk_secret: &Secret,
    ) -> Result<WelcomeSecret, Error> {
        let member = self.member_secret(suite, psk_secret)?;
        Ok(WelcomeSecret(
            suite.derive_secret(member.as_bytes(), "welcome")?,
        ))
    }

    /// The secrets of the epoch: `epoch_secret = ExpandWithLabel(
    /// KDF.Extract(joiner_secret, psk_secret), "epoch", GroupContext_[n],
    /// KDF.Nh)` and everything derived from it (RFC 9420 §8).
    pub fn epoch_secrets(
        &self,
        suite: &SuiteCrypto<'_>,
        psk_secret: &Secret,
        group_context: &[u8],
    ) -> Result<EpochSecrets, Error> {
        let member = self.member_secret(suite, psk_secret)?;
        epoch_from_member(suite, &member, group_context)
    }

    /// [`welcome_secret`](Self::welcome_secret) and
    /// [`epoch_secrets`](Self::epoch_secrets) together, extracting once.
    // RFC 9420 §8, R-8-01
    pub fn derive_epoch(
        &self,
        suite: &SuiteCrypto<'_>,
        psk_secret: &Secret,
        group_context: &[u8],
    ) -> Result<(WelcomeSecret, EpochSecrets), Error> {
        let member = self.member_secret(suite, psk_secret)?;
        let welcome = WelcomeSecret(suite.derive_secret(member.as_bytes(), "welcome")?);
        Ok((welcome, epoch_from_member(suite, &member, group_context)?))
    }
}

fn epoch_from_member(
    suite: &SuiteCrypto<'_>,
    member: &Secret,
    group_context: &[u8],
) -> Result<EpochSecrets, Error> {
    let epoch_secret =
        suite.expand_with_label(member.as_bytes(), "epoch", group_context, nh(suite)?)?;
    EpochSecrets::from_epoch_secret(suite, &epoch_secret)
}

/// The `welcome_secret` of an epoch (RFC 9420 §8), which protects the
/// GroupInfo in a Welcome (§12.4.3.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WelcomeSecret(Secret);

impl WelcomeSecret {
    /// The secret itself.
    pub fn as_secret(&self) -> &Secret {
        &self.0
    }

    /// The key and nonce that encrypt the GroupInfo (RFC 9420 §12.4.3.1):
    ///
    /// ```text
    /// welcome_nonce = ExpandWithLabel(welcome_secret, "nonce", "", AEAD.Nn)
    /// welcome_key = ExpandWithLabel(welcome_secret, "key", "", AEAD.Nk)
    /// ```
    // RFC 9420 §12.4.3.1, R-12.4.3.1-05
    pub fn key_nonce(&self, suite: &SuiteCrypto<'_>) -> Result<KeyNonce, Error> {
        let params = suite.params();
        let nk = u16::try_from(params.aead_key_len())
            .map_err(|_| Error::Internal("AEAD key length does not fit a uint16"))?;
        let nn = u16::try_from(params.aead_nonce_len())
            .map_err(|_| Error::Internal("AEAD nonce length does not fit a uint16"))?;
        let key = suite.expand_with_label(self.0.as_bytes(), "key", &[], nk)?;
        let nonce = suite.expand_with_label(self.0.as_bytes(), "nonce", &[], nn)?;
        Ok(KeyNonce::new(key, nonce))
    }
}

/// The secrets derived from an epoch's `epoch_secret` (RFC 9420 §8,
/// table "Epoch-Derived Secrets"), each `DeriveSecret(epoch_secret,
/// <label>)`:
///
/// ```text
/// | Label            | Secret                |
/// |:-----------------|:----------------------|
/// | "sender data"    | `sender_data_secret`  |
/// | "encryption"     | `encryption_secret`   |
/// | "exporter"       | `exporter_secret`     |
/// | "external"       | `external_secret`     |
/// | "confirm"        | `confirmation_key`    |
/// | "membership"     | `membership_key`      |
/// | "resumption"     | `resumption_psk`      |
/// | "authentication" | `epoch_authenticator` |
/// | "init"           | `init_secret` (of the next epoch) |
/// ```
///
/// The fields are public so that the group state can take each secret
/// where it belongs and drop what it no longer needs (§9.2): the
/// `encryption_secret` seeds the epoch's secret tree (§9) and is then
/// wiped; the `epoch_secret` itself is never kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EpochSecrets {
    /// Keys for sender data encryption (RFC 9420 §6.3.2).
    pub sender_data_secret: Secret,
    /// The root of the secret tree (RFC 9420 §9).
    pub encryption_secret: Secret,
    /// The root of exported secrets (RFC 9420 §8.5).
    pub exporter_secret: Secret,
    /// The seed of the external HPKE key pair (RFC 9420 §8, §8.3).
    pub external_secret: Secret,
    /// The MAC key of the confirmation tag (RFC 9420 §6.1, §8.2).
    pub confirmation_key: Secret,
    /// The MAC key of PublicMessage membership tags (RFC 9420 §6.2).
    pub membership_key: Secret,
    /// The resumption PSK of this epoch (RFC 9420 §8.6).
    pub resumption_psk: Secret,
    /// The epoch authenticator (RFC 9420 §8.7): equal for all members that
    /// share a view of the group in this epoch.
    pub epoch_authenticator: Secret,
    /// `init_secret_[n]`: the input of the next epoch's key schedule.
    pub init_secret: Secret,
}

impl EpochSecrets {
    /// Derives every epoch secret from `epoch_secret` (RFC 9420 §8). Fails
    /// with [`KeyScheduleError::InvalidSecretLength`] unless `epoch_secret`
    /// has `KDF.Nh` bytes.
    // RFC 9420 §8, R-8-01
    pub fn from_epoch_secret(
        suite: &SuiteCrypto<'_>,
        epoch_secret: &Secret,
    ) -> Result<Self, Error> {
        check_len(suite, SecretKind::EpochSecret, epoch_secret)?;
        let d = |label| suite.derive_secret(epoch_secret.as_bytes(), label);
        Ok(Self {
            sender_data_secret: d("sender data")?,
            encryption_secret: d("encryption")?,
            exporter_secret: d("exporter")?,
            external_secret: d("external")?,
            confirmation_key: d("confirm")?,
            membership_key: d("membership")?,
            resumption_psk: d("resumption")?,
            epoch_authenticator: d("authentication")?,
            init_secret: d("init")?,
        })
    }

    /// The secrets of epoch 0 of a new group, whose epoch secret is a
    /// fresh random value of `KDF.Nh` bytes (RFC 9420 §11).
    // RFC 9420 §11, R-11-03
    pub fn for_new_group(
        suite: &SuiteCrypto<'_>,
        rng: &mut (impl CryptoRng + ?Sized),
    ) -> Result<Self, Error> {
        let epoch_secret = suite.random_secret(suite.hash_len(), rng);
        Self::from_epoch_secret(suite, &epoch_secret)
    }

    /// `external_priv, external_pub = KEM.DeriveKeyPair(external_secret)`
    /// (RFC 9420 §8): the key pair external joiners encrypt to (§8.3).
    // RFC 9420 §8, R-8-02
    pub fn external_key_pair(
        &self,
        suite: &SuiteCrypto<'_>,
    ) -> Result<(HpkePrivateKey, HpkePublicKey), Error> {
        Ok(suite.derive_key_pair(self.external_secret.as_bytes())?)
    }

    /// `MLS-Exporter(label, context, length)` for this epoch
    /// (RFC 9420 §8.5); see [`export`].
    pub fn export(
        &self,
        suite: &SuiteCrypto<'_>,
        label: &str,
        context: &[u8],
        length: usize,
    ) -> Result<Secret, Error> {
        export(suite, &self.exporter_secret, label, context, length)
    }

    /// `MAC(confirmation_key, confirmed_transcript_hash)` (RFC 9420 §6.1).
    pub fn confirmation_tag(
        &self,
        suite: &SuiteCrypto<'_>,
        confirmed_transcript_hash: &[u8],
    ) -> Result<Vec<u8>, Error> {
        confirmation_tag(suite, &self.confirmation_key, confirmed_transcript_hash)
    }

    /// Checks a confirmation tag in constant time (RFC 9420 §6.1, §12.4.2).
    // RFC 9420 §6.1, §12.4.3.1, R-6.1-06, R-12.4.3.1-10
    pub fn verify_confirmation_tag(
        &self,
        suite: &SuiteCrypto<'_>,
        confirmed_transcript_hash: &[u8],
        tag: &[u8],
    ) -> Result<(), Error> {
        verify_confirmation_tag(
            suite,
            &self.confirmation_key,
            confirmed_transcript_hash,
            tag,
        )
    }
}

impl EpochSecrets {
    /// The nine secrets in the order of the fields.
    fn all(&self) -> [&Secret; 9] {
        [
            &self.sender_data_secret,
            &self.encryption_secret,
            &self.exporter_secret,
            &self.external_secret,
            &self.confirmation_key,
            &self.membership_key,
            &self.resumption_psk,
            &self.epoch_authenticator,
            &self.init_secret,
        ]
    }
}

/// Encodes the secrets for the caller's own storage of its group state
/// (not a wire format of RFC 9420), each as `opaque<V>` in the order of
/// the fields:
///
/// ```text
/// struct {
///     opaque sender_data_secret<V>;
///     opaque encryption_secret<V>;
///     opaque exporter_secret<V>;
///     opaque external_secret<V>;
///     opaque confirmation_key<V>;
///     opaque membership_key<V>;
///     opaque resumption_psk<V>;
///     opaque epoch_authenticator<V>;
///     opaque init_secret<V>;
/// } EpochSecretsState;
/// ```
///
/// The output holds key material: keep it as confidential as the group
/// state itself, and wipe it when done. Growing `out` may leave copies of
/// what was written before in freed memory; see [`Secret`]'s `Encode`.
impl Encode for EpochSecrets {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        self.all().into_iter().try_for_each(|s| s.encode(out))
    }

    fn encoded_len(&self) -> Result<usize, EncodeError> {
        <&Secret>::elements_len(&self.all())
    }
}

/// Decodes an `EpochSecretsState` (see [`EpochSecrets`]'s `Encode`).
/// Every secret is `KDF.Nh` bytes (RFC 9420 §8): fails with
/// [`DecodeError::Invalid`] unless all nine have the same length, from 1
/// to 255 bytes. Whether that length is the suite's `KDF.Nh` is for the
/// caller, who knows the suite, to check.
impl Decode for EpochSecrets {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let secrets = Self {
            sender_data_secret: Secret::decode(r)?,
            encryption_secret: Secret::decode(r)?,
            exporter_secret: Secret::decode(r)?,
            external_secret: Secret::decode(r)?,
            confirmation_key: Secret::decode(r)?,
            membership_key: Secret::decode(r)?,
            resumption_psk: Secret::decode(r)?,
            epoch_authenticator: Secret::decode(r)?,
            init_secret: Secret::decode(r)?,
        };
        let mut lengths = UniformLength::new(InvalidField::EpochSecretLength, MAX_STATE_SECRET_LEN);
        for secret in secrets.all() {
            lengths.check(secret.len())?;
        }
        Ok(secrets)
    }
}

/// The complete output of the key schedule for one epoch (RFC 9420 §8):
/// what a committer needs for its new epoch and for the Welcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EpochKeys {
    /// Sent to new members in GroupSecrets (RFC 9420 §12.4.3.1).
    pub joiner_secret: JoinerSecret,
    /// Protects the GroupInfo in the Welcome (RFC 9420 §12.4.3.1).
    pub welcome_secret: WelcomeSecret,
    /// The epoch's secrets.
    pub secrets: EpochSecrets,
}

impl EpochKeys {
    /// Runs the key schedule of RFC 9420 §8 from the previous epoch's
    /// `init_secret`, the `commit_secret`, the `psk_secret` (§8.4; all zero
    /// without PSKs) and the serialized GroupContext of the new epoch.
    ///
    /// ```text
    ///                     init_secret_[n-1]
    ///                           |
    ///                           V
    ///     commit_secret --> KDF.Extract
    ///                           |
    ///                           V
    ///                   ExpandWithLabel(., "joiner", GroupContext_[n], KDF.Nh)
    ///                           |
    ///                           V
    ///                      joiner_secret
    ///                           |
    ///                           V
    /// psk_secret (or 0) --> KDF.Extract
    ///                           |
    ///                           +--> DeriveSecret(., "welcome")
    ///                           |    = welcome_secret
    ///                           |
    ///                           V
    ///                   ExpandWithLabel(., "epoch", GroupContext_[n], KDF.Nh)
    ///                           |
    ///                           V
    ///                      epoch_secret
    /// ```
    pub fn derive(
        suite: &SuiteCrypto<'_>,
        init_secret: &Secret,
        commit_secret: &Secret,
        psk_secret: &Secret,
        group_context: &[u8],
    ) -> Result<Self, Error> {
        let joiner_secret = JoinerSecret::derive(suite, init_secret, commit_secret, group_context)?;
        let (welcome_secret, secrets) =
            joiner_secret.derive_epoch(suite, psk_secret, group_context)?;
        Ok(Self {
            joiner_secret,
            welcome_secret,
            secrets,
        })
    }
}

#[cfg(test)]
mod state_tests {
    use super::*;
    use crate::codec::decode_exact;
    use crate::crypto::{CipherSuite, RustCryptoProvider};

    fn secrets(suite: CipherSuite) -> EpochSecrets {
        let crypto = SuiteCrypto::new(&RustCryptoProvider, suite).unwrap();
        let epoch_secret = Secret::new(vec![0x5e; crypto.hash_len()]);
        EpochSecrets::from_epoch_secret(&crypto, &epoch_secret).unwrap()
    }

    #[test]
    fn secrets_round_trip() {
        for suite in CipherSuite::ALL {
            let secrets = secrets(suite);
            let bytes = secrets.to_bytes().unwrap();
            let nh = secrets.init_secret.len();
            let header = if nh < 64 { 1 } else { 2 };
            assert_eq!(bytes.len(), 9 * (header + nh));
            let back = decode_exact::<EpochSecrets>(&bytes).unwrap();
            assert_eq!(back, secrets);
            assert_eq!(back.to_bytes().unwrap(), bytes);
        }
    }

    #[test]
    fn every_truncation_fails() {
        let bytes = secrets(CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519)
            .to_bytes()
            .unwrap();
        for len in 0..bytes.len() {
            let e = decode_exact::<EpochSecrets>(&bytes[..len]).unwrap_err();
            assert!(
                matches!(
                    e,
                    DecodeError::Truncated { .. } | DecodeError::LengthExceedsInput { .. }
                ),
                "prefix of {len} bytes: {e:?}"
            );
        }
    }

    #[test]
    fn secrets_of_inconsistent_length_are_rejected() {
        let bad = Err(DecodeError::Invalid(InvalidField::EpochSecretLength));
        let base = secrets(CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519);
        let mut longer = base.clone();
        longer.init_secret = Secret::new(vec![1; 48]);
        assert_eq!(
            decode_exact::<EpochSecrets>(&longer.to_bytes().unwrap()),
            bad
        );
        let mut first_short = base.clone();
        first_short.sender_data_secret = Secret::new(vec![1; 16]);
        assert_eq!(
            decode_exact::<EpochSecrets>(&first_short.to_bytes().unwrap()),
            bad
        );
        let empty = EpochSecrets::decode(&mut Reader::new(&[0; 9]));
        assert_eq!(empty, bad);
        let mut huge = Vec::new();
        for _ in 0..9 {
            Secret::new(vec![1; MAX_STATE_SECRET_LEN + 1])
                .encode(&mut huge)
                .unwrap();
        }
        assert_eq!(decode_exact::<EpochSecrets>(&huge), bad);
    }
}
