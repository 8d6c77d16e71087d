//! Replay with the physical models on versus off: 100k jobs with multi-node gangs on a
//! 4,096-GPU leaf-spine cluster (32 racks × 16 nodes × 8 A100s), 2:1 oversubscribed uplinks,
//! rack budgets at 80 % of the nodes' maximum power (caps bind at peaks), thermal model on.

use std::convert::Infallible;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sim_core::engine::{EngineConfig, World};
use sim_core::fabric::{FabricConfig, Sharing, Uplink};
use sim_core::physics::PhysicsConfig;
use sim_core::power::{PowerConfig, PowerMode};
use sim_core::run::simulate;
use sim_core::thermal::ThermalConfig;

const JOBS: usize = 100_000;

fn physics_on() -> PhysicsConfig {
    PhysicsConfig {
        fabric: Some(FabricConfig {
            node_nic_gbps: 1600.0,
            uplink: Uplink::Oversubscription(2.0),
            spines: 4,
            sharing: Sharing::MaxMin,
        }),
        power: Some(PowerConfig {
            mode: PowerMode::Cap,
            rack_budget_w: Some(0.8 * 16.0 * 6500.0),
            ..PowerConfig::default()
        }),
        thermal: Some(ThermalConfig::default()),
    }
}

fn physics(c: &mut Criterion) {
    let jobs = benches::multi_node_jobs(JOBS, 4096, 0.8, 0.2, 7);
    let mut group = c.benchmark_group("replay_100k_multinode_4096_gpus");
    group.throughput(Throughput::Elements(JOBS as u64));
    group.sample_size(10);
    for (label, on) in [("physics_off", false), ("physics_on", true)] {
        group.bench_function(label, |b| {
            b.iter(|| {
                let spec = policies::PolicySpec::preset("best-fit").expect("known policy");
                let mut policy = policies::resolve(&spec, 42);
                let physics = if on { physics_on() } else { PhysicsConfig::default() };
                let world = World {
                    cluster: benches::cluster(32, 16),
                    faults: Default::default(),
                    models: Vec::new(),
                    physics,
                };
                let source = jobs.iter().cloned().map(Ok::<_, Infallible>);
                let record = simulate(world, source, policy.as_mut(), EngineConfig::default()).expect("run succeeds");
                assert_eq!(record.summary.jobs_completed, JOBS as u64);
            });
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    // No HTML plots: criterion's plotters backend cannot find a font once `reports` turns on
    // plotters' embedded-font (`ab_glyph`) mode.
    config = Criterion::default().without_plots();
    targets = physics
}
criterion_main!(benches);
