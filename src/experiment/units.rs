//! A plan's finished units on disk, so that no finished work is lost and pieces of one plan run on
//! many machines can be put back together.
//!
//! Each unit's reduced value (what the engine hands a command's sink) is written, in unit order,
//! to an append-only file of records as soon as it finishes:
//!
//! - A run keeps that file in a folder beside its results, `.NAME.units`, until the results are
//!   committed. If the run is stopped (Ctrl-C, SIGTERM, a kill, a crash), the records stay, and the
//!   same command with `--resume` replays them and runs only the rest: the command sees every unit
//!   in the same order with the same values, so its results are byte for byte those of a run that
//!   was never stopped.
//! - A shard (`--shard K/N`) runs only the units `u` with `u mod N = K`, and its folder holds their
//!   records and what produced them (`shard.json`: the plan's hash, the coopsim version, the
//!   command). `merge` checks that N shards of one plan are all there, once each, and replays their
//!   records in unit order (unit `u` is the next record of shard `u mod N`), one at a time, into
//!   the command's own summary: the same folder the unsharded command writes.
//!
//! A record is the unit's number, the length of its value, the value (postcard, which keeps every
//! f64 bit for bit) and an FNV-1a checksum of it, so a record cut short by a kill is recognised and
//! dropped on resume.

use std::fs::{File, OpenOptions};
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The first bytes of every units file.
const MAGIC: &[u8; 16] = b"coopsim units 1\n";

/// Records written between two flushes to the disk itself (a record reaches the operating system
/// at once, so only a machine crash, not a killed process, can lose the last few).
const SYNC_EVERY: u32 = 16;

/// The file of records, in a journal's folder and in a shard's.
pub const UNITS_FILE: &str = "units.bin";
/// A journal's header, in its folder.
pub const JOURNAL_FILE: &str = "journal.json";
/// A shard's header, in its folder.
pub const SHARD_FILE: &str = "shard.json";

/// Which of a plan's units a process runs: those `u` with `u mod count = index`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Shard {
    /// Every unit.
    pub const WHOLE: Shard = Shard { index: 0, count: 1 };

    /// `K/N`, shards counting from 0: `0/4` to `3/4`.
    pub fn parse(text: &str) -> Result<Shard, String> {
        let bad = |why: String| {
            format!(
                "--shard expected K/N, shard K of N counting from 0 (0/4, 1/4, 2/4, 3/4), found \
                 `{text}`: {why}"
            )
        };
        let (k, n) = text
            .split_once('/')
            .ok_or_else(|| bad("there is no `/`".into()))?;
        let whole = |part: &str, name: &str| {
            part.trim()
                .parse::<u32>()
                .map_err(|_| bad(format!("{name} is not a whole number of 0 or more")))
        };
        let (index, count) = (whole(k, "K")?, whole(n, "N")?);
        if count == 0 {
            return Err(bad("N must be at least 1".into()));
        }
        if index >= count {
            return Err(bad(format!(
                "K must be less than N: the shards of {count} are 0/{count} to {}/{count}",
                count - 1
            )));
        }
        Ok(Shard { index, count })
    }

    /// Whether unit `unit` is this shard's.
    pub fn has(self, unit: u32) -> bool {
        unit % self.count == self.index
    }

    /// How many of `total` units are this shard's.
    pub fn units_of(self, total: u32) -> u32 {
        if total > self.index {
            (total - self.index - 1) / self.count + 1
        } else {
            0
        }
    }

    /// The shard's `i`-th unit.
    pub fn unit(self, i: u32) -> u32 {
        self.index + i * self.count
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// What a journal or a shard holds records of, and what produced them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub coopsim_version: String,
    /// The plan's hash together with what the command reduces each unit to: two runs with the
    /// same hash produce the same records.
    pub plan_hash_fnv1a64: String,
    /// Units in the whole plan.
    pub units: u32,
    pub shard: Shard,
    /// The command's arguments (after `coopsim`), for `merge` to rebuild the plan and finish it.
    pub command: Vec<String>,
    /// The folder the command was given in, against which its relative paths resolve.
    pub directory: PathBuf,
}

impl Header {
    /// Whether `other` is a run of the same plan and shard, by the same coopsim.
    fn same_plan(&self, other: &Header) -> bool {
        self.coopsim_version == other.coopsim_version
            && self.plan_hash_fnv1a64 == other.plan_hash_fnv1a64
            && self.units == other.units
            && self.shard == other.shard
    }

