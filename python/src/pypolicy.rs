//! Policy parts written in Python: placements, queue orders and victim rules, registered in the
//! policy registry under `py:NAME` so that a scenario can name them (`placement =
//! "py:my_module.MyPlacement"`).
//!
//! Each registered Python part is a factory of the registry that captures the part's name: it
//! builds the part from the object registered under that name when the run starts (a class is
//! instantiated for every run, an instance is used as it is), so a process registers any
//! number of parts.
//!
//! The engine calls a part with the GIL held (a run that uses Python parts keeps it; sweep
//! workers take it for each call). An exception raised by a hook, or an answer the engine
//! cannot use (a node where the task does not fit, a row out of range), is the run's failure.
//! A run or an environment step on the calling thread keeps it ([`collecting`]): from then on
//! the parts decide nothing, the run winds down, and the caller raises the failure. In a sweep
//! the run fails at once, and the sweep records it as failed.

use std::cell::{Cell, RefCell};
use std::sync::{Mutex, PoisonError};

use policies::placement::Placement;
use policies::preemption::VictimOrder;
use policies::queue::QueueOrder;
use policies::{
    BuildPlacement, BuildQueueOrder, BuildVictimOrder, Context, PartInfo, PlacementPart, PolicySpec, PreemptionPart,
    QueueOrderPart, Registry,
};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyDict, PyType};
use pyo3::{PyErr, intern};
use sim_core::cluster::{Cluster, Trial};
use sim_core::ids::{JobId, NodeId};
use sim_core::job::Job as EngineJob;
use sim_core::observe::Record;
use sim_core::resources::{MILLI_PER_GPU, TaskAlloc};
use sim_core::time::SimTime;
use sim_core::view::ClusterView;

use crate::error::RunError;

/// The kinds of part Python can provide, with the `[policy]` key that names each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Placement,
    Queue,
    Victims,
}

