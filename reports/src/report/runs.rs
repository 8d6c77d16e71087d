//! Charts from the first-seed run of each policy (`<policy>/timeseries.csv`, `jobs.csv`):
//! allocation, utilization, fragmentation (DESIGN.md's and, when the runs measured it, the FGD
//! paper's) and queue length over time, JCT and wait CDFs.

use std::path::{Path, PathBuf};

use plotters::chart::SeriesLabelPosition;

use crate::charts::{LineChart, Series};
use crate::compare::policy_folder;

/// At most this many points per line, so that SVG files stay small.
const MAX_POINTS: usize = 1500;

/// One policy's run files, read.
struct PolicyRun {
    policy: String,
    colour: usize,
    /// Columns of `timeseries.csv`: t_s, gpu_alloc, gpu_util, frag, queue_len.
    samples: Vec<[f64; 5]>,
    /// t_s and frag_gpus, where the run measured the FGD paper's fragmentation.
    gpu_frag: Vec<(f64, f64)>,
    jct_s: Vec<f64>,
    wait_s: Vec<f64>,
}

/// The time and CDF charts of the policies whose folders exist in `dir` (colour = position
/// in `policies`). No folders: no charts.
pub fn charts(dir: &Path, policies: &[String], seed: Option<u64>) -> Result<Vec<LineChart>, String> {
    let folders: Vec<(String, PathBuf)> = policies
        .iter()
        .map(|p| (p.clone(), dir.join(policy_folder(p))))
        .collect();
    let which = seed.map_or_else(|| "first seed".to_string(), |s| format!("seed {s}"));
    charts_of(&folders, &which)
}

/// The time and CDF charts of runs written in `folders` (label, folder), one line per run in
/// the palette's order; `which` says which run it is (in the titles, may be empty). Folders
/// without `timeseries.csv` are left out.
pub fn charts_of(folders: &[(String, PathBuf)], which: &str) -> Result<Vec<LineChart>, String> {
    let mut runs = Vec::new();
    for (colour, (policy, folder)) in folders.iter().enumerate() {
        if !folder.join("timeseries.csv").exists() {
            continue;
        }
        let samples = read_columns(
            &folder.join("timeseries.csv"),
            &["t_s", "gpu_alloc", "gpu_util", "frag", "queue_len"],
        )?
        .into_iter()
        .filter_map(|row| Some([row[0]?, row[1]?, row[2]?, row[3]?, row[4]?]))
        .collect();
        // Files written before the column existed have none: no points.
        let gpu_frag = read_columns(&folder.join("timeseries.csv"), &["t_s", "frag_gpus"])
            .unwrap_or_default()
            .into_iter()
            .filter_map(|row| Some((row[0]?, row[1]?)))
            .collect();
        let jobs = read_columns(&folder.join("jobs.csv"), &["jct_s", "wait_s"])?;
        runs.push(PolicyRun {
            policy: policy.clone(),
            colour,
            samples,
            gpu_frag,
            jct_s: jobs.iter().filter_map(|r| r[0]).collect(),
            wait_s: jobs.iter().filter_map(|r| r[1]).collect(),
        });
    }
    if runs.is_empty() {
        return Ok(Vec::new());
    }
    let suffix = if which.is_empty() {
        String::new()
    } else {
        format!(" ({which})")
    };
    let span = runs
        .iter()
        .flat_map(|r| r.samples.last().map(|s| s[0]))
        .fold(0.0, f64::max);
    let (unit, per) = crate::charts::time_unit(span);
    let over_time = |name: &str, title: &str, y_label: &str, column: usize| LineChart {
        name: name.into(),
        title: format!("{title}{suffix}"),
        x_label: format!("simulated time ({unit})"),
        y_label: y_label.into(),
        series: runs
            .iter()
            .map(|r| Series {
                label: r.policy.clone(),
                colour: r.colour,
                points: thin(&r.samples).iter().map(|s| (s[0] / per, s[column])).collect(),
            })
            .collect(),
        x_log: false,
        steps: false,
        legend: SeriesLabelPosition::UpperLeft,
    };
    let cdf = |name: &str, title: &str, x_label: &str, values: fn(&PolicyRun) -> &[f64]| LineChart {
        name: name.into(),
        title: format!("{title}{suffix}"),
        x_label: x_label.into(),
        y_label: "fraction of jobs".into(),
        series: runs
            .iter()
            .map(|r| Series {
                label: r.policy.clone(),
                colour: r.colour,
                points: cumulative(values(r)),
            })
            .collect(),
        x_log: true,
        steps: true,
        legend: SeriesLabelPosition::LowerRight,
    };
    let gpu_frag = LineChart {
        name: "gpu_frag_over_time".into(),
        title: format!("Fragmentation against the typical tasks over time ({which})"),
        x_label: format!("simulated time ({unit})"),
        y_label: "fragmented GPUs (FGD paper)".into(),
        series: runs
            .iter()
            .filter(|r| !r.gpu_frag.is_empty())
            .map(|r| Series {
                label: r.policy.clone(),
                colour: r.colour,
                points: thin(&r.gpu_frag).iter().map(|&(t, gpus)| (t / per, gpus)).collect(),
            })
            .collect(),
        x_log: false,
        steps: false,
        legend: SeriesLabelPosition::UpperLeft,
    };
    let mut charts = vec![
        over_time(
            "alloc_over_time",
            "GPU allocation over time",
            "allocated ÷ GPU capacity",
            1,
        ),
        over_time(
            "util_over_time",
            "GPU utilization over time",
            "useful work ÷ GPU capacity",
            2,
        ),
        over_time(
            "frag_over_time",
            "Fragmentation over time",
            "1 − largest free block ÷ free GPUs",
            3,
        ),
        over_time("queue_over_time", "Queue length over time", "jobs waiting", 4),
        cdf("jct_cdf", "Job completion time, CDF", "JCT, s (log scale)", |r| {
            &r.jct_s
        }),
        cdf(
            "wait_cdf",
            "Wait time, CDF",
            "wait, s (log scale; waits under 1 s drawn at 1 s)",
            |r| &r.wait_s,
        ),
    ];
    if !gpu_frag.series.is_empty() {
        charts.insert(3, gpu_frag);
    }
    Ok(charts)
}

