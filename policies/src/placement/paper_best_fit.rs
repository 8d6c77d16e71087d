//! Best fit as the FGD study defines it (`BestFitScore` of the artifact): each task goes to the
//! node left with the least free resources, CPU and GPU weighted equally, each normalised by the
//! largest node (128 cores, 8 GPUs):
//!
//! `score = ⌊100 · (1 − ½ (cpu_free − cpu) / 128 cores − ½ (gpu_free − gpu) / 8 GPUs)⌋`,
//!
//! free resources taken before the task, the highest score winning, ties to the node first in the run's random order; the
//! task takes the fullest devices that fit. It differs from `best-fit` (GPU only, exact, ties
//! to the lower node) in weighing CPU and in its coarse integer scores.

use super::scored::{FreeCpuGpuScore, MAX_SPEC_CPU_MILLI, MAX_SPEC_GPU_MILLI, Ties};
use crate::registry::{Factory, PartInfo, PlacementPart};

/// `paper-best-fit`.
pub(crate) const PART: PlacementPart = PlacementPart {
    info: PartInfo {
        name: "paper-best-fit",
        description: "FGD study's best fit: least free CPU and GPU left (÷ 128 cores, 8 GPUs, weighted ½ each), integer scores, ties by a random node order; fullest device",
        params: &[],
    },
    build: Factory::Static(&|_, context| Box::new(PaperBestFit::new(context.seed))),
};

/// Least free CPU and GPU, weighted equally; the FGD study's best fit.
pub struct PaperBestFit {
    ties: Ties,
}

impl PaperBestFit {
    /// Ties drawn from the `placement` stream of `seed`.
    pub fn new(seed: u64) -> PaperBestFit {
        PaperBestFit { ties: Ties::new(seed) }
    }
}

/// The score of a node with `cpu_free_milli` and `gpu_free_milli` for a task of `cpu_milli`
/// and `gpu_milli`.
/// (The artifact's order of floating-point operations is kept, so scores truncate alike.)
fn score(cpu_free_milli: u64, gpu_free_milli: i64, cpu_milli: u64, gpu_milli: u64) -> i64 {
    let mut left = 0.0;
    left += (cpu_free_milli - cpu_milli) as f64 / MAX_SPEC_CPU_MILLI * 0.5;
    left += (gpu_free_milli - gpu_milli as i64) as f64 / MAX_SPEC_GPU_MILLI as f64 * 0.5;
    ((1.0 - left) * 100.0) as i64
}

impl FreeCpuGpuScore for PaperBestFit {
    const SCORE: fn(u64, i64, u64, u64) -> i64 = score;

    fn ties(&mut self) -> &mut Ties {
        &mut self.ties
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::placement::Placement;
    use crate::placement::tests::{first_nodes, hold, machines, pod};
    use sim_core::cluster::Trial;
    use sim_core::ids::NodeId;

    #[test]
    fn scores_weigh_cpu_and_gpu_and_truncate() {
        // A pod of 8 cores and 1 GPU on three nodes:
        // n0, 8 GPUs and 96 cores, all free: ½·88/128 + ½·7/8 = 0.34375 + 0.4375 = 0.78125 → 21.
        // n1, 2 GPUs and 8 cores, all free:  ½·0/128 + ½·1/8 = 0.0625 → 93.75 → 93.
        // n2, 4 GPUs with 3 held, 64 cores with 24 held (40 free): ½·32/128 + 0 = 0.125 → 87.
        // n1 wins, although `best-fit` (GPU only) would fill n2's last GPU.
        assert_eq!(score(96_000, 8000, 8000, 1000), 21);
        assert_eq!(score(8000, 2000, 8000, 1000), 93);
        assert_eq!(score(40_000, 1000, 8000, 1000), 87);
        let mut cluster = machines(&[(8, 96, "A"), (2, 8, "A"), (4, 64, "A")]);
        hold(&mut cluster, 2, &[0, 1, 2], 1000, 24);
        let mut trial = Trial::new(&cluster);
        let placed = PaperBestFit::new(1).place(&mut trial, &pod(8, 1.0)).unwrap();
        assert_eq!(placed[0].node, NodeId(1));
        let mut trial = Trial::new(&cluster);
        let placed = crate::placement::BestFit.place(&mut trial, &pod(8, 1.0)).unwrap();
        assert_eq!(placed[0].node, NodeId(2));
    }

    #[test]
    fn equal_scores_are_drawn_at_random() {
        // Two identical idle nodes score alike: over seeds, both are chosen.
        let cluster = machines(&[(8, 96, "A"), (8, 96, "A")]);
        let chosen = first_nodes(0..16, &cluster, &pod(4, 1.0), PaperBestFit::new);
        assert!(chosen.contains(&0) && chosen.contains(&1), "{chosen:?}");
    }
}
