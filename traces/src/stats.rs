//! Statistics of a trace (`clustersim trace stats`): counts, submit span, size histogram,
//! duration distribution and total GPU time.

use std::collections::BTreeMap;

use sim_core::time::{MICROS_PER_SECOND, SimTime};

use crate::{JobSource, SkipReport, TraceError};

/// What `trace stats` reports about a trace.
#[derive(Clone, Debug, PartialEq)]
pub struct TraceStats {
    /// Jobs read (rows skipped by rule not included).
    pub jobs: u64,
    /// Rows skipped by the format's rules, by reason.
    pub skipped: SkipReport,
    /// Earliest submit time.
    pub first_submit: SimTime,
    /// Latest submit time.
    pub last_submit: SimTime,
    /// Number of jobs by GPUs per job (all tasks together), in milli-GPU, ascending.
    pub size_histogram: BTreeMap<u64, u64>,
    /// Mean duration, in seconds.
    pub duration_mean_s: f64,
    /// Median duration (nearest rank), in seconds.
    pub duration_p50_s: f64,
    /// 90th-percentile duration (nearest rank), in seconds.
    pub duration_p90_s: f64,
    /// 99th-percentile duration (nearest rank), in seconds.
    pub duration_p99_s: f64,
    /// Σ GPUs × duration over all jobs, in GPU-hours.
    pub total_gpu_hours: f64,
    /// Number of jobs without GPUs by CPU cores per job (all tasks together, each task's
    /// cores rounded up), ascending: an SWF log read with `swf_processor = "cpu"`, CPU pods.
    pub cpu_job_histogram: BTreeMap<u64, u64>,
    /// Σ cores × duration over the jobs without GPUs, in core-hours, exact (fractions of cores
    /// as the trace gives them, not rounded as the histogram's buckets are).
    pub cpu_job_core_hours: f64,
}

impl TraceStats {
    /// Reads the whole of `source` (stopping at its first error) and summarises it. Durations
    /// are counted by value, so memory grows with the distinct durations (whole seconds in the
    /// archive and cluster logs), not with the jobs.
    pub fn collect(source: &mut dyn JobSource) -> Result<TraceStats, TraceError> {
        let mut jobs: u64 = 0;
        let mut durations: BTreeMap<u64, u64> = BTreeMap::new();
        let mut duration_micros: u128 = 0;
        let mut size_histogram = BTreeMap::new();
        let mut first_submit = SimTime::MAX;
        let mut last_submit = SimTime::ZERO;
        let mut gpu_milli_micros: u128 = 0;
        let mut cpu_job_histogram = BTreeMap::new();
        let mut milli_core_micros: u128 = 0;
        for job in &mut *source {
            let job = job?;
            first_submit = first_submit.min(job.submit);
            last_submit = last_submit.max(job.submit);
            *size_histogram.entry(job.gpu_milli()).or_insert(0) += 1;
            gpu_milli_micros += u128::from(job.gpu_milli()) * u128::from(job.duration.as_micros());
            if job.gpu_milli() == 0 {
                let cores = u64::from(job.tasks) * job.task.cpu_milli.div_ceil(1000);
                *cpu_job_histogram.entry(cores).or_insert(0) += 1;
                let milli_cores = u128::from(job.tasks) * u128::from(job.task.cpu_milli);
                milli_core_micros += milli_cores * u128::from(job.duration.as_micros());
            }
            jobs += 1;
            *durations.entry(job.duration.as_micros()).or_insert(0) += 1;
            duration_micros += u128::from(job.duration.as_micros());
        }
        let micros_per_second = MICROS_PER_SECOND as f64;
        let percentile_s = |p: f64| nearest_rank(&durations, jobs, p).map_or(0.0, |d| d as f64 / micros_per_second);
        let milli_micros_per_gpu_hour = 1000.0 * 3600.0 * micros_per_second;
        Ok(TraceStats {
            jobs,
            skipped: source.skipped().clone(),
            first_submit: first_submit.min(last_submit),
            last_submit,
            size_histogram,
            duration_mean_s: match jobs {
                0 => 0.0,
                n => duration_micros as f64 / n as f64 / micros_per_second,
            },
            duration_p50_s: percentile_s(50.0),
            duration_p90_s: percentile_s(90.0),
            duration_p99_s: percentile_s(99.0),
            total_gpu_hours: gpu_milli_micros as f64 / milli_micros_per_gpu_hour,
            cpu_job_histogram,
            cpu_job_core_hours: milli_core_micros as f64 / (1000.0 * 3600.0 * micros_per_second),
        })
    }
}

/// The `p`th percentile (nearest rank, as [`sim_core::metrics::percentile`]) of `count` values
/// given as value → how many times it occurs; `None` when there are none.
fn nearest_rank(counted: &BTreeMap<u64, u64>, count: u64, p: f64) -> Option<u64> {
    let rank = ((p / 100.0) * count as f64).ceil().max(1.0) as u64;
    let mut below = 0;
    counted.iter().find_map(|(&value, &n)| {
        below += n;
        (below >= rank.min(count)).then_some(value)
    })
}

