//! A firm and the rules it follows each month (MODEL.md 3.2-3.5 and 7). There is one firm type;
//! what a kind does differently comes from its `KindRules` (adjustment order, floors, surplus split,
//! asset lock, access to the fund), never from a branch on the kind itself.
//!
//! Money is in GBP thousand, output is valued at price 1, time is in months. Every payment a firm
//! makes or receives is added to `Flows` with its counterpart, so the economy can check that money
//! is neither created nor lost (MODEL.md 6).

use rand::RngExt;

use crate::scenario::{Kind, KindParams, Margin, Scenario, Sector, SectorParams, Technology};

use super::bank::{Decision, LoanRequest};
use super::government::Ledger;
use super::record::{OnsetSnapshot, Origin, YearTally};
use super::rng::{Stream, mean_one_shock, stochastic_round};

/// A kind's behaviour, resolved once per replication from its parameter block and the policy.
#[derive(Debug, Clone)]
pub struct KindRules {
    pub params: KindParams,
    /// Margins in the order used when demand falls (short-time work puts hours first).
    pub order: Vec<Margin>,
    pub hours_floor: f64,
    /// Share of lost pay the government replaces when hours are cut (0 without the scheme).
    pub short_time_replacement: f64,
    pub trainee_subsidy: f64,
}

impl KindRules {
    pub fn new(s: &Scenario, kind: Kind) -> KindRules {
        let params = s.kinds.get(kind).clone();
        let stw = &s.policy.short_time_work;
        let stw_on = stw.hours_floor < 1.0;
        let mut order = params.adjustment_order.clone();
        let mut hours_floor = params.hours_floor;
        if stw_on {
            // Short-time work makes shorter hours the cheapest margin for any firm (Kurzarbeit).
            order.retain(|m| *m != Margin::Hours);
            order.insert(0, Margin::Hours);
            hours_floor = hours_floor.min(stw.hours_floor);
        }
        KindRules {
            order,
            hours_floor,
            short_time_replacement: if stw_on { stw.replacement_rate } else { 0.0 },
            trainee_subsidy: s.policy.trainee_wage_subsidy,
            params,
        }
    }
}

/// A sector's technology, resolved once per replication.
#[derive(Debug, Clone)]
pub struct SectorTech {
    pub params: SectorParams,
    /// Output per FTE-month at the sector's standard firm: wage / labour share.
    pub productivity: f64,
    /// This month's standard wage: the sector's, times the market wage (`Environment::market_pay`).
    pub wage: f64,
}

impl SectorTech {
    pub fn new(s: &Scenario, sector: Sector) -> SectorTech {
        let params = s.sectors.get(sector).clone();
        SectorTech {
            productivity: params.wage_monthly / params.labour_share,
            wage: params.wage_monthly,
            params,
        }
    }
}

/// Money a group of firms paid to or received from the other sectors in one pass (positive = the
/// other sector received it).
#[derive(Debug, Clone, Copy, Default)]
pub struct Flows {
    pub households: f64,
    pub bank: f64,
    pub fund: f64,
    pub government: Ledger,
    /// Market capacity (output the firms could sell outside contracts) by sector, for entry.
    pub market_capacity: [f64; Sector::COUNT],
    /// Principal repaid to the bank (of which guaranteed) and to the fund.
    pub bank_principal: f64,
    pub guaranteed_principal: f64,
    pub fund_principal: f64,
}

impl Flows {
    pub fn add(&mut self, o: &Flows) {
        self.households += o.households;
        self.bank += o.bank;
        self.fund += o.fund;
        self.government.add(&o.government);
        for (a, b) in self.market_capacity.iter_mut().zip(o.market_capacity) {
            *a += b;
        }
        self.bank_principal += o.bank_principal;
        self.guaranteed_principal += o.guaranteed_principal;
        self.fund_principal += o.fund_principal;
    }
}

