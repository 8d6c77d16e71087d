//! Electrical power: GPUs from idle to their board limit with activity, node base power, and
//! the rack budget rule.
//!
//! Per GPU with busy share `u` (allocated milli-GPU ÷ 1000) at clock fraction `f`:
//! `P_gpu = P_idle + (P_run(f) − P_idle)·u` ([`cap_curve`]). Per node:
//! `P_node = min(clip, P_base(busy share) + Σ P_gpu)`, where the base power (CPUs, memory, fans,
//! PSU losses) rises linearly from idle to full with the node's busy GPU share (docs/models.md §2).
//!
//! Rack budget (`rack_budget_kw`) in one of two modes:
//! - `cap`: when a rack's power at full clocks exceeds its budget, its busy GPUs get the largest
//!   common clock fraction whose power fits ([`PowerModel::rack_clock`]); jobs there slow down by the curve.
//!   The cap cannot go below the board minimum: a start that would need less is refused.
//! - `admit`: a start that would take the rack over budget at full clocks is refused; GPUs are
//!   never capped.
//!
//! Refusals work through [`crate::cluster::PowerLimits`]: placements see the power headroom of
//! every rack, and the engine checks it like any other capacity.

pub mod cap_curve;
pub mod catalog;

use std::collections::BTreeMap;

use crate::cluster::{Cluster, PowerLimits, PowerLine};
use crate::ids::{NodeId, RackId};
use crate::math;
use crate::resources::MILLI_PER_GPU;
use cap_curve::CapCurve;
pub use catalog::GpuSpec;

/// What a rack budget does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum PowerMode {
    /// Cap the rack's GPUs to fit the budget (slower jobs).
    #[default]
    Cap,
    /// Refuse placements that would exceed the budget (waiting jobs).
    Admit,
}

/// Power parameters of a scenario's `[power]`.
#[derive(Clone, Debug, PartialEq)]
pub struct PowerConfig {
    /// Budget rule.
    pub mode: PowerMode,
    /// Per-rack budget in W; `None`: the sum of the rack's node maxima (never binding).
    pub rack_budget_w: Option<f64>,
    /// Facility energy ÷ IT energy (PUE).
    pub pue: f64,
    /// The performance-versus-cap curve.
    pub curve: CapCurve,
    /// Parameters of every GPU model in the cluster, by model name.
    pub gpus: BTreeMap<String, GpuSpec>,
    /// Base power of a node at full load as a share of the sum of its GPUs' board limits
    /// (docs/models.md: GPUs draw about 2/3 of server power, so 0.5).
    pub base_full_share: f64,
    /// Base power at idle as a share of base power at full load (0.6).
    pub base_idle_share: f64,
}

/// The defaults of docs/models.md §2, as a scenario's `[power]` without keys gives them: a
/// budget that never binds in `cap` mode, PUE 1.3, the default cap curve, node base power of
/// 0.5 × the GPUs' board limits at full load and 0.6 × that at idle, and the catalog's GPU models.
impl Default for PowerConfig {
    fn default() -> Self {
        PowerConfig {
            mode: PowerMode::Cap,
            rack_budget_w: None,
            pue: 1.3,
            curve: CapCurve::default(),
            gpus: catalog::by_model(),
            base_full_share: 0.5,
            base_idle_share: 0.6,
        }
    }
}

/// Why the power model cannot be built for a cluster.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PowerError {
    /// A GPU model without parameters.
    #[error(
        "GPU model `{0}` has no power parameters: add [power.gpu.\"{0}\"] with tdp_w, min_cap_w, idle_w (and temperatures for [thermal])"
    )]
    UnknownGpu(String),
}

/// Fixed electrical parameters of one node.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeElectrical {
    /// GPU model parameters.
    pub gpu: GpuSpec,
    /// Number of GPUs.
    pub gpus: u32,
    /// Base power with no GPU busy, in W.
    pub base_idle_w: f64,
    /// Base power with every GPU busy, in W.
    pub base_full_w: f64,
    /// Maximum node power (power-supply clip), in W.
    pub max_w: f64,
}

