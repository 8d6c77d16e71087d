//! `sweep.csv`: one row per run of a sweep, in run-index order.
//!
//! Columns: `run, seed`, one column per swept key (named by the key, e.g. `policy.name`),
//! `status` (`ok` or `failed`), every summary metric in [`METRIC_NAMES`] order then the metrics
//! of a crate's own in registration order (empty when the metric is undefined or the run
//! failed), and `error` (the failure message, else empty).
//! The sweep journal (`sweep.journal.csv`) has the same columns in completion order.

use std::io::{self, Write};
use std::path::Path;

use sim_core::metrics::{METRIC_NAMES, METRICS, MetricInfo};

use crate::atomic::write_atomic;
use crate::error::{At, ReportError};
use crate::number::{decimal, float};

/// What became of one run.
#[derive(Clone, Debug, PartialEq)]
pub enum RunStatus {
    /// The run finished; its metrics in [`METRIC_NAMES`] order, then its table's metrics of a
    /// crate's own ([`SweepTable::extra_metrics`]) (`None`: undefined).
    Ok(Vec<Option<f64>>),
    /// The run returned an error or panicked; the message, on one line.
    Failed(String),
}

/// One row of `sweep.csv`.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepRow {
    /// The run's index in the whole sweep (stable across threads, shards and resumes).
    pub run: u64,
    /// The run's seed.
    pub seed: u64,
    /// The value of each swept key, as written in the table (same order as the header).
    pub params: Vec<String>,
    /// Metrics or failure.
    pub status: RunStatus,
}

impl SweepRow {
    /// The built-in metric called `name`, when the run succeeded and the metric is defined
    /// (a metric of a crate's own: [`SweepRow::value`] at its place in the table).
    pub fn metric(&self, name: &str) -> Option<f64> {
        self.value(METRIC_NAMES.iter().position(|m| *m == name)?)
    }

    /// The metric at `index` of the table's metric columns ([`SweepTable::metric_names`]), when
    /// the run succeeded and the metric is defined.
    pub fn value(&self, index: usize) -> Option<f64> {
        match &self.status {
            RunStatus::Ok(values) => values.get(index).copied().flatten(),
            RunStatus::Failed(_) => None,
        }
    }

    /// The row as CSV fields, in header order, in a table with `extra_metrics` metrics of a
    /// crate's own: the registry's counts ([`MetricInfo::is_count`]) as whole numbers, every
    /// other metric (a crate's own included) with a decimal point.
    pub fn fields(&self, extra_metrics: usize) -> Vec<String> {
        let mut fields = vec![self.run.to_string(), self.seed.to_string()];
        fields.extend(self.params.iter().cloned());
        match &self.status {
            RunStatus::Ok(values) => {
                fields.push("ok".into());
                // Counts (as the metric registry declares them) are whole numbers; every
                // other metric, a crate's own included, is a measurement.
                let counts = METRICS.iter().map(MetricInfo::is_count);
                let extra = std::iter::repeat_n(false, extra_metrics);
                fields.extend(values.iter().zip(counts.chain(extra)).map(|(v, count)| match v {
                    None => String::new(),
                    Some(v) if count => decimal(*v),
                    Some(v) => float(*v),
                }));
                fields.push(String::new());
            }
            RunStatus::Failed(message) => {
                fields.push("failed".into());
                fields.extend(std::iter::repeat_n(String::new(), METRIC_NAMES.len() + extra_metrics));
                fields.push(one_line(message));
            }
        }
        fields
    }
}

/// `message` with line breaks replaced by spaces, so every row is one line of the file.
fn one_line(message: &str) -> String {
    message
        .split(['\n', '\r'])
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A whole sweep table: the swept keys, the metrics of a crate's own and the rows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SweepTable {
    /// The swept keys, in column order.
    pub params: Vec<String>,
    /// The metrics of a crate's own, in column order after the built-in ones (empty for runs
    /// of the built-in registry).
    pub extra_metrics: Vec<String>,
    /// The rows.
    pub rows: Vec<SweepRow>,
}

