//! `coopsim sweep` and `coopsim compare`: several arms (scenarios) run side by side with common
//! random numbers, so replication r of every arm draws the same random numbers and the difference
//! between two arms in replication r is the effect of what differs between them, not noise. The
//! intervals of differences are taken on these paired replications.
//!
//! Jobs are arm x replication, replication-major, so the base arm (arm 0) of a replication reaches
//! the sink before the other arms of that replication and each difference is formed as soon as
//! its arm finishes; memory does not grow with replications or arms (see `summary::spill`).

use std::path::{Path, PathBuf};
use std::time::Instant;

use polars::prelude::*;

use crate::model::{ReplicationResult, crisis_window, run_replication};
use crate::outcomes;
use crate::output::{ResultsDir, counted};
use crate::pipeline::{self, RunError, TableFormat};
use crate::runner::{self, EnsembleOptions};
use crate::scenario::{Kind, Scenario};
use crate::summary::{self, Label, Shape, Spill};
use crate::sweep::Arm;

/// Outcomes reported for every kind, per arm and replication.
pub const KIND_OUTCOMES: [&str; 9] = [
    "survival_to_window_end",
    "crisis_hazard",
    "hazard_ratio_vs_conventional",
    "employment_change",
    "pay_change",
    "reserves_share",
    "leverage",
    "fragile_exit_share",
    "exits",
];

/// Every outcome name: the kind outcomes, then the economy-wide public cost of the levers.
pub const OUTCOMES: [&str; 10] = [
    "survival_to_window_end",
    "crisis_hazard",
    "hazard_ratio_vs_conventional",
    "employment_change",
    "pay_change",
    "reserves_share",
    "leverage",
    "fragile_exit_share",
    "exits",
    "public_cost",
];

/// Rows per arm: each kind x kind outcome, then `all` kinds' exits and public cost.
const ROWS: usize = Kind::COUNT * KIND_OUTCOMES.len() + 2;

fn row_kind(_: usize, row: usize) -> usize {
    if row < Kind::COUNT * KIND_OUTCOMES.len() {
        row / KIND_OUTCOMES.len()
    } else {
        Kind::COUNT
    }
}

fn row_outcome(_: usize, row: usize) -> usize {
    let kind_rows = Kind::COUNT * KIND_OUTCOMES.len();
    match row {
        r if r < kind_rows => r % KIND_OUTCOMES.len(),
        r if r == kind_rows => KIND_OUTCOMES.len() - 1,
        _ => OUTCOMES.len() - 1,
    }
}

fn shape(arms: usize) -> Shape {
    Shape {
        key: "arm",
        first_key: 0,
        keys: arms,
        rows_per_key: ROWS,
        labels: vec![
            Label {
                name: "kind",
                names: Kind::ALL
                    .iter()
                    .map(|k| k.name())
                    .chain([summary::ALL])
                    .collect(),
                of: row_kind,
            },
            Label {
                name: "outcome",
                names: OUTCOMES.to_vec(),
                of: row_outcome,
            },
        ],
        values: vec!["value", "difference"],
    }
}

/// One arm's outcomes in one replication, in `shape` row order (NaN where undefined).
fn outcome_values(s: &Scenario, r: &ReplicationResult) -> Vec<f64> {
    let counts = outcomes::survival_counts(s, &r.firms);
    let quintiles = outcomes::fragility_quintiles(s, &r.firms);
    let w = crisis_window(s);
    let in_window = || r.months.iter().filter(|m| w.contains(&m.month));
    let reference = outcomes::kind_outcome(s, &r.months, Kind::Conventional).crisis_hazard;
    let finite = |v: f64| if v.is_finite() { v } else { f64::NAN };
    let mut out = Vec::with_capacity(ROWS);
    for k in Kind::ALL {
        let h = outcomes::kind_headline(s, &r.months, &counts, &quintiles, k);
        let exits: f64 = in_window().map(|m| m.cells.kind_total(k).exits()).sum();
        out.extend(
            [
                h.survival_to_window_end,
                h.outcome.crisis_hazard,
                h.outcome.crisis_hazard / reference,
                h.outcome.employment_change,
                h.outcome.pay_change,
                h.outcome.reserves_share,
                h.outcome.leverage,
                h.fragile_exit_share,
                exits,
            ]
            .map(finite),
        );
    }
    let all_exits: f64 = in_window()
        .map(|m| {
            Kind::ALL
                .iter()
                .map(|k| m.cells.kind_total(*k).exits())
                .sum::<f64>()
        })
        .sum();
    out.push(all_exits);
    out.push(in_window().map(|m| m.economy.lever_cost()).sum());
    out
}

