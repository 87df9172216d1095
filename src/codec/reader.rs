//! A bounds-checked cursor over untrusted bytes.

use super::{DecodeError, InvalidField};

/// A cursor over a byte slice. Every read checks the remaining length and
/// returns [`DecodeError`] instead of panicking.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    /// A reader over `buf`.
    pub fn new(buf: &'a [u8]) -> Self {
        Self { buf }
    }

    /// Bytes not yet read.
    pub fn remaining(&self) -> usize {
        self.buf.len()
    }

    /// Whether every byte has been read.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// The bytes not yet read, without consuming them.
    pub fn rest(&self) -> &'a [u8] {
        self.buf
    }

    /// Takes the next `n` bytes.
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        let (head, rest) = self.buf.split_at_checked(n).ok_or(DecodeError::Truncated {
            need: n,
            have: self.buf.len(),
        })?;
        self.buf = rest;
        Ok(head)
    }

    fn take_array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    /// Reads a `uint8`.
    pub fn read_u8(&mut self) -> Result<u8, DecodeError> {
        Ok(u8::from_be_bytes(self.take_array()?))
    }

    /// Reads a big-endian `uint16`.
    pub fn read_u16(&mut self) -> Result<u16, DecodeError> {
        Ok(u16::from_be_bytes(self.take_array()?))
    }

    /// Reads a big-endian `uint32`.
    pub fn read_u32(&mut self) -> Result<u32, DecodeError> {
        Ok(u32::from_be_bytes(self.take_array()?))
    }

    /// Reads a big-endian `uint64`.
    pub fn read_u64(&mut self) -> Result<u64, DecodeError> {
        Ok(u64::from_be_bytes(self.take_array()?))
    }

    /// Reads a variable-length integer (RFC 9420 §2.1.2), rejecting the
    /// reserved prefix `0b11` and encodings that are not minimal.
    pub fn read_varint(&mut self) -> Result<usize, DecodeError> {
        let first = self.read_u8()?;
        let prefix = first >> 6;
        let mut value = u64::from(first & 0x3f);
        let len: usize = match prefix {
            0 => return Ok(usize::from(first)),
            1 => 2,
            2 => 4,
            // RFC 9420 §2.1.2, R-2.1.2-02
            _ => return Err(DecodeError::InvalidVarintPrefix),
        };
        for &b in self.take(len - 1)? {
            value = (value << 8) | u64::from(b);
        }
        // RFC 9420 §2.1.2, R-2.1.2-01
        // Minimal encoding: the value must not fit in the next shorter form.
        let min = if len == 2 { 1 << 6 } else { 1 << 14 };
        if value < min {
            return Err(DecodeError::NonMinimalVarint { value });
        }
        usize::try_from(value).map_err(|_| DecodeError::Invalid(InvalidField::VectorLength))
    }

    /// Reads a vector length header and returns a reader over exactly the
    /// bytes of the vector's body, which are consumed from `self`.
    pub fn read_vector(&mut self) -> Result<Reader<'a>, DecodeError> {
        let declared = self.read_varint()?;
        if declared > self.buf.len() {
            // RFC 9420 §2.1.2, R-2.1.2-03
            return Err(DecodeError::LengthExceedsInput {
                declared,
                available: self.buf.len(),
            });
        }
        Ok(Reader::new(self.take(declared)?))
    }

    /// Reads `opaque data<V>` and returns its bytes.
    pub fn read_opaque(&mut self) -> Result<&'a [u8], DecodeError> {
        Ok(self.read_vector()?.buf)
    }

    /// Succeeds only if every byte has been read.
    pub fn finish(self) -> Result<(), DecodeError> {
        if self.buf.is_empty() {
            Ok(())
        } else {
            Err(DecodeError::TrailingBytes(self.buf.len()))
        }
    }
}
