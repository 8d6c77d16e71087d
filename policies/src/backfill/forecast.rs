//! What backfilling expects of the jobs running now: when each should end, when each node and
//! how many nodes of each pool should be free. Kept current from the engine's records, so a
//! round's availability profile starts from it without scanning or sorting the cluster.

use std::collections::{BTreeSet, btree_set};

use rustc_hash::FxHashMap;

use super::copies::ChangedEntries;
use super::frees::PoolFrees;
use sim_core::cluster::Cluster;
use sim_core::ids::{JobId, NodeId};
use sim_core::job::Job;
use sim_core::observe::Record;
use sim_core::time::SimTime;
use sim_core::view::ClusterView;

/// The shortest estimate a job is given, so that its window is never empty.
const ONE_MICROSECOND: SimTime = SimTime(1);

/// The estimated run time of a job from its (re)start: `requested_s` less the work it had saved,
/// at least one microsecond.
pub(crate) fn estimate(job: &Job) -> SimTime {
    SimTime(
        job.spec
            .requested
            .as_micros()
            .saturating_sub(job.checkpointed_work as u64),
    )
    .max(ONE_MICROSECOND)
}

/// The expected ends of the running jobs and what they free.
#[derive(Debug, Default)]
pub(crate) struct Forecast {
    /// Running jobs by expected end (start + estimate, as of their start). A tree: under a
    /// deep queue thousands run, and with run times of a heavy tail a new job's expected end
    /// falls anywhere among theirs, where a sorted list would shift half of them at each start.
    ends: BTreeSet<(SimTime, JobId)>,
    /// Each running job's expected end and nodes (each once), looked up by id (the one pass
    /// over it, [`Forecast::refresh`], sorts what it gathers, so its order does not matter).
    jobs: FxHashMap<JobId, (SimTime, Vec<NodeId>)>,
    /// Per node, the jobs running on it by expected end, sorted.
    on_node: Vec<Vec<(SimTime, JobId)>>,
    /// Per node, the latest of those (`SimTime::ZERO` when nothing runs on it).
    busy_until: Vec<SimTime>,
    /// The nodes whose `busy_until` changed since a plan last copied it (see
    /// [`Forecast::copy_busy_until`]).
    busy_changed: ChangedEntries,
    /// Per node, its pool when it is countable (see [`countable`]), else [`NOT_COUNTED`]: read
    /// for every node a job starts or stops on, without the node's record. As of the last
    /// build: a node changing state bumps the cluster's state version, and the next round's
    /// [`Forecast::refresh`] rebuilds this list and every count before anything reads them.
    counted_pool: Vec<u32>,
    /// Per pool, its countable nodes with nothing running.
    idle: Vec<i64>,
    /// Per pool, its countable busy nodes by the time they are expected to be free.
    frees_at: Vec<PoolFrees>,
    /// The cluster state (`Cluster::state_version`) the node counts were built for, if built.
    built_for: Option<u64>,
    /// Emptied node lists of stopped jobs, for the next jobs to start (a run allocates one
    /// list per job running at once, not one per job).
    spare_lists: Vec<Vec<NodeId>>,
}

/// [`Forecast::counted_pool`] of a node that is not counted.
const NOT_COUNTED: u32 = u32::MAX;

/// Nodes of one job moving alike between counts, not yet counted: the nodes of a wide job all
/// leave the same count and join the same count, so the counts change once per job, not once
/// per node.
#[derive(Default)]
struct Moves {
    /// The pool, and when its nodes were and now are busy until, while nodes are pending.
    run: Option<(usize, SimTime, SimTime)>,
    nodes: i64,
}

impl Moves {
    /// Moves one node of `pool` from the nodes busy until `before` to those busy until `after`,
    /// counting what was pending first when it moved otherwise.
    #[inline]
    fn add(&mut self, forecast: &mut Forecast, pool: usize, before: SimTime, after: SimTime) {
        if self.run != Some((pool, before, after)) {
            self.apply(forecast);
            self.run = Some((pool, before, after));
        }
        self.nodes += 1;
    }

    /// Counts the moves still pending.
    fn apply(&mut self, forecast: &mut Forecast) {
        if let Some((pool, before, after)) = self.run.take() {
            forecast.count(pool, before, -self.nodes);
            forecast.count(pool, after, self.nodes);
        }
        self.nodes = 0;
    }
}

