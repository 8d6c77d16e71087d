//! `clustersim why`: a job's story in words, and the run's waiting time by reason, from the
//! files of a run written with `--explain` (`decisions.csv`, `jobs.csv`, `incidents.csv`).
//!
//! `decisions.csv` is read as a stream, never whole: a job's story keeps that job's rows, the
//! summary a running total per reason and the waits still open when the run ended (at most one
//! per job). A row of waits stands for `rounds` rounds with the same reason and parameters, from
//! `t_s` to `last_s`, and holds until `until_s`, the job's next considered round. A wait still
//! open at the end of the run (`until_s` empty) holds until the job's start if it came at or
//! after `last_s`, else its end, else the end of the run (`end_s` of `summary.json`, or without
//! it the last round of the run, the largest `last_s`).

mod rows;
mod words;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::error::ScenarioError;
use rows::{Rows, bad};
use words::{Number, clock, duration, identity, numbers, param, widen, words};

/// One row of `decisions.csv`, the fields `why` reads.
#[derive(Clone, Debug)]
struct Decision {
    t: f64,
    job: String,
    outcome: String,
    reason: String,
    params: String,
    nodes: String,
    /// For a start after preemption, the jobs it stopped (`job(why);…`).
    victims: String,
    rounds: u64,
    last: f64,
    until: Option<f64>,
}

/// One row of `jobs.csv`, the fields the story tells.
#[derive(Clone, Debug, Default)]
struct JobLine {
    submit: f64,
    start: Option<f64>,
    end: Option<f64>,
    state: String,
    restarts: String,
    preemptions: String,
    nodes: String,
}

/// A wait: one reason (with its identifying parameters) over a span of time. Waits behind the
/// head of the queue are one span whichever jobs were the head, counted in `heads`.
#[derive(Clone, Debug, PartialEq)]
struct Span {
    reason: String,
    params: String,
    heads: Heads,
    /// The other numeric parameters, each with its smallest and largest value over the rows.
    numbers: Vec<Number>,
    from: f64,
    to: f64,
    rounds: u64,
}

/// The heads of the queue a wait was behind, in turn: the first, the last, how many distinct
/// jobs and how many turns (0 for a wait of another reason).
#[derive(Clone, Debug, Default, PartialEq)]
struct Heads {
    /// The first head.
    first: String,
    /// The last head.
    last: String,
    /// How many distinct jobs were the head.
    count: u64,
    /// How many turns of the head: times it differed from the one before (a job that was the
    /// head again takes another turn).
    turns: u64,
}

impl Heads {
    /// The heads of a `behind-head` row's parameters: `head`, and with several heads in turn
    /// `heads` (distinct jobs), `last_head` and, when a head came back, `turns`.
    fn of(params: &str) -> Heads {
        let first = param(params, "head").to_string();
        let count = param(params, "heads").parse().unwrap_or(1);
        let turns = param(params, "turns").parse().unwrap_or(count);
        let last = if count > 1 { param(params, "last_head") } else { &first }.to_string();
        Heads {
            first,
            last,
            count,
            turns,
        }
    }

    /// These heads, then `next`'s in turn: the last of these and the first of `next` the same
    /// job take one turn and count once; another job among both counts twice (rows of one wait
    /// behind heads follow each other only when an order skipped the job for some rounds).
    fn then(&mut self, next: Heads) {
        let same = u64::from(self.last == next.first);
        self.count += next.count - same;
        self.turns += next.turns - same;
        self.last = next.last;
    }
}

/// An incident of `incidents.csv` that killed jobs.
#[derive(Clone, Debug)]
struct Incident {
    /// When it happened.
    t: f64,
    /// The class of what failed (`node`, `gpu`, `job`, `tor`, `pdu`, …).
    component: String,
    /// What failed, by name (several joined by `+`).
    unit: String,
    /// The incident kind (`node-failure`, `overload`, …).
    kind: String,
    /// Jobs it killed.
    killed: u64,
}

