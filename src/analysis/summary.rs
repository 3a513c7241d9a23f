//! Cross-replication statistics with polars. Each replication is reduced to the numbers of four
//! tables (monthly series by kind x sector, survival counts, fragility quintiles, headline
//! outcomes) that are spilled to disk as replications finish (`spill`), so memory does not grow
//! with the number of replications; polars then does every group-by and statistic, one block of
//! keys at a time. Nothing here knows the model's rules or the layout of the results folder.

use crate::experiment::{Label, Shape, Spill};

use polars::prelude::*;

use crate::analysis::outcomes::{
    FragilityQuintiles, KindHeadline, QUINTILES, SurvivalCounts, kind_group, sector_group,
};
use crate::model::{CellStats, Conversion, ExitReason, FirmRecord, MonthRecord, Origin};
use crate::scenario::{Kind, Sector};

/// Label of the rows that sum over kinds or over sectors.
pub const ALL: &str = "all";

/// The monthly series, per kind x sector cell, that the time-series table summarises.
pub const SERIES: [&str; 20] = [
    "firms",
    "entries",
    "exits",
    "exits_insolvency",
    "exits_negative_equity",
    "exits_background",
    "exits_closure",
    "exits_retirement",
    "exits_converted",
    "heads",
    "fte",
    "employment_index",
    "mean_pay",
    "pay_index",
    "reserves",
    "reserves_per_firm",
    "debt",
    "leverage",
    "credit_refused",
    "fund_support",
];

/// Series that add up across kinds and sectors (totals equal the sum of their parts).
pub const ADDITIVE: [&str; 15] = [
    "firms",
    "entries",
    "exits",
    "exits_insolvency",
    "exits_negative_equity",
    "exits_background",
    "exits_closure",
    "exits_retirement",
    "exits_converted",
    "heads",
    "fte",
    "reserves",
    "debt",
    "credit_refused",
    "fund_support",
];

/// Memory budget, in bytes, of the numbers of one block of spilled rows (all replications), which
/// is about what the summary holds at once.
pub const BLOCK_BUDGET: usize = 1 << 20;

fn ratio(a: f64, b: f64) -> Option<f64> {
    (b > 0.0 && a.is_finite()).then(|| a / b)
}

/// A cell's series. Ratios are `None` where their denominator is zero (no firms, no workers), so
/// the statistics skip them rather than average a NaN. Indices are relative to the same cell in
/// the base month (the month before onset), x 100.
fn series(c: &CellStats, base: &CellStats) -> [Option<f64>; 20] {
    let pay = |c: &CellStats| ratio(c.wage_bill, c.heads);
    [
        Some(c.firms),
        Some(c.entries),
        Some(c.exits()),
        Some(c.exits_insolvency),
        Some(c.exits_negative_equity),
        Some(c.exits_background),
        Some(c.exits_closure),
        Some(c.exits_retirement),
        Some(c.exits_converted),
        Some(c.heads),
        Some(c.fte),
        ratio(100.0 * c.heads, base.heads),
        pay(c),
        pay(c).zip(pay(base)).and_then(|(p, b)| ratio(100.0 * p, b)),
        Some(c.reserves),
        ratio(c.reserves, c.firms),
        Some(c.debt),
        ratio(c.debt, c.assets),
        Some(c.credit_refused),
        Some(c.fund_support),
    ]
}

/// The kind groups (each kind, then all kinds) with their labels.
fn kind_groups() -> impl Iterator<Item = (&'static str, Option<Kind>)> {
    Kind::ALL
        .iter()
        .map(|k| (k.name(), Some(*k)))
        .chain([(ALL, None)])
}

/// The sector groups (each sector, then all sectors) with their labels.
fn sector_groups() -> impl Iterator<Item = (&'static str, Option<Sector>)> {
    Sector::ALL
        .iter()
        .map(|s| (s.name(), Some(*s)))
        .chain([(ALL, None)])
}

