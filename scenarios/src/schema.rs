//! The scenario file: what each key means, its unit and its default.
//!
//! Every table rejects unknown keys (the loader suggests the nearest valid one). The physical
//! sections (`[fabric]`, `[power]`, `[thermal]`) are in [`crate::physics_schema`], `[faults]`
//! in [`crate::faults_schema`].

use std::collections::BTreeMap;

use policies::PolicyConfig;
use serde::{Deserialize, Serialize};

use crate::duration::Duration;
use crate::faults_schema::FaultsSection;
use crate::limits::LimitsSection;
use crate::physics_schema::{FabricSection, PowerSection, ThermalSection};
use crate::sharing_schema::SharingSection;

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
    /// The scheduling policy: a preset, parts replacing its own, and the parameters the parts
    /// read (defined by the policies crate's registry: `clustersim policies` lists them).
    #[serde(default)]
    pub policy: PolicyConfig,
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
    /// Failures, incidents, cascades and their mitigations (nothing fails when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub faults: Option<FaultsSection>,
    /// Checkpoint and restart costs of training jobs (none when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub training: Option<crate::training::TrainingSection>,
    /// How GPUs are shared between tasks: fractions (the default), time slicing, MPS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sharing: Option<SharingSection>,
    /// Many runs of this scenario: seeds × a grid of values (`clustersim sweep`); ignored by `run`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sweep: Option<SweepSection>,
    /// The resource budget (docs/limits.md): omitted keys take the machine's defaults.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<LimitsSection>,
    /// World models of a crate's own to run, by the names their registry gives them
    /// (docs/engine.md, "Adding a world model"); none by default.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub models: Vec<String>,
}

/// `[cluster]`: generated racks of identical nodes, a node file, or a machine sized from an
/// SWF trace's header.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterSection {
    /// Number of racks (generated cluster).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub racks: Option<u32>,
    /// Nodes in each rack: of a generated cluster, of one sized from the trace, or the grouping
    /// of a node file without racks (openb, pai; default 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nodes_per_rack: Option<u32>,
    /// The node every generated node is a copy of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<NodeTemplate>,
    /// A node file instead of generated racks: native (`node, rack, gpus, gpu_type, cpus,
    /// mem_gib`), an openb node list or a PAI machine spec.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nodes_file: Option<String>,
    /// The node file's format (`native`, `openb`, `pai`); detected from its first line when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nodes_format: Option<String>,
    /// Size the cluster from the SWF trace's header: `ceil(MaxProcs / processors per node)`
    /// copies of `node` (processors per node: `node.gpus`, or `node.cpus` when
    /// `workload.swf_processor = "cpu"`; `MaxNodes` when `MaxProcs` is absent), in racks of
    /// `nodes_per_rack`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub from_trace: bool,
}

/// One generated node.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NodeTemplate {
    /// GPU devices per node (at most 64).
    pub gpus: u32,
    /// GPU model name, e.g. `"A100-80GB"`; omitted only on nodes without GPUs.
    #[serde(default)]
    pub gpu_type: String,
    /// CPU cores per node; omitted: CPU requests are not constrained.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpus: Option<f64>,
    /// Memory per node in GiB; omitted: memory requests are not constrained.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mem_gib: Option<f64>,
}

/// `[workload]`: where the jobs come from, and how they are replayed.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WorkloadSection {
    /// A trace file (relative to the scenario's folder, else to the working directory), or
    /// `sample:NAME` for a trace embedded in the program (`sample:philly`); omitted when
    /// `[workload.synthetic]` generates the jobs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<String>,
    /// The trace format (`native`, `philly`, `swf`, `openb`, `helios`); detected from the file when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// `replay` (default): jobs arrive at their submit times. `fill`: the FGD capacity
    /// protocol (see `traces::fill`); writes `fill.csv`.
    #[serde(default, skip_serializing_if = "WorkloadMode::is_replay")]
    pub mode: WorkloadMode,
    /// Fill mode: GPU demand to reach, as a multiple of the cluster's GPU capacity (default 1.3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_demand: Option<f64>,
    /// SWF traces: what one processor becomes, `gpu` (default) or `cpu` (one core).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub swf_processor: Option<String>,
    /// SWF traces: which processor count is a job's size, `allocated` (default: field 5, else
    /// 8), `requested` (field 8, else 5) or `larger` (the larger of the two).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub swf_size: Option<String>,
    /// Openb pod lists without times: how long each pod runs (default `"616s"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_duration: Option<Duration>,
    /// Generate the jobs instead of reading a trace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub synthetic: Option<SyntheticSection>,
    /// Share of full-speed time spent communicating, given to every multi-node job whose trace
    /// gives none (most public traces do not; docs/models.md: 0.1–0.3 for tuned LLM training).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comm_fraction: Option<f64>,
    /// A trace whose tasks are the typical tasks that the FGD paper's fragmentation is measured
    /// against (and `fgd` places for), format detected from the file; default: the workload's
    /// own jobs, read whole before the run (for a fill run, the pod list before inflation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub typical_tasks: Option<String>,
    /// Popularity threshold of the typical tasks, in percent of the tasks (default 95).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub typical_threshold: Option<u32>,
}

