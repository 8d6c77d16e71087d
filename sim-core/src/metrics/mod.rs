//! Metrics computed from what the engine reports: the collectors (observers) and the summary
//! with the metric names of the output contract (docs/scenarios.md).

mod digest;
mod fill;
mod power;
mod stats;
mod summary;
mod usage;

pub use digest::EventDigest;
pub use fill::{FillCollector, FillRow};
pub use power::{PowerCollector, PowerTotals, RackSample, cluster_power_w, hottest_gpu_c};
pub use stats::{jain_index, mean, percentile};
pub use summary::{DiscardRows, JobRow, JobRowSink, JobRows, JobTotals, METRIC_NAMES, Summary};
pub use usage::{Sample, UsageCollector, UsageTotals};
