//! `run --timeline`: the file is valid trace-event JSON that Perfetto reads, every slice lies
//! within its job's life in jobs.csv, slices never overlap on a track, the window and node
//! filter keep what they say, and every slice says which decision started its attempt.

mod common;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use common::{TRACE, clustersim, stderr};
use serde_json::Value;

/// Runs `clustersim run ARGS --no-report -q --out out` in `dir` and reads `out/timeline.json`.
fn timeline(dir: &Path, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["run"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--no-report", "-q", "--out", "out"]);
    let output = clustersim(&all, dir);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = std::fs::read_to_string(dir.join("out/timeline.json")).unwrap();
    let mut file: Value = serde_json::from_str(&text).expect("timeline.json is JSON");
    match file["traceEvents"].take() {
        Value::Array(events) => events,
        other => panic!("traceEvents is not an array: {other}"),
    }
}

/// Checks the fields the trace-event format requires of each phase used.
fn check_format(events: &[Value]) {
    let mut flow_starts = HashSet::new();
    let mut flow_ends = Vec::new();
    for e in events {
        let ph = e["ph"].as_str().expect("every event has a phase");
        assert!(e["name"].is_string(), "{e}");
        assert!(e["ts"].is_u64() && e["pid"].is_u64(), "{e}");
        match ph {
            "X" => assert!(e["tid"].is_u64() && e["dur"].is_u64(), "{e}"),
            "M" => assert!(e["args"].is_object(), "{e}"),
            "C" => assert!(e["args"]["value"].is_number(), "{e}"),
            "i" => assert!(["g", "p", "t"].contains(&e["s"].as_str().unwrap()), "{e}"),
            "s" => {
                assert!(e["tid"].is_u64() && e["cat"].is_string(), "{e}");
                flow_starts.insert(e["id"].as_u64().unwrap());
            }
            "f" => {
                assert!(e["tid"].is_u64() && e["bp"] == "e", "{e}");
                flow_ends.push(e["id"].as_u64().unwrap());
            }
            other => panic!("unexpected phase {other}"),
        }
    }
    for id in flow_ends {
        assert!(flow_starts.contains(&id), "flow {id} ends without a start");
    }
    // Both ends of every arrow lie strictly inside a slice of their track, so that an importer
    // binding them to the enclosing slice finds the job's own attempt, not the slice that ends
    // (or starts) at the same instant on that GPU.
    let slices = tracks(events);
    for e in events.iter().filter(|e| e["ph"] == "s" || e["ph"] == "f") {
        let (pid, tid, ts) = (
            e["pid"].as_u64().unwrap(),
            e["tid"].as_u64().unwrap(),
            e["ts"].as_u64().unwrap(),
        );
        let inside = slices
            .get(&(pid, tid))
            .is_some_and(|s| s.iter().any(|&(from, to)| from < ts && ts < to));
        assert!(inside, "flow event not inside a slice of its track: {e}");
    }
}

/// (pid, tid) → slices (start, end) on that track.
fn tracks(events: &[Value]) -> BTreeMap<(u64, u64), Vec<(u64, u64)>> {
    let mut tracks: BTreeMap<(u64, u64), Vec<(u64, u64)>> = BTreeMap::new();
    for e in events.iter().filter(|e| e["ph"] == "X") {
        let ts = e["ts"].as_u64().unwrap();
        tracks
            .entry((e["pid"].as_u64().unwrap(), e["tid"].as_u64().unwrap()))
            .or_default()
            .push((ts, ts + e["dur"].as_u64().unwrap()));
    }
    tracks
}

/// job id → (start_s, end_s) from jobs.csv, for jobs that started.
fn job_spans(dir: &Path) -> HashMap<String, (f64, f64)> {
    let mut reader = csv::Reader::from_path(dir.join("out/jobs.csv")).unwrap();
    let headers = reader.headers().unwrap().clone();
    let column = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (id, start, end) = (column("job_id"), column("start_s"), column("end_s"));
    reader
        .records()
        .map(Result::unwrap)
        .filter(|r| !r[start].is_empty())
        .map(|r| {
            let end = if r[end].is_empty() {
                f64::INFINITY
            } else {
                r[end].parse().unwrap()
            };
            (r[id].to_string(), (r[start].parse().unwrap(), end))
        })
        .collect()
}

#[test]
fn a_small_run_has_one_slice_per_gpu_of_each_task() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("trace.csv"), TRACE).unwrap();
    std::fs::write(
        dir.path().join("s.toml"),
        "name = \"small\"\nseed = 7\n[cluster]\nracks = 1\nnodes_per_rack = 2\n\
         node = { gpus = 4, gpu_type = \"A100\" }\n[workload]\ntrace = \"trace.csv\"\n[policy]\nname = \"best-fit\"\n",
    )
    .unwrap();
    let events = timeline(dir.path(), &["s.toml", "--timeline"]);
    check_format(&events);
    // Each job's GPU shares summed over its slices: tasks × GPUs per task from the trace
    // (a 1×4, b 1×1, c 1×1, d 1×4, e 2×4, f 1×0.25); nothing is preempted, so one attempt each.
    let mut shares: BTreeMap<String, f64> = BTreeMap::new();
    for e in events.iter().filter(|e| e["ph"] == "X") {
        assert_eq!(e["args"]["ended"], "completed");
        *shares
            .entry(e["args"]["job"].as_str().unwrap().to_string())
            .or_default() += e["args"]["gpu_share"].as_f64().unwrap();
    }
    let expected: BTreeMap<String, f64> = [("a", 4.0), ("b", 1.0), ("c", 1.0), ("d", 4.0), ("e", 8.0), ("f", 0.25)]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    assert_eq!(shares, expected);
    // One rack, named; every track used is named after its node and GPU.
    let names: Vec<&str> = events
        .iter()
        .filter(|e| e["name"] == "process_name")
        .map(|e| e["args"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["rack r0"]);
    let threads = events.iter().filter(|e| e["name"] == "thread_name").count();
    assert_eq!(threads, tracks(&events).len());
}

