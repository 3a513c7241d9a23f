//! The `run` command's pipeline: scenario -> replications in parallel -> polars summary -> one
//! self-describing results folder. Data flows one way; the model never sees a path.
//!
//! Unless told not to, each replication is paired with the same replication of the scenario's
//! control (`Scenario::without_shock`: same seed and firms, no shock), and the crisis effect
//! (baseline minus control, `analysis::effect`) is folded into running means as each pair
//! finishes, beside the levels.

use std::fs::File;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use polars::prelude::*;

use polars::io::parquet::write::BatchedWriter;

use crate::analysis::effect::{self, CrisisEffect, GROUPS, Measure, PairedEffect};
use crate::budget;
use crate::charts;
use crate::model::{ReplicationResult, run_replication};
use crate::outcomes::{self, SurvivalCounts};
use crate::output::{OutputError, ResultsDir, counted};
use crate::runner::{self, EnsembleOptions, PoolError};
use crate::scenario::{Kind, Scenario};
use crate::summary::{self, HEADLINE, Spill};

/// Which table formats to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableFormat {
    Csv,
    Parquet,
    Both,
}

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

#[derive(Debug)]
pub enum RunError {
    Output(OutputError),
    /// Stopped by the user (Ctrl-C or SIGTERM) before the results were complete.
    Interrupted,
    Summary(PolarsError),
    Threads(PoolError),
    Io(PathBuf, std::io::Error),
    Chart(charts::ChartError),
    /// The run would not fit in memory; nothing was started.
    TooLarge(budget::TooLarge),
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunError::Output(e) => write!(f, "{e}"),
            RunError::Interrupted => write!(
                f,
                "interrupted: no results were written (an existing results folder is untouched)"
            ),
            RunError::Summary(e) => write!(f, "summarising the replications failed: {e}"),
            RunError::Threads(e) => write!(f, "{e}"),
            RunError::Io(p, e) => write!(f, "cannot write {}: {e}", p.display()),
            RunError::Chart(e) => write!(f, "{e}"),
            RunError::TooLarge(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for RunError {}

impl From<OutputError> for RunError {
    fn from(e: OutputError) -> Self {
        RunError::Output(e)
    }
}

impl From<PolarsError> for RunError {
    fn from(e: PolarsError) -> Self {
        RunError::Summary(e)
    }
}

/// A progress bar on stderr over `total` units (e.g. "replications"), or a hidden one when
/// stderr is not a terminal or progress is off.
pub(crate) fn progress_bar(enabled: bool, total: u32, unit: &str) -> ProgressBar {
    if !enabled || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(u64::from(total)), ProgressDrawTarget::stderr());
    let template = format!("{{msg}} [{{wide_bar}}] {{pos}}/{{len}} {unit}, ETA {{eta}}");
    bar.set_style(
        ProgressStyle::with_template(&template)
            .expect("the template is valid")
            .progress_chars("=> "),
    );
    bar.set_message("simulating");
    bar
}

/// One replication reduced to the numbers the summary needs (built on the worker that ran it).
struct Reduced {
    replication: u32,
    timeseries: Vec<f64>,
    survival: Vec<f64>,
    fragility: Vec<f64>,
    headline: Vec<f64>,
    firms: Option<DataFrame>,
}

fn reduce(
    s: &Scenario,
    r: &ReplicationResult,
    counts: &SurvivalCounts,
    with_firms: bool,
) -> PolarsResult<Reduced> {
    let base = s.crisis.onset_month.saturating_sub(1) as usize;
    let quintiles = outcomes::fragility_quintiles(s, &r.firms);
    let inputs = Kind::ALL.map(|k| outcomes::kind_headline(s, &r.months, counts, &quintiles, k));
    Ok(Reduced {
        replication: r.replication,
        timeseries: summary::timeseries_values(&r.months, base),
        survival: summary::survival_values(counts),
        fragility: summary::fragility_values(&quintiles),
        headline: summary::headline_values(&inputs),
        firms: if with_firms {
            Some(summary::firms_frame(
                r.replication,
                &r.firms,
                &r.conversions,
                &quintiles,
            )?)
        } else {
            None
        },
    })
}

/// Replication `r` of `s` reduced on the worker that ran it, and with a `control` (the scenario
/// without its shock) its crisis effect. The control runs first and is reduced at once to what the
/// pairing reads (its months and survival), so a worker holds one whole replication at a time
/// (`budget::Unit::WithControl`).
fn simulate(
    s: &Scenario,
    control: Option<&Scenario>,
    r: u32,
    options: crate::model::RunOptions,
    with_firms: bool,
) -> (PolarsResult<Reduced>, Option<PairedEffect>) {
    let control = control.map(|c| {
        let result = run_replication(c, r, options);
        let counts = outcomes::survival_counts(c, &result.firms);
        (result.months, effect::survival_to_window_end(c, &counts))
    });
    let result = run_replication(s, r, options);
    let counts = outcomes::survival_counts(s, &result.firms);
    let paired = control.map(|(months, survival)| {
        let base = effect::Side {
            months: &result.months,
            survival_to_window_end: effect::survival_to_window_end(s, &counts),
        };
        let control = effect::Side {
            months: &months,
            survival_to_window_end: survival,
        };
        effect::paired(s, &base, &control)
    });
    (reduce(s, &result, &counts, with_firms), paired)
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

    fn write(&mut self, r: Reduced) -> PolarsResult<()> {
        self.timeseries.write(r.replication, &r.timeseries)?;
        self.survival.write(r.replication, &r.survival)?;
        self.fragility.write(r.replication, &r.fragility)?;
        self.headline.write(r.replication, &r.headline)?;
        if let (Some((path, writer)), Some(frame)) = (&mut self.firms, r.firms) {
            if writer.is_none() {
                *writer = Some(ParquetWriter::new(File::create(&*path)?).batched(frame.schema())?);
            }
            writer
                .as_mut()
                .expect("created above")
                .write_batch(&frame)?;
        }
        Ok(())
    }
}

/// The threads a run will use, decided before anything is written: a run whose memory estimate
/// exceeds what is available is refused, or, when no thread count was asked for, given fewer
/// threads (each holds one replication).
pub(crate) fn fit_threads<'a>(
    scenarios: impl IntoIterator<Item = &'a Scenario> + Clone,
    unit: budget::Unit,
    threads: Option<usize>,
    firm_table: bool,
) -> Result<Option<usize>, RunError> {
    match budget::available_memory() {
        Some(available) => budget::fit_threads(
            scenarios,
            unit,
            threads,
            rayon::current_num_threads(),
            firm_table,
            available,
        )
        .map(|fitted| fitted.or(threads))
        .map_err(RunError::TooLarge),
        None => Ok(threads),
    }
}

