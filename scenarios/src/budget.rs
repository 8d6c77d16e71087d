//! The resource budget ([`Limits`]) applied to a scenario before anything is allocated: the
//! cluster's size, the jobs, the sweep's runs and grid points, the time series, and every
//! time the scenario names. Counts are multiplied in `u128`, so no product wraps.

use policies::PolicySpec;
use sim_core::time::{MAX_TIME_CEILING, SimTime};

use crate::error::{OutOfRange, OverLimit, ScenarioError};
use crate::limits::{Limits, TIMESERIES_COLUMNS};
use crate::load::{Site, locate};
use crate::schema::{Scenario, SweepSection, WorkloadMode};

/// How far a run may go in simulated time, and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    /// The latest time the run may reach, and any input may name.
    pub limit: SimTime,
    /// What sets it, for messages.
    pub reason: SpanReason,
}

/// What sets a run's [`Span`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpanReason {
    /// `limits.max_time`.
    MaxTime,
    /// The time series: `limits.samples` rows' worth of `output.sample_interval` (no horizon).
    Samples,
}

impl SpanReason {
    /// How a user raises it, as the end of a sentence.
    pub fn hint(self) -> &'static str {
        match self {
            SpanReason::MaxTime => "raise limits.max_time if the input is right",
            SpanReason::Samples => {
                "that is as far as limits.samples ÷ 12 columns × output.sample_interval covers without a horizon: \
                 set a horizon, a longer output.sample_interval, or raise limits.samples"
            }
        }
    }
}

/// The span of a run of `scenario`: `limits.max_time`, or less when the scenario has no
/// horizon and its time series would fill `limits.samples` sooner. (Fill runs end after their
/// last arrival, one microsecond per pod, so only `max_time` applies to them.)
pub fn run_span(scenario: &Scenario, limits: &Limits) -> Span {
    let max_time = Span {
        limit: limits.max_time,
        reason: SpanReason::MaxTime,
    };
    if scenario.horizon.is_some() || scenario.workload.mode == WorkloadMode::Fill {
        return max_time;
    }
    let rows = limits.samples / TIMESERIES_COLUMNS;
    let interval = u128::from(scenario.output.sample_interval.0.as_micros());
    let covered = u128::from(rows.saturating_sub(1)) * interval;
    match u64::try_from(covered) {
        Ok(micros) if micros < limits.max_time.as_micros() => Span {
            limit: SimTime::from_micros(micros),
            reason: SpanReason::Samples,
        },
        _ => max_time,
    }
}

/// An [`ScenarioError::OverLimit`].
pub(crate) fn over_limit(place: String, input: String, value: u128, key: &'static str, limit: u64) -> ScenarioError {
    ScenarioError::from(OverLimit {
        place,
        input,
        value,
        key,
        limit,
    })
}

/// Checks `value` of `input` against `limit` (of key `limits.KEY`).
pub(crate) fn within(
    place: impl FnOnce() -> String,
    input: impl FnOnce() -> String,
    value: u128,
    key: &'static str,
    limit: u64,
) -> Result<(), ScenarioError> {
    if value <= u128::from(limit) {
        return Ok(());
    }
    Err(over_limit(place(), input(), value, key, limit))
}

/// Checks a cluster of `nodes` nodes holding `gpus` GPUs in all (from `input`, at `place`).
pub fn check_cluster_size(
    place: &str,
    input: &str,
    nodes: u128,
    gpus: u128,
    limits: &Limits,
) -> Result<(), ScenarioError> {
    within(
        || place.to_string(),
        || format!("the nodes of {input}"),
        nodes,
        "nodes",
        limits.nodes,
    )?;
    within(
        || place.to_string(),
        || format!("the GPUs of {input}"),
        gpus,
        "gpus",
        limits.gpus,
    )
}

/// Checks `threads` worker threads, given by `given_by` (`--threads`, `RAYON_NUM_THREADS`, a
/// keyword argument), which the message names.
pub fn check_threads(threads: usize, given_by: &str, limits: &Limits) -> Result<(), ScenarioError> {
    within(
        || given_by.to_string(),
        || "the number of worker threads".to_string(),
        threads as u128,
        "threads",
        limits.threads,
    )
}

