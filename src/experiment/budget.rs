//! Will a run fit in memory? An estimate made before anything starts, from the population, the
//! horizon and the number of threads (memory does not grow with replications: they stream
//! through), compared with the memory this process may use. A run that cannot fit is refused
//! with the estimate and what to change, rather than killed by the OOM killer half-way.

use std::borrow::Borrow;

use crate::model;
use crate::scenario::{Kind, Scenario, Sector};

/// What the program holds whatever the population: code, the thread pool, the summary's blocks
/// (`analysis::summary::BLOCK_BUDGET` per table), polars and the charts. Measured peak RSS of small runs is
/// 60-75 MB; this is the top of that range.
const FIXED_BYTES: u64 = 80 << 20;
/// One row of the firm table while a replication waits to be written (14 columns, three of them
/// short strings), generously.
const FIRM_ROW_BYTES: u64 = 160;

/// Disk the firm table takes per firm and replication (Parquet: about 12 bytes on the baseline,
/// measured; budgeted at three times that).
pub const FIRM_ROW_DISK_BYTES: u64 = 40;

/// Disk a scenario's summary tables and charts take, whatever its replications: the monthly
/// table by kind x sector cell as CSV and Parquet (about 0.8 kB per cell and month, measured on
/// the baseline), budgeted at 2 kB, plus 2 MB for the charts and the small tables.
pub fn summary_disk_bytes(s: &Scenario) -> u64 {
    let cells = ((Kind::COUNT + 1) * (Sector::COUNT + 1)) as u64;
    u64::from(s.months) * cells * 2048 + (2 << 20)
}

/// The disk a run's firm table takes, when it writes one.
pub fn firm_table_disk_bytes(s: &Scenario) -> u64 {
    u64::from(s.replications) * model::firms_ever(s) * FIRM_ROW_DISK_BYTES
}

/// The estimate, in bytes, with its parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryEstimate {
    /// One replication at its peak while it runs.
    pub per_replication: u64,
    /// A finished replication waiting to be written.
    pub per_result: u64,
    pub threads: usize,
    pub total: u64,
}

/// What one worker holds at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// One replication of one scenario (a run, or an arm of a sweep or comparison).
    OneScenario,
    /// One replication of every scenario at once (`validate` pairs them within a unit).
    AllScenarios,
    /// One replication of a scenario and the same replication of its control (`run` with the
    /// crisis effect). The control runs first and is reduced to its monthly records before the
    /// scenario's replication starts, so a unit holds one whole replication and one replication's
    /// monthly records at a time.
    WithControl,
}

/// What a unit keeps of a control replication while the scenario's own replication runs: its
/// monthly records; and, while the control runs, the warm-up the two share (`model::run_arms`).
fn control_bytes(s: &Scenario) -> u64 {
    u64::from(s.months) * size_of::<model::MonthRecord>() as u64 + model::warm_up_bytes(s, true)
}

/// Peak memory of a run (or of the arms of a sweep, which share the threads) with `threads`
/// workers. Each worker runs one unit; finished ones wait in a queue of about three per worker
/// (see `engine::run_each`).
pub fn estimate<S: Borrow<Scenario>>(
    scenarios: impl IntoIterator<Item = S>,
    unit: Unit,
    threads: usize,
    firm_table: bool,
) -> MemoryEstimate {
    estimate_of(footprint(scenarios, unit, firm_table), threads)
}

/// What one worker holds while a unit runs, and what a finished unit holds while it waits to be
/// written: (per replication, per result), in bytes.
fn footprint<S: Borrow<Scenario>>(
    scenarios: impl IntoIterator<Item = S>,
    unit: Unit,
    firm_table: bool,
) -> (u64, u64) {
    let (mut per_replication, mut per_result) = (0, 0);
    for s in scenarios {
        let s = s.borrow();
        let bytes = model::replication_bytes(s, true);
        per_replication = match unit {
            Unit::OneScenario => per_replication.max(bytes),
            Unit::AllScenarios => per_replication + bytes,
            Unit::WithControl => per_replication.max(bytes + control_bytes(s)),
        };
        let result = if firm_table {
            model::firms_ever(s) * FIRM_ROW_BYTES
        } else {
            0
        };
        per_result = per_result.max(result);
    }
    (per_replication, per_result)
}

