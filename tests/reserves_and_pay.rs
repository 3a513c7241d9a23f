//! Rules of the second version (MODEL.md 8): reserves have a target; a co-op's members are paid
//! an advance and, once reserves are built, the rest of the surplus as refunds; public contracts
//! that are not renewed, or whose provider closes, are let again; founders start with their
//! kind's founding cash and a market of uncertain size.

mod common;

use coopsim::model::firm::KindRules;
use coopsim::model::{Economy, Origin, RunOptions};
use coopsim::scenario::{Kind, Scenario};

use common::*;

const REPLICATIONS: u32 = 8;

#[test]
fn reserves_stay_near_their_target_without_a_shock() {
    // Under the first version's rule reserves / assets of co-ops rose by about 11 pp over the
    // horizon with no shock; with a target they stay within 3 pp of where they start. (The
    // stricter 2 pp band of VALIDATION.md's T11 is measured by `coopsim validate`.)
    let s = shipped_with("no_crisis.toml", REPLICATIONS);
    let drift = ensemble(&s, false, |r| {
        let share = |m: usize, k| {
            let c = r.months[m].cells.kind_total(k);
            c.reserves / c.assets
        };
        Kind::ALL.map(|k| share(r.months.len() - 1, k) - share(0, k))
    });
    for k in Kind::ALL {
        let (mean, _) = mean_se(&drift.iter().map(|d| d[k.index()]).collect::<Vec<_>>());
        assert!(
            mean.abs() < 0.03,
            "{}: reserves / assets drift {mean:.4}",
            k.name()
        );
    }
}

#[test]
fn a_higher_reserve_target_means_more_reserves_and_less_paid_out() {
    let share = |s: &coopsim::scenario::Scenario| {
        ensemble(s, false, |r| {
            let c = r.months[s.crisis.onset_month as usize - 1]
                .cells
                .kind_total(Kind::WorkerCoop);
            (c.reserves / c.assets, c.wage_bill / c.fte)
        })
    };
    // Pay differs by about 1.5%, and the two economies' paths part once their co-ops pay out
    // differently, so this needs more replications than the file's other claims.
    let low = shipped_with("no_crisis.toml", 3 * REPLICATIONS);
    let mut high = low.clone();
    set(&mut high, "kinds.worker_coop.reserve_target_months", "8");
    let (low, high) = (share(&low), share(&high));
    let reserves = |v: &[(f64, f64)]| v.iter().map(|x| x.0).collect::<Vec<_>>();
    let pay = |v: &[(f64, f64)]| v.iter().map(|x| x.1).collect::<Vec<_>>();
    assert_clearly_greater(
        "co-op reserves / assets, target 8 vs 4",
        &reserves(&high),
        &reserves(&low),
    );
    assert_clearly_greater("co-op pay per FTE, target 4 vs 8", &pay(&low), &pay(&high));
}

#[test]
fn coop_members_are_paid_refunds_beyond_their_advance() {
    // Pay per FTE above the advance (0.85 of the standard wage) is refunds from the surplus; with
    // no refunds it is the advance, no more.
    let pay = |s: &coopsim::scenario::Scenario| {
        ensemble(s, false, |r| {
            let c = r.months[s.crisis.onset_month as usize - 1]
                .cells
                .kind_total(Kind::WorkerCoop);
            c.wage_bill / c.fte
        })
    };
    let with = shipped_with("no_crisis.toml", REPLICATIONS);
    let mut without = with.clone();
    set(&mut without, "kinds.worker_coop.refund_share", "0");
    assert_clearly_greater(
        "co-op pay per FTE with vs without refunds",
        &pay(&with),
        &pay(&without),
    );
}

