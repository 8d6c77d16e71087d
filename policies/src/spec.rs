//! A policy as a scenario writes it ([`PolicyConfig`]: a preset, parts replacing its own, and
//! parameters) and as it is resolved ([`PolicySpec`]: every part chosen, every value checked).
//!
//! The combination rule: the preset (`name`, default `first-fit`) supplies every part; each part
//! written explicitly replaces the preset's. Parameters apply only to the parts that read them
//! and are ignored by the others, so one `[policy]` table can be swept over several presets;
//! every value is checked all the same, by the kind its parts declare.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, Serializer};
use sim_core::time::SimTime;

use crate::params::{Kind, Param, Params, Setting, Table, Value, unknown_key};
use crate::registry::{
    BackfillPart, PART_KEYS, PlacementPart, PreemptionPart, QueueOrderPart, Registered, Registry, find, unknown_name,
};

/// The parameters of the policy itself, whatever its parts: the queue tree (quotas, and the
/// fair-share order's tree), time slicing and time limits.
pub const POLICY_PARAMS: &[Param] = &[
    Param {
        name: "queues",
        kind: Kind::Queues,
        default: None,
        doc: "the fair-share tree and quotas, by the trace's `queue`: parent, weight (default 1), quota_gpus (GPUs the queue and its sub-queues hold at most)",
        in_label: false,
    },
    Param {
        name: "time_slice",
        kind: Kind::Duration,
        default: None,
        doc: "time slicing: a running job may be suspended for a waiting one of equal priority after running this long (none: off)",
        in_label: false,
    },
    Param {
        name: "switch_overhead",
        kind: Kind::Duration,
        default: Some("0s"),
        doc: "work a job loses per time-slicing suspension (shorter than time_slice)",
        in_label: false,
    },
    Param {
        name: "kill_at_limit",
        kind: Kind::Flag,
        default: Some("false"),
        doc: "kill a job whose run reaches its requested time unfinished (state `timeout`), as Slurm and PBS enforce time limits",
        in_label: false,
    },
];

/// The order in which `[policy]` keys are written back (the order of the scenario format
/// before parameters moved to their parts, so echoed scenarios and sweep digests stay as they
/// were); keys not listed follow in name order.
const KEY_ORDER: [&str; 14] = [
    "name",
    "queue",
    "placement",
    "backfill",
    "backfill_depth",
    "preemption",
    "share_by",
    "tickets",
    "queues",
    "grace",
    "max_preemptions",
    "time_slice",
    "switch_overhead",
    "kill_at_limit",
];

/// Where `key` goes among the keys written back.
fn key_rank(key: &str) -> (usize, &str) {
    (KEY_ORDER.iter().position(|k| *k == key).unwrap_or(KEY_ORDER.len()), key)
}

/// The preset of a `[policy]` table that names none.
pub const DEFAULT_PRESET: &str = "first-fit";

/// The `[policy]` table of a scenario: a preset, parts replacing the preset's, and parameters.
/// This is the scenario format's definition of `[policy]`: what the parameters mean and
/// which values they take is declared by the parts that read them ([`Registry`]).
#[derive(Clone, Debug, PartialEq)]
pub struct PolicyConfig {
    /// The preset (`clustersim policies` lists them); default [`DEFAULT_PRESET`].
    pub name: String,
    /// Queue order, replacing the preset's.
    pub queue: Option<String>,
    /// Placement, replacing the preset's.
    pub placement: Option<String>,
    /// Backfill rule, replacing the preset's.
    pub backfill: Option<String>,
    /// Preemption victim rule, replacing the preset's.
    pub preemption: Option<String>,
    /// Every other key: the parameters, as written.
    pub params: Table,
}

impl Default for PolicyConfig {
    fn default() -> Self {
        PolicyConfig::preset(DEFAULT_PRESET)
    }
}

