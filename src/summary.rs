//! Cross-replication statistics with polars. Each replication is reduced to small long tables
//! (monthly series by kind x sector, survival counts, fragility quintiles, headline outcomes) that
//! are spilled to Parquet as replications finish, so memory does not grow with the number of
//! replications; polars then does every group-by and statistic, block by block. Nothing here knows
//! the model's rules or the layout of the results folder.

use std::fs::File;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::model::{CellStats, ExitReason, FirmRecord, MonthRecord, Origin};
use crate::outcomes::{
    FragilityQuintiles, KindOutcome, QUINTILES, SurvivalCounts, kind_group, sector_group,
};
use crate::scenario::{Kind, Sector};

/// Label of the rows that sum over kinds or over sectors.
pub const ALL: &str = "all";

/// The monthly series, per kind x sector cell, that the time-series table summarises.
pub const SERIES: [&str; 18] = [
    "firms",
    "entries",
    "exits",
    "exits_insolvency",
    "exits_negative_equity",
    "exits_background",
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
pub const ADDITIVE: [&str; 13] = [
    "firms",
    "entries",
    "exits",
    "exits_insolvency",
    "exits_negative_equity",
    "exits_background",
    "exits_converted",
    "heads",
    "fte",
    "reserves",
    "debt",
    "credit_refused",
    "fund_support",
];

/// Memory budget, in bytes, for one block of spilled rows held at once (while buffering
/// replications before a write, and while polars summarises one block).
const BLOCK_BUDGET: usize = 8 << 20;

fn ratio(a: f64, b: f64) -> Option<f64> {
    (b > 0.0 && a.is_finite()).then(|| a / b)
}

/// A cell's series. Ratios are `None` where their denominator is zero (no firms, no workers), so
/// the statistics skip them rather than average a NaN. Indices are relative to the same cell in
/// the base month (the month before onset), x 100.
fn series(c: &CellStats, base: &CellStats) -> [Option<f64>; 18] {
    let pay = |c: &CellStats| ratio(c.wage_bill, c.heads);
    [
        Some(c.firms),
        Some(c.entries),
        Some(c.exits()),
        Some(c.exits_insolvency),
        Some(c.exits_negative_equity),
        Some(c.exits_background),
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

/// One replication's months as long rows, month by month: month x kind (+ all) x sector (+ all).
/// `base` is the index of the month that indices are relative to.
pub fn replication_frame(
    replication: u32,
    months: &[MonthRecord],
    base: usize,
) -> PolarsResult<DataFrame> {
    let rows = months.len() * CELLS_PER_MONTH;
    let mut month_col = Vec::with_capacity(rows);
    let mut kind_col: Vec<&str> = Vec::with_capacity(rows);
    let mut sector_col: Vec<&str> = Vec::with_capacity(rows);
    let mut values: Vec<Vec<Option<f64>>> = vec![Vec::with_capacity(rows); SERIES.len()];
    let base_month = &months[base.min(months.len() - 1)];
    for m in months {
        for (kind_name, kind) in kind_groups() {
            for (sector_name, sector) in sector_groups() {
                let c = cell(m, kind, sector);
                let b = cell(base_month, kind, sector);
                month_col.push(m.month);
                kind_col.push(kind_name);
                sector_col.push(sector_name);
                for (column, v) in values.iter_mut().zip(series(&c, &b)) {
                    column.push(v);
                }
            }
        }
    }
    let mut columns = vec![
        Column::new("replication".into(), vec![replication; rows]),
        Column::new("month".into(), month_col),
        Column::new("kind".into(), kind_col),
        Column::new("sector".into(), sector_col),
    ];
    for (name, v) in SERIES.iter().zip(values) {
        columns.push(Column::new((*name).into(), v));
    }
    DataFrame::new_infer_height(columns)
}

/// One replication's survival counts as long rows, by months since onset (0..=horizon) x kind
/// (+ all) x sector (+ all), with the replication's own Kaplan-Meier survival (null for a group
/// with no firm at onset).
pub fn survival_frame(
    replication: u32,
    onset: u32,
    counts: &SurvivalCounts,
) -> PolarsResult<DataFrame> {
    let (mut t_col, mut month_col, mut kind_col, mut sector_col) = (vec![], vec![], vec![], vec![]);
    let (mut risk_col, mut exit_col, mut surv_col) = (vec![], vec![], vec![]);
    for t in 0..=counts.horizon {
        for (kind_name, kind) in kind_groups() {
            for (sector_name, sector) in sector_groups() {
                let (k, s) = (kind_group(kind), sector_group(sector));
                let survival = counts.survival(k, s, t);
                t_col.push(t as u32);
                month_col.push(onset as i64 + t as i64 - 1);
                kind_col.push(kind_name);
                sector_col.push(sector_name);
                risk_col.push(counts.at_risk(k, s, t));
                exit_col.push(counts.exits(k, s, t));
                surv_col.push(survival);
            }
        }
    }
    DataFrame::new_infer_height(vec![
        Column::new("replication".into(), vec![replication; t_col.len()]),
        Column::new("months_since_onset".into(), t_col),
        Column::new("month".into(), month_col),
        Column::new("kind".into(), kind_col),
        Column::new("sector".into(), sector_col),
        Column::new("at_risk".into(), risk_col),
        Column::new("exits".into(), exit_col),
        Column::new("survival".into(), surv_col),
    ])
}

/// One replication's exits by fragility quintile at onset: quintile x kind (+ all).
pub fn fragility_frame(replication: u32, q: &FragilityQuintiles) -> PolarsResult<DataFrame> {
    let (mut quintile, mut kind_col, mut firms, mut exits, mut share) =
        (vec![], vec![], vec![], vec![], vec![]);
    for qi in 0..QUINTILES {
        for (kind_name, kind) in kind_groups() {
            let k = kind_group(kind);
            quintile.push(qi as u32 + 1);
            kind_col.push(kind_name);
            firms.push(q.firms[k][qi]);
            exits.push(q.exits[k][qi]);
            share.push(ratio(f64::from(q.exits[k][qi]), f64::from(q.firms[k][qi])));
        }
    }
    DataFrame::new_infer_height(vec![
        Column::new("replication".into(), vec![replication; quintile.len()]),
        Column::new("quintile".into(), quintile),
        Column::new("kind".into(), kind_col),
        Column::new("firms".into(), firms),
        Column::new("exits".into(), exits),
        Column::new("exit_share".into(), share),
    ])
}

/// One row per firm that lived in the replication (see `firms.parquet` in the README).
pub fn firms_frame(
    replication: u32,
    firms: &[FirmRecord],
    q: &FragilityQuintiles,
) -> PolarsResult<DataFrame> {
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
            q.quintile
                .iter()
                .map(|v| v.map(u32::from))
                .collect::<Vec<_>>(),
        ),
    ])
}

