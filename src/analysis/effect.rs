//! The crisis effect of a run: each replication against the same replication of its control (the
//! scenario without its shock, `Scenario::without_shock`: same seed, firms and random streams),
//! so that what the crisis did is a paired difference, baseline minus control, with a 95%
//! interval over replications (MODEL.md 8, "Outcome measures compare with the control").
//!
//! `paired` reduces one pair to a few numbers per kind (and for all firms) and one short series
//! per kind; `CrisisEffect` folds them into running means in replication order, so memory does
//! not grow with replications and the bits do not depend on the thread count. Plain records in,
//! plain numbers (and their tables) out; no files, no charts.

use std::ops::Range;

use polars::prelude::*;

use super::estimate::{Estimate, Running};
use super::metrics::{Filter, Metric, Replication, Value, paired_index};
use crate::analysis::outcomes::{SurvivalCounts, group_survival_to_window_end, pay_per_worker};
use crate::model::{MonthRecord, YearOnYear, crisis_window};
use crate::scenario::{Kind, Scenario};

/// Groups of firms the effect is measured on: each kind in `Kind::ALL` order, then all firms.
pub const GROUPS: usize = Kind::COUNT + 1;

/// The kind of a group (`None`: all firms).
pub fn group_kind(group: usize) -> Option<Kind> {
    Kind::ALL.get(group).copied()
}

/// The label of a group in tables: the kind's name, or `all`.
pub fn group_name(group: usize) -> &'static str {
    group_kind(group).map_or(crate::analysis::summary::ALL, Kind::name)
}

/// A crisis-effect measure: each is the scenario's outcome against its control's in the same
/// replication, in the unit its id ends with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// Heads against the control, relative to the month before onset, averaged over the crisis
    /// window (minus `Metric::JobLoss`), %.
    Employment,
    /// The same in the window's month where the mean over replications is lowest (the month is
    /// chosen on the mean path, so the noise of a minimum does not pass for an effect), %.
    EmploymentWorstMonth,
    /// Exits in the crisis window beyond the control's, per 100 firms alive the month before
    /// onset (`Metric::ExcessExits`).
    ExtraExits,
    /// Survival of the firms alive at onset to the end of the crisis window, minus the control's,
    /// percentage points.
    Survival,
    /// Pay per worker against the control, relative to the month before onset, averaged over the
    /// crisis window, %.
    PayPerWorker,
}

impl Measure {
    pub const ALL: [Measure; 5] = [
        Measure::Employment,
        Measure::EmploymentWorstMonth,
        Measure::ExtraExits,
        Measure::Survival,
        Measure::PayPerWorker,
    ];

    /// Its name in tables (`crisis_effect.csv`, the headline's `crisis_effect_<id>_*` columns).
    pub fn id(self) -> &'static str {
        match self {
            Measure::Employment => "employment_vs_control_pct",
            Measure::EmploymentWorstMonth => "employment_vs_control_worst_month_pct",
            Measure::ExtraExits => "extra_exits_vs_control_per_100_firms",
            Measure::Survival => "survival_vs_control_pp",
            Measure::PayPerWorker => "pay_per_worker_vs_control_pct",
        }
    }

    /// Its row label in the printed and Markdown headline.
    pub fn label(self) -> &'static str {
        match self {
            Measure::Employment => "employment against the control, window mean, %",
            Measure::EmploymentWorstMonth => "employment against the control, worst month, %",
            Measure::ExtraExits => "extra exits against the control, per 100 firms",
            Measure::Survival => "survival against the control, pp",
            Measure::PayPerWorker => "pay per worker against the control, window mean, %",
        }
    }

    /// The values it can take: a share of jobs or pay cannot fall by more than all of it, nor
    /// survival differ by more than 100 points. Intervals are cut there, as the headline's are
    /// (`summary::outcome_range`), which matters only with a handful of replications.
    fn range(self) -> (f64, f64) {
        match self {
            Measure::Employment | Measure::EmploymentWorstMonth | Measure::PayPerWorker => {
                (-100.0, f64::INFINITY)
            }
            Measure::Survival => (-100.0, 100.0),
            Measure::ExtraExits => (f64::NEG_INFINITY, f64::INFINITY),
        }
    }

    /// Its place among the per-replication numbers (`None` for the worst month, which is taken
    /// from the monthly series).
    fn scalar(self) -> Option<usize> {
        match self {
            Measure::Employment => Some(0),
            Measure::EmploymentWorstMonth => None,
            Measure::ExtraExits => Some(1),
            Measure::Survival => Some(2),
            Measure::PayPerWorker => Some(3),
        }
    }
}

