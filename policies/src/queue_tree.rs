//! The tree of queues behind fair share and quotas, and the GPUs each queue holds.
//!
//! Queues come from `[policy.queues.NAME]` (`parent`, `weight`, `quota_gpus`), in name order
//! under an unnamed root. A trace queue not listed there joins the root as a top-level queue of
//! weight 1 without quota, in order of first arrival.

use sim_core::job::Job;
use sim_core::observe::{Membership, Record};
use sim_core::view::ClusterView;

use crate::spec::QueueSpec;

/// Index of the root in [`QueueTree`].
pub(crate) const ROOT: usize = 0;

/// One queue of the tree.
#[derive(Clone, Debug)]
pub(crate) struct TreeNode {
    /// The queue's name (empty for the root).
    pub(crate) name: String,
    /// Its parent (none for the root).
    pub(crate) parent: Option<usize>,
    /// Its sub-queues, in order.
    pub(crate) children: Vec<usize>,
    /// Share weight among siblings.
    pub(crate) weight: f64,
    /// GPU limit for it and its descendants, in milli-GPU.
    pub(crate) quota_milli: Option<u64>,
}

/// GPU capacity held per queue, in milli-GPU.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Held {
    /// By the queue's own jobs.
    pub(crate) own: Vec<u64>,
    /// By the queue and its descendants.
    pub(crate) subtree: Vec<u64>,
}

/// The queue tree and what each queue holds now.
#[derive(Clone, Debug)]
pub(crate) struct QueueTree {
    nodes: Vec<TreeNode>,
    /// Tree node of each trace queue, by `QueueId` index.
    by_queue: Vec<Option<usize>>,
    /// What the queues hold now.
    pub(crate) held: Held,
}

impl QueueTree {
    /// The configured tree (`specs` in name order, parents named among them).
    pub(crate) fn new(specs: &[QueueSpec]) -> QueueTree {
        let mut nodes = vec![TreeNode {
            name: String::new(),
            parent: None,
            children: Vec::new(),
            weight: 1.0,
            quota_milli: None,
        }];
        for spec in specs {
            nodes.push(TreeNode {
                name: spec.name.clone(),
                parent: None,
                children: Vec::new(),
                weight: spec.weight,
                quota_milli: spec.quota_milli,
            });
        }
        for (i, spec) in specs.iter().enumerate() {
            let parent = spec
                .parent
                .as_ref()
                .and_then(|p| specs.iter().position(|s| &s.name == p))
                .map_or(ROOT, |p| p + 1);
            nodes[i + 1].parent = Some(parent);
            nodes[parent].children.push(i + 1);
        }
        let held = Held {
            own: vec![0; nodes.len()],
            subtree: vec![0; nodes.len()],
        };
        QueueTree {
            nodes,
            by_queue: Vec::new(),
            held,
        }
    }

    /// All queues; index 0 is the root.
    pub(crate) fn nodes(&self) -> &[TreeNode] {
        &self.nodes
    }

    /// The tree node of a job's queue (the root if its queue has not arrived yet).
    pub(crate) fn node_of(&self, job: &Job) -> usize {
        self.by_queue.get(job.queue.index()).copied().flatten().unwrap_or(ROOT)
    }

    /// The tree node of a job's queue, adding the queue under the root if it is new.
    fn intern(&mut self, job: &Job) -> usize {
        let q = job.queue.index();
        if q >= self.by_queue.len() {
            self.by_queue.resize(q + 1, None);
        }
        if let Some(node) = self.by_queue[q] {
            return node;
        }
        let node = match self
            .nodes
            .iter()
            .position(|n| n.parent.is_some() && n.name == job.spec.queue)
        {
            Some(node) => node,
            None => {
                self.nodes.push(TreeNode {
                    name: job.spec.queue.clone(),
                    parent: Some(ROOT),
                    children: Vec::new(),
                    weight: 1.0,
                    quota_milli: None,
                });
                let node = self.nodes.len() - 1;
                self.nodes[ROOT].children.push(node);
                self.held.own.push(0);
                self.held.subtree.push(0);
                node
            }
        };
        self.by_queue[q] = Some(node);
        node
    }

    /// `node` and its ancestors up to the root.
    pub(crate) fn path(&self, node: usize) -> impl Iterator<Item = usize> + '_ {
        std::iter::successors(Some(node), |&n| self.nodes[n].parent)
    }

    /// Adds (or with `add` false removes) a job's GPUs to what its queue holds in `held`.
    pub(crate) fn charge(&self, held: &mut Held, job: &Job, add: bool) {
        let node = self.node_of(job);
        let gpu = job.spec.gpu_milli();
        let apply = |value: &mut u64| {
            *value = if add { *value + gpu } else { value.saturating_sub(gpu) };
        };
        apply(&mut held.own[node]);
        for n in self.path(node) {
            apply(&mut held.subtree[n]);
        }
    }

    /// Keeps queues and holdings up to date.
    pub(crate) fn observe(&mut self, record: &Record, view: &ClusterView<'_>) {
        let Some(id) = record.job() else {
            return;
        };
        let job = view.job(id);
        self.intern(job);
        let mut held = std::mem::take(&mut self.held);
        match record.running_change() {
            Some(Membership::Joins(_)) => self.charge(&mut held, job, true),
            Some(Membership::Leaves(_)) => self.charge(&mut held, job, false),
            None => {}
        }
        self.held = held;
    }
}