/// Whether the arms come from a sweep of one scenario or from whole scenario files.
#[derive(Debug, Clone, PartialEq)]
pub enum Design {
    /// Varied keys, in order (they become columns of the table).
    Sweep {
        keys: Vec<String>,
    },
    Compare,
}

/// Everything a comparison needs.
#[derive(Debug, Clone)]
pub struct ComparisonRequest {
    /// Name of the comparison (the results folder is `output/<name>-sweep` or `-compare`).
    pub name: String,
    pub design: Design,
    pub arms: Vec<Arm>,
    pub threads: Option<usize>,
    pub out: PathBuf,
    pub format: TableFormat,
    pub force: bool,
    pub progress: bool,
    /// Set (e.g. by a Ctrl-C handler) to stop: no new job starts and nothing is written.
    pub cancel: Option<&'static std::sync::atomic::AtomicBool>,
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
    let suffix = match design {
        Design::Sweep { .. } => "sweep",
        Design::Compare => "compare",
    };
    Path::new("output").join(format!("{name}-{suffix}"))
}

/// The results table's and the Markdown report's file stem.
pub fn stem(design: &Design) -> &'static str {
    match design {
        Design::Sweep { .. } => "sweep",
        Design::Compare => "compare",
    }
}

pub fn run(req: &ComparisonRequest) -> Result<ComparisonReport, RunError> {
    let started = Instant::now();
    let arms = &req.arms;
    let n_arms = arms.len() as u32;
    let replications = arms[0].scenario.replications;
    let threads = pipeline::fit_threads(
        arms.iter().map(|a| &a.scenario),
        crate::budget::Unit::OneScenario,
        req.threads,
        false,
    )?;
    let mut dir = ResultsDir::begin(&req.out, req.force)?;
    let scratch = dir.scratch("spill");
    std::fs::create_dir_all(&scratch).map_err(|e| RunError::Io(scratch.clone(), e))?;
    let spill_path = scratch.join("outcomes.bin");
    let mut spill = Spill::create(
        &spill_path,
        shape(arms.len()),
        replications,
        summary::BLOCK_BUDGET,
    )
    .map_err(|e| RunError::Io(spill_path.clone(), e))?;
    let bar = pipeline::progress_bar(req.progress, n_arms * replications, "arm-replications");

    let options: Vec<_> = arms
        .iter()
        .map(|a| {
            runner::run_options(
                &a.scenario,
                EnsembleOptions {
                    threads,
                    record_firms: true,
                },
            )
        })
        .collect();
    // For `compare`, each arm's curves too (survival and monthly series), for the overlaid charts.
    let compare = req.design == Design::Compare;
    let mut curves: Vec<(Spill, Spill)> = Vec::new();
    if compare {
        for (i, arm) in arms.iter().enumerate() {
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
            .map_err(|e| RunError::Io(tp.clone(), e))?;
            let sv = Spill::create(
                &sp,
                summary::survival_shape(outcomes::survival_horizon(s)),
                replications,
                summary::BLOCK_BUDGET,
            )
            .map_err(|e| RunError::Io(sp.clone(), e))?;
            curves.push((ts, sv));
        }
    }
    let mut base: Vec<f64> = Vec::new();
    let simulated = runner::run_jobs_streaming(
        n_arms * replications,
        threads,
        |job| {
            let (r, a) = (job / n_arms, (job % n_arms) as usize);
            let s = &arms[a].scenario;
            let result = run_replication(s, r, options[a]);
            let arm_curves = compare.then(|| {
                let onset = s.crisis.onset_month.saturating_sub(1) as usize;
                let counts = outcomes::survival_counts(s, &result.firms);
                (
                    summary::timeseries_values(&result.months, onset),
                    summary::survival_values(&counts),
                )
            });
            (outcome_values(s, &result), arm_curves)
        },
        |job, (values, arm_curves)| {
            let (r, a) = (job / n_arms, (job % n_arms) as usize);
            if a == 0 {
                base = values.clone();
            }
            // value, then its difference from the base arm in the same replication.
            let paired: Vec<f64> = values
                .iter()
                .zip(&base)
                .flat_map(|(v, b)| [*v, v - b])
                .collect();
            if pipeline::cancelled(req.cancel) {
                return Err(RunError::Interrupted);
            }
            let io = |e| RunError::Io(spill_path.clone(), e);
            spill.write_key(r, a, &paired).map_err(io)?;
            if let Some((ts, sv)) = arm_curves {
                curves[a].0.write(r, &ts).map_err(io)?;
                curves[a].1.write(r, &sv).map_err(io)?;
            }
            bar.inc(1);
            Ok::<(), RunError>(())
        },
    );
    simulated.map_err(RunError::Threads)??;
    bar.finish_and_clear();

    let spinner = pipeline::summarising_spinner(req.progress);
    let (mut table, arm_curves) = runner::with_threads(threads, || {
        let table = summarise(&mut spill, req, replications)?;
        let mut arm_curves = Vec::new();
        for (arm, (mut ts, mut sv)) in arms.iter().zip(curves) {
            let onset = arm.scenario.crisis.onset_month;
            arm_curves.push((
                summary::timeseries(&mut ts)?,
                summary::survival(&mut sv, onset)?,
            ));
        }
        Ok::<_, PolarsError>((table, arm_curves))
    })
    .map_err(RunError::Threads)??;
    drop(spill);
    std::fs::remove_dir_all(&scratch).map_err(|e| RunError::Io(scratch.clone(), e))?;
    pipeline::write_table(&mut dir, stem(&req.design), &mut table, req.format)?;
    if compare {
        // The data behind the overlaid charts, as `run` writes it, one block of rows per arm.
        let mut ts = by_arm(req, arm_curves.iter().map(|(ts, _)| ts))?;
        pipeline::write_table(&mut dir, "compare_timeseries", &mut ts, req.format)?;
        let mut sv = by_arm(req, arm_curves.iter().map(|(_, sv)| sv))?;
        pipeline::write_table(&mut dir, "compare_survival", &mut sv, req.format)?;
    }
    let md = dir.file(&format!("{}.md", stem(&req.design)));
    let (title, about) = report_heading(req);
    let text = crate::comparison_tables::markdown_report(&title, &about, &table)?;
    std::fs::write(&md, text).map_err(|e| RunError::Io(md.clone(), e))?;
    spinner.set_message("drawing charts");
    crate::charts::comparison(&mut dir, req, &table).map_err(RunError::Chart)?;
    if compare {
        crate::charts::compare_curves(&mut dir, req, &arm_curves).map_err(RunError::Chart)?;
    }
    spinner.finish_and_clear();

    write_scenario_files(&mut dir, req)?;
    let wall_seconds = started.elapsed().as_secs_f64();
    let used = threads.unwrap_or_else(rayon::current_num_threads);
    write_manifest(&mut dir, req, used, wall_seconds)?;
    // A Ctrl-C during the summary or the charts still means no results.
    if pipeline::cancelled(req.cancel) {
        return Err(RunError::Interrupted);
    }
    let folder = dir.commit()?;
    Ok(ComparisonReport {
        folder,
        table,
        wall_seconds,
        threads_limited: threads.filter(|_| req.threads.is_none()),
    })
}

