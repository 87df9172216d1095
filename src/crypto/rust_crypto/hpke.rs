//! HPKE in base mode (RFC 9180 §5.1, §6.1): the labeled KDF functions of
//! §4, the key schedule of §5.1, single-shot `SealBase` / `OpenBase` at
//! sequence number 0 (§5.2, §6.1), which is what MLS encrypts with
//! (RFC 9420 §5.1.3), and the secret export of a base-mode context
//! (§5.3), which external joins use (RFC 9420 §8.3).
//!
//! The PSK and Auth modes are not implemented: MLS uses neither.

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
    /// `psk_id_hash` of the empty `psk_id` of base mode, when tabulated.
    psk_id_hash: Option<&'static [u8]>,
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
            psk_id_hash: base_psk_id_hash(params),
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
        self.seal_in(
            &self.key_schedule_context(info)?,
            pk_r,
            aad,
            plaintext,
            ikm_e,
        )
    }

    /// `SealBase` under a key-schedule context prepared by
    /// [`key_schedule_context`](Self::key_schedule_context): the same
    /// output as [`seal`](Self::seal) with that context's `info`, without
    /// hashing `info` again. Sealing to many recipients under one `info`
    /// (the Welcome's GroupSecrets, RFC 9420 §12.4.3.1; an UpdatePath's
    /// path secrets, §7.6) hashes it once.
    pub(super) fn seal_in(
        &self,
        context: &KeyScheduleContext,
        pk_r: &HpkePublicKey,
        aad: &[u8],
        plaintext: &[u8],
        ikm_e: &[u8],
    ) -> Result<HpkeCiphertext, CryptoError> {
        let (shared_secret, enc) = self.kem.encap(&pk_r.0, ikm_e)?;
        let (key, nonce) = self.key_and_nonce(&shared_secret, context)?;
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
        let context = self.key_schedule_context(info)?;
        let (key, nonce) = self.key_and_nonce(&shared_secret, &context)?;
        let plaintext = self
            .aead
            .open(key_bytes(&key, self.aead)?, &nonce, aad, ciphertext)?;
        Ok(Secret::new(plaintext))
    }

    /// `SetupBaseS(pkR, info)` followed by `Export(exporter_context, L)`
    /// (RFC 9180 §5.1.1, §5.3) with the ephemeral key pair
    /// `DeriveKeyPair(ikm_e)`: returns `enc` and the exported secret of
    /// `length` bytes.
    pub(super) fn setup_sender_export(
        &self,
        pk_r: &HpkePublicKey,
        info: &[u8],
        exporter_context: &[u8],
        length: usize,
        ikm_e: &[u8],
    ) -> Result<(Vec<u8>, Secret), CryptoError> {
        let (shared_secret, enc) = self.kem.encap(&pk_r.0, ikm_e)?;
        let context = self.key_schedule_context(info)?;
        let exported = self.export(&shared_secret, &context, exporter_context, length)?;
        Ok((enc, exported))
    }

    /// `SetupBaseR(enc, skR, info)` followed by `Export(exporter_context,
    /// L)` (RFC 9180 §5.1.1, §5.3).
    pub(super) fn setup_receiver_export(
        &self,
        enc: &[u8],
        sk_r: &HpkePrivateKey,
        info: &[u8],
        exporter_context: &[u8],
        length: usize,
    ) -> Result<Secret, CryptoError> {
        let shared_secret = self.kem.decap(enc, sk_r)?;
        let context = self.key_schedule_context(info)?;
        self.export(&shared_secret, &context, exporter_context, length)
    }

    /// `secret = LabeledExtract(shared_secret, "secret", psk)` of base
    /// mode (RFC 9180 §5.1: `psk` is empty), keyed for expansion.
    fn secret(&self, shared_secret: &Secret) -> Result<Prk, CryptoError> {
        labeled_extract(
            self.kdf,
            &self.suite_id,
            shared_secret.as_bytes(),
            b"secret",
            &[],
        )
    }

    /// The exporter of a base-mode context (RFC 9180 §5.1, §5.3):
    ///
    /// ```text
    /// secret = LabeledExtract(shared_secret, "secret", psk)
    /// exporter_secret = LabeledExpand(secret, "exp", key_schedule_context, Nh)
    /// Export(exporter_context, L) =
    ///     LabeledExpand(exporter_secret, "sec", exporter_context, L)
    /// ```
    ///
    /// `L` is at most `255 * Nh` (§5.3: larger lengths are an error).
    fn export(
        &self,
        shared_secret: &Secret,
        context: &KeyScheduleContext,
        exporter_context: &[u8],
        length: usize,
    ) -> Result<Secret, CryptoError> {
        let context = context.as_bytes()?;
        let secret = self.secret(shared_secret)?;
        let mut exporter_secret = Zeroizing::new([0u8; MAX_HASH_LEN]);
        let exporter_secret = exporter_secret
            .get_mut(..self.kdf.len())
            .ok_or(CryptoError::Encoding)?;
        labeled_expand_into(&secret, &self.suite_id, b"exp", &[context], exporter_secret)?;
        let exporter = self.kdf.prk(exporter_secret)?;
        let max = self.kdf.len().saturating_mul(255);
        if length > max {
            return Err(CryptoError::KdfOutputTooLong(length));
        }
        let mut out = Zeroizing::new(vec![0u8; length]);
        labeled_expand_into(
            &exporter,
            &self.suite_id,
            b"sec",
            &[exporter_context],
            &mut out,
        )?;
        Ok(Secret::new(core::mem::take(&mut *out)))
    }

    /// The part of `KeySchedule(mode_base, shared_secret, info, "", "")`
    /// (RFC 9180 §5.1) that depends on `info` only, not on the shared
    /// secret:
    ///
    /// ```text
    /// psk_id_hash = LabeledExtract("", "psk_id_hash", psk_id)
    /// info_hash = LabeledExtract("", "info_hash", info)
    /// key_schedule_context = concat(mode, psk_id_hash, info_hash)
    /// ```
    pub(super) fn key_schedule_context(
        &self,
        info: &[u8],
    ) -> Result<KeyScheduleContext, CryptoError> {
        let nh = self.kdf.len();
        let mut bytes = [0u8; 1 + 2 * MAX_HASH_LEN];
        {
            let (mode, hashes) = bytes.split_at_mut(1);
            mode.copy_from_slice(&[MODE_BASE]);
            let (psk_id_hash, info_hash) = hashes.split_at_mut(nh);
            let psk_id_hash = psk_id_hash.get_mut(..nh).ok_or(CryptoError::Encoding)?;
            let info_hash = info_hash.get_mut(..nh).ok_or(CryptoError::Encoding)?;
            match self.psk_id_hash {
                Some(known) if known.len() == nh => psk_id_hash.copy_from_slice(known),
                _ => self.kdf.extract_into(
                    &[],
                    &[HPKE_V1, &self.suite_id, b"psk_id_hash"],
                    psk_id_hash,
                )?,
            }
            self.kdf.extract_into(
                &[],
                &[HPKE_V1, &self.suite_id, b"info_hash", info],
                info_hash,
            )?;
        }
        Ok(KeyScheduleContext {
            bytes,
            len: 1 + 2 * nh,
        })
    }

    /// The rest of `KeySchedule(mode_base, shared_secret, info, "", "")`
    /// (RFC 9180 §5.1), from the prepared `key_schedule_context`: the AEAD
    /// key and the nonce for sequence number 0, which is `base_nonce`:
    ///
    /// ```text
    /// secret = LabeledExtract(shared_secret, "secret", psk)
    /// key = LabeledExpand(secret, "key", key_schedule_context, Nk)
    /// base_nonce = LabeledExpand(secret, "base_nonce", key_schedule_context, Nn)
    /// ```
    ///
    /// The exporter secret is derived apart, by [`export`](Self::export),
    /// when a context is set up for export only (RFC 9420 §8.3).
    fn key_and_nonce(
        &self,
        shared_secret: &Secret,
        context: &KeyScheduleContext,
    ) -> Result<(Zeroizing<[u8; MAX_KEY_LEN]>, [u8; NONCE_LEN]), CryptoError> {
        let context = context.as_bytes()?;
        let secret = self.secret(shared_secret)?;
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

/// `key_schedule_context = concat(mode, psk_id_hash, info_hash)` of base
/// mode (RFC 9180 §5.1) for one `info`: public, and the same for every
/// recipient sealed to under that `info`.
#[derive(Debug, Clone, Copy)]
pub(super) struct KeyScheduleContext {
    bytes: [u8; 1 + 2 * MAX_HASH_LEN],
    len: usize,
}

impl KeyScheduleContext {
    fn as_bytes(&self) -> Result<&[u8], CryptoError> {
        self.bytes.get(..self.len).ok_or(CryptoError::Encoding)
    }
}

/// `LabeledExtract("", "psk_id_hash", "")` (RFC 9180 §5.1) for the
/// (KEM, KDF, AEAD) triples of the MLS suites: in base mode it depends on
/// the suite only, so it is tabulated rather than computed per call. A unit
/// test recomputes every entry.
const fn base_psk_id_hash(params: &SuiteParams) -> Option<&'static [u8]> {
    const X25519_SHA256_AES128GCM: [u8; 32] = [
        0x72, 0x56, 0x11, 0xc9, 0xd9, 0x8c, 0x07, 0xc0, 0x3f, 0x60, 0x09, 0x5c, 0xd3, 0x2d, 0x40,
        0x0d, 0x83, 0x47, 0xd4, 0x5e, 0xd6, 0x70, 0x97, 0xbb, 0xad, 0x50, 0xfc, 0x56, 0xda, 0x74,
        0x2d, 0x07,
    ];
    const P256_SHA256_AES128GCM: [u8; 32] = [
        0xb8, 0x8d, 0x4e, 0x6d, 0x91, 0x75, 0x9e, 0x65, 0xe8, 0x7c, 0x47, 0x0e, 0x8b, 0x91, 0x41,
        0x11, 0x3e, 0x9a, 0xd5, 0xf0, 0xc8, 0xce, 0xef, 0xc1, 0xe0, 0x88, 0xc8, 0x2e, 0x69, 0x80,
        0x50, 0x07,
    ];
    const X25519_SHA256_CHACHA20POLY1305: [u8; 32] = [
        0x43, 0x1d, 0xf6, 0xcd, 0x95, 0xe1, 0x1f, 0xf4, 0x9d, 0x70, 0x13, 0x56, 0x3b, 0xaf, 0x7f,
        0x11, 0x58, 0x8c, 0x75, 0xa6, 0x61, 0x1e, 0xe2, 0xa4, 0x40, 0x4a, 0x49, 0x30, 0x6a, 0xe4,
        0xcf, 0xc5,
    ];
    const X448_SHA512_AES256GCM: [u8; 64] = [
        0x9f, 0x76, 0x4d, 0x15, 0x7b, 0xea, 0xe4, 0x54, 0x4a, 0x48, 0xcc, 0x43, 0x82, 0xcc, 0x0e,
        0xaa, 0xee, 0x23, 0x56, 0x40, 0x72, 0x13, 0x6c, 0xe0, 0x1e, 0xbe, 0x7b, 0x27, 0x4f, 0x54,
        0xab, 0x44, 0x20, 0xed, 0x99, 0x0c, 0xd8, 0x6d, 0x7e, 0xc3, 0x3f, 0xd8, 0x8d, 0xc1, 0xa6,
        0x03, 0x49, 0x1a, 0xe4, 0x60, 0xc5, 0x89, 0x31, 0xa7, 0x81, 0x78, 0xcd, 0x8e, 0x1a, 0xf2,
        0xfe, 0xc9, 0x6e, 0x79,
    ];
    const P521_SHA512_AES256GCM: [u8; 64] = [
        0x83, 0xa2, 0x7c, 0x5b, 0x23, 0x58, 0xab, 0x4d, 0xae, 0x1b, 0x2f, 0x5d, 0x8f, 0x57, 0xf1,
        0x0c, 0xcc, 0xcc, 0x82, 0x2a, 0x47, 0x33, 0x26, 0xf5, 0x43, 0xf2, 0x39, 0xa7, 0x0a, 0xee,
        0x46, 0x34, 0x73, 0x24, 0xe8, 0x4e, 0x02, 0xd7, 0x65, 0x1a, 0x10, 0xd0, 0x8f, 0xb3, 0xdd,
        0xa7, 0x39, 0xd2, 0x2d, 0x50, 0xc5, 0x3f, 0xbf, 0xa8, 0x12, 0x2b, 0xaa, 0xcd, 0x0f, 0x9a,
        0xe5, 0x91, 0x30, 0x72,
    ];
    const X448_SHA512_CHACHA20POLY1305: [u8; 64] = [
        0xc8, 0x8f, 0xa8, 0x47, 0x28, 0xb2, 0x45, 0xb3, 0x08, 0xfd, 0x69, 0x33, 0xbb, 0x50, 0x39,
        0xe9, 0x2b, 0x2d, 0x3d, 0xfd, 0xfe, 0x95, 0xd8, 0x78, 0x6f, 0xd1, 0x10, 0xe7, 0xee, 0xf1,
        0x5e, 0xee, 0xed, 0x01, 0x01, 0x3a, 0x4b, 0x36, 0x49, 0xce, 0xc0, 0x16, 0x00, 0x61, 0x02,
        0x0d, 0xed, 0xf2, 0xff, 0x1a, 0x5a, 0x95, 0x79, 0xdd, 0x7f, 0x35, 0xf8, 0x2c, 0xe7, 0xe4,
        0xda, 0x70, 0x34, 0xb2,
    ];
    const P384_SHA384_AES256GCM: [u8; 48] = [
        0xcb, 0x6b, 0x6c, 0x22, 0x16, 0x68, 0x37, 0x98, 0x61, 0x29, 0xd5, 0x7d, 0xd6, 0x06, 0x89,
        0x3c, 0x6d, 0x38, 0xce, 0x24, 0xb7, 0x65, 0xe5, 0x77, 0xf4, 0x5d, 0x3c, 0x72, 0x59, 0x94,
        0x7d, 0x44, 0xac, 0x49, 0x98, 0x19, 0xe0, 0x0b, 0x3d, 0x26, 0x0a, 0xbf, 0xfe, 0xeb, 0xb7,
        0xe1, 0x08, 0xc9,
    ];
    Some(match (params.kem.0, params.kdf.0, params.aead.0) {
        (0x0020, 0x0001, 0x0001) => &X25519_SHA256_AES128GCM,
        (0x0010, 0x0001, 0x0001) => &P256_SHA256_AES128GCM,
        (0x0020, 0x0001, 0x0003) => &X25519_SHA256_CHACHA20POLY1305,
        (0x0021, 0x0003, 0x0002) => &X448_SHA512_AES256GCM,
        (0x0012, 0x0003, 0x0002) => &P521_SHA512_AES256GCM,
        (0x0021, 0x0003, 0x0003) => &X448_SHA512_CHACHA20POLY1305,
        (0x0011, 0x0002, 0x0002) => &P384_SHA384_AES256GCM,
        _ => return None,
    })
}

