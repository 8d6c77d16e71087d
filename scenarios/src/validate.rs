//! Checks beyond the schema: values that parse but make no sense, and names that must exist.
//! Each key's accepted range is checked here once (the `[faults]` keys in
//! [`crate::faults_build::check`]); no float anywhere may be NaN or infinite
//! ([`crate::finite`]); the budget is checked last ([`crate::budget`]).

use policies::{PolicySpec, Registry};

use crate::error::{OutOfRange, ScenarioError};
use crate::limits::Limits;
use crate::load::{Site, locate};
use crate::overrides::Override;
use crate::schema::{Scenario, SweepSection, WorkloadMode};
use crate::synthetic::synthetic_config;

/// The shortest `output.sample_interval`, `policy.time_slice` and `thermal.recovery`: one
/// second. Shorter ones make millions of samples, suspensions or shutdowns per simulated hour
/// and say nothing a second would not (a node back from a thermal shutdown within less has not
/// cooled and shuts down again at once, without end while its rack's cooling is failed).
const MIN_INTERVAL_S: u64 = 1;
/// Accepted supply-air temperatures, °C: ASHRAE's widest class (A4) allows 5–45 °C.
const INLET_RANGE_C: (f64, f64) = (0.0, 60.0);
/// Accepted hysteresis, K.
const HYSTERESIS_RANGE_C: (f64, f64) = (0.0, 20.0);
/// Accepted oversubscription ratios: real leaf-spine fabrics run 1:1 to 1:8; past 100 a job
/// spanning racks gets almost no bandwidth and never ends.
const OVERSUBSCRIPTION_RANGE: (f64, f64) = (0.01, 100.0);
/// Accepted spine switch counts: the largest leaf-spine fabrics have a few hundred, and each
/// one is a failure domain whose state a run keeps.
const SPINES_RANGE: (f64, f64) = (1.0, 100_000.0);
/// Accepted link bandwidths, Gbit/s.
const GBPS_RANGE: (f64, f64) = (0.1, 1e6);
/// Accepted CPU cores and memory (GiB) per node.
const NODE_AMOUNT_MAX: f64 = 1e6;
/// Accepted PUE.
const PUE_RANGE: (f64, f64) = (1.0, 10.0);
/// Accepted fill targets, × the cluster's GPU capacity.
const TARGET_DEMAND_RANGE: (f64, f64) = (0.0, 100.0);

/// Reports a problem with `key` of `[section]`, at its line when the file has it.
type Fail<'a> = dyn Fn(&str, &str, String) -> Result<(), ScenarioError> + 'a;