    /// The command as a user would type it.
    pub fn command_line(&self) -> String {
        let mut words = vec!["coopsim".to_string()];
        words.extend(self.command.iter().map(|w| {
            if w.is_empty() || w.contains(|c: char| c.is_whitespace() || "'\"$`\\".contains(c)) {
                format!("'{}'", w.replace('\'', r"'\''"))
            } else {
                w.clone()
            }
        }));
        words.join(" ")
    }
}

/// A shard folder's `shard.json`: its header and how many records it holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct ShardFile {
    #[serde(flatten)]
    header: Header,
    /// Records in `units.bin`: all of the shard's units.
    finished: u32,
}

/// What went wrong with finished units: all but `Io` and `Corrupt` are the user's to change (exit
/// status 2).
#[derive(Debug)]
pub enum UnitsError {
    Io(PathBuf, io::Error),
    /// A units file that is not what it should be (another program's, or damaged).
    Corrupt(PathBuf, String),
    /// A run was stopped before it finished, and this one neither resumes it nor replaces it.
    Unfinished {
        target: PathBuf,
        journal: PathBuf,
        finished: u32,
        units: u32,
    },
    /// `--resume` with no stopped run to resume.
    NothingToResume {
        target: PathBuf,
        complete: bool,
    },
    /// `--resume` of a stopped run of another plan (or shard, or coopsim version).
    OtherPlan {
        target: PathBuf,
        journal: PathBuf,
        theirs: Box<Header>,
        ours: Box<Header>,
    },
    /// A folder given to `merge` that is not a finished shard.
    NotAShard(PathBuf, String),
    /// A shard written by another coopsim version than this one.
    OtherVersion {
        shard: PathBuf,
        version: String,
    },
    /// Two shards given to `merge` that belong to different plans.
    Mixed {
        shard: PathBuf,
        first: PathBuf,
        why: String,
    },
    /// The same shard given twice.
    Repeated {
        shard: Shard,
        first: PathBuf,
        again: PathBuf,
    },
    /// Shards of the plan that were not given.
    Missing {
        missing: Vec<u32>,
        count: u32,
    },
    /// The plan the shards' command builds now is not the one they ran.
    Changed {
        command: String,
        directory: PathBuf,
        theirs: String,
        ours: String,
    },
}

impl std::fmt::Display for UnitsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UnitsError::Io(p, e) => write!(f, "{}", crate::output::io_error_text(p, e)),
            UnitsError::Corrupt(p, why) => write!(f, "{} is damaged: {why}", p.display()),
            UnitsError::Unfinished {
                target,
                journal,
                finished,
                units,
            } => write!(
                f,
                "a run into {} was stopped with {finished} of {units} units finished (kept in \
                 {}): add --resume to continue it, or --force to start again and discard them",
                target.display(),
                journal.display()
            ),
            UnitsError::NothingToResume { target, complete } => {
                if *complete {
                    write!(
                        f,
                        "--resume: {} is complete, there is nothing to resume (without --resume, \
                         --force replaces it)",
                        target.display()
                    )
                } else {
                    write!(
                        f,
                        "--resume: no stopped run into {} to resume (its finished units would be \
                         in {})",
                        target.display(),
                        journal(target).display()
                    )
                }
            }
            UnitsError::OtherPlan {
                target,
                journal,
                theirs,
                ours,
            } => {
                write!(
                    f,
                    "--resume: the stopped run into {} (kept in {}) is not this command's: ",
                    target.display(),
                    journal.display()
                )?;
                if theirs.coopsim_version != ours.coopsim_version {
                    write!(
                        f,
                        "it was run by coopsim {}, this is {}",
                        theirs.coopsim_version, ours.coopsim_version
                    )?;
                } else if theirs.shard != ours.shard {
                    write!(
                        f,
                        "it ran shard {}, this is shard {}",
                        theirs.shard, ours.shard
                    )?;
                } else {
                    write!(
                        f,
                        "it ran plan {} and this command's is {} (another scenario, setting, \
                         seed or replication count)",
                        theirs.plan_hash_fnv1a64, ours.plan_hash_fnv1a64
                    )?;
                }
                write!(
                    f,
                    "; it was `{}`. Run that to resume it, or this with --force to start again",
                    theirs.command_line()
                )
            }
            UnitsError::NotAShard(p, why) => {
                write!(f, "{} is not a coopsim shard: {why}", p.display())
            }
            UnitsError::OtherVersion { shard, version } => write!(
                f,
                "{} was written by coopsim {version}, this is coopsim {}: shards are merged by \
                 the version that ran them",
                shard.display(),
                env!("CARGO_PKG_VERSION")
            ),
            UnitsError::Mixed { shard, first, why } => write!(
                f,
                "{} is not a shard of the same plan as {}: {why}",
                shard.display(),
                first.display()
            ),
            UnitsError::Repeated {
                shard,
                first,
                again,
            } => write!(
                f,
                "shard {shard} is given twice: {} and {}",
                first.display(),
                again.display()
            ),
            UnitsError::Missing { missing, count } => {
                let list: Vec<String> = missing.iter().map(|k| format!("{k}/{count}")).collect();
                write!(
                    f,
                    "{} of the {count} shards {} missing: {}",
                    missing.len(),
                    if missing.len() == 1 { "is" } else { "are" },
                    list.join(", ")
                )
            }
            UnitsError::Changed {
                command,
                directory,
                theirs,
                ours,
            } => write!(
                f,
                "the shards ran plan {theirs}, but `{command}` in {} now builds plan {ours}: a \
                 scenario or targets file it reads changed since the shards ran",
                directory.display()
            ),
        }
    }
}

