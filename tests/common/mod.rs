//! Shared helpers for the model's integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use coopsim::experiment::run_ensemble;
use coopsim::model::ReplicationResult;
use coopsim::scenario::{self, Scenario};
use polars::prelude::*;

pub fn shipped(name: &str) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(name);
    scenario::load(&path).unwrap_or_else(|e| panic!("{e}"))
}

/// The shipped scenario with a smaller number of replications (population unchanged).
pub fn shipped_with(name: &str, replications: u32) -> Scenario {
    let mut s = shipped(name);
    s.replications = replications;
    s
}

pub fn set(s: &mut Scenario, key: &str, value: &str) {
    scenario::apply_override(s, key, value, "test").unwrap();
    scenario::check(s, None, "test").unwrap();
}

pub fn ensemble<T: Send>(
    s: &Scenario,
    record_firms: bool,
    f: impl Fn(ReplicationResult) -> T + Sync,
) -> Vec<T> {
    run_ensemble(s, None, record_firms, f).unwrap()
}

/// Mean and standard error of a sample.
pub fn mean_se(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt())
}

/// Asserts that `a - b` is positive by more than three standard errors of the paired differences
/// (paired by replication, so common random numbers cancel shared noise).
pub fn assert_clearly_greater(what: &str, a: &[f64], b: &[f64]) {
    let diffs: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
    let (mean, se) = mean_se(&diffs);
    let (ma, _) = mean_se(a);
    let (mb, _) = mean_se(b);
    assert!(
        mean > 3.0 * se,
        "{what}: expected clearly greater, got {ma:.5} vs {mb:.5} (difference {mean:.5}, se {se:.5})"
    );
}

/// Runs the `coopsim` binary with `args`; its output, whatever the exit status.
pub fn coopsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_coopsim"))
        .args(args)
        .output()
        .expect("the binary runs")
}

/// Runs the binary and insists it succeeded; its output.
pub fn succeeds(args: &[&str]) -> Output {
    let o = coopsim(args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    o
}

/// An empty scratch folder for one test, `<temp>/coopsim-<suite>-<pid>-<name>`, removed with
/// everything in it when the test passes (a test's results folders run to tens of megabytes, so a
/// test run must not leave them behind); kept, and named on stderr, when the test fails.
pub struct Workdir(PathBuf);

impl std::ops::Deref for Workdir {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<Path> for Workdir {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Workdir {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("test files kept in {}", self.0.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

pub fn workdir(suite: &str, name: &str) -> Workdir {
    let dir = std::env::temp_dir().join(format!("coopsim-{suite}-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    Workdir(dir)
}

/// A CSV table of a results folder.
pub fn read_csv(path: &Path) -> DataFrame {
    CsvReadOptions::default()
        .with_has_header(true)
        .try_into_reader_with_file_path(Some(path.to_path_buf()))
        .unwrap()
        .finish()
        .unwrap()
}

/// A column as floats (integers cast), with its nulls.
pub fn floats(df: &DataFrame, name: &str) -> Vec<Option<f64>> {
    df.column(name)
        .unwrap_or_else(|_| panic!("column {name}"))
        .cast(&DataType::Float64)
        .unwrap()
        .f64()
        .unwrap()
        .iter()
        .collect()
}

/// The files under `dir`, relative to it, sorted.
pub fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().to_path_buf());
            }
        }
    }
    out.sort();
    out
}

/// A manifest without its timings.
pub fn untimed(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(map) => {
            map.remove("wall_seconds");
            map.remove("summary_seconds");
            // When, from which build and by which command line the folder was written.
            map.remove("provenance");
            map.values_mut().for_each(untimed);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(untimed),
        _ => {}
    }
}

/// Asserts two results folders are identical, file by file and byte by byte, but for the
/// manifests' timings.
pub fn assert_same_results(a: &Path, b: &Path) {
    let (fa, fb) = (files(a), files(b));
    assert_eq!(
        fa,
        fb,
        "the same files in {} and {}",
        a.display(),
        b.display()
    );
    assert!(fa.len() > 5, "{fa:?}");
    for f in &fa {
        let (x, y) = (
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
        );
        if f.file_name().unwrap() == "manifest.json" {
            let mut x: serde_json::Value = serde_json::from_slice(&x).unwrap();
            let mut y: serde_json::Value = serde_json::from_slice(&y).unwrap();
            untimed(&mut x);
            untimed(&mut y);
            assert_eq!(x, y, "{} differs beyond timings", f.display());
        } else if f.file_name().unwrap() == "report.html" {
            let (x, y) = (
                unstamped_report(&String::from_utf8_lossy(&x)),
                unstamped_report(&String::from_utf8_lossy(&y)),
            );
            assert!(x == y, "{} differs beyond its provenance", f.display());
        } else {
            assert!(
                x == y,
                "{} differs between {} and {}",
                f.display(),
                a.display(),
                b.display()
            );
        }
    }
}

/// A report without what says when, from which build and by which command line it was written:
/// its provenance section and the dates it names ("written 2026-12-01 21:00:00 UTC").
pub fn unstamped_report(html: &str) -> String {
    let mut text = html.to_string();
    while let Some(start) = text.find("<section id=\"provenance\"") {
        let Some(len) = text[start..].find("</section>") else {
            break;
        };
        text.replace_range(start..start + len + "</section>".len(), "<provenance>");
    }
    let mut out = String::new();
    let mut rest = text.as_str();
    while let Some(i) = rest.find("written ") {
        let after = &rest[i + 8..];
        out.push_str(&rest[..i + 8]);
        let date = after
            .get(..23)
            .filter(|d| d.ends_with(" UTC") && d.as_bytes()[4] == b'-');
        match date {
            Some(_) => {
                out.push_str("<date>");
                rest = &after[23..];
            }
            None => rest = after,
        }
    }
    out.push_str(rest);
    out
}
