//! The rules a resolved scenario must satisfy before the model may run it. Each broken rule names
//! its dotted key, what was expected and what was found; all are reported at once.

use super::schema::{Kind, KindShares, Scenario, Sector, SectorShares};

/// A broken rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    pub key: String,
    pub expected: String,
    pub found: String,
    /// What to do about it, where there is more to say than the rule.
    pub help: Option<String>,
}

/// Tolerance for shares that must sum to 1.
pub const SHARE_SUM_TOLERANCE: f64 = 1e-6;

struct Rules {
    out: Vec<Violation>,
}

impl Rules {
    fn fail(&mut self, key: &str, expected: impl Into<String>, found: impl Into<String>) {
        self.fail_with_help(key, expected, found, None);
    }

    fn fail_with_help(
        &mut self,
        key: &str,
        expected: impl Into<String>,
        found: impl Into<String>,
        help: Option<String>,
    ) {
        self.out.push(Violation {
            key: key.to_string(),
            expected: expected.into(),
            found: found.into(),
            help,
        });
    }

    /// lo <= v <= hi. A bound taken from another parameter that is not finite is that
    /// parameter's error, reported on its own key, so the rule is skipped.
    fn within(&mut self, key: &str, v: f64, lo: f64, hi: f64) {
        if !(lo.is_finite() && hi.is_finite()) {
            return;
        }
        if !(lo..=hi).contains(&v) {
            self.fail(key, format!("a number from {lo} to {hi}"), fmt(v));
        }
    }

    /// 0 <= v <= 1.
    fn probability(&mut self, key: &str, v: f64) {
        self.within(key, v, 0.0, 1.0);
    }

    /// 0 < v <= 1.
    fn positive_share(&mut self, key: &str, v: f64) {
        if !(v > 0.0 && v <= 1.0) {
            self.fail(key, "a share above 0 and at most 1", fmt(v));
        }
    }

    fn non_negative(&mut self, key: &str, v: f64) {
        if v.is_nan() || v < 0.0 {
            self.fail(key, "a number of at least 0", fmt(v));
        }
    }

    fn positive(&mut self, key: &str, v: f64) {
        if v.is_nan() || v <= 0.0 {
            self.fail(key, "a number above 0", fmt(v));
        }
    }

    fn at_least_one(&mut self, key: &str, v: u32) {
        if v == 0 {
            self.fail(key, "at least 1", "0");
        }
    }

    fn shares_sum_to_one(&mut self, key: &str, values: &[(&str, f64)]) {
        for (name, v) in values {
            self.probability(&format!("{key}.{name}"), *v);
        }
        let sum: f64 = values.iter().map(|(_, v)| v).sum();
        if (sum - 1.0).abs() > SHARE_SUM_TOLERANCE {
            let listed = values
                .iter()
                .map(|(n, v)| format!("{n} = {v}"))
                .collect::<Vec<_>>()
                .join(", ");
            self.fail(
                key,
                "shares that sum to 1 (shares not set in the file keep their defaults)",
                format!("{listed}, which sum to {}", fmt(sum)),
            );
        }
    }
}

/// The longest scenario name: it names the results folder.
const NAME_MAX_CHARS: usize = 100;

/// The name becomes the results folder (`output/<name>`) and labels charts and tables, so it must
/// be one plain folder name on any system: never a path (`../x`, `a/b`) or hidden. An empty name
/// stands for the file's (what `Scenario::default()` has; loading a file fills it in).
fn folder_name(r: &mut Rules, name: &str) {
    let allowed = |c: char| c.is_alphanumeric() || " _-.()+,".contains(c);
    let problem = if name.is_empty() {
        None
    } else if let Some(c) = name.chars().find(|c| !allowed(*c)) {
        Some(format!("it has {}", describe_char(c)))
    } else if name.starts_with(['.', ' ']) || name.ends_with(['.', ' ']) {
        Some("it starts or ends with `.` or a space".to_string())
    } else if name.chars().count() > NAME_MAX_CHARS {
        Some(format!("it has {} characters", name.chars().count()))
    } else {
        None
    };
    if let Some(problem) = problem {
        r.fail_with_help(
            "name",
            format!(
                "a folder name: letters, digits, spaces and `_ - . ( ) + ,`, not starting or \
                 ending with `.` or a space, at most {NAME_MAX_CHARS} characters"
            ),
            format!("{name:?}: {problem}"),
            Some("the results go to output/<name>; without `name` the file name is used".into()),
        );
    }
}

