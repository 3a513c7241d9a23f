//! `coopsim run` writes a complete, self-describing results folder: the expected files, columns
//! and rows, sane values, identical bytes whatever the thread count, and no partial folders.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use polars::prelude::*;

use coopsim::analysis::summary::{ADDITIVE, ALL, SERIES};

mod common;
use common::{coopsim, floats, read_csv, succeeds};

fn workdir(name: &str) -> common::Workdir {
    common::workdir("run", name)
}

const SMALL: &str = "name = \"small\"\nreplications = 8\nmonths = 48\nwarmup_months = 12\n\
[population]\nfirms = 600\n[crisis]\nonset_month = 12\nduration_months = 12\nrecovery_months = 12\n\
[austerity]\nonset_month = 30\n";

fn run_small(dir: &Path, out: &str, threads: &str) -> PathBuf {
    let scenario = dir.join("small.toml");
    std::fs::write(&scenario, SMALL).unwrap();
    let out = dir.join(out);
    let o = succeeds(&[
        "run",
        scenario.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--threads",
        threads,
        "--quiet",
    ]);
    let stdout = String::from_utf8(o.stdout).unwrap();
    assert!(
        stdout.contains("worker_coop") && stdout.contains(out.to_str().unwrap()),
        "{stdout}"
    );
    out
}

/// Every file of a results folder except the manifest (which records threads and wall time); the
/// small scenario has a shock, so the crisis effect against its control is among them.
const RESULT_FILES: [&str; 25] = [
    "scenario.toml",
    "timeseries.csv",
    "timeseries.parquet",
    "firms.parquet",
    "survival.csv",
    "hazard_ratios.csv",
    "fragility.csv",
    "headline.csv",
    "headline.md",
    "crisis_effect.csv",
    "crisis_effect_monthly.csv",
    "charts/survival.png",
    "charts/survival.svg",
    "charts/employment_index.png",
    "charts/employment_index.svg",
    "charts/pay_index.png",
    "charts/pay_index.svg",
    "charts/reserves_leverage.png",
    "charts/reserves_leverage.svg",
    "charts/employment_by_sector.png",
    "charts/employment_by_sector.svg",
    "charts/fragility_exits.png",
    "charts/fragility_exits.svg",
    "charts/employment_vs_control.png",
    "charts/employment_vs_control.svg",
];

#[test]
fn the_folder_s_scenario_file_runs_again_to_the_same_results() {
    let dir = workdir("rerun");
    let scenario = dir.join("small.toml");
    std::fs::write(&scenario, SMALL).unwrap();
    let first = dir.join("first");
    succeeds(&[
        "run",
        scenario.to_str().unwrap(),
        "-r",
        "3",
        "--set",
        "policy.credit_guarantee.coverage=0.5",
        "--out",
        first.to_str().unwrap(),
        "--no-firms",
        "--quiet",
    ]);
    // The command-line settings are in the file, so it needs none to run the same scenario.
    let copy = first.join("scenario.toml");
    let resolved = coopsim::scenario::load(&copy).unwrap();
    assert_eq!(resolved.replications, 3);
    assert_eq!(resolved.policy.credit_guarantee.coverage, 0.5);
    let again = dir.join("again");
    succeeds(&[
        "run",
        copy.to_str().unwrap(),
        "--out",
        again.to_str().unwrap(),
        "--no-firms",
        "--quiet",
    ]);
    for f in ["headline.csv", "timeseries.csv", "scenario.toml"] {
        assert_eq!(
            std::fs::read(first.join(f)).unwrap(),
            std::fs::read(again.join(f)).unwrap(),
            "{f}"
        );
    }
    // The manifest's hash is the hash of the file's scenario text (below its comment).
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(first.join("manifest.json")).unwrap())
            .unwrap();
    let text = std::fs::read_to_string(&copy).unwrap();
    let (comment, body) = text.split_once("\n\n").unwrap();
    assert!(comment.lines().all(|l| l.starts_with('#')), "{comment}");
    assert_eq!(
        manifest["scenario_hash_fnv1a64"],
        coopsim::scenario::fnv1a(body).as_str()
    );
    // ... and its plan's hash is the hash of that scenario beside its control: the folder names
    // the plan that made it, and the rerun made the same plan.
    let plan = coopsim::experiment::Plan::with_control(resolved.clone());
    assert_eq!(manifest["plan_hash_fnv1a64"], plan.hash().as_str());
    let rerun: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(again.join("manifest.json")).unwrap())
            .unwrap();
    assert_eq!(rerun["plan_hash_fnv1a64"], manifest["plan_hash_fnv1a64"]);
}

