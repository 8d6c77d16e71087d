//! Each queue order on a small case where it differs from FIFO, worked out by hand.

mod common;

use common::{configured, find, job, policy, run, run_with, secs, sized_cluster, with};
use policies::{PolicyConfig, Table};
use sim_core::job::JobSpec;
use sim_core::resources::TaskRequest;
use sim_core::time::SimTime;

/// One node × 1 GPU. a (0–10 s) runs; b (t=1, priority 0, 100 s) and c (t=2, priority 5,
/// 5 s) wait. At 10 FIFO starts b (10–110) then c (110–115); priority starts c (10–15) then
/// b (15–115).
#[test]
fn priority_runs_the_higher_priority_first() {
    let jobs = || {
        vec![
            job("a", 0, 10, 1, 1.0),
            job("b", 1, 100, 1, 1.0),
            with(job("c", 2, 5, 1, 1.0), |j| j.priority = 5),
        ]
    };
    let fifo = run("best-fit", common::cluster(1, 1), jobs());
    assert_eq!(
        (secs(find(&fifo, "b").first_start), secs(find(&fifo, "c").first_start)),
        (Some(10), Some(110))
    );
    let prio = run("priority", common::cluster(1, 1), jobs());
    assert_eq!(
        (secs(find(&prio, "c").first_start), secs(find(&prio, "c").end)),
        (Some(10), Some(15))
    );
    assert_eq!(
        (secs(find(&prio, "b").first_start), secs(find(&prio, "b").end)),
        (Some(15), Some(115))
    );
}

/// SJF orders by the estimate (requested_s), not the true run time. One node × 1 GPU; a
/// (0–10 s) runs; b (t=1, 100 s, requested 100) and c (t=2, 50 s, requested 5) wait. At 10
/// SJF starts c (requested 5 < 100): c 10–60, b 60–160. FIFO: b 10–110, c 110–160.
#[test]
fn sjf_runs_the_shortest_estimate_first() {
    let jobs = || {
        vec![
            job("a", 0, 10, 1, 1.0),
            job("b", 1, 100, 1, 1.0),
            with(job("c", 2, 50, 1, 1.0), |j| j.requested = SimTime::from_secs(5)),
        ]
    };
    let sjf = run("sjf", common::cluster(1, 1), jobs());
    assert_eq!(
        (secs(find(&sjf, "c").first_start), secs(find(&sjf, "c").end)),
        (Some(10), Some(60))
    );
    assert_eq!(
        (secs(find(&sjf, "b").first_start), secs(find(&sjf, "b").end)),
        (Some(60), Some(160))
    );
    let fifo = run("best-fit", common::cluster(1, 1), jobs());
    assert_eq!(secs(find(&fifo, "b").first_start), Some(10));
    assert_eq!(secs(find(&fifo, "c").first_start), Some(110));
}

/// A CPU/memory task of user `user` (no GPU), long enough to hold its resources to the end.
fn cpu_task(id: String, user: &str, cpus: u64, mem_gib: u64) -> JobSpec {
    let task = TaskRequest::with_gpu_amount(0.0, cpus * 1000, mem_gib * 1024).unwrap();
    let mut spec = JobSpec::new(id, SimTime::ZERO, SimTime::from_secs(1000), 1, task);
    spec.user = user.into();
    spec
}

