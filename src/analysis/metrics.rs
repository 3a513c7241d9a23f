//! The validation metrics (VALIDATION.md): what one replication says about a published figure.
//! Each takes one replication's records (and, for measures against the control, the paired
//! control replication: the same seed and firms without the shock) and returns its value in that
//! replication; `estimate` takes them across replications.
//!
//! Months are recorded months (0 is the first month after the warm-up); `onset` is the
//! scenario's crisis onset and the crisis window is `model::crisis_window`.

use std::ops::Range;

use crate::model::{CellStats, FirmRecord, MonthRecord, Origin, YearOnYear, crisis_window};
use crate::scenario::{Kind, Scenario, Sector};

/// What a metric reads of one replication.
#[derive(Debug, Clone, Copy)]
pub struct Replication<'a> {
    pub scenario: &'a Scenario,
    pub months: &'a [MonthRecord],
    /// One record per firm that ever lived (needed by cohort survival only).
    pub firms: &'a [FirmRecord],
    pub year_on_year: &'a YearOnYear,
}

/// The firms a series or count is taken over: a kind, a sector, both, or all firms.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Filter {
    pub kind: Option<Kind>,
    pub sector: Option<Sector>,
}

impl Filter {
    pub fn kind(kind: Kind) -> Filter {
        Filter {
            kind: Some(kind),
            sector: None,
        }
    }

    /// The month's cells of these firms, summed.
    pub fn cells(&self, m: &MonthRecord) -> CellStats {
        let mut total = CellStats::default();
        for k in Kind::ALL {
            for s in Sector::ALL {
                if self.kind.is_none_or(|x| x == k) && self.sector.is_none_or(|x| x == s) {
                    total.add(m.cells.cell(k, s));
                }
            }
        }
        total
    }
}

/// Months a hazard is measured over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    /// The whole recorded horizon.
    Horizon,
    /// The scenario's crisis window.
    Crisis,
}

/// A firm-level variable whose year-on-year volatility is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variable {
    /// Log pay per worker (the year's wage bill over its worker-months).
    Pay,
    /// Log mean headcount over the year.
    Heads,
}

/// A monthly series of a group of firms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Series {
    /// Reserves over assets (share).
    ReservesShare,
    /// Debt over assets (share).
    DebtShare,
    /// Mean hours as a share of full time (FTE over heads).
    Hours,
    /// Headcount; its drift is relative (month 119 over month 0, minus 1).
    Heads,
}

impl Series {
    fn of(self, c: &CellStats) -> f64 {
        match self {
            Series::ReservesShare => ratio(c.reserves, c.assets),
            Series::DebtShare => ratio(c.debt, c.assets),
            Series::Hours => ratio(c.fte, c.heads),
            Series::Heads => c.heads,
        }
    }
}

/// The metric vocabulary of a targets file.
#[derive(Debug, Clone, PartialEq)]
pub enum Metric {
    /// Share of the new firms of a kind (entrants and buyouts) born in recorded months
    /// `onset + cohort.start .. onset + cohort.end` still alive `age_months` after birth.
    CohortSurvival {
        kind: Kind,
        cohort: Range<i32>,
        age_months: u32,
    },
    /// Exit hazard of `kind` over `reference`'s (all exits, per firm-month at risk), over a
    /// window; stratified by sector with the Mantel-Haenszel rate ratio, or crude.
    HazardRatio {
        kind: Kind,
        reference: Kind,
        window: Window,
        stratified: bool,
    },
    /// Pay per worker (wage bill, refunds included, over heads) of `kind` relative to
    /// `reference`'s within each sector over the `months` before onset, minus 1, pooled over
    /// sectors with the reference's headcount weights.
    PayGap {
        kind: Kind,
        reference: Kind,
        months: u32,
    },
    /// Standard deviation of the year-on-year change of a firm-level variable among firms alive
    /// in both years, `kind` over `reference`.
    VolatilityRatio {
        variable: Variable,
        kind: Kind,
        reference: Kind,
    },
    /// Death rate (exits per firm at risk) in the worst `window_months` of the crisis over the
    /// control's in the same months. Candidates: every window starting in the crisis window
    /// that ends within the horizon; the worst is the one whose mean death rate is highest.
    DeathRateRatio { filter: Filter, window_months: u32 },
    /// Fall in employment over fall in sales (revenue), each against the control and relative to
    /// the month before onset, each at its trough in the crisis window (the months where the
    /// mean falls are deepest).
    EmploymentElasticity { filter: Filter },
    /// Exits in the crisis window beyond the control's, per firm alive the month before onset.
    ExcessExits { filter: Filter },
    /// Mean shortfall of employment against the control over the crisis window, relative to the
    /// month before onset (0.05: 5% fewer jobs than without the crisis, on average).
    JobLoss { filter: Filter },
    /// Change of a series from the first recorded month to the last: a difference for shares and
    /// hours, relative for heads.
    Drift { series: Series, filter: Filter },
    /// A series in the month before onset.
    AtOnset { series: Series, filter: Filter },
}