impl PolicyConfig {
    /// The preset `name`, nothing replaced, no parameter.
    pub fn preset(name: &str) -> PolicyConfig {
        PolicyConfig {
            name: name.to_string(),
            queue: None,
            placement: None,
            backfill: None,
            preemption: None,
            params: Table::new(),
        }
    }

    /// Sets the parameter `key`; returns the config, so one can be written as one expression.
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> PolicyConfig {
        self.params.set(key, value);
        self
    }

    /// The part written for `key` (one of [`PART_KEYS`]).
    fn part(&self, key: &str) -> Option<&str> {
        match key {
            "queue" => self.queue.as_deref(),
            "placement" => self.placement.as_deref(),
            "backfill" => self.backfill.as_deref(),
            _ => self.preemption.as_deref(),
        }
    }
}

impl Serialize for PolicyConfig {
    /// The keys in `KEY_ORDER`, parts not written left out.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut keys: Vec<(&str, Value)> = vec![("name", Value::Text(self.name.clone()))];
        keys.extend(
            PART_KEYS
                .iter()
                .filter_map(|&k| self.part(k).map(|name| (k, Value::from(name)))),
        );
        keys.extend(self.params.iter().map(|(k, v)| (k, v.clone())));
        keys.sort_by_key(|&(k, _)| key_rank(k));
        let mut map = serializer.serialize_map(Some(keys.len()))?;
        for (k, v) in &keys {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for PolicyConfig {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<PolicyConfig, D::Error> {
        struct ConfigVisitor;
        impl<'de> Visitor<'de> for ConfigVisitor {
            type Value = PolicyConfig;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a [policy] table")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<PolicyConfig, A::Error> {
                let mut config = PolicyConfig::default();
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "name" => config.name = map.next_value()?,
                        "queue" => config.queue = Some(map.next_value()?),
                        "placement" => config.placement = Some(map.next_value()?),
                        "backfill" => config.backfill = Some(map.next_value()?),
                        "preemption" => config.preemption = Some(map.next_value()?),
                        _ => {
                            let value: Value = map.next_value()?;
                            config.params.set(&key, value);
                        }
                    }
                }
                Ok(config)
            }
        }
        deserializer.deserialize_map(ConfigVisitor)
    }
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
    /// An error about `key`.
    pub fn new(key: impl Into<String>, message: impl Into<String>) -> ConfigError {
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

/// Time-slicing settings, checked.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SlicingSpec {
    /// Run time after which a job may be suspended for a waiting job of equal priority.
    pub slice: SimTime,
    /// Work lost per suspension.
    pub overhead: SimTime,
}

/// A policy with every part chosen and every parameter checked: what [`crate::resolve`] builds.
#[derive(Clone, Debug)]
pub struct PolicySpec {
    /// The name in outputs and error messages: the preset, then any replaced parts (and
    /// parameters shown in names) in brackets (`first-fit[queue=drf,backfill=easy]`).
    pub label: String,
    /// Queue order.
    pub queue: QueueOrderPart,
    /// Placement.
    pub placement: PlacementPart,
    /// Backfill rule.
    pub backfill: BackfillPart,
    /// Preemption victim rule.
    pub preemption: PreemptionPart,
    /// Every parameter, checked, defaults filled in for the chosen parts.
    pub params: Params,
    /// How many blocked jobs get a reservation (`None` without backfilling; `usize::MAX` for
    /// all).
    pub backfill_depth: Option<usize>,
    /// Time slicing, when on.
    pub slicing: Option<SlicingSpec>,
    /// Whether a job reaching its requested time unfinished is killed (the engine's rule).
    pub kill_at_limit: bool,
    /// The `[policy]` table it was resolved from, every value in its canonical form (durations
    /// as `"2h"`, numbers as numbers, tables sorted, empty ones left out): what a scenario
    /// echoes.
    pub config: PolicyConfig,
}

