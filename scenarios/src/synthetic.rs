//! From `[workload.synthetic]` to the generator's configuration, with errors naming the key.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::fmt;

use traces::synthetic::{
    Arrivals, BadDiurnal, ConfigError, Diurnal, DurationFit, DurationModel, Family, SizeBucket, SizeMix,
    SyntheticConfig, Weighted, rate_for_load,
};

use serde::Deserialize;

use crate::error::ScenarioError;
use crate::overrides::{Override, apply};
use crate::schema::SyntheticSection;

/// Jobs generated when `jobs` is omitted.
pub const DEFAULT_JOBS: u64 = 1000;

/// Offered load when neither `load` nor `jobs_per_day` is given: 0.8 (a clustersim choice, L).
pub const DEFAULT_LOAD: f64 = 0.8;

/// `base` (a scenario's `[workload.synthetic]`, or all defaults) with `overrides` of its keys
/// applied (`jobs=500`, `sizes.1=0.5`): what `trace generate --set` reads.
pub fn with_overrides(
    base: Option<&SyntheticSection>,
    overrides: &[Override],
) -> Result<SyntheticSection, ScenarioError> {
    let mut table = match base {
        Some(section) => match toml::Value::try_from(section) {
            Ok(toml::Value::Table(table)) => table,
            _ => unreachable!("a synthetic section serializes to a table"),
        },
        None => toml::Table::new(),
    };
    apply(&mut table, overrides)?;
    SyntheticSection::deserialize(table).map_err(|e| {
        let flags: Vec<&str> = overrides.iter().map(|o| o.text.as_str()).collect();
        ScenarioError::Input(format!("--set {}: {}", flags.join(" --set "), e.message()))
    })
}

fn key_error<E: fmt::Display>(key: &'static str) -> impl Fn(E) -> ConfigError {
    move |reason| ConfigError::new(key, reason)
}

/// The generator configuration of `section` for a cluster of `cluster_gpus` GPUs (needed to
/// turn `load` into an arrival rate; `None` when there is no cluster, then `jobs_per_day` is
/// required).
pub fn synthetic_config(section: &SyntheticSection, cluster_gpus: Option<f64>) -> Result<SyntheticConfig, ConfigError> {
    let family: Family = section
        .family
        .as_deref()
        .unwrap_or("dl")
        .parse()
        .map_err(key_error("family"))?;
    let sizes = match &section.sizes {
        None => family.sizes(),
        Some(table) => {
            let entries = table
                .iter()
                .map(|(k, &w)| SizeBucket::parse(k).map(|b| (b, w)))
                .collect::<Result<Vec<_>, _>>()
                .map_err(key_error("sizes"))?;
            SizeMix::new(entries).map_err(key_error("sizes"))?
        }
    };
    let durations = durations(section, family)?;
    for (key, value) in [("load", section.load), ("jobs_per_day", section.jobs_per_day)] {
        if let Some(value) = value
            && !(value.is_finite() && value > 0.0)
        {
            return Err(ConfigError::new(key, format!("must be a number above 0, got {value}")));
        }
    }
    let rate_per_s = match (section.jobs_per_day, section.load, cluster_gpus) {
        (Some(_), Some(_), _) => {
            return Err(ConfigError {
                key: "jobs_per_day",
                reason: "give load or jobs_per_day, not both".into(),
            });
        }
        (Some(per_day), None, _) => per_day / 86_400.0,
        (None, load, Some(gpus)) => rate_for_load(load.unwrap_or(DEFAULT_LOAD), gpus, &sizes, &durations),
        (None, _, None) => {
            return Err(ConfigError {
                key: "load",
                reason: "turning a load into an arrival rate needs the cluster's GPU count; give jobs_per_day instead"
                    .into(),
            });
        }
    };
    let mut config = SyntheticConfig::family(family, section.jobs.unwrap_or(DEFAULT_JOBS), rate_per_s);
    config.sizes = sizes;
    config.durations = durations;
    config.arrivals = Arrivals {
        rate_per_s,
        diurnal: diurnal(section)?,
    };
    if let Some(n) = section.gpus_per_node {
        config.gpus_per_node = n;
    }
    let name = |k: &str| Ok::<_, Infallible>(k.to_string());
    if let Some(users) = &section.users {
        config.users = weights("users", users, name)?;
    }
    if let Some(queues) = &section.queues {
        config.queues = weights("queues", queues, name)?;
    }
    if let Some(priorities) = &section.priorities {
        let parse = |k: &str| {
            k.parse::<i32>()
                .map_err(|_| format!("`{k}` is not a whole-number priority"))
        };
        config.priorities = weights("priorities", priorities, parse)?;
    }
    config.preemptible_share = section.preemptible_share.unwrap_or(config.preemptible_share);
    config.comm_fraction = section.comm_fraction.unwrap_or(config.comm_fraction);
    config.check()?;
    Ok(config)
}