/// Loan terms a firm needs for its side of step 6.
#[derive(Debug, Clone, Copy)]
pub struct LoanTerms {
    /// Share of bank and of fund debt repaid each month (one over the term).
    pub bank_repayment: f64,
    pub fund_repayment: f64,
    /// Months of costs asked for on top of a cash shortfall.
    pub buffer_months: f64,
    pub fund_max_loan_months: f64,
    /// Whether the fund lends only to a firm with a viable plan (`fund.viability_test`).
    pub fund_viability_test: bool,
    /// Share of divisible reserves the bank discounts when it judges leverage.
    pub divisible_haircut: f64,
}

impl LoanTerms {
    pub fn new(s: &Scenario) -> LoanTerms {
        LoanTerms {
            bank_repayment: 1.0 / s.bank.loan_term_months as f64,
            fund_repayment: 1.0 / s.fund.loan_term_months as f64,
            buffer_months: s.bank.loan_buffer_months,
            fund_max_loan_months: s.fund.max_loan_months,
            fund_viability_test: s.fund.viability_test,
            divisible_haircut: s.bank.divisible_reserve_haircut,
        }
    }
}

/// What the economy tells every firm at the start of a month.
#[derive(Debug, Clone, Copy)]
pub struct MonthContext {
    /// Market demand of each sector (GBP thousand of output).
    pub sector_demand: [f64; Sector::COUNT],
    /// Each sector's demand relative to its normal level (its base and trend): below 1 in a downturn.
    pub sector_cycle: [f64; Sector::COUNT],
    /// Sum of live firms' demand weights by sector.
    pub weight_sum: [f64; Sector::COUNT],
    /// Its reciprocal (0 for a sector with no weight), so a firm's share is one multiplication.
    pub inverse_weight_sum: [f64; Sector::COUNT],
    pub expectation_weight: f64,
    pub fund_rate_monthly: f64,
    pub guarantee_fee_monthly: f64,
    pub contract_results_share: f64,
    pub contract_results_noise: f64,
    /// The month being simulated (for firms' ages).
    pub month: i32,
    /// `population.founders_prior_months`.
    pub founders_prior_months: f64,
}

#[derive(Debug, Clone)]
pub struct Firm {
    pub id: u64,
    pub kind: Kind,
    pub sector: Sector,
    pub origin: Origin,
    pub birth_month: i32,
    pub members: u32,
    pub employees: u32,
    pub trainees: u32,
    /// Hours as a share of full time.
    pub hours: f64,
    /// Pay rate as a share of the sector's standard pay.
    pub pay_index: f64,
    /// Output per FTE-month.
    pub productivity: f64,
    /// Capital per unit of capacity relative to the sector's (the kind's capital intensity).
    pub capital_share: f64,
    /// Market-share weight (MODEL.md 7: Gibrat drift).
    pub demand_weight: f64,
    /// Adaptive expectation of total monthly demand, market plus contract.
    pub expected_demand: f64,
    /// Slower expectation of the same demand: the part the firm expects to persist, which sets
    /// its headcount (labour hoarding against transitory dips; MODEL.md 8).
    pub persistent_demand: f64,
    /// Capacity the firm's capital equips, in full-time equivalents.
    pub installed_fte: f64,
    pub cash: f64,
    pub reserves_divisible: f64,
    /// Asset-locked reserves: usable against losses, never distributed.
    pub reserves_indivisible: f64,
    pub bank_debt: f64,
    /// Part of the bank debt the government guarantees.
    pub guaranteed_debt: f64,
    /// Annual rate on bank debt (blended over loans).
    pub bank_rate: f64,
    pub fund_debt: f64,
    pub negative_equity_months: u32,
    /// The owners' expectation of their monthly income from the firm: profit plus members' pay
    /// (adaptive, from the founding plan on; MODEL.md 8).
    pub owner_income: f64,
    /// Consecutive months the owners have expected less than their outside option.
    pub months_below_option: u32,
    /// Last month's operating costs (wages, fixed costs, interest).
    pub last_costs: f64,
    /// Monthly value of the firm's public contract (0 if none).
    pub contract_value: f64,
    /// The contract's value before any austerity cut.
    pub contract_base_value: f64,
    pub contract_months_left: u32,
    pub onset: Option<OnsetSnapshot>,
    pub crisis_min_heads: Option<u32>,
    /// Pay and heads over the recorded year so far (observation only: never read by a rule).
    pub year: YearTally,
    pub rng: Stream,
    // This month's working values.
    pub market_demand: f64,
    pub growth_request: f64,
    pub revenue: f64,
    pub wage_bill: f64,
    /// The month's result (step 4); from step 3 of the next month until step 4, last month's.
    pub result: f64,
    /// Refunds paid to the firm's workers out of this month's surplus (step 5): pay, not a cost.
    pub refunds: f64,
}

