//! Cascades and their mitigations.
//!
//! **Overload.** A job that a failure stopped restarts with a real memory use of
//! `usage_factor ×` its request on each node (restoring a checkpoint and re-warming caches
//! takes more than the steady state the request was sized for). The scheduler places by
//! requests, so a node can end up using more memory than it has: `overload_delay` later, if it
//! still does, it goes down for `recovery`, killing its tasks, which are rescheduled in turn.
//! With `memory_limits` every job is held to its request (limits = requests), so no node is
//! ever overloaded.
//!
//! **Circuit breaker.** When more than `failures` nodes go down within `window`, the breaker
//! opens: jobs stopped by failures wait outside the queue until `pause` after the last
//! failure that kept it open, then return together.

use std::collections::{BTreeSet, VecDeque};

use super::{Cause, Component};
use crate::cluster::Cluster;
use crate::ids::{JobId, NodeId};
use crate::model::{Effects, EventKind, ModelCtx, ModelEvent, NodeChange, WorldModel};
use crate::observe::DownCause;
use crate::time::SimTime;

/// `[faults.cascade]`: how rescheduled jobs overload nodes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CascadeConfig {
    /// Real memory use ÷ request of a job restarted after a failure.
    pub usage_factor: f64,
    /// How long a node runs over its memory before it goes down.
    pub overload_delay: SimTime,
    /// How long an overloaded node stays down.
    pub recovery: SimTime,
    /// Hold every job to its memory request (no overload can happen).
    pub memory_limits: bool,
}

impl CascadeConfig {
    /// Real memory use ÷ request of a job; `restarted` after a failure.
    pub fn factor(&self, restarted: bool) -> f64 {
        if restarted && !self.memory_limits {
            self.usage_factor
        } else {
            1.0
        }
    }
}

/// The payload bit of a repair event (the node in the low bits, the incident as the version);
/// without it the event is an overload check of the node in the low bits.
const REPAIR: u64 = 1 << 32;

/// Overloads as a world model: it adds up the real memory use of the tasks on each node as
/// jobs start and stop; a node that goes over its memory gets an overload check (an event of
/// its own) `overload_delay` later, and if it is still over then it goes down for `recovery`
/// in an overload incident (a cascade of the incident whose rescheduled job pushed it over).
#[derive(Clone, Debug)]
pub struct Overloads {
    config: CascadeConfig,
    /// Per node: real memory use of its tasks, MiB.
    mem_use_mib: Vec<u64>,
    /// Per node: bumped whenever it goes over or back under, so that older checks are stale.
    overload_version: Vec<u32>,
    /// Per node: the incident whose rescheduled job last pushed it over its memory.
    overload_parent: Vec<Option<u32>>,
    /// Running jobs that use more than their request (restarted after a failure), so that
    /// their stop takes away what their start added.
    inflated: BTreeSet<JobId>,
}

impl Overloads {
    /// Nothing in use on `cluster`'s nodes yet.
    pub fn new(config: CascadeConfig, cluster: &Cluster) -> Overloads {
        let nodes = cluster.nodes().len();
        Overloads {
            config,
            mem_use_mib: vec![0; nodes],
            overload_version: vec![0; nodes],
            overload_parent: vec![None; nodes],
            inflated: BTreeSet::new(),
        }
    }

    /// Adds a job's real memory use to its nodes (`started`) or takes it away; a node that goes
    /// over its memory gets an overload check after the cascade's delay.
    fn track(&mut self, ctx: &ModelCtx<'_>, id: JobId, started: bool, effects: &mut Effects) {
        let job = &ctx.jobs[id];
        let restarted = if started {
            let restarted = job.interruptions > 0 && self.config.factor(true) != 1.0;
            if restarted {
                self.inflated.insert(id);
            }
            restarted
        } else {
            self.inflated.remove(&id)
        };
        let factor = self.config.factor(restarted);
        for task in &job.alloc {
            let node = task.node.index();
            let real = (task.mem_mib as f64 * factor).ceil() as u64;
            let capacity = ctx.cluster.node(task.node).mem_mib;
            let was_over = self.mem_use_mib[node] > capacity;
            if started {
                self.mem_use_mib[node] += real;
            } else {
                self.mem_use_mib[node] -= real;
            }
            let over = self.mem_use_mib[node] > capacity;
            if over == was_over {
                continue;
            }
            self.overload_version[node] += 1;
            if over {
                self.overload_parent[node] = job.incident;
                effects.schedule(
                    ctx.now + self.config.overload_delay,
                    u64::from(task.node.0),
                    self.overload_version[node],
                );
            }
        }
    }
}

impl WorldModel for Overloads {
    fn name(&self) -> &'static str {
        "overloads"
    }

    fn event_kind(&self, _event: ModelEvent) -> EventKind {
        EventKind::Overload
    }

    fn job_started(&mut self, ctx: &mut ModelCtx<'_>, job: JobId, effects: &mut Effects) {
        self.track(ctx, job, true, effects);
    }

    fn job_stopped(&mut self, ctx: &mut ModelCtx<'_>, job: JobId, effects: &mut Effects) {
        self.track(ctx, job, false, effects);
    }

    /// An overload check (payload: the node; version: its overload version when it went over):
    /// a node still over its memory goes down. Or the end of an overload (payload: `REPAIR`
    /// and the node; version: the incident).
    fn event(&mut self, ctx: &mut ModelCtx<'_>, event: ModelEvent, effects: &mut Effects) -> bool {
        let node = NodeId(event.payload as u32);
        if event.payload & REPAIR != 0 {
            ctx.end_incident(event.version);
            effects.release_node(node);
            return true;
        }
        if self.overload_version[node.index()] != event.version || !ctx.cluster.node(node).up {
            return false;
        }
        let cause = self.overload_parent[node.index()].map_or(Cause::Physics, |parent| Cause::Cascade { parent });
        let unit = ctx.cluster.node(node).name.clone();
        let incident = ctx.open_incident(Component::Node, unit, DownCause::Overload.name(), cause);
        effects.schedule(ctx.now + self.config.recovery, REPAIR | u64::from(node.0), incident);
        effects.hold_node_down(node, DownCause::Overload, incident);
        true
    }
}

