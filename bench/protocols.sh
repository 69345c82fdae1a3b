#!/usr/bin/env bash
# gRPC against HTTP/REST on one convoy-server (docs/BENCHMARKS.md,
# "HTTP/REST against gRPC"): the zoo's lenet5 and resnet50 on loopback,
# loaded by convoy-loadgen over gRPC, HTTP with binary tensors (Triton's
# binary tensor extension) and HTTP with JSON numbers, in turn, ROUNDS
# interleaved rounds of SECONDS each: LeNet-5 FP32 tensors at concurrency 64,
# ResNet-50 FP32 tensors at concurrency 16. Prints each run's requests/s and
# p50, then the medians, each protocol's ratio to gRPC, the server's CPU per
# request (its process_cpu_seconds_total over the requests it counted, warm-up
# included) and the loadgen's own CPU (cores busy, and microseconds to build
# and send a request: JSON's cost falls on the client too).
#
#   bench/protocols.sh [ROUNDS] [SECONDS]   (3 rounds of 8 s: about 10 min)
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/lib/server.sh
. tools/lib/loadgen.sh
rounds=${1:-3} seconds=${2:-8}
work=$(mktemp -d)
trap 'server_stop_all; rm -rf "$work"' EXIT
mkdir -p "$work/models"
cp -r zoo/models/lenet5 zoo/models/resnet50 "$work/models/"
log=$work/server.log
server_start "$log" build/server/convoy-server --model-repository "$work/models"
server_wait_ready "$log"
grpc=127.0.0.1:$(server_port "$log")
http=127.0.0.1:$(server_port "$log" http_listening)
metrics=http://127.0.0.1:$(server_port "$log" metrics_listening)/metrics
# "CPU seconds, requests answered" of the server so far (its own metrics).
server_counters() {
  curl -sS "$metrics" | /usr/bin/python3 -c 'import sys
cpu = requests = 0.0
for line in sys.stdin:
    if line.startswith("process_cpu_seconds_total "): cpu = float(line.split()[-1])
    if line.startswith("convoy_requests_total{"): requests += float(line.split()[-1])
print(cpu, requests)'
}
# Records the server's CPU per request between two server_counters readings.
record_server_cpu() {
  /usr/bin/python3 -c 'import json, sys
(c0, r0), (c1, r1) = (map(float, sys.argv[2].split())), (map(float, sys.argv[3].split()))
print(json.dumps({"label": sys.argv[1], "result": {"server_cpu_us_per_request": 1e6 * (c1 - c0) / max(1.0, r1 - r0)}}))' \
    "$1" "$2" "$3" >>"$work/results.jsonl"
}
protocols=(grpc http-binary http-json)
rate_of() {
  /usr/bin/python3 -c 'import json, sys; r = json.loads(sys.argv[1])
print("%.1f req/s, p50 %.2f ms, errors %d" % (r["requests_per_s"], r["p50_ms"], r["errors"]))' "$1"
}
flags_of() {
  case $1 in
    grpc) echo "--server $grpc --protocol grpc" ;;
    http-binary) echo "--server $http --protocol http --http-data binary" ;;
    http-json) echo "--server $http --protocol http --http-data json" ;;
  esac
}
for round in $(seq "$rounds"); do
  # Rotated every round, so no protocol always follows the same one.
  for i in 0 1 2; do
    protocol=${protocols[$(((i + round) % 3))]}
    before=$(server_counters)
    # shellcheck disable=SC2046  # flags_of prints words on purpose
    loadgen_record "$work/results.jsonl" "$protocol-lenet5" $(flags_of "$protocol") --model lenet5 \
      --concurrency 64 --duration "$seconds" --warmup 2
    echo "$round $protocol lenet5 $(rate_of "$loadgen_result")"
    after=$(server_counters)
    record_server_cpu "$protocol-lenet5-cpu" "$before" "$after"
    # shellcheck disable=SC2046
    loadgen_record "$work/results.jsonl" "$protocol-resnet50" $(flags_of "$protocol") --model resnet50 \
      --concurrency 16 --duration "$seconds" --warmup 3
    echo "$round $protocol resnet50 $(rate_of "$loadgen_result")"
    record_server_cpu "$protocol-resnet50-cpu" "$after" "$(server_counters)"
  done
done
/usr/bin/python3 - "$work/results.jsonl" <<'PY'
import sys
sys.path.insert(0, "tools/lib")
from results import Runs  # noqa: E402
runs = Runs(sys.argv[1])
print("| model | protocol | requests/s | / gRPC | p50 ms | p99 ms | server CPU us/request | loadgen cores busy | loadgen us to send |")
print("|---|---|---|---|---|---|---|---|---|")
for model in ("lenet5", "resnet50"):
    base = runs.median(f"grpc-{model}", "requests_per_s")
    for protocol in ("grpc", "http-binary", "http-json"):
        label = f"{protocol}-{model}"
        rate = runs.median(label, "requests_per_s")
        print(f"| {model} | {protocol} | {rate:.1f} | {rate / base:.3f} | {runs.median(label, 'p50_ms'):.2f} | "
              f"{runs.median(label, 'p99_ms'):.2f} | "
              f"{runs.median(label + '-cpu', 'server_cpu_us_per_request'):.0f} | "
              f"{runs.median(label, 'client_cpu_cores'):.2f} | {runs.median(label, 'client_send_us'):.0f} |")
PY
