//! Reading a scenario: TOML syntax, the schema, `--set` overrides and semantic checks, each
//! error naming the file, line and key.

use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use policies::{PolicySpec, Registry};
use serde::Deserialize;
use sim_core::metrics::MetricPart;
use sim_core::model::ModelPart;

use crate::error::ScenarioError;
use crate::limits::Limits;
use crate::overrides::{Override, apply};
use crate::schema::{Scenario, SweepSection};
use crate::validate::validate;

/// A scenario as read, and where it came from: not yet checked. Only a [`ValidScenario`] can
/// be built into a run; [`ValidScenario::check`] turns one into the other.
#[derive(Clone, Debug)]
pub struct LoadedScenario {
    /// The scenario, overrides applied.
    pub scenario: Scenario,
    /// The file name (or `embedded:…`), for messages.
    pub origin: String,
    /// The folder relative paths in the scenario are tried against first.
    pub base_dir: Option<PathBuf>,
    /// The file's text, to point at the line of a value found wrong after loading; shared, so
    /// that the grid points of a sweep (whose file holds the whole grid) do not each copy it.
    pub text: Arc<str>,
}

/// A scenario that passed every check of its values and of its budget ([`Limits`]): the only
/// kind the builders and the runner accept. It reads as a [`LoadedScenario`] (through
/// `Deref`) but cannot be changed, except for its seed, which any value may take (and, inside
/// this crate, the `[sweep]` section a grid point was checked against, put back into it).
///
/// A scenario built by hand cannot be run without being checked:
///
/// ```compile_fail,E0308
/// fn run_unchecked(loaded: &scenarios::LoadedScenario) {
///     let _ = scenarios::run::run(loaded);
/// }
/// ```
///
/// nor changed after its check:
///
/// ```compile_fail,E0594
/// fn break_after_check(mut valid: scenarios::ValidScenario) {
///     valid.scenario.cluster.racks = None;
/// }
/// ```
///
/// ```
/// let text = "name = \"t\"\n[cluster]\nracks = 1\nnodes_per_rack = 1\n\
///             node = { gpus = 8, gpu_type = \"A100-80GB\" }\n[workload]\ntrace = \"sample:philly\"\n";
/// let read: scenarios::LoadedScenario = toml::from_str(text).map(|scenario| scenarios::LoadedScenario {
///     scenario,
///     origin: "t.toml".into(),
///     base_dir: None,
///     text: text.into(),
/// })?;
/// let valid = scenarios::ValidScenario::check(read)?;
/// assert_eq!(valid.scenario.cluster.racks, Some(1));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct ValidScenario {
    loaded: LoadedScenario,
    limits: Limits,
    policy: PolicySpec,
    metrics: Vec<MetricPart>,
    /// The world models of the registry it was checked with that it names.
    models: Vec<ModelPart>,
    /// The `--set` flags applied to it, so that a problem found when it is built (a fault
    /// target no unit has) is blamed on the flag that set the key.
    overrides: Vec<Override>,
}

impl ValidScenario {
    /// Checks `loaded`: values, names (of the built-in policy parts), and the budget of its
    /// `[limits]`.
    pub fn check(loaded: LoadedScenario) -> Result<ValidScenario, ScenarioError> {
        ValidScenario::check_with(loaded, &Registry::builtin())
    }

    /// [`ValidScenario::check`], the policy's parts looked up in `registry` (a crate's own
    /// parts added to the built-in ones); the registry's own metrics are computed on every run.
    pub fn check_with(loaded: LoadedScenario, registry: &Registry) -> Result<ValidScenario, ScenarioError> {
        ValidScenario::check_set(loaded, &[], None, registry)
    }

