//! `timeline.json`: the whole cluster over time in the Chrome trace-event format, which
//! ui.perfetto.dev and chrome://tracing open.
//!
//! Layout: a process per rack; a track (thread) per GPU of each node, split into lanes where
//! shares of one GPU run side by side, so that slices never overlap on a track (CPU-only tasks
//! get a `cpu` track per node); a slice per task attempt, named after the job, with the job's
//! trace id, tasks, the track's share of the GPU, its restart count, the policy's decision that
//! started the attempt ([`StartKind`]), how the job's previous attempt ended and how this one
//! ended as arguments; a flow arrow from an attempt a preemption, failure or time slice stopped to
//! the job's next attempt; per-rack counters of power, hottest GPU and uplink load at every
//! sample (when those models are on); instant events for nodes going down or up (rack-scoped)
//! and for every logged incident (global). Timestamps are the simulation's microseconds.
//!
//! Events stream to a temporary file as the run goes, so a long run holds only its open
//! attempts; [`Timeline::commit`] adds the names, counters, incidents and breaker openings and
//! renames the file.
//! A [`Window`] and a [`NodeFilter`] keep large runs loadable.

mod filter;
mod lanes;

use std::collections::{HashMap, HashSet};
use std::io::{self, BufWriter, Write};
use std::path::Path;

use serde::Serialize;
use serde_json::{Value, json};
use sim_core::faults::IncidentRow;
use sim_core::ids::{JobId, NodeId};
use sim_core::job::Job;
use sim_core::metrics::RackSample;
use sim_core::observe::{Observer, Record};
use sim_core::policy::StartKind;
use sim_core::time::SimTime;
use sim_core::view::ClusterView;

pub use filter::{FilterError, NodeFilter, Window};
use lanes::{Lanes, Track};

/// Which part of a run the timeline keeps.
#[derive(Clone, Debug, Default)]
pub struct TimelineOptions {
    /// Only what happens within this span (slices overlapping it, kept whole).
    pub window: Option<Window>,
    /// Only nodes (and racks) whose name matches.
    pub nodes: Option<NodeFilter>,
}

/// One event of the trace-event format (fields absent where the phase does not use them).
#[derive(Serialize)]
struct Event<'a> {
    name: &'a str,
    ph: &'static str,
    ts: u64,
    pid: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    tid: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dur: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cat: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    bp: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    s: Option<&'static str>,
    #[serde(skip_serializing_if = "Value::is_null")]
    args: Value,
}

impl<'a> Event<'a> {
    fn new(name: &'a str, ph: &'static str, ts: SimTime, pid: u32) -> Event<'a> {
        Event {
            name,
            ph,
            ts: ts.as_micros(),
            pid,
            tid: None,
            dur: None,
            cat: None,
            id: None,
            bp: None,
            s: None,
            args: Value::Null,
        }
    }
}

/// A running attempt of a job: where its slices are, since when, the decision that started it
/// and what it follows.
struct Attempt {
    start: SimTime,
    tracks: Vec<(Track, f64)>,
    kind: StartKind,
    after: &'static str,
}

/// A job's stopped attempt that its next start resumes: the flow id linking the two, whether
/// the flow's start was written (its end is written only then), and how the attempt ended.
struct Stopped {
    flow: u64,
    written: bool,
    ended: &'static str,
}

/// The timeline of one run, written as it goes (see the module's documentation).
pub struct Timeline {
    out: BufWriter<std::fs::File>,
    path: tempfile::TempPath,
    options: TimelineOptions,
    wrote_any: bool,
    error: Option<io::Error>,
    lanes: Lanes,
    running: HashMap<JobId, Attempt>,
    /// Attempts that were stopped and await the job's next start.
    flows: HashMap<JobId, Stopped>,
    next_flow: u64,
    /// Thread ids of the tracks that got an event (only those are named).
    shown: HashSet<u32>,
    /// Per node, whether the node filter keeps it (filled at the first record).
    kept: Vec<bool>,
    node_names: Vec<String>,
    node_racks: Vec<u32>,
    rack_names: Vec<String>,
}

impl Timeline {
    /// Starts `timeline.json` for a run whose files go to `dir` (created if needed).
    pub fn create(dir: &Path, options: TimelineOptions) -> io::Result<Timeline> {
        std::fs::create_dir_all(dir)?;
        let (file, path) = crate::atomic::temporary_for(dir, "timeline.json")?;
        let mut out = BufWriter::new(file);
        out.write_all(b"{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n")?;
        Ok(Timeline {
            out,
            path,
            options,
            wrote_any: false,
            error: None,
            lanes: Lanes::default(),
            running: HashMap::new(),
            flows: HashMap::new(),
            next_flow: 1,
            shown: HashSet::new(),
            kept: Vec::new(),
            node_names: Vec::new(),
            node_racks: Vec::new(),
            rack_names: Vec::new(),
        })
    }

