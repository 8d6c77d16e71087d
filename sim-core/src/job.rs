//! Jobs: what a trace asks for ([`JobSpec`]) and what happens to it in a run ([`Job`]).
//!
//! Life cycle: `Pending → Running → Completed | Failed | Timeout` (or `NeverFits` at arrival), and
//! `Running → Pending` again
//! when preempted (work since the last checkpoint is lost and counted) or suspended by time
//! slicing (progress kept, less the switch overhead, which is counted). A failure of something
//! a running job uses moves it to `Held` (work since the last checkpoint lost), and from there
//! back to `Pending` after its restart overhead and back-off, or to `Failed` past its retry
//! limit. A job still pending, held or running when the run ends is reported in that state.

use crate::cluster::GpuTypeSet;
use crate::ids::{JobId, QueueId, UserId};
use crate::ledger::{Cycle, Ledger, Phase, TimeSplit};
use crate::resources::{MILLI_PER_GPU, TaskAlloc, TaskRequest};
use crate::time::SimTime;

/// A job as a trace describes it (the native CSV contract, docs/traces.md).
#[derive(Clone, Debug, PartialEq)]
pub struct JobSpec {
    /// Unique id from the trace.
    pub id: String,
    /// Submission time.
    pub submit: SimTime,
    /// Run time on the reference GPU type at full speed: the job's work.
    pub duration: SimTime,
    /// Number of tasks (gang size): all start together or none do.
    pub tasks: u32,
    /// What each task needs on its node.
    pub task: TaskRequest,
    /// GPU models the job may use; empty means any.
    pub gpu_types: Vec<String>,
    /// Tenant, for fair share.
    pub user: String,
    /// Queue, for quotas.
    pub queue: String,
    /// Higher runs first and may preempt lower.
    pub priority: i32,
    /// Whether the job may be preempted.
    pub preemptible: bool,
    /// Checkpoint interval, in work time; zero means never (all progress is lost on preemption).
    pub checkpoint: SimTime,
    /// Stall to write one checkpoint, in job time (docs/training.md); zero by default.
    pub checkpoint_cost: SimTime,
    /// Job time after a checkpoint's stall ends until the checkpoint counts: an asynchronous
    /// write still running while the job goes on (docs/training.md); zero by default.
    pub checkpoint_lag: SimTime,
    /// Reload and warm-up before a job restored from a checkpoint (after a preemption or an
    /// interruption) makes progress again; zero by default.
    pub warmup: SimTime,
    /// The user's run-time estimate (backfilling reads it).
    pub requested: SimTime,
    /// Share of full-speed run time spent communicating (network slowdown).
    pub comm_fraction: f64,
}

impl JobSpec {
    /// A job with the contract's defaults for every optional column.
    pub fn new(id: impl Into<String>, submit: SimTime, duration: SimTime, tasks: u32, task: TaskRequest) -> JobSpec {
        JobSpec::with_owner(id, submit, duration, tasks, task, None, None)
    }

    /// A job of `user` in `queue`, each `default` when `None` (the trace does not name it), with
    /// the contract's defaults for every other optional column. Readers that know the names
    /// build the job with them here rather than replacing the defaults [`JobSpec::new`]
    /// allocates.
    pub fn with_owner(
        id: impl Into<String>,
        submit: SimTime,
        duration: SimTime,
        tasks: u32,
        task: TaskRequest,
        user: Option<&str>,
        queue: Option<&str>,
    ) -> JobSpec {
        const DEFAULT: &str = "default";
        JobSpec {
            id: id.into(),
            submit,
            duration,
            tasks,
            task,
            gpu_types: Vec::new(),
            user: user.unwrap_or(DEFAULT).to_string(),
            queue: queue.unwrap_or(DEFAULT).to_string(),
            priority: 0,
            preemptible: true,
            checkpoint: SimTime::ZERO,
            checkpoint_cost: SimTime::ZERO,
            checkpoint_lag: SimTime::ZERO,
            warmup: SimTime::ZERO,
            requested: duration,
            comm_fraction: 0.0,
        }
    }

    /// GPU capacity the whole job holds while running, in milli-GPU.
    pub fn gpu_milli(&self) -> u64 {
        u64::from(self.tasks) * self.task.gpu_milli()
    }

    /// GPUs the whole job holds, as a decimal number.
    pub fn gpus(&self) -> f64 {
        self.gpu_milli() as f64 / f64::from(MILLI_PER_GPU)
    }
}

/// Where a job is in its life cycle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum JobState {
    /// Waiting to start (or to restart after preemption).
    Pending,
    /// Holding its resources and making progress.
    Running,
    /// Stopped by a failure and waiting, outside the queue, for its restart overhead and
    /// back-off to pass (or for the circuit breaker to close).
    Held,
    /// Finished all its work.
    Completed,
    /// Ended without finishing: its failures ran out, or a fill run did not place it on arrival.
    Failed,
    /// Refused at arrival: the cluster could not hold it even empty (more than it has, or a
    /// GPU model it lacks); it never blocks a queue.
    NeverFits,
    /// Killed when its run reached its requested time (`policy.kill_at_limit`), unfinished.
    Timeout,
}

