//! The files of one run: `summary.json`, `jobs.csv`, `timeseries.csv`, and `racks.csv` and
//! `incidents.csv` when their models are on.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;
use sim_core::metrics::{JobRow, JobRowSink, RackSample, RackSampleSink, Sample, SampleSink, Summary};
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

/// A sample sink of a run's file that also keeps the samples, when asked, for a use after the
/// run (a timeline's rack counters, the tables handed to Python). Samples are few: one per
/// sampling time, and per rack.
pub struct AlsoKept<'a, S: ?Sized, T> {
    file: &'a mut S,
    /// The samples pushed, when kept.
    pub kept: Option<Vec<T>>,
}

impl<'a, S: ?Sized, T> AlsoKept<'a, S, T> {
    /// Pushes to `file`, keeping the samples too when `keep`.
    pub fn new(file: &'a mut S, keep: bool) -> Self {
        AlsoKept {
            file,
            kept: keep.then(Vec::new),
        }
    }
}

impl<S: SampleSink + ?Sized> SampleSink for AlsoKept<'_, S, Sample> {
    fn push(&mut self, sample: Sample) {
        if let Some(kept) = &mut self.kept {
            kept.push(sample.clone());
        }
        self.file.push(sample);
    }
}

impl<S: RackSampleSink + ?Sized> RackSampleSink for AlsoKept<'_, S, RackSample> {
    fn push(&mut self, sample: &RackSample, rack_name: &str) {
        self.file.push(sample, rack_name);
        if let Some(kept) = &mut self.kept {
            kept.push(sample.clone());
        }
    }
}

/// Writes the files of one run into `dir` (created if needed): `summary.json`, `jobs.csv` and
/// `timeseries.csv` (from the record's rows and samples, or, when the run streamed them, by
/// committing `streamed`), `racks.csv` when a physical model is on and `incidents.csv` when a
/// failure model is or something failed. Each file is written whole or not at all, and
/// `summary.json` last, so that a failure leaves no summary of this run. Returns the paths
/// written.
pub fn write_run_files(
    dir: &Path,
    summary: &SummaryFile<'_>,
    record: &RunRecord,
    rack_names: &[String],
    streamed: Option<StreamedFiles>,
) -> io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut paths = vec![
        dir.join("summary.json"),
        dir.join("jobs.csv"),
        dir.join("timeseries.csv"),
    ];
    let racks = dir.join("racks.csv");
    match streamed {
        Some(files) => {
            files.jobs.0.commit(&paths[1])?;
            files.timeseries.csv.commit(&paths[2])?;
            if files.racks.commit(&racks)? {
                paths.push(racks);
            }
        }
        None => {
            write_atomic(&paths[1], |w| write_jobs(w, &record.jobs))?;
            write_atomic(&paths[2], |w| write_timeseries(w, &record.timeseries))?;
            if !record.racks.is_empty() {
                write_atomic(&racks, |w| write_racks(w, &record.racks, rack_names))?;
                paths.push(racks);
            }
        }
    }
    if record.faults_active || !record.incidents.is_empty() {
        let path = dir.join("incidents.csv");
        write_atomic(&path, |w| crate::incidents::write_incidents(w, &record.incidents))?;
        paths.push(path);
    }
    // Last: a summary says the run's files are all there, so a failure writing any of them
    // leaves none (nor an earlier run's, replaced by a summary of this one).
    write_atomic(&paths[0], |w| {
        serde_json::to_writer_pretty(&mut *w, summary)?;
        w.write_all(b"\n")
    })?;
    Ok(paths)
}

/// Writes `racks.csv` rows (one per rack per sampling time).
pub fn write_racks(w: &mut impl Write, rows: &[RackSample], rack_names: &[String]) -> io::Result<()> {
    let mut row = Row::default();
    row.header(w, &RACKS_COLUMNS)?;
    for r in rows {
        rack_row(row.start(), r, &rack_names[r.rack.index()]).write(w)?;
    }
    Ok(())
}

/// Fills `row` with the fields of `sample`, of the rack named `rack_name`, in [`RACKS_COLUMNS`]
/// order.
fn rack_row<'r>(row: &'r mut Row, sample: &RackSample, rack_name: &str) -> &'r mut Row {
    row.time(Some(sample.t))
        .text(rack_name)
        .optional(sample.power_kw)
        .optional(sample.inlet_c)
        .optional(sample.max_temp_c)
        .optional(sample.uplink_util)
}

