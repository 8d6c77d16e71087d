//! Running a loaded scenario once: a replay, or a fill experiment.

use policies::explain::ExplainSink;
use sim_core::engine::{EngineConfig, StopFlag, World};
use sim_core::frag::FragTracker;
use sim_core::metrics::{FillCollector, FillRow, JobRowSink};
use sim_core::model::Models;
use sim_core::observe::Observer;
use sim_core::run::{RunRecord, SampleSinks, simulate_measured};
use traces::SkipReport;
use traces::fill::fill_workload;

use crate::build::{build_cluster, engine_config, typical_tasks_and_workload};
use crate::error::{ScenarioError, run_error};
use crate::faults_build::faults_config;
use crate::load::ValidScenario;
use crate::physics_build::physics_config;
use crate::schema::WorkloadMode;
use crate::sharing_build::sharing_model;

/// Target demand of fill runs that do not set `target_demand`: 1.3 × the cluster's GPU
/// capacity, the FGD artifact's `-tune 1.3`.
pub const DEFAULT_TARGET_DEMAND: f64 = 1.3;

/// The result of one run of a scenario.
pub struct ScenarioRun {
    /// Metrics, per-job rows, time series and digest.
    pub record: RunRecord,
    /// Trace rows skipped by the format's rules, by reason.
    pub skipped: SkipReport,
    /// The policy's name as run: the preset, then any replaced parts (`drf[backfill=easy]`).
    pub policy: String,
    /// Fill runs: the allocation curve (`fill.csv`).
    pub fill: Option<Vec<FillRow>>,
}

thread_local! {
    /// The flag that stops the runs of this thread, while [`stoppable`] lends one.
    static STOP: std::cell::RefCell<Option<StopFlag>> = const { std::cell::RefCell::new(None) };
}

/// Runs `work` so that setting `flag` (from another thread: a Ctrl-C handler) stops the runs
/// it makes on this thread at their next instant; such a run fails with
/// [`sim_core::engine::RunError::Interrupted`] (a [`ScenarioError::Run`]).
pub fn stoppable<T>(flag: &StopFlag, work: impl FnOnce() -> T) -> T {
    /// Gives the thread back the flag it had, however `work` ends.
    struct Restore(Option<StopFlag>);
    impl Drop for Restore {
        fn drop(&mut self) {
            STOP.with(|stop| *stop.borrow_mut() = self.0.take());
        }
    }
    let _restore = Restore(STOP.with(|stop| stop.replace(Some(flag.clone()))));
    work()
}

/// The flag [`stoppable`] lent this thread, if any.
fn stop_flag() -> Option<StopFlag> {
    STOP.with(|stop| stop.borrow().clone())
}

/// Runs the scenario once with its own seed and policy (whose random streams derive from the
/// seed), computing the built-in metrics and those of the registry it was loaded with, keeping
/// every job's row in the record.
pub fn run(loaded: &ValidScenario) -> Result<ScenarioRun, ScenarioError> {
    let mut rows = Vec::new();
    let mut run = run_with(loaded, Vec::new(), &mut rows, false)?;
    run.record.jobs = rows;
    Ok(run)
}

/// [`run`], with `watchers` observing the run as it goes (a progress display; they see the run
/// and change nothing in it), every job's row handed to `rows` as the job is retired, and, with
/// `stream`, ended jobs dropped as the run goes, so its memory does not grow with the trace.
pub fn run_with(
    loaded: &ValidScenario,
    watchers: Vec<&mut dyn Observer>,
    rows: &mut dyn JobRowSink,
    stream: bool,
) -> Result<ScenarioRun, ScenarioError> {
    run_explaining(loaded, watchers, rows, None, stream, None)
}

/// [`run_with`], with every scheduling round explained into `explain` when given (the why-log,
/// [`policies::explain`]; see [`crate::decisions`]), and the time series (the cluster's and
/// the racks') handed to `samples` as they are taken when given (written as the run goes; the
/// record's `timeseries` and `racks` stay empty).
/// Explaining changes no decision.
pub fn run_explaining(
    loaded: &ValidScenario,
    watchers: Vec<&mut dyn Observer>,
    rows: &mut dyn JobRowSink,
    samples: Option<SampleSinks<'_>>,
    stream: bool,
    explain: Option<Box<dyn ExplainSink>>,
) -> Result<ScenarioRun, ScenarioError> {
    let mut cluster = build_cluster(loaded)?;
    let physics = physics_config(&loaded.scenario, &cluster, &loaded.origin)?;
    let faults = faults_config(loaded, &cluster)?;
    // Every run reports the FGD fragmentation (summary.json, timeseries.csv, fill.csv), so every
    // run reads its typical tasks, once: the tracker and the FGD placement both get them. The
    // pass keeps the jobs it read for the run when there are not too many.
    let (typical, mut source) = typical_tasks_and_workload(loaded, &cluster)?;
    cluster.set_mig_typical(&typical);
    let spec = loaded.policy();
    let seed = loaded.scenario.seed;
    let mut policy = match explain {
        Some(sink) => {
            let top_k = loaded.scenario.output.explain_top_k as usize;
            policies::resolve_explained(spec, seed, &typical, sink, top_k)
        }
        None => policies::resolve_with(spec, seed, &typical),
    };
    let mut models: Models = vec![Box::new(FragTracker::new(typical))];
    if let Some(sharing) = sharing_model(loaded.scenario.sharing.as_ref(), &cluster, &loaded.origin)? {
        models.push(Box::new(sharing));
    }
    models.extend(loaded.world_models().iter().map(|part| (part.build)(&cluster, seed)));
    let workload = &loaded.scenario.workload;
    if workload.mode == WorkloadMode::Replay {
        let world = World {
            cluster,
            physics,
            faults,
            models,
        };
        let config = EngineConfig {
            stream_jobs: stream,
            stop: stop_flag(),
            ..engine_config(loaded)
        };
        let record = simulate_measured(
            world,
            &mut *source,
            policy.as_mut(),
            config,
            watchers,
            rows,
            samples,
            loaded.metrics(),
        )
        .map_err(|e| run_error(&loaded.origin, e))?;
        return Ok(ScenarioRun {
            record,
            skipped: source.skipped().clone(),
            policy: spec.label.clone(),
            fill: None,
        });
    }
    let capacity = cluster.total_gpu_milli();
    if capacity == 0 {
        return Err(ScenarioError::Input(format!(
            "{}: a fill run needs a cluster with GPUs",
            loaded.origin
        )));
    }
    let target = workload.target_demand.unwrap_or(DEFAULT_TARGET_DEMAND);
    let mut fill = fill_workload(
        &mut *source,
        loaded.scenario.seed,
        capacity,
        target,
        loaded.limits().jobs,
    )?;
    let config = EngineConfig {
        horizon: Some(fill.last_arrival),
        fail_unplaced_arrivals: true,
        stream_jobs: stream,
        stop: stop_flag(),
        ..engine_config(loaded)
    };
    let mut collector = FillCollector::new();
    let world = World {
        cluster,
        physics,
        faults,
        models,
    };
    let record = {
        let mut observers: Vec<&mut dyn Observer> = vec![&mut collector];
        observers.extend(watchers.into_iter().map(|w| -> &mut dyn Observer { w }));
        simulate_measured(
            world,
            &mut fill.source,
            policy.as_mut(),
            config,
            observers,
            rows,
            samples,
            loaded.metrics(),
        )
        .map_err(|e| run_error(&loaded.origin, e))?
    };
    Ok(ScenarioRun {
        record,
        skipped: source.skipped().clone(),
        policy: spec.label.clone(),
        fill: Some(collector.into_rows()),
    })
}
