//! Random failure processes, scripted incidents and their repairs, as a world model.
//!
//! Every failure opens an incident (a row of the log) and applies a `Hit`: what it took,
//! so that the repair gives exactly that back. Random failure processes draw only from their
//! own stream, in the order of their own events, so their times do not depend on the policy.
//!
//! A unit may be held failed by several incidents at once (a spine failed twice, a GPU in a
//! failed node): it fails with the first and comes back with the last. Nodes are held by the
//! engine, which counts the holds of every model; devices, leaf switches, spines and cooling
//! units are held here.

use std::collections::BTreeSet;

use rand::RngExt;

use super::domains::Domains;
use super::{Cause, Component, FaultsConfig, IncidentKind, Target};
use crate::cluster::Cluster;
use crate::ids::{NodeId, RackId};
use crate::model::{Effect, Effects, EventKind, ModelCtx, ModelEvent, Signal, WorldModel};
use crate::observe::DownCause;
use crate::rng::{Stream, stream};
use crate::time::SimTime;

use super::sampler::to_time;

/// Event kinds, in the payload's top bits; the low bits carry the kind's fields.
const FAILURE: u64 = 0;
/// A scripted incident: its index in the scenario's order.
const INCIDENT: u64 = 1 << 48;
/// The end of a hit: its index in [`Failures::hits`].
const REPAIR: u64 = 2 << 48;
/// The fields below the kind.
const FIELDS: u64 = (1 << 48) - 1;

/// What an incident took, to give back when it ends.
#[derive(Clone, Debug)]
struct Hit {
    /// The incident's number in the log (set when it is opened).
    incident: u32,
    component: Component,
    units: Vec<u32>,
    /// Why its nodes are down (node-level classes).
    down_cause: DownCause,
    /// The random process to re-arm after the repair.
    process: Option<u16>,
}

/// The random failures and scripted incidents of `[faults]`.
#[derive(Clone, Debug)]
pub struct Failures {
    config: FaultsConfig,
    domains: Domains,
    /// One stream per random process (`faults.<component>`).
    streams: Vec<Stream>,
    /// Random targets of scripted incidents.
    incident_rng: Stream,
    /// Every hit so far, by number.
    hits: Vec<Hit>,
    gpu_holds: Vec<u16>,
    /// Per rack: failed leaf switches holding its nodes off the network.
    cut_holds: Vec<u16>,
    spine_holds: Vec<u16>,
    /// Per rack: failed cooling units.
    cooling_holds: Vec<u16>,
    /// Per node: its failure-rate multiplier ([`super::rates`]), dividing the lifetimes of the
    /// node and its GPUs; `None`: all 1.
    multipliers: Option<Vec<f64>>,
    /// Per node (with multipliers): its multiplier now, lowered when a lemon is fixed; a
    /// failure drawn on it happens with probability now ÷ drawn multiplier.
    now: Vec<f64>,
}

impl Failures {
    /// The failure processes and incidents of `config` on `cluster` with `spines` spine
    /// switches, or `None` when it has neither. `multipliers` (one per node) scale the failure
    /// rates of each node and its GPUs: their lifetimes are divided by them.
    pub fn new(
        config: FaultsConfig,
        cluster: &Cluster,
        spines: u32,
        multipliers: Option<Vec<f64>>,
    ) -> Option<Failures> {
        if config.random.is_empty() && config.incidents.is_empty() {
            return None;
        }
        let racks = cluster.racks().len();
        let domains = Domains::new(cluster, spines);
        let streams = config
            .random
            .iter()
            .map(|r| stream(config.seed, r.component.stream_name()))
            .collect();
        Some(Failures {
            incident_rng: stream(config.seed, "faults.incidents"),
            hits: Vec::new(),
            gpu_holds: vec![0; domains.unit_count(Component::Gpu) as usize],
            cut_holds: vec![0; racks],
            spine_holds: vec![0; spines as usize],
            cooling_holds: vec![0; racks],
            now: multipliers.clone().unwrap_or_default(),
            multipliers,
            streams,
            domains,
            config,
        })
    }

