//! The metric registry: every built-in metric of `summary.json`, `sweep.csv` and the reports, in
//! order, with its unit, which way is better and what it means. The metric names
//! ([`METRIC_NAMES`]), the order of [`Summary::metrics`] and the direction reports rank by are
//! all read from [`METRICS`]; a test checks that `summary.json` writes exactly these metrics, in
//! this order, with these values, so a metric cannot be added to the summary and forgotten here.
//!
//! A metric of a crate's own does not come here: it is a [`super::Metric`] (an observer that
//! gives a value when the run ends) and a [`super::MetricPart`] (name, unit, direction, one
//! line, factory) in one file of that crate, and one line registering the part
//! (`policies::Registry::add_metric`). Its value is written after the built-in ones, in
//! `summary.json`, `sweep.csv` and `aggregate.csv` alike (docs/policies.md, "Adding a metric").
//!
//! A built-in metric takes a field of [`Summary`] and the line of [`Summary::compute`] that
//! fills it (with its collector, if it needs data no collector gathers yet), and one entry here.

use super::summary::Summary;

/// Whether a larger or a smaller value of a metric is better (`lower`, `higher` or `neither` in
/// files: a sweep's `sweep.json` states it for the metrics of a crate's own).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Better {
    /// Smaller is better (times, slowdowns, fragmentation, losses).
    Lower,
    /// Larger is better (completed jobs, allocation, utilization, fairness).
    Higher,
    /// Not ranked: a property of the input (jobs submitted), or a measure no report ranks
    /// policies by.
    Neither,
}

/// One metric.
#[derive(Clone, Copy, Debug)]
pub struct MetricInfo {
    /// The name in `summary.json`, `sweep.csv` and check rules.
    pub name: &'static str,
    /// Its unit (`s`, `jobs`, `ratio`, `kWh`, …).
    pub unit: &'static str,
    /// Which way is better, for marking the best policy and for default check rules.
    pub better: Better,
    /// One line: what it measures.
    pub doc: &'static str,
    /// How its value is read from a summary, which also says whether it is a count.
    pub reading: Reading,
}

/// How a metric's value is read from a [`Summary`]: the type of the summary's field decides
/// whether the metric is a count, so no list of counts is kept beside this registry.
#[derive(Clone, Copy, Debug)]
pub enum Reading {
    /// A count of things (jobs, nodes, events): a whole number in every file (`None`: not
    /// defined for the run).
    Count(fn(&Summary) -> Option<u64>),
    /// A measurement (a time, a ratio, an amount of energy): written with a decimal point in
    /// tables (`None`: not defined for the run).
    Measure(fn(&Summary) -> Option<f64>),
}

impl MetricInfo {
    /// Its value in `summary` (counts as floats; `None`: not defined for the run).
    pub fn value(&self, summary: &Summary) -> Option<f64> {
        match self.reading {
            Reading::Count(read) => read(summary).map(|v| v as f64),
            Reading::Measure(read) => read(summary),
        }
    }

    /// Whether it counts things, so that files write it as a whole number.
    pub fn is_count(&self) -> bool {
        matches!(self.reading, Reading::Count(_))
    }
}