/// The DRF paper's example (Ghodsi et al., NSDI 2011, section 4): 9 CPUs and 18 GB; user A's
/// tasks need ⟨1 CPU, 4 GB⟩ (memory-heavy: dominant share 4/18 = 2/9 per task), user B's
/// ⟨3 CPUs, 1 GB⟩ (CPU-heavy: 3/9 = 1/3 per task). Ten tasks each, B's submitted first.
///
/// Progressive filling (B is seen first, so it wins ties): B1 (B 1/3), A1 (A 2/9), A2 (4/9),
/// B2 (2/3), A3 (2/3); now 3 + 6 = 9 CPUs and 12 + 2 = 14 GB are taken; the tie goes to B,
/// whose next task needs 3 CPUs of the 0 left: the cluster is full. A has 3 tasks, B 2, and
/// both dominant shares are 2/3, as in the paper.
///
/// FIFO first-fit instead starts B's tasks until the CPUs run out: B 3 tasks (9 CPUs), A none.
#[test]
fn drf_reproduces_the_papers_two_user_example() {
    let jobs = || {
        let b = (0..10).map(|i| cpu_task(format!("b{i}"), "B", 3, 1));
        let a = (0..10).map(|i| cpu_task(format!("a{i}"), "A", 1, 4));
        b.chain(a).collect::<Vec<_>>()
    };
    let started_at_zero = |outcome: &sim_core::engine::RunOutcome, user: &str| {
        outcome
            .jobs
            .iter()
            .filter(|j| j.spec.user == user && j.first_start == Some(SimTime::ZERO))
            .count()
    };
    let drf = run("drf", sized_cluster(1, 1, 0, 9, 18), jobs());
    assert_eq!((started_at_zero(&drf, "A"), started_at_zero(&drf, "B")), (3, 2));
    let fifo = run("first-fit", sized_cluster(1, 1, 0, 9, 18), jobs());
    assert_eq!((started_at_zero(&fifo, "A"), started_at_zero(&fifo, "B")), (0, 3));
}

/// One GPU, users `a` (3 tickets) and `b` (1 ticket), 4,000 one-second jobs each at t=0.
/// Each second one job starts, a lottery winner's. Over the first 4,000 starts both users
/// still have jobs waiting, so a's share of starts is a binomial proportion with p = 3/4:
/// standard deviation √(0.75 × 0.25 / 4000) = 0.0068; the tolerance 0.03 is 4.4 of them.
/// The same seed gives the same sequence; another seed a different one.
#[test]
fn lottery_shares_follow_tickets_and_replay_by_seed() {
    let jobs = || {
        (0..8000)
            .map(|i| {
                let user = if i % 2 == 0 { "a" } else { "b" };
                with(job(&format!("{user}{i}"), 0, 1, 1, 1.0), |j| j.user = user.into())
            })
            .collect::<Vec<_>>()
    };
    let order = |seed: u64| {
        let lottery = configured("lottery", seed, |c: &mut PolicyConfig| {
            c.params.set("tickets", Table::new().with("a", 3u32).with("b", 1u32));
        });
        let outcome = run_with(lottery, common::cluster(1, 1), jobs());
        let mut starts: Vec<(SimTime, String)> = outcome
            .jobs
            .iter()
            .map(|j| (j.first_start.unwrap(), j.spec.user.clone()))
            .collect();
        starts.sort();
        starts.into_iter().map(|(_, user)| user).collect::<Vec<_>>()
    };
    let first = order(1);
    let share_a = first[..4000].iter().filter(|u| *u == "a").count() as f64 / 4000.0;
    assert!((share_a - 0.75).abs() < 0.03, "share of a: {share_a}");
    assert_eq!(first, order(1));
    assert_ne!(first, order(2));
}

/// One node × 4 GPUs; research's four 1-GPU jobs arrive before prod's four. FIFO gives
/// research all four GPUs. Fair share with prod weight 3, research weight 1 picks by GPUs
/// held ÷ weight (ties to the first queue by name, prod): prod (1/3), research (1), prod
/// (2/3 < 1), prod (1 = 1: tie → prod). Full: prod 3, research 1, the 3 : 1 of the weights.
#[test]
fn fair_share_divides_by_weight() {
    let jobs = || {
        let research = (0..4).map(|i| with(job(&format!("r{i}"), 0, 100, 1, 1.0), |j| j.queue = "research".into()));
        let prod = (0..4).map(|i| with(job(&format!("p{i}"), 0, 100, 1, 1.0), |j| j.queue = "prod".into()));
        research.chain(prod).collect::<Vec<_>>()
    };
    let weighted = |c: &mut PolicyConfig| {
        let queues = Table::new()
            .with("prod", Table::new().with("weight", 3.0))
            .with("research", Table::new());
        c.params.set("queues", queues);
    };
    let count = |outcome: &sim_core::engine::RunOutcome, queue: &str| {
        outcome
            .jobs
            .iter()
            .filter(|j| j.spec.queue == queue && j.first_start == Some(SimTime::ZERO))
            .count()
    };
    let fair = run_with(configured("fair-share", 0, weighted), common::cluster(1, 4), jobs());
    assert_eq!((count(&fair, "prod"), count(&fair, "research")), (3, 1));
    let fifo = run_with(configured("best-fit", 0, weighted), common::cluster(1, 4), jobs());
    assert_eq!((count(&fifo, "prod"), count(&fifo, "research")), (0, 4));
}

