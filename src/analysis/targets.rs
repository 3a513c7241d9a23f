//! Targets files (`validation/targets.toml`): the published figures the model is held against,
//! each with its band, its source, whether a parameter was calibrated on it, and the quantity to
//! compute as a metric of `analysis::metrics` with its arguments. TOML in, plain `Targets` out, or
//! errors that name the file, the line and the key, as for scenarios. Reads no scenario: the
//! scenarios a target names are files (relative to the targets file) with `--set` changes, loaded
//! by the caller.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use toml::Spanned;

use crate::analysis::{Filter, Metric, Series, Variable, Window};
use crate::scenario::error::nearest;
use crate::scenario::{Kind, Location, ScenarioError, ScenarioErrorKind, ScenarioErrors, Sector};

/// A scenario the targets run: a file and changes to it.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioRef {
    pub name: String,
    /// The scenario file, as written (relative to the targets file) and resolved.
    pub file_as_written: String,
    pub file: PathBuf,
    /// `KEY=VALUE` changes, as `--set` takes them.
    pub set: Vec<String>,
    /// Where each change is written, for errors.
    pub set_locations: Vec<Option<Box<Location>>>,
    pub location: Option<Box<Location>>,
}

/// The band a target's model value must lie in (inclusive; a side may be open).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Band {
    pub low: Option<f64>,
    pub high: Option<f64>,
}

impl Band {
    pub fn contains(&self, x: f64) -> bool {
        x.is_finite() && self.low.is_none_or(|l| x >= l) && self.high.is_none_or(|h| x <= h)
    }
}

impl fmt::Display for Band {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.low, self.high) {
            (Some(l), Some(h)) => write!(f, "{} to {}", number(l), number(h)),
            (Some(l), None) => write!(f, ">= {}", number(l)),
            (None, Some(h)) => write!(f, "<= {}", number(h)),
            (None, None) => write!(f, "any"),
        }
    }
}

/// A number as written in a band: no trailing zeros.
pub fn number(x: f64) -> String {
    let s = format!("{x:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_string()
    } else {
        s.to_string()
    }
}

/// One side of a measure: a metric on a scenario (and its control, for metrics against one).
#[derive(Debug, Clone, PartialEq)]
pub struct Side {
    pub metric: Metric,
    /// Indices into `Targets::scenarios`.
    pub scenario: usize,
    pub control: Option<usize>,
}

/// One row of the validation table: a number computed in every replication and its band.
#[derive(Debug, Clone, PartialEq)]
pub struct Measure {
    pub label: String,
    pub side: Side,
    /// With `minus`, the value is the paired difference side - minus in each replication.
    pub minus: Option<Side>,
    pub band: Band,
    /// The 95% interval must also leave out this value (a difference "interval excluding 0").
    pub interval_excludes: Option<f64>,
    /// Where the measure is written, for errors found once its scenarios are loaded.
    pub location: Option<Box<Location>>,
}

/// A published figure and the measures that check it (it is met when all are).
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub id: String,
    pub figure: String,
    pub source: String,
    pub calibrated: bool,
    /// The parameters fitted to it, when calibrated.
    pub calibrated_on: Option<String>,
    pub measures: Vec<Measure>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Targets {
    pub origin: String,
    pub description: String,
    pub seed: Option<u64>,
    pub replications: Option<u32>,
    pub scenarios: Vec<ScenarioRef>,
    pub targets: Vec<Target>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    description: String,
    seed: Option<u64>,
    replications: Option<Spanned<u32>>,
    #[serde(default)]
    scenarios: BTreeMap<String, Spanned<RawScenario>>,
    #[serde(default, rename = "target")]
    targets: Vec<Spanned<RawTarget>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    file: Spanned<String>,
    #[serde(default)]
    set: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTarget {
    id: Spanned<String>,
    figure: String,
    source: String,
    calibrated: bool,
    calibrated_on: Option<String>,
    #[serde(default, rename = "measure")]
    measures: Vec<Spanned<RawMeasure>>,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "snake_case")]
