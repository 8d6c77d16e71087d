//! The MIG state of a cluster in a run: the current layout of every device of the nodes in
//! MIG mode, which instance a task's allocation may use, and the reconfigurations allocations
//! cause (docs/gpu-sharing.md, "MIG in runs").
//!
//! A cluster with no node in MIG mode has no such state (`Cluster::mig` is `None`), so its
//! allocations and trials pay one pointer test and nothing else.
//!
//! The rules, on a device of a MIG-mode node:
//! - a task asking for a profile (`mig = "3g.40gb"`) runs in an instance of that profile; a
//!   fractional task in the smallest profile that holds its fraction
//!   ([`crate::sharing::mig::profile_for_milli`]); a whole-GPU task in the whole-GPU profile
//!   (7g) of each of its devices, so it needs devices with no busy instance;
//! - the instance is an idle one of the layout at that start, or, under dynamic
//!   partitioning, one created at a valid start whose memory slices no busy instance holds,
//!   removing the idle instances in its way: a reconfiguration, which delays the task by the
//!   reconfiguration time;
//! - a task holds its instance's share of the device ([`crate::sharing::mig::instance_milli`])
//!   in the milli-GPU accounting, so every capacity total stays meaningful.

use crate::frag::TypicalTasks;
use crate::ids::{GpuTypeId, NodeId};
use crate::resources::{MigSlot, TaskAlloc, TaskRequest};
use crate::sharing::mig::{
    GpuSlices, LayoutError, MigGpu, MigMix, MigModel, MigName, MigPlacement, Partitioning, instance_milli, place,
    profile_for_milli,
};
use crate::time::SimTime;

/// Profile slots of a per-model lookup table: every [`MigName`] id is below this.
const NAME_IDS: usize = 72;

/// No profile of that name on the model.
const NO_PROFILE: u8 = u8::MAX;

/// How a cluster's MIG-mode nodes are set up for a run.
#[derive(Clone, Debug, PartialEq)]
pub struct MigSetup {
    /// Static layouts or dynamic partitioning.
    pub partitioning: Partitioning,
    /// How a task's instance is chosen among a node's devices ([`pick_instance`]).
    pub placement: MigPlacement,
    /// How long creating an instance takes: the task waits that long before it works, and the
    /// reconfigured slices serve nothing meanwhile.
    pub reconfig_time: SimTime,
    /// Per node in id order: `None` for a node not in MIG mode, else the layout each of its
    /// devices starts with, as (profile name, start) (empty: no instance yet).
    pub nodes: Vec<Option<Vec<(String, u8)>>>,
}

/// Why a MIG setup was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MigSetupError {
    /// A node in MIG mode whose GPU model the catalog does not have.
    #[error("node `{node}` is in MIG mode but its GPU model `{gpu}` cannot be partitioned (MIG models: {known})")]
    NotMigCapable {
        /// The node.
        node: String,
        /// Its GPU model.
        gpu: String,
        /// The catalog's models.
        known: String,
    },
    /// A layout the geometry refuses.
    #[error("node `{node}`: {error}")]
    Layout {
        /// The node.
        node: String,
        /// What is wrong with it.
        error: LayoutError,
    },
    /// Not one setting per node.
    #[error("the MIG setup lists {given} nodes, the cluster has {nodes}")]
    NodeCount {
        /// Entries given.
        given: usize,
        /// Nodes of the cluster.
        nodes: usize,
    },
}

/// Reconfigurations counted over a run.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct MigCounters {
    /// Instances created by removing or re-cutting a GPU's layout.
    pub reconfigurations: u64,
    /// GPU time the reconfigured slices served nothing, in GPU-seconds
    /// (`reconfig_time × compute slices reconfigured ÷ compute slices of the GPU`).
    pub reconfig_gpu_s: f64,
}

