//! `coopsim slurm`: a ready `submit.sh` that runs a command's plan on a Slurm cluster as a job
//! array, one task per shard (`--shard K/N`), and a merge job that waits for every task to
//! succeed (`--dependency=afterok`) and puts the shards together (`coopsim merge`). Slurm does
//! the scheduling; coopsim only writes the script, so nothing here talks to a cluster.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::{Error, Failure, Finished};

/// What the script runs, and how each task asks Slurm for resources.
#[derive(Debug, Clone)]
pub struct SlurmJob {
    /// The job's name in `squeue` (`coopsim-<name>`, and `coopsim-<name>-merge`).
    pub name: String,
    /// The command's words after `coopsim` (without --out, --threads, --shard, --resume or
    /// --quiet: each task sets them).
    pub command: Vec<String>,
    pub shards: u32,
    pub max_running: Option<u32>,
    pub partition: Option<String>,
    pub time: Option<String>,
    pub cpus_per_task: u32,
    pub mem: Option<String>,
    /// The folder of submit.sh, the logs, the shards and the merged results (absolute).
    pub dir: PathBuf,
    /// The folder the command's paths are relative to (absolute): every job runs there.
    pub workdir: PathBuf,
    /// The coopsim binary the jobs run (absolute; `COOPSIM` in the submitting environment
    /// overrides it).
    pub coopsim: PathBuf,
    /// Replace an existing submit.sh.
    pub force: bool,
}

