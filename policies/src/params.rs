//! Parameters: what a part declares ([`Param`], [`Kind`]), what a scenario writes ([`Value`],
//! [`Table`]) and what a part's factory receives once every value is checked ([`Params`]).
//!
//! A part declares each parameter it reads with a name, a kind, a default and one line of
//! documentation. The `[policy]` table is checked against the declarations of every registered
//! part: a key nobody declares is an error naming the nearest declared one, a value of the wrong
//! kind is an error naming its key. The factory of a chosen part then reads its parameters,
//! typed and with their defaults filled in, from [`Params`].

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, Serializer};
use sim_core::time::{SimTime, format_duration, parse_duration};

use crate::spec::{ConfigError, QueueSpec};

/// One parameter a part reads from the `[policy]` table.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Param {
    /// The key under `[policy]`.
    pub name: &'static str,
    /// What values it takes.
    pub kind: Kind,
    /// The value when the scenario gives none, written as in a scenario (`"0s"`, `"user"`,
    /// `"1"`, `"false"`); `None` when the parameter then has no value (`doc` says what that
    /// means).
    pub default: Option<&'static str>,
    /// One line for listings: what it does.
    pub doc: &'static str,
    /// Whether a value set to other than the preset's (or the default) shows in the policy's
    /// name (`easy-backfill[backfill_depth=8]`).
    pub in_label: bool,
}

/// The values a parameter takes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Kind {
    /// `true` or `false`.
    Flag,
    /// A whole number from `min` to `max`.
    Count {
        /// The smallest accepted.
        min: u64,
        /// The largest accepted.
        max: u64,
    },
    /// A finite number.
    Number,
    /// A duration string (`"90s"`, `"15m"`, `"4h"`, `"7d"`).
    Duration,
    /// One of the names listed.
    Choice(&'static [&'static str]),
    /// A table of names, each with a whole number from `min` to 4,294,967,295 (`{ alice = 3 }`):
    /// at most 2³² a name, so that the sum over every name of a run fits in 64 bits.
    Counts {
        /// The smallest accepted.
        min: u64,
    },
    /// The queue tree: `[policy.queues.NAME]` tables of `parent`, `weight` (> 0) and
    /// `quota_gpus` (≥ 0), parents that exist and no cycles.
    Queues,
}

/// The keys of a `[policy.queues.NAME]` table, in the order they are written back.
const QUEUE_KEYS: [&str; 3] = ["parent", "weight", "quota_gpus"];

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Kind::Flag => f.write_str("true or false"),
            Kind::Count { min, max } if *max == u64::from(u32::MAX) => write!(f, "whole number ≥ {min}"),
            Kind::Count { min, max } => write!(f, "whole number {min}–{max}"),
            Kind::Number => f.write_str("number"),
            Kind::Duration => f.write_str("duration"),
            Kind::Choice(names) => write!(f, "{}", names.join(" | ")),
            Kind::Counts { min } => write!(f, "{{ NAME = whole number {min}–{}, … }}", u32::MAX),
            Kind::Queues => write!(f, "[policy.queues.NAME] {{ {} }}", QUEUE_KEYS.join(", ")),
        }
    }
}

/// A value as a scenario writes it (a TOML value).
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `true` or `false`.
    Flag(bool),
    /// A whole number.
    Int(i64),
    /// A number with a fraction or exponent.
    Float(f64),
    /// A string.
    Text(String),
    /// An array.
    List(Vec<Value>),
    /// A table.
    Table(Table),
}

impl Value {
    /// The value a default or preset literal stands for: a whole number, a number, `true` or
    /// `false`, else the text itself.
    pub fn literal(text: &str) -> Value {
        if let Ok(n) = text.parse::<i64>() {
            Value::Int(n)
        } else if let Ok(x) = text.parse::<f64>() {
            Value::Float(x)
        } else if let Ok(b) = text.parse::<bool>() {
            Value::Flag(b)
        } else {
            Value::Text(text.to_string())
        }
    }

