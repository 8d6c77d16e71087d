//! Shortest job first: by the user's run-time estimate (`requested_s`, which defaults to the
//! true duration), then arrival order. Non-preemptive: a running job is never stopped for it.

use sim_core::ids::JobId;
use sim_core::job::Job;
use sim_core::observe::Record;
use sim_core::time::SimTime;
use sim_core::view::ClusterView;

use super::QueueOrder;
use super::sorted::SortedWaiting;
use crate::registry::{PartInfo, QueueOrderPart};

/// `sjf`.
pub(crate) const PART: QueueOrderPart = QueueOrderPart {
    info: PartInfo {
        name: "sjf",
        description: "shortest requested run time (requested_s) first, then arrival",
        params: &[],
    },
    build: |_, _| Box::new(Sjf::default()),
};

/// Shortest requested run time first.
pub struct Sjf(SortedWaiting<SimTime>);

impl Default for Sjf {
    fn default() -> Self {
        Sjf(SortedWaiting::new(|job| job.spec.requested))
    }
}

impl QueueOrder for Sjf {
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
