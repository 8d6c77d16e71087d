//! The node-level backfilling of the policies against textbook count-based references on flat
//! pools (identical one-GPU nodes, where every node is interchangeable): EASY as Mu'alem and
//! Feitelson define it (IEEE TPDS 2001: the shadow time and the extra processors), conservative
//! backfilling with an availability profile (every waiting job reserved at its earliest fit,
//! recomputed at every scheduling instant), and the reservation-depth middle ground. The
//! references share no code with the engine or the policies: a few dozen lines each, on counts
//! of processors. On a flat pool the node-level schedule must equal them start time for start
//! time, on the two archive traces and on generated ones.

mod common;

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::convert::Infallible;
use std::path::Path;

use common::configured;
use proptest::prelude::*;
use sim_core::cluster::{Cluster, NodeSpec};
use sim_core::engine::{Engine, EngineConfig};
use sim_core::job::JobSpec;
use sim_core::resources::TaskRequest;
use sim_core::time::SimTime;

/// A job of the references: times in µs, size in processors.
#[derive(Clone, Copy, Debug)]
struct RefJob {
    submit: u64,
    run: u64,
    estimate: u64,
    size: u64,
}

/// Which reference.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Reference {
    Fcfs,
    Easy,
    Conservative,
    /// The first `k` blocked jobs get reservations; later jobs only start if they fit now for
    /// their whole estimate.
    Depth(usize),
}

/// A job running in the reference: its start and size.
#[derive(Clone, Copy)]
struct Running {
    job: usize,
    start: u64,
}

/// When a running job is expected to end: start + estimate, or just after now if it has
/// outlived its estimate.
fn expected_end(job: &RefJob, start: u64, now: u64) -> u64 {
    let end = start + job.estimate;
    if end > now { end } else { now + 1 }
}

/// Start times of every job (µs) under `reference` on `units` identical processors. Jobs are
/// sorted by submit time; every job's size is at most `units`.
fn simulate(jobs: &[RefJob], units: u64, reference: Reference) -> Vec<u64> {
    let mut start = vec![u64::MAX; jobs.len()];
    let mut ends: BinaryHeap<Reverse<(u64, usize)>> = BinaryHeap::new();
    let mut running: Vec<Running> = Vec::new();
    let mut queue: VecDeque<usize> = VecDeque::new();
    let mut next = 0;
    let mut free = units;
    loop {
        let arrival = jobs.get(next).map(|j| j.submit);
        let end = ends.peek().map(|Reverse((t, _))| *t);
        let now = match (arrival, end) {
            (None, None) => break,
            (Some(a), None) => a,
            (None, Some(e)) => e,
            (Some(a), Some(e)) => a.min(e),
        };
        while let Some(&Reverse((t, job))) = ends.peek()
            && t == now
        {
            ends.pop();
            running.retain(|r| r.job != job);
            free += jobs[job].size;
        }
        while next < jobs.len() && jobs[next].submit == now {
            queue.push_back(next);
            next += 1;
        }
        let started = match reference {
            Reference::Fcfs => fcfs(jobs, &queue, free),
            Reference::Easy => easy(jobs, &queue, &running, free, now),
            Reference::Conservative => profile(jobs, &queue, &running, free, now, usize::MAX),
            Reference::Depth(k) => profile(jobs, &queue, &running, free, now, k),
        };
        for job in started {
            queue.retain(|&q| q != job);
            start[job] = now;
            free -= jobs[job].size;
            running.push(Running { job, start: now });
            ends.push(Reverse((now + jobs[job].run, job)));
        }
    }
    start
}

/// First come, first served: jobs start in order while they fit.
fn fcfs(jobs: &[RefJob], queue: &VecDeque<usize>, mut free: u64) -> Vec<usize> {
    let mut started = Vec::new();
    for &j in queue {
        if jobs[j].size > free {
            break;
        }
        free -= jobs[j].size;
        started.push(j);
    }
    started
}