/// The MIG devices of a cluster and their layouts.
#[derive(Clone, Debug)]
pub struct MigState {
    partitioning: Partitioning,
    placement: MigPlacement,
    reconfig_time: SimTime,
    /// Per node: where its devices start in `gpus`, or `u32::MAX` when it is not in MIG mode.
    first: Vec<u32>,
    gpus: Vec<MigGpu>,
    /// Per device of `gpus`: the index of its GPU model.
    gpu_types: Vec<u16>,
    /// Per device of `gpus`: its weighted fragmentation for its model's mix
    /// ([`GpuSlices::weighted_frag`]).
    gpu_frag: Vec<u64>,
    /// Per GPU model: the typical profiles fragmentation is measured against (empty until
    /// [`MigState::set_typical`]).
    mixes: Vec<MigMix>,
    /// Per GPU model: Σ of `gpu_frag` over its devices.
    frag_sums: Vec<u64>,
    /// Per GPU model of the cluster: its catalog entry when some node of it is in MIG mode.
    models: Vec<Option<&'static MigModel>>,
    /// Per GPU model: the profile index of each [`MigName`] id on it, or [`NO_PROFILE`].
    names: Vec<[u8; NAME_IDS]>,
    counters: MigCounters,
    /// Reconfigurations of the allocation applied last (see [`MigState::take_reconfigured`]).
    reconfigured_now: u32,
}

impl MigState {
    /// The state of `setup` for nodes of GPU models `node_models` (per node) named
    /// `gpu_names` (per model) and called `node_names`.
    pub(super) fn new(
        setup: &MigSetup,
        node_names: &[&str],
        node_models: &[GpuTypeId],
        node_gpus: &[u32],
        gpu_names: &[String],
    ) -> Result<MigState, MigSetupError> {
        if setup.nodes.len() != node_names.len() {
            return Err(MigSetupError::NodeCount {
                given: setup.nodes.len(),
                nodes: node_names.len(),
            });
        }
        let mut state = MigState {
            partitioning: setup.partitioning,
            placement: setup.placement,
            reconfig_time: setup.reconfig_time,
            first: vec![u32::MAX; node_names.len()],
            gpus: Vec::new(),
            gpu_types: Vec::new(),
            gpu_frag: Vec::new(),
            mixes: vec![MigMix::new([]); gpu_names.len()],
            frag_sums: vec![0; gpu_names.len()],
            models: vec![None; gpu_names.len()],
            names: vec![[NO_PROFILE; NAME_IDS]; gpu_names.len()],
            counters: MigCounters::default(),
            reconfigured_now: 0,
        };
        for (i, layout) in setup.nodes.iter().enumerate() {
            let Some(layout) = layout else { continue };
            let ty = node_models[i].index();
            let gpu = &gpu_names[ty];
            let model = crate::sharing::mig::model(gpu).ok_or_else(|| MigSetupError::NotMigCapable {
                node: node_names[i].to_string(),
                gpu: gpu.clone(),
                known: crate::sharing::mig::MODELS.map(|m| m.gpu).join(", "),
            })?;
            let pairs: Vec<(&str, u8)> = layout.iter().map(|(n, s)| (n.as_str(), *s)).collect();
            let device = MigGpu::with_layout(model, &pairs).map_err(|error| MigSetupError::Layout {
                node: node_names[i].to_string(),
                error,
            })?;
            state.first[i] = state.gpus.len() as u32;
            state.gpus.extend(std::iter::repeat_n(device, node_gpus[i] as usize));
            state
                .gpu_types
                .extend(std::iter::repeat_n(ty as u16, node_gpus[i] as usize));
            if state.models[ty].is_none() {
                state.models[ty] = Some(model);
                for (p, profile) in model.profiles.iter().enumerate() {
                    if let Some(id) = MigName::parse(profile.name) {
                        state.names[ty][id.index()] = p as u8;
                    }
                }
            }
        }
        state.gpu_frag = vec![0; state.gpus.len()];
        Ok(state)
    }

