//! The requirement catalogue `docs/rfc9420-requirements.md` stays true to
//! the repository: every id is well formed and unique, every test it names
//! exists, every vector file it names is replayed, every client
//! requirement has a test or a stated reason, its counts match its rows, and
//! every id the code cites is in it.
//!
//! The checks are pure functions of the catalogue text and a view of the
//! repository's files, so the tests at the bottom feed them bogus rows and
//! assert each one is caught.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

const CATALOGUE: &str = "docs/rfc9420-requirements.md";
const HEADER: &str = "| id | § | requirement | status | enforced in | tests | audit |";
const VECTOR_RUNNER: &str = "tests/vectors/main.rs";
const STATUSES: &[&str] = &[
    "enforced+tested",
    "enforced-untested",
    "partial",
    "missing",
    "application",
];

/// The files the checks may look at, by path relative to the repository
/// root (`/` separators).
trait Files {
    fn read(&self, path: &str) -> Option<String>;
}

/// The repository on disk.
struct Repo(PathBuf);

impl Files for Repo {
    fn read(&self, path: &str) -> Option<String> {
        if path.contains("..") || path.starts_with('/') {
            return None;
        }
        fs::read_to_string(self.0.join(path)).ok()
    }
}

/// One row of the table.
#[derive(Debug)]
struct Row<'a> {
    line: usize,
    id: &'a str,
    sections: &'a str,
    requirement: &'a str,
    status: &'a str,
    enforced_in: &'a str,
    tests: &'a str,
}

/// The rows of the table under [`HEADER`], or the problems of its shape.
fn parse(text: &str) -> Result<Vec<Row<'_>>, Vec<String>> {
    let mut lines = text.lines().enumerate();
    if !lines.any(|(_, l)| l.trim_end() == HEADER) {
        return Err(vec![format!("no table with header `{HEADER}`")]);
    }
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for (i, line) in lines {
        let line_no = i + 1;
        let line = line.trim_end();
        if line.starts_with("|---") {
            continue;
        }
        if !line.starts_with('|') {
            break;
        }
        let cells: Vec<&str> = line
            .trim_start_matches('|')
            .trim_end_matches('|')
            .split('|')
            .map(str::trim)
            .collect();
        let [
            id,
            sections,
            requirement,
            status,
            enforced_in,
            tests,
            _audit,
        ] = cells[..]
        else {
            problems.push(format!(
                "line {line_no}: {} cells, the header has 7",
                cells.len()
            ));
            continue;
        };
        rows.push(Row {
            line: line_no,
            id,
            sections,
            requirement,
            status,
            enforced_in,
            tests,
        });
    }
    if rows.is_empty() {
        problems.push("the table has no rows".to_owned());
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(problems)
    }
}

/// `R-<section>-<nn>`: returns the section.
fn id_section(id: &str) -> Option<&str> {
    let rest = id.strip_prefix("R-")?;
    let (section, counter) = rest.rsplit_once('-')?;
    let section_ok = !section.is_empty()
        && section
            .split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    let counter_ok = counter.len() == 2 && counter.bytes().all(|b| b.is_ascii_digit());
    (section_ok && counter_ok).then_some(section)
}

/// Whether `path` is test code: a test target, the test-support crate, a
/// `tests.rs` or `tests/` module under `src/`.
fn is_test_file(path: &str) -> bool {
    path.starts_with("tests/")
        || path.starts_with("test-support/")
        || (path.starts_with("src/") && (path.ends_with("/tests.rs") || path.contains("/tests/")))
}

/// The byte offsets of `fn name` (followed by `(` or `<`) in `source`.
fn fn_definitions(source: &str, name: &str) -> Vec<usize> {
    let needle = format!("fn {name}");
    source
        .match_indices(&needle)
        .filter(|(at, _)| {
            let before_ok = source[..*at]
                .chars()
                .next_back()
                .is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
            let after = source[at + needle.len()..].trim_start();
            before_ok && (after.starts_with('(') || after.starts_with('<'))
        })
        .map(|(at, _)| at)
        .collect()
}

/// Whether the word `name` occurs in `source` other than in its definition:
/// the function is called (by a per-suite macro or another test).
fn is_used(source: &str, name: &str) -> bool {
    let words = source
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| *w == name)
        .count();
    words >= 2
}

/// Whether the item at `at` carries `#[test]` among the attributes just
/// above it.
fn has_test_attribute(source: &str, at: usize) -> bool {
    let line_start = source[..at].rfind('\n').map_or(0, |i| i + 1);
    source[..line_start]
        .lines()
        .rev()
        .take_while(|l| {
            let l = l.trim();
            l.starts_with("#[") || l.starts_with("///") || l.is_empty()
        })
        .any(|l| l.trim() == "#[test]")
}

