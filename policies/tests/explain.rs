//! The why-log on hand-worked runs: each round's considered jobs, what it did and why a job
//! waits, reported by the part that said no; and explaining changes no decision.

mod common;

use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use common::{sized_cluster, with};
use policies::explain::{CompactRound, Considered, ExplainSink, Outcome, Reason};
use policies::{PolicyConfig, PolicySpec};
use sim_core::cluster::{Cluster, NodeSpec};
use sim_core::engine::{Engine, EngineConfig};
use sim_core::frag::TypicalTasks;
use sim_core::job::JobSpec;
use sim_core::resources::TaskRequest;
use sim_core::time::SimTime;
use sim_core::view::ClusterView;

/// One logged row: time (s), job, outcome, reason and parameters, nodes, candidates (as
/// `decisions.csv` writes them: `node=score`, best first, joined by `;`), victims (as
/// `job(why)` in the victim rule's order, joined by `;`).
type Line = (u64, String, String, String, String, String, String, String);

/// Keeps every row, in words, for the assertions.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<Line>>>);

impl ExplainSink for Log {
    fn round(&mut self, view: &ClusterView<'_>, rows: &[Considered]) {
        let mut lines = self.0.lock().unwrap();
        for row in rows {
            let (reason, params) = match &row.outcome {
                Outcome::Waits(r) => (r.name().to_string(), r.params(view)),
                _ => (String::new(), String::new()),
            };
            let nodes: Vec<&str> = row
                .tasks
                .iter()
                .map(|t| view.cluster.node(t.node).name.as_str())
                .collect();
            let candidates: Vec<String> = row
                .candidates
                .iter()
                .map(|c| format!("{}={}", view.cluster.node(c.node).name, c.score))
                .collect();
            let victims: Vec<String> = row
                .victims
                .iter()
                .map(|v| format!("{}({})", view.job(v.job).spec.id, v.why))
                .collect();
            lines.push((
                view.now.as_micros() / 1_000_000,
                view.job(row.job).spec.id.clone(),
                row.outcome.name().to_string(),
                reason,
                params,
                nodes.join("+"),
                candidates.join(";"),
                victims.join(";"),
            ));
        }
    }
}

/// Runs `jobs` under the preset `name` edited by `edit`, explaining with 3 candidates per start;
/// returns the log, and checks that every job started and ended as in the same run without
/// explaining.
fn explained(
    name: &str,
    edit: impl Fn(&mut PolicyConfig),
    cluster: impl Fn() -> Cluster,
    jobs: &[JobSpec],
) -> Vec<Line> {
    explained_top(name, edit, cluster, jobs, 3)
}

/// [`explained`], listing `top_k` candidates per start.
fn explained_top(
    name: &str,
    edit: impl Fn(&mut PolicyConfig),
    cluster: impl Fn() -> Cluster,
    jobs: &[JobSpec],
    top_k: usize,
) -> Vec<Line> {
    let mut config = PolicyConfig::preset(name);
    edit(&mut config);
    let spec = PolicySpec::from_config(&config).unwrap();
    let log = Log::default();
    let digest = |mut policy: Box<dyn sim_core::policy::Policy + Send>| {
        let source = jobs.iter().cloned().map(Ok::<_, Infallible>);
        let outcome = Engine::new(cluster(), source, policy.as_mut(), EngineConfig::default())
            .unwrap()
            .run()
            .unwrap();
        outcome
            .jobs
            .iter()
            .map(|j| {
                format!(
                    "{} {:?} {:?} {:?} {:?}",
                    j.spec.id, j.first_start, j.last_start, j.end, j.state
                )
            })
            .collect::<Vec<String>>()
    };
    let plain = digest(policies::resolve(&spec, 0));
    let with_log = digest(policies::resolve_explained(
        &spec,
        0,
        &TypicalTasks::new(Vec::new()),
        Box::new(log.clone()),
        top_k,
    ));
    assert_eq!(plain, with_log, "explaining changed the run");
    log.0.lock().unwrap().clone()
}

/// The rows of job `id`, as (t, outcome, reason, params).
fn of(lines: &[Line], id: &str) -> Vec<(u64, String, String, String)> {
    lines
        .iter()
        .filter(|l| l.1 == id)
        .map(|l| (l.0, l.2.clone(), l.3.clone(), l.4.clone()))
        .collect()
}

fn row(t: u64, outcome: &str, reason: &str, params: &str) -> (u64, String, String, String) {
    (t, outcome.into(), reason.into(), params.into())
}

fn job(id: &str, submit: u64, duration: u64, gpus: f64) -> JobSpec {
    common::job(id, submit, duration, 1, gpus)
}

