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
pub mod slurm;
pub mod sweep;
pub mod validate;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use polars::prelude::PolarsError;

use crate::experiment::budget::TooLarge;
use crate::experiment::units::{self, Header, Journal, Shard, ShardSet, Start, UnitsError};
use crate::experiment::{PoolError, Stop, UnitIo};
use crate::output::{OutputError, ResultsDir};
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
    /// Which units run, and where finished ones are kept.
    pub parts: Parts,
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
    /// Stopped by the user with finished units kept for `--resume`.
    Stopped {
        finished: u32,
        units: u32,
        journal: PathBuf,
    },
    /// Finished units that cannot be kept, resumed or merged.
    Units(UnitsError),
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
                "interrupted: no results were written (an existing results folder is untouched; \
                 finished units are kept for --resume)"
            ),
            Error::Stopped {
                finished,
                units,
                journal,
            } => write!(
                f,
                "interrupted: no results were written (an existing results folder is untouched); \
                 {finished} of {units} units are finished and kept in {}: the same command with \
                 --resume continues from there",
                journal.display()
            ),
            Error::Units(e) => write!(f, "{e}"),
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
            Stop::Units(e) => Error::Units(e),
        }
    }
}

impl From<UnitsError> for Error {
    fn from(e: UnitsError) -> Self {
        Error::Units(e)
    }
}

/// Which part of its plan a command runs, and where its finished units are kept: every command
/// that runs a plan keeps each finished unit in a journal beside its results folder until the
/// folder is committed (`experiment::units`).
#[derive(Debug, Clone, Default)]
pub struct Parts {
    /// `--shard K/N`: run only shard K's units, into a shard folder for `merge`.
    pub shard: Option<Shard>,
    /// `--resume`: continue a stopped run of the same plan.
    pub resume: bool,
    /// `merge`: read every unit back from these shards instead of running it.
    pub merge: Option<Arc<Mutex<ShardSet>>>,
    /// The command's arguments (after `coopsim`), recorded with its units so that `merge` can
    /// rebuild its plan.
    pub command: Vec<String>,
    /// The folder the command was given in.
    pub directory: PathBuf,
}

/// How a command that runs a plan finished: its results, or the shard it was asked for.
pub enum Ran<R> {
    Results(R),
    Shard(ShardReport),
}

/// A shard folder written.
pub struct ShardReport {
    pub folder: PathBuf,
    pub shard: Shard,
    pub units: u32,
    pub wall_seconds: f64,
}

/// A command's finished units: in its journal, or read back from shards.
pub(crate) enum Kept {
    Journal(Box<Mutex<Journal>>),
    Merge(Arc<Mutex<ShardSet>>),
}

fn locked<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The default folder of shard `shard` of a command whose results would go to `out`:
/// `OUT.shard-K-of-N`.
pub(crate) fn shard_out(out: &Path, shard: Option<Shard>) -> PathBuf {
    match shard {
        None => out.to_path_buf(),
        Some(s) => {
            let name = out
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "results".into());
            out.with_file_name(format!("{name}.shard-{}-of-{}", s.index, s.count))
        }
    }
}

/// Begins a command's results folder `out` and the journal of its units. `plan_hash` names the
/// plan and what each unit is reduced to, `units` counts the plan's units.
pub(crate) fn begin(
    out: &Path,
    force: bool,
    parts: &Parts,
    plan_hash: &str,
    units: u32,
) -> Result<(ResultsDir, Kept), Error> {
    if let Some(shards) = &parts.merge {
        locked(shards).check(plan_hash, units)?;
    }
    // A stopped run may have been replacing an older folder (with --force): that is resumed.
    if parts.resume && out.exists() && !units::journal(out).exists() {
        return Err(UnitsError::NothingToResume {
            target: out.to_path_buf(),
            complete: true,
        }
        .into());
    }
    let dir = ResultsDir::begin(out, force)?;
    let kept = match &parts.merge {
        Some(shards) => Kept::Merge(shards.clone()),
        None => {
            let header = Header {
                coopsim_version: env!("CARGO_PKG_VERSION").into(),
                plan_hash_fnv1a64: plan_hash.into(),
                units,
                shard: parts.shard.unwrap_or(Shard::WHOLE),
                command: parts.command.clone(),
                directory: parts.directory.clone(),
            };
            let start = if parts.resume {
                Start::Resume
            } else {
                Start::Fresh { force }
            };
            let journal = Journal::begin(out, header, start, parts.shard.is_some())?;
            Kept::Journal(Box::new(Mutex::new(journal)))
        }
    };
    Ok((dir, kept))
}

