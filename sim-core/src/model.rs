//! World models: the parts of the world that act on the run beside the jobs — failures and
//! repairs, cascades and the circuit breaker, power, heat, network sharing, the FGD
//! fragmentation tracker — each behind one trait, [`WorldModel`].
//!
//! The engine keeps the jobs, the cluster's resources, the event queue and a list of models.
//! It tells every model, in list order, what happened to the jobs and nodes
//! ([`WorldModel::job_started`], [`WorldModel::job_stopped`], [`WorldModel::job_rate_changed`],
//! [`WorldModel::node_changed`]); a model answers with [`Effects`]: events of its own to schedule
//! (they come back to [`WorldModel::event`] with the payload and version it chose), job speed
//! factors, nodes or devices to take down or give back, jobs to kill or requeue, and signals to
//! the other models. The engine applies a model's effects in the order the model pushed them,
//! right after the call, before it calls the next model; what they cause (a killed job stopping,
//! a node going down) is told to every model in turn, so a model never needs a reference to
//! another.
//!
//! A model reads the run through a [`ModelCtx`] (the time, the cluster, the jobs, the running
//! set) and changes nothing but itself directly; the one exception is the incident log, where
//! [`ModelCtx::open_incident`] hands back the incident's number at once so that the model can
//! refer to it in its effects and its own events.
//!
//! Policies and observers read a model's state through the view ([`crate::view::ClusterView::model`]).
//! docs/engine.md ("Adding a world model") walks through a small one.

use std::any::Any;
use std::borrow::Cow;
use std::collections::BTreeSet;

use crate::cluster::Cluster;
use crate::faults::{Cause, Component, IncidentRow};
use crate::ids::{JobId, NodeId, RackId};
use crate::jobs::JobStore;
use crate::observe::DownCause;
use crate::time::SimTime;

/// A part of the world that reacts to the run and acts on it through [`Effects`].
///
/// Every method but [`WorldModel::name`] has a default that does nothing, so a model implements
/// only what it observes. The engine calls the models in the order they are listed (the built-in
/// ones first, then [`crate::engine::World::models`]); the order matters where the events and
/// effects of two models meet at one instant.
pub trait WorldModel: Any {
    /// A short name, for messages.
    fn name(&self) -> &'static str;

    /// What `event`, one of this model's, is, for the engine's progress guard (which tallies
    /// events by kind and names the cause when it stops a run). The default, a wake-up, suits a
    /// model whose events only re-examine its own state.
    fn event_kind(&self, event: ModelEvent) -> EventKind {
        let _ = event;
        EventKind::Wake
    }

    /// The run begins, at time zero, before the first job is read: schedule the first events,
    /// compute the initial state.
    fn start(&mut self, ctx: &mut ModelCtx<'_>, effects: &mut Effects) {
        let _ = (ctx, effects);
    }

    /// A job started: its placement is in `ctx.jobs[job].alloc` and already taken from the
    /// cluster. A speed factor pushed for this very job sets its starting rate.
    fn job_started(&mut self, ctx: &mut ModelCtx<'_>, job: JobId, effects: &mut Effects) {
        let _ = (ctx, job, effects);
    }

    /// A running job stopped (it completed, was preempted, suspended, interrupted or killed at
    /// its time limit): its resources are already released; `ctx.jobs[job].alloc` still says
    /// where it ran.
    fn job_stopped(&mut self, ctx: &mut ModelCtx<'_>, job: JobId, effects: &mut Effects) {
        let _ = (ctx, job, effects);
    }

    /// A running job's rate changed (its progress is up to date in `ctx.jobs[job].progress` and
    /// its finish moved).
    fn job_rate_changed(&mut self, ctx: &mut ModelCtx<'_>, job: JobId, effects: &mut Effects) {
        let _ = (ctx, job, effects);
    }

    /// A node went down or came back, or one of its devices failed or was repaired (its jobs
    /// were stopped first).
    fn node_changed(&mut self, ctx: &mut ModelCtx<'_>, node: NodeId, change: NodeChange, effects: &mut Effects) {
        let _ = (ctx, node, change, effects);
    }

    /// Another model (or this one) sent a signal ([`Effects::signal`]).
    fn signal(&mut self, ctx: &mut ModelCtx<'_>, signal: Signal, effects: &mut Effects) {
        let _ = (ctx, signal, effects);
    }

    /// One of this model's events came due ([`Effects::schedule`]). Returns whether it changed
    /// anything the policy could act on (the policy then runs at this instant).
    fn event(&mut self, ctx: &mut ModelCtx<'_>, event: ModelEvent, effects: &mut Effects) -> bool {
        let _ = (ctx, event, effects);
        false
    }

