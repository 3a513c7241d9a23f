//! `coopsim slurm` on a real Slurm, not a mock: the test starts a single-node cluster (Debian's
//! slurm-wlm and munge, a private slurm.conf, the daemons started here and stopped by PID at the
//! end), submits the script `coopsim slurm` writes for a small sweep in 4 shards, waits for the
//! merge job, and compares the merged folder with the same sweep run here, byte for byte but for
//! timings.
//!
//! Starting a cluster needs root and the packages (`.ci/run` installs them). Where it cannot be
//! started the test says why and passes, unless `COOPSIM_REQUIRE_SLURM` is set (as CI sets it),
//! when it fails.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{assert_same_results, workdir};

const DAEMONS: [&str; 4] = [
    "/usr/sbin/munged",
    "/usr/sbin/slurmctld",
    "/usr/sbin/slurmd",
    "/usr/bin/sbatch",
];

/// A single-node cluster: its folder, its slurm.conf, and the daemons' process ids.
struct Cluster {
    dir: PathBuf,
    conf: PathBuf,
    pids: Vec<u32>,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for pid in self.pids.iter().rev() {
            let _ = Command::new("kill").arg(pid.to_string()).status();
        }
    }
}

fn output(cmd: &mut Command) -> Result<String, String> {
    let o = cmd.output().map_err(|e| format!("{cmd:?}: {e}"))?;
    if !o.status.success() {
        return Err(format!(
            "{cmd:?} failed: {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&o.stdout).trim().to_string())
}

/// Waits for `path` to hold a process id; the id.
fn pid_in(path: &Path) -> Result<u32, String> {
    let started = Instant::now();
    loop {
        if let Some(pid) = std::fs::read_to_string(path)
            .ok()
            .and_then(|t| t.trim().parse().ok())
        {
            return Ok(pid);
        }
        if started.elapsed() > Duration::from_secs(20) {
            return Err(format!("no process id in {} after 20 s", path.display()));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

impl Cluster {
    /// Starts munged, slurmctld and slurmd in `dir`, or says why it cannot.
    fn start(dir: &Path) -> Result<Cluster, String> {
        if let Some(missing) = DAEMONS.iter().find(|d| !Path::new(d).exists()) {
            return Err(format!(
                "{missing} is not installed (Debian packages slurm-wlm and munge)"
            ));
        }
        if output(Command::new("id").arg("-u"))? != "0" {
            return Err("starting slurmd and munged needs root".into());
        }
        for sub in ["state", "spool", "log"] {
            std::fs::create_dir_all(dir.join(sub)).map_err(|e| e.to_string())?;
        }
        let mut cluster = Cluster {
            dir: dir.to_path_buf(),
            conf: dir.join("slurm.conf"),
            pids: Vec::new(),
        };
        // munge: the package made the key; the daemon runs as the munge user, with its own socket.
        let munge = dir.join("munge");
        output(
            Command::new("install")
                .args(["-d", "-o", "munge", "-g", "munge", "-m", "0755"])
                .arg(&munge),
        )?;
        let socket = munge.join("socket");
        output(
            Command::new("runuser")
                .args(["-u", "munge", "--", "/usr/sbin/munged"])
                .arg(format!("--pid-file={}", munge.join("munged.pid").display()))
                .arg(format!("--socket={}", socket.display())),
        )?;
        cluster.pids.push(pid_in(&munge.join("munged.pid"))?);
        let host = output(Command::new("hostname").arg("-s"))?;
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        let d = dir.display();
        let conf = format!(
            "ClusterName=coopsimtest\nSlurmctldHost={host}\nAuthType=auth/munge\n\
             AuthInfo=socket={socket}\nSlurmUser=root\nSlurmdUser=root\n\
             ProctrackType=proctrack/linuxproc\nTaskPlugin=task/none\nSelectType=select/cons_tres\n\
             SelectTypeParameters=CR_CPU\nSchedulerType=sched/backfill\nMpiDefault=none\n\
             ReturnToService=2\nStateSaveLocation={d}/state\nSlurmdSpoolDir={d}/spool\n\
             SlurmctldPidFile={d}/slurmctld.pid\nSlurmdPidFile={d}/slurmd.pid\n\
             SlurmctldLogFile={d}/log/slurmctld.log\nSlurmdLogFile={d}/log/slurmd.log\n\
             AccountingStorageType=accounting_storage/none\nJobAcctGatherType=jobacct_gather/none\n\
             JobCompType=jobcomp/none\nNodeName={host} CPUs={cpus} State=UNKNOWN\n\
             PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP\n",
            socket = socket.display()
        );
        std::fs::write(&cluster.conf, conf).map_err(|e| e.to_string())?;
        for daemon in ["slurmctld", "slurmd"] {
            output(Command::new(format!("/usr/sbin/{daemon}")).env("SLURM_CONF", &cluster.conf))?;
            cluster
                .pids
                .push(pid_in(&dir.join(format!("{daemon}.pid")))?);
        }
        let started = Instant::now();
        loop {
            let state = output(
                Command::new("sinfo")
                    .args(["-h", "-o", "%T"])
                    .env("SLURM_CONF", &cluster.conf),
            )
            .unwrap_or_default();
            if state.contains("idle") || state.contains("mix") {
                return Ok(cluster);
            }
            if started.elapsed() > Duration::from_secs(60) {
                return Err(format!(
                    "the node is not idle after 60 s (sinfo: {state:?})\n{}",
                    cluster.logs()
                ));
            }
            std::thread::sleep(Duration::from_millis(500));
        }
    }

    /// The daemons' logs, for a failure's message.
    fn logs(&self) -> String {
        ["slurmctld.log", "slurmd.log"]
            .iter()
            .map(|f| {
                let text =
                    std::fs::read_to_string(self.dir.join("log").join(f)).unwrap_or_default();
                let tail: Vec<&str> = text.lines().rev().take(30).collect();
                format!(
                    "--- {f} (last lines)\n{}",
                    tail.into_iter().rev().collect::<Vec<_>>().join("\n")
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// Runs coopsim in `folder` with `args`, and insists it succeeded.
fn run_in(folder: &Path, args: &[&str]) {
    let o = Command::new(env!("CARGO_BIN_EXE_coopsim"))
        .args(args)
        .current_dir(folder)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

const SMALL: &str = "name = \"small\"\nreplications = 6\nmonths = 48\nwarmup_months = 12\n\
[population]\nfirms = 400\n[crisis]\nonset_month = 12\nduration_months = 12\nrecovery_months = 12\n\
[austerity]\nonset_month = 30\n";

#[test]
fn a_sweep_in_four_shards_through_slurm_is_the_sweep_on_one_machine() {
    let dir = workdir("slurm", "sweep");
    let cluster = match Cluster::start(&dir.join("cluster")) {
        Ok(c) => c,
        Err(why) if std::env::var_os("COOPSIM_REQUIRE_SLURM").is_some() => {
            panic!("COOPSIM_REQUIRE_SLURM is set, but no Slurm cluster could be started: {why}")
        }
        Err(why) => {
            eprintln!("skipped: no Slurm cluster could be started here: {why}");
            return;
        }
    };
    let project = dir.join("project");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(project.join("small.toml"), SMALL).unwrap();
    let sweep = [
        "sweep",
        "small.toml",
        "--vary",
        "policy.credit_guarantee.coverage=0:0.5:3",
        "--vary",
        "policy.worker_buyout.probability=0,0.3",
    ];

    // The script, written in the project's folder (the jobs run there).
    let job = dir.join("job");
    let mut args = vec!["slurm"];
    args.extend(sweep);
    args.extend([
        "--shards",
        "4",
        "--max-running",
        "2",
        "--time",
        "00:10:00",
        "--out",
    ]);
    args.push(job.to_str().unwrap());
    run_in(&project, &args);
    let script = job.join("submit.sh");
    assert!(script.exists());

    let submitted = Instant::now();
    let o = Command::new("bash")
        .arg(&script)
        .env("SLURM_CONF", &cluster.conf)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "submit.sh: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    let said = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        said.contains("shards: job") && said.contains("merge: job"),
        "{said}"
    );
    let results = job.join("results");
    while !results.join("manifest.json").exists() {
        if submitted.elapsed() > Duration::from_secs(300) {
            let logs: Vec<String> = std::fs::read_dir(job.join("logs"))
                .map(|d| {
                    d.map(|e| {
                        let p = e.unwrap().path();
                        format!(
                            "--- {}\n{}",
                            p.display(),
                            std::fs::read_to_string(&p).unwrap_or_default()
                        )
                    })
                    .collect()
                })
                .unwrap_or_default();
            let queue = output(Command::new("squeue").env("SLURM_CONF", &cluster.conf))
                .unwrap_or_else(|e| e);
            panic!(
                "no merged results after 300 s\nsqueue:\n{queue}\n{}\n{}",
                logs.join("\n"),
                cluster.logs()
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let through_slurm = submitted.elapsed();
    for k in 0..4 {
        assert!(job.join(format!("shards/shard-{k}/shard.json")).exists());
    }
    let logs: Vec<String> = std::fs::read_dir(job.join("logs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        logs.iter().filter(|l| l.starts_with("shard-")).count(),
        4,
        "one log per task: {logs:?}"
    );
    assert!(logs.iter().any(|l| l.starts_with("merge-")), "{logs:?}");

    // The same sweep here, on one thread as each task ran.
    let local = dir.join("local");
    let ran = Instant::now();
    let mut args: Vec<&str> = sweep.to_vec();
    args.extend([
        "--threads",
        "1",
        "--quiet",
        "--out",
        local.to_str().unwrap(),
    ]);
    run_in(&project, &args);
    let here = ran.elapsed();
    assert_same_results(&local, &results);
    eprintln!(
        "a sweep of 6 arms x 6 replications: through Slurm in 4 shards, submission to merged \
         results {:.1} s; on one thread here {:.1} s",
        through_slurm.as_secs_f64(),
        here.as_secs_f64()
    );
}
