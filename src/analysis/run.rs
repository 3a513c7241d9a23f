//! One replication of a run reduced on the worker that ran it: the numbers of its summary tables
//! (see `summary`), its rows of the firm table, and, when it ran beside its control, its crisis
//! effect (`effect::paired`). Plain records in, plain numbers out: what a finished unit keeps.

use super::effect::{self, GROUPS, PairedEffect};
use super::outcomes::{self, SurvivalCounts};
use super::summary::{self, FirmRows};
use crate::model::{MonthRecord, ReplicationResult};
use crate::scenario::{Kind, Scenario};

/// One replication reduced to the numbers the summary needs (built on the worker that ran it).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Reduced {
    pub replication: u32,
    pub timeseries: Vec<f64>,
    pub survival: Vec<f64>,
    pub fragility: Vec<f64>,
    pub headline: Vec<f64>,
    pub firms: Option<FirmRows>,
}

pub fn reduce(
    s: &Scenario,
    r: &ReplicationResult,
    counts: &SurvivalCounts,
    with_firms: bool,
) -> Reduced {
    let base = s.crisis.onset_month.saturating_sub(1) as usize;
    let quintiles = outcomes::fragility_quintiles(s, &r.firms);
    let inputs = Kind::ALL.map(|k| outcomes::kind_headline(s, &r.months, counts, &quintiles, k));
    Reduced {
        replication: r.replication,
        timeseries: summary::timeseries_values(&r.months, base),
        survival: summary::survival_values(counts),
        fragility: summary::fragility_values(&quintiles),
        headline: summary::headline_values(&inputs),
        firms: with_firms
            .then(|| FirmRows::new(r.replication, &r.firms, &r.conversions, &quintiles)),
    }
}

/// What the pairing reads of a control replication: its months and its survival to the end of the
/// crisis window. Taken as soon as the control finishes, so that a worker holds one whole
/// replication at a time (`budget::Unit::WithControl`).
pub struct ControlSide {
    months: Vec<MonthRecord>,
    survival: [f64; GROUPS],
}

/// Replication `result` of the control `c`, reduced to what the pairing reads.
pub fn control_side(c: &Scenario, result: ReplicationResult) -> ControlSide {
    let counts = outcomes::survival_counts(c, &result.firms);
    ControlSide {
        survival: effect::survival_to_window_end(c, &counts),
        months: result.months,
    }
}

/// Replication `result` of `s` reduced, and with its `control` side its crisis effect.
pub fn reduce_paired(
    s: &Scenario,
    result: &ReplicationResult,
    control: Option<&ControlSide>,
    with_firms: bool,
) -> (Reduced, Option<PairedEffect>) {
    let counts = outcomes::survival_counts(s, &result.firms);
    let paired = control.map(|control| {
        let base = effect::Side {
            months: &result.months,
            survival_to_window_end: effect::survival_to_window_end(s, &counts),
        };
        let control = effect::Side {
            months: &control.months,
            survival_to_window_end: control.survival,
        };
        effect::paired(s, &base, &control)
    });
    (reduce(s, result, &counts, with_firms), paired)
}
