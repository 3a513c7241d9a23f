//! What a month records: aggregates by kind x sector (never one row per firm per month), the
//! economy-wide balances, and one record per firm when it exits or the run ends.

use serde::{Deserialize, Serialize};

use crate::scenario::{Kind, Sector};

/// Why a firm left.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ExitReason {
    /// It could not pay what it owed and could not borrow.
    Insolvency,
    /// Its equity stayed negative longer than the scenario allows.
    NegativeEquity,
    /// What no rule covers (death, illness, disaster): the small exogenous hazard, the same for
    /// every kind.
    Background,
    /// The owners expected to earn less in the firm than outside it, and closed it (MODEL.md 8).
    Closure,
    /// An owner retired and nobody took the firm over (MODEL.md 8).
    Retirement,
    /// A failing firm bought out by its workers and continued as a new firm of another kind.
    Converted,
}

impl ExitReason {
    pub const ALL: [ExitReason; 6] = [
        ExitReason::Insolvency,
        ExitReason::NegativeEquity,
        ExitReason::Background,
        ExitReason::Closure,
        ExitReason::Retirement,
        ExitReason::Converted,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ExitReason::Insolvency => "insolvency",
            ExitReason::NegativeEquity => "negative_equity",
            ExitReason::Background => "background",
            ExitReason::Closure => "closure",
            ExitReason::Retirement => "retirement",
            ExitReason::Converted => "converted",
        }
    }

    /// Exits caused by the firm's finances (the ones a crisis drives).
    pub fn is_financial(self) -> bool {
        matches!(
            self,
            ExitReason::Insolvency | ExitReason::NegativeEquity | ExitReason::Converted
        )
    }

    /// Exits the firm's results drove: the financial ones and the owners' closures (a crisis
    /// drives both); not the exogenous hazard or retirement.
    pub fn is_driven_by_results(self) -> bool {
        self.is_financial() || self == ExitReason::Closure
    }
}

/// How a firm came to exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Origin {
    Initial,
    Entry,
    Buyout,
}

/// Aggregates of one kind in one sector for one month (sums over firms; ratios are derived later).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CellStats {
    /// Live firms at the end of the month.
    pub firms: f64,
    pub entries: f64,
    pub exits_insolvency: f64,
    pub exits_negative_equity: f64,
    pub exits_background: f64,
    pub exits_closure: f64,
    pub exits_retirement: f64,
    pub exits_converted: f64,
    /// Workers of firms that exited this month.
    pub jobs_lost_in_exits: f64,
    pub heads: f64,
    pub members: f64,
    pub fte: f64,
    /// Pay actually paid this month, refunds from the surplus included (GBP thousand).
    pub wage_bill: f64,
    pub revenue: f64,
    /// The month's surplus (+) or loss (-), summed.
    pub result: f64,
    pub cash: f64,
    pub reserves: f64,
    pub indivisible_reserves: f64,
    /// Bank and fund debt.
    pub debt: f64,
    /// Capital plus liquid assets (the denominator of leverage).
    pub assets: f64,
    pub credit_requested: f64,
    pub credit_refused: f64,
    pub loans_refused: f64,
    pub fund_support: f64,
}

impl CellStats {
    pub const FIELDS: [&'static str; 24] = [
        "firms",
        "entries",
        "exits_insolvency",
        "exits_negative_equity",
        "exits_background",
        "exits_closure",
        "exits_retirement",
        "exits_converted",
        "jobs_lost_in_exits",
        "heads",
        "members",
        "fte",
        "wage_bill",
        "revenue",
        "result",
        "cash",
        "reserves",
        "indivisible_reserves",
        "debt",
        "assets",
        "credit_requested",
        "credit_refused",
        "loans_refused",
        "fund_support",
    ];

    pub fn values(&self) -> [f64; 24] {
        [
            self.firms,
            self.entries,
            self.exits_insolvency,
            self.exits_negative_equity,
            self.exits_background,
            self.exits_closure,
            self.exits_retirement,
            self.exits_converted,
            self.jobs_lost_in_exits,
            self.heads,
            self.members,
            self.fte,
            self.wage_bill,
            self.revenue,
            self.result,
            self.cash,
            self.reserves,
            self.indivisible_reserves,
            self.debt,
            self.assets,
            self.credit_requested,
            self.credit_refused,
            self.loans_refused,
            self.fund_support,
        ]
    }

    pub fn exits(&self) -> f64 {
        self.exits_insolvency
            + self.exits_negative_equity
            + self.exits_background
            + self.exits_closure
            + self.exits_retirement
            + self.exits_converted
    }

    pub fn add(&mut self, o: &CellStats) {
        let mut v = self.values();
        for (a, b) in v.iter_mut().zip(o.values()) {
            *a += b;
        }
        *self = CellStats::from_values(v);
    }