/// Every k-th sample so that at most [`MAX_POINTS`] remain (the last one always kept).
fn thin<T: Copy>(samples: &[T]) -> Vec<T> {
    let stride = samples.len().div_ceil(MAX_POINTS).max(1);
    let mut kept: Vec<T> = samples.iter().step_by(stride).copied().collect();
    if let Some(&last) = samples.last()
        && !(samples.len() - 1).is_multiple_of(stride)
    {
        kept.push(last);
    }
    kept
}

/// The empirical CDF of `values`: (value, fraction ≤ value), at most [`MAX_POINTS`] points
/// taken at evenly spaced ranks.
fn cumulative(values: &[f64]) -> Vec<(f64, f64)> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    let points: Vec<(f64, f64)> = sorted
        .iter()
        .enumerate()
        .map(|(i, &v)| (v, (i + 1) as f64 / n as f64))
        .collect();
    thin(&points)
}

/// The named columns of a CSV file, as numbers (`None` for an empty cell).
fn read_columns(path: &Path, names: &[&str]) -> Result<Vec<Vec<Option<f64>>>, String> {
    let origin = path.display().to_string();
    let mut reader = csv::Reader::from_path(path).map_err(|e| format!("{origin}: {e}"))?;
    let header = reader.headers().map_err(|e| format!("{origin}: {e}"))?.clone();
    let indices: Vec<usize> = names
        .iter()
        .map(|name| {
            header
                .iter()
                .position(|h| h == *name)
                .ok_or_else(|| format!("{origin}: no column `{name}`"))
        })
        .collect::<Result<_, _>>()?;
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| format!("{origin}: {e}"))?;
        let line = record.position().map_or(0, |p| p.line());
        let row = indices
            .iter()
            .zip(names)
            .map(|(&i, name)| match record.get(i).unwrap_or_default() {
                "" => Ok(None),
                text => text
                    .parse()
                    .map(Some)
                    .map_err(|_| format!("{origin}:{line}: column `{name}`: expected a number, got `{text}`")),
            })
            .collect::<Result<_, _>>()?;
        rows.push(row);
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thinning_keeps_the_ends_and_cdfs_climb_to_one() {
        let many: Vec<usize> = (0..4000).collect();
        let kept = thin(&many);
        // Stride ⌈4000 / 1500⌉ = 3: 0, 3, …, 3999 → 1334 points, plus the last (3999 = 3 · 1333)
        // which is already on the stride.
        assert_eq!((kept.len(), kept[1], *kept.last().unwrap()), (1334, 3, 3999));
        assert_eq!(
            cumulative(&[3.0, 1.0, 2.0, 2.0]),
            vec![(1.0, 0.25), (2.0, 0.5), (2.0, 0.75), (3.0, 1.0)]
        );
    }
}
