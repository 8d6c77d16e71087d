//! The world model of temporal and spatial sharing: it tracks which tasks share each device of
//! the nodes in `time-slice` or `mps` mode and sets every job's sharing speed factor (the
//! slowest of its devices), and integrates the GPU time lost to context switches.
//!
//! Nodes in `fraction` mode are left alone (a run whose nodes are all in `fraction` mode gets
//! no sharing model at all, so its results do not move). A device counts the tasks placed on
//! it; a whole-GPU task holds its device alone, so it runs at full speed.

use std::collections::BTreeSet;

use super::mode::SharingMode;
use super::mps::Mps;
use super::time_slice::TimeSlice;
use crate::cluster::Cluster;
use crate::ids::JobId;
use crate::model::{Effects, ModelCtx, SpeedPart, WorldModel};
use crate::time::SimTime;

/// The sharing settings of a run.
#[derive(Clone, Debug, PartialEq)]
pub struct SharingConfig {
    /// The mode of nodes whose GPU model has no entry in `by_gpu_type`.
    pub default: SharingMode,
    /// Modes by GPU model name.
    pub by_gpu_type: Vec<(String, SharingMode)>,
    /// Modes by node name, overriding the GPU model's and the default.
    pub by_node: Vec<(String, SharingMode)>,
    /// Slice and switch of time-sliced devices.
    pub time_slice: TimeSlice,
    /// Interference of MPS devices whose model has no entry in `mps_by_gpu_type`.
    pub mps: Mps,
    /// Interference by GPU model name.
    pub mps_by_gpu_type: Vec<(String, Mps)>,
}

impl SharingConfig {
    /// The mode of GPU model `gpu_type`.
    pub fn mode_of(&self, gpu_type: &str) -> SharingMode {
        self.by_gpu_type
            .iter()
            .find(|(name, _)| name == gpu_type)
            .map_or(self.default, |&(_, mode)| mode)
    }

    /// The mode of node `node`, whose GPUs are of model `gpu_type`.
    pub fn mode_of_node(&self, node: &str, gpu_type: &str) -> SharingMode {
        self.by_node
            .iter()
            .find(|(name, _)| name == node)
            .map_or_else(|| self.mode_of(gpu_type), |&(_, mode)| mode)
    }

    /// The MPS interference of GPU model `gpu_type`.
    pub fn mps_of(&self, gpu_type: &str) -> Mps {
        self.mps_by_gpu_type
            .iter()
            .find(|(name, _)| name == gpu_type)
            .map_or(self.mps, |&(_, mps)| mps)
    }
}

/// How one node's devices are shared, as the model uses it.
#[derive(Clone, Copy, Debug, PartialEq)]
enum NodeSharing {
    /// Not tracked (`fraction`, or a mode another part of the engine handles).
    Off,
    /// Turns and switches.
    TimeSlice(TimeSlice),
    /// Concurrent with interference.
    Mps(Mps),
}

impl NodeSharing {
    fn rate(self, k: u32, milli: u32) -> f64 {
        match self {
            NodeSharing::Off => 1.0,
            NodeSharing::TimeSlice(ts) => ts.task_rate_for(k, milli),
            NodeSharing::Mps(mps) => mps.task_rate(k),
        }
    }

    /// Share of the device's time lost to switches with `k` tasks.
    fn switch_share(self, k: u32) -> f64 {
        match self {
            NodeSharing::TimeSlice(ts) if k >= 2 => ts.switch().as_micros() as f64 / ts.slice().as_micros() as f64,
            _ => 0.0,
        }
    }
}

/// The time-slice and MPS world model.
#[derive(Clone, Debug)]
pub struct SharingModel {
    nodes: Vec<NodeSharing>,
    /// Jobs of the tasks on each device of each tracked node (a job once per task).
    devices: Vec<Vec<Vec<JobId>>>,
    /// Σ over time-sliced devices with two tasks or more of `c/s`.
    switching: f64,
    lost_us: f64,
    since: SimTime,
    peak_tasks: u32,
}

