//! coopsim: an agent-based model of worker co-operatives, social co-operatives, public-service
//! mutuals and conventional SMEs through a credit crisis, with the tooling to run, summarise and
//! compare scenarios.
//!
//! Data flows one way: `scenario` (files in, a resolved `Scenario` out) -> `model` (pure and
//! deterministic: one replication at a time) -> `runner` (replications in parallel).

pub mod docs;
pub mod model;
pub mod outcomes;
pub mod runner;
pub mod scenario;
