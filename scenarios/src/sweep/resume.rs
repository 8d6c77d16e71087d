//! The sweep journal and `--resume`.
//!
//! Each finished run is appended to `sweep.journal.csv` as one line (the columns of
//! `sweep.csv`) and handed to the operating system at once, so a crash or Ctrl-C loses no
//! finished run. A line cut short by a kill is dropped when the journal is read back. When
//! every run is recorded the rows are sorted by run index into `sweep.csv` and the journal is
//! removed; `--resume` reads both files, skips what they hold, and ends with the same files
//! as a sweep run straight through.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;

use reports::sweep_table::{SweepRow, SweepTable, complete_prefix, csv_line, parse_table, read_table, write_table};

use crate::error::ScenarioError;

/// The journal's file name.
pub const JOURNAL: &str = "sweep.journal.csv";
/// The finished table's file name.
pub const SWEEP_CSV: &str = "sweep.csv";

/// The open journal, appended to as runs finish.
pub struct Journal {
    file: File,
    extra_metrics: usize,
}

impl Journal {
    /// Starts the journal in `dir` with the rows already recorded (written whole, atomically),
    /// then opens it for appending.
    pub fn start(dir: &Path, table: &SweepTable) -> io::Result<Journal> {
        let path = dir.join(JOURNAL);
        reports::write_atomic(&path, |w| write_table(w, table))?;
        Ok(Journal {
            file: OpenOptions::new().append(true).open(&path)?,
            extra_metrics: table.extra_metrics.len(),
        })
    }

    /// Appends one row as a single write.
    pub fn append(&mut self, row: &SweepRow) -> io::Result<()> {
        self.file.write_all(&csv_line(&row.fields(self.extra_metrics)))?;
        self.file.flush()
    }
}

