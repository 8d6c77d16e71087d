//! A policy as a scenario writes it ([`PolicyConfig`]: a preset and optional parts and
//! parameters) and as it is resolved ([`PolicySpec`]: every part chosen, every value checked).
//!
//! The combination rule: the preset (`name`, default `first-fit`) supplies every part; each part
//! written explicitly replaces the preset's. Parameters apply only to the parts that use them
//! and are ignored by the others, so one `[policy]` table can be swept over several presets.

use std::collections::BTreeMap;

use sim_core::time::SimTime;

use crate::parts::{BackfillKind, Part, PlacementKind, PreemptionKind, QueueKind, ShareBy, unknown_name};
use crate::presets::{self, PRESETS};

/// The `[policy]` table of a scenario, every key optional except the preset name.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PolicyConfig {
    /// The preset (`clustersim policies` lists them).
    pub name: String,
    /// Queue order, replacing the preset's.
    pub queue: Option<String>,
    /// Placement, replacing the preset's.
    pub placement: Option<String>,
    /// Backfilling, replacing the preset's.
    pub backfill: Option<String>,
    /// How many blocked jobs backfilling protects with a reservation (EASY: 1, conservative:
    /// all, unless set).
    pub backfill_depth: Option<u32>,
    /// Preemption rule, replacing the preset's.
    pub preemption: Option<String>,
    /// What DRF and lottery share between: `user` (default) or `queue`.
    pub share_by: Option<String>,
    /// Lottery tickets by user (or queue, with `share_by = "queue"`); 1 for anyone not listed.
    pub tickets: BTreeMap<String, u64>,
    /// Queues for fair share and quotas, by name.
    pub queues: BTreeMap<String, QueueConfig>,
    /// A running job cannot be preempted until it has run this long since it (re)started.
    pub grace: Option<SimTime>,
    /// A job preempted this many times is never preempted again.
    pub max_preemptions: Option<u32>,
    /// Time slicing: a running job may be suspended for a waiting one of equal priority
    /// after running this long.
    pub time_slice: Option<SimTime>,
    /// Work a job loses each time it is suspended by time slicing.
    pub switch_overhead: Option<SimTime>,
}

/// One queue of the fair-share tree.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct QueueConfig {
    /// The parent queue; none for a top-level queue.
    pub parent: Option<String>,
    /// Share weight among its siblings (default 1).
    pub weight: Option<f64>,
    /// Most GPUs the queue and its descendants may hold at once; none for no limit.
    pub quota_gpus: Option<f64>,
}

/// A `[policy]` value that cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{key}: {message}")]
pub struct ConfigError {
    /// The key under `[policy]`, dotted (`queue`, `queues.research.weight`).
    pub key: String,
    /// What is wrong, with the valid choices where there are some.
    pub message: String,
}

impl ConfigError {
    fn new(key: impl Into<String>, message: impl Into<String>) -> ConfigError {
        ConfigError {
            key: key.into(),
            message: message.into(),
        }
    }
}

/// One queue of the fair-share tree, checked.
#[derive(Clone, Debug, PartialEq)]
pub struct QueueSpec {
    /// Its name (the trace's `queue`).
    pub name: String,
    /// The parent queue, if any.
    pub parent: Option<String>,
    /// Share weight among its siblings (> 0).
    pub weight: f64,
    /// GPU limit in milli-GPU for it and its descendants.
    pub quota_milli: Option<u64>,
}

/// Preemption settings, checked.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PreemptionSpec {
    /// Victim order.
    pub rule: PreemptionKind,
    /// Time after a (re)start during which a job cannot be preempted.
    pub grace: SimTime,
    /// Preemptions after which a job is never preempted again.
    pub max_per_job: Option<u32>,
}

/// Time-slicing settings, checked.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SlicingSpec {
    /// Run time after which a job may be suspended for a waiting job of equal priority.
    pub slice: SimTime,
    /// Work lost per suspension.
    pub overhead: SimTime,
}

/// A policy with every part chosen and every parameter checked: what [`crate::resolve`] builds.
#[derive(Clone, Debug, PartialEq)]
pub struct PolicySpec {
    /// The name in outputs and error messages: the preset, then any replaced parts in
    /// brackets (`first-fit[queue=drf,backfill=easy]`).
    pub label: String,
    /// Queue order.
    pub queue: QueueKind,
    /// Placement.
    pub placement: PlacementKind,
    /// Backfilling.
    pub backfill: BackfillKind,
    /// How many blocked jobs get a reservation (`None` without backfilling; `usize::MAX` for
    /// all).
    pub backfill_depth: Option<usize>,
    /// Preemption, when on.
    pub preemption: Option<PreemptionSpec>,
    /// Time slicing, when on.
    pub slicing: Option<SlicingSpec>,
    /// What DRF and lottery share between.
    pub share_by: ShareBy,
    /// Lottery tickets by user or queue name.
    pub tickets: BTreeMap<String, u64>,
    /// The fair-share tree and quotas, in name order.
    pub queues: Vec<QueueSpec>,
}

