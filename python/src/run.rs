//! `run`, `sweep` and `library`: what the `clustersim` command's `run`, `sweep` and
//! `scenarios` do, with results handed to Python instead of printed.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::RecvTimeoutError;

use pyo3::prelude::*;
use pyo3::types::PyDict;
use scenarios::run::ScenarioRun;
use scenarios::sweep::{Silent, SweepOptions, run_sweep};
use scenarios::{Override, ScenarioError, ValidScenario};
use sim_core::engine::StopFlag;
use sim_core::metrics::DiscardRows;
use sim_core::run::SampleSinks;

use crate::error::to_py;
use crate::pypolicy;
use crate::scenario::{Source, parse_overrides};
use crate::tables;

/// `summary.json` of a run, as JSON text.
pub fn summary_json(loaded: &ValidScenario, run: &ScenarioRun) -> String {
    scenarios::output::with_summary(loaded, run, |summary| {
        serde_json::to_string(summary).expect("a summary always serializes to JSON")
    })
}

/// A finished run as a dict: `summary` (the text of `summary.json`), `policy`, the tables
/// (`jobs`, `timeseries`, and `racks`, `incidents`, `fill` or `None`) and `written` (the
/// files written, when an output folder was given).
pub fn run_dict<'py>(
    py: Python<'py>,
    loaded: &ValidScenario,
    run: &ScenarioRun,
    written: Vec<PathBuf>,
) -> PyResult<Bound<'py, PyDict>> {
    let record = &run.record;
    let dict = PyDict::new(py);
    dict.set_item("summary", summary_json(loaded, run))?;
    dict.set_item("policy", &run.policy)?;
    dict.set_item("jobs", tables::jobs(py, &record.jobs)?)?;
    dict.set_item("timeseries", tables::timeseries(py, &record.timeseries)?)?;
    let racks = (!record.racks.is_empty())
        .then(|| tables::racks(py, &record.racks, &record.rack_names))
        .transpose()?;
    dict.set_item("racks", racks)?;
    let incidents = (record.faults_active || !record.incidents.is_empty())
        .then(|| tables::incidents(py, &record.incidents))
        .transpose()?;
    dict.set_item("incidents", incidents)?;
    dict.set_item(
        "fill",
        run.fill.as_deref().map(|rows| tables::fill(py, rows)).transpose()?,
    )?;
    dict.set_item("written", written)?;
    Ok(dict)
}

/// Loads a scenario from Python's description of it.
pub fn load(
    kind: &str,
    value: String,
    origin: Option<String>,
    base_dir: Option<PathBuf>,
    overrides: &[String],
    seed: Option<u64>,
) -> PyResult<(Source, Vec<Override>, ValidScenario)> {
    let source = Source::new(kind, value, origin, base_dir)?;
    let overrides = parse_overrides(overrides)?;
    let loaded = source.load(&overrides, seed).map_err(to_py)?;
    Ok((source, overrides, loaded))
}

/// Runs a scenario once; writes its files into `out` when given, as `clustersim run --out`
/// does (without the charts and page). With `keep_jobs` false the run keeps no job's row (the
/// `jobs` table is empty) and drops ended jobs as it goes, so its memory does not grow with
/// the trace; with `out` it then writes `jobs.csv`, `timeseries.csv` and `racks.csv` as the
/// run goes, exactly as the command does (rows in the order jobs end). A failure of a Python
/// part of the policy is raised as the part raised it.
#[pyfunction]
#[pyo3(signature = (kind, value, origin=None, base_dir=None, overrides=Vec::new(), seed=None, out=None, keep_jobs=true))]
#[allow(clippy::too_many_arguments)]
pub fn run<'py>(
    py: Python<'py>,
    kind: &str,
    value: String,
    origin: Option<String>,
    base_dir: Option<PathBuf>,
    overrides: Vec<String>,
    seed: Option<u64>,
    out: Option<PathBuf>,
    keep_jobs: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let (_, _, loaded) = load(kind, value, origin, base_dir, &overrides, seed)?;
    if let Some(dir) = &out {
        scenarios::output::prepare_run_folder(dir).map_err(to_py)?;
    }
    let work = || {
        let (run, streamed) = match (&out, keep_jobs) {
            (_, true) => (scenarios::run::run(&loaded)?, None),
            (None, false) => (
                scenarios::run::run_with(&loaded, Vec::new(), &mut DiscardRows, true)?,
                None,
            ),
            (Some(dir), false) => {
                let created = !dir.exists();
                let mut files = reports::StreamedFiles::create(dir).map_err(|e| ScenarioError::io(dir, e))?;
                let mut cluster = reports::AlsoKept::new(&mut files.timeseries, true);
                let mut racks = reports::AlsoKept::new(&mut files.racks, true);
                let samples = SampleSinks {
                    cluster: &mut cluster,
                    racks: &mut racks,
                };
                let run =
                    scenarios::run::run_explaining(&loaded, Vec::new(), &mut files.jobs, Some(samples), true, None);
                let mut run = match run {
                    Ok(run) => run,
                    Err(e) => {
                        // Nothing of a failed run stays: its unfinished files go with `files`,
                        // and the folder too if this run made it.
                        drop(files);
                        if created {
                            let _ = std::fs::remove_dir(dir);
                        }
                        return Err(e);
                    }
                };
                run.record.timeseries = cluster.kept.unwrap_or_default();
                run.record.racks = racks.kept.unwrap_or_default();
                (run, Some(files))
            }
        };
        let written = match &out {
            Some(dir) => {
                let written = scenarios::output::write_outputs(dir, &loaded, &run, streamed)?;
                // An earlier run's incidents, racks or report in the folder would be read as
                // this run's: they go, as `run --no-report` removes them.
                scenarios::output::remove_earlier_run_files(dir, &written)?;
                written
            }
            None => Vec::new(),
        };
        Ok::<_, ScenarioError>((run, written))
    };
    // Python parts are called with the GIL held: their runs keep it (and a Ctrl-C reaches
    // them as Python's own KeyboardInterrupt). Other runs go on a thread of their own, which a
    // Ctrl-C stops at its next instant.
    let result = if pypolicy::uses_python(loaded.policy()) {
        let (result, failure) = pypolicy::collecting(work);
        if let Some(failure) = failure {
            return Err(failure);
        }
        result
    } else {
        let stop = StopFlag::new();
        let (result, interrupted) = watching_signals(py, || stop.set(), || scenarios::run::stoppable(&stop, work));
        if let Some(signal) = interrupted {
            return Err(signal);
        }
        result.expect("a run's thread sends its result unless it panicked")
    };
    let (run, written) = result.map_err(to_py)?;
    run_dict(py, &loaded, &run, written)
}