/// Checks the scenario (with its resolved `policy`, and `sweep`, the `[sweep]` section in force:
/// its own, or that of the sweep it is a grid point of) against its budget: everything that
/// can be counted from the file alone.
pub(crate) fn check(
    scenario: &Scenario,
    sweep: Option<&SweepSection>,
    policy: &PolicySpec,
    limits: &Limits,
    site: &Site<'_>,
) -> Result<(), ScenarioError> {
    // A budget of none would refuse every input (or, for threads, leave a sweep no worker).
    if let Some(section) = &scenario.limits {
        let counts = [
            ("nodes", section.nodes),
            ("gpus", section.gpus),
            ("jobs", section.jobs),
            ("runs", section.runs),
            ("grid_points", section.grid_points),
            ("samples", section.samples),
            ("threads", section.threads),
            ("max_events", section.max_events),
        ];
        if let Some((key, _)) = counts.iter().find(|(_, value)| *value == Some(0)) {
            return Err(ScenarioError::from(OutOfRange {
                place: site.place("limits", key),
                key: format!("limits.{key}"),
                value: "0".into(),
                accepted: "give at least 1 (a limit raises or lowers a budget; omit the key for the default)".into(),
            }));
        }
    }
    if limits.max_time > MAX_TIME_CEILING {
        return Err(ScenarioError::from(OutOfRange {
            place: site.place("limits", "max_time"),
            key: "limits.max_time".into(),
            value: format!("\"{}\"", sim_core::time::format_duration(limits.max_time)),
            accepted: format!(
                "give at most \"{}\" (10,000 years): sums of the times a scenario names must stay far below the \
                 end of the microsecond clock (584,942 years)",
                sim_core::time::format_duration(MAX_TIME_CEILING)
            ),
        }));
    }
    let cluster = &scenario.cluster;
    if let (Some(racks), Some(per_rack), Some(node)) = (cluster.racks, cluster.nodes_per_rack, &cluster.node) {
        let nodes = u128::from(racks) * u128::from(per_rack);
        check_cluster_size(
            &site.place("cluster", "racks"),
            "cluster.racks × cluster.nodes_per_rack",
            nodes,
            nodes * u128::from(node.gpus),
            limits,
        )?;
    }
    if let Some(jobs) = scenario.workload.synthetic.as_ref().and_then(|s| s.jobs) {
        within(
            || site.place("workload.synthetic", "jobs"),
            || "workload.synthetic.jobs".to_string(),
            u128::from(jobs),
            "jobs",
            limits.jobs,
        )?;
    }
    check_sweep(sweep, limits, site)?;
    check_times(scenario, policy, limits, site)
}

/// Grid points and runs of `[sweep]`, counted before any is expanded.
fn check_sweep(sweep: Option<&SweepSection>, limits: &Limits, site: &Site<'_>) -> Result<(), ScenarioError> {
    let Some(sweep) = sweep else {
        return Ok(());
    };
    let points = sweep
        .grid
        .values()
        .fold(1u128, |n, values| n.saturating_mul(values.len() as u128));
    within(
        || site.place("sweep", "grid"),
        || "the number of sweep grid points (the product of the value counts of sweep.grid)".to_string(),
        points,
        "grid_points",
        limits.grid_points,
    )?;
    within(
        || site.place("sweep", "seeds"),
        || "the number of sweep runs (grid points × sweep.seeds)".to_string(),
        points.saturating_mul(u128::from(sweep.seeds)),
        "runs",
        limits.runs,
    )
}

