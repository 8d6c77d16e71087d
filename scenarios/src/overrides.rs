//! `--set KEY=VALUE`: changing any scenario key from the command line.

use crate::error::ScenarioError;

/// One override: a dotted key path and a TOML value.
#[derive(Clone, Debug, PartialEq)]
pub struct Override {
    /// `policy.name` → `["policy", "name"]`.
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
    /// A key with an empty part (`a..b`, `.x`): the key as given.
    #[error("`{0}` is not a dotted key such as policy.name")]
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
        if path.iter().any(String::is_empty) {
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

/// Writes each override into `table`, creating tables on the way.
pub(crate) fn apply(table: &mut toml::Table, overrides: &[Override]) -> Result<(), ScenarioError> {
    for o in overrides {
        let (last, parents) = o.path.split_last().expect("paths are never empty");
        let mut here = &mut *table;
        for (depth, part) in parents.iter().enumerate() {
            let entry = here
                .entry(part.clone())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            here = entry.as_table_mut().ok_or_else(|| {
                ScenarioError::Input(format!(
                    "--set {}: `{}` is a value, not a table",
                    o.text,
                    o.path[..=depth].join(".")
                ))
            })?;
        }
        here.insert(last.clone(), o.value.clone());
    }
    Ok(())
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
}
