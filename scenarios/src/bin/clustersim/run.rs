//! `clustersim run`, `validate` and `policies`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use scenarios::build::{build_cluster, open_workload};
use scenarios::output::{OUTPUT_FILES, RUN_ONLY_FILES, remove_stale, report_file_names, write_outputs};
use scenarios::{Override, ScenarioError, ValidScenario, load_file};
use sim_core::engine::StopFlag;

use crate::cli::{CommFractionArgs, RunArgs, ScenariosArgs, ValidateArgs, WhyArgs};
use crate::progress::RunSpinner;
use crate::table::{cell, render};
use reports::report::count;

/// Metrics printed after a run, in order, after the scenario's key metrics.
const HEADLINE: [&str; 10] = [
    "jobs_submitted",
    "jobs_completed",
    "jobs_failed",
    "avg_jct_s",
    "p95_jct_s",
    "avg_wait_s",
    "avg_bounded_slowdown",
    "gpu_alloc_ratio",
    "gpu_util",
    "frag_mean",
];

fn load(path: &std::path::Path, overrides: &[Override], seed: Option<u64>) -> Result<ValidScenario, ScenarioError> {
    let mut overrides = overrides.to_vec();
    if let Some(seed) = seed {
        overrides.push(format!("seed={seed}").parse().expect("seed=N is a valid override"));
    }
    load_file(path, &overrides)
}

/// Default output folder: `clustersim-out/<scenario name>` with unsafe characters replaced, and
/// a name of dots alone (`.`, `..`: the folder itself or its parent) or none made of underscores.
pub fn default_out(name: &str) -> PathBuf {
    let mut safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if safe.chars().all(|c| c == '.') {
        safe = "_".repeat(safe.len().max(1));
    }
    PathBuf::from("clustersim-out").join(safe)
}