/// Whether a margin absorbed this month's adjustment or is used up.
enum Step {
    Absorbed,
    Exhausted,
}

impl Firm {
    pub fn heads(&self) -> u32 {
        self.members + self.employees + self.trainees
    }

    /// Heads weighted by output per head (trainees produce less).
    pub fn effective_heads(&self, k: &KindRules) -> f64 {
        (self.members + self.employees) as f64
            + k.params.trainee_productivity * self.trainees as f64
    }

    pub fn fte(&self) -> f64 {
        self.hours * self.heads() as f64
    }

    /// Monthly pay of one full-time worker: the sector's standard wage at the firm's pay rate, as
    /// the kind's advance on it (below 1 where members are paid partly from the surplus).
    pub fn pay_rate(&self, k: &KindRules, t: &SectorTech) -> f64 {
        t.wage * self.pay_index * k.params.pay_advance_share
    }

    /// Reserves the firm aims to hold (MODEL.md 8): months of its costs.
    pub fn reserve_target(&self, k: &KindRules) -> f64 {
        k.params.reserve_target_months * self.last_costs
    }

    /// Owners who work in the firm: its members, or the one owner-manager of a firm without
    /// members (who is one of its workers).
    pub fn owners(&self) -> u32 {
        self.members.max(1)
    }

    /// The owners' income this month: the firm's result (theirs, whether paid out or kept) plus
    /// what the working owners were paid.
    pub fn owners_income(&self, k: &KindRules, t: &SectorTech) -> f64 {
        self.result + self.pay_rate(k, t) * self.hours * self.owners() as f64
    }

    /// What the owners would earn if they closed the firm: the required return on what they could
    /// take out (cash and divisible reserves less debt: locked reserves go to the mutual fund) plus
    /// the working owners' outside pay (`outside_pay`: relative to calm times).
    pub fn owners_outside_option(&self, k: &KindRules, t: &SectorTech, outside_pay: f64) -> f64 {
        let p = &k.params;
        let takeable = (self.cash + self.reserves_divisible - self.debt()).max(0.0);
        p.owners_required_return_annual / 12.0 * takeable
            + outside_pay
                * p.owners_outside_pay_share
                * t.params.wage_monthly
                * self.owners() as f64
    }

    /// Weight of this month's income in the owners' expectation: founders learn from each month's
    /// results as from one more observation beside their plan (Jovanovic 1982), until the
    /// going-concern weight is larger. Owners of an initial firm or a buyout know their firm.
    fn expectation_weight(&self, ctx: &MonthContext, k: &KindRules) -> f64 {
        let w = k.params.owner_expectation_weight;
        if self.origin != Origin::Entry {
            return w;
        }
        let observed = (ctx.month - self.birth_month).max(0) as f64 + 1.0;
        (1.0 / (ctx.founders_prior_months + observed)).max(w)
    }

    /// What the owners expect from keeping the firm going: their expected income, plus what the
    /// locked reserves could add to it, spread over `locked_reserve_horizon_months`. Locked
    /// reserves are worth something to the members only while the firm lasts (on dissolution they
    /// go to the mutual fund), so they keep it going while those reserves can make up the
    /// difference; divisible reserves are theirs either way.
    pub fn owners_expected_income(&self, k: &KindRules) -> f64 {
        self.owner_income + self.reserves_indivisible / k.params.locked_reserve_horizon_months
    }

