//! Short lists of code points, as a leaf's capabilities carry them.

use core::fmt;

use smallvec::SmallVec;

use crate::codec::{
    Decode, DecodeError, Encode, EncodeError, Reader, decode_each, encode_list, vector_len,
};

/// How many code points a [`CodeList`] holds without an allocation: a
/// leaf's capabilities list (RFC 9420 §7.2) rarely holds more than the
/// seven suites and a GREASE value (§13.5).
const INLINE: usize = 8;

/// A list of code points (`T<V>` of 2-byte values): the lists of a leaf's
/// `Capabilities` (RFC 9420 §7.2).
///
/// Up to eight are kept inline, in the space of a `Vec`: a tree of 10,000
/// leaves holds 50,000 such lists, and decoding and dropping one is then
/// no allocation. It reads as a slice (`Deref<Target = [T]>`) and is
/// built from a `Vec`, an array or an iterator:
///
/// ```
/// use rfc9420::crypto::CipherSuite;
/// use rfc9420::types::CodeList;
///
/// let mut suites: CodeList<CipherSuite> = [CipherSuite(1), CipherSuite(3)].into();
/// suites.push(CipherSuite(0x0a0a));
/// assert!(suites.contains(&CipherSuite(3)));
/// assert_eq!(suites.len(), 3);
/// assert_eq!(suites, CodeList::from(vec![CipherSuite(1), CipherSuite(3), CipherSuite(0x0a0a)]));
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CodeList<T: Copy>(SmallVec<[T; INLINE]>);

impl<T: Copy> CodeList<T> {
    /// An empty list.
    pub fn new() -> Self {
        Self(SmallVec::new())
    }

    /// Appends `value`.
    pub fn push(&mut self, value: T) {
        self.0.push(value);
    }

    /// Inserts `value` at `index`, shifting those after it.
    ///
    /// # Panics
    ///
    /// If `index` is past the end, as `Vec::insert` does.
    pub fn insert(&mut self, index: usize, value: T) {
        self.0.insert(index, value);
    }

    /// Removes and returns the last value.
    pub fn pop(&mut self) -> Option<T> {
        self.0.pop()
    }

    /// Keeps the first `len` values.
    pub fn truncate(&mut self, len: usize) {
        self.0.truncate(len);
    }

    /// Removes every value.
    pub fn clear(&mut self) {
        self.0.clear();
    }

    /// Keeps the values for which `keep` holds, in order.
    pub fn retain(&mut self, mut keep: impl FnMut(&T) -> bool) {
        self.0.retain(|v| keep(v));
    }

    /// The values as a vector.
    pub fn to_vec(&self) -> Vec<T> {
        self.0.to_vec()
    }
}

impl<T: Copy> Default for CodeList<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Copy> core::ops::Deref for CodeList<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        &self.0
    }
}

impl<T: Copy> core::ops::DerefMut for CodeList<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        &mut self.0
    }
}

impl<T: Copy + fmt::Debug> fmt::Debug for CodeList<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.0.iter()).finish()
    }
}

impl<T: Copy> From<Vec<T>> for CodeList<T> {
    fn from(values: Vec<T>) -> Self {
        Self(SmallVec::from_vec(values))
    }
}

impl<T: Copy> From<&[T]> for CodeList<T> {
    fn from(values: &[T]) -> Self {
        Self(SmallVec::from_slice(values))
    }
}

impl<T: Copy, const N: usize> From<[T; N]> for CodeList<T> {
    fn from(values: [T; N]) -> Self {
        values.into_iter().collect()
    }
}

impl<T: Copy> FromIterator<T> for CodeList<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

impl<T: Copy> Extend<T> for CodeList<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        self.0.extend(iter);
    }
}