/// Runs one scenario as `clustersim run` does; returns the exit code (0, or
/// [`crate::exit::INTERRUPTED`] when Ctrl-C stopped it).
pub fn run(args: &RunArgs) -> Result<i32, ScenarioError> {
    let loaded = load(&args.scenario, &args.overrides, args.seed)?;
    let started = Instant::now();
    let out = args.out.clone().unwrap_or_else(|| default_out(&loaded.scenario.name));
    scenarios::output::prepare_run_folder(&out)?;
    // jobs.csv is written as jobs end, timeseries.csv and racks.csv as samples are taken, so a
    // run of any length holds only its live jobs.
    if let Some(filter) = &args.timeline_nodes {
        // A pattern that keeps no node is a mistake (a typo, another cluster's names), not a
        // request for an empty timeline.
        let cluster = build_cluster(&loaded)?;
        let racks = cluster.racks();
        if !cluster
            .nodes()
            .iter()
            .any(|n| filter.keeps(&n.name, &racks[n.rack.index()].name))
        {
            return Err(ScenarioError::Input(format!(
                "--timeline-nodes `{}` matches no node or rack of {} (nodes are named like `{}`, racks like `{}`)",
                filter.patterns(),
                loaded.origin,
                cluster.nodes()[0].name,
                racks[0].name
            )));
        }
    }
    let created = !out.exists();
    let stop = stop_on_ctrl_c();
    let mut streamed = reports::StreamedFiles::create(&out).map_err(|e| ScenarioError::io(&out, e))?;
    let mut timeline = if args.timeline || args.timeline_window.is_some() || args.timeline_nodes.is_some() {
        let options = reports::timeline::TimelineOptions {
            window: args.timeline_window,
            nodes: args.timeline_nodes.clone(),
        };
        Some(reports::timeline::Timeline::create(&out, options).map_err(|e| ScenarioError::io(&out, e))?)
    } else {
        None
    };
    let decisions = if args.explain || loaded.scenario.output.explain {
        Some(scenarios::decisions::DecisionsCsv::create(&out).map_err(|e| ScenarioError::io(&out, e))?)
    } else {
        None
    };
    let mut swf = if args.swf || loaded.scenario.output.swf {
        let computer = format!(
            "scenario {}, policy {}, seed {}",
            loaded.scenario.name,
            loaded.policy().label,
            loaded.scenario.seed
        );
        Some(reports::swf_log::SwfLog::create(&out, computer).map_err(|e| ScenarioError::io(&out, e))?)
    } else {
        None
    };
    let keeps_rack_samples = timeline.is_some();
    let mut spinner = RunSpinner::new(args.quiet);
    let mut watchers: Vec<&mut dyn sim_core::observe::Observer> = vec![&mut spinner];
    if let Some(timeline) = timeline.as_mut() {
        watchers.push(timeline);
    }
    if let Some(swf) = swf.as_mut() {
        watchers.push(swf);
    }
    let sink = decisions.as_ref().map(scenarios::decisions::DecisionsCsv::sink);
    // With a timeline, the rack samples are kept for its counter tracks, which it writes last.
    let mut racks = reports::AlsoKept::new(&mut streamed.racks, keeps_rack_samples);
    let run = scenarios::run::stoppable(&stop, || {
        scenarios::run::run_explaining(
            &loaded,
            watchers,
            &mut streamed.jobs,
            Some(sim_core::run::SampleSinks {
                cluster: &mut streamed.timeseries,
                racks: &mut racks,
            }),
            true,
            sink,
        )
    });
    let rack_samples = racks.kept.unwrap_or_default();
    spinner.clear();
    let run = match run {
        Ok(run) => run,
        Err(e) => {
            // Nothing of a failed run stays: the unfinished jobs.csv, timeseries.csv and
            // timeline go with `streamed` and `timeline`, and the folder too if this run made it.
            drop(streamed);
            drop(timeline);
            drop(decisions);
            drop(swf);
            if created {
                let _ = std::fs::remove_dir(&out);
            }
            if stop.is_set() {
                eprintln!("interrupted: the run wrote nothing");
                return Ok(crate::exit::INTERRUPTED);
            }
            return Err(e);
        }
    };
    let elapsed = started.elapsed().as_secs_f64();
    // The optional files first and summary.json last (write_outputs), so that a failure to
    // write any of them leaves no summary of this run; a folder this run made goes whole.
    let committed = (|| {
        let mut extra = Vec::new();
        if let Some(timeline) = timeline {
            let path = out.join("timeline.json");
            timeline
                .commit(
                    &path,
                    &rack_samples,
                    &run.record.incidents,
                    &run.record.breaker_openings,
                )
                .map_err(|e| ScenarioError::io(&path, e))?;
            extra.push(path);
        }
        if let Some(swf) = swf {
            extra.push(swf.commit(&out).map_err(|e| ScenarioError::io(&out, e))?);
        }
        if let Some(decisions) = decisions {
            extra.push(decisions.commit(&out).map_err(|e| ScenarioError::io(&out, e))?);
        }
        let mut written = write_outputs(&out, &loaded, &run, Some(streamed))?;
        written.extend(extra);
        Ok(written)
    })();
    let mut written = match committed {
        Ok(written) => written,
        Err(e) => {
            if created {
                let _ = std::fs::remove_dir_all(&out);
            } else {
                // An earlier run's files are partly replaced by now: none of either run stays,
                // so that the folder holds no mix of the two.
                let every: Vec<String> = OUTPUT_FILES
                    .iter()
                    .chain(&RUN_ONLY_FILES)
                    .map(|name| name.to_string())
                    .chain(report_file_names())
                    .collect();
                let _ = remove_stale(&out, &[], &every);
            }
            return Err(e);
        }
    };
    // What an earlier run left in the folder and this one did not write again goes, before the
    // report reads the folder: its incidents or why-log would be taken for this run's.
    let data_files: Vec<&str> = OUTPUT_FILES.iter().chain(&RUN_ONLY_FILES).copied().collect();
    remove_stale(&out, &written, &data_files)?;
    let mut report_files = Vec::new();
    if !args.no_report {
        report_files = write_report(&out).inspect_err(|_| {
            // No chart of an earlier run stays beside this run's data.
            let _ = remove_stale(&out, &[], &report_file_names());
        })?;
        written.push(report_files[0].clone());
    }
    remove_stale(&out, &report_files, &report_file_names())?;
    if args.quiet {
        return Ok(0);
    }
    let summary = &run.record.summary;
    let key = &loaded.scenario.output.key_metrics;
    let value = |name: &str| match summary.metric(name) {
        Some(value) => value,
        None => run
            .record
            .extra_metrics
            .iter()
            .find(|(n, _)| *n == name)
            .and_then(|(_, v)| *v),
    };
    let rows: Vec<Vec<String>> = key
        .iter()
        .map(String::as_str)
        .chain(HEADLINE.iter().copied().filter(|m| !key.iter().any(|k| k == m)))
        .map(|name| vec![name.to_string(), cell(value(name))])
        .collect();
    outln!(
        "{} — policy {}, seed {}",
        loaded.scenario.name,
        run.policy,
        loaded.scenario.seed
    );
    outln!("{}", render(&["metric", "value"], &rows));
    outln!("event_digest {}", run.record.event_digest);
    if run.skipped.total() > 0 {
        outln!("trace rows skipped: {}", run.skipped);
    }
    match run.fill.as_ref().and_then(|rows| rows.last()) {
        Some(last) => outln!(
            "fill: {} pods arrived ({:.1} % of GPU capacity), {} failed at arrival; allocation reached {:.1} %",
            last.pods_arrived,
            100.0 * last.arrived_demand,
            last.pods_failed,
            100.0 * last.gpu_alloc_ratio
        ),
        None if run.record.summary.jobs_never_fit > 0 => outln!(
            "{} of {} jobs can never fit this cluster, even empty: refused at arrival (state never-fits in jobs.csv)",
            run.record.summary.jobs_never_fit,
            run.record.summary.jobs_submitted
        ),
        None => {}
    }
    print_timeline(&run.record.incidents, &run.record.summary);
    let owners = |by: &str| {
        if by == "user" {
            run.record.users
        } else {
            run.record.queues
        }
    };
    if let Some(by) = loaded
        .policy()
        .shares_by()
        .filter(|&by| owners(by) == 1 && summary.jobs_submitted > 1)
    {
        outln!(
            "note: every job has the same {by} (the trace gives no {by}s, or one): {} has nothing to \
             share out and keeps arrival order",
            loaded.policy().queue.info.name
        );
    }
    for path in written {
        outln!("wrote {}", path.display());
    }
    let stats = run.record.stats;
    let memory = peak_memory_mib().map_or_else(String::new, |mib| format!(", peak memory {mib:.0} MiB"));
    eprintln!(
        "perf: {} jobs, {} events, {} scheduler calls in {elapsed:.3} s ({:.0} jobs/s, {:.0} events/s{memory})",
        run.record.summary.jobs_submitted,
        stats.events,
        stats.scheduler_calls,
        run.record.summary.jobs_submitted as f64 / elapsed.max(1e-9),
        stats.events as f64 / elapsed.max(1e-9)
    );
    Ok(0)
}

