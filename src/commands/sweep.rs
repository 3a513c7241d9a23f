//! `coopsim sweep`: a base scenario and the settings it is swept over (`--vary`, or the file's
//! `[sweep]` table), run as one plan of arms with common random numbers (`comparison`).

use std::path::PathBuf;

use super::comparison;
use super::{Common, Failure, Finished, note_cut_window};
use crate::experiment::Plan;
use crate::model::crisis_window;
use crate::scenario::sweep::Vary;
use crate::scenario::{ScenarioErrors, SweepDesign};

#[derive(Debug, Clone)]
pub struct Options {
    pub scenario: PathBuf,
    /// `KEY=VALUES` specifications; when empty, the scenario file's `[sweep]` table.
    pub vary: Vec<String>,
    /// Overrides the file's `sweep.design`.
    pub design: Option<SweepDesign>,
    pub common: Common,
}

pub fn execute(o: Options) -> Result<Finished, Failure> {
    let c = &o.common;
    let mut base = super::resolve(&o.scenario, c.replications, c.seed, &c.set)?;
    if let Some(d) = o.design {
        base.sweep.design = d;
    }
    let (specs, origin) = if o.vary.is_empty() {
        (
            base.sweep.vary.clone(),
            format!("{} (sweep.vary)", o.scenario.display()),
        )
    } else {
        // The base records the sweep it runs, so the results folder's copy reruns this sweep.
        base.sweep.vary = o.vary.clone();
        (o.vary.clone(), "--vary".to_string())
    };
    let mut parsed = Vec::new();
    for spec in &specs {
        let v =
            Vary::parse(spec).map_err(|e| ScenarioErrors::from(e.into_scenario_error(&origin)))?;
        parsed.push(v);
    }
    let plan = Plan::sweep(&base, &parsed, base.sweep.design, &origin)?;
    // The base's note came with resolving it; an arm whose own settings cut its window gets one.
    let base_window = crisis_window(&base);
    for arm in plan.arms.iter().skip(1) {
        if crisis_window(&arm.scenario) != base_window {
            note_cut_window(&format!("{}, arm {}", base.name, arm.label), &arm.scenario);
        }
    }
    comparison::execute(base.name.clone(), plan, c)
}