/// Bytes a streamed CSV gathers before each write: a few writes for a whole `jobs.csv` of an
/// archive log, where the default 8 KiB would make hundreds of system calls.
const STREAM_BUFFER: usize = 256 * 1024;

/// A CSV file written as the run goes: rows are appended to a temporary file in the output
/// folder, which [`write_run_files`] renames into place once the run has ended (a failed run
/// leaves nothing). Memory stays flat however long the run.
struct StreamedCsv {
    out: io::BufWriter<std::fs::File>,
    path: tempfile::TempPath,
    row: Row,
    error: Option<io::Error>,
}

impl StreamedCsv {
    /// Starts file `name` with its header `columns` in `dir` (created if needed).
    fn create(dir: &Path, name: &str, columns: &[&str]) -> io::Result<StreamedCsv> {
        std::fs::create_dir_all(dir)?;
        let (file, path) = crate::atomic::temporary_for(dir, name)?;
        let mut out = io::BufWriter::with_capacity(STREAM_BUFFER, file);
        let mut row = Row::default();
        row.header(&mut out, columns)?;
        Ok(StreamedCsv {
            out,
            path,
            row,
            error: None,
        })
    }

    /// Appends the row `fill` makes; after a write error, nothing more (the error is kept for
    /// [`StreamedCsv::commit`]).
    fn append(&mut self, fill: impl FnOnce(&mut Row) -> &mut Row) {
        if self.error.is_none()
            && let Err(e) = fill(self.row.start()).write(&mut self.out)
        {
            self.error = Some(e);
        }
    }

    /// Flushes the rows to the disk and renames the file to `target`; the first write error,
    /// if any, instead.
    fn commit(mut self, target: &Path) -> io::Result<()> {
        if let Some(error) = self.error.take() {
            return Err(error);
        }
        self.out.into_inner().map_err(io::IntoInnerError::into_error)?;
        crate::atomic::persist(self.path, target)
    }
}

/// `jobs.csv` written as the run goes, a row per retired job (see [`StreamedFiles`]).
pub struct JobsCsv(StreamedCsv);

impl JobRowSink for JobsCsv {
    fn push(&mut self, job: &JobRow) {
        self.0.append(|row| job_row(row, job));
    }
}

/// `timeseries.csv` written as the run goes, a row per sample (see [`StreamedFiles`]).
pub struct TimeseriesCsv {
    csv: StreamedCsv,
    rows: SampleRows,
}

impl SampleSink for TimeseriesCsv {
    fn push(&mut self, sample: Sample) {
        let rows = &mut self.rows;
        self.csv.append(|row| rows.fill(row, &sample));
    }
}

/// `racks.csv` written as the run goes, a row per rack per sample (see [`StreamedFiles`]). The
/// file is begun at its first row, so a run without physical models makes none.
pub struct RacksCsv {
    dir: PathBuf,
    csv: Option<StreamedCsv>,
    /// A failure to begin the file, kept for [`RacksCsv::commit`].
    error: Option<io::Error>,
}

impl RackSampleSink for RacksCsv {
    fn push(&mut self, sample: &RackSample, rack_name: &str) {
        if self.csv.is_none() && self.error.is_none() {
            match StreamedCsv::create(&self.dir, "racks.csv", &RACKS_COLUMNS) {
                Ok(csv) => self.csv = Some(csv),
                Err(e) => self.error = Some(e),
            }
        }
        if let Some(csv) = &mut self.csv {
            csv.append(|row| rack_row(row, sample, rack_name));
        }
    }
}

impl RacksCsv {
    /// Renames the file to `target` and returns true, if the run wrote rows; false if it wrote
    /// none; the first error, if any, instead.
    fn commit(self, target: &Path) -> io::Result<bool> {
        if let Some(error) = self.error {
            return Err(error);
        }
        self.csv
            .map(|csv| csv.commit(target))
            .transpose()
            .map(|done| done.is_some())
    }
}

/// The files a run writes as it goes, so that its memory holds only its live jobs whatever the
/// length of its trace and its simulated time: `jobs.csv`, `timeseries.csv` and `racks.csv`,
/// in temporary files until [`write_run_files`] renames them into place.
pub struct StreamedFiles {
    /// `jobs.csv`: the run's row sink.
    pub jobs: JobsCsv,
    /// `timeseries.csv`: the run's sample sink.
    pub timeseries: TimeseriesCsv,
    /// `racks.csv`: the run's rack sample sink.
    pub racks: RacksCsv,
}

