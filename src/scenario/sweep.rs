//! A sweep's specification: `--vary KEY=VALUES` and a scenario file's `[sweep]` table, parsed and
//! checked against the base scenario, and the settings (with their validated scenarios) of every
//! point the sweep runs. Pure: text in, validated scenarios out; what runs them, and how, is
//! `experiment`'s. Every point keeps the base scenario's seed and replications, so replication r
//! of every point draws the same random numbers (common random numbers) and differences between
//! points are not noise.

use crate::scenario::{
    self, Scenario, ScenarioError, ScenarioErrorKind, ScenarioErrors, SweepDesign,
};

/// Keys a sweep may not vary: they define the comparison itself, not a policy or the economy.
const FIXED: [&str; 4] = ["name", "description", "seed", "replications"];

/// One varied parameter: its dotted key and its values as TOML literals.
#[derive(Debug, Clone, PartialEq)]
pub struct Vary {
    pub key: String,
    pub values: Vec<String>,
}

/// Why a `KEY=VALUES` specification was refused.
#[derive(Debug, Clone, PartialEq)]
pub struct VaryError {
    pub key: Option<String>,
    pub expected: String,
    pub found: String,
    pub help: Option<String>,
}

impl VaryError {
    fn new(expected: impl Into<String>, found: impl Into<String>) -> VaryError {
        VaryError {
            key: None,
            expected: expected.into(),
            found: found.into(),
            help: None,
        }
    }

    /// As a scenario error from `origin` (e.g. `--vary`), naming the varied key.
    pub fn into_scenario_error(self, origin: &str) -> ScenarioError {
        ScenarioError {
            kind: ScenarioErrorKind::Invalid,
            origin: origin.to_string(),
            key: self.key,
            message: format!("expected {}, found {}", self.expected, self.found),
            help: self.help,
            location: None,
        }
    }
}

