//! The discrete-event engine: it advances time from event to event, applies what happens, asks
//! the policy for decisions, and reports every change to observers.
//!
//! # Order of work at one instant
//!
//! 1. Sampling times strictly before the instant are reported (the state is constant between
//!    instants, so a sample at `s` shows the state after every event at or before `s`).
//! 2. Every event at the instant is applied, in (time, insertion) order: finishes, arrivals.
//! 3. The policy runs **once**, after all of them, if any job is waiting. So a job's start time
//!    never depends on the order of events within an instant.
//! 4. Observers are told the instant ended (time-weighted metrics integrate from here).
//!
//! If step 3 scheduled events at the same instant (zero-length work), steps 2–4 repeat.
//!
//! Every event passes the progress guard ([`guard`]): a run that stops advancing simulated
//! time, or does far more work than its jobs can need, ends with [`RunError::NoProgress`].
//!
//! Trace arrivals are streamed: only the next job is read ahead, so the event queue holds
//! about one finish event per running job, however long the trace.
//!
//! The engine keeps the jobs, the cluster's resources, the event queue and a list of world
//! models ([`crate::model`]): failures, overloads, the circuit breaker, physics, and those the
//! [`World`] adds. It tells them what happens to jobs and nodes, queues their own events
//! (`Event::Model`) and applies the effects they return (`engine/models.rs`).

mod admission;
pub(crate) use admission::admitted;
mod apply;
pub mod guard;
mod models;
mod names;
mod nodes;
mod pending;

use std::collections::BTreeSet;
use std::error::Error;

use crate::cluster::Cluster;
use crate::event_queue::EventQueue;
use crate::faults::cascade::{CircuitBreaker, Overloads};
use crate::faults::causes::CauseTable;
use crate::faults::failures::Failures;
use crate::faults::lemons::Lemons;
use crate::faults::rates::node_rate_multipliers;
use crate::faults::spares::HotSpares;
use crate::faults::{FaultsConfig, IncidentRow, JobImpact};
use crate::ids::JobId;
use crate::job::{Job, JobSpec};
use crate::jobs::JobStore;
use crate::model::{self, Effects, ModelEvent, Models, WorldModel};
use crate::observe::{Observer, Record};
use crate::physics::{Physics, PhysicsConfig};
use crate::policy::{Decision, Policy};
use crate::time::SimTime;
use crate::view::ClusterView;

use guard::{Bound, Budget, Stall, Tally};
use names::Names;

/// Settings of one run that are not part of the world or the workload.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EngineConfig {
    /// Stop at this instant (events after it are not applied); `None` runs until every job ends.
    pub horizon: Option<SimTime>,
    /// Interval between samples reported to observers (`timeseries.csv`), taken at whole multiples
    /// of it from time zero, from the first arrival on; `None` for no samples.
    pub sample_interval: Option<SimTime>,
    /// Fail every arriving job that the policy does not start at its arrival instant, instead
    /// of queueing it (the protocol of fill / packing experiments).
    pub fail_unplaced_arrivals: bool,
    /// Kill a job whose run reaches its requested time (`requested_s`) before it finishes, as
    /// batch systems enforce time limits; its state becomes `timeout` and all its work is lost.
    /// Each (re)start gets the whole limit again.
    pub kill_at_limit: bool,
    /// Retire jobs as they end (see [`crate::jobs`]): at the end of the instant a job ended in,
    /// observers see it in [`Observer::on_retired`] and it is dropped, so memory holds only
    /// live jobs; jobs still live at the end are retired then, in arrival order.
    /// `RunOutcome::jobs` is then empty. Off, every job is kept and handed back at the end, in
    /// arrival order.
    pub stream_jobs: bool,
    /// How much work the run may do before it is stopped as stuck ([`RunError::NoProgress`]);
    /// the default grows with the jobs and the cluster.
    pub budget: Budget,
    /// Set from elsewhere (a Ctrl-C handler) to end the run at its next instant with
    /// [`RunError::Interrupted`]; `None` runs to the end.
    pub stop: Option<StopFlag>,
}