/// True when a node can count as free for a whole-node task: schedulable with no failed device.
pub(crate) fn countable(cluster: &Cluster, node: NodeId) -> bool {
    let n = cluster.node(node);
    n.schedulable() && n.failed_gpus == 0
}

impl Forecast {
    /// Keeps the forecast current with a change the engine applied.
    pub(crate) fn observe(&mut self, record: &Record, view: &ClusterView<'_>) {
        match *record {
            Record::Started { job, .. } => self.started(view, view.job(job)),
            Record::Completed { job }
            | Record::Preempted { job, .. }
            | Record::Suspended { job, .. }
            | Record::Interrupted { job, .. }
            | Record::TimedOut { job, .. } => self.stopped(job),
            _ => {}
        }
    }

    fn started(&mut self, view: &ClusterView<'_>, job: &Job) {
        let end = job.last_start.unwrap_or(view.now).saturating_add(estimate(job));
        let mut nodes = self.spare_lists.pop().unwrap_or_default();
        nodes.extend(job.alloc.iter().map(|t| t.node));
        if !nodes.is_sorted_by(|a, b| a < b) {
            nodes.sort_unstable();
            nodes.dedup();
        }
        self.ends.insert((end, job.id));
        if self.built_for.is_some() {
            let mut moves = Moves::default();
            for &node in &nodes {
                let i = node.index();
                let before = self.busy_until[i];
                let ends = &mut self.on_node[i];
                let entry = (end, job.id);
                if ends.last().is_none_or(|&last| last < entry) {
                    ends.push(entry);
                } else {
                    let at = ends.partition_point(|&e| e < entry);
                    ends.insert(at, entry);
                }
                self.moved(i, before, before.max(end), &mut moves);
            }
            moves.apply(self);
            self.busy_changed.note(nodes.iter().map(|node| node.index()));
        }
        self.jobs.insert(job.id, (end, nodes));
    }

    fn stopped(&mut self, id: JobId) {
        let Some((end, mut nodes)) = self.jobs.remove(&id) else {
            return;
        };
        self.ends.remove(&(end, id));
        if self.built_for.is_some() {
            let mut moves = Moves::default();
            for &node in &nodes {
                let i = node.index();
                let before = self.busy_until[i];
                let ends = &mut self.on_node[i];
                if ends.last() == Some(&(end, id)) {
                    ends.pop();
                } else if let Some(at) = ends.iter().position(|&e| e == (end, id)) {
                    ends.remove(at);
                }
                let after = ends.last().map_or(SimTime::ZERO, |&(end, _)| end);
                self.moved(i, before, after, &mut moves);
            }
            moves.apply(self);
            self.busy_changed.note(nodes.iter().map(|node| node.index()));
        }
        nodes.clear();
        self.spare_lists.push(nodes);
    }

    /// Updates the pool counts, through `moves`, after the running jobs of node `i` changed:
    /// it was busy until `before`, and is until `after`.
    #[inline]
    fn moved(&mut self, i: usize, before: SimTime, after: SimTime, moves: &mut Moves) {
        self.busy_until[i] = after;
        let pool = self.counted_pool[i];
        if before == after || pool == NOT_COUNTED {
            return;
        }
        moves.add(self, pool as usize, before, after);
    }

    /// Counts `delta` (never zero: a node or a run of nodes) countable nodes of `pool` busy until
    /// `until` (`ZERO`: idle now).
    fn count(&mut self, pool: usize, until: SimTime, delta: i64) {
        debug_assert_ne!(delta, 0, "a count changes by at least one node");
        if until == SimTime::ZERO {
            self.idle[pool] += delta;
            return;
        }
        self.frees_at[pool].add(until, delta);
    }

