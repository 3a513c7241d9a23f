//! `coopsim slurm`'s command line: its own options may come before or after the command they
//! shard, so they are picked out of the command's words here, and the command is parsed as
//! coopsim would parse it and its inputs checked before any script is written.

use std::path::{Path, PathBuf};

use clap::Parser;

use coopsim::commands::slurm::SlurmJob;
use coopsim::commands::{Failure, Finished};

use crate::cli::{Cli, Command, SlurmArgs};

/// `slurm`'s options alone, for those given after the command.
#[derive(Debug, Parser)]
#[command(name = "coopsim slurm", no_binary_name = true)]
struct Later {
    #[command(flatten)]
    slurm: SlurmArgs,
}

/// The options of `slurm` that take a value, and the ones that do not.
const VALUED: [&str; 7] = [
    "--shards",
    "--max-running",
    "--partition",
    "--time",
    "--cpus-per-task",
    "--mem",
    "--out",
];
const FLAGS: [&str; 1] = ["--force"];

/// The commands that run a plan, which is what can be sharded.
const PLAN_COMMANDS: [&str; 5] = ["run", "sweep", "compare", "validate", "sensitivity"];

/// Splits `words` into `slurm`'s own options and the command's words.
fn split(words: Vec<String>) -> (Vec<String>, Vec<String>) {
    let (mut own, mut command) = (Vec::new(), Vec::new());
    let mut words = words.into_iter();
    while let Some(w) = words.next() {
        let name = w.split_once('=').map_or(w.as_str(), |(n, _)| n);
        if VALUED.contains(&name) {
            let has_value = w.contains('=');
            own.push(w);
            if !has_value && let Some(value) = words.next() {
                own.push(value);
            }
        } else if FLAGS.contains(&w.as_str()) {
            own.push(w);
        } else {
            command.push(w);
        }
    }
    (own, command)
}

/// `a`, or `b` when only it is given; an error when both are, differently.
fn one<T: PartialEq + std::fmt::Debug>(
    name: &str,
    a: Option<T>,
    b: Option<T>,
) -> Result<Option<T>, Failure> {
    match (a, b) {
        (Some(a), Some(b)) if a != b => Err(Failure::Usage(format!(
            "{name} is given twice, as {a:?} and {b:?}"
        ))),
        (a, b) => Ok(a.or(b)),
    }
}

fn absolute(p: &Path) -> PathBuf {
    std::env::current_dir().unwrap_or_default().join(p)
}

pub fn execute(before: SlurmArgs, words: Vec<String>) -> Result<Finished, Failure> {
    let (own, mut command) = split(words);
    let after = Later::try_parse_from(own)
        .map_err(|e| Failure::Usage(e.to_string().trim().replace("error: ", "")))?
        .slurm;
    let Some(shards) = one("--shards", before.shards, after.shards)? else {
        return Err(Failure::Usage(
            "--shards N is needed: how many array tasks to split the plan into".into(),
        ));
    };
    // A scenario file alone means `run`.
    if command
        .first()
        .is_some_and(|w| !PLAN_COMMANDS.contains(&w.as_str()))
    {
        if <Cli as clap::CommandFactory>::command()
            .get_subcommands()
            .any(|c: &clap::Command| c.get_name() == command[0])
        {
            return Err(Failure::Usage(format!(
                "`{}` runs no plan, so it cannot be sharded: give run, sweep, compare, validate \
                 or sensitivity",
                command[0]
            )));
        }
        command.insert(0, "run".into());
    }
    let parsed = Cli::try_parse_from(std::iter::once("coopsim".to_string()).chain(command.clone()))
        .map_err(|e| {
            Failure::Usage(format!(
                "the command to shard, `coopsim {}`: {}",
                command.join(" "),
                e.to_string().trim().trim_start_matches("error: ")
            ))
        })?;
    let set_per_task = per_task_options(&parsed.command);
    if let Some(option) = set_per_task {
        return Err(Failure::Usage(format!(
            "the command to shard gives {option}, which each task sets itself (--shard, \
             --threads from --cpus-per-task, --out under slurm's --out, --resume when a task \
             runs again, --quiet): leave it out"
        )));
    }
    check_inputs(&parsed.command)?;
    let stem = inputs_stem(&parsed.command);
    let name = format!("{}-{stem}", command[0]);
    let dir =
        one("--out", before.out, after.out)?.unwrap_or_else(|| Path::new("slurm").join(&name));
    let job = SlurmJob {
        name,
        command,
        shards,
        max_running: one("--max-running", before.max_running, after.max_running)?,
        partition: one("--partition", before.partition, after.partition)?,
        time: one("--time", before.time, after.time)?,
        cpus_per_task: one("--cpus-per-task", before.cpus_per_task, after.cpus_per_task)?
            .unwrap_or(1),
        mem: one("--mem", before.mem, after.mem)?,
        dir: absolute(&dir),
        workdir: std::env::current_dir().unwrap_or_default(),
        coopsim: std::env::current_exe().unwrap_or_else(|_| PathBuf::from("coopsim")),
        force: before.force || after.force,
    };
    coopsim::commands::slurm::execute(&job)
}

