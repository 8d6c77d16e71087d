"""clustersim.run and clustersim.library: results, tables, overrides and errors."""

import csv
import json
import math

import pytest

import clustersim

from conftest import TINY_SCENARIO


def test_fifo_and_easy_backfill_schedules_match_the_hand_worked_ones(tiny):
    # FIFO: a runs 0-100; b (8 GPUs) waits for a, runs 100-150; c queues behind b, 150-180.
    fifo = clustersim.run(tiny, frame="dict")
    jobs = fifo.jobs
    assert jobs["job_id"] == ["a", "b", "c"]
    assert jobs["start_s"] == [0.0, 100.0, 150.0]
    assert jobs["end_s"] == [100.0, 150.0, 180.0]
    assert jobs["wait_s"] == [0.0, 90.0, 130.0]
    assert jobs["state"] == ["completed"] * 3
    assert fifo.summary["avg_wait_s"] == pytest.approx(220 / 3)
    assert fifo.summary["avg_jct_s"] == pytest.approx((100 + 140 + 160) / 3)
    assert fifo.policy == "first-fit"
    # EASY backfilling starts c at 20 on a's free half: it ends at 50, before b's reservation.
    easy = clustersim.run(tiny, {"policy.name": "easy-backfill"}, frame="dict")
    assert easy.jobs["start_s"] == [0.0, 100.0, 20.0]
    assert easy.summary["avg_wait_s"] == pytest.approx(30.0)
    assert easy.policy == "easy-backfill"
    assert easy.event_digest != fifo.event_digest


def test_overrides_as_set_flags_and_seed(tiny):
    as_flags = clustersim.run(tiny, ["policy.name=easy-backfill"], seed=7, frame="dict")
    assert as_flags.summary["seed"] == 7
    assert as_flags.summary["scenario"]["seed"] == 7
    assert as_flags.summary["policy"] == "easy-backfill"


def test_text_scenarios_resolve_paths_against_base_dir(tiny):
    text = clustersim.run(TINY_SCENARIO, base_dir=tiny.parent, frame="dict")
    from_file = clustersim.run(tiny, frame="dict")
    assert text.event_digest == from_file.event_digest
    assert text.jobs == from_file.jobs


def test_the_library_entry_matches_its_documented_figures():
    # README: pdu-trip takes 8 nodes down, kills 11 jobs, loses 53.7 GPU-h; mean JCT 11,697 s.
    result = clustersim.run("library:pdu-trip", frame="dict")
    assert round(result.summary["avg_jct_s"]) == 11697
    assert round(result.summary["lost_gpu_hours"], 1) == 53.7
    incidents = result.incidents
    trip = incidents["kind"].index("pdu-trip")
    assert incidents["nodes_down"][trip] == 8
    assert incidents["jobs_killed"][trip] == 11
    # Its PDUs are modelled: racks.csv has a row per rack (4 racks of 8 nodes) per sample.
    assert sorted(set(result.racks["rack"])) == ["r0", "r1", "r2", "r3"]
    assert len(result.racks["t_s"]) == 4 * len(result.timeseries["t_s"])
    assert result.fill is None


def test_a_run_into_an_earlier_runs_folder_leaves_none_of_its_files(tiny, tmp_path):
    # A run with failures writes incidents.csv and racks.csv; the tiny run that replaces it in
    # the same folder writes neither, and an earlier report goes too, as `run --no-report` does.
    out = tmp_path / "out"
    clustersim.run("library:pdu-trip", out=out)
    (out / "report.html").write_text("an earlier page")
    assert (out / "incidents.csv").exists() and (out / "racks.csv").exists()
    clustersim.run(tiny, out=out)
    assert sorted(p.name for p in out.iterdir()) == ["jobs.csv", "summary.json", "timeseries.csv"]


