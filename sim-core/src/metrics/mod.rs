//! Metrics computed from what the engine reports: the collectors (observers), the summary, and
//! the metric registry ([`METRICS`]: names, units, directions) of the output contract
//! (docs/scenarios.md).

mod digest;
mod fill;
mod power;
mod registry;
mod stats;
mod summary;
mod usage;

pub use digest::EventDigest;
pub use fill::{FillCollector, FillRow};
pub use power::{PowerCollector, PowerTotals, RackSample, cluster_power_w, hottest_gpu_c};
pub use registry::{Better, METRIC_NAMES, METRICS, MetricInfo, metric_info};
pub use stats::{jain_index, mean, percentile};
pub use summary::{DiscardRows, JobRow, JobRowSink, JobRows, JobTotals, Summary};
pub use usage::{Sample, UsageCollector, UsageTotals};
