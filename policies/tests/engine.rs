//! Engine mechanisms driven from outside: progress-rate changes and stale events, and
//! invariants over randomized scenarios.

mod common;

use std::convert::Infallible;

use common::{cluster, job};
use policies::placement::{FirstFit, Placement};
use proptest::prelude::*;
use sim_core::cluster::{Cluster, NodeSpec, Trial};
use sim_core::engine::{Engine, EngineConfig};
use sim_core::ids::JobId;
use sim_core::job::{JobSpec, JobState};
use sim_core::observe::{Observer, Record};
use sim_core::policy::{Decision, Policy};
use sim_core::resources::TaskRequest;
use sim_core::time::SimTime;
use sim_core::view::ClusterView;

/// A 100 s job at full speed from t=0; at t=40 (60 s of work left) its speed halves, so the
/// rest takes 120 s and it ends at 160 instead of 100. The finish event at 100 is stale and
/// skipped, not applied.
#[test]
fn a_rate_change_moves_the_finish_and_stales_the_old_event() {
    let mut policy = common::policy("first-fit");
    let jobs = vec![job("a", 0, 100, 1, 1.0), job("tick", 40, 1, 1, 1.0)];
    let config = EngineConfig {
        horizon: None,
        sample_interval: None,
        ..Default::default()
    };
    let mut engine = Engine::new(
        cluster(1, 2),
        jobs.into_iter().map(Ok::<_, Infallible>),
        policy.as_mut(),
        config,
    )
    .unwrap();
    while engine.now() < SimTime::from_secs(40) {
        assert!(engine.step().unwrap());
    }
    let remaining = engine.view().job(JobId(0)).progress.remaining_at(engine.now());
    assert_eq!(remaining, 60e6);
    engine.set_rate(JobId(0), 0.5);
    let outcome = engine.run().unwrap();
    assert_eq!(outcome.jobs[0].end, Some(SimTime::from_secs(160)));
    assert_eq!(outcome.stats.stale_events, 1);
    assert_eq!(outcome.end, SimTime::from_secs(160));
}

/// With a horizon, jobs still running or waiting are reported in those states.
///
/// One GPU; a (0–100 s), b waits behind it. Horizon 50 s: a is running, b pending.
#[test]
fn the_horizon_reports_unfinished_jobs() {
    let mut policy = common::policy("first-fit");
    let jobs = vec![job("a", 0, 100, 1, 1.0), job("b", 0, 10, 1, 1.0)];
    let config = EngineConfig {
        horizon: Some(SimTime::from_secs(50)),
        sample_interval: None,
        ..Default::default()
    };
    let engine = Engine::new(
        cluster(1, 1),
        jobs.into_iter().map(Ok::<_, Infallible>),
        policy.as_mut(),
        config,
    )
    .unwrap();
    let outcome = engine.run().unwrap();
    assert_eq!(outcome.end, SimTime::from_secs(50));
    assert_eq!(outcome.jobs[0].state, JobState::Running);
    assert_eq!(outcome.jobs[1].state, JobState::Pending);
}

/// Checks, after every record and instant, what must always hold.
#[derive(Default)]
struct InvariantChecker {
    last_time: SimTime,
    violations: Vec<String>,
}

impl InvariantChecker {
    fn check(&mut self, view: &ClusterView<'_>) {
        if view.now < self.last_time {
            self.violations
                .push(format!("time went back from {:?} to {:?}", self.last_time, view.now));
        }
        self.last_time = view.now;
        if let Err(e) = view.cluster.check_invariants() {
            self.violations.push(e.to_string());
        }
        let held: u64 = view.running.iter().map(|&id| view.job(id).spec.gpu_milli()).sum();
        if held != view.cluster.allocated_gpu_milli() {
            self.violations.push(format!(
                "running jobs hold {held} milli-GPU, cluster says {}",
                view.cluster.allocated_gpu_milli()
            ));
        }
        if view.cluster.allocated_gpu_milli() > view.cluster.total_gpu_milli() {
            self.violations.push("allocation exceeds capacity".into());
        }
    }
}

impl Observer for InvariantChecker {
    fn on_record(&mut self, _record: &Record, view: &ClusterView<'_>) {
        self.check(view);
    }
    fn on_instant_end(&mut self, view: &ClusterView<'_>) {
        self.check(view);
    }
}

