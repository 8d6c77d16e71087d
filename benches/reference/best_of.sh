#!/usr/bin/env bash
# Best-of-N whole-process wall time (ms) of the six archive runs: KTH SP2 and Lublin-256 on
# their flat machines under the best-fit (FCFS), easy-backfill and conservative-backfill
# presets, `run --no-report`, one after another. The best of several runs is the figure least
# disturbed by whatever else shares the machine. Each run writes into a new directory, as a
# first run does: replacing files left by an earlier run makes ext4 flush the old data at the
# rename (about 6 ms here for KTH's 4.2 MB jobs.csv).
#
#   benches/reference/best_of.sh            # from the repository's root; N=11 by default
#   N=21 benches/reference/best_of.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${N:-11}
cargo build --release --quiet
bin=target/release/clustersim
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf '| log | policy | best of %s (ms) |\n|---|---|---|\n' "$n"
for log in kth-sp2 lublin-256; do
    for preset in best-fit easy-backfill conservative-backfill; do
        best=
        for _ in $(seq "$n"); do
            rm -rf "$work/out"
            start=$(date +%s%N)
            "$bin" run "benches/scenarios/$log-flat.toml" --set "policy.name=$preset" \
                --no-report --quiet --out "$work/out"
            ms=$(( ($(date +%s%N) - start) / 1000000 ))
            if [[ -z $best || $ms -lt $best ]]; then best=$ms; fi
        done
        printf '| %s | %s | %s |\n' "$log" "$preset" "$best"
    done
done
