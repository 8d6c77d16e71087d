//! The "what happened" paragraph of a run's report: a few sentences from the run's figures
//! (`summary.json`), its incidents (`incidents.csv`) and, when the run explained its decisions,
//! the shares of waiting job-time by reason (as `clustersim why DIR --summary` computes them;
//! the caller passes them in, see [`WaitShare`]).

use std::path::Path;

use crate::error::ReportError;
use crate::number::decimal;

/// One reason's part of the waiting job-time: (reason, job-seconds, share in %), as the
/// why-log reader's `shares` returns them, largest first.
pub type WaitShare = (String, f64, f64);

/// Reasons named in the paragraph; the rest are in `clustersim why DIR --summary`.
const REASONS_NAMED: usize = 3;

/// What the paragraph needs of one row of `incidents.csv`.
#[derive(Clone, Debug, PartialEq)]
pub struct IncidentLine {
    /// When it happened, in seconds.
    pub time_s: f64,
    /// The failed unit (node, rack, switch).
    pub unit: String,
    /// Its kind (`node-failure`, `overload`, `tor-failure`, …).
    pub kind: String,
    /// Its cause (`scripted`, `random`, `cascade`, …).
    pub cause: String,
}

/// The rows of the `incidents.csv` at `path` (none when the file is absent).
pub fn read_incidents(path: &Path) -> Result<Vec<IncidentLine>, ReportError> {
    if !path.exists() {
        return Ok(Vec::new());
    }
    let origin = path.display().to_string();
    let file = crate::bounded::open(path).map_err(|e| ReportError::io(path, e))?;
    let mut reader = csv::Reader::from_reader(file);
    let headers = reader.headers().map_err(|e| ReportError::csv(&origin, e))?.clone();
    let column = |name: &str| {
        headers.iter().position(|h| h == name).ok_or_else(|| ReportError::File {
            path: origin.clone(),
            reason: format!("no column `{name}`"),
        })
    };
    let (time, unit, kind, cause) = (column("time_s")?, column("unit")?, column("kind")?, column("cause")?);
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| ReportError::csv(&origin, e))?;
        let text = |i: usize| record.get(i).unwrap_or_default().to_string();
        let time_s = record
            .get(time)
            .and_then(|t| t.parse().ok())
            .ok_or_else(|| ReportError::File {
                path: origin.clone(),
                reason: format!("an incident without a time: `{}`", text(time)),
            })?;
        rows.push(IncidentLine {
            time_s,
            unit: text(unit),
            kind: text(kind),
            cause: text(cause),
        });
    }
    Ok(rows)
}

/// A number for a sentence: at most one decimal, no trailing zero.
fn figure(value: f64) -> String {
    decimal((value * 10.0).round() / 10.0)
}

/// A ratio as a percentage with one decimal; more where one decimal would round a ratio below 1
/// up to 100 % (99.98 %, not 100 %, of the capacity up when a node was down for an hour).
fn percent(ratio: f64) -> String {
    let shown = figure(100.0 * ratio);
    if ratio < 1.0 && shown == "100" {
        let digits = (1..=6)
            .find(|&d| format!("{:.*}", d, 100.0 * ratio) != format!("{:.*}", d, 100.0))
            .unwrap_or(6);
        return format!("{:.*} %", digits, 100.0 * ratio);
    }
    format!("{shown} %")
}

/// Seconds from the start as `h:mm:ss` (days as hours).
fn clock(s: f64) -> String {
    let total = s.max(0.0).round() as u64;
    format!("{}:{:02}:{:02}", total / 3600, total % 3600 / 60, total % 60)
}

/// The paragraph: the jobs' fate, the incidents and their damage, the capacity used (of the
/// installed capacity, and of what was up when nodes were down), the throttling, and where
/// the waiting time went when `waits` is given. `metric` reads one metric of the run.
pub fn what_happened(
    metric: impl Fn(&str) -> Option<f64>,
    incidents: &[IncidentLine],
    waits: Option<&[WaitShare]>,
) -> String {
    let count = |name: &str| metric(name).unwrap_or(0.0);
    let mut sentences = Vec::new();
    let submitted = count("jobs_submitted");
    let mut jobs = format!(
        "{} job{} arrived and {} completed",
        figure(submitted),
        if submitted == 1.0 { "" } else { "s" },
        figure(count("jobs_completed"))
    );
    let (failed, waiting, running) = (
        count("jobs_failed"),
        count("jobs_pending_at_end"),
        count("jobs_running_at_end"),
    );
    if failed > 0.0 {
        jobs.push_str(&format!(", {} failed", figure(failed)));
    }
    if waiting > 0.0 || running > 0.0 {
        jobs.push_str(&format!(
            "; at the end {} were waiting and {} running",
            figure(waiting),
            figure(running)
        ));
    }
    sentences.push(jobs);
    let damage = (count("interruptions"), count("lost_gpu_hours"), count("preemptions"));
    if let Some(first) = incidents.first() {
        let cascades = incidents.iter().filter(|i| i.cause == "cascade").count();
        let mut text = format!(
            "{} incident{}, the first a {} of {} at {} ({})",
            incidents.len(),
            if incidents.len() == 1 { "" } else { "s" },
            first.kind,
            first.unit,
            clock(first.time_s),
            first.cause
        );
        if cascades > 0 {
            text.push_str(&format!(", {cascades} of them cascading from earlier ones"));
        }
        if let Some(down) = metric("max_nodes_down") {
            text.push_str(&format!("; at worst {} nodes were down at once", figure(down)));
        }
        sentences.push(text);
    }
    if damage.0 > 0.0 || damage.1 > 0.0 || damage.2 > 0.0 {
        // Counted as stops, not jobs: one job stopped 478 times counts 478.
        let times = |n: f64| format!("{} time{}", figure(n), if n == 1.0 { "" } else { "s" });
        sentences.push(format!(
            "Failures stopped running jobs {} and preemption {}; {} GPU-hours of work were lost",
            times(damage.0),
            times(damage.2),
            figure(damage.1)
        ));
    }
    if let Some(alloc) = metric("gpu_alloc_ratio") {
        let mut text = format!("GPUs were {} allocated, of the installed capacity", percent(alloc));
        if let (Some(up), Some(of_up)) = (metric("gpu_capacity_up"), metric("gpu_alloc_of_up"))
            && up < 1.0
        {
            text.push_str(&format!(
                "; {} of that capacity was up on average, and {} of what was up was allocated",
                percent(up),
                percent(of_up)
            ));
        }
        sentences.push(text);
    }
    if let Some(throttled) = metric("throttled_gpu_hours").filter(|t| *t > 0.0) {
        sentences.push(format!(
            "{} GPU-hours ran below full clock (power or thermal caps)",
            figure(throttled)
        ));
    }
    match waits {
        Some([]) => sentences.push("No job waited (decisions.csv)".into()),
        Some(shares) => {
            let total: f64 = shares.iter().map(|s| s.1).sum();
            let named: Vec<String> = shares
                .iter()
                .take(REASONS_NAMED)
                .map(|(reason, _, share)| format!("{} {reason}", percent(share / 100.0)))
                .collect();
            sentences.push(format!(
                "Jobs waited {} job-hours in all (decisions.csv): {}",
                figure(total / 3600.0),
                named.join(", ")
            ));
        }
        None => {}
    }
    let mut paragraph = sentences.join(". ");
    paragraph.push('.');
    paragraph
}