/// Every metric, in the order of `summary.json` and `sweep.csv`.
pub const METRICS: [MetricInfo; 50] = [
    MetricInfo {
        name: "jobs_submitted",
        unit: "jobs",
        better: Better::Neither,
        doc: "jobs that arrived (a property of the input)",
        reading: Reading::Count(|s| Some(s.jobs_submitted)),
    },
    MetricInfo {
        name: "jobs_completed",
        unit: "jobs",
        better: Better::Higher,
        doc: "jobs that finished their work",
        reading: Reading::Count(|s| Some(s.jobs_completed)),
    },
    MetricInfo {
        name: "jobs_failed",
        unit: "jobs",
        better: Better::Lower,
        doc: "jobs that ended without finishing (failures past their retry limit, fill arrivals not placed at once)",
        reading: Reading::Count(|s| Some(s.jobs_failed)),
    },
    MetricInfo {
        name: "jobs_pending_at_end",
        unit: "jobs",
        better: Better::Lower,
        doc: "jobs still waiting when the run ended (pending, or held after a failure)",
        reading: Reading::Count(|s| Some(s.jobs_pending_at_end)),
    },
    MetricInfo {
        name: "jobs_running_at_end",
        unit: "jobs",
        better: Better::Neither,
        doc: "jobs still running when the run ended",
        reading: Reading::Count(|s| Some(s.jobs_running_at_end)),
    },
    MetricInfo {
        name: "avg_jct_s",
        unit: "s",
        better: Better::Lower,
        doc: "mean job completion time (end − submit) of completed jobs",
        reading: Reading::Measure(|s| s.avg_jct_s),
    },
    MetricInfo {
        name: "p50_jct_s",
        unit: "s",
        better: Better::Lower,
        doc: "median JCT (nearest rank)",
        reading: Reading::Measure(|s| s.p50_jct_s),
    },
    MetricInfo {
        name: "p95_jct_s",
        unit: "s",
        better: Better::Lower,
        doc: "95th-percentile JCT (nearest rank)",
        reading: Reading::Measure(|s| s.p95_jct_s),
    },
    MetricInfo {
        name: "p99_jct_s",
        unit: "s",
        better: Better::Lower,
        doc: "99th-percentile JCT (nearest rank)",
        reading: Reading::Measure(|s| s.p99_jct_s),
    },
    MetricInfo {
        name: "avg_wait_s",
        unit: "s",
        better: Better::Lower,
        doc: "mean wait (first start − submit) of jobs that started",
        reading: Reading::Measure(|s| s.avg_wait_s),
    },
    MetricInfo {
        name: "p95_wait_s",
        unit: "s",
        better: Better::Lower,
        doc: "95th-percentile wait (nearest rank)",
        reading: Reading::Measure(|s| s.p95_wait_s),
    },
    MetricInfo {
        name: "avg_bounded_slowdown",
        unit: "ratio",
        better: Better::Lower,
        doc: "mean of max(1, JCT ÷ max(duration_s, 10 s)) over completed jobs",
        reading: Reading::Measure(|s| s.avg_bounded_slowdown),
    },
    MetricInfo {
        name: "makespan_s",
        unit: "s",
        better: Better::Lower,
        doc: "first submission to the end of the run",
        reading: Reading::Measure(|s| Some(s.makespan_s)),
    },
    MetricInfo {
        name: "gpu_alloc_ratio",
        unit: "ratio",
        better: Better::Higher,
        doc: "time-weighted allocated ÷ installed GPU capacity (nodes down included)",
        reading: Reading::Measure(|s| Some(s.gpu_alloc_ratio)),
    },
    MetricInfo {
        name: "gpu_util",
        unit: "ratio",
        better: Better::Higher,
        doc: "useful work (allocation × speed, minus lost work) ÷ installed GPU capacity",
        reading: Reading::Measure(|s| Some(s.gpu_util)),
    },
    MetricInfo {
        name: "frag_mean",
        unit: "ratio",
        better: Better::Lower,
        doc: "time average of 1 − largest free GPU capacity on one node ÷ total free",
        reading: Reading::Measure(|s| Some(s.frag_mean)),
    },
    MetricInfo {
        name: "preemptions",
        unit: "count",
        better: Better::Lower,
        doc: "preemptions applied",
        reading: Reading::Count(|s| Some(s.preemptions)),
    },
    MetricInfo {
        name: "node_failures",
        unit: "nodes",
        better: Better::Lower,
        doc: "nodes that went down (null when nothing can fail)",
        reading: Reading::Count(|s| s.node_failures),
    },
    MetricInfo {
        name: "lost_gpu_hours",
        unit: "GPU-hours",
        better: Better::Lower,
        doc: "work lost since the last checkpoint to preemptions and failures",
        reading: Reading::Measure(|s| Some(s.lost_gpu_hours)),
    },
    MetricInfo {
        name: "energy_kwh",
        unit: "kWh",
        better: Better::Lower,
        doc: "IT energy (null without [power])",
        reading: Reading::Measure(|s| s.energy_kwh),
    },
    MetricInfo {
        name: "peak_power_kw",
        unit: "kW",
        better: Better::Lower,
        doc: "highest cluster IT power (null without [power])",
        reading: Reading::Measure(|s| s.peak_power_kw),
    },
    MetricInfo {
        name: "throttled_gpu_hours",
        unit: "GPU-hours",
        better: Better::Lower,
        doc: "GPU-hours allocated below full clock (null without [power])",
        reading: Reading::Measure(|s| s.throttled_gpu_hours),
    },
    MetricInfo {
        name: "jain_fairness",
        unit: "index",
        better: Better::Higher,
        doc: "Jain's index over users of their mean bounded slowdown (1: every user slowed alike)",
        reading: Reading::Measure(|s| s.jain_fairness),
    },
    MetricInfo {
        name: "facility_energy_kwh",
        unit: "kWh",
        better: Better::Neither,
        doc: "IT energy × PUE (null without [power]); not ranked",
        reading: Reading::Measure(|s| s.facility_energy_kwh),
    },
    MetricInfo {
        name: "max_temp_c",
        unit: "°C",
        better: Better::Neither,
        doc: "hottest GPU of the run (null without [thermal]); not ranked",
        reading: Reading::Measure(|s| s.max_temp_c),
    },
    MetricInfo {
        name: "frag_gpus_mean",
        unit: "GPUs",
        better: Better::Lower,
        doc: "time average of the FGD paper's fragmentation amount (null without typical tasks)",
        reading: Reading::Measure(|s| s.frag_gpus_mean),
    },
    MetricInfo {
        name: "frag_ratio_mean",
        unit: "ratio",
        better: Better::Lower,
        doc: "time average of the FGD paper's fragmentation ratio (null without typical tasks)",
        reading: Reading::Measure(|s| s.frag_ratio_mean),
    },
    MetricInfo {
        name: "interruptions",
        unit: "count",
        better: Better::Lower,
        doc: "running jobs stopped by failures (each stop counts)",
        reading: Reading::Count(|s| Some(s.interruptions)),
    },
    MetricInfo {
        name: "jobs_failed_after_retries",
        unit: "jobs",
        better: Better::Lower,
        doc: "jobs that had started and failed past their retry limit",
        reading: Reading::Count(|s| Some(s.jobs_failed_after_retries)),
    },
    MetricInfo {
        name: "incidents",
        unit: "count",
        better: Better::Neither,
        doc: "failures, overloads and thermal shutdowns (null when nothing can fail); not ranked",
        reading: Reading::Count(|s| s.incidents),
    },
    MetricInfo {
        name: "max_nodes_down",
        unit: "nodes",
        better: Better::Lower,
        doc: "the most nodes down at once (null when nothing can fail)",
        reading: Reading::Count(|s| s.max_nodes_down),
    },
    MetricInfo {
        name: "breaker_trips",
        unit: "count",
        better: Better::Neither,
        doc: "times the circuit breaker opened (null without [faults]); not ranked",
        reading: Reading::Count(|s| s.breaker_trips),
    },
    MetricInfo {
        name: "jobs_never_fit",
        unit: "jobs",
        better: Better::Neither,
        doc: "jobs refused at arrival because the empty cluster could not hold them (a property of the input)",
        reading: Reading::Count(|s| Some(s.jobs_never_fit)),
    },
    MetricInfo {
        name: "jobs_timed_out",
        unit: "jobs",
        better: Better::Lower,
        doc: "jobs killed at their requested time (policy.kill_at_limit)",
        reading: Reading::Count(|s| Some(s.jobs_timed_out)),
    },
    MetricInfo {
        name: "switch_lost_gpu_hours",
        unit: "GPU-h",
        better: Better::Lower,
        doc: "GPU time time-sliced GPUs spent switching contexts (null without a time-sliced or MPS [sharing])",
        reading: Reading::Measure(|s| s.switch_lost_gpu_hours),
    },
    MetricInfo {
        name: "mig_reconfigurations",
        unit: "count",
        better: Better::Lower,
        doc: "MIG instances created by reconfiguring a GPU (null without MIG-mode nodes)",
        reading: Reading::Count(|s| s.mig_reconfigurations),
    },
    MetricInfo {
        name: "mig_reconfig_gpu_hours",
        unit: "GPU-h",
        better: Better::Lower,
        doc: "GPU time reconfigured MIG slices served nothing (null without MIG-mode nodes)",
        reading: Reading::Measure(|s| s.mig_reconfig_gpu_hours),
    },
    MetricInfo {
        name: "mig_frag_gpus_mean",
        unit: "GPUs",
        better: Better::Lower,
        doc: "time-weighted FGD fragmentation of MIG compute slices, in GPUs (null without MIG-mode nodes)",
        reading: Reading::Measure(|s| s.mig_frag_gpus_mean),
    },
    MetricInfo {
        name: "ettr",
        unit: "ratio",
        better: Better::Higher,
        doc: "effective training time ratio: useful work ÷ wall time since first start, as GPU-time sums over started jobs",
        reading: Reading::Measure(|s| s.ettr),
    },
    MetricInfo {
        name: "goodput",
        unit: "ratio",
        better: Better::Higher,
        doc: "useful work ÷ time holding GPUs, as GPU-time sums over started jobs",
        reading: Reading::Measure(|s| s.goodput),
    },
    MetricInfo {
        name: "checkpoint_gpu_hours",
        unit: "GPU-h",
        better: Better::Lower,
        doc: "GPU-hours stalled writing checkpoints ([training] checkpoint_cost)",
        reading: Reading::Measure(|s| Some(s.checkpoint_gpu_hours)),
    },
    MetricInfo {
        name: "detection_gpu_hours",
        unit: "GPU-h",
        better: Better::Lower,
        doc: "GPU-hours of jobs held after failures (faults.restart_overhead, back-off)",
        reading: Reading::Measure(|s| Some(s.detection_gpu_hours)),
    },
    MetricInfo {
        name: "rescheduling_gpu_hours",
        unit: "GPU-h",
        better: Better::Lower,
        doc: "GPU-hours of started jobs waiting in the queue for nodes again",
        reading: Reading::Measure(|s| Some(s.rescheduling_gpu_hours)),
    },
    MetricInfo {
        name: "warmup_gpu_hours",
        unit: "GPU-h",
        better: Better::Lower,
        doc: "GPU-hours of started jobs not yet working: reloading checkpoints after restarts ([training] warmup) and waiting for the MIG instances created for them",
        reading: Reading::Measure(|s| Some(s.warmup_gpu_hours)),
    },
    MetricInfo {
        name: "spares_used",
        unit: "nodes",
        better: Better::Neither,
        doc: "hot spares swapped in for nodes that failed under jobs ([training] hot_spares)",
        reading: Reading::Count(|s| s.spares_used),
    },
    MetricInfo {
        name: "spare_idle_gpu_hours",
        unit: "GPU-h",
        better: Better::Lower,
        doc: "GPU-hours of ready hot spares held idle",
        reading: Reading::Measure(|s| s.spare_idle_gpu_hours),
    },
    MetricInfo {
        name: "lemons_drained",
        unit: "nodes",
        better: Better::Neither,
        doc: "nodes drained for failing too often ([faults.lemons])",
        reading: Reading::Count(|s| s.lemons_drained),
    },
    MetricInfo {
        name: "lemons_right",
        unit: "nodes",
        better: Better::Higher,
        doc: "drained nodes whose failure-rate multiplier is above the fleet's mean of 1",
        reading: Reading::Count(|s| s.lemons_right),
    },
    MetricInfo {
        name: "gpu_alloc_of_up",
        unit: "ratio",
        better: Better::Higher,
        doc: "time-weighted allocated ÷ GPU capacity of the nodes that are up",
        reading: Reading::Measure(|s| Some(s.gpu_alloc_of_up)),
    },
    MetricInfo {
        name: "gpu_capacity_up",
        unit: "ratio",
        better: Better::Higher,
        doc: "time average of the share of the installed GPU capacity that is up",
        reading: Reading::Measure(|s| Some(s.gpu_capacity_up)),
    },
];