    /// A job stopped by a failure is about to return to the queue: true keeps it out (held)
    /// until the model requeues it ([`Effects::requeue`]). The circuit breaker uses this.
    fn hold_requeue(&mut self, ctx: &ModelCtx<'_>, job: JobId) -> bool {
        let _ = (ctx, job);
        false
    }
}

/// What a model sees of the run when the engine calls it.
pub struct ModelCtx<'a> {
    /// The current instant.
    pub now: SimTime,
    /// Nodes, racks and free capacity.
    pub cluster: &'a Cluster,
    /// The live jobs.
    pub jobs: &'a JobStore,
    /// Jobs running now, in id order.
    pub running: &'a BTreeSet<JobId>,
    pub(crate) incidents: &'a mut Vec<IncidentRow>,
}

impl ModelCtx<'_> {
    /// Logs a new incident (a row of `incidents.csv`) now and returns its number, for the
    /// effects that carry it out ([`Effects::hold_node_down`], [`Effects::kill`], …) and for the
    /// model's own repair event. `unit` names what failed as `incidents.csv` writes it.
    pub fn open_incident(
        &mut self,
        component: Component,
        unit: String,
        kind: impl Into<Cow<'static, str>>,
        cause: Cause,
    ) -> u32 {
        self.open_incident_named(component.name(), unit, kind, cause)
    }

    /// [`ModelCtx::open_incident`] for a component named `component` outside the classes
    /// (`job` for a cause that strikes the job alone).
    pub fn open_incident_named(
        &mut self,
        component: &'static str,
        unit: String,
        kind: impl Into<Cow<'static, str>>,
        cause: Cause,
    ) -> u32 {
        self.incidents.push(IncidentRow {
            at: self.now,
            component,
            unit,
            kind: kind.into(),
            cause,
            nodes_down: 0,
            jobs_killed: 0,
            jobs_requeued: 0,
            jobs_failed: 0,
            end: None,
        });
        (self.incidents.len() - 1) as u32
    }

    /// Marks an incident over now (its units are coming back).
    pub fn end_incident(&mut self, incident: u32) {
        self.incidents[incident as usize].end = Some(self.now);
    }
}

/// One of a model's own events, as it scheduled it: a payload and a version, both the model's
/// to interpret (a node, a unit, an index into its own tables; a version to recognise an event
/// that a later change made stale).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ModelEvent {
    /// What the event is about.
    pub payload: u64,
    /// A stamp the model compares with its own when the event comes due.
    pub version: u32,
}

/// What a model's event is, for the engine's progress guard ([`WorldModel::event_kind`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    /// The model re-examines its state (the default).
    Wake,
    /// A thermal check of the physical models.
    Thermal,
    /// A random failure.
    Failure,
    /// A scripted incident.
    Incident,
    /// The end of a failure or incident.
    Repair,
    /// An overload of a cascade.
    Overload,
    /// The circuit breaker closing again.
    BreakerClose,
}

/// How a node changed ([`WorldModel::node_changed`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeChange {
    /// It went down, for this reason.
    Down(DownCause),
    /// It came back up.
    Up,
    /// A device failed.
    GpuFailed,
    /// A failed device was repaired.
    GpuRepaired,
}

/// A message from one model to the others, delivered to every model ([`WorldModel::signal`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Signal {
    /// The number of working spine switches changed (a spine failure or repair).
    WorkingSpines(u32),
    /// A rack's cooling unit failed, in incident `incident`: its cooling capacity is gone.
    CoolingFailed {
        /// The rack.
        rack: RackId,
        /// The incident that took it.
        incident: u32,
    },
    /// A rack's cooling unit is repaired.
    CoolingRestored {
        /// The rack.
        rack: RackId,
    },
    /// A node's failure-rate multiplier changed (a lemon's repair fixed it): the failure models
    /// scale its failures, and its GPUs', by `multiplier` from now on.
    NodeRate {
        /// The node.
        node: NodeId,
        /// Its multiplier now.
        multiplier: f64,
    },
}

/// Which physical factor of a job's speed an effect sets (the speed is their product).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpeedPart {
    /// Uplink contention.
    Network,
    /// Power caps, thermal caps and slowdowns.
    Power,
    /// GPU sharing (time slicing, MPS).
    Sharing,
}

