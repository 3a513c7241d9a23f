//! Rules of the second version (MODEL.md 8) about who owns the firm: closure when the owners'
//! income stays below their outside option, retirement with or without a successor, locked
//! reserves as the bank's permanent equity, labour hoarding against a transitory dip, the mutual
//! fund's loans to co-ops whose business pays its way.

mod common;

use coopsim::model::firm::{Firm, Flows, KindRules, LoanTerms, SectorTech};
use coopsim::model::{Economy, MonthRecord, RunOptions};
use coopsim::scenario::{Kind, Scenario};

use common::*;

const REPLICATIONS: u32 = 8;

/// A calm economy of 1,000 firms whose only exits are retirements without a successor: no
/// exogenous hazard, owners who never prefer their outside option, no shock.
fn retirement_only() -> Scenario {
    let mut s = shipped_with("no_crisis.toml", REPLICATIONS);
    set(&mut s, "population.firms", "1000");
    set(&mut s, "population.background_exit_monthly", "0");
    for k in Kind::ALL {
        let key = |p: &str| format!("kinds.{}.{p}", k.name());
        set(&mut s, &key("owners_outside_pay_share"), "0");
        set(&mut s, &key("owners_required_return_annual"), "0");
    }
    s
}

fn kind_sum(
    months: &[MonthRecord],
    kind: Kind,
    f: impl Fn(&coopsim::model::CellStats) -> f64,
) -> f64 {
    months.iter().map(|m| f(&m.cells.kind_total(kind))).sum()
}

#[test]
fn owner_managers_retire_at_their_rate_and_members_are_replaced_on_retirement() {
    let s = retirement_only();
    // Per firm-month at risk: conventional firms close at retirement x (1 - succession)
    // = 0.004 x 0.5 = 0.002; co-ops' retiring members are always replaced (succession 1).
    let counts = ensemble(&s, false, |r| {
        Kind::ALL.map(|k| {
            let retired = kind_sum(&r.months, k, |c| c.exits_retirement);
            let at_risk = kind_sum(&r.months, k, |c| c.firms + c.exits() - c.entries);
            (retired, at_risk)
        })
    });
    let total = |k: Kind| {
        counts.iter().fold((0.0, 0.0), |(a, b), c| {
            (a + c[k.index()].0, b + c[k.index()].1)
        })
    };
    let (retired, at_risk) = total(Kind::Conventional);
    let expected = 0.002 * at_risk;
    // A Poisson count: within four standard deviations of its expectation.
    assert!(
        (retired - expected).abs() < 4.0 * expected.sqrt(),
        "conventional retirements {retired}, expected {expected:.1}"
    );
    for k in [
        Kind::WorkerCoop,
        Kind::SocialCoopA,
        Kind::SocialCoopB,
        Kind::PublicServiceMutual,
    ] {
        assert_eq!(
            total(k).0,
            0.0,
            "{}: a retiring member is replaced",
            k.name()
        );
    }
}

#[test]
fn a_firm_with_a_successor_is_not_closed_by_retirement() {
    let mut s = retirement_only();
    set(&mut s, "kinds.conventional.succession_share", "1");
    let retired = ensemble(&s, false, |r| {
        kind_sum(&r.months, Kind::Conventional, |c| c.exits_retirement)
    });
    assert_eq!(retired.iter().sum::<f64>(), 0.0);
}

#[test]
fn owners_close_more_firms_the_better_their_outside_option() {
    let closures = |share: &str| {
        let mut s = shipped_with("no_crisis.toml", REPLICATIONS);
        for k in Kind::ALL {
            set(
                &mut s,
                &format!("kinds.{}.owners_outside_pay_share", k.name()),
                share,
            );
        }
        ensemble(&s, false, |r| {
            let closed: f64 = Kind::ALL
                .iter()
                .map(|&k| kind_sum(&r.months, k, |c| c.exits_closure))
                .sum();
            closed
        })
    };
    let (low, shipped, high) = (closures("0.5"), closures("0.7"), closures("0.9"));
    assert_clearly_greater("closures, outside pay 0.7 vs 0.5", &shipped, &low);
    assert_clearly_greater("closures, outside pay 0.9 vs 0.7", &high, &shipped);
}

