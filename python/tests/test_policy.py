"""Policy parts written in Python: the same decisions as the built-in parts they copy, named
in scenarios or passed as objects, seeded and deterministic, and their errors."""

import random
import textwrap

import pytest

import clustersim
from clustersim.policy import Placement, QueueOrder, VictimOrder, register

from conftest import LUBLIN, TINY_SCENARIO


class FirstFit(Placement):
    """The built-in first fit: each task on the lowest-numbered node with room."""

    def place(self, job, free):
        nodes = []
        for _ in range(job.tasks):
            for i, f in enumerate(free):
                if f >= job.gpus_per_task:
                    free[i] = f - job.gpus_per_task
                    nodes.append(i)
                    break
            else:
                return None
        return nodes


class ShortestFirst(QueueOrder):
    """The built-in `sjf` order: shortest requested time first, then arrival."""

    def order(self, waiting, now_s):
        rows = range(len(waiting["index"]))
        return sorted(rows, key=lambda r: (waiting["requested_s"][r], waiting["index"][r]))


class Newest(VictimOrder):
    """The built-in `newest` rule: the most recently started first, then the latest arrival."""

    def victims(self, candidates, now_s):
        rows = range(len(candidates["index"]))
        return sorted(rows, key=lambda r: (-candidates["started_s"][r], -candidates["index"][r]))


class RandomFit(Placement):
    """Each task on its own node, drawn at random from the run's seed among the nodes with room."""

    def setup(self, info):
        self.random = random.Random(info["seed"])

    def place(self, job, free):
        fits = [i for i, f in enumerate(free) if f >= job.gpus_per_task]
        return self.random.sample(fits, job.tasks) if len(fits) >= job.tasks else None


def test_a_python_first_fit_makes_the_built_in_first_fits_decisions():
    native = clustersim.run(LUBLIN, {"policy.name": "first-fit"}, frame="dict")
    python = clustersim.run(LUBLIN, {"policy.name": "first-fit"}, placement=FirstFit, frame="dict")
    assert python.policy == "first-fit[placement=py:test_policy.FirstFit]"
    assert python.event_digest == native.event_digest
    assert python.jobs["nodes"] == native.jobs["nodes"]


def test_a_python_queue_order_makes_the_built_in_sjfs_decisions():
    native = clustersim.run(LUBLIN, {"policy.queue": "sjf"}, frame="dict")
    python = clustersim.run(LUBLIN, queue=ShortestFirst(), frame="dict")
    assert python.policy == "best-fit[queue=py:test_policy.ShortestFirst]"
    assert python.event_digest == native.event_digest


def test_a_python_victim_rule_makes_the_built_in_newests_decisions():
    native = clustersim.run("library:preemption-paradox", {"policy.preemption": "newest"}, frame="dict")
    python = clustersim.run("library:preemption-paradox", preemption=Newest, frame="dict")
    assert python.summary["preemptions"] == native.summary["preemptions"] > 0
    assert python.event_digest == native.event_digest


class RandomVictims(VictimOrder):
    """Victims in a random order drawn from the run's seed."""

    def setup(self, info):
        self.random = random.Random(info["seed"])

    def victims(self, candidates, now_s):
        rows = list(range(len(candidates["index"])))
        self.random.shuffle(rows)
        return rows


def test_python_victim_rules_draw_from_the_runs_seed():
    calls = []

    class Recorder(RandomVictims):
        def victims(self, candidates, now_s):
            rows = super().victims(candidates, now_s)
            calls.append((candidates["job_id"], rows))
            return rows

    def run(seed):
        calls.clear()
        result = clustersim.run("library:preemption-paradox", seed=seed, preemption=Recorder, frame="dict")
        return result, list(calls)

    first, first_calls = run(5)
    again, again_calls = run(5)
    other, other_calls = run(6)
    assert again.event_digest == first.event_digest
    assert again_calls == first_calls
    for seed, result, calls in ((5, first, first_calls), (6, other, other_calls)):
        # At 4 h the 20 low-priority jobs run and hp (16 nodes) finds 5 free nodes: the rule
        # orders the 20, shuffled by a generator seeded with the run's seed, and the first 11
        # (one node each) are preempted.
        job_ids, rows = calls[0]
        assert len(job_ids) == 20
        expected = list(range(20))
        random.Random(seed).shuffle(expected)
        assert rows == expected
        preempted = {j for j, p in zip(result.jobs["job_id"], result.jobs["preemptions"]) if p > 0}
        assert preempted == {job_ids[r] for r in expected[:11]}
    victims = [{ids[r] for r in rows[:11]} for ids, rows in (first_calls[0], other_calls[0])]
    assert victims[0] != victims[1]
    assert other.event_digest != first.event_digest


