//! EASY backfilling on hand-made traces.

mod common;

use common::{configured, find, job, run, run_with, secs, sized_cluster, start_and_nodes, with};
use sim_core::job::JobSpec;
use sim_core::resources::TaskRequest;
use sim_core::time::SimTime;

/// One node × 10 GPUs, EASY (FIFO order, best fit).
///
/// - a: 6 GPUs, 0–100 (estimate 100).
/// - h: 8 GPUs at t=1: only 4 free, so h is the head and gets a reservation. The first
///   estimated end is a's at 100, when 10 GPUs are free: shadow time 100, h takes 8 of them,
///   the extra is 2.
/// - c: 4 GPUs at t=2 for 50 s: fits now (4 free) and ends at 52 ≤ 100 → backfills at 2.
/// - d: 3 GPUs at t=60 for 200 s: fits now (c has ended: 4 free) but would end at 260 > 100
///   and needs 3 > 2 extra GPUs: at 100 only 10 − 3 = 7 < 8 would be free and h would slip.
///   It must wait.
/// - e: 2 GPUs at t=61 for 500 s: ends at 561 > 100 but needs only the 2 extra GPUs →
///   backfills at 61.
///
/// At 100 a ends: 8 free (e holds 2) and h starts on time, ends 110; then d starts at 110.
/// FIFO without backfilling would start c only after h, at 110.
#[test]
fn one_job_backfills_another_must_not_delay_the_reservation() {
    let jobs = || {
        vec![
            job("a", 0, 100, 1, 6.0),
            job("h", 1, 10, 1, 8.0),
            job("c", 2, 50, 1, 4.0),
            job("d", 60, 200, 1, 3.0),
            job("e", 61, 500, 1, 2.0),
        ]
    };
    let easy = run("easy-backfill", sized_cluster(1, 1, 10, 64, 512), jobs());
    let start = |id| secs(find(&easy, id).first_start).unwrap();
    assert_eq!(
        [start("a"), start("h"), start("c"), start("d"), start("e")],
        [0, 100, 2, 110, 61]
    );
    let fifo = run("best-fit", sized_cluster(1, 1, 10, 64, 512), jobs());
    assert_eq!(secs(find(&fifo, "c").first_start), Some(110));
}

/// Behind a whole-node reservation that leaves no node spare, a job sharing a node may start
/// only on a node that stays busy all through its run; every node that would be free for a
/// whole-node task at some instant of the run is kept out, whether idle now or not.
///
/// Three nodes × 4 GPUs, EASY (best fit). At 0: a (2 GPUs, 300 s) on n0 and b (4 GPUs, 50 s)
/// on n1 (n0 has too few left). h (2 × 4 GPUs, 100 s) at 1: only n2 is idle, n1 frees at 50,
/// n0 at 300, so h is reserved at 50 on two whole nodes over 50–150; from 50 to 150 no node is
/// spare. At 2, j1 (2 GPUs, 200 s) runs to 202: n2 (idle now) and n1 (free from 50) are kept
/// out, n0 (busy with a until 300) is not and has 2 GPUs free → j1 starts at 2 on n0. At 3,
/// j3 (1 GPU, 250 s): n0 is full and n1 busy; n2 has room but is kept out → j3 waits. At 50 b
/// ends and h starts on n1 and n2, ending at 150; j3, now at the head, finds no room and starts
/// when h ends, at 150, on n1 (best fit: n1 and n2 tie, the lower id first).
#[test]
fn a_shared_job_behind_a_whole_node_reservation_starts_only_on_a_node_busy_throughout() {
    let jobs = vec![
        job("a", 0, 300, 1, 2.0),
        job("b", 0, 50, 1, 4.0),
        job("h", 1, 100, 2, 4.0),
        job("j1", 2, 200, 1, 2.0),
        job("j3", 3, 250, 1, 1.0),
    ];
    let easy = run("easy-backfill", sized_cluster(3, 3, 4, 64, 512), jobs);
    let at = |id| start_and_nodes(&easy, id);
    assert_eq!(at("a"), (0, vec![0]));
    assert_eq!(at("b"), (0, vec![1]));
    assert_eq!(at("h"), (50, vec![1, 2]));
    assert_eq!(at("j1"), (2, vec![0]));
    assert_eq!(at("j3"), (150, vec![1]));
}