    /// Whether the firm is losing money it cannot carry: its liquidity beyond the cash buffer would
    /// not cover the loss for the months its owners are patient. Only then do members cut their
    /// pay (reserves and the fund's loans protect it).
    fn strained(&self, k: &KindRules) -> bool {
        let p = &k.params;
        let spare = self.liquid() - p.cash_buffer_months * self.last_costs;
        self.result < 0.0 && spare < -self.result * p.closure_patience_months as f64
    }

    /// The owners' income the firm's plan promises at full capacity with `productivity` (a new
    /// firm's founders plan with the sector's; a going concern knows its own).
    pub fn planned_owners_income(&self, k: &KindRules, t: &SectorTech, productivity: f64) -> f64 {
        let revenue = productivity * self.effective_heads(k);
        let pay = self.pay_rate(k, t);
        let fixed = t.params.fixed_cost_share * productivity * self.installed_fte;
        let interest = self.bank_debt * self.bank_rate / 12.0;
        revenue - pay * self.heads() as f64 - fixed - interest + pay * self.owners() as f64
    }

    /// Whether the firm's business pays its way, as a lender with its books judges it: at its own
    /// productivity and working at full capacity, its owners would earn at least their outside
    /// option in normal times (the mutual fund's test, MODEL.md 7.7). A loss that comes from a
    /// fall in demand passes; one that comes from the firm itself does not.
    pub fn viable(&self, k: &KindRules, t: &SectorTech) -> bool {
        self.planned_owners_income(k, t, self.productivity) >= self.owners_outside_option(k, t, 1.0)
    }

    /// Monthly hazard that an owner retires and nobody takes the firm over.
    pub fn retirement_closure_hazard(&self, k: &KindRules) -> f64 {
        let p = &k.params;
        (self.owners() as f64 * p.owner_retirement_monthly * (1.0 - p.succession_share)).min(1.0)
    }

    pub fn capital(&self, t: &SectorTech) -> f64 {
        self.installed_fte * t.params.capital_months * self.productivity * self.capital_share
    }

    pub fn fixed_costs(&self, t: &SectorTech) -> f64 {
        t.params.fixed_cost_share * self.productivity * self.installed_fte
    }

    pub fn reserves(&self) -> f64 {
        self.reserves_divisible + self.reserves_indivisible
    }

    pub fn liquid(&self) -> f64 {
        self.cash + self.reserves()
    }

    pub fn debt(&self) -> f64 {
        self.bank_debt + self.fund_debt
    }

    pub fn assets(&self, t: &SectorTech) -> f64 {
        self.capital(t) + self.liquid()
    }

    pub fn equity(&self, t: &SectorTech) -> f64 {
        self.assets(t) - self.debt()
    }

    /// Leverage after borrowing `amount`: debt over assets (MODEL.md 7); infinite when assets are gone.
    pub fn leverage_after(&self, t: &SectorTech, amount: f64) -> f64 {
        self.bank_leverage_after(t, amount, 0.0)
    }

    /// Leverage after borrowing `amount` as the bank sees it: reserves that members may withdraw
    /// count only in part (`divisible_haircut` of them is discounted); locked reserves are
    /// permanent equity (MODEL.md 8).
    pub fn bank_leverage_after(&self, t: &SectorTech, amount: f64, divisible_haircut: f64) -> f64 {
        let debt = self.debt() + amount;
        let assets = self.assets(t) + amount - divisible_haircut * self.reserves_divisible;
        if debt <= 0.0 {
            0.0
        } else if assets <= 0.0 {
            f64::INFINITY
        } else {
            debt / assets
        }
    }

    /// Fragility at crisis onset (P4): leverage and months of costs covered by cash and reserves.
    pub fn snapshot(&self, t: &SectorTech) -> OnsetSnapshot {
        OnsetSnapshot {
            leverage: self.leverage_after(t, 0.0).min(10.0),
            months_covered: if self.last_costs > 0.0 {
                (self.liquid() / self.last_costs).max(0.0)
            } else {
                0.0
            },
            heads: self.heads(),
        }
    }