impl std::error::Error for UnitsError {}

/// The folder that keeps a run's finished units until its results folder `target` is committed:
/// `.NAME.units` beside it.
pub fn journal(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "results".into());
    target.with_file_name(format!(".{name}.units"))
}

/// How a run starts its journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// From the first unit; `force` discards a stopped run's units.
    Fresh { force: bool },
    /// Continuing a stopped run of the same plan.
    Resume,
}

/// The finished units of one run (or one shard), in unit order, as they finish.
#[derive(Debug)]
pub struct Journal {
    folder: PathBuf,
    header: Header,
    file: File,
    /// Records of a stopped run still to hand back, and where they are read from.
    replay: Option<BufReader<File>>,
    to_replay: u32,
    /// Records in the file.
    finished: u32,
    unsynced: u32,
    /// A shard's journal: its records go to the shard folder, not to a summary.
    shard_only: bool,
}

impl Journal {
    /// Starts the journal of a run into `target` (whose folder's lock the caller holds), or
    /// continues a stopped run's. `shard_only`: the run writes a shard folder of its records, not
    /// a summary of them.
    pub fn begin(
        target: &Path,
        header: Header,
        start: Start,
        shard_only: bool,
    ) -> Result<Journal, UnitsError> {
        let folder = journal(target);
        let io = |p: &Path| {
            let p = p.to_path_buf();
            move |e| UnitsError::Io(p, e)
        };
        let units_path = folder.join(UNITS_FILE);
        let stopped = read_json::<Header>(&folder.join(JOURNAL_FILE));
        match start {
            Start::Fresh { force } => {
                if let Some(Ok(theirs)) = &stopped
                    && !force
                {
                    let finished = count_records(&units_path).unwrap_or(0);
                    if finished > 0 {
                        return Err(UnitsError::Unfinished {
                            target: target.to_path_buf(),
                            journal: folder,
                            finished,
                            units: theirs.shard.units_of(theirs.units),
                        });
                    }
                }
                if folder.exists() {
                    std::fs::remove_dir_all(&folder).map_err(io(&folder))?;
                }
                std::fs::create_dir_all(&folder).map_err(io(&folder))?;
                write_json_atomically(&folder.join(JOURNAL_FILE), &header)?;
                let mut file = File::create(&units_path).map_err(io(&units_path))?;
                file.write_all(MAGIC).map_err(io(&units_path))?;
                Ok(Journal {
                    folder,
                    header,
                    file,
                    replay: None,
                    to_replay: 0,
                    finished: 0,
                    unsynced: 1,
                    shard_only,
                })
            }
            Start::Resume => {
                let theirs = match stopped {
                    None => {
                        return Err(UnitsError::NothingToResume {
                            target: target.to_path_buf(),
                            complete: target.exists(),
                        });
                    }
                    Some(Err(why)) => {
                        return Err(UnitsError::Corrupt(folder.join(JOURNAL_FILE), why));
                    }
                    Some(Ok(h)) => h,
                };
                if !theirs.same_plan(&header) {
                    return Err(UnitsError::OtherPlan {
                        target: target.to_path_buf(),
                        journal: folder,
                        theirs: Box::new(theirs),
                        ours: Box::new(header),
                    });
                }
                // Keep the records that are whole and in order; a last one cut short goes.
                let (finished, end) = scan(&units_path, header.shard)?;
                let mut file = OpenOptions::new()
                    .write(true)
                    .open(&units_path)
                    .map_err(io(&units_path))?;
                file.set_len(end).map_err(io(&units_path))?;
                file.seek(SeekFrom::End(0)).map_err(io(&units_path))?;
                let mut reader = BufReader::new(File::open(&units_path).map_err(io(&units_path))?);
                reader
                    .seek(SeekFrom::Start(MAGIC.len() as u64))
                    .map_err(io(&units_path))?;
                Ok(Journal {
                    folder,
                    header,
                    file,
                    replay: Some(reader),
                    to_replay: finished,
                    finished,
                    unsynced: 0,
                    shard_only,
                })
            }
        }
    }

