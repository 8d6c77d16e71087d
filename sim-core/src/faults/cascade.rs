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

use crate::ids::{JobId, NodeId};
use crate::model::{Effects, ModelCtx, ModelEvent, NodeChange, WorldModel};
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
    trips: u64,
}

impl Breaker {
    /// A closed breaker.
    pub fn new(config: BreakerConfig) -> Breaker {
        Breaker {
            config,
            recent: VecDeque::new(),
            open_until: None,
            trips: 0,
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
            self.trips += 1;
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
        self.trips
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
}

impl WorldModel for CircuitBreaker {
    fn name(&self) -> &'static str {
        "breaker"
    }

    fn node_changed(&mut self, ctx: &mut ModelCtx<'_>, _node: NodeId, change: NodeChange, effects: &mut Effects) {
        if change == NodeChange::Down
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