/// A flag another thread sets to stop a run ([`EngineConfig::stop`]). Two flags are equal when
/// they are the same flag.
#[derive(Clone, Debug, Default)]
pub struct StopFlag(std::sync::Arc<std::sync::atomic::AtomicBool>);

impl StopFlag {
    /// A flag not yet set.
    pub fn new() -> StopFlag {
        StopFlag::default()
    }

    /// Asks the runs that hold this flag to stop.
    pub fn set(&self) {
        self.0.store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// Whether [`StopFlag::set`] was called.
    pub fn is_set(&self) -> bool {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl PartialEq for StopFlag {
    fn eq(&self, other: &StopFlag) -> bool {
        std::sync::Arc::ptr_eq(&self.0, &other.0)
    }
}

/// What the engine simulates: the cluster and the models of the world around it.
pub struct World {
    /// Racks, nodes and their capacity.
    pub cluster: Cluster,
    /// Network, power and thermal models (all off by default).
    pub physics: PhysicsConfig,
    /// Failures, incidents, and what they do to jobs (nothing fails by default).
    pub faults: FaultsConfig,
    /// Further world models, called after the built-in ones (those `physics` and `faults`
    /// turn on), in this order: the FGD fragmentation tracker, a researcher's own model
    /// (docs/engine.md, "Adding a world model").
    pub models: Models,
}

impl From<Cluster> for World {
    /// A cluster with no physical models: every job runs at full speed.
    fn from(cluster: Cluster) -> World {
        World {
            cluster,
            physics: PhysicsConfig::default(),
            faults: FaultsConfig::default(),
            models: Vec::new(),
        }
    }
}

impl std::fmt::Debug for World {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let models: Vec<&str> = self.models.iter().map(|m| m.name()).collect();
        f.debug_struct("World")
            .field("cluster", &self.cluster)
            .field("physics", &self.physics)
            .field("faults", &self.faults)
            .field("models", &models)
            .finish()
    }
}

/// Why a run stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The workload source failed (a trace error names its file, line and field).
    #[error("{0}")]
    Workload(Box<dyn Error + Send + Sync>),
    /// The world cannot be built (a physical model lacks parameters).
    #[error("{0}")]
    World(String),
    /// The workload went back in time.
    #[error(
        "the workload is not sorted by submit time: job `{job}` is submitted at {submit} s, after a job submitted at {previous} s"
    )]
    Unsorted {
        /// The offending job.
        job: String,
        /// Its submit time.
        submit: SimTime,
        /// The previous job's submit time.
        previous: SimTime,
    },
    /// A policy asked for something the engine refused; nothing of that decision was applied.
    #[error("policy `{policy}` made an invalid decision (job `{job}`): {reason}")]
    InvalidDecision {
        /// The policy's name.
        policy: String,
        /// The job concerned.
        job: String,
        /// What was wrong.
        reason: String,
    },
    /// The run stopped making progress (see [`guard`]): it would otherwise never end.
    #[error("{0}")]
    NoProgress(Box<Stall>),
    /// The run was stopped from outside ([`EngineConfig::stop`]) at this instant.
    #[error("interrupted at {0} s")]
    Interrupted(SimTime),
}

/// Counters of the engine's own work, for performance reports (not part of deterministic output).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EngineStats {
    /// Events popped from the queue, stale ones included.
    pub events: u64,
    /// Finish events skipped because the job's version moved on.
    pub stale_events: u64,
    /// Distinct instants processed.
    pub instants: u64,
    /// Calls to the policy.
    pub scheduler_calls: u64,
    /// Decisions applied.
    pub decisions: u64,
}

