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
        after_help = "Example:\n  coopsim run scenarios/baseline_2008.toml --replications 40 --threads 2"
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