    /// Rebuilds the per-node and per-pool picture when the cluster's state changed since it was
    /// built (a node went down or came back, a device failed): O(nodes + running jobs).
    pub(crate) fn refresh(&mut self, cluster: &Cluster) {
        if self.built_for == Some(cluster.state_version()) {
            return;
        }
        let nodes = cluster.nodes().len();
        self.on_node = vec![Vec::new(); nodes];
        for (&id, &(end, ref job_nodes)) in &self.jobs {
            for node in job_nodes {
                self.on_node[node.index()].push((end, id));
            }
        }
        for ends in &mut self.on_node {
            ends.sort_unstable();
        }
        self.busy_until = self
            .on_node
            .iter()
            .map(|ends| ends.last().map_or(SimTime::ZERO, |&(end, _)| end))
            .collect();
        self.counted_pool = (0..nodes)
            .map(|i| {
                let node = NodeId::from_index(i);
                if countable(cluster, node) {
                    cluster.node(node).pool.index() as u32
                } else {
                    NOT_COUNTED
                }
            })
            .collect();
        self.busy_changed.reset(nodes);
        self.idle = vec![0; cluster.pools().len()];
        self.frees_at = vec![PoolFrees::default(); cluster.pools().len()];
        for i in 0..nodes {
            let pool = self.counted_pool[i];
            if pool != NOT_COUNTED {
                self.count(pool as usize, self.busy_until[i], 1);
            }
        }
        self.built_for = Some(cluster.state_version());
    }

    /// Puts in `ends` the running jobs expected to end by just after `now`, as of `now`: a job
    /// past its estimate is expected then too, so all of them end then, in job order (as a scan
    /// of the running jobs sorts them). Returns the expected end from which the others follow
    /// (see [`Forecast::ends_from`]).
    pub(crate) fn soon_into(&self, now: SimTime, ends: &mut Vec<(SimTime, JobId)>) -> SimTime {
        let soon = now.saturating_add(ONE_MICROSECOND);
        let later = soon.saturating_add(ONE_MICROSECOND);
        ends.clear();
        ends.extend(self.ends.range(..(later, JobId(0))).map(|&(_, id)| (soon, id)));
        ends.sort_unstable();
        later
    }

    /// The running jobs expected to end at `at` or later, by expected end.
    pub(crate) fn ends_from(&self, at: SimTime) -> btree_set::Range<'_, (SimTime, JobId)> {
        self.ends.range((at, JobId(0))..)
    }

    /// True when a running job was expected to end by `now`: it has outlived its estimate.
    pub(crate) fn outlived_by(&self, now: SimTime) -> bool {
        self.ends.first().is_some_and(|&(end, _)| end <= now)
    }

    /// The jobs running on `node`, by expected end (as of their start: one past its estimate
    /// is not moved to just after now). Call [`Forecast::refresh`] first.
    pub(crate) fn running_on(&self, node: NodeId) -> &[(SimTime, JobId)] {
        &self.on_node[node.index()]
    }

    /// Makes `copy` each node's busy-until time (when what runs on it is expected to end;
    /// `ZERO`: nothing runs on it). `stamp` names the copy (0: a new one): when it is
    /// the copy this forecast made last, only the nodes changed since are written (a plan
    /// renewed round after round copies a few nodes, not the cluster); `stamp` is then renewed.
    /// Call [`Forecast::refresh`] first.
    pub(crate) fn copy_busy_until(&mut self, copy: &mut Vec<SimTime>, stamp: &mut u64) {
        self.busy_changed.copy(&self.busy_until, copy, stamp);
    }

    /// When the first countable node of `pool` is expected free: `ZERO` when one has nothing
    /// running, the earliest expected end of what runs on one otherwise (`MAX` with none).
    /// Call [`Forecast::refresh`] first.
    pub(crate) fn first_free(&self, pool: usize) -> SimTime {
        if self.idle[pool] > 0 {
            return SimTime::ZERO;
        }
        self.frees_at[pool].first().unwrap_or(SimTime::MAX)
    }

    /// Of `pool`: how many countable nodes have nothing running, and how many of the busy ones
    /// are expected to be free at each time, in time order (as the nodes' latest expected ends
    /// have it, before any clamp to now), read from the first on. Call [`Forecast::refresh`]
    /// first.
    pub(crate) fn pool_counts(&self, pool: usize) -> (i64, impl Iterator<Item = (SimTime, i64)> + '_) {
        (self.idle[pool], self.frees_at[pool].iter())
    }

    /// [`Forecast::pool_counts`] as one list, for a read of them all.
    pub(crate) fn pool_counts_listed(&mut self, pool: usize) -> (i64, &[(SimTime, i64)]) {
        (self.idle[pool], self.frees_at[pool].listed())
    }
}