/// Splits at commas that are not inside brackets or quotes (so `["hours","pay"]` stays whole).
fn split_top_level(text: &str) -> Vec<String> {
    let (mut out, mut current, mut depth, mut quoted) = (Vec::new(), String::new(), 0i32, false);
    for c in text.chars() {
        match c {
            '"' => quoted = !quoted,
            '[' if !quoted => depth += 1,
            ']' if !quoted => depth -= 1,
            ',' if !quoted && depth == 0 => {
                out.push(current.trim().to_string());
                current.clear();
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    out.push(current.trim().to_string());
    out
}

/// A number as a TOML literal: whole numbers without a fractional part (so they fit integer
/// parameters), others in the shortest form that reads back exactly.
fn literal(x: f64) -> String {
    if x == x.round() && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// A point of the range FROM:TO rounded to 12 significant digits of the range's larger end, so
/// that the step's rounding error does not reach the arm's label or its scenario: 0:0.3:4 has 0.1,
/// not 0.09999999999999999, and 0.1:-0.2:4 has 0, not -1.4e-17.
fn round_to_range(x: f64, from: f64, to: f64) -> f64 {
    round_significant(x, 12, from.abs().max(to.abs()))
}

/// `x` rounded to `digits` significant digits of `magnitude` (the number whose size sets the
/// digits: `x` itself, or a range's larger end). Left as it is when `magnitude` is 0, when the
/// digits are all whole, or when the power of ten is no longer exact.
pub(crate) fn round_significant(x: f64, digits: i32, magnitude: f64) -> f64 {
    let magnitude = magnitude.abs();
    if magnitude == 0.0 {
        return x;
    }
    let decimals = digits - 1 - magnitude.log10().floor() as i32;
    if !(1..=22).contains(&decimals) {
        return x;
    }
    let power = 10f64.powi(decimals);
    (x * power).round() / power
}

impl Vary {
    /// Parses `KEY=VALUES`, where VALUES is a comma-separated list (`0,0.25,0.5`) or a range
    /// `FROM:TO:POINTS` (`0:0.5:6` is 6 evenly spaced points from 0 to 0.5).
    pub fn parse(spec: &str) -> Result<Vary, VaryError> {
        let Some((key, values)) = spec.split_once('=') else {
            return Err(VaryError::new(
                "KEY=VALUES (e.g. policy.credit_guarantee.coverage=0,0.25,0.5)",
                format!("`{spec}`"),
            ));
        };
        let (key, values) = (key.trim().to_string(), values.trim());
        let err = |expected: &str, found: String| VaryError {
            key: Some(key.clone()),
            ..VaryError::new(expected, found)
        };
        if key.is_empty() {
            return Err(err("a parameter key before `=`", format!("`{spec}`")));
        }
        let parts: Vec<&str> = values.split(':').collect();
        let is_range = parts.len() == 3 && !values.contains(['[', '"', ',']);
        let values = if is_range {
            let number = |s: &str| s.trim().parse::<f64>().ok().filter(|v| v.is_finite());
            let (Some(from), Some(to)) = (number(parts[0]), number(parts[1])) else {
                return Err(err(
                    "a range FROM:TO:POINTS of numbers",
                    format!("`{values}`"),
                ));
            };
            let points: usize = match parts[2].trim().parse() {
                Ok(n) if n >= 2 => n,
                _ => {
                    return Err(err(
                        "a range FROM:TO:POINTS with at least 2 points",
                        format!("`{values}`"),
                    ));
                }
            };
            (0..points)
                .map(|i| {
                    let x = from + (to - from) * i as f64 / (points - 1) as f64;
                    literal(round_to_range(x, from, to))
                })
                .collect()
        } else {
            split_top_level(values)
        };
        if values.iter().any(String::is_empty) {
            return Err(err(
                "a comma-separated list of values with none empty",
                format!("`{}`", values.join(",")),
            ));
        }
        Ok(Vary { key, values })
    }

    /// Checks that the key exists and may be varied, and that every value has the right type and
    /// gives a valid scenario when laid over `base`.
    pub fn check(&self, base: &Scenario) -> Result<(), VaryError> {
        let err = |expected: String, found: String, help: Option<String>| VaryError {
            key: Some(self.key.clone()),
            expected,
            found,
            help,
        };
        if FIXED.contains(&self.key.as_str())
            || self.key.starts_with("sweep")
            || self.key.starts_with("sensitivity")
        {
            return Err(err(
                "a model or policy parameter".into(),
                format!(
                    "`{}`, which every arm shares (common random numbers need the same seed and replications)",
                    self.key
                ),
                None,
            ));
        }
        let base = without_sweep(base);
        let mut given: Vec<(&String, Scenario)> = Vec::with_capacity(self.values.len());
        for value in &self.values {
            let mut s = base.clone();
            if let Err(e) = scenario::apply_override(&mut s, &self.key, value, "--vary") {
                if e.kind == scenario::ScenarioErrorKind::UnknownKey {
                    // The unknown key is what was found; naming it as the key too says it twice.
                    return Err(VaryError {
                        help: e.help,
                        ..VaryError::new("a scenario parameter", format!("`{}`", self.key))
                    });
                }
                return Err(err(
                    format!("a valid value for `{}`", self.key),
                    format!("`{value}`: {}", e.message),
                    e.help,
                ));
            }
            if let Err(errors) = scenario::check(&s, None, "--vary") {
                let first = &errors.0[0];
                return Err(err(
                    format!("values that give a valid scenario for `{}`", self.key),
                    format!(
                        "`{value}`: {} {}",
                        first.key.as_deref().unwrap_or(""),
                        first.message
                    ),
                    None,
                ));
            }
            if let Some((first, _)) = given.iter().find(|(_, earlier)| *earlier == s) {
                return Err(err(
                    "distinct values (each setting runs once)".into(),
                    if *first == value {
                        format!("`{value}` twice")
                    } else {
                        format!("`{value}`, the same setting as `{first}` before it")
                    },
                    None,
                ));
            }
            given.push((value, s));
        }
        Ok(())
    }
}

/// One point of a sweep: the settings laid over the base, and the scenario they give.
#[derive(Debug, Clone)]
pub struct SweepPoint {
    pub settings: Vec<(String, String)>,
    pub scenario: Scenario,
}

/// The points of a sweep of `base` other than the base itself: every combination of the values
/// (grid) or each value of each parameter with the others at the base (one at a time), each with
/// its settings and its validated scenario, leaving out any that would run the base's own settings
/// again. Every point is validated before anything runs; all problems are reported at once.
pub fn sweep_points(
    base: &Scenario,
    vary: &[Vary],
    design: SweepDesign,
    origin: &str,
) -> Result<Vec<SweepPoint>, ScenarioErrors> {
    let mut errors = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for v in vary {
        if !seen.insert(v.key.clone()) {
            errors.push(
                VaryError {
                    key: Some(v.key.clone()),
                    ..VaryError::new("each key varied once", format!("`{}` twice", v.key))
                }
                .into_scenario_error(origin),
            );
        } else if let Err(e) = v.check(base) {
            errors.push(e.into_scenario_error(origin));
        }
    }
    if vary.is_empty() {
        errors.push(
            VaryError::new(
                "at least one --vary KEY=VALUES, or a `vary` list in the scenario's [sweep] table",
                "none",
            )
            .into_scenario_error(origin),
        );
    }
    if !errors.is_empty() {
        return Err(ScenarioErrors(errors));
    }
    // The points are laid over the base without its [sweep] table.
    let plain = without_sweep(base);
    let mut points = Vec::new();
    for settings in combinations(vary, design) {
        let s = with_settings(&plain, &settings, origin)?;
        scenario::check(&s, None, origin)?;
        if s == plain {
            // The base already runs these settings.
            continue;
        }
        points.push(SweepPoint {
            settings,
            scenario: s,
        });
    }
    if points.is_empty() {
        return Err(only_the_base(vary).into_scenario_error(origin).into());
    }
    Ok(points)
}

/// The settings of every arm but the base: every combination of the values (grid), or each value
/// of each key with the others at the base (one at a time).
fn combinations(vary: &[Vary], design: SweepDesign) -> Vec<Vec<(String, String)>> {
    match design {
        SweepDesign::Grid => vary.iter().fold(vec![Vec::new()], |acc, v| {
            acc.iter()
                .flat_map(|c| {
                    v.values.iter().map(move |value| {
                        let mut c = c.clone();
                        c.push((v.key.clone(), value.clone()));
                        c
                    })
                })
                .collect()
        }),
        SweepDesign::Oat => vary
            .iter()
            .flat_map(|v| {
                v.values
                    .iter()
                    .map(move |value| vec![(v.key.clone(), value.clone())])
            })
            .collect(),
    }
}

/// `base` with `settings` laid over it.
fn with_settings(
    base: &Scenario,
    settings: &[(String, String)],
    origin: &str,
) -> Result<Scenario, ScenarioError> {
    let mut s = base.clone();
    for (key, value) in settings {
        scenario::apply_override(&mut s, key, value, origin)?;
    }
    Ok(s)
}

/// `s` as one scenario that does not sweep again: an arm, or the base an arm is laid over. With
/// its [sweep] table, an arm whose settings are the table's only values would be checked as a
/// sweep of nothing but itself.
fn without_sweep(s: &Scenario) -> Scenario {
    let mut plain = s.clone();
    plain.sweep.vary.clear();
    plain
}

/// A sweep whose every setting is the base's own.
fn only_the_base(vary: &[Vary]) -> VaryError {
    let listed = vary
        .iter()
        .map(|v| format!("{}={}", v.key, v.values.join(",")))
        .collect::<Vec<_>>()
        .join(" ");
    VaryError::new(
        "at least one setting other than the base's (the base arm always runs)",
        format!("only the base's own settings: {listed}"),
    )
}

/// Whether a scenario's own `[sweep]` (each of its `vary` entries valid) would run only the
/// scenario itself, for `coopsim check` to say so before any sweep is started.
pub fn sweeps_only_the_base(s: &Scenario) -> Option<VaryError> {
    let vary: Vec<Vary> = s
        .sweep
        .vary
        .iter()
        .map(|v| Vary::parse(v))
        .collect::<Result<_, _>>()
        .ok()?;
    let base = without_sweep(s);
    let all_base = combinations(&vary, s.sweep.design)
        .iter()
        .all(|settings| with_settings(&base, settings, "").is_ok_and(|arm| arm == base));
    (!vary.is_empty() && all_base).then(|| only_the_base(&vary))
}

/// The value of dotted `key` in a resolved scenario, as text (numbers as numbers).
pub fn setting(s: &Scenario, key: &str) -> String {
    let value = toml::Value::try_from(s).expect("a resolved scenario serialises");
    let found = key.split('.').try_fold(&value, |v, part| v.get(part));
    match found {
        Some(toml::Value::String(text)) => text.clone(),
        Some(v) => v.to_string(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_ranges_and_bracketed_values_parse() {
        let v = Vary::parse("policy.credit_guarantee.coverage=0:0.5:6").unwrap();
        assert_eq!(
            v.values,
            ["0", "0.1", "0.2", "0.3", "0.4", "0.5"].map(String::from)
        );
        let v = Vary::parse("crisis.depth.manufacturing=0:0.3:4").unwrap();
        assert_eq!(v.values, ["0", "0.1", "0.2", "0.3"].map(String::from));
        let v = Vary::parse("x=0.1:-0.2:4").unwrap();
        assert_eq!(v.values, ["0.1", "0", "-0.1", "-0.2"].map(String::from));
        let v = Vary::parse("x=0.7:-0.2:10").unwrap();
        assert_eq!(v.values[7], "0");
        assert_eq!(v.values[3], "0.4");
        let v = Vary::parse("x=1000:4000:3").unwrap();
        assert_eq!(v.values, ["1000", "2500", "4000"].map(String::from));
        let v = Vary::parse("x=0.00001:0.00002:3").unwrap();
        assert_eq!(
            v.values,
            ["0.00001", "0.000015", "0.00002"].map(String::from)
        );
        let v = Vary::parse("months = 60, 96").unwrap();
        assert_eq!((v.key.as_str(), v.values.len()), ("months", 2));
        let v =
            Vary::parse(r#"kinds.worker_coop.adjustment_order=["pay","hours"],["hours","pay"]"#)
                .unwrap();
        assert_eq!(v.values.len(), 2);
        assert!(Vary::parse("coverage").is_err());
        assert!(Vary::parse("x=0:1:1").is_err(), "a range needs two points");
        assert!(Vary::parse("x=0,,1").is_err());
    }

    #[test]
    fn bad_keys_types_and_values_are_refused_before_running() {
        let base = Scenario::default();
        let check = |spec: &str| Vary::parse(spec).and_then(|v| v.check(&base)).unwrap_err();
        let e = check("policy.credit_guarante.coverage=0,0.5");
        let shown = e.clone().into_scenario_error("--vary").to_string();
        assert_eq!(
            shown.matches("policy.credit_guarante.").count(),
            1,
            "{shown}"
        );
        assert!(e.help.unwrap().contains("policy.credit_guarantee.coverage"));
        let e = check("months=many");
        assert!(e.found.contains("many"), "{e:?}");
        let e = check("policy.credit_guarantee.coverage=0,1.5");
        assert!(e.found.contains("1.5"), "{e:?}");
        let e = check("seed=1,2");
        assert!(e.found.contains("common random numbers"), "{e:?}");
        let err = sweep_points(&base, &[], SweepDesign::Grid, "--vary").unwrap_err();
        assert!(err.to_string().contains("--vary"), "{err}");
    }

    #[test]
    fn a_setting_given_twice_or_only_the_base_is_refused() {
        let base = Scenario::default();
        let check = |spec: &str| Vary::parse(spec).and_then(|v| v.check(&base)).unwrap_err();
        // Two spellings of one number are one setting: the arm would run twice.
        let e = check("policy.credit_guarantee.coverage=0.5,0.25,0.50");
        assert!(e.expected.contains("distinct"), "{e:?}");
        assert!(
            e.found.contains("`0.50`") && e.found.contains("`0.5`"),
            "{e:?}"
        );
        // A sweep whose every value is the base's own setting has nothing to compare.
        let own = base.policy.credit_guarantee.coverage;
        let v = Vary::parse(&format!("policy.credit_guarantee.coverage={own}")).unwrap();
        v.check(&base).unwrap();
        let err = sweep_points(&base, &[v], SweepDesign::Oat, "--vary").unwrap_err();
        assert!(err.to_string().contains("other than the base"), "{err}");
    }
}