#[test]
fn the_cascade_timeline_is_consistent_with_jobs_csv() {
    let dir = tempfile::tempdir().unwrap();
    let events = timeline(dir.path(), &["library:cascading-failure", "--timeline"]);
    check_format(&events);
    let spans = job_spans(dir.path());
    for e in events.iter().filter(|e| e["ph"] == "X") {
        let job = e["args"]["job"].as_str().unwrap();
        let (start, end) = spans[job];
        let ts = e["ts"].as_f64().unwrap() / 1e6;
        let slice_end = ts + e["dur"].as_f64().unwrap() / 1e6;
        assert!(
            ts >= start - 1e-6 && slice_end <= end + 1e-6,
            "{e} outside {start}..{end}"
        );
    }
    for (track, mut slices) in tracks(&events) {
        slices.sort_unstable();
        for pair in slices.windows(2) {
            assert!(pair[0].1 <= pair[1].0, "slices overlap on track {track:?}: {pair:?}");
        }
    }
    // The cascade interrupts jobs that come back: restarts are linked by flows, and the
    // failures appear as incidents.
    assert!(events.iter().any(|e| e["ph"] == "f"));
    assert!(events.iter().any(|e| e["cat"] == "incident"));
}

#[test]
fn the_window_and_node_filter_keep_what_they_say() {
    let dir = tempfile::tempdir().unwrap();
    let events = timeline(
        dir.path(),
        &[
            "library:cascading-failure",
            "--timeline-window",
            "1h..90m",
            "--timeline-nodes",
            "r01-*",
        ],
    );
    check_format(&events);
    let (from, to) = (3_600_000_000u64, 5_400_000_000u64);
    for e in &events {
        match e["ph"].as_str().unwrap() {
            "X" => {
                let ts = e["ts"].as_u64().unwrap();
                assert!(ts < to && ts + e["dur"].as_u64().unwrap() > from, "{e}");
            }
            "M" if e["name"] == "thread_name" => {
                assert!(e["args"]["name"].as_str().unwrap().starts_with("r01-"), "{e}")
            }
            "M" | "C" | "s" | "f" => {}
            _ => {
                let ts = e["ts"].as_u64().unwrap();
                assert!((from..to).contains(&ts), "{e}");
            }
        }
    }
    assert!(events.iter().any(|e| e["ph"] == "X"), "the window holds running jobs");
}