/// One node × 10 GPUs, FIFO best fit (no backfilling).
/// - a: 6 GPUs at 0 for 100 s: starts at 0 on n0.
/// - h: 8 GPUs at 1: 4 free, 4 < 8 in total → waits, too few free (free 4, needed 8).
/// - c: 2 GPUs at 2: would fit, but FIFO stops at h → waits behind head h (rounds at 1 and 2
///   both see h blocked; c is only pending from 2).
/// - at 100 a ends: h starts (8 of 10), then c (2 left).
#[test]
fn fifo_head_blocks_and_the_job_behind_waits_behind_it() {
    let lines = explained(
        "best-fit",
        |_| {},
        || sized_cluster(1, 1, 10, 64, 512),
        &[job("a", 0, 100, 6.0), job("h", 1, 10, 8.0), job("c", 2, 50, 2.0)],
    );
    assert_eq!(of(&lines, "a"), [row(0, "started", "", "")]);
    assert_eq!(
        of(&lines, "h"),
        [
            row(1, "waits", "too-few-free", "free=4;needed=8"),
            row(2, "waits", "too-few-free", "free=4;needed=8"),
            row(100, "started", "", "")
        ]
    );
    assert_eq!(
        of(&lines, "c"),
        [row(2, "waits", "behind-head", "head=h"), row(100, "started", "", "")]
    );
    assert_eq!(lines[0].5, "n0", "the chosen nodes are named");
}

/// The EASY example of backfill.rs (one node × 10 GPUs, EASY, FIFO, best fit):
/// - a: 6 GPUs 0–100; h: 8 GPUs at 1 → waits (too few free: 4 of 8), reserved at 100.
/// - c: 4 GPUs at 2 for 50 s: ends 52 ≤ 100 → backfilled at 2.
/// - d: 3 GPUs at 60 for 200 s: fits now but would run into h's reservation at 100 → waits,
///   "reservation of h until 100".
/// - e: 2 GPUs at 61 for 500 s: uses only the extra GPUs → backfilled at 61 (d is refused
///   again in that round).
#[test]
fn a_job_backfills_and_another_is_refused_by_the_reservation() {
    let lines = explained(
        "easy-backfill",
        |_| {},
        || sized_cluster(1, 1, 10, 64, 512),
        &[
            job("a", 0, 100, 6.0),
            job("h", 1, 10, 8.0),
            job("c", 2, 50, 4.0),
            job("d", 60, 200, 3.0),
            job("e", 61, 500, 2.0),
        ],
    );
    assert_eq!(of(&lines, "c"), [row(2, "backfilled", "", "")]);
    assert_eq!(of(&lines, "e"), [row(61, "backfilled", "", "")]);
    let d = of(&lines, "d");
    assert_eq!(d[0], row(60, "waits", "reservation", "job=h;until_s=100"));
    assert_eq!(d[1], row(61, "waits", "reservation", "job=h;until_s=100"));
    assert_eq!(of(&lines, "h")[0], row(1, "waits", "too-few-free", "free=4;needed=8"));
}

/// Four one-GPU nodes, EASY. Once the head holds its reservation, a round passes over the
/// jobs that cannot fit now without offering them one by one; explaining offers every job, so
/// the helper's check that the explained run equals the plain one covers that pass.
/// - a: 3 nodes, 0–100. h: 4 nodes at 1 → waits (1 free), reserved at 100, no extra.
/// - w1, w2, w3: 2 nodes each at 2, 3, 4 for 10 s → wait, too few free (1 of 2).
/// - s: 1 node at 5 for 10 s: ends at 15 ≤ 100 → backfilled at 5, behind the three.
/// - at 100 a ends and h starts (to 110); at 110 w1 and w2 start (4 free); w3 at 120.
#[test]
fn a_run_of_jobs_too_wide_to_fit_is_passed_over_and_the_next_one_backfills() {
    let wide = |id, submit| common::job(id, submit, 10, 2, 1.0);
    let lines = explained(
        "easy-backfill",
        |_| {},
        || sized_cluster(4, 4, 1, 64, 512),
        &[
            common::job("a", 0, 100, 3, 1.0),
            common::job("h", 1, 10, 4, 1.0),
            wide("w1", 2),
            wide("w2", 3),
            wide("w3", 4),
            job("s", 5, 10, 1.0),
        ],
    );
    assert_eq!(of(&lines, "s"), [row(5, "backfilled", "", "")]);
    assert_eq!(of(&lines, "h").last(), Some(&row(100, "started", "", "")));
    for (id, arrival, start) in [("w1", 2, 110), ("w2", 3, 110), ("w3", 4, 120)] {
        let rows = of(&lines, id);
        assert_eq!(
            (rows[0].0, rows[0].1.as_str(), rows[0].2.as_str()),
            (arrival, "waits", "too-few-free")
        );
        assert_eq!(rows.last(), Some(&row(start, "started", "", "")), "{id}");
    }
}