/// Whether the user asked to stop.
pub(crate) fn cancelled(cancel: Option<&AtomicBool>) -> bool {
    cancel.is_some_and(|c| c.load(Ordering::Relaxed))
}

pub fn run(req: &RunRequest) -> Result<RunReport, RunError> {
    let started = Instant::now();
    let s = &req.scenario;
    let control_status = Control::of(req);
    let control = (control_status == Control::Paired).then(|| s.without_shock());
    let unit = match control {
        Some(_) => budget::Unit::WithControl,
        None => budget::Unit::OneScenario,
    };
    let threads = fit_threads([s], unit, req.threads, req.firms)?;
    let mut dir = ResultsDir::begin(&req.out, req.force)?;
    let scratch = dir.scratch("spill");
    std::fs::create_dir_all(&scratch).map_err(|e| RunError::Io(scratch.clone(), e))?;
    let firms_path = req.firms.then(|| dir.file("firms.parquet"));
    let mut spills =
        Spills::create(&scratch, s, firms_path).map_err(|e| RunError::Io(scratch.clone(), e))?;
    let bar = progress_bar(req.progress, s.replications, "replications");
    if control.is_some() {
        bar.set_message("simulating, each beside its control");
    }

    let options = runner::run_options(
        s,
        EnsembleOptions {
            threads,
            record_firms: true,
        },
    );
    let with_firms = req.firms;
    let mut crisis_effect = control.as_ref().map(|_| CrisisEffect::new(s));
    let simulated = runner::run_jobs_streaming(
        s.replications,
        threads,
        |r| simulate(s, control.as_ref(), r, options, with_firms),
        |_, (reduced, paired)| {
            if cancelled(req.cancel) {
                return Err(RunError::Interrupted);
            }
            spills.write(reduced?)?;
            if let (Some(e), Some(p)) = (&mut crisis_effect, paired) {
                e.push(&p);
            }
            bar.inc(1);
            Ok::<(), RunError>(())
        },
    );
    simulated.map_err(RunError::Threads)??;
    if let Some((_, Some(writer))) = &spills.firms {
        writer.finish()?;
    }
    bar.finish_and_clear();
    let summarising = summarising_spinner(req.progress);
    let summary_started = Instant::now();
    let (timeseries, survival, fragility, headline, monthly_effect) =
        runner::with_threads(threads, || {
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
                headline = with_effect_columns(&headline, e)?;
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
            let md = dir.file("headline.md");
            let text = headline_markdown(s, &headline, crisis_effect.as_ref(), control_status)?;
            std::fs::write(&md, text).map_err(|e| RunError::Io(md.clone(), e))?;
            Ok::<_, RunError>((timeseries, survival, fragility, headline, monthly_effect))
        })
        .map_err(RunError::Threads)??;
    let summary_seconds = summary_started.elapsed().as_secs_f64();
    drop(spills);
    std::fs::remove_dir_all(&scratch).map_err(|e| RunError::Io(scratch.clone(), e))?;

    summarising.set_message("drawing charts");
    let chart_data = charts::ChartData {
        scenario: s,
        timeseries: &timeseries,
        survival: &survival,
        fragility: &fragility,
        employment_vs_control: monthly_effect.as_ref(),
    };
    charts::draw_all(&mut dir, &chart_data).map_err(RunError::Chart)?;
    summarising.finish_and_clear();

    write_scenario_file(&mut dir, "scenario.toml", s, "coopsim run scenario.toml")?;
    let wall_seconds = started.elapsed().as_secs_f64();
    let used = threads.unwrap_or_else(rayon::current_num_threads);
    let manifest = Manifest {
        threads: used,
        wall_seconds,
        summary_seconds,
        control: control_status,
        control_scenario: control.as_ref(),
    };
    write_manifest(&mut dir, req, &manifest)?;
    // A Ctrl-C during the summary or the charts still means no results.
    if cancelled(req.cancel) {
        return Err(RunError::Interrupted);
    }
    let folder = dir.commit()?;
    Ok(RunReport {
        folder,
        headline,
        wall_seconds,
        summary_seconds,
        threads_limited: threads.filter(|_| req.threads.is_none()),
        control: control_status,
    })
}

