//! The engine side of `clustersim.gym.SchedulingEnv`: a run that pauses at every decision.
//!
//! An episode runs in a coroutine (a stack of its own, on the caller's thread) under the native
//! scheduler, whose queue order is the agent ([`AgentOrder`]): each time a job is to be chosen
//! the order suspends the run and resumes with the agent's answer, so there is no thread switch
//! and nothing is simulated twice. The agent picks one job of a window of waiting jobs; the
//! configured placement (first fit by default) places it. A job that fits starts and the round
//! asks again; one that does not fit is kept as the next job to start, after which the agent
//! is asked again. Meanwhile nothing else starts (without backfilling), or the scheduler
//! backfills the other waiting jobs by the configured rule, as in a native round. An agent that
//! always picks the oldest waiting job therefore makes exactly the decisions of the FIFO queue
//! order with the same placement and backfill rule.

use std::convert::Infallible;
use std::sync::{Arc, Mutex, PoisonError};

use corosensei::stack::DefaultStack;
use corosensei::{Coroutine, CoroutineResult, Yielder};
use policies::placement::Placement;
use policies::queue::QueueOrder;
use policies::{
    BuildPlacement, BuildQueueOrder, Context, PartInfo, PlacementPart, PolicyConfig, PolicySpec, QueueOrderPart,
    Scheduler,
};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use scenarios::ScenarioError;
use scenarios::schema::WorkloadMode;
use sim_core::cluster::Cluster;
use sim_core::cluster::Trial;
use sim_core::engine::{EngineConfig, RunError, World};
use sim_core::faults::FaultsConfig;
use sim_core::frag::{FragTracker, TypicalTasks};
use sim_core::ids::JobId;
use sim_core::job::{Job as EngineJob, JobSpec, JobState};
use sim_core::metrics::{DiscardRows, Summary};
use sim_core::observe::Record;
use sim_core::physics::PhysicsConfig;
use sim_core::policy::Policy;
use sim_core::resources::TaskAlloc;
use sim_core::run::{RunRecord, simulate_measured};
use sim_core::time::SimTime;
use sim_core::view::ClusterView;

use crate::error::{InputError, to_py};
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

/// A decision handed to the agent.
struct Ask {
    /// The observation.
    obs: Vec<f32>,
    /// Jobs in its window.
    waiting: usize,
    /// The instant of the decision, in seconds.
    now_s: f64,
}

/// An episode: a run that yields each decision, is resumed with the answer (a row of the
/// window), and returns its outcome or the run's error.
type Episode = Coroutine<usize, Ask, Result<Outcome, String>>;

/// Stack of an episode's coroutine: the engine's calls are shallow, this leaves ample room.
const EPISODE_STACK: usize = 8 << 20;

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

/// The observation of a decision, and the window it shows.
struct Observer {
    shape: Shape,
    /// The window of the pending decision.
    window: Vec<JobId>,
    /// Free GPU capacity of each schedulable node after this round's starts, largest first.
    free: Vec<u64>,
    /// The observation being built.
    obs: Vec<f32>,
    /// Decisions asked for.
    decisions: u64,
}

impl Observer {
    fn new(shape: Shape) -> Observer {
        Observer {
            shape,
            window: Vec::with_capacity(shape.window),
            free: Vec::new(),
            obs: Vec::with_capacity(shape.len()),
            decisions: 0,
        }
    }

