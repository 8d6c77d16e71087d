//! The physical world around the cluster: network, power and heat, and how they set job speeds.
//!
//! [`Physics`] is a world model ([`crate::model`]): the engine tells it when a job starts or
//! stops and when a node goes down or up, and it answers with effects: new speed factors for the
//! jobs affected, thermal checks (its own events) and thermal shutdowns (incidents of its own,
//! repaired after the thermal recovery time). It hears the failures of spine switches and
//! cooling units as signals from the fault model.
//! A job's speed is its network factor (see [`crate::fabric`]) times its power factor: the
//! speed, by the cap curve, of the slowest clock among its nodes (rack power cap, thermal cap,
//! hardware slowdown).
//!
//! Work is local: a job start or stop refreshes the racks it touches (their power, caps, inlet
//! and node temperatures) and the network component it belongs to; nothing else is recomputed.

use crate::cluster::Cluster;
use crate::fabric::{FabricConfig, Network};
use crate::faults::{Cause, Component};
use crate::ids::{JobId, NodeId, RackId};
use crate::job::Job;
use crate::jobs::JobStore;
use crate::model::{Effects, EventKind, ModelCtx, ModelEvent, NodeChange, Signal, SpeedPart, WorldModel};
use crate::observe::DownCause;
use crate::power::{PowerConfig, PowerError, PowerModel};
use crate::resources::MILLI_PER_GPU;
use crate::thermal::trajectory::Inlet;
use crate::thermal::{Band, GpuThermal, NODE_AIR_RISE_K, NodeHeat, RackAir, ThermalConfig, watched_thresholds};
use crate::time::SimTime;

/// How far ahead a thermal crossing is searched; later crossings are found at a later refresh.
const CROSSING_HORIZON: SimTime = SimTime::from_secs(365 * 86_400);

/// The payload bit of a repair event (the node in the low bits, the incident as the version);
/// without it the event is a thermal check of the node in the low bits.
const REPAIR: u64 = 1 << 32;

/// What the engine must do after a physics update, gathered in this order before it is handed
/// over as effects: speeds first, then thermal checks, then shutdowns.
#[derive(Clone, Debug, Default, PartialEq)]
struct Changes {
    /// New speed factors, in a fixed order.
    speeds: Vec<(JobId, SpeedPart, f64)>,
    /// Thermal checks to schedule: (node, time, version).
    checks: Vec<(NodeId, SimTime, u32)>,
    /// Nodes that reached their shutdown temperature.
    shutdowns: Vec<NodeId>,
}

impl Changes {
    const EMPTY: Changes = Changes {
        speeds: Vec::new(),
        checks: Vec::new(),
        shutdowns: Vec::new(),
    };
}

/// The thermal state of every rack and node.
#[derive(Clone, Debug)]
pub struct Thermal {
    config: ThermalConfig,
    /// The hottest temperature of any finished trajectory segment, °C.
    max_seen_c: f64,
    gpus: Vec<GpuThermal>,
    racks: Vec<RackAir>,
    nodes: Vec<NodeHeat>,
}

impl Thermal {
    /// The parameters.
    pub fn config(&self) -> &ThermalConfig {
        &self.config
    }

    /// A rack's air state.
    pub fn rack(&self, rack: RackId) -> &RackAir {
        &self.racks[rack.index()]
    }

    /// A node's heat state.
    pub fn node(&self, node: NodeId) -> &NodeHeat {
        &self.nodes[node.index()]
    }

    /// The hottest GPU temperature reached by any node up to `now`, °C: exact, from the
    /// closed-form trajectories (their peaks included).
    pub fn max_temp_until(&self, now: SimTime) -> f64 {
        self.nodes
            .iter()
            .map(|n| segment_max(n, now, self.config.gpu_tau_s))
            .fold(self.max_seen_c, f64::max)
    }

    /// A node's GPU temperature at `now` (not before its last anchor), °C.
    pub fn node_temp_c(&self, node: NodeId, now: SimTime) -> f64 {
        self.nodes[node.index()].temp_at(now, self.config.gpu_tau_s)
    }
}

/// Why the physical models cannot be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PhysicsError {
    /// The power model is missing parameters.
    #[error(transparent)]
    Power(#[from] PowerError),
}