/// An option of the command that each task sets itself, if the command gives one.
fn per_task_options(command: &Command) -> Option<&'static str> {
    let (threads, quiet, parts) = match command {
        Command::Run {
            threads,
            quiet,
            parts,
            ..
        } => (threads, quiet, parts),
        Command::Sweep { common, .. }
        | Command::Compare { common, .. }
        | Command::Sensitivity { common, .. } => (&common.threads, &common.quiet, &common.parts),
        Command::Validate(v) => (&v.threads, &v.quiet, &v.parts),
        _ => return None,
    };
    if parts.shard.is_some() {
        Some("--shard")
    } else if parts.resume {
        Some("--resume")
    } else if threads.is_some() {
        Some("--threads")
    } else if *quiet {
        Some("--quiet")
    } else {
        None
    }
}

/// The scenario or targets files the command reads, checked now rather than in every task.
fn check_inputs(command: &Command) -> Result<(), Failure> {
    use coopsim::scenario::load_with;
    match command {
        Command::Run {
            scenario,
            replications,
            seed,
            set,
            ..
        } => {
            load_with(scenario, *replications, *seed, set)?;
        }
        Command::Sweep {
            scenario, common, ..
        }
        | Command::Sensitivity {
            scenario, common, ..
        } => {
            load_with(scenario, common.replications, common.seed, &common.set)?;
        }
        Command::Compare { scenarios, common } => {
            for s in scenarios {
                load_with(s, common.replications, common.seed, &common.set)?;
            }
        }
        Command::Validate(v) => {
            let path = v
                .targets
                .clone()
                .unwrap_or_else(|| PathBuf::from("validation/targets.toml"));
            let (t, _) = coopsim::commands::validate::load_targets(&path)?;
            coopsim::commands::validate::resolve_scenarios(&t, v.seed, v.replications)?;
        }
        _ => {}
    }
    Ok(())
}

/// The name of the file the command reads, for the job's name and folder.
fn inputs_stem(command: &Command) -> String {
    let file = match command {
        Command::Run { scenario, .. }
        | Command::Sweep { scenario, .. }
        | Command::Sensitivity { scenario, .. } => Some(scenario.clone()),
        Command::Compare { scenarios, .. } => scenarios.first().cloned(),
        Command::Validate(v) => Some(
            v.targets
                .clone()
                .unwrap_or_else(|| PathBuf::from("targets.toml")),
        ),
        _ => None,
    };
    file.and_then(|f| f.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "plan".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        text.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn slurm_s_options_are_picked_out_wherever_they_come() {
        let (own, command) = split(words(
            "a.toml -r 4 --shards 3 --set x=1 --time=01:00:00 --force --out d",
        ));
        assert_eq!(own, words("--shards 3 --time=01:00:00 --force --out d"));
        assert_eq!(command, words("a.toml -r 4 --set x=1"));
    }
}
