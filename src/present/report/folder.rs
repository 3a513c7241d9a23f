//! Reading a finished results folder for its report: the manifest, the scenarios that ran, the
//! tables and the charts, each by its name inside the folder. Reads only; a file that is missing
//! or unreadable is an error naming it (relative to the folder), except where the report can say
//! what is missing instead.

use std::path::{Path, PathBuf};

use polars::prelude::*;
use serde_json::Value;

use crate::scenario::Scenario;

/// Why a folder's report could not be written.
#[derive(Debug)]
pub enum ReportError {
    /// The folder is not a coopsim results folder (no manifest written by coopsim), or is missing.
    NotResults(PathBuf, String),
    /// A file of the folder could not be read or made sense of: its path and why.
    Read(PathBuf, String),
    /// The template failed to render (a bug of coopsim's, not of the folder).
    Template(String),
    /// The report could not be written.
    Write(PathBuf, std::io::Error),
}

impl std::fmt::Display for ReportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReportError::NotResults(p, why) => write!(
                f,
                "{} is not a coopsim results folder: {why}; give the folder a coopsim command wrote \
                 (run, sweep, compare, sensitivity, validate), the one with its manifest.json",
                p.display()
            ),
            ReportError::Read(p, why) => write!(f, "cannot read {}: {why}", p.display()),
            ReportError::Template(why) => write!(f, "cannot render the report: {why}"),
            ReportError::Write(p, e) => write!(f, "{}", crate::output::io_error_text(p, e)),
        }
    }
}

impl std::error::Error for ReportError {}

/// What a folder holds, as the report needs it.
pub(super) struct Folder {
    pub(super) dir: PathBuf,
    pub(super) manifest: Value,
}

/// The command that wrote a folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Command {
    Run,
    Sweep,
    Compare,
    Sensitivity,
    Validate,
    /// A command this version does not know (a later one): the report shows what it finds.
    Other,
}

impl Command {
    pub(super) fn name(self) -> &'static str {
        match self {
            Command::Run => "run",
            Command::Sweep => "sweep",
            Command::Compare => "compare",
            Command::Sensitivity => "sensitivity",
            Command::Validate => "validate",
            Command::Other => "results",
        }
    }
}

impl Folder {
    /// Opens a results folder: one with a `manifest.json` that coopsim wrote.
    pub(super) fn open(dir: &Path) -> Result<Folder, ReportError> {
        let not = |why: &str| ReportError::NotResults(dir.to_path_buf(), why.to_string());
        if !dir.exists() {
            return Err(not("no such folder"));
        }
        if !dir.is_dir() {
            return Err(not("it is a file"));
        }
        let path = dir.join("manifest.json");
        if !path.is_file() {
            return Err(not("it has no manifest.json"));
        }
        let text = std::fs::read_to_string(&path)
            .map_err(|e| ReportError::Read(path.clone(), e.to_string()))?;
        let manifest: Value = serde_json::from_str(&text)
            .map_err(|e| not(&format!("its manifest.json is not JSON ({e})")))?;
        if manifest
            .get("coopsim_version")
            .and_then(Value::as_str)
            .is_none()
        {
            return Err(not(
                "its manifest.json was not written by coopsim (no coopsim_version)",
            ));
        }
        Ok(Folder {
            dir: dir.to_path_buf(),
            manifest,
        })
    }

    pub(super) fn command(&self) -> Command {
        match self.manifest.get("command").and_then(Value::as_str) {
            // `run` writes no `command` key.
            None => Command::Run,
            Some("sweep") => Command::Sweep,
            Some("compare") => Command::Compare,
            Some("sensitivity") => Command::Sensitivity,
            Some("validate") => Command::Validate,
            Some(_) => Command::Other,
        }
    }

    pub(super) fn has(&self, name: &str) -> bool {
        self.dir.join(name).is_file()
    }

    pub(super) fn text(&self, name: &str) -> Result<String, ReportError> {
        let path = self.dir.join(name);
        std::fs::read_to_string(&path).map_err(|e| ReportError::Read(path, e.to_string()))
    }

