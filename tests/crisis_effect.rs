//! `coopsim run` reports the crisis's effect: each replication against the same replication of
//! the scenario without its shock (same seed, firms and random streams), as a paired difference
//! with its interval, beside the levels; none when the scenario has no shock or with
//! `--no-control`, and the output says which.

use std::path::Path;

use polars::prelude::*;

use coopsim::analysis::effect::{self, CrisisEffect, GROUPS, Measure};
use coopsim::model::{RunOptions, run_replication};
use coopsim::scenario::{self, control::TIMING_KEYS};

mod common;
use common::{coopsim, floats, read_csv, shipped, succeeds};

fn workdir(name: &str) -> common::Workdir {
    common::workdir("effect", name)
}

fn scenario_path(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

/// The row of `crisis_effect.csv` for a kind (or `all`) and measure: mean, low, high, month.
fn effect_row(
    table: &DataFrame,
    kind: &str,
    m: Measure,
) -> (Option<f64>, Option<f64>, Option<f64>, Option<f64>) {
    let row = table
        .clone()
        .lazy()
        .filter(
            col("kind")
                .eq(lit(kind))
                .and(col("measure").eq(lit(m.id()))),
        )
        .collect()
        .unwrap();
    assert_eq!(row.height(), 1, "{kind} {m:?}");
    let get = |c| floats(&row, c)[0];
    (get("mean"), get("ci_low"), get("ci_high"), get("month"))
}

/// The baseline on a smaller population, quick enough for a test.
fn run_baseline(out: &Path, extra: &[&str]) -> String {
    let mut args = vec![
        "run".to_string(),
        scenario_path("baseline_2008.toml"),
        "-r".into(),
        "8".into(),
        "--set".into(),
        "population.firms=1000".into(),
        "--no-firms".into(),
        "--format".into(),
        "csv".into(),
        "--quiet".into(),
        "--force".into(),
        "--out".into(),
        out.to_string_lossy().into_owned(),
    ];
    args.extend(extra.iter().map(|a| a.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    String::from_utf8(succeeds(&args).stdout).unwrap()
}

#[test]
fn the_crisis_costs_conventional_firms_jobs_with_an_interval_clear_of_zero() {
    let dir = workdir("baseline");
    let out = dir.join("res");
    let stdout = run_baseline(&out, &[]);
    assert!(
        stdout.contains("crisis effect: this scenario minus its control"),
        "{stdout}"
    );
    for m in Measure::ALL {
        assert!(stdout.contains(m.label()), "{stdout}");
    }

    let table = read_csv(&out.join("crisis_effect.csv"));
    assert_eq!(table.height(), GROUPS * Measure::ALL.len(), "{table}");
    for kind in ["conventional", "all"] {
        let (mean, low, high, _) = effect_row(&table, kind, Measure::Employment);
        let (mean, low, high) = (mean.unwrap(), low.unwrap(), high.unwrap());
        assert!(
            low <= mean && mean <= high && high < 0.0,
            "{kind}: employment against the control {mean} [{low}, {high}]"
        );
        let (worst, _, _, month) = effect_row(&table, kind, Measure::EmploymentWorstMonth);
        assert!(
            worst.unwrap() <= mean,
            "the worst month is no better than the mean"
        );
        let month = month.unwrap();
        assert!(
            (36.0..78.0).contains(&month),
            "worst month {month} in the window"
        );
    }

    // The headline carries the same numbers beside the levels.
    let headline = read_csv(&out.join("headline.csv"));
    let stem = coopsim::analysis::effect::effect_column(Measure::Employment);
    let column = floats(&headline, &format!("{stem}_mean"));
    let (mean, ..) = effect_row(&table, "conventional", Measure::Employment);
    assert_eq!(column[0], mean, "headline.csv and crisis_effect.csv agree");
    let md = std::fs::read_to_string(out.join("headline.md")).unwrap();
    assert!(md.contains("## Crisis effect: against the control"), "{md}");

    // Common random numbers: until onset the control is the same replication, to the bit.
    let monthly = read_csv(&out.join("crisis_effect_monthly.csv"));
    let id = Measure::Employment.id();
    let months = floats(&monthly, "month");
    let (mean, low, high) = (
        floats(&monthly, &format!("{id}_mean")),
        floats(&monthly, &format!("{id}_ci_low")),
        floats(&monthly, &format!("{id}_ci_high")),
    );
    let mut before_onset = 0;
    for i in 0..monthly.height() {
        if months[i].unwrap() < 36.0 && mean[i].is_some() {
            assert_eq!(
                (mean[i], low[i], high[i]),
                (Some(0.0), Some(0.0), Some(0.0))
            );
            before_onset += 1;
        }
    }
    assert_eq!(before_onset, 36 * GROUPS);

    let svg = std::fs::read_to_string(out.join("charts/employment_vs_control.svg")).unwrap();
    assert!(
        svg.contains("paired difference"),
        "the chart says what it shows"
    );
    assert!(out.join("charts/employment_vs_control.png").is_file());

    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["control"]["simulated"], true);
}

/// What a run without a crisis effect must show: no effect columns, no effect files or chart,
/// and the reason in the printed output, headline.md and the manifest.
fn assert_no_effect(out: &Path, stdout: &str, why: &str) {
    assert!(stdout.contains(why), "{stdout}");
    assert!(!stdout.contains("minus its control"), "{stdout}");
    for f in [
        "crisis_effect.csv",
        "crisis_effect_monthly.csv",
        "charts/employment_vs_control.png",
        "charts/employment_vs_control.svg",
    ] {
        assert!(!out.join(f).exists(), "{f} written");
    }
    let headline = read_csv(&out.join("headline.csv"));
    assert!(
        headline
            .get_column_names()
            .iter()
            .all(|c| !c.starts_with("crisis_effect")),
        "{:?}",
        headline.get_column_names()
    );
    let md = std::fs::read_to_string(out.join("headline.md")).unwrap();
    assert!(md.contains(why), "{md}");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["control"]["simulated"], false);
    assert!(
        manifest["control"]["note"].as_str().unwrap().contains(why),
        "{manifest}"
    );
}

#[test]
fn no_control_writes_the_levels_alone_and_says_so() {
    let dir = workdir("nocontrol");
    let (paired, alone) = (dir.join("paired"), dir.join("alone"));
    run_baseline(&paired, &[]);
    let stdout = run_baseline(&alone, &["--no-control"]);
    assert_no_effect(&alone, &stdout, "--no-control");
    // The control changes nothing of the levels.
    for f in [
        "timeseries.csv",
        "survival.csv",
        "fragility.csv",
        "hazard_ratios.csv",
    ] {
        assert_eq!(
            std::fs::read(paired.join(f)).unwrap(),
            std::fs::read(alone.join(f)).unwrap(),
            "{f}"
        );
    }
    let levels = read_csv(&alone.join("headline.csv"));
    let with_effect = read_csv(&paired.join("headline.csv"));
    let names: Vec<String> = levels
        .get_column_names()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert!(levels.equals_missing(&with_effect.select(names).unwrap()));
}

#[test]
fn a_scenario_without_a_shock_runs_no_control_and_says_so() {
    let dir = workdir("noshock");
    let out = dir.join("res");
    let o = succeeds(&[
        "run",
        &scenario_path("no_crisis.toml"),
        "-r",
        "2",
        "--set",
        "population.firms=300",
        "--no-firms",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8(o.stdout).unwrap();
    assert_no_effect(&out, &stdout, "the scenario has no shock");
}

#[test]
fn removing_every_shock_parameter_with_set_leaves_nothing_to_compare() {
    // Every crisis and austerity parameter that is not timing, set to 0 on the command line.
    let shock: Vec<String> = scenario::parameter_docs()
        .into_iter()
        .map(|d| d.key)
        .filter(|k| scenario::control::in_shock_blocks(k) && !TIMING_KEYS.contains(&k.as_str()))
        .collect();
    assert!(shock.len() >= 13, "{shock:?}");
    let dir = workdir("setzero");
    let out = dir.join("res");
    let mut args = vec![
        "run".to_string(),
        scenario_path("baseline_2008.toml"),
        "-r".into(),
        "2".into(),
        "--no-firms".into(),
        "--quiet".into(),
        "--out".into(),
        out.to_string_lossy().into_owned(),
        "--set".into(),
        "population.firms=300".into(),
    ];
    for key in &shock {
        args.extend(["--set".to_string(), format!("{key}=0")]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let stdout = String::from_utf8(succeeds(&args).stdout).unwrap();
    assert_no_effect(&out, &stdout, "the scenario has no shock");
}

#[test]
fn a_replication_paired_with_itself_has_exactly_zero_effect() {
    // The real model, three replications of a small economy, each paired with itself.
    let mut s = shipped("baseline_2008.toml");
    common::set(&mut s, "population.firms", "300");
    let options = RunOptions {
        record_firms: true,
        parallel_firms: false,
    };
    let mut e = CrisisEffect::new(&s);
    for r in 0..3 {
        let result = run_replication(&s, r, options);
        let counts = coopsim::analysis::outcomes::survival_counts(&s, &result.firms);
        let side = effect::Side {
            months: &result.months,
            survival_to_window_end: effect::survival_to_window_end(&s, &counts),
        };
        e.push(&effect::paired(&s, &side, &side));
    }
    for g in 0..GROUPS {
        for m in Measure::ALL {
            let (estimate, _) = e.estimate(g, m);
            assert_eq!(
                (estimate.mean, estimate.low, estimate.high, estimate.n),
                (0.0, 0.0, 0.0, 3),
                "{} {m:?}",
                effect::group_name(g)
            );
        }
        assert!(
            e.employment_by_month(g)
                .iter()
                .all(|m| m.mean == 0.0 && m.high == m.low)
        );
    }
}

#[test]
fn the_baseline_s_control_is_the_shipped_no_crisis_scenario() {
    let mut control = shipped("baseline_2008.toml").without_shock();
    let no_crisis = shipped("no_crisis.toml");
    control.name = no_crisis.name.clone();
    control.description = no_crisis.description.clone();
    assert_eq!(
        control, no_crisis,
        "the run's control is what validate uses as the control"
    );
    assert!(
        shipped("austerity_2010.toml").has_shock(),
        "austerity alone is a shock"
    );
}

#[test]
fn run_help_documents_no_control() {
    let o = coopsim(&["run", "--help"]);
    let help = String::from_utf8(o.stdout).unwrap();
    assert!(help.contains("--no-control"), "{help}");
    assert!(help.contains("crisis_effect.csv"), "{help}");
}
