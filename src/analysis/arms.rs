//! The outcomes of a sweep or comparison: each arm's outcomes in one replication (per kind, and
//! the economy-wide public cost of the levers), spilled with their paired difference from the
//! base arm (arm 0) in the same replication, and summarised as means with 95% intervals of the
//! values and of the paired differences (common random numbers). Plain records in, polars frames
//! out.

use polars::prelude::*;

use super::outcomes;
use super::summary;
use crate::experiment::{Arm, Design, Label, Plan, Shape, Spill};
use crate::model::{ReplicationResult, crisis_window};
use crate::scenario::{Kind, Scenario, setting};

/// Outcomes reported for every kind, per arm and replication.
pub const KIND_OUTCOMES: [&str; 9] = [
    "survival_to_window_end",
    "crisis_hazard",
    "hazard_ratio_vs_conventional",
    "employment_change",
    "pay_change",
    "reserves_share",
    "leverage",
    "fragile_exit_share",
    "exits",
];

/// Every outcome name: the kind outcomes, then the economy-wide public cost of the levers.
pub const OUTCOMES: [&str; KIND_OUTCOMES.len() + 1] = {
    let mut out = [""; KIND_OUTCOMES.len() + 1];
    let mut i = 0;
    while i < KIND_OUTCOMES.len() {
        out[i] = KIND_OUTCOMES[i];
        i += 1;
    }
    out[KIND_OUTCOMES.len()] = "public_cost";
    out
};

/// Rows per arm: each kind x kind outcome, then `all` kinds' exits and public cost.
const ROWS: usize = Kind::COUNT * KIND_OUTCOMES.len() + 2;

fn row_kind(_: usize, row: usize) -> usize {
    if row < Kind::COUNT * KIND_OUTCOMES.len() {
        row / KIND_OUTCOMES.len()
    } else {
        Kind::COUNT
    }
}

fn row_outcome(_: usize, row: usize) -> usize {
    let kind_rows = Kind::COUNT * KIND_OUTCOMES.len();
    match row {
        r if r < kind_rows => r % KIND_OUTCOMES.len(),
        r if r == kind_rows => KIND_OUTCOMES.len() - 1,
        _ => OUTCOMES.len() - 1,
    }
}

/// The spill's layout: per arm, each row's value and its difference from the base arm.
pub fn shape(arms: usize) -> Shape {
    Shape {
        key: "arm",
        first_key: 0,
        keys: arms,
        rows_per_key: ROWS,
        labels: vec![
            Label {
                name: "kind",
                names: Kind::ALL
                    .iter()
                    .map(|k| k.name())
                    .chain([summary::ALL])
                    .collect(),
                of: row_kind,
            },
            Label {
                name: "outcome",
                names: OUTCOMES.to_vec(),
                of: row_outcome,
            },
        ],
        values: vec!["value", "difference"],
    }
}

/// One arm's outcomes in one replication, in `shape` row order (NaN where undefined).
pub fn outcome_values(s: &Scenario, r: &ReplicationResult) -> Vec<f64> {
    let counts = outcomes::survival_counts(s, &r.firms);
    let quintiles = outcomes::fragility_quintiles(s, &r.firms);
    let w = crisis_window(s);
    let in_window = || r.months.iter().filter(|m| w.contains(&m.month));
    let reference = outcomes::kind_outcome(s, &r.months, Kind::Conventional).crisis_hazard;
    let finite = |v: f64| if v.is_finite() { v } else { f64::NAN };
    let mut out = Vec::with_capacity(ROWS);
    for k in Kind::ALL {
        let h = outcomes::kind_headline(s, &r.months, &counts, &quintiles, k);
        let exits: f64 = in_window().map(|m| m.cells.kind_total(k).exits()).sum();
        out.extend(
            [
                h.survival_to_window_end,
                h.outcome.crisis_hazard,
                h.outcome.crisis_hazard / reference,
                h.outcome.employment_change,
                h.outcome.pay_change,
                h.outcome.reserves_share,
                h.outcome.leverage,
                h.fragile_exit_share,
                exits,
            ]
            .map(finite),
        );
    }
    let all_exits: f64 = in_window()
        .map(|m| {
            Kind::ALL
                .iter()
                .map(|k| m.cells.kind_total(*k).exits())
                .sum::<f64>()
        })
        .sum();
    out.push(all_exits);
    out.push(in_window().map(|m| m.economy.lever_cost()).sum());
    out
}