    /// The next lifetime of `unit` of random process `process`, drawn from its stream: divided
    /// by the unit's node's rate multiplier for nodes and GPUs.
    fn lifetime(&mut self, process: u16, unit: u32) -> SimTime {
        let node = self.rated_node(self.config.random[process as usize].component, unit);
        let random = &self.config.random[process as usize];
        let rng = &mut self.streams[process as usize];
        match (node, &self.multipliers) {
            (Some(node), Some(m)) => to_time(random.lifetime.sample_s(rng) / m[node]),
            _ => random.lifetime.sample(rng),
        }
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

    /// The node of `unit` of `component` whose multiplier scales its failures, if any.
    fn rated_node(&self, component: Component, unit: u32) -> Option<usize> {
        self.multipliers.as_ref()?;
        match component {
            Component::Node => Some(unit as usize),
            Component::Gpu => Some(self.domains.gpu(unit).0.index()),
            _ => None,
        }
    }

    /// A unit of a random process fails; its repair is drawn from the same stream. A failure
    /// of a unit whose node's multiplier fell is thinned (one more uniform): skipped with
    /// probability 1 − now ÷ drawn multiplier, the unit's next failure drawn instead (exact for
    /// exponential lifetimes, an approximation for Weibull ones).
    fn random_failure(&mut self, ctx: &mut ModelCtx<'_>, process: u16, unit: u32, effects: &mut Effects) {
        let component = self.config.random[process as usize].component;
        if let (Some(node), Some(drawn)) = (self.rated_node(component, unit), &self.multipliers) {
            let keep = self.now[node] / drawn[node];
            if keep < 1.0 && self.streams[process as usize].random::<f64>() >= keep {
                let next = self.lifetime(process, unit);
                effects.schedule(ctx.now + next, failure(process, unit), 0);
                return;
            }
        }
        let random = &self.config.random[process as usize];
        let component = random.component;
        let repair = random.repair.sample(&mut self.streams[process as usize]);
        let hit = Hit {
            incident: 0,
            component,
            units: vec![unit],
            down_cause: DownCause::Failure,
            process: Some(process),
        };
        let hit = self.open(ctx, component.failure_name(), Cause::Random, hit);
        effects.schedule(ctx.now + repair, REPAIR | hit as u64, 0);
        self.apply_hit(ctx, hit, effects);
    }

    /// A scripted incident happens.
    fn scripted_incident(&mut self, ctx: &mut ModelCtx<'_>, index: u32, effects: &mut Effects) {
        let incident = self.config.incidents[index as usize].clone();
        let component = incident.kind.component();
        let units = match incident.target {
            Target::Units(units) => units,
            Target::Random(count) => self.draw_units(component, count),
        };
        let down_cause = match incident.kind {
            IncidentKind::SpotReclaim => DownCause::Reclaimed,
            IncidentKind::Failure(Component::Pdu) => DownCause::Power,
            IncidentKind::Failure(_) => DownCause::Failure,
        };
        let hit = Hit {
            incident: 0,
            component,
            units,
            down_cause,
            process: None,
        };
        let hit = self.open(ctx, incident.kind.name(), Cause::Scripted, hit);
        if let Some(duration) = incident.duration {
            effects.schedule(ctx.now + duration, REPAIR | hit as u64, 0);
        }
        self.apply_hit(ctx, hit, effects);
    }

    /// Logs a new incident of `kind` for what `units` of `component` name, and keeps what it
    /// takes as a new hit; returns the hit's number.
    fn open(&mut self, ctx: &mut ModelCtx<'_>, kind: &'static str, cause: Cause, mut hit: Hit) -> usize {
        let unit = hit
            .units
            .iter()
            .map(|&u| self.domains.unit_name(ctx.cluster, hit.component, u))
            .collect::<Vec<_>>()
            .join("+");
        hit.incident = ctx.open_incident(hit.component, unit, kind, cause);
        self.hits.push(hit);
        self.hits.len() - 1
    }

    /// Applies what hit `hit` takes.
    fn apply_hit(&mut self, ctx: &ModelCtx<'_>, hit: usize, effects: &mut Effects) {
        let Hit {
            incident,
            component,
            ref units,
            down_cause,
            ..
        } = self.hits[hit];
        match component {
            Component::Node => {
                for &unit in units {
                    effects.hold_node_down(NodeId(unit), down_cause, incident);
                }
            }
            Component::Pdu => {
                for &rack in units {
                    for &node in &ctx.cluster.racks()[rack as usize].nodes {
                        effects.hold_node_down(node, down_cause, incident);
                    }
                }
            }
            Component::Gpu => {
                for &unit in units {
                    self.gpu_holds[unit as usize] += 1;
                    if self.gpu_holds[unit as usize] == 1 {
                        let (node, device) = self.domains.gpu(unit);
                        effects.push(Effect::FailGpu { node, device, incident });
                    }
                }
            }
            Component::Tor => {
                for &rack in units {
                    self.cut_holds[rack as usize] += 1;
                    if self.cut_holds[rack as usize] == 1 {
                        cut_rack(ctx, RackId(rack), incident, effects);
                    }
                }
            }
            Component::Spine => {
                for &unit in units {
                    self.spine_holds[unit as usize] += 1;
                }
                effects.signal(Signal::WorkingSpines(self.working_spines()));
            }
            Component::Cooling => {
                for &rack in units {
                    self.cooling_holds[rack as usize] += 1;
                    if self.cooling_holds[rack as usize] == 1 {
                        effects.signal(Signal::CoolingFailed {
                            rack: RackId(rack),
                            incident,
                        });
                    }
                }
            }
        }
    }

    /// A hit ends: its units come back; a random process draws its unit's next failure.
    fn repair(&mut self, ctx: &mut ModelCtx<'_>, hit: usize, effects: &mut Effects) {
        let Hit {
            incident,
            component,
            ref units,
            process,
            ..
        } = self.hits[hit];
        ctx.end_incident(incident);
        match component {
            Component::Node => {
                for &unit in units {
                    effects.release_node(NodeId(unit));
                }
            }
            Component::Pdu => {
                for &rack in units {
                    for &node in &ctx.cluster.racks()[rack as usize].nodes {
                        effects.release_node(node);
                    }
                }
            }
            Component::Gpu => {
                for &unit in units {
                    let holds = &mut self.gpu_holds[unit as usize];
                    *holds = holds.saturating_sub(1);
                    if *holds == 0 {
                        let (node, device) = self.domains.gpu(unit);
                        effects.push(Effect::RepairGpu { node, device });
                    }
                }
            }
            Component::Tor => {
                for &rack in units {
                    let holds = &mut self.cut_holds[rack as usize];
                    *holds = holds.saturating_sub(1);
                    if *holds == 0 {
                        for &node in &ctx.cluster.racks()[rack as usize].nodes {
                            effects.push(Effect::SetReachable { node, reachable: true });
                        }
                    }
                }
            }
            Component::Spine => {
                for &unit in units {
                    let holds = &mut self.spine_holds[unit as usize];
                    *holds = holds.saturating_sub(1);
                }
                effects.signal(Signal::WorkingSpines(self.working_spines()));
            }
            Component::Cooling => {
                for &rack in units {
                    let holds = &mut self.cooling_holds[rack as usize];
                    *holds = holds.saturating_sub(1);
                    if *holds == 0 {
                        effects.signal(Signal::CoolingRestored { rack: RackId(rack) });
                    }
                }
            }
        }
        if let Some(process) = process {
            let unit = units[0];
            let next = self.lifetime(process, unit);
            effects.schedule(ctx.now + next, failure(process, unit), 0);
        }
    }

    /// Spine switches not held failed.
    fn working_spines(&self) -> u32 {
        self.spine_holds.iter().filter(|&&h| h == 0).count() as u32
    }
}

/// The payload of a failure of `unit` of random process `process`.
fn failure(process: u16, unit: u32) -> u64 {
    FAILURE | u64::from(process) << 32 | u64::from(unit)
}

/// A rack's leaf switch fails: every job spanning several nodes with a task in the rack dies;
/// jobs inside one node go on; nothing new is placed in the rack until repair.
fn cut_rack(ctx: &ModelCtx<'_>, rack: RackId, incident: u32, effects: &mut Effects) {
    let cluster = ctx.cluster;
    for &job in ctx.running {
        let alloc = &ctx.jobs[job].alloc;
        let multi_node = alloc.iter().any(|t| t.node != alloc[0].node);
        if multi_node && alloc.iter().any(|t| cluster.node(t.node).rack == rack) {
            // A job also cut by an earlier rack of the same incident is no longer running when
            // this kill comes: the engine leaves it alone.
            effects.kill(job, incident);
        }
    }
    for &node in &cluster.racks()[rack.index()].nodes {
        effects.push(Effect::SetReachable { node, reachable: false });
    }
}

impl WorldModel for Failures {
    fn name(&self) -> &'static str {
        "failures"
    }

