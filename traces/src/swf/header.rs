//! The header comments of an SWF file (`; MaxProcs: 100`): the keys that size a cluster.

use std::io::BufRead;

use crate::error::{Location, TraceError, from_io};
use crate::lines::read_bounded_line;

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
}

/// Reads header comments into an [`SwfHeader`], remembering the line of each key so that a
/// second line giving another value is refused by name.
#[derive(Debug, Default)]
pub(super) struct HeaderReader {
    header: SwfHeader,
    max_procs_line: u64,
    max_nodes_line: u64,
}

impl HeaderReader {
    /// The keys read so far.
    pub(super) fn header(&self) -> &SwfHeader {
        &self.header
    }

    /// Reads one header comment line (without its `;`); other keys are ignored. `MaxProcs` and
    /// `MaxNodes` must be whole numbers ≥ 1, and a key given twice must give the same value.
    pub(super) fn read_comment(&mut self, comment: &str, at: &Location<'_>) -> Result<(), TraceError> {
        let Some((key, value)) = comment.split_once(':') else {
            return Ok(());
        };
        let key = key.trim();
        let (slot, first_line) = match key {
            "MaxProcs" => (&mut self.header.max_procs, &mut self.max_procs_line),
            "MaxNodes" => (&mut self.header.max_nodes, &mut self.max_nodes_line),
            _ => return Ok(()),
        };
        let value = value.trim();
        // Archive headers sometimes add words after the number (`MaxNodes: 128 (SMP nodes)`).
        let first = value.split_ascii_whitespace().next().unwrap_or_default();
        let shown = crate::escape::escaped(value);
        let count: i64 = first
            .parse()
            .map_err(|_| at.field(key, format!("expected a whole number, got `{shown}`")))?;
        let count = u64::try_from(count)
            .ok()
            .filter(|&c| c > 0)
            .ok_or_else(|| at.field(key, format!("must be at least 1, got `{shown}`")))?;
        match *slot {
            Some(earlier) if earlier != count => Err(at.field(
                key,
                format!("says {count}, but line {first_line} says {earlier}; give the key once"),
            )),
            Some(_) => Ok(()),
            None => {
                *slot = Some(count);
                *first_line = at.line;
                Ok(())
            }
        }
    }
}

/// Reads only the header comments of an SWF file (to size a cluster before the run).
pub fn read_header(file: &str, mut reader: impl BufRead) -> Result<SwfHeader, TraceError> {
    let mut header = HeaderReader::default();
    let mut buf = Vec::new();
    for line in 1.. {
        if read_bounded_line(&mut reader, &mut buf, line).map_err(|e| from_io(file, e))? == 0 {
            break;
        }
        let at = Location { file, line };
        let text = std::str::from_utf8(&buf).map_err(|_| at.row("the line is not valid UTF-8"))?;
        // A byte-order mark before the first line is no part of it (as the job reader skips it).
        let text = if line == 1 {
            text.trim_start_matches('\u{feff}')
        } else {
            text
        };
        let trimmed = text.trim_start();
        match trimmed.strip_prefix(';') {
            Some(comment) => header.read_comment(comment, &at)?,
            None if trimmed.is_empty() => {}
            None => break,
        }
    }
    Ok(header.header)
}
