//! Trace replay: 100k synthetic jobs on a 1,024-GPU cluster (16 racks × 8 nodes × 8 GPUs),
//! and the same replay with the why-log on (`run --explain`: `decisions.csv` written to a
//! temporary folder, 3 candidates per start).

use std::convert::Infallible;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sim_core::engine::EngineConfig;
use sim_core::run::simulate;

const JOBS: usize = 100_000;

fn replay(c: &mut Criterion) {
    let jobs = benches::synthetic_jobs(JOBS, 1024, 0.8, 42);
    let mut group = c.benchmark_group("replay_100k_jobs_1024_gpus");
    group.throughput(Throughput::Elements(JOBS as u64));
    group.sample_size(10);
    let run = |policy: &mut (dyn sim_core::policy::Policy + Send)| {
        let config = EngineConfig {
            horizon: None,
            sample_interval: None,
            ..Default::default()
        };
        let source = jobs.iter().cloned().map(Ok::<_, Infallible>);
        let record = simulate(benches::cluster(16, 8), source, policy, config).expect("run succeeds");
        assert_eq!(record.summary.jobs_completed, JOBS as u64);
    };
    for policy_name in ["first-fit", "best-fit"] {
        let spec = policies::PolicySpec::preset(policy_name).expect("known policy");
        group.bench_function(policy_name, |b| {
            b.iter(|| run(policies::resolve(&spec, 42).as_mut()));
        });
        group.bench_function(format!("{policy_name} explained"), |b| {
            b.iter(|| {
                let dir = tempfile::tempdir().expect("a temporary folder");
                let decisions = scenarios::decisions::DecisionsCsv::create(dir.path()).expect("decisions.csv");
                let typical = sim_core::frag::TypicalTasks::new(Vec::new());
                run(policies::resolve_explained(&spec, 42, &typical, decisions.sink(), 3).as_mut());
                decisions.commit(dir.path()).expect("decisions.csv written");
            });
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    // No HTML plots: the figures are read from the terminal, and criterion's plotters backend
    // cannot find a font once `reports` turns on plotters' embedded-font (`ab_glyph`) mode.
    config = Criterion::default().without_plots();
    targets = replay
}
criterion_main!(benches);
