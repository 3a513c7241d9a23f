//! The banking system (MODEL.md 7; Delli Gatti et al. 2005, 2010; Riccetti, Russo & Gallegati 2013):
//! lending capacity = equity / capital requirement, leverage-priced loans, refusal above a maximum
//! leverage, least-leveraged applicants served first, and defaults that eat equity (the financial
//! accelerator). Loans are booked against the bank's equity only: a loan moves no net worth.

use rayon::slice::ParallelSliceMut;

use crate::scenario::{Kind, Scenario, Sector};

use super::sector::Environment;

/// Credit conditions in one month.
#[derive(Debug, Clone, Copy)]
pub struct Conditions {
    /// Annual base rate.
    pub base_rate: f64,
    /// Annual spread at leverage 1.
    pub spread: f64,
    /// Maximum post-loan leverage accepted on an unguaranteed loan.
    pub max_leverage: f64,
    /// Effective capital requirement.
    pub capital_requirement: f64,
    /// Share of each new loan the government guarantees this month.
    pub guarantee: f64,
    /// Maximum leverage accepted once the guarantee is taken into account.
    pub max_leverage_guaranteed: f64,
}

impl Conditions {
    pub fn at(s: &Scenario, env: &Environment) -> Conditions {
        let b = &s.bank;
        let cc = &s.crisis.credit_crunch;
        let i = env.crisis;
        let max_leverage = (b.max_leverage - cc.max_leverage_cut * i).max(0.0);
        let g = &s.policy.credit_guarantee;
        let guarantee = if env.month >= g.start_month as i32 {
            g.coverage
        } else {
            0.0
        };
        // A guarantee covering share g of the loan lets the bank accept leverage up to the scheme's
        // own ceiling in proportion to the cover (the bank's own exposure shrinks by g).
        let max_leverage_guaranteed = if g.max_leverage > max_leverage {
            max_leverage + guarantee * (g.max_leverage - max_leverage)
        } else {
            max_leverage
        };
        Conditions {
            base_rate: (b.base_rate_annual + cc.base_rate_change_annual * i).max(0.0),
            spread: b.spread_annual + cc.spread_rise_annual * i,
            max_leverage,
            capital_requirement: b.capital_requirement + cc.capital_requirement_rise * i,
            guarantee,
            max_leverage_guaranteed,
        }
    }

    /// Annual rate on a loan at post-loan leverage `leverage` (Riccetti et al.: base + spread x lev^theta),
    /// with the guaranteed share priced at the base rate.
    pub fn rate(&self, leverage: f64, theta: f64) -> f64 {
        self.base_rate + (1.0 - self.guarantee) * self.spread * leverage.max(0.0).powf(theta)
    }
}

/// The bank's books.
#[derive(Debug, Clone)]
pub struct Bank {
    pub equity: f64,
    /// Outstanding loans (equals the sum of firms' bank debt).
    pub loans: f64,
    /// Outstanding loans guaranteed by the government (zero risk weight).
    pub guaranteed: f64,
}

impl Bank {
    /// Lending still possible under the capital requirement; guaranteed loans carry no risk weight.
    pub fn headroom(&self, c: &Conditions) -> f64 {
        (self.equity.max(0.0) / c.capital_requirement - (self.loans - self.guaranteed)).max(0.0)
    }
}

/// A firm's request for a loan, with what the bank and the fund need to decide on it without
/// touching the firm again.
#[derive(Debug, Clone, Copy)]
pub struct LoanRequest {
    /// Index of the firm in the economy's live-firm list.
    pub firm: usize,
    pub kind: Kind,
    pub sector: Sector,
    pub amount: f64,
    /// Leverage after the loan: (debt + amount) / (assets + amount).
    pub leverage: f64,
    /// Part of the amount without which the firm cannot pay what it owes this month.
    pub shortfall: f64,
    /// What the mutual fund would lend if the bank refuses (0 for firms without access), and the
    /// leverage after that loan.
    pub fund_amount: f64,
    pub fund_leverage: f64,
}

/// What came of a loan request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Decision {
    Refused,
    /// The bank lends `amount` at annual `rate`, with `guarantee` of it guaranteed.
    Bank {
        amount: f64,
        rate: f64,
        guarantee: f64,
    },
    /// The mutual fund lends `amount`.
    Fund {
        amount: f64,
    },
}

/// The order in which the bank serves requests: least leveraged first, ties by firm position.
/// Returns positions in `requests`, which are in firm order, so a tie on leverage is broken by
/// position. Leverage is never negative or NaN (see `Firm::leverage_after`), and for such numbers
/// the order of their bit patterns is their numeric order: the sort is on plain integer keys.
/// Keys are unique, so sorting in parallel gives the same order.
pub fn queue(requests: &[LoanRequest], parallel: bool) -> Vec<u32> {
    let mut keys: Vec<(u64, u32)> = requests
        .iter()
        .enumerate()
        .map(|(i, r)| {
            debug_assert!(
                r.leverage >= 0.0,
                "leverage {} is negative or NaN",
                r.leverage
            );
            (r.leverage.to_bits(), i as u32)
        })
        .collect();
    if parallel {
        keys.par_sort_unstable();
    } else {
        keys.sort_unstable();
    }
    keys.into_iter().map(|(_, i)| i).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(firm: usize, leverage: f64) -> LoanRequest {
        LoanRequest {
            firm,
            kind: Kind::Conventional,
            sector: Sector::ALL[0],
            amount: 1.0,
            leverage,
            shortfall: 0.0,
            fund_amount: 0.0,
            fund_leverage: 0.0,
        }
    }

    #[test]
    fn queue_serves_least_leveraged_first_then_by_position() {
        let leverages = [0.5, f64::INFINITY, 0.0, 0.5, 1e-300, 2.0, 0.25];
        let requests: Vec<LoanRequest> = leverages
            .iter()
            .enumerate()
            .map(|(i, l)| request(i * 3, *l))
            .collect();
        let expected = vec![2, 4, 6, 0, 3, 5, 1];
        assert_eq!(queue(&requests, false), expected);
        assert_eq!(queue(&requests, true), expected);
    }
}
