//! `coopsim sensitivity`: which of many varied parameters make the difference to each outcome. A
//! base scenario and ranges (`--vary KEY=LO..HI[:log]`, or its `[sensitivity]` table) give a
//! design of points (Morris, Sobol or a Latin hypercube); every point runs the replications with
//! common random numbers on the experiment engine (one progress bar, flat memory in points and
//! replications); the analysis ranks the parameters; the results folder holds the indices, the
//! design with every point's responses, a Markdown report, charts and a manifest.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use polars::prelude::*;

use super::{Common, Error, Failure, Finished, Parts, Ran};
use crate::analysis::arms;
use crate::analysis::sensitivity::{IndexRow, Outcome, Responses, ranking_index};
use crate::experiment::sensitivity::{
    PointPlan, SOBOL_MAX_FACTORS, SOBOL_MAX_SAMPLES, default_samples, design, fewest_samples,
};
use crate::experiment::{self, Arms, Execution, FirmRecords, budget};
use crate::output::{self, ResultsDir, counted};
use crate::present::charts::{IndexMarks, SensitivityChart, sensitivity_chart};
use crate::present::sensitivity::{index_table, markdown, ranking, ranking_text, spread_table};
use crate::present::tables::write_text;
use crate::present::{TableFormat, one_line, write_json, write_scenario_file, write_table};
use crate::scenario::sensitivity::ranges;
use crate::scenario::{
    self, ScenarioError, ScenarioErrorKind, ScenarioErrors, SensitivityMethod, fnv1a, resolved_toml,
};

#[derive(Debug, Clone)]
pub struct Options {
    pub scenario: PathBuf,
    /// `KEY=LO..HI[:log]`; when empty, the scenario file's `[sensitivity]` vary list.
    pub vary: Vec<String>,
    pub method: Option<SensitivityMethod>,
    pub samples: Option<u32>,
    pub levels: Option<u32>,
    /// Outcome names; when empty, the file's list, else `Outcome::defaults`.
    pub outcomes: Vec<String>,
    pub common: Common,
}

/// Everything an analysis needs, resolved.
pub struct SensitivityRequest {
    pub plan: PointPlan,
    pub outcomes: Vec<Outcome>,
    pub threads: Option<usize>,
    pub out: PathBuf,
    pub format: TableFormat,
    pub force: bool,
    pub progress: bool,
    pub cancel: Option<&'static AtomicBool>,
    /// Which units run, and where finished ones are kept.
    pub parts: Parts,
}

pub struct SensitivityReport {
    pub folder: PathBuf,
    pub rows: Vec<IndexRow>,
    pub wall_seconds: f64,
    pub threads_limited: Option<usize>,
}

fn invalid(origin: &str, key: &str, message: String, help: Option<String>) -> ScenarioErrors {
    ScenarioError {
        kind: ScenarioErrorKind::Invalid,
        origin: origin.to_string(),
        key: Some(key.to_string()),
        message,
        help,
        location: None,
    }
    .into()
}