/// Network, power and thermal state of a run, each optional.
#[derive(Clone, Debug)]
pub struct Physics {
    network: Option<Network>,
    power: Option<PowerModel>,
    thermal: Option<Thermal>,
    node_clock: Vec<f64>,
    node_power_w: Vec<f64>,
    rack_power_w: Vec<f64>,
    /// Per node, the jobs running there (kept with the power model only).
    node_jobs: Vec<Vec<JobId>>,
    node_throttled_gpus: Vec<f64>,
    throttled_gpus: f64,
    /// Per rack whose cooling unit failed: the cooling capacity to restore, W, and the incident
    /// that took it (the parent of the thermal shutdowns that follow).
    lost_cooling: Vec<Option<(f64, u32)>>,
    /// Reused buffers: what the current call changes, and scratch lists.
    changes: Changes,
    scratch_nodes: Vec<NodeId>,
    scratch_jobs: Vec<JobId>,
    scratch_job_nodes: Vec<NodeId>,
    scratch_racks: Vec<RackId>,
    scratch_network: Vec<(JobId, f64)>,
}

/// The physics of a run without physical models, for views of such a run.
static NO_PHYSICS: Physics = Physics {
    network: None,
    power: None,
    thermal: None,
    node_clock: Vec::new(),
    node_power_w: Vec::new(),
    rack_power_w: Vec::new(),
    node_jobs: Vec::new(),
    node_throttled_gpus: Vec::new(),
    throttled_gpus: 0.0,
    lost_cooling: Vec::new(),
    changes: Changes::EMPTY,
    scratch_nodes: Vec::new(),
    scratch_jobs: Vec::new(),
    scratch_job_nodes: Vec::new(),
    scratch_racks: Vec::new(),
    scratch_network: Vec::new(),
};

/// Which models a run uses, and their parameters.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PhysicsConfig {
    /// `[fabric]`.
    pub fabric: Option<FabricConfig>,
    /// `[power]` (implied, with defaults, by `[thermal]`).
    pub power: Option<PowerConfig>,
    /// `[thermal]`.
    pub thermal: Option<ThermalConfig>,
}

impl PhysicsConfig {
    /// True when any physical model is on.
    pub fn is_on(&self) -> bool {
        self.fabric.is_some() || self.power.is_some() || self.thermal.is_some()
    }
}