impl NodeElectrical {
    /// Node power with `allocated_milli` milli-GPU busy at clock fraction `clock`, in W.
    pub fn power_w(&self, curve: &CapCurve, allocated_milli: u64, clock: f64) -> f64 {
        if self.gpus == 0 {
            return self.base_idle_w;
        }
        let capacity = f64::from(self.gpus) * f64::from(MILLI_PER_GPU);
        let busy_share = allocated_milli as f64 / capacity;
        let base = self.base_idle_w + (self.base_full_w - self.base_idle_w) * busy_share;
        let busy_gpus = allocated_milli as f64 / f64::from(MILLI_PER_GPU);
        let running = curve.running_power_w(self.gpu.tdp_w, clock);
        (base + f64::from(self.gpus) * self.gpu.idle_w + (running - self.gpu.idle_w) * busy_gpus).min(self.max_w)
    }

    /// Power of one GPU with busy share `u` at clock fraction `clock`, in W.
    pub fn gpu_power_w(&self, curve: &CapCurve, busy_share: f64, clock: f64) -> f64 {
        self.gpu.idle_w + (curve.running_power_w(self.gpu.tdp_w, clock) - self.gpu.idle_w) * busy_share
    }

    /// The lowest clock fraction the board accepts (its minimum power cap).
    pub fn min_clock(&self, curve: &CapCurve) -> f64 {
        curve.clock_at_power(self.gpu.tdp_w, self.gpu.min_cap_w)
    }

    /// Node power as a line in allocated milli-GPU at a fixed clock, for rack admission.
    fn power_line(&self, curve: &CapCurve, clock: f64) -> PowerLine {
        let idle_w = self.power_w(curve, 0, clock);
        let capacity = u64::from(self.gpus) * u64::from(MILLI_PER_GPU);
        let slope = if capacity == 0 {
            0.0
        } else {
            let base = self.base_idle_w + f64::from(self.gpus) * self.gpu.idle_w;
            let unclipped_full = base
                + (self.base_full_w - self.base_idle_w)
                + (curve.running_power_w(self.gpu.tdp_w, clock) - self.gpu.idle_w) * f64::from(self.gpus);
            (unclipped_full - base) / capacity as f64
        };
        PowerLine {
            idle_mw: idle_w * 1e3,
            slope_mw_per_milli: slope * 1e3,
            clip_mw: self.max_w * 1e3,
        }
    }
}

/// The resolved power model of a cluster.
#[derive(Clone, Debug, PartialEq)]
pub struct PowerModel {
    config: PowerConfig,
    nodes: Vec<NodeElectrical>,
    rack_budget_w: Vec<f64>,
}

impl PowerModel {
    /// Resolves every node's parameters; fails if a GPU model has none.
    pub fn new(cluster: &Cluster, config: PowerConfig) -> Result<PowerModel, PowerError> {
        let mut nodes = Vec::with_capacity(cluster.nodes().len());
        for node in cluster.nodes() {
            let model = &cluster.gpu_type_names()[node.gpu_type.index()];
            let gpu = match config.gpus.get(model) {
                Some(spec) => spec.clone(),
                None if node.gpu_count == 0 => GpuSpec {
                    node_max_w_per_gpu: None,
                    ..catalog::lookup("A100-80GB").expect("A100 is in the catalog")
                },
                None => return Err(PowerError::UnknownGpu(model.clone())),
            };
            let total_tdp = f64::from(node.gpu_count) * gpu.tdp_w;
            let base_full_w = config.base_full_share * total_tdp;
            let base_idle_w = config.base_idle_share * base_full_w;
            let max_w = gpu
                .node_max_w_per_gpu
                .map_or(total_tdp + base_full_w, |per_gpu| per_gpu * f64::from(node.gpu_count));
            nodes.push(NodeElectrical {
                gpu,
                gpus: node.gpu_count,
                base_idle_w,
                base_full_w,
                max_w,
            });
        }
        let rack_budget_w = cluster
            .racks()
            .iter()
            .map(|rack| {
                config
                    .rack_budget_w
                    .unwrap_or_else(|| rack.nodes.iter().map(|n| nodes[n.index()].max_w).sum())
            })
            .collect();
        Ok(PowerModel {
            config,
            nodes,
            rack_budget_w,
        })
    }

    /// The parameters.
    pub fn config(&self) -> &PowerConfig {
        &self.config
    }