    pub fn shard(&self) -> Shard {
        self.header.shard
    }

    /// Units in the whole plan.
    pub fn units(&self) -> u32 {
        self.header.units
    }

    /// Units of a stopped run handed back before any runs.
    pub fn replayed(&self) -> u32 {
        self.to_replay
    }

    /// Records in the journal.
    pub fn finished(&self) -> u32 {
        self.finished
    }

    /// Whether the records go to a shard folder only (the command's summary never sees them).
    pub fn shard_only(&self) -> bool {
        self.shard_only
    }

    /// The folder the records are kept in.
    pub fn folder(&self) -> &Path {
        &self.folder
    }

    fn units_path(&self) -> PathBuf {
        self.folder.join(UNITS_FILE)
    }

    /// The next record of the stopped run, which must be unit `unit`.
    pub fn next_replayed(&mut self, unit: u32) -> Result<Vec<u8>, UnitsError> {
        let path = self.units_path();
        let reader = self
            .replay
            .as_mut()
            .expect("records are replayed only when a stopped run is resumed");
        let value = read_record(reader, &path, unit)?
            .ok_or_else(|| UnitsError::Corrupt(path.clone(), format!("unit {unit} is missing")))?;
        self.to_replay -= 1;
        if self.to_replay == 0 {
            self.replay = None;
        }
        Ok(value)
    }

    /// Adds unit `unit`'s value.
    pub fn append(&mut self, unit: u32, value: &[u8]) -> Result<(), UnitsError> {
        let mut record = Vec::with_capacity(value.len() + 20);
        record.extend_from_slice(&unit.to_le_bytes());
        record.extend_from_slice(&(value.len() as u64).to_le_bytes());
        record.extend_from_slice(value);
        record.extend_from_slice(&checksum(value).to_le_bytes());
        let path = self.units_path();
        self.file
            .write_all(&record)
            .map_err(|e| UnitsError::Io(path.clone(), e))?;
        self.finished += 1;
        self.unsynced += 1;
        if self.unsynced >= SYNC_EVERY {
            self.sync().map_err(|e| UnitsError::Io(path, e))?;
        }
        Ok(())
    }

    /// Flushes the records to the disk.
    pub fn sync(&mut self) -> io::Result<()> {
        if self.unsynced > 0 {
            self.file.sync_data()?;
            self.unsynced = 0;
        }
        Ok(())
    }

    /// Puts a finished shard's records and header into its results folder `into` (hard-linked, so
    /// the journal keeps them until the shard folder is committed: see `discard`).
    pub fn into_shard_folder(&mut self, into: &Path) -> Result<(), UnitsError> {
        let path = self.units_path();
        self.sync().map_err(|e| UnitsError::Io(path.clone(), e))?;
        let linked = into.join(UNITS_FILE);
        if std::fs::hard_link(&path, &linked).is_err() {
            std::fs::copy(&path, &linked).map_err(|e| UnitsError::Io(linked.clone(), e))?;
        }
        let file = ShardFile {
            header: self.header.clone(),
            finished: self.finished,
        };
        write_json_atomically(&into.join(SHARD_FILE), &file)
    }

