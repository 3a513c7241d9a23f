//! What `coopsim sweep` and `coopsim compare` share: a plan of several arms run side by side
//! with common random numbers, each unit one arm-replication, replication-major, so the base
//! arm (arm 0) of a replication reaches the sink before the other arms of that replication and
//! each arm's paired difference from it is formed as soon as the arm finishes. Memory does not
//! grow with replications or arms (the spill holds them on disk). The results: the table of
//! means and paired differences, the Markdown report, the charts, each arm's input and a
//! manifest; `compare` adds each arm's curves.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use polars::prelude::*;

use super::{Common, Error, Failure, Finished, Parts, Ran};
use crate::analysis::{arms, outcomes, summary};
use crate::experiment::{self, Arm, Design, Execution, FirmRecords, Plan, Spill, budget, progress};
use crate::output::{self, ResultsDir, counted};
use crate::present::comparison::{Comparison, markdown_report, report_heading, stem, summary_text};
use crate::present::tables::write_text;
use crate::present::{TableFormat, charts, write_json, write_scenario_file, write_table};
use crate::scenario::{fnv1a, resolved_toml};

/// Everything a comparison needs.
#[derive(Debug, Clone)]
pub struct ComparisonRequest {
    /// Name of the comparison (the results folder is `output/<name>-sweep` or `-compare`).
    pub name: String,
    /// A sweep's or a comparison's plan (`Plan::sweep`, `Plan::compare`).
    pub plan: Plan,
    pub threads: Option<usize>,
    pub out: PathBuf,
    pub format: TableFormat,
    pub force: bool,
    pub progress: bool,
    /// Set (e.g. by a Ctrl-C handler) to stop: no new job starts and nothing is written.
    pub cancel: Option<&'static AtomicBool>,
    /// Which units run, and where finished ones are kept.
    pub parts: Parts,
}

impl ComparisonRequest {
    fn view(&self) -> Comparison<'_> {
        Comparison {
            name: &self.name,
            arms: &self.plan.arms,
            design: &self.plan.design,
        }
    }
}

pub struct ComparisonReport {
    pub folder: PathBuf,
    pub table: DataFrame,
    pub wall_seconds: f64,
    /// Threads used, when fewer than the machine's had to be used to fit in memory.
    pub threads_limited: Option<usize>,
}

/// The default results folder: `output/<name>-sweep` or `output/<name>-compare`.
pub fn default_out(name: &str, design: &Design) -> PathBuf {
    Path::new("output").join(format!("{name}-{}", stem(design)))
}

