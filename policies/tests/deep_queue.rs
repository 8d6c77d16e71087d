//! EASY behind a deep queue: once the reservation is made, the waiting index passes over the
//! jobs it rules out (too large for what is free now, or running past the reservation without
//! fitting in what it leaves) without offering them, and the run decides as a walk over every
//! waiting job does. The walk is the explaining scheduler's, which offers every job to explain
//! it and keeps no index; debug builds also offer each job passed over to the plan and check
//! that the index mirrors the engine's pending list at every round.

mod common;

use std::convert::Infallible;

use common::{cluster, job, secs};
use policies::PolicySpec;
use policies::explain::ExplainSink;
use sim_core::engine::{Engine, EngineConfig, World};
use sim_core::faults::{Component, FaultsConfig, Incident, IncidentKind, JobImpact, Requeue, Target};
use sim_core::frag::TypicalTasks;
use sim_core::job::{Job, JobSpec};
use sim_core::physics::PhysicsConfig;
use sim_core::time::SimTime;

/// An explaining sink that keeps nothing: what makes the scheduler walk every job.
struct Discard;

impl ExplainSink for Discard {}

/// On 4 one-GPU nodes: `a` takes 2 GPUs over 0–100 s; `h`, the head, asks for all 4 at t=1;
/// 200 one-GPU jobs of 500 s arrive at t=2 (`q1`–`q200`); then `s` (1 GPU, 50 s, t=3), `t`
/// (2 GPUs, 50 s, t=4), `u` (1 GPU, 90 s, t=5) and `v` (1 GPU, 20 s, t=6). Estimates are exact.
fn deep_queue() -> Vec<JobSpec> {
    let mut jobs = vec![job("a", 0, 100, 1, 2.0), job("h", 1, 10, 1, 4.0)];
    jobs.extend((1..=200).map(|i| job(&format!("q{i}"), 2, 500, 1, 1.0)));
    jobs.extend([
        job("s", 3, 50, 1, 1.0),
        job("t", 4, 50, 1, 2.0),
        job("u", 5, 90, 1, 1.0),
        job("v", 6, 20, 1, 1.0),
    ]);
    jobs
}

/// A job's id, first start, last start and end (s), and state.
type Row = (String, Option<u64>, Option<u64>, Option<u64>, String);

/// Every job's row, in id order, under EASY (the preset `easy-backfill`), explaining (walking
/// every job) or not (the index).
fn run(world: impl Fn() -> World, jobs: &[JobSpec], walk: bool) -> Vec<Row> {
    let spec = PolicySpec::preset("easy-backfill").unwrap();
    let mut policy = if walk {
        policies::resolve_explained(&spec, 0, &TypicalTasks::new(Vec::new()), Box::new(Discard), 3)
    } else {
        policies::resolve(&spec, 0)
    };
    let source = jobs.iter().cloned().map(Ok::<_, Infallible>);
    let outcome = Engine::new(world(), source, policy.as_mut(), EngineConfig::default())
        .unwrap()
        .run()
        .unwrap();
    let row = |j: &Job| {
        let state = format!("{:?}", j.state);
        (
            j.spec.id.clone(),
            secs(j.first_start),
            secs(j.last_start),
            secs(j.end),
            state,
        )
    };
    outcome.jobs.iter().map(row).collect()
}

/// The row of job `id`.
fn of<'a>(rows: &'a [Row], id: &str) -> &'a Row {
    rows.iter().find(|r| r.0 == id).unwrap()
}

#[test]
fn a_short_job_deep_in_the_queue_backfills_past_two_hundred_that_cannot() {
    // By hand. h is reserved at t=100 (a ends then, u by 95); nothing is left beside it (4 free
    // then, 4 asked), so only jobs ending by t=100 may backfill. s (ends 53) starts at its
    // arrival, t does not fit the 1 GPU left, u (ends 95) starts at 5, v finds nothing free.
    // When s ends at 53, v (at the queue's end, behind 200 jobs running past t=100 and t, too
    // large) ends by 73 and starts. h starts at 100 and ends at 110; the q jobs then run four
    // at a time for 500 s each: q1 at 110, q5 at 610, q197 at 110 + 49 × 500 = 24,610, and t,
    // which no batch leaves room for, when the last batch ends at 25,110.
    let jobs = deep_queue();
    let rows = run(|| World::from(cluster(4, 1)), &jobs, false);
    let expected = [
        ("s", 3),
        ("u", 5),
        ("v", 53),
        ("h", 100),
        ("q1", 110),
        ("q5", 610),
        ("q197", 24_610),
        ("t", 25_110),
    ];
    for (id, at) in expected {
        assert_eq!(of(&rows, id).1, Some(at), "{id}");
    }
    assert_eq!(rows, run(|| World::from(cluster(4, 1)), &jobs, true));
}

