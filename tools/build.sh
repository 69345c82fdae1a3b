#!/usr/bin/env bash
# Configures and builds Convoy into build/ (Release with debug info,
# warnings as errors). Usage: tools/build.sh [extra cmake args...]
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCONVOY_WERROR=ON "$@" >/dev/null
ninja -C build
