//! `conformance --generate FORMAT [--suite N...] --out FILE`: writes test
//! vectors in the official JSON formats from groups this crate runs, so
//! that other implementations can check themselves against it; the
//! conformance runner replays the files. The generators live in
//! `rfc9420_test_support::generate`, shared with the interop tests.
//!
//! Formats: `passive-client-welcome`, `passive-client-handling-commit`,
//! `passive-client-random`, `welcome`, `tree-validation`, `treekem`,
//! `messages`. Suites default to all seven.

use std::process::ExitCode;

use rfc9420_test_support::generate::{FORMATS, generate};

fn usage() -> ExitCode {
    eprintln!("usage: conformance --generate FORMAT [--suite N...] --out FILE");
    eprintln!("formats: {}", FORMATS.join(", "));
    ExitCode::from(2)
}

/// Runs the generator with the arguments after `--generate`.
pub fn run(args: &[String]) -> ExitCode {
    let mut format = None;
    let mut suites = Vec::new();
    let mut out = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--suite" => match it.next().and_then(|s| s.parse::<u16>().ok()) {
                Some(s) => suites.push(s),
                None => return usage(),
            },
            "--out" => match it.next() {
                Some(path) => out = Some(path.clone()),
                None => return usage(),
            },
            _ if format.is_none() && !arg.starts_with('-') => format = Some(arg.clone()),
            _ => return usage(),
        }
    }
    let (Some(format), Some(out)) = (format, out) else {
        return usage();
    };
    if suites.is_empty() {
        suites = (1..=7).collect();
    }
    let Some(generated) = generate(&format, &suites) else {
        eprintln!("cannot generate {format}");
        return usage();
    };
    let vectors = match generated {
        Ok(v) => v,
        Err(e) => {
            eprintln!("generation failed: {e}");
            return ExitCode::FAILURE;
        }
    };
    let count = vectors.as_array().map_or(0, Vec::len);
    let text = match serde_json::to_string_pretty(&vectors) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("cannot encode JSON: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Err(e) = std::fs::write(&out, text) {
        eprintln!("{out}: {e}");
        return ExitCode::FAILURE;
    }
    println!("{out}: {count} {format} vectors, suites {suites:?}");
    ExitCode::SUCCESS
}
