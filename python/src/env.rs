//! The engine side of `clustersim.gym.SchedulingEnv`: a run that pauses at every decision.
//!
//! An episode runs on an engine thread of its own under [`External`], a policy whose
//! scheduling round hands control to the agent each time a job is to be chosen and waits for
//! the answer ([`crate::handoff`]). The agent picks one job of a window of waiting jobs; the
//! configured placement (first fit by default) places it. A job that fits starts and the round
//! asks again; one that does not fit is kept as the next job to start, and nothing else starts
//! until it does (no backfilling), after which the agent is asked again. An agent that always
//! picks the oldest waiting job therefore makes exactly the decisions of the FIFO queue order
//! with the same placement.

use std::convert::Infallible;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::thread::JoinHandle;

use policies::placement::Placement;
use policies::{Part, PlacementKind, PolicySpec};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use scenarios::ScenarioError;
use scenarios::schema::WorkloadMode;
use sim_core::cluster::Trial;
use sim_core::engine::{EngineConfig, RunError, World};
use sim_core::ids::{JobId, NodeId};
use sim_core::job::{JobSpec, JobState};
use sim_core::metrics::{DiscardRows, Summary};
use sim_core::observe::Record;
use sim_core::policy::{Decision, Policy};
use sim_core::run::{RunRecord, simulate_observed};
use sim_core::time::SimTime;
use sim_core::view::ClusterView;

use crate::error::{InputError, to_py};
use crate::handoff::{Handoff, Turn};
use crate::run::load;

/// Features of each job of the window, all in [0, 1]: present (1) or padding (0); wait so far ÷
/// the time scale; requested time ÷ the time scale; the job's GPUs ÷ the cluster's; one task's
/// GPUs ÷ the largest node's; whether the free GPUs could hold it now (1) or not (0).
pub const JOB_FEATURES: usize = 6;

/// Features of the cluster, all in [0, 1]: free GPU capacity ÷ total; the largest free block
/// on one node ÷ the largest node; waiting jobs ÷ the window (at most 1); GPUs the waiting jobs
/// ask for ÷ total (at most 1).
pub const CLUSTER_FEATURES: usize = 4;

/// What an observation holds and how its times are scaled.
#[derive(Clone, Copy, Debug)]
struct Shape {
    /// Jobs in the window.
    window: usize,
    /// Seconds that count as 1 in the time features.
    time_scale_s: f64,
}

impl Shape {
    fn len(self) -> usize {
        self.window * JOB_FEATURES + CLUSTER_FEATURES
    }
}

/// What the two threads exchange.
struct Exchange {
    /// The observation of the pending decision.
    obs: Vec<f32>,
    /// Jobs in its window.
    waiting: usize,
    /// The instant of the decision, in seconds.
    now_s: f64,
    /// The agent's answer: a row of the window.
    action: usize,
    /// Set by the agent to end the episode early: the engine asks nothing more.
    abort: bool,
    /// How the run ended, once it has.
    outcome: Option<Result<Outcome, String>>,
}

/// The end of a run: its metrics and event digest.
struct Outcome {
    summary: Summary,
    event_digest: String,
    end: SimTime,
    rejected: u64,
    decisions: u64,
}

impl Outcome {
    fn new(record: RunRecord, decisions: u64) -> Outcome {
        Outcome {
            summary: record.summary,
            event_digest: record.event_digest,
            end: record.end,
            rejected: record.rejected_jobs,
            decisions,
        }
    }

    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        let metrics = serde_json::to_string(&self.summary).expect("a summary always serializes to JSON");
        dict.set_item("metrics", metrics)?;
        dict.set_item("event_digest", &self.event_digest)?;
        dict.set_item("end_s", self.end.as_secs_f64())?;
        dict.set_item("jobs_rejected", self.rejected)?;
        dict.set_item("decisions", self.decisions)?;
        Ok(dict)
    }
}

