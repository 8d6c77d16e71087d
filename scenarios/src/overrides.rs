//! `--set KEY=VALUE`: changing any scenario key from the command line.

use crate::error::ScenarioError;

/// One override: a dotted key path and a TOML value.
#[derive(Clone, Debug, PartialEq)]
pub struct Override {
    /// `policy.name` → `["policy", "name"]`; `faults.causes[0].rate_per_day` →
    /// `["faults", "causes[0]", "rate_per_day"]` (entry 0 of the array of tables).
    pub path: Vec<String>,
    /// The value; text that is not valid TOML (`drf`) is taken as a string.
    pub value: toml::Value,
    /// The flag as written, for error messages.
    pub text: String,
}

/// Why a `--set` flag is not an override.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BadOverride {
    /// No `=`: the flag as given.
    #[error("`{0}` is not KEY=VALUE")]
    NotKeyValue(String),
    /// A key with an empty part (`a..b`, `.x`) or a malformed index (`causes[x]`): the key as
    /// given.
    #[error("`{0}` is not a dotted key such as policy.name or faults.causes[0].rate_per_day")]
    NotDottedKey(String),
}

impl std::str::FromStr for Override {
    type Err = BadOverride;

    /// Parses `KEY=VALUE`; VALUE is read as TOML (`4`, `true`, `"x"`, `[1, 2]`), else as a string.
    fn from_str(text: &str) -> Result<Override, BadOverride> {
        let (key, raw) = text
            .split_once('=')
            .ok_or_else(|| BadOverride::NotKeyValue(text.to_string()))?;
        let path: Vec<String> = key.trim().split('.').map(|p| p.trim().to_string()).collect();
        let malformed = |p: &String| p.is_empty() || (p.contains(['[', ']']) && indexed(p).is_none());
        if path.iter().any(malformed) {
            return Err(BadOverride::NotDottedKey(key.to_string()));
        }
        let raw = raw.trim();
        let value = toml::from_str::<toml::Table>(&format!("v = {raw}"))
            .ok()
            .and_then(|mut t| t.remove("v"))
            .unwrap_or_else(|| toml::Value::String(raw.to_string()));
        Ok(Override {
            path,
            value,
            text: text.to_string(),
        })
    }
}

/// Writes each override into `table`, creating tables on the way. A part `name[i]` is entry
/// `i` of the array `name` (an array of tables such as `[[faults.causes]]`), which must exist.
pub(crate) fn apply(table: &mut toml::Table, overrides: &[Override]) -> Result<(), ScenarioError> {
    for o in overrides {
        let (last, parents) = o.path.split_last().expect("paths are never empty");
        let mut here = &mut *table;
        for (depth, part) in parents.iter().enumerate() {
            let entry = match indexed(part) {
                Some((name, index)) => entry_of(here, name, index, o, depth)?,
                None => here
                    .entry(part.clone())
                    .or_insert_with(|| toml::Value::Table(toml::Table::new())),
            };
            here = entry.as_table_mut().ok_or_else(|| {
                ScenarioError::Input(format!(
                    "--set {}: `{}` is a value, not a table",
                    o.text,
                    o.path[..=depth].join(".")
                ))
            })?;
        }
        match indexed(last) {
            Some((name, index)) => *entry_of(here, name, index, o, parents.len())? = o.value.clone(),
            None => {
                here.insert(last.clone(), o.value.clone());
            }
        }
    }
    Ok(())
}

/// The array name and index of a key part `name[index]`, if it is one.
fn indexed(part: &str) -> Option<(&str, usize)> {
    let (name, rest) = part.split_once('[')?;
    let index = rest.strip_suffix(']')?;
    let digits = !index.is_empty() && index.bytes().all(|b| b.is_ascii_digit());
    (digits && !name.is_empty())
        .then(|| Some((name, index.parse().ok()?)))
        .flatten()
}

