//! Runs replications in parallel with rayon. Each replication is independent and keyed by its
//! index, and results reach the caller in replication order, so the output does not depend on how
//! many threads ran it. Each replication is reduced as soon as it finishes (by `reduce`, on the
//! worker thread) and handed to `sink` (on the calling thread), so memory holds what the caller
//! keeps, not every replication's records.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

use rayon::prelude::*;

use crate::model::{ReplicationResult, RunOptions, run_replication};
use crate::scenario::Scenario;

/// Populations at least this large also spread each replication's firm passes over threads.
pub const PARALLEL_FIRMS_FROM: u32 = 50_000;

#[derive(Debug, Clone, Copy, Default)]
pub struct EnsembleOptions {
    /// Worker threads; `None` uses rayon's default (all cores, or `RAYON_NUM_THREADS`).
    pub threads: Option<usize>,
    /// Keep per-firm records (survival analysis, fragility).
    pub record_firms: bool,
}

/// Error building the thread pool (e.g. an absurd thread count).
#[derive(Debug)]
pub struct PoolError(pub String);

impl std::fmt::Display for PoolError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot start the worker threads: {}", self.0)
    }
}

impl std::error::Error for PoolError {}

pub fn run_options(scenario: &Scenario, options: EnsembleOptions) -> RunOptions {
    RunOptions {
        record_firms: options.record_firms,
        parallel_firms: scenario.population.firms >= PARALLEL_FIRMS_FROM,
    }
}

/// Runs every replication of `scenario` and maps each result through `reduce`, returning the
/// reduced values in replication order.
pub fn run_ensemble<T, F>(
    scenario: &Scenario,
    options: EnsembleOptions,
    reduce: F,
) -> Result<Vec<T>, PoolError>
where
    T: Send,
    F: Fn(ReplicationResult) -> T + Sync,
{
    let mut out = Vec::with_capacity(scenario.replications as usize);
    run_ensemble_streaming(scenario, options, reduce, |_, t| {
        out.push(t);
        Ok::<(), std::convert::Infallible>(())
    })?
    .unwrap_or_else(|never| match never {});
    Ok(out)
}

/// Runs every replication, reduces each on the worker that ran it, and feeds the reduced values to
/// `sink` one at a time in replication order (0, 1, 2, ...) on the calling thread. See
/// `run_jobs_streaming`.
pub fn run_ensemble_streaming<T, E, F, S>(
    scenario: &Scenario,
    options: EnsembleOptions,
    reduce: F,
    sink: S,
) -> Result<Result<(), E>, PoolError>
where
    T: Send,
    F: Fn(ReplicationResult) -> T + Sync,
    S: FnMut(u32, T) -> Result<(), E>,
{
    let run_options = run_options(scenario, options);
    run_jobs_streaming(
        scenario.replications,
        options.threads,
        |r| reduce(run_replication(scenario, r, run_options)),
        sink,
    )
}

/// Runs jobs `0..jobs` in parallel (`work` on the worker threads) and feeds their results to `sink`
/// one at a time in job order on the calling thread. Jobs are handed out in order, so finished
/// jobs that arrive early wait in a small buffer (about one per worker), and workers pause while
/// the sink catches up. If `sink` fails, no new job starts and the first error is returned.
pub fn run_jobs_streaming<T, E, F, S>(
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
