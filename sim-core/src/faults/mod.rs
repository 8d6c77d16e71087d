//! Failures and incidents: what can fail, when, for how long, and what a failure does to jobs.
//!
//! - [`sampler`] draws times between failures (exponential, Weibull) and repair times (fixed,
//!   lognormal).
//! - [`domains`] numbers the units of each component class and what a unit's failure takes away.
//! - [`cascade`] models overloads (jobs whose real memory use exceeds their request take a node down)
//!   and the circuit breaker that pauses requeues.
//! - [`log`] holds the incident log behind `incidents.csv`.
//! - [`causes`] draws failures from a cause table (`[[faults.causes]]`): each cause with its
//!   domain, rate per unit and repair time.
//! - [`rates`] draws each node's failure-rate multiplier (`node_rate_sigma`): a fleet with a
//!   few bad nodes.
//! - [`lemons`] drains a node that fails too often for a long repair (`[faults.lemons]`).
//! - [`spares`] holds hot spare nodes idle and swaps one in for a node that fails under a job
//!   (`[training] hot_spares`).
//!
//! Random failures of each component class draw from their own seeded stream
//! (`faults.node`, `faults.tor`, …), and only the failure process itself consumes it, so the
//! same seed gives the same failure times under any policy (common random numbers). Scripted
//! incidents that pick random targets draw from `faults.incidents`.

pub mod cascade;
pub mod causes;
pub mod domains;
pub mod failures;
pub mod lemons;
pub mod log;
pub mod rates;
pub mod sampler;
pub mod spares;

use crate::time::SimTime;
pub use cascade::{BreakerConfig, CascadeConfig};
pub use domains::Component;
pub use lemons::LemonConfig;
pub use log::{Cause, IncidentRow};
pub use sampler::{Lifetime, RepairTime};

/// Random failures of one component class (`[[faults.random]]`).
#[derive(Clone, Debug, PartialEq)]
pub struct RandomFaults {
    /// The class: every unit of it fails independently.
    pub component: Component,
    /// Time between failures of one unit (its clock restarts after each repair).
    pub lifetime: Lifetime,
    /// How long a failed unit stays failed.
    pub repair: RepairTime,
}

/// Where a cause of a cause table strikes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CauseDomain {
    /// One GPU device: it leaves the capacity until repaired; the job using it dies.
    Gpu,
    /// One node: it goes down until repaired; its jobs die.
    Node,
    /// The job alone (a software bug, a watchdog timeout, planned maintenance): it strikes
    /// per GPU of a running job and kills the job; no hardware is taken.
    Job,
}

impl CauseDomain {
    /// The name used in `[[faults.causes]] domain`.
    pub fn name(self) -> &'static str {
        match self {
            CauseDomain::Gpu => "gpu",
            CauseDomain::Node => "node",
            CauseDomain::Job => "job",
        }
    }
}

/// One cause of a cause table (`[[faults.causes]]`).
#[derive(Clone, Debug, PartialEq)]
pub struct FailureCause {
    /// Its name, the `kind` of its incidents.
    pub name: String,
    /// What it strikes.
    pub domain: CauseDomain,
    /// Failures per unit of its domain per second (constant hazard).
    pub rate_per_unit_s: f64,
    /// How long a struck GPU or node stays failed (ignored for the job domain).
    pub repair: RepairTime,
    /// Whether its interruptions are planned (maintenance): their incidents say `planned`.
    pub planned: bool,
}

/// What a scripted incident does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IncidentKind {
    /// A unit of a component class fails.
    Failure(Component),
    /// Preemptible capacity is reclaimed: the target nodes are taken away (their jobs are
    /// interrupted) until the incident ends.
    SpotReclaim,
}

impl IncidentKind {
    /// The class of the units the incident targets (nodes for a reclaim).
    pub fn component(self) -> Component {
        match self {
            IncidentKind::Failure(c) => c,
            IncidentKind::SpotReclaim => Component::Node,
        }
    }

    /// The name used in scenarios and `incidents.csv`.
    pub fn name(self) -> &'static str {
        match self {
            IncidentKind::Failure(c) => c.failure_name(),
            IncidentKind::SpotReclaim => "spot-reclaim",
        }
    }
}

/// Which units a scripted incident hits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// These units (indices in the class's numbering, see [`Domains::unit_count`](domains::Domains::unit_count)).
    Units(Vec<u32>),
    /// This many distinct units drawn at random (uniformly among all units of the class, whatever
    /// their state, so the draw does not depend on the policy).
    Random(u32),
}

