//! Hot spares as a world model (`[training] hot_spares` and `keep_nodes`, docs/training.md).
//!
//! The last `N` nodes of the cluster start as spares: up, but nothing is placed on them
//! ([`crate::cluster::Node::spare`]). A job that a failure stops keeps its nodes through its
//! detection (`faults.restart_overhead` and back-off): they are held like spares, so that other
//! jobs cannot take them, and given back when its detection and back-off are over (a circuit
//! breaker holding the job longer does not keep them longer). When one of them
//! went down or lost a device, the first ready spare (up, no failed device, in node order) is
//! swapped in: it is held for the job with the others, and the failed node takes its place in
//! the pool, returning as a spare after its repair. So the job pays detection and warm-up but
//! finds as many nodes as before the failure instead of waiting for the repair. With no ready
//! spare the failed node is owed one: the first pool member to become ready while it is still in
//! repair is swapped in for it then (the job waits for that, or for the repair, whichever comes
//! first). The pool always has `N` members, ready or in repair.
//!
//! With `N = 0` and `keep_nodes` the model only keeps stopped jobs' nodes.

use std::collections::BTreeSet;

use crate::faults::JobImpact;
use crate::ids::{JobId, NodeId};
use crate::job::JobState;
use crate::model::{Effect, Effects, ModelCtx, ModelEvent, NodeChange, WorldModel};
use crate::time::SimTime;

/// The nodes a stopped job keeps through its detection.
#[derive(Clone, Debug)]
struct Kept {
    /// When the job stopped.
    at: SimTime,
    /// Its nodes not in the pool, and the spares swapped in for it.
    nodes: Vec<NodeId>,
}

/// The hot-spare pool and the nodes stopped jobs keep.
#[derive(Clone, Debug)]
pub struct HotSpares {
    /// Its members (spares ready or in repair), in node order.
    pool: BTreeSet<NodeId>,
    /// How long a stopped job is held (its detection and back-off).
    impact: JobImpact,
    /// Every stop so far, by event payload.
    kept: Vec<Kept>,
    /// Nodes that failed under a job when no spare was ready, still in repair, oldest first.
    owed: Vec<NodeId>,
    /// Spares swapped in so far.
    swaps: u64,
    /// GPUs of the pool's ready members (up, no failed device), since `since`.
    ready_gpus: u64,
    since: SimTime,
    /// GPU-seconds of ready spares before `since`.
    idle_gpu_s: f64,
}

impl HotSpares {
    /// A pool of the last `spares` nodes of a cluster of `nodes` (all of them if fewer), for
    /// jobs held after failures as `impact` says; `None` when the pool is empty and stopped
    /// jobs need not keep their nodes.
    pub fn new(spares: u32, keep_nodes: bool, nodes: usize, impact: JobImpact) -> Option<HotSpares> {
        let first = nodes.saturating_sub(spares as usize);
        let pool: BTreeSet<NodeId> = (first..nodes).map(|n| NodeId(n as u32)).collect();
        (!pool.is_empty() || keep_nodes).then_some(HotSpares {
            pool,
            impact,
            kept: Vec::new(),
            owed: Vec::new(),
            swaps: 0,
            ready_gpus: 0,
            since: SimTime::ZERO,
            idle_gpu_s: 0.0,
        })
    }

    /// Spares swapped in for failed nodes so far.
    pub fn swaps(&self) -> u64 {
        self.swaps
    }

    /// GPU-seconds that ready spares (up, no failed device, in the pool) spent idle until `end`.
    pub fn idle_gpu_s(&self, end: SimTime) -> f64 {
        self.idle_gpu_s + self.ready_gpus as f64 * (end.max(self.since) - self.since).as_secs_f64()
    }

    /// Brings the idle time up to `ctx.now` and counts the pool's ready GPUs afresh.
    fn recount(&mut self, ctx: &ModelCtx<'_>) {
        self.idle_gpu_s = self.idle_gpu_s(ctx.now);
        self.since = ctx.now;
        self.ready_gpus = self
            .pool
            .iter()
            .filter(|&&n| ready(ctx, n))
            .map(|&n| u64::from(ctx.cluster.node(n).gpu_count))
            .sum();
    }

