//! The results folder: written into a temporary folder beside the target and renamed into place
//! only when every file is written, so a folder with the final name is always complete. An existing
//! results folder is replaced only with `force`, and never silently:
//!
//! - A run holds a lock on its folder's name (`.NAME.lock` beside it) from start to commit, so a
//!   second run into the same folder is refused at once, before it computes anything.
//! - The finished folder is moved into place with a rename that never replaces (Linux's
//!   `renameat2(RENAME_NOREPLACE)`), so a folder that appeared while the run worked, by whatever
//!   process, is left alone and the run's complete results are kept under a free sibling name
//!   (`NAME-2`, ...) that the error names.
//! - The disk is checked before a run starts (`check_room`), as memory is.

use std::fs::File;
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
    force: bool,
    /// Held (an exclusive lock on `.NAME.lock`) until the folder is committed or dropped.
    _lock: File,
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
    /// Another run is writing the same results folder (the process holding the lock, when known).
    Busy(PathBuf, Option<u32>),
    /// The target appeared while the run was working (`replaced` says what stood in the way: a
    /// folder without `force`, or one that is not a results folder), so it was left alone and the
    /// run's complete results were kept at `kept`.
    AppearedMeanwhile {
        target: PathBuf,
        kept: PathBuf,
        what: &'static str,
    },
    /// The run's scratch files and results would not fit on the disk; nothing was started.
    NoRoom(NoRoom),
    Io(PathBuf, io::Error),
}

/// What a run would write to disk against the space free there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoRoom {
    pub target: PathBuf,
    /// Scratch files and results, in bytes.
    pub needed: u64,
    pub free: u64,
    /// The part of `needed` that is the firm table, when the run writes one.
    pub firm_table: Option<u64>,
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
            OutputError::Busy(p, holder) => write!(
                f,
                "{} is being written by another coopsim run{}; wait for it to finish, or choose \
                 another --out",
                p.display(),
                holder.map_or(String::new(), |pid| format!(" (process {pid})"))
            ),
            OutputError::AppearedMeanwhile { target, kept, what } => write!(
                f,
                "{} appeared while this run was working ({what}) and was left as it is; this \
                 run's complete results are in {}",
                target.display(),
                kept.display()
            ),
            OutputError::NoRoom(n) => {
                writeln!(
                    f,
                    "this run needs about {} of disk for its scratch files and results and {} is \
                     free where {} goes, so it was not started",
                    bytes_text(n.needed),
                    bytes_text(n.free),
                    n.target.display()
                )?;
                write!(f, "  = help: ")?;
                if let Some(table) = n.firm_table {
                    write!(
                        f,
                        "leave out the firm table (--no-firms, about {} of it), ",
                        bytes_text(table)
                    )?;
                }
                write!(
                    f,
                    "run fewer replications, or write to a disk with more room (--out)"
                )
            }
            OutputError::Io(p, e) => write!(f, "{}", io_error_text(p, e)),
        }
    }
}

/// "cannot write PATH: why", or "disk full while writing PATH" when the disk (or a quota) ran out.
pub fn io_error_text(path: &Path, e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded => {
            format!("disk full while writing {}: {e}", path.display())
        }
        _ => format!("cannot write {}: {e}", path.display()),
    }
}

/// Bytes for a reader: "850 MB", "1.2 GB", "120 GB", "86.2 TB".
pub fn bytes_text(bytes: u64) -> String {
    let gib = bytes as f64 / (1u64 << 30) as f64;
    if bytes >= 1 << 40 {
        format!("{:.1} TB", gib / 1024.0)
    } else if bytes >= 10 << 30 {
        format!("{gib:.0} GB")
    } else if bytes >= 1 << 30 {
        format!("{gib:.1} GB")
    } else {
        format!("{:.0} MB", (bytes as f64 / (1u64 << 20) as f64).max(1.0))
    }
}

