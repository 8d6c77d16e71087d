//! The scenario file: what each key means, its unit and its default.
//!
//! Every table rejects unknown keys (the loader suggests the nearest valid one). The physical
//! sections (`[fabric]`, `[power]`, `[thermal]`) are in [`crate::physics_schema`]; `[faults]`
//! is not implemented yet and is refused as an unknown key.

use std::collections::BTreeMap;

use policies::{ConfigError, PolicyConfig, PolicySpec, QueueConfig};
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

/// `[policy]`: the scheduling policy, a preset and optional parts and parameters.
///
/// The preset (`name`) supplies every part; each part written here replaces the preset's.
/// Parameters apply only to the parts that use them (the others ignore them).
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PolicySection {
    /// A preset (`clustersim policies` lists them); default `first-fit`.
    #[serde(default = "default_policy")]
    pub name: String,
    /// Queue order: `fifo`, `priority`, `sjf`, `drf`, `lottery`, `fair-share`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<String>,
    /// Placement: `first-fit`, `best-fit`, `worst-fit`, `packed`, `spread`, `random`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placement: Option<String>,
    /// Backfilling: `none`, `easy`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backfill: Option<String>,
    /// Preemption rule: `none`, `least-progress`, `lowest-priority`, `newest`, `min-lost-work`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preemption: Option<String>,
    /// What DRF and lottery share between: `user` (default) or `queue`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share_by: Option<String>,
    /// Lottery tickets by user (or queue); 1 for anyone not listed.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tickets: BTreeMap<String, u64>,
    /// Queues for fair share and quotas: `[policy.queues.NAME]`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub queues: BTreeMap<String, QueueSection>,
    /// A job cannot be preempted until it has run this long since it (re)started (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grace: Option<Duration>,
    /// A job preempted this many times is never preempted again (default: no cap).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_preemptions: Option<u32>,
    /// Time slicing: a running job may be suspended for a waiting job of equal priority after
    /// running this long (default: no time slicing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_slice: Option<Duration>,
    /// Work a job loses per time-slicing suspension (default 0; shorter than `time_slice`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub switch_overhead: Option<Duration>,
}

/// `[policy.queues.NAME]`: one queue of the fair-share tree.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct QueueSection {
    /// The parent queue (default: a top-level queue).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// Share weight among its siblings (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<f64>,
    /// Most GPUs it and its sub-queues may hold at once (default: no limit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quota_gpus: Option<f64>,
}

impl Default for PolicySection {
    fn default() -> Self {
        PolicySection {
            name: default_policy(),
            queue: None,
            placement: None,
            backfill: None,
            preemption: None,
            share_by: None,
            tickets: BTreeMap::new(),
            queues: BTreeMap::new(),
            grace: None,
            max_preemptions: None,
            time_slice: None,
            switch_overhead: None,
        }
    }
}

impl PolicySection {
    /// The section as the policies crate reads it.
    pub fn config(&self) -> PolicyConfig {
        PolicyConfig {
            name: self.name.clone(),
            queue: self.queue.clone(),
            placement: self.placement.clone(),
            backfill: self.backfill.clone(),
            preemption: self.preemption.clone(),
            share_by: self.share_by.clone(),
            tickets: self.tickets.clone(),
            queues: self
                .queues
                .iter()
                .map(|(name, q)| {
                    let config = QueueConfig {
                        parent: q.parent.clone(),
                        weight: q.weight,
                        quota_gpus: q.quota_gpus,
                    };
                    (name.clone(), config)
                })
                .collect(),
            grace: self.grace.map(|d| d.0),
            max_preemptions: self.max_preemptions,
            time_slice: self.time_slice.map(|d| d.0),
            switch_overhead: self.switch_overhead.map(|d| d.0),
        }
    }

    /// The checked policy (parts resolved, values checked).
    pub fn spec(&self) -> Result<PolicySpec, ConfigError> {
        PolicySpec::from_config(&self.config())
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