#[cfg(test)]
mod tests {
    use super::*;

    fn incident(time_s: f64, unit: &str, kind: &str, cause: &str) -> IncidentLine {
        IncidentLine {
            time_s,
            unit: unit.into(),
            kind: kind.into(),
            cause: cause.into(),
        }
    }

    #[test]
    fn a_cascade_reads_as_its_figures() {
        // The figures of cascading-failure, seed 1: 0.489 of the installed capacity allocated,
        // 0.744 of it up, 0.657 of what was up allocated.
        let metrics = [
            ("jobs_submitted", 1500.0),
            ("jobs_completed", 293.0),
            ("jobs_pending_at_end", 1207.0),
            ("max_nodes_down", 293.0),
            ("interruptions", 1754.0),
            ("lost_gpu_hours", 158.867),
            ("gpu_alloc_ratio", 0.489),
            ("gpu_capacity_up", 0.744),
            ("gpu_alloc_of_up", 0.657),
        ];
        let metric = |name: &str| metrics.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
        let incidents = [
            incident(3600.0, "r32-n4", "node-failure", "scripted"),
            incident(3690.0, "r00-n7", "overload", "cascade"),
            incident(3780.0, "r01-n0", "overload", "cascade"),
        ];
        // Waits: 7200 job-s of no-node-fits (75 %), 1800 of behind-head (18.75 → 18.8 %),
        // 450 + 150 of two more (4.7 % and 1.6 %): 9600 job-s = 2.67 → 2.7 job-hours; the
        // first three reasons are named.
        let waits = [
            ("no-node-fits".to_string(), 7200.0, 75.0),
            ("behind-head".to_string(), 1800.0, 18.75),
            ("too-few-free".to_string(), 450.0, 4.6875),
            ("reservation".to_string(), 150.0, 1.5625),
        ];
        assert_eq!(
            what_happened(metric, &incidents, Some(&waits)),
            "1500 jobs arrived and 293 completed; at the end 1207 were waiting and 0 running. \
             3 incidents, the first a node-failure of r32-n4 at 1:00:00 (scripted), 2 of them \
             cascading from earlier ones; at worst 293 nodes were down at once. Failures stopped \
             running jobs 1754 times and preemption 0 times; 158.9 GPU-hours of work were lost. GPUs \
             were 48.9 % allocated, of the installed capacity; 74.4 % of that capacity was up on \
             average, and 65.7 % of what was up was allocated. Jobs waited 2.7 job-hours in all \
             (decisions.csv): 75 % no-node-fits, 18.8 % behind-head, 4.7 % too-few-free."
        );
    }

    #[test]
    fn a_quiet_run_says_little() {
        let metrics = [
            ("jobs_submitted", 4.0),
            ("jobs_completed", 4.0),
            ("gpu_alloc_ratio", 0.5),
            ("gpu_capacity_up", 1.0),
            ("gpu_alloc_of_up", 0.5),
        ];
        let metric = |name: &str| metrics.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
        assert_eq!(
            what_happened(metric, &[], Some(&[])),
            "4 jobs arrived and 4 completed. GPUs were 50 % allocated, of the installed capacity. \
             No job waited (decisions.csv)."
        );
        assert_eq!(
            what_happened(metric, &[], None),
            "4 jobs arrived and 4 completed. GPUs were 50 % allocated, of the installed capacity."
        );
        assert_eq!(percent(0.99976), "99.98 %");
        assert_eq!(percent(0.999), "99.9 %");
        assert_eq!(percent(1.0), "100 %");
        // One job, stopped once: singular words.
        let one = [("jobs_submitted", 1.0), ("interruptions", 1.0), ("lost_gpu_hours", 2.0)];
        let metric = |name: &str| one.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
        assert_eq!(
            what_happened(metric, &[], None),
            "1 job arrived and 0 completed. Failures stopped running jobs 1 time and preemption 0 \
             times; 2 GPU-hours of work were lost."
        );
    }
}