    /// Step 2: this month's demand, the drift of the firm's market share, and its expectations.
    /// `size_volatility[h]` scales the firm's demand noise and share drift at h workers (smaller
    /// firms have fewer customers, so their sales are more volatile).
    pub fn receive_demand(
        &mut self,
        ctx: &MonthContext,
        k: &KindRules,
        t: &SectorTech,
        size_volatility: &[f64],
    ) {
        let s = self.sector.index();
        let share = self.demand_weight * ctx.inverse_weight_sum[s];
        let size = (self.heads() as usize).min(size_volatility.len() - 1);
        let scale = size_volatility[size];
        let noise = mean_one_shock(&mut self.rng, scale * t.params.firm_demand_volatility);
        self.market_demand = ctx.sector_demand[s] * share * noise;
        self.demand_weight *= mean_one_shock(&mut self.rng, scale * t.params.share_drift);
        let total = self.market_demand + self.contract_value;
        self.expected_demand =
            ctx.expectation_weight * total + (1.0 - ctx.expectation_weight) * self.expected_demand;
        let h = k.params.headcount_expectation_weight;
        self.persistent_demand = h * total + (1.0 - h) * self.persistent_demand;
    }

    /// Step 3: move labour toward what expected demand needs, by the kind's order of margins;
    /// then, under pressure, maybe invest in adaptation. Returns hiring, firing and adaptation costs.
    /// `sector_cycle` is the sector's demand relative to its normal level (`MonthContext`).
    pub fn adjust_labour(
        &mut self,
        k: &KindRules,
        t: &SectorTech,
        tech: &Technology,
        sector_cycle: f64,
        flows: &mut Flows,
    ) -> f64 {
        let p = &k.params;
        let target = self.expected_demand / self.productivity;
        let current = self.hours * self.effective_heads(k);
        // Step 4 books this month's result later: `result` still holds last month's.
        let under_pressure = self.result < 0.0;
        // Retiring owners who are succeeded: a new member is hired in each one's place (an owner-
        // manager's sale costs the firm the same search), in expectation each month.
        let mut costs = self.owners() as f64
            * p.owner_retirement_monthly
            * p.succession_share
            * p.hiring_cost_months
            * self.pay_rate(k, t);
        if current > target * (1.0 + p.adjustment_deadband) {
            let downturn = sector_cycle < 1.0 - p.downturn_threshold;
            for &margin in &k.order {
                if let Step::Absorbed = self.shrink(margin, target, downturn, k, t, &mut costs) {
                    break;
                }
            }
        } else if current < target * (1.0 - p.adjustment_deadband) {
            costs += self.grow(target, under_pressure, k, t, flows);
        } else if self.pay_index < 1.0 && !under_pressure {
            self.pay_index = (self.pay_index + p.pay_step).min(1.0);
        }
        self.scrap_idle_capital(tech);
        if under_pressure {
            costs += self.adapt(k, t, tech);
        }
        flows.households += costs;
        costs
    }

    fn shrink(
        &mut self,
        margin: Margin,
        target: f64,
        downturn: bool,
        k: &KindRules,
        t: &SectorTech,
        costs: &mut f64,
    ) -> Step {
        let p = &k.params;
        match margin {
            Margin::Hours => {
                if self.hours <= k.hours_floor {
                    return Step::Exhausted;
                }
                let needed = target / self.effective_heads(k).max(1e-9);
                self.hours = (self.hours - p.hours_step).max(needed).max(k.hours_floor);
                Step::Absorbed
            }
            Margin::Pay => {
                // Members cut their own pay only when the firm is losing money it cannot carry; a
                // co-op that can hoards labour instead of shedding it.
                if !self.strained(k) {
                    return Step::Absorbed;
                }
                if self.pay_index <= p.pay_floor {
                    return Step::Exhausted;
                }
                self.pay_index = (self.pay_index - p.pay_step).max(p.pay_floor);
                Step::Absorbed
            }
            Margin::Employees | Margin::Trainees | Margin::Members => {
                let (count, unit) = match margin {
                    Margin::Employees => (self.employees, 1.0),
                    Margin::Trainees => (self.trainees, p.trainee_productivity),
                    _ => (self.members, 1.0),
                };
                // In a downturn of its sector the firm keeps them all while it can carry their
                // cost: workers it lets go now it would have to find again when demand returns.
                if downturn && !self.strained(k) {
                    return Step::Absorbed;
                }
                // The last worker stays: a firm with nobody left closes through its finances.
                let removable = count.min(self.heads().saturating_sub(1));
                if removable == 0 {
                    return Step::Exhausted;
                }
                // Headcount goes only as far as the demand the firm expects to persist: a dip it
                // expects to pass is hoarded (the firm sells less than it could).
                let persistent = self.persistent_demand / self.productivity;
                let current = self.hours * self.effective_heads(k);
                let excess_heads = (current - persistent.max(target)) / (self.hours * unit);
                if excess_heads <= 0.0 {
                    return Step::Absorbed;
                }
                let cut = stochastic_round(p.headcount_speed * excess_heads, &mut self.rng)
                    .min(removable);
                match margin {
                    Margin::Employees => self.employees -= cut,
                    Margin::Trainees => self.trainees -= cut,
                    _ => self.members -= cut,
                }
                *costs += cut as f64 * p.firing_cost_months * self.pay_rate(k, t);
                Step::Absorbed
            }
        }
    }

