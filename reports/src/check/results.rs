//! What `check` compares: the metrics of each grid point of a results folder or file.
//!
//! Accepted: a sweep or comparison folder or its `aggregate.csv` (each grid point's mean
//! across seeds), or a run folder or its `summary.json` (one point).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sim_core::metrics::METRIC_NAMES;

use crate::aggregate::read_aggregate_csv;
use crate::error::ReportError;
use crate::run_files::extra_metric_names;

/// One grid point of the results.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Point {
    /// `key=value, …` (empty for one run).
    pub label: String,
    /// Metric → value (for a sweep, the mean across the point's runs).
    pub values: BTreeMap<String, f64>,
    /// The point's runs that finished: the largest `n` of its metrics in `aggregate.csv`, 1 for
    /// a run's `summary.json`.
    pub runs: usize,
    /// The point's runs that failed (`failed` in `aggregate.csv`, 0 for a run).
    pub failed: usize,
}

/// Metric values per grid point.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Results {
    /// Where they came from.
    pub origin: String,
    /// The points, in file order.
    pub points: Vec<Point>,
    /// The metrics of a crate's own the results hold (rules may name them): in file order from
    /// `aggregate.csv`, in name order from `summary.json`.
    pub extra_metrics: Vec<String>,
}

impl Results {
    /// The point labelled `label`.
    pub fn point(&self, label: &str) -> Option<&Point> {
        self.points.iter().find(|p| p.label == label)
    }
}

/// Reads results from a folder (`aggregate.csv`, else `summary.json`) or one of those files.
pub fn load(path: &Path) -> Result<Results, ReportError> {
    let not_results = |reason: &str| ReportError::File {
        path: path.display().to_string(),
        reason: reason.to_string(),
    };
    let file = if path.is_dir() {
        ["aggregate.csv", "summary.json"]
            .iter()
            .map(|name| path.join(name))
            .find(|p| p.exists())
            .ok_or_else(|| not_results("holds neither aggregate.csv nor summary.json"))?
    } else if path.file_name().is_some_and(|n| n == "sweep.csv") {
        return Err(not_results(
            "holds every run, not the points' means: give its folder or the aggregate.csv beside it",
        ));
    } else if path.exists() {
        PathBuf::from(path)
    } else {
        return Err(not_results("no such file or folder"));
    };
    check_size(&file)?;
    if file.extension().is_some_and(|e| e == "json") {
        from_summary(&file)
    } else {
        from_aggregate(&file)
    }
}

/// The largest results file read: 64 MiB (an `aggregate.csv` of the largest accepted grid is
/// a few MiB).
pub const MAX_RESULTS_BYTES: u64 = 64 << 20;

/// Refuses what is not a regular file of at most [`MAX_RESULTS_BYTES`] (`/dev/zero`, a FIFO, a
/// file far larger than any results), before reading it.
fn check_size(path: &Path) -> Result<(), ReportError> {
    let metadata = std::fs::metadata(path).map_err(|e| ReportError::io(path, e))?;
    if !metadata.is_file() {
        return Err(ReportError::File {
            path: path.display().to_string(),
            reason: "not a regular file (give a results folder or file)".into(),
        });
    }
    if metadata.len() > MAX_RESULTS_BYTES {
        return Err(ReportError::TooLarge {
            path: path.display().to_string(),
            bytes: metadata.len(),
            limit: MAX_RESULTS_BYTES,
            what: "results",
        });
    }
    Ok(())
}

/// The points of an `aggregate.csv`: each one's mean of every metric.
fn from_aggregate(path: &Path) -> Result<Results, ReportError> {
    let (keys, points) = read_aggregate_csv(path)?;
    Ok(Results {
        origin: path.display().to_string(),
        extra_metrics: points.first().map(|p| p.extra_metrics.clone()).unwrap_or_default(),
        points: points
            .iter()
            .map(|point| {
                let label = keys
                    .iter()
                    .zip(&point.params)
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(", ");
                let values = point
                    .metric_names()
                    .zip(&point.metrics)
                    .filter_map(|(name, e)| Some((name.to_string(), e.mean?)))
                    .collect();
                Point {
                    label,
                    values,
                    runs: point.metrics.iter().map(|e| e.n).max().unwrap_or(0),
                    failed: point.failed,
                }
            })
            .collect(),
    })
}

