//! The last step before any results folder is committed, the same for every command: its manifest
//! records who made it, when and how (`provenance`: the command line, the commit coopsim was built
//! from, the UTC date), and its report is rendered from its files (`report.html`, listed in the
//! manifest). A report that cannot be rendered leaves the results complete, with a warning:
//! `coopsim report` can try again.

use std::path::Path;

use serde_json::Value;

use super::Error;
use crate::output::ResultsDir;

const REPORT: &str = "report.html";

pub(super) fn finish(dir: &mut ResultsDir) -> Result<(), Error> {
    let manifest = dir.scratch("manifest.json");
    let io = |e| Error::Io(manifest.clone(), e);
    let written = std::fs::read_to_string(&manifest).map_err(io)?;
    let record = record();
    let with_report = stamp(&written, &record, true).ok_or_else(|| unexpected(&manifest))?;
    std::fs::write(&manifest, &with_report).map_err(io)?;
    // The staging folder itself (`scratch("")` is its root): the report reads it as it will be.
    match crate::present::report::render(&dir.scratch("")) {
        Ok(html) => {
            let path = dir.file(REPORT);
            std::fs::write(&path, html).map_err(|e| Error::Io(path, e))?;
        }
        Err(e) => {
            eprintln!(
                "warning: the results are complete, but their report could not be written ({e}); \
                 `coopsim report {}` tries again",
                dir.target().display()
            );
            let without = stamp(&written, &record, false).ok_or_else(|| unexpected(&manifest))?;
            std::fs::write(&manifest, without).map_err(io)?;
        }
    }
    Ok(())
}

fn unexpected(manifest: &Path) -> Error {
    Error::Io(
        manifest.to_path_buf(),
        std::io::Error::other("the manifest is not the JSON object coopsim writes"),
    )
}

/// The provenance of the folder being finished now.
fn record() -> Value {
    serde_json::json!({
        "command_line": command_line(std::env::args(), std::env::current_dir().ok().as_deref()),
        "coopsim_commit": env!("COOPSIM_COMMIT"),
        "written_utc": chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
    })
}

/// The command line as typed, without the paths of this machine: the program is `coopsim`, and a
/// path outside the working folder keeps only its last part (`.../run`); one inside it is made
/// relative to it. So a report carries no absolute path, and the line still says what ran.
fn command_line(args: impl Iterator<Item = String>, cwd: Option<&Path>) -> Vec<String> {
    let local = |p: &str| -> String {
        let path = Path::new(p);
        if !path.is_absolute() {
            return p.to_string();
        }
        if let Some(rel) = cwd.and_then(|c| path.strip_prefix(c).ok()) {
            let rel = rel.display().to_string();
            return if rel.is_empty() { ".".into() } else { rel };
        }
        match path.file_name() {
            Some(name) => format!(".../{}", name.to_string_lossy()),
            None => "...".into(),
        }
    };
    let mut out = vec!["coopsim".to_string()];
    for arg in args.skip(1) {
        out.push(match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => format!("{flag}={}", local(value)),
            _ => local(&arg),
        });
    }
    out
}

/// The manifest text with `provenance` added and, with `report`, `report.html` at the end of its
/// list of files. Done on the text, not by reading the numbers back and writing them again (a
/// round trip through f64 may move a float's last digit): coopsim's manifests are pretty-printed
/// objects, keys at two spaces. The result is checked to read as the manifest plus exactly these
/// additions; `None` when the text is not such a manifest.
fn stamp(manifest: &str, provenance: &Value, report: bool) -> Option<String> {
    let original: Value = serde_json::from_str(manifest).ok()?;
    let mut text = manifest.trim_end().to_string();
    if original.get("provenance").is_some() || !text.ends_with("\n}") {
        return None;
    }
    // A manifest without a list of files (none of coopsim's today) is stamped all the same.
    let listed = report && original.get("files").is_some_and(Value::is_array);
    if listed {
        let start = text.find("\n  \"files\": [\n")?;
        let close = start + text[start..].find("\n  ]")?;
        text.insert_str(close, &format!(",\n    \"{REPORT}\""));
    }
    let block = serde_json::to_string_pretty(provenance)
        .ok()?
        .replace('\n', "\n  ");
    text.truncate(text.len() - 2);
    text.push_str(&format!(",\n  \"provenance\": {block}\n}}\n"));
    let mut expected = original;
    let object = expected.as_object_mut()?;
    object.insert("provenance".into(), provenance.clone());
    if listed {
        object
            .get_mut("files")?
            .as_array_mut()?
            .push(Value::String(REPORT.into()));
    }
    (serde_json::from_str::<Value>(&text).ok()? == expected).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_keeps_no_path_of_the_machine() {
        let args = [
            "/home/me/bin/coopsim",
            "run",
            "/work/repo/scenarios/baseline_2008.toml",
            "--out",
            "/tmp/results/b7",
            "--out=/tmp/x/y",
            "scenarios/a.toml",
            "-r",
            "10",
        ]
        .map(String::from);
        let line = command_line(args.into_iter(), Some(Path::new("/work/repo")));
        assert_eq!(
            line,
            [
                "coopsim",
                "run",
                "scenarios/baseline_2008.toml",
                "--out",
                ".../b7",
                "--out=.../y",
                "scenarios/a.toml",
                "-r",
                "10"
            ]
        );
    }

    #[test]
    fn stamping_adds_provenance_and_the_report_and_changes_nothing_else() {
        let manifest = serde_json::json!({
            "coopsim_version": "0.1.0",
            "files": ["headline.csv", "manifest.json"],
            "scenario": {"a": 0.1_f64 + 0.2, "b": 1e-300, "c": [1, 2]},
            "wall_seconds": 1.847706823,
        });
        let text = serde_json::to_string_pretty(&manifest).unwrap() + "\n";
        let provenance =
            serde_json::json!({"command_line": ["coopsim", "run"], "written_utc": "x"});
        let stamped = stamp(&text, &provenance, true).unwrap();
        // Every line of the original is still there, digits untouched.
        for line in text.lines().filter(|l| l.contains(':')) {
            assert!(stamped.contains(line.trim_end_matches(',')), "{line}");
        }
        let read: Value = serde_json::from_str(&stamped).unwrap();
        assert_eq!(read["files"][2], "report.html");
        assert_eq!(read["provenance"], provenance);
        let plain = stamp(&text, &provenance, false).unwrap();
        let read: Value = serde_json::from_str(&plain).unwrap();
        assert_eq!(read["files"].as_array().unwrap().len(), 2);
        // Without a list of files, only the provenance is added.
        let bare = "{\n  \"coopsim_version\": \"0.1.0\"\n}\n";
        let read: Value = serde_json::from_str(&stamp(bare, &provenance, true).unwrap()).unwrap();
        assert_eq!(read["provenance"], provenance);
        // Not a manifest coopsim wrote: refused rather than guessed at.
        assert!(stamp("[1, 2]", &provenance, false).is_none());
        assert!(stamp(&stamped, &provenance, false).is_none());
    }
}