impl Physics {
    /// No physical model: every job runs at full speed, nothing draws power or heats up.
    pub fn off() -> &'static Physics {
        &NO_PHYSICS
    }

    /// Builds the models for `cluster` (idle, at their steady state).
    pub fn new(cluster: &Cluster, config: PhysicsConfig) -> Result<Physics, PhysicsError> {
        let network = config.fabric.map(|f| Network::new(cluster, f));
        let power = config.power.map(|p| PowerModel::new(cluster, p)).transpose()?;
        let nodes = cluster.nodes().len();
        let mut physics = Physics {
            network,
            thermal: None,
            node_clock: vec![1.0; nodes],
            node_power_w: vec![0.0; nodes],
            rack_power_w: vec![0.0; cluster.racks().len()],
            node_jobs: vec![Vec::new(); nodes],
            node_throttled_gpus: vec![0.0; nodes],
            throttled_gpus: 0.0,
            lost_cooling: vec![None; cluster.racks().len()],
            changes: Changes::default(),
            scratch_nodes: Vec::new(),
            scratch_jobs: Vec::new(),
            scratch_job_nodes: Vec::new(),
            scratch_racks: Vec::new(),
            scratch_network: Vec::new(),
            power,
        };
        if let Some(power) = &physics.power {
            for node in 0..nodes {
                physics.node_power_w[node] = power.node_power_w(cluster, NodeId::from_index(node), 1.0);
            }
            for (rack, r) in cluster.racks().iter().enumerate() {
                physics.rack_power_w[rack] = r.nodes.iter().map(|n| physics.node_power_w[n.index()]).sum();
            }
        }
        if let (Some(thermal_config), Some(power)) = (config.thermal, &physics.power) {
            physics.thermal = Some(initial_thermal(cluster, power, thermal_config));
        }
        Ok(physics)
    }

    /// The network model, if on.
    pub fn network(&self) -> Option<&Network> {
        self.network.as_ref()
    }

    /// The power model, if on.
    pub fn power(&self) -> Option<&PowerModel> {
        self.power.as_ref()
    }

    /// The thermal state, if on.
    pub fn thermal(&self) -> Option<&Thermal> {
        self.thermal.as_ref()
    }

    /// A node's GPU clock fraction now (1 = full speed).
    #[inline]
    pub fn node_clock(&self, node: NodeId) -> f64 {
        self.node_clock.get(node.index()).copied().unwrap_or(1.0)
    }

    /// A node's electrical power now, W (0 without a power model).
    #[inline]
    pub fn node_power_w(&self, node: NodeId) -> f64 {
        self.node_power_w.get(node.index()).copied().unwrap_or(0.0)
    }

    /// A rack's electrical power now, W (0 without a power model).
    #[inline]
    pub fn rack_power_w(&self, rack: RackId) -> f64 {
        self.rack_power_w.get(rack.index()).copied().unwrap_or(0.0)
    }

    /// The cluster's electrical power now, W: the sum of its racks', in rack order (0 without a
    /// power model).
    pub fn cluster_power_w(&self) -> f64 {
        self.rack_power_w.iter().sum()
    }

    /// Budget left in a rack, W (`None` without a power model).
    pub fn rack_headroom_w(&self, rack: RackId) -> Option<f64> {
        self.power
            .as_ref()
            .map(|p| p.rack_budget_w(rack) - self.rack_power_w[rack.index()])
    }

    /// Initial thermal checks (none are due while everything idles, but a hot inlet may start one).
    fn start(&mut self, cluster: &Cluster, jobs: &JobStore, now: SimTime, changes: &mut Changes) {
        for rack in 0..cluster.racks().len() {
            self.refresh_rack(cluster, jobs, RackId::from_index(rack), None, now, changes);
        }
    }

    /// A job started (its allocation is in `job.alloc` and already taken from `cluster`).
    fn job_started(&mut self, cluster: &Cluster, jobs: &JobStore, job: &Job, now: SimTime, changes: &mut Changes) {
        let mut nodes = std::mem::take(&mut self.scratch_job_nodes);
        job_nodes(job, &mut nodes);
        if self.power.is_some() {
            for node in &nodes {
                self.node_jobs[node.index()].push(job.id);
            }
        }
        self.update_network(changes, |network, out| network.job_started(job, cluster, out));
        self.refresh_racks_of(cluster, jobs, &nodes, now, changes);
        self.scratch_job_nodes = nodes;
        if self.power.is_some() {
            changes.speeds.push((job.id, SpeedPart::Power, self.power_factor(job)));
        }
    }

    /// A job stopped (its resources are already released in `cluster`).
    fn job_stopped(&mut self, cluster: &Cluster, jobs: &JobStore, job: &Job, now: SimTime, changes: &mut Changes) {
        let mut nodes = std::mem::take(&mut self.scratch_job_nodes);
        job_nodes(job, &mut nodes);
        if self.power.is_some() {
            for node in &nodes {
                self.node_jobs[node.index()].retain(|&j| j != job.id);
            }
        }
        self.update_network(changes, |network, out| network.job_stopped(job.id, out));
        self.refresh_racks_of(cluster, jobs, &nodes, now, changes);
        self.scratch_job_nodes = nodes;
    }

    /// A node went down or came back, or a device of it changed (its jobs were already stopped).
    fn node_changed(&mut self, cluster: &Cluster, jobs: &JobStore, node: NodeId, now: SimTime, changes: &mut Changes) {
        if let Some(thermal) = &mut self.thermal {
            let heat = &mut thermal.nodes[node.index()];
            heat.band = if cluster.node(node).up { Band::Normal } else { Band::Off };
        }
        self.refresh_rack(cluster, jobs, cluster.node(node).rack, Some(node), now, changes);
    }

    /// A scheduled thermal check came due: moves the node between bands if its temperature
    /// crossed a threshold. Stale checks (older version) do nothing.
    fn thermal_check(
        &mut self,
        cluster: &Cluster,
        jobs: &JobStore,
        node: NodeId,
        version: u32,
        now: SimTime,
        changes: &mut Changes,
    ) {
        let Some(thermal) = &self.thermal else {
            return;
        };
        if thermal.nodes[node.index()].version != version {
            return;
        }
        let temp = thermal.node_temp_c(node, now);
        let air = thermal.racks[cluster.node(node).rack.index()];
        let inlet = air.inlet_at(now);
        let gpu = thermal.gpus[node.index()];
        let hysteresis = thermal.config.hysteresis_c;
        let band = thermal.nodes[node.index()].band;
        let capped = || self.thermal_cap(cluster, node, gpu, inlet);
        let new_band = match band {
            Band::Normal if temp >= gpu.max_op_c => capped(),
            Band::Capped { .. } if temp >= gpu.slowdown_c => Band::Slowdown,
            Band::Capped { at_min: false, .. } if temp >= gpu.max_op_c + hysteresis => capped(),
            Band::Capped { .. } if temp <= gpu.max_op_c - hysteresis => Band::Normal,
            Band::Slowdown if temp >= gpu.shutdown_c => Band::Off,
            Band::Slowdown if temp <= gpu.slowdown_c - hysteresis => capped(),
            other => other,
        };
        if new_band == Band::Off {
            changes.shutdowns.push(node);
            return;
        }
        if let Some(thermal) = &mut self.thermal {
            thermal.nodes[node.index()].band = new_band;
        }
        self.refresh_rack(cluster, jobs, cluster.node(node).rack, Some(node), now, changes);
    }

    /// Sets how many spine switches work (a spine failure or repair); without a network model
    /// it changes nothing.
    fn set_working_spines(&mut self, working: u32, changes: &mut Changes) {
        self.update_network(changes, |network, out| network.set_working_spines(working, out));
    }

    /// Lets `update` change the network model, if there is one, and adds the network speed
    /// factors it reports (job, factor) to `changes`.
    fn update_network(&mut self, changes: &mut Changes, update: impl FnOnce(&mut Network, &mut Vec<(JobId, f64)>)) {
        if let Some(network) = &mut self.network {
            let mut network_changes = std::mem::take(&mut self.scratch_network);
            update(network, &mut network_changes);
            changes
                .speeds
                .extend(network_changes.drain(..).map(|(j, f)| (j, SpeedPart::Network, f)));
            self.scratch_network = network_changes;
        }
    }

    /// A rack's cooling capacity now, W (`None` without a thermal model).
    pub fn rack_cooling_w(&self, rack: RackId) -> Option<f64> {
        self.thermal.as_ref().map(|t| t.racks[rack.index()].cooling_w)
    }

    /// Sets a rack's cooling capacity (a cooling-unit failure sets 0; repair restores it).
    fn set_cooling(
        &mut self,
        cluster: &Cluster,
        jobs: &JobStore,
        rack: RackId,
        cooling_w: f64,
        now: SimTime,
        changes: &mut Changes,
    ) {
        if let Some(thermal) = &mut self.thermal {
            thermal.racks[rack.index()].cooling_w = cooling_w;
        }
        self.refresh_rack(cluster, jobs, rack, None, now, changes);
    }

    /// Firmware adjusts a thermal cap continuously; at every refresh the caps of a rack's
    /// capped nodes follow the inlet as it is now.
    /// Returns the nodes whose band changed.
    fn track_caps(&mut self, cluster: &Cluster, rack: RackId, now: SimTime) -> Vec<NodeId> {
        let Some(thermal) = &self.thermal else {
            return Vec::new();
        };
        let inlet = thermal.racks[rack.index()].inlet_at(now);
        let updates: Vec<(NodeId, Band)> = cluster.racks()[rack.index()]
            .nodes
            .iter()
            .filter(|n| matches!(thermal.nodes[n.index()].band, Band::Capped { .. }))
            .map(|&n| (n, self.thermal_cap(cluster, n, thermal.gpus[n.index()], inlet)))
            .filter(|&(n, band)| band != thermal.nodes[n.index()].band)
            .collect();
        let Some(thermal) = &mut self.thermal else {
            return Vec::new();
        };
        updates
            .into_iter()
            .map(|(node, band)| {
                thermal.nodes[node.index()].band = band;
                node
            })
            .collect()
    }

    /// The firmware cap for a node reaching max-op with the inlet at `inlet_c`.
    fn thermal_cap(&self, cluster: &Cluster, node: NodeId, gpu: GpuThermal, inlet_c: f64) -> Band {
        let power = self.power.as_ref().expect("thermal needs the power model");
        let electrical = power.node(node);
        let allowed_w = (gpu.max_op_c - inlet_c) / gpu.r_k_per_w;
        let busiest = busiest_gpu_share(cluster, node);
        // An idle node has nothing to cap: it can only wait for the air to cool.
        let at_min = busiest <= 0.0
            || electrical.gpu.idle_w + (allowed_w - electrical.gpu.idle_w) / busiest <= electrical.gpu.min_cap_w;
        Band::Capped { allowed_w, at_min }
    }

    /// Refreshes the racks of `nodes`, in id order.
    fn refresh_racks_of(
        &mut self,
        cluster: &Cluster,
        jobs: &JobStore,
        nodes: &[NodeId],
        now: SimTime,
        changes: &mut Changes,
    ) {
        if self.power.is_none() {
            return;
        }
        let mut racks = std::mem::take(&mut self.scratch_racks);
        racks.clear();
        racks.extend(nodes.iter().map(|&n| cluster.node(n).rack));
        racks.sort_unstable();
        racks.dedup();
        for &rack in &racks {
            self.refresh_rack(cluster, jobs, rack, None, now, changes);
        }
        self.scratch_racks = racks;
    }

    /// Recomputes a rack: its budget clock, each node's clock and power, the inlet's course, the
    /// nodes' temperature anchors and next checks, and the speed of every job on the rack.
    fn refresh_rack(
        &mut self,
        cluster: &Cluster,
        jobs: &JobStore,
        rack: RackId,
        forced: Option<NodeId>,
        now: SimTime,
        changes: &mut Changes,
    ) {
        let mut forced_nodes = self.track_caps(cluster, rack, now);
        forced_nodes.extend(forced);
        let Some(power) = &self.power else {
            return;
        };
        let curve = power.config().curve;
        let rack_clock = power.rack_clock(cluster, rack);
        let nodes = &cluster.racks()[rack.index()].nodes;
        let mut rack_power = 0.0;
        let mut clock_changed = std::mem::take(&mut self.scratch_nodes);
        clock_changed.clear();
        for &node in nodes {
            let electrical = power.node(node);
            let min_clock = electrical.min_clock(&curve);
            let band = self
                .thermal
                .as_ref()
                .map_or(Band::Normal, |t| t.nodes[node.index()].band);
            let busiest = busiest_gpu_share(cluster, node);
            let clock = match band {
                Band::Normal => rack_clock,
                Band::Capped { allowed_w, .. } => {
                    let running_w = if busiest > 0.0 {
                        electrical.gpu.idle_w + (allowed_w - electrical.gpu.idle_w) / busiest
                    } else {
                        electrical.gpu.tdp_w
                    };
                    rack_clock.min(curve.clock_at_power(electrical.gpu.tdp_w, running_w).max(min_clock))
                }
                Band::Slowdown => rack_clock.min(min_clock) * 0.5,
                Band::Off => 0.0,
            };
            if self.node_clock[node.index()] != clock {
                clock_changed.push(node);
            }
            self.node_clock[node.index()] = clock;
            let allocated_gpus = cluster.node(node).allocated_gpu_milli() as f64 / f64::from(MILLI_PER_GPU);
            let throttled = if clock < 1.0 { allocated_gpus } else { 0.0 };
            self.throttled_gpus += throttled - self.node_throttled_gpus[node.index()];
            self.node_throttled_gpus[node.index()] = throttled;
            let watts = power.node_power_w(cluster, node, clock);
            self.node_power_w[node.index()] = watts;
            rack_power += watts;
        }
        self.rack_power_w[rack.index()] = rack_power;
        if let Some(thermal) = &mut self.thermal {
            re_anchor(
                thermal,
                cluster,
                power,
                &self.node_clock,
                rack,
                rack_power,
                &forced_nodes,
                now,
                changes,
            );
        }
        // Only jobs on nodes whose clock moved change speed.
        let mut affected = std::mem::take(&mut self.scratch_jobs);
        affected.clear();
        affected.extend(
            clock_changed
                .iter()
                .flat_map(|n| self.node_jobs[n.index()].iter().copied()),
        );
        affected.sort_unstable();
        affected.dedup();
        for &job in &affected {
            changes
                .speeds
                .push((job, SpeedPart::Power, self.power_factor(&jobs[job])));
        }
        self.scratch_jobs = affected;
        self.scratch_nodes = clock_changed;
    }

    /// A job's power factor: the cap-curve speed of the slowest clock among its nodes.
    fn power_factor(&self, job: &Job) -> f64 {
        let slowest = job
            .alloc
            .iter()
            .map(|t| self.node_clock[t.node.index()])
            .fold(1.0, f64::min);
        self.power.as_ref().map_or(1.0, |p| p.config().curve.speed(slowest))
    }

    /// GPUs allocated on nodes running below full clock now.
    pub fn throttled_gpus(&self) -> f64 {
        self.throttled_gpus
    }

    /// Runs `update` on the reused change lists and hands what it gathered to the engine.
    fn update(
        &mut self,
        ctx: &mut ModelCtx<'_>,
        effects: &mut Effects,
        update: impl FnOnce(&mut Physics, &ModelCtx<'_>, &mut Changes),
    ) {
        let mut changes = std::mem::take(&mut self.changes);
        update(self, ctx, &mut changes);
        for (job, part, factor) in changes.speeds.drain(..) {
            effects.set_speed(job, part, factor);
        }
        for (node, at, version) in changes.checks.drain(..) {
            effects.schedule(at, u64::from(node.0), version);
        }
        for node in changes.shutdowns.drain(..) {
            self.shut_down(ctx, node, effects);
        }
        self.changes = changes;
    }

    /// A node reached its shutdown temperature: down for the thermal recovery time, in an
    /// incident of its own. In a rack whose cooling failed, the shutdown is a cascade of that
    /// failure.
    fn shut_down(&self, ctx: &mut ModelCtx<'_>, node: NodeId, effects: &mut Effects) {
        let rack = ctx.cluster.node(node).rack;
        let cause = self.lost_cooling[rack.index()].map_or(Cause::Physics, |(_, parent)| Cause::Cascade { parent });
        let unit = ctx.cluster.node(node).name.clone();
        let incident = ctx.open_incident(Component::Node, unit, DownCause::Thermal.name(), cause);
        if let Some(thermal) = &self.thermal {
            effects.schedule(ctx.now + thermal.config.recovery, REPAIR | u64::from(node.0), incident);
        }
        effects.hold_node_down(node, DownCause::Thermal, incident);
    }
}

