//! Hot spares as a world model (`[training] hot_spares`, docs/training.md).
//!
//! The last `N` nodes of the cluster start as spares: up, but nothing is placed on them
//! ([`crate::cluster::Node::spare`]). When a node holding a job that a failure stops goes down
//! or loses a device, the first ready spare (up, no failed device, in node order) is given to
//! the scheduler at once and the failed node takes its place in the pool: it returns as a spare
//! after its repair. The job still waits out its detection (`faults.restart_overhead`) and
//! reloads (`warmup`), but finds as many nodes free as before the failure instead of waiting
//! for the repair. With no ready spare the failed node is owed one: the first pool member to
//! become ready while it is still in repair is swapped in for it then (the job waits for that,
//! or for the repair, whichever comes first). The pool always has `N` members, ready or in
//! repair.

use std::collections::BTreeSet;

use crate::ids::{JobId, NodeId};
use crate::job::JobState;
use crate::model::{Effect, Effects, ModelCtx, NodeChange, WorldModel};
use crate::time::SimTime;

/// The hot-spare pool.
#[derive(Clone, Debug)]
pub struct HotSpares {
    /// Its members (spares ready or in repair), in node order.
    pool: BTreeSet<NodeId>,
    /// Nodes of the jobs a failure stopped at [`HotSpares::struck_at`].
    struck: Vec<NodeId>,
    struck_at: SimTime,
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
    /// A pool of the last `spares` nodes of a cluster of `nodes` (all of them if fewer), or
    /// `None` when it is empty.
    pub fn new(spares: u32, nodes: usize) -> Option<HotSpares> {
        let first = nodes.saturating_sub(spares as usize);
        let pool: BTreeSet<NodeId> = (first..nodes).map(|n| NodeId(n as u32)).collect();
        (!pool.is_empty()).then_some(HotSpares {
            pool,
            struck: Vec::new(),
            struck_at: SimTime::ZERO,
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

    /// The pool's members now (ready or in repair), in node order.
    pub fn pool(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.pool.iter().copied()
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

    /// `node` failed under a job: swap the first ready spare in for it, or owe it one.
    fn failed_under_job(&mut self, ctx: &ModelCtx<'_>, node: NodeId, effects: &mut Effects) {
        let ready = self.pool.iter().copied().find(|&n| n != node && ready(ctx, n));
        match ready {
            Some(spare) => self.swap(spare, node, effects),
            None if !self.owed.contains(&node) => self.owed.push(node),
            None => {}
        }
    }

    /// `node` is ready again: back in service if it was owed a spare; if it is a spare, it goes
    /// into service for the oldest node still owed one.
    fn became_ready(&mut self, node: NodeId, effects: &mut Effects) {
        self.owed.retain(|&n| n != node);
        if self.pool.contains(&node) && !self.owed.is_empty() {
            let failed = self.owed.remove(0);
            self.swap(node, failed, effects);
        }
    }

    /// Gives `spare` to the scheduler and takes `node` into the pool in its place.
    fn swap(&mut self, spare: NodeId, node: NodeId, effects: &mut Effects) {
        self.pool.remove(&spare);
        self.pool.insert(node);
        self.swaps += 1;
        effects.push(Effect::SetSpare {
            node: spare,
            spare: false,
        });
        effects.push(Effect::SetSpare { node, spare: true });
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

    /// Keeps the nodes of a job a failure stopped, for the node change that follows at once.
    fn job_stopped(&mut self, ctx: &mut ModelCtx<'_>, job: JobId, _effects: &mut Effects) {
        let job = &ctx.jobs[job];
        if job.state != JobState::Held {
            return;
        }
        if self.struck_at != ctx.now {
            self.struck.clear();
            self.struck_at = ctx.now;
        }
        self.struck.extend(job.alloc.iter().map(|t| t.node));
    }

    fn node_changed(&mut self, ctx: &mut ModelCtx<'_>, node: NodeId, change: NodeChange, effects: &mut Effects) {
        match change {
            NodeChange::Down(_) | NodeChange::GpuFailed => {
                if !self.pool.contains(&node) && self.struck_at == ctx.now && self.struck.contains(&node) {
                    self.failed_under_job(ctx, node, effects);
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
}
