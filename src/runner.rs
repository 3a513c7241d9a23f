//! Runs replications in parallel with rayon. Each replication is independent and keyed by its
//! index, and results come back in replication order, so the output does not depend on how many
//! threads ran it. Replications are reduced as they finish (by `reduce`), so memory holds what the
//! caller keeps, not every replication's records.

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
    let run_options = RunOptions {
        record_firms: options.record_firms,
        parallel_firms: scenario.population.firms >= PARALLEL_FIRMS_FROM,
    };
    let work = || {
        (0..scenario.replications)
            .into_par_iter()
            .map(|r| reduce(run_replication(scenario, r, run_options)))
            .collect()
    };
    match options.threads {
        None => Ok(work()),
        Some(n) => {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .map_err(|e| PoolError(e.to_string()))?;
            Ok(pool.install(work))
        }
    }
}
