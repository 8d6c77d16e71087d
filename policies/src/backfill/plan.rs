//! The reservations of one scheduling round, and the test a job must pass to start ahead of
//! them.

use std::collections::btree_set;
use std::iter::Peekable;

use rustc_hash::FxHashMap;

use sim_core::cluster::{Cluster, GpuTypeSet, Trial};
use sim_core::ids::{JobId, NodeId, PoolId};
use sim_core::job::Job;
use sim_core::jobs::JobStore;
use sim_core::policy::Decision;
use sim_core::resources::{TaskAlloc, TaskRequest};
use sim_core::time::SimTime;
use sim_core::view::ClusterView;

use super::forecast::{Forecast, countable, estimate};
use super::steps::Steps;
use crate::placement::Placement;
use crate::round::Round;
use crate::waiting_index::Filter;

/// The shortest time after now that a job past its estimate is expected to end.
const ONE_MICROSECOND: SimTime = SimTime(1);

/// A whole-node job reserved as a count of nodes per pool.
struct Counted {
    job: JobId,
    start: SimTime,
    end: SimTime,
    /// Its nodes per pool: `Plan::takes[takes]`.
    takes: std::ops::Range<usize>,
}

/// A position in the jobs running under a plan (see [`Plan::next_end`]): in its own list, in
/// the forecast's (`None` when it reads none of it), in this round's starts.
struct EndsCursor<'f> {
    own: usize,
    later: Option<Peekable<btree_set::Range<'f, (SimTime, JobId)>>>,
    started: usize,
}

/// A job reserved on named nodes (its tasks do not take whole nodes).
struct Bound {
    job: JobId,
    start: SimTime,
    end: SimTime,
    tasks: Vec<TaskAlloc>,
}

/// Nodes counted out of one pool's profile over the same window, not yet applied: the nodes of
/// a wide job change the profile once per pool and window rather than once each (see
/// [`Plan::occupy`]).
#[derive(Default)]
struct PendingIdle {
    /// The pool and window, while nodes are pending.
    window: Option<(usize, SimTime, SimTime)>,
    nodes: i64,
}

impl PendingIdle {
    /// Counts one node of pool `pool` out over `[from, to)`, applying what was pending first
    /// when it was for another pool or window.
    #[inline]
    fn take(&mut self, idle: &mut [Steps], pool: usize, from: SimTime, to: SimTime) {
        if self.window != Some((pool, from, to)) {
            self.flush(idle);
            self.window = Some((pool, from, to));
        }
        self.nodes += 1;
    }

    /// Applies what is pending.
    fn flush(&mut self, idle: &mut [Steps]) {
        if let Some((pool, from, to)) = self.window.take() {
            idle[pool].add(from, to, -self.nodes);
        }
        self.nodes = 0;
    }
}

/// Why [`Plan::admit`] did not start a job.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Refused {
    /// It does not fit the cluster now, reservations aside.
    NoRoom,
    /// It would take what a reservation needs within its estimated run time. (A job refused
    /// after withholding the reservations' nodes may also not have fitted without them; the
    /// reservation is then named as the reason, being the first thing in its way.)
    Reservation,
}

/// The availability profile of a round and the reservations made in it (see [`super`]).
pub(crate) struct Plan {
    now: SimTime,
    /// Most jobs that may hold a reservation.
    depth: usize,
    /// Jobs given a reservation so far (a job that fits nowhere ever still counts).
    reserved: usize,
    /// Jobs given a reservation not worked out yet, in queue order (see [`Plan::reserve`]).
    deferred: Vec<JobId>,
    /// The running jobs (those not stopped this round) by expected end, where the plan does not
    /// read them from the forecast: all of them when they were scanned (a round that stopped
    /// jobs), else those expected by just after now (see [`Forecast::soon_into`]). With this
    /// round's starts (`started_ends`), what runs under the plan: see [`Plan::next_end`].
    ends: Vec<(SimTime, JobId)>,
    /// The expected end from which the forecast's running jobs follow `ends` (`MAX`: none do).
    later_from: SimTime,
    /// The jobs this round started, each with where its tasks are in `started_tasks` (the view
    /// does not hold them yet; only a reservation on named nodes reads them).
    started: FxHashMap<JobId, std::ops::Range<usize>>,
    /// The tasks of the jobs of `started`, one after the other.
    started_tasks: Vec<TaskAlloc>,
    /// Per node, when what ran on it as the round began is expected to end (`ZERO` when
    /// nothing did; see [`Plan::until`]).
    busy_until: Vec<SimTime>,
    /// Which copy of the forecast's busy-until times `busy_until` is (0: none, as for a scan);
    /// see [`Forecast::copy_busy_until`].
    busy_stamp: u64,
    /// Per node (by index), the windows in which it is taken (reservations and starts under the
    /// plan; in a plan carried over, some may have passed: see [`Plan::occupy`]).
    windows: Vec<Vec<(SimTime, SimTime)>>,
    /// The nodes with windows, each once (so a new round clears only those).
    windowed: Vec<NodeId>,
    /// Per pool, the nodes free for a whole-node task at each instant, less the whole-node
    /// reservations.
    idle: Vec<Steps>,
    /// Whole-node reservations, in the order they were made (the queue's).
    counted: Vec<Counted>,
    /// The nodes per pool of every whole-node reservation made since the plan was last
    /// cleared, each reservation's together (one allocation for all of them).
    takes: Vec<(PoolId, i64)>,
    /// Reservations on named nodes.
    bound: Vec<Bound>,
    /// Per pool, the windows of its whole-node reservations.
    whole_windows: Vec<Vec<(SimTime, SimTime)>>,
    /// The earliest start of any reservation (`MAX` while there is none).
    first_start: SimTime,
    /// The tasks of the jobs running under the plan (`ends`) by node, with their expected ends,
    /// once [`Plan::index_running`] built it this round (`running_indexed`).
    running_on: Vec<Vec<(SimTime, TaskAlloc)>>,
    /// The nodes with entries in `running_on`.
    running_nodes: Vec<NodeId>,
    running_indexed: bool,
    /// True when the jobs running under the plan are the forecast's and this round's starts
    /// (`started_ends`): then only the nodes a reservation claims are indexed, each from the
    /// forecast's list of its jobs ([`Plan::index_node`]), not every running task.
    running_from_forecast: bool,
    /// Per node, whether [`Plan::index_node`] indexed it this round, and the nodes it did.
    node_indexed: Vec<bool>,
    indexed_nodes: Vec<NodeId>,
    /// The jobs started this round, by expected end.
    started_ends: Vec<(SimTime, JobId)>,
    /// Scratch space of [`Plan::withhold_claims`]: a node's changes over time, and the amounts
    /// in force and at their peak.
    events: Vec<(SimTime, u8, TaskAlloc)>,
    peak: NodeAmounts,
    in_force: NodeAmounts,
    /// The tasks of the reservations on named nodes (`bound`) by node, each with its window,
    /// and the nodes that have some, in the order they got their first.
    claims_on: Vec<Vec<(SimTime, SimTime, TaskAlloc)>>,
    claimed: Vec<NodeId>,
    /// The last answer of [`whole_node_pools`], for its task and GPU models: it depends on
    /// nothing else (pools do not change in a run), and a queue's jobs mostly ask alike.
    last_whole: Option<(TaskRequest, GpuTypeSet, Option<PoolSet>)>,
    /// Jobs refused this round for a reservation, by what they ask (task, count, GPU models):
    /// the earliest expected end refused, while the round's trial is as it was then (its
    /// version). See [`Plan::refused_before`].
    refused: Vec<(TaskRequest, u32, GpuTypeSet, SimTime)>,
    refused_version: u64,
    /// True when `busy_until` is the forecast's (not a scan's): the forecast's counts of the
    /// nodes busy until each time then describe it (see [`Plan::withhold_unspared`]).
    busy_from_forecast: bool,
    /// Per pool, when its first node is free for a whole-node task as the forecast had it when
    /// the plan was made or last carried over ([`Forecast::first_free`]); empty for a plan made
    /// from a scan. See [`Plan::first_free`].
    first_frees: Vec<SimTime>,
    /// True once a job sharing nodes was checked against a whole-node reservation's count,
    /// which reads `first_frees`: a plan carried over must then find them unchanged.
    reads_first_frees: bool,
    /// Scratch space of [`Plan::withhold_unspared`]: the nodes with room for a task.
    roomy: Vec<NodeId>,
}