impl SweepTable {
    /// Every metric column, in order: [`METRIC_NAMES`], then [`SweepTable::extra_metrics`].
    pub fn metric_names(&self) -> impl Iterator<Item = &str> + Clone {
        METRIC_NAMES
            .iter()
            .copied()
            .chain(self.extra_metrics.iter().map(String::as_str))
    }
}

/// The header of a sweep table with these swept keys and metrics of a crate's own.
pub fn header(params: &[String], extra_metrics: &[String]) -> Vec<String> {
    let mut columns = vec!["run".to_string(), "seed".to_string()];
    columns.extend(params.iter().cloned());
    columns.push("status".into());
    columns.extend(METRIC_NAMES.iter().map(|m| m.to_string()));
    columns.extend(extra_metrics.iter().cloned());
    columns.push("error".into());
    columns
}

/// Encodes one record (header or row) as a CSV line ending in `\n`.
pub fn csv_line(fields: &[String]) -> Vec<u8> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    writer
        .write_record(fields)
        .expect("writing CSV into memory cannot fail");
    writer.into_inner().expect("flushing CSV into memory cannot fail")
}

/// Writes the table (rows as given) to `w`.
pub fn write_table(w: &mut impl Write, table: &SweepTable) -> io::Result<()> {
    w.write_all(&csv_line(&header(&table.params, &table.extra_metrics)))?;
    for row in &table.rows {
        w.write_all(&csv_line(&row.fields(table.extra_metrics.len())))?;
    }
    Ok(())
}

/// Writes `sweep.csv` atomically (rows as given: sort them by run index first).
pub fn write_sweep_csv(path: &Path, table: &SweepTable) -> io::Result<()> {
    write_atomic(path, |w| write_table(w, table))
}

/// Reads a sweep table from `text`; `origin` names it in errors. (A journal's torn last line
/// is removed first with [`complete_prefix`].)
pub fn parse_table(text: &str, origin: &str) -> Result<SweepTable, ReportError> {
    let at = |line: u64| At { path: origin, line };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let head = match records.next() {
        Some(Ok(head)) => head,
        Some(Err(e)) => return Err(at(1).line(e)),
        None => return Err(at(1).line("empty file: expected the sweep header")),
    };
    let columns: Vec<String> = head.iter().map(str::to_string).collect();
    let (params, extra_metrics) = parse_header(&columns, &at(1))?;
    let mut rows = Vec::new();
    for record in records {
        let record = record.map_err(|e| at(e.position().map_or(0, |p| p.line())).line(&e))?;
        let at = at(record.position().map_or(0, |p| p.line()));
        let fields: Vec<&str> = record.iter().collect();
        if fields.len() != columns.len() {
            return Err(at.line(format!(
                "expected {} fields like the header, found {}",
                columns.len(),
                fields.len()
            )));
        }
        rows.push(parse_row(&fields, params.len(), &columns, &at)?);
    }
    Ok(SweepTable {
        params,
        extra_metrics,
        rows,
    })
}

/// Reads a sweep table file.
pub fn read_table(path: &Path) -> Result<SweepTable, ReportError> {
    let text = crate::bounded::read_to_string(path).map_err(|source| ReportError::io(path, source))?;
    parse_table(&text, &path.display().to_string())
}

/// The part of an append-only file that ends in a line break: a row whose write was cut
/// short (the process was killed mid-line) is dropped.
pub fn complete_prefix(text: &str) -> &str {
    text.rfind('\n').map_or("", |end| &text[..=end])
}

/// The swept keys and the metrics of a crate's own of a header (on line `at`), checking the
/// fixed columns: the built-in metrics follow `status`; the columns between them and `error`
/// are metrics of a crate's own.
fn parse_header(columns: &[String], at: &At<'_>) -> Result<(Vec<String>, Vec<String>), ReportError> {
    let metrics_start = columns
        .iter()
        .position(|c| c == "status")
        .ok_or_else(|| at.line("not a sweep table: no `status` column"))?;
    let params: Vec<String> = columns.get(2..metrics_start).unwrap_or_default().to_vec();
    let extra_start = metrics_start + 1 + METRIC_NAMES.len();
    let extra_metrics: Vec<String> = columns
        .get(extra_start..columns.len().saturating_sub(1))
        .unwrap_or_default()
        .to_vec();
    if header(&params, &extra_metrics) != columns {
        return Err(at.line(format!(
            "not a sweep table: expected the columns {}",
            header(&params, &[]).join(",")
        )));
    }
    Ok((params, extra_metrics))
}

