#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine (run as root):
#   1. install the Debian packages Convoy needs      (tools/install_deps.sh)
#   2. build with -Wall -Wextra -Werror              (build/)
#   3. make the model zoo, with the extra test exports (zoo/, cached)
#   4. run every test: unit, ONNX conformance, zoo vs PyTorch, tools
#   5. rebuild with clang AddressSanitizer + UBSan     (build-asan/) and run
#      the unit and conformance tests there (the zoo tests are left out:
#      they spend minutes in oneDNN kernels that ASan does not instrument)
#   6. rebuild the dynamic batcher's, the image pool's and the HTTP
#      transport's tests with ThreadSanitizer (build-tsan/) and run them
#   7. fuzz the ONNX loader, the image decoder, the inference request
#      decoder and the REST request codec for CONVOY_FUZZ_SECONDS in all
#      (default 90), a quarter each
#   8. build the Docker image (compiling and unit-testing inside it), run it
#      on loopback and check it end to end; check the Compose file
#      (tools/docker.sh test; CONVOY_DOCKER=0 skips it)
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
step() { printf '\n=== %s (%s)\n' "$1" "$(date +%T)"; }

step "Installing packages"
tools/install_deps.sh

step "Building (warnings are errors)"
tools/build.sh

step "Making the model zoo"
/usr/bin/python3 tools/make_zoo.py --out zoo --extra

step "Running the tests"
(cd build && ctest --output-on-failure -j"$jobs" --timeout 1800)
if [ -f build/tests/conformance/onnx_conformance.txt ]; then
  cat build/tests/conformance/onnx_conformance.txt
fi

step "AddressSanitizer + UBSan build"
CC=clang CXX=clang++ cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCONVOY_SANITIZE=address,undefined -DCONVOY_FUZZ=ON >/dev/null
ninja -C build-asan
step "Sanitizer run of the unit, conformance and server integration tests"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j"$jobs" -L "unit|conformance|integration")

step "ThreadSanitizer build of the dynamic batcher's, the image pool's and the HTTP transport's tests"
# Where requests from many threads meet. The rest of the server is left out:
# Debian's abseil is not built with TSan, so its mutexes look unsynchronised
# (docs/RELIABILITY.md#sanitizers).
CC=clang CXX=clang++ cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCONVOY_SANITIZE=thread >/dev/null
ninja -C build-tsan dynamic_batcher_test dynamic_batcher_stress_test batcher_fake_clock_test work_pool_test \
  http_server_test dynamic_batcher_queue_test
(cd build-tsan && ctest --output-on-failure -j"$jobs" \
  -R '^(dynamic_batcher_test|dynamic_batcher_stress_test|batcher_fake_clock_test|work_pool_test|http_server_test|dynamic_batcher_queue_test)\.')

fuzz_seconds=${CONVOY_FUZZ_SECONDS:-90}
# A quarter each; at least 1 s, since libFuzzer reads -max_total_time=0 as "forever".
fuzz_share=$(( fuzz_seconds / 4 > 0 ? fuzz_seconds / 4 : 1 ))
# New inputs go to throwaway directories; the repository's corpora are seeds only.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
fuzz() {  # fuzz TARGET SEED_DIR...
  local target=$1
  shift
  mkdir -p "$scratch/$target"
  build-asan/tests/fuzz/"$target" "$scratch/$target" "$@" \
    -max_total_time="$fuzz_share" -rss_limit_mb=4096 -print_final_stats=1 2>&1 | tail -n 12
}

step "Fuzzing the ONNX loader for ${fuzz_share} s"
# Seeds: the repository's corpus plus small real models from the ONNX test data.
# (No `find | head` here: head's early exit would be a SIGPIPE failure under pipefail.)
mapfile -t seeds < <(find /usr/share/libonnx-testdata/data/node -name model.onnx -size -2k | sort)
mkdir -p "$scratch/onnx_seeds"
for f in "${seeds[@]:0:200}"; do cp "$f" "$scratch/onnx_seeds/$(echo "$f" | md5sum | cut -c1-12).onnx"; done
fuzz onnx_loader_fuzzer "$scratch/onnx_seeds" tests/fuzz/corpus/onnx_loader

step "Fuzzing the image decoder for ${fuzz_share} s"
# Seeds: tests/fuzz/corpus/image_decoder (made by tests/fuzz/make_image_corpus.py).
fuzz image_decoder_fuzzer tests/fuzz/corpus/image_decoder

step "Fuzzing the inference request decoder for ${fuzz_share} s"
# Seeds: tests/fuzz/corpus/infer_request (tests/fuzz/make_infer_request_corpus.py);
# the model is the zoo's lenet5-fmnist.
CONVOY_ZOO_DIR="$PWD/zoo" fuzz infer_request_fuzzer tests/fuzz/corpus/infer_request

step "Fuzzing the REST inference request codec for ${fuzz_share} s"
# Seeds: tests/fuzz/corpus/rest_infer_request (tests/fuzz/make_rest_infer_request_corpus.py).
fuzz rest_infer_request_fuzzer tests/fuzz/corpus/rest_infer_request

if [ "${CONVOY_DOCKER:-1}" != 0 ]; then
  step "Docker image"
  tools/docker.sh test
fi

step "All tests passed"
