"""Run the demo's cluster under two policies, compare them, and plot the GPU allocation.

    python python/examples/run_and_plot.py [--out FOLDER]

Prints the key metrics of first-fit and worst-fit on the Philly trace (the README's demo) and,
when matplotlib is installed, writes allocation.png: the share of GPUs allocated over time
under each policy. Then sweeps two placements over two seeds of the synthetic example.
"""

import argparse
import os

import clustersim

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEMO = os.path.join(ROOT, "scenarios", "examples", "demo.toml")
SYNTHETIC = os.path.join(ROOT, "scenarios", "examples", "synthetic.toml")
METRICS = ["jobs_completed", "avg_jct_s", "avg_wait_s", "avg_bounded_slowdown", "gpu_alloc_ratio"]


def column(table, name):
    """A column as a list, whatever kind of table `table` is."""
    values = table[name]
    return values.to_list() if hasattr(values, "to_list") else list(values)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=".", help="folder for allocation.png")
    args = parser.parse_args()

    runs = {policy: clustersim.run(DEMO, {"policy.name": policy}) for policy in ["first-fit", "worst-fit"]}
    print(f"{'metric':<22}" + "".join(f"{p:>16}" for p in runs))
    for metric in METRICS:
        print(f"{metric:<22}" + "".join(f"{r.summary[metric]:>16.3f}" for r in runs.values()))

    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no plot")
    else:
        fig, ax = plt.subplots(figsize=(8, 3))
        for policy, result in runs.items():
            hours = [t / 3600 for t in column(result.timeseries, "t_s")]
            ax.plot(hours, column(result.timeseries, "gpu_alloc"), label=policy)
        ax.set_xlabel("hours")
        ax.set_ylabel("GPUs allocated (share)")
        ax.legend()
        path = os.path.join(args.out, "allocation.png")
        fig.savefig(path, dpi=120, bbox_inches="tight")
        print(f"wrote {path}")

    sweep = clustersim.sweep(SYNTHETIC, seeds=2, grid={"policy.name": ["first-fit", "best-fit"]}, frame="dict")
    print(f"sweep in {sweep.out}:")
    for policy, seed, jct in zip(sweep.runs["policy.name"], sweep.runs["seed"], sweep.runs["avg_jct_s"]):
        print(f"  {policy:<10} seed {seed}: mean JCT {jct:,.0f} s")


if __name__ == "__main__":
    main()
