//! One complete run with the standard collectors: what `clustersim run` and sweeps execute.

use std::error::Error;

use crate::engine::{Engine, EngineConfig, EngineStats, RunError, World};
use crate::job::JobSpec;
use crate::metrics::{
    EventDigest, ExtraMetrics, JobRow, JobRowSink, JobRows, JobTotals, MetricPart, PowerCollector, RackSample,
    RackSampleSink, Sample, SampleSink, Summary, UsageCollector,
};
use crate::observe::Observer;
use crate::policy::Policy;
use crate::time::SimTime;

/// Everything a run produces, ready for the report writers.
pub struct RunRecord {
    /// The built-in metrics.
    pub summary: Summary,
    /// The metrics of a crate's own ([`MetricPart`]) as (name, value), in registration order:
    /// written after the built-in ones (empty without such metrics).
    pub extra_metrics: Vec<(&'static str, Option<f64>)>,
    /// One row per job, in arrival order ([`simulate`]; empty when the rows went to a sink).
    pub jobs: Vec<JobRow>,
    /// Sampled cluster state, in time order.
    pub timeseries: Vec<Sample>,
    /// Sampled per-rack power, temperatures and uplink load (empty without physical models).
    pub racks: Vec<RackSample>,
    /// Rack names, indexed by `RackId`.
    pub rack_names: Vec<String>,
    /// Hash of the ordered stream of applied records (16 hex digits).
    pub event_digest: String,
    /// When the run ended.
    pub end: SimTime,
    /// Jobs refused without ever starting (the cluster can never hold them, or a fill run did
    /// not place them on arrival); jobs failed past their retry limit are not counted here
    /// (`Summary::jobs_failed_after_retries`).
    pub rejected_jobs: u64,
    /// Every incident of the run, in order (`incidents.csv`).
    pub incidents: Vec<crate::faults::IncidentRow>,
    /// True when the run had a failure model or incidents (`incidents.csv` is written).
    pub faults_active: bool,
    /// When the circuit breaker opened, in order (empty without one).
    pub breaker_openings: Vec<SimTime>,
    /// Engine work counters (wall-clock-free, but not part of the deterministic outputs).
    pub stats: EngineStats,
    /// Distinct users among the jobs that arrived (a policy sharing by user with one has
    /// nothing to share out).
    pub users: usize,
    /// Distinct queues among the jobs that arrived.
    pub queues: usize,
}

/// Runs `source` on `world` (a [`World`] or a bare cluster) under `policy` to the end and
/// collects the standard metrics, every job's row included.
pub fn simulate<S, E>(
    world: impl Into<World>,
    source: S,
    policy: &mut dyn Policy,
    config: EngineConfig,
) -> Result<RunRecord, RunError>
where
    S: Iterator<Item = Result<JobSpec, E>>,
    E: Into<Box<dyn Error + Send + Sync>>,
{
    let mut rows = Vec::new();
    let mut record = simulate_measured(world, source, policy, config, Vec::new(), &mut rows, None, &[])?;
    record.jobs = rows;
    Ok(record)
}

/// Where a run's samples go as they are taken, instead of into its [`RunRecord`]: written as
/// the run goes, so that its memory does not grow with its simulated time.
pub struct SampleSinks<'a> {
    /// The cluster's samples (`timeseries.csv`).
    pub cluster: &'a mut dyn SampleSink,
    /// Each rack's samples, when a physical model is on (`racks.csv`).
    pub racks: &'a mut dyn RackSampleSink,
}

/// [`simulate`], with `extra` observers watching the run beside the standard collectors (the
/// fill experiment's allocation curve, for one), every job's row handed to `rows` as the job is
/// retired (written as it comes, or dropped, when the run streams its jobs:
/// `EngineConfig::stream_jobs`), and the metrics of `metrics` computed too (a crate's own,
/// built afresh for this run; empty for none): they watch the run after the standard
/// collectors and `extra`, and their values go to [`RunRecord::extra_metrics`]. With `samples`,
/// the time series go there as they are taken and [`RunRecord::timeseries`] and
/// [`RunRecord::racks`] stay empty.
#[allow(clippy::too_many_arguments)]
pub fn simulate_measured<S, E>(
    world: impl Into<World>,
    source: S,
    policy: &mut dyn Policy,
    config: EngineConfig,
    extra: Vec<&mut dyn Observer>,
    rows: &mut dyn JobRowSink,
    samples: Option<SampleSinks<'_>>,
    metrics: &[MetricPart],
) -> Result<RunRecord, RunError>
where
    S: Iterator<Item = Result<JobSpec, E>>,
    E: Into<Box<dyn Error + Send + Sync>>,
{
    let world = world.into();
    let mut measured = ExtraMetrics::build(metrics);
    let node_names: Vec<String> = world.cluster.nodes().iter().map(|n| n.name.clone()).collect();
    let (mut usage, mut power) = match samples {
        Some(sinks) => (
            UsageCollector::streaming(sinks.cluster),
            PowerCollector::streaming(sinks.racks),
        ),
        None => (UsageCollector::new(), PowerCollector::new()),
    };
    let mut digest = EventDigest::new();
    let mut totals = JobTotals::new();
    let mut job_rows = JobRows::new(node_names, rows);
    let mut engine = Engine::new(world, source, policy, config)?;
    engine.add_observer(&mut usage);
    engine.add_observer(&mut digest);
    engine.add_observer(&mut power);
    engine.add_observer(&mut totals);
    engine.add_observer(&mut job_rows);
    for observer in extra {
        engine.add_observer(observer);
    }
    for observer in measured.observers() {
        engine.add_observer(observer);
    }
    let outcome = engine.run()?;
    let summary = Summary::compute(&outcome, &totals, &usage.totals(), &power.totals());
    let extra_metrics = measured.values(&summary, &outcome);
    let rejected_jobs = summary.jobs_never_fit + totals.failed_unstarted();
    Ok(RunRecord {
        summary,
        extra_metrics,
        jobs: Vec::new(),
        timeseries: usage.into_samples(),
        racks: power.into_rack_samples(),
        rack_names: outcome.cluster.racks().iter().map(|r| r.name.clone()).collect(),
        event_digest: digest.hex(),
        end: outcome.end,
        rejected_jobs,
        faults_active: outcome.faults_active,
        incidents: outcome.incidents,
        breaker_openings: outcome.breaker_openings,
        stats: outcome.stats,
        users: outcome.users.len(),
        queues: outcome.queues.len(),
    })
}
