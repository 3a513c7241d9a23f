//! The economy and its month. `Economy::step` runs the ten steps of MODEL.md section 3 in order;
//! read it first. Everything here is pure and deterministic: no I/O, no clock, no globals, and
//! every random draw comes from a stream keyed by (seed, replication, firm or shared stream).
//!
//! Money is accounted in five places: firms (cash + reserves - debt), households (workers, owners,
//! suppliers and consumers: the closing sector), the bank (equity), the mutual fund (cash + loans)
//! and the government, which stands outside: its payments are the only injections, so the sum of
//! the other four changes by exactly `Ledger::net_injection` each month (MODEL.md 6).

use rand::RngExt;
use rand_distr::{Distribution, Exp, Poisson};
use rayon::prelude::*;

use crate::scenario::{Kind, Scenario, Sector};

use super::bank::{self, Bank, Conditions, Decision, LoanRequest};
use super::firm::{Firm, Flows, KindRules, LoanTerms, MonthContext, SectorTech};
use super::fund::Fund;
use super::government::Ledger;
use super::record::{
    Cells, Conversion, EconomyStats, ExitReason, FirmRecord, MonthRecord, Origin, YearOnYear,
    YearTally,
};
use super::rng::{self, Stream, mean_one_shock, normal};
use super::sector::{Environment, crisis_intensity, crisis_window};

/// Firms per block in per-firm passes. Sums over firms are taken block by block in a fixed order,
/// so results are bit-identical whether blocks run on one thread or many.
pub const CHUNK: usize = 1024;

/// How a replication is run (not what it models).
#[derive(Debug, Clone, Copy, Default)]
pub struct RunOptions {
    /// Keep one record per firm (needed for survival analysis and the firm table).
    pub record_firms: bool,
    /// Spread per-firm passes over threads (worth it from tens of thousands of firms).
    pub parallel_firms: bool,
}

/// What one replication produces.
#[derive(Debug, Clone)]
pub struct ReplicationResult {
    pub replication: u32,
    pub months: Vec<MonthRecord>,
    /// Empty unless `RunOptions::record_firms`; in order of id.
    pub firms: Vec<FirmRecord>,
    /// The worker buyouts among `firms`, in order of the co-ops' ids.
    pub conversions: Vec<Conversion>,
    /// Firm-level year-on-year changes of pay and heads over the recorded horizon.
    pub year_on_year: YearOnYear,
}

/// A public contract that was not renewed, back on the market (step 9).
#[derive(Debug, Clone, Copy)]
struct Tender {
    sector: Sector,
    /// Its value before any austerity cut.
    base_value: f64,
}

/// A firm that may win a contract let again: free of one, of a kind with a `relet_to` weight.
#[derive(Debug, Clone, Copy)]
struct Bidder {
    sector: Sector,
    kind: Kind,
    /// Its place among the live firms.
    position: usize,
    /// The contract value (before any austerity cut) it would take on: its kind's
    /// `public_contract_share` of its capacity at full hours.
    bid: f64,
}

/// A failing firm's workers taking it over (step 7), founded as a new firm in step 8.
#[derive(Debug, Clone)]
struct Buyout {
    /// Id of the firm taken over.
    predecessor: u64,
    sector: Sector,
    members: u32,
    productivity: f64,
    demand_weight: f64,
    expected_demand: f64,
    persistent_demand: f64,
    installed_fte: f64,
}

#[derive(Clone)]
pub struct Economy<'a> {
    scenario: &'a Scenario,
    replication: u32,
    options: RunOptions,
    kinds: Vec<KindRules>,
    tech: Vec<SectorTech>,
    /// Live firms (in an order that depends only on the replication: see `exits`).
    firms: Vec<Firm>,
    exited: Vec<FirmRecord>,
    /// Kept when recording firms.
    conversions: Vec<Conversion>,
    next_id: u64,
    /// The next month to simulate; negative during warm-up.
    month: i32,
    pub households: f64,
    pub bank: Bank,
    pub fund: Fund,
    sector_rng: Stream,
    entry_rng: Stream,
    tender_rng: Stream,
    /// Contracts back on the market that no free firm could take yet, oldest first (step 9).
    open_tenders: Vec<Tender>,
    /// Log AR(1) state of each sector's aggregate demand noise.
    sector_noise: [f64; Sector::COUNT],
    /// Market demand each sector starts with (the initial firms' market capacity).
    sector_base: [f64; Sector::COUNT],
    initial_firms: [f64; Sector::COUNT],
    /// This month's government flows.
    ledger: Ledger,
    /// This month's entries, exits and credit outcomes by kind x sector.
    events: Cells,
    buyouts: Vec<Buyout>,
    background_hazard: BackgroundHazard,
    /// Sum of live firms' demand weights by sector, as of the end of the last month.
    weight_sum: [f64; Sector::COUNT],
    /// The bank's equity when the crisis began (the base of its write-downs).
    bank_equity_at_onset: f64,
    /// The market wage relative to calm times: every kind's standard wage is the sector's times it.
    market_pay: f64,
    year_on_year: YearOnYear,
    /// Scale of a firm's demand volatility by headcount (index: heads, capped at the last entry).
    size_volatility: Vec<f64>,
}

/// Largest headcount with its own entry in the size-volatility table; larger firms share its value.
const SIZE_TABLE: usize = 1024;

/// Volatility of a firm's demand relative to a firm of median initial size: (heads / median) to the
/// power -`volatility_size_exponent` (Stanley et al. 1996: growth-rate dispersion falls with size).
fn size_volatility(s: &Scenario) -> Vec<f64> {
    let p = &s.population;
    (0..=SIZE_TABLE)
        .map(|h| (h.max(1) as f64 / p.initial_heads_median).powf(-p.volatility_size_exponent))
        .collect()
}

/// The background exit hazard by age in months (MODEL.md 3.7): the base hazard, raised for young
/// firms (liability of newness). Tabulated for the ages a run meets, so the exponential is not
/// evaluated for every firm every month; the same formula gives the same bits beyond the table.
#[derive(Clone)]
struct BackgroundHazard {
    base: f64,
    newness_multiplier: f64,
    newness_months: f64,
    table: Vec<f64>,
}

impl BackgroundHazard {
    fn new(s: &Scenario) -> BackgroundHazard {
        let p = &s.population;
        let mut h = BackgroundHazard {
            base: p.background_exit_monthly,
            newness_multiplier: p.newness_multiplier,
            newness_months: p.newness_months,
            table: Vec::new(),
        };
        let ages = (s.months + s.warmup_months) as usize + 1200;
        h.table = (0..ages).map(|age| h.formula(age as f64)).collect();
        h
    }

    fn formula(&self, age: f64) -> f64 {
        self.base * (1.0 + self.newness_multiplier * (-age / self.newness_months).exp())
    }

    fn at(&self, age: i32) -> f64 {
        match self.table.get(age as usize) {
            Some(h) => *h,
            None => self.formula(f64::from(age)),
        }
    }
}

