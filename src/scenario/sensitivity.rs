//! A sensitivity analysis's specification: the ranges it varies (`--vary KEY=LO..HI[:log]` and a
//! scenario file's `[sensitivity]` table), parsed and checked against the base scenario, and the
//! value of each range at a point of the unit interval. Pure: text in, checked ranges out; the
//! designs that place the points are `experiment`'s.

use super::sweep::VaryError;
use super::{Scenario, ScenarioErrorKind, apply_override, check, setting};

/// How a range is spread over the unit interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    Uniform,
    /// Uniform in the logarithm (for a parameter whose plausible values span decades).
    Log,
}

/// What a parameter's values are, read from the base scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Values {
    Real,
    /// Rounded to the nearest whole number.
    Integer,
    /// `false` on the lower half of the unit interval, `true` on the upper.
    Boolean,
}

/// One varied parameter: its dotted key and range.
#[derive(Debug, Clone, PartialEq)]
pub struct Range {
    pub key: String,
    pub low: f64,
    pub high: f64,
    pub scale: Scale,
    pub values: Values,
}

impl Range {
    /// Parses `KEY=LO..HI`, `KEY=LO..HI:log` or `KEY=false..true`. What the key's values are is
    /// read from `base`, which also checks that the key exists and that both ends give a valid
    /// scenario.
    pub fn parse(spec: &str, base: &Scenario) -> Result<Range, VaryError> {
        let err = |key: Option<&str>, expected: &str, found: String| VaryError {
            key: key.map(String::from),
            expected: expected.to_string(),
            found,
            help: None,
        };
        let Some((key, range)) = spec.split_once('=') else {
            return Err(err(
                None,
                "KEY=LO..HI (e.g. policy.credit_guarantee.coverage=0..0.8)",
                format!("`{spec}`"),
            ));
        };
        let (key, range) = (key.trim(), range.trim());
        if key.is_empty() {
            return Err(err(None, "a parameter key before `=`", format!("`{spec}`")));
        }
        let fixed = ["name", "description", "seed", "replications"];
        if fixed.contains(&key) || key.starts_with("sweep") || key.starts_with("sensitivity") {
            return Err(err(
                Some(key),
                "a model or policy parameter",
                format!(
                    "`{key}`, which every point shares (common random numbers need the same seed and replications)"
                ),
            ));
        }
        if !range.contains("..") {
            return Err(err(
                Some(key),
                "a range LO..HI (two dots)",
                format!("`{range}`"),
            ));
        }
        let (bounds, scale) = match range.rsplit_once(':') {
            Some((b, "log")) => (b, Scale::Log),
            Some((_, other)) => {
                return Err(err(
                    Some(key),
                    "LO..HI, or LO..HI:log for a log-uniform range",
                    format!("`:{other}`"),
                ));
            }
            None => (range, Scale::Uniform),
        };
        let Some((lo, hi)) = bounds.split_once("..") else {
            return Err(err(
                Some(key),
                "a range LO..HI (two dots)",
                format!("`{range}`"),
            ));
        };
        let (lo, hi) = (lo.trim(), hi.trim());
        let current = setting(base, key);
        if current.is_empty() {
            // Let the scenario say what is wrong with the key (and suggest the nearest).
            let mut probe = base.clone();
            let e = apply_override(&mut probe, key, lo, "--vary")
                .err()
                .filter(|e| e.kind == ScenarioErrorKind::UnknownKey);
            return Err(VaryError {
                key: None,
                expected: "a scenario parameter".into(),
                found: format!("`{key}`"),
                help: e.and_then(|e| e.help),
            });
        }
        let values = if current == "true" || current == "false" {
            Values::Boolean
        } else if current.parse::<i64>().is_ok() {
            Values::Integer
        } else if current.parse::<f64>().is_ok() {
            Values::Real
        } else {
            return Err(err(
                Some(key),
                "a number or a true/false parameter",
                format!("`{key}` = {current}"),
            ));
        };
        let (low, high) = if values == Values::Boolean {
            if (lo, hi) != ("false", "true") || scale == Scale::Log {
                return Err(err(
                    Some(key),
                    "false..true for a true/false parameter",
                    format!("`{range}`"),
                ));
            }
            (0.0, 1.0)
        } else {
            let number = |t: &str| t.parse::<f64>().ok().filter(|v| v.is_finite());
            let (Some(low), Some(high)) = (number(lo), number(hi)) else {
                return Err(err(
                    Some(key),
                    "a range LO..HI of numbers",
                    format!("`{range}`"),
                ));
            };
            if low >= high {
                return Err(err(
                    Some(key),
                    "a range LO..HI with LO below HI",
                    format!("`{range}`"),
                ));
            }
            if scale == Scale::Log && low <= 0.0 {
                return Err(err(
                    Some(key),
                    "a log range above 0 (LO > 0)",
                    format!("`{range}`"),
                ));
            }
            (low, high)
        };
        let r = Range {
            key: key.to_string(),
            low,
            high,
            scale,
            values,
        };
        // Both ends must give a valid scenario (the values in between lie between them), checked
        // as plain scenarios: with its own [sensitivity] table, checking an end would check the
        // table's ranges again.
        let mut plain = base.clone();
        plain.sensitivity.vary.clear();
        plain.sweep.vary.clear();
        for u in [0.0, 1.0] {
            let mut s = plain.clone();
            let value = r.value(u);
            if let Err(e) = apply_override(&mut s, key, &value, "--vary") {
                return Err(err(
                    Some(key),
                    &format!("a valid value for `{key}` at each end"),
                    format!("`{value}`: {}", e.message),
                ));
            }
            if let Err(errors) = check(&s, None, "--vary") {
                let first = &errors.0[0];
                return Err(err(
                    Some(key),
                    &format!("ends that give a valid scenario for `{key}`"),
                    format!(
                        "`{value}`: {} {}",
                        first.key.as_deref().unwrap_or(""),
                        first.message
                    ),
                ));
            }
        }
        Ok(r)
    }

