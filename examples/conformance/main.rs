//! The conformance runner: checks the crate against MLS test vectors in the
//! official formats (mlswg/mls-implementations).
//!
//! ```text
//! cargo run --release --example conformance -- [--format NAME] [PATH...]
//! cargo run --release --example conformance -- --generate FORMAT [--suite N...] --out FILE
//! ```
//!
//! With `--generate` it writes vectors instead (see `generate.rs`).
//!
//! Each PATH is a vector file or a directory of them (default:
//! `$MLS_TEST_VECTORS`, else the repository's `test-vectors/`). A file's
//! format is `--format NAME` or the official file stem its name contains.
//! For each file and suite it prints
//! `FILE suite=N passed=P failed=F skipped=S` (`suite=-` for formats without
//! a cipher suite), then each failure and skip with the vector's index and
//! reason, and last `P passed, F failed, S skipped`. The exit status is
//! non-zero if any vector failed or a file could not be run.

use rfc9420_test_support::vectors as runner;

mod generate;

use std::path::PathBuf;
use std::process::ExitCode;

fn usage() -> ExitCode {
    eprintln!("usage: conformance [--format NAME] [PATH...]");
    eprintln!("formats:");
    for f in runner::formats() {
        eprintln!("  {}", f.name);
    }
    ExitCode::from(2)
}

/// The path relative to the working directory when it lies below it.
fn display_path(path: &std::path::Path) -> PathBuf {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(PathBuf::from))
        .unwrap_or_else(|| path.to_owned())
}

fn main() -> ExitCode {
    let all: Vec<String> = std::env::args().skip(1).collect();
    if all.first().is_some_and(|a| a == "--generate") {
        return generate::run(&all[1..]);
    }
    let mut format_name = None;
    let mut paths = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--format" => match args.next() {
                Some(name) => format_name = Some(name),
                None => return usage(),
            },
            "-h" | "--help" => return usage(),
            _ if arg.starts_with("--format=") => {
                format_name = Some(arg["--format=".len()..].to_owned());
            }
            _ => paths.push(PathBuf::from(arg)),
        }
    }
    let forced = match &format_name {
        Some(name) => match runner::format_by_name(name) {
            Some(_) => Some(name.clone()),
            None => {
                eprintln!("unknown format {name}");
                return usage();
            }
        },
        None => None,
    };
    if paths.is_empty() {
        paths.push(runner::vector_dir());
    }

    let mut files = Vec::new();
    let mut missing = 0;
    for path in paths {
        if !path.exists() {
            println!("{}: no such file or directory", path.display());
            missing += 1;
        } else if path.is_dir() {
            match std::fs::read_dir(&path) {
                Ok(entries) => {
                    let mut found: Vec<PathBuf> = entries
                        .filter_map(|e| e.ok().map(|e| e.path()))
                        .filter(|p| p.extension().is_some_and(|x| x == "json"))
                        .collect();
                    found.sort();
                    files.extend(found);
                }
                Err(e) => {
                    eprintln!("{}: cannot read directory: {e}", path.display());
                    return ExitCode::FAILURE;
                }
            }
        } else {
            files.push(path);
        }
    }

    let (mut passed, mut failed, mut skipped, mut broken) = (0, 0, 0, missing);
    for file in &files {
        let format = match &forced {
            Some(name) => runner::format_by_name(name),
            None => runner::format_for_path(file),
        };
        let Some(format) = format else {
            println!("{}", runner::LoadError::UnknownFormat(file.clone()));
            broken += 1;
            continue;
        };
        let report = match runner::run_file(file, &format) {
            Ok(report) => report,
            Err(e) => {
                println!("{e}");
                broken += 1;
                continue;
            }
        };
        let shown = display_path(file);
        if format.name.starts_with("passive-client") {
            println!("note: {}", runner::passive_client::LIFETIME_NOTE);
        }
        for (suite, tally) in &report {
            println!("{}", runner::summary_line(&shown, *suite, tally));
            for (index, why) in &tally.failed {
                println!("  FAIL vector {index}: {why}");
            }
            let mut reasons: Vec<&str> = tally.skipped.iter().map(|(_, w)| w.as_str()).collect();
            reasons.sort_unstable();
            reasons.dedup();
            for reason in reasons {
                let indices: Vec<String> = tally
                    .skipped
                    .iter()
                    .filter(|(_, w)| w == reason)
                    .map(|(i, _)| i.to_string())
                    .collect();
                println!("  SKIP vectors {}: {reason}", indices.join(","));
            }
            passed += tally.passed;
            failed += tally.failed.len();
            skipped += tally.skipped.len();
        }
    }
    if broken > 0 {
        println!("files that could not be run: {broken}");
    }
    println!("{passed} passed, {failed} failed, {skipped} skipped");
    if failed > 0 || broken > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
