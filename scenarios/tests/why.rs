//! The compact why-log against every round: `decisions.csv` writes a row only when a job's
//! outcome or reason changes, and `why` must still count every round and every waiting second;
//! and `why` tells a story for every job of the demo and of each library scenario.

mod common;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex};

use common::{clustersim, stderr, stdout};
use policies::explain::{Considered, ExplainSink, Outcome, Reason};
use scenarios::why::WhyLog;
use scenarios::{Override, load_file};
use sim_core::view::ClusterView;

/// The waiting time of a run by reason, computed from every round the old way (one row per
/// job per round, each wait holding until the job's next row): the reference the compact log
/// must reproduce.
#[derive(Default)]
struct EveryRound {
    /// Each job's last row, when it was a wait: (reason, time).
    open: HashMap<String, (String, f64)>,
    /// Waiting seconds by reason, of waits closed by a later row of their job.
    seconds: BTreeMap<String, f64>,
    /// Rows, and rows of waits, in all.
    rows: u64,
    waits: u64,
    /// The last round.
    last_t: f64,
    /// Each job's waits behind the head: the head of each of their rounds, a list per wait (a
    /// wait goes on while the job's rows are behind the head).
    behind: HashMap<String, Vec<Vec<String>>>,
    /// The jobs whose last row was behind the head.
    behind_now: HashSet<String>,
}

/// The scheduler's end of an [`EveryRound`].
struct Recorder(Arc<Mutex<EveryRound>>);

impl ExplainSink for Recorder {
    fn round(&mut self, view: &ClusterView<'_>, rows: &[Considered]) {
        let mut guard = self.0.lock().unwrap();
        let every = &mut *guard;
        // The same number `decisions.csv` writes (to the microsecond) and `why` parses back.
        let t = view.now.as_micros() as f64 / 1e6;
        every.last_t = every.last_t.max(t);
        for row in rows {
            let job = view.job(row.job).spec.id.clone();
            every.rows += 1;
            if let Some((reason, from)) = every.open.remove(&job) {
                *every.seconds.entry(reason).or_default() += t - from;
            }
            if let Outcome::Waits(Reason::BehindHead { head }) = &row.outcome {
                let head = view.job(*head).spec.id.clone();
                let waits = every.behind.entry(job.clone()).or_default();
                if every.behind_now.contains(&job) {
                    waits.last_mut().unwrap().push(head);
                } else {
                    waits.push(vec![head]);
                    every.behind_now.insert(job.clone());
                }
            } else {
                every.behind_now.remove(&job);
            }
            if let Outcome::Waits(reason) = &row.outcome {
                every.waits += 1;
                every.open.insert(job, (reason.name().to_string(), t));
            }
        }
    }
}

/// `jobs.csv` of `dir`: first start and end of each job, by id.
fn starts_and_ends(dir: &Path) -> HashMap<String, (Option<f64>, Option<f64>)> {
    let mut reader = csv::Reader::from_path(dir.join("jobs.csv")).unwrap();
    let header = reader.headers().unwrap().clone();
    let at = |name: &str| header.iter().position(|c| c == name).unwrap();
    let (id, start, end) = (at("job_id"), at("start_s"), at("end_s"));
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            let number = |i: usize| r[i].parse::<f64>().ok();
            (r[id].to_string(), (number(start), number(end)))
        })
        .collect()
}

/// The scenario run in this process with every round recorded, and by `clustersim run
/// --explain` into `dir`.
fn both_ways(scenario: &str, overrides: &[&str], dir: &Path) -> EveryRound {
    let parsed: Vec<Override> = overrides.iter().map(|o| o.parse().unwrap()).collect();
    let loaded = load_file(Path::new(scenario), &parsed).unwrap();
    let every = Arc::new(Mutex::new(EveryRound::default()));
    let sink = Box::new(Recorder(Arc::clone(&every)));
    scenarios::run::run_explaining(&loaded, Vec::new(), &mut Vec::new(), None, false, Some(sink)).unwrap();
    let mut args = vec!["run", scenario, "--explain", "--no-report", "-q", "--out", "o"];
    for o in overrides {
        args.extend(["--set", o]);
    }
    let run = clustersim(&args, dir);
    assert!(run.status.success(), "{scenario}: {}", stderr(&run));
    Arc::try_unwrap(every).ok().unwrap().into_inner().unwrap()
}

