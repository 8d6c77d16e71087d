"""Shared fixtures: the repository's files and a small scenario whose schedules are worked out
by hand in the tests."""

import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LUBLIN = os.path.join(ROOT, "benches", "scenarios", "lublin-256-flat.toml")

# One node of 8 GPUs. a: 4 GPUs for 100 s from 0; b: 8 GPUs for 50 s from 10; c: 4 GPUs for
# 30 s from 20. Requested times equal run times.
TINY_TRACE = """job_id,submit_s,duration_s,tasks,gpus_per_task
a,0,100,1,4
b,10,50,1,8
c,20,30,1,4
"""

TINY_SCENARIO = """name = "tiny"
seed = 1

[cluster]
racks = 1
nodes_per_rack = 1
node = { gpus = 8, gpu_type = "A100" }

[workload]
trace = "tiny.csv"

[policy]
name = "first-fit"
"""


@pytest.fixture
def tiny(tmp_path):
    """The small scenario's file (its trace beside it)."""
    (tmp_path / "tiny.csv").write_text(TINY_TRACE)
    path = tmp_path / "tiny.toml"
    path.write_text(TINY_SCENARIO)
    return path
