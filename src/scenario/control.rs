//! A scenario's control: the same scenario with its shock removed, so that a run can pair each
//! replication with the same replication without the crisis (same seed, same initial firms, same
//! random streams: common random numbers) and report the crisis's effect as a paired difference
//! (MODEL.md 8, "Outcome measures compare with the control"). Pure functions of a `Scenario`;
//! nothing here runs the model.
//!
//! Every parameter of the `crisis` and `austerity` blocks is either timing (kept, so the control's
//! crisis window and months line up with the scenario's) or part of the shock (set to 0). A test
//! below lists the blocks' keys from the parameter reference and fails on a key that is neither
//! listed in `TIMING_KEYS` nor zeroed by `without_shock`, so a new shock parameter cannot be left
//! in the control by accident.

use super::{CreditCrunch, Scenario, SectorShares};

/// The keys of the `crisis` and `austerity` blocks that say when and how the shock unfolds, not
/// how hard it hits: the control keeps them, so its crisis window is the scenario's. Every other
/// key of those blocks is part of the shock and is 0 in the control.
pub const TIMING_KEYS: [&str; 8] = [
    "crisis.onset_month",
    "crisis.market_pay_step",
    "crisis.fall_months",
    "crisis.duration_months",
    "crisis.recovery_months",
    "crisis.shape",
    "austerity.onset_month",
    "austerity.ramp_months",
];

/// Whether a parameter key belongs to a block whose values are either timing or shock.
pub fn in_shock_blocks(key: &str) -> bool {
    key.starts_with("crisis.") || key.starts_with("austerity.")
}

impl Scenario {
    /// The control of this scenario: every crisis demand depth, the fall in outside pay, every
    /// change the credit crunch makes (leverage cut, spread rise, capital requirement rise, base
    /// rate change, write-down of the bank's equity), every austerity demand depth and the austerity cut in contract values set to
    /// 0. Everything else
    /// is unchanged: the timing of the crisis and the cuts (`TIMING_KEYS`), seed, replications,
    /// horizon, warm-up, population, policies and the name, so replication r of the control
    /// starts from the same firms and draws from the same streams as replication r of `self`.
    pub fn without_shock(&self) -> Scenario {
        let mut control = self.clone();
        control.crisis.depth = SectorShares::uniform(0.0);
        control.crisis.outside_pay_cut = 0.0;
        control.crisis.market_pay_cut = 0.0;
        // Written out in full: a new field of the credit crunch does not compile until it is
        // given its value in the control here.
        control.crisis.credit_crunch = CreditCrunch {
            max_leverage_cut: 0.0,
            spread_rise_annual: 0.0,
            capital_requirement_rise: 0.0,
            base_rate_change_annual: 0.0,
            bank_equity_loss: 0.0,
        };
        control.austerity.depth = SectorShares::uniform(0.0);
        control.austerity.contract_value_cut = 0.0;
        control
    }

    /// Whether the scenario has any shock at all: when it has none, its control is itself and
    /// there is nothing to compare with.
    pub fn has_shock(&self) -> bool {
        self.without_shock() != *self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Describe, ParamDoc, apply_override, parameter_docs};

    /// Every parameter of `s` with its value in `s` (in the `default` field).
    fn values(s: &Scenario) -> Vec<ParamDoc> {
        let mut out = Vec::new();
        s.describe_into("", "", "", "", &mut out);
        out
    }

    fn value_of<'a>(values: &'a [ParamDoc], key: &str) -> &'a str {
        &values
            .iter()
            .find(|d| d.key == key)
            .unwrap_or_else(|| panic!("{key} missing"))
            .default
    }

    #[test]
    fn every_crisis_and_austerity_key_is_timing_or_zeroed_in_the_control() {
        let keys: Vec<String> = parameter_docs()
            .into_iter()
            .map(|d| d.key)
            .filter(|k| in_shock_blocks(k))
            .collect();
        for timing in TIMING_KEYS {
            assert!(
                keys.iter().any(|k| k == timing),
                "TIMING_KEYS names `{timing}`, which is no longer a parameter"
            );
        }
        let shock: Vec<&String> = keys
            .iter()
            .filter(|k| !TIMING_KEYS.contains(&k.as_str()))
            .collect();
        // Every shock parameter set away from 0 (a number the schema takes, whatever its type)...
        let mut s = Scenario::default();
        for key in &shock {
            let set = ["0.25", "1"]
                .iter()
                .any(|v| apply_override(&mut s, key, v, "test").is_ok());
            assert!(
                set,
                "`{key}` is not a number: say in src/scenario/control.rs whether it is timing \
                 (TIMING_KEYS) or part of the shock (its value in Scenario::without_shock)"
            );
        }
        let (shocked, control) = (values(&s), values(&s.without_shock()));
        for key in &shock {
            assert_ne!(value_of(&shocked, key).parse::<f64>(), Ok(0.0), "{key}");
            let left = value_of(&control, key);
            assert_eq!(
                left.parse::<f64>(),
                Ok(0.0),
                "`{key}` is {left} in the control: a parameter of the crisis or austerity block \
                 is either timing (add it to TIMING_KEYS in src/scenario/control.rs) or part of \
                 the shock (set it to 0 in Scenario::without_shock)"
            );
        }
        // ... and nothing else changed: timing, seed, horizon, population, policies.
        for (a, b) in shocked.iter().zip(&control) {
            assert_eq!(a.key, b.key);
            if !shock.contains(&&a.key) {
                assert_eq!(a.default, b.default, "{} changed in the control", a.key);
            }
        }
    }

    #[test]
    fn the_control_of_a_control_is_itself_and_has_no_shock() {
        let s = Scenario::default();
        assert!(s.has_shock(), "the default scenario is the 2008 baseline");
        let control = s.without_shock();
        assert!(!control.has_shock());
        assert_eq!(control.without_shock(), control);
        assert_eq!(control.name, s.name);
        assert_eq!(control.seed, s.seed);
        // Its timing, and so its crisis window, is the scenario's.
        for key in TIMING_KEYS {
            assert_eq!(
                crate::scenario::setting(&control, key),
                crate::scenario::setting(&s, key),
                "{key}"
            );
        }
    }

    #[test]
    fn an_austerity_cut_alone_is_a_shock() {
        let mut s = Scenario::default().without_shock();
        s.austerity.contract_value_cut = 0.1;
        assert!(s.has_shock());
        assert_eq!(s.without_shock().austerity.contract_value_cut, 0.0);
    }
}
