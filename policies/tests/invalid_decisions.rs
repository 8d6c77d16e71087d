//! The engine refuses invalid decisions with an error naming the policy, and applies nothing
//! of the refused decision.

mod common;

use std::convert::Infallible;

use common::{cluster, job};
use sim_core::engine::{Engine, EngineConfig, RunError};
use sim_core::ids::{JobId, NodeId};
use sim_core::policy::{Decision, Policy, StartKind};
use sim_core::resources::TaskAlloc;
use sim_core::time::SimTime;
use sim_core::view::ClusterView;

/// A policy that makes the given decisions at the given instants, and nothing else.
struct Scripted(Vec<(u64, Decision)>);

impl Policy for Scripted {
    fn name(&self) -> &str {
        "scripted"
    }

    fn schedule(&mut self, view: &ClusterView<'_>, decisions: &mut Vec<Decision>) {
        decisions.extend(
            self.0
                .iter()
                .filter(|(at, _)| SimTime::from_secs(*at) == view.now)
                .map(|(_, d)| d.clone()),
        );
    }
}

/// Device `mask` of node 0, whole GPUs.
fn on_n0(mask: u64) -> Vec<TaskAlloc> {
    vec![TaskAlloc {
        node: NodeId(0),
        gpu_mask: mask,
        milli_per_gpu: 1000,
        cpu_milli: 0,
        mem_mib: 0,
        mig: None,
    }]
}

/// Runs a and b (1 GPU each, at 0 and 1, non-preemptible when asked) on one 2-GPU node.
fn run_script(script: Vec<(u64, Decision)>, preemptible: bool) -> Result<(), RunError> {
    let jobs = vec![job("a", 0, 100, 1, 1.0), job("b", 1, 100, 1, 1.0)]
        .into_iter()
        .map(|mut j| {
            j.preemptible = preemptible;
            Ok::<_, Infallible>(j)
        });
    let mut policy = Scripted(script);
    Engine::new(cluster(1, 2), jobs, &mut policy, EngineConfig::default())?.run()?;
    Ok(())
}

fn refusal(result: Result<(), RunError>) -> String {
    match result {
        Err(e @ RunError::InvalidDecision { .. }) => e.to_string(),
        other => panic!(
            "expected a refused decision, got {:?}",
            other.map_err(|e| e.to_string())
        ),
    }
}

#[test]
fn over_capacity_is_refused() {
    // a holds device 0; b is started on device 0 too.
    let script = vec![
        (
            0,
            Decision::Start {
                job: JobId(0),
                placement: on_n0(0b01),
                kind: StartKind::Started,
            },
        ),
        (
            1,
            Decision::Start {
                job: JobId(1),
                placement: on_n0(0b01),
                kind: StartKind::Started,
            },
        ),
    ];
    assert_eq!(
        refusal(run_script(script, true)),
        "policy `scripted` made an invalid decision (job `b`): node `n0` lacks free GPU for the task"
    );
}

#[test]
fn a_job_started_twice_is_refused() {
    let script = vec![
        (
            0,
            Decision::Start {
                job: JobId(0),
                placement: on_n0(0b01),
                kind: StartKind::Started,
            },
        ),
        (
            1,
            Decision::Start {
                job: JobId(0),
                placement: on_n0(0b10),
                kind: StartKind::Started,
            },
        ),
    ];
    assert_eq!(
        refusal(run_script(script, true)),
        "policy `scripted` made an invalid decision (job `a`): it is running, not pending"
    );
}

#[test]
fn a_non_preemptible_victim_is_refused() {
    let start = (
        0,
        Decision::Start {
            job: JobId(0),
            placement: on_n0(0b01),
            kind: StartKind::Started,
        },
    );
    let preempt = vec![start.clone(), (1, Decision::Preempt { job: JobId(0) })];
    assert_eq!(
        refusal(run_script(preempt, false)),
        "policy `scripted` made an invalid decision (job `a`): it is not preemptible"
    );
    let suspend = vec![
        start,
        (
            1,
            Decision::Suspend {
                job: JobId(0),
                overhead: SimTime::ZERO,
            },
        ),
    ];
    assert_eq!(
        refusal(run_script(suspend, false)),
        "policy `scripted` made an invalid decision (job `a`): it is not preemptible"
    );
}

#[test]
fn stopping_a_job_that_is_not_running_is_refused() {
    let script = vec![(
        1,
        Decision::Suspend {
            job: JobId(1),
            overhead: SimTime::ZERO,
        },
    )];
    assert_eq!(
        refusal(run_script(script, true)),
        "policy `scripted` made an invalid decision (job `b`): it is pending, not running"
    );
}

