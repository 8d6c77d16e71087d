//! `clustersim trace stats | convert | generate`.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufReader, Write};
use std::path::Path;

use scenarios::build::build_cluster;
use scenarios::synthetic::{synthetic_config, with_overrides};
use scenarios::{ScenarioError, load_file};
use serde::Serialize;
use serde::ser::SerializeMap;
use traces::stats::{TraceStats, gpus_label};
use traces::synthetic::SyntheticSource;
use traces::{Format, JobSource, ReadOptions, TraceError};

use crate::cli::{ConvertArgs, GenerateArgs, ReadArgs, StatsArgs, TraceArgs, TraceCommand};
use crate::table::{cell, render};

pub fn trace(args: &TraceArgs) -> Result<(), ScenarioError> {
    match &args.command {
        TraceCommand::Stats(args) => stats(args),
        TraceCommand::Convert(args) => convert(args),
        TraceCommand::Generate(args) => generate(args),
    }
}

/// Opens `file` as `read` says; returns the format (detected when not given) and the source.
fn open(file: &Path, read: &ReadArgs) -> Result<(Format, Box<dyn JobSource>), ScenarioError> {
    let name = file.display().to_string();
    let format = match read.format {
        Some(format) => format,
        None => {
            let handle = File::open(file).map_err(|source| TraceError::Io {
                file: name.clone(),
                source,
            })?;
            traces::detect_format(&name, &mut BufReader::new(handle))?
        }
    };
    let mut options = ReadOptions::default();
    if let Some(unit) = read.swf_processor {
        options.swf_processor = unit;
        options.given.swf_processor = true;
    }
    if let Some(rule) = read.swf_size {
        options.swf_size = rule;
        options.given.swf_size = true;
    }
    if let Some(duration) = read.pod_duration {
        options.untimed_pod_duration = duration;
        options.given.pod_duration = true;
    }
    if let Some(max_time) = read.max_time {
        options.max_time = max_time;
    }
    Ok((format, traces::open(file, Some(format), &options)?))
}

fn stats(args: &StatsArgs) -> Result<(), ScenarioError> {
    let (format, mut source) = open(&args.file, &args.read)?;
    let stats = TraceStats::collect(&mut *source)?;
    let text = if args.json {
        serde_json::to_string_pretty(&StatsJson::from(&stats)).expect("statistics serialize to JSON")
    } else {
        stats_text(&args.file, format, &stats)
    };
    print_all(&text)
}

fn stats_text(file: &Path, format: Format, stats: &TraceStats) -> String {
    let skipped = if stats.skipped.total() > 0 {
        format!("{} ({})", stats.skipped.total(), stats.skipped)
    } else {
        "0".to_string()
    };
    let rows: Vec<Vec<String>> = stats
        .size_histogram
        .iter()
        .map(|(&milli, &jobs)| vec![gpus_label(milli), jobs.to_string()])
        .collect();
    // Jobs without GPUs (an SWF log read with --swf-processor cpu, CPU pods): their cores.
    let cpu_jobs = if stats.cpu_job_histogram.is_empty() {
        String::new()
    } else {
        let rows: Vec<Vec<String>> = stats
            .cpu_job_histogram
            .iter()
            .map(|(&cores, &jobs)| vec![cores.to_string(), jobs.to_string()])
            .collect();
        format!(
            "\njobs without GPUs, total CPU core-hours: {}\n{}",
            cell(Some(stats.cpu_job_core_hours)),
            render(&["cores/job", "jobs"], &rows)
        )
    };
    format!(
        "{} ({format})\njobs: {}\nskipped: {skipped}\nsubmit: first {} s, last {} s\n\
         duration s: mean {}, p50 {}, p90 {}, p99 {}\ntotal GPU-hours: {}\n{}{cpu_jobs}",
        file.display(),
        stats.jobs,
        stats.first_submit,
        stats.last_submit,
        cell(Some(stats.duration_mean_s)),
        cell(Some(stats.duration_p50_s)),
        cell(Some(stats.duration_p90_s)),
        cell(Some(stats.duration_p99_s)),
        cell(Some(stats.total_gpu_hours)),
        render(&["GPUs/job", "jobs"], &rows)
    )
}

/// Prints `text` and a newline; a reader that stops early (`| head`) is not an error.
fn print_all(text: &str) -> Result<(), ScenarioError> {
    outln!("{text}");
    Ok(())
}

/// The JSON of `trace stats --json`: the keys of the issue, in that order, plus the reasons
/// for skipped rows.
#[derive(Serialize)]
struct StatsJson {
    jobs: u64,
    skipped: u64,
    skipped_reasons: BTreeMap<String, u64>,
    first_submit_s: f64,
    last_submit_s: f64,
    size_histogram: Histogram,
    duration_mean_s: f64,
    duration_p50_s: f64,
    duration_p90_s: f64,
    duration_p99_s: f64,
    total_gpu_hours: f64,
    cpu_job_histogram: CoresHistogram,
    cpu_job_core_hours: f64,
}

impl From<&TraceStats> for StatsJson {
    fn from(s: &TraceStats) -> Self {
        StatsJson {
            jobs: s.jobs,
            skipped: s.skipped.total(),
            skipped_reasons: s.skipped.reasons().map(|(r, n)| (r.to_string(), n)).collect(),
            first_submit_s: s.first_submit.as_secs_f64(),
            last_submit_s: s.last_submit.as_secs_f64(),
            size_histogram: Histogram(s.size_histogram.clone()),
            duration_mean_s: s.duration_mean_s,
            duration_p50_s: s.duration_p50_s,
            duration_p90_s: s.duration_p90_s,
            duration_p99_s: s.duration_p99_s,
            total_gpu_hours: s.total_gpu_hours,
            cpu_job_histogram: CoresHistogram(s.cpu_job_histogram.clone()),
            cpu_job_core_hours: s.cpu_job_core_hours,
        }
    }
}

