"""clustersim.gym.SchedulingEnv: the Gymnasium contract, hand-worked episodes, agreement with
the native FIFO order, determinism."""

import hashlib

import numpy as np
import pytest

gymnasium = pytest.importorskip("gymnasium")

import clustersim  # noqa: E402
from clustersim.gym import SchedulingEnv  # noqa: E402
from conftest import LUBLIN, TINY_SCENARIO  # noqa: E402

# One node of 8 GPUs; b (8 GPUs, 50 s) and c (4 GPUs, 30 s) arrive together while a holds half
# the node until 100.
CHOICE_TRACE = """job_id,submit_s,duration_s,tasks,gpus_per_task
a,0,100,1,4
b,10,50,1,8
c,10,30,1,4
"""


@pytest.fixture
def choice(tmp_path):
    (tmp_path / "tiny.csv").write_text(CHOICE_TRACE)
    return SchedulingEnv(TINY_SCENARIO, base_dir=tmp_path, window=4, sequence_length=None, time_scale_s=100.0)


def play(env, actions):
    """Plays `actions` from a reset; returns the observations, infos and final reward."""
    obs, info = env.reset(seed=0)
    seen, infos = [obs], [info]
    for action in actions:
        obs, reward, done, truncated, info = env.step(action)
        seen.append(obs)
        infos.append(info)
        assert not truncated
    assert done
    return seen, infos, reward


def test_observations_and_outcome_of_a_hand_worked_episode(choice):
    # Row 1 at 10 starts c on a's free half; b then waits for a: waits 0, 90, 0.
    seen, infos, reward = play(choice, [0, 1, 0])
    np.testing.assert_array_equal(seen[0]["jobs"][0], np.float32([1, 0, 1.0, 0.5, 0.5, 1]))
    np.testing.assert_array_equal(seen[0]["jobs"][1:], np.zeros((3, 6), np.float32))
    np.testing.assert_array_equal(seen[0]["cluster"], np.float32([1.0, 1.0, 0.25, 0.5]))
    np.testing.assert_array_equal(
        seen[1]["jobs"][:2], np.float32([[1, 0, 0.5, 1.0, 1.0, 0], [1, 0, 0.3, 0.5, 0.5, 1]])
    )
    np.testing.assert_array_equal(seen[1]["cluster"], np.float32([0.5, 0.5, 0.5, 1.0]))
    np.testing.assert_array_equal(seen[2]["jobs"][0], np.float32([1, 0, 0.5, 1.0, 1.0, 0]))
    np.testing.assert_array_equal(seen[2]["cluster"], np.float32([0.0, 0.0, 0.25, 1.0]))
    assert [i["time_s"] for i in infos] == [0.0, 10.0, 10.0, 150.0]
    assert [i["waiting"] for i in infos[:3]] == [1, 2, 1]
    assert infos[1]["action_mask"].tolist() == [True, True, False, False]
    final = infos[-1]
    assert final["decisions"] == 3
    assert final["metrics"]["avg_wait_s"] == pytest.approx(30.0)
    # Bounded slowdowns: a 100/100, b 140/50, c 30/30.
    assert reward == pytest.approx(-(1 + 2.8 + 1) / 3)


def test_the_oldest_job_first_is_the_fifo_schedule(choice):
    # Row 0 at 10 keeps b as the next to start: b 100-150, then c 150-180.
    _, infos, reward = play(choice, [0, 0, 0])
    final = infos[-1]
    assert final["metrics"]["avg_wait_s"] == pytest.approx((0 + 90 + 140) / 3)
    assert reward == pytest.approx(-(1 + 2.8 + 170 / 30) / 3)
    native = choice.native("first-fit")
    assert native["event_digest"] == final["event_digest"]
    assert native["metrics"] == final["metrics"]
    # A row past the waiting jobs stands for row 0.
    _, padded, _ = play(choice, [3, 2, 1])
    assert padded[-1]["event_digest"] == final["event_digest"]