impl Kind {
    fn parse(key: &str) -> PyResult<Kind> {
        match key {
            "placement" => Ok(Kind::Placement),
            "queue" => Ok(Kind::Queue),
            "preemption" => Ok(Kind::Victims),
            other => Err(PyValueError::new_err(format!(
                "unknown kind of part `{other}`: expected placement, queue or preemption"
            ))),
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// A registered Python part.
struct Registered {
    /// `py:NAME`.
    name: &'static str,
    /// A class (instantiated per run) or an instance (shared by every run).
    object: Py<PyAny>,
}

/// The registered parts, by kind, in registration order.
static PARTS: Mutex<[Vec<Registered>; 3]> = Mutex::new([Vec::new(), Vec::new(), Vec::new()]);

fn parts() -> std::sync::MutexGuard<'static, [Vec<Registered>; 3]> {
    PARTS.lock().unwrap_or_else(PoisonError::into_inner)
}

thread_local! {
    /// Whether the run going on on this thread keeps its parts' failures for the caller.
    static COLLECTING: Cell<bool> = const { Cell::new(false) };
    /// The first failure of a Python part in that run.
    static FAILURE: RefCell<Option<PyErr>> = const { RefCell::new(None) };
}

/// A failure of a Python part: kept as the run's failure (the first one counts) when the
/// caller collects them ([`collecting`]), else the run fails at once (a sweep records it as a
/// failed run, with the exception and where it was raised). The run is unwound without the
/// panic hook, so nothing but the sweep's record tells of it.
fn fail(error: PyErr) {
    if !COLLECTING.get() {
        let message = format!(
            "a Python policy part failed: {}",
            Python::attach(|py| raised_at(py, &error))
        );
        std::panic::resume_unwind(Box::new(message));
    }
    FAILURE.with(|f| {
        f.borrow_mut().get_or_insert(error);
    });
}

/// `error` and the innermost frame of its traceback: `ValueError: boom (raised at
/// parts.py:12, in place)`; the exception alone when it has no traceback.
fn raised_at(py: Python<'_>, error: &PyErr) -> String {
    let frame = error.traceback(py).and_then(|traceback| {
        let frames = py
            .import("traceback")
            .and_then(|module| module.call_method1("extract_tb", (traceback,)))
            .ok()?;
        let last = frames.get_item(-1).ok()?;
        let field = |name: &str| last.getattr(name).and_then(|v| v.str()).map(|v| v.to_string()).ok();
        Some(format!(
            " (raised at {}:{}, in {})",
            field("filename")?,
            field("lineno")?,
            field("name")?
        ))
    });
    format!("{error}{}", frame.unwrap_or_default())
}

/// Whether a Python part of the run on this thread has failed.
fn failed() -> bool {
    FAILURE.with(|f| f.borrow().is_some())
}

/// Runs `work` (a run, or a step of one, on this thread) keeping the failures of its Python
/// parts; returns its result and the first failure, if any.
pub fn collecting<T>(work: impl FnOnce() -> T) -> (T, Option<PyErr>) {
    let outer = COLLECTING.replace(true);
    let result = work();
    COLLECTING.set(outer);
    (result, FAILURE.with(|f| f.borrow_mut().take()))
}

/// Registers `object` as the part `py:NAME` of the `[policy]` key `key` (`placement`, `queue`
/// or `preemption`); registering a name again replaces its object.
#[pyfunction]
pub fn register_part(key: &str, name: &str, object: Py<PyAny>) -> PyResult<()> {
    let kind = Kind::parse(key)?;
    if !name.starts_with("py:") || name.len() == 3 {
        return Err(PyValueError::new_err(format!(
            "`{name}`: a Python part's name is py:NAME"
        )));
    }
    let mut parts = parts();
    let registered = &mut parts[kind.index()];
    if let Some(part) = registered.iter_mut().find(|p| p.name == name) {
        part.object = object;
        return Ok(());
    }
    // A part's name lives as long as the registry's: each name registered is kept once (a
    // name registered again reuses it).
    let name: &'static str = Box::leak(name.to_string().into_boxed_str());
    registered.push(Registered { name, object });
    Ok(())
}

/// The built-in parts and every registered Python part.
pub fn registry() -> Registry {
    let mut registry = Registry::builtin();
    let parts = parts();
    let info = |name, description| PartInfo {
        name,
        description,
        params: &[],
    };
    for part in &parts[Kind::Placement.index()] {
        let name = part.name;
        registry.add_placement(PlacementPart {
            info: info(name, "a placement written in Python"),
            build: BuildPlacement::shared(move |_, context| build_placement(name, context)),
        });
    }
    for part in &parts[Kind::Queue.index()] {
        let name = part.name;
        registry.add_queue_order(QueueOrderPart {
            info: info(name, "a queue order written in Python"),
            build: BuildQueueOrder::shared(move |_, context| build_queue_order(name, context)),
        });
    }
    for part in &parts[Kind::Victims.index()] {
        let name = part.name;
        registry.add_preemption(PreemptionPart {
            info: info(name, "a victim rule written in Python"),
            build: BuildVictimOrder::shared(move |_, context| Some(build_victim_order(name, context))),
        });
    }
    registry
}

/// Whether `spec` has a part written in Python (its run keeps the GIL).
pub fn uses_python(spec: &PolicySpec) -> bool {
    [
        spec.queue.info.name,
        spec.placement.info.name,
        spec.preemption.info.name,
    ]
    .iter()
    .any(|name| name.starts_with("py:"))
}

/// The part `name` of `kind`, ready for a run: its object (a new instance when a class is
/// registered), or `None` after a failure.
fn instance(kind: Kind, name: &str) -> Option<Py<PyAny>> {
    Python::attach(|py| {
        let object = {
            let parts = parts();
            let part = parts[kind.index()]
                .iter()
                .find(|p| p.name == name)
                .expect("a registry lists only registered parts, and none is ever removed");
            part.object.clone_ref(py)
        };
        let object = object.bind(py);
        let built = if object.is_instance_of::<PyType>() {
            object.call0().map(Bound::unbind)
        } else {
            Ok(object.clone().unbind())
        };
        built.map_err(fail).ok()
    })
}

/// Builds the placement registered as `name`.
fn build_placement(name: &'static str, context: &Context) -> Box<dyn Placement + Send> {
    Box::new(PyPlacement {
        name,
        object: instance(Kind::Placement, name),
        seed: context.seed,
        now: SimTime::ZERO,
        set_up: false,
    })
}

/// Builds the queue order registered as `name`.
fn build_queue_order(name: &'static str, context: &Context) -> Box<dyn QueueOrder + Send> {
    Box::new(PyQueueOrder {
        name,
        object: instance(Kind::Queue, name),
        seed: context.seed,
        set_up: false,
        order: Vec::new(),
        offered: 0,
    })
}

/// Builds the victim rule registered as `name`.
fn build_victim_order(name: &'static str, context: &Context) -> Box<dyn VictimOrder + Send> {
    Box::new(PyVictims {
        name,
        object: instance(Kind::Victims, name),
        seed: context.seed,
        set_up: Cell::new(false),
    })
}

/// A waiting job as a placement's `place` hook sees it.
#[pyclass(module = "clustersim._native", name = "Job", frozen, get_all)]
pub struct JobInfo {
    /// The trace's job id.
    id: String,
    /// Its number in arrival order.
    index: u32,
    /// Submission time, in seconds.
    submit_s: f64,
    /// Time waited so far, in seconds.
    wait_s: f64,
    /// Tasks (gang size): all start together or none do.
    tasks: u32,
    /// GPUs of each task (a share of one GPU below 1).
    gpus_per_task: f64,
    /// GPUs of the whole job.
    gpus: f64,
    /// CPU cores of each task.
    cpus_per_task: f64,
    /// Memory of each task, in GiB.
    mem_gib_per_task: f64,
    /// The user's run-time estimate, in seconds.
    requested_s: f64,
    /// Priority (higher first).
    priority: i32,
    /// Tenant.
    user: String,
    /// Queue.
    queue: String,
    /// GPU models it may use (empty: any).
    gpu_types: Vec<String>,
}

#[pymethods]
impl JobInfo {
    fn __repr__(&self) -> String {
        format!(
            "Job(id={:?}, tasks={}, gpus_per_task={}, submit_s={}, wait_s={})",
            self.id, self.tasks, self.gpus_per_task, self.submit_s, self.wait_s
        )
    }
}

impl JobInfo {
    fn new(job: &EngineJob, now: SimTime) -> JobInfo {
        let spec = &job.spec;
        JobInfo {
            id: spec.id.clone(),
            index: job.id.0,
            submit_s: spec.submit.as_secs_f64(),
            wait_s: (now - spec.submit).as_secs_f64(),
            tasks: spec.tasks,
            gpus_per_task: gpus(spec.task.gpu_milli()),
            gpus: gpus(spec.gpu_milli()),
            cpus_per_task: spec.task.cpu_milli as f64 / 1000.0,
            mem_gib_per_task: spec.task.mem_mib as f64 / 1024.0,
            requested_s: spec.requested.as_secs_f64(),
            priority: spec.priority,
            user: spec.user.clone(),
            queue: spec.queue.clone(),
            gpu_types: spec.gpu_types.clone(),
        }
    }
}

fn gpus(milli: u64) -> f64 {
    milli as f64 / f64::from(MILLI_PER_GPU)
}

/// What a part's `setup` hook receives before its first decision: the run's seed and the
/// nodes (name, rack, GPUs, GPU model, as columns indexed like the free-capacity lists).
fn setup_info<'py>(py: Python<'py>, cluster: &Cluster, seed: Option<u64>) -> PyResult<Bound<'py, PyDict>> {
    let nodes = cluster.nodes();
    let columns = PyDict::new(py);
    columns.set_item("name", nodes.iter().map(|n| n.name.as_str()).collect::<Vec<_>>())?;
    let racks = cluster.racks();
    columns.set_item(
        "rack",
        nodes
            .iter()
            .map(|n| racks[n.rack.index()].name.as_str())
            .collect::<Vec<_>>(),
    )?;
    columns.set_item("gpus", nodes.iter().map(|n| n.gpu_count).collect::<Vec<_>>())?;
    let types = cluster.gpu_type_names();
    columns.set_item(
        "gpu_type",
        nodes
            .iter()
            .map(|n| types[n.gpu_type.index()].as_str())
            .collect::<Vec<_>>(),
    )?;
    let info = PyDict::new(py);
    info.set_item("seed", seed)?;
    info.set_item("nodes", columns)?;
    Ok(info)
}

