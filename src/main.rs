//! The `coopsim` binary: parse arguments, dispatch, map errors to exit codes. Exit status 2 means
//! the user's input was wrong (scenario or arguments), 1 that something else failed.

mod cli;

use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

use clap::{CommandFactory, Parser};

use coopsim::output;
use coopsim::pipeline::{self, RunRequest, TableFormat};
use coopsim::scenario::{self, Scenario, ScenarioErrors};

use cli::{Cli, Command, CommonArgs, DesignArg, Format};
use coopsim::comparison::{self, ComparisonRequest, Design};
use coopsim::sweep::{self as arms, Vary};

/// Writes to stdout. A closed pipe (`coopsim ... | head`) ends the output, not the program with a
/// panic: the results folder is already complete by the time anything is printed.
fn emit(text: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let _ = std::io::stdout().lock().write_fmt(text);
}

macro_rules! say {
    ($($t:tt)*) => { emit(format_args!($($t)*)) };
}

macro_rules! sayln {
    ($($t:tt)*) => {{ emit(format_args!($($t)*)); emit(format_args!("\n")); }};
}

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// The flag a run polls between replications, set by the first Ctrl-C (SIGINT) or SIGTERM. A
/// second one ends the process at once, removing the unfinished results folder first, so a folder
/// with the final name is never partial and no staging folder is left behind.
fn interrupt_flag() -> &'static AtomicBool {
    let installed = ctrlc::set_handler(|| {
        if INTERRUPTED.swap(true, Ordering::SeqCst) {
            output::remove_unfinished();
            eprintln!("{}", pipeline::RunError::Interrupted);
            std::process::exit(130);
        }
    });
    if let Err(e) = installed {
        eprintln!("warning: Ctrl-C will not stop the run cleanly: {e}");
    }
    &INTERRUPTED
}

/// glibc gives every thread that allocates its own malloc arena and keeps freed memory in each; as
/// replications stream through the worker threads, peak memory creeps up by tens of MB. Two
/// arenas keep it flat (measured: 60/65/67 MB at 10/100/400 replications, against 61/69/72)
/// at no measurable cost in speed: the model allocates little per month.
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator tunable; it is called before any thread starts.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

fn main() -> ExitCode {
    limit_malloc_arenas();
    let cli = Cli::parse();
    match cli.command {
        Command::Run {
            scenario,
            replications,
            seed,
            threads,
            set,
            out,
            format,
            force,
            no_firms,
            no_control,
            quiet,
        } => {
            let resolved = match resolve(&scenario, replications, seed, &set) {
                Ok(s) => s,
                Err(e) => return user_error(&e),
            };
            if threads == Some(0) {
                eprintln!("error: --threads must be at least 1");
                return ExitCode::from(2);
            }
            let out = out.unwrap_or_else(|| pipeline::default_out(&resolved));
            let format = table_format(format);
            run(RunRequest {
                scenario: resolved,
                threads,
                out,
                format,
                force,
                progress: !quiet,
                cancel: Some(interrupt_flag()),
                firms: !no_firms,
                control: !no_control,
            })
        }
        Command::Check {
            scenario,
            replications,
            seed,
            set,
            format,
        } => match resolve(&scenario, replications, seed, &set) {
            Ok(s) => {
                match format {
                    Format::Toml => say!("{}", pipeline::resolved_toml(&s)),
                    Format::Json => {
                        sayln!(
                            "{}",
                            serde_json::to_string_pretty(&s)
                                .expect("a resolved scenario serialises")
                        )
                    }
                }
                ExitCode::SUCCESS
            }
            Err(e) => user_error(&e),
        },
        Command::Sweep {
            scenario,
            vary,
            design,
            common,
        } => sweep(&scenario, &vary, design, &common),
        Command::Compare { scenarios, common } => compare(&scenarios, &common),
        Command::Validate(args) => validate(&args),
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "coopsim", &mut script);
            say!("{}", String::from_utf8_lossy(&script));
            ExitCode::SUCCESS
        }
        Command::Man { command } => {
            say!("{}", manual_page(command.as_deref()));
            ExitCode::SUCCESS
        }
        Command::Params { filter } => {
            match coopsim::docs::parameters_matching(filter.as_deref().unwrap_or("")) {
                Some(table) => {
                    say!("{table}");
                    ExitCode::SUCCESS
                }
                None => {
                    eprintln!(
                        "error: no parameter key contains `{}`; `coopsim params` lists them all",
                        filter.unwrap_or_default()
                    );
                    ExitCode::from(2)
                }
            }
        }
    }
}

