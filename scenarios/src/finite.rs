//! No float key of a scenario may be NaN or infinite: one walk over the whole scenario (every
//! section, `--set` overrides and sweep grid values included), so a key added later is covered
//! without being listed.

use crate::error::{OutOfRange, ScenarioError};
use crate::faults_build::locate_nth;
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
            let line = entry_line(site.text, &path)
                .or_else(|| locate(site.text, &section, &key))
                .or_else(|| {
                    let (parent, holder) = section.rsplit_once('.').unwrap_or(("", section.as_str()));
                    locate(site.text, parent, holder)
                });
            Err(ScenarioError::from(OutOfRange {
                place: site.place_of(&dotted(&path), line),
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

/// The line of a key of an entry of an array of tables (`faults`, `random`, `[1]`, `shape`: the
/// `shape` of the second `[[faults.random]]`); `None` for other paths.
fn entry_line(text: &str, path: &[String]) -> Option<usize> {
    let at = path.iter().position(|p| p.starts_with('['))?;
    let index = path[at].trim_matches(['[', ']']).parse().ok()?;
    let key = path.get(at + 1)?;
    locate_nth(text, &path[..at].join("."), index, key)
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

    /// The second `[[faults.random]]`'s NaN shape is on line 9, not on the first entry's line 5
    /// (as a lookup by section and key alone found it); given by a flag, the flag is named.
    #[test]
    fn a_non_finite_key_of_an_array_of_tables_is_placed_in_its_own_entry() {
        let text = "name = \"t\"\n[cluster]\nracks = 1\n[[faults.random]]\nshape = 0.7\ncomponent = \"node\"\n\
                    [[faults.random]]\ncomponent = \"gpu\"\nshape = nan\n";
        let path: Vec<String> = ["faults", "random", "[1]", "shape"].map(String::from).into();
        assert_eq!(entry_line(text, &path), Some(9));
        assert_eq!(entry_line(text, &["b", "c", "[1]"].map(String::from)), None);
        let base = "name = \"t\"\n[cluster]\nracks = 1\nnodes_per_rack = 2\nnode = { gpus = 4, gpu_type = \"A100\" }\n\
                    [workload]\ntrace = \"t.csv\"\n";
        let entry = |component: &str, shape: &str| {
            format!(
                "[[faults.random]]\ncomponent = \"{component}\"\nmtbf = \"264d\"\nshape = {shape}\nmttr = \"22h\"\n"
            )
        };
        let file = format!("{base}{}{}", entry("node", "0.7"), entry("gpu", "nan"));
        let err = crate::load::load_str(&file, "s.toml", None, &[])
            .unwrap_err()
            .to_string();
        // Seven lines of base, five of the first entry; the second's header is line 13, its shape 16.
        assert!(err.starts_with("s.toml:16: faults.random[1].shape: NaN"), "{err}");
        let flag: crate::overrides::Override = "faults.random[1].shape=nan".parse().unwrap();
        let fine = file.replace("shape = nan", "shape = 0.8");
        let err = crate::load::load_str(&fine, "s.toml", None, &[flag])
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("s.toml with --set faults.random[1].shape=nan: faults.random[1].shape: NaN"),
            "{err}"
        );
    }

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
