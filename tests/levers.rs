//! Turning a lever moves outcomes the way economics predicts (issue: model core). Every arm uses
//! the same seeds as its base, so paired differences are not noise.

mod common;

use coopsim::analysis::outcomes::{self, KindOutcome};
use coopsim::model::crisis_window;
use coopsim::scenario::{Kind, Scenario};

use common::*;

const REPLICATIONS: u32 = 16;

fn base() -> Scenario {
    shipped_with("baseline_2008.toml", REPLICATIONS)
}

fn outcomes_of(s: &Scenario, kind: Kind) -> Vec<KindOutcome> {
    ensemble(s, false, |r| outcomes::kind_outcome(s, &r.months, kind))
}

fn hazards(s: &Scenario, kind: Kind, f: fn(&KindOutcome) -> f64) -> Vec<f64> {
    outcomes_of(s, kind).iter().map(f).collect()
}

#[test]
fn without_indivisible_reserves_or_fund_the_coop_survival_advantage_shrinks() {
    // The buffer effect is smaller than the labour-margin effect, so it needs more replications.
    let mut with = base();
    with.replications = 96;
    let mut bare = with.clone();
    set(
        &mut bare,
        "kinds.worker_coop.indivisible_reserve_share",
        "0",
    );
    set(&mut bare, "kinds.worker_coop.fund_levy_share", "0");
    set(&mut bare, "kinds.worker_coop.fund_access", "false");
    set(&mut bare, "kinds.worker_coop.payout_share", "0.7");
    set(&mut bare, "fund.initial_balance_per_member", "0");
    // Financial exits: background exits are the same lottery for every kind.
    let financial = |s: &Scenario, k| hazards(s, k, |o| o.crisis_financial_hazard);
    let coop_with = financial(&with, Kind::WorkerCoop);
    let coop_bare = financial(&bare, Kind::WorkerCoop);
    assert_clearly_greater(
        "co-op financial exits without vs with reserves and fund",
        &coop_bare,
        &coop_with,
    );
    let advantage = |conv: Vec<f64>, coop: &[f64]| {
        conv.iter()
            .zip(coop)
            .map(|(a, b)| a - b)
            .collect::<Vec<_>>()
    };
    let adv_with = advantage(financial(&with, Kind::Conventional), &coop_with);
    let adv_bare = advantage(financial(&bare, Kind::Conventional), &coop_bare);
    assert_clearly_greater(
        "co-op advantage with reserves and fund vs without",
        &adv_with,
        &adv_bare,
    );
}

#[test]
fn a_deeper_credit_crunch_means_more_exits() {
    let mild = hazards(&base(), Kind::Conventional, |o| o.crisis_financial_hazard);
    let mut deep = base();
    set(&mut deep, "crisis.credit_crunch.max_leverage_cut", "0.4");
    set(&mut deep, "crisis.credit_crunch.spread_rise_annual", "0.06");
    let deep = hazards(&deep, Kind::Conventional, |o| o.crisis_financial_hazard);
    assert_clearly_greater("financial exits, deep vs mild crunch", &deep, &mild);
}

#[test]
fn a_credit_guarantee_means_fewer_exits() {
    // Firms that start with reserves at their target rarely need new credit, so the guarantee's
    // effect is small (about a sixth of conventional financial exits): twice the replications.
    let base = || shipped_with("baseline_2008.toml", 2 * REPLICATIONS);
    let none = hazards(&base(), Kind::Conventional, |o| o.crisis_financial_hazard);
    let mut guaranteed = base();
    set(&mut guaranteed, "policy.credit_guarantee.coverage", "0.75");
    let guaranteed = hazards(&guaranteed, Kind::Conventional, |o| {
        o.crisis_financial_hazard
    });
    assert_clearly_greater(
        "financial exits without vs with a guarantee",
        &none,
        &guaranteed,
    );
}

#[test]
fn public_service_mutuals_collapse_when_contracts_are_never_renewed() {
    // The single-customer risk: a mutual whose one contract ends has little else to sell. Lost
    // contracts are not re-let here, so the kind cannot win them back.
    let survivors = |s: &Scenario| {
        ensemble(s, false, |r| {
            let last = r.months.last().unwrap();
            last.cells.kind_total(Kind::PublicServiceMutual).firms
        })
    };
    let mut renewed = base();
    for kind in ["social_coop_a", "social_coop_b", "public_service_mutual"] {
        set(
            &mut renewed,
            &format!("policy.public_contracts.relet_to.{kind}"),
            "0",
        );
    }
    let mut never = renewed.clone();
    set(
        &mut never,
        "policy.public_contracts.renewal_probability",
        "0",
    );
    let (renewed, never_renewed) = (survivors(&renewed), survivors(&never));
    let (mean_renewed, _) = mean_se(&renewed);
    let (mean_never, _) = mean_se(&never_renewed);
    assert!(
        mean_never < 0.5 * mean_renewed,
        "mutuals alive at the horizon: {mean_never:.1} without renewals vs {mean_renewed:.1} with"
    );
}

