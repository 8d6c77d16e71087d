"""A placement written in Python, run on the demo's cluster and compared with the built-in ones.

    python python/examples/python_placement.py

`RackPacking` puts each job's tasks in the rack with the least free capacity that can hold
them all (keeping whole racks free for large gangs), nodes first-fit within it; a job no rack
can hold goes first-fit across racks. (Without that fallback, a gang wider than a rack would
never start, and the FIFO queue behind it neither: the run would end with them waiting.) It is passed
to clustersim.run as a class (a fresh instance per run); `register` gives the name a scenario
would use (`placement = "py:__main__.RackPacking"` when this file is the script run). Bad
answers (a task on a node without room) stop the run with an error naming the job.
"""

import os

import clustersim
from clustersim.policy import Placement, register

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEMO = os.path.join(ROOT, "scenarios", "examples", "demo.toml")


class RackPacking(Placement):
    def setup(self, info):
        # Node indices per rack, in node order; `free` lists follow the same numbering.
        self.racks = {}
        for index, rack in enumerate(info["nodes"]["rack"]):
            self.racks.setdefault(rack, []).append(index)

    def place(self, job, free):
        need = job.gpus_per_task
        choices = []
        for nodes in self.racks.values():
            room = sum(int(free[n] // need) for n in nodes) if need > 0 else job.tasks
            if room >= job.tasks:
                choices.append((sum(free[n] for n in nodes), nodes))
        _, nodes = min(choices) if choices else (0, range(len(free)))
        placed = []
        for node in nodes:
            while len(placed) < job.tasks and free[node] >= need:
                free[node] -= need
                placed.append(node)
        return placed if len(placed) == job.tasks else None


def main():
    name = register(RackPacking)
    print(f"registered as {name}")
    rows = [("first-fit", {}), ("best-fit", {}), (name, {"placement": RackPacking})]
    print(f"{'placement':<28} {'avg JCT s':>12} {'avg wait s':>12} {'digest':>18}")
    for label, parts in rows:
        preset = label if not parts else "first-fit"
        result = clustersim.run(DEMO, {"policy.name": preset}, **parts)
        s = result.summary
        print(f"{label:<28} {s['avg_jct_s']:>12.1f} {s['avg_wait_s']:>12.1f} {result.event_digest:>18}")


if __name__ == "__main__":
    main()
