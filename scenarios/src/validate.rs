//! Checks beyond the schema: values that parse but make no sense, and names that must exist.

use crate::error::ScenarioError;
use crate::load::locate;
use crate::schema::Scenario;

/// Checks a parsed scenario; `text` (the file) is used to point at the offending line.
pub(crate) fn validate(scenario: &Scenario, text: &str, origin: &str) -> Result<(), ScenarioError> {
    let fail = |section: &str, key: &str, reason: String| {
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
    let cluster = &scenario.cluster;
    let generated = [
        cluster.racks.is_some(),
        cluster.nodes_per_rack.is_some(),
        cluster.node.is_some(),
    ];
    match (&cluster.nodes_file, generated) {
        (Some(_), g) if g.contains(&true) => {
            return fail(
                "cluster",
                "nodes_file",
                "give either nodes_file or racks + nodes_per_rack + node, not both".into(),
            );
        }
        (None, [true, true, true]) => {}
        (None, _) => {
            return fail(
                "cluster",
                "racks",
                "give racks, nodes_per_rack and node (or a nodes_file)".into(),
            );
        }
        (Some(_), _) => {}
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
    if let Some(Err(reason)) = scenario.workload.format.as_deref().map(str::parse::<traces::Format>) {
        return fail("workload", "format", reason);
    }
    if scenario.workload.trace.trim().is_empty() {
        return fail("workload", "trace", "must name a trace file or sample:NAME".into());
    }
    if let Err(e) = scenario.policy.spec() {
        let place = policy_line(text, &e.key).map_or_else(|| origin.to_string(), |line| format!("{origin}:{line}"));
        return Err(ScenarioError::Input(format!(
            "{place}: policy.{}: {}",
            e.key, e.message
        )));
    }
    if scenario.output.sample_interval.0.as_micros() == 0 {
        return fail("output", "sample_interval", "must be longer than zero".into());
    }
    Ok(())
}

/// The line of a `[policy]` key given dotted (`queue`, `queues.research.weight`), however the
/// file writes it: the innermost table that holds it (`[policy.queues.research]`), else the
/// line of an inline table that contains it (`research = { weight = 0 }`).
fn policy_line(text: &str, key: &str) -> Option<usize> {
    let parts: Vec<&str> = key.split('.').collect();
    (0..parts.len()).rev().find_map(|i| {
        let section = std::iter::once("policy")
            .chain(parts[..i].iter().copied())
            .collect::<Vec<_>>()
            .join(".");
        locate(text, &section, parts[i])
    })
}