/// Most nodes with windows this round for which [`Plan::withhold_unspared`] still answers from
/// the forecast's counts (it looks at each of them for each count it reads).
const WINDOWED_AT_MOST: usize = 64;

/// What a job asks, as [`Plan::refused_before`] tells jobs apart: its task, how many, and the
/// GPU models it may run on.
pub(crate) type Ask = (TaskRequest, u32, GpuTypeSet);

/// Distinct asks [`Plan::refused`] remembers at most (a queue's jobs mostly ask alike).
const REFUSALS_KEPT: usize = 64;

/// A set of pools, as a bit set over the first [`PoolSet::CAPACITY`] pool ids.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct PoolSet([u64; 4]);

impl PoolSet {
    /// Pools a set can hold; a job that may use a pool past it is reserved on named nodes.
    const CAPACITY: usize = 256;

    fn insert(&mut self, pool: usize) {
        self.0[pool / 64] |= 1 << (pool % 64);
    }

    fn is_empty(self) -> bool {
        self.0 == [0; 4]
    }

    /// The pools, in id order.
    fn iter(self) -> impl Iterator<Item = PoolId> {
        self.0.into_iter().enumerate().flat_map(|(w, mut bits)| {
            std::iter::from_fn(move || {
                (bits != 0).then(|| {
                    let bit = bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    PoolId::from_index(w * 64 + bit)
                })
            })
        })
    }

    /// The pool, when there is exactly one.
    fn single(self) -> Option<PoolId> {
        if self.0.iter().map(|w| w.count_ones()).sum::<u32>() != 1 {
            return None;
        }
        let (w, bits) = self.0.iter().enumerate().find(|&(_, &bits)| bits != 0)?;
        Some(PoolId::from_index(w * 64 + bits.trailing_zeros() as usize))
    }
}

/// The pools `job` may run in if every task takes a whole node there, or `None` if it runs on
/// shared nodes somewhere (or nowhere).
fn whole_node_pools(cluster: &Cluster, job: &Job) -> Option<PoolSet> {
    let task = &job.spec.task;
    let mut pools = PoolSet::default();
    for (i, pool) in cluster.pools().iter().enumerate() {
        let allowed = task.gpus == 0 || job.allowed_gpu_types.contains(pool.gpu_type);
        if !allowed || !pool.holds(task) {
            continue;
        }
        if !pool.taken_whole_by(task) || i >= PoolSet::CAPACITY {
            return None;
        }
        pools.insert(i);
    }
    (!pools.is_empty()).then_some(pools)
}

/// Whether a refusal of `job` for a reservation may stand for every later alike job expected to
/// end later (see [`Plan::refused_before`]): the placement keeps no state and places each task
/// on a node it fits by the trial alone, and the tasks fit node by node (whole devices, or a
/// share of one; no MIG, no rack power budget), so that such a placement finds room exactly
/// when the free resources hold the tasks, and less free never holds more.
fn remembers_refusals(cluster: &Cluster, placement: &dyn Placement, task: &TaskRequest) -> bool {
    placement.carries_plans()
        && cluster.power_limits().is_none()
        && cluster.mig().is_none()
        && task.mig.is_none()
        && (task.milli_per_gpu == sim_core::resources::MILLI_PER_GPU || task.gpus <= 1)
}

/// Calls `part` with each part of `[from, to)` outside `[.., taken_until)` and outside every
/// window of `taken`, in time order, until it returns `false`; returns `false` when it did.
fn uncovered(
    from: SimTime,
    to: SimTime,
    taken_until: SimTime,
    taken: &[(SimTime, SimTime)],
    part: &mut impl FnMut(SimTime, SimTime) -> bool,
) -> bool {
    let from = from.max(taken_until);
    if from >= to {
        return true;
    }
    match taken.iter().position(|&(a, b)| a < to && b > from) {
        None => part(from, to),
        Some(i) => {
            let (a, b) = taken[i];
            let rest = &taken[i + 1..];
            uncovered(from, to.min(a), SimTime::ZERO, rest, part)
                && uncovered(from.max(b), to, SimTime::ZERO, rest, part)
        }
    }
}

impl Plan {
    /// The profile of `round` as it stands (its starts, the `Start`s among `decisions`,
    /// included), with no reservation yet; at most `depth` jobs will be reserved. It starts from
    /// `forecast` (refreshed for the cluster's state), or, when the round stopped running jobs,
    /// from a scan of them. `spare`, a plan of an earlier round of the same run, lends its
    /// memory, so that a round allocates nothing for its profile.
    pub(crate) fn new(
        round: &Round<'_>,
        decisions: &[Decision],
        depth: usize,
        forecast: &mut Forecast,
        spare: Option<Box<Plan>>,
    ) -> Box<Plan> {
        let now = round.now();
        let cluster = round.view.cluster;
        let mut plan = if round.stopped().is_empty() {
            let mut plan =
                spare.unwrap_or_else(|| Box::new(Plan::empty(round, depth, Vec::new(), Vec::new(), Vec::new())));
            plan.clear(round, depth);
            plan.running_from_forecast = true;
            plan.busy_from_forecast = true;
            plan.later_from = forecast.soon_into(now, &mut plan.ends);
            forecast.copy_busy_until(&mut plan.busy_until, &mut plan.busy_stamp);
            let soon = now.saturating_add(ONE_MICROSECOND);
            for (pool, steps) in plan.idle.iter_mut().enumerate() {
                let (idle, frees) = forecast.pool_counts_listed(pool);
                steps.rebuild_from_frees(now, soon, idle, frees.iter().copied());
                plan.first_frees.push(forecast.first_free(pool));
            }
            debug_assert!(
                plan.same_profile(&Plan::scanned(round, depth), forecast),
                "the forecast is out of step with the running jobs at {now:?}"
            );
            plan
        } else {
            Box::new(Plan::scanned(round, depth))
        };
        for decision in decisions {
            if let Decision::Start { job, placement, .. } = decision {
                let end = now.saturating_add(estimate(round.view.job(*job)));
                plan.record(cluster, *job, placement, end);
            }
        }
        plan
    }