impl SharingModel {
    /// The model for `cluster` under `config`, or `None` when no node is time-sliced or MPS
    /// (then nothing needs tracking).
    pub fn new(config: &SharingConfig, cluster: &Cluster) -> Option<SharingModel> {
        let names = cluster.gpu_type_names();
        let nodes: Vec<NodeSharing> = cluster
            .nodes()
            .iter()
            .map(|n| {
                let name = names.get(n.gpu_type.index()).map_or("", String::as_str);
                match config.mode_of_node(&n.name, name) {
                    SharingMode::TimeSlice => NodeSharing::TimeSlice(config.time_slice),
                    SharingMode::Mps => NodeSharing::Mps(config.mps_of(name)),
                    SharingMode::Fraction | SharingMode::Mig => NodeSharing::Off,
                }
            })
            .collect();
        if nodes.iter().all(|&n| n == NodeSharing::Off) {
            return None;
        }
        let devices = cluster
            .nodes()
            .iter()
            .zip(&nodes)
            .map(|(n, &s)| match s {
                NodeSharing::Off => Vec::new(),
                _ => vec![Vec::new(); n.gpu_count as usize],
            })
            .collect();
        Some(SharingModel {
            nodes,
            devices,
            switching: 0.0,
            lost_us: 0.0,
            since: SimTime::ZERO,
            peak_tasks: 0,
        })
    }

    /// GPU time lost to context switches up to `now`, in GPU-seconds.
    pub fn switch_lost_gpu_s(&self, now: SimTime) -> f64 {
        let span = now.as_micros().saturating_sub(self.since.as_micros()) as f64;
        (self.lost_us + self.switching * span) / 1e6
    }

    /// The most tasks that shared one device at once.
    pub fn peak_tasks_per_gpu(&self) -> u32 {
        self.peak_tasks
    }

    /// The current speed factor of a job: the slowest of its tracked devices.
    fn factor(&self, ctx: &ModelCtx<'_>, job: JobId) -> f64 {
        let mut factor: f64 = 1.0;
        for task in &ctx.jobs[job].alloc {
            let node = task.node.index();
            let sharing = self.nodes[node];
            if sharing == NodeSharing::Off {
                continue;
            }
            for_each_device(task.gpu_mask, |d| {
                factor = factor.min(sharing.rate(self.devices[node][d].len() as u32, task.milli_per_gpu));
            });
        }
        factor
    }

    /// Adds or removes `job`'s tasks on their devices and resets the speed of every job on the
    /// devices touched.
    fn update(&mut self, ctx: &ModelCtx<'_>, job: JobId, add: bool, effects: &mut Effects) {
        let now = ctx.now;
        let span = now.as_micros().saturating_sub(self.since.as_micros()) as f64;
        self.lost_us += self.switching * span;
        self.since = now;
        let mut touched: BTreeSet<JobId> = BTreeSet::new();
        for task in &ctx.jobs[job].alloc {
            let node = task.node.index();
            let sharing = self.nodes[node];
            if sharing == NodeSharing::Off {
                continue;
            }
            let devices = &mut self.devices[node];
            let mut switching = 0.0;
            let mut peak = self.peak_tasks;
            for_each_device(task.gpu_mask, |d| {
                let before = sharing.switch_share(devices[d].len() as u32);
                if add {
                    devices[d].push(job);
                } else if let Some(i) = devices[d].iter().position(|&j| j == job) {
                    devices[d].remove(i);
                }
                let k = devices[d].len() as u32;
                switching += sharing.switch_share(k) - before;
                peak = peak.max(k);
                touched.extend(devices[d].iter().copied());
            });
            self.switching += switching;
            self.peak_tasks = peak;
        }
        if !add {
            touched.remove(&job);
        }
        for j in touched {
            let factor = self.factor(ctx, j);
            if ctx.jobs[j].speed.sharing != factor || j == job {
                effects.set_speed(j, SpeedPart::Sharing, factor);
            }
        }
    }
}

/// Calls `f` with the index of every set bit of `mask`.
fn for_each_device(mut mask: u64, mut f: impl FnMut(usize)) {
    while mask != 0 {
        f(mask.trailing_zeros() as usize);
        mask &= mask - 1;
    }
}

impl WorldModel for SharingModel {
    fn name(&self) -> &'static str {
        "sharing"
    }

    fn job_started(&mut self, ctx: &mut ModelCtx<'_>, job: JobId, effects: &mut Effects) {
        self.update(ctx, job, true, effects);
    }

    fn job_stopped(&mut self, ctx: &mut ModelCtx<'_>, job: JobId, effects: &mut Effects) {
        self.update(ctx, job, false, effects);
    }
}
