//! coopsim: an agent-based model of worker co-operatives, social co-operatives, public-service
//! mutuals and conventional SMEs through a credit crisis, with the tooling to run, summarise and
//! compare scenarios.
//!
//! Data flows one way: `scenario` (files in, a resolved `Scenario` out) -> `model` (pure and
//! deterministic: one replication at a time) -> `runner` (replications in parallel) -> `summary`
//! (polars statistics) -> `output` (the results folder), orchestrated by `pipeline`.

pub mod analysis;
pub mod budget;
pub mod charts;
pub mod comparison;
pub mod comparison_tables;
pub mod docs;
pub mod model;
pub mod outcomes;
pub mod output;
pub mod pipeline;
pub mod runner;
pub mod scenario;
pub mod summary;
pub mod sweep;
pub mod targets;
pub mod validation;