    /// Removes the journal once the results it fed are committed.
    pub fn discard(self) -> Result<(), UnitsError> {
        let folder = self.folder.clone();
        drop(self);
        std::fs::remove_dir_all(&folder).map_err(|e| UnitsError::Io(folder, e))
    }
}

impl Drop for Journal {
    fn drop(&mut self) {
        let _ = self.sync();
    }
}

/// The finished shards of one plan, read back in unit order.
#[derive(Debug)]
pub struct ShardSet {
    header: Header,
    /// By shard index: the folder and its records.
    shards: Vec<(PathBuf, BufReader<File>)>,
}

impl ShardSet {
    /// Opens shard folders, checking that they are the `N` shards of one plan by this coopsim
    /// version, each once and each complete.
    pub fn open(folders: &[PathBuf]) -> Result<ShardSet, UnitsError> {
        let mut found: Vec<(PathBuf, ShardFile)> = Vec::new();
        for folder in folders {
            let path = folder.join(SHARD_FILE);
            let file = match read_json::<ShardFile>(&path) {
                None if !folder.is_dir() => {
                    return Err(UnitsError::NotAShard(
                        folder.clone(),
                        "there is no such folder".into(),
                    ));
                }
                None => {
                    return Err(UnitsError::NotAShard(
                        folder.clone(),
                        format!(
                            "it has no {SHARD_FILE} (shard folders are written by a command run \
                             with --shard K/N)"
                        ),
                    ));
                }
                Some(Err(why)) => {
                    return Err(UnitsError::NotAShard(
                        folder.clone(),
                        format!("its {SHARD_FILE} cannot be read: {why}"),
                    ));
                }
                Some(Ok(f)) => f,
            };
            if file.header.coopsim_version != env!("CARGO_PKG_VERSION") {
                return Err(UnitsError::OtherVersion {
                    shard: folder.clone(),
                    version: file.header.coopsim_version,
                });
            }
            let expected = file.header.shard.units_of(file.header.units);
            if file.finished != expected {
                return Err(UnitsError::NotAShard(
                    folder.clone(),
                    format!("it holds {} of its {expected} units", file.finished),
                ));
            }
            if let Some((first, f)) = found.first() {
                let (a, b) = (&f.header, &file.header);
                let why = if a.plan_hash_fnv1a64 != b.plan_hash_fnv1a64 || a.units != b.units {
                    Some(format!(
                        "it ran plan {} (`{}`), the other plan {} (`{}`)",
                        b.plan_hash_fnv1a64,
                        b.command_line(),
                        a.plan_hash_fnv1a64,
                        a.command_line()
                    ))
                } else if a.shard.count != b.shard.count {
                    Some(format!(
                        "it is one of {} shards, the other one of {}",
                        b.shard.count, a.shard.count
                    ))
                } else {
                    None
                };
                if let Some(why) = why {
                    return Err(UnitsError::Mixed {
                        shard: folder.clone(),
                        first: first.clone(),
                        why,
                    });
                }
            }
            if let Some((first, _)) = found
                .iter()
                .find(|(_, f)| f.header.shard == file.header.shard)
            {
                return Err(UnitsError::Repeated {
                    shard: file.header.shard,
                    first: first.clone(),
                    again: folder.clone(),
                });
            }
            found.push((folder.clone(), file));
        }
        let Some((_, first)) = found.first() else {
            return Err(UnitsError::Missing {
                missing: Vec::new(),
                count: 0,
            });
        };
        let count = first.header.shard.count;
        let missing: Vec<u32> = (0..count)
            .filter(|k| !found.iter().any(|(_, f)| f.header.shard.index == *k))
            .collect();
        if !missing.is_empty() {
            return Err(UnitsError::Missing { missing, count });
        }
        let mut header = first.header.clone();
        header.shard = Shard::WHOLE;
        found.sort_by_key(|(_, f)| f.header.shard.index);
        let mut shards = Vec::with_capacity(found.len());
        for (folder, _) in found {
            let path = folder.join(UNITS_FILE);
            let mut reader =
                BufReader::new(File::open(&path).map_err(|e| UnitsError::Io(path.clone(), e))?);
            let mut magic = [0u8; 16];
            if reader.read_exact(&mut magic).is_err() || &magic != MAGIC {
                return Err(UnitsError::Corrupt(
                    path,
                    "it does not start as a coopsim units file".into(),
                ));
            }
            shards.push((folder, reader));
        }
        Ok(ShardSet { header, shards })
    }