/// The headline outcomes of one replication and kind (the summary's input), in output order.
pub const HEADLINE: [&str; 9] = [
    "survival_to_window_end",
    "crisis_hazard",
    "hazard_ratio_vs_conventional",
    "employment_change",
    "pay_change",
    "reserves_share",
    "leverage",
    "leverage_change",
    "fragile_exit_share",
];

/// What the headline rows of one replication are made of, per kind.
#[derive(Debug, Clone, Copy)]
pub struct HeadlineInput {
    pub outcome: KindOutcome,
    pub survival_to_window_end: f64,
    pub fragile_exit_share: f64,
    /// Debt over assets at the end of the crisis window.
    pub leverage_at_window_end: f64,
}

/// Per-replication headline rows for one replication, one per kind.
pub fn headline_rows(
    replication: u32,
    input: &[HeadlineInput; Kind::COUNT],
) -> PolarsResult<DataFrame> {
    let reference = input[Kind::Conventional.index()].outcome.crisis_hazard;
    let finite = |v: f64| v.is_finite().then_some(v);
    let getters: [fn(&HeadlineInput, f64) -> f64; 9] = [
        |h, _| h.survival_to_window_end,
        |h, _| h.outcome.crisis_hazard,
        |h, r| h.outcome.crisis_hazard / r,
        |h, _| h.outcome.employment_change,
        |h, _| h.outcome.pay_change,
        |h, _| h.outcome.reserves_share,
        |h, _| h.outcome.leverage,
        |h, _| h.leverage_at_window_end - h.outcome.leverage,
        |h, _| h.fragile_exit_share,
    ];
    let mut columns = vec![
        Column::new("replication".into(), vec![replication; Kind::COUNT]),
        Column::new(
            "kind_order".into(),
            (0..Kind::COUNT as u32).collect::<Vec<_>>(),
        ),
        Column::new("kind".into(), Kind::ALL.map(|k| k.name()).to_vec()),
    ];
    for (name, get) in HEADLINE.iter().zip(getters) {
        let v: Vec<Option<f64>> = input.iter().map(|h| finite(get(h, reference))).collect();
        columns.push(Column::new((*name).into(), v));
    }
    DataFrame::new_infer_height(columns)
}

