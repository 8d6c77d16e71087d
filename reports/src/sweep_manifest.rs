//! `sweep.json`: what a sweep folder holds, so that `--resume` and `merge` can check they
//! continue or join the same sweep. Deterministic: no times, no paths.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};
use sim_core::metrics::{Better, MetricPart};

use crate::atomic::write_atomic;
use crate::error::ReportError;

/// The identity of a sweep (or of one shard of it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepManifest {
    /// The scenario's name.
    pub name: String,
    /// 16 hex digits of a hash of the scenario as loaded (overrides applied), sweep included.
    pub scenario_digest: String,
    /// Runs in the whole sweep (grid points × seeds).
    pub runs: u64,
    /// Seeds per grid point.
    pub seeds: u64,
    /// The first seed; run `i` of a point uses `first_seed + i` (mod 2⁶⁴).
    pub first_seed: u64,
    /// Each swept key and its values, as written in `sweep.csv`.
    pub grid: BTreeMap<String, Vec<String>>,
    /// `K/N` when this folder holds one shard, `null` for the whole sweep.
    pub shard: Option<String>,
    /// The metrics of a crate's own the runs compute (columns after the built-in metrics), with
    /// their units and directions, so that reports rank them; absent for runs of the built-in
    /// registry.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub metrics: Vec<MetricDecl>,
    /// The scenario's key metrics (`[output] key_metrics`), which lead the report's tables and
    /// charts; absent when it names none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub key_metrics: Vec<String>,
}

/// A metric of a crate's own as `sweep.json` states it (what reports need of a
/// [`sim_core::metrics::MetricPart`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricDecl {
    /// Its name, a column of `sweep.csv`.
    pub name: String,
    /// Its unit.
    pub unit: String,
    /// Which way is better.
    pub better: Better,
    /// One line: what it measures.
    pub doc: String,
}

impl From<&MetricPart> for MetricDecl {
    fn from(part: &MetricPart) -> MetricDecl {
        MetricDecl {
            name: part.name.to_string(),
            unit: part.unit.to_string(),
            better: part.better,
            doc: part.doc.to_string(),
        }
    }
}

impl SweepManifest {
    /// Writes the manifest to `path` atomically.
    pub fn write(&self, path: &Path) -> io::Result<()> {
        write_atomic(path, |w| {
            serde_json::to_writer_pretty(&mut *w, self)?;
            w.write_all(b"\n")
        })
    }

    /// Reads a manifest.
    pub fn read(path: &Path) -> Result<SweepManifest, ReportError> {
        let text = crate::bounded::read_to_string(path).map_err(|e| ReportError::io(path, e))?;
        serde_json::from_str(&text).map_err(|source| ReportError::Json {
            path: path.display().to_string(),
            source,
        })
    }
}

/// The 64-bit FNV-1a hash of `bytes`, as 16 hex digits (for [`SweepManifest::scenario_digest`]).
pub fn digest_hex(bytes: &[u8]) -> String {
    format!("{:016x}", sim_core::fnv::fnv1a(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_hashes_like_fnv1a() {
        // FNV-1a 64 of "a" is af63dc4c8601ec8c (the published test vector).
        assert_eq!(digest_hex(b"a"), "af63dc4c8601ec8c");
        let manifest = SweepManifest {
            name: "s".into(),
            scenario_digest: digest_hex(b"x"),
            runs: 4,
            seeds: 2,
            first_seed: 7,
            grid: BTreeMap::from([("policy.name".to_string(), vec!["a".to_string(), "b".to_string()])]),
            shard: Some("1/2".into()),
            metrics: vec![MetricDecl {
                name: "max_queue_length".into(),
                unit: "jobs".into(),
                better: Better::Lower,
                doc: "the most jobs waiting at once".into(),
            }],
            key_metrics: vec!["max_nodes_down".into()],
        };
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sweep.json");
        manifest.write(&path).unwrap();
        assert!(
            std::fs::read_to_string(&path)
                .unwrap()
                .contains("\"better\": \"lower\"")
        );
        assert_eq!(SweepManifest::read(&path).unwrap(), manifest);
    }
}
