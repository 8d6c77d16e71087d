//! Searches for a node that fits a task: best fit, worst fit, first fit.
//!
//! The nodes a trial has not touched have the cluster's free capacity, so the cluster's index
//! orders them; the nodes it has touched are ordered by the trial itself. A search looks at
//! both and takes the better answer. While it walks the cluster's index it skips nodes the
//! trial has touched (they are answered from the trial's own order) and nodes that cannot hold
//! the request; both stay so for the trial's life (an untouched node keeps the cluster's values,
//! and taking tasks only lowers the power headroom of a rack), so the walk remembers where it
//! stopped per request and resumes there: a round of placements costs O(tasks × log nodes)
//! however wide the jobs. Giving capacity back forgets every resume point.

use rustc_hash::FxHashMap;

use super::Trial;
use crate::cluster::GpuTypeSet;
use crate::ids::{GpuTypeId, NodeId};
use crate::resources::{TaskAlloc, TaskRequest};

/// What decides whether a task fits a node: its request and the GPU models it may use.
type FitKey = (TaskRequest, u64);

/// The nodes a trial has touched, by (free milli-GPU, id): a sorted vector, since a trial
/// touches few nodes and moves each by a short shift.
#[derive(Clone, Debug, Default)]
pub(super) struct TouchedOrder {
    entries: Vec<(u64, NodeId)>,
}

impl TouchedOrder {
    /// Adds `node` with `free` milli-GPU.
    pub(super) fn insert(&mut self, free: u64, node: NodeId) {
        let at = self.entries.partition_point(|&e| e < (free, node));
        self.entries.insert(at, (free, node));
    }

    /// Removes `node`, listed with `free` milli-GPU.
    pub(super) fn remove(&mut self, free: u64, node: NodeId) {
        let at = self.entries.partition_point(|&e| e < (free, node));
        debug_assert_eq!(self.entries.get(at), Some(&(free, node)), "touched order out of step");
        self.entries.remove(at);
    }

    /// The entries with at least `need` milli-GPU free, in order.
    fn at_least(&self, need: u64) -> &[(u64, NodeId)] {
        let from = self.entries.partition_point(|&(free, _)| free < need);
        &self.entries[from..]
    }
}

/// A bucket of the cluster's index as a search of one request sees it.
type BucketKey = (FitKey, GpuTypeId, u64);

/// Where searches resume in the cluster's index.
#[derive(Clone, Debug, Default)]
pub(super) struct Cursors {
    /// Per request, GPU model and free amount: the first node of that bucket not yet skipped.
    buckets: FxHashMap<BucketKey, NodeId>,
    /// The bucket searched last and its resume point, ahead of `buckets` (where it is not
    /// written until another bucket is searched): the tasks of a wide job search one bucket
    /// over and over.
    last_bucket: Option<(BucketKey, NodeId)>,
    /// The request first fit walked for last and its resume point, ahead of `first` (where it
    /// is not written until another request is walked for): a round's jobs mostly ask alike.
    last_first: Option<(FitKey, usize)>,
    /// Per request: the first node id not yet skipped by first fit.
    first: FxHashMap<FitKey, usize>,
}

impl Cursors {
    /// Forgets every resume point (capacity was given back).
    pub(super) fn clear(&mut self) {
        self.buckets.clear();
        self.last_bucket = None;
        self.last_first = None;
        self.first.clear();
    }

    /// The first node id that first fit's walk for `request` on `allowed` has not yet skipped.
    pub(super) fn first_fit_from(&self, request: &TaskRequest, allowed: GpuTypeSet) -> usize {
        let key = (*request, allowed.0);
        match &self.last_first {
            Some((last, from)) if *last == key => *from,
            _ => self.first.get(&key).copied().unwrap_or(0),
        }
    }

    /// Records that first fit's walk for `request` on `allowed` resumes at node id `from`.
    pub(super) fn set_first_fit_from(&mut self, request: &TaskRequest, allowed: GpuTypeSet, from: usize) {
        let key = (*request, allowed.0);
        if let Some((last, last_from)) = self.last_first.replace((key, from))
            && last != key
        {
            self.first.insert(last, last_from);
        }
    }

    /// Where the search of bucket `key` resumes.
    fn bucket_from(&self, key: &BucketKey) -> NodeId {
        match &self.last_bucket {
            Some((last, from)) if last == key => *from,
            _ => self.buckets.get(key).copied().unwrap_or(NodeId(0)),
        }
    }

    /// Records where the search of bucket `key` resumes next time.
    fn set_bucket(&mut self, key: BucketKey, from: NodeId) {
        if let Some((last, last_from)) = self.last_bucket.replace((key, from))
            && last != key
        {
            self.buckets.insert(last, last_from);
        }
    }
}