/// Checks a parsed scenario, its policy against `registry`; `text` (the file) and `overrides`
/// are used to point at the offending line or flag. Returns the resolved policy, and leaves
/// the `[policy]` table in its canonical form. A grid point of a sweep that does not hold the
/// sweep's `[sweep]` section is checked against it as `point_of`, as if it held it (the
/// section's own values, NaN included, were checked with the sweep's scenario).
pub(crate) fn validate(
    scenario: &mut Scenario,
    registry: &Registry,
    limits: &Limits,
    text: &str,
    origin: &str,
    overrides: &[Override],
    point_of: Option<&SweepSection>,
) -> Result<PolicySpec, ScenarioError> {
    let site = Site {
        text,
        origin,
        overrides,
    };
    crate::finite::check(scenario, &site)?;
    let fail = |section: &str, key: &str, reason: String| -> Result<(), ScenarioError> {
        let key_path = if section.is_empty() {
            key.to_string()
        } else {
            format!("{section}.{key}")
        };
        let place = site.place_of(&key_path, locate(text, section, key));
        Err(ScenarioError::Input(format!("{place}: {key_path}: {reason}")))
    };
    if scenario.name.trim().is_empty() {
        fail("", "name", "must not be empty".into())?;
    }
    if scenario.horizon.is_some_and(|h| h.0.as_micros() == 0) {
        fail("", "horizon", "must be longer than zero".into())?;
    }
    check_cluster(scenario, &fail)?;
    check_workload(scenario, &fail, &site)?;
    let policy = registry.spec(&scenario.policy).map_err(|e| {
        let place = site.place_of(&format!("policy.{}", e.key), policy_line(text, &e.key));
        ScenarioError::Input(format!("{place}: policy.{}: {}", e.key, e.message))
    })?;
    scenario.policy = policy.config.clone();
    at_least_seconds(&site, "output", "sample_interval", scenario.output.sample_interval.0)?;
    check_key_metrics(&scenario.output.key_metrics, registry, &fail)?;
    check_models(&scenario.models, registry, &fail)?;
    if scenario.output.explain_top_k > MAX_EXPLAIN_TOP_K {
        fail(
            "output",
            "explain_top_k",
            format!(
                "{} is not accepted; give at most {MAX_EXPLAIN_TOP_K}",
                scenario.output.explain_top_k
            ),
        )?;
    }
    if let Some(slicing) = policy.slicing {
        at_least_seconds(&site, "policy", "time_slice", slicing.slice)?;
    }
    if let Some(thermal) = &scenario.thermal {
        at_least_seconds(&site, "thermal", "recovery", thermal.recovery.0)?;
    }
    let sweep = scenario.sweep.as_ref().or(point_of);
    if let Some(sweep) = sweep {
        if sweep.seeds == 0 {
            fail("sweep", "seeds", "must be at least 1".into())?;
        }
        for (key, values) in &sweep.grid {
            let fail_key = |reason: &str| {
                let line = locate(text, "sweep.grid", key).or_else(|| locate(text, "sweep", "grid"));
                let place = site.place_of(&format!("sweep.grid.{key}"), line);
                Err(ScenarioError::Input(format!("{place}: sweep.grid.\"{key}\": {reason}")))
            };
            if values.is_empty() {
                return fail_key("give at least one value");
            }
            if key == "seed" || key.starts_with("sweep") {
                return fail_key("cannot be swept (seeds come from sweep.seeds)");
            }
        }
    }
    validate_physics(scenario, &fail)?;
    check_physics_ranges(scenario, &site)?;
    crate::faults_build::check(scenario, &site)?;
    crate::training::check(scenario, &site)?;
    crate::sharing_build::check(scenario, &site)?;
    crate::budget::check(scenario, sweep, &policy, limits, &site)?;
    Ok(policy)
}

/// The most candidates the why-log lists per start (`output.explain_top_k`): enough to see
/// the runners-up, few enough to keep `decisions.csv` readable.
const MAX_EXPLAIN_TOP_K: u32 = 100;

/// Refuses an `output.key_metrics` entry that names no metric (built-in or of `registry`), or
/// names one twice; the message lists the valid names.
fn check_key_metrics(names: &[String], registry: &Registry, fail: &Fail<'_>) -> Result<(), ScenarioError> {
    let known = |name: &str| {
        sim_core::metrics::metric_info(name).is_some() || registry.metrics().iter().any(|m| m.name == name)
    };
    for (i, name) in names.iter().enumerate() {
        if !known(name) {
            let mut valid: Vec<&str> = sim_core::metrics::METRIC_NAMES.to_vec();
            valid.extend(registry.metrics().iter().map(|m| m.name));
            let hint = did_you_mean(name, &valid);
            fail(
                "output",
                "key_metrics",
                format!("unknown metric `{name}`{hint}; the metrics: {}", valid.join(", ")),
            )?;
        }
        if names[..i].contains(name) {
            fail("output", "key_metrics", format!("`{name}` is listed twice"))?;
        }
    }
    Ok(())
}

/// ` (did you mean `…`?)` with the name of `valid` at most three edits from `name`, if any.
fn did_you_mean(name: &str, valid: &[&str]) -> String {
    valid
        .iter()
        .map(|v| (strsim::levenshtein(name, v), *v))
        .filter(|&(d, _)| d <= 3)
        .min()
        .map_or_else(String::new, |(_, m)| format!(" (did you mean `{m}`?)"))
}

