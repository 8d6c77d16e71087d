//! From `[faults]` to the engine's [`FaultsConfig`]: value checks (at load time, with the line
//! of the offending key) and target names resolved against the cluster.

use sim_core::SimTime;
use sim_core::cluster::Cluster;
use sim_core::faults::domains::Domains;
use sim_core::faults::{
    BreakerConfig, CascadeConfig, CauseDomain, Component, FailureCause, FaultsConfig, Incident, IncidentKind,
    JobImpact, LemonConfig, Lifetime, RandomFaults, RepairTime, Requeue, Target,
};

use crate::error::ScenarioError;
use crate::faults_schema::{
    CauseDomainName, CauseSection, FaultsSection, IncidentKindName, IncidentSection, LifetimeName, RepairName,
    RequeueName,
};
use crate::load::{Site, ValidScenario};
use crate::schema::Scenario;
use crate::validate::in_range;

/// Restart overhead when `[faults]` gives none: the median of docs/models.md §5.
const DEFAULT_RESTART_OVERHEAD: SimTime = SimTime::from_secs(600);
/// Weibull shape when `[[faults.random]]` gives none (docs/models.md §5).
const DEFAULT_SHAPE: f64 = 0.7;
/// Lognormal σ of repair times when none is given (docs/models.md §5).
const DEFAULT_REPAIR_SIGMA: f64 = 0.8;
/// Accepted back-off growth per retry: 2 is the usual exponential back-off; past 10 the wait
/// outgrows any run within a few retries.
const BACKOFF_FACTOR_RANGE: (f64, f64) = (1.0, 10.0);
/// Accepted Weibull shapes: failure data fit 0.5–1 (MODELS.md §5); below 0.2 lifetimes
/// collapse to microseconds (the scale mtbf ÷ Γ(1 + 1/k) is 10⁻¹⁵² s at 0.01, and below about
/// 0.0058 it underflows to 0), so units fail as soon as they are repaired and the run cannot
/// advance.
const SHAPE_RANGE: (f64, f64) = (0.2, 10.0);
/// Accepted lognormal σ of repair times: past 3, a repair drawn e^{3σ} times the median is
/// longer than any run.
const REPAIR_SIGMA_RANGE: (f64, f64) = (0.0, 3.0);
/// Accepted σ of ln(node failure-rate multiplier): at 3 the worst of a thousand nodes fails
/// e^{3 × 3.1 − 4.5} ≈ 120 times the mean rate, past any fleet on record.
const NODE_RATE_SIGMA_RANGE: (f64, f64) = (0.0, 3.0);
/// Accepted memory over-use of a restarted job.
const USAGE_FACTOR_RANGE: (f64, f64) = (1.0, 100.0);
/// The shortest accepted mean time between failures of one unit: 1 hour (real GPUs and nodes
/// run thousands of hours between failures, MODELS.md §5); shorter, units fail faster than
/// jobs can run.
const MIN_MTBF: SimTime = SimTime::from_secs(3600);
/// The highest accepted rate of a cause, per unit per day: once an hour, as [`MIN_MTBF`].
const MAX_CAUSE_RATE_PER_DAY: f64 = 24.0;

/// The 1-based line of `key` in the `index`-th `[[table]]` (0-based), or of that table's header.
pub(crate) fn locate_nth(text: &str, table: &str, index: usize, key: &str) -> Option<usize> {
    let header = format!("[[{table}]]");
    let mut seen = 0;
    let mut header_line = None;
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            if header_line.is_some() {
                break;
            }
            if trimmed == header {
                seen += 1;
                if seen == index + 1 {
                    header_line = Some(i + 1);
                }
            }
        } else if header_line.is_some() && trimmed.split_once('=').is_some_and(|(k, _)| k.trim() == key) {
            return Some(i + 1);
        }
    }
    header_line
}

/// An input error at `key` of the `index`-th `[[faults.TABLE]]`: blamed on the `--set` flag
/// that set it, else on its line.
fn table_error(site: &Site<'_>, table: &str, index: usize, key: &str, reason: String) -> ScenarioError {
    let path = format!("faults.{table}[{index}].{key}");
    let place = site.place_of(&path, locate_nth(site.text, &format!("faults.{table}"), index, key));
    ScenarioError::Input(format!("{place}: {path}: {reason}"))
}

