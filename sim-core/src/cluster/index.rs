//! Where free GPU capacity is: the nodes that are up, grouped by (GPU model, free milli-GPU)
//! in id order, and a max-tree of free capacity by node id. The cluster keeps both current on
//! every change, so a placement finds the best, worst or first node that can hold a task in
//! logarithmic time instead of scanning every node, and the largest free block is known at once.

use std::sync::OnceLock;

use super::{InvariantError, Node};
use crate::ids::{GpuTypeId, NodeId};

/// A set of node ids: a sorted list while small, a bit set once large (so that moving a node
/// between amounts costs a shift of a short list or one bit, never a tree rebalance).
#[derive(Clone, Debug)]
enum NodeSet {
    List(Vec<u32>),
    Bits { words: Vec<u64>, len: usize },
}

/// Members past which a list becomes a bit set.
const LIST_LIMIT: usize = 128;

/// Clusters of at most this many nodes keep every set as bits from the start: the words are
/// few enough to scan, and moving a node costs one bit instead of a shift of a list.
const BITS_UP_TO: usize = 1024;

impl NodeSet {
    /// An empty set of ids below `universe`.
    fn empty(universe: usize) -> NodeSet {
        if universe <= BITS_UP_TO {
            NodeSet::Bits {
                words: vec![0; universe.div_ceil(64)],
                len: 0,
            }
        } else {
            NodeSet::List(Vec::new())
        }
    }

    fn len(&self) -> usize {
        match self {
            NodeSet::List(ids) => ids.len(),
            NodeSet::Bits { len, .. } => *len,
        }
    }

    fn insert(&mut self, id: u32, universe: usize) {
        match self {
            NodeSet::List(ids) => {
                let at = ids.partition_point(|&i| i < id);
                ids.insert(at, id);
                if ids.len() > LIST_LIMIT {
                    let mut words = vec![0u64; universe.div_ceil(64)];
                    for &i in ids.iter() {
                        words[i as usize / 64] |= 1 << (i % 64);
                    }
                    *self = NodeSet::Bits { len: ids.len(), words };
                }
            }
            NodeSet::Bits { words, len } => {
                words[id as usize / 64] |= 1 << (id % 64);
                *len += 1;
            }
        }
    }

    fn remove(&mut self, id: u32) {
        match self {
            NodeSet::List(ids) => {
                let at = ids.partition_point(|&i| i < id);
                debug_assert_eq!(ids.get(at), Some(&id), "node missing from its amount");
                ids.remove(at);
            }
            NodeSet::Bits { words, len } => {
                words[id as usize / 64] &= !(1 << (id % 64));
                *len -= 1;
            }
        }
    }

    /// The smallest member at or after `from`.
    fn first_from(&self, from: u32) -> Option<u32> {
        match self {
            NodeSet::List(ids) => ids.get(ids.partition_point(|&i| i < from)).copied(),
            NodeSet::Bits { words, .. } => {
                let mut word = from as usize / 64;
                let mut bits = *words.get(word)? & (!0u64 << (from % 64));
                loop {
                    if bits != 0 {
                        return Some((word * 64) as u32 + bits.trailing_zeros());
                    }
                    word += 1;
                    bits = *words.get(word)?;
                }
            }
        }
    }
}

/// The node sets of one GPU model by free amount, sorted by amount: a node's move between
/// amounts finds both by binary search, and amounts are few (whole GPUs, or the shares a
/// workload uses). The amounts are a list of their own, so that search reads consecutive
/// numbers.
#[derive(Clone, Debug, Default)]
struct Amounts {
    /// The amounts that some node has, ascending.
    amounts: Vec<u64>,
    /// The nodes with each amount, in the order of `amounts`.
    sets: Vec<NodeSet>,
}

impl Amounts {
    /// The position of the first amount at or above `free`.
    fn position(&self, free: u64) -> usize {
        self.amounts.partition_point(|&f| f < free)
    }