def test_a_run_refuses_a_sweeps_folder_and_clears_a_killed_runs_temporary_files(tiny, tmp_path):
    # A folder holding a sweep is refused as the command refuses it, and left as it was; the
    # temporary files a killed run left in a run folder go with the next run.
    sweep = tmp_path / "sweep"
    sweep.mkdir()
    (sweep / "sweep.json").write_text("{}")
    with pytest.raises(clustersim.InputError, match="holds a sweep or comparison"):
        clustersim.run(tiny, out=sweep)
    assert [p.name for p in sweep.iterdir()] == ["sweep.json"]
    out = tmp_path / "out"
    out.mkdir()
    (out / ".jobs.csv.a1B2c3.tmp").write_text("left")
    clustersim.run(tiny, out=out)
    assert sorted(p.name for p in out.iterdir()) == ["jobs.csv", "summary.json", "timeseries.csv"]


def test_tables_equal_the_files_the_run_writes(tiny, tmp_path):
    out = tmp_path / "out"
    result = clustersim.run(tiny, out=out, frame="dict")
    assert sorted(p.rsplit("/", 1)[-1] for p in result.written) == ["jobs.csv", "summary.json", "timeseries.csv"]
    with open(out / "summary.json") as f:
        assert json.load(f) == result.summary
    with open(out / "jobs.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == list(result.jobs)
    for i, row in enumerate(rows):
        for name, text in row.items():
            value = result.jobs[name][i]
            if text == "":
                assert value is None
            elif isinstance(value, str):
                assert value == text
            else:
                assert math.isclose(float(text), value)
    with open(out / "timeseries.csv", newline="") as f:
        samples = list(csv.DictReader(f))
    assert [float(s["t_s"]) for s in samples] == result.timeseries["t_s"]


def test_a_run_that_keeps_no_jobs_streams_the_files_as_the_command_does(tiny, tmp_path):
    kept = clustersim.run(tiny, out=tmp_path / "kept", frame="dict")
    streamed = clustersim.run(tiny, out=tmp_path / "streamed", frame="dict", keep_jobs=False)
    assert streamed.jobs is None
    assert streamed.summary == kept.summary
    assert streamed.timeseries == kept.timeseries
    assert (tmp_path / "streamed" / "timeseries.csv").read_bytes() == (tmp_path / "kept" / "timeseries.csv").read_bytes()

    def rows(folder):
        with open(tmp_path / folder / "jobs.csv", newline="") as f:
            return list(csv.DictReader(f))

    # The same rows; written as jobs end (the command's order), not in arrival order.
    assert sorted(map(tuple, (r.values() for r in rows("streamed")))) == sorted(
        map(tuple, (r.values() for r in rows("kept")))
    )
    ends = [float(r["end_s"]) for r in rows("streamed")]
    assert ends == sorted(ends)
    # Without a folder, nothing but the metrics and the time series.
    bare = clustersim.run(tiny, frame="dict", keep_jobs=False)
    assert bare.jobs is None and bare.summary == kept.summary and bare.timeseries == kept.timeseries
    # A run that fails on a bad row leaves nothing behind, not even the folder it made.
    with open(tiny.parent / "tiny.csv", "a") as f:
        f.write("d,30,ten,1,4\n")
    with pytest.raises(clustersim.InputError, match="tiny.csv:5"):
        clustersim.run(tiny, out=tmp_path / "failed", keep_jobs=False)
    assert not (tmp_path / "failed").exists()


def test_ctrl_c_stops_a_run_and_leaves_no_folder(tmp_path):
    import signal
    import threading

    # 1M synthetic jobs: seconds of work, far more than the 0.3 s before the signal.
    scenario = """name = "long"
[cluster]
racks = 16
nodes_per_rack = 8
node = { gpus = 8, gpu_type = "A100-80GB" }
[workload.synthetic]
jobs = 1000000
"""
    for keep_jobs in (True, False):
        out = tmp_path / f"out-{keep_jobs}"
        timer = threading.Timer(0.3, signal.raise_signal, (signal.SIGINT,))
        timer.start()
        try:
            with pytest.raises(KeyboardInterrupt):
                clustersim.run(scenario, out=out, keep_jobs=keep_jobs)
        finally:
            timer.cancel()
        assert not out.exists()


def test_library_lists_the_incident_library():
    entries = clustersim.library()
    assert [e.name for e in entries] == [
        "cascading-failure",
        "preemption-paradox",
        "thermal-throttle",
        "tor-failure",
        "pdu-trip",
        "spot-reclaim",
        "llama3-54d",
        "checkpoint-interval",
        "ettr-vs-size",
        "gpu-sharing",
        "spares-and-lemons",
    ]
    assert all(e.text.startswith("# " + e.title) for e in entries)


def test_errors_carry_the_commands_message_and_exit_code(tiny):
    with pytest.raises(clustersim.InputError) as error:
        clustersim.run(TINY_SCENARIO.replace("racks = 1", "rackz = 1"))
    assert str(error.value) == (
        "<scenario text>:5:1: unknown key `rackz` in [cluster] (did you mean `racks`?); "
        "valid keys: racks, nodes_per_rack, node, nodes_file, nodes_format, from_trace"
    )
    assert error.value.exit_code == 2
    assert isinstance(error.value, clustersim.ScenarioError)
    tiny.write_text(TINY_SCENARIO.replace("racks = 1", 'racks = "one"'))
    with pytest.raises(clustersim.InputError, match=r"tiny\.toml:5:9: cluster\.racks: expected a whole number from 0 to 4294967295, found the text \"one\""):
        clustersim.run(tiny)
    with pytest.raises(clustersim.InputError) as error:
        clustersim.run(TINY_SCENARIO, {"cluster.rackz": 2})
    assert str(error.value).startswith("<scenario text> with --set cluster.rackz=2: unknown key `rackz` in [cluster]")
    with pytest.raises(clustersim.InputError, match="unknown library scenario `nope`; the library: cascading-failure,"):
        clustersim.run("library:nope")
    with pytest.raises(clustersim.InputError, match="not KEY=VALUE"):
        clustersim.run(tiny, ["policy.name"])
    with pytest.raises(ValueError, match="seed=-1: expected a whole number from 0 to 9223372036854775807"):
        clustersim.run(tiny, seed=-1)
    # A missing file whose path holds `=` is a missing file, not TOML text.
    with pytest.raises(clustersim.InputError, match="exp/lr=0.1/s.toml"):
        clustersim.run("exp/lr=0.1/s.toml")


def test_frames_follow_what_is_installed(tiny):
    with pytest.raises(ValueError, match="frame='table'"):
        clustersim.run(tiny, frame="table")
    pandas = pytest.importorskip("pandas")
    result = clustersim.run(tiny, frame="pandas")
    assert isinstance(result.jobs, pandas.DataFrame)
    assert list(result.jobs["wait_s"]) == [0.0, 90.0, 130.0]
    assert isinstance(clustersim.run(tiny).jobs, pandas.DataFrame)


def test_polars_frames(tiny):
    polars = pytest.importorskip("polars")
    result = clustersim.run(tiny, frame="polars")
    assert isinstance(result.jobs, polars.DataFrame)
    assert result.jobs["wait_s"].to_list() == [0.0, 90.0, 130.0]


def test_numpy_values_are_the_values_they_hold(tiny):
    np = pytest.importorskip("numpy")
    # np.float64 is a float whose repr is not a number under NumPy 2; np.int64 is no int.
    plain = clustersim.run(tiny, {"cluster.racks": 2, "workload.comm_fraction": 0.5}, frame="dict")
    numpy = clustersim.run(tiny, {"cluster.racks": np.int64(2), "workload.comm_fraction": np.float64(0.5)}, frame="dict")
    assert numpy.event_digest == plain.event_digest
    with pytest.raises(TypeError, match="cluster.racks: cannot write a NoneType"):
        clustersim.run(tiny, {"cluster.racks": None})


def test_errors_pickle_as_the_packages_own():
    import pickle

    with pytest.raises(clustersim.InputError) as raised:
        clustersim.run("library:nope")
    again = pickle.loads(pickle.dumps(raised.value))
    assert type(again) is clustersim.InputError and type(again).__module__ == "clustersim"
    assert str(again) == str(raised.value)