/// Rows spilled to Parquet as replications arrive, split by a key column (month, months since
/// onset, quintile, ...) into blocks small enough to summarise one at a time. Each replication's
/// frame must hold `rows_per_key` rows for each of `keys` consecutive key values, in key order.
///
/// Memory: at most about `BLOCK_BUDGET` bytes of buffered replications, and a block never holds
/// more than about `BLOCK_BUDGET` bytes of all replications together (unless one key of one
/// replication is already larger).
pub struct Spill {
    dir: PathBuf,
    stem: String,
    replications: usize,
    layout: Option<Layout>,
    buffered: Vec<Vec<DataFrame>>,
    buffered_replications: usize,
    writers: Vec<Option<polars::io::parquet::write::BatchedWriter<File>>>,
    paths: Vec<PathBuf>,
}

#[derive(Debug, Clone, Copy)]
struct Layout {
    keys_per_block: usize,
    blocks: usize,
    rows_per_key: usize,
    /// Replications buffered before they are written.
    batch: usize,
}

impl Spill {
    /// A spill writing `<dir>/<stem>-<block>.parquet`, for `replications` replications.
    pub fn new(dir: &Path, stem: &str, replications: u32) -> Spill {
        Spill {
            dir: dir.to_path_buf(),
            stem: stem.to_string(),
            replications: replications.max(1) as usize,
            layout: None,
            buffered: Vec::new(),
            buffered_replications: 0,
            writers: Vec::new(),
            paths: Vec::new(),
        }
    }

    fn plan(&mut self, frame: &DataFrame, keys: usize) -> Layout {
        let keys = keys.max(1);
        let bytes = frame.estimated_size().max(1);
        let per_key = bytes.div_ceil(keys);
        let keys_per_block = (BLOCK_BUDGET / (per_key * self.replications)).clamp(1, keys);
        let blocks = keys.div_ceil(keys_per_block);
        let layout = Layout {
            keys_per_block,
            blocks,
            rows_per_key: frame.height() / keys,
            batch: (BLOCK_BUDGET / bytes).clamp(1, self.replications),
        };
        self.buffered = vec![Vec::new(); blocks];
        self.writers = (0..blocks).map(|_| None).collect();
        self.paths = (0..blocks)
            .map(|b| self.dir.join(format!("{}-{b:04}.parquet", self.stem)))
            .collect();
        layout
    }