#[test]
fn a_recession_lowers_the_outside_option_and_so_closures() {
    // The same crisis with and without the fall in outside pay: with it, owners hold on.
    let closures = |cut: &str| {
        let mut s = shipped_with("baseline_2008.toml", REPLICATIONS);
        set(&mut s, "crisis.outside_pay_cut", cut);
        let window = coopsim::model::crisis_window(&s);
        ensemble(&s, false, move |r| {
            let months = &r.months[window.start as usize..window.end as usize];
            Kind::ALL
                .iter()
                .map(|&k| kind_sum(months, k, |c| c.exits_closure))
                .sum::<f64>()
        })
    };
    assert_clearly_greater(
        "closures in the crisis window, cut 0 vs 0.3",
        &closures("0"),
        &closures("0.3"),
    );
}

/// A worker co-op of the baseline's first replication with reserves and debt, as two copies:
/// every reserve locked, and every reserve divisible.
fn coop_locked_and_divisible(s: &Scenario) -> (Firm, Firm) {
    let economy = Economy::new(s, 0, RunOptions::default());
    let firm = economy
        .firms()
        .iter()
        .find(|f| f.kind == Kind::WorkerCoop && f.reserves() > 0.0 && f.debt() > 0.0)
        .expect("a co-op with reserves and debt")
        .clone();
    let reserves = firm.reserves();
    let mut locked = firm.clone();
    locked.reserves_indivisible = reserves;
    locked.reserves_divisible = 0.0;
    let mut divisible = firm;
    divisible.reserves_indivisible = 0.0;
    divisible.reserves_divisible = reserves;
    (locked, divisible)
}

#[test]
fn the_fund_lends_to_a_coop_whose_business_pays_its_way_not_to_one_whose_does_not() {
    // Two copies of a worker co-op out of cash: one as productive as its kind, one a third less.
    // With the viability test the fund lends to the first only; without it, to both. A fall in
    // demand does not make a firm unviable: the test reads the firm, not this month's sales.
    let s = shipped_with("baseline_2008.toml", 1);
    let economy = Economy::new(&s, 0, RunOptions::default());
    let mut sound = economy
        .firms()
        .iter()
        .find(|f| f.kind == Kind::WorkerCoop)
        .expect("a worker co-op")
        .clone();
    let k = KindRules::new(&s, Kind::WorkerCoop);
    let t = SectorTech::new(&s, sound.sector);
    sound.productivity = t.productivity
        * s.kinds
            .worker_coop
            .capital_per_worker_share
            .powf(s.technology.capital_output_elasticity);
    sound.cash = -sound.last_costs - sound.reserves();
    sound.result = -0.5 * sound.last_costs;
    sound.market_demand = 0.0;
    let mut weak = sound.clone();
    weak.productivity *= 2.0 / 3.0;
    assert!(sound.viable(&k, &t) && !weak.viable(&k, &t));
    let mut terms = LoanTerms::new(&s);
    assert!(terms.fund_viability_test, "the shipped default");
    let fund_ask = |f: &Firm, terms: &LoanTerms| {
        let request = f
            .clone()
            .repay_and_request(0, &k, &t, terms, &mut Flows::default())
            .expect("a firm out of cash asks to borrow");
        request.fund_amount
    };
    assert!(fund_ask(&sound, &terms) > 0.0);
    assert_eq!(fund_ask(&weak, &terms), 0.0);
    terms.fund_viability_test = false;
    assert!(fund_ask(&weak, &terms) > 0.0);
}

#[test]
fn locked_reserves_ease_bank_terms() {
    // The same firm with its reserves locked or divisible: the bank, which discounts what
    // members may withdraw, sees it as less leveraged when they are locked.
    let s = shipped_with("baseline_2008.toml", 1);
    let (locked, divisible) = coop_locked_and_divisible(&s);
    let t = SectorTech::new(&s, locked.sector);
    let haircut = s.bank.divisible_reserve_haircut;
    let locked = locked.bank_leverage_after(&t, 10.0, haircut);
    let divisible = divisible.bank_leverage_after(&t, 10.0, haircut);
    assert!(
        locked < divisible,
        "locked {locked} vs divisible {divisible}"
    );
}

