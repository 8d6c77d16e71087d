//! The files of one run: `summary.json`, `jobs.csv`, `timeseries.csv`.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;
use sim_core::metrics::{JobRow, Sample, Summary};
use sim_core::run::RunRecord;
use sim_core::time::SimTime;

use crate::atomic::write_atomic;
use crate::number::decimal;

/// Columns of `jobs.csv`, in order.
pub const JOBS_COLUMNS: [&str; 11] = [
    "job_id",
    "submit_s",
    "start_s",
    "end_s",
    "state",
    "wait_s",
    "jct_s",
    "restarts",
    "preemptions",
    "lost_gpu_s",
    "nodes",
];

/// Columns of `timeseries.csv`, in order.
pub const TIMESERIES_COLUMNS: [&str; 9] = [
    "t_s",
    "gpu_alloc",
    "gpu_util",
    "frag",
    "queue_len",
    "running",
    "power_kw",
    "max_temp_c",
    "down_nodes",
];

/// What `summary.json` holds.
#[derive(Serialize)]
pub struct SummaryFile<'a> {
    /// The scenario as run (overrides applied), echoed for reproducibility.
    pub scenario: &'a serde_json::Value,
    /// The policy name.
    pub policy: &'a str,
    /// The seed.
    pub seed: u64,
    /// The metrics of the contract.
    pub metrics: &'a Summary,
    /// Hash of the ordered applied events.
    pub event_digest: &'a str,
    /// When the run ended, in seconds.
    pub end_s: f64,
    /// Jobs failed at arrival because the cluster can never hold them.
    pub jobs_rejected: u64,
    /// Trace rows skipped by the format's rules, by reason.
    pub trace_rows_skipped: &'a BTreeMap<String, u64>,
}

/// Writes the three files of one run into `dir` (created if needed); each file is written
/// whole or not at all. Returns the paths written.
pub fn write_run_files(dir: &Path, summary: &SummaryFile<'_>, record: &RunRecord) -> io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let paths = [
        dir.join("summary.json"),
        dir.join("jobs.csv"),
        dir.join("timeseries.csv"),
    ];
    write_atomic(&paths[0], |w| {
        serde_json::to_writer_pretty(&mut *w, summary)?;
        w.write_all(b"\n")
    })?;
    write_atomic(&paths[1], |w| write_jobs(w, &record.jobs))?;
    write_atomic(&paths[2], |w| write_timeseries(w, &record.timeseries))?;
    Ok(paths.to_vec())
}

fn time(t: Option<SimTime>) -> String {
    t.map(|t| t.to_string()).unwrap_or_default()
}

/// Writes `jobs.csv` rows.
pub fn write_jobs(w: &mut impl Write, rows: &[JobRow]) -> io::Result<()> {
    let mut csv = csv::Writer::from_writer(w);
    csv.write_record(JOBS_COLUMNS)?;
    for row in rows {
        csv.write_record([
            row.job_id.as_str(),
            &row.submit.to_string(),
            &time(row.start),
            &time(row.end),
            row.state.as_str(),
            &time(row.wait),
            &time(row.jct),
            &row.restarts.to_string(),
            &row.preemptions.to_string(),
            &decimal(row.lost_gpu_s),
            &row.nodes,
        ])?;
    }
    csv.flush()
}

/// Writes `timeseries.csv` rows. Power and temperature are empty until those models exist.
pub fn write_timeseries(w: &mut impl Write, samples: &[Sample]) -> io::Result<()> {
    let mut csv = csv::Writer::from_writer(w);
    csv.write_record(TIMESERIES_COLUMNS)?;
    for s in samples {
        csv.write_record([
            s.t.to_string(),
            decimal(s.gpu_alloc),
            decimal(s.gpu_util),
            decimal(s.frag),
            s.queue_len.to_string(),
            s.running.to_string(),
            String::new(),
            String::new(),
            s.down_nodes.to_string(),
        ])?;
    }
    csv.flush()
}
