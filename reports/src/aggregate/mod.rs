//! `aggregate.csv`: per grid point and metric, the mean, standard deviation and 95 %
//! confidence interval across seeds.
//!
//! One row per (grid point, metric), in run order then [`METRIC_NAMES`] order, the metrics of
//! a crate's own last (in registration order). Columns:
//! `point` (0-based, in order of first run), one column per swept key, `metric`, `n` (runs
//! with a value), `failed` (failed runs of the point), `mean`, `std_dev` (sample standard
//! deviation, n − 1 in the denominator), `ci95_low`, `ci95_high` (mean ∓ t(0.975, n − 1) ·
//! std_dev / √n, Student's t). Undefined cells are empty: no mean without values, no
//! deviation or interval from a single value.

pub mod student_t;

use std::io::{self, Write};
use std::path::Path;

use sim_core::metrics::{METRIC_NAMES, is_metric_name};

use crate::atomic::write_atomic;
use crate::error::{At, ReportError};
use crate::number::float_cell;
use crate::records::{Records, read_records};
use crate::sweep_table::{RunStatus, SweepTable, csv_line};

/// Confidence level of every interval in the reports.
pub const CONFIDENCE: f64 = 0.95;

/// Mean, spread and 95 % confidence interval of a set of values.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Estimate {
    /// Number of values.
    pub n: usize,
    /// Arithmetic mean (`None` without values).
    pub mean: Option<f64>,
    /// Sample standard deviation (`None` below two values).
    pub std_dev: Option<f64>,
    /// Lower and upper bound of the 95 % confidence interval of the mean (`None` below two values).
    pub ci95: Option<(f64, f64)>,
}

impl Estimate {
    /// The estimate of `values` (summed in the order given, so results are reproducible).
    pub fn of(values: &[f64]) -> Estimate {
        let n = values.len();
        if n == 0 {
            return Estimate::default();
        }
        let mean = values.iter().sum::<f64>() / n as f64;
        if n == 1 {
            return Estimate {
                n,
                mean: Some(mean),
                ..Estimate::default()
            };
        }
        let squares: f64 = values.iter().map(|v| (v - mean) * (v - mean)).sum();
        let std_dev = (squares / (n - 1) as f64).sqrt();
        let half = student_t::critical_value(CONFIDENCE, n as u64 - 1) * std_dev / (n as f64).sqrt();
        Estimate {
            n,
            mean: Some(mean),
            std_dev: Some(std_dev),
            ci95: Some((mean - half, mean + half)),
        }
    }

    /// The mean, the standard deviation and the interval's bounds as CSV cells (empty when
    /// undefined), in the column order of `aggregate.csv` and `fill_summary.csv`.
    pub fn cells(&self) -> [String; 4] {
        [
            float_cell(self.mean),
            float_cell(self.std_dev),
            float_cell(self.ci95.map(|c| c.0)),
            float_cell(self.ci95.map(|c| c.1)),
        ]
    }

    /// Half the width of the interval (`None` without one).
    pub fn half_width(&self) -> Option<f64> {
        self.ci95.map(|(low, high)| (high - low) / 2.0)
    }
}

/// The runs of one grid point, aggregated.
#[derive(Clone, Debug, PartialEq)]
pub struct PointAggregate {
    /// Values of the swept keys.
    pub params: Vec<String>,
    /// Failed runs of the point.
    pub failed: usize,
    /// One estimate per metric, in [`METRIC_NAMES`] order, then one per metric of a crate's
    /// own, in [`PointAggregate::extra_metrics`] order.
    pub metrics: Vec<Estimate>,
    /// The metrics of a crate's own (empty for runs of the built-in registry).
    pub extra_metrics: Vec<String>,
}

impl PointAggregate {
    /// The estimate of the metric called `name` (built-in, or of a crate's own).
    pub fn metric(&self, name: &str) -> Option<&Estimate> {
        self.metric_names()
            .position(|m| m == name)
            .and_then(|i| self.metrics.get(i))
    }

    /// Every metric's name, in the order of [`PointAggregate::metrics`].
    pub fn metric_names(&self) -> impl Iterator<Item = &str> + Clone {
        METRIC_NAMES
            .iter()
            .copied()
            .chain(self.extra_metrics.iter().map(String::as_str))
    }
}