impl PolicySpec {
    /// What its queue order shares the cluster among: `"user"` or `"queue"` (the trace's
    /// columns) for the fair orders (`drf`, `lottery` by their `share_by`, `fair-share` by
    /// queue), `None` for the others. With one user or queue in the workload such an order is
    /// arrival order.
    pub fn shares_by(&self) -> Option<&'static str> {
        match self.queue.info.name {
            "drf" | "lottery" => match self.params.choice("share_by") {
                Some("queue") => Some("queue"),
                _ => Some("user"),
            },
            "fair-share" => Some("queue"),
            _ => None,
        }
    }

    /// The built-in preset called `name` with nothing replaced.
    pub fn preset(name: &str) -> Result<PolicySpec, ConfigError> {
        PolicySpec::from_config(&PolicyConfig::preset(name))
    }

    /// Checks a `[policy]` table against the built-in parts ([`Registry::builtin`]).
    pub fn from_config(config: &PolicyConfig) -> Result<PolicySpec, ConfigError> {
        Registry::builtin().spec(config)
    }

    /// The fair-share tree and quotas, in name order.
    pub fn queues(&self) -> &[QueueSpec] {
        self.params.queues("queues")
    }

    /// Every duration the scenario wrote, by key, in the order written back (times a run must
    /// be able to reach).
    pub fn durations(&self) -> impl Iterator<Item = (&str, SimTime)> {
        self.config
            .params
            .iter()
            .filter_map(|(key, _)| match self.params.get(key) {
                Some(Setting::Duration(span)) => Some((key, *span)),
                _ => None,
            })
    }
}

impl Registry {
    /// Why `name` is no preset: the nearest preset's name, or, for the textbook names of the
    /// first-come-first-served order (`fcfs`, `fifo`), the presets that are it.
    fn unknown_preset(&self, name: &str) -> String {
        let presets = self.presets().iter().map(|p| p.name);
        if ["fcfs", "fifo"].contains(&name.to_ascii_lowercase().as_str()) {
            let known = presets.collect::<Vec<_>>().join(", ");
            return format!(
                "unknown policy `{name}` (first come, first served without backfilling is the `fifo` \
                 queue of the placement presets: `first-fit`, `best-fit` and the others); known: {known}"
            );
        }
        unknown_name("policy", name, presets)
    }

    /// Checks a `[policy]` table and resolves the preset, the parts and the parameters. A name
    /// written as runs label their policy (`drf[backfill=easy,placement=first-fit]`) is the
    /// preset with those parts and parameters replaced, as if the table gave them.
    pub fn spec(&self, config: &PolicyConfig) -> Result<PolicySpec, ConfigError> {
        if let Some(expanded) = expand_label(config)? {
            return self.spec(&expanded);
        }
        let preset = self
            .preset(&config.name)
            .ok_or_else(|| ConfigError::new("name", self.unknown_preset(&config.name)))?;
        let mut replaced = Vec::new();
        let queue = choose(self.queue_orders(), config, preset.queue, &mut replaced)?;
        let placement = choose(self.placements(), config, preset.placement, &mut replaced)?;
        let backfill = choose(self.backfills(), config, preset.backfill, &mut replaced)?;
        let preemption = choose(self.preemptions(), config, preset.preemption, &mut replaced)?;
        let mut params = Params::default();
        let mut canonical = PolicyConfig {
            params: Table::new(),
            ..config.clone()
        };
        for (key, value) in config.params.iter() {
            let Some(param) = self.declarations().find(|p| p.name == key) else {
                let keys = self.keys();
                return Err(ConfigError::new(
                    key,
                    unknown_key(key, "policy", keys.iter().map(String::as_str)),
                ));
            };
            let checked = param.kind.check(key, value, param.default)?;
            params.insert(key, checked.setting);
            if let Some(value) = checked.canonical {
                canonical.params.set(key, value);
            }
        }
        canonical.params.sort_by(|a, b| key_rank(a).cmp(&key_rank(b)));
        let chosen = [
            (queue.info, queue.info.name == preset.queue),
            (placement.info, placement.info.name == preset.placement),
            (backfill.info, backfill.info.name == preset.backfill),
            (preemption.info, preemption.info.name == preset.preemption),
        ];
        let mut unset: BTreeMap<&str, Setting> = BTreeMap::new();
        for (info, own) in chosen {
            for param in info.params {
                let preset_value = own
                    .then(|| preset.params.iter().find(|(name, _)| *name == param.name))
                    .flatten()
                    .map(|&(_, literal)| literal);
                if let Some(literal) = preset_value.or(param.default) {
                    unset.insert(param.name, literal_setting(param, literal));
                }
                if param.in_label
                    && let Some(written) = params.get(param.name)
                    && unset.get(param.name) != Some(written)
                {
                    replaced.push(format!("{}={written}", param.name));
                }
            }
        }
        for param in POLICY_PARAMS {
            if let Some(literal) = param.default {
                unset.insert(param.name, literal_setting(param, literal));
            }
        }
        for (name, setting) in unset {
            if params.get(name).is_none() {
                params.insert(name, setting);
            }
        }
        let label = if replaced.is_empty() {
            preset.name.to_string()
        } else {
            format!("{}[{}]", preset.name, replaced.join(","))
        };
        Ok(PolicySpec {
            label,
            backfill_depth: (backfill.build)(&params),
            slicing: slicing_spec(&params)?,
            kill_at_limit: params.flag("kill_at_limit").unwrap_or(false),
            queue,
            placement,
            backfill,
            preemption,
            params,
            config: canonical,
        })
    }

