//! `coopsim validate`: the model held against published figures. Every scenario a targets file
//! names runs with the same seed and replications (common random numbers), replication by
//! replication: one unit runs replication r of every scenario some measure uses on one worker,
//! evaluates every measure on it (pairing each with its control and its other side there), and
//! hands the values to the caller in replication order, where they are folded into running means.
//! Memory holds the scenarios of the replications in flight, not the replications done.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use polars::prelude::*;

use super::{Error, Failure, Finished, Parts, Ran};
use crate::analysis::Accumulator;
use crate::analysis::targets::{self, Targets};
use crate::analysis::validation::{self, Row, targets_met};
use crate::experiment::{self, Arm, Execution, FirmRecords, Plan, budget};
use crate::model::ReplicationResult;
use crate::output::{self, ResultsDir, counted};
use crate::present::charts::{self, ForestRow};
use crate::present::tables::write_text;
use crate::present::{self, TableFormat, write_json, write_scenario_file, write_table};
use crate::scenario::{self, Scenario, ScenarioError, ScenarioErrors, fnv1a, resolved_toml};

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
    /// Which units run, and where finished ones are kept.
    pub parts: Parts,
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

/// Reads and checks a targets file: the targets, and the text as read (for the copy in the
/// results folder and the manifest's hash).
pub fn load_targets(path: &Path) -> Result<(Targets, String), ScenarioErrors> {
    let origin = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| {
        let why = match e.kind() {
            std::io::ErrorKind::NotFound => "no such file".to_string(),
            std::io::ErrorKind::InvalidData => "is not UTF-8 text".to_string(),
            _ => e.to_string(),
        };
        ScenarioError::read(&origin, format!("cannot read the targets file: {why}"))
    })?;
    let base = path.parent().unwrap_or(Path::new(""));
    Ok((targets::parse(&text, &origin, base)?, text))
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
    validation::check(t, &scenarios)?;
    Ok(scenarios)
}

pub fn run(req: &ValidationRequest) -> Result<Ran<ValidationReport>, Error> {
    let started = Instant::now();
    let t = &req.targets;
    let (used, firms) = validation::usage(t);
    let replications = req.scenarios[0].replications;
    // The plan runs the scenarios some measure uses, replication by replication in one unit.
    let in_use: Vec<usize> = (0..req.scenarios.len()).filter(|&i| used[i]).collect();
    let plan = Plan::together(
        in_use
            .iter()
            .map(|&i| Arm {
                label: t.scenarios[i].name.clone(),
                settings: t.scenarios[i]
                    .set
                    .iter()
                    .map(|item| {
                        let (key, value) = item.split_once('=').unwrap_or((item, ""));
                        (key.trim().to_string(), value.trim().to_string())
                    })
                    .collect(),
                scenario: req.scenarios[i].clone(),
            })
            .collect(),
    );
    // One unit holds every scenario of its replication at once: budget for all of them per thread
    // (firm records included; no firm table is written).
    let threads = experiment::fit_threads(&plan, budget::Unit::AllScenarios, req.threads, false)?;
    // No per-replication file: the table, the chart, a copy of each scenario and the manifest.
    let needed = (4 << 20) + 64 * 1024 * req.scenarios.len() as u64;
    output::check_room(&req.out, needed, None)?;
    // Each unit is reduced to the measures of the targets file, so they name the units too.
    let units_hash = fnv1a(&format!(
        "{}\ntargets {}\n",
        plan.hash(),
        fnv1a(&req.targets_text)
    ));
    let (mut dir, kept) = super::begin(
        &req.out,
        req.force,
        &req.parts,
        &units_hash,
        experiment::Arms::unit_count(&plan),
    )?;
    let exec = Execution {
        threads,
        record_firms: FirmRecords::Arms(in_use.iter().map(|&i| firms[i]).collect()),
        progress: req.progress,
        message: format!("simulating {} scenarios", in_use.len()),
        cancel: req.cancel,
        units: kept.io(),
    };
    let count = validation::measures(t).count();
    let mut accumulators = vec![Accumulator::default(); count];
    experiment::run_together(
        &plan,
        &exec,
        |_, _, result| result,
        |_, results| {
            let mut by_scenario: Vec<Option<ReplicationResult>> =
                (0..req.scenarios.len()).map(|_| None).collect();
            for (&i, result) in in_use.iter().zip(results) {
                by_scenario[i] = Some(result);
            }
            validation::values(t, &req.scenarios, &by_scenario)
        },
        |_, values| {
            for (a, v) in accumulators.iter_mut().zip(&values) {
                a.push(v);
            }
            Ok::<(), Error>(())
        },
    )
    .map_err(|e| kept.stopped(e))?;
    let used_threads = threads.unwrap_or_else(rayon::current_num_threads);
    if kept.shard().is_some() {
        return Ok(Ran::Shard(kept.finish_shard(
            dir,
            super::plan_json(&plan),
            used_threads,
            started,
            req.cancel,
        )?));
    }

    let rows = validation::rows(t, &req.scenarios, &accumulators);
    let mut table = present::validation::table(t, &rows)?;
    write_table(&mut dir, "validation", &mut table, TableFormat::Csv)?;
    let text = present::validation::markdown(t, &req.scenarios, &rows);
    write_text(&mut dir, "validation.md", &text)?;
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
    charts::validation_forest(&mut dir, &forest, &title)?;
    write_inputs(&mut dir, req)?;
    let wall_seconds = started.elapsed().as_secs_f64();
    write_manifest(&mut dir, req, &plan, &rows, used_threads, wall_seconds)?;
    let folder = kept.commit(dir, req.cancel)?;
    Ok(Ran::Results(ValidationReport {
        folder,
        rows,
        table,
        wall_seconds,
        threads_limited: threads.filter(|_| req.threads.is_none()),
    }))
}