#[test]
fn results_folder_has_every_file_with_expected_columns_rows_and_sane_values() {
    let dir = workdir("files");
    let out = run_small(&dir, "res", "2");
    for f in RESULT_FILES.iter().chain(&["manifest.json"]) {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(
        leftovers
            .iter()
            .all(|n| !n.to_string_lossy().contains("partial")),
        "{leftovers:?}"
    );
    assert!(
        !out.join("spill").exists(),
        "the spill files are scratch, not results"
    );

    let ts = read_csv(&out.join("timeseries.csv"));
    assert_eq!(
        ts.height(),
        48 * 6 * 5,
        "month x (5 kinds + all) x (4 sectors + all)"
    );
    for s in SERIES {
        for suffix in ["mean", "q05", "q95"] {
            let c = ts
                .column(&format!("{s}_{suffix}"))
                .unwrap_or_else(|_| panic!("{s}_{suffix}"));
            let c = c.cast(&DataType::Float64).unwrap();
            assert!(
                c.f64().unwrap().iter().flatten().all(f64::is_finite),
                "{s}_{suffix} finite"
            );
        }
        let mean = ts
            .column(&format!("{s}_mean"))
            .unwrap()
            .cast(&DataType::Float64)
            .unwrap();
        let lo = ts
            .column(&format!("{s}_q05"))
            .unwrap()
            .cast(&DataType::Float64)
            .unwrap();
        let hi = ts
            .column(&format!("{s}_q95"))
            .unwrap()
            .cast(&DataType::Float64)
            .unwrap();
        for ((m, l), h) in mean
            .f64()
            .unwrap()
            .iter()
            .zip(lo.f64().unwrap().iter())
            .zip(hi.f64().unwrap().iter())
        {
            if let (Some(m), Some(l), Some(h)) = (m, l, h) {
                assert!(l <= h, "{s}: band inverted");
                assert!(
                    l - 1e-9 <= m && m <= h + 1e-9 || h - l < 1e-12,
                    "{s}: mean {m} outside [{l}, {h}]"
                );
            }
        }
    }

    // Totals equal the sum over sectors, for every series that adds up.
    let sums = ts
        .clone()
        .lazy()
        .filter(col("sector").neq(lit(ALL)))
        .group_by([col("month"), col("kind")])
        .agg(
            ADDITIVE
                .iter()
                .map(|s| col(format!("{s}_mean")).sum())
                .collect::<Vec<_>>(),
        )
        .sort(["month", "kind"], SortMultipleOptions::default())
        .collect()
        .unwrap();
    let totals = ts
        .lazy()
        .filter(col("sector").eq(lit(ALL)))
        .sort(["month", "kind"], SortMultipleOptions::default())
        .collect()
        .unwrap();
    for s in ADDITIVE {
        let name = format!("{s}_mean");
        let a = sums
            .column(&name)
            .unwrap()
            .cast(&DataType::Float64)
            .unwrap();
        let b = totals
            .column(&name)
            .unwrap()
            .cast(&DataType::Float64)
            .unwrap();
        for (x, y) in a.f64().unwrap().iter().zip(b.f64().unwrap().iter()) {
            let (x, y) = (x.unwrap(), y.unwrap());
            assert!(
                (x - y).abs() <= 1e-9 * y.abs().max(1.0),
                "{s}: sectors sum to {x}, total {y}"
            );
        }
    }

    let headline = read_csv(&out.join("headline.csv"));
    assert_eq!(headline.height(), 5);
    let ratio = headline
        .column("hazard_ratio_vs_conventional_mean")
        .unwrap()
        .cast(&DataType::Float64)
        .unwrap();
    assert!(
        (ratio.f64().unwrap().get(0).unwrap() - 1.0).abs() < 1e-12,
        "conventional against itself is 1"
    );

    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["replications"], 8);
    assert_eq!(manifest["threads"], 2);
    assert_eq!(manifest["scenario"]["population"]["firms"], 600);
    assert!(
        manifest["files"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f == "timeseries.parquet")
    );
}