/// Checks one `path::name` test reference.
fn check_test_ref(files: &dyn Files, at: &str, entry: &str) -> Option<String> {
    let (path, name) = entry.rsplit_once("::")?;
    let Some(source) = files.read(path) else {
        return Some(format!("{at}: file `{path}` of `{entry}` does not exist"));
    };
    if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
        return Some(format!("{at}: `{name}` is not a function name"));
    }
    // In a library file, only the test module counts.
    let test_start = if is_test_file(path) {
        0
    } else {
        match source.find("#[cfg(test)]") {
            Some(start) => start,
            None => return Some(format!("{at}: `{path}` holds no tests")),
        }
    };
    let defs: Vec<usize> = fn_definitions(&source, name)
        .into_iter()
        .filter(|d| *d >= test_start)
        .collect();
    if defs.is_empty() {
        return Some(format!("{at}: no test `fn {name}` in `{path}`"));
    }
    if !defs.iter().any(|d| has_test_attribute(&source, *d)) && !is_used(&source, name) {
        return Some(format!(
            "{at}: `fn {name}` in `{path}` is neither a #[test] nor called by one"
        ));
    }
    None
}

/// Checks one `test-vectors/<file>.json` reference.
fn check_vector_ref(files: &dyn Files, at: &str, entry: &str) -> Option<String> {
    let stem = entry
        .strip_prefix("test-vectors/")
        .and_then(|f| f.strip_suffix(".json"))?;
    if files.read(entry).is_none() {
        return Some(format!("{at}: vector file `{entry}` does not exist"));
    }
    let runner = files.read(VECTOR_RUNNER).unwrap_or_default();
    if !runner.contains(&format!("\"{stem}\"")) {
        return Some(format!(
            "{at}: `{entry}` is not replayed by `{VECTOR_RUNNER}`"
        ));
    }
    None
}

/// Every problem of the catalogue `text` against `files`.
fn check(text: &str, files: &dyn Files) -> Vec<String> {
    let rows = match parse(text) {
        Ok(rows) => rows,
        Err(problems) => return problems,
    };
    let mut problems = Vec::new();
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for row in &rows {
        let at = format!("line {} ({})", row.line, row.id);
        if let Some(first) = seen.insert(row.id, row.line) {
            problems.push(format!("{at}: id already used on line {first}"));
        }
        let first_section = row.sections.split(',').next().unwrap_or("").trim();
        match id_section(row.id) {
            None => problems.push(format!("{at}: id is not `R-<section>-<nn>`")),
            Some(s) if s != first_section => problems.push(format!(
                "{at}: id section {s} is not the row's first section {first_section}"
            )),
            Some(_) => {}
        }
        if row.requirement.is_empty() {
            problems.push(format!("{at}: no requirement text"));
        }
        if row.enforced_in.is_empty() {
            problems.push(format!("{at}: empty `enforced in`"));
        }
        if !STATUSES.contains(&row.status) {
            problems.push(format!("{at}: unknown status `{}`", row.status));
            continue;
        }
        *counts.entry(row.status).or_default() += 1;

        let mut tests = 0;
        let mut reasons = 0;
        let mut dash = false;
        for entry in row.tests.split("; ").map(str::trim) {
            if let Some(reason) = entry.strip_prefix("reason:") {
                if reason.trim().is_empty() {
                    problems.push(format!("{at}: empty reason"));
                } else {
                    reasons += 1;
                }
            } else if entry == "—" {
                dash = true;
            } else if entry.starts_with("test-vectors/") {
                tests += 1;
                problems.extend(check_vector_ref(files, &at, entry).or_else(|| {
                    (!entry.ends_with(".json"))
                        .then(|| format!("{at}: `{entry}` is not a vector file"))
                }));
            } else if entry.contains("::") {
                tests += 1;
                problems.extend(check_test_ref(files, &at, entry));
            } else {
                problems.push(format!("{at}: test entry `{entry}` is not understood"));
            }
        }
        let client = row.status != "application";
        if dash && (client || tests + reasons > 0) {
            problems.push(format!("{at}: `—` only stands alone in an application row"));
        }
        if client && tests == 0 && reasons == 0 {
            problems.push(format!(
                "{at}: client requirement with neither a test nor a reason"
            ));
        }
        if row.status == "enforced+tested" && tests == 0 {
            problems.push(format!("{at}: enforced+tested without a test"));
        }
        if matches!(row.status, "enforced-untested" | "missing") && reasons == 0 {
            problems.push(format!("{at}: {} without a stated reason", row.status));
        }
    }
    problems.extend(check_counts(text, &counts, rows.len()));
    problems
}