impl Incident {
    /// Whether it struck node `node`: the node itself, one of its GPUs (`node/gpuN`, for a GPU
    /// or a job's own failure) or its rack (a leaf switch, PDU or cooling unit), racks known by
    /// the names of their nodes (`r03` holds `r03-n1`, as generated clusters name them).
    fn struck(&self, node: &str) -> bool {
        let gpu_of = |unit: &str| unit.strip_prefix(node).is_some_and(|rest| rest.starts_with("/gpu"));
        let rack_of = |unit: &str| node.strip_prefix(unit).is_some_and(|rest| rest.starts_with('-'));
        self.unit.split('+').any(|unit| match self.component.as_str() {
            "node" => unit == node,
            "gpu" | "job" => gpu_of(unit),
            "tor" | "pdu" | "cooling" => rack_of(unit),
            _ => unit == node || gpu_of(unit),
        })
    }
}

/// The files of one explained run: `jobs.csv` and `incidents.csv` read, `decisions.csv` found.
pub struct WhyLog {
    decisions: PathBuf,
    jobs: BTreeMap<String, JobLine>,
    /// The incidents that killed jobs, in time order, for the jobs that were interrupted.
    incidents: Vec<Incident>,
    /// When the run ended (`end_s` of `summary.json`, when the folder has one): where a wait
    /// still open at the end stops.
    run_end: Option<f64>,
}

/// The columns of `decisions.csv` that `why` reads, by index.
struct Columns {
    t: usize,
    job: usize,
    outcome: usize,
    reason: usize,
    params: usize,
    nodes: usize,
    victims: usize,
    rounds: usize,
    last: usize,
    until: usize,
}

impl Columns {
    fn of(rows: &Rows) -> Result<Columns, ScenarioError> {
        Ok(Columns {
            t: rows.column("t_s")?,
            job: rows.column("job_id")?,
            outcome: rows.column("outcome")?,
            reason: rows.column("reason")?,
            params: rows.column("params")?,
            nodes: rows.column("nodes")?,
            victims: rows.column("victims")?,
            rounds: rows.column("rounds")?,
            last: rows.column("last_s")?,
            until: rows.column("until_s")?,
        })
    }
}

fn required(rows: &Rows, column: usize) -> Result<f64, ScenarioError> {
    Ok(rows.time(column)?.unwrap_or(0.0))
}

/// The outcomes `decisions.csv` holds: a wait, or how a job started.
const OUTCOMES: [&str; 4] = ["waits", "started", "backfilled", "preempted-others"];

/// Where a wait still open at the end of the run stops: the job's start if it came at or after
/// the wait's last round, else its end, else the run's end `last_t`.
fn tail(line: Option<&JobLine>, last: f64, last_t: f64) -> f64 {
    line.and_then(|l| l.start.filter(|&s| s >= last).or(l.end))
        .unwrap_or(last_t)
        .max(last)
}

/// `end_s` of the run's `summary.json`, if the folder has one.
fn read_run_end(path: &Path) -> Result<Option<f64>, ScenarioError> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Ok(None);
    };
    let summary: serde_json::Value = serde_json::from_str(&text).map_err(|e| bad(path, e))?;
    match summary.get("end_s") {
        None => Ok(None),
        Some(end) => end
            .as_f64()
            .filter(|e| e.is_finite() && *e >= 0.0)
            .map(Some)
            .ok_or_else(|| bad(path, format!("end_s is {end}, not a time in seconds"))),
    }
}

impl WhyLog {
    /// Reads the run folder `dir`: `decisions.csv` and `jobs.csv` must be there, `incidents.csv`
    /// may be.
    pub fn read(dir: &Path) -> Result<WhyLog, ScenarioError> {
        let decisions = dir.join("decisions.csv");
        if !decisions.is_file() {
            return Err(bad(
                &decisions,
                "not found; write it with `clustersim run --explain` (or [output] explain = true)",
            ));
        }
        Columns::of(&Rows::open(&decisions)?)?;
        Ok(WhyLog {
            decisions,
            jobs: read_jobs(&dir.join("jobs.csv"))?,
            incidents: read_incidents(&dir.join("incidents.csv"))?,
            run_end: read_run_end(&dir.join("summary.json"))?,
        })
    }