    /// The nodes with exactly `free` milli-GPU free, if any.
    fn get(&self, free: u64) -> Option<&NodeSet> {
        let at = self.position(free);
        (self.amounts.get(at) == Some(&free)).then(|| &self.sets[at])
    }

    /// Lists node `id` under `free`.
    fn insert(&mut self, free: u64, id: u32, universe: usize) {
        let at = self.position(free);
        if self.amounts.get(at) != Some(&free) {
            self.amounts.insert(at, free);
            self.sets.insert(at, NodeSet::empty(universe));
        }
        self.sets[at].insert(id, universe);
    }

    /// Unlists node `id` from `free`, dropping the amount once no node has it.
    fn remove(&mut self, free: u64, id: u32) {
        let at = self.position(free);
        debug_assert_eq!(self.amounts.get(at), Some(&free), "a listed node's amount is present");
        let set = &mut self.sets[at];
        set.remove(id);
        if set.len() == 0 {
            self.amounts.remove(at);
            self.sets.remove(at);
        }
    }
}

/// The free GPU capacity of every node that is up (an unreachable one is listed; placements
/// skip it), indexed two ways.
#[derive(Clone, Debug)]
pub(crate) struct FreeIndex {
    /// Per GPU model, the nodes by free milli-GPU: built by the first search by amount, then kept
    /// current. A run whose tasks all take whole nodes never searches by amount, and so never
    /// pays for keeping it.
    by_free: OnceLock<Vec<Amounts>>,
    /// How many GPU models the cluster has.
    models: usize,
    /// The amount each node is listed under, or `None` while it is down.
    keys: Vec<Option<(GpuTypeId, u64)>>,
    /// Max segment tree over node ids of free milli-GPU (−1 for nodes that are down); leaves
    /// start at `leaves`.
    tree: Vec<i64>,
    leaves: usize,
}

impl FreeIndex {
    /// The index of `nodes` as they are.
    pub(crate) fn new(nodes: &[Node]) -> FreeIndex {
        let leaves = nodes.len().next_power_of_two().max(1);
        let mut index = FreeIndex {
            by_free: OnceLock::new(),
            models: nodes.iter().map(|n| n.gpu_type.index() + 1).max().unwrap_or(0),
            keys: vec![None; nodes.len()],
            tree: vec![-1; 2 * leaves],
            leaves,
        };
        for (i, node) in nodes.iter().enumerate() {
            index.update(NodeId::from_index(i), node);
        }
        index
    }

    /// The nodes by free amount, per GPU model (built from the entries on first use).
    fn by_free(&self) -> &[Amounts] {
        self.by_free.get_or_init(|| {
            let universe = self.keys.len();
            let mut by_free = vec![Amounts::default(); self.models];
            for (id, key) in self.keys.iter().enumerate() {
                if let Some((ty, free)) = *key {
                    by_free[ty.index()].insert(free, id as u32, universe);
                }
            }
            by_free
        })
    }

    /// Brings the entry of `id` up to date with `node` (inlined into every change of a node's
    /// capacity: a call cost a fifth of its instructions).
    #[inline(always)]
    pub(crate) fn update(&mut self, id: NodeId, node: &Node) {
        let key = node.up.then_some((node.gpu_type, node.free_gpu_milli));
        let slot = &mut self.keys[id.index()];
        if *slot == key {
            return;
        }
        let before = std::mem::replace(slot, key);
        if self.by_free.get().is_some() {
            self.relist(id, before, key);
        }
        let mut at = self.leaves + id.index();
        let mut value = key.map_or(-1, |(_, free)| free as i64);
        self.tree[at] = value;
        while at > 1 {
            value = value.max(self.tree[at ^ 1]);
            at /= 2;
            if self.tree[at] == value {
                break;
            }
            self.tree[at] = value;
        }
    }

