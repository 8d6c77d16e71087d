"""Running and sweeping scenarios, and the incident library."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Optional

from . import _frames, _native, _scenario, policy
from ._scenario import Scenario


@dataclass
class RunResult:
    """One run: the metrics and the tables ``clustersim run`` writes."""

    summary: dict
    """``summary.json``: every metric at the top level, then ``event_digest``, ``policy``,
    ``seed``, ``scenario`` (as run), ``end_s``, ``jobs_rejected``, ``trace_rows_skipped``."""
    jobs: Any
    """``jobs.csv``'s rows, one per job, in arrival order (``clustersim run`` writes them as
    jobs end; this table and a file written with `out` hold them in arrival order); ``None``
    for a run with ``keep_jobs=False``."""
    timeseries: Any
    """``timeseries.csv``: the sampled cluster state."""
    racks: Any = None
    """``racks.csv`` when a physical model is on, else ``None``."""
    incidents: Any = None
    """``incidents.csv`` when a failure model is on or something failed, else ``None``."""
    fill: Any = None
    """``fill.csv`` of a fill run, else ``None``."""
    policy: str = ""
    """The policy as run (the preset, then any replaced parts)."""
    written: list = field(default_factory=list)
    """The paths of the files written, when `out` was given (else empty)."""

    @property
    def event_digest(self) -> str:
        """Hash of the ordered stream of applied events: equal digests mean equal runs."""
        return self.summary["event_digest"]


@dataclass
class SweepResult:
    """A sweep: its folder and its tables."""

    out: str
    """The folder holding ``sweep.json``, ``sweep.csv`` and ``aggregate.csv``."""
    runs: Any
    """``sweep.csv``: one row per run (index, seed, grid values, status, metrics)."""
    aggregate: Any
    """``aggregate.csv``: per grid point and metric, the mean and its 95 % interval."""
    failed: int = 0
    """Runs that failed (their ``status`` says why)."""


class LibraryEntry(NamedTuple):
    """One scenario of the incident library (run it as ``library:NAME``)."""

    name: str
    title: str
    text: str


def prepare(scenario: Scenario, overrides: Any, placement: Any = None, queue: Any = None, preemption: Any = None) -> list:
    """The overrides of a run: `overrides`, then the parts given as arguments; registers the
    Python parts they and the scenario name."""
    settings = _scenario.overrides(overrides) + policy.overrides(placement, queue, preemption)
    policy.register_named(_scenario.texts(scenario, settings))
    return settings


def run(
    scenario: Scenario,
    overrides: Any = None,
    seed: Optional[int] = None,
    *,
    placement: Any = None,
    queue: Any = None,
    preemption: Any = None,
    out: Optional[Scenario] = None,
    frame: str = "auto",
    base_dir: Optional[Scenario] = None,
    keep_jobs: bool = True,
) -> RunResult:
    """Runs `scenario` once, as ``clustersim run`` does.

    `scenario` is a path, ``library:NAME`` or TOML text; `overrides` a mapping of dotted keys
    to values (``{"policy.name": "best-fit"}``) or ``KEY=VALUE`` strings, as ``--set`` takes
    them; `seed` replaces the scenario's seed. `placement`, `queue` and `preemption` replace
    the policy's parts: a name, or a part written in Python (:mod:`clustersim.policy`; a class
    or an instance). With `out`, the run's files (``summary.json``,
    ``jobs.csv``, ``timeseries.csv``, …) are written there too. Tables come as `frame` asks
    (``"auto"``: pandas, else polars, else a dict of lists). With ``keep_jobs=False`` the run
    keeps no job's row (``jobs`` is ``None``) and its memory does not grow with the trace (a
    replay of millions of jobs); with `out` its files are then written as the run goes, as
    ``clustersim run`` writes them (``jobs.csv`` in the order jobs end). Bad input raises
    :class:`clustersim.InputError` with the command's message; a Python part's error is raised
    as the part raised it.
    """
    _frames.check(frame)
    seed = _scenario.whole("seed", seed)
    native = _native.run(
        **_scenario.source(scenario, base_dir),
        overrides=prepare(scenario, overrides, placement, queue, preemption),
        seed=seed,
        out=None if out is None else os.fspath(out),
        keep_jobs=bool(keep_jobs),
    )
    return RunResult(
        summary=json.loads(native["summary"]),
        jobs=_frames.table(native["jobs"], frame) if keep_jobs else None,
        timeseries=_frames.table(native["timeseries"], frame),
        racks=_frames.table(native["racks"], frame),
        incidents=_frames.table(native["incidents"], frame),
        fill=_frames.table(native["fill"], frame),
        policy=native["policy"],
        written=[os.fspath(p) for p in native["written"]],
    )


def sweep(
    scenario: Scenario,
    overrides: Any = None,
    *,
    seeds: Optional[int] = None,
    grid: Optional[dict] = None,
    out: Optional[Scenario] = None,
    threads: Optional[int] = None,
    resume: bool = False,
    frame: str = "auto",
    base_dir: Optional[Scenario] = None,
) -> SweepResult:
    """Runs the grid × seeds of `scenario`'s ``[sweep]``, as ``clustersim sweep`` does.

    `seeds` sets ``sweep.seeds``; `grid` maps dotted keys to the values each takes
    (``{"policy.name": ["first-fit", "best-fit"]}``), replacing those keys of
    ``[sweep.grid]``. The files go to `out` (a new temporary folder when not given); a folder
    that holds a sweep is refused unless `resume` continues it. `threads` defaults to every
    core. The policies may name Python parts (``py:NAME``, see :mod:`clustersim.policy`): a
    run whose part fails is recorded as failed, with the error, and the sweep goes on.
    """
    _frames.check(frame)
    threads = _scenario.whole("threads", threads, low=1)
    seeds = _scenario.whole("seeds", seeds, low=1)
    for key, values in (grid or {}).items():
        if isinstance(values, (str, bytes, dict)) or not hasattr(values, "__iter__"):
            raise TypeError(
                f"grid[{key!r}] = {values!r}: expected a list of the values the key takes, e.g. [{values!r}]"
            )
    folder = tempfile.mkdtemp(prefix="clustersim-sweep-") if out is None else os.fspath(out)
    pairs = [(str(key), _scenario.keyed_value(key, list(values))) for key, values in (grid or {}).items()]
    settings = prepare(scenario, overrides)
    policy.register_named([values for _, values in pairs])
    outcome = _native.sweep(
        **_scenario.source(scenario, base_dir),
        out=folder,
        overrides=settings,
        seeds=seeds,
        grid=pairs,
        threads=threads,
        resume=resume,
    )
    runs = _frames.read_csv(os.path.join(folder, "sweep.csv"))
    aggregate = _frames.read_csv(os.path.join(folder, "aggregate.csv"))
    return SweepResult(
        out=folder,
        runs=_frames.table(runs, frame),
        aggregate=_frames.table(aggregate, frame),
        failed=outcome["failed"],
    )


def library() -> list:
    """The incident library: a :class:`LibraryEntry` per scenario, in listing order."""
    return [LibraryEntry(*entry) for entry in _native.library()]
