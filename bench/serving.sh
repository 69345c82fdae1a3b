#!/usr/bin/env bash
# Serving benchmark of convoy-server (docs/BENCHMARKS.md, "Serving"):
#  1. resnet50 served at concurrency 16, against the engine's own throughput
#     (convoy-infer) at the batch size the server's batcher formed, with the
#     zoo's config (no queue delay) and two tuned for throughput, up to 50 ms
#     of queue delay: preferred batch size 16 (every request in flight in
#     one batch) and 8 (two batches in turn: one computes while the other's
#     requests travel);
#  2. lenet5 served at concurrency 64, against echo-server, a gRPC server that
#     answers the same messages without computing (the ceiling);
#  3. lenet5 with dynamic batching on and off;
#  4. small-cnn (bench/small_cnn.py: 1.3 MFLOP per image, no dynamic
#     batching) at concurrency 64, its compute per run against the engine's
#     alone at batch 1.
# The engine alone chooses its plans' threads as the server does
# (convoy-infer --served). Every variant runs once per round, interleaved,
# and medians are reported.
#
#   bench/serving.sh [ROUNDS] [SECONDS]    (default 3 rounds of 10 s)
#
# Needs a build (tools/build.sh) and the zoo (tools/make_zoo.py). Servers
# listen on 127.0.0.1 only and are stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/lib/server.sh
. tools/lib/loadgen.sh
rounds=${1:-3}
seconds=${2:-10}
build=${CONVOY_BUILD:-build}
infer=$build/tools/convoy_infer/convoy-infer
work=$(mktemp -d)
trap 'server_stop_all; rm -rf "$work"' EXIT

# The repository: resnet50 and lenet5 as in the zoo (dynamic batching on),
# resnet50 with the two tuned configs, and lenet5 without dynamic batching.
mkdir -p "$work/models"
cp -r zoo/models/resnet50 zoo/models/lenet5 "$work/models/"
for preferred in 16 8; do
  cp -r zoo/models/resnet50 "$work/models/resnet50-p$preferred"
  sed -e "s/name: \"resnet50\"/name: \"resnet50-p$preferred\"/" \
    -e "s/dynamic_batching { }/dynamic_batching { preferred_batch_size: [ $preferred ] max_queue_delay_microseconds: 50000 }/" \
    zoo/models/resnet50/config.pbtxt > "$work/models/resnet50-p$preferred/config.pbtxt"
done
cp -r zoo/models/lenet5 "$work/models/lenet5-unbatched"
sed -e 's/name: "lenet5"/name: "lenet5-unbatched"/' -e '/dynamic_batching/d' \
  zoo/models/lenet5/config.pbtxt > "$work/models/lenet5-unbatched/config.pbtxt"
/usr/bin/python3 bench/small_cnn.py "$work/models"
/usr/bin/python3 -c "import numpy as np, sys; np.save(sys.argv[1], \
np.random.RandomState(1).randn(1, 1, 32, 32).astype('f4'))" "$work/small.npy"

server_start "$work/server.log" "$build/server/convoy-server" --model-repository "$work/models"
# echo-server listens on 127.0.0.1 only and prints the port it was given.
server_spawn "$work/echo.log" "$build/bench/echo-server" --model lenet5 --input-shape 1,32,32 --output-shape 10
server_wait_for "$work/echo.log" '^port='
echo_port=$(sed -n 's/^port=//p' "$work/echo.log")
server_wait_ready "$work/server.log"
server=127.0.0.1:$(server_port "$work/server.log")

run() {  # label, then convoy-loadgen flags; appends one JSON line per run
  local label=$1
  shift
  loadgen_record "$work/results.jsonl" "$label" --duration "$seconds" --warmup 3 "$@"
}

# convoy-infer on random images at the batch size the last run of $1 formed.
engine_at_formed_batch() {
  local batch engine
  batch=$(tail -n 1 "$work/results.jsonl" | /usr/bin/python3 -c \
    'import json,sys; print(max(1, round(json.loads(sys.stdin.read())["result"]["server_batch_size"])))')
  /usr/bin/python3 -c "import numpy as np, sys; np.save(sys.argv[1], \
np.random.RandomState(1).randn(int(sys.argv[2]), 3, 224, 224).astype('f4'))" "$work/in.npy" "$batch"
  engine=$("$infer" zoo/models/resnet50/1/model.onnx --input "$work/in.npy" --served --bench 10 --warmup 2 |
    sed -n 's/.* batch \([0-9]*\): \([0-9.]*\) img\/s.*/\1 \2/p')
  printf '{"label": "%s-engine", "result": {"batch": %s, "items_per_s": %s}}\n' "$1" \
    ${engine} >>"$work/results.jsonl"
}