impl Trial<'_> {
    /// Builds the touched nodes' order by (free milli-GPU, id) from the overlay, on the first
    /// search; the overlay keeps it current after that.
    fn order_touched(&mut self) {
        if self.by_free.is_none() {
            let mut entries: Vec<(u64, NodeId)> = self.touched.iter().map(|t| (t.free_gpu_milli, t.node)).collect();
            entries.sort_unstable();
            self.by_free = Some(TouchedOrder { entries });
        }
    }

    /// The touched nodes by (free milli-GPU, id), once [`Trial::order_touched`] built them.
    fn touched_order(&self) -> &TouchedOrder {
        self.by_free.as_ref().expect("ordered by order_touched first")
    }

    /// The task on the node left with the least free GPU capacity after it (ties to the lower
    /// node id), or `None` (best fit).
    pub fn best_fit(&mut self, request: &TaskRequest, allowed: GpuTypeSet) -> Option<TaskAlloc> {
        let found = self.search_best_fit(request, allowed);
        self.propose(found)
    }

    fn search_best_fit(&mut self, request: &TaskRequest, allowed: GpuTypeSet) -> Option<TaskAlloc> {
        if self.only_preferred {
            return self.preferred_by(request, allowed, |free, node| (free, node));
        }
        self.order_touched();
        let need = request.gpu_milli();
        let mut best = self
            .touched_order()
            .at_least(need)
            .iter()
            .find_map(|&(free, node)| Some((free, self.fit(node, request, allowed)?)));
        for ty in self.models(request, allowed) {
            let index = self.cluster.free_index();
            let mut bucket = index.bucket_at_or_above(ty, need);
            while let Some(free) = bucket {
                if best.as_ref().is_some_and(|&(b, _)| b < free) {
                    break;
                }
                if let Some(task) = self.first_untouched_in_bucket(ty, free, request, allowed) {
                    if best.as_ref().is_none_or(|&(b, t)| (free, task.node) < (b, t.node)) {
                        best = Some((free, task));
                    }
                    break;
                }
                bucket = index.bucket_at_or_above(ty, free + 1);
            }
        }
        best.map(|(_, task)| task)
    }

    /// The task on the node left with the most free GPU capacity after it (ties to the lower
    /// node id), or `None` (worst fit).
    pub fn worst_fit(&mut self, request: &TaskRequest, allowed: GpuTypeSet) -> Option<TaskAlloc> {
        let found = self.search_worst_fit(request, allowed);
        self.propose(found)
    }

    fn search_worst_fit(&mut self, request: &TaskRequest, allowed: GpuTypeSet) -> Option<TaskAlloc> {
        if self.only_preferred {
            return self.preferred_by(request, allowed, |free, node| (std::cmp::Reverse(free), node));
        }
        self.order_touched();
        let need = request.gpu_milli();
        let mut best: Option<(u64, TaskAlloc)> = None;
        for &(free, node) in self.touched_order().at_least(need).iter().rev() {
            if best.as_ref().is_some_and(|&(b, _)| free < b) {
                break;
            }
            if let Some(task) = self.fit(node, request, allowed) {
                best = Some((free, task));
            }
        }
        for ty in self.models(request, allowed) {
            let index = self.cluster.free_index();
            let mut bucket = index.bucket_below(ty, u64::MAX).filter(|&f| f >= need);
            while let Some(free) = bucket {
                if best.as_ref().is_some_and(|&(b, _)| b > free) {
                    break;
                }
                if let Some(task) = self.first_untouched_in_bucket(ty, free, request, allowed) {
                    if best.as_ref().is_none_or(|&(b, t)| (free, t.node) > (b, task.node)) {
                        best = Some((free, task));
                    }
                    break;
                }
                bucket = index.bucket_below(ty, free).filter(|&f| f >= need);
            }
        }
        best.map(|(_, task)| task)
    }

    /// The task on the lowest-numbered node it fits now, or `None` (first fit).
    pub fn first_fit(&mut self, request: &TaskRequest, allowed: GpuTypeSet) -> Option<TaskAlloc> {
        let found = self.search_first_fit(request, allowed);
        self.propose(found)
    }

    fn search_first_fit(&mut self, request: &TaskRequest, allowed: GpuTypeSet) -> Option<TaskAlloc> {
        if self.only_preferred {
            return self.preferred.iter().find_map(|&node| self.fit(node, request, allowed));
        }
        self.order_touched();
        let need = request.gpu_milli();
        let touched = self
            .touched_order()
            .at_least(need)
            .iter()
            .filter_map(|&(_, node)| self.fit(node, request, allowed))
            .min_by_key(|task| task.node);
        let mut from = self.cursors.first_fit_from(request, allowed);
        let index = self.cluster.free_index();
        let mut untouched = None;
        while let Some(node) = index.first_at_least(from, need) {
            if touched.as_ref().is_some_and(|t| t.node < node) {
                break;
            }
            if !self.is_touched(node)
                && let Some(task) = self.fit_at(node, || None, request, allowed)
            {
                untouched = Some(task);
                break;
            }
            from = node.index() + 1;
        }
        self.cursors.set_first_fit_from(request, allowed, from);
        match (touched, untouched) {
            (Some(t), Some(u)) => Some(if t.node < u.node { t } else { u }),
            (t, u) => t.or(u),
        }
    }

    /// Puts in `nodes` every node with at least `need` milli-GPU free after the tentative tasks
    /// (`need` > 0), unless there are more than `limit`; returns whether it did (`nodes` is
    /// then complete, in no particular order; else it is left partial). No other node can take
    /// a task asking for `need`: a caller restricting where such a task may go need look at
    /// these alone. O(found × log nodes), so a nearly full cluster is searched in a few steps.
    pub fn nodes_with_at_least(&self, need: u64, limit: usize, nodes: &mut Vec<NodeId>) -> bool {
        debug_assert!(need > 0, "every node has nothing free");
        nodes.clear();
        nodes.extend(self.touched.iter().filter(|t| t.free_gpu_milli >= need).map(|t| t.node));
        let index = self.cluster.free_index();
        let mut from = 0;
        while let Some(node) = index.first_at_least(from, need) {
            if !self.is_touched(node) {
                if nodes.len() == limit {
                    return false;
                }
                nodes.push(node);
            }
            from = node.index() + 1;
        }
        nodes.len() <= limit
    }

    /// The most free GPU capacity on one schedulable node of the trial, in milli-GPU.
    pub fn max_free_gpu_milli(&self) -> u64 {
        let touched = self.touched.iter().map(|t| t.free_gpu_milli).max().unwrap_or(0);
        let index = self.cluster.free_index();
        let untouched = (0..self.cluster.gpu_type_names().len())
            .filter_map(|ty| {
                let ty = GpuTypeId::from_index(ty);
                let mut bucket = index.bucket_below(ty, u64::MAX);
                while let Some(free) = bucket.filter(|&f| f > touched) {
                    if index.bucket(ty, free, NodeId(0)).any(|n| !self.is_touched(n)) {
                        return Some(free);
                    }
                    bucket = index.bucket_below(ty, free);
                }
                None
            })
            .max()
            .unwrap_or(0);
        touched.max(untouched)
    }

    /// The GPU models a request may be placed on (every model for a task without GPUs).
    fn models(&self, request: &TaskRequest, allowed: GpuTypeSet) -> impl Iterator<Item = GpuTypeId> + use<> {
        let count = self.cluster.gpu_type_names().len();
        let any = request.gpus == 0;
        (0..count)
            .map(GpuTypeId::from_index)
            .filter(move |&ty| any || allowed.contains(ty))
    }

    /// The first node of the cluster's bucket (`ty`, `free`) that the trial has not touched and
    /// that fits, resuming where the last search of this request in this bucket stopped.
    fn first_untouched_in_bucket(
        &mut self,
        ty: GpuTypeId,
        free: u64,
        request: &TaskRequest,
        allowed: GpuTypeSet,
    ) -> Option<TaskAlloc> {
        let key = ((*request, allowed.0), ty, free);
        let from = self.cursors.bucket_from(&key);
        let mut resume = from;
        let mut found = None;
        let cluster = self.cluster;
        for node in cluster.free_index().bucket(ty, free, from) {
            if !self.is_touched(node)
                && let Some(task) = self.fit_at(node, || None, request, allowed)
            {
                found = Some(task);
                break;
            }
            resume = NodeId(node.0 + 1);
        }
        if found.is_none() {
            resume = NodeId(u32::MAX);
        }
        self.cursors.set_bucket(key, resume);
        found
    }

    /// The preferred node that fits with the smallest `key` of (free GPU capacity before the
    /// task, node).
    fn preferred_by<K: Ord>(
        &self,
        request: &TaskRequest,
        allowed: GpuTypeSet,
        key: impl Fn(u64, NodeId) -> K,
    ) -> Option<TaskAlloc> {
        self.preferred
            .iter()
            .filter_map(|&node| self.fit(node, request, allowed))
            .min_by_key(|task| key(self.free_gpu_milli(task.node), task.node))
    }
}
