#!/usr/bin/env bash
# The main job, from a fresh Debian 12 machine (run as root): install the
# packages, build, make the model zoo (the default model repository, in
# zoo/models), start convoy-server on it (loopback only) and classify
# Fashion-MNIST test images through it (tensors with one model, PNG files with
# the 10-crop ensemble, over gRPC and over HTTP), then run every zoo model on a sample
# image with the engine and print its top-5 classes and its throughput at
# batch 1 and batch 8.
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/lib/server.sh
tools/install_deps.sh
tools/build.sh
/usr/bin/python3 tools/make_zoo.py --out zoo

infer=build/tools/convoy_infer/convoy-infer
samples=$(mktemp -d)
trap 'server_stop_all; rm -rf "$samples"' EXIT

# Serve the zoo and classify through the server.
printf '\n== convoy-server\n'
server_start "$samples/server.log" build/server/convoy-server --model-repository zoo/models
server_wait_ready "$samples/server.log"
port=$(server_port "$samples/server.log")
grep -E 'event=(listening|model_loaded|server_ready)' "$samples/server.log"
/usr/bin/python3 client/python/kserve_classify.py --server "127.0.0.1:$port" \
  --model lenet5-fmnist --images zoo/refs/lenet5-fmnist/test_images.npy \
  --truth zoo/refs/lenet5-fmnist/test_labels.npy --count 8 --top-k 3
# The same kind of images as PNG files, decoded and preprocessed by the
# server, through the ensemble of three LeNet-5s with 10-crop averaging.
/usr/bin/python3 tools/export_fmnist_images.py "$samples/png" 6 8
/usr/bin/python3 client/python/kserve_classify.py --server "127.0.0.1:$port" \
  --model fmnist-ensemble --output probabilities --multicrop 10 --top-k 2 "$samples"/png/*.png
# One of them over HTTP/REST, the file as the body: its top classes as JSON.
http_port=$(server_port "$samples/server.log" http_listening)
first_png=$(ls "$samples"/png/*.png | head -n 1)
printf '%s over HTTP: ' "$(basename "$first_png")"
curl -sS --fail-with-body --data-binary "@$first_png" -H 'Content-Type: image/png' \
  "http://127.0.0.1:$http_port/v2/models/fmnist-ensemble/infer?top_k=2&multicrop=10"
echo
server_stop "$samples/server.log"
grep -E 'event=shutdown_complete' "$samples/server.log"
threads=${CONVOY_THREADS:-$(nproc)}
for dir in zoo/models/*/; do
  name=$(basename "$dir")
  refs=zoo/refs/$name
  [ -f "$refs/input.npy" ] || continue  # Ensembles have no model file of their own.
  # The first of the zoo's reference samples, as a batch of one.
  /usr/bin/python3 -c "import numpy, sys; numpy.save(sys.argv[2], numpy.load(sys.argv[1])[:1])" \
    "$refs/input.npy" "$samples/$name.npy"
  printf '\n== %s\n' "$name"
  "$infer" "$dir/1/model.onnx" --input "$samples/$name.npy" --top-k 5 --labels "$dir/labels.txt" \
    --threads "$threads" --bench 10 --warmup 2 | grep -v '^sample 0:'
  "$infer" "$dir/1/model.onnx" --input "$refs/input.npy" --threads "$threads" --bench 5 --warmup 1 |
    tail -n 1
done