/// Groups the rows of `table` by grid point (in order of the first run of each point, rows
/// taken by run index) and estimates every metric.
pub fn aggregate(table: &SweepTable) -> Vec<PointAggregate> {
    let mut rows: Vec<_> = table.rows.iter().collect();
    rows.sort_by_key(|r| r.run);
    let mut points: Vec<(&Vec<String>, Vec<&crate::sweep_table::SweepRow>)> = Vec::new();
    for row in rows {
        // Runs of a point are usually consecutive: look at the last point first.
        let same = |(params, _): &&mut (&Vec<String>, _)| **params == row.params;
        let found = match points.last_mut().filter(|p| same(p)) {
            Some(last) => Some(last),
            None => points.iter_mut().find(|p| same(p)),
        };
        match found {
            Some((_, members)) => members.push(row),
            None => points.push((&row.params, vec![row])),
        }
    }
    points
        .into_iter()
        .map(|(params, members)| PointAggregate {
            params: params.clone(),
            failed: members
                .iter()
                .filter(|r| matches!(r.status, RunStatus::Failed(_)))
                .count(),
            metrics: (0..table.metric_names().count())
                .map(|index| {
                    let values: Vec<f64> = members.iter().filter_map(|r| r.value(index)).collect();
                    Estimate::of(&values)
                })
                .collect(),
            extra_metrics: table.extra_metrics.clone(),
        })
        .collect()
}

/// The header of `aggregate.csv` for these swept keys.
pub fn header(params: &[String]) -> Vec<String> {
    let mut columns = vec!["point".to_string()];
    columns.extend(params.iter().cloned());
    columns.extend(
        ["metric", "n", "failed", "mean", "std_dev", "ci95_low", "ci95_high"]
            .iter()
            .map(|c| c.to_string()),
    );
    columns
}

/// Writes `aggregate.csv` rows to `w`.
pub fn write_aggregate(w: &mut impl Write, params: &[String], points: &[PointAggregate]) -> io::Result<()> {
    w.write_all(&csv_line(&header(params)))?;
    for (index, point) in points.iter().enumerate() {
        for (name, estimate) in point.metric_names().zip(&point.metrics) {
            let mut fields = vec![index.to_string()];
            fields.extend(point.params.iter().cloned());
            fields.extend([name.to_string(), estimate.n.to_string(), point.failed.to_string()]);
            fields.extend(estimate.cells());
            w.write_all(&csv_line(&fields))?;
        }
    }
    Ok(())
}

/// Writes `aggregate.csv` atomically.
pub fn write_aggregate_csv(path: &Path, params: &[String], points: &[PointAggregate]) -> io::Result<()> {
    write_atomic(path, |w| write_aggregate(w, params, points))
}

