#!/usr/bin/env bash
# What metrics cost (docs/BENCHMARKS.md, "Metrics"): the zoo's lenet5, closed
# loop at concurrency 64, served by three convoy-servers that differ only in
# their metrics:
#   triton  the default: convoy_* and Triton's nv_inference_* metrics
#   convoy  --allow-triton-metrics=false: convoy_* only
#   off     --allow-metrics=false: none
# The two with metrics are scraped once a second, as a Prometheus would (more
# often than usual). Rounds interleave the three, each round in another order,
# and the medians of the per-round throughput ratios are reported:
# triton/convoy is what Triton's names cost (the default keeps them on while
# it is under 1%), triton/off what all metrics cost.
#
#   bench/metrics_cost.sh [ROUNDS] [SECONDS]    (default 5 rounds of 10 s per server)
#
# Needs build/server/convoy-server, build/tools/convoy_loadgen/convoy-loadgen
# (CONVOY_BUILD for another build directory) and the zoo (tools/make_zoo.py;
# or CONVOY_ZOO_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/lib/server.sh
. tools/lib/loadgen.sh
rounds=${1:-5}
seconds=${2:-10}
build=${CONVOY_BUILD:-build}
zoo=${CONVOY_ZOO_DIR:-zoo}/models
[ -f "$zoo/lenet5/config.pbtxt" ] || { echo "$0: $zoo/lenet5 missing; run tools/make_zoo.py or set CONVOY_ZOO_DIR" >&2; exit 2; }
work=$(mktemp -d)
trap 'server_stop_all; rm -rf "$work"' EXIT

mkdir -p "$work/models"
cp -r "$zoo/lenet5" "$work/models/"
variants=(triton convoy off)
declare -A flags=([triton]="" [convoy]="--allow-triton-metrics=false" [off]="--allow-metrics=false")
for variant in "${variants[@]}"; do
  # shellcheck disable=SC2086  # the flags word-split on purpose (one or none)
  server_start "$work/$variant.log" "$build/server/convoy-server" --model-repository "$work/models" ${flags[$variant]}
done
for variant in "${variants[@]}"; do server_wait_ready "$work/$variant.log"; done
# A scraper for the whole run, once a second.
scrape_every_second() {  # URL
  while true; do
    /usr/bin/python3 -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1]).read()" "$1" \
      >/dev/null 2>&1 || true
    sleep 1
  done
}
for variant in triton convoy; do
  server_spawn "$work/scraper-$variant.log" scrape_every_second \
    "http://127.0.0.1:$(server_port "$work/$variant.log" metrics_listening)/metrics"
done

for round in $(seq "$rounds"); do
  # Rotate the order so that no variant always runs first (or after the same one).
  shift_by=$(( (round - 1) % ${#variants[@]} ))
  order=("${variants[@]:shift_by}" "${variants[@]:0:shift_by}")
  echo "round $round/$rounds: ${order[*]}" >&2
  for variant in "${order[@]}"; do
    loadgen_record "$work/results.jsonl" "$variant" --server "127.0.0.1:$(server_port "$work/$variant.log")" \
      --model lenet5 --concurrency 64 --duration "$seconds" --warmup 3
  done
done

cpu=$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
/usr/bin/python3 - "$work/results.jsonl" "$cpu" "$(nproc)" <<'PY'
import statistics, sys
sys.path.insert(0, "tools/lib")
from results import Runs, print_table, round_ratios  # noqa: E402
runs = Runs(sys.argv[1])
med = runs.median
print(f"{sys.argv[2]}, {sys.argv[3]} CPUs; rounds: {len(runs.results('triton'))} (medians)\n")
names = (("triton", "convoy_* and nv_inference_* (the default), scraped every second"),
         ("convoy", "`--allow-triton-metrics=false`, scraped every second"),
         ("off", "`--allow-metrics=false`"))
print_table(["lenet5, concurrency 64", "requests/s", "p50 ms", "p99 ms"],
            [[name, f"{med(label, 'requests_per_s'):.0f}", f"{med(label, 'p50_ms'):.2f}",
              f"{med(label, 'p99_ms'):.2f}"] for label, name in names])
for a, b, what in (("triton", "convoy", "Triton's names"), ("triton", "off", "all metrics")):
    ratios = round_ratios(runs, a, b)
    print(f"\nthroughput {a}/{b} ({what}): median {statistics.median(ratios):.3f} "
          f"(per round: {', '.join(f'{r:.3f}' for r in ratios)})")
PY