/// Queue q0 has a quota of 4 GPUs on two nodes × 4 GPUs (FIFO best fit):
/// - a (q0): 4 GPUs at 0 → starts. b (q0): 2 GPUs at 1 → 4 + 2 > 4 → waits over quota q0,
///   and does not block: o (other queue), 2 GPUs at 2, starts at 2.
#[test]
fn a_quota_refuses_without_blocking() {
    let lines = explained(
        "best-fit",
        |c| {
            let quota = policies::Table::new().with("quota_gpus", 4.0);
            c.params.set("queues", policies::Table::new().with("q0", quota));
        },
        || sized_cluster(2, 2, 4, 64, 512),
        &[
            with(job("a", 0, 100, 4.0), |j| j.queue = "q0".into()),
            with(job("b", 1, 10, 2.0), |j| j.queue = "q0".into()),
            with(job("o", 2, 10, 2.0), |j| j.queue = "other".into()),
        ],
    );
    assert_eq!(of(&lines, "b")[0], row(1, "waits", "over-quota", "queue=q0"));
    assert_eq!(of(&lines, "o"), [row(2, "started", "", "")]);
    assert_eq!(of(&lines, "b").last().unwrap(), &row(100, "started", "", ""));
}

/// The victims of job `id`'s starts after preemption, as the why-log writes them.
fn victims_of(lines: &[Line], id: &str) -> Vec<String> {
    lines
        .iter()
        .filter(|l| l.1 == id && l.2 == "preempted-others")
        .map(|l| l.7.clone())
        .collect()
}

/// One node × 4 GPUs, FIFO best fit with preemption (fewest lost work):
/// - low: 4 GPUs at 0, priority 0, preemptible → starts.
/// - high: 4 GPUs at 10, priority 5 → no room; preempting low frees 4 → preempted-others at 10.
///   The rule's key for low: 10 s of work since its last checkpoint (it has none) × 4 GPUs =
///   40 GPU-seconds lost.
/// - the policy asks for another round at 10, since it stopped a job; it offers low (back in the
///   queue): no room, and high (not preemptible) is no victim, so there are no candidates and
///   the placement's refusal stands (too few free: 0 of 4).
/// - mid: 4 GPUs at 20, priority 3. The round at 20 offers low first (first by arrival): as
///   at 10; FIFO stops there, and mid waits behind the head low.
/// - at 110 high ends: low restarts.
#[test]
fn a_preemption_picks_its_victim() {
    let lines = explained(
        "best-fit",
        |c| c.preemption = Some("min-lost-work".into()),
        || sized_cluster(1, 1, 4, 64, 512),
        &[
            with(job("low", 0, 1000, 4.0), |j| j.preemptible = true),
            with(job("high", 10, 100, 4.0), |j| j.priority = 5),
            with(job("mid", 20, 100, 4.0), |j| j.priority = 3),
        ],
    );
    assert_eq!(of(&lines, "low")[0], row(0, "started", "", ""));
    assert_eq!(of(&lines, "high"), [row(10, "preempted-others", "", "")]);
    assert_eq!(victims_of(&lines, "high"), ["low(lost_gpu_s=40)"]);
    assert_eq!(
        of(&lines, "low")[1],
        row(10, "waits", "too-few-free", "free=0;needed=4")
    );
    assert_eq!(
        of(&lines, "low")[2],
        row(20, "waits", "too-few-free", "free=0;needed=4")
    );
    assert_eq!(of(&lines, "mid")[0], row(20, "waits", "behind-head", "head=low"));
    assert_eq!(of(&lines, "low")[3], row(110, "started", "", ""));
}