const SCALARS: usize = 4;

/// What the effect reads of one side of a pair: its month records, and the survival of its firms
/// alive at onset to the end of the crisis window (taken from its firm records, which need not
/// be kept once it is).
#[derive(Debug, Clone, Copy)]
pub struct Side<'a> {
    pub months: &'a [MonthRecord],
    pub survival_to_window_end: [f64; GROUPS],
}

/// Survival to the end of the crisis window of each group's firms alive at onset.
pub fn survival_to_window_end(s: &Scenario, counts: &SurvivalCounts) -> [f64; GROUPS] {
    std::array::from_fn(|g| group_survival_to_window_end(s, counts, group_kind(g)))
}

/// One replication's crisis effect: baseline minus control, in each measure's unit (NaN where a
/// group has no firms to measure).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PairedEffect {
    scalars: [[f64; SCALARS]; GROUPS],
    /// Heads against the control each recorded month, relative to the month before onset, %.
    employment_by_month: Vec<[f64; GROUPS]>,
}

fn scalar(v: Value) -> f64 {
    match v {
        Value::Scalar(x) => x,
        Value::Candidates { .. } => f64::NAN,
    }
}

/// The crisis effect in one replication of `s`: `base` is the replication, `control` the same
/// replication of `s.without_shock()`.
pub fn paired(s: &Scenario, base: &Side, control: &Side) -> PairedEffect {
    let no_tallies = YearOnYear::default();
    let view = |months| Replication {
        scenario: s,
        months,
        firms: &[],
        year_on_year: &no_tallies,
    };
    let (b, c) = (view(base.months), view(control.months));
    let window = crisis_window(s);
    let months = base.months.len().min(control.months.len());
    let mut employment_by_month = vec![[f64::NAN; GROUPS]; months];
    let mut scalars = [[f64::NAN; SCALARS]; GROUPS];
    for (g, row) in scalars.iter_mut().enumerate() {
        let filter = Filter {
            kind: group_kind(g),
            sector: None,
        };
        let heads = paired_index(&b, &c, filter, |x| x.heads);
        for (t, month) in employment_by_month.iter_mut().enumerate() {
            month[g] = 100.0 * (heads(t) - 1.0);
        }
        let pay = paired_index(&b, &c, filter, pay_per_worker);
        let pay_change: f64 =
            window.clone().map(|t| pay(t as usize) - 1.0).sum::<f64>() / window.len() as f64;
        // Adding 0 turns the -0 of a loss of nothing into 0.
        *row = [
            -100.0 * scalar(Metric::JobLoss { filter }.evaluate(&b, Some(&c))) + 0.0,
            100.0 * scalar(Metric::ExcessExits { filter }.evaluate(&b, Some(&c))),
            100.0 * (base.survival_to_window_end[g] - control.survival_to_window_end[g]),
            100.0 * pay_change,
        ];
    }
    PairedEffect {
        scalars,
        employment_by_month,
    }
}

/// The running estimates of every measure, fed one replication at a time in replication order.
#[derive(Debug, Clone, PartialEq)]
pub struct CrisisEffect {
    window: Range<u32>,
    scalars: [[Running; SCALARS]; GROUPS],
    employment_by_month: Vec<[Running; GROUPS]>,
}

impl CrisisEffect {
    pub fn new(s: &Scenario) -> CrisisEffect {
        CrisisEffect {
            window: crisis_window(s),
            scalars: [[Running::default(); SCALARS]; GROUPS],
            employment_by_month: vec![[Running::default(); GROUPS]; s.months as usize],
        }
    }

    pub fn push(&mut self, p: &PairedEffect) {
        for (running, values) in self.scalars.iter_mut().zip(&p.scalars) {
            for (r, v) in running.iter_mut().zip(values) {
                r.push(*v);
            }
        }
        for (running, values) in self
            .employment_by_month
            .iter_mut()
            .zip(&p.employment_by_month)
        {
            for (r, v) in running.iter_mut().zip(values) {
                r.push(*v);
            }
        }
    }

