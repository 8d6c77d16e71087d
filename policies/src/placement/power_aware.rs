//! Power-aware: each task goes to the rack with the most power headroom (budget minus what the
//! rack draws, less the full-power draw of what this round already placed there), then to the
//! tightest node there (best fit, ties to the lower index). It steers load away from racks
//! near their budget, where a `cap` budget would slow jobs down and an `admit` budget would
//! refuse them. Without a power model it is best fit.

use sim_core::cluster::Trial;
use sim_core::ids::{NodeId, RackId};
use sim_core::job::Job;
use sim_core::resources::{MILLI_PER_GPU, TaskAlloc};
use sim_core::view::ClusterView;

use super::{Placement, min_by_node_key, place_each, ranked_by_node_key};
use crate::explain::Candidate;
use crate::registry::{Factory, PartInfo, PlacementPart};

/// `power-aware`.
pub(crate) const PART: PlacementPart = PlacementPart {
    info: PartInfo {
        name: "power-aware",
        description: "each task in the rack with the most power headroom, then best fit (needs [power])",
        params: &[],
    },
    build: Factory::Static(&|_, _| Box::new(PowerAware::default())),
};

/// Most rack power headroom, then best fit.
#[derive(Debug, Default)]
pub struct PowerAware {
    /// Each rack's headroom at the start of the round, W.
    headroom_w: Vec<f64>,
    /// Each node's full-load power per allocated milli-GPU (its GPUs' board limit), W.
    watts_per_milli: Vec<f64>,
}

impl PowerAware {
    /// Headroom of `rack` once the trial's tentative tasks are counted at full power, in mW
    /// (an integer key, so ties are exact).
    fn headroom_mw(&self, trial: &Trial<'_>, rack: RackId) -> i64 {
        let cluster = trial.cluster();
        let added_w: f64 = cluster.racks()[rack.index()]
            .nodes
            .iter()
            .map(|&n| {
                let added = trial
                    .allocated_gpu_milli(n)
                    .saturating_sub(cluster.node(n).allocated_gpu_milli());
                added as f64 * self.watts_per_milli[n.index()]
            })
            .sum();
        ((self.headroom_w[rack.index()] - added_w) * 1e3).round() as i64
    }
}

impl Placement for PowerAware {
    fn begin_round(&mut self, view: &ClusterView<'_>) {
        let racks = view.cluster.racks().len();
        self.headroom_w = (0..racks)
            .map(|r| view.physics.rack_headroom_w(RackId::from_index(r)).unwrap_or(0.0))
            .collect();
        self.watts_per_milli = (0..view.cluster.nodes().len())
            .map(|n| {
                view.physics.power().map_or(0.0, |p| {
                    p.node(NodeId::from_index(n)).gpu.tdp_w / f64::from(MILLI_PER_GPU)
                })
            })
            .collect();
    }

    fn place(&mut self, trial: &mut Trial<'_>, job: &Job) -> Option<Vec<TaskAlloc>> {
        place_each(trial, job, |trial, _| {
            min_by_node_key(trial, job, |node, free_after| {
                let rack = trial.cluster().node(node).rack;
                (std::cmp::Reverse(self.headroom_mw(trial, rack)), free_after)
            })
        })
    }

    /// Scores: the node's rack power headroom, kW, the most first (then the fewest GPUs left).
    fn candidates(&mut self, trial: &Trial<'_>, job: &Job, k: usize, out: &mut Vec<Candidate>) {
        let rack = |node: NodeId| trial.cluster().node(node).rack;
        ranked_by_node_key(
            trial,
            job,
            k,
            out,
            |node, free_after| (std::cmp::Reverse(self.headroom_mw(trial, rack(node))), free_after),
            |node, _| self.headroom_mw(trial, rack(node)) as f64 / 1e6,
        );
    }
}