    /// A plan with no reservation on the given profile.
    fn empty(
        round: &Round<'_>,
        depth: usize,
        ends: Vec<(SimTime, JobId)>,
        busy_until: Vec<SimTime>,
        idle: Vec<Steps>,
    ) -> Plan {
        Plan {
            now: round.now(),
            depth,
            reserved: 0,
            deferred: Vec::new(),
            ends,
            later_from: SimTime::MAX,
            started: FxHashMap::default(),
            started_tasks: Vec::new(),
            busy_until,
            busy_stamp: 0,
            windows: vec![Vec::new(); round.view.cluster.nodes().len()],
            windowed: Vec::new(),
            idle,
            counted: Vec::new(),
            takes: Vec::new(),
            bound: Vec::new(),
            whole_windows: vec![Vec::new(); round.view.cluster.pools().len()],
            first_start: SimTime::MAX,
            last_whole: None,
            refused: Vec::new(),
            refused_version: 0,
            busy_from_forecast: false,
            first_frees: Vec::new(),
            reads_first_frees: false,
            roomy: Vec::new(),
            running_on: vec![Vec::new(); round.view.cluster.nodes().len()],
            running_nodes: Vec::new(),
            running_indexed: false,
            running_from_forecast: false,
            node_indexed: vec![false; round.view.cluster.nodes().len()],
            indexed_nodes: Vec::new(),
            started_ends: Vec::new(),
            events: Vec::new(),
            peak: NodeAmounts::default(),
            in_force: NodeAmounts::default(),
            claims_on: vec![Vec::new(); round.view.cluster.nodes().len()],
            claimed: Vec::new(),
        }
    }

    /// Empties the plan for `round`, keeping its memory: no reservation, no expected end, a
    /// pool profile (still to be built) per pool of the cluster. The busy-until times are left
    /// for [`Forecast::copy_busy_until`], which may bring them up to date node by node.
    fn clear(&mut self, round: &Round<'_>, depth: usize) {
        let now = round.now();
        let pools = round.view.cluster.pools().len();
        self.now = now;
        self.depth = depth;
        self.reserved = 0;
        self.deferred.clear();
        self.ends.clear();
        self.later_from = SimTime::MAX;
        self.started.clear();
        self.started_tasks.clear();
        for node in self.windowed.drain(..) {
            self.windows[node.index()].clear();
        }
        self.windows.resize_with(round.view.cluster.nodes().len(), Vec::new);
        self.idle.truncate(pools);
        self.idle.resize_with(pools, || Steps::from_changes(now, 0, Vec::new()));
        self.counted.clear();
        self.takes.clear();
        self.bound.clear();
        for node in self.claimed.drain(..) {
            self.claims_on[node.index()].clear();
        }
        let nodes = round.view.cluster.nodes().len();
        self.claims_on.resize_with(nodes, Vec::new);
        for node in self.running_nodes.drain(..) {
            self.running_on[node.index()].clear();
        }
        self.running_on.resize_with(nodes, Vec::new);
        for node in self.indexed_nodes.drain(..) {
            self.node_indexed[node.index()] = false;
        }
        self.node_indexed.resize(nodes, false);
        self.started_ends.clear();
        self.running_from_forecast = false;
        self.busy_from_forecast = false;
        self.whole_windows.truncate(pools);
        self.whole_windows.resize_with(pools, Vec::new);
        for windows in &mut self.whole_windows {
            windows.clear();
        }
        self.first_start = SimTime::MAX;
        self.last_whole = None;
        self.running_indexed = false;
        self.refused.clear();
        self.first_frees.clear();
        self.reads_first_frees = false;
    }

    /// [`whole_node_pools`] of `job`, remembered for the next job that asks the same.
    #[inline]
    fn whole_pools(&mut self, cluster: &Cluster, job: &Job) -> Option<PoolSet> {
        let key = (job.spec.task, job.allowed_gpu_types);
        match self.last_whole {
            Some((task, allowed, pools)) if (task, allowed) == key => pools,
            _ => {
                let pools = whole_node_pools(cluster, job);
                self.last_whole = Some((key.0, key.1, pools));
                pools
            }
        }
    }

    /// The profile of the jobs running in `round` (those it stopped excluded), built by
    /// scanning them and every node: O(nodes + running tasks).
    fn scanned(round: &Round<'_>, depth: usize) -> Plan {
        let now = round.now();
        let cluster = round.view.cluster;
        let soon = now.saturating_add(ONE_MICROSECOND);
        let mut ends: Vec<(SimTime, JobId)> = round
            .running()
            .map(|j| {
                let end = j.last_start.unwrap_or(now).saturating_add(estimate(j));
                (end.max(soon), j.id)
            })
            .collect();
        ends.sort_unstable();
        let mut busy_until = vec![SimTime::ZERO; cluster.nodes().len()];
        for job in round.running() {
            let end = job.last_start.unwrap_or(now).saturating_add(estimate(job));
            for task in &job.alloc {
                let until = &mut busy_until[task.node.index()];
                *until = (*until).max(end);
            }
        }
        let mut idle = vec![0i64; cluster.pools().len()];
        let mut frees: Vec<Vec<(SimTime, i64)>> = vec![Vec::new(); cluster.pools().len()];
        for (i, node) in cluster.nodes().iter().enumerate() {
            if countable(cluster, NodeId::from_index(i)) {
                match busy_until[i] {
                    SimTime::ZERO => idle[node.pool.index()] += 1,
                    until => frees[node.pool.index()].push((until.max(soon), 1)),
                }
            }
        }
        let idle = idle
            .into_iter()
            .zip(frees)
            .map(|(idle, frees)| Steps::from_changes(now, idle, frees))
            .collect();
        Plan::empty(round, depth, ends, busy_until, idle)
    }

    /// True when both plans have the same expected ends, busy nodes and pool counts.
    fn same_profile(&self, other: &Plan, forecast: &Forecast) -> bool {
        self.ends(forecast).eq(other.ends(forecast)) && self.busy_until == other.busy_until && self.idle == other.idle
    }

