//! `coopsim run`: one scenario's replications, each (unless told not to) beside the same
//! replication of its control (`Scenario::without_shock`: same seed and firms, no shock), into one
//! self-describing results folder: the summary tables, the headline with the crisis effect
//! (baseline minus control, folded into running means as each pair finishes), charts, the
//! resolved scenario and a manifest. Data flows one way; the model never sees a path.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use polars::io::parquet::write::BatchedWriter;
use polars::prelude::*;

use super::{Error, Failure, Finished, Parts, Ran};
use crate::analysis::effect::{self, CrisisEffect, PairedEffect};
use crate::analysis::run::{self, Reduced};
use crate::analysis::{outcomes, summary};
use crate::experiment::{self, Design, Execution, FirmRecords, Plan, Spill, budget, progress};
use crate::model::ReplicationResult;
use crate::output::{self, ResultsDir, counted};
use crate::present::tables::{write_text, written};
use crate::present::{TableFormat, charts, headline, write_json, write_scenario_file, write_table};
use crate::scenario::{Scenario, fnv1a, resolved_toml};

/// Everything the run needs, resolved from the command line and the scenario file.
#[derive(Debug, Clone)]
pub struct RunRequest {
    pub scenario: Scenario,
    pub threads: Option<usize>,
    pub out: PathBuf,
    pub format: TableFormat,
    pub force: bool,
    pub progress: bool,
    /// Set (e.g. by a Ctrl-C handler) to stop: no new replication starts and nothing is written.
    pub cancel: Option<&'static AtomicBool>,
    /// Write `firms.parquet` (one row per firm per replication).
    pub firms: bool,
    /// Pair each replication with the scenario's control and report the crisis effect (skipped,
    /// whatever this says, when the scenario has no shock).
    pub control: bool,
    /// Which units run, and where finished ones are kept.
    pub parts: Parts,
}

/// Whether a run was paired with its control, and if not, why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// Every replication ran beside the same replication without the shock.
    Paired,
    /// `--no-control`.
    Skipped,
    /// The scenario has no shock: its control would be itself.
    NoShock,
}

impl Control {
    pub fn of(req: &RunRequest) -> Control {
        if !req.control {
            Control::Skipped
        } else if !req.scenario.has_shock() {
            Control::NoShock
        } else {
            Control::Paired
        }
    }

    /// Why there is no crisis effect, when there is none.
    pub fn note(self) -> Option<&'static str> {
        match self {
            Control::Paired => None,
            Control::Skipped => Some(
                "crisis effect not computed: --no-control skipped the paired run without the shock",
            ),
            Control::NoShock => Some(
                "crisis effect not computed: the scenario has no shock, so its control (the same \
                 scenario without the shock) is the scenario itself and there is nothing to compare",
            ),
        }
    }
}

/// What a finished run reports.
pub struct RunReport {
    pub folder: PathBuf,
    pub headline: DataFrame,
    pub wall_seconds: f64,
    /// Time spent in the polars summary (not simulating or drawing).
    pub summary_seconds: f64,
    /// Threads used, when fewer than the machine's had to be used to fit in memory.
    pub threads_limited: Option<usize>,
    /// Whether the crisis effect was measured against the control (it is in `headline` then).
    pub control: Control,
}

/// Where replications go as they finish: the spills of the summary tables, and the firm table.
struct Spills {
    timeseries: Spill,
    survival: Spill,
    fragility: Spill,
    headline: Spill,
    firms: Option<(PathBuf, Option<BatchedWriter<File>>)>,
}

impl Spills {
    fn create(dir: &Path, s: &Scenario, firms: Option<PathBuf>) -> std::io::Result<Spills> {
        let n = s.replications;
        let budget = summary::BLOCK_BUDGET;
        Ok(Spills {
            timeseries: Spill::create(
                &dir.join("timeseries.bin"),
                summary::timeseries_shape(s.months as usize),
                n,
                budget,
            )?,
            survival: Spill::create(
                &dir.join("survival.bin"),
                summary::survival_shape(outcomes::survival_horizon(s)),
                n,
                budget,
            )?,
            fragility: Spill::create(
                &dir.join("fragility.bin"),
                summary::fragility_shape(),
                n,
                budget,
            )?,
            headline: Spill::create(
                &dir.join("headline.bin"),
                summary::headline_shape(),
                n,
                budget,
            )?,
            firms: firms.map(|path| (path, None)),
        })
    }

