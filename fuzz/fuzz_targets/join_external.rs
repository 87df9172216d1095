#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| rfc9420_fuzz::targets::join_external(data));
