//! Outcome measures of one replication (MODEL.md 1 and 5): what the crisis did to each kind and
//! sector. Pure functions of a `ReplicationResult`; statistics across replications are taken
//! elsewhere.

use crate::model::{CellStats, FirmRecord, MonthRecord, crisis_window};
use crate::scenario::{Kind, Scenario, Sector};
use std::ops::Range;

/// How one kind came through the crisis window in one replication.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KindOutcome {
    /// Exits per firm-month during the crisis window (all reasons).
    pub crisis_hazard: f64,
    /// Financial exits (insolvency, negative equity, buyout) per firm-month in the window.
    pub crisis_financial_hazard: f64,
    /// Lowest headcount in the window relative to the month before onset, minus 1.
    pub employment_change: f64,
    /// Lowest pay per worker in the window relative to the month before onset, minus 1.
    pub pay_change: f64,
    /// Reserves over assets in the month before onset.
    pub reserves_share: f64,
    /// Debt over assets in the month before onset.
    pub leverage: f64,
    /// Credit asked for during the window, per firm alive at onset (GBP thousand).
    pub credit_requested_per_firm: f64,
}

/// How one sector came through the crisis window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SectorOutcome {
    /// Exits in the window per firm alive before onset.
    pub exits_per_firm: f64,
    /// Lowest headcount in the window relative to the month before onset, minus 1.
    pub employment_change: f64,
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 { a / b } else { f64::NAN }
}

/// Whether an exit month (negative in the warm-up) falls in the crisis window.
fn within(window: &Range<u32>, month: i32) -> bool {
    u32::try_from(month).is_ok_and(|m| window.contains(&m))
}

/// The month before onset (or month 0 if the crisis starts at once).
fn pre_crisis(s: &Scenario) -> usize {
    s.crisis.onset_month.saturating_sub(1) as usize
}

fn window_months<'a>(
    s: &Scenario,
    months: &'a [MonthRecord],
) -> impl Iterator<Item = &'a MonthRecord> + 'a {
    let w = crisis_window(s);
    months.iter().filter(move |m| w.contains(&m.month))
}

/// Pay per worker in a month: the wage bill (refunds included) over heads.
pub fn pay_per_worker(c: &CellStats) -> f64 {
    ratio(c.wage_bill, c.heads)
}

pub fn kind_outcome(s: &Scenario, months: &[MonthRecord], kind: Kind) -> KindOutcome {
    let pre = months[pre_crisis(s)].cells.kind_total(kind);
    let (mut exits, mut financial, mut firm_months, mut credit) = (0.0, 0.0, 0.0, 0.0);
    let (mut min_heads, mut min_pay) = (f64::INFINITY, f64::INFINITY);
    for m in window_months(s, months) {
        let c = m.cells.kind_total(kind);
        exits += c.exits();
        financial += c.exits_insolvency + c.exits_negative_equity + c.exits_converted;
        firm_months += c.firms + c.exits();
        credit += c.credit_requested;
        min_heads = min_heads.min(c.heads);
        min_pay = min_pay.min(pay_per_worker(&c));
    }
    KindOutcome {
        crisis_hazard: ratio(exits, firm_months),
        crisis_financial_hazard: ratio(financial, firm_months),
        employment_change: ratio(min_heads, pre.heads) - 1.0,
        pay_change: ratio(min_pay, pay_per_worker(&pre)) - 1.0,
        reserves_share: ratio(pre.reserves, pre.assets),
        leverage: ratio(pre.debt, pre.assets),
        credit_requested_per_firm: ratio(credit, pre.firms),
    }
}

pub fn sector_outcome(s: &Scenario, months: &[MonthRecord], sector: Sector) -> SectorOutcome {
    let pre = months[pre_crisis(s)].cells.sector_total(sector);
    let mut exits = 0.0;
    let mut min_heads = f64::INFINITY;
    for m in window_months(s, months) {
        let c = m.cells.sector_total(sector);
        exits += c.exits();
        min_heads = min_heads.min(c.heads);
    }
    SectorOutcome {
        exits_per_firm: ratio(exits, pre.firms),
        employment_change: ratio(min_heads, pre.heads) - 1.0,
    }
}

/// Fragility at onset of the firms of one kind that failed in the crisis window and of those that
/// came through it (P4): mean leverage and mean months of costs covered.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fragility {
    pub failed: usize,
    pub survived: usize,
    pub failed_leverage: f64,
    pub survived_leverage: f64,
    pub failed_months_covered: f64,
    pub survived_months_covered: f64,
}

