//! Dominant Resource Fairness (Ghodsi et al., "Dominant Resource Fairness: Fair Allocation of
//! Multiple Resource Types", NSDI 2011), by progressive filling.
//!
//! A user's dominant share is the largest of its shares of the cluster's GPU, CPU and memory
//! (resources the cluster has none of are left out). Each pick goes to the user (or queue, with
//! `share_by = "queue"`) with the smallest dominant share that has a job waiting, ties to the
//! user seen first; it offers that user's oldest waiting job. Shares count what users hold now
//! and are updated on every start (including the tentative starts of this round) and every
//! finish, preemption or suspension. With `backfill = "none"` the first job that cannot start
//! ends the round, as in the paper's algorithm ("the cluster is full").

use sim_core::ids::JobId;
use sim_core::job::Job;
use sim_core::observe::{Membership, Record};
use sim_core::view::ClusterView;

use super::groups::{GroupedWaiting, SHARE_BY, ShareBy};
use super::{QueueOrder, demand};
use crate::registry::{Factory, PartInfo, QueueOrderPart};

/// `drf`.
pub(crate) const PART: QueueOrderPart = QueueOrderPart {
    info: PartInfo {
        name: "drf",
        description: "Dominant Resource Fairness: the user (or queue) with the smallest dominant share over GPU, CPU and memory goes next",
        params: &[SHARE_BY],
    },
    build: Factory::Static(&|params, _| Box::new(Drf::new(ShareBy::of(params)))),
};

/// Smallest dominant share first.
pub struct Drf {
    groups: GroupedWaiting,
    /// What each group holds now: GPU milli, CPU milli, MiB.
    held: Vec<[u64; 3]>,
    /// `held` plus this round's tentative starts.
    tentative: Vec<[u64; 3]>,
    /// Each group's dominant share of `tentative`.
    shares: Vec<f64>,
    /// Cluster capacity per resource.
    capacity: [f64; 3],
}

impl Drf {
    /// DRF between users or queues.
    pub fn new(share_by: ShareBy) -> Drf {
        Drf {
            groups: GroupedWaiting::new(share_by),
            held: Vec::new(),
            tentative: Vec::new(),
            shares: Vec::new(),
            capacity: [0.0; 3],
        }
    }

    fn dominant_share(&self, g: usize) -> f64 {
        let held = self.tentative[g];
        (0..3)
            .filter(|&r| self.capacity[r] > 0.0)
            .map(|r| held[r] as f64 / self.capacity[r])
            .fold(0.0, f64::max)
    }
}

impl QueueOrder for Drf {
    fn observe(&mut self, record: &Record, view: &ClusterView<'_>) {
        self.groups.observe(record, view);
        self.held.resize(self.groups.len(), [0; 3]);
        let Some(id) = record.job() else {
            return;
        };
        let job = view.job(id);
        let g = self.groups.group(job);
        let d = demand(job);
        match record.running_change() {
            Some(Membership::Joins(_)) => {
                for (held, need) in self.held[g].iter_mut().zip(d) {
                    *held += need;
                }
            }
            Some(Membership::Leaves(_)) => {
                for (held, need) in self.held[g].iter_mut().zip(d) {
                    *held = held.saturating_sub(need);
                }
            }
            None => {}
        }
    }

    fn begin_round(&mut self, view: &ClusterView<'_>) {
        self.groups.begin_round(view);
        self.tentative.clone_from(&self.held);
        self.capacity = [0.0; 3];
        for node in view.cluster.nodes() {
            self.capacity[0] += node.gpu_milli() as f64;
            self.capacity[1] += node.cpu_milli as f64;
            self.capacity[2] += node.mem_mib as f64;
        }
        self.shares = (0..self.tentative.len()).map(|g| self.dominant_share(g)).collect();
    }

    fn next(&mut self, _view: &ClusterView<'_>) -> Option<JobId> {
        let (g, _) = self
            .groups
            .with_candidates()
            .min_by(|&(a, _), &(b, _)| self.shares[a].total_cmp(&self.shares[b]).then(a.cmp(&b)))?;
        self.groups.pop(g)
    }

    fn started(&mut self, job: &Job) {
        let g = self.groups.group(job);
        let d = demand(job);
        for (held, need) in self.tentative[g].iter_mut().zip(d) {
            *held += need;
        }
        self.shares[g] = self.dominant_share(g);
    }
}