/// Refuses a `models` entry that names no world model of `registry`, or names one twice; the
/// message lists the registered ones.
fn check_models(names: &[String], registry: &Registry, fail: &Fail<'_>) -> Result<(), ScenarioError> {
    let known: Vec<&str> = registry.world_models().iter().map(|m| m.name).collect();
    for (i, name) in names.iter().enumerate() {
        if !known.contains(&name.as_str()) {
            let listed = if known.is_empty() {
                "none is registered (world models of a crate's own are added to the registry the \
                 scenario is loaded with: docs/engine.md)"
                    .to_string()
            } else {
                format!("the registered ones: {}", known.join(", "))
            };
            let hint = did_you_mean(name, &known);
            fail("", "models", format!("unknown world model `{name}`{hint}; {listed}"))?;
        }
        if names[..i].contains(name) {
            fail("", "models", format!("`{name}` is listed twice"))?;
        }
    }
    Ok(())
}

/// Refuses a duration shorter than [`MIN_INTERVAL_S`].
fn at_least_seconds(site: &Site<'_>, section: &str, key: &str, value: sim_core::SimTime) -> Result<(), ScenarioError> {
    if value >= sim_core::SimTime::from_secs(MIN_INTERVAL_S) {
        return Ok(());
    }
    Err(ScenarioError::from(OutOfRange {
        place: site.place(section, key),
        key: format!("{section}.{key}"),
        value: format!("\"{}\"", sim_core::time::format_duration(value)),
        accepted: format!(
            "give at least \"{MIN_INTERVAL_S}s\" (shorter ones cost millions of events per simulated hour)"
        ),
    }))
}

/// Refuses `value` of `section.key` outside `[min, max]`; `why` says what the range means.
pub(crate) fn in_range(
    site: &Site<'_>,
    section: &str,
    key: &str,
    value: Option<f64>,
    (min, max): (f64, f64),
    why: &str,
) -> Result<(), ScenarioError> {
    match value {
        Some(v) if !(min..=max).contains(&v) => Err(ScenarioError::from(OutOfRange {
            place: site.place(section, key),
            key: format!("{section}.{key}"),
            value: number(v),
            accepted: format!("give a number from {min} to {max}{why}"),
        })),
        _ => Ok(()),
    }
}

/// A number as a message shows it: plain, or in scientific notation when very large or small.
pub(crate) fn number(value: f64) -> String {
    let magnitude = value.abs();
    if magnitude != 0.0 && !(1e-6..1e15).contains(&magnitude) {
        format!("{value:e}")
    } else {
        value.to_string()
    }
}

