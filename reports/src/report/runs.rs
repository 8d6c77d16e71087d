//! Charts from the first-seed run of each policy (`<policy>/timeseries.csv`, `jobs.csv`):
//! allocation, utilization, fragmentation (the simple measure and, when the runs measured it,
//! the FGD paper's) and queue length over time, JCT and wait CDFs; and, for runs with
//! failures, nodes down and jobs running.

use std::path::{Path, PathBuf};

use crate::charts::lines::XScale;
use crate::charts::{LineChart, Series, TimeUnit};
use crate::compare::policy_folder;
use crate::error::{At, ReportError};

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
    /// JCTs of the jobs that completed.
    jct_s: Vec<f64>,
    /// Waits of the jobs that started.
    wait_s: Vec<f64>,
    /// Rows of `jobs.csv`: every job.
    jobs: usize,
}

/// The folders of the policies in `dir` (label, folder), in the order of `policies`.
pub fn policy_folders(dir: &Path, policies: &[String]) -> Vec<(String, PathBuf)> {
    policies
        .iter()
        .map(|p| (p.clone(), dir.join(policy_folder(p))))
        .collect()
}

/// The simulated time the runs in `folders` span: the last sample of the longest
/// `timeseries.csv` (0 when none has samples).
pub fn span_s(folders: &[(String, PathBuf)]) -> Result<f64, ReportError> {
    let mut span = 0.0f64;
    for (_, folder) in folders {
        let path = folder.join("timeseries.csv");
        if path.exists() {
            let last = read_columns(&path, &["t_s"])?.into_iter().rev().find_map(|r| r[0]);
            span = span.max(last.unwrap_or(0.0));
        }
    }
    Ok(span)
}

/// The time and CDF charts of runs written in `folders` (label, folder), one line per run in
/// the palette's order, time in `unit`; `which` says which run it is (in the titles, may be
/// empty). Folders without `timeseries.csv` are left out.
pub fn charts_of(folders: &[(String, PathBuf)], which: &str, unit: TimeUnit) -> Result<Vec<LineChart>, ReportError> {
    let mut runs = Vec::new();
    let colours = crate::charts::palette::colours_of(&folders.iter().map(|(label, _)| label).collect::<Vec<_>>());
    for ((policy, folder), &colour) in folders.iter().zip(&colours) {
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
            jobs: jobs.len(),
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
    // One line per run, its points drawn from the run by `points`.
    let series = |points: &dyn Fn(&PolicyRun) -> Vec<(f64, f64)>| -> Vec<Series> {
        runs.iter()
            .map(|r| Series {
                label: r.policy.clone(),
                colour: r.colour,
                points: points(r),
            })
            .collect()
    };
    let over_time = |name: &str, title: &str, y_label: &str, column: usize| LineChart {
        name: name.into(),
        title: format!("{title}{suffix}"),
        x: XScale::Time(unit),
        y_label: y_label.into(),
        y_from_zero: true,
        series: series(&|r| thin(&r.samples).iter().map(|s| (unit.of(s[0]), s[column])).collect()),
        steps: false,
    };
    // A CDF covers the jobs that have the value (completed for JCTs, started for waits); when
    // some jobs lack it, the axis says whose fraction it is, so a curve reaching 1 does not
    // read as every job.
    let share = |values: fn(&PolicyRun) -> &[f64], which: &str| match runs
        .iter()
        .filter(|r| values(r).len() < r.jobs)
        .count()
    {
        0 => "fraction of jobs".to_string(),
        _ if runs.len() == 1 => format!(
            "fraction of {which} jobs ({} of {})",
            values(&runs[0]).len(),
            runs[0].jobs
        ),
        _ => format!("fraction of {which} jobs (the others left out)"),
    };
    let cdf = |name: &str, title: &str, what: &str, which: &str, values: fn(&PolicyRun) -> &[f64]| LineChart {
        name: name.into(),
        title: format!("{title}{suffix}"),
        x: XScale::Log10 {
            label: format!("{what} ({}, log scale; under 1 s drawn at 1 s)", unit.name),
            unit: unit.name.to_string(),
            floor: unit.of(1.0),
        },
        y_label: share(values, which),
        y_from_zero: true,
        series: series(&|r| {
            cumulative(values(r))
                .into_iter()
                .map(|(x, y)| (unit.of(x), y))
                .collect()
        }),
        steps: true,
    };
    let gpu_frag = LineChart {
        name: "gpu_frag_over_time".into(),
        title: format!("Fragmentation against the typical tasks over time{suffix}"),
        x: XScale::Time(unit),
        y_label: "fragmented GPUs (FGD paper)".into(),
        y_from_zero: true,
        series: runs
            .iter()
            .filter(|r| !r.gpu_frag.is_empty())
            .map(|r| Series {
                label: r.policy.clone(),
                colour: r.colour,
                points: thin(&r.gpu_frag).iter().map(|&(t, gpus)| (unit.of(t), gpus)).collect(),
            })
            .collect(),
        steps: false,
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
            "1 − largest free block ÷ free GPUs (0: none free)",
            3,
        ),
        over_time(
            "queue_over_time",
            "Queue length over time",
            "jobs waiting (not those held after a failure)",
            4,
        ),
        cdf("jct_cdf", "Job completion time, CDF", "JCT", "completed", |r| &r.jct_s),
        cdf("wait_cdf", "Wait time, CDF", "wait", "started", |r| &r.wait_s),
    ];
    if !gpu_frag.series.is_empty() {
        charts.insert(3, gpu_frag);
    }
    Ok(charts)
}

