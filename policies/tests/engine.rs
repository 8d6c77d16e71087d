//! Engine mechanisms driven from outside: progress-rate changes and stale events, and
//! invariants over randomized scenarios with physics, failures and preemption.

mod common;

use std::convert::Infallible;

use common::{cluster, job};
use policies::placement::{FirstFit, Placement};
use proptest::prelude::*;
use sim_core::cluster::{Cluster, NodeSpec, Trial};
use sim_core::engine::guard::{Budget, Cause};
use sim_core::engine::{Engine, EngineConfig, RunError, World};
use sim_core::fabric::{FabricConfig, Sharing, Uplink};
use sim_core::faults::{
    BreakerConfig, CascadeConfig, Component, FaultsConfig, Incident, IncidentKind, JobImpact, LemonConfig, Lifetime,
    RandomFaults, RepairTime, Requeue, Target,
};
use sim_core::ids::JobId;
use sim_core::job::{JobSpec, JobState};
use sim_core::observe::{Observer, Record};
use sim_core::physics::PhysicsConfig;
use sim_core::policy::{Decision, Policy, StartKind};
use sim_core::power::{PowerConfig, PowerMode};
use sim_core::resources::TaskRequest;
use sim_core::thermal::ThermalConfig;
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
    /// Checks `view`; `settled` at the end of an instant, when the engine has also dropped the
    /// jobs it started from the queue (it does so once a policy's decisions are applied).
    fn check(&mut self, view: &ClusterView<'_>, settled: bool) {
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
        for &id in view.pending.iter().filter(|_| settled) {
            if view.job(id).state != JobState::Pending {
                self.violations
                    .push(format!("queued job {} is {:?}", id.0, view.job(id).state));
            }
        }
        for job in view.jobs.iter() {
            let listed = view.running.contains(&job.id);
            if listed != (job.state == JobState::Running) {
                self.violations.push(format!(
                    "job {} is {:?} but {} the running set",
                    job.spec.id,
                    job.state,
                    if listed { "in" } else { "not in" }
                ));
            }
            if job.state != JobState::Running {
                // A held, pending or ended job holds nothing: the sum above counts only running
                // jobs and equals the cluster's allocation.
                continue;
            }
            for task in &job.alloc {
                let node = view.cluster.node(task.node);
                if !node.up {
                    self.violations
                        .push(format!("job {} runs on node {}, which is down", job.spec.id, node.name));
                }
                if task.gpu_mask & node.failed_gpus != 0 {
                    self.violations
                        .push(format!("job {} runs on a failed GPU of {}", job.spec.id, node.name));
                }
            }
        }
    }
}

impl Observer for InvariantChecker {
    fn on_record(&mut self, _record: &Record, view: &ClusterView<'_>) {
        self.check(view, false);
    }
    fn on_instant_end(&mut self, view: &ClusterView<'_>) {
        self.check(view, true);
    }
}