    /// Stores one replication; an error names the file it could not write.
    fn write(&mut self, r: Reduced) -> Result<(), Error> {
        for (spill, values) in [
            (&mut self.timeseries, &r.timeseries),
            (&mut self.survival, &r.survival),
            (&mut self.fragility, &r.fragility),
            (&mut self.headline, &r.headline),
        ] {
            spill
                .write(r.replication, values)
                .map_err(|e| Error::Io(spill.path().to_path_buf(), e))?;
        }
        if let (Some((path, writer)), Some(rows)) = (&mut self.firms, r.firms) {
            let failed = |e| Error::from(written(path, e));
            let frame = summary::firms_frame(&rows).map_err(failed)?;
            if writer.is_none() {
                let file = File::create(&*path).map_err(|e| Error::Io(path.clone(), e))?;
                *writer = Some(
                    ParquetWriter::new(file)
                        .batched(frame.schema())
                        .map_err(failed)?,
                );
            }
            writer
                .as_mut()
                .expect("created above")
                .write_batch(&frame)
                .map_err(failed)?;
        }
        Ok(())
    }

    /// Finishes the firm table, if one is written.
    fn finish(&mut self) -> Result<(), Error> {
        if let Some((path, Some(writer))) = &mut self.firms {
            writer.finish().map_err(|e| Error::from(written(path, e)))?;
        }
        Ok(())
    }
}