impl WorkloadSection {
    /// Where the jobs come from, for messages: the trace, or `[workload.synthetic]`.
    pub fn source_name(&self) -> &str {
        self.trace.as_deref().unwrap_or("[workload.synthetic]")
    }
}

/// How a workload is replayed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum WorkloadMode {
    /// Jobs arrive at their submit times, queue, run and finish.
    #[default]
    Replay,
    /// Capacity experiment: shuffled pods, one per instant, never finishing, failing when not
    /// placed at once, until the target demand.
    Fill,
}

impl WorkloadMode {
    fn is_replay(&self) -> bool {
        *self == WorkloadMode::Replay
    }
}

/// `[workload.synthetic]`: the generator's keys. Omitted keys take the family's defaults
/// (docs/models.md §6 gives them with their sources).
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SyntheticSection {
    /// Number of jobs (default 1000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jobs: Option<u64>,
    /// `dl` (default) or `llm`: the default size mix, duration fit and comm_fraction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    /// GPUs per job → weight: `{ 1 = 0.7, 2 = 0.1 }`; `"0.5"` is half a GPU, `16-1024` the
    /// powers of two in that range, log-uniform.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sizes: Option<BTreeMap<String, f64>>,
    /// GPUs per node of the gang layout (default 8).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gpus_per_node: Option<u32>,
    /// Duration distribution: `lognormal` (default), `loguniform` or `gavel`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<String>,
    /// Lognormal fit: `philly`, `helios`, `pai`, `seren`, `kalos` (default: the family's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_fit: Option<String>,
    /// Lognormal μ of ln(seconds), overriding the fit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_mu: Option<f64>,
    /// Lognormal σ of ln(seconds), overriding the fit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_sigma: Option<f64>,
    /// Log-uniform: shortest duration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_min: Option<Duration>,
    /// Log-uniform: longest duration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_max: Option<Duration>,
    /// Offered load ρ: the Poisson rate is ρ × cluster GPUs ÷ (mean GPUs × mean duration)
    /// (default 0.8).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load: Option<f64>,
    /// Mean arrivals per day, instead of `load`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jobs_per_day: Option<f64>,
    /// Shape arrivals by a daily cycle and quieter weekends (default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diurnal: Option<bool>,
    /// Daily cycle amplitude A (default 0.4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diurnal_amplitude: Option<f64>,
    /// Time of day with the most arrivals (default `"14h"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diurnal_peak: Option<Duration>,
    /// Weekend rate relative to weekdays (default 0.6).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weekend_factor: Option<f64>,
    /// Users → weight (default one user, `default`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub users: Option<BTreeMap<String, f64>>,
    /// Queues → weight (default one queue, `default`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queues: Option<BTreeMap<String, f64>>,
    /// Priority → weight, e.g. `{ 0 = 0.9, 10 = 0.1 }` (default all 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priorities: Option<BTreeMap<String, f64>>,
    /// Share of preemptible jobs (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preemptible_share: Option<f64>,
    /// comm_fraction of jobs spanning nodes (default: dl 0.4, llm 0.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comm_fraction: Option<f64>,
}

/// `[output]`: what the run records.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OutputSection {
    /// Interval between rows of `timeseries.csv` (default `"10m"`).
    #[serde(default = "default_sample_interval")]
    pub sample_interval: Duration,
    /// Write `decisions.csv`, the why-log of every scheduling round (as `run --explain`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub explain: bool,
    /// Write `jobs.swf`, the simulated schedule in the Standard Workload Format (as `run --swf`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub swf: bool,
    /// The metrics this scenario is about, in order: they lead the table `run` prints, the
    /// `compare` table, the report's first table and the sweep charts (names of the metric
    /// registry or of the loading registry's own metrics; default none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub key_metrics: Vec<String>,
    /// Candidate nodes the why-log lists, with their scores, for a start by a scored placement
    /// (default 3; 0 leaves the `candidates` column empty).
    #[serde(default = "default_explain_top_k", skip_serializing_if = "is_default_explain_top_k")]
    pub explain_top_k: u32,
}

impl Default for OutputSection {
    fn default() -> Self {
        OutputSection {
            sample_interval: default_sample_interval(),
            explain: false,
            swf: false,
            key_metrics: Vec::new(),
            explain_top_k: default_explain_top_k(),
        }
    }
}

/// Candidates the why-log lists by default.
pub const DEFAULT_EXPLAIN_TOP_K: u32 = 3;

fn default_explain_top_k() -> u32 {
    DEFAULT_EXPLAIN_TOP_K
}

fn is_default_explain_top_k(k: &u32) -> bool {
    *k == DEFAULT_EXPLAIN_TOP_K
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
