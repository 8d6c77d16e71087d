//! From a checked scenario to the engine's inputs: the cluster, the job stream, the policy.

use std::io::BufReader;
use std::path::PathBuf;

use sim_core::cluster::{Cluster, NodeSpec};
use sim_core::engine::EngineConfig;
use sim_core::engine::guard::Budget;
use sim_core::frag::{DEFAULT_POPULARITY_PCT, TaskMix, TypicalTasks};
use traces::synthetic::{ConfigError, SyntheticSource};
use traces::{Format, JobSource, NodesFormat, ReadOptions, SwfProcessor};

use crate::error::ScenarioError;
use crate::kept_workload::Workload;
use crate::load::ValidScenario;
use crate::schema::{NodeTemplate, WorkloadMode};
use crate::synthetic::synthetic_config;

use sim_core::resources::UNCONSTRAINED;

/// Finds the file `name` that key `key` of `[section]` names: relative paths are tried against
/// the scenario's folder, then the working directory. Not found, the error names the key, its
/// line, and every place looked in.
pub fn resolve_path(loaded: &ValidScenario, section: &str, key: &str, name: &str) -> Result<PathBuf, ScenarioError> {
    let path = PathBuf::from(name);
    if path.is_absolute() && path.exists() {
        return Ok(path);
    }
    let mut tried: Vec<String> = Vec::new();
    let candidates = loaded.base_dir.iter().map(|dir| dir.join(&path));
    for candidate in candidates.chain(std::iter::once(path.clone())) {
        if candidate.exists() {
            return Ok(candidate);
        }
        let shown = candidate.display().to_string();
        if !tried.contains(&shown) {
            tried.push(shown);
        }
    }
    let place = loaded.site().place(section, key);
    Err(ScenarioError::Input(format!(
        "{place}: {section}.{key}: file `{name}` not found (looked for {})",
        tried.join(" and ")
    )))
}

/// Builds the cluster of the scenario.
pub fn build_cluster(loaded: &ValidScenario) -> Result<Cluster, ScenarioError> {
    let section = &loaded.scenario.cluster;
    let specs = match (&section.nodes_file, &section.node) {
        (Some(file), _) => {
            let path = resolve_path(loaded, "cluster", "nodes_file", file)?;
            let reader =
                std::fs::File::open(&path).map_err(|e| ScenarioError::Input(format!("{}: {e}", path.display())))?;
            let format = section
                .nodes_format
                .as_deref()
                .map(str::parse::<NodesFormat>)
                .transpose()?;
            let max_nodes = usize::try_from(loaded.limits().nodes).unwrap_or(usize::MAX);
            let nodes = traces::read_nodes_at_most(
                &path.display().to_string(),
                reader,
                format,
                section.nodes_per_rack,
                max_nodes,
            )?;
            let gpus: u128 = nodes.iter().map(|n| u128::from(n.gpus)).sum();
            crate::budget::check_cluster_size(
                &path.display().to_string(),
                "[cluster] nodes_file",
                nodes.len() as u128,
                gpus,
                loaded.limits(),
            )?;
            nodes
        }
        (None, Some(node)) => {
            let per_rack = section.nodes_per_rack.expect("validate() requires nodes_per_rack");
            let count = if section.from_trace {
                let count = nodes_from_trace(loaded, node)?;
                crate::budget::check_cluster_size(
                    &loaded.origin,
                    "[cluster] from_trace (the SWF header's MaxProcs or MaxNodes ÷ the node's processors)",
                    u128::from(count),
                    u128::from(count) * u128::from(node.gpus),
                    loaded.limits(),
                )?;
                count
            } else {
                u64::from(section.racks.expect("validate() requires racks")) * u64::from(per_rack)
            };
            generate_nodes(node, count, per_rack)
        }
        (None, None) => unreachable!("validate() requires nodes_file or a node template"),
    };
    if read_options(loaded)?.swf_processor == SwfProcessor::Cpu
        && let Some(node) = specs.iter().find(|n| n.cpu_milli == UNCONSTRAINED)
    {
        // A node template without `cpus` leaves CPU unconstrained: every CPU-only job would fit
        // on its first node at once.
        return Err(ScenarioError::Input(format!(
            "{}: workload.swf_processor = \"cpu\" makes each SWF processor a CPU core, but node `{}` \
             does not say how many it has: set cpus in [cluster] node",
            loaded.origin, node.name
        )));
    }
    let mut cluster =
        Cluster::build(&specs).map_err(|e| ScenarioError::Input(format!("{}: [cluster]: {e}", loaded.origin)))?;
    let sharing = loaded.scenario.sharing.as_ref();
    if let Some(setup) = crate::sharing_build::mig_setup(sharing, &cluster, &loaded.origin)? {
        cluster
            .enable_mig(&setup)
            .map_err(|e| ScenarioError::Input(format!("{}: sharing: {e}", loaded.origin)))?;
    }
    Ok(cluster)
}

