//! `clustersim._native`: the extension module behind the `clustersim` Python package.
//!
//! - [`run`]: `run`, `sweep` and `library`, as the command runs them.
//! - [`env`]: the engine side of the Gymnasium environment, a run that pauses at each decision.
//! - [`pypolicy`]: placements, queue orders and victim rules written in Python.
//! - [`tables`]: a run's tables as Python columns; [`error`]: the exceptions.

mod env;
mod error;
mod pypolicy;
mod run;
mod scenario;
mod tables;

use pyo3::prelude::*;

/// The module: functions, the environment class and the exceptions.
#[pymodule]
fn _native(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_function(wrap_pyfunction!(run::run, module)?)?;
    module.add_function(wrap_pyfunction!(run::sweep, module)?)?;
    module.add_function(wrap_pyfunction!(run::library, module)?)?;
    module.add_function(wrap_pyfunction!(pypolicy::register_part, module)?)?;
    module.add_class::<env::Env>()?;
    module.add_class::<pypolicy::JobInfo>()?;
    error::register(module)?;
    Ok(())
}