    /// A measure's mean and 95% interval over replications in a group (cut at what the measure
    /// can take), and for the worst month the month it was taken at.
    pub fn estimate(&self, group: usize, measure: Measure) -> (Estimate, Option<u32>) {
        let (e, month) = self.raw_estimate(group, measure);
        (within(e, measure.range()), month)
    }

    fn raw_estimate(&self, group: usize, measure: Measure) -> (Estimate, Option<u32>) {
        if let Some(i) = measure.scalar() {
            return (self.scalars[group][i].estimate(), None);
        }
        // The window's month with the lowest mean (the first of equals).
        let mut worst: Option<u32> = None;
        for t in self.window.clone() {
            let Some(m) = self.employment_by_month.get(t as usize) else {
                break;
            };
            let mean = m[group].mean();
            let lower = |w: u32| mean < self.employment_by_month[w as usize][group].mean();
            if mean.is_finite() && worst.is_none_or(lower) {
                worst = Some(t);
            }
        }
        match worst {
            Some(t) => (
                self.employment_by_month[t as usize][group].estimate(),
                Some(t),
            ),
            None => (Running::default().estimate(), None),
        }
    }

    /// Each month's employment against the control in a group, %, month 0 first.
    pub fn employment_by_month(&self, group: usize) -> Vec<Estimate> {
        self.employment_by_month
            .iter()
            .map(|m| within(m[group].estimate(), Measure::Employment.range()))
            .collect()
    }

    /// `crisis_effect.csv`: one row per group x measure, with its mean, 95% interval, the
    /// replications it was defined in and, for the worst month, which month.
    pub fn table(&self) -> PolarsResult<DataFrame> {
        let (mut kind, mut measure, mut label) = (Vec::new(), Vec::new(), Vec::new());
        let (mut mean, mut low, mut high) = (Vec::new(), Vec::new(), Vec::new());
        let (mut replications, mut month) = (Vec::new(), Vec::new());
        for g in 0..GROUPS {
            for m in Measure::ALL {
                let (e, at) = self.estimate(g, m);
                kind.push(group_name(g));
                measure.push(m.id());
                label.push(m.label());
                mean.push(finite(e.mean));
                low.push(finite(e.low));
                high.push(finite(e.high));
                replications.push(e.n);
                month.push(at);
            }
        }
        DataFrame::new_infer_height(vec![
            Column::new("kind".into(), kind),
            Column::new("measure".into(), measure),
            Column::new("label".into(), label),
            Column::new("mean".into(), mean),
            Column::new("ci_low".into(), low),
            Column::new("ci_high".into(), high),
            Column::new("replications".into(), replications),
            Column::new("month".into(), month),
        ])
    }

    /// `crisis_effect_monthly.csv`: employment against the control by month and group, %, with
    /// its 95% interval (the chart's lines and bands).
    pub fn monthly_table(&self) -> PolarsResult<DataFrame> {
        let (mut month, mut kind) = (Vec::new(), Vec::new());
        let (mut mean, mut low, mut high, mut n) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (t, groups) in self.employment_by_month.iter().enumerate() {
            for (g, r) in groups.iter().enumerate() {
                let e = within(r.estimate(), Measure::Employment.range());
                month.push(t as u32);
                kind.push(group_name(g));
                mean.push(finite(e.mean));
                low.push(finite(e.low));
                high.push(finite(e.high));
                n.push(e.n);
            }
        }
        let id = Measure::Employment.id();
        DataFrame::new_infer_height(vec![
            Column::new("month".into(), month),
            Column::new("kind".into(), kind),
            Column::new(format!("{id}_mean").into(), mean),
            Column::new(format!("{id}_ci_low").into(), low),
            Column::new(format!("{id}_ci_high").into(), high),
            Column::new("replications".into(), n),
        ])
    }
}

/// `e` with its interval cut at `lo` and `hi`.
fn within(e: Estimate, (lo, hi): (f64, f64)) -> Estimate {
    let cut = |v: f64| if v.is_finite() { v.clamp(lo, hi) } else { v };
    Estimate {
        low: cut(e.low),
        high: cut(e.high),
        ..e
    }
}

/// A value for a table: missing (not NaN) where it is undefined.
fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

