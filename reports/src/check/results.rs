//! What `check` compares: the metrics of each grid point of a results folder or file.
//!
//! Accepted: a sweep or comparison folder or its `aggregate.csv` (each grid point's mean
//! across seeds), or a run folder or its `summary.json` (one point).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::aggregate::read_aggregate_csv;
use crate::error::ReportError;

/// Metric values per grid point; the point's label is `key=value, …` (empty for one run).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Results {
    /// Where they came from.
    pub origin: String,
    /// (point label, metric → value), in file order.
    pub points: Vec<(String, BTreeMap<String, f64>)>,
}

impl Results {
    /// The values of the point labelled `label`.
    pub fn point(&self, label: &str) -> Option<&BTreeMap<String, f64>> {
        self.points.iter().find(|(l, _)| l == label).map(|(_, v)| v)
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
        points: points
            .iter()
            .map(|point| {
                let label = keys
                    .iter()
                    .zip(&point.params)
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(", ");
                let values = sim_core::metrics::METRIC_NAMES
                    .iter()
                    .zip(&point.metrics)
                    .filter_map(|(name, e)| Some((name.to_string(), e.mean?)))
                    .collect();
                (label, values)
            })
            .collect(),
    })
}

/// The one point of a run's `summary.json`.
fn from_summary(path: &Path) -> Result<Results, ReportError> {
    let origin = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ReportError::io(path, e))?;
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
    if !summary.contains_key(sim_core::metrics::METRIC_NAMES[0]) {
        return Err(not_a_summary(format!(
            "no `{}` (is it a summary.json?)",
            sim_core::metrics::METRIC_NAMES[0]
        )));
    }
    let values = sim_core::metrics::METRIC_NAMES
        .iter()
        .filter_map(|name| Some((name.to_string(), summary.get(*name)?.as_f64()?)))
        .collect();
    Ok(Results {
        origin,
        points: vec![(String::new(), values)],
    })
}