/// An input error at `key` of `[section]`.
fn key_error(site: &Site<'_>, section: &str, key: &str, reason: String) -> ScenarioError {
    let place = site.place(section, key);
    ScenarioError::Input(format!("{place}: {section}.{key}: {reason}"))
}

fn incident_kind(name: IncidentKindName) -> IncidentKind {
    match name {
        IncidentKindName::GpuFailure => IncidentKind::Failure(Component::Gpu),
        IncidentKindName::NodeFailure => IncidentKind::Failure(Component::Node),
        IncidentKindName::TorFailure => IncidentKind::Failure(Component::Tor),
        IncidentKindName::SpineFailure => IncidentKind::Failure(Component::Spine),
        IncidentKindName::PduTrip => IncidentKind::Failure(Component::Pdu),
        IncidentKindName::CoolingFailure => IncidentKind::Failure(Component::Cooling),
        IncidentKindName::SpotReclaim => IncidentKind::SpotReclaim,
    }
}

/// Checks the values of `[faults]` that need no cluster.
pub(crate) fn check(scenario: &Scenario, site: &Site<'_>) -> Result<(), ScenarioError> {
    let Some(faults) = &scenario.faults else {
        return Ok(());
    };
    in_range(
        site,
        "faults",
        "node_rate_sigma",
        faults.node_rate_sigma,
        NODE_RATE_SIGMA_RANGE,
        " (σ of ln of each node's failure-rate multiplier)",
    )?;
    if let Some(lemons) = &faults.lemons {
        for (key, value) in [("window", lemons.window), ("repair", lemons.repair)] {
            if value.0.as_micros() == 0 {
                return Err(key_error(site, "faults.lemons", key, "must be longer than zero".into()));
            }
        }
    }
    in_range(
        site,
        "faults",
        "backoff_factor",
        faults.backoff_factor,
        BACKOFF_FACTOR_RANGE,
        " (the wait grows by this factor at each retry)",
    )?;
    if let Some(cascade) = &faults.cascade
        && scenario.horizon.is_none()
        && faults.max_retries.is_none()
        && !cascade.memory_limits
        && cascade.usage_factor > 1.0
    {
        return Err(key_error(
            site,
            "faults",
            "cascade",
            "restarted jobs overload nodes, whose jobs restart and overload others, with nothing to end it: \
             set a horizon, faults.max_retries, or faults.cascade.memory_limits = true"
                .into(),
        ));
    }
    for (i, random) in faults.random.iter().enumerate() {
        let fail = |key: &str, reason: String| Err(table_error(site, "random", i, key, reason));
        if random.mtbf.0 < MIN_MTBF {
            return fail(
                "mtbf",
                format!(
                    "\"{}\" is too short: give at least \"1h\" (units failing faster than jobs can run never let \
                     a run end)",
                    sim_core::time::format_duration(random.mtbf.0)
                ),
            );
        }
        if random.mttr.0.as_micros() == 0 {
            return fail("mttr", "must be longer than zero".into());
        }
        if let Some(shape) = random.shape {
            if random.distribution != Some(LifetimeName::Weibull) {
                return fail("shape", "applies to distribution = \"weibull\" only".into());
            }
            if !(SHAPE_RANGE.0..=SHAPE_RANGE.1).contains(&shape) {
                return fail(
                    "shape",
                    format!(
                        "{} is not accepted; give a number from {} to {} (failure data fit 0.5 to 1; smaller \
                         shapes draw lifetimes of zero and the run cannot advance)",
                        crate::validate::number(shape),
                        SHAPE_RANGE.0,
                        SHAPE_RANGE.1
                    ),
                );
            }
        }
        if let Some(sigma) = random.repair_sigma {
            if random.repair != Some(RepairName::Lognormal) {
                return fail("repair_sigma", "applies to repair = \"lognormal\" only".into());
            }
            if !(REPAIR_SIGMA_RANGE.0..=REPAIR_SIGMA_RANGE.1).contains(&sigma) {
                return fail(
                    "repair_sigma",
                    format!(
                        "{} is not accepted; give a number from {} to {}",
                        crate::validate::number(sigma),
                        REPAIR_SIGMA_RANGE.0,
                        REPAIR_SIGMA_RANGE.1
                    ),
                );
            }
        }
        needs_model(scenario, random.component).map_or(Ok(()), |reason| fail("component", reason))?;
        if faults.random[..i].iter().any(|r| r.component == random.component) {
            return fail(
                "component",
                format!(
                    "a second table for `{}`: give one table per component class (two would draw from one \
                     stream, not add their rates)",
                    random.component.name()
                ),
            );
        }
    }
    for (i, cause) in faults.causes.iter().enumerate() {
        let fail = |key: &str, reason: String| table_error(site, "causes", i, key, reason);
        check_cause(cause, fail)?;
        if faults.causes[..i].iter().any(|c| c.name == cause.name) {
            return Err(fail(
                "name",
                format!(
                    "another cause is also called `{}`: give each its own name (a cause's name is its random \
                     stream)",
                    cause.name
                ),
            ));
        }
    }
    for (i, incident) in faults.incident.iter().enumerate() {
        let fail = |key: &str, reason: String| Err(table_error(site, "incident", i, key, reason));
        if incident.duration.is_some_and(|d| d.0.as_micros() == 0) {
            return fail(
                "duration",
                "must be longer than zero (omit it for an incident that lasts)".into(),
            );
        }
        match &incident.target {
            toml::Value::String(_) => {}
            toml::Value::Integer(n) if *n >= 1 => {}
            other => {
                return fail(
                    "target",
                    format!("give a unit's name, \"random\", or a count ≥ 1; got {other}"),
                );
            }
        }
        needs_model(scenario, incident_kind(incident.kind).component())
            .map_or(Ok(()), |reason| fail("kind", reason))?;
    }
    if let Some(cascade) = &faults.cascade {
        in_range(
            site,
            "faults.cascade",
            "usage_factor",
            Some(cascade.usage_factor),
            USAGE_FACTOR_RANGE,
            " (memory used ÷ requested by a restarted job)",
        )?;
        if cascade.recovery.0.as_micros() == 0 {
            return Err(key_error(
                site,
                "faults.cascade",
                "recovery",
                "must be longer than zero".into(),
            ));
        }
    }
    if let Some(breaker) = &faults.breaker
        && breaker.window.0.as_micros() == 0
    {
        return Err(key_error(
            site,
            "faults.breaker",
            "window",
            "must be longer than zero".into(),
        ));
    }
    Ok(())
}

