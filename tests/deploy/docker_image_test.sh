#!/usr/bin/env bash
# Runs Convoy's image as a user would, with all traffic on loopback
# (--network host, the server bound to 127.0.0.1 on free ports, the root
# filesystem read-only as the Kubernetes manifests run it):
#   1. the image: non-root user, ports, HEALTHCHECK, OCI labels, no compilers
#      or -dev packages;
#   2. the default repository: the container becomes healthy, and
#      convoy-classify (from the image) classifies PNG files as PyTorch did;
#   3. /metrics counts those requests;
#   4. `docker stop` drains: exit code 0, well before docker's 10 s kill;
#   5. a mounted repository replaces the default one;
#   6. convoy-calibrate (from the image) calibrates a mounted model, which
#      the server then serves in int8.
# Usage: docker_image_test.sh IMAGE   (tools/docker.sh test runs it)
set -euo pipefail
image=${1:?usage: $0 IMAGE}
docker=${DOCKER:-/usr/bin/docker}
cd "$(dirname "$0")/../.."
work=$(mktemp -d)
name=convoy-image-test-$$
containers=()
cleanup() {
  for c in "${containers[@]}"; do "$docker" rm -f "$c" >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  for c in "${containers[@]}"; do echo "--- logs of $c" >&2; "$docker" logs --tail 30 "$c" >&2 || true; done
  exit 1
}
check() { printf '  ok  %s\n' "$1"; }
inspect() { "$docker" image inspect -f "$1" "$image"; }
free_port() { /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Starts a container named $1 (further arguments: convoy-server flags) on
# free loopback ports, with the docker options in volumes; sets grpc_port,
# http_port and metrics_port.
volumes=()
run_server() {
  local container=$1
  shift
  grpc_port=$(free_port)
  http_port=$(free_port)
  metrics_port=$(free_port)
  containers+=("$container")
  # Read-only, as the Kubernetes manifests run it.
  "$docker" run -d --name "$container" --network host --read-only "${volumes[@]}" \
    -e CONVOY_GRPC_PORT="$grpc_port" -e CONVOY_HTTP_PORT="$http_port" -e CONVOY_METRICS_PORT="$metrics_port" \
    "$image" --address 127.0.0.1 "$@" >/dev/null
}

# Waits for the image's own HEALTHCHECK to report healthy.
wait_healthy() {
  local container=$1 state started=$SECONDS
  while [ $((SECONDS - started)) -lt 120 ]; do
    state=$("$docker" inspect -f '{{.State.Status}} {{.State.Health.Status}}' "$container")
    case "$state" in
      "running healthy") echo "$((SECONDS - started))"; return ;;
      exited*|*unhealthy) fail "$container: $state" ;;
    esac
    sleep 1
  done
  fail "$container not healthy after 120 s"
}

echo "1. the image $image"
[ "$(inspect '{{.Config.User}}')" = "10001:10001" ] || fail "user is '$(inspect '{{.Config.User}}')', not 10001:10001"
check "runs as uid 10001"
ports=$(inspect '{{json .Config.ExposedPorts}}')
[[ "$ports" == *'"8000/tcp"'* && "$ports" == *'"8001/tcp"'* && "$ports" == *'"8002/tcp"'* ]] ||
  fail "exposed ports: $ports"