/// A job sharing nodes beside a whole-node reservation's count: the nodes it would keep busy
/// count against the reservation only from the first instant a node of the pool is expected
/// free (docs/policies.md, node-level resources, whose example this is).
///
/// Two nodes × 8 GPUs, EASY (best fit). a (6 GPUs) on n0 until 100 s; b (6 GPUs) on n1 until
/// `b_ends`; h (8 GPUs, a whole node, 100 s) at 1 is reserved as one node from 100 s. At 2, j (2
/// GPUs, 500 s) runs across the reservation.
/// - b until 200 s: over 100–200 only n0 is free and h takes it, so no node is spare and
///   both nodes, free within j's run, are kept out: j waits. At 100 h starts on n0 (whole);
///   j starts then on n1's 2 free GPUs.
/// - b until 100 s: both nodes free from 100 s, h needs one: one is spare from then to j's
///   end, so j may take the first of them and starts at 2 on n0 (best fit: n0 and n1 tie, the
///   lower id first); at 100 h starts on n1.
#[test]
fn a_shared_job_counts_against_a_whole_node_reservation_from_the_first_node_free() {
    for (b_ends, j_at, j_on, h_on) in [(200, 100, 1, 0), (100, 2, 0, 1)] {
        let jobs = vec![
            job("a", 0, 100, 1, 6.0),
            job("b", 0, b_ends, 1, 6.0),
            job("h", 1, 100, 1, 8.0),
            job("j", 2, 500, 1, 2.0),
        ];
        let easy = run("easy-backfill", sized_cluster(2, 2, 8, 64, 512), jobs);
        let at = |id| start_and_nodes(&easy, id);
        assert_eq!(at("h"), (100, vec![h_on]), "b until {b_ends}");
        assert_eq!(at("j"), (j_at, vec![j_on]), "b until {b_ends}");
    }
}

/// Alike jobs refused for the reservation in one round are refused in one check; a job asking
/// otherwise, or ending before the reservation, is still tried.
///
/// One node × 12 GPUs, EASY. a: 6 GPUs, 0–100. h: 10 GPUs at 1 → reserved at 100 (12 free
/// then): the extra is 2. At 2, in this order: d1 (3 GPUs, 200 s) and d2 (3 GPUs, 300 s) fit
/// now (6 free) but run past 100 on more than the extra → refused (d2, alike and ending
/// later, without a second placement); e (2 GPUs, 500 s) fits the extra → starts at 2 (the
/// refusal remembered for 3 GPUs must not refuse it); f (3 GPUs, 50 s) ends at 52 ≤ 100 →
/// starts at 2 on 3 of the 4 left. At 100 a ends and h starts (10 of the 10 free beside e),
/// ends at 110; d1 and d2 start then.
#[test]
fn alike_jobs_refused_for_the_reservation_leave_other_asks_to_be_tried() {
    let jobs = vec![
        job("a", 0, 100, 1, 6.0),
        job("h", 1, 10, 1, 10.0),
        job("d1", 2, 200, 1, 3.0),
        job("d2", 2, 300, 1, 3.0),
        job("e", 2, 500, 1, 2.0),
        job("f", 2, 50, 1, 3.0),
    ];
    let easy = run("easy-backfill", sized_cluster(1, 1, 12, 64, 512), jobs);
    let start = |id| secs(find(&easy, id).first_start).unwrap();
    assert_eq!(["a", "h", "d1", "d2", "f", "e"].map(start), [0, 100, 110, 110, 2, 2]);
}

/// A reservation on part of a node claims what a running job frees before it starts, not what
/// is free now: a job that fits in the extra backfills beside it, with shared CPU cores as with
/// shares of a GPU.
///
/// CPU cores: one node of 4 cores, no GPU, tasks of one core (SWF logs read with
/// `swf_processor = "cpu"`); every estimate is the run time.
/// - a: 3 cores, 0–10. h: 3 cores at 1 → only 1 core free: h is the head, reserved at a's end,
///   10–20, on 3 of the 4 cores: the extra is 1 core.
/// - x: 4 cores at 2, 10 s. d: 1 core at 3, 100 s: fits now (1 core free), ends at 103 > 10,
///   but needs only the extra → EASY backfills d at 3. x then waits for d: 103.
/// - Conservative also reserves x at 20–30 (all 4 cores), so d over 3–103 would delay it: d's
///   earliest window is after x, at 30.
///
/// GPU shares: one node of 1 GPU. a: 0.5 GPU, 0–10. h: 0.75 GPU at 1 → reserved at 10–20, the
/// extra is 0.25. c: 0.25 GPU at 2, 100 s: fits now (0.5 free) and in the extra → starts at 2
/// under both.
#[test]
fn a_reservation_on_part_of_a_node_leaves_the_extra_to_backfilling() {
    let cores = |id: &str, submit_s, run_s, tasks| {
        let task = TaskRequest::with_gpu_amount(0.0, 1000, 0).unwrap();
        JobSpec::new(id, SimTime::from_secs(submit_s), SimTime::from_secs(run_s), tasks, task)
    };
    let jobs = || {
        vec![
            cores("a", 0, 10, 3),
            cores("h", 1, 10, 3),
            cores("x", 2, 10, 4),
            cores("d", 3, 100, 1),
        ]
    };
    for (policy, expected) in [
        ("easy-backfill", [0, 10, 103, 3]),
        ("conservative-backfill", [0, 10, 20, 30]),
    ] {
        let outcome = run(policy, sized_cluster(1, 1, 0, 4, 64), jobs());
        let start = |id| secs(find(&outcome, id).first_start).unwrap();
        assert_eq!(
            [start("a"), start("h"), start("x"), start("d")],
            expected,
            "{policy}, cores"
        );
    }
    let jobs = || {
        vec![
            job("a", 0, 10, 1, 0.5),
            job("h", 1, 10, 1, 0.75),
            job("c", 2, 100, 1, 0.25),
        ]
    };
    for policy in ["easy-backfill", "conservative-backfill"] {
        let outcome = run(policy, sized_cluster(1, 1, 1, 64, 512), jobs());
        let start = |id| secs(find(&outcome, id).first_start).unwrap();
        assert_eq!([start("a"), start("h"), start("c")], [0, 10, 2], "{policy}, GPU shares");
    }
}

