//! Command-line definitions only (clap derive). Nothing past `main` sees these types.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use coopsim::experiment::units::Shard;

#[derive(Debug, Parser)]
#[command(
    name = "coopsim",
    version,
    about = "Do worker co-operatives come through a credit crisis better than conventional small firms, and which policies make the difference?",
    after_help = "Examples:\n  coopsim run scenarios/baseline_2008.toml\n  coopsim run scenarios/baseline_2008.toml --replications 20 --set policy.credit_guarantee.coverage=0.5\n  coopsim check scenarios/no_crisis.toml\n  coopsim params credit_guarantee"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a scenario's Monte Carlo replications and print how each kind came through the crisis,
    /// and the crisis's effect against the same replications without the shock.
    #[command(
        after_help = "Examples:\n  coopsim run scenarios/baseline_2008.toml\n      writes output/baseline_2008/ (tables, crisis_effect.csv, charts/, manifest.json)\n  coopsim run scenarios/baseline_2008.toml --replications 40 --threads 2 --out output/b40 --force\n  coopsim run scenarios/baseline_2008.toml --set crisis.credit_crunch.max_leverage_cut=0.3 --no-firms --quiet\n  coopsim run scenarios/baseline_2008.toml -r 20 --no-control\n      levels only, in about a fifth less time (no crisis-effect rows, crisis_effect.csv or chart)\nEach replication also runs without the shock (same seed and firms; every crisis and austerity\ndepth and credit-crunch change set to 0) unless --no-control is given or the scenario has no shock."
    )]
    Run {
        /// Scenario file (TOML).
        scenario: PathBuf,
        /// Replications (overrides the file's `replications`).
        #[arg(short, long)]
        replications: Option<u32>,
        /// Master seed (overrides the file's `seed`).
        #[arg(long)]
        seed: Option<u64>,
        /// Worker threads (default: all cores). Results do not depend on it.
        #[arg(long)]
        threads: Option<usize>,
        /// Set any parameter by its dotted key, e.g. `--set policy.credit_guarantee.coverage=0.5`.
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
        /// Results folder (default: output/<scenario name>).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Format of the time-series table (the other tables are small and always CSV).
        #[arg(long, value_enum, default_value_t = TableFormat::Both)]
        format: TableFormat,
        /// Replace an existing results folder (only once the new one is complete).
        #[arg(long)]
        force: bool,
        /// Do not write firms.parquet (one row per firm per replication; the largest file).
        #[arg(long)]
        no_firms: bool,
        /// Do not pair each replication with its control (the scenario without its shock): about a
        /// fifth less time (the control shares the warm-up and adds only its recorded months), but
        /// no crisis effect in the headline, no crisis_effect.csv and no chart of it.
        #[arg(long)]
        no_control: bool,
        /// No progress bar.
        #[arg(long, short)]
        quiet: bool,
        #[command(flatten)]
        parts: PartArgs,
    },
    /// Vary parameters of a scenario and compare the arms, with common random numbers.
    #[command(
        after_help = "Examples:\n  coopsim sweep scenarios/baseline_2008.toml --vary policy.credit_guarantee.coverage=0:0.75:4 -r 40\n  coopsim sweep scenarios/baseline_2008.toml --vary kinds.worker_coop.fund_levy_share=0,0.03,0.06 \\\n      --vary policy.worker_buyout.probability=0,0.3 --design grid\n  coopsim sweep scenarios/italian_social_coops.toml      (uses the file's [sweep] table)\nVALUES is a list (0,0.25,0.5) or a range FROM:TO:POINTS (0:0.5:6 is 6 points). Writes output/<name>-sweep/."
    )]
    Sweep {
        /// Scenario file (TOML): the base arm.
        scenario: PathBuf,
        /// A parameter to vary: KEY=VALUES (repeatable); replaces the file's [sweep] vary list.
        #[arg(long = "vary", value_name = "KEY=VALUES")]
        vary: Vec<String>,
        /// grid: every combination; oat: one parameter at a time around the base.
        #[arg(long, value_enum)]
        design: Option<DesignArg>,
        #[command(flatten)]
        common: CommonArgs,
    },
    /// Run whole scenarios side by side with common random numbers; differences against the first.
    #[command(
        after_help = "Example:\n  coopsim compare scenarios/baseline_2008.toml scenarios/mondragon_solidarity.toml -r 40\nThe first file's seed and replications apply to all. Writes output/<first name>-compare/."
    )]
    Compare {
        /// Scenario files (TOML); the first is the reference.
        #[arg(required = true, num_args = 2..)]
        scenarios: Vec<PathBuf>,
        #[command(flatten)]
        common: CommonArgs,
    },
    /// Which parameters make the difference: vary many at once over ranges (Morris, Sobol or a
    /// Latin hypercube), with common random numbers, and rank them by their effect on each outcome.
    #[command(
        after_help = "Examples:\n  coopsim sensitivity scenarios/baseline_2008.toml -r 10 \\\n      --vary policy.credit_guarantee.coverage=0..0.8 --vary policy.worker_buyout.probability=0..0.5 \\\n      --vary kinds.worker_coop.indivisible_reserve_share=0..1\n  coopsim sensitivity scenarios/baseline_2008.toml --method sobol --samples 256 -r 5 --vary ... \\\n      --outcome survival_gap --outcome all.public_cost\n  coopsim sensitivity my_scenario.toml          (uses the file's [sensitivity] table)\nRANGE is LO..HI, LO..HI:log (log-uniform) or false..true; integer parameters are rounded.\nOutcomes: survival_gap (worker co-ops' survival to the end of the crisis window minus conventional\nfirms'), all.exits, all.public_cost, and <kind>.<outcome> for each kind and survival_to_window_end,\ncrisis_hazard, hazard_ratio_vs_conventional, employment_change, pay_change, reserves_share,\nleverage, fragile_exit_share, exits. Writes output/<name>-sensitivity/."
    )]
    Sensitivity {
        /// Scenario file (TOML): the base every point is laid over.
        scenario: PathBuf,
        /// A parameter and its range: KEY=LO..HI[:log] (repeatable); replaces the file's
        /// [sensitivity] vary list.
        #[arg(long = "vary", value_name = "KEY=RANGE")]
        vary: Vec<String>,
        /// morris (screening, cheap), sobol (variance shares) or lhs (uncertainty: the spread of
        /// each outcome); default: the file's, else morris.
        #[arg(long, value_enum)]
        method: Option<MethodArg>,
        /// Morris trajectories, Sobol base samples (the design runs samples x (parameters + 2)
        /// points) or Latin hypercube points; default: the file's, else 10, 256 or 100.
        #[arg(long)]
        samples: Option<u32>,
        /// Levels of Morris's grid (an even number; default 4).
        #[arg(long)]
        levels: Option<u32>,
        /// An outcome to analyse (repeatable); the first is the one ranked when the analysis ends.
        #[arg(long = "outcome", value_name = "NAME")]
        outcome: Vec<String>,
        #[command(flatten)]
        common: CommonArgs,
    },
    /// Validate a scenario without running it, and print it resolved (defaults and --set filled in).
    #[command(
        after_help = "Examples:\n  coopsim check scenarios/no_crisis.toml > resolved.toml\n  coopsim check scenarios/baseline_2008.toml --set policy.credit_guarantee.coverage=0.5 --format json\nWhat it prints runs as it stands: `coopsim run resolved.toml` gives the same results."
    )]
    Check {
        /// Scenario file (TOML).
        scenario: PathBuf,
        /// Replications (overrides the file's `replications`).
        #[arg(short, long)]
        replications: Option<u32>,
        /// Master seed (overrides the file's `seed`).
        #[arg(long)]
        seed: Option<u64>,
        /// Set any parameter by its dotted key, as `run` does (repeatable).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
        /// Output format of the resolved scenario.
        #[arg(long, value_enum, default_value_t = Format::Toml)]
        format: Format,
    },
    /// Hold the model against published figures: run the scenarios a targets file names and
    /// compare each measure with its band. Exit status 0 when every target is met, 1 when any is not.
    #[command(
        after_help = "Examples:\n  coopsim validate                                  (the shipped validation/targets.toml)\n  coopsim validate validation/targets.toml -r 40 --out output/v40 --force\n  coopsim validate my_country_targets.toml\nWrites output/validation/ (validation.csv, validation.md, charts/validation.png, manifest.json)."
    )]
    Validate(ValidateArgs),
    /// Put the shards of one plan (folders written with --shard K/N) together into the results
    /// folder the unsharded command writes, byte for byte but for timings and provenance.
    #[command(
        after_help = "Examples:\n  coopsim sweep scenarios/baseline_2008.toml --vary policy.credit_guarantee.coverage=0:0.75:4 --shard 0/2 --out shards/0\n  coopsim sweep scenarios/baseline_2008.toml --vary policy.credit_guarantee.coverage=0:0.75:4 --shard 1/2 --out shards/1\n  coopsim merge shards/0 shards/1 --out output/guarantee-sweep\nThe shards' command is rerun on their units, in the folder it was given in (its scenario files\nmust be as they were). Every shard of the plan must be given, once, written by this coopsim version."
    )]
    Merge {
        /// Shard folders, in any order.
        #[arg(required = true, num_args = 1..)]
        shards: Vec<PathBuf>,
        /// Results folder (default: the command's own, e.g. output/<name>-sweep).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Worker threads for the summary (default: all cores).
        #[arg(long)]
        threads: Option<usize>,
        /// Replace an existing results folder (only once the new one is complete).
        #[arg(long)]
        force: bool,
        /// No progress bar.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Write a Slurm job-array script that runs a command's plan in shards and merges them.
    #[command(
        after_help = "Examples:\n  coopsim slurm scenarios/baseline_2008.toml -r 400 --shards 20 --time 00:30:00 --out slurm/b400\n  coopsim slurm sweep scenarios/baseline_2008.toml --vary policy.credit_guarantee.coverage=0:0.75:16 -r 100 \\\n      --shards 32 --max-running 8 --partition short --cpus-per-task 4 --mem 4G --out slurm/guarantee\n  bash slurm/guarantee/submit.sh\nCOMMAND is run, sweep, compare, validate or sensitivity with its options (a scenario file alone\nmeans run). Writes DIR/submit.sh; the shards go to DIR/shards, the merged results to DIR/results."
    )]
    Slurm {
        #[command(flatten)]
        slurm: SlurmArgs,
        /// The command and its options; the options above may also come after it.
        #[arg(
            required = true,
            trailing_var_arg = true,
            allow_hyphen_values = true,
            value_name = "COMMAND"
        )]
        command: Vec<String>,
    },
    /// Write the report of a results folder again: one HTML file that opens offline and prints
    /// on A4, with the folder's headline, charts, tables, methods, parameters and provenance.
    #[command(
        after_help = "Examples:\n  coopsim report output/baseline_2008\n      writes output/baseline_2008/report.html (every command also writes one itself)\n  coopsim report output/baseline_2008-sweep --out guarantee_sweep.html\nThe validation status shown is that of the last `validate` folder beside DIR, if any."
    )]
    Report {
        /// A results folder (one with the manifest.json a coopsim command wrote).
        folder: PathBuf,
        /// Where to write the report (default: report.html in the folder); replaced atomically.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// List every scenario parameter with its default, unit, meaning and source (Markdown).
    Params {
        /// Only the keys containing this text (e.g. `credit_guarantee`, `worker_coop.pay`).
        filter: Option<String>,
    },
    /// Print the completion script of a shell to stdout.
    #[command(
        after_help = "Examples:\n  coopsim completions bash > ~/.local/share/bash-completion/completions/coopsim\n  coopsim completions zsh > ~/.zfunc/_coopsim      (with fpath+=(~/.zfunc) before compinit in ~/.zshrc)\n  coopsim completions fish > ~/.config/fish/completions/coopsim.fish\n  coopsim completions powershell >> $PROFILE"
    )]
    Completions {
        /// The shell to complete in.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) to stdout: coopsim(1), or a command's own page.
    #[command(
        after_help = "Examples:\n  coopsim man > ~/.local/share/man/man1/coopsim.1\n  coopsim man run > ~/.local/share/man/man1/coopsim-run.1\n  coopsim man | man -l -"
    )]
    Man {
        /// A command whose page to print, coopsim-<COMMAND>(1), instead of coopsim(1).
        #[arg(value_parser = COMMANDS)]
        command: Option<String>,
    },
}