/// The headline with the crisis effect's columns beside the levels: for each measure,
/// `crisis_effect_<id>_mean`, `_ci_low` and `_ci_high`, on each kind's row.
fn with_effect_columns(headline: &DataFrame, e: &CrisisEffect) -> PolarsResult<DataFrame> {
    let kinds = headline.column("kind")?.str()?.clone();
    let groups: Vec<Option<usize>> = kinds
        .iter()
        .map(|k| Kind::ALL.iter().position(|x| Some(x.name()) == k))
        .collect();
    let mut out = headline.clone();
    for m in Measure::ALL {
        let estimates: Vec<Option<crate::analysis::Estimate>> = groups
            .iter()
            .map(|g| g.map(|g| e.estimate(g, m).0))
            .collect();
        let stat = |f: fn(&crate::analysis::Estimate) -> f64| -> Vec<Option<f64>> {
            estimates
                .iter()
                .map(|e| e.as_ref().map(f).filter(|v| v.is_finite()))
                .collect()
        };
        for (suffix, values) in [
            ("mean", stat(|e| e.mean)),
            ("ci_low", stat(|e| e.low)),
            ("ci_high", stat(|e| e.high)),
        ] {
            let name = format!("{}_{suffix}", effect_column(m));
            out.with_column(Column::new(name.into(), values))?;
        }
    }
    Ok(out)
}

