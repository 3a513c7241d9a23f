//! Statistics of the model's records: validation metrics of one replication, a run's crisis
//! effect against its control, and their estimates across replications. Plain data in (a
//! replication's month records, firm records and year-on-year tallies), plain numbers out; no
//! files, no charts, no command-line types.

pub mod effect;
pub mod estimate;
pub mod metrics;

pub use estimate::{Accumulator, Estimate, Running};
pub use metrics::{Filter, Metric, Replication, Series, Value, Variable, Window};