impl StreamedFiles {
    /// Starts the files for a run whose files go to `dir` (created if needed).
    pub fn create(dir: &Path) -> io::Result<StreamedFiles> {
        Ok(StreamedFiles {
            jobs: JobsCsv(StreamedCsv::create(dir, "jobs.csv", &JOBS_COLUMNS)?),
            timeseries: TimeseriesCsv {
                csv: StreamedCsv::create(dir, "timeseries.csv", &TIMESERIES_COLUMNS)?,
                rows: SampleRows::default(),
            },
            racks: RacksCsv {
                dir: dir.to_path_buf(),
                csv: None,
                error: None,
            },
        })
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
    let mut rows = SampleRows::default();
    for s in samples {
        rows.fill(row.start(), s).write(w)?;
    }
    Ok(())
}

/// The rows of `timeseries.csv` in order. A sample equal to the one before in every field but
/// its time gets that row's text after the time, copied instead of formatted again: a cluster
/// changes only at events, so most samples of a long trace at the default ten minutes (years
/// of them) repeat the one before.
#[derive(Default)]
struct SampleRows {
    /// The sample of the last row written in full, and that row's text after its time.
    last: Option<(Sample, String)>,
}

impl SampleRows {
    /// Fills `row` (just started) with `sample`'s fields.
    fn fill<'r>(&mut self, row: &'r mut Row, sample: &Sample) -> &'r mut Row {
        if let Some((last, rest)) = &self.last
            && (Sample {
                t: last.t,
                ..sample.clone()
            }) == *last
        {
            return row.time(Some(sample.t)).rest(rest);
        }
        sample_row(row, sample);
        let mut rest = self.last.take().map(|(_, rest)| rest).unwrap_or_default();
        rest.clear();
        rest.push_str(row.after_first());
        self.last = Some((sample.clone(), rest));
        row
    }
}

/// Fills `row` with the fields of sample `s`, in [`TIMESERIES_COLUMNS`] order.
fn sample_row<'r>(row: &'r mut Row, s: &Sample) -> &'r mut Row {
    row.time(Some(s.t))
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
}

#[cfg(test)]
mod tests {
    use sim_core::time::SimTime;

    use super::*;

    #[test]
    fn streamed_rack_samples_are_the_file_written_at_once_and_none_make_no_file() {
        // Two racks sampled at 0 and 1.5 s, streamed, then committed: the header, then a line
        // per rack per time, as the file written from memory has it (by hand: seconds with one
        // decimal, the rack's name, absent models' cells empty).
        use sim_core::ids::RackId;
        let names = ["r0".to_string(), "r1".to_string()];
        let sample = |t: u64, rack: usize, power_kw: f64| RackSample {
            t: SimTime::from_micros(t),
            rack: RackId::from_index(rack),
            power_kw: Some(power_kw),
            inlet_c: None,
            max_temp_c: Some(40.25),
            uplink_util: None,
        };
        let samples = [
            sample(0, 0, 1.5),
            sample(0, 1, 2.0),
            sample(1_500_000, 0, 3.0),
            sample(1_500_000, 1, 0.0),
        ];
        let dir = tempfile::tempdir().unwrap();
        let mut files = StreamedFiles::create(dir.path()).unwrap();
        for s in &samples {
            files.racks.push(s, &names[s.rack.index()]);
        }
        let target = dir.path().join("racks.csv");
        assert!(files.racks.commit(&target).unwrap());
        let streamed = std::fs::read_to_string(&target).unwrap();
        let mut at_once = Vec::new();
        write_racks(&mut at_once, &samples, &names).unwrap();
        assert_eq!(streamed.as_bytes(), at_once);
        assert_eq!(
            streamed.lines().collect::<Vec<_>>(),
            [
                "t_s,rack,power_kw,inlet_c,max_temp_c,uplink_util",
                "0.0,r0,1.5,,40.25,",
                "0.0,r1,2.0,,40.25,",
                "1.5,r0,3.0,,40.25,",
                "1.5,r1,0.0,,40.25,"
            ]
        );
        // A run without physical models pushes nothing: no file, and nothing left behind.
        let empty = tempfile::tempdir().unwrap();
        {
            let files = StreamedFiles::create(empty.path()).unwrap();
            assert!(!files.racks.commit(&empty.path().join("racks.csv")).unwrap());
        }
        assert_eq!(std::fs::read_dir(empty.path()).unwrap().count(), 0);
    }

