#!/usr/bin/env bash
# The scale curve: synthetic DL workloads (docs/models.md §6 defaults, 80 % offered load) of
# JOBS jobs on clusters of NODES 8-GPU nodes, FCFS (preset first-fit) and EASY (preset
# easy-backfill), each a whole `clustersim run --no-report` (jobs.csv streamed to disk as jobs
# end). Prints one markdown row per run: the whole process's wall and user CPU time (on a shared
# machine CPU time is the steadier figure), and from the run's perf line its peak memory, jobs/s
# and events/s (of the run itself, without start-up).
#
#   benches/reference/scale.sh                          # the README's grid (about 15 minutes)
#   JOBS="10000 100000" NODES="128 1024" benches/reference/scale.sh
#   CLUSTERSIM=/tmp/clustersim benches/reference/scale.sh    # time that binary
#   LOAD=3 JOBS=100000 NODES=1024 benches/reference/scale.sh  # a saturated cluster: a queue that
#                                                             # grows (EASY's hard case; at 1.2
#                                                             # the DL family forms none)
set -euo pipefail
TIMEFORMAT='%R %U'   # bash's `time`: wall and user seconds of the whole process
cd "$(dirname "$0")/../.."
if [[ -n ${CLUSTERSIM:-} ]]; then
    bin=$CLUSTERSIM   # a binary built elsewhere (a copy, so that rebuilding does not disturb a run)
else
    cargo build --release --quiet
    bin=$PWD/target/release/clustersim
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/scale.toml" <<'TOML'
name = "scale"
seed = 1

[cluster]
racks = 16
nodes_per_rack = 8
node = { gpus = 8, gpu_type = "A100-80GB" }

[workload.synthetic]
jobs = 10000
family = "dl"
load = 0.8

[policy]
name = "first-fit"

[limits]
jobs = 100000000
nodes = 1000000

[output]
sample_interval = "1h"
TOML
printf '| jobs | nodes | policy | wall (s) | CPU (s) | peak memory (MiB) | jobs/s | events/s |\n|---|---|---|---|---|---|---|---|\n'
for jobs in ${JOBS:-10000 100000 1000000 10000000}; do
    for nodes in ${NODES:-128 1024 10000 100000}; do
        for policy in ${POLICIES:-first-fit easy-backfill}; do
            times=$({ time "$bin" run "$work/scale.toml" --no-report --out "$work/out" \
                --set "workload.synthetic.jobs=$jobs" --set "cluster.racks=$((nodes / 8))" \
                --set "policy.name=$policy" --set "workload.synthetic.load=${LOAD:-0.8}" \
                >/dev/null 2>"$work/err"; } 2>&1)
            perf=$(grep '^perf:' "$work/err")
            read -r wall cpu <<<"$times"
            rm -rf "$work/out"
            sed -E 's/.* in ([0-9.]+) s \(([0-9]+) jobs\/s, ([0-9]+) events\/s, peak memory ([0-9]+) MiB\)/\1 \2 \3 \4/' <<<"$perf" |
                { read -r _ jps eps mib
                  printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$jobs" "$nodes" "$policy" "$wall" "$cpu" "$mib" "$jps" "$eps"; }
        done
    done
done
