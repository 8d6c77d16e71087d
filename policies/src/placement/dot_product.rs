//! Dot product as the FGD study runs it (the artifact's `DotProductScore`, Tetris-style
//! alignment, with its `merge` dimensions and `max` normalisation): the node's free resources and
//! the task's request, CPU and GPU (summed over devices) each divided by the largest node's
//! (128 cores, 8 GPUs), are multiplied component-wise and summed; the node with the *smallest*
//! product wins:
//!
//! `score = ⌊100 · (1 − (cpu_free·cpu / 128² + gpu_free·gpu / 8²) / 2)⌋` (cores, GPUs),
//!
//! free resources taken before the task, ties to the node first in the run's random order. A
//! shared task takes the fullest device it fits (the artifact's `best` GPU selection); whole-GPU
//! tasks the lowest idle ones.

use super::scored::{FreeCpuGpuScore, MAX_SPEC_CPU_MILLI, MAX_SPEC_GPU_MILLI, Ties};
use crate::registry::{Factory, PartInfo, PlacementPart};

/// `dot-product`.
pub(crate) const PART: PlacementPart = PlacementPart {
    info: PartInfo {
        name: "dot-product",
        description: "FGD study: the node whose free CPU and GPU (÷ 128 cores, 8 GPUs) has the smallest dot product with the request; fullest device; ties to the first node of a random order drawn per run",
        params: &[],
    },
    build: Factory::Static(&|_, context| Box::new(DotProduct::new(context.seed))),
};

/// Smallest dot product of free resources and request.
pub struct DotProduct {
    ties: Ties,
}

impl DotProduct {
    /// Ties drawn from the `placement` stream of `seed`.
    pub fn new(seed: u64) -> DotProduct {
        DotProduct { ties: Ties::new(seed) }
    }
}

/// The score of a node with `cpu_free_milli` and `gpu_free_milli` for a task of `cpu_milli`
/// and `gpu_milli` (the artifact's order of floating-point operations).
fn score(cpu_free_milli: u64, gpu_free_milli: i64, cpu_milli: u64, gpu_milli: u64) -> i64 {
    let max_gpu = MAX_SPEC_GPU_MILLI as f64;
    let node = [
        cpu_free_milli as f64 / MAX_SPEC_CPU_MILLI,
        gpu_free_milli as f64 / max_gpu,
    ];
    let task = [cpu_milli as f64 / MAX_SPEC_CPU_MILLI, gpu_milli as f64 / max_gpu];
    let mut product = 0.0;
    for (n, t) in node.iter().zip(task) {
        product += n * t;
    }
    (100.0 * (1.0 - product / 2.0)) as i64
}

impl FreeCpuGpuScore for DotProduct {
    const SCORE: fn(u64, i64, u64, u64) -> i64 = score;

    fn ties(&mut self) -> &mut Ties {
        &mut self.ties
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::placement::scored::by_free_cpu_gpu;
    use crate::placement::tests::{first_nodes, hold, machines, pod};
    use sim_core::cluster::{Cluster, NodeSpec, Trial};
    use sim_core::ids::NodeId;
    use sim_core::resources::{TaskAlloc, UNCONSTRAINED};

    #[test]
    fn the_least_aligned_node_wins_and_ties_are_drawn() {
        // A pod of 8 cores and 1 GPU: its vector is (8/128, 1/8) = (0.0625, 0.125).
        // n0, 96 cores and 8 GPUs free: (0.75, 1) · pod = 0.046875 + 0.125 = 0.171875;
        //     1 − 0.171875 / 2 = 0.9140625 → 91.
        // n1, 8 cores and 2 GPUs free: (0.0625, 0.25) · pod = 0.00390625 + 0.03125 = 0.03515625;
        //     1 − 0.017578125 = 0.982421875 → 98.
        // n2, 40 cores and 1 GPU free: (0.3125, 0.125) · pod = 0.01953125 + 0.015625, the same → 98.
        assert_eq!(score(96_000, 8000, 8000, 1000), 91);
        assert_eq!(score(8000, 2000, 8000, 1000), 98);
        assert_eq!(score(40_000, 1000, 8000, 1000), 98);
        // n1 and n2 tie: each is chosen for some seeds, n0 never.
        let mut cluster = machines(&[(8, 96, "A"), (2, 8, "A"), (4, 64, "A")]);
        hold(&mut cluster, 2, &[0, 1, 2], 1000, 24);
        let chosen = first_nodes(0..20, &cluster, &pod(8, 1.0), DotProduct::new);
        assert!(
            chosen.contains(&1) && chosen.contains(&2) && !chosen.contains(&0),
            "{chosen:?}"
        );
    }

    #[test]
    fn a_node_that_does_not_limit_cpu_scores_as_the_largest_node() {
        // 8 GPUs, no CPU count: it scores as 128 free cores. The pod (8 cores, 1 GPU):
        // (1, 1) · (0.0625, 0.125) = 0.1875; 100 · (1 − 0.09375) = 90.625 → 90.
        let spec = NodeSpec {
            name: "n0".into(),
            rack: "r0".into(),
            gpus: 8,
            gpu_type: "A".into(),
            cpu_milli: UNCONSTRAINED,
            mem_mib: UNCONSTRAINED,
        };
        let cluster = Cluster::build(&[spec]).unwrap();
        let job = pod(8, 1.0);
        let task = TaskAlloc {
            node: NodeId(0),
            gpu_mask: 1,
            milli_per_gpu: 1000,
            cpu_milli: 8000,
            mem_mib: 0,
            mig: None,
        };
        let mut scorer = by_free_cpu_gpu(&job, score);
        assert_eq!(scorer(&Trial::new(&cluster), task).map(|(s, _)| s), Some(90));
    }
}