/// What a finished run leaves behind.
pub struct RunOutcome {
    /// Every job that arrived, in arrival order, in its final state (empty when the run
    /// streamed its jobs: `EngineConfig::stream_jobs`).
    pub jobs: Vec<Job>,
    /// The cluster as it was at the end.
    pub cluster: Cluster,
    /// The instant the run ended: the horizon if it cut the run short, else the last event.
    pub end: SimTime,
    /// Tenant names, indexed by `UserId`.
    pub users: Vec<String>,
    /// Queue names, indexed by `QueueId`.
    pub queues: Vec<String>,
    /// Engine work counters.
    pub stats: EngineStats,
    /// Every incident, in the order they happened.
    pub incidents: Vec<IncidentRow>,
    /// True when a failure model or an incident was configured, or the scenario declared
    /// failures with none ([`crate::faults::FaultsConfig::declared`]): failure metrics are
    /// reported.
    pub faults_active: bool,
    /// The most nodes down at once.
    pub peak_down_nodes: u32,
    /// Times the circuit breaker opened.
    pub breaker_trips: u64,
    /// When the circuit breaker opened, in order.
    pub breaker_openings: Vec<SimTime>,
    /// The world models as they were at the end, in the order the engine called them.
    pub models: Models,
}

impl RunOutcome {
    /// The first world model of type `T`, if the run had one.
    pub fn model<T: WorldModel>(&self) -> Option<&T> {
        model::find(&self.models)
    }
}

/// What can be on the event queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Event {
    /// The read-ahead job arrives.
    Arrival,
    /// A running job would finish, if its progress version is still `version`.
    Finish { job: JobId, version: u32 },
    /// The policy asked to run at this time.
    Wake,
    /// A held job's restart overhead and back-off are over.
    Requeue { job: JobId },
    /// An event a world model scheduled for itself: the model's position in the list, and the
    /// payload and version it chose.
    Model { model: u16, event: ModelEvent },
    /// A job's time limit, if it is still in the attempt that started at `started`.
    TimeLimit { job: JobId, started: SimTime },
}

/// The world models `physics` and `faults` turn on, in the order the engine calls them, which
/// is the order in which their events and effects meet at one instant: overloads see a job
/// start before physics does (an overload check is queued before the thermal checks and moved
/// finishes), the breaker sees a node go down before physics does, and physics starts before
/// the failure processes draw their first failures.
fn builtin_models(cluster: &mut Cluster, physics: PhysicsConfig, faults: FaultsConfig) -> Result<Models, RunError> {
    let spines = physics.fabric.as_ref().map_or(1, |f| f.spines);
    let mut models: Models = Vec::new();
    if let Some(cascade) = faults.cascade {
        models.push(Box::new(Overloads::new(cascade, cluster)));
    }
    if faults.is_active()
        && let Some(breaker) = faults.breaker
    {
        models.push(Box::new(CircuitBreaker::new(breaker)));
    }
    if physics.is_on() {
        let physics = Physics::new(cluster, physics).map_err(|e| RunError::World(e.to_string()))?;
        if let Some(power) = physics.power() {
            cluster.set_power_limits(Some(power.limits(cluster)));
        }
        models.push(Box::new(physics));
    }
    let multipliers = faults
        .node_rate_sigma
        .map(|sigma| node_rate_multipliers(faults.seed, cluster.nodes().len(), sigma));
    if let Some(causes) = CauseTable::new(faults.causes.clone(), cluster, faults.seed, multipliers.as_deref()) {
        models.push(Box::new(causes));
    }
    let (lemons, spares, keep_nodes, impact) = (faults.lemons, faults.hot_spares, faults.keep_nodes, faults.jobs);
    if let Some(failures) = Failures::new(faults, cluster, spines, multipliers.clone()) {
        models.push(Box::new(failures));
    }
    if let Some(lemons) = lemons {
        let multipliers = multipliers.unwrap_or_else(|| vec![1.0; cluster.nodes().len()]);
        models.push(Box::new(Lemons::new(lemons, multipliers)));
    }
    if let Some(spares) = HotSpares::new(spares, keep_nodes, cluster.nodes().len(), impact) {
        models.push(Box::new(spares));
    }
    Ok(models)
}