/// Calls `object.setup(info)` when the object has that hook.
fn setup(py: Python<'_>, object: &Py<PyAny>, cluster: &Cluster, seed: Option<u64>) -> PyResult<()> {
    let object = object.bind(py);
    if object.hasattr(intern!(py, "setup"))? {
        object.call_method1(intern!(py, "setup"), (setup_info(py, cluster, seed)?,))?;
    }
    Ok(())
}

/// `jobs` as columns: `job_id`, `index`, `submit_s`, `wait_s`, `tasks`, `gpus_per_task`,
/// `gpus`, `requested_s`, `priority`, `user`, `queue`, and for running jobs `started_s`,
/// `progress` and `preemptions`.
fn job_columns<'py>(py: Python<'py>, jobs: &[&EngineJob], now: SimTime, running: bool) -> PyResult<Bound<'py, PyDict>> {
    fn column<'j, T>(jobs: &[&'j EngineJob], value: impl Fn(&'j EngineJob) -> T) -> Vec<T> {
        jobs.iter().map(|j| value(j)).collect()
    }
    let table = PyDict::new(py);
    table.set_item("job_id", column(jobs, |j| j.spec.id.as_str()))?;
    table.set_item("index", column(jobs, |j| j.id.0))?;
    table.set_item("submit_s", column(jobs, |j| j.spec.submit.as_secs_f64()))?;
    table.set_item("wait_s", column(jobs, |j| (now - j.spec.submit).as_secs_f64()))?;
    table.set_item("tasks", column(jobs, |j| j.spec.tasks))?;
    table.set_item("gpus_per_task", column(jobs, |j| gpus(j.spec.task.gpu_milli())))?;
    table.set_item("gpus", column(jobs, |j| gpus(j.spec.gpu_milli())))?;
    table.set_item("requested_s", column(jobs, |j| j.spec.requested.as_secs_f64()))?;
    table.set_item("priority", column(jobs, |j| j.spec.priority))?;
    table.set_item("user", column(jobs, |j| j.spec.user.as_str()))?;
    table.set_item("queue", column(jobs, |j| j.spec.queue.as_str()))?;
    if running {
        table.set_item("started_s", column(jobs, |j| j.last_start.map(SimTime::as_secs_f64)))?;
        table.set_item("progress", column(jobs, |j| j.progress_fraction_at(now)))?;
        table.set_item("preemptions", column(jobs, |j| j.preemptions))?;
    }
    Ok(table)
}

