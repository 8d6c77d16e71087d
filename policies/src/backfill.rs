//! EASY backfilling (Lifka, "The ANL/IBM SP Scheduling System", JSSPP 1995; Mu'alem and
//! Feitelson, "Utilization, Predictability, Workloads, and User Runtime Estimates in
//! Scheduling the IBM SP2 with Backfilling", IEEE TPDS 2001).
//!
//! The first job of the round that cannot start (the head) gets a reservation: running jobs
//! are assumed to end at their start plus their estimate (`requested_s`, less the work a
//! restarted job had saved), and the shadow time is the first of those ends at which the head
//! can be placed, all earlier-ending jobs' resources released. The placement found for it then
//! is its reservation; what it leaves free at the shadow time is the "extra". A later job may
//! start now if it fits now and either its estimate ends by the shadow time, or the resources
//! it takes are among the extra (first the placement chosen now is checked against the
//! reservation; failing that, a placement within the extra is tried and must also fit now).
//! Only the head is protected; the reservation is recomputed every round.
//!
//! A job that outlives its estimate is assumed to end now (its estimated end is clamped to the
//! present), so the shadow time can be now: then only jobs that fit in the extra backfill, and
//! the head starts as soon as the overdue job really ends. Jobs are never killed at their
//! estimate, and a backfilled job is never stopped when the head's reservation slips.

use sim_core::cluster::Trial;
use sim_core::ids::JobId;
use sim_core::job::Job;
use sim_core::resources::TaskAlloc;
use sim_core::time::SimTime;

use crate::placement::{Placement, give_back_all};
use crate::round::{Round, max_node_free, take_all};

/// The head job's reservation in one round.
pub(crate) struct Reservation<'v> {
    /// When the head is expected to start.
    shadow: SimTime,
    /// The cluster at the shadow time, the head and the backfilled jobs that outlast the
    /// shadow time placed: what is free here is the extra.
    at_shadow: Trial<'v>,
    /// Total extra GPU capacity, in milli-GPU (exact).
    extra_gpu_milli: u64,
    /// No node has more extra GPU capacity than this (an upper bound).
    max_node_extra_gpu_milli: u64,
}

impl<'v> Reservation<'v> {
    /// The reservation of `head`, which cannot start in `round` now.
    pub(crate) fn new(round: &Round<'v>, placement: &mut dyn Placement, head: &Job) -> Reservation<'v> {
        let now = round.now();
        let view = round.view;
        let mut ends: Vec<(SimTime, JobId, &[TaskAlloc])> = round
            .running()
            .map(|j| (expected_end(j, now), j.id, &j.alloc[..]))
            .chain(
                round
                    .started
                    .iter()
                    .map(|(id, tasks)| (now.saturating_add(estimate(view.job(*id))), *id, &tasks[..])),
            )
            .collect();
        ends.sort_by_key(|&(end, id, _)| (end, id));
        let mut trial = round.trial.clone();
        let mut free = round.free_gpu_milli();
        let mut max_node = max_node_free(&trial);
        let need = head.spec.gpu_milli();
        let task_need = head.spec.task.gpu_milli();
        let mut i = 0;
        while i < ends.len() {
            let end = ends[i].0;
            while i < ends.len() && ends[i].0 == end {
                give_back_all(&mut trial, ends[i].2);
                for task in ends[i].2 {
                    free += task.gpu_milli();
                    max_node = max_node.max(trial.free_gpu_milli(task.node));
                }
                i += 1;
            }
            // Placement is tried only once the head could fit by the totals.
            if free >= need && max_node >= task_need && placement.place(&mut trial, head).is_some() {
                return Reservation::at(end, trial, free - need);
            }
        }
        // The head fits nowhere even when every running job has ended (its GPU model is held
        // by nothing it could wait for): it constrains nothing.
        Reservation::at(SimTime::MAX, round.trial.clone(), round.free_gpu_milli())
    }

    fn at(shadow: SimTime, at_shadow: Trial<'v>, extra_gpu_milli: u64) -> Reservation<'v> {
        Reservation {
            shadow,
            max_node_extra_gpu_milli: max_node_free(&at_shadow),
            at_shadow,
            extra_gpu_milli,
        }
    }

    /// Takes `tasks` on the shadow-time trial, or nothing if one of them does not fit there.
    fn take_extra(&mut self, tasks: &[TaskAlloc]) -> bool {
        if !take_all(&mut self.at_shadow, tasks) {
            return false;
        }
        self.extra_gpu_milli -= tasks.iter().map(TaskAlloc::gpu_milli).sum::<u64>();
        true
    }

    /// Places `job` now if that does not delay the head; `None` leaves the round unchanged.
    pub(crate) fn admit(
        &mut self,
        round: &mut Round<'v>,
        placement: &mut dyn Placement,
        job: &Job,
    ) -> Option<Vec<TaskAlloc>> {
        let ends_in_time = round.now().saturating_add(estimate(job)) <= self.shadow;
        if !ends_in_time
            && (job.spec.gpu_milli() > self.extra_gpu_milli
                || job.spec.task.gpu_milli() > self.max_node_extra_gpu_milli)
        {
            return None;
        }
        let now_tasks = round.place(placement, job)?;
        if ends_in_time || self.take_extra(&now_tasks) {
            return Some(now_tasks);
        }
        round.unplace(&now_tasks);
        let extra_tasks = placement.place(&mut self.at_shadow, job)?;
        if round.take(&extra_tasks) {
            self.extra_gpu_milli -= job.spec.gpu_milli();
            Some(extra_tasks)
        } else {
            give_back_all(&mut self.at_shadow, &extra_tasks);
            None
        }
    }
}

/// The estimated run time of a job from its (re)start: `requested_s` less the work it had saved.
fn estimate(job: &Job) -> SimTime {
    SimTime(
        job.spec
            .requested
            .as_micros()
            .saturating_sub(job.checkpointed_work as u64),
    )
}

/// When a running job is expected to end: start + estimate, or now if it has outlived it.
fn expected_end(job: &Job, now: SimTime) -> SimTime {
    job.last_start.unwrap_or(now).saturating_add(estimate(job)).max(now)
}
