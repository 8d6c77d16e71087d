//! Preemption: victim choice by each rule, the grace period and the cap, on cases worked by hand.

mod common;

use common::{configured, find, job, run, run_with, secs, with};
use policies::PolicyConfig;
use sim_core::engine::RunOutcome;
use sim_core::job::JobSpec;
use sim_core::time::SimTime;

/// The allocation paradox: 25 nodes × 4 GPUs; 20 low-priority 4-GPU jobs l0…l19 start at 0
/// on nodes 0–19 (first fit by arrival, best fit ties to the lower node), l_k running
/// d_k = 2000 + 100 × (7k mod 20) s, so their progress at t=1000, 1000 / d_k, is all
/// different. At 1000 a priority-10 job of 16 tasks × 4 GPUs arrives: it needs 16 whole nodes
/// and 5 are free, so 11 jobs must go, no more.
///
/// 7k mod 20 for k = 0…19: 0 7 14 1 8 15 2 9 16 3 10 17 4 11 18 5 12 19 6 13. Least progress
/// = longest d_k = the 11 largest values, 9…19, at k = 7, 10, 13, 16, 19, 2, 5, 8, 11, 14, 17.
/// Each loses its 1000 s on 4 GPUs (no checkpoints): 11 × 4000 = 44,000 GPU-s. The big job
/// starts at its arrival, 1000, and ends at 1500.
///
/// Without preemption it waits until 11 nodes are free: the 11th smallest d_k, 3000 s (d of
/// 7k mod 20 = 10), so it starts at 3000.
fn paradox(policy: Box<dyn sim_core::policy::Policy + Send>) -> RunOutcome {
    let mut jobs: Vec<JobSpec> = (0..20)
        .map(|k| job(&format!("l{k}"), 0, 2000 + 100 * ((7 * k) % 20), 1, 4.0))
        .collect();
    jobs.push(with(job("big", 1000, 500, 16, 4.0), |j| j.priority = 10));
    run_with(policy, common::cluster(25, 4), jobs)
}

fn preempted(outcome: &RunOutcome) -> Vec<usize> {
    (0..20)
        .filter(|k| find(outcome, &format!("l{k}")).preemptions > 0)
        .collect()
}

#[test]
fn the_fewest_victims_with_least_progress_make_room_at_once() {
    let outcome = paradox(common::policy("priority-preempt"));
    assert_eq!(preempted(&outcome), vec![2, 5, 7, 8, 10, 11, 13, 14, 16, 17, 19]);
    let big = find(&outcome, "big");
    assert_eq!((secs(big.first_start), secs(big.end)), (Some(1000), Some(1500)));
    let lost: f64 = outcome.jobs.iter().map(|j| j.lost_gpu_s).sum();
    assert_eq!(lost, 44_000.0);
    let without = paradox(common::policy("priority"));
    assert_eq!(secs(find(&without, "big").first_start), Some(3000));
    assert!(preempted(&without).is_empty());
}

/// All twenty started at the same instant, so `newest` falls to its tie-break (the most
/// recently arrived first): l9…l19, again exactly 11.
#[test]
fn newest_takes_the_latest_arrivals_on_a_tie() {
    let outcome = paradox(configured("priority-preempt", 0, |c| {
        c.preemption = Some("newest".into())
    }));
    assert_eq!(preempted(&outcome), (9..20).collect::<Vec<_>>());
}

/// Two GPUs (nodes n0, n1). x: priority 1, 500 s, checkpoint every 100 s, on n0; y: priority
/// 2, 1000 s, no checkpoint, on n1. At 250 a priority-5 job h (1 GPU, 10 s) arrives; one
/// victim is enough:
/// - least-progress: x 250/500 = 0.5, y 250/1000 = 0.25 → y (loses 250 GPU-s);
/// - lowest-priority: x (1 < 2) → x;
/// - min-lost-work: x loses 250 − 200 (last checkpoint) = 50 GPU-s, y 250 → x;
/// - newest: both started at 0 → the later arrival, y.
fn two_victims(rule: &str) -> RunOutcome {
    let jobs = vec![
        with(job("x", 0, 500, 1, 1.0), |j| {
            j.priority = 1;
            j.checkpoint = SimTime::from_secs(100);
        }),
        with(job("y", 0, 1000, 1, 1.0), |j| j.priority = 2),
        with(job("h", 250, 10, 1, 1.0), |j| j.priority = 5),
    ];
    let policy = configured("priority-preempt", 0, |c: &mut PolicyConfig| {
        c.preemption = Some(rule.into())
    });
    run_with(policy, common::cluster(2, 1), jobs)
}