    /// Streams `decisions.csv`, handing `each` every row of `job` and every start that stopped
    /// it (every row when `None`); returns when the run ended (its last round when the folder
    /// does not say).
    fn scan(&self, job: Option<&str>, mut each: impl FnMut(Decision)) -> Result<f64, ScenarioError> {
        let mut rows = Rows::open(&self.decisions)?;
        let c = Columns::of(&rows)?;
        let mut last_t: f64 = 0.0;
        while rows.next()? {
            let last = required(&rows, c.last)?;
            last_t = last_t.max(last);
            if job.is_some_and(|j| j != rows.text(c.job) && !victims(rows.text(c.victims)).any(|(v, _)| v == j)) {
                continue;
            }
            let t = required(&rows, c.t)?;
            let until = rows.time(c.until)?;
            if last < t || until.is_some_and(|u| u < t) {
                return Err(rows.bad_row("last_s and until_s must not come before t_s"));
            }
            each(Decision {
                t,
                job: rows.text(c.job).to_string(),
                outcome: rows.one_of(c.outcome, &OUTCOMES)?.to_string(),
                reason: rows.text(c.reason).to_string(),
                params: rows.text(c.params).to_string(),
                nodes: rows.text(c.nodes).to_string(),
                victims: rows.text(c.victims).to_string(),
                rounds: rows.count(c.rounds)?,
                last,
                until,
            });
        }
        Ok(self.run_end.map_or(last_t, |end| end.max(last_t)))
    }

    /// The waits among `rows` (one job's, in time order), consecutive rows with the same reason
    /// and identifying parameters merged, and consecutive waits behind heads of the queue.
    fn spans(rows: &[Decision], line: Option<&JobLine>, last_t: f64) -> Vec<Span> {
        let mut spans: Vec<Span> = Vec::new();
        for row in rows.iter().filter(|d| d.outcome == "waits") {
            let to = row.until.unwrap_or_else(|| tail(line, row.last, last_t));
            let behind = row.reason == "behind-head";
            let (params, heads, numbers) = if behind {
                (String::new(), Heads::of(&row.params), Vec::new())
            } else {
                (identity(&row.params), Heads::default(), numbers(&row.params))
            };
            match spans.last_mut() {
                Some(last) if last.reason == row.reason && last.params == params && last.to == row.t => {
                    last.to = to;
                    last.rounds += row.rounds;
                    if behind {
                        last.heads.then(heads);
                    }
                    widen(&mut last.numbers, numbers);
                }
                _ => spans.push(Span {
                    reason: row.reason.clone(),
                    params,
                    heads,
                    numbers,
                    from: row.t,
                    to,
                    rounds: row.rounds,
                }),
            }
        }
        spans
    }

    /// `job`'s story in words; an error naming the job when the run has no such job. Reads
    /// `decisions.csv` once, keeping only this job's rows.
    pub fn story(&self, job: &str) -> Result<String, ScenarioError> {
        let Some(line) = self.jobs.get(job) else {
            // A number given for an id that has a prefix (`300` for `j300`) is the likely slip.
            let hint = self
                .jobs
                .keys()
                .filter(|id| {
                    id.len() > job.len()
                        && id.ends_with(job)
                        && !id[..id.len() - job.len()].ends_with(|c: char| c.is_ascii_digit())
                })
                .min_by_key(|id| id.len())
                .map(|id| format!(" (did you mean `{id}`?)"))
                .unwrap_or_default();
            return Err(ScenarioError::Input(format!(
                "no job `{job}` in jobs.csv of this run ({} jobs){hint}",
                self.jobs.len()
            )));
        };
        let mut rows = Vec::new();
        let last_t = self.scan(Some(job), |row| rows.push(row))?;
        Ok(self.tell(job, line, &rows, last_t))
    }

