//! The empirical patterns of MODEL.md section 1 emerge from the mechanisms on baseline_2008
//! against its no_crisis control. Each comparison is paired by replication (same seeds) and must
//! clear three standard errors.

mod common;

use coopsim::analysis::outcomes::{self, KindOutcome};
use coopsim::model::{Economy, RunOptions};
use coopsim::scenario::{Kind, Sector};

use common::*;

const REPLICATIONS: u32 = 48;

fn kind_outcomes(name: &str) -> Vec<[KindOutcome; Kind::COUNT]> {
    let s = shipped_with(name, REPLICATIONS);
    ensemble(&s, false, |r| {
        Kind::ALL.map(|k| outcomes::kind_outcome(&s, &r.months, k))
    })
}

fn column(rows: &[[KindOutcome; Kind::COUNT]], kind: Kind, f: fn(&KindOutcome) -> f64) -> Vec<f64> {
    rows.iter().map(|r| f(&r[kind.index()])).collect()
}

#[test]
fn p1_worker_coops_exit_less_than_conventional_firms_in_the_crisis() {
    let rows = kind_outcomes("baseline_2008.toml");
    let conventional = column(&rows, Kind::Conventional, |o| o.crisis_hazard);
    let coops = column(&rows, Kind::WorkerCoop, |o| o.crisis_hazard);
    assert_clearly_greater(
        "conventional vs worker co-op exit hazard",
        &conventional,
        &coops,
    );
}

#[test]
fn the_crisis_raises_conventional_firms_financial_exits_over_the_control() {
    let crisis = column(
        &kind_outcomes("baseline_2008.toml"),
        Kind::Conventional,
        |o| o.crisis_financial_hazard,
    );
    let control = column(&kind_outcomes("no_crisis.toml"), Kind::Conventional, |o| {
        o.crisis_financial_hazard
    });
    assert_clearly_greater(
        "financial exit hazard, crisis vs control",
        &crisis,
        &control,
    );
}

#[test]
fn p2_coops_adjust_pay_and_hours_while_conventional_firms_cut_headcount() {
    let rows = kind_outcomes("baseline_2008.toml");
    let conv_jobs = column(&rows, Kind::Conventional, |o| o.employment_change);
    let coop_jobs = column(&rows, Kind::WorkerCoop, |o| o.employment_change);
    assert_clearly_greater("co-op headcount falls less", &coop_jobs, &conv_jobs);
    let conv_pay = column(&rows, Kind::Conventional, |o| o.pay_change);
    let coop_pay = column(&rows, Kind::WorkerCoop, |o| o.pay_change);
    assert_clearly_greater("co-op pay per worker falls more", &conv_pay, &coop_pay);
}

#[test]
fn p3_coops_borrow_less_and_hold_more_reserves() {
    let rows = kind_outcomes("baseline_2008.toml");
    let conv_lev = column(&rows, Kind::Conventional, |o| o.leverage);
    let coop_lev = column(&rows, Kind::WorkerCoop, |o| o.leverage);
    assert_clearly_greater(
        "conventional leverage above co-op leverage",
        &conv_lev,
        &coop_lev,
    );
    let conv_res = column(&rows, Kind::Conventional, |o| o.reserves_share);
    let coop_res = column(&rows, Kind::WorkerCoop, |o| o.reserves_share);
    assert_clearly_greater(
        "co-op reserves above conventional reserves",
        &coop_res,
        &conv_res,
    );
}