/// One table of every arm's rows, led by the arm's number and label.
fn by_arm<'a>(
    req: &ComparisonRequest,
    frames: impl Iterator<Item = &'a DataFrame>,
) -> PolarsResult<DataFrame> {
    let mut out: Option<DataFrame> = None;
    for (i, (arm, df)) in req.arms.iter().zip(frames).enumerate() {
        let mut df = df.clone();
        let n = df.height();
        df.insert_column(0, Column::new("label".into(), vec![arm.label.as_str(); n]))?;
        df.insert_column(0, Column::new("arm".into(), vec![i as u32; n]))?;
        match &mut out {
            Some(all) => {
                all.vstack_mut(&df)?;
            }
            None => out = Some(df),
        }
    }
    Ok(out.unwrap_or_default())
}

/// Mean and 95% interval of each outcome per arm and kind, and of its paired difference from the
/// base arm, with the arms' settings as columns.
fn summarise(
    spill: &mut Spill,
    req: &ComparisonRequest,
    replications: u32,
) -> PolarsResult<DataFrame> {
    let t = summary::t975(f64::from(replications) - 1.0);
    let interval = |c: &str, name: &str| {
        let half = lit(t) * col(c).std(1) / col(c).count().cast(DataType::Float64).sqrt();
        [
            col(c).mean().alias(name.to_string()),
            (col(c).mean() - half.clone()).alias(format!("{name}_ci_low")),
            (col(c).mean() + half).alias(format!("{name}_ci_high")),
        ]
    };
    let mut aggregations: Vec<Expr> = Vec::new();
    aggregations.extend(interval("value", "mean"));
    aggregations.extend(interval("difference", "difference"));
    aggregations.push(
        col("value")
            .count()
            .cast(DataType::UInt32)
            .alias("replications"),
    );
    // Each mean's interval is cut at its outcome's range (see `summary::within`). Blocks carry
    // the outcome as its code, its position in OUTCOMES.
    let cut = |column: &str| {
        (0u32..)
            .zip(OUTCOMES)
            .fold(col(column), |rest, (code, o)| {
                when(col("outcome").eq(lit(code)))
                    .then(summary::within(col(column), summary::outcome_range(o)))
                    .otherwise(rest)
            })
            .alias(column)
    };
    let stats = spill.summarise(|lf| {
        lf.group_by([col("arm"), col("kind"), col("outcome")])
            .agg(aggregations.clone())
            .with_columns([cut("mean_ci_low"), cut("mean_ci_high")])
            .sort(["arm", "kind", "outcome"], SortMultipleOptions::default())
    })?;
    let arms = arm_table(req)?;
    let mut columns = vec![col("arm"), col("label")];
    if let Design::Sweep { keys } = &req.design {
        columns.extend(keys.iter().map(|k| col(k.as_str())));
    }
    columns.extend(
        [
            "kind",
            "outcome",
            "mean",
            "mean_ci_low",
            "mean_ci_high",
            "difference",
            "difference_ci_low",
            "difference_ci_high",
            "replications",
        ]
        .map(col),
    );
    stats
        .lazy()
        .join(
            arms.lazy(),
            [col("arm")],
            [col("arm")],
            JoinArgs::new(JoinType::Left),
        )
        .select(columns)
        .collect()
}

