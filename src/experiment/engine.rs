//! Runs a plan's units on rayon: each unit is one replication of one arm (`Units::Each`) or one
//! replication of every arm (`Units::Together`), reduced on the worker that ran it as soon as it
//! finishes, and handed to the caller's sink on the calling thread in unit order, so the output
//! does not depend on how many threads ran it and memory holds what the caller keeps, not every
//! replication's records. One progress bar, one cancellation check, one memory budget for every
//! command.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, mpsc};

use rayon::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::budget;
use super::plan::{Arms, Plan, Units};
use super::progress;
use super::units::{Journal, ShardSet, UnitsError};
use crate::model::{ReplicationResult, RunOptions, run_arms, run_replication};
use crate::scenario::Scenario;

/// Populations at least this large also spread each replication's firm passes over threads.
pub const PARALLEL_FIRMS_FROM: u32 = 50_000;

/// Error building the thread pool (e.g. an absurd thread count).
#[derive(Debug)]
pub struct PoolError(pub String);

impl std::fmt::Display for PoolError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot start the worker threads: {}", self.0)
    }
}

impl std::error::Error for PoolError {}

/// Why a plan stopped before its last unit.
#[derive(Debug)]
pub enum Stop {
    /// The user asked to stop (Ctrl-C or SIGTERM): no new unit starts.
    Interrupted,
    Threads(PoolError),
    /// Finished units could not be written or read back (`units`).
    Units(UnitsError),
}

/// Where finished units go, or come from (see `units`).
#[derive(Debug, Clone, Copy, Default)]
pub enum UnitIo<'a> {
    /// Nowhere: every unit runs and goes to the sink only.
    #[default]
    None,
    /// Each finished unit is written to the journal before the sink sees it; a resumed run's
    /// journal first hands back the units its stopped run finished. A shard's journal runs only
    /// the shard's units and keeps them from the sink.
    Journal(&'a Mutex<Journal>),
    /// No unit runs: every unit's value is read back from the shards, in unit order.
    Merge(&'a Mutex<ShardSet>),
}

/// How to run a plan: on how many threads, keeping which records, showing what progress, and the
/// flag that stops it.
#[derive(Debug, Clone)]
pub struct Execution<'a> {
    /// Worker threads; `None` uses rayon's default (all cores, or `RAYON_NUM_THREADS`).
    pub threads: Option<usize>,
    /// Which arms keep per-firm records (survival analysis, fragility).
    pub record_firms: FirmRecords,
    /// Show a progress bar on stderr (when it is a terminal).
    pub progress: bool,
    /// The progress bar's message, e.g. "simulating".
    pub message: String,
    /// Set (e.g. by a Ctrl-C handler) to stop: no new unit starts and the run ends with
    /// `Stop::Interrupted`.
    pub cancel: Option<&'a AtomicBool>,
    /// Where finished units are kept (shards, resuming).
    pub units: UnitIo<'a>,
}

/// Which arms' replications keep per-firm records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FirmRecords {
    All,
    /// One flag per arm.
    Arms(Vec<bool>),
}

impl FirmRecords {
    fn of(&self, arm: usize) -> bool {
        match self {
            FirmRecords::All => true,
            FirmRecords::Arms(flags) => flags[arm],
        }
    }
}

impl Execution<'_> {
    /// Every arm's firm records kept, no progress bar, no cancellation.
    pub fn quiet(threads: Option<usize>) -> Execution<'static> {
        Execution {
            threads,
            record_firms: FirmRecords::All,
            progress: false,
            message: String::new(),
            cancel: None,
            units: UnitIo::None,
        }
    }
}

/// Whether the user asked to stop.
pub fn cancelled(cancel: Option<&AtomicBool>) -> bool {
    cancel.is_some_and(|c| c.load(Ordering::Relaxed))
}

/// How the model runs a scenario: with or without firm records, and with its firm passes spread
/// over threads when the population is large.
pub fn run_options(scenario: &Scenario, record_firms: bool) -> RunOptions {
    RunOptions {
        record_firms,
        parallel_firms: scenario.population.firms >= PARALLEL_FIRMS_FROM,
    }
}

