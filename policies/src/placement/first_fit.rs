//! First fit: each task goes to the lowest-numbered node it fits on.

use sim_core::cluster::Trial;
use sim_core::job::Job;
use sim_core::resources::TaskAlloc;

use super::{Placement, place_lowest_whole_nodes_or_each};
use crate::registry::{Factory, PartInfo, PlacementPart};

/// `first-fit`.
pub(crate) const PART: PlacementPart = PlacementPart {
    info: PartInfo {
        name: "first-fit",
        description: "each task on the lowest-numbered node it fits",
        params: &[],
    },
    build: Factory::Static(&|_, _| Box::new(FirstFit)),
};

/// Lowest node index that fits.
#[derive(Debug, Default)]
pub struct FirstFit;

impl Placement for FirstFit {
    fn carries_plans(&self) -> bool {
        true
    }

    fn place(&mut self, trial: &mut Trial<'_>, job: &Job) -> Option<Vec<TaskAlloc>> {
        place_lowest_whole_nodes_or_each(trial, job, |trial, _| {
            trial.first_fit(&job.spec.task, job.allowed_gpu_types)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::placement::tests::{job, nodes};
    use sim_core::ids::NodeId;

    #[test]
    fn takes_the_lowest_node_that_fits() {
        // Free 2, 8, 4 GPUs: a 3-GPU task skips node 0 and lands on node 1, the first that fits.
        let cluster = nodes(&[2, 8, 4]);
        let mut trial = Trial::new(&cluster);
        let placed = FirstFit.place(&mut trial, &job(1, 3.0)).unwrap();
        assert_eq!(placed[0].node, NodeId(1));
    }
}
