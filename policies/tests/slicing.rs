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

/// Two nodes × 4 GPUs; gangs G1, G2, G3 of 2 tasks × 4 GPUs (the whole cluster each), 100 s of
/// work each, all at t=0; 30 s slices, no overhead. The job waiting longest (since it arrived
/// or was last suspended) takes the next turn, so the three rotate:
///
/// | slice     | runs | why                                                  |
/// |-----------|------|------------------------------------------------------|
/// | 0–30      | G1   | first in the queue                                   |
/// | 30–60     | G2   | G2 and G3 wait since 0; G2 is earlier in the queue   |
/// | 60–90     | G3   | G3 waits since 0, G1 since 30                        |
/// | 90–120    | G1   | G1 since 30, G2 since 60                             |
///
/// and so on: after 9 slices each has done 90 s; G1 ends at 270 + 10 = 280, then G2 and G3
/// take their last 10 s in queue order, ending at 290 and 300. Each is suspended 3 times.
/// (Taking turns by queue position instead, G1 and G2 would alternate and G3 start at 200.)
#[test]
fn three_gangs_take_turns_the_longest_waiting_first() {
    let jobs = vec![
        job("G1", 0, 100, 2, 4.0),
        job("G2", 0, 100, 2, 4.0),
        job("G3", 0, 100, 2, 4.0),
    ];
    let policy = configured("gang", 0, |c| c.params.set("time_slice", SimTime::from_secs(30)));
    let outcome = run_with(policy, common::cluster(2, 4), jobs);
    let [g1, g2, g3] = ["G1", "G2", "G3"].map(|id| find(&outcome, id));
    assert_eq!(
        [g1, g2, g3].map(|g| (secs(g.first_start), secs(g.end))),
        [(Some(0), Some(280)), (Some(30), Some(290)), (Some(60), Some(300))]
    );
    assert_eq!([g1, g2, g3].map(|g| g.suspensions), [3, 3, 3]);
}

/// Two nodes × 4 GPUs; S1 (1 × 4 GPUs, 100 s) at 0, S2 (1 × 4, 100 s) at 10, gang G (2 × 4,
/// 50 s) at 20; 30 s slices, no overhead.
/// - 0: S1 on one node; 10: S2 on the other; 20: G waits.
/// - 30: S1's slice is over but S2's is not, and G needs both nodes: nothing moves.
/// - 40: G suspends both (S1 has done 40 s, S2 30 s) and runs 40–70 (30 s done).
/// - 70: S1 and S2 wait since 40, S1 first in the queue: S1 suspends G, which frees both
///   nodes; the round the policy asks for at 70 after a stop starts S2 on the other node.
/// - 100: both slices are over: G suspends them and ends at 120 (50 s done).
/// - 120: S1 needs 100 − 70 = 30 s more, ends at 150; S2 needs 100 − 60 = 40, ends at 160.
///
/// (Without the second round at 70, S2 would wait for the next slice end, 100.)
#[test]
fn what_a_suspension_frees_beyond_the_new_job_goes_to_the_queue_at_once() {
    let jobs = vec![
        job("S1", 0, 100, 1, 4.0),
        job("S2", 10, 100, 1, 4.0),
        job("G", 20, 50, 2, 4.0),
    ];
    let policy = configured("gang", 0, |c| c.params.set("time_slice", SimTime::from_secs(30)));
    let outcome = run_with(policy, common::cluster(2, 4), jobs);
    let ends = ["S1", "S2", "G"].map(|id| secs(find(&outcome, id).end));
    assert_eq!(ends, [Some(150), Some(160), Some(120)]);
    assert_eq!(["S1", "S2", "G"].map(|id| find(&outcome, id).suspensions), [2, 2, 1]);
}