/// EASY: jobs start in order while they fit; the first that does not gets the shadow time (the
/// expected end at which enough processors are free) and the extra processors (free at that
/// time, every job ending then included, beyond its need); a later job starts if it fits now and ends by the shadow time, or uses no
/// more than the extra (which it then consumes).
fn easy(jobs: &[RefJob], queue: &VecDeque<usize>, running: &[Running], mut free: u64, now: u64) -> Vec<usize> {
    let mut started = Vec::new();
    let mut rest = queue.iter().copied();
    let head = loop {
        match rest.next() {
            None => return started,
            Some(j) if jobs[j].size <= free => {
                free -= jobs[j].size;
                started.push(j);
            }
            Some(j) => break j,
        }
    };
    let mut expected: Vec<(u64, u64)> = running
        .iter()
        .map(|r| (expected_end(&jobs[r.job], r.start, now), jobs[r.job].size))
        .chain(started.iter().map(|&j| (now + jobs[j].estimate, jobs[j].size)))
        .collect();
    expected.sort_unstable();
    // The shadow time is the first expected end by which enough processors are free; the extra
    // is what is free at that time beyond the head's need (every job ending then counts).
    let mut available = free;
    let mut shadow = u64::MAX;
    for (end, size) in expected {
        if end > shadow {
            break;
        }
        available += size;
        if available >= jobs[head].size {
            shadow = end;
        }
    }
    let mut extra = if shadow == u64::MAX {
        0
    } else {
        available - jobs[head].size
    };
    for j in rest {
        let job = &jobs[j];
        if job.size > free {
            continue;
        }
        if now + job.estimate <= shadow {
            free -= job.size;
            started.push(j);
        } else if job.size <= extra {
            free -= job.size;
            extra -= job.size;
            started.push(j);
        }
    }
    started
}

/// The availability profile: free processors as a step function of time from now, as
/// `(from, free)` steps in time order.
struct Profile {
    steps: Vec<(u64, i64)>,
}

impl Profile {
    /// Free processors at every time from now, with the running jobs ending at their
    /// expected ends.
    fn new(jobs: &[RefJob], running: &[Running], free: u64, now: u64) -> Profile {
        let mut ends: Vec<(u64, u64)> = running
            .iter()
            .map(|r| (expected_end(&jobs[r.job], r.start, now), jobs[r.job].size))
            .collect();
        ends.sort_unstable();
        let mut steps = vec![(now, free as i64)];
        for (end, size) in ends {
            let last = steps.last_mut().unwrap();
            if last.0 == end {
                last.1 += size as i64;
            } else {
                let value = last.1 + size as i64;
                steps.push((end, value));
            }
        }
        Profile { steps }
    }

    /// The index of the step holding time `t`, splitting a step so that one starts at `t`.
    fn split(&mut self, t: u64) -> usize {
        let i = self.steps.partition_point(|&(from, _)| from <= t) - 1;
        if self.steps[i].0 == t {
            return i;
        }
        let value = self.steps[i].1;
        self.steps.insert(i + 1, (t, value));
        i + 1
    }

    /// The earliest time at which `size` processors are free for `length` µs.
    fn earliest(&self, size: u64, length: u64) -> u64 {
        'candidates: for (i, &(t, _)) in self.steps.iter().enumerate() {
            for &(from, free) in &self.steps[i..] {
                if from >= t + length {
                    break;
                }
                if free < size as i64 {
                    continue 'candidates;
                }
            }
            return t;
        }
        unreachable!("the last step has every processor free")
    }

    /// Takes `size` processors during `[t, t + length)`.
    fn reserve(&mut self, t: u64, size: u64, length: u64) {
        let first = self.split(t);
        let last = self.split(t + length);
        for step in &mut self.steps[first..last] {
            step.1 -= size as i64;
        }
    }
}

/// Conservative backfilling (`depth` unlimited) and its depth-limited form: in queue order each
/// job gets the earliest time it fits for its whole estimate in the profile and is reserved
/// there; past `depth` reservations a job is only started if that time is now. Jobs whose time
/// is now start.
fn profile(
    jobs: &[RefJob],
    queue: &VecDeque<usize>,
    running: &[Running],
    free: u64,
    now: u64,
    depth: usize,
) -> Vec<usize> {
    let mut profile = Profile::new(jobs, running, free, now);
    let mut reservations = 0;
    let mut started = Vec::new();
    for &j in queue {
        let job = &jobs[j];
        let t = profile.earliest(job.size, job.estimate);
        if t == now {
            profile.reserve(t, job.size, job.estimate);
            started.push(j);
        } else if reservations < depth {
            profile.reserve(t, job.size, job.estimate);
            reservations += 1;
        }
    }
    started
}