/// Library runs with waits of every kind the library produces: FIFO behind heads and too few
/// free GPUs (pdu-trip), gangs that cannot be co-placed and restarts after failures
/// (spares-and-lemons), conservative reservations (tor-failure).
const MIXES: [(&str, &[&str]); 3] = [
    ("library:pdu-trip", &[]),
    ("library:spares-and-lemons", &[]),
    ("library:tor-failure", &["policy.name=conservative-backfill"]),
];

/// For each mix, the waiting seconds by reason that `why --summary` prints equal those worked
/// out from every round the old way: a wait holds from its round until the job's next
/// considered round; the last wait of a job until its first start if that came at or after
/// the wait, else its end, else the end of the run (`end_s` of `summary.json`). The compact file has fewer rows than
/// rounds, and its `rounds` add up to the waiting rounds. Each row behind the head names the
/// heads of its rounds: first, last, distinct jobs and turns (heads come back after failures,
/// requeued at the front: pdu-trip, spares-and-lemons).
#[test]
fn the_compact_log_keeps_every_rounds_waiting_time() {
    for (scenario, overrides) in MIXES {
        let dir = tempfile::tempdir().unwrap();
        let mut every = both_ways(scenario, overrides, dir.path());
        let out = dir.path().join("o");
        let jobs = starts_and_ends(&out);
        let summary: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
        let run_end = summary["end_s"].as_f64().unwrap().max(every.last_t);
        for (job, (reason, from)) in std::mem::take(&mut every.open) {
            let (start, end) = jobs[&job];
            let to = start.filter(|&s| s >= from).or(end).unwrap_or(run_end).max(from);
            *every.seconds.entry(reason).or_default() += to - from;
        }
        let log = WhyLog::read(&out).unwrap();
        let shares = log.shares().unwrap();
        let got: BTreeMap<String, f64> = shares.iter().map(|(r, s, _)| (r.clone(), *s)).collect();
        assert_eq!(
            got.keys().collect::<Vec<_>>(),
            every.seconds.keys().collect::<Vec<_>>(),
            "{scenario}"
        );
        for (reason, want) in &every.seconds {
            // The same sums, added in another order.
            assert!(
                (got[reason] - want).abs() <= 1e-9 * want.max(1.0),
                "{scenario} {reason}: {} vs {want}",
                got[reason]
            );
        }
        let total: f64 = every.seconds.values().sum();
        let mut table: Vec<(&String, &f64)> = every.seconds.iter().collect();
        table.sort_by(|a, b| b.1.total_cmp(a.1).then(a.0.cmp(b.0)));
        let mut want = String::from("waiting job-seconds by reason:\n");
        for (reason, seconds) in table {
            let share = 100.0 * seconds / total;
            want.push_str(&format!("  {reason:<20} {seconds:>14.0} s  {share:>5.1} %\n"));
        }
        let printed = stdout(&clustersim(&["why", "o", "--summary"], dir.path()));
        assert_eq!(printed, want, "{scenario}");

        let mut reader = csv::Reader::from_path(out.join("decisions.csv")).unwrap();
        let header = reader.headers().unwrap().clone();
        let at = |name: &str| header.iter().position(|c| c == name).unwrap();
        let (outcome, count) = (at("outcome"), at("rounds"));
        let (mut rows, mut rounds) = (0, 0);
        for record in reader.records() {
            let record = record.unwrap();
            rows += 1;
            if &record[outcome] == "waits" {
                rounds += record[count].parse::<u64>().unwrap();
            }
        }
        assert_eq!(rounds, every.waits, "{scenario}");
        assert!(rows < every.rows, "{scenario}: {rows} rows of {}", every.rows);

        // Each wait behind the head names, from every round's head: the first and the last,
        // how many distinct jobs (`heads`) and, when one came back, how many turns (changes of
        // the head from round to round, the first head one).
        let mut reader = csv::Reader::from_path(out.join("decisions.csv")).unwrap();
        let (job, reason, params) = (at("job_id"), at("reason"), at("params"));
        let mut written: HashMap<String, Vec<String>> = HashMap::new();
        for record in reader.records() {
            let record = record.unwrap();
            if &record[reason] == "behind-head" {
                written
                    .entry(record[job].to_string())
                    .or_default()
                    .push(record[params].to_string());
            }
        }
        for (id, waits) in &every.behind {
            let want: Vec<String> = waits
                .iter()
                .map(|heads| {
                    let turns = 1 + heads.windows(2).filter(|w| w[0] != w[1]).count();
                    let distinct = heads.iter().collect::<HashSet<_>>().len();
                    let mut params = format!("head={}", heads[0]);
                    if turns > 1 {
                        params += &format!(";heads={distinct};last_head={}", heads[heads.len() - 1]);
                    }
                    if turns > distinct {
                        params += &format!(";turns={turns}");
                    }
                    params
                })
                .collect();
            assert_eq!(written.get(id), Some(&want), "{scenario} {id}");
        }
        assert_eq!(written.len(), every.behind.len(), "{scenario}");
    }
}