/// Checks what sbatch would otherwise reject only once the job is queued.
pub fn check(job: &SlurmJob) -> Result<(), String> {
    if let Some(t) = &job.time
        && !valid_time(t)
    {
        return Err(format!(
            "--time expected a Slurm time limit (MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM or \
             D-HH:MM:SS), found `{t}`"
        ));
    }
    if let Some(m) = &job.mem
        && !valid_mem(m)
    {
        return Err(format!(
            "--mem expected an amount of memory as sbatch takes it (a whole number with K, M, G \
             or T, e.g. 4G or 500M), found `{m}`"
        ));
    }
    if let Some(p) = &job.partition
        && (p.is_empty()
            || !p
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.,".contains(c)))
    {
        return Err(format!(
            "--partition expected a partition name (letters, digits, - _ . and , between \
             several), found `{p}`"
        ));
    }
    if let Some(m) = job.max_running
        && m > job.shards
    {
        return Err(format!(
            "--max-running {m} is more than the {} shards: leave it out to run them all at once",
            job.shards
        ));
    }
    Ok(())
}

fn valid_time(t: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.len() <= 4 && s.chars().all(|c| c.is_ascii_digit());
    let (days, rest) = match t.split_once('-') {
        Some((d, rest)) => (Some(d), rest),
        None => (None, t),
    };
    let fields: Vec<&str> = rest.split(':').collect();
    days.is_none_or(digits)
        && fields.iter().all(|f| digits(f))
        && match days {
            Some(_) => (1..=3).contains(&fields.len()),
            None => (1..=3).contains(&fields.len()),
        }
}

fn valid_mem(m: &str) -> bool {
    let number = m.trim_end_matches(['K', 'M', 'G', 'T', 'k', 'm', 'g', 't']);
    let suffix = m.len() - number.len();
    !number.is_empty() && suffix <= 1 && number.chars().all(|c| c.is_ascii_digit())
}

/// Quotes a word for bash.
fn quote(word: &str) -> String {
    shlex::try_quote(word)
        .map(|q| q.into_owned())
        .unwrap_or_else(|_| format!("'{}'", word.replace('\0', "")))
}

fn path(p: &Path) -> String {
    quote(&p.display().to_string())
}

/// The text of submit.sh.
pub fn script(job: &SlurmJob) -> String {
    let n = job.shards;
    let dir = path(&job.dir);
    let workdir = path(&job.workdir);
    let command: Vec<String> = job.command.iter().map(|w| quote(w)).collect();
    let command = command.join(" ");
    let shown = format!("coopsim {command}");
    let array = match job.max_running {
        Some(m) => format!("0-{}%{m}", n - 1),
        None => format!("0-{}", n - 1),
    };
    let mut resources = vec![format!("--cpus-per-task={}", job.cpus_per_task)];
    if let Some(p) = &job.partition {
        resources.push(format!("--partition={p}"));
    }
    if let Some(t) = &job.time {
        resources.push(format!("--time={t}"));
    }
    if let Some(m) = &job.mem {
        resources.push(format!("--mem={m}"));
    }
    let resources = resources.join(" ");
    let name = quote(&format!("coopsim-{}", job.name));
    let merge_name = quote(&format!("coopsim-{}-merge", job.name));
    let coopsim = path(&job.coopsim);
    let shard_list: String = (0..n)
        .map(|k| format!(" \"$DIR/shards/shard-{k}\""))
        .collect();
    format!(
        r#"#!/usr/bin/env bash
# coopsim on Slurm, written by coopsim {version}:
#     {shown}
# run as a job array of {n} tasks, one shard each (--shard K/{n}), and a merge job that starts once
# every task has succeeded and writes the results the command would write on one machine.
#
# Submit:
#     bash {dir}/submit.sh
# Watch:
#     squeue --me                                   queued and running tasks
#     sacct -j JOBID --format=JobID,JobName,State,Elapsed,MaxRSS,ExitCode
#     tail -f {dir}/logs/shard-JOBID_TASK.out       a task's log (the merge's: logs/merge-JOBID.out)
# Results: {dir}/results, written by the merge job.
# Rerun failed tasks (a time limit, a lost node), with a merge that waits for them:
#     bash {dir}/submit.sh --tasks 3,7
# A task that is run again resumes from the units its first attempt finished, and a task whose
# shard is complete does nothing; sacct lists the failed ones (State FAILED, TIMEOUT, NODE_FAIL).
# The jobs run the coopsim below (or $COOPSIM if set when submitting) in the folder the command was
# given in: its scenario files are read there.
set -euo pipefail

DIR={dir}
TASKS={array}
if [[ ${{1:-}} == --tasks ]]; then
    TASKS=${{2:?--tasks needs task numbers, e.g. --tasks 3,7}}
fi
export COOPSIM=${{COOPSIM:-{coopsim}}}
mkdir -p "$DIR/logs" "$DIR/shards"

shards=$(sbatch --parsable --job-name={name} --array="$TASKS" {resources} \
    --chdir={workdir} --output="$DIR/logs/shard-%A_%a.out" <<'TASK'
#!/usr/bin/env bash
set -euo pipefail
DIR={dir}
k=$SLURM_ARRAY_TASK_ID
out="$DIR/shards/shard-$k"
if [[ -e "$out/shard.json" ]]; then
    echo "shard $k/{n} is already complete: $out"
    exit 0
fi
resume=()
if [[ -d "$DIR/shards/.shard-$k.units" ]]; then
    resume=(--resume)
fi
exec "$COOPSIM" {command} --shard "$k/{n}" --threads "${{SLURM_CPUS_PER_TASK:-1}}" \
    --out "$out" --quiet "${{resume[@]}}"
TASK
)
shards=${{shards%%;*}}

merge=$(sbatch --parsable --job-name={merge_name} --dependency=afterok:"$shards" {resources} \
    --chdir={workdir} --output="$DIR/logs/merge-%j.out" <<'MERGE'
#!/usr/bin/env bash
set -euo pipefail
DIR={dir}
exec "$COOPSIM" merge{shard_list} --out "$DIR/results" \
    --threads "${{SLURM_CPUS_PER_TASK:-1}}" --quiet
MERGE
)
merge=${{merge%%;*}}

echo "shards: job $shards (tasks $TASKS); merge: job $merge, once every task has succeeded"
echo "watch: squeue --me; sacct -j $shards,$merge; results: $DIR/results"
"#,
        version = env!("CARGO_PKG_VERSION"),
    )
}

/// Writes `submit.sh` into the job's folder (whole, or not at all).
pub fn write(job: &SlurmJob) -> Result<PathBuf, Error> {
    let io = |p: &Path| {
        let p = p.to_path_buf();
        move |e| Error::Io(p, e)
    };
    std::fs::create_dir_all(&job.dir).map_err(io(&job.dir))?;
    let target = job.dir.join("submit.sh");
    if target.exists() && !job.force {
        return Err(Error::Output(crate::output::OutputError::Exists(target)));
    }
    let partial = job.dir.join(".submit.sh.partial");
    let mut file = std::fs::File::create(&partial).map_err(io(&partial))?;
    file.write_all(script(job).as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(io(&partial))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&partial, std::fs::Permissions::from_mode(0o755))
            .map_err(io(&partial))?;
    }
    std::fs::rename(&partial, &target).map_err(io(&target))?;
    Ok(target)
}

