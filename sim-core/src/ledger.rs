//! Where a job's wall time went since its first start: useful work, checkpoint writing, work
//! lost to interruptions, warm-up after restarts, detection (held after a failure) and waiting
//! for nodes (docs/training.md).
//!
//! A job's progress runs on its *job-time* axis: its work cut into checkpoint intervals of
//! `checkpoint` work, each followed by `checkpoint_cost` of stall while the checkpoint is
//! written (none after the last interval). A checkpoint counts once its write has ended, so a
//! restart resumes at a multiple of the cycle `checkpoint + checkpoint_cost`. After a
//! preemption or an interruption the job first spends `warmup` reloading: its attempt begins
//! `warmup` before the checkpoint it resumes from. With no checkpoint cost and no warm-up the
//! job-time axis is the work itself. An asynchronous checkpoint writes while the job goes on:
//! its stall is the slowdown's share of the write, and it counts only `lag` job-time after
//! the stall, when the write ends.

use crate::job::JobSpec;
use crate::time::SimTime;

/// The checkpoint cycle of a job: how job-time maps to work.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cycle {
    /// Work between checkpoints, µs (0: the job never checkpoints).
    pub interval: f64,
    /// Stall to write one checkpoint, µs.
    pub cost: f64,
    /// The job's work, µs.
    pub work: f64,
    /// Job time after a checkpoint's stall ends until it counts (an asynchronous write), µs.
    pub lag: f64,
}

impl Cycle {
    /// The cycle of a job spec.
    pub fn of(spec: &JobSpec) -> Cycle {
        let interval = spec.checkpoint.as_micros() as f64;
        Cycle {
            interval,
            cost: if interval > 0.0 {
                spec.checkpoint_cost.as_micros() as f64
            } else {
                0.0
            },
            work: spec.duration.as_micros() as f64,
            lag: if interval > 0.0 {
                spec.checkpoint_lag.as_micros() as f64
            } else {
                0.0
            },
        }
    }

    /// Job-time of one interval and its checkpoint write, µs.
    pub fn period(&self) -> f64 {
        self.interval + self.cost
    }

    /// Checkpoints written before the job completes: one after every interval but the last.
    pub fn checkpoints(&self) -> f64 {
        if self.interval > 0.0 && self.cost > 0.0 {
            ((self.work / self.interval).ceil() - 1.0).max(0.0)
        } else {
            0.0
        }
    }

    /// The job's whole job-time: its work and its checkpoint writes, µs.
    pub fn length(&self) -> f64 {
        if self.cost > 0.0 {
            self.work + self.checkpoints() * self.cost
        } else {
            self.work
        }
    }

    /// The job-time saved by the last checkpoint written by job-time `position` (0 when the
    /// job never checkpoints): the last multiple of the cycle at least `lag` before it.
    pub fn saved(&self, position: f64) -> f64 {
        let period = self.period();
        if period <= 0.0 {
            0.0
        } else {
            ((position - self.lag) / period).floor() * period
        }
    }

    /// Whole checkpoints written by job-time `position`.
    pub fn written(&self, position: f64) -> f64 {
        let period = self.period();
        if period <= 0.0 || self.cost <= 0.0 {
            0.0
        } else {
            (position / period).floor().min(self.checkpoints())
        }
    }

    /// The work done by job-time `position`: every whole cycle's interval and the part of the
    /// current one before its write.
    pub fn work_at(&self, position: f64) -> f64 {
        let position = position.max(0.0);
        if self.cost <= 0.0 {
            return position.min(self.work);
        }
        let period = self.period();
        let cycles = (position / period).floor();
        (cycles * self.interval + (position - cycles * period).min(self.interval)).min(self.work)
    }
}

/// What a job's time since its first start went to, in seconds (closed segments; the open one
/// is added by [`Ledger::split`]).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct TimeSplit {
    /// Wall time since the first start.
    pub wall_s: f64,
    /// Wall time holding its nodes.
    pub running_s: f64,
    /// Work kept (not lost), seconds at full speed.
    pub useful_s: f64,
    /// Writing checkpoints that completed.
    pub checkpoint_s: f64,
    /// Work (and unfinished checkpoint writes) lost to preemptions and interruptions.
    pub lost_s: f64,
    /// Reloading after restarts.
    pub warmup_s: f64,
    /// Held after failures (detection, back-off, the breaker).
    pub detection_s: f64,
    /// Waiting in the queue for nodes after the first start.
    pub waiting_s: f64,
}

impl TimeSplit {
    /// Effective training time ratio: useful work ÷ wall time since the first start (`None`
    /// before the job started).
    pub fn ettr(&self) -> Option<f64> {
        (self.wall_s > 0.0).then(|| self.useful_s / self.wall_s)
    }

