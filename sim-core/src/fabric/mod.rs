//! The leaf-spine network: node NICs, one leaf switch per rack with an uplink towards the
//! spines, and the slowdown of multi-rack jobs that share uplinks.
//!
//! A job whose tasks sit on one node needs no network; on several nodes of one rack it talks
//! through its NICs at full bandwidth (in-rack switching is non-blocking). A job spanning
//! racks loads the uplink of every rack it has nodes in with `nodes_in_rack × node_nic_gbps`
//! (co-located jobs are assumed to communicate at the same time, as in docs/models.md §4), and is
//! served a fraction `s` of that demand by the [`sharing`] rule. It then runs at
//! `1 / ((1 − c) + c / s)` of full speed, `c` being its `comm_fraction`: the communicating share
//! of its time stretches by `1/s`. Jobs with `comm_fraction = 0` do not communicate and load no
//! link.
//!
//! When a job starts or stops, only the jobs connected to it through shared uplinks (its
//! connected component) are recomputed; [`Network::recomputed_jobs`] counts them.

pub mod allreduce;
pub mod sharing;

use std::collections::{BTreeMap, BTreeSet};

use crate::cluster::Cluster;
use crate::ids::{JobId, RackId};
use crate::job::Job;
pub use sharing::Sharing;

/// Network parameters of a scenario's `[fabric]`.
#[derive(Clone, Debug, PartialEq)]
pub struct FabricConfig {
    /// Bandwidth of each node's NIC (all its GPUs together), in Gbit/s.
    pub node_nic_gbps: f64,
    /// Capacity of each rack's uplink towards the spines.
    pub uplink: Uplink,
    /// Number of spine switches (the uplink is split evenly across them).
    pub spines: u32,
    /// How an uplink is shared among the jobs crossing it.
    pub sharing: Sharing,
}

/// How each rack's uplink capacity is given.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Uplink {
    /// The same capacity for every rack, in Gbit/s.
    Gbps(f64),
    /// Leaf-to-spine oversubscription: capacity = nodes in the rack × NIC ÷ ratio (1 = non-blocking).
    Oversubscription(f64),
}

/// A running multi-rack job as the network sees it.
#[derive(Clone, Debug)]
struct Span {
    /// Gbit/s asked of each crossed rack's uplink.
    demand: Vec<(RackId, f64)>,
    comm_fraction: f64,
    /// Fraction of its demand it is served now.
    served: f64,
}

/// The network state of a run.
#[derive(Clone, Debug)]
pub struct Network {
    config: FabricConfig,
    /// Each rack's uplink with every spine working.
    full_uplink_gbps: Vec<f64>,
    /// Each rack's uplink now (a failed spine takes its share away).
    uplink_gbps: Vec<f64>,
    spans: BTreeMap<JobId, Span>,
    rack_jobs: Vec<BTreeSet<JobId>>,
    recomputed_jobs: u64,
}

/// Speed factor of a job that communicates `comm_fraction` of its full-speed time and is
/// served `served` of the bandwidth it needs: `1 / ((1 − c) + c / s)`; 0 when it gets nothing.
pub fn network_factor(comm_fraction: f64, served: f64) -> f64 {
    if comm_fraction <= 0.0 {
        1.0
    } else if served <= 0.0 {
        0.0
    } else {
        1.0 / ((1.0 - comm_fraction) + comm_fraction / served)
    }
}

impl Network {
    /// The network of `cluster` with every uplink at full capacity.
    pub fn new(cluster: &Cluster, config: FabricConfig) -> Network {
        let racks = cluster.racks().len();
        let uplink_gbps = cluster
            .racks()
            .iter()
            .map(|rack| match config.uplink {
                Uplink::Gbps(gbps) => gbps,
                Uplink::Oversubscription(ratio) => rack.nodes.len() as f64 * config.node_nic_gbps / ratio,
            })
            .collect::<Vec<f64>>();
        Network {
            full_uplink_gbps: uplink_gbps.clone(),
            uplink_gbps,
            config,
            spans: BTreeMap::new(),
            rack_jobs: vec![BTreeSet::new(); racks],
            recomputed_jobs: 0,
        }
    }

    /// The parameters.
    pub fn config(&self) -> &FabricConfig {
        &self.config
    }

    /// Capacity of a rack's uplink now, in Gbit/s.
    pub fn uplink_capacity_gbps(&self, rack: RackId) -> f64 {
        self.uplink_gbps[rack.index()]
    }

    /// Traffic served on a rack's uplink now, in Gbit/s.
    pub fn uplink_load_gbps(&self, rack: RackId) -> f64 {
        self.rack_jobs[rack.index()]
            .iter()
            .map(|job| {
                let span = &self.spans[job];
                let demand = span.demand.iter().find(|(r, _)| *r == rack).map_or(0.0, |(_, d)| *d);
                demand * span.served
            })
            .sum()
    }

    /// Uplink load ÷ capacity (0 for a link with no capacity).
    pub fn uplink_utilization(&self, rack: RackId) -> f64 {
        let capacity = self.uplink_capacity_gbps(rack);
        if capacity > 0.0 {
            self.uplink_load_gbps(rack) / capacity
        } else {
            0.0
        }
    }

    /// Jobs whose share was recomputed so far (each recomputation of one job counts once).
    pub fn recomputed_jobs(&self) -> u64 {
        self.recomputed_jobs
    }

