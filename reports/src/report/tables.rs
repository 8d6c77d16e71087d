//! The tables of the report page (and of `clustersim compare`'s output).

use crate::aggregate::{Estimate, PointAggregate};
use crate::charts::categories::short;
use crate::compare::{PolicyResult, is_best};
use crate::direction::leading;
use crate::html::{Cell, Table};
use crate::number::decimal;
use sim_core::metrics::METRIC_NAMES;

/// "mean ± half-width" (or the mean alone, or `-`), with three decimals at most.
pub fn mean_and_interval(estimate: &Estimate) -> String {
    let short = |v: f64| decimal((v * 1000.0).round() / 1000.0);
    match (estimate.mean, estimate.half_width()) {
        (Some(mean), Some(half)) => format!("{} ± {}", short(mean), short(half)),
        (Some(mean), None) => short(mean),
        _ => "-".into(),
    }
}

/// The rows of the comparison tables: the scenario's `key` metrics, the headline metrics, then
/// the metrics of a crate's own, each once, as (name, index in [`PolicyResult::metrics`]).
fn compared<'a>(results: &'a [PolicyResult], key: &'a [String]) -> Vec<(&'a str, usize)> {
    let own: Vec<(&str, usize)> = results
        .first()
        .into_iter()
        .flat_map(|r| {
            (r.extra_metrics.iter().enumerate()).map(|(i, (name, _))| (name.as_str(), METRIC_NAMES.len() + i))
        })
        .collect();
    let mut rows: Vec<(&str, usize)> = leading(key)
        .into_iter()
        .filter_map(|name| {
            let at = METRIC_NAMES.iter().position(|m| *m == name);
            at.or_else(|| own.iter().find(|(n, _)| *n == name).map(|(_, i)| *i))
                .map(|i| (name, i))
        })
        .collect();
    for row in own {
        if !rows.iter().any(|(n, _)| *n == row.0) {
            rows.push(row);
        }
    }
    rows
}

/// Metrics as rows (the scenario's `key` metrics, the headline ones, then those of a crate's
/// own), policies as columns, the best of each row marked.
pub fn means(results: &[PolicyResult], key: &[String]) -> Table {
    let mut header = vec!["metric".to_string()];
    header.extend(results.iter().map(|r| r.policy.clone()));
    let rows = compared(results, key)
        .into_iter()
        .map(|(name, m)| {
            let mut row = vec![Cell::plain(name)];
            row.extend(results.iter().enumerate().map(|(i, r)| {
                let estimate = &r.metrics[m];
                let mut text = mean_and_interval(estimate);
                if estimate.n < r.runs {
                    text.push_str(&format!(" ({} of {} runs)", estimate.n, r.runs));
                }
                Cell {
                    text,
                    best: is_best(results, i, m),
                }
            }));
            row
        })
        .collect();
    Table {
        caption: "Mean ± 95 % CI half-width across seeds (★ best, on rows where every run has the metric)".into(),
        header,
        rows,
    }
}

/// Paired differences of every other policy against the first, rows as in [`means`].
pub fn differences(results: &[PolicyResult], key: &[String]) -> Table {
    let first = &results[0].policy;
    let mut header = vec!["metric".to_string()];
    header.extend(results[1..].iter().map(|r| format!("{} − {first}", r.policy)));
    let rows = compared(results, key)
        .into_iter()
        .map(|(name, m)| {
            let mut row = vec![Cell::plain(name)];
            row.extend(results[1..].iter().map(|r| {
                Cell::plain(
                    r.differences
                        .as_ref()
                        .map_or_else(|| "-".into(), |d| mean_and_interval(&d[m])),
                )
            }));
            row
        })
        .collect();
    Table {
        caption: format!("Paired difference against {first}, same seeds: mean ± 95 % CI half-width"),
        header,
        rows,
    }
}

