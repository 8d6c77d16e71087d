//! Rendering a results folder: charts (PNG and SVG) and `report.html`, from the files alone,
//! so `clustersim report DIR` re-draws what a sweep or comparison drew.
//!
//! Reads `sweep.csv` (required; the seeds are those it holds), `sweep.json` (the name and the
//! metrics' declarations, when present), and each policy's
//! `<policy>/timeseries.csv` and `jobs.csv` when present (a comparison writes them for the
//! first seed). A folder that sweeps `policy.name` alone is a comparison: it also gets
//! `comparison.csv` and the paired-difference table. A sweep of fill runs (`fill.csv`) also
//! gets the allocation curves, the fragmentation bars and the table of `fill`.

mod fill;
mod grid;
pub(crate) mod runs;
mod tables;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::aggregate::aggregate;
use crate::charts::{self, ChartFiles, Drawn, TimeUnit};
use crate::compare::{POLICY_KEY, compare, write_comparison_csv};
use crate::error::ReportError;
use crate::fill_curves::{FILL_CURVES, points as curve_points, read_curves};
use crate::html::{Content, write_report};
use crate::sweep_manifest::SweepManifest;
use crate::sweep_table::{RunStatus, SweepTable, read_table};

/// What [`render`] wrote.
#[derive(Clone, Debug, PartialEq)]
pub struct Rendered {
    /// The charts, in page order.
    pub charts: Vec<ChartFiles>,
    /// Notes in place of charts with nothing to show.
    pub notes: Vec<String>,
    /// `report.html`.
    pub page: PathBuf,
    /// `comparison.csv`, for a comparison.
    pub comparison: Option<PathBuf>,
    /// The tables of the page (a command may print them).
    pub tables: Vec<crate::html::Table>,
    /// The warning the page gives when every seed of every grid point gave the same results (a
    /// scenario that draws nothing on its seed: its intervals say nothing); `None` otherwise.
    pub seed_blind: Option<String>,
}

/// True when the sweep ran several seeds and, at every grid point, every finished run gave the
/// same metrics as the others: nothing the scenario does draws on its seed.
fn same_for_every_seed(table: &SweepTable, most_seeds: u64) -> bool {
    let mut first: std::collections::HashMap<&[String], &[Option<f64>]> = std::collections::HashMap::new();
    most_seeds > 1
        && table.rows.iter().all(|row| match &row.status {
            RunStatus::Ok(values) => *first.entry(&row.params).or_insert(values) == values.as_slice(),
            RunStatus::Failed(_) => true,
        })
}

/// The charts a comparison may draw besides one `<metric>_by_policy` per metric (file stems):
/// each policy's first-seed run over time and its CDFs ([`runs`]), and the curves and bars of
/// fill runs ([`fill`], one panel when the policy is the only swept key).
const COMPARISON_CHARTS: [&str; 10] = [
    "alloc_over_time",
    "util_over_time",
    "frag_over_time",
    "gpu_frag_over_time",
    "queue_over_time",
    "jct_cdf",
    "wait_cdf",
    "fill_alloc",
    "fill_frag_amount",
    "fill_frag_ratio",
];

/// Every chart a comparison of runs measuring `metrics` may draw (file stems): what a
/// comparison written over an earlier one removes of it, so that no chart of the earlier one
/// is left beside the new page.
pub fn comparison_charts<'a>(metrics: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    COMPARISON_CHARTS
        .iter()
        .map(|c| c.to_string())
        .chain(metrics.into_iter().map(grid::by_policy))
        .collect()
}

/// The fewest and the most seeds a grid point of `table` holds (equal but in a damaged or
/// hand-cut table), and its first seed.
fn seeds_of(table: &SweepTable) -> ((u64, u64), u64) {
    let mut per_point: BTreeMap<&[String], u64> = BTreeMap::new();
    for row in &table.rows {
        *per_point.entry(&row.params).or_default() += 1;
    }
    let fewest = per_point.values().copied().min().unwrap_or(0);
    let most = per_point.values().copied().max().unwrap_or(0);
    ((fewest, most), table.rows.iter().map(|r| r.seed).min().unwrap_or(0))
}

/// `n` and the noun, plural unless `n` is 1 (`1 seed`, `50 seeds`, `2 policies`).
pub fn count(n: u64, noun: &str) -> String {
    match (n, noun.strip_suffix('y')) {
        (1, _) => format!("1 {noun}"),
        (_, Some(stem)) => format!("{n} {stem}ies"),
        _ => format!("{n} {noun}s"),
    }
}