/// Every metric name, in [`METRICS`] order.
pub const METRIC_NAMES: [&str; METRICS.len()] = {
    let mut names = [""; METRICS.len()];
    let mut i = 0;
    while i < METRICS.len() {
        names[i] = METRICS[i].name;
        i += 1;
    }
    names
};

/// The metric called `name`.
pub fn metric_info(name: &str) -> Option<&'static MetricInfo> {
    METRICS.iter().find(|m| m.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A summary whose every metric has its own value: counts 1, 2, 3, …; measures 0.5, 1.5, ….
    fn distinct() -> Summary {
        let c = |i: u64| i + 1;
        let x = |i: u64| i as f64 + 0.5;
        Summary {
            jobs_submitted: c(0),
            jobs_completed: c(1),
            jobs_failed: c(2),
            jobs_pending_at_end: c(3),
            jobs_running_at_end: c(4),
            avg_jct_s: Some(x(5)),
            p50_jct_s: Some(x(6)),
            p95_jct_s: Some(x(7)),
            p99_jct_s: Some(x(8)),
            avg_wait_s: Some(x(9)),
            p95_wait_s: Some(x(10)),
            avg_bounded_slowdown: Some(x(11)),
            makespan_s: x(12),
            gpu_alloc_ratio: x(13),
            gpu_util: x(14),
            frag_mean: x(15),
            preemptions: c(16),
            node_failures: Some(c(17)),
            lost_gpu_hours: x(18),
            energy_kwh: Some(x(19)),
            peak_power_kw: Some(x(20)),
            throttled_gpu_hours: Some(x(21)),
            jain_fairness: Some(x(22)),
            facility_energy_kwh: Some(x(23)),
            max_temp_c: Some(x(24)),
            frag_gpus_mean: Some(x(25)),
            frag_ratio_mean: Some(x(26)),
            interruptions: c(27),
            jobs_failed_after_retries: c(28),
            incidents: Some(c(29)),
            max_nodes_down: Some(c(30)),
            breaker_trips: Some(c(31)),
            jobs_never_fit: c(32),
            jobs_timed_out: c(33),
            switch_lost_gpu_hours: Some(x(34)),
            mig_reconfigurations: Some(c(35)),
            mig_reconfig_gpu_hours: Some(x(36)),
            mig_frag_gpus_mean: Some(x(37)),
            ettr: Some(x(38)),
            goodput: Some(x(39)),
            checkpoint_gpu_hours: x(40),
            detection_gpu_hours: x(41),
            rescheduling_gpu_hours: x(42),
            warmup_gpu_hours: x(43),
            spares_used: Some(c(44)),
            spare_idle_gpu_hours: Some(x(45)),
            lemons_drained: Some(c(46)),
            lemons_right: Some(c(47)),
            gpu_alloc_of_up: x(48),
            gpu_capacity_up: x(49),
        }
    }

    #[test]
    fn the_summary_writes_exactly_the_registered_metrics_in_order() {
        let summary = distinct();
        let text = serde_json::to_string(&summary).unwrap();
        let json: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&text).unwrap();
        assert_eq!(
            json.len(),
            METRICS.len(),
            "a summary field missing from METRICS, or the reverse"
        );
        let mut last = 0;
        for metric in METRICS {
            let at = text
                .find(&format!("\"{}\":", metric.name))
                .unwrap_or_else(|| panic!("`{}` is not in summary.json", metric.name));
            assert!(at >= last, "`{}` is out of order", metric.name);
            last = at;
            assert_eq!(json[metric.name].as_f64(), metric.value(&summary), "{}", metric.name);
        }
        assert_eq!(summary.metrics().map(|(name, _)| name), METRIC_NAMES);
    }

    #[test]
    fn counts_are_exactly_the_whole_number_fields_of_the_summary() {
        // `distinct` gives every count field a whole value (1, 2, …) and every measurement a
        // half (0.5, 1.5, …); summary.json writes integer fields as JSON integers. So a metric
        // is a count exactly when its value is whole and its JSON value an integer: the 18
        // integer fields of `Summary` (jobs, preemptions, interruptions, nodes, incidents,
        // breaker trips, MIG reconfigurations, spares and lemons).
        let summary = distinct();
        let json = serde_json::to_value(&summary).unwrap();
        for metric in METRICS {
            let value = metric.value(&summary).unwrap();
            assert_eq!(metric.is_count(), value.fract() == 0.0, "{}", metric.name);
            assert_eq!(metric.is_count(), json[metric.name].is_u64(), "{}", metric.name);
        }
        assert_eq!(METRICS.iter().filter(|m| m.is_count()).count(), 18);
    }

    #[test]
    fn names_are_unique_and_found() {
        for (i, name) in METRIC_NAMES.iter().enumerate() {
            assert!(!METRIC_NAMES[..i].contains(name), "{name} twice");
            assert_eq!(metric_info(name).map(|m| m.name), Some(*name));
        }
        assert!(metric_info("avg_jct").is_none());
    }
}
