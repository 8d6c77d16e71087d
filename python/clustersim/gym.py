"""A Gymnasium environment in which an agent chooses the next job to start.

In the style of RLScheduler (Zhang et al., SC '20): an episode replays a sequence of jobs of a
scenario's workload on its cluster; at each decision the agent sees a window of waiting jobs
and the cluster, and picks the job to start next. The scenario's placement rule (first fit by
default) places it. A job that fits starts at once and the agent is asked again; a job that
does not fit becomes the next job to start, and nothing else starts until it does (without
backfilling), or the engine backfills the other waiting jobs around it by a backfill rule
(``backfill="easy"``), as a native policy with that rule does. An agent that always picks
row 0, the oldest waiting job, therefore makes exactly the FIFO order's decisions: its episode
is the native ``first-fit`` run of the same jobs (with ``backfill="easy"`` and
``placement="best-fit"``, the ``easy-backfill`` run), event for event (see
:meth:`SchedulingEnv.native`).

The engine runs in Rust as a coroutine on the calling thread and pauses at each decision;
nothing is simulated twice. An environment is therefore used from the thread that created it
(gymnasium's vector environments make one per worker, which is fine).
"""

from __future__ import annotations

import json
import threading
from typing import Any, Callable, Optional, Union

try:
    import gymnasium
    import numpy as np
    from gymnasium import spaces
except ImportError as missing:
    raise ImportError(
        f"clustersim.gym needs gymnasium and NumPy ({missing}): pip install gymnasium"
    ) from missing

from . import _api, _native, _scenario, policy
from ._scenario import Scenario

JOB_FEATURES = (
    "present",
    "wait",
    "requested_time",
    "gpus",
    "task_gpus",
    "fits_now",
)
"""The columns of ``observation["jobs"]``, all in [0, 1]: 1 for a waiting job (0 for an
empty row); its wait so far ÷ `time_scale_s`; its requested run time ÷ `time_scale_s`; its
GPUs ÷ the cluster's; one task's GPUs ÷ the largest node's; 1 when the free GPUs could hold it
now (counting GPU capacity only)."""

CLUSTER_FEATURES = ("free_gpus", "largest_free_block", "waiting", "waiting_gpus")
"""``observation["cluster"]``, all in [0, 1]: free GPU capacity ÷ total; the largest free
block on one node ÷ the largest node; waiting jobs ÷ the window (at most 1); GPUs the waiting
jobs ask for ÷ the cluster's (at most 1)."""

REWARDS = {
    "bsld": ("avg_bounded_slowdown", -1.0),
    "wait": ("avg_wait_s", -1.0),
    "jct": ("avg_jct_s", -1.0),
    "makespan": ("makespan_s", -1.0),
    "utilization": ("gpu_alloc_ratio", 1.0),
}
"""Named rewards: the metric of the finished episode and its sign (``bsld``: minus the mean
bounded slowdown, the default; ``utilization``: the allocated share of the GPU capacity)."""

Reward = Union[str, Callable[[dict], float]]


#: The widest window: an observation holds a row per job of it, and the action masks a row per
#: pair of rows (16 MiB at this width); RLScheduler's agents see 128 jobs.
MAX_WINDOW = 4096


