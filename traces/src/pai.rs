//! The Alibaba PAI 2020 machine specification (`pai_machine_spec.csv`): headerless rows of
//! `machine, gpu_type, cap_cpu, cap_mem, cap_gpu` (cores, GB, GPUs), one server each
//! (`traces/data/alibaba-pai-gpu-v2020/SOURCE.md`). A first row of exactly those names (the
//! trace's separate `pai_machine_spec.header` pasted on top) is taken as a header.
//!
//! `cap_mem` is taken as GiB (its values, 384 and 512, are binary sizes); a `gpu_type` of
//! `CPU` with no GPU becomes a CPU-only node; other models (`P100`, `T4`, `V100`, `V100M32`,
//! `MISC`) are kept as written. The file has no racks: [`crate::nodes`] groups the nodes.

use std::io::Read;

use sim_core::cluster::NodeSpec;

use crate::error::TraceError;
use crate::fields;
use crate::rows::{CsvRows, collect_nodes};

/// The columns, in file order (the file has no header row).
pub(crate) const PAI_MACHINE_COLUMNS: [&str; 5] = ["machine", "gpu_type", "cap_cpu", "cap_mem", "cap_gpu"];

/// Reads every machine of a PAI machine spec (racks left empty).
pub(crate) fn read(file: &str, reader: impl Read, max_nodes: usize) -> Result<Vec<NodeSpec>, TraceError> {
    collect_nodes(CsvRows::headerless(file, reader), max_nodes, "machine", |record, at| {
        if at.line == 1 && record.iter().map(str::trim).eq(PAI_MACHINE_COLUMNS) {
            return Ok(None);
        }
        if record.len() != PAI_MACHINE_COLUMNS.len() {
            return Err(at.row(format!(
                "expected 5 fields ({}), found {}",
                PAI_MACHINE_COLUMNS.join(", "),
                record.len()
            )));
        }
        let field = |i: usize| record[i].trim();
        let whole = |i: usize| fields::integer_at_least(field(i), 0).map_err(|e| at.field(PAI_MACHINE_COLUMNS[i], e));
        if field(0).is_empty() {
            return Err(at.field("machine", "is empty"));
        }
        let gpus = u32::try_from(whole(4)?).map_err(|_| at.field("cap_gpu", "too large"))?;
        let gpu_type = if gpus == 0 && field(1) == "CPU" { "" } else { field(1) };
        if gpus > 0 && gpu_type.is_empty() {
            return Err(at.field("gpu_type", format!("is empty on a machine with {gpus} GPUs")));
        }
        Ok(Some(NodeSpec {
            name: field(0).to_string(),
            rack: String::new(),
            gpus,
            gpu_type: gpu_type.to_string(),
            cpu_milli: fields::scaled(field(2), 1000.0).map_err(|e| at.field("cap_cpu", e))?,
            mem_mib: fields::scaled(field(3), 1024.0).map_err(|e| at.field("cap_mem", e))?,
        }))
    })
}
