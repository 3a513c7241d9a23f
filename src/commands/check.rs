//! `coopsim check`: a scenario file resolved with its command-line changes and validated, printed
//! with every parameter written out (TOML, or JSON), or every problem with it, located.

use std::path::PathBuf;

use super::{Failure, Finished, resolve};
use crate::scenario::resolved_toml;

/// How to print the resolved scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Toml,
    Json,
}

#[derive(Debug, Clone)]
pub struct Options {
    pub scenario: PathBuf,
    pub replications: Option<u32>,
    pub seed: Option<u64>,
    pub set: Vec<String>,
    pub format: Format,
}

pub fn execute(o: &Options) -> Result<Finished, Failure> {
    let s = resolve(&o.scenario, o.replications, o.seed, &o.set)?;
    match o.format {
        Format::Toml => say!("{}", resolved_toml(&s)),
        Format::Json => sayln!(
            "{}",
            serde_json::to_string_pretty(&s).expect("a resolved scenario serialises")
        ),
    }
    Ok(Finished::Success)
}