class SchedulingEnv(gymnasium.Env):
    """Choose the next job to start; episodes are sequences of a scenario's workload.

    - `scenario`, `overrides`, `seed`: as :func:`clustersim.run` takes them (the cluster, the
      workload and its settings; the policy's own keys are not used except ``kill_at_limit``).
    - `window`: waiting jobs shown per observation (the action space is ``Discrete(window)``).
    - `sequence_length`: jobs per episode, a run of consecutive jobs of the workload starting
      at a position drawn from the reset's seed; ``None`` replays the whole workload.
    - `time_scale_s`: seconds that count as 1 in the time features (clipped at 1).
    - `placement`: the placement rule that places the chosen job (``first-fit``,
      ``best-fit``, …), or a placement written in Python (:mod:`clustersim.policy`).
    - `backfill`: ``"none"`` (the default: nothing starts before the chosen job that does not
      fit), or a backfill rule, ``"easy"`` or ``"conservative"``: once the chosen job cannot
      start, the engine gives it a reservation and starts the other waiting jobs, in arrival
      order, that the rule lets start, without asking the agent; the agent is asked again
      once the chosen job has started. Backfilled jobs need no decision.
    - `reward`: a name of :data:`REWARDS`, or a function of the finished episode's metrics
      (the keys of ``summary.json``) returning the reward. The reward comes at the end of the
      episode; every other step's is 0.

    An episode ends *terminated* when every one of its jobs has ended, and *truncated* when the
    scenario's ``horizon`` stopped it with jobs still waiting or running (Gymnasium's time
    limit: the last reward is then that of the metrics so far, of the jobs that finished).

    Observation: ``{"jobs": (window, 6) float32, "cluster": (4,) float32}`` (see
    :data:`JOB_FEATURES`, :data:`CLUSTER_FEATURES`), jobs in arrival order. Action: a row of
    the window; a row past the waiting jobs stands for row 0 (``info["action_mask"]`` and
    :meth:`action_masks` tell the valid rows). ``info`` holds ``time_s`` and ``waiting``; at
    the end also ``metrics``, ``event_digest`` and ``decisions``.
    """

    metadata = {"render_modes": []}

    def __init__(
        self,
        scenario: Scenario,
        overrides: Any = None,
        *,
        seed: Optional[int] = None,
        window: int = 32,
        sequence_length: Optional[int] = 256,
        time_scale_s: float = 86400.0,
        placement: Any = "first-fit",
        backfill: str = "none",
        reward: Reward = "bsld",
        base_dir: Optional[Scenario] = None,
    ):
        if isinstance(reward, str) and reward not in REWARDS:
            raise ValueError(f"reward={reward!r}: expected one of {', '.join(REWARDS)}, or a function of the metrics")
        self._thread = threading.get_ident()
        seed = _scenario.whole("seed", seed)
        window = _scenario.whole("window", window, low=1, high=MAX_WINDOW)
        placement = placement if isinstance(placement, str) else policy.register(placement, key="placement")
        policy.register_named([placement])
        self._env = _native.Env(
            **_scenario.source(scenario, base_dir),
            overrides=_api.prepare(scenario, overrides),
            seed=seed,
            window=window,
            time_scale_s=time_scale_s,
            placement=placement,
            backfill=backfill,
        )
        jobs = self._env.trace_jobs
        if sequence_length is not None and sequence_length < 1:
            raise ValueError(f"sequence_length={sequence_length}: at least 1 job, or None for the whole workload")
        self.sequence_length = jobs if sequence_length is None else min(sequence_length, jobs)
        self.window = window
        self.reward = reward
        self._rows = window * len(JOB_FEATURES)
        self.observation_space = spaces.Dict(
            {
                "jobs": spaces.Box(0.0, 1.0, (window, len(JOB_FEATURES)), np.float32),
                "cluster": spaces.Box(0.0, 1.0, (len(CLUSTER_FEATURES),), np.float32),
            }
        )
        self.action_space = spaces.Discrete(window)
        # Row w: the mask of an observation with w waiting jobs (each step gets a copy).
        self._masks = np.arange(window)[None, :] < np.arange(window + 1)[:, None]
        self._offset = self._rows * np.dtype(np.float32).itemsize
        self.episode: Optional[tuple] = None
        """The jobs of the current episode: (first, count) positions in the workload."""
        self._waiting = 0

    @property
    def trace_jobs(self) -> int:
        """Jobs in the workload."""
        return self._engine().trace_jobs

    def _engine(self):
        """The native environment, from the thread that made it: its paused run lives on that
        thread, and another thread's call is refused here with a clear error."""
        if threading.get_ident() != self._thread:
            raise RuntimeError(
                "a SchedulingEnv is used only from the thread that created it (its engine pauses "
                "on that thread); make one environment per thread, as gymnasium's vector "
                "environments do"
            )
        return self._env

    def reset(self, *, seed: Optional[int] = None, options: Optional[dict] = None):
        """Starts an episode. `options` may fix ``start`` (the position of its first job in
        the workload) and ``length``; otherwise the start is drawn from the seed."""
        super().reset(seed=seed)
        options = options or {}
        unknown = sorted(set(options) - {"start", "length"})
        if unknown:
            raise ValueError(f"reset options {unknown}: the options are start and length")
        length = _scenario.whole("length", options.get("length", self.sequence_length), low=1, high=self.trace_jobs)
        start = _scenario.whole("start", options.get("start"), high=self.trace_jobs - length)
        if start is None:
            start = int(self.np_random.integers(0, self.trace_jobs - length + 1))
        data, waiting, now_s, done = self._engine().start(int(start), length)
        if done:
            raise RuntimeError(
                f"jobs {start} to {start + length - 1} of the workload need no decision: "
                "the cluster refused every one of them"
            )
        self.episode = (int(start), length)
        return self._observation(data, waiting), self._info(waiting, now_s)

    def step(self, action):
        """Starts the job in row `action` of the window (or keeps it as the next to start)
        and runs to the next decision. `action` is a row of the window, a whole number from 0
        to ``window - 1`` (a Python or NumPy integer); anything else is a ``ValueError``."""
        if isinstance(action, np.ndarray) and action.shape == ():
            action = action.item()
        if isinstance(action, bool) or not isinstance(action, (int, np.integer)) or not 0 <= action < self.window:
            raise ValueError(f"action={action!r}: expected a row of the window, a whole number from 0 to {self.window - 1}")
        data, waiting, now_s, done = self._engine().step(int(action))
        info = self._info(waiting, now_s)
        reward = 0.0
        terminated = truncated = False
        if done:
            outcome = self._engine().outcome()
            metrics = json.loads(outcome["metrics"])
            info.update(metrics=metrics, event_digest=outcome["event_digest"], decisions=outcome["decisions"])
            reward = self._reward(metrics)
            # A run that ended with jobs still waiting or running was cut short (by the
            # scenario's horizon): the episode is truncated, not over.
            truncated = metrics["jobs_pending_at_end"] + metrics["jobs_running_at_end"] > 0
            terminated = not truncated
        return self._observation(data, waiting), reward, terminated, truncated, info

    def action_masks(self) -> np.ndarray:
        """The rows of the window that hold a waiting job (for maskable agents)."""
        return self._masks[self._waiting].copy()

    def native(self, policy: str = "first-fit") -> dict:
        """Runs the current episode's jobs under the built-in preset `policy` on the same
        cluster and settings; returns ``metrics`` and ``event_digest`` (to compare with those of
        the episode's last ``info``), ``end_s`` (when the run ended, in seconds) and
        ``jobs_rejected`` (jobs that ended without starting)."""
        if self.episode is None:
            raise RuntimeError("no episode yet: call reset first")
        outcome = self._engine().native(policy, *self.episode)
        outcome["metrics"] = json.loads(outcome["metrics"])
        return outcome

    def close(self):
        """Ends the episode in progress, if any."""
        self._engine().close()

    def _observation(self, data: bytes, waiting: int) -> dict:
        # Read-only arrays over the bytes the engine wrote.
        return {
            "jobs": np.ndarray((self.window, len(JOB_FEATURES)), np.float32, data),
            "cluster": np.ndarray((len(CLUSTER_FEATURES),), np.float32, data, self._offset),
        }

    def _info(self, waiting: int, now_s: float) -> dict:
        self._waiting = waiting
        return {"time_s": now_s, "waiting": waiting, "action_mask": self.action_masks()}

    def _reward(self, metrics: dict) -> float:
        if callable(self.reward):
            return float(self.reward(metrics))
        name, sign = REWARDS[self.reward]
        value = metrics.get(name)
        return 0.0 if value is None else sign * float(value)