#[test]
fn short_time_work_keeps_conventional_jobs() {
    let without = hazards(&base(), Kind::Conventional, |o| o.employment_change);
    let mut stw = base();
    set(&mut stw, "policy.short_time_work.hours_floor", "0.6");
    let with = hazards(&stw, Kind::Conventional, |o| o.employment_change);
    assert_clearly_greater(
        "conventional headcount change with vs without short-time work",
        &with,
        &without,
    );
}

#[test]
fn worker_buyouts_turn_failing_firms_into_coops() {
    let mut s = base();
    set(&mut s, "policy.worker_buyout.probability", "0.5");
    let window = crisis_window(&s);
    let counts = ensemble(&s, false, |r| {
        r.months
            .iter()
            .filter(|m| window.contains(&m.month))
            .map(|m| m.cells.kind_total(Kind::Conventional).exits_converted)
            .sum::<f64>()
    });
    assert!(
        counts.iter().all(|c| *c > 0.0),
        "conversions per replication: {counts:?}"
    );
    let coops = |s: &Scenario| {
        ensemble(s, false, |r| {
            r.months
                .last()
                .unwrap()
                .cells
                .kind_total(Kind::WorkerCoop)
                .firms
        })
    };
    assert_clearly_greater(
        "worker co-ops at the horizon with vs without buyouts",
        &coops(&s),
        &coops(&base()),
    );
}

#[test]
fn co_ops_cut_their_own_pay_only_after_a_losing_month() {
    // docs/MODEL.md 7.3: the pay margin is used only by a firm under pressure, one whose last
    // month's result was a loss; a profitable co-op hoards labour instead.
    use coopsim::model::{Economy, RunOptions};
    use std::collections::HashMap;
    let s = base();
    let mut economy = Economy::new(&s, 0, RunOptions::default());
    let (mut cuts, mut coop_cuts) = (0, 0);
    while economy.month() < s.months as i32 {
        let before: HashMap<u64, (f64, f64)> = economy
            .firms()
            .iter()
            .map(|f| (f.id, (f.pay_index, f.result)))
            .collect();
        economy.step();
        for f in economy.firms() {
            let Some(&(pay, result)) = before.get(&f.id) else {
                continue;
            };
            if f.pay_index < pay {
                assert!(
                    result < 0.0,
                    "month {}: firm {} ({}) cut pay {pay} -> {} after a result of {result}",
                    economy.month() - 1,
                    f.id,
                    f.kind.name(),
                    f.pay_index
                );
                cuts += 1;
                coop_cuts += usize::from(f.kind == Kind::WorkerCoop);
            }
        }
    }
    assert!(
        coop_cuts > 100,
        "{coop_cuts} pay cuts by worker co-ops ({cuts} in all)"
    );
}

/// Foundings over the crisis window, summed over replications and kinds.
/// Foundings in the crisis window, by replication.
fn crisis_births(s: &Scenario) -> Vec<f64> {
    let window = crisis_window(s);
    ensemble(s, false, |r| {
        r.months
            .iter()
            .filter(|m| window.contains(&m.month))
            .map(|m| m.cells.0.iter().map(|c| c.entries).sum::<f64>())
            .sum::<f64>()
    })
}

#[test]
fn a_write_down_of_the_banks_capital_binds_in_the_crisis_and_not_in_calm_years() {
    // In the month the crisis begins, the bank loses its share of the onset equity for the first
    // step of intensity (less the tenth of it it would have paid out that month as equity above
    // its target), and households gain what the bank loses: the firms' books are the same, and so
    // is the sum of all balances (the stock-flow test checks every month).
    let mut with = base();
    set(&mut with, "crisis.credit_crunch.bank_equity_loss", "0.3");
    let mut without = with.clone();
    set(&mut without, "crisis.credit_crunch.bank_equity_loss", "0");
    let onset = with.crisis.onset_month as i32;
    let options = coopsim::model::RunOptions::default();
    let (mut a, mut b) = (
        coopsim::model::Economy::new(&with, 0, options),
        coopsim::model::Economy::new(&without, 0, options),
    );
    while a.month() < onset {
        a.step();
        b.step();
    }
    assert_eq!(a.bank.equity, b.bank.equity, "no write-down before onset");
    let equity_at_onset = a.bank.equity;
    a.step();
    b.step();
    let first_step = 1.0 / with.crisis.fall_months as f64;
    let lost = b.bank.equity - a.bank.equity;
    let written_off = 0.3 * first_step * equity_at_onset;
    let kept_from_payout = with.bank.payout_speed * written_off;
    assert!(
        (lost - (written_off - kept_from_payout)).abs() <= 1e-9 * equity_at_onset,
        "the onset month writes off {lost} of {equity_at_onset}"
    );
    assert!((a.money_total() - b.money_total()).abs() <= 1e-9 * a.money_total().abs());

    // With a shock, a bank short of capital makes fewer startup loans: fewer foundings. (A fifth
    // of its capital, the baseline's, costs about 2% of them, which 16 replications do not tell
    // from noise; half of it is clear.)
    let mut halved = with.clone();
    set(&mut halved, "crisis.credit_crunch.bank_equity_loss", "0.5");
    assert_clearly_greater(
        "foundings in the crisis, without a write-down vs with half the bank's capital written off",
        &crisis_births(&without),
        &crisis_births(&halved),
    );
    // Without one (the control keeps the crisis's timing, so the write-down still happens), the
    // bank's headroom does not bind and no firm's fate changes.
    let calm = with.without_shock();
    let mut calm_written_down = calm.clone();
    set(
        &mut calm_written_down,
        "crisis.credit_crunch.bank_equity_loss",
        "0.3",
    );
    let heads = |s: &Scenario| {
        ensemble(s, false, |r| {
            r.months
                .last()
                .unwrap()
                .cells
                .0
                .iter()
                .map(|c| c.heads)
                .sum::<f64>()
        })
    };
    assert_eq!(heads(&calm), heads(&calm_written_down));
}

