//! A queue order: `largest-first`. Waiting jobs are offered by the GPUs they ask for, most
//! first, ties in arrival order, so large gangs are not starved by streams of small jobs.
//!
//! A queue order is a [`QueueOrder`] and a [`QueueOrderPart`]. This one reads no parameter and
//! keeps no state between rounds: it sorts the waiting jobs when a round begins.

use std::cmp::Reverse;

use policies::queue::QueueOrder;
use policies::{Factory, PartInfo, QueueOrderPart};
use sim_core::ids::JobId;
use sim_core::job::Job;
use sim_core::observe::Record;
use sim_core::view::ClusterView;

/// `largest-first`, registered by [`crate::registry`].
pub const PART: QueueOrderPart = QueueOrderPart {
    info: PartInfo {
        name: "largest-first",
        description: "the waiting job asking for the most GPUs first, then arrival",
        params: &[],
    },
    build: Factory::Static(&|_, _| Box::<LargestFirst>::default()),
};

/// This round's candidates, in order, and how many were offered.
#[derive(Default)]
struct LargestFirst {
    order: Vec<JobId>,
    offered: usize,
}

impl QueueOrder for LargestFirst {
    fn observe(&mut self, _record: &Record, _view: &ClusterView<'_>) {}

    fn begin_round(&mut self, view: &ClusterView<'_>) {
        self.order.clear();
        self.order.extend_from_slice(view.pending);
        // A stable sort: jobs asking for as many GPUs keep the pending list's arrival order.
        self.order.sort_by_key(|&id| Reverse(view.job(id).spec.gpu_milli()));
        self.offered = 0;
    }

    fn next(&mut self, _view: &ClusterView<'_>) -> Option<JobId> {
        let next = self.order.get(self.offered).copied();
        self.offered += 1;
        next
    }

    fn started(&mut self, _job: &Job) {}
}