/// The ranges of the physical keys beyond being positive: what a fabric, a supply of cooling
/// air or a power supply can be.
fn check_physics_ranges(scenario: &Scenario, site: &Site<'_>) -> Result<(), ScenarioError> {
    if let Some(f) = &scenario.fabric {
        let gbps = " Gbit/s";
        in_range(site, "fabric", "node_nic_gbps", f.node_nic_gbps, GBPS_RANGE, gbps)?;
        in_range(site, "fabric", "leaf_uplink_gbps", f.leaf_uplink_gbps, GBPS_RANGE, gbps)?;
        in_range(
            site,
            "fabric",
            "oversubscription",
            f.oversubscription,
            OVERSUBSCRIPTION_RANGE,
            " (fabrics run 1 to 8; past 100 a job spanning racks would get almost no bandwidth and never end)",
        )?;
        let spines = f.spines.map(f64::from);
        in_range(
            site,
            "fabric",
            "spines",
            spines,
            SPINES_RANGE,
            " (each spine is a failure domain a run keeps)",
        )?;
    }
    if let Some(p) = &scenario.power {
        in_range(site, "power", "pue", Some(p.pue), PUE_RANGE, "")?;
    }
    if let Some(t) = &scenario.thermal {
        in_range(
            site,
            "thermal",
            "inlet_c",
            Some(t.inlet_c),
            INLET_RANGE_C,
            " °C (ASHRAE's widest class allows 5 to 45 °C)",
        )?;
        in_range(
            site,
            "thermal",
            "hysteresis_c",
            Some(t.hysteresis_c),
            HYSTERESIS_RANGE_C,
            " K (a band is left that far below its threshold)",
        )?;
    }
    if let Some(node) = &scenario.cluster.node {
        for (key, value) in [("cpus", node.cpus), ("mem_gib", node.mem_gib)] {
            match value {
                Some(v) if !(0.0..=NODE_AMOUNT_MAX).contains(&v) => {
                    // A key of the inline table `node = { … }`: its line is the table's, unless a
                    // flag set it.
                    let path = format!("cluster.node.{key}");
                    return Err(ScenarioError::from(OutOfRange {
                        place: site.place_of(&path, locate(site.text, "cluster", "node")),
                        key: path,
                        value: number(v),
                        accepted: format!("give a number from 0 to {NODE_AMOUNT_MAX} (cores and GiB of one node)"),
                    }));
                }
                _ => {}
            }
        }
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
        return fail("cluster", "nodes_format", reason.to_string());
    }
    if cluster.racks == Some(0) {
        return fail("cluster", "racks", "must be at least 1".into());
    }
    if cluster.nodes_per_rack == Some(0) {
        return fail("cluster", "nodes_per_rack", "must be at least 1".into());
    }
    if let Some(node) = &cluster.node
        && node.gpus > sim_core::resources::MAX_GPUS_PER_NODE
    {
        return fail(
            "cluster",
            "node",
            format!("gpus must be at most {}", sim_core::resources::MAX_GPUS_PER_NODE),
        );
    }
    if let Some(node) = &cluster.node
        && node.gpus > 0
        && node.gpu_type.trim().is_empty()
    {
        return fail(
            "cluster",
            "node",
            format!(
                "gpu_type is needed on a node with {} GPUs (only a CPU-only node, gpus = 0, goes without)",
                node.gpus
            ),
        );
    }
    Ok(())
}

