//! Where each touched node sits in a trial's overlay, once it touches more than a few.

use rustc_hash::FxHashMap;

use crate::ids::NodeId;

/// Clusters of at most this many nodes index the touched nodes by a table over every node id
/// (4 bytes a node, filled once per trial that touches many); larger ones by a hash map, so a
/// trial on a huge cluster never clears a table of its size.
const TABLE_UP_TO: usize = 4096;

/// A table entry for a node not touched.
const ABSENT: u32 = u32::MAX;

/// The position in the overlay of each touched node.
#[derive(Clone, Debug)]
pub(super) enum Positions {
    /// Not built: the overlay is short enough to scan.
    Unbuilt,
    /// One entry per node id of the cluster.
    Table(Vec<u32>),
    /// A map from the touched nodes.
    Map(FxHashMap<NodeId, u32>),
}

impl Positions {
    /// Built from the overlay's nodes in order, for a cluster of `nodes` nodes.
    pub(super) fn build(touched: impl Iterator<Item = NodeId>, nodes: usize) -> Positions {
        let mut positions = if nodes <= TABLE_UP_TO {
            Positions::Table(vec![ABSENT; nodes])
        } else {
            Positions::Map(FxHashMap::default())
        };
        for (i, node) in touched.enumerate() {
            positions.insert(node, i);
        }
        positions
    }

    /// Built as [`Positions::build`] builds, in the memory of `spare` (an emptied index of an
    /// earlier trial on the same cluster) when it is of the kind `nodes` calls for: a trial that
    /// touches many nodes of a large cluster would otherwise grow a new map, rehashing as it
    /// goes, every round.
    pub(super) fn build_in(spare: Positions, touched: impl Iterator<Item = NodeId>, nodes: usize) -> Positions {
        let mut positions = match spare {
            Positions::Table(table) if nodes <= TABLE_UP_TO && table.len() == nodes => Positions::Table(table),
            Positions::Map(map) if nodes > TABLE_UP_TO => Positions::Map(map),
            _ => return Positions::build(touched, nodes),
        };
        debug_assert!(positions.is_empty(), "a spare index holds no node");
        for (i, node) in touched.enumerate() {
            positions.insert(node, i);
        }
        positions
    }

    /// The index emptied of `touched` (every node it holds), its memory kept for
    /// [`Positions::build_in`].
    pub(super) fn emptied(mut self, touched: impl Iterator<Item = NodeId>) -> Positions {
        match &mut self {
            Positions::Unbuilt => {}
            Positions::Table(table) => {
                for node in touched {
                    table[node.index()] = ABSENT;
                }
            }
            Positions::Map(map) => map.clear(),
        }
        self
    }

    /// True when no node is recorded (checked in debug builds only: O(nodes) for a table).
    fn is_empty(&self) -> bool {
        match self {
            Positions::Unbuilt => true,
            Positions::Table(table) => table.iter().all(|&p| p == ABSENT),
            Positions::Map(map) => map.is_empty(),
        }
    }

    /// True once built.
    #[inline]
    pub(super) fn is_built(&self) -> bool {
        !matches!(self, Positions::Unbuilt)
    }

    /// The position of `node`, if touched (`None` also while unbuilt: scan instead).
    #[inline]
    pub(super) fn get(&self, node: NodeId) -> Option<usize> {
        match self {
            Positions::Unbuilt => None,
            Positions::Table(table) => table.get(node.index()).filter(|&&p| p != ABSENT).map(|&p| p as usize),
            Positions::Map(map) => map.get(&node).map(|&p| p as usize),
        }
    }

    /// Records that `node` is at `position`.
    #[inline]
    pub(super) fn insert(&mut self, node: NodeId, position: usize) {
        match self {
            Positions::Unbuilt => {}
            Positions::Table(table) => table[node.index()] = position as u32,
            Positions::Map(map) => insert_mapped(map, node, position),
        }
    }
}

/// [`Positions::insert`] into a map, kept out of line so that the table's insert, one store,
/// is inlined where a wide job's nodes are taken.
#[inline(never)]
fn insert_mapped(map: &mut FxHashMap<NodeId, u32>, node: NodeId, position: usize) {
    map.insert(node, position as u32);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_and_map_answer_alike() {
        // Nodes 7, 3 and 9 touched in that order (positions 0, 1, 2), then node 4 at 3; a
        // 16-node cluster uses the table, a 5,000-node one the map; both give the same answers,
        // and untouched nodes have none.
        for nodes in [16, 5000] {
            let mut positions = Positions::build([NodeId(7), NodeId(3), NodeId(9)].into_iter(), nodes);
            positions.insert(NodeId(4), 3);
            assert_eq!(matches!(positions, Positions::Table(_)), nodes == 16);
            let found: Vec<Option<usize>> = [7, 3, 9, 4, 0, 15].iter().map(|&n| positions.get(NodeId(n))).collect();
            assert_eq!(found, [Some(0), Some(1), Some(2), Some(3), None, None]);
        }
        assert_eq!(Positions::Unbuilt.get(NodeId(0)), None);
    }

    #[test]
    fn an_emptied_index_is_built_again_as_a_new_one() {
        // Nodes 7 and 3 touched, emptied, then 9 and 7 touched in a reused index: it answers as
        // one built afresh (9 at 0, 7 at 1, 3 absent), for the table and the map alike.
        for nodes in [16, 5000] {
            let used = Positions::build([NodeId(7), NodeId(3)].into_iter(), nodes);
            let spare = used.emptied([NodeId(7), NodeId(3)].into_iter());
            assert!(spare.is_empty());
            let reused = Positions::build_in(spare, [NodeId(9), NodeId(7)].into_iter(), nodes);
            let found: Vec<Option<usize>> = [9, 7, 3].iter().map(|&n| reused.get(NodeId(n))).collect();
            assert_eq!(found, [Some(0), Some(1), None]);
        }
        // A table of another cluster's size is not reused.
        let spare = Positions::build(std::iter::empty(), 16);
        let built = Positions::build_in(spare, [NodeId(20)].into_iter(), 32);
        assert_eq!(built.get(NodeId(20)), Some(0));
    }
}
