//! Reading a scenario: TOML syntax, the schema, `--set` overrides and semantic checks, each
//! error naming the file, line and key.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::ScenarioError;
use crate::overrides::{Override, apply};
use crate::schema::Scenario;
use crate::validate::validate;

/// A scenario and where it came from.
#[derive(Clone, Debug)]
pub struct LoadedScenario {
    /// The checked scenario, overrides applied.
    pub scenario: Scenario,
    /// The file name (or `embedded:…`), for messages.
    pub origin: String,
    /// The folder relative paths in the scenario are tried against first.
    pub base_dir: Option<PathBuf>,
    /// The file's text, to point at the line of a value found wrong after loading.
    pub text: String,
}

/// A scenario's text, its name for messages and its folder: a file, or `library:NAME` from the
/// embedded incident library (no folder).
pub fn read_scenario(path: &Path) -> Result<(String, String, Option<PathBuf>), ScenarioError> {
    let origin = path.display().to_string();
    if let Some(name) = origin.strip_prefix("library:") {
        let entry = crate::library::scenario(name).ok_or_else(|| {
            ScenarioError::Input(format!(
                "unknown library scenario `{name}`; the library: {} (see `clustersim scenarios`)",
                crate::library::names()
            ))
        })?;
        return Ok((entry.text.to_string(), origin, None));
    }
    let text = std::fs::read_to_string(path).map_err(|e| ScenarioError::Input(format!("{origin}: {e}")))?;
    Ok((text, origin, path.parent().map(Path::to_path_buf)))
}

/// Reads, checks and overrides a scenario file (or `library:NAME`).
pub fn load_file(path: &Path, overrides: &[Override]) -> Result<LoadedScenario, ScenarioError> {
    let (text, origin, base_dir) = read_scenario(path)?;
    load_str(&text, &origin, base_dir, overrides)
}

/// Reads, checks and overrides a scenario given as text.
pub fn load_str(
    text: &str,
    origin: &str,
    base_dir: Option<PathBuf>,
    overrides: &[Override],
) -> Result<LoadedScenario, ScenarioError> {
    let from_file = toml::from_str::<Scenario>(text);
    let scenario = if overrides.is_empty() {
        from_file.map_err(|e| toml_error(origin, text, &e))?
    } else {
        let mut table: toml::Table = toml::from_str(text).map_err(|e| toml_error(origin, text, &e))?;
        apply(&mut table, overrides)?;
        Scenario::deserialize(table).map_err(|e| match from_file {
            // The file alone is already wrong: point at the line.
            Err(file_error) => toml_error(origin, text, &file_error),
            Ok(_) => {
                let section = overrides
                    .iter()
                    .filter(|o| o.path.len() > 1)
                    .find(|o| e.message().contains(&format!("`{}`", o.path[o.path.len() - 1])))
                    .map(|o| o.path[..o.path.len() - 1].join("."));
                ScenarioError::Input(format!(
                    "{origin} with --set {}: {}",
                    overrides
                        .iter()
                        .map(|o| o.text.as_str())
                        .collect::<Vec<_>>()
                        .join(" --set "),
                    improve_message(e.message(), section.as_deref())
                ))
            }
        })?
    };
    validate(&scenario, text, origin, overrides)?;
    Ok(LoadedScenario {
        scenario,
        origin: origin.to_string(),
        base_dir,
        text: text.to_string(),
    })
}

/// Formats a TOML or schema error as `file:line:column: message`.
fn toml_error(origin: &str, text: &str, error: &toml::de::Error) -> ScenarioError {
    let start = error.span().map_or(0, |s| s.start).min(text.len());
    let line = text[..start].matches('\n').count() + 1;
    let column = start - text[..start].rfind('\n').map_or(0, |i| i + 1) + 1;
    let section = section_at(text, start);
    ScenarioError::Input(format!(
        "{origin}:{line}:{column}: {}",
        improve_message(error.message(), section.as_deref())
    ))
}

/// The table the key at byte `offset` belongs to: the `[table]` header in force there, or,
/// when the key is itself a table header, its parent (`None` for the top level).
fn section_at(text: &str, offset: usize) -> Option<String> {
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let header_name = |line: &str| line.trim().trim_matches(['[', ']']).trim().to_string();
    let line = text[line_start..].lines().next().unwrap_or_default();
    if line.trim_start().starts_with('[') {
        return header_name(line).rsplit_once('.').map(|(parent, _)| parent.to_string());
    }
    text[..line_start]
        .lines()
        .rev()
        .find(|l| l.trim_start().starts_with('['))
        .map(header_name)
}

/// Rewrites serde's "unknown field" message as "unknown key … (did you mean …?)".
fn improve_message(message: &str, section: Option<&str>) -> String {
    let Some(rest) = message.strip_prefix("unknown field `") else {
        return plain_types(message);
    };
    let Some((unknown, expected)) = rest.split_once('`') else {
        return message.to_string();
    };
    let valid: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    let place = section.map_or_else(|| "at the top level".to_string(), |s| format!("in [{s}]"));
    let nearest = valid
        .iter()
        .map(|v| (strsim::levenshtein(unknown, v), *v))
        .filter(|&(d, v)| d <= 3 || v.contains(unknown) || unknown.contains(v))
        .min()
        .map(|(_, v)| format!(" (did you mean `{v}`?)"))
        .unwrap_or_default();
    format!(
        "unknown key `{unknown}` {place}{nearest}; valid keys: {}",
        valid.join(", ")
    )
}