/// The stem of a crisis-effect measure's columns in the headline.
pub fn effect_column(m: Measure) -> String {
    format!("crisis_effect_{}", m.id())
}

pub(crate) fn summarising_spinner(enabled: bool) -> ProgressBar {
    if !enabled || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let spinner = ProgressBar::new_spinner();
    spinner.set_message("summarising");
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    spinner
}

pub(crate) fn write_table(
    dir: &mut ResultsDir,
    stem: &str,
    df: &mut DataFrame,
    format: TableFormat,
) -> Result<(), RunError> {
    if matches!(format, TableFormat::Csv | TableFormat::Both) {
        let path = dir.file(&format!("{stem}.csv"));
        let mut file = File::create(&path).map_err(|e| RunError::Io(path.clone(), e))?;
        CsvWriter::new(&mut file).finish(df)?;
    }
    if matches!(format, TableFormat::Parquet | TableFormat::Both) {
        let path = dir.file(&format!("{stem}.parquet"));
        let file = File::create(&path).map_err(|e| RunError::Io(path.clone(), e))?;
        ParquetWriter::new(file).finish(df)?;
    }
    Ok(())
}

/// Titles and scale of the headline outcomes, in `HEADLINE` order.
const HEADLINE_LABELS: [(&str, f64); 10] = [
    ("survival to end of crisis window, %", 100.0),
    ("exit hazard in crisis, %/month", 100.0),
    ("hazard ratio vs conventional", 1.0),
    ("employment, pre-crisis to trough, %", 100.0),
    ("pay per worker, pre-crisis to trough, %", 100.0),
    ("reserves / assets at onset, %", 100.0),
    ("reserves / assets change in window, pp", 100.0),
    ("debt / assets at onset, %", 100.0),
    ("debt / assets change in window, pp", 100.0),
    ("exits among most fragile fifth, %", 100.0),
];

/// "mean [ci_low, ci_high]" for headline outcome `name` of row `row`, scaled.
pub fn headline_cell(df: &DataFrame, name: &str, row: usize, scale: f64) -> PolarsResult<String> {
    let get = |suffix: &str| -> PolarsResult<Option<f64>> {
        Ok(df
            .column(&format!("{name}_{suffix}"))?
            .f64()?
            .get(row)
            .map(|v| v * scale))
    };
    Ok(match (get("mean")?, get("ci_low")?, get("ci_high")?) {
        (Some(m), Some(lo), Some(hi)) => format!("{m:.2} [{lo:.2}, {hi:.2}]"),
        (Some(m), _, _) => format!("{m:.2}"),
        _ => "n/a".to_string(),
    })
}