/// The duration keys each distribution of `duration` reads.
const DURATION_KEYS: [(&str, &[&str]); 3] = [
    ("lognormal", &["duration_fit", "duration_mu", "duration_sigma"]),
    ("loguniform", &["duration_min", "duration_max"]),
    ("gavel", &[]),
];

fn durations(section: &SyntheticSection, family: Family) -> Result<DurationModel, ConfigError> {
    let name = section.duration.as_deref().unwrap_or("lognormal");
    let Some((_, reads)) = DURATION_KEYS.iter().find(|(n, _)| *n == name) else {
        return Err(ConfigError {
            key: "duration",
            reason: format!("unknown duration distribution `{name}`; use lognormal, loguniform or gavel"),
        });
    };
    // A key of another distribution would be ignored without a word: refused instead.
    let given = [
        ("duration_fit", section.duration_fit.is_some()),
        ("duration_mu", section.duration_mu.is_some()),
        ("duration_sigma", section.duration_sigma.is_some()),
        ("duration_min", section.duration_min.is_some()),
        ("duration_max", section.duration_max.is_some()),
    ];
    if let Some((key, _)) = given.iter().find(|(key, is_given)| *is_given && !reads.contains(key)) {
        return Err(ConfigError::new(
            key,
            format!("has no effect with duration = \"{name}\""),
        ));
    }
    let model = match name {
        "lognormal" => {
            let fit: DurationFit = match &section.duration_fit {
                Some(name) => name.parse().map_err(key_error("duration_fit"))?,
                None => family.duration_fit(),
            };
            let (mu, sigma) = fit.mu_sigma();
            DurationModel::LogNormal {
                mu: section.duration_mu.unwrap_or(mu),
                sigma: section.duration_sigma.unwrap_or(sigma),
            }
        }
        "loguniform" => match (section.duration_min, section.duration_max) {
            (Some(min), Some(max)) => DurationModel::LogUniform {
                min_s: min.0.as_secs_f64(),
                max_s: max.0.as_secs_f64(),
            },
            _ => {
                return Err(ConfigError {
                    key: "duration",
                    reason: "loguniform needs duration_min and duration_max".into(),
                });
            }
        },
        _ => DurationModel::Gavel,
    };
    let key = match model {
        DurationModel::LogNormal { mu, .. } if !mu.is_finite() => "duration_mu",
        DurationModel::LogNormal { .. } => "duration_sigma",
        DurationModel::LogUniform { min_s, .. } if min_s <= 0.0 => "duration_min",
        _ => "duration_max",
    };
    model.check().map_err(key_error(key))?;
    Ok(model)
}

fn diurnal(section: &SyntheticSection) -> Result<Option<Diurnal>, ConfigError> {
    let shaped = section.diurnal.unwrap_or(false);
    let tuned =
        section.diurnal_amplitude.is_some() || section.diurnal_peak.is_some() || section.weekend_factor.is_some();
    if !shaped {
        return if tuned {
            Err(ConfigError {
                key: if section.diurnal_amplitude.is_some() {
                    "diurnal_amplitude"
                } else if section.diurnal_peak.is_some() {
                    "diurnal_peak"
                } else {
                    "weekend_factor"
                },
                reason: "diurnal_amplitude, diurnal_peak and weekend_factor need diurnal = true".into(),
            })
        } else {
            Ok(None)
        };
    }
    let d = Diurnal {
        amplitude: section.diurnal_amplitude.unwrap_or(Diurnal::DEFAULT.amplitude),
        peak_s: section
            .diurnal_peak
            .map_or(Diurnal::DEFAULT.peak_s, |p| p.0.as_secs_f64()),
        weekend_factor: section.weekend_factor.unwrap_or(Diurnal::DEFAULT.weekend_factor),
    };
    d.check().map_err(|bad| {
        let key = match bad {
            BadDiurnal::Amplitude(_) => "diurnal_amplitude",
            BadDiurnal::WeekendFactor(_) => "weekend_factor",
        };
        ConfigError::new(key, bad)
    })?;
    Ok(Some(d))
}

