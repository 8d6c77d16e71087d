//! The native nodes file: one node per row, columns `node, rack, gpus, gpu_type, cpus, mem_gib`
//! (any order; `x_` columns ignored; CPUs in cores, memory in GiB).

use std::io::Read;

use sim_core::cluster::NodeSpec;

use crate::error::{Location, TraceError, from_csv};
use crate::fields;
use crate::lines::{LfReader, record_line};

const NODE_COLUMNS: [&str; 6] = ["node", "rack", "gpus", "gpu_type", "cpus", "mem_gib"];

/// Reads every node of a native nodes file.
pub(crate) fn read(file: &str, reader: impl Read, max_nodes: usize) -> Result<Vec<NodeSpec>, TraceError> {
    let mut csv = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(LfReader::new(reader));
    let header = csv.headers().map_err(|e| from_csv(file, e))?.clone();
    let at = Location { file, line: 1 };
    let mut index = [usize::MAX; NODE_COLUMNS.len()];
    for (position, name) in header.iter().map(str::trim).enumerate() {
        match NODE_COLUMNS.iter().position(|c| *c == name) {
            Some(i) => index[i] = position,
            None if name.starts_with("x_") => {}
            None => {
                return Err(at.row(format!(
                    "unknown column `{name}`; a nodes file has {}",
                    NODE_COLUMNS.join(", ")
                )));
            }
        }
    }
    if let Some(i) = index.iter().position(|&p| p == usize::MAX) {
        return Err(at.row(format!(
            "missing column `{}`; a nodes file has {}",
            NODE_COLUMNS[i],
            NODE_COLUMNS.join(", ")
        )));
    }
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
        let field = |i: usize| record[index[i]].trim();
        let name = field(0).to_string();
        if name.is_empty() {
            return Err(at.field("node", "is empty"));
        }
        let gpus = fields::integer_at_least(field(2), 0).map_err(|e| at.field("gpus", e))?;
        nodes.push(NodeSpec {
            name,
            rack: field(1).to_string(),
            gpus: u32::try_from(gpus).map_err(|_| at.field("gpus", "too large"))?,
            gpu_type: field(3).to_string(),
            cpu_milli: fields::scaled(field(4), 1000.0).map_err(|e| at.field("cpus", e))?,
            mem_mib: fields::scaled(field(5), 1024.0).map_err(|e| at.field("mem_gib", e))?,
        });
    }
    Ok(nodes)
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(err.to_string().starts_with("n.csv:1: missing column `gpu_type`"));
    }
}
