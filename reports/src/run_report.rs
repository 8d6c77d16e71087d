//! Charts and `report.html` of single runs: `clustersim run` (one run) and `clustersim demo`
//! (one run per policy, side by side). Drawn from the run files alone: allocation,
//! utilization, fragmentation and queue length over time, JCT and wait CDFs, and, when the run
//! had physical models, per-rack heatmaps of power, hottest GPU and uplink load (`racks.csv`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sim_core::metrics::METRIC_NAMES;

use crate::charts::heatmap::{ColourMap, HeatmapSpec};
use crate::charts::{self, BandChart, BandPoint, BandSeries, Drawn, HeatmapChart, TimeUnit};
use crate::error::ReportError;
use crate::fill_curves::read_run_curve;
use crate::html::{Cell, Content, Table, write_report};
use crate::number::decimal;
use crate::report::runs::{charts_of, incident_chart, span_s};
use crate::run_files::extra_metric_names;
use crate::story::{WaitShare, read_incidents, what_happened};

/// Every chart a run's report may draw (file stems): a run writing its folder again removes
/// those of the last run it does not draw this time.
pub const RUN_CHARTS: [&str; 12] = [
    "alloc_over_time",
    "util_over_time",
    "frag_over_time",
    "gpu_frag_over_time",
    "queue_over_time",
    "jct_cdf",
    "wait_cdf",
    "incidents",
    "fill_alloc",
    "power_heatmap",
    "temperature_heatmap",
    "uplink_heatmap",
];

/// Metrics shown as key figures at the top of a run's report, when the run defines them.
const KEY_FIGURES: [&str; 8] = [
    "jobs_completed",
    "avg_jct_s",
    "avg_wait_s",
    "gpu_alloc_ratio",
    "gpu_util",
    "max_nodes_down",
    "lost_gpu_hours",
    "max_temp_c",
];

/// The page's word on the run's `timeline.json`, when it has one: a trace for Perfetto's own
/// viewer, which a static page cannot embed.
const TIMELINE_HOWTO: &str = "Timeline: timeline.json beside this page holds the whole cluster over time \
     (a process per rack, a track per GPU, a slice per task attempt, failures and preemptions as markers). \
     Open https://ui.perfetto.dev and choose Open trace file, or drop the file on the page; \
     chrome://tracing reads it too.";

/// The key metrics the scenario echoed in `summary.json` names (`output.key_metrics`).
fn key_metrics(scenario: Option<&serde_json::Value>) -> Vec<String> {
    scenario
        .and_then(|s| s.get("output"))
        .and_then(|o| o.get("key_metrics"))
        .and_then(serde_json::Value::as_array)
        .map(|names| names.iter().filter_map(|n| n.as_str().map(String::from)).collect())
        .unwrap_or_default()
}

/// A metric for the page: three decimals at most, `-` when undefined.
fn shown(value: Option<f64>) -> String {
    value.map_or_else(|| "-".into(), |v| decimal((v * 1000.0).round() / 1000.0))
}