def test_a_job_requeued_ahead_of_the_agents_choice_is_offered_again(tmp_path):
    # Two 4-GPU nodes; a and b (100 s) start at 0, c (1 s) and d (2 s) wait (10 s each). The
    # agent chose c at 1; at 5 the failure of a's node requeues a ahead of c (requeue = front),
    # so the agent is asked again and row 0 is a: FIFO restarts a at 25 when the node is back
    # (25-125), then c 100-110 and d 110-120, as the native first-fit run: mean JCT
    # (125 + 100 + 109 + 118) / 4 = 113.
    (tmp_path / "t.csv").write_text(
        "job_id,submit_s,duration_s,tasks,gpus_per_task\na,0,100,1,4\nb,0,100,1,4\nc,1,10,1,4\nd,2,10,1,4\n"
    )
    scenario = (
        'name = "requeue"\n[cluster]\nracks = 1\nnodes_per_rack = 2\nnode = { gpus = 4, gpu_type = "A100" }\n'
        '[workload]\ntrace = "t.csv"\n[faults]\nrestart_overhead = "0s"\nrequeue = "front"\n'
        '[[faults.incident]]\nat = "5s"\nkind = "node-failure"\ntarget = "r0-n0"\nduration = "20s"\n'
    )
    env = SchedulingEnv(scenario, base_dir=tmp_path, window=4, sequence_length=None)
    obs, info = env.reset(seed=0)
    times, done = [], False
    while not done:
        times.append(info["time_s"])
        obs, reward, done, truncated, info = env.step(0)
    assert 5.0 in times
    assert info["metrics"]["avg_jct_s"] == pytest.approx(113.0)
    assert info["event_digest"] == env.native("first-fit")["event_digest"]


def test_an_episode_the_horizon_cuts_short_is_truncated_not_terminated(tmp_path):
    # With a horizon at 50 s: a starts at 0 (until 100); at 10 the agent picks c (row 1),
    # which runs 10-40 on a's free half, then b, which cannot start before a ends. The run
    # stops at 50 with a running and b waiting: truncated, and the reward is that of the one
    # job that finished (c, bounded slowdown 30/30 = 1).
    (tmp_path / "tiny.csv").write_text(CHOICE_TRACE)
    scenario = TINY_SCENARIO.replace("seed = 1\n", 'seed = 1\nhorizon = "50s"\n')
    env = SchedulingEnv(scenario, base_dir=tmp_path, window=4, sequence_length=None)
    env.reset(seed=0)
    steps = [env.step(action) for action in (0, 1, 0)]
    assert [(terminated, truncated) for _, _, terminated, truncated, _ in steps] == [
        (False, False),
        (False, False),
        (False, True),
    ]
    _, reward, _, _, info = steps[-1]
    assert info["time_s"] == 50.0
    assert (info["metrics"]["jobs_running_at_end"], info["metrics"]["jobs_pending_at_end"]) == (1, 1)
    assert reward == pytest.approx(-1.0)


def test_easy_backfilling_starts_the_short_job_around_the_chosen_one(tmp_path):
    (tmp_path / "tiny.csv").write_text(CHOICE_TRACE)
    env = SchedulingEnv(
        TINY_SCENARIO, base_dir=tmp_path, window=4, sequence_length=None, time_scale_s=100.0, backfill="easy"
    )
    # Row 0 at 10 chooses b, which cannot start: it is reserved at 100, when a ends, and c
    # (30 s, done by 40) is backfilled at 10 without a decision. Waits 0, 90, 0.
    seen, infos, reward = play(env, [0, 0])
    # The two decisions see what they see without backfilling (as worked out above).
    np.testing.assert_array_equal(seen[0]["jobs"][0], np.float32([1, 0, 1.0, 0.5, 0.5, 1]))
    np.testing.assert_array_equal(seen[0]["cluster"], np.float32([1.0, 1.0, 0.25, 0.5]))
    np.testing.assert_array_equal(
        seen[1]["jobs"][:2], np.float32([[1, 0, 0.5, 1.0, 1.0, 0], [1, 0, 0.3, 0.5, 0.5, 1]])
    )
    np.testing.assert_array_equal(seen[1]["cluster"], np.float32([0.5, 0.5, 0.5, 1.0]))
    assert [i["time_s"] for i in infos] == [0.0, 10.0, 150.0]
    final = infos[-1]
    assert final["decisions"] == 2
    assert final["metrics"]["avg_wait_s"] == pytest.approx(30.0)
    # Bounded slowdowns: a 100/100, b 140/50, c 30/30.
    assert reward == pytest.approx(-(1 + 2.8 + 1) / 3)
    # On one node best fit places as first fit: the episode is the native easy-backfill run.
    assert env.native("easy-backfill")["event_digest"] == final["event_digest"]