/// The names of the commands above, each with its own manual page (a test holds the list to the
/// enum).
pub const COMMANDS: [&str; 12] = [
    "run",
    "sweep",
    "compare",
    "sensitivity",
    "check",
    "validate",
    "merge",
    "slurm",
    "report",
    "params",
    "completions",
    "man",
];

/// Options of `validate`.
#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// Targets file (TOML); default validation/targets.toml.
    pub targets: Option<PathBuf>,
    /// Replications of every scenario (overrides the targets file's `replications`).
    #[arg(short, long)]
    pub replications: Option<u32>,
    /// Master seed shared by every scenario (overrides the targets file's `seed`).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Results folder (default: output/validation).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Replace an existing results folder (only once the new one is complete).
    #[arg(long)]
    pub force: bool,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
    #[command(flatten)]
    pub parts: PartArgs,
}

/// Which part of a plan to run: every command that runs one takes these.
#[derive(Debug, Clone, clap::Args)]
pub struct PartArgs {
    /// Run only shard K of N of the plan's units (counting from 0: 0/4 to 3/4) into a shard
    /// folder (default: the results folder's name with .shard-K-of-N); `coopsim merge` puts the N
    /// shards together.
    #[arg(long, value_name = "K/N", value_parser = Shard::parse, allow_hyphen_values = true)]
    pub shard: Option<Shard>,
    /// Continue a run of the same command that was stopped (Ctrl-C, a kill, a crash), from the
    /// units it finished; the results are those of a run never stopped.
    #[arg(long)]
    pub resume: bool,
}