/// A scripted incident (`[[faults.incident]]`).
#[derive(Clone, Debug, PartialEq)]
pub struct Incident {
    /// When it happens.
    pub at: SimTime,
    /// What happens.
    pub kind: IncidentKind,
    /// To which units.
    pub target: Target,
    /// How long until the units come back; `None`: never within the run.
    pub duration: Option<SimTime>,
}

/// Where a job that a failure stopped goes back in the queue.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Requeue {
    /// At its arrival position: ahead of every job that arrived after it.
    #[default]
    Front,
    /// Behind every job waiting when it returns.
    Back,
}

/// What happens to a job whose attempt a failure ends.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct JobImpact {
    /// Time from the failure until the job can start again (detection, rescheduling): it waits
    /// outside the queue meanwhile. It then restarts from its last checkpoint.
    pub restart_overhead: SimTime,
    /// Failures a job survives; the next one ends it `Failed`. `None`: no limit.
    pub max_retries: Option<u32>,
    /// Extra wait before the first retry; `backoff × backoff_factor^(n − 1)` before the n-th.
    pub backoff: SimTime,
    /// Growth of the back-off from one retry to the next (2 = exponential back-off).
    pub backoff_factor: f64,
    /// Where a returning job goes in the queue.
    pub requeue: Requeue,
}

impl Default for JobImpact {
    fn default() -> Self {
        JobImpact {
            restart_overhead: SimTime::ZERO,
            max_retries: None,
            backoff: SimTime::ZERO,
            backoff_factor: 2.0,
            requeue: Requeue::Front,
        }
    }
}

impl JobImpact {
    /// How long a job waits before it is queued again after its `failures`-th failure (≥ 1).
    pub fn delay(&self, failures: u32) -> SimTime {
        if self.backoff == SimTime::ZERO {
            // No back-off, however many failures (0 × factor^n would be 0 × ∞ past n ≈ 1,000).
            return self.restart_overhead;
        }
        let exponent = i32::try_from(failures.saturating_sub(1)).unwrap_or(i32::MAX);
        let backoff_s = self.backoff.as_secs_f64() * crate::math::powi(self.backoff_factor, exponent);
        let backoff = SimTime((backoff_s * 1e6).round().min(u64::MAX as f64 / 4.0) as u64);
        self.restart_overhead.saturating_add(backoff)
    }
}

/// Everything a scenario's `[faults]` turns on.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FaultsConfig {
    /// Random failure processes, one per component class.
    pub random: Vec<RandomFaults>,
    /// Scripted incidents.
    pub incidents: Vec<Incident>,
    /// The cause table: failures by cause.
    pub causes: Vec<FailureCause>,
    /// Restart overhead, retries, back-off and requeue position.
    pub jobs: JobImpact,
    /// Overloads after rescheduling (off when `None`).
    pub cascade: Option<CascadeConfig>,
    /// Circuit breaker on requeues (off when `None`).
    pub breaker: Option<BreakerConfig>,
    /// σ of the lognormal (mean 1) that multiplies each node's failure rate, and its GPUs'
    /// ([`rates`]); `None`: every node fails at the same rate.
    pub node_rate_sigma: Option<f64>,
    /// Lemon-node exclusion (off when `None`).
    pub lemons: Option<LemonConfig>,
    /// Nodes held idle as hot spares for the jobs failures stop ([`spares`]); 0: none.
    pub hot_spares: u32,
    /// A job a failure stops keeps its nodes through its detection, out of other jobs' reach
    /// ([`spares`]; always so with hot spares).
    pub keep_nodes: bool,
    /// Seed of the failure streams (the run's seed).
    pub seed: u64,
    /// The scenario asks for failures (a `[faults]` section), even if nothing can fail: its
    /// failure metrics and incidents are reported, as zeros and none, so that a run with the
    /// failures taken out compares with the runs that have them.
    pub declared: bool,
}

impl FaultsConfig {
    /// True when anything can fail.
    pub fn is_active(&self) -> bool {
        !self.random.is_empty() || !self.incidents.is_empty() || !self.causes.is_empty() || self.cascade.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_backoff_stays_no_backoff_after_thousands_of_failures() {
        // 2^1,999 overflows to ∞ and 0 × ∞ is NaN: the wait must still be the restart overhead.
        let impact = JobImpact {
            restart_overhead: SimTime::from_secs(60),
            ..JobImpact::default()
        };
        assert_eq!(impact.delay(2000), SimTime::from_secs(60));
    }
}