/// The job whose turn comes may fit beside the running ones: it starts without suspending
/// anyone. One node × 4 GPUs, 60 s slices, 5 s overhead; a (4 GPUs, 300 s) at 0, b (4, 300) at
/// 10, c (0.5 GPU, 100 s) and d (0.25, 100 s) at 20, all of one priority, no backfilling.
/// - 60: b (waiting since 10) suspends a; c's turn comes next but b's slice has just begun:
///   the walk stops there.
/// - 120: c (since 20, before d by queue position) suspends b, the only job whose slice is
///   over, and starts; d's turn is next and it fits in the 3.5 GPUs free: it starts,
///   suspending no one. a (4 GPUs, since 60) is next and cannot make room.
/// - 180: c's and d's slices are over; a (since 60) needs both stopped (3.25 + 0.5 < 4): each
///   has done 60 s, 55 once the overhead is taken.
/// - 240: b (since 120) suspends a. 300: c and d (since 180) take b's place, c suspending it
///   and d fitting beside; each needs 45 s more and ends at 345, before their slices end.
#[test]
fn a_job_whose_turn_comes_and_fits_suspends_no_one() {
    let jobs = vec![
        job("a", 0, 300, 1, 4.0),
        job("b", 10, 300, 1, 4.0),
        job("c", 20, 100, 1, 0.5),
        job("d", 20, 100, 1, 0.25),
    ];
    let policy = configured("gang", 0, |c| {
        c.params.set("time_slice", SimTime::from_secs(60));
        c.params.set("switch_overhead", SimTime::from_secs(5));
    });
    let outcome = run_with(policy, common::cluster(1, 4), jobs);
    let (c, d) = (find(&outcome, "c"), find(&outcome, "d"));
    assert_eq!(
        (secs(c.first_start), secs(c.end), c.suspensions),
        (Some(120), Some(345), 1)
    );
    assert_eq!(
        (secs(d.first_start), secs(d.end), d.suspensions),
        (Some(120), Some(345), 1)
    );
}

/// The first start and end, in seconds, of each of `ids` when `jobs` run on one node of 4 GPUs
/// under `gang` with 30 s slices and no overhead.
fn first_starts_and_ends_under_30s_slices<const N: usize>(
    jobs: Vec<sim_core::job::JobSpec>,
    ids: [&str; N],
) -> [(Option<u64>, Option<u64>); N] {
    let policy = configured("gang", 0, |c| c.params.set("time_slice", SimTime::from_secs(30)));
    let outcome = run_with(policy, common::cluster(1, 4), jobs);
    ids.map(|id| {
        let j = find(&outcome, id);
        (secs(j.first_start), secs(j.end))
    })
}

/// What a suspension frees beyond the new job goes to the next in turn at once. One node × 4
/// GPUs, 30 s slices, no overhead, no backfilling: a (4 GPUs, 100 s) at 0, b and c (2 GPUs,
/// 100 s each) at 1 and 2.
/// - 30: b (waiting since 1) suspends a; c (since 2) is next and fits beside b: it starts too.
/// - 60: a (since 30) suspends both; 90: b and c (since 60) take its place; and so on, every
///   30 s: a runs 0–30, 60–90, 120–150, 180–190 (100 s); b and c run 30–60, 90–120, 150–180,
///   190–200 (100 s each).
#[test]
fn what_a_suspension_frees_goes_to_the_next_in_turn() {
    let jobs = vec![
        job("a", 0, 100, 1, 4.0),
        job("b", 1, 100, 1, 2.0),
        job("c", 2, 100, 1, 2.0),
    ];
    let runs = first_starts_and_ends_under_30s_slices(jobs, ["a", "b", "c"]);
    assert_eq!(
        runs,
        [(Some(0), Some(190)), (Some(30), Some(200)), (Some(30), Some(200))]
    );
}

/// Without backfilling, a higher-priority job that cannot make room holds back the slicing of
/// lower ones, as the queue's head holds back the queue. One node × 4 GPUs, 30 s slices: r
/// (priority 0, 4 GPUs, 1,000 s) at 0, w1 (priority 1, 4 GPUs, 100 s) at 1, w2 (priority 0,
/// 4 GPUs, 100 s) at 2. w1 goes first but can suspend no one (r is of another priority), so
/// w2 does not suspend r: r runs to 1,000, then w1 (1,000–1,100), then w2 (w1 is of another
/// priority too): 1,100–1,200.
#[test]
fn a_higher_priority_job_that_cannot_make_room_holds_back_lower_slicing() {
    let jobs = vec![
        job("r", 0, 1000, 1, 4.0),
        common::with(job("w1", 1, 100, 1, 4.0), |j| j.priority = 1),
        job("w2", 2, 100, 1, 4.0),
    ];
    let runs = first_starts_and_ends_under_30s_slices(jobs, ["r", "w1", "w2"]);
    assert_eq!(
        runs,
        [
            (Some(0), Some(1000)),
            (Some(1000), Some(1100)),
            (Some(1100), Some(1200))
        ]
    );
}
