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
# A run's primitives are the shortest sequence the last RUNS runs repeat
# (kind, implementation, layouts and shapes alike): loading, the first run
# and the timing that chooses a plan's team (docs/ENGINE.md, "Threads")
# execute primitives too, a number that varies from process to process.
ONEDNN_VERBOSE=1 "$infer" "$model" --input "$input" --bench "$runs" --warmup 1 --threads 2 \
  "${flags[@]}" 2>&1 | grep '^onednn_verbose,exec' |
  awk -F, -v runs="$runs" '
    { n++; time[n] = $NF; key[n] = $4 " " $5; sig[n] = $0; sub(/,[^,]*$/, "", sig[n]) }
    END {
      for (p = 1; p * runs <= n; p++) {
        same = 1
        for (i = 0; i < p * (runs - 1) && same; i++) same = sig[n - i] == sig[n - i - p]
        if (same) break
      }
      if (p * runs > n) { print "no run repeats in the exec lines" > "/dev/stderr"; exit 1 }
      for (i = n - p * runs + 1; i <= n; i++) {
        ms[key[i]] += time[i] / runs; count[key[i]] += 1 / runs; all += time[i] / runs
      }
      for (k in ms) printf "%9.3f ms %5d x %s\n", ms[k], int(count[k] + 0.5), k
      printf "%9.3f ms in %d primitives per run\n", all, p
    }' | sort -rn
