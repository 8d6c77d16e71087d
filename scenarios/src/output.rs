//! Writing the files of a scenario run.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use reports::run_report::RUN_CHARTS;
use reports::{ExtraMetricValues, StreamedFiles, SummaryFile, write_fill_file, write_run_files};

use crate::error::ScenarioError;
use crate::load::ValidScenario;
use crate::run::ScenarioRun;

/// Every file [`write_outputs`] may write into its folder.
pub const OUTPUT_FILES: [&str; 6] = [
    "summary.json",
    "jobs.csv",
    "timeseries.csv",
    "racks.csv",
    "incidents.csv",
    "fill.csv",
];

/// The data files a run may write in its folder besides [`OUTPUT_FILES`] (charts and
/// `report.html` aside), when asked to: its why-log, its schedule as SWF, its timeline.
pub const RUN_ONLY_FILES: [&str; 3] = ["decisions.csv", "jobs.swf", "timeline.json"];

/// The files of a run's report: its charts and `report.html`.
pub fn report_file_names() -> Vec<String> {
    RUN_CHARTS
        .iter()
        .flat_map(|chart| ["png", "svg"].map(|ext| format!("{chart}.{ext}")))
        .chain(["report.html".to_string()])
        .collect()
}

/// Readies `out` for a run: refuses it when it holds a sweep or a comparison (the run's files
/// would mix with its results and replace its report), and removes the temporary files a run
/// killed outright there left (never results).
pub fn prepare_run_folder(out: &Path) -> Result<(), ScenarioError> {
    use crate::sweep::MANIFEST;
    use crate::sweep::resume::{JOURNAL, SWEEP_CSV};
    if let Some(file) = [MANIFEST, JOURNAL, SWEEP_CSV]
        .into_iter()
        .find(|f| out.join(f).is_file())
    {
        return Err(ScenarioError::Input(format!(
            "--out {}: holds a sweep or comparison ({file}); a run's files would mix with its results \
             and replace its report: choose another folder",
            out.display()
        )));
    }
    if out.is_dir() {
        reports::remove_leftovers(out).map_err(|e| ScenarioError::io(out, e))?;
    }
    Ok(())
}

/// Removes from the run folder `out` the files among `names` that this run did not write (those
/// of `kept`): an earlier run's, which would otherwise be read as this run's.
pub fn remove_stale(out: &Path, kept: &[PathBuf], names: &[impl AsRef<str>]) -> Result<(), ScenarioError> {
    for name in names {
        let name = name.as_ref();
        let path = out.join(name);
        let written = kept.iter().any(|k| k.file_name() == Some(std::ffi::OsStr::new(name)));
        if !written && path.is_file() {
            std::fs::remove_file(&path).map_err(|e| ScenarioError::io(&path, e))?;
        }
    }
    Ok(())
}

/// Removes from `out` every run file an earlier run wrote that this one, which wrote `written`
/// and no report, did not: its data files and its whole report (as `run --no-report` does).
pub fn remove_earlier_run_files(out: &Path, written: &[PathBuf]) -> Result<(), ScenarioError> {
    let data_files: Vec<&str> = OUTPUT_FILES.iter().chain(&RUN_ONLY_FILES).copied().collect();
    remove_stale(out, written, &data_files)?;
    remove_stale(out, &[], &report_file_names())
}

/// Writes `summary.json`, `jobs.csv` and `timeseries.csv` of `run` into `dir`, `fill.csv` for a
/// fill run, and `incidents.csv` for a run with failures (written by the run files). `jobs.csv`
/// and `timeseries.csv` come from the run's rows and samples, or from `streamed` when the run
/// wrote them as it went.
pub fn write_outputs(
    dir: &Path,
    loaded: &ValidScenario,
    run: &ScenarioRun,
    streamed: Option<StreamedFiles>,
) -> Result<Vec<PathBuf>, ScenarioError> {
    let cannot = |e: std::io::Error| ScenarioError::io(dir, e);
    let mut written = with_summary(loaded, run, |summary| {
        write_run_files(dir, summary, &run.record, &run.record.rack_names, streamed)
    })
    .map_err(cannot)?;
    if let Some(rows) = &run.fill {
        written.push(write_fill_file(dir, rows).map_err(cannot)?);
    }
    Ok(written)
}

/// Calls `use_it` with the contents of `summary.json` for `run` of `loaded` (the scenario as
/// run, the policy, the seed, the metrics, the event digest, rejected jobs and skipped trace
/// rows): the one place that assembles it, for the files and for the Python package.
pub fn with_summary<R>(loaded: &ValidScenario, run: &ScenarioRun, use_it: impl FnOnce(&SummaryFile<'_>) -> R) -> R {
    let scenario = serde_json::to_value(&loaded.scenario).expect("a scenario always serializes to JSON");
    let skipped: BTreeMap<String, u64> = run.skipped.reasons().map(|(r, n)| (r.to_string(), n)).collect();
    let summary = SummaryFile {
        scenario: &scenario,
        policy: &run.policy,
        seed: loaded.scenario.seed,
        metrics: &run.record.summary,
        extra_metrics: ExtraMetricValues(&run.record.extra_metrics),
        event_digest: &run.record.event_digest,
        end_s: run.record.end.as_secs_f64(),
        jobs_rejected: run.record.rejected_jobs,
        trace_rows_skipped: &skipped,
    };
    use_it(&summary)
}
