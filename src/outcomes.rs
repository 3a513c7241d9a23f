//! Outcome measures of one replication (MODEL.md 1 and 5): what the crisis did to each kind and
//! sector. Pure functions of a `ReplicationResult`; statistics across replications are taken
//! elsewhere.

use crate::model::{CellStats, ExitReason, FirmRecord, MonthRecord, crisis_window};
use crate::scenario::{Kind, Scenario, Sector};

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

fn pay_per_worker(c: &CellStats) -> f64 {
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
            Some((month, reason)) if w.contains(&month) && reason.is_financial() => {
                nf += 1;
                lf += onset.leverage;
                cf += onset.months_covered;
            }
            Some((month, ExitReason::Background)) if w.contains(&month) => {}
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