/// A job that outlives its estimate is assumed to end now, so the shadow time moves with the
/// clock; the head still starts as soon as the job really ends.
///
/// One node × 10 GPUs, EASY. Devices are taken lowest index first.
/// - a: 6 GPUs (devices 0–5), runs 100 s but estimated at 50.
/// - h: 8 GPUs at t=1: shadow time 50 (a's estimate), extra 2.
/// - c: 4 GPUs at t=2 for 30 s: ends 32 ≤ 50 → backfills at 2 (devices 6–9).
/// - f: 2 GPUs at t=60 for 30 s: a is overdue, assumed to end now: shadow 60, h would take
///   devices 0–7, extra devices 8, 9. f ends at 90 > 60 but its placement now (devices 6, 7)
///   clashes with h's; the extra (8, 9) is also free now → f backfills at 60 on devices 8, 9.
/// - g: 2 GPUs at t=61 for 10 s: fits now (devices 6, 7) but ends at 71 > 61 and no extra
///   is left (f holds it past 61) → waits.
/// - At 90 f ends: shadow 90 (a still overdue), h would take devices 0–7, extra 8, 9 again;
///   g's placement now (6, 7) clashes, the extra is free now → g starts at 90 on 8, 9.
/// - At 100 a really ends: devices 0–7 are free and h starts, ends 110.
#[test]
fn a_job_past_its_estimate_moves_the_shadow_time_to_now() {
    let jobs = vec![
        with(job("a", 0, 100, 1, 6.0), |j| j.requested = SimTime::from_secs(50)),
        job("h", 1, 10, 1, 8.0),
        job("c", 2, 30, 1, 4.0),
        job("f", 60, 30, 1, 2.0),
        job("g", 61, 10, 1, 2.0),
    ];
    let easy = run("easy-backfill", sized_cluster(1, 1, 10, 64, 512), jobs);
    let start = |id| secs(find(&easy, id).first_start).unwrap();
    assert_eq!([start("c"), start("f"), start("g"), start("h")], [2, 60, 90, 100]);
    assert_eq!(find(&easy, "f").alloc[0].gpu_mask, 0b11_0000_0000);
    assert_eq!(find(&easy, "g").alloc[0].gpu_mask, 0b11_0000_0000);
}

/// Rounds run only when something happens, so what an overrunning job frees in the plan is
/// seen at the next event (the example of docs/policies.md). Four one-GPU nodes.
///
/// - a: 2 GPUs, estimate 10, and b: 1 GPU, estimate 15, start at 0; both run 100 s.
/// - At 5, c (3 GPUs, estimate 10) is blocked (1 free) and reserved at 10, a's expected end,
///   where 3 are free: nothing spare. d (1 GPU, estimate 100) would hold its GPU past 10: waits.
/// - No event at 10 or 15: c and d start at 100, when a and b end.
/// - With a 5-GPU job arriving at 15 (never fits, but its arrival is an event): the round at 15
///   sees a and b past their estimates, each expected to end 1 µs later, 4 free then: c is
///   reserved at 15 s + 1 µs with one GPU spare, and d backfills at 15.
#[test]
fn what_an_overrunning_job_frees_is_seen_at_the_next_event() {
    let overrunning = |id, tasks, estimate| {
        with(job(id, 0, 100, tasks, 1.0), |j| {
            j.requested = SimTime::from_secs(estimate)
        })
    };
    let jobs = || {
        vec![
            overrunning("a", 2, 10),
            overrunning("b", 1, 15),
            job("c", 5, 10, 3, 1.0),
            job("d", 5, 100, 1, 1.0),
        ]
    };
    let starts = |outcome: &sim_core::engine::RunOutcome| {
        ["a", "b", "c", "d"].map(|id| secs(find(outcome, id).first_start).unwrap())
    };
    let quiet = run("easy-backfill", sized_cluster(4, 4, 1, 0, 0), jobs());
    assert_eq!(starts(&quiet), [0, 0, 100, 100]);
    let mut with_arrival = jobs();
    with_arrival.push(job("x", 15, 10, 5, 1.0));
    let woken = run("easy-backfill", sized_cluster(4, 4, 1, 0, 0), with_arrival);
    assert_eq!(starts(&woken), [0, 0, 100, 15]);
    assert_eq!(find(&woken, "x").state, sim_core::job::JobState::NeverFits);
}