    /// What the shards ran (with `shard` the whole plan).
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The shards' folders, in shard order.
    pub fn folders(&self) -> impl Iterator<Item = &Path> {
        self.shards.iter().map(|(p, _)| p.as_path())
    }

    /// Checks that `plan_hash`, the plan the shards' command builds here and now, is the one
    /// they ran.
    pub fn check(&self, plan_hash: &str, units: u32) -> Result<(), UnitsError> {
        if plan_hash != self.header.plan_hash_fnv1a64 || units != self.header.units {
            return Err(UnitsError::Changed {
                command: self.header.command_line(),
                directory: self.header.directory.clone(),
                theirs: self.header.plan_hash_fnv1a64.clone(),
                ours: plan_hash.to_string(),
            });
        }
        Ok(())
    }

    /// Unit `unit`'s value: the next record of shard `unit mod N`.
    pub fn next(&mut self, unit: u32) -> Result<Vec<u8>, UnitsError> {
        let n = self.shards.len() as u32;
        let (folder, reader) = &mut self.shards[(unit % n) as usize];
        let path = folder.join(UNITS_FILE);
        read_record(reader, &path, unit)?
            .ok_or_else(|| UnitsError::Corrupt(path, format!("unit {unit} is missing")))
    }
}

/// FNV-1a over `bytes`: enough to tell a whole record from one cut short or overwritten.
fn checksum(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The next record, which must be unit `unit`'s; `None` at the end of the file.
fn read_record(
    reader: &mut impl Read,
    path: &Path,
    unit: u32,
) -> Result<Option<Vec<u8>>, UnitsError> {
    match read_any(reader) {
        Ok(Some((u, value))) if u == unit => Ok(Some(value)),
        Ok(Some((u, _))) => Err(UnitsError::Corrupt(
            path.to_path_buf(),
            format!("unit {u} is where unit {unit} should be"),
        )),
        Ok(None) => Ok(None),
        Err(e) => Err(UnitsError::Corrupt(path.to_path_buf(), e.to_string())),
    }
}

/// The next whole record, `None` at the end or at a record cut short; an error for a damaged one.
fn read_any(reader: &mut impl Read) -> io::Result<Option<(u32, Vec<u8>)>> {
    let mut head = [0u8; 12];
    if !read_all_or_nothing(reader, &mut head)? {
        return Ok(None);
    }
    let unit = u32::from_le_bytes(head[..4].try_into().expect("4 bytes"));
    let len = u64::from_le_bytes(head[4..].try_into().expect("8 bytes"));
    let mut value = Vec::new();
    let got = reader.take(len).read_to_end(&mut value)?;
    let mut sum = [0u8; 8];
    if (got as u64) < len || !read_all_or_nothing(reader, &mut sum)? {
        return Ok(None);
    }
    if u64::from_le_bytes(sum) != checksum(&value) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("the record of unit {unit} does not match its checksum"),
        ));
    }
    Ok(Some((unit, value)))
}

/// Fills `buf`; false at the end of the input, including in the middle of `buf`.
fn read_all_or_nothing(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<bool> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => return Ok(false),
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(true)
}

/// The records of a stopped run that are whole and in `shard`'s order, and the byte offset where
/// they end (what follows is a record cut short, or damaged, and is dropped).
fn scan(path: &Path, shard: Shard) -> Result<(u32, u64), UnitsError> {
    let file = File::open(path).map_err(|e| UnitsError::Io(path.to_path_buf(), e))?;
    let mut reader = BufReader::new(file);
    let mut magic = [0u8; 16];
    if !read_all_or_nothing(&mut reader, &mut magic).unwrap_or(false) || &magic != MAGIC {
        return Err(UnitsError::Corrupt(
            path.to_path_buf(),
            "it does not start as a coopsim units file".into(),
        ));
    }
    let mut end = MAGIC.len() as u64;
    let mut count = 0;
    while let Ok(Some((unit, value))) = read_any(&mut reader) {
        if unit != shard.unit(count) {
            break;
        }
        count += 1;
        end += 20 + value.len() as u64;
    }
    Ok((count, end))
}