/// One node × 4 GPUs, FIFO best fit with preemption, two victims in the rule's order:
/// - a: 2 GPUs at 0, b: 2 GPUs at 5, both for 1,000 s, priority 0, preemptible, without
///   checkpoints → both start and fill the node.
/// - h: 4 GPUs at 10, priority 5 → no room. At 10 a has lost 10 s × 2 GPUs = 20 GPU-seconds,
///   b 5 s × 2 = 10: fewest lost work orders b, a; b alone frees 2 of 4, b and a free 4 → both
///   are preempted, listed b first. Least progress orders them the same way (b has done 5 of
///   1,000 s, 0.005; a 0.010); newest too (b last started at 5, a at 0).
#[test]
fn a_preemption_lists_its_victims_in_the_rules_order_with_its_key() {
    let jobs = [
        with(job("a", 0, 1000, 2.0), |j| j.preemptible = true),
        with(job("b", 5, 1000, 2.0), |j| j.preemptible = true),
        with(job("h", 10, 100, 4.0), |j| j.priority = 5),
    ];
    let under = |rule: &str| {
        let lines = explained(
            "best-fit",
            |c| c.preemption = Some(rule.into()),
            || sized_cluster(1, 1, 4, 64, 512),
            &jobs,
        );
        assert_eq!(of(&lines, "h"), [row(10, "preempted-others", "", "")]);
        victims_of(&lines, "h")
    };
    assert_eq!(under("min-lost-work"), ["b(lost_gpu_s=10);a(lost_gpu_s=20)"]);
    assert_eq!(under("least-progress"), ["b(progress=0.005);a(progress=0.010)"]);
    assert_eq!(under("newest"), ["b(last_start_s=5);a(last_start_s=0)"]);
    assert_eq!(
        under("lowest-priority"),
        ["b(priority=0,progress=0.005);a(priority=0,progress=0.010)"]
    );
}

/// One node × 4 GPUs, FIFO best fit with preemption (fewest lost work), a victim spared:
/// - a: 1 GPU at 0, b: 3 GPUs at 5, both for 1,000 s, preemptible → both start.
/// - h: 3 GPUs at 10, priority 5. Lost work at 10: a 10 s × 1 GPU = 10, b 5 s × 3 = 15 → the
///   order is a, b; a alone frees 1 GPU (too few), a and b free 4. Then the last chosen first,
///   each victim not needed is spared: without b only 1 GPU is free (b stays); without a, b's 3
///   GPUs are enough → a is spared, and b alone is the victim.
#[test]
fn a_preemption_spares_a_victim_it_does_not_need() {
    let lines = explained(
        "best-fit",
        |c| c.preemption = Some("min-lost-work".into()),
        || sized_cluster(1, 1, 4, 64, 512),
        &[
            with(job("a", 0, 1000, 1.0), |j| j.preemptible = true),
            with(job("b", 5, 1000, 3.0), |j| j.preemptible = true),
            with(job("h", 10, 100, 3.0), |j| j.priority = 5),
        ],
    );
    assert_eq!(victims_of(&lines, "h"), ["b(lost_gpu_s=15)"]);
}

/// One node × 4 GPUs, FIFO best fit with preemption (fewest lost work):
/// - a: 2 GPUs at 0 for 1,000 s, priority 0, preemptible; b: 2 GPUs at 0 for 500 s, priority 0,
///   not preemptible → both start at 0 and fill the node.
/// - h: 4 GPUs at 10, priority 5 → no room; of the running jobs only a may be preempted (b is
///   not preemptible), and preempting a frees 2 of the 4 GPUs h needs: too few victims, with
///   one candidate.
/// - at 500 b ends: 2 GPUs free, and preempting a frees the other 2 → h preempts a and starts.
#[test]
fn a_preemption_with_too_few_victims_says_how_many_there_were() {
    let lines = explained(
        "best-fit",
        |c| c.preemption = Some("min-lost-work".into()),
        || sized_cluster(1, 1, 4, 64, 512),
        &[
            with(job("a", 0, 1000, 2.0), |j| j.preemptible = true),
            with(job("b", 0, 500, 2.0), |j| j.preemptible = false),
            with(job("h", 10, 100, 4.0), |j| j.priority = 5),
        ],
    );
    assert_eq!(
        of(&lines, "h"),
        [
            row(10, "waits", "too-few-victims", "candidates=1"),
            row(500, "preempted-others", "", "")
        ]
    );
}

/// Two nodes × 4 GPUs, FIFO best fit:
/// - a: 3 GPUs at 0 for 100 s leaves 1 on either node, the tie to the lower index: n0; b: 3
///   GPUs at 0 for 200 s → n1 (1 left).
/// - h: 2 GPUs at 1: the cluster has 2 free, as many as h needs, but no node has more than 1
///   → waits, no node fits (gpus 2, any model, best free 1); at 100 a ends and h starts on n0.
#[test]
fn no_node_fits_names_the_best_free_count() {
    let lines = explained(
        "best-fit",
        |_| {},
        || sized_cluster(2, 2, 4, 64, 512),
        &[job("a", 0, 100, 3.0), job("b", 0, 200, 3.0), job("h", 1, 10, 2.0)],
    );
    assert_eq!(
        of(&lines, "h"),
        [
            row(1, "waits", "no-node-fits", "gpus=2;model=any;best_free=1"),
            row(100, "started", "", "")
        ]
    );
}