    /// A node's electrical parameters.
    pub fn node(&self, node: NodeId) -> &NodeElectrical {
        &self.nodes[node.index()]
    }

    /// A rack's budget, in W.
    pub fn rack_budget_w(&self, rack: RackId) -> f64 {
        self.rack_budget_w[rack.index()]
    }

    /// The admission limits this model puts on the cluster: in `admit` mode the power at full
    /// clocks must fit; in `cap` mode the power at the lowest cap must (else no cap could help).
    pub fn limits(&self, cluster: &Cluster) -> PowerLimits {
        let lines = self
            .nodes
            .iter()
            .map(|n| {
                let clock = match self.config.mode {
                    PowerMode::Admit => 1.0,
                    PowerMode::Cap => n.min_clock(&self.config.curve),
                };
                n.power_line(&self.config.curve, clock)
            })
            .collect();
        let budgets = self.rack_budget_w.iter().map(|w| (w * 1e3).round() as u64).collect();
        let racks: Vec<RackId> = cluster.nodes().iter().map(|n| n.rack).collect();
        let allocated: Vec<u64> = cluster.nodes().iter().map(|n| n.allocated_gpu_milli()).collect();
        let capacity: Vec<u64> = cluster.nodes().iter().map(|n| n.gpu_milli()).collect();
        PowerLimits::new(lines, budgets, &racks, &allocated, &capacity)
    }

    /// The clock fraction of a rack's busy GPUs under its budget (1 when it fits uncapped, or
    /// in `admit` mode): the largest common clock whose power fits, not below the boards'
    /// minimum. Node clipping is ignored here (it only lowers power).
    pub fn rack_clock(&self, cluster: &Cluster, rack: RackId) -> f64 {
        if self.config.mode == PowerMode::Admit {
            return 1.0;
        }
        let curve = &self.config.curve;
        let budget = self.rack_budget_w[rack.index()];
        let nodes = &cluster.racks()[rack.index()].nodes;
        let at_full: f64 = nodes.iter().map(|&n| self.node_power_w(cluster, n, 1.0)).sum();
        if at_full <= budget {
            return 1.0;
        }
        // Unclipped rack power is fixed + dynamic · f^α, with dynamic = Σ (TDP − P_s)·busy GPUs.
        let (mut fixed, mut dynamic, mut min_clock) = (0.0, 0.0, 0.0f64);
        for &n in nodes {
            let e = &self.nodes[n.index()];
            let busy = cluster.node(n).allocated_gpu_milli() as f64 / f64::from(MILLI_PER_GPU);
            let p_s = curve.static_share * e.gpu.tdp_w;
            fixed += e.power_w(curve, cluster.node(n).allocated_gpu_milli(), 0.0);
            dynamic += (e.gpu.tdp_w - p_s) * busy;
            if busy > 0.0 {
                min_clock = min_clock.max(e.min_clock(curve));
            }
        }
        if dynamic <= 0.0 {
            return 1.0;
        }
        math::powf(((budget - fixed) / dynamic).max(0.0), 1.0 / curve.alpha).clamp(min_clock, 1.0)
    }