/// Checks one `[[faults.causes]]` table; `fail` names the key.
fn check_cause(cause: &CauseSection, fail: impl Fn(&str, String) -> ScenarioError) -> Result<(), ScenarioError> {
    if cause.name.trim().is_empty() {
        return Err(fail("name", "must not be empty".into()));
    }
    if !(cause.rate_per_day.is_finite() && (0.0..=MAX_CAUSE_RATE_PER_DAY).contains(&cause.rate_per_day)) {
        return Err(fail(
            "rate_per_day",
            format!(
                "{} is not accepted; give failures per unit per day from 0 to {MAX_CAUSE_RATE_PER_DAY} (a unit \
                 failing more than once an hour never lets a run end)",
                crate::validate::number(cause.rate_per_day)
            ),
        ));
    }
    match (cause.domain, cause.mttr) {
        (CauseDomainName::Job, Some(_)) => {
            return Err(fail(
                "mttr",
                "a job-only cause takes no hardware: nothing to repair".into(),
            ));
        }
        (CauseDomainName::Gpu | CauseDomainName::Node, None) => {
            return Err(fail("mttr", "give the mean time to repair a struck GPU or node".into()));
        }
        (_, Some(mttr)) if mttr.0.as_micros() == 0 => return Err(fail("mttr", "must be longer than zero".into())),
        _ => {}
    }
    if let Some(sigma) = cause.repair_sigma {
        if cause.repair != Some(RepairName::Lognormal) {
            return Err(fail("repair_sigma", "applies to repair = \"lognormal\" only".into()));
        }
        if !(REPAIR_SIGMA_RANGE.0..=REPAIR_SIGMA_RANGE.1).contains(&sigma) {
            return Err(fail(
                "repair_sigma",
                format!(
                    "{} is not accepted; give a number from {} to {}",
                    crate::validate::number(sigma),
                    REPAIR_SIGMA_RANGE.0,
                    REPAIR_SIGMA_RANGE.1
                ),
            ));
        }
    }
    Ok(())
}

