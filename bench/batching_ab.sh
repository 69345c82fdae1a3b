#!/usr/bin/env bash
# A/B of two convoy-server binaries on how batches form (docs/BENCHMARKS.md,
# "Balanced batches"). A closed loop's batch pattern forms when the load
# begins, so every round starts each server afresh, in turn: the zoo's
# MODEL with its own config, loaded by convoy-loadgen at CONCURRENCY for
# WARMUP + SECONDS, then the batch sizes the server ran (ModelStatistics'
# batch_stats, the commonest first) before it stops. Prints each run and
# the medians.
#
#   bench/batching_ab.sh OLD_SERVER NEW_SERVER [MODEL] [CONCURRENCY] [ROUNDS] [SECONDS] [WARMUP]
#       (resnet50, 16, 3 rounds, 10 s, 3 s warm-up; WARMUP 0 measures the
#       first seconds after the load)
#
# OLD_SERVER is typically a build of an earlier commit (bench/serving_ab.sh
# shows how).
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/lib/server.sh
. tools/lib/loadgen.sh
[ $# -ge 2 ] || { echo "usage: $0 OLD_SERVER NEW_SERVER [MODEL] [CONCURRENCY] [ROUNDS] [SECONDS] [WARMUP]" >&2; exit 2; }
old=$1 new=$2 model=${3:-resnet50} concurrency=${4:-16} rounds=${5:-3} seconds=${6:-10} warmup=${7:-3}
work=$(mktemp -d)
trap 'server_stop_all; rm -rf "$work"' EXIT
mkdir -p "$work/models"
cp -r "zoo/models/$model" "$work/models/"
for round in $(seq "$rounds"); do
  for label in old new; do
    binary=$([ "$label" = old ] && echo "$old" || echo "$new")
    log=$work/$label-$round.log
    server_start "$log" "$binary" --model-repository "$work/models"
    server_wait_ready "$log"
    loadgen_record "$work/results.jsonl" "$label" --server "127.0.0.1:$(server_port "$log")" --model "$model" \
      --concurrency "$concurrency" --duration "$seconds" --warmup "$warmup"
    sizes=$(curl -s "http://127.0.0.1:$(server_port "$log" http_listening)/v2/models/$model/stats" |
      /usr/bin/python3 -c '
import json, sys
stats = json.load(sys.stdin)["model_stats"][0]["batch_stats"]
stats.sort(key=lambda b: -int(b["compute_infer"]["count"]))
print(", ".join("%s (%s)" % (b["batch_size"], b["compute_infer"]["count"]) for b in stats[:4]))')
    echo "$round $label: $(echo "$loadgen_result" | /usr/bin/python3 -c '
import json, sys
r = json.load(sys.stdin)
print("%.1f req/s, p50 %.1f ms, max %.1f ms" % (r["requests_per_s"], r["p50_ms"], r["max_ms"]), end="")
') | batch sizes (runs): $sizes"
    server_stop "$log"
  done
done
/usr/bin/python3 - "$work/results.jsonl" <<'PY'
import sys
sys.path.insert(0, "tools/lib")
from results import Runs  # noqa: E402
runs = Runs(sys.argv[1])
old, new = runs.median("old", "requests_per_s"), runs.median("new", "requests_per_s")
print(f"old {old:.1f} req/s, new {new:.1f} req/s (medians), new/old {new / old:.3f}")
PY
