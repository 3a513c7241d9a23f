//! coopsim: an agent-based model of worker co-operatives, social co-operatives, public-service
//! mutuals and conventional SMEs through a credit crisis, with the tooling to run, summarise and
//! compare scenarios.
//!
//! Layers, each using only those listed before it (data flows one way: command -> plan -> model
//! -> records -> analysis -> presentation -> results folder):
//!
//! - `output`: the results folder, staged and committed atomically (uses nothing else).
//! - `scenario`: scenario files in, a resolved and validated `Scenario` out; sweep specifications.
//! - `model`: the model, pure and deterministic (MODEL.md).
//! - `experiment`: plans (arms x replications with common random numbers) and the engine that
//!   runs their units on rayon, with progress, cancellation, the memory budget and the spill.
//! - `analysis`: statistics of the model's records (outcomes, summaries, crisis effect, arms,
//!   validation metrics); no files, no charts.
//! - `present`: tables, terminal text and charts of what the analyses found.
//! - `commands`: one file per command, each a pipeline through the layers above.

pub mod analysis;
pub mod commands;
pub mod experiment;
pub mod model;
pub mod output;
pub mod present;
pub mod scenario;
