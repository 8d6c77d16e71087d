//! The physical sections of a scenario: `[fabric]`, `[power]`, `[thermal]`. Each is optional;
//! a model is on when its section is present (`[thermal]` turns the power model on too, since
//! heat comes from power). Defaults and their sources are in docs/models.md and docs/fabric.md.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::duration::Duration;

/// `[fabric]`: leaf-spine network.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FabricSection {
    /// NIC bandwidth per node, Gbit/s; default: 200 Gbit/s per GPU of the largest node
    /// (A100 generation, docs/models.md §4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_nic_gbps: Option<f64>,
    /// Uplink capacity of every rack towards the spines, Gbit/s (instead of `oversubscription`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leaf_uplink_gbps: Option<f64>,
    /// Uplink = nodes in the rack × NIC ÷ this ratio; default 1 (non-blocking).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oversubscription: Option<f64>,
    /// Spine switches the uplink is split across (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spines: Option<u32>,
    /// `max-min` (default, the reference) or `proportional`.
    #[serde(default)]
    pub sharing: SharingName,
}

/// How uplinks are shared.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SharingName {
    /// Max-min fair progressive filling.
    #[default]
    MaxMin,
    /// Proportional to demand.
    Proportional,
}

/// `[power]`: electrical power and rack budgets.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PowerSection {
    /// `cap` (default: slow the rack down to fit its budget) or `admit` (refuse starts).
    #[serde(default)]
    pub mode: PowerModeName,
    /// Budget of every rack, kW; default: the sum of its nodes' maxima (never binding).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rack_budget_kw: Option<f64>,
    /// Facility ÷ IT energy (default 1.3, docs/models.md §2).
    #[serde(default = "default_pue")]
    pub pue: f64,
    /// Static share of board power in the cap curve (default 0.15).
    #[serde(default = "default_static_share")]
    pub static_share: f64,
    /// Exponent of the cap curve (default 3).
    #[serde(default = "default_alpha")]
    pub alpha: f64,
    /// Memory-bound share of work, not slowed by caps (default 0).
    #[serde(default)]
    pub mem_bound: f64,
    /// Node base power at full load ÷ Σ GPU board limits (default 0.5).
    #[serde(default = "default_base_full")]
    pub base_full_share: f64,
    /// Node base power at idle ÷ at full load (default 0.6).
    #[serde(default = "default_base_idle")]
    pub base_idle_share: f64,
    /// Parameters per GPU model, overriding or extending the built-in catalog.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub gpu: BTreeMap<String, GpuParameters>,
}

impl Default for PowerSection {
    fn default() -> Self {
        PowerSection {
            mode: PowerModeName::default(),
            rack_budget_kw: None,
            pue: default_pue(),
            static_share: default_static_share(),
            alpha: default_alpha(),
            mem_bound: 0.0,
            base_full_share: default_base_full(),
            base_idle_share: default_base_idle(),
            gpu: BTreeMap::new(),
        }
    }
}

/// What a rack budget does.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PowerModeName {
    /// Cap clocks.
    #[default]
    Cap,
    /// Refuse starts.
    Admit,
}

/// One GPU model's parameters; omitted ones come from the catalog (a model not in the catalog
/// must give `tdp_w`, `min_cap_w` and `idle_w`).
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GpuParameters {
    /// Board power limit, W.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tdp_w: Option<f64>,
    /// Lowest power cap, W.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_cap_w: Option<f64>,
    /// Idle power, W.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_w: Option<f64>,
    /// Max-op (capping) temperature, °C (default 85).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_op_c: Option<f64>,
    /// Hardware slowdown temperature, °C (default 89).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slowdown_c: Option<f64>,
    /// Shutdown temperature, °C (default 92).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shutdown_c: Option<f64>,
    /// Maximum power of a node per GPU it holds, W (power-supply clip).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_max_w_per_gpu: Option<f64>,
}

/// `[thermal]`: inlet air and GPU temperatures.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ThermalSection {
    /// Supply air temperature, °C (default 24, ASHRAE recommended 18–27).
    #[serde(default = "default_inlet")]
    pub inlet_c: f64,
    /// Cooling capacity per rack, kW; default: the sum of its nodes' maxima.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cooling_kw_per_rack: Option<f64>,
    /// Time constant of the inlet's return to supply temperature (default "300s").
    #[serde(default = "default_room_tau")]
    pub room_tau: Duration,
    /// Heat capacity of a rack's air, kJ/K; default: room_tau × Σ node max power ÷ 16 K.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rack_heat_capacity_kj_per_k: Option<f64>,
    /// GPU thermal resistance × TDP, K (default 40: R = 40 K ÷ TDP).
    #[serde(default = "default_r")]
    pub r_k_per_tdp: f64,
    /// GPU time constant (default "30s").
    #[serde(default = "default_gpu_tau")]
    pub gpu_tau: Duration,
    /// Hysteresis for leaving a band, K (default 2).
    #[serde(default = "default_hysteresis")]
    pub hysteresis_c: f64,
    /// How long a node that shut down from heat stays down (default "1h").
    #[serde(default = "default_recovery")]
    pub recovery: Duration,
}

fn default_pue() -> f64 {
    1.3
}
fn default_static_share() -> f64 {
    0.15
}
fn default_alpha() -> f64 {
    3.0
}
fn default_base_full() -> f64 {
    0.5
}
fn default_base_idle() -> f64 {
    0.6
}
fn default_inlet() -> f64 {
    24.0
}
fn default_room_tau() -> Duration {
    Duration(sim_core::SimTime::from_secs(300))
}
fn default_r() -> f64 {
    40.0
}
fn default_gpu_tau() -> Duration {
    Duration(sim_core::SimTime::from_secs(30))
}
fn default_hysteresis() -> f64 {
    2.0
}
fn default_recovery() -> Duration {
    Duration(sim_core::SimTime::from_secs(3600))
}