fn arb_cluster() -> impl Strategy<Value = Cluster> {
    (1usize..=3, 1usize..=3, prop::sample::select(vec![1u32, 2, 4, 8])).prop_map(|(racks, per_rack, gpus)| {
        let specs: Vec<NodeSpec> = (0..racks * per_rack)
            .map(|i| NodeSpec {
                name: format!("n{i}"),
                rack: format!("r{}", i / per_rack),
                gpus,
                gpu_type: "A100-80GB".into(),
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
        (0u64..=16, 0u64..=96, prop::sample::select(vec![0.0, 0.4])),
        (0i32..=2, 0u64..=3, any::<bool>(), 0u64..=40),
    );
    prop::collection::vec(one, 1..40).prop_map(|rows| {
        let mut submit = 0;
        rows.into_iter()
            .enumerate()
            .map(
                |(
                    i,
                    (
                        (gap, duration, tasks, quarters),
                        gpus,
                        (cpus, mem_gib, comm),
                        (priority, tenant, preemptible, checkpoint),
                    ),
                )| {
                    submit += gap;
                    let task = TaskRequest::with_gpu_amount(gpus, cpus * 1000, mem_gib * 1024).unwrap();
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
                    spec.comm_fraction = comm;
                    spec.requested = SimTime::from_secs(duration / 2 + 1);
                    spec
                },
            )
            .collect()
    })
}

/// Network, power and thermal models, each on or off: a fabric with slow uplinks, rack
/// budgets that cap or refuse, cooling that may not keep up.
fn arb_physics() -> impl Strategy<Value = PhysicsConfig> {
    let fabric = prop::option::of((1.0f64..400.0, 1u32..=2)).prop_map(|f| {
        f.map(|(uplink, spines)| FabricConfig {
            node_nic_gbps: 100.0,
            uplink: Uplink::Gbps(uplink),
            spines,
            sharing: Sharing::MaxMin,
        })
    });
    let power = prop::option::of((2_000.0f64..40_000.0, any::<bool>()));
    let thermal = prop::option::of((4_000.0f64..60_000.0, 60u64..600));
    (fabric, power, thermal).prop_map(|(fabric, power, thermal)| {
        // The thermal model needs the power model (the heat is the power).
        let power = power
            .or(thermal.map(|_| (40_000.0, false)))
            .map(|(budget_w, admit)| PowerConfig {
                mode: if admit { PowerMode::Admit } else { PowerMode::Cap },
                rack_budget_w: Some(budget_w),
                ..PowerConfig::default()
            });
        let thermal = thermal.map(|(cooling_w, recovery_s)| ThermalConfig {
            cooling_w_per_rack: Some(cooling_w),
            recovery: SimTime::from_secs(recovery_s),
            ..ThermalConfig::default()
        });
        PhysicsConfig { fabric, power, thermal }
    })
}

/// Random failures of GPUs or nodes, scripted incidents of every kind the physics allows,
/// restarts with overheads and back-off, cascades and the breaker. Whenever units fail at
/// random or restarted jobs can overload nodes, jobs have a retry limit, so that every run
/// ends (scenarios refuse the alternatives, see `scenarios/tests/hostile.rs`).
fn arb_faults(physics: &PhysicsConfig) -> impl Strategy<Value = FaultsConfig> + use<> {
    let mut kinds = vec![
        IncidentKind::Failure(Component::Gpu),
        IncidentKind::Failure(Component::Node),
        IncidentKind::Failure(Component::Tor),
        IncidentKind::Failure(Component::Pdu),
        IncidentKind::SpotReclaim,
    ];
    if physics.fabric.is_some() {
        kinds.push(IncidentKind::Failure(Component::Spine));
    }
    if physics.thermal.is_some() {
        kinds.push(IncidentKind::Failure(Component::Cooling));
    }
    let random = prop::option::of((
        any::<bool>(),
        2_000.0f64..20_000.0,
        prop::option::of(0.5f64..2.0),
        1u64..500,
    ))
    .prop_map(|r| {
        r.map(|(gpu, mtbf_s, shape, repair_s)| RandomFaults {
            component: if gpu { Component::Gpu } else { Component::Node },
            lifetime: match shape {
                Some(k) => Lifetime::weibull_with_mean(mtbf_s, k).unwrap(),
                None => Lifetime::exponential(mtbf_s).unwrap(),
            },
            repair: RepairTime::Fixed(SimTime::from_secs(repair_s)),
        })
    });
    let incident = (
        0u64..600,
        prop::sample::select(kinds),
        1u32..=2,
        prop::option::of(1u64..300),
    )
        .prop_map(|(at_s, kind, count, duration_s)| Incident {
            at: SimTime::from_secs(at_s),
            kind,
            target: Target::Random(count),
            duration: duration_s.map(SimTime::from_secs),
        });
    let impact = (0u64..60, 0u32..=3, any::<bool>(), 0u64..30, any::<bool>());
    let cascade = prop::option::of((0u64..30, 1u64..100, any::<bool>()));
    let breaker = prop::option::of((1u32..=3, 60u64..600, 10u64..300));
    let spares = (
        0u32..=2,
        any::<bool>(),
        prop::option::of(0.0f64..2.0),
        prop::option::of((0u32..=3, 60u64..3000, 1u64..600, any::<bool>())),
    );
    (
        random,
        prop::collection::vec(incident, 0..=3),
        impact,
        cascade,
        breaker,
        spares,
        any::<u64>(),
    )
        .prop_map(
            |(
                random,
                incidents,
                (overhead_s, retries, limited, backoff_s, back),
                cascade,
                breaker,
                (hot_spares, keep_nodes, node_rate_sigma, lemons),
                seed,
            )| {
                let cascade = cascade.map(|(delay_s, recovery_s, memory_limits)| CascadeConfig {
                    usage_factor: 1.5,
                    overload_delay: SimTime::from_secs(delay_s),
                    recovery: SimTime::from_secs(recovery_s),
                    memory_limits,
                });
                let must_limit = random.is_some() || cascade.is_some_and(|c| !c.memory_limits);
                FaultsConfig {
                    random: random.into_iter().collect(),
                    incidents,
                    causes: Vec::new(),
                    jobs: JobImpact {
                        restart_overhead: SimTime::from_secs(overhead_s),
                        max_retries: (limited || must_limit).then_some(retries),
                        backoff: SimTime::from_secs(backoff_s),
                        backoff_factor: 2.0,
                        requeue: if back { Requeue::Back } else { Requeue::Front },
                    },
                    cascade,
                    breaker: breaker.map(|(failures, window_s, pause_s)| BreakerConfig {
                        failures,
                        window: SimTime::from_secs(window_s),
                        pause: SimTime::from_secs(pause_s),
                    }),
                    node_rate_sigma,
                    lemons: lemons.map(|(failures, window_s, repair_s, fix)| LemonConfig {
                        failures,
                        window: SimTime::from_secs(window_s),
                        repair: SimTime::from_secs(repair_s),
                        fix,
                    }),
                    hot_spares,
                    keep_nodes,
                    seed,
                    declared: true,
                }
            },
        )
}

/// A cluster with its physics and failures (a [`World`] holds models, built for each run).
fn arb_world() -> impl Strategy<Value = (Cluster, PhysicsConfig, FaultsConfig)> {
    (arb_cluster(), arb_physics()).prop_flat_map(|(cluster, physics)| {
        let faults = prop::option::of(arb_faults(&physics)).prop_map(Option::unwrap_or_default);
        (Just(cluster), Just(physics), faults)
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

    /// Over random clusters, physics, failures and workloads, under every preset and part
    /// (preempting and time-slicing ones included): no node is ever over capacity, running jobs
    /// hold exactly the allocated capacity (so a held, pending or ended job holds nothing), no
    /// job runs on a node that is down or a GPU that failed, the queue holds only pending jobs,
    /// time never decreases, every decision is valid, and every job ends in exactly one
    /// terminal state, or, with a horizon, is reported pending, running or held. Jobs fail only
    /// past their retry limit. A job may wait forever only when something can keep it from
    /// ever starting (its queue's quota, a rack power budget its node would exceed even at the
    /// lowest caps, units down for good);
    /// then, if failure processes keep the run going, the progress guard stops it naming the
    /// wait, or the random failures when another job started in the run's last half.
    #[test]
    fn invariants_hold((cluster, physics, faults) in arb_world(), jobs in arb_jobs(), (name, variant) in arb_policy(), horizon in prop::option::of(1u64..2000), kill_at_limit in any::<bool>()) {
        let submitted = jobs.len();
        let world = World { cluster, physics, faults, models: Vec::new() };
        let retry_limit = world.faults.jobs.max_retries;
        let over_quota = |j: &JobSpec| variant == 3 && j.queue == "q0" && j.gpu_milli() > 4000;
        // Hot spares hold nodes back: a job sized for the whole cluster never starts.
        let may_wait_forever = jobs.iter().any(over_quota)
            || world.faults.hot_spares > 0
            || world.physics.power.as_ref().is_some_and(|p| p.rack_budget_w.is_some())
            || world.faults.incidents.iter().any(|i| i.duration.is_none());
        // A spine that fails for good (one spine: the racks are cut apart) stops every job
        // across racks at rate zero; nothing then ends it, and the run ends with it running.
        let may_stall_forever = world.physics.fabric.is_some()
            && world.faults.incidents.iter().any(|i| i.duration.is_none() && i.kind == IncidentKind::Failure(Component::Spine));
        // A cooling unit that fails for good heats its nodes past shutdown again after every
        // recovery: the job on them restarts forever, and the guard stops the run naming the
        // thermal state.
        let may_cycle_forever = world.physics.thermal.is_some()
            && world.faults.incidents.iter().any(|i| i.duration.is_none() && i.kind == IncidentKind::Failure(Component::Cooling));
        let has_random_failures = !world.faults.random.is_empty();
        // Time slicing charges its switch overhead at every suspension; a gang across racks,
        // slowed by a thin uplink (1 Gbps against 100 Gbps NICs makes it ~40 times slower), can
        // gain less in a 7 s slice than the 2 s it loses, and then never ends: the guard stops
        // the run naming the time slicing.
        let may_slice_forever = variant == 1
            && world.physics.fabric.is_some()
            && jobs.iter().any(|j| j.tasks > 1 && j.comm_fraction > 0.0);
        let mut policy = build_policy(&name, variant, 5);
        let config = EngineConfig {
            horizon: horizon.map(SimTime::from_secs),
            sample_interval: Some(SimTime::from_secs(7)),
            kill_at_limit,
            budget: Budget { max_events: Some(50_000), ..Budget::default() },
            ..Default::default()
        };
        let mut checker = InvariantChecker::default();
        let mut engine = Engine::new(world, jobs.into_iter().map(Ok::<_, Infallible>), policy.as_mut(), config).unwrap();
        engine.add_observer(&mut checker);
        let result = engine.run();
        prop_assert!(checker.violations.is_empty(), "{:?}", checker.violations);
        let outcome = match result {
            Ok(outcome) => outcome,
            Err(RunError::NoProgress(stall)) if stall.cause == Cause::Waiting && may_wait_forever => return Ok(()),
            // The guard names the wait only when no job started in the run's last half (or last
            // window); when one did shortly before a job left waiting forever, it names what made
            // most of the events, the random failures.
            Err(RunError::NoProgress(stall))
                if stall.cause == Cause::RandomFailures && may_wait_forever && has_random_failures =>
            {
                return Ok(());
            }
            Err(RunError::NoProgress(stall)) if stall.cause == Cause::Thermal && may_cycle_forever => return Ok(()),
            Err(RunError::NoProgress(stall)) if stall.cause == Cause::TimeSlicing && may_slice_forever => return Ok(()),
            Err(e) => return Err(TestCaseError::fail(e.to_string())),
        };
        let arrived = outcome.jobs.len();
        if horizon.is_none() {
            prop_assert_eq!(arrived, submitted);
        }
        for j in &outcome.jobs {
            match j.state {
                JobState::Completed => prop_assert!(j.end.is_some() && j.first_start.is_some()),
                JobState::Failed => {
                    // Only a job killed more often than its retry limit allows gives up.
                    prop_assert!(j.end.is_some());
                    prop_assert!(retry_limit.is_some_and(|limit| j.interruptions > limit), "job {} failed", j.spec.id);
                }
                JobState::NeverFits => prop_assert!(j.end.is_some() && j.first_start.is_none()),
                JobState::Pending => {
                    prop_assert!(horizon.is_some() || may_wait_forever, "job {} waiting without a horizon", j.spec.id);
                    prop_assert!(j.end.is_none());
                }
                JobState::Running => {
                    let stalled = may_stall_forever && j.speed.rate() == 0.0;
                    prop_assert!(horizon.is_some() || stalled, "job {} running without a horizon", j.spec.id);
                    prop_assert!(j.end.is_none());
                }
                JobState::Held => {
                    // Waiting out a restart overhead, back-off or the breaker when the horizon
                    // came: without a horizon the run goes on until it returns.
                    prop_assert!(horizon.is_some(), "job {} held without a horizon", j.spec.id);
                    prop_assert!(j.end.is_none() && j.interruptions > 0);
                }
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
                decisions.push(Decision::Start {
                    job: job.id,
                    placement,
                    kind: StartKind::Started,
                });
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