/// A metric's value in one replication.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Value {
    Scalar(f64),
    /// One value per candidate month, with the score whose mean picks the candidate.
    Candidates {
        values: Vec<f64>,
        scores: Vec<f64>,
    },
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 { a / b } else { f64::NAN }
}

/// The month before onset (or month 0 if the crisis starts at once).
fn pre_crisis(s: &Scenario) -> usize {
    s.crisis.onset_month.saturating_sub(1) as usize
}

/// Firms at risk of exit during a month: those alive at its start (entrants come after exits).
fn at_risk(c: &CellStats) -> f64 {
    c.firms + c.exits() - c.entries
}

impl Metric {
    /// Whether the metric is measured against the paired control.
    pub fn needs_control(&self) -> bool {
        matches!(
            self,
            Metric::DeathRateRatio { .. }
                | Metric::EmploymentElasticity { .. }
                | Metric::ExcessExits { .. }
                | Metric::JobLoss { .. }
        )
    }

    /// Whether the value is one number per replication (not candidates), so it can be paired.
    pub fn is_scalar(&self) -> bool {
        !matches!(
            self,
            Metric::DeathRateRatio { .. } | Metric::EmploymentElasticity { .. }
        )
    }

    /// Whether the firm records are needed (otherwise months and tallies suffice).
    pub fn needs_firms(&self) -> bool {
        matches!(self, Metric::CohortSurvival { .. })
    }

    /// Why the metric cannot be measured on this scenario (a window outside the horizon), if so.
    pub fn unmeasurable(&self, s: &Scenario) -> Option<String> {
        let onset = i64::from(s.crisis.onset_month);
        let months = i64::from(s.months);
        match self {
            Metric::CohortSurvival {
                cohort, age_months, ..
            } => {
                let last_birth = onset + i64::from(cohort.end) - 1;
                let seen_until = last_birth + i64::from(*age_months);
                (cohort.start >= cohort.end).then(|| "the cohort's months are empty".to_string())
                    .or_else(|| (onset + i64::from(cohort.start) < -i64::from(s.warmup_months)).then(|| {
                        format!("the cohort starts before the warm-up (month {})", -i64::from(s.warmup_months))
                    }))
                    .or_else(|| (seen_until > months - 1).then(|| format!(
                        "firms born up to month {last_birth} must be followed to month {seen_until}, past the horizon's last month {}",
                        months - 1
                    )))
            }
            Metric::PayGap { months: m, .. } => (i64::from(*m) > onset || *m == 0).then(|| {
                format!("needs {m} recorded months before onset (month {onset}); there are {onset}")
            }),
            Metric::DeathRateRatio { window_months, .. } => {
                let w = crisis_window(s);
                (*window_months == 0 || i64::from(w.start) + i64::from(*window_months) > months)
                    .then(|| format!("no {window_months}-month window starting in the crisis fits in the horizon"))
            }
            Metric::Drift { .. } => (s.months < 2).then(|| "needs two recorded months".to_string()),
            _ => None,
        }
    }

