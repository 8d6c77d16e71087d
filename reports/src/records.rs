//! Reading a CSV file this crate wrote back: its header and its records, each with its line.

use std::path::Path;

use crate::error::ReportError;

/// A CSV file's header (empty for an empty file) and records, each with its 1-based line.
pub(crate) struct Records {
    /// The first record's fields.
    pub head: Vec<String>,
    /// Every later record: its line and fields.
    pub rows: Vec<(u64, Vec<String>)>,
}

/// Reads every record of the CSV file at `path` (records may differ in length).
pub(crate) fn read_records(path: &Path) -> Result<Records, ReportError> {
    let text = crate::bounded::read_to_string(path).map_err(|source| ReportError::io(path, source))?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = Records {
        head: Vec::new(),
        rows: Vec::new(),
    };
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| ReportError::csv(&path.display().to_string(), e))?;
        let fields: Vec<String> = record.iter().map(str::to_string).collect();
        if i == 0 {
            records.head = fields;
        } else {
            records.rows.push((record.position().map_or(0, |p| p.line()), fields));
        }
    }
    Ok(records)
}
