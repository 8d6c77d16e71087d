//! The files of one run: `summary.json`, `jobs.csv`, `timeseries.csv`, and `racks.csv` and
//! `incidents.csv` when their models are on.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;
use sim_core::metrics::{JobRow, JobRowSink, RackSample, Sample, Summary};
use sim_core::run::RunRecord;

use crate::atomic::write_atomic;
use crate::csv_row::Row;

/// Columns of `jobs.csv`, in order.
pub const JOBS_COLUMNS: [&str; 18] = [
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
    "ettr",
    "goodput",
    "checkpoint_s",
    "lost_work_s",
    "detection_s",
    "rescheduling_s",
    "warmup_s",
    "nodes",
];

/// Columns of `racks.csv`, in order.
pub const RACKS_COLUMNS: [&str; 6] = ["t_s", "rack", "power_kw", "inlet_c", "max_temp_c", "uplink_util"];

/// Columns of `timeseries.csv`, in order.
pub const TIMESERIES_COLUMNS: [&str; 12] = [
    "t_s",
    "gpu_alloc",
    "gpu_util",
    "frag",
    "queue_len",
    "running",
    "power_kw",
    "max_temp_c",
    "down_nodes",
    "frag_gpus",
    "frag_ratio",
    "gpu_capacity_up",
];

/// What `summary.json` holds: the metrics of the contract at the top level (so
/// `summary["p95_jct_s"]` reads one), the metrics of a crate's own after them, at the same level,
/// then the run's identity and the scenario echo.
#[derive(Serialize)]
pub struct SummaryFile<'a> {
    /// The metrics of the contract.
    #[serde(flatten)]
    pub metrics: &'a Summary,
    /// The metrics of a crate's own (`RunRecord::extra_metrics`), in registration order.
    #[serde(flatten)]
    pub extra_metrics: ExtraMetricValues<'a>,
    /// Hash of the ordered applied events.
    pub event_digest: &'a str,
    /// The policy name.
    pub policy: &'a str,
    /// The seed.
    pub seed: u64,
    /// The scenario as run (overrides applied), echoed for reproducibility.
    pub scenario: &'a serde_json::Value,
    /// When the run ended, in seconds.
    pub end_s: f64,
    /// Jobs failed without ever starting (the cluster can never hold them); jobs failed past
    /// their retry limit are `metrics.jobs_failed_after_retries`.
    pub jobs_rejected: u64,
    /// Trace rows skipped by the format's rules, by reason.
    pub trace_rows_skipped: &'a BTreeMap<String, u64>,
}

