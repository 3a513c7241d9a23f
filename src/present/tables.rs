//! Writing tables and inputs into a results folder: a frame as CSV and/or Parquet, JSON streamed
//! to its file, and a resolved scenario as a file that runs again as it stands.

use std::fs::File;
use std::io::Write;
use std::path::Path;

use polars::prelude::*;

use super::PresentError;
use crate::output::ResultsDir;
use crate::scenario::{Scenario, resolved_toml};

/// Which table formats to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableFormat {
    Csv,
    Parquet,
    Both,
}

/// Writes `df` into the results folder as `<stem>.csv` and/or `<stem>.parquet`.
pub fn write_table(
    dir: &mut ResultsDir,
    stem: &str,
    df: &mut DataFrame,
    format: TableFormat,
) -> Result<(), PresentError> {
    if matches!(format, TableFormat::Csv | TableFormat::Both) {
        let path = dir.file(&format!("{stem}.csv"));
        let mut file = File::create(&path).map_err(|e| PresentError::Io(path.clone(), e))?;
        CsvWriter::new(&mut file)
            .finish(df)
            .map_err(|e| written(&path, e))?;
    }
    if matches!(format, TableFormat::Parquet | TableFormat::Both) {
        let path = dir.file(&format!("{stem}.parquet"));
        let file = File::create(&path).map_err(|e| PresentError::Io(path.clone(), e))?;
        ParquetWriter::new(file)
            .finish(df)
            .map_err(|e| written(&path, e))?;
    }
    Ok(())
}

/// A polars error from writing `path`: an I/O error (a full disk, say) names the file.
pub fn written(path: &Path, e: PolarsError) -> PresentError {
    match e {
        PolarsError::IO { error, .. } => PresentError::Io(path.to_path_buf(), copy_of(&error)),
        e => PresentError::Table(e),
    }
}

/// An `io::Error` with the same OS code (or kind) and text as `e`, which polars shares behind an
/// `Arc`.
fn copy_of(e: &std::io::Error) -> std::io::Error {
    match e.raw_os_error() {
        Some(code) => std::io::Error::from_raw_os_error(code),
        None => std::io::Error::new(e.kind(), e.to_string()),
    }
}

/// Writes `text` as the results folder's file `name`.
pub fn write_text(dir: &mut ResultsDir, name: &str, text: &str) -> Result<(), PresentError> {
    let path = dir.file(name);
    std::fs::write(&path, text).map_err(|e| PresentError::Io(path.clone(), e))
}

/// Writes `value` as pretty-printed JSON and a final newline, streamed to the file (a sweep's
/// manifest of thousands of arms is never held whole).
pub fn write_json(path: &Path, value: &impl serde::Serialize) -> Result<(), PresentError> {
    let io = |e| PresentError::Io(path.to_path_buf(), e);
    let mut file = std::io::BufWriter::new(File::create(path).map_err(io)?);
    serde_json::to_writer_pretty(&mut file, value).map_err(|e| io(e.into()))?;
    writeln!(file).and_then(|()| file.flush()).map_err(io)
}

/// Writes `s` resolved into the results folder as `name`, a scenario file that runs again as it
/// stands, so a folder carries the exact input of its results. `again` is the command that
/// reruns it, from inside the folder.
pub fn write_scenario_file(
    dir: &mut ResultsDir,
    name: &str,
    s: &Scenario,
    again: &str,
) -> Result<(), PresentError> {
    let path = dir.file(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| PresentError::Io(parent.to_path_buf(), e))?;
    }
    let text = format!(
        "# `{}`: the input of the results in this folder (coopsim {}), every parameter resolved:\n\
         # the file's values, --set overrides and defaults. `{again}` runs it again with the same\n\
         # results. manifest.json's scenario_hash_fnv1a64 is the hash of the text below this comment.\n\n{}",
        s.name,
        env!("CARGO_PKG_VERSION"),
        resolved_toml(s)
    );
    std::fs::write(&path, text).map_err(|e| PresentError::Io(path.clone(), e))
}

/// `text` on one line (a multi-line TOML string would break a Markdown paragraph or list item).
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
