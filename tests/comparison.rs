//! `coopsim sweep` and `coopsim compare` on real files: the tidy table's shape, paired
//! differences with common random numbers, the direction of a lever across arms, and bad `--vary`
//! specifications refused before anything runs.

use std::path::{Path, PathBuf};

use polars::prelude::*;

mod common;
use common::{coopsim, floats, read_csv, succeeds};

fn workdir(name: &str) -> common::Workdir {
    common::workdir("cmp", name)
}

/// Writes the tiny scenario named `a`, and `b` as `b_text`, into `dir`; their paths.
fn scenario_pair(dir: &Path, b_text: &str) -> (String, String) {
    let (a, b) = (dir.join("a.toml"), dir.join("b.toml"));
    std::fs::write(&a, TINY.replace("\"tiny\"", "\"a\"")).unwrap();
    std::fs::write(&b, b_text).unwrap();
    let path = |p: PathBuf| p.to_str().unwrap().to_string();
    (path(a), path(b))
}

const TINY: &str = "name = \"tiny\"\nreplications = 6\nmonths = 48\nwarmup_months = 12\n\
[population]\nfirms = 500\n[crisis]\nonset_month = 12\nduration_months = 12\nrecovery_months = 12\n\
[austerity]\nonset_month = 30\n";

fn rows(df: &DataFrame, filter: Expr) -> DataFrame {
    df.clone()
        .lazy()
        .filter(filter)
        .sort(["arm"], SortMultipleOptions::default())
        .collect()
        .unwrap()
}

/// The rows of a sweep or comparison table for one kind and one outcome, in arm order.
fn outcome_rows(df: &DataFrame, kind: &str, outcome: &str) -> DataFrame {
    rows(
        df,
        col("kind")
            .eq(lit(kind))
            .and(col("outcome").eq(lit(outcome))),
    )
}

#[test]
fn a_sweep_writes_one_row_per_arm_kind_and_outcome_and_a_neutral_parameter_differs_by_nothing() {
    let dir = workdir("neutral");
    let scenario = dir.join("tiny.toml");
    std::fs::write(&scenario, TINY).unwrap();
    let out = dir.join("res");
    // With no guarantee scheme (coverage 0), its fee cannot matter.
    succeeds(&[
        "sweep",
        scenario.to_str().unwrap(),
        "--vary",
        "policy.credit_guarantee.fee_annual=0.01,0.05",
        "--out",
        out.to_str().unwrap(),
        "-q",
    ]);
    for f in [
        "sweep.csv",
        "sweep.parquet",
        "sweep.md",
        "manifest.json",
        "charts/sweep_policy_credit_guarantee_fee_annual.png",
    ] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    // The folder's scenario is the base with the sweep that ran as its [sweep] table.
    let copy = coopsim::scenario::load(&out.join("scenario.toml")).unwrap();
    assert_eq!(
        copy.sweep.vary,
        ["policy.credit_guarantee.fee_annual=0.01,0.05"]
    );
    assert_eq!(copy.population.firms, 500);
    let table = read_csv(&out.join("sweep.csv"));
    // 3 arms (base 0.02, then 0.01 and 0.05) x (5 kinds x 9 outcomes + all-kinds exits and cost).
    assert_eq!(table.height(), 3 * (5 * 9 + 2));
    assert!(
        table.column("policy.credit_guarantee.fee_annual").is_ok(),
        "the varied key is a column"
    );
    for c in [
        "arm",
        "label",
        "kind",
        "outcome",
        "mean",
        "mean_ci_low",
        "mean_ci_high",
        "difference",
        "difference_ci_low",
        "difference_ci_high",
        "replications",
    ] {
        assert!(table.column(c).is_ok(), "column {c}");
    }
    let (d, lo, hi) = (
        floats(&table, "difference"),
        floats(&table, "difference_ci_low"),
        floats(&table, "difference_ci_high"),
    );
    let mut checked = 0;
    for i in 0..table.height() {
        if let (Some(d), Some(l), Some(h)) = (d[i], lo[i], hi[i]) {
            assert!(
                l <= 0.0 && 0.0 <= h,
                "row {i}: difference {d} in [{l}, {h}] excludes 0"
            );
            checked += 1;
        }
    }
    assert!(checked > 100, "most rows have an interval");
}