@pytest.mark.parametrize("rule", ["easy", "conservative"])
def test_fcfs_agent_with_backfilling_reproduces_the_native_backfilling_preset(rule):
    env = SchedulingEnv(LUBLIN, sequence_length=256, placement="best-fit", backfill=rule)
    for seed in range(3):
        decisions, info = run_fcfs(env, seed=seed)
        native = env.native(f"{rule}-backfill")
        assert info["event_digest"] == native["event_digest"]
        assert info["metrics"] == native["metrics"]
        # Backfilled jobs need no decision.
        assert 0 < decisions < 256


def test_fcfs_agent_with_easy_backfilling_on_the_whole_trace_is_the_easy_backfill_run():
    whole = SchedulingEnv(LUBLIN, sequence_length=None, placement="best-fit", backfill="easy")
    decisions, info = run_fcfs(whole, seed=0)
    run = clustersim.run(LUBLIN, {"policy.name": "easy-backfill"}, frame="dict")
    assert info["event_digest"] == run.event_digest
    # The environment's runs, env.native's included, are set up otherwise than the command's
    # (jobs streamed, no samples) and some metrics differ from its in the last digits.
    assert info["metrics"]["avg_bounded_slowdown"] == pytest.approx(run.summary["avg_bounded_slowdown"], rel=1e-12)
    assert info["metrics"] == whole.native("easy-backfill")["metrics"]
    assert decisions < run.summary["jobs_completed"] == 10000


def test_rewards_by_name_or_function(tmp_path):
    (tmp_path / "tiny.csv").write_text(CHOICE_TRACE)
    utilization = SchedulingEnv(TINY_SCENARIO, base_dir=tmp_path, window=4, sequence_length=None, reward="utilization")
    _, infos, reward = play(utilization, [0, 1, 0])
    assert reward == pytest.approx(infos[-1]["metrics"]["gpu_alloc_ratio"])
    custom = SchedulingEnv(
        TINY_SCENARIO, base_dir=tmp_path, window=4, sequence_length=None, reward=lambda m: -m["makespan_s"]
    )
    _, infos, reward = play(custom, [0, 1, 0])
    assert reward == -infos[-1]["metrics"]["makespan_s"]
    with pytest.raises(ValueError, match="reward='speed'"):
        SchedulingEnv(TINY_SCENARIO, base_dir=tmp_path, reward="speed")


def test_passes_gymnasiums_checker():
    from gymnasium.utils.env_checker import check_env

    env = SchedulingEnv(LUBLIN, sequence_length=64)
    check_env(env, skip_render_check=True)


def run_fcfs(env, **reset):
    obs, info = env.reset(**reset)
    decisions, done = 0, False
    while not done:
        obs, reward, done, _, info = env.step(0)
        decisions += 1
    return decisions, info


def test_fcfs_agent_reproduces_native_first_fit_on_sampled_sequences():
    env = SchedulingEnv(LUBLIN, sequence_length=256)
    starts = set()
    for seed in range(3):
        decisions, info = run_fcfs(env, seed=seed)
        starts.add(env.episode[0])
        native = env.native("first-fit")
        assert info["event_digest"] == native["event_digest"]
        assert info["metrics"]["avg_wait_s"] == native["metrics"]["avg_wait_s"]
        assert info["metrics"]["avg_bounded_slowdown"] == native["metrics"]["avg_bounded_slowdown"]
        # One decision per job: each chosen job starts, at once or as the next to start.
        assert decisions == 256 == info["metrics"]["jobs_completed"]
    assert len(starts) == 3


def test_fcfs_agent_on_the_whole_trace_is_the_first_fit_run():
    env = SchedulingEnv(LUBLIN, sequence_length=None)
    decisions, info = run_fcfs(env, seed=0)
    assert env.episode == (0, 10000)
    run = clustersim.run(LUBLIN, {"policy.name": "first-fit"}, frame="dict")
    assert info["event_digest"] == run.event_digest
    assert info["metrics"]["avg_bounded_slowdown"] == run.summary["avg_bounded_slowdown"]
    assert decisions == run.summary["jobs_completed"] == 10000


def random_episodes(env, seeds):
    """Digest of every observation and action of random episodes, and their event digests."""
    rng = np.random.default_rng(42)
    trail = hashlib.sha256()
    digests = []
    for seed in seeds:
        obs, info = env.reset(seed=seed)
        done = False
        while not done:
            trail.update(obs["jobs"].tobytes() + obs["cluster"].tobytes())
            action = env.action_space.sample(mask=info["action_mask"].astype(np.int8))
            trail.update(bytes([action]))
            obs, reward, done, _, info = env.step(action)
        digests.append(info["event_digest"])
        assert reward < 0
    return trail.hexdigest(), digests


