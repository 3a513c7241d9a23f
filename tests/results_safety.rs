//! Results are never silently lost or replaced: two runs into one folder at once, a disk that
//! fills during a run, and a run the disk could never hold (README, "The results folder").

use std::path::Path;
use std::process::{Command, Output, Stdio};

mod common;

fn workdir(name: &str) -> common::Workdir {
    common::workdir("safety", name)
}

/// About a second of work on two threads: long enough for two runs started together to overlap.
const OVERLAPPING: &str = "name = \"overlap\"\nreplications = 12\n[population]\nfirms = 2000\n";

fn spawn_run(scenario: &Path, out: &Path, seed: &str, extra: &[&str]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_coopsim"))
        .args([
            "run",
            scenario.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--seed",
            seed,
            "--no-firms",
            "--quiet",
            "--threads",
            "1",
        ])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn two_runs_into_one_folder_at_once_leave_one_folder_and_tell_the_truth() {
    for round in 0..4 {
        let dir = workdir(&format!("race-{round}"));
        let scenario = dir.join("overlap.toml");
        std::fs::write(&scenario, OVERLAPPING).unwrap();
        let out = dir.join("same");
        // Started back to back, so that each round both are working at the same time.
        let a = spawn_run(&scenario, &out, "1", &[]);
        let b = spawn_run(&scenario, &out, "2", &[]);
        let runs: Vec<(&str, Output)> = vec![
            ("1", a.wait_with_output().unwrap()),
            ("2", b.wait_with_output().unwrap()),
        ];
        let succeeded: Vec<&(&str, Output)> =
            runs.iter().filter(|(_, o)| o.status.success()).collect();
        assert_eq!(
            succeeded.len(),
            1,
            "round {round}: exactly one run writes the folder"
        );
        let (winner, won) = succeeded[0];
        assert!(
            text(&won.stdout).contains("results: "),
            "{}",
            text(&won.stdout)
        );
        let (_, lost) = runs.iter().find(|(seed, _)| seed != winner).unwrap();
        assert_eq!(lost.status.code(), Some(2), "round {round}");
        let why = text(&lost.stderr);
        assert!(
            why.contains("is being written by another coopsim run")
                || why.contains("already exists"),
            "round {round}: {why}"
        );
        assert!(
            !text(&lost.stdout).contains("results: "),
            "the refused run claims none"
        );
        // The folder holds the winner's results, and nothing else was left beside it.
        let manifest: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap())
                .unwrap();
        assert_eq!(manifest["seed"].to_string(), *winner, "round {round}");
        assert_eq!(
            names(&dir),
            [".same.lock", "overlap.toml", "same"],
            "round {round}"
        );
    }
}

#[test]
fn a_run_whose_scratch_files_cannot_fit_on_the_disk_is_refused_before_it_starts() {
    let dir = workdir("room");
    let out = dir.join("huge");
    let o = Command::new(env!("CARGO_BIN_EXE_coopsim"))
        .args([
            "run",
            "scenarios/baseline_2008.toml",
            "--set",
            "replications=100000000",
            "--out",
            out.to_str().unwrap(),
            "--quiet",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let why = text(&o.stderr);
    assert!(
        why.contains("of disk") && why.contains("not started") && why.contains("--no-firms"),
        "{why}"
    );
    assert!(names(&dir).is_empty(), "nothing written: {:?}", names(&dir));
}

/// Mounts a small tmpfs at `at`, or says why not (the test is then skipped): it needs root and a
/// kernel that lets this process mount.
fn mount_tmpfs(at: &Path, size: &str) -> Result<(), String> {
    let o = Command::new("mount")
        .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
        .arg(at)
        .output()
        .map_err(|e| e.to_string())?;
    if o.status.success() {
        Ok(())
    } else {
        Err(text(&o.stderr))
    }
}

#[test]
fn a_disk_that_fills_during_a_run_gives_a_clear_error_and_keeps_the_older_folder() {
    let dir = workdir("full");
    let disk = dir.join("disk");
    std::fs::create_dir_all(&disk).unwrap();
    if let Err(why) = mount_tmpfs(&disk, "48M") {
        eprintln!(
            "skipped: cannot mount a small tmpfs to fill ({})",
            why.trim()
        );
        return;
    }
    struct Unmount<'a>(&'a Path);
    impl Drop for Unmount<'_> {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg(self.0).status();
        }
    }
    let _unmount = Unmount(&disk);
    // Twelve recorded months: the scratch files of 300 replications fit the disk, with room.
    let scenario = dir.join("short.toml");
    std::fs::write(
        &scenario,
        "name = \"short\"\nreplications = 300\nmonths = 12\n[population]\nfirms = 3000\n\
         [crisis]\nonset_month = 3\nfall_months = 2\nduration_months = 2\nrecovery_months = 2\n[austerity]\nonset_month = 6\n",
    )
    .unwrap();
    let out = disk.join("res");
    let older = Command::new(env!("CARGO_BIN_EXE_coopsim"))
        .args([
            "run",
            scenario.to_str().unwrap(),
            "-r",
            "2",
            "--no-firms",
            "--quiet",
        ])
        .args(["--out", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(older.status.success(), "{}", text(&older.stderr));
    std::fs::write(out.join("marker"), "older").unwrap();

    let child = spawn_run(&scenario, &out, "7", &["--force"]);
    // Once the run is writing, another process takes all the space left.
    let started = std::time::Instant::now();
    while !names(&disk).iter().any(|n| n.contains(".partial-")) {
        assert!(started.elapsed().as_secs() < 60, "the run never started");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let filler = disk.join("filler");
    let _ = Command::new("dd")
        .args(["if=/dev/zero", "bs=1M", "count=64"])
        .arg(format!("of={}", filler.display()))
        .stderr(Stdio::null())
        .status();
    let o = child.wait_with_output().unwrap();
    std::fs::remove_file(&filler).unwrap();

    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let why = text(&o.stderr);
    assert!(why.contains("disk full while writing"), "{why}");
    assert!(
        why.contains(disk.to_str().unwrap()),
        "the file is named: {why}"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("marker")).unwrap(),
        "older",
        "the older folder is intact"
    );
    assert!(
        !names(&disk).iter().any(|n| n.contains("partial")),
        "no partial folder: {:?}",
        names(&disk)
    );
}