    /// A cursor at the first of the plan's expected ends (see [`Plan::next_end`]).
    fn ends_cursor<'f>(&self, forecast: &'f Forecast) -> EndsCursor<'f> {
        EndsCursor {
            own: 0,
            later: (self.later_from != SimTime::MAX).then(|| forecast.ends_from(self.later_from).peekable()),
            started: 0,
        }
    }

    /// The job running under the plan at `at` (moving it on), in (expected end, job) order:
    /// `ends`, then the forecast's later jobs (the forecast as of the plan's round; a plan
    /// carried over is brought up to its next round's), merged with this round's starts. The
    /// running jobs are read where the forecast keeps them rather than copied every round.
    fn next_end(&self, at: &mut EndsCursor<'_>) -> Option<(SimTime, JobId)> {
        let base = match self.ends.get(at.own) {
            Some(&end) => Some(end),
            None => at.later.as_mut().and_then(|later| later.peek().copied().copied()),
        };
        let started = self.started_ends.get(at.started).copied();
        let from_base = match (base, started) {
            (Some(end), Some(start)) => end < start,
            (base, _) => base.is_some(),
        };
        if from_base {
            if at.own < self.ends.len() {
                at.own += 1;
            } else if let Some(later) = &mut at.later {
                later.next();
            }
            base
        } else {
            at.started += usize::from(started.is_some());
            started
        }
    }

    /// Every job running under the plan, by expected end (see [`Plan::next_end`]).
    fn ends<'a>(&'a self, forecast: &'a Forecast) -> impl Iterator<Item = (SimTime, JobId)> + 'a {
        let mut at = self.ends_cursor(forecast);
        std::iter::from_fn(move || self.next_end(&mut at))
    }

    /// When what ran on `node` as the round began is expected to end: now when nothing did,
    /// just after now for a job past its estimate.
    fn until(&self, node: NodeId) -> SimTime {
        match self.busy_until[node.index()] {
            SimTime::ZERO => self.now,
            until => until.max(self.now.saturating_add(ONE_MICROSECOND)),
        }
    }

    /// The tasks of a job of `ends`.
    fn tasks_of<'a>(&'a self, jobs: &'a JobStore, id: JobId) -> &'a [TaskAlloc] {
        match self.started.get(&id) {
            Some(at) => &self.started_tasks[at.clone()],
            None => &jobs[id].alloc,
        }
    }

    /// True while another job may be given a reservation.
    pub(crate) fn has_room(&self) -> bool {
        self.reserved < self.depth
    }

    /// Starts `job` now if it fits for its whole estimated run time without taking what a
    /// reservation will need; returns its tasks (taken in `round`), or why not with nothing
    /// changed.
    pub(crate) fn admit(
        &mut self,
        round: &mut Round<'_>,
        placement: &mut dyn Placement,
        forecast: &Forecast,
        job: &Job,
    ) -> Result<Vec<TaskAlloc>, Refused> {
        if round.cannot_fit(job) {
            return Err(Refused::NoRoom);
        }
        self.settle(round, placement, forecast);
        let now = self.now;
        let end = now.saturating_add(estimate(job));
        let tasks = if end <= self.first_start {
            round.place(placement, job).ok_or(Refused::NoRoom)?
        } else {
            let cluster = round.view.cluster;
            let whole = self.whole_pools(cluster, job);
            if let Some(pools) = whole {
                let tasks = i64::from(job.spec.tasks);
                let room = match pools.single() {
                    Some(pool) => self.idle[pool.index()].at_least_over(now, end, tasks),
                    None => {
                        let spare: i64 = pools
                            .iter()
                            .map(|p| self.idle[p.index()].min_over(now, end).max(0))
                            .sum();
                        spare >= tasks
                    }
                };
                if !room {
                    return Err(Refused::Reservation);
                }
            }
            let remembers = remembers_refusals(cluster, placement, &job.spec.task);
            if remembers && self.refused_before(round, job, end) {
                return Err(Refused::Reservation);
            }
            let mut trial = round.trial.clone();
            // The placements that remember refusals choose among the nodes with room by those
            // nodes' state alone: the nodes without room need not be withheld.
            let only_roomy = remembers;
            if self.withhold(
                &mut trial,
                cluster,
                round.view.jobs,
                forecast,
                job,
                whole,
                only_roomy,
                now,
                end,
            ) {
                let Some(tasks) = placement.place(&mut trial, job) else {
                    if remembers {
                        self.remember_refusal(round, job, end);
                    }
                    return Err(Refused::Reservation);
                };
                if !round.take(&tasks) {
                    return Err(Refused::Reservation);
                }
                tasks
            } else {
                round.place(placement, job).ok_or(Refused::NoRoom)?
            }
        };
        self.record(round.view.cluster, job.id, &tasks, end);
        Ok(tasks)
    }

    /// The bounds of [`Filter`] that the reservations set, once every one of them is made:
    /// a job ends by the first reservation's start, or asks for no more GPU capacity than would
    /// be free then beside that reservation. Only necessary conditions, from totals: a job
    /// running past the start holds at least what it asks then, as the reserved job and every
    /// job expected to run on do, and all of them fit in the installed capacity; so a job
    /// failing both is refused by [`Plan::admit`] (debug builds check each one passed over).
    pub(crate) fn backfill_bounds(
        &mut self,
        round: &Round<'_>,
        placement: &mut dyn Placement,
        forecast: &Forecast,
        filter: &mut Filter,
    ) {
        self.settle(round, placement, forecast);
        let Some((first, start)) = self.first_reservation() else {
            return;
        };
        debug_assert_eq!(
            start, self.first_start,
            "the first reservation starts at the plan's first start"
        );
        let view = round.view;
        // What the running jobs expected to end by then hold (in a MIG instance, a task may
        // hold more than it asked for); a job started this round holds nothing yet.
        let freed: u64 = self
            .ends(forecast)
            .take_while(|&(end, _)| end <= start)
            .flat_map(|(_, id)| &view.job(id).alloc)
            .map(TaskAlloc::gpu_milli)
            .sum();
        let free_then = view.cluster.installed_gpu_milli() - view.cluster.allocated_gpu_milli() + freed;
        filter.ends_by = start.0.saturating_sub(self.now.0);
        filter.extra_total = free_then.saturating_sub(view.job(first).spec.gpu_milli());
    }

    /// True when a job asking what `job` asks was refused for a reservation this round, on
    /// the trial as it is now, with an expected end no later than `end`. Running longer, `job`
    /// would have at least as much withheld from the same free resources, so it is refused too
    /// (for the placements [`remembers_refusals`] admits), without withholding and placing again:
    /// a deep queue of alike jobs behind a reservation costs a lookup each, not a pass over the
    /// nodes.
    fn refused_before(&mut self, round: &Round<'_>, job: &Job, end: SimTime) -> bool {
        let task = job.spec.task;
        self.refusals(round).iter().any(|&(t, n, allowed, at)| {
            t == task && n == job.spec.tasks && allowed == job.allowed_gpu_types && at <= end
        })
    }

    /// The asks refused for a reservation that [`Plan::refused_before`] would refuse again on
    /// `round`'s trial as it is, each with the earliest expected end from which a job asking
    /// the same is refused ([`Plan::admit`] refuses such a job without placing it; one ending
    /// by the first reservation's start is placed), each ask as `number` names it (asks it has
    /// no number for are left out). Call once the plan is settled: the waiting index passes
    /// over these jobs without handing them to the plan one by one.
    pub(crate) fn refused_asks<N>(
        &mut self,
        round: &Round<'_>,
        placement: &dyn Placement,
        number: impl Fn(&Ask) -> Option<N>,
    ) -> Vec<(N, SimTime)> {
        let after_first = self.first_start.saturating_add(SimTime(1));
        let cluster = round.view.cluster;
        self.refusals(round)
            .iter()
            .filter(|(task, ..)| remembers_refusals(cluster, placement, task))
            .filter_map(|&(task, tasks, allowed, at)| Some((number(&(task, tasks, allowed))?, at.max(after_first))))
            .collect()
    }

    /// The refusals that hold on `round`'s trial as it is: none once it has changed.
    fn refusals(&mut self, round: &Round<'_>) -> &mut Vec<(TaskRequest, u32, GpuTypeSet, SimTime)> {
        if self.refused_version != round.version() {
            self.refused.clear();
            self.refused_version = round.version();
        }
        &mut self.refused
    }

    /// Notes that `job`, expected to end at `end`, was refused for a reservation on the trial as
    /// it is (see [`Plan::refused_before`]).
    fn remember_refusal(&mut self, round: &Round<'_>, job: &Job, end: SimTime) {
        let (task, tasks, allowed) = (job.spec.task, job.spec.tasks, job.allowed_gpu_types);
        let refused = self.refusals(round);
        match refused
            .iter()
            .position(|&(t, n, a, _)| t == task && n == tasks && a == allowed)
        {
            Some(i) => refused[i].3 = refused[i].3.min(end),
            None if refused.len() < REFUSALS_KEPT => refused.push((task, tasks, allowed, end)),
            None => {}
        }
    }

    /// The reservation that starts first: its job and start (what a job refused for
    /// [`Refused::Reservation`] would run into).
    pub(crate) fn first_reservation(&self) -> Option<(JobId, SimTime)> {
        debug_assert!(
            self.deferred.is_empty(),
            "a refusal for a reservation follows a settled plan"
        );
        self.counted
            .iter()
            .map(|c| (c.start, c.job))
            .chain(self.bound.iter().map(|b| (b.start, b.job)))
            .min()
            .map(|(start, job)| (job, start))
    }

    /// Gives `job` (which cannot start now) a reservation at the earliest time it fits for its
    /// whole estimated run time. A job that fits at no time holds nothing but still uses up a
    /// place of the depth.
    ///
    /// The reservation is worked out when something first depends on it: a later job that may
    /// fit now ([`Plan::admit`]), or the next round carrying the plan over. Until then neither
    /// the profile nor the round changes, so it comes out as if worked out at once; a round
    /// whose remaining jobs cannot fit now whatever the reservations, followed by one that
    /// recomputes, never pays for it.
    pub(crate) fn reserve(&mut self, job: &Job) {
        self.reserved += 1;
        self.deferred.push(job.id);
    }

    /// Works out the deferred reservations, in the order they were made, on the round they were
    /// made in.
    #[inline]
    fn settle(&mut self, round: &Round<'_>, placement: &mut dyn Placement, forecast: &Forecast) {
        if !self.deferred.is_empty() {
            self.settle_deferred(round, placement, forecast);
        }
    }

    /// [`Plan::settle`] when something is deferred (kept out of line, so that the many admits
    /// that find nothing deferred stay small).
    #[inline(never)]
    fn settle_deferred(&mut self, round: &Round<'_>, placement: &mut dyn Placement, forecast: &Forecast) {
        for i in 0..self.deferred.len() {
            let job = round.view.job(self.deferred[i]);
            let length = estimate(job);
            match self.whole_pools(round.view.cluster, job) {
                Some(pools) => self.reserve_count(pools, job, length),
                None => self.reserve_nodes(round, placement, forecast, job, length),
            }
        }
        self.deferred.clear();
    }

    /// Works out the deferred reservations of the last round's plan as counts on its profile,
    /// which has not moved since; returns false when one of them would be on named nodes (which
    /// would keep the plan from carrying over) or its job has left the view.
    fn settle_counts(&mut self, view: &ClusterView<'_>) -> bool {
        for i in 0..self.deferred.len() {
            let Some(job) = view.jobs.get(self.deferred[i]) else {
                return false;
            };
            let Some(pools) = self.whole_pools(view.cluster, job) else {
                return false;
            };
            self.reserve_count(pools, job, estimate(job));
        }
        self.deferred.clear();
        true
    }

    /// Reserves a whole-node job as a count of nodes per pool.
    fn reserve_count(&mut self, pools: PoolSet, job: &Job, length: SimTime) {
        let need = i64::from(job.spec.tasks);
        let first_take = self.takes.len();
        let start = if let Some(pool) = pools.single() {
            // One pool holds the whole job over the window: its start is found so.
            let steps = &mut self.idle[pool.index()];
            let Some(stretch) = steps.earliest(self.now, length, need) else {
                return;
            };
            steps.take(stretch, -need);
            self.whole_windows[pool.index()].push((stretch.start, stretch.end));
            self.takes.push((pool, need));
            stretch.start
        } else {
            let Some(start) = self.earliest_across(pools, length, need) else {
                return;
            };
            let end = start.saturating_add(length);
            let mut left = need;
            for pool in pools.iter() {
                let steps = &mut self.idle[pool.index()];
                let take = left.min(steps.min_over(start, end).max(0));
                if take > 0 {
                    steps.add(start, end, -take);
                    self.whole_windows[pool.index()].push((start, end));
                    self.takes.push((pool, take));
                }
                left -= take;
            }
            start
        };
        self.counted.push(Counted {
            job: job.id,
            start,
            end: start.saturating_add(length),
            takes: first_take..self.takes.len(),
        });
        self.first_start = self.first_start.min(start);
    }

    /// The earliest time from now at which `pools` together keep `need` nodes spare for
    /// `length`: the first instant, now or a change of one of their counts, that does.
    fn earliest_across(&self, pools: PoolSet, length: SimTime, need: i64) -> Option<SimTime> {
        let spare = |t: SimTime| -> i64 {
            pools
                .iter()
                .map(|p| self.idle[p.index()].min_over(t, t.saturating_add(length)).max(0))
                .sum()
        };
        let mut times: Vec<SimTime> = pools
            .iter()
            .flat_map(|p| self.idle[p.index()].changes_after(self.now))
            .collect();
        times.push(self.now);
        times.sort_unstable();
        times.dedup();
        times.into_iter().find(|&t| spare(t) >= need)
    }

    /// Carries the plan of the last round over to `round`, when nothing happened since but what
    /// it expected: jobs arrived, and the running jobs that ended did so at their expected ends
    /// (the caller checks which of those it may accept). Then recomputing every reservation
    /// would give each the same time, so the plan stands; returns false (and the caller
    /// recomputes) when it cannot tell: a running job has outlived its estimate, a reservation
    /// was due before now, some reservation is on named nodes or a reserved job holds nothing.
    pub(crate) fn carry_over(&mut self, round: &Round<'_>, forecast: &mut Forecast) -> bool {
        let now = round.now();
        // Refusals hold for the trial of the round they were made in; a new round's versions
        // start again from 0.
        self.refused.clear();
        if !self.settle_counts(&round.view) {
            return false;
        }
        // A job reserved where it fits at no time holds nothing yet uses up a place of the
        // depth, which the count below would forget.
        if !self.bound.is_empty() || self.reserved != self.counted.len() || self.first_start < now {
            return false;
        }
        // A running job past its estimate would be expected just after now by a new plan.
        if forecast.outlived_by(now) {
            return false;
        }
        // A job sharing nodes refused for a whole-node reservation's count may fit once the
        // pool's first free node is later (a start took the last idle one): recompute then.
        let pools = round.view.cluster.pools().len();
        let first_frees = (0..pools).map(|pool| forecast.first_free(pool));
        if self.reads_first_frees && !first_frees.clone().eq(self.first_frees.iter().copied()) {
            return false;
        }
        self.first_frees.clear();
        self.first_frees.extend(first_frees);
        // Otherwise what runs is what ran less what ended and with what started, which the
        // forecast now lists itself.
        self.later_from = forecast.soon_into(now, &mut self.ends);
        self.running_indexed = false;
        self.running_from_forecast = false;
        self.started.clear();
        self.started_tasks.clear();
        self.started_ends.clear();
        self.now = now;
        forecast.copy_busy_until(&mut self.busy_until, &mut self.busy_stamp);
        self.busy_from_forecast = true;
        for steps in &mut self.idle {
            steps.advance(now);
        }
        // Every reservation starts now or later, so the windows of whole-node reservations are
        // all still ahead; the nodes' windows that have passed are dropped as the nodes are
        // taken again (see [`Plan::occupy`]), not here, which would cost a pass over every
        // node each round.
        debug_assert!(self.whole_windows.iter().flatten().all(|&(_, end)| end > now));
        true
    }

    /// When the plan expects running job `id` to end, if it runs under the plan.
    pub(crate) fn expected_end(&self, id: JobId, forecast: &Forecast) -> Option<SimTime> {
        self.ends(forecast).find(|&(_, job)| job == id).map(|(end, _)| end)
    }

    /// The jobs whose reservation starts now, in queue order.
    pub(crate) fn due(&self) -> Vec<JobId> {
        if self.first_start != self.now {
            return Vec::new();
        }
        self.counted
            .iter()
            .filter(|c| c.start == self.now)
            .map(|c| c.job)
            .collect()
    }

    /// Starts `job`, whose reservation starts now: its counts are given back and it is admitted
    /// like any job (which the counts guarantee).
    pub(crate) fn start_due(
        &mut self,
        round: &mut Round<'_>,
        placement: &mut dyn Placement,
        forecast: &Forecast,
        job: &Job,
    ) -> Option<Vec<TaskAlloc>> {
        let at = self.counted.iter().position(|c| c.job == job.id)?;
        let reservation = self.counted.remove(at);
        for &(pool, take) in &self.takes[reservation.takes] {
            self.idle[pool.index()].add(reservation.start, reservation.end, take);
            let windows = &mut self.whole_windows[pool.index()];
            if let Some(w) = windows.iter().position(|&w| w == (reservation.start, reservation.end)) {
                windows.remove(w);
            }
        }
        self.reserved -= 1;
        self.first_start = self
            .counted
            .iter()
            .map(|c| c.start)
            .chain(self.bound.iter().map(|b| b.start))
            .min()
            .unwrap_or(SimTime::MAX);
        self.admit(round, placement, forecast, job).ok()
    }

    /// Reserves a job on named nodes: the earliest expected end (or end of a reservation, or
    /// change of a pool's count) at which its placement rule finds room for its whole window,
    /// preferring, task by task, the nodes whose capacity is busy now.
    fn reserve_nodes(
        &mut self,
        round: &Round<'_>,
        placement: &mut dyn Placement,
        forecast: &Forecast,
        job: &Job,
        length: SimTime,
    ) {
        let now = self.now;
        let view = round.view;
        let cluster = view.cluster;
        // The candidate times in order: the expected ends (sorted already, and usually many,
        // of which the first few are tried) merged with the reservations' ends and the pools'
        // count changes.
        let mut others: Vec<SimTime> = self.bound.iter().map(|b| b.end).collect();
        for steps in &self.idle {
            others.extend(steps.changes_after(now));
        }
        others.sort_unstable();
        let (mut from_others, mut last) = (0, now);
        let mut trial = round.trial.clone();
        let mut free = round.free_gpu_milli();
        let mut released: Vec<NodeId> = Vec::new();
        // Two walks over the running jobs: one for the candidate times, one for what they free.
        let (mut times, mut frees) = (self.ends_cursor(forecast), self.ends_cursor(forecast));
        let (mut next_time, mut next_free) = (self.next_end(&mut times), self.next_end(&mut frees));
        loop {
            let t = match (next_time, others.get(from_others)) {
                (None, None) => break,
                (Some((end, _)), Some(&other)) if other < end => {
                    from_others += 1;
                    other
                }
                (Some((end, _)), _) => {
                    next_time = self.next_end(&mut times);
                    end
                }
                (None, Some(&other)) => {
                    from_others += 1;
                    other
                }
            };
            if t <= last || t == SimTime::MAX {
                continue;
            }
            last = t;
            while let Some((_, id)) = next_free.filter(|&(end, _)| end <= t) {
                for task in self.tasks_of(view.jobs, id) {
                    trial.give_back(task);
                    free += task.gpu_milli();
                    released.push(task.node);
                }
                next_free = self.next_end(&mut frees);
            }
            if free < job.spec.gpu_milli() {
                continue;
            }
            let end = t.saturating_add(length);
            let mut at_t = trial.clone();
            self.withhold(&mut at_t, cluster, view.jobs, forecast, job, None, false, t, end);
            at_t.prefer(released.clone());
            if let Some(tasks) = placement.place(&mut at_t, job) {
                let mut pending = PendingIdle::default();
                for task in &tasks {
                    self.occupy(cluster, task.node, t, end, &mut pending);
                }
                pending.flush(&mut self.idle);
                for task in &tasks {
                    add_on_node(&mut self.claims_on, &mut self.claimed, task.node, (t, end, *task));
                }
                self.bound.push(Bound {
                    job: job.id,
                    start: t,
                    end,
                    tasks,
                });
                self.first_start = self.first_start.min(t);
                return;
            }
        }
    }

    /// Keeps out of `trial` what a job running over `[from, to)` must not take: the claims of
    /// named reservations overlapping the window (whole nodes for a whole-node job), and, in a
    /// pool with whole-node reservations in the window, the nodes beyond what those leave spare.
    /// Returns whether anything was withheld. With `only_roomy` (the job will be placed by a
    /// rule that chooses among the nodes with room for its task by their own state), a node
    /// without room for the task may be left as it is.
    #[allow(clippy::too_many_arguments)]
    fn withhold(
        &mut self,
        trial: &mut Trial<'_>,
        cluster: &Cluster,
        jobs: &JobStore,
        forecast: &Forecast,
        job: &Job,
        whole: Option<PoolSet>,
        only_roomy: bool,
        from: SimTime,
        to: SimTime,
    ) -> bool {
        let mut withheld = false;
        if whole.is_some() {
            for b in self.bound.iter().filter(|b| b.start < to && b.end > from) {
                for task in &b.tasks {
                    trial.withhold_node(task.node);
                    withheld = true;
                }
            }
        } else {
            withheld = self.withhold_claims(trial, cluster, jobs, forecast, from, to);
        }
        if whole.and_then(PoolSet::single).is_some() {
            // One pool: the count check already said enough of its nodes are spare.
            return withheld;
        }
        let task = &job.spec.task;
        for (i, pool) in cluster.pools().iter().enumerate() {
            let allowed = task.gpus == 0 || job.allowed_gpu_types.contains(pool.gpu_type);
            if !allowed || !pool.holds(task) || !self.whole_windows[i].iter().any(|&(a, b)| a < to && b > from) {
                continue;
            }
            // A whole-node task takes a node idle now; a shared one takes from the pool's count
            // only the instants its nodes would be free, none before the pool's first.
            let counted_from = match whole {
                Some(_) => from,
                None => from.max(self.first_free(i)),
            };
            if counted_from >= to {
                continue;
            }
            let spare = self.idle[i].min_over(counted_from, to).max(0) as usize;
            if whole.is_none()
                && only_roomy
                && spare == 0
                && from == self.now
                && let Some(any) = self.withhold_unspared(trial, cluster, forecast, i, task, to)
            {
                withheld |= any;
                continue;
            }
            withheld |= self.beyond_spare(trial, cluster, pool, whole.is_some(), spare, from, to, |trial, node| {
                trial.withhold_node(node);
            });
        }
        withheld
    }

    /// The first instant at which a node of pool `pool` may be free for a whole-node task this
    /// round: now when one was idle as the round began, else the earliest expected end of what
    /// runs on one (just after now at the earliest). The round's starts and reservations only
    /// keep nodes busy longer, so none is free before it; now for a plan made from a scan (a
    /// round that stopped jobs), which is safe.
    fn first_free(&mut self, pool: usize) -> SimTime {
        self.reads_first_frees = true;
        match self.first_frees.get(pool) {
            None | Some(&SimTime::ZERO) => self.now,
            Some(&at) => at.max(self.now.saturating_add(ONE_MICROSECOND)),
        }
    }

    /// Calls `withhold` with each node of `pool` beyond the first `spare` that a job (a
    /// whole-node one with `whole`) running over `[from, to)` would take from the pool's count
    /// of nodes free for a whole-node task, in node order; returns whether it called it.
    #[allow(clippy::too_many_arguments)]
    fn beyond_spare<'t>(
        &self,
        trial: &mut Trial<'t>,
        cluster: &Cluster,
        pool: &sim_core::cluster::Pool,
        whole: bool,
        spare: usize,
        from: SimTime,
        to: SimTime,
        mut withhold: impl FnMut(&mut Trial<'t>, NodeId),
    ) -> bool {
        // A whole-node task can only use a node idle now; a shared one turns any node that
        // would be free in the window into a busy one. The first `spare` such nodes stay
        // usable, the rest are withheld.
        let mut usable = 0;
        for &node in &pool.nodes {
            let free = countable(cluster, node)
                && if whole {
                    trial.is_idle(node)
                } else {
                    self.free_within(node, from, to)
                };
            if free {
                usable += 1;
                if usable > spare {
                    withhold(trial, node);
                }
            }
        }
        usable > spare
    }

    /// The pool part of [`Plan::withhold`] for a job whose tasks do not take whole nodes,
    /// placed by a rule that chooses among the nodes with room by their own state, in pool
    /// `pool` where the whole-node reservations leave no node spare over `[now, to)` from the
    /// pool's first free node on (see [`Plan::first_free`]). Every
    /// node of the pool free for a whole-node task at some instant of the window is to be
    /// withheld; only those with room for one of the job's tasks are, found through the trial's
    /// index, since no other can take one. Behind a full cluster those are few, where the pool
    /// is large. Returns whether the pass over the pool would withhold any node, found from the
    /// forecast's counts of the nodes busy until each time (and the few nodes with windows this
    /// round); or `None`, with nothing done, when that would cost more than the pass: a plan
    /// whose busy nodes were scanned, many nodes with windows, many nodes with room.
    fn withhold_unspared(
        &mut self,
        trial: &mut Trial<'_>,
        cluster: &Cluster,
        forecast: &Forecast,
        pool: usize,
        task: &TaskRequest,
        to: SimTime,
    ) -> Option<bool> {
        let need = task.gpu_milli();
        if !self.busy_from_forecast || self.windowed.len() > WINDOWED_AT_MOST || need == 0 {
            return None;
        }
        let now = self.now;
        let in_pool = |node: NodeId| cluster.node(node).pool.index() == pool && countable(cluster, node);
        // A node is free within the window once what runs on it ends (`until`) before `to`,
        // unless windows of this round cover the rest: those few nodes are asked one by one,
        // the others counted by when they are busy until.
        let mut any = self
            .windowed
            .iter()
            .any(|&node| in_pool(node) && self.free_within(node, now, to));
        if !any {
            let (idle, frees) = forecast.pool_counts(pool);
            let until = |busy: SimTime| match busy {
                SimTime::ZERO => now,
                busy => busy.max(now.saturating_add(ONE_MICROSECOND)),
            };
            any = std::iter::once((SimTime::ZERO, idle))
                .chain(frees)
                .take_while(|&(busy, _)| until(busy) < to)
                .any(|(busy, count)| {
                    let windowed = self
                        .windowed
                        .iter()
                        .filter(|&&node| self.busy_until[node.index()] == busy && in_pool(node))
                        .count();
                    count > windowed as i64
                });
        }
        let nodes = cluster.pools()[pool].nodes.len();
        let mut roomy = std::mem::take(&mut self.roomy);
        if !trial.nodes_with_at_least(need, (nodes / 8).max(16), &mut roomy) {
            self.roomy = roomy;
            return None;
        }
        roomy.retain(|&node| in_pool(node) && self.free_within(node, now, to));
        roomy.sort_unstable();
        if cfg!(debug_assertions) {
            let mut expected = Vec::new();
            let scanned = self.beyond_spare(
                trial,
                cluster,
                &cluster.pools()[pool],
                false,
                0,
                now,
                to,
                |trial, node| {
                    if trial.free_gpu_milli(node) >= need {
                        expected.push(node);
                    }
                },
            );
            debug_assert_eq!(
                any, scanned,
                "the counts and the pass disagree on a free node at {now:?}"
            );
            debug_assert_eq!(
                roomy, expected,
                "nodes with room withheld otherwise than by the pass at {now:?}"
            );
        }
        for &node in &roomy {
            trial.withhold_node(node);
        }
        self.roomy = roomy;
        Some(any)
    }

    /// Keeps out of `trial` (what is free at `from`) what the named reservations overlapping
    /// `[from, to)` will need there beyond what the jobs running at `from` free before they need
    /// it; returns whether any reservation overlaps. On each node and for each resource (each
    /// device's share, CPU, memory) that is the most, over the window, of the claims in force
    /// less what running jobs have freed by then, reached at the start of some claim: a job
    /// started at `from` with what is left then fits beside both at every instant. (Withholding
    /// whole claims from what is free at `from` would count a claim against resources that a
    /// running job still holds then and frees before the claim starts: a reservation at the
    /// shadow time would keep out a job that fits in the extra.) Claims in MIG instances are
    /// withheld whole.
    fn withhold_claims(
        &mut self,
        trial: &mut Trial<'_>,
        cluster: &Cluster,
        jobs: &JobStore,
        forecast: &Forecast,
        from: SimTime,
        to: SimTime,
    ) -> bool {
        // Per node, a sweep over time: what frees resources (a claim's end, a running job's
        // expected end) before what takes them (a claim's start) at the same instant.
        const FREES: u8 = 0;
        const TAKES: u8 = 1;
        if self.claimed.is_empty() {
            return false;
        }
        self.index_running(jobs, forecast);
        let mut any = false;
        // Scratch lists kept in the plan, so that a round allocates them once.
        let mut events = std::mem::take(&mut self.events);
        let (mut peak, mut now) = (std::mem::take(&mut self.peak), std::mem::take(&mut self.in_force));
        for i in 0..self.claimed.len() {
            let node = self.claimed[i];
            let claims = &self.claims_on[node.index()];
            let overlaps = |c: &&(SimTime, SimTime, TaskAlloc)| c.0 < to && c.1 > from;
            let (mut last_start, mut first_end) = (None::<SimTime>, SimTime::MAX);
            // What the claims take: their devices, and whether CPU or memory.
            let (mut devices, mut cpu, mut mem) = (0u64, false, false);
            for c in claims.iter().filter(overlaps) {
                last_start = Some(last_start.map_or(c.0, |t| t.max(c.0)).max(from));
                first_end = first_end.min(c.1);
                devices |= c.2.gpu_mask;
                cpu |= c.2.cpu_milli > 0;
                mem |= c.2.mem_mib > 0;
            }
            let Some(last_start) = last_start else {
                continue;
            };
            any = true;
            let running = &self.running_on[node.index()];
            // A running task that frees none of what the claims take changes nothing.
            let frees_early = |&(end, task): &(SimTime, TaskAlloc)| {
                end > from
                    && end <= last_start
                    && (task.gpu_mask & devices != 0 || (cpu && task.cpu_milli > 0) || (mem && task.mem_mib > 0))
            };
            if first_end > last_start && !running.iter().any(frees_early) {
                // Nothing is freed before the last claim starts: every claim is in force then.
                for (_, _, task) in claims.iter().filter(overlaps) {
                    trial.withhold(task);
                }
                continue;
            }
            events.clear();
            for (start, end, task) in claims.iter().filter(overlaps) {
                if task.mig.is_some() {
                    trial.withhold(task);
                    continue;
                }
                events.push(((*start).max(from), TAKES, *task));
                if *end <= last_start {
                    events.push((*end, FREES, *task));
                }
            }
            events.extend(
                running
                    .iter()
                    .filter(|r| frees_early(r))
                    .map(|&(end, task)| (end, FREES, task)),
            );
            events.sort_unstable_by_key(|&(t, kind, _)| (t, kind));
            let devices = cluster.node(node).gpu_count as usize;
            peak.reset(devices);
            now.reset(devices);
            for &(_, kind, task) in &events {
                if kind == TAKES {
                    now.add(&task, 1);
                    peak.raise_to(&now);
                } else {
                    now.add(&task, -1);
                }
            }
            trial.withhold_amounts(node, &peak.gpu_milli, peak.cpu_milli, peak.mem_mib);
        }
        (self.events, self.peak, self.in_force) = (events, peak, now);
        any
    }

    /// Indexes the tasks of the jobs running under the plan by node, with their expected ends
    /// ([`Plan::running_on`]), unless they already are: once a round, when a reservation on
    /// named nodes is first weighed against a job that would start; or, when the running jobs
    /// are the forecast's, only on the nodes reservations claim, each once.
    fn index_running(&mut self, jobs: &JobStore, forecast: &Forecast) {
        if self.running_from_forecast {
            for i in 0..self.claimed.len() {
                let node = self.claimed[i];
                if !self.node_indexed[node.index()] {
                    self.index_node(node, jobs, forecast);
                }
            }
            return;
        }
        if self.running_indexed {
            return;
        }
        self.running_indexed = true;
        for node in self.running_nodes.drain(..) {
            self.running_on[node.index()].clear();
        }
        let mut at = self.ends_cursor(forecast);
        while let Some((end, id)) = self.next_end(&mut at) {
            let tasks = match self.started.get(&id) {
                Some(at) => &self.started_tasks[at.clone()],
                None => &jobs[id].alloc,
            };
            for task in tasks {
                add_on_node(&mut self.running_on, &mut self.running_nodes, task.node, (end, *task));
            }
        }
    }

    /// Indexes the tasks on `node` of the jobs running under the plan: those the forecast lists
    /// there (one past its estimate expected just after now, as in `ends`) and this round's
    /// starts.
    fn index_node(&mut self, node: NodeId, jobs: &JobStore, forecast: &Forecast) {
        self.node_indexed[node.index()] = true;
        self.indexed_nodes.push(node);
        let soon = self.now.saturating_add(ONE_MICROSECOND);
        for &(end, id) in forecast.running_on(node) {
            for task in jobs[id].alloc.iter().filter(|t| t.node == node) {
                add_on_node(
                    &mut self.running_on,
                    &mut self.running_nodes,
                    node,
                    (end.max(soon), *task),
                );
            }
        }
        for &(end, id) in &self.started_ends {
            let tasks = &self.started_tasks[self.started[&id].clone()];
            for task in tasks.iter().filter(|t| t.node == node) {
                add_on_node(&mut self.running_on, &mut self.running_nodes, node, (end, *task));
            }
        }
        if cfg!(debug_assertions) {
            let mut expected: Vec<(SimTime, TaskAlloc)> = Vec::new();
            for (end, id) in self.ends(forecast) {
                let tasks = self.tasks_of(jobs, id).iter().filter(|t| t.node == node);
                expected.extend(tasks.map(|task| (end, *task)));
            }
            let indexed = &self.running_on[node.index()];
            debug_assert!(
                expected.len() == indexed.len() && expected.iter().all(|e| indexed.contains(e)),
                "the forecast's jobs on node {} differ from the plan's at {:?}",
                node.0,
                self.now
            );
        }
    }

    /// True when `node` is free for a whole-node task at some instant of `[from, to)`.
    fn free_within(&self, node: NodeId, from: SimTime, to: SimTime) -> bool {
        let taken = &self.windows[node.index()];
        !uncovered(from, to, self.until(node), taken, &mut |_, _| false)
    }

    /// Records a job started now on `tasks`, expected to end at `end`.
    fn record(&mut self, cluster: &Cluster, id: JobId, tasks: &[TaskAlloc], end: SimTime) {
        let at = self.started_ends.partition_point(|&e| e < (end, id));
        self.started_ends.insert(at, (end, id));
        let from = self.started_tasks.len();
        self.started_tasks.extend_from_slice(tasks);
        self.started.insert(id, from..self.started_tasks.len());
        for task in tasks {
            let indexed = if self.running_from_forecast {
                self.node_indexed[task.node.index()]
            } else {
                self.running_indexed
            };
            if indexed {
                add_on_node(&mut self.running_on, &mut self.running_nodes, task.node, (end, *task));
            }
        }
        let mut pending = PendingIdle::default();
        if tasks.windows(2).all(|pair| pair[0].node < pair[1].node) {
            for task in tasks {
                self.occupy(cluster, task.node, self.now, end, &mut pending);
            }
        } else {
            let mut nodes: Vec<NodeId> = tasks.iter().map(|t| t.node).collect();
            nodes.sort_unstable();
            nodes.dedup();
            for node in nodes {
                self.occupy(cluster, node, self.now, end, &mut pending);
            }
        }
        pending.flush(&mut self.idle);
    }

    /// Marks `node` taken over `[from, to)` for a named reservation, and counts it out of its
    /// pool where it would have been free for a whole-node task (through `pending`, which the
    /// caller flushes).
    fn occupy(&mut self, cluster: &Cluster, node: NodeId, from: SimTime, to: SimTime, pending: &mut PendingIdle) {
        debug_assert!(from >= self.now, "windows are taken from now on");
        let now = self.now;
        let windows = &mut self.windows[node.index()];
        if windows.is_empty() {
            self.windowed.push(node);
        } else {
            // Windows that have passed (a plan carried over keeps them) no longer take anything,
            // and overlap nothing from now on.
            windows.retain(|&(_, end)| end > now);
        }
        if countable(cluster, node) {
            let pool = cluster.node(node).pool.index();
            let until = self.until(node);
            let taken = &self.windows[node.index()];
            if taken.is_empty() {
                let from = from.max(until);
                if from < to {
                    pending.take(&mut self.idle, pool, from, to);
                }
            } else {
                let idle = &mut self.idle;
                uncovered(from, to, until, taken, &mut |a, b| {
                    pending.take(idle, pool, a, b);
                    true
                });
            }
        }
        self.windows[node.index()].push((from, to));
    }
}

