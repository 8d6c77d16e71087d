//! Waiting jobs split by group (user or queue), each group in queue order: the structure
//! behind DRF, lottery and fair share, which first choose a group, then take its oldest job.
//! Each group is walked in order as [`super::walk`] describes.

use std::collections::BTreeSet;

use sim_core::ids::JobId;
use sim_core::job::Job;
use sim_core::observe::{Membership, Record};
use sim_core::view::ClusterView;

use super::walk::Walk;
use crate::params::{Kind, Param, Params};

/// What DRF and lottery share between.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShareBy {
    /// The trace's `user`.
    User,
    /// The trace's `queue`.
    Queue,
}

impl ShareBy {
    /// The `share_by` parameter of `params`.
    pub(crate) fn of(params: &Params) -> ShareBy {
        match params.choice(SHARE_BY.name) {
            Some("queue") => ShareBy::Queue,
            _ => ShareBy::User,
        }
    }
}

/// `share_by`: what DRF and lottery share between.
pub(crate) const SHARE_BY: Param = Param {
    name: "share_by",
    kind: Kind::Choice(&["user", "queue"]),
    default: Some("user"),
    doc: "what shares and tickets belong to: the trace's users, or its queues",
    in_label: false,
};

/// Per-group waiting sets and this round's next candidate of each group.
pub(crate) struct GroupedWaiting {
    share_by: ShareBy,
    /// Each group's waiting jobs by (queue position, id).
    waiting: Vec<BTreeSet<(u64, JobId)>>,
    /// This round's position in each group.
    walks: Vec<Walk<(u64, JobId)>>,
    heads: Vec<Option<(u64, JobId)>>,
}

impl GroupedWaiting {
    /// Groups by user or by queue.
    pub(crate) fn new(share_by: ShareBy) -> Self {
        GroupedWaiting {
            share_by,
            waiting: Vec::new(),
            walks: Vec::new(),
            heads: Vec::new(),
        }
    }

    /// The group of a job (a dense user or queue index).
    pub(crate) fn group(&self, job: &Job) -> usize {
        match self.share_by {
            ShareBy::User => job.user.index(),
            ShareBy::Queue => job.queue.index(),
        }
    }

    /// The name of a job's group.
    pub(crate) fn group_name<'j>(&self, job: &'j Job) -> &'j str {
        match self.share_by {
            ShareBy::User => &job.spec.user,
            ShareBy::Queue => &job.spec.queue,
        }
    }

    /// Number of groups seen so far.
    pub(crate) fn len(&self) -> usize {
        self.waiting.len()
    }

    /// Jobs waiting in group `g`.
    pub(crate) fn waiting(&self, g: usize) -> usize {
        self.waiting[g].len()
    }

    /// Adds jobs that become pending and drops jobs that leave the queue.
    pub(crate) fn observe(&mut self, record: &Record, view: &ClusterView<'_>) {
        let Some(id) = record.job() else {
            return;
        };
        let job = view.job(id);
        let g = self.group(job);
        if g >= self.waiting.len() {
            self.waiting.resize_with(g + 1, BTreeSet::new);
            self.walks.resize_with(g + 1, Walk::default);
            self.heads.resize(g + 1, None);
        }
        let entry = (job.queue_position, id);
        match record.waiting_change() {
            Some(Membership::Joins(_)) => {
                self.waiting[g].insert(entry);
            }
            Some(Membership::Leaves(_)) => {
                self.waiting[g].remove(&entry);
            }
            None => {}
        }
    }

    /// Makes every waiting job a candidate again.
    pub(crate) fn begin_round(&mut self, view: &ClusterView<'_>) {
        debug_assert_eq!(
            self.waiting.iter().map(BTreeSet::len).sum::<usize>(),
            view.pending.len(),
            "grouped queue out of step with the engine"
        );
        for ((walk, head), waiting) in self.walks.iter_mut().zip(&mut self.heads).zip(&self.waiting) {
            walk.reset();
            *head = walk.next(waiting);
        }
    }

    /// Groups with a candidate left this round, in index order.
    pub(crate) fn with_candidates(&self) -> impl Iterator<Item = (usize, JobId)> + '_ {
        self.heads
            .iter()
            .enumerate()
            .filter_map(|(g, h)| h.map(|(_, j)| (g, j)))
    }

    /// Takes group `g`'s head as offered and moves to its next job.
    pub(crate) fn pop(&mut self, g: usize) -> Option<JobId> {
        let (_, head) = self.heads[g]?;
        self.heads[g] = self.walks[g].next(&self.waiting[g]);
        Some(head)
    }
}
