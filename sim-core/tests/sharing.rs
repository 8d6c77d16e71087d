//! Time slicing and MPS in whole runs: the sharing world model slows co-located tasks down as
//! `sim_core::sharing` says, and leaves everything alone in `fraction` mode.

mod common;

use std::convert::Infallible;

use common::FirstFit;

use sim_core::cluster::{Cluster, NodeSpec};
use sim_core::engine::{Engine, EngineConfig, RunOutcome, World};
use sim_core::ids::NodeId;
use sim_core::job::{JobSpec, JobState};
use sim_core::resources::TaskRequest;
use sim_core::sharing::{Mps, SharingConfig, SharingMode, SharingModel, TimeSlice};
use sim_core::time::SimTime;

fn one_gpu_cluster() -> Cluster {
    let node = NodeSpec {
        name: "n0".into(),
        rack: "r0".into(),
        gpus: 1,
        gpu_type: "A100-80GB".into(),
        cpu_milli: 64_000,
        mem_mib: 1 << 20,
    };
    Cluster::build(&[node]).unwrap()
}

fn config(mode: SharingMode) -> SharingConfig {
    SharingConfig {
        default: mode,
        by_gpu_type: Vec::new(),
        by_node: Vec::new(),
        time_slice: TimeSlice::new(SimTime::from_micros(100_000), SimTime::from_micros(2_100)).unwrap(),
        mps: Mps::new(0.25).unwrap(),
        mps_by_gpu_type: Vec::new(),
    }
}

/// `jobs` jobs of `share` GPU and `secs` seconds, all submitted at 0, on one GPU.
fn run(mode: SharingMode, jobs: usize, share: f64, secs: f64) -> RunOutcome {
    let cluster = one_gpu_cluster();
    let mut world = World::from(cluster.clone());
    if let Some(model) = SharingModel::new(&config(mode), &cluster) {
        world.models.push(Box::new(model));
    }
    let task = TaskRequest::with_gpu_amount(share, 0, 0).unwrap();
    let duration = SimTime::from_secs_f64(secs).unwrap();
    let specs: Vec<_> = (0..jobs)
        .map(|i| JobSpec::new(format!("j{i}"), SimTime::ZERO, duration, 1, task))
        .collect();
    let config = EngineConfig {
        sample_interval: None,
        ..Default::default()
    };
    let source = specs.into_iter().map(Ok::<_, Infallible>);
    Engine::new(world, source, &mut FirstFit, config)
        .unwrap()
        .run()
        .unwrap()
}

#[test]
fn four_quarter_tasks_time_slice_one_gpu_at_97_9_percent() {
    // By hand: 4 tasks of a quarter GPU and 97.9 s each, 100 ms slices, 2.1 ms switches. Each
    // progresses at (1 − 2.1/100) / (4 × 0.25) = 0.979 of its speed, so each needs
    // 97.9 / 0.979 = 100 s; the GPU loses 2.1 % of those 100 s to switches: 2.1 GPU-s.
    let outcome = run(SharingMode::TimeSlice, 4, 0.25, 97.9);
    for job in &outcome.jobs {
        assert_eq!(job.state, JobState::Completed);
        let end = job.end.unwrap().as_micros();
        assert!(
            end.abs_diff(100_000_000) <= 1,
            "ends at {end} µs, 100 s by hand (±1 µs rounding)"
        );
    }
    let model = outcome.model::<SharingModel>().unwrap();
    let lost = model.switch_lost_gpu_s(SimTime::from_secs(100));
    assert!((lost - 2.1).abs() < 1e-9, "lost {lost} GPU-s, 2.1 by hand");
    assert_eq!(model.peak_tasks_per_gpu(), 4);
}

#[test]
fn a_task_speeds_back_up_when_its_neighbour_leaves() {
    // Three tasks of 0.3 GPU on one device, 100 ms / 2.1 ms: each at 0.979 / 0.9 = 1.0877…,
    // capped at 1, so they lose nothing although the GPU switches. Then use 0.5 GPU tasks in
    // 10 ms slices (21 % switching): two of them run at 0.79 / 1.0 = 0.79 each. The short one
    // (39.5 s of work) ends at 39.5 / 0.79 = 50 s; the long one (79 s) has done 39.5 s by then
    // and runs alone at full speed for the other 39.5 s: it ends at 89.5 s.
    let light = run(SharingMode::TimeSlice, 3, 0.3, 60.0);
    for job in &light.jobs {
        assert_eq!(job.end, Some(SimTime::from_secs(60)));
    }
    let cluster = one_gpu_cluster();
    let mut world = World::from(cluster.clone());
    let mut ten_ms = config(SharingMode::TimeSlice);
    ten_ms.time_slice = TimeSlice::new(SimTime::from_micros(10_000), SimTime::from_micros(2_100)).unwrap();
    world
        .models
        .push(Box::new(SharingModel::new(&ten_ms, &cluster).unwrap()));
    let task = TaskRequest::with_gpu_amount(0.5, 0, 0).unwrap();
    let specs = [
        JobSpec::new("short", SimTime::ZERO, SimTime::from_micros(39_500_000), 1, task),
        JobSpec::new("long", SimTime::ZERO, SimTime::from_micros(79_000_000), 1, task),
    ];
    let config = EngineConfig {
        sample_interval: None,
        ..Default::default()
    };
    let source = specs.into_iter().map(Ok::<_, Infallible>);
    let outcome = Engine::new(world, source, &mut FirstFit, config)
        .unwrap()
        .run()
        .unwrap();
    let ends: Vec<u64> = outcome.jobs.iter().map(|j| j.end.unwrap().as_micros()).collect();
    assert!(ends[0].abs_diff(50_000_000) <= 1, "{ends:?}");
    assert!(ends[1].abs_diff(89_500_000) <= 2, "{ends:?}");
    // Switches only while both ran: 50 s × 21 % = 10.5 GPU-s.
    let lost = outcome
        .model::<SharingModel>()
        .unwrap()
        .switch_lost_gpu_s(SimTime::from_secs(200));
    assert!((lost - 10.5).abs() < 1e-5, "{lost}");
}

