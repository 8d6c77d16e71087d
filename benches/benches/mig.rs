//! Placement of one MIG task on a node of 8 A100-80GB GPUs in MIG mode, half full of a random
//! mix of instances, by each placement rule, under dynamic partitioning (every valid start
//! whose memory is free) and a static layout (the idle instances of a mixed layout); and the
//! library's `gpu-sharing` run (3,000 pods on 32 GPUs) under fractions and under dynamic and
//! static MIG, to see what MIG costs a whole run (throughput in jobs per second).

use std::hint::black_box;
use std::path::Path;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use scenarios::{Override, load_file};
use sim_core::metrics::DiscardRows;
use sim_core::sharing::mig::{MigGpu, MigMix, MigPlacement, Partitioning, model, place};

/// GPUs of the node.
const GPUS: usize = 8;

/// A node whose GPUs hold a random layout of 1g/2g/3g instances, about half of them busy.
fn node(rng: &mut ChaCha8Rng) -> Vec<MigGpu> {
    let m = model("A100-80GB").expect("in the catalog");
    let names = ["1g.10gb", "2g.20gb", "3g.40gb"];
    (0..GPUS)
        .map(|_| {
            let mut gpu = MigGpu::new(m);
            for _ in 0..8 {
                let (p, prof) = m.profile(names[rng.random_range(0..names.len())]).expect("profile");
                let start = prof.starts[rng.random_range(0..prof.starts.len())];
                if gpu.create(p, start).is_ok() && rng.random_range(0..2) == 0 {
                    gpu.occupy(start);
                }
            }
            gpu
        })
        .collect()
}

fn placement(c: &mut Criterion) {
    let m = model("A100-80GB").expect("in the catalog");
    let idx = |n: &str| m.profile(n).expect("profile").0;
    let mix = MigMix::new([
        (idx("1g.10gb"), 6),
        (idx("2g.20gb"), 3),
        (idx("3g.40gb"), 2),
        (idx("7g.80gb"), 1),
    ]);
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let nodes: Vec<Vec<MigGpu>> = (0..64).map(|_| node(&mut rng)).collect();
    let task = idx("1g.10gb");
    let mut group = c.benchmark_group("mig_place_one_task_8_gpus");
    for partitioning in [Partitioning::Dynamic, Partitioning::Static] {
        for rule in [MigPlacement::FirstFit, MigPlacement::BestFit, MigPlacement::FragAware] {
            let id = BenchmarkId::new(format!("{partitioning:?}"), rule);
            let mut i = 0;
            group.bench_function(id, |b| {
                b.iter(|| {
                    i = (i + 1) % nodes.len();
                    black_box(place(&nodes[i], |_| true, black_box(task), partitioning, rule, &mix))
                });
            });
        }
    }
    group.finish();
}

/// Pods of the library's `gpu-sharing` scenario.
const PODS: u64 = 3000;

fn runs(c: &mut Criterion) {
    let mut group = c.benchmark_group("mig_run_gpu_sharing");
    group.throughput(Throughput::Elements(PODS));
    group.sample_size(10);
    let cases: [(&str, &[&str]); 3] = [
        ("fraction", &["sharing.mode=\"fraction\""]),
        ("mig-dynamic", &["sharing.mode=\"mig\""]),
        (
            "mig-static",
            &["sharing.mode=\"mig\"", "sharing.mig_partitioning=\"static\""],
        ),
    ];
    for (label, settings) in cases {
        let overrides: Vec<Override> = settings.iter().map(|s| s.parse().expect("a valid override")).collect();
        let loaded = load_file(Path::new("library:gpu-sharing"), &overrides).expect("the library loads");
        group.bench_function(label, |b| {
            b.iter(|| {
                let run =
                    scenarios::run::run_with(&loaded, Vec::new(), &mut DiscardRows, true).expect("the run succeeds");
                assert_eq!(run.record.summary.jobs_completed, PODS);
            });
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    // No HTML plots (see event_queue.rs).
    config = Criterion::default().without_plots();
    targets = placement, runs
}
criterion_main!(benches);