/// The threads a plan will use, decided before anything is written: a plan whose memory estimate
/// exceeds what is available is refused, or, when no thread count was asked for, given fewer
/// threads. `unit` says what a worker holds at once (see `budget::Unit`).
pub fn fit_threads<P: Arms + ?Sized>(
    plan: &P,
    unit: budget::Unit,
    requested: Option<usize>,
    firm_table: bool,
) -> Result<Option<usize>, budget::TooLarge> {
    match budget::available_memory() {
        Some(available) => budget::fit_threads(
            (0..plan.arm_count()).map(|a| plan.scenario(a)),
            unit,
            requested,
            rayon::current_num_threads(),
            firm_table,
            available,
        )
        .map(|fitted| fitted.or(requested)),
        None => Ok(requested),
    }
}

/// Runs every replication of every arm as its own unit (`Units::Each` order: replication-major),
/// reduces each on the worker that ran it with `reduce(arm, replication, scenario, result)` (the
/// arm's scenario as it ran: a design of many points builds it once per unit), and feeds the
/// reduced values to `sink(arm, replication, value)` one at a time in that order on the calling
/// thread. If `sink` fails or the run is cancelled, no new unit starts and the error is returned.
pub fn run_each<P, A, E, R, S>(plan: &P, exec: &Execution, reduce: R, sink: S) -> Result<(), E>
where
    P: Arms + ?Sized,
    A: Send + Serialize + DeserializeOwned,
    E: From<Stop>,
    R: Fn(usize, u32, &Scenario, ReplicationResult) -> A + Sync,
    S: FnMut(usize, u32, A) -> Result<(), E>,
{
    each(plan, exec, reduce, sink, Some(codec()))
}

/// `run_each`, with the codec finished units are kept with (none: they are not kept).
fn each<P, A, E, R, S>(
    plan: &P,
    exec: &Execution,
    reduce: R,
    mut sink: S,
    codec: Option<Codec<A>>,
) -> Result<(), E>
where
    P: Arms + ?Sized,
    A: Send,
    E: From<Stop>,
    R: Fn(usize, u32, &Scenario, ReplicationResult) -> A + Sync,
    S: FnMut(usize, u32, A) -> Result<(), E>,
{
    debug_assert_eq!(plan.units(), Units::Each);
    let arms = plan.arm_count() as u32;
    let unit_name = if arms == 1 {
        "replications"
    } else {
        "arm-replications"
    };
    run_units(
        plan,
        exec,
        unit_name,
        |job| {
            let (r, a) = (job / arms, (job % arms) as usize);
            let s = plan.scenario(a);
            let options = run_options(&s, exec.record_firms.of(a));
            let result = run_replication(&s, r, options);
            reduce(a, r, &s, result)
        },
        |job, value| sink((job % arms) as usize, job / arms, value),
        codec,
    )
}

/// Runs replication r of every arm, in arm order, as one unit on one worker (`Units::Together`;
/// arms with the same warm-up share it, `model::run_arms`): each arm's result is reduced by `reduce(arm, r, result)` as soon as it finishes (so a unit
/// holds one whole replication and the reductions of the arms before it), the reductions are
/// combined by `combine(r, reductions)` on the worker, and `sink(r, value)` receives them in
/// replication order on the calling thread.
pub fn run_together<A, T, E, R, C, S>(
    plan: &Plan,
    exec: &Execution,
    reduce: R,
    combine: C,
    sink: S,
) -> Result<(), E>
where
    A: Send,
    T: Send + Serialize + DeserializeOwned,
    E: From<Stop>,
    R: Fn(usize, u32, ReplicationResult) -> A + Sync,
    C: Fn(u32, Vec<A>) -> T + Sync,
    S: FnMut(u32, T) -> Result<(), E>,
{
    debug_assert_eq!(plan.units(), Units::Together);
    run_units(
        plan,
        exec,
        "replications",
        |r| {
            // Arms that differ only in their shock (a run and its control) share one warm-up.
            let arms: Vec<_> = plan
                .arms
                .iter()
                .enumerate()
                .map(|(a, arm)| {
                    let options = run_options(&arm.scenario, exec.record_firms.of(a));
                    (&arm.scenario, options)
                })
                .collect();
            let mut reduced = Vec::with_capacity(arms.len());
            run_arms(&arms, r, |a, result| reduced.push(reduce(a, r, result)));
            combine(r, reduced)
        },
        sink,
        Some(codec()),
    )
}

