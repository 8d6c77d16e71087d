//! Shortest job first: by the user's run-time estimate (`requested_s`, which defaults to the
//! true duration), then arrival order. Non-preemptive: a running job is never stopped for it.

use sim_core::time::SimTime;

use super::sorted::SortedWaiting;
use crate::registry::{Factory, PartInfo, QueueOrderPart};

/// `sjf`.
pub(crate) const PART: QueueOrderPart = QueueOrderPart {
    info: PartInfo {
        name: "sjf",
        description: "shortest requested run time (requested_s) first, then arrival",
        params: &[],
    },
    build: Factory::Static(&|_, _| Box::new(Sjf::default())),
};

/// Shortest requested run time first.
pub type Sjf = SortedWaiting<SimTime>;

impl Default for Sjf {
    fn default() -> Self {
        SortedWaiting::new(|job| job.spec.requested)
    }
}