    /// A node's power at clock fraction `clock` with its current allocation, in W.
    pub fn node_power_w(&self, cluster: &Cluster, node: NodeId, clock: f64) -> f64 {
        if !cluster.node(node).up {
            return 0.0;
        }
        self.nodes[node.index()].power_w(&self.config.curve, cluster.node(node).allocated_gpu_milli(), clock)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::NodeSpec;

    fn a100_rack(nodes: usize) -> Cluster {
        let specs: Vec<NodeSpec> = (0..nodes)
            .map(|i| NodeSpec {
                name: format!("n{i}"),
                rack: "r0".into(),
                gpus: 8,
                gpu_type: "A100-80GB".into(),
                cpu_milli: 1,
                mem_mib: 1,
            })
            .collect();
        Cluster::build(&specs).unwrap()
    }

    fn config(budget_w: Option<f64>, mode: PowerMode) -> PowerConfig {
        PowerConfig {
            mode,
            rack_budget_w: budget_w,
            ..PowerConfig::default()
        }
    }

    #[test]
    fn node_power_by_hand() {
        // A100 node, 8 × 400 W TDP, 55 W idle: base full 0.5 · 3200 = 1600 W, idle 960 W.
        // Idle: 960 + 8·55 = 1400 W. Four GPUs busy at full clock: base 960 + 640·0.5 = 1280,
        // GPUs 8·55 + 4·(400 − 55) = 1820 → 3100 W. All busy: 1600 + 3200 = 4800 W (< 6.5 kW clip).
        let cluster = a100_rack(1);
        let model = PowerModel::new(&cluster, config(None, PowerMode::Cap)).unwrap();
        let e = model.node(NodeId(0));
        let curve = CapCurve::default();
        assert_eq!(e.power_w(&curve, 0, 1.0), 1400.0);
        assert_eq!(e.power_w(&curve, 4000, 1.0), 3100.0);
        assert_eq!(e.power_w(&curve, 8000, 1.0), 4800.0);
    }

    /// Two fully busy A100 nodes draw 2 · 4800 = 9600 W at full clock. At clock 0 each draws
    /// 1600 + 8·55 + 8·(P_s − 55) with P_s = 0.15·400 = 60 → 2080 W, so rack power is
    /// 4160 + 5440·f³ (5440 = 2 · 8 · (400 − 60)). Under 8000 W: f³ = 3840/5440, f = 0.8904.
    /// Under 4000 W no clock fits; the floor is the 100 W minimum cap: f = (40/340)^(1/3) = 0.4901.
    #[test]
    fn a_rack_over_budget_gets_the_largest_clock_that_fits() {
        let mut cluster = a100_rack(2);
        let whole = |node| crate::resources::TaskAlloc {
            node,
            gpu_mask: 0xff,
            milli_per_gpu: 1000,
            cpu_milli: 0,
            mem_mib: 0,
            mig: None,
        };
        cluster.allocate(&[whole(NodeId(0)), whole(NodeId(1))]).unwrap();
        let clock = |budget| {
            PowerModel::new(&cluster, config(budget, PowerMode::Cap))
                .unwrap()
                .rack_clock(&cluster, RackId(0))
        };
        assert_eq!(clock(None), 1.0);
        assert_eq!(clock(Some(9600.0)), 1.0);
        assert!((clock(Some(8000.0)) - math::cbrt(3840.0 / 5440.0)).abs() < 1e-12);
        assert!((clock(Some(4000.0)) - math::cbrt(40.0 / 340.0)).abs() < 1e-12);
        let admit = PowerModel::new(&cluster, config(Some(4000.0), PowerMode::Admit)).unwrap();
        assert_eq!(admit.rack_clock(&cluster, RackId(0)), 1.0);
    }

    /// Admission lines: with a 6000 W admit budget and idle nodes at 1400 W each (2800 W), a
    /// full node adds 4800 − 1400 = 3400 W → 6200 W > 6000: refused. The slope is 3400 W per
    /// 8000 milli-GPU, so 7 GPUs add 2975 W → 5775 W: accepted; then one more GPU anywhere adds
    /// 425 W → 6200 W: refused.
    #[test]
    fn admit_limits_refuse_what_would_exceed_the_budget() {
        let mut cluster = a100_rack(2);
        let model = PowerModel::new(&cluster, config(Some(6000.0), PowerMode::Admit)).unwrap();
        let limits = model.limits(&cluster);
        assert_eq!(limits.committed_mw(RackId(0)), 2_800_000);
        cluster.set_power_limits(Some(limits));
        let task = |node, mask: u64| crate::resources::TaskAlloc {
            node,
            gpu_mask: mask,
            milli_per_gpu: 1000,
            cpu_milli: 0,
            mem_mib: 0,
            mig: None,
        };
        assert!(matches!(
            cluster.allocate(&[task(NodeId(0), 0xff)]),
            Err(crate::cluster::AllocError::PowerBudget {
                need_mw: 6_200_000,
                budget_mw: 6_000_000,
                ..
            })
        ));
        cluster.allocate(&[task(NodeId(0), 0x7f)]).unwrap();
        assert_eq!(cluster.power_limits().unwrap().committed_mw(RackId(0)), 5_775_000);
        assert!(cluster.allocate(&[task(NodeId(1), 0x01)]).is_err());
    }
}