/// Writes the script and says how to submit it.
pub fn execute(job: &SlurmJob) -> Result<Finished, Failure> {
    check(job).map_err(Failure::Usage)?;
    let script = write(job)?;
    sayln!(
        "{}: {} shards of `coopsim {}`\nsubmit: bash {}",
        job.name,
        job.shards,
        job.command.join(" "),
        script.display()
    );
    Ok(Finished::Success)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job() -> SlurmJob {
        SlurmJob {
            name: "sweep-baseline".into(),
            command: vec![
                "sweep".into(),
                "scenarios/my file.toml".into(),
                "--vary".into(),
                "policy.credit_guarantee.coverage=0:0.5:3".into(),
            ],
            shards: 4,
            max_running: Some(2),
            partition: Some("short".into()),
            time: Some("01:30:00".into()),
            cpus_per_task: 2,
            mem: Some("4G".into()),
            dir: PathBuf::from("/work/slurm/job"),
            workdir: PathBuf::from("/work/project"),
            coopsim: PathBuf::from("/opt/coopsim/bin/coopsim"),
            force: false,
        }
    }

    #[test]
    fn the_script_submits_an_array_of_shards_and_a_merge_that_waits_for_it() {
        let text = script(&job());
        for expected in [
            "--array=\"$TASKS\"",
            "TASKS=0-3%2",
            "--cpus-per-task=2 --partition=short --time=01:30:00 --mem=4G",
            "--output=\"$DIR/logs/shard-%A_%a.out\"",
            "--dependency=afterok:\"$shards\"",
            "--output=\"$DIR/logs/merge-%j.out\"",
            "--shard \"$k/4\" --threads \"${SLURM_CPUS_PER_TASK:-1}\"",
            "'scenarios/my file.toml'",
            "merge \"$DIR/shards/shard-0\" \"$DIR/shards/shard-1\" \"$DIR/shards/shard-2\" \"$DIR/shards/shard-3\"",
            "--chdir=/work/project",
            "squeue",
            "sacct",
            "--tasks 3,7",
        ] {
            assert!(text.contains(expected), "{expected} not in:\n{text}");
        }
        let mut open = job();
        open.max_running = None;
        assert!(script(&open).contains("TASKS=0-3\n"));
    }

    #[test]
    fn resources_sbatch_would_reject_are_refused_first() {
        assert!(check(&job()).is_ok());
        for (time, ok) in [
            ("30", true),
            ("05:00", true),
            ("2-12:00:00", true),
            ("1-6", true),
            ("1h", false),
            ("1:2:3:4", false),
            ("", false),
        ] {
            let mut j = job();
            j.time = Some(time.into());
            assert_eq!(check(&j).is_ok(), ok, "{time}");
        }
        for (mem, ok) in [
            ("4G", true),
            ("500M", true),
            ("1024", true),
            ("4GB", false),
            ("G", false),
        ] {
            let mut j = job();
            j.mem = Some(mem.into());
            assert_eq!(check(&j).is_ok(), ok, "{mem}");
        }
        let mut j = job();
        j.partition = Some("a b".into());
        assert!(check(&j).unwrap_err().contains("--partition"));
        j = job();
        j.max_running = Some(5);
        assert!(check(&j).unwrap_err().contains("more than the 4 shards"));
    }
}