    fn event_kind(&self, event: ModelEvent) -> EventKind {
        match event.payload & !FIELDS {
            FAILURE => EventKind::Failure,
            INCIDENT => EventKind::Incident,
            _ => EventKind::Repair,
        }
    }

    /// Queues the first failure of every unit of every random process and every scripted
    /// incident.
    fn start(&mut self, _ctx: &mut ModelCtx<'_>, effects: &mut Effects) {
        for process in 0..self.config.random.len() {
            for unit in 0..self.domains.unit_count(self.config.random[process].component) {
                let at = self.lifetime(process as u16, unit);
                effects.schedule(at, failure(process as u16, unit), 0);
            }
        }
        for (index, incident) in self.config.incidents.iter().enumerate() {
            effects.schedule(incident.at, INCIDENT | index as u64, 0);
        }
    }

    /// A node's multiplier fell: its failures are thinned from now on.
    fn signal(&mut self, _ctx: &mut ModelCtx<'_>, signal: Signal, _effects: &mut Effects) {
        if let (Signal::NodeRate { node, multiplier }, Some(drawn)) = (signal, &self.multipliers) {
            self.now[node.index()] = multiplier.min(drawn[node.index()]);
        }
    }

    fn event(&mut self, ctx: &mut ModelCtx<'_>, event: ModelEvent, effects: &mut Effects) -> bool {
        let fields = event.payload & FIELDS;
        match event.payload & !FIELDS {
            FAILURE => self.random_failure(ctx, (fields >> 32) as u16, fields as u32, effects),
            INCIDENT => self.scripted_incident(ctx, fields as u32, effects),
            _ => self.repair(ctx, fields as usize, effects),
        }
        true
    }
}