/// The time series of a run with a horizon, and every time the scenario names, against the
/// run's span.
fn check_times(
    scenario: &Scenario,
    policy: &PolicySpec,
    limits: &Limits,
    site: &Site<'_>,
) -> Result<(), ScenarioError> {
    let span = run_span(scenario, limits);
    for (section, entry, key, time) in named_times(scenario, policy) {
        if time > span.limit {
            // A key of the `entry`-th table of an array (`[[faults.random]]`) is named and found
            // with its index.
            let (path, line) = match entry {
                Some(i) => (
                    format!("{section}[{i}].{key}"),
                    crate::faults_build::locate_nth(site.text, section, i, key),
                ),
                None => (dotted(section, key), locate(site.text, section, key)),
            };
            return Err(ScenarioError::from(OutOfRange {
                place: site.place_of(&path, line),
                key: path,
                value: sim_core::time::format_duration(time),
                accepted: format!(
                    "the run may reach at most {} ({} s): {}",
                    sim_core::time::format_duration(span.limit),
                    span.limit,
                    span.reason.hint()
                ),
            }));
        }
    }
    if let Some(horizon) = scenario.horizon {
        let interval = scenario.output.sample_interval.0.as_micros().max(1);
        let rows = u128::from(horizon.0.as_micros() / interval) + 1;
        within(
            || site.place("output", "sample_interval"),
            || {
                format!(
                    "the number of time-series values (horizon ÷ output.sample_interval + 1 rows × {TIMESERIES_COLUMNS} columns)"
                )
            },
            rows * u128::from(TIMESERIES_COLUMNS),
            "samples",
            limits.samples,
        )?;
    }
    Ok(())
}

/// `section.key`, or `key` at the top level.
fn dotted(section: &str, key: &str) -> String {
    if section.is_empty() {
        key.to_string()
    } else {
        format!("{section}.{key}")
    }
}

/// A time a scenario names: its section, the index of its table when the section is an array
/// of tables, its key, and the time.
type NamedTime<'a> = (&'static str, Option<usize>, &'a str, SimTime);

/// Every time a scenario names (the policy's as resolved).
fn named_times<'a>(scenario: &Scenario, policy: &'a PolicySpec) -> Vec<NamedTime<'a>> {
    let mut times = Vec::new();
    let mut add =
        |section: &'static str, entry: Option<usize>, key: &'a str, value: Option<crate::duration::Duration>| {
            if let Some(d) = value {
                times.push((section, entry, key, d.0));
            }
        };
    add("", None, "horizon", scenario.horizon);
    add("output", None, "sample_interval", Some(scenario.output.sample_interval));
    add("workload", None, "pod_duration", scenario.workload.pod_duration);
    if let Some(s) = &scenario.workload.synthetic {
        add("workload.synthetic", None, "duration_min", s.duration_min);
        add("workload.synthetic", None, "duration_max", s.duration_max);
        add("workload.synthetic", None, "diurnal_peak", s.diurnal_peak);
    }
    for (key, span) in policy.durations() {
        add("policy", None, key, Some(crate::duration::Duration(span)));
    }
    if let Some(t) = &scenario.thermal {
        add("thermal", None, "room_tau", Some(t.room_tau));
        add("thermal", None, "gpu_tau", Some(t.gpu_tau));
        add("thermal", None, "recovery", Some(t.recovery));
    }
    if let Some(f) = &scenario.faults {
        add("faults", None, "restart_overhead", f.restart_overhead);
        add("faults", None, "backoff", f.backoff);
        for (i, r) in f.random.iter().enumerate() {
            add("faults.random", Some(i), "mtbf", Some(r.mtbf));
            add("faults.random", Some(i), "mttr", Some(r.mttr));
        }
        for (i, incident) in f.incident.iter().enumerate() {
            add("faults.incident", Some(i), "at", Some(incident.at));
            add("faults.incident", Some(i), "duration", incident.duration);
        }
        if let Some(c) = &f.cascade {
            add("faults.cascade", None, "overload_delay", Some(c.overload_delay));
            add("faults.cascade", None, "recovery", Some(c.recovery));
        }
        if let Some(b) = &f.breaker {
            add("faults.breaker", None, "window", Some(b.window));
            add("faults.breaker", None, "pause", Some(b.pause));
        }
    }
    times
}
