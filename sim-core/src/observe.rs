//! What the engine reports as it runs. The engine computes no metrics itself: it emits a
//! [`Record`] for every change it applies, and observers (the collectors in [`crate::metrics`],
//! the event digest, a user's own) compute what they need from the records and the view.

use crate::ids::{JobId, NodeId};
use crate::policy::StartKind;
use crate::time::SimTime;
use crate::view::ClusterView;

/// One applied change, in the order the engine applied it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Record {
    /// A job arrived and is pending.
    Arrived {
        /// The job.
        job: JobId,
    },
    /// A job ended `Failed` without running: see [`RejectReason`].
    Rejected {
        /// The job.
        job: JobId,
        /// Why.
        reason: RejectReason,
    },
    /// A job started (its placement is in `Job::alloc`).
    Started {
        /// The job.
        job: JobId,
        /// How the policy came to start it, as its [`crate::policy::Decision::Start`] said.
        kind: StartKind,
    },
    /// A job finished its work.
    Completed {
        /// The job.
        job: JobId,
    },
    /// A running job reached its requested time unfinished and was killed (`kill_at_limit`).
    TimedOut {
        /// The job.
        job: JobId,
        /// GPU time lost: all the work it had done × its GPUs, in GPU-seconds.
        lost_gpu_s: f64,
    },
    /// A running job was preempted and is pending again.
    Preempted {
        /// The job.
        job: JobId,
        /// GPU time lost (work since its last checkpoint × its GPUs), in GPU-seconds.
        lost_gpu_s: f64,
    },
    /// A running job was stopped by a failure: it is `Held` (it returns with
    /// [`Record::Requeued`]) or, past its retry limit, `Failed` ([`Record::GaveUp`] follows).
    Interrupted {
        /// The job.
        job: JobId,
        /// GPU time lost (work since its last checkpoint × its GPUs), in GPU-seconds.
        lost_gpu_s: f64,
    },
    /// A job stopped by a failure is pending again, after its restart overhead and back-off.
    Requeued {
        /// The job.
        job: JobId,
    },
    /// A job stopped by one failure more than its retry limit allows ended `Failed`.
    GaveUp {
        /// The job.
        job: JobId,
    },
    /// A node went down (its jobs were interrupted first).
    NodeDown {
        /// The node.
        node: NodeId,
        /// Why.
        cause: DownCause,
    },
    /// A node came back up.
    NodeUp {
        /// The node.
        node: NodeId,
    },
    /// A running job was suspended (time slicing) and is pending again, its progress kept.
    Suspended {
        /// The job.
        job: JobId,
        /// GPU time lost to the switch overhead (work × its GPUs), in GPU-seconds.
        lost_gpu_s: f64,
    },
    /// A running job's speed changed; its finish moved.
    RateChanged {
        /// The job.
        job: JobId,
        /// Speed before, in work-µs per µs.
        old_rate: f64,
        /// Speed after.
        new_rate: f64,
    },
}

impl Record {
    /// The job the record is about, if it is about one.
    pub fn job(&self) -> Option<JobId> {
        match *self {
            Record::Arrived { job }
            | Record::Rejected { job, .. }
            | Record::Started { job, .. }
            | Record::Completed { job }
            | Record::TimedOut { job, .. }
            | Record::Preempted { job, .. }
            | Record::Interrupted { job, .. }
            | Record::Requeued { job }
            | Record::GaveUp { job }
            | Record::Suspended { job, .. }
            | Record::RateChanged { job, .. } => Some(job),
            Record::NodeDown { .. } | Record::NodeUp { .. } => None,
        }
    }

