//! One scheduling round: the tentative state of the cluster as the round starts, stops and
//! places jobs, before the engine applies any of it.

use sim_core::cluster::{Trial, TrialMemory};
use sim_core::ids::JobId;
use sim_core::job::Job;
use sim_core::jobs::GpuDemand;
use sim_core::resources::TaskAlloc;
use sim_core::time::SimTime;
use sim_core::view::ClusterView;

use crate::placement::{Placement, give_back_all};

/// The cluster as this round's decisions would leave it.
pub(crate) struct Round<'v> {
    /// What the policy was given.
    pub(crate) view: ClusterView<'v>,
    /// Free resources after this round's tentative stops and starts.
    pub(crate) trial: Trial<'v>,
    /// Free GPU capacity of the whole trial, in milli-GPU (exact).
    free_gpu_milli: u64,
    /// No node of the trial has more free GPU capacity than this (an upper bound that lets a
    /// round skip, in O(1), jobs that cannot fit anywhere).
    max_node_free_gpu_milli: u64,
    /// Whether the bound is exact (false once a start may have lowered the true maximum).
    bound_exact: bool,
    /// Jobs started this round, in order (their placements are in the round's `Start`
    /// decisions, in the same order).
    pub(crate) started: Vec<JobId>,
    /// Running jobs stopped (preempted or suspended) this round.
    stopped: Vec<JobId>,
    /// Bumped whenever the trial changes (a start, a stop, a stop undone), so that what was
    /// worked out on it can tell whether it still holds.
    version: u64,
}

impl<'v> Round<'v> {
    /// A round on the cluster as it is, its trial in `memory` (see [`Round::into_memory`]).
    pub(crate) fn new(view: ClusterView<'v>, memory: TrialMemory) -> Round<'v> {
        Round {
            view,
            trial: Trial::reusing(view.cluster, memory),
            free_gpu_milli: view.cluster.total_gpu_milli() - view.cluster.allocated_gpu_milli(),
            max_node_free_gpu_milli: view.cluster.max_node_free_gpu_milli(),
            bound_exact: true,
            started: Vec::new(),
            stopped: Vec::new(),
            version: 0,
        }
    }

    /// Changes as the trial does (see the field); equal versions of one round mean the same
    /// free resources.
    pub(crate) fn version(&self) -> u64 {
        self.version
    }

    /// Ends the round, keeping its trial's memory for the next round.
    pub(crate) fn into_memory(self) -> TrialMemory {
        self.trial.into_memory()
    }

    /// The current instant.
    pub(crate) fn now(&self) -> SimTime {
        self.view.now
    }

    /// Free GPU capacity of the trial, in milli-GPU.
    pub(crate) fn free_gpu_milli(&self) -> u64 {
        self.free_gpu_milli
    }

    /// Jobs running and not stopped this round, in id order.
    pub(crate) fn running(&self) -> impl Iterator<Item = &'v Job> + '_ {
        let view = self.view;
        view.running
            .iter()
            .filter(|id| !self.stopped.contains(id))
            .map(move |&id| view.job(id))
    }

    /// No node of the trial has more free GPU capacity than this, in milli-GPU (an upper bound).
    pub(crate) fn max_node_free_gpu_milli(&self) -> u64 {
        self.max_node_free_gpu_milli
    }

    /// True when the free-capacity bounds already rule `job` out.
    #[inline]
    pub(crate) fn cannot_fit(&self, job: &Job) -> bool {
        self.rules_out(GpuDemand::of(&job.spec))
    }

    /// True when the free-capacity bounds already rule out a job of `demand`.
    #[inline]
    pub(crate) fn rules_out(&self, demand: GpuDemand) -> bool {
        demand.total_milli > self.free_gpu_milli || demand.per_task_milli > self.max_node_free_gpu_milli
    }

    /// Places `job` on the trial, unless the free-capacity bounds already rule it out. After a
    /// failure the node bound is made exact again (one pass over the nodes), so that a long
    /// queue behind a full cluster is skipped in O(1) per job.
    pub(crate) fn place(&mut self, placement: &mut dyn Placement, job: &Job) -> Option<Vec<TaskAlloc>> {
        if self.cannot_fit(job) {
            return None;
        }
        match placement.place(&mut self.trial, job) {
            Some(tasks) => {
                self.free_gpu_milli -= job.spec.gpu_milli();
                self.bound_exact = false;
                self.version += 1;
                Some(tasks)
            }
            None => {
                if !self.bound_exact {
                    self.max_node_free_gpu_milli = self.trial.max_free_gpu_milli();
                    self.bound_exact = true;
                }
                None
            }
        }
    }

    /// Takes exactly `tasks` on the trial, or nothing if one of them does not fit.
    pub(crate) fn take(&mut self, tasks: &[TaskAlloc]) -> bool {
        if !take_all(&mut self.trial, tasks) {
            return false;
        }
        self.free_gpu_milli -= tasks.iter().map(TaskAlloc::gpu_milli).sum::<u64>();
        self.bound_exact = false;
        self.version += 1;
        true
    }

    /// Running jobs stopped (preempted or suspended) this round.
    pub(crate) fn stopped(&self) -> &[JobId] {
        &self.stopped
    }

    /// Frees the resources of running jobs stopped this round.
    pub(crate) fn stop(&mut self, jobs: &[JobId]) {
        for &id in jobs {
            let job = self.view.job(id);
            give_back_all(&mut self.trial, &job.alloc);
            self.free_gpu_milli += job.spec.gpu_milli();
            for task in &job.alloc {
                self.max_node_free_gpu_milli = self.max_node_free_gpu_milli.max(self.trial.free_gpu_milli(task.node));
            }
            self.stopped.push(id);
            self.version += 1;
        }
    }

    /// Undoes a [`Round::stop`] of the same jobs (the bound stays loose, which is safe).
    pub(crate) fn unstop(&mut self, jobs: &[JobId]) {
        for &id in jobs {
            let job = self.view.job(id);
            let retaken = take_all(&mut self.trial, &job.alloc);
            debug_assert!(retaken, "a job stopped this round can take its resources back");
            self.free_gpu_milli -= job.spec.gpu_milli();
            self.bound_exact = false;
            self.stopped.retain(|&s| s != id);
            self.version += 1;
        }
    }
}

/// Takes every task on `trial`, or none of them.
pub(crate) fn take_all(trial: &mut Trial<'_>, tasks: &[TaskAlloc]) -> bool {
    for (i, task) in tasks.iter().enumerate() {
        if trial.take(task).is_err() {
            give_back_all(trial, &tasks[..i]);
            return false;
        }
    }
    true
}