/// Nodes down and jobs running at each sample of the run in `folder`, when it had failures
/// (`incidents.csv` beside `timeseries.csv`); time in `unit`.
pub fn incident_chart(folder: &Path, label: &str, unit: TimeUnit) -> Result<Option<LineChart>, ReportError> {
    if !folder.join("incidents.csv").exists() || !folder.join("timeseries.csv").exists() {
        return Ok(None);
    }
    let rows = read_columns(&folder.join("timeseries.csv"), &["t_s", "down_nodes", "running"])?;
    let column = |c: usize| -> Vec<(f64, f64)> { rows.iter().filter_map(|r| Some((unit.of(r[0]?), r[c]?))).collect() };
    let suffix = if label.is_empty() {
        String::new()
    } else {
        format!(" ({label})")
    };
    Ok(Some(LineChart {
        name: "incidents".into(),
        title: format!("Nodes down and jobs running{suffix}"),
        x: XScale::Time(unit),
        y_label: "count".into(),
        y_from_zero: true,
        series: vec![
            Series {
                label: "nodes down".into(),
                colour: 3,
                points: thin(&column(1)),
            },
            Series {
                label: "jobs running".into(),
                colour: 0,
                points: thin(&column(2)),
            },
        ],
        steps: true,
    }))
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
fn read_columns(path: &Path, names: &[&str]) -> Result<Vec<Vec<Option<f64>>>, ReportError> {
    let origin = path.display().to_string();
    let csv_error = |e| ReportError::csv(&origin, e);
    let file = crate::bounded::open(path).map_err(|e| ReportError::io(path, e))?;
    let mut reader = csv::Reader::from_reader(file);
    let header = reader.headers().map_err(csv_error)?.clone();
    let indices: Vec<usize> = names
        .iter()
        .map(|name| {
            header.iter().position(|h| h == *name).ok_or_else(|| ReportError::File {
                path: origin.clone(),
                reason: format!("no column `{name}`"),
            })
        })
        .collect::<Result<_, _>>()?;
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(csv_error)?;
        let at = At {
            path: &origin,
            line: record.position().map_or(0, |p| p.line()),
        };
        let row = indices
            .iter()
            .zip(names)
            .map(|(&i, name)| match record.get(i).unwrap_or_default() {
                "" => Ok(None),
                text => text.parse().map(Some).map_err(|_| at.value(name, "a number", text)),
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

    #[test]
    fn a_cdf_of_some_jobs_says_whose_fraction_it_is() {
        // Three jobs: a completed (JCT 100, wait 0), b started and running (wait 10), c waiting.
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("timeseries.csv"),
            "t_s,gpu_alloc,gpu_util,frag,queue_len\n0,0.5,0.5,0,1\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("jobs.csv"),
            "job_id,jct_s,wait_s\na,100,0\nb,,10\nc,,\n",
        )
        .unwrap();
        let charts = charts_of(
            &[("first-fit".into(), dir.path().to_path_buf())],
            "",
            crate::charts::time::SECONDS,
        )
        .unwrap();
        let label = |name: &str| charts.iter().find(|c| c.name == name).unwrap().y_label.clone();
        assert_eq!(label("jct_cdf"), "fraction of completed jobs (1 of 3)");
        assert_eq!(label("wait_cdf"), "fraction of started jobs (2 of 3)");
    }
}