check "exposes $ports"
[[ "$(inspect '{{json .Config.Healthcheck.Test}}')" == *convoy-health* ]] || fail "no convoy-health HEALTHCHECK"
check "HEALTHCHECK runs convoy-health"
[ -n "$(inspect '{{index .Config.Labels "org.opencontainers.image.revision"}}')" ] || fail "no OCI revision label"
check "OCI labels: $(inspect '{{index .Config.Labels "org.opencontainers.image.version"}}')"
tools=$("$docker" run --rm --network host --entrypoint /bin/sh "$image" -c \
  'for c in cc gcc g++ c++ clang cmake ninja make; do command -v "$c"; done;
   dpkg-query -W -f "\${Package}\n" | grep -e "-dev$" || true')
[ -z "$tools" ] || fail "build tools in the runtime image: $tools"
check "no compilers or -dev packages"
echo "  size $(inspect '{{.Size}}' | awk '{printf "%.0f MB", $1 / 1e6}')"

echo "2. the default repository"
run_server "$name" --model-repository /models
seconds=$(wait_healthy "$name")
check "healthy after $seconds s"
/usr/bin/python3 tools/export_fmnist_images.py "$work/png" 8 >/dev/null
chmod -R a+rX "$work"
classify() {
  "$docker" run --rm --network host -v "$work/png:/images:ro" --entrypoint convoy-classify "$image" \
    --server "127.0.0.1:$grpc_port" "$@" /images
}
classify --model lenet5-fmnist --top-k 1 --json >"$work/classify.json" || fail "convoy-classify failed"
/usr/bin/python3 - "$work/classify.json" zoo/refs/lenet5-fmnist/test_predictions.npy <<'EOF' || fail "predictions"
import json, sys
from pathlib import Path
import numpy as np
results = [json.loads(line) for line in open(sys.argv[1])]
expected = np.load(sys.argv[2])
assert len(results) == 8, f"{len(results)} results, not 8"
for r in results:
    index = int(Path(r["file"]).name[:5])
    got = r["top"][0]["index"]
    assert got == expected[index], f"{r['file']}: class {got}, PyTorch said {expected[index]}"
print(f"  ok  lenet5-fmnist classifies {len(results)} PNG files as PyTorch did")
EOF
classify --model fmnist-ensemble --multicrop 10 --top-k 2 | sed 's/^/      /'
check "fmnist-ensemble with 10 crops"
# HTTP/REST on CONVOY_HTTP_PORT: a PNG as the body, its top classes as JSON.
first_png=$(ls "$work"/png/*.png | head -n 1)
answer=$(curl -sS --fail-with-body --data-binary "@$first_png" -H 'Content-Type: image/png' \
  "http://127.0.0.1:$http_port/v2/models/fmnist-ensemble/infer?top_k=2") || fail "HTTP inference: $answer"
[[ "$answer" == *'"classes":[{"index":'* ]] || fail "HTTP inference answered: $answer"
check "HTTP/REST: $(basename "$first_png") -> ${answer:0:120}"

echo "3. metrics"
/usr/bin/python3 - "$metrics_port" <<'EOF' || fail "metrics"
import re, sys, urllib.request
text = urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/metrics", timeout=10).read().decode()
def requests(model, kind):
    total = 0.0
    for labels, value in re.findall(r'^convoy_requests_total{([^}]*)} (\S+)$', text, re.M):
        labels = dict(re.findall(r'(\w+)="([^"]*)"', labels))
        if labels.get("model") == model and labels.get("kind") == kind and labels.get("outcome") == "success":
            total += float(value)
    return total
single, ensemble = requests("lenet5-fmnist", "single"), requests("fmnist-ensemble", "ensemble")
# The classify calls also ask each model once for its class names.
assert single >= 8 and ensemble >= 8, f"lenet5-fmnist {single}, fmnist-ensemble {ensemble}"
print(f"  ok  /metrics: lenet5-fmnist {single:.0f} requests, fmnist-ensemble {ensemble:.0f}")
EOF

echo "4. docker stop"
started=$SECONDS
"$docker" stop "$name" >/dev/null
took=$((SECONDS - started))
code=$("$docker" inspect -f '{{.State.ExitCode}}' "$name")
[ "$code" = 0 ] || fail "exit code $code after docker stop"
[ "$took" -lt 8 ] || fail "docker stop took $took s: SIGTERM was not handled"
"$docker" logs "$name" 2>&1 | grep -q 'event=shutdown_complete' || fail "no event=shutdown_complete in the log"
check "exit code 0 after ${took} s, event=shutdown_complete"

echo "5. a mounted repository"
mkdir -p "$work/models"
cp -r zoo/models/lenet5-fmnist "$work/models/"
chmod -R a+rX "$work"
volumes=(-v "$work/models:/models:ro")
run_server "$name-mounted" --model-repository /models
seconds=$(wait_healthy "$name-mounted")
check "healthy after $seconds s"
health() { "$docker" exec "$name-mounted" convoy-health --server "127.0.0.1:$grpc_port" --service "$1" 2>&1; }
health lenet5-fmnist >/dev/null || fail "lenet5-fmnist not served from the mounted repository"
out=$(health fmnist-ensemble) && fail "fmnist-ensemble served from a repository without it: $out"
[[ "$out" == *NOT_FOUND* ]] || fail "fmnist-ensemble: $out"
check "serves the mounted repository only (fmnist-ensemble: NOT_FOUND)"

echo "6. int8"
mkdir -p "$work/samples"
cp zoo/refs/lenet5-fmnist/calibration/samples.npy "$work/samples/"
chmod -R a+rwX "$work/models" && chmod -R a+rX "$work/samples"
"$docker" run --rm --network host -v "$work/models:/models" -v "$work/samples:/samples:ro" \
  --entrypoint convoy-calibrate "$image" --model /models/lenet5-fmnist/1/model.onnx \
  --samples /samples | sed 's/^/      /' || fail "convoy-calibrate failed"
[ -s "$work/models/lenet5-fmnist/1/model.onnx.calibration" ] || fail "no calibration written"
check "convoy-calibrate wrote model.onnx.calibration beside the model"
echo 'precision: "int8"' >>"$work/models/lenet5-fmnist/config.pbtxt"
run_server "$name-int8" --model-repository /models
seconds=$(wait_healthy "$name-int8")
# Not `docker logs | grep -q`: grep's early exit fails the pipe (pipefail).
int8_log=$("$docker" logs "$name-int8" 2>&1)
[[ "$int8_log" == *"event=model_loaded model=lenet5-fmnist version=1 precision=int8 "* ]] ||
  fail "the model did not load in int8"
classify --model lenet5-fmnist --top-k 1 --json >"$work/int8.json" || fail "convoy-classify (int8) failed"
/usr/bin/python3 - "$work/int8.json" zoo/refs/lenet5-fmnist/test_predictions.npy "$seconds" <<'EOF' || fail "int8 predictions"
import json, sys
from pathlib import Path
import numpy as np
results = [json.loads(line) for line in open(sys.argv[1])]
expected = np.load(sys.argv[2])
same = sum(r["top"][0]["index"] == expected[int(Path(r["file"]).name[:5])] for r in results)
# int8 changes about 1 prediction in 400 on the test set.
assert len(results) == 8 and same >= 7, f"{same} of {len(results)} as PyTorch"
print(f"  ok  lenet5-fmnist in int8, healthy after {sys.argv[3]} s: {same} of 8 PNG files as PyTorch")
EOF
echo "docker image test passed"
