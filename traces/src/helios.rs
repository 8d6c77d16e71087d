//! The SenseTime Helios job logs (`cluster_log.csv` of github.com/S-Lab-System-Group/HeliosData;
//! Hu et al., SC '21): a header row `job_id, user, vc, gpu_num, cpu_num, node_num, state,
//! submit_time, start_time, end_time, duration, queue`, times as `YYYY-MM-DD HH:MM:SS`.
//!
//! Mapping: `submit_s` counts from midnight of the first row's day (times of day stay
//! meaningful for diurnal analysis); `duration_s` = `duration` (seconds from start to end);
//! the job's `node_num` nodes become its tasks, each with `gpu_num ÷ node_num` GPUs and
//! `cpu_num ÷ node_num` cores (rounded up); when the GPUs do not divide evenly among the nodes,
//! the job becomes `gpu_num` one-GPU tasks; `user` and `vc` (virtual cluster) become `user`
//! and `queue`. Every end state counts (a cancelled or failed job held its GPUs for
//! `duration`). Skipped and counted: CPU-only jobs (`gpu_num` 0), jobs with no run time. The
//! log is in `job_id` order, which is almost submit order; a streaming window puts it right.

use std::io::Read;

use sim_core::job::JobSpec;
use sim_core::resources::TaskRequest;
use sim_core::time::SimTime;

use crate::error::{Location, TraceError};
use crate::fields;
use crate::ids::SeenIds;
use crate::reorder::{LinedSource, Reordered};
use crate::rows::{CsvRows, RowParser, RowReader, RowSource};
use crate::{JobSource, SkipReport};

/// The columns of the log: name and whether it is required.
const COLUMNS: [(&str, bool); 12] = [
    ("job_id", true),
    ("user", false),
    ("vc", false),
    ("gpu_num", true),
    ("cpu_num", false),
    ("node_num", false),
    ("state", false),
    ("submit_time", true),
    ("start_time", false),
    ("end_time", false),
    ("duration", true),
    ("queue", false),
];

/// True when a header row is a Helios log's.
pub(crate) fn is_header(cells: &[&str]) -> bool {
    ["job_id", "vc", "gpu_num", "submit_time", "duration"]
        .iter()
        .all(|c| cells.contains(c))
}

/// Opens a Helios log from `reader` (`file` names it in errors): a streaming reader giving the
/// jobs in submit order.
pub fn helios_reader<R: Read + Send>(file: &str, reader: R) -> Result<impl JobSource + use<R>, TraceError> {
    helios_reader_until(file, reader, crate::DEFAULT_MAX_TIME)
}

/// [`helios_reader`] refusing jobs that submit or end past `max_time` (counted from midnight
/// of the first row's day).
pub fn helios_reader_until<R: Read + Send>(
    file: &str,
    reader: R,
    max_time: SimTime,
) -> Result<impl JobSource + use<R>, TraceError> {
    let (source, columns) = CsvRows::with_header(file, reader, &COLUMNS)?;
    let helios = Helios {
        columns,
        origin: None,
        seen_ids: SeenIds::default(),
        max_time,
    };
    Ok(Reordered::new(RowReader::new(source, helios)))
}

/// What the Helios format keeps between rows.
struct Helios {
    /// Place of each column of [`COLUMNS`] in the file's rows.
    columns: Vec<Option<usize>>,
    /// Midnight of the first row's day, seconds since 1970.
    origin: Option<i64>,
    seen_ids: SeenIds,
    max_time: SimTime,
}

impl RowParser for Helios {
    type Row = csv::StringRecord;
    /// A job, with the line it came from (for the reordering window's errors).
    type Item = (JobSpec, u64);

