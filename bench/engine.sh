#!/usr/bin/env bash
# Engine benchmark (bench/engine_bench.py): Convoy's engine (convoy-infer)
# against ONNX Runtime, PyTorch (eager and frozen TorchScript) and OpenCV DNN
# on the zoo's lenet5, alexnet, vgg16, resnet18, resnet50 and googlenet at
# batch 1, 8 and 32, on 2 threads. Every runner is its own process; each
# round runs all of them on each model and batch back to back, in an order
# rotated every round, with the oneDNN peak (build/bench/onednn-peak)
# measured in between. Reports images/s (median and best), Convoy against the
# best peer, Convoy's GFLOP/s as a fraction of the peak, peak RSS, and load
# and first-run times, as Markdown on stdout; the raw runs go to
# engine-bench.json (--out FILE to change).
#
#   bench/engine.sh [ROUNDS] [SECONDS] [engine_bench.py flags...]
#       (default 3 rounds, runs of at least 3 s and 5 timed runs; 2 rounds of
#       2 s with --min-runs 3 --warmup 1 took 29 min on two cores, most of it
#       vgg16 at batch 32; add --quick, or
#       --models/--batches/--runners/--precisions, for less; --models
#       families takes one model of each torchvision CNN family, served or
#       extra, which needs the zoo made with --extra)
#   --precisions fp32,bf16,int8 picks Convoy's precisions; int8 first
#   calibrates each model (convoy-calibrate on the zoo's calibration
#   samples, writing model.onnx.calibration beside it in the zoo).
#
# Installs the peers when missing (python3-opencv and GNU time with apt;
# onnxruntime-node 1.30.0 with npm into /var/cache/convoy-bench, or where
# $CONVOY_BENCH_NODE_MODULES points). Needs a build (tools/build.sh) and the
# zoo (tools/make_zoo.py). Thread settings (OMP_*, MKL_*) are left as the
# caller has them. Run it on an otherwise idle machine: on a busy one,
# runners with 2 threads wait for their second core and lose 10x or more.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=3
seconds=3
if [[ ${1:-} =~ ^[0-9]+$ ]]; then rounds=$1; shift; fi
if [[ ${1:-} =~ ^[0-9.]+$ ]]; then seconds=$1; shift; fi
build=${CONVOY_BUILD:-build}
export CONVOY_BENCH_NODE_MODULES=${CONVOY_BENCH_NODE_MODULES:-/var/cache/convoy-bench/node_modules}
node_prefix=$(dirname "$CONVOY_BENCH_NODE_MODULES")

fail() {
  echo "bench/engine.sh: $*" >&2
  exit 1
}

if ! /usr/bin/python3 -c 'import cv2' 2>/dev/null; then
  echo "installing python3-opencv (the OpenCV peer)" >&2
  apt-get install -y python3-opencv >&2 || fail "could not install python3-opencv"
fi
if [[ ! -x /usr/bin/time ]]; then
  echo "installing GNU time (measures each runner's peak RSS)" >&2
  apt-get install -y time >&2 || fail "could not install time"
fi
command -v node >/dev/null || fail "node (20 or later) is missing: the ONNX Runtime peer runs on it"
if [[ ! -d $CONVOY_BENCH_NODE_MODULES/onnxruntime-node ]]; then
  echo "installing onnxruntime-node@1.30.0 into $node_prefix" >&2
  mkdir -p "$node_prefix"
  npm install --prefix "$node_prefix" --ignore-scripts --no-audit --no-fund \
    onnxruntime-node@1.30.0 >&2 || fail "could not install onnxruntime-node"
fi

# The build is needed unless --runners leaves Convoy out.
with_convoy=1
previous=
for arg in "$@"; do
  if [[ $previous == --runners || $arg == --runners=* ]]; then
    [[ ${arg#--runners=} == *convoy* ]] || with_convoy=0
  fi
  previous=$arg
done
if ((with_convoy)); then
  for binary in tools/convoy_infer/convoy-infer bench/onednn-peak; do
    [[ -x $build/$binary ]] || fail "$build/$binary is missing; build it: bash tools/build.sh"
  done
fi
[[ -d zoo/models ]] ||
  fail "zoo/models is missing; make it: /usr/bin/python3 tools/make_zoo.py --out zoo"

exec /usr/bin/python3 bench/engine_bench.py --rounds "$rounds" --seconds "$seconds" \
  --build "$build" "$@"
