//! Gang time slicing: jobs that do not fit together take turns, each switch costing its
//! overhead in lost progress.

mod common;

use common::{configured, find, job, run_with, secs};
use sim_core::time::SimTime;

/// Two nodes × 4 GPUs; gangs A and B of 2 tasks × 4 GPUs (the whole cluster each), 100 s of
/// work each, both at t=0; the `gang` preset with time_slice 30 s and switch_overhead 5 s.
///
/// | t   | switch                 | A work after | B work after |
/// |-----|------------------------|--------------|--------------|
/// | 0   | A starts               | 0            | 0            |
/// | 30  | A suspended, B starts  | 30 − 5 = 25  | 0            |
/// | 60  | B suspended, A resumes | 25           | 25           |
/// | 90  | A suspended, B resumes | 50           | 25           |
/// | 120 | B suspended, A resumes | 50           | 50           |
/// | 150 | A suspended, B resumes | 75           | 50           |
/// | 180 | B suspended, A resumes | 75           | 75           |
///
/// A needs 25 s more and ends at 205, before its slice ends at 210; B starts at once and ends
/// at 230. Six suspensions × 5 s × 8 GPUs = 240 GPU-s lost, 120 each; the cluster is busy
/// throughout, 200 s of work + 30 s of overhead = 230 s.
#[test]
fn two_gangs_alternate_and_each_switch_costs_its_overhead() {
    let jobs = vec![job("A", 0, 100, 2, 4.0), job("B", 0, 100, 2, 4.0)];
    let policy = configured("gang", 0, |c| {
        c.params.set("time_slice", SimTime::from_secs(30));
        c.params.set("switch_overhead", SimTime::from_secs(5));
    });
    let outcome = run_with(policy, common::cluster(2, 4), jobs);
    let (a, b) = (find(&outcome, "A"), find(&outcome, "B"));
    assert_eq!((secs(a.end), secs(b.end)), (Some(205), Some(230)));
    assert_eq!((a.suspensions, b.suspensions), (3, 3));
    assert_eq!((a.preemptions, b.preemptions), (0, 0));
    assert_eq!((a.lost_gpu_s, b.lost_gpu_s), (120.0, 120.0));
    assert_eq!((secs(a.first_start), secs(b.first_start)), (Some(0), Some(30)));
    let total_lost: f64 = outcome.jobs.iter().map(|j| j.lost_gpu_s).sum();
    assert_eq!(total_lost, 6.0 * 5.0 * 8.0);
}

/// Without time slicing B simply waits for A: A 0–100, B 100–200, nothing lost.
#[test]
fn without_a_slice_gangs_run_to_completion() {
    let jobs = vec![job("A", 0, 100, 2, 4.0), job("B", 0, 100, 2, 4.0)];
    let outcome = run_with(common::policy("gang"), common::cluster(2, 4), jobs);
    assert_eq!(secs(find(&outcome, "B").first_start), Some(100));
    assert_eq!(outcome.jobs.iter().map(|j| j.lost_gpu_s).sum::<f64>(), 0.0);
}

/// Only equal priorities rotate: a priority-1 gang is never suspended for a priority-0 one.
#[test]
fn a_higher_priority_gang_is_not_rotated_out() {
    let mut a = job("A", 0, 100, 2, 4.0);
    a.priority = 1;
    let jobs = vec![a, job("B", 0, 100, 2, 4.0)];
    let policy = configured("gang", 0, |c| c.params.set("time_slice", SimTime::from_secs(30)));
    let outcome = run_with(policy, common::cluster(2, 4), jobs);
    assert_eq!(secs(find(&outcome, "B").first_start), Some(100));
    assert_eq!(find(&outcome, "A").suspensions, 0);
}
