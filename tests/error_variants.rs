//! Every variant of every public error enum (`pub enum *Error` under
//! `src/`) is constructed by library code and named by a test.
//!
//! A text scan, like `errcov.py`: a variant counts as constructed when
//! `Enum::Variant` appears in non-test code under `src/`, and as named by
//! a test when it appears in test code: a file under `tests/`, a `tests.rs`
//! or `tests/` module under `src/`, or the part of a source file after its
//! first `#[cfg(test)]`. Line comments are ignored.
//!
//! A variant no test can trigger is listed in [`UNREACHABLE`] with the
//! reason; the list must stay exact (an entry that a test does name, or
//! that no longer exists, fails too).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// Variants no test can trigger (enum, variant, reason). Enum and variant
/// are apart so that this list does not count as naming them.
const UNREACHABLE: &[(&str, &str, &str)] = &[(
    "CryptoError",
    "EncryptionFailed",
    "the RustCrypto AEADs fail to seal only past their plaintext limits \
     (2^36 bytes for AES-GCM, 2^38 for ChaCha20Poly1305); the variant is \
     for other providers",
)];

/// The `.rs` files under `dir`, recursively, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// A source file split into its non-test and test parts.
fn split_test(path: &str, text: &str) -> (String, String) {
    if path.ends_with("tests.rs") || path.contains("/tests/") {
        return (String::new(), text.to_string());
    }
    match text.find("#[cfg(test)]") {
        Some(i) => (text[..i].to_string(), text[i..].to_string()),
        None => (text.to_string(), String::new()),
    }
}

/// `text` without `//` comments.
fn strip_comments(text: &str) -> String {
    text.lines()
        .map(|l| l.find("//").map_or(l, |i| &l[..i]))
        .collect::<Vec<_>>()
        .join("\n")
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The leading identifier of `s`.
fn ident(s: &str) -> &str {
    let end = s.find(|c: char| !is_ident(c)).unwrap_or(s.len());
    &s[..end]
}

/// Each `pub enum XError { .. }` of `text` with its variants: the lines of
/// the body indented by exactly four spaces that start with an
/// identifier.
fn error_enums(text: &str) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("pub enum ") {
        rest = &rest[i + "pub enum ".len()..];
        let name = ident(rest);
        if name.len() <= "Error".len() || !name.ends_with("Error") {
            continue;
        }
        let Some(open) = rest.find('{') else { break };
        let body_start = open + 1;
        let Some(close) = rest[body_start..].find("\n}") else {
            break;
        };
        let body = &rest[body_start..body_start + close];
        let variants = body
            .lines()
            .filter_map(|l| l.strip_prefix("    "))
            .filter(|l| l.starts_with(|c: char| c.is_ascii_uppercase()))
            .map(|l| ident(l).to_string())
            .collect();
        out.push((name.to_string(), variants));
        rest = &rest[body_start + close..];
    }
    out
}

/// Whether `text` contains `needle` as a whole path (no identifier
/// character right before or after).
fn names(text: &str, needle: &str) -> bool {
    text.match_indices(needle).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + needle.len()..].chars().next();
        !before.is_some_and(is_ident) && !after.is_some_and(is_ident)
    })
}

/// What the scan found wrong.
#[derive(Debug, Default, PartialEq, Eq)]
struct Report {
    not_constructed: Vec<String>,
    not_named_by_test: Vec<String>,
    stale_exceptions: Vec<String>,
}

/// Scans `sources` (path, text; paths under `src/` are library sources,
/// others test sources) against the `unreachable` exceptions.
fn scan(sources: &[(String, String)], unreachable: &[(&str, &str, &str)]) -> Report {
    let mut enums = BTreeMap::new();
    let mut library = String::new();
    let mut tests = String::new();
    for (path, text) in sources {
        if path.starts_with("src/") {
            let (a, b) = split_test(path, text);
            library.push_str(&a);
            tests.push_str(&b);
            for (name, variants) in error_enums(text) {
                enums.insert(name, variants);
            }
        } else {
            tests.push_str(text);
        }
    }
    let library = strip_comments(&library);
    let tests = strip_comments(&tests);
    let mut report = Report::default();
    let mut all = Vec::new();
    for (name, variants) in &enums {
        for v in variants {
            let path = format!("{name}::{v}");
            if !names(&library, &path) {
                report.not_constructed.push(path.clone());
            }
            let excepted = unreachable
                .iter()
                .any(|(e, var, _)| *e == name.as_str() && *var == v.as_str());
            if names(&tests, &path) == excepted {
                if excepted {
                    report.stale_exceptions.push(path.clone());
                } else {
                    report.not_named_by_test.push(path.clone());
                }
            }
            all.push(path);
        }
    }
    for (e, v, _) in unreachable {
        let path = format!("{e}::{v}");
        if !all.contains(&path) {
            report.stale_exceptions.push(path);
        }
    }
    report
}

/// The crate's library and test sources.
fn crate_sources() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for dir in ["src", "tests"] {
        for path in rust_files(&root.join(dir)) {
            let rel = path.strip_prefix(root).unwrap();
            let rel = rel.to_string_lossy().replace('\\', "/");
            out.push((rel, fs::read_to_string(&path).unwrap()));
        }
    }
    out
}

#[test]
fn every_error_variant_is_constructed_and_named_by_a_test() {
    let sources = crate_sources();
    let enums: usize = sources
        .iter()
        .filter(|(p, _)| p.starts_with("src/"))
        .map(|(_, t)| error_enums(t).len())
        .sum();
    assert!(
        enums >= 10,
        "only {enums} error enums found: the scan is broken"
    );
    let report = scan(&sources, UNREACHABLE);
    assert_eq!(
        report,
        Report::default(),
        "error variants: not constructed outside tests, not named by a test, \
         or listed as unreachable but named or gone"
    );
}

/// The scan itself finds each kind of problem.
#[test]
fn the_scan_reports_each_kind_of_gap() {
    let library = "\
/// Doc.
pub enum DemoError {
    /// A.
    #[error(\"a\")]
    Alpha,
    Beta(u8),
    Gamma { x: u8 },
    Delta,
}
fn f() { let _ = DemoError::Alpha; let _ = DemoError::Beta(1); }
fn g() { let _ = DemoError::Gamma { x: 1 }; } // DemoError::Delta
#[cfg(test)]
mod tests { fn t() { let _ = DemoError::Delta; let _ = DemoError::Alpha; } }
";
    let test = "fn t() { let _ = DemoError::Gamma { x: 2 }; let _ = DemoError::Betamax; }";
    let sources = vec![
        ("src/demo.rs".to_string(), library.to_string()),
        ("tests/demo.rs".to_string(), test.to_string()),
    ];
    assert_eq!(
        error_enums(library),
        vec![(
            "DemoError".to_string(),
            vec!["Alpha", "Beta", "Gamma", "Delta"]
                .into_iter()
                .map(String::from)
                .collect()
        )]
    );
    let exceptions = [("DemoError", "Gamma", "x"), ("DemoError", "Gone", "y")];
    let report = scan(&sources, &exceptions);
    assert_eq!(
        report,
        Report {
            // Delta appears only in a comment and in test code.
            not_constructed: vec!["DemoError::Delta".to_string()],
            // `DemoError::Betamax` does not name Beta.
            not_named_by_test: vec!["DemoError::Beta".to_string()],
            stale_exceptions: vec![
                "DemoError::Gamma".to_string(),
                "DemoError::Gone".to_string()
            ],
        }
    );
}