/// Four one-GPU nodes; where EASY and conservative backfilling part ways.
///
/// - a: 2 GPUs, 0–10 (estimate 10). b: 3 GPUs at 1, c: 4 GPUs at 2, both run 10 s, estimate
///   10. d: 1 GPU at 3, runs 30 s, estimate 30.
/// - At 3 only 2 GPUs are free. b's reservation: a ends at 10, leaving 4 free: b at 10–20,
///   one GPU to spare (the extra).
/// - EASY protects only b: d ends at 33 > 10 but needs 1 ≤ 1 extra GPU → backfills at 3. b
///   starts at 10 on the 3 GPUs d leaves. c needs all 4: at 20 (b ends) d still holds one, so
///   c waits for d and starts at 33.
/// - Conservative also reserves c: after b, all 4 GPUs are free at 20 → c at 20–30. d over
///   3–33 would leave c 3 GPUs at 20: it may not start; its earliest window is after c, at 30.
/// - Depth 2 protects b and c, as conservative does here.
#[test]
fn conservative_protects_every_waiting_job_easy_only_the_first() {
    let jobs = || {
        vec![
            job("a", 0, 10, 2, 1.0),
            job("b", 1, 10, 3, 1.0),
            job("c", 2, 10, 4, 1.0),
            job("d", 3, 30, 1, 1.0),
        ]
    };
    let starts = |outcome: &sim_core::engine::RunOutcome| {
        ["a", "b", "c", "d"].map(|id| secs(find(outcome, id).first_start).unwrap())
    };
    let easy = run("easy-backfill", sized_cluster(4, 4, 1, 0, 0), jobs());
    assert_eq!(starts(&easy), [0, 10, 33, 3]);
    let conservative = run("conservative-backfill", sized_cluster(4, 4, 1, 0, 0), jobs());
    assert_eq!(starts(&conservative), [0, 10, 20, 30]);
    let depth_2 = run_with(
        configured("easy-backfill", 0, |c| c.params.set("backfill_depth", 2u32)),
        sized_cluster(4, 4, 1, 0, 0),
        jobs(),
    );
    assert_eq!(starts(&depth_2), [0, 10, 20, 30]);
    let depth_4 = run("easy-backfill-4", sized_cluster(4, 4, 1, 0, 0), jobs());
    assert_eq!(starts(&depth_4), [0, 10, 20, 30]);
}

/// Conservative backfilling lets a job jump the queue when it delays no reservation.
///
/// Four one-GPU nodes. a: 3 GPUs, 0–10. b: 4 GPUs at 1 (estimate 10) → reserved 10–20.
/// c: 2 GPUs at 2, estimate 10 → its earliest window is 20–30. e: 1 GPU at 3 for 5 s: one GPU
/// is free now and e ends at 8, before b's reservation → starts at 3, ahead of b and c.
/// f: 1 GPU at 4 for 10 s: nothing is free at 4; at 8 (e ends) one GPU is, but f would run to
/// 18, inside b's window, which needs all 4 GPUs → f's earliest window is after b: at 20 two
/// GPUs are left beside c → f at 20.
#[test]
fn conservative_starts_a_short_job_ahead_only_if_every_reservation_holds() {
    let jobs = vec![
        job("a", 0, 10, 3, 1.0),
        job("b", 1, 10, 4, 1.0),
        job("c", 2, 10, 2, 1.0),
        job("e", 3, 5, 1, 1.0),
        job("f", 4, 10, 1, 1.0),
    ];
    let outcome = run("conservative-backfill", sized_cluster(4, 4, 1, 0, 0), jobs);
    let start = |id| secs(find(&outcome, id).first_start).unwrap();
    assert_eq!(
        [start("a"), start("b"), start("c"), start("e"), start("f")],
        [0, 10, 20, 3, 20]
    );
}
