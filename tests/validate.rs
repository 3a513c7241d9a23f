//! `coopsim validate` end to end on a small scenario and a small targets file: the table, the
//! exit status both ways, thread-count independence and located errors for broken files.

mod common;

use std::path::Path;

use common::{coopsim, workdir};

const SCENARIO: &str = r#"
name = "small"
replications = 4
months = 48
warmup_months = 12

[population]
firms = 400

[crisis]
onset_month = 18
fall_months = 3
duration_months = 6
recovery_months = 6

[crisis.depth]
manufacturing = 0.2
construction = 0.2

[austerity]
onset_month = 30
"#;

/// Targets on the small scenario; `band` is the hazard ratio's band.
fn targets(band: &str) -> String {
    format!(
        r#"
[scenarios.base]
file = "small.toml"

[scenarios.calm]
file = "small.toml"
set = ["crisis.depth.manufacturing=0", "crisis.depth.construction=0"]

[[target]]
id = "A"
figure = "co-ops exit less"
source = "test"
calibrated = false

[[target.measure]]
metric = "hazard_ratio"
scenario = "base"
kind = "worker_coop"
band = {band}

[[target]]
id = "B"
figure = "the crisis kills firms"
source = "test"
calibrated = true

[[target.measure]]
metric = "death_rate_ratio"
scenario = "base"
control = "calm"
window_months = 6
band = [0, 100]

[[target.measure]]
metric = "cohort_survival"
scenario = "base"
kind = "conventional"
age_months = 12
band = [0, 1]

# A paired difference of a scenario with itself is exactly 0 in every replication.
[[target.measure]]
label = "hazard ratio minus itself"
metric = "hazard_ratio"
scenario = "base"
kind = "worker_coop"
band = [0, 0]
interval_excludes = 1
minus = {{ scenario = "base" }}

[[target.measure]]
metric = "drift"
scenario = "calm"
series = "hours"
kind = ["conventional", "worker_coop"]
band = [-1, 1]
"#
    )
}

fn setup(name: &str, band: &str) -> common::Workdir {
    let dir = workdir("validate", name);
    std::fs::write(dir.join("small.toml"), SCENARIO).unwrap();
    std::fs::write(dir.join("targets.toml"), targets(band)).unwrap();
    dir
}

fn validate(dir: &Path, out: &str, extra: &[&str]) -> std::process::Output {
    let targets = dir.join("targets.toml");
    let out = dir.join(out);
    let mut args = vec![
        "validate",
        targets.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ];
    args.extend_from_slice(extra);
    coopsim(&args)
}

#[test]
fn validate_writes_the_table_and_exits_0_when_every_band_holds() {
    let dir = setup("met", "[0, 100]");
    let o = validate(&dir, "v", &[]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        stdout.contains("2 of 2 targets met (6 of 6 measures)"),
        "{stdout}"
    );
    let csv = std::fs::read_to_string(dir.join("v/validation.csv")).unwrap();
    let header = csv.lines().next().unwrap();
    for column in [
        "id",
        "measure",
        "band_low",
        "band_high",
        "mean",
        "ci_low",
        "ci_high",
        "replications",
        "met",
        "target_met",
        "calibrated",
        "figure",
        "source",
    ] {
        assert!(
            header.split(',').any(|c| c == column),
            "no {column} in {header}"
        );
    }
    assert_eq!(csv.lines().count(), 1 + 6, "{csv}");
    let itself = csv
        .lines()
        .find(|l| l.contains("hazard ratio minus itself"))
        .unwrap();
    assert!(itself.contains(",0.0,0.0,0.0,4,true,"), "{itself}");
    for file in [
        "validation.md",
        "manifest.json",
        "targets.toml",
        "scenarios/base.toml",
    ] {
        assert!(dir.join("v").join(file).is_file(), "{file} missing");
    }
    // The folder's own targets file runs the same validation again.
    let again = coopsim(&[
        "validate",
        dir.join("v/targets.toml").to_str().unwrap(),
        "--out",
        dir.join("again").to_str().unwrap(),
        "--quiet",
    ]);
    assert_eq!(
        again.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("again/validation.csv")).unwrap(),
        csv
    );
}