/// The rows already recorded in `dir` (`sweep.csv`, then the journal), each run once, for a
/// sweep over `keys` whose runs compute `extra_metrics` (metrics of a crate's own).
pub fn recorded(dir: &Path, keys: &[String], extra_metrics: &[String]) -> Result<Vec<SweepRow>, ScenarioError> {
    let mut tables = Vec::new();
    let finished = dir.join(SWEEP_CSV);
    if finished.exists() {
        tables.push(read_table(&finished)?);
    }
    let journal = dir.join(JOURNAL);
    if journal.exists() {
        let origin = journal.display().to_string();
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(
            &mut reports::bounded::open(&journal).map_err(|e| ScenarioError::io(&journal, e))?,
            &mut bytes,
        )
        .map_err(|e| ScenarioError::io(&journal, e))?;
        // A kill can cut the last line anywhere, even inside a multi-byte character: only the
        // whole lines before it must be text.
        let whole = bytes
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(&bytes[..0], |end| &bytes[..=end]);
        let text = std::str::from_utf8(whole)
            .map_err(|e| ScenarioError::Input(format!("{origin}: not UTF-8 text at byte {}", e.valid_up_to())))?;
        let complete = complete_prefix(text);
        if !complete.is_empty() {
            tables.push(parse_table(complete, &origin)?);
        }
    }
    let mut rows: Vec<SweepRow> = Vec::new();
    for table in tables {
        if table.params != keys {
            return Err(ScenarioError::Input(format!(
                "{}: its rows sweep {:?}, this sweep {:?}",
                dir.display(),
                table.params,
                keys
            )));
        }
        if table.extra_metrics != extra_metrics {
            return Err(ScenarioError::Input(format!(
                "{}: its rows have the metrics of a crate's own {:?}, this sweep {:?} (run it with the same registry)",
                dir.display(),
                table.extra_metrics,
                extra_metrics
            )));
        }
        rows.extend(table.rows);
    }
    // A run is recorded twice only when a sweep stopped between writing sweep.csv and removing
    // the journal: the copies are equal, and one is kept. Copies that differ are damage (runs
    // are deterministic), which no choice of one would repair.
    rows.sort_by_key(|r| r.run);
    let mut once: Vec<SweepRow> = Vec::with_capacity(rows.len());
    for row in rows {
        match once.last() {
            Some(last) if last.run == row.run && *last != row => {
                return Err(ScenarioError::Input(format!(
                    "{}: run {} is recorded twice with different results (rows of {SWEEP_CSV} or \
                     {JOURNAL}); delete the wrong row, or the folder, and run again",
                    dir.display(),
                    row.run
                )));
            }
            Some(last) if last.run == row.run => {}
            _ => once.push(row),
        }
    }
    Ok(once)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reports::sweep_table::RunStatus;

    fn row(run: u64) -> SweepRow {
        SweepRow {
            run,
            seed: run,
            params: vec!["a".into()],
            status: RunStatus::Failed("x".into()),
        }
    }

    #[test]
    fn the_journal_keeps_whole_lines_and_drops_a_torn_one() {
        let dir = tempfile::tempdir().unwrap();
        let keys = vec!["k".to_string()];
        let table = SweepTable {
            params: keys.clone(),
            extra_metrics: Vec::new(),
            rows: vec![row(2)],
        };
        let mut journal = Journal::start(dir.path(), &table).unwrap();
        journal.append(&row(0)).unwrap();
        drop(journal);
        // A kill in the middle of a write leaves part of a line.
        let mut file = OpenOptions::new().append(true).open(dir.path().join(JOURNAL)).unwrap();
        file.write_all(b"5,5,a,fai").unwrap();
        let runs: Vec<u64> = recorded(dir.path(), &keys, &[])
            .unwrap()
            .iter()
            .map(|r| r.run)
            .collect();
        assert_eq!(runs, vec![0, 2]);
        let err = recorded(dir.path(), &["other".to_string()], &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("its rows sweep [\"k\"], this sweep [\"other\"]"), "{err}");
        let extra = ["max_queue_length".to_string()];
        let err = recorded(dir.path(), &keys, &extra).unwrap_err().to_string();
        assert!(
            err.contains("its rows have the metrics of a crate's own [], this sweep [\"max_queue_length\"]"),
            "{err}"
        );
    }

    #[test]
    fn a_run_recorded_twice_is_kept_once_when_alike_and_refused_when_not() {
        let dir = tempfile::tempdir().unwrap();
        let keys = vec!["k".to_string()];
        let table = SweepTable {
            params: keys.clone(),
            extra_metrics: Vec::new(),
            rows: vec![row(0), row(1)],
        };
        let mut journal = Journal::start(dir.path(), &table).unwrap();
        journal.append(&row(1)).unwrap();
        let runs: Vec<u64> = recorded(dir.path(), &keys, &[])
            .unwrap()
            .iter()
            .map(|r| r.run)
            .collect();
        assert_eq!(runs, vec![0, 1]);
        let other = SweepRow {
            status: RunStatus::Failed("y".into()),
            ..row(1)
        };
        journal.append(&other).unwrap();
        let err = recorded(dir.path(), &keys, &[]).unwrap_err().to_string();
        assert!(err.contains("run 1 is recorded twice with different results"), "{err}");
    }

    #[test]
    fn a_line_torn_inside_a_multibyte_character_is_dropped_too() {
        let dir = tempfile::tempdir().unwrap();
        let keys = vec!["k".to_string()];
        let table = SweepTable {
            params: keys.clone(),
            extra_metrics: Vec::new(),
            rows: vec![row(1)],
        };
        Journal::start(dir.path(), &table).unwrap();
        // "é" is 0xC3 0xA9: the kill came between the two bytes.
        let mut file = OpenOptions::new().append(true).open(dir.path().join(JOURNAL)).unwrap();
        file.write_all(b"3,3,caf\xc3").unwrap();
        let runs: Vec<u64> = recorded(dir.path(), &keys, &[])
            .unwrap()
            .iter()
            .map(|r| r.run)
            .collect();
        assert_eq!(runs, vec![1]);
    }
}