#[test]
fn a_bad_window_is_refused_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let output = clustersim(
        &[
            "run",
            "library:cascading-failure",
            "--timeline-window",
            "3h..2h",
            "--out",
            "out",
        ],
        dir.path(),
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("its end must come after its start"),
        "{}",
        stderr(&output)
    );
    assert!(!dir.path().join("out").exists());
    // A node filter that keeps nothing is refused too, showing how the names go.
    let output = clustersim(
        &["run", "library:pdu-trip", "--timeline-nodes", "zz*,n9", "--out", "out"],
        dir.path(),
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains(
            "--timeline-nodes `zz*,n9` matches no node or rack of library:pdu-trip (nodes are named like `r0-n0`, racks like `r0`)"
        ),
        "{}",
        stderr(&output)
    );
    assert!(!dir.path().join("out").exists());
}

/// Each preemption is an instant event (category `preemption`) on the first track of the
/// attempt it ended, at that attempt's end: in the preemption paradox, one per preemption that
/// jobs.csv counts (11 low-priority jobs give way to `hp`).
#[test]
fn preemptions_are_instant_events_where_the_attempts_end() {
    let dir = tempfile::tempdir().unwrap();
    let events = timeline(dir.path(), &["library:preemption-paradox", "--timeline"]);
    check_format(&events);
    let ends: HashSet<(String, u64, u64, u64)> = events
        .iter()
        .filter(|e| e["ph"] == "X" && e["args"]["ended"] == "preempted")
        .map(|e| {
            let end = e["ts"].as_u64().unwrap() + e["dur"].as_u64().unwrap();
            let (pid, tid) = (e["pid"].as_u64().unwrap(), e["tid"].as_u64().unwrap());
            (e["name"].as_str().unwrap().to_string(), end, pid, tid)
        })
        .collect();
    let instants: Vec<&Value> = events.iter().filter(|e| e["cat"] == "preemption").collect();
    for e in &instants {
        assert_eq!((e["ph"].as_str(), e["s"].as_str()), (Some("i"), Some("t")), "{e}");
        let job = e["name"].as_str().unwrap().strip_prefix("preempted ").unwrap();
        let at = (
            job.to_string(),
            e["ts"].as_u64().unwrap(),
            e["pid"].as_u64().unwrap(),
            e["tid"].as_u64().unwrap(),
        );
        assert!(ends.contains(&at), "{e} ends no preempted slice");
    }
    let mut reader = csv::Reader::from_path(dir.path().join("out/jobs.csv")).unwrap();
    let header = reader.headers().unwrap().clone();
    let column = header.iter().position(|c| c == "preemptions").unwrap();
    let preemptions: u64 = reader
        .records()
        .map(|r| r.unwrap()[column].parse::<u64>().unwrap())
        .sum();
    assert_eq!(preemptions, 11);
    assert_eq!(instants.len() as u64, preemptions);
}

/// The run's page says how to open `timeline.json` when the run wrote one, and only then.
#[test]
fn the_report_says_how_to_open_the_timeline() {
    let dir = tempfile::tempdir().unwrap();
    for (out, extra) in [("with", Some("--timeline")), ("without", None)] {
        let mut args = vec!["run", "library:preemption-paradox", "-q", "--out", out];
        args.extend(extra);
        let output = clustersim(&args, dir.path());
        assert!(output.status.success(), "{}", stderr(&output));
    }
    let page = |out: &str| std::fs::read_to_string(dir.path().join(out).join("report.html")).unwrap();
    assert!(page("with").contains("Open https://ui.perfetto.dev and choose Open trace file"));
    assert!(!page("without").contains("ui.perfetto.dev"));
}

