//! HPKE in base mode (RFC 9180 §5.1, §6.1): the labeled KDF functions of
//! §4, the key schedule of §5.1, and single-shot `SealBase` / `OpenBase`
//! at sequence number 0 (§5.2, §6.1), which is all MLS uses (RFC 9420
//! §5.1.3).
//!
//! The export interface and the PSK and Auth modes are not implemented.

use zeroize::Zeroizing;

use super::aead::{Aead, NONCE_LEN};
use super::hash::{Hash, MAX_HASH_LEN, Prk};
use super::kem::Kem;
use crate::crypto::{
    CryptoError, HpkeCiphertext, HpkePrivateKey, HpkePublicKey, Secret, SuiteParams,
};

/// The version label of every labeled input (RFC 9180 §4).
const HPKE_V1: &[u8] = b"HPKE-v1";

/// `mode_base` (RFC 9180 §5.1).
const MODE_BASE: u8 = 0x00;

/// The largest AEAD key, `Nk` of AES-256-GCM and ChaCha20Poly1305.
const MAX_KEY_LEN: usize = 32;

/// `LabeledExtract(salt, label, ikm)` (RFC 9180 §4), keyed for expansion:
///
/// ```text
/// labeled_ikm = concat("HPKE-v1", suite_id, label, ikm)
/// return Extract(salt, labeled_ikm)
/// ```
pub(super) fn labeled_extract(
    hash: Hash,
    suite_id: &[u8],
    salt: &[u8],
    label: &[u8],
    ikm: &[u8],
) -> Result<Prk, CryptoError> {
    hash.extract_prk(salt, &[HPKE_V1, suite_id, label, ikm])
}

/// `LabeledExpand(prk, label, info, L)` (RFC 9180 §4) into `out`, with
/// `L = out.len()` and `info` the concatenation of at most two parts:
///
/// ```text
/// labeled_info = concat(I2OSP(L, 2), "HPKE-v1", suite_id, label, info)
/// return Expand(prk, labeled_info, L)
/// ```
pub(super) fn labeled_expand_into(
    prk: &Prk,
    suite_id: &[u8],
    label: &[u8],
    info: &[&[u8]],
    out: &mut [u8],
) -> Result<(), CryptoError> {
    let length = u16::try_from(out.len())
        .map_err(|_| CryptoError::KdfOutputTooLong(out.len()))?
        .to_be_bytes();
    let (first, second) = match info {
        [] => (&[][..], &[][..]),
        [a] => (*a, &[][..]),
        [a, b] => (*a, *b),
        _ => return Err(CryptoError::Encoding),
    };
    prk.expand_into(&[&length, HPKE_V1, suite_id, label, first, second], out)
}

/// HPKE in base mode for one (KEM, KDF, AEAD) triple.
#[derive(Debug, Clone, Copy)]
pub(super) struct Hpke {
    kem: Kem,
    kdf: Hash,
    aead: Aead,
    /// `concat("HPKE", I2OSP(kem_id, 2), I2OSP(kdf_id, 2), I2OSP(aead_id, 2))`
    /// (RFC 9180 §5.1).
    suite_id: [u8; 10],
}

impl Hpke {
    /// HPKE with the KEM, KDF and AEAD of an MLS cipher suite, if all three
    /// are supported.
    pub(super) const fn new(params: &SuiteParams) -> Option<Self> {
        let (Some(kem), Some(kdf), Some(aead)) = (
            Kem::from_id(params.kem),
            Hash::from_kdf(params.kdf),
            Aead::from_id(params.aead),
        ) else {
            return None;
        };
        let k = params.kem.0.to_be_bytes();
        let h = params.kdf.0.to_be_bytes();
        let a = params.aead.0.to_be_bytes();
        Some(Self {
            kem,
            kdf,
            aead,
            suite_id: [b'H', b'P', b'K', b'E', k[0], k[1], h[0], h[1], a[0], a[1]],
        })
    }

    /// The KEM.
    pub(super) const fn kem(&self) -> Kem {
        self.kem
    }

