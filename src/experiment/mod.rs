//! Experiments: a `Plan` (arms x replications with common random numbers, built from a scenario
//! and a design) and the engine that runs its units on rayon with one progress bar, cancellation
//! and the memory budget, and the spill that keeps per-replication numbers on disk until they are
//! summarised, and the journal of finished units (`units`: shards, resuming). Every command runs through here. Knows the model and scenarios; knows nothing of
//! the analyses, tables, charts or results folders of the commands above it (they pass closures
//! and plain data down).

pub mod budget;
pub mod engine;
pub mod plan;
pub mod progress;
pub mod sensitivity;
pub mod spill;
pub mod units;

pub use engine::{
    Execution, FirmRecords, PoolError, Stop, UnitIo, cancelled, fit_threads, run_each,
    run_ensemble, run_together, with_threads,
};
pub use plan::{Arm, Arms, Design, Plan, Units};
pub use spill::{Label, Shape, Spill};