    /// Every job of `jobs.csv`'s story, in the order of their ids, handed to `each` as (id, story).
    /// Reads `decisions.csv` once but keeps all its rows: for runs whose why-log fits in
    /// memory (tests, the demo, the incident library), where [`WhyLog::story`] per job would
    /// read the file once per job.
    pub fn stories(&self, mut each: impl FnMut(&str, String)) -> Result<(), ScenarioError> {
        let mut by_job: std::collections::HashMap<String, Vec<Decision>> = std::collections::HashMap::new();
        let last_t = self.scan(None, |row| {
            for (victim, _) in victims(&row.victims) {
                by_job.entry(victim.to_string()).or_default().push(row.clone());
            }
            by_job.entry(row.job.clone()).or_default().push(row);
        })?;
        for (job, line) in &self.jobs {
            let rows = by_job.remove(job).unwrap_or_default();
            each(job, self.tell(job, line, &rows, last_t));
        }
        Ok(())
    }

    /// The story of `job` (its `jobs.csv` line, its rows and the starts that stopped it in time
    /// order; `last_t` the run's last round).
    fn tell(&self, job: &str, line: &JobLine, rows: &[Decision], last_t: f64) -> String {
        let (rows, stopped_by): (Vec<Decision>, Vec<Decision>) = rows.iter().cloned().partition(|d| d.job == job);
        let rows = rows.as_slice();
        let mut out = String::new();
        let _ = writeln!(out, "job {job}: submitted at {}", clock(line.submit));
        let waits: u64 = rows.iter().filter(|d| d.outcome == "waits").map(|d| d.rounds).sum();
        let spans = Self::spans(rows, Some(line), last_t);
        // Waits, starts and stops in time order (at one instant a stop, then a wait, then a
        // start), so that a restarted job's later waits come after the stop that caused them.
        let mut events: Vec<(f64, u8, String)> = Vec::new();
        if waits > 0 {
            let waited: f64 = spans.iter().map(|s| s.to - s.from).sum();
            let plural = if waits == 1 { "" } else { "s" };
            let _ = writeln!(out, "  waited {waits} round{plural}, {} in all", duration(waited));
            let _ = writeln!(out, "  dominant reasons: {}", dominant(&spans));
            for span in &spans {
                let text = format!(
                    "  waited from {} to {} ({} round{}): {}\n",
                    clock(span.from),
                    clock(span.to),
                    span.rounds,
                    if span.rounds == 1 { "" } else { "s" },
                    words(&span.reason, &span.params, &span.numbers, &span.heads),
                );
                events.push((span.from, 1, text));
            }
        }
        for (at, row) in rows.iter().enumerate().filter(|(_, d)| d.outcome != "waits") {
            let sliced = victims(&row.victims).any(|(_, why)| slice_began(why).is_some());
            let how = match row.outcome.as_str() {
                "backfilled" => "started (backfilled ahead of a blocked job)",
                "preempted-others" if sliced => "started by suspending others (time slice)",
                "preempted-others" => "started by preempting others",
                _ => "started",
            };
            let mut text = format!("  {how} at {} on {}\n", clock(row.t), row.nodes.replace('+', ", "));
            for (victim, why) in victims(&row.victims) {
                let _ = match slice_began(why) {
                    Some(began) => writeln!(text, "    suspending job {victim} (its slice began at {began})"),
                    None => writeln!(text, "    stopping job {victim}{}", chosen(why)),
                };
            }
            events.push((row.t, 2, text));
            // The job's next round came after it stopped: a start that stopped it, else an
            // incident on its nodes, since this start.
            let next = rows.get(at + 1).map(|d| d.t);
            let stopper = |d: &&Decision| row.t <= d.t && next.is_none_or(|n| d.t <= n);
            if stopped_by.iter().any(|d| stopper(&d)) {
                continue;
            }
            events.extend(self.interruption(row, next, line));
        }
        let mut suspensions = 0;
        for row in &stopped_by {
            let why = victims(&row.victims)
                .find(|(v, _)| *v == job)
                .map_or("", |(_, why)| why);
            let text = match slice_began(why) {
                Some(began) => {
                    suspensions += 1;
                    format!(
                        "  suspended at {} by job {} (time slice; its slice began at {began})\n",
                        clock(row.t),
                        row.job
                    )
                }
                None => format!("  preempted at {} by job {}{}\n", clock(row.t), row.job, chosen(why)),
            };
            events.push((row.t, 0, text));
        }
        events.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        for (_, _, text) in events {
            out.push_str(&text);
        }
        if line.preemptions != "0" || line.restarts != "0" || suspensions > 0 {
            let suspended = if suspensions > 0 {
                format!(", suspended {}", times(&suspensions.to_string()))
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "  preempted {}{suspended}, restarted {}",
                times(&line.preemptions),
                times(&line.restarts)
            );
        }
        match line.end {
            Some(end) if line.state == "never-fits" => {
                let _ = writeln!(
                    out,
                    "  ended never-fits at {}: the cluster could never hold it (more than its nodes \
                     hold even empty, less any hot spares, or a GPU model or MIG profile it lacks), \
                     so no round considered it",
                    clock(end)
                );
            }
            Some(end) => {
                let _ = writeln!(out, "  ended {} at {}", line.state, clock(end));
            }
            None => {
                let _ = writeln!(out, "  still {} at the end of the run", line.state);
            }
        }
        if rows.is_empty() && line.start.is_some() {
            let _ = writeln!(out, "  (never considered by a round: it ran on {})", line.nodes);
        }
        out
    }

