//! Which way is better for each metric, for marking the best policy and for default CI rules:
//! read from the metric registry, where every metric states it.

pub use sim_core::metrics::Better;

use crate::sweep_manifest::MetricDecl;

/// The direction of the metric called `name`, from the metric registry
/// ([`sim_core::metrics::METRICS`]).
///
/// # Panics
/// When `name` is not a metric: every caller names one, and a name outside the registry is a
/// bug, not a metric without a direction.
pub fn better(name: &str) -> Better {
    sim_core::metrics::metric_info(name)
        .unwrap_or_else(|| panic!("`{name}` is not a metric"))
        .better
}

/// The direction of the metric called `name` in results whose metrics of a crate's own are
/// `declared` (as their `sweep.json` states them): a built-in metric's from the registry, a
/// declared one's as declared, and `Neither` for any other (not ranked: the results do not say
/// which way is better).
pub fn better_in(name: &str, declared: &[MetricDecl]) -> Better {
    match sim_core::metrics::metric_info(name) {
        Some(info) => info.better,
        None => declared
            .iter()
            .find(|m| m.name == name)
            .map_or(Better::Neither, |m| m.better),
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

/// The metrics a report shows first: the scenario's `key` metrics in their order, then the
/// headline metrics it does not name.
pub fn leading(key: &[String]) -> Vec<&str> {
    let mut names: Vec<&str> = key.iter().map(String::as_str).collect();
    names.extend(HEADLINE_METRICS.iter().filter(|m| !key.iter().any(|k| k == *m)));
    names
}

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

    /// The directions reports ranked by before the registry held them (a name match here):
    /// best marks and default check rules are unchanged.
    #[test]
    fn directions_are_those_reports_always_used() {
        // ettr, goodput and lemons_right came later (docs/training.md, docs/failures.md):
        // higher is better; spares_used and lemons_drained are not ranked. gpu_alloc_of_up and
        // gpu_capacity_up later still (docs/scenarios.md): higher is better.
        let higher = [
            "jobs_completed",
            "gpu_alloc_ratio",
            "gpu_util",
            "jain_fairness",
            "ettr",
            "goodput",
            "lemons_right",
            "gpu_alloc_of_up",
            "gpu_capacity_up",
        ];
        let neither = [
            "jobs_submitted",
            "jobs_running_at_end",
            "facility_energy_kwh",
            "max_temp_c",
            "incidents",
            "breaker_trips",
            "jobs_never_fit",
            "spares_used",
            "lemons_drained",
        ];
        for name in sim_core::metrics::METRIC_NAMES {
            let expected = if higher.contains(&name) {
                Better::Higher
            } else if neither.contains(&name) {
                Better::Neither
            } else {
                Better::Lower
            };
            assert_eq!(better(name), expected, "{name}");
        }
    }

    #[test]
    fn key_metrics_lead_and_are_not_repeated() {
        let key = ["max_nodes_down".to_string(), "gpu_util".to_string()];
        let names = leading(&key);
        assert_eq!(names[..3], ["max_nodes_down", "gpu_util", "jobs_completed"]);
        assert_eq!(names.len(), HEADLINE_METRICS.len() + 1, "gpu_util is listed once");
        assert_eq!(leading(&[]), HEADLINE_METRICS);
    }

    #[test]
    fn metrics_of_a_crate_s_own_rank_as_declared() {
        let declared = [MetricDecl {
            name: "max_queue_length".into(),
            unit: "jobs".into(),
            better: Better::Lower,
            doc: "the most jobs waiting at once".into(),
        }];
        assert_eq!(better_in("max_queue_length", &declared), Better::Lower);
        assert_eq!(better_in("gpu_util", &declared), Better::Higher);
        assert_eq!(better_in("undeclared", &declared), Better::Neither);
    }

    #[test]
    #[should_panic(expected = "`avg_jct` is not a metric")]
    fn a_name_outside_the_registry_is_a_bug() {
        better("avg_jct");
    }
}