/// The base scenario with the command line's choices written into its `[sensitivity]` table (so
/// the results folder's copy reruns this analysis), the checked ranges and outcomes.
fn resolve(o: &Options) -> Result<SensitivityRequest, Failure> {
    let c = &o.common;
    super::check_threads(c.threads)?;
    let mut base = super::resolve(&o.scenario, c.replications, c.seed, &c.set)?;
    let file = o.scenario.display().to_string();
    let from_command_line = !o.vary.is_empty();
    if let Some(m) = o.method {
        base.sensitivity.method = m;
    }
    if let Some(n) = o.samples {
        base.sensitivity.samples = n;
    }
    if let Some(l) = o.levels {
        base.sensitivity.levels = l;
    }
    if from_command_line {
        base.sensitivity.vary = o.vary.clone();
    }
    if !o.outcomes.is_empty() {
        base.sensitivity.outcomes = o.outcomes.clone();
    }
    // The table as the command line left it is checked whole (its ranges and levels among it).
    let origin = if from_command_line || o.method.is_some() || o.levels.is_some() {
        format!("{file} (with the command line's --vary, --method, --levels)")
    } else {
        file.clone()
    };
    scenario::check(&base, None, &origin).map_err(|mut e| {
        // A --vary entry is named as the option it came from, not as the table's key.
        if from_command_line {
            for err in &mut e.0 {
                if let Some(i) = err
                    .key
                    .as_deref()
                    .and_then(|k| k.strip_prefix("sensitivity.vary["))
                    .and_then(|k| k.trim_end_matches(']').parse::<usize>().ok())
                {
                    err.key = Some(format!("--vary {}", o.vary[i]));
                }
            }
        }
        e
    })?;
    let spec = &base.sensitivity;
    let key = if from_command_line {
        "--vary"
    } else {
        "sensitivity.vary"
    };
    let ranges = ranges(&spec.vary, &base).map_err(|errors| {
        ScenarioErrors(
            errors
                .into_iter()
                .map(|(_, e)| e.into_scenario_error(&origin))
                .collect(),
        )
    })?;
    if ranges.is_empty() {
        return Err(invalid(
            &origin,
            key,
            "expected at least one range to vary (--vary KEY=LO..HI, or a `vary` list in the \
             scenario's [sensitivity] table), found none"
                .into(),
            None,
        )
        .into());
    }
    let method = spec.method;
    let d = ranges.len();
    let samples = match spec.samples {
        0 => default_samples(method),
        n => n,
    };
    let fewest = fewest_samples(method, d);
    let what = match method {
        SensitivityMethod::Morris => "trajectories",
        SensitivityMethod::Sobol => "base samples",
        SensitivityMethod::Lhs => "points",
    };
    if samples < fewest {
        return Err(invalid(
            &origin,
            "sensitivity.samples",
            format!(
                "expected at least {fewest} {what} for {method:?} with {d} parameters, found {samples}"
            ),
            Some(format!("--samples {}", default_samples(method).max(fewest))),
        )
        .into());
    }
    if method == SensitivityMethod::Sobol && (d > SOBOL_MAX_FACTORS || samples > SOBOL_MAX_SAMPLES)
    {
        return Err(invalid(
            &origin,
            "sensitivity.samples",
            format!(
                "expected at most {SOBOL_MAX_FACTORS} parameters and {SOBOL_MAX_SAMPLES} base \
                 samples for Sobol's design, found {d} and {samples}"
            ),
            None,
        )
        .into());
    }
    let mut outcomes = Vec::new();
    let names = if spec.outcomes.is_empty() {
        Outcome::defaults().iter().map(Outcome::name).collect()
    } else {
        spec.outcomes.clone()
    };
    for name in &names {
        match Outcome::parse(name) {
            Some(o) => outcomes.push(o),
            None => {
                let all: Vec<String> = Outcome::all().iter().map(Outcome::name).collect();
                // A name that begins the way the user's does, else the closest spelling.
                let nearest = all
                    .iter()
                    .filter(|n| n.starts_with(name.as_str()))
                    .min_by_key(|n| n.len())
                    .or_else(|| all.iter().min_by_key(|n| strsim::levenshtein(n, name)))
                    .cloned()
                    .unwrap_or_default();
                return Err(invalid(
                    &origin,
                    if o.outcomes.is_empty() {
                        "sensitivity.outcomes"
                    } else {
                        "--outcome"
                    },
                    format!("expected an outcome name, found `{name}`"),
                    Some(format!(
                        "did you mean `{nearest}`? The outcomes: survival_gap, all.exits, \
                         all.public_cost and <kind>.<outcome> for each kind and {}",
                        arms::KIND_OUTCOMES.join(", ")
                    )),
                )
                .into());
            }
        }
    }
    let points = design(method, d, samples, spec.levels, base.seed);
    let out = c.out.clone().unwrap_or_else(|| {
        let out = Path::new("output").join(format!("{}-sensitivity", base.name));
        super::shard_out(&out, c.parts.shard)
    });
    let plan = PointPlan {
        base,
        ranges,
        method,
        points,
    };
    // Each range is valid alone; a combination may still break a rule that ties two parameters
    // (shares that must sum to at most 1, say). Every point is checked before any runs.
    for p in 0..plan.points.count() {
        // Checked as a plain scenario: its own [sensitivity] table was checked against the base.
        let mut point = plan.scenario(p).into_owned();
        point.sensitivity.vary.clear();
        point.sweep.vary.clear();
        if let Err(errors) = scenario::check(&point, None, &origin) {
            let first = &errors.0[0];
            let settings: Vec<String> = plan
                .settings(p)
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            return Err(invalid(
                &origin,
                key,
                format!(
                    "expected every point of the design to give a valid scenario, found point {p} \
                     ({}) breaks `{}`: {}",
                    settings.join(" "),
                    first.key.as_deref().unwrap_or(""),
                    first.message
                ),
                Some("narrow the ranges so that every combination of them is valid".into()),
            )
            .into());
        }
    }
    Ok(SensitivityRequest {
        plan,
        outcomes,
        threads: c.threads,
        out,
        format: c.format,
        force: c.force,
        progress: c.progress,
        cancel: c.cancel,
        parts: c.parts.clone(),
    })
}