    #[test]
    fn a_streamed_timeseries_is_the_file_written_at_once() {
        // Two samples streamed, then committed: the header, then one line each, every field
        // as the file written from memory has it (checked here by hand: seconds with one
        // decimal, counts as integers, an absent power or temperature as an empty cell).
        let sample = |t: u64, queue_len: usize| Sample {
            t: SimTime::from_secs(t),
            gpu_alloc: 0.5,
            gpu_util: 0.25,
            gpu_capacity_up: 1.0,
            frag: 0.0,
            queue_len,
            running: 2,
            power_kw: None,
            max_temp_c: Some(61.5),
            down_nodes: 0,
            frag_gpus: None,
            frag_ratio: None,
        };
        let samples = [sample(0, 3), sample(3600, 0)];
        let dir = tempfile::tempdir().unwrap();
        let mut files = StreamedFiles::create(dir.path()).unwrap();
        for s in &samples {
            SampleSink::push(&mut files.timeseries, s.clone());
        }
        let target = dir.path().join("timeseries.csv");
        files.timeseries.csv.commit(&target).unwrap();
        let streamed = std::fs::read_to_string(&target).unwrap();
        let mut at_once = Vec::new();
        write_timeseries(&mut at_once, &samples).unwrap();
        assert_eq!(streamed.as_bytes(), at_once);
        let lines: Vec<&str> = streamed.lines().collect();
        assert_eq!(lines[0], TIMESERIES_COLUMNS.join(","));
        assert_eq!(
            lines[1..],
            [
                "0.0,0.5,0.25,0.0,3,2,,61.5,0,,,1.0",
                "3600.0,0.5,0.25,0.0,0,2,,61.5,0,,,1.0"
            ]
        );
    }

    #[test]
    fn a_sample_repeating_the_last_copies_its_fields_and_any_change_is_written_anew() {
        // Five samples ten minutes apart: the second repeats the first but for its time; the
        // third differs only in an absent cell becoming present (power), the fourth only in a
        // count, the fifth (at 1.5 s, a fractional time) repeats the fourth. Expected lines
        // written by hand from the columns' rules.
        let base = Sample {
            t: SimTime::ZERO,
            gpu_alloc: 0.0625,
            gpu_util: 0.0625,
            gpu_capacity_up: 1.0,
            frag: 0.995833,
            queue_len: 0,
            running: 1,
            power_kw: None,
            max_temp_c: None,
            down_nodes: 0,
            frag_gpus: Some(0.0),
            frag_ratio: Some(0.0),
        };
        let at = |t: SimTime, s: &Sample| Sample { t, ..s.clone() };
        let powered = Sample {
            power_kw: Some(12.5),
            ..base.clone()
        };
        let queued = Sample {
            queue_len: 4,
            ..powered.clone()
        };
        let samples = [
            at(SimTime::from_secs(600), &base),
            at(SimTime::from_secs(1200), &base),
            at(SimTime::from_secs(1800), &powered),
            at(SimTime::from_secs(2400), &queued),
            at(SimTime::from_micros(1_500_000), &queued),
        ];
        let mut written = Vec::new();
        write_timeseries(&mut written, &samples).unwrap();
        let text = String::from_utf8(written).unwrap();
        assert_eq!(
            text.lines().skip(1).collect::<Vec<_>>(),
            [
                "600.0,0.0625,0.0625,0.995833,0,1,,,0,0.0,0.0,1.0",
                "1200.0,0.0625,0.0625,0.995833,0,1,,,0,0.0,0.0,1.0",
                "1800.0,0.0625,0.0625,0.995833,0,1,12.5,,0,0.0,0.0,1.0",
                "2400.0,0.0625,0.0625,0.995833,4,1,12.5,,0,0.0,0.0,1.0",
                "1.5,0.0625,0.0625,0.995833,4,1,12.5,,0,0.0,0.0,1.0",
            ]
        );
        // Each row as it is when formatted alone, with nothing before it to copy from.
        for (sample, line) in samples.iter().zip(text.lines().skip(1)) {
            let mut alone = Vec::new();
            write_timeseries(&mut alone, std::slice::from_ref(sample)).unwrap();
            assert_eq!(String::from_utf8(alone).unwrap().lines().nth(1), Some(line));
        }
    }
}