fn check_workload(scenario: &Scenario, fail: &Fail<'_>, site: &Site<'_>) -> Result<(), ScenarioError> {
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
            if workload.comm_fraction.is_some() {
                return fail(
                    "workload",
                    "comm_fraction",
                    "applies to traces; a synthetic workload's share is workload.synthetic.comm_fraction".into(),
                );
            }
        }
        (Some(_), None) => {}
    }
    if let Some(Err(reason)) = workload.format.as_deref().map(str::parse::<traces::Format>) {
        return fail("workload", "format", reason.to_string());
    }
    if let Some(Err(reason)) = workload
        .swf_processor
        .as_deref()
        .map(str::parse::<traces::SwfProcessor>)
    {
        return fail("workload", "swf_processor", reason.to_string());
    }
    if let Some(Err(reason)) = workload.swf_size.as_deref().map(str::parse::<traces::SwfSize>) {
        return fail("workload", "swf_size", reason.to_string());
    }
    if let Some(c) = workload.comm_fraction.filter(|c| !(0.0..=1.0).contains(c)) {
        return fail("workload", "comm_fraction", format!("must be between 0 and 1, got {c}"));
    }
    if let Some(pct) = workload.typical_threshold.filter(|p| !(1..=100).contains(p)) {
        return fail(
            "workload",
            "typical_threshold",
            format!("must be 1 to 100 (percent), got {pct}"),
        );
    }
    if workload.typical_tasks.as_deref().is_some_and(|t| t.trim().is_empty()) {
        return fail("workload", "typical_tasks", "must name a trace file".into());
    }
    if workload.pod_duration.is_some_and(|d| d.0.as_micros() == 0) {
        return fail("workload", "pod_duration", "must be longer than zero".into());
    }
    match (workload.mode, workload.target_demand) {
        (WorkloadMode::Replay, Some(_)) => {
            return fail("workload", "target_demand", "applies to mode = \"fill\" only".into());
        }
        (WorkloadMode::Fill, Some(t)) if !(t > TARGET_DEMAND_RANGE.0 && t <= TARGET_DEMAND_RANGE.1) => {
            return Err(ScenarioError::from(OutOfRange {
                place: site.place("workload", "target_demand"),
                key: "workload.target_demand".into(),
                value: number(t),
                accepted: format!(
                    "give a number above {} and at most {} (× the cluster's GPU capacity)",
                    TARGET_DEMAND_RANGE.0, TARGET_DEMAND_RANGE.1
                ),
            }));
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

/// Checks the numbers of `[fabric]`, `[power]` and `[thermal]`.
fn validate_physics(scenario: &Scenario, fail: &Fail<'_>) -> Result<(), ScenarioError> {
    let positive = |section: &str, key: &str, value: Option<f64>| match value {
        Some(v) if v.is_nan() || v <= 0.0 => fail(section, key, format!("must be > 0, got {v}")),
        _ => Ok(()),
    };
    if let Some(f) = &scenario.fabric
        && f.leaf_uplink_gbps.is_some()
        && f.oversubscription.is_some()
    {
        return fail(
            "fabric",
            "oversubscription",
            "give leaf_uplink_gbps or oversubscription, not both".into(),
        );
    }
    if let Some(p) = &scenario.power {
        positive("power", "rack_budget_kw", p.rack_budget_kw)?;
        positive("power", "alpha", Some(p.alpha))?;
        for (key, value) in [
            ("static_share", p.static_share),
            ("mem_bound", p.mem_bound),
            ("base_idle_share", p.base_idle_share),
        ] {
            if !(0.0..=1.0).contains(&value) {
                return fail("power", key, format!("must be between 0 and 1, got {value}"));
            }
        }
        if !(0.0..=10.0).contains(&p.base_full_share) {
            return fail(
                "power",
                "base_full_share",
                format!(
                    "must be between 0 and 10 (a node's base power ÷ its GPUs' limits), got {}",
                    p.base_full_share
                ),
            );
        }
    }
    if let Some(t) = &scenario.thermal {
        positive("thermal", "cooling_kw_per_rack", t.cooling_kw_per_rack)?;
        positive("thermal", "rack_heat_capacity_kj_per_k", t.rack_heat_capacity_kj_per_k)?;
        positive("thermal", "r_k_per_tdp", Some(t.r_k_per_tdp))?;
        for (key, tau) in [("room_tau", t.room_tau.0), ("gpu_tau", t.gpu_tau.0)] {
            if tau.as_micros() == 0 {
                return fail("thermal", key, "time constants must be longer than zero".into());
            }
        }
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

#[cfg(test)]
mod tests {
    use crate::load::load_str;

    const BASE: &str = "name = \"t\"\n[cluster]\nracks = 1\nnodes_per_rack = 2\nnode = { gpus = 4, gpu_type = \"A100\" }\n[workload]\ntrace = \"t.csv\"\n";

    fn error(policy: &str) -> String {
        load_str(&format!("{BASE}{policy}"), "s.toml", None, &[])
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn parts_and_parameters_load() {
        let text = format!(
            "{BASE}[policy]\nname = \"gang\"\nqueue = \"fair-share\"\nbackfill = \"easy\"\ntime_slice = \"10m\"\n\
             switch_overhead = \"30s\"\ntickets = {{ alice = 3 }}\n[policy.queues.prod]\nweight = 3\nquota_gpus = 64\n\
             [policy.queues.research]\n"
        );
        let loaded = load_str(&text, "s.toml", None, &[]).unwrap();
        let spec = loaded.policy();
        assert_eq!(spec.label, "gang[queue=fair-share,backfill=easy]");
        assert_eq!(spec.queues().len(), 2);
        assert_eq!(spec.queues()[0].quota_milli, Some(64_000));
        assert_eq!(spec.slicing.map(|s| s.overhead.as_micros()), Some(30_000_000));
    }

    #[test]
    fn bad_parts_and_values_name_line_and_key() {
        assert_eq!(
            error("[policy]\nqueue = \"drff\"\n"),
            "s.toml:9: policy.queue: unknown queue `drff` (did you mean `drf`?); known: fifo, priority, sjf, drf, lottery, fair-share"
        );
        assert_eq!(
            error("[policy]\nname = \"gang\"\ntime_slice = \"1m\"\nswitch_overhead = \"2m\"\n"),
            "s.toml:11: policy.switch_overhead: must be shorter than time_slice (a slice would make no progress)"
        );
        assert_eq!(
            error("[policy]\nname = \"fair-share\"\n[policy.queues.a]\nweight = -1\n"),
            "s.toml:11: policy.queues.a.weight: must be a number > 0, got -1"
        );
        assert_eq!(
            error("[policy]\n[policy.queues]\na = { parent = \"b\" }\n"),
            "s.toml:10: policy.queues.a.parent: unknown queue `b`; known: a"
        );
        assert_eq!(
            error("[policy]\ntickets = { bob = 0 }\n"),
            "s.toml:9: policy.tickets.bob: must be at least 1"
        );
        assert!(
            error("[policy]\nbackfil = \"easy\"\n")
                .contains("unknown key `backfil` in [policy] (did you mean `backfill`?)")
        );
        assert!(
            error("[policy.queues.a]\nquota = 3\n")
                .contains("unknown key `quota` in [policy.queues.a] (did you mean `quota_gpus`?)")
        );
    }

    #[test]
    fn key_metrics_must_name_metrics_once() {
        // BASE has 7 lines; `[output]` is line 8 and `key_metrics` line 9.
        let loaded = load_str(
            &format!("{BASE}[output]\nkey_metrics = [\"max_nodes_down\", \"gpu_alloc_ratio\"]\n"),
            "s.toml",
            None,
            &[],
        )
        .unwrap();
        assert_eq!(
            loaded.scenario.output.key_metrics,
            ["max_nodes_down", "gpu_alloc_ratio"]
        );
        let err = error("[output]\nkey_metrics = [\"max_node_down\"]\n");
        assert!(
            err.starts_with(
                "s.toml:9: output.key_metrics: unknown metric `max_node_down` (did you mean `max_nodes_down`?); \
                 the metrics: jobs_submitted, jobs_completed,"
            ),
            "{err}"
        );
        assert!(err.ends_with(", gpu_alloc_of_up, gpu_capacity_up"), "{err}");
        assert_eq!(
            error("[output]\nkey_metrics = [\"gpu_util\", \"gpu_util\"]\n"),
            "s.toml:9: output.key_metrics: `gpu_util` is listed twice"
        );
        assert_eq!(
            error("[output]\nexplain_top_k = 101\n"),
            "s.toml:9: output.explain_top_k: 101 is not accepted; give at most 100"
        );
        assert_eq!(
            error("[thermal]\nroom_tau = \"0s\"\n"),
            "s.toml:9: thermal.room_tau: time constants must be longer than zero"
        );
        assert_eq!(
            error("[power]\nbase_full_share = -0.5\n"),
            "s.toml:9: power.base_full_share: must be between 0 and 10 (a node's base power ÷ its GPUs' limits), got -0.5"
        );
    }

    #[test]
    fn a_bad_value_from_set_blames_the_flag_not_the_file() {
        // The file names its policy on line 9; the bad name comes from the flag.
        let text = format!("{BASE}[policy]\nname = \"first-fit\"\n");
        let flag: crate::Override = "policy.name=best-fti".parse().unwrap();
        let err = load_str(&text, "s.toml", None, &[flag]).unwrap_err().to_string();
        assert!(
            err.starts_with("s.toml with --set policy.name=best-fti: policy.name: unknown"),
            "{err}"
        );
        let flag: crate::Override = "output.sample_interval=0s".parse().unwrap();
        assert_eq!(
            load_str(BASE, "s.toml", None, &[flag]).unwrap_err().to_string(),
            "s.toml with --set output.sample_interval=0s: output.sample_interval: \"0s\" is not accepted; give at least \"1s\" (shorter ones cost millions of events per simulated hour)"
        );
        // A flag setting a whole table is blamed for a bad entry of it.
        let flags: Vec<crate::Override> = ["policy.name=lottery", "policy.tickets={alice=0}"]
            .iter()
            .map(|f| f.parse().unwrap())
            .collect();
        let err = load_str(BASE, "s.toml", None, &flags).unwrap_err().to_string();
        assert!(
            err.starts_with("s.toml with --set policy.tickets={alice=0}: policy.tickets.alice: must be at least 1"),
            "{err}"
        );
    }
}