#[test]
fn public_contracts_are_relet_when_lost() {
    // A contract a mutual does not keep goes to another provider: with no renewals at all, the
    // contracts mutuals hold at the horizon are worth far more when lost ones are re-let than when
    // they leave the model, and the mutuals keep more of their jobs.
    let at_horizon = |s: &coopsim::scenario::Scenario| {
        ensemble(s, false, |r| {
            let c = r
                .months
                .last()
                .unwrap()
                .cells
                .kind_total(Kind::PublicServiceMutual);
            c.heads
        })
    };
    // Four times the file's replications: with no renewals at all, the mutuals' fortunes over the
    // warm-up and horizon are so unequal that 16 replications pin the difference down only to
    // about 3 standard errors (2.8 once the fund lent only to viable co-ops).
    let mut relet = shipped_with("no_crisis.toml", 4 * REPLICATIONS);
    set(
        &mut relet,
        "policy.public_contracts.renewal_probability",
        "0",
    );
    let mut gone = relet.clone();
    for kind in ["social_coop_a", "social_coop_b", "public_service_mutual"] {
        set(
            &mut gone,
            &format!("policy.public_contracts.relet_to.{kind}"),
            "0",
        );
    }
    assert_clearly_greater(
        "mutuals' jobs at the horizon, contracts re-let vs gone",
        &at_horizon(&relet),
        &at_horizon(&gone),
    );
}

#[test]
fn members_leaving_a_losing_coop_take_divisible_reserves_with_them() {
    // Without an asset lock, reserves are the members' to take: each month a co-op makes a loss,
    // leaving members take a share of its divisible reserves. So through the crisis a co-op that
    // locks none of its surplus is left with less than one that locks its legal 30%.
    let reserves = |s: &coopsim::scenario::Scenario| {
        let end = coopsim::model::crisis_window(s).end as usize - 1;
        ensemble(s, false, |r| {
            let c = r.months[end].cells.kind_total(Kind::WorkerCoop);
            c.reserves / c.assets
        })
    };
    let locked = shipped_with("baseline_2008.toml", REPLICATIONS);
    let mut unlocked = locked.clone();
    set(
        &mut unlocked,
        "kinds.worker_coop.indivisible_reserve_share",
        "0",
    );
    let mut kept = unlocked.clone();
    set(
        &mut kept,
        "kinds.worker_coop.withdrawal_under_losses_monthly",
        "0",
    );
    let (locked, unlocked, kept) = (reserves(&locked), reserves(&unlocked), reserves(&kept));
    assert_clearly_greater(
        "co-op reserves at window end, locked vs not",
        &locked,
        &unlocked,
    );
    assert_clearly_greater(
        "co-op reserves at window end, no withdrawals vs withdrawals",
        &kept,
        &unlocked,
    );
}

#[test]
fn going_concerns_start_with_their_cash_buffer_and_founders_with_their_founding_cash() {
    // An initial firm is a going concern: its surplus rule has put what it holds beyond the cash
    // buffer into reserves (which start at their target), so it does not start with a founder's
    // cash on top, which the warm-up and horizon would slowly turn into reserves. Entrants are
    // founded with their kind's founding cash.
    let s = shipped_with("no_crisis.toml", 1);
    let mut e = Economy::new(&s, 0, RunOptions::default());
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs().max(1.0);
    for f in e.firms() {
        let k = s.kinds.get(f.kind);
        assert!(
            close(f.cash, k.cash_buffer_months * f.last_costs),
            "{} starts with {:.3} months of costs in cash",
            f.kind.name(),
            f.cash / f.last_costs
        );
    }
    let mut founded = 0;
    for _ in 0..24 {
        let month = e.month();
        e.step();
        for f in e.firms() {
            if f.origin == Origin::Entry && f.birth_month == month {
                let k = s.kinds.get(f.kind);
                assert!(close(f.cash, k.founding_cash_months * f.last_costs));
                founded += 1;
            }
        }
    }
    assert!(founded > 0, "no entrant in two years");
}

/// Spread (sd of log, within a sector and month of birth) of new firms' demand weight per unit of
/// the market capacity they were founded with, over two years of foundings.
fn entrants_market_spread(entrant_demand_sigma: &str) -> (f64, usize) {
    let mut s = shipped_with("no_crisis.toml", 1);
    set(
        &mut s,
        "population.entrant_demand_sigma",
        entrant_demand_sigma,
    );
    let mut e = Economy::new(&s, 0, RunOptions::default());
    let (mut squares, mut n) = (0.0, 0usize);
    for _ in 0..24 {
        let month = e.month();
        e.step();
        let mut groups: std::collections::BTreeMap<usize, Vec<f64>> = Default::default();
        for f in e.firms() {
            if f.origin == Origin::Entry && f.birth_month == month {
                let k = KindRules::new(&s, f.kind);
                let market = f.productivity * f.effective_heads(&k) - f.contract_value;
                if market > 0.0 {
                    let ratio = (f.demand_weight / market).ln();
                    groups.entry(f.sector.index()).or_default().push(ratio);
                }
            }
        }
        for g in groups.values().filter(|g| g.len() > 1) {
            let mean = g.iter().sum::<f64>() / g.len() as f64;
            squares += g.iter().map(|x| (x - mean).powi(2)).sum::<f64>();
            n += g.len() - 1;
        }
    }
    ((squares / n.max(1) as f64).sqrt(), n)
}

