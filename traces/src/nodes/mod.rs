//! Node files that become a scenario's cluster (`[cluster] nodes_file`), in three formats:
//! the native nodes CSV, the openb node list and the PAI 2020 machine spec.
//!
//! The format is named ([`NodesFormat`]) or detected from the first line: a header with `sn`
//! and `gpu` is openb, one with `node` and `rack` is native, and a headerless line of five
//! fields ending in three numbers is PAI. Only the native file says which rack a node is in;
//! the nodes of the other two are grouped in file order, `nodes_per_rack` to a rack
//! ([`DEFAULT_NODES_PER_RACK`] unless told), in racks named `r0`, `r1`, … (zero-padded).

mod native;

use std::fmt;
use std::io::{BufRead, BufReader, Read};
use std::str::FromStr;

use sim_core::cluster::NodeSpec;

use crate::error::{TraceError, UnknownName};
use crate::{openb, pai};

/// Nodes per rack when a node list without racks does not say: 2, the 2 × 8-GPU nodes per rack
/// of Meta's H100 and RSC A100 training clusters (docs/models.md §2, LLAMA3 and KOK).
pub const DEFAULT_NODES_PER_RACK: u32 = 2;

/// A node file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodesFormat {
    /// `node, rack, gpus, gpu_type, cpus, mem_gib` with a header.
    Native,
    /// The openb node list: `sn, cpu_milli, memory_mib, gpu, model` with a header.
    Openb,
    /// The PAI 2020 machine spec: headerless `machine, gpu_type, cap_cpu, cap_mem, cap_gpu`.
    Pai,
}

impl NodesFormat {
    /// Every format, with the name `nodes_format` uses.
    pub const ALL: [(NodesFormat, &'static str); 3] = [
        (NodesFormat::Native, "native"),
        (NodesFormat::Openb, "openb"),
        (NodesFormat::Pai, "pai"),
    ];

    /// The format's name.
    pub fn name(self) -> &'static str {
        NodesFormat::ALL
            .iter()
            .find(|(f, _)| *f == self)
            .map(|(_, n)| *n)
            .expect("every nodes format is listed")
    }

    /// Guesses the format from the first line of the file.
    fn sniff(first_line: &str) -> Option<NodesFormat> {
        let cells: Vec<&str> = first_line
            .trim_start_matches('\u{feff}')
            .trim_end()
            .split(',')
            .map(str::trim)
            .collect();
        let has = |name: &str| cells.contains(&name);
        if has("sn") && has("gpu") {
            Some(NodesFormat::Openb)
        } else if has("node") && has("rack") {
            Some(NodesFormat::Native)
        } else if cells == pai::PAI_MACHINE_COLUMNS
            || (cells.len() == 5 && cells[2..].iter().all(|c| c.parse::<f64>().is_ok()))
        {
            Some(NodesFormat::Pai)
        } else {
            None
        }
    }

    fn names() -> String {
        NodesFormat::ALL.iter().map(|(_, n)| *n).collect::<Vec<_>>().join(", ")
    }
}

impl fmt::Display for NodesFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for NodesFormat {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<NodesFormat, UnknownName> {
        crate::error::by_name("nodes format", s, &NodesFormat::ALL, "formats")
    }
}

/// Reads every node of a node file. `format` overrides detection; `nodes_per_rack` groups the
/// nodes of formats without racks ([`DEFAULT_NODES_PER_RACK`] when `None`) and is refused for
/// the native format, whose rows name their racks.
pub fn read_nodes(
    file: &str,
    reader: impl Read,
    format: Option<NodesFormat>,
    nodes_per_rack: Option<u32>,
) -> Result<Vec<NodeSpec>, TraceError> {
    read_nodes_at_most(file, reader, format, nodes_per_rack, usize::MAX)
}

/// [`read_nodes`], refusing a file of more than `max_nodes` nodes at the first node past it
/// (`limits.nodes` of a scenario), before it is held.
pub fn read_nodes_at_most(
    file: &str,
    reader: impl Read,
    format: Option<NodesFormat>,
    nodes_per_rack: Option<u32>,
    max_nodes: usize,
) -> Result<Vec<NodeSpec>, TraceError> {
    let mut reader = BufReader::new(reader);
    let format = match format {
        Some(f) => f,
        None => detect(file, &mut reader)?,
    };
    let file_error = |reason: String| TraceError::File {
        file: file.into(),
        reason,
    };
    let mut nodes = match format {
        NodesFormat::Native if nodes_per_rack.is_some() => {
            return Err(file_error(
                "a native nodes file names each node's rack; nodes_per_rack applies to node lists without racks (openb, pai)"
                    .into(),
            ));
        }
        NodesFormat::Native => native::read(file, reader, max_nodes)?,
        NodesFormat::Openb => openb::nodes::read(file, reader, max_nodes)?,
        NodesFormat::Pai => pai::read(file, reader, max_nodes)?,
    };
    if nodes.is_empty() {
        return Err(file_error(format!("no nodes: the {format} node file has no rows")));
    }
    if format != NodesFormat::Native {
        let per_rack = nodes_per_rack.unwrap_or(DEFAULT_NODES_PER_RACK);
        if per_rack == 0 {
            return Err(file_error("nodes_per_rack must be at least 1".into()));
        }
        group_into_racks(&mut nodes, per_rack);
    }
    Ok(nodes)
}

