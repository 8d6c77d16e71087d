#!/usr/bin/env bash
# Whole-process wall time of clustersim against the plain-Python flat-pool loop
# (flat_pool.py) on KTH SP2 and Lublin-256, FCFS and EASY, measured in the same session, the
# two taking turns run by run, so the ratio holds on a shared, noisy machine; also checks that
# both give the same mean wait and bounded slowdown. Each figure is the median of REPEAT runs
# (default 5). clustersim writes each run into a new directory, as a first run does (see
# best_of.sh on replacing files).
#
#   benches/reference/versus_python.sh            # from the repository's root
#   REPEAT=9 CONSERVATIVE=1 benches/reference/versus_python.sh
#
# CONSERVATIVE=1 adds conservative backfilling; the Python loop recomputes its profile from
# scratch for every waiting job, so that takes minutes on Lublin-256.
#
# PYTHON names the interpreter (default `python3`). It is run by its own path, as Python itself
# reports it, so a version manager's shim (pyenv's costs about 60 ms a start) is not timed.
# Interpreters differ: Debian's CPython runs the loop about 1.4 times as fast as one compiled
# from source as a shared library without --enable-optimizations (pyenv's default), so the
# ratio depends on which one the reference is; the script prints the one it used.
set -euo pipefail
cd "$(dirname "$0")/../.."
repeat=${REPEAT:-5}
python=$("${PYTHON:-python3}" -c 'import sys; print(sys.executable)')
echo "Python reference: $python ($("$python" -c 'import sys; print(sys.version.split()[0])'))"
cargo build --release --quiet
bin=target/release/clustersim
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
wall() { # wall seconds of one command, its output discarded
    local start end
    start=$(date +%s.%N)
    "$@" >/dev/null 2>&1
    end=$(date +%s.%N)
    awk -v a="$start" -v b="$end" 'BEGIN {print b - a}'
}

policies=("fcfs best-fit" "easy easy-backfill")
[[ ${CONSERVATIVE:-0} == 1 ]] && policies+=("conservative conservative-backfill")
printf '| log | policy | clustersim (s) | Python (s) | Python ÷ clustersim | mean wait (s) | same schedule |\n'
printf '|---|---|---|---|---|---|---|\n'
for log in "kth-sp2 traces/data/swf-kth-sp2-1996/KTH-SP2-1996-2.1-cln.swf 100" \
           "lublin-256 traces/data/swf-lublin-256/lublin_256.swf 256"; do
    read -r name trace nodes <<<"$log"
    for pair in "${policies[@]}"; do
        read -r label preset <<<"$pair"
        # The two programs take turns, so that a slow stretch of a shared machine falls on both.
        : >"$work/ours" && : >"$work/theirs"
        for _ in $(seq "$repeat"); do
            rm -rf "${work:?}/$name-$label"
            wall "$bin" run "benches/scenarios/$name-flat.toml" --set "policy.name=$preset" \
                --no-report --quiet --out "$work/$name-$label" >>"$work/ours"
            wall "$python" benches/reference/flat_pool.py "$trace" "$nodes" "$label" >>"$work/theirs"
        done
        ours=$(median <"$work/ours")
        theirs=$(median <"$work/theirs")
        ours_wait=$("$python" -c "import json,sys; s=json.load(open(sys.argv[1])); print(f\"{s['avg_wait_s']:.4f} {s['avg_bounded_slowdown']:.4f}\")" "$work/$name-$label/summary.json")
        read -r theirs_wait theirs_bsld < <("$python" benches/reference/flat_pool.py "$trace" "$nodes" "$label" \
            | sed -E 's/.*mean wait ([0-9.]+) s, mean bounded slowdown ([0-9.]+).*/\1 \2/')
        same=no
        [[ "$ours_wait" == "$theirs_wait $theirs_bsld" ]] && same=yes
        printf '| %s | %s | %.3f | %.3f | %.1f× | %s | %s |\n' "$name" "$preset" "$ours" "$theirs" \
            "$(awk -v a="$theirs" -v b="$ours" 'BEGIN {print a / b}')" "${ours_wait%% *}" "$same"
    done
done
