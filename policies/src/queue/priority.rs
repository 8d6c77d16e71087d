//! Priority: higher `priority` first, then arrival (submit time) order.

use std::cmp::Reverse;

use sim_core::ids::JobId;
use sim_core::job::Job;
use sim_core::observe::Record;
use sim_core::view::ClusterView;

use super::QueueOrder;
use super::sorted::SortedWaiting;
use crate::registry::{PartInfo, QueueOrderPart};

/// `priority`.
pub(crate) const PART: QueueOrderPart = QueueOrderPart {
    info: PartInfo {
        name: "priority",
        description: "higher priority first, then arrival",
        params: &[],
    },
    build: |_, _| Box::new(Priority::default()),
};

/// Highest priority first.
pub struct Priority(SortedWaiting<Reverse<i32>>);

impl Default for Priority {
    fn default() -> Self {
        Priority(SortedWaiting::new(|job| Reverse(job.spec.priority)))
    }
}

impl QueueOrder for Priority {
    fn observe(&mut self, record: &Record, view: &ClusterView<'_>) {
        self.0.observe(record, view);
    }

    fn begin_round(&mut self, view: &ClusterView<'_>) {
        self.0.begin_round(view);
    }

    fn next(&mut self, _view: &ClusterView<'_>) -> Option<JobId> {
        self.0.next()
    }

    fn started(&mut self, _job: &Job) {}
}