    /// [`ValidScenario::check_with`] of a scenario changed by `overrides` (`--set`): a problem
    /// with a key they set is blamed on the flag, not on the file's line. The `[policy]` table
    /// is kept in its canonical form (what outputs echo). `point_of` is the `[sweep]` section
    /// of the scenario this one is a grid point of, when it was left out of this one (see
    /// [`Variants`]): it is checked as if it held it.
    pub(crate) fn check_set(
        mut loaded: LoadedScenario,
        overrides: &[Override],
        point_of: Option<&SweepSection>,
        registry: &Registry,
    ) -> Result<ValidScenario, ScenarioError> {
        let limits = Limits::resolve(loaded.scenario.limits.as_ref());
        let policy = validate(
            &mut loaded.scenario,
            registry,
            &limits,
            &loaded.text,
            &loaded.origin,
            overrides,
            point_of,
        )?;
        let models = loaded
            .scenario
            .models
            .iter()
            .filter_map(|name| registry.world_models().iter().find(|m| m.name == name))
            .copied()
            .collect();
        Ok(ValidScenario {
            loaded,
            limits,
            policy,
            metrics: registry.metrics().to_vec(),
            models,
            overrides: overrides.to_vec(),
        })
    }

    /// Where its keys are: the file's lines, or the `--set` flags that set them.
    pub(crate) fn site(&self) -> Site<'_> {
        Site {
            text: &self.loaded.text,
            origin: &self.loaded.origin,
            overrides: &self.overrides,
        }
    }

    /// The budget in force: the machine's defaults with the scenario's `[limits]`.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The policy, resolved and checked: what the runner builds.
    pub fn policy(&self) -> &PolicySpec {
        &self.policy
    }

    /// The metrics of a crate's own that every run computes after the built-in ones (those of
    /// the registry it was checked with).
    pub fn metrics(&self) -> &[MetricPart] {
        &self.metrics
    }

    /// The world models of a crate's own that the scenario names (`models`), in its order.
    pub fn world_models(&self) -> &[ModelPart] {
        &self.models
    }

    /// The same scenario with another seed.
    pub fn with_seed(&self, seed: u64) -> ValidScenario {
        let mut copy = self.clone();
        copy.loaded.scenario.seed = seed;
        copy
    }

    /// The scenario as read.
    pub fn into_loaded(self) -> LoadedScenario {
        self.loaded
    }

    /// The same scenario holding `sweep` as its `[sweep]` section: a grid point loaded by
    /// [`Variants::load`] given back the section it was checked against, so that a run of it
    /// echoes the file as the file reads.
    pub(crate) fn with_sweep(mut self, sweep: Option<SweepSection>) -> ValidScenario {
        self.loaded.scenario.sweep = sweep;
        self
    }
}

impl Deref for ValidScenario {
    type Target = LoadedScenario;

    fn deref(&self) -> &LoadedScenario {
        &self.loaded
    }
}

/// Where a scenario's keys are, to point messages at their lines or at the `--set` flags that
/// set them.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Site<'a> {
    /// The file's text.
    pub text: &'a str,
    /// Its name.
    pub origin: &'a str,
    /// The `--set` flags applied to it.
    pub overrides: &'a [Override],
}

impl Site<'_> {
    /// Where `key` of `[section]` (the top level when empty) comes from: `origin with --set
    /// FLAG` when a flag set it, else `origin:line`, else `origin` alone.
    pub fn place(&self, section: &str, key: &str) -> String {
        let path = if section.is_empty() {
            key.to_string()
        } else {
            format!("{section}.{key}")
        };
        self.place_of(&path, locate(self.text, section, key))
    }

    /// Where the dotted key `path` comes from: the `--set` flag that set it (or a table holding
    /// it: `--set 'policy.tickets={alice=0}'` sets `policy.tickets.alice`), else `line` of the
    /// file, else the file.
    pub fn place_of(&self, path: &str, line: Option<usize>) -> String {
        let sets = |flag: &Override| {
            let set = flag.path.join(".");
            path.strip_prefix(set.as_str())
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('.') || rest.starts_with('['))
        };
        match self.overrides.iter().rev().find(|o| sets(o)) {
            Some(flag) => format!("{} with --set {}", self.origin, flag.text),
            None => line.map_or_else(|| self.origin.to_string(), |line| format!("{}:{line}", self.origin)),
        }
    }
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
    let text = read_bounded(path, &origin)?;
    Ok((text, origin, path.parent().map(Path::to_path_buf)))
}

/// The largest scenario file read, in bytes (16 MiB; the largest shipped one is under 4 KiB).
pub const MAX_SCENARIO_BYTES: u64 = 16 << 20;