/// The weighted choice of `key`'s table, each name read by `parse`.
fn weights<T, E: fmt::Display>(
    key: &'static str,
    table: &BTreeMap<String, f64>,
    parse: impl Fn(&str) -> Result<T, E>,
) -> Result<Weighted<T>, ConfigError> {
    let entries = table
        .iter()
        .map(|(k, &w)| parse(k).map(|v| (v, w)))
        .collect::<Result<Vec<_>, _>>()
        .map_err(key_error(key))?;
    Weighted::new(entries).map_err(key_error(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn section(text: &str) -> SyntheticSection {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn defaults_follow_the_family() {
        let config = synthetic_config(&section(""), Some(1024.0)).unwrap();
        assert_eq!(config.jobs, 1000);
        // 0.8 × 1024 GPUs / (1.9 GPUs × exp(6.77 + 2.46²/2) s).
        let expected = 0.8 * 1024.0 / (1.9 * sim_core::math::exp(9.7958));
        assert!((config.arrivals.rate_per_s - expected).abs() < 1e-9 * expected);
        let llm = synthetic_config(&section("family = \"llm\"\njobs_per_day = 8640"), None).unwrap();
        assert_eq!(llm.durations, DurationModel::LogNormal { mu: 4.82, sigma: 2.15 });
        assert!((llm.arrivals.rate_per_s - 0.1).abs() < 1e-12);
    }

    #[test]
    fn overrides_change_single_keys() {
        let base = section("jobs = 10\nfamily = \"llm\"");
        let set: Vec<Override> = vec!["jobs=20".parse().unwrap(), "sizes.1=1".parse().unwrap()];
        let merged = with_overrides(Some(&base), &set).unwrap();
        assert_eq!((merged.jobs, merged.family.as_deref()), (Some(20), Some("llm")));
        assert_eq!(merged.sizes, Some(BTreeMap::from([("1".to_string(), 1.0)])));
        let bad = with_overrides(None, &["jobz=1".parse().unwrap()]).unwrap_err();
        assert!(
            bad.to_string().starts_with("--set jobz=1: unknown field `jobz`"),
            "{bad}"
        );
    }

    #[test]
    fn errors_name_the_key() {
        let err = |text: &str, gpus| synthetic_config(&section(text), gpus).unwrap_err();
        assert_eq!(err("family = \"hpc\"", Some(8.0)).key, "family");
        assert_eq!(err("sizes = { 3 = 1, 12 = 1 }", Some(8.0)).key, "sizes");
        assert_eq!(err("sizes = { \"1.5\" = 1 }", Some(8.0)).key, "sizes");
        assert_eq!(err("duration = \"loguniform\"", Some(8.0)).key, "duration");
        assert_eq!(err("duration_sigma = -1.0", Some(8.0)).key, "duration_sigma");
        let loguniform = |bounds: &str| format!("duration = \"loguniform\"\n{bounds}");
        assert_eq!(
            err(&loguniform("duration_min = \"0s\"\nduration_max = \"1h\""), Some(8.0)).key,
            "duration_min"
        );
        assert_eq!(
            err(&loguniform("duration_min = \"2h\"\nduration_max = \"1h\""), Some(8.0)).key,
            "duration_max"
        );
        assert_eq!(err("", None).key, "load");
        assert_eq!(err("weekend_factor = 0.5", Some(8.0)).key, "weekend_factor");
        assert_eq!(
            err("diurnal = true\nweekend_factor = 0.0", Some(8.0)).key,
            "weekend_factor"
        );
        assert_eq!(
            err("diurnal = true\ndiurnal_amplitude = 3.0", Some(8.0)).key,
            "diurnal_amplitude"
        );
        assert_eq!(err("preemptible_share = 2.0", Some(8.0)).key, "preemptible_share");
        assert_eq!(err("jobs = 0", Some(8.0)).key, "jobs");
        assert_eq!(err("priorities = { high = 1 }", Some(8.0)).key, "priorities");
    }

    #[test]
    fn a_rate_of_zero_or_less_blames_the_key_that_gave_it() {
        let err = |text: &str| synthetic_config(&section(text), Some(8.0)).unwrap_err();
        let per_day = err("jobs_per_day = 0.0");
        assert_eq!(
            (per_day.key, per_day.reason.as_str()),
            ("jobs_per_day", "must be a number above 0, got 0")
        );
        let load = err("load = -1.0");
        assert_eq!(
            (load.key, load.reason.as_str()),
            ("load", "must be a number above 0, got -1")
        );
    }

    #[test]
    fn a_key_of_another_duration_distribution_is_refused_not_ignored() {
        let err = |text: &str| synthetic_config(&section(text), Some(8.0)).unwrap_err();
        let bounds = err("duration_min = \"1m\"");
        assert_eq!(
            (bounds.key, bounds.reason.as_str()),
            ("duration_min", "has no effect with duration = \"lognormal\"")
        );
        let fit = err("duration = \"gavel\"\nduration_fit = \"philly\"");
        assert_eq!(
            (fit.key, fit.reason.as_str()),
            ("duration_fit", "has no effect with duration = \"gavel\"")
        );
        let sigma =
            err("duration = \"loguniform\"\nduration_min = \"1m\"\nduration_max = \"1h\"\nduration_sigma = 1.0");
        assert_eq!(sigma.key, "duration_sigma");
    }
}