/// The first `Nk` bytes of the key buffer.
fn key_bytes(key: &[u8; MAX_KEY_LEN], aead: Aead) -> Result<&[u8], CryptoError> {
    key.get(..aead.key_len()).ok_or(CryptoError::Encoding)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::CipherSuite;

    /// The tabulated `psk_id_hash` values are the computed ones; suite 1's
    /// is also in RFC 9180 Appendix A.1.1 (`key_schedule_context`).
    #[test]
    fn psk_id_hash_table() {
        for suite in CipherSuite::ALL {
            let hpke = Hpke::new(&suite.params().unwrap()).unwrap();
            let mut computed = vec![0u8; hpke.kdf.len()];
            let ikm: [&[u8]; 3] = [HPKE_V1, &hpke.suite_id, b"psk_id_hash"];
            hpke.kdf.extract_into(&[], &ikm, &mut computed).unwrap();
            assert_eq!(hpke.psk_id_hash, Some(&computed[..]), "suite {}", suite.0);
        }
        let a_1_1 = hex::decode("725611c9d98c07c03f60095cd32d400d8347d45ed67097bbad50fc56da742d07");
        let suite_1 = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
        let hpke = Hpke::new(&suite_1.params().unwrap()).unwrap();
        assert_eq!(hpke.psk_id_hash, Some(&a_1_1.unwrap()[..]));
    }
}