    fn emit(&mut self, event: &Event<'_>) {
        if let Some(tid) = event.tid {
            self.shown.insert(tid);
        }
        if self.error.is_some() {
            return;
        }
        let result = (|| {
            if self.wrote_any {
                self.out.write_all(b",\n")?;
            }
            serde_json::to_writer(&mut self.out, event)?;
            Ok::<_, io::Error>(())
        })();
        self.wrote_any = true;
        if let Err(e) = result {
            self.error = Some(e);
        }
    }

    fn learn(&mut self, view: &ClusterView<'_>) {
        if !self.kept.is_empty() || view.cluster.nodes().is_empty() {
            return;
        }
        let cluster = view.cluster;
        self.rack_names = cluster.racks().iter().map(|r| r.name.clone()).collect();
        for node in cluster.nodes() {
            let rack = &self.rack_names[node.rack.index()];
            let kept = self.options.nodes.as_ref().is_none_or(|f| f.keeps(&node.name, rack));
            self.kept.push(kept);
            self.node_names.push(node.name.clone());
            self.node_racks.push(node.rack.index() as u32 + 1);
        }
    }

    fn in_window(&self, from: SimTime, to: SimTime) -> bool {
        self.options.window.is_none_or(|w| w.overlaps(from, to))
    }

    fn started(&mut self, job: &Job, now: SimTime, kind: StartKind) {
        let mut tracks = Vec::new();
        for task in &job.alloc {
            for (device, share) in lanes::devices(task) {
                tracks.push((self.lanes.take(task.node, device, job.id), share));
            }
        }
        let stopped = self.flows.remove(&job.id);
        let after = stopped.as_ref().map_or("arrival", |s| s.ended);
        if let Some(Stopped {
            flow, written: true, ..
        }) = stopped
            && let Some(&(track, _)) = tracks.first()
            && self.kept[track.node.index()]
            && self.in_window(now, now)
        {
            // One microsecond into the new attempt's slice, as the arrow's start is one before the
            // old one's end: at the boundary itself, an importer that binds the end to the slice
            // enclosing it may still hold the track's previous slice (another job's, after a
            // preemption) and bind the arrow there.
            let at = now.saturating_add(SimTime::from_micros(1));
            let mut event = Event::new("restart", "f", at, self.node_racks[track.node.index()]);
            event.tid = Some(self.lanes.tid(track));
            event.cat = Some("attempt");
            event.id = Some(flow);
            event.bp = Some("e");
            self.emit(&event);
        }
        self.running.insert(
            job.id,
            Attempt {
                start: now,
                tracks,
                kind,
                after,
            },
        );
    }

    fn stopped(&mut self, job: &Job, now: SimTime, ended: &'static str, resumes: bool) {
        let Some(attempt) = self.running.remove(&job.id) else {
            return;
        };
        let name = format!("job {}", job.spec.id);
        let keep_time = self.in_window(
            attempt.start,
            now.max(attempt.start.saturating_add(SimTime::from_micros(1))),
        );
        for &(track, share) in &attempt.tracks {
            self.lanes.release(track);
            if !keep_time || !self.kept[track.node.index()] {
                continue;
            }
            let mut event = Event::new(&name, "X", attempt.start, self.node_racks[track.node.index()]);
            event.tid = Some(self.lanes.tid(track));
            event.dur = Some(now.as_micros() - attempt.start.as_micros());
            event.cat = Some("job");
            event.args = json!({
                "job": job.spec.id,
                "tasks": job.spec.tasks,
                "gpu_share": share,
                "restarts": job.restarts,
                "decision": attempt.kind.name(),
                "after": attempt.after,
                "ended": ended,
            });
            self.emit(&event);
        }
        if matches!(ended, "preempted" | "suspended")
            && let Some(&(track, _)) = attempt.tracks.first()
            && self.kept[track.node.index()]
            && self.in_window(now, now)
        {
            let name = format!("{ended} {name}");
            let mut event = Event::new(&name, "i", now, self.node_racks[track.node.index()]);
            event.tid = Some(self.lanes.tid(track));
            event.s = Some("t");
            event.cat = Some("preemption");
            self.emit(&event);
        }
        if resumes && let Some(&(track, _)) = attempt.tracks.first() {
            let flow = self.next_flow;
            self.next_flow += 1;
            let written = self.kept[track.node.index()] && keep_time;
            self.flows.insert(job.id, Stopped { flow, written, ended });
            if written {
                let at = SimTime::from_micros(now.as_micros().saturating_sub(1).max(attempt.start.as_micros()));
                let mut event = Event::new("restart", "s", at, self.node_racks[track.node.index()]);
                event.tid = Some(self.lanes.tid(track));
                event.cat = Some("attempt");
                event.id = Some(flow);
                self.emit(&event);
            }
        }
    }