#[test]
fn jobs_a_failure_returns_to_the_queue_are_offered_as_the_walk_offers_them() {
    // Every node fails at t=30 for 10 s: a, s and u return to the queue, to their arrival
    // positions (a ahead of h, s and u among the waiting jobs) or behind every waiting job.
    // Either way the index reads the list again, and decides as the walk does.
    for requeue in [Requeue::Front, Requeue::Back] {
        let world = || World {
            cluster: cluster(4, 1),
            physics: PhysicsConfig::default(),
            faults: FaultsConfig {
                incidents: vec![Incident {
                    at: SimTime::from_secs(30),
                    kind: IncidentKind::Failure(Component::Node),
                    target: Target::Units(vec![0, 1, 2, 3]),
                    duration: Some(SimTime::from_secs(10)),
                }],
                jobs: JobImpact {
                    requeue,
                    ..JobImpact::default()
                },
                ..FaultsConfig::default()
            },
            models: Default::default(),
        };
        let jobs = deep_queue();
        let indexed = run(world, &jobs, false);
        assert_eq!(indexed, run(world, &jobs, true), "{requeue:?}");
        // By hand: when the nodes return at t=40, the queue's first job starts there: a,
        // back at its arrival position ahead of h, or h, with a behind every waiting job.
        match requeue {
            Requeue::Front => assert_eq!(of(&indexed, "a").2, Some(40)),
            Requeue::Back => assert_eq!(of(&indexed, "h").1, Some(40)),
        }
    }
}

#[test]
fn jobs_refused_alike_behind_a_reservation_are_passed_over_as_the_walk_refuses_them() {
    // On 2 four-GPU nodes, EASY with best fit. By hand: `a` and `b` (3 GPUs each, 0–100 s)
    // take nodes 0 and 1, leaving a GPU free on each. `h` (a whole node, 10 s, t=1) is
    // reserved as a count: one node over 100–110, when both are free. At t=2, 200 jobs of one
    // GPU for 500 s arrive (`q1`–`q200`), each passing the index's totals (a GPU free now, 4
    // beside `h` at t=100) and running across the reservation. From t=100, when the pool's first
    // node frees, one node is spare (docs/policies.md, node-level resources): `q1` may take one
    // of the two nodes free in its window and starts on node 0. Then none is spare: `q2` is
    // refused on the nodes (node 1 is kept out), the plan remembers that refusal, and the index
    // passes over `q3`–`q200` from it without offering them. `v` (1 GPU, 20 s, t=3) ends before
    // the reservation and takes node 1's free GPU at once. At t=100 `h` starts on node 1 and
    // `q2`–`q4` on node 0's three free GPUs; at t=110 `h` ends and `q5`–`q8` take node 1. Then
    // every 500 s, 8 more: one when `q1`'s successor ends (2 + 500k), three at 100 + 500k,
    // four at 110 + 500k; `q193` (k = 24, first) at 12,002 and `q200` (last) at 12,110.
    let mut jobs = vec![
        job("a", 0, 100, 1, 3.0),
        job("b", 0, 100, 1, 3.0),
        job("h", 1, 10, 1, 4.0),
    ];
    jobs.extend((1..=200).map(|i| job(&format!("q{i}"), 2, 500, 1, 1.0)));
    jobs.push(job("v", 3, 20, 1, 1.0));
    let rows = run(|| World::from(cluster(2, 4)), &jobs, false);
    let expected = [
        ("q1", 2),
        ("v", 3),
        ("h", 100),
        ("q2", 100),
        ("q4", 100),
        ("q5", 110),
        ("q8", 110),
        ("q9", 502),
        ("q10", 600),
        ("q193", 12_002),
        ("q200", 12_110),
    ];
    for (id, at) in expected {
        assert_eq!(of(&rows, id).1, Some(at), "{id}");
    }
    assert_eq!(rows, run(|| World::from(cluster(2, 4)), &jobs, true));
}