/// Refuses a run whose scratch files and results (`needed` bytes, `firm_table` of them the firm
/// table) would take more than 90% of the space free on the disk that will hold `target`.
/// Skipped where the free space cannot be read. This reads the file system: called at the edge,
/// before anything is written.
pub fn check_room(target: &Path, needed: u64, firm_table: Option<u64>) -> Result<(), OutputError> {
    let Some(free) = free_space(target) else {
        return Ok(());
    };
    if needed as f64 > 0.9 * free as f64 {
        return Err(OutputError::NoRoom(NoRoom {
            target: target.to_path_buf(),
            needed,
            free,
            firm_table,
        }));
    }
    Ok(())
}

/// Space free to this user on the disk that holds `path` (or its nearest existing ancestor).
fn free_space(path: &Path) -> Option<u64> {
    let existing = path
        .ancestors()
        .map(|a| {
            if a.as_os_str().is_empty() {
                Path::new(".")
            } else {
                a
            }
        })
        .find(|a| a.exists())?;
    free_space_at(existing)
}

#[cfg(unix)]
fn free_space_at(path: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let c_path = std::ffi::CString::new(path.as_os_str().as_bytes()).ok()?;
    // SAFETY: statvfs only writes into the zeroed struct it is given; the path is a valid C string.
    let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statvfs(c_path.as_ptr(), &mut stat) } != 0 {
        return None;
    }
    Some(stat.f_bavail as u64 * stat.f_frsize as u64)
}

#[cfg(not(unix))]
fn free_space_at(_: &Path) -> Option<u64> {
    None
}

/// Renames `from` to `to` unless `to` exists: an error of kind `AlreadyExists` then. Atomic on
/// Linux (`renameat2` with `RENAME_NOREPLACE`); elsewhere, or on a file system without it, a check
/// and a rename (another process can slip in between; the lock keeps other coopsim runs out).
fn rename_noreplace(from: &Path, to: &Path) -> io::Result<()> {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        use std::os::unix::ffi::OsStrExt;
        let c = |p: &Path| {
            std::ffi::CString::new(p.as_os_str().as_bytes())
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))
        };
        let (c_from, c_to) = (c(from)?, c(to)?);
        // SAFETY: both paths are valid C strings; renameat2 reads them and touches nothing else.
        let done = unsafe {
            libc::renameat2(
                libc::AT_FDCWD,
                c_from.as_ptr(),
                libc::AT_FDCWD,
                c_to.as_ptr(),
                libc::RENAME_NOREPLACE,
            )
        };
        if done == 0 {
            return Ok(());
        }
        let e = io::Error::last_os_error();
        match e.raw_os_error() {
            Some(libc::EEXIST) | Some(libc::ENOTEMPTY) => {
                return Err(io::Error::new(io::ErrorKind::AlreadyExists, e));
            }
            // The file system cannot rename without replacing: check, then rename.
            Some(libc::EINVAL) | Some(libc::ENOSYS) => {}
            _ => return Err(e),
        }
    }
    if std::fs::symlink_metadata(to).is_ok() {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!("{} exists", to.display()),
        ));
    }
    std::fs::rename(from, to)
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
        let lock = lock(parent, &name, target)?;
        // Another run may have finished into the target while this one waited to start.
        if target.exists() && !force {
            return Err(OutputError::Exists(target.to_path_buf()));
        }
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
            force,
            _lock: lock,
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

    /// Moves the finished folder into place, replacing an older one only now and only with
    /// `force`. A folder that appeared at the target while the run worked is never replaced
    /// without `force`, nor one that is not a results folder with it: the finished folder is kept
    /// under a free sibling name instead, and the error says where.
    pub fn commit(mut self) -> Result<PathBuf, OutputError> {
        let io = |p: &Path| {
            let p = p.to_path_buf();
            move |e| OutputError::Io(p, e)
        };
        let occupied = std::fs::symlink_metadata(&self.target).is_ok();
        if occupied && !self.force {
            return self.keep_aside("a results folder or other files, written by another process");
        }
        if occupied && not_results(&self.target).is_some() {
            return self
                .keep_aside("it is not a coopsim results folder, so even --force leaves it");
        }
        let old = self.staging.with_extension("old");
        if occupied {
            std::fs::rename(&self.target, &old).map_err(io(&self.target))?;
        }
        match rename_noreplace(&self.staging, &self.target) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                // Something took the name in the instant between: leave it, keep both folders.
                if occupied {
                    let _ = std::fs::rename(&old, free_sibling(&self.target));
                }
                return self.keep_aside("written by another process as this run finished");
            }
            Err(e) => return Err(io(&self.target)(e)),
        }
        if occupied {
            std::fs::remove_dir_all(&old).map_err(io(&old))?;
        }
        self.committed = true;
        unfinished().retain(|p| *p != self.staging);
        Ok(self.target.clone())
    }

    /// Keeps the finished folder under the first free name `NAME-2`, `NAME-3`, ... beside the
    /// target, and says so.
    fn keep_aside(mut self, what: &'static str) -> Result<PathBuf, OutputError> {
        loop {
            let kept = free_sibling(&self.target);
            match rename_noreplace(&self.staging, &kept) {
                Ok(()) => {
                    self.committed = true;
                    unfinished().retain(|p| *p != self.staging);
                    return Err(OutputError::AppearedMeanwhile {
                        target: self.target.clone(),
                        kept,
                        what,
                    });
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(OutputError::Io(kept, e)),
            }
        }
    }
}