/// Reads an answer that must list each of `0..count` at most once (exactly once when
/// `complete`).
fn rows(answer: &Bound<'_, PyAny>, count: usize, complete: bool, what: &str) -> PyResult<Vec<usize>> {
    let rows: Vec<usize> = answer
        .extract()
        .map_err(|_| RunError::new_err(format!("{what} must return a sequence of row numbers")))?;
    let mut seen = vec![false; count];
    for &row in &rows {
        if row >= count || std::mem::replace(&mut seen[row], true) {
            return Err(RunError::new_err(format!(
                "{what} returned row {row}: the rows are numbered 0 to {}, and each may be listed once",
                count.saturating_sub(1)
            )));
        }
    }
    if complete && rows.len() != count {
        return Err(RunError::new_err(format!(
            "{what} returned {} rows: it must order all {count} candidates",
            rows.len()
        )));
    }
    Ok(rows)
}

/// A placement written in Python: `place(job, free)` returns a node per task, or `None`.
struct PyPlacement {
    name: &'static str,
    object: Option<Py<PyAny>>,
    seed: u64,
    /// The current round's instant.
    now: SimTime,
    set_up: bool,
}

impl PyPlacement {
    fn place_py(
        &self,
        py: Python<'_>,
        object: &Py<PyAny>,
        trial: &mut Trial<'_>,
        job: &EngineJob,
    ) -> PyResult<Option<Vec<TaskAlloc>>> {
        let cluster = trial.cluster();
        let nodes = cluster.nodes();
        let bytes = PyBytes::new_with(py, nodes.len() * 8, |buffer| {
            for (i, (chunk, node)) in buffer.chunks_exact_mut(8).zip(nodes).enumerate() {
                let free = if node.schedulable() {
                    gpus(trial.free_gpu_milli(NodeId::from_index(i)))
                } else {
                    0.0
                };
                chunk.copy_from_slice(&free.to_ne_bytes());
            }
            Ok(())
        })?;
        // An `array.array` of doubles: one object, its floats made only when read.
        static ARRAY: PyOnceLock<Py<PyType>> = PyOnceLock::new();
        let free = ARRAY.import(py, "array", "array")?.call1((intern!(py, "d"), bytes))?;
        let info = Bound::new(py, JobInfo::new(job, self.now))?;
        let answer = object.call_method1(py, intern!(py, "place"), (info, free))?;
        let answer = answer.bind(py);
        if answer.is_none() {
            return Ok(None);
        }
        let what = format!("placement `{}` (job `{}`)", self.name, job.spec.id);
        let nodes: Vec<usize> = answer
            .extract()
            .map_err(|_| RunError::new_err(format!("{what}: place must return a node number per task, or None")))?;
        if nodes.len() != job.spec.tasks as usize {
            return Err(RunError::new_err(format!(
                "{what}: place returned {} nodes for {} tasks",
                nodes.len(),
                job.spec.tasks
            )));
        }
        let mut tasks: Vec<TaskAlloc> = Vec::with_capacity(nodes.len());
        for (i, &node) in nodes.iter().enumerate() {
            let fit = (node < cluster.nodes().len())
                .then(|| trial.fit(NodeId::from_index(node), &job.spec.task, job.allowed_gpu_types))
                .flatten();
            let Some(task) = fit.filter(|task| trial.take(task).is_ok()) else {
                for task in &tasks {
                    trial.give_back(task);
                }
                let reason = if node < cluster.nodes().len() {
                    format!("task {i} does not fit on node {node}")
                } else {
                    format!(
                        "task {i} is put on node {node}, but the nodes are numbered 0 to {}",
                        cluster.nodes().len() - 1
                    )
                };
                return Err(RunError::new_err(format!("{what}: {reason}")));
            };
            tasks.push(task);
        }
        Ok(Some(tasks))
    }
}