    /// How the record changes the set of waiting jobs: a job joins it when it arrives, is
    /// preempted or suspended, or comes back after a failure; it leaves when it starts or is
    /// rejected. Queue orders keep their waiting sets by this one rule.
    pub fn waiting_change(&self) -> Option<Membership> {
        match *self {
            Record::Arrived { job }
            | Record::Preempted { job, .. }
            | Record::Suspended { job, .. }
            | Record::Requeued { job } => Some(Membership::Joins(job)),
            Record::Started { job, .. } | Record::Rejected { job, .. } => Some(Membership::Leaves(job)),
            Record::Completed { .. }
            | Record::TimedOut { .. }
            | Record::Interrupted { .. }
            | Record::GaveUp { .. }
            | Record::RateChanged { .. }
            | Record::NodeDown { .. }
            | Record::NodeUp { .. } => None,
        }
    }

    /// How the record changes the set of jobs holding resources: a job joins it when it
    /// starts and leaves it when it completes, times out, is preempted, suspended or
    /// interrupted. Fair-share orders charge and credit holdings by this one rule.
    pub fn running_change(&self) -> Option<Membership> {
        match *self {
            Record::Started { job, .. } => Some(Membership::Joins(job)),
            Record::Completed { job }
            | Record::TimedOut { job, .. }
            | Record::Preempted { job, .. }
            | Record::Suspended { job, .. }
            | Record::Interrupted { job, .. } => Some(Membership::Leaves(job)),
            Record::Arrived { .. }
            | Record::Rejected { .. }
            | Record::Requeued { .. }
            | Record::GaveUp { .. }
            | Record::RateChanged { .. }
            | Record::NodeDown { .. }
            | Record::NodeUp { .. } => None,
        }
    }
}

/// A job entering or leaving a set of jobs ([`Record::waiting_change`],
/// [`Record::running_change`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Membership {
    /// The job enters the set.
    Joins(JobId),
    /// The job leaves the set.
    Leaves(JobId),
}

/// Why a node went down.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DownCause {
    /// Its GPUs reached their shutdown temperature.
    Thermal,
    /// The node failed (a random failure or a scripted `node-failure`).
    Failure,
    /// Its rack's power distribution unit tripped.
    Power,
    /// It ran out of memory (a cascade: rescheduled jobs used more than they asked for).
    Overload,
    /// Its capacity was reclaimed (`spot-reclaim`).
    Reclaimed,
    /// It failed too often and was drained for a long repair (`[faults.lemons]`).
    Drained,
}

impl DownCause {
    /// The name written in outputs.
    pub fn name(self) -> &'static str {
        match self {
            DownCause::Thermal => "thermal-shutdown",
            DownCause::Failure => "node-failure",
            DownCause::Power => "pdu-trip",
            DownCause::Overload => "overload",
            DownCause::Reclaimed => "spot-reclaim",
            DownCause::Drained => "lemon-drain",
        }
    }
}

/// Why a job was failed without running.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RejectReason {
    /// It can never run on this cluster (larger than all of it, or a GPU model it lacks); it
    /// fails at arrival instead of blocking a FIFO queue forever.
    NeverFits,
    /// The run fails arrivals the policy does not place at once (fill experiments), and this
    /// one was not placed.
    NotPlacedOnArrival,
}

/// Something that watches a run.
pub trait Observer {
    /// Called for every record, right after the change is applied.
    fn on_record(&mut self, _record: &Record, _view: &ClusterView<'_>) {}

    /// Called once for every job when the engine lets go of it: at the end of the instant it
    /// ended in when the run streams its jobs (`EngineConfig::stream_jobs`), so in the order jobs
    /// end; otherwise, and for jobs still waiting, held or running when the run ends, at the end
    /// in arrival order. Per-job results (rows, percentiles) are collected here.
    fn on_retired(&mut self, _job: &crate::job::Job, _view: &ClusterView<'_>) {}

    /// Called once at the end of every instant, after the scheduler ran: the state is now
    /// constant until the next instant.
    fn on_instant_end(&mut self, _view: &ClusterView<'_>) {}

    /// Called at each sampling time (every `sample_interval`), with the state at that time.
    fn on_sample(&mut self, _at: SimTime, _view: &ClusterView<'_>) {}

    /// Called once when the run ends, at `end`.
    fn on_end(&mut self, _end: SimTime, _view: &ClusterView<'_>) {}
}