pub fn fragility(s: &Scenario, firms: &[FirmRecord], kind: Kind) -> Fragility {
    let w = crisis_window(s);
    let (mut nf, mut ns, mut lf, mut ls, mut cf, mut cs) = (0usize, 0usize, 0.0, 0.0, 0.0, 0.0);
    for f in firms.iter().filter(|f| f.kind == kind) {
        let Some(onset) = f.onset else { continue };
        match f.exit {
            Some((month, reason)) if within(&w, month) && reason.is_driven_by_results() => {
                nf += 1;
                lf += onset.leverage;
                cf += onset.months_covered;
            }
            Some((month, _)) if within(&w, month) => {}
            _ => {
                ns += 1;
                ls += onset.leverage;
                cs += onset.months_covered;
            }
        }
    }
    Fragility {
        failed: nf,
        survived: ns,
        failed_leverage: ratio(lf, nf as f64),
        survived_leverage: ratio(ls, ns as f64),
        failed_months_covered: ratio(cf, nf as f64),
        survived_months_covered: ratio(cs, ns as f64),
    }
}

/// Months after onset over which survival is followed: exits in recorded month `m` happen at
/// `m - onset + 1` months since onset, so the last is `months - onset`.
pub fn survival_horizon(s: &Scenario) -> usize {
    s.months.saturating_sub(s.crisis.onset_month) as usize
}

/// Index of a kind (or `None`: all kinds) among `Kind::COUNT + 1` groups.
pub fn kind_group(kind: Option<Kind>) -> usize {
    kind.map_or(Kind::COUNT, Kind::index)
}

/// Index of a sector (or `None`: all sectors) among `Sector::COUNT + 1` groups.
pub fn sector_group(sector: Option<Sector>) -> usize {
    sector.map_or(Sector::COUNT, Sector::index)
}

/// The firms alive at crisis onset and when they exited, by kind (+ all kinds) x sector (+ all
/// sectors) and months since onset: the input of Kaplan-Meier survival. Firms still alive when the
/// run ends are censored at the horizon.
#[derive(Debug, Clone, PartialEq)]
pub struct SurvivalCounts {
    pub horizon: usize,
    /// Firms alive at onset, `[kind group][sector group]`.
    pub alive: [[u32; Sector::COUNT + 1]; Kind::COUNT + 1],
    /// Exits `t` months after onset (`t` in 1..=horizon; index 0 is always 0), per group.
    exits: Vec<u32>,
}

impl SurvivalCounts {
    fn index(&self, kind: usize, sector: usize, t: usize) -> usize {
        (kind * (Sector::COUNT + 1) + sector) * (self.horizon + 1) + t
    }

    /// Exits `t` months after onset in a kind group x sector group.
    pub fn exits(&self, kind: usize, sector: usize, t: usize) -> u32 {
        self.exits[self.index(kind, sector, t)]
    }

    /// Firms still at risk just before month `t` after onset (all of them at `t` = 0 and 1).
    pub fn at_risk(&self, kind: usize, sector: usize, t: usize) -> u32 {
        let gone: u32 = (1..t).map(|u| self.exits(kind, sector, u)).sum();
        self.alive[kind][sector] - gone
    }

    /// Survival `t` months after onset, or `None` for a group with no firm at onset.
    pub fn survival(&self, kind: usize, sector: usize, t: usize) -> Option<f64> {
        let alive = self.alive[kind][sector];
        (alive > 0).then(|| {
            let gone: u32 = (1..=t).map(|u| self.exits(kind, sector, u)).sum();
            f64::from(alive - gone) / f64::from(alive)
        })
    }
}

pub fn survival_counts(s: &Scenario, firms: &[FirmRecord]) -> SurvivalCounts {
    let horizon = survival_horizon(s);
    let mut counts = SurvivalCounts {
        horizon,
        alive: [[0; Sector::COUNT + 1]; Kind::COUNT + 1],
        exits: vec![0; (Kind::COUNT + 1) * (Sector::COUNT + 1) * (horizon + 1)],
    };
    let onset = s.crisis.onset_month;
    for f in firms.iter().filter(|f| f.onset.is_some()) {
        // A firm alive at onset exits at the earliest in the onset month.
        let t = f.exit.map(|(m, _)| (m + 1 - onset as i32) as usize);
        for k in [f.kind.index(), Kind::COUNT] {
            for sec in [f.sector.index(), Sector::COUNT] {
                counts.alive[k][sec] += 1;
                if let Some(t) = t {
                    let i = counts.index(k, sec, t);
                    counts.exits[i] += 1;
                }
            }
        }
    }
    counts
}

/// Number of fragility groups (quintiles) of the firms alive at onset.
pub const QUINTILES: usize = 5;

/// Each firm's fragility quintile at crisis onset (1 = most robust, 5 = most fragile), and how many
/// firms of each quintile exited during the crisis window, by kind (+ all kinds).
///
/// Fragility ranks every firm alive at onset, all kinds together, on the mean of two percentile
/// ranks: leverage (debt over assets, higher is more fragile) and months of costs covered by cash
/// and reserves (fewer is more fragile). Tied values share their mean rank.
#[derive(Debug, Clone, PartialEq)]
pub struct FragilityQuintiles {
    /// Per firm record (same order): its quintile, or `None` if it was not alive at onset.
    pub quintile: Vec<Option<u8>>,
    /// Firms alive at onset, `[kind group][quintile - 1]`.
    pub firms: [[u32; QUINTILES]; Kind::COUNT + 1],
    /// Of those, the ones that exited (any reason) within the crisis window.
    pub exits: [[u32; QUINTILES]; Kind::COUNT + 1],
}