/// `[faults.breaker]`: the circuit breaker on requeues.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BreakerConfig {
    /// Node failures tolerated within `window`; one more opens the breaker.
    pub failures: u32,
    /// The sliding window failures are counted in.
    pub window: SimTime,
    /// How long the breaker stays open after the failure that opened (or kept open) it.
    pub pause: SimTime,
}

/// The state of the circuit breaker.
#[derive(Clone, Debug)]
pub struct Breaker {
    config: BreakerConfig,
    recent: VecDeque<SimTime>,
    open_until: Option<SimTime>,
    /// When it opened, in order (one entry per trip).
    openings: Vec<SimTime>,
}

impl Breaker {
    /// A closed breaker.
    pub fn new(config: BreakerConfig) -> Breaker {
        Breaker {
            config,
            recent: VecDeque::new(),
            open_until: None,
            openings: Vec::new(),
        }
    }

    /// Counts a node failure at `now`. Returns the time the breaker closes if it is open after
    /// this failure (opened, or kept open longer), `None` if it stays closed.
    pub fn node_failed(&mut self, now: SimTime) -> Option<SimTime> {
        self.recent.push_back(now);
        while self
            .recent
            .front()
            .is_some_and(|&t| t.saturating_add(self.config.window) <= now)
        {
            self.recent.pop_front();
        }
        let open = self.is_open(now);
        if !open && self.recent.len() <= self.config.failures as usize {
            return None;
        }
        if !open {
            self.openings.push(now);
        }
        let until = now.saturating_add(self.config.pause);
        self.open_until = Some(until);
        Some(until)
    }

    /// True while requeues are paused.
    pub fn is_open(&self, now: SimTime) -> bool {
        self.open_until.is_some_and(|until| now < until)
    }

    /// Times it opened.
    pub fn trips(&self) -> u64 {
        self.openings.len() as u64
    }

    /// When it opened, in order.
    pub fn openings(&self) -> &[SimTime] {
        &self.openings
    }
}

/// The circuit breaker as a world model: it counts nodes going down, holds the jobs that
/// failures stopped while it is open, and returns them together when it closes (an event of
/// its own).
#[derive(Clone, Debug)]
pub struct CircuitBreaker {
    breaker: Breaker,
    /// Jobs waiting for the breaker to close, in id order.
    held: BTreeSet<JobId>,
}

impl CircuitBreaker {
    /// A closed breaker holding nothing.
    pub fn new(config: BreakerConfig) -> CircuitBreaker {
        CircuitBreaker {
            breaker: Breaker::new(config),
            held: BTreeSet::new(),
        }
    }

    /// Times it opened.
    pub fn trips(&self) -> u64 {
        self.breaker.trips()
    }

    /// When it opened, in order.
    pub fn openings(&self) -> &[SimTime] {
        self.breaker.openings()
    }
}

impl WorldModel for CircuitBreaker {
    fn name(&self) -> &'static str {
        "breaker"
    }

    fn event_kind(&self, _event: ModelEvent) -> EventKind {
        EventKind::BreakerClose
    }

    fn node_changed(&mut self, ctx: &mut ModelCtx<'_>, _node: NodeId, change: NodeChange, effects: &mut Effects) {
        if matches!(change, NodeChange::Down(_))
            && let Some(until) = self.breaker.node_failed(ctx.now)
        {
            // Its one event: the pause may be over.
            effects.schedule(until, 0, 0);
        }
    }

    fn hold_requeue(&mut self, ctx: &ModelCtx<'_>, job: JobId) -> bool {
        let open = self.breaker.is_open(ctx.now);
        if open {
            self.held.insert(job);
        }
        open
    }

    /// The pause may be over (a later failure may have extended it): if it is, every job held
    /// returns to the queue.
    fn event(&mut self, ctx: &mut ModelCtx<'_>, _event: ModelEvent, effects: &mut Effects) -> bool {
        if self.breaker.is_open(ctx.now) {
            return false;
        }
        let held = std::mem::take(&mut self.held);
        let any = !held.is_empty();
        for job in held {
            effects.requeue(job);
        }
        any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_past_the_count_within_the_window_and_stays_open_for_the_pause() {
        // 2 failures tolerated in 10 min, pause 30 min.
        let mut breaker = Breaker::new(BreakerConfig {
            failures: 2,
            window: SimTime::from_secs(600),
            pause: SimTime::from_secs(1800),
        });
        let t = SimTime::from_secs;
        assert_eq!(breaker.node_failed(t(0)), None);
        // The first failure left the window at 600 s: one failure in the window at 700 s.
        assert_eq!(breaker.node_failed(t(700)), None);
        assert_eq!(breaker.node_failed(t(800)), None);
        // Third failure within 10 min (700, 800, 900): opens until 900 + 1800 s.
        assert_eq!(breaker.node_failed(t(900)), Some(t(2700)));
        assert!(breaker.is_open(t(2699)) && !breaker.is_open(t(2700)));
        // A failure while open pushes the close back.
        assert_eq!(breaker.node_failed(t(1000)), Some(t(2800)));
        assert_eq!(breaker.trips(), 1);
    }
}