/// How often the caller of a run or sweep looks for a signal (Ctrl-C) while it works.
const SIGNAL_POLL: std::time::Duration = std::time::Duration::from_millis(100);

/// Runs `work` on a thread of its own while this one waits without the GIL and looks for
/// signals between waits (Python runs its signal handlers only on the main thread): the first
/// whose handler raises (`KeyboardInterrupt`) calls `stop`, and `work` is waited for. Returns
/// what `work` returned (`None` if it panicked: the panic is raised on leaving) and the
/// handler's exception, if one was raised.
fn watching_signals<T: Send>(
    py: Python<'_>,
    stop: impl Fn(),
    work: impl FnOnce() -> T + Send,
) -> (Option<T>, Option<PyErr>) {
    std::thread::scope(|scope| {
        let (done, mut finished) = std::sync::mpsc::channel();
        scope.spawn(move || {
            let _ = done.send(work());
        });
        let mut interrupted = None;
        loop {
            let (received, receiver) = py.detach(move || (finished.recv_timeout(SIGNAL_POLL), finished));
            finished = receiver;
            match received {
                Ok(result) => return (Some(result), interrupted),
                Err(RecvTimeoutError::Disconnected) => return (None, interrupted),
                Err(RecvTimeoutError::Timeout) => {}
            }
            if interrupted.is_none()
                && let Err(signal) = py.check_signals()
            {
                stop();
                interrupted = Some(signal);
            }
        }
    })
}

/// Runs a scenario's sweep into `out` (`sweep.json`, `sweep.csv`, `aggregate.csv`), as
/// `clustersim sweep --out` does. `seeds` and `grid` (key and TOML values) set `sweep.seeds`
/// and keys of `[sweep.grid]`. Returns the counts of the outcome. Ctrl-C (any signal whose
/// Python handler raises) stops it as the command's Ctrl-C does: no run starts after it, the
/// runs under way finish and are recorded, and the handler's exception (`KeyboardInterrupt`)
/// is raised; `resume` continues the sweep.
#[pyfunction]
#[pyo3(signature = (kind, value, out, origin=None, base_dir=None, overrides=Vec::new(), seeds=None, grid=Vec::new(), threads=None, resume=false))]
#[allow(clippy::too_many_arguments)]
pub fn sweep<'py>(
    py: Python<'py>,
    kind: &str,
    value: String,
    out: PathBuf,
    origin: Option<String>,
    base_dir: Option<PathBuf>,
    overrides: Vec<String>,
    seeds: Option<u64>,
    grid: Vec<(String, String)>,
    threads: Option<usize>,
    resume: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let (source, mut overrides, loaded) = load(kind, value, origin, base_dir, &overrides, None)?;
    if let Some(seeds) = seeds {
        overrides.extend(parse_overrides(&[format!("sweep.seeds={seeds}")])?);
    }
    for (key, values) in grid {
        let text = format!("sweep.grid.\"{key}\"={values}");
        let mut setting = parse_overrides(&[format!("grid={values}")])?.remove(0);
        setting.path = vec!["sweep".into(), "grid".into(), key];
        setting.text = text;
        overrides.push(setting);
    }
    let threads = match threads {
        Some(n) => scenarios::budget::check_threads(n, "threads", loaded.limits())
            .map(|()| n)
            .map_err(to_py)?,
        None => std::thread::available_parallelism().map_or(1, usize::from),
    };
    let stop = AtomicBool::new(false);
    let sweep = || {
        let plan = source.plan(&overrides, None)?;
        let options = SweepOptions {
            out,
            threads,
            shard: None,
            resume,
            replace: false,
            stop: &stop,
            max_runs: None,
            first_seed_rows: false,
        };
        run_sweep(&plan, &options, &|_, _| Ok(()), &Silent)
    };
    let (outcome, interrupted) = watching_signals(py, || stop.store(true, Ordering::SeqCst), sweep);
    if let Some(signal) = interrupted {
        return Err(signal);
    }
    let outcome = outcome
        .expect("a sweep's thread sends its outcome unless it panicked")
        .map_err(to_py)?;
    let dict = PyDict::new(py);
    dict.set_item("runs", outcome.runs)?;
    dict.set_item("recorded", outcome.recorded)?;
    dict.set_item("failed", outcome.failed)?;
    dict.set_item("ran", outcome.ran)?;
    dict.set_item("complete", outcome.complete())?;
    Ok(dict)
}

/// The incident library: (name, title, scenario text) of each entry, in listing order.
#[pyfunction]
pub fn library() -> Vec<(&'static str, &'static str, &'static str)> {
    scenarios::library::LIBRARY
        .iter()
        .map(|e| (e.name, e.title(), e.text))
        .collect()
}
