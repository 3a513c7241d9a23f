//! The `coopsim` binary: parse arguments, dispatch, map errors to exit codes. Exit status 2 means
//! the user's input was wrong (scenario or arguments), 1 that something else failed.

mod cli;

use std::process::ExitCode;

use clap::Parser;

use coopsim::outcomes::{self, KindOutcome};
use coopsim::runner::{self, EnsembleOptions};
use coopsim::scenario::{self, Kind, Scenario, ScenarioErrors};

use cli::{Cli, Command, Format};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Run {
            scenario,
            replications,
            seed,
            threads,
            set,
        } => {
            let resolved = match resolve(&scenario, replications, seed, &set) {
                Ok(s) => s,
                Err(e) => return user_error(&e),
            };
            if threads == Some(0) {
                eprintln!("error: --threads must be at least 1");
                return ExitCode::from(2);
            }
            run(&resolved, threads)
        }
        Command::Check { scenario, format } => match scenario::load(&scenario) {
            Ok(s) => {
                match format {
                    Format::Toml => print!(
                        "{}",
                        toml::to_string(&s).expect("a resolved scenario serialises")
                    ),
                    Format::Json => {
                        println!(
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
        Command::Params => {
            print!("{}", coopsim::docs::parameter_table());
            ExitCode::SUCCESS
        }
    }
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
    scenario::check(
        &s,
        None,
        &format!("{} (with command-line overrides)", path.display()),
    )?;
    Ok(s)
}

/// A headline column: its title and the outcome it shows.
type Column = (&'static str, fn(&KindOutcome) -> f64);

fn run(s: &Scenario, threads: Option<usize>) -> ExitCode {
    let options = EnsembleOptions {
        threads,
        record_firms: false,
    };
    let started = std::time::Instant::now();
    let results = runner::run_ensemble(s, options, |r| {
        Kind::ALL.map(|k| outcomes::kind_outcome(s, &r.months, k))
    });
    let results = match results {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let w = coopsim::model::crisis_window(s);
    println!(
        "{}: {} replications of {} firms, crisis window months {}-{} ({:.1} s)",
        s.name,
        s.replications,
        s.population.firms,
        w.start,
        w.end - 1,
        started.elapsed().as_secs_f64()
    );
    println!("mean across replications [5%, 95%]\n");
    // Every column is a share, shown in percent.
    let columns: [Column; 6] = [
        ("exit hazard %/month", |o| o.crisis_hazard),
        ("financial exits %/month", |o| o.crisis_financial_hazard),
        ("employment change %", |o| o.employment_change),
        ("pay/worker change %", |o| o.pay_change),
        ("reserves/assets %", |o| o.reserves_share),
        ("debt/assets %", |o| o.leverage),
    ];
    print!("{:<22}", "kind");
    for (name, _) in &columns {
        print!(" {name:>25}");
    }
    println!();
    for k in Kind::ALL {
        print!("{:<22}", k.name());
        for (_, get) in &columns {
            let values: Vec<f64> = results
                .iter()
                .map(|r| get(&r[k.index()]) * 100.0)
                .filter(|v| v.is_finite())
                .collect();
            print!(" {:>25}", interval(&values));
        }
        println!();
    }
    ExitCode::SUCCESS
}

/// "mean [q05, q95]" of finite values, or "n/a" when a kind has no firms.
fn interval(values: &[f64]) -> String {
    if values.is_empty() {
        return "n/a".to_string();
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let q = |p: f64| {
        let h = (sorted.len() - 1) as f64 * p;
        let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
        sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
    };
    let mean = sorted.iter().sum::<f64>() / sorted.len() as f64;
    format!("{mean:.2} [{:.2}, {:.2}]", q(0.05), q(0.95))
}
