//! Rendering a results folder: charts (PNG and SVG) and `report.html`, from the files alone,
//! so `clustersim report DIR` re-draws what a sweep or comparison drew.
//!
//! Reads `sweep.csv` (required), `sweep.json` (the name and seeds), and each policy's
//! `<policy>/timeseries.csv` and `jobs.csv` when present (a comparison writes them for the
//! first seed). A folder that sweeps `policy.name` alone is a comparison: it also gets
//! `comparison.csv` and the paired-difference table. A sweep of fill runs (`fill.csv`) also
//! gets the allocation curves, the fragmentation bars and the table of [`fill`].

mod fill;
mod grid;
pub(crate) mod runs;
mod tables;

use std::path::{Path, PathBuf};

use crate::aggregate::aggregate;
use crate::charts::{self, ChartFiles};
use crate::compare::{POLICY_KEY, compare, write_comparison_csv};
use crate::fill_curves::{FILL_CURVES, points as curve_points, read_curves};
use crate::html::write_report;
use crate::sweep_manifest::SweepManifest;
use crate::sweep_table::read_table;

/// What [`render`] wrote.
#[derive(Clone, Debug, PartialEq)]
pub struct Rendered {
    /// The charts, in page order.
    pub charts: Vec<ChartFiles>,
    /// `report.html`.
    pub page: PathBuf,
    /// `comparison.csv`, for a comparison.
    pub comparison: Option<PathBuf>,
    /// The tables of the page (a command may print them).
    pub tables: Vec<crate::html::Table>,
}

/// Draws the charts of `dir` and writes its `report.html`.
pub fn render(dir: &Path) -> Result<Rendered, String> {
    let table = read_table(&dir.join("sweep.csv")).map_err(|e| e.to_string())?;
    let manifest = SweepManifest::read(&dir.join("sweep.json")).ok();
    let title = manifest.as_ref().map_or_else(
        || {
            dir.file_name()
                .map_or("results".into(), |n| n.to_string_lossy().into_owned())
        },
        |m| m.name.clone(),
    );
    let policies: Vec<String> = match table.params.iter().position(|k| k == POLICY_KEY) {
        Some(column) => {
            let mut seen: Vec<String> = Vec::new();
            for row in &table.rows {
                if !seen.contains(&row.params[column]) {
                    seen.push(row.params[column].clone());
                }
            }
            seen
        }
        None => Vec::new(),
    };
    let points = aggregate(&table);
    let failed: usize = points.iter().map(|p| p.failed).sum();
    let mut intro = vec![format!(
        "{} runs: {} grid point{} × {} seed{} from seed {}{}.",
        table.rows.len(),
        points.len(),
        if points.len() == 1 { "" } else { "s" },
        manifest.as_ref().map_or(0, |m| m.seeds),
        if manifest.as_ref().is_some_and(|m| m.seeds == 1) {
            ""
        } else {
            "s"
        },
        manifest.as_ref().map_or(0, |m| m.first_seed),
        if failed > 0 {
            format!("; {failed} failed (see sweep.csv)")
        } else {
            String::new()
        }
    )];
    intro.push(
        "Intervals are 95 % confidence intervals of the mean across seeds (Student's t). \
         Every number comes from sweep.csv and aggregate.csv beside this page."
            .into(),
    );
    let mut tables = Vec::new();
    let mut comparison = None;
    if table.params == [POLICY_KEY] {
        let results = compare(&table)?;
        let path = dir.join("comparison.csv");
        write_comparison_csv(&path, &results).map_err(|e| format!("{}: {e}", path.display()))?;
        comparison = Some(path);
        tables.push(tables::means(&results));
        if results.len() > 1 {
            tables.push(tables::differences(&results));
        }
    } else {
        tables.push(tables::points(&table.params, &points));
    }
    let curves_path = dir.join(FILL_CURVES);
    let curves = if curves_path.exists() {
        Some(read_curves(&curves_path)?)
    } else {
        None
    };
    let fill_charts = curves.as_ref().map(|(keys, curves)| {
        let points = curve_points(curves);
        tables.push(fill::table(keys, &points));
        fill::charts(keys, &points, &policies)
    });
    if fill_charts.is_some() {
        intro.push(
            "Fill runs: the allocation curves and fragmentation bars come from fill.csv (every run's \
             curve) beside this page; fill_summary.csv holds their means and intervals."
                .into(),
        );
    }
    let time_charts = runs::charts(dir, &policies, manifest.as_ref().map(|m| m.first_seed))?;
    if !time_charts.is_empty() {
        intro.push(
            "Charts over time and the CDFs show each policy's run with the first seed; the \
             other charts show every seed."
                .into(),
        );
    }
    let mut drawn = Vec::new();
    let write_error = |e: std::io::Error| format!("{}: {e}", dir.display());
    for chart in &time_charts {
        drawn.push(charts::render(dir, chart).map_err(write_error)?);
    }
    if let Some(fill) = &fill_charts {
        for chart in &fill.curves {
            drawn.push(charts::render(dir, chart).map_err(write_error)?);
        }
        for chart in &fill.bars {
            drawn.push(charts::render(dir, chart).map_err(write_error)?);
        }
    }
    for chart in grid::charts(&table.params, &points, &policies) {
        drawn.push(charts::render(dir, &chart).map_err(write_error)?);
    }
    let page_path = write_report(dir, title, intro, tables.clone(), &drawn)?;
    Ok(Rendered {
        charts: drawn,
        page: page_path,
        comparison,
        tables,
    })
}
