//! Command-line definitions only (clap derive). Nothing past `main` sees these types.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "coopsim",
    version,
    about = "Do worker co-operatives come through a credit crisis better than conventional small firms, and which policies make the difference?",
    after_help = "Examples:\n  coopsim run scenarios/baseline_2008.toml\n  coopsim run scenarios/baseline_2008.toml --replications 20 --set policy.credit_guarantee.coverage=0.5\n  coopsim check scenarios/no_crisis.toml\n  coopsim params"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a scenario's Monte Carlo replications and print how each kind came through the crisis.
    #[command(
        after_help = "Examples:\n  coopsim run scenarios/baseline_2008.toml\n      writes output/baseline_2008/ (tables, charts/, manifest.json)\n  coopsim run scenarios/baseline_2008.toml --replications 40 --threads 2 --out output/b40 --force\n  coopsim run scenarios/baseline_2008.toml --set crisis.credit_crunch.max_leverage_cut=0.3 --no-firms --quiet"
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
        /// No progress bar.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Validate a scenario without running it, and print it resolved (defaults filled in).
    Check {
        /// Scenario file (TOML).
        scenario: PathBuf,
        /// Output format of the resolved scenario.
        #[arg(long, value_enum, default_value_t = Format::Toml)]
        format: Format,
    },
    /// List every scenario parameter with its default, unit, meaning and source (Markdown).
    Params,
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
