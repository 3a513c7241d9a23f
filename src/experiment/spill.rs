//! The replications' aggregates on disk, laid out for summarising a block of keys at a time.
//!
//! Each table (monthly series, survival counts, ...) has a fixed shape per replication: `keys`
//! consecutive key values (months, months since onset, ...), each with the same rows (kind x
//! sector cells, ...), each row with the same numeric values. The file holds the rows (in key
//! order) in blocks; within a block, replication after replication. Every group a query forms
//! (a key and a row, across replications) lies within one block. A finished replication is written straight into
//! its slot of every block, so nothing is buffered while simulating, and one block of every
//! replication is one contiguous read, so summarising holds one block at a time. Memory therefore
//! does not grow with the number of replications (disk does: 8 bytes per value). polars does the
//! statistics on each block (see `super`); this module only stores and reloads numbers.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use polars::prelude::*;

/// Most threads one summary uses: each holds a block (about `BLOCK_BUDGET` bytes of numbers, a
/// few times that as frames), and beyond this the file reads and polars' own pool are the limit.
const SUMMARY_THREADS: usize = 8;

/// Blocks summarised between two stackings of the results.
const WAVE: usize = 64;

/// A label column: its name, its possible values, and which one a row has, from (key index, row
/// index). Blocks carry labels as codes, turned into names only in the (small) query results, so
/// the results never share string buffers with a block.
#[derive(Clone)]
pub struct Label {
    pub name: &'static str,
    pub names: Vec<&'static str>,
    pub of: fn(usize, usize) -> usize,
}

/// What one replication of a table looks like.
#[derive(Clone)]
pub struct Shape {
    /// Name of the key column.
    pub key: &'static str,
    /// Value of the first key (the others follow by one).
    pub first_key: u32,
    pub keys: usize,
    pub rows_per_key: usize,
    /// Label columns of the rows.
    pub labels: Vec<Label>,
    /// Names of the numeric columns; NaN stands for a missing value.
    pub values: Vec<&'static str>,
}

impl Shape {
    fn rows(&self) -> usize {
        self.keys * self.rows_per_key
    }

    /// Numbers one replication contributes.
    pub fn per_replication(&self) -> usize {
        self.rows() * self.values.len()
    }
}

/// A table's replications on disk.
pub struct Spill {
    shape: Shape,
    path: PathBuf,
    file: File,
    replications: usize,
    rows_per_block: usize,
    bytes: Vec<u8>,
}

impl Spill {
    /// Creates the file for `replications` replications of `shape`, planning blocks of about
    /// `budget` bytes of numbers (at least one row of every replication per block).
    pub fn create(
        path: &Path,
        shape: Shape,
        replications: u32,
        budget: usize,
    ) -> io::Result<Spill> {
        let replications = replications.max(1) as usize;
        let row_all = shape.values.len().max(1) * 8 * replications;
        let rows_per_block = (budget / row_all).clamp(1, shape.rows().max(1));
        Ok(Spill {
            file: File::create(path)?,
            path: path.to_path_buf(),
            shape,
            replications,
            rows_per_block,
            bytes: Vec::new(),
        })
    }

    /// The file the numbers are stored in (for errors that name it).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Bytes of numbers on disk for `replications` replications of `shape`.
    pub fn bytes(shape: &Shape, replications: u32) -> u64 {
        8 * shape.per_replication() as u64 * u64::from(replications)
    }

    /// Blocks as half-open ranges of rows (rows numbered key by key).
    fn blocks(&self) -> impl Iterator<Item = (usize, usize)> + use<> {
        let (rows, step) = (self.shape.rows(), self.rows_per_block);
        (0..rows.div_ceil(step)).map(move |b| (b * step, ((b + 1) * step).min(rows)))
    }

    /// Byte offset of replication `r`'s slot in the block starting at row `u0` of `n` rows.
    fn offset(&self, u0: usize, n: usize, r: usize) -> u64 {
        let per_row = self.shape.values.len() as u64;
        8 * per_row * (self.replications as u64 * u0 as u64 + r as u64 * n as u64)
    }