    /// Moves node `id` from amount `before` to amount `key` in the lists by amount (built).
    fn relist(&mut self, id: NodeId, before: Option<(GpuTypeId, u64)>, key: Option<(GpuTypeId, u64)>) {
        let universe = self.keys.len();
        let Some(by_free) = self.by_free.get_mut() else { return };
        if let Some((ty, free)) = before {
            by_free[ty.index()].remove(free, id.0);
        }
        if let Some((ty, free)) = key {
            by_free[ty.index()].insert(free, id.0, universe);
        }
    }

    /// Checks every entry against `nodes` (the engine's debug-build check after each instant).
    pub(crate) fn check(&self, nodes: &[Node]) -> Result<(), InvariantError> {
        for (i, node) in nodes.iter().enumerate() {
            let key = node.up.then_some((node.gpu_type, node.free_gpu_milli));
            let leaf = key.map_or(-1, |(_, free)| free as i64);
            if self.keys[i] != key || self.tree[self.leaves + i] != leaf {
                return Err(InvariantError::IndexEntry {
                    node: node.name.clone(),
                });
            }
        }
        if let Some(by_free) = self.by_free.get() {
            let listed: usize = by_free.iter().flat_map(|m| &m.sets).map(NodeSet::len).sum();
            if listed != self.keys.iter().flatten().count() {
                return Err(InvariantError::IndexListing);
            }
        }
        Ok(())
    }

    /// The most free GPU capacity on one node that is up, in milli-GPU.
    pub(crate) fn max_free(&self) -> u64 {
        self.tree[1].max(0) as u64
    }

    /// The smallest free amount of model `ty` that is at least `at_least`, if any.
    pub(crate) fn bucket_at_or_above(&self, ty: GpuTypeId, at_least: u64) -> Option<u64> {
        let amounts = self.by_free().get(ty.index())?;
        amounts.amounts.get(amounts.position(at_least)).copied()
    }

    /// The largest free amount of model `ty` that is below `below`, if any.
    pub(crate) fn bucket_below(&self, ty: GpuTypeId, below: u64) -> Option<u64> {
        let amounts = self.by_free().get(ty.index())?;
        amounts.position(below).checked_sub(1).map(|i| amounts.amounts[i])
    }

