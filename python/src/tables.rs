//! A run's tables as Python columns: a dict from column name to a list of values, the columns
//! and their order those of the files `clustersim run` writes (`jobs.csv`, `timeseries.csv`,
//! `racks.csv`, `incidents.csv`, `fill.csv`). Times are seconds (float); an empty cell of the
//! file is `None`.

use pyo3::prelude::*;
use pyo3::types::PyDict;
use reports::FILL_COLUMNS;
use reports::incidents::INCIDENT_COLUMNS;
use reports::run_files::{JOBS_COLUMNS, RACKS_COLUMNS, TIMESERIES_COLUMNS};
use sim_core::faults::IncidentRow;
use sim_core::metrics::{FillRow, JobRow, RackSample, Sample};
use sim_core::time::SimTime;

/// Builds a table column by column: each `column` call takes the next name of `names`.
struct Table<'py, const N: usize> {
    dict: Bound<'py, PyDict>,
    names: [&'static str; N],
    next: usize,
}

impl<'py, const N: usize> Table<'py, N> {
    fn new(py: Python<'py>, names: [&'static str; N]) -> Self {
        Table {
            dict: PyDict::new(py),
            names,
            next: 0,
        }
    }

    /// Adds the next column, its values computed from each row.
    fn column<R, T, F>(&mut self, rows: &[R], value: F) -> PyResult<&mut Self>
    where
        F: Fn(&R) -> T,
        T: IntoPyObject<'py>,
    {
        let values: Vec<T> = rows.iter().map(value).collect();
        self.dict.set_item(self.names[self.next], values)?;
        self.next += 1;
        Ok(self)
    }

    fn finish(&self) -> Bound<'py, PyDict> {
        debug_assert_eq!(self.next, N, "every column of the table is filled");
        self.dict.clone()
    }
}

fn secs(t: SimTime) -> f64 {
    t.as_secs_f64()
}

/// `jobs.csv`.
pub fn jobs<'py>(py: Python<'py>, rows: &[JobRow]) -> PyResult<Bound<'py, PyDict>> {
    Ok(Table::new(py, JOBS_COLUMNS)
        .column(rows, |r| r.job_id.clone())?
        .column(rows, |r| secs(r.submit))?
        .column(rows, |r| r.start.map(secs))?
        .column(rows, |r| r.end.map(secs))?
        .column(rows, |r| r.state.as_str())?
        .column(rows, |r| r.wait.map(secs))?
        .column(rows, |r| r.jct.map(secs))?
        .column(rows, |r| r.restarts)?
        .column(rows, |r| r.preemptions)?
        .column(rows, |r| r.lost_gpu_s)?
        .column(rows, |r| r.split.ettr())?
        .column(rows, |r| r.split.goodput())?
        .column(rows, |r| r.split.checkpoint_s)?
        .column(rows, |r| r.split.lost_s)?
        .column(rows, |r| r.split.detection_s)?
        .column(rows, |r| r.split.waiting_s)?
        .column(rows, |r| r.split.warmup_s)?
        .column(rows, |r| r.nodes.clone())?
        .finish())
}

/// `timeseries.csv`.
pub fn timeseries<'py>(py: Python<'py>, rows: &[Sample]) -> PyResult<Bound<'py, PyDict>> {
    Ok(Table::new(py, TIMESERIES_COLUMNS)
        .column(rows, |r| secs(r.t))?
        .column(rows, |r| r.gpu_alloc)?
        .column(rows, |r| r.gpu_util)?
        .column(rows, |r| r.frag)?
        .column(rows, |r| r.queue_len)?
        .column(rows, |r| r.running)?
        .column(rows, |r| r.power_kw)?
        .column(rows, |r| r.max_temp_c)?
        .column(rows, |r| r.down_nodes)?
        .column(rows, |r| r.frag_gpus)?
        .column(rows, |r| r.frag_ratio)?
        .column(rows, |r| r.gpu_capacity_up)?
        .finish())
}

/// `racks.csv`.
pub fn racks<'py>(py: Python<'py>, rows: &[RackSample], names: &[String]) -> PyResult<Bound<'py, PyDict>> {
    Ok(Table::new(py, RACKS_COLUMNS)
        .column(rows, |r| secs(r.t))?
        .column(rows, |r| names[r.rack.index()].clone())?
        .column(rows, |r| r.power_kw)?
        .column(rows, |r| r.inlet_c)?
        .column(rows, |r| r.max_temp_c)?
        .column(rows, |r| r.uplink_util)?
        .finish())
}

/// `incidents.csv` (`id` is the row's index, `parent` the id a cascade followed from).
pub fn incidents<'py>(py: Python<'py>, rows: &[IncidentRow]) -> PyResult<Bound<'py, PyDict>> {
    let indexed: Vec<(usize, &IncidentRow)> = rows.iter().enumerate().collect();
    Ok(Table::new(py, INCIDENT_COLUMNS)
        .column(&indexed, |(i, _)| *i)?
        .column(&indexed, |(_, r)| secs(r.at))?
        .column(&indexed, |(_, r)| r.component)?
        .column(&indexed, |(_, r)| r.unit.clone())?
        .column(&indexed, |(_, r)| r.kind.to_string())?
        .column(&indexed, |(_, r)| r.cause.name())?
        .column(&indexed, |(_, r)| r.cause.parent())?
        .column(&indexed, |(_, r)| r.nodes_down)?
        .column(&indexed, |(_, r)| r.jobs_killed)?
        .column(&indexed, |(_, r)| r.jobs_requeued)?
        .column(&indexed, |(_, r)| r.jobs_failed)?
        .column(&indexed, |(_, r)| r.end.map(secs))?
        .finish())
}

/// `fill.csv`.
pub fn fill<'py>(py: Python<'py>, rows: &[FillRow]) -> PyResult<Bound<'py, PyDict>> {
    Ok(Table::new(py, FILL_COLUMNS)
        .column(rows, |r| r.arrived_pct)?
        .column(rows, |r| r.arrived_demand)?
        .column(rows, |r| r.gpu_alloc_ratio)?
        .column(rows, |r| r.pods_arrived)?
        .column(rows, |r| r.pods_failed)?
        .column(rows, |r| r.frag_amount)?
        .column(rows, |r| r.frag_ratio)?
        .finish())
}
