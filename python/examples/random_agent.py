"""A random agent and the FCFS agent in the scheduling environment, on the Lublin-256 trace.

    python python/examples/random_agent.py [--episodes N]

Each episode is a sequence of 256 consecutive jobs drawn from the reset's seed. The random
agent picks any waiting job of the window; the FCFS agent always picks the oldest (row 0),
which is the built-in first-fit policy: the script checks that its episodes have the same
event digest as the native run of the same jobs. The reward is minus the mean bounded slowdown.
"""

import argparse
import os

import numpy as np

from clustersim.gym import SchedulingEnv

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LUBLIN = os.path.join(ROOT, "benches", "scenarios", "lublin-256-flat.toml")


def episode(env, seed, choose):
    obs, info = env.reset(seed=seed)
    done = False
    while not done:
        obs, reward, terminated, truncated, info = env.step(choose(obs, info))
        done = terminated or truncated
    return reward, info


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=5)
    args = parser.parse_args()
    env = SchedulingEnv(LUBLIN, window=32, sequence_length=256)
    env.action_space.seed(0)

    def random_choice(obs, info):
        return env.action_space.sample(mask=info["action_mask"].astype(np.int8))

    print(f"{'seed':>4} {'jobs':>12} {'random':>10} {'FCFS':>10}  FCFS = native first-fit")
    for seed in range(args.episodes):
        random_reward, _ = episode(env, seed, random_choice)
        fcfs_reward, info = episode(env, seed, lambda obs, info: 0)
        native = env.native("first-fit")
        same = native["event_digest"] == info["event_digest"]
        first, count = env.episode
        print(f"{seed:>4} {first:>5}-{first + count - 1:<6} {random_reward:>10.2f} {fcfs_reward:>10.2f}  {same}")
    env.close()


if __name__ == "__main__":
    main()
