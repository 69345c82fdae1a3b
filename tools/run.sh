#!/usr/bin/env bash
# The main job, from a fresh Debian 12 machine (run as root): install the
# packages, build, make the model zoo (the default model repository, in
# zoo/models), then run every zoo model on a sample image with the engine and
# print its top-5 classes and its throughput at batch 1 and batch 8.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install_deps.sh
tools/build.sh
/usr/bin/python3 tools/make_zoo.py --out zoo

infer=build/tools/convoy_infer/convoy-infer
samples=$(mktemp -d)
trap 'rm -rf "$samples"' EXIT
threads=${CONVOY_THREADS:-$(nproc)}
for dir in zoo/models/*/; do
  name=$(basename "$dir")
  refs=zoo/refs/$name
  [ -f "$refs/input.npy" ] || continue
  # The first of the zoo's reference samples, as a batch of one.
  /usr/bin/python3 -c "import numpy, sys; numpy.save(sys.argv[2], numpy.load(sys.argv[1])[:1])" \
    "$refs/input.npy" "$samples/$name.npy"
  printf '\n== %s\n' "$name"
  "$infer" "$dir/1/model.onnx" --input "$samples/$name.npy" --top-k 5 --labels "$dir/labels.txt" \
    --threads "$threads" --bench 10 --warmup 2 | grep -v '^sample 0:'
  "$infer" "$dir/1/model.onnx" --input "$refs/input.npy" --threads "$threads" --bench 5 --warmup 1 |
    tail -n 1
done