/// The first of `NAME-2`, `NAME-3`, ... beside `target` that does not exist.
fn free_sibling(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "results".into());
    (2..)
        .map(|i| target.with_file_name(format!("{name}-{i}")))
        .find(|p| std::fs::symlink_metadata(p).is_err())
        .expect("some sibling name is free")
}

/// Takes the lock on a results folder's name, `.NAME.lock` beside it, or says who holds it. The
/// lock file stays (removing it would let two runs lock two different files); the lock goes with
/// the process, however it ends.
fn lock(parent: &Path, name: &str, target: &Path) -> Result<File, OutputError> {
    use std::io::{Read, Seek, Write};
    let path = parent.join(format!(".{name}.lock"));
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| OutputError::Io(path.clone(), e))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut text = String::new();
            let _ = file.read_to_string(&mut text);
            return Err(OutputError::Busy(
                target.to_path_buf(),
                text.trim().parse().ok(),
            ));
        }
        Err(std::fs::TryLockError::Error(e)) => return Err(OutputError::Io(path, e)),
    }
    let pid = std::process::id().to_string();
    file.set_len(0)
        .and_then(|()| file.rewind())
        .and_then(|()| file.write_all(pid.as_bytes()))
        .map_err(|e| OutputError::Io(path, e))?;
    Ok(file)
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
    use super::*;

    /// A fresh, empty folder for one test.
    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("coopsim-output-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// A results folder with one file, as a run would leave it.
    fn results(dir: &mut ResultsDir, text: &str) {
        let manifest = dir.file("manifest.json");
        std::fs::write(manifest, format!("{{\"coopsim_version\": \"{text}\"}}")).unwrap();
    }

    #[test]
    fn a_second_run_into_a_folder_being_written_is_refused_at_once() {
        let dir = scratch("busy");
        let target = dir.join("res");
        let first = ResultsDir::begin(&target, false).unwrap();
        for force in [false, true] {
            match ResultsDir::begin(&target, force) {
                Err(OutputError::Busy(p, Some(pid))) => {
                    assert_eq!((p, pid), (target.clone(), std::process::id()));
                }
                other => panic!("expected Busy, got {:?}", other.err()),
            }
        }
        // Once the first is done (here: dropped unfinished), the name is free again.
        drop(first);
        let mut again = ResultsDir::begin(&target, false).unwrap();
        results(&mut again, "again");
        assert_eq!(again.commit().unwrap(), target);
    }

    #[test]
    fn a_folder_that_appears_meanwhile_is_kept_and_the_results_go_beside_it() {
        let dir = scratch("meanwhile");
        let target = dir.join("res");
        let mut run = ResultsDir::begin(&target, false).unwrap();
        results(&mut run, "this run");
        // Another process (not a coopsim run: it holds no lock) writes the target meanwhile.
        std::fs::create_dir_all(&target).unwrap();
        std::fs::write(target.join("theirs.txt"), "theirs").unwrap();
        match run.commit() {
            Err(OutputError::AppearedMeanwhile {
                target: t, kept, ..
            }) => {
                assert_eq!(t, target);
                assert_eq!(kept, dir.join("res-2"));
                let ours = std::fs::read_to_string(kept.join("manifest.json")).unwrap();
                assert!(ours.contains("this run"), "{ours}");
            }
            other => panic!("expected AppearedMeanwhile, got {other:?}"),
        }
        assert_eq!(
            std::fs::read_to_string(target.join("theirs.txt")).unwrap(),
            "theirs"
        );
        // Even an empty folder that appears is not replaced without --force.
        let other = dir.join("other");
        let mut run = ResultsDir::begin(&other, false).unwrap();
        results(&mut run, "this run");
        std::fs::create_dir_all(&other).unwrap();
        assert!(matches!(
            run.commit(),
            Err(OutputError::AppearedMeanwhile { .. })
        ));
        assert!(dir.join("other-2/manifest.json").exists());
        let staging: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains("partial"))
            .collect();
        assert!(staging.is_empty(), "{staging:?}");
    }

    #[test]
    fn force_replaces_results_but_not_other_files_that_appear_meanwhile() {
        let dir = scratch("force");
        let target = dir.join("res");
        // Results that appear meanwhile: --force replaces them (the last run to finish wins).
        let mut run = ResultsDir::begin(&target, true).unwrap();
        results(&mut run, "newer");
        std::fs::create_dir_all(&target).unwrap();
        std::fs::write(
            target.join("manifest.json"),
            "{\"coopsim_version\": \"older\"}",
        )
        .unwrap();
        assert_eq!(run.commit().unwrap(), target);
        let now = std::fs::read_to_string(target.join("manifest.json")).unwrap();
        assert!(now.contains("newer"), "{now}");
        // A folder of other files that appears meanwhile: kept, even with --force.
        let notes = dir.join("notes");
        let mut run = ResultsDir::begin(&notes, true).unwrap();
        results(&mut run, "ours");
        std::fs::create_dir_all(&notes).unwrap();
        std::fs::write(notes.join("thesis.txt"), "years of work").unwrap();
        assert!(matches!(
            run.commit(),
            Err(OutputError::AppearedMeanwhile { .. })
        ));
        assert_eq!(
            std::fs::read_to_string(notes.join("thesis.txt")).unwrap(),
            "years of work"
        );
        assert!(dir.join("notes-2/manifest.json").exists());
    }

    #[test]
    fn a_run_the_disk_cannot_hold_is_refused_with_what_to_change() {
        let dir = scratch("room");
        let free = free_space(&dir.join("not/yet/made")).expect("the free space of /tmp");
        assert!(free > 0);
        assert!(check_room(&dir.join("res"), free / 2, None).is_ok());
        let refused = check_room(&dir.join("res"), free, Some(free / 3)).unwrap_err();
        let text = refused.to_string();
        assert!(
            text.contains("not started") && text.contains("--no-firms"),
            "{text}"
        );
        assert!(text.contains("--out"), "{text}");
        assert!(matches!(refused, OutputError::NoRoom(_)));
        assert_eq!(bytes_text(5 << 20), "5 MB");
        assert_eq!(bytes_text(3 << 29), "1.5 GB");
        assert_eq!(bytes_text(120 << 30), "120 GB");
        assert_eq!(bytes_text(3 << 40), "3.0 TB");
    }

    #[test]
    fn a_full_disk_is_named_as_such() {
        let full = io::Error::from(io::ErrorKind::StorageFull);
        let text = io_error_text(Path::new("out/timeseries.csv"), &full);
        assert!(
            text.starts_with("disk full while writing out/timeseries.csv"),
            "{text}"
        );
        let denied = io::Error::from(io::ErrorKind::PermissionDenied);
        let text = io_error_text(Path::new("out/timeseries.csv"), &denied);
        assert!(
            text.starts_with("cannot write out/timeseries.csv"),
            "{text}"
        );
    }

    #[test]
    fn counts_read_as_words() {
        assert_eq!(counted(1, "replication"), "1 replication");
        assert_eq!(counted(0, "arm"), "0 arms");
        assert_eq!(counted(999, "firm"), "999 firms");
        assert_eq!(counted(3000, "firm"), "3,000 firms");
        assert_eq!(counted(1_000_000, "firm"), "1,000,000 firms");
    }
}