impl PolicySpec {
    /// The preset called `name` with nothing replaced.
    pub fn preset(name: &str) -> Result<PolicySpec, ConfigError> {
        PolicySpec::from_config(&PolicyConfig {
            name: name.to_string(),
            ..PolicyConfig::default()
        })
    }

    /// Checks a `[policy]` table and resolves the preset and parts.
    pub fn from_config(config: &PolicyConfig) -> Result<PolicySpec, ConfigError> {
        let preset = presets::find(&config.name).ok_or_else(|| {
            ConfigError::new(
                "name",
                unknown_name("policy", &config.name, PRESETS.iter().map(|p| p.name)),
            )
        })?;
        let mut replaced = Vec::new();
        let queue = part(&config.queue, preset.queue, &mut replaced)?;
        let placement = part(&config.placement, preset.placement, &mut replaced)?;
        let backfill = part(&config.backfill, preset.backfill, &mut replaced)?;
        let preemption = part(&config.preemption, preset.preemption, &mut replaced)?;
        let share_by = config
            .share_by
            .as_deref()
            .map_or(Ok(ShareBy::User), ShareBy::parse)
            .map_err(|m| ConfigError::new(ShareBy::KEY, m))?;
        if config.backfill_depth == Some(0) {
            return Err(ConfigError::new(
                "backfill_depth",
                "must be at least 1 (backfill = \"none\" turns backfilling off)",
            ));
        }
        let preset_depth = preset.backfill_depth.filter(|_| backfill == preset.backfill);
        let backfill_depth = backfill
            .default_depth()
            .map(|depth| config.backfill_depth.or(preset_depth).map_or(depth, |d| d as usize));
        if let Some(depth) = config.backfill_depth
            && backfill.default_depth().is_some()
            && backfill_depth != preset_depth.map(|d| d as usize).or(backfill.default_depth())
        {
            replaced.push(format!("backfill_depth={depth}"));
        }
        let label = if replaced.is_empty() {
            preset.name.to_string()
        } else {
            format!("{}[{}]", preset.name, replaced.join(","))
        };
        if let Some((user, _)) = config.tickets.iter().find(|&(_, &t)| t == 0) {
            return Err(ConfigError::new(format!("tickets.{user}"), "must be at least 1"));
        }
        Ok(PolicySpec {
            label,
            queue,
            placement,
            backfill,
            backfill_depth,
            preemption: preemption_spec(config, preemption),
            slicing: slicing_spec(config)?,
            share_by,
            tickets: config.tickets.clone(),
            queues: queue_specs(&config.queues)?,
        })
    }
}

/// The part written in the scenario, or the preset's.
fn part<T: Part>(written: &Option<String>, preset: T, replaced: &mut Vec<String>) -> Result<T, ConfigError> {
    match written {
        None => Ok(preset),
        Some(name) => {
            let value = T::parse(name).map_err(|m| ConfigError::new(T::KEY, m))?;
            if value != preset {
                replaced.push(format!("{}={name}", T::KEY));
            }
            Ok(value)
        }
    }
}

fn preemption_spec(config: &PolicyConfig, rule: PreemptionKind) -> Option<PreemptionSpec> {
    (rule != PreemptionKind::None).then(|| PreemptionSpec {
        rule,
        grace: config.grace.unwrap_or(SimTime::ZERO),
        max_per_job: config.max_preemptions,
    })
}

fn slicing_spec(config: &PolicyConfig) -> Result<Option<SlicingSpec>, ConfigError> {
    let Some(slice) = config.time_slice else {
        return Ok(None);
    };
    if slice == SimTime::ZERO {
        return Err(ConfigError::new("time_slice", "must be longer than zero"));
    }
    let overhead = config.switch_overhead.unwrap_or(SimTime::ZERO);
    if overhead >= slice {
        return Err(ConfigError::new(
            "switch_overhead",
            "must be shorter than time_slice (a slice would make no progress)",
        ));
    }
    Ok(Some(SlicingSpec { slice, overhead }))
}