/// The policy of an episode: the agent chooses, the placement places.
struct External {
    handoff: Arc<Handoff<Exchange>>,
    placement: Box<dyn Placement + Send>,
    shape: Shape,
    /// The job the agent chose that did not fit: the next to start.
    committed: Option<JobId>,
    /// The agent ended the episode.
    aborted: bool,
    /// Decisions asked for.
    decisions: u64,
    /// Jobs started in this round (still pending in the view).
    started: Vec<JobId>,
    /// The window of the pending decision.
    window: Vec<JobId>,
    /// Free GPU capacity of each schedulable node after this round's starts, largest first.
    free: Vec<u64>,
    /// The observation being built.
    obs: Vec<f32>,
}

impl External {
    /// Starts `job` on the trial if the placement finds room.
    fn try_start(
        &mut self,
        view: &ClusterView<'_>,
        trial: &mut Trial<'_>,
        job: JobId,
        decisions: &mut Vec<Decision>,
    ) -> bool {
        let Some(placement) = self.placement.place(trial, view.job(job)) else {
            return false;
        };
        self.started.push(job);
        decisions.push(Decision::Start { job, placement });
        true
    }

    /// Fills `obs`, `window` and `free` for a decision on `trial`.
    fn observe_round(&mut self, view: &ClusterView<'_>, trial: &Trial<'_>) {
        let cluster = view.cluster;
        let total = cluster.total_gpu_milli().max(1) as f64;
        let largest_node = cluster
            .nodes()
            .iter()
            .map(|n| n.gpu_milli())
            .max()
            .unwrap_or(0)
            .max(1) as f64;
        self.free.clear();
        self.free.extend(
            cluster
                .nodes()
                .iter()
                .enumerate()
                .filter(|(_, n)| n.schedulable())
                .map(|(i, _)| trial.free_gpu_milli(NodeId::from_index(i))),
        );
        self.free.sort_unstable_by(|a, b| b.cmp(a));
        self.window.clear();
        let mut waiting = 0usize;
        let mut asked_milli = 0u64;
        for &id in view.pending {
            if self.started.contains(&id) {
                continue;
            }
            waiting += 1;
            asked_milli += view.job(id).spec.gpu_milli();
            if self.window.len() < self.shape.window {
                self.window.push(id);
            }
        }
        let scale = self.shape.time_scale_s;
        let now = view.now;
        self.obs.clear();
        for &id in &self.window {
            let job = view.job(id);
            let spec = &job.spec;
            let task_milli = spec.task.gpu_milli();
            let fits = fits_now(&self.free, task_milli, spec.tasks);
            self.obs.extend([
                1.0,
                unit((now - spec.submit).as_secs_f64() / scale),
                unit(spec.requested.as_secs_f64() / scale),
                unit(spec.gpu_milli() as f64 / total),
                unit(task_milli as f64 / largest_node),
                if fits { 1.0 } else { 0.0 },
            ]);
        }
        self.obs.resize(self.shape.window * JOB_FEATURES, 0.0);
        let free_total: u64 = self.free.iter().sum();
        self.obs.extend([
            unit(free_total as f64 / total),
            unit(self.free.first().copied().unwrap_or(0) as f64 / largest_node),
            unit(waiting as f64 / self.shape.window as f64),
            unit(asked_milli as f64 / total),
        ]);
    }

    /// Hands the decision to the agent and returns its choice, or `None` when it ended the
    /// episode.
    fn ask(&mut self, view: &ClusterView<'_>) -> Option<JobId> {
        self.decisions += 1;
        let obs = &self.obs;
        let waiting = self.window.len();
        let now_s = view.now.as_secs_f64();
        let guard = self.handoff.pass(Turn::Agent, |x| {
            x.obs.clear();
            x.obs.extend_from_slice(obs);
            x.waiting = waiting;
            x.now_s = now_s;
        });
        if guard.1.abort {
            self.aborted = true;
            return None;
        }
        let row = if guard.1.action < self.window.len() {
            guard.1.action
        } else {
            0
        };
        Some(self.window[row])
    }
}

/// Whether `tasks` tasks of `task_milli` each fit the free capacities `free` (largest first),
/// counting GPU capacity only.
fn fits_now(free: &[u64], task_milli: u64, tasks: u32) -> bool {
    if task_milli == 0 {
        return true;
    }
    let mut room = 0u64;
    for &f in free {
        if f < task_milli {
            break;
        }
        room += f / task_milli;
        if room >= u64::from(tasks) {
            return true;
        }
    }
    false
}

