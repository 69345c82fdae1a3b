#!/usr/bin/env bash
# Classification benchmark of convoy-server (docs/BENCHMARKS.md, "Multi-crop
# and ensembles"):
#  1. what 10-crop costs: resnet18 asked for one image with multicrop 10,
#     against one request of a batch of 10 and against one single image (ten
#     separate requests cost ten of those), each alone (concurrency 1);
#  2. what an ensemble costs: fmnist-ensemble (three LeNet-5s) against each
#     of its members alone, at the same load: one request at a time, 16 in
#     flight (closed loop), and 2000 requests/s with Poisson arrivals (open
#     loop: the same request rate for both, whatever their pace).
# Every variant runs once per round, interleaved, and medians are reported.
#
#   bench/classification.sh [ROUNDS] [SECONDS]    (default 3 rounds of 5 s)
#
# Needs a build (tools/build.sh) and the zoo (tools/make_zoo.py). The server
# listens on 127.0.0.1 only and is stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/lib/server.sh
. tools/lib/loadgen.sh
rounds=${1:-3}
seconds=${2:-5}
build=${CONVOY_BUILD:-build}
work=$(mktemp -d)
trap 'server_stop_all; rm -rf "$work"' EXIT

members=(lenet5-fmnist lenet5-fmnist-seed1 lenet5-fmnist-seed2)
mkdir -p "$work/models"
for model in resnet18 fmnist-ensemble "${members[@]}"; do cp -r "zoo/models/$model" "$work/models/"; done
server_start "$work/server.log" "$build/server/convoy-server" --model-repository "$work/models"
server_wait_ready "$work/server.log"
server=127.0.0.1:$(server_port "$work/server.log")

run() {  # label, then convoy-loadgen flags; appends one JSON line per run
  local label=$1
  shift
  loadgen_record "$work/results.jsonl" "$label" --server "$server" --duration "$seconds" --warmup 2 "$@"
}

for round in $(seq "$rounds"); do
  echo "round $round/$rounds" >&2
  run resnet18-tencrop --model resnet18 --multicrop 10
  run resnet18-batch10 --model resnet18 --batch 10
  run resnet18-single --model resnet18
  for load in c1 c16 r2000; do
    case $load in
      c*) flags=(--concurrency "${load#c}") ;;
      r*) flags=(--request-rate "${load#r}" --arrivals poisson) ;;
    esac
    run "ensemble-$load" --model fmnist-ensemble --output probabilities "${flags[@]}"
    for member in "${members[@]}"; do
      run "$member-$load" --model "$member" --output logits "${flags[@]}"
    done
  done
done

/usr/bin/python3 - "$work/results.jsonl" "${members[@]}" <<'PY'
import sys
sys.path.insert(0, "tools/lib")
from results import Runs, print_table  # noqa: E402
runs = Runs(sys.argv[1])
members = sys.argv[2:]
med = runs.median
print(f"rounds: {len(runs.results('resnet18-tencrop'))} (medians)\n")
print_table(["resnet18, one request at a time", "p50 latency, ms", "items/execution", "compute per request, ms"],
            [[name, f"{med(label, 'p50_ms'):.1f}", f"{med(label, 'server_batch_size'):.1f}",
              f"{med(label, 'server_compute_us') / 1000:.1f}"]
             for label, name in (("resnet18-tencrop", "1 image, multicrop 10"),
                                 ("resnet18-batch10", "batch of 10 images"),
                                 ("resnet18-single", "1 image"))])
tencrop, batch10, single = (med(f"resnet18-{v}", "p50_ms") for v in ("tencrop", "batch10", "single"))
print(f"\n10-crop / batch of 10: {tencrop / batch10:.2f}; "
      f"10-crop / ten separate single requests: {tencrop / (10 * single):.2f}\n")
loads = {"c1": "1 in flight", "c16": "16 in flight", "r2000": "2000/s, Poisson"}
rows = []
for load, text in loads.items():
    for name, label in [("ensemble", f"ensemble-{load}")] + [(m, f"{m}-{load}") for m in members]:
        rows.append([name, text, f"{med(label, 'p50_ms'):.3f}", f"{med(label, 'p99_ms'):.3f}",
                     f"{med(label, 'requests_per_s'):.0f}"])
print_table(["fmnist-ensemble (3 LeNet-5s)", "load", "p50 ms", "p99 ms", "requests/s"], rows)
print()
for load, text in loads.items():
    for key in ("p50_ms", "p99_ms"):
        slowest = max(med(f"{m}-{load}", key) for m in members)
        print(f"{text}: ensemble {key[:3]} / slowest member alone: {med(f'ensemble-{load}', key) / slowest:.2f}")
PY
