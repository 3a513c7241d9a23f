//! `coopsim validate`: the model held against published figures. Every scenario a targets file
//! names runs with the same seed and replications (common random numbers), replication by
//! replication: one unit runs replication r of every scenario on one worker, evaluates every
//! measure on it (pairing each with its control and its other side there), and hands the values
//! to the caller in replication order, where they are folded into running means. Memory holds
//! the scenarios of the replications in flight, not the replications done.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use polars::prelude::*;

use crate::analysis::{Accumulator, Estimate, Metric, Replication, Value};
use crate::charts::ForestRow;
use crate::model::{ReplicationResult, crisis_window, run_replication};
use crate::output::ResultsDir;
use crate::pipeline::{self, RunError, TableFormat};
use crate::runner::{self, EnsembleOptions};
use crate::scenario::{self, Scenario, ScenarioError, ScenarioErrorKind, ScenarioErrors};
use crate::targets::{Band, Measure, Side, Targets, number};

#[derive(Debug, Clone)]
pub struct ValidationRequest {
    pub targets: Targets,
    /// The targets file as read, for the copy in the results folder.
    pub targets_text: String,
    /// The scenarios of `targets.scenarios`, resolved (one seed and replication count for all).
    pub scenarios: Vec<Scenario>,
    pub threads: Option<usize>,
    pub out: PathBuf,
    pub force: bool,
    pub progress: bool,
    pub cancel: Option<&'static AtomicBool>,
}

/// One measure's result.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub target: usize,
    pub measure: usize,
    pub estimate: Estimate,
    pub met: bool,
    /// For a measure taken at months chosen from the mean path, which months.
    pub chosen: Option<String>,
}

pub struct ValidationReport {
    pub folder: PathBuf,
    pub rows: Vec<Row>,
    pub table: DataFrame,
    pub wall_seconds: f64,
    pub threads_limited: Option<usize>,
}

impl ValidationReport {
    pub fn all_met(&self) -> bool {
        self.rows.iter().all(|r| r.met)
    }
}

/// The measures in table order, with their target's index.
fn measures(t: &Targets) -> impl Iterator<Item = (usize, usize, &Measure)> {
    t.targets.iter().enumerate().flat_map(|(ti, target)| {
        target
            .measures
            .iter()
            .enumerate()
            .map(move |(mi, m)| (ti, mi, m))
    })
}

/// The scenarios of a targets file, each with its changes, all on one seed and replication count
/// (`seed` and `replications` given on the command line, else the targets file's, else the first
/// scenario's), checked as wholes.
pub fn resolve_scenarios(
    t: &Targets,
    seed: Option<u64>,
    replications: Option<u32>,
) -> Result<Vec<Scenario>, ScenarioErrors> {
    let mut scenarios = Vec::new();
    for r in &t.scenarios {
        let mut s = scenario::load(&r.file)?;
        for (i, (item, location)) in r.set.iter().zip(&r.set_locations).enumerate() {
            let (key, value) = item.split_once('=').unwrap_or((item, ""));
            let origin = format!("{} (scenarios.{}.set[{i}])", t.origin, r.name);
            scenario::apply_override(&mut s, key.trim(), value.trim(), &origin).map_err(
                |mut e| {
                    e.location = location.clone();
                    e
                },
            )?;
        }
        scenarios.push(s);
    }
    let first = scenarios.first().map(|s| (s.seed, s.replications));
    let seed = seed.or(t.seed).or(first.map(|f| f.0)).unwrap_or_default();
    let replications = replications
        .or(t.replications)
        .or(first.map(|f| f.1))
        .unwrap_or(2);
    for (r, s) in t.scenarios.iter().zip(&mut scenarios) {
        s.seed = seed;
        s.replications = replications;
        let origin = format!(
            "{} (scenario `{}` of {})",
            r.file.display(),
            r.name,
            t.origin
        );
        scenario::check(s, None, &origin)?;
    }
    check(t, &scenarios)?;
    Ok(scenarios)
}

