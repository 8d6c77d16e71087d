//! `decisions.csv`, the why-log of a run (`run --explain`, `[output] explain = true`): one row
//! per job considered by each scheduling round. See docs/scenarios.md for the columns and the
//! reason vocabulary, and [`policies::explain`] for where the reasons come from.

use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use policies::explain::{Candidate, Considered, ExplainSink, Outcome};
use sim_core::view::ClusterView;

/// Columns of `decisions.csv`, in order. `candidates` lists, for a start by a placement that
/// scores nodes, its best candidate nodes for the first task as `node=score` joined by `;`, best
/// first ([`candidates_cell`], docs/scenarios.md).
pub const DECISIONS_COLUMNS: [&str; 7] = ["t_s", "job_id", "outcome", "reason", "params", "nodes", "candidates"];

/// `decisions.csv` being written: rows go to a temporary file in the run's folder, renamed into
/// place by [`DecisionsCsv::commit`] (a failed run leaves nothing).
pub struct DecisionsCsv {
    shared: Arc<Mutex<Writer>>,
}

/// The file and the first write error.
struct Writer {
    out: csv::Writer<BufWriter<std::fs::File>>,
    path: Option<tempfile::TempPath>,
    error: Option<io::Error>,
}

/// The scheduler's end of a [`DecisionsCsv`].
struct Sink(Arc<Mutex<Writer>>);

impl DecisionsCsv {
    /// Starts `decisions.csv` in `dir` (created if needed).
    pub fn create(dir: &Path) -> io::Result<DecisionsCsv> {
        std::fs::create_dir_all(dir)?;
        let (file, path) = reports::atomic::temporary_for(dir, "decisions.csv")?;
        let mut out = csv::Writer::from_writer(BufWriter::new(file));
        out.write_record(DECISIONS_COLUMNS)?;
        Ok(DecisionsCsv {
            shared: Arc::new(Mutex::new(Writer {
                out,
                path: Some(path),
                error: None,
            })),
        })
    }

    /// The sink to give the scheduler ([`policies::resolve_explained`]).
    pub fn sink(&self) -> Box<dyn ExplainSink> {
        Box::new(Sink(Arc::clone(&self.shared)))
    }

    /// Flushes the rows and renames the file to `dir/decisions.csv`; returns its path, or the
    /// first write error.
    pub fn commit(self, dir: &Path) -> io::Result<PathBuf> {
        let mut writer = self.shared.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(error) = writer.error.take() {
            return Err(error);
        }
        writer.out.flush()?;
        let target = dir.join("decisions.csv");
        let path = writer.path.take().expect("a decisions file is committed once");
        path.persist(&target).map_err(|e| e.error)?;
        Ok(target)
    }
}

impl ExplainSink for Sink {
    fn round(&mut self, view: &ClusterView<'_>, rows: &[Considered]) {
        let mut writer = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if writer.error.is_some() {
            return;
        }
        let t = reports::number::seconds(view.now);
        for row in rows {
            let (reason, params) = match &row.outcome {
                Outcome::Waits(reason) => (reason.name(), reason.params(view)),
                _ => ("", String::new()),
            };
            let nodes: Vec<&str> = row
                .tasks
                .iter()
                .map(|task| view.cluster.node(task.node).name.as_str())
                .collect();
            let candidates = candidates_cell(view, &row.candidates);
            let record = [
                t.as_str(),
                view.job(row.job).spec.id.as_str(),
                row.outcome.name(),
                reason,
                params.as_str(),
                &nodes.join("+"),
                candidates.as_str(),
            ];
            if let Err(e) = writer.out.write_record(record) {
                writer.error = Some(e.into());
                return;
            }
        }
    }
}

/// The `candidates` cell: each candidate as `node=score` (the node's name, the score as
/// [`reports::number::decimal`] writes it), best first, joined by `;`; empty without candidates.
pub fn candidates_cell(view: &ClusterView<'_>, candidates: &[Candidate]) -> String {
    let mut cell = String::new();
    for (i, candidate) in candidates.iter().enumerate() {
        if i > 0 {
            cell.push(';');
        }
        cell.push_str(&view.cluster.node(candidate.node).name);
        cell.push('=');
        reports::number::push_decimal(&mut cell, candidate.score);
    }
    cell
}