    /// The row as a job; `Ok(None)` for a row skipped by rule.
    fn parse(
        &mut self,
        record: &csv::StringRecord,
        at: &Location<'_>,
        skipped: &mut SkipReport,
    ) -> Result<Option<(JobSpec, u64)>, TraceError> {
        let get = |i: usize| self.columns[i].map(|c| record[c].trim()).filter(|v| !v.is_empty());
        let required = |i: usize| get(i).ok_or_else(|| at.field(COLUMNS[i].0, "is empty; the column is required"));
        let id = required(0)?.to_string();
        self.seen_ids.record(&id, "job_id", at)?;
        let gpus = fields::integer_at_least(required(3)?, 0).map_err(|e| at.field("gpu_num", e))?;
        let submit = timestamp(required(7)?).ok_or_else(|| {
            at.field(
                "submit_time",
                format!(
                    "expected YYYY-MM-DD HH:MM:SS with a year from 1 to 9999, got `{}`",
                    crate::escape::escaped(get(7).unwrap_or_default())
                ),
            )
        })?;
        let duration = fields::seconds(required(10)?).map_err(|e| at.field("duration", e))?;
        let nodes = get(5)
            .map(|v| fields::integer_at_least(v, 0))
            .transpose()
            .map_err(|e| at.field("node_num", e))?;
        let cpus = get(4)
            .map(|v| fields::integer_at_least(v, 0))
            .transpose()
            .map_err(|e| at.field("cpu_num", e))?;
        if gpus == 0 {
            skipped.count("CPU-only job (gpu_num 0)");
            return Ok(None);
        }
        if duration == SimTime::ZERO {
            skipped.count("duration 0 (cannot run)");
            return Ok(None);
        }
        let origin = *self.origin.get_or_insert(submit - submit.rem_euclid(86_400));
        let since = u64::try_from(submit - origin).map_err(|_| {
            at.field(
                "submit_time",
                "is before midnight of the first row's day: the log is not in submit order",
            )
        })?;
        let since = SimTime::from_secs(since);
        at.within("submit_time", "submitted", since, self.max_time)?;
        at.ends_within("duration", since, duration, self.max_time)?;
        let nodes = nodes.unwrap_or(1).max(1);
        let (tasks, per_task) = if gpus.is_multiple_of(nodes) {
            (nodes, gpus / nodes)
        } else {
            (gpus, 1)
        };
        let cpu_milli = cpus
            .unwrap_or(0)
            .div_ceil(tasks)
            .checked_mul(1000)
            .ok_or_else(|| at.field("cpu_num", format!("too large, got `{}`", cpus.unwrap_or(0))))?;
        let task = TaskRequest::with_gpu_amount(per_task as f64, cpu_milli, 0).map_err(|e| at.field("gpu_num", e))?;
        let tasks = u32::try_from(tasks).map_err(|_| at.field("gpu_num", "too large"))?;
        let spec = JobSpec::with_owner(id, since, duration, tasks, task, get(1), get(2));
        Ok(Some((spec, at.line)))
    }

    fn nothing_read(&self, _: u64, skipped: &SkipReport) -> String {
        format!("no jobs to run ({} rows skipped)", skipped.total())
    }
}

impl<R: Read + Send> LinedSource for RowReader<CsvRows<R>, Helios> {
    fn file(&self) -> &str {
        self.source().file()
    }

    fn skipped(&self) -> &SkipReport {
        RowReader::skipped(self)
    }
}

/// Seconds since 1970-01-01 00:00:00 of `YYYY-MM-DD HH:MM:SS` (a `T` between date and time,
/// and fractional seconds, are accepted), in the log's own time zone.
fn timestamp(text: &str) -> Option<i64> {
    let (date, time) = text.split_once([' ', 'T'])?;
    let mut d = date.splitn(3, '-').map(digits);
    let (year, month, day) = (d.next()??, d.next()??, d.next()??);
    let mut t = time.splitn(3, ':');
    let (hour, minute) = (digits(t.next()?)?, digits(t.next()?)?);
    // Seconds may carry a fraction (`05.5`), which is dropped; nothing else (`nan`, `1e1`).
    let seconds = t.next()?;
    let (second, fraction) = seconds.split_once('.').unwrap_or((seconds, "0"));
    let second = digits(second)?;
    digits(fraction)?;
    let valid = (1..=9999).contains(&year)
        && (1..=12).contains(&month)
        && (1..=days_in_month(year, month)).contains(&day)
        && (0..24).contains(&hour)
        && (0..60).contains(&minute)
        && (0..61).contains(&second);
    valid.then(|| days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second)
}

