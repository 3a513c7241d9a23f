//! `coopsim report DIR [--out FILE]`: the report of a finished results folder, rendered again
//! from its files (an older folder, or one assembled from shards, gets one too). Writes
//! `DIR/report.html` unless told otherwise, atomically; the folder's other files are left as
//! they are.

use std::path::PathBuf;

use super::{Error, Failure, Finished};
use crate::present::report::{self, ReportError};

#[derive(Debug, Clone)]
pub struct Options {
    /// The results folder.
    pub folder: PathBuf,
    /// Where to write the report (default: `report.html` in the folder).
    pub out: Option<PathBuf>,
}

pub fn execute(o: &Options) -> Result<Finished, Failure> {
    let out = o
        .out
        .clone()
        .unwrap_or_else(|| o.folder.join("report.html"));
    match report::write(&o.folder, &out) {
        Ok(()) => {
            sayln!("report: {}", out.display());
            Ok(Finished::Success)
        }
        // A folder that is not one, or one with a damaged file, is the user's to change.
        Err(e @ (ReportError::NotResults(..) | ReportError::Read(..))) => {
            Err(Failure::Usage(e.to_string()))
        }
        Err(e) => Err(Failure::Run(Error::Report(e))),
    }
}