/// Why a class cannot fail in this scenario (its model is off), if it cannot.
fn needs_model(scenario: &Scenario, component: Component) -> Option<String> {
    match component {
        Component::Cooling if scenario.thermal.is_none() => {
            Some("cooling failures act through the thermal model: add [thermal]".into())
        }
        Component::Spine if scenario.fabric.is_none() => {
            Some("spine failures act through the network model: add [fabric]".into())
        }
        _ => None,
    }
}

/// The nodes `[training] hot_spares` holds out of reach of jobs (0 without).
pub(crate) fn hot_spares(loaded: &ValidScenario) -> u32 {
    loaded
        .scenario
        .training
        .as_ref()
        .and_then(|t| t.hot_spares)
        .unwrap_or(0)
}

/// The failure models of the scenario for `cluster` (nothing fails without `[faults]`), with
/// the hot spares of `[training]`.
pub fn faults_config(loaded: &ValidScenario, cluster: &Cluster) -> Result<FaultsConfig, ScenarioError> {
    let training = loaded.scenario.training.as_ref();
    let hot_spares = hot_spares(loaded);
    let keep_nodes = training.and_then(|t| t.keep_nodes).unwrap_or(false);
    let nodes = cluster.nodes().len();
    if hot_spares as usize >= nodes && hot_spares > 0 {
        return Err(key_error(
            &loaded.site(),
            "training",
            "hot_spares",
            format!("{hot_spares} spares leave none of the cluster's {nodes} nodes to run jobs on; give fewer"),
        ));
    }
    Ok(FaultsConfig {
        hot_spares,
        keep_nodes,
        ..failure_models(loaded, cluster)?
    })
}

/// The failure models of `[faults]` for `cluster`.
fn failure_models(loaded: &ValidScenario, cluster: &Cluster) -> Result<FaultsConfig, ScenarioError> {
    let scenario = &loaded.scenario;
    let Some(section) = &scenario.faults else {
        return Ok(FaultsConfig::default());
    };
    let spines = scenario.fabric.as_ref().and_then(|f| f.spines).unwrap_or(1);
    let domains = Domains::new(cluster, spines);
    let incidents = section
        .incident
        .iter()
        .enumerate()
        .map(|(i, incident)| resolve_incident(loaded, cluster, &domains, i, incident))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(FaultsConfig {
        declared: true,
        random: section
            .random
            .iter()
            .enumerate()
            .map(|(i, random)| random_faults(loaded, i, random))
            .collect::<Result<Vec<_>, _>>()?,
        incidents,
        causes: section
            .causes
            .iter()
            .enumerate()
            .map(|(i, cause)| failure_cause(loaded, i, cause))
            .collect::<Result<_, _>>()?,
        jobs: job_impact(section),
        cascade: section.cascade.as_ref().map(|c| CascadeConfig {
            usage_factor: c.usage_factor,
            overload_delay: c.overload_delay.0,
            recovery: c.recovery.0,
            memory_limits: c.memory_limits,
        }),
        breaker: section.breaker.as_ref().map(|b| BreakerConfig {
            failures: b.failures,
            window: b.window.0,
            pause: b.pause.0,
        }),
        node_rate_sigma: section.node_rate_sigma,
        lemons: section.lemons.as_ref().map(|l| LemonConfig {
            failures: l.failures,
            window: l.window.0,
            repair: l.repair.0,
            fix: l.fix,
        }),
        hot_spares: 0,
        keep_nodes: false,
        seed: scenario.seed,
    })
}

fn job_impact(section: &FaultsSection) -> JobImpact {
    JobImpact {
        restart_overhead: section.restart_overhead.map_or(DEFAULT_RESTART_OVERHEAD, |d| d.0),
        max_retries: section.max_retries,
        backoff: section.backoff.map_or(SimTime::ZERO, |d| d.0),
        backoff_factor: section.backoff_factor.unwrap_or(2.0),
        requeue: match section.requeue {
            Some(RequeueName::Back) => Requeue::Back,
            Some(RequeueName::Front) | None => Requeue::Front,
        },
    }
}