    /// Adds one replication's frame of `keys` key values.
    pub fn write(&mut self, frame: &DataFrame, keys: usize) -> PolarsResult<()> {
        let layout = match self.layout {
            Some(l) => l,
            None => {
                let l = self.plan(frame, keys);
                self.layout = Some(l);
                l
            }
        };
        let rows_per_block = layout.keys_per_block * layout.rows_per_key;
        for b in 0..layout.blocks {
            let slice = frame.slice((b * rows_per_block) as i64, rows_per_block);
            self.buffered[b].push(slice);
        }
        self.buffered_replications += 1;
        if self.buffered_replications >= layout.batch {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> PolarsResult<()> {
        for b in 0..self.buffered.len() {
            let parts = std::mem::take(&mut self.buffered[b]);
            let Some(first) = parts.first() else { continue };
            let mut block = first.clone();
            for part in &parts[1..] {
                block.vstack_mut(part)?;
            }
            if self.writers[b].is_none() {
                let file = File::create(&self.paths[b])?;
                self.writers[b] = Some(ParquetWriter::new(file).batched(block.schema())?);
            }
            self.writers[b]
                .as_mut()
                .expect("created above")
                .write_batch(&block)?;
        }
        self.buffered_replications = 0;
        Ok(())
    }

    /// Writes what is buffered, closes the files and returns their paths in key order.
    pub fn finish(mut self) -> PolarsResult<Vec<PathBuf>> {
        self.flush()?;
        for w in self.writers.iter().flatten() {
            w.finish()?;
        }
        let written: Vec<PathBuf> = self
            .paths
            .iter()
            .zip(&self.writers)
            .filter(|(_, w)| w.is_some())
            .map(|(p, _)| p.clone())
            .collect();
        Ok(written)
    }
}

fn scan(path: &Path) -> PolarsResult<LazyFrame> {
    let path = path.to_string_lossy().into_owned();
    LazyFrame::scan_parquet(PlRefPath::new(path.as_str()), ScanArgsParquet::default())
}

/// Runs `query` on each block and stacks the results.
fn per_block(paths: &[PathBuf], query: impl Fn(LazyFrame) -> LazyFrame) -> PolarsResult<DataFrame> {
    let mut out: Option<DataFrame> = None;
    for path in paths {
        let part = query(scan(path)?).collect()?;
        match &mut out {
            Some(o) => {
                o.vstack_mut(&part)?;
            }
            None => out = Some(part),
        }
    }
    out.ok_or_else(|| PolarsError::NoData("no replication was summarised".into()))
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
pub fn timeseries(blocks: &[PathBuf]) -> PolarsResult<DataFrame> {
    let aggregations: Vec<Expr> = SERIES.iter().flat_map(|s| bands(s)).collect();
    let key = [col("month"), col("kind"), col("sector")];
    per_block(blocks, |lf| {
        lf.group_by(key.clone()).agg(aggregations.clone())
    })?
    .lazy()
    .sort(["month", "kind", "sector"], SortMultipleOptions::default())
    .collect()
}

/// Two-sided 95% quantile of Student's t with `df` degrees of freedom (Cornish-Fisher expansion
/// about the normal quantile; within 0.2% of the exact value from 3 degrees of freedom, and exact
/// tables are not worth a dependency for 1 and 2).
pub fn t975(df: f64) -> f64 {
    const Z: f64 = 1.959_963_984_540_054;
    match df {
        d if d < 1.0 => f64::NAN,
        d if d < 1.5 => 12.706_204_736,
        d if d < 2.5 => 4.302_652_730,
        d => {
            let (z3, z5, z7) = (Z.powi(3), Z.powi(5), Z.powi(7));
            Z + (z3 + Z) / (4.0 * d)
                + (5.0 * z5 + 16.0 * z3 + 3.0 * Z) / (96.0 * d * d)
                + (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * Z) / (384.0 * d * d * d)
        }
    }
}

/// Mean, 95% confidence interval of the mean (Student t across replications), and the 5%/95%
/// quantiles across replications, of one per-replication outcome.
fn intervals(column: &str, t: f64) -> [Expr; 5] {
    let half_width =
        lit(t) * col(column).std(1) / col(column).count().cast(DataType::Float64).sqrt();
    [
        col(column).mean().alias(format!("{column}_mean")),
        (col(column).mean() - half_width.clone()).alias(format!("{column}_ci_low")),
        (col(column).mean() + half_width).alias(format!("{column}_ci_high")),
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
pub fn headline(blocks: &[PathBuf], replications: u32) -> PolarsResult<DataFrame> {
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
    per_block(blocks, |lf| {
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
pub fn survival(blocks: &[PathBuf]) -> PolarsResult<DataFrame> {
    let key = [col("kind"), col("sector"), col("months_since_onset")];
    let pooled = per_block(blocks, |lf| {
        lf.group_by(key.clone()).agg([
            col("month").first(),
            col("at_risk").sum().cast(DataType::Float64),
            col("exits").sum().cast(DataType::Float64),
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
            col("month"),
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
pub fn fragility(blocks: &[PathBuf]) -> PolarsResult<DataFrame> {
    per_block(blocks, |lf| {
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
