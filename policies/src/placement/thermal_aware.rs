//! Thermal-aware: each task goes to the rack whose hottest GPU is furthest below its max-op
//! (capping) temperature at the start of the round, then to the tightest node there (best
//! fit, ties to the lower index). It keeps new load off racks that are close to throttling
//! (a weak cooling unit, a hot aisle). Without a thermal model it is best fit.

use sim_core::cluster::Trial;
use sim_core::ids::{NodeId, RackId};
use sim_core::job::Job;
use sim_core::resources::TaskAlloc;
use sim_core::view::ClusterView;

use super::{Placement, min_by_node_key, place_each, ranked_by_node_key};
use crate::explain::Candidate;
use crate::registry::{Factory, PartInfo, PlacementPart};

/// `thermal-aware`.
pub(crate) const PART: PlacementPart = PlacementPart {
    info: PartInfo {
        name: "thermal-aware",
        description: "each task in the rack furthest below its capping temperature, then best fit (needs [thermal])",
        params: &[],
    },
    build: Factory::Static(&|_, _| Box::new(ThermalAware::default())),
};

/// Largest thermal margin, then best fit.
#[derive(Debug, Default)]
pub struct ThermalAware {
    /// Each rack's margin (max-op − temperature of its hottest GPU) at the start of the round,
    /// in milli-kelvin, so that comparisons are exact.
    margin_mk: Vec<i64>,
}

impl Placement for ThermalAware {
    fn begin_round(&mut self, view: &ClusterView<'_>) {
        let Some(thermal) = view.physics.thermal() else {
            self.margin_mk = vec![0; view.cluster.racks().len()];
            return;
        };
        let power = view.physics.power().expect("thermal runs with the power model");
        self.margin_mk = view
            .cluster
            .racks()
            .iter()
            .map(|rack| {
                let margin = rack
                    .nodes
                    .iter()
                    .map(|&n| power.node(n).gpu.max_op_c - thermal.node_temp_c(n, view.now))
                    .fold(f64::INFINITY, f64::min);
                (margin * 1e3).round() as i64
            })
            .collect();
    }

    fn place(&mut self, trial: &mut Trial<'_>, job: &Job) -> Option<Vec<TaskAlloc>> {
        place_each(trial, job, |trial, _| {
            min_by_node_key(trial, job, |node: NodeId, free_after| {
                let rack: RackId = trial.cluster().node(node).rack;
                (std::cmp::Reverse(self.margin_mk[rack.index()]), free_after)
            })
        })
    }

    /// Scores: the node's rack margin below its capping temperature, K, the most first (then
    /// the fewest GPUs left).
    fn candidates(&mut self, trial: &Trial<'_>, job: &Job, k: usize, out: &mut Vec<Candidate>) {
        let margin = |node: NodeId| self.margin_mk[trial.cluster().node(node).rack.index()];
        ranked_by_node_key(
            trial,
            job,
            k,
            out,
            |node, free_after| (std::cmp::Reverse(margin(node)), free_after),
            |node, _| margin(node) as f64 / 1e3,
        );
    }
}
