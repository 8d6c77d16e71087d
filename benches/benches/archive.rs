//! Archive traces as the Parallel Workloads Archive's users run them: KTH SP2 (28,467 jobs, 100
//! one-processor nodes) and Lublin-256 (10,000 jobs, 256 nodes), each under FCFS (`best-fit`),
//! EASY (`easy-backfill`) and conservative backfilling (`conservative-backfill`), the presets'
//! own best-fit placement. One iteration is the library's whole run: the scenario loaded, the
//! SWF log read and streamed, the schedule simulated with every collector on and the jobs'
//! rows discarded as they end (no files written). Throughput is in jobs per second.
//!
//! The whole-process comparison with the plain-Python flat-pool loop is
//! `benches/reference/versus_python.sh`.

use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use scenarios::{Override, load_file};
use sim_core::metrics::DiscardRows;

/// The scenarios, relative to this crate, and how many jobs each log keeps.
const LOGS: [(&str, &str, u64); 2] = [
    ("kth-sp2", "scenarios/kth-sp2-flat.toml", 28_467),
    ("lublin-256", "scenarios/lublin-256-flat.toml", 10_000),
];

const PRESETS: [(&str, &str); 3] = [
    ("fcfs", "best-fit"),
    ("easy", "easy-backfill"),
    ("conservative", "conservative-backfill"),
];

fn archive(c: &mut Criterion) {
    for (log, path, jobs) in LOGS {
        let mut group = c.benchmark_group(log);
        group.throughput(Throughput::Elements(jobs));
        group.sample_size(10);
        for (label, preset) in PRESETS {
            let set: Override = format!("policy.name={preset}").parse().expect("a valid override");
            let loaded = load_file(Path::new(path), &[set]).expect("the scenario loads");
            group.bench_function(label, |b| {
                b.iter(|| {
                    let run = scenarios::run::run_with(&loaded, Vec::new(), &mut DiscardRows, true)
                        .expect("the run succeeds");
                    assert_eq!(run.record.summary.jobs_completed, jobs);
                });
            });
        }
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().without_plots();
    targets = archive
}
criterion_main!(benches);