fn arb_cluster() -> impl Strategy<Value = Cluster> {
    (1usize..=3, 1usize..=3, prop::sample::select(vec![1u32, 2, 4, 8])).prop_map(|(racks, per_rack, gpus)| {
        let specs: Vec<NodeSpec> = (0..racks * per_rack)
            .map(|i| NodeSpec {
                name: format!("n{i}"),
                rack: format!("r{}", i / per_rack),
                gpus,
                gpu_type: "A100".into(),
                cpu_milli: 32_000,
                mem_mib: 256 * 1024,
            })
            .collect();
        Cluster::build(&specs).unwrap()
    })
}

fn arb_jobs() -> impl Strategy<Value = Vec<JobSpec>> {
    let one = (
        (0u64..50, 1u64..100, 1u32..=3, 1u64..=6),
        prop::sample::select(vec![0.0, 0.25, 0.5, 1.0, 2.0, 4.0]),
        0u64..=16,
        (0i32..=2, 0u64..=3, any::<bool>(), 0u64..=40),
    );
    prop::collection::vec(one, 1..40).prop_map(|rows| {
        let mut submit = 0;
        rows.into_iter()
            .enumerate()
            .map(
                |(i, ((gap, duration, tasks, quarters), gpus, cpus, (priority, tenant, preemptible, checkpoint)))| {
                    submit += gap;
                    let task = TaskRequest::with_gpu_amount(gpus, cpus * 1000, 0).unwrap();
                    let mut spec = JobSpec::new(
                        format!("j{i}"),
                        SimTime::from_secs(submit),
                        SimTime::from_secs(duration),
                        tasks,
                        task,
                    );
                    // Estimates from a quarter of the run time (it outlives them) to 1.5 times it.
                    spec.requested = SimTime::from_secs((duration * quarters / 4).max(1));
                    spec.priority = priority;
                    spec.user = format!("u{tenant}");
                    spec.queue = format!("q{}", tenant % 2);
                    spec.preemptible = preemptible;
                    spec.checkpoint = SimTime::from_secs(checkpoint);
                    spec.requested = SimTime::from_secs(duration / 2 + 1);
                    spec
                },
            )
            .collect()
    })
}

/// Every preset, and time slicing, EASY with preemption, and quotas on top of some of them.
fn arb_policy() -> impl Strategy<Value = (String, u8)> {
    let names: Vec<String> = policies::Registry::builtin()
        .presets()
        .iter()
        .map(|p| p.name.to_string())
        .collect();
    (prop::sample::select(names), 0u8..4)
}

