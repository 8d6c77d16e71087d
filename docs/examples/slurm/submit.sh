#!/usr/bin/env bash
# Submits a clustersim sweep to Slurm: a job array whose task K runs shard K of N
# (sweep.sbatch), then the merge into OUT/merged once every task has ended (merge.sbatch,
# --dependency=afterany). Run again with the same arguments, it submits only the shards that
# are not finished, and the merge: the one command that recovers from cancelled, failed,
# timed-out or lost tasks (each resumes where it stopped).
#
#   submit.sh [SBATCH OPTION]… N SCENARIO OUT [SWEEP ARGUMENT]…
#   submit.sh --cpus-per-task=4 --mem-per-cpu=2G 8 policy.toml results --set sweep.seeds=20
#
# SBATCH OPTIONs, each one word (--time=04:00:00), go to the array's tasks; set the partition
# or account of every job with SBATCH_PARTITION or SBATCH_ACCOUNT. SWEEP ARGUMENTs go to every
# `clustersim sweep`: pass the same ones each time. It refuses to submit while a job it
# submitted for OUT is still queued or running, so no shard runs twice at once.
set -euo pipefail

usage="usage: submit.sh [SBATCH OPTION]… N SCENARIO OUT [SWEEP ARGUMENT]…"
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# Whole numbers in increasing order as an --array list: 1 2 3 5 → 1-3,5.
ranges() {
  local list="" first=$1 last=$1 k
  shift
  for k in "$@" ""; do
    if [[ -n $k ]] && ((k == last + 1)); then
      last=$k
      continue
    fi
    list+="${list:+,}$first"
    if ((last > first)); then list+="-$last"; fi
    first=$k last=$k
  done
  echo "$list"
}

sbatch_options=()
while (($#)) && [[ $1 == -* ]]; do
  sbatch_options+=("$1")
  shift
done
if (($# < 3)); then
  echo "$usage" >&2
  exit 2
fi
shards=$1 scenario=$2 out=$3
shift 3
if ! [[ $shards =~ ^[1-9][0-9]*$ ]]; then
  echo "submit.sh: the shard count \`$shards\` is not a positive whole number; $usage" >&2
  exit 2
fi
mkdir -p "$out"
tag="clustersim-sweep:$(cd "$out" && pwd -P)"

queued=$(squeue --me --noheader --format='%i|%k' | TAG=$tag awk -F'|' '$2 == ENVIRON["TAG"] { print $1 }')
if [[ -n $queued ]]; then
  echo "submit.sh: jobs of this sweep are still queued or running: ${queued//$'\n'/ }; wait for them (squeue --me) or cancel them (scancel), then run this again" >&2
  exit 1
fi

unfinished=()
for ((k = 1; k <= shards; k++)); do
  if [[ ! -f $out/shard-$k/sweep.csv ]]; then unfinished+=("$k"); fi
done
after=()
if ((${#unfinished[@]})); then
  tasks=$(ranges "${unfinished[@]}")
  array=$(sbatch --parsable --array="$tasks" --comment="$tag" "${sbatch_options[@]}" \
    "$here/sweep.sbatch" "$shards" "$scenario" "$out" "$@")
  array=${array%%;*}
  echo "shards $tasks of $shards: job $array"
  after=(--dependency="afterany:$array")
else
  echo "all $shards shards are finished"
fi
merge=$(sbatch --parsable --comment="$tag" "${after[@]}" "$here/merge.sbatch" "$out")
echo "merge into $out/merged: job ${merge%%;*}"