/// `count` copies of `node`, `per_rack` to a rack, named `r<rack>-n<node>` (zero-padded).
fn generate_nodes(node: &NodeTemplate, count: u64, per_rack: u32) -> Vec<NodeSpec> {
    let racks = count.div_ceil(u64::from(per_rack));
    let rack_width = digits(racks);
    let node_width = digits(u64::from(per_rack).min(count));
    let scaled = |value: Option<f64>, unit: f64| value.map_or(UNCONSTRAINED, |v| (v * unit).round() as u64);
    (0..count)
        .map(|i| (i / u64::from(per_rack), i % u64::from(per_rack)))
        .map(|(r, n)| NodeSpec {
            name: format!("r{r:0rack_width$}-n{n:0node_width$}"),
            rack: format!("r{r:0rack_width$}"),
            gpus: node.gpus,
            gpu_type: node.gpu_type.clone(),
            cpu_milli: scaled(node.cpus, 1000.0),
            mem_mib: scaled(node.mem_gib, 1024.0),
        })
        .collect()
}

/// Nodes needed to hold the SWF trace's machine: `ceil(processors / processors per node)`.
fn nodes_from_trace(loaded: &ValidScenario, node: &NodeTemplate) -> Result<u64, ScenarioError> {
    let workload = &loaded.scenario.workload;
    let trace = workload
        .trace
        .as_deref()
        .expect("validate() requires a trace with from_trace");
    let bad = |reason: String| ScenarioError::Input(format!("{}: [cluster] from_trace: {reason}", loaded.origin));
    let path = resolve_path(loaded, "workload", "trace", trace)?;
    let name = path.display().to_string();
    let file = std::fs::File::open(&path).map_err(|e| ScenarioError::Input(format!("{name}: {e}")))?;
    let mut reader = BufReader::new(file);
    let format = match workload.format.as_deref() {
        Some(f) => f.parse::<Format>()?,
        None => traces::detect_format(&name, &mut reader)?,
    };
    if format != Format::Swf {
        return Err(bad(format!(
            "the trace is {format}, but only SWF headers give a machine size"
        )));
    }
    let header = traces::swf::read_header(&name, reader)?;
    let processors = header
        .processors()
        .ok_or_else(|| bad(format!("{name} has neither MaxProcs nor MaxNodes in its header")))?;
    let per_node = match read_options(loaded)?.swf_processor {
        SwfProcessor::Gpu => f64::from(node.gpus),
        SwfProcessor::Cpu => node.cpus.unwrap_or(0.0),
    };
    if per_node < 1.0 {
        return Err(bad(
            "the node template holds no processor (gpus, or cpus with swf_processor = \"cpu\")".into(),
        ));
    }
    Ok((processors as f64 / per_node.floor()).ceil() as u64)
}

/// Digits needed to write the largest index, `count - 1`, so names sort in order.
fn digits(count: u64) -> usize {
    count.saturating_sub(1).max(1).ilog10() as usize + 1
}

