//! Model throughput: firm-steps per second of one replication of the baseline, all mechanisms on
//! (crisis, credit crunch, austerity, fund, contracts). `cargo bench --bench model`; see
//! benches/README.md for the last figures.
//!
//! - `replication/N_firms_single_thread`: one core, from the baseline's own 3,000 firms to 1M.
//! - `replication/N_firms_parallel_firms`: one replication spread over all cores (the per-firm
//!   passes run block by block on the rayon pool; results are bit-identical to one thread).
//!
//! Throughput counts initial firms x simulated months (warm-up included); entry and exit keep the
//! live population within a few per cent of that.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

use coopsim::model::{RunOptions, run_replication};
use coopsim::scenario;

fn baseline(firms: u32) -> scenario::Scenario {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/baseline_2008.toml");
    let mut s = scenario::load(std::path::Path::new(path)).expect("the shipped baseline loads");
    s.population.firms = firms;
    // Shorter warm-up so the measured window includes the crisis months.
    s.warmup_months = 12;
    s.months = 60;
    s
}

fn replication_throughput(c: &mut Criterion) {
    let mut group = c.benchmark_group("replication");
    group.sample_size(10);
    let cases = [
        (3_000u32, false),
        (10_000, false),
        (100_000, false),
        (1_000_000, false),
        (100_000, true),
        (1_000_000, true),
    ];
    for (firms, parallel_firms) in cases {
        let s = baseline(firms);
        let steps = u64::from(firms) * u64::from(s.warmup_months + s.months);
        group.throughput(Throughput::Elements(steps));
        let mode = if parallel_firms {
            "parallel_firms"
        } else {
            "single_thread"
        };
        group.bench_function(format!("{firms}_firms_{mode}"), |b| {
            b.iter(|| {
                run_replication(
                    &s,
                    0,
                    RunOptions {
                        record_firms: true,
                        parallel_firms,
                    },
                )
            })
        });
    }
    group.finish();
}

criterion_group!(benches, replication_throughput);
criterion_main!(benches);
