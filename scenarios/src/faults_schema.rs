//! `[faults]`: random failures per component class, scripted incidents, what failures do to
//! jobs, cascades and the circuit breaker. Defaults and their sources are in docs/models.md §5 and
//! the README ("Failures and incidents").

use serde::{Deserialize, Serialize};
use sim_core::faults::Component;

use crate::duration::Duration;

/// `[faults]`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FaultsSection {
    /// Time from a failure until a stopped job may start again (detection, rescheduling),
    /// default `"10m"` (docs/models.md §5, median restart overhead).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart_overhead: Option<Duration>,
    /// Failures a job survives; the next one ends it `failed` (default: no limit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_retries: Option<u32>,
    /// Extra wait before a job's first retry, multiplied by `backoff_factor` at each further
    /// one (default `"0s"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backoff: Option<Duration>,
    /// Growth of the back-off per retry (default 2: exponential back-off).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backoff_factor: Option<f64>,
    /// Where a stopped job returns in the queue: `front` (its arrival position, default) or `back`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requeue: Option<RequeueName>,
    /// Random failures, one table per component class.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub random: Vec<RandomSection>,
    /// Scripted incidents.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub incident: Vec<IncidentSection>,
    /// The cause table: failures by cause (docs/training.md).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub causes: Vec<CauseSection>,
    /// Overloads of nodes by rescheduled jobs (off when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cascade: Option<CascadeSection>,
    /// Circuit breaker on requeues (off when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub breaker: Option<BreakerSection>,
    /// σ of ln(each node's failure-rate multiplier), a lognormal of mean 1 that scales the
    /// failure rates of the node and its GPUs (default: none, every node alike).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_rate_sigma: Option<f64>,
    /// Lemon-node exclusion (off when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lemons: Option<LemonsSection>,
}

/// `[faults.lemons]`: drain a node that fails too often for a long repair.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LemonsSection {
    /// Failures of one node within `window` that get it drained (0: never, for sweeps).
    pub failures: u32,
    /// The sliding window (default `"7d"`).
    #[serde(default = "default_lemon_window")]
    pub window: Duration,
    /// How long a drained node is held down (default `"3d"`).
    #[serde(default = "default_lemon_repair")]
    pub repair: Duration,
    /// Whether the repair fixes the node: a failure-rate multiplier above 1 becomes 1
    /// (default true).
    #[serde(default = "yes")]
    pub fix: bool,
}

/// Where a stopped job returns in the queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RequeueName {
    /// At its arrival position.
    Front,
    /// Behind every waiting job.
    Back,
}

/// `[[faults.random]]`: every unit of a class fails independently, again and again.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RandomSection {
    /// The class: `gpu`, `node`, `tor`, `spine`, `pdu` or `cooling`.
    pub component: Component,
    /// Mean time between failures of one unit (its clock restarts after each repair).
    pub mtbf: Duration,
    /// `exponential` (default) or `weibull`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distribution: Option<LifetimeName>,
    /// Weibull shape k (default 0.7: decreasing hazard, docs/models.md §5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shape: Option<f64>,
    /// Mean time to repair.
    pub mttr: Duration,
    /// `fixed` (default: always `mttr`) or `lognormal` (mean `mttr`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repair: Option<RepairName>,
    /// Lognormal σ of ln(repair time) (default 0.8, docs/models.md §5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repair_sigma: Option<f64>,
}

/// Distribution of the time between failures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LifetimeName {
    /// Constant hazard.
    Exponential,
    /// Weibull of shape `shape`.
    Weibull,
}

/// Distribution of repair times.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RepairName {
    /// Always `mttr`.
    Fixed,
    /// Lognormal of mean `mttr`.
    Lognormal,
}

/// `[[faults.incident]]`: one scripted incident.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentSection {
    /// When it happens.
    pub at: Duration,
    /// `gpu-failure`, `node-failure`, `tor-failure`, `spine-failure`, `pdu-trip`,
    /// `cooling-failure` or `spot-reclaim`.
    pub kind: IncidentKindName,
    /// A unit's name (`"r03-n1"`, `"r03-n1/gpu5"`, `"r03"`, `"spine1"`), `"random"` (one unit
    /// drawn at random), or a count of random units.
    pub target: toml::Value,
    /// How long until its units come back (default: not within the run).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<Duration>,
}

/// What a scripted incident does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum IncidentKindName {
    /// A GPU fails.
    GpuFailure,
    /// A node fails.
    NodeFailure,
    /// A rack's leaf switch fails.
    TorFailure,
    /// A spine switch fails.
    SpineFailure,
    /// A rack's PDU trips.
    PduTrip,
    /// A rack's cooling unit fails.
    CoolingFailure,
    /// Preemptible nodes are reclaimed.
    SpotReclaim,
}

/// `[faults.cascade]`: rescheduled jobs overloading nodes.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CascadeSection {
    /// Real memory use ÷ request of a job restarted after a failure (default 1: no overload).
    #[serde(default = "one")]
    pub usage_factor: f64,
    /// How long a node runs over its memory before it goes down (default `"30s"`).
    #[serde(default = "default_overload_delay")]
    pub overload_delay: Duration,
    /// How long an overloaded node stays down (default `"30m"`).
    #[serde(default = "default_recovery")]
    pub recovery: Duration,
    /// Enforce memory limits at requests: no job uses more than it asked for (default false).
    #[serde(default)]
    pub memory_limits: bool,
}

/// `[faults.breaker]`: pause requeues when nodes fail too fast.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BreakerSection {
    /// Node failures tolerated within `window`; one more opens the breaker.
    pub failures: u32,
    /// The sliding window (default `"10m"`).
    #[serde(default = "default_window")]
    pub window: Duration,
    /// How long requeues stay paused after the last failure (default `"30m"`).
    #[serde(default = "default_recovery")]
    pub pause: Duration,
}

fn yes() -> bool {
    true
}
fn one() -> f64 {
    1.0
}
fn default_overload_delay() -> Duration {
    Duration(sim_core::SimTime::from_secs(30))
}
fn default_recovery() -> Duration {
    Duration(sim_core::SimTime::from_secs(1800))
}
fn default_lemon_window() -> Duration {
    Duration(sim_core::SimTime::from_secs(7 * 86_400))
}
fn default_lemon_repair() -> Duration {
    Duration(sim_core::SimTime::from_secs(3 * 86_400))
}
fn default_window() -> Duration {
    Duration(sim_core::SimTime::from_secs(600))
}

/// `[[faults.causes]]`: one cause of failures, its domain, rate and repair time.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CauseSection {
    /// The cause's name (`faulty-gpu`, `software-bug`, …): the `kind` of its incidents.
    pub name: String,
    /// What it strikes: `gpu`, `node` or `job` (the job alone, per GPU of a running job).
    pub domain: CauseDomainName,
    /// Failures per unit of the domain per day.
    pub rate_per_day: f64,
    /// Mean time to repair a struck GPU or node (required for those domains).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mttr: Option<Duration>,
    /// `fixed` (default: always `mttr`) or `lognormal` (mean `mttr`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repair: Option<RepairName>,
    /// Lognormal σ of ln(repair time) (default 0.8).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repair_sigma: Option<f64>,
    /// Planned interruptions (maintenance): their incidents say `planned` (default false).
    #[serde(default)]
    pub planned: bool,
}

/// What a cause strikes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CauseDomainName {
    /// One GPU.
    Gpu,
    /// One node.
    Node,
    /// The job alone.
    Job,
}
