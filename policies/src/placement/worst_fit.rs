//! Worst fit: each task goes to the node left with the most free GPU capacity after placing it
//! (ties to the lower node index), which spreads load.

use sim_core::cluster::Trial;
use sim_core::job::Job;
use sim_core::resources::TaskAlloc;

use super::{Placement, gpus_of, place_each, ranked_by_node_key};
use crate::explain::Candidate;
use crate::registry::{Factory, PartInfo, PlacementPart};

/// `worst-fit`.
pub(crate) const PART: PlacementPart = PlacementPart {
    info: PartInfo {
        name: "worst-fit",
        description: "each task on the node left with the most free GPU capacity",
        params: &[],
    },
    build: Factory::Static(&|_, _| Box::new(WorstFit)),
};

/// Most free GPU capacity left on the node.
#[derive(Debug, Default)]
pub struct WorstFit;

impl Placement for WorstFit {
    fn carries_plans(&self) -> bool {
        true
    }

    fn place(&mut self, trial: &mut Trial<'_>, job: &Job) -> Option<Vec<TaskAlloc>> {
        place_each(trial, job, |trial, _| {
            trial.worst_fit(&job.spec.task, job.allowed_gpu_types)
        })
    }

    /// Scores: the GPUs the node would have free after the task, the most first.
    fn candidates(&mut self, trial: &Trial<'_>, job: &Job, k: usize, out: &mut Vec<Candidate>) {
        ranked_by_node_key(
            trial,
            job,
            k,
            out,
            |_, free| std::cmp::Reverse(free),
            |_, free| gpus_of(free),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::placement::tests::{job, nodes};
    use sim_core::ids::NodeId;

    #[test]
    fn spreads_the_tasks_of_a_gang() {
        // Free 4, 8, 4: two 2-GPU tasks. The first goes to node 1 (6 left); after it node 1 still
        // has the most (6 > 4 - 2 = 2), so the second goes there too (4 left).
        let cluster = nodes(&[4, 8, 4]);
        let mut trial = Trial::new(&cluster);
        let placed = WorstFit.place(&mut trial, &job(2, 2.0)).unwrap();
        assert_eq!(
            placed.iter().map(|t| t.node).collect::<Vec<_>>(),
            vec![NodeId(1), NodeId(1)]
        );
        // Now every node has 4 free; a 4-GPU task leaves 0 on any of them: the lowest index wins.
        let placed = WorstFit.place(&mut trial, &job(1, 4.0)).unwrap();
        assert_eq!(placed[0].node, NodeId(0));
    }
}