    /// Measures MIG fragmentation against the typical tasks of the workload: on each MIG GPU
    /// model, the profile each typical GPU task that may use the model runs in
    /// ([`MigState::profile_for`]), weighted by the class's count (docs/gpu-sharing.md).
    pub fn set_typical(&mut self, typical: &TypicalTasks) {
        for ty in 0..self.models.len() {
            if self.models[ty].is_none() {
                continue;
            }
            let id = GpuTypeId::from_index(ty);
            let mut counts = [0u64; NAME_IDS];
            for class in typical.classes() {
                if class.request.gpus == 0 || !class.allowed.contains(id) {
                    continue;
                }
                if let Some(p) = self.profile_for(id, &class.request) {
                    counts[p] += class.count;
                }
            }
            self.mixes[ty] = MigMix::new(counts.iter().enumerate().map(|(p, &n)| (p, n)));
        }
        self.frag_sums.iter_mut().for_each(|s| *s = 0);
        for i in 0..self.gpus.len() {
            self.refresh_frag(i);
        }
    }

    /// Recomputes the weighted fragmentation of device `i` (an index of `gpus`).
    fn refresh_frag(&mut self, i: usize) {
        let ty = usize::from(self.gpu_types[i]);
        let value = GpuSlices::of(&self.gpus[i], self.partitioning).weighted_frag(&self.mixes[ty]);
        self.frag_sums[ty] = self.frag_sums[ty] - self.gpu_frag[i] + value;
        self.gpu_frag[i] = value;
    }

    /// The MIG fragmentation now, in GPUs: over every MIG device, the compute slices
    /// fragmented for its model's typical profiles (the popularity-weighted mean over them),
    /// divided by the device's compute slices ([`crate::sharing::mig::frag`]). 0 without typical
    /// GPU tasks.
    pub fn frag_gpus(&self) -> f64 {
        let mut gpus = 0.0;
        for (ty, model) in self.models.iter().enumerate() {
            let (Some(model), total) = (model, self.mixes[ty].total()) else {
                continue;
            };
            if total > 0 {
                gpus += self.frag_sums[ty] as f64 / (total as f64 * f64::from(model.compute_slices));
            }
        }
        gpus
    }

    /// The partitioning of the run.
    pub fn partitioning(&self) -> Partitioning {
        self.partitioning
    }

    /// The rule choosing a task's instance among a node's devices.
    pub fn placement(&self) -> MigPlacement {
        self.placement
    }

    /// The typical profiles of GPU model `gpu_type` (empty before [`MigState::set_typical`]).
    pub fn mix_of(&self, gpu_type: GpuTypeId) -> &MigMix {
        &self.mixes[gpu_type.index()]
    }

    /// The reconfiguration time.
    pub fn reconfig_time(&self) -> SimTime {
        self.reconfig_time
    }

    /// The GPU models some node of which is in MIG mode and that have profile `mig`, as a
    /// bit mask over GPU model ids.
    pub fn types_with(&self, mig: MigName) -> u64 {
        self.names
            .iter()
            .enumerate()
            .filter(|(_, table)| table[mig.index()] != NO_PROFILE)
            .fold(0, |set, (ty, _)| set | 1 << ty)
    }

    /// The devices of `node` when it is in MIG mode.
    pub fn gpus_of(&self, node: NodeId, gpu_count: u32) -> Option<&[MigGpu]> {
        let first = *self.first.get(node.index())?;
        (first != u32::MAX).then(|| &self.gpus[first as usize..first as usize + gpu_count as usize])
    }

    fn gpus_of_mut(&mut self, node: NodeId, gpu_count: u32) -> &mut [MigGpu] {
        let first = self.first[node.index()] as usize;
        &mut self.gpus[first..first + gpu_count as usize]
    }

    /// The profile (index in the model of `gpu_type`) a task of `request` runs in on a node of
    /// that model, or `None` when the model has no such profile.
    pub fn profile_for(&self, gpu_type: GpuTypeId, request: &TaskRequest) -> Option<usize> {
        let model = self.models.get(gpu_type.index()).copied().flatten()?;
        if !request.mig.is_none() {
            let p = self.names[gpu_type.index()][request.mig.index()];
            return (p != NO_PROFILE).then_some(usize::from(p));
        }
        let profile = if request.milli_per_gpu >= crate::resources::MILLI_PER_GPU {
            model.whole()
        } else {
            profile_for_milli(model, request.milli_per_gpu)
        };
        model.profiles.iter().position(|p| p.name == profile.name)
    }

