//! What the sweep benchmarks share: timing a whole sweep on one and on two threads.

use std::path::Path;
use std::sync::atomic::AtomicBool;

use criterion::{Criterion, Throughput};
use scenarios::sweep::expand::SweepPlan;
use scenarios::sweep::{Silent, SweepOptions, run_sweep};

/// Benchmarks running every run of `plan` (`runs` of them) into `out`, on 1 and 2 threads, as
/// the group `name`; criterion reports runs/s (one element = one run).
pub fn sweep_on_one_and_two_threads(c: &mut Criterion, name: &str, plan: &SweepPlan, out: &Path, runs: u64) {
    let stop = AtomicBool::new(false);
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Elements(runs));
    group.sample_size(10);
    for threads in [1, 2] {
        group.bench_function(format!("{threads}_threads"), |b| {
            b.iter(|| {
                let options = SweepOptions {
                    out: out.to_path_buf(),
                    threads,
                    shard: None,
                    resume: false,
                    replace: true,
                    stop: &stop,
                    max_runs: None,
                    first_seed_rows: false,
                };
                let outcome = run_sweep(plan, &options, &|_, _| Ok(()), &Silent).expect("the sweep runs");
                assert_eq!((outcome.recorded, outcome.failed), (runs, 0));
            });
        });
    }
    group.finish();
}