impl JobState {
    /// The name written in `jobs.csv`.
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Pending => "pending",
            JobState::Running => "running",
            JobState::Held => "held",
            JobState::Completed => "completed",
            JobState::Failed => "failed",
            JobState::NeverFits => "never-fits",
            JobState::Timeout => "timeout",
        }
    }

    /// True for the three states a job never leaves.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            JobState::Completed | JobState::Failed | JobState::NeverFits | JobState::Timeout
        )
    }
}

/// Progress-rate execution state of a running job.
///
/// Work is measured in microseconds of full-speed run time on the reference GPU type. The job
/// advances at `rate` work-µs per simulated µs; whenever the rate changes, `remaining` is brought
/// up to date and the finish event is rescheduled with a new `version`, so the old finish event
/// is recognised as stale when it pops.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Progress {
    /// Work left, in reference µs.
    pub remaining: f64,
    /// Current speed: work-µs per µs (1.0 = full speed on the reference type).
    pub rate: f64,
    /// When `remaining` was last brought up to date.
    pub updated_at: SimTime,
    /// Bumped on every reschedule; a finish event carrying an older version is stale.
    pub version: u32,
}

impl Progress {
    /// Work left as of `now`, without changing the stored state.
    pub fn remaining_at(&self, now: SimTime) -> f64 {
        (self.remaining - (now - self.updated_at).as_micros() as f64 * self.rate).max(0.0)
    }

    /// When the job finishes at the current rate, rounded up to the next whole microsecond
    /// (never early); `None` when stalled at rate zero.
    pub fn finish_time(&self) -> Option<SimTime> {
        (self.rate > 0.0).then(|| {
            self.updated_at
                .saturating_add(SimTime((self.remaining / self.rate).ceil() as u64))
        })
    }
}

/// The factors of a running job's speed, each 1 at full speed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct JobSpeed {
    /// Network contention on shared uplinks.
    pub network: f64,
    /// Power caps, thermal caps and slowdowns (the slowest of its nodes).
    pub power: f64,
    /// GPU sharing: time-slice turns and switches, MPS interference (the slowest of its
    /// devices; see [`crate::sharing`]).
    pub sharing: f64,
}

impl JobSpeed {
    /// Nothing slows the job.
    pub const FULL: JobSpeed = JobSpeed {
        network: 1.0,
        power: 1.0,
        sharing: 1.0,
    };

    /// The job's rate: work-µs per µs.
    pub fn rate(&self) -> f64 {
        self.network * self.power * self.sharing
    }
}

/// A job in a run: its spec and everything that happened to it.
#[derive(Clone, Debug)]
pub struct Job {
    /// Dense id (arrival order).
    pub id: JobId,
    /// The trace's description.
    pub spec: JobSpec,
    /// Interned tenant.
    pub user: UserId,
    /// Interned queue.
    pub queue: QueueId,
    /// GPU models it may run on, resolved against the cluster.
    pub allowed_gpu_types: GpuTypeSet,
    /// Life-cycle state.
    pub state: JobState,
    /// When it first started.
    pub first_start: Option<SimTime>,
    /// When its current (or last) attempt started.
    pub last_start: Option<SimTime>,
    /// When it reached a terminal state.
    pub end: Option<SimTime>,
    /// Where its tasks run (while `Running`) or last ran (after it ended or was preempted);
    /// empty if it never started. Only a running job holds these resources.
    pub alloc: Vec<TaskAlloc>,
    /// Execution state; `rate` keeps the last speed after the job stops.
    pub progress: Progress,
    /// What its speed is made of (while running).
    pub speed: JobSpeed,
    /// Job time (work and checkpoint writes, [`crate::ledger`]) already done and saved by a
    /// checkpoint, in reference µs: a restart resumes here.
    pub checkpointed_work: f64,
    /// How its checkpoint cycle maps job time to work.
    pub cycle: Cycle,
    /// Where its time went.
    pub ledger: Ledger,
    /// Times it started again after a preemption, suspension or failure.
    pub restarts: u32,
    /// Times it was preempted.
    pub preemptions: u32,
    /// Times it was interrupted by a failure (a node or switch it used went down).
    pub interruptions: u32,
    /// Times it was suspended by time slicing (progress kept, less the switch overhead).
    pub suspensions: u32,
    /// GPU time lost to preemptions and failures (work since the last checkpoint) and to
    /// suspension overheads, in GPU-seconds.
    pub lost_gpu_s: f64,
    /// Its place in the queue while pending: arrival order, or later than every waiting job
    /// after a failure with `requeue = "back"`. Lower goes first among equals.
    pub queue_position: u64,
    /// The incident (index in the run's incident log) that last stopped it, if any.
    pub incident: Option<u32>,
}