/// One thing a model asks the engine to do.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Effect {
    /// Set one factor of a running job's speed; its progress is brought up to date and its
    /// finish moves.
    Speed {
        /// The job.
        job: JobId,
        /// Which factor.
        part: SpeedPart,
        /// The factor (1 = no slowdown).
        factor: f64,
    },
    /// Deliver `event` back to the model at `at`.
    Schedule {
        /// When.
        at: SimTime,
        /// What.
        event: ModelEvent,
    },
    /// Hold a node down for `incident`: the first hold stops its jobs and takes it down.
    HoldNodeDown {
        /// The node.
        node: NodeId,
        /// Why, as the `NodeDown` record says.
        cause: DownCause,
        /// The incident it belongs to.
        incident: u32,
    },
    /// End one hold on a node; the last one brings it back up.
    ReleaseNode {
        /// The node.
        node: NodeId,
    },
    /// A device fails in `incident`: the job using it is stopped, the device leaves the capacity.
    FailGpu {
        /// Its node.
        node: NodeId,
        /// The device.
        device: u32,
        /// The incident it belongs to.
        incident: u32,
    },
    /// A failed device is repaired.
    RepairGpu {
        /// Its node.
        node: NodeId,
        /// The device.
        device: u32,
    },
    /// Cut a node off the network or reconnect it (nothing new is placed on a cut node).
    SetReachable {
        /// The node.
        node: NodeId,
        /// Whether it is reachable.
        reachable: bool,
    },
    /// Hold a node idle as a hot spare (nothing new is placed on it), or give it back.
    SetSpare {
        /// The node.
        node: NodeId,
        /// Whether it is a spare.
        spare: bool,
    },
    /// Stop a running job because of `incident` (left alone if it is not running any more).
    Kill {
        /// The job.
        job: JobId,
        /// The incident.
        incident: u32,
    },
    /// Return a held job to the queue (after [`WorldModel::hold_requeue`] held it).
    Requeue {
        /// The job.
        job: JobId,
    },
    /// Deliver a signal to every model.
    Signal(Signal),
}

/// The effects a model pushes during one call, applied by the engine in push order.
#[derive(Debug, Default)]
pub struct Effects {
    list: Vec<Effect>,
}

impl Effects {
    /// Pushes any effect.
    pub fn push(&mut self, effect: Effect) {
        self.list.push(effect);
    }

    /// Delivers an event with `payload` and `version` back to this model at `at`
    /// ([`WorldModel::event`]).
    pub fn schedule(&mut self, at: SimTime, payload: u64, version: u32) {
        self.push(Effect::Schedule {
            at,
            event: ModelEvent { payload, version },
        });
    }

    /// Sets one factor of a running job's speed.
    pub fn set_speed(&mut self, job: JobId, part: SpeedPart, factor: f64) {
        self.push(Effect::Speed { job, part, factor });
    }

    /// Holds a node down for `incident` ([`Effect::HoldNodeDown`]).
    pub fn hold_node_down(&mut self, node: NodeId, cause: DownCause, incident: u32) {
        self.push(Effect::HoldNodeDown { node, cause, incident });
    }

    /// Ends one hold on a node ([`Effect::ReleaseNode`]).
    pub fn release_node(&mut self, node: NodeId) {
        self.push(Effect::ReleaseNode { node });
    }

    /// Stops a running job because of `incident` ([`Effect::Kill`]).
    pub fn kill(&mut self, job: JobId, incident: u32) {
        self.push(Effect::Kill { job, incident });
    }

    /// Returns a held job to the queue ([`Effect::Requeue`]).
    pub fn requeue(&mut self, job: JobId) {
        self.push(Effect::Requeue { job });
    }

    /// Sends a signal to every model ([`Effect::Signal`]).
    pub fn signal(&mut self, signal: Signal) {
        self.push(Effect::Signal(signal));
    }

    /// Effects waiting, those of the calls this one is nested in included.
    pub(crate) fn len(&self) -> usize {
        self.list.len()
    }

    /// The `index`-th effect.
    pub(crate) fn get(&self, index: usize) -> Effect {
        self.list[index]
    }

    /// Drops the effects from `len` on (those the engine has applied).
    pub(crate) fn truncate(&mut self, len: usize) {
        self.list.truncate(len);
    }
}

/// The models of a run, in the order the engine calls them.
pub type Models = Vec<Box<dyn WorldModel>>;

/// A world model of a crate's own, registered by name so that a scenario can ask for it
/// (`models = ["name"]`): its name, one line of description, and the factory that builds it for
/// each run.
#[derive(Clone, Copy)]
pub struct ModelPart {
    /// The name scenarios use.
    pub name: &'static str,
    /// One line: what the model does.
    pub doc: &'static str,
    /// Builds the model for one run on `cluster`, whose seed is the second argument (a model
    /// that draws at random seeds its own stream from it).
    pub build: fn(&crate::cluster::Cluster, u64) -> Box<dyn WorldModel>,
}

impl std::fmt::Debug for ModelPart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("ModelPart").field(&self.name).finish()
    }
}

/// The first model of type `T` in `models`.
pub fn find<T: WorldModel>(models: &[Box<dyn WorldModel>]) -> Option<&T> {
    models.iter().find_map(|m| (&**m as &dyn Any).downcast_ref::<T>())
}