fn headline_markdown(
    s: &Scenario,
    df: &DataFrame,
    effect: Option<&CrisisEffect>,
    control: Control,
) -> PolarsResult<String> {
    let w = crate::model::crisis_window(s);
    let mut out = format!("# {}: how each kind came through the crisis\n\n", s.name);
    let description = one_line(&s.description);
    if !description.is_empty() {
        out.push_str(&format!("{}.\n\n", description.trim_end_matches('.')));
    }
    out.push_str(&format!(
        "{} of {} (seed {}); crisis window months {} to {}. Each cell is the mean \
         across replications with its 95% confidence interval in brackets; `headline.csv` also has \
         the 5% and 95% quantiles across replications.\n\n| kind |",
        counted(u64::from(s.replications), "replication"),
        counted(u64::from(s.population.firms), "firm"),
        s.seed,
        w.start,
        w.end - 1
    ));
    for (label, _) in HEADLINE_LABELS {
        out.push_str(&format!(" {label} |"));
    }
    out.push_str("\n|---|");
    out.push_str(&"---:|".repeat(HEADLINE_LABELS.len()));
    out.push('\n');
    let kinds = df.column("kind")?.str()?.clone();
    for row in 0..df.height() {
        out.push_str(&format!("| {} |", kinds.get(row).unwrap_or("")));
        for (name, (_, scale)) in HEADLINE.iter().zip(HEADLINE_LABELS) {
            out.push_str(&format!(" {} |", headline_cell(df, name, row, scale)?));
        }
        out.push('\n');
    }
    let Some(e) = effect else {
        if let Some(note) = control.note() {
            out.push_str(&format!("\nNote: {note}.\n"));
        }
        return Ok(out);
    };
    out.push_str(
        "\n## Crisis effect: against the control\n\nEach cell is the mean across replications of \
         the paired difference between this scenario and its control, the same replication with \
         the shock removed (same seed, firms and random streams; every crisis and austerity depth \
         and credit-crunch change set to 0, the timing kept), with its 95% confidence interval. \
         Employment and pay are against the control relative to the month before onset; the worst \
         month is the crisis-window month where the mean shortfall is deepest. \
         `crisis_effect.csv` has the same numbers, `crisis_effect_monthly.csv` the employment \
         path month by month.\n\n| kind |",
    );
    for m in Measure::ALL {
        out.push_str(&format!(" {} |", m.label()));
    }
    out.push_str("\n|---|");
    out.push_str(&"---:|".repeat(Measure::ALL.len()));
    out.push('\n');
    for g in 0..GROUPS {
        let name = effect::group_kind(g).map_or("all firms", Kind::name);
        out.push_str(&format!("| {name} |"));
        for m in Measure::ALL {
            let (estimate, month) = e.estimate(g, m);
            let at = month.map_or(String::new(), |t| format!(" in month {t}"));
            out.push_str(&format!(" {}{at} |", estimate_cell(&estimate)));
        }
        out.push('\n');
    }
    Ok(out)
}

/// "mean [ci_low, ci_high]" of an estimate, as `headline_cell` writes a headline outcome.
fn estimate_cell(e: &crate::analysis::Estimate) -> String {
    match (e.mean, e.low, e.high) {
        (m, lo, hi) if m.is_finite() && lo.is_finite() && hi.is_finite() => {
            format!("{m:.2} [{lo:.2}, {hi:.2}]")
        }
        (m, _, _) if m.is_finite() => format!("{m:.2}"),
        _ => "n/a".to_string(),
    }
}

/// `text` on one line (a multi-line TOML string would break a Markdown paragraph or list item).
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The plain-text headline printed at the end of a run: one line per outcome, one column per kind
/// (a kind the run had no firms of, all n/a, is left out); then, when the headline has them, the
/// crisis effect's lines in a block of their own.
pub fn headline_text(df: &DataFrame) -> PolarsResult<String> {
    let kinds = df.column("kind")?.str()?.clone();
    let levels: Vec<(&str, &str, f64)> = HEADLINE
        .iter()
        .zip(HEADLINE_LABELS)
        .map(|(name, (label, scale))| (label, *name, scale))
        .collect();
    let effect_columns: Vec<String> = Measure::ALL.iter().map(|m| effect_column(*m)).collect();
    let effects: Vec<(&str, &str, f64)> = if has_effect(df) {
        Measure::ALL
            .iter()
            .zip(&effect_columns)
            .map(|(m, column)| (m.label(), column.as_str(), 1.0))
            .collect()
    } else {
        Vec::new()
    };
    let mut columns = Vec::new();
    for row in 0..df.height() {
        let mut cells = Vec::new();
        for (_, name, scale) in levels.iter().chain(&effects) {
            cells.push(headline_cell(df, name, row, *scale)?);
        }
        if cells[..levels.len()].iter().any(|c| c != "n/a") {
            columns.push((kinds.get(row).unwrap_or(""), cells));
        }
    }
    let width = levels
        .iter()
        .chain(&effects)
        .map(|(label, _, _)| label.chars().count())
        .fold(40, usize::max);
    let mut out = format!("{:<width$}", "");
    for (kind, _) in &columns {
        out.push_str(&format!(" {kind:>22}"));
    }
    out.push('\n');
    for (i, (label, _, _)) in levels.iter().chain(&effects).enumerate() {
        if i == levels.len() {
            out.push_str(
                "\ncrisis effect: this scenario minus its control (the same replications without \
                 the shock)\n",
            );
        }
        out.push_str(&format!("{label:<width$}"));
        for (_, cells) in &columns {
            out.push_str(&format!(" {:>22}", cells[i]));
        }
        out.push('\n');
    }
    Ok(out)
}

