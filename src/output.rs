//! The results folder: written into a temporary folder beside the target and renamed into place
//! only when every file is written, so a folder with the final name is always complete. An existing
//! results folder is replaced only with `force`.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Staging folders this process is writing, so a second Ctrl-C, which ends the process at once
/// without unwinding, can still remove them (`remove_unfinished`).
static UNFINISHED: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn unfinished() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    UNFINISHED.lock().unwrap_or_else(|e| e.into_inner())
}

/// Removes every staging folder this process has not committed: for an exit that skips `Drop`.
/// A writer thread may still be adding a file, so a failed removal is tried again.
pub fn remove_unfinished() {
    for staging in unfinished().drain(..) {
        for _ in 0..5 {
            if std::fs::remove_dir_all(&staging).is_ok() || !staging.exists() {
                break;
            }
        }
    }
}

/// A results folder being written.
pub struct ResultsDir {
    target: PathBuf,
    staging: PathBuf,
    files: Vec<String>,
    committed: bool,
}

/// Why a results folder could not be started or finished.
#[derive(Debug)]
pub enum OutputError {
    /// The target exists and `force` was not given.
    Exists(PathBuf),
    /// The target exists but is not a results folder (a file, or a folder of other things), so
    /// even `force` does not replace it: a mistyped `--out` must not delete a user's files.
    NotResults(PathBuf, &'static str),
    /// The target's path goes through a file (`--out notes.txt/results`).
    ThroughFile(PathBuf, PathBuf),
    Io(PathBuf, io::Error),
}

impl std::fmt::Display for OutputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OutputError::Exists(p) => write!(
                f,
                "{} already exists; pass --force to replace it, or --out to write elsewhere",
                p.display()
            ),
            OutputError::NotResults(p, what) => write!(
                f,
                "{} {what}, not a coopsim results folder (one with a manifest.json written by \
                 coopsim); --force replaces only results folders: choose another --out",
                p.display()
            ),
            OutputError::ThroughFile(p, file) => write!(
                f,
                "cannot make the results folder {}: {} is a file; choose another --out",
                p.display(),
                file.display()
            ),
            OutputError::Io(p, e) => write!(f, "cannot write {}: {e}", p.display()),
        }
    }
}

impl std::error::Error for OutputError {}

impl ResultsDir {
    pub fn begin(target: &Path, force: bool) -> Result<ResultsDir, OutputError> {
        if let Some(what) = not_results(target) {
            return Err(OutputError::NotResults(target.to_path_buf(), what));
        }
        if target.exists() && !force {
            return Err(OutputError::Exists(target.to_path_buf()));
        }
        let parent = target
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent).map_err(|e| {
            // "File exists" for a path through a file: name the file.
            match parent.ancestors().find(|a| a.is_file()) {
                Some(file) => OutputError::ThroughFile(target.to_path_buf(), file.to_path_buf()),
                None => OutputError::Io(parent.to_path_buf(), e),
            }
        })?;
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "results".into());
        remove_stale_partials(parent, &name);
        let staging = parent.join(format!(".{name}.partial-{}", std::process::id()));
        if staging.exists() {
            std::fs::remove_dir_all(&staging).map_err(|e| OutputError::Io(staging.clone(), e))?;
        }
        unfinished().push(staging.clone());
        std::fs::create_dir_all(&staging).map_err(|e| OutputError::Io(staging.clone(), e))?;
        Ok(ResultsDir {
            target: target.to_path_buf(),
            staging,
            files: Vec::new(),
            committed: false,
        })
    }

    /// Where to write `name` (relative to the results folder); records it for the manifest.
    pub fn file(&mut self, name: &str) -> PathBuf {
        self.files.push(name.to_string());
        self.staging.join(name)
    }

    /// Scratch space inside the staging folder that is not part of the results.
    pub fn scratch(&self, name: &str) -> PathBuf {
        self.staging.join(name)
    }

    pub fn files(&self) -> &[String] {
        &self.files
    }

    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Moves the finished folder into place, replacing an older one only now.
    pub fn commit(mut self) -> Result<PathBuf, OutputError> {
        let io = |p: &Path| {
            let p = p.to_path_buf();
            move |e| OutputError::Io(p, e)
        };
        if self.target.exists() {
            let old = self.staging.with_extension("old");
            std::fs::rename(&self.target, &old).map_err(io(&self.target))?;
            std::fs::rename(&self.staging, &self.target).map_err(io(&self.target))?;
            std::fs::remove_dir_all(&old).map_err(io(&old))?;
        } else {
            std::fs::rename(&self.staging, &self.target).map_err(io(&self.target))?;
        }
        self.committed = true;
        unfinished().retain(|p| *p != self.staging);
        Ok(self.target.clone())
    }
}

/// Why an existing `target` may not be replaced, if it may not: only an empty folder or one a
/// run wrote (its manifest names the coopsim version) may be.
fn not_results(target: &Path) -> Option<&'static str> {
    let meta = std::fs::symlink_metadata(target).ok()?;
    if !meta.is_dir() {
        return Some(if meta.file_type().is_symlink() {
            "is a symbolic link"
        } else {
            "is a file"
        });
    }
    let empty = std::fs::read_dir(target).ok()?.next().is_none();
    let manifest = std::fs::read_to_string(target.join("manifest.json")).unwrap_or_default();
    if empty || manifest.contains("\"coopsim_version\"") {
        None
    } else {
        Some("holds other files")
    }
}

/// Removes the staging folders (`.NAME.partial-PID`, and `.old` leftovers of a replacement) that
/// a killed run into the same results folder left behind: those whose process no longer exists.
/// Best effort, and only where that can be known (Linux's /proc); a folder being written by a
/// live run is never touched.
fn remove_stale_partials(parent: &Path, name: &str) {
    let proc_fs = Path::new("/proc/self");
    if !proc_fs.exists() {
        return;
    }
    let prefix = format!(".{name}.partial-");
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = file_name.strip_prefix(&prefix) else {
            continue;
        };
        let pid = rest.strip_suffix(".old").unwrap_or(rest);
        let Ok(pid) = pid.parse::<u32>() else {
            continue;
        };
        if pid != std::process::id() && !Path::new("/proc").join(pid.to_string()).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

impl Drop for ResultsDir {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.staging);
            unfinished().retain(|p| *p != self.staging);
        }
    }
}

/// "1 replication", "100 replications", "3,000 firms": a count and its noun for the lines and
/// captions a user reads (digits grouped by thousands, the noun singular for one).
pub fn counted(n: u64, noun: &str) -> String {
    let s = if n == 1 { "" } else { "s" };
    format!("{} {noun}{s}", grouped(&n.to_string()))
}

/// A run of digits with a comma every three from the right: "1234567" -> "1,234,567".
pub fn grouped(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::counted;

    #[test]
    fn counts_read_as_words() {
        assert_eq!(counted(1, "replication"), "1 replication");
        assert_eq!(counted(0, "arm"), "0 arms");
        assert_eq!(counted(999, "firm"), "999 firms");
        assert_eq!(counted(3000, "firm"), "3,000 firms");
        assert_eq!(counted(1_000_000, "firm"), "1,000,000 firms");
    }
}