#[test]
fn a_suspension_keeps_progress_less_the_overhead() {
    // a starts at 0 with 100 s of work; suspended at 40 with a 15 s overhead it keeps 25 s
    // (15 GPU-s lost); restarted at 50 on the other device it ends at 50 + 75 = 125.
    let script = vec![
        (
            0,
            Decision::Start {
                job: JobId(0),
                placement: on_n0(0b01),
                kind: StartKind::Started,
            },
        ),
        (1, Decision::WakeAt(SimTime::from_secs(40))),
        (
            40,
            Decision::Suspend {
                job: JobId(0),
                overhead: SimTime::from_secs(15),
            },
        ),
        (40, Decision::WakeAt(SimTime::from_secs(50))),
        (
            50,
            Decision::Start {
                job: JobId(0),
                placement: on_n0(0b10),
                kind: StartKind::Started,
            },
        ),
    ];
    let jobs = vec![job("a", 0, 100, 1, 1.0), job("b", 1, 1, 1, 1.0)]
        .into_iter()
        .map(Ok::<_, Infallible>);
    let mut policy = Scripted(script);
    let outcome = Engine::new(
        cluster(1, 2),
        jobs,
        &mut policy,
        EngineConfig {
            horizon: Some(SimTime::from_secs(500)),
            ..EngineConfig::default()
        },
    )
    .unwrap()
    .run()
    .unwrap();
    let a = &outcome.jobs[0];
    assert_eq!(
        (a.end, a.suspensions, a.restarts, a.lost_gpu_s),
        (Some(SimTime::from_secs(125)), 1, 1, 15.0)
    );
}

/// A queue order that offers `offer(view)` once a round for its first `times` calls of `next`,
/// then nothing.
struct Broken {
    offer: fn(&ClusterView<'_>) -> Option<JobId>,
    times: usize,
    calls: usize,
}

impl policies::queue::QueueOrder for Broken {
    fn observe(&mut self, _record: &sim_core::observe::Record, _view: &ClusterView<'_>) {}
    fn begin_round(&mut self, _view: &ClusterView<'_>) {
        self.calls = 0;
    }
    fn next(&mut self, view: &ClusterView<'_>) -> Option<JobId> {
        self.calls += 1;
        (self.calls <= self.times).then(|| (self.offer)(view)).flatten()
    }
    fn started(&mut self, _job: &sim_core::job::Job) {}
}

/// Runs a (100 s, 4 GPUs) and b and c (10 s, 4 GPUs, at 1 and 2) on one 4-GPU node under
/// first fit, EASY backfilling when `easy`, with a [`Broken`] order offering `offer` up to
/// `times` times a round.
fn run_broken(offer: fn(&ClusterView<'_>) -> Option<JobId>, times: usize, easy: bool) -> Result<(), RunError> {
    use policies::{BuildQueueOrder, PartInfo, PolicyConfig, QueueOrderPart, Registry, Scheduler};
    use sim_core::frag::TypicalTasks;
    let part = QueueOrderPart {
        info: PartInfo {
            name: "broken",
            description: "offers what it is told to",
            params: &[],
        },
        build: BuildQueueOrder::shared(move |_, _| Box::new(Broken { offer, times, calls: 0 })),
    };
    let mut registry = Registry::builtin();
    registry.add_queue_order(part);
    let mut config = PolicyConfig::preset(if easy { "easy-backfill" } else { "first-fit" });
    config.queue = Some("broken".into());
    config.placement = Some("first-fit".into());
    let spec = registry.spec(&config).unwrap();
    let mut policy = Scheduler::new(&spec, 1, &TypicalTasks::new(Vec::new()));
    let jobs = [
        job("a", 0, 100, 1, 4.0),
        job("b", 1, 10, 1, 4.0),
        job("c", 2, 10, 1, 4.0),
    ]
    .into_iter()
    .map(Ok::<_, Infallible>);
    Engine::new(cluster(1, 4), jobs, &mut policy, EngineConfig::default())?.run()?;
    Ok(())
}

#[test]
fn a_queue_order_that_offers_what_is_not_waiting_is_a_policy_error() {
    // Job #999 was never submitted: an error naming it, not a panic reading its record.
    let error = refusal(run_broken(|_| Some(JobId::from_index(999)), 1, false));
    assert!(
        error.contains("(job `#999`): the queue order offered a job that is not waiting"),
        "{error}"
    );
    // The first pending job, offered again and again (with EASY a refusal does not end the
    // round, so without the check the round never ended): at 0 s, a, the only job waiting, is
    // offered, starts, and is offered again in the same round: one offer more than are waiting.
    for easy in [false, true] {
        let error = refusal(run_broken(|view| view.pending.first().copied(), usize::MAX, easy));
        assert!(
            error.contains("(job `a`): the queue order offered more jobs in one round than the 1 waiting"),
            "{error}"
        );
    }
    // An order that offers only a, once a round from 1 s on: a starts at 1 s, and in the round
    // at 2 s (c arrives) it is offered while running.
    let error = refusal(run_broken(
        |view| (view.now > sim_core::time::SimTime::ZERO).then(|| JobId::from_index(0)),
        1,
        false,
    ));
    assert!(
        error.contains("(job `a`): the queue order offered it while it is running, not pending"),
        "{error}"
    );
    // A job offered once per round, the right way, runs: a, then b and c in turn.
    assert!(run_broken(|view| view.pending.first().copied(), 1, false).is_ok());
}
