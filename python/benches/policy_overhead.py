"""The cost of a placement written in Python against the same placement in Rust.

Runs the demo scenario (scenarios/examples/demo.toml: the Philly trace, 111,539 jobs on 312
nodes of 8 GPUs) under first-fit, built in, then with first fit written in Python
(`FirstFit` below, which makes the same decisions: the script checks that both runs have the
same event digest), and prints wall-clock and process CPU time of each run, the number of
calls of the Python hook and the time spent inside it.

    python python/benches/policy_overhead.py [--repeat N] [--scenario PATH]
"""

import argparse
import os
import time

import clustersim

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEMO = os.path.join(ROOT, "scenarios", "examples", "demo.toml")


class FirstFit:
    """Each task on the lowest-numbered node with room, as the built-in first-fit does."""

    calls = 0
    inside = 0.0

    def place(self, job, free):
        started = time.process_time()
        need = job.gpus_per_task
        nodes = []
        for _ in range(job.tasks):
            for i, f in enumerate(free):
                if f >= need:
                    free[i] = f - need
                    nodes.append(i)
                    break
            else:
                nodes = None
                break
        FirstFit.calls += 1
        FirstFit.inside += time.process_time() - started
        return nodes


def timed(scenario, **parts):
    wall, cpu = time.perf_counter(), time.process_time()
    result = clustersim.run(scenario, {"policy.name": "first-fit"}, frame="dict", **parts)
    return result, time.perf_counter() - wall, time.process_time() - cpu


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; the fastest is printed")
    parser.add_argument("--scenario", default=DEMO)
    args = parser.parse_args()
    best = {}
    for name, parts in [("Rust first-fit", {}), ("Python first fit", {"placement": FirstFit})]:
        for _ in range(args.repeat):
            FirstFit.calls, FirstFit.inside = 0, 0.0
            result, wall, cpu = timed(args.scenario, **parts)
            if name not in best or cpu < best[name][2]:
                best[name] = (result, wall, cpu, FirstFit.calls, FirstFit.inside)
    (rust, rust_wall, rust_cpu, _, _), (py, py_wall, py_cpu, calls, inside) = best.values()
    assert py.event_digest == rust.event_digest, "the Python first fit decided otherwise"
    print(f"same event digest: {py.event_digest} ({py.summary['jobs_completed']} jobs completed)")
    print(f"Rust first-fit:   {rust_wall:.2f} s wall, {rust_cpu:.2f} s CPU")
    print(f"Python first fit: {py_wall:.2f} s wall, {py_cpu:.2f} s CPU; {calls} calls of place, {inside:.2f} s CPU inside it")
    extra = py_cpu - rust_cpu
    print(f"overhead: +{extra:.2f} s CPU, {extra / calls * 1e6:.1f} µs per call "
          f"({(extra - inside) / calls * 1e6:.1f} µs of it crossing the boundary)")


if __name__ == "__main__":
    main()