/// A milli-GPU amount written as GPUs: `8`, `0.25`.
pub fn gpus_label(milli: u64) -> String {
    if milli.is_multiple_of(1000) {
        (milli / 1000).to_string()
    } else {
        (milli as f64 / 1000.0).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::NativeReader;

    #[test]
    fn summarises_a_small_trace() {
        // Sizes: a 2 × 4 = 8 GPUs, b 0.5, c 1, d 1. Durations 100, 10, 30, 20 s: sorted
        // 10, 20, 30, 100; mean 40; p50 = 2nd = 20; p90 = p99 = 4th = 100.
        // GPU-hours: (8·100 + 0.5·10 + 30 + 20) / 3600 = 855 / 3600.
        let text = "job_id,submit_s,duration_s,tasks,gpus_per_task\n\
                    a,5,100,2,4\nb,6,10,1,0.5\nc,7,30,1,1\nd,9.5,20,1,1\n";
        let mut reader = NativeReader::new("t.csv", text.as_bytes()).unwrap();
        let stats = TraceStats::collect(&mut reader).unwrap();
        assert_eq!(stats.jobs, 4);
        assert_eq!(
            (stats.first_submit, stats.last_submit),
            (SimTime::from_secs(5), SimTime::from_micros(9_500_000))
        );
        assert_eq!(stats.size_histogram, BTreeMap::from([(500, 1), (1000, 2), (8000, 1)]));
        assert_eq!((stats.duration_mean_s, stats.duration_p50_s), (40.0, 20.0));
        assert_eq!((stats.duration_p90_s, stats.duration_p99_s), (100.0, 100.0));
        assert!((stats.total_gpu_hours - 855.0 / 3600.0).abs() < 1e-12);
        assert!(stats.cpu_job_histogram.is_empty(), "every job has GPUs");
        assert_eq!(gpus_label(500), "0.5");
        assert_eq!(gpus_label(8000), "8");
    }

    #[test]
    fn counted_percentiles_are_the_nearest_ranks_of_the_sorted_values() {
        // Values with repeats, as a sorted list and counted; every percentile of every prefix
        // agrees with the slice form used for the run metrics.
        let values: Vec<u64> = (0..40u64).map(|i| (i * 7919) % 13 * 10).collect();
        for len in 0..=values.len() {
            let mut sorted = values[..len].to_vec();
            sorted.sort_unstable();
            let mut counted = BTreeMap::new();
            for &v in &sorted {
                *counted.entry(v).or_insert(0) += 1;
            }
            let as_floats: Vec<f64> = sorted.iter().map(|&v| v as f64).collect();
            for p in [0.0, 1.0, 25.0, 50.0, 90.0, 99.0, 100.0] {
                let expected = sim_core::metrics::percentile(&as_floats, p);
                let found = nearest_rank(&counted, len as u64, p).map(|v| v as f64);
                assert_eq!(found, expected, "{len} values, p{p}");
            }
        }
    }

    #[test]
    fn jobs_without_gpus_are_counted_in_cores() {
        // Read with one CPU core per SWF processor: job 1 takes 3 cores for 7200 s, job 2 one
        // core for 3600 s: 3 · 2 + 1 · 1 = 7 core-hours, no GPU-hour.
        let text = "1 0 -1 7200 3 -1 -1 3 -1 -1 1 -1 -1 -1 -1 -1 -1 -1\n\
                    2 5 -1 3600 1 -1 -1 1 -1 -1 1 -1 -1 -1 -1 -1 -1 -1\n";
        let options = crate::ReadOptions {
            swf_processor: crate::SwfProcessor::Cpu,
            ..crate::ReadOptions::default()
        };
        let mut reader = crate::open_reader("t.swf", text.as_bytes(), Some(crate::Format::Swf), &options).unwrap();
        let stats = TraceStats::collect(&mut *reader).unwrap();
        assert_eq!(stats.cpu_job_histogram, BTreeMap::from([(1, 1), (3, 1)]));
        assert_eq!((stats.cpu_job_core_hours, stats.total_gpu_hours), (7.0, 0.0));
    }

    #[test]
    fn core_hours_keep_fractions_of_cores_that_the_buckets_round_up() {
        // Two tasks of 1.5 cores for 1 h: bucket 2 × ⌈1.5⌉ = 4 cores, but 3 core-hours (not 4).
        let text = "job_id,submit_s,duration_s,tasks,gpus_per_task,cpus_per_task\na,0,3600,2,0,1.5\n";
        let mut reader = crate::open_reader("t.csv", text.as_bytes(), None, &crate::ReadOptions::default()).unwrap();
        let stats = TraceStats::collect(&mut *reader).unwrap();
        assert_eq!(stats.cpu_job_histogram, BTreeMap::from([(4, 1)]));
        assert_eq!(stats.cpu_job_core_hours, 3.0);
    }
}
