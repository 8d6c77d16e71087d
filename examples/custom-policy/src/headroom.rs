//! A placement: `headroom`. Each task goes to the lowest-numbered node that still has at least
//! `headroom_gpus` GPUs free once the task is placed, keeping room on busy nodes for jobs that
//! grow or arrive small; when no node can keep that much, to the lowest-numbered node it fits
//! (first fit).
//!
//! A placement is a [`Placement`] and a [`PlacementPart`]: the name scenarios use, one line
//! for `clustersim policies`, the parameters it reads (checked before any run: a scenario
//! writing `headroom_gpus = "two"` is refused naming the line) and the factory that builds it
//! from them.

use policies::placement::{Placement, place_each};
use policies::{Context, Factory, Kind, Param, Params, PartInfo, PlacementPart};
use sim_core::cluster::Trial;
use sim_core::ids::NodeId;
use sim_core::job::Job;
use sim_core::resources::{MILLI_PER_GPU, TaskAlloc};

/// `headroom`, registered by [`crate::registry`].
pub const PART: PlacementPart = PlacementPart {
    info: PartInfo {
        name: "headroom",
        description: "each task on the lowest-numbered node keeping headroom_gpus free GPUs, else first fit",
        params: &[Param {
            name: "headroom_gpus",
            kind: Kind::Number,
            default: Some("1"),
            doc: "GPUs a node should keep free after a task is placed on it",
            in_label: false,
        }],
    },
    build: Factory::Static(&build),
};

/// Builds the placement from its checked parameters.
fn build(params: &Params, _context: &Context) -> Box<dyn Placement + Send> {
    let gpus = params.number("headroom_gpus").expect("headroom_gpus has a default");
    Box::new(Headroom {
        milli: (gpus.max(0.0) * f64::from(MILLI_PER_GPU)).round() as u64,
    })
}

/// Lowest node keeping `milli` milli-GPU free, else lowest node.
struct Headroom {
    milli: u64,
}

impl Placement for Headroom {
    fn place(&mut self, trial: &mut Trial<'_>, job: &Job) -> Option<Vec<TaskAlloc>> {
        let request = &job.spec.task;
        let keeps = request.gpu_milli() + self.milli;
        place_each(trial, job, |trial, _| {
            let nodes = (0..trial.cluster().nodes().len()).map(NodeId::from_index);
            let fit = |node| trial.fit(node, request, job.allowed_gpu_types);
            nodes
                .clone()
                .filter(|&node| trial.free_gpu_milli(node) >= keeps)
                .find_map(fit)
                .or_else(|| nodes.into_iter().find_map(fit))
        })
    }
}