    /// How the attempt that `start` began ended, when no start preempted it: the first incident
    /// that killed jobs on one of its nodes from the start until the job's `next` round (without
    /// one, until its end when it ended `failed`, or the end of the run when it was left
    /// waiting). `None` when the attempt was not stopped (it ran to its end) or, for its last
    /// attempt, no incident on its nodes stopped it. As events for the story: time, order
    /// (a stop comes before a start at the same time), text; an incident's stop is followed by
    /// the job's hold when its next round came later (detection: it was out of the queue).
    fn interruption(&self, start: &Decision, next: Option<f64>, line: &JobLine) -> Vec<(f64, u8, String)> {
        let until = match next {
            Some(next) => next,
            None if matches!(line.state.as_str(), "completed" | "running" | "timeout") => return Vec::new(),
            None => line.end.unwrap_or(f64::INFINITY),
        };
        let nodes: Vec<&str> = start.nodes.split('+').collect();
        let found = self
            .incidents
            .iter()
            .skip_while(|i| i.t < start.t)
            .take_while(|i| i.t <= until)
            .find(|i| nodes.iter().any(|node| i.struck(node)));
        let text = match (found, next) {
            (Some(i), _) => format!(
                "  stopped at {} by {} of {} ({} job{} killed)\n",
                clock(i.t),
                i.kind,
                i.unit.replace('+', ", "),
                i.killed,
                if i.killed == 1 { "" } else { "s" }
            ),
            (None, Some(next)) => format!(
                "  stopped before {} (no start in decisions.csv stopped it, no incident in incidents.csv on its nodes)\n",
                clock(next)
            ),
            (None, None) => return Vec::new(),
        };
        let at = found.map_or(until, |i| i.t);
        let mut events = vec![(at, 0, text)];
        if let (Some(_), Some(next)) = (found, next)
            && next > at
        {
            let text = format!(
                "  held out of the queue until {} (detection: `faults.restart_overhead` and any back-off)\n",
                clock(next)
            );
            events.push((at, 0, text));
        }
        events
    }

