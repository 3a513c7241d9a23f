//! Statistics of the model's records: the outcomes of one replication, the cross-replication
//! summary tables (polars, over the spill), a run's crisis effect against its control, a sweep's
//! or comparison's arms and their paired differences, and the validation metrics of a targets
//! file with their estimates across replications. Plain data in (a replication's month records,
//! firm records and year-on-year tallies, or spilled numbers), plain numbers or polars frames out;
//! no files, no charts, no command-line types.

pub mod arms;
pub mod effect;
pub mod estimate;
pub mod metrics;
pub mod outcomes;
pub mod run;
pub mod sensitivity;
pub mod summary;
pub mod targets;
pub mod validation;

pub use estimate::{Accumulator, Estimate, Running};
pub use metrics::{Filter, Metric, Replication, Series, Value, Variable, Window};