    /// `node`, kept by the job stopped in `kept[stop]`, failed: the first ready spare is kept for
    /// the job in its place and it joins the pool, or it is owed a spare.
    fn failed_under_job(&mut self, ctx: &ModelCtx<'_>, stop: usize, node: NodeId, effects: &mut Effects) {
        let ready = self.pool.iter().copied().find(|&n| n != node && ready(ctx, n));
        self.kept[stop].nodes.retain(|&n| n != node);
        match ready {
            Some(spare) => {
                self.pool.remove(&spare);
                self.pool.insert(node);
                self.swaps += 1;
                self.kept[stop].nodes.push(spare);
                effects.push(Effect::SetSpare { node, spare: true });
            }
            None => {
                if !self.owed.contains(&node) {
                    self.owed.push(node);
                }
                effects.push(Effect::SetSpare { node, spare: false });
            }
        }
    }

    /// `node` is ready again: back in service if it was owed a spare; if it is a spare, it goes
    /// into service for the oldest node still owed one, which joins the pool in its place.
    fn became_ready(&mut self, node: NodeId, effects: &mut Effects) {
        self.owed.retain(|&n| n != node);
        if self.pool.contains(&node) && !self.owed.is_empty() {
            let failed = self.owed.remove(0);
            self.pool.remove(&node);
            self.pool.insert(failed);
            self.swaps += 1;
            effects.push(Effect::SetSpare { node, spare: false });
            effects.push(Effect::SetSpare {
                node: failed,
                spare: true,
            });
        }
    }
}

/// True when `node` is up with every device working.
fn ready(ctx: &ModelCtx<'_>, node: NodeId) -> bool {
    let n = ctx.cluster.node(node);
    n.up && n.failed_gpus == 0
}

impl WorldModel for HotSpares {
    fn name(&self) -> &'static str {
        "spares"
    }

    /// Takes the pool's nodes out of the scheduler's reach.
    fn start(&mut self, ctx: &mut ModelCtx<'_>, effects: &mut Effects) {
        for &node in &self.pool {
            effects.push(Effect::SetSpare { node, spare: true });
        }
        self.recount(ctx);
    }

    /// A job a failure stopped keeps its nodes until it returns to the queue.
    fn job_stopped(&mut self, ctx: &mut ModelCtx<'_>, job: JobId, effects: &mut Effects) {
        let job = &ctx.jobs[job];
        if job.state != JobState::Held {
            return;
        }
        let mut nodes: Vec<NodeId> = job.alloc.iter().map(|t| t.node).collect();
        nodes.sort_unstable();
        nodes.dedup();
        nodes.retain(|n| !self.pool.contains(n));
        for &node in &nodes {
            effects.push(Effect::SetSpare { node, spare: true });
        }
        self.kept.push(Kept { at: ctx.now, nodes });
        let until = ctx.now.saturating_add(self.impact.delay(job.interruptions));
        effects.schedule(until, (self.kept.len() - 1) as u64, 0);
    }

    fn node_changed(&mut self, ctx: &mut ModelCtx<'_>, node: NodeId, change: NodeChange, effects: &mut Effects) {
        match change {
            NodeChange::Down(_) | NodeChange::GpuFailed => {
                let stop = self
                    .kept
                    .iter()
                    .rposition(|k| k.at == ctx.now && k.nodes.contains(&node));
                if let Some(stop) = stop {
                    self.failed_under_job(ctx, stop, node, effects);
                }
            }
            NodeChange::Up | NodeChange::GpuRepaired => {
                if ready(ctx, node) {
                    self.became_ready(node, effects);
                }
            }
        }
        self.recount(ctx);
    }

    /// A stopped job's detection is over: the nodes it kept go back to the scheduler.
    fn event(&mut self, ctx: &mut ModelCtx<'_>, event: ModelEvent, effects: &mut Effects) -> bool {
        let nodes = std::mem::take(&mut self.kept[event.payload as usize].nodes);
        for node in nodes {
            if !self.pool.contains(&node) {
                effects.push(Effect::SetSpare { node, spare: false });
            }
        }
        self.recount(ctx);
        true
    }
}