impl<'a> Economy<'a> {
    /// The economy at the start of the warm-up. The scenario must have passed validation.
    pub fn new(scenario: &'a Scenario, replication: u32, options: RunOptions) -> Economy<'a> {
        let s = scenario;
        let kinds: Vec<KindRules> = Kind::ALL.iter().map(|k| KindRules::new(s, *k)).collect();
        let tech: Vec<SectorTech> = Sector::ALL.iter().map(|x| SectorTech::new(s, *x)).collect();
        let mut economy = Economy {
            scenario,
            replication,
            options,
            kinds,
            tech,
            firms: Vec::with_capacity(s.population.firms as usize),
            exited: Vec::new(),
            conversions: Vec::new(),
            next_id: 0,
            month: -(s.warmup_months as i32),
            households: 0.0,
            bank: Bank {
                equity: 0.0,
                loans: 0.0,
                guaranteed: 0.0,
            },
            fund: Fund {
                cash: 0.0,
                loans: 0.0,
            },
            sector_rng: rng::stream(s.seed, replication, rng::SECTOR_STREAM),
            entry_rng: rng::stream(s.seed, replication, rng::ENTRY_STREAM),
            tender_rng: rng::stream(s.seed, replication, rng::TENDER_STREAM),
            open_tenders: Vec::new(),
            sector_noise: [0.0; Sector::COUNT],
            sector_base: [0.0; Sector::COUNT],
            initial_firms: [0.0; Sector::COUNT],
            ledger: Ledger::default(),
            events: Cells::default(),
            buyouts: Vec::new(),
            background_hazard: BackgroundHazard::new(s),
            weight_sum: [0.0; Sector::COUNT],
            bank_equity_at_onset: 0.0,
            market_pay: 1.0,
            year_on_year: YearOnYear::default(),
            size_volatility: size_volatility(s),
        };
        economy.populate();
        economy.weight_sum = chunked_sum(&economy.firms, demand_weights);
        economy
    }

    fn populate(&mut self) {
        let s = self.scenario;
        let p = &s.population;
        let birth_base = self.month;
        let age =
            Exp::new(1.0 / p.initial_age_mean_months.max(1e-9)).expect("validated: positive rate");
        let mut population_rng = rng::stream(s.seed, self.replication, rng::POPULATION_STREAM);
        let kind_weights: Vec<f64> = Kind::ALL.iter().map(|k| p.kind_mix.get(*k)).collect();
        for _ in 0..p.firms {
            let kind = Kind::ALL[pick(&kind_weights, &mut population_rng)];
            let sector_weights: Vec<f64> = Sector::ALL
                .iter()
                .map(|x| s.kinds.get(kind).sector_mix.get(*x))
                .collect();
            let sector = Sector::ALL[pick(&sector_weights, &mut population_rng)];
            let age_months = if p.initial_age_mean_months > 0.0 {
                age.sample(&mut population_rng)
            } else {
                0.0
            };
            let birth = birth_base - age_months.round() as i32;
            let mut firm = self.found(
                kind,
                sector,
                Origin::Initial,
                birth,
                p.initial_heads_median,
                0.0,
            );
            let market = (firm.productivity * firm.effective_heads(&self.kinds[kind.index()])
                - firm.contract_value)
                .max(0.0);
            // A going concern starts with the reserves its surplus rule aims for (MODEL.md 8), split
            // as that rule would have built them, so the warm-up need not build them from nothing.
            let k = &self.kinds[kind.index()];
            let target = firm.reserve_target(k);
            firm.reserves_indivisible = locked_share_of_reserves(k) * target;
            firm.reserves_divisible = target - firm.reserves_indivisible;
            self.sector_base[sector.index()] += market;
            self.initial_firms[sector.index()] += 1.0;
            self.bank.loans += firm.bank_debt;
            self.firms.push(firm);
        }
        self.bank.equity = s.bank.target_equity_to_loans * self.bank.loans;
        let members = self
            .firms
            .iter()
            .filter(|f| self.kinds[f.kind.index()].params.fund_access)
            .count();
        self.fund.cash = s.fund.initial_balance_per_member * members as f64;
        for sector in 0..Sector::COUNT {
            // Entrants in a sector with no initial firms still find a market.
            if self.sector_base[sector] == 0.0 {
                self.sector_base[sector] = self.tech[sector].productivity * p.entrant_heads_median;
            }
        }
    }

    /// A new firm with the standard balance sheet of a founding: capital for its workforce, a cash
    /// buffer, and debt at the scenario's founding leverage (the same for every kind).
    /// `contract_cut` is the austerity cut applying to contracts let now.
    fn found(
        &mut self,
        kind: Kind,
        sector: Sector,
        origin: Origin,
        birth: i32,
        median_heads: f64,
        contract_cut: f64,
    ) -> Firm {
        let s = self.scenario;
        let id = self.next_id;
        self.next_id += 1;
        let mut rng = rng::stream(s.seed, self.replication, id);
        let k = &self.kinds[kind.index()];
        let t = &self.tech[sector.index()];
        let sigma = s.population.initial_heads_sigma;
        let heads = (median_heads * (sigma * normal(&mut rng)).exp())
            .round()
            .max(1.0) as u32;
        let members = (k.params.member_share * heads as f64).round() as u32;
        let trainees =
            ((k.params.trainee_share * heads as f64).round() as u32).min(heads - members);
        // A kind that holds less capital per worker produces less per worker (Cobb-Douglas).
        let capital = k.params.capital_per_worker_share;
        // A founder does not know how good the new firm will be: entrants draw their productivity
        // with more dispersion than the going concerns of the initial population (Jovanovic 1982).
        let sigma = match origin {
            Origin::Entry => t
                .params
                .productivity_sigma
                .hypot(s.population.entrant_productivity_sigma),
            Origin::Initial | Origin::Buyout => t.params.productivity_sigma,
        };
        let productivity = t.productivity
            * capital.powf(s.technology.capital_output_elasticity)
            * mean_one_shock(&mut rng, sigma);
        let mut firm = Firm {
            id,
            kind,
            sector,
            origin,
            birth_month: birth,
            members,
            employees: heads - members - trainees,
            trainees,
            hours: 1.0,
            pay_index: 1.0,
            productivity,
            capital_share: capital / capital.powf(s.technology.capital_output_elasticity),
            demand_weight: 0.0,
            expected_demand: 0.0,
            persistent_demand: 0.0,
            installed_fte: heads as f64,
            cash: 0.0,
            reserves_divisible: 0.0,
            reserves_indivisible: 0.0,
            bank_debt: 0.0,
            guaranteed_debt: 0.0,
            bank_rate: 0.0,
            fund_debt: 0.0,
            negative_equity_months: 0,
            owner_income: 0.0,
            months_below_option: 0,
            last_costs: 0.0,
            contract_value: 0.0,
            contract_base_value: 0.0,
            contract_months_left: 0,
            onset: None,
            crisis_min_heads: None,
            year: YearTally::default(),
            rng,
            market_demand: 0.0,
            growth_request: 0.0,
            revenue: 0.0,
            wage_bill: 0.0,
            result: 0.0,
            refunds: 0.0,
        };
        let capacity = firm.productivity * firm.effective_heads(k);
        if k.params.public_contract_share > 0.0 {
            firm.contract_base_value = k.params.public_contract_share * capacity;
            firm.contract_value = firm.contract_base_value * (1.0 - contract_cut);
            let length = s.policy.public_contracts.length_months;
            firm.contract_months_left = match origin {
                // Initial contracts are part-way through their terms, so renewals are staggered.
                Origin::Initial => firm.rng.random_range(1..=length),
                _ => length,
            };
        }
        firm.demand_weight = (capacity - firm.contract_value).max(0.0);
        firm.expected_demand = capacity;
        firm.persistent_demand = capacity;
        firm.last_costs = firm.pay_rate(k, t) * heads as f64 + firm.fixed_costs(t);
        // A founder puts in the kind's founding cash; a going concern holds the buffer its payout
        // rule keeps (beside the reserves `populate` gives it), since losses come out of cash and
        // surpluses go to reserves once cash is back at the buffer (7.5).
        let cash_months = match origin {
            Origin::Initial => k.params.cash_buffer_months,
            Origin::Entry | Origin::Buyout => k.params.founding_cash_months,
        };
        firm.cash = cash_months * firm.last_costs;
        // A going concern has repaid part of its founding loan: the share its age has amortised.
        let age = (self.month - birth).max(0);
        let repaid = match origin {
            Origin::Initial => (1.0 - 1.0 / s.bank.loan_term_months as f64).powi(age),
            Origin::Entry | Origin::Buyout => 1.0,
        };
        let leverage = k.params.founding_leverage * repaid;
        firm.bank_debt = leverage * firm.assets(t);
        firm.bank_rate = s.bank.base_rate_annual
            + s.bank.spread_annual * leverage.powf(s.bank.leverage_exponent);
        // Founders plan with what a firm of their kind can expect in the sector (its capital per
        // worker included): they learn their own from results. A going concern's owners know theirs.
        let planned_with = match origin {
            Origin::Entry => t.productivity * capital.powf(s.technology.capital_output_elasticity),
            Origin::Initial | Origin::Buyout => firm.productivity,
        };
        firm.owner_income = firm.planned_owners_income(k, t, planned_with);
        firm
    }

    /// Simulates the next month (MODEL.md section 3, steps 1-10). Returns its record, or `None`
    /// during the warm-up.
    pub fn step(&mut self) -> Option<MonthRecord> {
        let s = self.scenario;
        let t = self.month;
        self.ledger = Ledger::default();
        self.events = Cells::default();

        // 1. Environment: the scenario's crisis and austerity paths, and credit conditions.
        let env = Environment::at(s, t);
        // Pay is sticky: the market wage moves toward where the crisis takes it by at most
        // `market_pay_step` a month (real pay falls as inflation outruns nominal pay).
        let step = s.crisis.market_pay_step;
        self.market_pay = env
            .market_pay
            .clamp(self.market_pay - step, self.market_pay + step);
        for tech in &mut self.tech {
            tech.wage = tech.params.wage_monthly * self.market_pay;
        }
        let credit = Conditions::at(s, &env);
        if t == s.crisis.onset_month as i32 {
            self.snapshot_onset();
            self.bank_equity_at_onset = self.bank.equity;
        }
        self.write_down(&env);
        // 2. Demand: each sector's demand, split by demand weight among its live firms.
        let ctx = self.sector_demand(&env);
        // 2-5. Per firm: demand, labour and production, costs and result, surplus distribution;
        // and the firm's side of 6: loans amortise, reserves cover losses, a loan request.
        let (market_capacity, requests) = self.operate_firms(&ctx);
        // 6. Finance: the bank's rationed lending, the fund's emergency loans.
        let decisions = self.lend(&credit, &requests);
        // 6-7. The loans are booked on the firms; exit: insolvency, persistent negative equity,
        // background hazard; buyouts.
        self.exits(t, &env, &requests, &decisions);
        // 8. Entry and conversion.
        self.entry(t, &env, &credit, &ctx, &market_capacity);
        // 9. Public contracts tick down; at term they are renewed or lost. 10. Record the month
        // (in the same pass over the firms; recording reads nothing step 9 changes).
        let record = self.close_month(t, &env, &ctx, &credit);
        self.month += 1;
        record
    }

    /// The crunch's shock to the bank's capital from outside the SME book (MODEL.md 8): as the
    /// crisis deepens, the bank writes off `bank_equity_loss` of its onset equity in proportion to
    /// the rise in crisis intensity this month, on loans to borrowers outside the model's firms
    /// (mortgages, commercial property), whose debts are written off with them: households gain
    /// what the bank loses, so no money is created or lost.
    fn write_down(&mut self, env: &Environment) {
        let loss = self.scenario.crisis.credit_crunch.bank_equity_loss;
        if loss == 0.0 {
            return;
        }
        let rise = env.crisis - crisis_intensity(&self.scenario.crisis, env.month - 1);
        if rise > 0.0 {
            let amount = loss * rise * self.bank_equity_at_onset.max(0.0);
            self.bank.equity -= amount;
            self.households += amount;
        }
    }

    fn snapshot_onset(&mut self) {
        for f in &mut self.firms {
            f.onset = Some(f.snapshot(&self.tech[f.sector.index()]));
            f.crisis_min_heads = Some(f.heads());
        }
    }

    fn sector_demand(&mut self, env: &Environment) -> MonthContext {
        let s = self.scenario;
        let years_elapsed = (self.month + s.warmup_months as i32) as f64 / 12.0;
        let mut sector_demand = [0.0; Sector::COUNT];
        let mut sector_cycle = [1.0; Sector::COUNT];
        for sector in Sector::ALL {
            let i = sector.index();
            let p = &self.tech[i].params;
            let z = normal(&mut self.sector_rng);
            self.sector_noise[i] =
                p.demand_persistence * self.sector_noise[i] + p.demand_volatility * z;
            // Mean-one correction for the stationary variance of the log AR(1).
            let variance = p.demand_volatility.powi(2) / (1.0 - p.demand_persistence.powi(2));
            let noise = (self.sector_noise[i] - 0.5 * variance).exp();
            let trend = (1.0 + p.demand_trend_annual).powf(years_elapsed);
            sector_demand[i] = self.sector_base[i] * trend * env.demand_multiplier[i] * noise;
            sector_cycle[i] = env.demand_multiplier[i] * noise;
        }
        MonthContext {
            sector_demand,
            sector_cycle,
            weight_sum: self.weight_sum,
            inverse_weight_sum: self.weight_sum.map(|w| if w > 0.0 { 1.0 / w } else { 0.0 }),
            expectation_weight: s.expectation_weight,
            fund_rate_monthly: s.fund.loan_rate_annual / 12.0,
            guarantee_fee_monthly: s.policy.credit_guarantee.fee_annual / 12.0,
            contract_results_share: s.policy.public_contracts.results_share,
            contract_results_noise: s.policy.public_contracts.results_noise,
            month: self.month,
            founders_prior_months: s.population.founders_prior_months,
        }
    }

    /// Steps 2-5 and the firms' side of step 6, for every firm in one pass, block by block:
    /// demand, labour, production and pay, the surplus, then loan repayment and a loan request.
    /// Each firm's part depends only on the firm and the month's context, so doing one firm's
    /// steps together is the same as doing each step for all firms. Returns market capacity by
    /// sector and the loan requests in firm order.
    fn operate_firms(&mut self, ctx: &MonthContext) -> ([f64; Sector::COUNT], Vec<LoanRequest>) {
        let s = self.scenario;
        let kinds = &self.kinds;
        let tech = &self.tech;
        let technology = &s.technology;
        let size_volatility = &self.size_volatility[..];
        let terms = LoanTerms::new(s);
        // Each step runs over the whole block before the next starts: the block stays in cache
        // and each loop is small and predictable (measured: about a quarter faster than running
        // all steps firm by firm).
        let process = |(block, chunk): (usize, &mut [Firm])| {
            let mut flows = Flows::default();
            let mut requests = Vec::new();
            let mut adjustment_costs = [0.0; CHUNK];
            let costs = &mut adjustment_costs[..chunk.len()];
            for firm in chunk.iter_mut() {
                firm.growth_request = 0.0;
                let (k, t) = (&kinds[firm.kind.index()], &tech[firm.sector.index()]);
                firm.receive_demand(ctx, k, t, size_volatility);
            }
            for (firm, cost) in chunk.iter_mut().zip(costs.iter_mut()) {
                let (k, t) = (&kinds[firm.kind.index()], &tech[firm.sector.index()]);
                let cycle = ctx.sector_cycle[firm.sector.index()];
                *cost = firm.adjust_labour(k, t, technology, cycle, &mut flows);
            }
            for (firm, cost) in chunk.iter_mut().zip(costs.iter()) {
                let (k, t) = (&kinds[firm.kind.index()], &tech[firm.sector.index()]);
                firm.produce_and_pay(ctx, k, t, *cost, &mut flows);
            }
            for firm in chunk.iter_mut() {
                let (k, t) = (&kinds[firm.kind.index()], &tech[firm.sector.index()]);
                firm.distribute_surplus(ctx, k, t, &mut flows);
            }
            for (i, firm) in chunk.iter_mut().enumerate() {
                let (k, t) = (&kinds[firm.kind.index()], &tech[firm.sector.index()]);
                if let Some(r) = firm.repay_and_request(block * CHUNK + i, k, t, &terms, &mut flows)
                {
                    requests.push(r);
                }
            }
            (flows, requests)
        };
        let blocks = map_blocks(&mut self.firms, self.options.parallel_firms, process);
        let mut total = Flows::default();
        let mut requests = Vec::new();
        for (flows, block_requests) in blocks {
            total.add(&flows);
            requests.extend(block_requests);
        }
        self.households += total.households;
        self.bank.equity += total.bank;
        self.bank.loans -= total.bank_principal;
        self.bank.guaranteed -= total.guaranteed_principal;
        self.fund.cash += total.fund + total.fund_principal;
        self.fund.loans -= total.fund_principal;
        self.ledger.add(&total.government);
        (total.market_capacity, requests)
    }

    /// Step 6, the lenders' side: the bank serves requests least leveraged first while its
    /// capital allows (credit rationing); a co-op it refuses may get an emergency loan from the
    /// fund. Decisions are taken on the requests alone (one per request, in the requests' order);
    /// `exits` books them on the firms.
    fn lend(&mut self, credit: &Conditions, requests: &[LoanRequest]) -> Vec<Decision> {
        let s = self.scenario;
        let max_leverage = if credit.guarantee > 0.0 {
            credit.max_leverage_guaranteed
        } else {
            credit.max_leverage
        };
        let bank_share = 1.0 - credit.guarantee;
        let mut headroom = self.bank.headroom(credit);
        let mut decisions = vec![Decision::Refused; requests.len()];
        for position in bank::queue(requests, self.options.parallel_firms) {
            let r = &requests[position as usize];
            let cell = self.events.cell_mut(r.kind, r.sector);
            cell.credit_requested += r.amount;
            if r.leverage <= max_leverage && bank_share * r.amount <= headroom {
                headroom -= bank_share * r.amount;
                self.bank.loans += r.amount;
                self.bank.guaranteed += credit.guarantee * r.amount;
                decisions[position as usize] = Decision::Bank {
                    amount: r.amount,
                    rate: credit.rate(r.leverage, s.bank.leverage_exponent),
                    guarantee: credit.guarantee,
                };
                continue;
            }
            cell.credit_refused += r.amount;
            cell.loans_refused += 1.0;
            let amount = r.fund_amount;
            if amount <= 0.0
                || amount < r.shortfall
                || amount > self.fund.cash
                || r.fund_leverage > s.fund.max_leverage
            {
                continue;
            }
            self.fund.cash -= amount;
            self.fund.loans += amount;
            cell.fund_support += amount;
            decisions[position as usize] = Decision::Fund { amount };
        }
        // The bank pays out equity above its target (raised during the crunch: deleveraging).
        let target = (s.bank.target_equity_to_loans + credit.capital_requirement
            - s.bank.capital_requirement)
            * self.bank.loans;
        if self.bank.equity > target {
            let payout = s.bank.payout_speed * (self.bank.equity - target);
            self.bank.equity -= payout;
            self.households += payout;
        }
        decisions
    }

    /// The end of step 6 and step 7. Block by block (in parallel for large populations), the
    /// lenders' decisions are booked on the firms and then each firm's exit is decided from its own
    /// state and draws; then the exits are wound up one by one, from the last position down. An exiting firm's place is taken by the last firm, so an exit moves one
    /// firm, not all those behind it; the order of firms is then no longer the order of ids, but
    /// it depends only on the replication's own draws.
    fn exits(
        &mut self,
        t: i32,
        env: &Environment,
        requests: &[LoanRequest],
        decisions: &[Decision],
    ) {
        let s = self.scenario;
        let p = &s.population;
        let buyout = &s.policy.worker_buyout;
        let (kinds, tech, hazard) = (&self.kinds, &self.tech, &self.background_hazard);
        let decide = |(block, chunk): (usize, &mut [Firm])| {
            // Requests are in firm order, so each block books its own run of decisions.
            let start = block * CHUNK;
            let from = requests.partition_point(|r| r.firm < start);
            let to = requests.partition_point(|r| r.firm < start + chunk.len());
            for (r, d) in requests[from..to].iter().zip(&decisions[from..to]) {
                chunk[r.firm - start].take_loan(*d);
            }
            let mut leaving = Vec::new();
            for (i, f) in chunk.iter_mut().enumerate() {
                if f.equity(&tech[f.sector.index()]) < 0.0 {
                    f.negative_equity_months += 1;
                } else {
                    f.negative_equity_months = 0;
                }
                let (k, st) = (&kinds[f.kind.index()], &tech[f.sector.index()]);
                if f.owners_expected_income(k) < f.owners_outside_option(k, st, env.outside_pay) {
                    f.months_below_option += 1;
                } else {
                    f.months_below_option = 0;
                }
                // A firm out of cash pays its bills late, up to what its creditors tolerate.
                let insolvent = f.cash < -1e-9 - p.arrears_limit_months * f.last_costs;
                let financial = insolvent || f.negative_equity_months > p.negative_equity_months;
                // One draw decides the exogenous hazard and retirement without a successor.
                let u = f.rng.random::<f64>();
                let exogenous = hazard.at((t - f.birth_month).max(0));
                let reason = if financial {
                    if k.params.buyout_eligible
                        && buyout.probability > 0.0
                        && f.rng.random::<f64>() < buyout.probability
                    {
                        ExitReason::Converted
                    } else if insolvent {
                        ExitReason::Insolvency
                    } else {
                        ExitReason::NegativeEquity
                    }
                } else if f.months_below_option > k.params.closure_patience_months {
                    ExitReason::Closure
                } else if u < exogenous {
                    ExitReason::Background
                } else if u < exogenous + f.retirement_closure_hazard(k) {
                    ExitReason::Retirement
                } else {
                    continue;
                };
                leaving.push((block * CHUNK + i, reason));
            }
            leaving
        };
        let leaving = map_blocks(&mut self.firms, self.options.parallel_firms, decide).concat();
        for &(i, reason) in leaving.iter().rev() {
            let mut f = self.firms.swap_remove(i);
            // The public service a closing provider delivered goes on: its contract goes back to
            // tender (MODEL.md 8), to be let in step 8 or 9.
            if f.contract_months_left > 0 {
                self.open_tenders.push(Tender {
                    sector: f.sector,
                    base_value: f.contract_base_value,
                });
            }
            if reason == ExitReason::Converted {
                let members = ((buyout.member_share * f.heads() as f64).round() as u32).max(1);
                self.buyouts.push(Buyout {
                    predecessor: f.id,
                    sector: f.sector,
                    members,
                    productivity: f.productivity,
                    demand_weight: f.demand_weight,
                    expected_demand: f.expected_demand * members as f64 / f.heads().max(1) as f64,
                    persistent_demand: f.persistent_demand * members as f64
                        / f.heads().max(1) as f64,
                    installed_fte: f.installed_fte,
                });
            }
            self.settle_exit(&mut f);
            let cell = self.events.cell_mut(f.kind, f.sector);
            cell.count_exit(reason);
            cell.jobs_lost_in_exits += f.heads() as f64;
            if self.options.record_firms {
                self.exited.push(firm_record(&f, Some((t, reason))));
            }
        }
    }

    /// Winds up an exiting firm: liquid assets pay the bank, then the fund, then unpaid creditors;
    /// the bank recovers a share of what is left of its loan from collateral (bought by households)
    /// and the guarantee covers its share of the loss; what remains goes to the owners, except
    /// asset-locked reserves, which go to the mutual fund (Italian law 59/1992). After this the
    /// firm holds nothing and owes nothing.
    fn settle_exit(&mut self, f: &mut Firm) {
        let s = self.scenario;
        let unpaid_creditors = (-f.cash).max(0.0);
        let mut free = f.cash.max(0.0) + f.reserves_divisible;
        let mut locked = f.reserves_indivisible;
        let mut pay = |amount: f64| {
            let from_free = amount.min(free);
            free -= from_free;
            let from_locked = (amount - from_free).min(locked);
            locked -= from_locked;
            from_free + from_locked
        };
        let to_bank = pay(f.bank_debt);
        let uncovered = f.bank_debt - to_bank;
        let recovered = s.bank.recovery_share * uncovered;
        let loss = uncovered - recovered;
        let guarantee_call = if f.bank_debt > 0.0 {
            loss * f.guaranteed_debt / f.bank_debt
        } else {
            0.0
        };
        self.bank.loans -= f.bank_debt;
        self.bank.guaranteed -= f.guaranteed_debt;
        self.bank.equity += to_bank + recovered - f.bank_debt + guarantee_call;
        self.households -= recovered;
        self.ledger.guarantee_calls += guarantee_call;

        let to_fund = pay(f.fund_debt);
        self.fund.loans -= f.fund_debt;
        self.fund.cash += to_fund;

        let to_creditors = pay(unpaid_creditors);
        // Creditors who were owed more than the firm had lose the difference.
        self.households -= unpaid_creditors - to_creditors;
        self.households += free;
        self.fund.cash += locked;

        f.cash = 0.0;
        f.reserves_divisible = 0.0;
        f.reserves_indivisible = 0.0;
        f.bank_debt = 0.0;
        f.guaranteed_debt = 0.0;
        f.fund_debt = 0.0;
    }

    fn entry(
        &mut self,
        t: i32,
        env: &Environment,
        credit: &Conditions,
        ctx: &MonthContext,
        capacity: &[f64; Sector::COUNT],
    ) {
        let s = self.scenario;
        let p = &s.population;
        let contract_cut = s.austerity.contract_value_cut * env.austerity;
        for sector in Sector::ALL {
            let i = sector.index();
            // New firms come where demand outruns the capacity of those already there (MODEL.md 3.8).
            let pull = if capacity[i] > 0.0 {
                (ctx.sector_demand[i] / capacity[i]).clamp(0.0, 3.0)
            } else {
                3.0
            };
            let rate = p.entry_rate_monthly
                * self.initial_firms[i].max(1.0)
                * pull.powf(p.entry_demand_elasticity);
            if rate <= 0.0 {
                continue;
            }
            let n = Poisson::new(rate)
                .map(|d| d.sample(&mut self.entry_rng) as u64)
                .unwrap_or(0);
            let weights: Vec<f64> = Kind::ALL
                .iter()
                .map(|k| {
                    let kp = s.kinds.get(*k);
                    p.kind_mix.get(*k) * kp.sector_mix.get(sector) * kp.founding_rate_relative
                })
                .collect();
            if weights.iter().sum::<f64>() <= 0.0 {
                continue;
            }
            for _ in 0..n {
                let kind = Kind::ALL[pick(&weights, &mut self.entry_rng)];
                let mut firm = self.found(
                    kind,
                    sector,
                    Origin::Entry,
                    t,
                    p.entrant_heads_median,
                    contract_cut,
                );
                // An entrant takes demand in proportion to its capacity, at the sector's going rate.
                let k = &self.kinds[kind.index()];
                let market =
                    (firm.productivity * firm.effective_heads(k) - firm.contract_value).max(0.0);
                firm.demand_weight = if capacity[i] > 0.0 {
                    market * ctx.weight_sum[i] / capacity[i]
                } else {
                    market
                };
                // Founders do not know how many customers they will win.
                if p.entrant_demand_sigma > 0.0 {
                    firm.demand_weight *= mean_one_shock(&mut firm.rng, p.entrant_demand_sigma);
                }
                // Founders need their startup loan; without it the firm is not founded.
                if (1.0 - credit.guarantee) * firm.bank_debt > self.bank.headroom(credit) {
                    continue;
                }
                // A provider founded to deliver public services, of a kind contracts are re-let
                // to, takes on services on tender in its sector rather than new ones spun out.
                if s.policy.public_contracts.relet_to.get(kind) > 0.0 {
                    self.take_open_tenders(sector, firm.contract_base_value);
                }
                self.admit(firm, credit);
            }
        }
        let buyouts = std::mem::take(&mut self.buyouts);
        let into = s.policy.worker_buyout.into_kind;
        for b in buyouts {
            let mut firm = self.found(into, b.sector, Origin::Buyout, t, 1.0, contract_cut);
            if self.options.record_firms {
                self.conversions.push(Conversion {
                    coop: firm.id,
                    predecessor: b.predecessor,
                });
            }
            let t = &self.tech[b.sector.index()];
            firm.members = b.members;
            firm.employees = 0;
            firm.trainees = 0;
            firm.productivity = b.productivity;
            firm.demand_weight = b.demand_weight;
            firm.expected_demand = b.expected_demand;
            firm.persistent_demand = b.persistent_demand;
            firm.installed_fte = b.installed_fte;
            firm.contract_value = 0.0;
            firm.contract_base_value = 0.0;
            firm.contract_months_left = 0;
            // Marcora: members' unemployment benefits are advanced as the co-op's capital; the
            // old firm's debts stayed with it.
            let capital =
                s.policy.worker_buyout.capital_months * t.params.wage_monthly * b.members as f64;
            firm.bank_debt = 0.0;
            firm.cash = capital;
            let k = &self.kinds[into.index()];
            firm.last_costs = firm.pay_rate(k, t) * b.members as f64 + firm.fixed_costs(t);
            firm.owner_income = firm.planned_owners_income(k, t, firm.productivity);
            self.ledger.worker_buyout += capital;
            let cell = self.events.cell_mut(firm.kind, firm.sector);
            cell.entries += 1.0;
            self.firms.push(firm);
        }
    }

    /// Books a founding: founders (households) put in equity and buy the capital from households,
    /// and the bank lends the rest.
    fn admit(&mut self, firm: Firm, credit: &Conditions) {
        let t = &self.tech[firm.sector.index()];
        let capital = firm.capital(t);
        let founders_equity = capital + firm.cash - firm.bank_debt;
        self.households += capital - founders_equity;
        self.bank.loans += firm.bank_debt;
        let guaranteed = credit.guarantee * firm.bank_debt;
        self.bank.guaranteed += guaranteed;
        let mut firm = firm;
        firm.guaranteed_debt = guaranteed;
        self.events.cell_mut(firm.kind, firm.sector).entries += 1.0;
        self.firms.push(firm);
    }

    /// Steps 9 and 10 in one pass over the firms, block by block: public contracts tick down and
    /// at term are renewed (at the austerity-cut value) or lost; then the firm is counted into the
    /// month's record (from month 0), and its demand weight into next month's sector sums.
    fn close_month(
        &mut self,
        t: i32,
        env: &Environment,
        ctx: &MonthContext,
        credit: &Conditions,
    ) -> Option<MonthRecord> {
        let s = self.scenario;
        let pc = &s.policy.public_contracts;
        let cut = s.austerity.contract_value_cut * env.austerity;
        let recording = t >= 0;
        let in_crisis = recording && crisis_window(s).contains(&(t as u32));
        let year_ends = recording && (t + 1) % 12 == 0;
        let tech = &self.tech;
        let kinds = &self.kinds;
        let bids = Kind::ALL.map(|k| {
            pc.relet_to.get(k) > 0.0 && kinds[k.index()].params.public_contract_share > 0.0
        });
        let process = |(block, chunk): (usize, &mut [Firm])| {
            let mut cells = Cells::default();
            let mut year_on_year = YearOnYear::default();
            let mut tenders = Vec::new();
            let mut bidders = Vec::new();
            let mut providers = [false; Sector::COUNT];
            for (i, f) in chunk.iter_mut().enumerate() {
                let mut lost = false;
                if f.contract_months_left > 0 {
                    f.contract_months_left -= 1;
                    if f.contract_months_left == 0 {
                        if f.rng.random::<f64>() < pc.renewal_probability {
                            f.contract_months_left = pc.length_months;
                            f.contract_value = f.contract_base_value * (1.0 - cut);
                        } else {
                            tenders.push(Tender {
                                sector: f.sector,
                                base_value: f.contract_base_value,
                            });
                            f.contract_value = 0.0;
                            f.contract_base_value = 0.0;
                            lost = true;
                        }
                    }
                }
                providers[f.sector.index()] |= bids[f.kind.index()];
                // A firm free to bid for a contract let again this month (not the one losing it).
                if f.contract_months_left == 0 && !lost && bids[f.kind.index()] {
                    let k = &kinds[f.kind.index()];
                    bidders.push(Bidder {
                        sector: f.sector,
                        kind: f.kind,
                        position: block * CHUNK + i,
                        bid: k.params.public_contract_share * f.productivity * f.effective_heads(k),
                    });
                }
                if !recording {
                    continue;
                }
                let heads = f.heads();
                if let (true, Some(min)) = (in_crisis, f.crisis_min_heads.as_mut()) {
                    *min = (*min).min(heads);
                }
                f.year.count(f.wage_bill + f.refunds, heads);
                if year_ends && let Some((pay, heads)) = f.year.close_year() {
                    year_on_year.pay[f.kind.index()].push(pay);
                    year_on_year.heads[f.kind.index()].push(heads);
                }
                let t = &tech[f.sector.index()];
                let c = cells.cell_mut(f.kind, f.sector);
                c.firms += 1.0;
                c.heads += heads as f64;
                c.members += f.members as f64;
                c.fte += f.hours * heads as f64;
                c.wage_bill += f.wage_bill + f.refunds;
                c.revenue += f.revenue;
                c.result += f.result;
                c.cash += f.cash;
                c.reserves += f.reserves();
                c.indivisible_reserves += f.reserves_indivisible;
                c.debt += f.debt();
                c.assets += f.assets(t);
            }
            let weights = demand_weights(chunk);
            (cells, weights, year_on_year, tenders, bidders, providers)
        };
        let partials = map_blocks(&mut self.firms, self.options.parallel_firms, process);
        // Sums of blocks in block order: the same bits on any number of threads.
        let mut cells = Cells::default();
        let mut weights = [0.0; Sector::COUNT];
        let (mut tenders, mut bidders) = (Vec::new(), Vec::new());
        let mut providers = [false; Sector::COUNT];
        for (c, w, y, lost, bids, present) in &partials {
            cells.add(c);
            self.year_on_year.add(y);
            tenders.extend_from_slice(lost);
            bidders.extend_from_slice(bids);
            for (a, b) in providers.iter_mut().zip(present) {
                *a |= b;
            }
            for (a, b) in weights.iter_mut().zip(w) {
                *a += b;
            }
        }
        self.weight_sum = weights;
        self.relet(&tenders, &bidders, &providers, cut);
        if !recording {
            return None;
        }
        let mut all = cells;
        all.add(&self.events);
        let mut economy = EconomyStats {
            bank_equity: self.bank.equity,
            bank_loans: self.bank.loans,
            bank_headroom: self.bank.headroom(credit),
            fund_balance: self.fund.balance(),
            fund_loans: self.fund.loans,
            ..EconomyStats::default()
        };
        self.ledger.record_into(&mut economy);
        let demand_index = Sector::ALL.map(|x| {
            let i = x.index();
            ctx.sector_demand[i] / self.sector_base[i]
        });
        Some(MonthRecord {
            month: t as u32,
            cells: all,
            economy,
            demand_index,
        })
    }

    /// Step 9, continued: each contract that was not renewed, and each one a closing provider
    /// held (step 7), goes back to tender (MODEL.md 8: the public service goes on, so the sector
    /// does not shrink by construction). It is let, at this month's value, to the firms of its
    /// sector that hold no contract (not the one that just lost it), of kinds with a `relet_to`
    /// weight: each such firm wins with a chance proportional to its kind's weight and takes on
    /// as much of the service as its kind's business model carries, `public_contract_share` of
    /// its capacity; what is left goes to the next winner (a service is let in lots, as
    /// commissioners split large contracts). What no free firm can take this month stays open and
    /// is offered again next month, first, and to providers founded meanwhile (step 8), while its
    /// sector has firms of a bidding kind; only in a sector with none does it leave the model
    /// (in-sourced). `bidders` are the free firms of bidding kinds, in the order of the firms;
    /// `providers` says by sector whether any firm of such a kind is alive.
    fn relet(
        &mut self,
        tenders: &[Tender],
        bidders: &[Bidder],
        providers: &[bool; Sector::COUNT],
        cut: f64,
    ) {
        let mut open = std::mem::take(&mut self.open_tenders);
        open.extend_from_slice(tenders);
        if open.is_empty() {
            return;
        }
        let pc = &self.scenario.policy.public_contracts;
        let mut free: Vec<Vec<&Bidder>> = (0..Sector::COUNT).map(|_| Vec::new()).collect();
        for b in bidders {
            free[b.sector.index()].push(b);
        }
        for mut tender in open {
            let pool = &mut free[tender.sector.index()];
            while tender.base_value > 0.0 && !pool.is_empty() {
                let weights: Vec<f64> = pool.iter().map(|b| pc.relet_to.get(b.kind)).collect();
                let winner = pool.swap_remove(pick(&weights, &mut self.tender_rng));
                let lot = winner.bid.min(tender.base_value);
                tender.base_value -= lot;
                let firm = &mut self.firms[winner.position];
                firm.contract_base_value = lot;
                firm.contract_value = lot * (1.0 - cut);
                firm.contract_months_left = pc.length_months;
            }
            if tender.base_value > 0.0 && providers[tender.sector.index()] {
                self.open_tenders.push(tender);
            }
        }
    }

    /// Step 8: a provider founded to deliver public services in `sector` takes on `amount` of
    /// the services on tender there, oldest first, before any is spun out for it.
    fn take_open_tenders(&mut self, sector: Sector, amount: f64) {
        let mut wanted = amount;
        for tender in self.open_tenders.iter_mut().filter(|x| x.sector == sector) {
            let lot = tender.base_value.min(wanted);
            tender.base_value -= lot;
            wanted -= lot;
            if wanted <= 0.0 {
                break;
            }
        }
        self.open_tenders.retain(|x| x.base_value > 0.0);
    }

    /// Value (before any austerity cut) of the public services on tender that no firm has taken
    /// on yet (step 9).
    pub fn services_on_tender(&self) -> f64 {
        self.open_tenders.iter().map(|t| t.base_value).sum()
    }

    /// The month the next `step` simulates (negative during warm-up).
    pub fn month(&self) -> i32 {
        self.month
    }

    pub fn firms(&self) -> &[Firm] {
        &self.firms
    }

    pub fn tech(&self, sector: Sector) -> &SectorTech {
        &self.tech[sector.index()]
    }

    /// Sum of the balances of all accounted sectors (MODEL.md 6).
    pub fn money_total(&self) -> f64 {
        let firms: f64 = chunked_sum(&self.firms, |chunk| {
            [chunk.iter().map(|f| f.liquid() - f.debt()).sum::<f64>()]
        })[0];
        firms + self.households + self.bank.equity + self.fund.balance()
    }

    /// Money the government put in during the last month.
    pub fn last_injection(&self) -> f64 {
        self.ledger.net_injection()
    }

    /// One record per firm that ever lived in this replication, in order of id, and the worker
    /// buyouts among them (requires `record_firms`).
    pub fn into_firm_records(self) -> (Vec<FirmRecord>, Vec<Conversion>) {
        let mut records = self.exited;
        records.extend(self.firms.iter().map(|f| firm_record(f, None)));
        records.sort_by_key(|r| r.id);
        (records, self.conversions)
    }

    /// This economy, warmed up under its scenario, going on under `scenario`, whose warm-up is the
    /// same (`same_warm_up`), with `options`. Shares one warm-up among the arms of a unit that
    /// differ only in their shock (a run and its control), with the same bits as warming up each:
    /// the kind and sector rules are rebuilt from `scenario`, and the firm records of the warm-up
    /// are dropped when the new options do not keep them.
    pub fn rebind(self, scenario: &'a Scenario, options: RunOptions) -> Economy<'a> {
        debug_assert!(same_warm_up(self.scenario, scenario));
        debug_assert!(self.month <= 0, "only a warm-up is shared");
        let (exited, conversions) = if options.record_firms {
            (self.exited, self.conversions)
        } else {
            (Vec::new(), Vec::new())
        };
        let s = scenario;
        Economy {
            scenario,
            options,
            kinds: Kind::ALL.iter().map(|k| KindRules::new(s, *k)).collect(),
            tech: Sector::ALL.iter().map(|x| SectorTech::new(s, *x)).collect(),
            exited,
            conversions,
            ..self
        }
    }
}

fn firm_record(f: &Firm, exit: Option<(i32, ExitReason)>) -> FirmRecord {
    FirmRecord {
        id: f.id,
        kind: f.kind,
        sector: f.sector,
        origin: f.origin,
        birth_month: f.birth_month,
        exit,
        onset: f.onset,
        crisis_min_heads: f.crisis_min_heads,
    }
}

/// The share of reserves that is asset-locked when a kind's surplus rule builds them: locked over
/// locked plus retained per unit of surplus.
fn locked_share_of_reserves(k: &KindRules) -> f64 {
    let p = &k.params;
    let locked = p.indivisible_reserve_share;
    let retained = (1.0 - locked - p.fund_levy_share) * (1.0 - p.payout_share);
    if locked + retained > 0.0 {
        locked / (locked + retained)
    } else {
        0.0
    }
}

/// Index drawn with probability proportional to `weights` (which must not all be zero).
fn pick(weights: &[f64], rng: &mut Stream) -> usize {
    let total: f64 = weights.iter().sum();
    let mut u = rng.random::<f64>() * total;
    for (i, w) in weights.iter().enumerate() {
        if u < *w {
            return i;
        }
        u -= w;
    }
    weights.iter().rposition(|w| *w > 0.0).unwrap_or(0)
}

/// `f` on every block of `CHUNK` firms with its block number, on the thread pool or in turn;
/// results in block order either way, so sums taken over them in order are the same bits.
fn map_blocks<T: Send>(
    firms: &mut [Firm],
    parallel: bool,
    f: impl Fn((usize, &mut [Firm])) -> T + Sync + Send,
) -> Vec<T> {
    if parallel {
        firms.par_chunks_mut(CHUNK).enumerate().map(f).collect()
    } else {
        firms.chunks_mut(CHUNK).enumerate().map(f).collect()
    }
}

/// Sum of the firms' demand weights by sector (step 2 splits each sector's demand by them).
fn demand_weights(firms: &[Firm]) -> [f64; Sector::COUNT] {
    let mut w = [0.0; Sector::COUNT];
    for f in firms {
        w[f.sector.index()] += f.demand_weight;
    }
    w
}

/// Per-sector (or any fixed-size) sums over firms, block by block in a fixed order.
fn chunked_sum<const N: usize>(firms: &[Firm], f: impl Fn(&[Firm]) -> [f64; N]) -> [f64; N] {
    let mut total = [0.0; N];
    for chunk in firms.chunks(CHUNK) {
        for (a, b) in total.iter_mut().zip(f(chunk)) {
            *a += b;
        }
    }
    total
}

/// Firms that ever live in one replication, generously: entrants at the scenario's entry rate on
/// an unchanging population over warm-up and horizon, plus a quarter for demand-driven entry.
pub fn firms_ever(s: &Scenario) -> u64 {
    firms_within(s, s.months + s.warmup_months)
}

/// Firms that live in the first `months` simulated months, as `firms_ever` estimates them.
fn firms_within(s: &Scenario, months: u32) -> u64 {
    let firms = f64::from(s.population.firms.max(1));
    (firms * (1.0 + 1.25 * s.population.entry_rate_monthly * f64::from(months))).ceil() as u64
}

/// Bytes of the live firms (a vector that doubles once if entrants outnumber exits) and, when
/// `record_firms`, of one record per firm of the `ever` that lived (a vector grown by doubling).
fn firm_bytes(s: &Scenario, ever: u64, record_firms: bool) -> u64 {
    let firms = u64::from(s.population.firms.max(1));
    let live = if ever > firms { 2 * firms } else { firms };
    let records = if record_firms { 2 * ever } else { 0 };
    live * size_of::<Firm>() as u64 + records * size_of::<FirmRecord>() as u64
}

/// An upper estimate of the bytes one replication holds at its peak: its firms and their records
/// (`firm_bytes`) and the monthly records.
pub fn replication_bytes(s: &Scenario, record_firms: bool) -> u64 {
    firm_bytes(s, firms_ever(s), record_firms)
        + u64::from(s.months) * size_of::<MonthRecord>() as u64
}

/// An upper estimate of the bytes a warmed-up economy holds while it waits for the arms that share
/// it (`run_arms`): its live firms and, when `record_firms`, the records of the firms that left
/// during the warm-up.
pub fn warm_up_bytes(s: &Scenario, record_firms: bool) -> u64 {
    firm_bytes(s, firms_within(s, s.warmup_months), record_firms)
}

/// Runs one replication from warm-up to horizon.
pub fn run_replication(
    scenario: &Scenario,
    replication: u32,
    options: RunOptions,
) -> ReplicationResult {
    finish(warm_up(scenario, replication, options))
}

/// Whether two scenarios have the same warm-up, bit for bit, so that one warmed-up economy can go
/// on under either (`Economy::rebind`). They must be the same once their shocks are removed (seed,
/// warm-up, population, kinds, sectors, bank, policies and the shock's timing): every shock
/// parameter enters the month only multiplied by the crisis or austerity intensity, and both are
/// exactly 0 before their onsets, which are recorded months, so after the warm-up.
pub fn same_warm_up(a: &Scenario, b: &Scenario) -> bool {
    std::ptr::eq(a, b) || a.without_shock() == b.without_shock()
}

/// The economy of replication `replication` at the end of its warm-up, ready for month 0.
pub fn warm_up(scenario: &Scenario, replication: u32, options: RunOptions) -> Economy<'_> {
    let mut economy = Economy::new(scenario, replication, options);
    while economy.month() < 0 {
        let record = economy.step();
        debug_assert!(record.is_none(), "warm-up months are not recorded");
    }
    economy
}

/// Replication `replication` of each of `arms` (scenario and options), in order, handed to `each`
/// as it finishes. Arms with the same warm-up (`same_warm_up`: a run and its control) share one:
/// it is simulated once, kept while the arms that need it run from copies of it, and the last of
/// them takes it. The results are those of `run_replication` on each arm, bit for bit.
pub fn run_arms(
    arms: &[(&Scenario, RunOptions)],
    replication: u32,
    mut each: impl FnMut(usize, ReplicationResult),
) {
    // Each arm's group: the first arm with the same warm-up; and whether it is the group's last.
    let leader: Vec<usize> = (0..arms.len())
        .map(|a| {
            (0..a)
                .find(|&b| same_warm_up(arms[b].0, arms[a].0))
                .unwrap_or(a)
        })
        .collect();
    let last: Vec<bool> = (0..arms.len())
        .map(|a| !leader[a + 1..].contains(&leader[a]))
        .collect();
    let mut warmed: Vec<(usize, Economy)> = Vec::new();
    for (a, &(scenario, options)) in arms.iter().enumerate() {
        let group = leader[a];
        let position = match warmed.iter().position(|(g, _)| *g == group) {
            Some(p) => p,
            None => {
                // Warmed up keeping firm records if any arm of the group keeps them.
                let record_firms =
                    (0..arms.len()).any(|b| leader[b] == group && arms[b].1.record_firms);
                let options = RunOptions {
                    record_firms,
                    ..options
                };
                warmed.push((group, warm_up(arms[group].0, replication, options)));
                warmed.len() - 1
            }
        };
        let economy = if last[a] {
            warmed.swap_remove(position).1
        } else {
            warmed[position].1.clone()
        };
        each(a, finish(economy.rebind(scenario, options)));
    }
}

/// Runs an economy from where it is to its scenario's horizon.
pub fn finish(mut economy: Economy<'_>) -> ReplicationResult {
    let scenario = economy.scenario;
    let options = economy.options;
    let replication = economy.replication;
    let mut months = Vec::with_capacity(scenario.months as usize);
    while economy.month() < scenario.months as i32 {
        if let Some(record) = economy.step() {
            months.push(record);
        }
    }
    let year_on_year = economy.year_on_year;
    let (firms, conversions) = if options.record_firms {
        economy.into_firm_records()
    } else {
        (Vec::new(), Vec::new())
    };
    ReplicationResult {
        replication,
        months,
        firms,
        conversions,
        year_on_year,
    }
}
