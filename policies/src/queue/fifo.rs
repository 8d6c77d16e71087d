//! FIFO: jobs in arrival order (a preempted job returns to its arrival position).

use sim_core::ids::JobId;
use sim_core::job::Job;
use sim_core::observe::Record;
use sim_core::view::ClusterView;

use super::QueueOrder;
use crate::registry::{Factory, PartInfo, QueueOrderPart};

/// `fifo`.
pub(crate) const PART: QueueOrderPart = QueueOrderPart {
    info: PartInfo {
        name: "fifo",
        description: "arrival order",
        params: &[],
    },
    build: Factory::Static(&|_, _| Box::new(Fifo::default())),
};

/// Arrival order, read straight from the engine's pending list.
#[derive(Debug, Default)]
pub struct Fifo {
    cursor: usize,
}

impl QueueOrder for Fifo {
    fn observe(&mut self, _record: &Record, _view: &ClusterView<'_>) {}

    fn begin_round(&mut self, _view: &ClusterView<'_>) {
        self.cursor = 0;
    }

    fn next(&mut self, view: &ClusterView<'_>) -> Option<JobId> {
        let job = view.pending.get(self.cursor).copied();
        self.cursor += 1;
        job
    }

    fn started(&mut self, _job: &Job) {}

    fn arrival_order(&self) -> bool {
        true
    }

    fn pending_cursor(&mut self) -> Option<&mut usize> {
        Some(&mut self.cursor)
    }
}