fn cell(m: &MonthRecord, kind: Option<Kind>, sector: Option<Sector>) -> CellStats {
    match (kind, sector) {
        (Some(k), Some(s)) => *m.cells.cell(k, s),
        (Some(k), None) => m.cells.kind_total(k),
        (None, Some(s)) => m.cells.sector_total(s),
        (None, None) => {
            let mut t = CellStats::default();
            for k in Kind::ALL {
                t.add(&m.cells.kind_total(k));
            }
            t
        }
    }
}

/// Rows per month of the time-series tables: kinds (+ all) x sectors (+ all).
pub const CELLS_PER_MONTH: usize = (Kind::COUNT + 1) * (Sector::COUNT + 1);

fn kind_group_name(i: usize) -> &'static str {
    Kind::ALL.get(i).map_or(ALL, |k| k.name())
}

fn sector_group_name(i: usize) -> &'static str {
    Sector::ALL.get(i).map_or(ALL, |s| s.name())
}

/// The kind label: each kind, then all kinds; `of` picks the kind group of a row.
fn kind_label(of: fn(usize, usize) -> usize) -> Label {
    Label {
        name: "kind",
        names: (0..=Kind::COUNT).map(kind_group_name).collect(),
        of,
    }
}

/// The sector label of the kind x sector cells (kinds outer, sectors inner, totals last).
fn cell_labels() -> Vec<Label> {
    vec![
        kind_label(|_, row| row / (Sector::COUNT + 1)),
        Label {
            name: "sector",
            names: (0..=Sector::COUNT).map(sector_group_name).collect(),
            of: |_, row| row % (Sector::COUNT + 1),
        },
    ]
}

fn missing(v: Option<f64>) -> f64 {
    v.unwrap_or(f64::NAN)
}

/// The monthly series table: month x kind (+ all) x sector (+ all).
pub fn timeseries_shape(months: usize) -> Shape {
    Shape {
        key: "month",
        first_key: 0,
        keys: months,
        rows_per_key: CELLS_PER_MONTH,
        labels: cell_labels(),
        values: SERIES.to_vec(),
    }
}

/// One replication's monthly series, in `timeseries_shape` order. `base` is the index of the
/// month that indices are relative to.
pub fn timeseries_values(months: &[MonthRecord], base: usize) -> Vec<f64> {
    let mut out = Vec::with_capacity(months.len() * CELLS_PER_MONTH * SERIES.len());
    let base_month = &months[base.min(months.len() - 1)];
    for m in months {
        for (_, kind) in kind_groups() {
            for (_, sector) in sector_groups() {
                let values = series(&cell(m, kind, sector), &cell(base_month, kind, sector));
                out.extend(values.map(missing));
            }
        }
    }
    out
}

/// The survival table: months since onset (0..=horizon) x kind (+ all) x sector (+ all).
pub fn survival_shape(horizon: usize) -> Shape {
    Shape {
        key: "months_since_onset",
        first_key: 0,
        keys: horizon + 1,
        rows_per_key: CELLS_PER_MONTH,
        labels: cell_labels(),
        values: vec!["at_risk", "exits", "survival"],
    }
}

/// One replication's survival counts and its own Kaplan-Meier survival (missing for a group with
/// no firm at onset), in `survival_shape` order.
pub fn survival_values(counts: &SurvivalCounts) -> Vec<f64> {
    let mut out = Vec::with_capacity((counts.horizon + 1) * CELLS_PER_MONTH * 3);
    for t in 0..=counts.horizon {
        for (_, kind) in kind_groups() {
            for (_, sector) in sector_groups() {
                let (k, s) = (kind_group(kind), sector_group(sector));
                out.push(f64::from(counts.at_risk(k, s, t)));
                out.push(f64::from(counts.exits(k, s, t)));
                out.push(missing(counts.survival(k, s, t)));
            }
        }
    }
    out
}

