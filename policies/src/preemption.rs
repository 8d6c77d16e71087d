//! Preemption: a job that cannot start may stop running jobs of lower priority.
//!
//! Candidates are running, preemptible jobs of strictly lower priority that have run at least
//! `grace` since they last (re)started and have been preempted fewer than `max_preemptions`
//! times. They are ordered by the rule, and the smallest set that makes room is taken (see
//! [`crate::victims`]). Victims lose the work since their last checkpoint and return to the
//! queue. Ties in every rule go to the most recently arrived job (the higher id).

use std::cmp::Reverse;

use sim_core::ids::JobId;
use sim_core::job::Job;
use sim_core::resources::{MILLI_PER_GPU, TaskAlloc};
use sim_core::time::SimTime;

use crate::parts::PreemptionKind;
use crate::placement::Placement;
use crate::round::Round;
use crate::spec::PreemptionSpec;
use crate::victims::make_room;

/// The preemption settings of a policy.
pub(crate) struct Preemption {
    spec: PreemptionSpec,
}

impl Preemption {
    /// Preemption with a victim rule, grace period and cap.
    pub(crate) fn new(spec: PreemptionSpec) -> Preemption {
        Preemption { spec }
    }

    /// True when `victim` may be preempted for a job of priority `priority` at `now`, grace aside.
    fn may_preempt(&self, victim: &Job, priority: i32) -> bool {
        victim.spec.preemptible
            && victim.spec.priority < priority
            && self.spec.max_per_job.is_none_or(|cap| victim.preemptions < cap)
    }

    /// When `victim`'s grace period ends.
    fn grace_end(&self, victim: &Job) -> SimTime {
        victim
            .last_start
            .unwrap_or(SimTime::ZERO)
            .saturating_add(self.spec.grace)
    }

    /// Preempts the fewest candidates, in the rule's order, that let `job` start; returns the
    /// victims and the job's placement.
    pub(crate) fn make_room(
        &self,
        round: &mut Round<'_>,
        placement: &mut dyn Placement,
        job: &Job,
    ) -> Option<(Vec<JobId>, Vec<TaskAlloc>)> {
        let now = round.now();
        let mut candidates: Vec<&Job> = round
            .running()
            .filter(|v| self.may_preempt(v, job.spec.priority) && self.grace_end(v) <= now)
            .collect();
        if candidates.is_empty() {
            return None;
        }
        self.order(&mut candidates, now);
        let ids: Vec<JobId> = candidates.iter().map(|v| v.id).collect();
        make_room(round, placement, job, &ids)
    }

    /// The next time a grace period ends that could let one of `blocked` preempt.
    pub(crate) fn next_wake(&self, round: &Round<'_>, blocked: &[JobId]) -> Option<SimTime> {
        let top = blocked.iter().map(|&id| round.view.job(id).spec.priority).max()?;
        round
            .running()
            .filter(|v| self.may_preempt(v, top))
            .map(|v| self.grace_end(v))
            .filter(|&t| t > round.now())
            .min()
    }

    /// Sorts candidates by the victim rule.
    fn order(&self, candidates: &mut [&Job], now: SimTime) {
        let progress = |j: &Job| j.progress_fraction_at(now);
        match self.spec.rule {
            PreemptionKind::None => {}
            PreemptionKind::LeastProgress => candidates.sort_by(|a, b| {
                progress(a)
                    .total_cmp(&progress(b))
                    .then(Reverse(a.id).cmp(&Reverse(b.id)))
            }),
            PreemptionKind::LowestPriority => candidates.sort_by(|a, b| {
                a.spec
                    .priority
                    .cmp(&b.spec.priority)
                    .then(progress(a).total_cmp(&progress(b)))
                    .then(Reverse(a.id).cmp(&Reverse(b.id)))
            }),
            PreemptionKind::Newest => candidates.sort_by_key(|j| (Reverse(j.last_start), Reverse(j.id))),
            PreemptionKind::MinLostWork => candidates.sort_by(|a, b| {
                lost_gpu_s(a, now)
                    .total_cmp(&lost_gpu_s(b, now))
                    .then(progress(a).total_cmp(&progress(b)))
                    .then(Reverse(a.id).cmp(&Reverse(b.id)))
            }),
        }
    }
}

/// GPU-seconds a running job would lose if preempted at `now`: its work since the last
/// checkpoint × its GPUs (what the engine will count).
fn lost_gpu_s(job: &Job, now: SimTime) -> f64 {
    let done = job.work_done_at(now);
    let saved = job.checkpointed_part(done).max(job.checkpointed_work);
    (done - saved) / 1e6 * job.spec.gpu_milli() as f64 / f64::from(MILLI_PER_GPU)
}