pub fn run(req: &ComparisonRequest) -> Result<Ran<ComparisonReport>, Error> {
    let started = Instant::now();
    let plan = &req.plan;
    let replications = plan.replications();
    let threads = experiment::fit_threads(plan, budget::Unit::OneScenario, req.threads, false)?;
    // The outcomes' spill, and for `compare` each arm's curves and their tables; a table row and
    // a manifest entry (its scenario) per arm.
    let compare = plan.design == Design::Compare;
    let mut needed = Spill::bytes(&arms::shape(plan.arms.len()), replications);
    for arm in &plan.arms {
        let s = &arm.scenario;
        needed += 64 << 10;
        if compare {
            needed += Spill::bytes(&summary::timeseries_shape(s.months as usize), replications)
                + Spill::bytes(
                    &summary::survival_shape(outcomes::survival_horizon(s)),
                    replications,
                )
                + budget::summary_disk_bytes(s);
        }
    }
    // The journal of finished units holds the numbers of the spills again until the commit.
    output::check_room(&req.out, 2 * needed + (2 << 20), None)?;
    let (mut dir, kept) = super::begin(
        &req.out,
        req.force,
        &req.parts,
        &plan.hash(),
        experiment::Arms::unit_count(plan),
    )?;
    let scratch = dir.scratch("spill");
    std::fs::create_dir_all(&scratch).map_err(|e| Error::Io(scratch.clone(), e))?;
    let spill_path = scratch.join("outcomes.bin");
    let mut spill = Spill::create(
        &spill_path,
        arms::shape(plan.arms.len()),
        replications,
        summary::BLOCK_BUDGET,
    )
    .map_err(|e| Error::Io(spill_path.clone(), e))?;

    // For `compare`, each arm's curves too (survival and monthly series), for the overlaid charts.
    let mut curves: Vec<(Spill, Spill)> = Vec::new();
    if compare {
        for (i, arm) in plan.arms.iter().enumerate() {
            let s = &arm.scenario;
            let (tp, sp) = (
                scratch.join(format!("timeseries-{i}.bin")),
                scratch.join(format!("survival-{i}.bin")),
            );
            let ts = Spill::create(
                &tp,
                summary::timeseries_shape(s.months as usize),
                replications,
                summary::BLOCK_BUDGET,
            )
            .map_err(|e| Error::Io(tp.clone(), e))?;
            let sv = Spill::create(
                &sp,
                summary::survival_shape(outcomes::survival_horizon(s)),
                replications,
                summary::BLOCK_BUDGET,
            )
            .map_err(|e| Error::Io(sp.clone(), e))?;
            curves.push((ts, sv));
        }
    }
    let exec = Execution {
        threads,
        record_firms: FirmRecords::All,
        progress: req.progress,
        message: String::new(),
        cancel: req.cancel,
        units: kept.io(),
    };
    let mut base: Vec<f64> = Vec::new();
    experiment::run_each(
        plan,
        &exec,
        |_, _, s, result| {
            let arm_curves = compare.then(|| {
                let onset = s.crisis.onset_month.saturating_sub(1) as usize;
                let counts = outcomes::survival_counts(s, &result.firms);
                (
                    summary::timeseries_values(&result.months, onset),
                    summary::survival_values(&counts),
                )
            });
            (arms::outcome_values(s, &result), arm_curves)
        },
        |a, r, (values, arm_curves)| {
            if a == 0 {
                base = values.clone();
            }
            let io = |e| Error::Io(spill_path.clone(), e);
            spill
                .write_key(r, a, &arms::paired_with_base(&values, &base))
                .map_err(io)?;
            if let Some((ts, sv)) = arm_curves {
                curves[a].0.write(r, &ts).map_err(io)?;
                curves[a].1.write(r, &sv).map_err(io)?;
            }
            Ok::<(), Error>(())
        },
    )
    .map_err(|e| kept.stopped(e))?;
    if kept.shard().is_some() {
        drop((spill, curves));
        std::fs::remove_dir_all(&scratch).map_err(|e| Error::Io(scratch.clone(), e))?;
        let used = threads.unwrap_or_else(rayon::current_num_threads);
        return Ok(Ran::Shard(kept.finish_shard(
            dir,
            super::plan_json(plan),
            used,
            started,
            req.cancel,
        )?));
    }

    let spinner = progress::spinner(req.progress);
    let (mut table, arm_curves) = experiment::with_threads(threads, || {
        let table = arms::summarise(&mut spill, plan)?;
        let mut arm_curves = Vec::new();
        for (arm, (mut ts, mut sv)) in plan.arms.iter().zip(curves) {
            let onset = arm.scenario.crisis.onset_month;
            arm_curves.push((
                summary::timeseries(&mut ts)?,
                summary::survival(&mut sv, onset)?,
            ));
        }
        Ok::<_, PolarsError>((table, arm_curves))
    })??;
    drop(spill);
    std::fs::remove_dir_all(&scratch).map_err(|e| Error::Io(scratch.clone(), e))?;
    write_table(&mut dir, stem(&plan.design), &mut table, req.format)?;
    if compare {
        // The data behind the overlaid charts, as `run` writes it, one block of rows per arm.
        let mut ts = arms::by_arm(&plan.arms, arm_curves.iter().map(|(ts, _)| ts))?;
        write_table(&mut dir, "compare_timeseries", &mut ts, req.format)?;
        let mut sv = arms::by_arm(&plan.arms, arm_curves.iter().map(|(_, sv)| sv))?;
        write_table(&mut dir, "compare_survival", &mut sv, req.format)?;
    }
    let view = req.view();
    let (title, about) = report_heading(&view);
    let text = markdown_report(&title, &about, &table)?;
    write_text(&mut dir, &format!("{}.md", stem(&plan.design)), &text)?;
    spinner.set_message("drawing charts");
    charts::comparison(&mut dir, &view, &table)?;
    if compare {
        charts::compare_curves(&mut dir, &view, &arm_curves)?;
    }
    spinner.finish_and_clear();

    write_scenario_files(&mut dir, req)?;
    let wall_seconds = started.elapsed().as_secs_f64();
    let used = threads.unwrap_or_else(rayon::current_num_threads);
    write_manifest(&mut dir, req, used, wall_seconds)?;
    let folder = kept.commit(dir, req.cancel)?;
    Ok(Ran::Results(ComparisonReport {
        folder,
        table,
        wall_seconds,
        threads_limited: threads.filter(|_| req.threads.is_none()),
    }))
}