/// The fragility table: quintile (1..=5) x kind (+ all).
pub fn fragility_shape() -> Shape {
    Shape {
        key: "quintile",
        first_key: 1,
        keys: QUINTILES,
        rows_per_key: Kind::COUNT + 1,
        labels: vec![kind_label(|_, row| row)],
        values: vec!["firms", "exits", "exit_share"],
    }
}

/// One replication's exits by fragility quintile at onset, in `fragility_shape` order.
pub fn fragility_values(q: &FragilityQuintiles) -> Vec<f64> {
    let mut out = Vec::with_capacity(QUINTILES * (Kind::COUNT + 1) * 3);
    for qi in 0..QUINTILES {
        for (_, kind) in kind_groups() {
            let k = kind_group(kind);
            out.push(f64::from(q.firms[k][qi]));
            out.push(f64::from(q.exits[k][qi]));
            out.push(missing(ratio(
                f64::from(q.exits[k][qi]),
                f64::from(q.firms[k][qi]),
            )));
        }
    }
    out
}

/// What one replication adds to the firm table: its firm records, each with its predecessor (for
/// a buyout co-op) and its fragility quintile. Plain data, built on the worker that ran the
/// replication and kept as it is with the finished unit (`experiment::units`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FirmRows {
    pub replication: u32,
    pub firms: Vec<FirmRecord>,
    pub predecessor: Vec<Option<u64>>,
    pub quintile: Vec<Option<u8>>,
}

impl FirmRows {
    pub fn new(
        replication: u32,
        firms: &[FirmRecord],
        conversions: &[Conversion],
        q: &FragilityQuintiles,
    ) -> FirmRows {
        // Both in order of id: each buyout co-op's predecessor, found in one merged pass.
        let mut pending = conversions.iter().peekable();
        let predecessor = firms
            .iter()
            .map(|f| pending.next_if(|c| c.coop == f.id).map(|c| c.predecessor))
            .collect();
        FirmRows {
            replication,
            firms: firms.to_vec(),
            predecessor,
            quintile: q.quintile.clone(),
        }
    }
}

/// One row per firm that lived in the replication (see `firms.parquet` in the README).
pub fn firms_frame(rows: &FirmRows) -> PolarsResult<DataFrame> {
    let FirmRows {
        replication,
        firms,
        predecessor,
        quintile,
    } = rows;
    let (replication, predecessor) = (*replication, predecessor.clone());
    let origin = |o: Origin| match o {
        Origin::Initial => "initial",
        Origin::Entry => "entry",
        Origin::Buyout => "buyout",
    };
    let onset = |get: fn(&crate::model::OnsetSnapshot) -> f64| -> Vec<Option<f64>> {
        firms.iter().map(|f| f.onset.as_ref().map(get)).collect()
    };
    DataFrame::new_infer_height(vec![
        Column::new("replication".into(), vec![replication; firms.len()]),
        Column::new(
            "firm_id".into(),
            firms.iter().map(|f| f.id).collect::<Vec<_>>(),
        ),
        Column::new(
            "kind".into(),
            firms.iter().map(|f| f.kind.name()).collect::<Vec<_>>(),
        ),
        Column::new(
            "sector".into(),
            firms.iter().map(|f| f.sector.name()).collect::<Vec<_>>(),
        ),
        Column::new(
            "origin".into(),
            firms.iter().map(|f| origin(f.origin)).collect::<Vec<_>>(),
        ),
        Column::new("predecessor_id".into(), predecessor),
        Column::new(
            "birth_month".into(),
            firms.iter().map(|f| f.birth_month).collect::<Vec<_>>(),
        ),
        Column::new(
            "exit_month".into(),
            firms
                .iter()
                .map(|f| f.exit.map(|e| e.0))
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "exit_reason".into(),
            firms
                .iter()
                .map(|f| f.exit.map(|e| ExitReason::name(e.1)))
                .collect::<Vec<_>>(),
        ),
        Column::new("onset_leverage".into(), onset(|o| o.leverage)),
        Column::new("onset_months_covered".into(), onset(|o| o.months_covered)),
        Column::new(
            "onset_heads".into(),
            firms
                .iter()
                .map(|f| f.onset.map(|o| o.heads))
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "crisis_min_heads".into(),
            firms.iter().map(|f| f.crisis_min_heads).collect::<Vec<_>>(),
        ),
        Column::new(
            "fragility_quintile".into(),
            quintile
                .iter()
                .map(|v| v.map(u32::from))
                .collect::<Vec<_>>(),
        ),
    ])
}

