//! The `coopsim` binary: parse arguments, dispatch to the command, map what it returns to an
//! exit status. Exit status 0 means success, 1 that something failed (or, for `validate`, that a
//! target was missed), 2 that the user's input was wrong (scenario, targets or arguments), 130
//! that the run was interrupted.

mod cli;
mod slurm;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use clap::{CommandFactory, Parser};

use coopsim::commands::{self, Common, Failure, Finished, Parts};
use coopsim::experiment::units::{ShardSet, UnitsError};
use coopsim::output;
use coopsim::present::TableFormat;
use coopsim::scenario::{SensitivityMethod, SweepDesign};

use cli::{Cli, Command, CommonArgs, DesignArg, Format, MethodArg, PartArgs};

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// The flag a run polls between replications, set by the first Ctrl-C (SIGINT) or SIGTERM. A
/// second one ends the process at once, removing the unfinished results folder first, so a folder
/// with the final name is never partial and no staging folder is left behind.
fn interrupt_flag() -> &'static AtomicBool {
    let installed = ctrlc::set_handler(|| {
        if INTERRUPTED.swap(true, Ordering::SeqCst) {
            output::remove_unfinished();
            eprintln!("{}", commands::Error::Interrupted);
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
    let parts = Parts {
        command: std::env::args().skip(1).collect(),
        directory: std::env::current_dir().unwrap_or_default(),
        ..Parts::default()
    };
    exit_status(dispatch(cli.command, parts))
}

/// The exit status of what a command returned.
fn exit_status(finished: Result<Finished, Failure>) -> ExitCode {
    match finished {
        Ok(Finished::Success) => ExitCode::SUCCESS,
        Ok(Finished::TargetsMissed) => ExitCode::FAILURE,
        Err(Failure::Input(e)) => {
            eprint!("{e}");
            ExitCode::from(2)
        }
        Err(Failure::Usage(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
        Err(Failure::Run(e)) => failed(&e),
    }
}

/// Runs a command. `parts` says which of its plan's units run and where they are kept; a command
/// line's own `--shard` and `--resume` are added to it.
fn dispatch(command: Command, parts: Parts) -> Result<Finished, Failure> {
    let with = |p: PartArgs| Parts {
        shard: p.shard,
        resume: p.resume,
        ..parts.clone()
    };
    match command {
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
            parts: p,
        } => commands::run::execute(commands::run::Options {
            scenario,
            replications,
            seed,
            threads,
            set,
            out,
            format: table_format(format),
            force,
            progress: !quiet,
            cancel: Some(interrupt_flag()),
            firms: !no_firms,
            control: !no_control,
            parts: with(p),
        }),
        Command::Check {
            scenario,
            replications,
            seed,
            set,
            format,
        } => commands::check::execute(&commands::check::Options {
            scenario,
            replications,
            seed,
            set,
            format: match format {
                Format::Toml => commands::check::Format::Toml,
                Format::Json => commands::check::Format::Json,
            },
        }),
        Command::Sweep {
            scenario,
            vary,
            design,
            common,
        } => commands::sweep::execute(commands::sweep::Options {
            scenario,
            vary,
            design: design.map(|d| match d {
                DesignArg::Grid => SweepDesign::Grid,
                DesignArg::Oat => SweepDesign::Oat,
            }),
            common: common_options(common, &parts),
        }),
        Command::Sensitivity {
            scenario,
            vary,
            method,
            samples,
            levels,
            outcome,
            common,
        } => commands::sensitivity::execute(commands::sensitivity::Options {
            scenario,
            vary,
            method: method.map(|m| match m {
                MethodArg::Morris => SensitivityMethod::Morris,
                MethodArg::Sobol => SensitivityMethod::Sobol,
                MethodArg::Lhs => SensitivityMethod::Lhs,
            }),
            samples,
            levels,
            outcomes: outcome,
            common: common_options(common, &parts),
        }),
        Command::Compare { scenarios, common } => {
            commands::compare::execute(commands::compare::Options {
                scenarios,
                common: common_options(common, &parts),
            })
        }
        Command::Validate(o) => commands::validate::execute(commands::validate::Options {
            targets: o.targets,
            replications: o.replications,
            seed: o.seed,
            threads: o.threads,
            out: o.out,
            force: o.force,
            progress: !o.quiet,
            cancel: Some(interrupt_flag()),
            parts: with(o.parts),
        }),
        Command::Merge {
            shards,
            out,
            threads,
            force,
            quiet,
        } => merge(&shards, out, threads, force, quiet),
        Command::Slurm { slurm, command } => slurm::execute(slurm, command),
        Command::Report { folder, out } => {
            commands::report::execute(&commands::report::Options { folder, out })
        }
        Command::Params { filter } => commands::params::execute(filter.as_deref()),
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "coopsim", &mut script);
            print(&String::from_utf8_lossy(&script));
            Ok(Finished::Success)
        }
        Command::Man { command } => {
            print(&manual_page(command.as_deref()));
            Ok(Finished::Success)
        }
    }
}

/// `coopsim merge`: the shards' own command, run on their units (read back in unit order instead
/// of simulated) in the folder it was given in, into `out`.
fn merge(
    shards: &[PathBuf],
    out: Option<PathBuf>,
    threads: Option<usize>,
    force: bool,
    quiet: bool,
) -> Result<Finished, Failure> {
    if threads == Some(0) {
        return Err(Failure::Usage("--threads must be at least 1".into()));
    }
    let set = ShardSet::open(shards).map_err(|e| Failure::Run(commands::Error::Units(e)))?;
    let header = set.header().clone();
    let words = std::iter::once("coopsim".to_string()).chain(header.command.iter().cloned());
    let parsed = Cli::try_parse_from(words).map_err(|e| {
        Failure::Usage(format!(
            "the shards' command `{}` cannot be read: {}",
            header.command_line(),
            e.to_string().trim()
        ))
    })?;
    let mut command = parsed.command;
    let here = std::env::current_dir().unwrap_or_default();
    let out = out.map(|o| here.join(o));
    if !plan_options(&mut command, out, threads, force, quiet) {
        return Err(Failure::Usage(format!(
            "the shards' command `{}` does not run a plan",
            header.command_line()
        )));
    }
    if header.directory != here {
        if let Err(e) = std::env::set_current_dir(&header.directory) {
            return Err(Failure::Usage(format!(
                "the shards' command ran in {}, which cannot be entered here ({e}): merge where \
                 its scenario files are",
                header.directory.display()
            )));
        }
        eprintln!(
            "note: merging in {}, where the shards' command ran",
            header.directory.display()
        );
    }
    let parts = Parts {
        merge: Some(Arc::new(Mutex::new(set))),
        command: header.command.clone(),
        directory: header.directory.clone(),
        ..Parts::default()
    };
    dispatch(command, parts)
}

/// Sets a plan command's results folder, threads, --force and progress to `merge`'s, and clears
/// its --shard and --resume; false for a command that runs no plan.
fn plan_options(
    command: &mut Command,
    out: Option<PathBuf>,
    threads: Option<usize>,
    force: bool,
    quiet: bool,
) -> bool {
    let none = PartArgs {
        shard: None,
        resume: false,
    };
    match command {
        Command::Run {
            out: o,
            threads: t,
            force: f,
            quiet: q,
            parts,
            ..
        } => {
            (*o, *t, *f, *q, *parts) = (out, threads, force, quiet, none);
        }
        Command::Sweep { common, .. }
        | Command::Compare { common, .. }
        | Command::Sensitivity { common, .. } => {
            (common.out, common.threads, common.force, common.quiet) = (out, threads, force, quiet);
            common.parts = none;
        }
        Command::Validate(v) => {
            (v.out, v.threads, v.force, v.quiet) = (out, threads, force, quiet);
            v.parts = none;
        }
        _ => return false,
    }
    true
}

/// Writes to stdout; a closed pipe (`coopsim man | head`) ends the output, not the program.
fn print(text: &str) {
    use std::io::Write;
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

fn common_options(c: CommonArgs, parts: &Parts) -> Common {
    Common {
        parts: Parts {
            shard: c.parts.shard,
            resume: c.parts.resume,
            ..parts.clone()
        },
        replications: c.replications,
        seed: c.seed,
        threads: c.threads,
        set: c.set,
        out: c.out,
        format: table_format(c.format),
        force: c.force,
        progress: !c.quiet,
        cancel: Some(interrupt_flag()),
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

/// The message and exit status of a run, sweep or comparison that did not finish: 130 when
/// interrupted (Ctrl-C, SIGTERM, SIGHUP), 2 for what the user can change (an existing folder,
/// one another run is writing or that appeared meanwhile, a run too large for memory or disk),
/// 1 otherwise (a write that failed, a full disk among them).
fn failed(e: &commands::Error) -> ExitCode {
    match e {
        commands::Error::Interrupted => {
            eprintln!("{e}");
            ExitCode::from(130)
        }
        commands::Error::Output(output::OutputError::Exists(_))
        | commands::Error::Output(output::OutputError::NotResults(..))
        | commands::Error::Output(output::OutputError::ThroughFile(..))
        | commands::Error::Output(output::OutputError::Busy(..))
        | commands::Error::Output(output::OutputError::AppearedMeanwhile { .. })
        | commands::Error::Output(output::OutputError::NoRoom(_))
        | commands::Error::TooLarge(_) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
        commands::Error::Stopped { .. } => {
            eprintln!("{e}");
            ExitCode::from(130)
        }
        commands::Error::Units(u) if !matches!(u, UnitsError::Io(..) | UnitsError::Corrupt(..)) => {
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