enum MetricName {
    CohortSurvival,
    HazardRatio,
    PayGap,
    VolatilityRatio,
    DeathRateRatio,
    EmploymentElasticity,
    ExcessExits,
    JobLoss,
    Drift,
    AtOnset,
}

impl MetricName {
    fn name(self) -> &'static str {
        match self {
            MetricName::CohortSurvival => "cohort_survival",
            MetricName::HazardRatio => "hazard_ratio",
            MetricName::PayGap => "pay_gap",
            MetricName::VolatilityRatio => "volatility_ratio",
            MetricName::DeathRateRatio => "death_rate_ratio",
            MetricName::EmploymentElasticity => "employment_elasticity",
            MetricName::ExcessExits => "excess_exits",
            MetricName::JobLoss => "job_loss",
            MetricName::Drift => "drift",
            MetricName::AtOnset => "at_onset",
        }
    }

    /// The arguments it takes besides `scenario` (required ones first).
    fn arguments(self) -> &'static [&'static str] {
        match self {
            MetricName::CohortSurvival => &["kind", "age_months", "cohort"],
            MetricName::HazardRatio => &["kind", "reference", "window", "stratify"],
            MetricName::PayGap => &["kind", "reference", "months"],
            MetricName::VolatilityRatio => &["variable", "kind", "reference"],
            MetricName::DeathRateRatio => &["control", "kind", "sector", "window_months"],
            MetricName::EmploymentElasticity | MetricName::ExcessExits | MetricName::JobLoss => {
                &["control", "kind", "sector"]
            }
            MetricName::Drift | MetricName::AtOnset => &["series", "kind", "sector"],
        }
    }

    fn required(self) -> &'static [&'static str] {
        match self {
            MetricName::CohortSurvival => &["kind", "age_months"],
            MetricName::HazardRatio | MetricName::PayGap => &["kind"],
            MetricName::VolatilityRatio => &["variable", "kind"],
            MetricName::DeathRateRatio
            | MetricName::EmploymentElasticity
            | MetricName::ExcessExits
            | MetricName::JobLoss => &["control"],
            MetricName::Drift | MetricName::AtOnset => &["series"],
        }
    }
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
enum WindowName {
    Horizon,
    Crisis,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
enum StratifyName {
    Sector,
    None,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
enum VariableName {
    Pay,
    Heads,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
enum SeriesName {
    ReservesShare,
    DebtShare,
    Hours,
    Heads,
}

/// One kind or a list of kinds (a measure per kind).
#[derive(Clone)]
struct Kinds(Vec<Kind>);

impl<'de> Deserialize<'de> for Kinds {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Kinds, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Kinds;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a firm kind or a list of firm kinds")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Kinds, E> {
                Kind::deserialize(de::value::StrDeserializer::<E>::new(v)).map(|k| Kinds(vec![k]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Kinds, A::Error> {
                let mut kinds = Vec::new();
                while let Some(k) = seq.next_element::<Kind>()? {
                    kinds.push(k);
                }
                if kinds.is_empty() {
                    return Err(de::Error::invalid_length(0, &"at least one kind"));
                }
                Ok(Kinds(kinds))
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct RawMeasure {
    label: Option<String>,
    metric: Spanned<MetricName>,
    scenario: Spanned<String>,
    control: Option<Spanned<String>>,
    kind: Option<Kinds>,
    reference: Option<Kind>,
    sector: Option<Sector>,
    window: Option<WindowName>,
    stratify: Option<StratifyName>,
    age_months: Option<u32>,
    cohort: Option<[i32; 2]>,
    months: Option<u32>,
    variable: Option<VariableName>,
    series: Option<SeriesName>,
    window_months: Option<u32>,
    band: Option<Spanned<[f64; 2]>>,
    at_least: Option<f64>,
    at_most: Option<f64>,
    interval_excludes: Option<f64>,
    minus: Option<Spanned<RawMinus>>,
}

impl RawMeasure {
    /// The metric arguments that are set.
    fn given(&self) -> Vec<&'static str> {
        let set = [
            ("control", self.control.is_some()),
            ("kind", self.kind.is_some()),
            ("reference", self.reference.is_some()),
            ("sector", self.sector.is_some()),
            ("window", self.window.is_some()),
            ("stratify", self.stratify.is_some()),
            ("age_months", self.age_months.is_some()),
            ("cohort", self.cohort.is_some()),
            ("months", self.months.is_some()),
            ("variable", self.variable.is_some()),
            ("series", self.series.is_some()),
            ("window_months", self.window_months.is_some()),
        ];
        set.iter().filter(|(_, on)| *on).map(|(k, _)| *k).collect()
    }
}

/// What the other side of a paired difference changes: its scenario (and control), kind or
/// sector.
#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct RawMinus {
    scenario: Option<Spanned<String>>,
    control: Option<Spanned<String>>,
    kind: Option<Kind>,
    sector: Option<Sector>,
}

/// Parses targets text; scenario files are resolved relative to `base`.
pub fn parse(text: &str, origin: &str, base: &Path) -> Result<Targets, ScenarioErrors> {
    let raw: RawFile = toml::from_str(text).map_err(|e| toml_error(&e, text, origin))?;
    let mut errors = Vec::new();
    let at = |span: Range<usize>| Some(Box::new(Location::from_span(text, span)));
    let error =
        |key: &str, message: String, help: Option<String>, span: Range<usize>| ScenarioError {
            kind: ScenarioErrorKind::Invalid,
            origin: origin.to_string(),
            key: Some(key.to_string()),
            message,
            help,
            location: at(span),
        };

    let mut scenarios = Vec::new();
    for (name, s) in &raw.scenarios {
        let span = s.span();
        let s = s.get_ref();
        let file = s.file.get_ref();
        if file.trim().is_empty() {
            errors.push(error(
                &format!("scenarios.{name}.file"),
                "expected the path of a scenario file, found an empty string".into(),
                None,
                s.file.span(),
            ));
        }
        let mut set_locations = Vec::new();
        for (i, item) in s.set.iter().enumerate() {
            set_locations.push(at(item.span()));
            if !item.get_ref().contains('=') {
                errors.push(error(
                    &format!("scenarios.{name}.set[{i}]"),
                    format!("expected KEY=VALUE, found `{}`", item.get_ref()),
                    Some("each change is written as `--set` takes it: \"kinds.worker_coop.indivisible_reserve_share=0\"".into()),
                    item.span(),
                ));
            }
        }
        scenarios.push(ScenarioRef {
            name: name.clone(),
            file_as_written: file.clone(),
            file: base.join(file),
            set: s.set.iter().map(|x| x.get_ref().clone()).collect(),
            set_locations,
            location: at(span),
        });
    }
    if let Some(r) = &raw.replications
        && *r.get_ref() < 2
    {
        errors.push(error(
            "replications",
            format!(
                "expected at least 2 (an interval needs two replications), found {}",
                r.get_ref()
            ),
            None,
            r.span(),
        ));
    }
    let names: Vec<&str> = scenarios.iter().map(|s| s.name.as_str()).collect();
    let scenario_index = |key: &str, name: &Spanned<String>, errors: &mut Vec<ScenarioError>| {
        let found = names.iter().position(|n| *n == name.get_ref());
        if found.is_none() {
            let help = match nearest(name.get_ref(), names.iter().copied()) {
                Some(n) => format!("did you mean `{n}`?"),
                None if names.is_empty() => {
                    "declare it in a [scenarios.NAME] table with its `file`".to_string()
                }
                None => format!("scenarios declared here: {}", names.join(", ")),
            };
            errors.push(error(
                key,
                format!(
                    "expected a scenario of [scenarios], found `{}`",
                    name.get_ref()
                ),
                Some(help),
                name.span(),
            ));
        }
        found
    };

    if raw.targets.is_empty() {
        errors.push(ScenarioError {
            kind: ScenarioErrorKind::Invalid,
            origin: origin.to_string(),
            key: Some("target".into()),
            message: "expected at least one [[target]], found none".into(),
            help: None,
            location: None,
        });
    }
    let mut targets = Vec::new();
    let mut ids: Vec<String> = Vec::new();
    for (ti, t) in raw.targets.iter().enumerate() {
        let t_span = t.span();
        let t = t.get_ref();
        let id = t.id.get_ref().trim().to_string();
        let tkey = format!("target[{ti}]");
        if id.is_empty() {
            errors.push(error(
                &format!("{tkey}.id"),
                "expected an id such as \"T1\", found an empty string".into(),
                None,
                t.id.span(),
            ));
        } else if ids.contains(&id) {
            errors.push(error(
                &format!("{tkey}.id"),
                format!("expected a new id, found `{id}` a second time"),
                None,
                t.id.span(),
            ));
        }
        ids.push(id.clone());
        if t.measures.is_empty() {
            errors.push(error(
                &tkey,
                format!("target `{id}`: expected at least one [[target.measure]], found none"),
                None,
                t_span.clone(),
            ));
        }
        let mut measures = Vec::new();
        for (mi, m) in t.measures.iter().enumerate() {
            let m_span = m.span();
            let m = m.get_ref();
            let mkey = format!("{tkey}.measure[{mi}]");
            let name = *m.metric.get_ref();
            let before = errors.len();
            for given in m.given() {
                if !name.arguments().contains(&given) {
                    errors.push(error(
                        &format!("{mkey}.{given}"),
                        format!("`{given}` is not an argument of `{}`", name.name()),
                        Some(format!(
                            "`{}` takes: {}",
                            name.name(),
                            name.arguments().join(", ")
                        )),
                        m_span.clone(),
                    ));
                }
            }
            let given = m.given();
            for required in name.required() {
                if !given.contains(required) {
                    errors.push(error(
                        &format!("{mkey}.{required}"),
                        format!("`{}` needs `{required}`, which is missing", name.name()),
                        Some(format!(
                            "`{}` takes: {}",
                            name.name(),
                            name.arguments().join(", ")
                        )),
                        m.metric.span(),
                    ));
                }
            }
            let band = match (&m.band, m.at_least, m.at_most) {
                (Some(b), None, None) => {
                    let [lo, hi] = *b.get_ref();
                    if lo > hi || !lo.is_finite() || !hi.is_finite() {
                        errors.push(error(
                            &format!("{mkey}.band"),
                            format!("expected [low, high] with low <= high, found [{lo}, {hi}]"),
                            None,
                            b.span(),
                        ));
                    }
                    Band {
                        low: Some(lo),
                        high: Some(hi),
                    }
                }
                (None, low, high) if low.is_some() || high.is_some() => Band { low, high },
                _ => {
                    errors.push(error(
                        &format!("{mkey}.band"),
                        "expected either `band = [low, high]` or `at_least` and/or `at_most`"
                            .into(),
                        None,
                        m_span.clone(),
                    ));
                    Band {
                        low: None,
                        high: None,
                    }
                }
            };
            let scenario = scenario_index(&format!("{mkey}.scenario"), &m.scenario, &mut errors);
            let control = m
                .control
                .as_ref()
                .and_then(|c| scenario_index(&format!("{mkey}.control"), c, &mut errors));
            let mut minus_side = None;
            if let Some(minus) = &m.minus {
                if !metric_is_scalar(name) {
                    errors.push(error(
                        &format!("{mkey}.minus"),
                        format!(
                            "`{}` picks its months from the mean path, so it cannot be paired in a difference",
                            name.name()
                        ),
                        None,
                        minus.span(),
                    ));
                }
                let mn = minus.get_ref();
                let scenario = match &mn.scenario {
                    Some(s) => scenario_index(&format!("{mkey}.minus.scenario"), s, &mut errors),
                    None => scenario,
                };
                let control = match &mn.control {
                    Some(c) => scenario_index(&format!("{mkey}.minus.control"), c, &mut errors),
                    None => control,
                };
                if mn.kind.is_some() && !name.arguments().contains(&"kind") {
                    errors.push(error(
                        &format!("{mkey}.minus.kind"),
                        format!("`kind` is not an argument of `{}`", name.name()),
                        None,
                        minus.span(),
                    ));
                }
                if mn.sector.is_some() && !name.arguments().contains(&"sector") {
                    errors.push(error(
                        &format!("{mkey}.minus.sector"),
                        format!("`sector` is not an argument of `{}`", name.name()),
                        None,
                        minus.span(),
                    ));
                }
                minus_side = Some((mn.clone(), scenario, control));
            }
            if errors.len() > before {
                continue;
            }
            let (Some(scenario), true) = (scenario, m.control.is_none() || control.is_some())
            else {
                continue;
            };
            let kinds: Vec<Option<Kind>> = match &m.kind {
                Some(Kinds(list)) => list.iter().map(|k| Some(*k)).collect(),
                None => vec![None],
            };
            for kind in &kinds {
                let metric = build_metric(m, *kind, m.sector);
                let minus = match &minus_side {
                    Some((mn, Some(s), c)) => Some(Side {
                        metric: build_metric(m, mn.kind.or(*kind), mn.sector.or(m.sector)),
                        scenario: *s,
                        control: *c,
                    }),
                    _ => None,
                };
                let base_label = m
                    .label
                    .clone()
                    .unwrap_or_else(|| name.name().replace('_', " "));
                let label = match kind {
                    Some(k) if kinds.len() > 1 => format!("{base_label}: {}", k.name()),
                    _ => base_label,
                };
                measures.push(Measure {
                    label,
                    side: Side {
                        metric,
                        scenario,
                        control,
                    },
                    minus,
                    band,
                    interval_excludes: m.interval_excludes,
                    location: at(m.metric.span()),
                });
            }
        }
        targets.push(Target {
            id,
            figure: t.figure.clone(),
            source: t.source.clone(),
            calibrated: t.calibrated,
            calibrated_on: t.calibrated_on.clone(),
            measures,
        });
    }
    if !errors.is_empty() {
        return Err(ScenarioErrors(errors));
    }
    Ok(Targets {
        origin: origin.to_string(),
        description: raw.description,
        seed: raw.seed,
        replications: raw.replications.map(|r| *r.get_ref()),
        scenarios,
        targets,
    })
}

fn metric_is_scalar(name: MetricName) -> bool {
    !matches!(
        name,
        MetricName::DeathRateRatio | MetricName::EmploymentElasticity
    )
}

/// The metric a checked measure asks for (required arguments are present).
fn build_metric(m: &RawMeasure, kind: Option<Kind>, sector: Option<Sector>) -> Metric {
    let reference = m.reference.unwrap_or(Kind::Conventional);
    let filter = Filter { kind, sector };
    let required_kind = kind.unwrap_or(Kind::WorkerCoop);
    match *m.metric.get_ref() {
        MetricName::CohortSurvival => {
            let [from, to] = m.cohort.unwrap_or([-12, 0]);
            Metric::CohortSurvival {
                kind: required_kind,
                cohort: from..to,
                age_months: m.age_months.unwrap_or(12),
            }
        }
        MetricName::HazardRatio => Metric::HazardRatio {
            kind: required_kind,
            reference,
            window: match m.window.unwrap_or(WindowName::Horizon) {
                WindowName::Horizon => Window::Horizon,
                WindowName::Crisis => Window::Crisis,
            },
            stratified: !matches!(m.stratify, Some(StratifyName::None)),
        },
        MetricName::PayGap => Metric::PayGap {
            kind: required_kind,
            reference,
            months: m.months.unwrap_or(12),
        },
        MetricName::VolatilityRatio => Metric::VolatilityRatio {
            variable: match m.variable.unwrap_or(VariableName::Pay) {
                VariableName::Pay => Variable::Pay,
                VariableName::Heads => Variable::Heads,
            },
            kind: required_kind,
            reference,
        },
        MetricName::DeathRateRatio => Metric::DeathRateRatio {
            filter,
            window_months: m.window_months.unwrap_or(12),
        },
        MetricName::EmploymentElasticity => Metric::EmploymentElasticity { filter },
        MetricName::ExcessExits => Metric::ExcessExits { filter },
        MetricName::JobLoss => Metric::JobLoss { filter },
        MetricName::Drift | MetricName::AtOnset => {
            let series = match m.series.unwrap_or(SeriesName::ReservesShare) {
                SeriesName::ReservesShare => Series::ReservesShare,
                SeriesName::DebtShare => Series::DebtShare,
                SeriesName::Hours => Series::Hours,
                SeriesName::Heads => Series::Heads,
            };
            if *m.metric.get_ref() == MetricName::Drift {
                Metric::Drift { series, filter }
            } else {
                Metric::AtOnset { series, filter }
            }
        }
    }
}

/// A toml/serde error with its place, its key where one is known, and a did-you-mean.
fn toml_error(e: &toml::de::Error, text: &str, origin: &str) -> ScenarioErrors {
    let message = e.message().trim().to_string();
    let location = e.span().map(|s| Box::new(Location::from_span(text, s)));
    let kind = if message.starts_with("unknown field") {
        ScenarioErrorKind::UnknownKey
    } else if toml::de::DeTable::parse(text).is_ok() {
        ScenarioErrorKind::Type
    } else {
        ScenarioErrorKind::Syntax
    };
    let mut ticks = message.split('`').skip(1).step_by(2);
    let help = ticks.next().and_then(|unknown| {
        let expected: Vec<&str> = ticks.collect();
        if expected.is_empty() {
            return None;
        }
        Some(match nearest(unknown, expected.iter().copied()) {
            Some(k) => format!("did you mean `{k}`?"),
            None => format!("expected one of: {}", expected.join(", ")),
        })
    });
    let message = match kind {
        ScenarioErrorKind::UnknownKey => message
            .split(',')
            .next()
            .unwrap_or(&message)
            .replace("field", "key"),
        ScenarioErrorKind::Syntax => format!(
            "TOML syntax error: {}",
            message.replace(", expected nothing", "")
        ),
        _ => crate::scenario::humanize(
            message
                .split(", expected one of")
                .next()
                .unwrap_or(&message),
        ),
    };
    ScenarioError {
        kind,
        origin: origin.to_string(),
        key: location.as_ref().and_then(|l| key_at(&l.text)),
        message,
        help,
        location,
    }
    .into()
}

/// The key set on a line (`kind = "x"` -> `kind`).
fn key_at(line: &str) -> Option<String> {
    let (name, _) = line.split_once('=')?;
    let name = name.trim();
    (!name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c)))
    .then(|| name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = r#"
[scenarios.base]
file = "base.toml"

[scenarios.calm]
file = "base.toml"
set = ["crisis.depth.manufacturing=0"]

[[target]]
id = "T1"
figure = "Co-ops exit less"
source = "Burdin 2014"
calibrated = false

[[target.measure]]
metric = "hazard_ratio"
scenario = "base"
kind = "worker_coop"
band = [0.6, 0.8]

[[target]]
id = "T11"
figure = "calm"
source = "sanity"
calibrated = true
calibrated_on = "population.background_exit_monthly"

[[target.measure]]
label = "hours drift"
metric = "drift"
scenario = "calm"
series = "hours"
kind = ["conventional", "worker_coop"]
at_least = -0.01
at_most = 0.01

[[target.measure]]
metric = "excess_exits"
scenario = "base"
control = "calm"
sector = "social_services"
at_most = 0
minus = { sector = "manufacturing" }
"#;

    #[test]
    fn a_targets_file_reads_into_measures_with_kinds_expanded() {
        let t = parse(SMALL, "t.toml", Path::new("dir")).expect("valid");
        assert_eq!(t.scenarios.len(), 2);
        assert_eq!(t.scenarios[0].file, Path::new("dir/base.toml"));
        assert_eq!(t.targets[0].measures.len(), 1);
        let hours = &t.targets[1].measures;
        assert_eq!(hours.len(), 3);
        assert_eq!(hours[0].label, "hours drift: conventional");
        assert_eq!(hours[1].label, "hours drift: worker_coop");
        assert_eq!(
            hours[0].band,
            Band {
                low: Some(-0.01),
                high: Some(0.01)
            }
        );
        let excess = &hours[2];
        let minus = excess.minus.as_ref().expect("minus");
        assert_eq!(
            minus.metric,
            Metric::ExcessExits {
                filter: Filter {
                    kind: None,
                    sector: Some(Sector::Manufacturing)
                }
            }
        );
        assert_eq!(minus.control, excess.side.control);
        assert!(t.targets[1].calibrated);
    }

    fn error_of(text: &str) -> ScenarioErrors {
        parse(text, "t.toml", Path::new("")).expect_err("invalid")
    }

    #[test]
    fn a_misspelt_kind_is_located_with_a_did_you_mean() {
        let text = SMALL.replace("kind = \"worker_coop\"", "kind = \"workr_coop\"");
        let e = error_of(&text);
        let shown = e.to_string();
        assert!(shown.contains("t.toml"), "{shown}");
        assert!(shown.contains("did you mean `worker_coop`?"), "{shown}");
        let line = e.0[0].location.as_ref().expect("located").line;
        assert_eq!(
            text.lines().nth(line - 1).unwrap().trim(),
            "kind = \"workr_coop\""
        );
    }

    #[test]
    fn an_unknown_scenario_and_a_missing_argument_are_both_reported() {
        let text = SMALL
            .replace(
                "scenario = \"base\"\nkind = \"worker_coop\"",
                "scenario = \"bse\"",
            )
            .replace("series = \"hours\"\n", "");
        let e = error_of(&text);
        let shown = e.to_string();
        assert!(shown.contains("`target[0].measure[0].scenario`"), "{shown}");
        assert!(shown.contains("did you mean `base`?"), "{shown}");
        assert!(shown.contains("`target[0].measure[0].kind`"), "{shown}");
        assert!(shown.contains("`drift` needs `series`"), "{shown}");
    }

    #[test]
    fn an_argument_the_metric_does_not_take_is_an_error() {
        let text = SMALL.replace(
            "kind = \"worker_coop\"",
            "kind = \"worker_coop\"\nseries = \"hours\"",
        );
        let shown = error_of(&text).to_string();
        assert!(
            shown.contains("`series` is not an argument of `hazard_ratio`"),
            "{shown}"
        );
    }

    #[test]
    fn an_unknown_key_and_a_bad_band_are_errors() {
        let shown = error_of(&SMALL.replace("band = [0.6, 0.8]", "bnd = [0.6, 0.8]")).to_string();
        assert!(shown.contains("unknown key `bnd`"), "{shown}");
        assert!(shown.contains("did you mean `band`?"), "{shown}");
        let shown = error_of(&SMALL.replace("band = [0.6, 0.8]", "band = [0.8, 0.6]")).to_string();
        assert!(shown.contains("low <= high"), "{shown}");
    }
}