    pub fn from_values(v: [f64; 24]) -> CellStats {
        CellStats {
            firms: v[0],
            entries: v[1],
            exits_insolvency: v[2],
            exits_negative_equity: v[3],
            exits_background: v[4],
            exits_closure: v[5],
            exits_retirement: v[6],
            exits_converted: v[7],
            jobs_lost_in_exits: v[8],
            heads: v[9],
            members: v[10],
            fte: v[11],
            wage_bill: v[12],
            revenue: v[13],
            result: v[14],
            cash: v[15],
            reserves: v[16],
            indivisible_reserves: v[17],
            debt: v[18],
            assets: v[19],
            credit_requested: v[20],
            credit_refused: v[21],
            loans_refused: v[22],
            fund_support: v[23],
        }
    }

    pub fn count_exit(&mut self, reason: ExitReason) {
        match reason {
            ExitReason::Insolvency => self.exits_insolvency += 1.0,
            ExitReason::NegativeEquity => self.exits_negative_equity += 1.0,
            ExitReason::Background => self.exits_background += 1.0,
            ExitReason::Closure => self.exits_closure += 1.0,
            ExitReason::Retirement => self.exits_retirement += 1.0,
            ExitReason::Converted => self.exits_converted += 1.0,
        }
    }
}

/// Kind x sector cells, indexed `kind * Sector::COUNT + sector`.
#[derive(Debug, Clone, PartialEq)]
pub struct Cells(pub [CellStats; Kind::COUNT * Sector::COUNT]);

impl Default for Cells {
    fn default() -> Self {
        Cells([CellStats::default(); Kind::COUNT * Sector::COUNT])
    }
}

impl Cells {
    pub fn cell(&self, kind: Kind, sector: Sector) -> &CellStats {
        &self.0[kind.index() * Sector::COUNT + sector.index()]
    }

    pub fn cell_mut(&mut self, kind: Kind, sector: Sector) -> &mut CellStats {
        &mut self.0[kind.index() * Sector::COUNT + sector.index()]
    }

    /// One kind summed over sectors.
    pub fn kind_total(&self, kind: Kind) -> CellStats {
        let mut t = CellStats::default();
        for s in Sector::ALL {
            t.add(self.cell(kind, s));
        }
        t
    }

    /// One sector summed over kinds.
    pub fn sector_total(&self, sector: Sector) -> CellStats {
        let mut t = CellStats::default();
        for k in Kind::ALL {
            t.add(self.cell(k, sector));
        }
        t
    }

    pub fn add(&mut self, o: &Cells) {
        for (a, b) in self.0.iter_mut().zip(o.0.iter()) {
            a.add(b);
        }
    }
}

/// Economy-wide figures for one month.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct EconomyStats {
    pub bank_equity: f64,
    pub bank_loans: f64,
    /// Lending the bank could still do under its capital requirement.
    pub bank_headroom: f64,
    pub fund_balance: f64,
    pub fund_loans: f64,
    /// Government spending on public-service contracts.
    pub public_contracts: f64,
    /// Short-time-work benefits paid to workers.
    pub short_time_work: f64,
    /// Guarantee calls paid to the bank, less guarantee fees received.
    pub credit_guarantee_net: f64,
    /// Capital advanced to worker buyouts.
    pub worker_buyout: f64,
    /// Trainee wage subsidies.
    pub trainee_subsidy: f64,
}

impl EconomyStats {
    /// Net public cost of the levers this month (contracts are purchases, not levers).
    pub fn lever_cost(&self) -> f64 {
        self.short_time_work + self.credit_guarantee_net + self.worker_buyout + self.trainee_subsidy
    }
}

/// Everything recorded for one month.
#[derive(Debug, Clone, PartialEq)]
pub struct MonthRecord {
    pub month: u32,
    pub cells: Cells,
    pub economy: EconomyStats,
    /// Each sector's demand relative to its pre-shock baseline.
    pub demand_index: [f64; Sector::COUNT],
}

/// A firm's state when the crisis begins: how fragile it was.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct OnsetSnapshot {
    /// Debt over assets.
    pub leverage: f64,
    /// Months of costs that cash and reserves would cover.
    pub months_covered: f64,
    pub heads: u32,
}

/// A worker buyout: the co-op founded and the failing firm its workers took over. Kept beside the
/// firm records rather than in them, which would cost every record 16 bytes for a rare event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Conversion {
    pub coop: u64,
    pub predecessor: u64,
}