/// Hierarchy: prod and research (weight 1 each) at the top, research split into nlp and
/// vision (weight 1 each). One node × 4 GPUs; four 1-GPU jobs in each of nlp, vision, prod
/// (in that arrival order). Walk from the root, ties to the first child (prod before
/// research; nlp before vision): prod (prod 1, research 0) → research → nlp; then prod 1 =
/// research 1 → prod; then research (1 < 2) → vision (0 < nlp's 1). Result: prod 2, nlp 1,
/// vision 1: research's half is split between its children. With the four queues flat
/// (no [policy.queues]) it is nlp, vision, prod, nlp: nlp 2, vision 1, prod 1.
#[test]
fn fair_share_is_hierarchical() {
    let jobs = || {
        ["nlp", "vision", "prod"]
            .iter()
            .flat_map(|q| {
                (0..4).map(move |i| with(job(&format!("{q}{i}"), 0, 100, 1, 1.0), |j| j.queue = q.to_string()))
            })
            .collect::<Vec<_>>()
    };
    let count = |outcome: &sim_core::engine::RunOutcome, queue: &str| {
        outcome
            .jobs
            .iter()
            .filter(|j| j.spec.queue == queue && j.first_start == Some(SimTime::ZERO))
            .count()
    };
    let tree = |c: &mut PolicyConfig| {
        let mut queues = Table::new();
        for leaf in ["nlp", "vision"] {
            queues.set(leaf, Table::new().with("parent", "research"));
        }
        queues.set("research", Table::new());
        queues.set("prod", Table::new());
        c.params.set("queues", queues);
    };
    let nested = run_with(configured("fair-share", 0, tree), common::cluster(1, 4), jobs());
    assert_eq!(
        (count(&nested, "prod"), count(&nested, "nlp"), count(&nested, "vision")),
        (2, 1, 1)
    );
    let flat = run_with(policy("fair-share"), common::cluster(1, 4), jobs());
    assert_eq!(
        (count(&flat, "prod"), count(&flat, "nlp"), count(&flat, "vision")),
        (1, 2, 1)
    );
}

/// Quotas: queue `a` may hold 2 GPUs. One node × 4 GPUs; a1, a2, a3 then b1, b2 (1 GPU,
/// 100 s each) at t=0, FIFO. a1 and a2 start (a at its quota); a3 would take a to 3 > 2 and
/// waits, without blocking b1 and b2, which start at 0. At 100 a1, a2 end and a3 starts.
/// Without the quota FIFO starts a1, a2, a3, b1 and b2 waits until 100.
#[test]
fn a_queue_at_its_quota_waits_while_others_start() {
    let jobs = || {
        let a = (1..=3).map(|i| with(job(&format!("a{i}"), 0, 100, 1, 1.0), |j| j.queue = "a".into()));
        let b = (1..=2).map(|i| with(job(&format!("b{i}"), 0, 100, 1, 1.0), |j| j.queue = "b".into()));
        a.chain(b).collect::<Vec<_>>()
    };
    let quota = configured("best-fit", 0, |c| {
        c.params
            .set("queues", Table::new().with("a", Table::new().with("quota_gpus", 2.0)));
    });
    let limited = run_with(quota, common::cluster(1, 4), jobs());
    let starts = |o: &sim_core::engine::RunOutcome| {
        ["a1", "a2", "a3", "b1", "b2"].map(|id| secs(find(o, id).first_start).unwrap())
    };
    assert_eq!(starts(&limited), [0, 0, 100, 0, 0]);
    let free = run("best-fit", common::cluster(1, 4), jobs());
    assert_eq!(starts(&free), [0, 0, 0, 0, 100]);
}