/// Draws the charts of `dir` and writes its `report.html`.
pub fn render(dir: &Path) -> Result<Rendered, ReportError> {
    let table = read_table(&dir.join("sweep.csv"))?;
    // A folder without `sweep.json` (a table copied alone) is drawn from `sweep.csv`; a damaged
    // one is an error, not a page of wrong counts.
    let manifest_path = dir.join("sweep.json");
    let manifest = match manifest_path.exists() {
        true => Some(SweepManifest::read(&manifest_path)?),
        false => None,
    };
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
    let declared = manifest.as_ref().map_or(&[][..], |m| &m.metrics[..]);
    let key = manifest.as_ref().map_or(&[][..], |m| &m.key_metrics[..]);
    let points = aggregate(&table);
    let failed: usize = points.iter().map(|p| p.failed).sum();
    let ((fewest, most), first_seed) = seeds_of(&table);
    let seeds_per_point = match fewest == most {
        true => most.to_string(),
        false => format!("{fewest}–{most}"),
    };
    let swept = if table.params.is_empty() {
        "nothing swept".to_string()
    } else {
        format!("swept: {}", table.params.join(", "))
    };
    let seed_blind = same_for_every_seed(&table, most).then(|| {
        "Every seed gave the same results at every grid point: nothing in this scenario draws on \
         the seed (a trace replay without random failures or random policies), so the intervals \
         are 0 and say nothing of the spread a different week of jobs would show; one seed gives \
         the same means."
            .to_string()
    });
    let mut content = Content {
        intro: vec![format!(
            "{}: {} × {} from seed {first_seed}; {swept}. Intervals are 95 % confidence \
             intervals of the mean across seeds (Student's t); every number comes from sweep.csv and \
             aggregate.csv beside this page.",
            count(table.rows.len() as u64, "run"),
            count(points.len() as u64, "grid point"),
            match most {
                1 => "1 seed".to_string(),
                _ => format!("{seeds_per_point} seeds"),
            },
        )],
        highlights: vec![
            ("runs".into(), table.rows.len().to_string()),
            ("grid points".into(), points.len().to_string()),
            ("seeds per point".into(), seeds_per_point),
            ("failed runs".into(), failed.to_string()),
        ],
        tables: Vec::new(),
    };
    content.intro.extend(seed_blind.clone());
    let mut comparison = None;
    let curves_path = dir.join(FILL_CURVES);
    let curves = if curves_path.exists() {
        Some(read_curves(&curves_path)?)
    } else {
        None
    };
    if table.params == [POLICY_KEY] {
        let results = compare(&table, declared)?;
        let path = dir.join("comparison.csv");
        write_comparison_csv(&path, &results).map_err(|e| ReportError::io(&path, e))?;
        comparison = Some(path);
        content.tables.push(tables::means(&results, key));
        if results.len() > 1 {
            content.tables.push(tables::differences(&results, key));
        }
    } else if curves.is_none() {
        content.tables.push(tables::points(&table.params, &points, key));
    }
    let fill_charts = curves.as_ref().map(|(keys, curves)| {
        let points = curve_points(curves);
        content.tables.push(fill::table(keys, &points));
        fill::charts(keys, &points, &policies)
    });
    if fill_charts.is_some() {
        content.intro.push(
            "Fill runs: the allocation curves and fragmentation bars come from fill.csv (every run's \
             curve) beside this page; fill_summary.csv holds their means and intervals."
                .into(),
        );
    }
    let folders = runs::policy_folders(dir, &policies);
    let unit = TimeUnit::for_span(runs::span_s(&folders)?);
    let which = format!("seed {first_seed}");
    let time_charts = runs::charts_of(&folders, &which, unit)?;
    if !time_charts.is_empty() {
        let column = table.params.iter().position(|k| k == POLICY_KEY);
        let failed = |policy: &str| {
            table.rows.iter().any(|r| {
                r.seed == first_seed
                    && column.is_some_and(|c| r.params[c] == policy)
                    && matches!(r.status, RunStatus::Failed(_))
            })
        };
        let missing: Vec<String> = folders
            .iter()
            .filter(|(_, folder)| !folder.join("timeseries.csv").exists())
            .map(|(policy, _)| match failed(policy) {
                true => format!("{policy}, whose run failed"),
                false => format!("{policy}, whose run files are missing"),
            })
            .collect();
        let gap = match missing.as_slice() {
            [] => String::new(),
            _ => format!(" (none for {})", missing.join("; ")),
        };
        content.intro.push(format!(
            "Charts over time and the CDFs show each policy's run with {which}{gap}; the other charts \
             show every seed."
        ));
    }
    let mut drawn = Vec::new();
    if let Some(fill) = &fill_charts {
        for chart in &fill.curves {
            drawn.push(charts::render(dir, chart)?);
        }
        for chart in &fill.bars {
            drawn.push(charts::render(dir, chart)?);
        }
    }
    let grid_charts = grid::lead_first(grid::charts(&table.params, &points, &policies, key), key);
    if let Some((metric, value, at)) = grid_charts
        .first()
        .and_then(|lead| grid::best(&points, &lead.y_label, declared))
    {
        content
            .highlights
            .push((format!("best {metric}"), format!("{value} ({at})")));
    }
    for chart in &grid_charts {
        drawn.push(charts::render(dir, chart)?);
    }
    for chart in &time_charts {
        drawn.push(charts::render(dir, chart)?);
    }
    let page_path = write_report(dir, title, content.clone(), &drawn)?;
    let (charts, notes) = split(drawn);
    Ok(Rendered {
        charts,
        notes,
        page: page_path,
        comparison,
        tables: content.tables,
        seed_blind,
    })
}

/// The files and the notes of what was drawn.
pub fn split(drawn: Vec<Drawn>) -> (Vec<ChartFiles>, Vec<String>) {
    let mut files = Vec::new();
    let mut notes = Vec::new();
    for item in drawn {
        match item {
            Drawn::Files(f) => files.push(f),
            Drawn::Note(n) => notes.push(n),
        }
    }
    (files, notes)
}

#[cfg(test)]
mod tests {
    use super::count;

    #[test]
    fn counts_agree_with_their_number() {
        assert_eq!(count(1, "seed"), "1 seed");
        assert_eq!(count(50, "seed"), "50 seeds");
        assert_eq!(count(0, "run"), "0 runs");
        assert_eq!(count(3, "policy"), "3 policies");
        assert_eq!(count(1, "policy"), "1 policy");
    }
}
