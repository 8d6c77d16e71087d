//! The tables of the report page (and of `clustersim compare`'s output).

use crate::aggregate::{Estimate, PointAggregate};
use crate::compare::{PolicyResult, is_best};
use crate::direction::HEADLINE_METRICS;
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

/// Metrics as rows, policies as columns, the best of each row marked.
pub fn means(results: &[PolicyResult]) -> Table {
    let mut header = vec!["metric".to_string()];
    header.extend(results.iter().map(|r| r.policy.clone()));
    let rows = HEADLINE_METRICS
        .iter()
        .map(|name| {
            let m = index(name);
            let mut row = vec![Cell::plain(*name)];
            row.extend(results.iter().enumerate().map(|(i, r)| Cell {
                text: mean_and_interval(&r.metrics[m]),
                best: is_best(results, i, m),
            }));
            row
        })
        .collect();
    Table {
        caption: "Mean ± 95 % CI half-width across seeds (★ best)".into(),
        header,
        rows,
    }
}

/// Paired differences of every other policy against the first.
pub fn differences(results: &[PolicyResult]) -> Table {
    let first = &results[0].policy;
    let mut header = vec!["metric".to_string()];
    header.extend(results[1..].iter().map(|r| format!("{} − {first}", r.policy)));
    let rows = HEADLINE_METRICS
        .iter()
        .map(|name| {
            let m = index(name);
            let mut row = vec![Cell::plain(*name)];
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

/// One row per grid point: the swept values and the headline metrics.
pub fn points(keys: &[String], points: &[PointAggregate]) -> Table {
    let mut header: Vec<String> = keys.to_vec();
    if header.is_empty() {
        header.push("point".into());
    }
    header.extend(HEADLINE_METRICS.iter().map(|m| m.to_string()));
    let rows = points
        .iter()
        .enumerate()
        .map(|(i, point)| {
            let mut row: Vec<Cell> = match keys.is_empty() {
                true => vec![Cell::plain(i.to_string())],
                false => point.params.iter().map(Cell::plain).collect(),
            };
            row.extend(
                HEADLINE_METRICS
                    .iter()
                    .map(|name| Cell::plain(mean_and_interval(&point.metrics[index(name)]))),
            );
            row
        })
        .collect();
    Table {
        caption: "Mean ± 95 % CI half-width across seeds, per grid point".into(),
        header,
        rows,
    }
}

fn index(name: &str) -> usize {
    METRIC_NAMES
        .iter()
        .position(|m| *m == name)
        .expect("headline metrics are contract metrics")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_read_as_plus_minus() {
        let e = Estimate::of(&[1.0, 3.0]);
        // Mean 2, half-width 12.706205 × √2 / √2 = 12.706205 → 12.706.
        assert_eq!(mean_and_interval(&e), "2 ± 12.706");
        assert_eq!(mean_and_interval(&Estimate::of(&[0.5])), "0.5");
        assert_eq!(mean_and_interval(&Estimate::default()), "-");
    }
}