    /// How the value reads in messages (`5`, `the text "x"`, `a table`).
    fn described(&self) -> String {
        match self {
            Value::Flag(b) => b.to_string(),
            Value::Int(n) => n.to_string(),
            Value::Float(x) => x.to_string(),
            Value::Text(t) => format!("the text {t:?}"),
            Value::List(_) => "an array".to_string(),
            Value::Table(_) => "a table".to_string(),
        }
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Flag(b)
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Value {
        Value::Int(n)
    }
}

impl From<u32> for Value {
    fn from(n: u32) -> Value {
        Value::Int(i64::from(n))
    }
}

impl From<f64> for Value {
    fn from(x: f64) -> Value {
        Value::Float(x)
    }
}

impl From<&str> for Value {
    fn from(text: &str) -> Value {
        Value::Text(text.to_string())
    }
}

impl From<SimTime> for Value {
    /// A duration, as its duration string.
    fn from(span: SimTime) -> Value {
        Value::Text(format_duration(span))
    }
}

impl From<Table> for Value {
    fn from(table: Table) -> Value {
        Value::Table(table)
    }
}

/// A table of values, keys in the order written.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    entries: Vec<(String, Value)>,
}

impl Table {
    /// An empty table.
    pub fn new() -> Table {
        Table::default()
    }

    /// Sets `key`, replacing its value if it has one; returns the table, so tables can be
    /// written as one expression.
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Table {
        self.set(key, value);
        self
    }

    /// Sets `key`, replacing its value if it has one.
    pub fn set(&mut self, key: &str, value: impl Into<Value>) {
        let value = value.into();
        match self.entries.iter_mut().find(|(k, _)| k == key) {
            Some(entry) => entry.1 = value,
            None => self.entries.push((key.to_string(), value)),
        }
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Every key and value, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// True when the table has no key.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Sorts the keys by `compare` (stable: equal keys keep their order).
    pub(crate) fn sort_by(&mut self, mut compare: impl FnMut(&str, &str) -> std::cmp::Ordering) {
        self.entries.sort_by(|(a, _), (b, _)| compare(a, b));
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Flag(b) => serializer.serialize_bool(*b),
            Value::Int(n) => serializer.serialize_i64(*n),
            Value::Float(x) => serializer.serialize_f64(*x),
            Value::Text(t) => serializer.serialize_str(t),
            Value::List(items) => serializer.collect_seq(items),
            Value::Table(table) => table.serialize(serializer),
        }
    }
}

impl Serialize for Table {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.entries.len()))?;
        for (k, v) in &self.entries {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Value, D::Error> {
        struct ValueVisitor;
        impl<'de> Visitor<'de> for ValueVisitor {
            type Value = Value;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a value")
            }
            fn visit_bool<E: de::Error>(self, b: bool) -> Result<Value, E> {
                Ok(Value::Flag(b))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Value, E> {
                Ok(Value::Int(n))
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Value, E> {
                i64::try_from(n)
                    .map(Value::Int)
                    .map_err(|_| E::custom(format!("{n} is too large")))
            }
            fn visit_f64<E: de::Error>(self, x: f64) -> Result<Value, E> {
                Ok(Value::Float(x))
            }
            fn visit_str<E: de::Error>(self, t: &str) -> Result<Value, E> {
                Ok(Value::Text(t.to_string()))
            }
            fn visit_string<E: de::Error>(self, t: String) -> Result<Value, E> {
                Ok(Value::Text(t))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Value::List(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Value, A::Error> {
                Table::visit(map).map(Value::Table)
            }
        }
        deserializer.deserialize_any(ValueVisitor)
    }
}

impl Table {
    /// Reads the entries of a map, in order.
    pub(crate) fn visit<'de, A: MapAccess<'de>>(mut map: A) -> Result<Table, A::Error> {
        let mut table = Table::new();
        while let Some(key) = map.next_key::<String>()? {
            let value: Value = map.next_value()?;
            table.set(&key, value);
        }
        Ok(table)
    }
}

impl<'de> Deserialize<'de> for Table {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Table, D::Error> {
        struct TableVisitor;
        impl<'de> Visitor<'de> for TableVisitor {
            type Value = Table;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a table")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Table, A::Error> {
                Table::visit(map)
            }
        }
        deserializer.deserialize_map(TableVisitor)
    }
}

/// A checked parameter value, in its kind's form.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Setting {
    Flag(bool),
    Count(u64),
    Number(f64),
    Duration(SimTime),
    Choice(String),
    Counts(BTreeMap<String, u64>),
    Queues(Vec<QueueSpec>),
}

impl fmt::Display for Setting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Setting::Flag(b) => write!(f, "{b}"),
            Setting::Count(n) => write!(f, "{n}"),
            Setting::Number(x) => write!(f, "{x}"),
            Setting::Duration(d) => f.write_str(&format_duration(*d)),
            Setting::Choice(c) => f.write_str(c),
            Setting::Counts(counts) => {
                let items: Vec<String> = counts.iter().map(|(k, n)| format!("{k}={n}")).collect();
                write!(f, "{{{}}}", items.join(","))
            }
            Setting::Queues(queues) => {
                let names: Vec<&str> = queues.iter().map(|q| q.name.as_str()).collect();
                write!(f, "{{{}}}", names.join(","))
            }
        }
    }
}