fn estimate_of((per_replication, per_result): (u64, u64), threads: usize) -> MemoryEstimate {
    let threads = threads.max(1);
    let t = threads as u64;
    MemoryEstimate {
        per_replication,
        per_result,
        threads,
        total: FIXED_BYTES + t * per_replication + 3 * t * per_result,
    }
}

/// Why a run was refused.
#[derive(Debug, Clone, PartialEq)]
pub struct TooLarge {
    pub estimate: MemoryEstimate,
    pub available: u64,
    pub firm_table: bool,
}

impl std::fmt::Display for TooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let e = &self.estimate;
        writeln!(
            f,
            "this run needs about {} of memory and {} is available, so it was not started",
            mib(e.total),
            mib(self.available)
        )?;
        write!(
            f,
            "  = each of the {} threads holds one replication of about {}",
            e.threads,
            mib(e.per_replication)
        )?;
        if e.per_result > 0 {
            write!(
                f,
                " and queues finished ones of about {} (the firm table)",
                mib(e.per_result)
            )?;
        }
        writeln!(f)?;
        write!(
            f,
            "  = help: use fewer threads (--threads), fewer firms (population.firms) or a shorter horizon"
        )?;
        if self.firm_table {
            write!(f, ", or leave out the firm table (--no-firms)")?;
        }
        writeln!(f, "; the number of replications does not change memory")
    }
}

/// Refuses a run whose estimate exceeds 90% of the memory available to this process.
pub fn check(estimate: MemoryEstimate, available: u64, firm_table: bool) -> Result<(), TooLarge> {
    if estimate.total as f64 > 0.9 * available as f64 {
        Err(TooLarge {
            estimate,
            available,
            firm_table,
        })
    } else {
        Ok(())
    }
}

/// The threads a run may use. Threads the user asked for are kept or the run is refused; without
/// a request, the run gets as many of `default_threads` as fit in memory (at least one, or it is
/// refused). `Some(n)` when fewer threads than the default must be used.
pub fn fit_threads<S: Borrow<Scenario>>(
    scenarios: impl IntoIterator<Item = S>,
    unit: Unit,
    requested: Option<usize>,
    default_threads: usize,
    firm_table: bool,
    available: u64,
) -> Result<Option<usize>, TooLarge> {
    // Worked out once: a plan of many points builds each point's scenario to measure it.
    let footprint = footprint(scenarios, unit, firm_table);
    if let Some(n) = requested {
        return check(estimate_of(footprint, n), available, firm_table).map(|()| requested);
    }
    let all = default_threads.max(1);
    for n in (1..=all).rev() {
        if check(estimate_of(footprint, n), available, firm_table).is_ok() {
            return Ok((n < all).then_some(n));
        }
    }
    check(estimate_of(footprint, 1), available, firm_table).map(|()| None)
}

fn mib(bytes: u64) -> String {
    if bytes >= 10 << 30 {
        format!("{:.0} GB", bytes as f64 / (1u64 << 30) as f64)
    } else if bytes >= 1 << 30 {
        format!("{:.1} GB", bytes as f64 / (1u64 << 30) as f64)
    } else {
        format!("{:.0} MB", bytes as f64 / (1u64 << 20) as f64)
    }
}