/// The text of the scenario file at `path`, refused past [`MAX_SCENARIO_BYTES`].
fn read_bounded(path: &Path, origin: &str) -> Result<String, ScenarioError> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| ScenarioError::io(path, e))?;
    let mut bytes = Vec::new();
    file.take(MAX_SCENARIO_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| ScenarioError::io(path, e))?;
    if bytes.len() as u64 > MAX_SCENARIO_BYTES {
        return Err(ScenarioError::Input(format!(
            "{origin}: larger than {MAX_SCENARIO_BYTES} bytes, the largest scenario file read (is it a scenario?)"
        )));
    }
    String::from_utf8(bytes).map_err(|e| {
        ScenarioError::Input(format!(
            "{origin}: not UTF-8 text (invalid byte at offset {}); a scenario is a TOML file",
            e.utf8_error().valid_up_to()
        ))
    })
}

/// Reads, checks and overrides a scenario file (or `library:NAME`).
pub fn load_file(path: &Path, overrides: &[Override]) -> Result<ValidScenario, ScenarioError> {
    load_file_with(path, overrides, &Registry::builtin())
}

/// [`load_file`], the policy's parts looked up in `registry`, whose metrics every run computes.
pub fn load_file_with(
    path: &Path,
    overrides: &[Override],
    registry: &Registry,
) -> Result<ValidScenario, ScenarioError> {
    let (text, origin, base_dir) = read_scenario(path)?;
    load_str_with(&text, &origin, base_dir, overrides, registry)
}

/// Reads, checks and overrides a scenario given as text.
pub fn load_str(
    text: &str,
    origin: &str,
    base_dir: Option<PathBuf>,
    overrides: &[Override],
) -> Result<ValidScenario, ScenarioError> {
    load_str_with(text, origin, base_dir, overrides, &Registry::builtin())
}

/// [`load_str`], the policy's parts looked up in `registry` (a crate's own parts added to the
/// built-in ones), so a scenario may name them.
pub fn load_str_with(
    text: &str,
    origin: &str,
    base_dir: Option<PathBuf>,
    overrides: &[Override],
    registry: &Registry,
) -> Result<ValidScenario, ScenarioError> {
    let from_file = toml::from_str::<Scenario>(text);
    let scenario = if overrides.is_empty() {
        from_file.map_err(|e| toml_error(origin, text, &e))?
    } else {
        let mut table: toml::Table = toml::from_str(text).map_err(|e| toml_error(origin, text, &e))?;
        apply(&mut table, overrides)?;
        deserialize_set(table, overrides, from_file.err().as_ref(), text, origin)?
    };
    ValidScenario::check_set(
        LoadedScenario {
            scenario,
            origin: origin.to_string(),
            base_dir,
            text: text.into(),
        },
        overrides,
        None,
        registry,
    )
}

/// The scenario of `table`, a file's table changed by `overrides`. A schema error is blamed on
/// the file's line when the file alone is already wrong (`file_error`), else on the flags.
fn deserialize_set(
    table: toml::Table,
    overrides: &[Override],
    file_error: Option<&toml::de::Error>,
    text: &str,
    origin: &str,
) -> Result<Scenario, ScenarioError> {
    Scenario::deserialize(table).map_err(|e| match file_error {
        Some(file_error) => toml_error(origin, text, file_error),
        None => {
            // The section of the key the message names: the flag's path before that part (the
            // last part, or one before it when the flag made tables under a misspelled name).
            let section = overrides.iter().find_map(|o| {
                (1..o.path.len())
                    .rev()
                    .find(|&i| e.message().contains(&format!("`{}`", o.path[i])))
                    .map(|i| o.path[..i].join("."))
            });
            let message = improve_message(e.message(), section.as_deref());
            // A message that names no key (a value of the wrong type or range) is given the key
            // of the flag that alone makes the file fail, and blamed on that flag.
            if section.is_none()
                && let Some(flag) = culprit(text, overrides)
            {
                return ScenarioError::Input(format!(
                    "{origin} with --set {}: {}: {message}",
                    flag.text,
                    flag.path.join(".")
                ));
            }
            ScenarioError::Input(format!(
                "{origin} with --set {}: {message}",
                overrides
                    .iter()
                    .map(|o| o.text.as_str())
                    .collect::<Vec<_>>()
                    .join(" --set "),
            ))
        }
    })
}

