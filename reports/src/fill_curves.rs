//! The fill curves of a sweep: every fill run's `fill.csv` rows in one file, and their means
//! across seeds at chosen arrived-demand percents.
//!
//! - `fill.csv` (sweep folder): `run, seed`, one column per swept key, then the columns of a
//!   run's `fill.csv` ([`FILL_COLUMNS`]); rows by run index, then arrived percent.
//! - `fill_summary.csv`: per grid point (in order of its first run), arrived percent
//!   ([`SUMMARY_PERCENTS`]) and curve metric ([`CURVE_METRICS`]): `point, <swept keys…>,
//!   arrived_pct, metric, n, mean, std_dev, ci95_low, ci95_high`, as in `aggregate.csv`.
//!
//! A run's value at a percent is its row of that percent; when no arrival landed on it (a
//! large pod jumps over a percent), the mean of its rows within one percent either side, as
//! the FGD artifact's `merge_*_discrete.py` scripts take it.

use std::io::{self, Write};
use std::path::Path;

use sim_core::metrics::FillRow;

use crate::aggregate::Estimate;
use crate::atomic::write_atomic;
use crate::error::{At, ReportError};
use crate::fill_file::{FILL_COLUMNS, fill_fields, write_fill};
use crate::records::{Records, read_records};
use crate::sweep_table::csv_line;

/// The sweep's combined curves file.
pub const FILL_CURVES: &str = "fill.csv";

/// The sweep's summary of the curves.
pub const FILL_SUMMARY: &str = "fill_summary.csv";

/// Arrived-demand percents of the summary: the paper's fragmentation bars (80, 100) and the
/// end of its runs (130).
pub const SUMMARY_PERCENTS: [u32; 3] = [80, 100, 130];

/// A curve metric: its column name and how to read it from a row.
pub type CurveMetric = (&'static str, fn(&FillRow) -> Option<f64>);

/// The metrics the summary and the charts read from the curves.
pub const CURVE_METRICS: [CurveMetric; 4] = [
    ("gpu_alloc_ratio", |r| Some(r.gpu_alloc_ratio)),
    ("frag_amount", |r| r.frag_amount),
    ("frag_ratio", |r| r.frag_ratio),
    ("pods_failed", |r| Some(r.pods_failed as f64)),
];

/// One fill run's curve within a sweep.
#[derive(Clone, Debug, PartialEq)]
pub struct RunCurve {
    /// The run's index.
    pub run: u64,
    /// Its seed.
    pub seed: u64,
    /// Its values of the swept keys.
    pub params: Vec<String>,
    /// Its `fill.csv` rows.
    pub rows: Vec<FillRow>,
}

impl RunCurve {
    /// The value of `metric` at `pct` (see the module's rule), if the curve reaches it.
    pub fn at(&self, pct: u32, metric: fn(&FillRow) -> Option<f64>) -> Option<f64> {
        if let Some(row) = self.rows.iter().find(|r| r.arrived_pct == pct) {
            return metric(row);
        }
        let near: Vec<f64> = self
            .rows
            .iter()
            .filter(|r| r.arrived_pct.abs_diff(pct) <= 1)
            .filter_map(metric)
            .collect();
        (!near.is_empty()).then(|| near.iter().sum::<f64>() / near.len() as f64)
    }
}

/// The runs of one grid point.
#[derive(Clone, Debug, PartialEq)]
pub struct CurvePoint<'a> {
    /// Its values of the swept keys.
    pub params: &'a [String],
    /// Its runs, by run index.
    pub runs: Vec<&'a RunCurve>,
}

impl CurvePoint<'_> {
    /// Mean and interval across the point's runs of `metric` at `pct`.
    pub fn estimate(&self, pct: u32, metric: fn(&FillRow) -> Option<f64>) -> Estimate {
        let values: Vec<f64> = self.runs.iter().filter_map(|r| r.at(pct, metric)).collect();
        Estimate::of(&values)
    }

    /// The arrived percents any of the point's runs has a row for, in order.
    pub fn percents(&self) -> Vec<u32> {
        let mut percents: Vec<u32> = self
            .runs
            .iter()
            .flat_map(|r| r.rows.iter().map(|row| row.arrived_pct))
            .collect();
        percents.sort_unstable();
        percents.dedup();
        percents
    }
}