def test_random_agents_run_and_are_deterministic():
    first = SchedulingEnv(LUBLIN, sequence_length=128)
    second = SchedulingEnv(LUBLIN, sequence_length=128)
    first.action_space.seed(5)
    second.action_space.seed(5)
    a = random_episodes(first, [0, 1, 2])
    b = random_episodes(second, [0, 1, 2])
    assert a == b
    # A random agent does not repeat FIFO's schedule on these sequences.
    env = SchedulingEnv(LUBLIN, sequence_length=128)
    fifo = []
    for seed in [0, 1, 2]:
        fifo.append(run_fcfs(env, seed=seed)[1]["event_digest"])
    assert fifo != a[1]


def test_episodes_can_be_left_and_fixed_by_options(choice):
    obs, _ = choice.reset(seed=0)
    choice.step(0)
    obs, info = choice.reset(options={"start": 1, "length": 2})
    assert choice.episode == (1, 2)
    # b and c alone on an empty node: b first, c waits for it.
    assert info["waiting"] == 2
    _, _, done, _, info = choice.step(0)
    assert not done
    _, _, done, _, info = choice.step(0)
    assert done
    assert info["metrics"]["avg_wait_s"] == pytest.approx(25.0)
    with pytest.raises(RuntimeError, match=r"no episode in progress: call reset\(\) first"):
        choice.step(0)
    choice.close()


def test_actions_outside_the_window_are_refused(choice):
    choice.reset(seed=0)
    for bad in (4, -1, 1.5, "0", True):
        with pytest.raises(ValueError, match="expected a row of the window, a whole number from 0 to 3"):
            choice.step(bad)
    # NumPy integers, scalar arrays included, are rows like any other.
    _, _, done, _, _ = choice.step(np.int64(0))
    assert not done
    choice.step(np.array(0))


def test_another_thread_is_told_to_make_its_own_environment(choice):
    import threading

    choice.reset(seed=0)
    errors = []

    def step_elsewhere():
        try:
            choice.step(0)
        except RuntimeError as error:
            errors.append(str(error))

    worker = threading.Thread(target=step_elsewhere)
    worker.start()
    worker.join()
    assert len(errors) == 1 and "used only from the thread that created it" in errors[0]
    # The episode is untouched: this thread goes on with it.
    _, _, done, _, _ = choice.step(0)
    assert not done


def test_bad_settings_are_refused(tmp_path):
    (tmp_path / "tiny.csv").write_text(CHOICE_TRACE)
    with pytest.raises(clustersim.InputError, match=r"unknown placement `best-fti` \(did you mean `best-fit`\?\)"):
        SchedulingEnv(TINY_SCENARIO, base_dir=tmp_path, placement="best-fti")
    with pytest.raises(clustersim.InputError, match=r"unknown backfill `eazy` \(did you mean `easy`\?\)"):
        SchedulingEnv(TINY_SCENARIO, base_dir=tmp_path, backfill="eazy")
    with pytest.raises(ValueError, match="window=0: expected a whole number from 1 to 4096"):
        SchedulingEnv(TINY_SCENARIO, base_dir=tmp_path, window=0)
    with pytest.raises(ValueError, match="window=5000: expected a whole number from 1 to 4096"):
        SchedulingEnv(TINY_SCENARIO, base_dir=tmp_path, window=5000)
    env = SchedulingEnv(TINY_SCENARIO, base_dir=tmp_path)
    # Three jobs: an episode of 5 cannot be, one of 2 starts at job 0 or 1.
    with pytest.raises(ValueError, match="length=5: expected a whole number from 1 to 3"):
        env.reset(options={"start": 2, "length": 5})
    with pytest.raises(ValueError, match="start=2: expected a whole number from 0 to 1"):
        env.reset(options={"start": 2, "length": 2})
    with pytest.raises(ValueError, match="reset options \\['lenght'\\]: the options are start and length"):
        env.reset(options={"lenght": 2})
    with pytest.raises(ValueError, match="start=-1: expected a whole number from 0"):
        env.reset(options={"start": -1})
    with pytest.raises(ValueError, match="seed=-1: expected a whole number from 0"):
        SchedulingEnv(TINY_SCENARIO, base_dir=tmp_path, seed=-1)
    with pytest.raises(clustersim.InputError, match="fill runs"):
        SchedulingEnv(TINY_SCENARIO, {"workload.mode": "fill"}, base_dir=tmp_path)