/// One row per grid point: the swept values (file paths by their stems) and the scenario's
/// `key` metrics, the headline metrics and those of a crate's own that differ between points;
/// those equal at every point are named once in the caption instead of filling a column with
/// one value.
pub fn points(keys: &[String], points: &[PointAggregate], key: &[String]) -> Table {
    let shown = |name: &str, point: &PointAggregate| point.metric(name).map_or_else(|| "-".into(), mean_and_interval);
    let own = points
        .first()
        .into_iter()
        .flat_map(|p| p.extra_metrics.iter().map(String::as_str));
    let mut names = leading(key);
    for name in own {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    let (varying, equal): (Vec<&str>, Vec<&str>) = names
        .into_iter()
        .partition(|name| points.len() < 2 || points.iter().any(|p| shown(name, p) != shown(name, &points[0])));
    let mut header: Vec<String> = keys.to_vec();
    if header.is_empty() {
        header.push("point".into());
    }
    header.extend(varying.iter().map(|m| m.to_string()));
    let rows = points
        .iter()
        .enumerate()
        .map(|(i, point)| {
            let mut row: Vec<Cell> = match keys.is_empty() {
                true => vec![Cell::plain(i.to_string())],
                false => point.params.iter().map(|v| Cell::plain(short(v))).collect(),
            };
            row.extend(varying.iter().map(|name| Cell::plain(shown(name, point))));
            row
        })
        .collect();
    let mut caption = "Mean ± 95 % CI half-width across seeds, per grid point".to_string();
    if !equal.is_empty() {
        let same: Vec<String> = equal
            .iter()
            .map(|name| format!("{name} {}", shown(name, &points[0])))
            .collect();
        caption.push_str(&format!("; the same at every point: {}", same.join(", ")));
    }
    Table { caption, header, rows }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(name: &str) -> usize {
        METRIC_NAMES.iter().position(|m| *m == name).unwrap()
    }

    #[test]
    fn intervals_read_as_plus_minus() {
        let e = Estimate::of(&[1.0, 3.0]);
        // Mean 2, half-width 12.706205 × √2 / √2 = 12.706205 → 12.706.
        assert_eq!(mean_and_interval(&e), "2 ± 12.706");
        assert_eq!(mean_and_interval(&Estimate::of(&[0.5])), "0.5");
        assert_eq!(mean_and_interval(&Estimate::default()), "-");
    }

    #[test]
    fn columns_equal_at_every_point_go_to_the_caption() {
        let point = |trace: &str, jct: f64| {
            let mut metrics = vec![Estimate::default(); METRIC_NAMES.len()];
            metrics[index("jobs_completed")] = Estimate::of(&[293.0, 293.0]);
            metrics[index("avg_jct_s")] = Estimate::of(&[jct, jct]);
            PointAggregate {
                params: vec![trace.into()],
                failed: 0,
                metrics,
                extra_metrics: Vec::new(),
            }
        };
        let table = points(
            &["workload.trace".into()],
            &[point("a/x.csv", 600.0), point("a/y.csv", 700.0)],
            &[],
        );
        // Only avg_jct_s differs; jobs_completed is 293 (interval 0) everywhere; the other
        // headline metrics have no value anywhere ("-").
        assert_eq!(table.header, ["workload.trace", "avg_jct_s"]);
        assert_eq!(table.rows[1][0].text, "y");
        assert_eq!(table.rows[1][1].text, "700 ± 0");
        assert!(table.caption.ends_with(
            "; the same at every point: jobs_completed 293 ± 0, p95_jct_s -, avg_wait_s -, p95_wait_s -, \
             avg_bounded_slowdown -, gpu_alloc_ratio -, gpu_util -, frag_mean -"
        ));
    }

    #[test]
    fn the_comparison_rows_lead_with_the_key_metrics_and_a_metric_of_one_s_own() {
        // Key metrics max_nodes_down (built in) and max_queue_length (a crate's own, after the
        // built-in estimates): they open the rows, then the nine headline metrics; the own
        // metric is not listed twice.
        let mut metrics = vec![Estimate::default(); METRIC_NAMES.len()];
        metrics[index("max_nodes_down")] = Estimate::of(&[293.0]);
        metrics.push(Estimate::of(&[7.0]));
        let result = PolicyResult {
            policy: "first-fit".into(),
            metrics,
            differences: None,
            runs: 1,
            extra_metrics: vec![("max_queue_length".into(), crate::direction::Better::Lower)],
        };
        let key = ["max_nodes_down".to_string(), "max_queue_length".to_string()];
        let table = means(std::slice::from_ref(&result), &key);
        let names: Vec<&str> = table.rows.iter().map(|r| r[0].text.as_str()).collect();
        assert_eq!(names[..3], ["max_nodes_down", "max_queue_length", "jobs_completed"]);
        assert_eq!(names.len(), 2 + 9);
        assert_eq!(
            (table.rows[0][1].text.as_str(), table.rows[1][1].text.as_str()),
            ("293", "7")
        );
    }

    #[test]
    fn key_metrics_come_first() {
        // max_nodes_down (a key metric, not a headline one) is 300 at x and 3 at y: its column
        // comes right after the swept key, before avg_jct_s; the key metric equal everywhere,
        // jobs_completed, opens the caption's list.
        let point = |trace: &str, down: f64| {
            let mut metrics = vec![Estimate::default(); METRIC_NAMES.len()];
            metrics[index("jobs_completed")] = Estimate::of(&[293.0, 293.0]);
            metrics[index("avg_jct_s")] = Estimate::of(&[down * 2.0, down * 2.0]);
            metrics[index("max_nodes_down")] = Estimate::of(&[down, down]);
            PointAggregate {
                params: vec![trace.into()],
                failed: 0,
                metrics,
                extra_metrics: Vec::new(),
            }
        };
        let key = ["max_nodes_down".to_string(), "jobs_completed".to_string()];
        let table = points(&["x".into()], &[point("1", 300.0), point("2", 3.0)], &key);
        assert_eq!(table.header, ["x", "max_nodes_down", "avg_jct_s"]);
        assert_eq!(table.rows[0][1].text, "300 ± 0");
        assert!(
            table
                .caption
                .contains("; the same at every point: jobs_completed 293 ± 0, p95_jct_s -"),
            "{}",
            table.caption
        );
    }
}