#[test]
fn same_seed_same_bytes_across_thread_counts() {
    let dir = workdir("threads");
    let one = run_small(&dir, "one", "1");
    let two = run_small(&dir, "two", "2");
    for f in RESULT_FILES {
        let a = std::fs::read(one.join(f)).unwrap();
        let b = std::fs::read(two.join(f)).unwrap();
        assert!(a == b, "{f} differs between 1 and 2 threads");
    }
}

#[test]
fn an_existing_folder_is_kept_unless_forced() {
    let dir = workdir("force");
    let out = run_small(&dir, "res", "2");
    std::fs::write(out.join("marker"), "old").unwrap();
    let scenario = dir.join("small.toml");
    let o = coopsim(&[
        "run",
        scenario.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--force"));
    assert!(out.join("marker").exists(), "the old folder is untouched");
    let o = coopsim(&[
        "run",
        scenario.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
        "--force",
    ]);
    assert!(o.status.success());
    assert!(
        !out.join("marker").exists() && out.join("manifest.json").exists(),
        "replaced by the new folder"
    );
}

#[test]
fn survival_firms_fragility_and_charts_are_consistent() {
    let dir = workdir("survival");
    let out = run_small(&dir, "res", "2");

    // Kaplan-Meier: within [0, 1], non-increasing in time, band around the estimate.
    let surv = read_csv(&out.join("survival.csv"));
    let sorted = surv
        .lazy()
        .sort(
            ["kind", "sector", "months_since_onset"],
            SortMultipleOptions::default(),
        )
        .collect()
        .unwrap();
    let kinds = sorted.column("kind").unwrap().str().unwrap().clone();
    let sectors = sorted.column("sector").unwrap().str().unwrap().clone();
    let (s, lo, hi) = (
        floats(&sorted, "survival"),
        floats(&sorted, "ci_low"),
        floats(&sorted, "ci_high"),
    );
    let t = floats(&sorted, "months_since_onset");
    let survival = floats(&sorted, "survival");
    let mut checked_groups = 0;
    for i in 0..sorted.height() {
        let (s, lo, hi) = (s[i].unwrap(), lo[i].unwrap(), hi[i].unwrap());
        assert!((0.0..=1.0).contains(&s), "survival {s}");
        assert!(
            lo <= s + 1e-12 && s <= hi + 1e-12 && lo >= 0.0 && hi <= 1.0,
            "band [{lo}, {hi}] around {s}"
        );
        if t[i] == Some(0.0) {
            assert_eq!(s, 1.0, "everyone is alive at onset");
            checked_groups += 1;
        } else {
            assert_eq!(
                (kinds.get(i), sectors.get(i)),
                (kinds.get(i - 1), sectors.get(i - 1))
            );
            assert!(s <= survival[i - 1].unwrap() + 1e-12, "survival increased");
        }
    }
    let all = survival;
    let last_all = (0..sorted.height())
        .filter(|&i| kinds.get(i) == Some("all") && sectors.get(i) == Some("all"))
        .last()
        .unwrap();
    assert!(
        all[last_all].unwrap() < 1.0,
        "some firms exit over 36 months"
    );

    // One row per firm per replication, with the firms alive at onset carrying their fragility.
    let firms = ParquetReader::new(std::fs::File::open(out.join("firms.parquet")).unwrap())
        .finish()
        .unwrap();
    for c in [
        "replication",
        "firm_id",
        "kind",
        "sector",
        "origin",
        "predecessor_id",
        "birth_month",
        "exit_month",
        "exit_reason",
        "onset_leverage",
        "onset_months_covered",
        "onset_heads",
        "crisis_min_heads",
        "fragility_quintile",
    ] {
        assert!(firms.column(c).is_ok(), "firms.parquet lacks {c}");
    }
    let reps = firms.column("replication").unwrap().n_unique().unwrap();
    assert_eq!(reps, 8);
    // Every firm appears once per replication: at least the initial population, ids unique.
    let per_rep = firms
        .clone()
        .lazy()
        .group_by([col("replication")])
        .agg([col("firm_id").n_unique().alias("ids"), len().alias("rows")])
        .collect()
        .unwrap();
    let (ids, rows) = (floats(&per_rep, "ids"), floats(&per_rep, "rows"));
    assert!(
        ids.iter()
            .zip(&rows)
            .all(|(i, r)| i == r && i.unwrap() >= 600.0),
        "{per_rep}"
    );
    let at_onset = firms
        .clone()
        .lazy()
        .filter(col("onset_heads").is_not_null())
        .collect()
        .unwrap();
    // Every group with a firm at onset has a curve: kind x sector cells, kind totals, sector totals
    // and the grand total.
    let distinct = |cols: &[&str]| {
        at_onset
            .select(cols.iter().copied())
            .unwrap()
            .unique_stable(None, UniqueKeepStrategy::First, None)
            .unwrap()
            .height()
    };
    let groups = distinct(&["kind", "sector"]) + distinct(&["kind"]) + distinct(&["sector"]) + 1;
    assert_eq!(
        checked_groups, groups,
        "one survival curve per group with firms at onset"
    );
    let alive = surv_alive_at_onset(&out);
    assert_eq!(
        at_onset.height() as f64,
        alive,
        "firms.parquet and survival.csv agree on firms at onset"
    );
    assert_eq!(
        at_onset.column("fragility_quintile").unwrap().null_count(),
        0
    );
    let minimum = floats(&at_onset, "crisis_min_heads");
    let onset_heads = floats(&at_onset, "onset_heads");
    assert!(
        minimum
            .iter()
            .zip(&onset_heads)
            .all(|(m, h)| m.unwrap() <= h.unwrap()),
        "crisis minimum above onset headcount"
    );
    // Exit months count as birth months do (negative in the warm-up): no firm exits before birth.
    let (births, exits) = (floats(&firms, "birth_month"), floats(&firms, "exit_month"));
    assert!(
        births
            .iter()
            .zip(&exits)
            .all(|(b, e)| e.is_none_or(|e| e >= b.unwrap())),
        "a firm exits before it is born"
    );

    // Fragility quintiles split the firms at onset into fifths; the fragile fifth exits more.
    let frag = read_csv(&out.join("fragility.csv"));
    let all_kinds = frag
        .lazy()
        .filter(col("kind").eq(lit("all")))
        .sort(["quintile"], SortMultipleOptions::default())
        .collect()
        .unwrap();
    assert_eq!(all_kinds.height(), 5);
    let firms_q = floats(&all_kinds, "firms");
    let total: f64 = firms_q.iter().map(|v| v.unwrap()).sum();
    assert_eq!(total, alive);
    assert!(
        firms_q
            .iter()
            .all(|f| (f.unwrap() - total / 5.0).abs() <= 8.0 + 1e-9),
        "quintiles are fifths: {firms_q:?}"
    );
    let share = floats(&all_kinds, "exit_share");
    assert!(
        share[4].unwrap() > share[0].unwrap(),
        "the most fragile fifth exits more than the most robust: {share:?}"
    );

    let hazard = read_csv(&out.join("hazard_ratios.csv"));
    assert_eq!(hazard.height(), 4, "one row per co-op kind");
    for (l, h) in floats(&hazard, "ci_low")
        .iter()
        .zip(floats(&hazard, "ci_high"))
    {
        assert!(l.unwrap() <= h.unwrap());
    }

    // Charts: PNGs are print-sized, SVGs carry their text as text.
    for entry in std::fs::read_dir(out.join("charts")).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        if path.extension().unwrap() == "png" {
            assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "{path:?}");
            let width = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
            assert!(width >= 1600, "{path:?} is {width} px wide");
        } else {
            let text = String::from_utf8(bytes).unwrap();
            assert!(
                text.contains("<svg") && text.contains("crisis window"),
                "{path:?}"
            );
        }
    }
}