/// The flag of `overrides` that alone makes the file `text` fail to read as a scenario, if one
/// does.
fn culprit<'o>(text: &str, overrides: &'o [Override]) -> Option<&'o Override> {
    let file: toml::Table = toml::from_str(text).ok()?;
    overrides.iter().find(|flag| {
        let mut table = file.clone();
        apply(&mut table, std::slice::from_ref(flag)).is_err() || Scenario::deserialize(table).is_err()
    })
}

/// A scenario read once, to load many scenarios that differ from it by a few more `--set`
/// flags (the grid points of a sweep) at a cost that does not grow with its `[sweep]` section.
/// [`load_str_with`] of each would parse the whole file again, grid included, and each would
/// keep a copy of the text and of the grid: time and memory quadratic in the grid's size.
/// Here the text is parsed once and shared; each variant is deserialized from a copy of the
/// table without the `[sweep]` section, and checked as if it held it (its values were checked
/// with the scenario itself).
pub(crate) struct Variants<'a> {
    /// The file's text, shared by every variant.
    text: Arc<str>,
    /// The file's name.
    origin: &'a str,
    /// Its folder.
    base_dir: Option<PathBuf>,
    /// The flags every variant has first.
    overrides: &'a [Override],
    /// The registry the variants are checked with.
    registry: &'a Registry,
    /// The file's table with `overrides` applied, without its `[sweep]` section.
    table: toml::Table,
    /// Why the file alone does not deserialize, when it does not (errors point at its line).
    file_error: Option<toml::de::Error>,
    /// The scenario's `[sweep]` section (`overrides` applied): what every variant is checked
    /// against and does not hold.
    sweep: Option<SweepSection>,
}

impl<'a> Variants<'a> {
    /// Loads the scenario of `text` changed by `overrides` ([`load_str_with`], its errors
    /// unchanged) and prepares its variants.
    pub(crate) fn new(
        text: &str,
        origin: &'a str,
        base_dir: Option<PathBuf>,
        overrides: &'a [Override],
        registry: &'a Registry,
    ) -> Result<(ValidScenario, Variants<'a>), ScenarioError> {
        let scenario = load_str_with(text, origin, base_dir.clone(), overrides, registry)?;
        let mut table: toml::Table = toml::from_str(text).map_err(|e| toml_error(origin, text, &e))?;
        apply(&mut table, overrides)?;
        table.remove("sweep");
        let variants = Variants {
            text: Arc::clone(&scenario.text),
            origin,
            base_dir,
            overrides,
            registry,
            table,
            file_error: toml::from_str::<Scenario>(text).err(),
            sweep: scenario.scenario.sweep.clone(),
        };
        Ok((scenario, variants))
    }

    /// The scenario with `settings` set after the flags, none of them a `[sweep]` key (a grid
    /// key never is): what [`load_str_with`] makes of the flags and `settings`, errors
    /// included, but without its `[sweep]` section ([`Variants::sweep`];
    /// [`ValidScenario::with_sweep`] puts it back) and sharing the file's text.
    pub(crate) fn load(&self, settings: &[Override]) -> Result<ValidScenario, ScenarioError> {
        let all: Vec<Override> = self.overrides.iter().chain(settings).cloned().collect();
        if all.is_empty() {
            // The file as it reads (an empty grid's one point): as `load_str_with` reads it.
            let scenario = load_str_with(&self.text, self.origin, self.base_dir.clone(), &[], self.registry)?;
            return Ok(scenario.with_sweep(None));
        }
        let mut table = self.table.clone();
        apply(&mut table, settings)?;
        let scenario = deserialize_set(table, &all, self.file_error.as_ref(), &self.text, self.origin)?;
        ValidScenario::check_set(
            LoadedScenario {
                scenario,
                origin: self.origin.to_string(),
                base_dir: self.base_dir.clone(),
                text: Arc::clone(&self.text),
            },
            &all,
            self.sweep.as_ref(),
            self.registry,
        )
    }

    /// The `[sweep]` section the variants were checked against and do not hold.
    pub(crate) fn sweep(&self) -> Option<&SweepSection> {
        self.sweep.as_ref()
    }
}

