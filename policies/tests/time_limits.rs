//! Time limits: with `kill_at_limit` a job whose run reaches its requested time is killed.

mod common;

use std::convert::Infallible;

use common::{cluster, find, job, policy, secs, with};
use sim_core::engine::{Engine, EngineConfig, RunOutcome};
use sim_core::job::{JobSpec, JobState};
use sim_core::time::SimTime;

fn run(jobs: Vec<JobSpec>, kill_at_limit: bool) -> RunOutcome {
    run_under("first-fit", jobs, kill_at_limit)
}

fn run_under(name: &str, jobs: Vec<JobSpec>, kill_at_limit: bool) -> RunOutcome {
    let mut policy = policy(name);
    let config = EngineConfig {
        kill_at_limit,
        ..EngineConfig::default()
    };
    let source = jobs.into_iter().map(Ok::<_, Infallible>);
    Engine::new(cluster(1, 4), source, policy.as_mut(), config)
        .unwrap()
        .run()
        .unwrap()
}

/// One node × 4 GPUs, FIFO first fit.
///
/// - a: 2 GPUs at 0, runs 100 s but asked for 60 → killed at 60 (`timeout`), all its 60 s × 2
///   GPUs = 120 GPU-s of work lost.
/// - c: 2 GPUs at 0, runs 50 s, asked for 100 → completes at 50.
/// - b: 4 GPUs at 10, runs exactly its 30 s limit: it needs the whole node, free once a is
///   killed at 60; it ends at 90 — a job finishing at its limit completes.
///
/// Without the limit a runs to 100 and b starts then.
#[test]
fn a_job_reaching_its_requested_time_is_killed_and_loses_its_work() {
    let jobs = || {
        vec![
            with(job("a", 0, 100, 1, 2.0), |j| j.requested = SimTime::from_secs(60)),
            with(job("c", 0, 50, 1, 2.0), |j| j.requested = SimTime::from_secs(100)),
            job("b", 10, 30, 1, 4.0),
        ]
    };
    let limited = run(jobs(), true);
    let a = find(&limited, "a");
    assert_eq!((a.state, secs(a.end)), (JobState::Timeout, Some(60)));
    assert_eq!(a.lost_gpu_s, 120.0);
    assert_eq!(find(&limited, "c").state, JobState::Completed);
    let b = find(&limited, "b");
    assert_eq!(
        (b.state, secs(b.first_start), secs(b.end)),
        (JobState::Completed, Some(60), Some(90))
    );

    let unlimited = run(jobs(), false);
    assert_eq!(find(&unlimited, "a").state, JobState::Completed);
    assert_eq!(secs(find(&unlimited, "b").first_start), Some(100));
}

/// One node × 4 GPUs, priority with preemption. a (priority 0, 4 GPUs, 100 s of work, a 60 s
/// limit, a checkpoint every 30 s) starts at 0; h (priority 10, 4 GPUs, 10 s) arrives at 40 and
/// preempts it: a falls back to its checkpoint at 30 s (10 s lost), h runs 40–50, a restarts
/// at 50 from 30 s of work with its whole 60 s limit again and is killed at 110 with 90 s done.
/// Killed, it keeps nothing: all 100 s it ran are lost (400 GPU-s), the 30 s its checkpoint
/// had saved included, so none of its time was useful.
#[test]
fn a_job_killed_at_its_limit_after_a_preemption_loses_what_its_checkpoint_had_kept() {
    let jobs = vec![
        with(job("a", 0, 100, 1, 4.0), |j| {
            j.requested = SimTime::from_secs(60);
            j.checkpoint = SimTime::from_secs(30);
        }),
        with(job("h", 40, 10, 1, 4.0), |j| j.priority = 10),
    ];
    let outcome = run_under("priority-preempt", jobs, true);
    let a = find(&outcome, "a");
    assert_eq!((a.state, secs(a.end), a.preemptions), (JobState::Timeout, Some(110), 1));
    assert_eq!(a.lost_gpu_s, 400.0);
    let split = a.time_split(outcome.end);
    assert_eq!((split.useful_s, split.lost_s), (0.0, 100.0));
    assert_eq!(split.ettr(), Some(0.0));
}
