//! EASY backfilling on hand-made traces.

mod common;

use common::{find, job, run, secs, sized_cluster, with};
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
