//! No float key of a scenario may be NaN or infinite: one walk over the whole scenario (every
//! section, `--set` overrides and sweep grid values included), so a key added later is covered
//! without being listed.

use crate::error::{OutOfRange, ScenarioError};
use crate::load::{Site, locate};
use crate::schema::Scenario;

/// Refuses the first NaN or infinite float of `scenario`, naming its key.
pub(crate) fn check(scenario: &Scenario, site: &Site<'_>) -> Result<(), ScenarioError> {
    let value = toml::Value::try_from(scenario).expect("a scenario always serializes to TOML values");
    let mut path = Vec::new();
    match first_non_finite(&value, &mut path) {
        None => Ok(()),
        Some(found) => {
            let (section, key) = section_and_key(&path);
            // A key of an inline table (a sweep grid's `{ "fabric.x" = [...] }`) has no line of
            // its own: the line of the key holding the table stands for it.
            let line = locate(site.text, &section, &key).or_else(|| {
                let (parent, holder) = section.rsplit_once('.').unwrap_or(("", section.as_str()));
                locate(site.text, parent, holder)
            });
            let path_text = if section.is_empty() {
                key.clone()
            } else {
                format!("{section}.{key}")
            };
            Err(ScenarioError::from(OutOfRange {
                place: site.place_of(&path_text, line),
                key: dotted(&path),
                value: found.to_string(),
                accepted: "give a finite number (NaN and infinities are never accepted)".into(),
            }))
        }
    }
}

/// The first NaN or infinity in `value` (depth first, keys in order), leaving its path in `path`.
fn first_non_finite(value: &toml::Value, path: &mut Vec<String>) -> Option<f64> {
    match value {
        toml::Value::Float(f) if !f.is_finite() => Some(*f),
        toml::Value::Table(table) => table.iter().find_map(|(key, v)| {
            path.push(key.clone());
            let found = first_non_finite(v, path);
            if found.is_none() {
                path.pop();
            }
            found
        }),
        toml::Value::Array(items) => items.iter().enumerate().find_map(|(i, v)| {
            path.push(format!("[{i}]"));
            let found = first_non_finite(v, path);
            if found.is_none() {
                path.pop();
            }
            found
        }),
        _ => None,
    }
}

/// A path as written in messages: `faults.causes[0].rate_per_day`, indices after their array.
fn dotted(path: &[String]) -> String {
    path.iter().fold(String::new(), |mut out, part| {
        if !out.is_empty() && !part.starts_with('[') {
            out.push('.');
        }
        out.push_str(part);
        out
    })
}

/// The `[section]` and key to look up for a path (`faults`, `random`, `[0]`, `shape` → `faults.random`,
/// `shape`; an inline table's key → the key that holds the table).
fn section_and_key(path: &[String]) -> (String, String) {
    let named: Vec<&str> = path
        .iter()
        .map(String::as_str)
        .filter(|p| !p.starts_with('['))
        .collect();
    match named.split_last() {
        Some((key, parents)) => (parents.join("."), (*key).to_string()),
        None => (String::new(), String::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_path_of_the_first_non_finite_float_is_found() {
        let value: toml::Value = toml::from_str("a = 1.0\n[b]\nc = [1.0, inf]\n[[d]]\ne = nan\n").unwrap();
        let mut path = Vec::new();
        assert_eq!(first_non_finite(&value, &mut path), Some(f64::INFINITY));
        assert_eq!(path, ["b", "c", "[1]"]);
        assert_eq!(section_and_key(&path), ("b".to_string(), "c".to_string()));
        assert_eq!(dotted(&path), "b.c[1]");
        let mut path = Vec::new();
        let finite: toml::Value = toml::from_str("a = 1.0\n").unwrap();
        assert_eq!(first_non_finite(&finite, &mut path), None);
        assert!(path.is_empty());
    }
}