/// Checks the queue tree: weights and quotas in range, parents that exist, no cycles.
fn queue_specs(queues: &BTreeMap<String, QueueConfig>) -> Result<Vec<QueueSpec>, ConfigError> {
    let mut specs = Vec::with_capacity(queues.len());
    for (name, q) in queues {
        let key = |field: &str| format!("queues.{name}.{field}");
        let weight = q.weight.unwrap_or(1.0);
        if !(weight.is_finite() && weight > 0.0) {
            return Err(ConfigError::new(
                key("weight"),
                format!("must be a number > 0, got {weight}"),
            ));
        }
        let quota_milli = match q.quota_gpus {
            None => None,
            Some(g) if g.is_finite() && g >= 0.0 => Some((g * 1000.0).round() as u64),
            Some(g) => {
                return Err(ConfigError::new(
                    key("quota_gpus"),
                    format!("must be a number ≥ 0, got {g}"),
                ));
            }
        };
        if let Some(parent) = &q.parent
            && !queues.contains_key(parent)
        {
            return Err(ConfigError::new(
                key("parent"),
                unknown_name("queue", parent, queues.keys().map(String::as_str)),
            ));
        }
        let mut ancestor = q.parent.as_ref();
        for _ in 0..queues.len() {
            match ancestor {
                Some(a) if a == name => {
                    return Err(ConfigError::new(key("parent"), "the queue would be its own ancestor"));
                }
                Some(a) => ancestor = queues[a].parent.as_ref(),
                None => break,
            }
        }
        specs.push(QueueSpec {
            name: name.clone(),
            parent: q.parent.clone(),
            weight,
            quota_milli,
        });
    }
    Ok(specs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(name: &str) -> PolicyConfig {
        PolicyConfig {
            name: name.into(),
            ..PolicyConfig::default()
        }
    }

    #[test]
    fn explicit_parts_replace_the_presets() {
        let spec = PolicySpec::from_config(&PolicyConfig {
            queue: Some("drf".into()),
            backfill: Some("easy".into()),
            placement: Some("first-fit".into()),
            ..config("first-fit")
        })
        .unwrap();
        assert_eq!(
            (spec.queue, spec.placement, spec.backfill),
            (QueueKind::Drf, PlacementKind::FirstFit, BackfillKind::Easy)
        );
        // first-fit is the preset's own placement: not listed as replaced.
        assert_eq!(spec.label, "first-fit[queue=drf,backfill=easy]");
        let preset = PolicySpec::preset("priority-preempt").unwrap();
        assert_eq!(preset.label, "priority-preempt");
        assert_eq!(preset.preemption.map(|p| p.rule), Some(PreemptionKind::LeastProgress));
    }

    #[test]
    fn backfill_depth_defaults_by_kind_and_shows_in_the_label_when_set() {
        let spec = |c: PolicyConfig| PolicySpec::from_config(&c).unwrap();
        // EASY protects 1 job, conservative all, none none.
        assert_eq!(spec(config("easy-backfill")).backfill_depth, Some(1));
        assert_eq!(spec(config("conservative-backfill")).backfill_depth, Some(usize::MAX));
        assert_eq!(spec(config("best-fit")).backfill_depth, None);
        // The preset with 4, and a depth written on top of any backfilling preset.
        let four = spec(config("easy-backfill-4"));
        assert_eq!((four.backfill_depth, four.label.as_str()), (Some(4), "easy-backfill-4"));
        let eight = spec(PolicyConfig {
            backfill_depth: Some(8),
            ..config("easy-backfill")
        });
        assert_eq!(
            (eight.backfill_depth, eight.label.as_str()),
            (Some(8), "easy-backfill[backfill_depth=8]")
        );
        // A depth without backfilling has nothing to limit.
        let ignored = spec(PolicyConfig {
            backfill_depth: Some(8),
            ..config("best-fit")
        });
        assert_eq!((ignored.backfill_depth, ignored.label.as_str()), (None, "best-fit"));
        let zero = PolicySpec::from_config(&PolicyConfig {
            backfill_depth: Some(0),
            ..config("easy-backfill")
        })
        .unwrap_err();
        assert_eq!(zero.key, "backfill_depth");
    }

    #[test]
    fn bad_values_name_their_key() {
        let err = |c: PolicyConfig| PolicySpec::from_config(&c).unwrap_err();
        assert_eq!(err(config("bestfit")).key, "name");
        assert!(err(config("bestfit")).message.contains("did you mean `best-fit`?"));
        let e = err(PolicyConfig {
            preemption: Some("least-progres".into()),
            ..config("first-fit")
        });
        assert_eq!(
            e.to_string(),
            "preemption: unknown preemption `least-progres` (did you mean `least-progress`?); known: none, least-progress, lowest-priority, newest, min-lost-work"
        );
        let e = err(PolicyConfig {
            time_slice: Some(SimTime::from_secs(10)),
            switch_overhead: Some(SimTime::from_secs(10)),
            ..config("gang")
        });
        assert_eq!(e.key, "switch_overhead");
        let mut queues = BTreeMap::new();
        queues.insert(
            "a".to_string(),
            QueueConfig {
                parent: Some("b".into()),
                ..QueueConfig::default()
            },
        );
        queues.insert(
            "b".to_string(),
            QueueConfig {
                parent: Some("a".into()),
                ..QueueConfig::default()
            },
        );
        let e = err(PolicyConfig {
            queues: queues.clone(),
            ..config("fair-share")
        });
        assert_eq!(e.to_string(), "queues.a.parent: the queue would be its own ancestor");
        queues.insert(
            "b".to_string(),
            QueueConfig {
                weight: Some(0.0),
                ..QueueConfig::default()
            },
        );
        queues.insert(
            "a".to_string(),
            QueueConfig {
                parent: Some("c".into()),
                ..QueueConfig::default()
            },
        );
        let e = err(PolicyConfig {
            queues: queues.clone(),
            ..config("fair-share")
        });
        assert_eq!(e.key, "queues.a.parent");
        queues.remove("a");
        let e = err(PolicyConfig {
            queues,
            ..config("fair-share")
        });
        assert_eq!(e.to_string(), "queues.b.weight: must be a number > 0, got 0");
    }
}
