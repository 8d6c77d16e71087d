//! Engine + FIFO placements on cases worked out by hand.

mod common;

use common::{cluster, find, job, run, run_sampled, secs};
use sim_core::ids::NodeId;
use sim_core::job::JobState;

/// Two nodes × 4 GPUs, where first-fit and best-fit start the same job at different times.
///
/// t=0   big (4 GPUs, 10 s) → n0 under both (a tie at 0 GPUs left; lower index).
///       long (1 GPU, 1000 s) → n1 (n0 is full). Free: n0 0, n1 3.
/// t=10  big ends. Free: n0 4, n1 3.
/// t=20  small (1 GPU, 1000 s): first-fit takes n0 (lowest index) → free 3, 3;
///       best-fit takes n1 (leaves 2 < 3) → free 4, 2.
/// t=30  wide (4 GPUs, 100 s): best-fit starts it on n0 at once (wait 0, ends 130);
///       under first-fit no node has 4 free until long ends on n1 at t=1000 (ends 1100).
#[test]
fn first_fit_and_best_fit_start_a_later_job_at_different_times() {
    let jobs = || {
        vec![
            job("big", 0, 10, 1, 4.0),
            job("long", 0, 1000, 1, 1.0),
            job("small", 20, 1000, 1, 1.0),
            job("wide", 30, 100, 1, 4.0),
        ]
    };
    let ff = run("first-fit", cluster(2, 4), jobs());
    let bf = run("best-fit", cluster(2, 4), jobs());
    assert_eq!(find(&ff, "small").alloc[0].node, NodeId(0));
    assert_eq!(find(&bf, "small").alloc[0].node, NodeId(1));
    assert_eq!(secs(find(&bf, "wide").first_start), Some(30));
    assert_eq!(secs(find(&bf, "wide").end), Some(130));
    assert_eq!(secs(find(&ff, "wide").first_start), Some(1000));
    assert_eq!(secs(find(&ff, "wide").end), Some(1100));
    assert_eq!(find(&ff, "wide").alloc[0].node, NodeId(1));
}

/// Worst-fit spreads: with both nodes free, the second 1-GPU job goes to the emptier node.
///
/// t=0 a (1 GPU) → n0 (tie at 3 left, lower index); b (1 GPU): n0 would keep 2, n1 3 → n1.
#[test]
fn worst_fit_spreads_single_gpu_jobs() {
    let outcome = run(
        "worst-fit",
        cluster(2, 4),
        vec![job("a", 0, 10, 1, 1.0), job("b", 0, 10, 1, 1.0)],
    );
    assert_eq!(find(&outcome, "a").alloc[0].node, NodeId(0));
    assert_eq!(find(&outcome, "b").alloc[0].node, NodeId(1));
}

/// A 2-task × 4-GPU gang waits until two whole nodes are free, holding nothing meanwhile.
///
/// Three nodes × 4 GPUs. t=0: a (3 GPUs, 100 s) → n0; b (3 GPUs, 200 s) → n1 (n0 has 1).
/// t=1: gang (2 × 4 GPUs): only n2 is whole → waits (FIFO blocks; nothing is held).
/// t=100: a ends, n0 is whole → the gang starts on n0 + n2 and ends at 100 + 50 = 150.
/// Sampled at t=50 the cluster holds 6 of 12 GPUs (0.5): the waiting gang took nothing.
#[test]
fn a_gang_waits_for_two_whole_nodes() {
    let (outcome, samples) = run_sampled(
        "first-fit",
        cluster(3, 4),
        vec![
            job("a", 0, 100, 1, 3.0),
            job("b", 0, 200, 1, 3.0),
            job("gang", 1, 50, 2, 4.0),
        ],
        50,
    );
    let at_50 = samples.iter().find(|s| s.t.as_micros() == 50_000_000).unwrap();
    assert_eq!((at_50.gpu_alloc, at_50.queue_len, at_50.running), (0.5, 1, 2));
    let gang = find(&outcome, "gang");
    assert_eq!(secs(gang.first_start), Some(100));
    assert_eq!(secs(gang.end), Some(150));
    let nodes: Vec<NodeId> = gang.alloc.iter().map(|t| t.node).collect();
    assert_eq!(nodes, vec![NodeId(0), NodeId(2)]);
    assert!(
        gang.alloc.iter().all(|t| t.gpu_mask == 0b1111),
        "each task holds a whole node"
    );
}

