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

use rand::RngExt;

use super::domains::{Component, Domains};
use super::{Cause, CauseDomain, FailureCause};
use crate::cluster::Cluster;
use crate::ids::{JobId, NodeId};
use crate::math;
use crate::model::{Effect, Effects, EventKind, ModelCtx, ModelEvent, WorldModel};
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

/// The cause table of `[faults]`.
#[derive(Clone, Debug)]
pub struct CauseTable {
    causes: Vec<FailureCause>,
    domains: Domains,
    streams: Vec<Stream>,
    hits: Vec<Hit>,
    gpu_holds: Vec<u16>,
}

impl CauseTable {
    /// The causes of `causes` on `cluster`, drawing from streams of `seed`, or `None` when
    /// there are none.
    pub fn new(causes: Vec<FailureCause>, cluster: &Cluster, seed: u64) -> Option<CauseTable> {
        if causes.is_empty() {
            return None;
        }
        let domains = Domains::new(cluster, 1);
        Some(CauseTable {
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

    /// Schedules the next failure of cause `index` after `now` (none if its rate is zero or
    /// its domain empty).
    fn arm(&mut self, index: usize, now: SimTime, effects: &mut Effects) {
        let rate_per_s = self.causes[index].rate_per_unit_s * f64::from(self.units(self.causes[index].domain));
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
        let units = self.units(domain);
        let unit = self.streams[index].random_range(0..units);
        let repair = self.causes[index].repair.sample(&mut self.streams[index]);
        self.arm(index, ctx.now, effects);
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
        let table = CauseTable::new(vec![cause], &crate::cluster::tests::uniform(1, 1, 8), 1).unwrap();
        let event = |payload| ModelEvent { payload, version: 0 };
        assert_eq!(table.event_kind(event(FAILURE)), EventKind::Failure);
        assert_eq!(table.event_kind(event(REPAIR | 3)), EventKind::Repair);
    }
}
