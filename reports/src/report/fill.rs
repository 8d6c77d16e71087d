//! The charts and table of a sweep's fill curves (`fill.csv`): for each value of the swept keys
//! other than the policy (a "panel", e.g. one pod list), the GPU allocation against the arrived
//! demand (mean line and 95 % band per policy), the fragmentation amount and ratio at 80 % and
//! 100 % arrived demand (grouped bars), and a table of the means at 100 % and 130 %.

use crate::aggregate::Estimate;
use crate::charts::categories::short;
use crate::charts::{BandChart, BandPoint, BandSeries, Bar, BarChart, BarSeries};
use crate::compare::{POLICY_KEY, policy_folder};
use crate::fill_curves::{CURVE_METRICS, CurveMetric, CurvePoint};
use crate::html::{Cell, Table};
use crate::number::decimal;

/// Arrived-demand percents of the fragmentation bars.
const BAR_PERCENTS: [u32; 2] = [80, 100];

/// Arrived-demand percents of the table.
const TABLE_PERCENTS: [u32; 2] = [100, 130];

/// The charts of the curves.
pub struct FillCharts {
    /// Allocation against arrived demand, one per panel.
    pub curves: Vec<BandChart>,
    /// Fragmentation bars, two per panel.
    pub bars: Vec<BarChart>,
}

/// A panel: the points sharing the values of every swept key but the policy.
struct Panel<'p, 'a> {
    /// The values held (file paths by their names), for titles.
    label: String,
    /// Suffix of the chart file names.
    suffix: String,
    points: Vec<&'p CurvePoint<'a>>,
}

impl Panel<'_, '_> {
    /// One series per point of the panel: `make` builds it from the point's label and colour
    /// ([`series_of`]) and the point.
    fn series<S>(
        &self,
        keys: &[String],
        policies: &[String],
        make: impl Fn(String, usize, &CurvePoint<'_>) -> S,
    ) -> Vec<S> {
        let colours = crate::charts::palette::colours_of(policies);
        self.points
            .iter()
            .enumerate()
            .map(|(i, point)| {
                let (label, colour) = series_of(keys, point, policies, &colours, i);
                make(label, colour, point)
            })
            .collect()
    }
}

fn panels<'p, 'a>(keys: &[String], points: &'p [CurvePoint<'a>]) -> Vec<Panel<'p, 'a>> {
    let held: Vec<usize> = (0..keys.len()).filter(|&k| keys[k] != POLICY_KEY).collect();
    let mut panels: Vec<(Vec<&str>, Panel<'p, 'a>)> = Vec::new();
    for point in points {
        let values: Vec<&str> = held.iter().map(|&k| point.params[k].as_str()).collect();
        match panels.iter_mut().find(|(v, _)| *v == values) {
            Some((_, panel)) => panel.points.push(point),
            None => {
                let label = values.iter().map(|v| short(v)).collect::<Vec<_>>().join(", ");
                let suffix: String = values.iter().map(|v| format!("_{}", policy_folder(short(v)))).collect();
                panels.push((
                    values,
                    Panel {
                        label,
                        suffix,
                        points: vec![point],
                    },
                ));
            }
        }
    }
    panels.into_iter().map(|(_, p)| p).collect()
}

/// The policy of a point (its label when the policy is not swept) and its colour (`colours`,
/// the colours of `policies`).
fn series_of(
    keys: &[String],
    point: &CurvePoint<'_>,
    policies: &[String],
    colours: &[usize],
    fallback: usize,
) -> (String, usize) {
    match keys.iter().position(|k| k == POLICY_KEY) {
        Some(column) => {
            let policy = point.params[column].clone();
            let colour = policies
                .iter()
                .position(|p| *p == policy)
                .map_or(fallback, |at| colours[at]);
            (policy, colour)
        }
        None => ("all runs".into(), fallback),
    }
}

fn metric(name: &str) -> CurveMetric {
    *CURVE_METRICS
        .iter()
        .find(|(n, _)| *n == name)
        .expect("a curve metric of the module")
}

