//! The Python exceptions: one class per kind of [`scenarios::ScenarioError`], each carrying the
//! message the `clustersim` command prints (file, line and key at fault) and its exit code.

use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::{PyErr, create_exception};
use scenarios::ScenarioError as Error;

create_exception!(
    _native,
    ScenarioError,
    PyException,
    "A scenario could not be loaded or run; the message is the command's, `exit_code` its exit code."
);
create_exception!(
    _native,
    InputError,
    ScenarioError,
    "Bad input: a file, key, value or override to fix (the command's exit code 2)."
);
create_exception!(
    _native,
    RunError,
    ScenarioError,
    "The run itself failed, e.g. a policy made an invalid decision (the command's exit code 3)."
);
create_exception!(
    _native,
    MachineError,
    ScenarioError,
    "Reading or writing a file failed through no fault of the input: disk full, no permission (exit code 4)."
);

/// The Python exception of a scenario error, with the command's message.
pub fn to_py(error: Error) -> PyErr {
    let message = error.to_string();
    match error {
        Error::Input(_) | Error::OverLimit(_) | Error::OutOfRange(_) => InputError::new_err(message),
        Error::Run(_) => RunError::new_err(message),
        Error::Io { .. } => MachineError::new_err(message),
    }
}

/// Adds the exception classes to the module, each with its `exit_code`.
pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = module.py();
    let classes = [
        ("ScenarioError", py.get_type::<ScenarioError>(), 1),
        ("InputError", py.get_type::<InputError>(), scenarios::error::EXIT_INPUT),
        ("RunError", py.get_type::<RunError>(), scenarios::error::EXIT_RUN),
        ("MachineError", py.get_type::<MachineError>(), scenarios::error::EXIT_IO),
    ];
    for (name, class, code) in classes {
        class.setattr("exit_code", code)?;
        module.add(name, class)?;
    }
    Ok(())
}