/// `why` tells the story of every job of `scenario`: it names when the job was submitted, says
/// it waited when it started late or never, where it first started, and how it ended (or that
/// it was still pending or running at the end). And `why --summary`'s shares add up to 100 %;
/// when every job started and none was stopped (no failure, no preemption), the waiting
/// job-seconds add up to the waits of `jobs.csv` (first start − submit): each job is considered
/// from the round of its arrival until the round that starts it.
fn every_job_has_a_story(scenario: &str, overrides: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let mut args = vec!["run", scenario, "--explain", "--no-report", "-q", "--out", "o"];
    for o in overrides {
        args.extend(["--set", o]);
    }
    let run = clustersim(&args, dir.path());
    assert!(run.status.success(), "{scenario}: {}", stderr(&run));
    let out = dir.path().join("o");
    let mut reader = csv::Reader::from_path(out.join("jobs.csv")).unwrap();
    let header = reader.headers().unwrap().clone();
    let at = |name: &str| header.iter().position(|c| c == name).unwrap();
    let (id, submit, start, end, state) = (at("job_id"), at("submit_s"), at("start_s"), at("end_s"), at("state"));
    let (wait, restarts, preemptions) = (at("wait_s"), at("restarts"), at("preemptions"));
    let mut lines: BTreeMap<String, csv::StringRecord> = BTreeMap::new();
    // The jobs' waits, while every job started and none was stopped.
    let mut waits = Some(0.0);
    for record in reader.records() {
        let record = record.unwrap();
        let stopped = &record[restarts] != "0" || &record[preemptions] != "0";
        waits = match record[wait].parse::<f64>() {
            Ok(w) if !stopped => waits.map(|sum| sum + w),
            _ => None,
        };
        lines.insert(record[id].to_string(), record);
    }
    let mut told = 0;
    WhyLog::read(&out)
        .unwrap()
        .stories(|job, story| {
            told += 1;
            let line = &lines[job];
            let opening = format!("job {job}: submitted at ");
            assert!(story.starts_with(&opening), "{scenario}: {story}");
            let ending = match &line[end] {
                "" => format!("  still {} at the end of the run\n", &line[state]),
                _ => format!("  ended {} at ", &line[state]),
            };
            assert!(story.contains(&ending), "{scenario}: {story}");
            let first = line[start].parse::<f64>().ok();
            let submitted = line[submit].parse::<f64>().unwrap();
            if first.is_none_or(|s| s > submitted) {
                assert!(story.contains("  waited "), "{scenario}: {story}");
            }
            if first.is_some() {
                assert!(
                    story.contains("  started") || story.contains("(never considered by a round"),
                    "{scenario}: {story}"
                );
            }
        })
        .unwrap();
    assert_eq!(told, lines.len(), "{scenario}");
    let shares = WhyLog::read(&out).unwrap().shares().unwrap();
    if !shares.is_empty() {
        let percent: f64 = shares.iter().map(|s| s.2).sum();
        assert!((percent - 100.0).abs() < 1e-9, "{scenario}: {percent} %");
    }
    if let Some(waits) = waits {
        let seconds: f64 = shares.iter().map(|s| s.1).sum();
        assert!(
            (seconds - waits).abs() <= 1e-6 * waits.max(1.0),
            "{scenario}: {seconds} waiting job-seconds in the why-log, {waits} in jobs.csv"
        );
    }
    // A job's story by name, as the command prints it, is the same story.
    let some = lines.keys().next_back().unwrap();
    let printed = stdout(&clustersim(&["why", "o", some], dir.path()));
    assert!(printed.starts_with(&format!("job {some}: submitted at ")), "{printed}");
}

