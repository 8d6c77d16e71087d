//! Best fit: each task goes to the node left with the least free GPU capacity after placing it
//! (ties to the lower node index), which keeps large holes free for large jobs.

use sim_core::cluster::Trial;
use sim_core::job::Job;
use sim_core::resources::TaskAlloc;

use super::{Placement, gpus_of, place_lowest_whole_nodes_or_each, ranked_by_node_key};
use crate::explain::Candidate;
use crate::registry::{Factory, PartInfo, PlacementPart};

/// `best-fit`.
pub(crate) const PART: PlacementPart = PlacementPart {
    info: PartInfo {
        name: "best-fit",
        description: "each task on the node left with the least free GPU capacity",
        params: &[],
    },
    build: Factory::Static(&|_, _| Box::new(BestFit)),
};

/// Least free GPU capacity left on the node.
#[derive(Debug, Default)]
pub struct BestFit;

impl Placement for BestFit {
    fn carries_plans(&self) -> bool {
        true
    }

    fn place(&mut self, trial: &mut Trial<'_>, job: &Job) -> Option<Vec<TaskAlloc>> {
        place_lowest_whole_nodes_or_each(trial, job, |trial, _| {
            trial.best_fit(&job.spec.task, job.allowed_gpu_types)
        })
    }

    /// Scores: the GPUs the node would have free after the task, the least first.
    fn candidates(&mut self, trial: &Trial<'_>, job: &Job, k: usize, out: &mut Vec<Candidate>) {
        ranked_by_node_key(trial, job, k, out, |_, free| free, |_, free| gpus_of(free));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::placement::tests::{job, nodes};
    use sim_core::ids::NodeId;

    #[test]
    fn takes_the_tightest_node() {
        // Free 2, 8, 4 GPUs; a 3-GPU task leaves 5 on node 1 or 1 on node 2: node 2.
        let cluster = nodes(&[2, 8, 4]);
        let mut trial = Trial::new(&cluster);
        let placed = BestFit.place(&mut trial, &job(1, 3.0)).unwrap();
        assert_eq!(placed[0].node, NodeId(2));
    }

    #[test]
    fn ties_go_to_the_lower_index() {
        let cluster = nodes(&[4, 4]);
        let mut trial = Trial::new(&cluster);
        assert_eq!(BestFit.place(&mut trial, &job(1, 1.0)).unwrap()[0].node, NodeId(0));
    }
}