/// Every replication of one scenario reduced by `reduce`, in replication order, with no progress
/// bar and no cancellation (for tests and benches that need the values, not a results folder).
pub fn run_ensemble<T, F>(
    scenario: &Scenario,
    threads: Option<usize>,
    record_firms: bool,
    reduce: F,
) -> Result<Vec<T>, PoolError>
where
    T: Send,
    F: Fn(ReplicationResult) -> T + Sync,
{
    let plan = Plan::single(scenario.clone());
    let mut exec = Execution::quiet(threads);
    exec.record_firms = FirmRecords::Arms(vec![record_firms]);
    let mut out = Vec::with_capacity(scenario.replications as usize);
    let ran = each(
        &plan,
        &exec,
        |_, _, _, result| reduce(result),
        |_, _, value| {
            out.push(value);
            Ok::<(), Stop>(())
        },
        None,
    );
    match ran {
        Ok(()) => Ok(out),
        Err(Stop::Threads(e)) => Err(e),
        Err(Stop::Interrupted | Stop::Units(_)) => {
            unreachable!("nothing can cancel, or keep the units of, a run without flag or journal")
        }
    }
}

/// How a unit's value is kept on disk: postcard, which keeps every number bit for bit.
struct Codec<T> {
    encode: fn(&T) -> Vec<u8>,
    decode: fn(&[u8]) -> Result<T, String>,
}

fn codec<T: Serialize + DeserializeOwned>() -> Codec<T> {
    Codec {
        encode: |value| postcard::to_stdvec(value).expect("plain numbers always encode"),
        decode: |bytes| postcard::from_bytes(bytes).map_err(|e| e.to_string()),
    }
}

fn locked<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The plan's units with a progress bar and the cancellation check before each value reaches
/// `sink`, kept in or read back from `exec.units`.
fn run_units<P, T, E, F, S>(
    plan: &P,
    exec: &Execution,
    unit_name: &str,
    work: F,
    mut sink: S,
    codec: Option<Codec<T>>,
) -> Result<(), E>
where
    P: Arms + ?Sized,
    T: Send,
    E: From<Stop>,
    F: Fn(u32) -> T + Sync,
    S: FnMut(u32, T) -> Result<(), E>,
{
    if let FirmRecords::Arms(flags) = &exec.record_firms {
        assert_eq!(
            flags.len(),
            plan.arm_count(),
            "one firm-records flag per arm"
        );
    }
    let total = plan.unit_count();
    let codec = |what| match &codec {
        Some(c) => c,
        None => unreachable!("units are {what} only by run_each and run_together"),
    };
    let decode = |c: &Codec<T>, unit: u32, bytes: Vec<u8>, from: &str| {
        (c.decode)(&bytes).map_err(|why| {
            Stop::Units(UnitsError::Corrupt(
                from.into(),
                format!("unit {unit} cannot be read back: {why}"),
            ))
        })
    };
    match exec.units {
        UnitIo::None => {
            let bar = bar(exec, total, unit_name);
            let streamed = run_jobs_streaming(total, exec.threads, work, |job, value| {
                if cancelled(exec.cancel) {
                    return Err(Stop::Interrupted.into());
                }
                sink(job, value)?;
                bar.inc(1);
                Ok(())
            });
            let result = streamed.map_err(|e| E::from(Stop::Threads(e)))?;
            bar.finish_and_clear();
            result
        }
        UnitIo::Merge(shards) => {
            let c = codec("read back from shards");
            let bar = bar(exec, total, unit_name);
            for unit in 0..total {
                if cancelled(exec.cancel) {
                    return Err(Stop::Interrupted.into());
                }
                let bytes = locked(shards).next(unit).map_err(Stop::Units)?;
                let value = decode(c, unit, bytes, "the shards")?;
                sink(unit, value)?;
                bar.inc(1);
            }
            bar.finish_and_clear();
            Ok(())
        }
        UnitIo::Journal(journal) => {
            let c = codec("kept");
            let (shard, replayed, to_sink, folder) = {
                let j = locked(journal);
                (
                    j.shard(),
                    j.replayed(),
                    !j.shard_only(),
                    j.folder().display().to_string(),
                )
            };
            let mine = shard.units_of(total);
            let bar = bar(exec, mine, unit_name);
            for i in 0..replayed {
                if cancelled(exec.cancel) {
                    return Err(Stop::Interrupted.into());
                }
                let unit = shard.unit(i);
                let bytes = locked(journal).next_replayed(unit).map_err(Stop::Units)?;
                if to_sink {
                    sink(unit, decode(c, unit, bytes, &folder)?)?;
                }
                bar.inc(1);
            }
            let unit_of = |i: u32| shard.unit(replayed + i);
            let streamed = run_jobs_streaming(
                mine - replayed,
                exec.threads,
                |i| work(unit_of(i)),
                |i, value| {
                    if cancelled(exec.cancel) {
                        return Err(Stop::Interrupted.into());
                    }
                    let unit = unit_of(i);
                    locked(journal)
                        .append(unit, &(c.encode)(&value))
                        .map_err(Stop::Units)?;
                    if to_sink {
                        sink(unit, value)?;
                    }
                    bar.inc(1);
                    Ok(())
                },
            );
            let result = streamed.map_err(|e| E::from(Stop::Threads(e)))?;
            bar.finish_and_clear();
            result
        }
    }
}