    /// Every key `[policy]` accepts, in the order they are written back.
    fn keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = std::iter::once("name")
            .chain(PART_KEYS)
            .chain(self.declarations().map(|p| p.name))
            .map(str::to_string)
            .collect();
        keys.sort_by(|a, b| key_rank(a).cmp(&key_rank(b)));
        keys.dedup();
        keys
    }
}

/// `config` with a name written as a label (`preset[key=value,…]`) turned into the preset and
/// the keys it sets; `None` for a plain name. A key the table gives too, with another value, is
/// an error: the two would contradict each other.
fn expand_label(config: &PolicyConfig) -> Result<Option<PolicyConfig>, ConfigError> {
    let Some((preset, list)) = config.name.strip_suffix(']').and_then(|n| n.split_once('[')) else {
        return Ok(None);
    };
    let mut expanded = PolicyConfig {
        name: preset.trim().to_string(),
        ..config.clone()
    };
    for item in list.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        let Some((key, value)) = item.split_once('=').map(|(k, v)| (k.trim(), v.trim())) else {
            return Err(ConfigError::new(
                "name",
                format!(
                    "`{item}` in `{}`: expected key=value (a name is a preset, or a preset with parts and \
                     parameters replaced, as runs label it: `drf[backfill=easy,placement=first-fit]`)",
                    config.name
                ),
            ));
        };
        let twice = || {
            ConfigError::new(
                key,
                format!("given in the name `{}` and as policy.{key}, differently", config.name),
            )
        };
        let part = match key {
            "queue" => Some(&mut expanded.queue),
            "placement" => Some(&mut expanded.placement),
            "backfill" => Some(&mut expanded.backfill),
            "preemption" => Some(&mut expanded.preemption),
            _ => None,
        };
        match part {
            Some(slot) if slot.as_deref().is_some_and(|v| v != value) => return Err(twice()),
            Some(slot) => *slot = Some(value.to_string()),
            None if expanded.params.get(key).is_some_and(|v| *v != Value::literal(value)) => return Err(twice()),
            None => expanded.params.set(key, Value::literal(value)),
        }
    }
    Ok(Some(expanded))
}

/// The setting of a registered (hence valid) literal.
fn literal_setting(param: &Param, literal: &str) -> Setting {
    param
        .kind
        .check(param.name, &Value::literal(literal), None)
        .expect("the registry checks defaults and preset values")
        .setting
}

