//! Charts of a sweep: each key metric of the scenario and each headline metric against each
//! swept parameter, mean and 95 % interval per grid point, one series per policy (and per value
//! of any other swept key).

use crate::aggregate::PointAggregate;
use crate::charts::categories::{is_categorical, short, short_labels};
use crate::charts::palette::colours_of;
use crate::charts::{BandChart, BandPoint, BandSeries};
use crate::compare::{POLICY_KEY, policy_folder};
use crate::direction::{Better, better_in, leading};
use crate::sweep_manifest::MetricDecl;
use sim_core::metrics::METRIC_NAMES;

/// Metrics charted beside the headline ones when they differ between grid points: what
/// failures, preemption and the physical models cost, and what training jobs make of their
/// time with hot spares and lemon exclusion (docs/training.md).
const COST_METRICS: [&str; 16] = [
    "preemptions",
    "lost_gpu_hours",
    "node_failures",
    "max_nodes_down",
    "interruptions",
    "jobs_failed_after_retries",
    "energy_kwh",
    "peak_power_kw",
    "throttled_gpu_hours",
    "ettr",
    "goodput",
    "rescheduling_gpu_hours",
    "spares_used",
    "spare_idle_gpu_hours",
    "lemons_drained",
    "lemons_right",
];

/// The metrics charted, each once: the scenario's `key` metrics, the headline metrics, then the
/// cost metrics that differ between grid points (`max_nodes_down` in a failure study), then the
/// metrics of a crate's own.
fn charted<'a>(points: &'a [PointAggregate], key: &'a [String]) -> Vec<&'a str> {
    let varies = |metric: &str| {
        let means: Vec<f64> = points
            .iter()
            .filter_map(|p| p.metric(metric).and_then(|e| e.mean))
            .collect();
        means.windows(2).any(|w| w[0] != w[1])
    };
    let costs = COST_METRICS.iter().copied().filter(|m| varies(m));
    let own = points
        .first()
        .into_iter()
        .flat_map(|p| p.extra_metrics.iter().map(String::as_str));
    let mut names = leading(key);
    for name in costs.chain(own) {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// The band charts of `points` (swept over `keys`), the scenario's `key` metrics first;
/// colours by position in `policies`.
pub fn charts(keys: &[String], points: &[PointAggregate], policies: &[String], key: &[String]) -> Vec<BandChart> {
    let policy_column = keys.iter().position(|k| k == POLICY_KEY);
    let parameters: Vec<usize> = (0..keys.len()).filter(|&k| Some(k) != policy_column).collect();
    let mut charts = Vec::new();
    for metric in charted(points, key) {
        if points.iter().all(|p| p.metric(metric).and_then(|e| e.mean).is_none()) {
            continue;
        }
        match (parameters.is_empty(), policy_column) {
            (true, Some(column)) => charts.push(by_category(metric, column, keys, points, policies)),
            (true, None) => {}
            (false, _) => charts.extend(
                parameters
                    .iter()
                    .map(|&x| against(metric, x, keys, points, policies, policy_column)),
            ),
        }
    }
    charts
}

/// How much a chart's means differ between its points, relative to their size (0 for a flat
/// chart).
fn spread(chart: &BandChart) -> f64 {
    let means = || chart.series.iter().flat_map(|s| s.points.iter().map(|p| p.mean));
    let low = means().fold(f64::INFINITY, f64::min);
    let high = means().fold(f64::NEG_INFINITY, f64::max);
    let size = low.abs().max(high.abs());
    if size > 0.0 && high > low {
        (high - low) / size
    } else {
        0.0
    }
}

/// `charts` with the one whose means differ most (relative to their size) moved to the front,
/// so that the page opens with the chart that says most; the others keep their order. When the
/// scenario names `key` metrics, the lead is the chart of one of them that differs most.
pub fn lead_first(mut charts: Vec<BandChart>, key: &[String]) -> Vec<BandChart> {
    let of_key = |chart: &BandChart| key.is_empty() || key.contains(&chart.y_label);
    let lead = charts
        .iter()
        .enumerate()
        .filter(|(_, chart)| of_key(chart))
        .max_by(|a, b| spread(a.1).total_cmp(&spread(b.1)).then(b.0.cmp(&a.0)))
        .map(|(i, _)| i);
    if let Some(i) = lead {
        let chart = charts.remove(i);
        charts.insert(0, chart);
    }
    charts
}

/// The grid point alone with the best mean of `metric` (by its direction; a metric of a
/// crate's own as `declared` in `sweep.json`): the metric, the mean as the tables print it, and
/// the point's values (file paths by their stems). `None` for a metric without a direction, or
/// when several points share the best mean.
pub fn best(points: &[PointAggregate], metric: &str, declared: &[MetricDecl]) -> Option<(String, String, String)> {
    let direction = better_in(metric, declared);
    let means: Vec<(usize, f64)> = points
        .iter()
        .enumerate()
        .filter_map(|(i, p)| Some((i, p.metric(metric)?.mean?)))
        .collect();
    let pick = |a: f64, b: f64| match direction {
        Better::Lower => a < b,
        Better::Higher => a > b,
        Better::Neither => false,
    };
    let &(index, mean) = means.iter().reduce(|a, b| if pick(b.1, a.1) { b } else { a })?;
    let ties = means.iter().filter(|(_, m)| *m == mean).count();
    if direction == Better::Neither || ties > 1 {
        return None;
    }
    let at: Vec<&str> = points[index].params.iter().map(|v| short(v)).collect();
    let shown = crate::number::decimal((mean * 1000.0).round() / 1000.0);
    Some((metric.to_string(), shown, at.join(", ")))
}

/// What a chart of `metric` over `points` shows around each mean: a 95 % interval, or, when no
/// point has two seeds, none (said, rather than an interval claimed and drawn at zero width).
fn around_means(metric: &str, points: &[PointAggregate]) -> &'static str {
    match points
        .iter()
        .any(|p| p.metric(metric).is_some_and(|e| e.ci95.is_some()))
    {
        true => "mean, 95 % CI",
        false => "one seed, no interval",
    }
}

/// `metric` against the parameter in column `x`.
fn against(
    metric: &str,
    x: usize,
    keys: &[String],
    points: &[PointAggregate],
    policies: &[String],
    policy_column: Option<usize>,
) -> BandChart {
    let mut values: Vec<&str> = Vec::new();
    for point in points {
        if !values.contains(&point.params[x].as_str()) {
            values.push(&point.params[x]);
        }
    }
    // Numbers read in order, whether drawn as categories or on a numeric axis.
    if values.iter().all(|v| v.parse::<f64>().is_ok()) {
        values.sort_by(|a, b| {
            a.parse::<f64>()
                .unwrap_or(0.0)
                .total_cmp(&b.parse::<f64>().unwrap_or(0.0))
        });
    }
    let numeric: Option<Vec<f64>> = if is_categorical(&values) {
        None
    } else {
        values.iter().map(|v| v.parse::<f64>().ok()).collect()
    };
    let position = |label: &str| {
        let index = values.iter().position(|v| *v == label).unwrap_or(0);
        numeric.as_ref().map_or(index as f64, |n| n[index])
    };
    let colours = colours_of(policies);
    let never_negative = METRIC_NAMES.contains(&metric);
    let mut series: Vec<BandSeries> = Vec::new();
    for point in points {
        let label = series_label(keys, &point.params, x, policy_column);
        let Some(estimate) = point.metric(metric).filter(|e| e.mean.is_some()) else {
            continue;
        };
        let mean = estimate.mean.unwrap_or_default();
        let (mut low, high) = estimate.ci95.unwrap_or((mean, mean));
        if never_negative {
            // A built-in metric cannot be below zero, though the interval of a small sample of
            // it can reach there: it is drawn to zero (aggregate.csv keeps its bound).
            low = low.max(0.0);
        }
        let band_point = BandPoint {
            x: position(&point.params[x]),
            mean,
            low,
            high,
        };
        match series.iter_mut().find(|s| s.label == label) {
            Some(s) => s.points.push(band_point),
            None => {
                let colour = match policy_column {
                    Some(column) => policies
                        .iter()
                        .position(|p| *p == point.params[column])
                        .map_or(0, |at| colours[at]),
                    None => series.len(),
                };
                series.push(BandSeries {
                    label,
                    colour,
                    points: vec![band_point],
                });
            }
        }
    }
    for s in &mut series {
        s.points.sort_by(|a, b| a.x.total_cmp(&b.x));
    }
    BandChart {
        name: format!("{metric}_vs_{}", policy_folder(&keys[x])),
        title: format!("{metric} against {} ({})", keys[x], around_means(metric, points)),
        x_label: keys[x].clone(),
        y_label: metric.to_string(),
        y_from_zero: from_zero(metric),
        categories: numeric.is_none().then(|| short_labels(&values)),
        series,
        dense: false,
    }
}

/// Whether `metric`'s axis starts at zero: times, counts and most ratios do; temperatures do
/// not, nor ETTR and goodput, whose differences lie just below 1 (docs/training.md).
fn from_zero(metric: &str) -> bool {
    !(metric.ends_with("_c") || matches!(metric, "ettr" | "goodput"))
}

/// `metric` per policy when the policy is the only swept key.
fn by_category(
    metric: &str,
    column: usize,
    keys: &[String],
    points: &[PointAggregate],
    policies: &[String],
) -> BandChart {
    let mut chart = against(metric, column, keys, points, policies, None);
    let colours = colours_of(policies);
    for s in &mut chart.series {
        s.colour = policies.iter().position(|p| *p == s.label).map_or(0, |at| colours[at]);
    }
    chart.name = by_policy(metric);
    chart.title = format!("{metric} by policy ({})", around_means(metric, points));
    chart
}

/// The file stem of the chart of `metric` by policy.
pub(crate) fn by_policy(metric: &str) -> String {
    format!("{metric}_by_policy")
}

/// The legend entry of a point's series: its policy, then the other keys held fixed.
fn series_label(keys: &[String], params: &[String], x: usize, policy_column: Option<usize>) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(column) = policy_column.filter(|&c| c != x) {
        parts.push(params[column].clone());
    }
    for (k, key) in keys.iter().enumerate() {
        if k != x && Some(k) != policy_column {
            let value = crate::charts::categories::short(&params[k]);
            parts.push(format!("{key}={value}"));
        }
    }
    if parts.is_empty() && keys[x] == POLICY_KEY {
        params[x].clone()
    } else if parts.is_empty() {
        "mean across seeds".into()
    } else {
        parts.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::Estimate;

    fn point(policy: &str, racks: &str, jct: f64) -> PointAggregate {
        let mut metrics = vec![Estimate::default(); METRIC_NAMES.len()];
        metrics[5] = Estimate {
            n: 2,
            mean: Some(jct),
            std_dev: Some(1.0),
            ci95: Some((jct - 1.0, jct + 1.0)),
        };
        PointAggregate {
            params: vec![racks.into(), policy.into()],
            failed: 0,
            metrics,
            extra_metrics: Vec::new(),
        }
    }

    #[test]
    fn an_interval_reaching_below_zero_is_drawn_to_zero() {
        // avg_jct_s of 0.5 s with a half-width of 1 s: the band runs from 0, not −0.5.
        let keys = vec!["cluster.racks".to_string(), POLICY_KEY.to_string()];
        let policies = vec!["first-fit".to_string()];
        let points = [point("first-fit", "2", 0.5), point("first-fit", "4", 3.0)];
        let chart = &charts(&keys, &points, &policies, &[])[0];
        let lows: Vec<f64> = chart.series[0].points.iter().map(|p| p.low).collect();
        assert_eq!(lows, [0.0, 2.0]);
    }

    #[test]
    fn one_series_per_policy_against_each_parameter() {
        let keys = vec!["cluster.racks".to_string(), POLICY_KEY.to_string()];
        let policies = vec!["first-fit".to_string(), "best-fit".to_string()];
        let points = [
            point("first-fit", "4", 10.0),
            point("best-fit", "4", 12.0),
            point("first-fit", "2", 20.0),
            point("best-fit", "2", 22.0),
        ];
        let charts = charts(&keys, &points, &policies, &[]);
        // Only avg_jct_s has values: one chart, against cluster.racks, whose two values are
        // categories in numeric order.
        assert_eq!(charts.len(), 1);
        let chart = &charts[0];
        assert_eq!(chart.name, "avg_jct_s_vs_cluster.racks");
        assert_eq!(chart.categories, Some(vec!["2".to_string(), "4".to_string()]));
        let labels: Vec<(&str, usize)> = chart.series.iter().map(|s| (s.label.as_str(), s.colour)).collect();
        assert_eq!(labels, [("first-fit", 0), ("best-fit", 1)]);
        // Points sorted by x: racks 2 (category 0) then 4.
        assert_eq!(
            chart.series[1].points[0],
            BandPoint {
                x: 0.0,
                mean: 22.0,
                low: 21.0,
                high: 23.0
            }
        );
        let only_policy = charts_for_policy_only();
        assert_eq!(only_policy.name, "avg_jct_s_by_policy");
        assert_eq!(
            only_policy.categories,
            Some(vec!["best-fit".to_string(), "first-fit".to_string()])
        );
        assert_eq!(only_policy.series[0].colour, 1);
    }

    #[test]
    fn one_seed_charts_claim_no_interval() {
        let keys = vec!["cluster.racks".to_string(), POLICY_KEY.to_string()];
        let policies = vec!["first-fit".to_string()];
        let two_seeds = [point("first-fit", "4", 10.0), point("first-fit", "2", 20.0)];
        assert_eq!(
            charts(&keys, &two_seeds, &policies, &[])[0].title,
            "avg_jct_s against cluster.racks (mean, 95 % CI)"
        );
        let one_seed = two_seeds.map(|mut p| {
            p.metrics[5] = Estimate::of(&[p.metrics[5].mean.unwrap()]);
            p
        });
        assert_eq!(
            charts(&keys, &one_seed, &policies, &[])[0].title,
            "avg_jct_s against cluster.racks (one seed, no interval)"
        );
    }

    #[test]
    fn five_numbers_get_a_numeric_axis_and_paths_short_labels() {
        let keys = vec!["cluster.racks".to_string()];
        let points: Vec<PointAggregate> = ["16", "1", "2", "4", "8"]
            .iter()
            .map(|racks| {
                let mut p = point("first-fit", racks, 3.0);
                p.params = vec![racks.to_string()];
                p
            })
            .collect();
        let chart = charts(&keys, &points, &[], &[]).remove(0);
        assert_eq!(chart.categories, None);
        let xs: Vec<f64> = chart.series[0].points.iter().map(|p| p.x).collect();
        assert_eq!(xs, [1.0, 2.0, 4.0, 8.0, 16.0]);
        let keys = vec!["workload.trace".to_string()];
        let points: Vec<PointAggregate> = ["../data/pods_a.csv", "../data/pods_b.csv"]
            .iter()
            .map(|trace| {
                let mut p = point("first-fit", trace, 3.0);
                p.params = vec![trace.to_string()];
                p
            })
            .collect();
        let chart = charts(&keys, &points, &[], &[]).remove(0);
        assert_eq!(chart.categories, Some(vec!["pods_a".to_string(), "pods_b".to_string()]));
    }

    #[test]
    fn the_chart_whose_means_differ_most_leads() {
        let keys = vec!["cluster.racks".to_string(), POLICY_KEY.to_string()];
        let policies = vec!["first-fit".to_string(), "best-fit".to_string()];
        let mut points = vec![point("first-fit", "4", 10.0), point("best-fit", "4", 10.5)];
        // A second metric, max_nodes_down (index 30), from 300 to 3: a spread of 0.99 of its
        // size, against avg_jct_s's 0.5 / 10.5 = 0.048.
        for (p, nodes) in points.iter_mut().zip([300.0, 3.0]) {
            p.metrics[30] = Estimate {
                n: 2,
                mean: Some(nodes),
                std_dev: Some(0.0),
                ci95: Some((nodes, nodes)),
            };
        }
        let names: Vec<String> = lead_first(charts(&keys, &points, &policies, &[]), &[])
            .into_iter()
            .map(|c| c.name)
            .collect();
        assert_eq!(names, ["max_nodes_down_vs_cluster.racks", "avg_jct_s_vs_cluster.racks"]);
        // Named a key metric, avg_jct_s is charted first and leads, although it differs less.
        let key = ["avg_jct_s".to_string()];
        let names: Vec<String> = lead_first(charts(&keys, &points, &policies, &key), &key)
            .into_iter()
            .map(|c| c.name)
            .collect();
        assert_eq!(names, ["avg_jct_s_vs_cluster.racks", "max_nodes_down_vs_cluster.racks"]);
        // A key metric outside the headline and cost lists is charted, right after the others
        // named before it, even when it is the same at every point.
        let key = ["jobs_submitted".to_string(), "avg_jct_s".to_string()];
        assert_eq!(
            charted(&points, &key)[..3],
            ["jobs_submitted", "avg_jct_s", "jobs_completed"]
        );
    }

    #[test]
    fn the_best_point_is_named_unless_tied() {
        let points = [point("first-fit", "4", 10.0), point("best-fit", "4", 12.0)];
        assert_eq!(
            best(&points, "avg_jct_s", &[]),
            Some(("avg_jct_s".to_string(), "10".to_string(), "4, first-fit".to_string()))
        );
        let tied = [point("first-fit", "4", 10.0), point("best-fit", "4", 10.0)];
        assert_eq!(best(&tied, "avg_jct_s", &[]), None);
        assert_eq!(best(&points, "jobs_submitted", &[]), None, "no direction");
    }

    #[test]
    fn a_metric_of_a_crate_s_own_is_charted_and_ranked_as_declared() {
        // max_queue_length: 3 jobs at first-fit, 1 at best-fit; lower is better.
        let with_queue = |policy: &str, queue: f64| {
            let mut p = point(policy, "4", 10.0);
            p.extra_metrics = vec!["max_queue_length".into()];
            p.metrics.push(Estimate::of(&[queue]));
            p
        };
        let points = [with_queue("first-fit", 3.0), with_queue("best-fit", 1.0)];
        assert!(charted(&points, &[]).contains(&"max_queue_length"));
        let declared = [MetricDecl {
            name: "max_queue_length".into(),
            unit: "jobs".into(),
            better: Better::Lower,
            doc: "the most jobs waiting at once".into(),
        }];
        assert_eq!(
            best(&points, "max_queue_length", &declared),
            Some((
                "max_queue_length".to_string(),
                "1".to_string(),
                "4, best-fit".to_string()
            ))
        );
        assert_eq!(best(&points, "max_queue_length", &[]), None, "undeclared: not ranked");
    }

    fn charts_for_policy_only() -> BandChart {
        let keys = vec![POLICY_KEY.to_string()];
        let policies = vec!["first-fit".to_string(), "best-fit".to_string()];
        let mut a = point("best-fit", "", 1.0);
        a.params = vec!["best-fit".into()];
        let mut b = point("first-fit", "", 2.0);
        b.params = vec!["first-fit".into()];
        charts(&keys, &[a, b], &policies, &[]).remove(0)
    }
}
