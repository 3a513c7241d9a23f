//! What the charts of a sweep or comparison show: the outcomes of their panels, and one outcome of
//! one kind across the arms read from the comparison table.

use polars::prelude::*;

use super::f64_values;

/// Outcomes the comparison charts show: name, axis label, scale.
const COMPARISON_PANELS: [(&str, &str, f64); 6] = [
    (
        "survival_to_window_end",
        "survival to end of crisis window, %",
        100.0,
    ),
    (
        "hazard_ratio_vs_conventional",
        "exit hazard ratio vs conventional",
        1.0,
    ),
    (
        "employment_change",
        "employment, pre-crisis to trough, %",
        100.0,
    ),
    (
        "pay_change",
        "pay per worker, pre-crisis to trough, %",
        100.0,
    ),
    ("exits", "exits in the crisis window, firms", 1.0),
    (
        "public_cost",
        "public cost of levers in window, GBP m",
        0.001,
    ),
];

/// The panels of a sweep's or comparison's charts. Exits are a count: where the arms' populations
/// differ (firms or kind mix), the exit hazard, a rate, stands in for them, so more firms of a kind
/// do not read as a worse policy for it.
pub(super) fn comparison_panels(
    arms: &[crate::experiment::Arm],
) -> [(&'static str, &'static str, f64); 6] {
    let first = &arms[0].scenario.population;
    let same = arms.iter().all(|a| {
        let p = &a.scenario.population;
        p.firms == first.firms && p.kind_mix == first.kind_mix
    });
    COMPARISON_PANELS.map(|panel| match panel.0 {
        "exits" if !same => ("crisis_hazard", "exit hazard in crisis, %/month", 100.0),
        _ => panel,
    })
}

/// One outcome of one kind across arms: (arm, mean, ci_low, ci_high) and the same for the paired
/// difference from the base arm.
pub(super) struct ArmValues {
    pub(super) arm: Vec<usize>,
    pub(super) mean: Vec<(f64, f64, f64)>,
    pub(super) difference: Vec<(f64, f64, f64)>,
}

pub(super) fn arm_values(
    table: &DataFrame,
    kind: &str,
    outcome: &str,
    scale: f64,
) -> PolarsResult<ArmValues> {
    let rows = table
        .clone()
        .lazy()
        .filter(
            col("kind")
                .eq(lit(kind))
                .and(col("outcome").eq(lit(outcome))),
        )
        .sort(["arm"], SortMultipleOptions::default())
        .collect()?;
    let get = |c: &str| f64_values(&rows, c);
    let arm = get("arm")?;
    let (m, ml, mh) = (get("mean")?, get("mean_ci_low")?, get("mean_ci_high")?);
    let (d, dl, dh) = (
        get("difference")?,
        get("difference_ci_low")?,
        get("difference_ci_high")?,
    );
    let mut out = ArmValues {
        arm: Vec::new(),
        mean: Vec::new(),
        difference: Vec::new(),
    };
    for i in 0..rows.height() {
        let (Some(a), Some(m)) = (arm[i], m[i]) else {
            continue;
        };
        let or = |v: Option<f64>, fallback: f64| v.unwrap_or(fallback) * scale;
        out.arm.push(a as usize);
        out.mean.push((m * scale, or(ml[i], m), or(mh[i], m)));
        let dv = d[i].unwrap_or(0.0);
        out.difference
            .push((dv * scale, or(dl[i], dv), or(dh[i], dv)));
    }
    Ok(out)
}