/// One firm's life, recorded when it exits or when the run ends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FirmRecord {
    pub id: u64,
    pub kind: Kind,
    pub sector: Sector,
    pub origin: Origin,
    /// Negative for firms born before month 0 (initial firms and warm-up entrants).
    pub birth_month: i32,
    /// Month and reason of exit; the month is negative for exits during the warm-up.
    pub exit: Option<(i32, ExitReason)>,
    pub onset: Option<OnsetSnapshot>,
    /// Lowest headcount during the crisis window (firms alive at onset).
    pub crisis_min_heads: Option<u32>,
}

/// Count, sum and sum of squares of a sample, for its standard deviation without keeping it.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Moments {
    pub n: f64,
    pub sum: f64,
    pub sum_squares: f64,
}

impl Moments {
    pub fn push(&mut self, x: f64) {
        self.n += 1.0;
        self.sum += x;
        self.sum_squares += x * x;
    }

    pub fn add(&mut self, o: &Moments) {
        self.n += o.n;
        self.sum += o.sum;
        self.sum_squares += o.sum_squares;
    }

    /// Sample standard deviation (n - 1 in the denominator); NaN with fewer than two values.
    pub fn sd(&self) -> f64 {
        if self.n < 2.0 {
            return f64::NAN;
        }
        let mean = self.sum / self.n;
        ((self.sum_squares - self.n * mean * mean) / (self.n - 1.0))
            .max(0.0)
            .sqrt()
    }
}

/// Year-on-year changes of firms alive through two whole recorded years, by kind: log pay per
/// worker (the year's wage bill over its worker-months) and log mean headcount. The firm-level
/// volatility of pay and employment (VALIDATION.md T5) without storing any firm-month.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct YearOnYear {
    pub pay: [Moments; Kind::COUNT],
    pub heads: [Moments; Kind::COUNT],
}

impl YearOnYear {
    pub fn add(&mut self, o: &YearOnYear) {
        for k in 0..Kind::COUNT {
            self.pay[k].add(&o.pay[k]);
            self.heads[k].add(&o.heads[k]);
        }
    }
}

/// One firm's pay and heads over the current recorded year, and its last whole year's. Kept in
/// every live firm, so it is packed (24 bytes): the last year's figures in f32 are exact enough
/// for changes in logs (relative error about 1e-7).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct YearTally {
    wage_bill: f64,
    worker_months: u32,
    months: u8,
    /// Pay per worker-month and mean heads of the last whole year the firm lived through (0 when
    /// there is none).
    last_pay: f32,
    last_heads: f32,
}

impl YearTally {
    /// Counts one recorded month.
    pub fn count(&mut self, wage_bill: f64, heads: u32) {
        self.wage_bill += wage_bill;
        self.worker_months += heads;
        self.months += 1;
    }

    /// Ends a year of 12 recorded months: the changes in log pay per worker and in log mean heads
    /// from the last year, when the firm lived through both whole and had workers in both.
    pub fn close_year(&mut self) -> Option<(f64, f64)> {
        let worker_months = f64::from(self.worker_months);
        let whole = self.months == 12 && worker_months > 0.0 && self.wage_bill > 0.0;
        let (pay, heads) = if whole {
            (self.wage_bill / worker_months, worker_months / 12.0)
        } else {
            (0.0, 0.0)
        };
        let change = (whole && self.last_pay > 0.0).then(|| {
            (
                (pay / f64::from(self.last_pay)).ln(),
                (heads / f64::from(self.last_heads)).ln(),
            )
        });
        *self = YearTally {
            last_pay: pay as f32,
            last_heads: heads as f32,
            ..YearTally::default()
        };
        change
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn year_on_year_change_needs_two_whole_years() {
        let mut tally = YearTally::default();
        // A firm born part-way through the first year: no whole year yet.
        for _ in 0..7 {
            tally.count(20.0, 10);
        }
        assert_eq!(tally.close_year(), None);
        // Year 2: 10 heads paid 2 a month. Year 3: 8 heads paid 2.2 a month.
        for _ in 0..12 {
            tally.count(20.0, 10);
        }
        assert_eq!(tally.close_year(), None);
        for _ in 0..12 {
            tally.count(17.6, 8);
        }
        let (pay, heads) = tally.close_year().expect("two whole years");
        assert!((pay - 1.1f64.ln()).abs() < 1e-6, "{pay}");
        assert!((heads - 0.8f64.ln()).abs() < 1e-6, "{heads}");
        assert_eq!(std::mem::size_of::<YearTally>(), 24);
    }

    #[test]
    fn moments_give_the_sample_standard_deviation() {
        let mut m = Moments::default();
        for x in [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0] {
            m.push(x);
        }
        assert!((m.sd() - (32.0f64 / 7.0).sqrt()).abs() < 1e-12);
        assert!(Moments::default().sd().is_nan());
    }
}
