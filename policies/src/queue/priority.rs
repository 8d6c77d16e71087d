//! Priority: higher `priority` first, then arrival (submit time) order.

use std::cmp::Reverse;

use super::sorted::SortedWaiting;
use crate::registry::{Factory, PartInfo, QueueOrderPart};

/// `priority`.
pub(crate) const PART: QueueOrderPart = QueueOrderPart {
    info: PartInfo {
        name: "priority",
        description: "higher priority first, then arrival",
        params: &[],
    },
    build: Factory::Static(&|_, _| Box::new(Priority::default())),
};

/// Highest priority first.
pub type Priority = SortedWaiting<Reverse<i32>>;

impl Default for Priority {
    fn default() -> Self {
        SortedWaiting::new(|job| Reverse(job.spec.priority))
    }
}
