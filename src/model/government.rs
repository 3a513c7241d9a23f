//! The government: outside the accounted sectors, so its payments are the model's only injections
//! of money (MODEL.md 6). It buys public-service contracts and runs the policy levers; this ledger
//! records what each costs.

use super::record::EconomyStats;

/// Government flows of one month; positive = paid into the economy.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Ledger {
    pub public_contracts: f64,
    pub short_time_work: f64,
    /// Guarantee calls paid to the bank.
    pub guarantee_calls: f64,
    /// Guarantee fees received from firms (a withdrawal).
    pub guarantee_fees: f64,
    pub worker_buyout: f64,
    pub trainee_subsidy: f64,
}

impl Ledger {
    /// Net money the government put into the accounted sectors this month.
    pub fn net_injection(&self) -> f64 {
        self.public_contracts + self.short_time_work + self.guarantee_calls - self.guarantee_fees
            + self.worker_buyout
            + self.trainee_subsidy
    }

    pub fn add(&mut self, o: &Ledger) {
        self.public_contracts += o.public_contracts;
        self.short_time_work += o.short_time_work;
        self.guarantee_calls += o.guarantee_calls;
        self.guarantee_fees += o.guarantee_fees;
        self.worker_buyout += o.worker_buyout;
        self.trainee_subsidy += o.trainee_subsidy;
    }

    pub fn record_into(&self, e: &mut EconomyStats) {
        e.public_contracts = self.public_contracts;
        e.short_time_work = self.short_time_work;
        e.credit_guarantee_net = self.guarantee_calls - self.guarantee_fees;
        e.worker_buyout = self.worker_buyout;
        e.trainee_subsidy = self.trainee_subsidy;
    }
}