impl Placement for PyPlacement {
    fn begin_round(&mut self, view: &ClusterView<'_>) {
        self.now = view.now;
        if self.set_up || failed() {
            return;
        }
        self.set_up = true;
        if let Some(object) = &self.object {
            Python::attach(|py| setup(py, object, view.cluster, Some(self.seed))).unwrap_or_else(fail);
        }
    }

    fn place(&mut self, trial: &mut Trial<'_>, job: &EngineJob) -> Option<Vec<TaskAlloc>> {
        if failed() {
            return None;
        }
        let object = self.object.as_ref()?;
        Python::attach(|py| self.place_py(py, object, trial, job)).unwrap_or_else(|e| {
            fail(e);
            None
        })
    }
}

/// A queue order written in Python: `order(waiting, now_s)` returns the rows of the waiting
/// jobs in the order to offer them this round (rows left out are not offered).
struct PyQueueOrder {
    name: &'static str,
    object: Option<Py<PyAny>>,
    seed: u64,
    set_up: bool,
    /// This round's candidates, in order.
    order: Vec<JobId>,
    /// How many were offered.
    offered: usize,
}

impl PyQueueOrder {
    fn order_py(&mut self, py: Python<'_>, object: &Py<PyAny>, view: &ClusterView<'_>) -> PyResult<()> {
        if !self.set_up {
            self.set_up = true;
            setup(py, object, view.cluster, Some(self.seed))?;
        }
        let waiting: Vec<&EngineJob> = view.pending_jobs().collect();
        let table = job_columns(py, &waiting, view.now, false)?;
        let answer = object.call_method1(py, intern!(py, "order"), (table, view.now.as_secs_f64()))?;
        let what = format!("queue order `{}`", self.name);
        let rows = rows(answer.bind(py), waiting.len(), false, &what)?;
        self.order.extend(rows.into_iter().map(|row| view.pending[row]));
        Ok(())
    }
}