pub fn run(req: &RunRequest) -> Result<Ran<RunReport>, Error> {
    let started = Instant::now();
    let s = &req.scenario;
    let control_status = Control::of(req);
    let plan = match control_status {
        Control::Paired => Plan::with_control(s.clone()),
        Control::Skipped | Control::NoShock => Plan::single(s.clone()),
    };
    let paired = plan.design == Design::WithControl;
    let unit = if paired {
        budget::Unit::WithControl
    } else {
        budget::Unit::OneScenario
    };
    let threads = experiment::fit_threads(&plan, unit, req.threads, req.firms)?;
    let firm_table = req.firms.then(|| budget::firm_table_disk_bytes(s));
    let spill_bytes: u64 = [
        summary::timeseries_shape(s.months as usize),
        summary::survival_shape(outcomes::survival_horizon(s)),
        summary::fragility_shape(),
        summary::headline_shape(),
    ]
    .iter()
    .map(|shape| Spill::bytes(shape, s.replications))
    .sum();
    let results = budget::summary_disk_bytes(s) + firm_table.unwrap_or(0);
    // The journal of finished units holds the same numbers again until the folder is committed.
    let journal = spill_bytes + firm_table.unwrap_or(0);
    output::check_room(&req.out, spill_bytes + results + journal, firm_table)?;
    // What each unit is reduced to depends on the plan and on whether firm rows are kept.
    let units_hash = fnv1a(&format!("{}\nfirm rows = {}\n", plan.hash(), req.firms));
    let (mut dir, kept) = super::begin(
        &req.out,
        req.force,
        &req.parts,
        &units_hash,
        experiment::Arms::unit_count(&plan),
    )?;
    let scratch = dir.scratch("spill");
    std::fs::create_dir_all(&scratch).map_err(|e| Error::Io(scratch.clone(), e))?;
    // A shard keeps its units only: the firm table is written when the shards are merged.
    let firms_path = (req.firms && kept.shard().is_none()).then(|| dir.file("firms.parquet"));
    let mut spills =
        Spills::create(&scratch, s, firms_path).map_err(|e| Error::Io(scratch.clone(), e))?;
    let exec = Execution {
        threads,
        record_firms: FirmRecords::All,
        progress: req.progress,
        message: if paired {
            "simulating, each beside its control".into()
        } else {
            String::new()
        },
        cancel: req.cancel,
        units: kept.io(),
    };
    let with_firms = req.firms;
    let mut crisis_effect = paired.then(|| CrisisEffect::new(s));
    let mut sink = |(reduced, paired): (Reduced, Option<PairedEffect>)| {
        spills.write(reduced)?;
        if let (Some(e), Some(p)) = (&mut crisis_effect, paired) {
            e.push(&p);
        }
        Ok::<(), Error>(())
    };
    let ran = if paired {
        // Each unit runs the control (arm 0) and then the scenario (arm 1) of one replication.
        let control = &plan.arms[0].scenario;
        experiment::run_together(
            &plan,
            &exec,
            |arm, _, result| match arm {
                0 => Side::Control(run::control_side(control, result)),
                _ => Side::Scenario(Box::new(result)),
            },
            |_, sides| match <[Side; 2]>::try_from(sides) {
                Ok([Side::Control(c), Side::Scenario(result)]) => {
                    run::reduce_paired(s, &result, Some(&c), with_firms)
                }
                _ => unreachable!("a unit runs the control, then the scenario"),
            },
            |_, value| sink(value),
        )
    } else {
        experiment::run_each(
            &plan,
            &exec,
            |_, _, _, result| run::reduce_paired(s, &result, None, with_firms),
            |_, _, value| sink(value),
        )
    };
    ran.map_err(|e| kept.stopped(e))?;
    let used = threads.unwrap_or_else(rayon::current_num_threads);
    if kept.shard().is_some() {
        drop(spills);
        std::fs::remove_dir_all(&scratch).map_err(|e| Error::Io(scratch.clone(), e))?;
        return Ok(Ran::Shard(kept.finish_shard(
            dir,
            super::plan_json(&plan),
            used,
            started,
            req.cancel,
        )?));
    }
    spills.finish()?;
    let summarising = progress::spinner(req.progress);
    let summary_started = Instant::now();
    let (timeseries, survival, fragility, headline, monthly_effect) =
        experiment::with_threads(threads, || {
            let mut timeseries = summary::timeseries(&mut spills.timeseries)?;
            write_table(&mut dir, "timeseries", &mut timeseries, req.format)?;
            let mut survival = summary::survival(&mut spills.survival, s.crisis.onset_month)?;
            write_table(&mut dir, "survival", &mut survival, TableFormat::Csv)?;
            let mut fragility = summary::fragility(&mut spills.fragility)?;
            write_table(&mut dir, "fragility", &mut fragility, TableFormat::Csv)?;
            let mut headline = summary::headline(&mut spills.headline, s.replications)?;
            let mut hazard = summary::hazard_ratios(&headline)?;
            write_table(&mut dir, "hazard_ratios", &mut hazard, TableFormat::Csv)?;
            let mut monthly_effect = None;
            if let Some(e) = &crisis_effect {
                headline = effect::with_effect_columns(&headline, e)?;
                write_table(&mut dir, "crisis_effect", &mut e.table()?, TableFormat::Csv)?;
                let mut monthly = e.monthly_table()?;
                write_table(
                    &mut dir,
                    "crisis_effect_monthly",
                    &mut monthly,
                    TableFormat::Csv,
                )?;
                monthly_effect = Some(monthly);
            }
            write_table(&mut dir, "headline", &mut headline, TableFormat::Csv)?;
            let text = headline::headline_markdown(
                s,
                &headline,
                crisis_effect.as_ref(),
                control_status.note(),
            )?;
            write_text(&mut dir, "headline.md", &text)?;
            Ok::<_, Error>((timeseries, survival, fragility, headline, monthly_effect))
        })??;
    let summary_seconds = summary_started.elapsed().as_secs_f64();
    drop(spills);
    std::fs::remove_dir_all(&scratch).map_err(|e| Error::Io(scratch.clone(), e))?;

    summarising.set_message("drawing charts");
    let chart_data = charts::ChartData {
        scenario: s,
        timeseries: &timeseries,
        survival: &survival,
        fragility: &fragility,
        employment_vs_control: monthly_effect.as_ref(),
    };
    charts::draw_all(&mut dir, &chart_data)?;
    summarising.finish_and_clear();

    write_scenario_file(&mut dir, "scenario.toml", s, "coopsim run scenario.toml")?;
    let wall_seconds = started.elapsed().as_secs_f64();
    let manifest = Manifest {
        plan_hash: plan.hash(),
        threads: used,
        wall_seconds,
        summary_seconds,
        control: control_status,
        control_scenario: paired.then(|| &plan.arms[0].scenario),
    };
    write_manifest(&mut dir, req, &manifest)?;
    let folder = kept.commit(dir, req.cancel)?;
    Ok(Ran::Results(RunReport {
        folder,
        headline,
        wall_seconds,
        summary_seconds,
        threads_limited: threads.filter(|_| req.threads.is_none()),
        control: control_status,
    }))
}

