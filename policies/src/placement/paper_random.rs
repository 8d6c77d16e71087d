//! Random placement as the FGD study defines it (the artifact's `RandomScore` with random GPU
//! selection): each task goes to a node drawn uniformly among those it fits on, and a task
//! sharing a GPU to a device drawn uniformly among the node's devices with room for its share.
//! Whole-GPU tasks take the lowest-numbered idle devices. It differs from `random` only inside
//! the node: `random` puts a shared task on the fullest device it fits.

use rand::RngExt;
use sim_core::cluster::Trial;
use sim_core::ids::NodeId;
use sim_core::job::Job;
use sim_core::resources::TaskAlloc;

use sim_core::rng::{Stream, stream};

use super::{Placement, place_each};
use crate::registry::{Factory, PartInfo, PlacementPart};

/// `paper-random`.
pub(crate) const PART: PlacementPart = PlacementPart {
    info: PartInfo {
        name: "paper-random",
        description: "FGD study's random: a node drawn among those the task fits, a shared task on a device drawn among those with room (seeded stream `placement`)",
        params: &[],
    },
    build: Factory::Static(&|_, context| Box::new(PaperRandom::new(context.seed))),
};

/// Uniform among the nodes a task fits, then uniform among the devices a shared task fits.
pub struct PaperRandom {
    rng: Stream,
    fitting: Vec<TaskAlloc>,
    devices: Vec<u32>,
}

impl PaperRandom {
    /// Draws from the `placement` stream of `seed`.
    pub fn new(seed: u64) -> PaperRandom {
        PaperRandom {
            rng: stream(seed, "placement"),
            fitting: Vec::new(),
            devices: Vec::new(),
        }
    }
}

impl Placement for PaperRandom {
    fn place(&mut self, trial: &mut Trial<'_>, job: &Job) -> Option<Vec<TaskAlloc>> {
        let PaperRandom { rng, fitting, devices } = self;
        let request = job.spec.task;
        place_each(trial, job, |trial, _| {
            fitting.clear();
            fitting.extend(
                (0..trial.cluster().nodes().len())
                    .filter_map(|i| trial.fit(NodeId::from_index(i), &request, job.allowed_gpu_types)),
            );
            if fitting.is_empty() {
                return None;
            }
            let mut task = fitting[rng.random_range(0..fitting.len())];
            // A task in a MIG instance keeps the device and start the cluster's layout chose.
            if request.is_shared_gpu() && task.mig.is_none() {
                devices.clear();
                devices.extend(
                    (0u32..)
                        .zip(trial.gpu_free_milli(task.node))
                        .filter(|&(_, &free)| u32::from(free) >= request.milli_per_gpu)
                        .map(|(i, _)| i),
                );
                task.gpu_mask = 1 << devices[rng.random_range(0..devices.len())];
            }
            Some(task)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::placement::tests::{hold, machines, pod};

    #[test]
    fn nodes_and_shared_devices_are_drawn_uniformly() {
        // One node of 4 GPUs with devices free [1000, 300, 600, 1000] (two tasks hold 700 and
        // 400), one full node. A 0.5-GPU pod fits devices 0, 2 and 3 (not 1, 300 < 500): each is
        // drawn about a third of the time; `random` always takes device 2, the fullest fitting.
        let mut cluster = machines(&[(4, 32, "A"), (1, 32, "A")]);
        hold(&mut cluster, 0, &[1], 700, 1);
        hold(&mut cluster, 0, &[2], 400, 1);
        hold(&mut cluster, 1, &[0], 1000, 1);
        let mut counts = [0u32; 4];
        let mut placement = PaperRandom::new(5);
        for _ in 0..3000 {
            let task = placement.place(&mut Trial::new(&cluster), &pod(1, 0.5)).unwrap()[0];
            assert_eq!(task.node, NodeId(0));
            counts[task.gpu_mask.trailing_zeros() as usize] += 1;
        }
        assert_eq!(counts[1], 0);
        assert!(
            [0, 2, 3].iter().all(|&d| (900..1100).contains(&counts[d])),
            "{counts:?}"
        );
        let random = crate::placement::RandomFit::new(5).place(&mut Trial::new(&cluster), &pod(1, 0.5));
        assert_eq!(random.unwrap()[0].gpu_mask, 0b100);
    }
}