#[test]
fn mps_tasks_interfere() {
    // α = 0.25, two tasks of 0.5 GPU, 80 s each: each at 1 / (1 + 0.25) = 0.8, ends at 100 s.
    let outcome = run(SharingMode::Mps, 2, 0.5, 80.0);
    for job in &outcome.jobs {
        assert_eq!(job.end, Some(SimTime::from_secs(100)));
    }
    assert_eq!(
        outcome
            .model::<SharingModel>()
            .unwrap()
            .switch_lost_gpu_s(SimTime::from_secs(100)),
        0.0
    );
}

#[test]
fn fraction_mode_adds_no_model_and_changes_nothing() {
    assert!(SharingModel::new(&config(SharingMode::Fraction), &one_gpu_cluster()).is_none());
    // Four quarter-GPU tasks of 97.9 s each end at 97.9 s, as they always did.
    let outcome = run(SharingMode::Fraction, 4, 0.25, 97.9);
    for job in &outcome.jobs {
        assert_eq!(job.end, Some(SimTime::from_micros(97_900_000)));
    }
}

#[test]
fn modes_apply_per_gpu_model() {
    // Two one-GPU nodes: an A100 time-sliced at 10 ms (21 % switching) and a T4 left to
    // fractions. Two half-GPU jobs of 79 s on each: on the A100 each runs at
    // 0.79 / (2 × 0.5) = 0.79 and ends at 100 s; on the T4 they end at 79 s.
    let node = |name: &str, gpu: &str| NodeSpec {
        name: name.into(),
        rack: "r0".into(),
        gpus: 1,
        gpu_type: gpu.into(),
        cpu_milli: 64_000,
        mem_mib: 1 << 20,
    };
    let cluster = Cluster::build(&[node("a", "A100-80GB"), node("t", "T4")]).unwrap();
    let mut sharing = config(SharingMode::Fraction);
    sharing.by_gpu_type = vec![("A100-80GB".into(), SharingMode::TimeSlice)];
    // A node's own setting wins over its model's: the same run with node `a` named.
    let mut by_node = sharing.clone();
    by_node.by_gpu_type.clear();
    by_node.by_node = vec![("a".into(), SharingMode::TimeSlice)];
    assert_eq!(by_node.mode_of_node("a", "A100-80GB"), SharingMode::TimeSlice);
    assert_eq!(by_node.mode_of_node("t", "T4"), SharingMode::Fraction);
    assert_eq!(sharing.mode_of_node("a", "A100-80GB"), SharingMode::TimeSlice);
    sharing.time_slice = TimeSlice::new(SimTime::from_micros(10_000), SimTime::from_micros(2_100)).unwrap();
    let mut world = World::from(cluster.clone());
    world
        .models
        .push(Box::new(SharingModel::new(&sharing, &cluster).unwrap()));
    let half = TaskRequest::with_gpu_amount(0.5, 0, 0).unwrap();
    let specs: Vec<_> = (0..4)
        .map(|i| JobSpec::new(format!("j{i}"), SimTime::ZERO, SimTime::from_secs(79), 1, half))
        .collect();
    let config = EngineConfig {
        sample_interval: None,
        ..Default::default()
    };
    let source = specs.into_iter().map(Ok::<_, Infallible>);
    let outcome = Engine::new(world, source, &mut FirstFit, config)
        .unwrap()
        .run()
        .unwrap();
    for job in &outcome.jobs {
        let end = job.end.unwrap().as_micros();
        let expected = if job.alloc[0].node == NodeId(0) {
            100_000_000
        } else {
            79_000_000
        };
        assert!(
            end.abs_diff(expected) <= 1,
            "{} on node {:?} ends at {end}",
            job.spec.id,
            job.alloc[0].node
        );
    }
}