    /// `SealBase(pkR, info, aad, pt)` (RFC 9180 §6.1) with the ephemeral key
    /// pair `DeriveKeyPair(ikm_e)`; `ikm_e` must have `Nsk` bytes.
    pub(super) fn seal(
        &self,
        pk_r: &HpkePublicKey,
        info: &[u8],
        aad: &[u8],
        plaintext: &[u8],
        ikm_e: &[u8],
    ) -> Result<HpkeCiphertext, CryptoError> {
        let (shared_secret, enc) = self.kem.encap(&pk_r.0, ikm_e)?;
        let (key, nonce) = self.key_schedule(&shared_secret, info)?;
        let ciphertext = self
            .aead
            .seal(key_bytes(&key, self.aead)?, &nonce, aad, plaintext)?;
        Ok(HpkeCiphertext {
            kem_output: enc,
            ciphertext,
        })
    }

    /// `OpenBase(enc, skR, info, aad, ct)` (RFC 9180 §6.1).
    pub(super) fn open(
        &self,
        sk_r: &HpkePrivateKey,
        enc: &[u8],
        info: &[u8],
        aad: &[u8],
        ciphertext: &[u8],
    ) -> Result<Secret, CryptoError> {
        let shared_secret = self.kem.decap(enc, sk_r)?;
        let (key, nonce) = self.key_schedule(&shared_secret, info)?;
        let plaintext = self
            .aead
            .open(key_bytes(&key, self.aead)?, &nonce, aad, ciphertext)?;
        Ok(Secret::new(plaintext))
    }

    /// `KeySchedule(mode_base, shared_secret, info, "", "")` (RFC 9180
    /// §5.1), returning the AEAD key and the nonce for sequence number 0,
    /// which is `base_nonce`:
    ///
    /// ```text
    /// psk_id_hash = LabeledExtract("", "psk_id_hash", psk_id)
    /// info_hash = LabeledExtract("", "info_hash", info)
    /// key_schedule_context = concat(mode, psk_id_hash, info_hash)
    /// secret = LabeledExtract(shared_secret, "secret", psk)
    /// key = LabeledExpand(secret, "key", key_schedule_context, Nk)
    /// base_nonce = LabeledExpand(secret, "base_nonce", key_schedule_context, Nn)
    /// ```
    ///
    /// The exporter secret is not derived: MLS does not use it.
    fn key_schedule(
        &self,
        shared_secret: &Secret,
        info: &[u8],
    ) -> Result<(Zeroizing<[u8; MAX_KEY_LEN]>, [u8; NONCE_LEN]), CryptoError> {
        let nh = self.kdf.len();
        let mut context = [0u8; 1 + 2 * MAX_HASH_LEN];
        let context_len = 1 + 2 * nh;
        {
            let (mode, hashes) = context.split_at_mut(1);
            mode.copy_from_slice(&[MODE_BASE]);
            let (psk_id_hash, info_hash) = hashes.split_at_mut(nh);
            let psk_id_hash = psk_id_hash.get_mut(..nh).ok_or(CryptoError::Encoding)?;
            let info_hash = info_hash.get_mut(..nh).ok_or(CryptoError::Encoding)?;
            self.kdf
                .extract_into(&[], &[HPKE_V1, &self.suite_id, b"psk_id_hash"], psk_id_hash)?;
            self.kdf.extract_into(
                &[],
                &[HPKE_V1, &self.suite_id, b"info_hash", info],
                info_hash,
            )?;
        }
        let context = context.get(..context_len).ok_or(CryptoError::Encoding)?;
        let secret = labeled_extract(
            self.kdf,
            &self.suite_id,
            shared_secret.as_bytes(),
            b"secret",
            &[],
        )?;
        let mut key = Zeroizing::new([0u8; MAX_KEY_LEN]);
        let key_out = key
            .get_mut(..self.aead.key_len())
            .ok_or(CryptoError::Encoding)?;
        labeled_expand_into(&secret, &self.suite_id, b"key", &[context], key_out)?;
        let mut nonce = [0u8; NONCE_LEN];
        labeled_expand_into(
            &secret,
            &self.suite_id,
            b"base_nonce",
            &[context],
            &mut nonce,
        )?;
        Ok((key, nonce))
    }
}

/// The first `Nk` bytes of the key buffer.
fn key_bytes(key: &[u8; MAX_KEY_LEN], aead: Aead) -> Result<&[u8], CryptoError> {
    key.get(..aead.key_len()).ok_or(CryptoError::Encoding)
}
