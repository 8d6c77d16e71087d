//! `[limits]`: the resource budget every input is checked against before anything is
//! allocated, so that no accepted scenario exhausts memory or runs past the clock.
//!
//! Each limit has a default derived from the machine where memory is what it protects (a
//! quarter of the physical memory, divided by what one item costs), and each is raised by its
//! key, in the file or with `--set limits.KEY=VALUE`. docs/limits.md lists them.

use serde::{Deserialize, Serialize};
use sim_core::time::SimTime;

use crate::duration::Duration;

/// `[limits]`: raise (or lower) the budget of a scenario; omitted keys take the defaults.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsSection {
    /// Most nodes of the cluster (default: a quarter of memory ÷ 2 KiB a node).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nodes: Option<u64>,
    /// Most GPUs of the cluster (default: a quarter of memory ÷ 256 B a GPU).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gpus: Option<u64>,
    /// Most jobs of a run: trace rows, synthetic `jobs`, fill pods (default: a quarter of
    /// memory ÷ 1 KiB a job).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jobs: Option<u64>,
    /// Most runs of a sweep (grid points × seeds) or a comparison (policies × seeds) (default:
    /// a quarter of memory ÷ 4 KiB a run).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runs: Option<u64>,
    /// Most grid points of a sweep: each is loaded and checked before the first run (default
    /// 10,000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grid_points: Option<u64>,
    /// Most time-series values of a run: rows (span ÷ `output.sample_interval`, + 1) × the
    /// columns of `timeseries.csv` (default: a sixteenth of memory ÷ 8 B a value).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub samples: Option<u64>,
    /// Most worker threads of a sweep or comparison (default: 4 × the cores, at least 64).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threads: Option<u64>,
    /// The latest simulated time an input may name, and the longest a run without a horizon is
    /// budgeted for (default `"36500d"`, 100 years).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_time: Option<Duration>,
    /// Most events one run may process before it is stopped as stuck (default: 10,000,000 +
    /// 10,000 per job that arrived and per GPU and node of the cluster, growing as jobs arrive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_events: Option<u64>,
}

/// Bytes one node of the cluster costs, all models on (its state, names, per-node physics).
const NODE_BYTES: u64 = 2048;
/// Bytes one GPU costs (device state, thermal and failure state).
const GPU_BYTES: u64 = 256;
/// Bytes one job costs (its spec, state and `jobs.csv` row).
const JOB_BYTES: u64 = 1024;
/// Bytes one run of a sweep costs before it runs (its index, row and progress).
const RUN_BYTES: u64 = 4096;
/// Bytes one time-series value costs.
const SAMPLE_BYTES: u64 = 8;
/// Grid points by default: each point is a scenario loaded and checked before the first run,
/// a few milliseconds each, so that `validate` of the largest accepted grid stays under a minute.
const DEFAULT_GRID_POINTS: u64 = 10_000;
/// Threads per core by default, and the floor.
const THREADS_PER_CORE: u64 = 4;
const MIN_THREADS: u64 = 64;
/// Memory assumed when the machine does not say (no `/proc/meminfo`).
const FALLBACK_MEMORY_BYTES: u64 = 8 << 30;

/// Columns of `timeseries.csv`: `t_s` and the eleven series of a sample.
pub const TIMESERIES_COLUMNS: u64 = reports::run_files::TIMESERIES_COLUMNS.len() as u64;

/// The budget in force: every limit resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Most nodes.
    pub nodes: u64,
    /// Most GPUs.
    pub gpus: u64,
    /// Most jobs of a run.
    pub jobs: u64,
    /// Most runs of a sweep or comparison.
    pub runs: u64,
    /// Most grid points.
    pub grid_points: u64,
    /// Most time-series values of a run.
    pub samples: u64,
    /// Most worker threads.
    pub threads: u64,
    /// The latest time an input may name.
    pub max_time: SimTime,
    /// Most events of one run; `None`: the engine's default, derived from the run's jobs and
    /// cluster ([`sim_core::engine::guard::Budget::max_events`]).
    pub max_events: Option<u64>,
}

impl Limits {
    /// The defaults of this machine, with the keys of `section` in their place.
    pub fn resolve(section: Option<&LimitsSection>) -> Limits {
        let defaults = Limits::defaults();
        let Some(s) = section else {
            return defaults;
        };
        Limits {
            nodes: s.nodes.unwrap_or(defaults.nodes),
            gpus: s.gpus.unwrap_or(defaults.gpus),
            jobs: s.jobs.unwrap_or(defaults.jobs),
            runs: s.runs.unwrap_or(defaults.runs),
            grid_points: s.grid_points.unwrap_or(defaults.grid_points),
            samples: s.samples.unwrap_or(defaults.samples),
            threads: s.threads.unwrap_or(defaults.threads),
            max_time: s.max_time.map_or(defaults.max_time, |d| d.0),
            max_events: s.max_events.or(defaults.max_events),
        }
    }

    /// The defaults of this machine (its memory and cores), read once per process.
    pub fn defaults() -> Limits {
        static DEFAULTS: std::sync::OnceLock<Limits> = std::sync::OnceLock::new();
        *DEFAULTS.get_or_init(Limits::of_this_machine)
    }

    fn of_this_machine() -> Limits {
        let quarter = machine_memory_bytes() / 4;
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get() as u64);
        Limits {
            nodes: quarter / NODE_BYTES,
            gpus: quarter / GPU_BYTES,
            jobs: quarter / JOB_BYTES,
            runs: quarter / RUN_BYTES,
            grid_points: DEFAULT_GRID_POINTS,
            samples: quarter / 4 / SAMPLE_BYTES,
            threads: (cores * THREADS_PER_CORE).max(MIN_THREADS),
            max_time: traces::DEFAULT_MAX_TIME,
            max_events: None,
        }
    }
}

/// Physical memory of the machine, from `/proc/meminfo` (`MemTotal`), else 8 GiB.
fn machine_memory_bytes() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| mem_total(&text))
        .unwrap_or(FALLBACK_MEMORY_BYTES)
}

/// `MemTotal` of a `/proc/meminfo` text, in bytes.
fn mem_total(meminfo: &str) -> Option<u64> {
    let line = meminfo.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: u64 = line.split_ascii_whitespace().nth(1)?.parse().ok()?;
    kib.checked_mul(1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_comes_from_meminfo() {
        let meminfo = "MemTotal:       24576000 kB\nMemFree:        1000 kB\n";
        assert_eq!(mem_total(meminfo), Some(24_576_000 * 1024));
        assert_eq!(mem_total("MemFree: 1 kB\n"), None);
    }

    #[test]
    fn keys_replace_the_defaults() {
        let section = LimitsSection {
            nodes: Some(5),
            max_time: Some(Duration(SimTime::from_secs(60))),
            ..LimitsSection::default()
        };
        let limits = Limits::resolve(Some(&section));
        let defaults = Limits::defaults();
        assert_eq!((limits.nodes, limits.max_time), (5, SimTime::from_secs(60)));
        assert_eq!((limits.gpus, limits.grid_points), (defaults.gpus, 10_000));
        // On any machine with 1 GiB or more, the defaults hold a cluster of 100,000 nodes.
        assert!(
            defaults.nodes >= 100_000 && defaults.nodes < 1_000_000_000,
            "{defaults:?}"
        );
    }
}
