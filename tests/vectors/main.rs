//! One test per official vector file; each loops over every suite in the
//! file and fails on any failed or skipped vector, or a missing file.
//! The files are read from `$MLS_TEST_VECTORS` (default `test-vectors/`).

use rfc9420_test_support::vectors as runner;

macro_rules! vector_files {
    ($($test:ident => $file:literal),* $(,)?) => {$(
        #[test]
        fn $test() {
            runner::assert_all_pass($file);
        }
    )*};
}

vector_files! {
    tree_math => "tree-math",
    messages => "messages",
    deserialization => "deserialization",
    crypto_basics => "crypto-basics",
    secret_tree => "secret-tree",
    message_protection => "message-protection",
    key_schedule => "key-schedule",
    psk_secret => "psk_secret",
    transcript_hashes => "transcript-hashes",
    tree_operations => "tree-operations",
    tree_validation => "tree-validation",
    treekem => "treekem",
    welcome => "welcome",
    passive_client_welcome => "passive-client-welcome",
    passive_client_handling_commit => "passive-client-handling-commit",
    passive_client_random => "passive-client-random",
}
