#!/usr/bin/env bash
# Where a run's time goes, primitive by primitive: runs convoy-infer with
# ONEDNN_VERBOSE=1 and sums the `onednn_verbose,exec` lines of the last RUNS
# runs by primitive kind and implementation, per run, largest first.
#
#   bench/primitive_times.sh MODEL.onnx INPUT.npy [RUNS] [convoy-infer flags...]
#       (default 3 timed runs, at least 2, after the first run and one
#       warm-up; 2 threads unless the flags say otherwise; $CONVOY_INFER
#       picks another binary)
#
# Only oneDNN's primitives are counted: CPU steps of the plan (Erf, Gather,
# a streamed Gemm's blocks) are not, so the total is at most a run's time.
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:?usage: bench/primitive_times.sh MODEL.onnx INPUT.npy [RUNS] [flags...]}
input=${2:?usage: bench/primitive_times.sh MODEL.onnx INPUT.npy [RUNS] [flags...]}
runs=3
if [[ ${3:-} =~ ^[0-9]+$ ]]; then runs=$3; shift; fi
shift 2
flags=("$@")
infer=${CONVOY_INFER:-build/tools/convoy_infer/convoy-infer}
lines=$(mktemp)
trap 'rm -f "$lines"' EXIT
exec_lines() {  # exec_lines TIMED_RUNS: the exec lines of a process that loads and runs
  ONEDNN_VERBOSE=1 "$infer" "$model" --input "$input" --bench "$1" --warmup 1 --threads 2 "${flags[@]}" \
    2>&1 | grep '^onednn_verbose,exec' || true
}
# A run's lines are what one more timed run adds: loading (constant folding,
# weight reorders) and the first run execute primitives of their own.
exec_lines "$runs" > "$lines"
per_run=$(($(wc -l < "$lines") - $(exec_lines $((runs - 1)) | wc -l)))
((runs > 1 && per_run > 0)) || { echo "need RUNS >= 2 and a built $infer" >&2; exit 1; }
tail -n $((per_run * runs)) "$lines" |
  awk -F, -v runs="$runs" '
    { key = $4 " " $5; ms[key] += $NF / runs; count[key] += 1 / runs; all += $NF / runs }
    END {
      for (key in ms) printf "%9.2f ms %5d x %s\n", ms[key], count[key], key
      printf "%9.2f ms in %d primitives per run\n", all, NR / runs
    }' | sort -rn