/// A checked value, and how it is written back: `None` when writing it says nothing (an empty
/// table, a flag at its default).
#[derive(Debug)]
pub(crate) struct Checked {
    pub(crate) setting: Setting,
    pub(crate) canonical: Option<Value>,
}

impl Kind {
    /// Checks `value` of the parameter `key` (dotted under `[policy]`), whose default is
    /// `default`.
    pub(crate) fn check(&self, key: &str, value: &Value, default: Option<&str>) -> Result<Checked, ConfigError> {
        let kept = |setting: Setting, canonical: Value| Checked {
            setting,
            canonical: Some(canonical),
        };
        let expected = |what: &str| ConfigError::new(key, format!("expected {what}, found {}", value.described()));
        match (*self, value) {
            (Kind::Flag, Value::Flag(b)) => Ok(Checked {
                setting: Setting::Flag(*b),
                canonical: (default != Some(if *b { "true" } else { "false" })).then_some(Value::Flag(*b)),
            }),
            (Kind::Flag, _) => Err(expected("true or false")),
            (Kind::Count { min, max }, Value::Int(n)) => match u64::try_from(*n) {
                Ok(n) if n < min && n <= max => Err(ConfigError::new(key, format!("must be at least {min}"))),
                Ok(n) if (min..=max).contains(&n) => Ok(kept(Setting::Count(n), Value::Int(n as i64))),
                _ => Err(expected(&format!("a whole number from {min} to {max}"))),
            },
            (Kind::Count { min, max }, _) => Err(expected(&format!("a whole number from {min} to {max}"))),
            (Kind::Number, Value::Int(_) | Value::Float(_)) => {
                let x = number(value);
                if !x.is_finite() {
                    return Err(expected("a finite number"));
                }
                Ok(kept(Setting::Number(x), Value::Float(x)))
            }
            (Kind::Number, _) => Err(expected("a number")),
            (Kind::Duration, Value::Text(text)) => {
                let span = parse_duration(text).map_err(|e| ConfigError::new(key, e.to_string()))?;
                Ok(kept(Setting::Duration(span), Value::Text(format_duration(span))))
            }
            (Kind::Duration, _) => Err(expected("a duration string such as \"90s\", \"15m\", \"4h\" or \"7d\"")),
            (Kind::Choice(names), Value::Text(text)) => {
                if !names.contains(&text.as_str()) {
                    return Err(ConfigError::new(
                        key,
                        crate::registry::unknown_name(key, text, names.iter().copied()),
                    ));
                }
                Ok(kept(Setting::Choice(text.clone()), value.clone()))
            }
            (Kind::Choice(names), _) => Err(expected(&format!("one of {}", names.join(", ")))),
            (Kind::Counts { min }, Value::Table(table)) => {
                let mut counts = BTreeMap::new();
                for (name, v) in table.iter() {
                    let entry = format!("{key}.{name}");
                    let count = Kind::Count {
                        min,
                        max: u64::from(u32::MAX),
                    };
                    let Setting::Count(n) = count.check(&entry, v, None)?.setting else {
                        unreachable!("a count checks to a count")
                    };
                    counts.insert(name.to_string(), n);
                }
                let mut canonical = Table::new();
                for (name, &n) in &counts {
                    canonical.set(name, Value::Int(n as i64));
                }
                Ok(Checked {
                    setting: Setting::Counts(counts),
                    canonical: (!canonical.is_empty()).then_some(Value::Table(canonical)),
                })
            }
            (Kind::Counts { .. }, _) => Err(expected("a table of names and whole numbers")),
            (Kind::Queues, Value::Table(table)) => check_queues(key, table),
            (Kind::Queues, _) => Err(expected("a table of queues")),
        }
    }
}

/// A whole number or a number, as a float.
fn number(value: &Value) -> f64 {
    match value {
        Value::Int(n) => *n as f64,
        Value::Float(x) => *x,
        _ => f64::NAN,
    }
}