for round in $(seq "$rounds"); do
  echo "round $round/$rounds" >&2
  for variant in resnet50 resnet50-p16 resnet50-p8; do
    run "$variant-served" --server "$server" --model "$variant" --concurrency 16
    engine_at_formed_batch "$variant"
  done
  run lenet5-served --server "$server" --model lenet5 --concurrency 64
  run lenet5-echo --server "127.0.0.1:$echo_port" --model lenet5 --concurrency 64
  run lenet5-unbatched --server "$server" --model lenet5-unbatched --concurrency 64
  run small-cnn-served --server "$server" --model small-cnn --concurrency 64
  small_p50=$("$infer" "$work/models/small-cnn/1/model.onnx" --input "$work/small.npy" --served --bench 2000 \
    --warmup 100 | sed -n 's/.* p50 \([0-9.]*\) ms.*/\1/p')
  printf '{"label": "small-cnn-engine", "result": {"p50_ms": %s}}\n' "$small_p50" >>"$work/results.jsonl"
done

/usr/bin/python3 - "$work/results.jsonl" <<'PY'
import sys
sys.path.insert(0, "tools/lib")
from results import Runs, print_table, round_ratios  # noqa: E402
runs = Runs(sys.argv[1])
med = runs.median
print(f"rounds: {len(runs.results('lenet5-served'))} (medians)\n")
rows = []
for variant, name in (("resnet50", "zoo config (no queue delay)"),
                      ("resnet50-p16", "preferred 16, delay 50 ms"),
                      ("resnet50-p8", "preferred 8, delay 50 ms")):
    served, engine = med(f"{variant}-served", "items_per_s"), med(f"{variant}-engine", "items_per_s")
    batch = med(f"{variant}-engine", "batch")
    # compute_infer per request is the run of the batch that carried it.
    server_ms = med(f"{variant}-served", "server_compute_us") / 1000
    rows.append([name, f"{served:.1f}", f"{med(f'{variant}-served', 'server_batch_size'):.2f}",
                 f"{engine:.1f}", f"{served / engine:.2f}", f"{server_ms:.0f}", f"{1000 * batch / engine:.0f}"])
print_table(["resnet50, concurrency 16", "served images/s", "batch formed",
             "engine alone at that batch, images/s", "served / engine",
             "compute per batch in the server, ms", "engine alone, ms"], rows)
print()
print_table(["lenet5, concurrency 64", "requests/s", "p50 ms", "p99 ms", "batch formed"],
            [[name, f"{med(label, 'requests_per_s'):.0f}", f"{med(label, 'p50_ms'):.2f}",
              f"{med(label, 'p99_ms'):.2f}", f"{med(label, 'server_batch_size'):.2f}"]
             for label, name in (("lenet5-echo", "echo server (no compute, ceiling)"),
                                 ("lenet5-served", "convoy, dynamic batching"),
                                 ("lenet5-unbatched", "convoy, no dynamic batching"))])


def rounds(label, over):
    """Each round's ratio too: the echo ceiling drifts between rounds."""
    return "rounds " + ", ".join(f"{r:.2f}" for r in round_ratios(runs, label, over))


ratio = med("lenet5-served", "requests_per_s") / med("lenet5-echo", "requests_per_s")
print(f"\nlenet5 served / echo ceiling: {ratio:.2f} ({rounds('lenet5-served', 'lenet5-echo')})")
on_off = med("lenet5-served", "requests_per_s") / med("lenet5-unbatched", "requests_per_s")
print(f"lenet5 dynamic batching on / off: {on_off:.2f} ({rounds('lenet5-served', 'lenet5-unbatched')})")
print()
print_table(["small-cnn, concurrency 64, no dynamic batching", "requests/s", "p50 ms", "p99 ms",
             "compute per run in the server, us", "engine alone at batch 1, us"],
            [["convoy", f"{med('small-cnn-served', 'requests_per_s'):.0f}",
              f"{med('small-cnn-served', 'p50_ms'):.2f}", f"{med('small-cnn-served', 'p99_ms'):.2f}",
              f"{med('small-cnn-served', 'server_compute_us'):.0f}",
              f"{1000 * med('small-cnn-engine', 'p50_ms'):.0f}"]])
small = med("small-cnn-served", "requests_per_s") / med("lenet5-echo", "requests_per_s")
print(f"\nsmall-cnn served (no dynamic batching) / echo ceiling: {small:.2f} "
      f"({rounds('small-cnn-served', 'lenet5-echo')})")
PY
