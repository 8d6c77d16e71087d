//! Random: each task goes to a node drawn uniformly among those it fits on now, from the run's
//! seeded `placement` stream (one draw per task), so the same seed gives the same placements.

use rand::RngExt;
use sim_core::cluster::Trial;
use sim_core::ids::NodeId;
use sim_core::job::Job;
use sim_core::resources::TaskAlloc;
use sim_core::rng::{Stream, stream};

use super::{Placement, place_each};
use crate::registry::{Factory, PartInfo, PlacementPart};

/// `random`.
pub(crate) const PART: PlacementPart = PlacementPart {
    info: PartInfo {
        name: "random",
        description: "each task on a node drawn uniformly among those it fits (seeded stream `placement`)",
        params: &[],
    },
    build: Factory::Static(&|_, context| Box::new(RandomFit::new(context.seed))),
};

/// Uniform among the nodes a task fits.
pub struct RandomFit {
    rng: Stream,
    fitting: Vec<TaskAlloc>,
}

impl RandomFit {
    /// A random placement drawing from the `placement` stream of `seed`.
    pub fn new(seed: u64) -> RandomFit {
        RandomFit {
            rng: stream(seed, "placement"),
            fitting: Vec::new(),
        }
    }
}

impl Placement for RandomFit {
    fn place(&mut self, trial: &mut Trial<'_>, job: &Job) -> Option<Vec<TaskAlloc>> {
        let RandomFit { rng, fitting } = self;
        place_each(trial, job, |trial, _| {
            fitting.clear();
            fitting.extend(
                (0..trial.cluster().nodes().len())
                    .filter_map(|i| trial.fit(NodeId::from_index(i), &job.spec.task, job.allowed_gpu_types)),
            );
            (!fitting.is_empty()).then(|| fitting[rng.random_range(0..fitting.len())])
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::placement::tests::{job, nodes};

    fn draw(seed: u64) -> Vec<u32> {
        let cluster = nodes(&[1; 16]);
        let mut trial = Trial::new(&cluster);
        let mut placement = RandomFit::new(seed);
        (0..8)
            .map(|_| placement.place(&mut trial, &job(1, 1.0)).unwrap()[0].node.0)
            .collect()
    }

    #[test]
    fn same_seed_same_nodes_and_never_a_full_node() {
        // 16 one-GPU nodes, eight 1-GPU jobs: each lands on a node still free (so eight
        // distinct nodes), the same ones for the same seed; first fit would take nodes 0–7.
        let a = draw(7);
        assert_eq!(a, draw(7));
        let mut distinct = a.clone();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(distinct.len(), 8);
        assert_ne!(a, (0..8).collect::<Vec<_>>());
        assert_ne!(a, draw(8));
    }
}