    /// The metric in one replication (`control`: the paired replication without the shock,
    /// required when `needs_control`).
    pub fn evaluate(&self, r: &Replication, control: Option<&Replication>) -> Value {
        let s = r.scenario;
        let control = || control.expect("the caller pairs every metric that needs a control");
        match self {
            Metric::CohortSurvival {
                kind,
                cohort,
                age_months,
            } => Value::Scalar(cohort_survival(r, *kind, cohort, *age_months)),
            Metric::HazardRatio {
                kind,
                reference,
                window,
                stratified,
            } => {
                let months = match window {
                    Window::Horizon => 0..s.months,
                    Window::Crisis => crisis_window(s),
                };
                Value::Scalar(hazard_ratio(
                    &r.months[months.start as usize..months.end as usize],
                    *kind,
                    *reference,
                    *stratified,
                ))
            }
            Metric::PayGap {
                kind,
                reference,
                months,
            } => {
                let onset = s.crisis.onset_month as usize;
                let before = &r.months[onset - *months as usize..onset];
                Value::Scalar(pay_gap(before, *kind, *reference))
            }
            Metric::VolatilityRatio {
                variable,
                kind,
                reference,
            } => {
                let m = match variable {
                    Variable::Pay => &r.year_on_year.pay,
                    Variable::Heads => &r.year_on_year.heads,
                };
                Value::Scalar(ratio(m[kind.index()].sd(), m[reference.index()].sd()))
            }
            Metric::DeathRateRatio {
                filter,
                window_months,
            } => death_rate_ratio(r, control(), *filter, *window_months),
            Metric::EmploymentElasticity { filter } => elasticity(r, control(), *filter),
            Metric::ExcessExits { filter } => {
                let c = control();
                let w = crisis_window(s);
                let exits = |x: &Replication| -> f64 {
                    x.months[w.start as usize..w.end as usize]
                        .iter()
                        .map(|m| filter.cells(m).exits())
                        .sum()
                };
                let firms = filter.cells(&r.months[pre_crisis(s)]).firms;
                Value::Scalar(ratio(exits(r) - exits(c), firms))
            }
            Metric::JobLoss { filter } => {
                let index = paired_index(r, control(), *filter, |c| c.heads);
                let w = crisis_window(s);
                let losses: Vec<f64> = w.map(|t| 1.0 - index(t as usize)).collect();
                Value::Scalar(losses.iter().sum::<f64>() / losses.len() as f64)
            }
            Metric::Drift { series, filter } => {
                let first = series.of(&filter.cells(&r.months[0]));
                let last = series.of(&filter.cells(&r.months[r.months.len() - 1]));
                Value::Scalar(match series {
                    Series::Heads => ratio(last, first) - 1.0,
                    _ => last - first,
                })
            }
            Metric::AtOnset { series, filter } => {
                Value::Scalar(series.of(&filter.cells(&r.months[pre_crisis(s)])))
            }
        }
    }
}

fn cohort_survival(r: &Replication, kind: Kind, cohort: &Range<i32>, age_months: u32) -> f64 {
    let onset = r.scenario.crisis.onset_month as i32;
    let born = (onset + cohort.start)..(onset + cohort.end);
    let (mut firms, mut survivors) = (0u32, 0u32);
    for f in r.firms {
        if f.kind != kind || f.origin == Origin::Initial || !born.contains(&f.birth_month) {
            continue;
        }
        firms += 1;
        // Alive at the end of month `birth + age`: an exit in month m ends the firm in m.
        let survived = f
            .exit
            .is_none_or(|(m, _)| m > f.birth_month + age_months as i32);
        survivors += u32::from(survived);
    }
    ratio(f64::from(survivors), f64::from(firms))
}