/// Whether every measure can be taken on the scenarios it names: windows inside the horizon, and a
/// control with the same horizon and crisis window (its months are compared month by month).
pub fn check(t: &Targets, scenarios: &[Scenario]) -> Result<(), ScenarioErrors> {
    let mut errors = Vec::new();
    for (ti, mi, m) in measures(t) {
        let key = format!("target[{ti}].measure[{mi}]");
        let mut complain = |message: String| {
            errors.push(ScenarioError {
                kind: ScenarioErrorKind::Invalid,
                origin: t.origin.clone(),
                key: Some(key.clone()),
                message: format!("{} ({}): {message}", t.targets[ti].id, m.label),
                help: None,
                location: m.location.clone(),
            })
        };
        for side in std::iter::once(&m.side).chain(&m.minus) {
            let s = &scenarios[side.scenario];
            if let Some(why) = side.metric.unmeasurable(s) {
                complain(format!(
                    "cannot be measured on scenario `{}`: {why}",
                    t.scenarios[side.scenario].name
                ));
            }
            if side.metric.needs_control() {
                let Some(c) = side.control else {
                    complain("needs a `control` scenario".to_string());
                    continue;
                };
                let c = &scenarios[c];
                if c.months != s.months || crisis_window(c) != crisis_window(s) {
                    complain(format!(
                        "the control `{}` must have the horizon and crisis window of `{}` (months {} and {:?}, against {} and {:?})",
                        t.scenarios[side.control.unwrap_or_default()].name,
                        t.scenarios[side.scenario].name,
                        c.months,
                        crisis_window(c),
                        s.months,
                        crisis_window(s)
                    ));
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ScenarioErrors(errors))
    }
}

/// Which scenarios some measure uses, and which of them need firm records.
fn usage(t: &Targets) -> (Vec<bool>, Vec<bool>) {
    let n = t.scenarios.len();
    let (mut used, mut firms) = (vec![false; n], vec![false; n]);
    for (_, _, m) in measures(t) {
        for side in std::iter::once(&m.side).chain(&m.minus) {
            used[side.scenario] = true;
            firms[side.scenario] |= side.metric.needs_firms();
            if let Some(c) = side.control {
                used[c] = true;
            }
        }
    }
    (used, firms)
}

fn view<'a>(s: &'a Scenario, r: &'a ReplicationResult) -> Replication<'a> {
    Replication {
        scenario: s,
        months: &r.months,
        firms: &r.firms,
        year_on_year: &r.year_on_year,
    }
}

fn side_value(side: &Side, scenarios: &[Scenario], results: &[Option<ReplicationResult>]) -> Value {
    let of = |i: usize| {
        let r = results[i]
            .as_ref()
            .expect("every scenario a measure names was run");
        view(&scenarios[i], r)
    };
    let control = side.control.map(of);
    side.metric.evaluate(&of(side.scenario), control.as_ref())
}

/// Every measure's value in replication `r`.
fn unit(
    req: &ValidationRequest,
    options: &[Option<crate::model::RunOptions>],
    r: u32,
) -> Vec<Value> {
    let results: Vec<Option<ReplicationResult>> = req
        .scenarios
        .iter()
        .zip(options)
        .map(|(s, o)| o.map(|o| run_replication(s, r, o)))
        .collect();
    measures(&req.targets)
        .map(|(_, _, m)| {
            let value = side_value(&m.side, &req.scenarios, &results);
            match (&m.minus, value) {
                (Some(minus), Value::Scalar(a)) => {
                    match side_value(minus, &req.scenarios, &results) {
                        Value::Scalar(b) => Value::Scalar(a - b),
                        Value::Candidates { .. } => Value::Scalar(f64::NAN),
                    }
                }
                (_, v) => v,
            }
        })
        .collect()
}

/// Whether a measure's estimate meets it: the mean in the band and, where asked, the interval
/// clear of a value.
pub fn meets(band: &Band, interval_excludes: Option<f64>, e: &Estimate) -> bool {
    let clear = interval_excludes
        .is_none_or(|z| e.low.is_finite() && e.high.is_finite() && (z < e.low || z > e.high));
    band.contains(e.mean) && clear
}

/// The months a candidate stands for, in words.
fn chosen(metric: &Metric, s: &Scenario, i: usize) -> Option<String> {
    let w = crisis_window(s);
    match metric {
        Metric::DeathRateRatio { window_months, .. } => {
            let start = w.start as usize + i;
            Some(format!(
                "months {}-{}",
                start,
                start + *window_months as usize - 1
            ))
        }
        Metric::EmploymentElasticity { .. } => {
            let n = w.len();
            Some(format!(
                "troughs: employment month {}, sales month {}",
                w.start as usize + i / n,
                w.start as usize + i % n
            ))
        }
        _ => None,
    }
}

pub fn run(req: &ValidationRequest) -> Result<ValidationReport, RunError> {
    let started = Instant::now();
    let t = &req.targets;
    let (used, firms) = usage(t);
    let replications = req.scenarios[0].replications;
    let in_use: Vec<&Scenario> = req
        .scenarios
        .iter()
        .zip(&used)
        .filter(|(_, u)| **u)
        .map(|(s, _)| s)
        .collect();
    // One unit holds every scenario of its replication at once: budget for all of them per thread
    // (firm records included; no firm table is written).
    let threads = pipeline::fit_threads(
        in_use.iter().copied(),
        crate::budget::Unit::AllScenarios,
        req.threads,
        false,
    )?;
    let mut dir = ResultsDir::begin(&req.out, req.force)?;
    let options: Vec<Option<crate::model::RunOptions>> = req
        .scenarios
        .iter()
        .enumerate()
        .map(|(i, s)| {
            used[i].then(|| {
                runner::run_options(
                    s,
                    EnsembleOptions {
                        threads,
                        record_firms: firms[i],
                    },
                )
            })
        })
        .collect();
    let count = measures(t).count();
    let mut accumulators = vec![Accumulator::default(); count];
    let bar = pipeline::progress_bar(req.progress, replications, "replications");
    bar.set_message(format!("simulating {} scenarios", in_use.len()));
    let simulated = runner::run_jobs_streaming(
        replications,
        threads,
        |r| unit(req, &options, r),
        |_, values| {
            if pipeline::cancelled(req.cancel) {
                return Err(RunError::Interrupted);
            }
            for (a, v) in accumulators.iter_mut().zip(&values) {
                a.push(v);
            }
            bar.inc(1);
            Ok::<(), RunError>(())
        },
    );
    simulated.map_err(RunError::Threads)??;
    bar.finish_and_clear();

    let rows: Vec<Row> = measures(t)
        .zip(&accumulators)
        .map(|((ti, mi, m), a)| {
            let (estimate, candidate) = a.estimate();
            Row {
                target: ti,
                measure: mi,
                estimate,
                met: meets(&m.band, m.interval_excludes, &estimate),
                chosen: candidate
                    .and_then(|i| chosen(&m.side.metric, &req.scenarios[m.side.scenario], i)),
            }
        })
        .collect();
    let mut table = table(t, &rows)?;
    pipeline::write_table(&mut dir, "validation", &mut table, TableFormat::Csv)?;
    let md = dir.file("validation.md");
    std::fs::write(&md, markdown(req, &rows)).map_err(|e| RunError::Io(md.clone(), e))?;
    let forest: Vec<ForestRow> = rows
        .iter()
        .map(|r| {
            let m = &t.targets[r.target].measures[r.measure];
            ForestRow {
                label: format!("{} {}", t.targets[r.target].id, m.label),
                mean: r.estimate.mean,
                low: r.estimate.low,
                high: r.estimate.high,
                band_low: m.band.low,
                band_high: m.band.high,
                met: r.met,
            }
        })
        .collect();
    let title = format!(
        "The model against published figures ({} replications)",
        replications
    );
    crate::charts::validation_forest(&mut dir, &forest, &title).map_err(RunError::Chart)?;
    write_inputs(&mut dir, req)?;
    let wall_seconds = started.elapsed().as_secs_f64();
    let used_threads = threads.unwrap_or_else(rayon::current_num_threads);
    write_manifest(&mut dir, req, &rows, used_threads, wall_seconds)?;
    if pipeline::cancelled(req.cancel) {
        return Err(RunError::Interrupted);
    }
    let folder = dir.commit()?;
    Ok(ValidationReport {
        folder,
        rows,
        table,
        wall_seconds,
        threads_limited: threads.filter(|_| req.threads.is_none()),
    })
}

/// How many targets are met (every measure of each) among `targets`.
pub fn targets_met(rows: &[Row], targets: usize) -> usize {
    (0..targets).filter(|&i| target_met(rows, i)).count()
}

/// `met` when every measure of the target is.
fn target_met(rows: &[Row], target: usize) -> bool {
    rows.iter().filter(|r| r.target == target).all(|r| r.met)
}

fn table(t: &Targets, rows: &[Row]) -> PolarsResult<DataFrame> {
    let target = |r: &Row| &t.targets[r.target];
    let measure = |r: &Row| &t.targets[r.target].measures[r.measure];
    let strings = |f: &dyn Fn(&Row) -> String| rows.iter().map(f).collect::<Vec<String>>();
    let numbers = |f: &dyn Fn(&Row) -> f64| {
        rows.iter()
            .map(|r| Some(f(r)).filter(|x| x.is_finite()))
            .collect::<Vec<Option<f64>>>()
    };
    DataFrame::new_infer_height(vec![
        Column::new("id".into(), strings(&|r| target(r).id.clone())),
        Column::new("measure".into(), strings(&|r| measure(r).label.clone())),
        Column::new(
            "band_low".into(),
            rows.iter().map(|r| measure(r).band.low).collect::<Vec<_>>(),
        ),
        Column::new(
            "band_high".into(),
            rows.iter()
                .map(|r| measure(r).band.high)
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "interval_excludes".into(),
            rows.iter()
                .map(|r| measure(r).interval_excludes)
                .collect::<Vec<_>>(),
        ),
        Column::new("mean".into(), numbers(&|r| r.estimate.mean)),
        Column::new("ci_low".into(), numbers(&|r| r.estimate.low)),
        Column::new("ci_high".into(), numbers(&|r| r.estimate.high)),
        Column::new(
            "replications".into(),
            rows.iter().map(|r| r.estimate.n).collect::<Vec<u32>>(),
        ),
        Column::new(
            "met".into(),
            rows.iter().map(|r| r.met).collect::<Vec<bool>>(),
        ),
        Column::new(
            "target_met".into(),
            rows.iter()
                .map(|r| target_met(rows, r.target))
                .collect::<Vec<bool>>(),
        ),
        Column::new(
            "calibrated".into(),
            rows.iter()
                .map(|r| target(r).calibrated)
                .collect::<Vec<bool>>(),
        ),
        Column::new(
            "chosen_months".into(),
            strings(&|r| r.chosen.clone().unwrap_or_default()),
        ),
        Column::new("figure".into(), strings(&|r| target(r).figure.clone())),
        Column::new("source".into(), strings(&|r| target(r).source.clone())),
    ])
}

/// A value as the table shows it: four significant digits at most.
pub fn shown(x: f64) -> String {
    if !x.is_finite() {
        return "n/a".to_string();
    }
    let digits = if x == 0.0 {
        0
    } else {
        x.abs().log10().floor() as i32
    };
    let decimals = (3 - digits).clamp(0, 4) as usize;
    let s = format!("{x:.decimals$}");
    if s.starts_with('-') && s.trim_start_matches(['-', '0', '.']).is_empty() {
        s[1..].to_string()
    } else {
        s
    }
}

/// The band with an interval condition, as the table shows it.
fn band_text(m: &Measure) -> String {
    match m.interval_excludes {
        Some(z) => format!("{}, interval excluding {}", m.band, number(z)),
        None => m.band.to_string(),
    }
}

/// The rows of the printed and Markdown tables: id, measure, band, model, met, calibrated.
pub fn text_rows(t: &Targets, rows: &[Row]) -> Vec<[String; 6]> {
    rows.iter()
        .map(|r| {
            let target = &t.targets[r.target];
            let m = &target.measures[r.measure];
            let e = &r.estimate;
            let model = if e.mean.is_finite() {
                format!("{} [{}, {}]", shown(e.mean), shown(e.low), shown(e.high))
            } else {
                "n/a (no replication had a value)".to_string()
            };
            [
                target.id.clone(),
                m.label.clone(),
                band_text(m),
                model,
                if r.met { "met" } else { "NOT MET" }.to_string(),
                if target.calibrated {
                    "calibrated"
                } else {
                    "out of sample"
                }
                .to_string(),
            ]
        })
        .collect()
}

fn markdown(req: &ValidationRequest, rows: &[Row]) -> String {
    let t = &req.targets;
    let s = &req.scenarios[0];
    let met = rows.iter().filter(|r| r.met).count();
    let targets_met = targets_met(rows, t.targets.len());
    let mut out = format!(
        "# Validation: {}\n\n{}{} of {} targets met ({} of {} measures); {} paired replications per scenario (common random numbers, seed {}). \
         Each model value is the mean over replications with its 95% confidence interval (Student t); a measure is met when the mean lies in its band \
         (and, where asked, the interval leaves out the value named).\n\n",
        t.origin,
        if t.description.is_empty() {
            String::new()
        } else {
            format!("{}\n\n", t.description)
        },
        targets_met,
        t.targets.len(),
        met,
        rows.len(),
        s.replications,
        s.seed
    );
    out.push_str("| id | measure | band | model mean [95% CI] | met | calibrated |\n|---|---|---|---|---|---|\n");
    for row in text_rows(t, rows) {
        out.push_str(&format!(
            "| {} |\n",
            row.map(|c| c.replace('|', "\\|")).join(" | ")
        ));
    }
    out.push_str("\n## The figures\n\n");
    for (i, target) in t.targets.iter().enumerate() {
        let calibrated = match (&target.calibrated_on, target.calibrated) {
            (Some(p), true) => format!(" Calibrated on it: {p}."),
            (None, true) => " A parameter was calibrated on it.".to_string(),
            _ => " Out of sample: no parameter was fitted to it.".to_string(),
        };
        out.push_str(&format!(
            "- **{}** ({}): {} Source: {}.{}\n",
            target.id,
            if target_met(rows, i) {
                "met"
            } else {
                "not met"
            },
            target.figure.trim_end_matches('.'),
            target.source.trim_end_matches('.'),
            calibrated
        ));
    }
    let chosen: Vec<String> = rows
        .iter()
        .filter_map(|r| {
            r.chosen.as_ref().map(|c| {
                format!(
                    "- {} ({}): {c}\n",
                    t.targets[r.target].id, t.targets[r.target].measures[r.measure].label
                )
            })
        })
        .collect();
    if !chosen.is_empty() {
        out.push_str("\nMonths chosen from the mean paths:\n\n");
        out.push_str(&chosen.concat());
    }
    out.push_str("\nScenarios:\n\n");
    for r in &t.scenarios {
        let set = if r.set.is_empty() {
            String::new()
        } else {
            format!(" with {}", r.set.join(", "))
        };
        out.push_str(&format!(
            "- `{}`: `{}`{set} (`scenarios/{}.toml` here)\n",
            r.name, r.file_as_written, r.name
        ));
    }
    out
}

/// Each scenario resolved, and the targets file pointing at those copies, so that
/// `coopsim validate targets.toml` in the results folder runs the same validation again.
fn write_inputs(dir: &mut ResultsDir, req: &ValidationRequest) -> Result<(), RunError> {
    let t = &req.targets;
    for (r, s) in t.scenarios.iter().zip(&req.scenarios) {
        pipeline::write_scenario_file(
            dir,
            &format!("scenarios/{}.toml", r.name),
            s,
            "coopsim validate targets.toml",
        )?;
    }
    let mut table: toml::Table = req.targets_text.parse().unwrap_or_default();
    let mut scenarios = toml::Table::new();
    for r in &t.scenarios {
        let mut entry = toml::Table::new();
        entry.insert(
            "file".into(),
            toml::Value::String(format!("scenarios/{}.toml", r.name)),
        );
        scenarios.insert(r.name.clone(), toml::Value::Table(entry));
    }
    table.insert("scenarios".into(), toml::Value::Table(scenarios));
    let s = &req.scenarios[0];
    table.insert("seed".into(), toml::Value::Integer(s.seed as i64));
    table.insert(
        "replications".into(),
        toml::Value::Integer(i64::from(s.replications)),
    );
    let text = format!(
        "# The targets of the validation in this folder (from {}), with its scenarios resolved into\n\
         # scenarios/ and its seed and replications: `coopsim validate targets.toml` runs it again.\n\n{}",
        t.origin,
        toml::to_string(&table).unwrap_or_default()
    );
    let path = dir.file("targets.toml");
    std::fs::write(&path, text).map_err(|e| RunError::Io(path.clone(), e))
}

fn write_manifest(
    dir: &mut ResultsDir,
    req: &ValidationRequest,
    rows: &[Row],
    threads: usize,
    wall_seconds: f64,
) -> Result<(), RunError> {
    let t = &req.targets;
    let s = &req.scenarios[0];
    let path = dir.file("manifest.json");
    let scenarios: Vec<serde_json::Value> = t
        .scenarios
        .iter()
        .zip(&req.scenarios)
        .map(|(r, s)| {
            serde_json::json!({
                "name": r.name,
                "file": r.file_as_written,
                "set": r.set,
                "scenario_hash_fnv1a64": pipeline::fnv1a(&pipeline::resolved_toml(s)),
            })
        })
        .collect();
    let manifest = serde_json::json!({
        "coopsim_version": env!("CARGO_PKG_VERSION"),
        "command": "validate",
        "targets": t.origin,
        "targets_hash_fnv1a64": pipeline::fnv1a(&req.targets_text),
        "seed": s.seed,
        "replications": s.replications,
        "threads": threads,
        "wall_seconds": wall_seconds,
        "targets_met": targets_met(rows, t.targets.len()),
        "targets_total": t.targets.len(),
        "measures_met": rows.iter().filter(|r| r.met).count(),
        "measures_total": rows.len(),
        "scenarios": scenarios,
        "files": dir.files(),
    });
    pipeline::write_json(&path, &manifest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_measure_is_met_in_its_band_and_clear_of_an_excluded_value() {
        let e = |mean: f64, low: f64, high: f64| Estimate {
            mean,
            low,
            high,
            n: 10,
        };
        let band = Band {
            low: None,
            high: Some(-0.05),
        };
        assert!(meets(&band, Some(0.0), &e(-0.08, -0.12, -0.04)));
        assert!(
            !meets(&band, Some(0.0), &e(-0.08, -0.17, 0.01)),
            "interval reaches 0"
        );
        assert!(
            !meets(&band, Some(0.0), &e(-0.03, -0.05, -0.01)),
            "mean outside the band"
        );
        assert!(!meets(&band, None, &e(f64::NAN, f64::NAN, f64::NAN)));
    }

    #[test]
    fn table_values_show_four_significant_digits() {
        assert_eq!(shown(0.71234), "0.7123");
        assert_eq!(shown(12.3456), "12.35");
        assert_eq!(shown(-0.00001), "0.0000");
        assert_eq!(shown(f64::NAN), "n/a");
    }
}