def test_parts_named_in_a_scenario_are_imported(tmp_path, monkeypatch):
    # Two 4-GPU nodes; the part puts every task on the highest-numbered node with room.
    (tmp_path / "tiny.csv").write_text("job_id,submit_s,duration_s,tasks,gpus_per_task\na,0,10,1,2\nb,0,10,1,2\nc,0,10,1,4\n")
    (tmp_path / "lastfit.py").write_text(
        textwrap.dedent(
            """
            class LastFit:
                def place(self, job, free):
                    nodes = []
                    for _ in range(job.tasks):
                        fits = [i for i, f in enumerate(free) if f >= job.gpus_per_task]
                        if not fits:
                            return None
                        free[fits[-1]] -= job.gpus_per_task
                        nodes.append(fits[-1])
                    return nodes
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    scenario = TINY_SCENARIO.replace("nodes_per_rack = 1", "nodes_per_rack = 2").replace(
        'gpus = 8, gpu_type = "A100"', 'gpus = 4, gpu_type = "A100"'
    ) + 'placement = "py:lastfit.LastFit"\n'
    result = clustersim.run(scenario, base_dir=tmp_path, frame="dict")
    assert result.policy == "first-fit[placement=py:lastfit.LastFit]"
    # a and b share the last node; c takes the first whole.
    assert result.jobs["nodes"] == ["r0-n1", "r0-n1", "r0-n0"]
    assert result.jobs["start_s"] == [0.0, 0.0, 0.0]
    with pytest.raises(ImportError, match="the scenario names py:nowhere.Nothing, which cannot be imported"):
        clustersim.run(scenario.replace("lastfit.LastFit", "nowhere.Nothing"), base_dir=tmp_path)


def test_seeded_python_parts_are_deterministic(tiny):
    runs = [clustersim.run(LUBLIN, seed=seed, placement=RandomFit, frame="dict") for seed in (3, 3, 4)]
    assert runs[0].event_digest == runs[1].event_digest
    assert runs[0].jobs["nodes"] == runs[1].jobs["nodes"]
    assert runs[2].event_digest != runs[0].event_digest


def test_setup_sees_the_seed_and_the_nodes(tiny):
    seen = {}

    class Recorder(FirstFit):
        def setup(self, info):
            seen.update(info)

    clustersim.run(tiny, seed=11, placement=Recorder())
    assert seen == {"seed": 11, "nodes": {"name": ["r0-n0"], "rack": ["r0"], "gpus": [8], "gpu_type": ["A100"]}}


def test_errors_of_python_parts_are_raised(tiny):
    class Raises(Placement):
        def place(self, job, free):
            raise ValueError(f"no room for {job.id}")

    class Overfills(Placement):
        def place(self, job, free):
            return [0] * job.tasks if job.id != "c" else [1]

    class Short(Placement):
        def place(self, job, free):
            return []

    class Repeats(QueueOrder):
        def order(self, waiting, now_s):
            return [0, 0]

    with pytest.raises(ValueError, match="no room for a"):
        clustersim.run(tiny, placement=Raises)
    # b (8 GPUs) is not offered while a holds half the node: c is the first answer refused.
    with pytest.raises(clustersim.RunError, match=r"placement `py:test_policy\..*Overfills` \(job `c`\): task 0 is put on node 1, but the nodes are numbered 0 to 0"):
        clustersim.run(tiny, placement=Overfills)
    with pytest.raises(clustersim.RunError, match=r"place returned 0 nodes for 1 tasks"):
        clustersim.run(tiny, placement=Short)
    with pytest.raises(clustersim.RunError, match=r"returned row 0: the rows are numbered 0 to \d+, and each may be listed once"):
        clustersim.run(LUBLIN, queue=Repeats)
    with pytest.raises(TypeError, match="has none of the hooks"):
        register(object())
    # After a failure the next run starts clean.
    assert clustersim.run(tiny, placement=FirstFit, frame="dict").jobs["wait_s"] == [0.0, 90.0, 130.0]


def test_the_environment_places_with_a_python_placement():
    from clustersim.gym import SchedulingEnv

    env = SchedulingEnv(LUBLIN, sequence_length=200, placement=FirstFit)
    env.reset(seed=1)
    done = False
    while not done:
        _, _, done, _, info = env.step(0)
    assert info["event_digest"] == env.native("first-fit")["event_digest"]


def test_any_number_of_parts_can_be_registered(tiny):
    class Counted(FirstFit):
        def __init__(self, k):
            self.k = k
            self.calls = 0

        def place(self, job, free):
            self.calls += 1
            return super().place(job, free)

    parts = [Counted(k) for k in range(40)]
    names = [register(part, name=f"many.part{k}") for k, part in enumerate(parts)]
    assert names[39] == "py:many.part39"
    result = clustersim.run(tiny, {"policy.placement": names[39]}, frame="dict")
    assert result.policy == "first-fit[placement=py:many.part39]"
    assert result.jobs["wait_s"] == [0.0, 90.0, 130.0]
    # Only the part named is called, once for each of a, b and c: while b waits for 8 free GPUs
    # the engine rules it out without asking, and c waits behind b.
    assert [part.calls for part in parts] == [0] * 39 + [3]