/// The `index`-th random failure process. Its values were checked at load time, so the
/// samplers' own refusals cannot happen; one would still be reported, naming the table.
fn random_faults(
    loaded: &ValidScenario,
    index: usize,
    section: &crate::faults_schema::RandomSection,
) -> Result<RandomFaults, ScenarioError> {
    let mtbf_s = section.mtbf.0.as_secs_f64();
    let mttr_s = section.mttr.0.as_secs_f64();
    // The samplers name their parameters (mean, shape, sigma); the table names them otherwise.
    let refused = |mean_key: &'static str| {
        move |e: sim_core::faults::sampler::ParameterError| {
            let key = match e.name {
                "mean" => mean_key,
                "sigma" => "repair_sigma",
                other => other,
            };
            table_error(&loaded.site(), "random", index, key, e.to_string())
        }
    };
    Ok(RandomFaults {
        component: section.component,
        lifetime: match section.distribution {
            Some(LifetimeName::Weibull) => {
                Lifetime::weibull_with_mean(mtbf_s, section.shape.unwrap_or(DEFAULT_SHAPE)).map_err(refused("mtbf"))?
            }
            Some(LifetimeName::Exponential) | None => Lifetime::exponential(mtbf_s).map_err(refused("mtbf"))?,
        },
        repair: match section.repair {
            Some(RepairName::Lognormal) => {
                RepairTime::lognormal_with_mean(mttr_s, section.repair_sigma.unwrap_or(DEFAULT_REPAIR_SIGMA))
                    .map_err(refused("mttr"))?
            }
            Some(RepairName::Fixed) | None => RepairTime::Fixed(section.mttr.0),
        },
    })
}

fn failure_cause(loaded: &ValidScenario, index: usize, section: &CauseSection) -> Result<FailureCause, ScenarioError> {
    let mttr = section.mttr.map_or(SimTime::ZERO, |d| d.0);
    let refused = |e: sim_core::faults::sampler::ParameterError| {
        let key = if e.name == "sigma" { "repair_sigma" } else { "mttr" };
        table_error(&loaded.site(), "causes", index, key, e.to_string())
    };
    Ok(FailureCause {
        name: section.name.clone(),
        domain: match section.domain {
            CauseDomainName::Gpu => CauseDomain::Gpu,
            CauseDomainName::Node => CauseDomain::Node,
            CauseDomainName::Job => CauseDomain::Job,
        },
        rate_per_unit_s: section.rate_per_day / 86_400.0,
        repair: match section.repair {
            Some(RepairName::Lognormal) => RepairTime::lognormal_with_mean(
                mttr.as_secs_f64(),
                section.repair_sigma.unwrap_or(DEFAULT_REPAIR_SIGMA),
            )
            .map_err(refused)?,
            Some(RepairName::Fixed) | None => RepairTime::Fixed(mttr),
        },
        planned: section.planned,
    })
}

fn resolve_incident(
    loaded: &ValidScenario,
    cluster: &Cluster,
    domains: &Domains,
    index: usize,
    section: &IncidentSection,
) -> Result<Incident, ScenarioError> {
    let kind = incident_kind(section.kind);
    let component = kind.component();
    let target = match &section.target {
        toml::Value::String(name) if name == "random" => Target::Random(1),
        toml::Value::String(name) => {
            let unit = domains.find_unit(cluster, component, name).ok_or_else(|| {
                let example = domains.unit_name(cluster, component, 0);
                let count = match name.trim().parse::<u32>() {
                    Ok(n) => format!("; a count is a number without quotes: target = {n}"),
                    Err(_) => String::new(),
                };
                table_error(
                    &loaded.site(),
                    "incident",
                    index,
                    "target",
                    format!(
                        "no {} called `{name}` (names look like `{example}`; or give \"random\" or a count){count}",
                        component.name()
                    ),
                )
            })?;
            Target::Units(vec![unit])
        }
        toml::Value::Integer(n) => Target::Random(u32::try_from(*n).unwrap_or(u32::MAX)),
        _ => unreachable!("check() accepts only names and counts"),
    };
    Ok(Incident {
        at: section.at.0,
        kind,
        target,
        duration: section.duration.map(|d| d.0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locate_nth_finds_the_key_of_the_right_table() {
        let text = "[[faults.incident]]\nat = \"1h\"\n[[faults.incident]]\nat = \"2h\"\ntarget = 3\n[thermal]\n";
        assert_eq!(locate_nth(text, "faults.incident", 0, "at"), Some(2));
        assert_eq!(locate_nth(text, "faults.incident", 1, "target"), Some(5));
        // A key the table lacks: the table's header.
        assert_eq!(locate_nth(text, "faults.incident", 0, "target"), Some(1));
        assert_eq!(locate_nth(text, "faults.incident", 2, "at"), None);
    }
}