/// Firms alive at onset over all replications, from survival.csv's all x all group at t = 0.
fn surv_alive_at_onset(out: &Path) -> f64 {
    let surv = read_csv(&out.join("survival.csv"));
    let row = surv
        .lazy()
        .filter(
            col("kind")
                .eq(lit("all"))
                .and(col("sector").eq(lit("all")))
                .and(col("months_since_onset").eq(lit(0))),
        )
        .collect()
        .unwrap();
    floats(&row, "at_risk")[0].unwrap()
}

/// `coopsim run` of the small scenario (written into `dir`) into `out`, with `extra` options.
fn run_small_into(dir: &Path, out: &Path, extra: &[&str]) -> Output {
    let scenario = dir.join("small.toml");
    std::fs::write(&scenario, SMALL).unwrap();
    let mut args = vec![
        "run",
        scenario.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    coopsim(&args)
}

#[test]
fn no_firms_skips_the_firm_table_only() {
    let dir = workdir("nofirms");
    let out = dir.join("res");
    let o = run_small_into(&dir, &out, &["--no-firms", "--format", "csv", "-q"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!out.join("firms.parquet").exists() && !out.join("timeseries.parquet").exists());
    assert!(out.join("survival.csv").is_file() && out.join("timeseries.csv").is_file());
}

#[test]
fn force_never_replaces_a_folder_or_file_a_run_did_not_write() {
    let dir = workdir("notresults");
    let documents = dir.join("documents");
    std::fs::create_dir_all(&documents).unwrap();
    std::fs::write(documents.join("thesis.txt"), "years of work").unwrap();
    let file = dir.join("table.csv");
    std::fs::write(&file, "a,b\n").unwrap();
    let forced = ["-r", "1", "--quiet", "--force"];
    for (target, what) in [
        (documents.clone(), "holds other files"),
        (file.clone(), "is a file"),
        (file.join("res"), "table.csv is a file"),
    ] {
        let o = run_small_into(&dir, &target, &forced);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains(what) && stderr.contains("--out"),
            "{stderr}"
        );
    }
    assert_eq!(
        std::fs::read_to_string(documents.join("thesis.txt")).unwrap(),
        "years of work"
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "a,b\n");
    let left: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        !left.iter().any(|n| n.starts_with('.')),
        "no staging left: {left:?}"
    );
    // An empty folder made for the results is fine.
    let empty = dir.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let o = run_small_into(&dir, &empty, &forced);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn intervals_stay_within_what_each_outcome_can_take_at_few_replications() {
    // Two replications of a small population: t with one degree of freedom is 12.7, so a plain
    // t interval of a share reaches far below 0 or above 1.
    let dir = workdir("bounds");
    let out = dir.join("res");
    let o = run_small_into(
        &dir,
        &out,
        &["-r", "2", "--no-firms", "--format", "csv", "-q"],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let headline = read_csv(&out.join("headline.csv"));
    for outcome in coopsim::analysis::summary::HEADLINE {
        let (lo, hi) = coopsim::analysis::summary::outcome_range(outcome);
        let mean = floats(&headline, &format!("{outcome}_mean"));
        let low = floats(&headline, &format!("{outcome}_ci_low"));
        let high = floats(&headline, &format!("{outcome}_ci_high"));
        for ((m, l), h) in mean.iter().zip(&low).zip(&high) {
            let (Some(m), Some(l), Some(h)) = (m, l, h) else {
                continue;
            };
            assert!(
                lo <= *l && l <= m && m <= h && *h <= hi,
                "{outcome}: {l} <= {m} <= {h} within [{lo}, {hi}]"
            );
        }
    }
}

/// Starts a long run into `out` and sends `signals` (10 ms apart) once its partial folder exists.
fn interrupt_run(dir: &Path, out: &Path, signals: &[&str]) -> std::process::ExitStatus {
    let scenario = dir.join("long.toml");
    std::fs::write(
        &scenario,
        "name = \"long\"\nreplications = 2000\n[population]\nfirms = 3000\n",
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_coopsim"))
        .args([
            "run",
            scenario.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--force",
            "-q",
            "--threads",
            "2",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let partial_exists = || {
        std::fs::read_dir(dir).unwrap().any(|e| {
            e.unwrap()
                .file_name()
                .to_string_lossy()
                .contains(".partial-")
        })
    };
    let started = std::time::Instant::now();
    while !partial_exists() {
        assert!(started.elapsed().as_secs() < 60, "the run never started");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    let pid = child.id().to_string();
    for (i, signal) in signals.iter().enumerate() {
        let sent = Command::new("kill").args([*signal, &pid]).status().unwrap();
        // A later signal may find the process already gone.
        assert!(i > 0 || sent.success(), "kill {signal} {pid}");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    child.wait().unwrap()
}

#[test]
fn an_interrupted_run_leaves_the_previous_results_and_no_partial_folder_under_the_final_name() {
    let dir = workdir("interrupt");
    let out = run_small(&dir, "res", "2");
    std::fs::write(out.join("marker"), "old").unwrap();

    // Ctrl-C: a prompt stop with status 130, the staging folder removed, the old folder intact.
    // Ctrl-C twice (an impatient user, or `timeout`, which signals the process and then its
    // group): the second ends the process at once, and still removes the staging folder.
    // SIGTERM (a scheduler's stop) and SIGHUP (the terminal closed) end it as Ctrl-C does.
    for signals in [&["-INT"][..], &["-INT", "-INT"], &["-TERM"], &["-HUP"]] {
        let status = interrupt_run(&dir, &out, signals);
        assert_eq!(status.code(), Some(130), "{signals:?}");
        assert!(
            out.join("marker").exists() && out.join("manifest.json").exists(),
            "the old results survive {signals:?}"
        );
        let names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(
            names.iter().all(|n| !n.contains(".partial-")),
            "staging removed after {signals:?}: {names:?}"
        );
    }

    // SIGKILL cannot be caught: the staging folder stays behind, but under its own name, and
    // the folder with the final name is still the old, complete one.
    let status = interrupt_run(&dir, &out, &["-KILL"]);
    assert!(!status.success());
    assert!(
        out.join("marker").exists() && out.join("manifest.json").exists(),
        "the old results survive"
    );
    let partials = || {
        std::fs::read_dir(&dir)
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .starts_with(".res.partial-")
            })
            .count()
    };
    assert_eq!(partials(), 1, "the killed run's staging folder is left");

    // The next run into the same folder clears what the killed run left.
    run_small_forced(&dir, "res");
    assert_eq!(partials(), 0, "the stale staging folder is removed");
    assert!(!out.join("marker").exists(), "--force replaced the results");
}

fn run_small_forced(dir: &Path, out: &str) {
    let scenario = dir.join("small.toml");
    succeeds(&[
        "run",
        scenario.to_str().unwrap(),
        "--out",
        dir.join(out).to_str().unwrap(),
        "--force",
        "--quiet",
    ]);
}
