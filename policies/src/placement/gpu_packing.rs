//! GPU packing as the FGD study runs it (the artifact's `GpuPackingScore`): a task goes first
//! where it can share an already used GPU, then to free GPUs of a used node, and only then to an
//! idle node. Integer scores, highest first:
//!
//! 1. the task fits on partly used devices (the fullest that fit): `max(50, 100 − Σ ⌊free·100 /
//!    1000⌋ / 10)` over the devices it would use;
//! 2. it needs `k` wholly free devices of a used node: `max(33, 50 − k)`;
//! 3. the node is idle (every device wholly free, `n` of them): `max(n, 33 − n)`.
//!
//! Tasks without GPU score 0 everywhere. Ties go to the node first in the run's random order ([`super::scored`]); a shared task takes the
//! fullest device it fits, whole-GPU tasks the lowest idle ones.

use sim_core::cluster::Trial;
use sim_core::job::Job;
use sim_core::resources::{MAX_GPUS_PER_NODE, MILLI_PER_GPU, TaskAlloc, TaskRequest};

use super::Placement;
use super::scored::{Ties, idle_devices, place_scored, scored_candidates};
use crate::explain::Candidate;
use crate::registry::{Factory, PartInfo, PlacementPart};

/// `gpu-packing`.
pub(crate) const PART: PlacementPart = PlacementPart {
    info: PartInfo {
        name: "gpu-packing",
        description: "FGD study: share a used GPU first, then free GPUs of a used node, then an idle node; fullest device; ties to the first node of a random order drawn per run",
        params: &[],
    },
    build: Factory::Static(&|_, context| Box::new(GpuPacking::new(context.seed))),
};

/// Share used GPUs, then used nodes, then idle nodes.
pub struct GpuPacking {
    ties: Ties,
}

impl GpuPacking {
    /// Ties drawn from the `placement` stream of `seed`.
    pub fn new(seed: u64) -> GpuPacking {
        GpuPacking { ties: Ties::new(seed) }
    }
}

/// The score of a node whose devices have `devices` free, for `request` (which fits there).
fn score(devices: &[u16], request: &TaskRequest) -> i64 {
    if request.gpu_milli() == 0 {
        return 0;
    }
    let idle = idle_devices(devices) as i64;
    if idle == devices.len() as i64 {
        return (33 - idle).max(idle);
    }
    let mut order = [0u8; MAX_GPUS_PER_NODE as usize];
    let order = &mut order[..devices.len()];
    for (i, slot) in order.iter_mut().enumerate() {
        *slot = i as u8;
    }
    order.sort_by_key(|&i| devices[usize::from(i)]);
    let (mut needed, mut whole, mut free_pct) = (request.gpus, 0, 0);
    for &i in order.iter() {
        if needed == 0 {
            break;
        }
        let free = u32::from(devices[usize::from(i)]);
        if request.milli_per_gpu <= free {
            needed -= 1;
            whole += i64::from(free == MILLI_PER_GPU);
            free_pct += i64::from(free) * 100 / i64::from(MILLI_PER_GPU);
        }
    }
    if whole > 0 {
        (50 - whole).max(33)
    } else {
        (100 - free_pct / 10).max(50)
    }
}

impl Placement for GpuPacking {
    fn place(&mut self, trial: &mut Trial<'_>, job: &Job) -> Option<Vec<TaskAlloc>> {
        let request = job.spec.task;
        place_scored(trial, job, &mut self.ties, |trial, task| {
            Some((score(trial.gpu_free_milli(task.node), &request), task))
        })
    }

    fn candidates(&mut self, trial: &Trial<'_>, job: &Job, k: usize, out: &mut Vec<Candidate>) {
        let request = job.spec.task;
        let scorer =
            |trial: &Trial<'_>, task: TaskAlloc| Some((score(trial.gpu_free_milli(task.node), &request), task));
        scored_candidates(trial, job, &mut self.ties, scorer, k, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::placement::tests::{hold, machines, pod};
    use sim_core::ids::NodeId;

    #[test]
    fn shared_gpus_then_used_nodes_then_idle_nodes() {
        let half = pod(1, 0.5).spec.task;
        let two = pod(1, 2.0).spec.task;
        // n0, 8 idle devices: case 3, max(8, 33 − 8) = 25 for any GPU task.
        assert_eq!(score(&[1000; 8], &half), 25);
        assert_eq!(score(&[1000; 8], &two), 25);
        // n1, devices [1000, 600]: a 0.5 share fits the 600 device: ⌊600·100/1000⌋ = 60,
        // 100 − 60/10 = 94.
        assert_eq!(score(&[1000, 600], &half), 94);
        // n2, devices [1000, 300, 1000, 1000]: the 300 device is too small, so a share needs a
        // wholly free device: 50 − 1 = 49; two whole GPUs: 50 − 2 = 48.
        assert_eq!(score(&[1000, 300, 1000, 1000], &half), 49);
        assert_eq!(score(&[1000, 300, 1000, 1000], &two), 48);
        // A CPU-only task scores 0 everywhere.
        assert_eq!(score(&[1000, 600], &pod(1, 0.0).spec.task), 0);
        // Placed: the share goes to n1, device 1; two whole GPUs to n2 (48 > 25).
        let mut cluster = machines(&[(8, 32, "A"), (2, 32, "A"), (4, 32, "A")]);
        hold(&mut cluster, 1, &[1], 400, 1);
        hold(&mut cluster, 2, &[1], 700, 1);
        let placed = GpuPacking::new(1)
            .place(&mut Trial::new(&cluster), &pod(1, 0.5))
            .unwrap();
        assert_eq!((placed[0].node, placed[0].gpu_mask), (NodeId(1), 0b10));
        let placed = GpuPacking::new(1)
            .place(&mut Trial::new(&cluster), &pod(1, 2.0))
            .unwrap();
        assert_eq!((placed[0].node, placed[0].gpu_mask), (NodeId(2), 0b101));
    }
}