/// Reads `aggregate.csv` back into points (values rounded as written; a metric it does not know
/// is a metric of a crate's own).
pub fn read_aggregate_csv(path: &Path) -> Result<(Vec<String>, Vec<PointAggregate>), ReportError> {
    let origin = path.display().to_string();
    let Records { head, rows } = read_records(path)?;
    if head.is_empty() {
        return Err(At { path: &origin, line: 1 }.line("expected the aggregate header"));
    }
    let param_count = head.len().saturating_sub(8);
    let params = head.get(1..1 + param_count).unwrap_or_default().to_vec();
    if head.len() < 8 || header(&params) != head {
        return Err(At { path: &origin, line: 1 }.line(format!(
            "not an aggregate table: expected the columns {}",
            header(&params).join(",")
        )));
    }
    let mut points: Vec<PointAggregate> = Vec::new();
    for (line, fields) in &rows {
        let at = At {
            path: &origin,
            line: *line,
        };
        if fields.len() != head.len() {
            return Err(at.line(format!("expected {} fields, found {}", head.len(), fields.len())));
        }
        let point: usize = fields[0]
            .parse()
            .map_err(|_| at.line(format!("bad point `{}`", fields[0])))?;
        let rest = &fields[1 + param_count..];
        let name = rest[0].as_str();
        let number = |text: &str| -> Result<Option<f64>, ReportError> {
            if text.is_empty() {
                return Ok(None);
            }
            // NaN and infinities are no statistic this program writes (a missing one is empty).
            text.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .map(Some)
                .ok_or_else(|| at.line(format!("expected a finite number, got `{text}`")))
        };
        let count = |text: &str| {
            text.parse::<usize>()
                .map_err(|_| at.line(format!("bad count `{text}`")))
        };
        if point == points.len() {
            points.push(PointAggregate {
                params: fields[1..1 + param_count].to_vec(),
                failed: count(&rest[2])?,
                metrics: vec![Estimate::default(); METRIC_NAMES.len()],
                extra_metrics: Vec::new(),
            });
        } else if point + 1 != points.len() {
            return Err(at.line(format!("point {point} out of order")));
        }
        let current = &mut points[point];
        // A name past the built-in metrics is a metric of a crate's own, after them.
        let found = current.metric_names().position(|m| m == name);
        let metric = match found {
            Some(metric) => metric,
            None if is_metric_name(name) => {
                current.extra_metrics.push(name.to_string());
                current.metrics.push(Estimate::default());
                current.metrics.len() - 1
            }
            None => return Err(at.line(format!("unknown metric `{name}`"))),
        };
        let low = number(&rest[5])?;
        let high = number(&rest[6])?;
        points[point].metrics[metric] = Estimate {
            n: count(&rest[1])?,
            mean: number(&rest[3])?,
            std_dev: number(&rest[4])?,
            ci95: low.zip(high),
        };
    }
    Ok((params, points))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep_table::SweepRow;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-6
    }

    #[test]
    fn mean_deviation_and_interval_of_a_hand_made_set() {
        // Values 2, 4, 4, 4, 5, 5, 7, 9: n = 8, mean = 40 / 8 = 5.
        // Squared deviations 9+1+1+1+0+0+4+16 = 32; sample variance 32 / 7 = 4.571429,
        // std dev √4.571429 = 2.138090; standard error 2.138090 / √8 = 0.755929.
        // t(0.975, 7) = 2.364624 (t table, 7 degrees of freedom), so the half-width is
        // 2.364624 × 0.755929 = 1.787488: interval [3.212512, 6.787488].
        let e = Estimate::of(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]);
        assert_eq!(e.n, 8);
        assert_eq!(e.mean, Some(5.0));
        assert!(close(e.std_dev.unwrap(), 2.138090), "{e:?}");
        let (low, high) = e.ci95.unwrap();
        assert!(close(low, 3.212512) && close(high, 6.787488), "{e:?}");
        // Two values 1 and 3: mean 2, std dev √2 = 1.414214, se 1, t(0.975, 1) = 12.706205:
        // interval [−10.706205, 14.706205].
        let e = Estimate::of(&[1.0, 3.0]);
        let (low, high) = e.ci95.unwrap();
        assert!(close(low, -10.706205) && close(high, 14.706205), "{e:?}");
        // One value: a mean, no spread; none: nothing.
        assert_eq!(
            Estimate::of(&[7.0]),
            Estimate {
                n: 1,
                mean: Some(7.0),
                std_dev: None,
                ci95: None
            }
        );
        assert_eq!(Estimate::of(&[]), Estimate::default());
    }

    fn row(run: u64, policy: &str, jct: Option<f64>) -> SweepRow {
        let status = match jct {
            Some(v) => {
                let mut values = vec![None; METRIC_NAMES.len()];
                values[5] = Some(v);
                RunStatus::Ok(values)
            }
            None => RunStatus::Failed("boom".into()),
        };
        SweepRow {
            run,
            seed: run,
            params: vec![policy.into()],
            status,
        }
    }

    #[test]
    fn points_group_in_run_order_and_round_trip_through_the_file() {
        // Rows out of order: b's runs 2, 3 and a's runs 0, 1; a has one failed run.
        let table = SweepTable {
            params: vec!["policy.name".into()],
            extra_metrics: Vec::new(),
            rows: vec![
                row(3, "b", Some(30.0)),
                row(0, "a", Some(10.0)),
                row(2, "b", Some(20.0)),
                row(1, "a", None),
            ],
        };
        let points = aggregate(&table);
        assert_eq!(points.len(), 2);
        assert_eq!((points[0].params[0].as_str(), points[0].failed), ("a", 1));
        let b = points[1].metric("avg_jct_s").unwrap();
        // 20 and 30: mean 25, std dev √50 = 7.071068, half-width 12.706205 × 5 = 63.531024.
        assert_eq!((b.n, b.mean), (2, Some(25.0)));
        assert!(close(b.ci95.unwrap().0, 25.0 - 63.531024));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("aggregate.csv");
        write_aggregate_csv(&path, &table.params, &points).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("point,policy.name,metric,n,failed,mean,std_dev,ci95_low,ci95_high\n"));
        assert!(
            text.contains("\n1,b,avg_jct_s,2,0,25.0,7.071068,-38.531024,88.531024\n"),
            "{text}"
        );
        let (params, back) = read_aggregate_csv(&path).unwrap();
        assert_eq!(params, table.params);
        assert_eq!(back[1].metric("avg_jct_s").unwrap().mean, Some(25.0));
        assert_eq!(back[0].metric("avg_jct_s").unwrap().n, 1);
        // A NaN where a mean belongs is no file this program wrote: refused, naming the line.
        std::fs::write(&path, text.replace(",25.0,7.071068,", ",NaN,7.071068,")).unwrap();
        let err = read_aggregate_csv(&path).unwrap_err().to_string();
        assert!(err.contains("expected a finite number, got `NaN`"), "{err}");
    }
}
