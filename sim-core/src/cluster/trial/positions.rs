//! Where each touched node sits in a trial's overlay, once it touches more than a few.

use rustc_hash::FxHashMap;

use crate::ids::NodeId;

/// Clusters of at most this many nodes index the touched nodes of any trial by a table over
/// every node id (4 bytes a node, filled once per trial that touches many); on larger ones only a
/// trial whose index is kept from round to round does ([`Positions::build_in`]: its table is
/// filled once and emptied node by node), others use a hash map, so a trial on a huge cluster
/// never fills or copies a table of its size.
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

    /// The index of a trial kept from round to round, built in the memory of `spare` (the
    /// emptied index of the earlier trial on the same cluster, or `Unbuilt`): a table at any
    /// cluster size, since it is filled once and then emptied by the nodes each trial touched.
    /// A trial that touches many nodes of a large cluster would otherwise insert each into a
    /// hash map every round (a wide job on 25,600 nodes: a sixth of a replay).
    pub(super) fn build_in(spare: Positions, touched: impl Iterator<Item = NodeId>, nodes: usize) -> Positions {
        let mut positions = match spare {
            Positions::Table(table) if table.len() == nodes => Positions::Table(table),
            _ => Positions::Table(vec![ABSENT; nodes]),
        };
        debug_assert!(
            nodes > TABLE_UP_TO || positions.is_empty(),
            "a spare index holds no node"
        );
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

    /// The index of a copy of the trial whose overlay holds `touched`: a table as large as a
    /// cluster above [`TABLE_UP_TO`] nodes (only a kept trial's) is built again as a map.
    pub(super) fn copy(&self, touched: impl Iterator<Item = NodeId>, nodes: usize) -> Positions {
        match self {
            Positions::Table(table) if table.len() > TABLE_UP_TO => Positions::build(touched, nodes),
            kept => kept.clone(),
        }
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

    #[test]
    fn a_kept_index_is_a_table_at_any_size_and_its_copies_are_maps() {
        // On a 5,000-node cluster a new trial's index is a map, a kept trial's a table (first
        // built from nothing, then in the emptied table); a copy of the table is a map that
        // answers alike: 4,999 at 0, 12 at 1, nothing else.
        let touched = [NodeId(4999), NodeId(12)];
        assert!(matches!(Positions::build(touched.into_iter(), 5000), Positions::Map(_)));
        let first = Positions::build_in(Positions::Unbuilt, touched.into_iter(), 5000);
        let again = Positions::build_in(first.emptied(touched.into_iter()), touched.into_iter(), 5000);
        assert!(matches!(again, Positions::Table(ref t) if t.len() == 5000));
        let copy = again.copy(touched.into_iter(), 5000);
        assert!(matches!(copy, Positions::Map(_)));
        for index in [&again, &copy] {
            let found: Vec<Option<usize>> = [4999, 12, 0].iter().map(|&n| index.get(NodeId(n))).collect();
            assert_eq!(found, [Some(0), Some(1), None]);
        }
        // A small cluster's table is copied as it is.
        let table = Positions::build([NodeId(3)].into_iter(), 16);
        assert!(matches!(table.copy([NodeId(3)].into_iter(), 16), Positions::Table(_)));
    }
}
