//! From a checked scenario to the engine's inputs: the cluster, the job stream, the policy.

use std::path::PathBuf;

use sim_core::cluster::{Cluster, NodeSpec};
use sim_core::engine::EngineConfig;
use traces::{Format, JobSource};

use crate::error::ScenarioError;
use crate::load::LoadedScenario;

/// CPU or memory capacity of a node whose scenario leaves it out: large enough never to
/// constrain, small enough that sums never overflow.
const UNCONSTRAINED: u64 = u64::MAX / 1024;

/// Finds a file named in a scenario: relative paths are tried against the scenario's folder,
/// then the working directory.
pub fn resolve_path(loaded: &LoadedScenario, name: &str) -> Result<PathBuf, ScenarioError> {
    let path = PathBuf::from(name);
    if path.is_absolute() {
        return Ok(path);
    }
    let mut tried = Vec::new();
    for candidate in loaded
        .base_dir
        .iter()
        .map(|dir| dir.join(&path))
        .chain(std::iter::once(path.clone()))
    {
        if candidate.exists() {
            return Ok(candidate);
        }
        tried.push(candidate.display().to_string());
    }
    Err(ScenarioError::Input(format!(
        "{}: file `{name}` not found (looked for {})",
        loaded.origin,
        tried.join(" and ")
    )))
}

/// Builds the cluster of the scenario.
pub fn build_cluster(loaded: &LoadedScenario) -> Result<Cluster, ScenarioError> {
    let section = &loaded.scenario.cluster;
    let specs = match (
        &section.nodes_file,
        section.racks,
        section.nodes_per_rack,
        &section.node,
    ) {
        (Some(file), ..) => {
            let path = resolve_path(loaded, file)?;
            let reader =
                std::fs::File::open(&path).map_err(|e| ScenarioError::Input(format!("{}: {e}", path.display())))?;
            traces::read_nodes(&path.display().to_string(), reader)?
        }
        (None, Some(racks), Some(per_rack), Some(node)) => {
            let rack_width = digits(racks);
            let node_width = digits(per_rack);
            let scaled = |value: Option<f64>, unit: f64| value.map_or(UNCONSTRAINED, |v| (v * unit).round() as u64);
            (0..racks)
                .flat_map(|r| (0..per_rack).map(move |n| (r, n)))
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
        _ => unreachable!("validate() requires nodes_file or racks + nodes_per_rack + node"),
    };
    Cluster::build(&specs).map_err(|e| ScenarioError::Input(format!("{}: [cluster]: {e}", loaded.origin)))
}

/// Digits needed to write the largest index, `count - 1`, so names sort in order.
fn digits(count: u32) -> usize {
    count.saturating_sub(1).max(1).ilog10() as usize + 1
}

/// Opens the scenario's job stream (a new one for every run).
pub fn open_workload(loaded: &LoadedScenario) -> Result<Box<dyn JobSource>, ScenarioError> {
    let workload = &loaded.scenario.workload;
    let format = workload
        .format
        .as_deref()
        .map(str::parse::<Format>)
        .transpose()
        .map_err(ScenarioError::Input)?;
    if let Some(name) = workload.trace.strip_prefix("sample:") {
        let sample = traces::samples::sample(name).ok_or_else(|| {
            let known: Vec<&str> = traces::samples::SAMPLES.iter().map(|s| s.name).collect();
            ScenarioError::Input(format!(
                "{}: unknown sample `{name}`; samples: {}",
                loaded.origin,
                known.join(", ")
            ))
        })?;
        return Ok(traces::open_reader(sample.path, sample.bytes, format)?);
    }
    let path = resolve_path(loaded, &workload.trace)?;
    Ok(traces::open(&path, format)?)
}

/// The engine settings of the scenario.
pub fn engine_config(loaded: &LoadedScenario) -> EngineConfig {
    let scenario = &loaded.scenario;
    EngineConfig {
        horizon: scenario.horizon.map(|h| h.0),
        sample_interval: Some(scenario.output.sample_interval.0),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::digits;

    #[test]
    fn names_are_zero_padded_to_the_count() {
        assert_eq!(digits(1), 1);
        assert_eq!(digits(10), 1);
        assert_eq!(digits(11), 2);
        assert_eq!(digits(128), 3);
    }
}
