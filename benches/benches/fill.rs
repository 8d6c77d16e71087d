//! One fill run of the FGD study: the openb default pod list inflated to 130 % of the 1,213 GPU
//! nodes (10,809 pods), end to end (node list and pod list read, typical tasks counted, the
//! run, the fill curve), under each placement of the study.

use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use scenarios::{Override, load_file};

const POLICIES: [&str; 6] = [
    "fgd",
    "paper-best-fit",
    "gpu-packing",
    "gpu-clustering",
    "dot-product",
    "paper-random",
];

fn fill(c: &mut Criterion) {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/examples/openb-fill.toml");
    let mut group = c.benchmark_group("fill_openb_default_130pct");
    group.sample_size(10);
    for policy in POLICIES {
        let set: Override = format!("policy.name={policy}").parse().expect("a valid override");
        let loaded = load_file(&example, &[set]).expect("the example loads");
        group.bench_function(policy, |b| {
            b.iter(|| {
                let run = scenarios::run::run(&loaded).expect("the run succeeds");
                assert_eq!(run.record.summary.jobs_submitted, 10_809);
            });
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    // No HTML plots (see replay.rs).
    config = Criterion::default().without_plots();
    targets = fill
}
criterion_main!(benches);