/// The 1-based line of `key = …` inside `[section]` (or the top level when `section` is empty),
/// or of the table header `[section.key]`.
/// A type error of serde (`invalid type: string "one", expected u32`) in plain words
/// (`expected a whole number from 0 to 4294967295, found the text "one"`); other messages as
/// they are.
fn plain_types(message: &str) -> String {
    let Some((found, expected)) = message
        .strip_prefix("invalid type: ")
        .or_else(|| message.strip_prefix("invalid value: "))
        .and_then(|rest| rest.split_once(", expected "))
    else {
        return message.to_string();
    };
    let expected = match expected {
        "u8" | "u16" | "u32" | "u64" | "usize" => {
            let max = match expected {
                "u8" => u64::from(u8::MAX),
                "u16" => u64::from(u16::MAX),
                "u32" => u64::from(u32::MAX),
                _ => u64::MAX,
            };
            format!("a whole number from 0 to {max}")
        }
        "i8" | "i16" | "i32" | "i64" | "isize" => "a whole number".to_string(),
        "f32" | "f64" => "a number".to_string(),
        "a boolean" => "true or false".to_string(),
        other => other.to_string(),
    };
    let found = if let Some(text) = found.strip_prefix("string ") {
        format!("the text {text}")
    } else if let Some((_, quoted)) = found.split_once('`') {
        quoted.trim_end_matches('`').to_string()
    } else {
        found.to_string()
    };
    format!("expected {expected}, found {found}")
}

pub(crate) fn locate(text: &str, section: &str, key: &str) -> Option<usize> {
    let mut current = String::new();
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            current = trimmed.trim_matches(['[', ']']).trim().to_string();
            if current == format!("{section}.{key}") {
                return Some(i + 1);
            }
        } else if current == section
            && trimmed
                .split_once('=')
                .is_some_and(|(k, _)| k.trim().trim_matches('"') == key)
        {
            return Some(i + 1);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "name = \"t\"\n[cluster]\nracks = 1\nnodes_per_rack = 2\nnode = { gpus = 4, gpu_type = \"A100\" }\n[workload]\ntrace = \"t.csv\"\n";

    #[test]
    fn unknown_keys_name_line_and_nearest_key() {
        let text = BASE.replace("racks = 1", "rackz = 1");
        let err = load_str(&text, "s.toml", None, &[]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "s.toml:3:1: unknown key `rackz` in [cluster] (did you mean `racks`?); valid keys: racks, nodes_per_rack, node, nodes_file, nodes_format, from_trace"
        );
        let err = load_str(&format!("{BASE}[fabrik]\nx = 1\n"), "s.toml", None, &[]).unwrap_err();
        assert!(
            err.to_string().starts_with(
                "s.toml:8:2: unknown key `fabrik` at the top level (did you mean `fabric`?); valid keys: name,"
            ),
            "{err}"
        );
    }

    #[test]
    fn type_errors_name_the_line() {
        let text = BASE.replace("racks = 1", "racks = \"one\"");
        let err = load_str(&text, "s.toml", None, &[]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "s.toml:3:9: expected a whole number from 0 to 4294967295, found the text \"one\""
        );
    }

    #[test]
    fn type_errors_read_in_plain_words() {
        assert_eq!(
            plain_types("invalid type: floating point `2.5`, expected u64"),
            "expected a whole number from 0 to 18446744073709551615, found 2.5"
        );
        assert_eq!(
            plain_types("invalid value: integer `-1`, expected u32"),
            "expected a whole number from 0 to 4294967295, found -1"
        );
        assert_eq!(
            plain_types("invalid type: string \"yes\", expected a boolean"),
            "expected true or false, found the text \"yes\""
        );
        assert_eq!(plain_types("missing field `name`"), "missing field `name`");
    }

    #[test]
    fn overrides_apply_and_are_named_in_errors() {
        let policy: Override = "policy.name=best-fit".parse().unwrap();
        let loaded = load_str(BASE, "s.toml", None, &[policy]).unwrap();
        assert_eq!(loaded.scenario.policy.name, "best-fit");
        let bad: Override = "cluster.rackz=2".parse().unwrap();
        let err = load_str(BASE, "s.toml", None, &[bad]).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("s.toml with --set cluster.rackz=2: unknown key `rackz` in [cluster]"),
            "{err}"
        );
    }

    #[test]
    fn locate_finds_keys_in_sections() {
        assert_eq!(locate(BASE, "cluster", "nodes_per_rack"), Some(4));
        assert_eq!(locate(BASE, "", "name"), Some(1));
        assert_eq!(locate(BASE, "workload", "racks"), None);
        assert_eq!(
            locate("[workload]\n[workload.synthetic]\njobs = 1\n", "workload", "synthetic"),
            Some(2)
        );
        assert_eq!(
            locate("[workload.synthetic]\njobs = 1\n", "workload.synthetic", "jobs"),
            Some(2)
        );
    }
}
