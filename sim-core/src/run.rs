//! One complete run with the standard collectors: what `clustersim run` and sweeps execute.

use std::error::Error;

use crate::cluster::Cluster;
use crate::engine::{Engine, EngineConfig, EngineStats, RunError};
use crate::job::{JobSpec, JobState};
use crate::metrics::{EventDigest, JobRow, Sample, Summary, UsageCollector};
use crate::observe::Observer;
use crate::policy::Policy;
use crate::time::SimTime;

/// Everything a run produces, ready for the report writers.
pub struct RunRecord {
    /// The metrics.
    pub summary: Summary,
    /// One row per job, in arrival order.
    pub jobs: Vec<JobRow>,
    /// Sampled cluster state, in time order.
    pub timeseries: Vec<Sample>,
    /// Hash of the ordered stream of applied records (16 hex digits).
    pub event_digest: String,
    /// When the run ended.
    pub end: SimTime,
    /// Jobs rejected at arrival because the cluster can never hold them.
    pub rejected_jobs: u64,
    /// Engine work counters (wall-clock-free, but not part of the deterministic outputs).
    pub stats: EngineStats,
}

/// Runs `source` on `cluster` under `policy` to the end and collects the standard metrics.
pub fn simulate<S, E>(
    cluster: Cluster,
    source: S,
    policy: &mut dyn Policy,
    config: EngineConfig,
) -> Result<RunRecord, RunError>
where
    S: Iterator<Item = Result<JobSpec, E>>,
    E: Into<Box<dyn Error + Send + Sync>>,
{
    simulate_observed(cluster, source, policy, config, Vec::new())
}

/// [`simulate`], with `extra` observers watching the run beside the standard collectors (the
/// fill experiment's allocation curve, for one).
pub fn simulate_observed<S, E>(
    cluster: Cluster,
    source: S,
    policy: &mut dyn Policy,
    config: EngineConfig,
    extra: Vec<&mut dyn Observer>,
) -> Result<RunRecord, RunError>
where
    S: Iterator<Item = Result<JobSpec, E>>,
    E: Into<Box<dyn Error + Send + Sync>>,
{
    let mut usage = UsageCollector::new();
    let mut digest = EventDigest::new();
    let mut engine = Engine::new(cluster, source, policy, config)?;
    engine.add_observer(&mut usage);
    engine.add_observer(&mut digest);
    for observer in extra {
        engine.add_observer(observer);
    }
    let outcome = engine.run()?;
    let summary = Summary::compute(&outcome, &usage.totals());
    let node_names: Vec<String> = outcome.cluster.nodes().iter().map(|n| n.name.clone()).collect();
    let jobs = outcome.jobs.iter().map(|j| JobRow::from_job(j, &node_names)).collect();
    let rejected_jobs = outcome
        .jobs
        .iter()
        .filter(|j| j.state == JobState::Failed && j.first_start.is_none())
        .count() as u64;
    Ok(RunRecord {
        summary,
        jobs,
        timeseries: usage.into_samples(),
        event_digest: digest.hex(),
        end: outcome.end,
        rejected_jobs,
        stats: outcome.stats,
    })
}
