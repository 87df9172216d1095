//! Variable-length integers for vector length headers (RFC 9420 §2.1.2).

use super::EncodeError;

/// The largest length a variable-size vector header can carry: 2^30 - 1.
pub const MAX_VARINT: usize = (1 << 30) - 1;

/// Encodes `value` minimally into `buf`, returning the used prefix.
pub(super) fn encode_varint(value: usize, buf: &mut [u8; 4]) -> Result<&[u8], EncodeError> {
    // The casts below cannot truncate: each arm bounds `value` first.
    #[allow(clippy::cast_possible_truncation, reason = "value bounded by each arm")]
    let used = if value < (1 << 6) {
        buf[0] = value as u8;
        1
    } else if value < (1 << 14) {
        let v = (value as u16) | 0x4000;
        buf[..2].copy_from_slice(&v.to_be_bytes());
        2
    } else if value <= MAX_VARINT {
        let v = (value as u32) | 0x8000_0000;
        *buf = v.to_be_bytes();
        4
    } else {
        // RFC 9420 §2.1.2, R-2.1.2-01, R-2.1.2-03
        return Err(EncodeError::VectorTooLong(value));
    };
    Ok(buf.get(..used).unwrap_or(&[]))
}

/// Appends the minimal variable-length encoding of `value` to `out`.
pub fn write_varint(value: usize, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    let mut buf = [0u8; 4];
    out.extend_from_slice(encode_varint(value, &mut buf)?);
    Ok(())
}