/// The roff of coopsim(1), or of coopsim-<command>(1), the pages coopsim(1) refers to.
fn manual_page(command: Option<&str>) -> String {
    let mut cli = Cli::command().disable_help_subcommand(true);
    // Building names each command's page `coopsim-<command>`.
    cli.build();
    let page = match command {
        None => cli,
        Some(name) => cli
            .find_subcommand(name)
            .expect("clap accepts only the names of commands")
            .clone(),
    };
    let mut roff = Vec::new();
    clap_mangen::Man::new(page)
        .source(format!("coopsim {}", env!("CARGO_PKG_VERSION")))
        .render(&mut roff)
        .expect("writing to memory does not fail");
    String::from_utf8(roff).expect("the page is built from UTF-8 text")
}

fn user_error(e: &ScenarioErrors) -> ExitCode {
    eprint!("{e}");
    ExitCode::from(2)
}

/// The scenario file with command-line overrides applied, validated as a whole.
fn resolve(
    path: &std::path::Path,
    replications: Option<u32>,
    seed: Option<u64>,
    set: &[String],
) -> Result<Scenario, ScenarioErrors> {
    let mut s = scenario::load(path)?;
    if let Some(r) = replications {
        s.replications = r;
    }
    if let Some(seed) = seed {
        s.seed = seed;
    }
    for item in set {
        let Some((key, value)) = item.split_once('=') else {
            let mut e =
                scenario::ScenarioError::read("--set", format!("`{item}` is not KEY=VALUE"));
            e.kind = scenario::ScenarioErrorKind::Type;
            return Err(e.into());
        };
        scenario::apply_override(&mut s, key.trim(), value.trim(), "--set")?;
    }
    if s.name.is_empty() {
        s.name = scenario::default_name(path);
    }
    scenario::check(
        &s,
        None,
        &format!("{} (with command-line overrides)", path.display()),
    )?;
    note_cut_window(&s.name, &s);
    Ok(s)
}

/// Says when the horizon ends before the crisis path does, so outcomes "in the window" stop early.
/// `who` is the scenario's name, or a sweep arm.
fn note_cut_window(who: &str, s: &Scenario) {
    if let Some(end) = coopsim::model::crisis_cut_by_horizon(s) {
        eprintln!(
            "note: {who}: the crisis path runs to month {} but the horizon ends at month {}; \
             outcomes in the crisis window stop there (`months` = {end} or more would cover it)",
            end - 1,
            s.months - 1
        );
    }
}

fn run(request: RunRequest) -> ExitCode {
    match pipeline::run(&request) {
        Ok(report) => {
            let s = &request.scenario;
            note_threads(report.threads_limited);
            let w = coopsim::model::crisis_window(s);
            sayln!(
                "{}: {} of {} in {:.1} s; crisis window months {}-{}",
                s.name,
                output::counted(u64::from(s.replications), "replication"),
                output::counted(u64::from(s.population.firms), "firm"),
                report.wall_seconds,
                w.start,
                w.end - 1
            );
            sayln!("mean across replications [95% confidence interval]\n");
            match pipeline::headline_text(&report.headline) {
                Ok(text) => say!("{text}"),
                Err(e) => eprintln!("warning: cannot print the headline: {e}"),
            }
            if let Some(note) = report.control.note() {
                sayln!("\n{note}");
            }
            sayln!("\nresults: {}", report.folder.display());
            ExitCode::SUCCESS
        }
        Err(e) => failed(&e),
    }
}