/// The headline outcomes of one replication and kind (the summary's input), in output order.
pub const HEADLINE: [&str; 10] = [
    "survival_to_window_end",
    "crisis_hazard",
    "hazard_ratio_vs_conventional",
    "employment_change",
    "pay_change",
    "reserves_share",
    "reserves_share_change",
    "leverage",
    "leverage_change",
    "fragile_exit_share",
];

/// The headline table: one row per kind, keyed by the kind's position.
pub fn headline_shape() -> Shape {
    Shape {
        key: "kind_order",
        first_key: 0,
        keys: Kind::COUNT,
        rows_per_key: 1,
        labels: vec![kind_label(|key, _| key)],
        values: HEADLINE.to_vec(),
    }
}

/// One replication's headline outcomes, in `headline_shape` order (NaN where undefined).
pub fn headline_values(input: &[KindHeadline; Kind::COUNT]) -> Vec<f64> {
    let reference = input[Kind::Conventional.index()].outcome.crisis_hazard;
    let getters: [fn(&KindHeadline, f64) -> f64; 10] = [
        |h, _| h.survival_to_window_end,
        |h, _| h.outcome.crisis_hazard,
        |h, r| h.outcome.crisis_hazard / r,
        |h, _| h.outcome.employment_change,
        |h, _| h.outcome.pay_change,
        |h, _| h.outcome.reserves_share,
        |h, _| h.reserves_share_at_window_end - h.outcome.reserves_share,
        |h, _| h.outcome.leverage,
        |h, _| h.leverage_at_window_end - h.outcome.leverage,
        |h, _| h.fragile_exit_share,
    ];
    let mut out = Vec::with_capacity(Kind::COUNT * HEADLINE.len());
    for h in input {
        for get in getters {
            let v = get(h, reference);
            out.push(if v.is_finite() { v } else { f64::NAN });
        }
    }
    out
}

fn bands(column: &str) -> [Expr; 3] {
    [
        col(column).mean().alias(format!("{column}_mean")),
        col(column)
            .quantile(lit(0.05), QuantileMethod::Linear)
            .alias(format!("{column}_q05")),
        col(column)
            .quantile(lit(0.95), QuantileMethod::Linear)
            .alias(format!("{column}_q95")),
    ]
}

/// Mean and 5%/95% bands of every series by month x kind x sector, across replications.
pub fn timeseries(spill: &mut Spill) -> PolarsResult<DataFrame> {
    let aggregations: Vec<Expr> = SERIES.iter().flat_map(|s| bands(s)).collect();
    let key = [col("month"), col("kind"), col("sector")];
    spill
        .summarise(|lf| lf.group_by(key.clone()).agg(aggregations.clone()))?
        .lazy()
        .sort(["month", "kind", "sector"], SortMultipleOptions::default())
        .collect()
}