    /// The share of waiting job-seconds by reason, largest first, with a total of 100 %: each
    /// row of waits counts from `t_s` to where it holds until.
    pub fn shares(&self) -> Result<Vec<(String, f64, f64)>, ScenarioError> {
        let mut by_reason: BTreeMap<String, f64> = BTreeMap::new();
        let mut open: Vec<Decision> = Vec::new();
        let last_t = self.scan(None, |row| {
            if row.outcome != "waits" {
                return;
            }
            match row.until {
                Some(until) => *by_reason.entry(row.reason).or_default() += until - row.t,
                None => open.push(row),
            }
        })?;
        for row in open {
            let to = tail(self.jobs.get(&row.job), row.last, last_t);
            *by_reason.entry(row.reason).or_default() += to - row.t;
        }
        let total: f64 = by_reason.values().sum();
        let mut shares: Vec<(String, f64, f64)> = by_reason
            .into_iter()
            .map(|(r, s)| {
                let share = if total > 0.0 { 100.0 * s / total } else { 0.0 };
                (r, s, share)
            })
            .collect();
        shares.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        Ok(shares)
    }

    /// [`WhyLog::shares`] as a table.
    pub fn summary(&self) -> Result<String, ScenarioError> {
        let shares = self.shares()?;
        let mut out = String::from("waiting job-seconds by reason:\n");
        if shares.is_empty() {
            out.push_str("  no job waited\n");
        }
        for (reason, seconds, share) in shares {
            let _ = writeln!(out, "  {reason:<20} {seconds:>14.0} s  {share:>5.1} %");
        }
        Ok(out)
    }
}

/// The victims of a `victims` cell (`job(why);…`) as (job, why), `why` empty when the rule said
/// nothing.
fn victims(cell: &str) -> impl Iterator<Item = (&str, &str)> {
    cell.split(';')
        .filter(|v| !v.is_empty())
        .map(|v| match v.split_once('(') {
            Some((job, why)) => (job, why.strip_suffix(')').unwrap_or(why)),
            None => (v, ""),
        })
}

/// For a victim time slicing suspended (its why `slice_start_s=S`), when its slice began, as a
/// time of day; `None` for a preempted one.
fn slice_began(why: &str) -> Option<String> {
    let seconds = why.strip_prefix("slice_start_s=")?.parse().ok()?;
    Some(clock(seconds))
}

/// `once`, `twice` or `N times`, of a count as `jobs.csv` writes it.
fn times(count: &str) -> String {
    match count {
        "1" => "once".to_string(),
        "2" => "twice".to_string(),
        n => format!("{n} times"),
    }
}

/// ` (chosen by the victim rule for WHY)`, or nothing when `why` is empty.
fn chosen(why: &str) -> String {
    if why.is_empty() {
        String::new()
    } else {
        format!(" (chosen by the victim rule for {})", why.replace(',', ", "))
    }
}

/// The reasons of `spans` by the time they held, longest first: `too-few-free 15.3 min, …`.
fn dominant(spans: &[Span]) -> String {
    let mut by_reason: BTreeMap<&str, f64> = BTreeMap::new();
    for span in spans {
        *by_reason.entry(span.reason.as_str()).or_default() += span.to - span.from;
    }
    let mut dominant: Vec<(&str, f64)> = by_reason.into_iter().collect();
    dominant.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
    let names: Vec<String> = dominant.iter().map(|(r, s)| format!("{r} {}", duration(*s))).collect();
    names.join(", ")
}

/// `jobs.csv` of a run, by job id.
fn read_jobs(path: &Path) -> Result<BTreeMap<String, JobLine>, ScenarioError> {
    let mut rows = Rows::open(path)?;
    let id = rows.column("job_id")?;
    let submit = rows.column("submit_s")?;
    let start = rows.column("start_s")?;
    let end = rows.column("end_s")?;
    let state = rows.column("state")?;
    let restarts = rows.column("restarts")?;
    let preemptions = rows.column("preemptions")?;
    let nodes = rows.column("nodes")?;
    let mut jobs = BTreeMap::new();
    while rows.next()? {
        jobs.insert(
            rows.text(id).to_string(),
            JobLine {
                submit: required(&rows, submit)?,
                start: rows.number(start)?,
                end: rows.number(end)?,
                state: rows.text(state).to_string(),
                restarts: rows.text(restarts).to_string(),
                preemptions: rows.text(preemptions).to_string(),
                nodes: rows.text(nodes).to_string(),
            },
        );
    }
    Ok(jobs)
}