/// `text` as a number when it is 1 to 18 ASCII digits (no sign, no space).
fn digits(text: &str) -> Option<i64> {
    (!text.is_empty() && text.len() <= 18 && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

/// The days of `month` (1–12) of `year` in the Gregorian calendar.
fn days_in_month(year: i64, month: i64) -> i64 {
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str =
        "job_id,user,vc,gpu_num,cpu_num,node_num,state,submit_time,start_time,end_time,duration,queue\n";

    fn read(rows: &str) -> (Result<Vec<JobSpec>, TraceError>, u64) {
        let mut reader = helios_reader("h.csv", std::io::Cursor::new(format!("{HEADER}{rows}").into_bytes())).unwrap();
        let jobs = reader.by_ref().collect();
        (jobs, reader.skipped().total())
    }

    #[test]
    fn timestamps_count_from_1970() {
        // 2020-06-09 18:41:01 UTC = 1591728061 (`date -u -d '2020-06-09 18:41:01' +%s`).
        assert_eq!(timestamp("2020-06-09 18:41:01"), Some(1_591_728_061));
        assert_eq!(timestamp("1970-01-01T00:00:00.5"), Some(0));
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(timestamp("2020-13-01 00:00:00"), None);
        // Days past the month's end, and seconds that only a float parser reads, are refused;
        // 29 February only in a leap year (2000 is one, 1900 and 2021 are not).
        for bad in [
            "2020-02-30 00:00:00",
            "2020-04-31 00:00:00",
            "2021-02-29 00:00:00",
            "1900-02-29 00:00:00",
            "2020-04-01 10:00:nan",
            "2020-04-01 10:00:1e1",
            "2020-04-01 10:00:+5",
            "2020-04-01 10:00:05.x",
            "2020-04-01 10:00:",
            "2020-04-01 10:00:05:07",
        ] {
            assert_eq!(timestamp(bad), None, "{bad}");
        }
        assert_eq!(timestamp("2000-02-29 00:00:00"), Some(951_782_400));
        assert_eq!(timestamp("2020-02-29 00:00:05.75"), Some(1_582_934_405));
        assert_eq!(timestamp("yesterday"), None);
        assert_eq!(
            timestamp("99999999999999-01-01 00:00:00"),
            None,
            "the year would overflow"
        );
    }

    #[test]
    fn rows_become_gangs_counted_from_midnight() {
        // The README's example rows, plus a 2-node job and a CPU-only job.
        let rows = "1425511,uXBbc,vcJkd,1,1,1,COMPLETED,2020-06-09 18:41:01,2020-06-09 18:41:01,2020-06-10 04:55:09,36848,0\n\
                    1425512,uVMrF,vchbv,4,16,1,FAILED,2020-06-09 18:41:27,2020-06-09 18:41:27,2020-06-09 18:45:36,249,0\n\
                    1425513,uzqls,vcpDC,1,1,1,CANCELLED,2020-06-09 18:41:28,2020-06-09 18:41:28,2020-06-17 14:15:21,675233,0\n\
                    1425514,uA,vcA,16,64,2,COMPLETED,2020-06-09 18:41:30,2020-06-09 18:42:00,2020-06-09 19:42:00,3600,30\n\
                    1425515,uA,vcA,0,8,1,COMPLETED,2020-06-09 18:41:31,2020-06-09 18:41:31,2020-06-09 18:51:31,600,0\n";
        let (jobs, skipped) = read(rows);
        let jobs = jobs.unwrap();
        assert_eq!(skipped, 1, "the CPU-only job");
        // 18:41:01 is 67,261 s after midnight.
        assert_eq!(jobs[0].submit, SimTime::from_secs(67_261));
        assert_eq!((jobs[0].user.as_str(), jobs[0].queue.as_str()), ("uXBbc", "vcJkd"));
        assert_eq!(jobs[1].duration, SimTime::from_secs(249));
        assert_eq!(
            (jobs[1].tasks, jobs[1].task.gpus, jobs[1].task.cpu_milli),
            (1, 4, 16_000)
        );
        assert_eq!(
            (jobs[3].tasks, jobs[3].task.gpus, jobs[3].task.cpu_milli),
            (2, 8, 32_000)
        );
    }

    #[test]
    fn slight_disorder_is_put_right_and_bad_rows_are_named() {
        let rows = "2,u,v,1,1,1,COMPLETED,2020-06-09 00:00:10,,,5,0\n1,u,v,1,1,1,COMPLETED,2020-06-09 00:00:05,,,5,0\n";
        let jobs = read(rows).0.unwrap();
        assert_eq!(jobs.iter().map(|j| j.id.as_str()).collect::<Vec<_>>(), vec!["1", "2"]);
        let bad = read("1,u,v,1,1,1,COMPLETED,2020-06-09,,,5,0\n")
            .0
            .unwrap_err()
            .to_string();
        assert_eq!(
            bad,
            "h.csv:2: column `submit_time`: expected YYYY-MM-DD HH:MM:SS with a year from 1 to 9999, got `2020-06-09`"
        );
        let bad = read("1,u,v,x,1,1,COMPLETED,2020-06-09 00:00:00,,,5,0\n")
            .0
            .unwrap_err()
            .to_string();
        assert_eq!(bad, "h.csv:2: column `gpu_num`: expected a whole number ≥ 0, got `x`");
    }
}