/// Checks the queue tree: known keys, weights and quotas in range, parents that exist, no
/// cycles; queues in name order.
fn check_queues(key: &str, table: &Table) -> Result<Checked, ConfigError> {
    let mut queues: Vec<(&str, &Table)> = Vec::new();
    for (name, value) in table.iter() {
        let Value::Table(fields) = value else {
            return Err(ConfigError::new(
                format!("{key}.{name}"),
                format!(
                    "expected a table of {}, found {}",
                    QUEUE_KEYS.join(", "),
                    value.described()
                ),
            ));
        };
        queues.push((name, fields));
    }
    queues.sort_by_key(|&(name, _)| name);
    let parent_of = |name: &str| -> Option<&str> {
        let (_, fields) = queues.iter().find(|(n, _)| *n == name)?;
        match fields.get("parent") {
            Some(Value::Text(parent)) => Some(parent.as_str()),
            _ => None,
        }
    };
    let mut specs = Vec::with_capacity(queues.len());
    let mut canonical = Table::new();
    for &(name, fields) in &queues {
        let field_key = |field: &str| format!("{key}.{name}.{field}");
        if let Some((unknown, _)) = fields.iter().find(|(k, _)| !QUEUE_KEYS.contains(k)) {
            return Err(ConfigError::new(
                field_key(unknown),
                unknown_key(unknown, &format!("policy.{key}.{name}"), QUEUE_KEYS.iter().copied()),
            ));
        }
        let parent = match fields.get("parent") {
            None => None,
            Some(Value::Text(parent)) => Some(parent.clone()),
            Some(other) => {
                return Err(ConfigError::new(
                    field_key("parent"),
                    format!("expected a queue name, found {}", other.described()),
                ));
            }
        };
        let float = |field: &str| -> Result<Option<f64>, ConfigError> {
            match fields.get(field) {
                None => Ok(None),
                Some(v @ (Value::Int(_) | Value::Float(_))) => Ok(Some(number(v))),
                Some(other) => Err(ConfigError::new(
                    field_key(field),
                    format!("expected a number, found {}", other.described()),
                )),
            }
        };
        let written_weight = float("weight")?;
        let weight = written_weight.unwrap_or(1.0);
        if !(weight.is_finite() && weight > 0.0) {
            return Err(ConfigError::new(
                field_key("weight"),
                format!("must be a number > 0, got {weight}"),
            ));
        }
        let quota_gpus = float("quota_gpus")?;
        let quota_milli = match quota_gpus {
            None => None,
            Some(g) if g.is_finite() && g >= 0.0 => Some((g * 1000.0).round() as u64),
            Some(g) => {
                return Err(ConfigError::new(
                    field_key("quota_gpus"),
                    format!("must be a number ≥ 0, got {g}"),
                ));
            }
        };
        if let Some(parent) = &parent
            && !queues.iter().any(|(n, _)| n == parent)
        {
            return Err(ConfigError::new(
                field_key("parent"),
                crate::registry::unknown_name("queue", parent, queues.iter().map(|(n, _)| *n)),
            ));
        }
        let mut ancestor = parent.as_deref();
        for _ in 0..queues.len() {
            match ancestor {
                Some(a) if a == name => {
                    return Err(ConfigError::new(
                        field_key("parent"),
                        "the queue would be its own ancestor",
                    ));
                }
                Some(a) => ancestor = parent_of(a),
                None => break,
            }
        }
        let mut written = Table::new();
        if let Some(parent) = &parent {
            written.set("parent", parent.as_str());
        }
        if let Some(w) = written_weight {
            written.set("weight", w);
        }
        if let Some(q) = quota_gpus {
            written.set("quota_gpus", q);
        }
        canonical.set(name, written);
        specs.push(QueueSpec {
            name: name.to_string(),
            parent,
            weight,
            quota_milli,
        });
    }
    Ok(Checked {
        setting: Setting::Queues(specs),
        canonical: (!canonical.is_empty()).then_some(Value::Table(canonical)),
    })
}

/// "unknown key `k` in [table] (did you mean `…`?); valid keys: a, b, c", as the scenario
/// loader words unknown keys.
pub(crate) fn unknown_key<'a>(key: &str, table: &str, valid: impl Iterator<Item = &'a str> + Clone) -> String {
    let hint = crate::registry::nearest(key, valid.clone())
        .map(|k| format!(" (did you mean `{k}`?)"))
        .unwrap_or_default();
    let valid = valid.collect::<Vec<_>>().join(", ");
    format!("unknown key `{key}` in [{table}]{hint}; valid keys: {valid}")
}

