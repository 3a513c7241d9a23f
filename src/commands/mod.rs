//! The commands: each file turns its options into a plan (`experiment`), runs it with the
//! analysis it needs reducing each unit (`analysis`), and writes what it found (`present`) into
//! one results folder (`output`). A command is that pipeline and nothing else: its rules live in
//! the layers below. `main` parses the command line into each command's options and maps what
//! the command returns to an exit status.

/// Writes to stdout. A closed pipe (`coopsim ... | head`) ends the output, not the program with a
/// panic: the results folder is already complete by the time anything is printed.
pub(crate) fn emit(text: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let _ = std::io::stdout().lock().write_fmt(text);
}

macro_rules! say {
    ($($t:tt)*) => { $crate::commands::emit(format_args!($($t)*)) };
}

macro_rules! sayln {
    ($($t:tt)*) => {{
        $crate::commands::emit(format_args!($($t)*));
        $crate::commands::emit(format_args!("\n"));
    }};
}

pub mod check;
pub mod compare;
pub mod comparison;
pub mod params;
mod provenance;
pub mod report;
pub mod run;
pub mod sensitivity;
pub mod sweep;
pub mod validate;

use std::path::PathBuf;

use polars::prelude::PolarsError;

use crate::experiment::budget::TooLarge;
use crate::experiment::{PoolError, Stop};
use crate::output::OutputError;
use crate::present::PresentError;
use crate::present::TableFormat;
use crate::present::charts::ChartError;
use crate::scenario::{Scenario, ScenarioErrors};

/// How a command that ran to the end came out: its exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finished {
    /// Exit status 0.
    Success,
    /// `validate` ran, and some target was missed: exit status 1.
    TargetsMissed,
}

/// Why a command did not run to the end.
#[derive(Debug)]
pub enum Failure {
    /// The scenario, targets or overrides were wrong (exit status 2): every problem, located.
    Input(ScenarioErrors),
    /// An option was wrong (exit status 2).
    Usage(String),
    /// The command started and failed or was stopped.
    Run(Error),
}

impl From<ScenarioErrors> for Failure {
    fn from(e: ScenarioErrors) -> Self {
        Failure::Input(e)
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Run(e)
    }
}

/// The options `sweep` and `compare` share with each other (and, but for the sweep, with `run`).
#[derive(Debug, Clone)]
pub struct Common {
    /// Replications, overriding the scenario file's.
    pub replications: Option<u32>,
    /// Master seed, overriding the scenario file's.
    pub seed: Option<u64>,
    /// Worker threads (default: all cores).
    pub threads: Option<usize>,
    /// `KEY=VALUE` overrides, in order.
    pub set: Vec<String>,
    /// Results folder (default: under `output/`).
    pub out: Option<PathBuf>,
    pub format: TableFormat,
    /// Replace an existing results folder (only once the new one is complete).
    pub force: bool,
    pub progress: bool,
    /// Set by the Ctrl-C handler: no new unit starts and nothing is written.
    pub cancel: Option<&'static std::sync::atomic::AtomicBool>,
}

/// Moves a finished results folder into place, unless the user asked to stop meanwhile: a
/// Ctrl-C during the summary or the charts still means no results.
fn commit(
    mut dir: crate::output::ResultsDir,
    cancel: Option<&std::sync::atomic::AtomicBool>,
) -> Result<PathBuf, Error> {
    if crate::experiment::cancelled(cancel) {
        return Err(Error::Interrupted);
    }
    provenance::finish(&mut dir)?;
    Ok(dir.commit()?)
}

/// Refuses `--threads 0`.
fn check_threads(threads: Option<usize>) -> Result<(), Failure> {
    if threads == Some(0) {
        return Err(Failure::Usage("--threads must be at least 1".into()));
    }
    Ok(())
}

/// The scenario file with command-line changes (see `scenario::load_with`), and a note when its
/// horizon cuts the crisis window short.
fn resolve(
    path: &std::path::Path,
    replications: Option<u32>,
    seed: Option<u64>,
    set: &[String],
) -> Result<Scenario, ScenarioErrors> {
    let s = crate::scenario::load_with(path, replications, seed, set)?;
    note_cut_window(&s.name, &s);
    Ok(s)
}

/// Says when the horizon ends before the crisis path does, so outcomes "in the window" stop early.
/// `who` is the scenario's name, or a sweep arm.
fn note_cut_window(who: &str, s: &Scenario) {
    if let Some(end) = crate::model::crisis_cut_by_horizon(s) {
        eprintln!(
            "note: {who}: the crisis path runs to month {} but the horizon ends at month {}; \
             outcomes in the crisis window stop there (`months` = {end} or more would cover it)",
            end - 1,
            s.months - 1
        );
    }
}

/// Says when a run had to use fewer threads than the machine has, to fit in memory.
fn note_threads(limited: Option<usize>) {
    if let Some(n) = limited {
        eprintln!("note: ran on {n} threads so that the replications in flight fit in memory");
    }
}

/// Why a command did not finish.
#[derive(Debug)]
pub enum Error {
    Output(OutputError),
    /// Stopped by the user (Ctrl-C or SIGTERM) before the results were complete.
    Interrupted,
    Summary(PolarsError),
    Threads(PoolError),
    Io(PathBuf, std::io::Error),
    Chart(ChartError),
    /// The run would not fit in memory; nothing was started.
    TooLarge(TooLarge),
    /// The report could not be rendered or written.
    Report(crate::present::report::ReportError),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Output(e) => write!(f, "{e}"),
            Error::Interrupted => write!(
                f,
                "interrupted: no results were written (an existing results folder is untouched)"
            ),
            Error::Summary(e) => write!(f, "summarising the replications failed: {e}"),
            Error::Threads(e) => write!(f, "{e}"),
            Error::Io(p, e) => write!(f, "{}", crate::output::io_error_text(p, e)),
            Error::Chart(e) => write!(f, "{e}"),
            Error::TooLarge(e) => write!(f, "{e}"),
            Error::Report(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<OutputError> for Error {
    fn from(e: OutputError) -> Self {
        Error::Output(e)
    }
}

impl From<PolarsError> for Error {
    fn from(e: PolarsError) -> Self {
        Error::Summary(e)
    }
}

impl From<TooLarge> for Error {
    fn from(e: TooLarge) -> Self {
        Error::TooLarge(e)
    }
}

impl From<PoolError> for Error {
    fn from(e: PoolError) -> Self {
        Error::Threads(e)
    }
}

impl From<Stop> for Error {
    fn from(e: Stop) -> Self {
        match e {
            Stop::Interrupted => Error::Interrupted,
            Stop::Threads(e) => Error::Threads(e),
        }
    }
}

impl From<PresentError> for Error {
    fn from(e: PresentError) -> Self {
        match e {
            PresentError::Io(p, e) => Error::Io(p, e),
            PresentError::Table(e) => Error::Summary(e),
            PresentError::Chart(e) => Error::Chart(e),
        }
    }
}

impl From<ChartError> for Error {
    fn from(e: ChartError) -> Self {
        Error::Chart(e)
    }
}