/// The mutable state of a run, apart from the policy and observers.
struct State {
    now: SimTime,
    queue: EventQueue<Event>,
    cluster: Cluster,
    jobs: JobStore,
    pending: pending::Pending,
    running: BTreeSet<JobId>,
    next_job: Option<JobSpec>,
    users: Names,
    queues: Names,
    records: Vec<Record>,
    stats: EngineStats,
    /// Jobs that arrived at the current instant (for `fail_unplaced_arrivals`).
    arrived_now: Vec<JobId>,
    /// Times at which a policy wake-up is queued.
    wakeups: BTreeSet<SimTime>,
    /// The world models, in the order they are called.
    models: Models,
    /// Effects the models pushed and the engine has not applied yet (a stack: each call's
    /// effects sit above those of the calls it is nested in).
    effects: Effects,
    /// What a failure does to the jobs it stops.
    impact: JobImpact,
    /// Nodes the hot-spare pool always holds out of the jobs' reach (which ones changes).
    hot_spares: u32,
    /// True when a failure model or an incident was configured.
    faults_active: bool,
    /// Reasons each node is down for (it comes back when the last one ends).
    node_holds: Vec<u16>,
    /// Every incident so far.
    incidents: Vec<IncidentRow>,
    /// The next queue position to hand out (arrivals and requeues to the back).
    next_position: u64,
    /// The most nodes down at once.
    peak_down_nodes: u32,
    /// Jobs `Held` after a failure (neither pending nor running, but not done).
    held_jobs: usize,
    /// Jobs that reached a terminal state at this instant, in that order (to retire them).
    ended: Vec<JobId>,
    /// Whether jobs are killed at their requested time.
    kill_at_limit: bool,
    /// Recent events by kind, for the progress guard.
    tally: Tally,
}

impl State {
    #[inline]
    fn view(&self) -> ClusterView<'_> {
        ClusterView {
            now: self.now,
            cluster: &self.cluster,
            jobs: &self.jobs,
            pending: &self.pending,
            pending_epoch: self.pending.epoch(),
            running: &self.running,
            physics: model::find(&self.models).unwrap_or(Physics::off()),
            models: &self.models,
        }
    }
}

/// A run in progress. Build it with [`Engine::new`], attach observers, then [`Engine::run`]
/// it, or drive it instant by instant with [`Engine::step`] (tests and models that change job
/// speeds from outside use this).
pub struct Engine<'r, S> {
    state: State,
    source: S,
    policy: &'r mut dyn Policy,
    observers: Vec<&'r mut dyn Observer>,
    decisions: Vec<Decision>,
    /// The jobs the current scheduling round started (kept between rounds for its capacity).
    started: Vec<JobId>,
    config: EngineConfig,
    next_sample: Option<SimTime>,
    horizon_reached: bool,
    /// GPUs and nodes of the cluster, for the event budgets.
    units: (u64, u64),
    /// Most events of the run, and of one instant, as the budget stands.
    event_limits: (u64, u64),
}

