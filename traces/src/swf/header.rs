//! The header comments of an SWF file (`; MaxProcs: 100`): the keys that size a cluster.

use std::io::BufRead;

use crate::error::{Location, TraceError};

/// The header keys of an SWF file that size a cluster.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SwfHeader {
    /// `MaxProcs`: processors of the machine, when given and positive.
    pub max_procs: Option<u64>,
    /// `MaxNodes`: nodes of the machine, when given and positive.
    pub max_nodes: Option<u64>,
}

impl SwfHeader {
    /// Processors of the machine: `MaxProcs`, else `MaxNodes` (one processor per node, as in
    /// the Lublin model files, which give only `MaxNodes`).
    pub fn processors(&self) -> Option<u64> {
        self.max_procs.or(self.max_nodes)
    }

    /// Reads one header comment line (without its `;`); other keys are ignored.
    pub(super) fn read_comment(&mut self, comment: &str, at: &Location<'_>) -> Result<(), TraceError> {
        let Some((key, value)) = comment.split_once(':') else {
            return Ok(());
        };
        let slot = match key.trim() {
            "MaxProcs" => &mut self.max_procs,
            "MaxNodes" => &mut self.max_nodes,
            _ => return Ok(()),
        };
        let value = value.trim();
        // Archive headers sometimes add words after the number (`MaxNodes: 128 (SMP nodes)`).
        let first = value.split_ascii_whitespace().next().unwrap_or_default();
        let count: i64 = first
            .parse()
            .map_err(|_| at.field(key.trim(), format!("expected a whole number, got `{value}`")))?;
        *slot = u64::try_from(count).ok().filter(|&c| c > 0);
        Ok(())
    }
}

/// Reads only the header comments of an SWF file (to size a cluster before the run).
pub fn read_header(file: &str, reader: impl BufRead) -> Result<SwfHeader, TraceError> {
    let mut header = SwfHeader::default();
    for (i, line) in reader.lines().enumerate() {
        let line = line.map_err(|source| TraceError::Io {
            file: file.to_string(),
            source,
        })?;
        let trimmed = line.trim_start();
        match trimmed.strip_prefix(';') {
            Some(comment) => header.read_comment(
                comment,
                &Location {
                    file,
                    line: i as u64 + 1,
                },
            )?,
            None if trimmed.is_empty() => {}
            None => break,
        }
    }
    Ok(header)
}