/// GPUs per job → jobs, as a JSON object keyed by GPU count (`"0.5"`, `"8"`) in numeric order.
struct Histogram(BTreeMap<u64, u64>);

impl Serialize for Histogram {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (&milli, jobs) in &self.0 {
            map.serialize_entry(&gpus_label(milli), jobs)?;
        }
        map.end()
    }
}

/// Jobs by cores per job, as a JSON object in ascending order of cores.
struct CoresHistogram(BTreeMap<u64, u64>);

impl Serialize for CoresHistogram {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (cores, jobs) in &self.0 {
            map.serialize_entry(&cores.to_string(), jobs)?;
        }
        map.end()
    }
}

fn convert(args: &ConvertArgs) -> Result<(), ScenarioError> {
    if let Some(out) = &args.out {
        refuse_overwriting_input(&args.file, out)?;
    }
    if args.out.is_none() {
        // Standard output cannot be taken back: the whole trace is read and checked first, so a
        // bad row prints nothing (a file is written aside and renamed, or removed, instead).
        let (_, mut check) = open(&args.file, &args.read)?;
        for job in &mut *check {
            job?;
        }
    }
    let (_, mut source) = open(&args.file, &args.read)?;
    let jobs = write_trace(&mut *source, args.out.as_deref())?;
    report_written(jobs, &*source, args.out.as_deref());
    Ok(())
}

fn generate(args: &GenerateArgs) -> Result<(), ScenarioError> {
    let loaded = args.scenario.as_deref().map(|path| load_file(path, &[])).transpose()?;
    let base = loaded.as_ref().and_then(|l| l.scenario.workload.synthetic.as_ref());
    let section = with_overrides(base, &args.overrides)?;
    // The jobs limit of a run holds for a generated trace too: a run could not replay more.
    let limits = scenarios::limits::Limits::resolve(loaded.as_ref().and_then(|l| l.scenario.limits.as_ref()));
    if let Some(jobs) = section.jobs.filter(|&jobs| jobs > limits.jobs) {
        return Err(ScenarioError::Input(format!(
            "trace generate: jobs = {jobs} is more than limits.jobs = {}, the most a run replays on this \
             machine; give fewer, or a --scenario whose [limits] jobs is higher",
            limits.jobs
        )));
    }
    let gpus = match (args.gpus, &loaded) {
        (Some(gpus), _) => Some(f64::from(gpus)),
        (None, Some(loaded)) => Some(build_cluster(loaded)?.total_gpu_milli() as f64 / 1000.0),
        (None, None) => None,
    };
    let seed = args.seed.or(loaded.as_ref().map(|l| l.scenario.seed)).unwrap_or(0);
    let bad = |e: traces::synthetic::ConfigError| ScenarioError::Input(format!("trace generate: {e}"));
    let config = synthetic_config(&section, gpus).map_err(bad)?;
    let mut source = SyntheticSource::new(config, seed).map_err(bad)?;
    let jobs = write_trace(&mut source, args.out.as_deref())?;
    report_written(jobs, &source, args.out.as_deref());
    if let Some(loaded) = loaded.as_ref().filter(|_| base.is_none()) {
        eprintln!(
            "note: {} has no [workload.synthetic]: every key not given by --set took its default",
            loaded.origin
        );
    }
    Ok(())
}

/// Refuses an output path that is the input file itself (by another name or a link too): the
/// conversion would replace the trace it reads.
fn refuse_overwriting_input(input: &Path, out: &Path) -> Result<(), ScenarioError> {
    let same = match (std::fs::canonicalize(input), std::fs::canonicalize(out)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if same {
        return Err(ScenarioError::Input(format!(
            "--out {}: that is the trace being read ({}); write the converted trace to another file",
            out.display(),
            input.display()
        )));
    }
    Ok(())
}

/// Writes `source` as native CSV to `out` (atomically) or to standard output.
fn write_trace(source: &mut dyn JobSource, out: Option<&Path>) -> Result<u64, ScenarioError> {
    let Some(path) = out else {
        let stdout = io::stdout();
        return match traces::write_native(source, stdout.lock(), "standard output") {
            Err(TraceError::Io { source, .. }) if source.kind() == io::ErrorKind::BrokenPipe => {
                crate::stdout::failed(&source)
            }
            written => Ok(written?),
        };
    };
    let name = path.display().to_string();
    let mut failure = None;
    let mut jobs = 0;
    let written = reports::write_atomic(path, |w| match traces::write_native(source, &mut *w, &name) {
        Ok(n) => {
            jobs = n;
            w.flush()
        }
        Err(e) => {
            failure = Some(e);
            Err(io::Error::other("conversion stopped"))
        }
    });
    if let Some(e) = failure {
        return Err(e.into());
    }
    written.map_err(|e| ScenarioError::io(path, e))?;
    Ok(jobs)
}

fn report_written(jobs: u64, source: &dyn JobSource, out: Option<&Path>) {
    let target = out.map_or_else(|| "standard output".to_string(), |p| p.display().to_string());
    eprintln!("wrote {jobs} jobs to {target}");
    if source.skipped().total() > 0 {
        eprintln!("trace rows skipped: {}", source.skipped());
    }
}
