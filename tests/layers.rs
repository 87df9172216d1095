//! The module layering of `src/lib.rs` holds: each top-level module uses
//! (`crate::X` anywhere in its non-test code, doc links included) only the
//! modules the crate documentation lists for it, so the modules form the
//! documented acyclic graph.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

/// The graph documented in `src/lib.rs`: each module and what it may use.
const ALLOWED: &[(&str, &[&str])] = &[
    ("par", &[]),
    ("codec", &[]),
    ("crypto", &["codec", "par"]),
    ("tree_math", &["codec"]),
    ("types", &["codec", "crypto"]),
    ("tree", &["codec", "crypto", "tree_math", "types", "par"]),
    ("messages", &["codec", "crypto", "types", "tree"]),
    ("key_schedule", &["codec", "crypto", "messages"]),
    ("secret_tree", &["codec", "crypto", "tree_math"]),
    (
        "framing",
        &[
            "codec",
            "crypto",
            "tree_math",
            "types",
            "tree",
            "messages",
            "key_schedule",
            "secret_tree",
        ],
    ),
    (
        "group",
        &[
            "codec",
            "crypto",
            "tree_math",
            "types",
            "tree",
            "messages",
            "key_schedule",
            "secret_tree",
            "framing",
            "par",
        ],
    ),
];

/// `lib.rs` and the one error aggregator are no layer.
const EXEMPT: &[&str] = &["lib", "error"];

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs")
            && path.file_name().is_some_and(|n| n != "tests.rs")
        {
            out.push(path);
        }
    }
}

/// The `crate::X` names in `text`, up to its first `#[cfg(test)]`.
fn uses(text: &str) -> BTreeSet<String> {
    let code = text
        .lines()
        .take_while(|l| !l.trim_start().starts_with("#[cfg(test)]"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut found = BTreeSet::new();
    for (i, _) in code.match_indices("crate::") {
        let before = code[..i].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        let name: String = code[i + 7..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        found.insert(name);
    }
    found
}

#[test]
fn modules_use_only_the_layers_below_them() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut violations = Vec::new();
    for file in files {
        let rel = file.strip_prefix(&src).unwrap();
        let first = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        let module = first.trim_end_matches(".rs").to_string();
        if EXEMPT.contains(&module.as_str()) {
            continue;
        }
        let Some(may_use) = allowed.get(module.as_str()) else {
            violations.push(format!(
                "{}: module {module} is not in the graph",
                rel.display()
            ));
            continue;
        };
        for used in uses(&fs::read_to_string(&file).unwrap()) {
            let is_module = allowed.contains_key(used.as_str());
            if is_module && used != module && !may_use.contains(&used.as_str()) {
                violations.push(format!("{}: {module} uses {used}", rel.display()));
            }
        }
    }
    assert!(
        violations.is_empty(),
        "layering broken:\n{}",
        violations.join("\n")
    );
}

#[test]
fn the_documented_graph_is_acyclic() {
    // Each module may use only modules listed before it.
    for (i, (module, may_use)) in ALLOWED.iter().enumerate() {
        let earlier: Vec<&str> = ALLOWED[..i].iter().map(|(m, _)| *m).collect();
        for used in *may_use {
            assert!(earlier.contains(used), "{module} uses {used}, listed later");
        }
    }
}