impl WorldModel for Physics {
    fn name(&self) -> &'static str {
        "physics"
    }

    fn event_kind(&self, _event: ModelEvent) -> EventKind {
        EventKind::Thermal
    }

    fn start(&mut self, ctx: &mut ModelCtx<'_>, effects: &mut Effects) {
        self.update(ctx, effects, |p, ctx, changes| {
            p.start(ctx.cluster, ctx.jobs, ctx.now, changes);
        });
    }

    fn job_started(&mut self, ctx: &mut ModelCtx<'_>, job: JobId, effects: &mut Effects) {
        self.update(ctx, effects, |p, ctx, changes| {
            p.job_started(ctx.cluster, ctx.jobs, &ctx.jobs[job], ctx.now, changes);
        });
    }

    fn job_stopped(&mut self, ctx: &mut ModelCtx<'_>, job: JobId, effects: &mut Effects) {
        self.update(ctx, effects, |p, ctx, changes| {
            p.job_stopped(ctx.cluster, ctx.jobs, &ctx.jobs[job], ctx.now, changes);
        });
    }

    fn node_changed(&mut self, ctx: &mut ModelCtx<'_>, node: NodeId, _change: NodeChange, effects: &mut Effects) {
        self.update(ctx, effects, |p, ctx, changes| {
            p.node_changed(ctx.cluster, ctx.jobs, node, ctx.now, changes);
        });
    }

    /// Spine failures change the uplinks' share; a cooling failure takes the rack's cooling
    /// capacity (kept to give back at the repair).
    fn signal(&mut self, ctx: &mut ModelCtx<'_>, signal: Signal, effects: &mut Effects) {
        if matches!(signal, Signal::NodeRate { .. }) {
            return;
        }
        self.update(ctx, effects, |p, ctx, changes| match signal {
            Signal::WorkingSpines(working) => p.set_working_spines(working, changes),
            Signal::CoolingFailed { rack, incident } => {
                let saved = p.rack_cooling_w(rack).unwrap_or(0.0);
                p.lost_cooling[rack.index()] = Some((saved, incident));
                p.set_cooling(ctx.cluster, ctx.jobs, rack, 0.0, ctx.now, changes);
            }
            Signal::CoolingRestored { rack } => {
                let (saved, _) = p.lost_cooling[rack.index()]
                    .take()
                    .expect("a restored cooling unit had failed");
                p.set_cooling(ctx.cluster, ctx.jobs, rack, saved, ctx.now, changes);
            }
            Signal::NodeRate { .. } => {}
        });
    }

    /// A thermal check (payload: the node; version: the node's thermal version), or the end of
    /// a thermal shutdown (payload: `REPAIR` and the node; version: the incident).
    fn event(&mut self, ctx: &mut ModelCtx<'_>, event: ModelEvent, effects: &mut Effects) -> bool {
        let node = NodeId(event.payload as u32);
        if event.payload & REPAIR != 0 {
            ctx.end_incident(event.version);
            effects.release_node(node);
        } else {
            self.update(ctx, effects, |p, ctx, changes| {
                p.thermal_check(ctx.cluster, ctx.jobs, node, event.version, ctx.now, changes);
            });
        }
        true
    }
}