/// Rate ratio of exits per firm-month at risk, `kind` over `reference`; with `stratified`, the
/// Mantel-Haenszel estimator over sectors (Rothman, Greenland & Lash, Modern Epidemiology,
/// ch. 15), which compares like with like when the kinds' sector mixes differ.
pub fn hazard_ratio(months: &[MonthRecord], kind: Kind, reference: Kind, stratified: bool) -> f64 {
    let mut strata = [[0.0f64; 4]; Sector::COUNT];
    for m in months {
        for s in Sector::ALL {
            let (a, b) = (m.cells.cell(kind, s), m.cells.cell(reference, s));
            let x = &mut strata[s.index()];
            x[0] += a.exits();
            x[1] += at_risk(a);
            x[2] += b.exits();
            x[3] += at_risk(b);
        }
    }
    if !stratified {
        let total = strata.iter().fold([0.0; 4], |mut t, x| {
            for i in 0..4 {
                t[i] += x[i];
            }
            t
        });
        return ratio(ratio(total[0], total[1]), ratio(total[2], total[3]));
    }
    let (mut numerator, mut denominator) = (0.0, 0.0);
    for [d1, t1, d0, t0] in strata {
        let t = t1 + t0;
        if t1 > 0.0 && t0 > 0.0 {
            numerator += d1 * t0 / t;
            denominator += d0 * t1 / t;
        }
    }
    ratio(numerator, denominator)
}

/// Within-sector pay gap of `kind` against `reference`, pooled with the reference's headcount
/// weights over the sectors where both have workers.
pub fn pay_gap(months: &[MonthRecord], kind: Kind, reference: Kind) -> f64 {
    let (mut weighted, mut weights) = (0.0, 0.0);
    for s in Sector::ALL {
        let (mut kw, mut kh, mut rw, mut rh) = (0.0, 0.0, 0.0, 0.0);
        for m in months {
            let (a, b) = (m.cells.cell(kind, s), m.cells.cell(reference, s));
            kw += a.wage_bill;
            kh += a.heads;
            rw += b.wage_bill;
            rh += b.heads;
        }
        let relative = ratio(ratio(kw, kh), ratio(rw, rh));
        if relative.is_finite() {
            weighted += rh * relative;
            weights += rh;
        }
    }
    ratio(weighted, weights) - 1.0
}

/// A series of the replication against the paired control's, relative to the month before
/// onset: `index(t)` is 1 where the crisis made no difference by month `t`.
pub fn paired_index<'a>(
    r: &'a Replication,
    control: &'a Replication,
    filter: Filter,
    series: impl Fn(&CellStats) -> f64 + 'a,
) -> impl Fn(usize) -> f64 + 'a {
    let pre = pre_crisis(r.scenario);
    let relative = move |t: usize| {
        ratio(
            series(&filter.cells(&r.months[t])),
            series(&filter.cells(&control.months[t])),
        )
    };
    let base = relative(pre);
    move |t| ratio(relative(t), base)
}

fn death_rate_ratio(r: &Replication, control: &Replication, filter: Filter, window: u32) -> Value {
    let w = crisis_window(r.scenario);
    let last_start = r.scenario.months - window;
    let rate = |x: &Replication, start: u32| {
        let (mut exits, mut firm_months) = (0.0, 0.0);
        for m in &x.months[start as usize..(start + window) as usize] {
            let c = filter.cells(m);
            exits += c.exits();
            firm_months += at_risk(&c);
        }
        ratio(exits, firm_months)
    };
    let (mut values, mut scores) = (Vec::new(), Vec::new());
    for start in w.start..=last_start.min(w.end - 1) {
        let crisis = rate(r, start);
        values.push(ratio(crisis, rate(control, start)));
        scores.push(crisis);
    }
    Value::Candidates { values, scores }
}