#[test]
fn a_credit_guarantee_sweep_lowers_exits_across_arms() {
    let dir = workdir("guarantee");
    let out = dir.join("res");
    let o = coopsim(&[
        "sweep",
        "scenarios/baseline_2008.toml",
        "--vary",
        "policy.credit_guarantee.coverage=0:0.75:2",
        // The guarantee lowers SMEs' crisis exit hazard by about 0.0005 a month (40
        // replications: 95% CI -0.0007 to -0.0003); 12 replications cannot tell that from noise.
        "-r",
        "40",
        "--out",
        out.to_str().unwrap(),
        "-q",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let table = read_csv(&out.join("sweep.csv"));
    // The base has no scheme; arm 1 guarantees 75% of new loans. The exit rate falls; the count
    // of exits need not, since guaranteed startup loans also found more firms, and young firms
    // exit most. (The survival of the SMEs alive at onset rises by about 0.2 points, which 40
    // replications do not tell from noise: README, "Credit guarantees".)
    let conventional = |outcome: &str| outcome_rows(&table, "conventional", outcome);
    let hazard = conventional("crisis_hazard");
    assert_eq!(hazard.height(), 2);
    assert!(
        floats(&hazard, "difference_ci_high")[1].unwrap() < 0.0,
        "SMEs' crisis exit hazard falls with the guarantee: {hazard}"
    );
    let cost = outcome_rows(&table, "all", "public_cost");
    assert!(
        floats(&cost, "difference")[1].unwrap() > 0.0,
        "and the scheme costs money: {cost}"
    );
}

#[test]
fn compare_pairs_whole_scenarios_against_the_first() {
    let dir = workdir("compare");
    let out = dir.join("res");
    let o = succeeds(&[
        "compare",
        "scenarios/baseline_2008.toml",
        "scenarios/no_crisis.toml",
        "-r",
        "8",
        "--out",
        out.to_str().unwrap(),
        "-q",
    ]);
    let stdout = String::from_utf8(o.stdout).unwrap();
    assert!(
        stdout.contains("no_crisis") && stdout.contains("common random numbers"),
        "{stdout}"
    );
    for f in [
        "compare.csv",
        "compare.parquet",
        "compare.md",
        "manifest.json",
        "charts/differences.png",
        "charts/differences.svg",
        "charts/compare_survival.png",
        "charts/compare_employment.svg",
    ] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    let table = read_csv(&out.join("compare.csv"));
    assert_eq!(table.height(), 2 * (5 * 9 + 2));
    let employment = outcome_rows(&table, "conventional", "employment_change");
    let (d, lo) = (
        floats(&employment, "difference"),
        floats(&employment, "difference_ci_low"),
    );
    assert_eq!(d[0], Some(0.0), "the first scenario against itself");
    assert!(
        lo[1].unwrap() > 0.0,
        "without the crisis SMEs lose fewer jobs: {employment}"
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["arms"].as_array().unwrap().len(), 2);
    assert_eq!(manifest["common_random_numbers"]["replications"], 8);
    // Each compared scenario as it ran, numbered as its arm so `scenarios/*.toml` keeps the order.
    for (i, name) in ["baseline_2008", "no_crisis"].iter().enumerate() {
        let copy = coopsim::scenario::load(&out.join(format!("scenarios/{i}_{name}.toml")));
        let copy = copy.unwrap();
        assert_eq!((copy.name.as_str(), copy.replications), (*name, 8));
    }
    let md = std::fs::read_to_string(out.join("compare.md")).unwrap();
    assert!(
        md.starts_with("# baseline_2008 compared with no_crisis\n"),
        "{md}"
    );
    // The paste-ready report has the same numbers as the table: no_crisis's employment row.
    let mean = floats(&employment, "mean")[1].unwrap();
    let row = md
        .lines()
        .skip_while(|l| !l.starts_with("## employment"))
        .find(|l| l.starts_with("| no_crisis |"))
        .unwrap();
    assert!(row.contains(&format!("| {:.2} (", mean * 100.0)), "{row}");
}

#[test]
fn set_changes_every_compared_scenario_and_the_base_of_a_sweep() {
    let dir = workdir("set");
    let (a, b) = scenario_pair(&dir, &TINY.replace("\"tiny\"", "\"b\""));
    let out = dir.join("cmp");
    let set = "--set=population.firms=300";
    let args = [a.as_str(), b.as_str(), set, "-r", "2", "-q"];
    succeeds(&[&["compare", "--out", out.to_str().unwrap()], &args[..]].concat());
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    for arm in manifest["arms"].as_array().unwrap() {
        assert_eq!(arm["scenario"]["population"]["firms"], 300, "{arm}");
    }
    let out = dir.join("sweep");
    succeeds(&[
        "sweep",
        &a,
        "--vary",
        "policy.credit_guarantee.coverage=0.5",
        set,
        "-r",
        "2",
        "-q",
        "--out",
        out.to_str().unwrap(),
    ]);
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    let arms = manifest["arms"].as_array().unwrap();
    assert_eq!(arms.len(), 2);
    for arm in arms {
        assert_eq!(arm["scenario"]["population"]["firms"], 300, "{arm}");
    }
}

#[test]
fn compared_scenarios_of_other_sizes_windows_or_seeds_are_reported_as_they_ran() {
    let dir = workdir("unlike");
    let late = TINY
        .replace("\"tiny\"", "\"b\"\nseed = 99")
        .replace("firms = 500", "firms = 400")
        .replace("onset_month = 12\n", "onset_month = 16\n");
    let (a, b) = scenario_pair(&dir, &late);
    let out = dir.join("cmp");
    let out_arg = out.to_str().unwrap();
    let o = succeeds(&["compare", &a, &b, "-r", "2", "-q", "--out", out_arg]);
    // b's own seed gives way to a's for common random numbers, and the user is told.
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains(&format!("note: {b} sets seed 99 (runs with 2008)")),
        "{stderr}"
    );
    // Each arm's window outcomes are over its own window: the report says which.
    let md = std::fs::read_to_string(out.join("compare.md")).unwrap();
    assert!(
        md.contains("- `a`: 500 firms and crisis window months 12 to 35\n"),
        "{md}"
    );
    assert!(
        md.contains("- `b`: 400 firms and crisis window months 16 to 39\n"),
        "{md}"
    );
    assert!(md.contains("differ between the arms"), "{md}");
}

#[test]
fn compare_writes_each_arms_curves_and_the_first_arms_are_those_run_writes() {
    let dir = workdir("curves");
    let harsher =
        TINY.replace("\"tiny\"", "\"b\"") + "[crisis.credit_crunch]\nmax_leverage_cut = 0.3\n";
    let (a, b) = scenario_pair(&dir, &harsher);
    let (cmp, run) = (dir.join("cmp"), dir.join("run"));
    succeeds(&[
        "compare",
        &a,
        &b,
        "-r",
        "3",
        "-q",
        "--out",
        cmp.to_str().unwrap(),
    ]);
    succeeds(&["run", &a, "-r", "3", "-q", "--out", run.to_str().unwrap()]);
    for table in ["survival", "timeseries"] {
        let ran = std::fs::read_to_string(run.join(format!("{table}.csv"))).unwrap();
        let compared = std::fs::read_to_string(cmp.join(format!("compare_{table}.csv"))).unwrap();
        let mut lines = compared.lines();
        assert_eq!(
            lines.next().unwrap(),
            format!("arm,label,{}", ran.lines().next().unwrap())
        );
        let first: Vec<&str> = lines
            .clone()
            .filter_map(|l| l.strip_prefix("0,a,"))
            .collect();
        assert_eq!(first, ran.lines().skip(1).collect::<Vec<_>>(), "{table}");
        let second = lines.filter(|l| l.starts_with("1,b,")).count();
        assert_eq!(second, first.len(), "{table}: one block of rows per arm");
    }
}

#[test]
fn bad_vary_specifications_are_refused_before_anything_runs() {
    let dir = workdir("bad");
    let scenario = dir.join("tiny.toml");
    std::fs::write(&scenario, TINY).unwrap();
    let out = dir.join("res");
    for (spec, needle) in [
        (
            "policy.credit_guarante.coverage=0,0.5",
            "policy.credit_guarantee.coverage",
        ),
        ("months=many", "many"),
        ("policy.credit_guarantee.coverage=0,1.5", "1.5"),
        ("seed=1,2", "common random numbers"),
        ("coverage", "KEY=VALUES"),
    ] {
        let o = coopsim(&[
            "sweep",
            scenario.to_str().unwrap(),
            "--vary",
            spec,
            "--out",
            out.to_str().unwrap(),
            "-q",
        ]);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{spec}: {stderr}");
        assert!(stderr.contains(needle), "{spec}: {stderr}");
        assert!(!out.exists(), "nothing written for {spec}");
    }
    // A [sweep] table in the file is checked with the rest of the scenario: every broken entry,
    // each with its own line (TINY has 12).
    let bad = format!(
        "{TINY}[sweep]\nvary = [\n  \"policy.credit_guarantee.coverage=0,2\",\n  \
         \"kinds.worker_coop.pay_flor=0.5\",\n]\n"
    );
    std::fs::write(&scenario, bad).unwrap();
    let o = coopsim(&[
        "sweep",
        scenario.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "-q",
    ]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    for (entry, line) in [("`sweep.vary[0]`", ":15:3"), ("`sweep.vary[1]`", ":16:3")] {
        assert!(
            stderr.contains(entry) && stderr.contains(line),
            "{entry} at {line}: {stderr}"
        );
    }
    assert!(
        stderr.contains("did you mean `kinds.worker_coop.pay_floor`?"),
        "{stderr}"
    );
}

#[test]
fn one_at_a_time_arms_move_outcomes_the_way_economics_predicts() {
    let dir = workdir("oat");
    let out = dir.join("res");
    succeeds(&[
        "sweep",
        "scenarios/baseline_2008.toml",
        "--vary",
        "crisis.credit_crunch.max_leverage_cut=0.45",
        "--vary",
        "policy.public_contracts.renewal_probability=0.5,0.95",
        "--design",
        "oat",
        // The leverage channel alone: with the bank's capital written down as well, capital
        // rations lending, and a lower leverage ceiling moves credit from the most leveraged
        // firms to others rather than cutting it (jobs +0.02% [-0.70, +0.74] at 20 replications).
        "--set",
        "crisis.credit_crunch.bank_equity_loss=0",
        // A lost contract leaves the model, so a mutual's renewal risk is the kind's.
        "--set",
        "policy.public_contracts.relet_to.social_coop_a=0",
        "--set",
        "policy.public_contracts.relet_to.social_coop_b=0",
        "--set",
        "policy.public_contracts.relet_to.public_service_mutual=0",
        "-r",
        "20",
        "--out",
        out.to_str().unwrap(),
        "-q",
    ]);
    let table = read_csv(&out.join("sweep.csv"));
    // base, then the deeper crunch, then renewal 0.5 and 0.95 (each with the other key at base).
    assert_eq!(table.column("arm").unwrap().n_unique().unwrap(), 4);
    // A crunch three times the baseline's: conventional firms exit at a higher rate and fewer of
    // them survive the window. (Not necessarily more exits in all: it also deters entry, and
    // young firms are the ones that exit most.)
    let conventional = |outcome: &str| outcome_rows(&table, "conventional", outcome);
    let hazard = conventional("crisis_hazard");
    assert!(
        floats(&hazard, "difference_ci_low")[1].unwrap() > 0.0,
        "a deeper credit crunch raises the exit hazard: {hazard}"
    );
    let survival = conventional("survival_to_window_end");
    assert!(
        floats(&survival, "difference_ci_high")[1].unwrap() < 0.0,
        "fewer SMEs alive at onset survive it: {survival}"
    );
    // Their jobs fall too, but by less than 1% (20 replications: 95% CI about -2.1% to 0):
    // most of the demand of the firms that fail goes to the ones that survive.
    let employment = conventional("employment_change");
    assert!(
        floats(&employment, "difference")[1].unwrap() < 0.0,
        "a deeper credit crunch costs jobs: {employment}"
    );
    let psm = outcome_rows(&table, "public_service_mutual", "survival_to_window_end");
    let survival: Vec<f64> = floats(&psm, "mean")
        .into_iter()
        .map(Option::unwrap)
        .collect();
    // Arms 2 and 3 renew contracts with probability 0.5 and 0.95; the base renews 0.85.
    assert!(
        survival[2] < survival[0] && survival[0] < survival[3],
        "mutuals survive with renewals: {psm}"
    );
    assert!(
        floats(&psm, "difference_ci_high")[2].unwrap() < 0.0
            && floats(&psm, "difference_ci_low")[3].unwrap() > 0.0
    );
}

#[test]
fn a_dense_numeric_sweep_draws_bands_and_a_sparse_one_bars() {
    let dir = workdir("dense");
    let scenario = dir.join("tiny.toml");
    std::fs::write(&scenario, TINY).unwrap();
    let chart = |points: u32| {
        let out = dir.join(format!("res{points}"));
        succeeds(&[
            "sweep",
            scenario.to_str().unwrap(),
            "--vary",
            &format!("policy.credit_guarantee.coverage=0:0.75:{points}"),
            "-r",
            "2",
            "--format",
            "csv",
            "--out",
            out.to_str().unwrap(),
            "-q",
        ]);
        std::fs::read_to_string(out.join("charts/sweep_policy_credit_guarantee_coverage.svg"))
            .unwrap()
    };
    // 4 settings: a point and a bar at each; 16: a band behind each line, no points.
    let sparse = chart(4);
    assert!(sparse.contains("Bars: 95% confidence intervals."));
    assert!(sparse.contains("<circle") && !sparse.contains("<polygon"));
    let dense = chart(16);
    assert!(dense.contains("Bands: 95% confidence intervals."));
    assert!(dense.contains("<polygon") && !dense.contains("<circle"));
}

#[test]
fn a_dense_grid_heat_map_labels_its_axes_like_ticks_and_leaves_cell_values_to_the_report() {
    let dir = workdir("heat");
    let scenario = dir.join("tiny.toml");
    std::fs::write(&scenario, TINY).unwrap();
    let texts = |points: u32| {
        let out = dir.join(format!("res{points}"));
        succeeds(&[
            "sweep",
            scenario.to_str().unwrap(),
            "--vary",
            &format!("policy.credit_guarantee.coverage=0:1:{points}"),
            "--vary",
            &format!("policy.worker_buyout.probability=0:1:{points}"),
            "--design",
            "grid",
            "-r",
            "1",
            "--format",
            "csv",
            "--out",
            out.to_str().unwrap(),
            "-q",
        ]);
        let svg = std::fs::read_to_string(out.join("charts/heat_map.svg")).unwrap();
        svg.split("</text>")
            .filter_map(|t| t.rfind('>').map(|i| t[i + 1..].trim().to_string()))
            .filter(|t| !t.is_empty())
            .collect::<Vec<String>>()
    };
    // A cell's value and the colour scale's three ends are survival in % with one decimal (the
    // settings, from 0 to 1, are not).
    let one_decimal = |texts: &[String]| {
        texts
            .iter()
            .filter(|t| t.split_once('.').is_some_and(|(_, d)| d.len() == 1))
            .filter(|t| t.parse::<f64>().is_ok_and(|v| v > 1.0))
            .count()
    };
    let sparse = texts(3);
    assert_eq!(one_decimal(&sparse), 3 + 5 * 9, "{sparse:?}");
    // 14 x 14: cells too small for their values; settings of 1/13 apart read 0.07692 (not
    // 0.0769230769231), on every other tick or fewer, and no key of letters.
    let dense = texts(14);
    assert_eq!(one_decimal(&dense), 3, "{dense:?}");
    assert!(
        dense
            .iter()
            .any(|t| t.starts_with("sweep.md has each cell"))
    );
    assert!(dense.iter().any(|t| t == "0.07692"), "{dense:?}");
    assert!(
        !dense.iter().any(|t| t.starts_with("0.076923")),
        "{dense:?}"
    );
    assert!(!dense.iter().any(|t| t.starts_with("A =")), "{dense:?}");
    let ticks_per_panel = dense.iter().filter(|t| *t == "0").count() / 2;
    let labelled = dense
        .iter()
        .filter(|t| t.parse::<f64>().is_ok_and(|v| v < 1.0 + 1e-9))
        .count();
    assert!(
        labelled < 5 * 2 * 14 && ticks_per_panel == 5,
        "{labelled} tick labels: {dense:?}"
    );
}