/// `units` nodes of one GPU each.
fn flat_pool(units: u64) -> Cluster {
    let specs: Vec<NodeSpec> = (0..units)
        .map(|i| NodeSpec {
            name: format!("n{i}"),
            rack: format!("r{}", i / 16),
            gpus: 1,
            gpu_type: "A100".into(),
            cpu_milli: 0,
            mem_mib: 0,
        })
        .collect();
    Cluster::build(&specs).unwrap()
}

/// The engine's job for a reference job: `size` tasks of one GPU.
fn spec(index: usize, job: &RefJob) -> JobSpec {
    let task = TaskRequest::with_gpu_amount(1.0, 0, 0).unwrap();
    let mut spec = JobSpec::new(
        index.to_string(),
        SimTime(job.submit),
        SimTime(job.run),
        job.size as u32,
        task,
    );
    spec.requested = SimTime(job.estimate);
    spec
}

/// The policy a reference corresponds to, with `placement`.
fn policy_for(reference: Reference, placement: &str) -> Box<dyn sim_core::policy::Policy + Send> {
    let (backfill, depth) = match reference {
        Reference::Fcfs => ("none", None),
        Reference::Easy => ("easy", None),
        Reference::Conservative => ("conservative", None),
        Reference::Depth(k) => ("easy", Some(k as u32)),
    };
    configured("first-fit", 0, |c| {
        c.placement = Some(placement.into());
        c.backfill = Some(backfill.into());
        if let Some(depth) = depth {
            c.params.set("backfill_depth", depth);
        }
    })
}

/// Start times of every job (µs) on the engine with the node-level policy.
fn engine_starts(jobs: &[RefJob], units: u64, reference: Reference, placement: &str) -> Vec<u64> {
    let mut policy = policy_for(reference, placement);
    let source = jobs.iter().enumerate().map(|(i, j)| Ok::<_, Infallible>(spec(i, j)));
    let outcome = Engine::new(flat_pool(units), source, policy.as_mut(), EngineConfig::default())
        .unwrap()
        .run()
        .unwrap();
    outcome
        .jobs
        .iter()
        .map(|j| j.first_start.map_or(u64::MAX, SimTime::as_micros))
        .collect()
}

/// The first job (by index) whose start differs, with both starts, or `None`.
fn first_difference(jobs: &[RefJob], units: u64, reference: Reference, placement: &str) -> Option<String> {
    let expected = simulate(jobs, units, reference);
    let got = engine_starts(jobs, units, reference, placement);
    let differ = expected.iter().zip(&got).filter(|(e, g)| e != g).count();
    expected.iter().zip(&got).position(|(e, g)| e != g).map(|i| {
        format!(
            "{reference:?} with {placement}: {differ} of {} start times differ; first: job {i} {:?} starts at {} µs in the reference, {} µs in the engine",
            jobs.len(),
            jobs[i],
            expected[i],
            got[i]
        )
    })
}

/// The jobs of an SWF archive trace that fit `units` processors, as the engine reads them
/// (one task of one GPU per processor, requested time as the estimate).
fn archive(path: &str, units: u64) -> Vec<RefJob> {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path);
    let source = traces::open(&file, None, &traces::ReadOptions::default()).unwrap();
    source
        .map(|spec| spec.unwrap())
        .map(|spec| RefJob {
            submit: spec.submit.as_micros(),
            run: spec.duration.as_micros(),
            estimate: spec.requested.as_micros(),
            size: u64::from(spec.tasks),
        })
        .filter(|j| j.size <= units)
        .collect()
}

const KTH: &str = "traces/data/swf-kth-sp2-1996/KTH-SP2-1996-2.1-cln.swf";
const LUBLIN: &str = "traces/data/swf-lublin-256/lublin_256.swf";

/// Every reference × placement on an archive trace, all differences reported together.
fn check_archive(path: &str, units: u64, references: &[Reference]) {
    let jobs = archive(path, units);
    let differences: Vec<String> = references
        .iter()
        .flat_map(|&r| ["best-fit", "first-fit"].map(|p| first_difference(&jobs, units, r, p)))
        .flatten()
        .collect();
    assert!(differences.is_empty(), "{path}:\n{}", differences.join("\n"));
}

#[test]
fn kth_sp2_matches_the_count_based_references() {
    // 100 processors; estimates are the users' requested times, some shorter than the run.
    check_archive(
        KTH,
        100,
        &[
            Reference::Fcfs,
            Reference::Easy,
            Reference::Conservative,
            Reference::Depth(4),
        ],
    );
}