/// How the scenario's trace is read (SWF processor unit, openb pod lifetime; fill runs keep
/// openb pods whose lifetime is 0, since they ignore times).
pub fn read_options(loaded: &ValidScenario) -> Result<ReadOptions, ScenarioError> {
    let workload = &loaded.scenario.workload;
    let mut options = ReadOptions::default();
    if let Some(unit) = &workload.swf_processor {
        options.swf_processor = unit.parse()?;
        options.given.swf_processor = true;
    }
    if let Some(rule) = &workload.swf_size {
        options.swf_size = rule.parse()?;
        options.given.swf_size = true;
    }
    if let Some(duration) = workload.pod_duration {
        options.untimed_pod_duration = duration.0;
        options.given.pod_duration = true;
    }
    options.keep_zero_lifetime_pods = workload.mode == WorkloadMode::Fill;
    options.comm_fraction = workload.comm_fraction;
    options.max_time = crate::budget::run_span(&loaded.scenario, loaded.limits()).limit;
    Ok(options)
}

/// Opens the scenario's job stream (a new one for every run): its trace, or its synthetic
/// generator sized against `cluster`.
pub fn open_workload(loaded: &ValidScenario, cluster: &Cluster) -> Result<Box<dyn JobSource>, ScenarioError> {
    let source: Box<dyn JobSource> = Box::new(AtMostJobs {
        inner: open_jobs(loaded, cluster)?,
        name: loaded.scenario.workload.source_name().to_string(),
        limit: loaded.limits().jobs,
        given: 0,
    });
    Ok(match &loaded.scenario.training {
        Some(section) => Box::new(crate::training::TrainingCosts {
            inner: source,
            section: section.clone(),
        }),
        None => source,
    })
}

/// A job stream refused past `limits.jobs` jobs.
struct AtMostJobs {
    inner: Box<dyn JobSource>,
    name: String,
    limit: u64,
    given: u64,
}

impl Iterator for AtMostJobs {
    type Item = Result<sim_core::job::JobSpec, traces::TraceError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.given == self.limit {
            return Some(Err(traces::TraceError::TooManyJobs {
                file: self.name.clone(),
                limit: self.limit,
            }))
            .filter(|_| self.inner.next().is_some());
        }
        let job = self.inner.next()?;
        self.given += u64::from(job.is_ok());
        Some(job)
    }
}

impl JobSource for AtMostJobs {
    fn skipped(&self) -> &traces::SkipReport {
        self.inner.skipped()
    }
}

/// The job stream as the workload section describes it.
fn open_jobs(loaded: &ValidScenario, cluster: &Cluster) -> Result<Box<dyn JobSource>, ScenarioError> {
    let workload = &loaded.scenario.workload;
    let Some(trace) = &workload.trace else {
        let section = workload
            .synthetic
            .as_ref()
            .expect("validate() requires trace or synthetic");
        let gpus = cluster.total_gpu_milli() as f64 / 1000.0;
        let located = |e: ConfigError| ScenarioError::Input(format!("{}: workload.synthetic.{e}", loaded.origin));
        let config = synthetic_config(section, Some(gpus)).map_err(located)?;
        return Ok(Box::new(
            SyntheticSource::new(config, loaded.scenario.seed).map_err(located)?,
        ));
    };
    let format = workload.format.as_deref().map(str::parse::<Format>).transpose()?;
    let options = read_options(loaded)?;
    if let Some(name) = trace.strip_prefix("sample:") {
        let sample = traces::samples::sample(name).ok_or_else(|| {
            let known: Vec<&str> = traces::samples::SAMPLES.iter().map(|s| s.name).collect();
            ScenarioError::Input(format!(
                "{}: unknown sample `{name}`; samples: {}",
                loaded.origin,
                known.join(", ")
            ))
        })?;
        return Ok(traces::open_reader(sample.path, sample.bytes, format, &options)?);
    }
    if let Some(name) = trace.strip_prefix("library:") {
        let text = crate::library::trace(name)
            .ok_or_else(|| ScenarioError::Input(format!("{}: unknown library trace `{name}`", loaded.origin)))?;
        return Ok(traces::open_reader(trace, text.as_bytes(), format, &options)?);
    }
    let path = resolve_path(loaded, "workload", "trace", trace)?;
    Ok(traces::open(&path, format, &options)?)
}

