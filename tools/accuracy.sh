#!/usr/bin/env bash
# The accuracy table of docs/ACCURACY.md: the zoo's three Fashion-MNIST
# LeNet-5s and fmnist-ensemble on the 10,000 test images, single crop and
# 10-crop, through convoy-server with convoy-classify (images sent as PNG
# files, preprocessed by the server). Then the ensemble's answers are
# recomputed offline from its members' own scores (mean of probabilities)
# and compared image by image.
#
#   tools/accuracy.sh           (about a minute after the build and the zoo)
#
# The server listens on 127.0.0.1 only and is stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/lib/server.sh
build=${CONVOY_BUILD:-build}
classify=$build/tools/convoy_classify/convoy-classify
work=$(mktemp -d)
trap 'server_stop_all; rm -rf "$work"' EXIT

server_start "$work/server.log" "$build/server/convoy-server" --model-repository zoo/models
server_wait_ready "$work/server.log"
server=127.0.0.1:$(server_port "$work/server.log")

models=(lenet5-fmnist lenet5-fmnist-seed1 lenet5-fmnist-seed2 fmnist-ensemble)
for model in "${models[@]}"; do
  for crops in 1 10; do
    echo "$model, $crops crop(s)" >&2
    "$classify" --server "$server" --model "$model" --dataset fashion-mnist-test --multicrop "$crops" \
      --concurrency 16 --json --save-scores "$work/$model-$crops.npy" >"$work/$model-$crops.json"
  done
done

/usr/bin/python3 - "$work" "${models[@]}" <<'PY'
import json, sys
from pathlib import Path
import numpy as np

sys.path.insert(0, "tools")
sys.path.insert(0, "tools/lib")
from results import print_table  # noqa: E402
from zoo import fmnist  # noqa: E402

work, models = Path(sys.argv[1]), sys.argv[2:]
members, ensemble = models[:-1], models[-1]
_, labels = fmnist._raw("t10k")

def softmax(x):
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)

def accuracy(model, crops):
    return json.loads((work / f"{model}-{crops}.json").read_text())["accuracy"]

print_table(["model", "single crop", "10-crop"],
            [[model, f"{100 * accuracy(model, 1):.2f}%", f"{100 * accuracy(model, 10):.2f}%"] for model in models])
print()
rows = []
for crops in (1, 10):
    # Members' scores: logits with one crop, crop-averaged probabilities with ten.
    scores = [np.load(work / f"{m}-{crops}.npy") for m in members]
    probabilities = [softmax(s) if crops == 1 else s for s in scores]
    offline = np.mean(probabilities, axis=0)
    served = np.load(work / f"{ensemble}-{crops}.npy")
    differ = int((offline.argmax(1) != served.argmax(1)).sum())
    offline_accuracy = float((offline.argmax(1) == labels).mean())
    rows.append([f"{crops} crop{'s' if crops > 1 else ''}: mean of the members' probabilities, "
                 f"offline accuracy {100 * offline_accuracy:.2f}%", f"{differ} of {len(served)}",
                 f"{np.abs(offline - served).max():.2e}"])
print_table(["ensemble check", "images where the server's and the offline prediction differ",
             "largest probability difference"], rows)
PY
