//! `coopsim compare`: whole scenario files side by side, the first the reference, run as one plan
//! of arms with the first file's seed and replications (common random numbers, `comparison`).

use std::path::PathBuf;

use super::{Common, Failure, Finished, comparison};
use crate::experiment::Plan;
use crate::experiment::plan::overridden_by_first;

#[derive(Debug, Clone)]
pub struct Options {
    pub scenarios: Vec<PathBuf>,
    pub common: Common,
}

pub fn execute(o: Options) -> Result<Finished, Failure> {
    let c = &o.common;
    let mut scenarios = Vec::new();
    for path in &o.scenarios {
        let s = super::resolve(path, c.replications, c.seed, &c.set)?;
        scenarios.push((path.display().to_string(), s));
    }
    let name = scenarios[0].1.name.clone();
    for note in overridden_by_first(&scenarios) {
        eprintln!("note: {note}");
    }
    let plan = Plan::compare(scenarios)?;
    comparison::execute(name, plan, c)
}