fn describe_char(c: char) -> String {
    if c.is_control() {
        format!("a control character (U+{:04X})", u32::from(c))
    } else {
        format!("`{c}`")
    }
}

fn fmt(v: f64) -> String {
    format!("{v}")
}

fn kind_entries(s: &KindShares) -> Vec<(&'static str, f64)> {
    Kind::ALL.iter().map(|k| (k.name(), s.get(*k))).collect()
}

fn sector_entries(s: &SectorShares) -> Vec<(&'static str, f64)> {
    Sector::ALL.iter().map(|k| (k.name(), s.get(*k))).collect()
}

/// Checks every rule; an empty list means the scenario can run.
pub fn validate(s: &Scenario) -> Vec<Violation> {
    let mut r = Rules { out: Vec::new() };
    non_finite(&mut r, s);
    folder_name(&mut r, &s.name);

    r.at_least_one("replications", s.replications);
    r.at_least_one("months", s.months);
    if let Some(text) = &s.start.0
        && super::calendar::YearMonth::parse(text).is_none()
    {
        r.fail(
            "start",
            "a calendar month written YYYY-MM, month 01 to 12 (e.g. \"2005-09\")",
            format!("{text:?}"),
        );
    }
    r.positive_share("expectation_weight", s.expectation_weight);

    let p = &s.population;
    r.at_least_one("population.firms", p.firms);
    r.shares_sum_to_one("population.kind_mix", &kind_entries(&p.kind_mix));
    r.within(
        "population.initial_heads_median",
        p.initial_heads_median,
        1.0,
        1e5,
    );
    r.within(
        "population.initial_heads_sigma",
        p.initial_heads_sigma,
        0.0,
        3.0,
    );
    r.within(
        "population.entrant_heads_median",
        p.entrant_heads_median,
        1.0,
        1e5,
    );
    r.non_negative(
        "population.initial_age_mean_months",
        p.initial_age_mean_months,
    );
    r.within(
        "population.entry_rate_monthly",
        p.entry_rate_monthly,
        0.0,
        1.0,
    );
    r.within(
        "population.entry_demand_elasticity",
        p.entry_demand_elasticity,
        0.0,
        10.0,
    );
    r.probability(
        "population.background_exit_monthly",
        p.background_exit_monthly,
    );
    r.within(
        "population.newness_multiplier",
        p.newness_multiplier,
        0.0,
        100.0,
    );
    r.positive("population.newness_months", p.newness_months);
    r.within(
        "population.entrant_productivity_sigma",
        p.entrant_productivity_sigma,
        0.0,
        2.0,
    );
    r.within(
        "population.entrant_demand_sigma",
        p.entrant_demand_sigma,
        0.0,
        2.0,
    );
    r.within(
        "population.arrears_limit_months",
        p.arrears_limit_months,
        0.0,
        24.0,
    );
    r.within(
        "population.founders_prior_months",
        p.founders_prior_months,
        0.0,
        1200.0,
    );
    r.within(
        "population.volatility_size_exponent",
        p.volatility_size_exponent,
        0.0,
        1.0,
    );

    for sector in Sector::ALL {
        let sp = s.sectors.get(sector);
        let key = |f: &str| format!("sectors.{}.{f}", sector.name());
        r.positive(&key("wage_monthly"), sp.wage_monthly);
        r.within(&key("labour_share"), sp.labour_share, 0.01, 0.99);
        r.within(&key("fixed_cost_share"), sp.fixed_cost_share, 0.0, 0.99);
        if sp.labour_share + sp.fixed_cost_share >= 1.0 {
            r.fail(
                &key("fixed_cost_share"),
                "labour_share + fixed_cost_share below 1 (a sector must be able to cover its costs at capacity)",
                format!("they add up to {}", fmt(sp.labour_share + sp.fixed_cost_share)),
            );
        }
        r.within(&key("capital_months"), sp.capital_months, 0.0, 600.0);
        r.within(&key("productivity_sigma"), sp.productivity_sigma, 0.0, 2.0);
        r.within(
            &key("demand_trend_annual"),
            sp.demand_trend_annual,
            -0.5,
            0.5,
        );
        r.within(&key("demand_volatility"), sp.demand_volatility, 0.0, 1.0);
        r.within(
            &key("demand_persistence"),
            sp.demand_persistence,
            0.0,
            0.999,
        );
        r.within(
            &key("firm_demand_volatility"),
            sp.firm_demand_volatility,
            0.0,
            2.0,
        );
        r.within(&key("share_drift"), sp.share_drift, 0.0, 1.0);
    }

    for kind in Kind::ALL {
        let kp = s.kinds.get(kind);
        let key = |f: &str| format!("kinds.{}.{f}", kind.name());
        if p.kind_mix.get(kind) > 0.0 {
            r.shares_sum_to_one(&key("sector_mix"), &sector_entries(&kp.sector_mix));
        }
        r.probability(&key("member_share"), kp.member_share);
        r.probability(&key("trainee_share"), kp.trainee_share);
        if kp.member_share + kp.trainee_share > 1.0 + SHARE_SUM_TOLERANCE {
            r.fail(
                &key("trainee_share"),
                "member_share + trainee_share at most 1",
                format!("they add up to {}", fmt(kp.member_share + kp.trainee_share)),
            );
        }
        r.positive_share(&key("trainee_productivity"), kp.trainee_productivity);
        let order = &kp.adjustment_order;
        for (i, m) in order.iter().enumerate() {
            if order[..i].contains(m) {
                r.fail(
                    &key("adjustment_order"),
                    "each margin at most once",
                    format!("{m:?} twice").to_lowercase(),
                );
            }
        }
        r.positive_share(&key("hours_floor"), kp.hours_floor);
        r.positive_share(&key("pay_floor"), kp.pay_floor);
        r.positive_share(&key("hours_step"), kp.hours_step);
        r.positive_share(&key("pay_step"), kp.pay_step);
        r.positive_share(&key("headcount_speed"), kp.headcount_speed);
        r.positive_share(
            &key("headcount_expectation_weight"),
            kp.headcount_expectation_weight,
        );
        r.within(
            &key("adjustment_deadband"),
            kp.adjustment_deadband,
            0.0,
            0.5,
        );
        r.within(&key("downturn_threshold"), kp.downturn_threshold, 0.0, 1.0);
        r.within(&key("firing_cost_months"), kp.firing_cost_months, 0.0, 60.0);
        r.within(&key("hiring_cost_months"), kp.hiring_cost_months, 0.0, 60.0);
        r.probability(
            &key("indivisible_reserve_share"),
            kp.indivisible_reserve_share,
        );
        r.probability(&key("fund_levy_share"), kp.fund_levy_share);
        if kp.indivisible_reserve_share + kp.fund_levy_share > 1.0 + SHARE_SUM_TOLERANCE {
            r.fail(
                &key("fund_levy_share"),
                "indivisible_reserve_share + fund_levy_share at most 1",
                format!(
                    "they add up to {}",
                    fmt(kp.indivisible_reserve_share + kp.fund_levy_share)
                ),
            );
        }
        r.probability(&key("payout_share"), kp.payout_share);
        r.within(
            &key("reserve_target_months"),
            kp.reserve_target_months,
            0.0,
            240.0,
        );
        r.positive_share(&key("pay_advance_share"), kp.pay_advance_share);
        r.probability(&key("refund_share"), kp.refund_share);
        r.probability(
            &key("withdrawal_under_losses_monthly"),
            kp.withdrawal_under_losses_monthly,
        );
        r.within(
            &key("founding_rate_relative"),
            kp.founding_rate_relative,
            0.0,
            100.0,
        );
        r.positive_share(
            &key("capital_per_worker_share"),
            kp.capital_per_worker_share,
        );
        r.within(&key("founding_leverage"), kp.founding_leverage, 0.0, 0.95);
        r.within(
            &key("founding_cash_months"),
            kp.founding_cash_months,
            0.0,
            120.0,
        );
        r.within(
            &key("owners_required_return_annual"),
            kp.owners_required_return_annual,
            0.0,
            1.0,
        );
        r.within(
            &key("owners_outside_pay_share"),
            kp.owners_outside_pay_share,
            0.0,
            2.0,
        );
        r.positive_share(
            &key("owner_expectation_weight"),
            kp.owner_expectation_weight,
        );
        r.within(
            &key("locked_reserve_horizon_months"),
            kp.locked_reserve_horizon_months,
            1.0,
            1200.0,
        );
        r.probability(
            &key("owner_retirement_monthly"),
            kp.owner_retirement_monthly,
        );
        r.probability(&key("succession_share"), kp.succession_share);
        if kp.closure_patience_months > 600 {
            r.fail(
                &key("closure_patience_months"),
                "at most 600 months",
                kp.closure_patience_months.to_string(),
            );
        }
        r.within(
            &key("cash_buffer_months"),
            kp.cash_buffer_months,
            0.0,
            120.0,
        );
        r.probability(&key("adaptation_propensity"), kp.adaptation_propensity);
        r.within(
            &key("public_contract_share"),
            kp.public_contract_share,
            0.0,
            0.99,
        );
    }

    let c = &s.crisis;
    if c.onset_month >= s.months {
        r.fail(
            "crisis.onset_month",
            format!("a month before the horizon (months = {})", s.months),
            c.onset_month.to_string(),
        );
    }
    if c.duration_months < c.fall_months {
        r.fail(
            "crisis.duration_months",
            format!(
                "at least crisis.fall_months ({}): recovery starts after the fall",
                c.fall_months
            ),
            c.duration_months.to_string(),
        );
    }
    for (name, v) in sector_entries(&c.depth) {
        r.probability(&format!("crisis.depth.{name}"), v);
    }
    r.probability("crisis.outside_pay_cut", s.crisis.outside_pay_cut);
    r.probability("crisis.market_pay_cut", s.crisis.market_pay_cut);
    r.probability("crisis.market_pay_step", s.crisis.market_pay_step);
    let cc = &c.credit_crunch;
    r.within(
        "crisis.credit_crunch.max_leverage_cut",
        cc.max_leverage_cut,
        0.0,
        s.bank.max_leverage,
    );
    r.within(
        "crisis.credit_crunch.spread_rise_annual",
        cc.spread_rise_annual,
        0.0,
        1.0,
    );
    r.within(
        "crisis.credit_crunch.capital_requirement_rise",
        cc.capital_requirement_rise,
        0.0,
        1.0 - s.bank.capital_requirement,
    );
    r.probability("crisis.credit_crunch.bank_equity_loss", cc.bank_equity_loss);
    r.within(
        "crisis.credit_crunch.base_rate_change_annual",
        cc.base_rate_change_annual,
        -s.bank.base_rate_annual,
        1.0,
    );

    let a = &s.austerity;
    for (name, v) in sector_entries(&a.depth) {
        r.probability(&format!("austerity.depth.{name}"), v);
    }
    r.probability("austerity.contract_value_cut", a.contract_value_cut);
    let austerity_active =
        a.contract_value_cut > 0.0 || Sector::ALL.iter().any(|x| a.depth.get(*x) > 0.0);
    if austerity_active && a.onset_month >= s.months {
        r.fail(
            "austerity.onset_month",
            format!(
                "a month before the horizon (months = {}) when cuts are set",
                s.months
            ),
            a.onset_month.to_string(),
        );
    }

    let t = &s.technology;
    r.probability(
        "technology.capital_output_elasticity",
        t.capital_output_elasticity,
    );
    r.probability("technology.capital_scrap_monthly", t.capital_scrap_monthly);
    r.within(
        "technology.idle_capital_tolerance",
        t.idle_capital_tolerance,
        1.0,
        100.0,
    );
    r.within(
        "technology.adaptation_cost_months",
        t.adaptation_cost_months,
        0.0,
        120.0,
    );
    r.probability(
        "technology.adaptation_success_probability",
        t.adaptation_success_probability,
    );
    r.within("technology.adaptation_gain", t.adaptation_gain, 0.0, 1.0);

    let b = &s.bank;
    r.within(
        "bank.capital_requirement",
        b.capital_requirement,
        0.001,
        0.99,
    );
    if b.target_equity_to_loans < b.capital_requirement || b.target_equity_to_loans > 1.0 {
        r.fail(
            "bank.target_equity_to_loans",
            format!(
                "a share from bank.capital_requirement ({}) to 1",
                b.capital_requirement
            ),
            fmt(b.target_equity_to_loans),
        );
    }
    r.probability("bank.payout_speed", b.payout_speed);
    r.within("bank.base_rate_annual", b.base_rate_annual, 0.0, 1.0);
    r.within("bank.spread_annual", b.spread_annual, 0.0, 1.0);
    r.within("bank.leverage_exponent", b.leverage_exponent, 0.01, 10.0);
    r.positive_share("bank.max_leverage", b.max_leverage);
    r.probability("bank.recovery_share", b.recovery_share);
    r.probability(
        "bank.divisible_reserve_haircut",
        b.divisible_reserve_haircut,
    );
    r.at_least_one("bank.loan_term_months", b.loan_term_months);
    r.within("bank.loan_buffer_months", b.loan_buffer_months, 0.0, 24.0);

    let f = &s.fund;
    r.non_negative(
        "fund.initial_balance_per_member",
        f.initial_balance_per_member,
    );
    r.within("fund.loan_rate_annual", f.loan_rate_annual, 0.0, 1.0);
    r.within("fund.max_loan_months", f.max_loan_months, 0.0, 120.0);
    r.positive_share("fund.max_leverage", f.max_leverage);
    r.at_least_one("fund.loan_term_months", f.loan_term_months);

    let pol = &s.policy;
    r.probability(
        "policy.credit_guarantee.coverage",
        pol.credit_guarantee.coverage,
    );
    r.within(
        "policy.credit_guarantee.fee_annual",
        pol.credit_guarantee.fee_annual,
        0.0,
        1.0,
    );
    r.positive_share(
        "policy.credit_guarantee.max_leverage",
        pol.credit_guarantee.max_leverage,
    );
    r.probability(
        "policy.worker_buyout.probability",
        pol.worker_buyout.probability,
    );
    r.positive_share(
        "policy.worker_buyout.member_share",
        pol.worker_buyout.member_share,
    );
    r.within(
        "policy.worker_buyout.capital_months",
        pol.worker_buyout.capital_months,
        0.0,
        120.0,
    );
    r.positive_share(
        "policy.short_time_work.hours_floor",
        pol.short_time_work.hours_floor,
    );
    r.probability(
        "policy.short_time_work.replacement_rate",
        pol.short_time_work.replacement_rate,
    );
    r.at_least_one(
        "policy.public_contracts.length_months",
        pol.public_contracts.length_months,
    );
    r.probability(
        "policy.public_contracts.renewal_probability",
        pol.public_contracts.renewal_probability,
    );
    r.probability(
        "policy.public_contracts.results_share",
        pol.public_contracts.results_share,
    );
    r.within(
        "policy.public_contracts.results_noise",
        pol.public_contracts.results_noise,
        0.0,
        2.0,
    );
    for (name, w) in kind_entries(&pol.public_contracts.relet_to) {
        r.within(
            &format!("policy.public_contracts.relet_to.{name}"),
            w,
            0.0,
            1e6,
        );
    }
    r.probability("policy.trainee_wage_subsidy", pol.trainee_wage_subsidy);

    // Each entry on its own key (`sweep.vary[i]`), so every broken one is reported at its line.
    for (i, spec) in s.sweep.vary.iter().enumerate() {
        if let Err(e) = crate::scenario::sweep::Vary::parse(spec).and_then(|v| v.check(s)) {
            r.fail_with_help(&format!("sweep.vary[{i}]"), e.expected, e.found, e.help);
        }
    }
    if r.out.iter().all(|v| !v.key.starts_with("sweep.vary"))
        && let Some(e) = crate::scenario::sweep::sweeps_only_the_base(s)
    {
        r.fail("sweep.vary", e.expected, e.found);
    }

    // The same for the ranges of a [sensitivity] table, and its Morris levels.
    if let Err(errors) = crate::scenario::sensitivity::ranges(&s.sensitivity.vary, s) {
        for (i, e) in errors {
            r.fail_with_help(
                &format!("sensitivity.vary[{i}]"),
                e.expected,
                e.found,
                e.help,
            );
        }
    }
    let levels = s.sensitivity.levels;
    if levels < 2 || !levels.is_multiple_of(2) {
        r.fail(
            "sensitivity.levels",
            "an even number of Morris levels, at least 2",
            levels.to_string(),
        );
    }

    // Report each key once (its first broken rule), in the order found.
    let mut seen = std::collections::HashSet::new();
    r.out.retain(|v| seen.insert(v.key.clone()));
    r.out
}

/// TOML admits `nan` and `inf`; no parameter may be either.
fn non_finite(r: &mut Rules, s: &Scenario) {
    fn walk(r: &mut Rules, key: &str, v: &toml::Value) {
        match v {
            toml::Value::Float(x) if !x.is_finite() => r.fail(key, "a finite number", fmt(*x)),
            toml::Value::Table(t) => {
                for (k, v) in t {
                    walk(r, &super::params::join_key(key, k), v);
                }
            }
            _ => {}
        }
    }
    if let Ok(v) = toml::Value::try_from(s) {
        walk(r, "", &v);
    }
}