/// The checked parameters of a policy: every value the scenario wrote, and the default (or the
/// preset's value) of every parameter of the chosen parts it did not. A part's factory reads
/// the parameters it declared from here.
///
/// A getter asked for a parameter of another kind panics: parts read only what they declare.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Params {
    settings: BTreeMap<String, Setting>,
}

impl Params {
    pub(crate) fn insert(&mut self, name: &str, setting: Setting) {
        self.settings.insert(name.to_string(), setting);
    }

    pub(crate) fn get(&self, name: &str) -> Option<&Setting> {
        self.settings.get(name)
    }

    fn wrong_kind(name: &str, kind: &str) -> ! {
        panic!("parameter `{name}` is not a {kind}: a part reads only the parameters it declares")
    }

    /// The flag `name`, if it has a value.
    pub fn flag(&self, name: &str) -> Option<bool> {
        match self.get(name)? {
            Setting::Flag(b) => Some(*b),
            _ => Self::wrong_kind(name, "flag"),
        }
    }

    /// The whole number `name`, if it has a value.
    pub fn count(&self, name: &str) -> Option<u64> {
        match self.get(name)? {
            Setting::Count(n) => Some(*n),
            _ => Self::wrong_kind(name, "count"),
        }
    }

    /// The number `name`, if it has a value.
    pub fn number(&self, name: &str) -> Option<f64> {
        match self.get(name)? {
            Setting::Number(x) => Some(*x),
            _ => Self::wrong_kind(name, "number"),
        }
    }

    /// The duration `name`, if it has a value.
    pub fn duration(&self, name: &str) -> Option<SimTime> {
        match self.get(name)? {
            Setting::Duration(d) => Some(*d),
            _ => Self::wrong_kind(name, "duration"),
        }
    }

    /// The choice `name`, if it has a value.
    pub fn choice(&self, name: &str) -> Option<&str> {
        match self.get(name)? {
            Setting::Choice(c) => Some(c),
            _ => Self::wrong_kind(name, "choice"),
        }
    }

    /// The table of counts `name`, if it has a value.
    pub fn counts(&self, name: &str) -> Option<&BTreeMap<String, u64>> {
        match self.get(name)? {
            Setting::Counts(c) => Some(c),
            _ => Self::wrong_kind(name, "table of counts"),
        }
    }

    /// The queue tree `name`, in name order (empty when it has no value).
    pub fn queues(&self, name: &str) -> &[QueueSpec] {
        match self.get(name) {
            None => &[],
            Some(Setting::Queues(q)) => q,
            Some(_) => Self::wrong_kind(name, "queue tree"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_check_by_kind_and_write_back_in_canonical_form() {
        let count = Kind::Count { min: 1, max: 10 };
        let checked = count.check("k", &Value::Int(3), None).unwrap();
        assert_eq!(checked.setting, Setting::Count(3));
        assert_eq!(
            count.check("k", &Value::Int(0), None).unwrap_err().message,
            "must be at least 1"
        );
        assert_eq!(
            count.check("k", &Value::Int(11), None).unwrap_err().message,
            "expected a whole number from 1 to 10, found 11"
        );
        let span = Kind::Duration.check("d", &Value::from("120m"), None).unwrap();
        assert_eq!(span.canonical, Some(Value::from("2h")));
        let x = Kind::Number.check("x", &Value::Int(3), None).unwrap();
        assert_eq!(x.canonical, Some(Value::Float(3.0)));
        // A flag at its default and an empty table say nothing.
        assert_eq!(
            Kind::Flag
                .check("f", &Value::Flag(false), Some("false"))
                .unwrap()
                .canonical,
            None
        );
        assert!(
            Kind::Flag
                .check("f", &Value::Flag(true), Some("false"))
                .unwrap()
                .canonical
                .is_some()
        );
        let empty = Kind::Counts { min: 1 }
            .check("t", &Value::Table(Table::new()), None)
            .unwrap();
        assert_eq!(empty.canonical, None);
        let choice = Kind::Choice(&["user", "queue"]).check("share_by", &Value::from("usr"), None);
        assert_eq!(
            choice.unwrap_err().message,
            "unknown share_by `usr` (did you mean `user`?); known: user, queue"
        );
    }

    #[test]
    fn literals_read_as_scenarios_write_them() {
        assert_eq!(Value::literal("4"), Value::Int(4));
        assert_eq!(Value::literal("0.5"), Value::Float(0.5));
        assert_eq!(Value::literal("false"), Value::Flag(false));
        assert_eq!(Value::literal("2h"), Value::from("2h"));
    }
}