    /// Fills `obs`, `window` and `free` for a decision: `free` gives the free GPU capacity of
    /// each schedulable node after this round's starts, `started` the jobs started in this
    /// round (still pending in the view), `asked_milli` the GPU capacity the other waiting jobs
    /// ask for.
    fn observe(
        &mut self,
        view: &ClusterView<'_>,
        free: impl Iterator<Item = u64>,
        started: &[JobId],
        asked_milli: u64,
    ) {
        let cluster = view.cluster;
        let total = cluster.total_gpu_milli().max(1) as f64;
        let largest_node = cluster.nodes().iter().map(|n| n.gpu_milli()).max().unwrap_or(0).max(1) as f64;
        self.free.clear();
        self.free.extend(free);
        self.free.sort_unstable_by(|a, b| b.cmp(a));
        self.window.clear();
        self.window.extend(
            view.pending
                .iter()
                .filter(|id| !started.contains(id))
                .take(self.shape.window),
        );
        let waiting = view.pending.len() - started.len();
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

    /// Suspends the run until the agent answers; returns the job it chose.
    fn ask(&mut self, yielder: &Yielder<usize, Ask>, view: &ClusterView<'_>) -> JobId {
        self.decisions += 1;
        let row = yielder.suspend(Ask {
            obs: self.obs.clone(),
            waiting: self.window.len(),
            now_s: view.now.as_secs_f64(),
        });
        self.window[if row < self.window.len() { row } else { 0 }]
    }
}

/// What the agent's queue order and the placement it watches share in an episode, and what
/// the episode reports.
#[derive(Default)]
struct Shared {
    /// The tasks of the last job the placement placed.
    placed: Vec<TaskAlloc>,
    /// Decisions asked for.
    decisions: u64,
}

/// `shared`, locked (nothing panics while holding it).
fn lock(shared: &Mutex<Shared>) -> std::sync::MutexGuard<'_, Shared> {
    shared.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The episode's yielder, for the agent's queue order, which the native scheduler owns as a
/// `Send` box.
#[derive(Clone, Copy)]
struct Suspend(*const Yielder<usize, Ask>);

// SAFETY: a `Suspend` is made in an episode's coroutine from the yielder that the coroutine's
// body receives, and the scheduler holding it is built, run and dropped within that body, on
// the thread that resumes the coroutine (the environment is not `Send`): the yielder outlives
// it and no other thread ever reaches it.
unsafe impl Send for Suspend {}
// SAFETY: as for `Send`; the factory that captures it is shared only by the episode's spec.
unsafe impl Sync for Suspend {}

/// The queue order of an episode: the agent. A round first offers the job the agent chose that
/// has not started yet, if any; then, while every job offered has started, it asks the agent
/// for the next one. Once a job cannot start, a scheduler without backfilling ends the round;
/// one with backfilling asks for more, and the order offers the other waiting jobs in arrival
/// order, which the scheduler backfills by its rule as a native round does. An agent that
/// always picks the oldest waiting job is therefore the FIFO order.
struct AgentOrder {
    suspend: Suspend,
    observer: Observer,
    shared: Arc<Mutex<Shared>>,
    /// The job the agent chose that has not started: the next to start.
    committed: Option<JobId>,
    /// Whether this round has offered `committed`.
    committed_offered: bool,
    /// The job offered last, until it starts: still there at the next offer means it could
    /// not start.
    offered: Option<JobId>,
    /// Whether a job of this round could not start: the rest are backfilling candidates.
    backfilling: bool,
    /// The next position of the pending list to offer for backfilling.
    cursor: usize,
    /// Jobs started in this round before the first that could not start.
    started: Vec<JobId>,
    /// Their tasks.
    taken: Vec<TaskAlloc>,
    /// Free GPU capacity of every node after those starts, in milli-GPU (made for each
    /// decision).
    node_free: Vec<u64>,
    /// GPU capacity the waiting jobs not started in this round ask for, in milli-GPU, once a
    /// decision of the round has needed it (a round whose chosen job still cannot start needs
    /// none, and the waiting jobs may be many).
    asked_milli: Option<u64>,
}

impl AgentOrder {
    fn new(suspend: Suspend, shape: Shape, shared: Arc<Mutex<Shared>>) -> AgentOrder {
        AgentOrder {
            suspend,
            observer: Observer::new(shape),
            shared,
            committed: None,
            committed_offered: false,
            offered: None,
            backfilling: false,
            cursor: 0,
            started: Vec::new(),
            taken: Vec::new(),
            node_free: Vec::new(),
            asked_milli: None,
        }
    }
}

impl QueueOrder for AgentOrder {
    /// A job back in the queue ahead of the agent's standing choice (requeued after a failure,
    /// preempted, suspended) changes the queue the choice was made from: the agent is asked
    /// again, as a native order would start the job now ahead first.
    fn observe(&mut self, record: &Record, view: &ClusterView<'_>) {
        let back = match *record {
            Record::Requeued { job } | Record::Preempted { job, .. } | Record::Suspended { job, .. } => job,
            _ => return,
        };
        if let Some(chosen) = self.committed
            && view.job(back).queue_position < view.job(chosen).queue_position
        {
            self.committed = None;
        }
    }

    fn begin_round(&mut self, _view: &ClusterView<'_>) {
        self.committed_offered = false;
        self.offered = None;
        self.backfilling = false;
        self.cursor = 0;
        self.started.clear();
        self.taken.clear();
        self.asked_milli = None;
    }

