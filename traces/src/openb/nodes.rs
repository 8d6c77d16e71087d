//! The openb node lists (`openb_node_list_*.csv`): `sn, cpu_milli, memory_mib, gpu, model`,
//! one server per row. `model` is kept as written (`V100M16`, `G2`, …) and is empty on CPU-only
//! nodes. The file has no racks: [`crate::nodes`] groups the nodes into racks.

use std::io::Read;

use sim_core::cluster::NodeSpec;

use crate::columns::ColumnSpec;
use crate::error::TraceError;
use crate::fields;
use crate::rows::{CsvRows, collect_nodes};

/// The columns of a node list, all required.
const NODE_COLUMNS: &ColumnSpec = &[
    ("sn", true),
    ("cpu_milli", true),
    ("memory_mib", true),
    ("gpu", true),
    ("model", true),
];

/// Reads every node of an openb node list (racks left empty).
pub(crate) fn read(file: &str, reader: impl Read, max_nodes: usize) -> Result<Vec<NodeSpec>, TraceError> {
    let (rows, columns) = CsvRows::with_header(file, reader, NODE_COLUMNS)?;
    collect_nodes(rows, max_nodes, "sn", |record, at| {
        let get = |i: usize| columns[i].map_or("", |c| record[c].trim());
        let whole = |i: usize| fields::integer_at_least(get(i), 0).map_err(|e| at.field(NODE_COLUMNS[i].0, e));
        if get(0).is_empty() {
            return Err(at.field("sn", "is empty"));
        }
        let gpus = u32::try_from(whole(3)?).map_err(|_| at.field("gpu", "too large"))?;
        if gpus > 0 && get(4).is_empty() {
            return Err(at.field("model", format!("is empty on a node with {gpus} GPUs")));
        }
        Ok(Some(NodeSpec {
            name: get(0).to_string(),
            rack: String::new(),
            gpus,
            gpu_type: get(4).to_string(),
            cpu_milli: whole(1)?,
            mem_mib: whole(2)?,
        }))
    })
}
