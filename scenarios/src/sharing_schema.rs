//! `[sharing]`: how the GPUs of the cluster are shared between tasks (docs/gpu-sharing.md).
//! Absent, every GPU is shared by fractions, as before the section existed.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::duration::Duration;

/// A sharing mode as scenario files write it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SharingModeName {
    /// A task holds a fraction of a device, at no cost (the default).
    #[default]
    Fraction,
    /// Co-located tasks take turns and pay a context switch per turn.
    TimeSlice,
    /// Co-located tasks run concurrently and interfere.
    Mps,
    /// MIG partitions with NVIDIA's geometry (docs/gpu-sharing.md, "MIG in runs").
    Mig,
}

/// How MIG-mode GPUs are partitioned in a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MigPartitioningName {
    /// Instances are created where tasks go (idle ones in the way removed), at a
    /// reconfiguration cost (the default).
    #[default]
    Dynamic,
    /// The layouts of `mig_layouts` / `mig_node_layouts` never change.
    Static,
}

/// How a task's MIG instance is chosen among the devices of the node a policy picked.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MigPlacementName {
    /// The lowest device, the lowest valid start.
    FirstFit,
    /// The device left with the fewest free compute slices (the default).
    #[default]
    BestFit,
    /// The least increase of MIG fragmentation (FGD's rule on MIG slices).
    FragAware,
}

/// `[sharing]`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SharingSection {
    /// The mode of every GPU model not listed in `gpu_types` (default `fraction`).
    #[serde(default)]
    pub mode: SharingModeName,
    /// Modes by GPU model name, overriding `mode` for the nodes of that model.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub gpu_types: BTreeMap<String, SharingModeName>,
    /// Modes by node name, overriding `gpu_types` and `mode` for those nodes.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub nodes: BTreeMap<String, SharingModeName>,
    /// Time-slice length (default 100 ms, the seed question's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slice: Option<Duration>,
    /// Context-switch cost per turn (default 2.1 ms, the seed question's figure).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub switch: Option<Duration>,
    /// MPS interference factor α (default 0.1, an assumption: docs/gpu-sharing.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mps_interference: Option<f64>,
    /// MPS interference by GPU model name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub mps_interference_by_gpu: BTreeMap<String, f64>,
    /// MIG partitioning: `dynamic` (default) or `static`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mig_partitioning: Option<MigPartitioningName>,
    /// MIG placement within a node: `first-fit`, `best-fit` (default) or `frag-aware`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mig_placement: Option<MigPlacementName>,
    /// Time to create a MIG instance (default 10 s, an assumption: docs/gpu-sharing.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mig_reconfig: Option<Duration>,
    /// The layout every MIG-mode GPU of a model starts with, by GPU model name, as
    /// `"profile@start"` strings (`["4g.40gb@0", "3g.40gb@4"]`); no entry: no instance.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub mig_layouts: BTreeMap<String, Vec<String>>,
    /// Layouts by node name, overriding `mig_layouts`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub mig_node_layouts: BTreeMap<String, Vec<String>>,
}