    /// Recovery reverses the order: pay and hours come back before anyone is hired.
    fn grow(
        &mut self,
        target: f64,
        under_pressure: bool,
        k: &KindRules,
        t: &SectorTech,
        flows: &mut Flows,
    ) -> f64 {
        let p = &k.params;
        if self.pay_index < 1.0 && !under_pressure {
            self.pay_index = (self.pay_index + p.pay_step).min(1.0);
        }
        if self.hours < 1.0 {
            let needed = target / self.effective_heads(k).max(1e-9);
            self.hours = (self.hours + p.hours_step)
                .min(needed)
                .min(1.0)
                .max(self.hours);
            return 0.0;
        }
        if self.pay_index < 1.0 {
            return 0.0;
        }
        // Hiring, like firing, follows the demand the firm expects to persist.
        let persistent = self.persistent_demand / self.productivity;
        let gap_heads = target.min(persistent) - self.effective_heads(k);
        let hires = stochastic_round(p.headcount_speed * gap_heads, &mut self.rng);
        if hires == 0 {
            return 0.0;
        }
        let hiring_cost = hires as f64 * p.hiring_cost_months * self.pay_rate(k, t);
        let new_fte = (self.heads() + hires) as f64;
        let extra_capacity = (new_fte - self.installed_fte).max(0.0);
        let investment =
            extra_capacity * t.params.capital_months * self.productivity * self.capital_share;
        let available = self.liquid() - p.cash_buffer_months * self.last_costs;
        if available < hiring_cost + investment {
            // Growth needs finance: ask the bank this month, hire next month if it lends.
            self.growth_request = hiring_cost + investment - available.max(0.0);
            return 0.0;
        }
        for _ in 0..hires {
            let heads = (self.heads() + 1) as f64;
            if (self.members as f64) < p.member_share * heads {
                self.members += 1;
            } else if (self.trainees as f64) < p.trainee_share * heads {
                self.trainees += 1;
            } else {
                self.employees += 1;
            }
        }
        self.installed_fte += extra_capacity;
        self.cash -= investment;
        flows.households += investment;
        hiring_cost
    }

    /// Capital well beyond what the workforce uses is let go slowly (premises, equipment).
    fn scrap_idle_capital(&mut self, tech: &Technology) {
        let keep = tech.idle_capital_tolerance * self.heads() as f64;
        if self.installed_fte > keep {
            self.installed_fte -= tech.capital_scrap_monthly * (self.installed_fte - keep);
        }
    }

    /// A firm under pressure may spend reserves on process or market adaptation (MODEL.md 3.3).
    fn adapt(&mut self, k: &KindRules, t: &SectorTech, tech: &Technology) -> f64 {
        if self.rng.random::<f64>() >= k.params.adaptation_propensity {
            return 0.0;
        }
        let cost = tech.adaptation_cost_months * self.fixed_costs(t);
        if self.reserves() < cost {
            return 0.0;
        }
        if self.rng.random::<f64>() < tech.adaptation_success_probability {
            if self.rng.random::<bool>() {
                self.productivity *= 1.0 + tech.adaptation_gain;
            } else {
                self.demand_weight *= 1.0 + tech.adaptation_gain;
            }
        }
        cost
    }