/// Brings a rack's thermal state to `now` after a change: the inlet takes a new course if the
/// rack's power moved it (warming when the heat exceeds the cooling, else relaxing to supply);
/// each node whose heat or inlet course changed is re-anchored and gets its next check. Nodes
/// whose trajectory did not change keep their pending check.
#[allow(clippy::too_many_arguments)]
fn re_anchor(
    thermal: &mut Thermal,
    cluster: &Cluster,
    power: &PowerModel,
    node_clock: &[f64],
    rack: RackId,
    rack_power_w: f64,
    forced: &[NodeId],
    now: SimTime,
    changes: &mut Changes,
) {
    let config = &thermal.config;
    let air = thermal.racks[rack.index()];
    let inlet_now = air.inlet_at(now);
    // Without cooling (a failed unit) nothing brings the air back to the supply temperature,
    // even once the rack draws nothing: the inlet holds (a ramp at 0 K/s).
    let inlet = if rack_power_w > air.cooling_w || air.cooling_w <= 0.0 {
        Inlet::Ramp {
            start_c: inlet_now,
            rate_c_per_s: (rack_power_w - air.cooling_w) / air.heat_capacity_j_per_k,
        }
    } else {
        Inlet::Relax {
            start_c: inlet_now,
            target_c: config.inlet_c,
            tau_s: config.room_tau_s,
        }
    };
    let inlet_changed = inlet != air.inlet_from(now);
    if inlet_changed {
        thermal.racks[rack.index()] = RackAir {
            anchor: now,
            inlet,
            ..air
        };
    }
    let curve = power.config().curve;
    for &node in &cluster.racks()[rack.index()].nodes {
        let electrical = power.node(node);
        let gpu = thermal.gpus[node.index()];
        let hot_gpu_w = if cluster.node(node).up {
            electrical.gpu_power_w(&curve, busiest_gpu_share(cluster, node), node_clock[node.index()])
        } else {
            0.0
        };
        let heat_k = gpu.r_k_per_w * hot_gpu_w;
        let heat = &mut thermal.nodes[node.index()];
        if !inlet_changed && heat.heat_k == heat_k && !forced.contains(&node) {
            continue;
        }
        let temp_now = heat.temp_at(now, config.gpu_tau_s);
        thermal.max_seen_c = thermal.max_seen_c.max(segment_max(heat, now, config.gpu_tau_s));
        *heat = NodeHeat {
            anchor: now,
            start_c: temp_now,
            heat_k,
            inlet,
            version: heat.version + 1,
            ..*heat
        };
        let trajectory = heat.trajectory(config.gpu_tau_s);
        let next = watched_thresholds(heat.band, &gpu, config.hysteresis_c)
            .into_iter()
            .filter_map(|(threshold, rising)| trajectory.crossing_us(threshold, rising, CROSSING_HORIZON.as_micros()))
            .min();
        if let Some(after_us) = next {
            changes.checks.push((node, now + SimTime(after_us), heat.version));
        }
    }
}

