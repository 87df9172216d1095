use super::*;

#[test]
fn varint_examples_from_rfc() {
    // RFC 9420 §2.1.2 examples.
    assert_eq!(
        Reader::new(&[0x9d, 0x7f, 0x3e, 0x7d]).read_varint(),
        Ok(494_878_333)
    );
    assert_eq!(Reader::new(&[0x7b, 0xbd]).read_varint(), Ok(15_293));
    assert_eq!(Reader::new(&[0x25]).read_varint(), Ok(37));
}

#[test]
fn varint_round_trip_boundaries() {
    for v in [0, 63, 64, 16_383, 16_384, MAX_VARINT] {
        let mut out = Vec::new();
        write_varint(v, &mut out).unwrap();
        let expected_len = match v {
            0..=63 => 1,
            64..=16_383 => 2,
            _ => 4,
        };
        assert_eq!(out.len(), expected_len, "value {v}");
        let mut r = Reader::new(&out);
        assert_eq!(r.read_varint(), Ok(v));
        assert!(r.is_empty());
    }
    assert_eq!(
        write_varint(MAX_VARINT + 1, &mut Vec::new()),
        Err(EncodeError::VectorTooLong(MAX_VARINT + 1))
    );
}

#[test]
fn varint_rejects_non_minimal_and_reserved() {
    assert_eq!(
        Reader::new(&[0x40, 0x25]).read_varint(),
        Err(DecodeError::NonMinimalVarint { value: 37 })
    );
    assert_eq!(
        Reader::new(&[0x80, 0x00, 0x3f, 0xff]).read_varint(),
        Err(DecodeError::NonMinimalVarint { value: 16_383 })
    );
    assert_eq!(
        Reader::new(&[0xc0, 0, 0, 0, 0, 0, 0, 1]).read_varint(),
        Err(DecodeError::InvalidVarintPrefix)
    );
    assert_eq!(
        Reader::new(&[0x80, 0x01]).read_varint(),
        Err(DecodeError::Truncated { need: 3, have: 1 })
    );
}

#[test]
fn vector_length_beyond_input_is_rejected() {
    let bytes = [0x05, 1, 2];
    assert_eq!(
        decode_exact::<Vec<u8>>(&bytes),
        Err(DecodeError::LengthExceedsInput {
            declared: 5,
            available: 2
        })
    );
}

#[test]
fn nested_vectors_round_trip_with_long_headers() {
    let v: Vec<Vec<u8>> = vec![vec![7u8; 70], vec![], vec![1u8; 20_000]];
    let bytes = v.to_bytes().unwrap();
    assert_eq!(decode_exact::<Vec<Vec<u8>>>(&bytes).unwrap(), v);
    // Outer header is 4 bytes since the body is over 16383 bytes.
    assert_eq!(bytes[0] >> 6, 2);
}

#[test]
fn optional_rejects_bad_presence_octet() {
    assert_eq!(
        decode_exact::<Option<u8>>(&[2, 0]),
        Err(DecodeError::InvalidOptional(2))
    );
    assert_eq!(decode_exact::<Option<u16>>(&[1, 0, 9]), Ok(Some(9)));
    assert_eq!(decode_exact::<Option<u16>>(&[0]), Ok(None));
}

#[test]
fn trailing_bytes_are_rejected() {
    assert_eq!(
        decode_exact::<u16>(&[0, 1, 2]),
        Err(DecodeError::TrailingBytes(1))
    );
}

#[test]
fn zero_sized_elements_are_rejected() {
    struct Empty;
    impl Decode for Empty {
        fn decode(_: &mut Reader<'_>) -> Result<Self, DecodeError> {
            Ok(Empty)
        }
    }
    assert_eq!(
        decode_exact::<Vec<Empty>>(&[1, 0]).err(),
        Some(DecodeError::ZeroSizedElement)
    );
}

/// Integer vectors (and the newtypes over them) are sized from the body's
/// length: whole bodies decode as element by element, a body that ends
/// inside an element fails the same way, and the capacity is exact.
#[test]
fn integer_vectors_decode_whole_elements_only() {
    let three: Vec<u16> = decode_exact(&[6, 0, 1, 0, 2, 0xff, 0xfe]).unwrap();
    assert_eq!(three, vec![1, 2, 0xfffe]);
    assert_eq!(three.capacity(), 3);
    let one_element = Reader::new(&[0]).read_u16().unwrap_err();
    assert_eq!(
        decode_exact::<Vec<u16>>(&[3, 0, 1, 0]).err(),
        Some(one_element)
    );
    let indices: Vec<crate::tree_math::LeafIndex> =
        decode_exact(&[8, 0, 0, 0, 7, 0, 0, 1, 0]).unwrap();
    assert_eq!(
        indices,
        [
            crate::tree_math::LeafIndex(7),
            crate::tree_math::LeafIndex(256)
        ]
    );
    let bad = decode_exact::<Vec<u32>>(&[5, 0, 0, 0, 7, 1]).err();
    assert_eq!(bad, Some(Reader::new(&[1]).read_u32().unwrap_err()));
    let suites: Vec<crate::crypto::CipherSuite> = decode_exact(&[4, 0, 1, 0, 7]).unwrap();
    assert_eq!(
        suites,
        [crate::crypto::CipherSuite(1), crate::crypto::CipherSuite(7)]
    );
    assert_eq!(decode_exact::<Vec<u16>>(&[0]).unwrap(), Vec::<u16>::new());
}