/// Two-sided 95% quantile of Student's t with `df` degrees of freedom (its 0.975 quantile); NaN
/// below one degree of freedom, where an interval of a mean is not defined.
///
/// Up to 10,000 degrees of freedom it is statrs's inverse CDF, within 1e-12 of the exact value.
/// statrs inverts the regularised incomplete beta function, which loses accuracy as the degrees
/// of freedom grow (2e-7 relative at 50,000, 6e-5 at a million, no answer within minutes at
/// 1e9), so beyond 10,000 it is the expansion about the normal quantile (Abramowitz and Stegun
/// 26.7.5), whose first omitted term is below 1e-15 there.
pub fn t975(df: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, StudentsT};
    const STATRS_UP_TO: f64 = 10_000.0;
    const Z: f64 = 1.959_963_984_540_054;
    if df.is_nan() || df < 1.0 {
        return f64::NAN;
    }
    if df <= STATRS_UP_TO {
        return StudentsT::new(0.0, 1.0, df).map_or(f64::NAN, |t| t.inverse_cdf(0.975));
    }
    let (z3, z5, z7) = (Z.powi(3), Z.powi(5), Z.powi(7));
    Z + (z3 + Z) / (4.0 * df)
        + (5.0 * z5 + 16.0 * z3 + 3.0 * Z) / (96.0 * df * df)
        + (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * Z) / (384.0 * df * df * df)
}

/// The values an outcome can take: a share of firms cannot leave [0, 1], a hazard ratio cannot
/// be negative, employment cannot fall by more than all of it. Unbounded sides are infinite.
pub fn outcome_range(outcome: &str) -> (f64, f64) {
    match outcome {
        "survival_to_window_end" | "crisis_hazard" | "reserves_share" | "fragile_exit_share" => {
            (0.0, 1.0)
        }
        "reserves_share_change" => (-1.0, 1.0),
        "hazard_ratio_vs_conventional" | "leverage" | "exits" => (0.0, f64::INFINITY),
        "employment_change" | "pay_change" => (-1.0, f64::INFINITY),
        _ => (f64::NEG_INFINITY, f64::INFINITY),
    }
}

/// `e` kept within [lo, hi]: a t interval of a mean near a bound with few replications can
/// reach past what the outcome can take (survival of -22% to 155% at 2 replications); the
/// interval is cut at the bound, as for a Wald interval of a proportion.
pub fn within(e: Expr, (lo, hi): (f64, f64)) -> Expr {
    let mut e = e;
    if lo.is_finite() {
        e = when(e.clone().lt(lit(lo))).then(lit(lo)).otherwise(e);
    }
    if hi.is_finite() {
        e = when(e.clone().gt(lit(hi))).then(lit(hi)).otherwise(e);
    }
    e
}

/// Mean, 95% confidence interval of the mean (Student t across replications, cut at the
/// outcome's range), and the 5%/95% quantiles across replications, of one per-replication
/// outcome.
fn intervals(column: &str, t: f64) -> [Expr; 5] {
    let half_width =
        lit(t) * col(column).std(1) / col(column).count().cast(DataType::Float64).sqrt();
    let range = outcome_range(column);
    [
        col(column).mean().alias(format!("{column}_mean")),
        within(col(column).mean() - half_width.clone(), range).alias(format!("{column}_ci_low")),
        within(col(column).mean() + half_width, range).alias(format!("{column}_ci_high")),
        col(column)
            .quantile(lit(0.05), QuantileMethod::Linear)
            .alias(format!("{column}_q05")),
        col(column)
            .quantile(lit(0.95), QuantileMethod::Linear)
            .alias(format!("{column}_q95")),
    ]
}

/// Suffixes of the headline statistics, in column order.
pub const HEADLINE_STATS: [&str; 5] = ["mean", "ci_low", "ci_high", "q05", "q95"];

/// The headline outcomes by kind, in the model's kind order: mean, 95% CI of the mean and the
/// 5%/95% spread across replications.
pub fn headline(spill: &mut Spill, replications: u32) -> PolarsResult<DataFrame> {
    let t = t975(f64::from(replications) - 1.0);
    let aggregations: Vec<Expr> = HEADLINE.iter().flat_map(|s| intervals(s, t)).collect();
    let mut output = vec![col("kind"), col("replications")];
    for name in HEADLINE {
        for suffix in HEADLINE_STATS {
            output.push(col(format!("{name}_{suffix}")));
        }
    }
    let mut aggregations = aggregations;
    aggregations.push(
        col("replication")
            .count()
            .cast(DataType::UInt32)
            .alias("replications"),
    );
    spill
        .summarise(|lf| {
            lf.group_by([col("kind_order"), col("kind")])
                .agg(aggregations.clone())
        })?
        .lazy()
        .sort(["kind_order"], SortMultipleOptions::default())
        .select(output)
        .collect()
}