#[test]
fn lublin_256_matches_the_count_based_references() {
    // 256 processors; no requested times, so estimates are exact.
    check_archive(
        LUBLIN,
        256,
        &[
            Reference::Fcfs,
            Reference::Easy,
            Reference::Conservative,
            Reference::Depth(4),
        ],
    );
}

/// Lublin-256's first 1,000 jobs on a pool 20 times as large, each job 20 times as wide (the
/// same schedule, scaled): on 5,120 nodes a plan renewed round after round takes only the
/// nodes' busy-until times changed since its last copy (the forecast copies clusters of fewer
/// than 4,096 nodes whole), which debug builds check against the forecast at every copy.
#[test]
fn lublin_256_scaled_to_5120_nodes_matches_the_count_based_references() {
    let unscaled: Vec<RefJob> = archive(LUBLIN, 256).into_iter().take(1_000).collect();
    let jobs: Vec<RefJob> = unscaled
        .iter()
        .map(|&job| RefJob {
            size: job.size * 20,
            ..job
        })
        .collect();
    assert_eq!(
        simulate(&jobs, 5_120, Reference::Easy),
        simulate(&unscaled, 256, Reference::Easy),
        "the reference schedules the scaled jobs as the jobs"
    );
    let differences: Vec<String> = [Reference::Easy, Reference::Conservative]
        .into_iter()
        .filter_map(|r| first_difference(&jobs, 5_120, r, "best-fit"))
        .collect();
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}

/// A random flat-pool workload: bursts of arrivals, runs of 1–60 s, estimates from a third
/// of the run (the job outlives it) to three times it, sizes up to the pool.
fn workload(units: u64) -> impl Strategy<Value = Vec<RefJob>> {
    prop::collection::vec((0u64..20, 1u64..60, 0u64..9, 1u64..=units), 1..60).prop_map(|rows| {
        let mut submit = 0;
        rows.into_iter()
            .map(|(gap, run, estimate_ninths, size)| {
                submit += gap;
                let estimate = (run * (3 + 3 * estimate_ninths) / 9).max(1);
                RefJob {
                    submit: submit * 1_000_000,
                    run: run * 1_000_000,
                    estimate: estimate * 1_000_000,
                    size,
                }
            })
            .collect()
    })
}

fn pool_and_workload() -> impl Strategy<Value = (u64, Vec<RefJob>)> {
    (1u64..=12).prop_flat_map(|units| (Just(units), workload(units)))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn generated_traces_match_the_count_based_references((units, jobs) in pool_and_workload()) {
        for reference in [Reference::Fcfs, Reference::Easy, Reference::Conservative, Reference::Depth(2)] {
            for placement in ["best-fit", "first-fit", "worst-fit"] {
                prop_assert_eq!(first_difference(&jobs, units, reference, placement), None);
            }
        }
    }
}

/// The references themselves, on a case worked by hand (4 processors):
/// - a: 3 procs, runs 0–10 (estimate 10). b: 4 procs at 1, est 5. c: 1 proc at 2, run 4,
///   est 4. d: 1 proc at 3, run 20, est 20.
/// - EASY: at 1, b is the head: a ends at 10 → shadow 10, extra 3 + 1 − 4 = 0. c (2–6)
///   ends by 10 → backfills at 2. d (3–23) would end after 10 and extra is 0 → waits; at 6
///   (c ends) the same; at 10 b starts (10–15); d starts at 15.
/// - Conservative: the same reservations: b at 10, c fits now at 2, d's earliest is 15.
/// - FCFS: b waits for a (10), c and d wait behind b: c at 15, d at 15 (both fit: 1 + 1 ≤ 4).
#[test]
fn the_references_agree_with_a_case_worked_by_hand() {
    let s = 1_000_000;
    let job = |submit, run, estimate, size| RefJob {
        submit: submit * s,
        run: run * s,
        estimate: estimate * s,
        size,
    };
    let jobs = [job(0, 10, 10, 3), job(1, 5, 5, 4), job(2, 4, 4, 1), job(3, 20, 20, 1)];
    let secs = |starts: Vec<u64>| starts.into_iter().map(|t| t / s).collect::<Vec<_>>();
    assert_eq!(secs(simulate(&jobs, 4, Reference::Easy)), [0, 10, 2, 15]);
    assert_eq!(secs(simulate(&jobs, 4, Reference::Conservative)), [0, 10, 2, 15]);
    assert_eq!(secs(simulate(&jobs, 4, Reference::Fcfs)), [0, 10, 15, 15]);
}