pub fn run(req: &SensitivityRequest) -> Result<Ran<SensitivityReport>, Error> {
    let started = Instant::now();
    let plan = &req.plan;
    let threads = experiment::fit_threads(plan, budget::Unit::OneScenario, req.threads, false)?;
    // Responses are held in memory (a few numbers per point); on disk, the tables and charts.
    let n = plan.points.count() as u64;
    let needed = (4 << 20) + n * 64 * (plan.ranges.len() + 2 * req.outcomes.len()) as u64;
    // The journal of finished units: every outcome of every point-replication.
    let journal = experiment::Spill::bytes(&arms::shape(1), plan.unit_count());
    output::check_room(&req.out, needed + journal, None)?;
    let (mut dir, kept) = super::begin(
        &req.out,
        req.force,
        &req.parts,
        &plan.hash(),
        plan.unit_count(),
    )?;
    let exec = Execution {
        threads,
        record_firms: FirmRecords::All,
        progress: req.progress,
        message: format!("simulating {n} points"),
        cancel: req.cancel,
        units: kept.io(),
    };
    let mut responses = Responses::new(plan, req.outcomes.clone());
    experiment::run_each(
        plan,
        &exec,
        |_, _, scenario, result| arms::outcome_values(scenario, &result),
        |p, _, row| {
            responses.push(p, &row);
            Ok::<(), Error>(())
        },
    )
    .map_err(|e| kept.stopped(e))?;
    if kept.shard().is_some() {
        let used = threads.unwrap_or_else(rayon::current_num_threads);
        let about = serde_json::json!({
            "hash_fnv1a64": plan.hash(),
            "method": format!("{:?}", plan.method).to_lowercase(),
            "points": n,
            "seed": plan.base.seed,
            "replications": plan.base.replications,
            "base_scenario_hash_fnv1a64": fnv1a(&resolved_toml(&plan.base)),
            "ranges": plan.ranges.iter().map(|r| serde_json::json!({
                "key": r.key, "low": r.low, "high": r.high,
            })).collect::<Vec<_>>(),
        });
        return Ok(Ran::Shard(
            kept.finish_shard(dir, about, used, started, req.cancel)?,
        ));
    }
    let spinner = experiment::progress::spinner(req.progress);
    let (rows, spreads) = responses.analyse(plan, plan.base.seed);
    let by = ranking_index(plan.method);
    let mut table = index_table(&rows)?;
    write_table(&mut dir, "sensitivity", &mut table, req.format)?;
    if !spreads.is_empty() {
        write_table(
            &mut dir,
            "uncertainty",
            &mut spread_table(&spreads)?,
            TableFormat::Csv,
        )?;
    }
    let mut design_frame = design_table(plan, &responses)?;
    write_table(&mut dir, "design", &mut design_frame, TableFormat::Parquet)?;
    let names: Vec<String> = req.outcomes.iter().map(Outcome::name).collect();
    let (title, about) = heading(req, n);
    write_text(
        &mut dir,
        "sensitivity.md",
        &markdown(&title, &about, &names, &rows, by, &spreads),
    )?;
    spinner.set_message("drawing charts");
    for name in &names {
        draw(&mut dir, req, &rows, name)?;
    }
    spinner.finish_and_clear();
    write_scenario_file(
        &mut dir,
        "scenario.toml",
        &plan.base,
        "coopsim sensitivity scenario.toml",
    )?;
    let wall_seconds = started.elapsed().as_secs_f64();
    let used = threads.unwrap_or_else(rayon::current_num_threads);
    write_manifest(&mut dir, req, used, wall_seconds)?;
    let folder = kept.commit(dir, req.cancel)?;
    Ok(Ran::Results(SensitivityReport {
        folder,
        rows,
        wall_seconds,
        threads_limited: threads.filter(|_| req.threads.is_none()),
    }))
}

