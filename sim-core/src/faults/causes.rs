//! A cause table as a world model: failures by cause (faulty GPU, HBM error, software bug,
//! host maintenance, …), each with its domain, its rate per unit and its repair time, so that
//! a published breakdown can be entered as data (`[[faults.causes]]`, docs/training.md).
//!
//! Every unit of a cause's domain fails at the cause's constant rate, whatever its state (a
//! failed unit can fail again: the holds are counted), so the failures of one cause over its
//! whole domain are one Poisson process of rate `rate × units`, drawn as such: one event per
//! failure, however many units the cluster has, and the unit drawn uniformly. Each cause draws
//! from its own stream (`faults.cause.<name>`), in the order of its own events, so the same
//! seed gives the same failures under every policy.
//!
//! With per-node rate multipliers ([`super::rates`]) a node, and each of its GPUs, fails at the
//! cause's rate times its node's multiplier: the cause's process has rate `rate × Σ m` over its
//! domain, and the unit struck is drawn in proportion to its multiplier (one uniform, as
//! without multipliers). Job-only causes keep a uniform draw: software strikes every node alike.
//! When a node's multiplier falls (a lemon fixed, [`Signal::NodeRate`]), its failures are
//! thinned: one drawn on it strikes with probability new ÷ drawn multiplier (one more uniform),
//! which keeps the process exactly Poisson at the new rates.

use rand::RngExt;

use super::domains::{Component, Domains};
use super::{Cause, CauseDomain, FailureCause};
use crate::cluster::Cluster;
use crate::ids::{JobId, NodeId};
use crate::math;
use crate::model::{Effect, Effects, EventKind, ModelCtx, ModelEvent, Signal, WorldModel};
use crate::observe::DownCause;
use crate::rng::{Stream, stream};
use crate::time::SimTime;

/// Event kinds, in the payload's top bits: a failure of cause `fields`, or the repair of hit
/// `fields`.
const FAILURE: u64 = 0;
const REPAIR: u64 = 1 << 48;
/// The fields below the kind.
const FIELDS: u64 = (1 << 48) - 1;

/// A failed unit waiting for its repair.
#[derive(Clone, Copy, Debug)]
struct Hit {
    domain: CauseDomain,
    unit: u32,
    incident: u32,
}

/// Failure-rate multipliers of the units of the hardware domains.
#[derive(Clone, Debug)]
struct Weights {
    /// Per node: the multiplier the draws use.
    drawn: Vec<f64>,
    /// Per node: its multiplier now (at most the drawn one).
    now: Vec<f64>,
    /// Per node: the multipliers of nodes 0 to it, summed.
    nodes: Vec<f64>,
    /// Per GPU unit: the multipliers of GPUs 0 to it (each its node's), summed.
    gpus: Vec<f64>,
}

impl Weights {
    /// The cumulative multipliers of a hardware domain's units (`None` for the job domain).
    fn of(&self, domain: CauseDomain) -> Option<&[f64]> {
        match domain {
            CauseDomain::Gpu => Some(&self.gpus),
            CauseDomain::Node => Some(&self.nodes),
            CauseDomain::Job => None,
        }
    }
}

/// The unit whose cumulative weight interval holds `x` (`0 ≤ x < total`).
fn weighted_unit(cumulative: &[f64], x: f64) -> u32 {
    cumulative.partition_point(|&c| c <= x).min(cumulative.len() - 1) as u32
}

/// Running sums of `weights`.
fn running_sums(weights: impl Iterator<Item = f64>) -> Vec<f64> {
    weights
        .scan(0.0, |sum, w| {
            *sum += w;
            Some(*sum)
        })
        .collect()
}

/// The cause table of `[faults]`.
#[derive(Clone, Debug)]
pub struct CauseTable {
    causes: Vec<FailureCause>,
    domains: Domains,
    streams: Vec<Stream>,
    hits: Vec<Hit>,
    gpu_holds: Vec<u16>,
    /// Per-node rate multipliers, if the fleet has them.
    weights: Option<Weights>,
}

