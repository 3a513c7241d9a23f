//! The binary on real files: shipped scenarios pass `check`, bad values are rejected with the key,
//! the line and exit status 2, and `run` prints a headline table.

use std::path::PathBuf;
use std::process::{Command, Output};

fn coopsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_coopsim"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn scenario_file(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("coopsim-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn rejected(name: &str, text: &str) -> String {
    let path = scenario_file(name, text);
    let out = coopsim(&["check", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{name} should be rejected");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        !stderr.contains("panicked") && !stderr.contains("backtrace"),
        "{stderr}"
    );
    assert!(
        stderr.contains(name),
        "the message names the file: {stderr}"
    );
    stderr
}

#[test]
fn shipped_scenarios_pass_check() {
    for name in ["baseline_2008.toml", "no_crisis.toml"] {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios")
            .join(name);
        let out = coopsim(&["check", path.to_str().unwrap()]);
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let resolved = String::from_utf8(out.stdout).unwrap();
        assert!(
            resolved.contains("hours_floor"),
            "check prints the resolved scenario with defaults"
        );
    }
}

#[test]
fn a_negative_count_is_rejected_with_key_and_line() {
    let e = rejected("negative.toml", "months = 60\n\n[population]\nfirms = -5\n");
    assert!(e.contains("population.firms") && e.contains(":4:"), "{e}");
    assert!(e.contains("whole number of at least 0"), "{e}");
}

#[test]
fn shares_that_do_not_sum_to_one_are_rejected() {
    let e = rejected(
        "shares.toml",
        "[population.kind_mix]\nconventional = 0.9\nworker_coop = 0.3\n",
    );
    assert!(
        e.contains("population.kind_mix") && e.contains("sum to 1"),
        "{e}"
    );
}

#[test]
fn a_probability_outside_zero_one_is_rejected() {
    let e = rejected(
        "probability.toml",
        "[policy.public_contracts]\nrenewal_probability = 1.4\n",
    );
    assert!(
        e.contains("policy.public_contracts.renewal_probability") && e.contains("from 0 to 1"),
        "{e}"
    );
    assert!(e.contains(":2:"), "{e}");
}

#[test]
fn a_floor_above_one_is_rejected() {
    let e = rejected("floor.toml", "[kinds.worker_coop]\nhours_floor = 1.2\n");
    assert!(e.contains("kinds.worker_coop.hours_floor"), "{e}");
}

#[test]
fn onset_after_the_horizon_is_rejected() {
    let e = rejected("onset.toml", "months = 24\n[crisis]\nonset_month = 30\n");
    assert!(
        e.contains("crisis.onset_month") && e.contains("before the horizon"),
        "{e}"
    );
}

#[test]
fn an_unknown_key_suggests_the_nearest() {
    let e = rejected("typo.toml", "[kinds.worker_coop]\nhours_flor = 0.6\n");
    assert!(e.contains("did you mean `hours_floor`"), "{e}");
}

#[test]
fn an_unknown_kind_is_rejected() {
    let e = rejected("kind.toml", "[kinds.platform_coop]\nhours_floor = 0.6\n");
    assert!(e.contains("platform_coop"), "{e}");
}

#[test]
fn a_missing_file_is_a_clear_error() {
    let out = coopsim(&["check", "no/such/scenario.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no such file"));
}

#[test]
fn run_prints_a_headline_for_every_kind() {
    let path = scenario_file(
        "small.toml",
        "replications = 3\n[population]\nfirms = 400\n",
    );
    let folder = path.with_file_name("small-results");
    let _ = std::fs::remove_dir_all(&folder);
    let out = coopsim(&[
        "run",
        path.to_str().unwrap(),
        "--threads",
        "2",
        "--quiet",
        "--out",
        folder.to_str().unwrap(),
        "--set",
        "policy.credit_guarantee.coverage=0.5",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let table = String::from_utf8(out.stdout).unwrap();
    for kind in [
        "conventional",
        "worker_coop",
        "social_coop_a",
        "social_coop_b",
        "public_service_mutual",
    ] {
        assert!(table.contains(kind), "{table}");
    }
}

#[test]
fn a_bad_override_is_rejected() {
    let path = scenario_file("small2.toml", "replications = 2\n");
    let out = coopsim(&[
        "run",
        path.to_str().unwrap(),
        "--set",
        "policy.credit_guarantee.coverage=2",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(e.contains("policy.credit_guarantee.coverage"), "{e}");
}