/// Adds `entry` to `node`'s list in `by_node`, noting the node in `nodes` when it is its first.
fn add_on_node<T>(by_node: &mut [Vec<T>], nodes: &mut Vec<NodeId>, node: NodeId, entry: T) {
    let list = &mut by_node[node.index()];
    if list.is_empty() {
        nodes.push(node);
    }
    list.push(entry);
}

/// Resources on one node, per device and in total, that may be negative: claims less what
/// running jobs free ([`Plan::withhold_claims`]).
#[derive(Default)]
struct NodeAmounts {
    gpu_milli: Vec<i64>,
    cpu_milli: i64,
    mem_mib: i64,
}

impl NodeAmounts {
    /// Nothing, on a node of `devices` GPUs.
    fn reset(&mut self, devices: usize) {
        self.gpu_milli.clear();
        self.gpu_milli.resize(devices, 0);
        self.cpu_milli = 0;
        self.mem_mib = 0;
    }

    /// Adds `task`'s resources, `sign` times.
    fn add(&mut self, task: &TaskAlloc, sign: i64) {
        let mut mask = task.gpu_mask;
        while mask != 0 {
            let device = mask.trailing_zeros() as usize;
            mask &= mask - 1;
            if let Some(amount) = self.gpu_milli.get_mut(device) {
                *amount += sign * i64::from(task.milli_per_gpu);
            }
        }
        self.cpu_milli += sign * task.cpu_milli as i64;
        self.mem_mib += sign * task.mem_mib as i64;
    }

    /// Raises each amount to `other`'s where that is larger.
    fn raise_to(&mut self, other: &NodeAmounts) {
        for (mine, &theirs) in self.gpu_milli.iter_mut().zip(&other.gpu_milli) {
            *mine = (*mine).max(theirs);
        }
        self.cpu_milli = self.cpu_milli.max(other.cpu_milli);
        self.mem_mib = self.mem_mib.max(other.mem_mib);
    }
}
