//! From the physical sections of a scenario to the engine's [`PhysicsConfig`].

use sim_core::cluster::Cluster;
use sim_core::fabric::{FabricConfig, Sharing, Uplink};
use sim_core::physics::PhysicsConfig;
use sim_core::power::cap_curve::CapCurve;
use sim_core::power::{GpuSpec, PowerConfig, PowerMode, catalog};
use sim_core::thermal::ThermalConfig;

use crate::error::{OutOfRange, ScenarioError};
use crate::physics_schema::{GpuParameters, PowerModeName, PowerSection, SharingName};
use crate::schema::Scenario;

/// NIC bandwidth per GPU when `[fabric]` does not give one, Gbit/s (A100 generation).
const DEFAULT_NIC_GBPS_PER_GPU: f64 = 200.0;

/// The physical models a scenario turns on, resolved against its cluster.
pub fn physics_config(scenario: &Scenario, cluster: &Cluster, origin: &str) -> Result<PhysicsConfig, ScenarioError> {
    let fabric = scenario.fabric.as_ref().map(|f| {
        let largest = cluster.nodes().iter().map(|n| n.gpu_count).max().unwrap_or(0).max(1);
        let node_nic_gbps = f.node_nic_gbps.unwrap_or(f64::from(largest) * DEFAULT_NIC_GBPS_PER_GPU);
        FabricConfig {
            node_nic_gbps,
            uplink: match f.leaf_uplink_gbps {
                Some(gbps) => Uplink::Gbps(gbps),
                None => Uplink::Oversubscription(f.oversubscription.unwrap_or(1.0)),
            },
            spines: f.spines.unwrap_or(1),
            sharing: match f.sharing {
                SharingName::MaxMin => Sharing::MaxMin,
                SharingName::Proportional => Sharing::Proportional,
            },
        }
    });
    let power_section = match (&scenario.power, &scenario.thermal) {
        (Some(p), _) => Some(p.clone()),
        (None, Some(_)) => Some(PowerSection::default()),
        (None, None) => None,
    };
    let power = power_section.map(|p| power_config(&p, cluster, origin)).transpose()?;
    if let (Some(thermal), Some(power)) = (&scenario.thermal, &power) {
        check_gpus_can_cool(thermal, &power.gpus, cluster, origin)?;
    }
    let thermal = scenario.thermal.as_ref().map(|t| ThermalConfig {
        inlet_c: t.inlet_c,
        cooling_w_per_rack: t.cooling_kw_per_rack.map(|kw| kw * 1e3),
        room_tau_s: t.room_tau.0.as_secs_f64(),
        rack_heat_capacity_j_per_k: t.rack_heat_capacity_kj_per_k.map(|kj| kj * 1e3),
        r_k_per_tdp: t.r_k_per_tdp,
        gpu_tau_s: t.gpu_tau.0.as_secs_f64(),
        hysteresis_c: t.hysteresis_c,
        recovery: t.recovery.0,
    });
    Ok(PhysicsConfig { fabric, power, thermal })
}

/// Refuses a `[thermal]` under which a GPU of the cluster could never keep running: at the
/// supply temperature, even at its lowest power cap, it would settle at or above its shutdown
/// temperature (`inlet_c + r_k_per_tdp × min_cap_w ÷ tdp_w`), so a node would shut down,
/// recover and shut down again without end, and no job on it could finish.
fn check_gpus_can_cool(
    thermal: &crate::physics_schema::ThermalSection,
    gpus: &std::collections::BTreeMap<String, GpuSpec>,
    cluster: &Cluster,
    origin: &str,
) -> Result<(), ScenarioError> {
    for node in cluster.nodes().iter().filter(|n| n.gpu_count > 0) {
        let model = &cluster.gpu_type_names()[node.gpu_type.index()];
        let Some(gpu) = gpus.get(model) else { continue };
        let rise = thermal.r_k_per_tdp * gpu.min_cap_w / gpu.tdp_w;
        let settles = thermal.inlet_c + rise;
        if settles >= gpu.shutdown_c {
            let why = format!(
                "one {model} GPU at its lowest power cap would settle at {settles:.1} °C, at or above its shutdown \
                 temperature {} °C, so its node would shut down again and again and no job could finish",
                gpu.shutdown_c
            );
            // Blame the inlet when a cooler one (0 °C or more) would do, else the resistance.
            let coolest_inlet = gpu.shutdown_c - rise;
            let (key, value, accepted) = match coolest_inlet > 0.0 {
                true => (
                    "thermal.inlet_c",
                    thermal.inlet_c,
                    format!("{why}; give an inlet_c below {coolest_inlet:.1} °C (or a smaller thermal.r_k_per_tdp)"),
                ),
                false => (
                    "thermal.r_k_per_tdp",
                    thermal.r_k_per_tdp,
                    format!(
                        "{why}; give an r_k_per_tdp below {:.1} at this inlet_c",
                        (gpu.shutdown_c - thermal.inlet_c) * gpu.tdp_w / gpu.min_cap_w
                    ),
                ),
            };
            return Err(ScenarioError::from(OutOfRange {
                place: origin.to_string(),
                key: key.into(),
                value: value.to_string(),
                accepted,
            }));
        }
    }
    Ok(())
}

