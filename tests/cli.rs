//! The binary on real files: shipped scenarios pass `check`, bad values are rejected with the key,
//! the line and exit status 2, and `run` prints a headline table; shell completions and the
//! manual pages name every command.

use std::path::PathBuf;
use std::process::Command;

mod common;
use common::{coopsim, succeeds};

/// A scenario file in a scratch folder of its own, removed (with whatever a test wrote beside the
/// file) when the value goes out of scope in a passing test.
struct ScenarioFile {
    _dir: common::Workdir,
    path: PathBuf,
}

impl std::ops::Deref for ScenarioFile {
    type Target = std::path::Path;
    fn deref(&self) -> &std::path::Path {
        &self.path
    }
}

impl AsRef<std::path::Path> for ScenarioFile {
    fn as_ref(&self) -> &std::path::Path {
        &self.path
    }
}

fn scenario_file(name: &str, text: impl AsRef<[u8]>) -> ScenarioFile {
    let dir = common::workdir("cli", name);
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    ScenarioFile { _dir: dir, path }
}

fn rejected(name: &str, text: impl AsRef<[u8]>) -> String {
    let path = scenario_file(name, text);
    rejected_path(name, &path)
}

fn rejected_path(name: &str, path: &std::path::Path) -> String {
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
    assert!(e.contains("whole number from 0 to"), "{e}");
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
fn a_nan_is_reported_on_its_own_key_only() {
    // Another key's range is bounded by the base rate; a NaN there must not be reported as
    // a second, nonsensical problem ("from NaN to 1") on that key.
    let e = rejected("nan.toml", "[bank]\nbase_rate_annual = nan\n");
    assert!(
        e.contains("bank.base_rate_annual") && e.contains("finite"),
        "{e}"
    );
    assert!(!e.contains("NaN to"), "{e}");
    assert!(!e.contains("problems in the scenario"), "{e}");
}

#[test]
fn check_refuses_a_sweep_table_that_would_run_only_the_base() {
    let e = rejected(
        "onlybase.toml",
        "[policy.credit_guarantee]\ncoverage = 0.5\n[sweep]\nvary = [\"policy.credit_guarantee.coverage=0.5\"]\n",
    );
    assert!(
        e.contains("sweep.vary") && e.contains("other than the base"),
        "{e}"
    );
    assert!(e.contains(":4:"), "{e}");
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
    assert!(e.contains("unknown firm kind `platform_coop`"), "{e}");
    assert!(e.contains("worker_coop"), "the valid kinds are listed: {e}");
}

#[test]
fn a_toml_syntax_error_points_at_the_place() {
    let e = rejected("syntax.toml", "months = 60\n[population\nfirms = 10\n");
    assert!(e.contains("TOML syntax error"), "{e}");
    assert!(
        e.contains("syntax.toml:2:12") && e.contains("2 | [population"),
        "{e}"
    );
}

#[test]
fn a_value_that_is_not_toml_names_its_key_and_what_the_key_takes() {
    let e = rejected(
        "value.toml",
        "months = 60\n[bank]\n# leverage\nmax_leverage = 0.5.5\n",
    );
    assert!(
        e.contains("value.toml: `bank.max_leverage`: TOML syntax error: invalid float\n"),
        "{e}"
    );
    assert!(e.contains("value.toml:4:19"), "{e}");
    assert!(
        e.contains("help: `bank.max_leverage` (share of assets): Maximum post-loan leverage"),
        "{e}"
    );
}

#[test]
fn a_wrong_type_names_the_key_and_what_was_expected() {
    let e = rejected("type.toml", "replications = 4\nmonths = \"sixty\"\n");
    assert!(
        e.contains("`months`") && e.contains("type.toml:2:10"),
        "{e}"
    );
    assert!(
        e.contains("expected a whole number") && e.contains("\"sixty\""),
        "the message says what was expected and what was found: {e}"
    );
}

#[test]
fn zero_replications_or_months_are_rejected() {
    let e = rejected("zero_reps.toml", "replications = 0\n");
    assert!(
        e.contains("`replications`") && e.contains("at least 1") && e.contains(":1:16"),
        "{e}"
    );
    let e = rejected("zero_months.toml", "months = 0\n");
    assert!(e.contains("`months`") && e.contains("at least 1"), "{e}");
}

#[test]
fn an_unknown_sector_is_named_as_a_sector() {
    let e = rejected("sector.toml", "[sectors.mining]\nbase_demand = 1\n");
    assert!(e.contains("unknown sector `mining`"), "{e}");
    assert!(
        e.contains("retail_hospitality"),
        "the valid sectors are listed: {e}"
    );
    let e = rejected(
        "sector_mix.toml",
        "[kinds.worker_coop.sector_mix]\nmanufacturing = 0.5\nmining = 0.5\n",
    );
    assert!(
        e.contains("unknown sector `mining`") && e.contains(":3:1"),
        "{e}"
    );
}

#[test]
fn a_non_utf8_file_names_the_line_and_column() {
    let e = rejected("latin1.toml", b"months = 60\nname = \"caf\xe9\"\n");
    assert!(
        e.contains("not UTF-8") && e.contains("latin1.toml:2:12"),
        "{e}"
    );
}

#[test]
fn a_directory_is_not_a_scenario() {
    let scratch = common::workdir("cli", "folder");
    let dir = scratch.join("folder.toml");
    std::fs::create_dir_all(&dir).unwrap();
    let e = rejected_path("folder.toml", &dir);
    assert!(e.contains("is a directory"), "{e}");
}

#[test]
fn an_unreadable_file_is_a_clear_error() {
    use std::os::unix::fs::PermissionsExt;
    let path = scenario_file("locked.toml", "months = 60\n");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&path).is_ok() {
        // Running as root: permissions do not stop reads, so there is nothing to test here.
        return;
    }
    let e = rejected_path("locked.toml", &path);
    assert!(e.contains("permission denied"), "{e}");
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
    let out = succeeds(&[
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

#[test]
fn a_run_too_large_for_memory_is_refused_before_it_starts() {
    // 50 million firms on 64 threads needs terabytes, on any machine this test runs on.
    if coopsim::experiment::budget::available_memory().is_none() {
        // Nowhere to read available memory from: the check is skipped, and so is this test.
        return;
    }
    let path = scenario_file(
        "huge.toml",
        "replications = 2\n[population]\nfirms = 50000000\n",
    );
    let out_dir = path.with_file_name("huge-results");
    let out = coopsim(&[
        "run",
        path.to_str().unwrap(),
        "--threads",
        "64",
        "--quiet",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(
        e.contains("not started") && e.contains("GB") && e.contains("--threads"),
        "{e}"
    );
    assert!(!out_dir.exists(), "nothing is written");
    let leftovers = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .contains("huge-results")
        })
        .count();
    assert_eq!(leftovers, 0, "no partial folder either");
}

#[test]
fn params_lists_only_the_keys_asked_for_and_says_when_none_match() {
    let o = coopsim(&["params", "Credit_Guarantee"]);
    assert!(o.status.success());
    let table = String::from_utf8(o.stdout).unwrap();
    let rows: Vec<&str> = table.lines().skip(2).collect();
    assert!(!rows.is_empty(), "{table}");
    assert!(
        rows.iter()
            .all(|r| r.starts_with("| `policy.credit_guarantee.")),
        "{table}"
    );
    let o = coopsim(&["params", "no_such_thing"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty());
    let stderr = String::from_utf8(o.stderr).unwrap();
    assert!(
        stderr.contains("no parameter key contains `no_such_thing`"),
        "{stderr}"
    );
}

#[test]
fn a_horizon_that_cuts_the_crisis_window_is_noted_for_the_scenario_and_for_each_arm_it_cuts() {
    // The baseline's crisis path (onset 36, 18 + 24 months) runs to month 77.
    let note = |who: &str, last: u32| {
        format!(
            "note: {who}: the crisis path runs to month 77 but the horizon ends at month {last}"
        )
    };
    let cut = scenario_file("cut.toml", "name = \"cut\"\nmonths = 60\n");
    let check = coopsim(&["check", cut.to_str().unwrap()]);
    assert!(check.status.success());
    let stderr = String::from_utf8_lossy(&check.stderr);
    assert!(stderr.contains(&note("cut", 59)), "{stderr}");

    let path = scenario_file(
        "short.toml",
        "name = \"short\"\nreplications = 1\nwarmup_months = 6\n[population]\nfirms = 200\n",
    );
    let folder = path.with_file_name("short-sweep");
    let out = coopsim(&[
        "sweep",
        path.to_str().unwrap(),
        "--vary",
        "months=60,70,120",
        "--quiet",
        "--force",
        "--out",
        folder.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains(&note("short, arm months=60", 59)),
        "{stderr}"
    );
    assert!(
        stderr.contains(&note("short, arm months=70", 69)),
        "{stderr}"
    );
    assert_eq!(
        stderr.matches("note:").count(),
        2,
        "the base and the arm at 120 are not cut: {stderr}"
    );
}

#[test]
fn a_name_that_is_a_path_is_refused_before_anything_is_written() {
    let e = rejected("escape.toml", "months = 60\nname = \"../escaped\"\n");
    assert!(e.contains("`name`") && e.contains(":2:"), "{e}");
    assert!(e.contains("\"../escaped\": it has `/`"), "{e}");
    // A run into the default folder, output/<name>, stops there: nothing lands beside or below.
    let path = scenario_file(
        "escape_run.toml",
        "name = \"../escaped\"\nreplications = 1\n[population]\nfirms = 20\n",
    );
    let cwd = path.with_file_name("escape_cwd");
    std::fs::create_dir_all(&cwd).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_coopsim"))
        .args(["run", path.to_str().unwrap(), "--quiet"])
        .current_dir(&cwd)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(std::fs::read_dir(&cwd).unwrap().count(), 0);
    assert!(!path.with_file_name("escaped").exists());
    // Spaces, brackets and non-ASCII letters make a folder name as well as anything.
    let fine = scenario_file("fine.toml", "name = \"Zürich co-ops (2008) + fund\"\n");
    assert!(coopsim(&["check", fine.to_str().unwrap()]).status.success());
}

#[test]
fn check_resolves_command_line_settings_into_a_file_that_checks_the_same() {
    let shipped = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline_2008.toml");
    let out = succeeds(&[
        "check",
        shipped.to_str().unwrap(),
        "-r",
        "7",
        "--set",
        "policy.credit_guarantee.coverage=0.5",
    ]);
    let resolved = String::from_utf8(out.stdout).unwrap();
    let path = scenario_file("resolved.toml", &resolved);
    let s = coopsim::scenario::load(&path).unwrap();
    assert_eq!(s.replications, 7);
    assert_eq!(s.policy.credit_guarantee.coverage, 0.5);
    let again = coopsim(&["check", path.to_str().unwrap()]);
    assert_eq!(String::from_utf8(again.stdout).unwrap(), resolved);
    // A bad --set is refused as `run` refuses it.
    let bad = coopsim(&["check", shipped.to_str().unwrap(), "--set", "months=0"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("`months`"));
}

const COMMANDS: [&str; 11] = [
    "run",
    "sweep",
    "compare",
    "check",
    "validate",
    "merge",
    "slurm",
    "report",
    "params",
    "completions",
    "man",
];

#[test]
fn the_bash_completion_script_completes_every_command() {
    let script = String::from_utf8(succeeds(&["completions", "bash"]).stdout).unwrap();
    assert!(script.contains("complete -F _coopsim"), "{script}");
    for command in COMMANDS {
        assert!(
            script.contains(&format!("coopsim,{command})")),
            "bash completion lacks `{command}`"
        );
    }
    assert!(script.contains("--no-control") && script.contains("--replications"));
    // Where bash is at hand, the script completes as a user's shell would.
    let path = scenario_file("coopsim.bash", &script);
    let completes = |words: &str, current: usize| {
        let source = format!(
            "source '{}'; COMP_WORDS=({words}); COMP_CWORD={current}; \
             _coopsim coopsim \"${{COMP_WORDS[{current}]}}\" \"${{COMP_WORDS[{}]}}\"; \
             echo \"${{COMPREPLY[*]}}\"",
            path.display(),
            current - 1
        );
        let out = Command::new("bash").args(["-c", &source]).output().ok()?;
        Some(String::from_utf8(out.stdout).unwrap().trim().to_string())
    };
    if let Some(reply) = completes("coopsim va", 1) {
        assert_eq!(reply, "validate");
        assert_eq!(
            completes("coopsim sweep x --design ''", 4).unwrap(),
            "grid oat"
        );
    }
}

#[test]
fn every_shell_gets_a_completion_script_and_an_unknown_one_is_refused() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = String::from_utf8(succeeds(&["completions", shell]).stdout).unwrap();
        assert!(
            script.contains("validate") && script.contains("replications"),
            "{shell}: {script}"
        );
    }
    let out = coopsim(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("invalid value 'tcsh'") && stderr.contains("bash"),
        "{stderr}"
    );
}

#[test]
fn the_manual_page_names_coopsim_and_each_command_has_its_own() {
    let page = String::from_utf8(succeeds(&["man"]).stdout).unwrap();
    assert!(page.contains(".TH coopsim 1"), "{page}");
    assert!(
        page.contains("coopsim \\- Do worker co\\-operatives"),
        "{page}"
    );
    for command in COMMANDS {
        assert!(
            page.contains(&format!("coopsim\\-{command}(1)")),
            "coopsim(1) does not refer to `{command}`"
        );
        let own = String::from_utf8(succeeds(&["man", command]).stdout).unwrap();
        assert!(own.contains(&format!(".TH coopsim-{command} 1")), "{own}");
    }
    let run = String::from_utf8(succeeds(&["man", "run"]).stdout).unwrap();
    assert!(run.contains("\\fBcoopsim run\\fR") && run.contains("\\-\\-no\\-control"));
    assert!(run.contains(&format!("coopsim {}", env!("CARGO_PKG_VERSION"))));
    let out = coopsim(&["man", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid value 'nope'"));
}
