//! The model (MODEL.md): pure and deterministic. No I/O, no clock, no global state; the same
//! scenario, replication and seed give the same bits on any number of threads.

pub mod bank;
pub mod economy;
pub mod firm;
pub mod fund;
pub mod government;
pub mod record;
pub mod rng;
pub mod sector;

pub use economy::{
    CHUNK, Economy, ReplicationResult, RunOptions, finish, firms_ever, replication_bytes, run_arms,
    run_replication, same_warm_up, warm_up, warm_up_bytes,
};
pub use record::{
    CellStats, Cells, Conversion, EconomyStats, ExitReason, FirmRecord, Moments, MonthRecord,
    OnsetSnapshot, Origin, YearOnYear,
};
pub use sector::{crisis_cut_by_horizon, crisis_window};