/// The headline with the crisis effect's columns beside the levels: for each measure,
/// `crisis_effect_<id>_mean`, `_ci_low` and `_ci_high`, on each kind's row.
pub fn with_effect_columns(headline: &DataFrame, e: &CrisisEffect) -> PolarsResult<DataFrame> {
    let kinds = headline.column("kind")?.str()?.clone();
    let groups: Vec<Option<usize>> = kinds
        .iter()
        .map(|k| Kind::ALL.iter().position(|x| Some(x.name()) == k))
        .collect();
    let mut out = headline.clone();
    for m in Measure::ALL {
        let estimates: Vec<Option<Estimate>> = groups
            .iter()
            .map(|g| g.map(|g| e.estimate(g, m).0))
            .collect();
        let stat = |f: fn(&Estimate) -> f64| -> Vec<Option<f64>> {
            estimates
                .iter()
                .map(|e| e.as_ref().map(f).filter(|v| v.is_finite()))
                .collect()
        };
        for (suffix, values) in [
            ("mean", stat(|e| e.mean)),
            ("ci_low", stat(|e| e.low)),
            ("ci_high", stat(|e| e.high)),
        ] {
            let name = format!("{}_{suffix}", effect_column(m));
            out.with_column(Column::new(name.into(), values))?;
        }
    }
    Ok(out)
}