impl CauseTable {
    /// The causes of `causes` on `cluster`, drawing from streams of `seed`, or `None` when
    /// there are none. `multipliers` (one per node) scale the rates of each node and its GPUs.
    pub fn new(
        causes: Vec<FailureCause>,
        cluster: &Cluster,
        seed: u64,
        multipliers: Option<&[f64]>,
    ) -> Option<CauseTable> {
        if causes.is_empty() {
            return None;
        }
        let domains = Domains::new(cluster, 1);
        let weights = multipliers.map(|m| Weights {
            drawn: m.to_vec(),
            now: m.to_vec(),
            nodes: running_sums(m.iter().copied()),
            gpus: running_sums((0..domains.unit_count(Component::Gpu)).map(|unit| m[domains.gpu(unit).0.index()])),
        });
        Some(CauseTable {
            weights,
            streams: causes
                .iter()
                .map(|c| stream(seed, &format!("faults.cause.{}", c.name)))
                .collect(),
            gpu_holds: vec![0; domains.unit_count(Component::Gpu) as usize],
            hits: Vec::new(),
            domains,
            causes,
        })
    }

    /// Units of a domain: GPUs for `gpu` and `job` (a job-only cause strikes per GPU of the
    /// job), nodes for `node`.
    fn units(&self, domain: CauseDomain) -> u32 {
        match domain {
            CauseDomain::Gpu | CauseDomain::Job => self.domains.unit_count(Component::Gpu),
            CauseDomain::Node => self.domains.unit_count(Component::Node),
        }
    }

    /// The domain's units weighted by their multipliers: its count, or the multipliers' sum.
    fn exposure(&self, domain: CauseDomain) -> f64 {
        match self.weights.as_ref().and_then(|w| w.of(domain)) {
            Some(cumulative) => cumulative.last().copied().unwrap_or(0.0),
            None => f64::from(self.units(domain)),
        }
    }

    /// Schedules the next failure of cause `index` after `now` (none if its rate is zero or
    /// its domain empty).
    fn arm(&mut self, index: usize, now: SimTime, effects: &mut Effects) {
        let rate_per_s = self.causes[index].rate_per_unit_s * self.exposure(self.causes[index].domain);
        if rate_per_s <= 0.0 {
            return;
        }
        let gap_s = math::exponential(&mut self.streams[index], 1.0 / rate_per_s);
        let gap = SimTime(((gap_s * 1e6).ceil() as u64).max(1));
        effects.schedule(now.saturating_add(gap), FAILURE | index as u64, 0);
    }

    /// Cause `index` strikes a unit drawn at random; its next failure is armed.
    fn fail(&mut self, ctx: &mut ModelCtx<'_>, index: usize, effects: &mut Effects) {
        let domain = self.causes[index].domain;
        let unit = match self.weights.as_ref().and_then(|w| w.of(domain)) {
            Some(cumulative) => {
                let total = cumulative[cumulative.len() - 1];
                weighted_unit(cumulative, self.streams[index].random::<f64>() * total)
            }
            None => {
                let units = self.units(domain);
                self.streams[index].random_range(0..units)
            }
        };
        let repair = self.causes[index].repair.sample(&mut self.streams[index]);
        self.arm(index, ctx.now, effects);
        if self.thinned(index, domain, unit) {
            return;
        }
        let cause = if self.causes[index].planned {
            Cause::Planned
        } else {
            Cause::Random
        };
        let name = self.causes[index].name.clone();
        match domain {
            CauseDomain::Job => {
                let (node, device) = self.domains.gpu(unit);
                if let Some(job) = job_on(ctx, node, device) {
                    let gpu = self.domains.unit_name(ctx.cluster, Component::Gpu, unit);
                    let incident = ctx.open_incident_named("job", gpu, name, cause);
                    effects.kill(job, incident);
                    ctx.end_incident(incident);
                }
            }
            CauseDomain::Gpu => {
                let gpu = self.domains.unit_name(ctx.cluster, Component::Gpu, unit);
                let incident = ctx.open_incident(Component::Gpu, gpu, name, cause);
                self.gpu_holds[unit as usize] += 1;
                if self.gpu_holds[unit as usize] == 1 {
                    let (node, device) = self.domains.gpu(unit);
                    effects.push(Effect::FailGpu { node, device, incident });
                }
                self.hit(ctx.now + repair, Hit { domain, unit, incident }, effects);
            }
            CauseDomain::Node => {
                let node = self.domains.unit_name(ctx.cluster, Component::Node, unit);
                let incident = ctx.open_incident(Component::Node, node, name, cause);
                effects.hold_node_down(NodeId(unit), DownCause::Failure, incident);
                self.hit(ctx.now + repair, Hit { domain, unit, incident }, effects);
            }
        }
    }

