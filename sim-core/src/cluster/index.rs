//! Where free GPU capacity is: the nodes that are up, ordered by (GPU model, free milli-GPU, id),
//! and a max-tree of free capacity by node id. The cluster keeps both current on every change,
//! so a placement finds the best, worst or first node that can hold a task in logarithmic time
//! instead of scanning every node, and the largest free block is known at once.

use std::collections::BTreeSet;

use super::Node;
use crate::ids::{GpuTypeId, NodeId};

/// The free GPU capacity of every schedulable node, indexed two ways.
#[derive(Clone, Debug)]
pub(crate) struct FreeIndex {
    /// `(model, free milli-GPU, node)` of every node that is up (an unreachable one is listed;
    /// placements skip it), packed by [`key`] so that the set compares plain integers.
    by_free: BTreeSet<u64>,
    /// The key each node has in `by_free`, or `None` while it is down.
    keys: Vec<Option<(GpuTypeId, u64)>>,
    /// Max segment tree over node ids of free milli-GPU (−1 for nodes that are down);
    /// leaves start at `leaves`.
    tree: Vec<i64>,
    leaves: usize,
}

/// Bits of a packed key below the node id and below the free amount.
const NODE_BITS: u32 = 32;
const FREE_BITS: u32 = 24;

/// `(model, free, node)` packed into one integer with the same order: the model in the top 8
/// bits, the free milli-GPU (at most 64 × 1000 < 2^24) in the next 24, the node in the low 32.
fn key(ty: GpuTypeId, free: u64, node: NodeId) -> u64 {
    debug_assert!(free < 1 << FREE_BITS && ty.0 < 256);
    (u64::from(ty.0) << (FREE_BITS + NODE_BITS)) | (free << NODE_BITS) | u64::from(node.0)
}

/// The free amount and node of a packed key.
fn unpack(key: u64) -> (u64, NodeId) {
    ((key >> NODE_BITS) & ((1 << FREE_BITS) - 1), NodeId(key as u32))
}

/// The first packed key of model `ty` with `free` milli-GPU free (saturating past the range).
fn bucket_start(ty: GpuTypeId, free: u64) -> u64 {
    if free >= 1 << FREE_BITS {
        key(GpuTypeId(ty.0 + 1), 0, NodeId(0))
    } else {
        key(ty, free, NodeId(0))
    }
}

impl FreeIndex {
    /// The index of `nodes` as they are.
    pub(crate) fn new(nodes: &[Node]) -> FreeIndex {
        let leaves = nodes.len().next_power_of_two().max(1);
        let mut index = FreeIndex {
            by_free: BTreeSet::new(),
            keys: vec![None; nodes.len()],
            tree: vec![-1; 2 * leaves],
            leaves,
        };
        for (i, node) in nodes.iter().enumerate() {
            index.update(NodeId::from_index(i), node);
        }
        index
    }

    /// Brings the entry of `id` up to date with `node`.
    pub(crate) fn update(&mut self, id: NodeId, node: &Node) {
        let key = node.up.then_some((node.gpu_type, node.free_gpu_milli));
        let slot = &mut self.keys[id.index()];
        if *slot == key {
            return;
        }
        if let Some((ty, free)) = slot.take() {
            self.by_free.remove(&self::key(ty, free, id));
        }
        if let Some((ty, free)) = key {
            self.by_free.insert(self::key(ty, free, id));
        }
        *slot = key;
        let mut at = self.leaves + id.index();
        self.tree[at] = key.map_or(-1, |(_, free)| free as i64);
        while at > 1 {
            at /= 2;
            self.tree[at] = self.tree[2 * at].max(self.tree[2 * at + 1]);
        }
    }

    /// Checks every entry against `nodes` (the engine's debug-build check after each instant).
    pub(crate) fn check(&self, nodes: &[Node]) -> Result<(), String> {
        for (i, node) in nodes.iter().enumerate() {
            let key = node.up.then_some((node.gpu_type, node.free_gpu_milli));
            let leaf = key.map_or(-1, |(_, free)| free as i64);
            if self.keys[i] != key || self.tree[self.leaves + i] != leaf {
                return Err(format!(
                    "node `{}` is out of step with the free-capacity index",
                    node.name
                ));
            }
        }
        if self.by_free.len() != self.keys.iter().flatten().count() {
            return Err("the free-capacity index lists nodes twice or not at all".into());
        }
        Ok(())
    }

    /// The most free GPU capacity on one node that is up, in milli-GPU.
    pub(crate) fn max_free(&self) -> u64 {
        self.tree[1].max(0) as u64
    }

    /// The smallest free amount of model `ty` that is at least `at_least`, if any.
    pub(crate) fn bucket_at_or_above(&self, ty: GpuTypeId, at_least: u64) -> Option<u64> {
        let end = bucket_start(GpuTypeId(ty.0 + 1), 0);
        self.by_free
            .range(bucket_start(ty, at_least)..end)
            .next()
            .map(|&k| unpack(k).0)
    }

    /// The largest free amount of model `ty` that is below `below`, if any.
    pub(crate) fn bucket_below(&self, ty: GpuTypeId, below: u64) -> Option<u64> {
        self.by_free
            .range(bucket_start(ty, 0)..bucket_start(ty, below))
            .next_back()
            .map(|&k| unpack(k).0)
    }

    /// The nodes of model `ty` with exactly `free` milli-GPU free, from node `from` on, in id order.
    pub(crate) fn bucket(&self, ty: GpuTypeId, free: u64, from: NodeId) -> impl Iterator<Item = NodeId> + '_ {
        self.by_free
            .range(key(ty, free, from)..bucket_start(ty, free + 1))
            .map(|&k| unpack(k).1)
    }

    /// The lowest node id at or after `from` with at least `need` milli-GPU free.
    pub(crate) fn first_at_least(&self, from: usize, need: u64) -> Option<NodeId> {
        if from >= self.keys.len() || self.tree[1] < need as i64 {
            return None;
        }
        self.descend(1, 0, self.leaves, from, need as i64)
            .map(NodeId::from_index)
    }

    fn descend(&self, at: usize, lo: usize, hi: usize, from: usize, need: i64) -> Option<usize> {
        if hi <= from || self.tree[at] < need {
            return None;
        }
        if hi - lo == 1 {
            return (lo < self.keys.len()).then_some(lo);
        }
        let mid = (lo + hi) / 2;
        self.descend(2 * at, lo, mid, from, need)
            .or_else(|| self.descend(2 * at + 1, mid, hi, from, need))
    }
}