impl Job {
    /// A newly arrived job, pending.
    pub fn new(id: JobId, spec: JobSpec, user: UserId, queue: QueueId, allowed_gpu_types: GpuTypeSet) -> Job {
        let cycle = Cycle::of(&spec);
        Job {
            id,
            user,
            queue,
            allowed_gpu_types,
            state: JobState::Pending,
            first_start: None,
            last_start: None,
            end: None,
            alloc: Vec::new(),
            progress: Progress {
                remaining: cycle.length(),
                rate: 0.0,
                updated_at: spec.submit,
                version: 0,
            },
            speed: JobSpeed::FULL,
            checkpointed_work: 0.0,
            cycle,
            ledger: Ledger::default(),
            restarts: 0,
            preemptions: 0,
            interruptions: 0,
            suspensions: 0,
            lost_gpu_s: 0.0,
            queue_position: u64::from(id.0),
            incident: None,
            spec,
        }
    }

    /// Work done in the current attempt plus what earlier attempts saved, in reference µs, as of `now`.
    pub fn work_done_at(&self, now: SimTime) -> f64 {
        match self.state {
            JobState::Running => self.cycle.work_at(self.position_at(now).max(self.checkpointed_work)),
            JobState::Completed => self.cycle.work,
            _ => self.cycle.work_at(self.checkpointed_work),
        }
    }

    /// Where a running job is on its job-time axis as of `now`, µs (below its last checkpoint
    /// while warming up).
    pub fn position_at(&self, now: SimTime) -> f64 {
        self.cycle.length() - self.progress.remaining_at(now)
    }

    /// Where its time went since its first start, as of `now`.
    pub fn time_split(&self, now: SimTime) -> TimeSplit {
        let phase = match self.state {
            JobState::Running => Phase::Running {
                cycle: &self.cycle,
                position: self.position_at(now),
            },
            JobState::Held => Phase::Held,
            JobState::Pending => Phase::Waiting,
            _ => Phase::Ended,
        };
        let now = self.end.unwrap_or(now);
        self.ledger.split(now, self.first_start, phase)
    }

    /// Fraction of the job's work done as of `now`, in [0, 1].
    pub fn progress_fraction_at(&self, now: SimTime) -> f64 {
        self.work_done_at(now) / self.spec.duration.as_micros().max(1) as f64
    }

    /// The job time a checkpoint would have saved out of `done` µs of job time: the last whole
    /// multiple of the checkpoint cycle, or nothing when the job never checkpoints.
    pub fn checkpointed_part(&self, done: f64) -> f64 {
        self.cycle.saved(done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(duration_s: u64, checkpoint_s: u64) -> Job {
        let mut spec = JobSpec::new(
            "j",
            SimTime::ZERO,
            SimTime::from_secs(duration_s),
            1,
            TaskRequest::default(),
        );
        spec.checkpoint = SimTime::from_secs(checkpoint_s);
        Job::new(JobId(0), spec, UserId(0), QueueId(0), GpuTypeSet::ANY)
    }

    #[test]
    fn names_a_trace_leaves_out_are_default() {
        let spec = |user, queue| {
            let task = TaskRequest::default();
            JobSpec::with_owner("j", SimTime::ZERO, SimTime::from_secs(1), 1, task, user, queue)
        };
        let named = spec(Some("alice"), None);
        assert_eq!((named.user.as_str(), named.queue.as_str()), ("alice", "default"));
        let queued = spec(None, Some("gpu"));
        assert_eq!((queued.user.as_str(), queued.queue.as_str()), ("default", "gpu"));
        let plain = JobSpec::new("j", SimTime::ZERO, SimTime::from_secs(1), 1, TaskRequest::default());
        assert_eq!(plain, spec(None, None), "new is with_owner with neither name");
    }

    #[test]
    fn finish_time_rounds_up_to_whole_microseconds() {
        // 10 µs of work at rate 3 takes 3.33 µs: the job must not finish before 4 µs.
        let p = Progress {
            remaining: 10.0,
            rate: 3.0,
            updated_at: SimTime(100),
            version: 0,
        };
        assert_eq!(p.finish_time(), Some(SimTime(104)));
        assert_eq!(Progress { rate: 0.0, ..p }.finish_time(), None);
        // After 2 µs at rate 3, 4 µs of work is left.
        assert_eq!(p.remaining_at(SimTime(102)), 4.0);
    }

    #[test]
    fn checkpoints_save_whole_intervals() {
        // Interval 1 h, 2.5 h done: the checkpoint at 2 h holds; 0.5 h would be lost.
        let j = job(10 * 3600, 3600);
        let done = 2.5 * 3600e6;
        assert_eq!(j.checkpointed_part(done), 2.0 * 3600e6);
        assert_eq!(job(100, 0).checkpointed_part(50e6), 0.0);
    }
}