/// `x` clipped to [0, 1], as `f32`.
fn unit(x: f64) -> f32 {
    x.clamp(0.0, 1.0) as f32
}

impl Policy for External {
    fn name(&self) -> &str {
        "agent"
    }

    fn schedule(&mut self, view: &ClusterView<'_>, decisions: &mut Vec<Decision>) {
        if self.aborted {
            return;
        }
        self.placement.begin_round(view);
        self.started.clear();
        let mut trial = Trial::new(view.cluster);
        if let Some(job) = self.committed {
            if view.jobs.get(job).is_some_and(|j| j.state == JobState::Pending) {
                if !self.try_start(view, &mut trial, job, decisions) {
                    return;
                }
            }
            self.committed = None;
        }
        while self.started.len() < view.pending.len() {
            self.observe_round(view, &trial);
            let Some(job) = self.ask(view) else {
                return;
            };
            if !self.try_start(view, &mut trial, job, decisions) {
                self.committed = Some(job);
                return;
            }
        }
    }

    fn observe(&mut self, record: &Record, view: &ClusterView<'_>) {
        self.placement.observe(record, view);
    }
}

/// An episode in progress.
struct Episode {
    handoff: Arc<Handoff<Exchange>>,
    thread: Option<JoinHandle<()>>,
    outcome: Option<Outcome>,
}

impl Episode {
    /// Ends the episode: the engine stops asking and runs out; waits for its thread.
    fn stop(&mut self) {
        if let Some(thread) = self.thread.take() {
            let guard = self.handoff.lock();
            let running = guard.0 != Turn::Over;
            drop(guard);
            if running {
                self.handoff.finish(Turn::Engine, |x| x.abort = true);
                drop(self.handoff.wait_while(Turn::Engine));
            }
            // The thread has set `Over`: joining waits only for it to return.
            let _ = thread.join();
        }
    }
}

/// The answer to a start or a step: the observation, the jobs in its window, the instant and
/// whether the episode is over.
type StepResult<'py> = (Bound<'py, PyBytes>, usize, f64, bool);

/// A scenario's cluster and workload, run episode by episode with an agent choosing the jobs.
#[pyclass(module = "clustersim._native")]
pub struct Env {
    world: World,
    jobs: Arc<Vec<JobSpec>>,
    config: EngineConfig,
    seed: u64,
    placement: PlacementKind,
    shape: Shape,
    episode: Option<Episode>,
}