/// The stem of a crisis-effect measure's columns in the headline.
pub fn effect_column(m: Measure) -> String {
    format!("crisis_effect_{}", m.id())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Cells, EconomyStats};
    use crate::scenario::Sector;

    /// Window months 12-19 of a 24-month horizon (onset 12, 4 months at depth, 4 of recovery).
    fn scenario() -> Scenario {
        let mut s = Scenario {
            months: 24,
            ..Scenario::default()
        };
        s.crisis.onset_month = 12;
        s.crisis.fall_months = 2;
        s.crisis.duration_months = 4;
        s.crisis.recovery_months = 4;
        s
    }

    /// Conventional manufacturing firms: (firms at risk, exits, heads, pay per worker) by month.
    fn path(f: impl Fn(usize) -> (f64, f64, f64, f64)) -> Vec<MonthRecord> {
        (0..24)
            .map(|t| {
                let mut m = MonthRecord {
                    month: t as u32,
                    cells: Cells::default(),
                    economy: EconomyStats::default(),
                    demand_index: [1.0; Sector::COUNT],
                };
                let (firms, exits, heads, pay) = f(t);
                let c = m.cells.cell_mut(Kind::Conventional, Sector::Manufacturing);
                c.firms = firms - exits;
                c.exits_background = exits;
                c.heads = heads;
                c.wage_bill = heads * pay;
                m
            })
            .collect()
    }

    /// A side whose conventional firms (and so all firms) have `survival`; other kinds have none.
    fn side(months: &[MonthRecord], survival: f64) -> Side<'_> {
        let measured = [Kind::Conventional.index(), ALL_FIRMS];
        Side {
            months,
            survival_to_window_end: std::array::from_fn(|g| {
                if measured.contains(&g) {
                    survival
                } else {
                    f64::NAN
                }
            }),
        }
    }

    const ALL_FIRMS: usize = Kind::COUNT;

    #[test]
    fn a_known_crisis_gives_its_effect_in_every_measure() {
        let s = scenario();
        // Control: 5 exits a month among 500 firms, 100 heads paid 2. Crisis, in the window: 8
        // exits a month, 90 heads (80 in month 15), paid 1.9.
        let control = path(|_| (500.0, 5.0, 100.0, 2.0));
        let crisis = path(|t| match t {
            15 => (500.0, 8.0, 80.0, 1.9),
            12..20 => (500.0, 8.0, 90.0, 1.9),
            _ => (500.0, 5.0, 100.0, 2.0),
        });
        let p = paired(&s, &side(&crisis, 0.8), &side(&control, 0.9));
        let mut e = CrisisEffect::new(&s);
        e.push(&p);
        e.push(&p);
        let close = |g, m: Measure, want: f64| {
            let (got, _) = e.estimate(g, m);
            assert!(
                (got.mean - want).abs() < 1e-9,
                "{m:?}: {got:?}, want {want}"
            );
            assert!((got.low - got.mean).abs() < 1e-9 && (got.high - got.mean).abs() < 1e-9);
            assert_eq!(got.n, 2);
        };
        for g in [Kind::Conventional.index(), ALL_FIRMS] {
            // Seven months 10% short and one 20%: 11.25% on average.
            close(g, Measure::Employment, -11.25);
            close(g, Measure::EmploymentWorstMonth, -20.0);
            // 24 extra exits over the 495 firms alive the month before onset.
            close(g, Measure::ExtraExits, 100.0 * 24.0 / 495.0);
            close(g, Measure::Survival, -10.0);
            close(g, Measure::PayPerWorker, -5.0);
        }
        assert_eq!(
            e.estimate(ALL_FIRMS, Measure::EmploymentWorstMonth).1,
            Some(15)
        );
        // Before onset the paths are the same: no effect, to the bit.
        let by_month = e.employment_by_month(ALL_FIRMS);
        assert!(by_month[..12].iter().all(|m| m.mean == 0.0));
        // A kind with no firms has no effect to report, not a zero.
        let (none, month) = e.estimate(Kind::WorkerCoop.index(), Measure::Employment);
        assert!(none.mean.is_nan() && none.n == 0 && month.is_none());
        let table = e.table().unwrap();
        assert_eq!(table.height(), GROUPS * Measure::ALL.len());
        assert_eq!(
            table.column("mean").unwrap().null_count(),
            4 * Measure::ALL.len()
        );
    }

    #[test]
    fn the_worst_month_is_the_deepest_mean_shortfall_not_the_mean_of_each_replication_s_worst() {
        let s = scenario();
        let control = path(|_| (500.0, 5.0, 100.0, 2.0));
        let crisis = |deep: [(usize, f64); 2]| {
            path(move |t| {
                let heads = deep.iter().find(|(m, _)| *m == t).map_or(
                    if (12..20).contains(&t) { 90.0 } else { 100.0 },
                    |(_, h)| *h,
                );
                (500.0, 5.0, heads, 2.0)
            })
        };
        // Replication 1 is worst in month 13 (-30%), replication 2 in month 15 (-25%); on average
        // month 15 is worst (-22.5% against -20%).
        let one = crisis([(13, 70.0), (15, 80.0)]);
        let two = crisis([(13, 90.0), (15, 75.0)]);
        let mut e = CrisisEffect::new(&s);
        for r in [&one, &two] {
            e.push(&paired(&s, &side(r, 1.0), &side(&control, 1.0)));
        }
        let (worst, month) = e.estimate(ALL_FIRMS, Measure::EmploymentWorstMonth);
        assert_eq!(month, Some(15));
        assert!((worst.mean + 22.5).abs() < 1e-9, "{worst:?}");
    }

    #[test]
    fn intervals_stop_at_what_a_measure_can_take_with_two_replications() {
        // Survival 100 points lower, then no lower: t with one degree of freedom is 12.7, so the
        // plain interval would run from -685 to 585 points.
        let s = scenario();
        let r = path(|_| (500.0, 5.0, 100.0, 2.0));
        let mut e = CrisisEffect::new(&s);
        e.push(&paired(&s, &side(&r, 0.0), &side(&r, 1.0)));
        e.push(&paired(&s, &side(&r, 1.0), &side(&r, 1.0)));
        let (survival, _) = e.estimate(ALL_FIRMS, Measure::Survival);
        assert_eq!(
            (survival.mean, survival.low, survival.high),
            (-50.0, -100.0, 100.0)
        );
    }

    #[test]
    fn a_replication_paired_with_itself_has_no_effect_to_the_bit() {
        let s = scenario();
        let r = path(|t| {
            (
                500.0,
                5.0 + t as f64 % 3.0,
                100.0 - t as f64,
                2.0 + 0.01 * t as f64,
            )
        });
        let mut e = CrisisEffect::new(&s);
        for _ in 0..3 {
            e.push(&paired(&s, &side(&r, 0.7), &side(&r, 0.7)));
        }
        for m in Measure::ALL {
            let (got, _) = e.estimate(ALL_FIRMS, m);
            assert_eq!(
                (got.mean, got.low, got.high, got.n),
                (0.0, 0.0, 0.0, 3),
                "{m:?}"
            );
            assert!(got.mean.is_sign_positive(), "{m:?} reads -0");
        }
    }
}
