//! Stock-flow consistency (MODEL.md 6): every month, the sum of the balances of firms, households,
//! bank and fund changes by exactly the government's net injection, and the bank's loan book
//! equals the firms' bank debt.

mod common;

use coopsim::model::{Economy, RunOptions};
use coopsim::scenario::Scenario;

use common::*;

const TOLERANCE: f64 = 1e-10;

fn check_every_month(s: &Scenario) {
    for replication in 0..2 {
        let mut economy = Economy::new(s, replication, RunOptions::default());
        let mut before = economy.money_total();
        let mut injected = 0.0;
        while economy.month() < s.months as i32 {
            let month = economy.month();
            economy.step();
            let after = economy.money_total();
            let injection = economy.last_injection();
            injected += injection.abs();
            let scale = before.abs().max(after.abs()).max(1.0);
            assert!(
                (after - before - injection).abs() <= TOLERANCE * scale,
                "{} month {month}: balances moved by {} but the government injected {injection}",
                s.name,
                after - before
            );
            let debts: f64 = economy.firms().iter().map(|f| f.bank_debt).sum();
            assert!(
                (economy.bank.loans - debts).abs() <= 1e-9 * debts.max(1.0),
                "{} month {month}: bank books {} of loans, firms owe {debts}",
                s.name,
                economy.bank.loans
            );
            assert!(
                economy
                    .firms()
                    .iter()
                    .all(|f| f.cash >= -1e-9 || f.reserves() == 0.0),
                "negative cash beside reserves"
            );
            before = after;
        }
        assert!(
            injected > 0.0,
            "{}: the test must see government flows",
            s.name
        );
    }
}

#[test]
fn baseline_balances_change_only_by_injections() {
    let mut s = shipped("baseline_2008.toml");
    s.population.firms = 1500;
    check_every_month(&s);
}

#[test]
fn control_balances_change_only_by_injections() {
    let mut s = shipped("no_crisis.toml");
    s.population.firms = 1500;
    check_every_month(&s);
}

#[test]
fn with_every_lever_on_balances_change_only_by_injections() {
    let mut s = shipped("baseline_2008.toml");
    s.population.firms = 1500;
    set(&mut s, "policy.credit_guarantee.coverage", "0.8");
    set(&mut s, "policy.worker_buyout.probability", "0.5");
    set(&mut s, "policy.short_time_work.hours_floor", "0.5");
    set(&mut s, "policy.public_contracts.renewal_probability", "0.3");
    set(&mut s, "crisis.credit_crunch.max_leverage_cut", "0.5");
    check_every_month(&s);
}
