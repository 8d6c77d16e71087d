//! Queue quotas: a queue (with its sub-queues) may hold at most `quota_gpus` GPUs at once. A job
//! that would take its queue, or any queue above it, past its quota waits; it does not block
//! the jobs behind it, so other queues' jobs start meanwhile. A job larger than its quota never
//! starts. Quotas apply whatever the queue order.

use sim_core::job::Job;
use sim_core::observe::Record;
use sim_core::view::ClusterView;

use crate::queue_tree::{Held, QueueTree};
use crate::spec::QueueSpec;

/// The quota check of a round.
pub(crate) struct Quotas {
    tree: QueueTree,
    tentative: Held,
}

impl Quotas {
    /// Quotas of the configured queues, or `None` when no queue has one.
    pub(crate) fn new(specs: &[QueueSpec]) -> Option<Quotas> {
        specs.iter().any(|q| q.quota_milli.is_some()).then(|| Quotas {
            tree: QueueTree::new(specs),
            tentative: Held::default(),
        })
    }

    /// Keeps holdings up to date.
    pub(crate) fn observe(&mut self, record: &Record, view: &ClusterView<'_>) {
        self.tree.observe(record, view);
    }

    /// Starts a round from what queues hold now.
    pub(crate) fn begin_round(&mut self) {
        self.tentative.clone_from(&self.tree.held);
    }

    /// The queue whose quota starting `job` would exceed (its own or one above it, nearest
    /// first), or `None` when every queue on its path stays within quota.
    pub(crate) fn refusing(&self, job: &Job) -> Option<&str> {
        let need = job.spec.gpu_milli();
        let nodes = self.tree.nodes();
        self.tree
            .path(self.tree.node_of(job))
            .find(|&n| {
                nodes[n]
                    .quota_milli
                    .is_some_and(|q| self.tentative.subtree[n] + need > q)
            })
            .map(|n| nodes[n].name.as_str())
    }

    /// Counts a tentative start of this round.
    pub(crate) fn started(&mut self, job: &Job) {
        self.tree.charge(&mut self.tentative, job, true);
    }
}