/// Metric (name, value) pairs written as keys of the object they are flattened into, in order
/// (`null` when undefined), like the built-in metrics.
#[derive(Clone, Copy, Debug)]
pub struct ExtraMetricValues<'a>(pub &'a [(&'static str, Option<f64>)]);

impl Serialize for ExtraMetricValues<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, value) in self.0 {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

/// The metrics of a crate's own in a `summary.json` read back (in name order): its keys that
/// are neither built-in metrics nor the run's identity or echo
/// ([`sim_core::metrics::SUMMARY_KEYS`]), with a number or `null` like every metric.
pub fn extra_metric_names(summary: &serde_json::Map<String, serde_json::Value>) -> Vec<String> {
    use sim_core::metrics::{METRIC_NAMES, SUMMARY_KEYS};
    summary
        .iter()
        .filter(|(key, value)| {
            let key = key.as_str();
            !METRIC_NAMES.contains(&key) && !SUMMARY_KEYS.contains(&key) && (value.is_number() || value.is_null())
        })
        .map(|(key, _)| key.clone())
        .collect()
}

/// Writes the files of one run into `dir` (created if needed): `summary.json`, `jobs.csv`
/// (from the record's rows, or, when the run streamed them, by committing `streamed`),
/// `timeseries.csv`, `racks.csv` when a physical model is on and `incidents.csv` when a failure
/// model is or something failed. Each file is written whole or not at all. Returns the paths
/// written.
pub fn write_run_files(
    dir: &Path,
    summary: &SummaryFile<'_>,
    record: &RunRecord,
    rack_names: &[String],
    streamed: Option<JobsCsv>,
) -> io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut paths = vec![
        dir.join("summary.json"),
        dir.join("jobs.csv"),
        dir.join("timeseries.csv"),
    ];
    write_atomic(&paths[0], |w| {
        serde_json::to_writer_pretty(&mut *w, summary)?;
        w.write_all(b"\n")
    })?;
    match streamed {
        Some(jobs) => jobs.commit(&paths[1])?,
        None => write_atomic(&paths[1], |w| write_jobs(w, &record.jobs))?,
    }
    write_atomic(&paths[2], |w| write_timeseries(w, &record.timeseries))?;
    if !record.racks.is_empty() {
        let path = dir.join("racks.csv");
        write_atomic(&path, |w| write_racks(w, &record.racks, rack_names))?;
        paths.push(path);
    }
    if record.faults_active || !record.incidents.is_empty() {
        let path = dir.join("incidents.csv");
        write_atomic(&path, |w| crate::incidents::write_incidents(w, &record.incidents))?;
        paths.push(path);
    }
    Ok(paths)
}

/// Writes `racks.csv` rows (one per rack per sampling time).
pub fn write_racks(w: &mut impl Write, rows: &[RackSample], rack_names: &[String]) -> io::Result<()> {
    let mut row = Row::default();
    row.header(w, &RACKS_COLUMNS)?;
    for r in rows {
        row.start()
            .time(Some(r.t))
            .text(&rack_names[r.rack.index()])
            .optional(r.power_kw)
            .optional(r.inlet_c)
            .optional(r.max_temp_c)
            .optional(r.uplink_util)
            .write(w)?;
    }
    Ok(())
}

/// `jobs.csv` written as the run goes: each retired job's row is appended to a temporary file in
/// the output folder, which [`write_run_files`] renames into place once the run has ended (a
/// failed run leaves nothing). Memory stays flat however many jobs the trace holds.
pub struct JobsCsv {
    out: io::BufWriter<std::fs::File>,
    path: tempfile::TempPath,
    row: Row,
    error: Option<io::Error>,
}

impl JobsCsv {
    /// Starts `jobs.csv` for a run whose files go to `dir` (created if needed).
    pub fn create(dir: &Path) -> io::Result<JobsCsv> {
        std::fs::create_dir_all(dir)?;
        let (file, path) = crate::atomic::temporary_for(dir, "jobs.csv")?;
        let mut out = io::BufWriter::new(file);
        let mut row = Row::default();
        row.header(&mut out, &JOBS_COLUMNS)?;
        Ok(JobsCsv {
            out,
            path,
            row,
            error: None,
        })
    }

    /// Flushes the rows to the disk and renames the file to `target`; the first write error,
    /// if any, instead.
    fn commit(mut self, target: &Path) -> io::Result<()> {
        if let Some(error) = self.error.take() {
            return Err(error);
        }
        self.out.into_inner().map_err(io::IntoInnerError::into_error)?;
        self.path.persist(target).map_err(|e| e.error)
    }
}

impl JobRowSink for JobsCsv {
    fn push(&mut self, job: JobRow) {
        if self.error.is_none()
            && let Err(e) = job_row(self.row.start(), &job).write(&mut self.out)
        {
            self.error = Some(e);
        }
    }
}

/// Fills `row` with the fields of `job`, in [`JOBS_COLUMNS`] order.
fn job_row<'r>(row: &'r mut Row, job: &JobRow) -> &'r mut Row {
    row.text(&job.job_id)
        .time(Some(job.submit))
        .time(job.start)
        .time(job.end)
        .text(job.state.as_str())
        .time(job.wait)
        .time(job.jct)
        .count(job.restarts)
        .count(job.preemptions)
        .float(job.lost_gpu_s)
        .optional(job.split.ettr())
        .optional(job.split.goodput())
        .float(job.split.checkpoint_s)
        .float(job.split.lost_s)
        .float(job.split.detection_s)
        .float(job.split.waiting_s)
        .float(job.split.warmup_s)
        .text(&job.nodes)
}

/// Writes `jobs.csv` rows.
pub fn write_jobs(w: &mut impl Write, rows: &[JobRow]) -> io::Result<()> {
    let mut row = Row::default();
    row.header(w, &JOBS_COLUMNS)?;
    for job in rows {
        job_row(row.start(), job).write(w)?;
    }
    Ok(())
}

/// Writes `timeseries.csv` rows; power and temperature are empty when those models are off,
/// the workload-aware fragmentation without typical tasks.
pub fn write_timeseries(w: &mut impl Write, samples: &[Sample]) -> io::Result<()> {
    let mut row = Row::default();
    row.header(w, &TIMESERIES_COLUMNS)?;
    for s in samples {
        row.start()
            .time(Some(s.t))
            .float(s.gpu_alloc)
            .float(s.gpu_util)
            .float(s.frag)
            .count(s.queue_len)
            .count(s.running)
            .optional(s.power_kw)
            .optional(s.max_temp_c)
            .count(s.down_nodes)
            .optional(s.frag_gpus)
            .optional(s.frag_ratio)
            .float(s.gpu_capacity_up)
            .write(w)?;
    }
    Ok(())
}