#[test]
fn founders_find_a_market_of_uncertain_size_only_when_asked_to() {
    // By default an entrant takes demand in proportion to its capacity at its sector's going rate,
    // so entrants of one sector and month have the same weight per unit of capacity. With
    // `entrant_demand_sigma` the market each finds is a mean-one lognormal draw of that sd.
    let (none, n) = entrants_market_spread("0");
    assert!(n > 100, "only {n} entrants to compare");
    assert!(none < 1e-9, "spread {none} without the parameter");
    let (spread, n) = entrants_market_spread("0.4");
    assert!(n > 100, "only {n} entrants to compare");
    // The sample sd of n normal draws has a standard error of about sigma / sqrt(2n).
    let se = 0.4 / (2.0 * n as f64).sqrt();
    assert!(
        (spread - 0.4).abs() < 4.0 * se,
        "spread {spread} for sd 0.4 ({n} entrants)"
    );
}

/// A calm economy of 1,000 firms in which providers of public services close often and none are
/// founded, for the tests of re-tendering.
fn closing_providers() -> Scenario {
    let mut s = shipped_with("no_crisis.toml", 1);
    set(&mut s, "population.firms", "1000");
    set(&mut s, "warmup_months", "0");
    set(&mut s, "months", "48");
    set(&mut s, "population.background_exit_monthly", "0.01");
    for kind in ["social_coop_a", "social_coop_b", "public_service_mutual"] {
        set(&mut s, &format!("kinds.{kind}.founding_rate_relative"), "0");
    }
    s
}

fn contracts_held(e: &Economy) -> f64 {
    e.firms().iter().map(|f| f.contract_base_value).sum()
}

#[test]
fn the_public_services_of_closing_providers_go_back_to_tender() {
    // Nothing creates or ends a public service here (every contract is renewed, no new provider
    // brings one, no austerity), so what firms hold plus what waits on tender stays what it was,
    // month by month, while about a third of the providers close. If a closing provider's
    // contract left with it, the sum would fall with them.
    let mut s = closing_providers();
    set(&mut s, "policy.public_contracts.renewal_probability", "1");
    let mut e = Economy::new(&s, 0, RunOptions::default());
    let start = contracts_held(&e);
    let providers = |e: &Economy| {
        e.firms()
            .iter()
            .filter(|f| f.contract_base_value > 0.0)
            .count()
    };
    let at_start = providers(&e);
    while e.month() < s.months as i32 {
        e.step();
        let total = contracts_held(&e) + e.services_on_tender();
        assert!(
            (total - start).abs() <= 1e-9 * start,
            "month {}: {total:.3} contracted or on tender, {start:.3} at the start",
            e.month()
        );
    }
    assert!(
        (providers(&e) as f64) < 0.8 * at_start as f64,
        "too few providers closed for the test to mean anything"
    );
}

#[test]
fn a_service_back_on_tender_is_let_in_lots_each_winner_can_carry() {
    // With no renewals every contract goes back to tender at its term. A winner takes on at most
    // its kind's contract share of its capacity, so a large service is shared among several
    // providers rather than landing whole on a small one.
    let mut s = closing_providers();
    set(&mut s, "policy.public_contracts.renewal_probability", "0");
    let length = s.policy.public_contracts.length_months;
    let mut e = Economy::new(&s, 0, RunOptions::default());
    let mut let_this_month = 0;
    while e.month() < s.months as i32 {
        e.step();
        for f in e.firms() {
            if f.contract_months_left == length {
                let k = KindRules::new(&s, f.kind);
                let carry = k.params.public_contract_share * f.productivity * f.effective_heads(&k);
                assert!(
                    f.contract_base_value <= carry * (1.0 + 1e-9),
                    "{} took on {:.2}, can carry {carry:.2}",
                    f.kind.name(),
                    f.contract_base_value
                );
                let_this_month += 1;
            }
        }
    }
    assert!(let_this_month > 0, "no contract was let again");
}
