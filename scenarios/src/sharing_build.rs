//! From `[sharing]` to the engine's sharing world model.

use sim_core::cluster::Cluster;
use sim_core::sharing::{Mps, SharingConfig, SharingMode, SharingModel, TimeSlice};
use sim_core::time::SimTime;

use crate::error::{OutOfRange, ScenarioError};
use crate::sharing_schema::{SharingModeName, SharingSection};

/// Default time slice: the seed question's 100 ms.
pub const DEFAULT_SLICE: SimTime = SimTime::from_micros(100_000);

/// Default context switch: the seed question's 2.1 ms.
pub const DEFAULT_SWITCH: SimTime = SimTime::from_micros(2_100);

fn mode(name: SharingModeName) -> SharingMode {
    match name {
        SharingModeName::Fraction => SharingMode::Fraction,
        SharingModeName::TimeSlice => SharingMode::TimeSlice,
        SharingModeName::Mps => SharingMode::Mps,
        SharingModeName::Mig => SharingMode::Mig,
    }
}

fn out_of_range(origin: &str, key: &str, value: String, accepted: String) -> ScenarioError {
    ScenarioError::from(OutOfRange {
        place: origin.to_string(),
        key: key.to_string(),
        value,
        accepted,
    })
}

/// The sharing world model `section` asks for on `cluster`, or `None` when no node is
/// time-sliced or MPS (no section, or `fraction` everywhere). `origin` names the file.
pub fn sharing_model(
    section: Option<&SharingSection>,
    cluster: &Cluster,
    origin: &str,
) -> Result<Option<SharingModel>, ScenarioError> {
    let Some(section) = section else { return Ok(None) };
    let slice = section.slice.map_or(DEFAULT_SLICE, |d| d.0);
    let switch = section.switch.map_or(DEFAULT_SWITCH, |d| d.0);
    let time_slice = TimeSlice::new(slice, switch).map_err(|e| {
        out_of_range(
            origin,
            "sharing.switch",
            format!("{} µs", switch.as_micros()),
            e.to_string(),
        )
    })?;
    let mps_of = |key: &str, alpha: f64| {
        Mps::new(alpha).map_err(|e| out_of_range(origin, key, alpha.to_string(), e.to_string()))
    };
    let mps = mps_of(
        "sharing.mps_interference",
        section
            .mps_interference
            .unwrap_or(sim_core::sharing::mps::DEFAULT_INTERFERENCE),
    )?;
    let mps_by_gpu_type = section
        .mps_interference_by_gpu
        .iter()
        .map(|(gpu, &alpha)| {
            Ok((
                gpu.clone(),
                mps_of(&format!("sharing.mps_interference_by_gpu.{gpu}"), alpha)?,
            ))
        })
        .collect::<Result<Vec<_>, ScenarioError>>()?;
    let config = SharingConfig {
        default: mode(section.mode),
        by_gpu_type: section
            .gpu_types
            .iter()
            .map(|(gpu, &m)| (gpu.clone(), mode(m)))
            .collect(),
        time_slice,
        mps,
        mps_by_gpu_type,
    };
    for node in cluster.nodes().iter().filter(|n| n.gpu_count > 0) {
        let gpu = &cluster.gpu_type_names()[node.gpu_type.index()];
        if config.mode_of(gpu) == SharingMode::Mig {
            let key = if section.gpu_types.contains_key(gpu) {
                format!("sharing.gpu_types.{gpu}")
            } else {
                "sharing.mode".to_string()
            };
            return Err(out_of_range(
                origin,
                &key,
                "\"mig\"".into(),
                format!(
                    "fraction, time-slice or mps: runs cannot place tasks in MIG instances yet (the MIG catalog, \
                     placement and fragmentation are in sim_core::sharing::mig; docs/gpu-sharing.md), and node `{}` \
                     has {gpu} GPUs",
                    node.name
                ),
            ));
        }
    }
    Ok(SharingModel::new(&config, cluster))
}
