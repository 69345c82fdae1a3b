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
#
# With EACH=1 it lists the run's primitives one by one instead, in the order
# they run: each one's time per run, kind, implementation and problem, and
# for a 2-D convolution its GFLOP/s (2 multiply-adds' worth per weight per
# output pixel).
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
  awk -F, -v runs="$runs" -v each="${EACH:-0}" '
    # The number after `name` in a problem such as g32mb8_ic32oc32_ih112oh112kh3...; "" if none.
    function dim(problem, name) {
      if (!match(problem, name "[0-9]+")) return ""
      return substr(problem, RSTART + length(name), RLENGTH - length(name))
    }
    function gflops(problem, ms,   g, mb, ic, oc, oh, ow, kh, kw) {
      g = match(problem, /^g[0-9]+/) ? substr(problem, 2, RLENGTH - 1) : 1
      mb = dim(problem, "mb"); ic = dim(problem, "ic"); oc = dim(problem, "oc")
      oh = dim(problem, "oh"); ow = dim(problem, "ow"); kh = dim(problem, "kh"); kw = dim(problem, "kw")
      if (mb == "" || ic == "" || oc == "" || oh == "" || ow == "" || kh == "" || kw == "" || ms <= 0) return ""
      return sprintf("%6.0f GFLOP/s", 2 * mb * oc * (ic / g) * oh * ow * kh * kw / ms / 1e6)
    }
    { n++; time[n] = $NF; key[n] = $4 " " $5; problem[n] = $(NF - 1); sig[n] = $0; sub(/,[^,]*$/, "", sig[n]) }
    END {
      for (p = 1; p * runs <= n; p++) {
        same = 1
        for (i = 0; i < p * (runs - 1) && same; i++) same = sig[n - i] == sig[n - i - p]
        if (same) break
      }
      if (p * runs > n) { print "no run repeats in the exec lines" > "/dev/stderr"; exit 1 }
      if (each) {
        for (j = 1; j <= p; j++) {
          t = 0
          for (r = 0; r < runs; r++) t += time[n - p * runs + r * p + j] / runs
          k = n - p + j
          print sprintf("%3d %9.3f ms  %s  %s", j, t, key[k], problem[k]) \
                (key[k] ~ /^convolution/ ? "  " gflops(problem[k], t) : "")
        }
        exit
      }
      for (i = n - p * runs + 1; i <= n; i++) {
        ms[key[i]] += time[i] / runs; count[key[i]] += 1 / runs; all += time[i] / runs
      }
      for (k in ms) printf "%9.3f ms %5d x %s\n", ms[k], int(count[k] + 0.5), k
      printf "%9.3f ms in %d primitives per run\n", all, p
    }' | if [ "${EACH:-0}" = 1 ]; then cat; else sort -rn; fi
