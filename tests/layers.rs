//! The library's layers (src/lib.rs): each top-level module uses only the layers below it, and no
//! two files use each other, directly or round a longer loop. Read from the source itself, so a
//! new `use crate::...` that reaches up a layer or closes a loop fails here, naming the file.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Each layer and the layers it may use, bottom up (data flows one way: command -> plan -> model
/// -> records -> analysis -> presentation -> results folder).
const LAYERS: [(&str, &[&str]); 7] = [
    ("output", &[]),
    ("scenario", &[]),
    ("model", &["scenario"]),
    ("experiment", &["model", "scenario", "output"]),
    ("analysis", &["experiment", "model", "scenario"]),
    (
        "present",
        &["analysis", "experiment", "model", "scenario", "output"],
    ),
    (
        "commands",
        &[
            "present",
            "analysis",
            "experiment",
            "model",
            "scenario",
            "output",
        ],
    ),
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every library file but the crate root, as paths relative to src/.
fn library_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path.strip_prefix(src()).unwrap().to_path_buf());
            }
        }
    }
    let mut out = Vec::new();
    walk(&src(), &mut out);
    // The binary's files and the crate root are above every layer.
    out.retain(|p| !["lib.rs", "main.rs", "cli.rs", "slurm.rs"].contains(&p.to_str().unwrap()));
    out.sort();
    out
}

/// The module path of a file: `analysis/summary.rs` is [analysis, summary], `present/mod.rs` is
/// [present].
fn module_of(file: &Path) -> Vec<String> {
    let mut parts: Vec<String> = file
        .with_extension("")
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// The file a module path (or an item inside one) lives in: the longest prefix that is a file.
fn file_of(path: &[String]) -> Option<PathBuf> {
    (1..=path.len()).rev().find_map(|n| {
        let stem = path[..n].join("/");
        [format!("{stem}.rs"), format!("{stem}/mod.rs")]
            .into_iter()
            .map(PathBuf::from)
            .find(|p| src().join(p).exists())
    })
}

/// The paths a file names through `crate::` and `super::` (a `use super::{a, b}` names each),
/// comments left out, resolved against the file's own module.
fn named_paths(file: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(src().join(file)).unwrap();
    let module = module_of(file);
    let parent = &module[..module.len() - 1];
    let mut out = Vec::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or("");
        for (prefix, base) in [("crate::", &[][..]), ("super::", parent)] {
            let mut rest = code;
            while let Some(at) = rest.find(prefix) {
                let before = rest[..at].chars().last();
                rest = &rest[at + prefix.len()..];
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                    continue;
                }
                let names: Vec<Vec<String>> = if let Some(group) = rest.strip_prefix('{') {
                    let group = group.split('}').next().unwrap_or("");
                    group
                        .split(',')
                        .map(|n| path_of(n.trim()))
                        .filter(|p| !p.is_empty())
                        .collect()
                } else {
                    vec![path_of(rest)]
                };
                for name in names {
                    let mut full: Vec<String> = base.to_vec();
                    full.extend(name);
                    out.push(full);
                }
            }
        }
    }
    out
}

/// The leading `a::b::c` of `text`, lower-case segments only (modules, functions, constants'
/// modules; a type name ends the path).
fn path_of(text: &str) -> Vec<String> {
    let end = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .unwrap_or(text.len());
    text[..end]
        .split("::")
        .take_while(|s| !s.is_empty() && s.chars().next().is_some_and(|c| c.is_ascii_lowercase()))
        .map(String::from)
        .collect()
}

#[test]
fn no_layer_uses_one_above_it() {
    let allowed: BTreeMap<&str, &[&str]> = LAYERS.into_iter().collect();
    let mut wrong = Vec::new();
    for file in library_files() {
        let layer = module_of(&file)[0].clone();
        let Some(may_use) = allowed.get(layer.as_str()) else {
            panic!("{} is in no layer of tests/layers.rs", file.display());
        };
        for path in named_paths(&file) {
            let Some(used) = path.first() else { continue };
            if *used != layer
                && allowed.contains_key(used.as_str())
                && !may_use.contains(&used.as_str())
            {
                wrong.push(format!(
                    "{} ({layer}) uses {}",
                    file.display(),
                    path.join("::")
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "a layer reaches up:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn no_two_files_use_each_other() {
    let files = library_files();
    let mut uses: BTreeMap<PathBuf, BTreeSet<PathBuf>> = BTreeMap::new();
    for file in &files {
        let targets = named_paths(file)
            .iter()
            .filter_map(|p| file_of(p))
            // A folder's mod.rs re-exports what its files define; naming it is naming them.
            .filter(|t| t != file && !t.ends_with("mod.rs"))
            .collect();
        uses.insert(file.clone(), targets);
    }
    // Depth-first search for a loop, reporting the first one found.
    fn visit(
        f: &PathBuf,
        uses: &BTreeMap<PathBuf, BTreeSet<PathBuf>>,
        state: &mut BTreeMap<PathBuf, bool>,
        stack: &mut Vec<PathBuf>,
    ) -> Option<Vec<PathBuf>> {
        state.insert(f.clone(), false);
        stack.push(f.clone());
        for g in uses.get(f).into_iter().flatten() {
            match state.get(g) {
                Some(false) => {
                    let at = stack.iter().position(|s| s == g).unwrap();
                    let mut cycle = stack[at..].to_vec();
                    cycle.push(g.clone());
                    return Some(cycle);
                }
                Some(true) => {}
                None => {
                    if let Some(c) = visit(g, uses, state, stack) {
                        return Some(c);
                    }
                }
            }
        }
        stack.pop();
        state.insert(f.clone(), true);
        None
    }
    let mut state = BTreeMap::new();
    for f in &files {
        if !state.contains_key(f)
            && let Some(cycle) = visit(f, &uses, &mut state, &mut Vec::new())
        {
            let shown: Vec<String> = cycle.iter().map(|p| p.display().to_string()).collect();
            panic!("files use each other: {}", shown.join(" -> "));
        }
    }
}

#[test]
fn the_checks_see_a_layer_reaching_up_and_a_loop() {
    // The scanner on a file it knows: commands/run.rs names the experiment engine and the present
    // layer's tables, and analysis/summary.rs the experiment's spill.
    let run: Vec<String> = named_paths(Path::new("commands/run.rs"))
        .iter()
        .map(|p| p.join("::"))
        .collect();
    assert!(run.iter().any(|p| p.starts_with("experiment")), "{run:?}");
    assert!(run.iter().any(|p| p.starts_with("present")), "{run:?}");
    let summary = named_paths(Path::new("analysis/summary.rs"));
    assert!(summary.iter().any(|p| p[0] == "experiment"), "{summary:?}");
    assert_eq!(
        file_of(&["analysis".into(), "summary".into(), "t975".into()]),
        Some(PathBuf::from("analysis/summary.rs"))
    );
    assert_eq!(
        path_of("model::crisis_window(&s)"),
        ["model", "crisis_window"]
    );
    assert_eq!(path_of("scenario::{Kind, Scenario}"), ["scenario"]);
}