/// An arm's values in replication r beside their differences from the base arm's (`base`) in the
/// same replication, as the spill lays them out.
pub fn paired_with_base(values: &[f64], base: &[f64]) -> Vec<f64> {
    values
        .iter()
        .zip(base)
        .flat_map(|(v, b)| [*v, v - b])
        .collect()
}

/// One table of every arm's rows, led by the arm's number and label.
pub fn by_arm<'a>(
    arms: &[Arm],
    frames: impl Iterator<Item = &'a DataFrame>,
) -> PolarsResult<DataFrame> {
    let mut out: Option<DataFrame> = None;
    for (i, (arm, df)) in arms.iter().zip(frames).enumerate() {
        let mut df = df.clone();
        let n = df.height();
        df.insert_column(0, Column::new("label".into(), vec![arm.label.as_str(); n]))?;
        df.insert_column(0, Column::new("arm".into(), vec![i as u32; n]))?;
        match &mut out {
            Some(all) => {
                all.vstack_mut(&df)?;
            }
            None => out = Some(df),
        }
    }
    Ok(out.unwrap_or_default())
}

/// Mean and 95% interval of each outcome per arm and kind, and of its paired difference from the
/// base arm, with the arms' settings as columns.
pub fn summarise(spill: &mut Spill, plan: &Plan) -> PolarsResult<DataFrame> {
    let replications = plan.replications();
    let t = summary::t975(f64::from(replications) - 1.0);
    let interval = |c: &str, name: &str| {
        let half = lit(t) * col(c).std(1) / col(c).count().cast(DataType::Float64).sqrt();
        [
            col(c).mean().alias(name.to_string()),
            (col(c).mean() - half.clone()).alias(format!("{name}_ci_low")),
            (col(c).mean() + half).alias(format!("{name}_ci_high")),
        ]
    };
    let mut aggregations: Vec<Expr> = Vec::new();
    aggregations.extend(interval("value", "mean"));
    aggregations.extend(interval("difference", "difference"));
    aggregations.push(
        col("value")
            .count()
            .cast(DataType::UInt32)
            .alias("replications"),
    );
    // Each mean's interval is cut at its outcome's range (see `summary::within`). Blocks carry
    // the outcome as its code, its position in OUTCOMES.
    let cut = |column: &str| {
        (0u32..)
            .zip(OUTCOMES)
            .fold(col(column), |rest, (code, o)| {
                when(col("outcome").eq(lit(code)))
                    .then(summary::within(col(column), summary::outcome_range(o)))
                    .otherwise(rest)
            })
            .alias(column)
    };
    let stats = spill.summarise(|lf| {
        lf.group_by([col("arm"), col("kind"), col("outcome")])
            .agg(aggregations.clone())
            .with_columns([cut("mean_ci_low"), cut("mean_ci_high")])
            .sort(["arm", "kind", "outcome"], SortMultipleOptions::default())
    })?;
    let arms = arm_table(plan)?;
    let mut columns = vec![col("arm"), col("label")];
    if let Design::Sweep { keys } = &plan.design {
        columns.extend(keys.iter().map(|k| col(k.as_str())));
    }
    columns.extend(
        [
            "kind",
            "outcome",
            "mean",
            "mean_ci_low",
            "mean_ci_high",
            "difference",
            "difference_ci_low",
            "difference_ci_high",
            "replications",
        ]
        .map(col),
    );
    stats
        .lazy()
        .join(
            arms.lazy(),
            [col("arm")],
            [col("arm")],
            JoinArgs::new(JoinType::Left),
        )
        .select(columns)
        .collect()
}

/// One row per arm: its number, label and (for sweeps) the value of each varied key.
fn arm_table(plan: &Plan) -> PolarsResult<DataFrame> {
    let arms = &plan.arms;
    let mut columns = vec![
        Column::new("arm".into(), (0..arms.len() as u32).collect::<Vec<_>>()),
        Column::new(
            "label".into(),
            arms.iter().map(|a| a.label.as_str()).collect::<Vec<_>>(),
        ),
    ];
    if let Design::Sweep { keys } = &plan.design {
        for key in keys {
            // The value each arm runs with, read from its resolved scenario.
            let values: Vec<String> = arms.iter().map(|a| setting(&a.scenario, key)).collect();
            let numbers: Option<Vec<f64>> = values.iter().map(|v| v.parse::<f64>().ok()).collect();
            columns.push(match numbers {
                Some(n) => Column::new(key.as_str().into(), n),
                None => Column::new(key.as_str().into(), values),
            });
        }
    }
    DataFrame::new_infer_height(columns)
}