/// The most memory the process has held, in MiB (the kernel's high-water mark; Linux only).
fn peak_memory_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// Charts and `report.html` of one run, in its folder, from the files just written; returns the
/// page's path, then the charts' files.
fn write_report(out: &Path) -> Result<Vec<PathBuf>, ScenarioError> {
    let drawn = render_run_report(out).map_err(|e| ScenarioError::Input(format!("cannot write the report: {e}")))?;
    let mut files = vec![out.join("report.html")];
    for chart in drawn {
        if let reports::charts::Drawn::Files(chart) = chart {
            files.extend([chart.png, chart.svg]);
        }
    }
    Ok(files)
}

/// A flag the first Ctrl-C sets, stopping the run at its next instant (it then removes what it
/// began to write, as any failed run does); a second Ctrl-C exits at once.
fn stop_on_ctrl_c() -> StopFlag {
    let stop = StopFlag::new();
    let handler_stop = stop.clone();
    let installed = ctrlc::set_handler(move || {
        if handler_stop.is_set() {
            std::process::exit(crate::exit::INTERRUPTED);
        }
        handler_stop.set();
    });
    if let Err(e) = installed {
        eprintln!("warning: Ctrl-C will not stop the run cleanly: {e}");
    }
    stop
}

/// Draws the report of the run folder `dir`; when the run explained its decisions
/// (`decisions.csv`), its "what happened" paragraph says where the waiting time went, with the
/// shares `clustersim why DIR --summary` prints.
pub fn render_run_report(dir: &Path) -> Result<Vec<reports::charts::Drawn>, ScenarioError> {
    let waits = if dir.join("decisions.csv").exists() {
        Some(scenarios::why::WhyLog::read(dir)?.shares()?)
    } else {
        None
    };
    reports::run_report::render_run_folder(dir, waits.as_deref()).map_err(|e| ScenarioError::report_of(dir, e))
}