/// `design.parquet`: every point, its parameters' values and each outcome's mean and standard
/// error over the replications, so the analysis can be redone elsewhere.
fn design_table(plan: &PointPlan, responses: &Responses) -> PolarsResult<DataFrame> {
    let n = plan.points.count();
    let mut columns = vec![Column::new(
        "point".into(),
        (0..n as u32).collect::<Vec<_>>(),
    )];
    for (i, r) in plan.ranges.iter().enumerate() {
        let values: Vec<f64> = (0..n).map(|p| plan.values(p)[i]).collect();
        columns.push(Column::new(r.key.as_str().into(), values));
    }
    for (o, outcome) in responses.outcomes().iter().enumerate() {
        let name = outcome.name();
        let means: Vec<f64> = (0..n).map(|p| responses.mean(p, o)).collect();
        let errors: Vec<f64> = (0..n).map(|p| responses.standard_error(p, o)).collect();
        columns.push(Column::new(format!("{name}_mean").into(), means));
        columns.push(Column::new(format!("{name}_se").into(), errors));
    }
    DataFrame::new_infer_height(columns)
}

fn method_name(m: SensitivityMethod) -> &'static str {
    match m {
        SensitivityMethod::Morris => "Morris elementary effects",
        SensitivityMethod::Sobol => "Sobol indices (Saltelli's design)",
        SensitivityMethod::Lhs => "Latin hypercube",
    }
}

fn heading(req: &SensitivityRequest, points: u64) -> (String, String) {
    let plan = &req.plan;
    let base = &plan.base;
    let title = format!(
        "{}: {} of {}",
        base.name,
        method_name(plan.method),
        counted(plan.ranges.len() as u64, "parameter")
    );
    let ranges: Vec<String> = plan
        .ranges
        .iter()
        .map(|r| {
            format!(
                "`{}` from {} to {}{}",
                r.key,
                r.value(0.0),
                r.value(1.0),
                if r.scale == crate::scenario::sensitivity::Scale::Log {
                    " (log-uniform)"
                } else {
                    ""
                }
            )
        })
        .collect();
    let description = one_line(&base.description);
    let about = format!(
        "{}{} x {} (common random numbers, seed {}); ranges: {}. Effects and indices are in the \
         outcome's units for a move across each parameter's whole range (Morris) or shares of \
         the outcome's variance (Sobol); `replication noise` is what chance in {} leaves in \
         each: an index below it cannot be told from noise. `design.parquet` has every point's \
         values and responses.\n",
        if description.is_empty() {
            String::new()
        } else {
            format!("{}. ", description.trim_end_matches('.'))
        },
        counted(points, "point"),
        counted(u64::from(base.replications), "replication"),
        base.seed,
        ranges.join("; "),
        counted(u64::from(base.replications), "replication"),
    );
    (title, about)
}

