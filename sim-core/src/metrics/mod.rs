//! Metrics computed from what the engine reports: the collectors (observers), the summary, the
//! metric registry ([`METRICS`]: names, units, directions) of the output contract
//! (docs/scenarios.md), and the metrics a crate adds of its own ([`Metric`], [`MetricPart`]).

mod custom;
mod digest;
mod distribution;
mod exact_sum;
mod fill;
mod power;
mod registry;
mod stats;
mod summary;
mod usage;

pub use custom::{ExtraMetrics, Metric, MetricPart, SUMMARY_KEYS, is_metric_name};
pub use digest::EventDigest;
pub use distribution::{Distribution, EXACT_UP_TO};
pub use fill::{FillCollector, FillRow};
pub use power::{PowerCollector, PowerTotals, RackSample, RackSampleSink, cluster_power_w, hottest_gpu_c};
pub use registry::{Better, METRIC_NAMES, METRICS, MetricInfo, Reading, metric_info};
pub use stats::{jain_index, mean, percentile};
pub use summary::{DiscardRows, JobRow, JobRowSink, JobRows, JobTotals, Summary};
pub use usage::{Sample, SampleSink, UsageCollector, UsageTotals};