/// Says when a run had to use fewer threads than the machine has, to fit in memory.
fn note_threads(limited: Option<usize>) {
    if let Some(n) = limited {
        eprintln!("note: ran on {n} threads so that the replications in flight fit in memory");
    }
}

/// The message and exit status of a run, sweep or comparison that did not finish: 130 when
/// interrupted, 2 for what the user can change (an existing folder, a run too large), 1 otherwise.
fn failed(e: &pipeline::RunError) -> ExitCode {
    match e {
        pipeline::RunError::Interrupted => {
            eprintln!("{e}");
            ExitCode::from(130)
        }
        pipeline::RunError::Output(output::OutputError::Exists(_))
        | pipeline::RunError::Output(output::OutputError::NotResults(..))
        | pipeline::RunError::Output(output::OutputError::ThroughFile(..))
        | pipeline::RunError::TooLarge(_) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
        _ => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn table_format(f: cli::TableFormat) -> TableFormat {
    match f {
        cli::TableFormat::Csv => TableFormat::Csv,
        cli::TableFormat::Parquet => TableFormat::Parquet,
        cli::TableFormat::Both => TableFormat::Both,
    }
}

fn sweep(
    path: &std::path::Path,
    vary: &[String],
    design: Option<DesignArg>,
    common: &CommonArgs,
) -> ExitCode {
    let mut base = match resolve(path, common.replications, common.seed, &common.set) {
        Ok(s) => s,
        Err(e) => return user_error(&e),
    };
    if let Some(d) = design {
        base.sweep.design = match d {
            DesignArg::Grid => scenario::SweepDesign::Grid,
            DesignArg::Oat => scenario::SweepDesign::Oat,
        };
    }
    let (specs, origin) = if vary.is_empty() {
        (
            base.sweep.vary.clone(),
            format!("{} (sweep.vary)", path.display()),
        )
    } else {
        // The base records the sweep it runs, so the results folder's copy reruns this sweep.
        base.sweep.vary = vary.to_vec();
        (vary.to_vec(), "--vary".to_string())
    };
    let mut parsed = Vec::new();
    for spec in &specs {
        match Vary::parse(spec) {
            Ok(v) => parsed.push(v),
            Err(e) => return user_error(&e.into_scenario_error(&origin).into()),
        }
    }
    let arm_list = match arms::sweep_arms(&base, &parsed, base.sweep.design, &origin) {
        Ok(a) => a,
        Err(e) => return user_error(&e),
    };
    // The base's note came with resolving it; an arm whose own settings cut its window gets one.
    let base_window = coopsim::model::crisis_window(&base);
    for arm in arm_list.iter().skip(1) {
        if coopsim::model::crisis_window(&arm.scenario) != base_window {
            note_cut_window(&format!("{}, arm {}", base.name, arm.label), &arm.scenario);
        }
    }
    let keys = parsed.iter().map(|v| v.key.clone()).collect();
    let design = Design::Sweep { keys };
    run_comparison(base.name.clone(), design, arm_list, common)
}

fn compare(paths: &[std::path::PathBuf], common: &CommonArgs) -> ExitCode {
    let mut scenarios = Vec::new();
    for path in paths {
        match resolve(path, common.replications, common.seed, &common.set) {
            Ok(s) => scenarios.push((path.display().to_string(), s)),
            Err(e) => return user_error(&e),
        }
    }
    let name = scenarios[0].1.name.clone();
    for note in arms::overridden_by_first(&scenarios) {
        eprintln!("note: {note}");
    }
    match arms::compare_arms(scenarios) {
        Ok(arm_list) => run_comparison(name, Design::Compare, arm_list, common),
        Err(e) => user_error(&e),
    }
}

fn run_comparison(
    name: String,
    design: Design,
    arm_list: Vec<arms::Arm>,
    common: &CommonArgs,
) -> ExitCode {
    if common.threads == Some(0) {
        eprintln!("error: --threads must be at least 1");
        return ExitCode::from(2);
    }
    let out = common
        .out
        .clone()
        .unwrap_or_else(|| comparison::default_out(&name, &design));
    let request = ComparisonRequest {
        name,
        design,
        arms: arm_list,
        threads: common.threads,
        out,
        format: table_format(common.format),
        force: common.force,
        progress: !common.quiet,
        cancel: Some(interrupt_flag()),
    };
    match comparison::run(&request) {
        Ok(report) => {
            let base = &request.arms[0].scenario;
            note_threads(report.threads_limited);
            sayln!(
                "{}: {} x {} (common random numbers, seed {}) in {:.1} s",
                request.name,
                output::counted(request.arms.len() as u64, "arm"),
                output::counted(u64::from(base.replications), "replication"),
                base.seed,
                report.wall_seconds
            );
            let md = format!("{}.md", comparison::stem(&request.design));
            match coopsim::comparison_tables::summary_text(&report.table, &md) {
                Ok(text) => say!("\n{text}"),
                Err(e) => eprintln!("warning: cannot print the summary: {e}"),
            }
            sayln!("\nresults: {}", report.folder.display());
            ExitCode::SUCCESS
        }
        Err(e) => failed(&e),
    }
}

fn validate(o: &cli::ValidateArgs) -> ExitCode {
    use coopsim::validation::{self, ValidationRequest};
    let path = o
        .targets
        .as_deref()
        .unwrap_or(std::path::Path::new("validation/targets.toml"));
    if o.threads == Some(0) {
        eprintln!("error: --threads must be at least 1");
        return ExitCode::from(2);
    }
    if o.replications.is_some_and(|r| r < 2) {
        eprintln!("error: --replications must be at least 2 (an interval needs two replications)");
        return ExitCode::from(2);
    }
    let targets = match coopsim::targets::load(path) {
        Ok(t) => t,
        Err(e) => return user_error(&e),
    };
    let scenarios = match validation::resolve_scenarios(&targets, o.seed, o.replications) {
        Ok(s) => s,
        Err(e) => return user_error(&e),
    };
    let targets_text = std::fs::read_to_string(path).unwrap_or_default();
    let request = ValidationRequest {
        targets,
        targets_text,
        scenarios,
        threads: o.threads,
        out: o
            .out
            .clone()
            .unwrap_or_else(|| std::path::Path::new("output").join("validation")),
        force: o.force,
        progress: !o.quiet,
        cancel: Some(interrupt_flag()),
    };
    match validation::run(&request) {
        Ok(report) => {
            note_threads(report.threads_limited);
            let t = &request.targets;
            let s = &request.scenarios[0];
            let targets_met = validation::targets_met(&report.rows, t.targets.len());
            sayln!(
                "{}: {} targets, {} measures; {} of {} (common random numbers, seed {}) in {:.1} s",
                t.origin,
                t.targets.len(),
                report.rows.len(),
                output::counted(u64::from(s.replications), "replication"),
                output::counted(t.scenarios.len() as u64, "scenario"),
                s.seed,
                report.wall_seconds
            );
            sayln!("model: mean across replications [95% confidence interval]\n");
            let header = ["id", "measure", "band", "model", "", ""].map(String::from);
            let rows = validation::text_rows(t, &report.rows);
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
                "\n{targets_met} of {} targets met ({} of {} measures)",
                t.targets.len(),
                report.rows.iter().filter(|r| r.met).count(),
                report.rows.len()
            );
            sayln!("results: {}", report.folder.display());
            if report.all_met() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => failed(&e),
    }
}
