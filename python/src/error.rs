//! The Python exceptions: one class per kind of [`scenarios::ScenarioError`], each carrying the
//! message the `clustersim` command prints (file, line and key at fault) and its exit code.

use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::{PyErr, create_exception};
use scenarios::ScenarioError as Error;
use scenarios::error::Failure;

/// The `clustersim` command's exit code of bad input.
const EXIT_INPUT: i32 = 2;
/// Its exit code of a run that failed.
const EXIT_RUN: i32 = 3;
/// Its exit code of an I/O failure that is not the input's fault.
const EXIT_IO: i32 = 4;

// Named as the package exports them (`clustersim.InputError`), so that they pickle (across
// processes) and read as such in tracebacks.
create_exception!(
    clustersim,
    ScenarioError,
    PyException,
    "A scenario could not be loaded or run; the message is the command's, `exit_code` its exit code."
);
create_exception!(
    clustersim,
    InputError,
    ScenarioError,
    "Bad input: a file, key, value or override to fix (the command's exit code 2)."
);
create_exception!(
    clustersim,
    RunError,
    ScenarioError,
    "The run itself failed, e.g. a policy made an invalid decision (the command's exit code 3)."
);
create_exception!(
    clustersim,
    MachineError,
    ScenarioError,
    "Reading or writing a file failed through no fault of the input: disk full, no permission (exit code 4)."
);

/// The Python exception of a scenario error, with the command's message.
pub fn to_py(error: Error) -> PyErr {
    let message = error.to_string();
    match error.failure() {
        Failure::Input => InputError::new_err(message),
        Failure::Run => RunError::new_err(message),
        Failure::Machine => MachineError::new_err(message),
    }
}

/// Adds the exception classes to the module, each with its `exit_code`.
pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = module.py();
    let classes = [
        ("ScenarioError", py.get_type::<ScenarioError>(), 1),
        ("InputError", py.get_type::<InputError>(), EXIT_INPUT),
        ("RunError", py.get_type::<RunError>(), EXIT_RUN),
        ("MachineError", py.get_type::<MachineError>(), EXIT_IO),
    ];
    for (name, class, code) in classes {
        class.setattr("exit_code", code)?;
        module.add(name, class)?;
    }
    Ok(())
}