/// Kaplan-Meier survival of the firms alive at onset, by kind x sector (with totals), pooling the
/// firms of every replication: at risk and exits, survival, its 95% confidence band (Greenwood's
/// variance on the log(-log) scale), and the 5%/95% spread of the replications' own curves.
/// `onset` is the crisis onset month: `t` months since onset is the end of month `onset + t - 1`.
pub fn survival(spill: &mut Spill, onset: u32) -> PolarsResult<DataFrame> {
    let key = [col("kind"), col("sector"), col("months_since_onset")];
    let pooled = spill.summarise(|lf| {
        lf.group_by(key.clone()).agg([
            col("at_risk").sum(),
            col("exits").sum(),
            col("survival")
                .quantile(lit(0.05), QuantileMethod::Linear)
                .alias("replication_q05"),
            col("survival")
                .quantile(lit(0.95), QuantileMethod::Linear)
                .alias("replication_q95"),
        ])
    })?;
    let (n, d) = (col("at_risk"), col("exits"));
    let group = [col("kind"), col("sector")];
    let s = col("survival");
    // Greenwood: Var(log S) = sum d / (n (n - d)); on the log(-log S) scale its standard error is
    // sqrt(greenwood) / |log S|, and the band is S ^ exp(-/+ 1.96 se).
    let se = col("greenwood").sqrt() / (lit(0.0) - s.clone().log(lit(std::f64::consts::E)));
    let bound = |sign: f64| {
        when(s.clone().gt_eq(lit(1.0)))
            .then(lit(1.0))
            .when(s.clone().lt_eq(lit(0.0)))
            .then(lit(0.0))
            .otherwise(
                s.clone()
                    .pow((lit(sign * 1.959_963_984_540_054) * se.clone()).exp()),
            )
    };
    pooled
        .lazy()
        .filter(n.clone().gt(lit(0.0)))
        .sort(
            ["kind", "sector", "months_since_onset"],
            SortMultipleOptions::default(),
        )
        .with_columns([
            (lit(1.0) - d.clone() / n.clone())
                .cum_prod(false)
                .over(group.clone())?
                .alias("survival"),
            (d.clone() / (n.clone() * (n.clone() - d.clone())))
                .cum_sum(false)
                .over(group.clone())?
                .alias("greenwood"),
        ])
        .with_columns([bound(1.0).alias("ci_low"), bound(-1.0).alias("ci_high")])
        .select([
            col("kind"),
            col("sector"),
            col("months_since_onset"),
            (col("months_since_onset").cast(DataType::Int64) + lit(i64::from(onset) - 1))
                .alias("month"),
            n.cast(DataType::UInt64).alias("at_risk"),
            d.cast(DataType::UInt64).alias("exits"),
            col("survival"),
            col("ci_low"),
            col("ci_high"),
            col("replication_q05"),
            col("replication_q95"),
        ])
        .collect()
}

/// Exits in the crisis window by fragility quintile at onset and kind (+ all): firms and exits
/// pooled over replications, the pooled exit share, and the 5%/95% spread of replications' shares.
pub fn fragility(spill: &mut Spill) -> PolarsResult<DataFrame> {
    spill
        .summarise(|lf| {
            lf.group_by([col("quintile"), col("kind")]).agg([
                col("firms").sum().cast(DataType::UInt64),
                col("exits").sum().cast(DataType::UInt64),
                col("exit_share")
                    .quantile(lit(0.05), QuantileMethod::Linear)
                    .alias("exit_share_q05"),
                col("exit_share")
                    .quantile(lit(0.95), QuantileMethod::Linear)
                    .alias("exit_share_q95"),
            ])
        })?
        .lazy()
        .with_column(
            when(col("firms").gt(lit(0)))
                .then(col("exits").cast(DataType::Float64) / col("firms").cast(DataType::Float64))
                .otherwise(lit(NULL).cast(DataType::Float64))
                .alias("exit_share"),
        )
        .sort(["quintile", "kind"], SortMultipleOptions::default())
        .select([
            col("quintile"),
            col("kind"),
            col("firms"),
            col("exits"),
            col("exit_share"),
            col("exit_share_q05"),
            col("exit_share_q95"),
        ])
        .collect()
}

