//! The allocation curve of fill experiments (`fill.csv`): GPU allocation against arrived GPU
//! demand, one row per arrived-demand percent, as the FGD artifact's analysis computes it
//! (`experiments/analysis/merge_alloc_discrete.py`).
//!
//! After every instant with an arrival, the collector takes a sample: arrived demand (GPU
//! requests of every pod that arrived, placed or failed) and allocated GPU, both ÷ the cluster's
//! GPU capacity. Samples are grouped by arrived demand rounded to the nearest percent (halves
//! up); a row gives the group's mean allocation ratio and the counts after its last sample.
//! Percents that no arrival lands on (a pod larger than 1 % of the cluster jumps over some)
//! have no row.
//!
//! When the run tracks the workload-aware fragmentation of the FGD paper ([`crate::frag`]),
//! each row also gives the group's mean fragmentation amount (÷ capacity, the paper's "% of
//! GPUs") and ratio (÷ idle capacity), averaged over the same samples
//! (`merge_frag_discrete.py`, `merge_frag_ratio_discrete.py`).

use crate::observe::{Observer, Record, RejectReason};
use crate::view::ClusterView;

/// One row of `fill.csv`. Later measures (fragmentation) are added as further fields.
#[derive(Clone, Debug, PartialEq)]
pub struct FillRow {
    /// Arrived GPU demand, in percent of capacity, rounded to the nearest whole percent.
    pub arrived_pct: u32,
    /// Arrived GPU demand ÷ capacity after the group's last arrival.
    pub arrived_demand: f64,
    /// Allocated GPU ÷ capacity, averaged over the arrivals of the group.
    pub gpu_alloc_ratio: f64,
    /// Pods arrived so far, after the group's last arrival.
    pub pods_arrived: u64,
    /// Pods failed so far (not placed on arrival, or never placeable), after the group's last arrival.
    pub pods_failed: u64,
    /// Fragmented GPU capacity ÷ capacity, averaged over the arrivals of the group (`None`
    /// without typical tasks).
    pub frag_amount: Option<f64>,
    /// Fragmented ÷ idle GPU capacity, averaged over the arrivals of the group (`None` without
    /// typical tasks).
    pub frag_ratio: Option<f64>,
}

/// Samples accumulated for the current percent, and the counts at its latest sample.
struct Group {
    pct: u32,
    alloc_sum: f64,
    frag_sums: Option<(f64, f64)>,
    samples: u64,
    demand: f64,
    pods_arrived: u64,
    pods_failed: u64,
}

/// Observer that builds the [`FillRow`]s of a run.
#[derive(Default)]
pub struct FillCollector {
    arrived_milli: u64,
    pods_arrived: u64,
    pods_failed: u64,
    arrived_this_instant: bool,
    group: Option<Group>,
    rows: Vec<FillRow>,
}

impl FillCollector {
    /// A collector with nothing seen yet.
    pub fn new() -> FillCollector {
        FillCollector::default()
    }

    /// The rows, in increasing percent (complete once the run has ended).
    pub fn into_rows(mut self) -> Vec<FillRow> {
        self.close_group();
        self.rows
    }

    fn close_group(&mut self) {
        if let Some(group) = self.group.take() {
            self.rows.push(FillRow {
                arrived_pct: group.pct,
                arrived_demand: group.demand,
                gpu_alloc_ratio: group.alloc_sum / group.samples as f64,
                pods_arrived: group.pods_arrived,
                pods_failed: group.pods_failed,
                frag_amount: group.frag_sums.map(|(amount, _)| amount / group.samples as f64),
                frag_ratio: group.frag_sums.map(|(_, ratio)| ratio / group.samples as f64),
            });
        }
    }
}

/// `100 · part / whole` rounded to the nearest integer, halves up, in exact integer arithmetic.
fn rounded_percent(part: u64, whole: u64) -> u32 {
    let (part, whole) = (u128::from(part), u128::from(whole));
    ((200 * part + whole) / (2 * whole)) as u32
}

impl Observer for FillCollector {
    fn on_record(&mut self, record: &Record, view: &ClusterView<'_>) {
        match *record {
            Record::Arrived { job } => {
                self.arrived_milli += view.job(job).spec.gpu_milli();
                self.pods_arrived += 1;
                self.arrived_this_instant = true;
            }
            Record::Rejected {
                job,
                reason: RejectReason::NeverFits,
            } => {
                self.arrived_milli += view.job(job).spec.gpu_milli();
                self.pods_arrived += 1;
                self.pods_failed += 1;
                self.arrived_this_instant = true;
            }
            Record::Rejected {
                reason: RejectReason::NotPlacedOnArrival,
                ..
            } => self.pods_failed += 1,
            _ => {}
        }
    }

    fn on_instant_end(&mut self, view: &ClusterView<'_>) {
        let capacity = view.cluster.total_gpu_milli();
        if !std::mem::take(&mut self.arrived_this_instant) || capacity == 0 {
            return;
        }
        let pct = rounded_percent(self.arrived_milli, capacity);
        let alloc = view.cluster.allocated_gpu_milli() as f64 / capacity as f64;
        if self.group.as_ref().is_some_and(|g| g.pct != pct) {
            self.close_group();
        }
        let group = self.group.get_or_insert(Group {
            pct,
            alloc_sum: 0.0,
            frag_sums: None,
            samples: 0,
            demand: 0.0,
            pods_arrived: 0,
            pods_failed: 0,
        });
        group.alloc_sum += alloc;
        if let Some(frag) = view.gpu_frag() {
            let sums = group.frag_sums.get_or_insert((0.0, 0.0));
            sums.0 += frag.frag_milli / capacity as f64;
            sums.1 += frag.ratio();
        }
        group.samples += 1;
        group.demand = self.arrived_milli as f64 / capacity as f64;
        group.pods_arrived = self.pods_arrived;
        group.pods_failed = self.pods_failed;
    }
}

#[cfg(test)]
mod tests {
    use super::rounded_percent;

    #[test]
    fn percents_round_half_up() {
        assert_eq!(rounded_percent(5, 1000), 1, "0.5 % → 1");
        assert_eq!(rounded_percent(4, 1000), 0);
        assert_eq!(rounded_percent(1250, 1000), 125);
        assert_eq!(rounded_percent(u64::MAX, u64::MAX), 100, "no overflow");
    }
}