#[test]
fn pay_is_sticky_downward_and_cheaper_pay_keeps_conventional_jobs_in_the_crisis() {
    // The market wage every kind's pay is set against falls toward 1 - cut x crisis intensity by
    // at most `market_pay_step` a month, and comes back the same way: before onset and in the
    // control it is the sector's wage, bit for bit.
    let mut s = base();
    set(&mut s, "crisis.market_pay_cut", "0.06");
    set(&mut s, "crisis.market_pay_step", "0.002");
    let calm = s.without_shock();
    let options = coopsim::model::RunOptions::default();
    let (mut a, mut b) = (
        coopsim::model::Economy::new(&s, 0, options),
        coopsim::model::Economy::new(&calm, 0, options),
    );
    let sector = coopsim::scenario::Sector::Manufacturing;
    let wage = s.sectors.get(sector).wage_monthly;
    let onset = s.crisis.onset_month as i32;
    let (mut lowest, mut previous) = (1.0_f64, 1.0_f64);
    while a.month() < s.months as i32 {
        let t = a.month();
        a.step();
        b.step();
        let index = a.tech(sector).wage / wage;
        assert_eq!(b.tech(sector).wage, wage, "month {t}: no shock, no change");
        if t < onset {
            assert_eq!(index, 1.0, "month {t}: before onset");
        }
        let target = 1.0 - 0.06 * coopsim::model::sector::crisis_intensity(&s.crisis, t);
        assert!(
            (index - previous).abs() <= 0.002 + 1e-12,
            "month {t}: moves at most a step"
        );
        assert!(
            (index - target).abs() < 1e-12 || ((index - previous).abs() - 0.002).abs() < 1e-12,
            "month {t}: {index} moves toward {target} as fast as it may and no further"
        );
        lowest = lowest.min(index);
        previous = index;
    }
    // Through the crisis it falls by more than a step and less than the cut allows at once.
    assert!(
        (0.94 - 1e-12..0.99).contains(&lowest),
        "lowest market wage {lowest}"
    );

    // Firms that keep their workers pay them less, so conventional firms keep more jobs through
    // the crisis than with pay fixed.
    let mut fixed = s.clone();
    set(&mut fixed, "crisis.market_pay_cut", "0");
    let jobs = |s: &Scenario| hazards(s, Kind::Conventional, |o| o.employment_change);
    assert_clearly_greater(
        "conventional employment change, sticky vs fixed pay",
        &jobs(&s),
        &jobs(&fixed),
    );
}

#[test]
fn firms_that_can_carry_them_keep_their_workers_through_a_downturn() {
    // In a downturn of its sector (demand more than `downturn_threshold` below its normal level)
    // a firm that can carry the cost keeps the workers it would otherwise let go, so conventional
    // firms keep more jobs through the downturn than when they never read a fall as a downturn.
    // Measured as the mean headcount over the two years from onset (the fall and the trough, where
    // the rule acts) over the month before onset's: a minimum is noisier.
    let mut s = base();
    s.replications = 96;
    let mut never = s.clone();
    set(&mut never, "kinds.conventional.downturn_threshold", "1");
    let jobs = |s: &Scenario| {
        let onset = s.crisis.onset_month;
        let (pre, window) = (onset as usize - 1, onset..onset + 24);
        ensemble(s, false, |r| {
            let heads =
                |m: &coopsim::model::MonthRecord| m.cells.kind_total(Kind::Conventional).heads;
            let before = heads(&r.months[pre]);
            let inside: Vec<f64> = r
                .months
                .iter()
                .filter(|m| window.contains(&m.month))
                .map(heads)
                .collect();
            inside.iter().sum::<f64>() / inside.len() as f64 / before
        })
    };
    let without = jobs(&never);
    assert_clearly_greater(
        "conventional employment through the downturn, hoarding in downturns vs never",
        &jobs(&s),
        &without,
    );
    // A threshold below which no sector's demand falls leaves the model as if there were none:
    // the rule acts only in a downturn.
    let mut deep = s.clone();
    set(&mut deep, "kinds.conventional.downturn_threshold", "0.9");
    assert_eq!(jobs(&deep), without);
}
