//! Same scenario and seed give bit-identical results whatever the thread count, and whether or not
//! a replication's firm passes are spread over threads.

mod common;

use coopsim::experiment::run_ensemble;
use coopsim::model::{MonthRecord, RunOptions, run_arms, run_replication, same_warm_up};

use common::*;

/// Every recorded number as raw bits, so NaN and signed zeros compare exactly too.
fn bits(months: &[MonthRecord]) -> Vec<u64> {
    let mut out = Vec::new();
    for m in months {
        for c in &m.cells.0 {
            out.extend(c.values().iter().map(|v| v.to_bits()));
        }
        let e = &m.economy;
        out.extend([e.bank_equity, e.bank_loans, e.fund_balance, e.lever_cost()].map(f64::to_bits));
        out.extend(m.demand_index.map(f64::to_bits));
    }
    out
}

#[test]
fn same_seed_same_bits_with_one_and_two_threads() {
    let mut s = shipped_with("baseline_2008.toml", 6);
    s.population.firms = 800;
    set(&mut s, "policy.credit_guarantee.coverage", "0.5");
    set(&mut s, "policy.worker_buyout.probability", "0.3");
    let run = |threads| {
        run_ensemble(&s, Some(threads), true, |r| {
            (bits(&r.months), r.firms.len())
        })
        .unwrap()
    };
    let one = run(1);
    let two = run(2);
    assert_eq!(one, two);
    // And the replications really differ from each other.
    assert_ne!(one[0].0, one[1].0);
}

#[test]
fn spreading_firms_over_threads_changes_no_bits() {
    let mut s = shipped_with("baseline_2008.toml", 1);
    s.population.firms = 5000;
    let serial = run_replication(
        &s,
        0,
        RunOptions {
            record_firms: false,
            parallel_firms: false,
        },
    );
    let parallel = run_replication(
        &s,
        0,
        RunOptions {
            record_firms: false,
            parallel_firms: true,
        },
    );
    assert_eq!(bits(&serial.months), bits(&parallel.months));
}

#[test]
fn a_different_seed_gives_different_results() {
    let mut s = shipped_with("baseline_2008.toml", 1);
    s.population.firms = 500;
    let a = run_replication(&s, 0, RunOptions::default());
    s.seed += 1;
    let b = run_replication(&s, 0, RunOptions::default());
    assert_ne!(bits(&a.months), bits(&b.months));
}

#[test]
fn arms_that_share_a_warm_up_give_the_bits_of_each_warmed_up_alone() {
    let mut s = shipped_with("baseline_2008.toml", 1);
    s.population.firms = 600;
    s.warmup_months = 36;
    set(&mut s, "policy.worker_buyout.probability", "0.3");
    let control = s.without_shock();
    // A policy arm does not share: its warm-up differs.
    let mut policy = s.clone();
    set(
        &mut policy,
        "kinds.worker_coop.indivisible_reserve_share",
        "0",
    );
    assert!(same_warm_up(&s, &control) && !same_warm_up(&s, &policy));
    let keep = RunOptions {
        record_firms: true,
        parallel_firms: false,
    };
    let drop = RunOptions {
        record_firms: false,
        ..keep
    };
    // The control first without firm records, then the scenario with them, as `run` orders them.
    let arms = [(&control, drop), (&policy, keep), (&s, keep)];
    let mut shared = Vec::new();
    run_arms(&arms, 2, |a, r| shared.push((a, r)));
    assert_eq!(
        shared.iter().map(|(a, _)| *a).collect::<Vec<_>>(),
        [0, 1, 2]
    );
    for ((a, r), (scenario, options)) in shared.iter().zip(arms) {
        let alone = run_replication(scenario, 2, options);
        assert_eq!(bits(&r.months), bits(&alone.months), "arm {a}");
        assert_eq!(r.firms, alone.firms, "arm {a}");
        assert_eq!(r.year_on_year, alone.year_on_year, "arm {a}");
    }
    // The shock made a difference after the shared warm-up, and firm records are kept only where
    // they were asked for, warm-up exits included.
    assert_ne!(bits(&shared[0].1.months), bits(&shared[2].1.months));
    assert!(shared[0].1.firms.is_empty());
    assert!(
        shared[2]
            .1
            .firms
            .iter()
            .any(|f| f.exit.is_some_and(|(t, _)| t < 0))
    );
}
