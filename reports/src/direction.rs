//! Which way is better for each metric, for marking the best policy and for default CI rules.

/// Whether a larger or a smaller value of a metric is better.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Better {
    /// Smaller is better (times, slowdowns, fragmentation, losses).
    Lower,
    /// Larger is better (completed jobs, allocation, utilization, fairness).
    Higher,
    /// Neither: a property of the input, not of the policy (jobs submitted).
    Neither,
}

/// The direction of the metric called `name` (unknown names: [`Better::Neither`]).
pub fn better(name: &str) -> Better {
    match name {
        "jobs_completed" | "gpu_alloc_ratio" | "gpu_util" | "jain_fairness" => Better::Higher,
        "jobs_failed"
        | "jobs_pending_at_end"
        | "avg_jct_s"
        | "p50_jct_s"
        | "p95_jct_s"
        | "p99_jct_s"
        | "avg_wait_s"
        | "p95_wait_s"
        | "avg_bounded_slowdown"
        | "makespan_s"
        | "frag_mean"
        | "frag_gpus_mean"
        | "frag_ratio_mean"
        | "preemptions"
        | "lost_gpu_hours"
        | "energy_kwh"
        | "peak_power_kw"
        | "throttled_gpu_hours"
        | "node_failures"
        | "interruptions"
        | "jobs_failed_after_retries"
        | "jobs_timed_out"
        | "max_nodes_down" => Better::Lower,
        _ => Better::Neither,
    }
}

/// Metrics shown in printed tables and charted, in order: the ones a scheduler engineer
/// looks at first.
pub const HEADLINE_METRICS: [&str; 9] = [
    "jobs_completed",
    "avg_jct_s",
    "p95_jct_s",
    "avg_wait_s",
    "p95_wait_s",
    "avg_bounded_slowdown",
    "gpu_alloc_ratio",
    "gpu_util",
    "frag_mean",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_headline_metric_has_a_direction() {
        for name in HEADLINE_METRICS {
            assert_ne!(better(name), Better::Neither, "{name}");
        }
        assert_eq!(better("jobs_submitted"), Better::Neither);
        assert_eq!(better("avg_jct_s"), Better::Lower);
    }
}