/// The `## Counts` table matches the rows.
fn check_counts(text: &str, counts: &BTreeMap<&str, usize>, total: usize) -> Vec<String> {
    let mut problems = Vec::new();
    let mut stated: BTreeMap<String, usize> = BTreeMap::new();
    for line in text.lines() {
        let cells: Vec<&str> = line
            .trim()
            .trim_matches('|')
            .split('|')
            .map(|c| c.trim().trim_matches('*'))
            .collect();
        if let [status, n] = cells[..] {
            if let Ok(n) = n.parse::<usize>() {
                stated.insert(status.to_owned(), n);
            }
        }
    }
    for status in STATUSES {
        let actual = counts.get(status).copied().unwrap_or(0);
        match stated.get(*status) {
            Some(n) if *n == actual => {}
            Some(n) => problems.push(format!("counts: {status} stated {n}, rows {actual}")),
            None => problems.push(format!("counts: no count for {status}")),
        }
    }
    match stated.get("total") {
        Some(n) if *n == total => {}
        other => problems.push(format!("counts: total stated {other:?}, rows {total}")),
    }
    problems
}

/// The ids cited as `R-<section>-<nn>` in `source`.
fn cited_ids(source: &str) -> BTreeSet<&str> {
    let mut out = BTreeSet::new();
    for (at, _) in source.match_indices("R-") {
        let before_ok = source[..at]
            .chars()
            .next_back()
            .is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == '-'));
        if !before_ok {
            continue;
        }
        let end = source[at + 2..]
            .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
            .map_or(source.len(), |e| at + 2 + e);
        let candidate = source[at..end].trim_end_matches(['.', '-']);
        if id_section(candidate).is_some() {
            out.insert(candidate);
        }
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("readable source directory") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn catalogue_matches_the_repository() {
    let repo = Repo(root());
    let text = repo.read(CATALOGUE).expect("the catalogue exists");
    let problems = check(&text, &repo);
    assert!(problems.is_empty(), "{CATALOGUE}:\n{}", problems.join("\n"));
}

#[test]
fn every_cited_id_is_in_the_catalogue() {
    let repo = Repo(root());
    let text = repo.read(CATALOGUE).expect("the catalogue exists");
    let rows = parse(&text).expect("the catalogue parses");
    let known: BTreeSet<&str> = rows.iter().map(|r| r.id).collect();
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    files.sort();
    let mut unknown = Vec::new();
    let mut cited = 0;
    for file in files {
        let source = fs::read_to_string(&file).expect("readable source file");
        for id in cited_ids(&source) {
            cited += 1;
            if !known.contains(id) {
                unknown.push(format!("{}: {id}", file.display()));
            }
        }
    }
    assert!(cited > 0, "no requirement id is cited under src/");
    assert!(
        unknown.is_empty(),
        "ids cited in the code but not in {CATALOGUE}:\n{}",
        unknown.join("\n")
    );
}

// --- The checks catch what they should ---

/// A repository of a few files in memory.
struct Fake(BTreeMap<&'static str, &'static str>);

impl Files for Fake {
    fn read(&self, path: &str) -> Option<String> {
        self.0.get(path).map(|s| (*s).to_owned())
    }
}

fn fake() -> Fake {
    Fake(BTreeMap::from([
        (
            "tests/a.rs",
            "#[test]\nfn real_test() {}\nfn helper(x: u8) {}\nall_suites!(s, |x| helper(x));\nfn unused() {}\n",
        ),
        (
            "src/lib_file.rs",
            "fn library() {}\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn inline_test() {}\n}\n",
        ),
        ("test-vectors/v.json", "[]"),
        ("test-vectors/unreplayed.json", "[]"),
        (VECTOR_RUNNER, "vector_files! { v => \"v\" }"),
    ]))
}

/// A catalogue of `rows` with counts computed as the real one states them.
fn catalogue(rows: &[&str]) -> String {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for r in rows {
        let status = r.split('|').nth(4).unwrap_or("").trim();
        *counts.entry(status).or_default() += 1;
    }
    let mut text = String::from("| status | rows |\n|---|---|\n");
    for s in STATUSES {
        text += &format!("| {s} | {} |\n", counts.get(s).copied().unwrap_or(0));
    }
    text += &format!(
        "| **total** | **{}** |\n\n{HEADER}\n|---|---|---|---|---|---|---|\n",
        rows.len()
    );
    for r in rows {
        text += r;
        text += "\n";
    }
    text
}

