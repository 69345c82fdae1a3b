#!/usr/bin/env bash
# Abuse benchmark of convoy-server (docs/RELIABILITY.md, "Abuse benchmark"):
# replays attacks (co-batched outputs, multi-crop and resize amplification,
# floods of small images, huge declared shapes, maximum-size messages,
# slowloris connections, outstanding calls, a flood of distinct shapes,
# reloads) against one server, each for a bounded time and request count,
# while a probe sends a health check and a well-formed lenet5-fmnist request
# every 20 ms. Prints one table (peak RSS, CPU seconds, what the attacker
# got back, the probe's p50/p99 against its unloaded figures, wrong answers,
# liveness, PASS/FAIL per target) and writes the same figures as JSON.
#
#   bench/abuse.sh [--max-inflight-bytes N] [--plan-cache-mb N] [--duration S]
#                  [--attacks NAME,...] [--json FILE] [--server-flag FLAG ...]
#
# Needs a build (tools/build.sh, plus `ninja -C build convoy-abuse` when the
# build predates it) and the zoo (tools/make_zoo.py; or CONVOY_ZOO_DIR). The
# server listens on 127.0.0.1 only, on free ports, and is stopped at the end.
# Exit status: 0 every target met, 3 some target missed, other: error.
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/lib/server.sh
max_inflight_bytes=$((1 << 30))
plan_cache_mb=512
duration=10
attacks=all
json=build/abuse.json
server_flags=()
while [ $# -gt 0 ]; do
  case "$1" in
    --max-inflight-bytes) max_inflight_bytes=$2; shift 2 ;;
    --plan-cache-mb) plan_cache_mb=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --attacks) attacks=$2; shift 2 ;;
    --json) json=$2; shift 2 ;;
    --server-flag) server_flags+=("$2"); shift 2 ;;
    *) echo "usage: $0 [--max-inflight-bytes N] [--plan-cache-mb N] [--duration S] [--attacks LIST] [--json FILE] [--server-flag FLAG ...]" >&2; exit 2 ;;
  esac
done
build=${CONVOY_BUILD:-build}
zoo=${CONVOY_ZOO_DIR:-zoo}/models
abuse=$build/bench/convoy-abuse
for f in "$build/server/convoy-server" "$abuse"; do
  [ -x "$f" ] || { echo "$0: $f missing; build it first (tools/build.sh)" >&2; exit 2; }
done
for m in lenet5-fmnist resnet18; do
  [ -f "$zoo/$m/config.pbtxt" ] || { echo "$0: $zoo/$m missing; run tools/make_zoo.py or set CONVOY_ZOO_DIR" >&2; exit 2; }
done
work=$(mktemp -d)
trap 'server_stop_all; rm -rf "$work"' EXIT

# The repository (bench/abuse/attacks.h says what each model is for).
models=$work/models
mkdir -p "$models"
cp -r "$zoo/lenet5-fmnist" "$zoo/resnet18" "$models/"
# An intermediate value of LeNet-5 (the first hidden layer's activations,
# 120 values) as a second output, and a long queue delay, so a request for
# it and one for the class scores are batched together.
feature=/classifier/classifier.2/Tanh_output_0
cp -r "$zoo/lenet5-fmnist" "$models/lenet5-fmnist-cobatch"
sed -e 's/name: "lenet5-fmnist"/name: "lenet5-fmnist-cobatch"/' \
  -e "s|^output \[ \(.*\) \]$|output [ \1, { name: \"$feature\" data_type: TYPE_FP32 dims: [ 120 ] } ]|" \
  -e 's/dynamic_batching { }/dynamic_batching { max_queue_delay_microseconds: 300000 }/' \
  "$zoo/lenet5-fmnist/config.pbtxt" > "$models/lenet5-fmnist-cobatch/config.pbtxt"
cp -r "$zoo/lenet5-fmnist" "$models/lenet5-fmnist-flood"
sed -e 's/name: "lenet5-fmnist"/name: "lenet5-fmnist-flood"/' \
  "$zoo/lenet5-fmnist/config.pbtxt" > "$models/lenet5-fmnist-flood/config.pbtxt"
sed -i 's/^max_batch_size: .*/max_batch_size: 32/' "$models/resnet18/config.pbtxt"
# ResNet-18 taking any H x W as a tensor: every shape is a plan of its own.
# The zoo's graph fixes 224 x 224 (its pooling is global, so nothing else
# depends on it); the copy's input names the two sides instead.
mkdir -p "$models/resnet18-dyn/1"
/usr/bin/python3 - "$zoo/resnet18/1/model.onnx" "$models/resnet18-dyn/1/model.onnx" <<'PY'
import sys
import onnx
model = onnx.load(sys.argv[1])
dims = model.graph.input[0].type.tensor_type.shape.dim
dims[2].dim_param, dims[3].dim_param = "height", "width"
del model.graph.value_info[:]
onnx.save(model, sys.argv[2])
PY
cat > "$models/resnet18-dyn/config.pbtxt" <<'CONFIG'
name: "resnet18-dyn"
platform: "onnxruntime_onnx"
max_batch_size: 32
input [ { name: "input" data_type: TYPE_FP32 dims: [ 3, -1, -1 ] } ]
output [ { name: "logits" data_type: TYPE_FP32 dims: [ 1000 ] } ]
CONFIG
for m in lenet5-fmnist-cobatch resnet18-dyn; do
  grep -q "$m" "$models/$m/config.pbtxt" || { echo "$0: could not write $m's config" >&2; exit 1; }
done
grep -q "$feature" "$models/lenet5-fmnist-cobatch/config.pbtxt" || {
  echo "$0: could not add $feature to lenet5-fmnist-cobatch's config" >&2; exit 1; }

# Explicit control mode, so the reload attack may call RepositoryModelLoad.
server_start "$work/server.log" "$build/server/convoy-server" --model-repository "$models" \
  --model-control-mode explicit --load-model '*' \
  --max-inflight-bytes "$max_inflight_bytes" --plan-cache-mb "$plan_cache_mb" ${server_flags[@]+"${server_flags[@]}"}
server_pid=$(server_pid "$work/server.log")
server_wait_ready "$work/server.log"
port=$(server_port "$work/server.log")

echo "abuse benchmark: $(date -u +%Y-%m-%dT%H:%M:%SZ), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores"
echo "convoy-server --max-inflight-bytes $max_inflight_bytes --plan-cache-mb $plan_cache_mb (pid $server_pid, port $port); $duration s per attack"
mkdir -p "$(dirname "$json")"
status=0
"$abuse" --server "127.0.0.1:$port" --server-pid "$server_pid" --attacks "$attacks" \
  --duration-secs "$duration" --max-inflight-bytes "$max_inflight_bytes" \
  --cobatch-feature "$feature" --json "$json" || status=$?
if ! kill -0 "$server_pid" 2>/dev/null; then
  echo "SERVER DIED; its last log lines:"
  tail -20 "$work/server.log"
  server_stop "$work/server.log" || echo "exit status $?"
fi
grep -E 'level=(error|fatal)|event=(crash|fatal)' "$work/server.log" | tail -5 || true
echo "JSON: $json"
exit "$status"
