//! The read-only picture of a run that policies and observers are given.

use std::collections::BTreeSet;

use crate::cluster::Cluster;
use crate::frag::{FragTracker, GpuFrag};
use crate::ids::JobId;
use crate::job::Job;
use crate::jobs::{GpuDemand, JobStore};
use crate::model::{self, WorldModel};
use crate::physics::Physics;
use crate::time::SimTime;

/// Everything a policy or an observer may read at one instant, and nothing it may change.
#[derive(Clone, Copy)]
pub struct ClusterView<'a> {
    /// The current instant.
    pub now: SimTime,
    /// Nodes, racks and free capacity.
    pub cluster: &'a Cluster,
    /// The jobs that have arrived and are not retired, indexed by [`JobId`] (a running, waiting
    /// or held job is always there; one that ended may have been retired, see
    /// [`crate::jobs`]).
    pub jobs: &'a JobStore,
    /// Jobs waiting to start, in arrival order (a preempted job returns to its arrival position).
    pub pending: &'a [JobId],
    /// Changes whenever `pending` changes other than by arrivals appended at its end and jobs
    /// a policy started leaving it (a stopped job returning to its place, a held job leaving
    /// the queue): a policy that keeps its own index of the waiting jobs up to date from its
    /// starts and the list's tail knows from it when to read the list whole again.
    pub pending_epoch: u64,
    /// Jobs running now, in id order.
    pub running: &'a BTreeSet<JobId>,
    /// Network, power and heat: uplink loads, rack power headroom, temperatures
    /// ([`Physics::off`] when no physical model is on).
    pub physics: &'a Physics,
    /// The world models of the run, in the order the engine calls them (read one with
    /// [`ClusterView::model`]).
    pub models: &'a [Box<dyn WorldModel>],
}

impl<'a> ClusterView<'a> {
    /// One job.
    pub fn job(&self, id: JobId) -> &'a Job {
        &self.jobs[id]
    }

    /// The GPU demand of one job, read beside the jobs rather than from its record (see
    /// [`GpuDemand`]): what a pass over a deep queue that rules jobs out by capacity needs.
    pub fn demand(&self, id: JobId) -> GpuDemand {
        self.jobs
            .demand(id)
            .unwrap_or_else(|| panic!("job #{} is not held (retired or not arrived)", id.0))
    }

    /// The waiting jobs themselves, in arrival order.
    pub fn pending_jobs(&self) -> impl Iterator<Item = &'a Job> + 'a {
        let jobs = self.jobs;
        self.pending.iter().map(move |&id| &jobs[id])
    }

    /// The run's first world model of type `T`, if it has one: what a policy or an observer
    /// reads of a model's state.
    pub fn model<T: WorldModel>(&self) -> Option<&'a T> {
        model::find(self.models)
    }

    /// The workload-aware fragmentation of the FGD paper now, if the run tracks it (it has a
    /// [`FragTracker`]; O(1)).
    pub fn gpu_frag(&self) -> Option<GpuFrag> {
        self.model::<FragTracker>()
            .map(|f| f.totals(self.cluster.free_gpu_milli_total()))
    }

    /// Cluster fragmentation as docs/scenarios.md defines it: 1 − (largest free block on one node ÷
    /// total free), in GPU capacity; 0 when nothing is free.
    pub fn fragmentation(&self) -> f64 {
        let total_free = self.cluster.free_gpu_milli_total();
        if total_free == 0 {
            return 0.0;
        }
        1.0 - self.cluster.max_node_free_gpu_milli() as f64 / total_free as f64
    }
}
