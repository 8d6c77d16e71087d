//! A world model written outside sim-core, in one file, with one line to register it: proof
//! that the trait is enough for a researcher's own failure model. It schedules its own events
//! (a maintenance window and its end), takes a node down through an incident of its own, gives
//! it back, and watches job starts; the engine does the rest (the job on the node is
//! interrupted, requeued and restarted elsewhere).

mod common;

use std::convert::Infallible;

use common::FirstFit;

use sim_core::cluster::{Cluster, NodeSpec};
use sim_core::engine::{Engine, EngineConfig, World};
use sim_core::faults::{Cause, Component};
use sim_core::ids::{JobId, NodeId};
use sim_core::job::{JobSpec, JobState};
use sim_core::model::{Effects, ModelCtx, ModelEvent, WorldModel};
use sim_core::observe::DownCause;
use sim_core::resources::TaskRequest;
use sim_core::time::SimTime;

/// Takes `node` down for maintenance at `at`, for `length`.
struct Maintenance {
    node: NodeId,
    at: SimTime,
    length: SimTime,
    /// Jobs it saw start, in order.
    starts: Vec<JobId>,
}

/// Payloads of its two events.
const BEGIN: u64 = 0;
const END: u64 = 1;

impl WorldModel for Maintenance {
    fn name(&self) -> &'static str {
        "maintenance"
    }

    fn start(&mut self, _ctx: &mut ModelCtx<'_>, effects: &mut Effects) {
        effects.schedule(self.at, BEGIN, 0);
    }

    fn job_started(&mut self, _ctx: &mut ModelCtx<'_>, job: JobId, _effects: &mut Effects) {
        self.starts.push(job);
    }

    fn event(&mut self, ctx: &mut ModelCtx<'_>, event: ModelEvent, effects: &mut Effects) -> bool {
        if event.payload == BEGIN {
            let unit = ctx.cluster.node(self.node).name.clone();
            let incident = ctx.open_incident(Component::Node, unit, "maintenance", Cause::Scripted);
            effects.hold_node_down(self.node, DownCause::Reclaimed, incident);
            // The end carries the incident as its version.
            effects.schedule(ctx.now + self.length, END, incident);
        } else {
            ctx.end_incident(event.version);
            effects.release_node(self.node);
        }
        true
    }
}

fn node(name: &str) -> NodeSpec {
    NodeSpec {
        name: name.into(),
        rack: "r0".into(),
        gpus: 8,
        gpu_type: "A100".into(),
        cpu_milli: 64_000,
        mem_mib: 1 << 20,
    }
}

#[test]
fn a_model_in_one_file_takes_a_node_down_with_events_of_its_own() {
    let hour = SimTime::from_secs(3600);
    let cluster = Cluster::build(&[node("n0"), node("n1")]).unwrap();
    let maintenance = Maintenance {
        node: NodeId(0),
        at: hour,
        length: SimTime::from_secs(1800),
        starts: Vec::new(),
    };
    let mut world = World::from(cluster);
    // The registration line.
    world.models.push(Box::new(maintenance));
    // One 8-GPU job of 2 h from time 0: it starts on n0, loses its first hour (no checkpoint)
    // when n0 goes down at 1 h, returns to the queue at once and restarts on n1: it ends at 3 h.
    let gpus = TaskRequest::with_gpu_amount(8.0, 0, 0).unwrap();
    let jobs = [JobSpec::new("train", SimTime::ZERO, SimTime::from_secs(7200), 1, gpus)];
    let mut policy = FirstFit;
    let config = EngineConfig {
        sample_interval: None,
        ..Default::default()
    };
    let source = jobs.into_iter().map(Ok::<_, Infallible>);
    let outcome = Engine::new(world, source, &mut policy, config).unwrap().run().unwrap();

    let job = &outcome.jobs[0];
    assert_eq!(job.state, JobState::Completed);
    assert_eq!((job.interruptions, job.restarts), (1, 1));
    assert_eq!(job.end, Some(SimTime::from_secs(3 * 3600)));
    assert_eq!(job.alloc[0].node, NodeId(1));
    assert!((job.lost_gpu_s - 8.0 * 3600.0).abs() < 1e-6);

    let incident = &outcome.incidents[0];
    assert_eq!(outcome.incidents.len(), 1);
    assert_eq!((&*incident.kind, incident.unit.as_str()), ("maintenance", "n0"));
    assert_eq!((incident.at, incident.end), (hour, Some(SimTime::from_secs(5400))));
    assert_eq!(
        (incident.nodes_down, incident.jobs_killed, incident.jobs_requeued),
        (1, 1, 1)
    );
    assert_eq!(outcome.peak_down_nodes, 1);
    assert!(outcome.cluster.node(NodeId(0)).up);

    // The model's own state is there to read at the end (and in every view during the run).
    let model = outcome.model::<Maintenance>().expect("the model was registered");
    assert_eq!(model.starts, vec![JobId(0), JobId(0)]);
}
