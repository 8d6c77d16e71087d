//! Integer resource accounting: what one task asks for and what it was given.
//!
//! GPUs are counted in milli-GPUs (1000 = one device), CPUs in milli-cores and memory in MiB,
//! so sums and comparisons are exact. As in the Alibaba openb trace, a task either takes
//! `gpus` whole devices or a share (1..999 milli) of a single device.

use crate::ids::NodeId;
use crate::sharing::mig::MigName;

/// Milli-GPUs in one whole device.
pub const MILLI_PER_GPU: u32 = 1000;

/// Most GPUs one node may hold; device sets are `u64` bit masks.
pub const MAX_GPUS_PER_NODE: u32 = 64;

/// Most GPUs one task may ask for as a trace writes it. A task larger than every node of the
/// cluster is split into equal tasks that fit when the job arrives (see
/// `sim_core::engine`'s admission), so this only bounds nonsense.
pub const MAX_GPUS_PER_TASK: u32 = 1 << 20;

/// The most tasks one job may have: a job with more (tasks that need no GPU, or slivers of one,
/// are not bounded by the cluster's GPUs) is `never-fits`, as a job too large for the cluster
/// is, rather than a placement of billions of tasks that no memory holds.
pub const MAX_TASKS_PER_JOB: u32 = 1 << 20;

/// CPU or memory capacity of a node that does not limit it (a scenario's node without `cpus`
/// or `mem_gib`): large enough never to constrain, small enough that sums never overflow.
pub const UNCONSTRAINED: u64 = u64::MAX / 1024;

/// The resources one task needs, all on one node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct TaskRequest {
    /// Number of devices the task touches (0 for a CPU-only task).
    pub gpus: u32,
    /// Share of each of those devices, in milli-GPU: 1000 for whole devices, 1..999 for a
    /// shared one (then `gpus` is 1); 0 when `gpus` is 0.
    pub milli_per_gpu: u32,
    /// CPU cores, in milli-cores.
    pub cpu_milli: u64,
    /// Memory, in MiB.
    pub mem_mib: u64,
    /// The MIG profile the task asks for (`mig = "3g.40gb"`; then `gpus` is 1 and
    /// `milli_per_gpu` the profile's share), or [`MigName::NONE`].
    pub mig: MigName,
}

/// Why a GPU amount cannot be turned into a request.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GpuAmountError {
    /// Negative or not a number.
    #[error("must be a number ≥ 0, got {0}")]
    Negative(f64),
    /// Between 0 and 1 but under one milli-GPU.
    #[error("a shared GPU must be at least 0.001 (one milli-GPU), got {0}")]
    TooSmall(f64),
    /// 1 or more but not whole: shares only exist below one device.
    #[error("1 or more GPUs must be a whole number (a task shares at most one device), got {0}")]
    NotWhole(f64),
    /// More GPUs than any cluster could hold.
    #[error("more than {MAX_GPUS_PER_TASK} GPUs in one task, got {}", amount(*.0))]
    TooMany(f64),
}

/// A GPU amount as a message shows it: as written below 10¹⁵, past that as a power of ten (a
/// float shows 2⁶³ − 1 as `9223372036854776000`, digits the trace never held).
fn amount(gpus: f64) -> String {
    match gpus.abs() < 1e15 {
        true => gpus.to_string(),
        false => format!("{gpus:e}"),
    }
}

impl TaskRequest {
    /// Builds a request from a GPU amount as written in traces: `0.25` is 250 milli of one device,
    /// `2` is two whole devices, `0` is none. Shares are rounded to the nearest milli-GPU.
    pub fn with_gpu_amount(gpus: f64, cpu_milli: u64, mem_mib: u64) -> Result<TaskRequest, GpuAmountError> {
        if gpus.is_nan() || gpus < 0.0 || !gpus.is_finite() {
            return Err(GpuAmountError::Negative(gpus));
        }
        let (count, milli) = if gpus == 0.0 {
            (0, 0)
        } else if gpus < 1.0 {
            let milli = (gpus * f64::from(MILLI_PER_GPU)).round() as u32;
            if milli == 0 {
                return Err(GpuAmountError::TooSmall(gpus));
            }
            if milli == MILLI_PER_GPU {
                (1, MILLI_PER_GPU)
            } else {
                (1, milli)
            }
        } else if gpus.fract() != 0.0 {
            return Err(GpuAmountError::NotWhole(gpus));
        } else if gpus > f64::from(MAX_GPUS_PER_TASK) {
            return Err(GpuAmountError::TooMany(gpus));
        } else {
            (gpus as u32, MILLI_PER_GPU)
        };
        Ok(TaskRequest {
            gpus: count,
            milli_per_gpu: milli,
            cpu_milli,
            mem_mib,
            mig: MigName::NONE,
        })
    }

