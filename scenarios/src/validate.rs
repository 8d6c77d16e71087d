//! Checks beyond the schema: values that parse but make no sense, and names that must exist.

use crate::error::ScenarioError;
use crate::load::locate;
use crate::schema::{Scenario, WorkloadMode};
use crate::synthetic::synthetic_config;

/// Reports a problem with `key` of `[section]`, at its line when the file has it.
type Fail<'a> = dyn Fn(&str, &str, String) -> Result<(), ScenarioError> + 'a;

/// Checks a parsed scenario; `text` (the file) is used to point at the offending line.
pub(crate) fn validate(scenario: &Scenario, text: &str, origin: &str) -> Result<(), ScenarioError> {
    let fail = |section: &str, key: &str, reason: String| -> Result<(), ScenarioError> {
        let place = locate(text, section, key).map_or_else(|| origin.to_string(), |line| format!("{origin}:{line}"));
        let key_path = if section.is_empty() {
            key.to_string()
        } else {
            format!("{section}.{key}")
        };
        Err(ScenarioError::Input(format!("{place}: {key_path}: {reason}")))
    };
    if scenario.name.trim().is_empty() {
        return fail("", "name", "must not be empty".into());
    }
    if scenario.horizon.is_some_and(|h| h.0.as_micros() == 0) {
        return fail("", "horizon", "must be longer than zero".into());
    }
    check_cluster(scenario, &fail)?;
    check_workload(scenario, &fail)?;
    if let Err(e) = policies::resolve(&scenario.policy.name) {
        return fail("policy", "name", e.to_string());
    }
    if scenario.output.sample_interval.0.as_micros() == 0 {
        return fail("output", "sample_interval", "must be longer than zero".into());
    }
    Ok(())
}

fn check_cluster(scenario: &Scenario, fail: &Fail<'_>) -> Result<(), ScenarioError> {
    let cluster = &scenario.cluster;
    let racks = cluster.racks.is_some();
    let per_rack = cluster.nodes_per_rack.is_some();
    let node = cluster.node.is_some();
    if cluster.nodes_file.is_some() {
        if racks || node || cluster.from_trace {
            return fail(
                "cluster",
                "nodes_file",
                "give either nodes_file (with nodes_per_rack for files without racks), racks + nodes_per_rack + node, \
                 or from_trace = true + nodes_per_rack + node"
                    .into(),
            );
        }
    } else if cluster.nodes_format.is_some() {
        return fail(
            "cluster",
            "nodes_format",
            "names the format of a nodes_file; give nodes_file".into(),
        );
    } else if cluster.from_trace {
        if racks || !(per_rack && node) {
            return fail(
                "cluster",
                "from_trace",
                "a cluster sized from the trace needs nodes_per_rack and node, and no racks".into(),
            );
        }
        if scenario.workload.trace.is_none() {
            return fail("cluster", "from_trace", "needs an SWF trace in [workload] trace".into());
        }
    } else if !(racks && per_rack && node) {
        return fail(
            "cluster",
            "racks",
            "give racks, nodes_per_rack and node (or a nodes_file, or from_trace = true)".into(),
        );
    }
    if let Some(Err(reason)) = cluster.nodes_format.as_deref().map(str::parse::<traces::NodesFormat>) {
        return fail("cluster", "nodes_format", reason);
    }
    if cluster.racks == Some(0) {
        return fail("cluster", "racks", "must be at least 1".into());
    }
    if cluster.nodes_per_rack == Some(0) {
        return fail("cluster", "nodes_per_rack", "must be at least 1".into());
    }
    if let Some(node) = &cluster.node {
        if node.gpus > sim_core::resources::MAX_GPUS_PER_NODE {
            return fail(
                "cluster",
                "node",
                format!("gpus must be at most {}", sim_core::resources::MAX_GPUS_PER_NODE),
            );
        }
        let negative = |v: Option<f64>| v.is_some_and(|v| v.is_nan() || v < 0.0);
        if negative(node.cpus) || negative(node.mem_gib) {
            return fail("cluster", "node", "cpus and mem_gib must be ≥ 0".into());
        }
    }
    Ok(())
}

fn check_workload(scenario: &Scenario, fail: &Fail<'_>) -> Result<(), ScenarioError> {
    let workload = &scenario.workload;
    match (&workload.trace, &workload.synthetic) {
        (Some(_), Some(_)) => {
            return fail(
                "workload",
                "synthetic",
                "give either trace or [workload.synthetic], not both".into(),
            );
        }
        (None, None) => {
            return fail(
                "workload",
                "trace",
                "name a trace file or sample:NAME, or add [workload.synthetic]".into(),
            );
        }
        (Some(trace), None) if trace.trim().is_empty() => {
            return fail("workload", "trace", "must name a trace file or sample:NAME".into());
        }
        (None, Some(synthetic)) => {
            if workload.format.is_some() {
                return fail(
                    "workload",
                    "format",
                    "names a trace format; a synthetic workload has none".into(),
                );
            }
            if let Err(e) = synthetic_config(synthetic, Some(1.0)) {
                return fail("workload.synthetic", e.key, e.reason);
            }
        }
        (Some(_), None) => {}
    }
    if let Some(Err(reason)) = workload.format.as_deref().map(str::parse::<traces::Format>) {
        return fail("workload", "format", reason);
    }
    if let Some(Err(reason)) = workload
        .swf_processor
        .as_deref()
        .map(str::parse::<traces::SwfProcessor>)
    {
        return fail("workload", "swf_processor", reason);
    }
    if workload.pod_duration.is_some_and(|d| d.0.as_micros() == 0) {
        return fail("workload", "pod_duration", "must be longer than zero".into());
    }
    match (workload.mode, workload.target_demand) {
        (WorkloadMode::Replay, Some(_)) => {
            return fail("workload", "target_demand", "applies to mode = \"fill\" only".into());
        }
        (WorkloadMode::Fill, Some(t)) if !(t.is_finite() && t > 0.0) => {
            return fail("workload", "target_demand", format!("must be > 0, got {t}"));
        }
        (WorkloadMode::Fill, _) if scenario.horizon.is_some() => {
            return fail(
                "",
                "horizon",
                "a fill run stops after its last arrival; remove horizon".into(),
            );
        }
        _ => {}
    }
    Ok(())
}
