//! From `[sharing]` to the engine's sharing world model, and the checks of its keys.

use sim_core::cluster::{Cluster, MigSetup};
use sim_core::sharing::mig::{MigGpu, MigPlacement, Partitioning};
use sim_core::sharing::mps::DEFAULT_INTERFERENCE;
use sim_core::sharing::time_slice::TimeSliceError;
use sim_core::sharing::{Mps, SharingConfig, SharingMode, SharingModel, TimeSlice};
use sim_core::time::{SimTime, format_duration};

use crate::error::{OutOfRange, ScenarioError};
use crate::load::Site;
use crate::schema::Scenario;
use crate::sharing_schema::{MigPartitioningName, MigPlacementName, SharingModeName, SharingSection};
use crate::validate::in_range;

/// Default time slice: the seed question's 100 ms.
pub const DEFAULT_SLICE: SimTime = SimTime::from_micros(100_000);

/// Default context switch: the seed question's 2.1 ms.
pub const DEFAULT_SWITCH: SimTime = SimTime::from_micros(2_100);

/// Default time to create a MIG instance: 10 s, an assumption (NVIDIA publishes no figure;
/// docs/gpu-sharing.md).
pub const DEFAULT_MIG_RECONFIG: SimTime = SimTime::from_micros(10_000_000);

/// The longest MIG reconfiguration accepted: a day, far past any measurement (seconds), and short
/// enough that a run of reconfigurations still ends.
const MAX_MIG_RECONFIG: SimTime = SimTime::from_micros(86_400_000_000);

/// Accepted MPS interference factors: 0 (none) to 100 (a second task makes each 101 × slower).
const INTERFERENCE_RANGE: (f64, f64) = (0.0, 100.0);

fn mode(name: SharingModeName) -> SharingMode {
    match name {
        SharingModeName::Fraction => SharingMode::Fraction,
        SharingModeName::TimeSlice => SharingMode::TimeSlice,
        SharingModeName::Mps => SharingMode::Mps,
        SharingModeName::Mig => SharingMode::Mig,
    }
}

fn time_slice(section: &SharingSection) -> Result<TimeSlice, sim_core::sharing::time_slice::TimeSliceError> {
    let slice = section.slice.map_or(DEFAULT_SLICE, |d| d.0);
    let switch = section.switch.map_or(DEFAULT_SWITCH, |d| d.0);
    TimeSlice::new(slice, switch)
}

/// Checks `[sharing]`: a switch shorter than the slice, interference factors in range, and
/// MIG layouts by GPU model that the catalog's geometry accepts (layouts by node are checked
/// against the cluster when it is built).
pub(crate) fn check(scenario: &Scenario, site: &Site<'_>) -> Result<(), ScenarioError> {
    let Some(section) = &scenario.sharing else {
        return Ok(());
    };
    for (gpu, entries) in &section.mig_layouts {
        if let Err(accepted) = checked_layout(gpu, entries) {
            // `[sharing.mig_layouts]` with a line per model, or one inline table.
            let line = crate::load::locate(site.text, "sharing.mig_layouts", gpu)
                .or_else(|| crate::load::locate(site.text, "sharing", "mig_layouts"));
            let key = format!("sharing.mig_layouts.{gpu}");
            return Err(ScenarioError::from(OutOfRange {
                place: site.place_of(&key, line),
                key,
                value: format!("{entries:?}"),
                accepted,
            }));
        }
    }
    if let Err(e) = time_slice(section) {
        // A zero slice is the slice's fault; a switch as long as the slice is the switch's when
        // the scenario gives it, else the slice's (shorter than the default switch).
        let blame_switch = matches!(e, TimeSliceError::SwitchTooLong { .. }) && section.switch.is_some();
        let (key, value) = match blame_switch {
            true => ("switch", section.switch.map_or(DEFAULT_SWITCH, |d| d.0)),
            false => ("slice", section.slice.map_or(DEFAULT_SLICE, |d| d.0)),
        };
        return Err(ScenarioError::from(OutOfRange {
            place: site.place("sharing", key),
            key: format!("sharing.{key}"),
            value: format!("\"{}\"", format_duration(value)),
            accepted: e.to_string(),
        }));
    }
    if let Some(reconfig) = section.mig_reconfig
        && reconfig.0 > MAX_MIG_RECONFIG
    {
        return Err(ScenarioError::from(OutOfRange {
            place: site.place("sharing", "mig_reconfig"),
            key: "sharing.mig_reconfig".into(),
            value: format!("\"{}\"", format_duration(reconfig.0)),
            accepted: "give at most \"1d\" (creating a MIG instance takes seconds; docs/gpu-sharing.md)".into(),
        }));
    }
    let why = " (the slowdown of each co-located task per other task)";
    in_range(
        site,
        "sharing",
        "mps_interference",
        section.mps_interference,
        INTERFERENCE_RANGE,
        why,
    )?;
    for (gpu, &alpha) in &section.mps_interference_by_gpu {
        in_range(
            site,
            "sharing.mps_interference_by_gpu",
            gpu,
            Some(alpha),
            INTERFERENCE_RANGE,
            why,
        )?;
    }
    Ok(())
}

