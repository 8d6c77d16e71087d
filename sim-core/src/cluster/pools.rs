//! Pools: the nodes of identical capacity (GPU model, device count, CPU and memory).
//!
//! Within a pool, nodes are interchangeable for a task that takes a whole node: only how many
//! of them are free matters, not which. Backfilling counts whole-node reservations per pool
//! instead of binding them to nodes, which is what makes its schedule on a flat pool (identical
//! one-GPU nodes) equal to the count-based textbook algorithms.

use crate::ids::{GpuTypeId, NodeId};
use crate::resources::{MILLI_PER_GPU, TaskRequest};

/// Nodes of one capacity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pool {
    /// Their GPU model.
    pub gpu_type: GpuTypeId,
    /// GPU devices per node.
    pub gpu_count: u32,
    /// CPU per node, in milli-cores.
    pub cpu_milli: u64,
    /// Memory per node, in MiB.
    pub mem_mib: u64,
    /// The nodes, in id order.
    pub nodes: Vec<NodeId>,
}

impl Pool {
    /// True when one task of `request` fits an empty node of the pool (its GPU model aside).
    pub fn holds(&self, request: &TaskRequest) -> bool {
        let devices = if request.milli_per_gpu == MILLI_PER_GPU || request.gpus == 0 {
            request.gpus
        } else {
            1
        };
        devices <= self.gpu_count && request.cpu_milli <= self.cpu_milli && request.mem_mib <= self.mem_mib
    }

    /// True when a task of `request` takes a whole node of the pool: every GPU device, or on
    /// nodes without GPUs every CPU. Such a task leaves nothing of the node to anyone else.
    pub fn taken_whole_by(&self, request: &TaskRequest) -> bool {
        if !self.holds(request) {
            return false;
        }
        if self.gpu_count > 0 {
            request.gpus == self.gpu_count && request.milli_per_gpu == MILLI_PER_GPU
        } else {
            request.gpus == 0 && request.cpu_milli == self.cpu_milli && self.cpu_milli > 0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool(gpus: u32, cpu_milli: u64) -> Pool {
        Pool {
            gpu_type: GpuTypeId(0),
            gpu_count: gpus,
            cpu_milli,
            mem_mib: 1024,
            nodes: Vec::new(),
        }
    }

    #[test]
    fn whole_node_tasks_take_every_device_or_every_core() {
        let gpus = |n: f64, cpu| TaskRequest::with_gpu_amount(n, cpu, 0).unwrap();
        // 8-GPU nodes: an 8-GPU task takes a node whole, a 4-GPU one does not; 9 never fits.
        assert!(pool(8, 64_000).taken_whole_by(&gpus(8.0, 1000)));
        assert!(!pool(8, 64_000).taken_whole_by(&gpus(4.0, 0)));
        assert!(!pool(8, 64_000).holds(&TaskRequest {
            gpus: 9,
            milli_per_gpu: 1000,
            cpu_milli: 0,
            mem_mib: 0,
            mig: crate::sharing::mig::MigName::NONE,
        }));
        // One-GPU nodes: any whole GPU takes the node; a share does not.
        assert!(pool(1, 0).taken_whole_by(&gpus(1.0, 0)));
        assert!(!pool(1, 0).taken_whole_by(&gpus(0.5, 0)));
        // CPU-only nodes of one core: a one-core task takes the node.
        assert!(pool(0, 1000).taken_whole_by(&gpus(0.0, 1000)));
        assert!(!pool(0, 2000).taken_whole_by(&gpus(0.0, 1000)));
        // More CPU than the node has: not held at all.
        assert!(!pool(8, 1000).holds(&gpus(8.0, 2000)));
    }
}