impl QueueOrder for PyQueueOrder {
    fn observe(&mut self, _record: &Record, _view: &ClusterView<'_>) {}

    fn begin_round(&mut self, view: &ClusterView<'_>) {
        self.order.clear();
        self.offered = 0;
        if failed() || view.pending.is_empty() {
            return;
        }
        let Some(object) = self.object.as_ref().map(|o| Python::attach(|py| o.clone_ref(py))) else {
            return;
        };
        Python::attach(|py| self.order_py(py, &object, view)).unwrap_or_else(fail);
    }

    fn next(&mut self, _view: &ClusterView<'_>) -> Option<JobId> {
        let next = self.order.get(self.offered).copied();
        self.offered += 1;
        next
    }

    fn started(&mut self, _job: &EngineJob) {}
}

/// A victim rule written in Python: `victims(candidates, now_s)` returns every row of the
/// candidates (running jobs that may be preempted) in the order to preempt them. Its
/// `setup(info)`, if any, is called before its first call with the run's seed.
struct PyVictims {
    name: &'static str,
    object: Option<Py<PyAny>>,
    seed: u64,
    /// Whether `setup` was called (the rule is called through a shared reference).
    set_up: Cell<bool>,
}

impl PyVictims {
    fn order_py(
        &self,
        py: Python<'_>,
        object: &Py<PyAny>,
        candidates: &mut [&EngineJob],
        now: SimTime,
    ) -> PyResult<()> {
        if !self.set_up.replace(true) {
            let object = object.bind(py);
            if object.hasattr(intern!(py, "setup"))? {
                let info = PyDict::new(py);
                info.set_item("seed", self.seed)?;
                object.call_method1(intern!(py, "setup"), (info,))?;
            }
        }
        let table = job_columns(py, candidates, now, true)?;
        let answer = object.call_method1(py, intern!(py, "victims"), (table, now.as_secs_f64()))?;
        let what = format!("victim rule `{}`", self.name);
        let rows = rows(answer.bind(py), candidates.len(), true, &what)?;
        let before = candidates.to_vec();
        for (slot, row) in candidates.iter_mut().zip(rows) {
            *slot = before[row];
        }
        Ok(())
    }
}

impl VictimOrder for PyVictims {
    fn order(&self, candidates: &mut [&EngineJob], now: SimTime) {
        if failed() || candidates.is_empty() {
            return;
        }
        if let Some(object) = &self.object {
            Python::attach(|py| self.order_py(py, object, candidates, now)).unwrap_or_else(fail);
        }
    }
}
