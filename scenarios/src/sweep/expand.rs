//! From a scenario with `[sweep]` to the list of runs: grid points × seeds, with stable indices
//! (the rule is on [`crate::schema::SweepSection`]).

use std::collections::HashSet;
use std::path::PathBuf;

use reports::sweep_manifest::{MetricDecl, SweepManifest, digest_hex};

use crate::build::{build_cluster, open_workload};
use crate::error::ScenarioError;
use policies::Registry;

use crate::load::{ValidScenario, Variants, locate};
use crate::overrides::Override;
use crate::schema::Scenario;
use crate::schema::SweepSection;
use crate::sweep::shard::Shard;

/// One combination of grid values, loaded and checked.
#[derive(Clone, Debug)]
pub struct GridPoint {
    /// Each swept key's value as written in `sweep.csv` (strings bare, other values as TOML).
    pub labels: Vec<String>,
    /// The scenario with this point's values set (its seed is the sweep's first seed), without
    /// its `[sweep]` section, which [`RunSpec::scenario`] puts back: the plan keeps it once
    /// instead of every point keeping the whole grid. Every point shares the file's text.
    pub loaded: ValidScenario,
}

/// Every run of a sweep.
#[derive(Clone, Debug)]
pub struct SweepPlan {
    /// The scenario as loaded (overrides applied), with the sweep in force.
    pub base: ValidScenario,
    /// The swept keys, in alphabetical order.
    pub keys: Vec<String>,
    /// The grid points, in run order.
    pub points: Vec<GridPoint>,
    /// Seeds per point.
    pub seeds: u64,
    /// The seed of each point's first run.
    pub first_seed: u64,
    /// The `[sweep]` section of the scenario file (overrides applied), which the scenario of
    /// every run holds ([`RunSpec::scenario`]), kept here once rather than in every point:
    /// `base`'s, unless a sweep was given in the file's place (`compare`'s).
    points_sweep: Option<SweepSection>,
}

/// One run: which point, which seed.
#[derive(Clone, Copy, Debug)]
pub struct RunSpec<'a> {
    /// Index in the whole sweep.
    pub index: u64,
    /// The grid point.
    pub point: &'a GridPoint,
    /// Position of the seed in the point's seed list (0 for the first seed).
    pub seed_offset: u64,
    /// The seed.
    pub seed: u64,
    /// The `[sweep]` section the point's scenario is given back ([`SweepPlan`] keeps it).
    sweep: Option<&'a SweepSection>,
}

impl RunSpec<'_> {
    /// The scenario of this run: the point's, with this run's seed and its `[sweep]` section
    /// (what `summary.json` echoes).
    pub fn scenario(&self) -> ValidScenario {
        self.point.loaded.with_seed(self.seed).with_sweep(self.sweep.cloned())
    }
}

impl SweepPlan {
    /// Number of runs (points × seeds).
    pub fn runs(&self) -> u64 {
        self.points.len() as u64 * self.seeds
    }

    /// Run `index` (< [`SweepPlan::runs`]).
    pub fn spec(&self, index: u64) -> RunSpec<'_> {
        let seed_offset = index % self.seeds;
        RunSpec {
            index,
            point: &self.points[(index / self.seeds) as usize],
            seed_offset,
            seed: self.first_seed.wrapping_add(seed_offset),
            sweep: self.points_sweep.as_ref(),
        }
    }

    /// The metrics of a crate's own every run computes (columns after the built-in metrics).
    pub fn extra_metrics(&self) -> Vec<String> {
        self.base.metrics().iter().map(|m| m.name.to_string()).collect()
    }

    /// The manifest (`sweep.json`) of this sweep, or of one shard of it.
    pub fn manifest(&self, shard: Option<Shard>) -> SweepManifest {
        // The budget is not part of what a sweep is: resuming with other limits is the same sweep.
        let identity = Scenario {
            limits: None,
            ..self.base.scenario.clone()
        };
        let scenario = serde_json::to_string(&identity).expect("a scenario always serializes to JSON");
        SweepManifest {
            name: self.base.scenario.name.clone(),
            scenario_digest: digest_hex(scenario.as_bytes()),
            runs: self.runs(),
            seeds: self.seeds,
            first_seed: self.first_seed,
            grid: self
                .keys
                .iter()
                .enumerate()
                .map(|(k, key)| {
                    let mut seen: HashSet<&str> = HashSet::new();
                    let values: Vec<String> = self
                        .points
                        .iter()
                        .map(|point| &point.labels[k])
                        .filter(|label| seen.insert(label.as_str()))
                        .cloned()
                        .collect();
                    (key.clone(), values)
                })
                .collect(),
            shard: shard.map(|s| s.to_string()),
            metrics: self.base.metrics().iter().map(MetricDecl::from).collect(),
            key_metrics: self.base.scenario.output.key_metrics.clone(),
        }
    }
}