/// A one-task job of `gpus` GPUs, `cpus` cores and `mem_gib` GiB, submitted at `submit` for
/// `duration` seconds.
fn sized_job(id: &str, submit: u64, duration: u64, gpus: f64, cpus: u64, mem_gib: u64) -> JobSpec {
    let task = TaskRequest::with_gpu_amount(gpus, cpus * 1000, mem_gib * 1024).unwrap();
    JobSpec::new(id, SimTime::from_secs(submit), SimTime::from_secs(duration), 1, task)
}

/// Two nodes × {8 GPUs, 96 cores, 100 GiB}, EASY backfilling, best fit; every job one task of
/// 1 GPU and 1 core:
/// - a: 80 GiB at 0 for 100 s → n0 (a tie, to the lower index), 20 GiB left there; b: the same
///   → n0 has 20 GiB free, too little → n1, 20 GiB left.
/// - c: 40 GiB at 1 for 50 s: 14 GPUs free in all and 7 on each node, but each node has only
///   20 GiB free → waits, no node fits for memory (40 GiB a task, at most 20 free on a node
///   with room for its GPU), not `no-node-fits` with 7 GPUs free. At 100 a and b end and c
///   starts.
#[test]
fn no_node_fits_names_memory_when_memory_refuses() {
    let lines = explained(
        "easy-backfill",
        |_| {},
        || sized_cluster(2, 2, 8, 96, 100),
        &[
            sized_job("a", 0, 100, 1.0, 1, 80),
            sized_job("b", 0, 100, 1.0, 1, 80),
            sized_job("c", 1, 50, 1.0, 1, 40),
        ],
    );
    assert_eq!(
        of(&lines, "c"),
        [
            row(1, "waits", "no-node-fits-memory", "mem_gib=40;model=any;best_free=20"),
            row(100, "started", "", "")
        ]
    );
}

/// Two nodes × {8 GPUs, 4 cores, 100 GiB}, FIFO best fit; every job one task of 1 GPU and
/// 10 GiB:
/// - a: 3 cores at 0 for 100 s → n0 (1 core left); b: 3 cores at 0 for 200 s → n0 has 1 core,
///   too few → n1 (1 core left).
/// - c: 2 cores at 1: GPUs (7 free a node) and memory (90 GiB free a node) are there, but no
///   node has 2 cores free → waits, no node fits for CPU (2 cores a task, at most 1 free on a
///   node with room for its GPU and memory); the round at 2 (g's arrival) offers it again, with
///   the same reason. At 100 a ends and c starts on n0.
/// - g: a CPU-only task (0 GPUs, 4 cores, 10 GiB) at 2: FIFO stops at c, so g waits behind
///   it. At 100 c takes 2 of n0's 4 free cores; g is considered: every node has room for its
///   (no) GPUs and its memory, but at most 2 cores are free (n0; 1 on n1) → waits for CPU, not
///   for GPUs. At 150 c ends, n0 has 4 cores free and g starts there.
#[test]
fn no_node_fits_names_cpus_when_cores_refuse() {
    let lines = explained(
        "best-fit",
        |_| {},
        || sized_cluster(2, 2, 8, 4, 100),
        &[
            sized_job("a", 0, 100, 1.0, 3, 10),
            sized_job("b", 0, 200, 1.0, 3, 10),
            sized_job("c", 1, 50, 1.0, 2, 10),
            sized_job("g", 2, 50, 0.0, 4, 10),
        ],
    );
    assert_eq!(
        of(&lines, "c"),
        [
            row(1, "waits", "no-node-fits-cpus", "cpus=2;model=any;best_free=1"),
            row(2, "waits", "no-node-fits-cpus", "cpus=2;model=any;best_free=1"),
            row(100, "started", "", "")
        ]
    );
    assert_eq!(
        of(&lines, "g"),
        [
            row(2, "waits", "behind-head", "head=c"),
            row(100, "waits", "no-node-fits-cpus", "cpus=4;model=any;best_free=2"),
            row(150, "started", "", "")
        ]
    );
}