/// The sharing world model `section` (checked by `check`) asks for on `cluster`, or `None`
/// when no node is time-sliced or MPS-shared (no section, or `fraction` everywhere). A name in
/// `sharing.nodes` that is no node of the cluster is bad input (`origin` names the file).
pub fn sharing_model(
    section: Option<&SharingSection>,
    cluster: &Cluster,
    origin: &str,
) -> Result<Option<SharingModel>, ScenarioError> {
    let Some(section) = section else { return Ok(None) };
    let known = |name: &String| cluster.nodes().iter().any(|n| &n.name == name);
    if let Some(name) = section.nodes.keys().find(|name| !known(name)) {
        let example = cluster.nodes().first().map_or("", |n| n.name.as_str());
        return Err(ScenarioError::Input(format!(
            "{origin}: sharing.nodes.{name}: the cluster has no node `{name}` (nodes are named as in jobs.csv, e.g. \
             `{example}`)"
        )));
    }
    let models: Vec<&str> = cluster.gpu_type_names().iter().map(String::as_str).collect();
    let unknown_model = section
        .gpu_types
        .keys()
        .map(|gpu| ("gpu_types", gpu))
        .chain(
            section
                .mps_interference_by_gpu
                .keys()
                .map(|gpu| ("mps_interference_by_gpu", gpu)),
        )
        .find(|(_, gpu)| !models.contains(&gpu.as_str()));
    if let Some((key, gpu)) = unknown_model {
        return Err(ScenarioError::Input(format!(
            "{origin}: sharing.{key}.{gpu}: the cluster has no GPU model `{gpu}` (its models: {})",
            models.join(", ")
        )));
    }
    let invalid = |e: String| ScenarioError::Input(format!("sharing: {e}"));
    let mps = |alpha: f64| Mps::new(alpha).map_err(|e| invalid(e.to_string()));
    let config = SharingConfig {
        time_slice: time_slice(section).map_err(|e| invalid(e.to_string()))?,
        mps: mps(section.mps_interference.unwrap_or(DEFAULT_INTERFERENCE))?,
        mps_by_gpu_type: section
            .mps_interference_by_gpu
            .iter()
            .map(|(gpu, &alpha)| Ok((gpu.clone(), mps(alpha)?)))
            .collect::<Result<_, ScenarioError>>()?,
        ..sharing_config_modes(section)
    };
    Ok(SharingModel::new(&config, cluster))
}

/// The layout `entries` (`"profile@start"` strings) on GPU model `gpu`, checked against the
/// catalog's geometry; the error says what would be accepted.
fn checked_layout(gpu: &str, entries: &[String]) -> Result<Vec<(String, u8)>, String> {
    let Some(model) = sim_core::sharing::mig::model(gpu) else {
        let known = sim_core::sharing::mig::MODELS.map(|m| m.gpu).join(", ");
        return Err(format!("a MIG-capable GPU model ({known})"));
    };
    let profiles = || model.profiles.iter().map(|p| p.name).collect::<Vec<_>>().join(", ");
    let mut layout = Vec::with_capacity(entries.len());
    for entry in entries {
        let parsed = entry
            .split_once('@')
            .and_then(|(name, start)| Some((name.trim(), start.trim().parse::<u8>().ok()?)));
        let Some((name, start)) = parsed else {
            return Err(format!(
                "\"profile@start\" strings, e.g. \"{}@0\"; `{entry}` is not one",
                model.whole().name
            ));
        };
        if model.profile(name).is_none() {
            return Err(format!("profiles of the {gpu}: {}; `{name}` is not one", profiles()));
        }
        layout.push((name.to_string(), start));
    }
    let pairs: Vec<(&str, u8)> = layout.iter().map(|(n, s)| (n.as_str(), *s)).collect();
    MigGpu::with_layout(model, &pairs).map_err(|e| format!("a layout NVIDIA's geometry allows: {e}"))?;
    Ok(layout)
}