/// Whole records in a units file (for telling the user what a stopped run left).
fn count_records(path: &Path) -> Option<u32> {
    let mut reader = BufReader::new(File::open(path).ok()?);
    let mut magic = [0u8; 16];
    if !read_all_or_nothing(&mut reader, &mut magic).ok()? || &magic != MAGIC {
        return None;
    }
    let mut n = 0;
    while let Ok(Some(_)) = read_any(&mut reader) {
        n += 1;
    }
    Some(n)
}

/// `None` when the file does not exist, else the parsed value or why it cannot be read.
fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Option<Result<T, String>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return None,
        Err(e) => return Some(Err(e.to_string())),
    };
    Some(serde_json::from_str(&text).map_err(|e| e.to_string()))
}

fn write_json_atomically<T: Serialize>(path: &Path, value: &T) -> Result<(), UnitsError> {
    let io = |e| UnitsError::Io(path.to_path_buf(), e);
    let partial = path.with_extension("json.partial");
    let mut w = BufWriter::new(File::create(&partial).map_err(io)?);
    serde_json::to_writer_pretty(&mut w, value)
        .map_err(|e| UnitsError::Io(path.to_path_buf(), e.into()))?;
    w.write_all(b"\n").map_err(io)?;
    w.into_inner()
        .map_err(|e| io(e.into_error()))?
        .sync_all()
        .map_err(io)?;
    std::fs::rename(&partial, path).map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(shard: Shard) -> Header {
        Header {
            coopsim_version: env!("CARGO_PKG_VERSION").into(),
            plan_hash_fnv1a64: "0123456789abcdef".into(),
            units: 10,
            shard,
            command: vec!["run".into(), "a b.toml".into()],
            directory: PathBuf::from("/somewhere"),
        }
    }

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("coopsim-units-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn shards_count_from_zero_and_deal_units_in_turn() {
        assert_eq!(Shard::parse("0/4"), Ok(Shard { index: 0, count: 4 }));
        assert_eq!(Shard::parse("3/4"), Ok(Shard { index: 3, count: 4 }));
        for bad in ["4/4", "5/4", "-1/4", "1/0", "1", "a/4", "1/b", ""] {
            let e = Shard::parse(bad).unwrap_err();
            assert!(e.contains(&format!("`{bad}`")), "{e}");
        }
        assert!(Shard::parse("4/4").unwrap_err().contains("0/4 to 3/4"));
        let s = Shard { index: 2, count: 3 };
        let units: Vec<u32> = (0..10).filter(|u| s.has(*u)).collect();
        assert_eq!(units, [2, 5, 8]);
        assert_eq!(s.units_of(10), 3);
        assert_eq!((0..3).map(|i| s.unit(i)).collect::<Vec<_>>(), units);
        assert_eq!(Shard { index: 7, count: 8 }.units_of(5), 0);
        assert_eq!(Shard::WHOLE.units_of(5), 5);
        // Every unit is in exactly one shard.
        for n in 1..6 {
            let total: u32 = (0..n)
                .map(|k| Shard { index: k, count: n }.units_of(17))
                .sum();
            assert_eq!(total, 17);
        }
    }

    #[test]
    fn a_stopped_run_is_resumed_from_its_whole_records() {
        let dir = scratch("resume");
        let target = dir.join("res");
        let h = header(Shard::WHOLE);
        let mut j =
            Journal::begin(&target, h.clone(), Start::Fresh { force: false }, false).unwrap();
        for u in 0..4 {
            j.append(u, &[u as u8; 5]).unwrap();
        }
        drop(j);
        // A record cut short by a kill.
        let units = journal(&target).join(UNITS_FILE);
        let mut f = OpenOptions::new().append(true).open(&units).unwrap();
        f.write_all(&[4, 0, 0, 0, 9, 0]).unwrap();
        drop(f);
        // A fresh start is refused, naming what was finished.
        let e = Journal::begin(&target, h.clone(), Start::Fresh { force: false }, false)
            .unwrap_err()
            .to_string();
        assert!(e.contains("4 of 10 units") && e.contains("--resume"), "{e}");
        // Another plan is refused.
        let mut other = h.clone();
        other.plan_hash_fnv1a64 = "fedcba9876543210".into();
        let e = Journal::begin(&target, other, Start::Resume, false)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("fedcba9876543210") && e.contains("coopsim run 'a b.toml'"),
            "{e}"
        );
        let mut j = Journal::begin(&target, h.clone(), Start::Resume, false).unwrap();
        assert_eq!(j.replayed(), 4);
        for u in 0..4 {
            assert_eq!(j.next_replayed(u).unwrap(), vec![u as u8; 5]);
        }
        j.append(4, b"four").unwrap();
        drop(j);
        let mut j = Journal::begin(&target, h.clone(), Start::Resume, false).unwrap();
        assert_eq!(j.replayed(), 5);
        for u in 0..4 {
            j.next_replayed(u).unwrap();
        }
        assert_eq!(j.next_replayed(4).unwrap(), b"four");
        j.discard().unwrap();
        let e = Journal::begin(&target, h, Start::Resume, false)
            .unwrap_err()
            .to_string();
        assert!(e.contains("no stopped run"), "{e}");
    }

    #[test]
    fn a_damaged_record_is_not_replayed() {
        let dir = scratch("damaged");
        let target = dir.join("res");
        let h = header(Shard::WHOLE);
        let mut j =
            Journal::begin(&target, h.clone(), Start::Fresh { force: false }, false).unwrap();
        j.append(0, b"zero").unwrap();
        j.append(1, b"one").unwrap();
        drop(j);
        let units = journal(&target).join(UNITS_FILE);
        let mut bytes = std::fs::read(&units).unwrap();
        let last = bytes.len() - 10;
        bytes[last] ^= 0xff;
        std::fs::write(&units, bytes).unwrap();
        let j = Journal::begin(&target, h, Start::Resume, false).unwrap();
        assert_eq!(j.replayed(), 1, "the damaged second record is run again");
    }

    fn shard_folder(dir: &Path, shard: Shard, total: u32) -> PathBuf {
        let target = dir.join(format!("shard-{}", shard.index));
        let mut h = header(shard);
        h.units = total;
        let mut j = Journal::begin(&target, h, Start::Fresh { force: false }, true).unwrap();
        for i in 0..shard.units_of(total) {
            let u = shard.unit(i);
            j.append(u, &u.to_le_bytes()).unwrap();
        }
        std::fs::create_dir_all(&target).unwrap();
        j.into_shard_folder(&target).unwrap();
        j.discard().unwrap();
        target
    }

    #[test]
    fn shards_merge_in_unit_order_and_bad_sets_are_named() {
        let dir = scratch("merge");
        let n = 3;
        let folders: Vec<PathBuf> = (0..n)
            .map(|k| shard_folder(&dir, Shard { index: k, count: n }, 10))
            .collect();
        let mut set =
            ShardSet::open(&[folders[2].clone(), folders[0].clone(), folders[1].clone()]).unwrap();
        assert_eq!(set.header().shard, Shard::WHOLE);
        for u in 0..10 {
            assert_eq!(set.next(u).unwrap(), u.to_le_bytes());
        }
        set.check("0123456789abcdef", 10).unwrap();
        assert!(set.check("0123456789abcdee", 10).is_err());

        let e = ShardSet::open(&folders[..2]).unwrap_err().to_string();
        assert!(e.contains("1 of the 3 shards is missing: 2/3"), "{e}");
        let e = ShardSet::open(&[folders[0].clone(), folders[1].clone(), folders[1].clone()])
            .unwrap_err()
            .to_string();
        assert!(e.contains("shard 1/3 is given twice"), "{e}");
        let other = shard_folder(&scratch("merge-other"), Shard { index: 1, count: 2 }, 10);
        let e = ShardSet::open(&[folders[0].clone(), other.clone()])
            .unwrap_err()
            .to_string();
        assert!(e.contains("one of 2 shards, the other one of 3"), "{e}");
        let e = ShardSet::open(&[dir.join("nowhere")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("no such folder"), "{e}");
        // A shard of another version.
        let path = folders[1].join(SHARD_FILE);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(
            &path,
            text.replace(env!("CARGO_PKG_VERSION"), "0.0.1-other"),
        )
        .unwrap();
        let e = ShardSet::open(&folders).unwrap_err().to_string();
        assert!(
            e.contains("coopsim 0.0.1-other") && e.contains("shard-1"),
            "{e}"
        );
    }
}