/// What a unit keeps of each arm of a replication beside its control.
enum Side {
    Control(run::ControlSide),
    Scenario(Box<ReplicationResult>),
}

/// What the manifest records of the run beside its request.
struct Manifest<'a> {
    /// `Plan::hash` of the plan that ran: the scenario, and its control when it ran beside one.
    plan_hash: String,
    threads: usize,
    wall_seconds: f64,
    summary_seconds: f64,
    control: Control,
    /// The control that ran, when one did.
    control_scenario: Option<&'a Scenario>,
}

fn write_manifest(dir: &mut ResultsDir, req: &RunRequest, m: &Manifest) -> Result<(), Error> {
    let s = &req.scenario;
    let resolved = resolved_toml(s);
    let path = dir.file("manifest.json");
    let control = match (m.control.note(), m.control_scenario) {
        (None, Some(c)) => serde_json::json!({
            "simulated": true,
            "what": "each replication beside the same replication (seed, firms, random streams) \
                     of the scenario without its shock: every crisis and austerity depth and \
                     credit-crunch change set to 0, timing unchanged; the crisis effect is the \
                     scenario minus the control",
            "scenario_hash_fnv1a64": fnv1a(&resolved_toml(c)),
        }),
        (note, _) => serde_json::json!({ "simulated": false, "note": note }),
    };
    let (threads, wall_seconds, summary_seconds) = (m.threads, m.wall_seconds, m.summary_seconds);
    let manifest = serde_json::json!({
        "coopsim_version": env!("CARGO_PKG_VERSION"),
        "scenario": s,
        "scenario_hash_fnv1a64": fnv1a(&resolved),
        "plan_hash_fnv1a64": m.plan_hash,
        "seed": s.seed,
        "replications": s.replications,
        "threads": threads,
        "wall_seconds": wall_seconds,
        "summary_seconds": summary_seconds,
        "firms_table": req.firms,
        "control": control,
        "files": dir.files(),
    });
    Ok(write_json(&path, &manifest)?)
}

/// The default results folder for a scenario: `output/<name>`.
pub fn default_out(s: &Scenario) -> PathBuf {
    Path::new("output").join(&s.name)
}

/// What `coopsim run` was asked, as the command line gives it.
#[derive(Debug, Clone)]
pub struct Options {
    pub scenario: PathBuf,
    pub replications: Option<u32>,
    pub seed: Option<u64>,
    pub threads: Option<usize>,
    pub set: Vec<String>,
    pub out: Option<PathBuf>,
    pub format: TableFormat,
    pub force: bool,
    pub progress: bool,
    pub cancel: Option<&'static AtomicBool>,
    pub firms: bool,
    pub control: bool,
    pub parts: Parts,
}

/// Resolves the scenario, runs it and prints the headline.
pub fn execute(o: Options) -> Result<Finished, Failure> {
    let scenario = super::resolve(&o.scenario, o.replications, o.seed, &o.set)?;
    super::check_threads(o.threads)?;
    let req = RunRequest {
        out: o
            .out
            .unwrap_or_else(|| super::shard_out(&default_out(&scenario), o.parts.shard)),
        scenario,
        threads: o.threads,
        format: o.format,
        force: o.force,
        progress: o.progress,
        cancel: o.cancel,
        firms: o.firms,
        control: o.control,
        parts: o.parts,
    };
    let report = match run(&req)? {
        Ran::Results(report) => report,
        Ran::Shard(shard) => {
            super::say_shard(&req.scenario.name, &shard);
            return Ok(Finished::Success);
        }
    };
    let s = &req.scenario;
    super::note_threads(report.threads_limited);
    let w = crate::model::crisis_window(s);
    sayln!(
        "{}: {} of {} in {:.1} s; crisis window months {}-{}",
        s.name,
        counted(u64::from(s.replications), "replication"),
        counted(u64::from(s.population.firms), "firm"),
        report.wall_seconds,
        w.start,
        w.end - 1
    );
    sayln!("mean across replications [95% confidence interval]\n");
    match headline::headline_text(&report.headline) {
        Ok(text) => say!("{text}"),
        Err(e) => eprintln!("warning: cannot print the headline: {e}"),
    }
    if let Some(note) = report.control.note() {
        sayln!("\n{note}");
    }
    sayln!("\nresults: {}", report.folder.display());
    Ok(Finished::Success)
}
