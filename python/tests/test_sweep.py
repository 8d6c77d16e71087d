"""clustersim.sweep: the grid × seeds, its tables and its folder."""

import os

import pytest

import clustersim


def test_a_grid_of_policies_gives_the_hand_worked_waits(tiny, tmp_path):
    out = tmp_path / "sweep"
    result = clustersim.sweep(
        tiny, seeds=2, grid={"policy.name": ["first-fit", "easy-backfill"]}, out=out, threads=1, frame="dict"
    )
    assert result.out == os.fspath(out)
    assert result.failed == 0
    runs = result.runs
    assert runs["run"] == [0, 1, 2, 3]
    assert runs["seed"] == [1, 2, 1, 2]
    assert runs["policy.name"] == ["first-fit", "first-fit", "easy-backfill", "easy-backfill"]
    # The trace fixes the schedule: every seed gives the waits of test_run's schedules.
    assert runs["avg_wait_s"] == pytest.approx([220 / 3, 220 / 3, 30.0, 30.0])
    assert sorted(os.listdir(out)) == ["aggregate.csv", "sweep.csv", "sweep.json"]
    aggregate = result.aggregate
    assert set(aggregate["policy.name"]) == {"first-fit", "easy-backfill"}


def test_a_folder_holding_a_sweep_is_refused_unless_resumed(tiny, tmp_path):
    out = tmp_path / "sweep"
    clustersim.sweep(tiny, out=out, threads=1)
    with pytest.raises(clustersim.InputError, match="already holds a sweep"):
        clustersim.sweep(tiny, out=out, threads=1)
    resumed = clustersim.sweep(tiny, out=out, threads=1, resume=True, frame="dict")
    assert resumed.runs["run"] == [0]


def test_a_bad_grid_value_names_the_key(tiny):
    with pytest.raises(clustersim.InputError, match='sweep.grid."policy.name" value `best-fti`'):
        clustersim.sweep(tiny, grid={"policy.name": ["best-fti"]}, threads=1)


class PyFirstFit:
    """First fit written in Python (one node in the small scenario: node 0 when it has room)."""

    def place(self, job, free):
        return [0] * job.tasks if free[0] >= job.gpus else None


class Refuses:
    def place(self, job, free):
        raise RuntimeError(f"refusing {job.id}")


def test_sweeps_run_python_parts_and_record_their_failures(tiny):
    from clustersim.policy import register

    first_fit, refuses = register(PyFirstFit), register(Refuses)
    result = clustersim.sweep(
        tiny, grid={"policy.placement": ["first-fit", first_fit, refuses]}, threads=1, frame="dict"
    )
    runs = result.runs
    assert runs["policy.placement"] == ["first-fit", first_fit, refuses]
    assert runs["avg_wait_s"][:2] == pytest.approx([220 / 3, 220 / 3])
    assert result.failed == 1
    assert runs["status"] == ["ok", "ok", "failed"]
    assert "RuntimeError: refusing a" in runs["error"][2]
    # Where the part raised it: this file, the line of `raise`, in `place`.
    assert f"(raised at {__file__}:51, in place)" in runs["error"][2]


def test_a_failing_python_part_prints_no_rust_panic(tiny, capfd):
    from clustersim.policy import register

    refuses = register(Refuses)
    clustersim.sweep(tiny, grid={"policy.placement": [refuses]}, threads=1)
    assert "panicked" not in capfd.readouterr().err


def test_grid_values_are_lists_and_threads_at_least_one(tiny):
    with pytest.raises(TypeError, match=r"grid\['policy.name'\] = 'first-fit': expected a list"):
        clustersim.sweep(tiny, grid={"policy.name": "first-fit"}, threads=1)
    with pytest.raises(ValueError, match="threads=0: expected a whole number from 1 to 9223372036854775807"):
        clustersim.sweep(tiny, threads=0)
    with pytest.raises(ValueError, match="seeds=-2: expected a whole number from 1"):
        clustersim.sweep(tiny, seeds=-2)


def test_ctrl_c_stops_a_sweep_that_can_then_resume(tmp_path):
    import signal
    import threading

    # 4 grid points × 2,000 seeds of a library scenario: far more than runs in the 0.3 s before
    # the signal, whatever the machine.
    out = tmp_path / "sweep"
    timer = threading.Timer(0.3, signal.raise_signal, (signal.SIGINT,))
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            clustersim.sweep("library:cascading-failure", seeds=2000, out=out, threads=1)
    finally:
        timer.cancel()
    # Stopped as the command stops: the runs done are in the journal, no sweep.csv yet.
    assert "sweep.json" in os.listdir(out)
    assert "sweep.csv" not in os.listdir(out)