#[test]
fn each_rule_picks_its_victim() {
    for (rule, victim, lost) in [
        ("least-progress", "y", 250.0),
        ("lowest-priority", "x", 50.0),
        ("min-lost-work", "x", 50.0),
        ("newest", "y", 250.0),
    ] {
        let outcome = two_victims(rule);
        let v = find(&outcome, victim);
        assert_eq!((v.preemptions, v.lost_gpu_s), (1, lost), "{rule}");
        assert_eq!(secs(find(&outcome, "h").first_start), Some(250), "{rule}");
    }
}

/// Grace 300 s: at 250 neither x nor y has run 300 s, so h waits; the policy asks to be woken
/// at 300, when both become preemptible; least progress then is y (0.3 < 0.6): h starts at
/// 300 and y loses 300 GPU-s.
#[test]
fn the_grace_period_delays_preemption_to_its_end() {
    let jobs = vec![
        with(job("x", 0, 500, 1, 1.0), |j| j.priority = 1),
        with(job("y", 0, 1000, 1, 1.0), |j| j.priority = 2),
        with(job("h", 250, 10, 1, 1.0), |j| j.priority = 5),
    ];
    let policy = configured("priority-preempt", 0, |c| {
        c.params.set("grace", SimTime::from_secs(300))
    });
    let outcome = run_with(policy, common::cluster(2, 1), jobs);
    assert_eq!(secs(find(&outcome, "h").first_start), Some(300));
    assert_eq!(find(&outcome, "y").lost_gpu_s, 300.0);
}

/// Cap of one preemption per job. One GPU; y (100 s) starts at 0; h1 (priority 5, 10 s) at
/// 10 preempts it (y loses 10 s) and runs 10–20; y restarts at 20 from scratch and would end
/// at 120; h2 (priority 5) at 30 may not preempt y again and waits until 120.
#[test]
fn a_job_is_preempted_at_most_the_cap() {
    let jobs = vec![
        job("y", 0, 100, 1, 1.0),
        with(job("h1", 10, 10, 1, 1.0), |j| j.priority = 5),
        with(job("h2", 30, 10, 1, 1.0), |j| j.priority = 5),
    ];
    let policy = configured("priority-preempt", 0, |c| c.params.set("max_preemptions", 1u32));
    let outcome = run_with(policy, common::cluster(1, 1), jobs);
    let y = find(&outcome, "y");
    assert_eq!((y.preemptions, y.restarts, secs(y.end)), (1, 1, Some(120)));
    assert_eq!(secs(find(&outcome, "h2").first_start), Some(120));
    let uncapped = run(
        "priority-preempt",
        common::cluster(1, 1),
        vec![
            job("y", 0, 100, 1, 1.0),
            with(job("h1", 10, 10, 1, 1.0), |j| j.priority = 5),
            with(job("h2", 30, 10, 1, 1.0), |j| j.priority = 5),
        ],
    );
    assert_eq!(secs(find(&uncapped, "h2").first_start), Some(30));
}

/// One node × 4 GPUs, `priority-preempt` (least progress first); P0 (priority 0, 2 GPUs,
/// 1,000 s) at 0, P5 (priority 5, 2 GPUs, 1,000 s) at 100, H (priority 10, 2 GPUs, 1,000 s)
/// at 500; no checkpoints. At 500 the node is full: H may stop P0 (progress 500/1000) or P5
/// (400/1000) and takes P5, the least progress. P5, back in the queue with priority 5, may
/// stop P0 in the round the policy asks for at 500 after a stop: it restarts from nothing and ends at
/// 1,500, with H. P0 waits until then and ends at 2,500.
/// (Offered only at the next event, 1,500, P5 would have left P0 running ahead of it.)
#[test]
fn a_preempted_job_may_preempt_lower_priorities_at_once() {
    let jobs = vec![
        with(job("P0", 0, 1000, 1, 2.0), |j| j.priority = 0),
        with(job("P5", 100, 1000, 1, 2.0), |j| j.priority = 5),
        with(job("H", 500, 1000, 1, 2.0), |j| j.priority = 10),
    ];
    let outcome = run_with(common::policy("priority-preempt"), common::cluster(1, 4), jobs);
    let [p0, p5, h] = ["P0", "P5", "H"].map(|id| find(&outcome, id));
    assert_eq!(
        [p0, p5, h].map(|j| secs(j.last_start)),
        [Some(1500), Some(500), Some(500)]
    );
    assert_eq!([p0, p5, h].map(|j| secs(j.end)), [Some(2500), Some(1500), Some(1500)]);
    assert_eq!([p0, p5, h].map(|j| j.preemptions), [1, 1, 0]);
}