    /// Step 4: produce, sell, pay wages, fixed costs, interest and fees; book the month's result.
    pub fn produce_and_pay(
        &mut self,
        ctx: &MonthContext,
        k: &KindRules,
        t: &SectorTech,
        adjustment_costs: f64,
        flows: &mut Flows,
    ) {
        let capacity = self.productivity * self.hours * self.effective_heads(k);
        flows.market_capacity[self.sector.index()] +=
            self.productivity * self.effective_heads(k) - self.contract_value.min(capacity);
        // Contract work comes first; payment by results on what was delivered.
        let mut contract_payment = 0.0;
        let mut contract_delivered = 0.0;
        if self.contract_value > 0.0 {
            contract_delivered = self.contract_value.min(capacity);
            let measured = (contract_delivered / self.contract_value)
                * mean_one_shock(&mut self.rng, ctx.contract_results_noise);
            let results = ctx.contract_results_share;
            contract_payment =
                self.contract_value * ((1.0 - results) + results * measured.min(1.0));
        }
        let sales = self
            .market_demand
            .min(capacity - contract_delivered)
            .max(0.0);
        self.revenue = sales + contract_payment;

        let pay = self.pay_rate(k, t);
        self.wage_bill = pay * self.hours * self.heads() as f64;
        let trainee_subsidy = k.trainee_subsidy * pay * self.hours * self.trainees as f64;
        let short_time =
            k.short_time_replacement * pay * (1.0 - self.hours).max(0.0) * self.heads() as f64;
        let bank_interest = self.bank_debt * self.bank_rate * (1.0 / 12.0);
        let fund_interest = self.fund_debt * ctx.fund_rate_monthly;
        let fee = self.guaranteed_debt * ctx.guarantee_fee_monthly;
        let fixed = self.fixed_costs(t);

        self.result = self.revenue + trainee_subsidy
            - self.wage_bill
            - fixed
            - bank_interest
            - fund_interest
            - fee
            - adjustment_costs;
        self.cash += self.result;
        self.last_costs = self.wage_bill + fixed + bank_interest + fund_interest + fee;

        flows.households += self.wage_bill + fixed - sales;
        flows.bank += bank_interest;
        flows.fund += fund_interest;
        flows.government.public_contracts += contract_payment;
        flows.government.trainee_subsidy += trainee_subsidy;
        flows.government.short_time_work += short_time;
        flows.government.guarantee_fees += fee;
        // Short-time benefits go to the workers (households), not the firm.
        flows.households += short_time;
    }

    /// Step 5: split a surplus by kind: the fund levy; while reserves are below their target,
    /// the locked share and the retained part of the rest go to reserves (as far as reaching the
    /// target needs) and the payout share is paid out; beyond the target everything left is paid
    /// out, as refunds to the workers (the kind's refund share) or dividends. Losses draw down
    /// cash, then divisible, then indivisible reserves.
    /// Then the owners update their expectation of their income: the result and the working
    /// owners' pay, less what went into locked reserves and plus what locked reserves covered,
    /// since locked reserves are not the owners' (a loss they absorb costs the owners nothing).
    pub fn distribute_surplus(
        &mut self,
        ctx: &MonthContext,
        k: &KindRules,
        t: &SectorTech,
        flows: &mut Flows,
    ) {
        let p = &k.params;
        let locked_before = self.reserves_indivisible;
        self.refunds = 0.0;
        if self.result > 0.0 {
            let room = (self.reserve_target(k) - self.reserves()).max(0.0);
            let levy = p.fund_levy_share * self.result;
            let locked = (p.indivisible_reserve_share * self.result).min(room);
            let rest = self.result - locked - levy;
            let retained = ((1.0 - p.payout_share) * rest).min(room - locked).max(0.0);
            let buffer = p.cash_buffer_months * self.last_costs;
            let payout = (rest - retained).min((self.liquid() - levy - buffer).max(0.0));
            self.cash -= levy + payout + locked;
            self.reserves_indivisible += locked;
            self.refunds = p.refund_share * payout;
            flows.fund += levy;
            flows.households += payout;
            let retained_to_reserves = retained.min(self.cash - buffer).max(0.0);
            self.cash -= retained_to_reserves;
            self.reserves_divisible += retained_to_reserves;
        } else if self.result < 0.0 && p.withdrawal_under_losses_monthly > 0.0 {
            // Members who leave a losing firm take their share of what is not locked.
            let withdrawn = p.withdrawal_under_losses_monthly * self.reserves_divisible;
            self.reserves_divisible -= withdrawn;
            flows.households += withdrawn;
        }
        self.cover_from_reserves();
        let income = self.owners_income(k, t) - (self.reserves_indivisible - locked_before);
        let w = self.expectation_weight(ctx, k);
        self.owner_income = w * income + (1.0 - w) * self.owner_income;
    }