/// Four 0.25-GPU tasks share device 0; the fifth goes to device 1.
///
/// One node × 2 GPUs; five single-task jobs of 0.25 GPU at t=0, all start at once (5 × 250 =
/// 1250 milli ≤ 2000). Within the node a share goes to the fullest device it fits on: device 0
/// until it is full (4 × 250 = 1000), then device 1.
#[test]
fn fractional_tasks_share_a_gpu() {
    let jobs = (0..5).map(|i| job(&format!("q{i}"), 0, 10, 1, 0.25)).collect();
    let outcome = run("first-fit", cluster(1, 2), jobs);
    let masks: Vec<u64> = (0..5)
        .map(|i| find(&outcome, &format!("q{i}")).alloc[0].gpu_mask)
        .collect();
    assert_eq!(masks, vec![0b01, 0b01, 0b01, 0b01, 0b10]);
    assert!(
        outcome
            .jobs
            .iter()
            .all(|j| secs(j.first_start) == Some(0) && j.state == JobState::Completed)
    );
}

/// A job larger than the whole cluster is refused at arrival (`never-fits`) instead of blocking
/// the FIFO queue.
#[test]
fn a_job_that_can_never_fit_is_rejected_not_blocking() {
    let outcome = run(
        "first-fit",
        cluster(2, 4),
        vec![job("huge", 0, 10, 3, 4.0), job("ok", 1, 10, 1, 1.0)],
    );
    assert_eq!(find(&outcome, "huge").state, JobState::NeverFits);
    assert_eq!(find(&outcome, "huge").state.as_str(), "never-fits");
    assert_eq!(find(&outcome, "huge").first_start, None);
    assert_eq!(secs(find(&outcome, "ok").first_start), Some(1));
}

/// Jobs of one instant are all seen before the policy runs: a job that arrives at the same
/// time another finishes starts at that instant, whatever the event order.
///
/// One node × 1 GPU. a (0–10 s); b arrives at 10 s, the instant a ends: b starts at 10.
#[test]
fn the_scheduler_runs_after_every_event_of_an_instant() {
    let outcome = run(
        "first-fit",
        cluster(1, 1),
        vec![job("a", 0, 10, 1, 1.0), job("b", 10, 5, 1, 1.0)],
    );
    assert_eq!(secs(find(&outcome, "b").first_start), Some(10));
    assert_eq!(secs(find(&outcome, "b").end), Some(15));
}

/// Time-weighted metrics on a case small enough to integrate by hand.
///
/// Two nodes × 4 GPUs, first-fit. a (4 GPUs) runs 0–100 on n0; b (2 GPUs) arrives at 50 and
/// runs 50–150 on n1. Window [0, 150] s.
/// - GPU-seconds allocated: 4·100 + 2·100 = 600 of 8·150 = 1200 → gpu_alloc_ratio 0.5.
/// - frag = 1 − max free on one node ÷ total free: [0,50) free n1 = 4 only → 0; [50,100)
///   free n1 = 2 only → 0; [100,150) free 4 + 2, max 4 → 1/3. Mean (50·1/3)/150 = 1/9.
/// - JCTs 100 and 100; waits 0 and 0; bounded slowdown 1.
#[test]
fn time_weighted_metrics_integrate_exactly() {
    let mut policy = common::policy("first-fit");
    let jobs = vec![job("a", 0, 100, 1, 4.0), job("b", 50, 100, 1, 2.0)];
    let config = sim_core::engine::EngineConfig {
        horizon: None,
        sample_interval: None,
        ..Default::default()
    };
    let record = sim_core::run::simulate(
        cluster(2, 4),
        jobs.into_iter().map(Ok::<_, std::convert::Infallible>),
        policy.as_mut(),
        config,
    )
    .unwrap();
    let s = &record.summary;
    assert_eq!(s.gpu_alloc_ratio, 0.5);
    assert_eq!(s.gpu_util, 0.5);
    assert!((s.frag_mean - 1.0 / 9.0).abs() < 1e-12, "{}", s.frag_mean);
    assert_eq!(
        (s.avg_jct_s, s.p95_jct_s, s.avg_wait_s),
        (Some(100.0), Some(100.0), Some(0.0))
    );
    assert_eq!((s.avg_bounded_slowdown, s.makespan_s), (Some(1.0), 150.0));
}
