//! Charts and `report.html` of single runs: `clustersim run` (one run) and `clustersim demo`
//! (one run per policy, side by side). Drawn from the run files alone: allocation,
//! utilization, fragmentation and queue length over time, JCT and wait CDFs, and, when the run
//! had physical models, per-rack heatmaps of power, hottest GPU and uplink load (`racks.csv`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::charts::{self, ChartFiles, HeatmapChart};
use crate::html::{Table, write_report};
use crate::report::runs::charts_of;

/// Draws the charts of the runs in `folders` (label, folder) into `dir` and writes
/// `dir/report.html` with `intro` and `tables` above them. Returns the charts drawn.
pub fn render_runs(
    dir: &Path,
    title: &str,
    intro: Vec<String>,
    tables: Vec<Table>,
    folders: &[(String, PathBuf)],
) -> Result<Vec<ChartFiles>, String> {
    let write_error = |e: std::io::Error| format!("{}: {e}", dir.display());
    let mut drawn = Vec::new();
    for chart in charts_of(folders, "")? {
        drawn.push(charts::render(dir, &chart).map_err(write_error)?);
    }
    for (label, folder) in folders {
        let prefix = if folders.len() > 1 {
            format!("{label}_")
        } else {
            String::new()
        };
        for chart in rack_heatmaps(&folder.join("racks.csv"), &prefix, label)? {
            drawn.push(charts::render(dir, &chart).map_err(write_error)?);
        }
    }
    write_report(dir, title.to_string(), intro, tables, &drawn)?;
    Ok(drawn)
}

/// The heatmaps of a run's `racks.csv` (none when the file is absent): power, hottest GPU and
/// uplink utilization, each only if the run recorded it.
pub fn rack_heatmaps(path: &Path, prefix: &str, label: &str) -> Result<Vec<HeatmapChart>, String> {
    if !path.exists() {
        return Ok(Vec::new());
    }
    let origin = path.display().to_string();
    let mut reader = csv::Reader::from_path(path).map_err(|e| format!("{origin}: {e}"))?;
    let mut racks: Vec<String> = Vec::new();
    let mut times: Vec<f64> = Vec::new();
    let mut cells: BTreeMap<(usize, usize), [Option<f64>; 3]> = BTreeMap::new();
    for record in reader.records() {
        let record = record.map_err(|e| format!("{origin}: {e}"))?;
        let number = |i: usize| record.get(i).and_then(|t| t.parse::<f64>().ok());
        let t = number(0).ok_or_else(|| format!("{origin}: a row without a time"))?;
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
    let span = times.last().copied().unwrap_or(0.0);
    let (unit, per) = crate::charts::time_unit(span);
    let scaled: Vec<f64> = times.iter().map(|t| t / per).collect();
    let specs = [
        ("power_heatmap", "Rack power", "kW"),
        ("temperature_heatmap", "Hottest GPU per rack", "°C"),
        ("uplink_heatmap", "Rack uplink utilization", "load ÷ capacity"),
    ];
    let mut charts = Vec::new();
    for (k, (name, title, value_label)) in specs.into_iter().enumerate() {
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
        charts.push(HeatmapChart::binned(
            &format!("{prefix}{name}"),
            &format!("{title} ({label})"),
            &format!("simulated time ({unit})"),
            value_label,
            racks.clone(),
            &scaled,
            &values,
        ));
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
        let charts = rack_heatmaps(&path, "", "best-fit").unwrap();
        assert_eq!(charts.len(), 1, "only power was recorded");
        assert_eq!(charts[0].rows, vec!["r0", "r1"]);
        assert_eq!(
            charts[0].values,
            vec![vec![Some(1.0), Some(3.0)], vec![Some(2.0), Some(4.0)]]
        );
        assert_eq!(charts[0].times, vec![0.0, 60.0]);
        assert!(rack_heatmaps(&dir.path().join("none.csv"), "", "x").unwrap().is_empty());
    }
}
