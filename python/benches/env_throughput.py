"""Decisions per second of clustersim.gym.SchedulingEnv on the Lublin-256 trace.

Runs the whole trace (10,000 jobs, one decision per job) with the FCFS agent (always row 0),
then 256-job episodes with a random agent over the valid rows, then both again with EASY
backfilling and best fit (``backfill="easy"``: backfilled jobs need no decision, so the
figure counts the decisions asked for), and prints decisions per
second of wall-clock and of process CPU time (the second is what the machine's other work
does not inflate). Every step goes through the full Gymnasium interface: observation arrays,
info dict, action mask.

    python python/benches/env_throughput.py [--repeat N]
"""

import argparse
import os
import time

import numpy as np

from clustersim.gym import SchedulingEnv

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCENARIO = os.path.join(ROOT, "benches", "scenarios", "lublin-256-flat.toml")


def timed(run):
    wall, cpu = time.perf_counter(), time.process_time()
    decisions = run()
    return decisions, time.perf_counter() - wall, time.process_time() - cpu


def fcfs_whole_trace(env):
    env.reset(seed=0)
    decisions, done = 0, False
    while not done:
        _, _, done, _, _ = env.step(0)
        decisions += 1
    return decisions


def random_episodes(env, episodes):
    rng = np.random.default_rng(0)
    decisions = 0
    for episode in range(episodes):
        _, info = env.reset(seed=episode)
        done = False
        while not done:
            action = int(rng.integers(0, max(info["waiting"], 1)))
            _, _, done, _, info = env.step(action)
            decisions += 1
    return decisions


def report(name, decisions, wall, cpu):
    print(f"{name}: {decisions} decisions, {wall:.3f} s wall ({decisions / wall:,.0f}/s), "
          f"{cpu:.3f} s CPU ({decisions / cpu:,.0f}/s)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measure; the best is printed")
    args = parser.parse_args()
    whole = SchedulingEnv(SCENARIO, sequence_length=None)
    sampled = SchedulingEnv(SCENARIO, sequence_length=256)
    easy = {"placement": "best-fit", "backfill": "easy"}
    whole_easy = SchedulingEnv(SCENARIO, sequence_length=None, **easy)
    sampled_easy = SchedulingEnv(SCENARIO, sequence_length=256, **easy)
    for name, run in [
        ("FCFS agent, whole trace", lambda: fcfs_whole_trace(whole)),
        ("random agent, 40 episodes of 256 jobs", lambda: random_episodes(sampled, 40)),
        ("FCFS agent, whole trace, EASY backfilling", lambda: fcfs_whole_trace(whole_easy)),
        ("random agent, 40 episodes of 256 jobs, EASY backfilling", lambda: random_episodes(sampled_easy, 40)),
    ]:
        best = min((timed(run) for _ in range(args.repeat)), key=lambda r: r[1])
        report(name, *best)


if __name__ == "__main__":
    main()
