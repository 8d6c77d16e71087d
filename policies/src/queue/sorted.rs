//! Waiting jobs kept sorted by a fixed key (then queue position), updated from the engine's records,
//! so a round walks them in order without sorting (see [`super::walk`]).

use std::collections::BTreeSet;

use sim_core::ids::JobId;
use sim_core::job::Job;
use sim_core::observe::{Membership, Record};
use sim_core::view::ClusterView;

use super::QueueOrder;
use super::walk::Walk;

/// A queue order by a fixed key of each job (then queue position): the waiting jobs in that
/// order, and this round's position among them. `priority` and `sjf` are two keys of it.
pub struct SortedWaiting<K> {
    key: fn(&Job) -> K,
    waiting: BTreeSet<(K, u64, JobId)>,
    walk: Walk<(K, u64, JobId)>,
}

impl<K: Ord + Copy> SortedWaiting<K> {
    /// An empty set ordered by `key`.
    pub(crate) fn new(key: fn(&Job) -> K) -> Self {
        SortedWaiting {
            key,
            waiting: BTreeSet::new(),
            walk: Walk::default(),
        }
    }
}

impl<K: Ord + Copy> QueueOrder for SortedWaiting<K> {
    /// Adds jobs that become pending and drops jobs that leave the queue.
    fn observe(&mut self, record: &Record, view: &ClusterView<'_>) {
        let entry = |job: JobId| {
            let j = view.job(job);
            ((self.key)(j), j.queue_position, job)
        };
        match record.waiting_change() {
            Some(Membership::Joins(job)) => {
                self.waiting.insert(entry(job));
            }
            Some(Membership::Leaves(job)) => {
                self.waiting.remove(&entry(job));
            }
            None => {}
        }
    }

    /// Restarts the walk from the first job.
    fn begin_round(&mut self, view: &ClusterView<'_>) {
        debug_assert_eq!(
            self.waiting.len(),
            view.pending.len(),
            "sorted queue out of step with the engine"
        );
        self.walk.reset();
    }

    /// The next job of the walk.
    fn next(&mut self, _view: &ClusterView<'_>) -> Option<JobId> {
        self.walk.next(&self.waiting).map(|(_, _, id)| id)
    }

    fn started(&mut self, _job: &Job) {}
}