/// Candidates are every pair (employment trough, sales trough) of crisis-window months; the score
/// is the sum of the two falls, so the pair chosen is each series' deepest mean fall.
fn elasticity(r: &Replication, control: &Replication, filter: Filter) -> Value {
    let w = crisis_window(r.scenario);
    let employment = paired_index(r, control, filter, |c| c.heads);
    let sales = paired_index(r, control, filter, |c| c.revenue);
    let months: Vec<usize> = w.map(|t| t as usize).collect();
    let employment_fall: Vec<f64> = months.iter().map(|&t| 1.0 - employment(t)).collect();
    let sales_fall: Vec<f64> = months.iter().map(|&t| 1.0 - sales(t)).collect();
    let n = months.len();
    let (mut values, mut scores) = (Vec::with_capacity(n * n), Vec::with_capacity(n * n));
    for e in &employment_fall {
        for s in &sales_fall {
            values.push(e / s);
            scores.push(e + s);
        }
    }
    Value::Candidates { values, scores }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Cells, EconomyStats, ExitReason};

    fn month(t: u32) -> MonthRecord {
        MonthRecord {
            month: t,
            cells: Cells::default(),
            economy: EconomyStats::default(),
            demand_index: [1.0; Sector::COUNT],
        }
    }

    /// Months in which `kind` in `sector` has `firms` at risk and `exits` exits each month.
    fn set(m: &mut MonthRecord, kind: Kind, sector: Sector, firms: f64, exits: f64) {
        let c = m.cells.cell_mut(kind, sector);
        c.firms = firms - exits;
        c.exits_background = exits;
    }

    #[test]
    fn hazard_ratio_of_constant_rates_is_their_ratio() {
        // Co-ops exit at 1% a month, conventional firms at 2%, in every month: HR 0.5.
        let months: Vec<MonthRecord> = (0..10)
            .map(|t| {
                let mut m = month(t);
                set(&mut m, Kind::WorkerCoop, Sector::Manufacturing, 200.0, 2.0);
                set(
                    &mut m,
                    Kind::Conventional,
                    Sector::Manufacturing,
                    500.0,
                    10.0,
                );
                m
            })
            .collect();
        for stratified in [false, true] {
            let hr = hazard_ratio(&months, Kind::WorkerCoop, Kind::Conventional, stratified);
            assert!((hr - 0.5).abs() < 1e-12, "{hr}");
        }
    }

    #[test]
    fn stratified_hazard_ratio_removes_the_sector_mix() {
        // Within each sector co-ops exit at half the conventional rate, but co-ops sit mostly in
        // the risky sector: the crude ratio is confounded (1.26 here), Mantel-Haenszel gives 0.5.
        let mut m = month(0);
        // Safe sector: conventional 1000 at 1%, co-ops 100 at 0.5%.
        set(
            &mut m,
            Kind::Conventional,
            Sector::SocialServices,
            1000.0,
            10.0,
        );
        set(&mut m, Kind::WorkerCoop, Sector::SocialServices, 100.0, 0.5);
        // Risky sector: conventional 100 at 10%, co-ops 1000 at 5%.
        set(
            &mut m,
            Kind::Conventional,
            Sector::Construction,
            100.0,
            10.0,
        );
        set(&mut m, Kind::WorkerCoop, Sector::Construction, 1000.0, 50.0);
        let months = [m];
        let crude = hazard_ratio(&months, Kind::WorkerCoop, Kind::Conventional, false);
        assert!((crude - (50.5 / 1100.0) / (20.0 / 1100.0)).abs() < 1e-12);
        let mh = hazard_ratio(&months, Kind::WorkerCoop, Kind::Conventional, true);
        assert!((mh - 0.5).abs() < 1e-12, "{mh}");
    }

    #[test]
    fn pay_gap_is_within_sector_with_reference_weights() {
        let mut m = month(0);
        let mut put = |kind, sector, heads: f64, pay: f64| {
            let c = m.cells.cell_mut(kind, sector);
            c.heads = heads;
            c.wage_bill = heads * pay;
        };
        // Co-ops pay 10% less in manufacturing and 20% less in social services; conventional
        // workers are 3 to 1 in manufacturing. Pooled: 0.75 * -10% + 0.25 * -20% = -12.5%,
        // whatever the co-ops' own mix (here mostly in low-pay social services).
        put(Kind::Conventional, Sector::Manufacturing, 300.0, 2.5);
        put(Kind::Conventional, Sector::SocialServices, 100.0, 1.5);
        put(Kind::WorkerCoop, Sector::Manufacturing, 10.0, 2.25);
        put(Kind::WorkerCoop, Sector::SocialServices, 500.0, 1.2);
        let gap = pay_gap(&[m.clone(), m], Kind::WorkerCoop, Kind::Conventional);
        assert!((gap + 0.125).abs() < 1e-12, "{gap}");
    }

    fn scenario() -> Scenario {
        let mut s = Scenario {
            months: 24,
            ..Scenario::default()
        };
        s.crisis.onset_month = 12;
        s
    }

    fn record(id: u64, kind: Kind, origin: Origin, birth: i32, exit: Option<i32>) -> FirmRecord {
        FirmRecord {
            id,
            kind,
            sector: Sector::Manufacturing,
            origin,
            birth_month: birth,
            exit: exit.map(|m| (m, ExitReason::Background)),
            onset: None,
            crisis_min_heads: None,
        }
    }

    #[test]
    fn cohort_survival_counts_new_firms_of_the_cohort_alive_at_the_age() {
        let s = scenario();
        let y = YearOnYear::default();
        let firms = [
            // In the cohort (born months 0-11, onset 12, cohort -12..0), age 6:
            record(0, Kind::Conventional, Origin::Entry, 2, None), // survives
            record(1, Kind::Conventional, Origin::Entry, 2, Some(8)), // exits at age 6: no
            record(2, Kind::Conventional, Origin::Entry, 2, Some(9)), // alive at end of 8: yes
            record(3, Kind::Conventional, Origin::Entry, 11, Some(14)), // no
            // Not in it: an initial firm, another kind, born too late.
            record(4, Kind::Conventional, Origin::Initial, 2, Some(3)),
            record(5, Kind::WorkerCoop, Origin::Entry, 2, Some(3)),
            record(6, Kind::Conventional, Origin::Entry, 12, Some(13)),
        ];
        let r = Replication {
            scenario: &s,
            months: &[],
            firms: &firms,
            year_on_year: &y,
        };
        let metric = Metric::CohortSurvival {
            kind: Kind::Conventional,
            cohort: -12..0,
            age_months: 6,
        };
        assert_eq!(metric.evaluate(&r, None), Value::Scalar(0.5));
        assert!(metric.unmeasurable(&s).is_none());
        let too_old = Metric::CohortSurvival {
            kind: Kind::Conventional,
            cohort: -12..0,
            age_months: 13,
        };
        assert!(too_old.unmeasurable(&s).is_some());
    }

    #[test]
    fn volatility_ratio_is_the_ratio_of_standard_deviations() {
        let s = scenario();
        let mut y = YearOnYear::default();
        for x in [-0.2, 0.0, 0.2] {
            y.pay[Kind::WorkerCoop.index()].push(x);
            y.pay[Kind::Conventional.index()].push(x / 4.0);
        }
        let r = Replication {
            scenario: &s,
            months: &[],
            firms: &[],
            year_on_year: &y,
        };
        let m = Metric::VolatilityRatio {
            variable: Variable::Pay,
            kind: Kind::WorkerCoop,
            reference: Kind::Conventional,
        };
        let Value::Scalar(v) = m.evaluate(&r, None) else {
            panic!("scalar")
        };
        assert!((v - 4.0).abs() < 1e-9, "{v}");
    }

    /// A 24-month economy of conventional manufacturing firms with the given path of at-risk firms,
    /// exits, heads and revenue.
    fn path(f: impl Fn(usize) -> (f64, f64, f64, f64)) -> Vec<MonthRecord> {
        (0..24)
            .map(|t| {
                let mut m = month(t as u32);
                let (firms, exits, heads, revenue) = f(t);
                set(
                    &mut m,
                    Kind::Conventional,
                    Sector::Manufacturing,
                    firms,
                    exits,
                );
                let c = m.cells.cell_mut(Kind::Conventional, Sector::Manufacturing);
                c.heads = heads;
                c.revenue = revenue;
                m
            })
            .collect()
    }

    #[test]
    fn death_rate_ratio_takes_the_worst_window_against_the_control() {
        let mut s = scenario();
        s.crisis.fall_months = 2;
        s.crisis.duration_months = 4;
        s.crisis.recovery_months = 4;
        let y = YearOnYear::default();
        // Control: 1% a month throughout. Crisis: 2% a month in months 14-17, 1.5% in 18-19.
        let control = path(|_| (1000.0, 10.0, 1.0, 1.0));
        let crisis = path(|t| {
            let exits = match t {
                14..=17 => 20.0,
                18..=19 => 15.0,
                _ => 10.0,
            };
            (1000.0, exits, 1.0, 1.0)
        });
        let (r, c) = (
            Replication {
                scenario: &s,
                months: &crisis,
                firms: &[],
                year_on_year: &y,
            },
            Replication {
                scenario: &s,
                months: &control,
                firms: &[],
                year_on_year: &y,
            },
        );
        let m = Metric::DeathRateRatio {
            filter: Filter::default(),
            window_months: 4,
        };
        let mut acc = crate::analysis::Accumulator::default();
        acc.push(&m.evaluate(&r, Some(&c)));
        let (e, chosen) = acc.estimate();
        // Windows start at months 12..=19; the worst is 14-17, twice the control's rate.
        assert_eq!(chosen, Some(2));
        assert!((e.mean - 2.0).abs() < 1e-12, "{e:?}");
    }

    #[test]
    fn elasticity_is_the_employment_fall_over_the_sales_fall_at_their_troughs() {
        let mut s = scenario();
        s.crisis.fall_months = 2;
        s.crisis.duration_months = 4;
        s.crisis.recovery_months = 4;
        let y = YearOnYear::default();
        // Against a control growing 1% a month in both, sales fall 10% (deepest at month 14) and
        // employment 4% (deepest later, at month 17): elasticity 0.4.
        let grow = |t: usize| 1.01f64.powi(t as i32);
        let control = path(|t| (1000.0, 0.0, 100.0 * grow(t), 50.0 * grow(t)));
        let crisis = path(|t| {
            let sales = match t {
                13 => 0.95,
                14 => 0.90,
                15 | 16 => 0.93,
                _ => 1.0,
            };
            let jobs = match t {
                15 => 0.98,
                16 => 0.97,
                17 => 0.96,
                18 => 0.98,
                _ => 1.0,
            };
            (1000.0, 0.0, 100.0 * grow(t) * jobs, 50.0 * grow(t) * sales)
        });
        let replication = |months| Replication {
            scenario: &s,
            months,
            firms: &[],
            year_on_year: &y,
        };
        let m = Metric::EmploymentElasticity {
            filter: Filter::kind(Kind::Conventional),
        };
        let mut acc = crate::analysis::Accumulator::default();
        acc.push(&m.evaluate(&replication(&crisis), Some(&replication(&control))));
        let (e, _) = acc.estimate();
        assert!((e.mean - 0.4).abs() < 1e-9, "{e:?}");
    }

    #[test]
    fn excess_exits_job_loss_drift_and_onset_values() {
        let mut s = scenario();
        s.crisis.fall_months = 2;
        s.crisis.duration_months = 4;
        s.crisis.recovery_months = 4;
        let y = YearOnYear::default();
        // Window is months 12-19 (onset + duration + recovery). Control: 5 exits a month, 100 heads. Crisis: 8
        // exits a month in the window, heads 90 in the window (a 10% loss throughout).
        let control = path(|_| (500.0, 5.0, 100.0, 1.0));
        let crisis = path(|t| {
            let inside = (12..20).contains(&t);
            let exits = if inside { 8.0 } else { 5.0 };
            let heads = if inside { 90.0 } else { 100.0 };
            (500.0, exits, heads, 1.0)
        });
        let r = Replication {
            scenario: &s,
            months: &crisis,
            firms: &[],
            year_on_year: &y,
        };
        let c = Replication {
            months: &control,
            ..r
        };
        let all = Filter::default();
        let v = |m: Metric, control: Option<&Replication>| match m.evaluate(&r, control) {
            Value::Scalar(x) => x,
            _ => panic!("scalar"),
        };
        // 24 extra exits over the firms alive the month before onset (495 = 500 at risk - 5).
        let excess = v(Metric::ExcessExits { filter: all }, Some(&c));
        assert!((excess - 24.0 / 495.0).abs() < 1e-12, "{excess}");
        let loss = v(Metric::JobLoss { filter: all }, Some(&c));
        assert!((loss - 0.1).abs() < 1e-12, "{loss}");
        let drift = v(
            Metric::Drift {
                series: Series::Heads,
                filter: all,
            },
            None,
        );
        assert!(drift.abs() < 1e-12);
        let hours = v(
            Metric::AtOnset {
                series: Series::Heads,
                filter: all,
            },
            None,
        );
        assert_eq!(hours, 100.0);
    }
}