/// Fractional ranks in [0, 1] of `values` (ties get their mean rank; one value gets 0.5).
fn percentile_ranks(values: &[f64]) -> Vec<f64> {
    let n = values.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.5; n];
    let mut start = 0;
    while start < n {
        let mut end = start + 1;
        while end < n && values[order[end]].total_cmp(&values[order[start]]).is_eq() {
            end += 1;
        }
        let mean_position = (start + end - 1) as f64 / 2.0;
        for &i in &order[start..end] {
            ranks[i] = if n > 1 {
                mean_position / (n - 1) as f64
            } else {
                0.5
            };
        }
        start = end;
    }
    ranks
}

pub fn fragility_quintiles(s: &Scenario, firms: &[FirmRecord]) -> FragilityQuintiles {
    let at_onset: Vec<usize> = (0..firms.len())
        .filter(|&i| firms[i].onset.is_some())
        .collect();
    let snapshot = |i: usize| firms[i].onset.expect("filtered on onset");
    let leverage: Vec<f64> = at_onset.iter().map(|&i| snapshot(i).leverage).collect();
    let thin_cover: Vec<f64> = at_onset
        .iter()
        .map(|&i| -snapshot(i).months_covered)
        .collect();
    let (rl, rc) = (percentile_ranks(&leverage), percentile_ranks(&thin_cover));
    let score: Vec<f64> = rl.iter().zip(&rc).map(|(a, b)| (a + b) / 2.0).collect();
    let mut order: Vec<usize> = (0..at_onset.len()).collect();
    order.sort_by(|&a, &b| {
        score[a]
            .total_cmp(&score[b])
            .then(firms[at_onset[a]].id.cmp(&firms[at_onset[b]].id))
    });

    let w = crisis_window(s);
    let mut result = FragilityQuintiles {
        quintile: vec![None; firms.len()],
        firms: [[0; QUINTILES]; Kind::COUNT + 1],
        exits: [[0; QUINTILES]; Kind::COUNT + 1],
    };
    let n = order.len();
    for (position, &j) in order.iter().enumerate() {
        let q = position * QUINTILES / n;
        let f = &firms[at_onset[j]];
        result.quintile[at_onset[j]] = Some(q as u8 + 1);
        let exited = f.exit.is_some_and(|(m, _)| within(&w, m));
        for k in [f.kind.index(), Kind::COUNT] {
            result.firms[k][q] += 1;
            result.exits[k][q] += u32::from(exited);
        }
    }
    result
}

/// Share of a kind's firms alive at onset that were still alive at the end of the crisis window.
pub fn survival_to_window_end(s: &Scenario, counts: &SurvivalCounts, kind: Kind) -> f64 {
    group_survival_to_window_end(s, counts, Some(kind))
}

/// `survival_to_window_end` of a kind, or (`None`) of all firms alive at onset.
pub fn group_survival_to_window_end(
    s: &Scenario,
    counts: &SurvivalCounts,
    kind: Option<Kind>,
) -> f64 {
    let w = crisis_window(s);
    let t = (w.end - s.crisis.onset_month) as usize;
    counts
        .survival(kind_group(kind), Sector::COUNT, t.min(counts.horizon))
        .unwrap_or(f64::NAN)
}

/// Share of a kind's most fragile firms at onset (top quintile) that exited in the crisis window.
pub fn fragile_exit_share(q: &FragilityQuintiles, kind: Kind) -> f64 {
    let top = QUINTILES - 1;
    ratio(
        f64::from(q.exits[kind.index()][top]),
        f64::from(q.firms[kind.index()][top]),
    )
}

/// Everything the headline reports of one kind in one replication.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KindHeadline {
    pub outcome: KindOutcome,
    pub survival_to_window_end: f64,
    pub fragile_exit_share: f64,
    /// Reserves over assets at the end of the crisis window.
    pub reserves_share_at_window_end: f64,
    /// Debt over assets at the end of the crisis window.
    pub leverage_at_window_end: f64,
}

pub fn kind_headline(
    s: &Scenario,
    months: &[MonthRecord],
    counts: &SurvivalCounts,
    quintiles: &FragilityQuintiles,
    kind: Kind,
) -> KindHeadline {
    let w = crisis_window(s);
    let end = months[(w.end - 1) as usize].cells.kind_total(kind);
    KindHeadline {
        outcome: kind_outcome(s, months, kind),
        survival_to_window_end: survival_to_window_end(s, counts, kind),
        fragile_exit_share: fragile_exit_share(quintiles, kind),
        reserves_share_at_window_end: ratio(end.reserves, end.assets),
        leverage_at_window_end: ratio(end.debt, end.assets),
    }
}