/// The row of `fields` (as many as the header's `columns`), on line `at`.
fn parse_row(fields: &[&str], param_count: usize, columns: &[String], at: &At<'_>) -> Result<SweepRow, ReportError> {
    let integer = |name: &str, text: &str| text.parse::<u64>().map_err(|_| at.value(name, "a whole number", text));
    let run = integer("run", fields[0])?;
    let seed = integer("seed", fields[1])?;
    let params = fields[2..2 + param_count].iter().map(|s| s.to_string()).collect();
    let status_at = 2 + param_count;
    let metrics = status_at + 1..fields.len() - 1;
    let error = fields[fields.len() - 1];
    let status = match fields[status_at] {
        "ok" => RunStatus::Ok(
            fields[metrics.clone()]
                .iter()
                .zip(&columns[metrics])
                .map(|(text, name)| parse_metric(name, text, at))
                .collect::<Result<_, _>>()?,
        ),
        "failed" => RunStatus::Failed(error.to_string()),
        other => return Err(at.value("status", "ok or failed", other)),
    };
    Ok(SweepRow {
        run,
        seed,
        params,
        status,
    })
}

/// The value of metric `name` (`None` when the cell is empty).
fn parse_metric(name: &str, text: &str, at: &At<'_>) -> Result<Option<f64>, ReportError> {
    if text.is_empty() {
        return Ok(None);
    }
    text.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .map(Some)
        .ok_or_else(|| at.value(name, "a number", text))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok_row(run: u64, policy: &str, jct: f64) -> SweepRow {
        let mut values = vec![None; METRIC_NAMES.len()];
        values[0] = Some(10.0);
        values[5] = Some(jct);
        SweepRow {
            run,
            seed: 100 + run,
            params: vec![policy.into()],
            status: RunStatus::Ok(values),
        }
    }

    #[test]
    fn rows_round_trip_through_text() {
        let table = SweepTable {
            params: vec!["policy.name".into()],
            extra_metrics: Vec::new(),
            rows: vec![
                ok_row(0, "first-fit", 1.5),
                SweepRow {
                    run: 1,
                    seed: 101,
                    params: vec!["a,b".into()],
                    status: RunStatus::Failed("boom\nat line 2".into()),
                },
            ],
        };
        let mut bytes = Vec::new();
        write_table(&mut bytes, &table).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        let mut lines = text.lines();
        assert!(
            lines
                .next()
                .unwrap()
                .starts_with("run,seed,policy.name,status,jobs_submitted,")
        );
        assert_eq!(
            lines.next().unwrap(),
            format!(
                "0,100,first-fit,ok,10,,,,,1.5{}",
                ",".repeat(METRIC_NAMES.len() - 6 + 1)
            )
        );
        let mut back = parse_table(&text, "t.csv").unwrap();
        // The message is stored on one line.
        back.rows[1].status = RunStatus::Failed("boom\nat line 2".into());
        assert_eq!(back, table);
        assert_eq!(table.rows[0].metric("avg_jct_s"), Some(1.5));
        assert_eq!(table.rows[0].metric("p50_jct_s"), None);
    }

    #[test]
    fn metrics_of_a_crate_s_own_follow_the_built_in_ones_and_round_trip() {
        let mut values = vec![None; METRIC_NAMES.len() + 1];
        values[5] = Some(1.5);
        values[METRIC_NAMES.len()] = Some(2.0);
        let table = SweepTable {
            params: vec![],
            extra_metrics: vec!["max_queue_length".into()],
            rows: vec![
                SweepRow {
                    run: 0,
                    seed: 1,
                    params: vec![],
                    status: RunStatus::Ok(values),
                },
                SweepRow {
                    run: 1,
                    seed: 2,
                    params: vec![],
                    status: RunStatus::Failed("boom".into()),
                },
            ],
        };
        let mut bytes = Vec::new();
        write_table(&mut bytes, &table).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert!(
            lines[0].ends_with(",gpu_capacity_up,max_queue_length,error"),
            "{}",
            lines[0]
        );
        // Written as a measurement; a failed run leaves every metric cell empty, the extra one too.
        assert!(lines[1].ends_with(",2.0,"), "{}", lines[1]);
        assert_eq!(
            lines[2],
            format!("1,2,failed{},boom", ",".repeat(METRIC_NAMES.len() + 1))
        );
        let back = parse_table(&text, "t.csv").unwrap();
        assert_eq!(back, table);
        let names: Vec<&str> = back.metric_names().collect();
        assert_eq!(names.len(), METRIC_NAMES.len() + 1);
        assert_eq!(back.rows[0].value(names.len() - 1), Some(2.0));
        assert_eq!(back.rows[0].metric("avg_jct_s"), Some(1.5));
    }

    #[test]
    fn a_torn_last_line_is_dropped_and_bad_rows_name_their_line() {
        assert_eq!(complete_prefix("h\n1,2\n3,"), "h\n1,2\n");
        assert_eq!(complete_prefix("no newline"), "");
        let text = String::from_utf8(csv_line(&header(&[], &[]))).unwrap() + "x,1,ok\n";
        let err = parse_table(&text, "s.csv").unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "s.csv:2: expected {} fields like the header, found 3",
                METRIC_NAMES.len() + 4
            )
        );
        let err = parse_table("a,b\n", "s.csv").unwrap_err();
        assert_eq!(err.to_string(), "s.csv:1: not a sweep table: no `status` column");
    }

    #[test]
    fn measurements_are_floats_in_every_row_and_counts_whole() {
        // A whole-valued mean JCT (505,166 s) must still read as a float, as 506,314.124379 does
        // in a later row; job counts stay whole numbers.
        let mut values = vec![None; METRIC_NAMES.len()];
        values[1] = Some(111_539.0); // jobs_completed
        values[5] = Some(505_166.0); // avg_jct_s
        values[13] = Some(0.0); // gpu_alloc_ratio
        let row = SweepRow {
            run: 0,
            seed: 1,
            params: vec![],
            status: RunStatus::Ok(values),
        };
        let fields = row.fields(0);
        // run, seed, status, then the metrics in METRIC_NAMES order.
        assert_eq!(
            (&fields[4][..], &fields[8][..], &fields[16][..], &fields[3][..]),
            ("111539", "505166.0", "0.0", "")
        );
    }

    #[test]
    fn every_count_of_the_registry_is_written_as_a_whole_number() {
        // Every metric 17 (a crate's own too): the registry's counts are written `17`, every
        // other metric `17.0`. The counts include the five a hand-kept list once missed.
        let values = vec![Some(17.0); METRIC_NAMES.len() + 1];
        let row = SweepRow {
            run: 0,
            seed: 1,
            params: vec![],
            status: RunStatus::Ok(values),
        };
        let fields = row.fields(1);
        // run, seed, status, the built-in metrics, the crate's own, error.
        let cells = &fields[3..3 + METRIC_NAMES.len()];
        for (metric, cell) in METRICS.iter().zip(cells) {
            let expected = if metric.is_count() { "17" } else { "17.0" };
            assert_eq!(cell, expected, "{}", metric.name);
        }
        assert_eq!(
            fields[3 + METRIC_NAMES.len()],
            "17.0",
            "a crate's own metric is a measurement"
        );
        let count = |name: &str| cells[METRIC_NAMES.iter().position(|m| *m == name).unwrap()].as_str();
        for name in [
            "jobs_never_fit",
            "jobs_timed_out",
            "spares_used",
            "lemons_drained",
            "lemons_right",
        ] {
            assert_eq!(count(name), "17", "{name}");
        }
    }
}