/// The demo's scenario under each of the three placements `clustersim demo` compares: the
/// whole trace (111,539 jobs) under first and best fit; under worst fit its first 45 days
/// (6,069 jobs), because in the whole run every round considers a queue of thousands of jobs:
/// explaining it takes some 20 s (230,000 rows, 20 MB).
#[test]
fn every_job_of_the_demo_has_a_story() {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo.toml");
    let demo = demo.to_str().unwrap();
    every_job_has_a_story(demo, &["policy.name=first-fit"]);
    every_job_has_a_story(demo, &["policy.name=best-fit"]);
    every_job_has_a_story(demo, &["policy.name=worst-fit", "horizon=45d"]);
}

/// Every library scenario as the library ships it (each runs in well under a second).
#[test]
fn every_job_of_each_library_scenario_has_a_story() {
    for entry in scenarios::library::LIBRARY {
        every_job_has_a_story(&format!("library:{}", entry.name), &[]);
    }
}

/// A folder with the scenario `s.toml` and its trace `trace.csv`.
fn workspace(scenario: &str, trace: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.toml"), scenario).unwrap();
    std::fs::write(dir.path().join("trace.csv"), trace).unwrap();
    dir
}

/// Runs `s.toml` of `dir` with `--explain` into `dir/o` and returns `clustersim why o JOB` for
/// each of `jobs`.
fn stories_of(dir: &Path, jobs: &[&str]) -> Vec<String> {
    let run = clustersim(&["run", "s.toml", "--explain", "--no-report", "-q", "--out", "o"], dir);
    assert!(run.status.success(), "{}", stderr(&run));
    jobs.iter()
        .map(|job| stdout(&clustersim(&["why", "o", job], dir)))
        .collect()
}

/// A job's story names the incident that stopped it, not every incident that killed a job
/// before its restart.
///
/// 4 nodes × 4 GPUs, first fit; j0 … j3 (4 GPUs, 3600 s, no checkpoints) arrive at 0 and start
/// on r0-n0 … r0-n3. Node failures (1 min each) of r0-n0 at 10 min, r0-n1 at 12 and r0-n2 at
/// 14 kill j0, j1 and j2 (1 job each). With a restart overhead of 10 min, j2 is held out of the
/// queue until 14 + 10 = 24 min and starts again then (00:24:00) on r0-n2 (back since 15 min), reruns its 3600 s from the start
/// and ends at 1440 + 3600 = 5040 s (01:24:00). The failures of r0-n0 and r0-n1 fell between
/// j2's starts too, on nodes it never ran on: they are not in its story. j3 never stopped.
#[test]
fn a_restart_names_only_the_incident_that_stopped_the_job() {
    let scenario = "name = \"failures\"\nseed = 1\n\n[cluster]\nracks = 1\nnodes_per_rack = 4\n\
                    node = { gpus = 4, gpu_type = \"A100\" }\n\n[workload]\ntrace = \"trace.csv\"\n\n\
                    [policy]\nname = \"first-fit\"\n\n[faults]\nrestart_overhead = \"10m\"\n\n\
                    [[faults.incident]]\nat = \"10m\"\nkind = \"node-failure\"\ntarget = \"r0-n0\"\nduration = \"1m\"\n\n\
                    [[faults.incident]]\nat = \"12m\"\nkind = \"node-failure\"\ntarget = \"r0-n1\"\nduration = \"1m\"\n\n\
                    [[faults.incident]]\nat = \"14m\"\nkind = \"node-failure\"\ntarget = \"r0-n2\"\nduration = \"1m\"\n";
    let trace = "job_id,submit_s,duration_s,tasks,gpus_per_task\n\
                 j0,0,3600,1,4\nj1,0,3600,1,4\nj2,0,3600,1,4\nj3,0,3600,1,4\n";
    let dir = workspace(scenario, trace);
    let stories = stories_of(dir.path(), &["j2", "j3"]);
    // The number alone is no job of this trace; the id it likely means is named.
    let bare = clustersim(&["why", "o", "2"], dir.path());
    assert_eq!(bare.status.code(), Some(2));
    assert!(
        stderr(&bare).contains("no job `2` in jobs.csv of this run (4 jobs) (did you mean `j2`?)"),
        "{}",
        stderr(&bare)
    );
    assert_eq!(
        stories[0],
        "job j2: submitted at 00:00:00\n  \
         started at 00:00:00 on r0-n2\n  \
         stopped at 00:14:00 by node-failure of r0-n2 (1 job killed)\n  \
         held out of the queue until 00:24:00 (detection: `faults.restart_overhead` and any back-off)\n  \
         started at 00:24:00 on r0-n2\n  \
         preempted 0 times, restarted once\n  \
         ended completed at 01:24:00\n"
    );
    assert_eq!(
        stories[1],
        "job j3: submitted at 00:00:00\n  started at 00:00:00 on r0-n3\n  ended completed at 01:00:00\n"
    );
}