/// The thermal state of an idle cluster at steady state.
fn initial_thermal(cluster: &Cluster, power: &PowerModel, config: ThermalConfig) -> Thermal {
    let curve = power.config().curve;
    let gpus: Vec<GpuThermal> = cluster
        .nodes()
        .iter()
        .enumerate()
        .map(|(i, _)| {
            let spec = &power.node(NodeId::from_index(i)).gpu;
            GpuThermal {
                r_k_per_w: config.r_k_per_tdp / spec.tdp_w,
                max_op_c: spec.max_op_c,
                slowdown_c: spec.slowdown_c,
                shutdown_c: spec.shutdown_c,
            }
        })
        .collect();
    let racks = cluster
        .racks()
        .iter()
        .map(|rack| {
            let max_w: f64 = rack.nodes.iter().map(|n| power.node(*n).max_w).sum();
            RackAir {
                anchor: SimTime::ZERO,
                inlet: Inlet::Relax {
                    start_c: config.inlet_c,
                    target_c: config.inlet_c,
                    tau_s: config.room_tau_s,
                },
                cooling_w: config.cooling_w_per_rack.unwrap_or(max_w),
                heat_capacity_j_per_k: config
                    .rack_heat_capacity_j_per_k
                    .unwrap_or(config.room_tau_s * max_w / NODE_AIR_RISE_K),
            }
        })
        .collect();
    let nodes: Vec<NodeHeat> = gpus
        .iter()
        .enumerate()
        .map(|(i, gpu)| {
            let electrical = power.node(NodeId::from_index(i));
            let heat_k = gpu.r_k_per_w * electrical.gpu_power_w(&curve, 0.0, 1.0);
            NodeHeat {
                anchor: SimTime::ZERO,
                start_c: config.inlet_c + heat_k,
                heat_k,
                inlet: Inlet::Relax {
                    start_c: config.inlet_c,
                    target_c: config.inlet_c,
                    tau_s: config.room_tau_s,
                },
                band: Band::Normal,
                version: 0,
            }
        })
        .collect();
    let max_seen_c = nodes.iter().map(|n| n.start_c).fold(f64::MIN, f64::max);
    Thermal {
        config,
        max_seen_c,
        gpus,
        racks,
        nodes,
    }
}

/// The hottest temperature of a node's trajectory between its anchor and `now`.
fn segment_max(heat: &NodeHeat, now: SimTime, gpu_tau_s: f64) -> f64 {
    heat.trajectory(gpu_tau_s).max_over((now - heat.anchor).as_secs_f64())
}

/// Sets `nodes` to the distinct nodes of a job's placement, in id order.
fn job_nodes(job: &Job, nodes: &mut Vec<NodeId>) {
    nodes.clear();
    nodes.extend(job.alloc.iter().map(|t| t.node));
    nodes.sort_unstable();
    nodes.dedup();
}

/// The busy share (0–1) of a node's busiest working GPU (failed devices draw nothing).
#[inline]
fn busiest_gpu_share(cluster: &Cluster, node: NodeId) -> f64 {
    let failed = cluster.node(node).failed_gpus;
    let min_free = cluster
        .gpu_free_milli(node)
        .iter()
        .enumerate()
        .filter(|&(d, _)| failed >> d & 1 == 0)
        .map(|(_, &free)| free)
        .min()
        .unwrap_or(MILLI_PER_GPU as u16);
    f64::from(MILLI_PER_GPU - u32::from(min_free)) / f64::from(MILLI_PER_GPU)
}