/// Each scenario resolved, and the targets file pointing at those copies, so that
/// `coopsim validate targets.toml` in the results folder runs the same validation again.
fn write_inputs(dir: &mut ResultsDir, req: &ValidationRequest) -> Result<(), Error> {
    let t = &req.targets;
    for (r, s) in t.scenarios.iter().zip(&req.scenarios) {
        write_scenario_file(
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
    Ok(write_text(dir, "targets.toml", &text)?)
}

fn write_manifest(
    dir: &mut ResultsDir,
    req: &ValidationRequest,
    plan: &Plan,
    rows: &[Row],
    threads: usize,
    wall_seconds: f64,
) -> Result<(), Error> {
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
                "scenario_hash_fnv1a64": fnv1a(&resolved_toml(s)),
            })
        })
        .collect();
    let manifest = serde_json::json!({
        "coopsim_version": env!("CARGO_PKG_VERSION"),
        "command": "validate",
        "targets": t.origin,
        "targets_hash_fnv1a64": fnv1a(&req.targets_text),
        "plan_hash_fnv1a64": plan.hash(),
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
    Ok(write_json(&path, &manifest)?)
}

/// What `coopsim validate` was asked, as the command line gives it.
#[derive(Debug, Clone)]
pub struct Options {
    /// The targets file (default: validation/targets.toml).
    pub targets: Option<PathBuf>,
    pub replications: Option<u32>,
    pub seed: Option<u64>,
    pub threads: Option<usize>,
    pub out: Option<PathBuf>,
    pub force: bool,
    pub progress: bool,
    pub cancel: Option<&'static AtomicBool>,
    pub parts: Parts,
}

/// Runs the validation and prints its table; `TargetsMissed` when some target is not met.
pub fn execute(o: Options) -> Result<Finished, Failure> {
    let path = o
        .targets
        .as_deref()
        .unwrap_or(Path::new("validation/targets.toml"));
    super::check_threads(o.threads)?;
    if o.replications.is_some_and(|r| r < 2) {
        return Err(Failure::Usage(
            "--replications must be at least 2 (an interval needs two replications)".into(),
        ));
    }
    let (targets, targets_text) = load_targets(path)?;
    let scenarios = resolve_scenarios(&targets, o.seed, o.replications)?;
    let req = ValidationRequest {
        targets,
        targets_text,
        scenarios,
        threads: o.threads,
        out: o.out.unwrap_or_else(|| {
            super::shard_out(&Path::new("output").join("validation"), o.parts.shard)
        }),
        force: o.force,
        progress: o.progress,
        cancel: o.cancel,
        parts: o.parts,
    };
    let report = match run(&req)? {
        Ran::Results(report) => report,
        Ran::Shard(shard) => {
            super::say_shard(&req.targets.origin, &shard);
            return Ok(Finished::Success);
        }
    };
    super::note_threads(report.threads_limited);
    let t = &req.targets;
    let s = &req.scenarios[0];
    let met = targets_met(&report.rows, t.targets.len());
    sayln!(
        "{}: {} targets, {} measures; {} of {} (common random numbers, seed {}) in {:.1} s",
        t.origin,
        t.targets.len(),
        report.rows.len(),
        counted(u64::from(s.replications), "replication"),
        counted(t.scenarios.len() as u64, "scenario"),
        s.seed,
        report.wall_seconds
    );
    sayln!("model: mean across replications [95% confidence interval]\n");
    let header = ["id", "measure", "band", "model", "", ""].map(String::from);
    let rows = present::validation::text_rows(t, &report.rows);
    let mut widths = [0usize; 6];
    for row in std::iter::once(&header).chain(&rows) {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    for row in std::iter::once(&header).chain(&rows) {
        let cells: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        sayln!("{}", cells.join("  ").trim_end());
    }
    sayln!(
        "\n{met} of {} targets met ({} of {} measures)",
        t.targets.len(),
        report.rows.iter().filter(|r| r.met).count(),
        report.rows.len()
    );
    sayln!("results: {}", report.folder.display());
    Ok(if report.all_met() {
        Finished::Success
    } else {
        Finished::TargetsMissed
    })
}