/// Two nodes × 4 GPUs, FIFO worst fit:
/// - a: 1 GPU at 0 for 100 s leaves 3 on either node → n0; b: 1 GPU at 0 for 200 s → n1 (3
///   left there, 2 on n0).
/// - g: 3 tasks × 2 GPUs at 1 needs 6 of the 6 free GPUs, and one task fits on either node;
///   but the first task goes to n0 (1 left), the second to n1 (1 left), the third fits nowhere
///   → waits, its gang cannot be co-placed (3 tasks, 2 nodes fitting one). At 100 a ends: 4
///   free on n0 and 3 on n1 hold 2 + 1 tasks → g starts.
#[test]
fn a_gang_that_cannot_be_co_placed_says_where_single_tasks_fit() {
    let lines = explained(
        "worst-fit",
        |_| {},
        || sized_cluster(2, 2, 4, 64, 512),
        &[
            job("a", 0, 100, 1.0),
            job("b", 0, 200, 1.0),
            common::job("g", 1, 10, 3, 2.0),
        ],
    );
    assert_eq!(
        of(&lines, "g"),
        [
            row(1, "waits", "gang-not-co-placed", "tasks=3;nodes_fitting=2"),
            row(100, "started", "", "")
        ]
    );
    assert_eq!(lines.iter().find(|l| l.1 == "b").unwrap().5, "n1");
}

/// n0, 4 A100 GPUs, up; n1, 4 V100 GPUs, down for the whole run. v (4 GPUs, V100 only) at 0:
/// the cluster's 4 free GPUs are as many as it needs, but they are A100s, and the only V100
/// node is down → waits, no node of model V100 is up (and never starts).
#[test]
fn no_model_up_names_the_model() {
    let cluster = || {
        let mut v100 = common::node(1, "r1", 4);
        v100.gpu_type = "V100".into();
        let mut cluster = Cluster::build(&[common::node(0, "r0", 4), v100]).unwrap();
        cluster.set_node_up(sim_core::ids::NodeId::from_index(1), false);
        cluster
    };
    let lines = explained(
        "best-fit",
        |_| {},
        cluster,
        &[with(job("v", 0, 10, 4.0), |j| j.gpu_types = vec!["V100".into()])],
    );
    assert_eq!(of(&lines, "v"), [row(0, "waits", "no-model-up", "model=V100")]);
    // With the A100 node full as well (a, 4 GPUs, at 0 for 100 s), no GPU is free anywhere:
    // still no-model-up (was too-few-free, free=0, as if more free GPUs would have helped), at
    // 0 and again when a ends at 100.
    let lines = explained(
        "best-fit",
        |_| {},
        cluster,
        &[
            job("a", 0, 100, 4.0),
            with(job("v", 0, 10, 4.0), |j| j.gpu_types = vec!["V100".into()]),
        ],
    );
    assert_eq!(
        of(&lines, "v"),
        [
            row(0, "waits", "no-model-up", "model=V100"),
            row(100, "waits", "no-model-up", "model=V100")
        ]
    );
}

/// One node × 4 GPUs in rack r0, drawing 1 W per allocated GPU (nothing idle), against a rack
/// budget of 2 W: at most 2 GPUs may be allocated (admit mode).
/// - a: 2 GPUs at 0 for 100 s → starts (2 W of 2).
/// - h: 1 GPU at 1: 2 GPUs are free, but one more would draw 3 W → waits, refused by the power
///   budget of rack r0; at 100 a ends and h starts.
#[test]
fn the_power_budget_names_its_rack() {
    let cluster = || {
        let mut cluster = Cluster::build(&[common::node(0, "r0", 4)]).unwrap();
        let line = sim_core::cluster::PowerLine {
            idle_mw: 0.0,
            slope_mw_per_milli: 1.0,
            clip_mw: 1e9,
        };
        let racks = [sim_core::ids::RackId::from_index(0)];
        let limits = sim_core::cluster::PowerLimits::new(vec![line], vec![2_000], &racks, &[0], &[4_000]);
        cluster.set_power_limits(Some(limits));
        cluster
    };
    let lines = explained(
        "best-fit",
        |_| {},
        cluster,
        &[job("a", 0, 100, 2.0), job("h", 1, 10, 1.0)],
    );
    assert_eq!(of(&lines, "a"), [row(0, "started", "", "")]);
    assert_eq!(
        of(&lines, "h"),
        [row(1, "waits", "power-budget", "rack=r0"), row(100, "started", "", "")]
    );
}

/// Nodes of 8, 4, 2, 6 and 2 GPUs (n0…n4), each alone in its rack.
fn uneven() -> Cluster {
    let specs: Vec<NodeSpec> = [8, 4, 2, 6, 2]
        .iter()
        .enumerate()
        .map(|(i, &gpus)| common::node(i, &format!("r{i}"), gpus))
        .collect();
    Cluster::build(&specs).unwrap()
}