impl<'r, S, E> Engine<'r, S>
where
    S: Iterator<Item = Result<JobSpec, E>>,
    E: Into<Box<dyn Error + Send + Sync>>,
{
    /// Prepares a run of `source` on `world` (a [`World`], or just a [`Cluster`]) under
    /// `policy`; reads the first job.
    pub fn new(
        world: impl Into<World>,
        source: S,
        policy: &'r mut dyn Policy,
        config: EngineConfig,
    ) -> Result<Self, RunError> {
        let World {
            mut cluster,
            physics,
            faults,
            models: extra_models,
        } = world.into();
        let nodes = cluster.nodes().len();
        let units = (
            cluster.total_gpu_milli() / u64::from(crate::resources::MILLI_PER_GPU),
            nodes as u64,
        );
        let impact = faults.jobs;
        let hot_spares = faults.hot_spares;
        let faults_active = faults.is_active() || faults.declared;
        let mut models = builtin_models(&mut cluster, physics, faults)?;
        models.extend(extra_models);
        let mut engine = Engine {
            state: State {
                now: SimTime::ZERO,
                queue: EventQueue::with_capacity(1024),
                cluster,
                jobs: JobStore::new(),
                pending: pending::Pending::default(),
                running: BTreeSet::new(),
                next_job: None,
                users: Names::default(),
                queues: Names::default(),
                records: Vec::new(),
                stats: EngineStats::default(),
                arrived_now: Vec::new(),
                wakeups: BTreeSet::new(),
                models,
                effects: Effects::default(),
                impact,
                hot_spares,
                faults_active,
                node_holds: vec![0; nodes],
                incidents: Vec::new(),
                next_position: 0,
                peak_down_nodes: 0,
                held_jobs: 0,
                ended: Vec::new(),
                kill_at_limit: config.kill_at_limit,
                tally: Tally::default(),
            },
            source,
            policy,
            observers: Vec::new(),
            decisions: Vec::new(),
            started: Vec::new(),
            event_limits: config.budget.limits(0, units.0, units.1),
            config,
            next_sample: None,
            horizon_reached: false,
            units,
        };
        let state = &mut engine.state;
        state.notify(None, |m, ctx, effects| m.start(ctx, effects));
        engine.read_ahead(SimTime::ZERO)?;
        // Samples fall on whole multiples of the interval from time zero (the first at or after
        // the first arrival), so the samples of different runs and seeds line up.
        engine.next_sample = engine
            .config
            .sample_interval
            .filter(|i| *i > SimTime::ZERO)
            .zip(engine.state.next_job.as_ref().map(|j| j.submit))
            .map(|(interval, first)| {
                let step = interval.as_micros();
                SimTime::from_micros(first.as_micros().div_ceil(step).saturating_mul(step))
            });
        Ok(engine)
    }

    /// Adds an observer; it sees every record from now on.
    pub fn add_observer(&mut self, observer: &'r mut dyn Observer) {
        self.observers.push(observer);
    }

    /// The current instant.
    pub fn now(&self) -> SimTime {
        self.state.now
    }

    /// The run as policies see it.
    pub fn view(&self) -> ClusterView<'_> {
        self.state.view()
    }

    /// When the next instant will be, if there is one within the horizon.
    pub fn next_instant(&self) -> Option<SimTime> {
        let t = self.state.queue.peek_time()?;
        self.config.horizon.is_none_or(|h| t <= h).then_some(t)
    }

    /// Processes the next instant. Returns `false` when the run is over: every job has ended
    /// and no more will arrive, or the horizon is reached.
    pub fn step(&mut self) -> Result<bool, RunError> {
        if self.config.stop.as_ref().is_some_and(StopFlag::is_set) {
            return Err(RunError::Interrupted(self.state.now));
        }
        let state = &self.state;
        if state.next_job.is_none() && state.pending.is_empty() && state.running.is_empty() && state.held_jobs == 0 {
            // Every job has ended: what is left (thermal checks, repairs) changes no job.
            return Ok(false);
        }
        self.drop_stale_finishes();
        let Some(t) = self.next_instant() else {
            self.horizon_reached = !self.state.queue.is_empty();
            return Ok(false);
        };
        if let Some(limit) = self.config.budget.max_time.filter(|&limit| t > limit) {
            return Err(self.stall(Bound::Time { limit, next: t }));
        }
        self.report_samples_before(t);
        self.state.now = t;
        self.state.stats.instants += 1;
        let first_event = self.state.stats.events;
        while self.state.queue.peek_time() == Some(t) {
            let mut changed = false;
            while self.state.queue.peek_time() == Some(t) {
                let (_, event) = self.state.queue.pop().expect("peeked event is present");
                self.state.stats.events += 1;
                let kind = guard::kind(&event, &self.state.models);
                self.state.tally.count(kind);
                let (total, instant) = self.event_limits;
                if self.state.stats.events > total {
                    return Err(self.stall(Bound::Events { limit: total }));
                }
                if self.state.stats.events - first_event > instant {
                    return Err(self.stall(Bound::SameInstant { limit: instant }));
                }
                changed |= self.apply_event(event)?;
                self.emit_records();
            }
            if changed && !self.state.pending.is_empty() {
                self.run_scheduler()?;
            }
            if self.config.fail_unplaced_arrivals {
                self.state.fail_unplaced_arrivals();
                self.emit_records();
            } else {
                // Nothing reads the instant's arrivals then; kept, they would grow with the trace.
                self.state.arrived_now.clear();
            }
            let view = self.state.view();
            for observer in &mut self.observers {
                observer.on_instant_end(&view);
            }
            if self.config.stream_jobs {
                self.retire_ended();
            } else {
                self.state.ended.clear();
            }
            debug_assert_eq!(
                self.state.cluster.check_invariants(),
                Ok(()),
                "capacity accounting broken at {t:?}"
            );
        }
        Ok(true)
    }

    /// Pops the finish events at the head of the queue that a change of speed or an earlier
    /// end made stale: they change nothing, so time does not move to them (a job slowed to a
    /// standstill would otherwise end the run at the finish it no longer has).
    fn drop_stale_finishes(&mut self) {
        while let Some((_, &Event::Finish { job, version })) = self.state.queue.peek() {
            if self.state.finish_is_current(job, version) {
                return;
            }
            self.state.queue.pop();
            self.state.stats.events += 1;
            self.state.stats.stale_events += 1;
        }
    }

    /// The error of a run stopped by the progress guard at `bound`.
    fn stall(&self, bound: Bound) -> RunError {
        let state = &self.state;
        let next = match bound {
            Bound::Time { .. } => state.queue.peek().map(|(_, event)| event),
            Bound::SameInstant { .. } | Bound::Events { .. } => None,
        };
        let waiting = state.running.is_empty() && state.held_jobs == 0 && !state.pending.is_empty();
        let standstill = !state.running.is_empty() && state.running.iter().all(|&j| state.jobs[j].progress.rate == 0.0);
        let quiet = !state.tally.started_lately(state.stats.events);
        let busiest = state.tally.cause(next.map(|e| guard::kind(e, &state.models)));
        // Jobs still arriving are what the run is busy with, whatever the others do meanwhile.
        let cause = if busiest == guard::Cause::Arrivals {
            busiest
        } else if waiting && quiet {
            guard::Cause::Waiting
        } else if standstill {
            guard::Cause::Standstill
        } else {
            busiest
        };
        RunError::NoProgress(Box::new(Stall {
            bound,
            at: state.now,
            events: state.stats.events,
            unfinished: (state.pending.len() + state.running.len() + state.held_jobs) as u64,
            cause,
        }))
    }

    /// Runs to the end and returns the final state.
    pub fn run(mut self) -> Result<RunOutcome, RunError> {
        while self.step()? {}
        Ok(self.finish())
    }

    /// Ends the run at the current instant (or the horizon, if the run reached it) and hands
    /// back the final state.
    pub fn finish(mut self) -> RunOutcome {
        let end = match (self.horizon_reached, self.config.horizon) {
            (true, Some(h)) => h,
            _ => self.state.now,
        };
        self.report_samples_before(end.saturating_add(SimTime(1)));
        let view = ClusterView {
            now: end,
            ..self.state.view()
        };
        for observer in &mut self.observers {
            observer.on_end(end, &view);
        }
        let mut jobs = Vec::new();
        while let Some(job) = self.state.jobs.retire_oldest() {
            let view = ClusterView {
                now: end,
                ..self.state.view()
            };
            for observer in &mut self.observers {
                observer.on_retired(&job, &view);
            }
            if !self.config.stream_jobs {
                jobs.push(*job);
            }
        }
        let state = self.state;
        let breaker = model::find::<CircuitBreaker>(&state.models);
        let breaker_trips = breaker.map_or(0, CircuitBreaker::trips);
        let breaker_openings = breaker.map_or_else(Vec::new, |b| b.openings().to_vec());
        RunOutcome {
            faults_active: state.faults_active,
            incidents: state.incidents,
            peak_down_nodes: state.peak_down_nodes,
            breaker_trips,
            breaker_openings,
            jobs,
            cluster: state.cluster,
            end,
            users: state.users.into_names(),
            queues: state.queues.into_names(),
            stats: state.stats,
            models: state.models,
        }
    }

    /// Changes a running job's speed (work-µs per µs) from now on: its progress so far is kept,
    /// and its finish event moves. Models of the network, power and heat act through this.
    pub fn set_rate(&mut self, job: JobId, rate: f64) {
        self.state.change_rate(job, rate);
        self.emit_records();
    }

    fn report_samples_before(&mut self, t: SimTime) {
        let Some(interval) = self.config.sample_interval.filter(|i| *i > SimTime::ZERO) else {
            return;
        };
        while let Some(at) = self.next_sample.filter(|&s| s < t) {
            let view = ClusterView {
                now: at,
                ..self.state.view()
            };
            for observer in &mut self.observers {
                observer.on_sample(at, &view);
            }
            self.next_sample = Some(at + interval);
        }
    }

    /// Applies one event; returns whether it changed anything the policy could act on.
    fn apply_event(&mut self, event: Event) -> Result<bool, RunError> {
        match event {
            Event::Arrival => {
                let spec = self
                    .state
                    .next_job
                    .take()
                    .expect("an arrival event always has a read-ahead job");
                let submit = spec.submit;
                self.state.admit(spec);
                let arrived = self.state.jobs.len() as u64;
                self.event_limits = self.config.budget.limits(arrived, self.units.0, self.units.1);
                self.read_ahead(submit)?;
                Ok(true)
            }
            Event::Wake => {
                self.state.wakeups.remove(&self.state.now);
                Ok(true)
            }
            Event::Requeue { job } => Ok(self.state.requeue_due(job)),
            Event::Model { model, event } => Ok(self.state.model_event(model, event)),
            Event::TimeLimit { job, started } => Ok(self.state.time_limit(job, started)),
            Event::Finish { job, version } => {
                if !self.state.finish_is_current(job, version) {
                    self.state.stats.stale_events += 1;
                    return Ok(false);
                }
                self.state.complete(job);
                Ok(true)
            }
        }
    }

    /// Reads the next job from the source and schedules its arrival.
    fn read_ahead(&mut self, previous_submit: SimTime) -> Result<(), RunError> {
        match self.source.next() {
            None => Ok(()),
            Some(Err(e)) => Err(RunError::Workload(e.into())),
            Some(Ok(spec)) => {
                if spec.submit < previous_submit {
                    return Err(RunError::Unsorted {
                        job: spec.id,
                        submit: spec.submit,
                        previous: previous_submit,
                    });
                }
                self.state.queue.push(spec.submit, Event::Arrival);
                self.state.next_job = Some(spec);
                Ok(())
            }
        }
    }

    fn run_scheduler(&mut self) -> Result<(), RunError> {
        self.state.stats.scheduler_calls += 1;
        let mut decisions = std::mem::take(&mut self.decisions);
        decisions.clear();
        self.policy.schedule(&self.state.view(), &mut decisions);
        let mut started = std::mem::take(&mut self.started);
        started.clear();
        for decision in decisions.drain(..) {
            let job = match &decision {
                Decision::Start { job, .. }
                | Decision::Preempt { job }
                | Decision::Suspend { job, .. }
                | Decision::Invalid { job, .. } => Some(*job),
                Decision::WakeAt(_) => None,
            };
            if let Decision::Start { job, .. } = decision {
                started.push(job);
            }
            if let Err(reason) = self.state.apply_decision(decision) {
                let job = job.map_or_else(String::new, |id| match self.state.jobs.get(id) {
                    Some(j) => j.spec.id.clone(),
                    None => format!("#{}", id.0),
                });
                return Err(RunError::InvalidDecision {
                    policy: self.policy.name().to_string(),
                    job,
                    reason,
                });
            }
            self.state.stats.decisions += 1;
            self.emit_records();
        }
        self.decisions = decisions;
        self.state.unqueue_started(&started);
        self.started = started;
        Ok(())
    }

    /// Retires the jobs that ended at this instant: observers see each, then it is dropped.
    fn retire_ended(&mut self) {
        let ended = std::mem::take(&mut self.state.ended);
        for &id in &ended {
            if let Some(job) = self.state.jobs.retire(id) {
                let view = self.state.view();
                for observer in &mut self.observers {
                    observer.on_retired(&job, &view);
                }
            }
        }
        self.state.ended = ended;
        self.state.ended.clear();
    }

    /// Hands the records of the last change to the policy and the observers.
    fn emit_records(&mut self) {
        if self.state.records.is_empty() {
            return;
        }
        let records = std::mem::take(&mut self.state.records);
        let view = self.state.view();
        for record in &records {
            self.policy.observe(record, &view);
            for observer in &mut self.observers {
                observer.on_record(record, &view);
            }
        }
        self.state.records = records;
        self.state.records.clear();
    }
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;

    use super::{Engine, EngineConfig};
    use crate::cluster::tests::uniform;
    use crate::job::{JobSpec, JobState};
    use crate::policy::{Decision, Policy};
    use crate::resources::TaskRequest;
    use crate::time::SimTime;
    use crate::view::ClusterView;

    /// Starts nothing: every job stays pending.
    struct Idle;

    impl Policy for Idle {
        fn name(&self) -> &str {
            "idle"
        }

        fn schedule(&mut self, _view: &ClusterView<'_>, _decisions: &mut Vec<Decision>) {}
    }

    #[test]
    fn an_instants_arrivals_are_let_go_when_it_ends() {
        // Three one-GPU jobs arriving at 0, 1 and 2 s under a policy that starts none: after
        // each instant the engine keeps no list of its arrivals, whether or not unplaced ones
        // fail (a list kept would hold every job of a long replay); when they fail, each
        // arrival has failed by the end of its instant.
        for fail in [false, true] {
            let task = TaskRequest::with_gpu_amount(1.0, 0, 0).unwrap();
            let specs = (0..3u64).map(move |i| {
                Ok::<_, Infallible>(JobSpec::new(
                    format!("j{i}"),
                    SimTime::from_secs(i),
                    SimTime::from_secs(10),
                    1,
                    task,
                ))
            });
            let config = EngineConfig {
                fail_unplaced_arrivals: fail,
                sample_interval: None,
                ..Default::default()
            };
            let mut policy = Idle;
            let mut engine = Engine::new(uniform(1, 1, 1), specs, &mut policy, config).unwrap();
            for arrived in 1..=3 {
                assert!(engine.step().unwrap());
                assert!(engine.state.arrived_now.is_empty(), "after arrival {arrived}");
                let failed =
                    (0..arrived).filter(|&i| engine.state.jobs[crate::ids::JobId(i)].state == JobState::Failed);
                assert_eq!(failed.count(), if fail { arrived as usize } else { 0 });
            }
        }
    }
}
