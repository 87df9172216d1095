//! Where the official vector files are: `$MLS_TEST_VECTORS`, else the
//! repository's `test-vectors/`.

use std::path::{Path, PathBuf};

/// The directory of vector files.
pub fn vector_dir() -> PathBuf {
    match std::env::var_os("MLS_TEST_VECTORS") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("../test-vectors"),
    }
}

/// The vectors of the file `name` (e.g. `welcome.json`), failing loudly
/// when it is missing or malformed.
pub fn load(name: &str) -> Vec<serde_json::Value> {
    let path = vector_dir().join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (set MLS_TEST_VECTORS to the official vectors' directory)",
            path.display()
        )
    });
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: not JSON: {e}", path.display()))
}