/// Refuses GPU parameters no device has: a power limit or lowest cap of 0 W or less, a lowest
/// cap above the limit, an idle power below 0 or above the lowest cap, thresholds out of order.
fn check_gpu_parameters(model: &str, spec: &GpuSpec, origin: &str) -> Result<(), ScenarioError> {
    let bad = |key: &str, value: f64, accepted: &str| {
        ScenarioError::from(OutOfRange {
            place: origin.to_string(),
            key: format!("power.gpu.\"{model}\".{key}"),
            value: value.to_string(),
            accepted: accepted.to_string(),
        })
    };
    if spec.tdp_w <= 0.0 {
        return Err(bad("tdp_w", spec.tdp_w, "give a power limit above 0 W"));
    }
    if spec.min_cap_w <= 0.0 || spec.min_cap_w > spec.tdp_w {
        return Err(bad(
            "min_cap_w",
            spec.min_cap_w,
            "give a lowest cap above 0 W and at most tdp_w",
        ));
    }
    if spec.idle_w < 0.0 || spec.idle_w > spec.min_cap_w {
        return Err(bad(
            "idle_w",
            spec.idle_w,
            "give an idle power from 0 W to min_cap_w (an idle GPU draws no more than a busy one at its lowest cap)",
        ));
    }
    if let Some(clip) = spec.node_max_w_per_gpu
        && (clip.is_nan() || clip <= 0.0)
    {
        return Err(bad(
            "node_max_w_per_gpu",
            clip,
            "give a node power limit per GPU above 0 W",
        ));
    }
    let order = "give max_op_c < slowdown_c < shutdown_c (the bands follow one another)";
    if spec.max_op_c >= spec.slowdown_c {
        return Err(bad("max_op_c", spec.max_op_c, order));
    }
    if spec.slowdown_c >= spec.shutdown_c {
        return Err(bad("slowdown_c", spec.slowdown_c, order));
    }
    Ok(())
}

fn power_config(section: &PowerSection, cluster: &Cluster, origin: &str) -> Result<PowerConfig, ScenarioError> {
    let mut gpus = catalog::by_model();
    for (model, given) in &section.gpu {
        let spec = match gpus.get(model) {
            Some(base) => merge(base.clone(), given),
            None => complete(model, given, origin)?,
        };
        check_gpu_parameters(model, &spec, origin)?;
        gpus.insert(model.clone(), spec);
    }
    for node in cluster.nodes().iter().filter(|n| n.gpu_count > 0) {
        let model = &cluster.gpu_type_names()[node.gpu_type.index()];
        if !gpus.contains_key(model) {
            return Err(ScenarioError::Input(format!(
                "{origin}: [power]: GPU model `{model}` (node `{}`) has no power parameters; add [power.gpu.\"{model}\"] with tdp_w, min_cap_w and idle_w",
                node.name
            )));
        }
    }
    Ok(PowerConfig {
        mode: match section.mode {
            PowerModeName::Cap => PowerMode::Cap,
            PowerModeName::Admit => PowerMode::Admit,
        },
        rack_budget_w: section.rack_budget_kw.map(|kw| kw * 1e3),
        pue: section.pue,
        curve: CapCurve {
            static_share: section.static_share,
            alpha: section.alpha,
            mem_bound: section.mem_bound,
        },
        gpus,
        base_full_share: section.base_full_share,
        base_idle_share: section.base_idle_share,
    })
}

fn merge(mut spec: GpuSpec, given: &GpuParameters) -> GpuSpec {
    spec.tdp_w = given.tdp_w.unwrap_or(spec.tdp_w);
    spec.min_cap_w = given.min_cap_w.unwrap_or(spec.min_cap_w);
    spec.idle_w = given.idle_w.unwrap_or(spec.idle_w);
    spec.max_op_c = given.max_op_c.unwrap_or(spec.max_op_c);
    spec.slowdown_c = given.slowdown_c.unwrap_or(spec.slowdown_c);
    spec.shutdown_c = given.shutdown_c.unwrap_or(spec.shutdown_c);
    spec.node_max_w_per_gpu = given.node_max_w_per_gpu.or(spec.node_max_w_per_gpu);
    spec
}

fn complete(model: &str, given: &GpuParameters, origin: &str) -> Result<GpuSpec, ScenarioError> {
    let need = |value: Option<f64>, key: &str| {
        value.ok_or_else(|| {
            ScenarioError::Input(format!(
                "{origin}: [power.gpu.\"{model}\"]: `{model}` is not in the built-in catalog, so {key} is required"
            ))
        })
    };
    Ok(GpuSpec {
        speed: 1.0,
        tdp_w: need(given.tdp_w, "tdp_w")?,
        min_cap_w: need(given.min_cap_w, "min_cap_w")?,
        idle_w: need(given.idle_w, "idle_w")?,
        max_op_c: given.max_op_c.unwrap_or(85.0),
        slowdown_c: given.slowdown_c.unwrap_or(89.0),
        shutdown_c: given.shutdown_c.unwrap_or(92.0),
        node_max_w_per_gpu: given.node_max_w_per_gpu,
    })
}