fn bar(exec: &Execution, units: u32, unit_name: &str) -> indicatif::ProgressBar {
    let bar = progress::bar(exec.progress, units, unit_name);
    if !exec.message.is_empty() {
        bar.set_message(exec.message.clone());
    }
    bar
}

/// Runs jobs `0..jobs` in parallel (`work` on the worker threads) and feeds their results to `sink`
/// one at a time in job order on the calling thread. Jobs are handed out in order, so finished
/// jobs that arrive early wait in a small buffer (about one per worker), and workers pause while
/// the sink catches up. If `sink` fails, no new job starts and the first error is returned.
fn run_jobs_streaming<T, E, F, S>(
    jobs: u32,
    threads: Option<usize>,
    work: F,
    sink: S,
) -> Result<Result<(), E>, PoolError>
where
    T: Send,
    F: Fn(u32) -> T + Sync,
    S: FnMut(u32, T) -> Result<(), E>,
{
    let stop = AtomicBool::new(false);
    let (work, stop) = (&work, &stop);
    match threads {
        None => Ok(rayon::in_place_scope(|scope| {
            stream(scope, jobs, work, stop, sink)
        })),
        Some(n) => Ok(pool(n)?.in_place_scope(|scope| stream(scope, jobs, work, stop, sink))),
    }
}

/// Runs `f` on a pool of `threads` workers (in place when `None`), so that work sized by
/// `rayon::current_num_threads` inside it, such as the summary's, honours `--threads`.
pub fn with_threads<R: Send>(
    threads: Option<usize>,
    f: impl FnOnce() -> R + Send,
) -> Result<R, PoolError> {
    match threads {
        None => Ok(f()),
        Some(n) => Ok(pool(n)?.install(f)),
    }
}

fn pool(threads: usize) -> Result<rayon::ThreadPool, PoolError> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| PoolError(e.to_string()))
}

/// Spawns the jobs into `scope` and feeds the sink on the calling thread, in order.
fn stream<'scope, T, E, F, S>(
    scope: &rayon::Scope<'scope>,
    jobs: u32,
    work: &'scope F,
    stop: &'scope AtomicBool,
    mut sink: S,
) -> Result<(), E>
where
    T: Send + 'scope,
    F: Fn(u32) -> T + Sync,
    S: FnMut(u32, T) -> Result<(), E>,
{
    // Jobs are handed out in index order (par_bridge pulls from a sequential iterator), so only
    // about one per worker waits for an earlier one; the bounded channel makes workers wait if
    // the sink falls behind, so finished jobs cannot pile up in memory.
    let (tx, rx) = mpsc::sync_channel::<(u32, T)>(2 * rayon::current_num_threads());
    scope.spawn(move |_| {
        (0..jobs).par_bridge().for_each_with(tx, |tx, i| {
            if stop.load(Ordering::Relaxed) {
                return;
            }
            // The receiver only goes away once it has stopped wanting results.
            let _ = tx.send((i, work(i)));
        });
    });
    let mut waiting = BTreeMap::new();
    let mut next = 0u32;
    let mut result = Ok(());
    for (i, t) in rx {
        if result.is_err() {
            continue;
        }
        waiting.insert(i, t);
        while let Some(t) = waiting.remove(&next) {
            if let Err(e) = sink(next, t) {
                stop.store(true, Ordering::Relaxed);
                result = Err(e);
                waiting.clear();
                break;
            }
            next += 1;
        }
    }
    result
}
