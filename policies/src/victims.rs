//! Making room for a job by stopping running ones (preemption and time slicing).
//!
//! The victims are the shortest prefix of the candidates (already in the rule's order) whose
//! release lets the job be placed; then each chosen victim whose release turns out not to be
//! needed is spared, the last chosen first. So for victims of equal size the set is the
//! smallest possible, and it is always one from which no victim can be dropped.

use sim_core::ids::JobId;
use sim_core::job::Job;
use sim_core::resources::TaskAlloc;
use sim_core::time::SimTime;

use crate::placement::{Placement, give_back_all};
use crate::round::Round;

/// A rule for stopping running jobs to make room for a waiting one (preemption, time slicing):
/// which running jobs it may stop, and in which order it tries them.
pub(crate) trait StopRule {
    /// True when `victim`, running, may be stopped at `now` to make room for `job`.
    fn may_stop(&self, victim: &Job, job: &Job, now: SimTime) -> bool;

    /// Sorts `candidates` into the order they are tried at `now`, the first first.
    fn order(&self, candidates: &mut [&Job], now: SimTime);
}

/// Stops the fewest of the running jobs that `rule` may stop, tried in its order, that let
/// `job` be placed, and places it; returns the victims and the placement, or `None` with the
/// round unchanged.
pub(crate) fn make_room(
    round: &mut Round<'_>,
    placement: &mut dyn Placement,
    job: &Job,
    rule: &impl StopRule,
) -> Option<(Vec<JobId>, Vec<TaskAlloc>)> {
    let now = round.now();
    let mut candidates: Vec<&Job> = round.running().filter(|v| rule.may_stop(v, job, now)).collect();
    if candidates.is_empty() {
        return None;
    }
    rule.order(&mut candidates, now);
    let ids: Vec<JobId> = candidates.iter().map(|v| v.id).collect();
    stop_fewest(round, placement, job, &ids)
}

/// Stops the fewest candidates (in order) that let `job` be placed, and places it; returns the
/// victims and the placement, or `None` with the round unchanged.
fn stop_fewest(
    round: &mut Round<'_>,
    placement: &mut dyn Placement,
    job: &Job,
    candidates: &[JobId],
) -> Option<(Vec<JobId>, Vec<TaskAlloc>)> {
    let view = round.view;
    let need = job.spec.gpu_milli();
    let mut trial = round.trial.clone();
    let mut free = round.free_gpu_milli();
    let mut prefix = None;
    for (i, &id) in candidates.iter().enumerate() {
        let victim = view.job(id);
        give_back_all(&mut trial, &victim.alloc);
        free += victim.spec.gpu_milli();
        // A failed placement leaves the trial as it was; a successful one ends the search.
        if free >= need && placement.place(&mut trial, job).is_some() {
            prefix = Some(i + 1);
            break;
        }
    }
    let mut victims = candidates[..prefix?].to_vec();
    for i in (0..victims.len()).rev() {
        let mut without = round.trial.clone();
        for (k, &id) in victims.iter().enumerate() {
            if k != i {
                give_back_all(&mut without, &view.job(id).alloc);
            }
        }
        if placement.place(&mut without, job).is_some() {
            victims.remove(i);
        }
    }
    round.stop(&victims);
    match round.place(placement, job) {
        Some(tasks) => Some((victims, tasks)),
        None => {
            round.unstop(&victims);
            None
        }
    }
}