/// The memory this process may use: the system's available memory (`MemAvailable`), capped by a
/// cgroup limit when the process runs in a container. `None` where neither can be read (the
/// check is then skipped). This reads the system, so it is called at the edge, not by the model.
pub fn available_memory() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok().and_then(|t| {
        t.lines()
            .find(|l| l.starts_with("MemAvailable:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<u64>().ok())
            .map(|kb| kb * 1024)
    });
    let cgroup = cgroup_headroom();
    match (meminfo, cgroup) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// A cgroup v2 (or v1) memory limit minus what the group already uses.
fn cgroup_headroom() -> Option<u64> {
    let read = |p: &str| {
        std::fs::read_to_string(p)
            .ok()
            .and_then(|t| t.trim().parse::<u64>().ok())
    };
    let (limit, used) = match read("/sys/fs/cgroup/memory.max") {
        Some(limit) => (limit, read("/sys/fs/cgroup/memory.current").unwrap_or(0)),
        None => (
            read("/sys/fs/cgroup/memory/memory.limit_in_bytes")?,
            read("/sys/fs/cgroup/memory/memory.usage_in_bytes").unwrap_or(0),
        ),
    };
    // v1 reports "no limit" as a huge number.
    (limit < 1 << 60).then(|| limit.saturating_sub(used))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_unit_of_every_scenario_holds_them_all_at_once() {
        let (a, b) = (with_firms(100_000), with_firms(300_000));
        let one = estimate([&a, &b], Unit::OneScenario, 2, false);
        let all = estimate([&a, &b], Unit::AllScenarios, 2, false);
        assert_eq!(
            one.per_replication,
            estimate([&b], Unit::OneScenario, 2, false).per_replication
        );
        assert_eq!(
            all.per_replication,
            model::replication_bytes(&a, true) + model::replication_bytes(&b, true)
        );
    }

    #[test]
    fn a_unit_with_its_control_holds_the_control_s_months_and_their_warm_up_beside_one_replication()
    {
        let s = with_firms(100_000);
        let alone = estimate([&s], Unit::OneScenario, 2, true);
        let paired = estimate([&s], Unit::WithControl, 2, true);
        let months = u64::from(s.months) * size_of::<model::MonthRecord>() as u64
            + model::warm_up_bytes(&s, true);
        assert_eq!(paired.per_replication, alone.per_replication + months);
        assert_eq!(paired.total, alone.total + 2 * months);
        assert_eq!(paired.per_result, alone.per_result);
    }

    fn with_firms(n: u32) -> Scenario {
        let mut s = Scenario::default();
        s.population.firms = n;
        s
    }

    #[test]
    fn memory_grows_with_firms_and_threads_not_replications() {
        let small = estimate([&with_firms(3_000)], Unit::OneScenario, 2, false);
        let mut many = with_firms(3_000);
        many.replications = 100_000;
        assert_eq!(estimate([&many], Unit::OneScenario, 2, false), small);
        let big = estimate([&with_firms(1_000_000)], Unit::OneScenario, 2, false);
        assert!(big.per_replication > 200 * small.per_replication);
        let more_threads = estimate([&with_firms(1_000_000)], Unit::OneScenario, 8, false);
        assert!(more_threads.total > 3 * big.total / 2);
        assert!(estimate([&with_firms(1_000_000)], Unit::OneScenario, 2, true).total > big.total);
    }

    #[test]
    fn a_run_that_cannot_fit_is_refused_with_what_to_change() {
        let e = estimate([&with_firms(1_000_000)], Unit::OneScenario, 64, true);
        let refused = check(e, 1 << 30, true).unwrap_err().to_string();
        assert!(refused.contains("not started"), "{refused}");
        assert!(
            refused.contains("--threads") && refused.contains("--no-firms"),
            "{refused}"
        );
        assert!(
            check(
                estimate([&with_firms(3_000)], Unit::OneScenario, 2, true),
                1 << 30,
                true
            )
            .is_ok()
        );
    }

    #[test]
    fn without_a_thread_count_a_run_uses_the_threads_that_fit() {
        let big = with_firms(1_000_000);
        let one = estimate([&big], Unit::OneScenario, 1, false).total;
        let room = (one as f64 * 2.5 / 0.9) as u64; // two replications fit, three do not
        assert_eq!(
            fit_threads([&big], Unit::OneScenario, None, 8, false, room),
            Ok(Some(2))
        );
        assert_eq!(
            fit_threads([&big], Unit::OneScenario, None, 2, false, room),
            Ok(None)
        );
        // Threads the user asked for are not changed: the run is refused instead.
        assert!(fit_threads([&big], Unit::OneScenario, Some(8), 8, false, room).is_err());
        assert_eq!(
            fit_threads([&big], Unit::OneScenario, Some(2), 8, false, room),
            Ok(Some(2))
        );
        // Not even one replication fits.
        assert!(fit_threads([&big], Unit::OneScenario, None, 8, false, one / 2).is_err());
    }
}
