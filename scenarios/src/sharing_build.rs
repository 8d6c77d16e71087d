//! From `[sharing]` to the engine's sharing world model, and the checks of its keys.

use sim_core::cluster::Cluster;
use sim_core::sharing::mps::DEFAULT_INTERFERENCE;
use sim_core::sharing::{Mps, SharingConfig, SharingMode, SharingModel, TimeSlice};
use sim_core::time::{SimTime, format_duration};

use crate::error::{OutOfRange, ScenarioError};
use crate::load::Site;
use crate::schema::Scenario;
use crate::sharing_schema::{SharingModeName, SharingSection};
use crate::validate::in_range;

/// Default time slice: the seed question's 100 ms.
pub const DEFAULT_SLICE: SimTime = SimTime::from_micros(100_000);

/// Default context switch: the seed question's 2.1 ms.
pub const DEFAULT_SWITCH: SimTime = SimTime::from_micros(2_100);

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

/// Checks `[sharing]`: a switch shorter than the slice, interference factors in range, and no
/// `mig` mode (runs cannot place tasks in MIG instances yet).
pub(crate) fn check(scenario: &Scenario, site: &Site<'_>) -> Result<(), ScenarioError> {
    let Some(section) = &scenario.sharing else {
        return Ok(());
    };
    let mig_refused = |section_name: &str, key: &str| {
        let key_path = format!("{section_name}.{key}");
        Err(ScenarioError::from(OutOfRange {
            place: site.place(section_name, key),
            key: key_path,
            value: "\"mig\"".into(),
            accepted: "fraction, time-slice or mps: runs cannot place tasks in MIG instances yet (the MIG catalog, \
                       placement and fragmentation are in sim_core::sharing::mig; docs/gpu-sharing.md)"
                .into(),
        }))
    };
    if section.mode == SharingModeName::Mig {
        return mig_refused("sharing", "mode");
    }
    if let Some((gpu, _)) = section.gpu_types.iter().find(|(_, m)| **m == SharingModeName::Mig) {
        return mig_refused("sharing.gpu_types", gpu);
    }
    if let Some((node, _)) = section.nodes.iter().find(|(_, m)| **m == SharingModeName::Mig) {
        return mig_refused("sharing.nodes", node);
    }
    if let Err(e) = time_slice(section) {
        let switch = section.switch.map_or(DEFAULT_SWITCH, |d| d.0);
        return Err(ScenarioError::from(OutOfRange {
            place: site.place("sharing", "switch"),
            key: "sharing.switch".into(),
            value: format!("\"{}\"", format_duration(switch)),
            accepted: e.to_string(),
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

/// The sharing world model `section` (checked by [`check`]) asks for on `cluster`, or `None`
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
    let invalid = |e: String| ScenarioError::Input(format!("sharing: {e}"));
    let mps = |alpha: f64| Mps::new(alpha).map_err(|e| invalid(e.to_string()));
    let config = SharingConfig {
        default: mode(section.mode),
        by_gpu_type: section
            .gpu_types
            .iter()
            .map(|(gpu, &m)| (gpu.clone(), mode(m)))
            .collect(),
        by_node: section.nodes.iter().map(|(node, &m)| (node.clone(), mode(m))).collect(),
        time_slice: time_slice(section).map_err(|e| invalid(e.to_string()))?,
        mps: mps(section.mps_interference.unwrap_or(DEFAULT_INTERFERENCE))?,
        mps_by_gpu_type: section
            .mps_interference_by_gpu
            .iter()
            .map(|(gpu, &alpha)| Ok((gpu.clone(), mps(alpha)?)))
            .collect::<Result<_, ScenarioError>>()?,
    };
    Ok(SharingModel::new(&config, cluster))
}
