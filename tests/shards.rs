//! Pieces of one plan give the results of the whole: N shards merged are the unsharded run, byte
//! for byte but for timings, and a run killed and resumed is the run never stopped. Every bad
//! input is refused with exit status 2, naming what is wrong, with nothing written.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{assert_same_results, coopsim, succeeds, workdir};

const SMALL: &str = "name = \"small\"\nreplications = 7\nmonths = 48\nwarmup_months = 12\n\
[population]\nfirms = 400\n[crisis]\nonset_month = 12\nduration_months = 12\nrecovery_months = 12\n\
[austerity]\nonset_month = 30\n";

/// Two measures of the small scenario, in bands wide enough to be met.
const TARGETS: &str = "description = \"a test's targets\"\nseed = 1\nreplications = 4\n\
[scenarios.base]\nfile = \"small.toml\"\n[scenarios.control]\nfile = \"small.toml\"\n\
set = [\"crisis.depth.manufacturing=0\"]\n\
[[target]]\nid = \"X1\"\nfigure = \"a wide band\"\nsource = \"the test\"\ncalibrated = false\n\
[[target.measure]]\nlabel = \"hazard ratio\"\nmetric = \"hazard_ratio\"\nscenario = \"base\"\n\
kind = \"worker_coop\"\nband = [0.0, 10.0]\n\
[[target.measure]]\nlabel = \"death rate ratio\"\nmetric = \"death_rate_ratio\"\n\
scenario = \"base\"\ncontrol = \"control\"\nband = [0.0, 10.0]\n";