fn draw(
    dir: &mut ResultsDir,
    req: &SensitivityRequest,
    rows: &[IndexRow],
    outcome: &str,
) -> Result<(), Error> {
    let plan = &req.plan;
    let by = ranking_index(plan.method);
    let ranked = ranking(rows, outcome, by);
    let get = |parameter: &str, index: &str| {
        rows.iter()
            .find(|r| r.outcome == outcome && r.parameter == parameter && r.index == index)
            .map_or((f64::NAN, f64::NAN, f64::NAN), |r| (r.value, r.low, r.high))
    };
    let noise = ranked.first().map_or(f64::NAN, |r| r.noise);
    let chart = match plan.method {
        SensitivityMethod::Morris => SensitivityChart::Morris {
            points: ranked
                .iter()
                .map(|r| {
                    (
                        r.parameter.clone(),
                        get(&r.parameter, "mu_star"),
                        get(&r.parameter, "sigma").0,
                    )
                })
                .collect(),
            noise,
        },
        SensitivityMethod::Sobol => SensitivityChart::Bars {
            series: vec!["first order (S1)", "total (ST)"],
            rows: ranked
                .iter()
                .map(|r| IndexMarks {
                    parameter: r.parameter.clone(),
                    values: vec![get(&r.parameter, "S1"), get(&r.parameter, "ST")],
                })
                .collect(),
            noise: Some(noise),
            x_desc: "share of the outcome's variance".into(),
        },
        SensitivityMethod::Lhs => SensitivityChart::Bars {
            series: vec!["rank correlation"],
            rows: ranked
                .iter()
                .map(|r| IndexMarks {
                    parameter: r.parameter.clone(),
                    values: vec![get(&r.parameter, "rank_correlation")],
                })
                .collect(),
            noise: None,
            x_desc: "Spearman rank correlation with the outcome".into(),
        },
    };
    let title = format!("{}: what moves {outcome}", plan.base.name);
    let caption = format!(
        "{} of {} over their ranges, {} per point (common random numbers). Ranked by {by}.",
        method_name(plan.method),
        counted(plan.ranges.len() as u64, "parameter"),
        counted(u64::from(plan.base.replications), "replication"),
    );
    let stem = format!("sensitivity_{}", outcome.replace('.', "_"));
    sensitivity_chart(dir, &stem, &title, &caption, &chart)?;
    Ok(())
}

fn write_manifest(
    dir: &mut ResultsDir,
    req: &SensitivityRequest,
    threads: usize,
    wall_seconds: f64,
) -> Result<(), Error> {
    let plan = &req.plan;
    let path = dir.file("manifest.json");
    let resolved = resolved_toml(&plan.base);
    let manifest = serde_json::json!({
        "coopsim_version": env!("CARGO_PKG_VERSION"),
        "command": "sensitivity",
        "method": plan.method,
        "points": plan.points.count(),
        "ranges": plan.ranges.iter().map(|r| serde_json::json!({
            "key": r.key,
            "low": r.value(0.0),
            "high": r.value(1.0),
            "log": r.scale == crate::scenario::sensitivity::Scale::Log,
        })).collect::<Vec<_>>(),
        "outcomes": req.outcomes.iter().map(Outcome::name).collect::<Vec<_>>(),
        "scenario": plan.base,
        "scenario_hash_fnv1a64": fnv1a(&resolved),
        "plan_hash_fnv1a64": plan.hash(),
        "seed": plan.base.seed,
        "replications": plan.base.replications,
        "threads": threads,
        "wall_seconds": wall_seconds,
        "files": dir.files(),
    });
    Ok(write_json(&path, &manifest)?)
}

/// Resolves the analysis, runs it and prints the ranking of the first outcome.
pub fn execute(o: Options) -> Result<Finished, Failure> {
    let req = resolve(&o)?;
    let report = match run(&req)? {
        Ran::Results(report) => report,
        Ran::Shard(shard) => {
            super::say_shard(&req.plan.base.name, &shard);
            return Ok(Finished::Success);
        }
    };
    let plan = &req.plan;
    super::note_threads(report.threads_limited);
    sayln!(
        "{}: {} of {} x {} (common random numbers, seed {}) in {:.1} s\n",
        plan.base.name,
        method_name(plan.method),
        counted(plan.points.count() as u64, "point"),
        counted(u64::from(plan.base.replications), "replication"),
        plan.base.seed,
        report.wall_seconds
    );
    let first = req.outcomes[0].name();
    say!(
        "{}",
        ranking_text(&report.rows, &first, ranking_index(plan.method))
    );
    sayln!(
        "\nevery outcome: sensitivity.md\nresults: {}",
        report.folder.display()
    );
    Ok(Finished::Success)
}