/// Puts nodes into racks of `per_rack` in order, named `r0`, `r1`, … padded to equal width.
fn group_into_racks(nodes: &mut [NodeSpec], per_rack: u32) {
    let per_rack = per_rack as usize;
    let racks = nodes.len().div_ceil(per_rack);
    let width = racks.saturating_sub(1).max(1).ilog10() as usize + 1;
    for (i, node) in nodes.iter_mut().enumerate() {
        node.rack = format!("r{:0width$}", i / per_rack);
    }
}

fn detect(file: &str, reader: &mut BufReader<impl Read>) -> Result<NodesFormat, TraceError> {
    let head = reader.fill_buf().map_err(|source| TraceError::Io {
        file: file.to_string(),
        source,
    })?;
    if head.is_empty() {
        return Err(TraceError::File {
            file: file.into(),
            reason: "empty file".into(),
        });
    }
    let first_line = String::from_utf8_lossy(head.split(|&b| b == b'\n').next().unwrap_or_default());
    NodesFormat::sniff(&first_line).ok_or_else(|| TraceError::File {
        file: file.into(),
        reason: format!(
            "cannot tell the nodes format from the first line `{}`; name it (nodes_format = \"…\"): {}",
            crate::shown_start(first_line.trim_end()),
            NodesFormat::names()
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_detected_from_the_first_line() {
        assert_eq!(
            NodesFormat::sniff("sn,cpu_milli,memory_mib,gpu,model"),
            Some(NodesFormat::Openb)
        );
        assert_eq!(
            NodesFormat::sniff("node,rack,gpus,gpu_type,cpus,mem_gib"),
            Some(NodesFormat::Native)
        );
        assert_eq!(NodesFormat::sniff("abc,V100,96,512,8"), Some(NodesFormat::Pai));
        assert_eq!(
            NodesFormat::sniff("machine,gpu_type,cap_cpu,cap_mem,cap_gpu"),
            Some(NodesFormat::Pai)
        );
        assert_eq!(NodesFormat::sniff("a,b,c"), None);
        assert_eq!("pai".parse::<NodesFormat>(), Ok(NodesFormat::Pai));
        assert_eq!(
            "csv".parse::<NodesFormat>().map_err(|e| e.to_string()),
            Err("unknown nodes format `csv`; known formats: native, openb, pai".into())
        );
    }

    #[test]
    fn lists_without_racks_are_grouped_in_order() {
        let text = "machine,gpu_type,cap_cpu,cap_mem,cap_gpu\nm0,T4,96,512,2\nm1,CPU,96,512,0\nm2,P100,64,512,2\n";
        let nodes = read_nodes("p.csv", text.as_bytes(), None, Some(2)).unwrap();
        let racks: Vec<&str> = nodes.iter().map(|n| n.rack.as_str()).collect();
        assert_eq!(racks, vec!["r0", "r0", "r1"]);
        assert_eq!(nodes[1].gpu_type, "", "CPU machines have no GPU model");
        assert_eq!((nodes[0].cpu_milli, nodes[0].mem_mib), (96_000, 512 * 1024));
        let mut many: Vec<NodeSpec> = (0..21).map(|_| nodes[0].clone()).collect();
        group_into_racks(&mut many, 2);
        assert_eq!((many[0].rack.as_str(), many[20].rack.as_str()), ("r00", "r10"));
    }

    #[test]
    fn errors_name_file_line_and_field() {
        let err = read_nodes("p.csv", "m0,T4,96,512\n".as_bytes(), Some(NodesFormat::Pai), None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "p.csv:1: expected 5 fields (machine, gpu_type, cap_cpu, cap_mem, cap_gpu), found 4"
        );
        let err = read_nodes(
            "o.csv",
            "sn,cpu_milli,memory_mib,gpu,model\nn0,1000,10,2,\n".as_bytes(),
            None,
            None,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "o.csv:2: column `model`: is empty on a node with 2 GPUs"
        );
        let err = read_nodes("o.csv", "sn,cpu_milli,memory_mib,gpu,model\n".as_bytes(), None, None).unwrap_err();
        assert_eq!(err.to_string(), "o.csv: no nodes: the openb node file has no rows");
        let err = read_nodes(
            "n.csv",
            "node,rack,gpus,gpu_type,cpus,mem_gib\n".as_bytes(),
            None,
            Some(4),
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("n.csv: a native nodes file names each node's rack")
        );
        let err = read_nodes("e.csv", "".as_bytes(), None, None).unwrap_err();
        assert_eq!(err.to_string(), "e.csv: empty file");
    }
}
