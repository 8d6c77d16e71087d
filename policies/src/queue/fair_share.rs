//! Hierarchical fair share across queues, by weight.
//!
//! Each pick walks down the queue tree from the root: at each level it goes to the child
//! queue (with a job waiting somewhere below it) holding the fewest GPUs per unit of weight,
//! counting everything its descendants hold, ties to the queue listed first (configured queues
//! in name order, then trace queues in order of arrival); at the bottom it offers that queue's
//! oldest waiting job. Jobs submitted to a queue that has sub-queues compete with them as one
//! more child of weight 1. GPUs held include the tentative starts of the round, so one round
//! interleaves queues by weight. Quotas (`quota_gpus`) are checked separately, for every order.

use sim_core::ids::JobId;
use sim_core::job::Job;
use sim_core::observe::Record;
use sim_core::view::ClusterView;

use super::QueueOrder;
use super::groups::{GroupedWaiting, ShareBy};
use crate::queue_tree::{Held, QueueTree, ROOT};
use crate::registry::{Factory, PartInfo, QueueOrderPart};
use crate::spec::QueueSpec;

/// `fair-share`: reads the policy's queue tree (`[policy.queues.NAME]`).
pub(crate) const PART: QueueOrderPart = QueueOrderPart {
    info: PartInfo {
        name: "fair-share",
        description: "hierarchical queues (policy.queues): at each level the child with the least GPUs held per unit of weight goes next",
        params: &[],
    },
    build: Factory::Static(&|params, _| Box::new(FairShare::new(params.queues("queues")))),
};

/// Least GPUs per weight first, level by level.
pub struct FairShare {
    tree: QueueTree,
    groups: GroupedWaiting,
    /// The trace queue (group index) of each tree node that has jobs.
    node_queue: Vec<Option<usize>>,
    tentative: Held,
    /// Candidates left this round in each queue itself, and in it and its descendants.
    candidates_own: Vec<usize>,
    candidates_below: Vec<usize>,
}

/// Where a pick goes next from a queue.
#[derive(Clone, Copy)]
enum Step {
    Own,
    Child(usize),
}

impl FairShare {
    /// Fair share over the configured queue tree.
    pub fn new(queues: &[QueueSpec]) -> FairShare {
        FairShare {
            tree: QueueTree::new(queues),
            groups: GroupedWaiting::new(ShareBy::Queue),
            node_queue: Vec::new(),
            tentative: Held::default(),
            candidates_own: Vec::new(),
            candidates_below: Vec::new(),
        }
    }

    /// Where the pick goes from queue `n`.
    fn step(&self, n: usize) -> Option<Step> {
        let nodes = self.tree.nodes();
        let own = (self.candidates_own[n] > 0).then(|| (self.tentative.own[n] as f64, Step::Own));
        let children = nodes[n]
            .children
            .iter()
            .filter(|&&c| self.candidates_below[c] > 0)
            .map(|&c| (self.tentative.subtree[c] as f64 / nodes[c].weight, Step::Child(c)));
        own.into_iter()
            .chain(children)
            .reduce(|best, next| if next.0 < best.0 { next } else { best })
            .map(|(_, step)| step)
    }
}

impl QueueOrder for FairShare {
    fn observe(&mut self, record: &Record, view: &ClusterView<'_>) {
        self.tree.observe(record, view);
        self.groups.observe(record, view);
        let Some(id) = record.job() else {
            return;
        };
        let job = view.job(id);
        let node = self.tree.node_of(job);
        if node >= self.node_queue.len() {
            self.node_queue.resize(node + 1, None);
        }
        self.node_queue[node] = Some(job.queue.index());
    }

    fn begin_round(&mut self, view: &ClusterView<'_>) {
        self.groups.begin_round(view);
        self.tentative.clone_from(&self.tree.held);
        let count = self.tree.nodes().len();
        self.candidates_own.clear();
        self.candidates_own.resize(count, 0);
        self.candidates_below.clear();
        self.candidates_below.resize(count, 0);
        for (node, queue) in self.node_queue.iter().enumerate() {
            let Some(queue) = *queue else { continue };
            let waiting = self.groups.waiting(queue);
            self.candidates_own[node] = waiting;
            for n in self.tree.path(node) {
                self.candidates_below[n] += waiting;
            }
        }
    }

    fn next(&mut self, _view: &ClusterView<'_>) -> Option<JobId> {
        let mut n = ROOT;
        loop {
            match self.step(n)? {
                Step::Child(c) => n = c,
                Step::Own => {
                    let queue = self.node_queue[n].expect("a queue with candidates has jobs");
                    self.candidates_own[n] -= 1;
                    for a in self.tree.path(n) {
                        self.candidates_below[a] -= 1;
                    }
                    return self.groups.pop(queue);
                }
            }
        }
    }

    fn started(&mut self, job: &Job) {
        self.tree.charge(&mut self.tentative, job, true);
    }
}