    /// The nodes of model `ty` with exactly `free` milli-GPU free, from node `from` on, in id order.
    pub(crate) fn bucket(&self, ty: GpuTypeId, free: u64, from: NodeId) -> impl Iterator<Item = NodeId> + '_ {
        let set = self.by_free().get(ty.index()).and_then(|m| m.get(free));
        let mut next = Some(from.0);
        std::iter::from_fn(move || {
            let id = set?.first_from(next?)?;
            next = id.checked_add(1);
            Some(NodeId(id))
        })
    }

    /// The lowest node id at or after `from` with at least `need` milli-GPU free.
    ///
    /// Climbs from the leaf of `from` to the first subtree on its right that holds enough, then
    /// descends to that subtree's leftmost leaf that does: O(log d) for an answer `d` leaves
    /// away, so the tasks of a wide job, placed on consecutive nodes, cost O(1) each.
    pub(crate) fn first_at_least(&self, from: usize, need: u64) -> Option<NodeId> {
        let need = need as i64;
        if from >= self.keys.len() || self.tree[1] < need {
            return None;
        }
        let mut at = self.leaves + from;
        while self.tree[at] < need {
            // Up past every subtree that is a right child (its right holds only later ids
            // already left of a checked sibling) or whose right sibling holds too little.
            while at % 2 == 1 || self.tree[at + 1] < need {
                at /= 2;
                if at <= 1 {
                    return None;
                }
            }
            at += 1;
            while at < self.leaves {
                at = if self.tree[2 * at] >= need { 2 * at } else { 2 * at + 1 };
            }
        }
        let id = at - self.leaves;
        (id < self.keys.len()).then(|| NodeId::from_index(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An index over `free` (−1: down) with only its tree filled in, which is all that
    /// `first_at_least` reads.
    fn tree_of(free: &[i64]) -> FreeIndex {
        let leaves = free.len().next_power_of_two().max(1);
        let mut tree = vec![-1; 2 * leaves];
        tree[leaves..leaves + free.len()].copy_from_slice(free);
        for at in (1..leaves).rev() {
            tree[at] = tree[2 * at].max(tree[2 * at + 1]);
        }
        FreeIndex {
            by_free: OnceLock::new(),
            models: 0,
            keys: vec![None; free.len()],
            tree,
            leaves,
        }
    }

    #[test]
    fn first_at_least_is_the_first_node_a_scan_finds() {
        // Every cluster size to 70 (powers of two and not), free amounts 0–8000 or down, every
        // start and need: the answer is the one a left-to-right scan from `from` gives.
        for len in 1..=70usize {
            let free: Vec<i64> = (0..len)
                .map(|i| match (i * 7 + len) % 11 {
                    0 => -1,
                    k => (k as i64 % 9) * 1000,
                })
                .collect();
            let index = tree_of(&free);
            for from in 0..=len + 1 {
                for need in [0, 1, 1000, 4000, 8000, 9000] {
                    let scan = (from..len).find(|&i| free[i] >= need as i64);
                    let found = index.first_at_least(from, need).map(NodeId::index);
                    assert_eq!(found, scan, "len {len}, from {from}, need {need}");
                }
            }
        }
    }

    #[test]
    fn amounts_built_on_the_first_search_answer_as_amounts_kept_from_the_start() {
        // Eight 4-GPU nodes; then node 1 has 3 GPUs free, node 4 none, node 6 two, and node 7
        // goes down. By amount: 4000 → nodes 0, 2, 3, 5; 3000 → 1; 2000 → 6; 0 → 4.
        let mut nodes = crate::cluster::tests::uniform(1, 8, 4).nodes().to_vec();
        let mut early = FreeIndex::new(&nodes);
        let mut late = early.clone();
        assert!(early.by_free().len() == 1 && late.by_free.get().is_none());
        for (node, free) in [(1, 3000), (4, 0), (6, 2000)] {
            nodes[node].free_gpu_milli = free;
        }
        nodes[7].up = false;
        for (i, node) in nodes.iter().enumerate() {
            early.update(NodeId::from_index(i), node);
            late.update(NodeId::from_index(i), node);
        }
        assert!(late.by_free.get().is_none(), "changes alone do not build the amounts");
        let ty = nodes[0].gpu_type;
        for index in [&early, &late] {
            let listed = |free| index.bucket(ty, free, NodeId(0)).map(NodeId::index).collect::<Vec<_>>();
            assert_eq!(listed(4000), [0, 2, 3, 5]);
            assert_eq!(listed(3000), [1]);
            assert_eq!(listed(2000), [6]);
            assert_eq!(listed(0), [4]);
            assert_eq!(index.bucket_at_or_above(ty, 2500), Some(3000));
            assert_eq!(index.bucket_below(ty, 2000), Some(0));
            assert_eq!(index.check(&nodes), Ok(()));
        }
    }

    #[test]
    fn sets_answer_alike_as_lists_and_as_bits() {
        // 300 members of a 1000-id universe: a list until 128, bits after.
        let mut set = NodeSet::List(Vec::new());
        let members: Vec<u32> = (0..300).map(|i| (i * 7919) % 1000).collect();
        for &m in &members {
            set.insert(m, 1000);
        }
        assert!(matches!(set, NodeSet::Bits { .. }));
        let mut sorted = members.clone();
        sorted.sort_unstable();
        for from in [0, 1, 63, 64, 500, 999] {
            assert_eq!(set.first_from(from), sorted.iter().copied().find(|&m| m >= from));
        }
        for &m in &members[..150] {
            set.remove(m);
        }
        assert_eq!(set.len(), 150);
        assert_eq!(set.first_from(0), members[150..].iter().copied().min());
        assert_eq!(set.first_from(1000), None);
    }
}