#[test]
fn validate_exits_1_when_a_band_leaves_out_the_model() {
    let dir = setup("not-met", "[50, 60]");
    let o = validate(&dir, "v", &[]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{stdout}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(stdout.contains("NOT MET"), "{stdout}");
    assert!(stdout.contains("1 of 2 targets met"), "{stdout}");
    // The results are kept: a failed validation is an answer, not an error.
    let csv = std::fs::read_to_string(dir.join("v/validation.csv")).unwrap();
    assert!(
        csv.lines().nth(1).unwrap().contains(",false,false,"),
        "{csv}"
    );
}

#[test]
fn validation_does_not_depend_on_the_thread_count() {
    let dir = setup("threads", "[0, 100]");
    for (out, threads) in [("one", "1"), ("two", "2")] {
        let o = validate(&dir, out, &["--threads", threads]);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    assert_eq!(
        std::fs::read(dir.join("one/validation.csv")).unwrap(),
        std::fs::read(dir.join("two/validation.csv")).unwrap()
    );
}

#[test]
fn a_broken_targets_file_is_a_located_error_and_writes_nothing() {
    let dir = setup("broken", "[0, 100]");
    let text = targets("[0, 100]").replace("metric = \"drift\"", "metric = \"drfit\"");
    std::fs::write(dir.join("targets.toml"), &text).unwrap();
    let o = validate(&dir, "v", &[]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    let line = text.lines().position(|l| l.contains("drfit")).unwrap() + 1;
    assert!(
        stderr.contains(&format!("targets.toml:{line}:")),
        "{stderr}"
    );
    assert!(stderr.contains("did you mean `drift`?"), "{stderr}");
    assert!(!dir.join("v").exists());

    // A measure its scenario cannot give: followed past the horizon.
    let text = targets("[0, 100]").replace("age_months = 12", "age_months = 40");
    std::fs::write(dir.join("targets.toml"), &text).unwrap();
    let o = validate(&dir, "v", &[]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("past the horizon"), "{stderr}");
    let line = text
        .lines()
        .position(|l| l.contains("\"cohort_survival\""))
        .unwrap()
        + 1;
    assert!(
        stderr.contains(&format!("targets.toml:{line}:")),
        "{stderr}"
    );

    // A change to a scenario that names no parameter, located in the targets file.
    let text =
        targets("[0, 100]").replace("crisis.depth.construction=0", "crisis.dept.construction=0");
    std::fs::write(dir.join("targets.toml"), &text).unwrap();
    let o = validate(&dir, "v", &[]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("crisis.dept.construction"), "{stderr}");
    assert!(
        stderr.contains("did you mean `crisis.depth.construction`?"),
        "{stderr}"
    );
    assert!(!dir.join("v").exists());
}

#[test]
fn the_shipped_targets_file_reads_and_every_measure_can_be_taken() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("validation/targets.toml");
    let (t, _) = coopsim::commands::validate::load_targets(&path).unwrap_or_else(|e| panic!("{e}"));
    let ids: Vec<&str> = t.targets.iter().map(|t| t.id.as_str()).collect();
    let expected: Vec<String> = (1..=11).map(|i| format!("T{i}")).collect();
    assert_eq!(ids, expected);
    let scenarios = coopsim::commands::validate::resolve_scenarios(&t, None, Some(2))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        scenarios
            .iter()
            .all(|s| s.replications == 2 && s.seed == scenarios[0].seed)
    );
    // Out of sample outnumbers calibrated (VALIDATION.md's rule of the game).
    let calibrated = t.targets.iter().filter(|t| t.calibrated).count();
    assert!(2 * calibrated <= t.targets.len());
}
