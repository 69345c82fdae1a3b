#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine (run as root):
#   1. install the Debian packages Convoy needs      (tools/install_deps.sh)
#   2. build with -Wall -Wextra -Werror              (build/)
#   3. make the model zoo, with the extra test exports (zoo/, cached)
#   4. run every test: unit, ONNX conformance, zoo vs PyTorch, tools
#   5. rebuild with clang AddressSanitizer + UBSan     (build-asan/) and run
#      the unit and conformance tests there (the zoo tests are left out:
#      they spend minutes in oneDNN kernels that ASan does not instrument)
#   6. fuzz the ONNX loader and the image decoder for CONVOY_FUZZ_SECONDS
#      in all (default 60), half each
#   7. build the Docker image (compiling and unit-testing inside it), run it
#      on loopback and check it end to end; check the Compose file
#      (tools/docker.sh test; about 10 minutes; CONVOY_DOCKER=0 skips it)
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

fuzz_seconds=${CONVOY_FUZZ_SECONDS:-60}
# Half each; at least 1 s, since libFuzzer reads -max_total_time=0 as "forever".
fuzz_half=$(( fuzz_seconds / 2 > 0 ? fuzz_seconds / 2 : 1 ))
# New inputs go to throwaway directories; the repository's corpora are seeds only.
corpus=$(mktemp -d)
image_corpus=$(mktemp -d)
trap 'rm -rf "$corpus" "$image_corpus"' EXIT

step "Fuzzing the ONNX loader for ${fuzz_half} s"
# Seeds: the repository's corpus plus small real models from the ONNX test data.
# (No `find | head` here: head's early exit would be a SIGPIPE failure under pipefail.)
mapfile -t seeds < <(find /usr/share/libonnx-testdata/data/node -name model.onnx -size -2k | sort)
for f in "${seeds[@]:0:200}"; do cp "$f" "$corpus/$(echo "$f" | md5sum | cut -c1-12).onnx"; done
build-asan/tests/fuzz/onnx_loader_fuzzer "$corpus" tests/fuzz/corpus/onnx_loader \
  -max_total_time="$fuzz_half" -rss_limit_mb=4096 -print_final_stats=1 2>&1 | tail -n 12

step "Fuzzing the image decoder for ${fuzz_half} s"
# Seeds: tests/fuzz/corpus/image_decoder (made by tests/fuzz/make_image_corpus.py).
build-asan/tests/fuzz/image_decoder_fuzzer "$image_corpus" tests/fuzz/corpus/image_decoder \
  -max_total_time="$fuzz_half" -rss_limit_mb=4096 -print_final_stats=1 2>&1 | tail -n 12

if [ "${CONVOY_DOCKER:-1}" != 0 ]; then
  step "Docker image"
  tools/docker.sh test
fi

step "All tests passed"
