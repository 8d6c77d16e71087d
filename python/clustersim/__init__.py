"""clustersim from Python: run and sweep scenarios, write policies, train agents.

- :func:`run`, :func:`sweep`, :func:`library`: what the ``clustersim`` command's ``run``,
  ``sweep`` and ``scenarios`` do, with the results as dicts and tables.
- :mod:`clustersim.gym`: ``SchedulingEnv``, a Gymnasium environment in which an agent picks
  the next job to start.

Errors raise :class:`ScenarioError` subclasses carrying the command's message (file, line and
key at fault) and its ``exit_code``.
"""

from ._api import LibraryEntry, RunResult, SweepResult, library, run, sweep
from ._native import InputError, MachineError, RunError, ScenarioError

__version__ = "0.1.0"

__all__ = [
    "InputError",
    "LibraryEntry",
    "MachineError",
    "RunError",
    "RunResult",
    "ScenarioError",
    "SweepResult",
    "library",
    "run",
    "sweep",
]