/// Entry `index` of the array `name` in `table`, for override `o` at path part `depth`.
fn entry_of<'t>(
    table: &'t mut toml::Table,
    name: &str,
    index: usize,
    o: &Override,
    depth: usize,
) -> Result<&'t mut toml::Value, ScenarioError> {
    let array = o.path[..depth]
        .iter()
        .map(String::as_str)
        .chain(std::iter::once(name))
        .collect::<Vec<_>>()
        .join(".");
    let fail = |reason: String| ScenarioError::Input(format!("--set {}: {reason}", o.text));
    match table.get_mut(name) {
        None => Err(fail(format!("there is no `{array}` to take entry [{index}] of"))),
        Some(toml::Value::Array(entries)) => {
            let count = entries.len();
            entries.get_mut(index).ok_or_else(|| {
                fail(format!(
                    "`{array}` has {count} entr{} ({}); there is no [{index}]",
                    if count == 1 { "y" } else { "ies" },
                    match count {
                        0 => "none to set".to_string(),
                        1 => "[0]".to_string(),
                        n => format!("[0] to [{}]", n - 1),
                    }
                ))
            })
        }
        Some(_) => Err(fail(format!("`{array}` is not a list, so it has no entry [{index}]"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_toml_or_strings() {
        let o: Override = "policy.name=drf".parse().unwrap();
        assert_eq!(o.path, vec!["policy", "name"]);
        assert_eq!(o.value, toml::Value::String("drf".into()));
        let o: Override = "cluster.racks = 4".parse().unwrap();
        assert_eq!(o.value, toml::Value::Integer(4));
        let o: Override = "horizon=\"2h\"".parse().unwrap();
        assert_eq!(o.value, toml::Value::String("2h".into()));
        assert_eq!(
            "nokey".parse::<Override>(),
            Err(BadOverride::NotKeyValue("nokey".into()))
        );
        assert_eq!(
            "a..b=1".parse::<Override>(),
            Err(BadOverride::NotDottedKey("a..b".into()))
        );
    }

    #[test]
    fn apply_creates_tables_and_refuses_to_descend_into_values() {
        let mut table: toml::Table = toml::from_str("name = \"x\"").unwrap();
        apply(&mut table, &["policy.name=best-fit".parse().unwrap()]).unwrap();
        assert_eq!(table["policy"]["name"].as_str(), Some("best-fit"));
        let err = apply(&mut table, &["name.x=1".parse().unwrap()]).unwrap_err();
        assert_eq!(err.to_string(), "--set name.x=1: `name` is a value, not a table");
    }

    #[test]
    fn an_index_sets_an_entry_of_an_array_of_tables() {
        let mut table: toml::Table =
            toml::from_str("[[faults.causes]]\nname = \"a\"\nrate = 1\n[[faults.causes]]\nname = \"b\"\nrate = 2\n")
                .unwrap();
        apply(&mut table, &["faults.causes[1].rate=5".parse().unwrap()]).unwrap();
        let causes = table["faults"]["causes"].as_array().unwrap();
        assert_eq!(
            (causes[0]["rate"].as_integer(), causes[1]["rate"].as_integer()),
            (Some(1), Some(5))
        );
        // A whole entry may be replaced too.
        apply(
            &mut table,
            &["faults.causes[0]={ name = \"c\", rate = 3 }".parse().unwrap()],
        )
        .unwrap();
        assert_eq!(table["faults"]["causes"][0]["name"].as_str(), Some("c"));
        let error = |flag: &str| {
            let mut copy = table.clone();
            apply(&mut copy, &[flag.parse().unwrap()]).unwrap_err().to_string()
        };
        assert_eq!(
            error("faults.causes[2].rate=1"),
            "--set faults.causes[2].rate=1: `faults.causes` has 2 entries ([0] to [1]); there is no [2]"
        );
        assert_eq!(
            error("faults.incident[0].at=1"),
            "--set faults.incident[0].at=1: there is no `faults.incident` to take entry [0] of"
        );
        assert_eq!(
            error("faults.causes[0].name[0]=1"),
            "--set faults.causes[0].name[0]=1: `faults.causes[0].name` is not a list, so it has no entry [0]"
        );
        for bad in [
            "faults.causes[x].rate=1",
            "faults.causes[].rate=1",
            "faults.[0].rate=1",
            "a]b=1",
        ] {
            assert!(
                matches!(bad.parse::<Override>(), Err(BadOverride::NotDottedKey(_))),
                "{bad}"
            );
        }
    }
}