    fn next(&mut self, view: &ClusterView<'_>) -> Option<JobId> {
        if self.offered.take().is_some() {
            self.backfilling = true;
        }
        if !std::mem::replace(&mut self.committed_offered, true)
            && let Some(job) = self.committed
        {
            if view.jobs.get(job).is_some_and(|j| j.state == JobState::Pending) {
                self.offered = Some(job);
                return Some(job);
            }
            self.committed = None;
        }
        if self.backfilling {
            while let Some(&job) = view.pending.get(self.cursor) {
                self.cursor += 1;
                if Some(job) != self.committed && !self.started.contains(&job) {
                    return Some(job);
                }
            }
            return None;
        }
        if self.started.len() == view.pending.len() {
            return None;
        }
        let started = &self.started;
        let asked_milli = *self.asked_milli.get_or_insert_with(|| {
            let waiting = view.pending_jobs().filter(|j| !started.contains(&j.id));
            waiting.map(|j| j.spec.gpu_milli()).sum()
        });
        self.node_free.clear();
        self.node_free
            .extend(view.cluster.nodes().iter().map(|n| n.free_gpu_milli));
        for task in &self.taken {
            self.node_free[task.node.index()] -= task.gpu_milli();
        }
        let nodes = view.cluster.nodes().iter().zip(&self.node_free);
        let free = nodes.filter(|(n, _)| n.schedulable()).map(|(_, &f)| f);
        self.observer.observe(view, free, &self.started, asked_milli);
        // SAFETY: see `Suspend`: the yielder lives as long as the episode's body, which this
        // order runs in.
        let yielder = unsafe { &*self.suspend.0 };
        let job = self.observer.ask(yielder, view);
        lock(&self.shared).decisions = self.observer.decisions;
        self.committed = Some(job);
        self.offered = Some(job);
        Some(job)
    }

    fn started(&mut self, job: &EngineJob) {
        self.offered = None;
        if self.committed == Some(job.id) {
            self.committed = None;
        }
        if self.backfilling {
            return;
        }
        self.started.push(job.id);
        if let Some(asked) = &mut self.asked_milli {
            *asked -= job.spec.gpu_milli();
        }
        self.taken.extend_from_slice(&lock(&self.shared).placed);
    }
}

/// The episode's placement, keeping the tasks of each job it places for the agent's
/// observations ([`Shared::placed`]). (An episode does not explain its decisions, so the
/// placement's explaining hooks are not needed.)
struct Watched {
    inner: Box<dyn Placement + Send>,
    shared: Arc<Mutex<Shared>>,
}

impl Placement for Watched {
    fn begin_round(&mut self, view: &ClusterView<'_>) {
        self.inner.begin_round(view);
    }

    fn observe(&mut self, record: &Record, view: &ClusterView<'_>) {
        self.inner.observe(record, view);
    }

    fn place(&mut self, trial: &mut Trial<'_>, job: &EngineJob) -> Option<Vec<TaskAlloc>> {
        let tasks = self.inner.place(trial, job)?;
        lock(&self.shared).placed.clone_from(&tasks);
        Some(tasks)
    }

    fn carries_plans(&self) -> bool {
        self.inner.carries_plans()
    }
}

/// The policy of an episode: `spec` (the environment's placement and backfill rule) with the
/// agent as its queue order and its placement watched for the observations.
fn agent_spec(
    spec: &PolicySpec,
    yielder: &Yielder<usize, Ask>,
    shape: Shape,
    shared: &Arc<Mutex<Shared>>,
) -> PolicySpec {
    let suspend = Suspend(std::ptr::from_ref(yielder));
    let placement = spec.placement.clone();
    let (for_order, for_placement) = (Arc::clone(shared), Arc::clone(shared));
    PolicySpec {
        queue: QueueOrderPart {
            info: PartInfo {
                name: "agent",
                description: "the agent's choices",
                params: &[],
            },
            build: BuildQueueOrder::shared(move |_, _| {
                Box::new(AgentOrder::new(suspend, shape, Arc::clone(&for_order)))
            }),
        },
        placement: PlacementPart {
            info: placement.info,
            build: BuildPlacement::shared(move |params, context| {
                Box::new(Watched {
                    inner: (placement.build)(params, context),
                    shared: Arc::clone(&for_placement),
                })
            }),
        },
        ..spec.clone()
    }
}

/// Whether `tasks` tasks of `task_milli` each fit the free capacities `free` (largest first),
/// counting GPU capacity only. Each task placed takes `task_milli` of a schedulable node's free
/// capacity, so when this is false no placement can place the job.
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

/// The answer to a start or a step: the observation, the jobs in its window, the instant and
/// whether the episode is over.
type StepResult<'py> = (Bound<'py, PyBytes>, usize, f64, bool);