/// Draws the charts and writes `report.html` of the run folder `dir` (its `summary.json`,
/// `timeseries.csv`, `jobs.csv`, and `racks.csv` and `incidents.csv` when present), from the
/// files alone, every chart drawn embedded in the page. Under the intro, a paragraph says what
/// happened ([`crate::story::what_happened`]), with where the waiting time went when `waits`
/// (the why-log's shares, for a run with `decisions.csv`) is given. Returns what was drawn.
pub fn render_run_folder(dir: &Path, waits: Option<&[WaitShare]>) -> Result<Vec<Drawn>, ReportError> {
    let path = dir.join("summary.json");
    let text = crate::bounded::read_to_string(&path).map_err(|e| ReportError::io(&path, e))?;
    let summary: serde_json::Value = serde_json::from_str(&text).map_err(|e| ReportError::File {
        path: path.display().to_string(),
        reason: format!("not a run summary: {e}"),
    })?;
    let metric = |name: &str| summary.get(name).and_then(serde_json::Value::as_f64);
    let text_of = |value: Option<&serde_json::Value>| match value {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => "?".into(),
    };
    let scenario = summary.get("scenario");
    let name = text_of(scenario.and_then(|s| s.get("name")));
    let workload = scenario
        .and_then(|s| s.get("workload"))
        .and_then(|w| w.get("trace"))
        .map_or_else(|| "a synthetic workload".to_string(), |t| text_of(Some(t)));
    let key = key_metrics(scenario);
    // The scenario's key metrics, then the other built-in metrics, then those of a crate's own.
    let own = summary.as_object().map(extra_metric_names).unwrap_or_default();
    let rows = key
        .iter()
        .map(String::as_str)
        .chain(
            METRIC_NAMES
                .iter()
                .copied()
                .chain(own.iter().map(String::as_str))
                .filter(|m| !key.iter().any(|k| k == m)),
        )
        .map(|m| vec![Cell::plain(m), Cell::plain(shown(metric(m)))])
        .collect();
    let mut figures: Vec<&str> = key.iter().map(String::as_str).collect();
    figures.extend(KEY_FIGURES.iter().filter(|m| !key.iter().any(|k| k == *m)));
    let incidents = read_incidents(&dir.join("incidents.csv"))?;
    let mut intro = vec![
        format!(
            "{workload}, policy {}, seed {}; event digest {}. Every number comes from the files beside \
             this page.",
            text_of(summary.get("policy")),
            text_of(summary.get("seed")),
            text_of(summary.get("event_digest")),
        ),
        format!("What happened: {}", what_happened(metric, &incidents, waits)),
    ];
    if dir.join("timeline.json").is_file() {
        intro.push(TIMELINE_HOWTO.to_string());
    }
    let content = Content {
        intro,
        highlights: figures
            .iter()
            .filter_map(|m| Some((m.to_string(), shown(Some(metric(m)?)))))
            .collect(),
        tables: vec![Table {
            caption: match key.is_empty() {
                true => "Metrics (summary.json)".into(),
                false => "Metrics (summary.json), the scenario's key metrics first".into(),
            },
            header: vec!["metric".into(), "value".into()],
            rows,
        }],
    };
    let label = text_of(summary.get("policy"));
    render_runs(dir, &name, content, &[(label, dir.to_path_buf())])
}

/// Draws the charts of the runs in `folders` (label, folder) into `dir` and writes
/// `dir/report.html` with `content` above them. Every time axis of the page is in one unit,
/// chosen from the longest run. Returns what was drawn.
pub fn render_runs(
    dir: &Path,
    title: &str,
    content: Content,
    folders: &[(String, PathBuf)],
) -> Result<Vec<Drawn>, ReportError> {
    let unit = TimeUnit::for_span(span_s(folders)?);
    let mut drawn = Vec::new();
    for (colour, (label, folder)) in folders.iter().enumerate() {
        if let Some(chart) = fill_chart(folder, label, colour)? {
            drawn.push(charts::render(dir, &chart)?);
        }
    }
    for (label, folder) in folders {
        let label = if folders.len() > 1 { label.as_str() } else { "" };
        if let Some(chart) = incident_chart(folder, label, unit)? {
            drawn.push(charts::render(dir, &chart)?);
        }
    }
    for chart in charts_of(folders, "", unit)? {
        drawn.push(charts::render(dir, &chart)?);
    }
    for (label, folder) in folders {
        let prefix = if folders.len() > 1 {
            format!("{label}_")
        } else {
            String::new()
        };
        for chart in rack_heatmaps(&folder.join("racks.csv"), &prefix, label, unit)? {
            drawn.push(charts::render(dir, &chart)?);
        }
    }
    write_report(dir, title.to_string(), content, &drawn)?;
    Ok(drawn)
}

/// The allocation curve of a fill run (its `fill.csv`), labelled `label`, when the folder has
/// one: the run's chart that matters, the capacity it reached as demand arrived.
fn fill_chart(folder: &Path, label: &str, colour: usize) -> Result<Option<BandChart>, ReportError> {
    let path = folder.join("fill.csv");
    if !path.exists() {
        return Ok(None);
    }
    let points = read_run_curve(&path)?
        .iter()
        .map(|row| {
            let percent = row.gpu_alloc_ratio * 100.0;
            BandPoint {
                x: f64::from(row.arrived_pct),
                mean: percent,
                low: percent,
                high: percent,
            }
        })
        .collect();
    Ok(Some(BandChart {
        name: "fill_alloc".into(),
        title: "GPU allocation against arrived demand".into(),
        x_label: "arrived GPU demand (% of capacity)".into(),
        y_label: "allocated GPUs (% of capacity)".into(),
        y_from_zero: true,
        categories: None,
        series: vec![BandSeries {
            label: label.to_string(),
            colour,
            points,
        }],
        dense: true,
    }))
}