/// Where a scenario comes from, for [`plan`].
pub struct Source<'a> {
    /// The file's text.
    pub text: &'a str,
    /// Its name, for messages.
    pub origin: &'a str,
    /// Its folder (relative paths in it are tried against this first).
    pub base_dir: Option<PathBuf>,
}

/// Expands the scenario's `[sweep]` (or `sweep`, when given, in its place) into a plan. Every
/// grid value is checked before anything runs: a bad one is bad input naming its line. The
/// file is parsed a fixed number of times, not once per value and point.
pub fn plan(
    source: &Source<'_>,
    overrides: &[Override],
    sweep: Option<SweepSection>,
) -> Result<SweepPlan, ScenarioError> {
    plan_with(source, overrides, sweep, &Registry::builtin())
}

/// [`plan`], the policy's parts looked up in `registry`, so a sweep may name (and sweep over)
/// parts a crate of its own adds.
pub fn plan_with(
    source: &Source<'_>,
    overrides: &[Override],
    sweep: Option<SweepSection>,
    registry: &Registry,
) -> Result<SweepPlan, ScenarioError> {
    let (base, variants) = Variants::new(source.text, source.origin, source.base_dir.clone(), overrides, registry)?;
    let sweep = sweep.or_else(|| base.scenario.sweep.clone()).unwrap_or_default();
    let mut loaded = base.into_loaded();
    loaded.scenario.sweep = Some(sweep.clone());
    let base = ValidScenario::check_with(loaded, registry)?;
    // Only a sweep runs these seeds, so only a sweep refuses them (`run --seed` of a scenario
    // with a `[sweep]` section takes any seed).
    let last_seed = base.scenario.seed.checked_add(sweep.seeds.saturating_sub(1));
    if last_seed.is_none_or(|last| last > i64::MAX as u64) {
        let flag = overrides
            .iter()
            .rev()
            .find(|o| o.path == ["sweep", "seeds"] || o.path == ["seed"]);
        let place = match flag {
            Some(flag) => format!("{} with --set {}", source.origin, flag.text),
            None => locate(source.text, "sweep", "seeds")
                .map_or_else(|| source.origin.to_string(), |line| format!("{}:{line}", source.origin)),
        };
        return Err(ScenarioError::Input(format!(
            "{place}: sweep.seeds: {} seeds from seed {} run past {}, the largest seed a scenario \
             file can hold (`run --seed` could not replay them)",
            sweep.seeds,
            base.scenario.seed,
            i64::MAX
        )));
    }
    let keys: Vec<String> = sweep.grid.keys().cloned().collect();
    let mut choices: Vec<Vec<(Override, String)>> = Vec::new();
    for (key, values) in &sweep.grid {
        // A grid given by --set is blamed on the flag, not on the file's own grid.
        let flag = overrides.iter().rev().find(|o| {
            o.path.len() >= 2 && o.path[0] == "sweep" && o.path[1] == "grid" && o.path.get(2).is_none_or(|k| k == key)
        });
        let place = match flag {
            Some(flag) => format!("{} with --set {}", source.origin, flag.text),
            None => locate(source.text, "sweep.grid", key)
                .or_else(|| locate(source.text, "sweep", "grid"))
                .map_or_else(|| source.origin.to_string(), |line| format!("{}:{line}", source.origin)),
        };
        let mut options: Vec<(Override, String)> = Vec::new();
        let mut labels: HashSet<String> = HashSet::new();
        for value in values {
            let label = label(value);
            if !labels.insert(same_value_key(value)) {
                return Err(ScenarioError::Input(format!(
                    "{place}: sweep.grid.\"{key}\": the value `{label}` is listed twice"
                )));
            }
            let setting = Override {
                path: key.split('.').map(str::to_string).collect(),
                value: value.clone(),
                text: format!("{key}={label}"),
            };
            variants.load(std::slice::from_ref(&setting)).map_err(|e| {
                ScenarioError::Input(format!(
                    "{place}: sweep.grid.\"{key}\" value `{label}`: {}",
                    unflagged(&e, std::slice::from_ref(&setting))
                ))
            })?;
            options.push((setting, label));
        }
        choices.push(options);
    }
    let combinations = choices
        .iter()
        .try_fold(1u64, |n, options| n.checked_mul(options.len() as u64));
    if combinations.and_then(|n| n.checked_mul(sweep.seeds)).is_none() {
        return Err(ScenarioError::Input(format!(
            "{}: the sweep has too many runs",
            source.origin
        )));
    }
    // The traces the points replay, by workload (each read once: a bad row is refused before
    // any run, as `run` and `validate` refuse it, not left to fail every run of its points).
    let mut traces_read: HashSet<String> = HashSet::new();
    // And the typical-tasks files they name (`workload.typical_tasks`), each read once too.
    let mut typicals_read: HashSet<String> = HashSet::new();
    let points = cartesian(&choices)
        .into_iter()
        .map(|combination| {
            let settings: Vec<Override> = combination.iter().map(|(o, _)| o.clone()).collect();
            let names: Vec<&str> = settings.iter().map(|o| o.text.as_str()).collect();
            let in_point = |e: ScenarioError| match names.is_empty() {
                true => e,
                false => ScenarioError::Input(format!(
                    "sweep grid point {}: {}",
                    names.join(", "),
                    unflagged(&e, &settings)
                )),
            };
            let loaded = variants.load(&settings).map_err(in_point)?;
            let cluster = build_cluster(&loaded).map_err(in_point)?;
            crate::physics_build::physics_config(&loaded.scenario, &cluster, &loaded.origin).map_err(in_point)?;
            crate::faults_build::faults_config(&loaded, &cluster).map_err(in_point)?;
            crate::sharing_build::sharing_model(loaded.scenario.sharing.as_ref(), &cluster, &loaded.origin)
                .map_err(in_point)?;
            let mut source = open_workload(&loaded, &cluster).map_err(in_point)?;
            let workload = &loaded.scenario.workload;
            let replays_file = workload.trace.as_deref().is_some_and(|t| !t.starts_with("sample:"));
            let key = serde_json::to_string(&(workload, &loaded.scenario.limits))
                .expect("a scenario always serializes to JSON");
            if replays_file && !traces_read.contains(&key) {
                for job in &mut *source {
                    job.map_err(|e| in_point(e.into()))?;
                }
                traces_read.insert(key);
            }
            if let Some(typical) = &workload.typical_tasks
                && !typicals_read.contains(typical)
            {
                crate::build::typical_tasks(&loaded, &cluster).map_err(in_point)?;
                typicals_read.insert(typical.clone());
            }
            Ok(GridPoint {
                labels: combination.into_iter().map(|(_, l)| l).collect(),
                loaded,
            })
        })
        .collect::<Result<Vec<_>, ScenarioError>>()?;
    Ok(SweepPlan {
        first_seed: base.scenario.seed,
        base,
        keys,
        points,
        seeds: sweep.seeds,
        points_sweep: variants.sweep().cloned(),
    })
}