/// The policy `name` with extra `variant`: 0 none, 1 time slicing, 2 EASY + preemption with
/// grace, 3 a quota on queue q0.
fn build_policy(name: &str, variant: u8, seed: u64) -> Box<dyn Policy + Send> {
    common::configured(name, seed, |c| match variant {
        1 => {
            c.params.set("time_slice", SimTime::from_secs(7));
            c.params.set("switch_overhead", SimTime::from_secs(2));
        }
        2 => {
            c.backfill = Some("easy".into());
            c.preemption = Some("min-lost-work".into());
            c.params.set("grace", SimTime::from_secs(3));
            c.params.set("max_preemptions", 2u32);
        }
        3 => {
            let quota = policies::Table::new().with("quota_gpus", 4.0);
            c.params.set("queues", policies::Table::new().with("q0", quota));
        }
        _ => {}
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Over random clusters and workloads, under every preset and part: no node is ever over
    /// capacity, running jobs hold exactly the allocated capacity, time never decreases, every
    /// decision is valid, and every job ends in exactly one terminal state (or, with a horizon,
    /// is reported pending or running; a job over its queue's quota may wait forever).
    #[test]
    fn invariants_hold(cluster in arb_cluster(), jobs in arb_jobs(), (name, variant) in arb_policy(), horizon in prop::option::of(1u64..2000), kill_at_limit in any::<bool>()) {
        let submitted = jobs.len();
        let mut policy = build_policy(&name, variant, 5);
        let config = EngineConfig { horizon: horizon.map(SimTime::from_secs), sample_interval: Some(SimTime::from_secs(7)), kill_at_limit, ..Default::default() };
        let mut checker = InvariantChecker::default();
        let mut engine = Engine::new(cluster, jobs.into_iter().map(Ok::<_, Infallible>), policy.as_mut(), config).unwrap();
        engine.add_observer(&mut checker);
        let outcome = engine.run().unwrap();
        prop_assert!(checker.violations.is_empty(), "{:?}", checker.violations);
        let arrived = outcome.jobs.len();
        if horizon.is_none() {
            prop_assert_eq!(arrived, submitted);
        }
        for j in &outcome.jobs {
            match j.state {
                JobState::Completed => prop_assert!(j.end.is_some() && j.first_start.is_some()),
                JobState::Failed => prop_assert!(false, "nothing fails in these runs"),
                JobState::NeverFits => prop_assert!(j.end.is_some() && j.first_start.is_none()),
                JobState::Pending | JobState::Running => {
                    let over_quota = variant == 3 && j.spec.queue == "q0" && j.spec.gpu_milli() > 4000;
                    prop_assert!(horizon.is_some() || over_quota, "job {} unfinished without a horizon", j.spec.id);
                    prop_assert!(j.end.is_none());
                }
                JobState::Held => prop_assert!(false, "nothing fails in these runs"),
                JobState::Timeout => {
                    // Killed exactly when its last attempt had run its requested time.
                    prop_assert!(kill_at_limit);
                    prop_assert_eq!(j.end.zip(j.last_start).map(|(e, s)| e - s), Some(j.spec.requested));
                }
            }
            if let Some(end) = j.end {
                prop_assert!(end <= outcome.end);
            }
        }
    }
}

/// Fill protocol: an arrival the policy cannot place at once fails instead of queueing.
///
/// One node × 4 GPUs. a (4 GPUs, 0–100 s) takes everything; b (1 GPU) arrives at 1 s, cannot
/// be placed, fails at 1 s; c (4 GPUs) arrives at 200 s on an empty node and runs.
#[test]
fn unplaced_arrivals_fail_when_asked() {
    let mut policy = common::policy("first-fit");
    let jobs = vec![
        job("a", 0, 100, 1, 4.0),
        job("b", 1, 10, 1, 1.0),
        job("c", 200, 10, 1, 4.0),
    ];
    let config = EngineConfig {
        fail_unplaced_arrivals: true,
        ..Default::default()
    };
    let outcome = Engine::new(
        cluster(1, 4),
        jobs.into_iter().map(Ok::<_, Infallible>),
        policy.as_mut(),
        config,
    )
    .unwrap()
    .run()
    .unwrap();
    let states: Vec<(JobState, Option<SimTime>)> = outcome.jobs.iter().map(|j| (j.state, j.end)).collect();
    assert_eq!(
        states,
        vec![
            (JobState::Completed, Some(SimTime::from_secs(100))),
            (JobState::Failed, Some(SimTime::from_secs(1))),
            (JobState::Completed, Some(SimTime::from_secs(210))),
        ]
    );
}

/// A policy that holds every job until t = 50 s and asks to be woken then.
struct StartAtFifty;

impl Policy for StartAtFifty {
    fn name(&self) -> &str {
        "start-at-fifty"
    }

    fn schedule(&mut self, view: &ClusterView<'_>, decisions: &mut Vec<Decision>) {
        let fifty = SimTime::from_secs(50);
        if view.now < fifty {
            decisions.push(Decision::WakeAt(fifty));
            return;
        }
        let mut trial = Trial::new(view.cluster);
        for job in view.pending_jobs() {
            if let Some(placement) = FirstFit.place(&mut trial, job) {
                decisions.push(Decision::Start { job: job.id, placement });
            }
        }
    }
}

/// With no event at 50 s, only the requested wake-up lets the job start then (and end at 60).
#[test]
fn a_policy_wake_up_runs_the_scheduler() {
    let jobs = vec![job("a", 0, 10, 1, 1.0)];
    let outcome = Engine::new(
        cluster(1, 1),
        jobs.into_iter().map(Ok::<_, Infallible>),
        &mut StartAtFifty,
        EngineConfig::default(),
    )
    .unwrap()
    .run()
    .unwrap();
    assert_eq!(outcome.jobs[0].first_start, Some(SimTime::from_secs(50)));
    assert_eq!(outcome.jobs[0].end, Some(SimTime::from_secs(60)));
}
