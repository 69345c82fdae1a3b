#!/usr/bin/env bash
# A/B of two convoy-server binaries on the serving path (docs/BENCHMARKS.md,
# "Serving A/B"): both serve the zoo's lenet5 and lenet5-fmnist and
# bench/small_cnn.py's small-cnn on loopback, and convoy-loadgen loads them
# in turn, ROUNDS interleaved rounds of SECONDS each: lenet5 FP32 tensors at
# concurrency 64, Fashion-MNIST PNGs (one per request) to lenet5-fmnist at
# concurrency 16, and small-cnn (no dynamic batching) at concurrency 64.
# Prints each run, the medians, each round's new/old requests/s, and the
# server's compute per item old and new.
#
#   bench/serving_ab.sh OLD_SERVER NEW_SERVER [ROUNDS] [SECONDS]   (3 rounds of 6 s)
#
# OLD_SERVER is typically a build of an earlier commit in a git worktree:
#   git worktree add /tmp/old REV && cmake -S /tmp/old -B /tmp/old/build -G Ninja \
#     -DCMAKE_BUILD_TYPE=RelWithDebInfo && ninja -C /tmp/old/build convoy-server
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/lib/server.sh
. tools/lib/loadgen.sh
[ $# -ge 2 ] || { echo "usage: $0 OLD_SERVER NEW_SERVER [ROUNDS] [SECONDS]" >&2; exit 2; }
old=$1 new=$2 rounds=${3:-3} seconds=${4:-6}
work=$(mktemp -d)
trap 'server_stop_all; rm -rf "$work"' EXIT
mkdir -p "$work/models"
cp -r zoo/models/lenet5 zoo/models/lenet5-fmnist "$work/models/"
/usr/bin/python3 bench/small_cnn.py "$work/models"
ports=()
for binary in "$old" "$new"; do
  log=$work/server${#ports[@]}.log
  server_start "$log" "$binary" --model-repository "$work/models"
  server_wait_ready "$log"
  ports+=("$(server_port "$log")")
done
for round in $(seq "$rounds"); do
  for i in 0 1; do
    label=$([ "$i" = 0 ] && echo old || echo new)
    loadgen_record "$work/results.jsonl" "$label-tensor" --server "127.0.0.1:${ports[$i]}" --model lenet5 \
      --concurrency 64 --duration "$seconds" --warmup 2
    echo "$round $label tensor $loadgen_result"
    loadgen_record "$work/results.jsonl" "$label-png" --server "127.0.0.1:${ports[$i]}" --model lenet5-fmnist \
      --dataset fashion-mnist-test --dataset_limit 200 --concurrency 16 --duration "$seconds" --warmup 2
    echo "$round $label png $loadgen_result"
    loadgen_record "$work/results.jsonl" "$label-small-cnn" --server "127.0.0.1:${ports[$i]}" --model small-cnn \
      --concurrency 64 --duration "$seconds" --warmup 2
    echo "$round $label small-cnn $loadgen_result"
  done
done
/usr/bin/python3 - "$work/results.jsonl" <<'PY'
import sys
sys.path.insert(0, "tools/lib")
from results import Runs, print_ab, print_paired  # noqa: E402
runs = Runs(sys.argv[1])
for kind in ("tensor", "png", "small-cnn"):
    print_ab(runs, f"old-{kind}", f"new-{kind}", what=f"{kind}: ")
    print_paired(runs, f"old-{kind}", f"new-{kind}", what=f"{kind}: ")
PY