/// "312 nodes, 2496 GPUs".
pub fn cluster_line(cluster: &sim_core::cluster::Cluster) -> String {
    format!(
        "{} nodes, {} GPUs",
        cluster.nodes().len(),
        cluster.total_gpu_milli() / 1000
    )
}

/// Incidents printed after a run; the rest are in `incidents.csv`.
const TIMELINE_LINES: usize = 12;

/// Prints the first incidents of the run, one line each, and the damage.
fn print_timeline(incidents: &[sim_core::faults::IncidentRow], summary: &sim_core::metrics::Summary) {
    if incidents.is_empty() {
        return;
    }
    outln!(
        "incidents ({}; most nodes down at once: {}):",
        incidents.len(),
        cell(summary.max_nodes_down.map(|n| n as f64))
    );
    for (id, row) in incidents.iter().enumerate().take(TIMELINE_LINES) {
        let cause = match row.cause.parent() {
            Some(parent) => format!("cascade of #{parent}"),
            None => row.cause.name().to_string(),
        };
        outln!(
            "  #{id:<3} {:>12}  {:<16} {:<14} {:<16} nodes down {}, jobs killed {} (requeued {}, failed {})",
            clock(row.at),
            row.kind,
            row.unit,
            cause,
            row.nodes_down,
            row.jobs_killed,
            row.jobs_requeued,
            row.jobs_failed
        );
    }
    if incidents.len() > TIMELINE_LINES {
        outln!("  … {} more in incidents.csv", incidents.len() - TIMELINE_LINES);
    }
}

/// A time as `h:mm:ss.s`.
fn clock(t: sim_core::SimTime) -> String {
    let s = t.as_secs_f64();
    let h = (s / 3600.0).floor();
    let m = ((s - h * 3600.0) / 60.0).floor();
    format!("{h}:{m:02}:{:04.1}", s - h * 3600.0 - m * 60.0)
}

/// Checks everything first (the cluster, the models, every trace row, the policy, every grid
/// point of a sweep) and prints "ok" with the figures only when all of it passed.
pub fn validate(args: &ValidateArgs) -> Result<(), ScenarioError> {
    let loaded = load(&args.scenario, &args.overrides, None)?;
    let cluster = build_cluster(&loaded)?;
    scenarios::physics_build::physics_config(&loaded.scenario, &cluster, &loaded.origin)?;
    scenarios::faults_build::faults_config(&loaded, &cluster)?;
    scenarios::sharing_build::sharing_model(loaded.scenario.sharing.as_ref(), &cluster, &loaded.origin)?;
    if loaded.scenario.workload.typical_tasks.is_some() {
        scenarios::build::typical_tasks(&loaded, &cluster)?;
    }
    let mut jobs = 0u64;
    let mut source = open_workload(&loaded, &cluster)?;
    for job in &mut *source {
        job?;
        jobs += 1;
    }
    let plan = match loaded.scenario.sweep {
        Some(_) => Some(crate::sweep::load_plan(&args.scenario, &args.overrides, None)?),
        None => None,
    };
    outln!("{}: ok", loaded.origin);
    outln!("  cluster: {} racks, {}", cluster.racks().len(), cluster_line(&cluster));
    outln!(
        "  workload: {jobs} jobs from {}",
        loaded.scenario.workload.source_name()
    );
    if source.skipped().total() > 0 {
        outln!("  trace rows skipped: {}", source.skipped());
    }
    outln!("  policy: {}", loaded.policy().label);
    if let Some(plan) = plan {
        outln!(
            "  sweep: {} ({} × {} from seed {})",
            count(plan.runs(), "run"),
            count(plan.points.len() as u64, "grid point"),
            count(plan.seeds, "seed"),
            plan.first_seed
        );
    }
    Ok(())
}

