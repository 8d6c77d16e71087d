//! Failures in the engine: random failure processes, scripted incidents, repairs, overloads,
//! the circuit breaker, and the incident log.
//!
//! Every failure opens an incident (a row of the log) and applies a [`Hit`]: what it took,
//! so that the repair gives exactly that back. Random failure processes draw only from their
//! own stream, in the order of their own events, so their times do not depend on the policy.

use std::collections::BTreeSet;

use rand::RngExt;

use super::{Event, State};
use crate::cluster::Cluster;
use crate::faults::domains::Domains;
use crate::faults::{Cause, Component, FaultsConfig, IncidentKind, IncidentRow, Target};
use crate::ids::{JobId, NodeId, RackId};
use crate::model::Signal;
use crate::observe::DownCause;
use crate::rng::{Stream, stream};

/// What an incident took, to give back when it ends.
#[derive(Clone, Debug)]
pub(super) struct Hit {
    component: Component,
    units: Vec<u32>,
    /// Why its nodes are down (node-level classes).
    down_cause: DownCause,
    /// The random process to re-arm after the repair.
    process: Option<u16>,
}

/// The failure state of a run.
pub(super) struct Faults {
    config: FaultsConfig,
    domains: Domains,
    /// One stream per random process (`faults.<component>`).
    streams: Vec<Stream>,
    /// Random targets of scripted incidents.
    incident_rng: Stream,
    gpu_holds: Vec<u16>,
    /// Per rack: failed leaf switches holding its nodes off the network.
    cut_holds: Vec<u16>,
    spine_holds: Vec<u16>,
    /// Per rack: failed cooling units.
    cooling_holds: Vec<u16>,
}

impl Faults {
    /// The failure state for `config` on `cluster`, or `None` when nothing can fail.
    pub(super) fn new(config: FaultsConfig, cluster: &Cluster, spines: u32) -> Option<Box<Faults>> {
        if !config.is_active() {
            return None;
        }
        let racks = cluster.racks().len();
        let domains = Domains::new(cluster, spines);
        let streams = config
            .random
            .iter()
            .map(|r| stream(config.seed, r.component.stream_name()))
            .collect();
        Some(Box::new(Faults {
            incident_rng: stream(config.seed, "faults.incidents"),
            gpu_holds: vec![0; domains.unit_count(Component::Gpu) as usize],
            cut_holds: vec![0; racks],
            spine_holds: vec![0; spines as usize],
            cooling_holds: vec![0; racks],
            streams,
            domains,
            config,
        }))
    }

    /// Distinct random units of `component`, `count` of them (all when there are fewer).
    fn draw_units(&mut self, component: Component, count: u32) -> Vec<u32> {
        let total = self.domains.unit_count(component);
        if count >= total {
            return (0..total).collect();
        }
        let mut chosen = BTreeSet::new();
        while chosen.len() < count as usize {
            chosen.insert(self.incident_rng.random_range(0..total));
        }
        chosen.into_iter().collect()
    }
}

impl State {
    /// Queues the first failure of every unit of every random process and every scripted
    /// incident.
    pub(super) fn schedule_faults(&mut self) {
        let Some(faults) = &mut self.faults else {
            return;
        };
        for (process, random) in faults.config.random.iter().enumerate() {
            let rng = &mut faults.streams[process];
            for unit in 0..faults.domains.unit_count(random.component) {
                let at = random.lifetime.sample(rng);
                self.queue.push(
                    at,
                    Event::Failure {
                        process: process as u16,
                        unit,
                    },
                );
            }
        }
        for (index, incident) in faults.config.incidents.iter().enumerate() {
            self.queue.push(incident.at, Event::Incident { index: index as u32 });
        }
    }

    /// A unit of a random process fails; its repair is drawn from the same stream.
    pub(super) fn random_failure(&mut self, process: u16, unit: u32) {
        let faults = self.faults.as_mut().expect("failure events come from a fault model");
        let random = faults.config.random[process as usize].clone();
        let repair = random.repair.sample(&mut faults.streams[process as usize]);
        let hit = Hit {
            component: random.component,
            units: vec![unit],
            down_cause: DownCause::Failure,
            process: Some(process),
        };
        let incident = self.open_incident(hit, random.component.failure_name(), Cause::Random);
        self.queue.push(self.now + repair, Event::Repair { incident });
        self.apply_hit(incident);
    }

