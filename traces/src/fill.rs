//! Fill workloads for capacity experiments: the "workload inflation" protocol of the FGD paper
//! (Weng et al., USENIX ATC '23) as its artifact runs it on the openb pod lists
//! (`kubernetes-scheduler-simulator`, `SortClusterPods` and `TunePodsByNodeTotalResource`).
//!
//! 1. Timestamps are ignored. The pods are sorted by id, then shuffled with the seed
//!    (stream `fill` of [`sim_core::rng::stream`]).
//! 2. Their total GPU demand is tuned to `target` × the cluster's GPU capacity: below it, copies
//!    of pods drawn at random (with replacement) from the id-sorted list are appended until the
//!    next copy would take the demand past the target (that copy is not added); above it,
//!    pods chosen at random are removed until the demand is at or below the target. (The
//!    artifact compares a copy's per-GPU share with the target; the pod's whole demand is
//!    compared here, which differs only for multi-GPU copies.)
//! 3. Pods arrive one at a time in that order, [`FILL_ARRIVAL_SPACING`] apart from time 0, and
//!    never finish: each runs for [`FILL_POD_DURATION`], and the run stops after the last
//!    arrival. A pod the policy does not place at once fails (the engine's
//!    `fail_unplaced_arrivals`).
//!
//! Copies are named `<id>#<n>` (n = 1, 2, … in order of drawing). Bit-for-bit agreement with
//! the artifact for a given seed would need Go's `math/rand`; averages over seeds are the target.

use rand::RngExt;
use rand::seq::SliceRandom;
use sim_core::job::JobSpec;
use sim_core::rng;
use sim_core::time::SimTime;

use crate::{BufferedSource, JobSource, SkipReport, TraceError, read_all};

/// Time between two pod arrivals.
pub const FILL_ARRIVAL_SPACING: SimTime = SimTime::from_micros(1);

/// Run time of every fill pod: 100 years, far beyond the last arrival, so no pod finishes.
pub const FILL_POD_DURATION: SimTime = SimTime::from_secs(100 * 365 * 86_400);

/// A fill workload, ready to replay, and how it was made.
pub struct FillWorkload {
    /// The pods in arrival order.
    pub source: BufferedSource,
    /// When the last pod arrives (the run's horizon).
    pub last_arrival: SimTime,
    /// Pods read from the trace.
    pub pods_read: u64,
    /// Copies appended.
    pub copies: u64,
    /// Pods removed to bring the demand down to the target.
    pub removed: u64,
    /// GPU demand of the workload, in milli-GPU.
    pub demand_milli: u64,
}