const GOOD: &[&str] = &[
    "| R-6.1-01 | 6.1 | A rule. | enforced+tested | `framing::x` | tests/a.rs::real_test; test-vectors/v.json | R1 |",
    "| R-6.1-02 | 6.1, 7 | Another. | enforced+tested | `framing::y` | tests/a.rs::helper; src/lib_file.rs::inline_test | R2 |",
    "| R-7.3-01 | 7.3 | Untested. | enforced-untested | `tree::z` | reason: never asserted | R3 |",
    "| R-8-01 | 8 | App rule. | application | exposes `Group::x` | — | R4 |",
];

fn problems_with(extra: &str) -> Vec<String> {
    let mut rows = GOOD.to_vec();
    rows.push(extra);
    check(&catalogue(&rows), &fake())
}

#[test]
fn a_good_catalogue_passes() {
    assert_eq!(check(&catalogue(GOOD), &fake()), Vec::<String>::new());
}

#[test]
fn bogus_rows_are_caught() {
    let cases: &[(&str, &str)] = &[
        (
            "| R-9-01 | 9 | x | enforced+tested | `a` | tests/a.rs::no_such_test | R5 |",
            "no test `fn no_such_test`",
        ),
        (
            "| R-9-01 | 9 | x | enforced+tested | `a` | tests/missing.rs::real_test | R5 |",
            "does not exist",
        ),
        (
            "| R-9-01 | 9 | x | enforced+tested | `a` | tests/a.rs::unused | R5 |",
            "neither a #[test] nor called",
        ),
        (
            "| R-9-01 | 9 | x | enforced+tested | `a` | src/lib_file.rs::library | R5 |",
            "no test `fn library`",
        ),
        (
            "| R-6.1-01 | 6.1 | x | enforced+tested | `a` | tests/a.rs::real_test | R5 |",
            "id already used",
        ),
        (
            "| R-9-01 | 9 | x | partial | `a` |  | R5 |",
            "test entry `` is not understood",
        ),
        (
            "| R-9-01 | 9 | x | partial | `a` | — | R5 |",
            "neither a test nor a reason",
        ),
        (
            "| R-9-01 | 9 | x | missing | `a` | tests/a.rs::real_test | R5 |",
            "missing without a stated reason",
        ),
        (
            "| R-9-01 | 9 | x | enforced+tested | `a` | reason: trust me | R5 |",
            "enforced+tested without a test",
        ),
        (
            "| R-9-01 | 9 | x | enforced+tested | `a` | test-vectors/nope.json | R5 |",
            "does not exist",
        ),
        (
            "| R-9-01 | 9 | x | enforced+tested | `a` | test-vectors/unreplayed.json | R5 |",
            "not replayed",
        ),
        (
            "| R-9-01 | 10 | x | missing | `a` | reason: r | R5 |",
            "is not the row's first section",
        ),
        (
            "| R9-1 | 9 | x | missing | `a` | reason: r | R5 |",
            "is not `R-<section>-<nn>`",
        ),
        (
            "| R-9-01 | 9 | x | done | `a` | reason: r | R5 |",
            "unknown status",
        ),
        (
            "| R-9-01 | 9 | x | missing |  | reason: r | R5 |",
            "empty `enforced in`",
        ),
        ("| R-9-01 | 9 | x | missing | `a` | reason: r |", "6 cells"),
    ];
    for (row, expected) in cases {
        let problems = problems_with(row);
        assert!(
            problems.iter().any(|p| p.contains(expected)),
            "row {row}\nexpected a problem containing {expected:?}, got {problems:?}"
        );
    }
}

#[test]
fn wrong_counts_are_caught() {
    let text = catalogue(GOOD).replace("| enforced+tested | 2 |", "| enforced+tested | 3 |");
    let problems = check(&text, &fake());
    assert!(
        problems
            .iter()
            .any(|p| p.contains("enforced+tested stated 3")),
        "{problems:?}"
    );
}

#[test]
fn cited_ids_are_found() {
    let source =
        "// RFC 9420 §7.3, R-7.3-04\n// R-12.4.3.1-02, R-2.1.2-01.\nlet x = ERR-1; // R-7 R-7.3-4";
    let ids: Vec<&str> = cited_ids(source).into_iter().collect();
    assert_eq!(ids, ["R-12.4.3.1-02", "R-2.1.2-01", "R-7.3-04"]);
}
