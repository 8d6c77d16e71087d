//! The openb node lists (`openb_node_list_*.csv`): `sn, cpu_milli, memory_mib, gpu, model`,
//! one server per row. `model` is kept as written (`V100M16`, `G2`, …) and is empty on CPU-only
//! nodes. The file has no racks: [`crate::nodes`] groups the nodes into racks.

use std::io::Read;

use sim_core::cluster::NodeSpec;

use crate::columns::{ColumnSpec, map_header};
use crate::error::{Location, TraceError, from_csv};
use crate::fields;
use crate::lines::{LfReader, record_line};

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
    let mut csv = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(LfReader::new(reader));
    let header = csv.headers().map_err(|e| from_csv(file, e))?.clone();
    let columns = map_header(file, &header, NODE_COLUMNS)?;
    let mut nodes = Vec::new();
    let mut record = csv::StringRecord::new();
    while csv.read_record(&mut record).map_err(|e| from_csv(file, e))? {
        let at = Location {
            file,
            line: record_line(csv.position().line(), &record),
        };
        if nodes.len() == max_nodes {
            return Err(at.too_many_nodes(max_nodes));
        }
        if record.len() != header.len() {
            return Err(at.row(format!(
                "expected {} fields like the header, found {}",
                header.len(),
                record.len()
            )));
        }
        let get = |i: usize| columns[i].map_or("", |c| record[c].trim());
        let whole = |i: usize| fields::integer_at_least(get(i), 0).map_err(|e| at.field(NODE_COLUMNS[i].0, e));
        if get(0).is_empty() {
            return Err(at.field("sn", "is empty"));
        }
        let gpus = u32::try_from(whole(3)?).map_err(|_| at.field("gpu", "too large"))?;
        if gpus > 0 && get(4).is_empty() {
            return Err(at.field("model", format!("is empty on a node with {gpus} GPUs")));
        }
        nodes.push(NodeSpec {
            name: get(0).to_string(),
            rack: String::new(),
            gpus,
            gpu_type: get(4).to_string(),
            cpu_milli: whole(1)?,
            mem_mib: whole(2)?,
        });
    }
    Ok(nodes)
}