/// One row per arm: its number, label and (for sweeps) the value of each varied key.
fn arm_table(req: &ComparisonRequest) -> PolarsResult<DataFrame> {
    let arms = &req.arms;
    let mut columns = vec![
        Column::new("arm".into(), (0..arms.len() as u32).collect::<Vec<_>>()),
        Column::new(
            "label".into(),
            arms.iter().map(|a| a.label.as_str()).collect::<Vec<_>>(),
        ),
    ];
    if let Design::Sweep { keys } = &req.design {
        for key in keys {
            // The value each arm runs with, read from its resolved scenario.
            let values: Vec<String> = arms.iter().map(|a| setting(&a.scenario, key)).collect();
            let numbers: Option<Vec<f64>> = values.iter().map(|v| v.parse::<f64>().ok()).collect();
            columns.push(match numbers {
                Some(n) => Column::new(key.as_str().into(), n),
                None => Column::new(key.as_str().into(), values),
            });
        }
    }
    DataFrame::new_infer_height(columns)
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

/// The Markdown report's title and its line on what was run.
fn report_heading(req: &ComparisonRequest) -> (String, String) {
    let base = &req.arms[0].scenario;
    let title = match &req.design {
        Design::Sweep { keys } => format!("{}: sweep of {}", req.name, keys.join(", ")),
        Design::Compare => {
            let others: Vec<&str> = req.arms[1..].iter().map(|a| a.label.as_str()).collect();
            format!("{} compared with {}", req.name, others.join(", "))
        }
    };
    // Compared scenarios may differ in size and crisis timing; each arm's window outcomes are
    // then over its own window, and the report lists them.
    let reach = |s: &Scenario| {
        let w = crisis_window(s);
        format!(
            "{} and crisis window months {} to {}",
            counted(u64::from(s.population.firms), "firm"),
            w.start,
            w.end - 1
        )
    };
    let alike = req.arms.iter().all(|a| reach(&a.scenario) == reach(base));
    let about = format!(
        "{} x {} (common random numbers, seed {}); {}. `{}.csv` also has each arm's own 95% interval.",
        counted(req.arms.len() as u64, "arm"),
        counted(u64::from(base.replications), "paired replication"),
        base.seed,
        if alike {
            reach(base)
        } else {
            "firms and crisis windows differ between the arms (above): outcomes in the window \
             are over each arm's own window"
                .to_string()
        },
        stem(&req.design),
    );
    // What each compared scenario stands for (a sweep's arms share the base's description), and
    // each arm's size and window when they differ.
    let own_reach = |arm: &Arm| {
        if alike {
            String::new()
        } else {
            reach(&arm.scenario)
        }
    };
    let mut bullets: Vec<(&str, String, String)> = Vec::new();
    match req.design {
        Design::Compare => {
            for arm in &req.arms {
                let d = pipeline::one_line(&arm.scenario.description);
                bullets.push((&arm.label, d, own_reach(arm)));
            }
        }
        Design::Sweep { .. } => {
            let d = pipeline::one_line(&base.description);
            bullets.push((&base.name, d, String::new()));
            for arm in &req.arms {
                bullets.push((&arm.label, String::new(), own_reach(arm)));
            }
        }
    }
    let mut stands_for = String::new();
    for (label, description, reach) in bullets {
        let text = match (description.is_empty(), reach.is_empty()) {
            (true, true) => continue,
            (false, true) => description,
            (true, false) => reach,
            (false, false) => format!("{description} ({reach})"),
        };
        stands_for.push_str(&format!("- `{label}`: {text}\n"));
    }
    if !stands_for.is_empty() {
        stands_for.push('\n');
    }
    (title, format!("{stands_for}{about}"))
}

/// The input of the results, runnable as it stands: a sweep's base scenario with the sweep it ran
/// as its [sweep] table; each compared scenario, numbered as its arm so that the reference still
/// comes first in `scenarios/*.toml`.
fn write_scenario_files(dir: &mut ResultsDir, req: &ComparisonRequest) -> Result<(), RunError> {
    match req.design {
        Design::Sweep { .. } => pipeline::write_scenario_file(
            dir,
            "scenario.toml",
            &req.arms[0].scenario,
            "coopsim sweep scenario.toml",
        ),
        Design::Compare => {
            let width = (req.arms.len() - 1).to_string().len();
            for (i, arm) in req.arms.iter().enumerate() {
                pipeline::write_scenario_file(
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
) -> Result<(), RunError> {
    let base = &req.arms[0].scenario;
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
        threads: usize,
        wall_seconds: f64,
    }
    let manifest = Manifest {
        arms: ArmsJson(&req.arms),
        command: stem(&req.design),
        common_random_numbers: serde_json::json!({
            "seed": base.seed,
            "replications": base.replications,
        }),
        coopsim_version: env!("CARGO_PKG_VERSION"),
        design: match &req.design {
            Design::Sweep { keys } => {
                serde_json::json!({ "sweep": { "design": base.sweep.design, "keys": keys } })
            }
            Design::Compare => serde_json::json!("compare"),
        },
        files: dir.files(),
        name: &req.name,
        threads,
        wall_seconds,
    };
    pipeline::write_json(&path, &manifest)
}

/// The manifest's arms, each serialised on its own when written.
struct ArmsJson<'a>(&'a [Arm]);

impl serde::Serialize for ArmsJson<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().enumerate().map(|(i, a)| {
            let resolved = pipeline::resolved_toml(&a.scenario);
            serde_json::json!({
                "arm": i,
                "label": a.label,
                "settings": a.settings.iter().map(|(k, v)| serde_json::json!({ "key": k, "value": v })).collect::<Vec<_>>(),
                "scenario_hash_fnv1a64": pipeline::fnv1a(&resolved),
                "scenario": a.scenario,
            })
        }))
    }
}
