//! Scheduling cost per decision: one policy call (a scheduling round) with 10,000 waiting jobs
//! on a 4,096-GPU cluster (64 racks × 8 nodes × 8 GPUs) filled by running jobs, for each
//! queue order with best fit, without and with EASY backfilling.

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use policies::{PolicyConfig, Registry};
use sim_core::policy::Decision;

const WAITING: usize = 10_000;

fn scheduling(c: &mut Criterion) {
    let state = benches::SchedulingState::new(64, 8, WAITING, 7);
    assert_eq!(state.pending.len(), WAITING);
    let view = state.view();
    let mut group = c.benchmark_group("schedule_10k_waiting_4096_gpus");
    group.measurement_time(std::time::Duration::from_secs(3));
    let registry = Registry::builtin();
    for backfill in ["none", "easy"] {
        for queue in registry.queue_orders().iter().map(|p| p.info.name) {
            let config = PolicyConfig {
                queue: Some(queue.into()),
                backfill: Some(backfill.into()),
                ..PolicyConfig::preset("best-fit")
            };
            let spec = registry.spec(&config).expect("valid policy");
            let mut policy = policies::resolve(&spec, 42);
            state.replay_records(policy.as_mut());
            let mut decisions: Vec<Decision> = Vec::new();
            group.bench_with_input(
                BenchmarkId::new(format!("best-fit+{backfill}"), queue),
                &queue,
                |b, _| {
                    b.iter(|| {
                        decisions.clear();
                        policy.schedule(&view, &mut decisions);
                    });
                },
            );
        }
    }
    group.finish();
}

criterion_group! {
    name = benches;
    // No HTML plots: criterion's plotters backend cannot find a font once `reports` turns on
    // plotters' embedded-font (`ab_glyph`) mode.
    config = Criterion::default().without_plots();
    targets = scheduling
}
criterion_main!(benches);