fn small(dir: &Path) -> String {
    let path = dir.join("small.toml");
    std::fs::write(&path, SMALL).unwrap();
    path.to_str().unwrap().to_string()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs `args` with `--shard k/n --out <dir>/<stem>-k` for every k, then merges; the merged folder.
fn sharded(dir: &Path, stem: &str, args: &[&str], n: u32) -> PathBuf {
    let mut shards = Vec::new();
    // Started in an order other than 0, 1, ...: the merge does not care.
    for k in (0..n).rev() {
        let out = dir.join(format!("{stem}-{k}-of-{n}"));
        let shard = format!("{k}/{n}");
        let mut a: Vec<&str> = args.to_vec();
        a.extend(["--shard", &shard, "--out", out.to_str().unwrap(), "--quiet"]);
        let o = succeeds(&a);
        assert!(
            text(&o.stdout).contains(&format!("shard {shard}")),
            "{}",
            text(&o.stdout)
        );
        // The units, what they are and a manifest: no summary, no firm table, no scratch.
        let held: Vec<String> = common::files(&out)
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        assert_eq!(
            held,
            ["manifest.json", "shard.json", "units.bin"],
            "{stem} {shard}"
        );
        let manifest: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
        assert_eq!(manifest["shard"], shard.as_str());
        assert!(manifest["plan"]["hash_fnv1a64"].is_string(), "{manifest}");
        shards.push(out.to_str().unwrap().to_string());
    }
    let merged = dir.join(format!("{stem}-merged-{n}"));
    let mut a = vec!["merge"];
    a.extend(shards.iter().map(String::as_str));
    a.extend([
        "--out",
        merged.to_str().unwrap(),
        "--threads",
        "2",
        "--quiet",
    ]);
    succeeds(&a);
    merged
}

#[test]
fn merged_shards_of_a_run_are_the_run_on_one_machine() {
    let dir = workdir("shards", "run");
    let scenario = small(&dir);
    let args = ["run", scenario.as_str(), "--threads", "2"];
    let whole = dir.join("whole");
    let mut a = args.to_vec();
    a.extend(["--out", whole.to_str().unwrap(), "--quiet"]);
    succeeds(&a);
    assert!(whole.join("firms.parquet").exists() && whole.join("crisis_effect.csv").exists());
    for n in [1, 2, 3, 7] {
        let merged = sharded(&dir, "run", &args, n);
        assert_same_results(&whole, &merged);
    }
    // Nothing is left beside the folders but their locks.
    let left: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.') && !n.ends_with(".lock"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn merged_shards_of_a_sweep_are_the_sweep_on_one_machine() {
    let dir = workdir("shards", "sweep");
    let scenario = small(&dir);
    let args = [
        "sweep",
        scenario.as_str(),
        "--vary",
        "policy.credit_guarantee.coverage=0:0.5:3",
        "-r",
        "5",
        "--threads",
        "2",
    ];
    let whole = dir.join("whole");
    let mut a = args.to_vec();
    a.extend(["--out", whole.to_str().unwrap(), "--quiet"]);
    succeeds(&a);
    for n in [1, 2, 3, 7] {
        let merged = sharded(&dir, "sweep", &args, n);
        assert_same_results(&whole, &merged);
    }
}

#[test]
fn merged_shards_of_a_comparison_a_sensitivity_analysis_and_a_validation_are_the_whole() {
    let dir = workdir("shards", "others");
    let scenario = small(&dir);
    let other = dir.join("other.toml");
    std::fs::write(
        &other,
        format!(
            "{}[policy.credit_guarantee]\ncoverage = 0.5\n",
            SMALL.replace("name = \"small\"", "name = \"other\"")
        ),
    )
    .unwrap();
    let compare = [
        "compare",
        scenario.as_str(),
        other.to_str().unwrap(),
        "-r",
        "4",
        "--threads",
        "2",
    ];
    let sensitivity = [
        "sensitivity",
        scenario.as_str(),
        "--vary",
        "policy.credit_guarantee.coverage=0..0.8",
        "--vary",
        "policy.worker_buyout.probability=0..0.5",
        "--samples",
        "3",
        "-r",
        "2",
        "--threads",
        "2",
    ];
    let targets = dir.join("targets.toml");
    std::fs::write(&targets, TARGETS).unwrap();
    let validate = ["validate", targets.to_str().unwrap(), "--threads", "2"];
    for (stem, args) in [
        ("compare", &compare[..]),
        ("sensitivity", &sensitivity[..]),
        ("validate", &validate[..]),
    ] {
        let whole = dir.join(format!("{stem}-whole"));
        let mut a = args.to_vec();
        a.extend(["--out", whole.to_str().unwrap(), "--quiet"]);
        succeeds(&a);
        let merged = sharded(&dir, stem, args, 3);
        assert_same_results(&whole, &merged);
    }
}

/// A scenario of `replications` replications of 1,500 firms: seconds of work, to stop half-way.
fn long(dir: &Path, replications: u32) -> PathBuf {
    let path = dir.join("long.toml");
    let text = SMALL
        .replace(
            "replications = 7",
            &format!("replications = {replications}"),
        )
        .replace("firms = 400", "firms = 1500");
    std::fs::write(&path, text).unwrap();
    path
}

/// Waits until the journal of a run into `out` holds at least one finished unit.
fn wait_for_units(out: &Path, child: &mut std::process::Child) {
    let name = out.file_name().unwrap().to_string_lossy().into_owned();
    let units = out
        .with_file_name(format!(".{name}.units"))
        .join("units.bin");
    let started = std::time::Instant::now();
    // The file's header is 16 bytes; a unit's record follows it.
    while std::fs::metadata(&units).map_or(0, |m| m.len()) < 200 {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended before it was killed"
        );
        assert!(started.elapsed().as_secs() < 120, "no unit finished");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

#[test]
fn a_run_killed_and_resumed_is_the_run_never_stopped() {
    let dir = workdir("shards", "resume");
    let scenario = long(&dir, 40);
    let scenario = scenario.to_str().unwrap();
    let whole = dir.join("whole");
    succeeds(&[
        "run",
        scenario,
        "--threads",
        "2",
        "--quiet",
        "--out",
        whole.to_str().unwrap(),
    ]);

    let out = dir.join("res");
    let args = [
        "run",
        scenario,
        "--threads",
        "2",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ];
    // Killed (no chance to clean up) once some units are finished, and again while resuming.
    for round in 0..2 {
        let mut a = args.to_vec();
        if round > 0 {
            a.push("--resume");
        }
        let mut child = Command::new(env!("CARGO_BIN_EXE_coopsim"))
            .args(&a)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        wait_for_units(&out, &mut child);
        std::thread::sleep(std::time::Duration::from_millis(150 * round));
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(!out.exists(), "no results under the final name");
    }
    // A fresh start is refused while a stopped run's units are kept, saying how many.
    let o = coopsim(&args);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    let stderr = text(&o.stderr);
    assert!(
        stderr.contains("was stopped with") && stderr.contains("--resume"),
        "{stderr}"
    );
    // Resumed to the end.
    let mut a = args.to_vec();
    a.push("--resume");
    succeeds(&a);
    assert_same_results(&whole, &out);
    let name = ".res.units";
    assert!(
        !dir.join(name).exists(),
        "the journal goes once the results are committed"
    );
    // Nothing left to resume: the folder is complete.
    let o = coopsim(&a);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("is complete, there is nothing to resume"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn ctrl_c_keeps_the_finished_units_and_says_how_to_resume() {
    let dir = workdir("shards", "ctrl-c");
    let scenario = long(&dir, 400);
    let out = dir.join("res");
    let mut child = Command::new(env!("CARGO_BIN_EXE_coopsim"))
        .args([
            "run",
            scenario.to_str().unwrap(),
            "--threads",
            "2",
            "--quiet",
            "--no-firms",
            "--out",
            out.to_str().unwrap(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_units(&out, &mut child);
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap()
            .success()
    );
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(130));
    let stderr = text(&o.stderr);
    assert!(
        stderr.contains("of 400 units are finished and kept in") && stderr.contains("--resume"),
        "{stderr}"
    );
}

#[test]
fn bad_shards_and_bad_resumes_are_refused_naming_what_is_wrong() {
    let dir = workdir("shards", "bad");
    let scenario = small(&dir);
    let shard = |k: &str, extra: &[&str]| {
        let out = dir.join(format!("s{}", k.replace('/', "-of-")));
        let mut a = vec!["run", scenario.as_str(), "-r", "3", "--no-firms", "--quiet"];
        a.extend(extra);
        a.extend(["--shard", k, "--out", out.to_str().unwrap()]);
        succeeds(&a);
        out.to_str().unwrap().to_string()
    };
    let (s0, s1, s2) = (shard("0/3", &[]), shard("1/3", &[]), shard("2/3", &[]));
    let other_seed = {
        let out = dir.join("other-seed");
        succeeds(&[
            "run",
            scenario.as_str(),
            "-r",
            "3",
            "--no-firms",
            "--quiet",
            "--seed",
            "9",
            "--shard",
            "2/3",
            "--out",
            out.to_str().unwrap(),
        ]);
        out.to_str().unwrap().to_string()
    };
    let two = shard("1/2", &[]);
    let merged = dir.join("merged");
    let refused = |args: &[&str], expected: &str| {
        let o = coopsim(args);
        let stderr = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains(expected),
            "{args:?}: expected `{expected}` in {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(!merged.exists(), "nothing written for {args:?}");
    };
    let m = merged.to_str().unwrap();
    refused(
        &["merge", &s0, &s1, "--out", m],
        "1 of the 3 shards is missing: 2/3",
    );
    refused(
        &["merge", &s0, &s1, &s1, &s2, "--out", m],
        "shard 1/3 is given twice",
    );
    refused(
        &["merge", &s0, &s1, &other_seed, "--out", m],
        "is not a shard of the same plan",
    );
    refused(
        &["merge", &s0, &s1, &two, "--out", m],
        "one of 2 shards, the other one of 3",
    );
    refused(
        &["merge", &s0, &scenario, "--out", m],
        "is not a coopsim shard",
    );
    // A shard of another coopsim version.
    let renamed = dir.join("old-version");
    std::fs::create_dir_all(&renamed).unwrap();
    for f in ["units.bin", "shard.json", "manifest.json"] {
        std::fs::copy(Path::new(&s2).join(f), renamed.join(f)).unwrap();
    }
    let json = renamed.join("shard.json");
    let t = std::fs::read_to_string(&json).unwrap();
    std::fs::write(&json, t.replace(env!("CARGO_PKG_VERSION"), "0.0.0-old")).unwrap();
    refused(
        &["merge", &s0, &s1, renamed.to_str().unwrap(), "--out", m],
        "was written by coopsim 0.0.0-old",
    );
    // The scenario file changed since the shards ran.
    std::fs::write(&scenario, SMALL.replace("firms = 400", "firms = 401")).unwrap();
    refused(
        &["merge", &s0, &s1, &s2, "--out", m],
        "changed since the shards ran",
    );
    std::fs::write(&scenario, SMALL).unwrap();
    succeeds(&["merge", &s0, &s1, &s2, "--out", m, "--quiet"]);
    std::fs::remove_dir_all(&merged).unwrap();

    // Malformed K/N: shards count from 0.
    for bad in ["4/4", "5/4", "-1/4", "1/0", "x/4", "3"] {
        let out = dir.join("malformed");
        let arg = format!("--shard={bad}");
        let o = coopsim(&[
            "run",
            &scenario,
            "-r",
            "3",
            &arg,
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(2), "{bad}: {}", text(&o.stderr));
        assert!(
            text(&o.stderr).contains(&format!("`{bad}`")),
            "{bad}: {}",
            text(&o.stderr)
        );
        assert!(!out.exists(), "{bad}");
    }

    // --resume with nothing stopped, of another plan's stopped run, and of a complete folder.
    let res = dir.join("res");
    let r = res.to_str().unwrap();
    refused(
        &["run", &scenario, "-r", "3", "--resume", "--out", r],
        "no stopped run into",
    );
    assert!(!res.exists());
    let journal = dir.join(".res.units");
    std::fs::create_dir_all(&journal).unwrap();
    let header = std::fs::read_to_string(Path::new(&s0).join("shard.json")).unwrap();
    std::fs::write(journal.join("journal.json"), header).unwrap();
    std::fs::copy(Path::new(&s0).join("units.bin"), journal.join("units.bin")).unwrap();
    refused(
        &["run", &scenario, "-r", "3", "--resume", "--out", r],
        "is not this command's",
    );
    std::fs::remove_dir_all(&journal).unwrap();
    succeeds(&["run", &scenario, "-r", "3", "--quiet", "--out", r]);
    let o = coopsim(&["run", &scenario, "-r", "3", "--resume", "--out", r]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("is complete"),
        "{}",
        text(&o.stderr)
    );
}
