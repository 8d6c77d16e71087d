//! The contract between the engine and scheduling policies.
//!
//! A policy reads a [`ClusterView`] and returns [`Decision`]s; it never touches engine state.
//! The engine applies decisions in order and checks each one (the job is in the right state,
//! the placement matches the request, the resources are free), so a faulty policy produces an
//! error naming it, never a corrupted run.

use crate::ids::JobId;
use crate::observe::Record;
use crate::resources::TaskAlloc;
use crate::time::SimTime;
use crate::view::ClusterView;

/// One scheduling action.
#[derive(Clone, Debug, PartialEq)]
pub enum Decision {
    /// Start a pending job with one allocation per task (in task order).
    Start {
        /// The job.
        job: JobId,
        /// Where each task goes.
        placement: Vec<TaskAlloc>,
        /// How the policy came to start it (reported with the start, [`Record::Started`]).
        kind: StartKind,
    },
    /// Stop a running preemptible job and return it to the queue; its work since the last
    /// checkpoint is lost.
    Preempt {
        /// The job.
        job: JobId,
    },
    /// Stop a running preemptible job and return it to the queue keeping its progress, less
    /// `overhead` of work (the cost of saving and later restoring its state, never more than
    /// the work it has done). Time slicing rotates gangs with this; unlike [`Decision::Preempt`]
    /// it does not fall back to the last checkpoint.
    Suspend {
        /// The job.
        job: JobId,
        /// Work lost by the switch, in reference time (`switch_overhead`).
        overhead: SimTime,
    },
    /// Run the policy again at this time even if nothing else happens then (time slices,
    /// grace periods). The current instant asks for another round at this instant once this
    /// round's decisions are applied (jobs it stopped wait again and may start, or stop others,
    /// at once); earlier times are ignored. A policy that asks for that at every round never
    /// lets the instant end and meets the engine's same-instant bound.
    WakeAt(SimTime),
    /// A part of the policy broke its contract (a queue order offered a job that is not
    /// waiting, or one job twice in a round): the engine ends the run with
    /// [`crate::engine::RunError::InvalidDecision`] naming the job and `reason`, after the
    /// decisions before this one. A policy built from parts reports what a part did wrong this
    /// way instead of failing inside the round.
    Invalid {
        /// The job concerned.
        job: JobId,
        /// What was wrong.
        reason: String,
    },
}

/// How a policy came to start a job: the `decision` of the attempt in `timeline.json` and the
/// outcome of the start in the why-log (`decisions.csv`). The engine only reports it
/// ([`Record::Started`]); it changes nothing in the run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum StartKind {
    /// In its turn: the queue order reached it and it fit (a policy that does not say how it
    /// decides starts every job this way).
    #[default]
    Started,
    /// Ahead of a blocked job, by the backfill pass.
    Backfilled,
    /// After preempting or suspending running jobs to make room for it.
    PreemptedOthers,
}

impl StartKind {
    /// Its name in `timeline.json` and `decisions.csv`.
    pub fn name(self) -> &'static str {
        match self {
            StartKind::Started => "started",
            StartKind::Backfilled => "backfilled",
            StartKind::PreemptedOthers => "preempted-others",
        }
    }
}

/// A scheduling policy.
///
/// The engine calls [`Policy::schedule`] once per instant, after every event of that instant
/// has been applied, whenever jobs are waiting, and at the times it asked for with
/// [`Decision::WakeAt`]. Decisions are applied in the order given, each
/// seeing the effect of the ones before it (a preemption frees resources for a later start).
pub trait Policy {
    /// The name the policy was resolved from, used in error messages and outputs.
    fn name(&self) -> &str;

    /// Appends this instant's decisions to `decisions` (which arrives empty).
    fn schedule(&mut self, view: &ClusterView<'_>, decisions: &mut Vec<Decision>);

    /// Told of everything that happens, after it is applied; policies that keep incremental
    /// state (shares, indexes) update it here. The default ignores it.
    fn observe(&mut self, _record: &Record, _view: &ClusterView<'_>) {}
}
