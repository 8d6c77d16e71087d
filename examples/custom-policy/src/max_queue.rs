//! A metric: `max_queue_length`, the most jobs waiting at once. The queue is measured at the end
//! of every instant, after the scheduler ran: the length that then holds until the next
//! instant (jobs that arrive and start at the same instant never count as waiting).
//!
//! A metric is a [`Metric`] (an [`Observer`] of the run that gives a value when the run ends)
//! and a [`MetricPart`]: the name outputs and check rules use, its unit, which way is better
//! (reports mark the best policy by it) and one line saying what it measures.

use sim_core::engine::RunOutcome;
use sim_core::metrics::{Better, Metric, MetricPart, Summary};
use sim_core::observe::Observer;
use sim_core::view::ClusterView;

/// `max_queue_length`, registered by [`crate::registry`].
pub const METRIC: MetricPart = MetricPart {
    name: "max_queue_length",
    unit: "jobs",
    better: Better::Lower,
    doc: "the most jobs waiting at once (at the end of an instant, after the scheduler ran)",
    build: || Box::<MaxQueue>::default(),
};

/// The longest queue seen so far.
#[derive(Default)]
struct MaxQueue {
    longest: usize,
}

impl Observer for MaxQueue {
    fn on_instant_end(&mut self, view: &ClusterView<'_>) {
        self.longest = self.longest.max(view.pending.len());
    }
}

impl Metric for MaxQueue {
    fn value(&self, _summary: &Summary, _outcome: &RunOutcome) -> Option<f64> {
        Some(self.longest as f64)
    }
}
