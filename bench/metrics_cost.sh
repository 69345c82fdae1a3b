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
. tools/lib/server.sh
. tools/lib/loadgen.sh
rounds=${1:-5}
seconds=${2:-10}
build=${CONVOY_BUILD:-build}
work=$(mktemp -d)
trap 'server_stop_all; rm -rf "$work"' EXIT

mkdir -p "$work/models"
cp -r zoo/models/lenet5 "$work/models/"
server_start "$work/on.log" "$build/server/convoy-server" --model-repository "$work/models"
server_start "$work/off.log" "$build/server/convoy-server" --model-repository "$work/models" \
  --allow-metrics=false
for variant in on off; do server_wait_ready "$work/$variant.log"; done
# A scraper for the whole run, once a second.
scrape_every_second() {  # URL
  while true; do
    /usr/bin/python3 -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1]).read()" "$1" \
      >/dev/null 2>&1 || true
    sleep 1
  done
}
server_spawn "$work/scraper.log" scrape_every_second \
  "http://127.0.0.1:$(server_port "$work/on.log" metrics_listening)/metrics"

for round in $(seq "$rounds"); do
  echo "round $round/$rounds" >&2
  for variant in on off; do
    loadgen_record "$work/results.jsonl" "$variant" --server "127.0.0.1:$(server_port "$work/$variant.log")" \
      --model lenet5 --concurrency 64 --duration "$seconds" --warmup 3
  done
done

/usr/bin/python3 - "$work/results.jsonl" <<'PY'
import statistics, sys
sys.path.insert(0, "tools/lib")
from results import Runs, print_table  # noqa: E402
runs = Runs(sys.argv[1])
med = runs.median
print(f"rounds: {len(runs.results('on'))} (medians)\n")
print_table(["lenet5, concurrency 64", "requests/s", "p50 ms", "p99 ms"],
            [[name, f"{med(label, 'requests_per_s'):.0f}", f"{med(label, 'p50_ms'):.2f}", f"{med(label, 'p99_ms'):.2f}"]
             for label, name in (("on", "metrics on, scraped every second"), ("off", "--allow-metrics=false"))])
ratios = [on["requests_per_s"] / off["requests_per_s"] for on, off in zip(runs.results("on"), runs.results("off"))]
print(f"\nthroughput with metrics / without: median {statistics.median(ratios):.3f} "
      f"(per round: {', '.join(f'{r:.3f}' for r in ratios)})")
PY
