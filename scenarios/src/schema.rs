//! The scenario file: what each key means, its unit and its default.
//!
//! Every table rejects unknown keys (the loader suggests the nearest valid one). Sections of
//! DESIGN.md not listed here (`[fabric]`, `[power]`, `[thermal]`, `[faults]`) are not
//! implemented yet and are refused as unknown keys.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::duration::Duration;
use crate::physics_schema::{FabricSection, PowerSection, ThermalSection};

/// One simulation scenario.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Name, used for the default output folder and in reports.
    pub name: String,
    /// Seed of every random stream of the run (default 0).
    #[serde(default)]
    pub seed: u64,
    /// Stop the simulation at this time; by default it runs until every job has ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub horizon: Option<Duration>,
    /// The machines.
    pub cluster: ClusterSection,
    /// The jobs.
    pub workload: WorkloadSection,
    /// The scheduling policy.
    #[serde(default)]
    pub policy: PolicySection,
    /// What the run writes.
    #[serde(default)]
    pub output: OutputSection,
    /// The leaf-spine network (off when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fabric: Option<FabricSection>,
    /// Electrical power and rack budgets (off when absent, unless `[thermal]` is given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub power: Option<PowerSection>,
    /// Inlet air and GPU temperatures (off when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thermal: Option<ThermalSection>,
    /// Many runs of this scenario: seeds × a grid of values (`clustersim sweep`); ignored by `run`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sweep: Option<SweepSection>,
}

/// `[cluster]`: generated racks of identical nodes, or a nodes file.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterSection {
    /// Number of racks (generated cluster).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub racks: Option<u32>,
    /// Nodes in each rack (generated cluster).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nodes_per_rack: Option<u32>,
    /// The node every generated node is a copy of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<NodeTemplate>,
    /// A native nodes CSV (`node, rack, gpus, gpu_type, cpus, mem_gib`) instead of generated racks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nodes_file: Option<String>,
}

/// One generated node.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NodeTemplate {
    /// GPU devices per node (at most 64).
    pub gpus: u32,
    /// GPU model name, e.g. `"A100-80GB"`.
    pub gpu_type: String,
    /// CPU cores per node; omitted: CPU requests are not constrained.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpus: Option<f64>,
    /// Memory per node in GiB; omitted: memory requests are not constrained.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mem_gib: Option<f64>,
}

/// `[workload]`: where the jobs come from.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WorkloadSection {
    /// A trace file (relative to the scenario's folder, else to the working directory), or
    /// `sample:NAME` for a trace embedded in the program (`sample:philly`).
    pub trace: String,
    /// The trace format (`native`, `philly`); inferred from the file when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
}

/// `[policy]`: the scheduling policy.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PolicySection {
    /// A policy name (`clustersim policies` lists them); default `first-fit`.
    #[serde(default = "default_policy")]
    pub name: String,
}

impl Default for PolicySection {
    fn default() -> Self {
        PolicySection { name: default_policy() }
    }
}

fn default_policy() -> String {
    "first-fit".into()
}

/// `[output]`: what the run records.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OutputSection {
    /// Interval between rows of `timeseries.csv` (default `"10m"`).
    #[serde(default = "default_sample_interval")]
    pub sample_interval: Duration,
}

impl Default for OutputSection {
    fn default() -> Self {
        OutputSection {
            sample_interval: default_sample_interval(),
        }
    }
}

fn default_sample_interval() -> Duration {
    Duration(sim_core::SimTime::from_secs(600))
}

/// `[sweep]`: the runs of `clustersim sweep`.
///
/// Runs cover every combination of the grid's values, each with `seeds` seeds: the scenario's
/// `seed`, `seed + 1`, …, `seed + seeds − 1`. Run indices are stable: combinations are numbered
/// with the grid keys in alphabetical order (the first key varying slowest, each key's values
/// in the order written), and run `i` is combination `i / seeds` with seed `seed + i % seeds`.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SweepSection {
    /// Runs per grid point, each with its own seed (default 1).
    #[serde(default = "default_seeds")]
    pub seeds: u64,
    /// Dotted scenario keys (any key `--set` accepts, e.g. `policy.name`, `cluster.racks`) and
    /// the values each takes.
    #[serde(default)]
    pub grid: BTreeMap<String, Vec<toml::Value>>,
}

impl Default for SweepSection {
    fn default() -> Self {
        SweepSection {
            seeds: default_seeds(),
            grid: BTreeMap::new(),
        }
    }
}

fn default_seeds() -> u64 {
    1
}