/// The exit hazard ratio of each co-op kind against conventional SMEs in the crisis window: mean
/// over replications of each replication's ratio, with its 95% confidence interval and spread.
pub fn hazard_ratios(headline: &DataFrame) -> PolarsResult<DataFrame> {
    let h = "hazard_ratio_vs_conventional";
    headline
        .clone()
        .lazy()
        .filter(col("kind").neq(lit(Kind::Conventional.name())))
        .select([
            col("kind"),
            col("replications"),
            col("crisis_hazard_mean"),
            col(format!("{h}_mean")).alias("hazard_ratio"),
            col(format!("{h}_ci_low")).alias("ci_low"),
            col(format!("{h}_ci_high")).alias("ci_high"),
            col(format!("{h}_q05")).alias("q05"),
            col(format!("{h}_q95")).alias("q95"),
        ])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;

    #[test]
    fn the_t_quantile_matches_exact_values() {
        // t_{0.975} to nine decimals, as R's qt(0.975, df) gives them; past 10,000 degrees of
        // freedom, on either side of the switch from statrs to the expansion, and the normal
        // quantile in the limit.
        for (df, exact) in [
            (1.0, 12.706_204_736),
            (2.0, 4.302_652_730),
            (3.0, 3.182_446_305),
            (10.0, 2.228_138_852),
            (30.0, 2.042_272_456),
            (10_000.0, 1.960_201_240),
            (10_001.0, 1.960_201_216),
            (1e5, 1.959_987_708),
            (1e9, 1.959_963_987),
            (1e12, 1.959_963_985),
        ] {
            let t = t975(df);
            assert!((t - exact).abs() < 1e-8, "df {df}: {t} against {exact}");
        }
        assert!(t975(0.0).is_nan() && t975(0.5).is_nan() && t975(f64::NAN).is_nan());
        let mut previous = t975(1.0);
        for df in 2..=20_000 {
            let t = t975(f64::from(df));
            assert!(
                t < previous,
                "the quantile falls with the degrees of freedom: {df}"
            );
            previous = t;
        }
    }

    #[test]
    fn each_buyout_row_names_the_firm_its_workers_took_over() {
        let record = |id, origin, exit| FirmRecord {
            id,
            kind: Kind::Conventional,
            sector: Sector::Manufacturing,
            origin,
            birth_month: 5,
            exit,
            onset: None,
            crisis_min_heads: None,
        };
        let converted = Some((5, ExitReason::Converted));
        let firms = [
            record(0, Origin::Initial, converted),
            record(1, Origin::Entry, None),
            record(2, Origin::Buyout, None),
            record(4, Origin::Initial, converted),
            record(7, Origin::Buyout, None),
            record(8, Origin::Entry, None),
        ];
        let conversions = [
            Conversion {
                coop: 2,
                predecessor: 0,
            },
            Conversion {
                coop: 7,
                predecessor: 4,
            },
        ];
        let q = crate::analysis::outcomes::fragility_quintiles(&Scenario::default(), &firms);
        let df = firms_frame(&FirmRows::new(3, &firms, &conversions, &q)).unwrap();
        let column = df.column("predecessor_id").unwrap().u64().unwrap();
        let predecessors: Vec<Option<u64>> = column.iter().collect();
        assert_eq!(predecessors, [None, None, Some(0), None, Some(4), None]);
    }
}