/// (job, nodes, candidates) of the started rows.
fn starts(lines: &[Line]) -> Vec<(String, String, String)> {
    lines
        .iter()
        .filter(|l| l.2 == "started")
        .map(|l| (l.1.clone(), l.5.clone(), l.6.clone()))
        .collect()
}

fn start(job: &str, node: &str, candidates: &str) -> (String, String, String) {
    (job.into(), node.into(), candidates.into())
}

/// Scores worked on paper, on nodes of 8, 4, 2, 6, 2 free GPUs (n0…n4): a (1 GPU) at 0, then b
/// (2 GPUs) at 1, both running past the end of the log.
/// - Best fit scores a node by the GPUs it would have left: a leaves 7, 3, 1, 5, 1; the least
///   first, ties to the lower index: n2=1, n4=1, n1=3; a goes to n2 (1 left). For b, n2 (1 free)
///   no longer fits; b leaves 6, 2, –, 4, 0: n4=0, n1=2, n3=4.
/// - Worst fit, the most first: a: n0=7, n3=5, n1=3 → n0 (7 left); b: n0=5, n3=4, n1=2.
/// - Spread, for a job's first task, has no rack or node to avoid yet: it ranks as worst fit.
/// - Packed ranks the racks that hold the whole job (each node is its own rack here) by the
///   GPUs left in the rack: as best fit.
/// - With two candidates the list stops at two; first fit ranks no nodes.
#[test]
fn a_scored_start_lists_its_best_candidates_with_their_scores() {
    let jobs = [job("a", 0, 100, 1.0), job("b", 1, 100, 2.0)];
    assert_eq!(
        starts(&explained("best-fit", |_| {}, uneven, &jobs)),
        [start("a", "n2", "n2=1;n4=1;n1=3"), start("b", "n4", "n4=0;n1=2;n3=4")]
    );
    assert_eq!(
        starts(&explained("worst-fit", |_| {}, uneven, &jobs)),
        [start("a", "n0", "n0=7;n3=5;n1=3"), start("b", "n0", "n0=5;n3=4;n1=2")]
    );
    assert_eq!(
        starts(&explained(
            "best-fit",
            |c| c.placement = Some("packed".into()),
            uneven,
            &jobs
        )),
        [start("a", "n2", "n2=1;n4=1;n1=3"), start("b", "n4", "n4=0;n1=2;n3=4")]
    );
    assert_eq!(
        starts(&explained("spread", |_| {}, uneven, &jobs)),
        [start("a", "n0", "n0=7;n3=5;n1=3"), start("b", "n0", "n0=5;n3=4;n1=2")]
    );
    assert_eq!(
        starts(&explained_top("worst-fit", |_| {}, uneven, &jobs, 2)),
        [start("a", "n0", "n0=7;n3=5"), start("b", "n0", "n0=5;n3=4")]
    );
    assert_eq!(
        starts(&explained("first-fit", |_| {}, uneven, &jobs)),
        [start("a", "n0", ""), start("b", "n0", "")]
    );
}

/// A gang lists the candidates for its first task, worked on paper on nodes of 8, 4, 2, 6, 2
/// free GPUs (n0…n4): g, 2 tasks × 2 GPUs at 0.
/// - Best fit: the first task would leave 6, 2, 0, 4, 0 → n2=0, n4=0, n1=2; it goes to n2, the
///   second task to n4 (0 left, n2 being full): nodes n2+n4.
/// - Worst fit: n0=6, n3=4, n1=2; the first task to n0 (6 left), the second leaves 4 on n0 or
///   on n3, the tie to the lower index: n0+n0.
/// - With `top_k` 1 only the best is listed.
#[test]
fn a_gang_start_lists_the_candidates_of_its_first_task() {
    let jobs = [common::job("g", 0, 100, 2, 2.0)];
    assert_eq!(
        starts(&explained("best-fit", |_| {}, uneven, &jobs)),
        [start("g", "n2+n4", "n2=0;n4=0;n1=2")]
    );
    assert_eq!(
        starts(&explained("worst-fit", |_| {}, uneven, &jobs)),
        [start("g", "n0+n0", "n0=6;n3=4;n1=2")]
    );
    assert_eq!(
        starts(&explained_top("best-fit", |_| {}, uneven, &jobs, 1)),
        [start("g", "n2+n4", "n2=0")]
    );
}