#[test]
fn p4_coops_that_fail_in_the_crisis_were_fragile_at_onset() {
    let s = shipped_with("baseline_2008.toml", REPLICATIONS);
    let fragility = ensemble(&s, true, |r| {
        outcomes::fragility(&s, &r.firms, Kind::WorkerCoop)
    });
    let failed: usize = fragility.iter().map(|f| f.failed).sum();
    assert!(failed >= 100, "too few failed co-ops to judge ({failed})");
    let weighted = |get: fn(&outcomes::Fragility) -> (f64, usize)| {
        let (sum, n) = fragility
            .iter()
            .map(get)
            .filter(|(v, _)| v.is_finite())
            .fold((0.0, 0), |(s, n), (v, k)| (s + v * k as f64, n + k));
        sum / n as f64
    };
    let failed_leverage = weighted(|f| (f.failed_leverage, f.failed));
    let survived_leverage = weighted(|f| (f.survived_leverage, f.survived));
    let failed_cover = weighted(|f| (f.failed_months_covered, f.failed));
    let survived_cover = weighted(|f| (f.survived_months_covered, f.survived));
    assert!(
        failed_leverage > survived_leverage,
        "leverage at onset: failed {failed_leverage:.3} vs survived {survived_leverage:.3}"
    );
    assert!(
        failed_cover < survived_cover,
        "months covered at onset: failed {failed_cover:.2} vs survived {survived_cover:.2}"
    );
}

/// What the crisis did to each sector: baseline minus the paired no-crisis control (same seeds).
fn sector_impacts() -> Vec<[(f64, f64); Sector::COUNT]> {
    let per_run = |name: &str| {
        let s = shipped_with(name, REPLICATIONS);
        ensemble(&s, false, |r| {
            Sector::ALL.map(|x| {
                let o = outcomes::sector_outcome(&s, &r.months, x);
                (o.exits_per_firm, o.employment_change)
            })
        })
    };
    let crisis = per_run("baseline_2008.toml");
    let control = per_run("no_crisis.toml");
    crisis
        .iter()
        .zip(&control)
        .map(|(c, k)| std::array::from_fn(|i| (c[i].0 - k[i].0, c[i].1 - k[i].1)))
        .collect()
}

#[test]
fn p5_the_crisis_costs_social_services_fewer_firms_and_jobs_than_manufacturing_and_construction() {
    let impacts = sector_impacts();
    let extra_exits = |x: Sector| impacts.iter().map(|r| r[x.index()].0).collect::<Vec<_>>();
    let jobs_kept = |x: Sector| impacts.iter().map(|r| r[x.index()].1).collect::<Vec<_>>();
    for hit in [Sector::Manufacturing, Sector::Construction] {
        assert_clearly_greater(
            &format!(
                "extra exits per firm in {} above social services",
                hit.name()
            ),
            &extra_exits(hit),
            &extra_exits(Sector::SocialServices),
        );
        assert_clearly_greater(
            &format!("social services keep more jobs than {}", hit.name()),
            &jobs_kept(Sector::SocialServices),
            &jobs_kept(hit),
        );
    }
}

#[test]
fn p6_sizes_are_right_skewed_and_firms_enter_and_exit_every_month_without_a_crisis() {
    let s = shipped_with("no_crisis.toml", 1);
    let mut economy = Economy::new(&s, 0, RunOptions::default());
    let mut months = Vec::new();
    while economy.month() < s.months as i32 {
        if let Some(m) = economy.step() {
            months.push(m);
        }
    }
    for m in &months {
        let all: f64 = Kind::ALL
            .iter()
            .map(|k| m.cells.kind_total(*k).entries)
            .sum();
        let exits: f64 = Kind::ALL
            .iter()
            .map(|k| m.cells.kind_total(*k).exits())
            .sum();
        assert!(
            all > 0.0 && exits > 0.0,
            "month {}: {all} entries, {exits} exits",
            m.month
        );
    }
    let mut heads: Vec<u32> = economy.firms().iter().map(|f| f.heads()).collect();
    heads.sort_unstable();
    let n = heads.len();
    let mean = heads.iter().map(|h| *h as f64).sum::<f64>() / n as f64;
    let median = heads[n / 2] as f64;
    let top_decile: u32 = heads[n - n / 10..].iter().sum();
    let total: u32 = heads.iter().sum();
    assert!(mean > 1.3 * median, "mean {mean:.1} vs median {median}");
    assert!(
        top_decile as f64 > 0.3 * total as f64,
        "top 10% of firms hold {top_decile} of {total} jobs"
    );
}