/// The typical tasks of the scenario, resolved against `cluster`: the tasks of
/// `workload.typical_tasks` when set, else those of the workload itself (a fresh stream, read
/// whole before the run), as the cluster runs them (split to fit a node, without jobs it can
/// never hold), with the popularity threshold `workload.typical_threshold`.
pub fn typical_tasks(loaded: &ValidScenario, cluster: &Cluster) -> Result<TypicalTasks, ScenarioError> {
    let workload = &loaded.scenario.workload;
    let mut source = match &workload.typical_tasks {
        Some(file) => traces::open(
            &resolve_path(loaded, "workload", "typical_tasks", file)?,
            None,
            &read_options(loaded)?,
        )?,
        None => open_workload(loaded, cluster)?,
    };
    let mut mix = TaskMix::new();
    let hot_spares = crate::faults_build::hot_spares(loaded);
    for spec in &mut *source {
        mix.add_as_admitted(&spec?, cluster, hot_spares);
    }
    let threshold = workload.typical_threshold.unwrap_or(DEFAULT_POPULARITY_PCT);
    Ok(mix.typical(threshold, cluster))
}

/// The typical tasks of the scenario (as [`typical_tasks`]) and its job stream for the run
/// (as [`open_workload`]), the workload read once when it is not longer than
/// [`crate::kept_workload::KEPT_JOBS`] jobs: the typical-task pass keeps what it reads.
pub fn typical_tasks_and_workload(
    loaded: &ValidScenario,
    cluster: &Cluster,
) -> Result<(TypicalTasks, Box<dyn JobSource>), ScenarioError> {
    if loaded.scenario.workload.typical_tasks.is_some() {
        return Ok((typical_tasks(loaded, cluster)?, open_workload(loaded, cluster)?));
    }
    let threshold = loaded
        .scenario
        .workload
        .typical_threshold
        .unwrap_or(DEFAULT_POPULARITY_PCT);
    let mut source = open_workload(loaded, cluster)?;
    let hot_spares = crate::faults_build::hot_spares(loaded);
    let (typical, workload) = crate::kept_workload::typical_keeping(&mut *source, threshold, cluster, hot_spares)?;
    let source: Box<dyn JobSource> = match workload {
        Workload::Kept(jobs) => jobs,
        Workload::Reopen => open_workload(loaded, cluster)?,
    };
    Ok((typical, source))
}

/// The engine settings of the scenario (fill runs change them: see [`crate::run`]). The
/// progress guard stops the run past `limits.max_events` events, or past the run's span (the
/// time its inputs and time series were budgeted for, [`crate::budget::run_span`]).
pub fn engine_config(loaded: &ValidScenario) -> EngineConfig {
    let scenario = &loaded.scenario;
    EngineConfig {
        horizon: scenario.horizon.map(|h| h.0),
        sample_interval: Some(scenario.output.sample_interval.0),
        kill_at_limit: loaded.policy().kill_at_limit,
        budget: Budget {
            max_events: loaded.limits().max_events,
            max_events_per_instant: None,
            max_time: Some(crate::budget::run_span(scenario, loaded.limits()).limit),
        },
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_zero_padded_to_the_count() {
        assert_eq!(digits(1), 1);
        assert_eq!(digits(10), 1);
        assert_eq!(digits(11), 2);
        assert_eq!(digits(128), 3);
    }

    #[test]
    fn generated_nodes_fill_racks_in_order() {
        let node = NodeTemplate {
            gpus: 8,
            gpu_type: "A100".into(),
            cpus: None,
            mem_gib: None,
        };
        let names: Vec<(String, String)> = generate_nodes(&node, 5, 2)
            .into_iter()
            .map(|n| (n.name, n.rack))
            .collect();
        let expected = [
            ("r0-n0", "r0"),
            ("r0-n1", "r0"),
            ("r1-n0", "r1"),
            ("r1-n1", "r1"),
            ("r2-n0", "r2"),
        ];
        assert_eq!(names, expected.map(|(n, r)| (n.to_string(), r.to_string())));
    }
}