/// A grid value as written in `sweep.csv`: strings bare, anything else as TOML.
fn label(value: &toml::Value) -> String {
    match value {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// What makes two grid values the same point: their text, but a number by its value (`1`
/// and `1.0` are one point, written twice).
fn same_value_key(value: &toml::Value) -> String {
    match value {
        toml::Value::Integer(i) => format!("{:?}", *i as f64),
        toml::Value::Float(f) => format!("{f:?}"),
        other => label(other),
    }
}

/// Every combination, the first list varying slowest.
fn cartesian<T: Clone>(lists: &[Vec<T>]) -> Vec<Vec<T>> {
    lists.iter().fold(vec![Vec::new()], |combinations, list| {
        combinations
            .iter()
            .flat_map(|prefix| {
                list.iter().map(move |item| {
                    let mut next = prefix.clone();
                    next.push(item.clone());
                    next
                })
            })
            .collect()
    })
}

/// The message of `e`, an error of a grid point whose `settings` are the grid's values: the
/// place a message gives them is "with --set" (they are applied as flags are), which the
/// grid point the message is prefixed with already names.
fn unflagged(e: &ScenarioError, settings: &[Override]) -> String {
    settings.iter().fold(e.to_string(), |text, s| {
        text.replace(&format!(" with --set {}", s.text), "")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::load_str;

    const BASE: &str = "name = \"t\"\nseed = 10\n[cluster]\nracks = 1\nnodes_per_rack = 2\n\
                        node = { gpus = 4, gpu_type = \"A100\" }\n[workload]\ntrace = \"sample:philly\"\n";

    fn source(text: &str) -> Source<'_> {
        Source {
            text,
            origin: "s.toml",
            base_dir: None,
        }
    }

    #[test]
    fn runs_are_numbered_point_major_with_seeds_inside() {
        let text = format!(
            "{BASE}[sweep]\nseeds = 3\ngrid = {{ \"policy.name\" = [\"best-fit\", \"first-fit\"], \"cluster.racks\" = [1, 2] }}\n"
        );
        let plan = plan(&source(&text), &[], None).unwrap();
        // Keys in alphabetical order: cluster.racks (slowest), then policy.name.
        assert_eq!(plan.keys, vec!["cluster.racks", "policy.name"]);
        assert_eq!(plan.runs(), 2 * 2 * 3);
        let labels: Vec<Vec<String>> = plan.points.iter().map(|p| p.labels.clone()).collect();
        assert_eq!(
            labels,
            vec![
                vec!["1", "best-fit"],
                vec!["1", "first-fit"],
                vec!["2", "best-fit"],
                vec!["2", "first-fit"]
            ]
        );
        // Run 7 = point 7 / 3 = 2 (racks 2, best-fit), seed 10 + 7 % 3 = 11.
        let run = plan.spec(7);
        assert_eq!(
            (run.point.labels.clone(), run.seed, run.seed_offset),
            (vec!["2".into(), "best-fit".into()], 11, 1)
        );
        let scenario = run.scenario().into_loaded().scenario;
        assert_eq!(
            (scenario.cluster.racks, scenario.policy.name.as_str(), scenario.seed),
            (Some(2), "best-fit", 11)
        );
        let manifest = plan.manifest(None);
        assert_eq!(manifest.grid["cluster.racks"], vec!["1", "2"]);
        assert_eq!((manifest.runs, manifest.first_seed), (12, 10));
    }

    #[test]
    fn grid_points_share_the_text_and_leave_the_grid_to_the_plan() {
        let values: Vec<String> = (1..=40).map(|r| r.to_string()).collect();
        let text = format!(
            "{BASE}[sweep]\nseeds = 2\ngrid = {{ \"cluster.racks\" = [{}] }}\n",
            values.join(", ")
        );
        let file_sweep = load_str(&text, "s.toml", None, &[])
            .unwrap()
            .into_loaded()
            .scenario
            .sweep;
        let swept = plan(&source(&text), &[], None).unwrap();
        assert_eq!(swept.points.len(), 40);
        for point in &swept.points {
            // One text for all (not a copy each), and no point holds the 40 values.
            assert!(std::sync::Arc::ptr_eq(&point.loaded.text, &swept.base.text));
            assert_eq!(point.loaded.scenario.sweep, None);
        }
        // A run's scenario holds the file's [sweep] again, as `summary.json` echoes it.
        let run = swept.spec(5).scenario().into_loaded().scenario;
        assert_eq!((run.cluster.racks, run.seed), (Some(3), 11));
        assert_eq!(run.sweep, file_sweep);
        // A sweep given in the file's place (`compare`) is the plan's; runs still hold the file's.
        let given = SweepSection {
            seeds: 1,
            grid: [("policy.name".to_string(), vec!["best-fit".into(), "packed".into()])].into(),
        };
        let compared = plan(&source(&text), &[], Some(given.clone())).unwrap();
        assert_eq!(compared.base.scenario.sweep.as_ref(), Some(&given));
        assert_eq!(compared.spec(1).scenario().into_loaded().scenario.sweep, file_sweep);
    }

    #[test]
    fn points_are_checked_against_the_grid_they_do_not_hold() {
        // The point with limits.grid_points = 1 is refused: the grid has 4 points.
        let text = format!("{BASE}[sweep]\ngrid = {{ \"limits.grid_points\" = [1, 4], \"cluster.racks\" = [1, 2] }}\n");
        let err = plan(&source(&text), &[], None).unwrap_err().to_string();
        assert!(
            err.starts_with(
                "s.toml:10: sweep.grid.\"limits.grid_points\" value `1`: s.toml:10: the number of sweep grid \
                 points (the product of the value counts of sweep.grid): 4, more than limits.grid_points = 1;"
            ),
            "{err}"
        );
    }

    #[test]
    fn a_point_of_a_file_wrong_alone_is_blamed_on_the_file_line() {
        // The file's racks are wrong, --set mends them; a bad grid value is refused pointing at
        // the file's own error, as a load of the file with that value set would.
        let text = format!("{BASE}[sweep]\ngrid = {{ \"cluster.nodes_per_rack\" = [1, \"two\"] }}\n")
            .replace("racks = 1", "racks = \"x\"");
        let mend: Override = "cluster.racks=1".parse().unwrap();
        let err = plan(&source(&text), &[mend], None).unwrap_err().to_string();
        assert_eq!(
            err,
            "s.toml:10: sweep.grid.\"cluster.nodes_per_rack\" value `two`: s.toml:4:9: cluster.racks: expected a \
             whole number from 0 to 4294967295, found the text \"x\""
        );
    }

    #[test]
    fn a_number_written_twice_as_an_integer_and_a_float_is_one_point_listed_twice() {
        let text = format!("{BASE}[sweep]\ngrid = {{ \"cluster.racks\" = [1, 2, 1.0] }}\n");
        let err = plan(&source(&text), &[], None).unwrap_err().to_string();
        assert_eq!(
            err,
            "s.toml:10: sweep.grid.\"cluster.racks\": the value `1.0` is listed twice"
        );
    }

    #[test]
    fn without_a_sweep_section_there_is_one_run() {
        let plan = plan(&source(BASE), &[], None).unwrap();
        assert_eq!((plan.runs(), plan.keys.len()), (1, 0));
    }

    #[test]
    fn bad_grid_values_are_bad_input_naming_the_line() {
        let text = format!("{BASE}[sweep]\nseeds = 2\n[sweep.grid]\n\"policy.name\" = [\"best-fit\", \"bestfit\"]\n");
        let err = plan(&source(&text), &[], None).unwrap_err().to_string();
        assert!(
            err.starts_with("s.toml:12: sweep.grid.\"policy.name\" value `bestfit`: ")
                && err.contains("unknown policy `bestfit` (did you mean `best-fit`?)"),
            "{err}"
        );
        let text = format!("{BASE}[sweep]\ngrid = {{ \"cluster.rackz\" = [1] }}\n");
        let err = plan(&source(&text), &[], None).unwrap_err().to_string();
        assert!(
            err.contains("unknown key `rackz` in [cluster] (did you mean `racks`?)"),
            "{err}"
        );
        let text = format!("{BASE}[sweep]\ngrid = {{ seed = [1, 2] }}\n");
        let err = load_str(&text, "s.toml", None, &[]).unwrap_err().to_string();
        assert_eq!(
            err,
            "s.toml:10: sweep.grid.\"seed\": cannot be swept (seeds come from sweep.seeds)"
        );
        let text = format!("{BASE}[sweep]\nseeds = 0\n");
        let err = load_str(&text, "s.toml", None, &[]).unwrap_err().to_string();
        assert_eq!(err, "s.toml:10: sweep.seeds: must be at least 1");
    }
}