/// A scenario's cluster and workload, run episode by episode with an agent choosing the jobs.
#[pyclass(module = "clustersim._native", unsendable)]
pub struct Env {
    /// The cluster, physics and faults every episode starts from.
    setting: Setting,
    /// The workload's typical tasks (FGD's placement and the fragmentation tracker).
    typical: TypicalTasks,
    jobs: Arc<Vec<JobSpec>>,
    config: EngineConfig,
    seed: u64,
    /// The policy whose placement places the chosen jobs and whose backfill rule, if any,
    /// backfills.
    placement: PolicySpec,
    shape: Shape,
    /// The episode in progress.
    episode: Option<Episode>,
    /// How the last episode ended, once it has.
    outcome: Option<Outcome>,
}

#[pymethods]
impl Env {
    /// Loads the scenario (as `run` does), reads its whole workload, and checks the settings:
    /// `window` jobs per observation, `time_scale_s` seconds per unit of the time features,
    /// `placement` the name of a placement (`first-fit`, `best-fit`, …, or a registered
    /// Python one, `py:NAME`), `backfill` the name of a backfill rule (`none`, `easy`,
    /// `conservative`).
    #[new]
    #[pyo3(signature = (kind, value, origin=None, base_dir=None, overrides=Vec::new(), seed=None, window=32, time_scale_s=86400.0, placement="first-fit", backfill="none"))]
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
        backfill: &str,
    ) -> PyResult<Env> {
        if window == 0 {
            return Err(InputError::new_err("window: at least one job"));
        }
        if !(time_scale_s.is_finite() && time_scale_s > 0.0) {
            return Err(InputError::new_err("time_scale_s: a positive number of seconds"));
        }
        let config = PolicyConfig {
            placement: Some(placement.to_string()),
            backfill: Some(backfill.to_string()),
            ..PolicyConfig::default()
        };
        let placement = crate::pypolicy::registry()
            .spec(&config)
            .map_err(|e| InputError::new_err(e.to_string()))?;
        let (_, _, loaded) = load(kind, value, origin, base_dir, &overrides, seed)?;
        if loaded.scenario.workload.mode != WorkloadMode::Replay {
            return Err(InputError::new_err(format!(
                "{}: the environment replays a workload; fill runs (workload.mode = \"fill\") are not supported",
                loaded.origin
            )));
        }
        let (setting, typical, jobs) = py
            .detach(|| {
                let mut cluster = scenarios::build::build_cluster(&loaded)?;
                let physics = scenarios::physics_build::physics_config(&loaded.scenario, &cluster, &loaded.origin)?;
                let faults = scenarios::faults_build::faults_config(&loaded, &cluster)?;
                let typical = scenarios::build::typical_tasks(&loaded, &cluster)?;
                cluster.set_mig_typical(&typical);
                let jobs = scenarios::build::open_workload(&loaded, &cluster)?
                    .collect::<Result<Vec<JobSpec>, _>>()
                    .map_err(ScenarioError::from)?;
                let setting = Setting {
                    cluster,
                    physics,
                    faults,
                };
                Ok::<_, ScenarioError>((setting, typical, jobs))
            })
            .map_err(to_py)?;
        let config = EngineConfig {
            sample_interval: None,
            stream_jobs: true,
            ..scenarios::build::engine_config(&loaded)
        };
        Ok(Env {
            setting,
            typical,
            jobs: Arc::new(jobs),
            config,
            seed: loaded.scenario.seed,
            placement,
            shape: Shape { window, time_scale_s },
            episode: None,
            outcome: None,
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
        let spec = self.placement.clone();
        let context = Context::with_typical(self.seed, self.typical.clone());
        let world = self.world();
        let jobs = Arc::clone(&self.jobs);
        let config = self.config.clone();
        let stack = DefaultStack::new(EPISODE_STACK).map_err(|e| {
            pyo3::exceptions::PyMemoryError::new_err(format!("cannot allocate the episode's stack: {e}"))
        })?;
        // The coroutine's closure must stay small (corosensei moves it onto the new stack), so
        // the policy's spec travels boxed.
        let spec = Box::new((spec, context));
        self.episode = Some(Coroutine::with_stack(stack, move |yielder, _start: usize| {
            let (spec, context) = *spec;
            let source = jobs[range].iter().cloned().map(Ok::<_, Infallible>);
            let run = |policy: &mut dyn Policy| {
                simulate_measured(world, source, policy, config, Vec::new(), &mut DiscardRows, None, &[])
            };
            let shared = Arc::new(Mutex::new(Shared::default()));
            let spec = agent_spec(&spec, yielder, shape, &shared);
            let mut scheduler = Scheduler::new(&spec, context.seed, &context.typical);
            let record = run(&mut scheduler);
            drop(scheduler);
            let decisions = lock(&shared).decisions;
            record
                .map(|record| Outcome::new(record, decisions))
                .map_err(|e| ScenarioError::from(e).to_string())
        }));
        self.resume(py, 0)
    }

    /// Answers the pending decision with row `action` of the window (a row past the jobs in
    /// the window means row 0) and runs to the next decision or the end.
    fn step<'py>(&mut self, py: Python<'py>, action: usize) -> PyResult<StepResult<'py>> {
        self.resume(py, action)
    }

    /// The metrics of the finished episode (`None` while it runs): `metrics` (the summary's
    /// metrics as JSON text), `event_digest`, `end_s`, `jobs_rejected`, `decisions`.
    fn outcome<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        self.outcome.as_ref().map(|o| o.to_dict(py)).transpose()
    }

    /// Runs jobs `start .. start + length` under the preset `policy` (`first-fit`, …) on the
    /// same cluster and settings, and returns the outcome as [`Env::outcome`] does.
    fn native<'py>(&self, py: Python<'py>, policy: &str, start: usize, length: usize) -> PyResult<Bound<'py, PyDict>> {
        let range = self.range(start, length)?;
        let spec = PolicySpec::preset(policy).map_err(|e| InputError::new_err(format!("policy: {e}")))?;
        let outcome = py
            .detach(|| {
                let mut policy = policies::resolve_with(&spec, self.seed, &self.typical);
                let source = self.jobs[range].iter().cloned().map(Ok::<_, Infallible>);
                simulate_measured(
                    self.world(),
                    source,
                    policy.as_mut(),
                    self.config.clone(),
                    Vec::new(),
                    &mut DiscardRows,
                    None,
                    &[],
                )
                .map(|r| Outcome::new(r, 0))
            })
            .map_err(|e: RunError| to_py(e.into()))?;
        outcome.to_dict(py)
    }

    /// Ends the episode in progress, if any (its run is dropped where it stands).
    fn close(&mut self) {
        self.episode = None;
        self.outcome = None;
    }
}