/// The part written in the scenario, or the preset's; a written part other than the preset's
/// goes into the name.
fn choose<T: Registered>(
    parts: &[T],
    config: &PolicyConfig,
    preset: &str,
    replaced: &mut Vec<String>,
) -> Result<T, ConfigError> {
    let Some(name) = config.part(T::KEY) else {
        return Ok(find(parts, preset).expect("the registry checks the parts of its presets"));
    };
    let part = find(parts, name)
        .ok_or_else(|| ConfigError::new(T::KEY, unknown_name(T::KEY, name, parts.iter().map(|p| p.info().name))))?;
    if name != preset {
        replaced.push(format!("{}={name}", T::KEY));
    }
    Ok(part)
}

fn slicing_spec(params: &Params) -> Result<Option<SlicingSpec>, ConfigError> {
    let Some(slice) = params.duration("time_slice") else {
        return Ok(None);
    };
    if slice == SimTime::ZERO {
        return Err(ConfigError::new("time_slice", "must be longer than zero"));
    }
    let overhead = params.duration("switch_overhead").unwrap_or(SimTime::ZERO);
    if overhead >= slice {
        return Err(ConfigError::new(
            "switch_overhead",
            "must be shorter than time_slice (a slice would make no progress)",
        ));
    }
    Ok(Some(SlicingSpec { slice, overhead }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(name: &str) -> PolicyConfig {
        PolicyConfig::preset(name)
    }

    fn names(spec: &PolicySpec) -> [&str; 4] {
        [
            spec.queue.info.name,
            spec.placement.info.name,
            spec.backfill.info.name,
            spec.preemption.info.name,
        ]
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
        assert_eq!(names(&spec), ["drf", "first-fit", "easy", "none"]);
        // first-fit is the preset's own placement: not listed as replaced.
        assert_eq!(spec.label, "first-fit[queue=drf,backfill=easy]");
        let preset = PolicySpec::preset("priority-preempt").unwrap();
        assert_eq!(preset.label, "priority-preempt");
        assert_eq!(preset.preemption.info.name, "least-progress");
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
        let eight = spec(config("easy-backfill").with("backfill_depth", 8u32));
        assert_eq!(
            (eight.backfill_depth, eight.label.as_str()),
            (Some(8), "easy-backfill[backfill_depth=8]")
        );
        // The preset's own value written again changes nothing; on another rule it is a change.
        let same = spec(config("easy-backfill-4").with("backfill_depth", 4u32));
        assert_eq!(same.label, "easy-backfill-4");
        let conservative = spec(PolicyConfig {
            backfill: Some("conservative".into()),
            ..config("easy-backfill-4").with("backfill_depth", 4u32)
        });
        assert_eq!(
            conservative.label,
            "easy-backfill-4[backfill=conservative,backfill_depth=4]"
        );
        // A depth without backfilling has nothing to limit.
        let ignored = spec(config("best-fit").with("backfill_depth", 8u32));
        assert_eq!((ignored.backfill_depth, ignored.label.as_str()), (None, "best-fit"));
        let zero = PolicySpec::from_config(&config("easy-backfill").with("backfill_depth", 0u32)).unwrap_err();
        assert_eq!(zero.key, "backfill_depth");
    }

    #[test]
    fn a_label_is_a_name_for_the_policy_it_labels() {
        let spec = |c: PolicyConfig| PolicySpec::from_config(&c).unwrap();
        // Every label above, given back as a name, is the same policy under the same label.
        for label in [
            "first-fit[queue=drf,backfill=easy]",
            "easy-backfill[backfill_depth=8]",
            "easy-backfill-4[backfill=conservative,backfill_depth=4]",
        ] {
            let named = spec(config(label));
            assert_eq!(named.label, label);
        }
        let named = spec(config("drf[backfill=easy, placement=first-fit]"));
        let table = spec(PolicyConfig {
            backfill: Some("easy".into()),
            placement: Some("first-fit".into()),
            ..config("drf")
        });
        assert_eq!(named.label, table.label);
        assert_eq!(
            named.config, table.config,
            "the scenario echoes the preset and its parts"
        );
        assert_eq!(
            (
                named.queue.info.name,
                named.placement.info.name,
                named.backfill.info.name
            ),
            ("drf", "first-fit", "easy")
        );
        // What the table gives too must agree; an item that is no key=value is refused.
        let err = |c: PolicyConfig| PolicySpec::from_config(&c).unwrap_err();
        let clash = err(PolicyConfig {
            backfill: Some("conservative".into()),
            ..config("drf[backfill=easy]")
        });
        assert_eq!(clash.key, "backfill");
        assert!(
            clash
                .message
                .contains("given in the name `drf[backfill=easy]` and as policy.backfill")
        );
        let agree = spec(PolicyConfig {
            backfill: Some("easy".into()),
            ..config("drf[backfill=easy]")
        });
        assert_eq!(agree.label, "drf[backfill=easy]");
        assert!(
            err(config("drf[easy]"))
                .message
                .starts_with("`easy` in `drf[easy]`: expected key=value")
        );
        assert!(
            err(config("drf[backfill=eazy]"))
                .message
                .contains("did you mean `easy`?")
        );
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
        let e = err(config("gang")
            .with("time_slice", SimTime::from_secs(10))
            .with("switch_overhead", SimTime::from_secs(10)));
        assert_eq!(e.key, "switch_overhead");
        let e = err(config("first-fit").with("backfil", "easy"));
        assert!(
            e.to_string().starts_with(
                "backfil: unknown key `backfil` in [policy] (did you mean `backfill`?); valid keys: name, queue, placement, backfill, backfill_depth, preemption, share_by,"
            ),
            "{e}"
        );
        let e = err(config("first-fit").with("grace", 5u32));
        assert_eq!(
            e.to_string(),
            "grace: expected a duration string such as \"90s\", \"15m\", \"4h\" or \"7d\", found 5"
        );
        let queues = |tree: Table| config("fair-share").with("queues", tree);
        let e = err(queues(
            Table::new()
                .with("a", Table::new().with("parent", "b"))
                .with("b", Table::new().with("parent", "a")),
        ));
        assert_eq!(e.to_string(), "queues.a.parent: the queue would be its own ancestor");
        let e = err(queues(
            Table::new()
                .with("a", Table::new().with("parent", "c"))
                .with("b", Table::new().with("weight", 0.0)),
        ));
        assert_eq!(e.key, "queues.a.parent");
        let e = err(queues(Table::new().with("b", Table::new().with("weight", 0.0))));
        assert_eq!(e.to_string(), "queues.b.weight: must be a number > 0, got 0");
        let e = err(queues(Table::new().with("b", Table::new().with("quota", 3u32))));
        assert_eq!(
            e.to_string(),
            "queues.b.quota: unknown key `quota` in [policy.queues.b] (did you mean `quota_gpus`?); valid keys: parent, weight, quota_gpus"
        );
    }

    #[test]
    fn the_canonical_table_writes_values_as_their_kind_does() {
        let written = config("gang")
            .with("time_slice", "120m")
            .with("kill_at_limit", false)
            .with("tickets", Table::new().with("zed", 1u32).with("amy", 2u32))
            .with(
                "queues",
                Table::new().with("q", Table::new().with("quota_gpus", 8u32).with("weight", 2u32)),
            );
        let spec = PolicySpec::from_config(&written).unwrap();
        let expected = config("gang")
            .with("tickets", Table::new().with("amy", 2u32).with("zed", 1u32))
            .with(
                "queues",
                Table::new().with("q", Table::new().with("weight", 2.0).with("quota_gpus", 8.0)),
            )
            .with("time_slice", "2h");
        assert_eq!(spec.config, expected);
        assert_eq!(spec.slicing.map(|s| s.slice), Some(SimTime::from_secs(7200)));
        assert_eq!(spec.queues()[0].quota_milli, Some(8000));
    }
}
