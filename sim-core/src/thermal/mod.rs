//! Heat: per-rack inlet air and a first-order RC model per node, with the GPU thermal bands of
//! docs/models.md §3.
//!
//! - **Inlet.** A rack's cooling removes up to `cooling_kw_per_rack`. While the rack's heat
//!   (its electrical power) is within that, the inlet relaxes towards the supply temperature
//!   (`inlet_c`) with the room time constant, unless the rack has no cooling at all (a failed
//!   unit): then nothing brings the air back and the inlet holds. When the heat exceeds it, the surplus warms the
//!   air: the inlet rises at `(P − Q) / C` K/s, `C` being the rack air's heat capacity (by default
//!   `room_tau × airflow × ρ·c_p`, with each node's airflow sized for a 16 K rise at its maximum
//!   power, so `C = room_tau × Σ P_max / 16 K`). This replaces the steady offset of docs/models.md
//!   (a placeholder there): a rack whose cooling cannot keep up keeps heating until it throttles,
//!   which is what an overloaded or failed cooling unit does.
//! - **Node.** The hottest GPU of a node follows `τ·dT/dt = T_in + R·P − T`, `R = r_k_per_tdp /
//!   TDP`, in closed form between events ([`trajectory`]).
//! - **Bands** (per GPU model thresholds): below max-op, normal; from max-op, firmware caps the
//!   GPU at `P_allowed = (T_maxop − T_in)/R` (so its steady temperature is max-op), through the
//!   cap curve; when even the minimum cap is not enough and the temperature reaches the
//!   slowdown threshold, clocks are halved; at the shutdown threshold the node goes down (the
//!   failure path) and comes back after `recovery`. Leaving a band needs the temperature to
//!   fall `hysteresis_c` below its threshold. Firmware tracks the cap continuously; here it is
//!   re-set from the current inlet at every event of the rack and whenever the temperature
//!   drifts `hysteresis_c` above max-op.

pub mod trajectory;

use crate::time::SimTime;
use trajectory::{Inlet, Trajectory};

/// Thermal parameters of a scenario's `[thermal]`.
#[derive(Clone, Debug, PartialEq)]
pub struct ThermalConfig {
    /// Supply (cold aisle) temperature, °C.
    pub inlet_c: f64,
    /// Heat each rack's cooling removes at most, in W; `None`: the sum of its node maxima.
    pub cooling_w_per_rack: Option<f64>,
    /// Time constant of the inlet's return to supply temperature, s.
    pub room_tau_s: f64,
    /// Heat capacity of a rack's air, J/K; `None`: `room_tau × Σ node max power / 16 K`.
    pub rack_heat_capacity_j_per_k: Option<f64>,
    /// GPU thermal resistance times TDP, K (R = this ÷ TDP; 40 in docs/models.md).
    pub r_k_per_tdp: f64,
    /// GPU (die and heatsink) time constant, s.
    pub gpu_tau_s: f64,
    /// Temperature margin for leaving a band and for re-evaluating a cap, K (default 2: GPU
    /// firmware releases slowdowns a few kelvin below their thresholds; a smaller margin makes
    /// an overheated rack oscillate faster between bands).
    pub hysteresis_c: f64,
    /// How long a node that shut down stays down.
    pub recovery: SimTime,
}

impl Default for ThermalConfig {
    fn default() -> Self {
        ThermalConfig {
            inlet_c: 24.0,
            cooling_w_per_rack: None,
            room_tau_s: 300.0,
            rack_heat_capacity_j_per_k: None,
            r_k_per_tdp: 40.0,
            gpu_tau_s: 30.0,
            hysteresis_c: 2.0,
            recovery: SimTime::from_secs(3600),
        }
    }
}

/// Temperature rise of a node's exhaust air at its maximum power, for the default airflow, K.
pub const NODE_AIR_RISE_K: f64 = 16.0;