/// Formats a TOML or schema error as `file:line:column: message`; a value of the wrong type
/// also names its key (`cluster.racks: expected a whole number …`).
fn toml_error(origin: &str, text: &str, error: &toml::de::Error) -> ScenarioError {
    let start = error.span().map_or(0, |s| s.start).min(text.len());
    let line = text[..start].matches('\n').count() + 1;
    let column = start - text[..start].rfind('\n').map_or(0, |i| i + 1) + 1;
    let section = table_at(text, start);
    let message = improve_message(error.message(), section.as_deref());
    let names_no_key = ["expected ", "unknown variant ", "unknown unit "]
        .iter()
        .any(|start| message.starts_with(start));
    // A table header where a list of tables is expected: `[faults.incident]` for
    // `[[faults.incident]]`.
    let header = header_at(text, start).filter(|_| message.starts_with("expected a sequence"));
    if let Some(header) = header {
        return ScenarioError::Input(format!(
            "{origin}:{line}:{column}: {header}: {message}: a list of tables, each entry headed [[{header}]]"
        ));
    }
    let key = names_no_key
        .then(|| key_of_value(text, start))
        .flatten()
        .map(|key| match &section {
            Some(section) => format!("{section}.{key}: "),
            None => format!("{key}: "),
        })
        .unwrap_or_default();
    ScenarioError::Input(format!("{origin}:{line}:{column}: {key}{message}"))
}

/// The name of the `[table]` header on the line of byte `offset`, if that line is one.
fn header_at(text: &str, offset: usize) -> Option<String> {
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line = text[line_start..].lines().next().unwrap_or_default().trim();
    let name = line.strip_prefix('[')?.split(']').next()?.trim_matches('[').trim();
    (!name.is_empty()).then(|| name.to_string())
}

/// The key of the value starting at byte `offset`: the name before the `=` that precedes it
/// (`gpus` in `node = { gpus = "x" }`; the table it is in is [`table_at`]'s).
fn key_of_value(text: &str, offset: usize) -> Option<String> {
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let before = text[line_start..offset].trim_end().strip_suffix('=')?.trim_end();
    let start = before
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '"')))
        .map_or(0, |i| i + 1);
    let key = before[start..].trim_matches('"');
    (!key.is_empty()).then(|| key.to_string())
}

/// The table the key at byte `offset` belongs to, dotted: the `[table]` header in force there
/// and the inline tables open before the key (`cluster.node` inside
/// `node = { gpus = 4, … }` under `[cluster]`), or, when the key is itself a table header, its
/// parent. `None` for the top level.
fn table_at(text: &str, offset: usize) -> Option<String> {
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let header_name = |line: &str| line.trim().trim_matches(['[', ']']).trim().to_string();
    let line = text[line_start..].lines().next().unwrap_or_default();
    if line.trim_start().starts_with('[') {
        return header_name(line).rsplit_once('.').map(|(parent, _)| parent.to_string());
    }
    let header = text[..line_start]
        .match_indices('\n')
        .map(|(i, _)| i + 1)
        .rev()
        .chain([0])
        .find(|&start| text[start..].trim_start_matches([' ', '\t']).starts_with('['));
    let body_start = header.map_or(0, |start| {
        text[start..].find('\n').map_or(text.len(), |i| start + i + 1)
    });
    let mut path: Vec<String> = header
        .map(|start| header_name(text[start..].lines().next().unwrap_or_default()))
        .into_iter()
        .collect();
    path.extend(open_inline_tables(&text[body_start.min(offset)..offset]));
    (!path.is_empty()).then(|| path.join("."))
}