#[test]
fn firms_hoard_labour_through_a_transitory_dip() {
    // A sharp two-month dip in manufacturing and construction, over in four: firms that set
    // headcount by the demand they expect to persist keep more of their workers than firms that
    // follow every month's demand.
    let trough_heads = |weight: &str| {
        let mut s = shipped_with("baseline_2008.toml", 3 * REPLICATIONS);
        set(&mut s, "crisis.fall_months", "1");
        set(&mut s, "crisis.duration_months", "2");
        set(&mut s, "crisis.recovery_months", "2");
        set(&mut s, "crisis.shape", "v");
        set(&mut s, "crisis.credit_crunch.max_leverage_cut", "0");
        set(
            &mut s,
            "kinds.conventional.headcount_expectation_weight",
            weight,
        );
        let onset = s.crisis.onset_month as usize;
        ensemble(&s, false, move |r| {
            let heads = |m: usize| r.months[m].cells.kind_total(Kind::Conventional).heads;
            (onset..onset + 6).map(heads).fold(f64::INFINITY, f64::min) / heads(onset - 1)
        })
    };
    assert_clearly_greater(
        "conventional employment at the dip's trough, hoarding vs not",
        &trough_heads("0.03"),
        &trough_heads("1"),
    );
}

#[test]
fn firms_pay_bills_late_before_their_creditors_wind_them_up() {
    // The same crisis with creditors who tolerate no late payment and with ones who tolerate a
    // month of costs: tolerance turns some insolvencies into survivals.
    let insolvencies = |limit: &str| {
        let mut s = shipped_with("baseline_2008.toml", REPLICATIONS);
        set(&mut s, "population.arrears_limit_months", limit);
        ensemble(&s, false, |r| {
            Kind::ALL
                .iter()
                .map(|&k| kind_sum(&r.months, k, |c| c.exits_insolvency))
                .sum::<f64>()
        })
    };
    assert_clearly_greater(
        "insolvencies, arrears limit 0 vs 1 month",
        &insolvencies("0"),
        &insolvencies("1"),
    );
}

#[test]
fn locked_reserves_keep_members_going() {
    // The same co-op with its reserves locked or divisible: locked reserves serve the members
    // only while the firm lasts, so they count toward keeping it going; divisible ones do not.
    let s = shipped_with("baseline_2008.toml", 1);
    let (locked, divisible) = coop_locked_and_divisible(&s);
    let k = KindRules::new(&s, Kind::WorkerCoop);
    let reserves = locked.reserves();
    let divisible = divisible.owners_expected_income(&k);
    assert_eq!(divisible, locked.owner_income);
    let locked = locked.owners_expected_income(&k);
    let horizon = s.kinds.worker_coop.locked_reserve_horizon_months;
    assert!(
        (locked - divisible - reserves / horizon).abs() < 1e-9,
        "locked {locked} vs divisible {divisible}, reserves {reserves}"
    );
}

#[test]
fn founders_learn_fastest_while_the_firm_is_young() {
    // With a plan worth few months of results, owners of new firms learn quickly that a poor
    // firm is poor: more of them close young than when the plan holds as long as for a going
    // concern (a plan worth 25 months: 1 / 25 is the going-concern weight 0.04).
    let young_closures = |prior: &str| {
        let mut s = shipped_with("no_crisis.toml", REPLICATIONS);
        set(&mut s, "population.founders_prior_months", prior);
        ensemble(&s, true, |r| {
            r.firms
                .iter()
                .filter(|f| {
                    matches!(f.exit, Some((m, coopsim::model::ExitReason::Closure))
                        if m - f.birth_month < 24 && f.birth_month >= 0)
                })
                .count() as f64
        })
    };
    assert_clearly_greater(
        "closures before age 2, plan worth 2 vs 25 months",
        &young_closures("2"),
        &young_closures("25"),
    );
}