/// What every episode's world is built from (a world holds models, which are built anew for
/// each run).
struct Setting {
    cluster: Cluster,
    physics: PhysicsConfig,
    faults: FaultsConfig,
}

impl Env {
    /// A fresh world for one run: the setting, with the FGD fragmentation tracker a scenario run
    /// has.
    fn world(&self) -> World {
        World {
            cluster: self.setting.cluster.clone(),
            physics: self.setting.physics.clone(),
            faults: self.setting.faults.clone(),
            models: vec![Box::new(FragTracker::new(self.typical.clone()))],
        }
    }

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

    /// Resumes the episode with `action` and runs to the next decision or the end.
    fn resume<'py>(&mut self, py: Python<'py>, action: usize) -> PyResult<StepResult<'py>> {
        let episode = self.episode.as_mut().ok_or_else(|| {
            pyo3::exceptions::PyRuntimeError::new_err(
                "no episode in progress: call reset() first (an episode also ends when every job has been decided)",
            )
        })?;
        let (resumed, failure) = crate::pypolicy::collecting(|| episode.resume(action));
        if let Some(failure) = failure {
            self.episode = None;
            return Err(failure);
        }
        match resumed {
            CoroutineResult::Yield(ask) => Ok((float_bytes(py, &ask.obs)?, ask.waiting, ask.now_s, false)),
            CoroutineResult::Return(result) => {
                self.episode = None;
                let outcome = result.map_err(crate::error::RunError::new_err)?;
                let end_s = outcome.end.as_secs_f64();
                self.outcome = Some(outcome);
                Ok((float_bytes(py, &vec![0.0; self.shape.len()])?, 0, end_s, true))
            }
        }
    }
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
