//! Runs the official MLS test vectors (mlswg/mls-implementations) against
//! the crate. Shared by `cargo test` (tests/vectors/main.rs) and the
//! conformance runner (examples/conformance/main.rs).
//!
//! Each vector file is a JSON array. A format's checker looks at one element
//! and returns an [`Outcome`]; the runner groups outcomes by cipher suite.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub mod common;
pub mod crypto_basics;
pub mod deserialization;
pub mod key_schedule;
pub mod message_protection;
pub mod messages;
pub mod passive_client;
pub mod psk_secret;

pub use crate::vector_files::vector_dir;
pub mod secret_tree;
pub mod transcript_hashes;
pub mod tree_math;
pub mod tree_operations;
pub mod tree_validation;
pub mod treekem;
pub mod welcome;

/// What happened to one vector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Every check of the vector held.
    Pass,
    /// A check failed; the text says which and why.
    Fail(String),
    /// The vector was not run; the text says why.
    Skip(String),
}

/// A checker for one vector of a format.
pub type Checker = fn(&serde_json::Value) -> Outcome;

/// A vector file format of the official set.
pub struct Format {
    /// The official file stem, e.g. `tree-math`.
    pub name: &'static str,
    /// The checker, or why vectors of this format cannot run yet.
    pub check: Result<Checker, &'static str>,
}

fn format(name: &'static str, check: Result<Checker, &'static str>) -> Format {
    Format { name, check }
}

/// Every format of the official set, in the order of test-vectors.md.
pub fn formats() -> Vec<Format> {
    vec![
        format("tree-math", Ok(tree_math::check)),
        format("crypto-basics", Ok(crypto_basics::check)),
        format("secret-tree", Ok(secret_tree::check)),
        format("message-protection", Ok(message_protection::check)),
        format("key-schedule", Ok(key_schedule::check)),
        format("psk_secret", Ok(psk_secret::check)),
        format("transcript-hashes", Ok(transcript_hashes::check)),
        format("welcome", Ok(welcome::check)),
        format("tree-operations", Ok(tree_operations::check)),
        format("tree-validation", Ok(tree_validation::check)),
        format("treekem", Ok(treekem::check)),
        format("messages", Ok(messages::check)),
        format("passive-client-welcome", Ok(passive_client::check)),
        format("passive-client-handling-commit", Ok(passive_client::check)),
        format("passive-client-random", Ok(passive_client::check)),
        format("deserialization", Ok(deserialization::check)),
    ]
}

/// Finds the format named `name` exactly.
pub fn format_by_name(name: &str) -> Option<Format> {
    formats().into_iter().find(|f| f.name == name)
}

/// Finds the format whose official stem the file name contains (the
/// longest such stem, so `my-passive-client-welcome.json` is
/// `passive-client-welcome`).
pub fn format_for_path(path: &Path) -> Option<Format> {
    let stem = path.file_stem()?.to_str()?.to_owned();
    formats()
        .into_iter()
        .filter(|f| stem.contains(f.name))
        .max_by_key(|f| f.name.len())
}

/// Counts for one (file, suite) pair, with the failures' details.
#[derive(Debug, Default, Clone)]
pub struct Tally {
    /// Vectors that passed.
    pub passed: usize,
    /// Failures: (index in the file, reason).
    pub failed: Vec<(usize, String)>,
    /// Skips: (index in the file, reason).
    pub skipped: Vec<(usize, String)>,
}

/// The results of one file, by suite (`None` for suite-less formats).
pub type FileReport = BTreeMap<Option<u16>, Tally>;

/// Why a file could not be run at all.
#[derive(Debug)]
pub enum LoadError {
    /// The file is missing or unreadable.
    Io(PathBuf, std::io::Error),
    /// The file is not a JSON array.
    Json(PathBuf, String),
    /// No format matches the file name.
    UnknownFormat(PathBuf),
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Io(p, e) => write!(f, "{}: cannot read: {e}", p.display()),
            Self::Json(p, e) => write!(f, "{}: not a JSON array of vectors: {e}", p.display()),
            Self::UnknownFormat(p) => write!(
                f,
                "{}: no official format stem in the file name (use --format)",
                p.display()
            ),
        }
    }
}

/// Runs every vector of the file at `path` with `format`.
pub fn run_file(path: &Path, format: &Format) -> Result<FileReport, LoadError> {
    let text = std::fs::read_to_string(path).map_err(|e| LoadError::Io(path.to_owned(), e))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| LoadError::Json(path.to_owned(), e.to_string()))?;
    let vectors = value
        .as_array()
        .ok_or_else(|| LoadError::Json(path.to_owned(), "top level is not an array".into()))?;
    let mut report = FileReport::new();
    for (index, vector) in vectors.iter().enumerate() {
        let suite = vector
            .get("cipher_suite")
            .and_then(serde_json::Value::as_u64)
            .and_then(|s| u16::try_from(s).ok());
        let tally = report.entry(suite).or_default();
        let outcome = match format.check {
            Ok(check) => check(vector),
            Err(reason) => Outcome::Skip(reason.to_owned()),
        };
        match outcome {
            Outcome::Pass => tally.passed += 1,
            Outcome::Fail(why) => tally.failed.push((index, why)),
            Outcome::Skip(why) => tally.skipped.push((index, why)),
        }
    }
    Ok(report)
}

/// Runs the official file `<format>.json` from [`vector_dir`] and panics,
/// with every failure and skip listed, unless all vectors of all suites
/// passed. A missing file is a failure, never a silent pass.
pub fn assert_all_pass(format_name: &str) {
    let format = format_by_name(format_name)
        .unwrap_or_else(|| panic!("no vector format named {format_name}"));
    let path = vector_dir().join(format!("{format_name}.json"));
    let report = run_file(&path, &format).unwrap_or_else(|e| {
        panic!("{e}\n(set MLS_TEST_VECTORS to the directory holding the official vectors)")
    });
    let mut problems = Vec::new();
    let mut total = 0;
    for (suite, tally) in &report {
        total += tally.passed + tally.failed.len() + tally.skipped.len();
        eprintln!("{}", summary_line(&path, *suite, tally));
        for (i, why) in &tally.failed {
            problems.push(format!(
                "suite {}: vector {i} failed: {why}",
                suite_name(*suite)
            ));
        }
        for (i, why) in &tally.skipped {
            problems.push(format!(
                "suite {}: vector {i} skipped: {why}",
                suite_name(*suite)
            ));
        }
    }
    assert!(total > 0, "{}: holds no vectors", path.display());
    assert!(
        problems.is_empty(),
        "{}:\n{}",
        path.display(),
        problems.join("\n")
    );
}

fn suite_name(suite: Option<u16>) -> String {
    suite.map_or_else(|| "-".to_owned(), |s| s.to_string())
}

/// `FILE suite=N passed=P failed=F skipped=S`; suite-less formats print
/// `suite=-`.
pub fn summary_line(path: &Path, suite: Option<u16>, tally: &Tally) -> String {
    format!(
        "{} suite={} passed={} failed={} skipped={}",
        path.display(),
        suite_name(suite),
        tally.passed,
        tally.failed.len(),
        tally.skipped.len()
    )
}
