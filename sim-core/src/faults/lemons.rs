//! Lemon-node exclusion as a world model (`[faults.lemons]`, docs/failures.md).
//!
//! A node's failures are counted: the node going down for a failure (a random or scripted
//! node failure, a node-domain cause) or one of its GPUs failing. When a node reaches
//! `failures` of them within `window` (the failure now and those at most `window` earlier), it
//! is drained: held down (its jobs stop) for `repair` from that instant, in an incident of its
//! own (`lemon-drain`, cause `drain`), on top of any repair already under way. Its count starts
//! afresh; failures while it is drained do not count.
//!
//! With `fix`, the drain's repair fixes the node: a multiplier above 1 ([`super::rates`])
//! becomes 1, the fleet's mean, from the drain on ([`Signal::NodeRate`]; the failure models thin
//! its failures accordingly). Without it the node comes back as likely to fail as before.
//!
//! A drain is counted *right* when the node's failure-rate multiplier at the drain is above 1,
//! the fleet's mean: the node really fails more often than an average one. Without
//! `node_rate_sigma` every node has multiplier 1 and no drain is right.

use std::collections::VecDeque;

use crate::ids::NodeId;
use crate::model::{Effects, EventKind, ModelCtx, ModelEvent, NodeChange, Signal, WorldModel};
use crate::observe::DownCause;
use crate::time::SimTime;

use super::{Cause, Component};

/// `[faults.lemons]`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LemonConfig {
    /// Failures of one node within `window` that get it drained (0: never; the drains are
    /// still counted, as 0, so that a sweep can include "off").
    pub failures: u32,
    /// The sliding window.
    pub window: SimTime,
    /// How long a drained node is held down.
    pub repair: SimTime,
    /// Whether the drain's repair fixes the node (its rate multiplier, if above 1, becomes 1).
    pub fix: bool,
}

/// The drained nodes and the failure history of every node.
#[derive(Clone, Debug)]
pub struct Lemons {
    config: LemonConfig,
    /// Per node: its counted failure times, oldest first.
    history: Vec<VecDeque<SimTime>>,
    /// Per node: true while it is drained.
    drained_now: Vec<bool>,
    /// Per node: its failure-rate multiplier now.
    multipliers: Vec<f64>,
    /// Drains so far: the node and its incident, by event payload.
    drains: Vec<(NodeId, u32)>,
    /// Drains of nodes with a multiplier above 1.
    right: u64,
}

impl Lemons {
    /// The exclusion rule `config` on a cluster whose nodes have failure-rate `multipliers`
    /// (one per node).
    pub fn new(config: LemonConfig, multipliers: Vec<f64>) -> Lemons {
        let nodes = multipliers.len();
        Lemons {
            config,
            history: vec![VecDeque::new(); nodes],
            drained_now: vec![false; nodes],
            multipliers,
            drains: Vec::new(),
            right: 0,
        }
    }

    /// Nodes drained so far.
    pub fn drained(&self) -> u64 {
        self.drains.len() as u64
    }

    /// Drains of nodes whose failure-rate multiplier was above 1 (the fleet's mean) at the drain.
    pub fn right(&self) -> u64 {
        self.right
    }

    /// Counts a failure of `node` now; drains it when it reaches the threshold.
    fn failed(&mut self, ctx: &mut ModelCtx<'_>, node: NodeId, effects: &mut Effects) {
        let i = node.index();
        if self.config.failures == 0 || self.drained_now[i] {
            return;
        }
        let history = &mut self.history[i];
        history.push_back(ctx.now);
        while history.front().is_some_and(|&t| ctx.now - t > self.config.window) {
            history.pop_front();
        }
        if history.len() < self.config.failures as usize {
            return;
        }
        history.clear();
        self.drained_now[i] = true;
        if self.multipliers[i] > 1.0 {
            self.right += 1;
            if self.config.fix {
                self.multipliers[i] = 1.0;
                effects.signal(Signal::NodeRate { node, multiplier: 1.0 });
            }
        }
        let name = ctx.cluster.node(node).name.clone();
        let incident = ctx.open_incident(Component::Node, name, DownCause::Drained.name(), Cause::Drain);
        self.drains.push((node, incident));
        effects.schedule(ctx.now + self.config.repair, (self.drains.len() - 1) as u64, 0);
        effects.hold_node_down(node, DownCause::Drained, incident);
    }
}

impl WorldModel for Lemons {
    fn name(&self) -> &'static str {
        "lemons"
    }

    fn event_kind(&self, _event: ModelEvent) -> EventKind {
        EventKind::Repair
    }

    fn node_changed(&mut self, ctx: &mut ModelCtx<'_>, node: NodeId, change: NodeChange, effects: &mut Effects) {
        if matches!(change, NodeChange::Down(DownCause::Failure) | NodeChange::GpuFailed) {
            self.failed(ctx, node, effects);
        }
    }

    /// A drained node's repair is over.
    fn event(&mut self, ctx: &mut ModelCtx<'_>, event: ModelEvent, effects: &mut Effects) -> bool {
        let (node, incident) = self.drains[event.payload as usize];
        ctx.end_incident(incident);
        self.drained_now[node.index()] = false;
        effects.release_node(node);
        true
    }
}