/// Each opening of the circuit breaker is a global instant event (category `breaker`): as many
/// as `summary.json` counts trips, in the cascade with the breaker on
/// (`faults.breaker.failures=2`); none without it.
#[test]
fn breaker_openings_are_instant_events() {
    let dir = tempfile::tempdir().unwrap();
    let events = timeline(
        dir.path(),
        &[
            "library:cascading-failure",
            "--timeline",
            "--set",
            "faults.breaker.failures=2",
        ],
    );
    check_format(&events);
    let openings: Vec<&Value> = events.iter().filter(|e| e["cat"] == "breaker").collect();
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("out/summary.json")).unwrap()).unwrap();
    let trips = summary["breaker_trips"].as_u64().unwrap();
    assert!(trips > 0);
    assert_eq!(openings.len() as u64, trips);
    assert!(
        openings
            .iter()
            .all(|e| e["ph"] == "i" && e["s"] == "g" && e["name"] == "breaker opens")
    );
    let plain = tempfile::tempdir().unwrap();
    let events = timeline(plain.path(), &["library:cascading-failure", "--timeline"]);
    assert!(!events.iter().any(|e| e["cat"] == "breaker"));
}

/// Runs `policy` (the `[policy]` table's lines) on one node of 8 GPUs with the native trace
/// `trace`, with `--timeline` alone, and returns each slice as (job, start s, decision, after,
/// restarts, ended), in time order.
fn decisions(policy: &str, trace: &str) -> Vec<(String, u64, String, String, u64, String)> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("trace.csv"), trace).unwrap();
    std::fs::write(
        dir.path().join("s.toml"),
        format!(
            "name = \"decisions\"\nseed = 1\n[cluster]\nracks = 1\nnodes_per_rack = 1\n\
             node = {{ gpus = 8, gpu_type = \"A100\" }}\n[workload]\ntrace = \"trace.csv\"\n[policy]\n{policy}\n"
        ),
    )
    .unwrap();
    let events = timeline(dir.path(), &["s.toml", "--timeline"]);
    check_format(&events);
    let mut slices: Vec<_> = events
        .iter()
        .filter(|e| e["ph"] == "X")
        .map(|e| {
            let arg = |name: &str| e["args"][name].as_str().unwrap().to_string();
            (
                arg("job"),
                e["ts"].as_u64().unwrap() / 1_000_000,
                arg("decision"),
                arg("after"),
                e["args"]["restarts"].as_u64().unwrap(),
                arg("ended"),
            )
        })
        .collect();
    // A job holding several GPUs has a slice on each: one per attempt is enough here.
    slices.dedup();
    slices.sort_by(|a, b| (a.1, &a.0).cmp(&(b.1, &b.0)));
    slices
}

/// (job, start s, decision, after, restarts, ended), for the expected slices.
fn slice(
    job: &str,
    at: u64,
    decision: &str,
    after: &str,
    restarts: u64,
    ended: &str,
) -> (String, u64, String, String, u64, String) {
    (job.into(), at, decision.into(), after.into(), restarts, ended.into())
}

/// EASY backfilling on one node of 8 GPUs (FIFO, best fit; worked out by hand):
/// - a: 4 GPUs at 0 for 100 s: the queue reaches it and it fits → `started` at 0.
/// - h: 8 GPUs at 1: 4 free → blocked, reserved for 100 (a's end).
/// - c: 2 GPUs at 2 for 50 s: ends at 52, before the reservation → `backfilled` at 2.
/// - d: 2 GPUs at 3 for 200 s: 2 are free, but it would still run at 100, when h needs all 8 →
///   waits (at 52, when c ends, too).
/// - at 100 a ends: h is at the head and fits → `started`; d waits again (0 free).
/// - at 110 h ends: d is the head → `started`.
///
/// Every attempt is the job's first: `after` is `arrival`, `restarts` 0.
#[test]
fn each_slice_names_the_decision_easy_backfilling_made() {
    let slices = decisions(
        "name = \"easy-backfill\"",
        "job_id,submit_s,duration_s,tasks,gpus_per_task\na,0,100,1,4\nh,1,10,1,8\nc,2,50,1,2\nd,3,200,1,2\n",
    );
    assert_eq!(
        slices,
        [
            slice("a", 0, "started", "arrival", 0, "completed"),
            slice("c", 2, "backfilled", "arrival", 0, "completed"),
            slice("h", 100, "started", "arrival", 0, "completed"),
            slice("d", 110, "started", "arrival", 0, "completed"),
        ]
    );
}