    /// Sets how many spines work: every uplink keeps `working ÷ spines` of its capacity (a
    /// spine failure removes one share from every rack). Appends `(job, factor)` for every
    /// multi-rack job whose factor changed.
    pub fn set_working_spines(&mut self, working: u32, changes: &mut Vec<(JobId, f64)>) {
        let share = f64::from(working.min(self.config.spines)) / f64::from(self.config.spines.max(1));
        for (now, full) in self.uplink_gbps.iter_mut().zip(&self.full_uplink_gbps) {
            *now = full * share;
        }
        let racks: Vec<RackId> = (0..self.uplink_gbps.len())
            .map(RackId::from_index)
            .filter(|r| !self.rack_jobs[r.index()].is_empty())
            .collect();
        if !racks.is_empty() {
            self.recompute(&racks, None, changes);
        }
    }

    /// Registers a job that just started; appends `(job, speed factor)` for every job whose
    /// factor changed, the new job included (unless it needs no network).
    pub fn job_started(&mut self, job: &Job, cluster: &Cluster, changes: &mut Vec<(JobId, f64)>) {
        if job.spec.comm_fraction <= 0.0 {
            return;
        }
        let mut nodes_per_rack: BTreeMap<RackId, BTreeSet<u32>> = BTreeMap::new();
        for task in &job.alloc {
            nodes_per_rack
                .entry(cluster.node(task.node).rack)
                .or_default()
                .insert(task.node.0);
        }
        if nodes_per_rack.len() < 2 {
            return;
        }
        let demand: Vec<(RackId, f64)> = nodes_per_rack
            .iter()
            .map(|(&rack, nodes)| (rack, nodes.len() as f64 * self.config.node_nic_gbps))
            .collect();
        for &(rack, _) in &demand {
            self.rack_jobs[rack.index()].insert(job.id);
        }
        let racks: Vec<RackId> = demand.iter().map(|&(r, _)| r).collect();
        // A placeholder share of 1: the recomputation below reports the real one as a change.
        self.spans.insert(
            job.id,
            Span {
                demand,
                comm_fraction: job.spec.comm_fraction,
                served: 1.0,
            },
        );
        self.recompute(&racks, Some(job.id), changes);
    }

    /// Forgets a job that stopped; appends `(job, factor)` for the jobs it was slowing down.
    pub fn job_stopped(&mut self, job: JobId, changes: &mut Vec<(JobId, f64)>) {
        let Some(span) = self.spans.remove(&job) else {
            return;
        };
        let racks: Vec<RackId> = span.demand.iter().map(|&(r, _)| r).collect();
        for &rack in &racks {
            self.rack_jobs[rack.index()].remove(&job);
        }
        self.recompute(&racks, None, changes);
    }

    /// Recomputes the shares of every job connected to `racks` through shared uplinks.
    fn recompute(&mut self, racks: &[RackId], new_job: Option<JobId>, changes: &mut Vec<(JobId, f64)>) {
        let (jobs, links) = self.component(racks);
        let link_index: BTreeMap<RackId, usize> = links.iter().enumerate().map(|(i, &r)| (r, i)).collect();
        let capacity: Vec<f64> = links.iter().map(|r| self.uplink_gbps[r.index()]).collect();
        let demands: Vec<sharing::Demand> = jobs
            .iter()
            .map(|j| {
                self.spans[j]
                    .demand
                    .iter()
                    .map(|&(r, gbps)| (link_index[&r], gbps))
                    .collect()
            })
            .collect();
        let served = sharing::served_fractions(self.config.sharing, &capacity, &demands);
        self.recomputed_jobs += jobs.len() as u64;
        for (job, s) in jobs.into_iter().zip(served) {
            let span = self.spans.get_mut(&job).expect("component jobs have spans");
            if span.served != s || Some(job) == new_job {
                span.served = s;
                changes.push((job, network_factor(span.comm_fraction, s)));
            }
        }
    }

    /// The jobs and uplinks reachable from `racks` through jobs crossing them, in id order.
    fn component(&self, racks: &[RackId]) -> (Vec<JobId>, Vec<RackId>) {
        let mut seen_racks: BTreeSet<RackId> = BTreeSet::new();
        let mut seen_jobs: BTreeSet<JobId> = BTreeSet::new();
        let mut frontier: Vec<RackId> = racks.to_vec();
        while let Some(rack) = frontier.pop() {
            if !seen_racks.insert(rack) {
                continue;
            }
            for &job in &self.rack_jobs[rack.index()] {
                if seen_jobs.insert(job) {
                    frontier.extend(self.spans[&job].demand.iter().map(|&(r, _)| r));
                }
            }
        }
        (seen_jobs.into_iter().collect(), seen_racks.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_factor_stretches_only_the_communicating_share() {
        // c = 0.5, half the bandwidth: 1 / (0.5 + 0.5 / 0.5) = 1 / 1.5 = 2/3.
        assert!((network_factor(0.5, 0.5) - 2.0 / 3.0).abs() < 1e-15);
        assert_eq!(network_factor(0.0, 0.1), 1.0);
        assert_eq!(network_factor(0.3, 1.0), 1.0);
        assert_eq!(network_factor(0.3, 0.0), 0.0);
    }
}