    /// The parameter's value at `u` in [0, 1] of its range, as a number.
    pub fn number(&self, u: f64) -> f64 {
        let u = u.clamp(0.0, 1.0);
        let x = match (self.values, self.scale) {
            (Values::Boolean, _) => f64::from(u8::from(u >= 0.5)),
            (_, Scale::Uniform) => self.low + u * (self.high - self.low),
            // The ends exactly, not through exp(ln(x)).
            (_, Scale::Log) if u == 0.0 => self.low,
            (_, Scale::Log) if u == 1.0 => self.high,
            (_, Scale::Log) => (self.low.ln() + u * (self.high.ln() - self.low.ln())).exp(),
        };
        if self.values == Values::Integer {
            x.round()
        } else {
            x
        }
    }

    /// The parameter's value at `u` in [0, 1] of its range, as the TOML literal an override takes.
    pub fn value(&self, u: f64) -> String {
        let x = self.number(u);
        match self.values {
            Values::Boolean => (x >= 0.5).to_string(),
            Values::Integer => format!("{}", x as i64),
            Values::Real => {
                let text = format!("{x}");
                if text.contains(['.', 'e', 'E', 'n', 'i']) {
                    text
                } else {
                    format!("{text}.0")
                }
            }
        }
    }
}

/// Parses and checks every range, each key once; all problems are reported at once, each against
/// its entry.
pub fn ranges(specs: &[String], base: &Scenario) -> Result<Vec<Range>, Vec<(usize, VaryError)>> {
    let mut out: Vec<Range> = Vec::new();
    let mut errors = Vec::new();
    for (i, spec) in specs.iter().enumerate() {
        match Range::parse(spec, base) {
            Ok(r) if out.iter().any(|o| o.key == r.key) => errors.push((
                i,
                VaryError {
                    key: Some(r.key.clone()),
                    expected: "each key varied once".into(),
                    found: format!("`{}` twice", r.key),
                    help: None,
                },
            )),
            Ok(r) => out.push(r),
            Err(e) => errors.push((i, e)),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_parse_with_their_kind_of_value_and_scale() {
        let base = Scenario::default();
        let r = Range::parse("policy.credit_guarantee.coverage=0..0.8", &base).unwrap();
        assert_eq!(
            (r.low, r.high, r.scale, r.values),
            (0.0, 0.8, Scale::Uniform, Values::Real)
        );
        assert_eq!(r.value(0.5), "0.4");
        assert_eq!(r.value(0.0), "0.0");
        let r = Range::parse("bank.capital_requirement=0.04..0.09:log", &base).unwrap();
        assert_eq!(r.scale, Scale::Log);
        assert!((r.number(0.5) - 0.06).abs() < 1e-12, "the geometric mean");
        assert_eq!((r.number(0.0), r.number(1.0)), (0.04, 0.09));
        let r = Range::parse("population.firms=1000..3001", &base).unwrap();
        assert_eq!(r.values, Values::Integer);
        assert_eq!(r.value(0.5), "2001");
        let r = Range::parse("kinds.worker_coop.fund_access=false..true", &base).unwrap();
        assert_eq!(r.values, Values::Boolean);
        assert_eq!(
            (r.value(0.2).as_str(), r.value(0.7).as_str()),
            ("false", "true")
        );
    }

    #[test]
    fn bad_ranges_are_refused_with_what_was_expected() {
        let base = Scenario::default();
        let refused = |spec: &str| Range::parse(spec, &base).unwrap_err();
        assert!(
            refused("policy.credit_guarantee.coverage=0.5..0.2")
                .expected
                .contains("LO below HI")
        );
        assert!(
            refused("policy.credit_guarantee.coverage=0.5..0.5")
                .expected
                .contains("LO below HI")
        );
        assert!(
            refused("bank.capital_requirement=0..0.1:log")
                .expected
                .contains("above 0")
        );
        assert!(
            refused("policy.credit_guarantee.coverage=0..1.5")
                .found
                .contains("1.5")
        );
        assert!(
            refused("policy.credit_guarante.coverage=0..0.5")
                .help
                .unwrap()
                .contains("credit_guarantee.coverage")
        );
        assert!(refused("seed=1..5").found.contains("common random numbers"));
        assert!(
            refused("policy.credit_guarantee.coverage=0:0.5")
                .expected
                .contains("two dots")
        );
        assert!(
            refused("policy.credit_guarantee.coverage=0..0.5:cube")
                .found
                .contains(":cube")
        );
        assert!(
            refused("kinds.worker_coop.fund_access=0..1")
                .expected
                .contains("false..true")
        );
        let twice = ranges(
            &[
                "policy.credit_guarantee.coverage=0..0.5".to_string(),
                "policy.credit_guarantee.coverage=0..0.8".to_string(),
            ],
            &base,
        )
        .unwrap_err();
        assert_eq!(twice.len(), 1);
        assert_eq!(twice[0].0, 1);
        assert!(twice[0].1.found.contains("twice"));
    }
}
