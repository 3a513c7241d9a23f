//! Model throughput: firm-steps per second of one replication of the baseline, single thread, all
//! mechanisms on (crisis, credit crunch, austerity, fund, contracts). `cargo bench --bench model`.
//!
//! Throughput counts initial firms x simulated months; entry and exit keep the live population
//! within a few per cent of that.

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
    for firms in [3_000u32, 10_000, 100_000] {
        let s = baseline(firms);
        let steps = u64::from(firms) * u64::from(s.warmup_months + s.months);
        group.throughput(Throughput::Elements(steps));
        group.bench_function(format!("{firms}_firms_single_thread"), |b| {
            b.iter(|| {
                run_replication(
                    &s,
                    0,
                    RunOptions {
                        record_firms: false,
                        parallel_firms: false,
                    },
                )
            })
        });
    }
    group.finish();
}

criterion_group!(benches, replication_throughput);
criterion_main!(benches);