/// The curves grouped by grid point, in order of each point's first run.
pub fn points(curves: &[RunCurve]) -> Vec<CurvePoint<'_>> {
    let mut sorted: Vec<&RunCurve> = curves.iter().collect();
    sorted.sort_by_key(|c| c.run);
    let mut points: Vec<CurvePoint<'_>> = Vec::new();
    for curve in sorted {
        match points.iter_mut().find(|p| p.params == curve.params.as_slice()) {
            Some(point) => point.runs.push(curve),
            None => points.push(CurvePoint {
                params: &curve.params,
                runs: vec![curve],
            }),
        }
    }
    points
}

/// Writes one run's rows as a `fill.csv` file (atomically).
pub fn write_run_curve(path: &Path, rows: &[FillRow]) -> io::Result<()> {
    write_atomic(path, |w| write_fill(w, rows))
}

/// Reads a run's `fill.csv`.
pub fn read_run_curve(path: &Path) -> Result<Vec<FillRow>, ReportError> {
    let origin = path.display().to_string();
    let Records { head, rows } = records(path, &origin)?;
    if head != FILL_COLUMNS {
        return Err(At { path: &origin, line: 1 }.line(format!("expected the columns {}", FILL_COLUMNS.join(","))));
    }
    rows.iter()
        .map(|(line, fields)| {
            parse_row(
                fields,
                &At {
                    path: &origin,
                    line: *line,
                },
            )
        })
        .collect()
}

/// The header of a sweep's `fill.csv` with these swept keys.
pub fn curves_header(keys: &[String]) -> Vec<String> {
    let mut columns = vec!["run".to_string(), "seed".to_string()];
    columns.extend(keys.iter().cloned());
    columns.extend(FILL_COLUMNS.iter().map(|c| c.to_string()));
    columns
}

/// Writes a sweep's `fill.csv` atomically (curves in the order given).
pub fn write_curves(path: &Path, keys: &[String], curves: &[RunCurve]) -> io::Result<()> {
    write_atomic(path, |w| {
        w.write_all(&csv_line(&curves_header(keys)))?;
        for curve in curves {
            for row in &curve.rows {
                let mut fields = vec![curve.run.to_string(), curve.seed.to_string()];
                fields.extend(curve.params.iter().cloned());
                fields.extend(fill_fields(row));
                w.write_all(&csv_line(&fields))?;
            }
        }
        Ok(())
    })
}

/// Reads a sweep's `fill.csv`: its swept keys and curves (in file order).
pub fn read_curves(path: &Path) -> Result<(Vec<String>, Vec<RunCurve>), ReportError> {
    let origin = path.display().to_string();
    let Records { head, rows } = records(path, &origin)?;
    let key_count = head.len().saturating_sub(2 + FILL_COLUMNS.len());
    let keys = head.get(2..2 + key_count).unwrap_or_default().to_vec();
    if head.len() < 2 + FILL_COLUMNS.len() || curves_header(&keys) != head {
        return Err(At { path: &origin, line: 1 }.line(format!(
            "not a sweep's fill curves: expected run, seed, the swept keys, then {}",
            FILL_COLUMNS.join(",")
        )));
    }
    let mut curves: Vec<RunCurve> = Vec::new();
    for (line, fields) in rows {
        let at = At { path: &origin, line };
        let number = |i: usize| {
            fields[i]
                .parse::<u64>()
                .map_err(|_| at.line(format!("bad {} `{}`", head[i], fields[i])))
        };
        let (run, seed) = (number(0)?, number(1)?);
        let row = parse_row(&fields[2 + key_count..], &at)?;
        match curves.last_mut().filter(|c| c.run == run) {
            Some(curve) => curve.rows.push(row),
            None => curves.push(RunCurve {
                run,
                seed,
                params: fields[2..2 + key_count].to_vec(),
                rows: vec![row],
            }),
        }
    }
    Ok((keys, curves))
}

/// The header of `fill_summary.csv` with these swept keys.
pub fn summary_header(keys: &[String]) -> Vec<String> {
    let mut columns = vec!["point".to_string()];
    columns.extend(keys.iter().cloned());
    columns.extend(
        ["arrived_pct", "metric", "n", "mean", "std_dev", "ci95_low", "ci95_high"]
            .iter()
            .map(|c| c.to_string()),
    );
    columns
}

