//! Gang time slicing: when a job waits, running jobs of the same priority that have run a
//! whole slice (`time_slice`) since they last (re)started are suspended to make room for it,
//! those that have run longest first, in the smallest set that makes room (see
//! [`crate::victims`]). A suspended job keeps its progress but loses `switch_overhead` of work
//! per suspension (counted in `lost_gpu_s`), and returns to the queue at its arrival position,
//! so jobs that do not fit together take turns. Only preemptible jobs are suspended. The policy
//! asks to be woken when the next slice ends while jobs of that priority wait.

use std::collections::BTreeSet;

use sim_core::ids::JobId;
use sim_core::job::Job;
use sim_core::time::SimTime;

use crate::round::Round;
use crate::spec::SlicingSpec;
use crate::victims::StopRule;

/// The time-slicing settings of a policy.
pub(crate) struct TimeSlicing {
    spec: SlicingSpec,
}

impl TimeSlicing {
    /// Slicing with a slice length and a per-switch overhead.
    pub(crate) fn new(spec: SlicingSpec) -> TimeSlicing {
        TimeSlicing { spec }
    }

    /// Work lost per suspension.
    pub(crate) fn overhead(&self) -> SimTime {
        self.spec.overhead
    }

    /// When `job`'s current slice ends.
    fn slice_end(&self, job: &Job) -> SimTime {
        job.last_start.unwrap_or(SimTime::ZERO).saturating_add(self.spec.slice)
    }

    /// The next slice end of a running job whose priority one of `waiting` shares.
    pub(crate) fn next_wake(&self, round: &Round<'_>, waiting: &[JobId]) -> Option<SimTime> {
        let priorities: BTreeSet<i32> = waiting.iter().map(|&id| round.view.job(id).spec.priority).collect();
        let now = round.now();
        let running = round.running().map(|r| (r, self.slice_end(r)));
        let started = round
            .started
            .iter()
            .map(|id| (round.view.job(*id), now.saturating_add(self.spec.slice)));
        running
            .chain(started)
            .filter(|(r, end)| r.spec.preemptible && priorities.contains(&r.spec.priority) && *end > now)
            .map(|(_, end)| end)
            .min()
    }
}

/// `slice_start_s=S`: when `job`'s slice began (its last (re)start), in whole seconds: what the
/// why-log gives for a job time slicing suspends. Its own key, apart from the `last_start_s` of
/// the `newest` preemption rule, so that a reader tells a suspension from a preemption.
pub(crate) fn slice_start(job: &Job) -> String {
    format!(
        "slice_start_s={}",
        job.last_start.unwrap_or(SimTime::ZERO).as_secs_f64().round()
    )
}

impl StopRule for TimeSlicing {
    /// Preemptible jobs of `job`'s priority whose slice is over.
    fn may_stop(&self, victim: &Job, job: &Job, now: SimTime) -> bool {
        victim.spec.preemptible && victim.spec.priority == job.spec.priority && self.slice_end(victim) <= now
    }

    /// Those that have run longest since they last (re)started first.
    fn order(&self, candidates: &mut [&Job], _: SimTime) {
        candidates.sort_by_key(|r| (r.last_start, r.id));
    }
}