/// Time slicing suspends: the story says so, counts the suspensions apart from preemptions, and
/// a wait behind two heads taking turns counts the heads apart from the turns.
///
/// One node × 4 GPUs, gang time slicing (60 s slices, 5 s lost per suspension):
/// - a (4 GPUs, 300 s) starts at 0; b (4 GPUs, 300 s) at 10 waits, too few free (rounds at 10
///   and 20); c (0.5 GPU) and d (0.25 GPU), 100 s each at priority −1, arrive at 20 and wait
///   behind the head: only equal priorities rotate, so they never take a turn.
/// - Each slice end the waiting gang suspends the running one: b suspends a at 60, a suspends b
///   at 120, …; a is suspended at 60, 180, 300, 420, 540 and starts again at 120, 240, 360, 480,
///   600. Each run of 60 s keeps 55 s of work: a has 5 × 55 = 275 s by 540 and ends at
///   600 + 25 = 625 s; b, suspended at 600, starts at 625 (in turn) and ends at 650.
/// - After each suspension the policy runs a second round at the same instant, in which the
///   suspended gang, back at its arrival position, is the head and waits, too few free: a waits
///   from 60 to 120 and so on, 5 rounds.
/// - c waits behind the head in 21 rounds from 20 to 600 (20, then two a slice end): the head is
///   b at 20 and in the first round at 60, a in the second at 60 and the first at 120, and so
///   on, b again in the last round at 600: 11 turns of two jobs, the first and last b. At 625 b
///   takes every GPU and c waits, too few free, until b ends at 650.
#[test]
fn time_slicing_is_told_as_suspensions() {
    let scenario = "name = \"slices\"\nseed = 1\n\n[cluster]\nracks = 1\nnodes_per_rack = 1\n\
                    node = { gpus = 4, gpu_type = \"A100\" }\n\n[workload]\ntrace = \"trace.csv\"\n\n\
                    [policy]\nname = \"gang\"\ntime_slice = \"60s\"\nswitch_overhead = \"5s\"\n";
    let trace = "job_id,submit_s,duration_s,tasks,gpus_per_task,priority\n\
                 a,0,300,1,4,0\nb,10,300,1,4,0\nc,20,100,1,0.5,-1\nd,20,100,1,0.25,-1\n";
    let dir = workspace(scenario, trace);
    let stories = stories_of(dir.path(), &["a", "c"]);
    let csv = std::fs::read_to_string(dir.path().join("o/decisions.csv")).unwrap();
    // Time slicing's victims carry the start of their slice, a key of its own.
    assert!(
        csv.contains("\n60.0,b,preempted-others,,,r0-n0,,a(slice_start_s=0),1,60.0,\n"),
        "{csv}"
    );
    assert!(
        csv.contains("\n20.0,c,waits,behind-head,head=b;heads=2;last_head=b;turns=11,,,,21,600.0,625.0\n"),
        "{csv}"
    );
    // In time order: each suspension, the minute a waited for b's slice, a's turn again.
    let mut a = String::from(
        "job a: submitted at 00:00:00\n  waited 5 rounds, 5.0 min in all\n  dominant reasons: too-few-free 5.0 min\n  \
         started at 00:00:00 on r0-n0\n",
    );
    for minute in [1, 3, 5, 7, 9] {
        a.push_str(&format!(
            "  suspended at 00:{minute:02}:00 by job b (time slice; its slice began at 00:{:02}:00)\n  \
             waited from 00:{minute:02}:00 to 00:{:02}:00 (1 round): the cluster had too few free GPUs in total (0 free of the 4 needed)\n  \
             started by suspending others (time slice) at 00:{:02}:00 on r0-n0\n    \
             suspending job b (its slice began at 00:{minute:02}:00)\n",
            minute - 1,
            minute + 1,
            minute + 1
        ));
    }
    a.push_str("  preempted 0 times, suspended 5 times, restarted 5 times\n  ended completed at 00:10:25\n");
    assert_eq!(stories[0], a);
    assert_eq!(
        stories[1],
        "job c: submitted at 00:00:20\n  waited 22 rounds, 10.5 min in all\n  \
         dominant reasons: behind-head 10.1 min, too-few-free 25 s\n  \
         waited from 00:00:20 to 00:10:25 (21 rounds): blocked behind the head job b and one other alternately (11 turns)\n  \
         waited from 00:10:25 to 00:10:50 (1 round): the cluster had too few free GPUs in total (0 free of the 0.5 needed)\n  \
         started at 00:10:50 on r0-n0\n  ended completed at 00:12:30\n"
    );
}

