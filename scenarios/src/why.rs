//! `clustersim why`: a job's story in words, and the run's waiting time by reason, from the
//! files of a run written with `--explain` (`decisions.csv`, `jobs.csv`, `incidents.csv`).
//!
//! A wait reason holds from the round that gave it until the job's next considered round, or
//! its start; the last reason of a job that never started holds until its end (or the last
//! round of the run).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::error::ScenarioError;

/// Parameters that name what a job waits for; spans whose reason and these agree are one wait.
const IDENTITY: [&str; 6] = ["head", "job", "until_s", "queue", "rack", "model"];

/// One row of `decisions.csv`.
#[derive(Clone, Debug)]
struct Decision {
    t: f64,
    job: String,
    outcome: String,
    reason: String,
    params: String,
    nodes: String,
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

/// A wait: one reason (with its parameters) over a span of time.
#[derive(Clone, Debug, PartialEq)]
struct Span {
    reason: String,
    params: String,
    from: f64,
    to: f64,
    rounds: u64,
}

/// The files of one explained run, read.
pub struct WhyLog {
    decisions: Vec<Decision>,
    jobs: BTreeMap<String, JobLine>,
    /// Incidents (time, kind, unit, jobs killed), for the jobs that were interrupted.
    incidents: Vec<(f64, String, String, u64)>,
    /// The last round of the run.
    last_t: f64,
}

fn bad(path: &Path, what: impl std::fmt::Display) -> ScenarioError {
    ScenarioError::Input(format!("{}: {what}", path.display()))
}

/// The rows of a CSV file as maps from column to value.
fn read_csv(path: &Path) -> Result<Vec<BTreeMap<String, String>>, ScenarioError> {
    let mut reader = csv::Reader::from_path(path).map_err(|e| bad(path, e))?;
    let header = reader.headers().map_err(|e| bad(path, e))?.clone();
    reader
        .records()
        .map(|record| {
            let record = record.map_err(|e| bad(path, e))?;
            Ok(header
                .iter()
                .zip(record.iter())
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect())
        })
        .collect()
}

fn field<'r>(path: &Path, row: &'r BTreeMap<String, String>, key: &str) -> Result<&'r str, ScenarioError> {
    row.get(key)
        .map(String::as_str)
        .ok_or_else(|| bad(path, format!("no column `{key}`")))
}

fn number(path: &Path, text: &str) -> Result<Option<f64>, ScenarioError> {
    if text.is_empty() {
        return Ok(None);
    }
    text.parse()
        .map(Some)
        .map_err(|_| bad(path, format!("`{text}` is not a number")))
}

impl WhyLog {
    /// Reads the run folder `dir`: `decisions.csv` and `jobs.csv` must be there, `incidents.csv`
    /// may be.
    pub fn read(dir: &Path) -> Result<WhyLog, ScenarioError> {
        let path: PathBuf = dir.join("decisions.csv");
        if !path.is_file() {
            return Err(bad(
                &path,
                "not found; write it with `clustersim run --explain` (or [output] explain = true)",
            ));
        }
        let mut decisions = Vec::new();
        for row in read_csv(&path)? {
            decisions.push(Decision {
                t: number(&path, field(&path, &row, "t_s")?)?.unwrap_or(0.0),
                job: field(&path, &row, "job_id")?.to_string(),
                outcome: field(&path, &row, "outcome")?.to_string(),
                reason: field(&path, &row, "reason")?.to_string(),
                params: field(&path, &row, "params")?.to_string(),
                nodes: field(&path, &row, "nodes")?.to_string(),
            });
        }
        let path = dir.join("jobs.csv");
        let mut jobs = BTreeMap::new();
        for row in read_csv(&path)? {
            jobs.insert(
                field(&path, &row, "job_id")?.to_string(),
                JobLine {
                    submit: number(&path, field(&path, &row, "submit_s")?)?.unwrap_or(0.0),
                    start: number(&path, field(&path, &row, "start_s")?)?,
                    end: number(&path, field(&path, &row, "end_s")?)?,
                    state: field(&path, &row, "state")?.to_string(),
                    restarts: field(&path, &row, "restarts")?.to_string(),
                    preemptions: field(&path, &row, "preemptions")?.to_string(),
                    nodes: field(&path, &row, "nodes")?.to_string(),
                },
            );
        }
        let path = dir.join("incidents.csv");
        let mut incidents = Vec::new();
        if path.is_file() {
            for row in read_csv(&path)? {
                let killed = number(&path, field(&path, &row, "jobs_killed")?)?.unwrap_or(0.0);
                incidents.push((
                    number(&path, field(&path, &row, "time_s")?)?.unwrap_or(0.0),
                    field(&path, &row, "kind")?.to_string(),
                    field(&path, &row, "unit")?.to_string(),
                    killed as u64,
                ));
            }
        }
        let last_t = decisions.iter().map(|d| d.t).fold(0.0, f64::max);
        Ok(WhyLog {
            decisions,
            jobs,
            incidents,
            last_t,
        })
    }