impl<'a, T: Copy> IntoIterator for &'a CodeList<T> {
    type Item = &'a T;
    type IntoIter = core::slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// Compared with a vector, an array or a slice as a `Vec` is.
impl<T: Copy + PartialEq> PartialEq<Vec<T>> for CodeList<T> {
    fn eq(&self, other: &Vec<T>) -> bool {
        self.0.as_slice() == other.as_slice()
    }
}

impl<T: Copy + PartialEq, const N: usize> PartialEq<[T; N]> for CodeList<T> {
    fn eq(&self, other: &[T; N]) -> bool {
        self.0.as_slice() == other.as_slice()
    }
}

impl<T: Copy + PartialEq> PartialEq<[T]> for CodeList<T> {
    fn eq(&self, other: &[T]) -> bool {
        self.0.as_slice() == other
    }
}

impl<T: Copy + PartialEq> PartialEq<&[T]> for CodeList<T> {
    fn eq(&self, other: &&[T]) -> bool {
        self.0.as_slice() == *other
    }
}

/// Encoded as `Vec<T>` is: `T<V>`.
impl<T: Copy + Encode> Encode for CodeList<T> {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        encode_list(&self.0, out)
    }

    fn encoded_len(&self) -> Result<usize, EncodeError> {
        vector_len(T::elements_len(&self.0)?)
    }
}

/// Decoded as `Vec<T>` is, element by element, with the same errors.
impl<T: Copy + Decode> Decode for CodeList<T> {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let mut items = SmallVec::new();
        decode_each(&mut r.read_vector()?, |item| items.push(item))?;
        Ok(Self(items))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::decode_exact;
    use crate::crypto::CipherSuite;

    #[test]
    fn a_code_list_is_the_size_of_a_vec() {
        assert_eq!(
            core::mem::size_of::<CodeList<CipherSuite>>(),
            core::mem::size_of::<Vec<CipherSuite>>()
        );
    }

    /// Inline, spilled to the heap, or malformed: the same bytes and the
    /// same errors as `Vec<T>`.
    #[test]
    fn code_lists_encode_and_decode_as_vectors() {
        for n in [0u16, 1, 3, 8, 9, 40] {
            let values: Vec<CipherSuite> = (0..n).map(|i| CipherSuite(i * 257)).collect();
            let list = CodeList::from(values.clone());
            let bytes = values.to_bytes().unwrap();
            assert_eq!(list.to_bytes().unwrap(), bytes);
            assert_eq!(list.encoded_len(), values.encoded_len());
            assert_eq!(
                decode_exact::<CodeList<CipherSuite>>(&bytes),
                Ok(list.clone())
            );
            assert_eq!(list, values);
            assert_eq!(list.iter().count(), usize::from(n));
        }
        for bad in [
            &[3u8, 0, 1, 0][..],
            &[2, 0],
            &[0x40],
            &[1, 0, 1],
            &[0xc0, 0, 0, 0],
        ] {
            assert_eq!(
                decode_exact::<CodeList<CipherSuite>>(bad),
                decode_exact::<Vec<CipherSuite>>(bad).map(CodeList::from),
                "{bad:?}"
            );
            assert!(decode_exact::<CodeList<CipherSuite>>(bad).is_err());
        }
    }

    #[test]
    fn a_code_list_edits_as_a_vec_does() {
        let mut list: CodeList<CipherSuite> = [CipherSuite(1), CipherSuite(2)].into();
        list.extend([CipherSuite(3), CipherSuite(4)]);
        list.insert(0, CipherSuite(9));
        list.retain(|s| s.0 != 2);
        assert_eq!(
            list,
            [
                CipherSuite(9),
                CipherSuite(1),
                CipherSuite(3),
                CipherSuite(4)
            ]
        );
        assert_eq!(list.pop(), Some(CipherSuite(4)));
        list.truncate(1);
        assert_eq!(list.to_vec(), vec![CipherSuite(9)]);
        assert_eq!(format!("{list:?}"), format!("{:?}", vec![CipherSuite(9)]));
        list.clear();
        assert!(list.is_empty());
        assert_eq!(list, CodeList::default());
    }
}