    /// A scripted incident happens.
    pub(super) fn scripted_incident(&mut self, index: u32) {
        let faults = self.faults.as_mut().expect("incident events come from a fault model");
        let incident = faults.config.incidents[index as usize].clone();
        let component = incident.kind.component();
        let units = match incident.target {
            Target::Units(units) => units,
            Target::Random(count) => faults.draw_units(component, count),
        };
        let down_cause = match incident.kind {
            IncidentKind::SpotReclaim => DownCause::Reclaimed,
            IncidentKind::Failure(Component::Pdu) => DownCause::Power,
            IncidentKind::Failure(_) => DownCause::Failure,
        };
        let hit = Hit {
            component,
            units,
            down_cause,
            process: None,
        };
        let id = self.open_incident(hit, incident.kind.name(), Cause::Scripted);
        if let Some(duration) = incident.duration {
            self.queue.push(self.now + duration, Event::Repair { incident: id });
        }
        self.apply_hit(id);
    }

    /// An incident ends: its units come back; a random process draws its unit's next failure.
    pub(super) fn repair(&mut self, incident: u32) {
        let hit = self.hits[&incident].clone();
        self.incidents[incident as usize].end = Some(self.now);
        match hit.component {
            Component::Node => {
                for &unit in &hit.units {
                    self.release_node(NodeId(unit));
                }
            }
            Component::Pdu => {
                for &rack in &hit.units {
                    for node in self.cluster.racks()[rack as usize].nodes.clone() {
                        self.release_node(node);
                    }
                }
            }
            Component::Gpu => {
                for &unit in &hit.units {
                    self.repair_gpu(unit);
                }
            }
            Component::Tor => {
                for &rack in &hit.units {
                    self.reconnect_rack(RackId(rack));
                }
            }
            Component::Spine => self.set_spines(&hit.units, false),
            Component::Cooling => {
                for &rack in &hit.units {
                    self.restore_cooling(RackId(rack));
                }
            }
        }
        if let (Some(process), Some(faults)) = (hit.process, self.faults.as_mut()) {
            let lifetime = faults.config.random[process as usize].lifetime;
            let next = lifetime.sample(&mut faults.streams[process as usize]);
            let unit = hit.units[0];
            self.queue.push(self.now + next, Event::Failure { process, unit });
        }
    }

    /// A held job's wait is over: it returns to the queue (unless the breaker holds it).
    pub(super) fn requeue_due(&mut self, job: JobId) -> bool {
        if self.jobs[job].state != crate::job::JobState::Held {
            return false;
        }
        self.requeue(job);
        true
    }

    /// Logs a new incident and returns its index.
    fn open_incident(&mut self, hit: Hit, kind: &'static str, cause: Cause) -> u32 {
        let unit = match &self.faults {
            Some(faults) => hit
                .units
                .iter()
                .map(|&u| faults.domains.unit_name(&self.cluster, hit.component, u))
                .collect::<Vec<_>>()
                .join("+"),
            None => hit
                .units
                .iter()
                .map(|&u| self.cluster.node(NodeId(u)).name.as_str())
                .collect::<Vec<_>>()
                .join("+"),
        };
        self.incidents.push(IncidentRow {
            at: self.now,
            component: hit.component.name(),
            unit,
            kind,
            cause,
            nodes_down: 0,
            jobs_killed: 0,
            jobs_requeued: 0,
            jobs_failed: 0,
            end: None,
        });
        let incident = (self.incidents.len() - 1) as u32;
        self.hits.insert(incident, hit);
        incident
    }

    /// Applies what an incident takes.
    fn apply_hit(&mut self, incident: u32) {
        let hit = self.hits[&incident].clone();
        match hit.component {
            Component::Node => {
                for &unit in &hit.units {
                    self.hold_node_down(NodeId(unit), hit.down_cause, incident);
                }
            }
            Component::Pdu => {
                for &rack in &hit.units {
                    for node in self.cluster.racks()[rack as usize].nodes.clone() {
                        self.hold_node_down(node, hit.down_cause, incident);
                    }
                }
            }
            Component::Gpu => {
                for &unit in &hit.units {
                    self.fail_gpu(unit, incident);
                }
            }
            Component::Tor => {
                for &rack in &hit.units {
                    self.cut_rack(RackId(rack), incident);
                }
            }
            Component::Spine => self.set_spines(&hit.units, true),
            Component::Cooling => {
                for &rack in &hit.units {
                    self.fail_cooling(RackId(rack), incident);
                }
            }
        }
    }