impl Kept {
    /// What the engine reads and writes units through.
    pub(crate) fn io(&self) -> UnitIo<'_> {
        match self {
            Kept::Journal(j) => UnitIo::Journal(j),
            Kept::Merge(m) => UnitIo::Merge(m),
        }
    }

    /// The shard this run writes, if it writes one rather than results.
    pub(crate) fn shard(&self) -> Option<Shard> {
        match self {
            Kept::Journal(j) => {
                let j = locked(j);
                j.shard_only().then(|| j.shard())
            }
            Kept::Merge(_) => None,
        }
    }

    /// `e`, saying how much of the plan is kept when it was an interruption.
    pub(crate) fn stopped(&self, e: Error) -> Error {
        match (e, self) {
            (Error::Interrupted, Kept::Journal(j)) => {
                let mut j = locked(j);
                let _ = j.sync();
                let shard = j.shard();
                match j.finished() {
                    0 => Error::Interrupted,
                    finished => Error::Stopped {
                        finished,
                        units: shard.units_of(j.units()),
                        journal: j.folder().to_path_buf(),
                    },
                }
            }
            (e, _) => e,
        }
    }

    /// Writes a shard's folder: its units, `shard.json` and a manifest, and commits it.
    pub(crate) fn finish_shard(
        self,
        mut dir: ResultsDir,
        plan: serde_json::Value,
        threads: usize,
        started: std::time::Instant,
        cancel: Option<&std::sync::atomic::AtomicBool>,
    ) -> Result<ShardReport, Error> {
        let Kept::Journal(journal) = self else {
            unreachable!("a merge writes results, not a shard")
        };
        let mut journal = journal.into_inner().unwrap_or_else(|e| e.into_inner());
        let units_file = dir.file(units::UNITS_FILE);
        dir.file(units::SHARD_FILE);
        let staging = units_file
            .parent()
            .expect("a file in the folder")
            .to_path_buf();
        journal.into_shard_folder(&staging)?;
        let shard = journal.shard();
        let finished = journal.finished();
        let manifest_path = dir.file("manifest.json");
        let wall_seconds = started.elapsed().as_secs_f64();
        let manifest = serde_json::json!({
            "coopsim_version": env!("CARGO_PKG_VERSION"),
            "shard": shard.to_string(),
            "units": finished,
            "threads": threads,
            "wall_seconds": wall_seconds,
            "what": "one shard of a plan's units, for `coopsim merge` (see shard.json)",
            "plan": plan,
            "files": dir.files(),
        });
        crate::present::write_json(&manifest_path, &manifest)?;
        // A shard is no results folder of its own: no report (its merge has one).
        if crate::experiment::cancelled(cancel) {
            return Err(Error::Interrupted);
        }
        let folder = dir.commit()?;
        journal.discard()?;
        Ok(ShardReport {
            folder,
            shard,
            units: finished,
            wall_seconds,
        })
    }

    /// Commits the results folder, then removes the journal that fed it.
    pub(crate) fn commit(
        self,
        dir: ResultsDir,
        cancel: Option<&std::sync::atomic::AtomicBool>,
    ) -> Result<PathBuf, Error> {
        let folder = commit(dir, cancel)?;
        if let Kept::Journal(j) = self {
            j.into_inner()
                .unwrap_or_else(|e| e.into_inner())
                .discard()?;
        }
        Ok(folder)
    }
}

/// What a shard's manifest says of the plan it is part of: its design, seed and replications,
/// and each arm's label, settings and scenario hash.
pub(crate) fn plan_json(plan: &crate::experiment::Plan) -> serde_json::Value {
    let arms: Vec<serde_json::Value> = plan
        .arms
        .iter()
        .map(|a| {
            serde_json::json!({
                "label": a.label,
                "settings": a.settings.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>(),
                "scenario_hash_fnv1a64": crate::scenario::fnv1a(&crate::scenario::resolved_toml(&a.scenario)),
            })
        })
        .collect();
    serde_json::json!({
        "hash_fnv1a64": plan.hash(),
        "design": format!("{:?}", plan.design),
        "seed": plan.seed(),
        "replications": plan.replications(),
        "arms": arms,
    })
}

/// Prints what a shard run wrote.
pub(crate) fn say_shard(what: &str, report: &ShardReport) {
    sayln!(
        "{what}: shard {} ({}) in {:.1} s\nshard: {} (put the shards together with `coopsim merge`)",
        report.shard,
        crate::output::counted(u64::from(report.units), "unit"),
        report.wall_seconds,
        report.folder.display()
    );
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
