//! A world model: a maintenance window that takes the cluster's first node down at 50 s and
//! gives it back at 150 s, through an incident of its own. The engine does the rest: a job on
//! the node is interrupted and requeued, and the policy runs when capacity changes.

use sim_core::cluster::Cluster;
use sim_core::faults::{Cause, Component};
use sim_core::ids::NodeId;
use sim_core::model::{Effects, ModelCtx, ModelEvent, ModelPart, WorldModel};
use sim_core::observe::DownCause;
use sim_core::time::SimTime;

/// `maintenance`, registered by [`crate::registry`]; a scenario runs it with
/// `models = ["maintenance"]`.
pub const PART: ModelPart = ModelPart {
    name: "maintenance",
    doc: "takes the first node down for maintenance from 50 s to 150 s",
    build: |_cluster: &Cluster, _seed: u64| Box::new(Maintenance),
};

/// The window's node, start and length.
const NODE: NodeId = NodeId(0);
const AT: SimTime = SimTime::from_secs(50);
const LENGTH: SimTime = SimTime::from_secs(100);

/// Payloads of the model's two events.
const BEGIN: u64 = 0;
const END: u64 = 1;

/// The maintenance window.
pub struct Maintenance;

impl WorldModel for Maintenance {
    fn name(&self) -> &'static str {
        "maintenance"
    }

    fn start(&mut self, _ctx: &mut ModelCtx<'_>, effects: &mut Effects) {
        effects.schedule(AT, BEGIN, 0);
    }

    fn event(&mut self, ctx: &mut ModelCtx<'_>, event: ModelEvent, effects: &mut Effects) -> bool {
        if event.payload == BEGIN {
            let unit = ctx.cluster.node(NODE).name.clone();
            let incident = ctx.open_incident(Component::Node, unit, "maintenance", Cause::Scripted);
            effects.hold_node_down(NODE, DownCause::Reclaimed, incident);
            // The end carries the incident as its version.
            effects.schedule(ctx.now + LENGTH, END, incident);
        } else {
            ctx.end_incident(event.version);
            effects.release_node(NODE);
        }
        // Capacity changed: the policy runs.
        true
    }
}