    /// The waits of `job`, in time order, consecutive rounds with the same reason merged.
    fn spans(&self, job: &str, line: Option<&JobLine>) -> Vec<Span> {
        let rows: Vec<&Decision> = self.decisions.iter().filter(|d| d.job == job).collect();
        let mut spans: Vec<Span> = Vec::new();
        for (i, row) in rows.iter().enumerate() {
            if row.outcome != "waits" {
                continue;
            }
            let to = match rows.get(i + 1) {
                Some(next) => next.t,
                None => line
                    .and_then(|l| l.start.filter(|&s| s >= row.t).or(l.end))
                    .unwrap_or(self.last_t)
                    .max(row.t),
            };
            let params = identity(&row.params);
            match spans.last_mut() {
                Some(last) if last.reason == row.reason && last.params == params && last.to == row.t => {
                    last.to = to;
                    last.rounds += 1;
                }
                _ => spans.push(Span {
                    reason: row.reason.clone(),
                    params,
                    from: row.t,
                    to,
                    rounds: 1,
                }),
            }
        }
        spans
    }

    /// `job`'s story in words; an error naming the job when the run has no such job.
    pub fn story(&self, job: &str) -> Result<String, ScenarioError> {
        let line = self.jobs.get(job);
        let rows: Vec<&Decision> = self.decisions.iter().filter(|d| d.job == job).collect();
        let Some(line) = line else {
            return Err(ScenarioError::Input(format!(
                "no job `{job}` in jobs.csv of this run ({} jobs)",
                self.jobs.len()
            )));
        };
        let mut out = String::new();
        let _ = writeln!(out, "job {job}: submitted at {}", clock(line.submit));
        let waits = rows.iter().filter(|d| d.outcome == "waits").count();
        let spans = self.spans(job, Some(line));
        let waited: f64 = spans.iter().map(|s| s.to - s.from).sum();
        if waits > 0 {
            let _ = writeln!(out, "  waited {waits} rounds, {} in all:", duration(waited));
            let mut by_reason: BTreeMap<&str, f64> = BTreeMap::new();
            for span in &spans {
                *by_reason.entry(span.reason.as_str()).or_default() += span.to - span.from;
            }
            let mut dominant: Vec<(&str, f64)> = by_reason.into_iter().collect();
            dominant.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
            let names: Vec<String> = dominant.iter().map(|(r, s)| format!("{r} {}", duration(*s))).collect();
            let _ = writeln!(out, "  dominant reasons: {}", names.join(", "));
            for span in &spans {
                let _ = writeln!(
                    out,
                    "    {} from {} to {} ({} round{})",
                    words(&span.reason, &span.params),
                    clock(span.from),
                    clock(span.to),
                    span.rounds,
                    if span.rounds == 1 { "" } else { "s" }
                );
            }
        }
        for row in rows.iter().filter(|d| d.outcome != "waits") {
            let how = match row.outcome.as_str() {
                "backfilled" => "started (backfilled ahead of a blocked job)",
                "preempted-others" => "started by preempting others",
                _ => "started",
            };
            let _ = writeln!(out, "  {how} at {} on {}", clock(row.t), row.nodes.replace('+', ", "));
        }
        if line.preemptions != "0" || line.restarts != "0" {
            let _ = writeln!(
                out,
                "  preempted {} times, restarted {} times",
                line.preemptions, line.restarts
            );
            let starts: Vec<f64> = rows.iter().filter(|d| d.outcome != "waits").map(|d| d.t).collect();
            for (t, kind, unit, killed) in &self.incidents {
                let hit = starts.windows(2).any(|w| w[0] <= *t && *t < w[1]);
                if hit && *killed > 0 {
                    let _ = writeln!(
                        out,
                        "    {kind} of {unit} at {} killed {killed} jobs before a restart",
                        clock(*t)
                    );
                }
            }
        }
        match line.end {
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
        Ok(out)
    }

    /// The share of waiting job-seconds by reason, largest first, with a total of 100 %.
    pub fn shares(&self) -> Vec<(String, f64, f64)> {
        let mut by_reason: BTreeMap<String, f64> = BTreeMap::new();
        let mut ids: Vec<&str> = self.decisions.iter().map(|d| d.job.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        for id in ids {
            for span in self.spans(id, self.jobs.get(id)) {
                *by_reason.entry(span.reason).or_default() += span.to - span.from;
            }
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
        shares
    }

    /// [`WhyLog::shares`] as a table.
    pub fn summary(&self) -> String {
        let shares = self.shares();
        let mut out = String::from("waiting job-seconds by reason:\n");
        if shares.is_empty() {
            out.push_str("  no job waited\n");
        }
        for (reason, seconds, share) in shares {
            let _ = writeln!(out, "  {reason:<20} {seconds:>14.0} s  {share:>5.1} %");
        }
        out
    }
}

/// The identifying parameters of `params` (`key=value;…`).
fn identity(params: &str) -> String {
    params
        .split(';')
        .filter(|kv| IDENTITY.iter().any(|k| kv.split('=').next() == Some(k)))
        .collect::<Vec<_>>()
        .join(";")
}

/// The value of `key` in `params`.
fn param<'p>(params: &'p str, key: &str) -> &'p str {
    params
        .split(';')
        .find_map(|kv| kv.strip_prefix(key).and_then(|v| v.strip_prefix('=')))
        .unwrap_or("?")
}

/// A wait reason in words.
fn words(reason: &str, params: &str) -> String {
    match reason {
        "no-node-fits" => format!("no node had room for one task of GPU model {}", param(params, "model")),
        "too-few-free" => "the cluster had too few free GPUs in total".to_string(),
        "behind-head" => format!("blocked behind the head job {}", param(params, "head")),
        "reservation" => {
            let until = param(params, "until_s").parse().map_or_else(|_| "?".to_string(), clock);
            format!(
                "blocked by the reservation of job {} (starting {until})",
                param(params, "job")
            )
        }
        "over-quota" => format!("over the quota of queue {}", param(params, "queue")),
        "power-budget" => format!("refused by the power budget of rack {}", param(params, "rack")),
        "no-model-up" => format!("no node of GPU model {} was up", param(params, "model")),
        "gang-not-co-placed" => "its tasks could not all be placed at once".to_string(),
        "too-few-victims" => "preemption found too few victims".to_string(),
        other => other.to_string(),
    }
}

/// Seconds from the start as `hh:mm:ss`, with days in front when there are any (`2d 03:10:00`).
fn clock(s: f64) -> String {
    let total = s.max(0.0).round() as u64;
    let (d, rest) = (total / 86_400, total % 86_400);
    let hms = format!("{:02}:{:02}:{:02}", rest / 3600, rest % 3600 / 60, rest % 60);
    if d > 0 { format!("{d}d {hms}") } else { hms }
}

/// A length of time in the largest fitting unit (`95 s`, `12.5 min`, `3.2 h`, `1.5 d`).
fn duration(s: f64) -> String {
    if s < 120.0 {
        format!("{s:.0} s")
    } else if s < 7200.0 {
        format!("{:.1} min", s / 60.0)
    } else if s < 172_800.0 {
        format!("{:.1} h", s / 3600.0)
    } else {
        format!("{:.1} d", s / 86_400.0)
    }
}
