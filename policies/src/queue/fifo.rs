//! FIFO with blocking: jobs start in arrival order, and a job that cannot start holds back every
//! job behind it (no backfilling), the reference behaviour of simple batch schedulers.

use sim_core::cluster::Trial;
use sim_core::policy::{Decision, Policy};
use sim_core::view::ClusterView;

use crate::placement::{Placement, place_job};

/// First come, first served, with a pluggable placement.
pub struct Fifo {
    name: String,
    placement: Box<dyn Placement + Send>,
}

impl Fifo {
    /// FIFO order with `placement`, reported under `name`.
    pub fn new(name: impl Into<String>, placement: Box<dyn Placement + Send>) -> Fifo {
        Fifo {
            name: name.into(),
            placement,
        }
    }
}

impl Policy for Fifo {
    fn name(&self) -> &str {
        &self.name
    }

    fn schedule(&mut self, view: &ClusterView<'_>, decisions: &mut Vec<Decision>) {
        let mut trial = Trial::new(view.cluster);
        for job in view.pending_jobs() {
            match place_job(self.placement.as_mut(), &mut trial, job) {
                Some(placement) => decisions.push(Decision::Start { job: job.id, placement }),
                None => break,
            }
        }
    }
}