/// The options of `slurm`.
#[derive(Debug, Clone, clap::Args)]
pub struct SlurmArgs {
    /// Shards, one array task each.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub shards: Option<u32>,
    /// Array tasks running at once (sbatch --array=0-(N-1)%M; default: no limit).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_running: Option<u32>,
    /// Slurm partition (default: the cluster's).
    #[arg(long)]
    pub partition: Option<String>,
    /// Time limit of each task and of the merge, HH:MM:SS (or D-HH:MM:SS).
    #[arg(long)]
    pub time: Option<String>,
    /// Cores per task: each shard runs on that many threads.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub cpus_per_task: Option<u32>,
    /// Memory per task, as sbatch takes it (e.g. 4G, 500M).
    #[arg(long)]
    pub mem: Option<String>,
    /// Folder for submit.sh, the logs, the shards and the results (default:
    /// slurm/<command>-<file name>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Replace the folder's submit.sh.
    #[arg(long)]
    pub force: bool,
}

/// Options shared by `sweep` and `compare`.
#[derive(Debug, clap::Args)]
pub struct CommonArgs {
    /// Replications per arm (overrides the file's `replications`).
    #[arg(short, long)]
    pub replications: Option<u32>,
    /// Master seed shared by every arm (overrides the file's `seed`).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Set a parameter in every arm by its dotted key (repeatable), e.g. `--set crisis.credit_crunch.max_leverage_cut=0.3`.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Results folder (default: output/<name>-sweep or output/<name>-compare).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Format of the tables (the results table; for `compare`, also the curves behind its charts).
    #[arg(long, value_enum, default_value_t = TableFormat::Both)]
    pub format: TableFormat,
    /// Replace an existing results folder (only once the new one is complete).
    #[arg(long)]
    pub force: bool,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
    #[command(flatten)]
    pub parts: PartArgs,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum MethodArg {
    Morris,
    Sobol,
    Lhs,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DesignArg {
    Grid,
    Oat,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    Toml,
    Json,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum TableFormat {
    Csv,
    Parquet,
    Both,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn every_command_has_a_manual_page() {
        let cli = Cli::command();
        let names: Vec<&str> = cli.get_subcommands().map(|c| c.get_name()).collect();
        assert_eq!(names, COMMANDS);
    }

    #[test]
    fn the_definitions_are_consistent() {
        Cli::command().debug_assert();
    }
}
