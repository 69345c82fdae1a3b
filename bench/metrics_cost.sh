#!/usr/bin/env bash
# What metrics cost (docs/BENCHMARKS.md, "Metrics"): lenet5 served at
# concurrency 64 by two convoy-servers, one with metrics (scraped once a
# second, as a Prometheus would, more often than usual) and one with
# --allow-metrics=false. Runs alternate between the two, and medians are
# reported.
#
#   bench/metrics_cost.sh [ROUNDS] [SECONDS]    (default 5 rounds of 10 s)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
seconds=${2:-10}
build=${CONVOY_BUILD:-build}
loadgen=$build/tools/convoy_loadgen/convoy-loadgen
work=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; rm -rf "$work"' EXIT

mkdir -p "$work/models"
cp -r zoo/models/lenet5 "$work/models/"
for variant in on off; do
  flags=(--metrics-port 0)
  [ "$variant" = off ] && flags=(--allow-metrics=false)
  "$build/server/convoy-server" --model-repository "$work/models" --address 127.0.0.1 --grpc-port 0 \
    "${flags[@]}" 2>"$work/$variant.log" &
  pids+=($!)
done
for variant in on off; do
  for _ in $(seq 600); do
    grep -q 'event=server_ready' "$work/$variant.log" && break
    sleep 0.1
  done
done
port() { sed -n "s/.*event=$2 .*port=\([0-9]*\).*/\1/p" "$work/$1.log"; }
metrics_port=$(port on metrics_listening)
# A scraper for the whole run, once a second.
(while true; do /usr/bin/python3 -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1]).read()" \
   "http://127.0.0.1:$metrics_port/metrics" >/dev/null 2>&1 || true; sleep 1; done) &
pids+=($!)

for round in $(seq "$rounds"); do
  echo "round $round/$rounds" >&2
  for variant in on off; do
    printf '{"label": "%s", "result": %s}\n' "$variant" \
      "$("$loadgen" --json --server "127.0.0.1:$(port "$variant" listening)" --model lenet5 \
          --concurrency 64 --duration "$seconds" --warmup 3)" >>"$work/results.jsonl"
  done
done

/usr/bin/python3 - "$work/results.jsonl" <<'PY'
import collections, json, statistics, sys
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    entry = json.loads(line)
    runs[entry["label"]].append(entry["result"])
med = lambda label, key: statistics.median(r[key] for r in runs[label])
print(f"rounds: {len(runs['on'])} (medians)\n")
print("| lenet5, concurrency 64 | requests/s | p50 ms | p99 ms |")
print("|---|---|---|---|")
for label, name in (("on", "metrics on, scraped every second"), ("off", "--allow-metrics=false")):
    print(f"| {name} | {med(label, 'requests_per_s'):.0f} | {med(label, 'p50_ms'):.2f} | {med(label, 'p99_ms'):.2f} |")
ratios = [on["requests_per_s"] / off["requests_per_s"] for on, off in zip(runs["on"], runs["off"])]
print(f"\nthroughput with metrics / without: median {statistics.median(ratios):.3f} "
      f"(per round: {', '.join(f'{r:.3f}' for r in ratios)})")
PY