/// Priority preemption (least progress) on one node of 8 GPUs, worked out by hand:
/// - low (priority 0, preemptible, no checkpoint): 8 GPUs at 0 for 1000 s → `started` at 0.
/// - hp (priority 10): 8 GPUs at 10 for 100 s: nothing free, low is the only candidate →
///   low is preempted at 10 (its 10 s are lost) and hp starts `preempted-others` at 10.
/// - at 110 hp ends: low, back in the queue, fits → `started` again, after `preempted`, its
///   first restart; it redoes its 1000 s.
#[test]
fn each_slice_names_the_preemption_that_started_it_and_what_it_follows() {
    let slices = decisions(
        "name = \"priority-preempt\"",
        "job_id,submit_s,duration_s,tasks,gpus_per_task,priority\nlow,0,1000,1,8,0\nhp,10,100,1,8,10\n",
    );
    assert_eq!(
        slices,
        [
            slice("low", 0, "started", "arrival", 0, "preempted"),
            slice("hp", 10, "preempted-others", "arrival", 0, "completed"),
            slice("low", 110, "started", "preempted", 1, "completed"),
        ]
    );
}

/// Time slicing (gang, 60 s slices, no switch overhead) of two 100 s jobs that each need the
/// whole node, worked out by hand:
/// - x at 0 → `started`. y at 1 waits: x has not run a slice yet; the policy wakes at 60.
/// - at 60 y suspends x → y `preempted-others` (x ended `suspended`, 60 s done).
/// - at 120 y has run its slice: x suspends it → x `preempted-others`, after `suspended`, its
///   first restart; 40 s left, it ends at 160.
/// - at 160 y, waiting with 40 s left, starts in its turn → `started`, after `suspended`; it
///   ends at 200.
#[test]
fn each_slice_names_the_time_slice_rotation_that_started_it() {
    let slices = decisions(
        "name = \"gang\"\ntime_slice = \"60s\"",
        "job_id,submit_s,duration_s,tasks,gpus_per_task\nx,0,100,1,8\ny,1,100,1,8\n",
    );
    assert_eq!(
        slices,
        [
            slice("x", 0, "started", "arrival", 0, "suspended"),
            slice("y", 60, "preempted-others", "arrival", 0, "suspended"),
            slice("x", 120, "preempted-others", "suspended", 1, "completed"),
            slice("y", 160, "started", "suspended", 1, "completed"),
        ]
    );
}

/// Each rack's samples of a run with physical models are counter tracks of the rack, one event
/// per sample and quantity, with the values of `racks.csv` (where the run streams them).
#[test]
fn rack_samples_are_counter_tracks_with_the_values_of_racks_csv() {
    let dir = tempfile::tempdir().unwrap();
    let events = timeline(
        dir.path(),
        &["library:thermal-throttle", "--timeline", "--set", "horizon=\"2h\""],
    );
    check_format(&events);
    let racks = std::fs::read_to_string(dir.path().join("out/racks.csv")).unwrap();
    let mut lines = racks.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let column = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (t, temp) = (column("t_s"), column("max_temp_c"));
    let from_csv: Vec<(f64, f64)> = lines
        .map(|line| {
            let cells: Vec<&str> = line.split(',').collect();
            (cells[t].parse::<f64>().unwrap() * 1e6, cells[temp].parse().unwrap())
        })
        .collect();
    let counters: Vec<(f64, f64)> = events
        .iter()
        .filter(|e| e["ph"] == "C" && e["name"] == "hottest GPU °C")
        .map(|e| (e["ts"].as_f64().unwrap(), e["args"]["value"].as_f64().unwrap()))
        .collect();
    assert!(!from_csv.is_empty());
    // racks.csv rounds to the microdegree; the timeline keeps every digit.
    assert_eq!(counters.len(), from_csv.len());
    for (timeline, csv) in counters.iter().zip(&from_csv) {
        assert_eq!(timeline.0, csv.0);
        assert!((timeline.1 - csv.1).abs() <= 5e-7, "{timeline:?} against {csv:?}");
    }
}