#[pymethods]
impl Env {
    /// Loads the scenario (as `run` does), reads its whole workload, and checks the settings:
    /// `window` jobs per observation, `time_scale_s` seconds per unit of the time features,
    /// `placement` the name of a placement (`first-fit`, `best-fit`, …).
    #[new]
    #[pyo3(signature = (kind, value, origin=None, base_dir=None, overrides=Vec::new(), seed=None, window=32, time_scale_s=86400.0, placement="first-fit"))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        kind: &str,
        value: String,
        origin: Option<String>,
        base_dir: Option<std::path::PathBuf>,
        overrides: Vec<String>,
        seed: Option<u64>,
        window: usize,
        time_scale_s: f64,
        placement: &str,
    ) -> PyResult<Env> {
        if window == 0 {
            return Err(InputError::new_err("window: at least one job"));
        }
        if !(time_scale_s.is_finite() && time_scale_s > 0.0) {
            return Err(InputError::new_err("time_scale_s: a positive number of seconds"));
        }
        let placement = PlacementKind::parse(placement).map_err(InputError::new_err)?;
        let (_, _, loaded) = load(kind, value, origin, base_dir, &overrides, seed)?;
        if loaded.scenario.workload.mode != WorkloadMode::Replay {
            return Err(InputError::new_err(format!(
                "{}: the environment replays a workload; fill runs (workload.mode = \"fill\") are not supported",
                loaded.origin
            )));
        }
        let (world, jobs) = py
            .detach(|| {
                let mut cluster = scenarios::build::build_cluster(&loaded)?;
                let physics = scenarios::physics_build::physics_config(&loaded.scenario, &cluster, &loaded.origin)?;
                let faults = scenarios::faults_build::faults_config(&loaded, &cluster)?;
                let typical = scenarios::build::typical_tasks(&loaded, &cluster)?;
                cluster.set_typical_tasks(Some(typical));
                let jobs = scenarios::build::open_workload(&loaded, &cluster)?
                    .collect::<Result<Vec<JobSpec>, _>>()
                    .map_err(ScenarioError::from)?;
                let world = World {
                    cluster,
                    physics,
                    faults,
                };
                Ok::<_, ScenarioError>((world, jobs))
            })
            .map_err(to_py)?;
        let config = EngineConfig {
            sample_interval: None,
            stream_jobs: true,
            ..scenarios::build::engine_config(&loaded)
        };
        Ok(Env {
            world,
            jobs: Arc::new(jobs),
            config,
            seed: loaded.scenario.seed,
            placement,
            shape: Shape { window, time_scale_s },
            episode: None,
        })
    }

    /// Jobs in the workload.
    #[getter]
    fn trace_jobs(&self) -> usize {
        self.jobs.len()
    }

    /// Jobs per observation.
    #[getter]
    fn window(&self) -> usize {
        self.shape.window
    }

    /// Features per job.
    #[getter]
    fn job_features(&self) -> usize {
        JOB_FEATURES
    }

    /// Features of the cluster.
    #[getter]
    fn cluster_features(&self) -> usize {
        CLUSTER_FEATURES
    }

    /// Starts an episode on jobs `start .. start + length` of the workload (ending any episode
    /// in progress) and runs to its first decision.
    fn start<'py>(&mut self, py: Python<'py>, start: usize, length: usize) -> PyResult<StepResult<'py>> {
        let range = self.range(start, length)?;
        self.close();
        let shape = self.shape;
        let handoff = Arc::new(Handoff::new(Exchange {
            obs: Vec::with_capacity(shape.len()),
            waiting: 0,
            now_s: 0.0,
            action: 0,
            abort: false,
            outcome: None,
        }));
        let mut external = External {
            handoff: Arc::clone(&handoff),
            placement: policies::placement::build(self.placement, self.seed),
            shape,
            committed: None,
            aborted: false,
            decisions: 0,
            started: Vec::new(),
            window: Vec::with_capacity(shape.window),
            free: Vec::new(),
            obs: Vec::with_capacity(shape.len()),
        };
        let world = self.world.clone();
        let jobs = Arc::clone(&self.jobs);
        let config = self.config.clone();
        let engine_side = Arc::clone(&handoff);
        let thread = std::thread::Builder::new()
            .name("clustersim-env".into())
            .spawn(move || {
                let ran = catch_unwind(AssertUnwindSafe(|| {
                    let source = jobs[range].iter().cloned().map(Ok::<_, Infallible>);
                    let record = simulate_observed(world, source, &mut external, config, Vec::new(), &mut DiscardRows);
                    record
                        .map(|r| Outcome::new(r, external.decisions))
                        .map_err(|e| ScenarioError::from(e).to_string())
                }));
                let outcome = ran.unwrap_or_else(|panic| Err(format!("the engine panicked: {}", panic_text(&*panic))));
                engine_side.finish(Turn::Over, |x| x.outcome = Some(outcome));
            })
            .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(format!("cannot start the engine thread: {e}")))?;
        self.episode = Some(Episode {
            handoff,
            thread: Some(thread),
            outcome: None,
        });
        self.answer(py, None)
    }

    /// Answers the pending decision with row `action` of the window (a row past the jobs in
    /// the window means row 0) and runs to the next decision or the end.
    fn step<'py>(&mut self, py: Python<'py>, action: usize) -> PyResult<StepResult<'py>> {
        self.answer(py, Some(action))
    }

    /// The metrics of the finished episode (`None` while it runs): `metrics` (the summary's
    /// metrics as JSON text), `event_digest`, `end_s`, `jobs_rejected`, `decisions`.
    fn outcome<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        self.episode
            .as_ref()
            .and_then(|e| e.outcome.as_ref())
            .map(|o| o.to_dict(py))
            .transpose()
    }

    /// Runs jobs `start .. start + length` under the preset `policy` (`first-fit`, …) on the
    /// same cluster and settings, and returns the outcome as [`Env::outcome`] does.
    fn native<'py>(&self, py: Python<'py>, policy: &str, start: usize, length: usize) -> PyResult<Bound<'py, PyDict>> {
        let range = self.range(start, length)?;
        let spec = PolicySpec::preset(policy).map_err(|e| InputError::new_err(format!("policy: {e}")))?;
        let outcome = py
            .detach(|| {
                let mut policy = policies::resolve(&spec, self.seed);
                let source = self.jobs[range].iter().cloned().map(Ok::<_, Infallible>);
                simulate_observed(
                    self.world.clone(),
                    source,
                    policy.as_mut(),
                    self.config.clone(),
                    Vec::new(),
                    &mut DiscardRows,
                )
                .map(|r| Outcome::new(r, 0))
            })
            .map_err(|e: RunError| to_py(e.into()))?;
        outcome.to_dict(py)
    }

    /// Ends the episode in progress, if any.
    fn close(&mut self) {
        if let Some(mut episode) = self.episode.take() {
            episode.stop();
        }
    }
}