/// The heatmaps of a run's `racks.csv` (none when the file is absent): power, hottest GPU and
/// uplink utilization, each only if the run recorded it; time in `unit`.
pub fn rack_heatmaps(path: &Path, prefix: &str, label: &str, unit: TimeUnit) -> Result<Vec<HeatmapChart>, ReportError> {
    if !path.exists() {
        return Ok(Vec::new());
    }
    let origin = path.display().to_string();
    let file = crate::bounded::open(path).map_err(|e| ReportError::io(path, e))?;
    let mut reader = csv::Reader::from_reader(file);
    let mut racks: Vec<String> = Vec::new();
    let mut times: Vec<f64> = Vec::new();
    let mut cells: BTreeMap<(usize, usize), [Option<f64>; 3]> = BTreeMap::new();
    for record in reader.records() {
        let record = record.map_err(|e| ReportError::csv(&origin, e))?;
        let number = |i: usize| record.get(i).and_then(|t| t.parse::<f64>().ok());
        let t = number(0).ok_or_else(|| ReportError::File {
            path: origin.clone(),
            reason: "a row without a time".into(),
        })?;
        if times.last() != Some(&t) {
            times.push(t);
        }
        let rack = record.get(1).unwrap_or_default();
        let row = racks.iter().position(|r| r == rack).unwrap_or_else(|| {
            racks.push(rack.to_string());
            racks.len() - 1
        });
        cells.insert((row, times.len() - 1), [number(2), number(4), number(5)]);
    }
    let scaled: Vec<f64> = times.iter().map(|t| unit.of(*t)).collect();
    let of = if label.is_empty() {
        String::new()
    } else {
        format!(", {label}")
    };
    let specs = [
        ("power_heatmap", "Rack power", "kW", ColourMap::Inferno, true),
        (
            "temperature_heatmap",
            "Hottest GPU per rack",
            "°C",
            ColourMap::Inferno,
            false,
        ),
        (
            "uplink_heatmap",
            "Rack uplink utilization",
            "load ÷ capacity",
            ColourMap::Viridis,
            true,
        ),
    ];
    let mut charts = Vec::new();
    for (k, (name, title, value_label, map, from_zero)) in specs.into_iter().enumerate() {
        let values: Vec<Vec<Option<f64>>> = (0..racks.len())
            .map(|r| {
                (0..times.len())
                    .map(|c| cells.get(&(r, c)).and_then(|v| v[k]))
                    .collect()
            })
            .collect();
        if values.iter().flatten().all(Option::is_none) {
            continue;
        }
        let spec = HeatmapSpec {
            name: &format!("{prefix}{name}"),
            title: &format!("{title}{of}"),
            unit,
            value_label,
            map,
            from_zero,
        };
        charts.push(HeatmapChart::binned(spec, racks.clone(), &scaled, &values));
    }
    Ok(charts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heatmaps_come_from_the_columns_present() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("racks.csv");
        std::fs::write(
            &path,
            "t_s,rack,power_kw,inlet_c,max_temp_c,uplink_util\n0,r0,1,,,\n0,r1,2,,,\n60,r0,3,,,\n60,r1,4,,,\n",
        )
        .unwrap();
        let charts = rack_heatmaps(&path, "", "best-fit", crate::charts::time::SECONDS).unwrap();
        assert_eq!(charts.len(), 1, "only power was recorded");
        assert_eq!(charts[0].rows, vec!["r0", "r1"]);
        assert_eq!(
            charts[0].values,
            vec![vec![Some(1.0), Some(3.0)], vec![Some(2.0), Some(4.0)]]
        );
        assert_eq!(charts[0].times, vec![0.0, 60.0]);
        assert_eq!(charts[0].title, "Rack power, best-fit (per sample)");
        assert!(
            rack_heatmaps(&dir.path().join("none.csv"), "", "x", crate::charts::time::SECONDS)
                .unwrap()
                .is_empty()
        );
    }
}