/// Prints the ring all-reduce time of a step and the communication share it gives.
pub fn comm_fraction(args: &CommFractionArgs) {
    use sim_core::fabric::allreduce::{comm_fraction, ring_allreduce_s};
    let allreduce = ring_allreduce_s(args.bytes, args.gpus, args.gbps, args.latency.as_secs_f64());
    let share = comm_fraction(args.compute.as_secs_f64(), allreduce);
    // Six decimals, or powers of ten past a million seconds (a bandwidth of 1e-300 Gbit/s).
    let seconds = match allreduce < 1e6 {
        true => format!("{allreduce:.6}"),
        false => format!("{allreduce:.6e}"),
    };
    outln!("ring all-reduce: {seconds} s per step (2(n−1)/n · S/B + 2(n−1)·α)");
    outln!("comm_fraction = {share:.4}  (all-reduce ÷ (compute + all-reduce))");
}

/// Prints the presets, then every part's choices, one line each with the parameters it reads
/// below it, then the parameters of every policy.
pub fn list_policies() {
    let registry = policies::Registry::builtin();
    let parts = registry.parts();
    let width = registry
        .presets()
        .iter()
        .map(|p| p.name.len())
        .chain(parts.iter().flat_map(|(_, infos)| infos.iter().map(|i| i.name.len())))
        .max()
        .unwrap_or(0);
    outln!(
        "A policy is a preset; a part written in [policy] replaces the preset's. A name may give the\n\
         replaced parts and parameters as runs label them: drf[backfill=easy,placement=first-fit].\n"
    );
    outln!("presets ([policy] name = \"…\"):");
    for preset in registry.presets() {
        outln!("  {:<width$}  {}", preset.name, preset.summary);
    }
    for (key, infos) in parts {
        outln!("\n{key} ([policy] {key} = \"…\"):");
        for info in infos {
            outln!("  {:<width$}  {}", info.name, info.description);
            for param in info.params {
                outln!("  {:<width$}    {}", "", param_line(param));
            }
        }
    }
    outln!("\nparameters of every policy:");
    for param in policies::POLICY_PARAMS {
        outln!("  {}", param_line(param));
    }
}

/// `name = KIND (default D): what it does`.
fn param_line(param: &policies::Param) -> String {
    let default = param.default.map(|d| format!(", default {d}")).unwrap_or_default();
    format!("{} = {}{default}: {}", param.name, param.kind, param.doc)
}

/// Lists the incident library, one line each, or prints one scenario's file.
pub fn list_scenarios(args: &ScenariosArgs) -> Result<(), ScenarioError> {
    if let Some(name) = &args.name {
        let entry = scenarios::library::scenario(name).ok_or_else(|| {
            ScenarioError::Input(format!(
                "unknown library scenario `{name}`; the library: {}",
                scenarios::library::names()
            ))
        })?;
        out!("{}", entry.text);
        return Ok(());
    }
    let width = scenarios::library::LIBRARY
        .iter()
        .map(|e| e.name.len())
        .max()
        .unwrap_or(0);
    outln!("The incident library (clustersim run library:NAME; clustersim scenarios NAME for its story):\n");
    for entry in scenarios::library::LIBRARY {
        outln!("  {:<width$}  {}", entry.name, entry.title());
    }
    Ok(())
}

/// `clustersim why`: one job's story, or the run's waiting job-seconds by reason.
pub fn why(args: &WhyArgs) -> Result<(), ScenarioError> {
    let log = scenarios::why::WhyLog::read(&args.dir)?;
    match &args.job {
        Some(job) if !args.summary => out!("{}", log.story(job)?),
        _ => out!("{}", log.summary()?),
    }
    Ok(())
}