/// The one point of a run's `summary.json`.
fn from_summary(path: &Path) -> Result<Results, ReportError> {
    let origin = path.display().to_string();
    let text = crate::bounded::read_to_string(path).map_err(|e| ReportError::io(path, e))?;
    let json: serde_json::Value = serde_json::from_str(&text).map_err(|source| ReportError::Json {
        path: origin.clone(),
        source,
    })?;
    let not_a_summary = |reason: String| ReportError::File {
        path: origin.clone(),
        reason,
    };
    let summary = json
        .as_object()
        .ok_or_else(|| not_a_summary("not a JSON object (is it a summary.json?)".into()))?;
    if !summary.contains_key(METRIC_NAMES[0]) {
        return Err(not_a_summary(format!(
            "no `{}` (is it a summary.json?)",
            METRIC_NAMES[0]
        )));
    }
    let extra_metrics = extra_metric_names(summary);
    let mut values = std::collections::BTreeMap::new();
    for name in METRIC_NAMES
        .iter()
        .copied()
        .chain(extra_metrics.iter().map(String::as_str))
    {
        // A metric is a number, or null when the run had none; anything else is damage.
        match summary.get(name) {
            None | Some(serde_json::Value::Null) => {}
            Some(value) => match value.as_f64() {
                Some(number) => {
                    values.insert(name.to_string(), number);
                }
                None => return Err(not_a_summary(format!("`{name}` is {value}, not a number or null"))),
            },
        }
    }
    Ok(Results {
        origin,
        points: vec![Point {
            label: String::new(),
            values,
            runs: 1,
            failed: 0,
        }],
        extra_metrics,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_summary_s_metrics_of_a_crate_s_own_are_results_too() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("summary.json");
        let text = r#"{"jobs_submitted": 4, "avg_jct_s": 150.0, "max_queue_length": 2.0, "never_defined": null,
                       "event_digest": "00ff", "policy": "fifo", "seed": 7, "end_s": 200.0, "jobs_rejected": 0,
                       "scenario": {"name": "s"}, "trace_rows_skipped": {}}"#;
        std::fs::write(&path, text).unwrap();
        let found = load(&path).unwrap();
        // The identity keys (seed, end_s, …) are not metrics; the two unknown numeric-or-null
        // keys are, in name order.
        assert_eq!(found.extra_metrics, ["max_queue_length", "never_defined"]);
        let point = found.point("").unwrap();
        assert_eq!((point.runs, point.failed), (1, 0));
        let values = &point.values;
        let names: Vec<&str> = values.keys().map(String::as_str).collect();
        assert_eq!(names, ["avg_jct_s", "jobs_submitted", "max_queue_length"]);
        assert_eq!(values["max_queue_length"], 2.0);
    }

    #[test]
    fn a_metric_that_is_not_a_number_is_a_damaged_summary_not_a_missing_value() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("summary.json");
        std::fs::write(&path, r#"{"jobs_submitted": 4, "avg_jct_s": "abc"}"#).unwrap();
        let err = load(&path).unwrap_err().to_string();
        assert!(err.ends_with("`avg_jct_s` is \"abc\", not a number or null"), "{err}");
    }

    #[test]
    fn a_sweep_csv_given_for_results_points_at_its_aggregate() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sweep.csv");
        std::fs::write(&path, "run,seed,status\n").unwrap();
        let err = load(&path).unwrap_err().to_string();
        assert!(
            err.ends_with("holds every run, not the points' means: give its folder or the aggregate.csv beside it"),
            "{err}"
        );
    }

    #[test]
    fn an_aggregate_s_points_say_how_many_runs_finished_and_failed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("aggregate.csv");
        // Point 0 as the audit's sharded sweep left it: 1 run finished, 2 failed; its mean JCT
        // has that 1 value, its p99 none. Point 1: 3 runs, none failed. A point's runs are the
        // largest n of its metrics.
        let text = "point,policy.name,metric,n,failed,mean,std_dev,ci95_low,ci95_high\n\
                    0,first-fit,jobs_submitted,1,2,500.0,,,\n0,first-fit,avg_jct_s,1,2,120.5,,,\n\
                    0,first-fit,p99_jct_s,0,2,,,,\n1,best-fit,jobs_submitted,3,0,500.0,0.0,500.0,500.0\n";
        std::fs::write(&path, text).unwrap();
        let found = load(dir.path()).unwrap();
        let summary: Vec<(&str, usize, usize, usize)> = found
            .points
            .iter()
            .map(|p| (p.label.as_str(), p.runs, p.failed, p.values.len()))
            .collect();
        assert_eq!(
            summary,
            [("policy.name=first-fit", 1, 2, 2), ("policy.name=best-fit", 3, 0, 1)]
        );
    }
}
