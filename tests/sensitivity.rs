//! `coopsim sensitivity` on the model: its results folder, a parameter nothing reads scored 0,
//! the same bytes whatever the thread count and when rerun from the folder's scenario, and bad
//! ranges, samples and outcomes refused with located errors before anything runs. (The
//! estimators themselves are tested on functions with known answers in src/analysis.)

use std::path::{Path, PathBuf};

use polars::prelude::*;

mod common;
use common::{coopsim, read_csv, succeeds};

fn workdir(name: &str) -> common::Workdir {
    common::workdir("sensitivity", name)
}

/// A small economy without social co-ops of type A, so their parameters are read by no firm.
const SMALL: &str = "name = \"small\"\nreplications = 3\nmonths = 36\nwarmup_months = 12\n\
[population]\nfirms = 300\n[population.kind_mix]\nconventional = 0.7\nworker_coop = 0.2\n\
social_coop_a = 0.0\nsocial_coop_b = 0.05\npublic_service_mutual = 0.05\n\
[crisis]\nonset_month = 12\nduration_months = 6\nrecovery_months = 6\n[austerity]\nonset_month = 24\n";

fn scenario(dir: &Path) -> PathBuf {
    let path = dir.join("small.toml");
    std::fs::write(&path, SMALL).unwrap();
    path
}

const VARY: [&str; 4] = [
    "--vary",
    "policy.credit_guarantee.coverage=0..0.8",
    "--vary",
    "kinds.social_coop_a.capital_per_worker_share=0.3..0.9",
];

fn morris(dir: &Path, out: &str, threads: &str) -> PathBuf {
    let out = dir.join(out);
    let path = scenario(dir);
    let mut args = vec!["sensitivity", path.to_str().unwrap()];
    args.extend(VARY);
    args.extend(["--samples", "3", "--threads", threads, "--quiet", "--out"]);
    args.push(out.to_str().unwrap());
    let o = succeeds(&args);
    let stdout = String::from_utf8(o.stdout).unwrap();
    assert!(
        stdout.contains("survival_gap: parameters ranked by mu_star"),
        "{stdout}"
    );
    out
}

#[test]
fn a_morris_analysis_writes_its_folder_and_scores_an_unread_parameter_zero() {
    let dir = workdir("morris");
    let out = morris(&dir, "res", "2");
    for f in [
        "sensitivity.csv",
        "sensitivity.parquet",
        "sensitivity.md",
        "design.parquet",
        "scenario.toml",
        "manifest.json",
        "charts/sensitivity_survival_gap.png",
        "charts/sensitivity_survival_gap.svg",
    ] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    let table = read_csv(&out.join("sensitivity.csv"));
    // Six outcomes x two parameters x (mu*, mu, sigma).
    assert_eq!(table.height(), 6 * 2 * 3);
    let unread = table
        .clone()
        .lazy()
        .filter(
            col("parameter")
                .eq(lit("kinds.social_coop_a.capital_per_worker_share"))
                .and(col("index").eq(lit("mu_star"))),
        )
        .collect()
        .unwrap();
    let values: Vec<f64> = unread
        .column("value")
        .unwrap()
        .f64()
        .unwrap()
        .into_no_null_iter()
        .collect();
    assert_eq!(values.len(), 6);
    assert!(values.iter().all(|v| *v == 0.0), "{values:?}");
    // Three trajectories of three points each, with each outcome's mean and standard error.
    let design = ParquetReader::new(std::fs::File::open(out.join("design.parquet")).unwrap())
        .finish()
        .unwrap();
    assert_eq!(design.height(), 9);
    assert!(design.column("survival_gap_mean").is_ok());
    assert!(design.column("policy.credit_guarantee.coverage").is_ok());
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["points"], 9);
    assert_eq!(manifest["plan_hash_fnv1a64"].as_str().unwrap().len(), 16);
}

#[test]
fn the_same_analysis_gives_the_same_bytes_on_any_thread_count_and_again_from_its_folder() {
    let dir = workdir("same");
    let one = morris(&dir, "one", "1");
    let two = morris(&dir, "two", "2");
    let again = dir.join("again");
    succeeds(&[
        "sensitivity",
        one.join("scenario.toml").to_str().unwrap(),
        "--quiet",
        "--out",
        again.to_str().unwrap(),
    ]);
    for f in ["sensitivity.csv", "sensitivity.md"] {
        let bytes = std::fs::read(one.join(f)).unwrap();
        assert_eq!(
            bytes,
            std::fs::read(two.join(f)).unwrap(),
            "{f}, 1 vs 2 threads"
        );
        assert_eq!(bytes, std::fs::read(again.join(f)).unwrap(), "{f}, rerun");
    }
}

#[test]
fn bad_ranges_samples_and_outcomes_are_refused_before_anything_runs() {
    let dir = workdir("bad");
    let path = scenario(&dir);
    let out = dir.join("never");
    let refused = |extra: &[&str]| -> String {
        let mut args = vec!["sensitivity", path.to_str().unwrap(), "--out"];
        args.push(out.to_str().unwrap());
        args.extend(extra);
        let o = coopsim(&args);
        assert_eq!(o.status.code(), Some(2), "{extra:?}");
        assert!(!out.exists(), "nothing written for {extra:?}");
        String::from_utf8(o.stderr).unwrap()
    };
    let e = refused(&["--vary", "policy.credit_guarante.coverage=0..0.5"]);
    assert!(e.contains("policy.credit_guarantee.coverage"), "{e}");
    let e = refused(&["--vary", "policy.credit_guarantee.coverage=0.5..0.1"]);
    assert!(e.contains("LO below HI"), "{e}");
    let e = refused(&["--vary", "bank.capital_requirement=0..0.1:log"]);
    assert!(e.contains("log range above 0"), "{e}");
    let e = refused(&[
        "--vary",
        "policy.credit_guarantee.coverage=0..0.5",
        "--vary",
        "policy.credit_guarantee.coverage=0..0.8",
    ]);
    assert!(e.contains("varied once"), "{e}");
    let e = refused(&["--vary", VARY[1], "--method", "sobol", "--samples", "4"]);
    assert!(e.contains("at least 8 base samples"), "{e}");
    let e = refused(&["--vary", VARY[1], "--outcome", "worker_coop.survival"]);
    assert!(e.contains("worker_coop.survival_to_window_end"), "{e}");
    let e = refused(&["--vary", VARY[1], "--levels", "3"]);
    assert!(e.contains("even number"), "{e}");
    let e = refused(&[]);
    assert!(e.contains("at least one range"), "{e}");
    // Each range valid alone, but some combination of them breaks a rule that ties the two.
    let e = refused(&[
        "--vary",
        "kinds.worker_coop.fund_levy_share=0..0.5",
        "--vary",
        "kinds.worker_coop.indivisible_reserve_share=0..0.9",
    ]);
    assert!(
        e.contains("every point of the design") && e.contains("at most 1"),
        "{e}"
    );
}