    fn faults_mut(&mut self) -> &mut Faults {
        self.faults
            .as_mut()
            .expect("component failures come from a fault model")
    }

    /// A GPU fails: the job using it dies, the device leaves the healthy capacity.
    fn fail_gpu(&mut self, unit: u32, incident: u32) {
        let faults = self.faults_mut();
        faults.gpu_holds[unit as usize] += 1;
        if faults.gpu_holds[unit as usize] > 1 {
            return;
        }
        let (node, device) = faults.domains.gpu(unit);
        self.gpu_down(node, device, incident);
    }

    fn repair_gpu(&mut self, unit: u32) {
        let faults = self.faults_mut();
        let holds = &mut faults.gpu_holds[unit as usize];
        *holds = holds.saturating_sub(1);
        if *holds == 0 {
            let (node, device) = faults.domains.gpu(unit);
            self.gpu_up(node, device);
        }
    }

    /// A rack's leaf switch fails: every job spanning several nodes with a task in the rack
    /// dies; jobs inside one node go on; nothing new is placed in the rack until repair.
    fn cut_rack(&mut self, rack: RackId, incident: u32) {
        let faults = self.faults_mut();
        faults.cut_holds[rack.index()] += 1;
        if faults.cut_holds[rack.index()] > 1 {
            return;
        }
        let cluster = &self.cluster;
        let victims: Vec<JobId> = self
            .running
            .iter()
            .copied()
            .filter(|j| {
                let alloc = &self.jobs[*j].alloc;
                let multi_node = alloc.iter().any(|t| t.node != alloc[0].node);
                multi_node && alloc.iter().any(|t| cluster.node(t.node).rack == rack)
            })
            .collect();
        for job in victims {
            self.kill(job, incident);
        }
        for node in self.cluster.racks()[rack.index()].nodes.clone() {
            self.cluster.set_node_reachable(node, false);
        }
    }

    fn reconnect_rack(&mut self, rack: RackId) {
        let faults = self.faults_mut();
        let holds = &mut faults.cut_holds[rack.index()];
        *holds = holds.saturating_sub(1);
        if *holds == 0 {
            for node in self.cluster.racks()[rack.index()].nodes.clone() {
                self.cluster.set_node_reachable(node, true);
            }
        }
    }

    /// Spine switches fail (`failed`) or come back: every uplink keeps the share of the working ones.
    fn set_spines(&mut self, units: &[u32], failed: bool) {
        let faults = self.faults_mut();
        for &unit in units {
            let holds = &mut faults.spine_holds[unit as usize];
            *holds = if failed { *holds + 1 } else { holds.saturating_sub(1) };
        }
        let working = faults.spine_holds.iter().filter(|&&h| h == 0).count() as u32;
        self.notify(None, |m, ctx, effects| {
            m.signal(ctx, Signal::WorkingSpines(working), effects)
        });
    }

    /// A rack's cooling unit fails: its cooling capacity drops to 0 and physics takes over.
    fn fail_cooling(&mut self, rack: RackId, incident: u32) {
        let faults = self.faults_mut();
        let holds = &mut faults.cooling_holds[rack.index()];
        *holds += 1;
        if *holds == 1 {
            let signal = Signal::CoolingFailed { rack, incident };
            self.notify(None, |m, ctx, effects| m.signal(ctx, signal, effects));
        }
    }

    fn restore_cooling(&mut self, rack: RackId) {
        let faults = self.faults_mut();
        let holds = &mut faults.cooling_holds[rack.index()];
        *holds = holds.saturating_sub(1);
        if *holds == 0 {
            let signal = Signal::CoolingRestored { rack };
            self.notify(None, |m, ctx, effects| m.signal(ctx, signal, effects));
        }
    }
}