    /// A CSV table of the folder, every column it has.
    pub(super) fn csv(&self, name: &str) -> Result<DataFrame, ReportError> {
        let path = self.dir.join(name);
        CsvReadOptions::default()
            .with_has_header(true)
            .with_infer_schema_length(None)
            .try_into_reader_with_file_path(Some(path.clone()))
            .and_then(|r| r.finish())
            .map_err(|e| ReportError::Read(path, e.to_string()))
    }

    /// A manifest entry as text ("" when absent).
    pub(super) fn str(&self, key: &str) -> String {
        self.manifest
            .pointer(key)
            .map(|v| match v {
                Value::String(s) => s.clone(),
                Value::Null => String::new(),
                other => other.to_string(),
            })
            .unwrap_or_default()
    }

    /// A scenario file of the folder (`scenario.toml`, `scenarios/0_name.toml`), resolved; its
    /// errors name the file by its place in the folder, not on this machine.
    pub(super) fn scenario(&self, name: &str) -> Result<Scenario, ReportError> {
        let path = self.dir.join(name);
        let bytes =
            std::fs::read(&path).map_err(|e| ReportError::Read(path.clone(), e.to_string()))?;
        let stem = Path::new(name)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        crate::scenario::from_bytes(&bytes, name, &stem)
            .map_err(|e| ReportError::Read(path, e.to_string().trim_end().to_string()))
    }

    /// The scenario files under `scenarios/` (a comparison's arms, a validation's scenarios), in
    /// the order the manifest lists them.
    pub(super) fn scenario_files(&self) -> Vec<String> {
        self.files()
            .into_iter()
            .filter(|f| f.starts_with("scenarios/") && f.ends_with(".toml"))
            .collect()
    }

    /// The folder's files, as its manifest lists them, then any chart found in `charts/` that it
    /// does not list (a folder assembled by hand), by name.
    pub(super) fn files(&self) -> Vec<String> {
        let mut files: Vec<String> = self
            .manifest
            .get("files")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        files.retain(|f| self.has(f));
        let mut extra: Vec<String> = std::fs::read_dir(self.dir.join("charts"))
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| e.file_name().into_string().ok())
            .map(|n| format!("charts/{n}"))
            .filter(|f| !files.contains(f))
            .collect();
        extra.sort();
        files.extend(extra);
        files
    }

    /// The last `validate` results folder to be found: this one if it is one, else the one among
    /// its sibling folders written last (by the date its manifest records, else by when the
    /// manifest was last changed).
    pub(super) fn last_validation(&self) -> Option<Folder> {
        if self.command() == Command::Validate {
            return Folder::open(&self.dir).ok();
        }
        let parent = self.dir.parent()?;
        let mine = std::fs::canonicalize(&self.dir).ok();
        std::fs::read_dir(parent)
            .ok()?
            .flatten()
            .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
            .filter(|e| std::fs::canonicalize(e.path()).ok() != mine)
            .filter_map(|e| Folder::open(&e.path()).ok())
            .filter(|f| f.command() == Command::Validate && f.has("validation.md"))
            .map(|f| (f.written_sort_key(), f))
            .max_by(|a, b| a.0.cmp(&b.0))
            .map(|(_, f)| f)
    }

    /// When the folder was written, for sorting: the manifest's UTC date, else its file's time.
    fn written_sort_key(&self) -> String {
        let recorded = self.str("/provenance/written_utc");
        if !recorded.is_empty() {
            return recorded;
        }
        self.manifest_time().unwrap_or_default()
    }

    /// When manifest.json was last changed, UTC, "2026-12-01T21:31:05Z".
    pub(super) fn manifest_time(&self) -> Option<String> {
        let modified = std::fs::metadata(self.dir.join("manifest.json"))
            .and_then(|m| m.modified())
            .ok()?;
        let t: chrono::DateTime<chrono::Utc> = modified.into();
        Some(t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
    }

    /// The folder's name (its last component), the only way the report names a folder.
    pub(super) fn name(&self) -> String {
        self.dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }
}