/// Writes `fill_summary.csv` atomically.
pub fn write_summary(path: &Path, keys: &[String], points: &[CurvePoint<'_>]) -> io::Result<()> {
    write_atomic(path, |w| {
        w.write_all(&csv_line(&summary_header(keys)))?;
        for (index, point) in points.iter().enumerate() {
            for pct in SUMMARY_PERCENTS {
                for (name, metric) in CURVE_METRICS {
                    let estimate = point.estimate(pct, metric);
                    let mut fields = vec![index.to_string()];
                    fields.extend(point.params.iter().cloned());
                    fields.extend([pct.to_string(), name.to_string(), estimate.n.to_string()]);
                    fields.extend(estimate.cells());
                    w.write_all(&csv_line(&fields))?;
                }
            }
        }
        Ok(())
    })
}

/// The fill row of `fields` (the [`FILL_COLUMNS`]), on line `at`.
fn parse_row(fields: &[String], at: &At<'_>) -> Result<FillRow, ReportError> {
    if fields.len() != FILL_COLUMNS.len() {
        return Err(at.line(format!(
            "expected {} fill columns, found {}",
            FILL_COLUMNS.len(),
            fields.len()
        )));
    }
    let bad = |i: usize| at.line(format!("bad {} `{}`", FILL_COLUMNS[i], fields[i]));
    let float = |i: usize| fields[i].parse::<f64>().map_err(|_| bad(i));
    let optional = |i: usize| {
        if fields[i].is_empty() {
            Ok(None)
        } else {
            float(i).map(Some)
        }
    };
    Ok(FillRow {
        arrived_pct: fields[0].parse().map_err(|_| bad(0))?,
        arrived_demand: float(1)?,
        gpu_alloc_ratio: float(2)?,
        pods_arrived: fields[3].parse().map_err(|_| bad(3))?,
        pods_failed: fields[4].parse().map_err(|_| bad(4))?,
        frag_amount: optional(5)?,
        frag_ratio: optional(6)?,
    })
}

/// The records of the CSV file at `path` (`origin`), refusing an empty one.
fn records(path: &Path, origin: &str) -> Result<Records, ReportError> {
    let records = read_records(path)?;
    if records.head.is_empty() {
        return Err(At { path: origin, line: 1 }.line("empty file"));
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(pct: u32, alloc: f64) -> FillRow {
        FillRow {
            arrived_pct: pct,
            arrived_demand: f64::from(pct) / 100.0,
            gpu_alloc_ratio: alloc,
            pods_arrived: u64::from(pct),
            pods_failed: 0,
            frag_amount: Some(0.1),
            frag_ratio: None,
        }
    }

    #[test]
    fn a_missing_percent_takes_the_mean_of_its_neighbours() {
        // Rows at 79 and 81 (80 skipped by a large pod): the value at 80 is their mean.
        let curve = RunCurve {
            run: 0,
            seed: 1,
            params: vec![],
            rows: vec![row(79, 0.7), row(81, 0.8), row(100, 0.9)],
        };
        let alloc = CURVE_METRICS[0].1;
        assert!((curve.at(80, alloc).unwrap() - 0.75).abs() < 1e-12);
        assert_eq!(curve.at(100, alloc), Some(0.9));
        assert_eq!(curve.at(130, alloc), None);
        assert_eq!(curve.at(100, CURVE_METRICS[2].1), None, "no frag_ratio in these rows");
    }

    #[test]
    fn curves_round_trip_and_group_by_point() {
        let dir = tempfile::tempdir().unwrap();
        let keys = vec!["policy.name".to_string()];
        let curve = |run, policy: &str, alloc| RunCurve {
            run,
            seed: 40 + run,
            params: vec![policy.to_string()],
            rows: vec![row(50, alloc), row(100, alloc + 0.1)],
        };
        let curves = vec![curve(0, "a", 0.4), curve(1, "a", 0.5), curve(2, "b", 0.45)];
        let path = dir.path().join(FILL_CURVES);
        write_curves(&path, &keys, &curves).unwrap();
        let (read_keys, read) = read_curves(&path).unwrap();
        assert_eq!((read_keys, &read), (keys.clone(), &curves));
        let points = points(&read);
        assert_eq!(points.len(), 2);
        // Point a at 100 %: runs 0.5 and 0.6, mean 0.55.
        let estimate = points[0].estimate(100, CURVE_METRICS[0].1);
        assert_eq!(estimate.n, 2);
        assert!((estimate.mean.unwrap() - 0.55).abs() < 1e-12);
        assert_eq!(points[1].percents(), vec![50, 100]);
        let summary = dir.path().join(FILL_SUMMARY);
        write_summary(&summary, &keys, &points).unwrap();
        let text = std::fs::read_to_string(&summary).unwrap();
        assert!(
            text.starts_with(
                "point,policy.name,arrived_pct,metric,n,mean,std_dev,ci95_low,ci95_high\n0,a,80,gpu_alloc_ratio,0,,,,\n"
            ),
            "{text}"
        );
        assert!(text.contains("\n0,a,100,gpu_alloc_ratio,2,0.55,"), "{text}");
    }
}