/// The incidents of `incidents.csv` that killed jobs, in time order; none without the file.
fn read_incidents(path: &Path) -> Result<Vec<Incident>, ScenarioError> {
    let mut incidents = Vec::new();
    if !path.is_file() {
        return Ok(incidents);
    }
    let mut rows = Rows::open(path)?;
    let (time, component, unit, kind, killed) = (
        rows.column("time_s")?,
        rows.column("component")?,
        rows.column("unit")?,
        rows.column("kind")?,
        rows.column("jobs_killed")?,
    );
    while rows.next()? {
        let killed = required(&rows, killed)? as u64;
        if killed > 0 {
            incidents.push(Incident {
                t: required(&rows, time)?,
                component: rows.text(component).to_string(),
                unit: rows.text(unit).to_string(),
                kind: rows.text(kind).to_string(),
                killed,
            });
        }
    }
    incidents.sort_by(|a, b| a.t.total_cmp(&b.t));
    Ok(incidents)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_outcomes_are_a_wait_and_the_engines_start_kinds() {
        use sim_core::policy::StartKind;
        let starts = [StartKind::Started, StartKind::Backfilled, StartKind::PreemptedOthers].map(StartKind::name);
        assert_eq!(OUTCOMES[0], "waits");
        assert_eq!(OUTCOMES[1..], starts);
    }

    /// Rows behind heads a, b, c (one row of 3 heads), then c again (the same head, counted
    /// once), then d and e (a row of 2): 5 heads in turn, a first and e last.
    #[test]
    fn heads_in_turn_add_up_across_rows() {
        let mut heads = Heads::of("head=a;heads=3;last_head=c");
        assert_eq!((heads.first.as_str(), heads.last.as_str(), heads.count), ("a", "c", 3));
        heads.then(Heads::of("head=c"));
        assert_eq!((heads.count, heads.turns), (3, 3));
        heads.then(Heads::of("head=d;heads=2;last_head=e"));
        assert_eq!((heads.first.as_str(), heads.last.as_str(), heads.count), ("a", "e", 5));
        assert_eq!(heads.turns, 5);
        assert_eq!(
            words("behind-head", "", &[], &heads),
            "blocked behind 5 head jobs in turn (a first, e last)"
        );
        let two = Heads::of("head=d;heads=2;last_head=e");
        assert_eq!(
            words("behind-head", "", &[], &two),
            "blocked behind the head jobs d, e in turn"
        );
        // b and a taking 10 turns (b, a, b, …, a); 5 turns end with b again; 3 heads in 7 turns.
        let alternating = Heads::of("head=b;heads=2;last_head=a;turns=10");
        assert_eq!((alternating.count, alternating.turns), (2, 10));
        assert_eq!(
            words("behind-head", "", &[], &alternating),
            "blocked behind the head jobs b and a alternately (10 turns)"
        );
        assert_eq!(
            words("behind-head", "", &[], &Heads::of("head=b;heads=2;last_head=b;turns=5")),
            "blocked behind the head job b and one other alternately (5 turns)"
        );
        assert_eq!(
            words("behind-head", "", &[], &Heads::of("head=a;heads=3;last_head=c;turns=7")),
            "blocked behind 3 head jobs in 7 turns (a first, c last)"
        );
    }

    /// Waits in words carry their numbers: one row's as they are, several rows' as a range
    /// (e's 2, 6 and 7 free of 8); the GPU model only when the job names some.
    #[test]
    fn a_wait_in_words_has_its_numbers() {
        let say = |reason: &str, rows: &[&str]| {
            let mut all = Vec::new();
            for row in rows {
                widen(&mut all, numbers(row));
            }
            words(reason, &identity(rows[0]), &all, &Heads::default())
        };
        assert_eq!(
            say(
                "too-few-free",
                &["free=2;needed=8", "free=6;needed=8", "free=7;needed=8"]
            ),
            "the cluster had too few free GPUs in total (2 to 7 free of the 8 needed)"
        );
        assert_eq!(
            say("no-node-fits", &["gpus=2;model=any;best_free=1"]),
            "no node had room for one task of 2 GPUs (most free on a node: 1)"
        );
        assert_eq!(
            say("no-node-fits", &["gpus=0.5;model=A100|H100;best_free=0"]),
            "no node of GPU model A100 or H100 had room for one task of 0.5 GPU (most free on a node: 0)"
        );
        // 0.428 GPU (a 3g MIG instance) with 0.573 free on a node: the geometry refused it.
        assert_eq!(
            say("no-node-fits", &["gpus=0.428;model=any;best_free=0.573"]),
            "no node had room for one task of 0.428 GPU (most free on a node: 0.573): enough by amount, but \
             not in a shape the task can take (a share within one device, or a MIG instance at a start its \
             profile allows)"
        );
        assert_eq!(
            say("no-node-fits-cpus", &["cpus=2;model=any;best_free=1"]),
            "no node with room for one task's GPUs and memory had the 2 CPU cores it needs \
             (most free on such a node: 1)"
        );
        assert_eq!(
            say("gang-not-co-placed", &["tasks=3;nodes_fitting=2"]),
            "its 3 tasks could not all be placed at once (a single task fit on 2 nodes)"
        );
        assert_eq!(
            say("too-few-victims", &["candidates=1"]),
            "preemption found too few victims (preempting its 1 candidate would not make room)"
        );
        assert_eq!(
            say("too-few-victims", &["candidates=1", "candidates=3"]),
            "preemption found too few victims (preempting its 1 to 3 candidates would not make room)"
        );
        assert_eq!(say("no-model-up", &["model=any"]), "no node was up");
        assert_eq!(say("no-model-up", &["model=H100"]), "no node of GPU model H100 was up");
    }

    /// An incident strikes a node through the node itself, one of its GPUs or its rack, named
    /// as incidents.csv names units; `r03-n1` is in rack `r03`, not in `r0` or `r03-n`.
    #[test]
    fn an_incident_strikes_its_nodes_and_no_other() {
        let incident = |component: &str, unit: &str| Incident {
            t: 0.0,
            component: component.to_string(),
            unit: unit.to_string(),
            kind: String::new(),
            killed: 1,
        };
        let struck = |component: &str, unit: &str| {
            ["r03-n1", "r03-n10", "r04-n1"]
                .into_iter()
                .filter(|node| incident(component, unit).struck(node))
                .collect::<Vec<_>>()
        };
        assert_eq!(struck("node", "r03-n1"), ["r03-n1"]);
        assert_eq!(struck("node", "r03-n10+r04-n1"), ["r03-n10", "r04-n1"]);
        assert_eq!(struck("gpu", "r03-n1/gpu5"), ["r03-n1"]);
        assert_eq!(struck("job", "r03-n10/gpu0"), ["r03-n10"]);
        assert_eq!(struck("pdu", "r03"), ["r03-n1", "r03-n10"]);
        assert_eq!(struck("tor", "r0"), Vec::<&str>::new());
        assert_eq!(struck("cooling", "r04+r03"), ["r03-n1", "r03-n10", "r04-n1"]);
        assert_eq!(struck("spine", "spine0"), Vec::<&str>::new());
    }

    /// A victims cell reads back as (job, why), a bare id with an empty why.
    #[test]
    fn victims_read_back() {
        let read: Vec<(&str, &str)> = victims("b(lost_gpu_s=10);a(progress=0.010,priority=0);c").collect();
        assert_eq!(
            read,
            [("b", "lost_gpu_s=10"), ("a", "progress=0.010,priority=0"), ("c", "")]
        );
        assert_eq!(victims("").count(), 0);
        assert_eq!(
            chosen("priority=0,progress=0.5"),
            " (chosen by the victim rule for priority=0, progress=0.5)"
        );
    }
}