/// `mean` and interval × `scale`.
fn scaled(estimate: &Estimate, scale: f64) -> Option<(f64, f64, f64)> {
    let mean = estimate.mean?;
    let (low, high) = estimate.ci95.unwrap_or((mean, mean));
    Some((mean * scale, low * scale, high * scale))
}

/// The charts of `points` (curves swept over `keys`); colours by position in `policies`.
pub fn charts(keys: &[String], points: &[CurvePoint<'_>], policies: &[String]) -> FillCharts {
    let mut charts = FillCharts {
        curves: Vec::new(),
        bars: Vec::new(),
    };
    let (_, alloc) = metric("gpu_alloc_ratio");
    for panel in panels(keys, points) {
        let title_end = if panel.label.is_empty() {
            String::new()
        } else {
            format!(": {}", panel.label)
        };
        // With one seed a point has no interval: the labels say so instead of claiming one.
        let spread = match panel.points.iter().any(|p| p.runs.len() >= 2) {
            true => "mean and 95 % CI",
            false => "one seed, no interval",
        };
        let series = panel.series(keys, policies, |label, colour, point| {
            let points = point
                .percents()
                .into_iter()
                .filter_map(|pct| {
                    let (mean, low, high) = scaled(&point.estimate(pct, alloc), 100.0)?;
                    Some(BandPoint {
                        x: f64::from(pct),
                        mean,
                        low,
                        high,
                    })
                })
                .collect();
            BandSeries { label, colour, points }
        });
        charts.curves.push(BandChart {
            name: format!("fill_alloc{}", panel.suffix),
            title: format!("GPU allocation against arrived demand{title_end}"),
            x_label: "arrived GPU demand (% of capacity)".into(),
            y_label: format!("allocated GPUs (% of capacity), {spread}"),
            y_from_zero: true,
            categories: None,
            series,
            dense: true,
        });
        for (name, what) in [
            ("frag_amount", "amount (% of GPU capacity)"),
            ("frag_ratio", "ratio (% of idle GPUs)"),
        ] {
            let (_, read) = metric(name);
            if panel
                .points
                .iter()
                .all(|p| p.runs.iter().all(|r| r.rows.iter().all(|row| read(row).is_none())))
            {
                continue;
            }
            let series = panel.series(keys, policies, |label, colour, point| {
                let bars = BAR_PERCENTS
                    .iter()
                    .map(|&pct| {
                        scaled(&point.estimate(pct, read), 100.0).map(|(mean, low, high)| Bar { mean, low, high })
                    })
                    .collect();
                BarSeries { label, colour, bars }
            });
            charts.bars.push(BarChart {
                name: format!("fill_{name}{}", panel.suffix),
                title: format!(
                    "Fragmentation {} at 80 % and 100 % arrived demand{title_end}",
                    name.trim_start_matches("frag_")
                ),
                x_label: "arrived GPU demand".into(),
                y_label: format!("fragmentation {what}, {spread}"),
                groups: BAR_PERCENTS.iter().map(|p| format!("{p} %")).collect(),
                series,
            });
        }
    }
    charts
}

/// The table of means at 100 % and 130 % arrived demand: one row per grid point.
pub fn table(keys: &[String], points: &[CurvePoint<'_>]) -> Table {
    let columns = [
        ("gpu_alloc_ratio", "GPU alloc", 100.0),
        ("frag_amount", "frag amount", 100.0),
        ("frag_ratio", "frag ratio", 100.0),
        ("pods_failed", "failed pods", 1.0),
    ];
    let mut header = keys.to_vec();
    for (_, label, _) in columns {
        header.extend(TABLE_PERCENTS.iter().map(|p| format!("{label} @{p} %")));
    }
    let rows = points
        .iter()
        .map(|point| {
            let mut row: Vec<Cell> = point.params.iter().map(|v| Cell::plain(short(v))).collect();
            for (name, _, scale) in columns {
                let (_, read) = metric(name);
                row.extend(TABLE_PERCENTS.iter().map(|&pct| {
                    let mean = point.estimate(pct, read).mean;
                    Cell::plain(mean.map_or_else(|| "-".into(), |m| decimal((m * scale * 100.0).round() / 100.0)))
                }));
            }
            row
        })
        .collect();
    Table {
        caption: "Fill runs: means across seeds at 100 % and 130 % arrived GPU demand (allocation and \
                  fragmentation amount in % of GPU capacity, fragmentation ratio in % of idle GPUs)"
            .into(),
        header,
        rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fill_curves::{RunCurve, points};
    use sim_core::metrics::FillRow;

    fn curve(run: u64, policy: &str, trace: &str, alloc: f64) -> RunCurve {
        let row = |pct: u32| FillRow {
            arrived_pct: pct,
            arrived_demand: f64::from(pct) / 100.0,
            gpu_alloc_ratio: alloc.min(f64::from(pct) / 100.0),
            pods_arrived: u64::from(pct),
            pods_failed: 0,
            frag_amount: Some(0.05),
            frag_ratio: Some(0.5),
        };
        RunCurve {
            run,
            seed: run,
            params: vec![policy.into(), trace.into()],
            rows: [80, 100, 130].into_iter().map(row).collect(),
        }
    }

    #[test]
    fn one_panel_per_trace_one_series_per_policy() {
        let keys = vec![POLICY_KEY.to_string(), "workload.trace".to_string()];
        let curves = vec![
            curve(0, "fgd", "data/a.csv", 0.95),
            curve(1, "random", "data/a.csv", 0.9),
            curve(2, "fgd", "data/b.csv", 0.93),
            curve(3, "random", "data/b.csv", 0.85),
        ];
        let points = points(&curves);
        let policies = vec!["fgd".to_string(), "random".to_string()];
        let charts = charts(&keys, &points, &policies);
        let names: Vec<&str> = charts.curves.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["fill_alloc_a", "fill_alloc_b"]);
        assert_eq!(charts.bars.len(), 4);
        assert_eq!(charts.bars[0].name, "fill_frag_amount_a");
        // Allocation in percent: random on b reaches 85 % at 100 % and 130 %.
        let random_b = &charts.curves[1].series[1];
        assert_eq!((random_b.label.as_str(), random_b.colour), ("random", 1));
        assert_eq!(random_b.points.last().unwrap().mean, 85.0);
        // The bars: 5 % of capacity at both percents.
        assert_eq!(
            charts.bars[0].series[0].bars,
            vec![
                Some(Bar {
                    mean: 5.0,
                    low: 5.0,
                    high: 5.0
                });
                2
            ]
        );
        let table = table(&keys, &points);
        assert_eq!(table.rows[1][0].text, "random");
        assert_eq!(table.rows[1][1].text, "a");
        assert_eq!(table.rows[1][2].text, "90");
        assert_eq!(table.rows[1][4].text, "5");
    }

    #[test]
    fn a_comparison_of_fill_runs_draws_one_panel_of_charts_it_knows() {
        // The policy the only swept key: one panel, no suffix; every name is one a comparison
        // written over this one removes.
        let keys = vec![POLICY_KEY.to_string()];
        let mut curves = vec![curve(0, "fgd", "", 0.95), curve(1, "random", "", 0.9)];
        curves.iter_mut().for_each(|c| c.params.truncate(1));
        let points = points(&curves);
        let charts = charts(&keys, &points, &["fgd".to_string(), "random".to_string()]);
        let curve_names = charts.curves.iter().map(|c| c.name.as_str());
        let names: Vec<&str> = curve_names.chain(charts.bars.iter().map(|c| c.name.as_str())).collect();
        assert_eq!(names, ["fill_alloc", "fill_frag_amount", "fill_frag_ratio"]);
        let known = super::super::comparison_charts([]);
        assert!(names.iter().all(|n| known.iter().any(|k| k == n)), "{names:?}");
    }
}