    fn node_event(&mut self, node: NodeId, what: &str, now: SimTime) {
        if !self.kept[node.index()] || !self.in_window(now, now) {
            return;
        }
        let name = format!("{what} {}", self.node_names[node.index()]);
        let mut event = Event::new(&name, "i", now, self.node_racks[node.index()]);
        event.s = Some("p");
        self.emit(&event);
    }

    /// Finishes the file: track and rack names, the racks' counters from `racks` (the run's
    /// samples), the incidents and the openings of the circuit breaker as instant events; then
    /// renames it to `target`. The first write error of the run, if any, instead.
    pub fn commit(
        mut self,
        target: &Path,
        racks: &[RackSample],
        incidents: &[IncidentRow],
        breaker_openings: &[SimTime],
    ) -> io::Result<()> {
        let kept_rack =
            |rack: u32, kept: &[bool], node_racks: &[u32]| kept.iter().zip(node_racks).any(|(&k, &r)| k && r == rack);
        for sample in racks {
            let pid = sample.rack.index() as u32 + 1;
            if !kept_rack(pid, &self.kept, &self.node_racks) || !self.in_window(sample.t, sample.t) {
                continue;
            }
            for (name, value) in [
                ("power kW", sample.power_kw),
                ("hottest GPU °C", sample.max_temp_c),
                ("uplink load", sample.uplink_util),
            ] {
                if let Some(value) = value {
                    let mut event = Event::new(name, "C", sample.t, pid);
                    event.args = json!({ "value": value });
                    self.emit(&event);
                }
            }
        }
        for row in incidents {
            if !self.in_window(row.at, row.at) {
                continue;
            }
            let name = format!("{} {}", row.kind, row.unit);
            let mut event = Event::new(&name, "i", row.at, 0);
            event.s = Some("g");
            event.cat = Some("incident");
            event.args = json!({
                "component": row.component,
                "nodes_down": row.nodes_down,
                "jobs_killed": row.jobs_killed,
            });
            self.emit(&event);
        }
        for &at in breaker_openings {
            if self.in_window(at, at) {
                let mut event = Event::new("breaker opens", "i", at, 0);
                event.s = Some("g");
                event.cat = Some("breaker");
                self.emit(&event);
            }
        }
        let rack_names = std::mem::take(&mut self.rack_names);
        for (i, rack) in rack_names.iter().enumerate() {
            let pid = i as u32 + 1;
            if kept_rack(pid, &self.kept, &self.node_racks) {
                let mut event = Event::new("process_name", "M", SimTime::ZERO, pid);
                event.args = json!({ "name": format!("rack {rack}") });
                self.emit(&event);
                let mut order = Event::new("process_sort_index", "M", SimTime::ZERO, pid);
                order.args = json!({ "sort_index": pid });
                self.emit(&order);
            }
        }
        let tracks: Vec<(Track, u32)> = self.lanes.named().filter(|(_, tid)| self.shown.contains(tid)).collect();
        for (track, tid) in tracks {
            let pid = self.node_racks[track.node.index()];
            let mut event = Event::new("thread_name", "M", SimTime::ZERO, pid);
            event.tid = Some(tid);
            event.args = json!({ "name": lanes::track_name(&self.node_names[track.node.index()], track) });
            self.emit(&event);
            let mut order = Event::new("thread_sort_index", "M", SimTime::ZERO, pid);
            order.tid = Some(tid);
            order.args = json!({ "sort_index": lanes::sort_index(track) });
            self.emit(&order);
        }
        if let Some(error) = self.error.take() {
            return Err(error);
        }
        self.out.write_all(b"\n]}\n")?;
        self.out.into_inner().map_err(io::IntoInnerError::into_error)?;
        crate::atomic::persist(self.path, target)
    }
}

impl Observer for Timeline {
    fn on_record(&mut self, record: &Record, view: &ClusterView<'_>) {
        self.learn(view);
        let now = view.now;
        match *record {
            Record::Started { job, kind } => self.started(view.job(job), now, kind),
            Record::Completed { job } => self.stopped(view.job(job), now, "completed", false),
            Record::TimedOut { job, .. } => self.stopped(view.job(job), now, "timeout", false),
            Record::Preempted { job, .. } => self.stopped(view.job(job), now, "preempted", true),
            Record::Suspended { job, .. } => self.stopped(view.job(job), now, "suspended", true),
            Record::Interrupted { job, .. } => {
                let resumes = view.job(job).state != sim_core::job::JobState::Failed;
                self.stopped(view.job(job), now, "interrupted", resumes);
            }
            Record::NodeDown { node, cause } => self.node_event(node, cause.name(), now),
            Record::NodeUp { node } => self.node_event(node, "up", now),
            _ => {}
        }
    }

    fn on_end(&mut self, end: SimTime, view: &ClusterView<'_>) {
        self.learn(view);
        let mut open: Vec<JobId> = self.running.keys().copied().collect();
        open.sort_unstable();
        for id in open {
            self.stopped(view.job(id), end, "running at end", false);
        }
    }
}