    /// Step 6, the firm's side: loans amortise (what cannot be paid from cash and reserves must be
    /// borrowed again), negative cash is covered from reserves, and a firm short of cash, or
    /// wanting to grow, asks to borrow. Returns the request; `index` is the firm's position.
    pub fn repay_and_request(
        &mut self,
        index: usize,
        k: &KindRules,
        t: &SectorTech,
        terms: &LoanTerms,
        flows: &mut Flows,
    ) -> Option<LoanRequest> {
        if self.bank_debt > 0.0 {
            let principal = self.bank_debt * terms.bank_repayment;
            let guaranteed = self.guaranteed_debt * terms.bank_repayment;
            self.bank_debt -= principal;
            self.guaranteed_debt -= guaranteed;
            self.cash -= principal;
            flows.bank_principal += principal;
            flows.guaranteed_principal += guaranteed;
        }
        if self.fund_debt > 0.0 {
            let principal = self.fund_debt * terms.fund_repayment;
            self.fund_debt -= principal;
            self.cash -= principal;
            flows.fund_principal += principal;
        }
        self.cover_from_reserves();
        let shortfall = (-self.cash).max(0.0);
        let liquidity = if shortfall > 0.0 {
            shortfall + terms.buffer_months * self.last_costs
        } else {
            0.0
        };
        let amount = liquidity + self.growth_request;
        if amount <= 0.0 {
            return None;
        }
        // A co-op the bank refuses may ask the mutual fund, for what it needs to stay solvent, if
        // the fund judges its business viable.
        let fund_amount = if shortfall > 0.0
            && k.params.fund_access
            && (!terms.fund_viability_test || self.viable(k, t))
        {
            amount.min(terms.fund_max_loan_months * self.last_costs)
        } else {
            0.0
        };
        Some(LoanRequest {
            firm: index,
            kind: self.kind,
            sector: self.sector,
            amount,
            leverage: self.bank_leverage_after(t, amount, terms.divisible_haircut),
            shortfall,
            fund_amount,
            fund_leverage: self.leverage_after(t, fund_amount),
        })
    }

    /// Books what the bank or the fund decided on this firm's request.
    pub fn take_loan(&mut self, decision: Decision) {
        match decision {
            Decision::Refused => {}
            Decision::Bank {
                amount,
                rate,
                guarantee,
            } => {
                self.bank_rate =
                    (self.bank_debt * self.bank_rate + amount * rate) / (self.bank_debt + amount);
                self.bank_debt += amount;
                self.guaranteed_debt += guarantee * amount;
                self.cash += amount;
            }
            Decision::Fund { amount } => {
                self.fund_debt += amount;
                self.cash += amount;
            }
        }
    }

    /// Negative cash is made good from reserves, divisible first.
    pub fn cover_from_reserves(&mut self) {
        if self.cash < 0.0 {
            let from_div = (-self.cash).min(self.reserves_divisible);
            self.reserves_divisible -= from_div;
            self.cash += from_div;
        }
        if self.cash < 0.0 {
            let from_ind = (-self.cash).min(self.reserves_indivisible);
            self.reserves_indivisible -= from_ind;
            self.cash += from_ind;
        }
    }
}