    /// Stores one replication's numbers (key by key, row by row, value by value).
    pub fn write(&mut self, replication: u32, values: &[f64]) -> io::Result<()> {
        let r = replication as usize;
        if values.len() != self.shape.per_replication() || r >= self.replications {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "replication {r} of {} has {} values for {}, expected {}",
                    self.replications,
                    values.len(),
                    self.path.display(),
                    self.shape.per_replication()
                ),
            ));
        }
        let per_row = self.shape.values.len();
        for (u0, u1) in self.blocks().collect::<Vec<_>>() {
            self.bytes.clear();
            for v in &values[u0 * per_row..u1 * per_row] {
                self.bytes.extend_from_slice(&v.to_le_bytes());
            }
            self.file
                .seek(SeekFrom::Start(self.offset(u0, u1 - u0, r)))?;
            self.file.write_all(&self.bytes)?;
        }
        Ok(())
    }

    /// Stores the numbers of one key of one replication (row by row, value by value).
    pub fn write_key(&mut self, replication: u32, key: usize, values: &[f64]) -> io::Result<()> {
        let (r, nv, rpk) = (
            replication as usize,
            self.shape.values.len(),
            self.shape.rows_per_key,
        );
        if values.len() != rpk * nv || r >= self.replications || key >= self.shape.keys {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "key {key} of replication {r} has {} values for {}, expected {}",
                    values.len(),
                    self.path.display(),
                    rpk * nv
                ),
            ));
        }
        let (first, last) = (key * rpk, (key + 1) * rpk);
        for (u0, u1) in self.blocks().collect::<Vec<_>>() {
            let (lo, hi) = (first.max(u0), last.min(u1));
            if lo >= hi {
                continue;
            }
            self.bytes.clear();
            for v in &values[(lo - first) * nv..(hi - first) * nv] {
                self.bytes.extend_from_slice(&v.to_le_bytes());
            }
            let at = self.offset(u0, u1 - u0, r) + 8 * (nv * (lo - u0)) as u64;
            self.file.seek(SeekFrom::Start(at))?;
            self.file.write_all(&self.bytes)?;
        }
        Ok(())
    }

    /// Runs `query` on each block (all replications of its keys) and stacks the results in block
    /// order: the same table on any number of threads.
    ///
    /// Blocks go in waves of `WAVE` to up to `SUMMARY_THREADS` plain threads (no more than the
    /// current rayon pool has), each holding one block at a time; each wave's results are stacked
    /// before the next starts. Memory is therefore bounded by the thread count, not by the
    /// replications. Plain threads, not rayon tasks: a rayon worker waiting on polars' own pool
    /// would steal and start further blocks, and hold them all at once.
    pub fn summarise(
        &mut self,
        query: impl Fn(LazyFrame) -> LazyFrame + Sync,
    ) -> PolarsResult<DataFrame> {
        self.file.flush()?;
        let blocks: Vec<(usize, usize)> = self.blocks().collect();
        let threads = rayon::current_num_threads().clamp(1, SUMMARY_THREADS);
        let mut out: Option<DataFrame> = None;
        for wave in blocks.chunks(WAVE) {
            for part in self.summarise_wave(wave, threads.min(wave.len()), &query)? {
                match &mut out {
                    Some(o) => {
                        o.vstack_mut(&part)?;
                    }
                    None => out = Some(part),
                }
            }
            // Thousands of tiny chunks cost more than the rows they hold.
            if let Some(o) = &mut out {
                o.rechunk_mut();
            }
        }
        out.ok_or_else(|| PolarsError::NoData("nothing to summarise".into()))
    }

    /// The results of `query` on each of `blocks`, in their order, computed on `threads` threads.
    fn summarise_wave(
        &self,
        blocks: &[(usize, usize)],
        threads: usize,
        query: &(impl Fn(LazyFrame) -> LazyFrame + Sync),
    ) -> PolarsResult<Vec<DataFrame>> {
        let next = AtomicUsize::new(0);
        let work = || -> PolarsResult<Vec<(usize, DataFrame)>> {
            let mut reader = File::open(&self.path)?;
            let mut done = Vec::new();
            loop {
                let b = next.fetch_add(1, Ordering::Relaxed);
                let Some(&(u0, u1)) = blocks.get(b) else {
                    return Ok(done);
                };
                let mut part = query(self.block(&mut reader, u0, u1)?.lazy()).collect()?;
                self.name_labels(&mut part)?;
                done.push((b, part));
            }
        };
        let mut parts = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads).map(|_| scope.spawn(work)).collect();
            let mut parts = Vec::with_capacity(blocks.len());
            for h in handles {
                match h.join() {
                    Ok(done) => parts.extend(done?),
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            }
            Ok::<_, PolarsError>(parts)
        })?;
        parts.sort_unstable_by_key(|(b, _)| *b);
        Ok(parts.into_iter().map(|(_, part)| part).collect())
    }

    /// All replications of rows `u0..u1` as a frame: replication, key, labels, values.
    fn block(&self, reader: &mut File, u0: usize, u1: usize) -> PolarsResult<DataFrame> {
        let s = &self.shape;
        let n = u1 - u0;
        let rows = self.replications * n;
        let mut bytes = vec![0u8; rows * s.values.len() * 8];
        reader.seek(SeekFrom::Start(self.offset(u0, n, 0)))?;
        reader.read_exact(&mut bytes)?;
        let mut replication = Vec::with_capacity(rows);
        let mut key = Vec::with_capacity(rows);
        let mut labels: Vec<Vec<u32>> = vec![Vec::with_capacity(rows); s.labels.len()];
        for r in 0..self.replications {
            for u in u0..u1 {
                let (k, j) = (u / s.rows_per_key.max(1), u % s.rows_per_key.max(1));
                replication.push(r as u32);
                key.push(s.first_key + k as u32);
                for (column, label) in labels.iter_mut().zip(&s.labels) {
                    column.push((label.of)(k, j) as u32);
                }
            }
        }
        let nv = s.values.len();
        let mut columns = vec![
            Column::new("replication".into(), replication),
            Column::new(s.key.into(), key),
        ];
        for (label, column) in s.labels.iter().zip(labels) {
            columns.push(Column::new(label.name.into(), column));
        }
        for (v, name) in s.values.iter().enumerate() {
            let column: Vec<Option<f64>> = (0..rows)
                .map(|row| {
                    let at = (row * nv + v) * 8;
                    let x = f64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"));
                    (!x.is_nan()).then_some(x)
                })
                .collect();
            columns.push(Column::new((*name).into(), column));
        }
        DataFrame::new_infer_height(columns)
    }

    /// Replaces label codes by names in a query result.
    fn name_labels(&self, part: &mut DataFrame) -> PolarsResult<()> {
        for label in &self.shape.labels {
            let Ok(codes) = part.column(label.name) else {
                continue;
            };
            let names: Vec<Option<&str>> = codes
                .u32()?
                .iter()
                .map(|c| c.and_then(|c| label.names.get(c as usize).copied()))
                .collect();
            part.with_column(Column::new(label.name.into(), names))?;
        }
        Ok(())
    }

    /// Deletes the file.
    pub fn remove(self) -> io::Result<()> {
        drop(self.file);
        std::fs::remove_file(&self.path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape() -> Shape {
        Shape {
            key: "month",
            first_key: 3,
            keys: 5,
            rows_per_key: 2,
            labels: vec![Label {
                name: "side",
                names: vec!["left", "right"],
                of: |_, j| j,
            }],
            values: vec!["a", "b"],
        }
    }

    fn values(r: u32) -> Vec<f64> {
        (0..20)
            .map(|i| {
                if i == 7 {
                    f64::NAN
                } else {
                    f64::from(r) * 100.0 + f64::from(i)
                }
            })
            .collect()
    }

    #[test]
    fn every_block_size_reads_back_what_each_replication_wrote() {
        let dir = std::env::temp_dir().join(format!("coopsim-spill-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for budget in [1, 3 * 8 * 2 * 3, 1 << 20] {
            let path = dir.join(format!("s{budget}"));
            let mut spill = Spill::create(&path, shape(), 3, budget).unwrap();
            // Out of order, as replications may finish.
            for r in [2, 0, 1] {
                spill.write(r, &values(r)).unwrap();
            }
            let stacked = spill.summarise(|lf| lf).unwrap();
            if budget == 1 {
                // One row a block, ten blocks summarised on several threads: they must come
                // back in block order, which is key order.
                let keys = stacked.column("month").unwrap().u32().unwrap();
                let keys: Vec<u32> = keys.into_no_null_iter().collect();
                assert!(keys.is_sorted(), "keys {keys:?}");
            }
            let all = stacked
                .sort(
                    ["replication", "month", "side"],
                    SortMultipleOptions::default(),
                )
                .unwrap();
            assert_eq!(all.height(), 3 * 5 * 2);
            let a = all.column("a").unwrap().f64().unwrap();
            let b = all.column("b").unwrap().f64().unwrap();
            for row in 0..all.height() {
                let (r, i) = (row / 10, row % 10);
                let expect = |v: usize| {
                    let x = values(r as u32)[i * 2 + v];
                    (!x.is_nan()).then_some(x)
                };
                assert_eq!(
                    (a.get(row), b.get(row)),
                    (expect(0), expect(1)),
                    "budget {budget} row {row}"
                );
            }
            let months: Vec<u32> = all
                .column("month")
                .unwrap()
                .u32()
                .unwrap()
                .iter()
                .flatten()
                .collect();
            assert_eq!(&months[..10], &[3, 3, 4, 4, 5, 5, 6, 6, 7, 7]);
            spill.remove().unwrap();
        }
        let wrong = Spill::create(&dir.join("w"), shape(), 2, 64)
            .unwrap()
            .write(0, &[1.0]);
        assert!(
            wrong.is_err(),
            "a replication of the wrong shape is refused"
        );
    }
}
