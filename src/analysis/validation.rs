//! Validation: every measure of a targets file taken on one replication of the scenarios it
//! names (pairing each with its control and its other side there), and whether the estimates
//! over the replications meet their bands. Plain records in, plain numbers out; no files.

use super::targets::{Band, Measure, Side, Targets};
use super::{Accumulator, Estimate, Metric, Replication, Value};
use crate::model::{ReplicationResult, crisis_window};
use crate::scenario::{Scenario, ScenarioError, ScenarioErrorKind, ScenarioErrors};

/// One measure's result.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub target: usize,
    pub measure: usize,
    pub estimate: Estimate,
    pub met: bool,
    /// For a measure taken at months chosen from the mean path, which months.
    pub chosen: Option<String>,
}

/// The measures in table order, with their target's index.
pub fn measures(t: &Targets) -> impl Iterator<Item = (usize, usize, &Measure)> {
    t.targets.iter().enumerate().flat_map(|(ti, target)| {
        target
            .measures
            .iter()
            .enumerate()
            .map(move |(mi, m)| (ti, mi, m))
    })
}

/// Whether every measure can be taken on the scenarios it names: windows inside the horizon, and a
/// control with the same horizon and crisis window (its months are compared month by month).
pub fn check(t: &Targets, scenarios: &[Scenario]) -> Result<(), ScenarioErrors> {
    let mut errors = Vec::new();
    for (ti, mi, m) in measures(t) {
        let key = format!("target[{ti}].measure[{mi}]");
        let mut complain = |message: String| {
            errors.push(ScenarioError {
                kind: ScenarioErrorKind::Invalid,
                origin: t.origin.clone(),
                key: Some(key.clone()),
                message: format!("{} ({}): {message}", t.targets[ti].id, m.label),
                help: None,
                location: m.location.clone(),
            })
        };
        for side in std::iter::once(&m.side).chain(&m.minus) {
            let s = &scenarios[side.scenario];
            if let Some(why) = side.metric.unmeasurable(s) {
                complain(format!(
                    "cannot be measured on scenario `{}`: {why}",
                    t.scenarios[side.scenario].name
                ));
            }
            if side.metric.needs_control() {
                let Some(c) = side.control else {
                    complain("needs a `control` scenario".to_string());
                    continue;
                };
                let c = &scenarios[c];
                if c.months != s.months || crisis_window(c) != crisis_window(s) {
                    complain(format!(
                        "the control `{}` must have the horizon and crisis window of `{}` (months {} and {:?}, against {} and {:?})",
                        t.scenarios[side.control.unwrap_or_default()].name,
                        t.scenarios[side.scenario].name,
                        c.months,
                        crisis_window(c),
                        s.months,
                        crisis_window(s)
                    ));
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ScenarioErrors(errors))
    }
}

/// Which scenarios some measure uses, and which of them need firm records.
pub fn usage(t: &Targets) -> (Vec<bool>, Vec<bool>) {
    let n = t.scenarios.len();
    let (mut used, mut firms) = (vec![false; n], vec![false; n]);
    for (_, _, m) in measures(t) {
        for side in std::iter::once(&m.side).chain(&m.minus) {
            used[side.scenario] = true;
            firms[side.scenario] |= side.metric.needs_firms();
            if let Some(c) = side.control {
                used[c] = true;
            }
        }
    }
    (used, firms)
}

fn view<'a>(s: &'a Scenario, r: &'a ReplicationResult) -> Replication<'a> {
    Replication {
        scenario: s,
        months: &r.months,
        firms: &r.firms,
        year_on_year: &r.year_on_year,
    }
}

fn side_value(side: &Side, scenarios: &[Scenario], results: &[Option<ReplicationResult>]) -> Value {
    let of = |i: usize| {
        let r = results[i]
            .as_ref()
            .expect("every scenario a measure names was run");
        view(&scenarios[i], r)
    };
    let control = side.control.map(of);
    side.metric.evaluate(&of(side.scenario), control.as_ref())
}

/// Every measure's value in one replication, from the results of that replication of the
/// scenarios (`None` for a scenario no measure uses).
pub fn values(
    t: &Targets,
    scenarios: &[Scenario],
    results: &[Option<ReplicationResult>],
) -> Vec<Value> {
    measures(t)
        .map(|(_, _, m)| {
            let value = side_value(&m.side, scenarios, results);
            match (&m.minus, value) {
                (Some(minus), Value::Scalar(a)) => match side_value(minus, scenarios, results) {
                    Value::Scalar(b) => Value::Scalar(a - b),
                    Value::Candidates { .. } => Value::Scalar(f64::NAN),
                },
                (_, v) => v,
            }
        })
        .collect()
}

/// Every measure's result from its estimate over the replications.
pub fn rows(t: &Targets, scenarios: &[Scenario], accumulators: &[Accumulator]) -> Vec<Row> {
    measures(t)
        .zip(accumulators)
        .map(|((ti, mi, m), a)| {
            let (estimate, candidate) = a.estimate();
            Row {
                target: ti,
                measure: mi,
                estimate,
                met: meets(&m.band, m.interval_excludes, &estimate),
                chosen: candidate
                    .and_then(|i| chosen(&m.side.metric, &scenarios[m.side.scenario], i)),
            }
        })
        .collect()
}

/// Whether a measure's estimate meets it: the mean in the band and, where asked, the interval
/// clear of a value.
pub fn meets(band: &Band, interval_excludes: Option<f64>, e: &Estimate) -> bool {
    let clear = interval_excludes
        .is_none_or(|z| e.low.is_finite() && e.high.is_finite() && (z < e.low || z > e.high));
    band.contains(e.mean) && clear
}

/// The months a candidate stands for, in words.
fn chosen(metric: &Metric, s: &Scenario, i: usize) -> Option<String> {
    let w = crisis_window(s);
    match metric {
        Metric::DeathRateRatio { window_months, .. } => {
            let start = w.start as usize + i;
            Some(format!(
                "months {}-{}",
                start,
                start + *window_months as usize - 1
            ))
        }
        Metric::EmploymentElasticity { .. } => {
            let n = w.len();
            Some(format!(
                "troughs: employment month {}, sales month {}",
                w.start as usize + i / n,
                w.start as usize + i % n
            ))
        }
        _ => None,
    }
}

/// How many targets are met (every measure of each) among `targets`.
pub fn targets_met(rows: &[Row], targets: usize) -> usize {
    (0..targets).filter(|&i| target_met(rows, i)).count()
}

/// `met` when every measure of the target is.
pub fn target_met(rows: &[Row], target: usize) -> bool {
    rows.iter().filter(|r| r.target == target).all(|r| r.met)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_measure_is_met_in_its_band_and_clear_of_an_excluded_value() {
        let e = |mean: f64, low: f64, high: f64| Estimate {
            mean,
            low,
            high,
            n: 10,
        };
        let band = Band {
            low: None,
            high: Some(-0.05),
        };
        assert!(meets(&band, Some(0.0), &e(-0.08, -0.12, -0.04)));
        assert!(
            !meets(&band, Some(0.0), &e(-0.08, -0.17, 0.01)),
            "interval reaches 0"
        );
        assert!(
            !meets(&band, Some(0.0), &e(-0.03, -0.05, -0.01)),
            "mean outside the band"
        );
        assert!(!meets(&band, None, &e(f64::NAN, f64::NAN, f64::NAN)));
    }
}