    /// A request for one instance of MIG profile `mig` (not [`MigName::NONE`]): one device,
    /// holding the profile's share of it ([`MigName::milli`]).
    pub fn with_mig(mig: MigName, cpu_milli: u64, mem_mib: u64) -> TaskRequest {
        TaskRequest {
            gpus: 1,
            milli_per_gpu: mig.milli().unwrap_or(MILLI_PER_GPU),
            cpu_milli,
            mem_mib,
            mig,
        }
    }

    /// Total GPU capacity the task holds, in milli-GPU.
    pub fn gpu_milli(&self) -> u64 {
        u64::from(self.gpus) * u64::from(self.milli_per_gpu)
    }

    /// True when the task shares one device with others.
    pub fn is_shared_gpu(&self) -> bool {
        self.gpus > 0 && self.milli_per_gpu < MILLI_PER_GPU
    }
}

/// Where one task runs and what it holds there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TaskAlloc {
    /// The node.
    pub node: NodeId,
    /// The devices of that node the task uses (bit i = device i of the node).
    pub gpu_mask: u64,
    /// Milli-GPU taken on each device in `gpu_mask`.
    pub milli_per_gpu: u32,
    /// CPU taken, in milli-cores.
    pub cpu_milli: u64,
    /// Memory taken, in MiB.
    pub mem_mib: u64,
    /// On a MIG-mode node: the instance the task runs in on each device of `gpu_mask`.
    pub mig: Option<MigSlot>,
}

/// Where a task runs on a MIG-mode device: an instance of a profile at a start position.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MigSlot {
    /// Index of the profile in the node's model's profiles (`sharing::mig::MigModel`).
    pub profile: u8,
    /// Start position (memory-slice index).
    pub start: u8,
}

impl TaskAlloc {
    /// Total GPU capacity held, in milli-GPU.
    pub fn gpu_milli(&self) -> u64 {
        u64::from(self.gpu_mask.count_ones()) * u64::from(self.milli_per_gpu)
    }

    /// True when this allocation holds exactly what `request` asks for. In a MIG instance a
    /// task holds its profile's share, at least the fraction it asked for (the cluster checks
    /// the instance).
    pub fn matches(&self, request: &TaskRequest) -> bool {
        let share = match self.mig {
            None => self.milli_per_gpu == request.milli_per_gpu,
            Some(_) => self.milli_per_gpu >= request.milli_per_gpu,
        };
        self.gpu_mask.count_ones() == request.gpus
            && (request.gpus == 0 || share)
            && self.cpu_milli == request.cpu_milli
            && self.mem_mib == request.mem_mib
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gpu_amounts_follow_the_sharing_rule() {
        let r = |g| TaskRequest::with_gpu_amount(g, 0, 0);
        assert_eq!(r(0.25).map(|t| (t.gpus, t.milli_per_gpu)), Ok((1, 250)));
        assert_eq!(r(2.0).map(|t| (t.gpus, t.milli_per_gpu)), Ok((2, 1000)));
        assert_eq!(r(1.0).map(|t| (t.gpus, t.milli_per_gpu)), Ok((1, 1000)));
        assert_eq!(r(0.0).map(|t| (t.gpus, t.milli_per_gpu)), Ok((0, 0)));
        // 0.9996 rounds to 1000 milli, which is one whole device.
        assert_eq!(r(0.9996).map(|t| (t.gpus, t.milli_per_gpu)), Ok((1, 1000)));
        assert_eq!(r(1.5), Err(GpuAmountError::NotWhole(1.5)));
        assert_eq!(r(0.0001), Err(GpuAmountError::TooSmall(0.0001)));
        assert!(matches!(r(-1.0), Err(GpuAmountError::Negative(_))));
        assert!(matches!(r(f64::NAN), Err(GpuAmountError::Negative(_))));
        // Wider than a node is fine (split at arrival); wider than any cluster is not.
        assert_eq!(r(256.0).map(|t| (t.gpus, t.milli_per_gpu)), Ok((256, 1000)));
        assert_eq!(r(2e6), Err(GpuAmountError::TooMany(2e6)));
        assert_eq!(
            r(2e6).unwrap_err().to_string(),
            "more than 1048576 GPUs in one task, got 2000000"
        );
        assert_eq!(
            r(9_223_372_036_854_775_807.0).unwrap_err().to_string(),
            "more than 1048576 GPUs in one task, got 9.223372036854776e18"
        );
    }

    #[test]
    fn milli_totals() {
        let two = TaskRequest::with_gpu_amount(2.0, 0, 0).unwrap();
        assert_eq!(two.gpu_milli(), 2000);
        let quarter = TaskRequest::with_gpu_amount(0.25, 0, 0).unwrap();
        assert_eq!(quarter.gpu_milli(), 250);
        assert!(quarter.is_shared_gpu() && !two.is_shared_gpu());
    }
}
