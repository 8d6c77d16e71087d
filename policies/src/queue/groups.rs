//! Waiting jobs split by group (user or queue), each group in arrival order: the structure
//! behind DRF, lottery and fair share, which first choose a group, then take its oldest job.
//! Each group's set is copied into a list only when it changed since the last round, and a
//! round walks the lists.

use std::collections::BTreeSet;

use sim_core::ids::JobId;
use sim_core::job::Job;
use sim_core::observe::Record;
use sim_core::view::ClusterView;

use crate::parts::ShareBy;

/// Per-group waiting sets and this round's next candidate of each group.
pub(crate) struct GroupedWaiting {
    share_by: ShareBy,
    waiting: Vec<BTreeSet<JobId>>,
    /// Each group's `waiting` as a list, as of the last round that found it changed.
    order: Vec<Vec<JobId>>,
    changed: Vec<bool>,
    /// This round's position in each group's list.
    cursor: Vec<usize>,
    heads: Vec<Option<JobId>>,
}

impl GroupedWaiting {
    /// Groups by user or by queue.
    pub(crate) fn new(share_by: ShareBy) -> Self {
        GroupedWaiting {
            share_by,
            waiting: Vec::new(),
            order: Vec::new(),
            changed: Vec::new(),
            cursor: Vec::new(),
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
        let job = view.job(record.job());
        let g = self.group(job);
        if g >= self.waiting.len() {
            self.waiting.resize_with(g + 1, BTreeSet::new);
            self.order.resize_with(g + 1, Vec::new);
            self.changed.resize(g + 1, false);
            self.cursor.resize(g + 1, 0);
            self.heads.resize(g + 1, None);
        }
        match *record {
            Record::Arrived { job } | Record::Preempted { job, .. } | Record::Suspended { job, .. } => {
                self.changed[g] |= self.waiting[g].insert(job);
            }
            Record::Started { job } | Record::Rejected { job, .. } => {
                self.changed[g] |= self.waiting[g].remove(&job);
            }
            Record::Completed { .. } | Record::RateChanged { .. } => {}
        }
    }

    /// Makes every waiting job a candidate again.
    pub(crate) fn begin_round(&mut self, view: &ClusterView<'_>) {
        debug_assert_eq!(
            self.waiting.iter().map(BTreeSet::len).sum::<usize>(),
            view.pending.len(),
            "grouped queue out of step with the engine"
        );
        for g in 0..self.waiting.len() {
            if self.changed[g] {
                self.order[g].clear();
                self.order[g].extend(self.waiting[g].iter().copied());
                self.changed[g] = false;
            }
            self.cursor[g] = 0;
            self.heads[g] = self.order[g].first().copied();
        }
    }

    /// Groups with a candidate left this round, in index order.
    pub(crate) fn with_candidates(&self) -> impl Iterator<Item = (usize, JobId)> + '_ {
        self.heads.iter().enumerate().filter_map(|(g, h)| h.map(|j| (g, j)))
    }

    /// Takes group `g`'s head as offered and moves to its next job.
    pub(crate) fn pop(&mut self, g: usize) -> Option<JobId> {
        let head = self.heads[g]?;
        self.cursor[g] += 1;
        self.heads[g] = self.order[g].get(self.cursor[g]).copied();
        Some(head)
    }
}