/// The keys of the inline tables still open at the end of `body` (a table's text up to a
/// key): `node` in `node = { gpus = 4, bog`, `tasks` in `tasks = [{ gpus = 1 }, { cp`.
fn open_inline_tables(body: &str) -> Vec<String> {
    // Each `{` or `[` open: the key it is the value of, and whether it is a table.
    let mut open: Vec<(Option<String>, bool)> = Vec::new();
    let mut key_start = 0;
    let mut key: Option<String> = None;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let mut comment = false;
    for (i, c) in body.char_indices() {
        if comment {
            comment = c != '\n';
            key_start = i + 1;
            continue;
        }
        if let Some(q) = quote {
            match c {
                '\\' if q == '"' && !escaped => escaped = true,
                _ if c == q && !escaped => quote = None,
                _ => escaped = false,
            }
            continue;
        }
        match c {
            '"' | '\'' => quote = Some(c),
            '#' => comment = true,
            '=' => key = Some(body[key_start..i].trim().trim_matches(['"', '\'']).to_string()),
            '{' | '[' => {
                open.push((key.take(), c == '{'));
                key_start = i + 1;
            }
            '}' | ']' => {
                open.pop();
                key = None;
            }
            ',' => {
                key = None;
                key_start = i + 1;
            }
            '\n' if open.is_empty() => {
                key = None;
                key_start = i + 1;
            }
            _ => {}
        }
    }
    let mut tables = Vec::new();
    for (at, (key, table)) in open.iter().enumerate() {
        // A table with no key of its own is an element of the array it is in.
        let key = match key {
            Some(key) => Some(key),
            None => at.checked_sub(1).and_then(|outer| open[outer].0.as_ref()),
        };
        if let (true, Some(key)) = (*table, key) {
            tables.push(key.clone());
        }
    }
    tables
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
                // The largest whole number TOML (and so `--set`) can write.
                _ => i64::MAX as u64,
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

/// The 1-based line of `key = …` inside `[section]` (or the top level when `section` is empty),
/// or of the table header `[section.key]`.
pub(crate) fn locate(text: &str, section: &str, key: &str) -> Option<usize> {
    let mut current = String::new();
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            // `[power.gpu."A100-80GB"]` is the section `power.gpu.A100-80GB`.
            current = trimmed.trim_matches(['[', ']']).trim().replace('"', "");
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
    fn unknown_keys_in_inline_tables_name_the_inline_table() {
        // Column 39: `node = { ` (9), `gpus = 4, ` (10) and `gpu_type = "A100", ` (19) before it.
        let text = BASE.replace("gpu_type = \"A100\"", "gpu_type = \"A100\", gpu = 2");
        let err = load_str(&text, "s.toml", None, &[]).unwrap_err().to_string();
        assert!(
            err.starts_with("s.toml:5:39: unknown key `gpu` in [cluster.node] (did you mean `gpus`?)"),
            "{err}"
        );
        // A whole section written inline at the top level.
        let inline = "name = \"t\"\ncluster = { racks = 1, rackz = 2 }\n";
        let err = load_str(inline, "s.toml", None, &[]).unwrap_err().to_string();
        assert!(
            err.starts_with("s.toml:2:24: unknown key `rackz` in [cluster]"),
            "{err}"
        );
    }

    #[test]
    fn open_inline_tables_follow_nesting_strings_and_arrays() {
        assert_eq!(open_inline_tables("node = { gpus = 4, bog"), ["node"]);
        assert_eq!(open_inline_tables("node = { gpus = 4 }, x"), Vec::<String>::new());
        assert_eq!(open_inline_tables("a = { b = { c = 1, d"), ["a", "b"]);
        // Braces and `=` inside strings and comments are text.
        assert_eq!(open_inline_tables("a = { s = \"{ x = \\\"}\", t"), ["a"]);
        assert_eq!(open_inline_tables("x = 1 # y = {\nz = { w"), ["z"]);
        // A table in an array takes the array's key, over lines.
        assert_eq!(open_inline_tables("tasks = [\n  { gpus = 1 },\n  { cp"), ["tasks"]);
        assert_eq!(open_inline_tables("sizes = [1, 2"), Vec::<String>::new());
    }

    #[test]
    fn type_errors_name_the_line_and_key() {
        let text = BASE.replace("racks = 1", "racks = \"one\"");
        let err = load_str(&text, "s.toml", None, &[]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "s.toml:3:9: cluster.racks: expected a whole number from 0 to 4294967295, found the text \"one\""
        );
        // Inside an inline table, the key nearest before the value.
        let text = BASE.replace("gpus = 4", "gpus = \"four\"");
        let err = load_str(&text, "s.toml", None, &[]).unwrap_err().to_string();
        assert!(err.contains(": cluster.node.gpus: expected a whole number"), "{err}");
    }

    #[test]
    fn type_errors_read_in_plain_words() {
        assert_eq!(
            plain_types("invalid type: floating point `2.5`, expected u64"),
            "expected a whole number from 0 to 9223372036854775807, found 2.5"
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