    /// Goodput: useful work ÷ time holding nodes (`None` if it never ran).
    pub fn goodput(&self) -> Option<f64> {
        (self.running_s > 0.0).then(|| self.useful_s / self.running_s)
    }

    /// Adds every field of `other` × `weight` (a job's GPUs, for run totals in GPU-seconds).
    pub fn add_scaled(&mut self, other: &TimeSplit, weight: f64) {
        self.wall_s += other.wall_s * weight;
        self.running_s += other.running_s * weight;
        self.useful_s += other.useful_s * weight;
        self.checkpoint_s += other.checkpoint_s * weight;
        self.lost_s += other.lost_s * weight;
        self.warmup_s += other.warmup_s * weight;
        self.detection_s += other.detection_s * weight;
        self.waiting_s += other.waiting_s * weight;
    }
}

/// A job's time accounting, updated by the engine at every change of state.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Ledger {
    /// Closed segments.
    pub closed: TimeSplit,
    /// When the current state began (after the first start).
    pub since: SimTime,
    /// Job-time where the current attempt began (below the checkpoint it resumed from by its
    /// warm-up), µs.
    pub attempt_from: f64,
    /// The checkpoint the current attempt resumed from, job-time µs.
    pub resumed_at: f64,
    /// Whether the next start restores a checkpoint (after a preemption or an interruption)
    /// and so warms up first.
    pub restoring: bool,
}

impl Ledger {
    /// The job starts at `now` from job-time `saved`, warming up for `warmup` µs first; the
    /// time since `since` was spent waiting (unless this is the first start).
    pub fn started(&mut self, now: SimTime, first: bool, saved: f64, warmup: f64) {
        if !first {
            self.closed.waiting_s += (now - self.since).as_secs_f64();
        }
        self.since = now;
        self.resumed_at = saved;
        self.attempt_from = saved - warmup;
    }

    /// The running attempt ends at `now` at job-time `position`, keeping `saved`.
    pub fn stopped(&mut self, now: SimTime, cycle: &Cycle, position: f64, saved: f64) {
        let split = self.attempt(now, cycle, position, saved);
        add(&mut self.closed, &split);
        self.since = now;
    }

    /// The job is given up with its work (killed at its time limit): the work it had kept
    /// through earlier stops is lost too.
    pub fn discard_kept(&mut self) {
        self.closed.lost_s += self.closed.useful_s;
        self.closed.useful_s = 0.0;
    }

    /// A held job returns to the queue at `now`.
    pub fn requeued(&mut self, now: SimTime) {
        self.closed.detection_s += (now - self.since).as_secs_f64();
        self.since = now;
    }

    /// What the attempt running since `self.since` adds if it ends at `now` at `position`
    /// keeping `saved`.
    fn attempt(&self, now: SimTime, cycle: &Cycle, position: f64, saved: f64) -> TimeSplit {
        let warm_end = position.min(self.resumed_at);
        let kept = if position >= cycle.length() { position } else { saved };
        let written = cycle.written(kept) - cycle.written(self.resumed_at);
        TimeSplit {
            running_s: (now - self.since).as_secs_f64(),
            useful_s: (cycle.work_at(kept) - cycle.work_at(self.resumed_at)) / 1e6,
            checkpoint_s: written.max(0.0) * cycle.cost / 1e6,
            lost_s: (position - kept).max(0.0) / 1e6,
            warmup_s: (warm_end - self.attempt_from).max(0.0) / 1e6,
            ..TimeSplit::default()
        }
    }

    /// The whole split as of `now` for a job in `phase` that first started at `first_start`
    /// (`None`: never started, all zero).
    pub fn split(&self, now: SimTime, first_start: Option<SimTime>, phase: Phase<'_>) -> TimeSplit {
        let Some(first) = first_start else {
            return TimeSplit::default();
        };
        let mut split = self.closed;
        let open = (now - self.since).as_secs_f64();
        match phase {
            Phase::Running { cycle, position } => add(&mut split, &self.attempt(now, cycle, position, position)),
            Phase::Held => split.detection_s += open,
            Phase::Waiting => split.waiting_s += open,
            Phase::Ended => {}
        }
        split.wall_s = (now - first).as_secs_f64();
        split
    }
}

/// Where a job is, for [`Ledger::split`].
#[derive(Clone, Copy, Debug)]
pub enum Phase<'a> {
    /// Running, at job-time `position` of `cycle`.
    Running {
        /// Its cycle.
        cycle: &'a Cycle,
        /// Its job-time position now.
        position: f64,
    },
    /// Held after a failure.
    Held,
    /// Pending in the queue.
    Waiting,
    /// In a terminal state (its last segment is closed).
    Ended,
}