    /// Counts and clears the reconfigurations of the allocations applied since the last call:
    /// the engine delays the job it just started by the reconfiguration time when there were
    /// any.
    pub fn take_reconfigured(&mut self) -> u32 {
        std::mem::take(&mut self.reconfigured_now)
    }

    /// Reconfigurations so far.
    pub fn counters(&self) -> MigCounters {
        self.counters
    }

    /// Starts `task` (checked) in its instances on `node`'s devices, counting reconfigurations.
    pub(super) fn take(&mut self, task: &TaskAlloc, gpu_count: u32) {
        let Some(slot) = task.mig else { return };
        let partitioning = self.partitioning;
        let reconfig_s = self.reconfig_time.as_secs_f64();
        let mut reconfigured = 0u32;
        let mut slices = 0u32;
        let mut compute = 1u32;
        let first = self.first[task.node.index()] as usize;
        for gpu in super::devices_of(task.gpu_mask) {
            let device = &mut self.gpus_of_mut(task.node, gpu_count)[gpu];
            compute = u32::from(device.model().compute_slices);
            let changed = device
                .start_task(usize::from(slot.profile), slot.start, partitioning)
                .expect("an allocation is checked before it is applied");
            if changed != 0 {
                reconfigured += 1;
                slices += changed.count_ones();
            }
            self.refresh_frag(first + gpu);
        }
        self.reconfigured_now += reconfigured;
        self.counters.reconfigurations += u64::from(reconfigured);
        self.counters.reconfig_gpu_s += reconfig_s * f64::from(slices) / f64::from(compute);
    }

    /// Ends `task`'s runs in its instances on `node`'s devices; the instances stay, idle.
    pub(super) fn give(&mut self, task: &TaskAlloc, gpu_count: u32) {
        let Some(slot) = task.mig else { return };
        let first = self.first[task.node.index()] as usize;
        for gpu in super::devices_of(task.gpu_mask) {
            let released = self.gpus_of_mut(task.node, gpu_count)[gpu].release(slot.start);
            debug_assert!(released, "a released task held its instance");
            self.refresh_frag(first + gpu);
        }
    }
}

/// Where a task of profile `profile` goes on a node whose MIG devices are `gpus`, with
/// `free` milli-GPU free per device: `count` devices (1 for an instance; a whole-GPU task's
/// count for the whole profile), each taking the profile at one start.
///
/// For one device: an idle instance of the profile before a new one (no reconfiguration),
/// and among the candidates of that kind the one `rule` picks ([`place()`]: first-fit, best-fit
/// by leftover compute slices, or the least increase of MIG fragmentation for `mix`). Several
/// devices take the lowest ones that can start the profile at its first valid start.
pub fn pick_instance(
    gpus: &[MigGpu],
    free: &[u16],
    profile: usize,
    count: u32,
    partitioning: Partitioning,
    rule: MigPlacement,
    mix: &MigMix,
) -> Option<(u64, MigSlot, u32)> {
    let model = gpus.first()?.model();
    let prof = &model.profiles[profile];
    let milli = instance_milli(model, prof);
    let roomy = |d: usize| u32::from(free[d]) >= milli;
    let slot = |start: u8| MigSlot {
        profile: profile as u8,
        start,
    };
    if count > 1 {
        let start = prof.starts[0];
        let mut mask = 0u64;
        let mut found = 0;
        for (d, gpu) in gpus.iter().enumerate() {
            if roomy(d) && gpu.fits(profile, start, partitioning) {
                mask |= 1 << d;
                found += 1;
                if found == count {
                    return Some((mask, slot(start), milli));
                }
            }
        }
        return None;
    }
    // Idle instances first (the static candidates), then, partitioning dynamically, new ones.
    let reuse = place(gpus, roomy, profile, Partitioning::Static, rule, mix);
    let chosen = match (reuse, partitioning) {
        (Some(pick), _) => Some(pick),
        (None, Partitioning::Dynamic) => place(gpus, roomy, profile, Partitioning::Dynamic, rule, mix),
        (None, Partitioning::Static) => None,
    };
    chosen.map(|(d, start)| (1u64 << d, slot(start), milli))
}