/// Whether a headline table carries the crisis effect's columns.
pub fn has_effect(df: &DataFrame) -> bool {
    Measure::ALL
        .iter()
        .all(|m| df.column(&format!("{}_mean", effect_column(*m))).is_ok())
}

/// FNV-1a 64: a stable content hash of the resolved scenario (not cryptographic).
pub fn fnv1a(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// The resolved scenario as TOML: every parameter written out. The manifests' scenario hashes
/// are taken of this text.
pub fn resolved_toml(s: &Scenario) -> String {
    toml::to_string(s).expect("a resolved scenario serialises")
}

/// Writes `s` resolved into the results folder as `name`, a scenario file that runs again as it
/// stands, so a folder carries the exact input of its results. `again` is the command that
/// reruns it, from inside the folder.
pub(crate) fn write_scenario_file(
    dir: &mut ResultsDir,
    name: &str,
    s: &Scenario,
    again: &str,
) -> Result<(), RunError> {
    let path = dir.file(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| RunError::Io(parent.to_path_buf(), e))?;
    }
    let text = format!(
        "# `{}`: the input of the results in this folder (coopsim {}), every parameter resolved:\n\
         # the file's values, --set overrides and defaults. `{again}` runs it again with the same\n\
         # results. manifest.json's scenario_hash_fnv1a64 is the hash of the text below this comment.\n\n{}",
        s.name,
        env!("CARGO_PKG_VERSION"),
        resolved_toml(s)
    );
    std::fs::write(&path, text).map_err(|e| RunError::Io(path.clone(), e))
}

/// What the manifest records of the run beside its request.
struct Manifest<'a> {
    threads: usize,
    wall_seconds: f64,
    summary_seconds: f64,
    control: Control,
    /// The control that ran, when one did.
    control_scenario: Option<&'a Scenario>,
}

fn write_manifest(dir: &mut ResultsDir, req: &RunRequest, m: &Manifest) -> Result<(), RunError> {
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
        "seed": s.seed,
        "replications": s.replications,
        "threads": threads,
        "wall_seconds": wall_seconds,
        "summary_seconds": summary_seconds,
        "firms_table": req.firms,
        "control": control,
        "files": dir.files(),
    });
    write_json(&path, &manifest)
}

/// Writes `value` as pretty-printed JSON and a final newline, streamed to the file (a sweep's
/// manifest of thousands of arms is never held whole).
pub(crate) fn write_json(path: &Path, value: &impl serde::Serialize) -> Result<(), RunError> {
    let io = |e| RunError::Io(path.to_path_buf(), e);
    let mut file = std::io::BufWriter::new(File::create(path).map_err(io)?);
    serde_json::to_writer_pretty(&mut file, value).map_err(|e| io(e.into()))?;
    writeln!(file).and_then(|()| file.flush()).map_err(io)
}

/// The default results folder for a scenario: `output/<name>`.
pub fn default_out(s: &Scenario) -> PathBuf {
    Path::new("output").join(&s.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_printed_headline_leaves_out_a_kind_the_run_had_no_firms_of() {
        // Two kinds: conventional with values, worker co-ops with none (not in the mix).
        let mut columns = vec![Column::new("kind".into(), ["conventional", "worker_coop"])];
        for name in HEADLINE {
            for suffix in ["mean", "ci_low", "ci_high"] {
                let values = [Some(0.5), None];
                columns.push(Column::new(format!("{name}_{suffix}").into(), values));
            }
        }
        let df = DataFrame::new_infer_height(columns).unwrap();
        let text = headline_text(&df).unwrap();
        let header = text.lines().next().unwrap();
        assert_eq!(
            header.split_whitespace().collect::<Vec<_>>(),
            ["conventional"]
        );
        assert!(!text.contains("n/a"), "{text}");
        assert_eq!(text.lines().count(), 1 + HEADLINE.len());
    }
}