/// Adds the fields of `b` to `a` (`b`'s wall time is zero: only the split sets it).
fn add(a: &mut TimeSplit, b: &TimeSplit) {
    a.add_scaled(b, 1.0);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 10 h of work, a checkpoint every 1 h that takes 6 min to write.
    fn cycle() -> Cycle {
        Cycle {
            interval: 3600e6,
            cost: 360e6,
            work: 36000e6,
            lag: 0.0,
        }
    }

    #[test]
    fn an_asynchronous_checkpoint_counts_only_once_its_write_has_ended() {
        // The cycle above with a 3 min lag (a 6 min write at half speed: 3 min of stall, 3 min
        // of writing while the job goes on). The checkpoint of the first cycle (66 min) counts
        // from 69 min on: before, a failure goes back to the start; after, to 66 min.
        let c = Cycle { lag: 180e6, ..cycle() };
        assert_eq!(c.saved(3960e6), 0.0);
        assert_eq!(c.saved(4139e6), 0.0);
        assert_eq!(c.saved(4140e6), 3960e6);
        // 2 h 30 min (9000 s): two cycles (7920 s) and 18 min past, so the second counts.
        assert_eq!(c.saved(9000e6), 7920e6);
        // The work is the stall cycle's: the lag only delays when a checkpoint counts.
        assert_eq!(c.work_at(4140e6), cycle().work_at(4140e6));
    }

    #[test]
    fn job_time_adds_one_write_per_interval_but_the_last() {
        let c = cycle();
        // 10 intervals, 9 writes of 6 min: 10 h + 54 min.
        assert_eq!(c.checkpoints(), 9.0);
        assert_eq!(c.length(), 36000e6 + 9.0 * 360e6);
        // At 2 h 30 min of job-time: two cycles of 66 min done (2 h 12 min), 18 min into the
        // third interval: 2 h 18 min of work, the checkpoint at 2 h 12 min saved.
        assert_eq!(c.work_at(9000e6), 2.0 * 3600e6 + 1080e6);
        assert_eq!(c.saved(9000e6), 2.0 * 3960e6);
        // Writing the second checkpoint (1 h 2 min in, inside [1 h, 1 h 6 min)): one hour of
        // work, nothing saved yet.
        assert_eq!(c.work_at(3720e6), 3600e6);
        assert_eq!(c.saved(3720e6), 0.0);
    }

    #[test]
    fn an_interrupted_attempt_splits_into_useful_written_lost_and_warmup() {
        let c = cycle();
        let mut ledger = Ledger::default();
        ledger.started(SimTime::ZERO, true, 0.0, 0.0);
        // Interrupted at 2 h 30 min (full speed): saved 2 cycles = 2 h of work and 12 min of
        // writes; 18 min of work lost.
        ledger.stopped(SimTime::from_secs(9000), &c, 9000e6, c.saved(9000e6));
        let s = ledger.closed;
        assert_eq!(
            (s.useful_s, s.checkpoint_s, s.lost_s, s.warmup_s),
            (7200.0, 720.0, 1080.0, 0.0)
        );
        // Held 10 min, then waits 5 min for nodes, then restarts with 15 min of warm-up and is
        // interrupted again 10 min later, still warming up: 10 min of warm-up, nothing else.
        ledger.requeued(SimTime::from_secs(9600));
        ledger.started(SimTime::from_secs(9900), false, 7920e6, 900e6);
        ledger.stopped(SimTime::from_secs(10500), &c, 7620e6, 7920e6);
        let s = ledger.split(SimTime::from_secs(10500), Some(SimTime::ZERO), Phase::Held);
        assert_eq!((s.detection_s, s.waiting_s, s.warmup_s), (600.0, 300.0, 600.0));
        assert_eq!(
            (s.useful_s, s.lost_s, s.running_s, s.wall_s),
            (7200.0, 1080.0, 9600.0, 10500.0)
        );
        assert_eq!(s.ettr(), Some(7200.0 / 10500.0));
    }

    #[test]
    fn a_completed_job_counts_all_its_work_and_writes() {
        let c = cycle();
        let mut ledger = Ledger::default();
        ledger.started(SimTime::ZERO, true, 0.0, 0.0);
        let end = SimTime(c.length() as u64);
        ledger.stopped(end, &c, c.length(), c.length());
        let s = ledger.split(end, Some(SimTime::ZERO), Phase::Ended);
        assert_eq!((s.useful_s, s.checkpoint_s, s.lost_s), (36000.0, 9.0 * 360.0, 0.0));
        assert_eq!(s.ettr(), Some(36000.0 / 39240.0));
    }
}
