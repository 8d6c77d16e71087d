//! Spread: each task goes to the rack holding the fewest tasks of its job so far, then the
//! node holding the fewest, then the node left with the most free GPU capacity, then the lower
//! id: a gang survives the loss of one rack (or node) with as few tasks lost as possible.

use std::cmp::Reverse;

use sim_core::cluster::Trial;
use sim_core::job::Job;
use sim_core::resources::TaskAlloc;

use super::{Placement, gpus_of, min_by_node_key, place_each, ranked_by_node_key};
use crate::explain::Candidate;
use crate::registry::{Factory, PartInfo, PlacementPart};

/// `spread`.
pub(crate) const PART: PlacementPart = PlacementPart {
    info: PartInfo {
        name: "spread",
        description: "each task in the rack, then on the node, holding fewest of the job's tasks (failure isolation)",
        params: &[],
    },
    build: Factory::Static(&|_, _| Box::new(Spread)),
};

/// Across racks, then nodes, then most free.
#[derive(Debug, Default)]
pub struct Spread;

impl Placement for Spread {
    fn place(&mut self, trial: &mut Trial<'_>, job: &Job) -> Option<Vec<TaskAlloc>> {
        place_each(trial, job, |trial, placed| {
            let cluster = trial.cluster();
            min_by_node_key(trial, job, |node, free_after| {
                let rack = cluster.node(node).rack;
                let in_rack = placed.iter().filter(|t| cluster.node(t.node).rack == rack).count();
                let on_node = placed.iter().filter(|t| t.node == node).count();
                (in_rack, on_node, Reverse(free_after))
            })
        })
    }

    /// Scores: the GPUs the node would have free after the task, the most first (the first
    /// task has no rack or node to avoid yet).
    fn candidates(&mut self, trial: &Trial<'_>, job: &Job, k: usize, out: &mut Vec<Candidate>) {
        ranked_by_node_key(trial, job, k, out, |_, free| Reverse(free), |_, free| gpus_of(free));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::placement::WorstFit;
    use crate::placement::tests::{job, racks};

    #[test]
    fn one_task_per_rack_before_a_second() {
        // Rack 0: nodes 0, 1 (8 GPUs each); rack 1: node 2 (4 GPUs). A 3 × 2-GPU gang:
        // task 1 → rack 0 or 1 both empty of the job: node 0 or 1 leaves 6, node 2 leaves 2:
        // node 0 (most free, lower id). Task 2 → rack 1 (no task yet): node 2. Task 3 → both
        // racks hold one; rack 0's node 1 holds none of the job → node 1.
        // Worst fit keeps all three in rack 0: node 0 (6 left, tie with node 1 → lower id), node 1
        // (6 > 4 > 2), node 0 (4 = 4 → lower id): a rack-0 failure would take the whole gang.
        let cluster = racks(&[vec![8, 8], vec![4]]);
        let mut trial = Trial::new(&cluster);
        let mut wf_trial = trial.clone();
        let spread: Vec<u32> = Spread
            .place(&mut trial, &job(3, 2.0))
            .unwrap()
            .iter()
            .map(|t| t.node.0)
            .collect();
        assert_eq!(spread, vec![0, 2, 1]);
        let worst: Vec<u32> = WorstFit
            .place(&mut wf_trial, &job(3, 2.0))
            .unwrap()
            .iter()
            .map(|t| t.node.0)
            .collect();
        assert_eq!(worst, vec![0, 1, 0]);
    }
}
