//! Power, energy, heat and node-failure metrics, and the per-rack time series (`racks.csv`).

use crate::ids::{NodeId, RackId};
use crate::observe::{Observer, Record};
use crate::time::SimTime;
use crate::view::ClusterView;

/// Totals of the power and thermal models over a run.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PowerTotals {
    /// IT energy, kWh (∫ cluster power dt).
    pub energy_kwh: f64,
    /// Facility energy (IT × PUE), kWh.
    pub facility_energy_kwh: f64,
    /// Highest cluster power, kW.
    pub peak_power_kw: f64,
    /// ∫ (allocated GPUs on nodes running below full clock) dt, GPU-hours.
    pub throttled_gpu_hours: f64,
    /// Hottest GPU temperature of the run, °C, exact from the trajectories (`None` without thermal).
    pub max_temp_c: Option<f64>,
    /// Nodes that went down.
    pub node_failures: u64,
}

/// One row of `racks.csv`: a rack at a sampling time.
#[derive(Clone, Debug, PartialEq)]
pub struct RackSample {
    /// Sampling time.
    pub t: SimTime,
    /// The rack.
    pub rack: RackId,
    /// Electrical power, kW (`None` without the power model).
    pub power_kw: Option<f64>,
    /// Inlet temperature, °C (`None` without thermal).
    pub inlet_c: Option<f64>,
    /// Hottest GPU in the rack, °C (`None` without thermal).
    pub max_temp_c: Option<f64>,
    /// Uplink load ÷ capacity (`None` without the network model).
    pub uplink_util: Option<f64>,
}

/// Where the per-rack samples of a run go as they are taken: `racks.csv` written as the run
/// goes, so that a long run with physical models does not hold a row per rack per sample.
pub trait RackSampleSink {
    /// Takes the next rack's sample (in time order, racks in id order within a time), with the
    /// rack's name.
    fn push(&mut self, sample: &RackSample, rack_name: &str);
}

/// Observer of power, energy, heat and node failures.
#[derive(Default)]
pub struct PowerCollector<'s> {
    totals: PowerTotals,
    last: Option<SimTime>,
    /// Values holding since `last`.
    power_w: f64,
    throttled_gpus: f64,
    pue: f64,
    racks: Vec<RackSample>,
    /// Where rack samples go instead of `racks`, when given.
    sink: Option<&'s mut dyn RackSampleSink>,
}

impl<'s> PowerCollector<'s> {
    /// A collector with nothing seen yet, keeping its rack samples.
    pub fn new() -> Self {
        PowerCollector::default()
    }

    /// A collector handing each rack sample to `sink` as it is taken instead of keeping it.
    pub fn streaming(sink: &'s mut dyn RackSampleSink) -> Self {
        PowerCollector {
            sink: Some(sink),
            ..PowerCollector::default()
        }
    }

    /// The totals (complete once the run has ended).
    pub fn totals(&self) -> PowerTotals {
        self.totals
    }

    /// Per-rack samples, by time then rack (none when they went to a sink).
    pub fn into_rack_samples(self) -> Vec<RackSample> {
        self.racks
    }

    fn advance_to(&mut self, now: SimTime) {
        if let Some(last) = self.last {
            let hours = (now - last).as_secs_f64() / 3600.0;
            self.totals.energy_kwh += self.power_w / 1e3 * hours;
            self.totals.facility_energy_kwh += self.power_w * self.pue / 1e3 * hours;
            self.totals.throttled_gpu_hours += self.throttled_gpus * hours;
        }
        self.last = Some(now);
    }
}

/// The hottest GPU temperature at `at`, over the whole cluster or one rack.
pub fn hottest_gpu_c(view: &ClusterView<'_>, at: SimTime, rack: Option<RackId>) -> Option<f64> {
    let thermal = view.physics.thermal()?;
    let nodes: Box<dyn Iterator<Item = NodeId>> = match rack {
        Some(r) => Box::new(view.cluster.racks()[r.index()].nodes.iter().copied()),
        None => Box::new((0..view.cluster.nodes().len()).map(NodeId::from_index)),
    };
    nodes.map(|n| thermal.node_temp_c(n, at)).reduce(f64::max)
}

/// Total electrical power of the cluster now, W (`None` without the power model).
pub fn cluster_power_w(view: &ClusterView<'_>) -> Option<f64> {
    view.physics.power()?;
    Some(view.physics.cluster_power_w())
}

impl Observer for PowerCollector<'_> {
    fn on_record(&mut self, record: &Record, _view: &ClusterView<'_>) {
        if matches!(record, Record::NodeDown { .. }) {
            self.totals.node_failures += 1;
        }
    }

    fn on_instant_end(&mut self, view: &ClusterView<'_>) {
        let Some(power_w) = cluster_power_w(view) else {
            return;
        };
        self.pue = view.physics.power().map_or(1.0, |p| p.config().pue);
        self.advance_to(view.now);
        self.power_w = power_w;
        self.totals.peak_power_kw = self.totals.peak_power_kw.max(power_w / 1e3);
        self.throttled_gpus = view.physics.throttled_gpus();
    }

    fn on_sample(&mut self, at: SimTime, view: &ClusterView<'_>) {
        let physics = view.physics;
        if physics.power().is_none() && physics.network().is_none() {
            return;
        }
        for (rack, info) in view.cluster.racks().iter().enumerate() {
            let id = RackId::from_index(rack);
            let sample = RackSample {
                t: at,
                rack: id,
                power_kw: physics.power().map(|_| physics.rack_power_w(id) / 1e3),
                inlet_c: physics.thermal().map(|t| t.rack(id).inlet_at(at)),
                max_temp_c: hottest_gpu_c(view, at, Some(id)),
                uplink_util: physics.network().map(|n| n.uplink_utilization(id)),
            };
            match self.sink.as_deref_mut() {
                Some(sink) => sink.push(&sample, &info.name),
                None => self.racks.push(sample),
            }
        }
    }

    fn on_end(&mut self, end: SimTime, view: &ClusterView<'_>) {
        if view.physics.power().is_some() {
            self.advance_to(end);
        }
        self.totals.max_temp_c = view.physics.thermal().map(|t| t.max_temp_until(end));
    }
}
