"""Policy parts written in Python: placements, queue orders and victim rules.

A part is a class (instantiated afresh for every run, so runs stay independent) or an instance
(shared by every run) with the hook of its kind; subclassing the classes below is optional.
Register it with :func:`register` and name it in a scenario (``placement =
"py:NAME"``), or pass it to :func:`clustersim.run` (``placement=MyPlacement``). A scenario
that names ``py:module.Class`` imports and registers ``Class`` of ``module`` by itself.

The engine calls the hooks at each scheduling round, with batched views: an ``array.array``
of free GPUs per node (the call's own copy, which the hook may change), columns of the
waiting jobs. A hook that raises, or answers what the engine
cannot use, ends the run: :func:`clustersim.run` raises that error.
"""

from __future__ import annotations

import array  # noqa: F401  (named in annotations)
import importlib
import re
from typing import Any, Optional, Sequence

from . import _native

Job = _native.Job
"""A job as :meth:`Placement.place` sees it: ``id``, ``index`` (arrival number),
``submit_s``, ``wait_s``, ``tasks``, ``gpus_per_task``, ``gpus``, ``cpus_per_task``,
``mem_gib_per_task``, ``requested_s``, ``priority``, ``user``, ``queue``, ``gpu_types``."""

HOOKS = {"placement": "place", "queue": "order", "preemption": "victims"}
"""The hook of each kind of part, by the ``[policy]`` key that names the part."""


class Placement:
    """Chooses the nodes of a job's tasks."""

    def setup(self, info: dict) -> None:
        """Optional: called before the run's first decision. ``info["seed"]`` is the run's
        seed; ``info["nodes"]`` holds columns ``name``, ``rack``, ``gpus``, ``gpu_type``,
        indexed as the `free` lists of :meth:`place` are."""

    def place(self, job: Job, free: "array.array[float]") -> Optional[Sequence[int]]:
        """The node of each of ``job.tasks`` tasks, or ``None`` when the job cannot start now.

        `free` (an ``array.array`` of floats) holds the free GPUs of every node after this
        round's earlier starts (0 for a node that is down); it is this call's own copy, so the
        hook may count down what it takes. Each task must fit its node (GPUs,
        GPU model, CPU and memory): the engine checks, and a task that does not fit is an
        error. A gang's tasks may share a node when it has room for them all.
        """
        raise NotImplementedError


class QueueOrder:
    """Chooses the order in which waiting jobs are offered to the placement."""

    def setup(self, info: dict) -> None:
        """Optional: as :meth:`Placement.setup`."""

    def order(self, waiting: dict, now_s: float) -> Sequence[int]:
        """The rows of `waiting` in the order to offer them this round; rows left out are not
        offered. `waiting` holds columns ``job_id``, ``index``, ``submit_s``, ``wait_s``,
        ``tasks``, ``gpus_per_task``, ``gpus``, ``requested_s``, ``priority``, ``user``,
        ``queue``, one row per waiting job in arrival order. Without backfilling, the round
        ends at the first job that cannot start."""
        raise NotImplementedError


class VictimOrder:
    """Chooses which running jobs a blocked job preempts first (``[policy] preemption``)."""

    def setup(self, info: dict) -> None:
        """Optional: called before the rule's first call. ``info["seed"]`` is the run's seed
        (a rule that draws its order from it stays reproducible); a victim rule gets no
        ``info["nodes"]``."""

    def victims(self, candidates: dict, now_s: float) -> Sequence[int]:
        """Every row of `candidates` (running jobs of lower priority that may be preempted), in
        the order to preempt them; the engine takes the fewest first rows that make room.
        Columns as :meth:`QueueOrder.order` gives them, and ``started_s``, ``progress`` (share
        of the work done) and ``preemptions``."""
        raise NotImplementedError


_registered: dict = {}


def default_name(part: Any) -> str:
    """``module.QualifiedName`` of a class, or of an instance's class."""
    cls = part if isinstance(part, type) else type(part)
    return f"{cls.__module__}.{cls.__qualname__}"


def register(part: Any, name: Optional[str] = None, key: Optional[str] = None) -> str:
    """Registers `part` (a class or an instance) and returns the name to use in a scenario,
    ``py:NAME`` (`name` defaults to the class's ``module.QualifiedName``). It is registered for
    each ``[policy]`` key (``placement``, ``queue``, ``preemption``) whose hook it has, or for
    `key` alone. Registering a name again replaces its part."""
    name = default_name(part) if name is None else name
    full = name if name.startswith("py:") else f"py:{name}"
    keys = [key] if key is not None else [k for k, hook in HOOKS.items() if callable(getattr(part, hook, None))]
    if not keys:
        raise TypeError(f"{full}: has none of the hooks {', '.join(HOOKS.values())}")
    for k in keys:
        if k not in HOOKS:
            raise ValueError(f"key={k!r}: expected one of {', '.join(HOOKS)}")
        if not callable(getattr(part, HOOKS[k], None)):
            raise TypeError(f"{full}: a {k} part needs a `{HOOKS[k]}` method")
        _native.register_part(k, full, part)
    _registered[full] = part
    return full


_NAME = re.compile(r"py:([A-Za-z_][\w<>]*(?:\.[A-Za-z_<][\w<>]*)+)")


def _import(path: str) -> Any:
    """The object at ``module.attribute…`` `path`, importing the longest module prefix."""
    parts = path.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        module_name = ".".join(parts[:cut])
        try:
            obj = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name is not None and module_name.startswith(error.name):
                continue
            raise
        for attribute in parts[cut:]:
            obj = getattr(obj, attribute)
        return obj
    raise ImportError(f"py:{path}: no module of that path can be imported")


def register_named(texts: Sequence[str]) -> None:
    """Imports and registers every ``py:module.Name`` that `texts` name and that is not
    registered yet."""
    for text in texts:
        for path in _NAME.findall(text):
            name = f"py:{path}"
            if name not in _registered:
                try:
                    part = _import(path)
                except (ImportError, AttributeError) as error:
                    raise ImportError(f"the scenario names {name}, which cannot be imported: {error}") from error
                register(part, name)


def overrides(placement: Any = None, queue: Any = None, preemption: Any = None) -> list:
    """``policy.KEY=NAME`` overrides choosing the given parts: a name as given, or the name an
    object is registered under (registering it for that key)."""
    chosen = {"placement": placement, "queue": queue, "preemption": preemption}
    return [
        f"policy.{key}={part if isinstance(part, str) else register(part, key=key)}"
        for key, part in chosen.items()
        if part is not None
    ]
