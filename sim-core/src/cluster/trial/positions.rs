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
}