/// A job that no node has the memory for waits for memory, with the numbers: needed per task
/// and the most free on a node with room for its GPUs.
///
/// Two nodes × {8 GPUs, 96 cores, 100 GiB}, EASY backfilling (best fit); one task each, 1 GPU
/// and 1 core: a and b (80 GiB, 0–100 s) take r0-n0 and r0-n1 (b does not fit beside a: 20 GiB
/// left there); c (40 GiB, at 1 s) finds 7 GPUs but 20 GiB free on either node, waits from 1 s
/// (00:00:01) until a and b end at 100 s (00:01:40), and runs 50 s to 00:02:30.
#[test]
fn a_job_short_of_memory_is_told_so_with_its_numbers() {
    let scenario = "name = \"memory\"\nseed = 1\n\n[cluster]\nracks = 1\nnodes_per_rack = 2\n\
                    node = { gpus = 8, gpu_type = \"A100\", cpus = 96, mem_gib = 100 }\n\n\
                    [workload]\ntrace = \"trace.csv\"\n\n[policy]\nname = \"easy-backfill\"\n";
    let trace = "job_id,submit_s,duration_s,tasks,gpus_per_task,mem_gib_per_task,cpus_per_task,requested_s\n\
                 a,0,100,1,1,80,1,100\nb,0,100,1,1,80,1,100\nc,1,50,1,1,40,1,50\n";
    let dir = workspace(scenario, trace);
    let stories = stories_of(dir.path(), &["c"]);
    let csv = std::fs::read_to_string(dir.path().join("o/decisions.csv")).unwrap();
    assert!(
        csv.contains("\n1.0,c,waits,no-node-fits-memory,mem_gib=40;model=any;best_free=20,,,,1,1.0,100.0\n"),
        "{csv}"
    );
    assert_eq!(
        stories[0],
        "job c: submitted at 00:00:01\n  waited 1 round, 99 s in all\n  \
         dominant reasons: no-node-fits-memory 99 s\n  \
         waited from 00:00:01 to 00:01:40 (1 round): no node with room for one task's GPUs had \
         the 40 GiB of memory it needs (most free on such a node: 20 GiB)\n  \
         started at 00:01:40 on r0-n0\n  ended completed at 00:02:30\n"
    );
}

/// One node of 4 GPUs under first fit (FIFO), a horizon of 500 s: a (4 GPUs, 0–1000 s) runs; b (4 GPUs, at
/// 10 s) waits for too few free GPUs from 10 s to the end of the run at 500 s, 490 s, though
/// its last round was at 20 s, when nf arrived (it was counted to that round, 10 s).
#[test]
fn a_wait_still_open_at_the_horizon_lasts_to_the_end_of_the_run() {
    let scenario = "name = \"horizon\"\nseed = 1\nhorizon = \"500s\"\n\n[cluster]\nracks = 1\nnodes_per_rack = 1\n\
                    node = { gpus = 4, gpu_type = \"A100\" }\n\n[workload]\ntrace = \"trace.csv\"\n\n\
                    [policy]\nname = \"first-fit\"\n";
    // nf (2 × 4 GPUs) never fits the one 4-GPU node: refused at its arrival, 20 s.
    let trace = "job_id,submit_s,duration_s,tasks,gpus_per_task\na,0,1000,1,4\nb,10,10,1,4\nnf,20,10,2,4\n";
    let dir = workspace(scenario, trace);
    let stories = stories_of(dir.path(), &["b", "nf"]);
    assert!(
        stories[1].ends_with(
            "ended never-fits at 00:00:20: the cluster could never hold it (more than its nodes \
             hold even empty, less any hot spares, or a GPU model or MIG profile it lacks), so no round considered it\n"
        ),
        "{}",
        stories[1]
    );
    assert!(
        stories[0].contains("waited 2 rounds, 8.2 min in all") && stories[0].contains("from 00:00:10 to 00:08:20"),
        "{}",
        stories[0]
    );
    let summary = stdout(&clustersim(&["why", "o", "--summary"], dir.path()));
    let line = summary.lines().find(|l| l.contains("too-few-free")).unwrap_or_default();
    assert!(line.contains(" 490 s "), "{summary}");
}
