//! Runs per second of the `cascading-failure` library scenario on one core: one run is the
//! whole story (1,500 jobs on 500 nodes, a random node failure at 1 h, the cascade, to the 2 h
//! horizon), loaded from the embedded library, built and simulated with every collector on,
//! as a sweep runs it (no files written). Three variants: unmitigated (about 300 nodes go
//! down), with the circuit breaker, with memory limits. Target: ≥ 100 runs/s.

use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use scenarios::{Override, load_file};

fn cascade(c: &mut Criterion) {
    let mut group = c.benchmark_group("cascading-failure");
    group.throughput(Throughput::Elements(1));
    group.sample_size(30);
    for (label, set) in [
        ("unmitigated", None),
        ("breaker", Some("faults.breaker.failures=2")),
        ("memory-limits", Some("faults.cascade.memory_limits=true")),
    ] {
        let overrides: Vec<Override> = set.map(|s| s.parse().expect("a valid override")).into_iter().collect();
        let mut seed = 0u64;
        group.bench_function(label, |b| {
            b.iter(|| {
                seed += 1;
                let mut all = overrides.clone();
                all.push(format!("seed={seed}").parse().expect("a valid override"));
                let loaded = load_file(Path::new("library:cascading-failure"), &all).expect("the library loads");
                let run = scenarios::run::run(&loaded).expect("the run succeeds");
                assert!(run.record.summary.max_nodes_down.is_some_and(|n| n >= 1));
            });
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().without_plots();
    targets = cascade
}
criterion_main!(benches);
