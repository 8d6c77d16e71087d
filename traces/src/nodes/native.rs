//! The native nodes file: one node per row, columns `node, rack, gpus, gpu_type, cpus, mem_gib`
//! (any order; `x_` columns ignored; CPUs in cores, memory in GiB).

use std::io::Read;

use sim_core::cluster::NodeSpec;

use crate::columns::ColumnSpec;
use crate::error::TraceError;
use crate::fields;
use crate::rows::{CsvRows, collect_nodes};

/// The columns of a nodes file, all required, in the order rows are read.
const NODE_COLUMNS: &ColumnSpec = &[
    ("node", true),
    ("rack", true),
    ("gpus", true),
    ("gpu_type", true),
    ("cpus", true),
    ("mem_gib", true),
];

/// Reads every node of a native nodes file.
pub(crate) fn read(file: &str, reader: impl Read, max_nodes: usize) -> Result<Vec<NodeSpec>, TraceError> {
    let (rows, columns) = CsvRows::with_header(file, reader, NODE_COLUMNS)?;
    collect_nodes(rows, max_nodes, "node", |record, at| {
        let field = |i: usize| columns[i].map_or("", |c| record[c].trim());
        let name = field(0).to_string();
        if name.is_empty() {
            return Err(at.field("node", "is empty"));
        }
        let gpus = fields::integer_at_least(field(2), 0).map_err(|e| at.field("gpus", e))?;
        if gpus > 0 && field(3).is_empty() {
            // A job naming GPU models could never tell what it would run on (as a generated
            // node, a node with GPUs names their model).
            return Err(at.field(
                "gpu_type",
                format!("is empty on a node with {gpus} GPUs; name their model"),
            ));
        }
        Ok(Some(NodeSpec {
            name,
            rack: field(1).to_string(),
            gpus: u32::try_from(gpus).map_err(|_| at.field("gpus", "too large"))?,
            gpu_type: field(3).to_string(),
            cpu_milli: fields::scaled(field(4), 1000.0).map_err(|e| at.field("cpus", e))?,
            mem_mib: fields::scaled(field(5), 1024.0).map_err(|e| at.field("mem_gib", e))?,
        }))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_node_with_gpus_names_their_model() {
        let text = "node,rack,gpus,gpu_type,cpus,mem_gib\na,r0,8,A100,96,1024\nb,r0,8,,96,1024\nc,r0,0,,32,128\n";
        let err = read("n.csv", text.as_bytes(), 10).unwrap_err().to_string();
        assert_eq!(
            err,
            "n.csv:3: column `gpu_type`: is empty on a node with 8 GPUs; name their model"
        );
        // Without GPUs the model may be left out.
        assert_eq!(
            read("n.csv", text.replace("b,r0,8,,", "b,r0,8,T4,").as_bytes(), 10)
                .unwrap()
                .len(),
            3
        );
    }

    #[test]
    fn reads_nodes_in_any_column_order() {
        let text = "rack,node,gpus,gpu_type,cpus,mem_gib,x_note\nr0,a,8,A100-80GB,96,1024,hi\nr1,b,0,,32,128,\n";
        let nodes = read("n.csv", text.as_bytes(), usize::MAX).unwrap();
        assert_eq!(nodes.len(), 2);
        assert_eq!(nodes[0].name, "a");
        assert_eq!(nodes[0].cpu_milli, 96_000);
        assert_eq!(nodes[0].mem_mib, 1024 * 1024);
        assert_eq!(nodes[1].gpus, 0);
    }

    #[test]
    fn a_node_named_twice_is_refused_naming_both_lines() {
        let text =
            "node,rack,gpus,gpu_type,cpus,mem_gib\na,r0,8,A100,96,1024\nb,r0,8,A100,96,1024\na,r1,8,A100,96,1024\n";
        let err = read("n.csv", text.as_bytes(), usize::MAX).unwrap_err();
        assert_eq!(
            err.to_string(),
            "n.csv:4: column `node`: `a` appears twice (first on line 2); node names must be unique"
        );
    }

    #[test]
    fn errors_name_line_and_field() {
        let err = read(
            "n.csv",
            "node,rack,gpus,gpu_type,cpus,mem_gib\na,r,x,T4,1,1\n".as_bytes(),
            usize::MAX,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "n.csv:2: column `gpus`: expected a whole number ≥ 0, got `x`"
        );
        let err = read("n.csv", "node,rack,gpus\n".as_bytes(), usize::MAX).unwrap_err();
        assert_eq!(
            err.to_string(),
            "n.csv:1: missing required column(s): gpu_type, cpus, mem_gib"
        );
    }
}