    /// Whether a failure of cause `index` drawn on `unit` of `domain` is thinned away: its node's
    /// multiplier fell below the one the draw used, and a uniform says so.
    fn thinned(&mut self, index: usize, domain: CauseDomain, unit: u32) -> bool {
        let Some(weights) = &self.weights else {
            return false;
        };
        let node = match domain {
            CauseDomain::Node => unit as usize,
            CauseDomain::Gpu => self.domains.gpu(unit).0.index(),
            CauseDomain::Job => return false,
        };
        let keep = weights.now[node] / weights.drawn[node];
        keep < 1.0 && self.streams[index].random::<f64>() >= keep
    }

    /// Keeps `hit` until its repair at `at`.
    fn hit(&mut self, at: SimTime, hit: Hit, effects: &mut Effects) {
        self.hits.push(hit);
        effects.schedule(at, REPAIR | (self.hits.len() - 1) as u64, 0);
    }

    /// A failed unit is repaired.
    fn repair(&mut self, ctx: &mut ModelCtx<'_>, hit: usize, effects: &mut Effects) {
        let Hit { domain, unit, incident } = self.hits[hit];
        ctx.end_incident(incident);
        match domain {
            CauseDomain::Gpu => {
                let holds = &mut self.gpu_holds[unit as usize];
                *holds = holds.saturating_sub(1);
                if *holds == 0 {
                    let (node, device) = self.domains.gpu(unit);
                    effects.push(Effect::RepairGpu { node, device });
                }
            }
            CauseDomain::Node => effects.release_node(NodeId(unit)),
            CauseDomain::Job => {}
        }
    }
}

/// The running job using device `device` of `node`, if any.
fn job_on(ctx: &ModelCtx<'_>, node: NodeId, device: u32) -> Option<JobId> {
    ctx.running.iter().copied().find(|&job| {
        ctx.jobs[job]
            .alloc
            .iter()
            .any(|t| t.node == node && t.gpu_mask & (1 << device) != 0)
    })
}

impl WorldModel for CauseTable {
    fn name(&self) -> &'static str {
        "causes"
    }

    fn event_kind(&self, event: ModelEvent) -> EventKind {
        if event.payload & !FIELDS == FAILURE {
            EventKind::Failure
        } else {
            EventKind::Repair
        }
    }

    /// Arms the first failure of every cause.
    fn start(&mut self, ctx: &mut ModelCtx<'_>, effects: &mut Effects) {
        for index in 0..self.causes.len() {
            self.arm(index, ctx.now, effects);
        }
    }

    /// A node's multiplier fell: its failures are thinned from now on.
    fn signal(&mut self, _ctx: &mut ModelCtx<'_>, signal: Signal, _effects: &mut Effects) {
        if let (Signal::NodeRate { node, multiplier }, Some(weights)) = (signal, &mut self.weights) {
            weights.now[node.index()] = multiplier.min(weights.drawn[node.index()]);
        }
    }

    fn event(&mut self, ctx: &mut ModelCtx<'_>, event: ModelEvent, effects: &mut Effects) -> bool {
        let fields = (event.payload & FIELDS) as usize;
        if event.payload & !FIELDS == FAILURE {
            self.fail(ctx, fields, effects);
        } else {
            self.repair(ctx, fields, effects);
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::faults::RepairTime;

    #[test]
    fn the_guard_counts_its_failures_and_repairs_as_such() {
        // A failure event carries the cause's index under FAILURE, a repair the hit's index
        // under REPAIR: the progress guard must see a failure and a repair, not wake-ups.
        let cause = FailureCause {
            name: "faulty GPU".into(),
            domain: CauseDomain::Gpu,
            rate_per_unit_s: 1e-6,
            repair: RepairTime::Fixed(SimTime::from_secs(60)),
            planned: false,
        };
        let table = CauseTable::new(vec![cause], &crate::cluster::tests::uniform(1, 1, 8), 1, None).unwrap();
        let event = |payload| ModelEvent { payload, version: 0 };
        assert_eq!(table.event_kind(event(FAILURE)), EventKind::Failure);
        assert_eq!(table.event_kind(event(REPAIR | 3)), EventKind::Repair);
    }
}