impl Env {
    /// Jobs `start .. start + length`, checked against the workload.
    fn range(&self, start: usize, length: usize) -> PyResult<std::ops::Range<usize>> {
        match start.checked_add(length) {
            Some(end) if length > 0 && end <= self.jobs.len() => Ok(start..end),
            _ => Err(InputError::new_err(format!(
                "jobs {start} .. {start} + {length}: the workload has {} jobs (an episode needs at least one)",
                self.jobs.len()
            ))),
        }
    }

    /// Passes `action` (none at the start) and waits for the next decision or the end.
    fn answer<'py>(&mut self, py: Python<'py>, action: Option<usize>) -> PyResult<StepResult<'py>> {
        let episode = self
            .episode
            .as_mut()
            .ok_or_else(|| pyo3::exceptions::PyRuntimeError::new_err("no episode: call start first"))?;
        let handoff = &episode.handoff;
        let mut obs = Vec::new();
        let (turn, waiting, now_s, outcome) = py.detach(|| {
            let mut guard = match action {
                Some(action) => {
                    let guard = handoff.lock();
                    if guard.0 != Turn::Agent {
                        return (guard.0, 0, 0.0, None);
                    }
                    drop(guard);
                    handoff.pass(Turn::Engine, |x| x.action = action)
                }
                None => handoff.wait_while(Turn::Engine),
            };
            let turn = guard.0;
            let x = &mut guard.1;
            obs.extend_from_slice(&x.obs);
            (turn, x.waiting, x.now_s, x.outcome.take())
        });
        match turn {
            Turn::Agent => Ok((float_bytes(py, &obs)?, waiting, now_s, false)),
            Turn::Over => {
                let Some(outcome) = outcome else {
                    return Err(pyo3::exceptions::PyRuntimeError::new_err(
                        "the episode is over: call start for a new one",
                    ));
                };
                if let Some(thread) = episode.thread.take() {
                    let _ = thread.join();
                }
                let outcome = outcome.map_err(crate::error::RunError::new_err)?;
                episode.outcome = Some(outcome);
                let zeros = vec![0f32; self.shape.len()];
                Ok((float_bytes(py, &zeros)?, 0, episode_end(episode), true))
            }
            Turn::Engine => unreachable!("the agent never waits while the engine has the turn"),
        }
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        self.close();
    }
}

/// The end of a finished episode, in seconds.
fn episode_end(episode: &Episode) -> f64 {
    episode.outcome.as_ref().map_or(0.0, |o| o.end.as_secs_f64())
}

/// `values` as the bytes of native-order `f32`s (NumPy reads them back with `frombuffer`).
fn float_bytes<'py>(py: Python<'py>, values: &[f32]) -> PyResult<Bound<'py, PyBytes>> {
    PyBytes::new_with(py, std::mem::size_of_val(values), |buffer| {
        for (chunk, value) in buffer.chunks_exact_mut(4).zip(values) {
            chunk.copy_from_slice(&value.to_ne_bytes());
        }
        Ok(())
    })
}

/// The message of a panic payload.
fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_string())
}