/// A node's thermal band.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Band {
    /// Below max-op: no thermal limit.
    Normal,
    /// Capped by firmware at `allowed_w` per GPU; `at_min` when that is the board minimum and
    /// cannot hold the temperature.
    Capped {
        /// Allowed GPU power, W.
        allowed_w: f64,
        /// True when the cap is at the board minimum.
        at_min: bool,
    },
    /// Hardware slowdown: clocks halved.
    Slowdown,
    /// Shut down (the node is down until recovery).
    Off,
}

/// A rack's inlet since its last anchor.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RackAir {
    /// When the anchor was set.
    pub anchor: SimTime,
    /// The inlet's course from the anchor.
    pub inlet: Inlet,
    /// Cooling capacity now, W (0 after a cooling failure).
    pub cooling_w: f64,
    /// Heat capacity, J/K.
    pub heat_capacity_j_per_k: f64,
}

impl RackAir {
    /// Inlet temperature at `now`, °C.
    pub fn inlet_at(&self, now: SimTime) -> f64 {
        self.inlet.at((now - self.anchor).as_secs_f64())
    }

    /// The same course re-expressed from `now`.
    pub fn inlet_from(&self, now: SimTime) -> Inlet {
        let start_c = self.inlet_at(now);
        match self.inlet {
            Inlet::Relax { target_c, tau_s, .. } => Inlet::Relax {
                start_c,
                target_c,
                tau_s,
            },
            Inlet::Ramp { rate_c_per_s, .. } => Inlet::Ramp { start_c, rate_c_per_s },
        }
    }
}

/// A node's thermal state since its own last anchor.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NodeHeat {
    /// When the anchor was set.
    pub anchor: SimTime,
    /// Temperature at the anchor, °C.
    pub start_c: f64,
    /// Steady rise above inlet with the current power, K.
    pub heat_k: f64,
    /// The rack inlet's course from the anchor.
    pub inlet: Inlet,
    /// Thermal band.
    pub band: Band,
    /// Bumped whenever the node's checks are rescheduled (older ones are stale).
    pub version: u32,
}

impl NodeHeat {
    /// The temperature trajectory from the anchor.
    pub fn trajectory(&self, gpu_tau_s: f64) -> Trajectory {
        Trajectory {
            start_c: self.start_c,
            heat_k: self.heat_k,
            tau_s: gpu_tau_s,
            inlet: self.inlet,
        }
    }

    /// Temperature at `now` (not before the anchor), °C.
    pub fn temp_at(&self, now: SimTime, gpu_tau_s: f64) -> f64 {
        self.trajectory(gpu_tau_s).at((now - self.anchor).as_secs_f64())
    }
}

/// Per-node GPU thermal constants (from its GPU model).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GpuThermal {
    /// Thermal resistance, K/W.
    pub r_k_per_w: f64,
    /// Max-op (firmware capping) threshold, °C.
    pub max_op_c: f64,
    /// Hardware slowdown threshold, °C.
    pub slowdown_c: f64,
    /// Shutdown threshold, °C.
    pub shutdown_c: f64,
}

/// The thresholds to watch for a node in `band`: (temperature, rising). A capped node's cap
/// was just set for the current inlet (its steady temperature is max-op, so it is falling if
/// above); it is re-evaluated when it drifts `hysteresis_c` above max-op, or enters hardware
/// slowdown if it reaches that threshold first (a hysteresis as wide as the gap between the
/// two).
pub fn watched_thresholds(band: Band, gpu: &GpuThermal, hysteresis_c: f64) -> Vec<(f64, bool)> {
    match band {
        Band::Normal => vec![(gpu.max_op_c, true)],
        Band::Capped { at_min: false, .. } => {
            vec![
                ((gpu.max_op_c + hysteresis_c).min(gpu.slowdown_c), true),
                (gpu.max_op_c - hysteresis_c, false),
            ]
        }
        Band::Capped { at_min: true, .. } => vec![(gpu.slowdown_c, true), (gpu.max_op_c - hysteresis_c, false)],
        Band::Slowdown => vec![(gpu.shutdown_c, true), (gpu.slowdown_c - hysteresis_c, false)],
        Band::Off => Vec::new(),
    }
}