/// Builds the fill workload of `source` for a cluster of `capacity_milli` milli-GPU, with a
/// demand target of `target` × capacity, shuffled and tuned with `seed`. A workload that would
/// need more than `max_pods` pods (`limits.jobs` of a scenario) is refused before the copies
/// are made when the pods' mean demand says so, else when the count is reached.
pub fn fill_workload(
    source: &mut dyn JobSource,
    seed: u64,
    capacity_milli: u64,
    target: f64,
    max_pods: u64,
) -> Result<FillWorkload, TraceError> {
    let mut originals = read_all(source)?;
    let skipped: SkipReport = source.skipped().clone();
    originals.sort_by(|a, b| a.id.cmp(&b.id));
    let fail = |reason: String| TraceError::File {
        file: "fill workload".into(),
        reason,
    };
    if originals.iter().all(|p| p.gpu_milli() == 0) {
        return Err(fail(
            "the trace has no pod that asks for a GPU, so it cannot fill a cluster".into(),
        ));
    }
    let too_many = |pods: f64| {
        fail(format!(
            "about {pods:.0} pods would be needed to reach {target} × the GPU capacity, more than limits.jobs = \
             {max_pods}; lower workload.target_demand or raise limits.jobs"
        ))
    };
    let mean_milli = originals.iter().map(|p| p.gpu_milli() as f64).sum::<f64>() / originals.len() as f64;
    let expected_pods = target * capacity_milli as f64 / mean_milli;
    if expected_pods > max_pods as f64 {
        return Err(too_many(expected_pods));
    }
    let mut stream = rng::stream(seed, "fill");
    let mut pods = originals.clone();
    pods.shuffle(&mut stream);
    let target_milli = target * capacity_milli as f64;
    let mut demand: u64 = pods.iter().map(JobSpec::gpu_milli).sum();
    let (mut copies, mut removed) = (0u64, 0u64);
    while demand as f64 > target_milli && !pods.is_empty() {
        let pod = pods.remove(stream.random_range(0..pods.len()));
        demand -= pod.gpu_milli();
        removed += 1;
    }
    if removed == 0 {
        loop {
            let drawn = &originals[stream.random_range(0..originals.len())];
            if (demand + drawn.gpu_milli()) as f64 > target_milli {
                break;
            }
            if pods.len() as u64 >= max_pods {
                return Err(too_many(pods.len() as f64 + 1.0));
            }
            copies += 1;
            let mut copy = drawn.clone();
            copy.id = format!("{}#{copies}", drawn.id);
            demand += copy.gpu_milli();
            pods.push(copy);
        }
    }
    for (i, pod) in pods.iter_mut().enumerate() {
        pod.submit = SimTime(i as u64 * FILL_ARRIVAL_SPACING.as_micros());
        pod.duration = FILL_POD_DURATION;
        pod.requested = FILL_POD_DURATION;
    }
    let last_arrival = pods.last().map_or(SimTime::ZERO, |p| p.submit);
    Ok(FillWorkload {
        pods_read: originals.len() as u64,
        source: BufferedSource::new(pods, skipped),
        last_arrival,
        copies,
        removed,
        demand_milli: demand,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim_core::resources::TaskRequest;

    fn pod(id: &str, gpu_milli: u32) -> JobSpec {
        let task = TaskRequest {
            gpus: u32::from(gpu_milli > 0),
            milli_per_gpu: gpu_milli,
            cpu_milli: 0,
            mem_mib: 0,
            mig: sim_core::sharing::mig::MigName::NONE,
        };
        JobSpec::new(id, SimTime::from_secs(7), SimTime::from_secs(5), 1, task)
    }

    fn fill(pods: Vec<JobSpec>, capacity: u64, target: f64, seed: u64) -> (Vec<JobSpec>, FillWorkload) {
        let mut source = BufferedSource::new(pods, SkipReport::default());
        let mut workload = fill_workload(&mut source, seed, capacity, target, u64::MAX).unwrap();
        let jobs = read_all(&mut workload.source).unwrap();
        (jobs, workload)
    }

    #[test]
    fn copies_are_appended_until_the_next_would_pass_the_target() {
        // Two 1-GPU pods on 4 GPUs, target 1.3: 5,200 milli. Copies of 1,000 each: the demand
        // goes 2,000 → 3,000 → 4,000 → 5,000; a fourth copy would make 6,000 > 5,200.
        let (jobs, w) = fill(vec![pod("b", 1000), pod("a", 1000)], 4000, 1.3, 1);
        assert_eq!((jobs.len(), w.copies, w.removed, w.demand_milli), (5, 3, 0, 5000));
        let submits: Vec<u64> = jobs.iter().map(|j| j.submit.as_micros()).collect();
        assert_eq!(submits, vec![0, 1, 2, 3, 4]);
        assert_eq!(w.last_arrival, SimTime(4));
        assert!(jobs.iter().all(|j| j.duration == FILL_POD_DURATION));
        let mut originals: Vec<&str> = jobs[..2].iter().map(|j| j.id.as_str()).collect();
        originals.sort_unstable();
        assert_eq!(originals, vec!["a", "b"], "the pod list comes first, shuffled");
        assert!(
            jobs[2..]
                .iter()
                .all(|j| j.id.ends_with("#1") || j.id.ends_with("#2") || j.id.ends_with("#3"))
        );
    }

    #[test]
    fn an_oversized_list_is_cut_down_to_the_target() {
        // Ten 1-GPU pods on 4 GPUs, target 1.3 (5,200 milli): five are removed, leaving 5,000.
        let pods: Vec<JobSpec> = (0..10).map(|i| pod(&format!("p{i}"), 1000)).collect();
        let (jobs, w) = fill(pods, 4000, 1.3, 3);
        assert_eq!((jobs.len(), w.removed, w.copies, w.demand_milli), (5, 5, 0, 5000));
    }

    #[test]
    fn the_seed_decides_the_order_and_nothing_else_does() {
        let pods = |order: &[usize]| {
            order
                .iter()
                .map(|&i| pod(&format!("p{i}"), 100 * (i as u32 + 1)))
                .collect()
        };
        let ids = |jobs: Vec<JobSpec>| jobs.into_iter().map(|j| j.id).collect::<Vec<_>>();
        let (one, _) = fill(pods(&[0, 1, 2, 3, 4, 5]), 10_000, 1.0, 9);
        let (two, _) = fill(pods(&[5, 3, 1, 0, 2, 4]), 10_000, 1.0, 9);
        assert_eq!(
            ids(one.clone()),
            ids(two),
            "file order does not matter: pods are sorted by id first"
        );
        let (other, _) = fill(pods(&[0, 1, 2, 3, 4, 5]), 10_000, 1.0, 10);
        assert_ne!(ids(one), ids(other));
    }

    #[test]
    fn a_target_needing_more_pods_than_the_budget_is_refused_before_copying() {
        // Pods of 100 and 300 milli-GPU, mean 200: 1.0 × 10,000 milli needs about 50 pods.
        let pods = || vec![pod("a", 100), pod("b", 300)];
        let mut source = BufferedSource::new(pods(), SkipReport::default());
        let err = fill_workload(&mut source, 1, 10_000, 1.0, 49).err().unwrap();
        assert_eq!(
            err.to_string(),
            "fill workload: about 50 pods would be needed to reach 1 × the GPU capacity, more than limits.jobs = 49; \
             lower workload.target_demand or raise limits.jobs"
        );
        let mut source = BufferedSource::new(pods(), SkipReport::default());
        assert!(fill_workload(&mut source, 1, 10_000, 1.0, 1000).is_ok());
    }

    #[test]
    fn a_list_without_gpu_pods_is_refused() {
        let mut source = BufferedSource::new(vec![pod("a", 0)], SkipReport::default());
        let err = fill_workload(&mut source, 1, 1000, 1.3, u64::MAX).err().unwrap();
        assert!(err.to_string().contains("no pod that asks for a GPU"), "{err}");
    }
}