/// The input of the results, runnable as it stands: a sweep's base scenario with the sweep it ran
/// as its [sweep] table; each compared scenario, numbered as its arm so that the reference still
/// comes first in `scenarios/*.toml`.
fn write_scenario_files(dir: &mut ResultsDir, req: &ComparisonRequest) -> Result<(), Error> {
    let arms = &req.plan.arms;
    match req.plan.design {
        Design::Sweep { .. } => Ok(write_scenario_file(
            dir,
            "scenario.toml",
            &arms[0].scenario,
            "coopsim sweep scenario.toml",
        )?),
        _ => {
            let width = (arms.len() - 1).to_string().len();
            for (i, arm) in arms.iter().enumerate() {
                write_scenario_file(
                    dir,
                    &format!("scenarios/{i:0width$}_{}.toml", arm.label),
                    &arm.scenario,
                    "coopsim compare scenarios/*.toml",
                )?;
            }
            Ok(())
        }
    }
}

fn write_manifest(
    dir: &mut ResultsDir,
    req: &ComparisonRequest,
    threads: usize,
    wall_seconds: f64,
) -> Result<(), Error> {
    let base = &req.plan.arms[0].scenario;
    let path = dir.file("manifest.json");
    // Fields in alphabetical order, as `serde_json::Value` keeps its keys: the arms are written
    // one at a time instead of as one tree (a sweep of 2,000 arms held about 250 MB).
    #[derive(serde::Serialize)]
    struct Manifest<'a> {
        arms: ArmsJson<'a>,
        command: &'a str,
        common_random_numbers: serde_json::Value,
        coopsim_version: &'a str,
        design: serde_json::Value,
        files: &'a [String],
        name: &'a str,
        plan_hash_fnv1a64: String,
        threads: usize,
        wall_seconds: f64,
    }
    let manifest = Manifest {
        arms: ArmsJson(&req.plan.arms),
        command: stem(&req.plan.design),
        common_random_numbers: serde_json::json!({
            "seed": base.seed,
            "replications": base.replications,
        }),
        coopsim_version: env!("CARGO_PKG_VERSION"),
        design: match &req.plan.design {
            Design::Sweep { keys } => {
                serde_json::json!({ "sweep": { "design": base.sweep.design, "keys": keys } })
            }
            _ => serde_json::json!("compare"),
        },
        files: dir.files(),
        name: &req.name,
        plan_hash_fnv1a64: req.plan.hash(),
        threads,
        wall_seconds,
    };
    Ok(write_json(&path, &manifest)?)
}

/// The manifest's arms, each serialised on its own when written.
struct ArmsJson<'a>(&'a [Arm]);

impl serde::Serialize for ArmsJson<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().enumerate().map(|(i, a)| {
            let resolved = resolved_toml(&a.scenario);
            serde_json::json!({
                "arm": i,
                "label": a.label,
                "settings": a.settings.iter().map(|(k, v)| serde_json::json!({ "key": k, "value": v })).collect::<Vec<_>>(),
                "scenario_hash_fnv1a64": fnv1a(&resolved),
                "scenario": a.scenario,
            })
        }))
    }
}

/// Runs a sweep's or comparison's plan and prints its summary.
pub fn execute(name: String, plan: Plan, c: &Common) -> Result<Finished, Failure> {
    super::check_threads(c.threads)?;
    let out = c
        .out
        .clone()
        .unwrap_or_else(|| super::shard_out(&default_out(&name, &plan.design), c.parts.shard));
    let req = ComparisonRequest {
        name,
        plan,
        threads: c.threads,
        out,
        format: c.format,
        force: c.force,
        progress: c.progress,
        cancel: c.cancel,
        parts: c.parts.clone(),
    };
    let report = match run(&req)? {
        Ran::Results(report) => report,
        Ran::Shard(shard) => {
            super::say_shard(&req.name, &shard);
            return Ok(Finished::Success);
        }
    };
    let plan = &req.plan;
    super::note_threads(report.threads_limited);
    sayln!(
        "{}: {} x {} (common random numbers, seed {}) in {:.1} s",
        req.name,
        counted(plan.arms.len() as u64, "arm"),
        counted(u64::from(plan.replications()), "replication"),
        plan.seed(),
        report.wall_seconds
    );
    let md = format!("{}.md", stem(&plan.design));
    match summary_text(&report.table, &md) {
        Ok(text) => say!("\n{text}"),
        Err(e) => eprintln!("warning: cannot print the summary: {e}"),
    }
    sayln!("\nresults: {}", report.folder.display());
    Ok(Finished::Success)
}