/// The MIG setup `section` asks for on `cluster` (which nodes are in MIG mode, their starting
/// layouts, the partitioning and the reconfiguration time), or `None` when no node is in MIG
/// mode. A node or GPU model in MIG mode that cannot be partitioned, or a layout by node the
/// geometry refuses, is bad input (`origin` names the file).
pub fn mig_setup(
    section: Option<&SharingSection>,
    cluster: &Cluster,
    origin: &str,
) -> Result<Option<MigSetup>, ScenarioError> {
    let Some(section) = section else { return Ok(None) };
    let config = sharing_config_modes(section);
    let names = cluster.gpu_type_names();
    let invalid = |e: String| ScenarioError::Input(format!("{origin}: {e}"));
    let mut any = false;
    let mut nodes = Vec::with_capacity(cluster.nodes().len());
    for node in cluster.nodes() {
        let gpu = names.get(node.gpu_type.index()).map_or("", String::as_str);
        if config.mode_of_node(&node.name, gpu) != SharingMode::Mig || node.gpu_count == 0 {
            nodes.push(None);
            continue;
        }
        any = true;
        let (key, entries) = match section.mig_node_layouts.get(&node.name) {
            Some(entries) => (format!("sharing.mig_node_layouts.{}", node.name), entries.as_slice()),
            None => (
                format!("sharing.mig_layouts.{gpu}"),
                section.mig_layouts.get(gpu).map_or(&[][..], Vec::as_slice),
            ),
        };
        if sim_core::sharing::mig::model(gpu).is_none() {
            let known = sim_core::sharing::mig::MODELS.map(|m| m.gpu).join(", ");
            return Err(invalid(format!(
                "sharing: node `{}` is in MIG mode but its GPU model `{gpu}` cannot be partitioned (MIG models: \
                 {known})",
                node.name
            )));
        }
        let layout = checked_layout(gpu, entries).map_err(|e| invalid(format!("{key}: expected {e}")))?;
        nodes.push(Some(layout));
    }
    // Every layout by node is checked, also on nodes not in MIG mode in this run (as layouts
    // by model are): a sweep over the mode must not find a bad one only at some points.
    for (name, entries) in &section.mig_node_layouts {
        let Some(node) = cluster.nodes().iter().find(|x| &x.name == name) else {
            return Err(invalid(format!(
                "sharing.mig_node_layouts.{name}: the cluster has no node `{name}`"
            )));
        };
        let gpu = names.get(node.gpu_type.index()).map_or("", String::as_str);
        checked_layout(gpu, entries).map_err(|e| invalid(format!("sharing.mig_node_layouts.{name}: expected {e}")))?;
    }
    if !any {
        return Ok(None);
    }
    let partitioning = match section.mig_partitioning.unwrap_or_default() {
        MigPartitioningName::Dynamic => Partitioning::Dynamic,
        MigPartitioningName::Static => Partitioning::Static,
    };
    let placement = match section.mig_placement.unwrap_or_default() {
        MigPlacementName::FirstFit => MigPlacement::FirstFit,
        MigPlacementName::BestFit => MigPlacement::BestFit,
        MigPlacementName::FragAware => MigPlacement::FragAware,
    };
    Ok(Some(MigSetup {
        partitioning,
        placement,
        reconfig_time: section.mig_reconfig.map_or(DEFAULT_MIG_RECONFIG, |d| d.0),
        nodes,
    }))
}

/// The modes of `section` (by default, GPU model and node) as a [`SharingConfig`] with the
/// default time slice and interference (where only its modes are read, or to be overridden).
fn sharing_config_modes(section: &SharingSection) -> SharingConfig {
    SharingConfig {
        default: mode(section.mode),
        by_gpu_type: section
            .gpu_types
            .iter()
            .map(|(gpu, &m)| (gpu.clone(), mode(m)))
            .collect(),
        by_node: section.nodes.iter().map(|(node, &m)| (node.clone(), mode(m))).collect(),
        time_slice: TimeSlice::new(DEFAULT_SLICE, DEFAULT_SWITCH).expect("the defaults are valid"),
        mps: Mps::new(DEFAULT_INTERFERENCE).expect("the default is valid"),
        mps_by_gpu_type: Vec::new(),
    }
}