/// A job that waits lists no candidates: one node × 4 GPUs, best fit; a (4 GPUs) at 0 starts
/// (n0=0, the only node), h (2 GPUs) at 1 waits (too few free: 0 of 2) with nothing listed.
#[test]
fn a_waiting_job_lists_no_candidates() {
    let lines = explained(
        "best-fit",
        |_| {},
        || sized_cluster(1, 1, 4, 64, 512),
        &[job("a", 0, 100, 4.0), job("h", 1, 10, 2.0)],
    );
    assert_eq!(lines[0].6, "n0=0");
    let h = lines.iter().find(|l| l.1 == "h").unwrap();
    assert_eq!((h.2.as_str(), h.6.as_str()), ("waits", ""));
}

/// Reason names are the documented vocabulary.
#[test]
fn reason_names_are_the_vocabulary() {
    let memory = Reason::NoNodeFitsMemory {
        mem_gib: 40.0,
        model: "any".into(),
        best_free: 20.0,
    };
    assert_eq!(memory.name(), "no-node-fits-memory");
    let cpus = Reason::NoNodeFitsCpus {
        cpus: 2.0,
        model: "any".into(),
        best_free: 1.0,
    };
    assert_eq!(cpus.name(), "no-node-fits-cpus");
    let reason = Reason::TooFewVictims { candidates: 2 };
    assert_eq!(reason.name(), "too-few-victims");
    assert_eq!(Outcome::Waits(reason).name(), "waits");
}

/// One compact round in words: time (s), the jobs considered with their outcome, the head, the
/// jobs that began and stopped waiting behind it.
type Compact = (u64, Vec<String>, Option<String>, Vec<String>, Vec<String>);

/// Keeps every round as the scheduler tells it, without expanding the waits behind the head.
#[derive(Clone, Default)]
struct CompactLog(Arc<Mutex<Vec<Compact>>>);

impl ExplainSink for CompactLog {
    fn compact_round(&mut self, view: &ClusterView<'_>, round: &CompactRound<'_>) {
        let id = |job| view.job(job).spec.id.clone();
        let ids = |jobs: &[sim_core::ids::JobId]| jobs.iter().map(|&j| id(j)).collect::<Vec<_>>();
        self.0.lock().unwrap().push((
            view.now.as_micros() / 1_000_000,
            round
                .rows
                .iter()
                .map(|r| format!("{} {}", id(r.job), r.outcome.name()))
                .collect(),
            round.head.map(id),
            ids(round.joined),
            ids(round.left),
        ));
    }
}

/// A FIFO queue behind a blocked head is told as a change: a waiting job is named when it
/// begins waiting behind the head, not in every round after. One node × 10 GPUs, FIFO best fit:
/// - 0: a (6 GPUs, 100 s) starts.
/// - 1: h (8 GPUs, 10 s): 4 free → waits, the head; nobody behind it.
/// - 2: c (2 GPUs, 50 s) arrives: h is refused again and c begins waiting behind it.
/// - 3: d (2 GPUs, 50 s) arrives: d begins waiting behind h; c's wait goes on, unnamed.
/// - 100: a ends: h (8 of 10) and c (2) start, d finds none free and is the new head; c and d
///   stopped waiting behind h by being considered, so they are in the rows, not in `left`.
/// - 110: h ends: d starts.
#[test]
fn a_queue_behind_its_head_is_told_as_it_changes() {
    let spec = PolicySpec::from_config(&PolicyConfig::preset("best-fit")).unwrap();
    let log = CompactLog::default();
    let jobs = [
        job("a", 0, 100, 6.0),
        job("h", 1, 10, 8.0),
        job("c", 2, 50, 2.0),
        job("d", 3, 50, 2.0),
    ];
    let mut policy = policies::resolve_explained(&spec, 0, &TypicalTasks::new(Vec::new()), Box::new(log.clone()), 3);
    let source = jobs.iter().cloned().map(Ok::<_, Infallible>);
    Engine::new(
        sized_cluster(1, 1, 10, 64, 512),
        source,
        policy.as_mut(),
        EngineConfig::default(),
    )
    .unwrap()
    .run()
    .unwrap();
    let words = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<String>>();
    let head = |h: &str| Some(h.to_string());
    assert_eq!(
        *log.0.lock().unwrap(),
        [
            (0, words(&["a started"]), None, words(&[]), words(&[])),
            (1, words(&["h waits"]), head("h"), words(&[]), words(&[])),
            (2, words(&["h waits"]), head("h"), words(&["c"]), words(&[])),
            (3, words(&["h waits"]), head("h"), words(&["d"]), words(&[])),
            (
                100,
                words(&["h started", "c started", "d waits"]),
                head("d"),
                words(&[]),
                words(&[])
            ),
            (110, words(&["d started"]), None, words(&[]), words(&[])),
        ]
    );
}
