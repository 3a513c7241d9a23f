//! Presentation: what the analyses found, as files in a results folder and text for the terminal.
//! Tables (CSV, Parquet, Markdown), the terminal's summaries, charts (plotters) and the parameter
//! reference. Draws and writes what it is given; runs nothing and computes no statistic.

pub mod charts;
pub mod comparison;
pub mod headline;
pub mod params;
pub mod report;
pub mod sensitivity;
pub mod tables;
pub mod validation;

use std::path::PathBuf;

use polars::prelude::PolarsError;

pub use tables::{TableFormat, one_line, write_json, write_scenario_file, write_table};

/// The scenario's crisis window, first to last month, in words ("Sep 2008 to Feb 2012", or
/// "months 36 to 77" without a start month).
pub fn crisis_window_span(s: &crate::scenario::Scenario) -> String {
    let w = crate::model::crisis_window(s);
    s.start.span(i64::from(w.start), i64::from(w.end) - 1)
}

/// Why a file of the results could not be written.
#[derive(Debug)]
pub enum PresentError {
    Io(PathBuf, std::io::Error),
    /// A table could not be built or written.
    Table(PolarsError),
    Chart(charts::ChartError),
}

impl std::fmt::Display for PresentError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PresentError::Io(p, e) => write!(f, "{}", crate::output::io_error_text(p, e)),
            PresentError::Table(e) => write!(f, "summarising the replications failed: {e}"),
            PresentError::Chart(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for PresentError {}

impl From<PolarsError> for PresentError {
    fn from(e: PolarsError) -> Self {
        PresentError::Table(e)
    }
}

impl From<charts::ChartError> for PresentError {
    fn from(e: charts::ChartError) -> Self {
        PresentError::Chart(e)
    }
}
